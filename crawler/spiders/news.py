"""The one spider: walks each configured source and fetches its articles."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawler.context import RunContext
from crawler.items import STORE_ERROR_STAT, ArticleItem
from crawler.middlewares.guard import RefusedAddress
from crawler.sources.health import ENTRY_ERROR_STAT
from crawler.sources.polling import EntryPoints
from crawler.sources.readers import Entry, MalformedSource, parse_feed, parse_sitemap, section_links
from crawler.sources.retries import describe as describe_retry
from crawler.sources.retries import due_pages
from crawler.sources.seen import KEY_META, fetch_decision
from crawler.sources.urls import request_url, url_key
from crawler.spiders.failures import describe
from storage.times import utcnow

HTML_TYPES = ("text/html", "application/xhtml+xml")
ENTRY_META = "newsfold_entry"  # request meta: the entry point's URL as its state is kept
ENTRY_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.1"
)


class NewsSpider(scrapy.Spider):
    """Fetches feeds, sitemaps and section pages, then the articles they list."""

    name = "newsfold"

    def __init__(self, context: RunContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.entries = EntryPoints(context.storage, context.config.crawl)
        self.requested: set[str] = set()  # keys of the article URLs requested in this run

    async def start(self) -> AsyncIterator[Request]:
        """One request per enabled source that is due."""
        callbacks = {
            "feed": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "page": self.parse_section,
        }
        sources = self.context.sources
        self.entries.load({name: str(source.url) for name, source in sources.items()})
        for name, source in sources.items():
            if not self.entries.due(str(source.url)):
                self._count(name, "not_due")
                continue
            yield self._entry_request(str(source.url), callbacks[source.kind], name)
        # Failed pages are due whether or not their entry point changed: a feed answering 304
        # would never list them again.
        for page in due_pages(self.context.storage, list(sources)):
            if page.key in self.requested:
                continue
            self.requested.add(page.key)
            self._count(page.source, "retried")
            yield self._article_request(page.url, page.key, page.source, Entry(page.url))

    def _entry_request(self, url: str, callback: Any, source: str) -> Request:
        """A conditional request for a feed, sitemap or section page."""
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs={"source": source},
            headers={"Accept": ENTRY_ACCEPT, **self.entries.headers(url)},
            meta={"handle_httpstatus_list": [304], ENTRY_META: url},
            dont_filter=True,
        )

    def _not_modified(self, response: Response, source: str) -> bool:
        """Whether an entry point answered 304; counted and remembered."""
        if response.status != 304:
            return False
        self._count(source, "not_modified")
        self._observe(source, response.meta[ENTRY_META], response)
        return True

    def _observe(
        self, source: str, url: str, response: Response, children: list[str] | None = None
    ) -> None:
        """Learn from an entry point's answer, read without error; the source was polled."""
        self._count(source, "polled")
        self.entries.observe(source, url, response, children)

    def closed(self, reason: str) -> None:
        """Keep what the run learned about its entry points, once it completed.

        Not when the store refused a write: the pages it lost are listed only by entry points
        that would answer 304 next time.
        """
        assert self.crawler.stats is not None
        if reason == "finished" and not self.crawler.stats.get_value(STORE_ERROR_STAT):
            self.entries.commit()

    def _count(self, source: str, key: str) -> None:
        """Count an event for a source in the crawl stats."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsfold/{source}/{key}")

    def parse_feed(self, response: Response, source: str) -> Iterator[Request]:
        """Article requests from an RSS, Atom or JSON feed."""
        if self._not_modified(response, source):
            return
        self._count(source, "fetched")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        try:
            entries = parse_feed(response.body, response.url, content_type)
        except MalformedSource as exc:
            self._fail_entry(source, response.url, str(exc), response.status)
            return
        self._observe(source, response.meta[ENTRY_META], response)
        yield from self._article_requests(source, entries)

    def parse_sitemap(self, response: Response, source: str) -> Iterator[Request]:
        """Article requests from a sitemap; a sitemap index is followed, changed or not."""
        url = response.meta[ENTRY_META]
        if self._not_modified(response, source):
            for child in self.entries.children(url):
                yield self._entry_request(child, self.parse_sitemap, source)
            return
        self._count(source, "fetched")
        try:
            is_index, entries = parse_sitemap(response.body)
        except MalformedSource as exc:
            self._fail_entry(source, response.url, str(exc), response.status)
            return
        if is_index:
            children = list(dict.fromkeys(response.urljoin(entry.url) for entry in entries))
            self._observe(source, url, response, children)
            for child in children:
                yield self._entry_request(child, self.parse_sitemap, source)
            return
        self._observe(source, url, response)
        entries.sort(key=lambda e: e.published or "", reverse=True)
        yield from self._article_requests(source, entries)

    def parse_section(self, response: Response, source: str) -> Iterator[Request]:
        """Article requests from the links of a section page."""
        if self._not_modified(response, source):
            return
        self._count(source, "fetched")
        if not isinstance(response, TextResponse):
            self._fail_entry(source, response.url, "section page is not HTML", response.status)
            return
        links = section_links(response.url, response.css("a::attr(href)").getall())
        self._observe(source, response.meta[ENTRY_META], response)
        yield from self._article_requests(source, [Entry(url) for url in links])

    def _article_requests(self, source: str, entries: list[Entry]) -> Iterator[Request]:
        """Requests for the entries not fetched before (or due a revision check), up to the limit.

        URLs are compared by their canonical key, so tracking, AMP and http/https variants of one
        article are fetched once.
        """
        config = self.context.sources[source]
        crawl = self.context.config.crawl
        pattern = re.compile(config.url_pattern) if config.url_pattern else None
        wanted = [e for e in entries if pattern is None or pattern.search(e.url)]
        limit = self.settings.getint("URLLENGTH_LIMIT")
        for entry in wanted[: config.max_articles]:
            url = request_url(entry.url, crawl.tracking_params)
            if limit and len(url) > limit:
                # Scrapy would drop it quietly (URLLENGTH_LIMIT): recorded, so it is seen.
                self._fail(source, url[:200] + "…", f"URL longer than {limit} characters")
                continue
            key = url_key(url, crawl.tracking_params)
            if key in self.requested:
                self._count(source, "duplicates")
                continue
            self.requested.add(key)
            decision = fetch_decision(self.context.storage, url, key, crawl.revisit_days)
            if decision == "known":
                self._count(source, "known")
                continue
            if decision == "revisit":
                self._count(source, "revisits")
            yield self._article_request(url, key, source, entry)

    def _article_request(self, url: str, key: str, source: str, entry: Entry) -> Request:
        """A request for an article page, remembered under its canonical key."""
        return Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs={"source": source, "entry": entry},
            meta={KEY_META: key},
            # Article URLs are deduplicated by key before they are requested; Scrapy's filter
            # would also drop the second visit of a redirect loop silently instead of failing
            # it at crawl.max_redirects.
            dont_filter=True,
        )

    def parse_article(self, response: Response, source: str, entry: Entry) -> Iterator[ArticleItem]:
        """An item for an article page; anything but HTML is recorded and skipped."""
        self._count(source, "fetched")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if not isinstance(response, TextResponse) or not content_type.startswith(HTML_TYPES):
            reason = f"not an HTML page (Content-Type: {content_type or 'none'})"
            self._fail_article(source, response.url, response.meta.get(KEY_META), reason)
            return
        yield ArticleItem(
            url=response.url,
            source=source,
            body=response.body,
            fetched=utcnow(),
            declared=http_content_type_encoding(content_type),
            key=response.meta.get(KEY_META),
            feed_title=entry.title,
            feed_published=entry.published,
        )

    def on_error(self, failure: Failure) -> None:
        """Record a failed request with its reason; the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        source = request.cb_kwargs.get("source", "?")
        article = KEY_META in request.meta
        if failure.check(RefusedAddress):
            self._count(source, "refused")
            self.context.record_error(source, request.url, str(failure.value))
            if not article:
                self._entry_failed(source, request.url, str(failure.value))
            return
        if failure.check(HttpError):
            self._count(source, "fetched")
        elif "robots.txt" in str(failure.value):
            # Not a failure of the page: the publisher asked us not to fetch it.
            self._count(source, "robots")
            self.context.storage.record_error(
                self.context.run_id, source, request.url, "forbidden by robots.txt"
            )
            if not article:  # but a source that cannot be read is one for its health
                self._entry_failed(source, request.url, "forbidden by robots.txt")
            return
        reason, status = describe(failure, self.context.config.crawl)
        if article:
            self._fail_article(source, request.url, request.meta[KEY_META], reason, status)
        else:
            self._fail_entry(source, request.url, reason, status)

    def _fail_article(
        self, source: str, url: str, key: str | None, reason: str, status: int | None = None
    ) -> None:
        """Count and record a failed article page, and have it fetched again later."""
        page = self.context.page_failed(source, url, key, reason)
        if page is not None:
            if page.gave_up:
                self._count(source, "gave_up")
            reason = f"{reason} ({describe_retry(page)})"
        self._fail(source, url, reason, status)

    def _fail_entry(self, source: str, url: str, reason: str, status: int | None = None) -> None:
        """Count and record a failed feed, sitemap or section page."""
        self._entry_failed(source, url, reason)
        self._fail(source, url, reason, status)

    def _entry_failed(self, source: str, url: str, reason: str) -> None:
        """Note for the source's health that one of its entry points could not be read."""
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(f"{ENTRY_ERROR_STAT}/{source}", f"{url}: {reason}")

    def _fail(self, source: str, url: str, reason: str, status: int | None = None) -> None:
        """Count and record one failure."""
        self._count(source, "errors")
        self.context.record_error(source, url, reason, status)

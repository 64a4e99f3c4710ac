"""The one spider: walks each configured source and fetches its articles."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.context import RunContext
from crawler.items import ArticleItem
from crawler.sources import Entry, MalformedSource, parse_feed, parse_sitemap, section_links
from storage.times import utcnow

HTML_TYPES = ("text/html", "application/xhtml+xml")


class NewsSpider(scrapy.Spider):
    """Fetches feeds, sitemaps and section pages, then the articles they list."""

    name = "newsfold"

    def __init__(self, context: RunContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context

    async def start(self) -> AsyncIterator[Request]:
        """One request per enabled source."""
        callbacks = {
            "feed": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "page": self.parse_section,
        }
        for name, source in self.context.sources.items():
            yield Request(
                str(source.url),
                callback=callbacks[source.kind],
                errback=self.on_error,
                cb_kwargs={"source": name},
                dont_filter=True,
            )

    def _count(self, source: str, key: str) -> None:
        """Count an event for a source in the crawl stats."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsfold/{source}/{key}")

    def parse_feed(self, response: Response, source: str) -> Iterator[Request]:
        """Article requests from an RSS, Atom or JSON feed."""
        self._count(source, "fetched")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        try:
            entries = parse_feed(response.body, response.url, content_type)
        except MalformedSource as exc:
            self._fail(source, response.url, str(exc), response.status)
            return
        yield from self._article_requests(source, entries)

    def parse_sitemap(self, response: Response, source: str) -> Iterator[Request]:
        """Article requests from a sitemap; a sitemap index is followed."""
        self._count(source, "fetched")
        try:
            is_index, entries = parse_sitemap(response.body)
        except MalformedSource as exc:
            self._fail(source, response.url, str(exc), response.status)
            return
        if is_index:
            for entry in entries:
                yield response.follow(
                    entry.url,
                    self.parse_sitemap,
                    errback=self.on_error,
                    cb_kwargs={"source": source},
                )
            return
        entries.sort(key=lambda e: e.published or "", reverse=True)
        yield from self._article_requests(source, entries)

    def parse_section(self, response: Response, source: str) -> Iterator[Request]:
        """Article requests from the links of a section page."""
        self._count(source, "fetched")
        if not isinstance(response, TextResponse):
            self._fail(source, response.url, "section page is not HTML", response.status)
            return
        links = section_links(response.url, response.css("a::attr(href)").getall())
        yield from self._article_requests(source, [Entry(url) for url in links])

    def _article_requests(self, source: str, entries: list[Entry]) -> Iterator[Request]:
        """Requests for the entries not stored yet, up to the source's limit."""
        config = self.context.sources[source]
        pattern = re.compile(config.url_pattern) if config.url_pattern else None
        wanted = [e for e in entries if pattern is None or pattern.search(e.url)]
        for entry in wanted[: config.max_articles]:
            if self.context.storage.known_url(entry.url):
                self._count(source, "known")
                continue
            yield Request(
                entry.url,
                callback=self.parse_article,
                errback=self.on_error,
                cb_kwargs={"source": source, "entry": entry},
            )

    def parse_article(self, response: Response, source: str, entry: Entry) -> Iterator[ArticleItem]:
        """An item for an article page; anything but HTML is recorded and skipped."""
        self._count(source, "fetched")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if not isinstance(response, TextResponse) or not content_type.startswith(HTML_TYPES):
            self._fail(
                source, response.url, f"not an HTML page (Content-Type: {content_type or 'none'})"
            )
            return
        yield ArticleItem(
            url=response.url,
            source=source,
            body=response.text,
            fetched=utcnow(),
            feed_title=entry.title,
            feed_published=entry.published,
        )

    def on_error(self, failure: Failure) -> None:
        """Record a failed request with its reason; the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        source = request.cb_kwargs.get("source", "?")
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status  # type: ignore[union-attr]
            self._count(source, "fetched")
            reason = f"HTTP {status}"
        elif "robots.txt" in str(failure.value):
            # Not a failure: the publisher asked us not to fetch it.
            self._count(source, "robots")
            self.context.storage.record_error(
                self.context.run_id, source, request.url, "forbidden by robots.txt"
            )
            return
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"  # type: ignore[union-attr]
        self._fail(source, request.url, reason, status)

    def _fail(self, source: str, url: str, reason: str, status: int | None = None) -> None:
        """Count and record one failure."""
        self._count(source, "errors")
        self.context.record_error(source, url, reason, status)

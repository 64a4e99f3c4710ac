"""Article URLs fetched before: skipped by the spider, remembered after each page, expired by age."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.http import Response

from crawler.context import RunContext
from crawler.items import ArticleItem, PageDecided, PageFailed
from crawler.sources.urls import same_site, url_key
from storage.base import Storage
from storage.times import shift, utcnow

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

KEY_META = "newsfold_key"  # request meta: the canonical key of the URL as the entry point listed it


def fetch_decision(storage: Storage, url: str, key: str, revisit_days: float) -> str:
    """``new``, ``known``, or ``revisit`` when a known page is due for a revision check."""
    seen = storage.url_seen(url, key)
    if seen is None:
        return "new"
    if revisit_days and seen < shift(utcnow(), -revisit_days):
        return "revisit"
    return "known"


class SeenUrls:
    """Remembers every page kept (stored, folded, off topic, empty) under the keys of its URLs.

    The keys are those of the URL the entry point listed, the URL fetched (after redirects) and
    the URL the page declares for itself (rel=canonical, else og:url) when it is on the same site,
    so any of them is known next time. Pages that failed are fetched again on later runs
    (crawler.sources.retries).
    When a run completes, seen keys and off-topic pages older than ``crawl.seen_ttl_days`` go.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenUrls:
        """Connect to the crawl's item signals."""
        return cls(crawler)

    @property
    def context(self) -> RunContext:
        """The run's context (config, store, run id)."""
        return RunContext.from_crawler(self.crawler)

    def item_scraped(self, item: ArticleItem, response: Response) -> None:
        """A stored, folded or re-seen article; one whose batch the store refused is retried (the
        store stage records its failure)."""
        if item.lost:
            return
        self.remember(item, response, item.result.kind if item.result is not None else "kept")

    def item_dropped(self, item: ArticleItem, response: Response, exception: Exception) -> None:
        """A page a stage decided against (off topic, empty) is known; a failed one is retried."""
        if isinstance(exception, PageDecided):
            self.remember(item, response, exception.outcome)
        elif isinstance(exception, PageFailed):
            self.context.page_failed(
                item.source, item.url, response.meta.get(KEY_META), str(exception)
            )

    def remember(self, item: ArticleItem, response: Response, outcome: str) -> None:
        """Record the page under every URL that names it."""
        tracking = self.context.config.crawl.tracking_params
        # Extraction read the URL the page declares: its rel=canonical, else its og:url.
        page_url = item.extracted().canonical_url
        if page_url and urlsplit(page_url).scheme not in ("http", "https"):
            page_url = None
        urls = [item.url, *([page_url] if page_url and same_site(page_url, item.url) else [])]
        keys = [url_key(url, tracking) for url in urls]
        listed = response.meta.get(KEY_META)
        self.context.storage.record_seen(
            [listed, *keys] if listed else keys, item.url, item.source, outcome, page_url
        )

    def spider_closed(self, reason: str) -> None:
        """Expire old skip state once a run completed."""
        if reason != "finished":
            return
        ttl = self.context.config.crawl.seen_ttl_days
        pruned = self.context.storage.prune_seen(shift(utcnow(), -ttl))
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("seen/pruned", pruned)

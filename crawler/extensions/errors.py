"""Any exception a spider callback or an item stage raises becomes a recorded failure."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from twisted.python.failure import Failure

from crawler.context import RunContext
from crawler.sources.health import ENTRY_ERROR_STAT
from crawler.sources.seen import KEY_META
from storage.base import StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# The spider's callbacks by the stage of a crawl they are.
CALLBACK_STAGES = {
    "parse_feed": "feed",
    "parse_sitemap": "sitemap",
    "parse_section": "section page",
    "parse_article": "article",
}
# The item stages, by the file of their adapter in pipelines/.
ITEM_STAGES = ("extract", "clean", "relevance", "fold", "store")


class ErrorRecorder:
    """Records an unexpected exception with its URL, source and stage; the crawl goes on.

    Scrapy logs such an exception and moves on, but the page would be neither recorded nor
    counted, and, never marked seen, fail again on every run without a trace.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ErrorRecorder:
        """Connect to the crawl's error signals."""
        return cls(crawler)

    def spider_error(self, failure: Failure, response: Response) -> None:
        """A callback raised while reading an entry point or an article page."""
        request = response.request
        callback = getattr(request.callback, "__name__", "") if request is not None else ""
        source = request.cb_kwargs.get("source", "?") if request is not None else "?"
        stage = CALLBACK_STAGES.get(callback, callback or "spider")
        reason = self.record(source, response.url, stage, failure, response)
        if stage != "article":
            assert self.crawler.stats is not None
            self.crawler.stats.set_value(
                f"{ENTRY_ERROR_STAT}/{source}", f"{response.url}: {reason}"
            )

    def item_error(self, item: Any, response: Response, failure: Failure) -> None:
        """An item stage raised on an article."""
        source = getattr(item, "source", "?")
        url = getattr(item, "url", response.url)
        self.record(source, url, item_stage(failure), failure, response)

    def record(
        self, source: str, url: str, stage: str, failure: Failure, response: Response
    ) -> str:
        """Count the failure and record it (an article to be fetched again); return the reason.

        A store that refuses is logged, not raised.
        """
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"newsfold/{source}/errors")
        stats.inc_value(f"errors/{stage}")
        exc = failure.value
        reason = f"{stage}: unexpected {type(exc).__name__}: {exc}"
        context = RunContext.from_crawler(self.crawler)
        if KEY_META in response.meta:
            context.page_failed(source, url, response.meta[KEY_META], reason)
        try:
            context.record_error(source, url, reason, response.status)
        except StorageError as error:
            logger.error("%s: %s: %s (not recorded: %s)", source, url, reason, error)
        return reason


def item_stage(failure: Failure) -> str:
    """The item stage whose code raised, read off the traceback."""
    tb = failure.getTracebackObject()
    frames = traceback.extract_tb(tb) if tb is not None else []
    for frame in reversed(frames):
        path = Path(frame.filename)
        if path.parent.name == "pipelines" and path.stem in ITEM_STAGES:
            return path.stem
    return "item"

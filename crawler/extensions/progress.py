"""A live progress line while a crawl runs (rich), fed by Scrapy signals."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text
from scrapy import signals


class ProgressDisplay:
    """Shows fetched, stored, copies, off-topic and errors as the crawl goes."""

    KEYS = ("fetched", "stored", "copies", "offtopic", "errors")

    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats
        self.live = Live(Text("starting crawl…"), console=Console(stderr=True), transient=True)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressDisplay:
        """Connect to the crawl's signals."""
        ext = cls(crawler)
        crawler.signals.connect(ext.live.start, signal=signals.spider_opened)
        crawler.signals.connect(ext.stop, signal=signals.spider_closed)
        for signal in (signals.response_received, signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(ext.update, signal=signal)
        return ext

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Redraw the totals."""
        totals = dict.fromkeys(self.KEYS, 0)
        for key, value in self.stats.get_stats().items():
            parts = key.split("/")
            if len(parts) == 3 and parts[0] == "newsfold" and parts[2] in totals:
                totals[parts[2]] += value
        line = "  ".join(f"{key} {value}" for key, value in totals.items())
        self.live.update(Text(f"crawling: {line}"))

    def stop(self, *args: Any, **kwargs: Any) -> None:
        """Clear the live line."""
        self.live.stop()

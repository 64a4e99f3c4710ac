"""Clean stage: learn each site's template from its pages; drop pages cleaning emptied."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.context import RunContext
from crawler.items import ArticleItem, EmptyAfterCleaning
from pipelines.cleaning.boilerplate import site_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class CleanPipeline:
    """Learns each site's template from its pages and counts what cleaning removed."""

    # The extraction worker cleans the page with the template known when it was sent; this
    # stage, in the crawl's process, adds the page's lines to the site's counts.

    def __init__(self, crawler: Crawler, context: RunContext) -> None:
        self.crawler = crawler
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        """Build the stage on the run's site learning."""
        return cls(crawler, RunContext.from_crawler(crawler))

    def close_spider(self) -> None:
        """Store what the crawl learned of each site's template."""
        self.context.save_learning()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        """Learn from the page; drop it when cleaning left nothing."""
        stats = self.crawler.stats
        assert stats is not None
        site = site_key(item.url)
        if site:
            self.context.learn(site, item.line_keys)
        for removal in item.removals:
            stats.inc_value(f"clean/{removal['rule']}")
        if not item.extracted().text.strip():
            stats.inc_value("clean/empty")
            stats.inc_value(f"newsfold/{item.source}/empty")
            rules = sorted({removal["rule"] for removal in item.removals})
            reason = f"clean: nothing left after removing boilerplate ({', '.join(rules)})"
            self.context.record_error(item.source, item.url, reason)
            raise EmptyAfterCleaning(reason)
        return item

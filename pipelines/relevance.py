"""Relevance stage: off-topic articles are recorded and dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.context import RunContext
from crawler.items import ArticleItem, OffTopic
from pipelines.scoring.relevance import Relevance, RelevanceScorer

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RelevancePipeline:
    """Drops off-topic articles after recording them."""

    # The extraction worker scored the page (pipelines.prepare); this stage decides on it.

    def __init__(self, crawler: Crawler, context: RunContext) -> None:
        self.crawler = crawler
        self.context = context
        self.scorer = RelevanceScorer(context.config.relevance)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelevancePipeline:
        """Build the stage from the run's [relevance] config."""
        return cls(crawler, RunContext.from_crawler(crawler))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        """Remember and drop the item when off topic."""
        stats = self.crawler.stats
        assert stats is not None
        page = item.extracted()
        result = Relevance(item.relevance or 0.0, item.relevance_terms)
        if not self.scorer.on_topic(result):
            stats.inc_value(f"newsfold/{item.source}/offtopic")
            self.context.storage.record_offtopic(
                self.context.run_id, item.source, item.url, page.title, result.score, result.terms
            )
            raise OffTopic(f"relevance: off topic (score {result.score})")
        return item

"""Store stage: commit the folded articles in batches, by count and by age."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet import task

from crawler.context import RunContext
from crawler.items import STORE_ERROR_STAT, ArticleItem
from pipelines.fold import COUNT_KEYS
from storage.base import StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StorePipeline:
    """Commits the open batch when full or due; a refused batch is recounted and fetched again."""

    def __init__(self, crawler: Crawler, context: RunContext) -> None:
        self.crawler = crawler
        self.context = context
        self.batcher = context.batcher
        self.timer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Build the stage on the run's store."""
        return cls(crawler, RunContext.from_crawler(crawler))

    def open_spider(self) -> None:
        """Commit open batches on time even while no article arrives."""
        # Made here, not in __init__: a LoopingCall takes the reactor, which Scrapy installs.
        self.timer = task.LoopingCall(self.commit_if_due)
        self.timer.start(min(1.0, self.batcher.seconds), now=False)

    def close_spider(self) -> None:
        """Commit what the last batch holds."""
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.commit(self.batcher.commit)

    def commit_if_due(self) -> None:
        """Commit the batch when it is old enough."""
        self.commit(self.batcher.commit_if_due)

    def commit(self, step: Callable[[], Any]) -> None:
        """Run a commit step; a batch the store refuses is reported and fetched again next run."""
        try:
            step()
        except StorageError as exc:
            self.lose_pending(exc)
            return
        if not self.context.storage.batch_open:
            self.context.pending.clear()

    def lose_pending(self, exc: StorageError) -> None:
        """Mark the refused batch's items lost (so they are not remembered as seen), recount."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("newsfold/store/lost_batches")
        stats.set_value(STORE_ERROR_STAT, str(exc))
        pending = self.context.pending
        for item in pending:
            assert item.result is not None
            item.lost = True
            stats.inc_value(f"newsfold/{item.source}/{COUNT_KEYS[item.result.kind]}", -1)
            if item.result.new_story:
                stats.inc_value(f"newsfold/{item.source}/stories", -1)
            stats.inc_value(f"newsfold/{item.source}/errors")
            self.context.page_failed(item.source, item.url, item.key, f"store: {exc}")
        logger.error(
            "store: a batch of %d articles could not be committed (%s); none of it is kept and "
            "the next run fetches its pages again",
            len(pending),
            exc,
        )
        pending.clear()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        """Commit the batch the item was folded into once it is full."""
        self.commit(self.batcher.commit_if_full)
        return item

"""Fold stage: a syndicated copy joins its original's article, a rewrite joins its story."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.context import RunContext
from crawler.items import STORE_ERROR_STAT, ArticleItem, StoreFailed
from pipelines.folding.folder import Folder
from pipelines.folding.records import build_records
from storage.base import StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# The per-source count each kind of fold adds to.
COUNT_KEYS = {"new": "stored", "copy": "copies", "seen": "seen", "revision": "revisions"}


class FoldPipeline:
    """Decides where each article belongs and writes it into the open batch of the store."""

    # The decision and its rows are one savepoint of the batch, so concurrent crawls never
    # both take the same text as new; the store stage commits the batch.

    def __init__(self, crawler: Crawler, context: RunContext, folder: Folder) -> None:
        self.crawler = crawler
        self.context = context
        self.folder = folder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FoldPipeline:
        """Build the stage from the run's [fold] config, checked against the store."""
        context = RunContext.from_crawler(crawler)
        folder = Folder(context.config.fold)
        context.storage.check_fold_params(folder.params)
        return cls(crawler, context, folder)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        """Fold the item into the store's open batch; count what it was."""
        stats = self.crawler.stats
        assert stats is not None and item.fingerprint is not None
        record, sighting = build_records(
            item.url,
            item.extracted(),
            item.fingerprint,
            item.fetched,
            source=item.source,
            removals=item.removals,
            relevance=item.relevance,
            relevance_terms=item.relevance_terms,
            feed_title=item.feed_title,
            feed_published=item.feed_published,
            entities=item.entities,
        )
        try:
            result = self.context.batcher.fold(self.folder, record, sighting, item.fingerprint)
        except StorageError as exc:
            stats.inc_value(f"newsfold/{item.source}/errors")
            stats.set_value(STORE_ERROR_STAT, str(exc))
            raise StoreFailed(f"store: {exc}") from None
        item.result = result
        self.context.pending.append(item)
        stats.inc_value(f"newsfold/{item.source}/{COUNT_KEYS[result.kind]}")
        if result.new_story:
            stats.inc_value(f"newsfold/{item.source}/stories")
        return item

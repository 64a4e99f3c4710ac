"""Store stage: fold and write each article in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from twisted.internet import task

from pipelines.features import Fingerprint, has_wire_credit
from pipelines.fold import Folder, FoldResult
from storage.base import ArticleRecord, Sighting, Storage, StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def ingest(
    storage: Storage, folder: Folder, record: ArticleRecord, sighting: Sighting, fp: Fingerprint
) -> FoldResult:
    """Fold one document and write it atomically: all of it is stored, or none."""
    with storage.transaction() as index:
        return folder.fold(index, record, sighting, fp)


class Batcher:
    """Folds documents in shared transactions committed every ``items`` documents or ``seconds``.

    Each document is still folded and written whole or not at all (a savepoint of the batch);
    committing many at once spares the index pages they share being written once per document.
    A crash loses the open batch, and whatever else was written in it, never part of a document.
    """

    def __init__(
        self,
        storage: Storage,
        items: int,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.items = items
        self.seconds = seconds
        self.clock = clock
        self.count = 0
        self.opened = 0.0

    def ingest(
        self, folder: Folder, record: ArticleRecord, sighting: Sighting, fp: Fingerprint
    ) -> FoldResult:
        """Fold one document into the batch; commit the batch when it is full."""
        result = self.fold(folder, record, sighting, fp)
        self.commit_if_full()
        return result

    def fold(
        self, folder: Folder, record: ArticleRecord, sighting: Sighting, fp: Fingerprint
    ) -> FoldResult:
        """Fold one document into the open batch, opening one when needed."""
        if not self.storage.batch_open:
            self.storage.begin_batch()
            self.opened = self.clock()
        result = ingest(self.storage, folder, record, sighting, fp)
        self.count += 1
        return result

    def commit_if_full(self) -> None:
        """Commit a batch that holds ``items`` documents."""
        if self.count >= self.items:
            self.commit()

    def commit_if_due(self) -> None:
        """Commit a batch that has been open ``seconds`` or longer."""
        if self.storage.batch_open and self.clock() - self.opened >= self.seconds:
            self.commit()

    def commit(self) -> None:
        """Commit the open batch."""
        self.count = 0
        if self.storage.batch_open:
            self.storage.end_batch()


def to_record(item: Any) -> tuple[ArticleRecord, Sighting]:
    """The article fields and the sighting of a crawled item."""
    page = item.page
    published = page.published or item.feed_published
    title = page.title or item.feed_title
    host = urlsplit(item.url).netloc
    record = ArticleRecord(
        url=item.url,
        site=page.site or host,
        title=title,
        text=page.text,
        fetched=item.fetched,
        authors=page.authors,
        published=published,
        modified=page.modified,
        language=page.language,
        description=page.description,
        tags=page.tags,
        image=page.image,
        relevance=item.relevance,
        relevance_terms=item.relevance_terms,
        removals=item.removals,
        notes=page.notes,
    )
    canonical = page.canonical_url
    if canonical and urlsplit(canonical).netloc == host:
        canonical = None  # only a cross-domain canonical says who the original is
    sighting = Sighting(
        url=item.url,
        site=record.site,
        seen_at=item.fetched,
        title=title,
        published=published,
        source=item.source,
        content_hash=item.fingerprint.content_hash,
        word_count=item.fingerprint.word_count,
        wire_credit=has_wire_credit(page.text)
        or any(r["rule"] == "dateline" for r in item.removals),
        canonical_url=canonical,
    )
    return record, sighting


class StorePipeline:
    """Writes articles, copies and stories; counts what happened per source."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        context = crawler.spider.context  # type: ignore[union-attr]
        self.context = context
        self.folder = Folder(context.config.fold)
        crawl = context.config.crawl
        self.batcher = Batcher(context.storage, crawl.commit_items, crawl.commit_seconds)
        self.timer: task.LoopingCall | None = None
        self.pending: list[tuple[Any, str]] = []  # the open batch's items and their count keys

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Build the stage on the run's store."""
        return cls(crawler)

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
            self.pending.clear()

    def lose_pending(self, exc: StorageError) -> None:
        """Mark the refused batch's items lost (so they are not remembered as seen), recount."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("newsfold/store/lost_batches")
        for item, key in self.pending:
            item.lost = True
            stats.inc_value(f"newsfold/{item.source}/{key}", -1)
            if item.result.new_story:
                stats.inc_value(f"newsfold/{item.source}/stories", -1)
            stats.inc_value(f"newsfold/{item.source}/errors")
        logger.error(
            "store: a batch of %d articles could not be committed (%s); none of it is kept and "
            "the next run fetches its pages again",
            len(self.pending),
            exc,
        )
        self.pending.clear()

    def process_item(self, item: Any) -> Any:
        """Fold and store the item."""
        stats = self.crawler.stats
        assert stats is not None
        record, sighting = to_record(item)
        try:
            result = self.batcher.fold(self.folder, record, sighting, item.fingerprint)
        except StorageError as exc:
            stats.inc_value(f"newsfold/{item.source}/errors")
            raise DropItem(f"store: {exc}") from None
        item.result = result
        key = {"new": "stored", "copy": "copies", "seen": "seen", "revision": "revisions"}[
            result.kind
        ]
        stats.inc_value(f"newsfold/{item.source}/{key}")
        if result.new_story:
            stats.inc_value(f"newsfold/{item.source}/stories")
        self.pending.append((item, key))
        self.commit(self.batcher.commit_if_full)
        return item

"""Store stage: fold and write each article in one transaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem

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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Build the stage on the run's store."""
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        """Fold and store the item."""
        stats = self.crawler.stats
        assert stats is not None
        record, sighting = to_record(item)
        try:
            result = ingest(self.context.storage, self.folder, record, sighting, item.fingerprint)
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
        return item

"""Extract stage: trafilatura turns a page into text and metadata, off the reactor thread."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import trafilatura
from scrapy.exceptions import DropItem
from trafilatura.settings import Document

from storage.times import to_stored

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&|\||/|,(?!\s*(?:jr|sr|ph\.?d)\b))\s*", re.I)
_AUTHOR_NOISE = re.compile(r"^(?:by|von|par|por|written by|words by)\s+|\s*\(.*?\)\s*$", re.I)
# Keep the time and offset htmldate finds: the election of originals compares them.
DATE_PARAMS = {
    "extensive_search": True,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
_META_TAG = re.compile(rb"<meta\s[^>]*>", re.I)
_META_KEY = re.compile(rb"""(?:property|name|itemprop)\s*=\s*["']([^"']+)["']""", re.I)
_META_CONTENT = re.compile(rb"""content\s*=\s*["']([^"']+)["']""", re.I)
_JSONLD_DATE = re.compile(rb'"(datePublished|dateModified)"\s*:\s*"([^"]{8,40})"')
PUBLISHED_KEYS = {b"article:published_time", b"og:published_time", b"datepublished", b"pubdate"}
MODIFIED_KEYS = {b"article:modified_time", b"og:updated_time", b"datemodified"}
_LANG = re.compile(rb"<html[^>]*?\slang=[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)


class ExtractionError(Exception):
    """A page yielded no article; the message says why."""


@dataclass
class Page:
    """What extraction found in one page."""

    url: str
    text: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    site: str = ""
    hostname: str = ""
    canonical_url: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The page as a JSON-ready dict."""
        return asdict(self)


class Extractor:
    """trafilatura with newsfold's settings and metadata checks."""

    def __init__(self, max_bytes: int = 10_000_000) -> None:
        self.max_bytes = max_bytes

    def extract(self, body: bytes | str, url: str) -> Page:
        """Extract one page, or raise ExtractionError with the reason."""
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        if not raw.strip():
            raise ExtractionError("empty page")
        if len(raw) > self.max_bytes:
            raise ExtractionError(
                f"page of {len(raw)} bytes exceeds max_page_bytes {self.max_bytes}"
            )
        if b"\x00" in raw[:4096]:
            raise ExtractionError("binary content, not HTML")
        tail = raw[-4096:].rstrip().lower()
        if b"</html" not in tail and b"</body" not in tail and not tail.endswith(b">"):
            raise ExtractionError("truncated HTML: the page ends inside a tag, before </html>")
        try:
            doc = trafilatura.bare_extraction(
                body,
                url=url,
                with_metadata=True,
                include_comments=False,
                include_tables=True,
                include_formatting=False,
                date_extraction_params=DATE_PARAMS,
            )
        except Exception as exc:  # trafilatura raises many kinds on broken markup
            raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}") from None
        if not isinstance(doc, Document) or not (doc.text or "").strip():
            raise ExtractionError("no article text found")
        return self._page(doc, raw, url)

    def _page(self, doc: Document, raw: bytes, url: str) -> Page:
        """A Page from trafilatura's document, metadata checked."""
        match = _LANG.search(raw[:4096])
        published, modified = page_dates(raw)
        return Page(
            url=url,
            text=doc.text or "",
            title=(doc.title or "").strip(),
            authors=split_authors(doc.author),
            published=published or valid_date(doc.date),
            modified=modified,
            language=(doc.language or (match.group(1).decode().lower() if match else None)),
            site=(doc.sitename or doc.hostname or "").strip(),
            hostname=doc.hostname or "",
            canonical_url=doc.url if doc.url and doc.url != url else None,
            description=doc.description,
            tags=[t for t in (doc.tags or []) if t],
            image=doc.image,
        )


def page_dates(raw: bytes) -> tuple[str | None, str | None]:
    """Published and modified times the page states with their time of day (meta, JSON-LD)."""
    head = raw[:200_000]
    found: dict[str, str | None] = {"published": None, "modified": None}
    for tag in _META_TAG.findall(head):
        key, content = _META_KEY.search(tag), _META_CONTENT.search(tag)
        if key and content:
            name = key.group(1).lower()
            slot = (
                "published"
                if name in PUBLISHED_KEYS
                else "modified"
                if name in MODIFIED_KEYS
                else ""
            )
            if slot and not found[slot]:
                found[slot] = valid_date(content.group(1).decode("ascii", "ignore"))
    for key, value in _JSONLD_DATE.findall(head):
        slot = "published" if key == b"datePublished" else "modified"
        if not found[slot]:
            found[slot] = valid_date(value.decode("ascii", "ignore"))
    return found["published"], found["modified"]


def split_authors(value: str | None) -> list[str]:
    """Author names from a metadata string: split, 'By' removed, duplicates dropped."""
    if not value:
        return []
    names: list[str] = []
    for part in _AUTHOR_SPLIT.split(value):
        name = _AUTHOR_NOISE.sub("", part.strip()).strip(" .,-")
        if name and len(name) <= 80 and not name.startswith("http") and name not in names:
            names.append(name)
    return names


def valid_date(value: str | None) -> str | None:
    """A stored timestamp, or None for a date in the future or before 1995."""
    stored = to_stored(value)
    if stored is None:
        return None
    when = datetime.fromisoformat(stored)
    if when < EARLIEST or when > datetime.now(UTC):
        return None
    return stored


def warm_up() -> int:
    """Run once in each worker so imports happen before the crawl."""
    return os.getpid()


def extract_job(body: bytes | str, url: str, max_bytes: int) -> Page:
    """Extract in a worker process (a fresh Extractor: no state crosses calls)."""
    return Extractor(max_bytes).extract(body, url)


class ExtractPipeline:
    """Runs extraction in a process pool so fetching and extraction use every core."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawl = crawler.spider.context.config.crawl  # type: ignore[union-attr]
        self.max_bytes = crawl.max_page_bytes
        self.workers = crawl.extract_workers or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        """Build the stage from the crawler's run context."""
        return cls(crawler)

    async def open_spider(self) -> None:
        """Start the worker pool before the first request (none for one worker: extract inline)."""
        if self.workers > 1:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pipelines.extract"])
            self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx)
            # Spawning workers blocks the caller; doing it now keeps it off the crawl's clock.
            await asyncio.gather(
                *(asyncio.wrap_future(self.pool.submit(warm_up)) for _ in range(self.workers))
            )

    def close_spider(self) -> None:
        """Stop the worker pool."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: Any) -> Any:
        """Fill ``item.page`` or drop the item with the reason recorded."""
        stats = self.crawler.stats
        assert stats is not None
        try:
            if self.pool is None:
                item.page = extract_job(item.body, item.url, self.max_bytes)
            else:
                future = self.pool.submit(extract_job, item.body, item.url, self.max_bytes)
                item.page = await asyncio.wrap_future(future)
        except ExtractionError as exc:
            stats.inc_value(f"newsfold/{item.source}/errors")
            stats.inc_value("extract/failed")
            self.crawler.spider.context.record_error(item.source, item.url, str(exc))  # type: ignore[union-attr]
            raise DropItem(f"extract: {exc}") from None
        item.body = b""
        return item

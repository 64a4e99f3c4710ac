"""The article and sighting records folding stores, built the same way for a crawl and the CLI."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pipelines.extraction.page import Page
from pipelines.folding.features import Fingerprint, has_wire_credit
from storage.base import ArticleRecord, Sighting


def build_records(
    url: str,
    page: Page,
    fingerprint: Fingerprint,
    fetched: str,
    *,
    source: str = "",
    doc_id: str = "",
    removals: list[dict[str, str]] | None = None,
    relevance: float | None = None,
    relevance_terms: list[str] | None = None,
    feed_title: str = "",
    feed_published: str | None = None,
    entities: dict[str, Any] | None = None,
) -> tuple[ArticleRecord, Sighting]:
    """The article fields and the sighting of a page fetched from ``url``, extracted and cleaned."""
    removals = removals or []
    published = page.published or feed_published
    title = page.title or feed_title
    host = urlsplit(url).netloc
    record = ArticleRecord(
        url=url,
        site=page.site or host,
        title=title,
        text=page.text,
        fetched=fetched,
        authors=page.authors,
        published=published,
        modified=page.modified,
        language=page.language,
        description=page.description,
        tags=page.tags,
        image=page.image,
        relevance=relevance,
        relevance_terms=relevance_terms or [],
        removals=removals,
        notes=page.notes,
        entities=entities or {},
    )
    canonical = page.canonical_url
    if canonical and urlsplit(canonical).netloc == host:
        canonical = None  # only a cross-domain canonical says who the original is
    sighting = Sighting(
        url=url,
        site=record.site,
        seen_at=fetched,
        doc_id=doc_id,
        title=title,
        published=published,
        source=source,
        content_hash=fingerprint.content_hash,
        word_count=fingerprint.word_count,
        wire_credit=has_wire_credit(page.text) or any(r["rule"] == "dateline" for r in removals),
        canonical_url=canonical,
    )
    return record, sighting

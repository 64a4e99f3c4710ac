"""The item that flows through newsfold's pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArticleItem:
    """A fetched article page and what each stage adds to it."""

    url: str
    source: str
    body: bytes | str
    fetched: str
    feed_title: str = ""
    feed_published: str | None = None
    declared: str | None = None  # the charset the HTTP headers declare
    page: Any = None  # pipelines.extract.Page
    removals: list[dict[str, str]] = field(default_factory=list)
    relevance: float | None = None
    relevance_terms: list[str] = field(default_factory=list)
    fingerprint: Any = None  # pipelines.features.Fingerprint
    line_keys: list[str] = field(default_factory=list)  # for the site learner
    result: Any = None  # pipelines.fold.FoldResult
    lost: bool = False  # folded into a batch the store refused: not stored, not to be marked seen

"""The item that flows through newsfold's pipelines, and the outcomes that end its way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

if TYPE_CHECKING:
    from pipelines.extraction.extractor import Page
    from pipelines.folding.features import Fingerprint
    from pipelines.folding.folder import FoldResult


# Crawl stat: the store's message when it refused a write; it fails the run (crawler/runner.py).
STORE_ERROR_STAT = "newsfold/store/error"


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
    key: str | None = None  # the canonical key it was requested under (crawler/sources/seen.py)
    page: Page | None = None
    removals: list[dict[str, str]] = field(default_factory=list)
    relevance: float | None = None
    relevance_terms: list[str] = field(default_factory=list)
    fingerprint: Fingerprint | None = None  # None when off topic or empty: never folded
    line_keys: list[str] = field(default_factory=list)  # for the site learner
    entities: dict[str, Any] = field(default_factory=dict)  # organisations, amounts, events
    result: FoldResult | None = None
    lost: bool = False  # folded into a batch the store refused: not stored, not to be marked seen

    def extracted(self) -> Page:
        """The extracted page; a stage after extraction may rely on it."""
        if self.page is None:
            raise TypeError(f"{self.url}: no extracted page (the extract stage did not run)")
        return self.page


class PageDecided(DropItem):
    """A page a stage decided against: remembered as seen, so it is not fetched again."""

    outcome = "dropped"


class OffTopic(PageDecided):
    """The relevance filter found the article off topic."""

    outcome = "relevance"


class EmptyAfterCleaning(PageDecided):
    """Cleaning removed every line of the article."""

    outcome = "clean"


class PageFailed(DropItem):
    """A page that failed: not remembered, so the next run fetches it again."""


class ExtractFailed(PageFailed):
    """No article could be extracted from the page."""


class StoreFailed(PageFailed):
    """The store refused the article."""

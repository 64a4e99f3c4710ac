"""What extraction finds in one page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.extraction.lines import Line


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
    notes: list[str] = field(default_factory=list)
    removals: list[dict[str, str]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The page as a JSON-ready dict (lines are internal to cleaning)."""
        data = asdict(self)
        del data["lines"]
        return data

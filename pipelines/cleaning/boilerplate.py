"""Per-site learning: text lines that repeat across many pages of one site are its template."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
SHORT_LINE = 40


def site_key(url: str) -> str:
    """The site a page's template is learned for: its host and port, without ``www.``."""
    return urlsplit(url).netloc.lower().rpartition("@")[2].removeprefix("www.")


@dataclass
class SiteStats:
    """How many pages of one site were seen, and on how many each line hash appeared."""

    pages: float = 0.0
    counts: dict[str, float] = field(default_factory=dict)
    frequent: set[str] = field(default_factory=set)  # hashes one page short of min_pages or more


@dataclass(frozen=True)
class KnownTemplate:
    """A site's template line hashes, as sent to an extraction worker with a page of the site."""

    keys: frozenset[str]
    max_chars: int = 600

    def is_boilerplate(self, site: str, line: str) -> bool:
        """True when the line's hash is one of the template's."""
        return (
            bool(self.keys) and len(line) <= self.max_chars and SiteLearner.key(line) in self.keys
        )


class SiteLearner:
    """Counts normalised line hashes per site; a line on enough of a site's pages is template."""

    # A line is template once the site has min_pages pages and the line was on at least share
    # of them (and on min_pages of them). Observing a page costs O(its lines); a site keeps at
    # most max_lines hashes, and every decay_every pages its counts are halved, so a template
    # the site dropped is forgotten.

    def __init__(
        self,
        min_pages: int = 3,
        share: float = 0.5,
        max_lines: int = 5000,
        decay_every: int = 500,
        max_chars: int = 600,
    ) -> None:
        self.min_pages = min_pages
        self.share = share
        self.max_lines = max_lines
        self.decay_every = decay_every
        self.max_chars = max_chars
        self.sites: dict[str, SiteStats] = {}

    def observe(self, site: str, lines: Iterable[str]) -> None:
        """Count each distinct line of one page of a site."""
        self.observe_keys(site, self.line_keys(lines))

    def line_keys(self, lines: Iterable[str]) -> list[str]:
        """The distinct hashes of the lines a learner counts."""
        return list({self.key(line) for line in lines if len(line) <= self.max_chars})

    def observe_keys(self, site: str, keys: Iterable[str]) -> None:
        """Count one page of a site, given its line hashes."""
        stats = self.sites.setdefault(site, SiteStats())
        stats.pages += 1
        for key in keys:
            count = stats.counts.get(key, 0.0) + 1
            stats.counts[key] = count
            if count >= self.min_pages - 1:
                stats.frequent.add(key)
        if len(stats.counts) > self.max_lines:
            self._prune(stats)
        if stats.pages >= self.decay_every:
            self._decay(stats)

    def template(self, site: str) -> KnownTemplate:
        """The hashes that are template on the site's next page if that page has them."""
        # The same decision as observing the page first and then asking is_boilerplate.
        stats = self.sites.get(site)
        if stats is None or stats.pages + 1 < self.min_pages:
            return KnownTemplate(frozenset(), self.max_chars)
        need = max(self.min_pages, self.share * (stats.pages + 1)) - 1
        keys = frozenset(k for k in stats.frequent if stats.counts.get(k, 0.0) >= need)
        return KnownTemplate(keys, self.max_chars)

    def is_boilerplate(self, site: str, line: str) -> bool:
        """True when the line is on enough of the site's pages to be its template."""
        stats = self.sites.get(site)
        if stats is None or stats.pages < self.min_pages or len(line) > self.max_chars:
            return False
        count = stats.counts.get(self.key(line), 0.0)
        return count >= self.min_pages and count >= self.share * stats.pages

    @staticmethod
    @lru_cache(maxsize=8192)
    def key(line: str) -> str:
        """A short stable hash of a line, case, spacing and (in short lines) numbers normalised."""
        # Kept per process: a page's lines are hashed for the learner and again for its site's
        # template, and a template's lines come back on every page of the site.
        # "12 comments" and "3 comments" are one line; in a sentence, numbers tell stories apart.
        normal = _SPACE.sub(" ", line.casefold()).strip()
        if len(normal) <= SHORT_LINE:
            normal = _DIGITS.sub("0", normal)
        return hashlib.blake2b(normal.encode("utf-8"), digest_size=8).hexdigest()

    def _prune(self, stats: SiteStats) -> None:
        """Keep the most frequent half of a site's hashes."""
        keep = sorted(stats.counts.items(), key=lambda kv: kv[1], reverse=True)
        stats.counts = dict(keep[: self.max_lines // 2])
        self._refresh(stats)

    def _decay(self, stats: SiteStats) -> None:
        """Halve a site's counts, dropping lines seen on fewer than one page after it."""
        stats.pages /= 2
        stats.counts = {k: c / 2 for k, c in stats.counts.items() if c >= 2}
        self._refresh(stats)

    def _refresh(self, stats: SiteStats) -> None:
        """Recompute which of a site's hashes are near or over min_pages."""
        stats.frequent = {k for k, c in stats.counts.items() if c >= self.min_pages - 1}

    def to_state(self) -> dict[str, Any]:
        """A JSON-ready snapshot, one entry per site."""
        return {
            site: {"pages": stats.pages, "lines": dict(stats.counts)}
            for site, stats in self.sites.items()
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], **options: Any) -> SiteLearner:
        """A learner restored from :meth:`to_state`."""
        learner = cls(**options)
        learner.restore(state)
        return learner

    def restore(self, state: dict[str, Any]) -> None:
        """Take the sites of a :meth:`to_state` snapshot, replacing what is known of them."""
        for site, entry in state.items():
            counts = {str(k): float(v) for k, v in entry.get("lines", {}).items()}
            self.sites[site] = stats = SiteStats(float(entry.get("pages", 0)), counts)
            self._refresh(stats)

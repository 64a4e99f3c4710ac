"""Entry points between runs: conditional-GET validators and adaptive poll intervals."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from scrapy.http import Response

from config.schema import CrawlConfig
from storage.base import EntryState, Storage
from storage.times import parsed, utcnow

# A source is due once this share of its interval has passed, so a cron cadence equal to the
# interval is not skipped for the seconds a run takes to reach the source.
DUE_SHARE = 0.9


def seconds_between(earlier: str, later: str) -> float:
    """Seconds from one stored timestamp to another."""
    return (parsed(later) - parsed(earlier)).total_seconds()


def next_interval(
    state: EntryState | None, changed: bool, now: str, shortest: float, longest: float
) -> float:
    """Seconds until the next poll: back to the shortest after a change, else doubled.

    An unchanged source waits at least as long as the last gap between two polls, so the
    doubling starts from the cadence newsfold actually runs at.
    """
    if changed or state is None:
        return shortest
    waited = max(seconds_between(state.checked, now), 0.0)
    return min(max(state.poll_interval * 2, waited, shortest), longest)


def is_due(state: EntryState | None, now: str) -> bool:
    """Whether an entry point's interval has (nearly) passed."""
    if state is None or state.poll_interval <= 0:
        return True
    return seconds_between(state.checked, now) >= state.poll_interval * DUE_SHARE


class EntryPoints:
    """What one run knows and learns about its feeds, sitemaps and section pages.

    What a run learns is written only when the run completes: a run that stops half-way must not
    leave validators behind, or the next run would get a 304 and never fetch what was missed.
    """

    def __init__(self, storage: Storage, crawl: CrawlConfig) -> None:
        self.storage = storage
        self.crawl = crawl
        self.known: dict[str, EntryState | None] = {}
        self.learned: dict[str, EntryState] = {}
        self.tops: dict[str, str] = {}  # source -> its configured URL
        self.changed: dict[str, bool] = {}  # source -> whether any of its documents changed

    def load(self, sources: dict[str, str]) -> None:
        """Read the stored state of the sources' URLs in one query."""
        self.tops.update(sources)
        found = self.storage.entry_states(list(sources.values()))
        self.known.update({url: found.get(url) for url in sources.values()})

    def state(self, url: str) -> EntryState | None:
        """The stored state of an entry point (read once per run)."""
        if url not in self.known:
            self.known[url] = self.storage.entry_states([url]).get(url)
        return self.known[url]

    def due(self, url: str) -> bool:
        """Whether a source's URL should be polled in this run."""
        return not self.crawl.adaptive_polling or is_due(self.state(url), utcnow())

    def headers(self, url: str) -> dict[str, str]:
        """Conditional-GET headers from the validators the last answer carried."""
        state = self.state(url)
        if state is None or not self.crawl.conditional_get:
            return {}
        found = {"If-None-Match": state.etag, "If-Modified-Since": state.last_modified}
        return {name: value for name, value in found.items() if value}

    def children(self, url: str) -> list[str]:
        """The sitemaps a sitemap index listed when it last changed."""
        state = self.state(url)
        return list(state.children) if state else []

    def observe(
        self, source: str, url: str, response: Response, children: list[str] | None = None
    ) -> bool:
        """Learn from an answer (200 or 304) read without error; return whether it changed."""
        now, old = utcnow(), self.state(url)
        if response.status == 304 and old is not None:
            state = replace(old, checked=now, etag=_header(response, b"ETag") or old.etag)
            changed = False
        else:
            digest = hashlib.sha256(response.body).hexdigest()
            changed = old is None or old.body_hash != digest
            state = EntryState(
                url=url,
                source=source,
                checked=now,
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
                body_hash=digest,
                changed=now if changed else old.changed if old else now,
                poll_interval=old.poll_interval if old else 0.0,
                children=children if children is not None else (old.children if old else []),
            )
        self.learned[url] = state
        self.changed[source] = self.changed.get(source, False) or changed
        return changed

    def commit(self) -> None:
        """Write what the run learned, with each polled source's next interval."""
        now = utcnow()
        for source, changed in self.changed.items():
            url = self.tops.get(source)
            if url in self.learned:
                self.learned[url].poll_interval = next_interval(
                    self.state(url),
                    changed,
                    now,
                    self.crawl.min_poll_interval,
                    self.crawl.max_poll_interval,
                )
        self.storage.save_entry_states(list(self.learned.values()))


def _header(response: Response, name: bytes) -> str | None:
    """A response header as text, or None."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None

"""The storage contract every backend implements."""

from __future__ import annotations

import abc
from collections.abc import Generator, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any


class StorageError(Exception):
    """The store cannot be used: the message says which store and what to check."""


class StoreLocked(StorageError):
    """Another newsfold process holds the store's run lock."""


class WriteConflict(StorageError):
    """The database undid a write that met another writer's (a deadlock): trying again can help."""


@dataclass
class Sighting:
    """One place and time a text was seen."""

    url: str
    site: str
    seen_at: str
    doc_id: str = ""
    title: str = ""
    published: str | None = None
    source: str = ""
    content_hash: str = ""
    word_count: int = 0
    wire_credit: bool = False
    canonical_url: str | None = None

    def __post_init__(self) -> None:
        if not self.doc_id:
            self.doc_id = self.url


@dataclass
class ArticleRecord:
    """A folded article as newsfold stores it: the elected original's fields."""

    url: str
    site: str
    title: str
    text: str
    fetched: str
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    relevance: float | None = None
    relevance_terms: list[str] = field(default_factory=list)
    removals: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what extraction repaired in the page
    # organisations, amounts and events (pipelines.entities: Entities.stored())
    entities: dict[str, Any] = field(default_factory=dict)


@dataclass
class EntryState:
    """What the last runs learned about one feed, sitemap or section page."""

    url: str
    source: str
    checked: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    changed: str | None = None
    poll_interval: float = 0.0  # seconds after ``checked`` before it is polled again
    children: list[str] = field(default_factory=list)  # a sitemap index's sitemaps


@dataclass
class FailedPage:
    """An article page that failed, and when it is fetched again."""

    key: str
    url: str
    source: str
    attempts: int
    first_failed: str
    last_failed: str
    next_attempt: str
    reason: str
    gave_up: str | None = None


@dataclass
class SourceHealth:
    """How one source fared over the runs that reached it."""

    source: str
    first_polled: str
    last_polled: str
    last_success: str | None = None
    last_failure: str | None = None
    consecutive_failures: int = 0
    last_article: str | None = None
    last_error: str | None = None
    last_run_id: int | None = None


@dataclass
class Candidate:
    """A stored article as folding sees it."""

    article_id: int
    story_id: int | None
    hashvalues: bytes
    shingle_count: int
    published: str | None
    terms: dict[str, float]
    content_hash: str  # of its normalised words: equal hashes, equal words


class FoldIndex(abc.ABC):
    """Reads and writes of folding state; used inside one store transaction."""

    @abc.abstractmethod
    def claim(self, keys: Sequence[int | str], stage: int = 0) -> None:
        """Wait until no other writer is folding a document that touches these keys.

        Held until the transaction ends, so a writer that claims a key after another one sees
        what that one wrote. Stage 0 holds what a fold reads first (document, content hash, LSH
        bands), stage 1 its story terms; a writer claims no stage-0 key after a stage-1 one and
        each stage in one order, so no two writers wait for each other. A backend whose writers
        exclude each other anyway (one write lock) does nothing.
        """

    @abc.abstractmethod
    def sighting_by_doc(self, doc_id: str) -> tuple[int, str] | None:
        """The article id and content hash of a sighting, by its document id."""

    @abc.abstractmethod
    def article_by_hash(self, content_hash: str) -> int | None:
        """The article holding a sighting with this exact content hash."""

    @abc.abstractmethod
    def lsh_candidates(self, band_keys: Sequence[int], limit: int) -> list[Candidate]:
        """Articles sharing at least one LSH band key, most shared first."""

    @abc.abstractmethod
    def article_text(self, article_id: int) -> str:
        """The text of an article's elected original."""

    @abc.abstractmethod
    def paragraph_frequencies(self, keys: Sequence[int]) -> dict[int, int]:
        """How many stored articles carry each paragraph key (keys in none left out)."""

    @abc.abstractmethod
    def story_candidates(
        self, terms: Sequence[str], since: str, until: str, limit: int
    ) -> list[Candidate]:
        """Articles in the time window sharing salient terms, most shared first."""

    @abc.abstractmethod
    def term_frequencies(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """The number of articles and how many of them carry each term."""

    @abc.abstractmethod
    def add_article(
        self,
        record: ArticleRecord,
        fingerprint: Any,
        story_id: int,
        sighting: Sighting,
        postings: Sequence[str],
    ) -> int:
        """Insert a new article with its first sighting, bands and terms (``postings`` of them
        indexed for story search); return its id."""

    @abc.abstractmethod
    def add_sighting(self, article_id: int, sighting: Sighting, band_keys: Sequence[int]) -> None:
        """Attach a copy's sighting (and its band keys) to an article."""

    @abc.abstractmethod
    def touch_sighting(self, doc_id: str, seen_at: str) -> None:
        """Record that a known document was seen again."""

    @abc.abstractmethod
    def add_revision(
        self, article_id: int, doc_id: str, text: str, content_hash: str, at: str
    ) -> None:
        """Keep a new version of a known URL's text."""

    @abc.abstractmethod
    def elect(self, article_id: int, record: ArticleRecord, fingerprint: Any, doc_id: str) -> None:
        """Make the given sighting the article's original."""

    @abc.abstractmethod
    def original(self, article_id: int) -> tuple[Sighting, set[str]]:
        """An article's current original sighting and the canonical URLs its copies point to."""

    @abc.abstractmethod
    def new_story(self, title: str, published: str) -> int:
        """Open a story; return its id."""

    @abc.abstractmethod
    def join_story(self, article_id: int, story_id: int, published: str) -> None:
        """Put an article in a story."""

    @abc.abstractmethod
    def widen_story(self, story_id: int, first: str, last: str) -> None:
        """Widen a story's time bounds to take in ``first`` and ``last``."""

    @abc.abstractmethod
    def merge_stories(self, keep: int, others: Sequence[int]) -> None:
        """Fold other stories into ``keep``."""

    @abc.abstractmethod
    def merge_articles(self, keep: int, others: Sequence[int]) -> None:
        """Fold other articles (their sightings and bands) into ``keep``."""


@dataclass
class RunRecord:
    """One crawl run."""

    id: int
    started: str
    ended: str | None
    status: str
    counts: dict[str, dict[str, int]]
    sources: list[str]
    message: str = ""
    job_id: int | None = None  # the queue job it was crawled for


@dataclass
class SiteLock:
    """The run locks a run holds: the sites it may crawl, and the busy ones it may not."""

    sites: list[str]
    busy: dict[str, str] = field(default_factory=dict)  # site -> who holds it
    store_wide: bool = False  # one lock for the whole store (SQLite): ``sites`` are all of them


@dataclass
class StoryView:
    """A story with its articles and where each was seen."""

    id: int
    title: str
    first_published: str | None
    last_published: str | None
    articles: list[dict[str, Any]]


class Storage(abc.ABC):
    """A newsfold store: articles, sightings, stories, runs and fetch errors."""

    url: str

    @abc.abstractmethod
    def migrate(self) -> list[int]:
        """Apply pending schema migrations; return the versions applied."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[FoldIndex]:
        """One atomic unit of folding work."""

    @abc.abstractmethod
    def begin_batch(self) -> None:
        """Let the writes that follow share one transaction until ``end_batch``.

        Each transaction or write inside the batch still succeeds or fails whole by itself; the
        batch makes them durable together, so a crash loses the batch and nothing half-written.
        """

    @abc.abstractmethod
    def end_batch(self, keep: bool = True) -> None:
        """Commit the open batch, or drop it when ``keep`` is false."""

    @property
    @abc.abstractmethod
    def batch_open(self) -> bool:
        """Whether a batch is open."""

    @property
    def max_batch_items(self) -> int | None:
        """Most documents one batch may hold (None: as many as the config says)."""
        return None

    @abc.abstractmethod
    def check_fold_params(self, params: dict[str, Any]) -> None:
        """Record MinHash parameters, or refuse ones that differ from the stored signatures'."""

    @abc.abstractmethod
    def lock(self) -> AbstractContextManager[None]:
        """Hold the store's single-writer run lock, or raise StoreLocked."""

    def lock_sites(self, sites: Sequence[str]) -> AbstractContextManager[SiteLock]:
        """Hold the run lock of each site that is free; a store-wide lock by default."""
        return _store_wide(self, sites)

    @abc.abstractmethod
    def begin_run(
        self,
        sources: Sequence[str],
        started: str | None = None,
        sites: Sequence[str] | None = None,
        job_id: int | None = None,
    ) -> int:
        """Record the start of a run (``started``: now, unless it began earlier).

        Runs left 'running' by a dead process are closed 'abandoned' first: those of ``sites``
        (whose locks the caller holds), or every one when ``sites`` is None (a store-wide lock).
        """

    @abc.abstractmethod
    def close_job_runs(self, job_id: int, status: str, message: str) -> int:
        """Close the runs of a queue job still 'running' (its crawl died); return how many."""

    @abc.abstractmethod
    def job_runs(self, job_ids: Sequence[int]) -> list[RunRecord]:
        """The runs crawled for these queue jobs, oldest first."""

    @abc.abstractmethod
    def finish_run(
        self, run_id: int, status: str, counts: dict[str, dict[str, int]], message: str = ""
    ) -> None:
        """Record the end of a run with its per-source counts."""

    @abc.abstractmethod
    def record_error(
        self, run_id: int | None, source: str, url: str, reason: str, status: int | None = None
    ) -> None:
        """Record a fetch or processing failure."""

    @abc.abstractmethod
    def record_offtopic(
        self, run_id: int | None, source: str, url: str, title: str, score: float, terms: list[str]
    ) -> None:
        """Remember an article the relevance filter skipped."""

    @abc.abstractmethod
    def url_seen(self, url: str, key: str) -> str | None:
        """When a URL was last fetched and kept (a sighting, an off-topic page or a seen key),
        or given up after failing."""

    @abc.abstractmethod
    def record_seen(
        self, keys: Sequence[str], url: str, source: str, outcome: str, page_url: str | None = None
    ) -> None:
        """Remember a fetched page under the canonical keys of every URL that names it; a failure
        recorded under one of them is cleared."""

    @abc.abstractmethod
    def prune_seen(self, before: str) -> int:
        """Forget seen keys, off-topic pages and given-up pages older than ``before``; return how
        many."""

    @abc.abstractmethod
    def failed_page(self, key: str) -> FailedPage | None:
        """The failure record of a page, by the key it was requested under."""

    @abc.abstractmethod
    def save_failed_page(self, page: FailedPage) -> None:
        """Write a page's failure record."""

    @abc.abstractmethod
    def due_failed_pages(self, sources: Sequence[str], now: str, limit: int) -> list[FailedPage]:
        """Failed pages of these sources due to be fetched again, longest waiting first."""

    @abc.abstractmethod
    def source_health(self, sources: Sequence[str] | None = None) -> dict[str, SourceHealth]:
        """The health of sources a run reached, by name (all of them if None)."""

    @abc.abstractmethod
    def save_source_health(self, health: Sequence[SourceHealth]) -> None:
        """Write the health of sources, all in one transaction."""

    @abc.abstractmethod
    def entry_states(self, urls: Sequence[str]) -> dict[str, EntryState]:
        """The stored state of entry points, by URL (unknown ones are left out)."""

    @abc.abstractmethod
    def save_entry_states(self, states: Sequence[EntryState]) -> None:
        """Write the state of entry points, all in one transaction."""

    @abc.abstractmethod
    def load_site_learning(self, sites: Sequence[str] | None = None) -> dict[str, Any]:
        """Stored boilerplate learning in ``SiteLearner.to_state()`` form (all sites if None)."""

    @abc.abstractmethod
    def save_site_learning(self, state: dict[str, Any]) -> None:
        """Replace the stored learning of the sites in ``state`` (only those) in one transaction."""

    @abc.abstractmethod
    def runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""

    @abc.abstractmethod
    def errors(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Recorded fetch errors, of one run or all."""

    @abc.abstractmethod
    def stories(self, since: str | None = None, limit: int = 20) -> list[StoryView]:
        """The latest stories with their articles and sightings."""

    @abc.abstractmethod
    def story_summaries(
        self,
        since: str | None = None,
        site: str | None = None,
        query: str | None = None,
        limit: int = 20,
        org: str | None = None,
        event: str | None = None,
    ) -> list[dict[str, Any]]:
        """The latest stories, one summary row each (first publication, outlets, articles,
        organisations, events), of those seen on ``site``, with an article matching ``query``,
        naming ``org`` or reporting ``event`` when given."""

    @abc.abstractmethod
    def story(self, story_id: int) -> StoryView | None:
        """One story with its articles and sightings, or None."""

    @abc.abstractmethod
    def search(
        self,
        query: str,
        since: str | None = None,
        site: str | None = None,
        limit: int = 20,
        org: str | None = None,
        event: str | None = None,
    ) -> list[dict[str, Any]]:
        """Articles whose title or text match ``query``, best first, each with a snippet, its
        story and its first publisher (the elected original's site and time); of those naming
        the organisation ``org`` and reporting an ``event`` type when given."""

    @abc.abstractmethod
    def doc_assignments(self) -> Iterator[tuple[str, int, str, int | None]]:
        """Every sighting as (doc id, article id, original's doc id, story id)."""

    @abc.abstractmethod
    def initialised(self) -> bool:
        """Whether the store exists already (some migration was applied)."""

    @abc.abstractmethod
    def store_id(self) -> str:
        """The store's random identity, written when its schema is made; cursors carry it."""

    @abc.abstractmethod
    def last_change(self) -> int:
        """The newest change number handed out; every write that changes an article takes one."""

    @abc.abstractmethod
    def changed_articles(
        self, after: int, batch_size: int = 500
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """(change number, export row) of articles changed after ``after``, oldest change first.

        Read from one snapshot: every article of a change number is in, or none. A row holds the
        elected original's fields, ``story_id``, ``first_published``, ``first_site``, ``day``,
        ``copy_count``, ``sightings`` (in publication order, each naming the original it copies)
        and ``merged_ids``.
        """

    @abc.abstractmethod
    def changed_stories(
        self, after: int, batch_size: int = 500
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """(change number, export row) of stories with an article changed after ``after``.

        A story's change number is its newest article's; each story comes once, read from one
        snapshot. A row holds ``story_id``, ``title``, ``first_published``, ``last_published``,
        ``first_site``, ``outlets``, ``articles``, ``sightings``, ``day`` and ``merged_ids``.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""


@contextmanager
def _store_wide(storage: Storage, sites: Sequence[str]) -> Iterator[SiteLock]:
    """Every site under the store's single run lock."""
    with storage.lock():
        yield SiteLock(list(sites), store_wide=True)

"""The store both SQL backends share, written once against the Database adapter."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from storage.base import (
    EntryState,
    FailedPage,
    FoldIndex,
    RunRecord,
    SourceHealth,
    Storage,
    StorageError,
    StoryView,
)
from storage.database import Database, Row, load_migrations, values
from storage.sql_export import article_rows, stories_of, story_rows
from storage.sql_fold import SQLFoldIndex, TermCounts
from storage.times import utcnow

TABLES = frozenset(
    {
        "articles",
        "sightings",
        "stories",
        "revisions",
        "runs",
        "fetch_errors",
        "offtopic",
        "entry_points",
        "seen_urls",
        "failed_pages",
        "source_health",
    }
)
ENTRY_COLUMNS = (
    "url, source, etag, last_modified, body_hash, checked, changed, poll_interval, children"
)
FAILED_COLUMNS = (
    "key, url, source, attempts, first_failed, last_failed, next_attempt, reason, gave_up"
)
HEALTH_COLUMNS = (
    "source, first_polled, last_polled, last_success, last_failure, consecutive_failures, "
    "last_article, last_error, last_run_id"
)


@dataclass(frozen=True)
class FullText:
    """A dialect's full-text search as parts of one query over articles ``a``."""

    source: str  # the FROM clause, naming the articles ``a``
    condition: str
    rank: str  # lower is better
    snippet: str
    select_params: tuple[Any, ...]  # of snippet and rank, in that order
    where_params: tuple[Any, ...]


class SQLStorage(Storage):
    """A newsfold store in an SQL database; a backend adds connecting and the run lock."""

    db: Database
    term_counts: TermCounts | None = None

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction, recorded in schema_migrations."""
        applied = []
        done = set(self.migrations()) if self.initialised() else set()
        known = load_migrations(self.db.dialect)
        newer = sorted(done - {version for version, _, _ in known})
        if newer:
            raise StorageError(
                f"{self.db.name}: the store has schema version {max(newer)}, written by a newer "
                f"newsfold; this one knows versions up to {max(v for v, _, _ in known)}: "
                "upgrade newsfold to use this store"
            )
        for version, name, sql in known:
            if version in done:
                continue  # an up-to-date store is opened without taking the write lock
            try:
                if self._apply(version, name, sql):
                    applied.append(version)
            except StorageError:
                raise
            except Exception as exc:
                raise StorageError(
                    f"{self.db.name}: migration {version} ({name}) failed: {exc}"
                ) from None
        return applied

    def _apply(self, version: int, name: str, sql: str) -> bool:
        """Apply one migration unless it is recorded; the store lock keeps racing processes out."""
        with self.db.writing(exclusive=True):
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
            )
            if self.db.fetchone(
                "SELECT 1 AS done FROM schema_migrations WHERE version = ?", (version,)
            ):
                return False
            self.db.script(sql)
            self.db.execute(
                "INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
                (version, name, utcnow()),
            )
        return True

    def migrations(self) -> list[int]:
        """The versions recorded as applied."""
        rows = self.db.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        return [int(row["version"]) for row in rows]

    def initialised(self) -> bool:
        """Whether the database already holds a newsfold store."""
        return self.db.has_table("schema_migrations")

    @contextmanager
    def transaction(self) -> Iterator[FoldIndex]:
        """One write transaction; rolled back whole on any error."""
        if self.term_counts is None:
            self.term_counts = TermCounts()
        index = SQLFoldIndex(self.db, self.term_counts)
        with self.db.writing():
            yield index
            index.settle()
        self.term_counts.committed(index.added, index.removed)

    def begin_batch(self) -> None:
        """Let the writes that follow share one transaction, each still atomic by itself."""
        self.db.open_batch()

    def end_batch(self, keep: bool = True) -> None:
        """Commit the shared transaction (or drop it); later writes commit one by one again."""
        try:
            self.db.close_batch(keep)
        except BaseException:
            self.term_counts = None  # it counted writes the database no longer holds
            raise
        if not keep:
            self.term_counts = None

    @property
    def batch_open(self) -> bool:
        """Whether writes are joining a shared transaction."""
        return self.db.batch_open

    @property
    def max_batch_items(self) -> int | None:
        """Most documents one batch may hold, as the database allows."""
        return self.db.max_batch_items

    def check_fold_params(self, params: dict[str, Any]) -> None:
        """Refuse MinHash parameters that differ from those the stored signatures used."""
        wanted = json.dumps(params, sort_keys=True)
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES ('fold_params', ?) ON CONFLICT (key) DO NOTHING",
            (wanted,),
        )
        stored = self.db.scalar("SELECT value FROM meta WHERE key = 'fold_params'")
        if stored != wanted:
            raise StorageError(
                f"{self.db.name} holds signatures made with {stored}, but the config asks for "
                f"{wanted}; restore the [fold] num_perm/bands/shingle_size/seed values or use a "
                "new store"
            )

    def begin_run(
        self,
        sources: Sequence[str],
        started: str | None = None,
        sites: Sequence[str] | None = None,
        job_id: int | None = None,
    ) -> int:
        """Record a run as running; runs still 'running' on the locks we now hold died unclosed."""
        dead = [
            r["id"]
            for r in self.db.fetchall("SELECT id, sites FROM runs WHERE status = 'running'")
            if sites is None or _overlaps(r["sites"], sites)
        ]
        if dead:
            match, args = self.db.any_of("id", dead)
            self.db.execute(
                "UPDATE runs SET status = 'abandoned', ended = ?, "
                "message = 'the process ended before recording the end of the run' "
                f"WHERE status = 'running' AND {match}",
                (utcnow(), *args),
            )
        return self.db.insert(
            "INSERT INTO runs (started, status, sources, sites, job_id) "
            "VALUES (?, 'running', ?, ?, ?)",
            (
                started or utcnow(),
                json.dumps(list(sources)),
                None if sites is None else json.dumps(sorted(sites)),
                job_id,
            ),
        )

    def close_job_runs(self, job_id: int, status: str, message: str) -> int:
        """Close a queue job's runs still 'running' with a status and why."""
        closed = self.db.fetchall(
            "UPDATE runs SET status = ?, ended = ?, message = ? "
            "WHERE job_id = ? AND status = 'running' RETURNING id",
            (status, utcnow(), message, job_id),
        )
        return len(closed)

    def job_runs(self, job_ids: Sequence[int]) -> list[RunRecord]:
        """The runs crawled for these queue jobs, oldest first."""
        if not job_ids:
            return []
        match, args = self.db.any_of("job_id", list(job_ids))
        rows = self.db.fetchall(f"SELECT * FROM runs WHERE {match} ORDER BY id", args)
        return [_run(row) for row in rows]

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, dict[str, int]], message: str = ""
    ) -> None:
        """Record how a run ended."""
        self.db.write(
            "UPDATE runs SET ended = ?, status = ?, counts = ?, message = ? WHERE id = ?",
            (utcnow(), status, json.dumps(counts, sort_keys=True), message, run_id),
        )

    def record_error(
        self, run_id: int | None, source: str, url: str, reason: str, status: int | None = None
    ) -> None:
        """Record a failure with its URL and reason."""
        self.db.write(
            "INSERT INTO fetch_errors (run_id, source, url, reason, status, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, source, url, reason, status, utcnow()),
        )

    def record_offtopic(
        self, run_id: int | None, source: str, url: str, title: str, score: float, terms: list[str]
    ) -> None:
        """Remember a skipped article once per URL."""
        self.db.write(
            "INSERT INTO offtopic (url, run_id, source, title, score, terms, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "run_id = excluded.run_id, score = excluded.score, terms = excluded.terms, "
            "seen_at = excluded.seen_at",
            (url, run_id, source, title, score, json.dumps(terms), utcnow()),
        )

    def url_seen(self, url: str, key: str) -> str | None:
        """The newest time the URL was sighted or skipped as off topic, or its key was seen."""
        return self.db.scalar(
            "SELECT MAX(at) AS at FROM ("
            "SELECT seen_at AS at FROM seen_urls WHERE key = ? "
            "UNION ALL SELECT last_seen AS at FROM sightings WHERE url = ? "
            "UNION ALL SELECT seen_at AS at FROM offtopic WHERE url = ? "
            "UNION ALL SELECT gave_up AS at FROM failed_pages WHERE key = ?) AS found",
            (key, url, url, key),
        )

    def record_seen(
        self, keys: Sequence[str], url: str, source: str, outcome: str, page_url: str | None = None
    ) -> None:
        """One row per key, replacing what an older fetch left there."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return
        now = utcnow()
        match, args = self.db.any_of("key", keys)
        with self.db.writing():
            self.db.execute(
                "INSERT INTO seen_urls (key, url, page_url, source, outcome, seen_at) "
                f"VALUES {values(6, len(keys))} ON CONFLICT (key) DO UPDATE SET "
                "url = excluded.url, page_url = excluded.page_url, source = excluded.source, "
                "outcome = excluded.outcome, seen_at = excluded.seen_at",
                [v for key in keys for v in (key, url, page_url, source, outcome, now)],
            )
            self.db.execute(f"DELETE FROM failed_pages WHERE {match}", args)

    def prune_seen(self, before: str) -> int:
        """Delete seen keys and off-topic pages older than ``before``; sightings stay."""
        with self.db.writing():
            seen = self.db.fetchall(
                "DELETE FROM seen_urls WHERE seen_at < ? RETURNING key", (before,)
            )
            offtopic = self.db.fetchall(
                "DELETE FROM offtopic WHERE seen_at < ? RETURNING url", (before,)
            )
            given_up = self.db.fetchall(
                "DELETE FROM failed_pages WHERE gave_up < ? RETURNING key", (before,)
            )
        return len(seen) + len(offtopic) + len(given_up)

    def failed_page(self, key: str) -> FailedPage | None:
        """A page's failure record, or None."""
        row = self.db.fetchone(f"SELECT {FAILED_COLUMNS} FROM failed_pages WHERE key = ?", (key,))
        return FailedPage(**row) if row else None

    def save_failed_page(self, page: FailedPage) -> None:
        """Insert or replace a page's failure record."""
        columns = FAILED_COLUMNS.split(", ")
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self.db.write(
            f"INSERT INTO failed_pages ({FAILED_COLUMNS}) VALUES {values(len(columns), 1)} "
            f"ON CONFLICT (key) DO UPDATE SET {updates}",
            tuple(getattr(page, c) for c in columns),
        )

    def due_failed_pages(self, sources: Sequence[str], now: str, limit: int) -> list[FailedPage]:
        """Pages not given up whose next attempt has come, the longest waiting first."""
        if not sources:
            return []
        match, args = self.db.any_of("source", list(sources))
        rows = self.db.fetchall(
            f"SELECT {FAILED_COLUMNS} FROM failed_pages WHERE gave_up IS NULL "
            f"AND next_attempt <= ? AND {match} ORDER BY next_attempt, key LIMIT ?",
            (now, *args, limit),
        )
        return [FailedPage(**row) for row in rows]

    def source_health(self, sources: Sequence[str] | None = None) -> dict[str, SourceHealth]:
        """Stored source health by name."""
        if sources is not None and not sources:
            return {}
        match, args = ("1 = 1", []) if sources is None else self.db.any_of("source", list(sources))
        rows = self.db.fetchall(f"SELECT {HEALTH_COLUMNS} FROM source_health WHERE {match}", args)
        return {row["source"]: SourceHealth(**row) for row in rows}

    def save_source_health(self, health: Sequence[SourceHealth]) -> None:
        """Upsert the health of sources in one transaction."""
        columns = HEALTH_COLUMNS.split(", ")
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        with self.db.writing():
            for entry in health:
                self.db.execute(
                    f"INSERT INTO source_health ({HEALTH_COLUMNS}) "
                    f"VALUES {values(len(columns), 1)} ON CONFLICT (source) DO UPDATE SET {updates}",
                    tuple(getattr(entry, c) for c in columns),
                )

    def entry_states(self, urls: Sequence[str]) -> dict[str, EntryState]:
        """Stored entry-point states by URL."""
        if not urls:
            return {}
        match, args = self.db.any_of("url", list(urls))
        rows = self.db.fetchall(f"SELECT {ENTRY_COLUMNS} FROM entry_points WHERE {match}", args)
        return {row["url"]: _entry_state(row) for row in rows}

    def save_entry_states(self, states: Sequence[EntryState]) -> None:
        """Upsert entry-point states in one transaction."""
        if not states:
            return
        updates = ", ".join(f"{c} = excluded.{c}" for c in ENTRY_COLUMNS.split(", ")[1:])
        with self.db.writing():
            for state in states:
                self.db.execute(
                    f"INSERT INTO entry_points ({ENTRY_COLUMNS}) VALUES {values(9, 1)} "
                    f"ON CONFLICT (url) DO UPDATE SET {updates}",
                    (
                        state.url,
                        state.source,
                        state.etag,
                        state.last_modified,
                        state.body_hash,
                        state.checked,
                        state.changed,
                        float(state.poll_interval),
                        json.dumps(state.children),
                    ),
                )

    def load_site_learning(self, sites: Sequence[str] | None = None) -> dict[str, Any]:
        """Page and line counts by site, read from one snapshot."""
        if sites is not None and not sites:
            return {}
        match, args = ("1 = 1", []) if sites is None else self.db.any_of("site", list(sites))
        with self.db.reading():
            pages = self.db.fetchall(f"SELECT site, pages FROM site_pages WHERE {match}", args)
            lines = self.db.fetchall(
                f"SELECT site, line_hash, count FROM site_lines WHERE {match}", args
            )
        counts: dict[str, dict[str, float]] = {row["site"]: {} for row in pages}
        for row in lines:
            if row["site"] in counts:  # a site's lines are only ever saved with its page row
                counts[row["site"]][row["line_hash"]] = float(row["count"])
        return {
            row["site"]: {"pages": float(row["pages"]), "lines": counts[row["site"]]}
            for row in pages
        }

    def save_site_learning(self, state: dict[str, Any]) -> None:
        """Delete and rewrite each given site's rows, all in one write transaction."""
        if not state:
            return
        now = utcnow()
        with self.db.writing():
            for site, entry in state.items():
                self._save_site(site, entry, now)

    def _save_site(self, site: str, entry: dict[str, Any], now: str) -> None:
        """Replace one site's page count and line counts; lines go in as one bulk insert."""
        self.db.execute("DELETE FROM site_lines WHERE site = ?", (site,))
        self.db.execute(
            "INSERT INTO site_pages (site, pages, updated) VALUES (?, ?, ?) ON CONFLICT (site) "
            "DO UPDATE SET pages = excluded.pages, updated = excluded.updated",
            (site, float(entry.get("pages", 0)), now),
        )
        # In key order every row lands at the end of the site's range of the primary key index.
        rows = sorted((site, str(h), float(c)) for h, c in entry.get("lines", {}).items())
        self.db.insert_rows("site_lines", ("site", "line_hash", "count"), rows)

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        rows = self.db.fetchall("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [_run(row) for row in rows]

    def errors(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Recorded errors, oldest first."""
        if run_id is None:
            return self.db.fetchall("SELECT * FROM fetch_errors ORDER BY id")
        return self.db.fetchall(
            "SELECT * FROM fetch_errors WHERE run_id = ? ORDER BY id", (run_id,)
        )

    def stories(self, since: str | None = None, limit: int = 20) -> list[StoryView]:
        """The stories last published most recently, with articles and sightings."""
        rows = self.db.fetchall(
            "SELECT * FROM stories WHERE last_published >= ? "
            "ORDER BY last_published DESC, id DESC LIMIT ?",
            (since or "", limit),
        )
        return [self._story_view(row) for row in rows]

    def story_summaries(
        self,
        since: str | None = None,
        site: str | None = None,
        query: str | None = None,
        limit: int = 20,
        org: str | None = None,
        event: str | None = None,
    ) -> list[dict[str, Any]]:
        """The stories last published most recently, as the stories export writes them."""
        where, params = ["last_published >= ?"], [since or ""]
        for kind, name in (("organisation", org), ("event", event)):
            if name:
                where.append(
                    "id IN (SELECT a.story_id FROM article_entities e JOIN articles a "
                    "ON a.id = e.article_id WHERE e.kind = ? AND e.name = ?)"
                )
                params += [kind, name]
        if site:
            where.append(
                "EXISTS (SELECT 1 FROM articles a JOIN sightings g ON g.article_id = a.id "
                "WHERE a.story_id = stories.id AND g.site = ?)"
            )
            params.append(site)
        if query:
            found = self.full_text(query)
            where.append(f"id IN (SELECT a.story_id FROM {found.source} WHERE {found.condition})")
            params += found.where_params
        with self.db.reading():
            ids = [
                row["id"]
                for row in self.db.fetchall(
                    f"SELECT id FROM stories WHERE {' AND '.join(where)} "
                    "ORDER BY last_published DESC, id DESC LIMIT ?",
                    (*params, limit),
                )
            ]
            rows = {row["story_id"]: row for _, row in stories_of(self.db, ids)} if ids else {}
        return [rows[i] for i in ids if i in rows]

    def story(self, story_id: int) -> StoryView | None:
        """One story, read from one snapshot."""
        with self.db.reading():
            row = self.db.fetchone("SELECT * FROM stories WHERE id = ?", (story_id,))
            return self._story_view(row) if row else None

    def _story_view(self, row: Row) -> StoryView:
        """One story with its articles and their sightings."""
        articles = []
        for art in self.db.fetchall(
            "SELECT id, url, site, title, published, authors, relevance FROM articles "
            "WHERE story_id = ? ORDER BY time_key, id",
            (row["id"],),
        ):
            seen = self.db.fetchall(
                "SELECT url, site, title, published, first_seen FROM sightings "
                "WHERE article_id = ? ORDER BY first_seen, id",
                (art["id"],),
            )
            articles.append({**art, "authors": json.loads(art["authors"]), "sightings": seen})
        return StoryView(
            id=row["id"],
            title=row["title"],
            first_published=row["first_published"],
            last_published=row["last_published"],
            articles=articles,
        )

    def search(
        self,
        query: str,
        since: str | None = None,
        site: str | None = None,
        limit: int = 20,
        org: str | None = None,
        event: str | None = None,
    ) -> list[dict[str, Any]]:
        """Matching articles, best first, from the backend's full-text index."""
        found = self.full_text(query)
        where, params = [found.condition], [*found.select_params, *found.where_params]
        for kind, name in (("organisation", org), ("event", event)):
            if name:
                where.append(
                    "EXISTS (SELECT 1 FROM article_entities e WHERE e.article_id = a.id "
                    "AND e.kind = ? AND e.name = ?)"
                )
                params += [kind, name]
        if since:
            where.append("COALESCE(a.published, a.fetched) >= ?")
            params.append(since)
        if site:
            where.append(
                "(a.site = ? OR EXISTS (SELECT 1 FROM sightings g "
                "WHERE g.article_id = a.id AND g.site = ?))"
            )
            params += [site, site]
        return self.db.fetchall(
            "SELECT a.id AS article_id, a.title, a.url, a.site AS first_site, "
            "a.published AS first_published, a.fetched, a.story_id, s.title AS story_title, "
            "(SELECT COUNT(*) FROM sightings g WHERE g.article_id = a.id) AS sightings, "
            f"{found.snippet} AS snippet, {found.rank} AS rank FROM {found.source} "
            f"LEFT JOIN stories s ON s.id = a.story_id WHERE {' AND '.join(where)} "
            "ORDER BY rank, a.id LIMIT ?",
            (*params, limit),
        )

    def full_text(self, query: str) -> FullText:
        """The dialect's full-text match of ``query`` against articles ``a``."""
        raise NotImplementedError

    def doc_assignments(self) -> Iterator[tuple[str, int, str, int | None]]:
        """Every sighting with its article, that article's original and its story."""
        rows = self.db.fetchall(
            "SELECT s.doc_id, s.article_id, a.original_doc, a.story_id FROM sightings s "
            "JOIN articles a ON a.id = s.article_id ORDER BY s.id"
        )
        for row in rows:
            yield row["doc_id"], row["article_id"], row["original_doc"], row["story_id"]

    def store_id(self) -> str:
        """The random identity written when the store's schema was made."""
        return str(self.db.scalar("SELECT value FROM meta WHERE key = 'store_id'"))

    def last_change(self) -> int:
        """The newest change number handed out."""
        return int(self.db.scalar("SELECT value FROM counters WHERE name = 'change'") or 0)

    def changed_articles(
        self, after: int, batch_size: int = 500
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """Articles changed after a change number, oldest change first, from one snapshot."""
        with self.db.reading():
            yield from article_rows(self.db, after, batch_size)

    def changed_stories(
        self, after: int, batch_size: int = 500
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """Stories with an article changed after a change number, from one snapshot."""
        with self.db.reading():
            yield from story_rows(self.db, after, batch_size)

    def count(self, table: str) -> int:
        """Rows in one of the store's tables."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}; known: {sorted(TABLES)}")
        return int(self.db.scalar(f"SELECT COUNT(*) AS n FROM {table}"))

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


def _entry_state(row: Row) -> EntryState:
    """An entry point's state from its row."""
    return EntryState(
        url=row["url"],
        source=row["source"],
        checked=row["checked"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        changed=row["changed"],
        poll_interval=float(row["poll_interval"]),
        children=json.loads(row["children"]),
    )


def _run(row: Row) -> RunRecord:
    """A run from its row."""
    return RunRecord(
        id=row["id"],
        started=row["started"],
        ended=row["ended"],
        status=row["status"],
        counts=json.loads(row["counts"]),
        sources=json.loads(row["sources"]),
        message=row["message"],
        job_id=row.get("job_id"),
    )


def _overlaps(stored: str | None, sites: Sequence[str]) -> bool:
    """Whether a run's stored sites (None: the whole store) meet ``sites``."""
    return stored is None or bool(set(json.loads(stored)) & set(sites))

"""The SQLite backend: one file, WAL journal, numbered migrations, a run lock beside it."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from storage.base import (
    ArticleRecord,
    Candidate,
    FoldIndex,
    RunRecord,
    Sighting,
    Storage,
    StorageError,
    StoreLocked,
    StoryView,
)
from storage.times import utcnow


def load_migrations(dialect: str) -> list[tuple[int, str, str]]:
    """The packaged migrations of a dialect as (version, name, sql), in order."""
    folder = resources.files("storage").joinpath("migrations", dialect)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, name = entry.name[:-4].partition("_")
            found.append((int(version), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class SQLiteStorage(Storage):
    """A newsfold store in one SQLite file (or ``:memory:``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.url = f"sqlite:///{self.path}"
        if self.path != ":memory:":
            parent = Path(self.path).resolve().parent
            if not parent.is_dir():
                raise StorageError(
                    f"cannot open SQLite store {self.path}: folder {parent} does not exist"
                )
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise StorageError(
                f"cannot open SQLite store {self.path}: {exc}; check the path and its permissions"
            ) from None
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.row_factory = sqlite3.Row
        self._lock_fh: Any = None

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
        )
        done = {row[0] for row in self.conn.execute("SELECT version FROM schema_migrations")}
        applied = []
        for version, name, sql in load_migrations("sqlite"):
            if version in done:
                continue
            record = (
                "INSERT INTO schema_migrations (version, name, applied) "
                f"VALUES ({version}, '{name}', '{utcnow()}');"
            )
            try:
                self.conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n{record}\nCOMMIT;")
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StorageError(
                    f"{self.path}: migration {version} ({name}) failed: {exc}"
                ) from None
            applied.append(version)
        return applied

    @contextmanager
    def transaction(self) -> Iterator[FoldIndex]:
        """One write transaction; rolled back whole on any error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield SQLiteFoldIndex(self.conn)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def check_fold_params(self, params: dict[str, Any]) -> None:
        """Refuse MinHash parameters that differ from those the stored signatures used."""
        wanted = json.dumps(params, sort_keys=True)
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'fold_params'").fetchone()
        if row is None:
            self.conn.execute("INSERT INTO meta (key, value) VALUES ('fold_params', ?)", (wanted,))
        elif row[0] != wanted:
            raise StorageError(
                f"{self.path} holds signatures made with {row[0]}, but the config asks for "
                f"{wanted}; restore the [fold] num_perm/bands/shingle_size/seed values or use a "
                "new store"
            )

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold ``<db>.lock`` with flock so two runs never write one store at once."""
        if self.path == ":memory:":
            yield
            return
        lock_path = f"{self.path}.lock"
        fh = open(lock_path, "a+")  # noqa: SIM115 - held for the duration of the run
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise StoreLocked(
                f"{self.path} is being written by {holder} (lock file {lock_path}); "
                "wait for that run to finish"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {utcnow()}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    def begin_run(self, sources: Sequence[str]) -> int:
        """Record a run as running; runs still 'running' died without closing (we hold the lock)."""
        self.conn.execute(
            "UPDATE runs SET status = 'abandoned', ended = ?, "
            "message = 'the process ended before recording the end of the run' "
            "WHERE status = 'running'",
            (utcnow(),),
        )
        cur = self.conn.execute(
            "INSERT INTO runs (started, status, sources) VALUES (?, 'running', ?)",
            (utcnow(), json.dumps(list(sources))),
        )
        return int(cur.lastrowid or 0)

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, dict[str, int]], message: str = ""
    ) -> None:
        """Record how a run ended."""
        self.conn.execute(
            "UPDATE runs SET ended = ?, status = ?, counts = ?, message = ? WHERE id = ?",
            (utcnow(), status, json.dumps(counts, sort_keys=True), message, run_id),
        )

    def record_error(
        self, run_id: int | None, source: str, url: str, reason: str, status: int | None = None
    ) -> None:
        """Record a failure with its URL and reason."""
        self.conn.execute(
            "INSERT INTO fetch_errors (run_id, source, url, reason, status, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, source, url, reason, status, utcnow()),
        )

    def record_offtopic(
        self, run_id: int | None, source: str, url: str, title: str, score: float, terms: list[str]
    ) -> None:
        """Remember a skipped article once per URL."""
        self.conn.execute(
            "INSERT INTO offtopic (url, run_id, source, title, score, terms, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "run_id = excluded.run_id, score = excluded.score, terms = excluded.terms, "
            "seen_at = excluded.seen_at",
            (url, run_id, source, title, score, json.dumps(terms), utcnow()),
        )

    def known_url(self, url: str) -> bool:
        """Whether a URL is a stored sighting or a remembered off-topic page."""
        row = self.conn.execute(
            "SELECT 1 FROM sightings WHERE url = ? UNION ALL SELECT 1 FROM offtopic WHERE url = ?",
            (url, url),
        ).fetchone()
        return row is not None

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        rows = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [
            RunRecord(
                id=row["id"],
                started=row["started"],
                ended=row["ended"],
                status=row["status"],
                counts=json.loads(row["counts"]),
                sources=json.loads(row["sources"]),
                message=row["message"],
            )
            for row in rows
        ]

    def errors(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Recorded errors, oldest first."""
        sql = "SELECT * FROM fetch_errors"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql, args = sql + " WHERE run_id = ?", (run_id,)
        return [dict(row) for row in self.conn.execute(sql + " ORDER BY id", args)]

    def stories(self, since: str | None = None, limit: int = 20) -> list[StoryView]:
        """The stories last published most recently, with articles and sightings."""
        rows = self.conn.execute(
            "SELECT * FROM stories WHERE last_published >= ? "
            "ORDER BY last_published DESC, id DESC LIMIT ?",
            (since or "", limit),
        ).fetchall()
        return [self._story_view(row) for row in rows]

    def _story_view(self, row: sqlite3.Row) -> StoryView:
        """One story with its articles and their sightings."""
        articles = []
        for art in self.conn.execute(
            "SELECT id, url, site, title, published, authors, relevance FROM articles "
            "WHERE story_id = ? ORDER BY time_key, id",
            (row["id"],),
        ):
            seen = self.conn.execute(
                "SELECT url, site, title, published, first_seen FROM sightings "
                "WHERE article_id = ? ORDER BY first_seen, id",
                (art["id"],),
            )
            articles.append(
                {
                    **dict(art),
                    "authors": json.loads(art["authors"]),
                    "sightings": [dict(s) for s in seen],
                }
            )
        return StoryView(
            id=row["id"],
            title=row["title"],
            first_published=row["first_published"],
            last_published=row["last_published"],
            articles=articles,
        )

    def doc_assignments(self) -> Iterator[tuple[str, int, str, int | None]]:
        """Every sighting with its article, that article's original and its story."""
        rows = self.conn.execute(
            "SELECT s.doc_id, s.article_id, a.original_doc, a.story_id FROM sightings s "
            "JOIN articles a ON a.id = s.article_id ORDER BY s.id"
        )
        for row in rows:
            yield row[0], row[1], row[2], row[3]

    def count(self, table: str) -> int:
        """Rows in one of the store's tables."""
        if table not in {"articles", "sightings", "stories", "runs", "fetch_errors", "offtopic"}:
            raise ValueError(f"unknown table {table!r}")
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class SQLiteFoldIndex(FoldIndex):
    """Folding reads and writes on one SQLite connection inside a transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def sighting_by_doc(self, doc_id: str) -> tuple[int, str] | None:
        row = self.conn.execute(
            "SELECT article_id, content_hash FROM sightings WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def article_by_hash(self, content_hash: str) -> int | None:
        row = self.conn.execute(
            "SELECT article_id FROM sightings WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return row[0] if row else None

    def lsh_candidates(self, band_keys: Sequence[int], limit: int) -> list[Candidate]:
        marks = ",".join("?" * len(band_keys))
        rows = self.conn.execute(
            f"SELECT a.id, a.story_id, a.minhash, a.shingle_count, a.time_key, a.terms "
            f"FROM (SELECT article_id, COUNT(*) AS shared FROM lsh_bands WHERE key IN ({marks}) "
            f"GROUP BY article_id ORDER BY shared DESC LIMIT ?) b JOIN articles a ON a.id = b.article_id",
            (*band_keys, limit),
        )
        return [_candidate(row) for row in rows]

    def story_candidates(
        self, terms: Sequence[str], since: str, until: str, limit: int
    ) -> list[Candidate]:
        if not terms:
            return []
        marks = ",".join("?" * len(terms))
        rows = self.conn.execute(
            f"SELECT a.id, a.story_id, a.minhash, a.shingle_count, a.time_key, a.terms "
            f"FROM (SELECT article_id, COUNT(*) AS shared FROM story_terms "
            f"WHERE term IN ({marks}) AND time_key BETWEEN ? AND ? "
            f"GROUP BY article_id ORDER BY shared DESC LIMIT ?) t "
            f"JOIN articles a ON a.id = t.article_id",
            (*terms, since, until, limit),
        )
        return [_candidate(row) for row in rows]

    def term_frequencies(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        total = self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        if not terms:
            return total, {}
        marks = ",".join("?" * len(terms))
        rows = self.conn.execute(
            f"SELECT term, df FROM term_df WHERE term IN ({marks})", tuple(terms)
        )
        return total, {row[0]: row[1] for row in rows}

    def add_article(
        self, record: ArticleRecord, fingerprint: Any, story_id: int, sighting: Sighting
    ) -> int:
        now = utcnow()
        time_key = sighting.published or sighting.seen_at
        cur = self.conn.execute(
            "INSERT INTO articles (url, original_doc, site, title, authors, published, modified, "
            "fetched, language, description, tags, image, text, relevance, relevance_terms, "
            "removals, content_hash, minhash, shingle_count, word_count, terms, story_id, "
            "time_key, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)",
            (
                record.url,
                sighting.doc_id,
                record.site,
                record.title,
                json.dumps(record.authors),
                record.published,
                record.modified,
                record.fetched,
                record.language,
                record.description,
                json.dumps(record.tags),
                record.image,
                record.text,
                record.relevance,
                json.dumps(record.relevance_terms),
                json.dumps(record.removals),
                fingerprint.content_hash,
                fingerprint.hashvalues,
                fingerprint.shingle_count,
                fingerprint.word_count,
                json.dumps(fingerprint.terms),
                story_id,
                time_key,
                now,
            ),
        )
        article_id = int(cur.lastrowid or 0)
        self._insert_sighting(article_id, sighting)
        self._insert_bands(article_id, fingerprint.band_keys)
        self.conn.executemany(
            "INSERT OR IGNORE INTO story_terms (term, article_id, time_key) VALUES (?, ?, ?)",
            [(term, article_id, time_key) for term in fingerprint.terms],
        )
        self.conn.executemany(
            "INSERT INTO term_df (term, df) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET df = df + 1",
            [(term,) for term in fingerprint.terms],
        )
        return article_id

    def add_sighting(self, article_id: int, sighting: Sighting, band_keys: Sequence[int]) -> None:
        self._insert_sighting(article_id, sighting)
        self._insert_bands(article_id, band_keys)
        self.conn.execute("UPDATE articles SET updated = ? WHERE id = ?", (utcnow(), article_id))

    def _insert_sighting(self, article_id: int, s: Sighting) -> None:
        self.conn.execute(
            "INSERT INTO sightings (article_id, doc_id, url, site, source, title, published, "
            "first_seen, last_seen, content_hash, word_count, wire_credit, canonical_url) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                s.doc_id,
                s.url,
                s.site,
                s.source,
                s.title,
                s.published,
                s.seen_at,
                s.seen_at,
                s.content_hash,
                s.word_count,
                int(s.wire_credit),
                s.canonical_url,
            ),
        )

    def _insert_bands(self, article_id: int, band_keys: Sequence[int]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO lsh_bands (key, article_id) VALUES (?, ?)",
            [(key, article_id) for key in band_keys],
        )

    def touch_sighting(self, doc_id: str, seen_at: str) -> None:
        self.conn.execute("UPDATE sightings SET last_seen = ? WHERE doc_id = ?", (seen_at, doc_id))

    def add_revision(
        self, article_id: int, doc_id: str, text: str, content_hash: str, at: str
    ) -> None:
        self.conn.execute(
            "INSERT INTO revisions (article_id, doc_id, content_hash, text, seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (article_id, doc_id, content_hash, text, at),
        )
        self.conn.execute(
            "UPDATE sightings SET content_hash = ?, last_seen = ? WHERE doc_id = ?",
            (content_hash, at, doc_id),
        )

    def elect(self, article_id: int, record: ArticleRecord, fingerprint: Any, doc_id: str) -> None:
        self.conn.execute(
            "UPDATE articles SET url = ?, original_doc = ?, site = ?, title = ?, authors = ?, "
            "published = ?, modified = ?, language = ?, description = ?, tags = ?, image = ?, "
            "text = ?, removals = ?, content_hash = ?, minhash = ?, shingle_count = ?, "
            "word_count = ?, updated = ? WHERE id = ?",
            (
                record.url,
                doc_id,
                record.site,
                record.title,
                json.dumps(record.authors),
                record.published,
                record.modified,
                record.language,
                record.description,
                json.dumps(record.tags),
                record.image,
                record.text,
                json.dumps(record.removals),
                fingerprint.content_hash,
                fingerprint.hashvalues,
                fingerprint.shingle_count,
                fingerprint.word_count,
                utcnow(),
                article_id,
            ),
        )

    def original(self, article_id: int) -> tuple[Sighting, set[str]]:
        row = self.conn.execute(
            "SELECT s.* FROM sightings s JOIN articles a ON a.original_doc = s.doc_id "
            "WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        canon = self.conn.execute(
            "SELECT DISTINCT canonical_url FROM sightings "
            "WHERE article_id = ? AND canonical_url IS NOT NULL",
            (article_id,),
        )
        return _sighting(row), {r[0] for r in canon}

    def new_story(self, title: str, published: str) -> int:
        now = utcnow()
        cur = self.conn.execute(
            "INSERT INTO stories (title, first_published, last_published, created, updated) "
            "VALUES (?, ?, ?, ?, ?)",
            (title, published, published, now, now),
        )
        return int(cur.lastrowid or 0)

    def join_story(self, article_id: int, story_id: int, published: str) -> None:
        self.conn.execute("UPDATE articles SET story_id = ? WHERE id = ?", (story_id, article_id))
        self.conn.execute(
            "UPDATE stories SET first_published = MIN(first_published, ?), "
            "last_published = MAX(last_published, ?), updated = ? WHERE id = ?",
            (published, published, utcnow(), story_id),
        )

    def merge_stories(self, keep: int, others: Sequence[int]) -> None:
        for other in others:
            row = self.conn.execute(
                "SELECT first_published, last_published FROM stories WHERE id = ?", (other,)
            ).fetchone()
            self.conn.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (keep, other))
            self.conn.execute("DELETE FROM stories WHERE id = ?", (other,))
            if row:
                self.join_story_bounds(keep, row[0], row[1])

    def join_story_bounds(self, story_id: int, first: str, last: str) -> None:
        """Widen a story's time bounds."""
        self.conn.execute(
            "UPDATE stories SET first_published = MIN(first_published, ?), "
            "last_published = MAX(last_published, ?), updated = ? WHERE id = ?",
            (first, last, utcnow(), story_id),
        )

    def merge_articles(self, keep: int, others: Sequence[int]) -> None:
        for other in others:
            self.conn.execute(
                "UPDATE sightings SET article_id = ? WHERE article_id = ?", (keep, other)
            )
            self.conn.execute(
                "INSERT OR IGNORE INTO lsh_bands (key, article_id) "
                "SELECT key, ? FROM lsh_bands WHERE article_id = ?",
                (keep, other),
            )
            self.conn.execute(
                "UPDATE revisions SET article_id = ? WHERE article_id = ?", (keep, other)
            )
            for table in ("lsh_bands", "story_terms"):
                self.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (other,))
            self.conn.execute("DELETE FROM articles WHERE id = ?", (other,))
        self.conn.execute("UPDATE articles SET updated = ? WHERE id = ?", (utcnow(), keep))


def _candidate(row: sqlite3.Row) -> Candidate:
    """A candidate from an articles row."""
    return Candidate(
        article_id=row[0],
        story_id=row[1],
        hashvalues=row[2],
        shingle_count=row[3],
        published=row[4],
        terms=json.loads(row[5]),
    )


def _sighting(row: sqlite3.Row) -> Sighting:
    """A sighting from its row."""
    return Sighting(
        url=row["url"],
        site=row["site"],
        seen_at=row["first_seen"],
        doc_id=row["doc_id"],
        title=row["title"],
        published=row["published"],
        source=row["source"],
        content_hash=row["content_hash"],
        word_count=row["word_count"],
        wire_credit=bool(row["wire_credit"]),
        canonical_url=row["canonical_url"],
    )

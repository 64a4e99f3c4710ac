"""The SQLite backend: one file, WAL journal, numbered migrations, a run lock beside it."""

from __future__ import annotations

import fcntl
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage.base import StorageError, StoreLocked
from storage.database import Database, Row
from storage.sql import FullText, SQLStorage
from storage.times import utcnow

logger = logging.getLogger(__name__)
# How often the background thread copies committed pages from the WAL into the database file.
CHECKPOINT_SECONDS = 1.0
CACHE_KIB = 65_536


class SQLiteDatabase(Database):
    """One SQLite connection in autocommit mode; transactions are explicit."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.name = path
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise StorageError(
                f"cannot open SQLite store {path}: {exc}; check the path and its permissions"
            ) from None
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        # Room for the index pages a batch of articles writes (the default keeps 2 MB).
        self.conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.checkpointer: Checkpointer | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self.conn.execute(sql, params)
        rows = cursor.fetchall()
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def script(self, sql: str) -> None:
        # executescript() would commit first; statements one by one stay in the transaction.
        statement = ""
        for line in sql.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                self.conn.execute(statement)
                statement = ""
        if not _only_comments(statement):
            self.conn.execute(statement)  # a last statement without its semicolon

    def begin_write(self) -> None:
        if self.checkpointer is not None and not self.checkpointer.is_alive():
            self.conn.execute("PRAGMA wal_autocheckpoint=1000")  # the thread failed: as before
        elif self.checkpointer is None and self.name != ":memory:":
            # Checkpoints leave the committing thread: each article's commit would otherwise
            # copy ~160 pages back into the file every thousand WAL pages.
            self.conn.execute("PRAGMA wal_autocheckpoint=0")
            self.checkpointer = Checkpointer(self.name)
        self.conn.execute("BEGIN IMMEDIATE")

    def claim(self, keys: Sequence[int | str], stage: int = 0) -> None:
        """Nothing: a write transaction holds SQLite's one write lock, excluding every writer."""

    def begin_read(self) -> None:
        # A deferred transaction in WAL mode reads one snapshot while writers go on.
        self.conn.execute("BEGIN")

    def has_table(self, table: str) -> bool:
        row = self.fetchone(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        return row is not None

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.conn.close()


class Checkpointer(threading.Thread):
    """Checkpoints a WAL-mode database from its own connection, off the writing thread."""

    def __init__(self, path: str, every: float = CHECKPOINT_SECONDS) -> None:
        super().__init__(name=f"checkpoint {path}", daemon=True)
        self.path = path
        self.every = every
        self.stopping = threading.Event()
        self.start()

    def run(self) -> None:
        """Checkpoint what readers allow, every ``every`` seconds and once more when stopped."""
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            logger.warning("no WAL checkpoints for %s: %s", self.path, exc)
            return
        try:
            while not self.stopping.wait(self.every):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:  # the writer goes back to checkpointing on commit
            logger.warning("WAL checkpoint of %s stopped: %s", self.path, exc)
        finally:
            conn.close()

    def stop(self) -> None:
        """Run a last checkpoint and wait for it."""
        self.stopping.set()
        self.join(timeout=30)


def _only_comments(sql: str) -> bool:
    """Whether what is left of a script is comments and blank lines."""
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


class SQLiteStorage(SQLStorage):
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
        self.db: SQLiteDatabase = SQLiteDatabase(self.path)

    @property
    def conn(self) -> sqlite3.Connection:
        """The underlying connection, for ad-hoc queries."""
        return self.db.conn

    def full_text(self, query: str) -> FullText:
        """FTS5 over title and text; bm25 ranks a title match above a text match."""
        return FullText(
            source="article_search JOIN articles a ON a.id = article_search.rowid",
            condition="article_search MATCH ?",
            rank="bm25(article_search, 4.0, 1.0)",
            snippet="snippet(article_search, 1, '[', ']', '…', 24)",
            select_params=(),
            where_params=(fts5_query(query),),
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


def fts5_query(text: str) -> str:
    """A user's query as an FTS5 query: each word or "quoted phrase" a string, OR kept."""
    parts: list[str] = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text):
        if word == "OR":
            if parts and parts[-1] != "OR":
                parts.append("OR")
            continue
        value = phrase if phrase else word.replace('"', "")
        if value.strip():
            escaped = value.replace('"', '""')
            parts.append(f'"{escaped}"')
    while parts and parts[-1] == "OR":
        parts.pop()
    return " ".join(parts)

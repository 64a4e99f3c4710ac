"""The SQLite backend: one file, WAL journal, numbered migrations, a run lock beside it."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage.base import StorageError, StoreLocked
from storage.database import Database, Row
from storage.sql import SQLStorage
from storage.times import utcnow


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
        self.conn.execute("BEGIN IMMEDIATE")

    def begin_read(self) -> None:
        # A deferred transaction in WAL mode reads one snapshot while writers go on.
        self.conn.execute("BEGIN")

    def has_table(self, table: str) -> bool:
        row = self.fetchone(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        return row is not None

    def close(self) -> None:
        self.conn.close()


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

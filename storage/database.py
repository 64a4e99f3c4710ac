"""The connection adapter the shared SQL runs on: one subclass per SQL dialect."""

from __future__ import annotations

import abc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from storage.base import StorageError

logger = logging.getLogger(__name__)

Row = dict[str, Any]
# Parameters per multi-row INSERT: few round trips, far under SQLite's (32,766) and
# PostgreSQL's (65,535) limits.
INSERT_PARAMS = 3000


def load_migrations(dialect: str) -> list[tuple[int, str, str]]:
    """The packaged migrations of a dialect as (version, name, sql), in order."""
    folder = resources.files("storage").joinpath("migrations", dialect)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, name = entry.name[:-4].partition("_")
            found.append((int(version), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@dataclass
class LockWaits:
    """Time claims of fold keys waited for other writers on one connection, and took in all."""

    claims: int = 0
    seconds: float = 0.0  # waiting for locks other writers held, by the server's clock
    longest: float = 0.0
    round_trips: float = 0.0  # the claims' whole time, seen from this process

    def add(self, waited: float, took: float) -> None:
        """Count one claim that waited ``waited`` seconds of the ``took`` it took."""
        self.claims += 1
        self.seconds += waited
        self.longest = max(self.longest, waited)
        self.round_trips += took


class Database(abc.ABC):
    """One connection: ``?`` placeholders, rows as dicts, explicit transactions.

    The shared SQL sticks to what SQLite (3.35+) and PostgreSQL both run: ``RETURNING``,
    ``ON CONFLICT`` upserts, row values and ``CASE``; anything else belongs to a dialect.
    """

    dialect: str  # the migrations folder
    name: str  # the store as messages name it, without credentials
    batch_open = False  # a write transaction spans several writes until close_batch
    # Most documents a batch holds before it must commit (None: as the config says).
    max_batch_items: int | None = None

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement that returns no rows."""

    @abc.abstractmethod
    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a statement that returns rows."""

    @abc.abstractmethod
    def script(self, sql: str) -> None:
        """Run several statements inside the current transaction."""

    @abc.abstractmethod
    def begin_write(self) -> None:
        """Start a write transaction (one that excludes other writers where ``claim`` cannot)."""

    def begin_exclusive(self) -> None:
        """Start a transaction that excludes every other writer until it ends (migrations)."""
        self.begin_write()

    @abc.abstractmethod
    def claim(self, keys: Sequence[int | str], stage: int = 0) -> None:
        """Hold transaction locks on these keys until the transaction ends (FoldIndex.claim)."""

    @abc.abstractmethod
    def begin_read(self) -> None:
        """Start a read-only transaction that sees one consistent snapshot."""

    @abc.abstractmethod
    def has_table(self, table: str) -> bool:
        """Whether the store's schema holds this table."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def any_of(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """A condition that ``column`` is one of ``values``, with its parameters."""
        return f"{column} IN ({marks(values)})", list(values)

    def commit(self) -> None:
        """End the current transaction, keeping its writes."""
        self.execute("COMMIT")

    def rollback(self) -> None:
        """End the current transaction, dropping its writes."""
        self.execute("ROLLBACK")

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.fetchone(sql, params)
        return next(iter(row.values())) if row else None

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an ``id`` key; return the new row's id."""
        return int(self.scalar(f"{sql} RETURNING id", params))

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows in few statements, inside the current transaction."""
        step = max(1, INSERT_PARAMS // len(columns))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            self.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES {values(len(columns), len(chunk))}",
                [value for row in chunk for value in row],
            )

    @contextmanager
    def writing(self, exclusive: bool = False) -> Iterator[None]:
        """A write transaction, rolled back whole on any error; a savepoint inside a batch."""
        if self.batch_open:
            with self._savepoint():
                yield
            return
        if exclusive:
            self.begin_exclusive()
        else:
            self.begin_write()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """A part of the open batch that succeeds or is undone whole."""
        self.execute("SAVEPOINT nf_write")
        try:
            yield
        except BaseException:
            try:
                self.execute("ROLLBACK TO SAVEPOINT nf_write")
                self.execute("RELEASE SAVEPOINT nf_write")
            except Exception:  # the connection is gone: the batch is lost as a whole
                logger.warning("%s: could not undo a failed write of the open batch", self.name)
            raise
        self.execute("RELEASE SAVEPOINT nf_write")

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one write statement; inside a batch, a failure undoes it alone."""
        if self.batch_open:
            with self._savepoint():
                self.execute(sql, params)
        else:
            self.execute(sql, params)

    def open_batch(self) -> None:
        """Start a write transaction that later writes join until ``close_batch``."""
        self.begin_write()
        self.batch_open = True

    def close_batch(self, keep: bool = True) -> None:
        """Commit (or drop) the open batch; a refused commit drops it and raises StorageError."""
        self.batch_open = False
        if not keep:
            self.rollback()
            return
        try:
            self.commit()
        except Exception as exc:
            try:
                self.rollback()
            except Exception:  # no transaction is left open, or no connection
                logger.debug("%s: nothing to roll back after a refused commit", self.name)
            raise StorageError(f"{self.name}: the batch could not be committed: {exc}") from None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read-only snapshot, released when the block ends; the batch's own view inside one."""
        if self.batch_open:
            yield
            return
        self.begin_read()
        try:
            yield
        finally:
            self.rollback()


def marks(values: Sequence[Any]) -> str:
    """Placeholders for an ``IN (...)`` list."""
    return ",".join("?" * len(values))


def values(width: int, count: int) -> str:
    """Placeholders for a multi-row ``VALUES`` list: one round trip instead of one per row."""
    row = "(" + ",".join("?" * width) + ")"
    return ",".join([row] * count)

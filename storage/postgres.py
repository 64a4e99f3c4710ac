"""The PostgreSQL backend (psycopg 3): advisory locks on what a fold touches and on each site."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from storage.base import SiteLock, StorageError, StoreLocked, WriteConflict
from storage.database import Database, LockWaits, Row
from storage.sql import FullText, SQLStorage

try:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.rows import dict_row
except ImportError as exc:  # pragma: no cover - only without the optional extra
    raise ImportError("PostgresStorage needs psycopg: pip install 'newsfold[postgres]'") from exc

# Advisory lock classes ("nfld", "nfrn", "nfst"); the second key is the store's schema (and the
# site), so stores in separate schemas of one database do not wait for each other.
FOLD_LOCK = 0x6E666C64
RUN_LOCK = 0x6E66726E
SITE_LOCK = 0x6E667374
# Classes of the keys a fold claims, one per stage ("nfc0", "nfc1"); the key hashes the schema.
CLAIM_LOCK = 0x6E666330
SCHEMA_KEY = "hashtext(coalesce(current_schema(), ''))"
SITE_KEY = "hashtext(coalesce(current_schema(), '') || '/' || %s)"
CONNECT_TIMEOUT = 10
# What the server undoes when two writers met: trying the write again can succeed.
CONFLICTS = (
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
    psycopg.errors.TransactionRollback,
)


def describe(url: str) -> str:
    """``HOST:PORT database DB`` of a connection URL, without credentials."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        params = {}
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    user = params.get("user") or os.environ.get("PGUSER") or ""
    db = params.get("dbname") or os.environ.get("PGDATABASE") or user or "?"
    return f"{host}:{port} database {db}"


def connect(url: str, purpose: str) -> Any:
    """A psycopg connection in autocommit mode, or a StorageError naming what failed."""
    where = describe(url)
    try:
        params = conninfo_to_dict(url)
        defaults = {"connect_timeout": CONNECT_TIMEOUT, "application_name": purpose}
        extra: dict[str, Any] = {k: v for k, v in defaults.items() if k not in params}
        return psycopg.connect(url, autocommit=True, row_factory=dict_row, **extra)
    except psycopg.Error as exc:
        raise StorageError(
            f"cannot connect to PostgreSQL at {where}: {_reason(exc)}; "
            "check that the server is running and the credentials"
        ) from None


def _reason(exc: Exception) -> str:
    """libpq's message without the connection preamble, on one line."""
    text = str(exc)
    if " failed: " in text:
        text = text.rsplit(" failed: ", 1)[1]
    return " ".join(text.split())


class PostgresDatabase(Database):
    """One PostgreSQL connection in autocommit mode; transactions are explicit."""

    dialect = "postgres"
    # Each document commits alone: the keys it claimed are held only while it folds, and other
    # writers see it at once. A batch holding many documents' keys would make every writer that
    # meets one of them wait for the whole batch, and could wait in a cycle with another batch.
    max_batch_items = 1

    def __init__(self, url: str) -> None:
        self.conn = connect(url, "newsfold")
        if "synchronous_commit" not in str(conninfo_to_dict(url).get("options") or ""):
            # What SQLite's WAL with synchronous=NORMAL promises: a crash may lose the last
            # commits, never consistency; the next crawl fetches what was lost again.
            self.conn.execute("SET synchronous_commit = off")
        schema = self.conn.execute("SELECT current_schema() AS s").fetchone()["s"]
        self.schema = schema or ""
        self.waits = LockWaits()
        self.name = f"PostgreSQL {describe(url)}"
        if schema and schema != "public":
            self.name += f" schema {schema}"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        try:
            self.conn.execute(_placeholders(sql), params)
        except CONFLICTS as exc:
            raise WriteConflict(f"{self.name}: {_reason(exc)}") from None
        except psycopg.OperationalError as exc:
            raise self._lost(exc) from None

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.conn.execute(_placeholders(sql), params).fetchall()
        except CONFLICTS as exc:
            raise WriteConflict(f"{self.name}: {_reason(exc)}") from None
        except psycopg.OperationalError as exc:
            raise self._lost(exc) from None

    def script(self, sql: str) -> None:
        # Without parameters psycopg sends the text as one simple query: many statements.
        try:
            self.conn.execute(sql)
        except psycopg.OperationalError as exc:
            raise self._lost(exc) from None

    def any_of(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        # One array parameter: the statement text stays the same, so psycopg prepares it once.
        return f"{column} = ANY(?)", [list(values)]

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        # COPY streams the rows: several times faster than multi-row INSERTs on large batches.
        try:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with self.conn.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.OperationalError as exc:
            raise self._lost(exc) from None

    def begin_write(self) -> None:
        # Writers exclude each other only where they meet: a fold claims its keys (see claim).
        self.execute("BEGIN")

    def begin_exclusive(self) -> None:
        self.script(f"BEGIN; SELECT pg_advisory_xact_lock({FOLD_LOCK}, {SCHEMA_KEY})")

    def open_batch(self) -> None:
        # A batch holds the keys of many documents until it commits, in no one order across
        # them: two batches could wait for each other in a cycle. They exclude each other as
        # a whole instead (a crawl on PostgreSQL commits each document alone and takes none).
        self.begin_exclusive()
        self.batch_open = True

    def claim(self, keys: Sequence[int | str], stage: int = 0) -> None:
        # Folding decides from what is stored, so deciding and writing must be one atomic step
        # for two documents that could meet; unique constraints refuse duplicates even without.
        # Keys are taken in ascending order (unnest keeps the array's), so no two writers wait
        # for each other in a cycle; a 32-bit key that collides only makes a writer wait.
        ids = sorted({_lock_id(self.schema, key) for key in keys})
        if not ids:
            return
        started = time.perf_counter()
        # The server's own clock tells the time spent waiting for other writers' locks apart
        # from the round trip and this process's scheduling.
        waited = self.scalar(
            "SELECT extract(epoch FROM clock_timestamp() - statement_timestamp()) AS waited "
            "FROM (SELECT count(pg_advisory_xact_lock(?, k)) AS held "
            "FROM unnest(?::int4[]) AS k) AS claimed",
            (CLAIM_LOCK + stage, ids),
        )
        self.waits.add(float(waited), time.perf_counter() - started)

    def begin_read(self) -> None:
        self.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def rollback(self) -> None:
        if self.conn.closed or self.conn.broken:
            return  # the server already dropped the transaction with the connection
        self.execute("ROLLBACK")

    def has_table(self, table: str) -> bool:
        return self.scalar("SELECT to_regclass(?)::text AS found", (table,)) is not None

    def close(self) -> None:
        self.conn.close()

    def _lost(self, exc: Exception) -> StorageError:
        """A StorageError for a failure of the server or the connection."""
        return StorageError(
            f"{self.name}: {_reason(exc)}; check that the server is running and reachable"
        )


def _lock_id(schema: str, key: int | str) -> int:
    """A signed 32-bit advisory lock key for a fold key in a schema."""
    digest = hashlib.blake2b(f"{schema}\0{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _placeholders(sql: str) -> str:
    """The shared SQL's ``?`` placeholders in psycopg's ``%s`` style."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStorage(SQLStorage):
    """A newsfold store in a PostgreSQL database (the schema first on the search_path)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.db = PostgresDatabase(url)

    def full_text(self, query: str) -> FullText:
        """English text search (web search syntax: "phrases", OR, -word) with a headline."""
        tsquery = "websearch_to_tsquery('english', ?)"
        return FullText(
            source="articles a",
            condition=f"a.search @@ {tsquery}",
            rank=f"-ts_rank(a.search, {tsquery})",
            snippet=(
                f"ts_headline('english', a.text, {tsquery}, "
                "'StartSel=[, StopSel=], MaxWords=30, MinWords=12, MaxFragments=1')"
            ),
            select_params=(query, query),
            where_params=(query,),
        )

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold a session advisory lock on a connection of its own for the whole run."""
        conn = connect(self.url, f"newsfold pid {os.getpid()}")
        try:
            got = conn.execute(
                f"SELECT pg_try_advisory_lock(%s, {SCHEMA_KEY}) AS got", (RUN_LOCK,)
            ).fetchone()["got"]
            if not got:
                raise StoreLocked(
                    f"{self.db.name} is being written by {self._holder(conn)}; "
                    "wait for that run to finish"
                )
            yield
        finally:
            conn.close()  # ending the session releases the lock

    @contextmanager
    def lock_sites(self, sites: Sequence[str]) -> Iterator[SiteLock]:
        """Hold a session advisory lock per free site, on a connection of its own, for the run.

        Runs of other sites go on beside this one; a site another process holds is left out.
        """
        conn = connect(self.url, f"newsfold pid {os.getpid()} on {socket.gethostname()}")
        try:
            held = SiteLock([])
            for site in sorted(set(sites)):  # one order everywhere: no two runs wait in a cycle
                got = conn.execute(
                    f"SELECT pg_try_advisory_lock(%s, {SITE_KEY}) AS got", (SITE_LOCK, site)
                ).fetchone()["got"]
                if got:
                    held.sites.append(site)
                else:
                    held.busy[site] = self._site_holder(conn, site)
            yield held
        finally:
            conn.close()  # ending the session releases the locks

    @staticmethod
    def _site_holder(conn: Any, site: str) -> str:
        """Who holds a site's run lock, as pg_stat_activity tells it."""
        row = conn.execute(
            "SELECT a.application_name AS app FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
            f"AND l.classid = %s::oid AND l.objid = ({SITE_KEY}::bigint & 4294967295)::oid",
            (SITE_LOCK, site),
        ).fetchone()
        return (row and row["app"]) or "another newsfold process"

    @staticmethod
    def _holder(conn: Any) -> str:
        """Who holds the run lock, as pg_stat_activity tells it."""
        row = conn.execute(
            "SELECT a.application_name AS app, host(a.client_addr) AS client, "
            "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') AS since "
            "FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
            f"AND l.classid = %s::oid AND l.objid = ({SCHEMA_KEY}::bigint & 4294967295)::oid",
            (RUN_LOCK,),
        ).fetchone()
        if row is None:
            return "another newsfold process"
        client = row["client"] or "a local socket"
        return f"{row['app'] or 'another process'} (connected from {client} since {row['since']}Z)"

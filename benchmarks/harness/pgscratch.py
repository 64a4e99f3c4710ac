"""Throwaway PostgreSQL schemas, so test and benchmark runs never collide."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

SERVER_ENV = "NEWSFOLD_TEST_POSTGRES"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The PostgreSQL URL tests and benchmarks use (``$NEWSFOLD_TEST_POSTGRES`` overrides)."""
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


def with_schema(url: str, schema: str) -> str:
    """A connection URL whose sessions create and find tables in ``schema``."""
    option = quote(f"-csearch_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


@contextmanager
def scratch_schema(url: str | None = None, prefix: str = "nf") -> Iterator[str]:
    """A new empty schema, dropped with everything in it at the end; yields its URL.

    Raises StorageError (naming host, port and database) when the server cannot be reached.
    """
    from storage.postgres import connect

    server = url or server_url()
    schema = f"{prefix}_{secrets.token_hex(6)}"
    conn = connect(server, "newsfold scratch schema")
    try:
        conn.execute(f"CREATE SCHEMA {schema}")
        yield with_schema(server, schema)
    finally:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.close()

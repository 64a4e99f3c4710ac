"""Shared pytest fixtures: the bundled fixture publishers served over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from benchmarks.harness.pgscratch import scratch_schema
from crawler.demo import DemoSites
from storage import StorageError, open_storage
from storage.sql import SQLStorage


@pytest.fixture(scope="session")
def demo_sites() -> Iterator[DemoSites]:
    """One set of running fixture publishers shared by the whole test session."""
    with DemoSites() as sites:
        yield sites


@pytest.fixture
def fresh_sites() -> Iterator[DemoSites]:
    """A new set of running fixture publishers with zeroed request counters."""
    with DemoSites() as sites:
        yield sites


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway schema on the test PostgreSQL; the test skips, saying why, when unreachable."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_schema())
        except StorageError as exc:
            pytest.skip(f"PostgreSQL not reachable: {exc}")
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store's URL: a SQLite file, or a throwaway schema on the test PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[SQLStorage]:
    """A migrated store on each backend."""
    storage = open_storage(store_url)
    assert isinstance(storage, SQLStorage)
    yield storage
    storage.close()


def _refuse_commit(storage: SQLStorage) -> None:
    """Make the open SQLite batch's COMMIT fail: a foreign key checked only at commit time."""
    storage.db.execute("PRAGMA defer_foreign_keys = ON")
    storage.db.execute(
        "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
        "content_hash, word_count) VALUES (999, 'orphan', 'u', 's', 't', 't', 'h', 1)"
    )


@pytest.fixture
def refuse_commit() -> Callable[[SQLStorage], None]:
    """A function that makes a store's open batch fail at COMMIT (SQLite)."""
    return _refuse_commit


# Modules whose every test crawls, runs a service or a benchmark: seconds each.
SLOW_MODULES = frozenset(
    {
        "test_crawl_benchmark",
        "test_scale_benchmark",
        "test_faults_benchmark",
        "test_polite",
        "test_extraction_quality",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what the fast lane (``-m "not slow"``) leaves out, and what needs PostgreSQL."""
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("store_url") == "postgresql"
        if on_postgres or "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)

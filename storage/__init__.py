"""Storage backends, chosen by the store's URL or path."""

from __future__ import annotations

from pathlib import Path

from storage.base import Storage, StorageError, StoreLocked

__all__ = ["Storage", "StorageError", "StoreLocked", "open_storage"]


def open_storage(target: str, migrate: bool = True, create: bool = True) -> Storage:
    """Open a store: ``postgresql://…`` for PostgreSQL, ``sqlite:///PATH`` or a plain path for SQLite.

    With ``create=False`` a store that does not exist yet is an error instead of a new store.
    """
    scheme = target.split("://", 1)[0].lower() if "://" in target else "sqlite"
    backends = {"sqlite": _sqlite, "postgresql": _postgres, "postgres": _postgres}
    if scheme not in backends:
        raise ValueError(
            f"unknown store scheme {scheme!r} in {target!r}; known: {sorted(backends)}"
        )
    storage = backends[scheme](target, create)
    try:
        if not create and not storage.initialised():
            raise StorageError(f"{target}: no newsfold store there; check --db or the config's db")
        if migrate:
            storage.migrate()
    except BaseException:
        storage.close()
        raise
    return storage


def _sqlite(target: str, create: bool) -> Storage:
    """A SQLite store from a path or sqlite:/// URL."""
    from storage.sqlite import SQLiteStorage

    path = target.split("sqlite:///", 1)[1] if target.startswith("sqlite:///") else target
    if not create and path != ":memory:" and not Path(path).is_file():
        # Opening a missing file would create it; a reader must not leave one behind.
        raise StorageError(f"{path}: no newsfold store there; check --db or the config's db")
    return SQLiteStorage(path)


def _postgres(target: str, create: bool) -> Storage:
    """A PostgreSQL store from a postgresql:// URL."""
    from storage.postgres import PostgresStorage

    return PostgresStorage(target)

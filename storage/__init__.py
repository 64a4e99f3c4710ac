"""Storage backends, chosen by the store's URL or path."""

from __future__ import annotations

from storage.base import Storage, StorageError, StoreLocked

__all__ = ["Storage", "StorageError", "StoreLocked", "open_storage"]


def open_storage(target: str, migrate: bool = True) -> Storage:
    """Open a store: ``postgresql://…`` for PostgreSQL, ``sqlite:///PATH`` or a plain path for SQLite."""
    scheme = target.split("://", 1)[0].lower() if "://" in target else "sqlite"
    backends = {"sqlite": _sqlite, "postgresql": _postgres, "postgres": _postgres}
    if scheme not in backends:
        raise ValueError(
            f"unknown store scheme {scheme!r} in {target!r}; known: {sorted(backends)}"
        )
    storage = backends[scheme](target)
    if migrate:
        try:
            storage.migrate()
        except BaseException:
            storage.close()
            raise
    return storage


def _sqlite(target: str) -> Storage:
    """A SQLite store from a path or sqlite:/// URL."""
    from storage.sqlite import SQLiteStorage

    path = target.split("sqlite:///", 1)[1] if target.startswith("sqlite:///") else target
    return SQLiteStorage(path)


def _postgres(target: str) -> Storage:
    """A PostgreSQL store (issue: the backend is not written yet)."""
    raise StorageError(
        f"{target}: the PostgreSQL backend is not available in this version; use a SQLite path"
    )

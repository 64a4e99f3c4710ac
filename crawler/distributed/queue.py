"""The crawl queue: one procrastinate job per site's poll, in the store's own PostgreSQL."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

from config.loader import ConfigError
from config.schema import NewsfoldConfig
from crawler.commands import is_postgres
from crawler.sources.sites import sources_by_site
from storage import StorageError

try:
    import procrastinate
    from procrastinate import exceptions as queue_errors
    from procrastinate.schema import SchemaManager
except ImportError as exc:  # pragma: no cover - only without the optional extra
    raise ImportError(
        "the distributed mode needs procrastinate: pip install 'newsfold[distributed]'"
    ) from exc

logger = logging.getLogger(__name__)

TASK = "newsfold.poll_site"
# Advisory lock classes ("nfqs", "nfsr", "nfsl"), second key the schema as for the store's.
SCHEMA_LOCK = 0x6E667173
STALLED_LOCK = 0x6E667372
LEADER_LOCK = 0x6E66736C
SCHEMA_KEY = "hashtext(coalesce(current_schema(), ''))"
# What procrastinate's schema is recorded as in the store's meta table.
SCHEMA_META = "procrastinate_schema"
# A job's states once it will not run again (unless retried by hand).
ENDED = frozenset({"succeeded", "failed", "cancelled", "aborted"})


def require_postgres(target: str, what: str) -> None:
    """Refuse the queue on a store that is not PostgreSQL."""
    if not is_postgres(target):
        raise ConfigError(
            f"{what} needs a postgresql:// store (the jobs live in it), but the store is "
            f"{target!r}; set db (or --db) to a PostgreSQL URL"
        )


def site_key(site: str) -> str:
    """The queueing lock and lock of a site's jobs."""
    return f"site:{site}"


@dataclass(frozen=True)
class Poll:
    """One site's poll: the job's arguments."""

    site: str
    sources: list[str]


def site_polls(config: NewsfoldConfig, names: list[str] | None = None) -> list[Poll]:
    """The polls of the enabled sources (or the named ones), one per site."""
    by_site = sources_by_site(config.enabled_sources(names))
    return [Poll(site, sources) for site, sources in by_site.items()]


def _schema_files() -> list[tuple[str, str]]:
    """procrastinate's migrations as (name, sql), in order."""
    folder = resources.files("procrastinate.sql").joinpath("migrations")
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )


def ensure_schema(url: str) -> list[str]:
    """Apply procrastinate's schema beside the store's tables, once, whoever starts first.

    A new store gets procrastinate's whole schema; a store whose recorded schema is older than
    the installed procrastinate gets the migrations it lacks. One transaction under an advisory
    lock, so processes starting together neither apply it twice nor see half of it.
    """
    from storage.postgres import connect

    files = _schema_files()
    latest = files[-1][0] if files else ""
    conn = connect(url, "newsfold queue schema")
    applied: list[str] = []
    try:
        with conn.transaction():
            conn.execute(f"SELECT pg_advisory_xact_lock(%s, {SCHEMA_KEY})", (SCHEMA_LOCK,))
            recorded = conn.execute(
                "SELECT value FROM meta WHERE key = %s", (SCHEMA_META,)
            ).fetchone()
            exists = conn.execute(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS found"
            ).fetchone()["found"]
            if not exists:
                # Sent without parameters: psycopg leaves the text (and its %) alone.
                conn.execute(SchemaManager.get_schema())
                applied.append(f"schema up to {latest}")
            elif recorded is not None:
                for name, sql in files:
                    if name > recorded["value"]:
                        conn.execute(sql)
                        applied.append(name)
            else:
                raise StorageError(
                    "the store's database has procrastinate tables that newsfold did not make; "
                    "use a schema of its own for the store (options=-csearch_path=...)"
                )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (SCHEMA_META, latest),
            )
    finally:
        conn.close()
    if applied:
        logger.info("procrastinate schema: applied %s", ", ".join(applied))
    return applied


def open_app(url: str, **pool: Any) -> Any:
    """A procrastinate App on the store's database (opened by the caller)."""
    options = {"min_size": 1, "max_size": 4, **pool}
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, **options))


class Deferrer:
    """Defers site polls to the queue and follows their jobs (synchronous: serve, run)."""

    def __init__(self, url: str, queue: str) -> None:
        ensure_schema(url)
        self.queue = queue
        self.app = open_app(url, max_size=2)
        self.app.open()

    def defer(self, poll: Poll) -> tuple[int, bool]:
        """Defer a site's poll; return its job id and whether it is new (else already waiting)."""
        key = site_key(poll.site)
        try:
            job_id = self.app.configure_task(
                TASK, queue=self.queue, lock=key, queueing_lock=key
            ).defer(site=poll.site, sources=poll.sources)
            return int(job_id), True
        except queue_errors.AlreadyEnqueued:
            waiting = list(self.app.job_manager.list_jobs(queueing_lock=key, status="todo"))
            if not waiting:  # it started meanwhile: defer again for the sources of now
                return self.defer(poll)
            return int(waiting[0].id), False

    def status(self, job_id: int) -> str:
        """A job's status: todo, doing, succeeded, failed, cancelled, aborting or aborted."""
        return str(self.app.job_manager.get_job_status(job_id).value)

    def close(self) -> None:
        """Close the queue's connections."""
        self.app.close()

"""Run one crawl: lock the store, record the run, crawl every source, record the counts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess

from config.schema import NewsfoldConfig
from crawler.context import RunContext
from crawler.items import STORE_ERROR_STAT
from crawler.logs import json_handler
from crawler.settings import scrapy_settings
from crawler.sources.health import ENTRY_ERROR_STAT, after_run
from crawler.sources.sites import sources_by_site
from crawler.spiders.news import NewsSpider
from pipelines.folding.folder import Folder
from storage.base import SiteLock, Storage, StorageError, StoreLocked
from storage.times import utcnow

logger = logging.getLogger(__name__)

COUNT_KEYS = (
    "fetched",
    "stored",
    "copies",
    "stories",
    "offtopic",
    "empty",
    "errors",
    "known",
    "robots",
    "not_modified",
    "not_due",
    "refused",
    "polled",
    "retried",
    "gave_up",
    "busy",
)


@dataclass
class RunSummary:
    """How a run went, per source."""

    run_id: int
    status: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    message: str = ""
    store_failed: bool = False  # the store refused to commit what the run folded


def run_crawl(
    config: NewsfoldConfig,
    storage: Storage,
    source_names: Sequence[str] | None = None,
    progress: bool = False,
    started: str | None = None,
    settings: dict[str, Any] | None = None,
    job_id: int | None = None,
) -> RunSummary:
    """Crawl the chosen sources into the store once (blocks; once per process).

    ``started``: when the run began, if before this process (a service's child start-up);
    ``settings`` replace Scrapy settings the config made (the demo's routes to its sites);
    ``job_id``: the queue job it crawls for. A site another process is crawling is skipped and
    its sources counted ``busy``; when every site is busy, StoreLocked is raised.
    """
    sources = config.enabled_sources(list(source_names or []))
    # Checked before the crawl: a stage that refuses to start inside Scrapy ends its crawl
    # early without an exception reaching this process.
    storage.check_fold_params(Folder(config.fold).params)
    by_site = sources_by_site(sources)
    with storage.lock_sites(list(by_site)) as held:
        if not held.sites:
            raise StoreLocked(_all_busy(held))
        crawled = {name: sources[name] for site in held.sites for name in by_site[site]}
        busy = [name for site in held.busy for name in by_site[site]]
        for site, holder in held.busy.items():
            logger.warning("site %s is being crawled by %s: skipped", site, holder)
        run_id = storage.begin_run(
            list(sources), started, None if held.store_wide else held.sites, job_id
        )
        status, message, counts, store_error = _crawl(
            config, storage, run_id, crawled, progress, settings
        )
        for name in busy:
            counts[name] = {**dict.fromkeys(COUNT_KEYS, 0), "busy": 1}
        storage.finish_run(run_id, status, counts, message)
    return RunSummary(run_id, status, counts, message, bool(store_error))


def _all_busy(held: SiteLock) -> str:
    """Why a run whose every site is busy does not start."""
    holders = sorted(set(held.busy.values()))
    return (
        f"every site of this run is being crawled by {', '.join(holders)}; "
        "wait for that run to finish"
    )


def _crawl(
    config: NewsfoldConfig,
    storage: Storage,
    run_id: int,
    sources: dict[str, Any],
    progress: bool,
    extra: dict[str, Any] | None = None,
) -> tuple[str, str, dict[str, dict[str, int]], Any]:
    """One Scrapy crawl of ``sources``: its status, message, counts and any store error."""
    context = RunContext(config, storage, run_id, sources)
    as_json = config.crawl.log_format == "json"
    # Scrapy installs its own text handler unless told not to.
    handler = json_handler(config.crawl.log_level, run_id) if as_json else None
    settings = {
        **scrapy_settings(config, progress),
        "LOG_INSTALL_ROOT_HANDLER": not as_json,
        **(extra or {}),
    }
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(NewsSpider)
    status, message = "completed", ""
    try:
        process.crawl(crawler, context=context)
        process.start()
    except KeyboardInterrupt:
        status, message = "interrupted", "stopped by signal"
    except Exception as exc:
        logger.exception("crawl failed")
        status, message = "failed", f"{type(exc).__name__}: {exc}"
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get("finish_reason") not in (None, "finished") and status == "completed":
        status, message = "interrupted", f"finished: {stats['finish_reason']}"
    store_error = stats.get(STORE_ERROR_STAT)
    if store_error:
        # What was committed before stays; the refused pages are fetched again next run.
        status, message = "failed", f"the store refused a write: {store_error}"
    counts = collect_counts(stats, list(sources))
    if storage.batch_open:  # the crawl ended without closing its store stage
        keep_batch(storage)
    record_health(storage, run_id, counts, stats)
    if handler is not None:
        logging.getLogger().removeHandler(handler)
    return status, message, counts, store_error


def keep_batch(storage: Storage) -> None:
    """Commit the articles of a batch left open: each of them is whole."""
    try:
        storage.end_batch()
    except StorageError as exc:
        logger.error("the last batch of articles is lost, its pages are fetched again: %s", exc)


def record_health(
    storage: Storage, run_id: int, counts: dict[str, dict[str, int]], stats: dict[str, Any]
) -> None:
    """Update the health of every source the run reached."""
    now = utcnow()
    try:
        previous = storage.source_health(list(counts))
        updated = [
            health
            for source, row in counts.items()
            if (
                health := after_run(
                    previous.get(source),
                    source,
                    row,
                    stats.get(f"{ENTRY_ERROR_STAT}/{source}"),
                    now,
                    run_id,
                )
            )
            is not None
        ]
        storage.save_source_health(updated)
    except StorageError as exc:
        logger.error("source health not recorded: %s", exc)


def collect_counts(stats: dict[str, Any], sources: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per-source counts from the crawl stats."""
    counts = {name: dict.fromkeys(COUNT_KEYS, 0) for name in sources}
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "newsfold" and parts[1] in counts:
            counts[parts[1]][parts[2]] = int(value)
    return counts

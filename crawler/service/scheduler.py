"""The scheduled service: crawl each source group on its cron schedule, one run at a time."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from config.cron import zone
from config.loader import ConfigError
from config.schema import NewsfoldConfig
from crawler.exitcodes import EXIT_LOCKED, EXIT_OK
from crawler.service.child import ChildCrawl, ChildResult
from crawler.service.metrics import RECENT_RUNS, ServiceMetrics
from crawler.service.schedule import Group, scheduled_groups
from storage import StorageError, StoreLocked, open_storage
from storage.base import RunRecord, Storage

logger = logging.getLogger(__name__)

OUTCOMES = ("completed", "failed", "interrupted", "skipped", "deferred")
STANDBY = "another service leads (standing by)"


class CrawlService:
    """The scheduler, one job per source group, each run a child process, one run at a time."""

    def __init__(self, config: NewsfoldConfig, target: str, config_path: str | None) -> None:
        self.config = config
        self.settings = config.schedule
        self.target = target
        self.config_path = str(Path(config_path).resolve()) if config_path else None
        self.groups = {group.name: group for group in scheduled_groups(config)[0]}
        self.metrics = ServiceMetrics()
        self.stopping = threading.Event()
        self.forced = threading.Event()
        self.scheduler = self._build_scheduler()
        self.metrics_server: Any = None
        # Distributed mode: the due sites' polls go to the queue, deferred by the leader only.
        self.deferrer: Any = None
        self.leader: Any = None

    def _build_scheduler(self) -> BackgroundScheduler:
        """One worker thread, so groups due together queue instead of racing for the store."""
        scheduler = BackgroundScheduler(
            timezone=zone(self.settings.timezone),
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.settings.misfire_grace_seconds,
            },
        )
        for group in self.groups.values():
            scheduler.add_job(
                self.run_group,
                group.trigger,
                args=[group.name],
                id=group.name,
                name=f"crawl {group.name}",
            )
            for outcome in OUTCOMES:
                self.metrics.scheduled.labels(group.name, outcome)
            self.metrics.running.labels(group.name).set(0)
        scheduler.add_listener(self._on_skip, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        return scheduler

    def check_store(self) -> None:
        """Open the store once (applying migrations); a StorageError stops the start."""
        storage = open_storage(self.target)
        try:
            self.metrics.start_from(storage)
        finally:
            storage.close()
        if self.config.distributed.enabled:
            from crawler.distributed.leader import LeaderLock
            from crawler.distributed.queue import Deferrer

            self.deferrer = Deferrer(self.target, self.config.distributed.queue)
            self.leader = LeaderLock(self.target)
            if not self.leader.holds():
                logger.info("another service leads: standing by to take over")

    def install_signal_handlers(self) -> dict[int, Any]:
        """Stop on SIGTERM/SIGINT; return the handlers they replace."""
        previous: dict[int, Any] = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        """First signal: stop gracefully; a second one kills the running crawl."""
        name = signal.Signals(signum).name
        if self.stopping.is_set():
            logger.warning("%s again: killing the running crawl", name)
            self.forced.set()
            return
        logger.info(
            "%s: no new runs; the running crawl, if any, gets %s s to finish its in-flight pages",
            name,
            self.settings.stop_grace_seconds,
        )
        self.stopping.set()

    def start(self) -> None:
        """Serve the metrics and start the schedule."""
        if self.settings.metrics_port:
            host, port = self.settings.metrics_host, self.settings.metrics_port
            try:
                self.metrics_server = self.metrics.serve(host, port)
            except OSError as exc:
                raise ConfigError(
                    f"cannot serve metrics on {host}:{port}: {exc.strerror}; set another "
                    "schedule.metrics_port, or 0 to switch metrics off"
                ) from None
            logger.info("metrics on http://%s:%s/metrics", host, port)
        self.scheduler.start()

    def wait(self) -> None:
        """Block until a stop signal."""
        while not self.stopping.wait(0.5):
            pass

    def shutdown(self) -> None:
        """Stop scheduling, let the running crawl end (within the grace), stop the metrics."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.leader is not None:
            self.leader.close()
            self.deferrer.close()
        if self.metrics_server is not None:
            self.metrics_server.shutdown()
            self.metrics_server.server_close()

    def run_group(self, name: str) -> None:
        """The job of one group: one crawl in a child process, then its outcome recorded."""
        if self.stopping.is_set():
            return
        group = self.groups[name]
        try:
            run = self._defer if self.deferrer is not None else self._run
            status, message = run(group)
        except Exception as exc:  # the schedule must outlive any one run
            logger.exception("group %s: the run could not be handled", name)
            status, message = "failed", f"{type(exc).__name__}: {exc}"
        self._outcome(name, status, message)

    def _run(self, group: Group) -> tuple[str, str]:
        """Crawl the group's sources in a child; return the run's status and message."""
        try:
            baseline = self._latest_run_id()
        except StorageError as exc:
            return "failed", f"the store cannot be opened (retried at the next run): {exc}"
        logger.info("group %s: crawling %s", group.name, ", ".join(group.sources))
        self.metrics.running.labels(group.name).set(1)
        try:
            result = ChildCrawl(
                self._child_argv(group),
                self.settings.max_run_seconds,
                self.settings.stop_grace_seconds,
                self.stopping,
                self.forced,
            ).run()
        finally:
            self.metrics.running.labels(group.name).set(0)
        if result.returncode == EXIT_LOCKED:
            return "skipped", f"another newsfold process holds the store: {result.last_error()}"
        return self._settle(group, baseline, result)

    def _defer(self, group: Group) -> tuple[str, str]:
        """Defer a poll per site of the group to the queue, if this service leads."""
        from crawler.distributed.queue import site_polls

        if not self.leader.holds():
            return "skipped", STANDBY
        notes = []
        for poll in site_polls(self.config, group.sources):
            job_id, new = self.deferrer.defer(poll)
            notes.append(f"{poll.site} job {job_id}" + ("" if new else " (already waiting)"))
        return "deferred", "; ".join(notes)

    def _child_argv(self, group: Group) -> list[str]:
        """`newsfold run` for the group's sources, with this service's config and store."""
        argv = [sys.executable, "-m", "crawler.cli", "run", "--no-progress", "--db", self.target]
        if self.config_path:
            argv += ["--config", self.config_path]
        for source in group.sources:
            argv += ["--source", source]
        return argv

    def _latest_run_id(self) -> int:
        """The id of the store's newest run (0 for none); proves the store can be opened."""
        storage = open_storage(self.target)
        try:
            latest = storage.runs(1)
        finally:
            storage.close()
        return latest[0].id if latest else 0

    def _settle(self, group: Group, baseline: int, result: ChildResult) -> tuple[str, str]:
        """The child's run as the store records it, closed by the service if the child could not."""
        try:
            storage = open_storage(self.target)
        except StorageError as exc:
            return "failed", f"{result.describe()}; the store cannot be opened: {exc}"
        try:
            run = self._reconcile(storage, group, baseline, result)
            self._observe(storage)
        finally:
            storage.close()
        if run is not None:
            return run.status, run.message
        if result.stopped:
            return "interrupted", result.describe()
        return ("completed", "") if result.returncode == EXIT_OK else ("failed", result.describe())

    def _reconcile(
        self, storage: Storage, group: Group, baseline: int, result: ChildResult
    ) -> RunRecord | None:
        """Find the child's run; close it if the child died, note why if the service stopped it."""
        try:
            with storage.lock():
                run = _child_run(storage.runs(RECENT_RUNS), group, baseline)
                stopped = result.stopped and run is not None and run.status != "completed"
                if run is not None and (run.status == "running" or stopped):
                    run = _close(storage, run, result)
        except StoreLocked:
            # Another newsfold process began writing as soon as the child ended: only read.
            run = _child_run(storage.runs(RECENT_RUNS), group, baseline)
        return run

    def _observe(self, storage: Storage) -> None:
        """Feed the metrics from the store's runs; a failure here must not fail the run."""
        try:
            self.metrics.observe_store(storage)
        except Exception as exc:
            logger.warning("metrics not updated: cannot read the runs: %s", exc)

    def _outcome(self, name: str, status: str, message: str) -> None:
        """Log and count how a scheduled run ended."""
        self.metrics.scheduled.labels(name, status).inc()
        quiet = status in ("completed", "deferred") or message == STANDBY
        level = logging.INFO if quiet else logging.WARNING
        logger.log(level, "group %s: run %s%s", name, status, f": {message}" if message else "")

    def _on_skip(self, event: JobEvent) -> None:
        """Count a run the scheduler did not start."""
        if event.code == EVENT_JOB_MAX_INSTANCES:
            reason = "its previous run is still running or waiting to run"
        else:
            grace = self.settings.misfire_grace_seconds
            reason = f"it could not start within misfire_grace_seconds ({grace}) of its time"
        self._outcome(event.job_id, "skipped", reason)


def _child_run(runs: list[RunRecord], group: Group, baseline: int) -> RunRecord | None:
    """The newest run of exactly the group's sources begun after ``baseline``."""
    wanted = set(group.sources)
    return next((r for r in runs if r.id > baseline and set(r.sources) == wanted), None)


def _close(storage: Storage, run: RunRecord, result: ChildResult) -> RunRecord:
    """Record how a run the service stopped, or whose process died, ended."""
    if run.status == "running":
        status, message = ("interrupted" if result.stopped else "failed"), result.describe()
    else:
        status, message = run.status, f"{result.describe()}; {run.message}".rstrip("; ")
    storage.finish_run(run.id, status, run.counts, message)
    return replace(run, status=status, message=message)

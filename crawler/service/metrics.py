"""Prometheus metrics of `newsfold serve`: what the scheduler did and what the runs stored."""

from __future__ import annotations

import re
import threading
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from storage.base import RunRecord, Storage
from storage.times import parsed

DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)
RECENT_RUNS = 100


def reason_label(reason: str) -> str:
    """A fetch error reason with its URL-specific details dropped (bounded label values)."""
    head = re.split(r":|\s\(", reason, maxsplit=1)[0].strip()
    if not head.startswith("HTTP "):
        head = re.sub(r"\d+", "N", head)
    return head[:60] or "unknown"


class ServiceMetrics:
    """The service's collectors, on a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.scheduled = Counter(
            "newsfold_scheduled_runs",
            "Scheduled runs by source group and outcome (completed, failed, interrupted, skipped).",
            ["group", "outcome"],
            registry=self.registry,
        )
        self.runs = Counter(
            "newsfold_runs",
            "Runs recorded in the store (by any writer) that ended while the service ran, by status.",
            ["status"],
            registry=self.registry,
        )
        self.fetched = self._counter("newsfold_pages_fetched", "Pages fetched, by source.")
        self.articles = self._counter("newsfold_articles_stored", "New articles stored, by source.")
        self.copies = self._counter(
            "newsfold_copies_folded", "Copies folded into an article, by source."
        )
        self.stories = self._counter("newsfold_stories", "New stories opened, by source.")
        self.fetch_errors = Counter(
            "newsfold_fetch_errors",
            "Failed fetches and extractions by source and reason.",
            ["source", "reason"],
            registry=self.registry,
        )
        self.source_success = Gauge(
            "newsfold_source_last_success_timestamp_seconds",
            "When a run last read the source without failing (Unix time; 0 = never).",
            ["source"],
            registry=self.registry,
        )
        self.source_failures = Gauge(
            "newsfold_source_consecutive_failures",
            "Runs in a row that failed the source.",
            ["source"],
            registry=self.registry,
        )
        self.last_success = Gauge(
            "newsfold_last_success_timestamp_seconds",
            "When the last completed run ended (Unix time; 0 = none recorded).",
            registry=self.registry,
        )
        self.duration = Histogram(
            "newsfold_run_duration_seconds",
            "Wall-clock duration of runs recorded in the store.",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.running = Gauge(
            "newsfold_run_in_progress",
            "1 while a scheduled run of the group is crawling.",
            ["group"],
            registry=self.registry,
        )
        self._lock = threading.Lock()
        self._mark = 0
        self._pending: set[int] = set()

    def _counter(self, name: str, doc: str) -> Counter:
        """A counter by source on this registry."""
        return Counter(name, doc, ["source"], registry=self.registry)

    def serve(self, host: str, port: int) -> Any:
        """Serve /metrics from a daemon thread; return the server (``shutdown()`` stops it)."""
        server, _ = start_http_server(port, addr=host, registry=self.registry)
        return server

    def start_from(self, storage: Storage) -> None:
        """Count only runs after the store's latest; take the last success from its history."""
        recent = storage.runs(RECENT_RUNS)
        with self._lock:
            self._mark = max((run.id for run in recent), default=0)
            self._pending = {run.id for run in recent if run.status == "running"}
        self._set_last_success(recent)

    def observe_store(self, storage: Storage) -> None:
        """Count the runs that ended since the last look: statuses, counts, errors, durations."""
        recent = storage.runs(RECENT_RUNS)
        for run in self._newly_ended(recent):
            self._count_run(run, storage.errors(run.id))
        self._set_last_success(recent)
        for source, health in storage.source_health().items():
            success = parsed(health.last_success).timestamp() if health.last_success else 0
            self.source_success.labels(source).set(success)
            self.source_failures.labels(source).set(health.consecutive_failures)

    def _newly_ended(self, recent: list[RunRecord]) -> list[RunRecord]:
        """Runs not counted yet that have ended; remember the ones still running."""
        ended = []
        with self._lock:
            for run in sorted(recent, key=lambda r: r.id):
                if run.id <= self._mark and run.id not in self._pending:
                    continue
                if run.status == "running":
                    self._pending.add(run.id)
                else:
                    self._pending.discard(run.id)
                    ended.append(run)
            self._mark = max([self._mark, *(run.id for run in recent)])
        return ended

    def _count_run(self, run: RunRecord, errors: list[dict[str, Any]]) -> None:
        """Add one ended run to the counters."""
        self.runs.labels(run.status).inc()
        for source, counts in run.counts.items():
            self.fetched.labels(source).inc(counts.get("fetched", 0))
            self.articles.labels(source).inc(counts.get("stored", 0))
            self.copies.labels(source).inc(counts.get("copies", 0))
            self.stories.labels(source).inc(counts.get("stories", 0))
        for error in errors:
            reason = reason_label(str(error.get("reason", "")))
            self.fetch_errors.labels(str(error.get("source", "")), reason).inc()
        if run.ended:
            seconds = (parsed(run.ended) - parsed(run.started)).total_seconds()
            self.duration.observe(max(seconds, 0.0))

    def _set_last_success(self, recent: list[RunRecord]) -> None:
        """The end of the newest completed run among the recent ones (kept if none is)."""
        for run in recent:
            if run.status == "completed" and run.ended:
                self.last_success.set(parsed(run.ended).timestamp())
                return

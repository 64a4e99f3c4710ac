"""Run history and health: the `newsfold runs` and `newsfold status` commands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console

from crawler.commands import load, store_target
from crawler.commands.tables import summary_table
from crawler.exitcodes import EXIT_FAILED, EXIT_OK
from crawler.sources.health import failing
from storage import open_storage
from storage.base import RunRecord
from storage.times import parsed

FAILED = ("failed", "abandoned")
STATUS_RUNS = 5
RUN_TOTALS = ("stored", "copies", "errors")


@dataclass(frozen=True)
class Health:
    """Whether the store's runs look healthy, and why."""

    healthy: bool
    reason: str


def check_health(runs: Sequence[RunRecord], now: datetime, max_age: timedelta) -> Health:
    """Unhealthy when the last ended run failed or no run completed within ``max_age``."""
    ended = [run for run in runs if run.status != "running"]
    if not ended:
        return Health(False, "no run has ended yet")
    last = ended[0]
    if last.status in FAILED:
        return Health(False, f"the last run ({last.id}) {last.status}: {last.message}")
    completed = [run for run in ended if run.status == "completed" and run.ended]
    if not completed:
        return Health(False, f"no run completed among the last {len(runs)}")
    newest = completed[0]
    age = now - parsed(newest.ended or newest.started)
    if age > max_age:
        return Health(
            False,
            f"the last completed run ({newest.id}) ended {_ago(age)} ago, "
            f"more than {_ago(max_age)}",
        )
    return Health(True, f"the last completed run ({newest.id}) ended {_ago(age)} ago")


def duration(run: RunRecord, now: datetime) -> float:
    """Seconds a run took (or has taken so far)."""
    end = parsed(run.ended) if run.ended else now
    return max((end - parsed(run.started)).total_seconds(), 0.0)


def totals(run: RunRecord) -> dict[str, int]:
    """A run's counts summed over its sources."""
    summed: dict[str, int] = {}
    for counts in run.counts.values():
        for key, value in counts.items():
            summed[key] = summed.get(key, 0) + value
    return summed


def runs(args: argparse.Namespace, console: Console) -> int:
    """List the latest runs; with --details, each with its per-source counts and errors."""
    config = load(args)
    storage = open_storage(store_target(args, config), create=False)
    try:
        found = storage.runs(args.limit)
        want_errors = args.format == "json" or args.details
        errors = {run.id: storage.errors(run.id) if want_errors else [] for run in found}
    finally:
        storage.close()
    now = datetime.now(UTC)
    out = Console(soft_wrap=True)
    if args.format == "json":
        for run in found:
            record = {**run.__dict__, "duration_seconds": round(duration(run, now), 1)}
            sys.stdout.write(json.dumps({**record, "errors": errors[run.id]}) + "\n")
    elif args.details:
        for run in found:
            _print_run(out, run, errors[run.id], now)
    else:
        out.print(runs_table(found, now), highlight=False, markup=False)
    return EXIT_OK


RUN_LINE = "{:>5}  {:<19}  {:>7}  {:<11}  {:>6}  {:>6}  {:>6}  {}"


def runs_table(found: Sequence[RunRecord], now: datetime) -> str:
    """One line per run: start (UTC), duration, status, totals and message."""
    if not found:
        return "no runs recorded yet"
    lines = [RUN_LINE.format("run", "started (UTC)", "took", "status", *RUN_TOTALS, "message")]
    for run in found:
        summed = totals(run)
        lines.append(
            RUN_LINE.format(
                run.id,
                run.started.replace("T", " ").removesuffix("+00:00"),
                _ago(timedelta(seconds=duration(run, now))),
                run.status,
                *(summed.get(key, 0) for key in RUN_TOTALS),
                run.message,
            ).rstrip()
        )
    return "\n".join(lines)


def _print_run(
    console: Console, run: RunRecord, errors: list[dict[str, Any]], now: datetime
) -> None:
    """One run: its times and status, a row per source, then its errors."""
    took = _ago(timedelta(seconds=duration(run, now)))
    console.print(f"run {run.id}: {run.status}, started {run.started}, took {took}")
    if run.message:
        console.print(f"message: {run.message}")
    console.print(summary_table(run.counts, f"run {run.id} by source"))
    for error in errors:
        console.print(f"  {error['source']}  {error['url']}  {error['reason']}", style="dim")


def status(args: argparse.Namespace, console: Console) -> int:
    """Print the last runs; exit 1 when the last run failed, none completed recently or an
    enabled source is failing."""
    config = load(args)
    hours = args.max_age if args.max_age is not None else config.schedule.status_max_age_hours
    storage = open_storage(store_target(args, config), create=False)
    try:
        recent = storage.runs(100)
        sources = config.enabled_sources()
        stored = storage.source_health(list(sources))
    finally:
        storage.close()
    now = datetime.now(UTC)
    out = Console(soft_wrap=True)
    out.print(runs_table(recent[:STATUS_RUNS], now), highlight=False, markup=False)
    health = check_health(recent, now, timedelta(hours=hours))
    verdict = "ok" if health.healthy else "FAILING"
    out.print(f"{verdict}: {health.reason}", highlight=False, markup=False)
    bad = {
        name: reason
        for name, source in sources.items()
        if (reason := failing(stored.get(name), source, config.health, now))
    }
    for name, reason in sorted(bad.items()):
        out.print(f"FAILING source {name}: {reason}", highlight=False, markup=False)
    return EXIT_OK if health.healthy and not bad else EXIT_FAILED


def _ago(delta: timedelta) -> str:
    """A duration as 42s, 5m03s or 2h10m."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"

"""Source health: how each source fared over the runs that reached it, and when it is failing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from config.schema import HealthConfig, SourceConfig
from storage.base import SourceHealth
from storage.times import parsed

# Crawl stat, per source: the last of its entry points that could not be read, and why.
ENTRY_ERROR_STAT = "newsfold_entry_error"
# Counts of a run that show a source's pages were read and kept.
KEPT = ("stored", "copies", "offtopic", "empty")


def after_run(
    previous: SourceHealth | None,
    source: str,
    counts: dict[str, int],
    entry_error: str | None,
    now: str,
    run_id: int,
) -> SourceHealth | None:
    """A source's health after a run, or None when the run did not reach it (not due, stopped).

    A run fails a source when one of its entry points could not be read, or when pages of it
    failed and none was kept: every new article of a feed answering 500 is a dead source too.
    """
    polled = counts.get("polled", 0) > 0
    if not polled and not entry_error:
        return None
    kept = sum(counts.get(key, 0) for key in KEPT)
    failed = bool(entry_error) or (counts.get("errors", 0) > 0 and kept == 0)
    health = previous or SourceHealth(source=source, first_polled=now, last_polled=now)
    health = replace(health, last_polled=now, last_run_id=run_id)
    if counts.get("stored", 0) + counts.get("copies", 0) > 0:
        health.last_article = now
    if failed:
        error = entry_error or f"all {counts.get('errors', 0)} pages that were not known failed"
        return replace(
            health,
            last_failure=now,
            last_error=error,
            consecutive_failures=health.consecutive_failures + 1,
        )
    return replace(health, last_success=now, consecutive_failures=0)


def failing(
    health: SourceHealth | None, source: SourceConfig, limits: HealthConfig, now: datetime
) -> str:
    """Why a source counts as failing, or "" when it does not (or was never polled)."""
    if health is None:
        return ""
    if health.consecutive_failures >= limits.max_failures:
        return f"failed {health.consecutive_failures} runs in a row: {health.last_error}"
    quiet = source.quiet_hours if source.quiet_hours is not None else limits.quiet_hours
    since = health.last_article or health.first_polled
    hours = (now - parsed(since)).total_seconds() / 3600
    if quiet and hours > quiet:
        what = "no new article" if health.last_article else "no article yet"
        return f"{what} for {hours:.0f} h (more than {quiet:g} h)"
    return ""

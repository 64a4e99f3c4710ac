"""newsfold report: a static HTML report of the store that opens from disk."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from config.loader import ConfigError
from config.schema import NewsfoldConfig
from crawler.commands import load, store_target
from crawler.commands.show import timeline
from crawler.commands.sources import health_rows
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from crawler.report import ReportFolderTaken, write_report
from crawler.report.pages import StoryPage
from storage import open_storage
from storage.base import SourceHealth, Storage
from storage.times import FORMAT, to_stored


def report(args: argparse.Namespace, console: Console) -> int:
    """Write the report's pages into the output folder."""
    config = load(args)
    if args.limit < 1:
        raise ConfigError(f"--limit must be 1 or more, got {args.limit}")
    since = to_stored(args.since) if args.since else None
    storage = open_storage(store_target(args, config), create=False)
    try:
        stories = read_stories(storage, since, args.limit)
        stored = storage.source_health()
    finally:
        storage.close()
    now = datetime.now(UTC)
    try:
        pages = write_report(
            Path(args.output),
            stories,
            source_rows(config, stored, now),
            since,
            now.strftime(FORMAT)[:16].replace("T", " "),
        )
    except ReportFolderTaken as exc:
        console.print(f"newsfold: {exc}", style="red", markup=False, highlight=False)
        return EXIT_CONFIG
    index = Path(args.output).resolve() / "index.html"
    console.print(
        f"{pages} pages ({len(stories)} stories) written; open {index.as_uri()}",
        markup=False,
        highlight=False,
    )
    return EXIT_OK


def read_stories(storage: Storage, since: str | None, limit: int) -> list[StoryPage]:
    """The latest stories with their timelines, each story read from one snapshot."""
    found = []
    for summary in storage.story_summaries(since, limit=limit):
        story = storage.story(summary["story_id"])
        if story is not None:  # merged away between the two reads
            found.append(StoryPage(summary, timeline(story)))
    return found


def source_rows(
    config: NewsfoldConfig, stored: dict[str, SourceHealth], now: datetime
) -> list[dict[str, Any]]:
    """The configured sources' health, then that of sources a run reached that the config no
    longer (or never, as the demo's) names."""
    rows = health_rows(config, stored, now)
    for name in sorted(set(stored) - set(config.sources)):
        health = asdict(stored[name])
        rows.append(
            {"source": name, "kind": "", "group": "", "url": None, "enabled": False}
            | {"state": "not configured", "reason": ""}
            | {k: v for k, v in health.items() if k != "source"}
        )
    return rows

"""newsfold sources: every configured source with its health."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from crawler.commands import load, store_target
from crawler.exitcodes import EXIT_OK
from crawler.sources.health import failing
from storage import open_storage


def sources(args: argparse.Namespace, console: Console) -> int:
    """List the configured sources, enabled first, each with what the store knows of it."""
    config = load(args)
    storage = open_storage(store_target(args, config), create=False)
    try:
        stored = storage.source_health()
    finally:
        storage.close()
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for name, source in sorted(config.sources.items(), key=lambda i: (not i[1].enabled, i[0])):
        health = stored.get(name)
        reason = failing(health, source, config.health, now) if source.enabled else ""
        state = "disabled" if not source.enabled else "never polled" if health is None else "ok"
        rows.append(
            {
                "source": name,
                "kind": source.kind,
                "group": source.group,
                "url": str(source.url),
                "enabled": source.enabled,
                "state": "failing" if reason else state,
                "reason": reason,
                **({k: v for k, v in asdict(health).items() if k != "source"} if health else {}),
            }
        )
    if args.format == "json":
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
        return EXIT_OK
    Console(soft_wrap=True).print(_table(rows), highlight=False, markup=False)
    return EXIT_OK


LINE = "{:<24}  {:<7}  {:<10}  {:<12}  {:<16}  {:>8}  {:<16}  {}"


def _table(rows: list[dict[str, Any]]) -> str:
    """One line per source (times in UTC; failures: runs in a row)."""
    lines = [
        LINE.format(
            "source", "kind", "group", "state", "last success", "failures", "last article", "why"
        )
    ]
    for row in rows:
        why = row["reason"] or (row.get("last_error") if row.get("consecutive_failures") else "")
        lines.append(
            LINE.format(
                row["source"],
                row["kind"],
                row["group"],
                row["state"],
                _short(row.get("last_success")),
                row.get("consecutive_failures", ""),
                _short(row.get("last_article")),
                why or "",
            ).rstrip()
        )
    return "\n".join(lines)


def _short(stamp: str | None) -> str:
    """A stored timestamp to the minute."""
    return stamp[:16].replace("T", " ") if stamp else ""

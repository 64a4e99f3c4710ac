"""newsfold sources: every configured source with its health."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from config.loader import ConfigError
from config.schema import NewsfoldConfig
from crawler.commands import load, store_target
from crawler.exitcodes import EXIT_FAILED, EXIT_OK
from crawler.sources.health import failing
from storage import open_storage
from storage.base import SourceHealth


def sources(args: argparse.Namespace, console: Console) -> int:
    """List the configured sources with their health, or find a site's feeds (``add URL``)."""
    if args.action == "add":
        return add(args, console)
    if args.url:
        raise ConfigError(f"unexpected argument {args.url!r}; did you mean `sources add URL`?")
    config = load(args)
    storage = open_storage(store_target(args, config), create=False)
    try:
        stored = storage.source_health()
    finally:
        storage.close()
    rows = health_rows(config, stored, datetime.now(UTC))
    if args.format == "json":
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
        return EXIT_OK
    Console(soft_wrap=True).print(_table(rows), highlight=False, markup=False)
    return EXIT_OK


def health_rows(
    config: NewsfoldConfig, stored: dict[str, SourceHealth], now: datetime
) -> list[dict[str, Any]]:
    """Every configured source, enabled first, with its state and stored health fields."""
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
    return rows


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


def add(args: argparse.Namespace, console: Console) -> int:
    """Find the feeds and sitemaps of a site and print the TOML table to add, best first."""
    from crawler.sources.discover import Fetcher, discover, source_name, toml_block

    if not args.url or urlsplit(args.url).scheme not in ("http", "https"):
        raise ConfigError(f"sources add needs an http(s) URL of the site, got {args.url!r}")
    crawl = load(args).crawl
    found = discover(args.url, Fetcher(crawl.user_agent, crawl.timeout, crawl.max_page_bytes))
    if not found:
        console.print(
            f"no feed or sitemap found for {args.url}: none is linked from the page, named in "
            "robots.txt or served at a common path; add it as a section page instead:\n\n"
            f'[sources.{args.name or source_name(args.url)}]\nurl = "{args.url}"\nkind = "page"',
            markup=False,
            highlight=False,
        )
        return EXIT_FAILED
    name = args.name or source_name(args.url)
    best, others = found[0], found[1:]
    out = Console(soft_wrap=True)
    out.print(f"# {_describe(best)}", markup=False, highlight=False)
    out.print(toml_block(name, best, args.group), markup=False, highlight=False)
    if others:
        out.print("\n# also found:", markup=False, highlight=False)
        for other in others:
            out.print(f"#   {other.url} ({_describe(other)})", markup=False, highlight=False)
    return EXIT_OK


def _describe(found: Any) -> str:
    """What an entry point lists, in a few words."""
    kind = "news sitemap" if found.kind == "sitemap" and found.news else found.kind
    newest = f", newest {found.newest[:10]}" if found.newest else ""
    return f"{kind} with {found.entries} entries{newest}"

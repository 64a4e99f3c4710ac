"""The newsfold command line."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from datetime import datetime
from importlib import metadata
from typing import Any

from rich.console import Console

from config.loader import ConfigError
from crawler.exitcodes import EXIT_CONFIG, EXIT_LOCKED, EXIT_STORE
from storage import StorageError, StoreLocked

EXPORT_FORMATS = ("jsonl", "csv", "parquet")

# Each command's implementation, imported only when that command runs.
COMMANDS = {
    "demo": "crawler.commands.crawl:demo",
    "run": "crawler.commands.crawl:run",
    "extract": "crawler.commands.extract:extract",
    "fold": "crawler.commands.fold:fold",
    "stories": "crawler.commands.stories:stories",
    "search": "crawler.commands.search:search",
    "show": "crawler.commands.show:show",
    "export": "crawler.commands.export:export",
    "report": "crawler.commands.report:report",
    "serve": "crawler.commands.serve:serve",
    "worker": "crawler.commands.worker:worker",
    "schedule": "crawler.commands.schedule:schedule",
    "runs": "crawler.commands.history:runs",
    "status": "crawler.commands.history:status",
    "sources": "crawler.commands.sources:sources",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per action."""
    parser = argparse.ArgumentParser(
        prog="newsfold",
        description="Crawl AI-industry news, fold syndicated copies, group stories.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="crawl the bundled fixture news sites into a SQLite file")
    demo.add_argument("--db", default="newsfold.db", help="SQLite file (default: ./newsfold.db)")
    demo.add_argument("--no-progress", action="store_true", help="no live progress line")
    demo.add_argument(
        "--serve-only",
        action="store_true",
        help="only serve the fixture sites until interrupted (to try workers on them)",
    )
    demo.add_argument(
        "--write-config",
        metavar="FILE",
        help="with --serve-only: write a config listing the served sites to FILE",
    )

    run = sub.add_parser("run", help="crawl the configured sources once (for cron)")
    _store_options(run)
    run.add_argument(
        "--source", action="append", metavar="NAME", help="only this source (repeatable)"
    )
    run.add_argument("--no-progress", action="store_true", help="no live progress line")
    run.add_argument(
        "--enqueue",
        action="store_true",
        help="defer one job per site to the crawl queue for `newsfold worker` (PostgreSQL)",
    )
    run.add_argument(
        "--wait", action="store_true", help="with --enqueue: wait for the jobs, print the summary"
    )

    extract = sub.add_parser(
        "extract", help="extract and clean local HTML files, as the crawler does"
    )
    extract.add_argument("paths", nargs="*", metavar="PATH", help=".html or .html.gz files")
    extract.add_argument("--url", help="the URL the page was fetched from (one PATH only)")
    extract.add_argument("--manifest", help='JSONL file of {"path": ..., "url": ...} lines')
    extract.add_argument("--format", choices=("jsonl", "text"), default="jsonl")
    extract.add_argument("--config", help="TOML config file (for [clean] rules)")

    fold = sub.add_parser("fold", help="fold already-extracted texts into copies and stories")
    fold.add_argument(
        "--input",
        required=True,
        help='JSONL of {"id", "text", "title"?, "url"?, "published"?, "canonical_url"?}',
    )
    fold.add_argument("--output", help="JSONL output file (default: stdout)")
    fold.add_argument("--config", help="TOML config file (for [fold] settings)")

    stories = sub.add_parser(
        "stories", help="the latest stories: first publisher and time, outlets, articles"
    )
    _store_options(stories)
    stories.add_argument(
        "--since",
        type=iso_date,
        help="only stories published on or after this date (ISO: 2026-12-01 or 2026-12-01T08:00Z)",
    )
    stories.add_argument("--site", help="only stories seen on this site (as stored)")
    stories.add_argument(
        "--search", metavar="QUERY", help="only stories with an article matching QUERY"
    )
    _entity_options(stories, "stories")
    stories.add_argument("--limit", type=int, default=20)
    stories.add_argument("--format", choices=("table", "json"), default="table")

    show = sub.add_parser(
        "show", help="one story's timeline: each sighting as original, copy (of whom) or rewrite"
    )
    _store_options(show)
    show.add_argument("story", type=int, metavar="STORY", help="a story id, as stories prints")
    show.add_argument("--format", choices=("table", "json"), default="table")

    search = sub.add_parser("search", help="full-text search over the stored articles")
    _store_options(search)
    search.add_argument("query", metavar="QUERY", help='words, "a phrase", OR')
    search.add_argument(
        "--since", type=iso_date, help="only articles published on or after this ISO date"
    )
    search.add_argument("--site", help="only articles seen on this site (host name)")
    _entity_options(search, "articles")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--format", choices=("table", "json"), default="table")

    export = sub.add_parser(
        "export",
        help="articles or stories with their provenance as JSONL, CSV or Parquet, incrementally",
    )
    _store_options(export)
    export.add_argument(
        "--table",
        choices=("articles", "stories"),
        default="articles",
        help="one row per folded article (default) or per story",
    )
    export.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="jsonl, csv or parquet (default: from PATH's extension, else jsonl)",
    )
    export.add_argument("--output", required=True, metavar="PATH", help="file to write")
    export.add_argument(
        "--partition-by",
        choices=("day",),
        help="write PATH as a folder of Parquet files, one day=YYYY-MM-DD folder per day",
    )
    export.add_argument(
        "--since", metavar="CURSOR", help="only rows changed after this printed cursor"
    )
    export.add_argument("--force", action="store_true", help="replace PATH if it exists")

    report = sub.add_parser(
        "report",
        help="a static HTML report that opens from disk: stories, timelines, charts, sources",
    )
    _store_options(report)
    report.add_argument(
        "--output",
        required=True,
        metavar="DIR",
        help="folder to write (an earlier report's is replaced)",
    )
    report.add_argument(
        "--since", type=iso_date, help="only stories published on or after this ISO date"
    )
    report.add_argument(
        "--limit",
        type=int,
        default=1000,
        help="at most this many stories, the latest (default 1000)",
    )
    _service_commands(sub)
    return parser


def iso_date(value: str) -> str:
    """An ISO 8601 date or time, as an option's type; anything else is a usage error."""
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO date: {value!r}; write e.g. 2026-12-01 or 2026-12-01T08:00Z"
        ) from None
    return value


def _version() -> str:
    """The installed distribution's version."""
    try:
        return metadata.version("newsfold")
    except metadata.PackageNotFoundError:  # run from a checkout that was not installed
        return "unknown"


def _service_commands(sub: Any) -> None:
    """The scheduled service and its history and health commands."""
    serve = sub.add_parser("serve", help="crawl each source group on its cron schedule")
    _store_options(serve)
    worker = sub.add_parser(
        "worker", help="crawl the site polls deferred to the store's queue (PostgreSQL)"
    )
    _store_options(worker)
    worker.add_argument(
        "--slots",
        type=int,
        metavar="N",
        help="site polls run at once (default: [distributed] slots)",
    )
    schedule = sub.add_parser("schedule", help="print the schedule and next runs; start nothing")
    schedule.add_argument("--config", help="TOML config file overriding the packaged defaults")
    schedule.add_argument("--count", type=int, default=3, help="next runs shown per group")
    runs = sub.add_parser("runs", help="the latest runs: start, duration, status, counts, errors")
    _store_options(runs)
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--format", choices=("table", "json"), default="table")
    runs.add_argument(
        "--details", action="store_true", help="each run with its counts by source and errors"
    )
    status = sub.add_parser(
        "status", help="the last runs; exit 1 if the last failed or none completed recently"
    )
    _store_options(status)
    status.add_argument(
        "--max-age",
        type=float,
        metavar="HOURS",
        help="a completed run must be this recent (default: [schedule] status_max_age_hours)",
    )
    sources = sub.add_parser(
        "sources",
        help="every configured source with its health; `sources add URL` finds a site's feeds",
    )
    _store_options(sources)
    sources.add_argument("--format", choices=("table", "json"), default="table")
    sources.add_argument(
        "action", nargs="?", choices=("add",), metavar="add", help="find a site's feeds"
    )
    sources.add_argument(
        "url", nargs="?", metavar="URL", help="with add: a page of the site (its home page)"
    )
    sources.add_argument("--name", help="with add: the source name (default: from the host)")
    sources.add_argument("--group", default="default", help="with add: the schedule group")


def _entity_options(parser: argparse.ArgumentParser, what: str) -> None:
    """--org and --event: filters on what articles name and report."""
    parser.add_argument("--org", help=f"only {what} naming this organisation (any alias)")
    parser.add_argument(
        "--event", help=f"only {what} reporting this kind of event (funding, acquisition, ...)"
    )


def _store_options(parser: argparse.ArgumentParser) -> None:
    """The --config and --db options shared by store commands."""
    parser.add_argument("--config", help="TOML config file overriding the packaged defaults")
    parser.add_argument("--db", help="SQLite path or postgresql:// URL (default: config db)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; return its exit code."""
    args = build_parser().parse_args(argv)
    console = Console(stderr=True, soft_wrap=True)
    module, _, name = COMMANDS[args.command].partition(":")
    try:
        handler = getattr(importlib.import_module(module), name)
        return int(handler(args, console))
    except ConfigError as exc:
        console.print(f"newsfold: {exc}", style="red", markup=False, highlight=False)
        return EXIT_CONFIG
    except StoreLocked as exc:
        console.print(f"newsfold: {exc}", style="red", markup=False, highlight=False)
        return EXIT_LOCKED
    except StorageError as exc:
        console.print(f"newsfold: {exc}", style="red", markup=False, highlight=False)
        return EXIT_STORE
    except ImportError as exc:
        # An optional extra (psycopg, pyarrow) asked for by the command line or config.
        console.print(f"newsfold: {exc}", style="red", markup=False, highlight=False)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())

"""newsfold demo and newsfold run: crawl sources into the store."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from rich.console import Console

from config.loader import ConfigError
from crawler.commands import check_distributed, load, store_target
from crawler.commands.tables import summary_table
from crawler.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_STORE
from crawler.service.child import JOB_ENV, PARENT_ENV, STARTED_ENV
from storage import open_storage
from storage.times import to_stored


def demo(args: argparse.Namespace, console: Console) -> int:
    """Serve the fixture sites on 127.0.0.1 and crawl them into a SQLite file."""
    if args.write_config and not args.serve_only:
        raise ConfigError("--write-config goes with --serve-only")
    if args.serve_only:
        return serve_demo_sites(args.write_config, console)
    from crawler.demo import DemoSites
    from crawler.demo.routes import demo_settings
    from crawler.runner import run_crawl

    with DemoSites() as sites:
        config = load(args)
        # The publishers' own domains, not their servers' ports: a second demo into the same
        # store then finds the articles it already holds.
        demo_sources = {
            name: {**spec, "group": "demo", "max_articles": 50}
            for name, spec in sites.named_sources.items()
        }
        config = config.model_validate(
            {
                **config.model_dump(mode="json"),
                "sources": demo_sources,
                "crawl": {
                    **config.crawl.model_dump(),
                    "download_delay": 0.0,
                    # The fixture publishers listen on loopback, which the address guard refuses.
                    "allow_networks": ["127.0.0.0/8"],
                },
            }
        )
        console.print(
            f"serving {len(demo_sources)} fixture publishers on 127.0.0.1; crawling into {args.db}"
        )
        storage = open_storage(args.db)
        try:
            summary = run_crawl(
                config, storage, progress=not args.no_progress, settings=demo_settings(sites.routes)
            )
            Console().print(summary_table(summary.counts, f"newsfold demo (run {summary.run_id})"))
            Console().print(f"stories: newsfold stories --db {args.db}")
        finally:
            storage.close()
    if summary.status == "completed":
        return EXIT_OK
    return EXIT_STORE if summary.store_failed else EXIT_FAILED


def serve_demo_sites(config_path: str | None, console: Console) -> int:
    """Serve the fixture sites until SIGINT or SIGTERM; write a config that lists them."""
    from crawler.demo import DemoSites

    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with DemoSites() as sites:
            text = demo_config(sites.sources)
            if config_path:
                Path(config_path).write_text(text, encoding="utf-8")
                console.print(f"wrote {config_path}: {len(sites.sources)} fixture sites")
            else:
                Console().print(text, markup=False, highlight=False)
            console.print("serving the fixture sites on 127.0.0.1 until interrupted")
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return EXIT_OK


def demo_config(sources: dict[str, dict[str, str]]) -> str:
    """A config crawling only the served fixture sites, as `newsfold demo` does."""
    lines = [
        "# The fixture sites of `newsfold demo --serve-only`, valid while it serves them.",
        "packaged_sources = false",
        "",
        "[crawl]",
        "download_delay = 0.0",
        "# The fixture publishers listen on loopback, which the address guard refuses.",
        'allow_networks = ["127.0.0.0/8"]',
    ]
    for name, spec in sorted(sources.items()):
        lines += [
            "",
            f"[sources.{name}]",
            f'url = "{spec["url"]}"',
            f'kind = "{spec["kind"]}"',
            "max_articles = 50",
        ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, console: Console) -> int:
    """Crawl the configured sources once (or defer them to the crawl queue)."""
    started = _started_by_service()
    config = load(args)
    target = store_target(args, config)
    check_distributed(config, target)
    unknown = sorted(set(args.source or []) - set(config.sources))
    if unknown:
        raise ConfigError(f"unknown source(s) {unknown}; configured: {sorted(config.sources)}")
    if args.wait and not args.enqueue:
        raise ConfigError("--wait goes with --enqueue: it waits for the deferred jobs")
    if args.enqueue:
        from crawler.distributed.queue import require_postgres

        require_postgres(target, "newsfold run --enqueue")
        from crawler.distributed.enqueue import enqueue

        return enqueue(config, target, args.source, args.wait, console)
    from crawler.runner import run_crawl

    job = os.environ.get(JOB_ENV, "")
    storage = open_storage(target)
    try:
        summary = run_crawl(
            config,
            storage,
            args.source,
            progress=not args.no_progress,
            started=started,
            job_id=int(job) if job.isdigit() else None,
        )
    finally:
        storage.close()
    Console().print(
        summary_table(summary.counts, f"newsfold run {summary.run_id}: {summary.status}")
    )
    if summary.status != "completed":
        console.print(
            f"run {summary.run_id} {summary.status}: {summary.message}", style="red", markup=False
        )
        return EXIT_STORE if summary.store_failed else EXIT_FAILED
    return EXIT_OK


def _started_by_service() -> str | None:
    """When `newsfold serve` started this crawl, which also dies with the service; else None."""
    from pipelines.lifetime import die_with_parent

    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        die_with_parent(int(parent))
    return to_stored(os.environ.get(STARTED_ENV))

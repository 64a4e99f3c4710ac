"""newsfold demo and newsfold run: crawl sources into the store."""

from __future__ import annotations

import argparse
import os

from rich.console import Console

from config.loader import ConfigError
from crawler.commands import load, store_target
from crawler.commands.tables import summary_table
from crawler.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_STORE
from crawler.service.child import PARENT_ENV, STARTED_ENV
from storage import open_storage
from storage.times import to_stored


def demo(args: argparse.Namespace, console: Console) -> int:
    """Serve the fixture sites on 127.0.0.1 and crawl them into a SQLite file."""
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


def run(args: argparse.Namespace, console: Console) -> int:
    """Crawl the configured sources once."""
    from crawler.runner import run_crawl

    started = _started_by_service()
    config = load(args)
    unknown = sorted(set(args.source or []) - set(config.sources))
    if unknown:
        raise ConfigError(f"unknown source(s) {unknown}; configured: {sorted(config.sources)}")
    storage = open_storage(store_target(args, config))
    try:
        summary = run_crawl(
            config, storage, args.source, progress=not args.no_progress, started=started
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

"""newsfold worker: crawl the queue's site polls until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse

from rich.console import Console

from crawler.commands import check_distributed, load, store_target
from crawler.logs import service_logging
from storage import open_storage


def worker(args: argparse.Namespace, console: Console) -> int:
    """Run a crawl worker on the store's queue."""
    config = load(args)
    target = store_target(args, config)
    check_distributed(config, target)
    from crawler.distributed.queue import require_postgres

    require_postgres(target, "newsfold worker")
    from crawler.distributed.worker import CrawlWorker

    service_logging(config.crawl.log_format)
    open_storage(target).close()  # the store's migrations, before the queue's schema
    slots = args.slots or config.distributed.slots
    return CrawlWorker(config, target, args.config, slots).run()

"""newsfold serve: the scheduled service in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from datetime import datetime

from rich.console import Console

from config.cron import zone
from config.loader import ConfigError
from crawler.commands import check_distributed, load, store_target
from crawler.exitcodes import EXIT_OK
from crawler.logs import service_logging
from crawler.service.schedule import schedule_table, scheduled_groups, unscheduled_warnings
from crawler.service.scheduler import CrawlService

logger = logging.getLogger("crawler.service.scheduler")


def serve(args: argparse.Namespace, console: Console) -> int:
    """Run the scheduled service until SIGTERM or SIGINT."""
    config = load(args)
    service_logging(config.crawl.log_format)
    groups, unscheduled = scheduled_groups(config)
    if not groups:
        raise ConfigError(
            "no source group has both a schedule (schedule.groups) and enabled sources; "
            "nothing to serve"
        )
    for warning in unscheduled_warnings(unscheduled):
        logger.warning(warning)
    target = store_target(args, config)
    check_distributed(config, target)
    service = CrawlService(config, target, args.config)
    service.check_store()
    previous = service.install_signal_handlers()
    try:
        service.start()
        now = datetime.now(zone(config.schedule.timezone))
        Console(soft_wrap=True).print(schedule_table(groups, now))
        sys.stdout.flush()
        service.wait()
    finally:
        service.shutdown()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    logger.info("stopped")
    return EXIT_OK

"""newsfold schedule: the source groups' schedules and next runs; starts nothing."""

from __future__ import annotations

import argparse
from datetime import datetime

from rich.console import Console

from config.cron import zone
from crawler.commands import load
from crawler.exitcodes import EXIT_OK
from crawler.service.schedule import schedule_table, scheduled_groups, warn_unscheduled


def schedule(args: argparse.Namespace, console: Console) -> int:
    """Print the schedule and the next fire times without starting anything."""
    config = load(args)
    groups, unscheduled = scheduled_groups(config)
    now = datetime.now(zone(config.schedule.timezone))
    Console(soft_wrap=True).print(schedule_table(groups, now, args.count))
    warn_unscheduled(console, unscheduled)
    return EXIT_OK

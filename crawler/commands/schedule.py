"""newsfold schedule: the source groups' schedules and next runs; starts nothing."""

from __future__ import annotations

import argparse
from datetime import datetime

from rich.console import Console

from config.cron import zone
from crawler.commands import load
from crawler.exitcodes import EXIT_OK
from crawler.service.schedule import schedule_table, scheduled_groups, unscheduled_warnings


def schedule(args: argparse.Namespace, console: Console) -> int:
    """Print the schedule and the next fire times without starting anything."""
    config = load(args)
    groups, unscheduled = scheduled_groups(config)
    now = datetime.now(zone(config.schedule.timezone))
    Console(soft_wrap=True).print(schedule_table(groups, now, args.count))
    for warning in unscheduled_warnings(unscheduled):
        console.print(warning, style="yellow", markup=False, highlight=False)
    return EXIT_OK

"""Source groups and their cron schedules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from rich.table import Table

from config.cron import OFF, crontab_trigger, next_fire_times, zone
from config.schema import NewsfoldConfig


@dataclass(frozen=True)
class Group:
    """A source group with its schedule."""

    name: str
    cron: str
    trigger: CronTrigger
    sources: list[str]


def scheduled_groups(config: NewsfoldConfig) -> tuple[list[Group], dict[str, list[str]]]:
    """The groups with a schedule and enabled sources, and the enabled sources left unscheduled."""
    tz = zone(config.schedule.timezone)
    members: dict[str, list[str]] = {}
    for name, source in config.enabled_sources().items():
        members.setdefault(source.group, []).append(name)
    crons = config.schedule.groups
    groups = [
        Group(name, cron, crontab_trigger(cron, tz), members[name])
        for name, cron in crons.items()
        if cron != OFF and members.get(name)
    ]
    unscheduled = {name: names for name, names in members.items() if crons.get(name, OFF) == OFF}
    return groups, unscheduled


def schedule_table(groups: list[Group], now: datetime, count: int = 3) -> Table:
    """Each group's cron expression, sources and next fire times."""
    table = Table(title=f"newsfold schedule ({now.tzinfo})")
    for column in ("group", "cron", "sources", "next runs"):
        table.add_column(column)
    for group in groups:
        times = next_fire_times(group.trigger, now, count)
        table.add_row(
            group.name,
            group.cron,
            str(len(group.sources)),
            "\n".join(time.isoformat(sep=" ") for time in times),
        )
    return table


def unscheduled_warnings(unscheduled: dict[str, list[str]]) -> list[str]:
    """A warning naming the enabled sources of each group the service will not crawl."""
    return [
        f"group {name!r} has no schedule in schedule.groups; its sources {sources} are crawled "
        "only by `newsfold run`"
        for name, sources in sorted(unscheduled.items())
    ]

"""Crontab expressions as APScheduler triggers, and their next fire times."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

OFF = "off"
FIELDS = ("minute", "hour", "day", "month", "day_of_week")
# Crontab numbers weekdays from Sunday (0, and 7 again); APScheduler 3.x from Monday.
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_trigger(expr: str, timezone: tzinfo | str = "UTC") -> CronTrigger:
    """A trigger from a 5-field crontab line, or 6 fields with seconds first."""
    parts = expr.split()
    if len(parts) not in (5, 6):
        raise ValueError(
            f"{expr!r} has {len(parts)} field(s); expected 5 (minute hour day month weekday) "
            "or 6 with seconds first"
        )
    names = FIELDS if len(parts) == 5 else ("second", *FIELDS)
    values = dict(zip(names, parts, strict=True))
    values.setdefault("second", "0")
    try:
        values["day_of_week"] = crontab_weekdays(values["day_of_week"])
        return CronTrigger(**values, timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"{expr!r} is not a valid cron expression: {exc}") from None


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field (0 or 7 = Sunday) as APScheduler weekday names."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            raise ValueError(f"weekday step {step!r} must be a positive number")
        first, _, end = base.partition("-")
        if base == "*":
            low, high = 0, 6
        else:
            low = _weekday(first)
            # A range ending on Sunday ends on 7: "fri-sun" is 5-7.
            high = (_weekday(end) or 7) if end else (6 if step else low)
        if high < low:
            raise ValueError(f"weekday range {base!r} runs backwards")
        days.update(day % 7 for day in range(low, high + 1, int(step or 1)))
    return ",".join(WEEKDAYS[day] for day in sorted(days))


def _weekday(token: str) -> int:
    """One crontab weekday: a number 0-7 or a name sun-sat."""
    token = token.strip()
    if token in WEEKDAYS:
        return WEEKDAYS.index(token)
    if token.isdigit() and int(token) <= 7:
        return int(token)
    raise ValueError(f"weekday {token!r} must be 0-7 (0 and 7 are Sunday) or sun-sat")


def zone(name: str) -> ZoneInfo:
    """An IANA time zone, or a ValueError that names it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'UTC' or 'Europe/Berlin'"
        ) from None


def next_fire_times(trigger: CronTrigger, now: datetime, count: int = 3) -> list[datetime]:
    """The next ``count`` fire times of a trigger at or after ``now``."""
    times: list[datetime] = []
    previous = None
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous, now = fire, fire + timedelta(microseconds=1)
    return times

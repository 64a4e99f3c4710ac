"""Timestamps as newsfold stores them: ISO 8601 in UTC, comparable as strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"


def utcnow() -> str:
    """Now, as a stored timestamp."""
    return datetime.now(UTC).strftime(FORMAT)


def parsed(stored: str) -> datetime:
    """A stored timestamp as an aware datetime."""
    return datetime.strptime(stored, FORMAT).replace(tzinfo=UTC)


def to_stored(value: str | datetime | None) -> str | None:
    """A datetime or ISO string as a stored UTC timestamp (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(FORMAT)


def shift(stored: str, days: float) -> str:
    """A stored timestamp moved by a number of days."""
    # fromisoformat reads the stored form several times faster than strptime; the story
    # search shifts twice an article.
    moved = datetime.fromisoformat(stored).astimezone(UTC) + timedelta(days=days)
    return moved.strftime(FORMAT)

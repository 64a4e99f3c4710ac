"""Sources by site: the unit a run locks and a queue worker polls, so per-site politeness holds."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from config.schema import SourceConfig


def site_of(url: str) -> str:
    """The site of a URL: its host, with the port when one is given."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}:{parts.port}" if parts.port else host


def sources_by_site(sources: Mapping[str, SourceConfig]) -> dict[str, list[str]]:
    """Each site with the names of its sources, both in sorted order."""
    found: dict[str, list[str]] = {}
    for name in sorted(sources):
        found.setdefault(site_of(str(sources[name].url)), []).append(name)
    return dict(sorted(found.items()))

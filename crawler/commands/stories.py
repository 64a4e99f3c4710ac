"""newsfold stories: the latest stories, a line each, filtered by site or search."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console

from crawler.commands import entity_filters, load, store_target
from crawler.exitcodes import EXIT_OK
from storage import open_storage
from storage.times import to_stored

LINE = "{:>6}  {:<16}  {:<22}  {:>7}  {:>8}  {:>6}  {:<36}  {:<22}  {}"
TOP = 3  # organisations and event types shown per story


def stories(args: argparse.Namespace, console: Console) -> int:
    """Print the latest stories, newest publication first."""
    config = load(args)
    org, event = entity_filters(args, config)
    storage = open_storage(store_target(args, config), create=False)
    try:
        since = to_stored(args.since) if args.since else None
        found = storage.story_summaries(since, args.site, args.search, args.limit, org, event)
    finally:
        storage.close()
    if args.format == "json":
        for story in found:
            sys.stdout.write(json.dumps(story, ensure_ascii=False, default=str) + "\n")
        return EXIT_OK
    Console(soft_wrap=True).print(story_table(found), markup=False, highlight=False)
    return EXIT_OK


def story_table(found: list[dict[str, Any]]) -> str:
    """One line per story: id, first publication, outlets, articles, sightings, headline."""
    if not found:
        return "no stories stored yet"
    header = LINE.format(
        "story",
        "first (UTC)",
        "first site",
        "outlets",
        "articles",
        "seen",
        "organisations",
        "events",
        "headline",
    )
    lines = [header]
    for s in found:
        when = (s["first_published"] or "")[:16].replace("T", " ")
        lines.append(
            LINE.format(
                s["story_id"],
                when,
                s["first_site"][:22],
                s["outlets"],
                s["articles"],
                s["sightings"],
                ", ".join(s["organisations"][:TOP])[:36],
                ", ".join(s["events"][:TOP])[:22],
                s["title"],
            )
        )
    return "\n".join(lines) + "\n(newsfold show STORY: the story's timeline)"

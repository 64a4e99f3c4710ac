"""newsfold show: one story's timeline, every sighting as original, copy or rewrite."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console

from crawler.commands import load, store_target
from crawler.exitcodes import EXIT_FAILED, EXIT_OK
from storage import open_storage
from storage.base import StoryView

LINE = "{:<16}  {:<24}  {:<32}  {}"


def timeline(story: StoryView) -> list[dict[str, Any]]:
    """Every sighting of the story in publication order, told apart.

    The story's first article is its original; a later article is a rewrite; any other sighting
    of an article is a copy of that article's original.
    """
    events = []
    for rank, article in enumerate(story.articles):
        for seen in article["sightings"]:
            original = seen["url"] == article["url"]
            if not original:
                role, of = "copy", article["site"]
            else:
                role, of = ("original" if rank == 0 else "rewrite"), None
            events.append(
                {
                    "when": seen["published"] or seen["first_seen"],
                    "published": seen["published"],
                    "first_seen": seen["first_seen"],
                    "site": seen["site"],
                    "title": seen["title"] or article["title"],
                    "url": seen["url"],
                    "role": role,
                    "copy_of": of,
                    "article_id": article["id"],
                }
            )
    return sorted(events, key=lambda e: (e["when"] or "", e["role"] != "original"))


def show(args: argparse.Namespace, console: Console) -> int:
    """Print a story's timeline; exit 1 when the store has no such story."""
    config = load(args)
    storage = open_storage(store_target(args, config), create=False)
    try:
        story = storage.story(args.story)
    finally:
        storage.close()
    if story is None:
        console.print(f"newsfold: no story {args.story} in the store", style="red", markup=False)
        return EXIT_FAILED
    events = timeline(story)
    if args.format == "json":
        record = {k: v for k, v in story.__dict__.items() if k != "articles"}
        sys.stdout.write(json.dumps({**record, "timeline": events}, ensure_ascii=False) + "\n")
        return EXIT_OK
    out = Console(soft_wrap=True)
    outlets = len({e["site"] for e in events})
    out.print(
        f"story {story.id}: {story.title}\n{len(story.articles)} article(s), {len(events)} "
        f"sighting(s), {outlets} outlet(s)",
        markup=False,
        highlight=False,
    )
    out.print(LINE.format("published (UTC)", "site", "role", "headline"), markup=False)
    for e in events:
        role = f"copy of {e['copy_of']}" if e["role"] == "copy" else e["role"]
        when = (e["when"] or "")[:16].replace("T", " ")
        out.print(
            LINE.format(when, e["site"][:24], role[:32], e["title"]), markup=False, highlight=False
        )
        out.print(f"{'':18}{e['url']}", style="dim", markup=False, highlight=False)
    return EXIT_OK

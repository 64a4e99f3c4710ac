"""newsfold stories: the latest stories with their articles and sightings."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from crawler.commands import load, store_target
from crawler.commands.tables import print_stories
from crawler.exitcodes import EXIT_OK
from storage import open_storage
from storage.times import to_stored


def stories(args: argparse.Namespace, console: Console) -> int:
    """Print the latest stories."""
    config = load(args)
    storage = open_storage(store_target(args, config), create=False)
    try:
        found = storage.stories(to_stored(args.since) if args.since else None, args.limit)
    finally:
        storage.close()
    if args.format == "json":
        for story in found:
            sys.stdout.write(json.dumps(story.__dict__, ensure_ascii=False) + "\n")
    else:
        print_stories(Console(soft_wrap=True), found)
    return EXIT_OK

"""newsfold search: full-text search over the stored articles."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from config.loader import ConfigError
from crawler.commands import entity_filters, load, store_target
from crawler.exitcodes import EXIT_OK
from storage import open_storage
from storage.times import to_stored


def search(args: argparse.Namespace, console: Console) -> int:
    """Print the articles matching the query, best first, with their story and first publisher."""
    if not args.query.strip():
        raise ConfigError("search needs a query, e.g. newsfold search 'Nvidia H100'")
    if args.limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {args.limit}")
    config = load(args)
    org, event = entity_filters(args, config)
    storage = open_storage(store_target(args, config), create=False)
    try:
        since = to_stored(args.since) if args.since else None
        hits = storage.search(args.query, since, args.site, args.limit, org, event)
    finally:
        storage.close()
    if args.format == "json":
        for hit in hits:
            sys.stdout.write(json.dumps(hit, ensure_ascii=False, default=str) + "\n")
        return EXIT_OK
    out = Console(soft_wrap=True)
    if not hits:
        out.print(f"no article matches {args.query!r}", markup=False, highlight=False)
    for hit in hits:
        when = (hit["first_published"] or hit["fetched"] or "")[:16].replace("T", " ")
        copies = hit["sightings"] - 1
        seen = f", +{copies} cop{'y' if copies == 1 else 'ies'}" if copies > 0 else ""
        out.print(f"{hit['title']}", style="bold", markup=False, highlight=False)
        out.print(
            f"  first: {hit['first_site']} {when}{seen}; story {hit['story_id']}: "
            f"{hit['story_title']}",
            markup=False,
            highlight=False,
        )
        out.print(f"  {hit['url']}", style="dim", markup=False, highlight=False)
        snippet = " ".join(str(hit["snippet"] or "").split())
        out.print(f"  {snippet}", markup=False, highlight=False)
    return EXIT_OK

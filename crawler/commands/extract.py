"""newsfold extract: extract and clean local HTML files as a crawl does."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console

from config.loader import ConfigError
from crawler.commands import load
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK

if TYPE_CHECKING:
    from pipelines.extraction.extractor import Extractor, Page


def extract(args: argparse.Namespace, console: Console) -> int:
    """Extract and clean local pages; one JSON object (or text block) per page."""
    # Two passes: every page is extracted and each site's pages teach the learner its
    # template; then each page is cleaned and printed, in input order.
    from pipelines.cleaning.cleaner import Cleaner, clean_together, site_learner
    from pipelines.extraction.extractor import Extractor

    pages = list(_pages(args))
    if not pages:
        console.print("[red]newsfold extract: give PATH arguments or --manifest[/red]")
        return EXIT_CONFIG
    config = load(args)
    extractor = Extractor(
        config.crawl.max_page_bytes,
        frozenset(config.clean.disabled_rules),
        config.crawl.guard_xpath,
    )
    learner = site_learner(config.clean)
    cleaner = Cleaner(config.clean, learner)
    extracted = [_extract_page(extractor, path, url) for path, url in pages]
    found = [page for _, page in extracted if page is not None]
    cleaned = iter(clean_together(found, learner, cleaner))
    for out, page in extracted:
        if page is not None:
            done = next(cleaned)
            out |= {**page.to_dict(), "url": out["url"], "text": done.text}
            out["removals"] = page.removals + done.removals
        _write_page(sys.stdout, out, args.format)
    return EXIT_OK


def _extract_page(extractor: Extractor, path: str, url: str) -> tuple[dict[str, Any], Page | None]:
    """The output record of one page and its extraction (None, with an error, on failure)."""
    from pipelines.extraction.extractor import ExtractionError

    out: dict[str, Any] = {"path": path, "url": url}
    try:
        return out, extractor.extract(_read_page(path), url)
    except (ExtractionError, OSError, gzip.BadGzipFile, EOFError) as exc:
        out |= {"error": str(exc), "text": ""}
        return out, None


def _pages(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """(path, url) pairs from the arguments and the manifest."""
    if args.url and len(args.paths) != 1:
        raise ConfigError("--url goes with exactly one PATH")
    for path in args.paths:
        yield path, args.url or Path(path).resolve().as_uri()
    if args.manifest:
        for number, line in enumerate(
            Path(args.manifest).read_text(encoding="utf-8").splitlines(), 1
        ):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                yield entry["path"], entry.get("url") or Path(entry["path"]).resolve().as_uri()
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{args.manifest}:{number}: bad manifest line ({exc})") from None


def _read_page(path: str) -> bytes:
    """A page's bytes, gunzipped when the name ends in .gz."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if path.endswith(".gz") else data


def _write_page(out: TextIO, page: dict[str, Any], fmt: str) -> None:
    """One page as a JSON line or a readable text block."""
    if fmt == "jsonl":
        out.write(json.dumps(page, ensure_ascii=False) + "\n")
        return
    out.write(f"==> {page['path']} <==\n")
    if page.get("error"):
        out.write(f"error: {page['error']}\n\n")
        return
    out.write(
        f"{page.get('title', '')}\n{', '.join(page.get('authors', []))} {page.get('published') or ''}\n\n"
    )
    out.write(f"{page['text']}\n\n")

"""What each newsfold command does."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from rich.console import Console

from config.loader import ConfigError
from crawler.cli import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, load, store_target
from crawler.report import print_stories, summary_table
from storage import open_storage
from storage.times import to_stored, utcnow

if TYPE_CHECKING:
    from pipelines.extract import Extractor, Page


def demo(args: argparse.Namespace, console: Console) -> int:
    """Serve the fixture sites on 127.0.0.1 and crawl them into a SQLite file."""
    from crawler.demo import DemoSites
    from crawler.runner import run_crawl

    with DemoSites() as sites:
        config = load(args)
        demo_sources = {
            name: {**spec, "group": "demo", "max_articles": 50}
            for name, spec in sites.sources.items()
        }
        config = config.model_validate(
            {
                **config.model_dump(mode="json"),
                "sources": demo_sources,
                "crawl": {
                    **config.crawl.model_dump(),
                    "download_delay": 0.0,
                    # The fixture publishers listen on loopback, which the address guard refuses.
                    "allow_networks": ["127.0.0.0/8"],
                },
            }
        )
        console.print(
            f"serving {len(demo_sources)} fixture publishers on 127.0.0.1; crawling into {args.db}"
        )
        storage = open_storage(args.db)
        try:
            summary = run_crawl(config, storage, progress=not args.no_progress)
            Console().print(summary_table(summary.counts, f"newsfold demo (run {summary.run_id})"))
            Console().print(f"stories: newsfold stories --db {args.db}")
        finally:
            storage.close()
    return EXIT_OK if summary.status == "completed" else EXIT_FAILED


def run(args: argparse.Namespace, console: Console) -> int:
    """Crawl the configured sources once."""
    from crawler.runner import run_crawl

    config = load(args)
    unknown = sorted(set(args.source or []) - set(config.sources))
    if unknown:
        raise ConfigError(f"unknown source(s) {unknown}; configured: {sorted(config.sources)}")
    storage = open_storage(store_target(args, config))
    try:
        summary = run_crawl(config, storage, args.source, progress=not args.no_progress)
    finally:
        storage.close()
    Console().print(
        summary_table(summary.counts, f"newsfold run {summary.run_id}: {summary.status}")
    )
    if summary.status != "completed":
        console.print(
            f"run {summary.run_id} {summary.status}: {summary.message}", style="red", markup=False
        )
        return EXIT_FAILED
    return EXIT_OK


def extract(args: argparse.Namespace, console: Console) -> int:
    """Extract and clean local pages; one JSON object (or text block) per page."""
    # Two passes: every page is extracted and each site's pages teach the learner its
    # template; then each page is cleaned and printed, in input order.
    from pipelines.clean import Cleaner, clean_together, site_learner
    from pipelines.extract import Extractor

    pages = list(_pages(args))
    if not pages:
        console.print("[red]newsfold extract: give PATH arguments or --manifest[/red]")
        return EXIT_CONFIG
    config = load(args)
    extractor = Extractor(config.crawl.max_page_bytes, frozenset(config.clean.disabled_rules))
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
    from pipelines.extract import ExtractionError

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


def fold(args: argparse.Namespace, console: Console) -> int:
    """Fold JSONL texts with the crawler's own folding; write each line with its clusters."""
    from pipelines.fold import Folder
    from pipelines.store import Batcher
    from storage.base import ArticleRecord, Sighting

    config = load(args)
    folder = Folder(config.fold)
    storage = open_storage(":memory:")
    batcher = Batcher(storage, config.crawl.commit_items, config.crawl.commit_seconds)
    docs, skipped = [], {}
    for number, doc in _fold_inputs(args.input, console):
        text, doc_id = str(doc.get("text") or ""), str(doc["id"])
        fp = folder.fingerprinter.fingerprint(text, str(doc.get("title") or ""))
        docs.append(doc)
        if fp.word_count == 0:
            skipped[doc_id] = "empty text"
            continue
        url = str(doc.get("url") or f"urn:newsfold:{doc_id}")
        published = to_stored(doc.get("published"))
        now = utcnow()
        record = ArticleRecord(
            url=url,
            site=urlsplit(url).netloc,
            title=str(doc.get("title") or ""),
            text=text,
            fetched=now,
            published=published,
        )
        sighting = Sighting(
            url=url,
            site=record.site,
            seen_at=now,
            doc_id=doc_id,
            title=record.title,
            published=published,
            content_hash=fp.content_hash,
            word_count=fp.word_count,
        )
        try:
            batcher.ingest(folder, record, sighting, fp)
        except Exception as exc:  # one bad document must not stop the others
            skipped[doc_id] = f"line {number}: {type(exc).__name__}: {exc}"
    batcher.commit()
    assigned = {doc: (art, orig, story) for doc, art, orig, story in storage.doc_assignments()}
    storage.close()
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        for doc in docs:
            doc_id = str(doc["id"])
            art, orig, story = assigned.get(doc_id, (None, None, None))
            extra = {
                "copy_cluster": art,
                "copy_of": orig if orig != doc_id else None,
                "story": story,
            }
            if doc_id in skipped:
                extra["skipped"] = skipped[doc_id]
            out.write(json.dumps({**doc, **extra}, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return EXIT_OK


def _fold_inputs(path: str, console: Console) -> Iterator[tuple[int, dict[str, Any]]]:
    """Input documents with their line numbers; bad lines are reported and skipped."""
    seen: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                if not isinstance(doc, dict) or "id" not in doc:
                    raise ValueError("needs an object with an 'id'")
            except ValueError as exc:
                console.print(f"{path}:{number}: skipped: {exc}", style="yellow", markup=False)
                continue
            if str(doc["id"]) in seen:
                console.print(
                    f"{path}:{number}: skipped: duplicate id {doc['id']!r}",
                    style="yellow",
                    markup=False,
                )
                continue
            seen.add(str(doc["id"]))
            yield number, doc


def stories(args: argparse.Namespace, console: Console) -> int:
    """Print the latest stories."""
    config = load(args)
    storage = open_storage(store_target(args, config))
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

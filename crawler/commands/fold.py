"""newsfold fold: fold already-extracted texts with the crawl's own folding."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from rich.console import Console

from crawler.commands import load
from crawler.exitcodes import EXIT_OK
from storage import open_storage
from storage.times import to_stored, utcnow


def fold(args: argparse.Namespace, console: Console) -> int:
    """Fold JSONL texts with the crawler's own folding; write each line with its clusters."""
    from pipelines.extraction.page import Page
    from pipelines.folding.batches import Batcher
    from pipelines.folding.folder import Folder
    from pipelines.folding.records import build_records

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
        page = Page(
            url=url,
            text=text,
            title=str(doc.get("title") or ""),
            published=to_stored(doc.get("published")),
            canonical_url=doc.get("canonical_url") or None,
        )
        record, sighting = build_records(url, page, fp, utcnow(), doc_id=doc_id)
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

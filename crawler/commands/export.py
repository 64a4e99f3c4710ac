"""newsfold export: one row per folded article, as JSONL, CSV or Parquet, incrementally."""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from rich.console import Console

from config.loader import ConfigError
from crawler.commands import load, store_target
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from storage import open_storage
from storage.base import Storage

FIELDS = (
    "article_id",
    "url",
    "site",
    "title",
    "authors",
    "published",
    "modified",
    "fetched",
    "language",
    "text",
    "relevance",
    "removals",
    "notes",
    "story_id",
    "copy_count",
    "sightings",
    "merged_ids",
)
JSON_FIELDS = frozenset({"authors", "removals", "notes", "sightings", "merged_ids"})
CURSOR_PREFIX = "nfx1."
STORE_ID = re.compile(r"[0-9a-f]{32}")
BATCH_ROWS = 1000

Writer = Callable[[Path, Iterable[dict[str, Any]]], None]


class ExportError(ConfigError):
    """The export cannot start: a bad cursor or an output path that must not be overwritten."""


class Tally:
    """Counts exported rows and remembers the newest change number among them."""

    def __init__(self, after: int) -> None:
        self.change = after
        self.rows = 0

    def track(self, changes: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
        """The rows of (change number, row) pairs, counted as they pass."""
        for change, row in changes:
            self.change = max(self.change, change)
            self.rows += 1
            yield row


def export(args: argparse.Namespace, console: Console) -> int:
    """Write the articles changed since the cursor; print the cursor for the next export."""
    config = load(args)
    target, output = store_target(args, config), Path(args.output)
    check_output(output, args.force, target)
    fmt = output_format(output, args.format)
    try:
        writer = writer_for(fmt)
    except ImportError as exc:
        console.print(f"newsfold export: {exc}", style="red", markup=False, highlight=False)
        return EXIT_CONFIG
    storage = open_storage(target, create=False)
    try:
        after = read_cursor(args.since, storage) if args.since else 0
        tally, changes = Tally(after), storage.changed_articles(after)
        try:
            write_atomically(output, writer, tally.track(changes))
        finally:
            changes.close()  # ends the read snapshot before the connection closes
        cursor = make_cursor(storage.store_id(), tally.change)
    finally:
        storage.close()
    sys.stdout.write(cursor + "\n")
    console.print(
        f"exported {tally.rows} articles to {output} ({fmt}); "
        f"next time: newsfold export --since {cursor}",
        markup=False,
        highlight=False,
    )
    return EXIT_OK


def check_output(output: Path, force: bool, store: str) -> None:
    """Refuse an output that exists (unless forced), whose folder does not, or that is the store."""
    path = store.removeprefix("sqlite:///")
    if "://" not in path and Path(path).resolve() == output.resolve():
        raise ExportError(f"--output {output} is the store itself; name another file")
    if output.is_dir():
        raise ExportError(f"--output {output} is a folder; name a file")
    if output.exists() and not force:
        raise ExportError(f"--output {output} exists; pass --force to replace it")
    if not output.resolve().parent.is_dir():
        raise ExportError(f"--output {output}: folder {output.resolve().parent} does not exist")


def output_format(output: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file name's extension names; never both unlike."""
    named = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
    by_name = named.get(output.suffix.lower())
    if fmt and by_name and fmt != by_name:
        raise ExportError(
            f"--format {fmt} does not match the file name {output.name}; "
            f"name the file .{fmt} or leave --format out"
        )
    return fmt or by_name or "jsonl"


def writer_for(fmt: str) -> Writer:
    """The writer of a format; Parquet needs pyarrow."""
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError(
                "newsfold export --format parquet needs pyarrow: pip install 'newsfold[parquet]'"
            ) from None
    writers: dict[str, Writer] = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}; known: {sorted(writers)}")
    return writers[fmt]


def write_atomically(output: Path, writer: Writer, rows: Iterable[dict[str, Any]]) -> None:
    """Write beside the output and rename at the end, so a failed export leaves no file."""
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        writer(partial, rows)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def make_cursor(store_id: str, change: int) -> str:
    """An opaque cursor: the store's identity and the last change number exported."""
    raw = f"{store_id}:{change}".encode("ascii")
    return CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_cursor(cursor: str) -> tuple[str, int]:
    """The store identity and change number of a cursor, or ExportError."""
    malformed = ExportError(
        f"--since {cursor!r} is not a newsfold export cursor; pass the exact line a previous "
        "newsfold export printed, or leave --since out for a full export"
    )
    if not cursor.startswith(CURSOR_PREFIX):
        raise malformed
    body = cursor[len(CURSOR_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("ascii")
        store_id, _, change = raw.partition(":")
        number = int(change)
    except ValueError:  # bad base64, bad text, or no number
        raise malformed from None
    if not STORE_ID.fullmatch(store_id) or number < 0:
        raise malformed
    return store_id, number


def read_cursor(cursor: str, storage: Storage) -> int:
    """The change number to export after, checked against the store it must come from."""
    store_id, change = parse_cursor(cursor)
    if store_id != storage.store_id():
        raise ExportError(
            f"--since {cursor!r} comes from another store (id {store_id}); this store's id is "
            f"{storage.store_id()}: leave --since out for a full export of this store"
        )
    if change > storage.last_change():
        raise ExportError(
            f"--since {cursor!r} is ahead of this store (change {change}, store at "
            f"{storage.last_change()}); was the store restored from a backup? Leave --since "
            "out for a full export"
        )
    return change


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line."""
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """A header row, then one row per article; list fields are JSON strings."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    key: json.dumps(value, ensure_ascii=False) if key in JSON_FIELDS else value
                    for key, value in row.items()
                }
            )


def write_parquet(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """A Parquet file written in row groups of BATCH_ROWS, with nested lists typed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    iterator = iter(rows)
    with pq.ParquetWriter(path, schema) as writer:
        while batch := list(islice(iterator, BATCH_ROWS)):
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))


def parquet_schema() -> Any:
    """The export's Parquet schema; timestamps stay ISO 8601 UTC strings, as stored."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [
            ("article_id", pa.int64()),
            ("url", text),
            ("site", text),
            ("title", text),
            ("authors", pa.list_(text)),
            ("published", text),
            ("modified", text),
            ("fetched", text),
            ("language", text),
            ("text", text),
            ("relevance", pa.float64()),
            ("removals", pa.list_(pa.struct([("rule", text), ("text", text)]))),
            ("notes", pa.list_(text)),
            ("story_id", pa.int64()),
            ("copy_count", pa.int64()),
            ("sightings", pa.list_(pa.struct([("url", text), ("site", text), ("seen", text)]))),
            ("merged_ids", pa.list_(pa.int64())),
        ]
    )

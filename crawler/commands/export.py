"""newsfold export: articles or stories as JSONL, CSV or Parquet, incrementally."""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console

from config.loader import ConfigError
from crawler.commands import load, store_target
from crawler.commands.export_formats import TABLES, WRITERS, Writer, write_dataset
from crawler.exitcodes import EXIT_CONFIG, EXIT_OK
from storage import open_storage
from storage.base import Storage

CURSOR_PREFIX = "nfx1."
STORE_ID = re.compile(r"[0-9a-f]{32}")
# What a partitioned export folder may hold, so --force never removes anything else.
PARTITION = re.compile(r"day=\d{4}-\d{2}-\d{2}")

Write = Callable[[Path, Iterable[dict[str, Any]]], None]


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
    """Write the rows changed since the cursor; print the cursor for the next export."""
    config = load(args)
    target, output = store_target(args, config), Path(args.output)
    table, partitioned = TABLES[args.table], args.partition_by is not None
    fmt = output_format(output, args.format, partitioned)
    check_output(output, args.force, target, partitioned)
    try:
        writer = writer_for(fmt, partitioned)
    except ImportError as exc:
        console.print(f"newsfold export: {exc}", style="red", markup=False, highlight=False)
        return EXIT_CONFIG
    storage = open_storage(target, create=False)
    try:
        after = read_cursor(args.since, storage) if args.since else 0
        tally, changes = Tally(after), table.read(storage, after)
        try:
            write_atomically(output, partial(writer, table), tally.track(changes))
        finally:
            changes.close()  # ends the read snapshot before the connection closes
        cursor = make_cursor(storage.store_id(), tally.change)
    finally:
        storage.close()
    sys.stdout.write(cursor + "\n")
    layout = f"{fmt}, partitioned by day" if partitioned else fmt
    console.print(
        f"exported {tally.rows} {table.name} to {output} ({layout}); "
        f"next time: newsfold export --since {cursor}",
        markup=False,
        highlight=False,
    )
    return EXIT_OK


def check_output(output: Path, force: bool, store: str, partitioned: bool = False) -> None:
    """Refuse an output that exists (unless forced), whose folder does not, or that is the store."""
    path = store.removeprefix("sqlite:///")
    if "://" not in path and Path(path).resolve() == output.resolve():
        raise ExportError(f"--output {output} is the store itself; name another file")
    if output.is_dir() and not partitioned:
        raise ExportError(f"--output {output} is a folder; name a file")
    if output.exists() and partitioned and not is_dataset(output):
        raise ExportError(
            f"--output {output} exists and is not a partitioned export; name a new folder"
        )
    if output.exists() and not force:
        raise ExportError(f"--output {output} exists; pass --force to replace it")
    if not output.resolve().parent.is_dir():
        raise ExportError(f"--output {output}: folder {output.resolve().parent} does not exist")


def is_dataset(path: Path) -> bool:
    """Whether a path is a folder holding nothing but ``day=YYYY-MM-DD`` partitions."""
    return path.is_dir() and all(
        PARTITION.fullmatch(entry.name) and entry.is_dir() for entry in path.iterdir()
    )


def output_format(output: Path, fmt: str | None, partitioned: bool = False) -> str:
    """The format asked for, else the one the file name's extension names; never both unlike."""
    named = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
    by_name = named.get(output.suffix.lower())
    if partitioned:
        if fmt not in (None, "parquet"):
            raise ExportError(f"--partition-by writes Parquet; --format {fmt} has no partitions")
        if by_name not in (None, "parquet"):
            raise ExportError(
                f"--partition-by writes a folder of Parquet files; name it without "
                f"{output.suffix} (--output {output})"
            )
        return "parquet"
    if fmt and by_name and fmt != by_name:
        raise ExportError(
            f"--format {fmt} does not match the file name {output.name}; "
            f"name the file .{fmt} or leave --format out"
        )
    return fmt or by_name or "jsonl"


def writer_for(fmt: str, partitioned: bool = False) -> Writer:
    """The writer of a format; Parquet needs pyarrow."""
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError(
                "newsfold export --format parquet needs pyarrow: pip install 'newsfold[parquet]'"
            ) from None
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; known: {sorted(WRITERS)}")
    return write_dataset if partitioned else WRITERS[fmt]


def write_atomically(output: Path, writer: Write, rows: Iterable[dict[str, Any]]) -> None:
    """Write beside the output and rename at the end, so a failed export leaves nothing."""
    pending = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        writer(pending, rows)
        if output.is_dir():  # a partitioned export being replaced (--force, checked a dataset)
            shutil.rmtree(output)
        os.replace(pending, output)
    finally:
        if pending.is_dir():
            shutil.rmtree(pending)
        pending.unlink(missing_ok=True)


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

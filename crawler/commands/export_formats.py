"""The export's two tables (their fields and Parquet types) and the formats they are written in."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from storage.base import Storage

BATCH_ROWS = 1000

Rows = Generator[tuple[int, dict[str, Any]], None, None]


@dataclass(frozen=True)
class ExportTable:
    """One table an export can write: its row fields, where rows come from, its Parquet types."""

    name: str
    fields: tuple[str, ...]
    nested: frozenset[str]  # lists and structs: JSON strings in CSV
    read: Callable[[Storage, int], Rows]
    parquet: Callable[[], Any]  # the pyarrow schema, built only when Parquet is written


def articles_schema() -> Any:
    """Parquet types of the articles table: timestamps in UTC, sightings as a list of structs."""
    import pyarrow as pa

    text, time = pa.string(), pa.timestamp("us", tz="UTC")
    sighting = pa.struct(
        [
            ("url", text),
            ("site", text),
            ("title", text),
            ("published", time),
            ("seen", time),
            ("copy_of", text),
        ]
    )
    return pa.schema(
        [
            ("article_id", pa.int64()),
            ("url", text),
            ("site", text),
            ("title", text),
            ("authors", pa.list_(text)),
            ("published", time),
            ("modified", time),
            ("fetched", time),
            ("language", text),
            ("description", text),
            ("tags", pa.list_(text)),
            ("image", text),
            ("text", text),
            ("relevance", pa.float64()),
            ("relevance_terms", pa.list_(text)),
            ("removals", pa.list_(pa.struct([("rule", text), ("text", text)]))),
            ("notes", pa.list_(text)),
            ("story_id", pa.int64()),
            ("first_published", time),
            ("first_site", text),
            ("day", pa.date32()),
            ("copy_count", pa.int64()),
            ("sightings", pa.list_(sighting)),
            ("merged_ids", pa.list_(pa.int64())),
            *entity_fields(),
        ]
    )


def entity_fields() -> list[tuple[str, Any]]:
    """Parquet types of an article's organisations, amounts and events."""
    import pyarrow as pa

    text = pa.string()
    organisation = [
        ("name", text),
        ("kind", text),
        ("listed", pa.bool_()),
        ("mentions", pa.int64()),
    ]
    amount = [
        ("kind", text),
        ("value", pa.float64()),
        ("currency", text),
        ("chip", text),
        ("text", text),
    ]
    event = [("type", text), ("trigger", text), ("sentence", text)]
    return [
        ("organisations", pa.list_(pa.struct(organisation))),
        ("amounts", pa.list_(pa.struct(amount))),
        ("events", pa.list_(pa.struct(event))),
    ]


def stories_schema() -> Any:
    """Parquet types of the stories table."""
    import pyarrow as pa

    time = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("story_id", pa.int64()),
            ("title", pa.string()),
            ("first_published", time),
            ("last_published", time),
            ("first_site", pa.string()),
            ("outlets", pa.int64()),
            ("articles", pa.int64()),
            ("sightings", pa.int64()),
            ("day", pa.date32()),
            ("merged_ids", pa.list_(pa.int64())),
            ("organisations", pa.list_(pa.string())),
            ("events", pa.list_(pa.string())),
        ]
    )


ARTICLES = ExportTable(
    "articles",
    (
        "article_id",
        "url",
        "site",
        "title",
        "authors",
        "published",
        "modified",
        "fetched",
        "language",
        "description",
        "tags",
        "image",
        "text",
        "relevance",
        "relevance_terms",
        "removals",
        "notes",
        "story_id",
        "first_published",
        "first_site",
        "day",
        "copy_count",
        "sightings",
        "merged_ids",
        "organisations",
        "amounts",
        "events",
    ),
    frozenset(
        {
            "authors",
            "tags",
            "relevance_terms",
            "removals",
            "notes",
            "sightings",
            "merged_ids",
            "organisations",
            "amounts",
            "events",
        }
    ),
    lambda storage, after: storage.changed_articles(after),
    articles_schema,
)
STORIES = ExportTable(
    "stories",
    (
        "story_id",
        "title",
        "first_published",
        "last_published",
        "first_site",
        "outlets",
        "articles",
        "sightings",
        "day",
        "merged_ids",
        "organisations",
        "events",
    ),
    frozenset({"merged_ids", "organisations", "events"}),
    lambda storage, after: storage.changed_stories(after),
    stories_schema,
)
TABLES = {table.name: table for table in (ARTICLES, STORIES)}

Writer = Callable[[ExportTable, Path, Iterable[dict[str, Any]]], None]


def write_jsonl(table: ExportTable, path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line; times are ISO 8601 UTC strings."""
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(table: ExportTable, path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """A header row, then one row per record; lists and structs are JSON strings."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=table.fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    key: json.dumps(value, ensure_ascii=False) if key in table.nested else value
                    for key, value in row.items()
                }
            )


def write_parquet(table: ExportTable, path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """A Parquet file written in row groups of BATCH_ROWS."""
    import pyarrow.parquet as pq

    schema = table.parquet()
    with pq.ParquetWriter(path, schema) as writer:
        for batch in record_batches(schema, rows):
            writer.write_batch(batch)


def write_dataset(table: ExportTable, path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """A Hive-partitioned Parquet dataset: one ``day=YYYY-MM-DD`` folder per day."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    # Arrow pulls a Python iterator from a thread of its own, and a store's connection serves
    # the thread that opened it: the rows are staged in one file first, which Arrow then splits.
    path.mkdir()
    staged = path / ".rows.parquet"
    write_parquet(table, staged, rows)
    ds.write_dataset(
        ds.dataset(str(staged), format="parquet"),
        str(path),
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("day", pa.date32())]), flavor="hive"),
        basename_template="part-{i}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        use_threads=False,  # keeps each file's rows in export order
    )
    staged.unlink()


def record_batches(schema: Any, rows: Iterable[dict[str, Any]]) -> Iterable[Any]:
    """Rows as Arrow record batches of BATCH_ROWS, stored times turned into typed values."""
    import pyarrow as pa

    typed = [field for field in schema if holds_time(field.type)]
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_ROWS)):
        for row in batch:
            for field in typed:
                row[field.name] = to_arrow(row[field.name], field.type)
        yield pa.RecordBatch.from_pylist(batch, schema=schema)


def holds_time(kind: Any) -> bool:
    """Whether an Arrow type is, or nests, a timestamp or a date."""
    import pyarrow as pa

    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return True
    if pa.types.is_list(kind):
        return holds_time(kind.value_type)
    if pa.types.is_struct(kind):
        return any(holds_time(kind.field(i).type) for i in range(kind.num_fields))
    return False


def to_arrow(value: Any, kind: Any) -> Any:
    """A stored value as Arrow takes it for its type: ISO 8601 text becomes a datetime or date."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_timestamp(kind):
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if pa.types.is_date(kind):
        return date.fromisoformat(value)
    if pa.types.is_list(kind):
        return [to_arrow(item, kind.value_type) for item in value]
    if pa.types.is_struct(kind):
        fields = [kind.field(i) for i in range(kind.num_fields)]
        return {f.name: to_arrow(value.get(f.name), f.type) for f in fields}
    return value


WRITERS: dict[str, Writer] = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}

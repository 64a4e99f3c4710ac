"""newsfold export on both backends: formats, incremental cursors, refusals."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.records import Doc, synthetic_corpus, to_record
from config.schema import FoldConfig
from crawler.cli import main
from crawler.commands.export import make_cursor, parse_cursor
from crawler.commands.export_formats import ARTICLES, TABLES
from pipelines.folding.batches import ingest
from pipelines.folding.folder import Folder, FoldResult
from storage.sql import SQLStorage

FIELDS = ARTICLES.fields
SIGHTING_FIELDS = {"url", "site", "title", "published", "seen", "copy_of"}


def put(storage: SQLStorage, folder: Folder, doc: Doc) -> FoldResult:
    fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
    record, sighting = to_record(doc, fp)
    return ingest(storage, folder, record, sighting, fp)


def export(
    capsys: pytest.CaptureFixture[str], db: str, output: Path, *extra: str
) -> tuple[int, str, str]:
    """Run ``newsfold export``; return its exit code, stdout and stderr."""
    code = main(["export", "--db", db, "--output", str(output), *extra])
    out, err = capsys.readouterr()
    return code, out.strip(), err


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_full_export_has_one_row_per_article(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = synthetic_corpus(40)
    folder = Folder(FoldConfig())
    for doc in docs:
        put(store, folder, doc)
    code, cursor, err = export(capsys, store_url, tmp_path / "all.jsonl")
    assert code == 0, err
    rows = read_jsonl(tmp_path / "all.jsonl")
    assert len(rows) == store.count("articles") and f"exported {len(rows)} articles" in err
    assert all(tuple(row) == FIELDS for row in rows)
    assert sum(len(r["sightings"]) for r in rows) == len(docs)
    assert sum(r["copy_count"] for r in rows) == sum(1 for d in docs if d.copy_of)
    stories = {art: story for _, art, _, story in store.doc_assignments()}
    assert all(r["story_id"] == stories[r["article_id"]] for r in rows)
    assert all(set(s) == SIGHTING_FIELDS for r in rows for s in r["sightings"])
    assert parse_cursor(cursor) == (store.store_id(), store.last_change())


def test_incremental_exports_never_miss_or_repeat(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two rows per band: a text bridging two articles is certain to find both and merge them.
    folder = Folder(FoldConfig(bands=64))
    docs = [d for d in synthetic_corpus(60) if d.copy_of is None]
    batches = [
        docs[:20],
        [*docs[20:30], Doc("copy-a", docs[3].title, "(AP) — " + docs[3].text, docs[3].published)],
        [Doc("bridge", "digest", f"{docs[5].text} {docs[6].text}", docs[6].published)],
        [],
        [Doc(docs[8].doc_id, docs[8].title, docs[8].text + " Corrected.", docs[8].published)],
        docs[30:],
    ]
    downstream: dict[int, dict[str, Any]] = {}
    cursor, exported = None, []
    for number, batch in enumerate(batches):
        for doc in batch:
            put(store, folder, doc)
        output = tmp_path / f"batch{number}.jsonl"
        code, cursor, err = export(
            capsys, store_url, output, *(["--since", cursor] if cursor else [])
        )
        assert code == 0, err
        rows = read_jsonl(output)
        exported.append(len(rows))
        for row in rows:
            for gone in row["merged_ids"]:
                downstream.pop(gone, None)
            downstream[row["article_id"]] = row
    code, _, err = export(capsys, store_url, tmp_path / "full.jsonl")
    assert code == 0, err
    full = {row["article_id"]: row for row in read_jsonl(tmp_path / "full.jsonl")}
    assert downstream == full
    assert exported[0] == 20 and exported[3] == 0
    assert exported[1] == 11  # ten new articles and the one with a new sighting
    assert 1 <= exported[2] < len(full)  # the merged article, and any whose story merged
    assert exported[4] == 1  # the revised original
    merged = next(r for r in full.values() if r["merged_ids"])
    assert len(merged["sightings"]) == 3


def test_incremental_story_exports_follow_their_articles(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same history as above, loaded into a downstream stories table by upserting on
    # story_id and deleting the stories each row says it absorbed.
    folder = Folder(FoldConfig(bands=64))
    docs = [d for d in synthetic_corpus(60) if d.copy_of is None]
    batches = [
        docs[:20],
        [Doc("copy-a", docs[3].title, "(AP) — " + docs[3].text, docs[3].published)],
        [Doc("bridge", "digest", f"{docs[5].text} {docs[6].text}", docs[6].published)],
        [],
        docs[20:],
    ]
    downstream: dict[int, dict[str, Any]] = {}
    cursor, exported = None, []
    for number, batch in enumerate(batches):
        for doc in batch:
            put(store, folder, doc)
        output = tmp_path / f"stories{number}.jsonl"
        since = ["--since", cursor] if cursor else []
        code, cursor, err = export(capsys, store_url, output, "--table", "stories", *since)
        assert code == 0, err
        rows = read_jsonl(output)
        exported.append({row["story_id"] for row in rows})
        for row in rows:
            for gone in row["merged_ids"]:
                downstream.pop(gone, None)
            downstream[row["story_id"]] = row
    code, _, err = export(capsys, store_url, tmp_path / "all.jsonl", "--table", "stories")
    assert code == 0, err
    full = {row["story_id"]: row for row in read_jsonl(tmp_path / "all.jsonl")}
    assert downstream == full
    assert sorted(full) == sorted({story for *_, story in store.doc_assignments()})
    copied = {story for _, art, _, story in store.doc_assignments() if art == 4}
    assert exported[1] == copied  # only the story whose article gained a copy
    assert exported[3] == set()
    assert any(row["merged_ids"] for row in full.values())  # the bridge merged two stories
    assert sum(row["sightings"] for row in full.values()) == len(list(store.doc_assignments()))
    assert sum(row["articles"] for row in full.values()) == store.count("articles")


def test_rows_carry_each_sighting_and_the_page_metadata(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Folder(FoldConfig())
    doc = synthetic_corpus(1)[0]
    fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
    record, sighting = to_record(doc, fp)
    record.description, record.tags, record.image = (
        "The lead.",
        ["Chips", "Helix"],
        "https://i/1.png",
    )
    record.relevance, record.relevance_terms = 4.0, ["inference", "chips"]
    ingest(store, folder, record, sighting, fp)
    # The same text from a wire two hours earlier: the wire becomes the elected original.
    early = Doc("wire", "Wire: " + doc.title, doc.text, "2026-09-01T04:00:00+00:00")
    record, sighting = to_record(early, fp)
    record.description, record.tags, record.image = "Wire lead.", ["AI"], "https://w/1.png"
    record.relevance, record.relevance_terms = 5.0, ["inference"]
    ingest(store, folder, record, sighting, fp)
    late = Doc("late", doc.title, doc.text, "2026-09-02T04:00:00+00:00")
    put(store, folder, late)
    undated = Doc("undated", doc.title, doc.text, "")
    record, sighting = to_record(undated, fp)
    record.published = sighting.published = None
    sighting.seen_at = record.fetched = "2026-09-01T03:00:00+00:00"  # seen before any publication
    ingest(store, folder, record, sighting, fp)
    assert export(capsys, store_url, tmp_path / "a.jsonl")[0] == 0
    (row,) = read_jsonl(tmp_path / "a.jsonl")
    assert [s["site"] for s in row["sightings"]] == [
        "wire.example",
        f"{doc.doc_id}.example",
        "late.example",
        "undated.example",
    ]
    original = "https://wire.example/news/wire"
    assert row["url"] == original and row["relevance"] == 5.0
    # The elected original's page metadata and relevance, like its text.
    assert (row["description"], row["tags"], row["image"]) == (
        "Wire lead.",
        ["AI"],
        "https://w/1.png",
    )
    assert row["relevance_terms"] == ["inference"]
    assert [s["copy_of"] for s in row["sightings"]] == [None, original, original, original]
    assert row["sightings"][0]["title"] == "Wire: " + doc.title
    assert row["sightings"][3]["published"] is None
    assert row["sightings"][3]["seen"] == "2026-09-01T03:00:00+00:00"
    assert (row["first_published"], row["first_site"]) == (early.published, "wire.example")
    assert row["day"] == "2026-09-01" and row["copy_count"] == 3
    assert export(capsys, store_url, tmp_path / "s.jsonl", "--table", "stories")[0] == 0
    (story,) = read_jsonl(tmp_path / "s.jsonl")
    assert (story["first_site"], story["outlets"], story["articles"], story["sightings"]) == (
        "wire.example",
        4,
        1,
        4,
    )
    assert (story["first_published"], story["last_published"]) == (early.published, late.published)


def stored(value: Any) -> Any:
    """A value read from Parquet as the JSON lines write it: times as stored ISO 8601 text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [stored(item) for item in value]
    if isinstance(value, dict):
        return {key: stored(item) for key, item in value.items()}
    return value


@pytest.mark.parametrize("table", ["articles", "stories"])
def test_csv_and_parquet_hold_the_same_rows(
    table: str,
    store: SQLStorage,
    store_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = Folder(FoldConfig())
    for doc in synthetic_corpus(25):
        put(store, folder, doc)
    for name in ("a.jsonl", "a.csv", "a.parquet"):
        assert export(capsys, store_url, tmp_path / name, "--table", table)[0] == 0
    expected = read_jsonl(tmp_path / "a.jsonl")
    fields, nested = TABLES[table].fields, TABLES[table].nested
    assert expected and all(tuple(row) == fields for row in expected)
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == fields
        from_csv = list(reader)
    key = fields[0]
    assert [int(r[key]) for r in from_csv] == [r[key] for r in expected]
    for name in nested:
        assert [json.loads(r[name]) for r in from_csv] == [r[name] for r in expected]
    pq = pytest.importorskip("pyarrow.parquet")
    parquet = pq.read_table(tmp_path / "a.parquet")
    assert parquet.column_names == list(fields)
    assert str(parquet.schema.field("day").type) == "date32[day]"
    assert str(parquet.schema.field("first_published").type) == "timestamp[us, tz=UTC]"
    assert stored(parquet.to_pylist()) == expected


def test_empty_export_keeps_the_cursor(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, first, _ = export(capsys, store_url, tmp_path / "a.parquet", "--format", "parquet")
    assert code == 0 and parse_cursor(first)[1] == 0
    code, second, _ = export(
        capsys, store_url, tmp_path / "b.csv", "--format", "csv", "--since", first
    )
    assert code == 0 and second == first
    assert (tmp_path / "b.csv").read_text(encoding="utf-8").strip() == ",".join(FIELDS)


def test_existing_output_is_refused_unless_forced(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("keep me\n")
    code, out, err = export(capsys, store_url, target)
    assert code == 2 and "exists; pass --force" in err and out == ""
    assert target.read_text() == "keep me\n"
    put(store, Folder(FoldConfig()), synthetic_corpus(1)[0])
    code, _, err = export(capsys, store_url, target, "--force")
    assert code == 0, err
    assert len(read_jsonl(target)) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    if "://" not in store_url:
        code, _, err = export(capsys, store_url, Path(store_url), "--force")
        assert code == 2 and "is the store itself" in err


def test_bad_cursors_are_refused(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.jsonl"
    for bad in ("yesterday", "nfx1.???", "nfx1.bm90LWEtc3RvcmU", make_cursor("0" * 32, -1)):
        code, _, err = export(capsys, store_url, output, "--since", bad)
        assert code == 2 and "is not a newsfold export cursor" in err, (bad, err)
    foreign = make_cursor("f" * 32, 0)
    code, _, err = export(capsys, store_url, output, "--since", foreign)
    assert code == 2 and "comes from another store" in err and store.store_id() in err
    ahead = make_cursor(store.store_id(), 10**6)
    code, _, err = export(capsys, store_url, output, "--since", ahead)
    assert code == 2 and "is ahead of this store" in err
    assert not output.exists()


def test_unusable_stores_exit_3_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.jsonl"
    code, _, err = export(capsys, "postgresql://postgres@127.0.0.1:1/newsroom", output)
    assert code == 3 and "cannot connect to PostgreSQL at 127.0.0.1:1 database newsroom" in err
    code, _, err = export(capsys, str(tmp_path / "missing.db"), output)
    assert code == 3 and "no newsfold store there" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_parquet_without_pyarrow_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from crawler.cli import main\n"
        f"sys.exit(main(['export', '--db', {str(tmp_path / 'x.db')!r}, '--format', 'parquet', "
        f"'--output', {str(tmp_path / 'x.parquet')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install 'newsfold[parquet]'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_partitioned_export_is_a_folder_replaced_only_by_force(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyarrow")
    empty = tmp_path / "empty"
    code, _, err = export(capsys, store_url, empty, "--partition-by", "day")
    assert code == 0 and "partitioned by day" in err
    assert empty.is_dir() and list(empty.iterdir()) == []
    folder = Folder(FoldConfig())
    for doc in synthetic_corpus(30):
        put(store, folder, doc)
    for bad in (["--format", "csv"], ["--format", "jsonl"]):
        code, _, err = export(capsys, store_url, tmp_path / "x", "--partition-by", "day", *bad)
        assert code == 2 and "--partition-by writes Parquet" in err
    code, _, err = export(capsys, store_url, tmp_path / "x.csv", "--partition-by", "day")
    assert code == 2 and "without .csv" in err
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    code, _, err = export(capsys, store_url, keep, "--partition-by", "day", "--force")
    assert code == 2 and "not a partitioned export" in err
    assert (keep / "notes.txt").read_text() == "mine"
    code, _, err = export(capsys, store_url, empty, "--partition-by", "day")
    assert code == 2 and "pass --force" in err
    code, _, err = export(capsys, store_url, empty, "--partition-by", "day", "--force")
    assert code == 0, err
    days = sorted(p.name for p in empty.iterdir())
    assert days and all(re.fullmatch(r"day=2026-\d\d-\d\d", d) for d in days)
    ds = pytest.importorskip("pyarrow.dataset")
    dataset = ds.dataset(empty, format="parquet", partitioning="hive")
    assert dataset.count_rows() == store.count("articles")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]

"""newsfold export on both backends: formats, incremental cursors, refusals."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.records import Doc, synthetic_corpus, to_record
from config.schema import FoldConfig
from crawler.cli import main
from crawler.commands.export import FIELDS, make_cursor, parse_cursor
from pipelines.folding.batches import ingest
from pipelines.folding.folder import Folder, FoldResult
from storage.sql import SQLStorage


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
    assert all(set(s) == {"url", "site", "seen"} for r in rows for s in r["sightings"])
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


def test_csv_and_parquet_hold_the_same_rows(
    store: SQLStorage, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Folder(FoldConfig())
    for doc in synthetic_corpus(25):
        put(store, folder, doc)
    assert export(capsys, store_url, tmp_path / "a.jsonl")[0] == 0
    assert export(capsys, store_url, tmp_path / "a.csv", "--format", "csv")[0] == 0
    assert export(capsys, store_url, tmp_path / "a.parquet", "--format", "parquet")[0] == 0
    expected = read_jsonl(tmp_path / "a.jsonl")
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == FIELDS
        from_csv = list(reader)
    assert [int(r["article_id"]) for r in from_csv] == [r["article_id"] for r in expected]
    assert [json.loads(r["sightings"]) for r in from_csv] == [r["sightings"] for r in expected]
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.column_names == list(FIELDS)
    assert table.to_pylist() == expected


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

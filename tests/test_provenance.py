"""Provenance out of the store, as an analyst gets it: a real demo crawl (run twice into one
store), its exports read back with pyarrow, csv and json, the README's queries run with DuckDB
over the Parquet files and with SQL over the store's views, each answer checked against what the
fixture publishers published."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from crawler.commands.export import parse_cursor
from crawler.commands.export_formats import TABLES
from crawler.demo import DemoSites
from storage import open_storage
from storage.sql import SQLStorage
from storage.times import to_stored

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))
README = Path(__file__).resolve().parents[1] / "README.md"
# "This week" in the README's queries, pinned inside the demo's dates (2026-11-17 to 11-21): the
# first week holds every story, the second leaves out those last published on 11-18.
WEEKS = ("2026-11-25", "2026-11-26")
COUNTED = ("articles", "sightings", "stories")


def newsfold(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI."""
    return subprocess.run(
        [NEWSFOLD, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **env},
    )


def demo(db: str, cwd: Path, **env: str) -> None:
    """One ``newsfold demo`` into a store, which must complete."""
    result = newsfold("demo", "--db", db, "--no-progress", cwd=cwd, **env)
    assert result.returncode == 0, result.stderr[-3000:]


def tally(db: str) -> dict[str, int]:
    """Articles, sightings and stories in a store, and its last change number."""
    storage = open_storage(db, create=False)
    assert isinstance(storage, SQLStorage)
    try:
        return {table: storage.count(table) for table in COUNTED} | {
            "change": storage.last_change()
        }
    finally:
        storage.close()


def export(db: str, output: Path, *extra: str) -> None:
    """``newsfold export`` in this process, which must succeed."""
    assert main(["export", "--db", db, "--output", str(output), *extra]) == 0


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo run twice into one SQLite store, then exported as the README shows."""
    folder = tmp_path_factory.mktemp("provenance")
    db = str(folder / "newsfold.db")
    demo(db, folder)
    first = tally(db)
    cursor = capture_cursor(db, folder / "before.jsonl")
    demo(db, folder)
    for table in TABLES:
        for ext in ("jsonl", "csv", "parquet"):
            export(db, folder / f"{table}.{ext}", "--table", table)
        export(db, folder / table, "--table", table, "--partition-by", "day")
    yield {"folder": folder, "db": db, "first": first, "second": tally(db), "cursor": cursor}


def capture_cursor(db: str, output: Path) -> str:
    """The cursor a full export prints, read from its own stdout."""
    result = newsfold("export", "--db", db, "--output", str(output), cwd=output.parent)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def stored(value: Any) -> Any:
    """A value read from Parquet or DuckDB as the store and JSON lines write it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [stored(item) for item in value]
    if isinstance(value, dict):
        return {key: stored(item) for key, item in value.items()}
    return value


# What the fixture publishers published: the ground truth every answer is checked against.


def published() -> list[dict[str, str]]:
    """Each on-topic fixture page as the store should hold its sighting."""
    sites = DemoSites()  # not started: its content only
    pages = []
    for article in sites.articles():
        if article.on_topic:
            publisher = sites.publishers[article.publisher].site
            pages.append(
                {
                    "story": article.story,
                    "url": f"http://{publisher.domain}{article.path}",
                    "site": publisher.name,
                    "title": article.title,
                    "published": str(to_stored(article.published)),
                }
            )
    return pages


def stories_truth() -> dict[str, list[dict[str, str]]]:
    """The fixture's stories, each with its pages in publication order."""
    found: dict[str, list[dict[str, str]]] = {}
    for page in sorted(published(), key=lambda p: p["published"]):
        found.setdefault(page["story"], []).append(page)
    return found


def expected_first() -> list[list[str]]:
    """(first site, first published, its headline) of every story."""
    return sorted(
        [p[0]["site"], p[0]["published"], p[0]["title"]] for p in stories_truth().values()
    )


def expected_week(week: str) -> list[list[Any]]:
    """(outlets, sightings) of the stories last published within seven days before ``week``."""
    cutoff = str(to_stored(datetime.fromisoformat(week) - timedelta(days=7)))
    found = [
        [len({p["site"] for p in pages}), len(pages)]
        for pages in stories_truth().values()
        if pages[-1]["published"] >= cutoff
    ]
    return sorted(found, reverse=True)


def expected_per_day() -> list[list[Any]]:
    """(site, day, pages) of every site and publication day."""
    days = Counter((p["site"], p["published"][:10]) for p in published())
    return sorted([site, day, n] for (site, day), n in days.items())


# The README's queries, by the comment that opens each block.


def readme_queries(heading: str) -> dict[str, str]:
    """The ```sql blocks of one README section, keyed by their first comment line."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### {heading}\n")
    end = text.find("\n### ", start + 1)
    blocks = re.findall(r"```sql\n(.*?)```", text[start : end if end > 0 else None], re.DOTALL)
    return {
        (block.splitlines()[0].removeprefix("--").strip() if block.startswith("--") else ""): block
        for block in blocks
    }


FIRST = "who published first, for every story"
WEEK = "stories with the most outlets this week"
PER_DAY = "articles per site per day (every sighting: a copy counts for the site that ran it)"


def pinned(query: str, now: str, replacement: str) -> str:
    """A query with its clock replaced: "this week" must fall inside the demo's dates."""
    assert query.count(now) == 1, f"the README's query no longer reads {now!r}"
    return query.replace(now, replacement)


def answers(run: Any, queries: dict[str, str], clock: str, at: Any) -> dict[str, Any]:
    """The three questions' answers, projected onto what the ground truth can check."""
    first = [
        [r["first_site"], stored(r["first_published"]), r["title"]] for r in run(queries[FIRST])
    ]
    weeks = {
        week: [[r["outlets"], r["sightings"]] for r in run(pinned(queries[WEEK], clock, at(week)))]
        for week in WEEKS
    }
    per_day = [[r["site"], stored(r["day"]), r["articles"]] for r in run(queries[PER_DAY])]
    return {"first": first, "weeks": weeks, "per_day": per_day}


def check(found: dict[str, Any]) -> None:
    """Answers that say what the fixture publishers published."""
    assert sorted(found["first"]) == expected_first()
    times = [published for _, published, _ in found["first"]]
    assert times == sorted(times)  # by time
    for week in WEEKS:
        assert found["weeks"][week] == expected_week(week), week
    assert found["weeks"][WEEKS[0]][0] == [4, 4]  # the funding round four outlets ran
    assert len(found["weeks"][WEEKS[1]]) < len(found["weeks"][WEEKS[0]])
    assert sorted(found["per_day"]) == expected_per_day()


def sqlite_runner(db: str) -> Any:
    """A function running one query on a SQLite store, rows as dicts."""

    def run(query: str) -> list[dict[str, Any]]:
        with closing(sqlite3.connect(db)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(query)]

    return run


# The tests.


def test_a_second_demo_into_one_store_changes_nothing(crawled: dict[str, Any]) -> None:
    first, second = crawled["first"], crawled["second"]
    assert second == first, "the second demo changed the store"
    assert (first["articles"], first["sightings"]) == (10, len(published()))
    assert first["stories"] == len(stories_truth())
    folder, cursor = crawled["folder"], crawled["cursor"]
    assert parse_cursor(cursor)[1] == first["change"]
    code = main(
        ["export", "--db", crawled["db"], "--output", str(folder / "d.jsonl"), "--since", cursor]
    )
    assert code == 0 and (folder / "d.jsonl").read_text() == ""


@pytest.mark.slow
def test_a_demo_that_fetches_its_feeds_again_stores_nothing_new(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    # Without conditional GET and adaptive polling every feed is read in full again: its article
    # URLs must be the ones stored, or they would be fetched and folded into themselves.
    db = str(tmp_path / "again.db")
    shutil.copy(crawled["db"], db)
    off = {
        "NEWSFOLD__CRAWL__CONDITIONAL_GET": "false",
        "NEWSFOLD__CRAWL__ADAPTIVE_POLLING": "false",
    }
    demo(db, tmp_path, **off)
    assert tally(db) == crawled["second"]
    with closing(sqlite3.connect(db)) as conn:
        (counts,) = conn.execute("SELECT counts FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    runs = json.loads(counts)
    assert sum(c["stored"] + c["copies"] for c in runs.values()) == 0
    # every article page, the off-topic one too, is known by its URL; only the broken ones are
    # fetched again
    assert sum(c["known"] for c in runs.values()) == len(published()) + 1


def test_every_page_comes_out_as_a_sighting_with_what_it_stated(crawled: dict[str, Any]) -> None:
    rows = read_jsonl(crawled["folder"] / "articles.jsonl")
    sightings = {s["url"]: s for row in rows for s in row["sightings"]}
    pages = published()
    assert sorted(sightings) == sorted(p["url"] for p in pages)
    for page in pages:
        seen = sightings[page["url"]]
        assert (seen["site"], seen["title"], seen["published"]) == (
            page["site"],
            page["title"],
            page["published"],
        )
        assert seen["seen"] >= seen["published"]  # fetched now, published in the fixture's past
    for row in rows:
        first = row["sightings"][0]
        assert (row["first_site"], row["first_published"]) == (first["site"], first["published"])
        assert [s["copy_of"] is None for s in row["sightings"]].count(True) == 1
        assert all(s["copy_of"] in (None, row["url"]) for s in row["sightings"])
        assert row["day"] == row["first_published"][:10]
        assert row["description"] and row["tags"] and row["relevance_terms"]
        assert row["image"] == row["url"].rstrip("/") + "/lead.png"
    copied = [row for row in rows if row["copy_count"]]
    assert [len(row["sightings"]) for row in copied] == [3]  # the wire story three sites ran


def test_parquet_holds_typed_times_and_lists_of_structs(crawled: dict[str, Any]) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = crawled["folder"]
    articles = pq.read_table(folder / "articles.parquet")
    schema = articles.schema
    for name in ("published", "modified", "fetched", "first_published"):
        assert str(schema.field(name).type) == "timestamp[us, tz=UTC]", name
    assert str(schema.field("day").type) == "date32[day]"
    sighting = schema.field("sightings").type.value_type
    assert [sighting.field(i).name for i in range(sighting.num_fields)] == [
        "url",
        "site",
        "title",
        "published",
        "seen",
        "copy_of",
    ]
    assert str(sighting.field(3).type) == str(sighting.field(4).type) == "timestamp[us, tz=UTC]"
    tags = schema.field("tags").type
    assert pa.types.is_list(tags) and pa.types.is_string(tags.value_type)
    stories = pq.read_table(folder / "stories.parquet")
    assert str(stories.schema.field("last_published").type) == "timestamp[us, tz=UTC]"
    for table, parquet in (("articles", articles), ("stories", stories)):
        assert parquet.column_names == list(TABLES[table].fields)
        assert stored(parquet.to_pylist()) == read_jsonl(folder / f"{table}.jsonl")


def test_csv_carries_the_same_fields(crawled: dict[str, Any]) -> None:
    for table, spec in TABLES.items():
        rows = read_jsonl(crawled["folder"] / f"{table}.jsonl")
        with (crawled["folder"] / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert tuple(reader.fieldnames or ()) == spec.fields
            from_csv = list(reader)
        assert len(from_csv) == len(rows) > 0
        for got, row in zip(from_csv, rows, strict=True):
            for key, value in row.items():
                if key in spec.nested:
                    assert json.loads(got[key]) == value, key
                else:
                    assert got[key] == ("" if value is None else str(value)), key


def test_partitioned_exports_hold_one_folder_per_day(crawled: dict[str, Any]) -> None:
    ds = pytest.importorskip("pyarrow.dataset")
    pq = pytest.importorskip("pyarrow.parquet")
    for table in TABLES:
        rows = read_jsonl(crawled["folder"] / f"{table}.jsonl")
        root = crawled["folder"] / table
        days = {row["day"] for row in rows}
        assert sorted(p.name for p in root.iterdir()) == sorted(f"day={d}" for d in days)
        key = TABLES[table].fields[0]
        for day in days:
            files = list((root / f"day={day}").glob("*.parquet"))
            ids = [i for f in files for i in pq.read_table(f).column(key).to_pylist()]
            assert sorted(ids) == sorted(r[key] for r in rows if r["day"] == day), (table, day)
        dataset = ds.dataset(root, format="parquet", partitioning="hive")
        whole = dataset.to_table(columns=[key, "day", "first_published"])
        assert whole.num_rows == len(rows)
        assert str(whole.schema.field("first_published").type) == "timestamp[us, tz=UTC]"


def test_the_readme_duckdb_queries_answer_what_was_published(
    crawled: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        import duckdb
    except ImportError:
        pytest.skip("duckdb is not installed (pip install duckdb): the README's DuckDB queries")
    queries = readme_queries("Asking with DuckDB")
    conn = duckdb.connect()
    conn.execute(queries[""])  # the block that sets the time zone
    monkeypatch.chdir(crawled["folder"])  # the README's queries name the files as exported there

    def run(query: str) -> list[dict[str, Any]]:
        result = conn.execute(query)
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    check(answers(run, queries, "now()", lambda week: f"TIMESTAMPTZ '{week} 00:00:00+00'"))
    per_org = run(queries["articles per organisation per day"])
    expected = Counter(
        (org["name"], row["day"])
        for row in read_jsonl(crawled["folder"] / "articles.jsonl")
        for org in row["organisations"]
    )
    assert expected and {(r["organisation"], str(r["day"])): r["articles"] for r in per_org} == (
        dict(expected)
    )
    (one_day,) = [q for name, q in queries.items() if name.startswith("a partitioned export")]
    (count,) = run(one_day)
    rows = read_jsonl(crawled["folder"] / "articles.jsonl")
    assert count["articles"] == sum(row["day"] == "2026-11-17" for row in rows) > 0


def test_the_readme_view_queries_answer_the_same_on_sqlite(crawled: dict[str, Any]) -> None:
    queries = readme_queries("Asking the store with SQL")
    check(answers(sqlite_runner(crawled["db"]), queries, "'now'", lambda week: f"'{week}'"))


def test_the_views_agree_with_the_exports(crawled: dict[str, Any]) -> None:
    run = sqlite_runner(crawled["db"])
    stories = {r["story_id"]: r for r in read_jsonl(crawled["folder"] / "stories.jsonl")}
    summary = {r["story_id"]: r for r in run("SELECT * FROM story_summary")}
    # The view leaves out the lists (merged stories, organisations, events).
    lists = ("merged_ids", "organisations", "events")
    assert summary == {
        i: {k: v for k, v in r.items() if k not in lists} for i, r in stories.items()
    }
    timeline = run("SELECT * FROM sighting_timeline ORDER BY article_id, position")
    rows = read_jsonl(crawled["folder"] / "articles.jsonl")
    assert [
        (
            r["article_id"],
            r["story_id"],
            r["position"],
            *(r[k] for k in ("url", "site", "title", "published", "seen", "copy_of")),
        )
        for r in timeline
    ] == [
        (
            row["article_id"],
            row["story_id"],
            n,
            *(s[k] for k in ("url", "site", "title", "published", "seen", "copy_of")),
        )
        for row in sorted(rows, key=lambda r: r["article_id"])
        for n, s in enumerate(row["sightings"], start=1)
    ]


def test_a_postgresql_store_runs_the_demo_twice_and_answers_the_same(
    postgres_url: str, tmp_path: Path
) -> None:
    demo(postgres_url, tmp_path)
    first = tally(postgres_url)
    demo(postgres_url, tmp_path)
    assert tally(postgres_url) == first
    assert (first["sightings"], first["stories"]) == (len(published()), len(stories_truth()))
    import psycopg
    from psycopg.rows import dict_row

    from benchmarks.harness.pgscratch import server_url

    schema = re.search(r"search_path%3D(\w+)", postgres_url)
    assert schema is not None
    queries = readme_queries("Asking the store with SQL")
    queries[WEEK] = pinned(
        queries[WEEK], "date('now', '-7 days')", "to_char(current_date - 7, 'YYYY-MM-DD')"
    )
    readme = README.read_text(encoding="utf-8")
    assert "`to_char(current_date - 7, 'YYYY-MM-DD')` for `date('now', '-7 days')`" in readme
    with psycopg.connect(server_url(), autocommit=True, row_factory=dict_row) as conn:
        conn.execute(f"SET search_path TO {schema.group(1)}")

        def run(query: str) -> list[dict[str, Any]]:
            return conn.execute(query).fetchall()

        check(answers(run, queries, "current_date", lambda week: f"DATE '{week}'"))
    export(postgres_url, tmp_path / "articles.jsonl")
    rows = read_jsonl(tmp_path / "articles.jsonl")
    assert sorted(s["url"] for r in rows for s in r["sightings"]) == sorted(
        p["url"] for p in published()
    )

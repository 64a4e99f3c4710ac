"""`newsfold search`: full-text search on both backends, kept as articles are written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.records import Doc, to_record
from config.schema import FoldConfig
from pipelines.folding.batches import ingest
from pipelines.folding.folder import Folder
from storage import open_storage
from storage.sql import SQLStorage
from storage.sqlite import fts5_query

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))
DEAL = (
    "Nvidia agreed to supply 340,000 H100 GPUs to Helix Labs over two years, the companies said "
    "on Tuesday, in one of the largest compute deals signed by an AI start-up. Helix Labs will "
    "use the chips to train its next language model in a data centre in Texas. The supply "
    "agreement follows a $640 million funding round led by Northwind Capital in March. "
) * 2
LAYOFFS = (
    "Quillbyte, a maker of note-taking software, cut 12 percent of its staff on Monday as it "
    "moved engineers toward its assistant product. The company said the layoffs would not "
    "affect its customer support team, and that it would keep hiring for research roles. "
) * 2
DOCS = [
    Doc(
        "deal",
        "Nvidia to supply 340,000 H100 GPUs to Helix Labs",
        DEAL,
        "2026-12-01T09:00:00+00:00",
    ),
    Doc(
        "deal-copy",
        "Nvidia to supply 340,000 H100 GPUs to Helix Labs",
        "(Wire) — " + DEAL,
        "2026-12-01T11:00:00+00:00",
        copy_of="deal",
    ),
    Doc("layoffs", "Quillbyte cuts 12% of staff", LAYOFFS, "2026-12-03T08:00:00+00:00"),
]


def fill(store: SQLStorage) -> SQLStorage:
    """Fold a deal, a copy of it on another site, and an unrelated story into the store."""
    folder = Folder(FoldConfig())
    for doc in DOCS:
        fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
        record, sighting = to_record(doc, fp)
        ingest(store, folder, record, sighting, fp)
    return store


@pytest.fixture
def searchable(store: SQLStorage) -> SQLStorage:
    """A store on each backend with the documents above."""
    return fill(store)


def titles(hits: list[dict]) -> list[str]:
    return [hit["title"] for hit in hits]


def test_words_phrases_stems_and_or_find_the_article_once(searchable: SQLStorage) -> None:
    (hit,) = searchable.search("H100 GPUs")
    assert hit["title"] == DOCS[0].title and hit["sightings"] == 2  # the copy folded in
    assert hit["first_site"] == "deal.example" and hit["first_published"] == DOCS[0].published
    assert hit["story_title"] and "[" in hit["snippet"] and "]" in hit["snippet"]
    assert titles(searchable.search("chip")) == [DOCS[0].title]  # stemmed: "chips"
    assert titles(searchable.search('"supply agreement"')) == [DOCS[0].title]
    assert searchable.search('"agreement supply"') == []
    assert sorted(titles(searchable.search("layoffs OR Nvidia"))) == sorted(
        [DOCS[0].title, DOCS[2].title]
    )
    assert searchable.search("Nvidia layoffs") == []  # every word must match


def test_filters_by_date_and_by_any_site_the_article_was_seen_on(searchable: SQLStorage) -> None:
    assert titles(searchable.search("company OR companies", since="2026-12-02")) == [DOCS[2].title]
    assert titles(searchable.search("Nvidia", site="deal-copy.example")) == [DOCS[0].title]
    assert searchable.search("Nvidia", site="layoffs.example") == []
    assert len(searchable.search("Nvidia OR Quillbyte", limit=1)) == 1


def test_the_index_follows_a_rewritten_title(searchable: SQLStorage) -> None:
    searchable.db.execute(
        "UPDATE articles SET title = 'Zephyrine compute pact' WHERE site = ?", ("layoffs.example",)
    )
    assert titles(searchable.search("Zephyrine")) == ["Zephyrine compute pact"]
    assert titles(searchable.search("Quillbyte")) == ["Zephyrine compute pact"]  # text still


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("GPT-4 chips", '"GPT-4" "chips"'),
        ('"inference chips" OR Nvidia', '"inference chips" OR "Nvidia"'),
        ('say "hi', '"say" "hi"'),
        ("OR Nvidia OR", '"Nvidia"'),
    ],
)
def test_user_queries_become_safe_fts5_queries(text: str, query: str) -> None:
    assert fts5_query(text) == query


def test_the_command_prints_hits_and_refuses_an_empty_query(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    opened = open_storage(str(db))
    assert isinstance(opened, SQLStorage)
    fill(opened).close()
    result = subprocess.run(
        [NEWSFOLD, "search", "--db", str(db), "Helix Labs", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (hit,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert hit["title"] == DOCS[0].title
    table = subprocess.run(
        [NEWSFOLD, "search", "--db", str(db), "H100"], capture_output=True, text=True, timeout=60
    )
    assert "first: deal.example 2026-12-01 09:00, +1 copy" in table.stdout
    empty = subprocess.run(
        [NEWSFOLD, "search", "--db", str(db), "  "], capture_output=True, text=True, timeout=60
    )
    assert empty.returncode == 2 and "needs a query" in empty.stderr

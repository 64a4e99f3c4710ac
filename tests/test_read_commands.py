"""Commands that read the store: they never create one, and bad options exit 2."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from config.loader import load_config
from crawler.cli import main
from crawler.commands import entity_filters
from storage import open_storage


@pytest.mark.parametrize(
    "command", ["stories", "runs", "status", "export", "sources", "search", "show", "report"]
)
def test_a_mistyped_store_path_exits_3_and_creates_nothing(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothere.db"
    extra = {
        "export": ["--output", str(tmp_path / "out.jsonl")],
        "search": ["Nvidia"],
        "show": ["1"],
        "report": ["--output", str(tmp_path / "out.jsonl")],
    }.get(command, [])
    assert main([command, "--db", str(missing), *extra]) == 3
    assert "no newsfold store there" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("since", ["yesterday", "2026-13-45", "12/01/2026"])
def test_stories_since_must_be_an_iso_date(
    since: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["stories", "--db", str(tmp_path / "x.db"), "--since", since])
    assert stop.value.code == 2
    assert "not an ISO date" in capsys.readouterr().err


@pytest.fixture
def store(tmp_path: Path) -> str:
    """An empty migrated store."""
    path = str(tmp_path / "store.db")
    open_storage(path).close()
    return path


def test_stories_since_an_iso_date_reads_the_store(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stories", "--db", store, "--since", "2026-12-01T08:00Z"]) == 0


def test_export_format_and_file_name_must_agree(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "x.parquet"
    assert main(["export", "--db", store, "--output", str(output), "--format", "jsonl"]) == 2
    assert "does not match the file name x.parquet" in capsys.readouterr().err
    assert not output.exists()


def test_export_takes_its_format_from_the_file_name(store: str, tmp_path: Path) -> None:
    output = tmp_path / "articles.csv"
    assert main(["export", "--db", store, "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8").startswith("article_id,url,")


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("openai", "OpenAI"),
        ("Open AI", "OpenAI"),
        ("DeepMind", "Google DeepMind"),
        ("Acme Widgets Inc.", "Acme Widgets Inc."),
    ],
)
def test_org_filters_take_any_alias_in_any_case(given: str, canonical: str) -> None:
    args = argparse.Namespace(org=given, event="funding")
    assert entity_filters(args, load_config(None, env={})) == (canonical, "funding")


def test_an_unknown_event_type_is_a_usage_error(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "--db", store, "chips", "--event", "wedding"]) == 2
    assert "known: funding, acquisition" in capsys.readouterr().err

"""Smoke test of the crawl benchmark: it runs end to end and the store holds what was served."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import crawl

PAGES = 30
REAL_PAGES = 12
ROW_KEYS = [
    "scrapy",
    "trafilatura_default",
    "trafilatura_metadata",
    "scrapy_trafilatura",
    "newsfold_w1",
    "newsfold_w0",
]


def test_crawl_benchmark_runs_and_stores_every_page(tmp_path: Path) -> None:
    """Every row is measured, and each newsfold run stored one sighting per page, copies folded."""
    result = crawl.run_benchmark(PAGES, tmp_path, crawl.Plan(runs=1, startup=False))

    assert result["pages"] == PAGES
    assert result["copies"] == 1  # page 19 syndicates an earlier page
    assert [row["key"] for row in result["rows"]] == ROW_KEYS
    for row in result["rows"]:
        assert row["pages"] == PAGES
        assert row["seconds"] > 0 and row["pages_per_s"] > 0
        assert row["peak_rss_mb"] > 0
        assert row["ratio"] is not None
    assert set(result["ratios"]) == set(crawl.TARGETS)
    rows = {row["key"]: row for row in result["rows"]}
    assert rows["trafilatura_default"]["extra"]["failed"] == 0
    for key in ("newsfold_w1", "newsfold_w0"):
        stored = rows[key]["stored"]
        assert stored["run_status"] == "completed"
        assert stored["sightings"] == PAGES
        assert stored["articles"] == PAGES - 1
        assert stored["copy_articles"] == 1
        assert stored["fetch_errors"] == 0
        assert stored["ok"]
    assert rows["newsfold_w0"]["processes"] > 1  # the extraction pool ran


def test_real_pages_are_crawled_and_each_stored_or_recorded(tmp_path: Path) -> None:
    """The benchmark over published pages: every page ends as a sighting or a recorded failure."""
    from benchmarks import scoring

    root = scoring.default_benchdata_root()
    for folder in (scoring.AEB_DIR, scoring.TRAFEVAL_DIR):
        reason = scoring.missing_reason(root, folder)
        if reason:
            pytest.skip(f"benchdata: {reason}")
    result = crawl.run_benchmark(REAL_PAGES, tmp_path, crawl.Plan(runs=1, startup=False), real=root)

    assert result["pages"] == REAL_PAGES and result["copies"] == 0
    rows = {row["key"]: row for row in result["rows"]}
    for key in ("newsfold_w1", "newsfold_w0"):
        stored = rows[key]["stored"]
        assert stored["run_status"] == "completed"
        assert stored["sightings"] + stored["fetch_errors"] == REAL_PAGES
        assert stored["articles"] >= REAL_PAGES - 3  # the first pages all hold an article
        assert stored["ok"]

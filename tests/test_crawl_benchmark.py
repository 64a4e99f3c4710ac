"""Smoke test of the crawl benchmark: it runs end to end and the store holds what was served."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

import pytest

from benchmarks import crawl, report
from benchmarks.harness import procs, results

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
    assert result["targets"] == []  # set for published pages only
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

    saved = results.save(
        "crawl", "crawl", results.environment("crawl", []), result, tmp_path / "r.json"
    )
    section = report.section(json.loads(saved.read_text()))  # the README from the JSON alone
    assert section.startswith("## crawl") and "newsfold workers=1" in section


def test_real_pages_are_crawled_and_each_stored_or_recorded(tmp_path: Path) -> None:
    """The benchmark over published pages: every page ends as a sighting or a recorded failure."""
    from benchmarks import scoring

    root = scoring.default_benchdata_root()
    for folder in (scoring.AEB_DIR, scoring.TRAFEVAL_DIR):
        reason = scoring.missing_reason(root, folder)
        if reason:
            pytest.skip(f"benchdata: {reason}")
    result = crawl.run_benchmark(REAL_PAGES, tmp_path, crawl.Plan(runs=1, startup=False), root)

    assert result["pages"] == REAL_PAGES and result["copies"] == 0
    assert [t["name"] for t in result["targets"]] == list(crawl.TARGETS)
    rows = {row["key"]: row for row in result["rows"]}
    for key in ("newsfold_w1", "newsfold_w0"):
        stored = rows[key]["stored"]
        assert stored["run_status"] == "completed"
        assert stored["sightings"] + stored["fetch_errors"] == REAL_PAGES
        assert stored["articles"] >= REAL_PAGES - 3  # the first pages all hold an article
        assert stored["ok"]


def test_targets_are_judged_on_each_rounds_own_ratio() -> None:
    """A host that slows down between rounds moves each round's rows alike: ratios stay paired."""

    def round_rows(traf_s: float, w1_s: float, auto_s: float) -> list[crawl.Row]:
        seconds = {"trafilatura_default": traf_s, "newsfold_w1": w1_s, "newsfold_w0": auto_s}
        return [
            crawl.Row(key, key, 100, seconds.get(key, 1.0), None, peak_rss_mb=i)
            for i, key in enumerate(ROW_KEYS)
        ]

    # the second round ran on a host twice as slow: every row took twice as long
    rounds = [round_rows(10, 12, 6), round_rows(20, 24, 12), round_rows(11, 14, 7)]
    rows = [crawl.median_row(list(runs)) for runs in zip(*rounds, strict=True)]
    result = crawl.summarise(rows, {"page_source": crawl.PUBLISHED}, rounds)
    single = result["ratios"]["workers1_vs_trafilatura"]
    assert single["rounds"] == pytest.approx([10 / 12, 20 / 24, 11 / 14])
    assert single["median"] == pytest.approx(10 / 12)
    # the table shows each row's median round; a target is the median of the rounds' own ratios
    assert result["ratios"]["auto_vs_trafilatura"]["median"] == pytest.approx(10 / 6)
    assert {row.key: row for row in rows}["newsfold_w0"].ratio == pytest.approx(11 / 7)
    assert [t["met"] for t in result["targets"]] == [True, True]
    by_key = {row.key: row for row in rows}
    assert by_key["newsfold_w1"].seconds == 14  # the median round
    assert by_key["newsfold_w1"].extra["round_seconds"] == [12, 24, 14]


def test_a_measured_child_and_its_group_are_ended_past_the_time_limit(tmp_path: Path) -> None:
    """A child that outlives its limit is killed with the whole process group it leads."""
    marker = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(marker)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    started = time.perf_counter()
    done = procs.run_measured([sys.executable, "-c", code], timeout=2)
    assert time.perf_counter() - started < 30
    assert done.returncode == -signal.SIGKILL and done.processes == 2
    grandchild = int(marker.read_text())
    for _ in range(50):
        if not alive(grandchild):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"grandchild {grandchild} outlived its killed group")


def alive(pid: int) -> bool:
    """Whether a process runs (a killed one may stay a zombie until its new parent reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"

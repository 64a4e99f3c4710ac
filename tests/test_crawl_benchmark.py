"""Smoke test of the crawl benchmark: it runs end to end and the store holds what was served."""

from __future__ import annotations

import os
import sys
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


def test_targets_are_judged_on_each_rounds_own_ratio() -> None:
    """A host that slows down between rounds moves each round's rows alike: ratios stay paired."""

    def round_rows(traf_s: float, w1_s: float, auto_s: float) -> list[crawl.Row]:
        seconds = {"trafilatura_default": traf_s, "newsfold_w1": w1_s, "newsfold_w0": auto_s}
        return [
            crawl.Row(key=key, label=key, pages=100, seconds=seconds.get(key, 1.0), peak_rss_mb=i)
            for i, key in enumerate(ROW_KEYS)
        ]

    # the second round ran on a host twice as slow: every row took twice as long
    rounds = [round_rows(10, 12, 6), round_rows(20, 24, 12), round_rows(11, 14, 7)]
    rows = [crawl.median_row(list(runs)) for runs in zip(*rounds, strict=True)]
    result = crawl.summarise(rows, {}, rounds)
    assert result["round_ratios"]["workers1_vs_trafilatura"] == pytest.approx(
        [10 / 12, 20 / 24, 11 / 14]
    )
    assert result["ratios"]["workers1_vs_trafilatura"] == pytest.approx(10 / 12)
    # the table shows each row's median round; a target is the median of the rounds' own ratios
    assert result["ratios"]["auto_vs_trafilatura"] == pytest.approx(10 / 6)
    assert {row.key: row for row in rows}["newsfold_w0"].ratio == pytest.approx(11 / 7)
    assert result["targets_met"] == {"workers1_vs_trafilatura": True, "auto_vs_trafilatura": True}
    by_key = {row.key: row for row in rows}
    assert by_key["newsfold_w1"].seconds == 14  # the median round
    assert by_key["newsfold_w1"].extra["round_seconds"] == [12, 24, 14]


def test_a_preload_is_set_only_in_the_child_env_that_asks_for_it(tmp_path: Path) -> None:
    """``child_env(lib)`` puts the library in a child's LD_PRELOAD; the default env is the caller's.

    A missing library is refused before anything runs.
    """
    libc = _libc()
    probe = [sys.executable, "-c", "import os; print(os.environ.get('LD_PRELOAD'))"]
    done = crawl.run_measured(probe, tmp_path, 60, crawl.child_env(libc))
    assert done.returncode == 0 and done.stdout.strip() == libc
    plain = crawl.run_measured(probe, tmp_path, 60)
    assert plain.stdout.strip() == str(os.environ.get("LD_PRELOAD"))
    assert crawl.main(["--preload", str(tmp_path / "missing.so"), "--quick"]) == 2


def test_paired_rows_run_each_newsfold_mode_without_the_preload_too(tmp_path: Path) -> None:
    """``--paired``: each newsfold row is followed by its system-allocator twin, every round."""
    libc = _libc()
    plan = crawl.Plan(runs=1, startup=False, preload=libc, paired=True)
    result = crawl.run_benchmark(10, tmp_path, plan)

    keys = [row["key"] for row in result["rows"]]
    assert keys == [
        *ROW_KEYS[:4],
        "newsfold_w1",
        "newsfold_w1_system",
        "newsfold_w0",
        "newsfold_w0_system",
    ]
    rows = {row["key"]: row for row in result["rows"]}
    assert rows["newsfold_w1_system"]["label"] == "newsfold workers=1 (system allocator)"
    assert rows["newsfold_w1"]["label"] == f"newsfold workers=1 ({Path(libc).name})"
    assert all(rows[k]["stored"]["ok"] for k in keys if k.startswith("newsfold"))
    assert set(result["allocator_ratios"]) == {"workers1", "auto"}
    assert crawl.main(["--paired", "--quick"]) == 2  # nothing to pair without --preload


def test_allocator_ratio_pairs_rows_of_the_same_round() -> None:
    """What the preload gives is each round's preloaded row over its system-allocator twin."""
    keys = [*ROW_KEYS, "newsfold_w1_system", "newsfold_w0_system"]

    def round_rows(w1: float, w1_system: float) -> list[crawl.Row]:
        seconds = {"newsfold_w1": w1, "newsfold_w1_system": w1_system}
        return [
            crawl.Row(key=k, label=k, pages=100, seconds=seconds.get(k, 1.0), peak_rss_mb=1)
            for k in keys
        ]

    rounds = [round_rows(9, 10), round_rows(20, 20), round_rows(12, 15)]  # round 2: a slow host
    rows = [crawl.median_row(list(runs)) for runs in zip(*rounds, strict=True)]
    result = crawl.summarise(rows, {}, rounds)
    assert result["allocator_ratios"]["workers1"] == pytest.approx([10 / 9, 1.0, 15 / 12])
    assert result["allocator_ratios"]["auto"] == pytest.approx([1.0, 1.0, 1.0])
    unpaired = crawl.summarise(rows[: len(ROW_KEYS)], {}, [r[: len(ROW_KEYS)] for r in rounds])
    assert unpaired["allocator_ratios"] == {}


def _libc() -> str:
    """A library every Linux process already has, to preload harmlessly (skips when not found)."""
    libc = next(
        (p for p in ("/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6") if Path(p).exists()),
        None,
    )
    if libc is None:
        pytest.skip("no libc.so.6 at a known path to preload")
    return libc

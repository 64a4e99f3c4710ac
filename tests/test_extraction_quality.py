"""Extraction quality floors on public benchmarks: a regression in extraction or cleaning fails.

Runs ``newsfold extract`` (as ``benchmarks/extraction.py`` does) on all 181 AEB pages and on the
first 200 trafilatura-eval pages, beside bare trafilatura on the same pages, and checks floors set
slightly under the figures reached. The full-set figures are in
``benchmarks/results/extraction.json`` (``python -m benchmarks.extraction``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import extraction, scoring

ROOT = scoring.default_benchdata_root()
TRAFEVAL_SUBSET = 200

# Floors a little under the figures reached on exactly these pages: AEB (all 181 pages) in
# extraction.AEB_FLOORS (reached: P 0.972 R 0.979 F1 0.976; bare trafilatura R 0.978);
# trafilatura-eval (first 200 pages) P 0.951 R 0.939 F1 0.945 (bare trafilatura: P 0.932
# R 0.950 F1 0.941), title 0.765, author 0.743, date 0.908.
TRAFEVAL_FLOORS = {"precision": 0.946, "recall": 0.937, "f1": 0.943}
METADATA_FLOORS = {"title": 0.74, "author": 0.72, "date": 0.88}
# Recall given up against bare trafilatura on this subset (0.0104 reached; the whole set's
# target, extraction.RECALL_GIVEN_UP, is not met yet: see benchmarks/README.md).
RECALL_GIVEN_UP = 0.012


def _skip_reason(dataset: str) -> str | None:
    if not ROOT.is_dir():
        return f"benchdata folder {ROOT} not found (set {scoring.BENCHDATA_ENV})"
    return scoring.missing_reason(ROOT, dataset)


def _newsfold(entries: list[tuple[Path, str]], tmp_path: Path) -> extraction.NewsfoldRun:
    run = extraction.run_newsfold(entries, tmp_path, timeout=600)
    assert run.error is None, run.error
    return run


@pytest.mark.skipif(
    _skip_reason(scoring.AEB_DIR) is not None, reason=str(_skip_reason(scoring.AEB_DIR))
)
def test_aeb_floors_and_bare_trafilatura_beaten(tmp_path: Path) -> None:
    pages = scoring.load_aeb_pages(ROOT)
    gold = {p.page_id: p.body for p in pages}
    run = _newsfold([(p.html_path, p.url) for p in pages], tmp_path)
    texts = {p.page_id: extraction.newsfold_text(run.record(p.html_path)) for p in pages}
    ours = scoring.score_aeb(gold, texts, n_bootstrap=0)
    bare_run = extraction.run_bare(
        [p.html_path for p in pages], extraction.read_html_text, extraction.extract_default
    )
    bare = scoring.score_aeb(
        gold, {p.page_id: out for p, out in zip(pages, bare_run.outputs, strict=True)}, 0
    )
    for name, floor in extraction.AEB_FLOORS.items():
        assert getattr(ours, name) >= floor, f"AEB {name} {getattr(ours, name):.4f} < {floor}"
    assert ours.f1 > bare.f1 + extraction.AEB_F1_MARGIN
    assert ours.recall >= bare.recall - extraction.RECALL_GIVEN_UP


@pytest.mark.skipif(
    _skip_reason(scoring.TRAFEVAL_DIR) is not None, reason=str(_skip_reason(scoring.TRAFEVAL_DIR))
)
def test_trafilatura_eval_floors_recall_kept_and_metadata(tmp_path: Path) -> None:
    pages = scoring.load_trafeval_pages(ROOT)[:TRAFEVAL_SUBSET]
    run = _newsfold([(p.html_path, p.url) for p in pages], tmp_path)
    records = {p.url: run.record(p.html_path) for p in pages}
    ours = scoring.score_trafeval(
        pages, {url: extraction.newsfold_text(r) for url, r in records.items()}
    )
    bare_run = extraction.run_bare(
        [p.html_path for p in pages], scoring.read_gzip_bytes, extraction.extract_canonical
    )
    bare = scoring.score_trafeval(
        pages, {p.url: out for p, out in zip(pages, bare_run.outputs, strict=True)}
    )
    for name, floor in TRAFEVAL_FLOORS.items():
        assert getattr(ours, name) >= floor, f"trafeval {name} {getattr(ours, name):.4f} < {floor}"
    assert ours.f1 > bare.f1
    assert ours.recall >= bare.recall - RECALL_GIVEN_UP
    metadata = scoring.score_metadata(
        pages, {url: extraction.newsfold_metadata(r) for url, r in records.items()}
    )
    for name, floor in METADATA_FLOORS.items():
        assert metadata[name].accuracy >= floor, f"{name} {metadata[name].accuracy:.3f} < {floor}"

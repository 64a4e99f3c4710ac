"""Smoke test of the scale benchmark: a small store is built as folding writes, a cron run folds."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks import scale
from pipelines.folding.features import band_keys
from pipelines.folding.folder import STORY_INDEX_TERMS, query_ranking, rarity

STORED = 2000
FOLDED = 50


def test_scale_benchmark_folds_copies_into_a_store_laid_out_as_folding_writes(
    tmp_path: Path,
) -> None:
    """Every figure is there, wire copies join their originals, the kept store is reused as is."""
    plan = scale.Plan(sizes=(STORED,), fold_docs=FOLDED, repeats=1, extract_pages=2)
    result = scale.run(plan, tmp_path)

    (row,) = result["rows"]
    copies = FOLDED // scale.COPY_EVERY
    assert row["copies_folded"] == row["copies"] == copies
    assert row["kinds"] == {"new": FOLDED - copies, "copy": copies}
    assert 0 < row["store_us"] < 1e6 and 0 < row["fingerprint_us"] < 1e6
    assert 0 < row["startup_s"] < 60 and row["peak_rss_mb"] > 50
    assert row["lsh"]["entries"] == STORED and not row["lsh"]["extrapolated"]
    assert result["extract_us"] > 0 and len(result["targets"]) == len(scale.TARGETS)
    assert scale.tables(result)  # the report renders from the figures alone

    store = scale.store_path(tmp_path, STORED)
    check_layout(store)
    assert scale.ensure_store(tmp_path, STORED, plan.seed) == (store, row["build_s"], True)


def test_rounds_pair_the_sizes_each_round_and_report_the_median_ratios(tmp_path: Path) -> None:
    """With rounds, every size folds once a round; ratios are the median of each round's own."""
    plan = scale.Plan(sizes=(500, 1000), fold_docs=20, repeats=1, extract_pages=1, rounds=2)
    result = scale.run(plan, tmp_path)

    assert len(result["rounds"]["extract_us"]) == 2
    for k, row in enumerate(result["rows"]):
        assert len(row["rounds_store_us"]) == 2 and row["store_us"] in row["rounds_store_us"]
        assert row["store_us"] == min(row["rounds_store_us"])  # the lower median of two
        first = result["rows"][0]["rounds_store_us"]
        own = [r / f for r, f in zip(row["rounds_store_us"], first, strict=True)]
        assert row["x_first"] == sum(own) / 2 and (k or own == [1.0, 1.0])
    small, large = (row["rounds_store_us"] for row in result["rows"])
    ratios = result["rounds"]["cost_ratio"]
    assert ratios == [b / a for a, b in zip(small, large, strict=True)]
    cost, _, _, share = result["targets"]
    assert cost["value"] == sum(ratios) / 2
    shares = result["rounds"]["fold_extract"]
    assert share["value"] == sum(shares) / 2
    for share, step, extract in zip(shares, large, result["rounds"]["extract_us"], strict=True):
        assert share == step / extract


def postings(conn: sqlite3.Connection, profile: dict[str, float]) -> list[str]:
    """The terms folding would index of a profile, ranked by weight and the stored rarities."""
    df = dict(conn.execute("SELECT term, df FROM term_df"))
    idf = {term: rarity(STORED, df[term]) for term in profile}
    return query_ranking(profile, idf)[:STORY_INDEX_TERMS]


def check_layout(store: Path) -> None:
    """Band keys, story terms, document frequencies and times as folding would write them."""
    with sqlite3.connect(store) as conn:
        count = {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("articles", "sightings", "lsh_bands", "story_terms", "stories")
        }
        assert count == {
            "articles": STORED,
            "sightings": STORED,
            "lsh_bands": STORED * 48,
            "story_terms": STORED * STORY_INDEX_TERMS,
            "stories": STORED // 2,
        }
        for article_id in (1, STORED):
            minhash, terms, when = conn.execute(
                "SELECT minhash, terms, time_key FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
            keys = {k for (k,) in conn.execute(
                "SELECT key FROM lsh_bands WHERE article_id = ?", (article_id,)
            )}  # fmt: skip
            assert set(band_keys(np.frombuffer(minhash, dtype=np.uint32), 4)) < keys
            stored = set(conn.execute(
                "SELECT term, time_key FROM story_terms WHERE article_id = ?", (article_id,)
            ))  # fmt: skip
            profile = json.loads(terms)
            assert len(profile) == 60 and {when} == {at for _, at in stored}
            assert stored and {term for term, _ in stored} == set(postings(conn, profile))
        assert when == scale.END.strftime(scale.STAMP)
        df: Counter[str] = Counter()
        for (terms,) in conn.execute("SELECT terms FROM articles"):
            df.update(list(json.loads(terms)))
        assert dict(conn.execute("SELECT term, df FROM term_df")) == df
    conn.close()

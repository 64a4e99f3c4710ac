"""Unit tests of the extraction-benchmark scorers and a check against the published AEB table."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

if str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import scoring
from benchmarks.scoring import (
    Confusion,
    FieldAccuracy,
    PredictedMetadata,
    ShingleCounts,
    TrafEvalPage,
)


def page(
    url: str = "u",
    with_: tuple[str, ...] = ("x",),
    without: tuple[str, ...] = ("y",),
    title: str = "",
    authors: tuple[str, ...] = (),
    date: str = "",
) -> TrafEvalPage:
    """A trafilatura-eval page built by hand."""
    return TrafEvalPage(url, "f.html", Path("f.html.gz"), with_, without, title, authors, date)


# ---- AEB: tokens and shingles


def test_tokens_are_word_runs_with_case_kept() -> None:
    assert scoring.aeb_tokens("Hello, world_1 -- x!") == ["Hello", "world_1", "x"]
    assert scoring.aeb_tokens(None) == []


def test_short_text_is_one_short_shingle() -> None:
    assert scoring.aeb_shingles("a b c") == {("a", "b", "c"): 1}
    assert scoring.aeb_shingles("") == {}


def test_shingles_are_a_multiset() -> None:
    shingles = scoring.aeb_shingles("a b c d a b c d")
    assert shingles == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }


def test_document_counts_are_normalised() -> None:
    # gold shingles abcd bcde cdef; pred abcd bcde cdex: tp 2, fp 1, fn 1 of 4
    counts = scoring.aeb_document_counts("a b c d e f", "a b c d e x")
    assert counts == ShingleCounts(0.5, 0.25, 0.25)
    assert scoring.aeb_precision(counts) == pytest.approx(2 / 3)
    assert scoring.aeb_recall(counts) == pytest.approx(2 / 3)


def test_document_counts_respect_multiplicity() -> None:
    # gold has abcd twice among 5 shingles, pred once: tp 1, fp 0, fn 4
    counts = scoring.aeb_document_counts("a b c d a b c d", "a b c d")
    assert counts == ShingleCounts(pytest.approx(0.2), 0.0, pytest.approx(0.8))
    assert scoring.aeb_precision(counts) == 1.0
    assert scoring.aeb_recall(counts) == pytest.approx(0.2)


def test_empty_gold_and_prediction_count_nothing() -> None:
    assert scoring.aeb_document_counts("", None) == ShingleCounts(0.0, 0.0, 0.0)


def test_accuracy_compares_token_sequences() -> None:
    assert scoring.aeb_accuracy("Same text here, ok", "Same text\nhere ok") == 1.0
    assert scoring.aeb_accuracy("same text", "Same text") == 0.0


# ---- AEB: corpus figures


def test_score_aeb_by_hand() -> None:
    gold = {
        "d1": "a b c d e f g",  # pred keeps 2 of 4 shingles, adds none: P 1, R 1/2
        "d2": "one two three four",  # empty pred: out of the P mean, R 0
        "d3": "",  # empty gold, pred "x y": P 0, out of the R mean
        "d4": "",  # both empty: out of both means, accuracy 1
        "d5": "Same text here, ok",  # same tokens: P 1, R 1, accuracy 1
    }
    pred = {"d1": "a b c d e", "d2": "", "d3": "x y", "d4": None, "d5": "Same text\nhere ok"}
    score = scoring.score_aeb(gold, pred, n_bootstrap=0)
    assert score.precision == pytest.approx(2 / 3)  # mean(1, 0, 1)
    assert score.recall == pytest.approx(1 / 2)  # mean(1/2, 0, 1)
    assert score.f1 == pytest.approx(4 / 7)
    assert score.accuracy == pytest.approx(2 / 5)
    assert score.documents == 5
    assert score.empty_predictions == 2
    assert score.f1_std == 0.0


def test_score_aeb_rejects_mismatched_keys() -> None:
    with pytest.raises(ValueError):
        scoring.score_aeb({"a": "x"}, {"b": "x"}, n_bootstrap=0)


def test_score_aeb_without_any_prediction_is_zero() -> None:
    score = scoring.score_aeb({"a": "one two"}, {"a": None}, n_bootstrap=0)
    assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)


def test_bootstrap_is_seeded_and_zero_for_identical_documents() -> None:
    gold = {str(i): "a b c d e f" for i in range(10)}
    pred = {k: ("a b c d e x" if int(k) % 2 else "a b c d e f") for k in gold}
    first = scoring.score_aeb(gold, pred, n_bootstrap=200, seed=3)
    again = scoring.score_aeb(gold, pred, n_bootstrap=200, seed=3)
    assert first == again
    assert first.f1_std > 0
    same = scoring.score_aeb(gold, dict(gold), n_bootstrap=200)
    assert (same.precision_std, same.recall_std, same.f1_std, same.accuracy_std) == (0, 0, 0, 0)


def test_corpus_prf_excludes_documents_per_mean() -> None:
    # doc 1 predicted nothing (R 0, no P); doc 2 P 1/2, R 1; doc 3 P 1, R 1/4
    counts = [
        ShingleCounts(0.0, 0.0, 1.0),
        ShingleCounts(0.5, 0.5, 0.0),
        ShingleCounts(0.25, 0.0, 0.75),
    ]
    precision, recall, f1 = scoring.aeb_corpus_prf(counts)
    assert precision == pytest.approx(3 / 4)
    assert recall == pytest.approx(5 / 12)
    assert f1 == pytest.approx(15 / 28)


# ---- AEB: loaders


def test_unwrap_predictions_handles_both_forms() -> None:
    flat = {"id": {"articleBody": "x"}}
    assert scoring.unwrap_predictions(flat) == ("", flat)
    assert scoring.unwrap_predictions({"version": "2.0.0", "output": flat}) == ("2.0.0", flat)


def test_load_published_output_keeps_none_bodies(tmp_path: Path) -> None:
    path = tmp_path / "sys.json"
    output = {"a": {"articleBody": "text"}, "b": {"articleBody": None}}
    path.write_text(json.dumps({"version": "1.2", "output": output}), encoding="utf-8")
    published = scoring.load_published_output(path)
    assert (published.system, published.version) == ("sys", "1.2")
    assert published.bodies == {"a": "text", "b": None}


def test_load_aeb_pages(tmp_path: Path) -> None:
    folder = tmp_path / scoring.AEB_DIR
    folder.mkdir()
    truth = {"b": {"articleBody": "B", "url": "https://b"}, "a": {"articleBody": "A"}}
    (folder / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    pages = scoring.load_aeb_pages(tmp_path)
    assert [(p.page_id, p.url, p.body) for p in pages] == [("a", "", "A"), ("b", "https://b", "B")]
    assert pages[0].html_path == folder / "html" / "a.html.gz"


# ---- trafilatura-eval: metric and loader


def test_trafeval_counts_found_and_missing_segments() -> None:
    counts = scoring.trafeval_counts(
        ["hello   world", "second chunk", "absent"],
        ["boiler plate", "imprint"],
        "hello world\n text second\tchunk and imprint",
    )
    assert counts == Confusion(tp=2, fp=1, fn=1, tn=1)


def test_trafeval_crash_is_empty_output() -> None:
    assert scoring.trafeval_counts(["a", "b"], ["c"], None) == Confusion(0, 0, 2, 1)


def test_confusion_scores_by_hand() -> None:
    conf = Confusion(6, 2, 3, 8)
    assert conf.precision == pytest.approx(6 / 8)
    assert conf.recall == pytest.approx(6 / 9)
    assert conf.accuracy == pytest.approx(14 / 19)
    assert conf.f1 == pytest.approx(12 / 17)
    assert Confusion() + Confusion(1, 2, 3, 4) == Confusion(1, 2, 3, 4)
    empty = Confusion()
    assert (empty.precision, empty.recall, empty.accuracy, empty.f1) == (0, 0, 0, 0)


def test_score_trafeval_sums_pages_and_treats_missing_as_empty() -> None:
    pages = [page("u1", ("alpha beta",), ("gamma",)), page("u2", ("delta", "eps"), ("zeta",))]
    total = scoring.score_trafeval(pages, {"u1": "alpha  beta gamma"})
    assert total == Confusion(tp=1, fp=1, fn=2, tn=1)
    assert total.f1 == pytest.approx(2 / 5)


def test_load_trafeval_pages(tmp_path: Path) -> None:
    folder = tmp_path / scoring.TRAFEVAL_DIR
    folder.mkdir()
    data = {
        "https://a": {"file": "a b.html", "with": ["w"], "without": ["o"], "author": ["X", "Y"]},
        "https://b": {"file": "b.html", "with": ["w"], "without": ["o"], "title": "T", "date": ""},
    }
    (folder / "evaldata.json").write_text(json.dumps(data), encoding="utf-8")
    first, second = scoring.load_trafeval_pages(tmp_path)
    assert first.html_path == folder / "html" / "a b.html.gz"
    assert first.authors == ("X", "Y")
    assert (first.title, first.date) == ("", "")
    assert (second.title, second.authors, second.with_segments) == ("T", (), ("w",))


def test_read_gzip_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.html.gz"
    path.write_bytes(gzip.compress("<p>é</p>".encode()))
    assert scoring.read_gzip_bytes(path) == "<p>é</p>".encode()


# ---- metadata matching


def test_title_match_is_normalised_exact() -> None:
    assert scoring.title_matches(
        "Korsetts \u2013 Shops &amp; \u201cDesigner\u201d", ' korsetts - shops & "designer" '
    )
    assert not scoring.title_matches("Emden", "Emden - Sehenswürdigkeiten")
    assert not scoring.title_matches("Emden", None)


def test_authors_match_by_token_containment() -> None:
    brockmann = "Roland Brockmann; Sebastian Drescher"
    assert scoring.authors_match(["Von Roland Brockmann und Sebastian Drescher"], [brockmann])
    assert scoring.authors_match(["Andrew Woodcock"], ["Andrew Woodcock", "Political Editor"])
    assert scoring.authors_match(["Herr_Rein"], ["herr rein"])
    assert not scoring.authors_match(["Fabian"], ["Matthias Hille"])
    assert not scoring.authors_match(["Fabian"], [])


def test_dates_match_on_calendar_day() -> None:
    assert scoring.dates_match("2022-11-1", "2022-11-01T23:30:00+02:00")
    assert not scoring.dates_match("2022-11-01", "2022-11-02")
    assert not scoring.dates_match("2022-11-01", None)
    assert scoring.parse_day("not a date") is None


def test_score_metadata_counts_only_pages_with_gold() -> None:
    pages = [
        page("u1", title="A Title", authors=("Ann Lee",), date="2020-01-02"),
        page("u2", title="Other", date="2020-05-05"),
        page("u3"),
    ]
    predictions = {
        "u1": PredictedMetadata("a title", ("Ann Lee",), "2020-01-03"),
        "u3": PredictedMetadata("anything", ("Bob",), "2020-01-01"),
    }
    fields = scoring.score_metadata(pages, predictions)
    assert fields == {
        "title": FieldAccuracy(1, 2),
        "author": FieldAccuracy(1, 1),
        "date": FieldAccuracy(0, 2),
    }
    assert fields["title"].accuracy == 0.5


def test_split_authors() -> None:
    assert scoring.split_authors("A B; C D") == ("A B", "C D")
    assert scoring.split_authors(["A", " ", "B;C"]) == ("A", "B", "C")
    assert scoring.split_authors(None) == ()


# ---- reproduction of the published AEB table

PUBLISHED_F1 = {
    "trafilatura": 0.958,
    "newspaper": 0.949,
    "news_please": 0.948,
    "readability": 0.922,
    "goose3": 0.896,
    "html-text": 0.665,
}


def test_published_aeb_outputs_reproduce_the_readme_f1() -> None:
    root = scoring.default_benchdata_root()
    reason = scoring.missing_reason(root, scoring.AEB_DIR)
    if reason:
        pytest.skip(f"benchdata absent: {reason}")
    gold = {p.page_id: p.body for p in scoring.load_aeb_pages(root)}
    output_dir = root / scoring.AEB_DIR / "output"
    for system, published in PUBLISHED_F1.items():
        bodies = scoring.load_published_output(output_dir / f"{system}.json").bodies
        score = scoring.score_aeb(gold, bodies, n_bootstrap=0)
        assert score.f1 == pytest.approx(published, abs=0.003), system

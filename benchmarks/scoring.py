"""Scorers and loaders for the public extraction benchmarks (Zyte AEB and trafilatura-eval).

The scorers are pure functions over plain data and the loaders only read files, so the same
figures come out of the benchmark and the quality tests.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import html
import json
import os
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BENCHDATA_ENV = "NEWSFOLD_BENCHDATA"
AEB_DIR = "scrapinghub-aeb"
TRAFEVAL_DIR = "trafilatura-eval"
SHINGLE_SIZE = 4
TRAFEVAL_PAGES = 990
# One page in HELD_OUT_EVERY is kept aside from tuning, chosen by a fixed hash of its id (the AEB
# page id, the trafilatura-eval URL); the split was fixed before any result was looked at.
HELD_OUT_EVERY = 4
SPLITS = ("tuning", "held-out")

_TOKEN_RE = re.compile(r"\w+")
_WS_RE = re.compile(r"\s+")
_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NAME_TOKEN_RE = re.compile(r"[^\W_]+")
_DASH_RE = re.compile("[\u2010-\u2015\u2212]")
_SINGLE_QUOTE_RE = re.compile("[\u2018-\u201b\u2032]")
_DOUBLE_QUOTE_RE = re.compile("[\u201c-\u201f\u00ab\u00bb\u2033]")


# ---- data location


def default_benchdata_root() -> Path:
    """Return the benchdata folder: ``$NEWSFOLD_BENCHDATA`` or ``../shared/benchdata``."""
    override = os.environ.get(BENCHDATA_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parents[1].parent / "shared" / "benchdata"


def missing_reason(root: Path, dataset: str) -> str | None:
    """Say why ``root/dataset`` cannot be used, or return None when it looks complete."""
    folder = root / dataset
    required = {
        AEB_DIR: ("ground-truth.json", "html", "output"),
        TRAFEVAL_DIR: ("evaldata.json", "html"),
    }[dataset]
    for name in required:
        if not (folder / name).exists():
            return f"{folder / name} not found (set {BENCHDATA_ENV} to the benchdata folder)"
    return None


def split_of(page_key: str) -> str:
    """The split a page belongs to: 'held-out' for one page in HELD_OUT_EVERY, else 'tuning'."""
    digest = hashlib.sha256(f"newsfold-split:{page_key}".encode()).digest()
    return SPLITS[digest[0] % HELD_OUT_EVERY == 0]


def read_gzip_bytes(path: Path) -> bytes:
    """Return the decompressed bytes of a ``.gz`` file."""
    return gzip.decompress(path.read_bytes())


# ---- AEB: loaders


@dataclass(frozen=True)
class AebPage:
    """One AEB page: id (file stem), URL, gold article body and HTML path."""

    page_id: str
    url: str
    body: str
    html_path: Path


@dataclass(frozen=True)
class PublishedOutput:
    """One system's published AEB predictions: id → articleBody (None kept as None)."""

    system: str
    version: str
    bodies: dict[str, str | None]


def load_aeb_pages(root: Path) -> list[AebPage]:
    """Load the AEB ground truth, sorted by page id."""
    folder = root / AEB_DIR
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        AebPage(
            page_id=page_id,
            url=item.get("url") or "",
            body=item.get("articleBody") or "",
            html_path=folder / "html" / f"{page_id}.html.gz",
        )
        for page_id, item in sorted(truth.items())
    ]


def unwrap_predictions(data: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """Return (version, {id: item}) for both the flat and the ``{"version","output"}`` forms."""
    if set(data) == {"version", "output"} and isinstance(data["output"], Mapping):
        return str(data["version"] or ""), data["output"]
    return "", data


def load_published_output(path: Path) -> PublishedOutput:
    """Load one ``output/<system>.json`` file."""
    version, items = unwrap_predictions(json.loads(path.read_text(encoding="utf-8")))
    bodies = {key: (item or {}).get("articleBody") for key, item in items.items()}
    return PublishedOutput(system=path.stem, version=version, bodies=bodies)


# ---- AEB: metric


@dataclass(frozen=True)
class ShingleCounts:
    """Per-document TP/FP/FN over 4-gram shingles, normalised to sum to 1 (or all 0)."""

    tp: float
    fp: float
    fn: float


@dataclass(frozen=True)
class AebScore:
    """AEB corpus figures: means over documents plus bootstrap standard deviations."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    precision_std: float
    recall_std: float
    f1_std: float
    accuracy_std: float
    documents: int
    empty_predictions: int


def aeb_tokens(text: str | None) -> list[str]:
    """Tokenise like AEB: every ``\\w+`` match, case kept."""
    return _TOKEN_RE.findall(text or "")


def shingles_of(tokens: Sequence[str], size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of word ``size``-grams; fewer tokens than ``size`` make one short shingle."""
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(zip(*(tokens[i:] for i in range(size)), strict=False))


def aeb_shingles(text: str | None, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of word ``size``-grams of a text."""
    return shingles_of(aeb_tokens(text), size)


def counts_from_shingles(
    gold: Counter[tuple[str, ...]], pred: Counter[tuple[str, ...]]
) -> ShingleCounts:
    """Normalised TP/FP/FN of two shingle multisets."""
    gold_total, pred_total = gold.total(), pred.total()
    tp = float((gold & pred).total())
    fp, fn = pred_total - tp, gold_total - tp
    total = tp + fp + fn
    if total == 0:
        return ShingleCounts(0.0, 0.0, 0.0)
    return ShingleCounts(tp / total, fp / total, fn / total)


def aeb_document_counts(gold: str | None, pred: str | None) -> ShingleCounts:
    """Compare one prediction with its gold body over shingle multisets."""
    return counts_from_shingles(aeb_shingles(gold), aeb_shingles(pred))


def aeb_precision(counts: ShingleCounts) -> float:
    """Document precision, 1.0 for a perfect match."""
    if counts.fp == counts.fn == 0:
        return 1.0
    return counts.tp / (counts.tp + counts.fp) if counts.tp + counts.fp else 0.0


def aeb_recall(counts: ShingleCounts) -> float:
    """Document recall, 1.0 for a perfect match."""
    if counts.fp == counts.fn == 0:
        return 1.0
    return counts.tp / (counts.tp + counts.fn) if counts.tp + counts.fn else 0.0


def aeb_accuracy(gold: str | None, pred: str | None) -> float:
    """1.0 when both token sequences are identical, else 0.0."""
    return float(aeb_tokens(gold) == aeb_tokens(pred))


def _mean_or_zero(values: Iterable[float]) -> float:
    """Mean of the values, 0.0 for none."""
    items = list(values)
    return statistics.fmean(items) if items else 0.0


def harmonic_mean(a: float, b: float) -> float:
    """2ab/(a+b), 0.0 when both are 0."""
    return 2 * a * b / (a + b) if a + b else 0.0


def aeb_corpus_prf(counts: Sequence[ShingleCounts]) -> tuple[float, float, float]:
    """Corpus (P, R, F1) from per-document counts, AEB style.

    A document enters the precision mean only when the prediction has a shingle (tp+fp > 0)
    and the recall mean only when the gold body has one (tp+fn > 0); F1 is taken of the means.
    """
    precision = _mean_or_zero(aeb_precision(c) for c in counts if c.tp + c.fp > 0)
    recall = _mean_or_zero(aeb_recall(c) for c in counts if c.tp + c.fn > 0)
    return precision, recall, harmonic_mean(precision, recall)


def _masked_row_means(values: np.ndarray) -> np.ndarray:
    """Row means ignoring NaN entries; 0.0 for a row with none."""
    valid = ~np.isnan(values)
    sums = np.where(valid, values, 0.0).sum(axis=1)
    counts = valid.sum(axis=1)
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)


def aeb_bootstrap_std(
    counts: Sequence[ShingleCounts],
    accuracies: Sequence[float],
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> tuple[float, float, float, float]:
    """Bootstrap standard deviations of (P, R, F1, accuracy), resampling documents."""
    n = len(counts)
    if n == 0 or n_bootstrap < 2:
        return 0.0, 0.0, 0.0, 0.0
    nan = float("nan")
    precision = np.array([aeb_precision(c) if c.tp + c.fp > 0 else nan for c in counts])
    recall = np.array([aeb_recall(c) if c.tp + c.fn > 0 else nan for c in counts])
    accuracy = np.asarray(accuracies, dtype=float)
    idx = np.random.default_rng(seed).integers(0, n, size=(n_bootstrap, n))
    p, r = _masked_row_means(precision[idx]), _masked_row_means(recall[idx])
    f = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=(p + r) > 0)
    a = accuracy[idx].mean(axis=1)
    p_std, r_std, f_std, a_std = (float(np.std(x, ddof=1)) for x in (p, r, f, a))
    return p_std, r_std, f_std, a_std


def score_aeb(
    gold: Mapping[str, str | None],
    pred: Mapping[str, str | None],
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> AebScore:
    """Score predictions against gold bodies with the AEB metric.

    Semantics follow the benchmark's ``evaluate.py``: the key sets must be equal; a missing
    or None body is the empty string; an empty prediction has no shingles, so it is left out
    of the precision mean and scores recall 0 (it still counts in the recall mean); an empty
    gold body is left out of the recall mean, and a non-empty prediction for it scores
    precision 0; a page where both are empty drops out of both means (its accuracy, which
    is averaged over every page, is 1). A text of fewer than four tokens is one short
    shingle, so short gold bodies still score. Where ``evaluate.py``
    would divide by zero (no document enters a mean, or P = R = 0) the figure is 0.0 here.
    Bootstrap: ``n_bootstrap`` resamples of the documents drawn with
    ``numpy.random.default_rng(seed)``; the reported spread is the sample standard deviation
    of each figure over the resamples (no 1.96 factor), as in the published table.
    """
    if set(gold) != set(pred):
        raise ValueError("prediction keys do not match ground truth")
    keys = sorted(gold)
    gold_tokens = [aeb_tokens(gold[k]) for k in keys]
    pred_tokens = [aeb_tokens(pred[k]) for k in keys]
    counts = [
        counts_from_shingles(shingles_of(g), shingles_of(p))
        for g, p in zip(gold_tokens, pred_tokens, strict=True)
    ]
    accuracies = [float(g == p) for g, p in zip(gold_tokens, pred_tokens, strict=True)]
    precision, recall, f1 = aeb_corpus_prf(counts)
    p_std, r_std, f_std, a_std = aeb_bootstrap_std(counts, accuracies, n_bootstrap, seed)
    return AebScore(
        precision=precision,
        recall=recall,
        f1=f1,
        accuracy=_mean_or_zero(accuracies),
        precision_std=p_std,
        recall_std=r_std,
        f1_std=f_std,
        accuracy_std=a_std,
        documents=len(keys),
        empty_predictions=sum(1 for tokens in pred_tokens if not tokens),
    )


# ---- trafilatura-eval: loaders


@dataclass(frozen=True)
class TrafEvalPage:
    """One trafilatura-eval page with its segment gold and metadata gold ('' when absent)."""

    url: str
    file: str
    html_path: Path
    with_segments: tuple[str, ...]
    without_segments: tuple[str, ...]
    title: str
    authors: tuple[str, ...]
    date: str


def _as_str(value: Any) -> str:
    """A gold string field, '' when absent or not a string."""
    return value if isinstance(value, str) else ""


def _as_str_tuple(value: Any) -> tuple[str, ...]:
    """Coerce a gold field that may be a string or a list into a tuple of non-empty strings."""
    values = value if isinstance(value, list) else [value]
    return tuple(v for v in values if isinstance(v, str) and v.strip())


def load_trafeval_pages(root: Path) -> list[TrafEvalPage]:
    """Load ``evaldata.json`` in file order; HTML lives at ``html/<file>.gz``."""
    folder = root / TRAFEVAL_DIR
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    return [
        TrafEvalPage(
            url=url,
            file=item["file"],
            html_path=folder / "html" / f"{item['file']}.gz",
            with_segments=tuple(item.get("with") or ()),
            without_segments=tuple(item.get("without") or ()),
            title=_as_str(item.get("title")),
            authors=_as_str_tuple(item.get("author")),
            date=_as_str(item.get("date")),
        )
        for url, item in data.items()
    ]


# ---- trafilatura-eval: metric


@dataclass(frozen=True)
class Confusion:
    """Segment counts summed over a corpus, with the derived trafilatura-eval scores."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __add__(self, other: Confusion) -> Confusion:
        """Sum two sets of counts."""
        return Confusion(
            self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn
        )

    @property
    def precision(self) -> float:
        """tp/(tp+fp), 0.0 when nothing was found."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp/(tp+fn), 0.0 without 'with' segments."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def accuracy(self) -> float:
        """(tp+tn)/all segments, 0.0 for none."""
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 0.0

    @property
    def f1(self) -> float:
        """2tp/(2tp+fp+fn), 0.0 for none."""
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 0.0


def normalise_ws(text: str) -> str:
    """Collapse every whitespace run to one space and strip the ends."""
    return _WS_RE.sub(" ", text).strip()


def trafeval_counts(
    with_segments: Sequence[str], without_segments: Sequence[str], output: str | None
) -> Confusion:
    """Score one page: substring match of each whitespace-normalised segment in the output.

    A missing output (None, or not a string: the extractor crashed or returned nothing)
    is empty text: every 'with' segment is a FN and every 'without' segment a TN.
    """
    if isinstance(output, str):
        text = normalise_ws(output)
        found_with = sum(1 for s in with_segments if normalise_ws(s) in text)
        found_without = sum(1 for s in without_segments if normalise_ws(s) in text)
    else:
        found_with = found_without = 0
    return Confusion(
        tp=found_with,
        fp=found_without,
        fn=len(with_segments) - found_with,
        tn=len(without_segments) - found_without,
    )


def score_trafeval(pages: Sequence[TrafEvalPage], outputs: Mapping[str, str | None]) -> Confusion:
    """Sum page counts over the corpus; a page absent from ``outputs`` is empty output."""
    total = Confusion()
    for page in pages:
        total += trafeval_counts(page.with_segments, page.without_segments, outputs.get(page.url))
    return total


# ---- metadata matching


@dataclass(frozen=True)
class FieldAccuracy:
    """Correct predictions out of the pages that carry gold for one metadata field."""

    correct: int = 0
    total: int = 0

    def __add__(self, other: FieldAccuracy) -> FieldAccuracy:
        """Sum two tallies."""
        return FieldAccuracy(self.correct + other.correct, self.total + other.total)

    @property
    def accuracy(self) -> float:
        """correct/total, 0.0 for no gold."""
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class PredictedMetadata:
    """Metadata one extractor returned for a page."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None


def fold_text(text: str) -> str:
    """NFKC, HTML entities decoded, case-folded, typographic dashes and quotes made ASCII."""
    folded = unicodedata.normalize("NFKC", html.unescape(text)).casefold()
    folded = _DASH_RE.sub("-", folded)
    folded = _SINGLE_QUOTE_RE.sub("'", folded)
    return _DOUBLE_QUOTE_RE.sub('"', folded)


def normalise_title(text: str) -> str:
    """:func:`fold_text` with whitespace collapsed and the ends stripped."""
    return normalise_ws(fold_text(text))


def name_tokens(names: Iterable[str]) -> frozenset[str]:
    """Alphanumeric tokens of a list of names after :func:`fold_text` ('_' splits too)."""
    return frozenset(token for name in names for token in _NAME_TOKEN_RE.findall(fold_text(name)))


def parse_day(value: str | None) -> dt.date | None:
    """The calendar day at the start of an ISO-like ``YYYY-M-D...`` string, else None.

    Gold dates that are not valid ``YYYY-M-D`` (trafilatura-eval has "2022-01.26",
    "2022-29-11" and "2022-25-10") parse to None, so those pages carry no date gold.
    """
    match = _DATE_RE.match((value or "").strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def title_matches(gold: str, pred: str | None) -> bool:
    """Titles match when equal after :func:`normalise_title`."""
    return bool(pred) and normalise_title(gold) == normalise_title(pred or "")


def authors_match(gold: Sequence[str], pred: Sequence[str]) -> bool:
    """Authors match when one token set contains the other (and the prediction is non-empty).

    Tokens are the case-folded alphanumeric runs of all names together, so "Von Roland Brockmann und
    Sebastian Drescher" matches "Roland Brockmann; Sebastian Drescher", "dpa/lno" matches
    "dpa", and "Andrew Woodcock" matches "Andrew Woodcock, Political Editor".
    """
    gold_tokens, pred_tokens = name_tokens(gold), name_tokens(pred)
    if not gold_tokens or not pred_tokens:
        return False
    return gold_tokens <= pred_tokens or pred_tokens <= gold_tokens


def dates_match(gold: str, pred: str | None) -> bool:
    """Dates match when both parse to the same calendar day (time and zone ignored)."""
    gold_day = parse_day(gold)
    return gold_day is not None and gold_day == parse_day(pred)


def score_metadata(
    pages: Sequence[TrafEvalPage], predictions: Mapping[str, PredictedMetadata]
) -> dict[str, FieldAccuracy]:
    """Accuracy of title/author/date over the pages whose gold for that field is non-empty."""
    title, author, date = FieldAccuracy(), FieldAccuracy(), FieldAccuracy()
    for page in pages:
        pred = predictions.get(page.url, PredictedMetadata())
        if page.title.strip():
            title += FieldAccuracy(int(title_matches(page.title, pred.title)), 1)
        if page.authors:
            author += FieldAccuracy(int(authors_match(page.authors, pred.authors)), 1)
        if parse_day(page.date) is not None:
            date += FieldAccuracy(int(dates_match(page.date, pred.date)), 1)
    return {"title": title, "author": author, "date": date}


def split_authors(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Turn an author field (trafilatura joins names with '; ') into a tuple of names."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    names = (part.strip() for item in items if isinstance(item, str) for part in item.split(";"))
    return tuple(name for name in names if name)

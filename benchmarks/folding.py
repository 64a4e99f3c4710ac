"""Folding: newsfold's copy folding and story grouping against plain MinHash-LSH.

- **Syndication set** (``benchmarks/syndication.py``: real AEB bodies, their generated copies
  and hard negatives): pairwise precision/recall/F1 over same-cluster pairs and the adjusted Rand
  index over all documents (singletons included, as NEWS-COPY reports it); whether ``copy_of``
  names the true original; copies missed by kind; wrongly folded pairs by negative kind; and,
  for newsfold, how many pairs of each kind end up in one story.
- **Story level** on the English SemEval-2022 pairs (Overall <= 1.5 same story, >= 3.5
  different): ROC AUC (also against the related-but-different pairs scored 2.5 to 3.5),
  precision/recall at newsfold's configured ``fold.story_threshold``, the best F1 over all
  thresholds and Pearson r against Overall over all English pairs (negative is right: 1 means
  same story). For the MinHash-LSH columns the score is the word 5-shingle Jaccard.

The syndication set is built and scored in two splits (``syndication.split_of``: a fixed hash
of each source body's id, and house texts by their place in their list): ``dev`` and
``held-out``, which shares no body and no house text with it. The story figures are over all
English pairs, and over each split's pairs (by the same hash of the pair id). MinHash-LSH is
also run at thresholds 0.3 to 0.9 and shown at its best F1 on each split. newsfold runs as users
run it, ``newsfold fold --input FILE.jsonl --output FILE.jsonl``. The baseline is datasketch's
MinHashLSH over lower-case word 5-shingles, 128 permutations, each document queried then
inserted in arrival order, every candidate accepted and clusters closed transitively.
``story_score``'s idf comes from the set of distinct English SemEval texts,
with newsfold's formula, so no pair's score depends on the order texts arrive in.

Quality floors (``tests/test_folding_quality.py``): copy-folding P/R/F1/ARI on each split, no
false folds of hard negatives, every kind of full copy found, story AUC/precision/recall/F1 at
the threshold/Pearson.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from benchmarks import syndication
from benchmarks.harness import procs, results
from benchmarks.harness.tables import Table, frac, num
from benchmarks.scoring import default_benchdata_root
from config.loader import load_config
from pipelines.folding.features import salient_terms
from pipelines.folding.folder import rarity, story_score

LSH_THRESHOLDS = (0.5, 0.7)
# MinHash-LSH is also run at each of these and shown at the one with the best F1 on each split.
LSH_SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
NUM_PERM = 128
SHINGLE_SIZE = 5
# SemEval pairs scored 2.5 to 3.5: related coverage that is not the same story
RELATED_MIN = 2.5
NAME = "folding"
# Quality floors, a little under what newsfold reaches on each split;
# tests/test_folding_quality.py checks them.
COPY_FLOORS = {"precision": 0.99, "recall": 0.98, "f1": 0.98, "ari": 0.98}
STORY_FLOORS = {
    "auc": 0.95,
    "auc_related": 0.85,
    "precision": 0.93,
    "recall": 0.78,
    "best_f1": 0.90,
}
STORY_F1_FLOOR = 0.87
STORY_PEARSON_MAX = -0.68  # 1 means same story, so the correlation is negative
NEWSFOLD = "newsfold"
_TOKEN = re.compile(r"\w+")


# ---- clustering scores


def contingency(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> np.ndarray:
    """Counts of documents per (gold cluster, predicted cluster)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predicted")
    gold_ids = {label: i for i, label in enumerate(dict.fromkeys(gold))}
    pred_ids = {label: i for i, label in enumerate(dict.fromkeys(pred))}
    table = np.zeros((len(gold_ids), len(pred_ids)), dtype=np.int64)
    np.add.at(table, ([gold_ids[g] for g in gold], [pred_ids[p] for p in pred]), 1)
    return table


def _pairs(counts: np.ndarray) -> int:
    """The number of unordered pairs inside groups of the given sizes."""
    return int((counts * (counts - 1) // 2).sum())


@dataclass(frozen=True)
class PairCounts:
    """Same-cluster pairs: in both partitions, in the gold one, in the predicted one."""

    both: int
    gold: int
    pred: int
    total: int


def pair_counts(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> PairCounts:
    """Pair counts of two partitions of the same documents."""
    table = contingency(gold, pred)
    n = len(gold)
    return PairCounts(
        _pairs(table), _pairs(table.sum(axis=1)), _pairs(table.sum(axis=0)), n * (n - 1) // 2
    )


def pairwise_prf(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the predicted same-cluster pairs (1.0 where nothing to find)."""
    c = pair_counts(gold, pred)
    precision = c.both / c.pred if c.pred else 1.0
    recall = c.both / c.gold if c.gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def adjusted_rand_index(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    """Hubert and Arabie's adjusted Rand index (1 identical, ~0 chance, can be negative)."""
    c = pair_counts(gold, pred)
    if c.total == 0:
        return 1.0
    expected = c.gold * c.pred / c.total
    maximum = (c.gold + c.pred) / 2
    if maximum == expected:
        return 1.0
    return (c.both - expected) / (maximum - expected)


# ---- ranking scores


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    pos = np.array([s for s, y in zip(scores, labels, strict=True) if y], dtype=float)
    neg = np.array([s for s, y in zip(scores, labels, strict=True) if not y], dtype=float)
    if not len(pos) or not len(neg):
        return math.nan
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation (nan when either side is constant)."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    a, b = a - a.mean(), b - b.mean()
    denom = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denom if denom else math.nan


def precision_recall_at(
    scores: Sequence[float], labels: Sequence[bool], threshold: float
) -> tuple[float, float]:
    """Precision and recall of calling a pair positive at the threshold (precision nan if none is)."""
    hits = [s >= threshold for s in scores]
    tp = sum(h and y for h, y in zip(hits, labels, strict=True))
    called, positives = sum(hits), sum(labels)
    return (tp / called if called else math.nan), (tp / positives if positives else math.nan)


def f1_of(precision: float | None, recall: float | None) -> float:
    """Harmonic mean of precision and recall (0 when either is 0 or undefined)."""
    # A saved result holds an undefined figure as null.
    if precision is None or recall is None or math.isnan(precision) or math.isnan(recall):
        return 0.0
    if not precision + recall:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def best_f1(scores: Sequence[float], labels: Sequence[bool]) -> tuple[float, float]:
    """The best F1 over all thresholds and the lowest threshold reaching it."""
    best = (0.0, math.inf)
    for threshold in sorted(set(scores)):
        f1 = f1_of(*precision_recall_at(scores, labels, threshold))
        if f1 > best[0]:
            best = (f1, threshold)
    return best


# ---- systems


class Unavailable(Exception):
    """A system could not be run; the message says why."""


@dataclass
class Folding:
    """One system's assignments, aligned with the input documents."""

    copy: list[Hashable]
    story: list[Hashable] | None
    copy_of: list[str | None] | None
    seconds: float


def run_newsfold(docs: Sequence[Mapping[str, Any]], timeout: float = 300) -> Folding:
    """Fold documents with ``newsfold fold``; raise Unavailable with the reason when it fails."""
    with tempfile.TemporaryDirectory(prefix="newsfold-fold-") as tmp:
        src, dst = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
        src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), "utf-8")
        start = time.perf_counter()
        cmd = procs.newsfold("fold", "--input", str(src), "--output", str(dst))
        try:
            done = procs.run(cmd, timeout, cwd=Path(tmp))
        except subprocess.TimeoutExpired:
            raise Unavailable(f"newsfold fold took over {timeout:.0f} s") from None
        except OSError as exc:
            raise Unavailable(f"newsfold fold could not start: {exc}") from None
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            tail = [line for line in done.stderr.splitlines() if line.strip()][-1:] or [""]
            raise Unavailable(f"newsfold fold exit {done.returncode}: {tail[0][:300]}")
        lines = dst.read_text("utf-8").splitlines() if dst.exists() else []
    return folding_from_lines(docs, lines, seconds)


def folding_from_lines(
    docs: Sequence[Mapping[str, Any]], lines: Sequence[str], seconds: float
) -> Folding:
    """Assignments from ``newsfold fold`` output lines, checked against the input."""
    out = {}
    for line in lines:
        if line.strip():
            record = json.loads(line)
            out[str(record["id"])] = record
    missing = [d["id"] for d in docs if out.get(str(d["id"]), {}).get("copy_cluster") is None]
    if missing:
        reason = out.get(str(missing[0]), {}).get("skipped", "no output line")
        raise Unavailable(f"{len(missing)} documents not folded, e.g. {missing[0]}: {reason}")
    records = [out[str(d["id"])] for d in docs]
    return Folding(
        copy=[r["copy_cluster"] for r in records],
        story=[r["story"] for r in records],
        copy_of=[r.get("copy_of") for r in records],
        seconds=seconds,
    )


def plain_shingles(text: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    """Lower-case ``\\w+`` word shingles, the usual MinHash-LSH dedup recipe."""
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


def run_minhash_lsh(docs: Sequence[Mapping[str, Any]], threshold: float) -> Folding:
    """Query-then-insert MinHashLSH clustering, every candidate accepted, closed transitively."""
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    parent = list(range(len(docs)))
    for index, doc in enumerate(docs):
        mh = MinHash(num_perm=NUM_PERM, seed=1)
        grams = plain_shingles(str(doc["text"]))
        if grams:
            mh.update_batch(list(grams))
        for other in lsh.query(mh):
            _union(parent, index, int(other))
        lsh.insert(str(index), mh)
    clusters: list[Hashable] = [_find(parent, i) for i in range(len(docs))]
    return Folding(copy=clusters, story=None, copy_of=None, seconds=time.perf_counter() - start)


def _find(parent: list[int], i: int) -> int:
    """Union-find root, halving paths on the way."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], a: int, b: int) -> None:
    """Join the sets of a and b under the smaller root."""
    ra, rb = _find(parent, a), _find(parent, b)
    parent[max(ra, rb)] = min(ra, rb)


# ---- syndication breakdowns


def originals(data: syndication.SyndicationSet) -> dict[str, int]:
    """Each gold cluster's original: the document whose id is the cluster's label."""
    return {doc["id"]: i for i, doc in enumerate(data.docs)}


def copy_misses(
    data: syndication.SyndicationSet, clusters: Sequence[Hashable]
) -> dict[str, list[int]]:
    """Per copy kind: [copies not in their original's cluster, copies]."""
    original = originals(data)
    out: dict[str, list[int]] = {kind: [0, 0] for kind in syndication.COPY_KINDS}
    for i, kind in enumerate(data.kinds):
        if kind in out:
            out[kind][0] += clusters[i] != clusters[original[data.labels[i]]]
            out[kind][1] += 1
    return out


HOUSE_KINDS = ("footer", "intro", "brief-footer", "brief-lines", "disclaimer")


def false_fold_type(data: syndication.SyndicationSet, i: int, j: int) -> str:
    """What kind of wrong fold a pair of different gold clusters is."""
    if data.groups[i] and data.groups[i] == data.groups[j]:
        return data.kinds[i]
    if data.kinds[i] == data.kinds[j] and data.kinds[i] in HOUSE_KINDS:
        # the same house template under another outlet's name, as sister sites share them
        return f"{data.kinds[i]}, sister sites"
    aeb = data.labels[i].startswith("b") and data.labels[j].startswith("b")
    return "different originals" if aeb else "other"


FALSE_FOLD_TYPES = (
    *syndication.NEGATIVE_KINDS,
    *(f"{kind}, sister sites" for kind in HOUSE_KINDS),
    "different originals",
    "other",
)


def false_folds(data: syndication.SyndicationSet, clusters: Sequence[Hashable]) -> dict[str, int]:
    """Per false-fold type: pairs in one predicted cluster whose gold clusters differ."""
    members: dict[Hashable, list[int]] = {}
    for i, cluster in enumerate(clusters):
        members.setdefault(cluster, []).append(i)
    found: Counter[str] = Counter()
    for group in members.values():
        for i, j in combinations(group, 2):
            if data.labels[i] != data.labels[j]:
                found[false_fold_type(data, i, j)] += 1
    return {kind: found[kind] for kind in FALSE_FOLD_TYPES}


def negative_pairs(data: syndication.SyndicationSet) -> dict[str, int]:
    """Per negative kind: the number of same-group pairs that must stay apart."""
    sizes = Counter((data.kinds[i], g) for i, g in enumerate(data.groups) if g)
    out = dict.fromkeys(syndication.NEGATIVE_KINDS, 0)
    for (kind, _), n in sizes.items():
        out[kind] += n * (n - 1) // 2
    return out


def same_story_share(
    data: syndication.SyndicationSet, stories: Sequence[Hashable]
) -> dict[str, list[int]]:
    """Per negative kind and for copies: [pairs put in one story, pairs]."""
    out: dict[str, list[int]] = {kind: [0, 0] for kind in (*syndication.NEGATIVE_KINDS, "copies")}
    original = originals(data)
    by_group: dict[str, list[int]] = {}
    for i, group in enumerate(data.groups):
        if group:
            by_group.setdefault(group, []).append(i)
        elif data.kinds[i] in syndication.COPY_KINDS:
            out["copies"][0] += stories[i] == stories[original[data.labels[i]]]
            out["copies"][1] += 1
    for members in by_group.values():
        for i, j in combinations(members, 2):
            out[data.kinds[i]][0] += stories[i] == stories[j]
            out[data.kinds[i]][1] += 1
    return out


def copy_of_right(data: syndication.SyndicationSet, folding: Folding) -> list[int]:
    """[folded copies whose ``copy_of`` names their gold original, copies folded with it]."""
    if folding.copy_of is None:
        return []
    original = originals(data)
    folded = [
        i
        for i, kind in enumerate(data.kinds)
        if kind in syndication.COPY_KINDS
        and folding.copy[i] == folding.copy[original[data.labels[i]]]
    ]
    # an original's id is its gold label
    return [sum(folding.copy_of[i] == data.labels[i] for i in folded), len(folded)]


@dataclass
class CopyReport:
    """One system's figures on the syndication set."""

    system: str
    available: bool = True
    reason: str = ""
    precision: float = math.nan
    recall: float = math.nan
    f1: float = math.nan
    ari: float = math.nan
    seconds: float = math.nan
    misses: dict[str, list[int]] = field(default_factory=dict)
    false_folds: dict[str, int] = field(default_factory=dict)
    copy_of_right: list[int] = field(default_factory=list)
    same_story: dict[str, list[int]] = field(default_factory=dict)


def copy_report(system: str, data: syndication.SyndicationSet, folding: Folding) -> CopyReport:
    """Score one system's copy clusters against the gold clusters."""
    p, r, f1 = pairwise_prf(data.labels, folding.copy)
    return CopyReport(
        system=system,
        precision=p,
        recall=r,
        f1=f1,
        ari=adjusted_rand_index(data.labels, folding.copy),
        seconds=folding.seconds,
        misses=copy_misses(data, folding.copy),
        false_folds=false_folds(data, folding.copy),
        copy_of_right=copy_of_right(data, folding),
        same_story=same_story_share(data, folding.story) if folding.story else {},
    )


# ---- story level


@dataclass
class StoryReport:
    """Story-level figures of one score on the SemEval pairs."""

    system: str
    score: str
    threshold: float
    auc: float
    auc_related: float
    precision: float
    recall: float
    best_f1: float
    best_threshold: float
    pearson: float
    same: int
    different: int
    pairs: int


def idf_of(profiles: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """newsfold's idf, ``log((N + 2) / (df + 1)) + 1``, over a set of term profiles."""
    df = Counter(term for profile in profiles for term in profile)
    total = len(profiles)
    return {term: rarity(total, n) for term, n in df.items()}


def story_scores(pairs: Sequence[tuple[str, str]]) -> list[float]:
    """``story_score`` of each text pair (no title), idf over the distinct texts."""
    texts = list(dict.fromkeys(t for pair in pairs for t in pair))
    profiles = {text: salient_terms(text, "") for text in texts}
    idf = idf_of(list(profiles.values()))
    return [story_score(profiles[a], profiles[b], idf) for a, b in pairs]


def shingle_jaccard(a: str, b: str) -> float:
    """Exact Jaccard of two texts' plain word 5-shingle sets."""
    sa, sb = plain_shingles(a), plain_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def story_report(
    system: str, score: str, scores: Sequence[float], overall: Sequence[float], threshold: float
) -> StoryReport:
    """AUC, P/R at the threshold, best F1 on the clear pairs; Pearson r on all pairs."""
    clear = [
        (s, o <= syndication.SAME_STORY_MAX)
        for s, o in zip(scores, overall, strict=True)
        if o <= syndication.SAME_STORY_MAX or o >= syndication.DIFFERENT_STORY_MIN
    ]
    s_clear, y_clear = [s for s, _ in clear], [y for _, y in clear]
    related = [
        (s, o <= syndication.SAME_STORY_MAX)
        for s, o in zip(scores, overall, strict=True)
        if o <= syndication.SAME_STORY_MAX or RELATED_MIN <= o < syndication.DIFFERENT_STORY_MIN
    ]
    precision, recall = precision_recall_at(s_clear, y_clear, threshold)
    f1, best = best_f1(s_clear, y_clear)
    return StoryReport(
        system=system,
        score=score,
        threshold=threshold,
        auc=roc_auc(s_clear, y_clear),
        auc_related=roc_auc([s for s, _ in related], [y for _, y in related]),
        precision=precision,
        recall=recall,
        best_f1=f1,
        best_threshold=best,
        pearson=pearson(scores, overall),
        same=sum(y_clear),
        different=len(y_clear) - sum(y_clear),
        pairs=len(scores),
    )


# ---- the run


@dataclass
class SplitResults:
    """Every system's figures on one split of the syndication set."""

    split: str
    documents: int = 0
    gold_clusters: int = 0
    copies: int = 0
    negative_pairs: dict[str, int] = field(default_factory=dict)
    copy_kinds: dict[str, int] = field(default_factory=dict)
    copy_reports: list[CopyReport] = field(default_factory=list)


@dataclass
class Results:
    """Every figure of one benchmark run."""

    seed: int
    splits: list[SplitResults] = field(default_factory=list)
    story_reports: list[StoryReport] = field(default_factory=list)
    story_splits: list[StoryReport] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def split(self, name: str) -> SplitResults:
        """The figures of one split."""
        return next(s for s in self.splits if s.split == name)


def evaluate_copies(data: syndication.SyndicationSet) -> list[CopyReport]:
    """newsfold through its CLI and MinHash-LSH: the fixed thresholds, then the best of a sweep."""
    reports = []
    try:
        reports.append(copy_report(NEWSFOLD, data, run_newsfold(data.docs)))
    except Unavailable as exc:
        reports.append(CopyReport(NEWSFOLD, available=False, reason=str(exc)))
    swept = {
        t: copy_report(f"minhash-lsh@{t}", data, run_minhash_lsh(data.docs, t)) for t in LSH_SWEEP
    }
    reports.extend(swept[t] for t in LSH_THRESHOLDS)
    best = max(swept.values(), key=lambda r: r.f1)
    reports.append(replace(best, system=f"{best.system} (best)"))
    return reports


def evaluate_split(root: Path, seed: int, split: str) -> SplitResults:
    """Build one split of the set and score every system on it."""
    data = syndication.load_set(root, seed, split)
    return SplitResults(
        split=split,
        documents=len(data.docs),
        gold_clusters=len(set(data.labels)),
        copies=sum(k in syndication.COPY_KINDS for k in data.kinds),
        negative_pairs=negative_pairs(data),
        copy_kinds={k: data.kinds.count(k) for k in syndication.COPY_KINDS},
        copy_reports=evaluate_copies(data),
    )


def evaluate_stories(
    pairs: Sequence[syndication.StoryPair], story_threshold: float
) -> list[StoryReport]:
    """newsfold's story score and the shingle Jaccard on the English SemEval pairs."""
    texts = [(p.text1, p.text2) for p in pairs]
    overall = [p.overall for p in pairs]
    reports = [story_report(NEWSFOLD, "story_score", story_scores(texts), overall, story_threshold)]
    jaccards = [shingle_jaccard(a, b) for a, b in texts]
    reports.extend(
        story_report(f"minhash-lsh@{t}", "5-shingle Jaccard", jaccards, overall, t)
        for t in LSH_THRESHOLDS
    )
    return reports


def story_by_split(
    pairs: Sequence[syndication.StoryPair], story_threshold: float
) -> list[StoryReport]:
    """newsfold's story figures on each split of the pairs (idf over all texts, as for the whole)."""
    texts = [(p.text1, p.text2) for p in pairs]
    scores = story_scores(texts)
    out = []
    for split in syndication.SPLITS:
        members = [i for i, p in enumerate(pairs) if syndication.split_of(p.pair_id) == split]
        report = story_report(
            f"{NEWSFOLD} {split}",
            "story_score",
            [scores[i] for i in members],
            [pairs[i].overall for i in members],
            story_threshold,
        )
        out.append(report)
    return out


def run(root: Path, seed: int = syndication.DEFAULT_SEED) -> Results:
    """Build both splits, run every system and score them."""
    start = time.perf_counter()
    found = Results(seed=seed)
    found.splits = [evaluate_split(root, seed, split) for split in syndication.SPLITS]
    pairs = syndication.load_story_pairs(root)
    threshold = load_config().fold.story_threshold
    found.story_reports = evaluate_stories(pairs, threshold)
    found.story_splits = story_by_split(pairs, threshold)
    found.targets = targets(found)
    found.seconds = time.perf_counter() - start
    return found


def targets(found: Results) -> list[dict[str, Any]]:
    """newsfold's figures against the quality floors (none where it could not run)."""
    out = []
    for split in found.splits:
        copy = next((r for r in split.copy_reports if r.system == NEWSFOLD and r.available), None)
        if copy is None:
            continue
        out += [
            results.target(f"copies {split.split}: {k}", getattr(copy, k), ">=", v)
            for k, v in COPY_FLOORS.items()
        ]
        hard = sum(copy.false_folds.get(kind, 0) for kind in FALSE_FOLD_TYPES)
        out.append(results.target(f"copies {split.split}: false-fold pairs", hard, "<=", 0))
    story = next((r for r in found.story_reports if r.system == NEWSFOLD), None)
    if story is not None:
        out += [
            results.target(f"story: {k}", getattr(story, k), ">=", v)
            for k, v in STORY_FLOORS.items()
        ]
        f1 = f1_of(story.precision, story.recall)
        out.append(results.target("story: F1 at the threshold", f1, ">=", STORY_F1_FLOOR))
        out.append(results.target("story: pearson", story.pearson, "<=", STORY_PEARSON_MAX))
    return out


# ---- report


def split_table(figures: dict[str, Any], seed: int) -> Table:
    """One split of the syndication set: a column per system."""
    copy = figures["copy_reports"]
    heading = (
        f"Syndication set, {figures['split']} split: {figures['documents']:,} documents, "
        f"{figures['gold_clusters']:,} gold clusters, {figures['copies']} copies (seed {seed})"
    )
    rows: list[list[Any]] = [
        [label, *(r[key] for r in copy)]
        for key, label in (
            ("precision", "pairwise precision"),
            ("recall", "pairwise recall"),
            ("f1", "pairwise F1"),
            ("ari", "adjusted Rand index"),
        )
    ]
    rows.append(["seconds (CLI: with start-up)", *(num(r["seconds"]) for r in copy)])
    rows.append(["copy_of names the original", *(frac(r["copy_of_right"]) for r in copy)])
    for kind, n in figures["copy_kinds"].items():
        rows.append(
            [f"missed copies: {kind} (of {n})", *(frac(r["misses"].get(kind)) for r in copy)]
        )
    for kind in FALSE_FOLD_TYPES:
        n = figures["negative_pairs"].get(kind)
        label = f"false-fold pairs: {kind}" + (f" (of {n})" if n else "")
        rows.append([label, *(r["false_folds"].get(kind) for r in copy)])
    rows.extend(
        [f"one story: {kind} pairs", *(frac(r["same_story"].get(kind)) for r in copy)]
        for kind in (*syndication.NEGATIVE_KINDS, "copies")
    )
    notes = [f"{r['system']} unavailable: {r['reason']}" for r in copy if not r["available"]]
    return Table(heading, ["", *(r["system"] for r in copy)], rows, notes)


def tables(figures: dict[str, Any]) -> list[Table]:
    """Each split of the syndication set, then the story level: a column per system."""
    out = [split_table(split, figures["seed"]) for split in figures["splits"]]
    story = figures["story_reports"] + figures.get("story_splits", [])
    if story:
        first = story[0]
        heading = (
            f"SemEval-2022 English story pairs: {first['pairs']} pairs, {first['same']} same "
            f"(Overall <= 1.5), {first['different']} different (>= 3.5); the split columns hold "
            "the pairs of each split"
        )
        rows = [["score", *(r["score"] for r in story)]]
        rows += [["pairs (same / different)", *(f"{r['same']} / {r['different']}" for r in story)]]
        rows += [
            [label, *(r[key] for r in story)]
            for key, label in (
                ("auc", "ROC AUC"),
                ("auc_related", "ROC AUC, same against related (2.5-3.5)"),
                ("threshold", "threshold (config / LSH)"),
                ("precision", "precision at the threshold"),
                ("recall", "recall at the threshold"),
            )
        ]
        rows.append(["F1 at the threshold", *(f1_of(r["precision"], r["recall"]) for r in story)])
        rows += [
            [label, *(r[key] for r in story)]
            for key, label in (
                ("best_f1", "best F1"),
                ("best_threshold", "... at threshold"),
                ("pearson", "Pearson r against Overall (all pairs)"),
            )
        ]
        out.append(Table(heading, ["", *(r["system"] for r in story)], rows))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and save it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=syndication.DEFAULT_SEED, help="generator seed")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    root = default_benchdata_root()
    reason = syndication.missing_reason(root)
    if reason:
        print(f"skipped: {reason}")
        return 0
    env = results.environment(NAME, argv)
    results.publish(NAME, NAME, env, asdict(run(root, args.seed)), args.out, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

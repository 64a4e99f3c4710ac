"""Recall diagnostic: the ground-truth paragraphs bare trafilatura keeps and newsfold loses, by cause.

On the AEB pages (a gold paragraph is a line of the article body, kept when its word sequence
is in the output) and trafilatura-eval (a "with" segment, kept when it is a substring of the
whitespace-normalised output), each unit bare trafilatura keeps (run as
``benchmarks/extraction.py`` runs it) and newsfold loses is put down to the step that removed
it: the cleaning rule whose removal holds it (``clean:RULE``), a markup rule
(``prune:RULE``), or extraction itself: ``extract:fast mode`` when trafilatura's full
cascade on the same tree keeps it, else ``extract:other``. Units newsfold keeps and bare
trafilatura loses are counted as ``gained``. Counts are given by split (``scoring.split_of``).
``--before FILE`` shows an earlier run's counts beside them: e.g. this module run (with
``PYTHONPATH`` and ``$NEWSFOLD_BENCHDATA`` set) in a git worktree of an earlier commit.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import extraction, scoring
from benchmarks.harness import results
from benchmarks.harness.rounds import log
from benchmarks.harness.tables import Table

NAME = "recall"
_TOKEN = re.compile(r"\w+")
Unit = str
Kept = Callable[[Unit, str], bool]


def aeb_kept(unit: Unit, text: str) -> bool:
    """A gold paragraph is kept when its word sequence is in the text."""
    words = " ".join(_TOKEN.findall(unit))
    return not words or f" {words} " in f" {' '.join(_TOKEN.findall(text))} "


def trafeval_kept(unit: Unit, text: str) -> bool:
    """A segment is kept when it is a substring of the text, whitespace normalised."""
    return scoring.normalise_ws(unit) in scoring.normalise_ws(text)


def cause(
    unit: Unit, html: bytes, page: Any, removals: Sequence[dict[str, str]], kept: Kept
) -> str:
    """The step that lost a unit newsfold's extraction or cleaning does not keep."""
    from pipelines.extraction.decode import decode_html
    from pipelines.extraction.extractor import _run, parse_html
    from pipelines.extraction.lines import joined
    from pipelines.extraction.prune import prune, unwrap_embedded_posts

    if page is not None and kept(unit, joined(page.lines)):
        for removal in removals:  # a removal that is part of the unit, or holds it
            if kept(removal["text"], unit) or kept(unit, removal["text"]):
                return f"clean:{removal['rule']}"
        words = set(_TOKEN.findall(unit.casefold()))
        overlap = Counter[str]()
        for removal in removals:
            overlap[removal["rule"]] += len(words & set(_TOKEN.findall(removal["text"].casefold())))
        return f"clean:{overlap.most_common(1)[0][0]}" if overlap else "clean:?"
    if page is None:
        return "extract:no text"
    for removal in page.removals:
        if kept(unit, removal["text"]):
            return f"prune:{removal['rule']}"
    decoded = decode_html(html, None)
    tree = parse_html(decoded.text, decoded.utf8)
    if tree is not None:
        prune(tree)
        unwrap_embedded_posts(tree)
        if kept(unit, joined(_run(tree, "", fast=False))):
            return "extract:fast mode"
    return "extract:other"


def diagnose(dataset: str, root: Path) -> dict[str, Counter[str]]:
    """Lost units by cause (and gained units) per split of one dataset."""
    from config.loader import load_config
    from pipelines.cleaning.cleaner import Cleaner, clean_together, site_learner
    from pipelines.extraction.extractor import ExtractionError, Extractor
    from pipelines.extraction.xpath_guard import XPATH_GUARD

    if dataset == "aeb":
        aeb = scoring.load_aeb_pages(root)
        pages = [(p.page_id, p.url, p.html_path, [u for u in p.body.splitlines() if u.strip()])
                 for p in aeb]  # fmt: skip
        kept: Kept = aeb_kept
    else:
        evald = scoring.load_trafeval_pages(root)
        pages = [(p.url, p.url, p.html_path, list(p.with_segments)) for p in evald]
        kept = trafeval_kept
    config = load_config()
    extractor = Extractor(config.crawl.max_page_bytes, frozenset(config.clean.disabled_rules))
    learner = site_learner(config.clean)
    cleaner = Cleaner(config.clean, learner)
    extracted: list[Any] = []  # a Page, or None where extraction found no text
    for _, url, path, _ in pages:
        try:
            extracted.append(extractor.extract(scoring.read_gzip_bytes(path), url))
        except ExtractionError:
            extracted.append(None)
    cleaned = iter(clean_together([p for p in extracted if p is not None], learner, cleaner))
    XPATH_GUARD.restore()  # bare trafilatura with its own expressions
    counts: dict[str, Counter[str]] = {split: Counter() for split in scoring.SPLITS}
    for (key, _, path, units), page in zip(pages, extracted, strict=True):
        done = next(cleaned) if page is not None else None
        ours = done.text if done is not None else ""
        raw = scoring.read_gzip_bytes(path)
        if dataset == "aeb":
            bare = extraction.extract_default(extraction.read_html_text(path), 0) or ""
        else:
            bare = extraction.extract_canonical(raw, 0) or ""
        tally = counts[scoring.split_of(key)]
        for unit in units:
            in_bare, in_ours = kept(unit, bare), kept(unit, ours)
            if in_bare and not in_ours:
                XPATH_GUARD.apply()
                removals = done.removals if done else []
                tally[cause(unit, raw, page, removals, kept)] += 1
                XPATH_GUARD.restore()
            elif in_ours and not in_bare:
                tally["gained"] += 1
            tally["units"] += 1
    XPATH_GUARD.apply()
    return counts


def tables(figures: dict[str, Any]) -> list[Table]:
    """Lost units by cause, per dataset and split, with an earlier run's beside them."""
    now, before = figures["lost"], figures.get("before") or {}
    columns = [f"{d} {s}" for d in now for s in scoring.SPLITS]
    causes = sorted(
        {c for d in now.values() for s in d.values() for c in s} - {"units", "gained"},
        key=lambda c: -sum(now[d][s].get(c, 0) for d in now for s in now[d]),
    )

    def row(name: str) -> list[Any]:
        cells: list[Any] = [name]
        for d in now:
            for s in scoring.SPLITS:
                was = before.get(d, {}).get(s, {}).get(name, 0)
                cells.append(
                    f"{was} → {now[d][s].get(name, 0)}" if before else now[d][s].get(name, 0)
                )
        return cells

    lost = ["lost (all causes)"] + [
        (f"{sum(v for c, v in before[d][s].items() if c not in ('units', 'gained'))} → " if before else "")
        + str(sum(v for c, v in now[d][s].items() if c not in ("units", "gained")))
        for d in now for s in scoring.SPLITS
    ]  # fmt: skip
    title = "Gold units bare trafilatura keeps and newsfold loses, by cause" + (
        f" ({figures.get('before_label', 'before')} → now)" if before else ""
    )
    notes = ["units: gold paragraphs (AEB) or 'with' segments (trafilatura-eval) in the split."]
    rows = [row(c) for c in causes] + [lost, row("gained"), row("units")]
    return [Table(title, ["cause", *columns], rows, notes)]


def main(argv: Sequence[str] | None = None) -> int:
    """Diagnose both datasets, print and save the table."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--before", type=Path, help="an earlier result file to show beside")
    parser.add_argument("--before-label", default="before", help="what the earlier run was")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    root = scoring.default_benchdata_root()
    lost = {}
    for dataset, folder in (("aeb", scoring.AEB_DIR), ("trafeval", scoring.TRAFEVAL_DIR)):
        reason = scoring.missing_reason(root, folder)
        if reason:
            print(f"{dataset} skipped: {reason}")
            continue
        log(f"{dataset}: diagnosing")
        lost[dataset] = {s: dict(c) for s, c in diagnose(dataset, root).items()}
    if not lost:
        return 0
    figures: dict[str, Any] = {"lost": lost}
    if args.before:
        figures["before"] = json.loads(args.before.read_text(encoding="utf-8"))["figures"]["lost"]
        figures["before_label"] = args.before_label
    results.publish(NAME, NAME, results.environment(NAME, argv), figures, args.out, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

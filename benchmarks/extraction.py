"""Extraction: newsfold against bare trafilatura on the Zyte AEB and trafilatura-eval pages.

The data come from ``../shared/benchdata`` (or ``$NEWSFOLD_BENCHDATA``); a dataset that is
absent is skipped with the reason printed. Scorers and loaders are in ``benchmarks/scoring.py``.

- **AEB** (181 pages; P/R/F1 over word 4-gram shingles, ±F1 the bootstrap standard deviation):
  bare ``trafilatura.extract`` with its defaults, and newsfold. (``tests/test_scoring.py``
  checks the scorer against the benchmark's published table.)
- **trafilatura-eval** (990 pages; segment P/R/Acc/F1): bare trafilatura with the canonical
  settings (``include_comments=False, include_tables=True, include_formatting=False``),
  ``bare_extraction(with_metadata=True)`` given the page URL, and newsfold. Metadata accuracy
  counts only pages whose gold field is set: title an exact match after Unicode, case, dash,
  quote and whitespace folding; author when one name-token set holds the other; date the same
  calendar day.

newsfold runs as users run it, ``newsfold extract --manifest FILE.jsonl --format jsonl`` in a
child process; its CPU ms a page leave out start-up (a 1-page run's CPU time). Bare systems run
in this process after one untimed page. Last, ``benchmarks/paired.py`` times newsfold's
extraction + cleaning and bare trafilatura in this process over the same 20-page chunks in turn
(``--paired-rounds``): the throughput ratio the host's drifting speed moves least.

Each dataset is also scored on its two splits (``scoring.split_of``: one page in four, by a
fixed hash of its id, is held out from tuning). Targets: AEB P/R/F1 floors, newsfold's F1 at
least 0.01 over bare trafilatura's on AEB; on trafilatura-eval F1 at least 0.938 and above
bare trafilatura's; on each dataset at most 0.003 of bare trafilatura's recall given up.
``tests/test_extraction_quality.py`` checks the same on all AEB pages and the first 200
trafilatura-eval pages (with metadata floors).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura

from benchmarks import paired, scoring
from benchmarks.harness import procs, results
from benchmarks.harness.rounds import log
from benchmarks.harness.tables import Table, num

NAME = "extraction"
# trafilatura's canonical evaluation settings (tests/eval_common.py upstream)
TRAFEVAL_OPTS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_formatting": False,
}
# Quality floors on all 181 AEB pages, a little under what newsfold reaches (checked by
# tests/test_extraction_quality.py too), and how far newsfold's F1 must clear bare trafilatura's.
AEB_FLOORS = {"precision": 0.968, "recall": 0.978, "f1": 0.975}
AEB_F1_MARGIN = 0.01
TRAFEVAL_F1_FLOOR = 0.938
# Recall newsfold may give up against bare trafilatura on each whole set.
RECALL_GIVEN_UP = 0.003
# Published trafilatura-eval F1 (docs/evaluation.rst, 2026-08-04, trafilatura 2.2.0, 990 pages).
PUBLISHED_TRAFEVAL_F1 = 0.924


@dataclass
class Row:
    """One system scored on one dataset."""

    key: str
    dataset: str
    system: str
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    f1_std: float | None = None
    accuracy: float | None = None
    published_f1: float | None = None
    title: float | None = None
    author: float | None = None
    date: float | None = None
    pages: int = 0
    cpu_ms: float | None = None  # CPU milliseconds a page
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def aeb_row(key: str, system: str, score: scoring.AebScore, **extra: Any) -> Row:
    """An AEB row from a score."""
    figures = (score.precision, score.recall, score.f1, score.f1_std, score.accuracy)
    return Row(key, "aeb", system, *figures, pages=score.documents, details=asdict(score), **extra)


def trafeval_row(key: str, system: str, conf: scoring.Confusion, pages: int, **extra: Any) -> Row:
    """A trafilatura-eval row from summed segment counts."""
    figures = (conf.precision, conf.recall, conf.f1, None, conf.accuracy)
    return Row(key, "trafeval", system, *figures, pages=pages, details=asdict(conf), **extra)


def add_metadata(row: Row, fields: Mapping[str, scoring.FieldAccuracy]) -> None:
    """Attach title/author/date accuracies to a row."""
    row.title, row.author, row.date = (
        fields[name].accuracy if fields[name].total else None
        for name in ("title", "author", "date")
    )
    row.details["metadata"] = {name: asdict(acc) for name, acc in fields.items()}


# ---- bare trafilatura, in this process


@dataclass(frozen=True)
class BareRun:
    """Outputs of an extractor over pages (None where it crashed), its CPU time and crashes."""

    outputs: list[Any]
    cpu_seconds: float
    errors: list[str]

    @property
    def cpu_ms(self) -> float | None:
        """CPU milliseconds a page."""
        return 1000 * self.cpu_seconds / len(self.outputs) if self.outputs else None


def read_html_text(path: Path) -> str:
    """Decompress an AEB page and decode it as UTF-8, as the AEB runners do."""
    return scoring.read_gzip_bytes(path).decode("utf-8", errors="replace")


def extract_default(html: str, _index: int) -> str | None:
    """``trafilatura.extract`` with its defaults."""
    return trafilatura.extract(html)


def extract_canonical(html: bytes, _index: int) -> str | None:
    """``trafilatura.extract`` with the canonical evaluation settings."""
    return trafilatura.extract(html, **TRAFEVAL_OPTS)


def run_bare(
    paths: Sequence[Path], read: Callable[[Path], Any], extract: Callable[[Any, int], Any]
) -> BareRun:
    """Time read + extract over every page after one untimed page; a crash yields None."""
    if paths:
        try:
            extract(read(paths[0]), 0)  # lazy imports and caches do not count
        except Exception as exc:
            log(f"warm-up page {paths[0].name}: {exc}")
    outputs: list[Any] = []
    errors: list[str] = []
    cpu = time.process_time()
    for index, path in enumerate(paths):
        try:
            outputs.append(extract(read(path), index))
        except Exception as exc:
            outputs.append(None)
            errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
    return BareRun(outputs, time.process_time() - cpu, errors)


# ---- newsfold, as a child process


@dataclass(frozen=True)
class NewsfoldRun:
    """Records ``newsfold extract`` printed, by resolved input path, or why there are none."""

    records: dict[str, dict[str, Any]]
    cpu_seconds: float = 0.0
    error: str | None = None

    def record(self, path: Path) -> dict[str, Any]:
        """The record of one input page, empty when newsfold printed none."""
        return self.records.get(str(path.resolve()), {})


def children_cpu() -> float:
    """User + system CPU seconds of the finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_newsfold(entries: Sequence[tuple[Path, str]], workdir: Path, timeout: float) -> NewsfoldRun:
    """Run ``newsfold extract`` on a manifest of (path, URL) entries."""
    manifest = workdir / f"manifest-{len(entries)}.jsonl"
    lines = (json.dumps({"path": str(p.resolve()), "url": url}) for p, url in entries)
    manifest.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    cpu = children_cpu()
    cmd = procs.newsfold("extract", "--manifest", str(manifest), "--format", "jsonl")
    done = procs.run(cmd, timeout, cwd=workdir)
    if done.returncode != 0:
        tail = [line for line in done.stderr.splitlines() if line.strip()][-1:] or ["no output"]
        return NewsfoldRun({}, error=f"exit {done.returncode}: {tail[0][:160]}")
    records = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            records[str(Path(record["path"]).resolve())] = record
    return NewsfoldRun(records, children_cpu() - cpu)


def newsfold_text(record: Mapping[str, Any]) -> str | None:
    """The extracted text of a record, None when missing."""
    text = record.get("text")
    return text if isinstance(text, str) else None


def newsfold_metadata(record: Mapping[str, Any]) -> scoring.PredictedMetadata:
    """Title, authors and publication date of a record."""
    title, published = record.get("title"), record.get("published")
    return scoring.PredictedMetadata(
        title=title if isinstance(title, str) else None,
        authors=scoring.split_authors(record.get("authors")),
        date=published if isinstance(published, str) else None,
    )


def newsfold_pass(
    dataset: str, entries: Sequence[tuple[Path, str]], workdir: Path, timeout: float
) -> tuple[NewsfoldRun, float | None, str]:
    """newsfold over the pages: the run, CPU ms a page without start-up, and a note."""
    log(f"{dataset}: newsfold")
    startup = run_newsfold(entries[:1], workdir, timeout)
    run = run_newsfold(entries, workdir, timeout) if not startup.error else startup
    if run.error:
        return run, None, f"unavailable: {run.error}"
    marginal = run.cpu_seconds - startup.cpu_seconds
    cpu_ms = 1000 * marginal / (len(entries) - 1) if len(entries) > 1 and marginal > 0 else None
    missing = sum(1 for path, _ in entries if not run.record(path))
    note = f"start-up {startup.cpu_seconds:.1f} CPU-s excluded"
    return run, cpu_ms, note + (f"; {missing} pages without a record" if missing else "")


# ---- the datasets


def aeb_rows(root: Path, limit: int, workdir: Path, timeout: float, bootstrap: int) -> list[Row]:
    """Bare trafilatura and newsfold on the AEB pages."""
    pages = scoring.load_aeb_pages(root)[: limit or None]
    gold = {p.page_id: p.body for p in pages}
    log("aeb: bare trafilatura")
    bare = run_bare([p.html_path for p in pages], read_html_text, extract_default)
    outputs = {p.page_id: out for p, out in zip(pages, bare.outputs, strict=True)}
    label = f"trafilatura {trafilatura.__version__} extract() default"
    note = f"{len(bare.errors)} crashed" if bare.errors else ""
    score = scoring.score_aeb(gold, outputs, bootstrap)
    rows = [aeb_row("aeb/trafilatura", label, score, cpu_ms=bare.cpu_ms, note=note)]
    entries = [(p.html_path, p.url) for p in pages]
    run, cpu_ms, note = newsfold_pass("aeb", entries, workdir, timeout)
    if run.error:
        return [*rows, Row("aeb/newsfold", "aeb", "newsfold", note=note)]
    texts = {p.page_id: newsfold_text(run.record(p.html_path)) for p in pages}
    score = scoring.score_aeb(gold, texts, bootstrap)
    rows.append(aeb_row("aeb/newsfold", "newsfold", score, cpu_ms=cpu_ms, note=note))
    for split in scoring.SPLITS:
        ids = {p.page_id for p in pages if scoring.split_of(p.page_id) == split}
        for system, found in (("trafilatura", outputs), ("newsfold", texts)):
            part = scoring.score_aeb(
                {i: gold[i] for i in ids}, {i: found[i] for i in ids}, bootstrap
            )
            rows.append(aeb_row(f"aeb/{system}/{split}", f"{system}, {split} split", part))
    return rows


def document_metadata(doc: Any) -> scoring.PredictedMetadata:
    """Title, authors and date of a trafilatura Document (None: nothing predicted)."""
    return scoring.PredictedMetadata(
        title=getattr(doc, "title", None),
        authors=scoring.split_authors(getattr(doc, "author", None)),
        date=getattr(doc, "date", None),
    )


def trafeval_rows(root: Path, limit: int, workdir: Path, timeout: float) -> list[Row]:
    """Bare trafilatura (canonical, and with metadata) and newsfold on trafilatura-eval."""
    pages = scoring.load_trafeval_pages(root)[: limit or None]
    paths = [p.html_path for p in pages]
    version = trafilatura.__version__
    published = PUBLISHED_TRAFEVAL_F1 if len(pages) == scoring.TRAFEVAL_PAGES else None
    log("trafeval: bare trafilatura")
    bare = run_bare(paths, scoring.read_gzip_bytes, extract_canonical)
    canonical = {p.url: o for p, o in zip(pages, bare.outputs, strict=True)}
    conf = scoring.score_trafeval(pages, canonical)
    note = f"{len(bare.errors)} crashed" if bare.errors else ""
    label = f"trafilatura {version} canonical"
    rows = [
        trafeval_row("trafeval/trafilatura", label, conf, len(pages), cpu_ms=bare.cpu_ms, note=note)
    ]
    rows[0].published_f1 = published
    log("trafeval: bare trafilatura with metadata")

    def with_metadata(html: bytes, index: int) -> Any:
        return trafilatura.bare_extraction(
            html, url=pages[index].url, with_metadata=True, **TRAFEVAL_OPTS
        )

    bare = run_bare(paths, scoring.read_gzip_bytes, with_metadata)
    docs = dict(zip((p.url for p in pages), bare.outputs, strict=True))
    texts = {url: getattr(doc, "text", None) for url, doc in docs.items()}
    conf = scoring.score_trafeval(pages, texts)
    label = f"trafilatura {version} bare_extraction+metadata"
    row = trafeval_row("trafeval/trafilatura-metadata", label, conf, len(pages), cpu_ms=bare.cpu_ms)
    add_metadata(
        row, scoring.score_metadata(pages, {u: document_metadata(d) for u, d in docs.items()})
    )
    rows.append(row)
    run, cpu_ms, note = newsfold_pass(
        "trafeval", [(p.html_path, p.url) for p in pages], workdir, timeout
    )
    if run.error:
        return [*rows, Row("trafeval/newsfold", "trafeval", "newsfold", note=note)]
    records = {p.url: run.record(p.html_path) for p in pages}
    texts = {url: newsfold_text(rec) for url, rec in records.items()}
    conf = scoring.score_trafeval(pages, texts)
    row = trafeval_row("trafeval/newsfold", "newsfold", conf, len(pages), cpu_ms=cpu_ms, note=note)
    add_metadata(
        row, scoring.score_metadata(pages, {u: newsfold_metadata(r) for u, r in records.items()})
    )
    rows.append(row)
    for split in scoring.SPLITS:
        part = [p for p in pages if scoring.split_of(p.url) == split]
        for system, found in (("trafilatura", canonical), ("newsfold", texts)):
            conf = scoring.score_trafeval(part, found)
            rows.append(
                trafeval_row(
                    f"trafeval/{system}/{split}", f"{system}, {split} split", conf, len(part)
                )
            )
    return rows


def targets(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """newsfold's figures against the floors and against bare trafilatura."""
    by_key = {row.key: row for row in rows}
    out = []
    aeb, bare = by_key.get("aeb/newsfold"), by_key.get("aeb/trafilatura")
    if aeb and aeb.f1 is not None and bare and bare.f1 is not None:
        out += [
            results.target(f"aeb: {k}", getattr(aeb, k), ">=", v) for k, v in AEB_FLOORS.items()
        ]
        out.append(
            results.target("aeb: F1 over bare trafilatura's", aeb.f1 - bare.f1, ">=", AEB_F1_MARGIN)
        )
        given_up = (bare.recall or 0.0) - (aeb.recall or 0.0)
        out.append(results.target("aeb: recall given up", given_up, "<=", RECALL_GIVEN_UP))
    ours, bare = by_key.get("trafeval/newsfold"), by_key.get("trafeval/trafilatura")
    if ours and ours.f1 is not None and bare and bare.f1 is not None and bare.recall is not None:
        out.append(results.target("trafeval: f1", ours.f1, ">=", TRAFEVAL_F1_FLOOR))
        out.append(
            results.target("trafeval: F1 over bare trafilatura's", ours.f1 - bare.f1, ">=", 0)
        )
        given_up = bare.recall - (ours.recall or 0.0)
        out.append(results.target("trafeval: recall given up", given_up, "<=", RECALL_GIVEN_UP))
    return out


def paired_ratios(root: Path, datasets: Sequence[str], limit: int, rounds: int) -> dict[str, Any]:
    """Per dataset, newsfold's extraction + cleaning and its bare baseline timed interleaved."""
    loaders: dict[str, tuple[Callable[[Path], Sequence[Any]], Callable[[bytes], object]]] = {
        "aeb": (scoring.load_aeb_pages, trafilatura.extract),
        "trafeval": (scoring.load_trafeval_pages, lambda html: extract_canonical(html, 0)),
    }
    found = {}
    for dataset in datasets:
        load, bare = loaders[dataset]
        log(f"{dataset}: paired throughput, {rounds} round(s)")
        html = [(p.url, scoring.read_gzip_bytes(p.html_path)) for p in load(root)[: limit or None]]
        measured = paired.measure(html, bare, rounds)
        found[dataset] = asdict(measured) | {"ratio": measured.ratio}
    return found


# ---- report


COLUMNS = {
    "system": "system", "P": "precision", "R": "recall", "F1": "f1", "±F1": "f1_std",
    "Acc": "accuracy", "pub F1": "published_f1", "title": "title", "author": "author",
    "date": "date", "pages": "pages", "CPU ms/page": "cpu_ms", "note": "note",
}  # fmt: skip
TITLES = {
    "aeb": "Zyte article-extraction benchmark (P/R/F1 over word 4-gram shingles)",
    "trafeval": "trafilatura-eval (segment P/R/Acc/F1; metadata accuracy)",
}


def tables(figures: dict[str, Any]) -> list[Table]:
    """One table per dataset (columns it has figures for), then the paired throughput."""
    out = []
    for dataset, title in TITLES.items():
        rows = [r for r in figures["rows"] if r["dataset"] == dataset]
        if not rows:
            continue
        used = [
            name for name, key in COLUMNS.items() if any(r.get(key) not in (None, "") for r in rows)
        ]
        cells = [[r[COLUMNS[name]] for name in used] for r in rows]
        if "CPU ms/page" in used:  # one decimal; the scores take the table's three
            at = used.index("CPU ms/page")
            for line in cells:
                line[at] = num(line[at])
        notes = ["pub F1: trafilatura 2.2.0's published figure (docs/evaluation.rst upstream)."]
        out.append(Table(title, used, cells, notes if "pub F1" in used else []))
    pairs = figures.get("paired", {})
    columns = ["dataset", "pages", "bare CPU ms/page", "newsfold CPU ms/page", "newsfold x bare"]
    paired_rows = []
    for name, p in pairs.items():
        per_page = [num(1000 * p[key] / p["pages"]) for key in ("bare_s", "newsfold_s")]
        paired_rows.append([name, p["pages"], *per_page, num(p["ratio"], 2)])
    if paired_rows:
        title = (
            f"Extraction + cleaning against bare trafilatura, {paired.CHUNK}-page chunks in turn"
        )
        out.append(Table(title, columns, paired_rows))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected datasets, print and save the figures."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="first N pages of each dataset")
    parser.add_argument("--only", choices=("aeb", "trafeval"), help="run one dataset only")
    parser.add_argument("--bootstrap", type=int, default=1000, help="AEB bootstrap resamples")
    parser.add_argument("--paired-rounds", type=int, default=1, help="interleaved rounds (0: none)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per newsfold run")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    root = scoring.default_benchdata_root()
    datasets = []
    for dataset, folder in (("aeb", scoring.AEB_DIR), ("trafeval", scoring.TRAFEVAL_DIR)):
        reason = scoring.missing_reason(root, folder)
        if reason:
            print(f"{dataset} skipped: {reason}")
        elif args.only in (None, dataset):
            datasets.append(dataset)
    if not datasets:
        return 0
    env = results.environment(NAME, argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="newsfold-bench-") as tmp:
        if "aeb" in datasets:
            rows += aeb_rows(root, args.limit, Path(tmp), args.timeout, args.bootstrap)
        if "trafeval" in datasets:
            rows += trafeval_rows(root, args.limit, Path(tmp), args.timeout)
    figures = {
        "benchdata": str(root),
        "limit": args.limit,
        "rows": [asdict(row) for row in rows],
        "targets": targets(rows),
        "paired": paired_ratios(root, datasets, args.limit, args.paired_rounds)
        if args.paired_rounds > 0
        else {},
    }
    results.publish(NAME, NAME, env, figures, args.out, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Extraction benchmark: newsfold against bare trafilatura on AEB and trafilatura-eval.

Usage: ``python benchmarks/extraction.py [--limit N] [--only aeb|trafeval] [--no-published]
[--paired-rounds R] [--json OUT]``. Prints one table (rows: systems, columns: metrics) and,
with ``--json``, writes every figure for floor tests. The data come from
``../shared/benchdata`` (or ``$NEWSFOLD_BENCHDATA``); a dataset that is absent is skipped with
the reason printed.

Rows. AEB: every published ``output/*.json`` re-scored (with the README's F1 and our
difference), bare ``trafilatura.extract`` with defaults and with ``favor_precision=True``,
and newsfold. trafilatura-eval: bare trafilatura with the canonical settings
(``include_comments=False, include_tables=True, include_formatting=False``), the same with
``favor_precision=True``, ``bare_extraction(with_metadata=True)`` given the page URL, and
newsfold. pages/s is wall time over read + gunzip + extract of every page; cpu p/s the same
over CPU time (the process's own, or the newsfold child's), which other load on the machine
does not move much. Under the table, newsfold's CPU throughput over bare
``trafilatura.extract``'s (defaults on AEB, canonical settings on trafilatura-eval).

Metadata accuracy counts only pages whose gold field is non-empty: title is an exact match
after NFKC, entity decoding, case folding, dash/quote folding and whitespace collapsing;
author matches when the token set of the gold names contains the predicted one or the
reverse; date matches when both name the same calendar day (time and zone ignored). See
``benchmarks/scoring.py`` for the exact rules.

newsfold runs as a subprocess, ``newsfold extract --manifest FILE.jsonl --format jsonl``, so
its pages/s include interpreter start-up; a 1-page run measures that start-up separately (and
its CPU time is taken off newsfold's cpu p/s). Last, ``benchmarks/paired.py`` times newsfold's
extraction + cleaning and the bare baseline in this process over the same 20-page chunks in
turn (``--paired-rounds``, 0 to skip): the ratio under the table that the host's drifting speed
moves least.
When the command is missing or fails, its rows say why and the rest of the table prints.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import trafilatura

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import paired, scoring

REPO_ROOT = Path(__file__).resolve().parents[1]

# trafilatura's canonical evaluation settings (tests/eval_common.py upstream)
TRAFEVAL_OPTS: Mapping[str, bool] = MappingProxyType(
    {"include_comments": False, "include_tables": True, "include_formatting": False}
)

# Published AEB figures (README at commit 4a3bc979): system → (F1, P, R), None where unstated.
PUBLISHED_AEB: Mapping[str, tuple[float, float | None, float | None]] = MappingProxyType(
    {
        "rs_trafilatura": (0.970, 0.951, 0.990),
        "trafilatura": (0.958, 0.938, 0.978),
        "go_trafilatura": (0.960, None, None),
        "readability_js": (0.947, None, None),
        "newspaper": (0.949, 0.964, 0.934),
        "news_please": (0.948, 0.964, 0.933),
        "readability": (0.922, 0.913, 0.931),
        "goose3": (0.896, 0.940, 0.856),
        "justext": (0.804, None, None),
        "html-text": (0.665, 0.500, 0.994),
        "AutoExtract": (0.970, 0.984, 0.956),
        "Diffbot": (0.951, None, None),
    }
)

# Published trafilatura-eval F1 (docs/evaluation.rst, 2026-08-04, trafilatura 2.2.0, 990 pages).
PUBLISHED_TRAFEVAL: Mapping[str, float] = MappingProxyType(
    {"trafeval/trafilatura": 0.924, "trafeval/trafilatura-precision": 0.920}
)


# ---- result rows


@dataclass
class Row:
    """One line of the report: a system scored on one dataset."""

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
    pages_per_s: float | None = None
    cpu_pages_per_s: float | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def f1_delta(self) -> float | None:
        """Our F1 minus the published F1."""
        if self.f1 is None or self.published_f1 is None:
            return None
        return self.f1 - self.published_f1


def aeb_row(key: str, system: str, score: scoring.AebScore, **extra: Any) -> Row:
    """Build an AEB row from a score."""
    row = Row(
        key=key,
        dataset="aeb",
        system=system,
        precision=score.precision,
        recall=score.recall,
        f1=score.f1,
        f1_std=score.f1_std,
        accuracy=score.accuracy,
        pages=score.documents,
        **extra,
    )
    row.details.update(asdict(score))
    return row


def trafeval_row(key: str, system: str, conf: scoring.Confusion, pages: int, **extra: Any) -> Row:
    """Build a trafilatura-eval row from summed segment counts."""
    row = Row(
        key=key,
        dataset="trafeval",
        system=system,
        precision=conf.precision,
        recall=conf.recall,
        f1=conf.f1,
        accuracy=conf.accuracy,
        pages=pages,
        **extra,
    )
    row.details.update(asdict(conf))
    return row


def add_metadata(row: Row, fields: Mapping[str, scoring.FieldAccuracy]) -> None:
    """Attach title/author/date accuracies to a row."""
    row.title, row.author, row.date = (
        fields[name].accuracy if fields[name].total else None
        for name in ("title", "author", "date")
    )
    row.details["metadata"] = {name: asdict(acc) for name, acc in fields.items()}


# ---- running extractors


@dataclass(frozen=True)
class InProcessRun:
    """Outputs of an in-process extractor over a list of pages, with wall time and crashes."""

    outputs: list[Any]
    seconds: float
    errors: list[str]
    cpu_seconds: float = 0.0

    @property
    def pages_per_s(self) -> float | None:
        """Throughput over the whole run."""
        return len(self.outputs) / self.seconds if self.seconds > 0 else None

    @property
    def cpu_pages_per_s(self) -> float | None:
        """Throughput per CPU second (robust to other load on the machine)."""
        return len(self.outputs) / self.cpu_seconds if self.cpu_seconds > 0 else None


def read_html_text(path: Path) -> str:
    """Decompress an AEB page and decode it as UTF-8, as the AEB runners do."""
    return scoring.read_gzip_bytes(path).decode("utf-8", errors="replace")


def run_in_process(
    paths: Sequence[Path], read: Callable[[Path], Any], extract: Callable[[Any, int], Any]
) -> InProcessRun:
    """Time read+extract over every page after one untimed warm-up page; a crash yields None."""
    outputs: list[Any] = []
    errors: list[str] = []
    if paths:
        warm_up(paths[0], read, extract)
    start, cpu = time.perf_counter(), time.process_time()
    for index, path in enumerate(paths):
        try:
            outputs.append(extract(read(path), index))
        except Exception as exc:
            outputs.append(None)
            errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
    return InProcessRun(outputs, time.perf_counter() - start, errors, time.process_time() - cpu)


def warm_up(path: Path, read: Callable[[Path], Any], extract: Callable[[Any, int], Any]) -> None:
    """Run one page untimed so lazy imports and caches do not count against the first system."""
    try:
        extract(read(path), 0)
    except Exception:
        return


def crash_note(run: InProcessRun) -> str:
    """Short note on crashed pages, empty when none."""
    return f"{len(run.errors)} crashed" if run.errors else ""


@dataclass(frozen=True)
class NewsfoldRun:
    """Records printed by ``newsfold extract`` keyed by input path, or why there are none."""

    records: dict[str, dict[str, Any]]
    seconds: float
    error: str | None = None
    skipped_lines: int = 0
    cpu_seconds: float = 0.0


def newsfold_executable(override: str | None) -> Path:
    """The ``newsfold`` console script next to the running interpreter, unless overridden."""
    return Path(override) if override else Path(sys.executable).parent / "newsfold"


def write_manifest(entries: Sequence[tuple[Path, str]], dest: Path) -> None:
    """Write one ``{"path", "url"}`` JSON object per line."""
    lines = (json.dumps({"path": str(p.resolve()), "url": url}) for p, url in entries)
    dest.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def parse_jsonl(stdout: str) -> tuple[dict[str, dict[str, Any]], int]:
    """Records keyed by ``path`` (resolved), and the count of lines that were not records."""
    records: dict[str, dict[str, Any]] = {}
    skipped = 0
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            skipped += bool(line.strip())
            continue
        if isinstance(record, dict) and isinstance(record.get("path"), str):
            records[str(Path(record["path"]).resolve())] = record
        else:
            skipped += 1
    return records, skipped


def last_line(text: str) -> str:
    """The last non-blank line of a text, shortened."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:160] if lines else "no output"


def run_newsfold(
    exe: Path, entries: Sequence[tuple[Path, str]], timeout: float, workdir: Path
) -> NewsfoldRun:
    """Run ``newsfold extract`` on a manifest and time the whole subprocess."""
    if not exe.exists():
        return NewsfoldRun({}, 0.0, f"no newsfold executable at {exe}")
    manifest = workdir / f"manifest-{len(entries)}.jsonl"
    write_manifest(entries, manifest)
    cmd = [str(exe), "extract", "--manifest", str(manifest), "--format", "jsonl"]
    start, cpu_before = time.perf_counter(), children_cpu()
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            cwd=REPO_ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return NewsfoldRun({}, time.perf_counter() - start, f"timed out after {timeout:.0f} s")
    except OSError as exc:
        return NewsfoldRun({}, time.perf_counter() - start, f"could not start: {exc}")
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return NewsfoldRun({}, seconds, f"exit {proc.returncode}: {last_line(proc.stderr)}")
    records, skipped = parse_jsonl(proc.stdout)
    if not records:
        return NewsfoldRun({}, seconds, f"no JSON records on stdout ({last_line(proc.stderr)})")
    return NewsfoldRun(records, seconds, None, skipped, children_cpu() - cpu_before)


def children_cpu() -> float:
    """User + system CPU seconds of the finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def newsfold_record(run: NewsfoldRun, path: Path) -> dict[str, Any]:
    """The record for one input page, empty when newsfold printed none."""
    return run.records.get(str(path.resolve()), {})


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


@dataclass
class NewsfoldContext:
    """How to call newsfold, and the start-up time measured once per benchmark run."""

    exe: Path
    timeout: float
    workdir: Path
    startup_s: float | None = None
    startup_cpu_s: float | None = None
    startup_error: str | None = None


def measure_startup(ctx: NewsfoldContext, entry: tuple[Path, str]) -> None:
    """Time a 1-page run once; its wall time stands for start-up."""
    if ctx.startup_s is not None or ctx.startup_error is not None:
        return
    run = run_newsfold(ctx.exe, [entry], ctx.timeout, ctx.workdir)
    if run.error:
        ctx.startup_error = run.error
    else:
        ctx.startup_s, ctx.startup_cpu_s = run.seconds, run.cpu_seconds


def newsfold_cpu_rate(ctx: NewsfoldContext, run: NewsfoldRun, pages: int) -> float | None:
    """Pages per CPU second, the 1-page run's CPU time (start-up) taken off."""
    marginal = run.cpu_seconds - (ctx.startup_cpu_s or 0.0)
    return (pages - 1) / marginal if pages > 1 and marginal > 0 else None


def newsfold_throughput(ctx: NewsfoldContext, run: NewsfoldRun, pages: int) -> tuple[float, str]:
    """Pages/s including start-up, and a note with start-up and the marginal rate."""
    rate = pages / run.seconds if run.seconds > 0 else 0.0
    if ctx.startup_s is None:
        return rate, ""
    marginal_s = run.seconds - ctx.startup_s
    note = f"start-up {ctx.startup_s:.1f} s (1-page run)"
    if pages > 1 and marginal_s > 0:
        note += f"; {(pages - 1) / marginal_s:.1f} pages/s excl. start-up"
    return rate, note


def unavailable_row(key: str, dataset: str, reason: str) -> Row:
    """A newsfold row that only says why it has no figures."""
    return Row(key=key, dataset=dataset, system="newsfold", note=f"unavailable: {reason}")


def coverage_note(run: NewsfoldRun, paths: Sequence[Path]) -> str:
    """Note on pages newsfold printed no record for."""
    missing = sum(1 for p in paths if not newsfold_record(run, p))
    return f"{missing} pages without a record" if missing else ""


def join_notes(*notes: str) -> str:
    """Join non-empty notes with '; '."""
    return "; ".join(n for n in notes if n)


# ---- AEB


def aeb_published_rows(
    pages: Sequence[scoring.AebPage], root: Path, n_bootstrap: int, full: bool
) -> list[Row]:
    """Re-score every published output on the selected pages."""
    gold = {p.page_id: p.body for p in pages}
    rows = []
    for path in scoring.published_output_paths(root):
        published = scoring.load_published_output(path)
        bodies = {k: published.bodies.get(k) for k in gold}
        score = scoring.score_aeb(gold, bodies, n_bootstrap)
        pub = PUBLISHED_AEB.get(published.system)
        label = f"{published.system} {published.version}".strip() + " (published)"
        note = "" if full or pub is None else "pub F1: all 181 pages"
        rows.append(
            aeb_row(
                f"aeb/published/{published.system}",
                label,
                score,
                published_f1=pub[0] if pub else None,
                note=note,
            )
        )
    return rows


def aeb_trafilatura_rows(pages: Sequence[scoring.AebPage], n_bootstrap: int) -> list[Row]:
    """Run bare trafilatura (default and favor_precision) on the AEB pages."""
    gold = {p.page_id: p.body for p in pages}
    paths = [p.html_path for p in pages]
    version = trafilatura.__version__
    variants: list[tuple[str, str, Callable[[str, int], str | None]]] = [
        ("aeb/trafilatura", f"trafilatura {version} extract() default", _extract_default),
        (
            "aeb/trafilatura-precision",
            f"trafilatura {version} favor_precision",
            _extract_precision,
        ),
    ]
    rows = []
    for key, label, extract in variants:
        progress(f"aeb: {label}")
        run = run_in_process(paths, read_html_text, extract)
        bodies = {p.page_id: out for p, out in zip(pages, run.outputs, strict=True)}
        score = scoring.score_aeb(gold, bodies, n_bootstrap)
        rows.append(
            aeb_row(
                key,
                label,
                score,
                pages_per_s=run.pages_per_s,
                cpu_pages_per_s=run.cpu_pages_per_s,
                note=crash_note(run),
            )
        )
        rows[-1].details.update(seconds=run.seconds, errors=run.errors)
    return rows


def _extract_default(html: str, _index: int) -> str | None:
    """``trafilatura.extract`` with its defaults."""
    return trafilatura.extract(html)


def _extract_precision(html: str, _index: int) -> str | None:
    """``trafilatura.extract`` with ``favor_precision=True``."""
    return trafilatura.extract(html, favor_precision=True)


def aeb_newsfold_row(
    pages: Sequence[scoring.AebPage], ctx: NewsfoldContext, n_bootstrap: int
) -> Row:
    """Run newsfold on the AEB pages and score its text."""
    key = "aeb/newsfold"
    entries = [(p.html_path, p.url) for p in pages]
    progress("aeb: newsfold")
    measure_startup(ctx, entries[0])
    if ctx.startup_error:
        return unavailable_row(key, "aeb", ctx.startup_error)
    run = run_newsfold(ctx.exe, entries, ctx.timeout, ctx.workdir)
    if run.error:
        return unavailable_row(key, "aeb", run.error)
    gold = {p.page_id: p.body for p in pages}
    bodies = {p.page_id: newsfold_text(newsfold_record(run, p.html_path)) for p in pages}
    score = scoring.score_aeb(gold, bodies, n_bootstrap)
    rate, note = newsfold_throughput(ctx, run, len(pages))
    paths = [p.html_path for p in pages]
    row = aeb_row(
        key,
        "newsfold",
        score,
        pages_per_s=rate,
        cpu_pages_per_s=newsfold_cpu_rate(ctx, run, len(pages)),
        note=join_notes(coverage_note(run, paths), note),
    )
    row.details.update(seconds=run.seconds, startup_s=ctx.startup_s, cpu_seconds=run.cpu_seconds)
    return row


def aeb_rows(root: Path, args: argparse.Namespace, ctx: NewsfoldContext) -> list[Row]:
    """All AEB rows, or one row explaining why the dataset is skipped."""
    reason = scoring.missing_reason(root, scoring.AEB_DIR)
    if reason:
        return [Row(key="aeb/skipped", dataset="aeb", system="-", note=f"skipped: {reason}")]
    all_pages = scoring.load_aeb_pages(root)
    pages = all_pages[: args.limit] if args.limit else all_pages
    rows: list[Row] = []
    if not args.no_published:
        progress("aeb: re-scoring published outputs")
        rows += aeb_published_rows(pages, root, args.bootstrap, len(pages) == len(all_pages))
    rows += aeb_trafilatura_rows(pages, args.bootstrap)
    rows.append(aeb_newsfold_row(pages, ctx, args.bootstrap))
    return rows


# ---- trafilatura-eval


def _trafeval_extract(favor_precision: bool) -> Callable[[bytes, int], str | None]:
    """``trafilatura.extract`` with the canonical evaluation settings."""

    def extract(html: bytes, _index: int) -> str | None:
        """Extract one page."""
        return trafilatura.extract(html, favor_precision=favor_precision, **TRAFEVAL_OPTS)

    return extract


def _trafeval_bare_metadata(
    pages: Sequence[scoring.TrafEvalPage],
) -> Callable[[bytes, int], Any]:
    """``trafilatura.bare_extraction(with_metadata=True)`` with the page URL."""

    def extract(html: bytes, index: int) -> Any:
        """Extract one page with metadata."""
        return trafilatura.bare_extraction(
            html, url=pages[index].url, with_metadata=True, **TRAFEVAL_OPTS
        )

    return extract


def document_metadata(doc: Any) -> scoring.PredictedMetadata:
    """Title, authors and date of a trafilatura Document (None → nothing predicted)."""
    if doc is None:
        return scoring.PredictedMetadata()
    return scoring.PredictedMetadata(
        title=getattr(doc, "title", None),
        authors=scoring.split_authors(getattr(doc, "author", None)),
        date=getattr(doc, "date", None),
    )


def trafeval_trafilatura_rows(pages: Sequence[scoring.TrafEvalPage]) -> list[Row]:
    """Bare trafilatura: canonical settings, favor_precision, and bare_extraction+metadata."""
    paths = [p.html_path for p in pages]
    version = trafilatura.__version__
    rows = []
    for key, label, precise in (
        ("trafeval/trafilatura", f"trafilatura {version} canonical", False),
        ("trafeval/trafilatura-precision", f"trafilatura {version} favor_precision", True),
    ):
        progress(f"trafeval: {label}")
        run = run_in_process(paths, scoring.read_gzip_bytes, _trafeval_extract(precise))
        outputs = {p.url: out for p, out in zip(pages, run.outputs, strict=True)}
        conf = scoring.score_trafeval(pages, outputs)
        full = len(pages) == scoring.TRAFEVAL_PAGES
        note = "pub F1: trafilatura 2.2.0" + ("" if full else ", all 990 pages")
        rows.append(
            trafeval_row(
                key,
                label,
                conf,
                len(pages),
                published_f1=PUBLISHED_TRAFEVAL[key],
                pages_per_s=run.pages_per_s,
                cpu_pages_per_s=run.cpu_pages_per_s,
                note=join_notes(crash_note(run), note),
            )
        )
        rows[-1].details.update(seconds=run.seconds, errors=run.errors)
    label = f"trafilatura {version} bare_extraction+metadata"
    progress(f"trafeval: {label}")
    run = run_in_process(paths, scoring.read_gzip_bytes, _trafeval_bare_metadata(pages))
    docs = dict(zip((p.url for p in pages), run.outputs, strict=True))
    texts = {url: getattr(doc, "text", None) for url, doc in docs.items()}
    row = trafeval_row(
        "trafeval/trafilatura-metadata",
        label,
        scoring.score_trafeval(pages, texts),
        len(pages),
        pages_per_s=run.pages_per_s,
        cpu_pages_per_s=run.cpu_pages_per_s,
        note=crash_note(run),
    )
    metadata = {url: document_metadata(doc) for url, doc in docs.items()}
    add_metadata(row, scoring.score_metadata(pages, metadata))
    row.details.update(seconds=run.seconds, errors=run.errors)
    rows.append(row)
    return rows


def trafeval_newsfold_row(pages: Sequence[scoring.TrafEvalPage], ctx: NewsfoldContext) -> Row:
    """Run newsfold on the trafilatura-eval pages; score text and metadata."""
    key = "trafeval/newsfold"
    entries = [(p.html_path, p.url) for p in pages]
    progress("trafeval: newsfold")
    measure_startup(ctx, entries[0])
    if ctx.startup_error:
        return unavailable_row(key, "trafeval", ctx.startup_error)
    run = run_newsfold(ctx.exe, entries, ctx.timeout, ctx.workdir)
    if run.error:
        return unavailable_row(key, "trafeval", run.error)
    records = {p.url: newsfold_record(run, p.html_path) for p in pages}
    texts = {url: newsfold_text(rec) for url, rec in records.items()}
    rate, note = newsfold_throughput(ctx, run, len(pages))
    paths = [p.html_path for p in pages]
    row = trafeval_row(
        key,
        "newsfold",
        scoring.score_trafeval(pages, texts),
        len(pages),
        pages_per_s=rate,
        cpu_pages_per_s=newsfold_cpu_rate(ctx, run, len(pages)),
        note=join_notes(coverage_note(run, paths), note),
    )
    metadata = {url: newsfold_metadata(rec) for url, rec in records.items()}
    add_metadata(row, scoring.score_metadata(pages, metadata))
    row.details.update(seconds=run.seconds, startup_s=ctx.startup_s, cpu_seconds=run.cpu_seconds)
    return row


def trafeval_rows(root: Path, args: argparse.Namespace, ctx: NewsfoldContext) -> list[Row]:
    """All trafilatura-eval rows, or one row explaining why the dataset is skipped."""
    reason = scoring.missing_reason(root, scoring.TRAFEVAL_DIR)
    if reason:
        return [
            Row(key="trafeval/skipped", dataset="trafeval", system="-", note=f"skipped: {reason}")
        ]
    pages = scoring.load_trafeval_pages(root)
    pages = pages[: args.limit] if args.limit else pages
    return [*trafeval_trafilatura_rows(pages), trafeval_newsfold_row(pages, ctx)]


# ---- output


COLUMNS: tuple[tuple[str, str], ...] = (
    ("dataset", "dataset"),
    ("system", "system"),
    ("P", "precision"),
    ("R", "recall"),
    ("F1", "f1"),
    ("±F1", "f1_std"),
    ("Acc", "accuracy"),
    ("pub F1", "published_f1"),
    ("ΔF1", "f1_delta"),
    ("title", "title"),
    ("author", "author"),
    ("date", "date"),
    ("pages", "pages"),
    ("pages/s", "pages_per_s"),
    ("cpu p/s", "cpu_pages_per_s"),
    ("note", "note"),
)


def format_cell(row: Row, attr: str) -> str:
    """Render one cell: 3 decimals for scores, signed delta, 1 decimal for pages/s."""
    value = getattr(row, attr)
    if value is None:
        return "-"
    if attr == "f1_delta":
        return f"{round(value, 3) + 0.0:+.3f}"
    if attr in ("pages_per_s", "cpu_pages_per_s"):
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value or ("" if attr == "note" else "-"))


def render_table(rows: Sequence[Row]) -> str:
    """A plain-text table, one line per row."""
    cells = [[format_cell(row, attr) for _, attr in COLUMNS] for row in rows]
    header = [title for title, _ in COLUMNS]
    widths = [max(len(r[i]) for r in [header, *cells]) for i in range(len(COLUMNS))]
    numeric = {
        i for i, (_, attr) in enumerate(COLUMNS) if attr not in {"dataset", "system", "note"}
    }

    def line(values: Sequence[str]) -> str:
        """Pad one line of cells."""
        parts = (
            v.rjust(widths[i]) if i in numeric else v.ljust(widths[i]) for i, v in enumerate(values)
        )
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(c) for c in cells)])


BARE_BASELINES: Mapping[str, str] = MappingProxyType(
    {"aeb": "aeb/trafilatura", "trafeval": "trafeval/trafilatura"}
)


def throughput_ratios(rows: Sequence[Row]) -> dict[str, float]:
    """newsfold's CPU throughput over bare ``trafilatura.extract``'s, per dataset."""
    by_key = {row.key: row for row in rows}
    ratios = {}
    for dataset, bare_key in BARE_BASELINES.items():
        ours, bare = by_key.get(f"{dataset}/newsfold"), by_key.get(bare_key)
        if ours and bare and ours.cpu_pages_per_s and bare.cpu_pages_per_s:
            ratios[dataset] = ours.cpu_pages_per_s / bare.cpu_pages_per_s
    return ratios


def paired_ratios(root: Path, args: argparse.Namespace) -> dict[str, paired.Paired]:
    """Per dataset, newsfold's extraction + cleaning and its bare baseline timed interleaved."""
    loaders: dict[str, tuple[str, Callable[[Path], Sequence[Any]], Callable[[bytes], object]]] = {
        "aeb": (scoring.AEB_DIR, scoring.load_aeb_pages, trafilatura.extract),
        "trafeval": (
            scoring.TRAFEVAL_DIR,
            scoring.load_trafeval_pages,
            lambda html: trafilatura.extract(html, **TRAFEVAL_OPTS),
        ),
    }
    found = {}
    for dataset, (folder, load, bare) in loaders.items():
        if args.only not in (None, dataset) or scoring.missing_reason(root, folder):
            continue
        progress(f"{dataset}: paired throughput, {args.paired_rounds} round(s)")
        pages = load(root)[: args.limit or None]
        html = [(page.url, scoring.read_gzip_bytes(page.html_path)) for page in pages]
        found[dataset] = paired.measure(html, bare, args.paired_rounds)
    return found


def report_json(
    rows: Sequence[Row],
    root: Path,
    args: argparse.Namespace,
    seconds: float,
    pairs: Mapping[str, paired.Paired],
) -> str:
    """Every figure as JSON, rows keyed by their stable key."""
    payload = {
        "benchdata": str(root),
        "limit": args.limit,
        "bootstrap": args.bootstrap,
        "trafilatura_version": trafilatura.__version__,
        "python": sys.version.split()[0],
        "seconds": seconds,
        "rows": {row.key: {**asdict(row), "f1_delta": row.f1_delta} for row in rows},
        "throughput_ratio": throughput_ratios(rows),
        "paired_ratio": {name: {**asdict(p), "ratio": p.ratio} for name, p in pairs.items()},
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def progress(message: str) -> None:
    """Progress on stderr, so stdout holds only the table."""
    print(f"[extraction] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="first N pages of each dataset")
    parser.add_argument("--only", choices=("aeb", "trafeval"), help="run one dataset only")
    parser.add_argument(
        "--no-published", action="store_true", help="skip re-scoring the published AEB outputs"
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write all figures as JSON")
    parser.add_argument("--bootstrap", type=int, default=1000, help="AEB bootstrap resamples")
    parser.add_argument(
        "--paired-rounds",
        type=int,
        default=1,
        help="rounds of the interleaved throughput comparison (0: skip it)",
    )
    parser.add_argument("--newsfold", help="newsfold executable (default: next to python)")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds allowed per newsfold run"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks and print the table."""
    args = parse_args(argv)
    root = scoring.default_benchdata_root()
    if not root.is_dir():
        print(f"skipped: benchdata folder {root} not found (set {scoring.BENCHDATA_ENV})")
        return 0
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="newsfold-bench-") as tmp:
        ctx = NewsfoldContext(newsfold_executable(args.newsfold), args.timeout, Path(tmp))
        if args.only in (None, "aeb"):
            rows += aeb_rows(root, args, ctx)
        if args.only in (None, "trafeval"):
            rows += trafeval_rows(root, args, ctx)
    pairs = paired_ratios(root, args) if args.paired_rounds > 0 else {}
    seconds = time.perf_counter() - started
    print(render_table(rows))
    ratios = throughput_ratios(rows)
    if ratios:
        shown = ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items())
        print(
            f"\nnewsfold / bare trafilatura.extract throughput (CPU time, start-up excluded): {shown}"
        )
    if pairs:
        shown = ", ".join(
            f"{name} {p.ratio:.2f}x ({p.bare_s / p.pages * 1e3:.1f} vs "
            f"{p.newsfold_s / p.pages * 1e3:.1f} ms a page)"
            for name, p in pairs.items()
        )
        print(f"extraction + cleaning / bare, interleaved {paired.CHUNK}-page chunks: {shown}")
    print(
        f"\nbenchdata {root}; trafilatura {trafilatura.__version__}; "
        f"aeb = Zyte article-extraction-benchmark (P/R/F1 over word 4-gram shingles, "
        f"±F1 = bootstrap std), trafeval = trafilatura-eval (segment P/R/Acc/F1); "
        f"total {seconds:.0f} s"
    )
    if args.json:
        args.json.write_text(report_json(rows, root, args, seconds, pairs), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

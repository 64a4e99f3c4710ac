"""Crawl: newsfold end to end against bare Scrapy and bare trafilatura on the same pages.

The pages are N generated ~100 KB news pages (``benchmarks/news.py``; every 20th a syndicated
copy of an earlier one) or, with ``--real``, the extraction benchmarks' 1,171 published pages
from ``../shared/benchdata`` (AEB then trafilatura-eval, or the first N), served as published,
bytes and charset untouched. A server in a child process (``benchmarks.harness.server``, HTTP/1.1
keep-alive, responses pre-rendered; ``/feed.xml`` lists every page, ``/empty.xml`` none) serves
them on 127.0.0.1 and each row runs in a fresh process:

- ``scrapy fetch-only``: a spider requesting every page and doing nothing with it, with
  newsfold's concurrency settings and reactor;
- ``trafilatura.extract``, default and ``with_metadata=True``, in one process over the same
  bodies decoded to ``str`` as Scrapy hands them over;
- ``scrapy + trafilatura in callback``: the fetch-only spider extracting on the reactor thread;
- ``newsfold run`` (fetch, extract, clean, fold, store; relevance off) with
  ``crawl.extract_workers`` = 1 (inline) and = 0 (one worker per core).

Rows report the crawl part: newsfold's wall time minus the same command's over an empty feed
(start-up, shown apart), Scrapy's time inside its child around ``CrawlerProcess.start()`` minus
the same over no URLs. Peak RSS is the largest sum over the process tree seen in 50 ms samples
from /proc; CPU ms a page is the whole tree's CPU time of the crawl part, which holds when other
work shares the machine. Rows run in rounds (``--repeat``, every row once a round); each row
shows its median round and a target is the median of the rounds' own newsfold/trafilatura
ratios. After each newsfold run the store must hold one sighting per page (or, for real pages,
a sighting or a recorded failure) and one article per page that is not a copy.

Targets, on the published pages: newsfold with one process at least 0.8x bare
``trafilatura.extract``'s pages/s, and with a worker per core at least 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import procs, results
from benchmarks.harness.rounds import in_rounds, median_index, median_ratio
from benchmarks.harness.server import PageServer, http_response
from benchmarks.harness.tables import Table, num

NAME = "crawl"
MODULE = "benchmarks.crawl"
DEFAULT_PAGES = 2000
QUICK_PAGES = 200
TARGETS = {
    "workers1_vs_trafilatura": ("newsfold_w1", 0.8),
    "auto_vs_trafilatura": ("newsfold_w0", 1.5),
}
BASELINE = "trafilatura_default"
ROUTES = "benchmarks.crawl:site_routes"
PUBLISHED = "published"


# ---- the pages and what the server answers


def write_pages(count: int, folder: Path, real: Path | None = None) -> list[dict[str, Any]]:
    """Write the generated pages (or the real ones under ``real``) and ``manifest.json``."""
    from benchmarks import news, scoring

    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    if real is None:
        for page in news.generate_pages(count):
            name = f"{page.index:05d}.html"
            (folder / name).write_text(page.html, encoding="utf-8")
            entry = {"path": page.path, "title": page.title, "published": page.published}
            manifest.append({"file": name, **entry, "copy_of": page.copy_of})
    else:
        pages: list[Any] = [*scoring.load_aeb_pages(real), *scoring.load_trafeval_pages(real)]
        for number, found in enumerate(pages[: count or None]):
            name = f"{number:05d}.html"
            (folder / name).write_bytes(scoring.read_gzip_bytes(found.html_path))
            when = (news.EPOCH + timedelta(minutes=number)).isoformat()
            entry = {"path": f"/real/{name}", "title": "", "published": when}
            manifest.append({"file": name, **entry, "copy_of": None, "real": True})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    """The manifest written by :func:`write_pages`."""
    return list(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def page_body(folder: Path, entry: Mapping[str, Any], base: str) -> bytes:
    """A page as served: a real page's own bytes, a generated one with its links on ``base``."""
    from benchmarks.news import BASE_TOKEN

    raw = (folder / entry["file"]).read_bytes()
    return raw if entry.get("real") else raw.decode("utf-8").replace(BASE_TOKEN, base).encode()


def render_feed(entries: Sequence[dict[str, Any]], base: str) -> bytes:
    """An RSS 2.0 feed listing the manifest entries with absolute links."""
    items = "".join(
        f"<item><title>{e['title'].replace('&', '&amp;')}</title><link>{base}{e['path']}</link>"
        f"<guid>{base}{e['path']}</guid><pubDate>"
        f"{datetime.fromisoformat(e['published']):%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>\n"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>newsfold crawl benchmark</title><link>{base}/</link>"
        f"<description>AI-industry news</description>\n{items}</channel></rss>\n"
    ).encode()


def site_routes(folder: Path, base: str) -> dict[str, bytes]:
    """Every path the page server answers, pre-rendered for ``base``."""
    entries = read_manifest(folder)
    # a real page declares its own charset, or leaves it to be detected
    html = {True: "text/html", False: "text/html; charset=utf-8"}
    routes = {
        e["path"]: http_response(page_body(folder, e, base), html[bool(e.get("real"))])
        for e in entries
    }
    rss = "application/rss+xml; charset=utf-8"
    routes["/feed.xml"] = http_response(render_feed(entries, base), rss)
    routes["/empty.xml"] = http_response(render_feed([], base), rss)
    routes["/robots.txt"] = http_response(b"User-agent: *\nAllow: /\n", "text/plain")
    return routes


# ---- children: the bare baselines


def scrapy_child(url_file: str, mode: str) -> None:
    """Fetch every URL in the file; ``extract``: call trafilatura in the callback (child entry)."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    if mode == "extract":  # the fetch-only row's memory and start-up stay Scrapy's own
        import trafilatura
    urls = Path(url_file).read_text(encoding="utf-8").split()

    class FetchOnly(scrapy.Spider):
        name = "fetch_only"

        async def start(self) -> Any:
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response: Any) -> None:
            """Nothing, or bare extraction on the reactor thread (the naive Scrapy design)."""
            if mode == "extract":
                trafilatura.extract(response.text, url=response.url)

    settings = {
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_MAXSIZE": 10_000_000,
        "DOWNLOAD_WARNSIZE": 0,
        "COOKIES_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(FetchOnly)
    started = time.perf_counter()
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "responses": stats.get("response_received_count", 0)}))


def extract_child(page_dir: str, mode: str, base: str) -> None:
    """Time ``trafilatura.extract`` over every page in one process (child entry)."""
    import trafilatura

    folder = Path(page_dir)
    seconds, cpu, failed = 0.0, 0.0, 0
    for entry in read_manifest(folder):
        body = page_body(folder, entry, base)
        html = body if entry.get("real") else body.decode("utf-8")
        started, cpu_started = time.perf_counter(), time.process_time()
        text = trafilatura.extract(html, url=base + entry["path"], with_metadata=mode == "metadata")
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        failed += not text
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "failed": failed}))


# ---- the rows


@dataclass
class Row:
    """One line of the report: a system over every page, its crawl part only."""

    key: str
    label: str
    pages: int
    seconds: float
    cpu_s: float | None
    peak_rss_mb: float
    startup_s: float | None = None
    processes: int = 1
    ratio: float | None = None
    stored: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        """Throughput."""
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Every field, with pages/s and CPU ms a page."""
        cpu_ms = None if self.cpu_s is None else 1000 * self.cpu_s / self.pages
        return asdict(self) | {"pages_per_s": self.pages_per_s, "cpu_ms_per_page": cpu_ms}


@dataclass(frozen=True)
class Plan:
    """How rows are measured: rounds, and whether start-up is measured and subtracted."""

    runs: int = 1
    startup: bool = True


def less(total: float, startup: float | None) -> float:
    """The crawl part of a run: total minus start-up (the total when that leaves nothing)."""
    return total - startup if startup is not None and total > startup else total


def scrapy_row(base: str, entries: Sequence[Any], work: Path, plan: Plan, mode: str) -> Row:
    """Bare Scrapy fetching every page, timed inside the child minus an empty crawl's time."""
    urls, empty = work / "urls.txt", work / "no-urls.txt"
    urls.write_text("\n".join(base + e["path"] for e in entries), encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    timeout = 120 + len(entries)

    def crawl(url_file: Path) -> procs.Measured:
        return procs.run_measured(
            procs.python(MODULE, "--child", "scrapy", str(url_file), mode), timeout
        )

    idle = crawl(empty) if plan.startup else None
    done = crawl(urls)
    report = done.json_line()
    if report["responses"] != len(entries):
        raise RuntimeError(f"bare Scrapy fetched {report['responses']} of {len(entries)} pages")
    idle_s = idle.json_line()["seconds"] if idle else None
    fetch = mode == "fetch"
    return Row(
        key="scrapy" if fetch else "scrapy_trafilatura",
        label="scrapy fetch-only" if fetch else "scrapy + trafilatura in callback",
        pages=len(entries),
        seconds=less(report["seconds"], idle_s),
        cpu_s=done.cpu_s - (idle.cpu_s if idle else 0.0),
        peak_rss_mb=done.peak_rss_mb,
        startup_s=idle.seconds if idle else None,
        processes=done.processes,
        extra={"wall_s": done.seconds},
    )


def trafilatura_row(base: str, page_dir: Path, mode: str) -> Row:
    """Bare trafilatura.extract over every page in one process; the calls alone are timed."""
    pages = len(read_manifest(page_dir))
    cmd = procs.python(MODULE, "--child", "extract", str(page_dir), mode, base)
    done = procs.run_measured(cmd, 120 + 2 * pages)
    report = done.json_line()
    label = "trafilatura.extract" + ("(with_metadata=True)" if mode == "metadata" else " default")
    return Row(
        key=f"trafilatura_{mode}",
        label=label,
        pages=pages,
        seconds=report["seconds"],
        cpu_s=report["cpu_seconds"],
        peak_rss_mb=done.peak_rss_mb,
        extra={"failed": report["failed"], "wall_s": done.seconds},
    )


def newsfold_once(base: str, work: Path, feed: str, workers: int, pages: int) -> procs.Measured:
    """One ``newsfold run`` into a fresh SQLite file."""
    tag = f"newsfold-w{workers}"
    config, db = work / f"{tag}.toml", work / f"{tag}.db"
    for stale in work.glob(f"{tag}.db*"):
        stale.unlink()
    config.write_text(
        "[crawl]\ndownload_delay = 0\nconcurrent_requests = 32\nconcurrent_per_domain = 32\n"
        # the page server is on loopback; a throughput benchmark is not paced by AutoThrottle
        'allow_networks = ["127.0.0.0/8"]\nautothrottle = false\n'
        f'extract_workers = {workers}\nlog_level = "ERROR"\n\n[relevance]\nenabled = false\n\n'
        f'[sources.bench]\nurl = "{base}/{feed}"\nmax_articles = 100000\n',
        encoding="utf-8",
    )
    cmd = procs.newsfold(
        "run", "--config", str(config), "--db", str(db), "--source", "bench", "--no-progress"
    )
    done = procs.run_measured(cmd, 300 + 2 * pages, cwd=work)
    if done.returncode != 0:
        raise RuntimeError(f"newsfold run failed ({done.returncode}): {done.stderr[-3000:]}")
    return done


STORE_QUERIES = {
    "articles": "SELECT COUNT(*) FROM articles",
    "sightings": "SELECT COUNT(*) FROM sightings",
    "copy_articles": "SELECT COUNT(*) FROM (SELECT article_id FROM sightings "
    "GROUP BY article_id HAVING COUNT(*) > 1)",
    "fetch_errors": "SELECT COUNT(*) FROM fetch_errors",
    "run_status": "SELECT status FROM runs ORDER BY id DESC LIMIT 1",
}


def store_check(db: Path, entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What a run left in its store, and whether that is one sighting and article per page."""
    with sqlite3.connect(db) as conn:
        found = {name: conn.execute(sql).fetchone()[0] for name, sql in STORE_QUERIES.items()}
    conn.close()
    if any(e.get("real") for e in entries):
        # how many real pages hold an article is not known: each must be stored or recorded
        found["ok"] = found["sightings"] + found["fetch_errors"] == len(entries)
    else:
        originals = sum(e["copy_of"] is None for e in entries)
        found["ok"] = (found["articles"], found["sightings"]) == (originals, len(entries))
    return found


def newsfold_row(
    base: str, entries: Sequence[dict[str, Any]], work: Path, workers: int, plan: Plan
) -> Row:
    """newsfold end to end: the run's wall time minus an empty run's."""
    pages = len(entries)
    idle = newsfold_once(base, work, "empty.xml", workers, pages) if plan.startup else None
    done = newsfold_once(base, work, "feed.xml", workers, pages)
    effective = workers or os.cpu_count() or 1
    return Row(
        key=f"newsfold_w{workers}",
        label=f"newsfold workers={workers or f'auto ({effective})'}",
        pages=len(entries),
        seconds=less(done.seconds, idle.seconds if idle else None),
        cpu_s=done.cpu_s - (idle.cpu_s if idle else 0.0),
        peak_rss_mb=done.peak_rss_mb,
        startup_s=idle.seconds if idle else None,
        processes=done.processes,
        stored=store_check(work / f"newsfold-w{workers}.db", entries),
        extra={"wall_s": done.seconds, "main_rss_mb": done.main_rss_mb, "others": done.others},
    )


def run_benchmark(
    pages: int, work: Path, plan: Plan = Plan(), real: Path | None = None
) -> dict[str, Any]:
    """Write (or copy) the pages, serve them and measure every row in rounds."""
    started = time.perf_counter()
    page_dir = work / "pages"
    entries = write_pages(pages, page_dir, real)
    facts: dict[str, Any] = {
        "pages": len(entries),
        "page_source": "generated" if real is None else PUBLISHED,
        "copies": sum(e["copy_of"] is not None for e in entries),
        "page_kb_mean": statistics.mean((page_dir / e["file"]).stat().st_size for e in entries)
        / 1024,
        "rounds": plan.runs,
    }
    with PageServer(ROUTES, page_dir) as server:
        base = server.base
        steps: list[tuple[str, Callable[[], Row]]] = [
            ("scrapy", lambda: scrapy_row(base, entries, work, plan, "fetch")),
            ("trafilatura_default", lambda: trafilatura_row(base, page_dir, "default")),
            ("trafilatura_metadata", lambda: trafilatura_row(base, page_dir, "metadata")),
            ("scrapy_trafilatura", lambda: scrapy_row(base, entries, work, plan, "extract")),
            ("newsfold_w1", lambda: newsfold_row(base, entries, work, 1, plan)),
            ("newsfold_w0", lambda: newsfold_row(base, entries, work, 0, plan)),
        ]
        rounds = [list(done.values()) for done in in_rounds(steps, plan.runs)]
    facts["elapsed_s"] = time.perf_counter() - started
    return summarise([median_row(list(runs)) for runs in zip(*rounds, strict=True)], facts, rounds)


def median_row(runs: list[Row]) -> Row:
    """A row's median round by crawl seconds (the lower of two), with the largest peak RSS."""
    middle = runs[median_index([row.seconds for row in runs])]
    return replace(
        middle,
        peak_rss_mb=max(row.peak_rss_mb for row in runs),
        extra=middle.extra | {"round_seconds": [row.seconds for row in runs]},
    )


def summarise(
    rows: list[Row], facts: dict[str, Any], rounds: Sequence[Sequence[Row]]
) -> dict[str, Any]:
    """Ratios against bare trafilatura, each target judged on the median of its rounds' ratios."""
    base = {row.key: row for row in rows}[BASELINE].pages_per_s
    for row in rows:
        row.ratio = row.pages_per_s / base if base else None
    ratios: dict[str, dict[str, Any]] = {}
    for target, (key, _) in TARGETS.items():
        pairs = []
        for done in rounds:
            by_key = {row.key: row.pages_per_s for row in done}
            pairs.append((by_key[key], by_key[BASELINE]))
        median, each = median_ratio(pairs)
        ratios[target] = {"median": median, "rounds": each}
    return {
        **facts,
        "rows": [row.as_dict() for row in rows],
        "ratios": ratios,
        # the targets are set for published pages: generated ones show the ratios alone
        "targets": [
            results.target(name, ratios[name]["median"], ">=", limit)
            for name, (_, limit) in TARGETS.items()
            if facts.get("page_source") == PUBLISHED
        ],
    }


# ---- report


def row_notes(row: dict[str, Any]) -> str:
    """Start-up, the process split and the store check of a row."""
    notes = []
    if row["startup_s"] is not None:
        notes.append(f"start-up {row['startup_s']:.1f} s excluded")
    others = row["extra"].get("others", [])
    if others:
        notes.append(
            f"main {row['extra']['main_rss_mb']:.0f} MB, {len(others)} other processes "
            f"≤ {max(p['peak_rss_mb'] for p in others):.0f} MB, "
            f"{sum(p['cpu_s'] for p in others):.1f} CPU-s"
        )
    stored = row["stored"]
    if stored:
        notes.append(
            f"stored {stored['articles']} articles, {stored['sightings']} sightings, "
            f"{stored['fetch_errors']} failures ({'ok' if stored['ok'] else 'MISMATCH'})"
        )
    return "; ".join(notes)


def tables(figures: dict[str, Any]) -> list[Table]:
    """The rows, then each target's ratio round by round."""
    rows = [
        [r["label"], num(r["pages_per_s"]), num(r["seconds"], 2), num(r["cpu_ms_per_page"]),
         num(r["peak_rss_mb"], 0), num(r["ratio"], 2), row_notes(r)]
        for r in figures["rows"]
    ]  # fmt: skip
    title = (
        f"{figures['pages']:,} {figures['page_source']} pages of "
        f"~{figures['page_kb_mean']:.0f} KB ({figures['copies']} syndicated copies), "
        f"median of {figures['rounds']} round(s)"
    )
    columns = ["row", "pages/s", "seconds", "CPU ms/page", "peak RSS MB", "x trafilatura", "notes"]
    ratios = Table(
        "newsfold pages/s over bare trafilatura's, round by round",
        ["ratio", "median", "rounds"],
        [
            [name, num(r["median"], 2), " / ".join(num(x, 2) for x in r["rounds"])]
            for name, r in figures["ratios"].items()
        ],
    )
    return [Table(title, columns, rows), ratios]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and save it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        children: dict[str, Callable[..., None]] = {
            "scrapy": scrapy_child,
            "extract": extract_child,
        }
        children[argv[1]](*argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, help=f"pages to serve (default {DEFAULT_PAGES})")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_PAGES} pages")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (every row once a round)")
    parser.add_argument("--real", action="store_true", help="serve the published benchdata pages")
    parser.add_argument("--out", type=Path, help="result file (default results/crawl[-real].json)")
    args = parser.parse_args(argv)
    pages = QUICK_PAGES if args.quick else args.pages or (0 if args.real else DEFAULT_PAGES)
    real = None
    if args.real:
        from benchmarks import scoring

        real = scoring.default_benchdata_root()
        for folder in (scoring.AEB_DIR, scoring.TRAFEVAL_DIR):
            reason = scoring.missing_reason(real, folder)
            if reason:
                print(f"skipped: {reason}")
                return 0
    env = results.environment(NAME, argv)
    with tempfile.TemporaryDirectory(prefix="newsfold-crawl-bench-") as tmp:
        figures = run_benchmark(pages, Path(tmp), Plan(runs=max(1, args.repeat)), real)
    results.publish(NAME, NAME + ("-real" if real else ""), env, figures, args.out, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

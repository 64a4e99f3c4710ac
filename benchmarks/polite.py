"""Politeness benchmark: two `newsfold run`s over unchanged fixture sites, then a paced crawl.

Usage: ``python benchmarks/polite.py [--delay SECONDS] [--json OUT]``.

- **incremental**: the bundled fixture publishers (``crawler.demo.DemoSites``, which count and
  time every request) plus a feed listing one article six times (tracking parameters, a
  fragment, its AMP variant, https) are crawled twice into a new SQLite file with the real CLI
  (``extract_workers = 1``, no delay). The second run should make no article request, get a 304
  for every feed, sitemap and section page, and finish in under 5 s; the six variants should
  cost one request.
- **pacing**: fresh fixture sites crawled with ``download_delay = DELAY`` (default 0.2 s) and
  ``concurrent_per_domain = 4``; every fixture site listens on 127.0.0.1, so all requests share
  one site's limit of 1/DELAY requests per second. The table shows the fastest rate the server
  saw over five consecutive gaps and the shortest gap between two requests, from its own
  arrival times; targets allow 50 ms for the jitter of arrival against departure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENTRY_PATHS = ("/feed/", "/atom.xml", "/news-sitemap.xml", "/ai/")
SPAN = 5  # the rate is measured over this many consecutive gaps (one second at 5 req/s)
# Requests leave at least DELAY apart; they reach the server's handler threads a little earlier or
# later (connection setup, thread scheduling on a busy machine), so targets allow this many seconds.
JITTER = 0.05


def newsfold() -> str:
    """The ``newsfold`` script installed next to this interpreter."""
    return str(Path(sys.executable).with_name("newsfold"))


def write_config(path: Path, crawl: str, sources: dict[str, tuple[str, str]]) -> None:
    """A config crawling the given sources (name -> (URL, kind))."""
    lines = [f'[crawl]\nextract_workers = 1\nallow_networks = ["127.0.0.1/32"]\n{crawl}']
    lines += [f'[sources.{n}]\nurl = "{u}"\nkind = "{k}"\n' for n, (u, k) in sources.items()]
    path.write_text("\n".join(lines), encoding="utf-8")


def run_once(sites: Any, work: Path, db: Path, sources: dict[str, tuple[str, str]]) -> dict:
    """One `newsfold run`; the requests the sites saw, its wall time and its recorded duration."""
    config = work / "polite.toml"
    names = [arg for name in sources for arg in ("--source", name)]
    before = len(sites.log)
    started = time.monotonic()
    result = subprocess.run(
        [newsfold(), "run", "--config", str(config), "--db", str(db), "--no-progress", *names],
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"newsfold run failed ({result.returncode}): {result.stderr[-2000:]}")
    conn = sqlite3.connect(db)
    try:
        begun, ended = conn.execute(
            "SELECT started, ended FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    crawl_seconds = datetime.fromisoformat(ended).timestamp()
    crawl_seconds -= datetime.fromisoformat(begun).timestamp()
    return {"hits": sites.log[before:], "seconds": seconds, "crawl_seconds": crawl_seconds}


def is_entry(path: str) -> bool:
    """Whether a request target is a feed, sitemap or section page."""
    path = urlsplit(path).path
    return path in ENTRY_PATHS or path.startswith("/polite/links/")


def incremental(work: Path) -> dict[str, Any]:
    """Two runs over unchanged sites: requests, 304s, article requests, time; variant requests."""
    from crawler.demo import DemoSites

    with DemoSites() as sites:
        article = next(a for a in sites.articles() if a.on_topic and a.path.endswith("/"))
        plain = sites.url(article.publisher, article.path)
        variants = [
            plain + "?utm_source=newsletter&utm_medium=email",
            plain + "?fbclid=IwAR0abc123",
            plain + "#comments",
            plain + "amp/",
            plain.replace("http://", "https://"),
            plain,
        ]
        sources = {name: (spec["url"], spec["kind"]) for name, spec in sites.sources.items()}
        sources["variants"] = (sites.link_feed("tensor-street", "variants", variants), "feed")
        write_config(work / "polite.toml", "download_delay = 0\n", sources)
        runs = [run_once(sites, work, work / "polite.db", sources) for _ in range(2)]
        variant_hits = sum(
            1
            for hit in sites.log
            if hit.publisher == article.publisher and hit.path.startswith(article.path)
        )
    out: dict[str, Any] = {"variants": len(variants), "variant_requests": variant_hits}
    for name, found in zip(("first", "second"), runs, strict=True):
        hits = found["hits"]
        entries = [h for h in hits if is_entry(h.path)]
        out[name] = {
            "requests": len(hits),
            "entries": len(entries),
            "not_modified": sum(h.status == 304 for h in entries),
            "articles": sum(not is_entry(h.path) and h.path != "/robots.txt" for h in hits),
            "robots": sum(h.path == "/robots.txt" for h in hits),
            "seconds": round(found["seconds"], 2),
            "crawl_seconds": found["crawl_seconds"],
        }
    return out


def pacing(work: Path, delay: float) -> dict[str, Any]:
    """A crawl paced by download_delay: the fastest rate the (single) site saw."""
    from crawler.demo import DemoSites

    with DemoSites() as sites:
        sources = {name: (spec["url"], spec["kind"]) for name, spec in sites.sources.items()}
        write_config(
            work / "polite.toml",
            f"download_delay = {delay}\nconcurrent_per_domain = 4\n",
            sources,
        )
        found = run_once(sites, work, work / "paced.db", sources)
    times = sorted(hit.at for hit in found["hits"])
    span = max(1, min(SPAN, len(times) - 1))
    rates = [span / (times[i + span] - times[i]) for i in range(len(times) - span)]
    return {
        "delay": delay,
        "limit_per_s": 1 / delay,
        "requests": len(times),
        "span": span,
        "max_rate": max(rates, default=0.0),
        "min_gap": min((b - a for a, b in itertools.pairwise(times)), default=0.0),
        "seconds": round(found["seconds"], 2),
    }


def report_rows(inc: dict[str, Any], pace: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(figure, measured, target, met) rows."""
    first, second = inc["first"], inc["second"]
    limit = pace["limit_per_s"]
    return [
        ("requests, first run", str(first["requests"]), "", True),
        (
            "requests, second run (robots.txt / entry points / articles)",
            f"{second['requests']} ({second['robots']} / {second['entries']} / "
            f"{second['articles']})",
            "",
            True,
        ),
        (
            "entry points answering 304, second run",
            f"{second['not_modified']} of {second['entries']}",
            "all",
            second["not_modified"] == second["entries"] > 0,
        ),
        ("article requests, second run", str(second["articles"]), "0", second["articles"] == 0),
        (
            "second run, seconds (process / crawl)",
            f"{second['seconds']:.2f} / {second['crawl_seconds']:.0f}",
            "< 5",
            second["seconds"] < 5,
        ),
        (
            f"requests for {inc['variants']} variants of one article",
            str(inc["variant_requests"]),
            "1",
            inc["variant_requests"] == 1,
        ),
        (
            f"fastest rate to one site over {pace['span']} gaps, req/s "
            f"(delay {pace['delay']} s, {pace['requests']} requests)",
            f"{pace['max_rate']:.2f}",
            f"<= {limit:.2f} ±50 ms",
            pace["max_rate"] <= pace["span"] / (pace["span"] * pace["delay"] - JITTER),
        ),
        (
            "shortest gap between two requests to one site, s",
            f"{pace['min_gap']:.3f}",
            f">= {pace['delay']} -50 ms",
            pace["min_gap"] >= pace["delay"] - JITTER,
        ),
    ]


def print_report(rows: list[tuple[str, str, str, bool]]) -> None:
    """One table: figure, measured, target, met."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="politeness benchmark (fixture sites on 127.0.0.1, real newsfold runs)")
    table.add_column("figure")
    table.add_column("measured", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met")
    for figure, measured, target, met in rows:
        table.add_row(figure, measured, target, ("yes" if met else "NO") if target else "")
    console = Console() if sys.stdout.isatty() else Console(width=120)
    console.print(table)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2, help="download_delay of the paced run")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table; exit 1 when a target is missed."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsfold-polite-") as tmp:
        inc = incremental(Path(tmp))
        pace = pacing(Path(tmp), args.delay)
    rows = report_rows(inc, pace)
    print_report(rows)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"incremental": inc, "pacing": pace}, indent=2) + "\n", encoding="utf-8"
        )
    return 0 if all(met for _, _, target, met in rows if target) else 1


if __name__ == "__main__":
    # Run as a script, this folder heads sys.path and would hide packages of the same names.
    HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.exit(main())

"""Politeness: two ``newsfold run``s over unchanged fixture sites, then a paced crawl.

- **incremental**: the fixture publishers (``benchmarks.harness.sites.PoliteSites``, which count
  and time every request) plus a feed listing one article six times (tracking parameters, a
  fragment, its AMP variant, https) are crawled twice into a new SQLite file with the real CLI
  (``extract_workers = 1``, no delay). The second run should request no article, get a 304 for
  every feed, sitemap and section page and finish in under 5 s, interpreter start-up included
  (the crawl's own span in the ``runs`` table, to the second, is shown beside it); the six
  variants should cost one request.
- **pacing**: fresh fixture sites crawled with ``download_delay = DELAY`` (0.2 s) and
  ``concurrent_per_domain = 4``; every fixture site listens on 127.0.0.1, so all requests share
  one site's limit of 1/DELAY requests a second. Measured from the server's own arrival times:
  the fastest rate over five consecutive gaps and the shortest gap; the targets allow 50 ms for
  the jitter of arrival against departure.
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.harness import procs, results
from benchmarks.harness.sites import PoliteSites
from benchmarks.harness.tables import Table, num

NAME = "polite"
ENTRY_PATHS = ("/feed/", "/atom.xml", "/news-sitemap.xml", "/ai/")
SPAN = 5  # the rate is measured over this many consecutive gaps (one second at 5 req/s)
JITTER = 0.05  # requests reach the server's threads a little earlier or later than they leave


def run_once(
    sites: PoliteSites, work: Path, db: Path, crawl: str, feeds: dict[str, str] | None = None
) -> dict[str, Any]:
    """One ``newsfold run`` of every source and ``feeds``; what the sites saw, its durations."""
    sources = {name: (spec["url"], spec["kind"]) for name, spec in sites.sources.items()}
    sources |= {name: (url, "feed") for name, url in (feeds or {}).items()}
    config = work / "polite.toml"
    lines = [f'[crawl]\nextract_workers = 1\nallow_networks = ["127.0.0.1/32"]\n{crawl}']
    lines += [f'[sources.{n}]\nurl = "{u}"\nkind = "{k}"\n' for n, (u, k) in sources.items()]
    config.write_text("\n".join(lines), encoding="utf-8")
    before = len(sites.log)
    started = time.monotonic()
    # only these sources: the packaged ones are not for a benchmark on loopback
    names = [arg for name in sources for arg in ("--source", name)]
    cmd = procs.newsfold("run", "--config", str(config), "--db", str(db), "--no-progress", *names)
    done = procs.run(cmd, timeout=300, cwd=work)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"newsfold run failed ({done.returncode}): {done.stderr[-2000:]}")
    with sqlite3.connect(db) as conn:
        span = conn.execute("SELECT started, ended FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    begun, ended = (datetime.fromisoformat(stamp).timestamp() for stamp in span)
    return {"hits": sites.log[before:], "seconds": seconds, "crawl_seconds": ended - begun}


def is_entry(path: str) -> bool:
    """Whether a request target is a feed, sitemap or section page."""
    path = urlsplit(path).path
    return path in ENTRY_PATHS or path.startswith("/polite/links/")


def incremental(work: Path) -> dict[str, Any]:
    """Two runs over unchanged sites: requests, 304s, article requests, time; variant requests."""
    with PoliteSites() as sites:
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
        feeds = {"variants": sites.link_feed("tensor-street", "variants", variants)}
        db, crawl = work / "polite.db", "download_delay = 0\n"
        runs = [run_once(sites, work, db, crawl, feeds) for _ in range(2)]
        variant_hits = sum(
            hit.publisher == article.publisher and hit.path.startswith(article.path)
            for hit in sites.log
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
            "seconds": found["seconds"],
            "crawl_seconds": found["crawl_seconds"],
        }
    return out


def pacing(work: Path, delay: float) -> dict[str, Any]:
    """A crawl paced by download_delay: the fastest rate the (single) site saw."""
    with PoliteSites() as sites:
        crawl = f"download_delay = {delay}\nconcurrent_per_domain = 4\n"
        found = run_once(sites, work, work / "paced.db", crawl)
    times = sorted(hit.at for hit in found["hits"])
    span = max(1, min(SPAN, len(times) - 1))
    rates = [span / (times[i + span] - times[i]) for i in range(len(times) - span)]
    return {
        "delay": delay,
        "requests": len(times),
        "span": span,
        "max_rate": max(rates, default=0.0),
        "min_gap": min((b - a for a, b in itertools.pairwise(times)), default=0.0),
        "seconds": found["seconds"],
    }


def targets(inc: dict[str, Any], pace: dict[str, Any]) -> list[dict[str, Any]]:
    """The politeness targets with their figures."""
    second, delay, span = inc["second"], pace["delay"], pace["span"]
    t = results.target
    unanswered = second["entries"] - second["not_modified"] if second["entries"] else None
    fastest = round(span / (span * delay - JITTER), 2)
    return [
        t("entry points not answering 304, second run", unanswered, "<=", 0),
        t("article requests, second run", second["articles"], "<=", 0),
        t("second run, seconds (the whole process)", second["seconds"], "<=", 5),
        t("requests for 6 variants of one article", inc["variant_requests"], "<=", 1),
        t(f"fastest rate to one site over {span} gaps, req/s", pace["max_rate"], "<=", fastest),
        t("shortest gap between two requests, s", pace["min_gap"], ">=", delay - JITTER),
    ]


def tables(figures: dict[str, Any]) -> list[Table]:
    """The two runs side by side, then the paced crawl."""
    inc, pace = figures["incremental"], figures["pacing"]
    keys = ("requests", "robots", "entries", "not_modified", "articles")
    columns = ["run", "requests", "robots.txt", "entry points", "304s", "articles"]
    rows = [
        [
            name,
            *(inc[name][k] for k in keys),
            num(inc[name]["crawl_seconds"], 0),
            num(inc[name]["seconds"], 2),
        ]
        for name in ("first", "second")
    ]
    variants = (
        f"{inc['variant_requests']} request(s) for {inc['variants']} variants of one article."
    )
    runs = Table(
        "Two runs over unchanged sites", [*columns, "crawl s", "process s"], rows, [variants]
    )
    paced = Table(
        f"Paced crawl, download_delay {pace['delay']} s",
        ["requests", f"fastest rate over {pace['span']} gaps, req/s", "shortest gap, s", "seconds"],
        [[pace["requests"], pace["max_rate"], pace["min_gap"], num(pace["seconds"], 2)]],
    )
    return [runs, paced]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and save it; exit 1 when a target is missed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2, help="download_delay of the paced run")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    env = results.environment(NAME, argv)
    with tempfile.TemporaryDirectory(prefix="newsfold-polite-") as tmp:
        inc = incremental(Path(tmp))
        pace = pacing(Path(tmp), args.delay)
    goals = targets(inc, pace)
    figures = {"incremental": inc, "pacing": pace, "targets": goals}
    results.publish(NAME, NAME, env, figures, args.out, tables)
    return 0 if all(t["met"] for t in goals) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Faults: ``newsfold run`` killed with SIGKILL at random moments, then completed; nothing lost.

The fixture publishers (``crawler.demo``: copies across sites, stories, an off-topic page,
broken links, a page that answers 500) and ``--pages`` generated ~100 KB news pages
(``benchmarks/news.py``, every 20th a syndicated copy) are served on 127.0.0.1 and crawled with
the real CLI and its defaults, but for ``download_delay = 0``.

- **reference**: one uninterrupted ``newsfold run`` into a new store: its sightings (URL, doc
  id), which of them form one article and which one story are what every store must end with.
- **faults**: ``newsfold run``, in a process group of its own, is killed with SIGKILL at
  ``--kills`` moments, one in each equal slice of the reference's wall time (seeded, in shuffled
  order), one run after another on one store; then a run completes. The 1st, 3rd, ... kill
  signals the whole group (``os.killpg``), the others only the crawl's own process, as the OOM
  killer or ``kill -9 PID`` do. A kill *landed* when the run died of it; a run that completed
  first closes its store, and the next kill starts a new one.
- **checks**, on every store a completed run closed: *lost*, sightings of the reference
  missing; *duplicated*, a URL or doc id stored twice, or copies the reference folded into one
  article kept apart; *orphans*, processes of the killed run's group, or of its tree that left
  the group, still alive 10 s after the kill (read from /proc); *stories*, stories of the
  reference not held as such; *other*, URLs the reference did not store, articles it kept apart
  folded together, rows pointing at no article and runs left ``running``.

SQLite stores are files; each PostgreSQL store is a schema the benchmark creates and drops
(``$NEWSFOLD_TEST_POSTGRES`` or ``postgresql://postgres@127.0.0.1:5432/test``), skipped with
the reason when the server cannot be reached. Targets: every check 0 on every backend.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack, suppress
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import crawl
from benchmarks.harness import procs, results
from benchmarks.harness.pgscratch import scratch_schema
from benchmarks.harness.rounds import log
from benchmarks.harness.server import PageServer
from benchmarks.harness.tables import Table, num
from crawler.demo import DemoSites
from storage import StorageError, open_storage
from storage.sql import SQLStorage

NAME = "faults"
ORPHAN_WAIT = 10.0  # seconds the killed run's processes get to end
CHECKS = ("lost", "duplicated", "orphans", "stories", "other")
SUMMARY = "backend|kills landed|lost|duplicated|orphans|stories|other|stores checked|sightings / articles|reference s|benchmark s"
KILLS = "backend|kill|at s|signalled|landed|exit|processes|orphans|sightings after"
KILL_KEYS = ("kill", "landed", "rc", "processes", "orphans", "stored")
DANGLING = (
    "SELECT COUNT(*) AS n FROM articles a WHERE NOT EXISTS "
    "(SELECT 1 FROM sightings s WHERE s.article_id = a.id)",
    "SELECT COUNT(*) AS n FROM sightings s WHERE NOT EXISTS "
    "(SELECT 1 FROM articles a WHERE a.id = s.article_id)",
    "SELECT COUNT(*) AS n FROM lsh_bands b WHERE NOT EXISTS "
    "(SELECT 1 FROM articles a WHERE a.id = b.article_id)",
    "SELECT COUNT(*) AS n FROM runs WHERE status = 'running'",
)


def write_config(work: Path, demo: DemoSites, feed: str, pages: int) -> list[str]:
    """The config of every fixture source; the ``newsfold run`` arguments that crawl them."""
    sources = {n: (s["url"], s["kind"], 50) for n, s in demo.sources.items()}
    sources["generated"] = (feed, "feed", pages)
    lines = ['[crawl]\ndownload_delay = 0\nallow_networks = ["127.0.0.0/8"]\nlog_level = "ERROR"']
    lines += [
        f'[sources.{n}]\nurl = "{u}"\nkind = "{k}"\nmax_articles = {m}'
        for n, (u, k, m) in sources.items()
    ]
    config = work / "faults.toml"
    config.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    names = [arg for name in sources for arg in ("--source", name)]
    return ["run", "--config", str(config), "--no-progress", *names]


def alive(pids: Sequence[int] = (), pgid: int = 0) -> dict[int, str]:
    """Live processes among ``pids`` or in process group ``pgid``: pid -> start time."""
    found = {}
    candidates = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()] if pgid else []
    for pid in {*pids, *candidates}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and (pid in pids or int(fields[2]) == pgid):
            found[pid] = fields[19]  # the start time tells a reused pid apart
    return found


def kill_run(
    cmd: list[str], at: float, whole_group: bool, timeout: float, wait: float = ORPHAN_WAIT
) -> dict[str, Any]:
    """A command SIGKILLed ``at`` seconds after its start, unless it ended first; what it left."""
    with tempfile.TemporaryFile("w+") as err:
        proc = procs.start(cmd, stdout=subprocess.DEVNULL, stderr=err)
        before: dict[int, str] = {}
        try:
            try:
                proc.wait(timeout=at)
            except subprocess.TimeoutExpired:
                before = alive(procs.process_tree(proc.pid), proc.pid)
                (os.killpg if whole_group else os.kill)(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
        except BaseException:
            procs.kill_group(proc)
            raise
        landed, left = proc.returncode == -signal.SIGKILL, {}
        deadline = time.monotonic() + wait
        while landed and time.monotonic() < deadline:
            # whatever is left in the group, and the run's processes that left it (the same
            # start time: not a reused pid)
            now = alive(list(before), proc.pid).items()
            left = {p: s for p, s in now if before.get(p, s) == s}
            if not left:
                break
            time.sleep(0.1)
        procs.end_group(proc.pid)
        for pid in left:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        err.seek(0)
        failed = not landed and proc.returncode != 0
        tail = err.read()[-2000:] if failed else ""  # why a run failed that was not killed
    kind = "group" if whole_group else "leader"
    found = {"at": at, "kill": kind, "landed": landed, "rc": proc.returncode}
    return found | {"processes": len(before), "orphans": len(left), "stderr": tail}


def complete(args: list[str], timeout: float) -> float:
    """Run to its end; its wall time. A run that does not complete stops the benchmark."""
    started = time.monotonic()
    done = procs.run(procs.newsfold(*args), timeout)
    if done.returncode != 0:
        raise RuntimeError(f"newsfold run failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.monotonic() - started


def snapshot(url: str) -> dict[str, Any]:
    """A store's sightings (URL, doc id, article, story) and its count of dangling rows."""
    storage = open_storage(url, migrate=False, create=False)
    try:
        assert isinstance(storage, SQLStorage)
        db = storage.db
        rows = db.fetchall(
            "SELECT s.url, s.doc_id, s.article_id, a.story_id FROM sightings s "
            "LEFT JOIN articles a ON a.id = s.article_id"
        )
        dangling = sum(db.fetchall(sql)[0]["n"] for sql in DANGLING)
    finally:
        storage.close()
    found = [(r["url"], r["doc_id"], r["article_id"], r["story_id"]) for r in rows]
    return {"rows": found, "dangling": dangling}


def stored(url: str) -> int | None:
    """How many sightings a store holds; None before it holds its tables."""
    try:
        return len(snapshot(url)["rows"])
    except StorageError:
        return None


def groups(rows: Sequence[tuple[Any, ...]], by: int = 2) -> list[set[str]]:
    """The URLs of each article (``by`` = 2) or story (3)."""
    found: dict[Any, set[str]] = {}
    for row in rows:
        found.setdefault(row[by], set()).add(row[0])
    return list(found.values())


def split(group: set[str], article_of: dict[str, int]) -> int:
    """How many more articles than one the URLs of ``group`` are spread over."""
    return max(len({article_of[url] for url in group if url in article_of}) - 1, 0)


def compare(ref: dict[str, Any], got: dict[str, Any]) -> dict[str, int]:
    """Lost, duplicated and other differences of a store from the reference."""
    urls = Counter(row[0] for row in got["rows"])
    docs = Counter(row[1] for row in got["rows"])
    ref_of = {row[0]: row[2] for row in ref["rows"]}
    got_of = {row[0]: row[2] for row in got["rows"]}
    stories = {frozenset(g) for g in groups(got["rows"], 3)}
    twice = sum(n - 1 for n in urls.values()) + sum(n - 1 for n in docs.values())
    return {
        "lost": len(set(ref_of) - set(urls)),
        "duplicated": twice + sum(split(g, got_of) for g in groups(ref["rows"])),
        "other": len(set(urls) - set(ref_of))
        + sum(split(g, ref_of) for g in groups(got["rows"]))
        + got["dangling"],
        "stories": sum(frozenset(g) not in stories for g in groups(ref["rows"], 3)),
    }


def new_store(backend: str, work: Path, stack: ExitStack) -> str:
    """A new SQLite file, or a new PostgreSQL schema dropped when ``stack`` closes."""
    if backend == "sqlite":
        return str(work / f"store-{secrets.token_hex(4)}.db")
    return stack.enter_context(scratch_schema(prefix="nf_faults"))


def backend_run(
    name: str,
    ref_url: str,
    fresh: Callable[[], str],
    args: list[str],
    kills: int,
    rng: random.Random,
) -> dict[str, Any]:
    """The reference, the killed runs and the completing ones on one backend; their checks."""
    started = time.monotonic()
    duration = complete([*args, "--db", ref_url], timeout=600)
    ref = snapshot(ref_url)
    log(f"{name}: reference run {duration:.1f} s, {len(ref['rows'])} sightings")
    timeout = 20 * duration + 120
    moments = [(i + rng.random()) * duration / kills for i in range(kills)]
    rng.shuffle(moments)
    closed, events, store = [], [], ""
    for number, at in enumerate(moments):
        store = store or fresh()
        cmd = procs.newsfold(*args, "--db", store)
        event = kill_run(cmd, at, number % 2 == 0, timeout)
        events.append({**event, "stored": stored(store)})
        log(f"{name}: kill {number + 1} at {at:.1f} s: {event['kill']}, exit {event['rc']}")
        if not event["landed"] and event["rc"] == 0:  # the run completed: its store is whole
            closed.append(store)
            store = ""
    if store:
        complete([*args, "--db", store], timeout)
        closed.append(store)
    checks = Counter({"orphans": sum(e["orphans"] for e in events)})
    for url in closed:
        checks.update(compare(ref, snapshot(url)))
    found = {"backend": name, "reference_s": duration, "sightings": len(ref["rows"])}
    found |= {"articles": len(groups(ref["rows"])), "kills": events, "stores": len(closed)}
    found |= {"landed": sum(e["landed"] for e in events), "seconds": time.monotonic() - started}
    return found | {check: checks[check] for check in CHECKS}


def run(kills: int, backends: Sequence[str], pages: int, seed: int, work: Path) -> dict[str, Any]:
    """Serve the fixture sites, then fault every backend in turn; the figures."""
    rng, rows, skipped = random.Random(seed), [], {}
    crawl.write_pages(pages, work / "pages")
    with DemoSites() as demo, PageServer(crawl.ROUTES, work / "pages") as server:
        args = write_config(work, demo, f"{server.base}/feed.xml", pages)
        for backend in backends:
            with ExitStack() as stack:
                fresh = partial(new_store, backend, work, stack)
                try:
                    ref_url = fresh()
                except StorageError as exc:
                    skipped[backend] = f"PostgreSQL not reachable: {exc}"
                    log(f"{backend} skipped: {skipped[backend]}")
                    continue
                rows.append(backend_run(backend, ref_url, fresh, args, kills, rng))
    goals = [results.target(f"{r['backend']}: {c}", r[c], "<=", 0) for r in rows for c in CHECKS]
    plan = {"kills": kills, "pages": pages, "seed": seed}
    return plan | {"rows": rows, "skipped": skipped, "targets": goals}


def tables(figures: dict[str, Any]) -> list[Table]:
    """One row per backend, then each kill."""
    rows = [
        [r["backend"], f"{r['landed']}/{len(r['kills'])}", *(r[c] for c in CHECKS), r["stores"]]
        for r in figures["rows"]
    ]
    for row, r in zip(rows, figures["rows"], strict=True):
        row += [f"{r['sightings']} / {r['articles']}", num(r["reference_s"]), num(r["seconds"], 0)]
    title = f"{figures['kills']} kills per backend over the fixture publishers and "
    title += f"{figures['pages']} generated pages (seed {figures['seed']})"
    notes = [f"{backend} skipped: {why}" for backend, why in figures["skipped"].items()]
    kills = [
        [r["backend"], n, num(e["at"], 2), *(e[k] for k in KILL_KEYS)]
        for r in figures["rows"]
        for n, e in enumerate(r["kills"], 1)
    ]
    return [
        Table(title, SUMMARY.split("|"), rows, notes),
        Table("Each kill: when, what it signalled, what it left", KILLS.split("|"), kills),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and save it; exit 1 when a target is missed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kills", type=int, default=10, help="killed runs per backend")
    parser.add_argument("--pages", type=int, default=300, help="generated pages besides")
    backends = ("sqlite", "postgresql")
    parser.add_argument("--backend", action="append", choices=backends, help="only these")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    env = results.environment(NAME, argv)
    with tempfile.TemporaryDirectory(prefix="newsfold-faults-") as tmp:
        chosen = args.backend or backends
        figures = run(args.kills, chosen, args.pages, args.seed, Path(tmp))
    results.publish(NAME, NAME, env, figures, args.out, tables)
    return 0 if all(t["met"] for t in figures["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Crawl workers on the PostgreSQL queue: each site once, whatever dies; per-site run locks; folding
writers that wait for each other only where their documents meet."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.records import synthetic_corpus, to_record
from config.schema import FoldConfig
from crawler.demo import DemoSites
from pipelines.folding.folder import Folder
from storage import open_storage
from storage.sql import SQLStorage
from tests.support import QuietHandler, alive, base_url, children_of, loopback, serving

pytest.importorskip("procrastinate", reason="the distributed extra is not installed")

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))
STALLED = 2  # seconds without a heartbeat before a job is given to another worker


class SlowHandler(QuietHandler):
    """A feed of eight AI articles, each a second slow: a crawl of it is busy for seconds."""

    def do_GET(self) -> None:
        """Answer the feed at once and every article late."""
        port = self.server.server_address[1]  # type: ignore[index]
        base = f"http://127.0.0.1:{port}"
        if self.path == "/feed.xml":
            items = "".join(f"<item><link>{base}/a/{i}</link></item>" for i in range(8))
            body, kind = (
                f"<rss version='2.0'><channel>{items}</channel></rss>",
                "application/rss+xml",
            )
        elif self.path == "/robots.txt":
            body, kind = "", "text/plain"
        else:
            time.sleep(1)
            # A word of its own in every five: no two articles share a shingle.
            mark = self.path.rsplit("/", 1)[-1]
            words = " ".join(f"n{mark}w{j} AI model training inference" for j in range(40))
            body = (
                f"<html><head><title>AI {self.path}</title></head><body><article>"
                f"<p>{words}</p></article></body></html>"
            )
            kind = "text/html"
        self.answer(200, kind, body)


@pytest.fixture
def slow_site() -> Iterator[str]:
    """The slow site's feed URL."""
    with serving(loopback(SlowHandler)) as server:
        yield f"{base_url(server)}/feed.xml"


def write_config(
    path: Path, sources: dict[str, dict[str, str]], extra: str = "", delay: float = 0.0
) -> Path:
    """A config crawling only ``sources``, every poll due, jobs stalled after STALLED s."""
    lines = [
        "packaged_sources = false",
        "[crawl]",
        f"download_delay = {delay}",
        "adaptive_polling = false",
        "extract_workers = 1",
        'allow_networks = ["127.0.0.0/8"]',
        "[distributed]",
        f"stalled_after_seconds = {STALLED}",
        "[schedule]",
        "metrics_port = 0",
        "stop_grace_seconds = 5",
        extra,
    ]
    for name, spec in sorted(sources.items()):
        lines += [
            f"[sources.{name}]",
            f'url = "{spec["url"]}"',
            f'kind = "{spec.get("kind", "feed")}"',
        ]
        lines += [f"{key} = {value}" for key, value in spec.items() if key not in ("url", "kind")]
    path.write_text("\n".join(lines) + "\n")
    return path


class Processes:
    """Processes a test starts, each in a session of its own, killed by process group at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start ``newsfold ARGS``, its stderr in ``name``.err."""
        with (self.tmp / f"{name}.err").open("w") as err:
            proc = subprocess.Popen(
                [NEWSFOLD, *args], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
            )
        self.started.append(proc)
        return proc

    def log(self, name: str) -> str:
        """What a process wrote on stderr so far."""
        return (self.tmp / f"{name}.err").read_text()

    def end(self) -> None:
        """Kill every process group started (crawl children, in sessions of their own, die with
        their worker)."""
        for proc in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    """Start processes; all are killed at the end of the test."""
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.end()


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll ``check`` until it returns something true; fail saying ``what`` otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def jobs(url: str) -> list[dict[str, Any]]:
    """The queue's jobs."""
    storage = open_storage(url, migrate=False)
    assert isinstance(storage, SQLStorage)
    try:
        return storage.db.fetchall(
            "SELECT id, status, attempts, args FROM procrastinate_jobs ORDER BY id"
        )
    finally:
        storage.close()


def all_ended(url: str, count: int) -> bool:
    """Whether ``count`` jobs exist and every one has ended."""
    found = jobs(url)
    return len(found) == count and all(j["status"] in ("succeeded", "failed") for j in found)


def store_rows(url: str, sql: str) -> list[dict[str, Any]]:
    """Rows of a query on a store."""
    storage = open_storage(url, migrate=False)
    assert isinstance(storage, SQLStorage)
    try:
        return storage.db.fetchall(sql)
    finally:
        storage.close()


def folded(url: str, bases: dict[str, str]) -> set[frozenset[str]]:
    """Each article as the set of its sightings' URLs, each URL with its site's base named."""

    def named(link: str) -> str:
        for key, base in bases.items():
            if link.startswith(base):
                return key + link[len(base) :]
        return link

    groups: dict[int, set[str]] = {}
    for row in store_rows(url, "SELECT article_id, url FROM sightings"):
        groups.setdefault(row["article_id"], set()).add(named(row["url"]))
    return {frozenset(group) for group in groups.values()}


# ---- workers


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; Linux only")
def test_two_workers_one_killed_mid_crawl_crawl_every_site_once_as_one_process_does(
    postgres_url: str, tmp_path: Path, procs: Processes
) -> None:
    with DemoSites() as sites:
        # A second between two requests to a site: its crawl lasts seconds, so the kill lands
        # while the worker's crawl is running.
        config = write_config(tmp_path / "sites.toml", sites.sources, delay=1.0)
        bases = {key: sites.base(key) for key in sites.sources}
        count = len(bases)
        first = procs.start("a", "worker", "--config", str(config), "--db", postgres_url)
        procs.start("b", "worker", "--config", str(config), "--db", postgres_url)
        enqueued = subprocess.run(
            [NEWSFOLD, "run", "--enqueue", "--config", str(config), "--db", postgres_url],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert enqueued.returncode == 0, enqueued.stderr
        child = wait_for(lambda: children_of(first.pid), 60, "worker a to start a crawl")
        wait_for(
            lambda: (
                len(store_rows(postgres_url, "SELECT id FROM runs WHERE status = 'running'")) == 2
            ),
            60,
            "both workers' crawls to record their runs",
        )
        time.sleep(0.5)  # mid-crawl: some pages fetched
        os.killpg(first.pid, signal.SIGKILL)  # the worker's whole process group
        first.wait()
        wait_for(lambda: not any(alive(pid) for pid in child), 1.5, "the crawl child to die")
        wait_for(lambda: all_ended(postgres_url, count), 120, "every job to end")
        runs = store_rows(postgres_url, "SELECT status, sites, job_id, message FROM runs")
    assert {j["status"] for j in jobs(postgres_url)} == {"succeeded"}
    completed = sorted(r["sites"] for r in runs if r["status"] == "completed")
    assert len(completed) == count == len(set(completed))  # each site exactly once
    abandoned = [r for r in runs if r["status"] == "abandoned"]
    assert len(abandoned) == 1 and "heartbeat" in abandoned[0]["message"]
    # One process crawling the same sites (served afresh) stores the same articles and sightings.
    with DemoSites() as again:
        reference = tmp_path / "reference.db"
        config = write_config(tmp_path / "again.toml", again.sources)
        local = subprocess.run(
            [NEWSFOLD, "run", "--no-progress", "--config", str(config), "--db", str(reference)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert local.returncode == 0, local.stderr
        expected = folded(str(reference), {key: again.base(key) for key in again.sources})
    assert folded(postgres_url, bases) == expected


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; Linux only")
def test_a_killed_workers_crawl_child_dies_with_it_and_the_job_runs_once_more(
    postgres_url: str, slow_site: str, tmp_path: Path, procs: Processes
) -> None:
    config = write_config(tmp_path / "slow.toml", {"slow": {"url": slow_site}})
    db = ("--config", str(config), "--db", postgres_url)
    first = procs.start("a", "worker", *db)
    assert subprocess.run([NEWSFOLD, "run", "--enqueue", *db], timeout=60).returncode == 0
    child = wait_for(lambda: children_of(first.pid), 60, "worker a to start a crawl")
    wait_for(
        lambda: store_rows(postgres_url, "SELECT id FROM runs WHERE status = 'running'"),
        30,
        "the crawl to record its run",
    )
    os.kill(first.pid, signal.SIGKILL)  # the worker's main process alone
    first.wait()
    wait_for(lambda: not any(alive(pid) for pid in child), 1.0, "the crawl child to die")
    procs.start("b", "worker", *db)
    wait_for(lambda: all_ended(postgres_url, 1), 90, "the job to end")
    (job,) = jobs(postgres_url)
    assert job["status"] == "succeeded" and job["attempts"] == 2
    runs = store_rows(postgres_url, "SELECT status, message, job_id FROM runs ORDER BY id")
    assert [r["status"] for r in runs] == ["abandoned", "completed"]
    assert {r["job_id"] for r in runs} == {job["id"]}
    assert "heartbeat" in runs[0]["message"] and "try 2 of 3" in runs[0]["message"]
    assert store_rows(postgres_url, "SELECT COUNT(*) AS n FROM articles")[0]["n"] == 8


def test_a_sites_second_job_waits_as_one_job(postgres_url: str) -> None:
    from crawler.distributed.queue import Deferrer, Poll

    open_storage(postgres_url).close()
    deferrer = Deferrer(postgres_url, "newsfold")
    try:
        first, new = deferrer.defer(Poll("a.example", ["a"]))
        again, again_new = deferrer.defer(Poll("a.example", ["a"]))
        other, _ = deferrer.defer(Poll("b.example", ["b"]))
    finally:
        deferrer.close()
    assert (new, again_new) == (True, False) and again == first and other != first
    assert [j["status"] for j in jobs(postgres_url)] == ["todo", "todo"]


def test_the_queue_schema_is_applied_once_by_processes_starting_together(
    postgres_url: str,
) -> None:
    from crawler.distributed.queue import SCHEMA_META, ensure_schema

    open_storage(postgres_url).close()
    applied: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: applied.append(ensure_schema(postgres_url)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(a) for a in applied) == [0, 0, 0, 1]
    assert ensure_schema(postgres_url) == []
    meta = store_rows(postgres_url, f"SELECT value FROM meta WHERE key = '{SCHEMA_META}'")
    assert meta and meta[0]["value"].endswith(".sql")


# ---- per-site run locks


def test_site_locks_let_other_sites_run_and_name_the_holder(postgres_url: str) -> None:
    holder, other = open_storage(postgres_url), open_storage(postgres_url)
    try:
        with holder.lock_sites(["a.example"]) as held:
            assert held.sites == ["a.example"] and not held.store_wide
            with other.lock_sites(["a.example", "b.example"]) as second:
                assert second.sites == ["b.example"]
                assert "newsfold pid" in second.busy["a.example"]
        with other.lock_sites(["a.example"]) as later:
            assert later.sites == ["a.example"]  # released with the first holder's session
    finally:
        holder.close()
        other.close()


def test_a_run_abandons_only_the_dead_runs_of_its_own_sites(postgres_url: str) -> None:
    storage = open_storage(postgres_url)
    try:
        dead = storage.begin_run(["a"], sites=["a.example"])
        live = storage.begin_run(["b"], sites=["b.example"])
        storage.begin_run(["a2"], sites=["a.example"], job_id=7)
        status = {r.id: r.status for r in storage.runs()}
        assert status[dead] == "abandoned" and status[live] == "running"
        assert storage.close_job_runs(7, "abandoned", "its worker died") == 1
        assert [r.message for r in storage.job_runs([7])] == ["its worker died"]
    finally:
        storage.close()


@pytest.mark.slow
def test_a_crawl_of_a_busy_site_is_skipped_and_counted_busy(
    postgres_url: str, demo_sites: DemoSites, tmp_path: Path
) -> None:
    from crawler.sources.sites import site_of

    names = sorted(demo_sites.sources)[:2]
    config = write_config(tmp_path / "two.toml", {n: demo_sites.sources[n] for n in names})
    busy = site_of(demo_sites.sources[names[0]]["url"])
    holder = open_storage(postgres_url)
    args = [NEWSFOLD, "run", "--no-progress", "--config", str(config), "--db", postgres_url]
    try:
        with holder.lock_sites([busy]):
            alone = subprocess.run(
                [*args, "--source", names[0]], capture_output=True, text=True, timeout=120
            )
            both = subprocess.run(args, capture_output=True, text=True, timeout=180)
    finally:
        holder.close()
    assert alone.returncode == 4 and "being crawled by newsfold pid" in alone.stderr
    assert both.returncode == 0, both.stderr
    (run,) = store_rows(postgres_url, "SELECT counts, sites FROM runs")
    import json

    counts = json.loads(run["counts"])
    assert counts[names[0]]["busy"] == 1 and counts[names[1]]["busy"] == 0
    assert counts[names[1]]["stored"] > 0 and busy not in run["sites"]


def test_distributed_mode_on_a_sqlite_store_is_a_config_error(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSFOLD__DISTRIBUTED__ENABLED": "true"}
    for command in ("run", "worker", "serve"):
        result = subprocess.run(
            [NEWSFOLD, command, "--db", str(tmp_path / "s.db")],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 2, (command, result.stderr)
        assert "distributed.enabled = true needs a postgresql:// store" in result.stderr
    enqueue = subprocess.run(
        [NEWSFOLD, "run", "--enqueue", "--db", str(tmp_path / "s.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert enqueue.returncode == 2 and "needs a postgresql:// store" in enqueue.stderr


# ---- the service's leader


@pytest.mark.slow
def test_only_the_leading_service_defers_and_a_standby_takes_over(
    postgres_url: str, tmp_path: Path, procs: Processes
) -> None:
    config = write_config(
        tmp_path / "serve.toml",
        {"a": {"url": "http://a.example/feed.xml", "group": '"fast"'}},
        extra='[schedule.groups]\nfeeds = "off"\nbusiness = "off"\nlabs = "off"\n'
        'sitemaps = "off"\ndefault = "off"\nfast = "* * * * * *"\n',
    )
    env = ("--config", str(config), "--db", postgres_url)
    os.environ["NEWSFOLD__DISTRIBUTED__ENABLED"] = "true"
    try:
        leader = procs.start("leader", "serve", *env)
        wait_for(lambda: "deferred" in procs.log("leader"), 30, "the leader to defer")
        procs.start("standby", "serve", *env)
        wait_for(lambda: "standing by" in procs.log("standby"), 30, "the standby to stand by")
        time.sleep(2)
        assert "run deferred" not in procs.log("standby")
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
        wait_for(lambda: "run deferred" in procs.log("standby"), 30, "the standby to take over")
    finally:
        del os.environ["NEWSFOLD__DISTRIBUTED__ENABLED"]
    assert "is the leader" in procs.log("standby")
    assert [j["status"] for j in jobs(postgres_url)] == ["todo"]  # one waiting job per site


# ---- folding writers wait only where their documents meet


def test_a_writer_waits_for_a_copy_being_folded_and_not_for_other_documents(
    postgres_url: str,
) -> None:
    corpus = synthetic_corpus(60)
    copy = next(d for d in corpus if d.copy_of is not None)
    original = next(d for d in corpus if d.doc_id == copy.copy_of)
    unrelated = next(d for d in corpus if d.copy_of is None and d.doc_id != original.doc_id)
    folder = Folder(FoldConfig())
    first, second = open_storage(postgres_url), open_storage(postgres_url)
    results: dict[str, str] = {}

    def fold(storage: Any, doc: Any) -> None:
        fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
        with storage.transaction() as index:
            results[doc.doc_id] = folder.fold(index, *to_record(doc, fp), fp).kind

    try:
        fp = folder.fingerprinter.fingerprint(original.text, original.title)
        with first.transaction() as index:
            assert folder.fold(index, *to_record(original, fp), fp).kind == "new"
            other = threading.Thread(target=fold, args=(second, unrelated))
            other.start()
            other.join(timeout=10)
            assert results.get(unrelated.doc_id) == "new"  # its keys meet none of the open fold's
            waiting = threading.Thread(target=fold, args=(second, copy))
            waiting.start()
            waiting.join(timeout=0.5)
            assert waiting.is_alive()  # its band keys are claimed until the first commits
        waiting.join(timeout=10)
        assert results[copy.doc_id] == "copy"  # it saw the original once that was committed
        assert isinstance(second, SQLStorage) and second.count("articles") == 2
    finally:
        first.close()
        second.close()

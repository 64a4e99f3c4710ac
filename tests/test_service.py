"""The real `newsfold serve` in a subprocess, on seconds-level schedules, against fixture sites."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from config.loader import load_config
from crawler.demo import DemoSites
from storage import open_storage

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))
PACKAGED_GROUPS = list(load_config(env={}).schedule.groups)
T = TypeVar("T")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    sites: DemoSites,
    path: Path,
    groups: dict[str, tuple[str, list[str]]],
    schedule: str = "",
    delay: float = 0,
) -> Path:
    """A config crawling only the fixture publishers, in the given groups on the given crons."""
    lines = [
        f"[crawl]\ndownload_delay = {delay}\nconcurrent_per_domain = 1\n"
        'extract_workers = 1\nretries = 0\nallow_networks = ["127.0.0.0/8"]\n',
        f"[schedule]\nstop_grace_seconds = 15\n{schedule}",
        "[schedule.groups]",
        *(f'{name} = "off"' for name in PACKAGED_GROUPS),
        *(f'{name} = "{cron}"' for name, (cron, _) in groups.items()),
    ]
    members = {source: name for name, (_, sources) in groups.items() for source in sources}
    for name, spec in sites.sources.items():
        lines.append(
            f'\n[sources.{name}]\nurl = "{spec["url"]}"\nkind = "{spec["kind"]}"\n'
            f'group = "{members.get(name, "unscheduled")}"'
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def newsfold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI to completion."""
    return subprocess.run([NEWSFOLD, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


class Service:
    """A `newsfold serve` subprocess with its output in files."""

    def __init__(self, config: Path, db: Path, port: int) -> None:
        self.dir = config.parent
        self.db = db
        self.port = port
        self.out = self.dir / "serve.out"
        self.err = self.dir / "serve.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [NEWSFOLD, "serve", "--config", str(config), "--db", str(db)],
                stdout=out,
                stderr=err,
                cwd=self.dir,
            )

    def metrics(self) -> dict[str, float]:
        """The /metrics samples by 'name{labels}'."""
        url = f"http://127.0.0.1:{self.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                samples[key] = float(value)
        return samples

    def log(self) -> str:
        """What the service wrote to stderr so far."""
        return self.err.read_text()

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM, then the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def close(self) -> None:
        """Kill the service if a test left it running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start `newsfold serve` processes; kill whatever a failing test leaves behind."""
    started: list[Service] = []

    def start(config: Path, db: Path, port: int) -> Service:
        started.append(Service(config, db, port))
        return started[-1]

    yield start
    for service in started:
        service.close()


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 40) -> T:
    """Poll ``check`` every 0.1 s until it returns a true value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (OSError, sqlite3.Error):
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def child_crawls(parent: int) -> list[int]:
    """Pids of the `newsfold run` processes a service started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"crawler.cli\x00run" in cmdline:
            found.append(int(stat.parent.name))
    return found


def runs(db: Path) -> list[dict[str, Any]]:
    """The runs table, oldest first."""
    conn = sqlite3.connect(db, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM runs ORDER BY id")]
    finally:
        conn.close()


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on a store."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def consistent(db: Path) -> None:
    """Nothing half-written: every article has sightings, bands and a story; no orphans."""
    assert not query(
        db, "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM sightings)"
    )
    assert not query(
        db, "SELECT id FROM sightings WHERE article_id NOT IN (SELECT id FROM articles)"
    )
    assert not query(
        db, "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM lsh_bands)"
    )
    assert not query(db, "SELECT id FROM articles WHERE story_id NOT IN (SELECT id FROM stories)")


def stored_urls(db: Path) -> set[str]:
    """Every URL sighted in a store."""
    return {row[0] for row in query(db, "SELECT url FROM sightings")}


WIRE = ["compute-wire", "neural-ledger"]
BLOGS = ["frontier-memo", "tensor-street"]


@pytest.mark.slow
def test_scheduled_runs_on_time_one_at_a_time_with_metrics_lock_and_graceful_stop(
    fresh_sites: DemoSites, tmp_path: Path, serve: Callable[..., Service]
) -> None:
    sites, db, port = fresh_sites, tmp_path / "news.db", free_port()
    # Both groups are due every 4 s; a run takes longer, so they queue and fires get skipped.
    groups = {"wire": ("*/4 * * * * *", WIRE), "blogs": ("*/4 * * * * *", BLOGS)}
    config = write_config(
        sites, tmp_path / "newsfold.toml", groups, f"metrics_port = {port}\n", 0.2
    )
    service = serve(config, db, port)
    samples = wait_for("the metrics endpoint", service.metrics, 20)
    assert samples['newsfold_scheduled_runs_total{group="wire",outcome="completed"}'] == 0
    # The table is printed just after the metrics start serving: wait for it, not race it.
    table = wait_for("the schedule table", lambda: "wire" in service.out.read_text(), 20)
    assert table and "*/4 * * * * *" in service.out.read_text()

    # The first run starts on a fire time (a multiple of 4 s) within a second.
    first = wait_for("the first run", lambda: "crawling" in service.log() and service.log())
    line = next(line for line in first.splitlines() if "crawling" in line)
    fired = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
    assert fired.second % 4 == 0 and fired.microsecond < 900_000, line

    # A `newsfold run` from cron while the scheduled crawl holds the store is refused with 4.
    wait_for("a running scheduled crawl", lambda: any(r["status"] == "running" for r in runs(db)))
    refused = newsfold(
        "run", "--config", str(config), "--db", str(db), "--source", WIRE[0], cwd=tmp_path
    )
    assert refused.returncode == 4, refused.stderr
    assert "being written by pid" in refused.stderr

    def two_completed() -> list[dict[str, Any]] | None:
        found = runs(db)
        return found if sum(r["status"] == "completed" for r in found) >= 2 else None

    ended = wait_for("two completed runs, one per group", two_completed)
    # Runs never overlap: each starts after the one before it ended.
    for before, after in itertools.pairwise(ended):
        if before["ended"]:
            assert before["ended"] <= after["started"], (before, after)
    assert {tuple(sorted(json.loads(r["sources"]))) for r in ended[:2]} == {
        tuple(sorted(WIRE)),
        tuple(sorted(BLOGS)),
    }

    def runs_counted(samples: dict[str, float]) -> int:
        return int(sum(v for k, v in samples.items() if k.startswith("newsfold_runs_total")))

    def metrics_of_two_runs() -> dict[str, float] | None:
        samples = service.metrics()
        return samples if runs_counted(samples) >= 2 else None

    samples = wait_for("metrics of both runs", metrics_of_two_runs)
    counted = [r for r in runs(db) if r["status"] != "running"][: runs_counted(samples)]

    def summed(prefix: str) -> float:
        return sum(v for k, v in samples.items() if k.startswith(prefix + "{"))

    for metric, key in (("articles_stored", "stored"), ("copies_folded", "copies")):
        total = sum(c[key] for r in counted for c in json.loads(r["counts"]).values())
        assert summed(f"newsfold_{metric}_total") == total, metric
    assert summed("newsfold_articles_stored_total") > 0 and summed("newsfold_stories_total") > 0
    assert all('source="' in k for k in samples if k.startswith("newsfold_articles_stored_total"))
    ids = ",".join(str(r["id"]) for r in counted)
    not_found = query(
        db, f"SELECT COUNT(*) FROM fetch_errors WHERE run_id IN ({ids}) AND reason LIKE 'HTTP 404%'"
    )
    assert summed("newsfold_fetch_errors_total") >= not_found[0][0] >= 1
    found = sum(
        v
        for k, v in samples.items()
        if k.startswith("newsfold_fetch_errors_total{") and 'reason="HTTP 404"' in k
    )
    assert found == not_found[0][0]
    assert samples["newsfold_last_success_timestamp_seconds"] > time.time() - 120
    assert samples["newsfold_run_duration_seconds_count"] == len(counted)
    assert samples['newsfold_scheduled_runs_total{group="wire",outcome="completed"}'] >= 1
    assert samples['newsfold_scheduled_runs_total{group="blogs",outcome="completed"}'] >= 1
    skipped = sum(v for k, v in samples.items() if 'outcome="skipped"' in k)
    assert skipped >= 1  # fires that came while the group's run was still going

    # SIGTERM during a crawl: the crawl stops gracefully, the run is recorded, exit 0.
    busy = len(runs(db))
    wait_for("another crawl", lambda: len(runs(db)) > busy and runs(db)[-1]["status"] == "running")
    time.sleep(0.5)
    assert service.stop() == 0, service.log()
    last = runs(db)[-1]
    assert last["status"] in ("interrupted", "completed"), last
    assert not [r for r in runs(db) if r["status"] == "running"]
    assert "SIGTERM" in service.log()
    consistent(db)


@pytest.mark.slow
def test_sigterm_mid_crawl_loses_nothing(
    fresh_sites: DemoSites, tmp_path: Path, serve: Callable[..., Service]
) -> None:
    sites, db = fresh_sites, tmp_path / "news.db"
    groups = {"all": ("*/2 * * * * *", list(sites.sources))}
    config = write_config(sites, tmp_path / "newsfold.toml", groups, "metrics_port = 0\n", 0.1)
    service = serve(config, db, 0)
    wait_for("stored articles", lambda: query(db, "SELECT COUNT(*) FROM articles")[0][0] > 0)
    assert service.stop() == 0, service.log()
    interrupted = runs(db)[-1]
    assert interrupted["status"] in ("interrupted", "completed"), interrupted
    consistent(db)
    # The next run completes the work the stopped one left: every on-topic article is there.
    again = newsfold(
        "run",
        "--config",
        str(config),
        "--db",
        str(db),
        *[arg for name in sites.sources for arg in ("--source", name)],
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    consistent(db)
    on_topic = {sites.url(a.publisher, a.path) for a in sites.articles() if a.on_topic}
    assert on_topic <= stored_urls(db)
    assert (
        query(db, "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM sightings GROUP BY article_id)")[
            0
        ][0]
        == 3
    )


@pytest.mark.slow
def test_crashed_child_and_unreachable_store_are_recorded_and_the_schedule_goes_on(
    fresh_sites: DemoSites, tmp_path: Path, serve: Callable[..., Service]
) -> None:
    sites, port = fresh_sites, free_port()
    home, away = tmp_path / "store", tmp_path / "moved"
    home.mkdir()
    db = home / "news.db"
    groups = {"wire": ("*/2 * * * * *", WIRE)}
    config = write_config(sites, tmp_path / "newsfold.toml", groups, f"metrics_port = {port}\n")
    service = serve(config, db, port)

    # Kill the crawl process the hard way: its run is recorded as failed.
    def crawl_pid() -> int | None:
        if not any(r["status"] == "running" for r in runs(db)):
            return None
        return next(iter(child_crawls(service.proc.pid)), None)

    os.kill(wait_for("a crawl process", crawl_pid), signal.SIGKILL)
    crashed = wait_for(
        "the crashed run's record", lambda: [r for r in runs(db) if r["status"] == "failed"]
    )[0]
    assert crashed["message"] == "the crawl process died of SIGKILL"

    # The store goes away: runs fail with a clear message; the schedule keeps going.
    home.rename(away)
    wait_for("a failed run on the missing store", lambda: "cannot be opened" in service.log())
    assert "does not exist" in service.log()
    away.rename(home)
    recovered = wait_for(
        "a completed run after the store came back",
        lambda: [r for r in runs(db) if r["status"] == "completed" and r["id"] > crashed["id"]],
    )
    assert recovered
    samples = service.metrics()
    assert samples['newsfold_scheduled_runs_total{group="wire",outcome="failed"}'] >= 2
    assert service.stop() == 0, service.log()
    consistent(db)


@pytest.mark.slow
def test_postgres_store_takes_the_site_locks_for_scheduled_runs(
    postgres_url: str, demo_sites: DemoSites, tmp_path: Path, serve: Callable[..., Service]
) -> None:
    url = postgres_url  # set up first, dropped last: after the service stops

    def pg_runs(status: str) -> list[Any]:
        storage = open_storage(url)
        try:
            return [run for run in storage.runs(10) if run.status == status]
        finally:
            storage.close()

    groups = {"wire": ("*/2 * * * * *", WIRE)}
    config = write_config(demo_sites, tmp_path / "c.toml", groups, "metrics_port = 0\n", 0.2)
    service = serve(config, url, 0)
    wait_for("a running scheduled crawl", lambda: pg_runs("running"))
    refused = newsfold(
        "run", "--config", str(config), "--db", url, "--source", WIRE[0], cwd=tmp_path
    )
    assert refused.returncode == 4 and "being crawled by" in refused.stderr, refused.stderr
    wait_for("a completed run", lambda: pg_runs("completed"))
    assert service.stop() == 0, service.log()
    assert not pg_runs("running")


def test_schedule_prints_next_fire_times_in_the_time_zone(
    demo_sites: DemoSites, tmp_path: Path
) -> None:
    groups = {"weekly": ("0 6 * * 1", WIRE), "yearly": ("0 0 1 1 *", BLOGS)}
    config = write_config(
        demo_sites, tmp_path / "newsfold.toml", groups, 'timezone = "Europe/Berlin"\n'
    )
    result = newsfold("schedule", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Europe/Berlin" in result.stdout and "weekly" in result.stdout
    mondays = [
        datetime.fromisoformat(line.split("│")[-2].strip())
        for line in result.stdout.splitlines()
        if "06:00:00+0" in line
    ]
    assert mondays and all(t.weekday() == 0 for t in mondays)
    assert mondays[0] > datetime.now(ZoneInfo("Europe/Berlin"))
    assert "'feeds' has no schedule" in result.stderr.replace("\n", " ")


@pytest.mark.parametrize(
    ("schedule", "shown"),
    [
        ("", "schedule.groups.wire = '61 * * * *'"),
        ('timezone = "Mars/Olympus"\n', "schedule.timezone = 'Mars/Olympus'"),
    ],
)
def test_bad_cron_or_time_zone_stops_the_start(
    demo_sites: DemoSites, tmp_path: Path, schedule: str, shown: str
) -> None:
    cron = "61 * * * *" if not schedule else "* * * * *"
    config = write_config(demo_sites, tmp_path / "bad.toml", {"wire": (cron, WIRE)}, schedule)
    for command in ("serve", "schedule"):
        result = newsfold(command, "--config", str(config), cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert shown in result.stderr
    assert not (tmp_path / "newsfold.db").exists()


def test_serve_refuses_a_store_it_cannot_open_and_a_busy_metrics_port(
    demo_sites: DemoSites, tmp_path: Path
) -> None:
    groups = {"wire": ("0 0 1 1 *", WIRE)}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = write_config(demo_sites, tmp_path / "c.toml", groups, f"metrics_port = {port}\n")
        missing = newsfold(
            "serve", "--config", str(config), "--db", str(tmp_path / "no" / "x.db"), cwd=tmp_path
        )
        assert missing.returncode == 3 and "does not exist" in missing.stderr
        taken = newsfold("serve", "--config", str(config), "--db", "x.db", cwd=tmp_path)
    assert taken.returncode == 2 and f"cannot serve metrics on 127.0.0.1:{port}" in taken.stderr


@pytest.mark.slow
def test_status_and_runs_report_health_with_exit_codes(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    status = ("status", "--db", str(db))
    storage = open_storage(str(db))
    empty = newsfold(*status, cwd=tmp_path)
    assert empty.returncode == 1 and "no run has ended yet" in empty.stdout
    ok = storage.begin_run(["a", "b"])
    storage.record_error(ok, "a", "http://a.test/gone", "HTTP 404", 404)
    storage.finish_run(ok, "completed", {"a": {"stored": 3, "copies": 1}, "b": {"stored": 2}})
    healthy = newsfold(*status, cwd=tmp_path)
    assert healthy.returncode == 0 and healthy.stdout.strip().splitlines()[-1].startswith("ok:")
    bad = storage.begin_run(["a"])
    storage.finish_run(bad, "failed", {}, "OperationalError: disk I/O error")
    failing = newsfold(*status, cwd=tmp_path)
    assert failing.returncode == 1 and "disk I/O error" in failing.stdout
    storage.close()
    query_db = sqlite3.connect(db)
    query_db.execute("DELETE FROM runs WHERE status = 'failed'")
    query_db.execute("UPDATE runs SET ended = '2020-01-01T00:00:00+00:00'")
    query_db.commit()
    query_db.close()
    stale = newsfold(*status, "--max-age", "48", cwd=tmp_path)
    assert stale.returncode == 1 and "more than 48h00m" in stale.stdout
    missing = newsfold("status", "--db", str(tmp_path / "no" / "x.db"), cwd=tmp_path)
    assert missing.returncode == 3

    table = newsfold("runs", "--db", str(db), cwd=tmp_path)
    assert table.returncode == 0 and "completed" in table.stdout
    listed = newsfold("runs", "--db", str(db), "--format", "json", cwd=tmp_path)
    record = json.loads(listed.stdout.splitlines()[0])
    assert record["counts"]["a"]["stored"] == 3 and record["errors"][0]["reason"] == "HTTP 404"
    assert record["duration_seconds"] >= 0
    details = newsfold("runs", "--db", str(db), "--details", cwd=tmp_path)
    assert "http://a.test/gone" in details.stdout and "run 1 by source" in details.stdout

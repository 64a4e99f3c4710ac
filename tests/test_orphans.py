"""A crawl killed with SIGKILL leaves none of its processes behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import QuietHandler, base_url, children_of, group_members, loopback, serving

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))


class SlowHandler(QuietHandler):
    """A feed of ten articles, each a second slow: the crawl is busy when it is killed."""

    def do_GET(self) -> None:
        """Answer the feed at once and every article late."""
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            items = "".join(f"<item><link>{base}/a/{i}</link></item>" for i in range(10))
            body, kind = (
                f"<rss version='2.0'><channel>{items}</channel></rss>",
                "application/rss+xml",
            )
        else:
            time.sleep(1)
            body, kind = "<html><body><p>AI</p></body></html>", "text/html"
        self.answer(200, kind, body)


@pytest.fixture
def slow_site() -> Iterator[str]:
    """The slow site's feed URL."""
    with serving(loopback(SlowHandler)) as server:
        yield f"{base_url(server)}/feed.xml"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; Linux only")
def test_a_killed_crawl_leaves_no_worker_forkserver_or_tracker(
    slow_site: str, tmp_path: Path
) -> None:
    config = tmp_path / "slow.toml"
    config.write_text(
        "[crawl]\ndownload_delay = 0\nextract_workers = 2\nobey_robots = false\n"
        'allow_networks = ["127.0.0.0/8"]\n'
        f'[sources.slow]\nurl = "{slow_site}"\n'
    )
    cmd = [NEWSFOLD, "run", "--config", str(config), "--db", str(tmp_path / "s.db")]
    crawl = subprocess.Popen(
        [*cmd, "--no-progress", "--source", "slow"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        # The crawl, the forkserver and two workers at least.
        while len(group_members(crawl.pid)) < 4 and time.monotonic() < deadline:
            assert crawl.poll() is None, "the crawl ended before it was killed"
            time.sleep(0.1)
        started = len(group_members(crawl.pid))
        assert started >= 4
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait()
        deadline = time.monotonic() + 10
        while group_members(crawl.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert group_members(crawl.pid) == [], f"{started} processes, left alive"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(crawl.pid, signal.SIGKILL)
        crawl.wait()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; Linux only")
def test_a_killed_service_takes_its_crawl_child_with_it_and_logs_json_lines(
    slow_site: str, tmp_path: Path
) -> None:
    config = tmp_path / "serve.toml"
    config.write_text(
        "[crawl]\ndownload_delay = 0\nextract_workers = 1\nobey_robots = false\n"
        'allow_networks = ["127.0.0.0/8"]\nlog_format = "json"\nlog_level = "INFO"\n'
        "[schedule]\nmetrics_port = 0\n[schedule.groups]\n"
        'feeds = "off"\nbusiness = "off"\nlabs = "off"\nsitemaps = "off"\ndefault = "off"\n'
        'slow = "* * * * * *"\n'
        f'[sources.slow]\nurl = "{slow_site}"\ngroup = "slow"\n'
    )
    err = tmp_path / "serve.err"
    with err.open("w") as sink:
        service = subprocess.Popen(
            [NEWSFOLD, "serve", "--config", str(config), "--db", str(tmp_path / "s.db")],
            stdout=subprocess.DEVNULL,
            stderr=sink,
            start_new_session=True,
        )
    try:
        deadline, child = time.monotonic() + 60, []
        while not child and time.monotonic() < deadline:
            assert service.poll() is None, err.read_text()
            child = children_of(service.pid)
            time.sleep(0.1)
        assert child, "no crawl child started"
        # The child has run a while: its own log lines (with its run id) have come through.
        deadline = time.monotonic() + 30
        while '"run_id": 1' not in err.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        os.kill(service.pid, signal.SIGKILL)
        service.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in child) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [pid for pid in child if Path(f"/proc/{pid}").exists()]
        assert alive == [] or all(
            (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z")
            for pid in alive
        ), "the crawl child outlived its service"
        lines = [line for line in err.read_text().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        assert {"time", "level", "logger", "message", "run_id"} <= set(records[0])
        assert any(r["run_id"] == 1 for r in records), lines[-5:]
        assert any(r["logger"] == "crawler.service.scheduler" for r in records)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.pid, signal.SIGKILL)
        for pid in children_of(service.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        service.wait()

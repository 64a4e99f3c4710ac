"""Failed pages fetched again on later runs, given up when they keep failing; source health."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from config.loader import load_config
from config.schema import HealthConfig, SourceConfig
from crawler.sources.health import after_run, failing
from crawler.sources.retries import next_failure
from storage.base import SourceHealth
from storage.times import FORMAT
from tests.support import QuietHandler, base_url, serving

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))
BODY = "".join(
    f"<p>Kestrel AI raised $40 million from Northwind Capital to train its next language model "
    f"on 2,000 GPUs, the startup said, as AI labs race for compute. ({n})</p>"
    for n in range(1, 7)
)
PAGE = (
    "<html lang='en'><head><title>Kestrel AI raises $40 million</title></head><body><article>"
    f"<h1>Kestrel AI raises $40 million</h1>{BODY}</article></body></html>"
)
ETAG = '"feed-1"'


class Site(ThreadingHTTPServer):
    """A feed that answers 304 to its validator, one article that is broken until fixed, and a
    feed that always fails."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.broken = True
        self.article_hits = 0

    @property
    def base(self) -> str:
        """The site's root URL."""
        return base_url(self)


class Handler(QuietHandler):
    """Routes of the site."""

    server: Site

    def do_GET(self) -> None:
        """Answer each route."""
        status, content_type, body, etag = self._answer()
        self.answer(status, content_type, body, {"ETag": etag} if etag else None)

    def _answer(self) -> tuple[int, str, str, str]:
        """Status, content type, body and ETag of the route."""
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == ETAG:
                return 304, "", "", ""
            item = f"<item><title>t</title><link>{self.server.base}/story</link></item>"
            rss = f"<rss version='2.0'><channel><title>x</title>{item}</channel></rss>"
            return 200, "application/rss+xml", rss, ETAG
        if self.path == "/story":
            self.server.article_hits += 1
            if self.server.broken:
                return 500, "text/plain", "down for maintenance", ""
            return 200, "text/html; charset=utf-8", PAGE, ""
        if self.path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n", ""
        return 500, "text/plain", "broken", ""


@pytest.fixture
def site() -> Iterator[Site]:
    """The site on loopback."""
    with serving(Site()) as server:
        yield server


def _config(tmp: Path, site: Site, attempts: int, extra: str = "") -> Path:
    """A config crawling the site's feed (and the always-failing one) on every run."""
    config = tmp / "site.toml"
    config.write_text(
        "[crawl]\ndownload_delay = 0\ntimeout = 5\nretries = 0\nextract_workers = 1\n"
        'allow_networks = ["127.0.0.0/8"]\nadaptive_polling = false\n'
        f"page_retry_attempts = {attempts}\npage_retry_interval = 0\n"
        f'[sources.news]\nurl = "{site.base}/feed.xml"\n'
        f'[sources.dead]\nurl = "{site.base}/dead.xml"\n{extra}'
    )
    return config


def _newsfold(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a newsfold command."""
    return subprocess.run([NEWSFOLD, *args], capture_output=True, text=True, timeout=120)


def _run(config: Path, db: Path, *sources: str) -> dict[str, dict[str, int]]:
    """`newsfold run`; the run's counts."""
    names = [arg for name in sources for arg in ("--source", name)]
    result = _newsfold("run", "--config", str(config), "--db", str(db), "--no-progress", *names)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    try:
        (counts,) = conn.execute("SELECT counts FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return dict(json.loads(counts))


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_a_page_that_failed_is_fetched_again_while_its_feed_answers_304(
    site: Site, tmp_path: Path
) -> None:
    config, db = _config(tmp_path, site, attempts=5), tmp_path / "n.db"
    first = _run(config, db, "news")
    assert first["news"]["errors"] == 1 and first["news"]["stored"] == 0
    (reason,) = _rows(db, "SELECT reason FROM fetch_errors")[0]
    assert reason.startswith("HTTP 500 (attempt 1, fetched again after ")
    second = _run(config, db, "news")  # still broken: the feed is unchanged (304)
    assert second["news"]["not_modified"] == 1 and second["news"]["retried"] == 1
    assert _rows(db, "SELECT attempts, gave_up FROM failed_pages") == [(2, None)]
    site.broken = False
    third = _run(config, db, "news")
    assert third["news"]["not_modified"] == 1 and third["news"]["retried"] == 1
    assert third["news"]["stored"] == 1
    assert _rows(db, "SELECT url FROM sightings") == [(f"{site.base}/story",)]
    assert _rows(db, "SELECT * FROM failed_pages") == []
    assert site.article_hits == 3
    fourth = _run(config, db, "news")  # kept: neither retried nor refetched
    assert fourth["news"].get("retried", 0) == 0 and site.article_hits == 3


@pytest.mark.slow
def test_a_page_that_keeps_failing_is_given_up_with_its_reason_and_not_fetched_again(
    site: Site, tmp_path: Path
) -> None:
    config, db = _config(tmp_path, site, attempts=1), tmp_path / "n.db"
    _run(config, db, "news")
    second = _run(config, db, "news")
    assert second["news"]["gave_up"] == 1
    reasons = [reason for (reason,) in _rows(db, "SELECT reason FROM fetch_errors ORDER BY id")]
    assert reasons[-1] == "HTTP 500 (given up after 2 attempts)"
    site.broken = False
    third = _run(config, db, "news")
    assert third["news"].get("retried", 0) == 0 and site.article_hits == 2


@pytest.mark.slow
def test_a_dead_source_turns_status_red_and_is_named_by_sources(site: Site, tmp_path: Path) -> None:
    site.broken = False
    config, db = (
        _config(tmp_path, site, attempts=5, extra="[health]\nmax_failures = 2\n"),
        (tmp_path / "n.db"),
    )
    first = _run(config, db, "news", "dead")
    assert first["dead"]["errors"] == 1 and first["news"]["stored"] == 1
    status = _newsfold("status", "--config", str(config), "--db", str(db))
    assert status.returncode == 0, status.stdout  # one failure is under max_failures
    _run(config, db, "news", "dead")
    status = _newsfold("status", "--config", str(config), "--db", str(db))
    assert status.returncode == 1
    assert "FAILING source dead: failed 2 runs in a row" in status.stdout
    assert "dead.xml: HTTP 500" in status.stdout and "source news" not in status.stdout
    listed = _newsfold("sources", "--config", str(config), "--db", str(db), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["source"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert rows["dead"]["state"] == "failing" and rows["dead"]["consecutive_failures"] == 2
    assert rows["news"]["state"] == "ok" and rows["news"]["last_article"]
    assert rows["news"]["consecutive_failures"] == 0
    table = _newsfold("sources", "--config", str(config), "--db", str(db))
    assert "failing" in table.stdout and "news" in table.stdout


NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _stamp(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).strftime(FORMAT)


def test_a_run_that_did_not_reach_a_source_leaves_its_health() -> None:
    assert after_run(None, "x", {"not_due": 1}, None, _stamp(0), 1) is None


def test_failures_count_up_in_a_row_and_a_success_resets_them() -> None:
    health = after_run(None, "x", {}, "http://x/feed: HTTP 500", _stamp(2), 1)
    assert health is not None and health.consecutive_failures == 1
    assert health.first_polled == _stamp(2) and health.last_success is None
    # Every page that was not known failed: a failure too, though the feed was read.
    health = after_run(health, "x", {"polled": 1, "errors": 3, "known": 4}, None, _stamp(1), 2)
    assert health is not None and health.consecutive_failures == 2
    assert health.last_error == "all 3 pages that were not known failed"
    health = after_run(health, "x", {"polled": 1, "errors": 1, "stored": 1}, None, _stamp(0), 3)
    assert health is not None and health.consecutive_failures == 0
    assert health.last_success == health.last_article == _stamp(0)


def test_a_source_is_failing_after_max_failures_or_when_quiet_too_long() -> None:
    source = SourceConfig(url="https://example.org/feed")  # type: ignore[arg-type]
    limits = HealthConfig(max_failures=3, quiet_hours=48)
    ok = SourceHealth("x", _stamp(100), _stamp(1), _stamp(1), last_article=_stamp(10))
    assert failing(ok, source, limits, NOW) == ""
    assert failing(None, source, limits, NOW) == ""
    down = SourceHealth("x", _stamp(100), _stamp(1), consecutive_failures=3, last_error="e")
    assert failing(down, source, limits, NOW) == "failed 3 runs in a row: e"
    quiet = SourceHealth("x", _stamp(100), _stamp(1), _stamp(1), last_article=_stamp(50))
    assert failing(quiet, source, limits, NOW) == "no new article for 50 h (more than 48 h)"
    weekly = source.model_copy(update={"quiet_hours": 200.0})
    assert failing(quiet, weekly, limits, NOW) == ""
    never = SourceHealth("x", _stamp(60), _stamp(1), _stamp(1))
    assert failing(never, source, limits, NOW) == "no article yet for 60 h (more than 48 h)"
    assert failing(never, source, HealthConfig(quiet_hours=0), NOW) == ""


def test_retries_wait_twice_as_long_each_time_then_give_up() -> None:
    crawl = load_config(None).crawl.model_copy(
        update={"page_retry_attempts": 2, "page_retry_interval": 3600.0}
    )
    first = next_failure(None, "k", "u", "s", "HTTP 500", crawl, _stamp(0))
    assert first.attempts == 1 and first.next_attempt == _stamp(-1) and first.gave_up is None
    second = next_failure(first, "k", "u", "s", "HTTP 502", crawl, _stamp(0))
    assert second.next_attempt == _stamp(-2) and second.first_failed == first.first_failed
    third = next_failure(second, "k", "u", "s", "HTTP 503", crawl, _stamp(0))
    assert third.attempts == 3 and third.gave_up == _stamp(0) and third.reason == "HTTP 503"

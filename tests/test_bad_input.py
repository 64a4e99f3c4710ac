"""Bad sources and a killed run: errors recorded with URL and reason, nothing lost or doubled."""

from __future__ import annotations

import html
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.demo import DemoSites
from tests.support import QuietHandler, base_url, serving

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))


def _article_pages() -> list[tuple[str, str]]:
    """Distinct on-topic stories from the bundled fixtures as (title, html)."""
    with DemoSites() as sites:
        seen, pages = set(), []
        for article in sites.articles():
            if article.on_topic and article.copy_group not in seen:
                seen.add(article.copy_group)
                body = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
                pages.append(
                    (
                        article.title,
                        f"<html lang='en'><head><title>{html.escape(article.title)}</title></head>"
                        f"<body><article><h1>{html.escape(article.title)}</h1>{body}</article>"
                        "</body></html>",
                    )
                )
    return pages


class BadSite(ThreadingHTTPServer):
    """A publisher with a broken feed, a page posing as a feed, a hanging page and slow articles."""

    daemon_threads = True

    def __init__(self, pages: list[tuple[str, str]], delay: float) -> None:
        super().__init__(("127.0.0.1", 0), BadHandler)
        self.pages, self.delay = pages, delay

    @property
    def base(self) -> str:
        """The site's root URL."""
        return base_url(self)

    def feed(self, paths: list[str]) -> str:
        items = "".join(f"<item><title>t</title><link>{self.base}{p}</link></item>" for p in paths)
        return f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>{items}</channel></rss>"


class BadHandler(QuietHandler):
    """Routes of the bad publisher."""

    server: BadSite

    def do_GET(self) -> None:
        path = self.path
        if path == "/robots.txt":
            self.answer(200, "text/plain", "User-agent: *\nAllow: /\n")
        elif path == "/broken.xml":
            self.answer(200, "application/rss+xml", "<rss><channel><item><title>cut off")
        elif path == "/not-a-feed.xml":
            self.answer(
                200, "text/html", "<html><body><p>Welcome to our homepage</p></body></html>"
            )
        elif path == "/hang-feed.xml":
            self.answer(200, "application/rss+xml", self.server.feed(["/hang"]))
        elif path == "/hang":
            time.sleep(6)
            self.answer(200, "text/html", "<html></html>")
        elif path == "/slow-feed.xml":
            paths = [f"/story/{i}" for i in range(len(self.server.pages))]
            self.answer(200, "application/rss+xml", self.server.feed(paths))
        elif path.startswith("/story/"):
            time.sleep(self.server.delay)
            self.answer(
                200, "text/html; charset=utf-8", self.server.pages[int(path.rsplit("/", 1)[1])][1]
            )
        else:
            self.answer(404, "text/plain", "not found")


@pytest.fixture
def bad_site() -> Iterator[BadSite]:
    with serving(BadSite(_article_pages(), delay=0.6)) as server:
        yield server


def _config(tmp: Path, site: BadSite, sources: dict[str, str], per_domain: int = 1) -> Path:
    lines = [
        f"[crawl]\ndownload_delay = 0\ntimeout = 2\nretries = 0\nconcurrent_per_domain = {per_domain}\n"
        'allow_networks = ["127.0.0.0/8"]\n'
    ]
    lines += [f'[sources.{name}]\nurl = "{site.base}{path}"\n' for name, path in sources.items()]
    path = tmp / "bad.toml"
    path.write_text("\n".join(lines))
    return path


def _cmd(config: Path, db: Path, names: list[str]) -> list[str]:
    sources = [arg for name in names for arg in ("--source", name)]
    return [NEWSFOLD, "run", "--config", str(config), "--db", str(db), "--no-progress", *sources]


def _query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_bad_sources_are_recorded_and_the_run_goes_on(bad_site: BadSite, tmp_path: Path) -> None:
    names = {
        "broken": "/broken.xml",
        "homepage": "/not-a-feed.xml",
        "hanging": "/hang-feed.xml",
        "gone": "/gone.xml",
        "good": "/slow-feed.xml",
    }
    bad_site.delay = 0
    db = tmp_path / "bad.db"
    result = subprocess.run(
        _cmd(_config(tmp_path, bad_site, names, per_domain=4), db, list(names)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    reasons = dict(_query(db, "SELECT url, reason FROM fetch_errors"))
    assert reasons[f"{bad_site.base}/broken.xml"].startswith("malformed feed")
    assert "not an RSS, Atom or JSON feed" in reasons[f"{bad_site.base}/not-a-feed.xml"]
    assert "Timeout" in reasons[f"{bad_site.base}/hang"]
    assert reasons[f"{bad_site.base}/gone.xml"] == "HTTP 404"
    assert _query(db, "SELECT COUNT(*) FROM articles")[0][0] == len(bad_site.pages)
    counts = json.loads(_query(db, "SELECT counts FROM runs")[0][0])
    assert counts["broken"]["errors"] == counts["hanging"]["errors"] == 1
    assert counts["good"]["stored"] == len(bad_site.pages)


@pytest.mark.slow
def test_killed_run_loses_nothing_and_the_next_run_completes(
    bad_site: BadSite, tmp_path: Path
) -> None:
    config, db = _config(tmp_path, bad_site, {"slow": "/slow-feed.xml"}), tmp_path / "killed.db"
    child = subprocess.Popen(
        _cmd(config, db, ["slow"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.2)
        if db.exists():
            try:
                stored = _query(db, "SELECT COUNT(*) FROM articles")[0][0]
            except sqlite3.OperationalError:
                continue
            if stored >= 2:
                break
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert 2 <= stored < len(bad_site.pages)
    orphans = "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM sightings s WHERE s.article_id = a.id)"
    assert _query(db, orphans)[0][0] == 0
    bad_site.delay = 0
    result = subprocess.run(_cmd(config, db, ["slow"]), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _query(db, "SELECT COUNT(*) FROM articles")[0][0] == len(bad_site.pages)
    assert _query(db, "SELECT COUNT(*) FROM sightings")[0][0] == len(bad_site.pages)
    assert [r[0] for r in _query(db, "SELECT status FROM runs ORDER BY id")] == [
        "abandoned",
        "completed",
    ]

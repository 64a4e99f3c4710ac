"""A hostile publisher: every way a page or a source breaks ends as a recorded, counted failure."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import QuietHandler, base_url, serving

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))
BODY = "".join(
    f"<p>Helix Labs signed a deal with Nvidia for {n},000 GPUs to train its next AI model, the "
    f"startup said on Monday, as the race for compute among AI labs heats up. ({n})</p>"
    for n in range(1, 7)
)
GOOD = f"<html lang='en'><head><title>Helix Labs buys GPUs</title></head><body><article><h1>Helix Labs buys GPUs</h1>{BODY}</article></body></html>"
# rel=canonical whose host is no IP address: urlsplit raises on it.
BAD_CANONICAL = GOOD.replace(
    "<title>", "<link rel='canonical' href='http://[0]/x'><title>Northwind: "
).replace("<h1>Helix", "<h1>Northwind and Helix")
# A document whose root is MathML (htmldate's cleaning cannot drop its root).
MATH = "<math><mtext>AI compute</mtext>{}</math>".format(
    BODY.replace("Helix Labs", "Kestrel AI").replace("Monday", "Friday")
)
EMPTIED = (
    "<html lang='en'><head><title>x</title></head><body><article>"
    "<p>Sign up for our newsletter to get the latest AI news in your inbox every morning.</p>"
    "<p>Share this article on Twitter and Facebook.</p></article></body></html>"
)
LONG = "/story/" + "a" * 2100


class Hostile(ThreadingHTTPServer):
    """Feeds and pages that break in every way seen in the wild."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HostileHandler)

    @property
    def base(self) -> str:
        """The site's root URL."""
        return base_url(self)

    def rss(self, paths: list[str]) -> str:
        """An RSS feed of these paths."""
        items = "".join(f"<item><title>t</title><link>{self.base}{p}</link></item>" for p in paths)
        return f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>{items}</channel></rss>"


class HostileHandler(QuietHandler):
    """Routes of the hostile publisher."""

    server: Hostile

    def do_GET(self) -> None:
        """Answer each route."""
        html = "text/html; charset=utf-8"
        routes = {
            "/robots.txt": (200, "text/plain", "User-agent: *\nAllow: /\n"),
            "/numeric.json": (
                200,
                "application/feed+json",
                json.dumps(
                    {
                        "version": "https://jsonfeed.org/version/1.1",
                        "title": "x",
                        "items": [{"id": "1", "url": 12345}],
                    }
                ),
            ),
            "/empty.xml": (200, "application/rss+xml", ""),
            "/pages.xml": (
                200,
                "application/rss+xml",
                self.server.rss(
                    ["/good", "/canonical", "/math", "/emptied", "/loop-a", LONG, "/missing"]
                ),
            ),
            "/good": (200, html, GOOD),
            "/canonical": (200, html, BAD_CANONICAL),
            "/math": (200, html, MATH),
            "/emptied": (200, html, EMPTIED),
        }
        if self.path in ("/loop-a", "/loop-b"):
            target = "/loop-b" if self.path == "/loop-a" else "/loop-a"
            self.answer(302, "", "", {"Location": self.server.base + target})
            return
        self.answer(*routes.get(self.path, (404, "text/plain", "not found")))


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    """The hostile publisher on loopback."""
    with serving(Hostile()) as server:
        yield server


def _run(tmp: Path, site: Hostile, sources: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`newsfold run` over these sources of the site."""
    config = tmp / "hostile.toml"
    lines = [
        "[crawl]\ndownload_delay = 0\ntimeout = 5\nretries = 0\nextract_workers = 1\n"
        'allow_networks = ["127.0.0.0/8"]\nmax_redirects = 3\n'
    ]
    lines += [f'[sources.{name}]\nurl = "{site.base}{path}"\n' for name, path in sources.items()]
    config.write_text("\n".join(lines))
    names = [arg for name in sources for arg in ("--source", name)]
    cmd = [NEWSFOLD, "run", "--config", str(config), "--db", str(tmp / "h.db"), "--no-progress"]
    return subprocess.run([*cmd, *names], capture_output=True, text=True, timeout=120)


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_every_broken_page_and_source_is_recorded_and_the_good_ones_stored(
    hostile: Hostile, tmp_path: Path
) -> None:
    sources = {"numeric": "/numeric.json", "empty": "/empty.xml", "pages": "/pages.xml"}
    result = _run(tmp_path, hostile, sources)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "h.db"
    errors = _rows(db, "SELECT source, url, reason FROM fetch_errors")
    by_url = {url.removeprefix(hostile.base): reason for _, url, reason in errors}
    assert by_url["/numeric.json"] == "malformed JSON feed: none of its 1 items has a URL"
    assert "empty" in by_url["/empty.xml"]
    assert by_url["/emptied"].startswith("clean: nothing left after removing boilerplate")
    loop = next(url for url in by_url if url.startswith("/loop-"))
    assert by_url[loop].startswith("too many redirects")
    cut = (hostile.base + LONG)[:200].removeprefix(hostile.base) + "…"
    assert by_url[cut] == "URL longer than 2083 characters"
    assert by_url["/missing"].startswith("HTTP 404 (attempt 1, fetched again after ")
    # The page with a broken canonical link is a copy of the good one; the MathML page is read.
    seen = {url for (url,) in _rows(db, "SELECT url FROM sightings")}
    assert seen == {hostile.base + path for path in ("/good", "/canonical", "/math")}
    counts = json.loads(_rows(db, "SELECT counts FROM runs")[0][0])
    assert counts["numeric"]["errors"] == counts["empty"]["errors"] == 1
    assert counts["pages"]["errors"] == 3 and counts["pages"]["empty"] == 1
    assert counts["pages"]["stored"] == 2 and counts["pages"]["copies"] == 1


def test_a_url_pattern_that_is_no_regular_expression_stops_the_run_at_start(
    hostile: Hostile, tmp_path: Path
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(f'[sources.x]\nurl = "{hostile.base}/pages.xml"\nurl_pattern = "(["\n')
    cmd = [NEWSFOLD, "run", "--config", str(config), "--db", str(tmp_path / "x.db")]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "sources.x.url_pattern" in result.stderr and "not a regular expression" in result.stderr

"""`newsfold sources add URL`: a site's feeds and news sitemaps found, and the table to add."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.loader import load_config
from tests.support import QuietHandler, base_url, loopback, serving

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))


def _items(n: int) -> str:
    return "".join(
        f"<item><title>t{i}</title><link>/news/story-{i}</link></item>" for i in range(n)
    )


ROUTES = {
    "/": (
        "text/html",
        "<html><head><title>Wire</title>"
        "<link rel='alternate' type='application/rss+xml' href='/rss/ai.xml'>"
        "<link rel='stylesheet' href='/site.css'></head><body>x</body></html>",
    ),
    "/rss/ai.xml": (
        "application/rss+xml",
        f"<rss version='2.0'><channel>{_items(7)}</channel></rss>",
    ),
    "/robots.txt": ("text/plain", "User-agent: *\nAllow: /\nSitemap: /sitemaps/news.xml\n"),
    "/sitemaps/news.xml": (
        "application/xml",
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'><url><loc>/news/a</loc>"
        "<news:news><news:publication_date>2026-12-06T08:00:00Z</news:publication_date>"
        "<news:title>A</news:title></news:news></url></urlset>",
    ),
    "/atom.xml": (
        "application/atom+xml",
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>Wire</title>"
        "<entry><title>x</title><link href='/news/x'/></entry></feed>",
    ),
    "/feed.xml": ("text/html", "<html><body>not a feed</body></html>"),
}


class Handler(QuietHandler):
    """The routes above; a bare site (no feeds) under /bare/."""

    def do_GET(self) -> None:
        """Answer a route, 404 otherwise."""
        kind, body = ROUTES.get(self.path, ("text/plain", ""))
        if self.server.bare and self.path not in ("/",):  # type: ignore[attr-defined]
            kind, body = "text/plain", ""
        self.answer(200 if body else 404, kind, body)


@contextlib.contextmanager
def site(bare: bool = False) -> Iterator[str]:
    """A site on loopback; its base URL."""
    server = loopback(Handler)
    server.bare = bare  # type: ignore[attr-defined]
    with serving(server):
        yield base_url(server)


def _add(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSFOLD, "sources", "add", *args], capture_output=True, text=True, timeout=60
    )


def test_the_linked_feed_comes_first_with_the_sitemap_and_common_paths_listed(
    tmp_path: Path,
) -> None:
    with site() as base:
        result = _add(base + "/", "--name", "wire", "--group", "feeds")
    assert result.returncode == 0, result.stderr
    block, _, rest = result.stdout.partition("# also found:")
    assert block.startswith("# feed with 7 entries")
    table = tomllib.loads(block)
    assert table == {
        "sources": {"wire": {"url": f"{base}/rss/ai.xml", "kind": "feed", "group": "feeds"}}
    }
    assert f"{base}/sitemaps/news.xml (news sitemap with 1 entries, newest 2026-12-06)" in rest
    assert f"{base}/atom.xml (feed with 1 entries)" in rest
    assert "/feed.xml" not in result.stdout  # an HTML page at a feed's path is no feed
    # What it prints is a source the config accepts.
    config = tmp_path / "mine.toml"
    config.write_text(block)
    assert load_config(config, env={}).sources["wire"].kind == "feed"


def test_a_site_without_feeds_gets_a_section_page_and_exit_1() -> None:
    with site(bare=True) as base:
        result = _add(base + "/")
    assert result.returncode == 1
    assert "no feed or sitemap found" in result.stderr and 'kind = "page"' in result.stderr
    assert "[sources.127-0-0-1]" in result.stderr


@pytest.mark.parametrize("url", ["example.org", "ftp://example.org/"])
def test_a_url_that_is_no_http_url_is_a_usage_error(url: str) -> None:
    result = _add(url)
    assert result.returncode == 2 and "needs an http(s) URL" in result.stderr

"""Finding a site's feeds and news sitemaps: `newsfold sources add URL`."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import html
from protego import Protego

from crawler.sources.readers import MalformedSource, parse_feed, parse_sitemap

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
# Where publishers' CMSs put them when no page links them (WordPress, Ghost, Blogger, Hugo, ...).
COMMON_PATHS = (
    "/feed/",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feeds/posts/default",
    "/news-sitemap.xml",
    "/sitemap_news.xml",
    "/sitemap-news.xml",
)


@dataclass(frozen=True)
class Found:
    """An entry point that answered and parsed, with what it lists."""

    url: str
    kind: str  # "feed" or "sitemap"
    entries: int
    news: bool = False  # a sitemap with Google News tags, or one listing sitemaps
    title: str = ""
    newest: str | None = None

    @property
    def rank(self) -> tuple[int, int]:
        """Feeds first, then news sitemaps, then other sitemaps; more entries first."""
        order = 0 if self.kind == "feed" else 1 if self.news else 2
        return order, -self.entries


class Fetcher:
    """GETs with the crawl's User-Agent, a timeout and a size limit."""

    def __init__(self, user_agent: str, timeout: float, max_bytes: int) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes

    def get(self, url: str) -> tuple[str, str, bytes] | None:
        """(final URL, content type, body), or None when it does not answer 200."""
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                body = answer.read(self.max_bytes + 1)
                kind = answer.headers.get("Content-Type", "")
                return answer.geturl(), kind.lower(), body[: self.max_bytes]
        except (urllib.error.URLError, OSError, ValueError):
            return None


def discover(url: str, fetcher: Fetcher) -> list[Found]:
    """Every feed and sitemap the page links, robots.txt names or a common path serves."""
    candidates: list[str] = [url]
    page = fetcher.get(url)
    if page is not None and "html" in page[1]:
        candidates += linked_feeds(page[0], page[2])
    parts = urlsplit(page[0] if page else url)
    origin = f"{parts.scheme}://{parts.netloc}"
    robots = fetcher.get(origin + "/robots.txt")
    if robots is not None:
        text = robots[2].decode("utf-8", "replace")
        candidates += [urljoin(origin, s) for s in Protego.parse(text).sitemaps]
    candidates += [origin + path for path in COMMON_PATHS]
    found: dict[str, Found] = {}
    for candidate in dict.fromkeys(candidates):
        answer = page if candidate == url and page is not None else fetcher.get(candidate)
        if answer is not None:
            read = read_entry_point(*answer)
            if read is not None and read.url not in found:
                found[read.url] = read
    return sorted(found.values(), key=lambda f: f.rank)


def linked_feeds(base: str, body: bytes) -> list[str]:
    """The feeds a page announces with <link rel="alternate" type="...">."""
    try:
        tree = html.fromstring(body)
    except (ValueError, SyntaxError):
        return []
    links = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES and link.get("href"):
            links.append(urljoin(base, link.get("href", "").strip()))
    return links


def read_entry_point(url: str, content_type: str, body: bytes) -> Found | None:
    """What a fetched document is, when it is a feed or a sitemap listing something."""
    if body.lstrip()[:200].lower().find(b"<html") >= 0 or "html" in content_type:
        return None
    try:
        is_index, entries = parse_sitemap(body)
    except MalformedSource:
        pass
    else:
        news = is_index or any(entry.title for entry in entries)
        return _found(url, "sitemap", entries, news) if entries else None
    try:
        entries = parse_feed(body, url, content_type)
    except MalformedSource:
        return None
    title = re.search(rb"<title[^>]*>([^<]{1,200})</title>", body)
    name = title.group(1).decode("utf-8", "replace").strip() if title else ""
    return _found(url, "feed", entries, title=name) if entries else None


def _found(url: str, kind: str, entries: list, news: bool = False, title: str = "") -> Found:
    """A Found with the newest entry's date."""
    dates = [entry.published for entry in entries if entry.published]
    return Found(url, kind, len(entries), news, title, max(dates) if dates else None)


def source_name(url: str) -> str:
    """A source name from a URL's host: "www.example.co.uk" -> "example-co-uk"."""
    host = (urlsplit(url).hostname or "source").removeprefix("www.")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "source"


def toml_block(name: str, found: Found, group: str) -> str:
    """The [sources.NAME] table for a found entry point."""
    lines = [f"[sources.{name}]", f'url = "{found.url}"', f'kind = "{found.kind}"']
    if group != "default":
        lines.append(f'group = "{group}"')
    return "\n".join(lines)

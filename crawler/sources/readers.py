"""Reading entry points: RSS/Atom/JSON feeds, XML and news sitemaps, section pages."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree

from storage.times import to_stored

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_ARTICLE_SLUG = re.compile(r"(?:[\w%]+-){2,}[\w%]+|/(?:19|20)\d\d/|\.html?$|\d{5,}")


class MalformedSource(Exception):
    """A feed or sitemap that cannot be read; the message says why."""


@dataclass(frozen=True)
class Entry:
    """An article link found in an entry point."""

    url: str
    title: str = ""
    published: str | None = None


def parse_feed(body: bytes, url: str, content_type: str = "") -> list[Entry]:
    """Entries of an RSS, Atom or JSON feed."""
    if not body.strip():
        raise MalformedSource("empty response: no feed in it; check the source URL")
    if "json" in content_type or body.lstrip()[:1] == b"{":
        return _json_feed(body, url)
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers)
    entries = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        when = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        absolute = _joined(url, link)
        if absolute:
            entries.append(Entry(absolute, entry.get("title", ""), to_stored(when)))
    if not entries and not parsed.version:
        served = " (the URL serves an HTML page)" if b"<html" in body[:4096].lower() else ""
        if not served and parsed.bozo:
            raise MalformedSource(f"malformed feed: {parsed.get('bozo_exception')}")
        raise MalformedSource(f"not an RSS, Atom or JSON feed{served}; check the source URL")
    if not entries and parsed.bozo:
        raise MalformedSource(f"malformed feed: {parsed.get('bozo_exception')}")
    return entries


def _joined(base: str, link: str) -> str | None:
    """A feed's link made absolute; None for one no URL parser accepts."""
    try:
        return urljoin(base, link)
    except ValueError:  # e.g. a bracketed host that is no IP address: http://[0]/x
        return None


def _json_feed(body: bytes, url: str) -> list[Entry]:
    """Entries of a JSON Feed (jsonfeed.org)."""
    try:
        data = json.loads(body)
        items = data["items"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedSource(f"malformed JSON feed: {exc}") from None
    if not isinstance(items, list):
        raise MalformedSource(f"malformed JSON feed: items is a {type(items).__name__}, not a list")
    entries = []
    for item in items:
        link = item.get("url") if isinstance(item, dict) else None
        if not isinstance(link, str) or not link.strip():
            continue  # an item without a URL to fetch (or a number where one should be)
        title, published = item.get("title"), item.get("date_published")
        absolute = _joined(url, link.strip())
        if not absolute:
            continue
        entries.append(
            Entry(
                absolute,
                title if isinstance(title, str) else "",
                to_stored(published) if isinstance(published, str) else None,
            )
        )
    if items and not entries:
        raise MalformedSource(f"malformed JSON feed: none of its {len(items)} items has a URL")
    return entries


def parse_sitemap(body: bytes) -> tuple[bool, list[Entry]]:
    """(is an index, entries) of an XML sitemap, with Google News titles and dates."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body.strip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedSource(f"malformed sitemap: {exc}") from None
    name = _local_name(root.tag) if root is not None and isinstance(root.tag, str) else ""
    if name not in {"urlset", "sitemapindex"}:
        raise MalformedSource("not an XML sitemap (no urlset or sitemapindex)")
    is_index = name == "sitemapindex"
    entries = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        title = node.findtext(f"{{{NEWS_NS}}}news/{{{NEWS_NS}}}title") or ""
        date = node.findtext(f"{{{NEWS_NS}}}news/{{{NEWS_NS}}}publication_date")
        entries.append(
            Entry(loc.strip(), title.strip(), to_stored(date or _child_text(node, "lastmod")))
        )
    return is_index, entries


def _local_name(tag: str) -> str:
    """A tag's name without its namespace or prefix."""
    # Not lxml's QName: it refuses the prefixed names recovered markup keeps (``news:news``).
    return tag.rpartition("}")[2].rpartition(":")[2]


def _child_text(node: etree._Element, name: str) -> str | None:
    """Text of a direct child by local name, whatever its namespace."""
    for child in node:
        if isinstance(child.tag, str) and _local_name(child.tag) == name:
            return (child.text or "").strip()
    return None


def section_links(base_url: str, hrefs: Iterable[str]) -> list[str]:
    """Links of a section page that look like articles on the same site."""
    host = urlsplit(base_url).netloc
    seen: list[str] = []
    for href in hrefs:
        try:
            url = urljoin(base_url, href.strip()).split("#", 1)[0]
            parts = urlsplit(url)
        except ValueError:  # a link no URL parser accepts (a bracketed host that is no IP)
            continue
        if parts.scheme not in {"http", "https"} or parts.netloc != host:
            continue
        if url.rstrip("/") == base_url.rstrip("/") or not _ARTICLE_SLUG.search(parts.path):
            continue
        if url not in seen:
            seen.append(url)
    return seen

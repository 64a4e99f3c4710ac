"""Article metadata from what a page states about itself: meta tags, JSON-LD, headline, byline."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement

from storage.times import to_stored

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "techarticle",
    "scholarlyarticle",
    "socialmediaposting",
    "report",
}
PUBLISHED_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
)
MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "last-modified")
AUTHOR_KEYS = (
    "author",
    "article:author",
    "dc.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
    "cxenseparse:author",
)
# "Site name | Title", "Title - Site name", "Title >> Site": one side is the site.
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|–—»›·:•]|::|-{1,2}|\\|/)\s+")
_AUTHOR_SPLIT = re.compile(
    r"\s*(?:;|\band\b|\bund\b|\bet\b|\by\b|&|\||/|,(?!\s*(?:jr|sr|ph\.?d)\b))\s*", re.I
)
_AUTHOR_NOISE = re.compile(
    r"^(?:(?:written|posted|published|reported|veröffentlicht|publiziert|geschrieben|publié|text|words|"
    r"story|photos?)\s*(?:by|von|par|por|am|on)?|by|von|par|por|di|door|autor(?:in)?|auteurs?|author)"
    r"(?=\s|:|[A-ZÄÖÜ])\s*:?\s*|\s*\(.*?\)\s*$|\s*[|•·]\s*.*$",
    re.I,
)
_NOT_A_NAME = re.compile(
    r"^(?:https?:|www\.)|@|\[at\]|\d{3,}|^(?:admin|administrator|wordpressadmin|staff|editor|"
    r"redaktion|name|no author|unknown|anonymous|posted|published|by|am|on)$",
    re.I,
)
_WORDS = re.compile(r"\w+")
# Attribute axes keep this cheap on large pages; the union comes back in document order.
_BYLINE = XPath(
    "//@rel[. = 'author']/.. | //@itemprop[contains(., 'author')]/.."
    " | //@class[contains(., 'author') or contains(., 'Author') or contains(., 'byline')"
    " or contains(., 'Byline')]/.. | //@id[contains(., 'author')]/.."
)
_COMMENT_ANCESTOR = XPath("ancestor::*[contains(@class, 'comment') or contains(@id, 'comment')][1]")


@dataclass
class Metadata:
    """What a page says about the article it carries."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    site: str = ""
    hostname: str = ""
    canonical_url: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    article_body: str | None = None


class MetadataReader:
    """Reads one page's metadata from its parsed tree."""

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self.tree = tree
        self.url = url
        self.meta = meta_tags(tree)
        self.article = article_object(json_ld(tree))

    def read(self) -> Metadata:
        """Every field, each from the most specific source that has it."""
        hostname = (urlsplit(self.url).hostname or "").removeprefix("www.")
        site = self.site() or hostname
        published, modified = self.dates()
        return Metadata(
            title=self.title(site),
            authors=self.authors(),
            published=published,
            modified=modified,
            language=self.language(),
            site=site,
            hostname=hostname,
            canonical_url=self.canonical(),
            description=self._first("og:description", "description", "twitter:description")
            or _text(self.article.get("description")),
            tags=self.tags(),
            image=self.image(),
            article_body=_text(self.article.get("articleBody")) or None,
        )

    def _first(self, *keys: str) -> str | None:
        """The first non-empty meta content among the keys."""
        return next((self.meta[k][0] for k in keys if self.meta.get(k)), None)

    def title(self, site: str) -> str:
        """The headline: an <h1> the page title confirms, else the page title without the site."""
        stated = [
            t
            for t in (
                _text(self.article.get("headline")),
                self._first("og:title", "twitter:title"),
                _element_text(self.tree.find(".//title")),
            )
            if t
        ]
        headings = [t for t in map(_element_text, self.tree.iterfind(".//h1")) if t]
        for text in headings:
            if any(_same_or_part(text, t) for t in stated):
                return text
        if len(headings) == 1:
            return headings[0]
        return strip_site(stated[0], site) if stated else ""

    def authors(self) -> list[str]:
        """Authors from JSON-LD people, then author meta tags, then a byline link."""
        people = _people(self.article.get("author"))
        if people:
            return clean_authors(people)
        for key in AUTHOR_KEYS:
            names = clean_authors(v for v in self.meta.get(key, []) if not v.startswith("http"))
            if names:
                return names
        return byline(self.tree)

    def dates(self) -> tuple[str | None, str | None]:
        """Published (htmldate's day, the stated time when the day agrees) and modified."""
        stated = self._stated("datePublished", PUBLISHED_KEYS)
        found = valid_date(_find_date(self.tree, self.url))
        if stated and (found is None or stated[:10] == found[:10]):
            found = stated
        return found, self._stated("dateModified", MODIFIED_KEYS)

    def _stated(self, ld_key: str, meta_keys: tuple[str, ...]) -> str | None:
        """A date the JSON-LD article or the meta tags state."""
        return valid_date(_text(self.article.get(ld_key)) or None) or next(
            (d for k in meta_keys for v in self.meta.get(k, []) if (d := valid_date(v))), None
        )

    def language(self) -> str | None:
        """The two-letter language the page declares."""
        declared = (
            self.tree.get("lang")
            or self._first("content-language", "og:locale", "dc.language", "language")
            or _text(self.article.get("inLanguage"))
        )
        match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|$)", declared or "")
        return match.group(1).lower() if match else None

    def site(self) -> str:
        """The publication's name."""
        publisher = self.article.get("publisher")
        name = _text(publisher.get("name")) if isinstance(publisher, dict) else ""
        return (self._first("og:site_name", "application-name") or name or "").strip()

    def canonical(self) -> str | None:
        """The canonical URL the page names, made absolute."""
        for link in self.tree.iterfind(".//link[@rel]"):
            href = (link.get("href") or "").strip()
            if href and "canonical" in (link.get("rel") or "").casefold().split():
                return _absolute(self.url, href)
        og = self._first("og:url")
        return _absolute(self.url, og) if og else None

    def tags(self) -> list[str]:
        """Keywords the article is tagged with."""
        values = self.meta.get("article:tag", []) + self.meta.get("news_keywords", [])
        keywords = self.article.get("keywords")
        if isinstance(keywords, str):
            values.append(keywords)
        elif isinstance(keywords, list):
            values += [k for k in keywords if isinstance(k, str)]
        tags = (t.strip() for v in values for t in v.split(","))
        return list(dict.fromkeys(t for t in tags if t and len(t) <= 80))

    def image(self) -> str | None:
        """The lead image URL."""
        image = self._first("og:image", "og:image:url", "twitter:image")
        if not image:
            found = self.article.get("image")
            found = found[0] if isinstance(found, list) and found else found
            image = _text(found.get("url")) if isinstance(found, dict) else _text(found)
        return urljoin(self.url, image) if image else None


def byline(tree: HtmlElement) -> list[str]:
    """Author names from the first element the page marks as a byline or author link."""
    for element in _BYLINE(tree):
        if element.tag in ("meta", "link", "script", "body", "html") or _COMMENT_ANCESTOR(element):
            continue
        text = _element_text(element)
        if 2 <= len(text) <= 80 and len(text.split()) <= 8:
            names = clean_authors([text])
            if names:
                return names
    return []


def meta_tags(tree: HtmlElement) -> dict[str, list[str]]:
    """Every <meta> content, keyed by its lower-cased property, name or itemprop."""
    found: dict[str, list[str]] = {}
    for element in tree.iterfind(".//meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        key = key or element.get("http-equiv")
        content = (element.get("content") or "").strip()
        if key and content:
            found.setdefault(key.strip().lower(), []).append(content)
    return found


def json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every object in the page's JSON-LD scripts, @graph members included."""
    objects: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                stack += graph if isinstance(graph, list) else []
            elif isinstance(item, list):
                stack += item
    return objects


def article_object(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The first JSON-LD object typed as an article, or an empty dict."""
    for obj in objects:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
            return obj
    return {}


def strip_site(title: str, site: str) -> str:
    """A page title without the site name a separator joins to it."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    site_words = set(_WORDS.findall(site.casefold()))
    for keep in (parts[0], parts[-1]):
        rest = title.replace(keep, "", 1)
        if site_words and set(_WORDS.findall(rest.casefold())) & site_words:
            return keep.strip()
    return max(parts, key=len).strip() if len(parts) == 2 else title


def clean_authors(values: Any) -> list[str]:
    """Author names from metadata strings: split, 'By' and roles removed, duplicates dropped."""
    names: list[str] = []
    for value in values:
        if str(value).strip().startswith(("http://", "https://", "www.")):
            continue
        for part in _AUTHOR_SPLIT.split(" ".join(str(value).split())):
            name = _AUTHOR_NOISE.sub("", part).strip(" .,-:")
            if 1 < len(name) <= 60 and not _NOT_A_NAME.search(name) and name not in names:
                names.append(name)
    return names[:10]


def valid_date(value: str | None) -> str | None:
    """A stored timestamp, or None for a date in the future or before 1995."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        if when < EARLIEST or when > datetime.now(UTC):
            return None
        return to_stored(when)
    except (ValueError, OverflowError):
        return None


def _find_date(tree: HtmlElement, url: str) -> str | None:
    """htmldate's original-publication date, with the time of day where it finds one."""
    # Its extensive search is left out: +4 points of date accuracy on trafilatura-eval, but
    # its date parser takes seconds to load in each process that meets an unusual date.
    try:
        return find_date(
            tree,
            url=url,
            extensive_search=False,
            original_date=True,
            outputformat="%Y-%m-%dT%H:%M:%S%z",
            min_date=EARLIEST.replace(tzinfo=None),
        )
    except (ValueError, TypeError, AssertionError):
        # AssertionError: htmldate's cleaning cannot drop a root element (<svg>, <math> pages).
        return None


def _people(value: Any) -> list[str]:
    """Names of the people in a JSON-LD author field (organisations left out)."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and str(item.get("@type", "Person")).lower() != "organization":
            names.append(_text(item.get("name")))
    return [n for n in names if n and not n.startswith("http")]


def _text(value: Any) -> str:
    """A JSON-LD value as a stripped string ('' for anything else)."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _element_text(element: HtmlElement | None) -> str:
    """The whitespace-collapsed text of an element."""
    return " ".join(element.text_content().split()) if element is not None else ""


def _same_or_part(headline: str, stated: str) -> bool:
    """True when a stated title equals the headline or contains it as a whole part."""
    h, s = _WORDS.findall(headline.casefold()), _WORDS.findall(stated.casefold())
    if not h or len(h) > len(s):
        return False
    return any(s[i : i + len(h)] == h for i in range(len(s) - len(h) + 1)) and (
        len(h) >= 3 or h == s
    )


def _absolute(base: str, href: str) -> str | None:
    """An http(s) URL made absolute against the page's URL; None for any other or a broken one."""
    try:
        absolute = urljoin(base, href)
        return absolute if urlsplit(absolute).scheme in ("http", "https") else None
    except ValueError:  # e.g. a bracketed host that is no IP address: http://[0]/x
        return None

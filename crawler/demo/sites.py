"""Fixture publishers: bundled content, ground truth, feeds and sitemaps."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from email.utils import format_datetime
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from crawler.demo.templates import (
    TEMPLATES,
    Link,
    Listed,
    PageSpec,
    Rendered,
    SiteInfo,
    first_sentence,
    slugify,
    stable_index,
    when,
)

# Kinds of non-article pages the feeds link to on purpose.
MISSING, ERROR, TRUNCATED, BINARY, PRIVATE = "missing", "error", "truncated", "binary", "private"


@dataclass(frozen=True)
class FixtureArticle:
    """Ground truth for one article page served by the fixture publishers."""

    publisher: str
    path: str
    story: str
    copy_group: str
    title: str
    author: str
    published: str
    paragraphs: tuple[str, ...]
    boilerplate: tuple[str, ...]
    on_topic: bool


@dataclass(frozen=True)
class BrokenLink:
    """A deliberately broken or forbidden URL listed by a publisher's feed or page."""

    publisher: str
    path: str
    kind: str  # missing (404) | error (500) | truncated | binary | private (robots-disallowed)
    title: str


@dataclass(frozen=True)
class Page:
    """A page a publisher lists: an article, or one of the deliberately broken kinds."""

    path: str
    title: str
    author: str
    published: str
    paragraphs: tuple[str, ...]
    kind: str = "article"
    story: str = ""
    copy_group: str = ""
    dateline: str = ""
    dateline_index: int = 0
    credit: str = ""
    section: str = "AI"
    takeaways: tuple[str, ...] = ()
    on_topic: bool = True

    def spec(self, base: str) -> PageSpec:
        """The template input for this page on a server rooted at base."""
        return PageSpec(
            url=base + self.path,
            title=self.title,
            author=self.author,
            published=self.published,
            paragraphs=self.paragraphs,
            dateline=self.dateline,
            dateline_index=self.dateline_index,
            credit=self.credit,
            section=self.section,
            takeaways=self.takeaways,
        )

    def listed(self) -> Listed:
        """The feed/sitemap view of this page."""
        summary = first_sentence(self.paragraphs[0]) if self.paragraphs else self.title
        return Listed(self.path, self.title, self.author, self.published, summary)


class Publisher:
    """One fictional publisher: its template, pages, entry point and robots rules."""

    def __init__(
        self,
        site: SiteInfo,
        entry: Mapping[str, str],
        endpoints: Mapping[str, str],
        robots: Sequence[str],
        pages: Sequence[Page],
    ) -> None:
        self.site = site
        self.key = site.key
        self.entry_path = entry["path"]
        self.entry_kind = entry["kind"]
        self.endpoints = dict(endpoints)
        self.robots = tuple(robots)
        self.pages = tuple(sorted(pages, key=lambda p: when(p.published), reverse=True))
        self.by_path = {p.path: p for p in self.pages if p.kind != MISSING}

    def render(self, page: Page, base: str) -> Rendered:
        """Render a page with this publisher's template."""
        return TEMPLATES[self.site.template](self.site, page.spec(base), base)

    def articles(self) -> list[FixtureArticle]:
        """Ground truth of the article pages (broken pages excluded)."""
        out = []
        for page in self.pages:
            if page.kind != "article":
                continue
            rendered = self.render(page, f"https://{self.site.domain}")
            out.append(
                FixtureArticle(
                    publisher=self.key,
                    path=page.path,
                    story=page.story,
                    copy_group=page.copy_group,
                    title=page.title,
                    author=page.author,
                    published=page.published,
                    paragraphs=page.paragraphs,
                    boilerplate=rendered.boilerplate,
                    on_topic=page.on_topic,
                )
            )
        return out

    def broken(self) -> list[BrokenLink]:
        """The deliberately broken or forbidden pages this publisher links to."""
        return [
            BrokenLink(self.key, p.path, p.kind, p.title) for p in self.pages if p.kind != "article"
        ]

    def document(self, kind: str, path: str, base: str) -> str:
        """Render one of the publisher's feeds or sitemaps."""
        listed = [p.listed() for p in self.pages]
        if kind == "rss":
            return rss(self.site, base, path, self.pages)
        if kind == "atom":
            return atom(self.site, base, path, listed)
        if kind == "news-sitemap":
            return news_sitemap(self.site, base, listed)
        if kind == "sitemap-index":
            maps = [k for k, v in self.endpoints.items() if v == "news-sitemap"]
            return sitemap_index(base, maps, listed)
        if kind == "json-feed":
            return json_feed(self.site, base, path, listed)
        raise ValueError(f"unknown document kind {kind!r}")


def x(text: str) -> str:
    """Escape text for XML."""
    return xml_escape(text, {'"': "&quot;"})


def rss(site: SiteInfo, base: str, path: str, pages: Sequence[Page]) -> str:
    """A WordPress-style RSS 2.0 feed."""
    items = []
    for page in pages:
        item = page.listed()
        post_id = 10000 + stable_index(page.title, 90000)
        items.append(f"""<item>
<title>{x(item.title)}</title>
<link>{x(base + item.path)}</link>
<dc:creator><![CDATA[{item.author}]]></dc:creator>
<pubDate>{format_datetime(when(item.published))}</pubDate>
<category><![CDATA[{page.section}]]></category>
<guid isPermaLink="false">{x(base)}/?p={post_id}</guid>
<description><![CDATA[{item.summary}]]></description>
</item>""")
    newest = format_datetime(when(pages[0].published)) if pages else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel>
<title>{x(site.name)}</title>
<atom:link href="{x(base + path)}" rel="self" type="application/rss+xml" />
<link>{x(base)}/</link>
<description>{x(site.tagline)}</description>
<lastBuildDate>{newest}</lastBuildDate>
<language>{x(site.lang)}</language>
<sy:updatePeriod>hourly</sy:updatePeriod>
<sy:updateFrequency>1</sy:updateFrequency>
<generator>https://wordpress.org/?v=6.7.1</generator>
{chr(10).join(items)}
</channel>
</rss>
"""


def atom(site: SiteInfo, base: str, path: str, listed: Sequence[Listed]) -> str:
    """An Atom 1.0 feed."""
    entries = "\n".join(
        f"""<entry>
<title type="text">{x(e.title)}</title>
<link rel="alternate" type="text/html" href="{x(base + e.path)}"/>
<id>tag:{site.domain},2026:{x(e.path)}</id>
<published>{e.published}</published>
<updated>{e.published}</updated>
<author><name>{x(e.author)}</name></author>
<summary type="text">{x(e.summary)}</summary>
</entry>"""
        for e in listed
    )
    updated = listed[0].published if listed else ""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{x(site.lang)}">
<title>{x(site.name)}</title>
<subtitle>{x(site.tagline)}</subtitle>
<link rel="self" type="application/atom+xml" href="{x(base + path)}"/>
<link rel="alternate" type="text/html" href="{x(base)}/"/>
<id>tag:{site.domain},2026:feed</id>
<updated>{updated}</updated>
<rights>{x(site.copyright)}</rights>
{entries}
</feed>
"""


def news_sitemap(site: SiteInfo, base: str, listed: Sequence[Listed]) -> str:
    """A Google News sitemap (urlset with news: extensions)."""
    urls = "\n".join(
        f"""<url>
<loc>{x(base + e.path)}</loc>
<lastmod>{e.published}</lastmod>
<news:news>
<news:publication><news:name>{x(site.name)}</news:name><news:language>{x(site.lang)}</news:language></news:publication>
<news:publication_date>{e.published}</news:publication_date>
<news:title>{x(e.title)}</news:title>
</news:news>
</url>"""
        for e in listed
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""


def sitemap_index(base: str, maps: Sequence[str], listed: Sequence[Listed]) -> str:
    """A sitemapindex pointing at the publisher's sitemaps."""
    lastmod = listed[0].published if listed else ""
    entries = "\n".join(
        f"<sitemap><loc>{x(base + m)}</loc><lastmod>{lastmod}</lastmod></sitemap>" for m in maps
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</sitemapindex>
"""


def json_feed(site: SiteInfo, base: str, path: str, listed: Sequence[Listed]) -> str:
    """A JSON Feed 1.1 document."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.name,
        "home_page_url": f"{base}/",
        "feed_url": base + path,
        "description": site.tagline,
        "language": site.lang,
        "items": [
            {
                "id": base + e.path,
                "url": base + e.path,
                "title": e.title,
                "summary": e.summary,
                "date_published": e.published,
                "authors": [{"name": e.author}],
            }
            for e in listed
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


def read_content() -> list[dict[str, Any]]:
    """Load every bundled publisher content file, in file-name order."""
    folder = resources.files("crawler.demo").joinpath("content")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def links(raw: Sequence[Mapping[str, Any]]) -> tuple[Link, ...]:
    """Parse a list of link objects."""
    return tuple(Link(r["title"], r["path"], tuple(r.get("tags", ()))) for r in raw)


def site_info(raw: Mapping[str, Any], bios: Mapping[str, str]) -> SiteInfo:
    """Build a publisher's SiteInfo from its content file."""
    link_fields = ("nav", "footer", "teasers", "related", "most_read")
    skip = {"entry", "endpoints", "robots", "editors", *link_fields}
    kwargs: dict[str, Any] = {k: v for k, v in raw.items() if k not in skip}
    kwargs.update({k: links(raw.get(k, ())) for k in link_fields})
    return SiteInfo(**kwargs, editors=tuple(raw.get("editors", ())), bios=dict(bios))


def own_page(raw: Mapping[str, Any], site: SiteInfo) -> Page:
    """A page written by the publisher itself (article or broken)."""
    dateline = raw.get("dateline", "")
    return Page(
        path=raw["path"],
        title=raw["title"],
        author=raw["author"],
        published=raw["published"],
        paragraphs=tuple(raw["paragraphs"]),
        kind=raw.get("kind", "article"),
        story=raw.get("story", ""),
        copy_group=raw.get("copy_group", ""),
        dateline=f"{dateline} ({site.name}) —" if dateline else "",
        credit=raw.get("credit", ""),
        section=raw.get("section", "AI"),
        takeaways=tuple(raw.get("takeaways", ())),
        on_topic=raw.get("on_topic", True),
    )


def syndicated_page(raw: Mapping[str, Any], source: Page) -> Page:
    """A syndicated copy: the source text under a new headline, trimmed or introduced."""
    paragraphs = source.paragraphs[:-1] if raw.get("drop_last") else source.paragraphs
    intro = raw.get("intro", "")
    return replace(
        source,
        path=raw["path"],
        title=raw["title"],
        published=raw["published"],
        section=raw.get("section", source.section),
        paragraphs=(intro, *paragraphs) if intro else paragraphs,
        dateline_index=1 if intro else 0,
        credit="",
    )


def load_publishers() -> dict[str, Publisher]:
    """Build every bundled publisher, resolving syndicated copies across publishers."""
    content = read_content()
    sites = {c["site"]["key"]: site_info(c["site"], c.get("authors", {})) for c in content}
    own = {
        c["site"]["key"]: [
            own_page(r, sites[c["site"]["key"]]) for r in [*c["articles"], *c.get("broken", ())]
        ]
        for c in content
    }
    index = {(key, p.path): p for key, pages in own.items() for p in pages}
    publishers = {}
    for c in content:
        key = c["site"]["key"]
        copies = [
            syndicated_page(r, index[(r["source"]["publisher"], r["source"]["path"])])
            for r in c.get("copies", ())
        ]
        raw = c["site"]
        publishers[key] = Publisher(
            sites[key], raw["entry"], raw["endpoints"], raw["robots"], [*own[key], *copies]
        )
    return publishers


def render_article(
    publisher: str,
    *,
    title: str,
    author: str,
    published: str,
    paragraphs: Sequence[str],
    inline_boilerplate: bool = True,
    extra_in_body: Sequence[str] = (),
) -> str:
    """Wrap a plain-text article in a publisher's full page template."""
    site = load_publishers()[publisher].site
    base = f"https://{site.domain}"
    date = when(published)
    dateline = ""
    if site.home_city:
        dateline = f"{site.home_city}, {date:%b} {date.day} ({site.name}) —"
    spec = PageSpec(
        url=f"{base}/{date:%Y/%m}/{slugify(title)}/",
        title=title,
        author=author,
        published=published,
        paragraphs=tuple(paragraphs),
        dateline=dateline,
        inline_boilerplate=inline_boilerplate,
        extra_in_body=tuple(extra_in_body),
    )
    return TEMPLATES[site.template](site, spec, base).html

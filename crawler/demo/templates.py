"""HTML templates of the fixture publishers: one distinct layout and boilerplate style each."""

from __future__ import annotations

import html
import json
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from urllib.parse import quote


@dataclass(frozen=True)
class Link:
    """A titled link on a publisher's site (path relative to the site root)."""

    title: str
    path: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteInfo:
    """Branding, chrome text and link lists of one publisher."""

    key: str
    name: str
    template: str
    lang: str
    domain: str
    tagline: str
    cookie: str
    copyright: str
    newsletter_title: str = ""
    newsletter_text: str = ""
    share_prompt: str = ""
    disclaimer: str = ""
    standards: str = ""
    quotes_note: str = ""
    subscribe_text: str = ""
    home_city: str = ""
    default_bio: str = ""
    editors: tuple[str, ...] = ()
    bios: Mapping[str, str] = field(default_factory=dict)
    nav: tuple[Link, ...] = ()
    footer: tuple[Link, ...] = ()
    teasers: tuple[Link, ...] = ()
    related: tuple[Link, ...] = ()
    most_read: tuple[Link, ...] = ()


@dataclass(frozen=True)
class PageSpec:
    """Everything a template needs to render one article page."""

    url: str
    title: str
    author: str
    published: str
    paragraphs: tuple[str, ...]
    dateline: str = ""
    dateline_index: int = 0
    credit: str = ""
    section: str = "AI"
    takeaways: tuple[str, ...] = ()
    inline_boilerplate: bool = True
    extra_in_body: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listed:
    """One item a publisher lists in its feed, sitemap or section page."""

    path: str
    title: str
    author: str
    published: str
    summary: str


@dataclass(frozen=True)
class Rendered:
    """A rendered page and the boilerplate strings its template inserted."""

    html: str
    boilerplate: tuple[str, ...]


class Notes:
    """Escape boilerplate text for HTML while recording it verbatim."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def __call__(self, text: str) -> str:
        if text and text not in self.items:
            self.items.append(text)
        return esc(text)


def esc(text: str) -> str:
    """Escape text for an HTML text node."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Escape text for an HTML attribute value."""
    return html.escape(text, quote=True)


def stable_index(key: str, size: int) -> int:
    """Deterministic index derived from a string (no hash randomisation)."""
    return zlib.crc32(key.encode("utf-8")) % max(size, 1)


def pick(links: Sequence[Link], key: str, count: int) -> list[Link]:
    """Rotate through links deterministically, starting at a key-derived offset."""
    start = stable_index(key, len(links))
    return [links[(start + i) % len(links)] for i in range(min(count, len(links)))]


def slugify(text: str) -> str:
    """Lower-case, dash-separated slug."""
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return "-".join(words[:10])


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph, for descriptions and excerpts."""
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def when(published: str) -> datetime:
    """Parse an ISO 8601 timestamp."""
    return datetime.fromisoformat(published)


def bio_for(site: SiteInfo, author: str) -> str:
    """The author bio a publisher prints under its articles."""
    return site.bios.get(author) or site.default_bio.format(author=author)


def story_blocks(spec: PageSpec, notes: Notes) -> list[str]:
    """The story paragraphs as <p> blocks, with the dateline credit where it belongs."""
    blocks = []
    for i, text in enumerate(spec.paragraphs):
        if spec.dateline and spec.inline_boilerplate and i == spec.dateline_index:
            blocks.append(f"<p>{notes(spec.dateline)} {esc(text)}</p>")
        else:
            blocks.append(f"<p>{esc(text)}</p>")
    return blocks


def insert_after(blocks: list[str], inserts: Sequence[str], every: int) -> list[str]:
    """Interleave insert blocks into body blocks after evenly spaced paragraphs."""
    out: list[str] = []
    pending = list(inserts)
    for i, block in enumerate(blocks, start=1):
        out.append(block)
        if pending and i % every == 0 and i < len(blocks):
            out.append(pending.pop(0))
    return out


def teaser(label: str, target: Link, base: str, notes: Notes, css: str = "") -> str:
    """An inline 'Read more:'-style teaser paragraph, recorded as boilerplate."""
    notes(f"{label} {target.title}")
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}><strong>{esc(label)}</strong> {link(base, target, esc(target.title))}</p>"


def link_items(links: Sequence[Link], base: str, notes: Notes) -> str:
    """<li> items for a list of links whose titles are boilerplate."""
    return "".join(f"<li>{link(base, item, notes(item.title))}</li>" for item in links)


def link(base: str, target: Link | str, text: str, cls: str = "", rel: str = "") -> str:
    """An anchor to a path on the publisher's site (text is already escaped)."""
    path = target.path if isinstance(target, Link) else target
    extra = (f' class="{cls}"' if cls else "") + (f' rel="{rel}"' if rel else "")
    return f'<a href="{attr(base + path)}"{extra}>{text}</a>'


def menu(links: Sequence[Link], base: str, sep: str | None = None) -> str:
    """Nav or footer links: <li> items, or plain anchors joined by sep."""
    anchors = [link(base, item, esc(item.title)) for item in links]
    return sep.join(anchors) if sep is not None else "".join(f"<li>{a}</li>" for a in anchors)


def document(site: SiteInfo, head_html: str, body_class: str, lines: Sequence[str]) -> str:
    """Assemble a full HTML document."""
    body = "\n".join(lines)
    return (
        f'<!DOCTYPE html>\n<html lang="{attr(site.lang)}">\n{head_html}\n'
        f'<body class="{body_class}">\n{body}\n</body>\n</html>\n'
    )


def head(site: SiteInfo, spec: PageSpec, page_title: str, extra: str = "") -> str:
    """The <head> of an article page: title, canonical, author, og: and article: meta."""
    description = first_sentence(spec.paragraphs[0]) if spec.paragraphs else site.tagline
    meta = {
        "og:type": "article",
        "og:title": spec.title,
        "og:description": description,
        "og:url": spec.url,
        "og:site_name": site.name,
        "og:locale": site.lang.replace("-", "_"),
        "article:published_time": spec.published,
        "article:section": spec.section,
        "article:tag": spec.section,
        "og:image": f"{spec.url.rstrip('/')}/lead.png",
    }
    props = "".join(f'<meta property="{k}" content="{attr(v)}">\n' for k, v in meta.items())
    return (
        '<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(page_title)}</title>\n"
        f'<link rel="canonical" href="{attr(spec.url)}">\n'
        f'<meta name="description" content="{attr(description)}">\n'
        f'<meta name="author" content="{attr(spec.author)}">\n'
        f'{props}<meta name="twitter:card" content="summary_large_image">\n{extra}</head>'
    )


def with_extras(blocks: list[str], spec: PageSpec, top: bool) -> list[str]:
    """Place caller-supplied body snippets at the top or bottom of the story."""
    extras = list(spec.extra_in_body)
    return [*extras, *blocks] if top else [*blocks, *extras]


def share_links(url: str) -> str:
    """Social share links, as every publisher carries them."""
    u = quote(url, safe="")
    return (
        f'<a class="share-x" href="https://x.com/intent/post?url={u}">X</a> '
        f'<a class="share-li" href="https://www.linkedin.com/sharing/share-offsite/?url={u}">'
        f'LinkedIn</a> <a class="share-mail" href="mailto:?body={u}">Email</a>'
    )


def teasers(site: SiteInfo, spec: PageSpec, label: str, base: str, n: Notes) -> list[str]:
    """Two inline teaser paragraphs for unrelated stories, e.g. 'Read more: ...'."""
    chosen = pick(site.teasers, f"{site.key}:{spec.title}", 2)
    return [teaser(label, t, base, n, slugify(label)) for t in chosen]


def wordpress(site: SiteInfo, spec: PageSpec, base: str) -> Rendered:
    """Tech-press template: WordPress markup, inline 'Read more' teasers, sidebar."""
    n = Notes()
    blocks = story_blocks(spec, n)
    if spec.inline_boilerplate:
        inline = teasers(site, spec, "Read more:", base, n)
        blocks = insert_after(blocks, inline, every=max(2, len(blocks) // 3))
    blocks = with_extras(blocks, spec, top=True)
    post, cat, date = (
        10000 + stable_index(spec.title, 90000),
        slugify(spec.section),
        when(spec.published),
    )
    feed = f'<link rel="alternate" type="application/rss+xml" href="{attr(base)}/feed/">\n'
    lines = [
        '<a class="skip-link screen-reader-text" href="#content">Skip to content</a>',
        '<div id="page" class="site">',
        '<header id="masthead" class="site-header"><div class="site-branding">',
        f'<p class="site-title">{link(base, "/", esc(site.name), rel="home")}</p>',
        f'<p class="site-description">{esc(site.tagline)}</p></div>',
        '<nav id="site-navigation" class="main-navigation">',
        f'<ul id="primary-menu" class="menu">{menu(site.nav, base)}</ul></nav>',
        "</header>",
        '<div id="content" class="site-content"><div id="primary" class="content-area">',
        '<main id="main" class="site-main">',
        f'<article id="post-{post}" class="post-{post} post type-post hentry category-{cat}">',
        '<header class="entry-header">',
        f'<span class="cat-links">{link(base, f"/category/{cat}/", esc(spec.section))}</span>',
        f'<h1 class="entry-title">{esc(spec.title)}</h1>',
        '<div class="entry-meta"><span class="byline">By <span class="author vcard">',
        f"{link(base, f'/author/{slugify(spec.author)}/', esc(spec.author))}</span></span>",
        f'<span class="posted-on"><time class="entry-date published" '
        f'datetime="{attr(spec.published)}">{date:%B} {date.day}, {date:%Y}</time></span></div>',
        "</header>",
        f'<div class="share-buttons"><span class="share-label">{n(site.share_prompt)}</span>',
        f"{share_links(spec.url)}</div>",
        '<div class="entry-content">',
        *blocks,
        "</div>",
        '<footer class="entry-footer">',
        f'<div class="author-bio"><h2 class="author-title">About {esc(spec.author)}</h2>',
        f'<p class="author-description">{n(bio_for(site, spec.author))}</p></div>',
        f'<div class="newsletter-signup"><h2>{n(site.newsletter_title)}</h2>',
        f"<p>{n(site.newsletter_text)}</p>",
        f'<form action="{attr(base)}/newsletter/" method="post">',
        '<input type="email" name="email"><button type="submit">Sign up</button></form></div>',
        "</footer>",
        "</article>",
        '<section class="related-posts"><h2 class="related-title">Related</h2>',
        f"<ul>{link_items(pick(site.related, spec.title, 3), base, n)}</ul></section>",
        "</main>",
        "</div>",
        '<aside id="secondary" class="widget-area"><section class="widget widget_most_read">',
        '<h2 class="widget-title">Most read</h2>',
        f"<ol>{link_items(site.most_read, base, n)}</ol></section></aside>",
        "</div>",
        f'<footer id="colophon" class="site-footer"><nav>{menu(site.footer, base, " | ")}</nav>',
        f'<div class="site-info">{n(site.copyright)}</div></footer>',
        "</div>",
        f'<div id="cookie-notice" role="dialog"><p>{n(site.cookie)}</p>',
        '<button class="cookie-accept">Accept all</button>',
        f"{link(base, '/privacy-policy/', 'Privacy policy')}</div>",
    ]
    head_html = head(site, spec, f"{spec.title} | {site.name}", feed)
    page = document(site, head_html, f"single single-post postid-{post}", lines)
    return Rendered(page, tuple(n.items))


def json_ld(site: SiteInfo, spec: PageSpec) -> str:
    """A schema.org NewsArticle block carrying the full article body."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": spec.title,
        "mainEntityOfPage": spec.url,
        "datePublished": spec.published,
        "dateModified": spec.published,
        "author": [{"@type": "Person", "name": spec.author}],
        "publisher": {"@type": "Organization", "name": site.name},
        "articleSection": spec.section,
        "articleBody": " ".join(spec.paragraphs),
    }
    body = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{body}</script>\n'


def business(site: SiteInfo, spec: PageSpec, base: str) -> Rendered:
    """Business-press template: <main>, article-body, 'Also read' teasers, disclaimer, JSON-LD."""
    n = Notes()
    blocks = story_blocks(spec, n)
    if spec.inline_boilerplate:
        inline = teasers(site, spec, "Also read:", base, n)
        blocks = insert_after(blocks, inline, every=max(2, len(blocks) // 3))
    blocks = with_extras(blocks, spec, top=False)
    if spec.inline_boilerplate and site.disclaimer:
        blocks.append(f'<p class="disclaimer"><em>{n(site.disclaimer)}</em></p>')
    date = when(spec.published)
    lines = [
        '<div class="consent-banner" role="region" aria-label="Cookie consent">',
        f"<p>{n(site.cookie)}</p>",
        '<button type="button">Accept cookies</button> <button>Manage cookies</button></div>',
        f'<header class="ts-masthead">{link(base, "/", esc(site.name), "ts-logo")}',
        f'<nav class="ts-nav" aria-label="Sections"><ul>{menu(site.nav, base)}</ul></nav>',
        f"{link(base, '/myaccount/', 'Sign in')} {link(base, '/subscribe', 'Subscribe')}</header>",
        '<main id="main-content">',
        '<div class="article-header">',
        link(base, f"/{slugify(spec.section)}/", esc(spec.section), "kicker"),
        f'<h1 class="headline">{esc(spec.title)}</h1>',
        '<div class="byline-block"><span class="byline">',
        f"{link(base, f'/stream/{slugify(spec.author)}', esc(spec.author))}</span>",
        f'<time datetime="{attr(spec.published)}">{date.day} {date:%B %Y}</time></div>',
        "</div>",
        '<div class="article-body" data-component="article-body">',
        *blocks,
        f'<div class="share-prompt"><p>{n(site.share_prompt)}</p>',
        f'<p class="share-links">{share_links(spec.url)}</p></div>',
        "</div>",
        f'<aside class="newsletter-box"><h2>{n(site.newsletter_title)}</h2>',
        f"<p>{n(site.newsletter_text)}</p>{link(base, '/newsletters', 'Sign up')}</aside>",
        '<section class="more-on"><h2>More on this topic</h2>',
        f"<ul>{link_items(pick(site.related, spec.title, 3), base, n)}</ul></section>",
        "</main>",
        f'<footer class="ts-footer"><ul>{menu(site.footer, base)}</ul>',
        f"<p>{n(site.copyright)}</p></footer>",
    ]
    head_html = head(site, spec, f"{spec.title} | {site.name}", json_ld(site, spec))
    return Rendered(document(site, head_html, "ts-article", lines), tuple(n.items))


def wire_time(published: str) -> str:
    """Wire-style timestamp, e.g. 'November 17, 2026 9:42 AM GMT-8'."""
    date = when(published)
    offset = date.strftime("%z")
    zone = f"GMT{int(offset[:3]):+d}" if offset[3:] == "00" else f"UTC{offset}"
    return f"{date:%B} {date.day}, {date:%Y} {date.hour % 12 or 12}:{date:%M %p} {zone}"


def wire(site: SiteInfo, spec: PageSpec, base: str) -> Rendered:
    """Wire-service template: minimal story page, dateline credit, reporting/editing line."""
    n = Notes()
    blocks = with_extras(story_blocks(spec, n), spec, top=False)
    if spec.inline_boilerplate:
        editor = site.editors[stable_index(spec.title, len(site.editors))] if site.editors else ""
        credit = spec.credit or f"Reporting by {spec.author}; Editing by {editor}"
        blocks.append(f'<p class="credit">{n(credit)}</p>')
        blocks.append(
            f'<p class="standards">{link(base, "/trust-principles/", n(site.standards))}</p>'
        )
    lines = [
        f'<div id="cookie-bar"><span>{n(site.cookie)}</span>',
        f"{link(base, '/privacy/', 'Manage preferences')} <button>OK</button></div>",
        f'<header class="cw-header">{link(base, "/", esc(site.name.upper()), "logo")}',
        f'<nav class="cw-nav">{menu(site.nav, base, " | ")}</nav></header>',
        '<div class="story" itemscope itemtype="https://schema.org/NewsArticle">',
        f'<h1 itemprop="headline">{esc(spec.title)}</h1>',
        f'<p class="story-meta">By <span itemprop="author">{esc(spec.author)}</span> &middot;',
        f'<time itemprop="datePublished" datetime="{attr(spec.published)}">'
        f"{wire_time(spec.published)}</time></p>",
        '<div class="story-body" itemprop="articleBody">',
        *blocks,
        "</div>",
        "</div>",
        f'<footer class="cw-footer"><nav>{menu(site.footer, base, " &middot; ")}</nav>',
        f"<p>{n(site.quotes_note)}</p>",
        f"<p>{n(site.copyright)}</p></footer>",
    ]
    head_html = head(site, spec, f"{spec.title} | {site.name}")
    return Rendered(document(site, head_html, "story-page", lines), tuple(n.items))


def related_news(site: SiteInfo, spec: PageSpec, base: str, n: Notes) -> str:
    """'Related News' items with their tag lists."""
    items = []
    for item in pick(site.related, spec.title, 3):
        tags = n(f"Tags: {', '.join(item.tags)}") if item.tags else ""
        items.append(f'<li>{link(base, item, n(item.title))} <span class="tags">{tags}</span></li>')
    return "".join(items)


def takeaways_box(spec: PageSpec, n: Notes) -> list[str]:
    """The 'Key takeaways' bullet summary placed above the story."""
    if not spec.takeaways:
        return []
    bullets = "".join(f"<li>{n(t)}</li>" for t in spec.takeaways)
    title = n("Key takeaways")
    return [f'<div class="key-takeaways"><p><strong>{title}</strong></p><ul>{bullets}</ul></div>']


def newsletter(site: SiteInfo, spec: PageSpec, base: str) -> Rendered:
    """Newsletter/blog template: key takeaways up top, inline subscribe box, author card."""
    n = Notes()
    blocks = story_blocks(spec, n)
    if spec.inline_boilerplate and site.subscribe_text:
        box = (
            f'<div class="subscription-widget"><p class="cta-caption">{n(site.subscribe_text)}</p>'
            f'<form action="{attr(base)}/api/v1/free" method="post"><input type="email" '
            'name="email"><button>Subscribe</button></form></div>'
        )
        blocks = insert_after(blocks, [box], every=max(2, len(blocks) // 2))
    blocks = [*takeaways_box(spec, n), *with_extras(blocks, spec, top=True)]
    date = when(spec.published)
    minutes = math.ceil(sum(len(p.split()) for p in spec.paragraphs) / 230)
    author = link(base, f"/@{slugify(spec.author)}", esc(spec.author), rel="author")
    lines = [
        f'<div class="cookie-consent" role="dialog"><p>{n(site.cookie)}</p><button>OK</button></div>',
        f'<nav class="topbar">{link(base, "/", esc(site.name), "pub-logo")}',
        f'<ul class="topbar-links">{menu(site.nav, base)}</ul>',
        f"{link(base, '/subscribe/', 'Subscribe', 'subscribe-btn')}</nav>",
        '<div class="post-wrapper">',
        '<article class="post newsletter-post">',
        f'<div class="post-header"><h1 class="post-title">{esc(spec.title)}</h1>',
        f'<div class="post-meta">{author} &middot;',
        f'<time datetime="{attr(spec.published)}">{date:%b} {date.day}, {date:%Y}</time> &middot;',
        f'<span class="reading-time">{minutes} min read</span></div></div>',
        '<div class="available-content"><div class="body markup" dir="auto">',
        *blocks,
        "</div></div>",
        '<div class="post-footer"><div class="author-card">',
        f'<p class="author-card-name">{esc(spec.author)}</p>',
        f'<p class="author-card-bio">{n(bio_for(site, spec.author))}</p></div></div>',
        "</article>",
        '<aside class="sidebar"><div class="most-read-widget"><h3>Most read</h3>',
        f'<div class="most-read-loading">{n("Loading Most Read articles...")}</div></div></aside>',
        f'<section class="related-news"><h3>{n("Related News")}</h3>',
        f"<ul>{related_news(site, spec, base, n)}</ul></section>",
        "</div>",
        f'<footer class="site-footer"><ul>{menu(site.footer, base)}</ul>',
        f"<p>{n(site.copyright)}</p></footer>",
    ]
    head_html = head(site, spec, f"{spec.title} - by {spec.author} - {site.name}")
    return Rendered(document(site, head_html, "post-page", lines), tuple(n.items))


Template = Callable[[SiteInfo, PageSpec, str], Rendered]

TEMPLATES: Mapping[str, Template] = MappingProxyType(
    {"wordpress": wordpress, "business": business, "wire": wire, "newsletter": newsletter}
)


def preview(entry: Listed, base: str) -> str:
    """One article preview in a section river."""
    date = when(entry.published)
    return (
        '<article class="post-preview">'
        f'<h2 class="post-preview-title">{link(base, entry.path, esc(entry.title))}</h2>'
        f'<p class="post-preview-description">{esc(entry.summary)}</p>'
        f'<div class="post-preview-meta"><span class="author">{esc(entry.author)}</span> &middot; '
        f'<time datetime="{attr(entry.published)}">{date:%b} {date.day}</time></div></article>'
    )


def listing_page(
    site: SiteInfo, base: str, path: str, heading: str, entries: Sequence[Listed]
) -> str:
    """A section or home page: a river of article previews among nav and footer links."""
    title = f"{heading} | {site.name}"
    head_html = (
        f'<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
        f'<link rel="canonical" href="{attr(base + path)}">\n'
        f'<meta property="og:type" content="website">\n'
        f'<meta property="og:title" content="{attr(title)}">\n'
        f'<meta property="og:site_name" content="{attr(site.name)}">\n</head>'
    )
    lines = [
        f'<div class="cookie-consent" role="dialog"><p>{esc(site.cookie)}</p></div>',
        f'<nav class="topbar">{link(base, "/", esc(site.name), "pub-logo")}',
        f'<ul class="topbar-links">{menu(site.nav, base)}</ul></nav>',
        f'<main class="section"><h1>{esc(heading)}</h1>',
        f'<p class="section-description">{esc(site.tagline)}</p>',
        '<div class="post-list">',
        *(preview(e, base) for e in entries),
        "</div></main>",
        f'<footer class="site-footer"><ul>{menu(site.footer, base)}</ul>',
        f"<p>{esc(site.copyright)}</p></footer>",
    ]
    return document(site, head_html, "section-page", lines)


def error_page(site: SiteInfo, base: str, status: int) -> str:
    """A publisher-branded 404 page, or a bare origin error page for other statuses."""
    if status != 404:
        title = f"{status} Internal Server Error"
        return (
            f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1>"
            "</center><hr><center>nginx</center></body></html>\n"
        )
    head_html = (
        f'<head><meta charset="utf-8"><title>Page not found | {esc(site.name)}</title></head>'
    )
    lines = [
        f"<header>{link(base, '/', esc(site.name))}</header>",
        "<main><h1>Page not found</h1>",
        "<p>Sorry, the page you are looking for does not exist or has been moved.</p>",
        f"<p>{link(base, '/', 'Return to the homepage')}</p></main>",
        f"<footer><p>{esc(site.copyright)}</p></footer>",
    ]
    return document(site, head_html, "error404", lines)

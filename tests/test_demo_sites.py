"""The bundled fixture publishers, exercised over real HTTP with urllib."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
import trafilatura

from crawler.demo import DemoSites, FixtureArticle, render_article

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@dataclass(frozen=True)
class Fetched:
    """A response as a crawler would see it."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, method: str = "GET") -> Fetched:
    """Fetch a URL without raising on HTTP error statuses."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return Fetched(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers.items()), error.read())


class TextAndLinks(HTMLParser):
    """Visible text (scripts excluded), anchors and <meta>/<link> attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hrefs: list[str] = []
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.lang = ""
        self.in_script = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self.in_script += 1
        elif tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        elif tag == "html":
            self.lang = a.get("lang", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.in_script -= 1

    def handle_data(self, data: str) -> None:
        if not self.in_script:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def parse(page: str) -> TextAndLinks:
    parser = TextAndLinks()
    parser.feed(page)
    return parser


def articles_of(sites: DemoSites, publisher: str) -> list[FixtureArticle]:
    return [a for a in sites.articles() if a.publisher == publisher]


def listed_urls(sites: DemoSites, publisher: str) -> set[str]:
    """Every URL a publisher's feed, sitemap or section page should list."""
    paths = [a.path for a in articles_of(sites, publisher)]
    paths += [b.path for b in sites.broken() if b.publisher == publisher]
    return {sites.url(publisher, p) for p in paths}


def test_sources_one_entry_per_publisher(demo_sites: DemoSites) -> None:
    sources = demo_sites.sources
    assert len(sources) >= 4
    assert {s["kind"] for s in sources.values()} == {"feed", "sitemap", "page"}
    assert sources["neural-ledger"]["url"] == demo_sites.url("neural-ledger", "/feed/")
    assert sources["tensor-street"]["url"] == demo_sites.url("tensor-street", "/atom.xml")
    assert sources["compute-wire"]["url"] == demo_sites.url("compute-wire", "/news-sitemap.xml")
    assert sources["frontier-memo"]["url"] == demo_sites.url("frontier-memo", "/ai/")
    ports = {s["url"].split("/")[2] for s in sources.values()}
    assert len(ports) == len(sources)
    assert all(s["url"].startswith("http://127.0.0.1:") for s in sources.values())


def test_rss_feed_lists_every_item_once(demo_sites: DemoSites) -> None:
    response = fetch(demo_sites.sources["neural-ledger"]["url"])
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    channel = ElementTree.fromstring(response.body).find("channel")
    assert channel is not None
    items = channel.findall("item")
    links = [i.findtext("link") for i in items]
    assert len(links) == len(set(links))
    assert set(links) == listed_urls(demo_sites, "neural-ledger")
    assert all(i.findtext("title") and i.findtext("pubDate") for i in items)


def test_atom_feed_lists_every_entry_once(demo_sites: DemoSites) -> None:
    response = fetch(demo_sites.sources["tensor-street"]["url"])
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(response.body)
    entries = feed.findall("atom:entry", NS)
    links = [link.get("href") for e in entries for link in e.findall("atom:link", NS)]
    assert len(links) == len(set(links))
    assert set(links) == listed_urls(demo_sites, "tensor-street")
    assert all(e.findtext("atom:published", namespaces=NS) for e in entries)


def test_news_sitemap_has_news_fields(demo_sites: DemoSites) -> None:
    response = fetch(demo_sites.sources["compute-wire"]["url"])
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    urlset = ElementTree.fromstring(response.body)
    urls = urlset.findall("sm:url", NS)
    locs = [u.findtext("sm:loc", namespaces=NS) for u in urls]
    assert len(locs) == len(set(locs))
    assert set(locs) == listed_urls(demo_sites, "compute-wire")
    titles = {a.path: a.title for a in articles_of(demo_sites, "compute-wire")}
    for url in urls:
        news = url.find("news:news", NS)
        assert news is not None
        assert news.findtext("news:publication/news:name", namespaces=NS) == "Compute Wire"
        assert news.findtext("news:publication_date", namespaces=NS)
        loc = url.findtext("sm:loc", namespaces=NS) or ""
        path = "/" + loc.split("/", 3)[3]
        if path in titles:
            assert news.findtext("news:title", namespaces=NS) == titles[path]


def test_sitemap_index_points_to_news_sitemap(demo_sites: DemoSites) -> None:
    index = ElementTree.fromstring(fetch(demo_sites.url("compute-wire", "/sitemap.xml")).body)
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    locs = [s.findtext("sm:loc", namespaces=NS) for s in index.findall("sm:sitemap", NS)]
    assert locs == [demo_sites.sources["compute-wire"]["url"]]


def test_section_page_lists_articles_among_site_links(demo_sites: DemoSites) -> None:
    response = fetch(demo_sites.sources["frontier-memo"]["url"])
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    base = demo_sites.url("frontier-memo", "")
    hrefs = parse(response.text).hrefs
    listed = {h for h in hrefs if h.startswith(base + "p/")}
    assert listed == listed_urls(demo_sites, "frontier-memo")
    assert len(hrefs) - len(listed) >= 8  # nav, footer and logo links around the river


def test_json_feed_is_present(demo_sites: DemoSites) -> None:
    response = fetch(demo_sites.url("frontier-memo", "/feed.json"))
    assert response.headers["Content-Type"] == "application/feed+json; charset=utf-8"
    feed = json.loads(response.body)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert {i["url"] for i in feed["items"]} == listed_urls(demo_sites, "frontier-memo")


def test_every_article_is_served_with_its_content(demo_sites: DemoSites) -> None:
    for article in demo_sites.articles():
        url = demo_sites.url(article.publisher, article.path)
        response = fetch(url)
        assert response.status == 200, url
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert int(response.headers["Content-Length"]) == len(response.body)
        page = parse(response.text)
        assert article.title in page.text
        for paragraph in article.paragraphs:
            assert paragraph in page.text, (url, paragraph[:60])
        for snippet in article.boilerplate:
            assert snippet in page.text, (url, snippet)
        assert page.lang
        assert page.canonical == url
        assert page.meta["og:title"] == article.title
        assert page.meta["og:site_name"]
        assert page.meta["author"] == article.author
        assert page.meta["article:published_time"] == article.published
        assert "cookie" in page.text.lower()


def test_trafilatura_extracts_every_paragraph(demo_sites: DemoSites) -> None:
    for article in demo_sites.articles():
        url = demo_sites.url(article.publisher, article.path)
        text = trafilatura.extract(fetch(url).text, url=url) or ""
        for paragraph in article.paragraphs:
            assert paragraph in text, (url, paragraph[:60])


def test_articles_ground_truth_shape(demo_sites: DemoSites) -> None:
    articles = demo_sites.articles()
    assert 10 <= len(articles) <= 16
    assert len({(a.publisher, a.path) for a in articles}) == len(articles)
    for a in articles:
        words = sum(len(p.split()) for p in a.paragraphs)
        assert 350 <= words <= 900, (a.path, words)
        assert 5 <= len(a.paragraphs) <= 12
        published = datetime.fromisoformat(a.published)
        assert published.tzinfo is not None
        assert "2026-11-16" <= published.date().isoformat() <= "2026-11-21"
        assert len(a.boilerplate) >= 4
        for snippet in a.boilerplate:
            assert snippet not in a.title
            assert all(snippet not in p and p not in snippet for p in a.paragraphs), snippet
    assert [a.story for a in articles if not a.on_topic] == ["richmond-marathon"]


def test_each_publisher_has_a_distinct_template(demo_sites: DemoSites) -> None:
    markers = {
        "neural-ledger": ['<article id="post-', 'class="entry-content"', "Read more:"],
        "tensor-street": [
            'class="article-body"',
            '<main id="main-content">',
            "Also read:",
            '"NewsArticle"',
        ],
        "compute-wire": ['class="story-body"', "(Compute Wire) —", "Reporting by"],
        "frontier-memo": ["Key takeaways", "Loading Most Read articles...", "Related News"],
    }
    for publisher, needles in markers.items():
        article = articles_of(demo_sites, publisher)[0]
        page = fetch(demo_sites.url(publisher, article.path)).text
        for needle in needles:
            assert needle in page, (publisher, needle)
        others = [n for p, ns in markers.items() if p != publisher for n in ns[:2]]
        assert not any(n in page for n in others), publisher


def test_syndicated_copies_share_copy_group(demo_sites: DemoSites) -> None:
    groups: dict[str, list[FixtureArticle]] = defaultdict(list)
    for a in demo_sites.articles():
        groups[a.copy_group].append(a)
    copies = groups["helix-funding-wire"]
    assert {a.publisher for a in copies} == {"compute-wire", "neural-ledger", "tensor-street"}
    assert len({a.title for a in copies}) == 3
    original = next(a for a in copies if a.publisher == "compute-wire").paragraphs
    ledger = next(a for a in copies if a.publisher == "neural-ledger").paragraphs
    tensor = next(a for a in copies if a.publisher == "tensor-street").paragraphs
    assert ledger[1:] == original  # adds an intro line
    assert tensor == original[:-1]  # drops the last paragraph
    assert all(len(g) == 1 for k, g in groups.items() if k != "helix-funding-wire")


def shingles(paragraphs: tuple[str, ...], size: int = 5) -> set[tuple[str, ...]]:
    words = " ".join(paragraphs).lower().split()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_rewrite_shares_story_but_not_copy_group(demo_sites: DemoSites) -> None:
    story = [a for a in demo_sites.articles() if a.story == "helix-funding"]
    rewrite = [a for a in story if a.copy_group != "helix-funding-wire"]
    assert len(story) == 4
    assert len(rewrite) == 1
    assert rewrite[0].publisher == "frontier-memo"
    original = next(a for a in story if a.publisher == "compute-wire")
    a, b = shingles(original.paragraphs), shingles(rewrite[0].paragraphs)
    assert len(a & b) / len(a | b) < 0.05
    for fact in ("$640 million", "$4.1 billion", "Priya Raman", "Northgate", "Osprey"):
        assert fact in " ".join(rewrite[0].paragraphs)
    assert len({a.story for a in demo_sites.articles()}) == len(demo_sites.articles()) - 3


def test_broken_links(demo_sites: DemoSites) -> None:
    kinds = {b.kind: b for b in demo_sites.broken()}
    assert set(kinds) == {"missing", "error", "truncated", "binary", "private"}
    missing = fetch(demo_sites.url(kinds["missing"].publisher, kinds["missing"].path))
    assert missing.status == 404
    assert missing.headers["Content-Type"] == "text/html; charset=utf-8"
    assert fetch(demo_sites.url(kinds["error"].publisher, kinds["error"].path)).status == 500
    truncated = fetch(demo_sites.url(kinds["truncated"].publisher, kinds["truncated"].path))
    assert truncated.status == 200
    assert int(truncated.headers["Content-Length"]) == len(truncated.body)
    assert "</html>" not in truncated.text
    assert truncated.text.rfind("<") > truncated.text.rfind(">")  # ends inside a tag
    binary = fetch(demo_sites.url(kinds["binary"].publisher, kinds["binary"].path))
    assert binary.status == 200
    assert binary.headers["Content-Type"] == "image/png"
    assert binary.body.startswith(b"\x89PNG\r\n\x1a\n")
    paths = {(a.publisher, a.path) for a in demo_sites.articles()}
    assert not paths & {(b.publisher, b.path) for b in demo_sites.broken()}


def test_unknown_path_is_404_html(demo_sites: DemoSites) -> None:
    for publisher in demo_sites.sources:
        response = fetch(demo_sites.url(publisher, "/no/such/page?x=1"))
        assert response.status == 404
        assert "Page not found" in response.text


def test_robots_txt_everywhere_and_private_path_disallowed(demo_sites: DemoSites) -> None:
    for publisher in demo_sites.sources:
        response = fetch(demo_sites.url(publisher, "/robots.txt"))
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert "User-agent: *" in response.text
    private = next(b for b in demo_sites.broken() if b.kind == "private")
    robots = urllib.robotparser.RobotFileParser(demo_sites.url(private.publisher, "/robots.txt"))
    robots.read()
    assert not robots.can_fetch("newsfold", demo_sites.url(private.publisher, private.path))
    for a in demo_sites.articles():
        rules = urllib.robotparser.RobotFileParser(demo_sites.url(a.publisher, "/robots.txt"))
        rules.read()
        assert rules.can_fetch("newsfold", demo_sites.url(a.publisher, a.path))
    sitemap_line = f"Sitemap: {demo_sites.url('compute-wire', '/sitemap.xml')}"
    assert sitemap_line in fetch(demo_sites.url("compute-wire", "/robots.txt")).text


def test_request_counting(fresh_sites: DemoSites) -> None:
    article = articles_of(fresh_sites, "tensor-street")[0]
    assert fresh_sites.requests == {}
    fetch(fresh_sites.url("tensor-street", article.path))
    fetch(fresh_sites.url("tensor-street", article.path + "?utm_source=feed"))
    fetch(fresh_sites.url("tensor-street", article.path + "?utm_source=feed"), method="HEAD")
    fetch(fresh_sites.url("neural-ledger", "/missing"))
    counts = fresh_sites.requests
    assert counts[("tensor-street", article.path)] == 1
    assert counts[("tensor-street", article.path + "?utm_source=feed")] == 2
    assert counts[("neural-ledger", "/missing")] == 1
    assert sum(counts.values()) == 4
    fresh_sites.reset_requests()
    assert fresh_sites.requests == {}


def test_head_has_no_body(demo_sites: DemoSites) -> None:
    response = fetch(demo_sites.sources["neural-ledger"]["url"], method="HEAD")
    assert response.status == 200
    assert response.body == b""
    assert int(response.headers["Content-Length"]) > 0


def test_content_is_deterministic_across_instances(demo_sites: DemoSites) -> None:
    with DemoSites() as other:
        for a in demo_sites.articles()[:4]:
            first = fetch(demo_sites.url(a.publisher, a.path)).text
            second = fetch(other.url(a.publisher, a.path)).text
            mine, theirs = demo_sites.url(a.publisher, ""), other.url(a.publisher, "")
            assert first.replace(mine, "") == second.replace(theirs, "")
        assert other.articles() == demo_sites.articles()


def test_start_and_stop_are_fast() -> None:
    started = time.perf_counter()
    sites = DemoSites()
    sites.start()
    url = sites.sources["compute-wire"]["url"]
    assert fetch(url).status == 200
    sites.stop()
    assert time.perf_counter() - started < 1.0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)
    with pytest.raises(RuntimeError):
        _ = sites.sources


def test_render_article_wraps_arbitrary_text() -> None:
    paragraphs = [
        "Lumen Robotics said on Monday it had built a warehouse arm that learns new items in minutes.",
        "The company plans to ship the first units to logistics customers in the spring.",
    ]
    summary = "<ul><li>Lumen ships a self-teaching arm</li></ul>"
    for publisher in ("neural-ledger", "tensor-street", "compute-wire", "frontier-memo"):
        page = render_article(
            publisher,
            title="Lumen Robotics unveils a self-teaching warehouse arm",
            author="Jo Park",
            published="2026-11-18T09:00:00+00:00",
            paragraphs=paragraphs,
            extra_in_body=[summary],
        )
        text = parse(page).text
        assert "Lumen Robotics unveils a self-teaching warehouse arm" in text
        assert all(p in text for p in paragraphs)
        assert summary in page
        assert page.rstrip().endswith("</html>")
    plain = render_article(
        "neural-ledger",
        title="t",
        author="a",
        published="2026-11-18T09:00:00+00:00",
        paragraphs=paragraphs * 4,
        inline_boilerplate=False,
    )
    rich = render_article(
        "neural-ledger",
        title="t",
        author="a",
        published="2026-11-18T09:00:00+00:00",
        paragraphs=paragraphs * 4,
    )
    assert "Read more:" not in plain
    assert "Read more:" in rich
    wire = render_article(
        "compute-wire",
        title="t",
        author="a",
        published="2026-11-18T09:00:00+00:00",
        paragraphs=paragraphs,
    )
    assert "NEW YORK, Nov 18 (Compute Wire) —" in wire

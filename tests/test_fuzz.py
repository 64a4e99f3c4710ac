"""Fuzzing the readers of outside input: each input is read, or refused with its named error."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.loader import ConfigError, load_config
from crawler.sources.readers import MalformedSource, parse_feed, parse_sitemap, section_links

# Bounded for the test command; NEWSFOLD_FUZZ_EXAMPLES=5000 runs the same properties longer.
EXAMPLES = int(os.environ.get("NEWSFOLD_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

URLS = ["http://[0]/x", "https://a.test/", "//x", "javascript:alert(1)", "", " ", "http://[::1"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(URLS),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40).map(
    lambda s: s.replace("<", "&lt;").replace("&", "&amp;")
)
names = st.sampled_from(
    [
        "urlset",
        "sitemapindex",
        "url",
        "loc",
        "lastmod",
        "news:news",
        "news:title",
        "rss",
        "channel",
        "item",
        "link",
        "title",
        "pubDate",
        "feed",
        "entry",
        "x:y",
        "a-b",
        "svg",
    ]
)


@st.composite
def xml_documents(draw: st.DrawFn) -> bytes:
    """XML-ish documents of feed and sitemap parts, sometimes broken."""

    def element(depth: int) -> str:
        tag = draw(names)
        if depth > 2 or draw(st.booleans()):
            return f"<{tag}>{draw(xml_text)}</{tag}>"
        inner = "".join(element(depth + 1) for _ in range(draw(st.integers(0, 3))))
        return f"<{tag}>{inner}</{tag}>"

    doc = "<?xml version='1.0'?>" * draw(st.booleans()) + element(0)
    cut = draw(st.integers(0, len(doc)))
    return (doc if draw(st.booleans()) else doc[:cut]).encode("utf-8", "surrogatepass")


@st.composite
def json_feeds(draw: st.DrawFn) -> bytes:
    """JSON Feed documents whose items hold anything."""
    items = draw(
        st.lists(
            st.dictionaries(st.sampled_from(["url", "title", "date_published", "id"]), json_values),
            max_size=4,
        )
    )
    feed = draw(
        st.sampled_from(
            [
                {"version": "https://jsonfeed.org/version/1.1", "items": items},
                {"items": draw(json_values)},
                draw(json_values),
            ]
        )
    )
    return json.dumps(feed).encode()


@FUZZ
@given(
    body=st.one_of(xml_documents(), json_feeds(), st.binary(max_size=200)), json_type=st.booleans()
)
def test_a_feed_is_read_or_refused_as_malformed(body: bytes, json_type: bool) -> None:
    content_type = "application/feed+json" if json_type else "application/rss+xml"
    try:
        entries = parse_feed(body, "https://feeds.test/ai.xml", content_type)
    except MalformedSource:
        return
    assert all(isinstance(entry.url, str) and entry.url for entry in entries)


@FUZZ
@given(body=st.one_of(xml_documents(), st.binary(max_size=200)))
def test_a_sitemap_is_read_or_refused_as_malformed(body: bytes) -> None:
    try:
        _, entries = parse_sitemap(body)
    except MalformedSource:
        return
    assert all(isinstance(entry.url, str) for entry in entries)


@FUZZ
@given(
    base=st.sampled_from(["https://news.test/ai/", "http://[::1]:8080/s", "https://x.test"]),
    hrefs=st.lists(st.one_of(st.text(max_size=60), st.sampled_from(URLS)), max_size=8),
)
def test_section_links_never_raise(base: str, hrefs: list[str]) -> None:
    assert all(isinstance(link, str) for link in section_links(base, hrefs))


@st.composite
def html_documents(draw: st.DrawFn) -> bytes:
    """Pages of article parts, wrappers that are not HTML, and cut or binary bodies."""
    tags = ["p", "article", "div", "h1", "svg", "math", "script", "table", "li", "html", "body"]
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        tag = draw(st.sampled_from(tags))
        text = draw(
            st.sampled_from(["OpenAI trains a model on Nvidia GPUs, the lab said. " * 4, "x", ""])
        ) + draw(xml_text)
        parts.append(f"<{tag}>{text}</{tag}>")
    root = draw(st.sampled_from(["html", "svg", "math", "body", ""]))
    page = "".join(parts)
    page = f"<{root}>{page}</{root}>" if root else page
    if draw(st.booleans()):
        page = "<!doctype html>" + page
    encoded = page.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), "replace")
    return encoded[: draw(st.integers(0, len(encoded)))] if draw(st.booleans()) else encoded


@pytest.fixture(scope="module")
def extractor():  # type: ignore[no-untyped-def]
    from pipelines.extraction.extractor import Extractor

    return Extractor()


@FUZZ
@given(body=st.one_of(html_documents(), st.binary(max_size=300)))
def test_a_page_is_extracted_or_refused_with_a_reason(extractor, body: bytes) -> None:  # type: ignore[no-untyped-def]
    from pipelines.extraction.extractor import ExtractionError

    try:
        page = extractor.extract(body, "https://news.test/2026/12/story.html")
    except ExtractionError as exc:
        assert str(exc)
        return
    assert page.text


toml_values = st.one_of(
    st.integers(-5, 10**7).map(str),
    st.floats(-10, 1e6, allow_nan=False).map(repr),
    st.booleans().map(lambda b: str(b).lower()),
    st.text(max_size=20).map(json.dumps),
    st.sampled_from(
        ['"(["', '"https://x.test/feed"', '["127.0.0.0/8"]', '"61 * * * *"', "[1, 2]", '"off"']
    ),
)
config_keys = st.sampled_from(
    [
        "crawl.download_delay",
        "crawl.timeout",
        "crawl.user_agent",
        "crawl.allow_networks",
        "crawl.extract_workers",
        "fold.num_perm",
        "fold.bands",
        "relevance.threshold",
        "schedule.timezone",
        "schedule.groups.x",
        "sources.s.url",
        "sources.s.kind",
        "sources.s.url_pattern",
        "sources.s.max_articles",
        "clean.disabled_rules",
        "nosuch.key",
        "db",
    ]
)


@FUZZ
@given(pairs=st.lists(st.tuples(config_keys, toml_values), max_size=6), garbage=st.booleans())
def test_a_config_file_loads_or_is_refused_with_a_config_error(
    pairs: list[tuple[str, str]], garbage: bool
) -> None:
    tables: dict[str, list[str]] = {}
    for key, value in pairs:
        table, _, name = key.rpartition(".")
        tables.setdefault(table, []).append(f"{name} = {value}")
    text = "".join(
        (f"[{table}]\n" if table else "") + "\n".join(dict.fromkeys(lines)) + "\n"
        for table, lines in sorted(tables.items())
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.toml"
        path.write_text(text + ("[[[" if garbage else ""), encoding="utf-8")
        try:
            load_config(path, env={})
        except ConfigError as exc:
            assert str(exc)

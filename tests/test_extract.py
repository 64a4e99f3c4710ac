"""Extraction on bad input (never a crash: text decoded where the bytes allow, else a reason)
and the metadata checks (dates, authors, title)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from pipelines.extraction.decode import decode_html, repair_double_utf8
from pipelines.extraction.extractor import ExtractionError, Extractor
from pipelines.extraction.lines import body_lines
from pipelines.extraction.metadata import clean_authors, strip_site, valid_date

URL = "https://ledger.example/2026/11/helix-gpus"
STORY = [
    "Helix Labs said on Tuesday it had agreed to buy 24,000 GPUs for about €1.2 billion to train "
    "its next large language model, one of the biggest orders placed by a private lab this year.",
    "Chief executive Dana Okafor said the cluster, to be installed in a Reno datacenter, would let "
    "the company run training jobs ten times larger than today’s — and that hiring would double.",
    "Analysts at Brightwater Securities said the order showed that smaller labs could still secure "
    "accelerators despite the backlog at the largest chip makers, naming “sovereign” buyers first.",
]
GERMAN = (
    "Die Bundesregierung hat am Dienstag beschlossen, dass künftig mehr Geld in die Forschung "
    "fließt. „Wir müssen schneller werden“, sagte die Ministerin und verwies auf Größenvorteile."
)


def page(
    paragraphs: list[str] = STORY,
    head: str = "",
    charset: str = "utf-8",
    body_extra: str = "",
) -> str:
    """A small article page."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}">'
        f"<title>Helix Labs orders 24,000 GPUs | The Ledger</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>Helix Labs orders 24,000 GPUs</h1>"
        f"{body}{body_extra}</article><footer>© The Ledger</footer></body></html>"
    )


def extract(raw: bytes | str, **kwargs: object) -> str:
    """The extracted text of a page."""
    return Extractor(**kwargs).extract(raw, URL).text  # type: ignore[arg-type]


# ---- bad input


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty page"),
        (b" \n\t ", "empty page"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary content"),
        (page().encode()[:-400], "truncated HTML"),
        (b"<html><body><div>\n</div></body></html>", "no article text"),
    ],
)
def test_unusable_pages_give_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        extract(raw)


def test_cp1252_page_declared_utf8_is_decoded_right() -> None:
    raw = page([*STORY, GERMAN]).encode("cp1252")
    found = Extractor().extract(raw, URL)
    assert all(p in found.text for p in [*STORY, GERMAN])
    assert any("declared utf-8 but the bytes are not UTF-8" in n for n in found.notes)


def test_utf8_page_declared_cp1252_is_decoded_right() -> None:
    raw = page([*STORY, GERMAN], charset="windows-1252").encode("utf-8")
    found = Extractor().extract(raw, URL)
    assert all(p in found.text for p in [*STORY, GERMAN])
    assert any("the bytes are UTF-8" in n for n in found.notes)


def test_double_encoded_utf8_is_repaired() -> None:
    utf8 = page([*STORY, GERMAN]).encode("utf-8")
    # read as windows-1252 (Latin-1 for its five holes), then saved as UTF-8 again
    mojibake = "".join(
        bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
        for b in utf8
    )
    text = extract(mojibake.encode("utf-8"))
    assert all(p in text for p in [*STORY, GERMAN])


def test_mostly_utf8_page_with_stray_cp1252_bytes() -> None:
    raw = (
        page(STORY)
        .encode("utf-8")
        .replace(b"</article>", "<p>Ein “Zitat”.</p></article>".encode("cp1252"))
    )
    decoded = decode_html(raw)
    assert "Ein “Zitat”." in decoded.text and "€1.2 billion" in decoded.text
    assert any("stray non-UTF-8 bytes" in n for n in decoded.notes)


def test_legacy_encodings_are_told_apart() -> None:
    russian = "Правительство во вторник объявило об увеличении финансирования исследований."
    polish = "Rząd ogłosił we wtorek zwiększenie finansowania badań, wskazując na źródła."
    for text, encoding in ((russian, "cp1251"), (polish, "cp1250")):
        raw = f'<html><head><meta charset="utf-8"></head><body><p>{text}</p></body></html>'
        assert text in decode_html(raw.encode(encoding)).text


def test_repair_leaves_legitimate_text_alone() -> None:
    for text in ("Straße\u00ad und Maß“", "déterminé”\u00a0»", "Größe", "naïve café"):
        assert repair_double_utf8(text) == (text, 0)


def test_utf8_cut_inside_a_character_is_not_garbled() -> None:
    decoded = decode_html("<p>Größe €".encode()[:-1])
    assert decoded.text == "<p>Größe " and not decoded.notes


def test_page_of_ten_megabytes(tmp_path: object) -> None:
    padding = "<script>var cache = '" + "x" * 9_950_000 + "';</script>"
    raw = page(body_extra=padding).encode()
    assert len(raw) < 10_000_000
    assert all(p in extract(raw) for p in STORY)
    over = page(body_extra=padding + "<!--" + "y" * 500_000 + "-->").encode()
    with pytest.raises(ExtractionError, match="exceeds max_page_bytes 10000000"):
        extract(over)


def test_text_input_and_broken_markup_do_not_crash() -> None:
    broken = page().replace("</p>", "").replace("<article>", "<article><div><table><tr>")
    assert STORY[0] in extract(broken)
    assert STORY[0] in extract(page())


# ---- metadata


def test_metadata_from_meta_tags() -> None:
    head = (
        '<meta property="og:site_name" content="The Ledger">'
        '<meta name="author" content="By Jane Roe and John Poe">'
        '<meta property="article:published_time" content="2025-11-17T09:30:00+01:00">'
        '<meta property="article:modified_time" content="2025-11-18T10:00:00Z">'
        '<meta property="article:tag" content="GPUs"><meta property="article:tag" content="Helix">'
        '<meta property="og:image" content="/img/lead.jpg">'
        '<link rel="canonical" href="https://ledger.example/helix">'
    )
    found = Extractor().extract(page(head=head), URL)
    assert found.title == "Helix Labs orders 24,000 GPUs"
    assert found.authors == ["Jane Roe", "John Poe"]
    assert found.published == "2025-11-17T08:30:00+00:00"
    assert found.modified == "2025-11-18T10:00:00+00:00"
    assert (found.site, found.language, found.tags) == ("The Ledger", "en", ["GPUs", "Helix"])
    assert found.image == "https://ledger.example/img/lead.jpg"
    assert found.canonical_url == "https://ledger.example/helix"


def test_declared_url_is_canonical_then_og_url() -> None:
    og = '<meta property="og:url" content="https://e.org/og">'
    both = Extractor().extract(page(head=og + '<link rel="Canonical alternate" href="/c">'), URL)
    assert both.canonical_url == "https://ledger.example/c"
    assert Extractor().extract(page(head=og), URL).canonical_url == "https://e.org/og"
    assert Extractor().extract(page(), URL).canonical_url is None
    odd = '<link rel="canonical" href="javascript:void(0)">'
    assert Extractor().extract(page(head=odd), URL).canonical_url is None


def test_metadata_from_json_ld_people_not_organisations() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Helix Labs orders 24,000 GPUs",
                "author": [
                    {"@type": "Person", "name": "Jane Roe"},
                    {"@type": "Organization", "name": "The Ledger Staff"},
                ],
                "datePublished": "2025-11-17T09:30:00Z",
                "publisher": {"@type": "Organization", "name": "The Ledger"},
            }
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    found = Extractor().extract(page(head=head), URL)
    assert found.authors == ["Jane Roe"]
    assert found.published == "2025-11-17T09:30:00+00:00"
    assert found.site == "The Ledger"


@pytest.mark.parametrize(
    "value",
    [
        (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "1994-12-31T23:00:00+00:00",
        "0001-01-01",
        "not a date",
        "",
    ],
)
def test_future_and_pre_1995_dates_are_rejected(value: str) -> None:
    assert valid_date(value) is None
    head = f'<meta property="article:published_time" content="{value}">'
    assert Extractor().extract(page(head=head), URL).published is None


def test_valid_dates_are_kept_in_utc() -> None:
    assert valid_date("2019-11-18T09:00:00-05:00") == "2019-11-18T14:00:00+00:00"
    assert valid_date("1995-01-01") == "1995-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("By Jane Roe and John Poe", ["Jane Roe", "John Poe"]),
        ("Jane Roe; John Poe | Staff", ["Jane Roe", "John Poe"]),
        ("Von Roland Brockmann und Sebastian Drescher", ["Roland Brockmann", "Sebastian Drescher"]),
        ("Jane Roe, Jr. (Reuters)", ["Jane Roe, Jr"]),
        ("https://ledger.example/staff/jane", []),
        ("Posted by", []),
        ("Jane Roe, Jane Roe", ["Jane Roe"]),
    ],
)
def test_authors_are_split_and_cleaned(value: str, names: list[str]) -> None:
    assert clean_authors([value]) == names


@pytest.mark.parametrize(
    ("title", "site", "headline"),
    [
        ("Helix Labs orders GPUs | The Ledger", "The Ledger", "Helix Labs orders GPUs"),
        ("The Ledger - Helix Labs orders GPUs", "The Ledger", "Helix Labs orders GPUs"),
        ("Helix Labs orders GPUs", "The Ledger", "Helix Labs orders GPUs"),
    ],
)
def test_site_name_is_cut_from_the_title(title: str, site: str, headline: str) -> None:
    assert strip_site(title, site) == headline


# ---- what the page's markup says


def test_summary_box_is_removed_before_extraction_and_recorded() -> None:
    box = '<ul class="key-takeaways"><li>Helix buys GPUs.</li><li>Hiring doubles.</li></ul>'
    raw = page(body_extra=box)
    found = Extractor().extract(raw, URL)
    assert "Hiring doubles." not in found.text
    assert found.removals == [{"rule": "summary-list", "text": "Helix buys GPUs. Hiring doubles."}]
    kept = Extractor(disabled=frozenset({"summary-list"})).extract(raw, URL)
    assert "Hiring doubles." in kept.text and not kept.removals


def test_quoted_social_posts_are_kept() -> None:
    post = (
        '<div class="social-media-embed"><blockquote class="twitter-tweet"><p>The cluster is '
        "live and training has started on all 24,000 GPUs this morning.</p>&mdash; Helix Labs "
        "(@helixlabs) November 17, 2025</blockquote></div>"
    )
    text = extract(page([STORY[0], STORY[1]], body_extra=post + f"<p>{STORY[2]}</p>"))
    assert "training has started on all 24,000 GPUs" in text


def test_json_ld_article_body_stands_in_when_the_page_shows_no_text() -> None:
    data = {"@type": "NewsArticle", "articleBody": " ".join(STORY)}
    raw = (
        '<html><head><script type="application/ld+json">'
        f"{json.dumps(data)}</script></head><body><div id='app'></div></body></html>"
    )
    assert STORY[0] in extract(raw)


def test_parsed_tree_reads_as_trafilatura_reads_it() -> None:
    """Pages parse like trafilatura's ``load_html``, with one element class chosen in C."""
    import trafilatura
    from lxml.html import HtmlElement
    from trafilatura.utils import load_html

    from pipelines.extraction.extractor import parse_html

    html = page(body_extra='<form><input name="q"><select><option>x</option></select></form>')
    declared = '<?xml version="1.0" encoding="utf-8"?>\n' + html  # lxml refuses it as a string
    for text in (html, declared):
        tree = parse_html(text)
        assert tree is not None
        assert {type(element) for element in tree.iter()} == {HtmlElement}
        ours = trafilatura.extract(tree, include_links=True)
        assert ours is not None and STORY[0] in ours
        assert ours == trafilatura.extract(load_html(text), include_links=True)
    assert parse_html("just some words, not a page") is None


def test_utf8_bytes_parse_to_the_tree_their_text_parses_to() -> None:
    """Served UTF-8 is parsed as bytes, to the same tree as the decoded and repaired text."""
    from lxml import etree

    from pipelines.extraction.extractor import parse_html

    xhtml = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="de" lang="de">'
        "<head><title>Größe</title></head><body><p>Größe: 5 €</p></body></html>"
    )
    pages = {
        "xhtml doctype": xhtml,
        "doctype, one line": xhtml.replace("\n", " "),
        "control characters": page(body_extra="<p>bell\x07 and form\x0cfeed</p>"),
        "non-characters": page(body_extra="<p>odd \ufffe mark</p>"),
        "self-closing html": '<html lang="en"/>\n' + page(),
        "not a page": "just some words, not a page",
        "plain": page(body_extra="<p>Zürich, 東京, العربية</p>"),
    }
    for name, text in pages.items():
        decoded = decode_html(text.encode("utf-8"))
        assert decoded.utf8 is not None, name
        expected, got = parse_html(decoded.text), parse_html(decoded.text, decoded.utf8)
        if expected is None:
            assert got is None, name
            continue
        assert got is not None, name
        assert etree.tostring(got) == etree.tostring(expected), name
    assert "Zürich, 東京" in got.text_content()  # read as UTF-8
    assert decode_html("Ã©t\u00e9".encode()).utf8 is None  # repaired text: parsed as text


# ---- lines


def test_paragraph_cut_at_a_link_is_joined_back() -> None:
    # trafilatura keeps each link of text typed between <br>s as a paragraph of its own
    body = etree.fromstring(
        "<body><p>Just months after the last i9</p>"
        '<p><ref target="/t">MacBook Pro</ref>was released, Apple unveiled a larger one.</p>'
        "<p>Details are in this</p><p><ref target='/d'>deal roundup</ref>.</p></body>"
    )
    lines = body_lines(body)
    assert [line.text for line in lines] == [
        "Just months after the last i9 MacBook Pro was released, Apple unveiled a larger one.",
        "Details are in this deal roundup.",
    ]
    assert 0 < lines[0].links < 0.5


def test_link_paragraphs_after_a_sentence_or_a_label_stay_lines() -> None:
    body = etree.fromstring(
        "<body><p>Helix Labs raised $400 million on Tuesday.</p>"
        '<p><ref target="/a">Five startups to watch this winter</ref></p>'
        "<p>Tags</p><p><ref target='/t1'>chips</ref>, <ref target='/t2'>funding</ref></p>"
        "<p>See the whole list of our sources</p><p><ref target='/s'>here</ref></p></body>"
    )
    assert [line.text for line in body_lines(body)] == [
        "Helix Labs raised $400 million on Tuesday.",
        "Five startups to watch this winter",
        "Tags",
        "chips, funding",
        "See the whole list of our sources",
        "here",
    ]


def test_cut_paragraph_is_joined_in_a_real_extraction() -> None:
    prose = (
        "Just months after the last i9 <a href='/topic/macbook'>MacBook Pro</a> was released, "
        "Apple has unveiled its 16-inch model, and the surface changes are not even obvious."
    )
    later = "The keyboard is the biggest change, and it is enough to convince those waiting. " * 3
    raw = page(STORY, body_extra=f"<div><img src='a.jpg'><br><br>{prose}<br><br>{later}</div>")
    assert "last i9 MacBook Pro was released, Apple" in extract(raw)


def test_lines_are_in_composed_unicode() -> None:
    decomposed = "Cafe\u0301 owners in Ko\u0308ln"
    body = etree.fromstring(f"<body><p>{decomposed}</p></body>")
    assert body_lines(body)[0].text == "Café owners in Köln"
    assert body_lines(body)[0].text != decomposed

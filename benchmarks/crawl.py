"""Crawl benchmark: bare Scrapy and bare trafilatura against newsfold end to end.

Usage: ``python benchmarks/crawl.py [--pages N | --quick] [--real | --padding scripts|markup]
[--repeat R] [--json OUT]``. ``--padding markup`` fills half of each generated page's padding
with grids of story cards instead of scripts (bare trafilatura works ~2.5x longer on them).
With ``--real`` the pages are the extraction benchmarks' published pages from
``../shared/benchdata`` (AEB then trafilatura-eval, 1,171 in all or the first N), served as
published, bytes and charset untouched; each must end as a sighting or a recorded failure.

One run generates N synthetic ~100 KB news pages (seeded: the same N gives the same bytes;
every 20th page is a syndicated copy of an earlier one), serves them from a separate
process on 127.0.0.1 (``ThreadingHTTPServer``, HTTP/1.1 keep-alive, responses pre-rendered
in memory; ``/feed.xml`` lists every page, ``/empty.xml`` none, ``/robots.txt`` allows all)
and measures, each in a fresh subprocess:

- ``scrapy fetch-only``: a spider that requests every page and does nothing with it, with
  newsfold's concurrency settings and reactor (telnet and remote-control extensions off);
- ``trafilatura.extract`` with default settings, and with ``with_metadata=True``, one
  process, over the same bodies decoded to ``str`` (as Scrapy hands them to newsfold);
- ``scrapy + trafilatura in callback``: the fetch-only spider calling ``trafilatura.extract``
  on each response on the reactor thread, the naive design the issue measured (~0.8x of bare
  trafilatura there): what fetching costs on top of extraction on these pages;
- ``newsfold run`` (fetch, extract, clean, fold, store; relevance off) with
  ``crawl.extract_workers`` = 1 (inline) and = 0 (one worker per core).

newsfold rows report the crawl part only: the wall time of the N-page run minus the wall
time of the same command over an empty feed (start-up, shown separately). The Scrapy row
is timed inside its child around ``CrawlerProcess.start()``, minus the same over no URLs.
Peak RSS is sampled every 50 ms from ``/proc`` over the whole process tree (the command,
its pool workers and any helper process): the figure is the largest sum seen; each
process's own peak (VmHWM) and CPU time are recorded too. ``CPU ms/page`` is the CPU time of
the whole tree for the crawl part (start-up run subtracted) per page: unlike wall time it
holds when other work shares the machine, which the report flags from the load average.
With ``--repeat R`` the rows run in R rounds (every row once per round), so a host whose speed
drifts during the run slows every row alike; each row shows its median round, and a target is
the median of the rounds' own newsfold/trafilatura ratios.
After each newsfold run the SQLite store is checked: it must hold one sighting per page and
one article per page that is not a copy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAGES = 2000
QUICK_PAGES = 200
SEED = 20250601
COPY_EVERY = 20  # page i is a syndicated copy when i % COPY_EVERY == COPY_EVERY - 1
PAGE_BYTES = (90_000, 110_000)
BASE_TOKEN = "__NEWSFOLD_BENCH_BASE__"
EPOCH = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
SAMPLE_S = 0.05
SYSTEM_SUFFIX = "_system"  # key of a newsfold row run without the preload, beside the one with it
BUSY_LOAD = 0.5
TARGETS: Mapping[str, float] = MappingProxyType(
    {"workers1_vs_trafilatura": 0.8, "auto_vs_trafilatura": 1.5}
)
CHILD = "import sys; sys.path.insert(0, {root!r}); from benchmarks import crawl; crawl.{func}(*sys.argv[1:])"

# ---- vocabulary of the synthetic pages

_PREFIXES = """Neo Quant Veri Luma Strata Axi Cere Hyper Onto Syn Tensor Vector Deep Mira Nova
Helio Cogni Para Xeno Aether Kairo Lyra Orbi Prisma Sigma Terra Umbra Zeta Arbor Cobalt Delta
Echo Fjord Gala Ion Juno Kestrel Lumen Nimbus Opal""".split()
_SUFFIXES = (
    "tics mind lab forge scale wave core loop grid sense path flow netics ware stack shift".split()
)
_KINDS = ["AI", "Labs", "Systems", "Robotics", "Compute", "Research", "Dynamics", "Technologies"]
_FIRST = """Amara Bastien Chen Dalia Emeka Farah Gideon Hana Ilya Jonas Keiko Lars Mei Nadia Omar
Priya Quentin Rosa Sanjay Tomasz Uma Viktor Wen Ximena Yusuf Zofia Aiko Bruno Camille Dev
Elena Felix Greta Hugo Ines Jamal Kira Leon Maya Nico""".split()
_LAST = """Okafor Lindqvist Tanaka Moreau Haddad Kowalski Ferreira Nakamura Osei Petrov Quispe
Rahman Schulz Takahashi Umarov Varga Watanabe Xu Yilmaz Zhang Abara Brennan Castillo Duarte
Eriksen Fontaine Gallagher Hoffmann Ivanova Jensen Kaur Lopez Mensah Novak Ortega Park""".split()
_ROLES = """chief executive|chief technology officer|head of research|chief scientist|general
counsel|head of policy|vice president of engineering|chief financial officer|co-founder|head
of safety|principal analyst|research director|chief operating officer|head of infrastructure""".replace(
    "\n", " "
).split("|")
_MODELS = """Falcon Orion Atlas Cobalt Heron Lynx Mistral Nimbus Quasar Raven Sable Titan Umber
Vega Wren Zephyr Aurora Borealis Cinder Drift Ember Fable Glacier Harbor""".split()
_CITIES = """San Francisco|London|Paris|Toronto|Seoul|Bangalore|Berlin|Singapore|Tel Aviv|Austin|
Zurich|Tokyo|Montreal|Stockholm|Dublin|Shenzhen|Boston|Seattle|Abu Dhabi|Amsterdam""".replace(
    "\n", ""
).split("|")
_ADJ = """sparse multimodal agentic distilled quantised open-weight proprietary federated
low-latency energy-hungry memory-bound retrieval-augmented instruction-tuned on-device
frontier-scale compact auditable synthetic domain-specific multilingual reasoning-focused
cost-efficient liquid-cooled sovereign vertically-integrated modular experimental
production-grade regulated benchmark-topping overlooked contested ambitious cautious
aggressive incremental sprawling lean fragile resilient opaque transparent""".split()
_NOUNS = """inference cluster|training run|evaluation suite|data pipeline|GPU allocation|safety
framework|licensing deal|chip supply|model card|red-teaming exercise|token budget|context
window|fine-tuning service|developer platform|compute contract|datacenter campus|power
agreement|research preview|open-source release|usage policy|pricing tier|benchmark
result|labelling workforce|robotics platform|speech model|vision encoder|coding assistant|
enterprise rollout|cloud partnership|export licence|antitrust inquiry|funding round|hiring
freeze|talent war|model registry|audit trail|procurement process|inference chip|interconnect
fabric|cooling system|grid connection|copyright lawsuit|data-sharing agreement|compliance
review|sandbox programme|incident report|watermarking scheme|latency target|throughput
figure""".replace("\n", " ").split("|")
_VERBS = """expanded|delayed|unveiled|scrapped|doubled|trimmed|audited|licensed|rebuilt|
benchmarked|open-sourced|paused|accelerated|restructured|priced|shipped|tested|defended|
questioned|overhauled|quietly extended|publicly criticised|aggressively marketed|
reluctantly approved|formally announced|partially rolled back""".replace("\n", "").split("|")
_REGULATORS = """the European Commission|the Federal Trade Commission|Britain's Competition and
Markets Authority|Japan's Fair Trade Commission|the U.S. Commerce Department|Korea's science
ministry|India's IT ministry|the California Privacy Protection Agency|Ireland's Data
Protection Commission|Singapore's IMDA""".replace("\n", " ").split("|")
_TEMPLATES = (
    "{co} {verb} its {adj} {noun} on {day}, {person}, its {role}, said in {city}.",
    "The {noun}, which {co2} first described in {month}, now runs on {gpus} {chip} chips.",
    "{person} told reporters that the {adj} {noun} would cost roughly {money} over {years} years.",
    "Analysts at {co2} estimate that {pct} of {co}'s {noun} traffic comes from {adj} customers.",
    "{regulator} has asked {co} to explain how its {model} model handles {adj} requests.",
    "In a memo seen by this publication, {person} described the {noun} as {adj} but {adj2}.",
    "Shares of {co2} rose {pct_small} after the {noun} was {verb} late on {day}.",
    "{co} says {model} {version} scores {score} on its internal {noun} benchmark, up from {score2}.",
    "Engineers in {city} spent {weeks} weeks moving the {noun} onto {adj} hardware.",
    "Critics, including {person2}, argue the {adj} {noun} leaves {co} exposed to {regulator}.",
    "{co2} and {co} signed a {money} {noun} that runs until {year}.",
    "The startup employs about {staff} people and last raised {money} at a {valuation} valuation.",
    "Early testers said {model} handled {adj} prompts well but struggled with {adj2} ones.",
    "According to filings, {co} spent {money} on {noun} work in the {quarter} quarter alone.",
    "{person} joined {co} from {co2} in {month}, bringing a team of {team} researchers along.",
    "Why it matters: a {adj} {noun} could reshape how {co2} prices its {noun2}.",
    "{co}'s {noun} will first reach customers in {city}, with {city2} to follow by {month}.",
    "The company declined to say how many {chip} units the {noun} uses, citing {adj} contracts.",
    "Internal documents show the {noun2} was {verb} {times} times before launch.",
    "{person2}, a former {role} at {co2}, called the move {adj} and {adj2}.",
    "Power for the {noun} comes from a {megawatts} megawatt deal signed near {city}.",
    "{co} has not {verb} the {noun2}, a spokesperson for the company said on {day}.",
    "Developers will pay {price} per million tokens for {model} {version}, {co} said.",
    "Last {month}, {regulator} opened an inquiry into the {adj} {noun} at {co2}.",
    "{co} trained {model} on {tokens} trillion tokens across {gpus} accelerators in {city}.",
    "One investor in {co2}, speaking on condition of anonymity, called the {noun} {adj}.",
    "The {adj} {noun2} is expected to be {verb} before the {quarter} quarter ends.",
    "{person} wrote on {day} that {co} would keep its {noun} {adj} for now.",
)
_HEADLINES = (
    "{co} {verb} {adj} {noun} as {co2} pushes into {city}",
    "{person} on why {co}'s {model} {version} {verb} its {noun}",
    "{regulator} scrutinises {co} over {adj} {noun}",
    "{co2} bets {money} on a {adj} {noun}",
    "Inside {co}'s {adj} push to build a {noun} in {city}",
)
_COMMENT_BITS = """Great reporting as always|This is the third time this year|Not convinced the
numbers add up|Who is actually paying for all that compute|Source please|The real story here
is the power bill|I worked on something similar and it never shipped|Hype cycle, again|Would
love a follow-up on the licensing terms|Regulators are years behind|This aged well|Curious what
the benchmark methodology was|Open weights or it did not happen|So much for the safety
pledges|Good luck getting GPUs in this market""".replace("\n", " ").split("|")
_CHIPS = ("H100", "H200", "B200", "MI300X", "TPU v5p", "Gaudi 3", "Trainium2")
_SECTIONS = """AI|Chips|Policy|Startups|Research|Enterprise|Cloud|Robotics|Funding|Security|
Open Source|Energy|Opinion|Podcasts|Events|Newsletters|Jobs|Video|Data|Europe|Asia|Markets""".replace(
    "\n", ""
).split("|")


# ---- page generation


@dataclass(frozen=True)
class SitePage:
    """One generated page: where it is served, its HTML and what it is a copy of."""

    index: int
    path: str
    title: str
    published: str
    html: str
    copy_of: int | None = None


def company(rng: random.Random) -> str:
    """An invented AI company name."""
    return f"{rng.choice(_PREFIXES)}{rng.choice(_SUFFIXES)} {rng.choice(_KINDS)}"


def person(rng: random.Random) -> str:
    """An invented full name."""
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _when(rng: random.Random) -> datetime:
    """A date in the year before the benchmark's epoch."""
    return EPOCH - timedelta(days=rng.randint(0, 400))


SlotMaker = Callable[[random.Random, dict[str, list[str]]], str]
_SLOTS: Mapping[str, SlotMaker] = MappingProxyType(
    {
        "co": lambda rng, cast: rng.choice(cast["co"]),
        "co2": lambda rng, cast: rng.choice(cast["co"]),
        "person": lambda rng, cast: rng.choice(cast["person"]),
        "person2": lambda rng, cast: rng.choice(cast["person"]),
        "role": lambda rng, _: rng.choice(_ROLES),
        "model": lambda rng, cast: rng.choice(cast["model"]),
        "version": lambda rng, _: f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",
        "city": lambda rng, _: rng.choice(_CITIES),
        "city2": lambda rng, _: rng.choice(_CITIES),
        "adj": lambda rng, cast: rng.choice(cast["adj"]),
        "adj2": lambda rng, _: rng.choice(_ADJ),
        "noun": lambda rng, cast: rng.choice(cast["noun"]),
        "noun2": lambda rng, _: rng.choice(_NOUNS),
        "verb": lambda rng, _: rng.choice(_VERBS),
        "regulator": lambda rng, _: rng.choice(_REGULATORS),
        "day": lambda rng, _: _when(rng).strftime("%A"),
        "month": lambda rng, _: _when(rng).strftime("%B"),
        "year": lambda rng, _: str(rng.randint(2026, 2034)),
        "quarter": lambda rng, _: rng.choice(["first", "second", "third", "fourth"]),
        "money": lambda rng, _: (
            f"${rng.randint(2, 980)}{rng.choice(['m', ' million', 'bn', ' billion'])}"
        ),
        "valuation": lambda rng, _: f"${rng.randint(1, 400)}bn",
        "price": lambda rng, _: f"${rng.randint(1, 60)}.{rng.randint(0, 99):02d}",
        "pct": lambda rng, _: f"{rng.randint(3, 92)}%",
        "pct_small": lambda rng, _: f"{rng.randint(1, 19)}.{rng.randint(0, 9)}%",
        "gpus": lambda rng, _: f"{rng.randint(1, 99) * 1024:,}",
        "chip": lambda rng, _: rng.choice(_CHIPS),
        "score": lambda rng, _: f"{rng.randint(40, 97)}.{rng.randint(0, 9)}",
        "score2": lambda rng, _: f"{rng.randint(20, 80)}.{rng.randint(0, 9)}",
        "years": lambda rng, _: str(rng.randint(2, 12)),
        "weeks": lambda rng, _: str(rng.randint(2, 40)),
        "staff": lambda rng, _: f"{rng.randint(12, 4800):,}",
        "team": lambda rng, _: str(rng.randint(3, 60)),
        "times": lambda rng, _: str(rng.randint(2, 14)),
        "megawatts": lambda rng, _: str(rng.randint(20, 2000)),
        "tokens": lambda rng, _: str(rng.randint(2, 40)),
    }
)
_ARTICLE_A = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")


class Slots(dict[str, str]):
    """Template slot values, each drawn from a page's cast when a template first asks for it."""

    def __init__(self, rng: random.Random, cast: dict[str, list[str]]) -> None:
        super().__init__()
        self.rng, self.cast = rng, cast

    def __missing__(self, key: str) -> str:
        """Draw the slot's value on first use."""
        value = self[key] = _SLOTS[key](self.rng, self.cast)
        return value


def fill(rng: random.Random, cast: dict[str, list[str]], templates: Sequence[str]) -> str:
    """One template, chosen at random, filled from the cast (with 'a' before a vowel fixed)."""
    text = rng.choice(templates).format_map(Slots(rng, cast))
    return _ARTICLE_A.sub(r"\1n ", text[0].upper() + text[1:])


def page_cast(rng: random.Random) -> dict[str, list[str]]:
    """The companies, people, models and vocabulary one story draws on."""
    return {
        "co": [company(rng) for _ in range(4)],
        "person": [person(rng) for _ in range(4)],
        "model": rng.sample(_MODELS, 3),
        "adj": rng.sample(_ADJ, 10),
        "noun": rng.sample(_NOUNS, 8),
    }


def article(seed: int, index: int) -> tuple[str, list[list[str]], str]:
    """(headline, paragraphs of sentences, author) of one original story."""
    rng = random.Random(seed * 1_000_003 + index)
    cast = page_cast(rng)
    title = fill(rng, cast, _HEADLINES)
    target = rng.randint(600, 1200)
    paragraphs: list[list[str]] = []
    words = 0
    while words < target:
        para = [fill(rng, cast, _TEMPLATES) for _ in range(rng.randint(2, 5))]
        words += sum(len(s.split()) for s in para)
        paragraphs.append(para)
    return title, paragraphs, rng.choice(cast["person"])


def published_at(index: int) -> datetime:
    """When page ``index`` was published: one every 37 minutes, newest last."""
    return EPOCH + timedelta(minutes=37 * index)


def copy_source(seed: int, index: int) -> int | None:
    """The original that page ``index`` syndicates, or None for an original page."""
    if index % COPY_EVERY != COPY_EVERY - 1:
        return None
    rng = random.Random(seed * 7_919 + index)
    while True:
        source = rng.randrange(index)
        if source % COPY_EVERY != COPY_EVERY - 1:
            return source


@dataclass(frozen=True)
class Chrome:
    """Site furniture the pages draw from: link lists, teasers, styles and scripts."""

    links: tuple[str, ...]
    teasers: tuple[str, ...]
    css_rules: tuple[str, ...]
    js_functions: tuple[str, ...]


def build_chrome(seed: int) -> Chrome:
    """A pool of furniture shared by all pages of a run, as one publisher's template would be."""
    rng = random.Random(seed)
    links = tuple(link(rng, fill(rng, page_cast(rng), _HEADLINES)) for _ in range(3000))
    teasers = tuple(fill(rng, page_cast(rng), _TEMPLATES) for _ in range(1500))
    css = tuple(css_rule(rng, i) for i in range(2000))
    js = tuple(js_function(rng) for _ in range(3000))
    return Chrome(links, teasers, css, js)


def generate_pages(count: int, seed: int = SEED, padding: str = "scripts") -> list[SitePage]:
    """The benchmark's pages; page ``i`` does not depend on ``count``."""
    chrome = build_chrome(seed)
    return [make_page(seed, index, chrome, padding) for index in range(count)]


def make_page(seed: int, index: int, chrome: Chrome, padding: str = "scripts") -> SitePage:
    """One page: chrome drawn for this page around its story (or the story it copies)."""
    source = copy_source(seed, index)
    title, paragraphs, author = article(seed, index if source is None else source)
    rng = random.Random(seed * 104_729 + index)
    when = published_at(index)
    slug = "-".join(w.strip(",.'$").lower() for w in title.split()[:8])
    folder = "wire" if source is not None else when.strftime("%Y/%m/%d")
    path = f"/{folder}/{slug}-{index:05d}.html"
    story = Story(title, paragraphs, author, when, source is not None)
    html = render_page(rng, chrome, path, story, padding)
    return SitePage(index, path, title, when.isoformat(), html, source)


@dataclass(frozen=True)
class Story:
    """What a page says: the article and how it was published."""

    title: str
    paragraphs: list[list[str]]
    author: str
    when: datetime
    syndicated: bool


def render_page(
    rng: random.Random, chrome: Chrome, path: str, story: Story, padding: str = "scripts"
) -> str:
    """A full news page around an article body, padded to ~100 KB with scripts or, with
    ``padding="markup"``, half with grids of story cards, as on a section front's river."""
    site = company(rng).split()[0] + (" Wire" if story.syndicated else " Daily")
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{story.title} | {site}</title>\n",
        head_meta(path, story, site),
        "<style>\n"
        + "\n".join(rng.sample(chrome.css_rules, rng.randint(120, 180)))
        + "\n</style>\n",
        '</head>\n<body class="article-page">\n',
        nav_html(rng, chrome, site),
        '<div class="layout"><main id="content">\n',
        article_html(rng, story),
        related_html(rng, chrome, "Related stories", 8),
        comments_html(rng),
        "</main>\n",
        sidebar_html(rng, chrome),
        "</div>\n",
        footer_html(rng, site),
    ]
    size = sum(len(p) for p in parts) + 20
    filler = max(2_000, rng.randint(*PAGE_BYTES) - size)
    if padding == "markup":
        river = story_river(rng, chrome, filler // 2)
        parts.insert(-1, river)  # before the footer
        filler = max(2_000, filler - len(river))
    parts.append(script_blocks(rng, chrome, filler))
    parts.append("</body></html>\n")
    return "".join(parts)


def head_meta(path: str, story: Story, site: str) -> str:
    """Meta tags and JSON-LD as news sites publish them."""
    url = f"{BASE_TOKEN}{path}"
    stamp = story.when.isoformat()
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": stamp,
        "author": {"@type": "Person", "name": story.author},
        "publisher": {"@type": "Organization", "name": site},
        "mainEntityOfPage": url,
    }
    return (
        f'<link rel="canonical" href="{url}">\n'
        f'<meta name="description" content="{story.title}.">\n'
        f'<meta name="author" content="{story.author}">\n'
        f'<meta property="og:title" content="{story.title}">\n'
        f'<meta property="og:site_name" content="{site}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="article:published_time" content="{stamp}">\n'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>\n'
    )


def css_rule(rng: random.Random, number: int) -> str:
    """One generated stylesheet rule."""
    name = f"{rng.choice(['c', 'nav', 'card', 'grid', 'ad', 'btn', 'hdr'])}-{number:x}"
    return (
        f".{name}{{margin:{rng.randint(0, 32)}px {rng.randint(0, 32)}px;"
        f"color:#{rng.randrange(0xFFFFFF):06x};font-size:{rng.randint(10, 28)}px;"
        f"display:{rng.choice(['flex', 'block', 'grid', 'inline-block'])}}}"
    )


def link(rng: random.Random, text: str) -> str:
    """An anchor to some other story on the site."""
    slug = "-".join(text.lower().split()[:6]).replace("'", "").replace("$", "")
    number = rng.randint(10_000, 99_999)
    return f'<a href="/{rng.randint(2023, 2025)}/{slug}-{number}.html">{text}</a>'


def nav_html(rng: random.Random, chrome: Chrome, site: str) -> str:
    """Header, navigation menus and breadcrumb."""
    items = "".join(
        f'<li class="nav-item"><a href="/section/{s.lower().replace(" ", "-")}">{s}</a></li>'
        for s in rng.sample(_SECTIONS, len(_SECTIONS))
    )
    trending = "".join(f"<li>{a}</li>" for a in rng.sample(chrome.links, 6))
    return (
        f'<header class="site-header"><a class="logo" href="/">{site}</a>'
        '<button class="menu-toggle" aria-label="Menu">Menu</button>'
        f'<nav class="primary"><ul>{items}</ul></nav>'
        f'<div class="trending"><span>Trending</span><ul>{trending}</ul></div>'
        '<div class="account"><a href="/login">Sign in</a><a href="/subscribe">Subscribe</a></div>'
        "</header>\n"
        '<nav class="breadcrumb"><a href="/">Home</a> › <a href="/section/ai">AI</a></nav>\n'
    )


def article_html(rng: random.Random, story: Story) -> str:
    """The article: headline, byline, figure, paragraphs with subheads, tags."""
    author_slug = story.author.lower().replace(" ", "-")
    out = [
        f'<article class="story"><h1 class="headline">{story.title}</h1>',
        f'<div class="byline">By <a rel="author" href="/authors/{author_slug}">{story.author}</a>'
        f' · <time datetime="{story.when.isoformat()}">{story.when:%B %d, %Y}</time></div>',
        f'<figure><img src="/img/{rng.randint(1, 10**9)}.jpg" alt="">'
        f"<figcaption>Photo: {person(rng)} / agency</figcaption></figure>",
        '<div class="article-body">',
    ]
    for number, para in enumerate(story.paragraphs):
        if number and number % 4 == 0:
            out.append(f"<h2>{para[0].split(',')[0].rstrip('.')}</h2>")
        out.append(f"<p>{' '.join(para)}</p>")
        if number == 2:
            slot = rng.randint(1, 999)
            out.append(f'<div class="inline-ad" data-slot="{slot}">Advertisement</div>')
    tags = "".join(f'<a href="/tag/{t}">{t}</a>' for t in rng.sample(_ADJ, 4))
    out.append(f'</div><div class="tags">{tags}</div></article>\n')
    return "".join(out)


def related_html(rng: random.Random, chrome: Chrome, heading: str, count: int) -> str:
    """A list of links to other stories with teasers."""
    items = "".join(
        f'<li class="card">{a}<p class="teaser">{t}</p></li>'
        for a, t in zip(
            rng.sample(chrome.links, count), rng.sample(chrome.teasers, count), strict=True
        )
    )
    return f'<section class="related"><h3>{heading}</h3><ul>{items}</ul></section>\n'


def comments_html(rng: random.Random) -> str:
    """A reader-comments block."""
    comments = []
    for _ in range(rng.randint(4, 14)):
        text = ". ".join(rng.sample(_COMMENT_BITS, rng.randint(1, 3))) + "."
        user = f"{rng.choice(_FIRST).lower()}{rng.randint(1, 999)}"
        comments.append(
            f'<li class="comment"><span class="user">{user}</span>'
            f'<span class="ago">{rng.randint(1, 59)} min ago</span><p>{text}</p></li>'
        )
    return (
        '<section id="comments" class="comments"><h3>Comments</h3>'
        f"<ol>{''.join(comments)}</ol></section>\n"
    )


def sidebar_html(rng: random.Random, chrome: Chrome) -> str:
    """Most-read list, newsletter box and ad slots."""
    most = "".join(f"<li>{a}</li>" for a in rng.sample(chrome.links, 10))
    return (
        '<aside class="sidebar"><section class="most-read"><h3>Most read</h3>'
        f"<ol>{most}</ol></section>"
        '<section class="newsletter"><h3>The AI brief</h3><p>Get the day\'s AI news in your '
        'inbox.</p><form><input type="email" placeholder="Email"><button>Sign up</button></form>'
        f'</section><div class="ad-slot" id="ad-{rng.randint(1, 9999)}">Advertisement</div>'
        f"{related_html(rng, chrome, 'More from the newsroom', 6)}</aside>\n"
    )


def footer_html(rng: random.Random, site: str) -> str:
    """Footer link columns and legal line."""
    cols = "".join(
        "<ul>"
        + "".join(
            f'<li><a href="/{s.lower().replace(" ", "-")}">{s}</a></li>'
            for s in rng.sample(_SECTIONS, 8)
        )
        + "</ul>"
        for _ in range(4)
    )
    return (
        f'<footer class="site-footer">{cols}<p>© {EPOCH.year} {site}. All rights reserved. '
        '<a href="/privacy">Privacy</a> <a href="/terms">Terms</a> <a href="/cookies">Cookie '
        "settings</a></p></footer>\n"
    )


def story_river(rng: random.Random, chrome: Chrome, size: int) -> str:
    """Rows of linked story cards (image, headline, teaser, section) of about ``size`` chars."""
    out: list[str] = []
    total = 0
    while total < size:
        cards = "".join(
            f'<div class="col"><div class="card"><div class="media"><a href="#"><img src="/img/'
            f'{rng.randint(1, 10**6)}.jpg" alt="" loading="lazy"></a></div><div class="body">'
            f'<h4>{a}</h4><p class="teaser">{t}</p><span class="meta">'
            f"{rng.choice(_SECTIONS)} · {rng.randint(2, 59)} min read</span></div></div></div>"
            for a, t in zip(rng.sample(chrome.links, 4), rng.sample(chrome.teasers, 4), strict=True)
        )
        chunk = f'<section class="river"><div class="row">{cards}</div></section>\n'
        out.append(chunk)
        total += len(chunk)
    return "".join(out)


def script_blocks(rng: random.Random, chrome: Chrome, size: int) -> str:
    """Analytics, ad and app-state scripts adding up to about ``size`` characters."""
    out: list[str] = []
    total = 0
    while total < size:
        if rng.random() < 0.3:
            state = {
                "page": rng.randint(1, 10**6),
                "recs": rng.sample(chrome.teasers, 4),
                "flags": {f"exp_{rng.randint(1, 999)}": rng.random() < 0.5 for _ in range(8)},
            }
            chunk = f"<script>window.__STATE_{rng.randint(1, 99)}__={json.dumps(state)};</script>\n"
        else:
            funcs = "".join(rng.sample(chrome.js_functions, rng.randint(8, 20)))
            chunk = (
                f'<script data-id="{rng.randint(1, 10**6)}">(function(){{{funcs}}})();</script>\n'
            )
        out.append(chunk)
        total += len(chunk)
    return "".join(out)


def js_function(rng: random.Random) -> str:
    """One minified-looking JavaScript function."""
    name = "_" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=5))
    key = rng.choice(["ga", "px", "adq", "cmp", "rum", "ab", "ps"])
    return (
        f"function {name}(a,b){{var c=(a||'').split('{rng.choice('-_.|')}'),"
        f"d={rng.randint(0, 9999)};for(var i=0;i<c.length;i++)"
        f"{{d=(d*{rng.randint(3, 97)}+c[i].length)%{rng.randint(1000, 99999)};}}"
        f"window.{key}=window.{key}||[];window.{key}.push({{k:'{name}',v:d,t:Date.now()}});"
        "return b?b(d):d;}"
    )


def render_feed(entries: Sequence[dict[str, Any]], base: str) -> str:
    """An RSS 2.0 feed listing the manifest entries with absolute links."""
    items = "".join(
        f"<item><title>{e['title'].replace('&', '&amp;')}</title><link>{base}{e['path']}</link>"
        f"<guid>{base}{e['path']}</guid><pubDate>{rfc822(e['published'])}</pubDate></item>\n"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>newsfold crawl benchmark</title><link>{base}/</link>"
        f"<description>synthetic AI-industry news</description>\n{items}</channel></rss>\n"
    )


def rfc822(iso: str) -> str:
    """An ISO timestamp as an RSS date."""
    return datetime.fromisoformat(iso).strftime("%a, %d %b %Y %H:%M:%S +0000")


def write_pages(pages: Sequence[SitePage], folder: Path) -> list[dict[str, Any]]:
    """Write every page and ``manifest.json`` (file, path, title, published, copy_of)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for page in pages:
        name = f"{page.index:05d}.html"
        (folder / name).write_text(page.html, encoding="utf-8")
        manifest.append(
            {
                "file": name,
                "path": page.path,
                "title": page.title,
                "published": page.published,
                "copy_of": page.copy_of,
            }
        )
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def write_real_pages(root: Path, folder: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The extraction benchmarks' pages under ``root`` (the first ``limit``), as published."""
    from benchmarks import scoring

    folder.mkdir(parents=True, exist_ok=True)
    pages = [*scoring.load_aeb_pages(root), *scoring.load_trafeval_pages(root)][:limit]
    manifest = []
    for number, page in enumerate(pages):
        name = f"{number:05d}.html"
        (folder / name).write_bytes(scoring.read_gzip_bytes(page.html_path))
        when = EPOCH + timedelta(minutes=number)
        manifest.append(
            {
                "file": name,
                "path": f"/real/{name}",
                "title": "",
                "published": when.isoformat(),
                "copy_of": None,
                "real": True,
            }
        )
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def page_body(folder: Path, entry: Mapping[str, Any], base: str) -> bytes:
    """A page as served: a real page's own bytes, a generated one with its links on ``base``."""
    raw = (folder / entry["file"]).read_bytes()
    if entry.get("real"):
        return raw
    return raw.decode("utf-8").replace(BASE_TOKEN, base).encode()


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    """The manifest written by ``write_pages``."""
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


# ---- the page server (runs in its own process)


def http_response(body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    """A complete HTTP/1.1 response, ready to send."""
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-cache\r\n\r\n"
    )
    return head.encode("ascii") + body


def site_responses(folder: Path, base: str) -> dict[str, bytes]:
    """Every path the server answers, pre-rendered for ``base``."""
    entries = read_manifest(folder)
    html = "text/html; charset=utf-8"
    # a real page declares its own charset, or leaves it to be detected
    routes = {
        e["path"]: http_response(page_body(folder, e, base), "text/html" if e.get("real") else html)
        for e in entries
    }
    rss = "application/rss+xml; charset=utf-8"
    routes["/feed.xml"] = http_response(render_feed(entries, base).encode(), rss)
    routes["/empty.xml"] = http_response(render_feed([], base).encode(), rss)
    routes["/robots.txt"] = http_response(b"User-agent: *\nAllow: /\n", "text/plain")
    return routes


def serve(page_dir: str, max_seconds: str = "7200") -> None:
    """Serve the pages on 127.0.0.1 until stdin closes; print the port first (child entry)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256
        routes: dict[str, bytes]

        def handle_error(self, request: Any, client_address: Any) -> None:
            """Stay quiet when a client drops a connection."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            """Send the pre-rendered response."""
            routes = self.server.routes  # type: ignore[attr-defined]
            missing = http_response(b"not found", "text/plain", "404 Not Found")
            self.wfile.write(routes.get(self.path.split("?", 1)[0], missing))

        def log_message(self, format: str, *args: Any) -> None:
            """No access log."""

    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    server.routes = site_responses(Path(page_dir), f"http://127.0.0.1:{port}")
    for wait in (sys.stdin.read, lambda: time.sleep(float(max_seconds))):
        threading.Thread(target=stop_after, args=(wait, server.shutdown), daemon=True).start()
    print(json.dumps({"port": port, "routes": len(server.routes)}), flush=True)
    server.serve_forever(poll_interval=0.2)


def stop_after(wait: Callable[[], object], stop: Callable[[], None]) -> None:
    """Call ``stop`` once ``wait`` returns."""
    wait()
    stop()


class PageServer:
    """The page server as a child process; stops when the context exits (or we die)."""

    def __init__(self, page_dir: Path) -> None:
        self.page_dir = page_dir
        self.proc: subprocess.Popen[str] | None = None
        self.base = ""

    def __enter__(self) -> PageServer:
        self.proc = subprocess.Popen(
            child_command("serve", str(self.page_dir)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("page server did not start")
        self.base = f"http://127.0.0.1:{json.loads(line)['port']}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---- children: the bare baselines


def bare_scrapy_settings() -> dict[str, Any]:
    """Scrapy settings matching the knobs newsfold sets for the benchmark crawl."""
    return {
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_MAXSIZE": 10_000_000,
        "DOWNLOAD_WARNSIZE": 0,
        "COOKIES_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }


def scrapy_child(url_file: str, mode: str = "fetch") -> None:
    """Fetch every URL in the file; ``extract``: call trafilatura in the callback (child entry)."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    if mode == "extract":  # the fetch-only row's memory and start-up stay Scrapy's own
        import trafilatura
    urls = Path(url_file).read_text(encoding="utf-8").split()

    class FetchOnly(scrapy.Spider):
        name = "fetch_only"

        async def start(self) -> Any:
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response: Any) -> None:
            """Nothing, or bare extraction on the reactor thread (the naive Scrapy design)."""
            if mode == "extract":
                trafilatura.extract(response.text, url=response.url)

    process = CrawlerProcess(settings=bare_scrapy_settings())
    crawler = process.create_crawler(FetchOnly)
    started = time.perf_counter()
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    result = {
        "seconds": time.perf_counter() - started,
        "responses": stats.get("response_received_count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "errors": stats.get("log_count/ERROR", 0),
    }
    print(json.dumps(result), flush=True)


def extract_child(page_dir: str, mode: str, base: str) -> None:
    """Time ``trafilatura.extract`` over every page in one process (child entry)."""
    import trafilatura

    folder = Path(page_dir)
    with_metadata = mode == "metadata"
    seconds, cpu, failed, chars = 0.0, 0.0, 0, 0
    entries = read_manifest(folder)
    for entry in entries:
        body = page_body(folder, entry, base)
        html = body if entry.get("real") else body.decode("utf-8")
        started, cpu_started = time.perf_counter(), time.process_time()
        text = trafilatura.extract(html, url=base + entry["path"], with_metadata=with_metadata)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        failed += not text
        chars += len(text or "")
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "pages": len(entries),
        "failed": failed,
        "chars": chars,
    }
    print(json.dumps(result), flush=True)


# ---- running and watching a child process


def child_command(func: str, *args: str) -> list[str]:
    """A Python command line calling ``benchmarks.crawl.<func>(*args)``."""
    return [sys.executable, "-c", CHILD.format(root=str(REPO_ROOT), func=func), *args]


def newsfold_command(*args: str) -> list[str]:
    """The installed ``newsfold`` console script (or the CLI module through this Python)."""
    script = Path(sys.executable).with_name("newsfold")
    if script.exists():
        return [str(script), *args]
    code = "import sys; from crawler.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, *args]


def child_env(preload: str | None = None) -> dict[str, str]:
    """This environment without newsfold overrides, with the repository importable.

    ``preload`` is a shared library the child runs with (``LD_PRELOAD``): an allocator.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFOLD__")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    if preload:
        env["LD_PRELOAD"] = preload
    return env


@dataclass
class Measured:
    """A finished child: wall time, exit code, output and what its process tree used."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_tree_rss_mb: float
    main_rss_mb: float
    other_rss_mb: float
    processes: int
    cpu_s: float
    per_process: list[dict[str, Any]] = field(default_factory=list)

    def json_line(self) -> dict[str, Any]:
        """The last stdout line as JSON (what a child entry prints)."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        if self.returncode != 0 or not lines:
            raise RuntimeError(f"child failed ({self.returncode}): {self.stderr[-2000:]}")
        return json.loads(lines[-1])


@dataclass
class ProcSample:
    """Per-process figures read from /proc."""

    hwm_kb: int = 0
    rss_kb: int = 0
    cpu_ticks: int = 0
    ppid: int = 0
    role: str = ""


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo.extend(int(child) for child in fh.read().split())
            except OSError:
                continue
    return found


def read_proc(pid: int) -> ProcSample | None:
    """VmHWM, VmRSS and CPU ticks of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            status = fh.read()
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    sample = ProcSample()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            sample.hwm_kb = int(line.split()[1])
        elif line.startswith("VmRSS:"):
            sample.rss_kb = int(line.split()[1])
    fields = stat.rsplit(")", 1)[1].split()
    sample.ppid = int(fields[1])
    sample.cpu_ticks = int(fields[11]) + int(fields[12])
    return sample


def process_role(pid: int) -> str:
    """A short name for a process from its command line."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in argv if a)
    for marker, role in (("forkserver", "forkserver"), ("resource_tracker", "resource tracker")):
        if marker in text:
            return role
    return Path(argv[0].decode(errors="replace")).name


def merge_samples(old: ProcSample | None, new: ProcSample) -> ProcSample:
    """The larger of each figure (an exiting process reads as zero)."""
    if old is None:
        return new
    return ProcSample(
        max(old.hwm_kb, new.hwm_kb),
        max(old.rss_kb, new.rss_kb),
        max(old.cpu_ticks, new.cpu_ticks),
        old.ppid or new.ppid,
        old.role or new.role,
    )


def run_measured(
    cmd: Sequence[str], cwd: Path, timeout: float, env: Mapping[str, str] | None = None
) -> Measured:
    """Run a command to its end, sampling its process tree's memory and CPU every 50 ms."""
    seen: dict[int, ProcSample] = {}
    peak_kb = 0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, stdout=out, stderr=err, env=dict(env or child_env())
        )
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                tree_kb = 0
                for member in process_tree(proc.pid):
                    sample = read_proc(member)
                    if sample is not None:
                        if member not in seen:
                            sample.role = process_role(member)
                        seen[member] = merge_samples(seen.get(member), sample)
                        tree_kb += sample.rss_kb
                peak_kb = max(peak_kb, tree_kb)
                if time.perf_counter() - started > timeout:
                    kill_tree(proc.pid)
                time.sleep(SAMPLE_S)
        except BaseException:
            kill_tree(proc.pid)
            proc.wait()
            raise
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    ticks = os.sysconf("SC_CLK_TCK")
    per_process = [
        {
            "pid": pid,
            "ppid": sample.ppid,
            "role": "command" if pid == proc.pid else sample.role,
            "peak_rss_mb": sample.hwm_kb / 1024,
            "cpu_s": sample.cpu_ticks / ticks,
        }
        for pid, sample in seen.items()
    ]
    roles = {entry["pid"]: entry["role"] for entry in per_process}
    for entry in per_process:
        if entry["role"] == "forkserver" and roles.get(entry["ppid"]) == "forkserver":
            entry["role"] = "pool worker"
    main = seen.pop(proc.pid, ProcSample())
    return Measured(
        seconds=seconds,
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        peak_tree_rss_mb=max(peak_kb, main.hwm_kb) / 1024,
        main_rss_mb=max(main.hwm_kb, usage.ru_maxrss) / 1024,
        other_rss_mb=max((s.hwm_kb for s in seen.values()), default=0) / 1024,
        processes=1 + len(seen),
        cpu_s=(main.cpu_ticks + sum(s.cpu_ticks for s in seen.values())) / ticks,
        per_process=per_process,
    )


def kill_tree(pid: int) -> None:
    """Kill a command we started and its descendants (past its time limit, or interrupted)."""
    for member in reversed(process_tree(pid)):
        try:
            os.kill(member, 9)
        except ProcessLookupError:
            continue


# ---- the measurements


@dataclass
class Row:
    """One line of the report."""

    key: str
    label: str
    pages: int
    seconds: float
    peak_rss_mb: float
    startup_s: float | None = None
    cpu_s: float | None = None
    main_rss_mb: float | None = None
    other_rss_mb: float | None = None
    processes: int = 1
    ratio: float | None = None
    stored: dict[str, Any] | None = None
    crawl_cpu_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        """Throughput."""
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_page(self) -> float | None:
        """CPU time per page over every process of the row (start-up excluded)."""
        return None if self.crawl_cpu_s is None else 1000 * self.crawl_cpu_s / self.pages


@dataclass(frozen=True)
class Plan:
    """How each row is measured: runs per figure, and whether start-up is measured apart."""

    runs: int = 1
    startup: bool = True
    preload: str | None = None  # a library the newsfold rows run with (LD_PRELOAD)
    paired: bool = False  # with a preload: the newsfold rows also run without it, each round


def median_run(runs: int, measure: Callable[[], Measured]) -> tuple[float, list[Measured]]:
    """Median wall seconds over ``runs`` runs, and every run."""
    done = [measure() for _ in range(runs)]
    return statistics.median(m.seconds for m in done), done


def startup_run(plan: Plan, measure: Callable[[], Measured]) -> tuple[float | None, float]:
    """Median wall and CPU seconds of the empty run ((None, 0) when the plan skips it)."""
    if not plan.startup:
        return None, 0.0
    wall, done = median_run(plan.runs, measure)
    return wall, statistics.median(m.cpu_s for m in done)


def crawl_seconds(total: float, startup: float | None) -> float:
    """The crawl part of a run: total minus start-up (the total when that leaves nothing)."""
    if startup is None or total - startup <= 0:
        return total
    return total - startup


def scrapy_row(
    server: PageServer,
    entries: Sequence[dict[str, Any]],
    work: Path,
    plan: Plan,
    mode: str = "fetch",
) -> Row:
    """Bare Scrapy fetching every page, timed inside the child minus an empty crawl's time."""
    urls, empty = work / "urls.txt", work / "no-urls.txt"
    urls.write_text("\n".join(server.base + e["path"] for e in entries), encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    timeout = 120 + len(entries)
    idle = [
        run_measured(child_command("scrapy_child", str(empty), mode), work, timeout)
        for _ in range(plan.runs if plan.startup else 0)
    ]
    wall, done = median_run(
        plan.runs,
        lambda: run_measured(child_command("scrapy_child", str(urls), mode), work, timeout),
    )
    report = [m.json_line() for m in done]
    if any(r["responses"] != len(entries) for r in report):
        raise RuntimeError(f"bare Scrapy fetched {[r['responses'] for r in report]} pages")
    in_process = statistics.median(r["seconds"] for r in report)
    idle_in_process = statistics.median(m.json_line()["seconds"] for m in idle) if idle else None
    startup_cpu = statistics.median(m.cpu_s for m in idle) if idle else 0.0
    return Row(
        key="scrapy" if mode == "fetch" else "scrapy_trafilatura",
        label="scrapy fetch-only" if mode == "fetch" else "scrapy + trafilatura in callback",
        pages=len(entries),
        seconds=crawl_seconds(in_process, idle_in_process),
        peak_rss_mb=max(m.peak_tree_rss_mb for m in done),
        startup_s=statistics.median(m.seconds for m in idle) if idle else None,
        cpu_s=statistics.median(m.cpu_s for m in done),
        crawl_cpu_s=statistics.median(m.cpu_s for m in done) - startup_cpu,
        main_rss_mb=max(m.main_rss_mb for m in done),
        processes=max(m.processes for m in done),
        extra={"wall_s": wall, "in_process_s": in_process, "empty_in_process_s": idle_in_process},
    )


def trafilatura_row(server: PageServer, page_dir: Path, mode: str, work: Path, plan: Plan) -> Row:
    """Bare trafilatura.extract over every page in one process; time of the calls only."""
    entries = read_manifest(page_dir)
    cmd = child_command("extract_child", str(page_dir), mode, server.base)
    done = [run_measured(cmd, work, 120 + 2 * len(entries)) for _ in range(plan.runs)]
    report = [m.json_line() for m in done]
    label = "trafilatura.extract(with_metadata)" if mode == "metadata" else "trafilatura.extract"
    return Row(
        key=f"trafilatura_{mode}",
        label=label + (" (default)" if mode == "default" else ""),
        pages=len(entries),
        seconds=statistics.median(r["seconds"] for r in report),
        peak_rss_mb=max(m.peak_tree_rss_mb for m in done),
        main_rss_mb=max(m.main_rss_mb for m in done),
        cpu_s=statistics.median(m.cpu_s for m in done),
        crawl_cpu_s=statistics.median(r["cpu_seconds"] for r in report),
        extra={
            "failed": report[0]["failed"],
            "chars": report[0]["chars"],
            "wall_s": statistics.median(m.seconds for m in done),
        },
    )


def newsfold_config(base: str, feed: str, workers: int) -> str:
    """The TOML config of a benchmark crawl."""
    return (
        "[crawl]\ndownload_delay = 0\nconcurrent_requests = 32\nconcurrent_per_domain = 32\n"
        # The page server is on loopback; a throughput benchmark is not paced by AutoThrottle.
        'allow_networks = ["127.0.0.0/8"]\nautothrottle = false\n'
        f'extract_workers = {workers}\nlog_level = "ERROR"\n\n[relevance]\nenabled = false\n\n'
        f'[sources.bench]\nurl = "{base}/{feed}"\nmax_articles = 100000\n'
    )


def newsfold_once(
    server: PageServer,
    work: Path,
    feed: str,
    workers: int,
    tag: str,
    timeout: float,
    preload: str | None = None,
) -> Measured:
    """One ``newsfold run`` into a fresh SQLite file."""
    config, db = work / f"{tag}.toml", work / f"{tag}.db"
    for stale in work.glob(f"{tag}.db*"):
        stale.unlink()
    config.write_text(newsfold_config(server.base, feed, workers), encoding="utf-8")
    cmd = newsfold_command(
        "run", "--config", str(config), "--db", str(db), "--source", "bench", "--no-progress"
    )
    measured = run_measured(cmd, work, timeout, child_env(preload))
    if measured.returncode != 0:
        raise RuntimeError(
            f"newsfold run failed ({measured.returncode}): {measured.stderr[-3000:]}"
        )
    return measured


STORE_QUERIES: Mapping[str, str] = MappingProxyType(
    {
        "articles": "SELECT COUNT(*) FROM articles",
        "sightings": "SELECT COUNT(*) FROM sightings",
        "copy_articles": "SELECT COUNT(*) FROM (SELECT article_id FROM sightings "
        "GROUP BY article_id HAVING COUNT(*) > 1)",
        "stories": "SELECT COUNT(*) FROM stories",
        "fetch_errors": "SELECT COUNT(*) FROM fetch_errors",
        "run_status": "SELECT status FROM runs ORDER BY id DESC LIMIT 1",
        "run_counts": "SELECT counts FROM runs ORDER BY id DESC LIMIT 1",
        "run_span": "SELECT started || ' ' || ended FROM runs ORDER BY id DESC LIMIT 1",
    }
)


def store_counts(db: Path) -> dict[str, Any]:
    """What a benchmark run left in the SQLite store (None for what the schema lacks)."""
    found: dict[str, Any] = {}
    conn = sqlite3.connect(db)
    try:
        for name, sql in STORE_QUERIES.items():
            try:
                row = conn.execute(sql).fetchone()
            except sqlite3.Error:
                row = None
            found[name] = row[0] if row else None
    finally:
        conn.close()
    if found["run_counts"]:
        found["run_counts"] = json.loads(found["run_counts"]).get("bench", {})
    span = (found.pop("run_span") or "").split()
    if len(span) == 2:
        began, ended = (datetime.fromisoformat(stamp) for stamp in span)
        found["run_table_s"] = (ended - began).total_seconds()
    return found


def source_state() -> dict[str, Any]:
    """The newsfold commit measured, and whether its working tree had changes."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", "crawler", "pipelines", "storage", "config")
    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "changed_files": len(changed.splitlines()),
    }


def newsfold_row(
    server: PageServer,
    entries: Sequence[dict[str, Any]],
    work: Path,
    workers: int,
    plan: Plan,
    system: bool = False,
) -> Row:
    """newsfold end to end: wall time of the crawl minus the wall time of an empty crawl.

    ``system``: run without the plan's preload (the system allocator), as a row of its own.
    """
    if system:
        plan = replace(plan, preload=None)
    tag = f"newsfold-w{workers}"
    timeout = 300 + 2 * len(entries)
    startup, startup_cpu = startup_run(
        plan, lambda: newsfold_once(server, work, "empty.xml", workers, tag, timeout, plan.preload)
    )
    wall, done = median_run(
        plan.runs,
        lambda: newsfold_once(server, work, "feed.xml", workers, tag, timeout, plan.preload),
    )
    stored = store_counts(work / f"{tag}.db")
    if any(e.get("real") for e in entries):
        # how many real pages hold an article is not known: each must be stored or recorded
        stored |= {"expected_articles": None, "expected_sightings": None}
        stored["ok"] = stored["sightings"] + stored["fetch_errors"] == len(entries)
    else:
        originals = sum(e["copy_of"] is None for e in entries)
        stored |= {"expected_articles": originals, "expected_sightings": len(entries)}
        stored["ok"] = stored["articles"] == originals and stored["sightings"] == len(entries)
    effective = workers or os.cpu_count() or 1
    under = f" ({Path(plan.preload).name})" if plan.preload else ""
    under = " (system allocator)" if system else under
    return Row(
        key=f"newsfold_w{workers}{SYSTEM_SUFFIX if system else ''}",
        label=f"newsfold workers={workers if workers else f'auto ({effective})'}{under}",
        pages=len(entries),
        seconds=crawl_seconds(wall, startup),
        peak_rss_mb=max(m.peak_tree_rss_mb for m in done),
        startup_s=startup,
        cpu_s=statistics.median(m.cpu_s for m in done),
        crawl_cpu_s=statistics.median(m.cpu_s for m in done) - startup_cpu,
        main_rss_mb=max(m.main_rss_mb for m in done),
        other_rss_mb=max(m.other_rss_mb for m in done),
        processes=max(m.processes for m in done),
        stored=stored,
        extra={"wall_s": wall, "extract_workers": effective, "per_process": done[-1].per_process},
    )


def run_benchmark(
    pages: int,
    work: Path,
    plan: Plan = Plan(),
    log: Callable[[str], None] = lambda _: None,
    real: Path | None = None,
    padding: str = "scripts",
) -> dict[str, Any]:
    """Generate (or copy the real pages under ``real``), serve and measure; every figure."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    page_dir = work / "pages"
    if real is None:
        entries = write_pages(generate_pages(pages, padding=padding), page_dir)
    else:
        entries = write_real_pages(real, page_dir, pages or None)
    facts: dict[str, Any] = {
        "pages": len(entries),
        "page_source": f"generated ({padding}-padded)" if real is None else f"real ({real})",
        "copies": sum(e["copy_of"] is not None for e in entries),
        "page_kb_mean": statistics.mean((page_dir / e["file"]).stat().st_size for e in entries)
        / 1024,
        "generate_s": time.perf_counter() - started,
    }
    log(
        f"wrote {len(entries)} {'generated' if real is None else 'real'} pages in "
        f"{facts['generate_s']:.1f} s (load average {load_before:.2f})"
    )
    # Rows run in rounds, each round every row once, so a host that speeds up or slows down
    # during the benchmark moves every row alike; each row reports its median round.
    once = replace(plan, runs=1)
    rounds: list[list[Row]] = []
    with PageServer(page_dir) as server:
        steps: list[tuple[str, Callable[[], Row]]] = [
            ("scrapy fetch-only", lambda: scrapy_row(server, entries, work, once)),
            (
                "trafilatura default",
                lambda: trafilatura_row(server, page_dir, "default", work, once),
            ),
            (
                "trafilatura metadata",
                lambda: trafilatura_row(server, page_dir, "metadata", work, once),
            ),
            (
                "scrapy + trafilatura",
                lambda: scrapy_row(server, entries, work, once, "extract"),
            ),
        ]
        for workers in (1, 0):
            mode = f"workers={workers or 'auto'}"
            steps.append(
                (f"newsfold {mode}", lambda w=workers: newsfold_row(server, entries, work, w, once))
            )
            if plan.preload and plan.paired:
                # each under the system allocator right after: the pair shares the host's state
                steps.append(
                    (
                        f"newsfold {mode}, system allocator",
                        lambda w=workers: newsfold_row(server, entries, work, w, once, True),
                    )
                )
        for number in range(1, plan.runs + 1):
            done = []
            for name, step in steps:
                step_start = time.perf_counter()
                done.append(step())
                turn = f" (round {number} of {plan.runs})" if plan.runs > 1 else ""
                log(f"{name}{turn}: {time.perf_counter() - step_start:.1f} s")
            rounds.append(done)
    facts |= {
        "preload": plan.preload,
        "paired": plan.paired,
        "runs": plan.runs,
        "startup_measured": plan.startup,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "elapsed_s": time.perf_counter() - started,
    }
    return summarise([median_row(list(runs)) for runs in zip(*rounds, strict=True)], facts, rounds)


def median_row(runs: list[Row]) -> Row:
    """A row's median round by crawl seconds (the lower of two), with the largest peak RSS."""
    middle = sorted(runs, key=lambda row: row.seconds)[(len(runs) - 1) // 2]
    return replace(
        middle,
        peak_rss_mb=max(row.peak_rss_mb for row in runs),
        extra=middle.extra | {"round_seconds": [row.seconds for row in runs]},
    )


def summarise(
    rows: list[Row], facts: dict[str, Any], rounds: Sequence[Sequence[Row]] = ()
) -> dict[str, Any]:
    """Ratios against bare trafilatura, targets and the run's facts.

    A target is judged on the median of its per-round ratios: each round's newsfold run against
    the same round's trafilatura run, measured minutes apart rather than across the whole run.
    """
    by_key = {row.key: row for row in rows}
    base = by_key["trafilatura_default"].pages_per_s
    for row in rows:
        row.ratio = row.pages_per_s / base if base else None
    per_round = {
        target: [round_ratio(done, key) for done in rounds or [rows]]
        for target, key in (
            ("workers1_vs_trafilatura", "newsfold_w1"),
            ("auto_vs_trafilatura", "newsfold_w0"),
        )
    }
    ratios = {k: statistics.median(v) for k, v in per_round.items()}
    # Preloaded against system-allocator rows of the same round: how much the allocator gives.
    allocator = {
        mode: [round_ratio(done, key, key + SYSTEM_SUFFIX) for done in rounds or [rows]]
        for mode, key in (("workers1", "newsfold_w1"), ("auto", "newsfold_w0"))
        if key + SYSTEM_SUFFIX in by_key
    }
    return {
        **facts,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "versions": package_versions(),
        "source": source_state(),
        "rows": [
            asdict(row) | {"pages_per_s": row.pages_per_s, "cpu_ms_per_page": row.cpu_ms_per_page}
            for row in rows
        ],
        "ratios": ratios,
        "round_ratios": per_round,
        "allocator_ratios": allocator,
        "targets": dict(TARGETS),
        "targets_met": {k: v >= TARGETS[k] for k, v in ratios.items()},
    }


def round_ratio(done: Sequence[Row], key: str, base_key: str = "trafilatura_default") -> float:
    """One round's pages/s of a row over that round's bare trafilatura (or another row)."""
    by_key = {row.key: row for row in done}
    base = by_key[base_key].pages_per_s
    return by_key[key].pages_per_s / base if base else 0.0


def package_versions() -> dict[str, str]:
    """Versions of the packages being measured."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("scrapy", "trafilatura", "lxml", "datasketch", "newsfold"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


# ---- report


def print_report(result: dict[str, Any]) -> None:
    """The table and the two target ratios."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"crawl benchmark: {result['pages']} {result.get('page_source', 'generated')} "
        f"pages of ~{result['page_kb_mean']:.0f} KB ({result['copies']} syndicated copies), "
        f"{result['cpus']} cores"
    )
    columns = ("row", "pages", "seconds", "pages/s", "peak RSS MB", "vs trafilatura", "CPU ms/page")
    for name in (*columns, "notes"):
        table.add_column(name, justify="left" if name in ("row", "notes") else "right")
    for row in result["rows"]:
        table.add_row(
            row["label"],
            str(row["pages"]),
            f"{row['seconds']:.2f}",
            f"{row['pages_per_s']:.1f}",
            f"{row['peak_rss_mb']:.0f}",
            f"{row['ratio']:.2f}" if row["ratio"] is not None else "",
            f"{row['cpu_ms_per_page']:.1f}" if row["cpu_ms_per_page"] is not None else "",
            row_notes(row),
        )
    console = Console() if sys.stdout.isatty() else Console(width=170)
    console.print(table)
    for key, value in result["ratios"].items():
        verdict = "met" if result["targets_met"][key] else "MISSED"
        each = result.get("round_ratios", {}).get(key, [])
        rounds = (
            f" (median of rounds: {' '.join(f'{r:.2f}' for r in each)})" if len(each) > 1 else ""
        )
        console.print(f"{key}: {value:.2f}{rounds} (target ≥ {TARGETS[key]}): {verdict}")
    if result.get("preload"):
        console.print(f"newsfold rows ran with LD_PRELOAD={result['preload']}; the others without")
    for mode, each in result.get("allocator_ratios", {}).items():
        console.print(
            f"{mode}: under {Path(result['preload']).name} {statistics.median(each):.2f}x the "
            f"system allocator's pages/s (rounds: {' '.join(f'{r:.2f}' for r in each)})"
        )
    console.print(
        f"benchmark took {result['elapsed_s']:.0f} s; load average {result['load_before']:.2f} "
        f"before, {result['load_after']:.2f} after"
    )
    source = result["source"]
    console.print(
        f"newsfold at {source['commit']} with {source['changed_files']} uncommitted file(s); "
        + ", ".join(f"{name} {v}" for name, v in result["versions"].items())
    )
    if result["load_before"] > BUSY_LOAD:
        console.print(
            "[yellow]the machine was busy before the run: figures are unreliable[/yellow]"
        )


def row_notes(row: dict[str, Any]) -> str:
    """Start-up, CPU split, memory split and store check of a row."""
    notes = []
    if row["startup_s"] is not None:
        notes.append(f"start-up {row['startup_s']:.1f} s excluded")
    wall = row["extra"].get("wall_s")
    if not row["key"].startswith("scrapy") and row["cpu_s"] is not None and wall:
        notes.append(f"{row['cpu_s'] / wall:.2f} cores busy")
    procs = row["extra"].get("per_process", [])
    workers = [p for p in procs if p["role"] == "pool worker"]
    main = [p for p in procs if p["role"] == "command"]
    if main and workers:
        notes.append(
            f"main {main[0]['peak_rss_mb']:.0f} MB {main[0]['cpu_s']:.1f} CPU-s, "
            f"{len(workers)} workers ≤ {max(p['peak_rss_mb'] for p in workers):.0f} MB "
            f"{sum(p['cpu_s'] for p in workers):.1f} CPU-s"
        )
    stored = row["stored"]
    if stored:
        check = "ok" if stored["ok"] else "MISMATCH"
        if stored["expected_articles"] is None:
            notes.append(
                f"stored {stored['articles']} articles, {stored['sightings']} sightings, "
                f"{stored['fetch_errors']} failures recorded, of {row['pages']} pages ({check})"
            )
            return "; ".join(notes)
        notes.append(
            f"stored {stored['articles']}/{stored['expected_articles']} articles, "
            f"{stored['sightings']}/{stored['expected_sightings']} sightings ({check})"
        )
    return "; ".join(notes)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help=f"pages to serve (default {DEFAULT_PAGES})")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_PAGES} pages")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row (median)")
    parser.add_argument(
        "--real",
        action="store_true",
        help="serve the extraction benchmarks' real pages from ../shared/benchdata instead",
    )
    parser.add_argument(
        "--padding",
        choices=("scripts", "markup"),
        default="scripts",
        help="what fills generated pages to 100 KB: scripts, or half story-card grids",
    )
    parser.add_argument(
        "--preload",
        metavar="LIB",
        help="run the newsfold rows with this library preloaded (LD_PRELOAD), e.g. jemalloc's "
        "libjemalloc.so.2 as the README's deployment notes advise; the bare rows run without",
    )
    parser.add_argument(
        "--paired",
        action="store_true",
        help="with --preload: run the newsfold rows without the library too, in every round, "
        "and print what the library gives",
    )
    parser.add_argument("--json", help="write every figure to this file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    if args.preload and not Path(args.preload).is_file():
        print(f"--preload: no library at {args.preload}", file=sys.stderr)
        return 2
    if args.paired and not args.preload:
        print(
            "--paired compares a --preload library with the system allocator: give both",
            file=sys.stderr,
        )
        return 2
    pages = QUICK_PAGES if args.quick else args.pages or (0 if args.real else DEFAULT_PAGES)
    real = None  # with --real, all 1,171 pages unless --pages or --quick says fewer
    if args.real:
        from benchmarks import scoring

        real = scoring.default_benchdata_root()
        missing = [
            d for d in (scoring.AEB_DIR, scoring.TRAFEVAL_DIR) if scoring.missing_reason(real, d)
        ]
        if missing:
            print(f"skipped: no {', '.join(missing)} under {real} (set {scoring.BENCHDATA_ENV})")
            return 0
    with tempfile.TemporaryDirectory(prefix="newsfold-crawl-bench-") as tmp:
        plan = Plan(runs=max(1, args.repeat), preload=args.preload, paired=args.paired)
        result = run_benchmark(
            pages, Path(tmp), plan, log=print_progress, real=real, padding=args.padding
        )
    print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def print_progress(message: str) -> None:
    """One progress line on stderr."""
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    # Run as a script, this folder heads sys.path and its storage.py would hide the package.
    HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.path.insert(0, str(REPO_ROOT))
    sys.exit(main())

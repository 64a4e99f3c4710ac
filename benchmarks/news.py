"""Synthetic AI-industry news: invented stories and the ~100 KB pages a news site wraps them in.

Seeded: the same seed and index give the same story and page whatever the count. Every
``COPY_EVERY``-th page syndicates an earlier page's story under a wire site's furniture.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

SEED = 20250601
COPY_EVERY = 20  # page i is a syndicated copy when i % COPY_EVERY == COPY_EVERY - 1
PAGE_BYTES = (90_000, 110_000)
BASE_TOKEN = "__NEWSFOLD_BENCH_BASE__"  # where a page's own absolute URLs start
EPOCH = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)

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


def generate_pages(count: int, seed: int = SEED) -> list[SitePage]:
    """The benchmark's pages; page ``i`` does not depend on ``count``."""
    chrome = build_chrome(seed)
    return [make_page(seed, index, chrome) for index in range(count)]


def make_page(seed: int, index: int, chrome: Chrome) -> SitePage:
    """One page: chrome drawn for this page around its story (or the story it copies)."""
    source = copy_source(seed, index)
    title, paragraphs, author = article(seed, index if source is None else source)
    rng = random.Random(seed * 104_729 + index)
    when = published_at(index)
    slug = "-".join(w.strip(",.'$").lower() for w in title.split()[:8])
    folder = "wire" if source is not None else when.strftime("%Y/%m/%d")
    path = f"/{folder}/{slug}-{index:05d}.html"
    story = Story(title, paragraphs, author, when, source is not None)
    html = render_page(rng, chrome, path, story)
    return SitePage(index, path, title, when.isoformat(), html, source)


@dataclass(frozen=True)
class Story:
    """What a page says: the article and how it was published."""

    title: str
    paragraphs: list[list[str]]
    author: str
    when: datetime
    syndicated: bool


def render_page(rng: random.Random, chrome: Chrome, path: str, story: Story) -> str:
    """A full news page around an article body, padded to ~100 KB with scripts."""
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


def story_text(seed: int, index: int) -> tuple[str, str]:
    """The title and plain text of generated story ``index``."""
    title, paragraphs, _ = article(seed, index)
    return title, "\n".join(" ".join(p) for p in paragraphs)

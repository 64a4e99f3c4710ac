"""A deterministic syndication set built from real article bodies, with gold copy clusters.

Every Zyte AEB gold body is an original; each gets 0 to 4 copies that a wire or a partner site
would publish (new headline, credit line, dropped/merged/added/reordered paragraph, inserted
lines, teaser, teaser with an edited opening, edited words, different formatting or punctuation,
the partner's own house paragraph appended, or several at once). The English SemEval-2022 texts
supply distinct documents and hard negatives that must never fold: pairs of different stories
carrying the same long house footer or the same standard intro; groups of short briefs from one
site ending in the same house paragraph, written as one paragraph or in lines (a few of those
briefs with a real copy on a sister site); briefs from many sites ending in the same disclaimer;
same-story rewrites and near-topic stories.

Each source body (AEB page id, SemEval pair id) belongs to the ``dev`` or the ``held-out`` split
by a fixed hash of its id, and each house text by its place in its list, so the held-out split
shares no body and no house text with the other. ``load_set(root, seed, split)`` reads the data;
``build_set(bodies, pairs, seed, split, extra)`` is the pure part.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

AEB_TRUTH = Path("scrapinghub-aeb") / "ground-truth.json"
SEMEVAL_CSV = Path("semeval2022-task8-hfl-sample") / "training_set.csv"
DEFAULT_SEED = 20240601
MIN_BODY_WORDS = 50
# SemEval texts overlapping an earlier text this much are copies themselves, not distinct stories.
NATURAL_COPY_CONTAINMENT = 0.3
SAME_STORY_MAX = 1.5
DIFFERENT_STORY_MIN = 3.5
COPY_COUNT_WEIGHTS = (0.1, 0.2, 0.25, 0.2, 0.25)
# Copies made of an AEB original; "brief-copy" is a brief of a house group copied to a sister site.
ORIGINAL_COPY_KINDS = tuple(
    """headline credit paragraph-drop paragraph-merge paragraph-add teaser edits format mixed
    teaser-edited inserted-lines reorder punctuation house-footer""".split()
)
COPY_KINDS = (*ORIGINAL_COPY_KINDS, "brief-copy")
NEGATIVE_KINDS = (
    "footer",
    "intro",
    "rewrite",
    "near-topic",
    "brief-footer",
    "brief-lines",
    "disclaimer",
)
SPLITS = ("dev", "held-out")
# One source body in this many goes to the held-out split; so does one house text in this many.
HELD_OUT_EVERY = 3
# Shares of the unrelated texts made into briefs under a house paragraph, under the same house
# text in lines, and under a disclaimer shared across sites; the rest go to footer/intro pairs.
POOL_SHARES = (0.35, 0.2, 0.15)
BRIEF_GROUP = (8, 14)
DISCLAIMER_GROUP = (4, 7)
# Briefs of a house group that a sister site (same template, its own name) republishes.
BRIEF_COPY_SHARE = 0.2
START = datetime(2024, 3, 4, 6, 0, tzinfo=UTC)
SPAN_DAYS = 90

_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"\u201c\u2018'(\[]?[A-Z0-9])")
_CURLY = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")

AGENCIES = ("Reuters", "AP", "AFP", "Bloomberg", "dpa", "PA")
CITIES = ("WASHINGTON", "NEW YORK", "LONDON", "SAN FRANCISCO", "BRUSSELS", "TOKYO", "PARIS")
TOWNS = ("Riverton", "Lakeside", "Millbrook", "Fairview", "Kingsport", "Ashford", "Harlow")
OUTLETS = ("Herald", "Courier", "Gazette", "Tribune", "Ledger", "Observer", "Chronicle", "Post")
PEOPLE = ("Dana Whitfield", "Ravi Menon", "Claire Dubois", "Tomasz Nowak", "Aiko Tanaka")
MONTHS = ("Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov")
OTHER_HEADLINES = (
    "Chipmakers brace for another year of tight supply",
    "Regulators open inquiry into cloud computing contracts",
    "Start-up founders say funding rounds are taking longer",
    "Why the battery industry is betting on sodium",
    "Five things to watch at this week's developer conference",
)
INSERTED_LINES = (
    "ADVERTISEMENT",
    "Story continues below advertisement",
    "Sign up for our daily newsletter",
    "Read more: {headline}",
    "RELATED: {headline}",
)
TEASER_ENDINGS = (
    "Continue reading at {origin}",
    "Read the full story at {origin}",
    "... continue reading at {origin}",
)
# American spelling → British; copies flip one of these in either direction.
SPELLING: Mapping[str, str] = MappingProxyType(
    dict(
        pair.replace("_", " ").split(":")
        for pair in """color:colour center:centre organization:organisation organize:organise
        analyze:analyse defense:defence license:licence program:programme favorite:favourite
        labor:labour behavior:behaviour realize:realise recognize:recognise percent:per_cent
        traveled:travelled catalog:catalogue gray:grey theater:theatre""".split()
    )
)
HOUSE_FOOTERS = (
    "About {site}: {site} is an independent newsroom covering technology, business and public "
    "policy. Our journalism is paid for by readers, not by the companies we write about, and our "
    "editors alone decide what we publish. If you spot an error in this story, write to "
    "corrections@{domain} and our standards editor will review it within two working days. You "
    "may republish this article for free under a Creative Commons licence, provided that you "
    "credit {site}, link to the original story and do not change the text beyond house style.",
    "© 2024 {site}. All rights reserved. This material may not be published, broadcast, rewritten "
    "or redistributed in whole or in part without prior written permission. The information in "
    "this article is provided for general information only and does not constitute investment, "
    "legal or tax advice; readers should consult a qualified professional before making any "
    "financial decision. {site} and its staff may hold positions in the securities mentioned. "
    "Market data is delayed by at least fifteen minutes and is supplied by third parties who "
    "make no warranty as to its accuracy or completeness.",
    "When you buy through links on {site}, we may earn an affiliate commission at no extra cost "
    "to you. This never affects which products our reviewers recommend or how they are rated, "
    "and no company can pay to appear in our coverage. Prices and availability were accurate at "
    "the time of publication but can change without notice. Read our full editorial standards "
    "and our ethics policy on {domain} to learn how we test the products we review, how we "
    "choose what to cover and how we handle corrections and conflicts of interest.",
    "We welcome comments that advance the conversation. Comments are moderated by the {site} "
    "community team and may take up to a day to appear. Personal attacks, spam, off-topic "
    "remarks and links to unrelated sites will be removed, and repeat offenders will lose the "
    "right to post. By commenting you agree to our terms of use and acknowledge that your "
    "display name and comment will be visible to everyone who reads {site}. Questions about "
    "moderation can be sent to the community team through the contact page on {domain}.",
    "{site} relies on the support of members to keep its reporting free for everyone. A "
    "membership costs less than a cup of coffee a week and gives you early access to "
    "investigations, invitations to members-only briefings with our reporters and an archive "
    "going back more than twenty years. Members help us send journalists to the places where "
    "news happens and keep our coverage independent of advertisers. If you value what you have "
    "just read, please consider becoming a member of {site} today.",
    "This article was produced by the {site} newsroom and reviewed by a second editor before "
    "publication, in line with our published standards. Figures quoted were checked against "
    "company filings, official statistics or other primary documents where available. "
    "Interviews have been edited for length and clarity. Our reporters do not accept gifts, "
    "paid travel or other favours from the people and organisations they cover. For the full "
    "list of our owners, funders and partners, and to contact the newsroom, see the About page "
    "on {domain}.",
)
HOUSE_INTROS = (
    "Welcome to {site} Daily, the briefing that brings you the most important stories in "
    "technology and business every weekday morning. Each day our editors pick the news you need "
    "to know, explain why it matters and point you to the best reporting from around the web. "
    "If someone forwarded this to you, every past edition is on our website. Today we start "
    "with a story our reporters have been following closely over the past week.",
    "Editor's note: {site} is making this article free to read as part of its public-interest "
    "coverage. Our reporting depends on subscribers, and a subscription gives you unlimited "
    "access to every story, our daily briefing and the full archive. If you are already a "
    "subscriber, thank you; you can share this link with friends and family who do not have "
    "an account. Here is what our correspondents found.",
    "This story is part of {site}'s Week in Review, a series in which our correspondents look "
    "back at the stories that shaped the past seven days and ask what they mean for readers, "
    "for businesses and for the people who govern them. The series is published every "
    "Saturday morning and is free to read for all registered users of {site}. This week's "
    "edition opens with the following report.",
    "The following report was produced by {site} in partnership with a network of regional "
    "newsrooms that share reporting, data and photography with one another. Partner "
    "publications may run the story in full or in part, and each is responsible for its own "
    "headlines and edits. Questions about the partnership and its funding can be sent to the "
    "editors at {domain}, where the full list of members is published.",
)
# House paragraphs of one site, written as one paragraph: the kind a cleaner cannot tell from the
# story by its lines alone. Templates at index 2, 5, ... belong to the held-out split.
HOUSE_PARAGRAPHS = (
    "Get the Morning Brief from {site} in your inbox. Every weekday at 6 a.m. our editors send the "
    "five stories that matter most in technology, markets and policy, with the context you need "
    "to understand them and links to our best analysis. It takes four minutes to read and it is "
    "free. Sign up on {domain}/newsletters, and you can unsubscribe at any time with one click. "
    "We will never sell your address or share it with advertisers; read our privacy notice to "
    "see how we handle your data.",
    "About us: {site} has covered the technology industry since 2009, with reporters in San "
    "Francisco, New York, London and Singapore. We are owned by a non-profit trust, take no money "
    "from the companies we report on and publish our full list of funders every year. Our "
    "newsroom follows the editorial code printed on {domain}/standards, and every correction we "
    "make is logged on the same page. Tips and documents can be sent securely through the "
    "encrypted form on our contact page.",
    "Disclaimer: Nothing published by {site} constitutes investment advice, a recommendation or "
    "an offer to buy or sell any security, cryptocurrency or other financial product. Prices "
    "quoted may be delayed and figures are taken from sources we believe to be reliable but have "
    "not independently verified. Past performance is not a guide to future returns, and the value "
    "of investments can fall as well as rise. Writers may own assets mentioned in their articles, "
    "and any such holdings are disclosed under our conflicts policy. Always do your own research "
    "and seek independent advice before making decisions with your money.",
    "This story is free to read because readers like you support {site}. We do not run a "
    "paywall, and we want to keep it that way, but reporting on the companies building "
    "artificial intelligence takes time, lawyers and travel. If you can, give a monthly "
    "contribution of any size on {domain}/support: it takes less than a minute and helps fund "
    "the investigations other outlets will not pay for. Thank you to the more than forty thousand "
    "readers who already chip in.",
    "{site} uses automated tools to help transcribe interviews, translate sources and check "
    "figures, but every story is reported, written and edited by people. No part of this article "
    "was generated by a language model. When we use software to analyse data for a story we say "
    "so in the text and publish our methods. Read the full policy on artificial intelligence in "
    "our newsroom at {domain}/ai-policy, and write to the standards editor if you think we have "
    "fallen short of it.",
    "Join {site} at Future Forward, our annual conference for founders, engineers and investors, on "
    "October 14 and 15 in San Francisco. Two days of interviews with the people shaping the "
    "industry, workshops on building and deploying machine learning systems, and evening "
    "receptions with our reporters. Early-bird passes are on sale until the end of the month, "
    "with discounts for students, academics and non-profit staff. Register, see the speakers "
    "announced so far and apply to exhibit at {domain}/events.",
    "Listen to the podcast from {site}, where our reporters talk through the biggest technology story "
    "of the week with the people at the centre of it. New episodes come out every Thursday "
    "morning and run about half an hour. Subscribe on Apple Podcasts, Spotify or wherever you get "
    "your podcasts, and leave us a review: it helps other listeners find the show. Transcripts of "
    "every episode are published on {domain}/podcast within a day of release.",
    "Copyright {site}. All rights reserved. Reproduction of this article in any form, whether in "
    "print, on the web or in a newsletter, requires a licence from our syndication desk, which can "
    "be contacted through {domain}/licensing. Short quotations of up to two hundred words are "
    "permitted for the purposes of criticism or review, provided that {site} is credited and a "
    "link to the original article is given. Photographs and graphics are owned by their "
    "respective agencies and may not be reused without their permission.",
)
# Disclaimers many sites print word for word under their stories (no site named).
SHARED_DISCLAIMERS = (
    "The information provided in this article is for general informational purposes only and "
    "should not be construed as financial, investment, legal or tax advice. Trading stocks, "
    "options and digital assets involves a high degree of risk and may not be suitable for all "
    "investors. You could lose some or all of the money you invest. The author and publisher "
    "accept no liability for any loss or damage arising from reliance on the information in this "
    "article. Consult a licensed financial adviser before acting on anything you read here.",
    "This press release was distributed by a third-party newswire service and is published "
    "unedited as supplied by the issuing company. The publisher has not verified the claims it "
    "contains and does not endorse the products, services or forecasts it describes. "
    "Forward-looking statements are subject to risks and uncertainties that could cause actual "
    "results to differ materially. Questions about the release should be directed to the media "
    "contact named by the issuing company, not to our editorial staff.",
    "Some of the links in this article are affiliate links, which means the site may receive a "
    "small commission if you make a purchase after clicking them, at no additional cost to you. "
    "These commissions help fund independent journalism. Editorial decisions are made "
    "separately from commercial partnerships, and no retailer or manufacturer reviewed this "
    "article before it was published. Prices, discounts and stock levels change frequently and "
    "were correct at the time of writing.",
)
ADDED_PARAGRAPHS = (
    "Editor's note: This article was first published by {origin} and is republished here with "
    "permission. Additional reporting by {person} in {town}.",
    "Local officials in {town} said on Tuesday they were watching the situation closely and "
    "would brief residents at the next council meeting, according to {person}, a spokesperson.",
    "{site} has asked the companies involved for further comment and will update this story "
    "when they respond.",
    "Related coverage on {site} includes our earlier report on the issue and an explainer on "
    "what it means for readers in {town}.",
)


@dataclass(frozen=True)
class Body:
    """One real article body that the set copies."""

    id: str
    url: str
    text: str


@dataclass(frozen=True)
class StoryPair:
    """An English SemEval pair: two texts and their Overall score (1 same story, 4 unrelated)."""

    pair_id: str
    text1: str
    text2: str
    overall: float


@dataclass
class SyndicationSet:
    """Documents in arrival order with their gold copy cluster, kind and negative group."""

    docs: list[dict[str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def add(self, doc: dict[str, str], label: str, kind: str, group: str = "") -> None:
        """Append one document and its gold annotations."""
        self.docs.append(doc)
        self.labels.append(label)
        self.kinds.append(kind)
        self.groups.append(group)

    def sorted_by_arrival(self) -> SyndicationSet:
        """The same set ordered by publication time (ties by id), as a crawler would meet it."""
        order = sorted(
            range(len(self.docs)), key=lambda i: (self.docs[i]["published"], self.docs[i]["id"])
        )
        return SyndicationSet(
            [self.docs[i] for i in order],
            [self.labels[i] for i in order],
            [self.kinds[i] for i in order],
            [self.groups[i] for i in order],
        )


# ---- loading


def load_bodies(root: Path) -> list[Body]:
    """The AEB gold bodies, sorted by page id."""
    truth = json.loads((root / AEB_TRUTH).read_text(encoding="utf-8"))
    return [Body(key, truth[key]["url"], truth[key]["articleBody"]) for key in sorted(truth)]


def load_story_pairs(root: Path) -> list[StoryPair]:
    """Human-labelled English SemEval pairs (augmented rows, ids with letters, left out)."""
    csv.field_size_limit(1 << 28)
    with (root / SEMEVAL_CSV).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        StoryPair(row["pair_id"], row["text1"], row["text2"], float(row["Overall"]))
        for row in rows
        if not re.search(r"[a-z]", row["pair_id"]) and row["lang1"] == row["lang2"] == "en"
    ]


def load_extra_texts(root: Path) -> list[tuple[str, str]]:
    """English texts of human-labelled pairs whose other side is not English, with the pair id."""
    csv.field_size_limit(1 << 28)
    with (root / SEMEVAL_CSV).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        if re.search(r"[a-z]", row["pair_id"]) or row["lang1"] == row["lang2"]:
            continue
        for lang, text in ((row["lang1"], row["text1"]), (row["lang2"], row["text2"])):
            if lang == "en":
                out.append((row["pair_id"], text))
    return out


def split_of(key: str) -> str:
    """The split a source body belongs to, by a fixed hash of its id."""
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
    return SPLITS[number % HELD_OUT_EVERY == 0]


def templates_of(templates: Sequence[str], split: str | None) -> list[str]:
    """The house texts of a split: every third one (from the third) is held out."""
    if split is None:
        return list(templates)
    held_out = split == SPLITS[1]
    return [t for i, t in enumerate(templates) if (i % HELD_OUT_EVERY == 2) == held_out]


def missing_reason(root: Path) -> str | None:
    """Why the set cannot be built from ``root``, or None."""
    for path in (AEB_TRUTH, SEMEVAL_CSV):
        if not (root / path).is_file():
            return f"{root / path} not found (set NEWSFOLD_BENCHDATA to the benchdata folder)"
    return None


def load_set(root: Path, seed: int = DEFAULT_SEED, split: str | None = None) -> SyndicationSet:
    """Build the syndication set (one split of it, or all) from the benchdata folder."""
    bodies, pairs, extra = load_bodies(root), load_story_pairs(root), load_extra_texts(root)
    return build_set(bodies, pairs, seed, split, extra)


# ---- the set


def build_set(
    bodies: Sequence[Body],
    pairs: Sequence[StoryPair],
    seed: int = DEFAULT_SEED,
    split: str | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> SyndicationSet:
    """Originals with their copies, then distinct documents and hard negatives, in arrival order."""
    if split is not None:
        # Decided by the ids alone, before any text is read: the split never depends on results.
        bodies = [b for b in bodies if split_of(b.id) == split]
        pairs = [p for p in pairs if split_of(p.pair_id) == split]
        extra = [(key, text) for key, text in extra if split_of(key) == split]
    rng = random.Random(f"{seed}-{split}")
    out = SyndicationSet()
    usable = [b for b in bodies if len(_WORD.findall(b.text)) >= MIN_BODY_WORDS]
    for number, body in enumerate(usable):
        _add_original(rng, out, number, body, split)
    known = [b.text for b in usable]
    found = distinct_pairs(pairs, known)
    known += [t for _, texts in found for t in texts]
    loose = [StoryPair(f"x{key}", text, "", DIFFERENT_STORY_MIN) for key, text in extra]
    found += [(pair, texts) for pair, texts in distinct_pairs(loose, known) if texts]
    _add_negatives(rng, out, found, split)
    return out.sorted_by_arrival()


def distinct_pairs(
    pairs: Sequence[StoryPair], known: Sequence[str]
) -> list[tuple[StoryPair, list[str]]]:
    """Each pair with the texts of it that copy no earlier text (nor a known one), in pair order."""
    index = _ShingleIndex()
    for text in known:
        index.add(_shingle_set(text))
    kept = []
    for pair in sorted(pairs, key=lambda p: p.pair_id):
        texts = []
        for text in (pair.text1, pair.text2):
            grams = _shingle_set(text) if text.strip() else set()
            if grams and index.max_containment(grams) < NATURAL_COPY_CONTAINMENT:
                index.add(grams)
                texts.append(text.strip())
        kept.append((pair, texts))
    return kept


def _add_original(
    rng: random.Random, out: SyndicationSet, number: int, body: Body, split: str | None
) -> None:
    """One original and its 0 to 4 copies."""
    label = f"b{number:03d}"
    paras = paragraphs(body.text)
    published = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
    title = title_from_url(body.url) or first_words(body.text, 12)
    host = urlsplit(body.url).netloc.removeprefix("www.")
    out.add(_doc(label, "\n\n".join(paras), title, body.url, published), label, "original")
    count = rng.choices(range(len(COPY_COUNT_WEIGHTS)), COPY_COUNT_WEIGHTS)[0]
    for index in range(count):
        kind = rng.choice(ORIGINAL_COPY_KINDS)
        site, domain = _site(rng)
        text = copy_text(rng, kind, paras, site, host)
        if kind == "house-footer":
            house = rng.choice(templates_of(HOUSE_PARAGRAPHS, split))
            text += "\n\n" + house.format(site=site, domain=domain)
        new_title = (
            headline(rng, title, paras, site) if kind == "headline" or rng.random() < 0.5 else title
        )
        suffix = rng.randrange(10**6)
        when = published + timedelta(minutes=rng.randint(5, 36 * 60))
        url = f"https://{domain}/{when:%Y/%m/%d}/{slug(new_title)}-{suffix}"
        out.add(_doc(f"{label}-c{index}", text, new_title, url, when), label, kind)


def _add_negatives(
    rng: random.Random,
    out: SyndicationSet,
    pairs: list[tuple[StoryPair, list[str]]],
    split: str | None,
) -> None:
    """Rewrites and near-topic pairs as they are; unrelated texts grouped under a house text."""
    unrelated: list[str] = []
    for number, (pair, texts) in enumerate(pairs):
        if pair.overall >= DIFFERENT_STORY_MIN or len(texts) < 2:
            unrelated.extend(texts)
            continue
        kind = "rewrite" if pair.overall <= SAME_STORY_MAX else "near-topic"
        published = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
        for index, text in enumerate(texts):
            _, domain = _site(rng)
            when = published + timedelta(minutes=rng.randint(0, 48 * 60))
            _add_extra(out, f"s{number:03d}-{index}", text, domain, when, kind, f"s{number:03d}")
    rng.shuffle(unrelated)
    cuts = [int(len(unrelated) * share) for share in accumulate(POOL_SHARES)]
    pools = [unrelated[a:b] for a, b in zip([0, *cuts], [*cuts, len(unrelated)], strict=True)]
    for number, group in enumerate(_groups(rng, pools[0], BRIEF_GROUP)):
        _add_brief_group(rng, out, f"f{number:03d}", group, split, in_lines=False)
    for number, group in enumerate(_groups(rng, pools[1], BRIEF_GROUP)):
        _add_brief_group(rng, out, f"l{number:03d}", group, split, in_lines=True)
    for number, group in enumerate(_groups(rng, pools[2], DISCLAIMER_GROUP)):
        _add_disclaimer_group(rng, out, f"d{number:03d}", group, split)
    rest, group_size = pools[3], 2
    for start in range(0, len(rest) - group_size + 1, group_size):
        _add_house_group(rng, out, start // group_size, rest[start : start + group_size], split)
    if len(rest) % group_size:
        _, domain = _site(rng)
        when = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
        _add_extra(out, "u-last", rest[-1], domain, when, "distinct", "")


def _groups(rng: random.Random, texts: list[str], sizes: tuple[int, int]) -> list[list[str]]:
    """Consecutive groups of the texts, each of a size drawn from ``sizes`` (the last may be less)."""
    out, start = [], 0
    while start < len(texts):
        size = rng.randint(*sizes)
        out.append(texts[start : start + size])
        start += size
    return [group for group in out if len(group) >= 2]


def _add_house_group(
    rng: random.Random, out: SyndicationSet, number: int, texts: list[str], split: str | None
) -> None:
    """Different stories from one site, all carrying the same long footer (or intro)."""
    kind = "footer" if number % 2 == 0 else "intro"
    site, domain = _site(rng)
    templates = templates_of(HOUSE_FOOTERS if kind == "footer" else HOUSE_INTROS, split)
    house = rng.choice(templates).format(site=site, domain=domain)
    published = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
    for index, text in enumerate(texts):
        story = brief(text, rng.randint(40, 90)) if rng.random() < 0.5 else text
        full = f"{story}\n\n{house}" if kind == "footer" else f"{house}\n\n{story}"
        when = published + timedelta(minutes=rng.randint(0, 72 * 60))
        # the headline is the story's own (SemEval texts open with it), never the house text
        title = first_words(story, 10)
        _add_extra(out, f"h{number:03d}-{index}", full, domain, when, kind, f"h{number:03d}", title)


def _add_brief_group(
    rng: random.Random,
    out: SyndicationSet,
    group: str,
    texts: list[str],
    split: str | None,
    in_lines: bool,
) -> None:
    """Short briefs of one site over a month, all ending in its house paragraph (or its lines)."""
    kind = "brief-lines" if in_lines else "brief-footer"
    site, domain = _site(rng)
    template = rng.choice(templates_of((*HOUSE_PARAGRAPHS, *HOUSE_FOOTERS), split))
    house = template.format(site=site, domain=domain)
    if in_lines:
        house = "\n".join(s for s in _SENTENCE.split(house) if s.strip())
    sister, sister_domain = _site(rng)
    sister_house = template.format(site=sister, domain=sister_domain)
    if in_lines:
        sister_house = "\n".join(s for s in _SENTENCE.split(sister_house) if s.strip())
    published = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
    for index, text in enumerate(texts):
        story = brief(text, rng.randint(40, 90))
        when = published + timedelta(minutes=rng.randint(0, 30 * 24 * 60))
        doc_id, title = f"{group}-{index}", first_words(story, 10)
        _add_extra(out, doc_id, f"{story}\n\n{house}", domain, when, kind, group, title)
        if rng.random() < BRIEF_COPY_SHARE:
            # The sister site prints the same brief, lightly edited, above its own house text.
            paras = rng.choice((credit_line, edit_words, lambda _r, p: p))(rng, [story])
            copy = reformat(rng, paras) if rng.random() < 0.3 else "\n\n".join(paras)
            later = when + timedelta(minutes=rng.randint(5, 24 * 60))
            url = f"https://{sister_domain}/{later:%Y/%m/%d}/{slug(title)}"
            text = f"{copy}\n\n{sister_house}"
            out.add(_doc(f"{doc_id}-c", text, title, url, later), doc_id, "brief-copy")


def _add_disclaimer_group(
    rng: random.Random, out: SyndicationSet, group: str, texts: list[str], split: str | None
) -> None:
    """Different stories on different sites, each ending in the same word-for-word disclaimer."""
    disclaimer = rng.choice(templates_of(SHARED_DISCLAIMERS, split))
    published = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
    for index, text in enumerate(texts):
        _, domain = _site(rng)
        story = brief(text, rng.randint(40, 90)) if rng.random() < 0.7 else text
        when = published + timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        title = first_words(story, 10)
        full = f"{story}\n\n{disclaimer}"
        _add_extra(out, f"{group}-{index}", full, domain, when, "disclaimer", group, title)


def _add_extra(
    out: SyndicationSet,
    doc_id: str,
    text: str,
    domain: str,
    when: datetime,
    kind: str,
    group: str,
    title: str = "",
) -> None:
    """A document that is its own copy cluster, titled by its first words unless told."""
    title = title or first_words(text, 10)
    url = f"https://{domain}/{when:%Y/%m/%d}/{slug(title)}"
    out.add(_doc(doc_id, text, title, url, when), doc_id, kind, group)


def _doc(doc_id: str, text: str, title: str, url: str, when: datetime) -> dict[str, str]:
    """A document as ``newsfold fold`` reads it."""
    return {"id": doc_id, "text": text, "title": title, "url": url, "published": when.isoformat()}


# ---- copies


def copy_text(rng: random.Random, kind: str, paras: list[str], site: str, origin: str) -> str:
    """The text of one copy of an original's paragraphs."""
    if kind == "teaser":
        return teaser(rng, paras, origin)
    if kind == "teaser-edited":
        return edited_teaser(rng, paras, origin)
    if kind == "punctuation":
        return punctuation(rng, "\n\n".join(paras))
    if kind == "format":
        return reformat(rng, paras)
    if kind == "mixed":
        out = credit_line(rng, paras)
        out = rng.choice((drop_paragraph, merge_paragraphs))(rng, out)
        out = add_paragraph(rng, out, site, origin) if rng.random() < 0.5 else out
        return reformat(rng, edit_words(rng, out))
    steps: dict[str, Callable[[random.Random, list[str]], list[str]]] = {
        "headline": lambda _rng, p: p,
        "credit": credit_line,
        "paragraph-drop": drop_paragraph,
        "paragraph-merge": merge_paragraphs,
        "paragraph-add": lambda r, p: add_paragraph(r, p, site, origin),
        "edits": edit_words,
        "inserted-lines": insert_lines,
        "reorder": reorder,
        "house-footer": lambda _rng, p: p,
    }
    return "\n\n".join(steps[kind](rng, paras))


def credit_line(rng: random.Random, paras: list[str]) -> list[str]:
    """Prepend a wire credit, "(Reuters) - " or "WASHINGTON (AP) — " style."""
    agency = rng.choice(AGENCIES)
    credit = f"{rng.choice(CITIES)} ({agency}) — " if rng.random() < 0.6 else f"({agency}) - "
    return [credit + paras[0], *paras[1:]]


def drop_paragraph(rng: random.Random, paras: list[str]) -> list[str]:
    """Leave out one paragraph (never the only one)."""
    if len(paras) < 2:
        return list(paras)
    gone = rng.randrange(len(paras))
    return [p for i, p in enumerate(paras) if i != gone]


def merge_paragraphs(rng: random.Random, paras: list[str]) -> list[str]:
    """Join two neighbouring paragraphs into one."""
    if len(paras) < 2:
        return list(paras)
    at = rng.randrange(len(paras) - 1)
    return [*paras[:at], f"{paras[at]} {paras[at + 1]}", *paras[at + 2 :]]


def add_paragraph(rng: random.Random, paras: list[str], site: str, origin: str) -> list[str]:
    """Insert an editor's note, a local angle or a related-coverage line."""
    text = rng.choice(ADDED_PARAGRAPHS).format(
        origin=origin, person=rng.choice(PEOPLE), town=rng.choice(TOWNS), site=site
    )
    at = rng.randint(1, len(paras))
    return [*paras[:at], text, *paras[at:]]


def teaser(rng: random.Random, paras: list[str], origin: str) -> str:
    """The first 1 to 3 paragraphs and a pointer to the full story."""
    keep = rng.randint(1, min(3, max(1, len(paras) - 1)))
    return "\n\n".join([*paras[:keep], f"Continue reading at {origin}"])


def edited_teaser(rng: random.Random, paras: list[str], origin: str) -> str:
    """The opening third or half, its first sentence edited, lines inserted, then a pointer."""
    total = len(_WORD.findall(" ".join(paras)))
    share, kept, out = rng.choice((1 / 3, 1 / 2)), 0, []
    for para in paras[:-1] or paras:
        out.append(para)
        kept += len(_WORD.findall(para))
        if kept >= share * total:
            break
    first, *rest = _SENTENCE.split(out[0], maxsplit=1)
    first = typo(rng, first) or first
    if rng.random() < 0.7:
        month, day = rng.choice(MONTHS), rng.randint(1, 28)
        first = f"{rng.choice(CITIES)}, {month} {day} ({rng.choice(AGENCIES)}) - {first}"
    out[0] = " ".join([first, *rest])
    if rng.random() < 0.6:
        line = rng.choice(INSERTED_LINES[3:]).format(headline=rng.choice(OTHER_HEADLINES))
        out.insert(1, line)
    return "\n\n".join([*out, rng.choice(TEASER_ENDINGS).format(origin=origin)])


def insert_lines(rng: random.Random, paras: list[str]) -> list[str]:
    """One to three short lines a page template leaves inside the text (advert, related link)."""
    out = list(paras)
    for _ in range(rng.randint(1, 3)):
        line = rng.choice(INSERTED_LINES).format(headline=rng.choice(OTHER_HEADLINES))
        out.insert(rng.randint(1, len(out)), line)
    return out


def reorder(rng: random.Random, paras: list[str]) -> list[str]:
    """Move one paragraph after the first somewhere else, as an editor reshuffling the story."""
    if len(paras) < 3:
        return list(paras)
    out = list(paras)
    moved = out.pop(rng.randrange(1, len(out)))
    out.insert(rng.choice([i for i in range(1, len(out) + 1) if out[i - 1 : i] != [moved]]), moved)
    return out


def punctuation(rng: random.Random, text: str) -> str:
    """Quotes, apostrophes, dashes, ellipses and spaces normalised another way, words unchanged."""
    if rng.random() < 0.5:
        text = re.sub(r'"(?=\w)', "\u201c", text).replace('"', "\u201d").replace("'", "\u2019")
    else:
        text = text.translate(_CURLY)
    dash = rng.choice((" \u2013 ", " - ", "\u2014"))
    text = re.sub(r"\s*(?:\u2014|--|\u2013)\s*", dash, text)
    text = text.replace("...", "\u2026") if rng.random() < 0.5 else text.replace("\u2026", "...")
    return re.sub(r"(?<=\d) (?=[A-Za-z%])", "\u00a0", text)


def edit_words(rng: random.Random, paras: list[str]) -> list[str]:
    """Two to five small edits: a spelling convention, a changed number, a fixed typo."""
    text = "\n\n".join(paras)
    for _ in range(rng.randint(2, 5)):
        edit = rng.choice((swap_spelling, change_number, typo))
        text = edit(rng, text) or typo(rng, text) or text
    return text.split("\n\n")


def swap_spelling(rng: random.Random, text: str) -> str | None:
    """Switch every occurrence of one word between American and British spelling."""
    pairs = [*SPELLING.items(), *((b, a) for a, b in SPELLING.items())]
    present = [(a, b) for a, b in pairs if re.search(rf"\b{a}\b", text, re.IGNORECASE)]
    if not present:
        return None
    old, new = rng.choice(present)
    return re.sub(rf"\b{old}\b", lambda m: _same_case(m.group(0), new), text, flags=re.IGNORECASE)


def change_number(rng: random.Random, text: str) -> str | None:
    """Change one figure, as a correction or an update would."""
    found = [m for m in _NUMBER.finditer(text) if not re.fullmatch(r"(?:19|20)\d\d", m.group(0))]
    if not found:
        return None
    match = rng.choice(found)
    last = match.end() - 1
    digit = str((int(text[last]) + rng.randint(1, 9)) % 10)
    return text[:last] + digit + text[last + 1 :]


def typo(rng: random.Random, text: str) -> str | None:
    """Swap two inner letters of one long word (or fix such a swap: the same change)."""
    found = list(re.finditer(r"\b[^\W\d_]{7,}\b", text))
    if not found:
        return None
    match = rng.choice(found)
    word = match.group(0)
    at = rng.randint(1, len(word) - 3)
    swapped = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return text[: match.start()] + swapped + text[match.end() :]


def reformat(rng: random.Random, paras: list[str]) -> str:
    """Different whitespace, quotes, dashes and case, the words unchanged."""
    text = "\n".join(paras) if rng.random() < 0.5 else "\n\n\n".join(p + "  " for p in paras)
    if text != text.translate(_CURLY):
        text = text.translate(_CURLY)
    else:
        text = re.sub(r'"(\w)', "\u201c\\1", text).replace('"', "\u201d").replace("'", "\u2019")
    text = (
        text.replace("—", "--") if rng.random() < 0.5 else re.sub(r"(?<=\.) (?=[A-Z])", "  ", text)
    )
    head, _, rest = text.partition(" ")
    return f"{head.upper()} {rest}" if rng.random() < 0.5 else text


def headline(rng: random.Random, title: str, paras: list[str], site: str) -> str:
    """A different headline for the same story."""
    style = rng.randrange(5)
    if style == 0:
        return f"UPDATE {rng.randint(1, 3)}-{title}"
    if style == 1:
        return title.upper()
    if style == 2:
        return f"{title} | {site}"
    if style == 3:
        return f"EXCLUSIVE: {title}"
    return first_words(paras[0], 10)


# ---- text helpers


def paragraphs(text: str) -> list[str]:
    """Non-empty lines; a text with fewer than three is cut into groups of three sentences."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) >= 3:
        return lines
    sentences = [s for line in lines for s in _SENTENCE.split(line) if s.strip()]
    return [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)] or [text.strip()]


def brief(text: str, words: int) -> str:
    """The leading whole sentences of a text, stopping once ``words`` words are reached."""
    out: list[str] = []
    for sentence in _SENTENCE.split(text.strip()):
        out.append(sentence)
        if len(_WORD.findall(" ".join(out))) >= words:
            break
    return " ".join(out)


def first_words(text: str, count: int) -> str:
    """The first ``count`` whitespace-separated words of a text."""
    return " ".join(text.split()[:count])


def title_from_url(url: str) -> str:
    """A headline recovered from a URL slug, or "" when the path holds no slug."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    for segment in reversed(segments):
        words = [w for w in re.split(r"[-_]+", re.sub(r"\.\w+$", "", segment)) if w.isalpha()]
        if len(words) >= 3:
            return " ".join(words).capitalize()
    return ""


def slug(title: str) -> str:
    """A URL slug of a headline."""
    return "-".join(_WORD.findall(title.lower())[:8]) or "story"


def _site(rng: random.Random) -> tuple[str, str]:
    """A made-up outlet name and its domain."""
    town, outlet = rng.choice(TOWNS), rng.choice(OUTLETS)
    return f"The {town} {outlet}", f"{town}{outlet}.example".lower()


def _same_case(model: str, word: str) -> str:
    """``word`` capitalised like ``model``."""
    if model.isupper():
        return word.upper()
    return word.capitalize() if model[:1].isupper() else word


def _shingle_set(text: str, size: int = 5) -> set[str]:
    """Plain lower-case word shingles, for spotting natural copies among the source texts."""
    tokens = _WORD.findall(text.lower())
    return {" ".join(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1))}


class _ShingleIndex:
    """Shingle sets behind an inverted index: the largest overlap of a new set with any of them."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.postings: dict[str, list[int]] = {}

    def add(self, grams: set[str]) -> None:
        """Remember one set."""
        for gram in grams:
            self.postings.setdefault(gram, []).append(len(self.sizes))
        self.sizes.append(len(grams))

    def max_containment(self, grams: set[str]) -> float:
        """The largest share of the smaller set inside the other, over the remembered sets."""
        shared = Counter(i for gram in grams for i in self.postings.get(gram, ()))
        return max((n / min(len(grams), self.sizes[i]) for i, n in shared.items()), default=0.0)

"""Fold stage: syndicated copies join their original's article; rewrites join its story."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from config.schema import FoldConfig
from pipelines.folding.features import (
    DOMAIN_COMMON,
    LEAD_BANDS,
    LEAD_WORDS,
    Fingerprint,
    Fingerprinter,
    containment,
    gram_set,
    jaccard,
    lead_contained,
)
from pipelines.folding.house import (
    HOUSE_DF,
    distinct_stories,
    edge_keys,
    opening_share,
    paragraphs,
)
from storage.base import ArticleRecord, Candidate, FoldIndex, Sighting
from storage.times import shift

logger = logging.getLogger(__name__)

STORY_QUERY_TERMS = 12
# An article's postings: its terms that could head another article's query, ranked as queries are
# ranked; twice the query's length, so a rewrite's query meets them while rarities drift.
STORY_INDEX_TERMS = 2 * STORY_QUERY_TERMS
# Estimated Jaccard this close above the threshold is checked on the texts themselves.
BORDERLINE = 0.1
# Articles sharing an opening with a text that matched nothing else, read to check for a teaser.
TEASER_CANDIDATES = 5
# A shorter text whose estimated containment in a band candidate reaches this is checked as a
# teaser of it (an edited opening can hide it from the opening's own bands).
TEASER_CONTAINMENT = 0.5
CANDIDATE_LIMIT = 50
# Texts up to this long are checked for house text before they fold: a shared footer or
# disclaimer (at most ~250 words, or a few paragraphs the store knows) cannot make longer ones
# look alike.
HOUSE_CHECK_WORDS = 1000
# Stored articles' words kept per process (~50 KB each): ~10 MB.
WORDS_KEPT = 200
# Articles sharing the most salient terms, scored for the story decision (each costs a cosine).
STORY_CANDIDATES = 12


@dataclass(frozen=True)
class FoldResult:
    """What folding did with one document."""

    kind: str  # "new", "copy", "seen" or "revision"
    article_id: int
    story_id: int | None
    new_story: bool = False
    similarity: float = 1.0


class Text:
    """A text being folded, tokenised once, when a check first needs its words."""

    def __init__(self, text: str, shingle_size: int) -> None:
        self.text = text
        self.shingle_size = shingle_size

    @cached_property
    def paragraphs(self) -> list[list[str]]:
        """Its lines as normalised words."""
        return paragraphs(self.text)

    @cached_property
    def words(self) -> list[str]:
        """Its normalised words."""
        return [w for p in self.paragraphs for w in p]

    @cached_property
    def grams(self) -> set[tuple[str, ...]]:
        """Its word n-grams (the shingles, unhashed)."""
        return gram_set(self.words, self.shingle_size)


class Folder:
    """Decides, inside one store transaction, where a document belongs."""

    def __init__(self, config: FoldConfig) -> None:
        self.config = config
        # Stored articles' paragraphs and words by content hash, for the checks that read texts:
        # in a crawl the same few articles that open alike are read again and again.
        self.stored_words: dict[str, tuple[list[list[str]], list[str]]] = {}

    @cached_property
    def fingerprinter(self) -> Fingerprinter:
        """The fingerprinter of this config, made when first needed."""
        return Fingerprinter(self.config)

    @property
    def params(self) -> dict[str, Any]:
        """The MinHash parameters stored signatures depend on."""
        c = self.config
        return {
            "scheme": "affine32",
            "num_perm": c.num_perm,
            "bands": c.bands,
            "shingle_size": c.shingle_size,
            "seed": c.seed,
            "lead_words": LEAD_WORDS,
            "lead_bands": LEAD_BANDS,
        }

    def fold(
        self, index: FoldIndex, record: ArticleRecord, sighting: Sighting, fp: Fingerprint
    ) -> FoldResult:
        """Store a document as a new article, a copy, a revision or a repeat sighting."""
        # What another writer's document must share to meet this one: claimed before any read.
        index.claim((sighting.doc_id, fp.content_hash, *fp.index_keys))
        known = index.sighting_by_doc(sighting.doc_id)
        if known is not None:
            return self._known(index, known, record, sighting, fp)
        matches = self._copy_matches(index, fp, Text(record.text, self.config.shingle_size))
        if matches:
            return self._add_copy(index, matches, record, sighting, fp)
        time_key = sighting.published or sighting.seen_at
        story_id, score, postings = self._find_story(index, fp, time_key)
        new_story = story_id is None
        # The article is written into its story: only a story that existed needs its bounds moved.
        if story_id is None:
            story_id = index.new_story(record.title, time_key)
        else:
            index.widen_story(story_id, time_key, time_key)
        article_id = index.add_article(record, fp, story_id, sighting, postings)
        return FoldResult("new", article_id, story_id, new_story, score)

    def _known(
        self,
        index: FoldIndex,
        known: tuple[int, str],
        record: ArticleRecord,
        sighting: Sighting,
        fp: Fingerprint,
    ) -> FoldResult:
        """A document seen before: a repeat, or a revision when its text changed."""
        article_id, old_hash = known
        if old_hash == fp.content_hash:
            index.touch_sighting(sighting.doc_id, sighting.seen_at)
            return FoldResult("seen", article_id, None)
        index.add_revision(
            article_id, sighting.doc_id, record.text, fp.content_hash, sighting.seen_at
        )
        original, _ = index.original(article_id)
        if original.doc_id == sighting.doc_id:
            index.elect(article_id, record, fp, sighting.doc_id)
        return FoldResult("revision", article_id, None)

    def _copy_matches(
        self, index: FoldIndex, fp: Fingerprint, text: Text
    ) -> list[tuple[float, Candidate | int]]:
        """Stored articles this text is a copy of, best first."""
        exact = index.article_by_hash(fp.content_hash)
        if exact is not None:
            return [(1.0, exact)]
        if fp.word_count < self.config.min_words:
            return []
        signature = fp.signature()
        found: list[tuple[float, Candidate]] = []
        near: list[Candidate] = []
        for cand in index.lsh_candidates(fp.band_keys, CANDIDATE_LIMIT):
            sim = jaccard(signature, np.frombuffer(cand.hashvalues, dtype=np.uint32))
            cont = containment(sim, fp.shingle_count, cand.shingle_count)
            if sim >= self.config.copy_jaccard + BORDERLINE:
                found.append((max(sim, cont), cand))
            elif sim >= self.config.copy_jaccard or cont >= self.config.copy_containment:
                # Estimates are off by ~0.04 and containment estimates worse when sizes differ
                # (a shared house footer can look like containment): here the texts decide.
                exact_j, exact_c = self._exact_overlap(index, cand, text)
                if exact_j >= self.config.copy_jaccard or exact_c >= self.config.copy_containment:
                    found.append((max(exact_j, exact_c), cand))
            elif (
                cont >= TEASER_CONTAINMENT
                and fp.shingle_count < cand.shingle_count
                and len(near) < TEASER_CANDIDATES
            ):
                near.append(cand)
        lead_keys = (*fp.lead_keys, *fp.bare_lead_keys)
        if not found and (lead_keys or near):
            # A teaser and its full text share too few shingles for the bands to meet, but
            # they open alike; the exact check on the texts keeps shared intros apart.
            seen = {c.article_id for c in near}
            lead = index.lsh_candidates(lead_keys, TEASER_CANDIDATES) if lead_keys else []
            for cand in [*near, *(c for c in lead if c.article_id not in seen)]:
                share = self._teaser_share(index, cand, text)
                if share >= self.config.copy_containment:
                    found.append((share, cand))
        found = self._without_house_matches(index, fp, text, found)
        found.sort(key=lambda pair: -pair[0])
        return list(found)

    def _without_house_matches(
        self,
        index: FoldIndex,
        fp: Fingerprint,
        text: Text,
        found: list[tuple[float, Candidate]],
    ) -> list[tuple[float, Candidate]]:
        """The matches left once shared house text stops counting as evidence of a copy."""
        size = self.config.shingle_size
        short = [
            (score, cand)
            for score, cand in found
            if min(fp.word_count, cand.shingle_count + size - 1) <= HOUSE_CHECK_WORDS
        ]
        if not short:
            return found
        stored = {cand.article_id: self._stored(index, cand)[0] for _, cand in short}
        keys = set(fp.paragraph_keys)
        for paras in stored.values():
            keys.update(edge_keys(paras))
        df = index.paragraph_frequencies(sorted(keys))
        house = {key for key, n in df.items() if n >= HOUSE_DF}
        return [
            (score, cand)
            for score, cand in found
            if cand.article_id not in stored
            or not distinct_stories(text.paragraphs, stored[cand.article_id], house)
        ]

    def _exact_overlap(self, index: FoldIndex, cand: Candidate, text: Text) -> tuple[float, float]:
        """Exact Jaccard of two texts' shingle sets, and the share of the smaller in the larger."""
        a = text.grams
        b = gram_set(self._words_of(index, cand), self.config.shingle_size)
        if not a or not b:
            return 0.0, 0.0
        shared = len(a & b)
        return shared / len(a | b), shared / min(len(a), len(b))

    def _teaser_share(self, index: FoldIndex, cand: Candidate, text: Text) -> float:
        """How much of the shorter of two texts repeats the opening of the longer."""
        other_paras, other = self._stored(index, cand)
        if len(text.words) <= len(other):
            short, short_paras, long = text.words, text.paragraphs, other
        else:
            short, short_paras, long = other, other_paras, text.words
        if len(short) < self.config.min_words:
            return 0.0
        grams = text.grams if short is text.words else None  # the text's own, made once
        share = lead_contained(short, long, self.config.shingle_size, grams)
        if share >= self.config.copy_containment:
            return share
        # An edited opening (a credit, a typo) or inserted lines break every shingle spanning
        # them; aligned word by word, they cost only their own words.
        return max(share, opening_share(short_paras, long))

    def _words_of(self, index: FoldIndex, cand: Candidate) -> list[str]:
        """A stored article's words, read once per process for each content hash."""
        return self._stored(index, cand)[1]

    def _stored(self, index: FoldIndex, cand: Candidate) -> tuple[list[list[str]], list[str]]:
        """A stored article's paragraphs and words, read once per process for each content hash."""
        found = self.stored_words.get(cand.content_hash)
        if found is None:
            if len(self.stored_words) >= WORDS_KEPT:
                self.stored_words.clear()
            paras = paragraphs(index.article_text(cand.article_id))
            found = self.stored_words[cand.content_hash] = (paras, [w for p in paras for w in p])
        return found

    def _add_copy(
        self,
        index: FoldIndex,
        matches: list[tuple[float, Candidate | int]],
        record: ArticleRecord,
        sighting: Sighting,
        fp: Fingerprint,
    ) -> FoldResult:
        """Attach a copy; merge articles it bridges; re-elect the original."""
        ids = [m.article_id if isinstance(m, Candidate) else m for _, m in matches]
        keep, others = min(ids), sorted(set(ids) - {min(ids)})
        stories = {m.story_id for _, m in matches if isinstance(m, Candidate) and m.story_id}
        if others:
            index.merge_articles(keep, others)
        index.add_sighting(keep, sighting, fp.index_keys)
        story_id = self._merge_story_set(index, stories)
        if story_id is not None:
            index.join_story(keep, story_id, sighting.published or sighting.seen_at)
        self._elect(index, keep, record, sighting, fp)
        return FoldResult("copy", keep, story_id, similarity=matches[0][0])

    def _elect(
        self,
        index: FoldIndex,
        article_id: int,
        record: ArticleRecord,
        sighting: Sighting,
        fp: Fingerprint,
    ) -> None:
        """Make the new sighting the original when it ranks before the current one."""
        current, canonical = index.original(article_id)
        if election_key(sighting, canonical) < election_key(current, canonical):
            index.elect(article_id, record, fp, sighting.doc_id)

    def _find_story(
        self, index: FoldIndex, fp: Fingerprint, time_key: str
    ) -> tuple[int | None, float, list[str]]:
        """The story sharing this article's salient terms within the window; its own postings."""
        # The query is the terms that weigh most once rarity counts: common terms would bring
        # back long posting lists and little evidence.
        total, df = index.term_frequencies(list(fp.terms))
        idf = {t: rarity(total, df.get(t, 0)) for t in fp.terms}
        ranked = query_ranking(fp.terms, idf)
        # A rewrite another writer is folding now meets this one on these terms.
        index.claim(ranked[:STORY_INDEX_TERMS], stage=1)
        window = self.config.story_window_days
        candidates = index.story_candidates(
            ranked[:STORY_QUERY_TERMS],
            shift(time_key, -window),
            shift(time_key, window),
            STORY_CANDIDATES,
        )
        postings = ranked[:STORY_INDEX_TERMS]
        if not candidates:
            return None, 0.0, postings
        # A candidate's norm needs the rarity of all its terms; most candidates fall short of the
        # threshold even against the least norm their terms allow, and are left unread.
        threshold = self.config.story_threshold
        known = term_scales(idf)
        wanted = scaled_vector(fp.terms, known)
        floor = rarity_floor(total)
        mass = sum(v * v for v in wanted.values())
        near = [
            c
            for c in candidates
            if cosine_bound(wanted, known, c.terms, floor, mass) >= threshold - BOUND_MARGIN
        ]
        if not near:
            return None, 0.0, postings
        scale = known
        rest = set().union(*(c.terms for c in near)) - idf.keys()
        if rest:
            _, more = index.term_frequencies(list(rest))
            scale = known | term_scales({t: rarity(total, more.get(t, 0)) for t in rest})
        scored = [(cosine(wanted, scaled_vector(c.terms, scale)), c) for c in near]
        matched = [(s, c) for s, c in scored if s >= threshold and c.story_id]
        if not matched:
            return None, max(s for s, _ in scored), postings
        story_id = self._merge_story_set(index, {c.story_id for _, c in matched if c.story_id})
        return story_id, max(s for s, _ in matched), postings

    @staticmethod
    def _merge_story_set(index: FoldIndex, stories: set[int]) -> int | None:
        """Merge several stories into the oldest; return it."""
        if not stories:
            return None
        keep = min(stories)
        if len(stories) > 1:
            index.merge_stories(keep, sorted(stories - {keep}))
        return keep


def election_key(sighting: Sighting, canonical: set[str]) -> tuple[Any, ...]:
    """Earliest published, then a canonical target, then a wire credit, then the longest text."""
    return (
        sighting.published or "9999",
        sighting.url not in canonical,
        not sighting.wire_credit,
        -sighting.word_count,
    )


def rarity(total: int, df: float) -> float:
    """A term's rarity weight (smoothed idf) when ``df`` of ``total`` articles carry it."""
    return math.log((total + 2) / (df + 1)) + 1.0


def query_ranking(terms: dict[str, float], idf: dict[str, float]) -> list[str]:
    """The terms a story query may use, heaviest first once rarity counts."""
    return sorted(
        (t for t in terms if t not in DOMAIN_COMMON), key=lambda t: (-terms[t] * idf[t], t)
    )


def story_score(a: dict[str, float], b: dict[str, float], idf: dict[str, float]) -> float:
    """Cosine of two salient-term profiles, weighted by rarity; domain-common terms count little."""
    return cosine(profile_vector(a, idf), profile_vector(b, idf))


def profile_vector(terms: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    """A profile's weights: rarity times the square root of its count."""
    return scaled_vector(terms, term_scales({term: idf.get(term, 1.0) for term in terms}))


def term_scales(idf: dict[str, float]) -> dict[str, float]:
    """Each term's weight before its count: rarity, a tenth for domain-common terms."""
    return {term: (0.1 if term in DOMAIN_COMMON else 1.0) * w for term, w in idf.items()}


def scaled_vector(terms: dict[str, float], scale: dict[str, float]) -> dict[str, float]:
    """Each term's scale times the square root of its count."""
    sqrt = math.sqrt
    return {term: scale[term] * sqrt(count) for term, count in terms.items()}


# How far a frequency read in this transaction, or cached, may exceed the article count read in
# it: other writers' commits and merges in between (10 % and 8 articles is far more than seen).
RARITY_SLACK = (1.1, 8)
# Rounding room between a bound and the cosine it bounds, computed in another order.
BOUND_MARGIN = 1e-9


def rarity_floor(total: int) -> float:
    """A floor under any term's rarity weight while ``total`` articles are stored.

    A term is in at most every article (absorbed articles give their terms back), so its
    ``log((total + 2) / (df + 1)) + 1`` is at least this, with room for concurrent writers.
    """
    share, extra = RARITY_SLACK
    return max(0.0, rarity(total, share * total + extra))


def cosine_bound(
    wanted: dict[str, float],
    scale: dict[str, float],
    terms: dict[str, float],
    floor: float,
    wanted_mass: float | None = None,
) -> float:
    """An upper bound of the cosine of ``wanted`` and a profile whose own terms' rarity is unread.

    Shared terms weigh what they will (``scale`` holds ``wanted``'s); every other term of the
    profile adds at least its ``floor``-rarity weight to the profile's norm. ``wanted_mass``,
    the sum of ``wanted``'s squared weights, is the same for every candidate of one article.
    """
    if wanted_mass is None:
        wanted_mass = sum(v * v for v in wanted.values())
    least_common = 0.1 * floor
    least_sq, least_common_sq = floor * floor, least_common * least_common
    sqrt = math.sqrt
    dot = mass = 0.0
    for term, count in terms.items():
        known = scale.get(term)
        if known is None:
            mass += (least_common_sq if term in DOMAIN_COMMON else least_sq) * count
        else:
            dot += wanted[term] * known * sqrt(count)
            mass += known * known * count
    norm = sqrt(wanted_mass * mass)
    return dot / norm if norm else 0.0


def cosine(va: dict[str, float], vb: dict[str, float]) -> float:
    """Cosine similarity of two sparse vectors."""
    dot = sum(weight * vb[term] for term, weight in va.items() if term in vb)
    norm = math.sqrt(sum(v * v for v in va.values())) * math.sqrt(sum(v * v for v in vb.values()))
    return dot / norm if norm else 0.0

"""House text: paragraphs different articles share (a footer, a disclaimer) and a text's own words.

A newsletter box, an "about us" or an investment disclaimer printed under every story of a site
(or of many sites) makes two short, different stories look alike. Such a paragraph is known as
house text once the store counts it in two articles (``paragraph_df``), and before that, from the
second article of a site on, by where it sits: the same ending under two texts whose own words
tell different stories. A copy shares the story; house text shares only itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from difflib import SequenceMatcher

from pipelines.folding.features import gram_set, words

# Paragraphs counted in the store: the first few and the last few, where house text sits.
HEAD_PARAGRAPHS = 2
TAIL_PARAGRAPHS = 4
PARAGRAPH_MIN_WORDS = 5
# A paragraph in this many stored articles is house text wherever it appears.
HOUSE_DF = 2
# A shared ending longer than this is the story itself, not a footer a site prints under it.
HOUSE_MAX_WORDS = 250
# Two endings are the same house text when their word 3-grams mostly agree (a sister site
# prints the template under its own name).
SAME_PARAGRAPH = 0.6
# Own words: both texts need this many outside house text for them to decide, and share at
# least this much of the smaller text's word 3-grams to be copies. Copies with edits keep most
# 3-grams; different stories share almost none.
OWN_MIN_WORDS = 10
OWN_GRAM = 3
OWN_CONTAINMENT = 0.5
# Lines a republisher inserts ("Read more: ...", "ADVERTISEMENT") are at most this long.
INSERTED_MAX_WORDS = 12
# Word runs shorter than this matching between two texts are chance ("of the", "said the").
ALIGN_MIN_RUN = 3
# A wire credit opening a text: "(Reuters) -", "PARIS (AFP) —", "NEW YORK, March 3 (AP) -".
_CREDIT = re.compile(
    r"^\s*(?:[A-Z][A-Z .'-]{1,40},?\s*(?:[A-Z][a-z]{2,8}\.? \d{1,2},?\s*)?)?"
    r"\([A-Z][\w .&-]{1,30}\)\s*[-\u2013\u2014]+\s*"
)


def paragraphs(text: str) -> list[list[str]]:
    """A text's non-empty lines as normalised words."""
    return [line for line in map(words, text.splitlines()) if line]


def paragraph_key(tokens: Sequence[str]) -> int:
    """A signed 64-bit hash of a paragraph's words, storable as an SQL integer."""
    digest = hashlib.blake2b(" ".join(tokens).encode(), digest_size=8, person=b"paragraph")
    return int.from_bytes(digest.digest(), "big", signed=True)


def edge_keys(paras: Sequence[Sequence[str]]) -> tuple[int, ...]:
    """The distinct keys of a text's first and last paragraphs long enough to count."""
    head = list(paras[:HEAD_PARAGRAPHS])
    tail = list(paras[max(HEAD_PARAGRAPHS, len(paras) - TAIL_PARAGRAPHS) :])
    keys = (paragraph_key(p) for p in (*head, *tail) if len(p) >= PARAGRAPH_MIN_WORDS)
    return tuple(dict.fromkeys(keys))


def same_paragraph(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two paragraphs are the same text, up to a few words."""
    if a == b:
        return True
    ga, gb = gram_set(list(a), OWN_GRAM), gram_set(list(b), OWN_GRAM)
    return bool(ga and gb) and len(ga & gb) / len(ga | gb) >= SAME_PARAGRAPH


def shared_ending(a: Sequence[Sequence[str]], b: Sequence[Sequence[str]]) -> int:
    """How many last paragraphs two texts share, when short enough to be a house text (else 0)."""
    count = size = 0
    for pa, pb in zip(reversed(a), reversed(b), strict=False):
        if not same_paragraph(pa, pb):
            break
        count += 1
        size += len(pa)
    return count if size <= HOUSE_MAX_WORDS else 0


def own_words(paras: Sequence[Sequence[str]], cut: int, house: Collection[int]) -> list[str]:
    """A text's words outside its last ``cut`` paragraphs and outside known house paragraphs."""
    kept = paras[: len(paras) - cut]
    return [w for p in kept if not (house and paragraph_key(p) in house) for w in p]


def distinct_stories(
    a: Sequence[Sequence[str]], b: Sequence[Sequence[str]], house: Collection[int] = ()
) -> bool:
    """Whether two texts that share house text tell different stories in their own words."""
    cut = shared_ending(a, b)
    own_a, own_b = own_words(a, cut, house), own_words(b, cut, house)
    if not cut and len(own_a) == sum(map(len, a)) and len(own_b) == sum(map(len, b)):
        return False  # no house text between them: the whole texts decide
    if len(own_a) < OWN_MIN_WORDS or len(own_b) < OWN_MIN_WORDS:
        return False  # one is all shared text: contained in the other, as a copy is
    ga, gb = gram_set(own_a, OWN_GRAM), gram_set(own_b, OWN_GRAM)
    return len(ga & gb) / min(len(ga), len(gb)) < OWN_CONTAINMENT


# Share of a teaser's paragraphs after its first that must be found whole, in order, in the
# longer text: past its edited opening a teaser copies its source.
REST_WHOLE = 0.5


def opening_share(short: Sequence[Sequence[str]], long: Sequence[str]) -> float:
    """Share of a teaser's words found in order in the opening of a longer text.

    Lines the teaser inserted ("Read more: ...", "Continue reading at ...") count for nothing
    either way, and a credit or a typo in its first sentence costs only those words, where
    shingles would lose every shingle that spans them.
    """
    flat = [w for p in short for w in p]
    opening = list(long[: int(1.2 * len(flat)) + 10])
    if not flat or not opening:
        return 0.0
    found = [False] * len(flat)
    matcher = SequenceMatcher(None, flat, opening, autojunk=False)
    for start, _, size in matcher.get_matching_blocks():
        if size >= ALIGN_MIN_RUN:
            found[start : start + size] = [True] * size
    hit = total = at = rest = rest_whole = 0
    whole_text = f" {' '.join(long)} "
    for number, para in enumerate(short):
        matched = sum(found[at : at + len(para)])
        at += len(para)
        if not matched and len(para) <= INSERTED_MAX_WORDS:
            continue
        hit += matched
        total += len(para)
        if number:
            whole = matched == len(para) or f" {' '.join(para)} " in whole_text
            rest, rest_whole = rest + 1, rest_whole + whole
    # Edits are forgiven in the opening: past it, a teaser repeats its source's paragraphs
    # whole. Texts that differ all through (a template filled with other names and numbers)
    # are different stories, however many of their words agree.
    if rest and rest_whole < REST_WHOLE * rest:
        return 0.0
    return hit / total if total else 0.0


def bare_opening(text: str, paras: Sequence[Sequence[str]], count: int) -> list[str] | None:
    """A text's first ``count`` words without a wire credit and inserted short lines.

    ``paras`` are the text's ``paragraphs``. None when the opening has neither, so only texts
    that need it are looked up twice.
    """
    credit = _CREDIT.match(text[:200])
    changed = credit is not None
    kept: list[str] = []
    for number, para in enumerate(paras):
        if number == 0 and credit is not None:
            para = para[len(words(credit.group(0))) :]
        if len(para) <= INSERTED_MAX_WORDS and number + 1 < len(paras):
            changed = True
            continue
        kept.extend(para[:count])
        if len(kept) >= count:
            break
    return kept[:count] if changed and len(kept) >= count else None

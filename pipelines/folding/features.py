"""Text features for folding: normalised words, shingles, MinHash bands and salient terms."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

import numpy as np

from config.schema import FoldConfig

SCHEME = "affine32"
_WORD = re.compile(r"\w+(?:[.,'’]\w+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;\"“”]\s*$")
_NUMBER = re.compile(r"^\d[\d,.]*$")
# Function words that start sentences or sit inside names; never salient alone.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours
    according said says say told new one two three year years week month today yesterday
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december mr ms mrs however meanwhile
    still yet since while though although""".split()
)


# Terms so common in AI-industry news that sharing them says nothing about the story.
DOMAIN_COMMON = frozenset(
    """ai ceo cto us uk eu gpu gpus llm llms api chatgpt openai google microsoft meta nvidia
    amazon apple tech company companies model models news inc ltd co read share""".split()
)
# A teaser repeats its original's opening: the first words get LSH bands of their own.
LEAD_WORDS = 25
LEAD_BANDS = 16
LEAD_ROWS = 2
LEAD_BAND_OFFSET = 1024
# Content words join a story profile at this weight per mention (a name mention weighs 1).
WORD_WEIGHT = 0.25
WORD_TERMS = 20
WORD_PREFIX = "~"


def normalise(text: str) -> str:
    """Fold case, compatibility forms and curly quotes so copies compare equal."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return text.replace("’", "'").replace("‘", "'")


def words(text: str) -> list[str]:
    """The normalised word tokens of a text."""
    return _WORD.findall(normalise(text))


def shingle_list(tokens: list[str], size: int) -> list[bytes]:
    """Word n-gram shingles as bytes in text order, repeats included (a short text: one of all)."""
    if len(tokens) < size:
        return [" ".join(tokens).encode()] if tokens else []
    joined = " ".join(tokens)
    ends = list(accumulate(len(token) + 1 for token in tokens))  # each word's end, plus a space
    spans = zip([0, *ends], ends[size - 1 :], strict=False)
    if joined.isascii():  # character offsets are byte offsets
        data = joined.encode()
        return [data[start : end - 1] for start, end in spans]
    return [joined[start : end - 1].encode() for start, end in spans]


def gram_set(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    """Word n-grams as tuples: what ``shingle_list`` hashes, for comparing texts without hashing."""
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*(tokens[k:] for k in range(size)), strict=False))


def content_hash(tokens: list[str]) -> str:
    """A hash of the word sequence: equal for texts that differ only in spacing or case."""
    return hashlib.sha1(" ".join(tokens).encode()).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """What folding needs of a text."""

    content_hash: str
    word_count: int
    shingle_count: int
    hashvalues: bytes
    band_keys: tuple[int, ...]
    terms: dict[str, float] = field(default_factory=dict)
    lead_keys: tuple[int, ...] = ()
    # Keys of its first and last paragraphs, counted in the store to tell house text (see house.py).
    paragraph_keys: tuple[int, ...] = ()
    # Lead keys of its opening without a wire credit or inserted short lines: looked up, never
    # stored, so a teaser whose opening was edited still meets its full text.
    bare_lead_keys: tuple[int, ...] = ()

    @property
    def index_keys(self) -> tuple[int, ...]:
        """Every LSH key this text is indexed under: its bands and its opening's bands."""
        return (*self.band_keys, *self.lead_keys)

    def signature(self) -> np.ndarray:
        """The MinHash hash values as an array."""
        return np.frombuffer(self.hashvalues, dtype=np.uint32)


class Fingerprinter:
    """Computes fingerprints with one fixed MinHash permutation set."""

    # The hash values are datasketch's MinHash (SHA-1 of each shingle, the "affine32" scheme) with
    # its permutations, computed here in one pass: each shingle is hashed once, for the text's
    # bands and its opening's alike (the opening's permutations are the first of the text's).

    def __init__(self, config: FoldConfig) -> None:
        # Imported here: datasketch imports SciPy for its LSH classes (~0.4 s), which a crawl's
        # process spares when its extraction workers fingerprint.
        from datasketch import MinHash

        self.config = config
        self.rows = config.num_perm // config.bands
        template = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=SCHEME)
        a, b = template.permutations
        self._a, self._b = a.astype(np.uint32), b.astype(np.uint32)
        self._empty = np.asarray(template.hashvalues, dtype=np.uint32)
        self._lead_perm = min(config.num_perm, LEAD_BANDS * LEAD_ROWS)

    def fingerprint(self, text: str, title: str = "") -> Fingerprint:
        """Fingerprint a text (and its title, for salient terms)."""
        from pipelines.folding.house import edge_keys, paragraphs

        size = self.config.shingle_size
        paras = paragraphs(text)  # the words of each line: the text's words, in its lines
        tokens = [token for para in paras for token in para]
        grams = shingle_list(tokens, size)
        permuted = self.permuted(grams)
        values = permuted.min(axis=0) if grams else self._empty
        return Fingerprint(
            lead_keys=self._lead_keys(tokens, permuted),
            content_hash=content_hash(tokens),
            word_count=len(tokens),
            shingle_count=len(set(grams)),
            hashvalues=values.tobytes(),
            band_keys=band_keys(values, self.rows),
            terms=salient_terms(text, title, tokens=tokens),
            paragraph_keys=edge_keys(paras),
            bare_lead_keys=self._bare_lead_keys(text, paras, len(tokens)),
        )

    def permuted(self, grams: list[bytes]) -> np.ndarray:
        """Each shingle's value under each permutation: a (shingles, num_perm) array."""
        # Whole digests joined, their first 4 bytes taken in numpy: no slice object per shingle.
        digests = b"".join([h.digest() for h in map(hashlib.sha1, grams)])
        hashed = np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, 0]
        hv = _fmix32(hashed.astype(np.uint32, copy=False)).reshape(-1, 1)
        return hv * self._a + self._b

    def _lead_keys(self, tokens: list[str], permuted: np.ndarray) -> tuple[int, ...]:
        """Band keys of the opening words, in a band space of their own."""
        if len(tokens) < self.config.min_words or not len(permuted):
            return ()
        # The opening's shingles are the text's first ones (all of them for a text too short).
        first = max(1, min(len(tokens), LEAD_WORDS) - self.config.shingle_size + 1)
        values = permuted[:first, : self._lead_perm].min(axis=0)
        return band_keys(values, LEAD_ROWS, LEAD_BAND_OFFSET)

    def _bare_lead_keys(self, text: str, paras: list[list[str]], count: int) -> tuple[int, ...]:
        """Lead keys of the opening without its credit and inserted lines, when it has them."""
        from pipelines.folding.house import bare_opening

        bare = bare_opening(text, paras, LEAD_WORDS) if count >= self.config.min_words else None
        if not bare:
            return ()
        grams = shingle_list(bare, self.config.shingle_size)
        values = self.permuted(grams)[:, : self._lead_perm].min(axis=0)
        return band_keys(values, LEAD_ROWS, LEAD_BAND_OFFSET)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch's "affine32" scheme applies first."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def lead_contained(
    short: list[str], long: list[str], size: int, grams: set[tuple[str, ...]] | None = None
) -> float:
    """Share of the shorter text's shingles (``grams``, when made) in the longer one's opening."""
    if grams is None:
        grams = gram_set(short, size)
    if not grams:
        return 0.0
    opening = gram_set(long[: int(1.2 * len(short)) + 10], size)
    return len(grams & opening) / len(grams)


def band_keys(values: np.ndarray, rows: int, offset: int = 0) -> tuple[int, ...]:
    """One signed 64-bit key per LSH band (band index mixed in), storable as an SQL integer."""
    keys = []
    for band in range(len(values) // rows):
        chunk = values[band * rows : (band + 1) * rows].tobytes()
        person = (band + offset).to_bytes(2, "big")
        digest = hashlib.blake2b(chunk, digest_size=8, person=person).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return tuple(keys)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


def containment(j: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller set that lies in the larger, from Jaccard and sizes."""
    small, large = sorted((size_a, size_b))
    if small == 0:
        return 0.0
    intersection = j * (small + large) / (1 + j)
    return min(1.0, intersection / small)


_NAME_WORD = re.compile(r"^(?=.*[^\W\d_])(?:[A-Z][\w'’.&-]*|[A-Z0-9]{2,}[\w-]*)$")
_TRAILING_PUNCT = re.compile(r"[,.;:!?)\]\"”]$")
_NOT_CONTENT = STOPWORDS | DOMAIN_COMMON


def salient_terms(
    text: str, title: str = "", limit: int = 40, tokens: list[str] | None = None
) -> dict[str, float]:
    """Names, organisations, numbers and title words, weighted by kind and frequency."""
    weights: defaultdict[str, float] = defaultdict(float)
    for sentence in _sentences(text):
        _sentence_terms(sentence, weights)
    for token in words(title):
        token = _without_possessive(token)
        if token not in STOPWORDS and len(token) > 2 and not token.isdigit():
            weights[token] += 0.5
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    terms = {term: round(weight, 3) for term, weight in top}
    # Rewrites often share no names but do share their vocabulary: add the commonest content words.
    # Counted first and filtered once per distinct word; the order of first mentions is kept,
    # which breaks ties in most_common.
    counts = Counter(words(text) if tokens is None else tokens)
    content = Counter(
        {
            w: count
            for w, count in counts.items()
            if len(w) > 2 and w not in _NOT_CONTENT and not w.isdigit()
        }
    )
    for word, count in content.most_common(WORD_TERMS):
        terms[f"{WORD_PREFIX}{word}"] = round(WORD_WEIGHT * count, 3)
    return terms


def _sentences(text: str) -> Iterator[list[str]]:
    """Each sentence's tokens: a line ends one, and so does a token ending in . ! or ?."""
    for line in text.split("\n"):
        tokens = line.split()
        start = 0
        for index, token in enumerate(tokens):
            if token[-1] in ".!?":
                yield tokens[start : index + 1]
                start = index + 1
        if start < len(tokens):
            yield tokens[start:]


def _clean_word(token: str) -> str:
    """A token without surrounding punctuation or a possessive ending."""
    return _without_possessive(token.strip("\"'“”‘’()[],.;:!?"))


def _without_possessive(word: str) -> str:
    """A word without its possessive 's."""
    return word[:-2] if word.endswith(("'s", "’s")) else word


# Capitalised tokens repeat within a text and across texts (names, sentence openers): their
# reading is kept in a bounded cache, as SiteLearner.key keeps line keys (a few MB at most).
@lru_cache(maxsize=32768)
def _reading(token: str) -> tuple[str, bool, bool]:
    """A token's clean word, whether that is a name word, and whether punctuation ends the token."""
    word = _clean_word(token)
    return word, bool(word and _NAME_WORD.match(word)), bool(_TRAILING_PUNCT.search(token))


@lru_cache(maxsize=32768)
def _name_part(word: str) -> str:
    """A name word as terms are keyed: normalised."""
    return normalise(word)


def _sentence_terms(tokens: list[str], weights: defaultdict[str, float]) -> None:
    """Add the capitalised names and notable numbers of one sentence."""
    run: list[str] = []
    last = -2
    # A word starting in lower case is neither a name nor a number: only the others are read,
    # and one of them not next to the last ends the run of names.
    for index in [i for i, token in enumerate(tokens) if not token[0].islower()]:
        if index != last + 1 and run:
            _flush(run, weights)
            run = []
        last = index
        word, is_name, ends = _reading(tokens[index])
        # A capital at the start of a sentence names something only if a name follows.
        if is_name and (index > 0 or _name_follows(tokens, index)):
            run.append(word)
            if ends:
                _flush(run, weights)
                run = []
            continue
        if run:
            _flush(run, weights)
            run = []
        if word and _NUMBER.match(word):
            _add_number(word, weights)
    _flush(run, weights)


def _name_follows(tokens: list[str], index: int) -> bool:
    """Whether the token after ``index`` is a name."""
    return index + 1 < len(tokens) and _reading(tokens[index + 1])[1]


def _flush(run: list[str], weights: defaultdict[str, float]) -> None:
    """Count a run of capitalised words as one name, or its words when too long for one."""
    if not run:
        return
    parts = [_name_part(word) for word in run]
    while parts and parts[0] in STOPWORDS:
        parts = parts[1:]
    if len(parts) > 3:
        for part in parts:
            if part not in STOPWORDS and len(part) > 1:
                weights[part] += 0.5
        return
    if not parts or (len(parts) == 1 and len(parts[0]) < 2):
        return
    weights[" ".join(parts)] += 1.0
    if len(parts) > 1 and parts[-1] not in STOPWORDS:
        weights[parts[-1]] += 0.5


def _add_number(word: str, weights: defaultdict[str, float]) -> None:
    """Count a number that identifies something (not a small count or a bare year)."""
    digits = re.sub(r"[,.]", "", word)
    if len(digits) >= 3 and not (len(digits) == 4 and digits[:2] in {"19", "20"}):
        weights[digits] += 1.5


_WIRE_CREDIT = re.compile(r"^(?:[A-Z][A-Z .,'-]{1,40}\s)?\((?:[A-Z][\w .&-]{1,30})\)\s*[-—–]")


def has_wire_credit(text: str) -> bool:
    """Whether a text opens with a wire credit such as ``(Reuters) -`` or ``PARIS (AFP) —``."""
    return bool(_WIRE_CREDIT.match(text.lstrip()))

"""Folding on real stores (SQLite and PostgreSQL): copies, teasers, footers, merges, election."""

from __future__ import annotations

import json
import random

import pytest

from config.schema import FoldConfig
from pipelines.folding.batches import ingest
from pipelines.folding.features import DOMAIN_COMMON, salient_terms, words
from pipelines.folding.folder import (
    RARITY_SLACK,
    STORY_INDEX_TERMS,
    Folder,
    FoldResult,
    cosine,
    cosine_bound,
    rarity,
    rarity_floor,
    scaled_vector,
    term_scales,
)
from storage import open_storage
from storage.base import ArticleRecord, Sighting
from storage.sql import SQLStorage
from storage.sql_fold import PROFILES_KEPT, TermCounts

BODY = (
    "Helix Labs has agreed to buy 24,000 accelerators from Corvid Systems in a deal worth about "
    "$1.2 billion, the two companies said on Tuesday, as the San Francisco start-up races to "
    "train a model to rival the largest labs. The order, one of the biggest placed by a private "
    "AI developer this year, will be delivered over three quarters to a datacenter Helix leases "
    "in Reno, Nevada. Chief executive Dana Okafor said the cluster would let the company run "
    "training jobs ten times larger than its current one. Corvid shares rose 6 percent in late "
    "trading. Analysts at Brightwater Securities said the deal showed that smaller labs were "
    "still able to secure supply despite the backlog at the largest chip makers, and that prices "
    "for the newest parts had fallen about 15 percent since the summer. Helix raised $400 million "
    "in September from a group led by Northgate Ventures and has about 300 employees."
)
OTHER = (
    "Quillon, a Berlin company that builds speech recognition for call centres, said it had "
    "hired 40 researchers from university labs in Munich and Zurich and would open an office in "
    "Paris next spring. The company's founder Ilse Marten said the hires would work on a smaller "
    "multilingual model that runs on a single server, and that customers in banking and "
    "insurance had asked for systems that keep recordings inside the European Union. Quillon "
    "expects revenue of 30 million euros this year, up from 12 million, and is not seeking new "
    "funding, Marten said in an interview at the company's headquarters on Thursday."
)
FOOTER = (
    "About us: The Circuit Ledger is an independent newsroom covering technology, chips and "
    "artificial intelligence for readers in forty countries. Our journalists follow strict "
    "editorial standards; corrections are published within 24 hours on our corrections page. "
    "For licensing enquiries, partnership requests and reprint permissions please contact our "
    "syndication desk, which answers within two working days."
)


def fold(
    storage: SQLStorage,
    folder: Folder,
    doc_id: str,
    text: str,
    published: str = "2026-11-17T09:00:00+00:00",
    title: str = "",
) -> FoldResult:
    fp = folder.fingerprinter.fingerprint(text, title)
    url = f"https://{doc_id}.example/a"
    record = ArticleRecord(
        url=url,
        site=doc_id,
        title=title or doc_id,
        text=text,
        fetched=published,
        published=published,
    )
    sighting = Sighting(
        url=url,
        site=doc_id,
        seen_at=published,
        doc_id=doc_id,
        published=published,
        content_hash=fp.content_hash,
        word_count=fp.word_count,
    )
    return ingest(storage, folder, record, sighting, fp)


@pytest.fixture
def folder() -> Folder:
    return Folder(FoldConfig())


def test_salient_terms_are_names_numbers_and_title_words_within_sentences() -> None:
    text = (
        "Nvidia's chief Jensen Huang met Sam Altman in San Francisco.\nThe deal is worth 4,500 "
        "units! Analysts at Morgan Stanley expect 2025 revenue of 1,200.5 units? Yes Microsoft "
        "agreed, said Satya Nadella\nAnthropic declined"
    )
    terms = salient_terms(text, "Nvidia talks")
    for name in ("jensen huang", "sam altman", "san francisco", "morgan stanley", "satya nadella"):
        assert terms[name] == 1.0
        assert terms[name.split()[-1]] == 0.5  # and its last word, alone
    # a line ends a name: the next line's first word starts a sentence of its own
    assert not [t for t in terms if "nadella " in t]
    # a sentence's first capital is a name only when a name follows it
    assert "yes microsoft" in terms
    assert not {"the", "analysts", "anthropic"} & terms.keys()
    assert terms["4500"] == terms["12005"] == 1.5 and "2025" not in terms  # not a bare year
    assert terms["nvidia"] == terms["talks"] == 0.5  # title words
    assert terms["~units"] == 0.5 and terms["~deal"] == 0.25  # content words by count


def test_copy_with_new_credit_and_dropped_sentence_folds(store: SQLStorage, folder: Folder) -> None:
    first = fold(store, folder, "wire", BODY)
    copy = fold(store, folder, "partner", "(Compute Wire) — " + BODY.rsplit(". ", 2)[0] + ".")
    assert first.kind == "new" and copy.kind == "copy"
    assert copy.article_id == first.article_id
    assert store.count("articles") == 1 and store.count("sightings") == 2


def test_exact_copy_under_many_ids_is_one_article(store: SQLStorage, folder: Folder) -> None:
    results = [fold(store, folder, f"site{i}", BODY) for i in range(5)]
    assert {r.article_id for r in results} == {results[0].article_id}
    assert [r.kind for r in results] == ["new"] + ["copy"] * 4


def test_shared_house_footer_does_not_fold_different_stories(
    store: SQLStorage, folder: Folder
) -> None:
    a = fold(store, folder, "ledger-a", BODY + " " + FOOTER)
    b = fold(store, folder, "ledger-b", OTHER + " " + FOOTER)
    assert a.article_id != b.article_id
    assert b.kind == "new"


def test_state_persists_across_processes(store_url: str, folder: Folder) -> None:
    today = open_storage(store_url)
    first = fold(today, folder, "wire", BODY)
    today.close()
    tomorrow = open_storage(store_url)
    copy = fold(
        tomorrow, Folder(FoldConfig()), "late", BODY + " Updated.", "2026-11-18T09:00:00+00:00"
    )
    assert copy.kind == "copy" and copy.article_id == first.article_id


def test_earlier_sighting_becomes_the_original(store: SQLStorage, folder: Folder) -> None:
    fold(store, folder, "late", BODY, "2026-11-17T12:00:00+00:00")
    fold(store, folder, "early", BODY + " More.", "2026-11-17T08:00:00+00:00")
    assignments = {doc: orig for doc, _, orig, _ in store.doc_assignments()}
    assert assignments == {"late": "early", "early": "early"}
    row = store.db.fetchone("SELECT url, text FROM articles")
    assert (
        row is not None
        and row["url"] == "https://early.example/a"
        and row["text"].endswith("More.")
    )


def test_bridging_copy_merges_two_articles(store: SQLStorage) -> None:
    # Two bands of two rows each: candidates at Jaccard 0.35 are found with certainty here.
    folder = Folder(FoldConfig(bands=64))
    a = fold(store, folder, "helix", BODY)
    b = fold(store, folder, "quillon", OTHER, "2026-11-17T10:00:00+00:00")
    assert a.article_id != b.article_id and store.count("articles") == 2
    bridge = fold(store, folder, "digest", BODY + " " + OTHER, "2026-11-17T11:00:00+00:00")
    assert bridge.kind == "copy"
    assert store.count("articles") == 1
    assert {art for _, art, _, _ in store.doc_assignments()} == {bridge.article_id}
    for table in ("lsh_bands", "story_terms"):
        rows = store.db.fetchall(f"SELECT DISTINCT article_id FROM {table}")
        assert [row["article_id"] for row in rows] == [bridge.article_id]
    # the absorbed article gave its terms back: frequencies count the stored articles only
    terms = json.loads(store.db.scalar("SELECT terms FROM articles"))
    table = {r["term"]: r["df"] for r in store.db.fetchall("SELECT term, df FROM term_df")}
    assert {t: n for t, n in table.items() if n} == dict.fromkeys(terms, 1)
    assert store.term_counts is not None
    assert all(table.get(t, 0) == n for t, n in store.term_counts.df.items())


def test_story_postings_are_the_terms_a_query_would_rank_first(
    store: SQLStorage, folder: Folder
) -> None:
    """Each article's postings: at most STORY_INDEX_TERMS terms, none domain-common."""
    result = fold(store, folder, "helix", BODY)
    profile = json.loads(store.db.scalar("SELECT terms FROM articles"))
    rows = store.db.fetchall(
        "SELECT term FROM story_terms WHERE article_id = ?", (result.article_id,)
    )
    postings = {row["term"] for row in rows}
    assert len(profile) > STORY_INDEX_TERMS == len(postings)
    assert postings < set(profile) and not postings & DOMAIN_COMMON
    # the first article of a store: every rarity is equal, so the heaviest terms are indexed
    lightest = min(profile[t] for t in postings)
    assert all(profile[t] <= lightest for t in set(profile) - postings - DOMAIN_COMMON)


def test_same_document_again_changes_nothing(store: SQLStorage, folder: Folder) -> None:
    fold(store, folder, "wire", BODY)
    again = fold(store, folder, "wire", BODY)
    assert again.kind == "seen"
    assert store.count("sightings") == 1


def test_same_url_new_text_is_a_revision(store: SQLStorage, folder: Folder) -> None:
    first = fold(store, folder, "wire", BODY)
    revised = fold(store, folder, "wire", BODY.replace("6 percent", "7 percent"))
    assert revised.kind == "revision" and revised.article_id == first.article_id
    assert store.count("revisions") == 1
    assert "7 percent" in store.db.scalar("SELECT text FROM articles")


def test_rewrite_joins_story_not_copy(store: SQLStorage, folder: Folder) -> None:
    rewrite = (
        "Reno will host one of the year's largest private AI clusters: Helix Labs is paying "
        "Corvid Systems roughly $1.2 billion for 24,000 accelerators. Dana Okafor, who runs "
        "Helix Labs, expects training runs ten times bigger. Brightwater Securities called "
        "the Corvid Systems order proof that smaller labs can still get chips; Northgate "
        "Ventures led the $400 million Helix Labs round in September."
    )
    a = fold(store, folder, "wire", BODY, title="Helix Labs buys 24,000 Corvid accelerators")
    b = fold(store, folder, "blog", rewrite, "2026-11-18T10:00:00+00:00", "Helix Labs' Corvid deal")
    c = fold(store, folder, "berlin", OTHER, title="Quillon hires 40 researchers")
    assert b.kind == "new" and b.article_id != a.article_id
    assert b.story_id == a.story_id
    assert c.story_id != a.story_id
    # A rewrite published before the story began widens it backwards; each article is in its story.
    early = (
        "Corvid Systems is about to land its biggest order yet. Helix Labs, led by Dana Okafor, "
        "is in talks to buy 24,000 Corvid accelerators for about $1.2 billion, people familiar "
        "with the plan said, for a Reno data centre. Northgate Ventures, which led a $400 "
        "million Helix Labs round in September, declined to comment; Brightwater Securities "
        "expects Corvid Systems to confirm the deal this week."
    )
    d = fold(store, folder, "early", early, "2026-11-16T08:00:00+00:00", "Helix Labs nears deal")
    assert d.kind == "new" and d.story_id == a.story_id
    bounds = store.db.fetchone(
        "SELECT first_published, last_published FROM stories WHERE id = ?", (a.story_id,)
    )
    assert bounds == {
        "first_published": "2026-11-16T08:00:00+00:00",
        "last_published": "2026-11-18T10:00:00+00:00",
    }
    rows = store.db.fetchall("SELECT id, story_id FROM articles ORDER BY id")
    assert [(r["id"], r["story_id"]) for r in rows] == [
        (a.article_id, a.story_id),
        (b.article_id, a.story_id),
        (c.article_id, c.story_id),
        (d.article_id, a.story_id),
    ]


def test_story_window_keeps_old_stories_apart(store: SQLStorage, folder: Folder) -> None:
    a = fold(
        store, folder, "wire", BODY, "2026-01-01T00:00:00+00:00", "Helix Labs buys Corvid chips"
    )
    b = fold(
        store,
        folder,
        "later",
        BODY[::-1],
        "2026-06-01T00:00:00+00:00",
        "Helix Labs buys Corvid chips",
    )
    assert a.story_id != b.story_id


def test_changed_minhash_params_are_refused(store: SQLStorage) -> None:
    store.check_fold_params(Folder(FoldConfig()).params)
    with pytest.raises(Exception, match="signatures made with"):
        store.check_fold_params(Folder(FoldConfig(num_perm=64, bands=16)).params)


def test_failed_transaction_leaves_nothing(store: SQLStorage, folder: Folder) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.transaction() as index:
        fp = folder.fingerprinter.fingerprint(BODY)
        record = ArticleRecord(
            url="u", site="s", title="t", text=BODY, fetched="2026-11-17T00:00:00+00:00"
        )
        sighting = Sighting(
            url="u",
            site="s",
            seen_at=record.fetched,
            content_hash=fp.content_hash,
            word_count=fp.word_count,
        )
        folder.fold(index, record, sighting, fp)
        raise Boom
    assert store.count("articles") == 0 and store.count("stories") == 0


@pytest.mark.parametrize(
    "text",
    ["", "one", "four words in all", "Nvidia’s H200 order, worth $1.2bn, ships in May " * 3],
)
def test_word_grams_are_the_shingles_unhashed(text: str) -> None:
    """The exact overlap checks compare the very n-grams the MinHash hashes."""
    from pipelines.folding.features import shingle_list, words

    tokens = words(text)
    assert plain_shingles(tokens, 5) == set(shingle_list(tokens, 5))


def plain_shingles(tokens: list[str], size: int) -> set[bytes]:
    """The shingles a text's MinHash hashes, built the plain way from its word n-grams."""
    from pipelines.folding.features import gram_set

    return {" ".join(gram).encode() for gram in gram_set(tokens, size)}


@pytest.mark.parametrize(("cut", "opening"), [(0, True), (10, True), (70, False), (95, False)])
def test_a_teasers_own_grams_give_the_same_share(cut: int, opening: bool) -> None:
    """The teaser check may pass the shorter text's n-grams it already made: the same share."""
    from pipelines.folding.features import gram_set, lead_contained

    full = words(BODY)
    short = full[cut : cut + 50]
    share = lead_contained(short, full, 5)
    assert lead_contained(short, full, 5, gram_set(short, 5)) == share
    assert (share == 1.0) == opening


@pytest.mark.parametrize(
    "text",
    [
        "",
        "one",
        "four words in all",
        "six words, one of them twice: words",
        "Nvidia’s H200 order, worth $1.2bn, ships in May " * 3,
        "Компания «Яндекс» представила новую языковую модель, сообщили в пресс-службе. " * 4,
        BODY,
        BODY + " " + BODY,
    ],
)
@pytest.mark.parametrize("min_words", [1, 20])
def test_fingerprint_is_datasketch_minhash_of_the_shingles(text: str, min_words: int) -> None:
    """Signature, bands and opening bands equal datasketch's MinHash of the same shingles."""
    from datasketch import MinHash

    from pipelines.folding.features import (
        LEAD_BAND_OFFSET,
        LEAD_BANDS,
        LEAD_ROWS,
        LEAD_WORDS,
        SCHEME,
        Fingerprinter,
        band_keys,
    )

    config = FoldConfig(min_words=min_words)
    fingerprinter = Fingerprinter(config)
    fp = fingerprinter.fingerprint(text)
    tokens = words(text)
    grams = plain_shingles(tokens, config.shingle_size)
    whole = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=SCHEME)
    whole.update_batch(list(grams))
    assert fp.hashvalues == whole.hashvalues.astype("uint32").tobytes()
    assert fp.band_keys == band_keys(whole.hashvalues.astype("uint32"), fingerprinter.rows)
    assert fp.shingle_count == len(grams)
    lead_perm = LEAD_BANDS * LEAD_ROWS
    a, b = whole.permutations
    lead = MinHash(num_perm=lead_perm, permutations=(a[:lead_perm], b[:lead_perm]), scheme=SCHEME)
    lead.update_batch(list(plain_shingles(tokens[:LEAD_WORDS], config.shingle_size)))
    expected = (
        band_keys(lead.hashvalues.astype("uint32"), LEAD_ROWS, LEAD_BAND_OFFSET)
        if tokens and len(tokens) >= min_words
        else ()
    )
    assert fp.lead_keys == expected


def test_term_profiles_are_parsed_once_and_kept_bounded() -> None:
    counts = TermCounts()
    stored = json.dumps({"Nvidia": 2.0, "~gpu": 0.5})
    first = counts.profile(stored)
    assert first == {"Nvidia": 2.0, "~gpu": 0.5} and counts.profile(stored) is first
    assert counts.profile(json.dumps({"Nvidia": 1.0})) == {"Nvidia": 1.0}  # new text, new terms
    for n in range(PROFILES_KEPT + 10):
        counts.profile(json.dumps({f"t{n}": 1.0}))
    assert len(counts.profiles) <= PROFILES_KEPT


def test_the_story_bound_is_never_below_the_cosine_it_spares() -> None:
    """Candidates are skipped on a bound; it must hold for any frequencies a store can hold."""
    rng = random.Random(7)
    vocabulary = [f"name {k}" for k in range(300)] + sorted(DOMAIN_COMMON)
    spared = 0
    for _ in range(2000):
        total = rng.choice([0, 1, 5, 40, 1000, 10**6])
        # a frequency is at most the article count, give or take the slack for other writers
        df = {t: rng.randint(0, int(RARITY_SLACK[0] * total + RARITY_SLACK[1])) for t in vocabulary}
        idf = {t: rarity(total, df[t]) for t in vocabulary}
        a, b = (
            {
                t: rng.choice([0.25, 0.5, 1.0, 3.0])
                for t in rng.sample(vocabulary, rng.randint(1, 60))
            }
            for _ in range(2)
        )
        known = term_scales({t: idf[t] for t in a})
        wanted = scaled_vector(a, known)
        exact = cosine(wanted, scaled_vector(b, term_scales(idf)))
        bound = cosine_bound(wanted, known, b, rarity_floor(total))
        assert bound >= exact - 1e-12
        spared += bound < 0.25
    assert spared > 500  # the bound is tight enough to spare most unrelated profiles


def test_stored_texts_are_tokenised_once_per_content_hash(
    store: SQLStorage, folder: Folder
) -> None:
    """Teaser checks read a stored article's words once; a new elected text is read anew."""
    full = fold(store, folder, "helix", BODY)
    opening = " ".join(BODY.split()[:45])
    first = fold(store, folder, "teaser-1", opening + " Continue reading at helix.example")
    assert first.kind == "copy" and first.article_id == full.article_id
    stored_hash = store.db.scalar("SELECT content_hash FROM articles")
    assert {h: w for h, (_, w) in folder.stored_words.items()} == {stored_hash: words(BODY)}
    # the cached words serve the next check: the stored text is not read again
    store.db.execute("UPDATE articles SET text = ''")
    second = fold(store, folder, "teaser-2", opening + " Read the full story on helix.example")
    assert second.kind == "copy" and second.article_id == full.article_id
    # another text under the article (an earlier sighting elected) has another hash: read anew
    store.db.execute("UPDATE articles SET text = ?, content_hash = 'other'", (BODY + " Updated.",))
    fold(store, folder, "teaser-3", opening + " More at helix.example")
    assert folder.stored_words["other"][1] == words(BODY + " Updated.")

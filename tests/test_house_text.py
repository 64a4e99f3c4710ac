"""House text: shared footers and disclaimers are no evidence of a copy; edited teasers still fold."""

from __future__ import annotations

import json

import pytest

from config.schema import FoldConfig
from pipelines.folding.folder import Folder
from pipelines.folding.house import (
    bare_opening,
    distinct_stories,
    edge_keys,
    opening_share,
    paragraph_key,
    paragraphs,
)
from storage.sql import SQLStorage
from tests.test_fold import BODY, OTHER, fold

# One paragraph of ~90 words, as a site prints it under every story.
HOUSE = (
    "About us: The Circuit Ledger is an independent newsroom covering technology, chips and "
    "artificial intelligence for readers in forty countries. We are owned by a non-profit trust, "
    "take no money from the companies we report on and publish our funders every year. Our "
    "journalists follow strict editorial standards and corrections are published within a day on "
    "our corrections page. For licensing enquiries, partnership requests and reprint permissions "
    "please contact our syndication desk, which answers within two working days."
)
SISTER_HOUSE = HOUSE.replace("The Circuit Ledger", "The Silicon Courier")
BRIEFS = [
    "Helix Labs will build a second datacenter outside Reno, Nevada, its chief executive Dana "
    "Okafor told staff on Monday, after a cooling failure in August forced the start-up to pause "
    "training runs for nine days.",
    "Quillon, the Berlin speech recognition firm, opened a research office in Paris and hired "
    "eleven linguists from the Sorbonne to extend its call centre software to Breton, Basque and "
    "Occitan speakers.",
    "Shares of Northgate Robotics fell 14 percent in Tokyo after the warehouse automation group "
    "cut its annual forecast, blaming weak orders from European grocers and the cost of "
    "replacing faulty lidar sensors.",
    "Corvid Systems is suing a former engineer in a Delaware court, claiming he copied "
    "packaging designs for its newest accelerator onto a personal drive weeks before joining a "
    "rival in Shenzhen.",
    "Brightwater Bio began the first human trial of a protein designed with a generative model, "
    "dosing twelve volunteers in Basel with a candidate treatment for a rare inherited kidney "
    "disease.",
    "Tallis Energy signed a fifteen-year contract to supply solar power and batteries to a "
    "computing campus near Tucson, the largest such agreement in Arizona, according to state "
    "utility filings.",
    "Ardent Maps, a Dutch mapping company, flew drones over the port of Rotterdam for six months "
    "to train software that spots rust on cranes, and the harbour authority now plans to buy "
    "it.",
    "Velde Insurance priced its first cyber policy with a machine learning model, and brokers in "
    "Utrecht say premiums for small law firms came in a third lower than rivals offered last "
    "spring.",
]


def paras(*blocks: str) -> list[list[str]]:
    return paragraphs("\n\n".join(blocks))


# ---- the rules on texts


def test_different_briefs_under_one_house_paragraph_are_distinct() -> None:
    assert distinct_stories(paras(BRIEFS[0], HOUSE), paras(BRIEFS[1], HOUSE))


def test_house_text_in_lines_or_under_a_sister_name_is_still_house_text() -> None:
    lines = HOUSE.replace(". ", ".\n")
    assert distinct_stories(paras(BRIEFS[0], lines), paras(BRIEFS[1], lines))
    assert distinct_stories(paras(BRIEFS[0], HOUSE), paras(BRIEFS[1], SISTER_HOUSE))


def test_a_copy_of_a_brief_under_house_text_is_no_distinct_story() -> None:
    credited = f"LONDON (Reuters) - {BRIEFS[0]}"
    assert not distinct_stories(paras(BRIEFS[0], HOUSE), paras(credited, SISTER_HOUSE))
    # a copy that left out a paragraph has no words of its own: contained, as copies are
    assert not distinct_stories(paras(BRIEFS[0], BRIEFS[1], HOUSE), paras(BRIEFS[1], HOUSE))


def test_a_long_shared_ending_is_the_story_not_a_house_text() -> None:
    story = [BRIEFS[i] for i in range(2, 8)]  # ~180 words, then the footer: over 250
    assert not distinct_stories(paras(BRIEFS[0], *story, HOUSE), paras(BRIEFS[1], *story, HOUSE))


def test_a_shared_opening_counts_as_house_text_only_once_the_store_knows_it() -> None:
    a, b = paras(HOUSE, BRIEFS[0]), paras(HOUSE, BRIEFS[1])
    assert not distinct_stories(a, b)  # a teaser also shares its opening with its full text
    assert distinct_stories(a, b, {paragraph_key(a[0])})


def test_edge_keys_are_the_first_and_last_paragraphs_long_enough() -> None:
    text = paras(*BRIEFS[:3], "Share this", *BRIEFS[3:8], HOUSE)
    keys = edge_keys(text)
    assert keys == tuple(paragraph_key(p) for p in (text[0], text[1], *text[-4:]))
    assert edge_keys(paras("Share this article", "ok")) == ()


def test_an_edited_teaser_opening_is_found_in_its_full_text() -> None:
    full = [w for p in paras(*BRIEFS) for w in p]
    first = BRIEFS[0].replace("datacenter", "dtaacenter")
    teaser = paras(
        f"NEW YORK, March 3 (AP) - {first}",
        "Read more: Chipmakers brace for another year of tight supply",
        BRIEFS[1],
        "Continue reading at circuitledger.example",
    )
    assert opening_share(teaser, full) >= 0.9
    other = [w for p in paras(*BRIEFS[2:]) for w in p]
    assert opening_share(teaser, other) < 0.3


def test_bare_opening_drops_a_credit_and_inserted_lines_only() -> None:
    text = f"PARIS, June 1 (AFP) - {BRIEFS[0]}\n\nADVERTISEMENT\n\n{BRIEFS[1]}"
    assert bare_opening(text, paragraphs(text), 25) == paragraphs(BRIEFS[0])[0][:25]
    plain = "\n\n".join(BRIEFS)
    assert bare_opening(plain, paragraphs(plain), 25) is None


# ---- folding on real stores


@pytest.fixture
def folder() -> Folder:
    return Folder(FoldConfig())


def test_briefs_sharing_a_house_paragraph_never_fold_and_the_store_counts_it(
    store: SQLStorage, folder: Folder
) -> None:
    results = [
        fold(store, folder, f"ledger-{n}", f"{brief}\n\n{HOUSE}") for n, brief in enumerate(BRIEFS)
    ]
    assert [r.kind for r in results] == ["new"] * len(BRIEFS)
    key = paragraph_key(paragraphs(HOUSE)[0])
    assert store.db.scalar("SELECT df FROM paragraph_df WHERE key = ?", (key,)) == len(BRIEFS)
    # a real copy on a sister site, credited and under its own house text, still folds
    copy = fold(store, folder, "courier", f"(Reuters) - {BRIEFS[3]}\n\n{SISTER_HOUSE}")
    assert copy.kind == "copy" and copy.article_id == results[3].article_id


def test_briefs_under_an_intro_the_store_knows_never_fold(
    store: SQLStorage, folder: Folder
) -> None:
    # Two long stories carry the intro first: too long to fold on it, they make it known.
    long_ones = [BODY, OTHER]
    for n, story in enumerate(long_ones):
        assert fold(store, folder, f"long-{n}", f"{HOUSE}\n\n{story}").kind == "new"
    results = [
        fold(store, folder, f"intro-{n}", f"{HOUSE}\n\n{brief}") for n, brief in enumerate(BRIEFS)
    ]
    assert [r.kind for r in results] == ["new"] * len(BRIEFS)


def test_a_merge_takes_the_absorbed_articles_paragraphs_back(
    store: SQLStorage, folder: Folder
) -> None:
    a = fold(store, folder, "a", f"{BRIEFS[0]}\n\n{BRIEFS[1]}\n\n{HOUSE}")
    b = fold(store, folder, "b", f"{BRIEFS[2]}\n\n{BRIEFS[3]}\n\n{HOUSE}")
    key = paragraph_key(paragraphs(HOUSE)[0])
    assert store.db.scalar("SELECT df FROM paragraph_df WHERE key = ?", (key,)) == 2
    with store.transaction() as index:
        index.merge_articles(a.article_id, [b.article_id])
    assert store.db.scalar("SELECT df FROM paragraph_df WHERE key = ?", (key,)) == 1
    stored = store.db.scalar("SELECT paragraph_keys FROM articles WHERE id = ?", (a.article_id,))
    assert key in json.loads(stored)


def test_an_edited_teaser_folds_into_its_full_text(store: SQLStorage, folder: Folder) -> None:
    full = fold(store, folder, "full", "\n\n".join(BRIEFS))
    first = BRIEFS[0].replace("datacenter", "dtaacenter")
    teaser = "\n\n".join(
        [
            f"NEW YORK, March 3 (AP) - {first}",
            "Read more: Chipmakers brace for another year of tight supply",
            BRIEFS[1],
            BRIEFS[2],
            "Continue reading at circuitledger.example",
        ]
    )
    result = fold(store, folder, "teaser", teaser)
    assert result.kind == "copy" and result.article_id == full.article_id


def test_a_template_filled_with_other_names_is_no_teaser_of_its_twin() -> None:
    sentence = (
        "{name} signed a deal with Nvidia for {n},000 GPUs to train its next AI model, the "
        "startup said on {day}, as the race for compute among AI labs heats up."
    )
    first = "\n".join(sentence.format(name="Helix Labs", n=n, day="Monday") for n in range(1, 7))
    twin = "\n".join(sentence.format(name="Kestrel AI", n=n, day="Friday") for n in range(1, 4))
    long = [w for p in paragraphs(first) for w in p]
    assert opening_share(paragraphs(twin), long) == 0.0
    # The same opening edited by a credit, then the source's own paragraphs: a teaser.
    teaser = "NEW YORK (AP) - " + "\n".join(first.splitlines()[:3])
    assert opening_share(paragraphs(teaser), long) >= 0.8

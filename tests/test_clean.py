"""Clean stage rules, each removal recorded; story paragraphs kept; per-site learning."""

from __future__ import annotations

import json

import pytest

from config.schema import CleanConfig
from pipelines.cleaning.boilerplate import SiteLearner
from pipelines.cleaning.cleaner import Cleaner
from pipelines.extraction.lines import Line

STORY = [
    "Helix Labs said on Tuesday it had raised $400 million to build a training cluster of "
    "24,000 GPUs, the largest private round for an AI lab this quarter.",
    "The company plans to use the cluster to train its next language model, chief executive "
    "Dana Okafor told reporters, adding that hiring would double next year.",
    "Share prices of chip suppliers rose after the announcement, and analysts said the deal "
    "would tighten supply of accelerators into 2027.",
]


def _clean(
    lines: list[str | Line], authors: tuple[str, ...] = (), title: str = ""
) -> tuple[str, set[str]]:
    parts = [line if isinstance(line, Line) else Line(line) for line in lines]
    cleaned = Cleaner().clean(parts, authors, title)
    return cleaned.text, {r["rule"] for r in cleaned.removals}


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Read more: Nvidia's new chip ships early", "inline-teaser"),
        ("ALSO READ | Five startups to watch", "inline-teaser"),
        ("Lesen Sie auch: Die KI-Pläne der Bundesregierung", "inline-teaser"),
        ("À lire aussi : les start-up françaises de l'IA", "inline-teaser"),
        ("Lea también: El Gobierno presenta su plan de IA", "inline-teaser"),
        ("Disclaimer. The information provided is not trading advice.", "disclaimer"),
        ("This post contains affiliate links; we may earn a commission.", "disclaimer"),
        ("Share link:", "share-prompt"),
        ("Share this article", "share-prompt"),
        ("Stay on top of AI news, get daily updates in your inbox", "newsletter"),
        ("Subscribe to The Daily Model", "newsletter"),
        ("We use cookies to improve your experience. Accept all", "cookie-notice"),
        ("Loading Most Read articles...", "placeholder"),
        ("Back to top", "placeholder"),
        ("12 Comments", "comment-prompt"),
        ("You must be logged in to post a comment.", "comment-prompt"),
        ("If you enjoyed this article, consider supporting our journalism.", "support-prompt"),
        ("To continue reading, subscribe now", "paywall"),
        ("Follow Jane Roe on Twitter and Instagram.", "contact-line"),
        ("Email the writer at jane@ledger.example", "contact-line"),
        ("© 2026 The Ledger. All rights reserved.", "copyright"),
        ("Photo: Helix Labs", "image-credit"),
        ("Updated: Nov. 18, 2025 at 9:41 a.m.", "article-meta"),
        ("5 min read", "article-meta"),
    ],
)
def test_boilerplate_line_removed(line: str, rule: str) -> None:
    text, rules = _clean([STORY[0], line, *STORY[1:]])
    assert line not in text
    assert rule in rules
    assert all(p in text for p in STORY)


def test_story_lines_that_look_like_boilerplate_are_kept() -> None:
    lines = [
        STORY[0],
        "The chips will be delivered to the Reno site on 17 March 2026, the company said.",
        "Helix said it would support open research and share its evaluation results.",
        "Deadline: 3 May 2026",
        *STORY[1:],
    ]
    text, _ = _clean(lines)
    assert text == "\n".join(lines[:3] + STORY[1:]) or text == "\n".join(lines)
    assert "support open research" in text and "17 March 2026" in text


def test_tail_blocks_bio_and_credit() -> None:
    tail = [
        "Jane Roe",
        "Jane is a technology reporter covering chips and datacenters for the site.",
        "Related News",
        "AI development",
        "Source: Business Wire",
    ]
    text, rules = _clean([*STORY, *tail], ("Jane Roe",))
    assert text == "\n".join(STORY)
    assert {"author-bio", "related-block"} <= rules


def test_title_repeated_as_first_line_is_removed() -> None:
    title = "Helix Labs raises $400 million for a 24,000-GPU cluster"
    text, rules = _clean([Line(title, "head"), *STORY], title=title + " | The Ledger")
    assert text == "\n".join(STORY) and rules == {"title-repeat"}


def test_link_lines_and_related_blocks() -> None:
    lines = [
        STORY[0],
        Line("Nvidia ships its next accelerator early to cloud customers", "p", links=1.0),
        STORY[1],
        Line("Don't miss", "head"),
        Line("Five startups to watch this winter", "head", links=1.0),
        Line("The chip shortage, explained in charts", "head", links=0.9),
        STORY[2],
        Line("https://ledger.example/helix-raises", "p", links=1.0),
    ]
    text, rules = _clean(lines)
    assert text == "\n".join([*STORY, "https://ledger.example/helix-raises"])
    assert rules == {"related-link", "related-block"}


def test_newsletter_box_with_its_heading() -> None:
    lines = [
        *STORY,
        Line("The Morning Model", "head"),
        Line("Get our daily newsletter delivered to your inbox.", "p"),
        Line("Thanks for signing up!", "head"),
    ]
    text, rules = _clean(lines)
    assert text == "\n".join(STORY) and rules == {"newsletter"}


def test_summary_list_under_its_heading() -> None:
    bullets = ["- Helix raised $400 million.", "- It will build a 24,000-GPU cluster."]
    text, rules = _clean(["Key takeaways", *bullets, *STORY])
    assert text == "\n".join(STORY)
    assert rules == {"summary-list"}


def test_list_inside_story_is_kept() -> None:
    lines = [STORY[0], "- first point of the story", "- second point", *STORY[1:]]
    text, _ = _clean(lines)
    assert text == "\n".join(lines)


def test_leading_list_without_summary_heading_is_kept() -> None:
    lines = ["- Preheat the oven to 180 degrees.", "- Whisk the eggs with the sugar.", *STORY]
    text, _ = _clean(lines)
    assert text == "\n".join(lines)


def test_dateline_is_cut_and_recorded() -> None:
    cleaned = Cleaner().clean("\n".join(["SAN FRANCISCO, Nov 17 (Compute Wire) — " + STORY[0]]))
    assert cleaned.text == STORY[0]
    assert cleaned.removals == [
        {"rule": "dateline", "text": "SAN FRANCISCO, Nov 17 (Compute Wire) —"}
    ]


def test_rule_switched_off_in_config() -> None:
    cleaner = Cleaner(CleanConfig(disabled_rules=["inline-teaser"]))
    text = cleaner.clean("\n".join([STORY[0], "Read more: something else"])).text
    assert "Read more: something else" in text


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        Cleaner(CleanConfig(disabled_rules=["no-such-rule"]))


def test_removals_record_text_and_rule() -> None:
    cleaned = Cleaner().clean("\n".join([STORY[0], "Read more: x y z"]))
    assert cleaned.removals == [{"rule": "inline-teaser", "text": "Read more: x y z"}]


# ---- per-site learning


LABS = ["Helix Labs", "Corvid Systems", "Brightwater AI", "Okafor Robotics", "Reno Compute"]
CHIPS = ["accelerators", "GPUs", "inference chips", "TPUs", "training clusters"]


def _site_page(n: int) -> list[str]:
    lab, chips = LABS[n % 5], CHIPS[n % 5]
    return [
        f"{lab} announced a new model trained on {1000 + n} {chips}, its first this year.",
        "The Ledger is read by 40,000 engineers every week.",
        f"Analysts said {lab} would need more {chips} before the end of the quarter ({n * 7} %).",
        "Get 3 months of The Ledger Pro for $1.",
    ]


def test_learned_template_lines_are_removed_after_enough_pages() -> None:
    learner = SiteLearner(min_pages=3)
    cleaner = Cleaner(learner=learner)
    pages = [_site_page(n) for n in range(5)]
    for lines in pages:
        learner.observe("ledger.example", lines)
    cleaned = cleaner.clean("\n".join(pages[0]), site="ledger.example")
    assert cleaned.text == "\n".join([pages[0][0], pages[0][2]])
    assert {r["rule"] for r in cleaned.removals} == {"learned-block"}
    other = cleaner.clean("\n".join(pages[0]), site="other.example")
    assert other.text == "\n".join(pages[0])


def test_learner_needs_min_pages_and_share() -> None:
    learner = SiteLearner(min_pages=3, share=0.5)
    for n in range(2):
        learner.observe("s", _site_page(n))
    assert not learner.is_boilerplate("s", "The Ledger is read by 40,000 engineers every week.")
    for n in range(2, 8):
        learner.observe("s", [f"unrelated line {n}"])
    # 2 pages of 8 carry the line: under half
    assert not learner.is_boilerplate("s", "The Ledger is read by 40,000 engineers every week.")


def test_learned_block_rule_can_be_switched_off() -> None:
    learner = SiteLearner(min_pages=2)
    for n in range(3):
        learner.observe("s", _site_page(n))
    cleaner = Cleaner(CleanConfig(disabled_rules=["learned-block"]), learner)
    assert cleaner.clean("\n".join(_site_page(0)), site="s").text == "\n".join(_site_page(0))


def test_learner_memory_is_bounded_and_decays() -> None:
    learner = SiteLearner(max_lines=100, decay_every=50)
    for n in range(400):
        learner.observe("s", [f"unique line {n}-{k}" for k in range(10)] + ["Template footer"])
    stats = learner.sites["s"]
    assert len(stats.counts) <= 100
    assert stats.pages < 50
    assert learner.is_boilerplate("s", "Template footer")


def test_learner_state_round_trips_through_json() -> None:
    learner = SiteLearner()
    for n in range(4):
        learner.observe("s", _site_page(n))
    state = json.loads(json.dumps(learner.to_state()))
    restored = SiteLearner.from_state(state)
    line = "Get 3 months of The Ledger Pro for $1."
    assert restored.is_boilerplate("s", line) and learner.is_boilerplate("s", line)
    assert restored.to_state() == learner.to_state()


def test_learner_normalises_numbers_and_case() -> None:
    learner = SiteLearner(min_pages=3)
    for n in range(4):
        learner.observe("s", [f"{n + 2} comments", "SIGN IN"])
    assert learner.is_boilerplate("s", "17 Comments")
    assert learner.is_boilerplate("s", "Sign in")


def test_linked_sentences_are_kept_but_linked_headlines_go() -> None:
    sentence = Line("Retailers cut the price of the new laptop to $2,299 this week.", "p", 1.0)
    quote = Line("“We built the cluster because nobody would rent us one,” Okafor said", "p", 1.0)
    quoted = Line("“Compute is the new oil, and we are drilling as fast as we can.”", "p", 1.0)
    headline = Line("Nvidia ships its next accelerator early to cloud customers", "p", 1.0)
    truncated = Line("Why the chip shortage will outlast the next model generation...", "p", 1.0)
    text, rules = _clean([STORY[0], sentence, quoted, STORY[1], headline, truncated, quote])
    assert text.splitlines() == [STORY[0], sentence.text, quoted.text, STORY[1]]
    assert rules == {"related-link"}  # the headline, the cut-off headline, the partly quoted one

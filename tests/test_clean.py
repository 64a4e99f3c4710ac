"""Clean stage rules, each removal recorded; story paragraphs kept."""

from __future__ import annotations

import pytest

from config.schema import CleanConfig
from pipelines.clean import Cleaner

STORY = [
    "Helix Labs said on Tuesday it had raised $400 million to build a training cluster of "
    "24,000 GPUs, the largest private round for an AI lab this quarter.",
    "The company plans to use the cluster to train its next language model, chief executive "
    "Dana Okafor told reporters, adding that hiring would double next year.",
    "Share prices of chip suppliers rose after the announcement, and analysts said the deal "
    "would tighten supply of accelerators into 2027.",
]


def _clean(lines: list[str], authors: tuple[str, ...] = ()) -> tuple[str, set[str]]:
    cleaned = Cleaner().clean("\n".join(lines), authors)
    return cleaned.text, {r["rule"] for r in cleaned.removals}


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Read more: Nvidia's new chip ships early", "inline-teaser"),
        ("ALSO READ | Five startups to watch", "inline-teaser"),
        ("Disclaimer. The information provided is not trading advice.", "disclaimer"),
        ("Share link:", "share-prompt"),
        ("Share this article", "share-prompt"),
        ("Stay on top of AI news, get daily updates in your inbox", "newsletter"),
        ("Subscribe to The Daily Model", "newsletter"),
        ("We use cookies to improve your experience. Accept all", "cookie-notice"),
        ("Loading Most Read articles...", "placeholder"),
    ],
)
def test_boilerplate_line_removed(line: str, rule: str) -> None:
    text, rules = _clean([STORY[0], line, *STORY[1:]])
    assert line not in text
    assert rule in rules
    assert all(p in text for p in STORY)


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
    assert {"author-bio", "tail-block"} <= rules


def test_summary_list_before_story() -> None:
    bullets = ["- Helix raised $400 million.", "- It will build a 24,000-GPU cluster."]
    text, rules = _clean([*bullets, *STORY])
    assert text == "\n".join(STORY)
    assert rules == {"summary-list"}


def test_list_inside_story_is_kept() -> None:
    lines = [STORY[0], "- first point of the story", "- second point", *STORY[1:]]
    text, _ = _clean(lines)
    assert text == "\n".join(lines)


def test_rule_switched_off_in_config() -> None:
    cleaner = Cleaner(CleanConfig(disabled_rules=["inline-teaser"]))
    text = cleaner.clean("\n".join([STORY[0], "Read more: something else"])).text
    assert "Read more: something else" in text


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown clean rules"):
        Cleaner(CleanConfig(disabled_rules=["no-such-rule"]))


def test_removals_record_text_and_rule() -> None:
    cleaned = Cleaner().clean("\n".join([STORY[0], "Read more: x y z"]))
    assert cleaned.removals == [{"rule": "inline-teaser", "text": "Read more: x y z"}]

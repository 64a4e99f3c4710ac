"""`newsfold fold` elects originals as a crawl does: wire credits and canonical links count."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.cli import main

STORY = (
    "Helix Labs has signed a multi-year agreement to rent 24,000 Nvidia accelerators from "
    "Northwind Cloud, the startup said on Tuesday, as it races to train a new family of "
    "reasoning models. The deal, valued at about $1.2 billion, runs through 2029 and gives "
    "Helix first call on capacity in two new data centres in Texas and Ohio. Chief executive "
    "Mara Quill said the compute would let the company double its team of researchers."
)
EXTRA = " Analysts said smaller labs could still secure accelerators despite the backlog."


def _fold(tmp_path: Path, docs: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    """The command's output lines by document id."""
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(doc) + "\n" for doc in docs), encoding="utf-8")
    assert main(["fold", "--input", str(source), "--output", str(output)]) == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    return {line["id"]: line for line in lines}


def test_a_wire_credited_copy_is_elected_over_a_longer_uncredited_one(tmp_path: Path) -> None:
    out = _fold(
        tmp_path,
        [
            {"id": "partner", "url": "https://partner.test/helix", "text": STORY + EXTRA},
            {"id": "wire", "url": "https://wire.test/helix", "text": "(Reuters) - " + STORY},
        ],
    )
    assert out["partner"]["copy_cluster"] == out["wire"]["copy_cluster"]
    assert out["partner"]["copy_of"] == "wire" and out["wire"]["copy_of"] is None


def test_the_longer_text_is_elected_when_neither_credits_a_wire(tmp_path: Path) -> None:
    out = _fold(
        tmp_path,
        [
            {"id": "partner", "url": "https://partner.test/helix", "text": STORY + EXTRA},
            {"id": "other", "url": "https://other.test/helix", "text": STORY},
        ],
    )
    assert out["other"]["copy_of"] == "partner" and out["partner"]["copy_of"] is None


def test_a_cross_site_canonical_link_names_the_original(tmp_path: Path) -> None:
    out = _fold(
        tmp_path,
        [
            {
                "id": "partner",
                "url": "https://partner.test/helix",
                "text": STORY + EXTRA,
                "canonical_url": "https://origin.test/helix",
            },
            {"id": "origin", "url": "https://origin.test/helix", "text": STORY},
        ],
    )
    assert out["partner"]["copy_of"] == "origin" and out["origin"]["copy_of"] is None

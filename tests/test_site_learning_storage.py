"""Per-site boilerplate learning kept in the store, on every backend, across processes."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pipelines.cleaning.boilerplate import SiteLearner
from storage import open_storage
from storage.sql import SQLStorage

TEMPLATES = {
    "a.example": ["Home | World | Sport", "© 2026 A News", "12 comments", "Share this story"],
    "b.example": ["Subscribe to B Daily", "Most read", "Cookie settings"],
}
PROBES = [
    "Home | World | Sport",
    "home |  world | sport",
    "3 comments",
    "Most read",
    "Cookie settings",
    "Line 2 of page 4, long enough that its numbers tell it apart",
    "never seen",
]


def learned(pages: int = 6, salt: str = "") -> SiteLearner:
    """A learner that saw ``pages`` pages of each site: its template plus lines of their own."""
    learner = SiteLearner()
    for site, template in TEMPLATES.items():
        for page in range(pages):
            own = [
                f"Line {n} of page {page}{salt}, long enough that its numbers tell it apart"
                for n in range(5)
            ]
            learner.observe(site, [*template, *own])
    return learner


def decisions(learner: SiteLearner) -> dict[tuple[str, str], bool]:
    """Every probe line's verdict on every site (and on a site never seen)."""
    sites = [*TEMPLATES, "unknown.example"]
    return {(s, line): learner.is_boilerplate(s, line) for s in sites for line in PROBES}


def line_rows(store: SQLStorage) -> int:
    """How many line counts the store holds, all sites together."""
    return int(store.db.scalar("SELECT COUNT(*) AS n FROM site_lines"))


def test_round_trip_reproduces_the_learners_decisions(store: SQLStorage) -> None:
    learner = learned()
    assert store.load_site_learning() == {}
    store.save_site_learning(learner.to_state())
    loaded = store.load_site_learning()
    assert loaded == learner.to_state()
    restored = SiteLearner.from_state(loaded)
    assert decisions(restored) == decisions(learner)
    assert restored.is_boilerplate("a.example", "7 comments")
    assert not restored.is_boilerplate(
        "a.example", "Line 2 of page 4, long enough that its numbers tell it apart"
    )


def test_saving_a_site_again_replaces_it_and_leaves_the_others(store: SQLStorage) -> None:
    store.save_site_learning(learned().to_state())
    before = store.load_site_learning()
    newer = SiteLearner()
    for page in range(4):
        newer.observe("a.example", ["Redesigned menu", f"Only line of page {page}"])
    store.save_site_learning(newer.to_state())
    after = store.load_site_learning()
    assert after["a.example"] == newer.to_state()["a.example"]
    assert after["b.example"] == before["b.example"]
    assert line_rows(store) == len(newer.sites["a.example"].counts) + len(
        before["b.example"]["lines"]
    )
    store.save_site_learning(newer.to_state())  # the same state again doubles nothing
    assert store.load_site_learning() == after
    restored = SiteLearner.from_state(after)
    assert not restored.is_boilerplate("a.example", "Home | World | Sport")
    assert restored.is_boilerplate("a.example", "redesigned  MENU")
    assert restored.is_boilerplate("b.example", "Most read")


def test_load_a_subset_of_sites(store: SQLStorage) -> None:
    state = learned().to_state()
    store.save_site_learning(state)
    assert store.load_site_learning(["b.example"]) == {"b.example": state["b.example"]}
    assert store.load_site_learning(["b.example", "gone.example"]) == {
        "b.example": state["b.example"]
    }
    assert store.load_site_learning([]) == {}
    assert store.load_site_learning(["gone.example"]) == {}


def test_a_site_at_the_learners_limit_round_trips(store: SQLStorage) -> None:
    state = {
        f"s{n}.example": {
            "pages": 250.5,
            "lines": {f"{n:04x}{i:012x}": i / 2 for i in range(SiteLearner().max_lines)},
        }
        for n in range(3)
    }
    store.save_site_learning(state)
    assert store.load_site_learning() == state
    assert line_rows(store) == 3 * SiteLearner().max_lines


def test_another_process_sees_the_saved_learning(store: SQLStorage, store_url: str) -> None:
    learner = learned()
    store.save_site_learning(learner.to_state())
    again = open_storage(store_url)
    try:
        assert again.load_site_learning() == learner.to_state()
    finally:
        again.close()
    script = (
        "import json, sys\n"
        "from storage import open_storage\n"
        "store = open_storage(sys.argv[1])\n"
        "print(json.dumps(store.load_site_learning(['a.example'])))\n"
        "store.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, store_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(done.stdout)
    assert loaded == {"a.example": learner.to_state()["a.example"]}
    restored = SiteLearner.from_state(loaded)
    assert all(
        restored.is_boilerplate(site, line) == verdict
        for (site, line), verdict in decisions(learner).items()
        if site == "a.example"
    )


def test_a_save_the_database_refuses_keeps_the_previous_state(store: SQLStorage) -> None:
    old = learned().to_state()
    store.save_site_learning(old)
    rows = line_rows(store)
    bad: dict[str, Any] = {
        # a.example is written first, then the refused count of b.example ends the transaction.
        "a.example": learned(pages=3, salt="x").to_state()["a.example"],
        "c.example": {"pages": 2.0, "lines": {"00000000000000aa": 2.0}},
        "b.example": {"pages": 8.0, "lines": {"00000000000000bb": 4.0, "00000000000000cc": -1.0}},
    }
    with pytest.raises(Exception, match=r"CHECK constraint failed|violates check constraint"):
        store.save_site_learning(bad)
    assert store.load_site_learning() == old
    assert line_rows(store) == rows
    del bad["b.example"]  # the store takes a good save after the refused one
    store.save_site_learning(bad)
    assert store.load_site_learning() == {**old, **bad}

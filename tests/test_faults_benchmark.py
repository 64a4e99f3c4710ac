"""The fault benchmark: killed runs lose nothing, and its checks see what a store got wrong."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks import faults

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; Linux only"
)
ZERO = {"lost": 0, "duplicated": 0, "other": 0, "stories": 0}


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """Two kills on SQLite over the fixture publishers and 20 generated pages; its folder."""
    work = tmp_path_factory.mktemp("faults")
    return faults.run(kills=2, backends=["sqlite"], pages=20, seed=7, work=work), work


def test_killed_runs_lose_nothing_duplicate_nothing_and_leave_no_process(
    benchmark: tuple[dict[str, Any], Path],
) -> None:
    figures, _ = benchmark
    (row,) = figures["rows"]
    assert row["landed"] >= 1 and len(row["kills"]) == 2
    assert row["sightings"] > row["articles"] > 20  # copies were folded in the reference
    assert {check: row[check] for check in faults.CHECKS} == {**ZERO, "orphans": 0}
    assert row["stores"] >= 1 and all(t["met"] for t in figures["targets"])
    assert faults.tables(figures)  # the report renders from the figures alone


def mutated(work: Path, tmp_path: Path, change: Callable[[sqlite3.Connection], None]) -> Path:
    """A copy of one of the benchmark's completed stores with ``change`` made to it."""
    store = next(work.glob("store-*.db"))
    copy = tmp_path / "copy.db"
    shutil.copy(store, copy)
    with sqlite3.connect(copy) as conn:
        change(conn)
    conn.close()
    return copy


def single(conn: sqlite3.Connection) -> int:
    """An article seen once."""
    return int(
        conn.execute(
            "SELECT article_id FROM sightings GROUP BY article_id HAVING COUNT(*) = 1 LIMIT 1"
        ).fetchone()[0]
    )


def drop_article(conn: sqlite3.Connection, article: int) -> None:
    """Delete an article with everything that points at it."""
    for table in ("sightings", "lsh_bands", "story_terms"):
        conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article,))
    conn.execute("DELETE FROM articles WHERE id = ?", (article,))


def lose(conn: sqlite3.Connection) -> None:
    """An article never stored."""
    drop_article(conn, single(conn))


def unfold(conn: sqlite3.Connection) -> None:
    """One copy of a folded article kept as an article of its own."""
    article, doc = conn.execute(
        "SELECT article_id, MAX(doc_id) FROM sightings GROUP BY article_id HAVING COUNT(*) > 1"
    ).fetchone()
    columns = [row[1] for row in conn.execute("PRAGMA table_info(articles)") if row[1] != "id"]
    listed = ", ".join(columns)
    conn.execute(
        f"INSERT INTO articles ({listed}) SELECT {listed} FROM articles WHERE id = ?", (article,)
    )
    new = conn.execute("SELECT MAX(id) FROM articles").fetchone()[0]
    conn.execute("UPDATE sightings SET article_id = ? WHERE doc_id = ?", (new, doc))


def sight_twice(conn: sqlite3.Connection) -> None:
    """One URL stored as a second sighting."""
    conn.execute(
        "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
        "content_hash, word_count) SELECT article_id, doc_id || '#again', url, site, "
        "first_seen, last_seen, content_hash, word_count FROM sightings LIMIT 1"
    )


def elsewhere(conn: sqlite3.Connection, article: int) -> tuple[int, int]:
    """Another article in another story: its id and story."""
    found = conn.execute(
        "SELECT id, story_id FROM articles WHERE story_id != "
        "(SELECT story_id FROM articles WHERE id = ?) ORDER BY id LIMIT 1",
        (article,),
    ).fetchone()
    return int(found[0]), int(found[1])


def merge(conn: sqlite3.Connection) -> None:
    """An article folded into one of another story that the reference kept apart."""
    article = single(conn)
    other, _ = elsewhere(conn, article)
    conn.execute("UPDATE sightings SET article_id = ? WHERE article_id = ?", (other, article))
    drop_article(conn, article)


def restory(conn: sqlite3.Connection) -> None:
    """An article moved into another story."""
    article = single(conn)
    _, story = elsewhere(conn, article)
    conn.execute("UPDATE articles SET story_id = ? WHERE id = ?", (story, article))


def leave_running(conn: sqlite3.Connection) -> None:
    """A run that never recorded its end."""
    conn.execute("INSERT INTO runs (started, status, sources) VALUES ('t', 'running', '[]')")


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        # the story the article was in is no longer the reference's
        (lose, {"lost": 1, "stories": 1}),
        (unfold, {"duplicated": 1}),
        (sight_twice, {"duplicated": 1}),
        # the two stories it was taken from and put into
        (merge, {"other": 1, "stories": 2}),
        (restory, {"stories": 2}),
        (leave_running, {"other": 1}),
    ],
)
def test_the_comparison_flags_what_a_store_got_wrong(
    benchmark: tuple[dict[str, Any], Path],
    tmp_path: Path,
    change: Callable[[sqlite3.Connection], None],
    flagged: dict[str, int],
) -> None:
    _, work = benchmark
    ref = faults.snapshot(str(next(work.glob("store-*.db"))))
    assert faults.compare(ref, ref) == ZERO
    got = faults.snapshot(str(mutated(work, tmp_path, change)))
    assert {k: v for k, v in faults.compare(ref, got).items() if v} == flagged


def test_processes_a_kill_leaves_alive_are_counted_and_ended() -> None:
    """A child in the group outlives a kill of its leader; one that left the group, any kill."""
    spawn = (
        "import subprocess, sys, time; "
        "[subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], "
        "start_new_session=new) for new in (False, True)]; time.sleep(60)"
    )
    cmd = [sys.executable, "-c", spawn]
    leader = faults.kill_run(cmd, at=2.0, whole_group=False, timeout=30, wait=0.5)
    group = faults.kill_run(cmd, at=2.0, whole_group=True, timeout=30, wait=0.5)
    assert (leader["landed"], leader["processes"], leader["orphans"]) == (True, 3, 2)
    assert (group["landed"], group["processes"], group["orphans"]) == (True, 3, 1)
    finished = faults.kill_run([sys.executable, "-c", "pass"], at=5.0, whole_group=True, timeout=30)
    assert (finished["landed"], finished["rc"], finished["orphans"]) == (False, 0, 0)

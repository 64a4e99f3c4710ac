"""The storage contract, run on every backend: SQLite files and PostgreSQL schemas.

PostgreSQL is ``$NEWSFOLD_TEST_POSTGRES`` or ``postgresql://postgres@127.0.0.1:5432/test``; each
test gets a throwaway schema. Those tests are skipped, with the connection error, when the
server cannot be reached.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks.harness.pgscratch import server_url
from benchmarks.records import Doc, synthetic_corpus, to_record
from config.schema import FoldConfig
from crawler.demo import DemoSites
from pipelines.folding.batches import Batcher, ingest
from pipelines.folding.folder import Folder, FoldResult
from storage import StorageError, StoreLocked, open_storage
from storage.base import EntryState
from storage.database import load_migrations
from storage.sql import SQLStorage
from storage.times import shift, utcnow

BACKENDS = ["sqlite", "postgresql"]
NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))


def put(storage: SQLStorage, folder: Folder, doc: Doc) -> FoldResult:
    """Fold one synthetic document into the store."""
    fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
    record, sighting = to_record(doc, fp)
    return ingest(storage, folder, record, sighting, fp)


# ---- schema


def test_both_dialects_ship_the_same_migrations() -> None:
    sqlite, postgres = load_migrations("sqlite"), load_migrations("postgres")
    assert [(v, n) for v, n, _ in sqlite] == [(v, n) for v, n, _ in postgres]
    versions = [v for v, _, _ in sqlite]
    # Numbers are unique and rising; one may be missing while the branch that took it is open
    # (migrate applies every version a store lacks, whatever its order of arrival).
    assert versions[0] == 1 and versions == sorted(set(versions))


def test_migrations_recorded_and_idempotent(store: SQLStorage, store_url: str) -> None:
    versions = [v for v, _, _ in load_migrations(store.db.dialect)]
    assert store.migrations() == versions
    assert store.migrate() == []
    store_id = store.store_id()
    assert re.fullmatch(r"[0-9a-f]{32}", store_id)
    again = open_storage(store_url)
    try:
        assert again.migrate() == [] and again.store_id() == store_id
    finally:
        again.close()
    assert store.last_change() == 0 and store.initialised()


def test_upgrade_from_the_first_schema_keeps_articles_exportable(store_url: str) -> None:
    storage = open_storage(store_url, migrate=False)
    assert isinstance(storage, SQLStorage)
    db = storage.db
    (_, first_name, first_sql), *_ = load_migrations(db.dialect)
    try:
        with db.writing():  # a store as newsfold 0.1 left it
            db.execute(
                "CREATE TABLE schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
            )
            db.script(first_sql)
            db.execute("INSERT INTO schema_migrations VALUES (1, ?, 'then')", (first_name,))
            story = db.insert(
                "INSERT INTO stories (title, first_published, last_published, created, updated) "
                "VALUES ('s', 't', 't', 't', 't')"
            )
            for i in range(3):
                article = db.insert(
                    "INSERT INTO articles (url, original_doc, site, title, fetched, text, "
                    "content_hash, minhash, shingle_count, word_count, story_id, time_key, "
                    "updated) VALUES (?, ?, 'site', 'title', 't', 'text', ?, ?, 1, 1, ?, 't', 't')",
                    (f"u{i}", f"d{i}", f"h{i}", b"\0", story),
                )
                db.execute(
                    "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
                    "content_hash, word_count) VALUES (?, ?, ?, 'site', 't', 't', ?, 1)",
                    (article, f"d{i}", f"u{i}", f"h{i}"),
                )
        assert storage.migrate() == [v for v, _, _ in load_migrations(db.dialect)][1:]
        assert storage.last_change() == 3 and re.fullmatch(r"[0-9a-f]{32}", storage.store_id())
        rows = [row for _, row in storage.changed_articles(0)]
        assert [(r["url"], r["copy_count"], r["story_id"]) for r in rows] == [
            ("u0", 0, story),
            ("u1", 0, story),
            ("u2", 0, story),
        ]
        with storage.transaction() as index:
            assert index.term_frequencies([]) == (3, {})
    finally:
        storage.close()


def test_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"known: \['postgres', 'postgresql', 'sqlite'\]"):
        open_storage("mysql://localhost/news")


# ---- folding through the store stage


def test_fold_copy_story_and_idempotent_repeat(store: SQLStorage) -> None:
    folder = Folder(FoldConfig())
    docs = synthetic_corpus(60)
    results = [put(store, folder, doc) for doc in docs]
    copies = [d for d in docs if d.copy_of]
    assert {r.kind for r in results} <= {"new", "copy"}
    assert store.count("articles") == len(docs) - len(copies)
    assert store.count("sightings") == len(docs)
    assignments = {doc: art for doc, art, _, _ in store.doc_assignments()}
    for copy in copies:
        assert assignments[copy.doc_id] == assignments[copy.copy_of or ""]
    before = (
        {t: store.count(t) for t in ("articles", "sightings", "stories", "revisions")},
        store.last_change(),
        sorted(store.doc_assignments()),
    )
    again = [put(store, folder, doc) for doc in docs]
    assert {r.kind for r in again} == {"seen"}
    after = (
        {t: store.count(t) for t in ("articles", "sightings", "stories", "revisions")},
        store.last_change(),
        sorted(store.doc_assignments()),
    )
    assert after == before


def test_cached_document_frequencies_follow_commits_not_rollbacks(store: SQLStorage) -> None:
    """Story search reads frequencies from a per-process cache that must equal the table."""
    folder = Folder(FoldConfig())
    docs = [d for d in synthetic_corpus(40) if d.copy_of is None]
    for doc in docs[:-1]:
        put(store, folder, doc)
    assert store.term_counts is not None and store.term_counts.df

    cache = store.term_counts.df

    def stored() -> dict[str, int]:
        table = {r["term"]: r["df"] for r in store.db.fetchall("SELECT term, df FROM term_df")}
        return {term: table.get(term, 0) for term in cache}

    assert cache == stored()
    last = docs[-1]
    fp = folder.fingerprinter.fingerprint(last.text, last.title)
    record, sighting = to_record(last, fp)
    with pytest.raises(RuntimeError), store.transaction() as index:
        folder.fold(index, record, sighting, fp)
        raise RuntimeError("the store failed mid-article")
    assert cache == stored()
    put(store, folder, last)
    assert cache == stored() and store.term_counts is not None and store.term_counts.df is cache


def test_every_change_to_an_article_takes_a_new_change_number(store: SQLStorage) -> None:
    folder = Folder(FoldConfig(bands=64))
    docs = [d for d in synthetic_corpus(30) if d.copy_of is None]
    first = put(store, folder, docs[0])
    seq = store.db.scalar("SELECT change_seq FROM articles WHERE id = ?", (first.article_id,))
    assert seq == store.last_change() > 0

    def stamp(article_id: int) -> int:
        return int(store.db.scalar("SELECT change_seq FROM articles WHERE id = ?", (article_id,)))

    copy = Doc("copy", docs[0].title, "(Wire) — " + docs[0].text, "2026-08-01T00:00:00+00:00")
    assert put(store, folder, copy).kind == "copy"  # a sighting and an election
    assert stamp(first.article_id) == store.last_change() > seq
    seq = store.last_change()
    revised = Doc(docs[0].doc_id, docs[0].title, docs[0].text + " Updated.", docs[0].published)
    assert put(store, folder, revised).kind == "revision"
    assert stamp(first.article_id) == store.last_change() > seq
    seq = store.last_change()
    assert put(store, folder, revised).kind == "seen"
    assert store.last_change() == seq
    second = put(store, folder, docs[1])
    bridge = Doc("bridge", "digest", docs[0].text + " " + docs[1].text, docs[1].published)
    merged = put(store, folder, bridge)
    assert merged.kind == "copy" and store.count("articles") == 1
    row = store.db.fetchone("SELECT change_seq, merged_ids FROM articles")
    assert row is not None and row["change_seq"] == store.last_change()
    assert json.loads(row["merged_ids"]) == [max(first.article_id, second.article_id)]


def test_story_merge_restamps_every_moved_article(store: SQLStorage) -> None:
    with store.transaction() as index:
        a, b = (
            index.new_story("a", "2026-01-01T00:00:00+00:00"),
            index.new_story("b", "2026-01-03T00:00:00+00:00"),
        )
    docs = [d for d in synthetic_corpus(12) if d.copy_of is None][:3]
    folder = Folder(FoldConfig())
    ids = [put(store, folder, d).article_id for d in docs]
    with store.transaction() as index:
        for article_id, story in zip(ids, (a, b, b), strict=True):
            index.join_story(article_id, story, "2026-01-02T00:00:00+00:00")
    seq = store.last_change()
    with store.transaction() as index:
        index.merge_stories(a, [b])
    rows = store.db.fetchall("SELECT id, story_id, change_seq FROM articles ORDER BY id")
    assert {r["story_id"] for r in rows} == {a}
    assert [r["change_seq"] for r in rows if r["id"] != ids[0]] == [seq + 1, seq + 1]
    assert store.db.fetchone("SELECT id FROM stories WHERE id = ?", (b,)) is None


def test_failed_transaction_leaves_nothing(store: SQLStorage) -> None:
    folder = Folder(FoldConfig())
    doc = synthetic_corpus(1)[0]
    fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
    record, sighting = to_record(doc, fp)
    with pytest.raises(RuntimeError), store.transaction() as index:
        folder.fold(index, record, sighting, fp)
        raise RuntimeError("crash mid-fold")
    assert [store.count(t) for t in ("articles", "sightings", "stories")] == [0, 0, 0]
    assert store.last_change() == 0


def test_schema_refuses_a_second_sighting_of_one_document(store: SQLStorage) -> None:
    folder = Folder(FoldConfig())
    doc = synthetic_corpus(1)[0]
    result = put(store, folder, doc)
    fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
    _, sighting = to_record(doc, fp)
    with pytest.raises(Exception, match=r"(?i)unique"), store.transaction() as index:
        index.add_sighting(result.article_id, sighting, fp.band_keys)
    assert store.count("sightings") == 1


# ---- runs, errors, off-topic pages, reads


def test_runs_errors_and_offtopic(store: SQLStorage) -> None:
    dead = store.begin_run(["a"])
    run = store.begin_run(["a", "b"])
    assert store.runs()[1].status == "abandoned"
    store.record_error(run, "a", "https://a.example/x", "HTTP 500", 500)
    store.record_error(None, "b", "https://b.example/y", "timeout")
    store.record_offtopic(run, "a", "https://a.example/r", "Recipe", 0.5, ["pasta"])
    store.record_offtopic(run, "a", "https://a.example/r", "Recipe", 0.7, ["pasta", "oven"])
    counts = {"a": {"stored": 1}, "b": {"stored": 0}}
    store.finish_run(run, "completed", counts, "fine")
    latest = store.runs(limit=1)[0]
    assert (latest.id, latest.status, latest.counts, latest.sources) == (
        run,
        "completed",
        counts,
        ["a", "b"],
    )
    assert latest.ended and latest.message == "fine" and dead != run
    assert [e["reason"] for e in store.errors(run)] == ["HTTP 500"]
    assert [e["status"] for e in store.errors()] == [500, None]
    assert store.count("offtopic") == 1 and store.url_seen("https://a.example/r", "")
    row = store.db.fetchone("SELECT score, terms FROM offtopic")
    assert row == {"score": 0.7, "terms": '["pasta", "oven"]'}
    assert store.url_seen("https://a.example/elsewhere", "") is None


def test_stories_view_lists_articles_and_sightings(store: SQLStorage) -> None:
    folder = Folder(FoldConfig())
    docs = synthetic_corpus(20)
    for doc in docs:
        put(store, folder, doc)
    stories = store.stories(limit=100)
    assert sum(len(s.articles) for s in stories) == store.count("articles")
    seen = [sg["url"] for s in stories for a in s.articles for sg in a["sightings"]]
    assert len(seen) == len(docs)
    assert all(isinstance(a["authors"], list) for s in stories for a in s.articles)
    assert store.stories(since="2099-01-01T00:00:00+00:00") == []


# ---- what one run leaves for the next: entry points and seen URLs


def test_entry_states_round_trip_and_upsert(store: SQLStorage) -> None:
    url = "https://a.example/feed.xml"
    assert store.entry_states([url]) == {} and store.entry_states([]) == {}
    state = EntryState(
        url,
        "a",
        "2026-01-01T00:00:00+00:00",
        etag='"abc"',
        last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
        body_hash="h1",
        changed="2026-01-01T00:00:00+00:00",
        poll_interval=600.5,
        children=["https://a.example/news-1.xml", "https://a.example/news-2.xml"],
    )
    store.save_entry_states([state])
    assert store.entry_states([url, "https://b.example/feed.xml"]) == {url: state}
    newer = replace(
        state, etag=None, checked="2026-01-02T00:00:00+00:00", poll_interval=1201.0, children=[]
    )
    other = EntryState("https://b.example/feed.xml", "b", "2026-01-02T00:00:00+00:00")
    store.save_entry_states([newer, other])
    assert store.entry_states([url, other.url]) == {url: newer, other.url: other}
    assert store.count("entry_points") == 2


def test_seen_urls_by_key_sighting_or_offtopic_and_expired_by_age(store: SQLStorage) -> None:
    doc = synthetic_corpus(1)[0]
    put(store, Folder(FoldConfig()), doc)
    sighted = f"https://{doc.doc_id}.example/news/{doc.doc_id}"
    assert store.url_seen(sighted, "no-such-key") == doc.published
    store.record_offtopic(None, "a", "https://a.example/recipe", "Recipe", 0.1, [])
    assert store.url_seen("https://a.example/recipe", "a.example/recipe") is not None
    assert store.url_seen("https://a.example/x", "a.example/x") is None

    store.record_seen(
        ["a.example/x", "a.example/x-canonical", "a.example/x"],
        "https://a.example/x",
        "a",
        "new",
        "https://a.example/x-canonical",
    )
    assert store.count("seen_urls") == 2
    assert store.url_seen("https://b.example/elsewhere", "a.example/x-canonical") is not None
    store.record_seen(["a.example/x"], "https://a.example/x?page=1", "a", "relevance")
    row = store.db.fetchone(
        "SELECT url, outcome, page_url FROM seen_urls WHERE key = ?", ("a.example/x",)
    )
    assert row == {"url": "https://a.example/x?page=1", "outcome": "relevance", "page_url": None}

    old = shift(utcnow(), -100)
    store.db.execute("UPDATE seen_urls SET seen_at = ? WHERE key = ?", (old, "a.example/x"))
    store.db.execute("UPDATE offtopic SET seen_at = ?", (old,))
    store.db.execute("UPDATE sightings SET last_seen = ?", (old,))
    assert store.prune_seen(shift(utcnow(), -90)) == 2
    assert store.count("seen_urls") == 1 and store.count("offtopic") == 0
    assert store.count("sightings") == 1 and store.url_seen(sighted, "") == old
    assert store.url_seen("https://a.example/x", "a.example/x") is None
    assert store.prune_seen(shift(utcnow(), -90)) == 0


@pytest.mark.parametrize(
    ("stored", "days", "moved"),
    [
        ("2026-01-01T10:00:00+00:00", 7, "2026-01-08T10:00:00+00:00"),
        ("2026-03-01T00:30:00+00:00", -1, "2026-02-28T00:30:00+00:00"),
        ("2024-02-28T23:00:00+00:00", 1.5, "2024-03-01T11:00:00+00:00"),
        ("2025-12-31T23:59:59+00:00", 1 / 86400, "2026-01-01T00:00:00+00:00"),
    ],
)
def test_shift_moves_a_stored_timestamp_in_utc(stored: str, days: float, moved: str) -> None:
    """A story window's bounds: the stored form in, the stored form out, leap days counted."""
    assert shift(stored, days) == moved
    assert shift(moved, -days) == stored


# ---- locks and concurrent writers


def test_run_lock_refuses_a_second_holder(store: SQLStorage, store_url: str) -> None:
    other = open_storage(store_url)
    try:
        with store.lock(), pytest.raises(StoreLocked, match="being written by"), other.lock():
            pass
        with other.lock():
            pass  # released with the first holder
    finally:
        other.close()


def _fold_all(url: str, order: str, barrier: Any, batch: int) -> None:
    """One writer process: fold the shared corpus in the given order, ``batch`` to a commit."""
    docs = synthetic_corpus(200)
    storage = open_storage(url)
    assert isinstance(storage, SQLStorage)
    folder = Folder(FoldConfig())
    batcher = Batcher(storage, items=batch, seconds=3600)
    barrier.wait(timeout=60)
    for doc in docs if order == "forward" else docs[::-1]:
        if batch == 1:
            put(storage, folder, doc)
        else:
            fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
            batcher.ingest(folder, *to_record(doc, fp), fp)
    batcher.commit()
    storage.close()


@pytest.mark.parametrize("batch", [1, 7])
def test_two_processes_folding_the_same_documents(
    store: SQLStorage, store_url: str, batch: int
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=_fold_all, args=(store_url, order, barrier, batch))
        for order in ("forward", "backward")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]
    docs = synthetic_corpus(200)
    copies = [d for d in docs if d.copy_of]
    assignments = {doc: art for doc, art, _, _ in store.doc_assignments()}
    assert sorted(assignments) == sorted(d.doc_id for d in docs)
    assert store.count("sightings") == len(docs)
    assert store.count("articles") == len(docs) - len(copies)
    for copy in copies:
        assert assignments[copy.doc_id] == assignments[copy.copy_of or ""]
    hashes = store.db.fetchall("SELECT content_hash, COUNT(*) AS n FROM articles GROUP BY 1")
    assert max(r["n"] for r in hashes) == 1


# ---- PostgreSQL connection errors


def test_unreachable_server_names_host_port_and_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        open_storage("postgresql://postgres@127.0.0.1:1/newsroom")
    message = str(caught.value)
    assert "cannot connect to PostgreSQL at 127.0.0.1:1 database newsroom" in message
    assert "check that the server is running and the credentials" in message


def test_unknown_role_is_a_clear_error(postgres_url: str) -> None:
    server = server_url()
    bad = re.sub(r"//[^@/]*@", "//nf_no_such_role@", server) if "@" in server else server
    if bad == server:
        pytest.skip("the test server URL names no user to replace")
    with pytest.raises(StorageError, match='role "nf_no_such_role" does not exist'):
        open_storage(bad)


def test_reading_a_store_that_does_not_exist_creates_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    with pytest.raises(StorageError, match="no newsfold store there"):
        open_storage(str(tmp_path / "missing.db"), create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(StorageError, match="no newsfold store there"):
        open_storage(postgres_url, create=False)
    probe = open_storage(postgres_url, migrate=False)
    try:
        assert not probe.initialised()
    finally:
        probe.close()


# ---- the real CLI into PostgreSQL


def _crawl(sites: DemoSites, tmp: Path, db: str) -> subprocess.CompletedProcess[str]:
    """`newsfold run` over every fixture source into ``db``."""
    lines = [
        "[crawl]\ndownload_delay = 0\nextract_workers = 1\nretries = 1\n"
        'allow_networks = ["127.0.0.0/8"]\n'
    ]
    for name, spec in sites.sources.items():
        lines.append(f'[sources.{name}]\nurl = "{spec["url"]}"\nkind = "{spec["kind"]}"\n')
    config = tmp / "newsfold.toml"
    config.write_text("\n".join(lines))
    sources = [arg for name in sites.sources for arg in ("--source", name)]
    return subprocess.run(
        [NEWSFOLD, "run", "--config", str(config), "--db", db, "--no-progress", *sources],
        capture_output=True,
        text=True,
        cwd=tmp,
        timeout=300,
    )


def test_crawl_into_postgres_twice_changes_nothing(
    demo_sites: DemoSites, postgres_url: str, tmp_path: Path
) -> None:
    first = _crawl(demo_sites, tmp_path, postgres_url)
    assert first.returncode == 0, first.stderr
    store = open_storage(postgres_url)
    assert isinstance(store, SQLStorage)
    try:
        tables = ("articles", "sightings", "stories", "offtopic", "fetch_errors")
        before = {t: store.count(t) for t in tables}, store.last_change()
        on_topic = [a for a in demo_sites.articles() if a.on_topic]
        assert before[0]["sightings"] == len(on_topic)
        assert len({a.copy_group for a in on_topic}) <= before[0]["articles"] < len(on_topic)
        second = _crawl(demo_sites, tmp_path, postgres_url)
        assert second.returncode == 0, second.stderr
        after = {t: store.count(t) for t in tables}, store.last_change()
        assert after[0] | {"fetch_errors": 0} == before[0] | {"fetch_errors": 0}
        assert after[1] == before[1]
        assert [r.status for r in store.runs()] == ["completed", "completed"]
    finally:
        store.close()


def test_missing_driver_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from storage import open_storage\n"
        "open_storage('postgresql://postgres@127.0.0.1:5432/test')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "PostgresStorage needs psycopg: pip install 'newsfold[postgres]'" in result.stderr


def test_sqlite_checkpoints_off_the_writing_thread(tmp_path: Path) -> None:
    """Commits only append to the WAL; a background thread copies pages into the file."""
    from storage.sqlite import SQLiteStorage

    path = tmp_path / "ck.db"
    storage = SQLiteStorage(path)
    storage.migrate()
    checkpointer = storage.db.checkpointer
    assert checkpointer is not None and checkpointer.is_alive()
    assert storage.conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    before = path.stat().st_size
    for n in range(300):
        storage.record_error(None, "s", f"https://e.org/{n}", "x" * 2000)
    grown = False
    for _ in range(50):  # the thread checkpoints every second
        grown = path.stat().st_size > before + 300 * 2000
        if grown:
            break
        time.sleep(0.1)
    assert grown, "the committed pages never reached the database file"
    storage.close()
    assert not checkpointer.is_alive()

"""Batched commits, on every backend: each article whole or not at all, the batch durable together."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.records import Doc, synthetic_corpus, to_record
from config.schema import FoldConfig
from pipelines.folding.batches import Batcher
from pipelines.folding.folder import Folder
from storage import StorageError, open_storage
from storage.sql import SQLStorage


def originals(count: int) -> list[Doc]:
    """Synthetic documents that are no copy of each other."""
    return [d for d in synthetic_corpus(count * 2) if d.copy_of is None][:count]


def feed(batcher: Batcher, folder: Folder, doc: Doc) -> Any:
    """Fold one document through the batcher."""
    fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
    return batcher.ingest(folder, *to_record(doc, fp), fp)


def counts(storage: SQLStorage) -> list[int]:
    """Articles, sightings and seen keys as another connection sees them."""
    return [storage.count(t) for t in ("articles", "sightings", "seen_urls")]


def test_a_batch_is_committed_every_n_articles(store: SQLStorage, store_url: str) -> None:
    folder = Folder(FoldConfig())
    batcher = Batcher(store, items=3, seconds=3600)
    other = open_storage(store_url)
    assert isinstance(other, SQLStorage)
    docs = originals(3)
    try:
        for doc in docs[:2]:
            feed(batcher, folder, doc)
        store.record_seen(["key-1"], "https://a.example/1", "a", "new")
        assert store.batch_open and counts(store) == [2, 2, 1]  # its own writes, uncommitted
        assert counts(other) == [0, 0, 0]
        feed(batcher, folder, docs[2])
        assert not store.batch_open and counts(other) == [3, 3, 1]
    finally:
        other.close()


def test_an_old_batch_is_committed_when_due(store: SQLStorage) -> None:
    now = [100.0]
    batcher = Batcher(store, items=100, seconds=2.0, clock=lambda: now[0])
    feed(batcher, Folder(FoldConfig()), originals(1)[0])
    now[0] += 1.5
    batcher.commit_if_due()
    assert store.batch_open
    now[0] += 0.5
    batcher.commit_if_due()
    assert not store.batch_open and store.count("articles") == 1


def test_a_failed_article_is_undone_alone(store: SQLStorage) -> None:
    folder = Folder(FoldConfig())
    first, failing, last = originals(3)
    batcher = Batcher(store, items=100, seconds=3600)
    feed(batcher, folder, first)
    fp = folder.fingerprinter.fingerprint(failing.text, failing.title)
    record, sighting = to_record(failing, fp)
    with pytest.raises(RuntimeError), store.transaction() as index:
        folder.fold(index, record, sighting, fp)
        raise RuntimeError("the store failed mid-article")
    with pytest.raises(Exception, match=r"(?i)null|constraint"):
        store.record_seen(["key-2"], None, "a", "new")  # type: ignore[arg-type]
    feed(batcher, folder, last)
    store.record_error(None, "a", "https://a.example/404", "HTTP 404", 404)
    batcher.commit()
    titles = {r["title"] for r in store.db.fetchall("SELECT title FROM articles")}
    assert titles == {first.title, last.title}
    assert store.count("fetch_errors") == 1 and store.count("seen_urls") == 0
    assert store.count("sightings") == 2


def test_a_dropped_batch_leaves_nothing_and_folding_starts_again(store: SQLStorage) -> None:
    folder = Folder(FoldConfig())
    docs = originals(4)
    batcher = Batcher(store, items=100, seconds=3600)
    for doc in docs:
        feed(batcher, folder, doc)
    store.record_seen(["key-1"], "https://a.example/1", "a", "new")
    store.end_batch(keep=False)
    assert counts(store) == [0, 0, 0] and store.last_change() == 0
    results = [feed(batcher, folder, doc) for doc in docs]
    batcher.commit()
    assert [r.kind for r in results] == ["new"] * 4 and store.count("articles") == 4
    df = {r["term"]: r["df"] for r in store.db.fetchall("SELECT term, df FROM term_df")}
    assert store.term_counts is not None
    assert all(df.get(t, 0) == n for t, n in store.term_counts.df.items())


def _fold_then_die(url: str, docs: int) -> None:
    """A writer killed with its batch open: nothing of the batch may remain."""
    storage = open_storage(url)
    assert isinstance(storage, SQLStorage)
    folder = Folder(FoldConfig())
    batcher = Batcher(storage, items=docs + 1, seconds=3600)
    for doc in originals(docs):
        feed(batcher, folder, doc)
    storage.record_seen(["key-1"], "https://a.example/1", "a", "new")
    os._exit(0)  # no commit, no close: as a killed process


def test_a_process_dying_mid_batch_leaves_nothing(store: SQLStorage, store_url: str) -> None:
    folder = Folder(FoldConfig())
    batcher = Batcher(store, items=1, seconds=3600)
    feed(batcher, folder, originals(5)[0])  # committed before
    worker = multiprocessing.get_context("spawn").Process(
        target=_fold_then_die, args=(store_url, 5)
    )
    worker.start()
    worker.join(timeout=120)
    assert worker.exitcode == 0
    assert counts(store) == [1, 1, 0]
    again = [feed(batcher, folder, doc) for doc in originals(5)]
    assert [r.kind for r in again] == ["seen"] + ["new"] * 4  # the next run completes the work
    assert store.count("articles") == 5


def test_a_refused_commit_drops_the_batch_and_says_so(
    tmp_path: Path, refuse_commit: Callable[[SQLStorage], None]
) -> None:
    storage = open_storage(str(tmp_path / "refused.db"))
    assert isinstance(storage, SQLStorage)
    folder = Folder(FoldConfig())
    docs = originals(3)
    batcher = Batcher(storage, items=100, seconds=3600)
    feed(batcher, folder, docs[0])
    refuse_commit(storage)
    with pytest.raises(StorageError, match="the batch could not be committed"):
        batcher.commit()
    assert not storage.batch_open and counts(storage) == [0, 0, 0]
    assert [feed(batcher, folder, d).kind for d in docs] == ["new"] * 3
    batcher.commit()
    assert storage.count("articles") == 3
    storage.close()

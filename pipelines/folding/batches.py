"""Folding inside store transactions: each document whole or not at all, committed in batches."""

from __future__ import annotations

import time
from collections.abc import Callable

from pipelines.folding.features import Fingerprint
from pipelines.folding.folder import Folder, FoldResult
from storage.base import ArticleRecord, Sighting, Storage, WriteConflict

# Tries of one document whose write the database undid because it met another writer's.
CONFLICT_TRIES = 3


def ingest(
    storage: Storage, folder: Folder, record: ArticleRecord, sighting: Sighting, fp: Fingerprint
) -> FoldResult:
    """Fold one document and write it atomically: all of it is stored, or none."""
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            with storage.transaction() as index:
                return folder.fold(index, record, sighting, fp)
        except WriteConflict:
            # Undone whole (its savepoint or transaction): folding again decides afresh.
            if attempt == CONFLICT_TRIES:
                raise
            if storage.batch_open:
                # The batch holds what the other writer waits for: commit what it has (each
                # document in it is whole), so the next try waits without a cycle.
                storage.end_batch()
                storage.begin_batch()
    raise AssertionError("unreachable")


class Batcher:
    """Folds documents in shared transactions committed every ``items`` documents or ``seconds``.

    Each document is still folded and written whole or not at all (a savepoint of the batch);
    committing many at once spares the index pages they share being written once per document.
    A crash loses the open batch, and whatever else was written in it, never part of a document.
    """

    def __init__(
        self,
        storage: Storage,
        items: int,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.items = items
        self.seconds = seconds
        self.clock = clock
        self.count = 0
        self.opened = 0.0

    def ingest(
        self, folder: Folder, record: ArticleRecord, sighting: Sighting, fp: Fingerprint
    ) -> FoldResult:
        """Fold one document into the batch; commit the batch when it is full."""
        result = self.fold(folder, record, sighting, fp)
        self.commit_if_full()
        return result

    def fold(
        self, folder: Folder, record: ArticleRecord, sighting: Sighting, fp: Fingerprint
    ) -> FoldResult:
        """Fold one document into the open batch, opening one when needed."""
        if self.items > 1 and not self.storage.batch_open:
            # One document a commit needs no batch: its own transaction holds it whole.
            self.storage.begin_batch()
            self.opened = self.clock()
        result = ingest(self.storage, folder, record, sighting, fp)
        self.count += 1
        return result

    def commit_if_full(self) -> None:
        """Commit a batch that holds ``items`` documents."""
        if self.count >= self.items:
            self.commit()

    def commit_if_due(self) -> None:
        """Commit a batch that has been open ``seconds`` or longer."""
        if self.storage.batch_open and self.clock() - self.opened >= self.seconds:
            self.commit()

    def commit(self) -> None:
        """Commit the open batch."""
        self.count = 0
        if self.storage.batch_open:
            self.storage.end_batch()

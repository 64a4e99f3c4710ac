"""A store newsfold cannot use, or that refuses a write mid-run: a clear error, nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import DemoSites
from storage import StorageError, open_storage
from storage.sql import SQLStorage

ROOT = Path(__file__).resolve().parent.parent


def test_a_store_from_a_newer_newsfold_is_refused_naming_both_versions(store_url: str) -> None:
    store = open_storage(store_url)
    assert isinstance(store, SQLStorage)
    newest = max(store.migrations())
    store.db.execute(
        "INSERT INTO schema_migrations (version, name, applied) VALUES (?, 'later', 'now')",
        (newest + 1,),
    )
    store.close()
    with pytest.raises(StorageError, match=rf"schema version {newest + 1}.*up to {newest}"):
        open_storage(store_url)


# A run into a SQLite store whose second batch of articles fails at COMMIT, as on a full disk:
# the refusal is SQLite's own (a deferred foreign key left broken in the batch).
REFUSING_RUN = """
import json, sys
from config.loader import load_config
from crawler.runner import run_crawl
from storage.sqlite import SQLiteStorage

class RefusingStore(SQLiteStorage):
    commits = 0

    def end_batch(self, keep=True):
        if keep and self.batch_open:
            self.commits += 1
            if self.commits == 2:
                self.db.execute("PRAGMA defer_foreign_keys = ON")
                self.db.execute(
                    "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
                    "content_hash, word_count) VALUES (999, 'x', 'u', 's', 't', 't', 'h', 1)"
                )
        super().end_batch(keep)

sources = json.loads(sys.argv[3])
overrides = {"crawl.download_delay": 0, "crawl.commit_items": 3,
             "crawl.allow_networks": ["127.0.0.0/8"]}
config = load_config(env={}, overrides=overrides)
config = config.model_validate({**config.model_dump(mode="json"), "sources": sources})
store = (RefusingStore if sys.argv[2] == "refusing" else SQLiteStorage)(sys.argv[1])
store.migrate()
summary = run_crawl(config, store)
urls = sorted(row["url"] for row in store.db.fetchall("SELECT url FROM sightings"))
store.close()
print(json.dumps({"status": summary.status, "message": summary.message,
                  "store_failed": summary.store_failed, "urls": urls}))
"""


@pytest.mark.slow
def test_a_refused_commit_fails_the_run_and_keeps_what_was_committed(tmp_path: Path) -> None:
    db = tmp_path / "full.db"

    def run(path: Path, mode: str) -> dict[str, Any]:
        result = subprocess.run(
            [sys.executable, "-c", REFUSING_RUN, str(path), mode, json.dumps(sources)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout.splitlines()[-1]))

    with DemoSites() as sites:
        sources = {name: {**spec, "max_articles": 50} for name, spec in sites.sources.items()}
        summary = run(db, "refusing")
        assert summary["status"] == "failed" and summary["store_failed"]
        assert "refused a write" in summary["message"] and "FOREIGN KEY" in summary["message"]
        assert len(summary["urls"]) >= 3  # the first batch, committed before the refusal
        # The next run, into a store that writes, gets what the refused batch lost: the feeds
        # are read in full again (the failed run kept no validators) and the lost pages fetched.
        again = run(db, "plain")
        reference = run(tmp_path / "reference.db", "plain")
    assert again["status"] == "completed"
    assert again["urls"] == reference["urls"] and len(reference["urls"]) > 6  # none doubled
    store = open_storage(str(db))
    try:
        assert [run.status for run in store.runs(5)] == ["completed", "failed"]
    finally:
        store.close()

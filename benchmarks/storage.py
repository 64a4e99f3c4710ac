"""Storage: insert+fold throughput on SQLite and PostgreSQL, and export throughput.

- **insert+fold**: the same seeded synthetic corpus (``benchmarks/records.py``: 5,000 documents
  of ~400 words, every 10th a syndicated copy of an earlier one) goes through
  ``pipelines.folding.batches.ingest``, one transaction per document, and again through
  ``Batcher`` committing every 100 documents as a crawl does, each into a new SQLite file and a
  new PostgreSQL schema. Fingerprints are computed beforehand, so the figure is the store's: the
  fold decision's reads and every write. Each store must then hold one sighting per document
  and one article per document that is not a copy.
- **export**: a store filled directly with SQL (100,000 articles of ~2.4 KB text, every 5th
  with a second sighting) is exported in full to JSONL, CSV and Parquet with the code
  ``newsfold export`` runs, on both backends.

PostgreSQL is ``$NEWSFOLD_TEST_POSTGRES`` or ``postgresql://postgres@127.0.0.1:5432/test``;
every measurement gets a throwaway schema. When it cannot be reached its rows say why.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.harness import results
from benchmarks.harness.pgscratch import scratch_schema, server_url
from benchmarks.harness.rounds import log
from benchmarks.harness.tables import Table, num
from benchmarks.records import Doc, synthetic_corpus, to_record

NAME = "storage"
DEFAULT_DOCS = 5000
BATCH = 100  # documents per commit in the batched rows, as crawl.commit_items defaults
DEFAULT_EXPORT_ARTICLES = 100_000


# ---- where the stores live


@contextmanager
def store_target(backend: str, folder: Path, server: str) -> Iterator[str]:
    """A new store's URL: a SQLite file in ``folder`` or a throwaway PostgreSQL schema."""
    if backend == "sqlite":
        path = folder / f"bench-{time.monotonic_ns()}.db"
        yield str(path)
        return
    with scratch_schema(server, prefix="nfbench") as url:
        yield url


# ---- insert + fold


def bench_fold(
    url: str, docs: Sequence[Doc], fingerprints: Sequence[Any], batch: int = 1
) -> dict[str, Any]:
    """Ingest every document into a new store, ``batch`` to a commit; docs/s and a check."""
    from config.schema import FoldConfig
    from pipelines.folding.batches import Batcher, ingest
    from pipelines.folding.folder import Folder
    from storage import open_storage
    from storage.sql import SQLStorage

    folder = Folder(FoldConfig())
    storage = open_storage(url)
    assert isinstance(storage, SQLStorage)
    batcher = Batcher(storage, batch, seconds=3600)
    try:
        started = time.perf_counter()
        for doc, fp in zip(docs, fingerprints, strict=True):
            record, sighting = to_record(doc, fp)
            if batch == 1:
                ingest(storage, folder, record, sighting, fp)
            else:
                batcher.ingest(folder, record, sighting, fp)
        batcher.commit()
        seconds = time.perf_counter() - started
        articles, sightings = storage.count("articles"), storage.count("sightings")
        stories = storage.count("stories")
    finally:
        storage.close()
    originals = sum(1 for d in docs if d.copy_of is None)
    return {
        "docs": len(docs),
        "seconds": seconds,
        "per_s": len(docs) / seconds,
        "articles": articles,
        "stories": stories,
        "check": "ok"
        if (articles, sightings) == (originals, len(docs))
        else f"{articles} articles (want {originals}), {sightings} sightings (want {len(docs)})",
    }


# ---- export

# One statement per table; ``{n}`` articles, stories of five, every 5th article seen twice.
FILL = {
    "sqlite": [
        "INSERT INTO stories (id, title, first_published, last_published, created, updated) "
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n} / 5) "
        "SELECT i, 'story ' || i, '2026-09-01T06:00:00+00:00', '2026-09-01T06:00:00+00:00', "
        "'2026-09-01T06:00:00+00:00', '2026-09-01T06:00:00+00:00' FROM seq",
        "INSERT INTO articles (id, url, original_doc, site, title, authors, published, fetched, "
        "language, text, relevance, removals, content_hash, minhash, shingle_count, word_count, "
        "story_id, time_key, updated, change_seq) "
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n}) "
        "SELECT i, 'https://site' || (i % 50) || '.example/news/' || i, 'doc' || i, "
        "'site' || (i % 50) || '.example', 'Headline number ' || i, '[\"Staff Writer\"]', "
        "'2026-09-01T06:00:00+00:00', '2026-09-01T07:00:00+00:00', 'en', "
        "hex(randomblob(1200)), 4.5, "
        '\'[{{"rule": "share-prompt", "text": "Share this article"}}]\', '
        "hex(randomblob(16)), zeroblob(512), 400, 400, (i - 1) / 5 + 1, "
        "'2026-09-01T06:00:00+00:00', '2026-09-01T07:00:00+00:00', i FROM seq",
        "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
        "content_hash, word_count) SELECT id, original_doc, url, site, fetched, fetched, "
        "content_hash, word_count FROM articles",
        "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
        "content_hash, word_count) SELECT id, 'copy' || id, 'https://wire.example/' || id, "
        "'wire.example', fetched, fetched, content_hash, word_count FROM articles "
        "WHERE id % 5 = 0",
        "UPDATE counters SET value = {n} WHERE name IN ('change', 'articles')",
    ],
    "postgres": [
        "INSERT INTO stories (id, title, first_published, last_published, created, updated) "
        "SELECT i, 'story ' || i, '2026-09-01T06:00:00+00:00', '2026-09-01T06:00:00+00:00', "
        "'2026-09-01T06:00:00+00:00', '2026-09-01T06:00:00+00:00' "
        "FROM generate_series(1, {n} / 5) AS i",
        "INSERT INTO articles (id, url, original_doc, site, title, authors, published, fetched, "
        "language, text, relevance, removals, content_hash, minhash, shingle_count, word_count, "
        "story_id, time_key, updated, change_seq) "
        "SELECT i, 'https://site' || (i % 50) || '.example/news/' || i, 'doc' || i, "
        "'site' || (i % 50) || '.example', 'Headline number ' || i, '[\"Staff Writer\"]', "
        "'2026-09-01T06:00:00+00:00', '2026-09-01T07:00:00+00:00', 'en', "
        "(SELECT string_agg(md5(i::text || ':' || k), '') FROM generate_series(1, 75) AS k), "
        '4.5, \'[{{"rule": "share-prompt", "text": "Share this article"}}]\', '
        "md5(i::text), decode(repeat('00', 512), 'hex'), 400, 400, (i - 1) / 5 + 1, "
        "'2026-09-01T06:00:00+00:00', '2026-09-01T07:00:00+00:00', i "
        "FROM generate_series(1, {n}) AS i",
        "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
        "content_hash, word_count) SELECT id, original_doc, url, site, fetched, fetched, "
        "content_hash, word_count FROM articles",
        "INSERT INTO sightings (article_id, doc_id, url, site, first_seen, last_seen, "
        "content_hash, word_count) SELECT id, 'copy' || id, 'https://wire.example/' || id, "
        "'wire.example', fetched, fetched, content_hash, word_count FROM articles "
        "WHERE id % 5 = 0",
        "UPDATE counters SET value = {n} WHERE name IN ('change', 'articles')",
    ],
}


def fill(url: str, articles: int) -> None:
    """A store with ``articles`` articles, written directly with SQL."""
    from storage import open_storage
    from storage.sql import SQLStorage

    storage = open_storage(url)
    assert isinstance(storage, SQLStorage)
    try:
        with storage.db.writing():
            for sql in FILL[storage.db.dialect]:
                storage.db.script(sql.format(n=articles))
        storage.db.script("ANALYZE")
    finally:
        storage.close()


def bench_export(url: str, fmt: str, folder: Path) -> dict[str, Any]:
    """A full export to one format with the export command's own writers; rows per second."""
    from crawler.commands.export import Tally, writer_for
    from storage import open_storage

    storage = open_storage(url, create=False)
    output = folder / f"export-{time.monotonic_ns()}.{fmt}"
    try:
        tally = Tally(0)
        started = time.perf_counter()
        writer_for(fmt)(output, tally.track(storage.changed_articles(0)))
        seconds = time.perf_counter() - started
    finally:
        storage.close()
    size = output.stat().st_size
    output.unlink()
    return {"docs": tally.rows, "seconds": seconds, "per_s": tally.rows / seconds, "mb": size / 1e6}


# ---- the run


def run(docs_count: int, export_articles: int, server: str) -> dict[str, Any]:
    """Every measurement, on both backends."""
    from config.schema import FoldConfig
    from pipelines.folding.folder import Folder

    docs = synthetic_corpus(docs_count)
    fingerprinter = Folder(FoldConfig()).fingerprinter
    fingerprints = [fingerprinter.fingerprint(d.text, d.title) for d in docs]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nfbench-") as tmp:
        folder = Path(tmp)
        for backend in ("sqlite", "postgresql"):
            for batch in (1, BATCH):
                label = f"insert+fold, {'a commit each' if batch == 1 else f'a commit per {batch}'}"
                step = lambda u, b=batch: bench_fold(u, docs, fingerprints, b)  # noqa: E731
                rows.append(measure(backend, label, folder, server, step))
        for backend in ("sqlite", "postgresql"):
            rows.extend(export_rows(backend, folder, server, export_articles))
    return {
        "docs": docs_count,
        "copies": sum(1 for d in docs if d.copy_of),
        "export_articles": export_articles,
        "rows": rows,
    }


def measure(
    backend: str, label: str, folder: Path, server: str, step: Callable[[str], dict[str, Any]]
) -> dict[str, Any]:
    """One measurement in a new store; a row saying why when the backend is unreachable."""
    from storage import StorageError

    log(f"{backend}: {label}")
    try:
        with store_target(backend, folder, server) as url:
            return {"backend": backend, "what": label, **step(url)}
    except (StorageError, ImportError) as exc:
        return {"backend": backend, "what": label, "check": f"skipped: {exc}"}


def export_rows(backend: str, folder: Path, server: str, articles: int) -> list[dict[str, Any]]:
    """Full exports of one filled store to every format."""
    from storage import StorageError

    rows = []
    try:
        with store_target(backend, folder, server) as url:
            log(f"{backend}: filling {articles:,} articles")
            fill(url, articles)
            for fmt in ("jsonl", "csv", "parquet"):
                log(f"{backend}: export {fmt}")
                result = bench_export(url, fmt, folder)
                check = "ok" if result["docs"] == articles else f"{result['docs']} rows"
                rows.append({"backend": backend, "what": f"export {fmt}", **result, "check": check})
    except (StorageError, ImportError) as exc:
        rows.append({"backend": backend, "what": "export", "check": f"skipped: {exc}"})
    return rows


def tables(figures: dict[str, Any]) -> list[Table]:
    """One table: backend, measurement, count, seconds, items per second."""
    title = (
        f"insert+fold of {figures['docs']:,} documents ({figures['copies']:,} copies); "
        f"export of {figures['export_articles']:,} articles"
    )
    columns = ["backend", "measurement", "items", "seconds", "items/s", "output MB", "check"]
    rows = [
        [r["backend"], r["what"], r.get("docs")]
        + [num(r.get(key), digits) for key, digits in (("seconds", 2), ("per_s", 0), ("mb", 0))]
        + [r.get("check", "")]
        for r in figures["rows"]
    ]
    return [Table(title, columns, rows)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and save it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=DEFAULT_DOCS, help="documents to fold")
    parser.add_argument(
        "--export-articles", type=int, default=DEFAULT_EXPORT_ARTICLES, help="articles to export"
    )
    parser.add_argument("--postgres", default=server_url(), help="PostgreSQL server URL")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    env = results.environment(NAME, argv)
    figures = run(args.docs, args.export_articles, args.postgres)
    results.publish(NAME, NAME, env, figures, args.out, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Storage benchmark: insert+fold throughput on SQLite and PostgreSQL, and export throughput.

Usage: ``python benchmarks/storage.py [--docs N] [--export-articles N] [--postgres URL]
[--json OUT]``.

- **insert+fold**: the same seeded synthetic corpus (default 5,000 documents of ~400 words,
  every 10th a syndicated copy of an earlier one with a credit line and its last sentence
  dropped; documents of one story share names, keywords and title words) goes through
  ``pipelines.folding.batches.ingest`` with ``pipelines.folding.folder.Folder``, one transaction per document,
  and again through ``pipelines.folding.batches.Batcher`` committing every 100 documents as a crawl does
  (``crawl.commit_items``), each into a new SQLite file and a new PostgreSQL schema, in the
  same run. Fingerprints are
  computed once beforehand, so the figure is the store's: the fold decision's reads and every
  write. Each store is checked afterwards: one sighting per document, one article per
  document that is not a copy.
- **export**: a store filled directly with SQL (default 100,000 articles of ~2.4 KB text,
  every 5th with a second sighting) is exported in full to JSONL, CSV and Parquet with the
  code ``newsfold export`` runs, on both backends.

PostgreSQL is ``$NEWSFOLD_TEST_POSTGRES`` or ``postgresql://postgres@127.0.0.1:5432/test``;
every measurement gets a throwaway schema. When it cannot be reached its rows say why.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20261117
DEFAULT_DOCS = 5000
COPY_EVERY = 10
BATCH = 100  # documents per commit in the batched rows, as crawl.commit_items defaults
DEFAULT_EXPORT_ARTICLES = 100_000
SENTENCES = 30
EPOCH = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Doc:
    """One synthetic document; ``copy_of`` names the document it copies."""

    doc_id: str
    title: str
    text: str
    published: str
    copy_of: str | None = None


def synthetic_corpus(count: int, seed: int = SEED) -> list[Doc]:
    """Seeded documents, every COPY_EVERY-th a syndicated copy of an earlier one."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnoprstuvwy"
    vocab = ["".join(rng.choices(letters, k=rng.randint(4, 10))) for _ in range(50_000)]
    names = [w.capitalize() for w in rng.sample(vocab, 3000)]
    docs: list[Doc] = []
    for i in range(count):
        if i % COPY_EVERY == COPY_EVERY - 1 and docs:
            source = rng.choice([d for d in docs[-50:] if d.copy_of is None])
            sentences = source.text.split(". ")
            text = "(Wire) — " + ". ".join(sentences[:-1]) + "."
            docs.append(Doc(f"doc{i}", source.title, text, source.published, source.doc_id))
            continue
        story = rng.randrange(max(count // 4, 1))
        topic = random.Random(story)  # what every article of one story shares
        cast, keywords = topic.sample(names, 4), topic.sample(vocab, 12)
        body = [_sentence(rng, vocab, cast, keywords) for _ in range(SENTENCES)]
        published = EPOCH + timedelta(minutes=story * 17 + rng.randrange(600))
        title = f"{cast[0]} and {cast[1]} {keywords[0]} {keywords[1]}"
        docs.append(Doc(f"doc{i}", title, " ".join(body), _stamp(published)))
    return docs


def _sentence(rng: random.Random, vocab: list[str], cast: list[str], keywords: list[str]) -> str:
    """About 13 words: general vocabulary, a story keyword or two, now and then a name."""
    words = rng.choices(vocab, k=rng.randint(8, 13))
    words[1:1] = rng.sample(keywords, rng.randint(1, 2))
    if rng.random() < 0.4:
        words.insert(rng.randrange(1, len(words)), rng.choice(cast))
    return " ".join(words).capitalize() + "."


def _stamp(moment: datetime) -> str:
    """A stored timestamp."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


# ---- where the stores live


@contextmanager
def store_target(backend: str, folder: Path, server: str) -> Iterator[str]:
    """A new store's URL: a SQLite file in ``folder`` or a throwaway PostgreSQL schema."""
    if backend == "sqlite":
        path = folder / f"bench-{time.monotonic_ns()}.db"
        yield str(path)
        return
    from storage.scratch import scratch_schema

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


def to_record(doc: Doc, fp: Any) -> tuple[Any, Any]:
    """The article record and sighting the crawler would make of a document."""
    site = f"{doc.doc_id}.example"
    url = f"https://{site}/news/{doc.doc_id}"
    wire = doc.text.startswith("(Wire)")
    return synthetic_record(url, site, doc.title, doc.text, doc.published, fp, doc.doc_id, wire)


def synthetic_record(
    url: str,
    site: str,
    title: str,
    text: str,
    published: str,
    fp: Any,
    doc_id: str = "",
    wire_credit: bool = False,
) -> tuple[Any, Any]:
    """An article record and its sighting, fetched when published, by a staff writer."""
    from storage.base import ArticleRecord, Sighting

    record = ArticleRecord(
        url=url,
        site=site,
        title=title,
        text=text,
        fetched=published,
        published=published,
        authors=["Staff"],
    )
    sighting = Sighting(
        url=url,
        site=site,
        seen_at=published,
        doc_id=doc_id,
        title=title,
        published=published,
        content_hash=fp.content_hash,
        word_count=fp.word_count,
        wire_credit=wire_credit,
    )
    return record, sighting


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
                label = f"insert+fold ({docs_count:,} docs, {COPY_EVERY}% copies), " + (
                    "a commit each" if batch == 1 else f"a commit per {batch}"
                )
                rows.append(
                    measure(
                        backend,
                        label,
                        folder,
                        server,
                        lambda u, b=batch: bench_fold(u, docs, fingerprints, b),
                    )
                )
        for backend in ("sqlite", "postgresql"):
            rows.extend(export_rows(backend, folder, server, export_articles))
    return {
        "docs": docs_count,
        "copies": sum(1 for d in docs if d.copy_of),
        "export_articles": export_articles,
        "rows": rows,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
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
                rows.append(
                    {
                        "backend": backend,
                        "what": f"export {fmt} ({articles:,} articles)",
                        **result,
                        "check": check,
                    }
                )
    except (StorageError, ImportError) as exc:
        rows.append({"backend": backend, "what": "export", "check": f"skipped: {exc}"})
    return rows


def print_report(result: dict[str, Any]) -> None:
    """One table: backend, measurement, count, seconds, items per second."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"storage benchmark ({result['cpus']} cores, Python {result['python']})")
    for name in ("backend", "measurement", "items", "seconds", "items/s", "output MB", "check"):
        table.add_column(
            name, justify="left" if name in ("backend", "measurement", "check") else "right"
        )
    for row in result["rows"]:
        table.add_row(
            row["backend"],
            row["what"],
            f"{row['docs']:,}" if "docs" in row else "",
            f"{row['seconds']:.2f}" if "seconds" in row else "",
            f"{row['per_s']:,.0f}" if "per_s" in row else "",
            f"{row['mb']:.0f}" if "mb" in row else "",
            row.get("check", ""),
        )
    console = Console() if sys.stdout.isatty() else Console(width=150)
    console.print(table)


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    from storage.scratch import server_url

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=DEFAULT_DOCS, help="documents to fold")
    parser.add_argument(
        "--export-articles", type=int, default=DEFAULT_EXPORT_ARTICLES, help="articles to export"
    )
    parser.add_argument("--postgres", default=server_url(), help="PostgreSQL server URL")
    parser.add_argument("--json", help="write every figure to this file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    args = parse_args(argv)
    result = run(args.docs, args.export_articles, args.postgres)
    print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    # Run as a script, this folder heads sys.path and this file would hide the storage package.
    HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.exit(main())

"""Distributed folding: 1, 2 and 4 writers folding into one PostgreSQL store at once.

Each writer is a process of its own with its own connection, folding as a crawl on PostgreSQL
does: one document per transaction, which claims the keys the document touches (its document
id, content hash and LSH band keys, then its story terms) and holds them until it commits.

- **throughput**: ``--docs`` synthetic documents (``benchmarks/records.py``: every 10th a
  syndicated copy of a recent one, stories sharing names and keywords) dealt round-robin to the
  writers, so a copy and its original are mostly folded by different writers, often at once.
  Each writer fingerprints its share first, then all start together. Reported: total docs/s
  (documents over the slowest writer's wall time), the CPU seconds of each writer and of its
  server backend (read from /proc: the server runs on this host), the share of fold time the
  claims spent waiting for locks other writers held (measured by the server's clock inside the
  claim, so the round trip and the writer's own scheduling are not counted as waiting; the
  claims' whole time is shown beside it) and the longest single wait. The check: as many
  articles as originals and one sighting per document.
- **miss bar**: ``--pairs`` originals and a copy of each (a credit line added, the last sentence
  dropped); two writers fold each pair at the same moment (a barrier before every pair), one the
  original, the other the copy. A pair both writers judged new is a miss; the same pairs folded
  by one writer give the LSH miss rate to compare with.

The store is a schema the benchmark creates and drops (``$NEWSFOLD_TEST_POSTGRES`` or
``postgresql://postgres@127.0.0.1:5432/test``). Targets: with 4 writers at most 10 % of fold
time claiming and no claim over 100 ms; 2 writers at least 1.5 times one writer's docs/s (on a
machine with cores to spare: the writers and the server share the host's); at most 4 of 1,000
pairs missed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import results
from benchmarks.harness.pgscratch import scratch_schema, server_url
from benchmarks.harness.tables import Table, num
from benchmarks.records import Doc, synthetic_corpus, to_record

NAME = "distributed"
WRITERS = (1, 2, 4)


def _open(url: str) -> tuple[Any, Any]:
    """A store and a folder, in a writer process."""
    from config.schema import FoldConfig
    from pipelines.folding.folder import Folder
    from storage import open_storage

    return open_storage(url), Folder(FoldConfig())


def _writer(url: str, docs: list[Doc], barrier: Any, out: Any, per_doc: bool) -> None:
    """Fold ``docs`` into the store once every writer is ready; report timings.

    ``per_doc``: wait at the barrier before every document (the miss bar's pairs).
    """
    from pipelines.folding.batches import ingest

    storage, folder = _open(url)
    backend = int(storage.db.scalar("SELECT pg_backend_pid() AS pid"))
    server_cpu = backend_cpu(backend)
    prints = [folder.fingerprinter.fingerprint(d.text, d.title) for d in docs]
    kinds: Counter[str] = Counter()
    longest_fold, fold_seconds = 0.0, 0.0
    barrier.wait()
    cpu, started = time.process_time(), time.perf_counter()
    for doc, fp in zip(docs, prints, strict=True):
        if per_doc:
            barrier.wait()
        begun = time.perf_counter()
        kinds[ingest(storage, folder, *to_record(doc, fp), fp).kind] += 1
        took = time.perf_counter() - begun
        fold_seconds += took
        longest_fold = max(longest_fold, took)
    waits = storage.db.waits
    out.put(
        {
            "docs": len(docs),
            "wall": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "server_cpu": backend_cpu(backend) - server_cpu,
            "fold_seconds": fold_seconds,
            "longest_fold": longest_fold,
            "claim_seconds": waits.seconds,
            "claim_round_trips": waits.round_trips,
            "longest_claim": waits.longest,
            "claims": waits.claims,
            "kinds": dict(kinds),
        }
    )
    storage.close()


def backend_cpu(pid: int) -> float:
    """CPU seconds a PostgreSQL backend on this host has used (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fold_together(
    url: str, shares: Sequence[list[Doc]], per_doc: bool = False
) -> list[dict[str, Any]]:
    """Each share folded by a writer process of its own, all starting together."""
    from storage import open_storage

    open_storage(url).close()  # migrated once, before the writers race
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(shares)), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, s, barrier, out, per_doc)) for s in shares]
    for proc in procs:
        proc.start()
    reports = [out.get(timeout=1800) for _ in procs]
    for proc in procs:
        proc.join()
    return reports


def counts(url: str) -> tuple[int, int]:
    """Articles and sightings in a store."""
    from storage import open_storage
    from storage.sql import SQLStorage

    storage = open_storage(url, migrate=False)
    assert isinstance(storage, SQLStorage)
    try:
        return storage.count("articles"), storage.count("sightings")
    finally:
        storage.close()


def throughput(server: str, docs: list[Doc], writers: int) -> dict[str, Any]:
    """One row: ``docs`` dealt round-robin to ``writers`` writers."""
    shares = [docs[i::writers] for i in range(writers)]
    with scratch_schema(server, prefix="nfdist") as url:
        reports = fold_together(url, shares)
        articles, sightings = counts(url)
    originals = sum(1 for d in docs if d.copy_of is None)
    writer_of = {d.doc_id: i % writers for i, d in enumerate(docs)}
    crossing = sum(1 for d in docs if d.copy_of and writer_of[d.copy_of] != writer_of[d.doc_id])
    fold = sum(r["fold_seconds"] for r in reports)
    claims = sum(r["claim_seconds"] for r in reports)
    wall = max(r["wall"] for r in reports)
    return {
        "writers": writers,
        "docs": len(docs),
        "copies_crossing": crossing,
        "copies": sum(1 for d in docs if d.copy_of),
        "docs_per_s": len(docs) / wall,
        "wall_s": wall,
        "cpu_s": [round(r["cpu"], 2) for r in reports],
        "server_cpu_s": [round(r["server_cpu"], 2) for r in reports],
        "claim_share": claims / fold if fold else None,
        "claim_time_share": sum(r["claim_round_trips"] for r in reports) / fold if fold else None,
        "longest_claim_ms": 1000 * max(r["longest_claim"] for r in reports),
        "longest_fold_ms": 1000 * max(r["longest_fold"] for r in reports),
        "mean_fold_ms": 1000 * fold / len(docs),
        "articles": articles,
        "missed": articles - originals,
        "check": "ok"
        if (articles, sightings) == (originals, len(docs))
        else f"{articles} articles (want {originals}), {sightings} sightings (want {len(docs)})",
    }


def pairs_of(count: int) -> tuple[list[Doc], list[Doc]]:
    """``count`` originals and a syndicated copy of each."""
    originals = [d for d in synthetic_corpus(count * 2) if d.copy_of is None][:count]
    copies = []
    for doc in originals:
        sentences = doc.text.split(". ")
        text = "(Wire) — " + ". ".join(sentences[:-1]) + "."
        copies.append(Doc(f"{doc.doc_id}c", doc.title, text, doc.published, doc.doc_id))
    return originals, copies


def miss_bar(server: str, count: int) -> dict[str, Any]:
    """Pairs folded at the same moment by two writers, and by one writer after each other."""
    originals, copies = pairs_of(count)
    with scratch_schema(server, prefix="nfdist") as url:
        fold_together(url, [originals, copies], per_doc=True)
        together = counts(url)[0] - count
    interleaved = [doc for pair in zip(originals, copies, strict=True) for doc in pair]
    with scratch_schema(server, prefix="nfdist") as url:
        fold_together(url, [interleaved])
        alone = counts(url)[0] - count
    return {"pairs": count, "missed_together": together, "missed_alone": alone}


def run(docs_count: int, pairs: int, server: str) -> dict[str, Any]:
    """Every measurement."""
    docs = synthetic_corpus(docs_count)
    rows = [throughput(server, docs, n) for n in WRITERS]
    bar = miss_bar(server, pairs)
    by = {r["writers"]: r for r in rows}
    four, one, two = by[4], by[1], by[2]
    scaled_misses = 1000 * bar["missed_together"] / pairs
    return {
        "docs": docs_count,
        "rows": rows,
        "miss_bar": bar,
        "targets": [
            results.target(
                "share of fold time waiting for other writers, 4 writers",
                four["claim_share"],
                "<=",
                0.10,
            ),
            results.target(
                "longest wait for other writers, 4 writers (ms)",
                four["longest_claim_ms"],
                "<=",
                100,
            ),
            results.target(
                "docs/s, 2 writers / 1 writer", two["docs_per_s"] / one["docs_per_s"], ">=", 1.5
            ),
            results.target("pairs judged new twice, per 1,000", scaled_misses, "<=", 4),
        ],
    }


COLUMNS = (
    "writers|docs/s|wall s|CPU s per writer|its server backend's CPU s|waiting for other writers|claims in all|longest wait ms|mean fold ms|"
    "longest fold ms|copies crossing writers|check"
)


def tables(figures: dict[str, Any]) -> list[Table]:
    """The writers' rows, then the miss bar."""
    rows = [
        [
            r["writers"],
            num(r["docs_per_s"]),
            num(r["wall_s"]),
            " / ".join(f"{c:.1f}" for c in r["cpu_s"]),
            " / ".join(f"{c:.1f}" for c in r.get("server_cpu_s", [])),
            f"{100 * r['claim_share']:.1f} %" if r["claim_share"] is not None else "—",
            f"{100 * r['claim_time_share']:.1f} %" if r.get("claim_time_share") else "—",
            num(r["longest_claim_ms"]),
            num(r["mean_fold_ms"]),
            num(r["longest_fold_ms"]),
            f"{r['copies_crossing']}/{r['copies']}",
            r["check"],
        ]
        for r in figures["rows"]
    ]
    bar = figures["miss_bar"]
    return [
        Table(
            f"{figures['docs']} documents dealt round-robin to the writers, one PostgreSQL",
            COLUMNS.split("|"),
            rows,
            [
                "Waiting for other writers: time the claims' advisory locks waited, by the "
                "server's clock, over all fold time (the target's share); claims in all: the "
                "claims' whole time seen from the writer (round trips and scheduling included). "
                "Longest wait: the longest single claim's wait. The writers and the server "
                "share the host's cores, with whatever else runs on it (its load average is "
                "in the line above)."
            ],
        ),
        Table(
            "Miss bar: an original and its copy folded at the same moment by two writers",
            ["pairs", "judged new twice (two writers at once)", "missed by one writer"],
            [[bar["pairs"], bar["missed_together"], bar["missed_alone"]]],
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and save it; exit 1 when a target is missed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=1200, help="documents per writer count")
    parser.add_argument("--pairs", type=int, default=1000, help="pairs for the miss bar")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    env = results.environment(NAME, argv)
    with tempfile.TemporaryDirectory(prefix="newsfold-distributed-"):
        figures = run(args.docs, args.pairs, server_url())
    results.publish(NAME, NAME, env, figures, args.out, tables)
    return 0 if all(t["met"] for t in figures["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())

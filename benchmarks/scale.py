"""Scale: a cron run's folding cost, start-up and memory against 10k to 1M stored articles.

- **store**: N articles written straight into a SQLite store that ``open_storage`` made (every
  migration), laid out as ``SQLFoldIndex.add_article`` writes them: random MinHash values with
  their 32 band keys and 16 lead-band keys; 60 terms (40 names, 20 content words) drawn from a
  Zipf-like vocabulary whose head is what ``salient_terms`` finds in generated AI-industry
  articles, counted into ``term_df``, the 24 that rank first written as story postings; texts
  of 2-5 KB; stories of two. A store grows by days, not by density: 1,000 articles a day, so the
  story window (±7 days) holds ~7,000 articles at every size. Big tables are filled in key order
  and indexed afterwards, so store size is a lower bound. ``--keep DIR`` reuses stores.
- **cron run**, in a fresh process: start-up is the wall time from spawning the interpreter to
  ready-to-fold (what ``newsfold run`` imports, its config, ``open_storage``, the run lock,
  ``check_fold_params``), median of ``--repeat`` runs. Then, on a scratch copy of the store, it
  folds ``--fold-docs`` new generated articles of the store's last half day (every 10th a wire
  copy of an earlier one) through ``Batcher`` as a crawl folds them (a savepoint per article, a
  commit every ``crawl.commit_items``). The fingerprint and the store step (fold decision,
  writes, its share of the commits: the mean) are timed apart. Peak RSS is the process's VmHWM.
- **datasketch**: the bare library's way, an in-memory ``MinHashLSH`` (the same 32 bands of 4
  rows) rebuilt from the stored signatures in a fresh process (garbage collector paused) and
  queried with them; above ``LSH_MAX`` extrapolated linearly and marked so.
- **extraction**: ``Extractor.extract`` + ``Cleaner.clean`` per page on the Zyte benchmark's
  real pages (else on generated 100 KB pages), the yardstick of the store step.

With ``--rounds K`` the folding at every size and the extraction run K times, one after another
in each round; each row shows its median round and the ratios are the median of the rounds' own.

Targets: the store step at the largest size within 2x the smallest; start-up under 2 s and
peak RSS under 500 MB at the largest; the store step at most 10% of extraction.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import procs, results
from benchmarks.harness.procs import rss_mb
from benchmarks.harness.rounds import log, median_index, median_ratio
from benchmarks.harness.tables import Table, frac, num
from benchmarks.news import story_text

NAME = "scale"
SEED = 20261201
BUILD_VERSION = 4  # bump when the synthetic store changes, so kept stores are rebuilt
SIZES = (10_000, 100_000, 1_000_000)
PER_DAY = 1000
END = datetime(2026, 1, 1, tzinfo=UTC)  # the newest stored article
STAMP = "%Y-%m-%dT%H:%M:%S+00:00"
FOLD_DOCS = 1000
COPY_EVERY = 10  # new document i is a wire copy when i % COPY_EVERY == COPY_EVERY - 1
REPEATS = 3
EXTRACT_PAGES = 100
LSH_MAX = 100_000
LSH_QUERIES = 1000
BATCH = 10_000
SAMPLE = 600  # generated articles whose salient terms head the vocabulary
# (draws per article, vocabulary size, Zipf-Mandelbrot offset): the commonest name is in ~5% of
# articles, the commonest content word in ~25%.
NAMES, WORDS = (40, 180_000, 100), (20, 20_000, 10)
NAME_WEIGHTS = (0.5, 1.0, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0)
TARGETS = {"cost_ratio": 2.0, "startup_s": 2.0, "rss_mb": 500.0, "fold_extract": 0.10}
BIG_TABLES = ("articles", "sightings", "lsh_bands", "story_terms")


# ---- the synthetic store


def term_pools(seed: int) -> list[tuple[list[str], Any]]:
    """Names and content words, commonest first, each with its draw probabilities."""
    from pipelines.folding.features import WORD_PREFIX, salient_terms

    seen: Counter[str] = Counter()
    for i in range(SAMPLE):
        title, text = story_text(seed, i)
        seen.update(salient_terms(text, title))
    ranked = [term for term, _ in seen.most_common()]
    pools = []
    for (_, size, offset), prefix in ((NAMES, "name "), (WORDS, f"{WORD_PREFIX}word")):
        is_word = prefix.startswith(WORD_PREFIX)
        terms = [t for t in ranked if t.startswith(WORD_PREFIX) == is_word]
        terms += [f"{prefix}{k:06d}" for k in range(size - len(terms))]
        weights = 1.0 / (np.arange(1, size + 1) + offset)
        pools.append((terms, weights / weights.sum()))
    return pools


def draw(rng: Any, pool: tuple[list[str], Any], count: int, per: int) -> list[list[str]]:
    """``per`` distinct terms for each of ``count`` articles."""
    terms, p = pool
    ranks = rng.choice(len(p), size=(count, 3 * per), p=p).tolist()
    return [[terms[r] for r in dict.fromkeys(row)][:per] for row in ranks]


def time_key(i: int, n: int) -> str:
    """Article ``i`` of ``n``: PER_DAY a day, the last at END."""
    return (END - timedelta(days=(n - 1 - i) / PER_DAY)).strftime(STAMP)


def store_path(folder: Path, n: int) -> Path:
    """Where the store of ``n`` articles is kept."""
    return folder / f"scale-{n}-v{BUILD_VERSION}.db"


def ensure_store(folder: Path, n: int, seed: int) -> tuple[Path, float, bool]:
    """The store of ``n`` articles, built unless kept; its build seconds and whether reused."""
    from storage import open_storage

    path = store_path(folder, n)
    info = Path(f"{path}.json")
    if path.is_file() and info.is_file():
        open_storage(str(path)).close()  # pending migrations, applied before anything is timed
        return path, float(json.loads(info.read_text())["build_s"]), True
    log(f"building a store of {n:,} articles in {path}")
    started = time.perf_counter()
    building = path.with_name(path.name + ".building")
    remove_store(building)
    build_store(building, n, seed)
    remove_store(path)
    os.replace(building, path)
    seconds = time.perf_counter() - started
    info.write_text(json.dumps({"n": n, "build_s": seconds}) + "\n")
    return path, seconds, False


def build_store(path: Path, n: int, seed: int) -> None:
    """A migrated store, then ``n`` articles in one transaction, big tables filled in key order."""
    from config.schema import FoldConfig
    from pipelines.folding.folder import Folder
    from storage import open_storage

    storage = open_storage(str(path))
    storage.check_fold_params(Folder(FoldConfig()).params)
    storage.close()
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
        conn.execute(f"PRAGMA {pragma}")
    marks = ",".join("?" * len(BIG_TABLES))
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        BIG_TABLES,
    ).fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("CREATE TEMP TABLE stage_bands (key INTEGER, article_id INTEGER)")
    conn.execute(
        "CREATE TEMP TABLE stage_terms (term TEXT, article_id INTEGER, time_key TEXT, weight REAL)"
    )
    pools = term_pools(seed)
    texts = [story_text(seed, SAMPLE + k)[1] for k in range(100)]
    rng = np.random.default_rng(seed)
    for start in range(0, n, BATCH):
        write_batch(conn, rng, pools, texts, range(start, min(start + BATCH, n)), n)
        if start and start % (20 * BATCH) == 0:
            log(f"  {start:,} articles written")
    with phase("band keys and story terms in key order"):
        conn.execute("INSERT INTO lsh_bands SELECT * FROM stage_bands ORDER BY key, article_id")
        conn.execute("INSERT INTO term_df SELECT term, COUNT(*) FROM stage_terms GROUP BY term")
        write_postings(conn, n)
        conn.execute("DROP TABLE stage_bands")
        conn.execute("DROP TABLE stage_terms")
    conn.execute(
        "INSERT INTO stories (id, title, first_published, last_published, created, updated) "
        "SELECT story_id, 'Stored story ' || story_id, MIN(time_key), MAX(time_key), "
        "MIN(time_key), MAX(time_key) FROM articles GROUP BY story_id ORDER BY story_id"
    )
    conn.execute("UPDATE counters SET value = ? WHERE name IN ('articles', 'change')", (n,))
    with phase("indexes"):
        for _, sql in indexes:
            conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


def write_postings(conn: Any, n: int) -> None:
    """Each article's story postings: the terms a query could use, ranked as ``Folder`` ranks."""
    from pipelines.folding.features import DOMAIN_COMMON
    from pipelines.folding.folder import STORY_INDEX_TERMS, rarity

    weights = [
        (term, rarity(n, df))
        for term, df in conn.execute("SELECT term, df FROM term_df")
        if term not in DOMAIN_COMMON
    ]
    conn.execute("CREATE TEMP TABLE rarity (term TEXT PRIMARY KEY, idf REAL)")
    conn.executemany("INSERT INTO rarity VALUES (?, ?)", weights)
    conn.execute(
        "INSERT INTO story_terms (term, article_id, time_key) SELECT term, article_id, time_key "
        "FROM (SELECT s.term, s.article_id, s.time_key, ROW_NUMBER() OVER (PARTITION BY "
        "s.article_id ORDER BY s.weight * r.idf DESC, s.term) AS rank "
        "FROM stage_terms s JOIN rarity r USING (term)) "
        "WHERE rank <= ? ORDER BY term, time_key, article_id",
        (STORY_INDEX_TERMS,),
    )
    conn.execute("DROP TABLE rarity")


def write_batch(
    conn: Any, rng: Any, pools: list[Any], texts: list[str], ids: range, n: int
) -> None:
    """Articles, their first sightings, staged band keys and staged story terms."""
    from pipelines.folding.features import LEAD_BAND_OFFSET, LEAD_BANDS, LEAD_ROWS, band_keys

    count = len(ids)
    values = rng.integers(0, 2**32, size=(count, 128 + LEAD_BANDS * LEAD_ROWS), dtype=np.uint32)
    names, words = draw(rng, pools[0], count, NAMES[0]), draw(rng, pools[1], count, WORDS[0])
    name_w = rng.choice(NAME_WEIGHTS, size=(count, NAMES[0])).tolist()
    word_w = (0.25 * rng.integers(1, 9, size=(count, WORDS[0]))).tolist()
    lengths = rng.integers(2000, 5000, size=count).tolist()
    articles: list[tuple[Any, ...]] = []
    sightings: list[tuple[Any, ...]] = []
    bands: list[tuple[int, int]] = []
    terms: list[tuple[str, int, str, float]] = []
    for row, i in enumerate(ids):
        aid, when, site = i + 1, time_key(i, n), f"site{i % 400}.example"
        text = texts[i % len(texts)][: lengths[row]]
        profile = dict(zip(names[row], name_w[row], strict=False))
        profile.update(zip(words[row], word_w[row], strict=False))
        keys = band_keys(values[row, :128], 4)
        keys += band_keys(values[row, 128:], LEAD_ROWS, LEAD_BAND_OFFSET)
        url, digest = f"https://{site}/news/{aid}", f"{aid:040x}"  # a URL is its doc id
        words_n = len(text.split())
        articles.append(
            (aid, url, url, site, f"Stored headline {aid}", when, when, text, digest,
             values[row, :128].tobytes(), words_n - 4, words_n, json.dumps(profile),
             (aid + 1) // 2, when, when, aid)
        )  # fmt: skip
        sightings.append((aid, url, url, site, "scale", when, when, when, digest, words_n))
        bands.extend((key, aid) for key in keys)
        terms.extend((term, aid, when, weight) for term, weight in profile.items())
    conn.executemany(
        "INSERT INTO articles (id, url, original_doc, site, title, published, fetched, text, "
        "content_hash, minhash, shingle_count, word_count, terms, story_id, time_key, updated, "
        "change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        articles,
    )
    conn.executemany(
        "INSERT INTO sightings (article_id, doc_id, url, site, source, published, first_seen, "
        "last_seen, content_hash, word_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        sightings,
    )
    conn.executemany("INSERT INTO stage_bands VALUES (?, ?)", bands)
    conn.executemany("INSERT INTO stage_terms VALUES (?, ?, ?, ?)", terms)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Log how long one step of a build took."""
    started = time.perf_counter()
    yield
    log(f"  {name}: {time.perf_counter() - started:.0f} s")


def remove_store(path: Path) -> None:
    """Delete a SQLite store with its WAL, shared-memory and lock files."""
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# ---- a cron run, in its own process


@dataclass(frozen=True)
class NewsDoc:
    """One new article; ``copy_of`` is the index of the document it copies."""

    doc_id: str
    title: str
    text: str
    published: str
    copy_of: int | None = None


def news_docs(count: int, seed: int) -> list[NewsDoc]:
    """Articles of the store's last half day, every COPY_EVERY-th a wire copy of an earlier one."""
    rng = random.Random(seed)
    docs: list[NewsDoc] = []
    for i in range(count):
        if i % COPY_EVERY == COPY_EVERY - 1:
            j = rng.choice([k for k, d in enumerate(docs) if d.copy_of is None])
            body = docs[j].text.rsplit(". ", 1)[0] + "."
            text = f"{rng.choice(['PARIS', 'TOKYO', 'LAGOS'])} (Wire) — {body}"
            docs.append(NewsDoc(f"new-{seed}-{i}", docs[j].title, text, docs[j].published, j))
            continue
        title, text = story_text(seed, i)
        published = END - timedelta(seconds=rng.randint(60, 12 * 3600))
        docs.append(NewsDoc(f"new-{seed}-{i}", title, text, published.strftime(STAMP)))
    return docs


def cron_run(store: str, spawned: float, fold_docs: int, seed: int) -> dict[str, Any]:
    """Start-up to ready-to-fold as ``newsfold run`` does it, then fold new articles if asked."""
    import crawler.runner  # noqa: F401 - what a run imports before it crawls
    from config.loader import load_config
    from pipelines.folding.batches import Batcher
    from pipelines.folding.folder import Folder
    from storage import open_storage

    config = load_config()
    storage = open_storage(store)
    with storage.lock():
        folder = Folder(config.fold)
        storage.check_fold_params(folder.params)
        result: dict[str, Any] = {"startup_s": time.time() - spawned}
        if fold_docs:
            batcher = Batcher(storage, config.crawl.commit_items, config.crawl.commit_seconds)
            result.update(fold_all(batcher, folder, news_docs(fold_docs, seed)))
    storage.close()
    return result


def fold_all(batcher: Any, folder: Any, docs: Sequence[NewsDoc]) -> dict[str, Any]:
    """Fingerprint and ingest each document as the crawl does, timing both; check copies."""
    fingerprint_us, store_us, kinds, article_of = [], [], Counter[str](), []
    for doc in docs:
        t0 = time.perf_counter()
        fp = folder.fingerprinter.fingerprint(doc.text, doc.title)
        t1 = time.perf_counter()
        result = batcher.ingest(folder, *to_record(doc, fp), fp)
        if doc is docs[-1]:
            batcher.commit()
        t2 = time.perf_counter()
        fingerprint_us.append((t1 - t0) * 1e6)
        store_us.append((t2 - t1) * 1e6)
        kinds[result.kind] += 1
        article_of.append(result.article_id)
    copies = [(i, d.copy_of) for i, d in enumerate(docs) if d.copy_of is not None]
    return {
        "copies": len(copies),
        "copies_folded": sum(1 for i, j in copies if article_of[i] == article_of[j]),
        "kinds": dict(kinds),
        "fingerprint_us": statistics.median(fingerprint_us),
        "store_us": statistics.mean(store_us),
        "store_median_us": statistics.median(store_us),
        "store_p95_us": statistics.quantiles(store_us, n=20)[-1],
    }


def to_record(doc: NewsDoc, fp: Any) -> tuple[Any, Any]:
    """The article record and sighting the crawler would make of a new document."""
    from benchmarks.records import synthetic_record
    from pipelines.folding.features import has_wire_credit

    site = "wire.example" if doc.copy_of is not None else "daily.example"
    url = f"https://{site}/ai/{doc.doc_id}"
    wire = has_wire_credit(doc.text)
    return synthetic_record(url, site, doc.title, doc.text, doc.published, fp, wire_credit=wire)


def lsh_run(store: str, limit: int) -> dict[str, Any]:
    """Rebuild datasketch's MinHashLSH from ``limit`` stored signatures, then query with some."""
    from datasketch import LeanMinHash, MinHashLSH

    from config.schema import FoldConfig
    from pipelines.folding.features import SCHEME

    config = FoldConfig()
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    before = rss_mb("VmRSS")
    gc.disable()  # the bare library at its best: collections slow a rebuild and its queries
    started = time.perf_counter()
    lsh = MinHashLSH(
        num_perm=config.num_perm, params=(config.bands, config.num_perm // config.bands)
    )
    sample = []
    for article_id, blob in conn.execute("SELECT id, minhash FROM articles LIMIT ?", (limit,)):
        values = np.frombuffer(blob, dtype=np.uint32)
        sketch = LeanMinHash(seed=config.seed, hashvalues=values, scheme=SCHEME)
        lsh.insert(article_id, sketch)
        if article_id % max(limit // LSH_QUERIES, 1) == 0:
            sample.append(sketch)
    rebuild_s = time.perf_counter() - started
    gc.freeze()
    gc.enable()
    conn.close()
    started = time.perf_counter()
    for sketch in sample:
        lsh.query(sketch)
    return {
        "entries": limit,
        "rebuild_s": rebuild_s,
        "index_mb": rss_mb("VmRSS") - before,
        "query_us": (time.perf_counter() - started) * 1e6 / len(sample),
        "extrapolated": False,
    }


def child(*argv: str) -> dict[str, Any]:
    """One measurement in a fresh process: this module with ``--child``; its JSON line."""
    return procs.run_json(procs.python("benchmarks.scale", "--child", *argv))


def cron_child(store: Path, fold_docs: int, seed: int) -> dict[str, Any]:
    """A cron run in a new process; its start-up clock starts now."""
    return child("cron", str(store), repr(time.time()), str(fold_docs), str(seed))


def child_main(argv: Sequence[str]) -> int:
    """Run one measurement in this process and print it as one JSON line."""
    kind, store, *rest = argv
    if kind == "lsh":
        result = lsh_run(store, int(rest[0]))
    else:
        result = cron_run(store, float(rest[0]), int(rest[1]), int(rest[2]))
    result["peak_rss_mb"] = rss_mb()
    print(json.dumps(result), flush=True)
    return 0


# ---- extraction, the yardstick


def extraction_us(count: int, seed: int) -> tuple[float, str]:
    """Median microseconds of extraction and cleaning per page, and what the pages were."""
    from benchmarks import news, scoring
    from pipelines.cleaning.cleaner import Cleaner
    from pipelines.extraction.extractor import ExtractionError, Extractor

    root = scoring.default_benchdata_root()
    if scoring.missing_reason(root, scoring.AEB_DIR) is None:
        found = scoring.load_aeb_pages(root)[: count + 1]
        pages = [(p.url, scoring.read_gzip_bytes(p.html_path)) for p in found]
        size = statistics.median(len(html) for _, html in pages) / 1024
        source = f"Zyte benchmark pages of {size:.0f} KB"
    else:
        base = "https://news.example"
        pages = [
            (base + p.path, p.html.replace(news.BASE_TOKEN, base).encode())
            for p in news.generate_pages(count + 1, seed)
        ]
        source = "generated 100 KB pages"
    extractor, cleaner, per_page = Extractor(), Cleaner(), []
    for url, html in pages:
        started = time.perf_counter()
        try:
            got = extractor.extract(html, url)
            cleaner.clean(got.lines or got.text, got.authors, got.title, got.hostname)
        except ExtractionError:
            pass  # a page without an article costs its extraction all the same
        per_page.append((time.perf_counter() - started) * 1e6)
    return statistics.median(per_page[1:]), f"median of {len(pages) - 1} {source}"


# ---- the run


@dataclass(frozen=True)
class Plan:
    """What one benchmark run measures."""

    sizes: tuple[int, ...] = SIZES
    fold_docs: int = FOLD_DOCS
    repeats: int = REPEATS
    extract_pages: int = EXTRACT_PAGES
    seed: int = SEED
    rounds: int = 1


def run(plan: Plan, keep: Path | None = None) -> dict[str, Any]:
    """Every measurement at every size, and the targets."""
    from config.loader import load_config

    started = time.perf_counter()
    with kept_folder(keep) as folder:
        stores = [measure_size(plan, folder, n) for n in plan.sizes]
        rounds = [fold_round(plan, stores, k) for k in range(1, max(1, plan.rounds) + 1)]
    rows = [row for _, row in stores]
    for k, row in enumerate(rows):
        each = [r["folds"][k]["store_us"] for r in rounds]
        row.update(rounds[median_index(each)]["folds"][k])
        row["rounds_store_us"] = each
        row["x_first"] = statistics.median(
            r["folds"][k]["store_us"] / r["folds"][0]["store_us"] for r in rounds
        )
    extrapolate_lsh(rows)
    extract = [r["extract_us"] for r in rounds]
    large = [r["folds"][-1]["store_us"] for r in rounds]
    cost_ratio, cost_rounds = median_ratio(
        [(b, r["folds"][0]["store_us"]) for b, r in zip(large, rounds, strict=True)]
    )
    share, share_rounds = median_ratio(list(zip(large, extract, strict=True)))
    return {
        "rows": rows,
        "extract_us": extract[median_index(extract)],
        "extract_pages": rounds[0]["extract_pages"],
        "rounds": {"extract_us": extract, "cost_ratio": cost_rounds, "fold_extract": share_rounds},
        "fold_docs": plan.fold_docs,
        "commit_items": load_config().crawl.commit_items,
        "repeats": plan.repeats,
        "targets": [
            results.target(name, value, "<=", TARGETS[key])
            for key, name, value in (
                ("cost_ratio", "store step, largest / smallest size", cost_ratio),
                ("startup_s", "start-up at the largest size, s", rows[-1]["startup_s"]),
                ("rss_mb", "peak RSS at the largest size, MB", rows[-1]["peak_rss_mb"]),
                ("fold_extract", "store step / extraction", share),
            )
        ],
        "seconds": time.perf_counter() - started,
    }


@contextmanager
def kept_folder(keep: Path | None) -> Iterator[Path]:
    """The folder stores are built in: ``keep`` (made if needed) or a temporary one."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="nfscale-") as tmp:
        yield Path(tmp)


def measure_size(plan: Plan, folder: Path, n: int) -> tuple[Path, dict[str, Any]]:
    """Build (or reuse) the store of ``n`` articles; a cron run's start-up and datasketch's way."""
    path, build_s, reused = ensure_store(folder, n, plan.seed)
    # A store just built or copied is still being written back to disk by the kernel (GBs at
    # 1M): flushed first, so that writeback does not run during the timed steps.
    os.sync()
    log(f"{n:,}: start-up x{plan.repeats}")
    starts = [cron_child(path, 0, plan.seed)["startup_s"] for _ in range(plan.repeats)]
    row = {
        "n": n,
        "build_s": build_s,
        "reused": reused,
        "store_gb": path.stat().st_size / 1e9,
        "startup_s": statistics.median(starts),
    }
    if n <= LSH_MAX:
        log(f"{n:,}: datasketch MinHashLSH rebuild")
        row["lsh"] = child("lsh", str(path), str(n))
    return path, row


def fold_round(
    plan: Plan, stores: Sequence[tuple[Path, dict[str, Any]]], number: int
) -> dict[str, Any]:
    """One round: a cron run folds into a scratch copy of each store in turn, then extraction."""
    folds = []
    for path, row in stores:
        log(f"{row['n']:,}: folding {plan.fold_docs} articles (round {number} of {plan.rounds})")
        folds.append(scratch_fold(plan, path))
    log(f"extraction: {plan.extract_pages} pages (round {number} of {plan.rounds})")
    extract_us, pages = extraction_us(plan.extract_pages, plan.seed)
    return {"folds": folds, "extract_us": extract_us, "extract_pages": pages}


def scratch_fold(plan: Plan, path: Path) -> dict[str, Any]:
    """A cron run folding into a scratch copy of the store at ``path``."""
    scratch = path.with_name(path.name + ".scratch")
    remove_store(scratch)
    shutil.copyfile(path, scratch)
    os.sync()
    try:
        return cron_child(scratch, plan.fold_docs, plan.seed + 1)
    finally:
        remove_store(scratch)


def extrapolate_lsh(rows: list[dict[str, Any]]) -> None:
    """Scale the largest measured datasketch rebuild linearly to the sizes not measured."""
    measured = [r for r in rows if "lsh" in r]
    if not measured:
        return
    base = max(measured, key=lambda r: r["n"])
    for row in rows:
        if "lsh" not in row:
            factor, lsh = row["n"] / base["n"], base["lsh"]
            row["lsh"] = lsh | {
                "entries": row["n"],
                "rebuild_s": lsh["rebuild_s"] * factor,
                "index_mb": lsh["index_mb"] * factor,
                "extrapolated": True,
            }


# ---- report


def tables(figures: dict[str, Any]) -> list[Table]:
    """One row per size; the rounds' ratios under it."""
    columns = ["stored", "store GB", "start-up s", "peak RSS MB", "store step µs", "p95 µs"]
    columns += ["x smallest", "fingerprint µs", "copies folded", "datasketch rebuild s", "MB"]
    rows = []
    for r in figures["rows"]:
        lsh = r.get("lsh") or {}
        mark = " (extrapolated)" if lsh.get("extrapolated") else ""
        rows.append(
            [r["n"], num(r["store_gb"], 2), num(r["startup_s"], 2), num(r["peak_rss_mb"], 0)]
            + [num(r[key], 0) for key in ("store_us", "store_p95_us")]
            + [num(r["x_first"], 2), num(r["fingerprint_us"], 0)]
            + [frac([r["copies_folded"], r["copies"]])]
            + [num(lsh.get("rebuild_s"), 1) + mark, num(lsh.get("index_mb"), 0) + mark]
        )
    rounds = figures["rounds"]
    notes = [
        f"Extraction + cleaning: {figures['extract_us']:,.0f} µs a page "
        f"({figures['extract_pages']}).",
        "By round: store step largest/smallest "
        + " / ".join(num(x, 2) for x in rounds["cost_ratio"])
        + "; store step/extraction "
        + " / ".join(num(x, 3) for x in rounds["fold_extract"])
        + "; extraction µs "
        + " / ".join(num(x, 0) for x in rounds["extract_us"])
        + ".",
    ]
    title = (
        f"{figures['fold_docs']:,} new articles folded per size in batches of "
        f"{figures['commit_items']} (store step: mean and p95 an article); datasketch: "
        "in-memory MinHashLSH rebuilt from the stored signatures"
    )
    return [Table(title, columns, rows, notes)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and save it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return child_main(argv[1:])
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="stored articles")
    parser.add_argument("--keep", type=Path, help="build stores here and reuse them later")
    parser.add_argument("--fold-docs", type=int, default=FOLD_DOCS, help="articles folded")
    parser.add_argument("--repeat", type=int, default=REPEATS, help="start-up runs per size")
    parser.add_argument("--rounds", type=int, default=1, help="folding rounds over every size")
    parser.add_argument("--extract-pages", type=int, default=EXTRACT_PAGES, help="pages")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    plan = Plan(sizes, args.fold_docs, args.repeat, args.extract_pages, rounds=args.rounds)
    env = results.environment(NAME, argv)
    results.publish(NAME, NAME, env, run(plan, args.keep), args.out, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

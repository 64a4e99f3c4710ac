"""Scale benchmark: a cron run's folding cost, start-up and memory against 10k to 1M stored articles.

Usage: ``python benchmarks/scale.py [--sizes 10000,100000,1000000] [--keep DIR] [--fold-docs N]
[--repeat R] [--rounds K] [--extract-pages N] [--json OUT]``.

- **store**: N articles written straight into a SQLite store that ``open_storage`` made (every
  migration), laid out as ``SQLFoldIndex.add_article`` writes them: random MinHash values with
  their 32 band keys and 16 lead-band keys from ``pipelines.folding.features.band_keys``; 60 terms
  (40 names, 20 content words) drawn from a Zipf-like vocabulary whose head is what
  ``salient_terms`` finds in generated AI-industry articles, counted into ``term_df``, the 24
  that rank first by weight and rarity written as story postings; texts of 2-5 KB; stories of
  two. A store grows by days, not by density: 1,000 articles a day (more than the packaged
  sources publish), so 10k span 10 days, 1M 2.7 years, and the story window (±7 days)
  holds ~7,000 articles at every size. Big tables are filled in key order and indexed afterwards,
  so store size is a lower bound. ``--keep DIR`` reuses stores (pending migrations are applied
  before measuring).
- **cron run**, in a fresh process: start-up is the wall time from spawning the interpreter to
  ready-to-fold (what ``newsfold run`` imports, its config, ``open_storage``, the run lock,
  ``check_fold_params``), median of R runs. Then, on a scratch copy of the store, the process
  folds ``--fold-docs`` new generated articles of the store's last half day (every 10th a wire
  copy of an earlier one) through ``pipelines.folding.batches.Batcher`` as a crawl folds them (a
  savepoint per article, a commit every ``crawl.commit_items``). The fingerprint and the store
  step (fold decision, writes, its share of the commits: the mean) are timed apart, and within
  the store step each ``FoldIndex`` call. Peak RSS is the process's VmHWM.
- **datasketch**: the bare library's way, an in-memory ``MinHashLSH`` (the same 32 bands of 4
  rows) rebuilt from the stored signatures in a fresh process (garbage collector paused) and
  queried with them; above ``LSH_MAX`` (~11 KB an entry) extrapolated linearly and marked so.
- **extraction**: ``Extractor.extract`` + ``Cleaner.clean`` per page, on the Zyte benchmark's
  real pages in ``../shared/benchdata`` (``$NEWSFOLD_BENCHDATA``), else on the crawl benchmark's
  generated 100 KB pages, which extract 3x faster.

- **without index rows** (``--without-index-rows``): every size also folds, in the same round,
  with the band keys, story postings and term frequencies left unwritten (their inserts skipped),
  the floor of a store step that keeps its fold state in SQL tables, compared over the new
  documents that are no copies (without band keys, the run's wire copies of its own new articles
  are stored as new articles).
- **rounds** (``--rounds K``): the folding at every size and the extraction are measured K times,
  one size after another in each round, so a ratio pairs figures taken minutes apart, not a
  whole run apart; each row shows its median round and the ratios are the median of the rounds'
  own ratios, as ``benchmarks/crawl.py`` pairs its rows.

Targets (issue 4): the store step at the largest size within 2x the smallest; start-up under
2 s and peak RSS under 500 MB at the largest; the store step at most 10% of extraction.
Timings are wall clock on a shared machine; the load average is printed.
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
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
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
# FoldIndex calls by what they are for; the store step's rest is folding logic in Python.
PARTS = {
    "sighting_by_doc": "lookup",
    "article_by_hash": "lookup",
    "lsh_candidates": "lsh",
    "article_text": "lsh",
    "story_candidates": "story",
    "term_frequencies": "story",
    "begin": "transaction",
    "commit": "transaction",
    "savepoint": "transaction",
}
# The inserts of the fold index rows, skipped by ``--without-index-rows``.
INDEX_ROWS = ("INSERT INTO lsh_bands", "INSERT INTO story_terms", "INSERT INTO term_df")


# ---- the synthetic store


def generated(seed: int, index: int) -> tuple[str, str]:
    """The title and text of the crawl benchmark's generated article ``index``."""
    from benchmarks import crawl

    title, paragraphs, _ = crawl.article(seed, index)
    return title, "\n".join(" ".join(p) for p in paragraphs)


def term_pools(seed: int) -> list[tuple[list[str], Any]]:
    """Names and content words, commonest first, each with its draw probabilities."""
    from pipelines.folding.features import WORD_PREFIX, salient_terms

    seen: Counter[str] = Counter()
    for i in range(SAMPLE):
        title, text = generated(seed, i)
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
    texts = [generated(seed, SAMPLE + k)[1] for k in range(100)]
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
        title, text = generated(seed, i)
        published = END - timedelta(seconds=rng.randint(60, 12 * 3600))
        docs.append(NewsDoc(f"new-{seed}-{i}", title, text, published.strftime(STAMP)))
    return docs


def cron_run(
    store: str, spawned: float, fold_docs: int, seed: int, index_rows: bool = True
) -> dict[str, Any]:
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
            if not index_rows:
                skip_index_rows(storage.db)
            timed = TimedStorage(storage)
            batcher = Batcher(timed, config.crawl.commit_items, config.crawl.commit_seconds)
            result.update(fold_all(timed, batcher, folder, news_docs(fold_docs, seed)))
    storage.close()
    return result


def fold_all(
    timed: TimedStorage, batcher: Any, folder: Any, docs: Sequence[NewsDoc]
) -> dict[str, Any]:
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
    parts: defaultdict[str, float] = defaultdict(float)
    for call, seconds in timed.spent.items():
        parts[PARTS.get(call, "writes")] += seconds * 1e6 / len(docs)
    parts["python"] = statistics.mean(store_us) - sum(parts.values())
    return {
        "copies": len(copies),
        "copies_folded": sum(1 for i, j in copies if article_of[i] == article_of[j]),
        "kinds": dict(kinds),
        "fingerprint_us": statistics.median(fingerprint_us),
        "store_us": statistics.mean(store_us),
        "store_median_us": statistics.median(store_us),
        # the documents that are no copies: new articles with or without index rows
        "originals_us": statistics.mean(
            us for us, doc in zip(store_us, docs, strict=True) if doc.copy_of is None
        ),
        "store_p95_us": statistics.quantiles(store_us, n=20)[-1],
        "parts_us": dict(parts),
        "calls_us": {k: v * 1e6 / len(docs) for k, v in timed.spent.items()},
    }


def skip_index_rows(db: Any) -> None:
    """Make ``db`` skip the inserts of fold index rows (a floor, not a usable store)."""
    execute = db.execute

    def skipping(sql: str, params: Sequence[Any] = ()) -> None:
        if not sql.startswith(INDEX_ROWS):
            execute(sql, params)

    db.execute = skipping


class TimedStorage:
    """The store as ``Batcher`` uses it, adding up seconds per FoldIndex call, begin and commit."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self.spent: defaultdict[str, float] = defaultdict(float)

    @property
    def batch_open(self) -> bool:
        """Whether the store's batch is open."""
        return bool(self.storage.batch_open)

    def begin_batch(self) -> None:
        """Open the store's batch, timed."""
        started = time.perf_counter()
        self.storage.begin_batch()
        self.spent["begin"] += time.perf_counter() - started

    def end_batch(self) -> None:
        """Commit the store's batch, timed."""
        started = time.perf_counter()
        self.storage.end_batch()
        self.spent["commit"] += time.perf_counter() - started

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """The store's transaction with its index timed."""
        started = time.perf_counter()
        with self.storage.transaction() as index:
            self.spent["savepoint"] += time.perf_counter() - started
            yield TimedIndex(index, self.spent)
            started = time.perf_counter()  # the fold is done: leaving the block releases it
        self.spent["savepoint"] += time.perf_counter() - started


class TimedIndex:
    """A fold index that adds the time of each call to ``spent`` under the method's name."""

    def __init__(self, index: Any, spent: defaultdict[str, float]) -> None:
        self.index = index
        self.spent = spent

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.index, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent[name] += time.perf_counter() - started

        return timed


def to_record(doc: NewsDoc, fp: Any) -> tuple[Any, Any]:
    """The article record and sighting the crawler would make of a new document."""
    from benchmarks.storage import synthetic_record
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
    gc.disable()  # the bare library at its best: collections slow a rebuild and queries 2-5x
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


def rss_mb(field: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident set size in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def run_child(*argv: str) -> dict[str, Any]:
    """Run this file as a child measurement; its JSON line."""
    command = [sys.executable, "-m", "benchmarks.scale", "--child", *argv]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def cron_child(store: Path, fold_docs: int, seed: int, index_rows: bool = True) -> dict[str, Any]:
    """A cron run in a new process; its start-up clock starts now."""
    spawned = repr(time.time())
    rows = "1" if index_rows else "0"
    return run_child("cron", str(store), spawned, str(fold_docs), str(seed), rows)


def child_main(argv: Sequence[str]) -> int:
    """One measurement in this fresh process, printed as one JSON line."""
    kind, store, *rest = argv
    if kind == "lsh":
        result = lsh_run(store, int(rest[0]))
    else:
        result = cron_run(store, float(rest[0]), int(rest[1]), int(rest[2]), rest[3] == "1")
    result["peak_rss_mb"] = rss_mb()
    print(json.dumps(result), flush=True)
    return 0


# ---- extraction, for scale


def extraction_us(count: int, seed: int) -> tuple[float, str]:
    """Median microseconds of extraction and cleaning per page, and what the pages were."""
    import gzip

    from pipelines.cleaning.cleaner import Cleaner
    from pipelines.extraction.extractor import ExtractionError, Extractor

    aeb = Path(os.environ.get("NEWSFOLD_BENCHDATA", REPO_ROOT.parent / "shared" / "benchdata"))
    aeb /= "scrapinghub-aeb"
    if (aeb / "ground-truth.json").is_file():  # real pages extract slower than generated ones
        truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
        pages = [
            (truth[key]["url"], gzip.decompress((aeb / "html" / f"{key}.html.gz").read_bytes()))
            for key in sorted(truth)[: count + 1]
        ]
        size = statistics.median(len(html) for _, html in pages) / 1024
        source = f"Zyte benchmark pages of {size:.0f} KB"
    else:
        from benchmarks import crawl

        base = "https://news.example"
        pages = [
            (base + p.path, p.html.replace(crawl.BASE_TOKEN, base).encode())
            for p in crawl.generate_pages(count + 1, seed)
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
    without_index_rows: bool = False


def commit_items() -> int:
    """Articles per committed batch, as a crawl with the default config commits them."""
    from config.loader import load_config

    return load_config().crawl.commit_items


def run(plan: Plan, keep: Path | None = None) -> dict[str, Any]:
    """Every measurement at every size, and the targets."""
    started = time.perf_counter()
    with kept_folder(keep) as folder:
        stores = [measure_size(plan, folder, n) for n in plan.sizes]
        rounds = [fold_round(plan, stores, k) for k in range(1, max(1, plan.rounds) + 1)]
    rows = [row for _, row in stores]
    for k, row in enumerate(rows):
        median = statistics.median_low(r["folds"][k]["store_us"] for r in rounds)
        row.update(next(r["folds"][k] for r in rounds if r["folds"][k]["store_us"] == median))
        row["rounds_store_us"] = [r["folds"][k]["store_us"] for r in rounds]
        row["x_first"] = statistics.median(
            r["folds"][k]["store_us"] / r["folds"][0]["store_us"] for r in rounds
        )
        if plan.without_index_rows:
            row["rounds_floor_us"] = [r["floors"][k]["originals_us"] for r in rounds]
            row["rounds_originals_us"] = [r["folds"][k]["originals_us"] for r in rounds]
    extrapolate_lsh(rows)
    result = {
        "rows": rows,
        "extract_us": statistics.median_low(r["extract_us"] for r in rounds),
        "extract_pages": rounds[0]["extract_pages"],
        "rounds": [
            {key: r[key] for key in ("extract_us", "cost_ratio", "fold_extract")} for r in rounds
        ],
        "fold_docs": plan.fold_docs,
        "commit_items": commit_items(),
        "repeats": plan.repeats,
        "load_average": os.getloadavg(),
    }
    result["targets"] = targets(result)
    result["seconds"] = time.perf_counter() - started
    return result


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
        row["lsh"] = run_child("lsh", str(path), str(n))
    return path, row


def fold_round(
    plan: Plan, stores: Sequence[tuple[Path, dict[str, Any]]], number: int
) -> dict[str, Any]:
    """One round: a cron run folds into a scratch copy of each store in turn, then extraction."""
    folds, floors = [], []
    for path, row in stores:
        log(f"{row['n']:,}: folding {plan.fold_docs} articles (round {number} of {plan.rounds})")
        if not plan.without_index_rows:
            folds.append(scratch_fold(plan, path))
            continue
        # Alternated round by round, so that neither variant always runs first.
        for index_rows in (True, False) if number % 2 else (False, True):
            done = scratch_fold(plan, path, index_rows)
            (folds if index_rows else floors).append(done)
    log(f"extraction: {plan.extract_pages} pages (round {number} of {plan.rounds})")
    extract_us, pages = extraction_us(plan.extract_pages, plan.seed)
    small, large = folds[0]["store_us"], folds[-1]["store_us"]
    return {
        "folds": folds,
        "floors": floors,
        "extract_us": extract_us,
        "extract_pages": pages,
        "cost_ratio": large / small,
        "fold_extract": large / extract_us,
    }


def scratch_fold(plan: Plan, path: Path, index_rows: bool = True) -> dict[str, Any]:
    """A cron run folding into a scratch copy of the store at ``path``."""
    scratch = path.with_name(path.name + ".scratch")
    remove_store(scratch)
    shutil.copyfile(path, scratch)
    os.sync()
    try:
        return cron_child(scratch, plan.fold_docs, plan.seed + 1, index_rows)
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
            factor = row["n"] / base["n"]
            lsh = base["lsh"]
            row["lsh"] = {
                **lsh,
                "entries": row["n"],
                "rebuild_s": lsh["rebuild_s"] * factor,
                "index_mb": lsh["index_mb"] * factor,
                "extrapolated": True,
            }


def targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of issue 4 with its figure (at the largest size) and whether it is met."""
    large = result["rows"][-1]
    rounds = result["rounds"]
    figures = {
        "cost_ratio": statistics.median(r["cost_ratio"] for r in rounds),
        "startup_s": large["startup_s"],
        "rss_mb": large["peak_rss_mb"],
        "fold_extract": statistics.median(r["fold_extract"] for r in rounds),
    }
    return {
        key: {"limit": TARGETS[key], "value": value, "met": value <= TARGETS[key]}
        for key, value in figures.items()
    }


COLUMNS = (
    "stored",
    "store GB",
    "start-up s",
    "peak RSS MB",
    "store µs mean",
    "p95",
    "x first",
    "story",
    "LSH",
    "writes",
    "txn",
    "other",
    "fingerprint µs",
    "copies",
    "datasketch rebuild s",
    "MB",
    "query µs",
)


def lsh_cells(lsh: dict[str, Any] | None) -> tuple[str, str, str]:
    """The datasketch columns: measured, extrapolated (*) or, with no size at most LSH_MAX, none."""
    if lsh is None:
        return "—", "—", "—"
    mark = " *" if lsh["extrapolated"] else ""
    return (
        f"{lsh['rebuild_s']:.1f}{mark}",
        f"{lsh['index_mb']:,.0f}{mark}",
        f"{lsh['query_us']:.0f}",
    )


def print_report(result: dict[str, Any]) -> None:
    """One table, one row per size, the targets under it."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"scale: {result['fold_docs']} new articles folded per size "
        f"in batches of {result['commit_items']} (store step: mean, p95; its parts: mean µs "
        "per article)",
        caption="datasketch: in-memory MinHashLSH rebuilt from the stored signatures, "
        "queried with them; * extrapolated",
    )
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for row in result["rows"]:
        parts = row["parts_us"]
        table.add_row(
            f"{row['n']:,}",
            f"{row['store_gb']:.2f}",
            f"{row['startup_s']:.2f}",
            f"{row['peak_rss_mb']:.0f}",
            f"{row['store_us']:,.0f}",
            f"{row['store_p95_us']:,.0f}",
            f"{row['x_first']:.2f}",
            *(f"{parts.get(k, 0):,.0f}" for k in ("story", "lsh", "writes", "transaction")),
            f"{parts['lookup'] + parts['python']:,.0f}",
            f"{row['fingerprint_us']:,.0f}",
            f"{row['copies_folded']}/{row['copies']}",
            *lsh_cells(row.get("lsh")),
        )
    console = Console(width=max(Console().width, 200))
    console.print(table)
    console.print(
        f"extract + clean: {result['extract_us']:,.0f} µs per page ({result['extract_pages']}); "
        f"load average {', '.join(f'{x:.1f}' for x in result['load_average'])}; "
        f"{result['seconds']:.0f} s in all"
    )
    for row in result["rows"]:
        if "rounds_floor_us" in row:
            floors, full = (
                " / ".join(f"{us:,.0f}" for us in row[k])
                for k in ("rounds_floor_us", "rounds_originals_us")
            )
            console.print(
                f"{row['n']:,}: store step of the new documents that are no copies, mean µs by "
                f"round: {floors} without index rows, {full} with them"
            )
    for key, t in result["targets"].items():
        verdict = "met" if t["met"] else "MISSED"
        spread = ""
        if len(result["rounds"]) > 1 and key in result["rounds"][0]:
            spread = f" (median of rounds: {' '.join(f'{r[key]:.3f}' for r in result['rounds'])})"
        console.print(f"target {key}: {t['value']:.3f}{spread} (limit {t['limit']}) {verdict}")


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table."""
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
    parser.add_argument(
        "--without-index-rows",
        action="store_true",
        help="also fold every size with the fold index rows left unwritten (a floor)",
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    plan = Plan(
        sizes,
        args.fold_docs,
        args.repeat,
        args.extract_pages,
        rounds=args.rounds,
        without_index_rows=args.without_index_rows,
    )
    result = run(plan, args.keep)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    # Run as a script, this folder heads sys.path and its storage.py would hide the package.
    HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.path.insert(0, str(REPO_ROOT))
    sys.exit(main())

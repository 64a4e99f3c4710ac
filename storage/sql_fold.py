"""Folding reads and writes both SQL backends share, inside one store transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from storage.base import ArticleRecord, Candidate, FoldIndex, Sighting
from storage.database import Database, Row, values
from storage.times import utcnow

CANDIDATE_COLUMNS = (
    "a.id, a.story_id, a.minhash, a.shingle_count, a.time_key, a.terms, a.content_hash"
)
# Widen a story's bounds; CASE because SQLite's MIN/MAX and PostgreSQL's LEAST/GREATEST differ.
WIDEN_STORY = (
    "UPDATE stories SET "
    "first_published = CASE WHEN ? < first_published THEN ? ELSE first_published END, "
    "last_published = CASE WHEN ? > last_published THEN ? ELSE last_published END, "
    "updated = ? WHERE id = ?"
)


# Parsed term profiles kept per process: ~7.5 KB each with their JSON text, ~30 MB in all.
PROFILES_KEPT = 4_000


class TermCounts:
    """Document frequencies and term profiles this process has read.

    Frequencies are kept current with the process's own committed writes; profiles never change
    once an article is stored.
    """

    # Story search reads ~600 frequencies per article, most of them read for an earlier article
    # of the run. Another process's additions show for the terms this one has not read yet.

    def __init__(self, limit: int = 500_000) -> None:
        self.df: dict[str, int] = {}
        self.limit = limit
        # Parsed term profiles by their stored JSON: the window's articles are read again and
        # again, and the text is the key, so a reused article id cannot return stale terms.
        self.profiles: dict[str, dict[str, float]] = {}

    def profile(self, stored: str) -> dict[str, float]:
        """The term profile a stored JSON text holds (shared: not to be changed)."""
        found = self.profiles.get(stored)
        if found is None:
            if len(self.profiles) >= PROFILES_KEPT:
                self.profiles.clear()
            found = self.profiles[stored] = json.loads(stored)
        return found

    def committed(self, added: Sequence[str], removed: Sequence[str] = ()) -> None:
        """Count the terms of articles a committed transaction added, and of those it absorbed."""
        for term in added:
            if term in self.df:
                self.df[term] += 1
        for term in removed:
            if term in self.df:
                self.df[term] -= 1
        if len(self.df) > self.limit:
            self.df.clear()


class SQLFoldIndex(FoldIndex):
    """Folding state on one connection inside a write transaction.

    Every write that changes what an export shows of an article (its text, sightings or story)
    stamps the article with this transaction's change number, so an export cursor finds it.
    The shared rows every fold updates (the counters, the terms' document frequencies) are
    written last, by ``settle``: concurrent writers hold their locks only from there to commit.
    """

    def __init__(self, db: Database, counts: TermCounts | None = None) -> None:
        self.db = db
        self.counts = counts or TermCounts()
        self.added: list[str] = []  # terms of the articles this transaction adds
        self.removed: list[str] = []  # terms of the articles it absorbs into others
        self.changed: set[int] = set()  # articles to stamp with the change number
        self.article_delta = 0
        self.df_delta: dict[str, int] = {}
        self.paragraph_delta: dict[int, int] = {}

    def claim(self, keys: Sequence[int | str], stage: int = 0) -> None:
        self.db.claim(keys, stage)

    @cached_property
    def now(self) -> str:
        """This transaction's time, stamped on every row it changes."""
        return utcnow()

    def settle(self) -> None:
        """Write the counts and change stamps, in one order everywhere; the last writes before commit.

        The change counter's row stays locked until commit, so change numbers follow commit order
        and an export cursor never passes a change committed later.
        """
        self._add_counts("term_df", "term", self.df_delta)
        self._add_counts("paragraph_df", "key", self.paragraph_delta)
        if self.article_delta:
            self.db.execute(
                "UPDATE counters SET value = value + ? WHERE name = 'articles'",
                (self.article_delta,),
            )
        if self.changed:
            change = int(
                self.db.scalar(
                    "UPDATE counters SET value = value + 1 WHERE name = 'change' RETURNING value"
                )
            )
            match, args = self.db.any_of("id", sorted(self.changed))
            self.db.execute(
                f"UPDATE articles SET change_seq = ?, updated = ? WHERE {match}",
                (change, self.now, *args),
            )

    def _add_counts(self, table: str, key: str, deltas: dict[Any, int]) -> None:
        """Add document-frequency deltas to a count table, in key order, 500 rows a statement."""
        rows = sorted((k, n) for k, n in deltas.items() if n)
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            self.db.execute(
                f"INSERT INTO {table} ({key}, df) VALUES {values(2, len(chunk))} "
                f"ON CONFLICT ({key}) DO UPDATE SET df = {table}.df + excluded.df",
                [v for pair in chunk for v in pair],
            )

    def _changed(self, article_id: int) -> None:
        """Mark an article as changed by this transaction (stamped by ``settle``)."""
        self.changed.add(article_id)

    def sighting_by_doc(self, doc_id: str) -> tuple[int, str] | None:
        row = self.db.fetchone(
            "SELECT article_id, content_hash FROM sightings WHERE doc_id = ?", (doc_id,)
        )
        return (row["article_id"], row["content_hash"]) if row else None

    def article_by_hash(self, content_hash: str) -> int | None:
        row = self.db.fetchone(
            "SELECT article_id FROM sightings WHERE content_hash = ? ORDER BY id LIMIT 1",
            (content_hash,),
        )
        return row["article_id"] if row else None

    def lsh_candidates(self, band_keys: Sequence[int], limit: int) -> list[Candidate]:
        match, args = self.db.any_of("key", band_keys)
        return self._most_shared("lsh_bands", match, args, limit)

    def article_text(self, article_id: int) -> str:
        row = self.db.fetchone("SELECT text FROM articles WHERE id = ?", (article_id,))
        return str(row["text"]) if row else ""

    def paragraph_frequencies(self, keys: Sequence[int]) -> dict[int, int]:
        if not keys:
            return {}
        match, args = self.db.any_of("key", keys)
        rows = self.db.fetchall(f"SELECT key, df FROM paragraph_df WHERE {match}", args)
        return {int(row["key"]): int(row["df"]) for row in rows}

    def story_candidates(
        self, terms: Sequence[str], since: str, until: str, limit: int
    ) -> list[Candidate]:
        if not terms:
            return []
        match, args = self.db.any_of("term", terms)
        where = f"{match} AND time_key BETWEEN ? AND ?"
        return self._most_shared("story_terms", where, [*args, since, until], limit)

    def _most_shared(
        self, table: str, where: str, args: Sequence[Any], limit: int
    ) -> list[Candidate]:
        """The articles with the most rows of ``table`` matching ``where``, most first."""
        rows = self.db.fetchall(
            f"SELECT {CANDIDATE_COLUMNS} FROM (SELECT article_id, COUNT(*) AS shared "
            f"FROM {table} WHERE {where} GROUP BY article_id "
            f"ORDER BY shared DESC, article_id LIMIT ?) m JOIN articles a ON a.id = m.article_id "
            f"ORDER BY m.shared DESC, a.id",
            (*args, limit),
        )
        return [_candidate(row, self.counts.profile(row["terms"])) for row in rows]

    def term_frequencies(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        total = int(self.db.scalar("SELECT value FROM counters WHERE name = 'articles'"))
        known = self.counts.df
        missing = list(set(terms).difference(known))
        if missing:
            match, args = self.db.any_of("term", missing)
            rows = self.db.fetchall(f"SELECT term, df FROM term_df WHERE {match}", args)
            known.update(dict.fromkeys(missing, 0) | {row["term"]: row["df"] for row in rows})
        return total, {term: known[term] for term in terms}

    def add_article(
        self,
        record: ArticleRecord,
        fingerprint: Any,
        story_id: int,
        sighting: Sighting,
        postings: Sequence[str],
    ) -> int:
        time_key = sighting.published or sighting.seen_at
        article_id = self.db.insert(
            "INSERT INTO articles (url, original_doc, site, title, authors, published, modified, "
            "fetched, language, description, tags, image, text, relevance, relevance_terms, "
            "removals, notes, content_hash, minhash, shingle_count, word_count, terms, story_id, "
            "time_key, updated, change_seq, entities, paragraph_keys) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.url,
                sighting.doc_id,
                record.site,
                record.title,
                json.dumps(record.authors),
                record.published,
                record.modified,
                record.fetched,
                record.language,
                record.description,
                json.dumps(record.tags),
                record.image,
                record.text,
                record.relevance,
                json.dumps(record.relevance_terms),
                json.dumps(record.removals),
                json.dumps(record.notes),
                fingerprint.content_hash,
                fingerprint.hashvalues,
                fingerprint.shingle_count,
                fingerprint.word_count,
                json.dumps(fingerprint.terms),
                story_id,
                time_key,
                self.now,
                0,  # stamped by settle
                json.dumps(record.entities),
                json.dumps(list(fingerprint.paragraph_keys)),
            ),
        )
        self.changed.add(article_id)
        self.article_delta += 1
        self._index_entities(article_id, record.entities)
        self._count_paragraphs(fingerprint.paragraph_keys, 1)
        self._insert_sighting(article_id, sighting)
        self._insert_bands(article_id, fingerprint.index_keys)
        if postings:
            self.db.execute(
                f"INSERT INTO story_terms (term, article_id, time_key) VALUES "
                f"{values(3, len(postings))} ON CONFLICT DO NOTHING",
                [v for term in postings for v in (term, article_id, time_key)],
            )
        terms = list(fingerprint.terms)
        self.added += terms
        for term in terms:
            self.df_delta[term] = self.df_delta.get(term, 0) + 1
        return article_id

    def _count_paragraphs(self, keys: Sequence[int], step: int) -> None:
        """Count an article's paragraph keys in (1) or out (-1) of ``paragraph_df``.

        Written by ``settle`` in key order, as every writer writes shared counts.
        """
        for key in keys:
            self.paragraph_delta[key] = self.paragraph_delta.get(key, 0) + step

    def _paragraph_keys(self, article_id: int) -> list[int]:
        """The paragraph keys an article is counted under."""
        value = self.db.scalar("SELECT paragraph_keys FROM articles WHERE id = ?", (article_id,))
        return list(json.loads(value)) if value else []

    def add_sighting(self, article_id: int, sighting: Sighting, band_keys: Sequence[int]) -> None:
        self._insert_sighting(article_id, sighting)
        self._insert_bands(article_id, band_keys)
        self._changed(article_id)

    def _insert_sighting(self, article_id: int, s: Sighting) -> None:
        self.db.execute(
            "INSERT INTO sightings (article_id, doc_id, url, site, source, title, published, "
            "first_seen, last_seen, content_hash, word_count, wire_credit, canonical_url) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                s.doc_id,
                s.url,
                s.site,
                s.source,
                s.title,
                s.published,
                s.seen_at,
                s.seen_at,
                s.content_hash,
                s.word_count,
                int(s.wire_credit),
                s.canonical_url,
            ),
        )

    def _insert_bands(self, article_id: int, band_keys: Sequence[int]) -> None:
        if band_keys:
            self.db.execute(
                f"INSERT INTO lsh_bands (key, article_id) VALUES {values(2, len(band_keys))} "
                "ON CONFLICT DO NOTHING",
                [v for key in band_keys for v in (key, article_id)],
            )

    def touch_sighting(self, doc_id: str, seen_at: str) -> None:
        # Only bookkeeping: exports show first sightings, so a repeat visit changes no article.
        self.db.execute("UPDATE sightings SET last_seen = ? WHERE doc_id = ?", (seen_at, doc_id))

    def add_revision(
        self, article_id: int, doc_id: str, text: str, content_hash: str, at: str
    ) -> None:
        self.db.execute(
            "INSERT INTO revisions (article_id, doc_id, content_hash, text, seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (article_id, doc_id, content_hash, text, at),
        )
        self.db.execute(
            "UPDATE sightings SET content_hash = ?, last_seen = ? WHERE doc_id = ?",
            (content_hash, at, doc_id),
        )
        self._changed(article_id)

    def elect(self, article_id: int, record: ArticleRecord, fingerprint: Any, doc_id: str) -> None:
        # The article is counted under its original's paragraphs: a copy may print other ones.
        self._count_paragraphs(self._paragraph_keys(article_id), -1)
        self._count_paragraphs(fingerprint.paragraph_keys, 1)
        self.db.execute(
            "UPDATE articles SET url = ?, original_doc = ?, site = ?, title = ?, authors = ?, "
            "published = ?, modified = ?, language = ?, description = ?, tags = ?, image = ?, "
            "text = ?, relevance = ?, relevance_terms = ?, removals = ?, notes = ?, "
            "content_hash = ?, minhash = ?, shingle_count = ?, word_count = ?, entities = ?, "
            "paragraph_keys = ? WHERE id = ?",
            (
                record.url,
                doc_id,
                record.site,
                record.title,
                json.dumps(record.authors),
                record.published,
                record.modified,
                record.language,
                record.description,
                json.dumps(record.tags),
                record.image,
                record.text,
                record.relevance,
                json.dumps(record.relevance_terms),
                json.dumps(record.removals),
                json.dumps(record.notes),
                fingerprint.content_hash,
                fingerprint.hashvalues,
                fingerprint.shingle_count,
                fingerprint.word_count,
                json.dumps(record.entities),
                json.dumps(list(fingerprint.paragraph_keys)),
                article_id,
            ),
        )
        self.db.execute("DELETE FROM article_entities WHERE article_id = ?", (article_id,))
        self._index_entities(article_id, record.entities)
        self._changed(article_id)

    def _index_entities(self, article_id: int, entities: dict[str, Any]) -> None:
        """Index an article's organisations and event types for filters and story summaries."""
        rows = entity_rows(entities)
        if rows:
            self.db.execute(
                f"INSERT INTO article_entities (kind, name, article_id) "
                f"VALUES {values(3, len(rows))} ON CONFLICT DO NOTHING",
                [v for kind, name in rows for v in (kind, name, article_id)],
            )

    def original(self, article_id: int) -> tuple[Sighting, set[str]]:
        row = self.db.fetchone(
            "SELECT s.* FROM sightings s JOIN articles a ON a.original_doc = s.doc_id "
            "WHERE a.id = ?",
            (article_id,),
        )
        if row is None:
            raise LookupError(f"article {article_id} has no original sighting")
        canon = self.db.fetchall(
            "SELECT DISTINCT canonical_url FROM sightings "
            "WHERE article_id = ? AND canonical_url IS NOT NULL",
            (article_id,),
        )
        return _sighting(row), {r["canonical_url"] for r in canon}

    def new_story(self, title: str, published: str) -> int:
        now = self.now
        return self.db.insert(
            "INSERT INTO stories (title, first_published, last_published, created, updated) "
            "VALUES (?, ?, ?, ?, ?)",
            (title, published, published, now, now),
        )

    def join_story(self, article_id: int, story_id: int, published: str) -> None:
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", (story_id, article_id))
        self.changed.add(article_id)
        self.widen_story(story_id, published, published)

    def widen_story(self, story_id: int, first: str, last: str) -> None:
        self.db.execute(WIDEN_STORY, (first, first, last, last, self.now, story_id))

    def merge_stories(self, keep: int, others: Sequence[int]) -> None:
        merged = set(self._merged_stories(keep))
        for other in others:
            row = self.db.fetchone(
                "SELECT first_published, last_published, merged_ids FROM stories WHERE id = ?",
                (other,),
            )
            moved = self.db.fetchall(
                "UPDATE articles SET story_id = ? WHERE story_id = ? RETURNING id", (keep, other)
            )
            self.changed.update(row["id"] for row in moved)
            self.db.execute("DELETE FROM stories WHERE id = ?", (other,))
            if row:
                merged |= {other, *json.loads(row["merged_ids"])}
                self.widen_story(keep, row["first_published"], row["last_published"])
        # Stories exports list the ids a story absorbed, so a downstream copy can drop their rows.
        self.db.execute(
            "UPDATE stories SET merged_ids = ? WHERE id = ?", (json.dumps(sorted(merged)), keep)
        )

    def merge_articles(self, keep: int, others: Sequence[int]) -> None:
        merged = set(self._merged_ids(keep))
        for other in others:
            merged |= {other, *self._merged_ids(other)}
            self.db.execute(
                "UPDATE sightings SET article_id = ? WHERE article_id = ?", (keep, other)
            )
            self.db.execute(
                "INSERT INTO lsh_bands (key, article_id) "
                "SELECT key, ? FROM lsh_bands WHERE article_id = ? ON CONFLICT DO NOTHING",
                (keep, other),
            )
            self.db.execute(
                "UPDATE revisions SET article_id = ? WHERE article_id = ?", (keep, other)
            )
            self.db.execute("DELETE FROM lsh_bands WHERE article_id = ?", (other,))
            self._forget_terms(other)
            self._count_paragraphs(self._paragraph_keys(other), -1)
            self.db.execute("DELETE FROM articles WHERE id = ?", (other,))
        self.article_delta -= len(others)
        # Exports list the ids an article absorbed, so a downstream copy can drop their rows.
        self.db.execute(
            "UPDATE articles SET merged_ids = ? WHERE id = ?", (json.dumps(sorted(merged)), keep)
        )
        self._changed(keep)

    def _forget_terms(self, article_id: int) -> None:
        """Take an absorbed article's terms out of story postings and document frequencies."""
        row = self.db.fetchone("SELECT terms, time_key FROM articles WHERE id = ?", (article_id,))
        if row is None or not row["terms"]:
            return
        terms = list(self.counts.profile(row["terms"]))
        if not terms:
            return
        match, args = self.db.any_of("term", terms)
        # postings are found by their key: term, time, article
        self.db.execute(
            f"DELETE FROM story_terms WHERE {match} AND time_key = ? AND article_id = ?",
            [*args, row["time_key"], article_id],
        )
        for term in terms:
            self.df_delta[term] = self.df_delta.get(term, 0) - 1
        self.removed += terms

    def _merged_stories(self, story_id: int) -> list[int]:
        """The story ids already folded into a story."""
        value = self.db.scalar("SELECT merged_ids FROM stories WHERE id = ?", (story_id,))
        return list(json.loads(value)) if value else []

    def _merged_ids(self, article_id: int) -> list[int]:
        """The article ids already folded into an article."""
        value = self.db.scalar("SELECT merged_ids FROM articles WHERE id = ?", (article_id,))
        return list(json.loads(value)) if value else []


def _candidate(row: Row, terms: dict[str, float]) -> Candidate:
    """A candidate from an articles row and its parsed terms."""
    return Candidate(
        article_id=row["id"],
        story_id=row["story_id"],
        hashvalues=bytes(row["minhash"]),
        shingle_count=row["shingle_count"],
        published=row["time_key"],
        terms=terms,
        content_hash=row["content_hash"],
    )


def _sighting(row: Row) -> Sighting:
    """A sighting from its row."""
    return Sighting(
        url=row["url"],
        site=row["site"],
        seen_at=row["first_seen"],
        doc_id=row["doc_id"],
        title=row["title"],
        published=row["published"],
        source=row["source"],
        content_hash=row["content_hash"],
        word_count=row["word_count"],
        wire_credit=bool(row["wire_credit"]),
        canonical_url=row["canonical_url"],
    )


def entity_rows(entities: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, name) of an article's organisations and event types, each once."""
    names = [("organisation", o["name"]) for o in entities.get("organisations", [])]
    kinds = [("event", e["type"]) for e in entities.get("events", [])]
    return list(dict.fromkeys(names + kinds))

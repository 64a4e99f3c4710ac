"""Synthetic documents to fold, and the article records and sightings the crawler makes of them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SEED = 20261117
COPY_EVERY = 10
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
    """Seeded documents, every COPY_EVERY-th a syndicated copy of an earlier one.

    Documents of one story share names, keywords and title words; a copy has a credit line and
    its last sentence dropped.
    """
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
        docs.append(Doc(f"doc{i}", title, " ".join(body), stamp(published)))
    return docs


def _sentence(rng: random.Random, vocab: list[str], cast: list[str], keywords: list[str]) -> str:
    """About 13 words: general vocabulary, a story keyword or two, now and then a name."""
    words = rng.choices(vocab, k=rng.randint(8, 13))
    words[1:1] = rng.sample(keywords, rng.randint(1, 2))
    if rng.random() < 0.4:
        words.insert(rng.randrange(1, len(words)), rng.choice(cast))
    return " ".join(words).capitalize() + "."


def stamp(moment: datetime) -> str:
    """A stored timestamp."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


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

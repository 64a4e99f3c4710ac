"""Export reads both SQL backends share: articles and stories with their provenance.

The order and the "first" of a set of sightings are the same here as in the migrations' views
``sighting_timeline`` and ``story_summary``: dated sightings first, earliest first; on a tie the
elected original, then the first seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from storage.database import Database, Row

ARTICLE_COLUMNS = (
    "id, url, original_doc, site, title, authors, published, modified, fetched, language, "
    "description, tags, image, text, relevance, relevance_terms, removals, notes, story_id, "
    "merged_ids, change_seq, entities"
)
SIGHTING_COLUMNS = "s.id, s.article_id, s.doc_id, s.url, s.site, s.title, s.published, s.first_seen"


def changed_rows(db: Database, after: int, batch_size: int, columns: str) -> Iterator[list[Row]]:
    """Batches of articles changed after a change number, oldest change first."""
    rows = db.fetchall(
        f"SELECT {columns} FROM articles WHERE change_seq > ? ORDER BY change_seq, id LIMIT ?",
        (after, batch_size),
    )
    while rows:
        yield rows
        last = rows[-1]
        rows = db.fetchall(
            f"SELECT {columns} FROM articles WHERE (change_seq, id) > (?, ?) "
            "ORDER BY change_seq, id LIMIT ?",
            (last["change_seq"], last["id"], batch_size),
        )


def timeline_key(sighting: Row, original_doc: str) -> tuple[Any, ...]:
    """Where a sighting stands in publication order."""
    published = sighting["published"]
    return (
        published is None,
        published or "",
        sighting["doc_id"] != original_doc,
        sighting["first_seen"],
        sighting["id"],
    )


def day_of(sighting: Row) -> str:
    """The UTC day a sighting was published, else the day it was first seen."""
    return str(sighting["published"] or sighting["first_seen"])[:10]


def article_rows(db: Database, after: int, batch_size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(change number, export row) of the articles changed after ``after``."""
    for rows in changed_rows(db, after, batch_size, ARTICLE_COLUMNS):
        seen: dict[int, list[Row]] = {row["id"]: [] for row in rows}
        match, args = db.any_of("s.article_id", list(seen))
        for s in db.fetchall(f"SELECT {SIGHTING_COLUMNS} FROM sightings s WHERE {match}", args):
            seen[s["article_id"]].append(s)
        for row in rows:
            yield int(row["change_seq"]), article_row(row, seen[row["id"]])


def article_row(row: Row, sightings: list[Row]) -> dict[str, Any]:
    """One article as exports write it, its sightings in publication order."""
    original = row["original_doc"]
    ordered = sorted(sightings, key=lambda s: timeline_key(s, original))
    first = ordered[0] if ordered else None
    return {
        "article_id": row["id"],
        "url": row["url"],
        "site": row["site"],
        "title": row["title"],
        "authors": json.loads(row["authors"]),
        "published": row["published"],
        "modified": row["modified"],
        "fetched": row["fetched"],
        "language": row["language"],
        "description": row["description"],
        "tags": json.loads(row["tags"]),
        "image": row["image"],
        "text": row["text"],
        "relevance": row["relevance"],
        "relevance_terms": json.loads(row["relevance_terms"]),
        "removals": json.loads(row["removals"]),
        "notes": json.loads(row["notes"]),
        "story_id": row["story_id"],
        "first_published": first["published"] if first else row["published"],
        "first_site": first["site"] if first else row["site"],
        "day": day_of(first) if first else str(row["published"] or row["fetched"])[:10],
        "copy_count": max(len(ordered) - 1, 0),
        "sightings": [
            {
                "url": s["url"],
                "site": s["site"],
                "title": s["title"],
                "published": s["published"],
                "seen": s["first_seen"],
                "copy_of": None if s["doc_id"] == original else row["url"],
            }
            for s in ordered
        ],
        "merged_ids": json.loads(row["merged_ids"]),
        **article_entities(json.loads(row["entities"])),
    }


def article_entities(entities: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """An article's organisations, amounts and events as the export writes them."""
    return {key: entities.get(key, []) for key in ("organisations", "amounts", "events")}


def story_rows(db: Database, after: int, batch_size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(change number, export row) of the stories with an article changed after ``after``."""
    done: set[int] = set()
    for rows in changed_rows(db, after, batch_size, "id, story_id, change_seq"):
        ids = list(dict.fromkeys(r["story_id"] for r in rows if r["story_id"] not in done))
        ids = [i for i in ids if i is not None]
        done.update(ids)
        if ids:
            yield from stories_of(db, ids)


def stories_of(db: Database, ids: Sequence[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The export rows of these stories, each with its newest article's change number."""
    match, args = db.any_of("id", ids)
    stories = {r["id"]: r for r in db.fetchall(f"SELECT * FROM stories WHERE {match}", args)}
    match, args = db.any_of("a.story_id", ids)
    found: dict[int, list[Row]] = {i: [] for i in ids}
    for s in db.fetchall(
        f"SELECT {SIGHTING_COLUMNS}, a.story_id, a.original_doc, a.change_seq "
        f"FROM articles a JOIN sightings s ON s.article_id = a.id WHERE {match}",
        args,
    ):
        found[s["story_id"]].append(s)
    named = story_entities(db, ids)
    for story_id in ids:
        sightings, story = found[story_id], stories.get(story_id)
        if story is None or not sightings:
            continue  # a story is only ever stored with an article; nothing to export
        row = {**story_row(story, sightings), **named.get(story_id, EMPTY)}
        yield max(int(s["change_seq"]) for s in sightings), row


EMPTY: dict[str, list[str]] = {"organisations": [], "events": []}


def story_entities(db: Database, ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """Each story's organisations and event types, those in most of its articles first."""
    match, args = db.any_of("a.story_id", ids)
    rows = db.fetchall(
        "SELECT a.story_id, e.kind, e.name, COUNT(*) AS n FROM article_entities e "
        f"JOIN articles a ON a.id = e.article_id WHERE {match} "
        "GROUP BY a.story_id, e.kind, e.name ORDER BY n DESC, e.name",
        args,
    )
    named: dict[int, dict[str, list[str]]] = {}
    for row in rows:
        lists = named.setdefault(row["story_id"], {"organisations": [], "events": []})
        lists["organisations" if row["kind"] == "organisation" else "events"].append(row["name"])
    return named


def story_row(story: Row, sightings: list[Row]) -> dict[str, Any]:
    """One story as exports write it, over the sightings of all its articles."""
    first = min(sightings, key=lambda s: timeline_key(s, s["original_doc"]))
    dated = [s["published"] for s in sightings if s["published"] is not None]
    return {
        "story_id": story["id"],
        "title": first["title"] or story["title"],  # the first publication's headline
        "first_published": min(dated, default=None),
        "last_published": max(dated, default=None),
        "first_site": first["site"],
        "outlets": len({s["site"] for s in sightings}),
        "articles": len({s["article_id"] for s in sightings}),
        "sightings": len(sightings),
        "day": day_of(first),
        "merged_ids": json.loads(story["merged_ids"]),
        **EMPTY,
    }

"""Entities of one article: organisations, amounts and events, as one typed result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from config.schema import EntitiesConfig
from pipelines.entities.amounts import Amount, AmountFinder, local_dollar
from pipelines.entities.cues import CueFinder
from pipelines.entities.events import Event, EventFinder
from pipelines.entities.gazetteer import Found, Gazetteer

TITLE, TEXT = "title", "text"
SENTENCE_CHARS = 300  # of an event's sentence kept with the article


@dataclass(frozen=True)
class Organisation:
    """An organisation the article names: canonical if listed, as written if not."""

    name: str
    kind: str  # the gazetteer's kind, or "unlisted"
    listed: bool
    mentions: int
    forms: list[str]  # how the article writes it
    cue: str | None = None  # for an unlisted one: the word that marked it ("Technologies")


@dataclass(frozen=True)
class Entities:
    """What one article names and reports; ``as_dict()`` is plain JSON."""

    organisations: list[Organisation] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready dicts and lists."""
        return asdict(self)

    def stored(self) -> dict[str, Any]:
        """What an article keeps: names and kinds, values, and each event's trigger in context."""
        return {
            "organisations": [
                {"name": o.name, "kind": o.kind, "listed": o.listed, "mentions": o.mentions}
                for o in self.organisations
            ],
            "amounts": [
                {
                    "kind": a.kind,
                    "value": a.value,
                    "currency": a.currency,
                    "chip": a.chip,
                    "text": a.text,
                }
                for a in self.amounts
            ],
            "events": [
                {"type": e.type, "trigger": e.trigger, "sentence": e.sentence[:SENTENCE_CHARS]}
                for e in self.events
            ],
        }

    def event_types(self) -> list[str]:
        """The kinds of event the article reports, in order of first report."""
        return list(dict.fromkeys(event.type for event in self.events))


class EntityExtractor:
    """Finds organisations, amounts and events in an article's title and text."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or Gazetteer.load()
        self.cues = CueFinder()
        self.amounts = AmountFinder()
        self.events = EventFinder()

    @classmethod
    def from_config(cls, config: EntitiesConfig) -> EntityExtractor:
        """An extractor with the packaged gazetteer and the configured user file."""
        return cls(Gazetteer.load(config.gazetteer))

    def extract(self, title: str, text: str) -> Entities:
        """Organisations, amounts and events of one article."""
        fields = [(TITLE, title), (TEXT, text)]
        mentions: list[Found] = []
        amounts: list[Amount] = []
        chips: list[tuple[str, int, int]] = []
        starts: list[tuple[str, int]] = []
        known: list[tuple[str, int]] = []
        dollar = local_dollar(f"{title}\n{text}")
        for name, value in fields:
            listed = self.gazetteer.find(value)
            found_orgs = listed + self.cues.find(value, listed)
            mentions += found_orgs
            starts += [(name, org.start) for org in found_orgs]
            known += [(name, org.start) for org in listed]
            found = self.amounts.find(value, dollar)
            amounts += found
            chips += [(name, a.start, a.end) for a in found if a.kind == "chips"]
        return Entities(
            organisations=_organisations(mentions),
            amounts=amounts,
            events=self.events.find(fields, chips, starts, known),
        )


def _organisations(mentions: list[Found]) -> list[Organisation]:
    """Mentions grouped by organisation, most mentioned first."""
    grouped: dict[str, list[Found]] = {}
    for mention in mentions:
        grouped.setdefault(mention.name, []).append(mention)
    out = [
        Organisation(
            name=name,
            kind=group[0].kind or "unlisted",
            listed=group[0].kind is not None,
            mentions=len(group),
            forms=list(dict.fromkeys(m.text for m in group)),
            cue=None if group[0].kind else group[0].cue,
        )
        for name, group in grouped.items()
    ]
    return sorted(out, key=lambda org: -org.mentions)


def extract_entities(title: str, text: str, extractor: EntityExtractor | None = None) -> Entities:
    """Organisations, amounts and events of one article (pass an extractor to reuse it)."""
    return (extractor or EntityExtractor()).extract(title, text)

"""Organisations, amounts and events named in an article."""

from pipelines.entities.amounts import Amount
from pipelines.entities.events import EVENT_TYPES, Event
from pipelines.entities.extractor import Entities, EntityExtractor, Organisation, extract_entities
from pipelines.entities.gazetteer import Gazetteer

__all__ = [
    "EVENT_TYPES",
    "Amount",
    "Entities",
    "EntityExtractor",
    "Event",
    "Gazetteer",
    "Organisation",
    "extract_entities",
]

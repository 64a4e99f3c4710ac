"""newsfold's commands, one module per family; what they share reading their options."""

from __future__ import annotations

import argparse

from config.loader import ConfigError, load_config
from config.schema import NewsfoldConfig


def load(args: argparse.Namespace) -> NewsfoldConfig:
    """The config named by --config (defaults otherwise)."""
    return load_config(getattr(args, "config", None))


def store_target(args: argparse.Namespace, config: NewsfoldConfig) -> str:
    """The store named by --db, else the config's."""
    return getattr(args, "db", None) or config.db


def entity_filters(
    args: argparse.Namespace, config: NewsfoldConfig
) -> tuple[str | None, str | None]:
    """--org as the gazetteer's canonical name (any alias, any case) and a checked --event."""
    from config.loader import ConfigError
    from pipelines.entities import EVENT_TYPES, Gazetteer

    org, event = getattr(args, "org", None), getattr(args, "event", None)
    if event is not None and event not in EVENT_TYPES:
        raise ConfigError(f"unknown event type {event!r}; known: {', '.join(EVENT_TYPES)}")
    if org:
        gazetteer = Gazetteer.load(config.entities.gazetteer)
        folded = {alias.casefold(): listed.name for alias, listed in gazetteer.by_alias.items()}
        listed = gazetteer.lookup(org)
        org = listed.name if listed else folded.get(org.casefold(), org)
    return org, event


def check_distributed(config: NewsfoldConfig, target: str) -> None:
    """Refuse ``[distributed] enabled = true`` on a store that is not PostgreSQL."""
    if config.distributed.enabled and not is_postgres(target):
        raise ConfigError(
            f"distributed.enabled = true needs a postgresql:// store (its jobs live there), but "
            f"the store is {target!r}; set db (or --db) to a PostgreSQL URL, or "
            "distributed.enabled = false"
        )


def is_postgres(target: str) -> bool:
    """Whether a store target is a PostgreSQL URL."""
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    return scheme in ("postgresql", "postgres")

"""newsfold's commands, one module per family; what they share reading their options."""

from __future__ import annotations

import argparse

from config.loader import load_config
from config.schema import NewsfoldConfig


def load(args: argparse.Namespace) -> NewsfoldConfig:
    """The config named by --config (defaults otherwise)."""
    return load_config(getattr(args, "config", None))


def store_target(args: argparse.Namespace, config: NewsfoldConfig) -> str:
    """The store named by --db, else the config's."""
    return getattr(args, "db", None) or config.db

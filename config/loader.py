"""Load the configuration: packaged defaults, then a user file, then the environment."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.schema import NewsfoldConfig

ENV_PREFIX = "NEWSFOLD__"
DEFAULTS = "defaults.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message lists every bad key."""


def load_config(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> NewsfoldConfig:
    """Build the validated config: defaults, the user file key by key, env, then overrides."""
    env = os.environ if env is None else env
    origin: dict[tuple[str, ...], str] = {}
    data = _read_defaults()
    _mark(data, (), f"packaged {DEFAULTS}", origin)
    packaged = set(data.get("sources", {}))
    if path is not None:
        user = _read_toml(Path(path))
        _mark(user, (), str(path), origin)
        _merge(data, user)
    for key, value in env.items():
        if key.startswith(ENV_PREFIX):
            keys = tuple(part.lower() for part in key[len(ENV_PREFIX) :].split("__"))
            _set(data, keys, _parse_env_value(value))
            origin[keys] = f"environment {key}"
    for dotted, value in (overrides or {}).items():
        keys = tuple(dotted.split("."))
        _set(data, keys, value)
        origin[keys] = "command line"
    if data.get("packaged_sources") is False and isinstance(data.get("sources"), dict):
        # Only the sources the user's file, environment or command line names.
        own = {
            keys[1]
            for keys, where in origin.items()
            if keys[:1] == ("sources",) and len(keys) > 1 and not where.startswith("packaged")
        }
        data["sources"] = {
            n: s for n, s in data["sources"].items() if n in own or n not in packaged
        }
    try:
        return NewsfoldConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from None


def _read_defaults() -> dict[str, Any]:
    """The packaged defaults."""
    text = resources.files("config").joinpath(DEFAULTS).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _read_toml(path: Path) -> dict[str, Any]:
    """One TOML file, with errors that name it."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; pass an existing TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Override ``base`` with ``extra`` key by key, recursing into tables."""
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _mark(data: Any, prefix: tuple[str, ...], where: str, origin: dict) -> None:
    """Record which file each leaf key came from."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            _mark(value, (*prefix, str(key)), where, origin)
    else:
        origin[prefix] = where


def _set(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    """Set a nested key, creating tables on the way."""
    for key in keys[:-1]:
        nested = data.setdefault(key, {})
        if not isinstance(nested, dict):
            nested = data[key] = {}
        data = nested
    data[keys[-1]] = value


def _parse_env_value(raw: str) -> Any:
    """Read an environment value as a TOML value when it is one, else as a string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _describe(exc: ValidationError, origin: dict[tuple[str, ...], str]) -> str:
    """One message listing every bad key with where it came from and what is allowed."""
    lines = [f"invalid configuration ({exc.error_count()} problem(s)):"]
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        where = _find_origin(loc, origin)
        value = error.get("input")
        shown = "" if isinstance(value, dict) else f" = {value!r}"
        lines.append(f"  {where}: {'.'.join(loc)}{shown}: {error['msg']}")
    return "\n".join(lines)


def _find_origin(loc: tuple[str, ...], origin: dict[tuple[str, ...], str]) -> str:
    """The file or variable that set ``loc`` (or the nearest table above it)."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in origin:
            return origin[loc[:end]]
    prefixed = [where for keys, where in origin.items() if keys[: len(loc)] == loc]
    return prefixed[-1] if prefixed else "config"

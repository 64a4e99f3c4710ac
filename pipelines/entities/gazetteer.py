"""Listed organisations: the packaged gazetteer (and a user's) matched as whole words."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from config.schema import GazetteerFile, OrganisationEntry, read_gazetteer

PACKAGED = "organisations.toml"
# Compounds that keep a name's sense ("Meta-owned", "Nvidia-powered"); any other lower-case word
# after a hyphen makes a different word ("meta-analysis", "Apple-picking").
NAME_COMPOUNDS = frozenset(
    """backed owned based led funded made built powered designed developed branded style like
    linked affiliated sponsored supported specific compatible certified run operated hosted
    trained native exclusive only first era related""".split()
)
_BEFORE = r"(?<![\w&@#/.-])"  # not inside a word, a handle, a path or a domain
_AFTER = r"(?![\w&])"  # not inside a word
_NEXT_WORD = re.compile(r"(?:\s+|-)([\w'’]+)")
_PREVIOUS_WORD = re.compile(r"([\w'’.]+)\s+$")
_HYPHENATED = re.compile(r"-([a-z]+)\b")


@dataclass(frozen=True)
class Listed:
    """A gazetteer entry as the matcher uses it."""

    name: str
    kind: str
    not_before: frozenset[str]
    not_after: frozenset[str]


@dataclass(frozen=True)
class Found:
    """One mention of an organisation in a text."""

    name: str
    kind: str | None  # None: not in the gazetteer
    start: int
    end: int
    text: str
    cue: str | None = None  # what marked an unlisted organisation


def trie_regex(words: Iterable[str]) -> str:
    """One regular expression for all the words, shaped as their prefix tree.

    Python's engine tries an alternation's branches one by one at every position; sharing the
    prefixes makes a thousand names cost about as much as a few.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branch(trie) or r"(?!x)x"


def _branch(node: dict[str, dict]) -> str:
    """The pattern of one node of the prefix tree."""
    alternatives = [
        re.escape(char) + _branch(child) for char, child in sorted(node.items()) if char
    ]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    # A greedy optional group: the longest name is tried first, a shorter one on backtracking.
    return f"(?:{body})?" if "" in node else body


def packaged_entries() -> list[OrganisationEntry]:
    """The organisations shipped with newsfold."""
    text = resources.files("pipelines.entities").joinpath(PACKAGED).read_text(encoding="utf-8")
    return GazetteerFile.model_validate(tomllib.loads(text)).organisations


def merge_entries(
    base: Iterable[OrganisationEntry], extra: Iterable[OrganisationEntry]
) -> list[OrganisationEntry]:
    """The base entries with the extra ones added; an extra entry replaces one of its name."""
    merged = {entry.name: entry for entry in base}
    for entry in extra:
        merged[entry.name] = entry
    return list(merged.values())


class Gazetteer:
    """Finds the organisations of a list of entries in text, as whole words."""

    def __init__(self, entries: Iterable[OrganisationEntry]) -> None:
        self.entries = list(entries)
        self.by_alias: dict[str, Listed] = {}
        capitals: dict[str, Listed] = {}
        for entry in self.entries:
            listed = Listed(
                entry.name,
                entry.kind,
                frozenset(word.lower() for word in entry.not_before),
                frozenset(word.lower() for word in entry.not_after),
            )
            for alias in (entry.name, *entry.aliases):
                self.by_alias[alias] = listed
                if sum(char.isalpha() for char in alias) >= 3:
                    capitals.setdefault(alias.upper(), listed)
        # Headlines and tickers write names in capitals ("NVIDIA", "META"); a name given as an
        # alias keeps its own entry.
        for alias, listed in capitals.items():
            self.by_alias.setdefault(alias, listed)
        # Matched as written: "Apple" is the company, "apple" the fruit.
        self.pattern = re.compile(_BEFORE + "(?:" + trie_regex(self.by_alias) + ")" + _AFTER)

    @classmethod
    def load(cls, extra: Path | None = None) -> Gazetteer:
        """The packaged gazetteer, with a user's file of organisations added."""
        entries = packaged_entries()
        if extra is not None:
            entries = merge_entries(entries, read_gazetteer(extra).organisations)
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def aliases_of(self, name: str) -> set[str]:
        """Every name the gazetteer gives an organisation, its canonical name included."""
        return {alias for alias, listed in self.by_alias.items() if listed.name == name}

    def lookup(self, name: str) -> Listed | None:
        """The entry a name (or alias) stands for, or None."""
        return self.by_alias.get(name)

    def find(self, text: str) -> list[Found]:
        """Every mention of a listed organisation, in order."""
        found = []
        for match in self.pattern.finditer(text):
            listed = self.by_alias[match.group()]
            if self._fits(text, match.start(), match.end(), listed):
                found.append(Found(listed.name, listed.kind, *match.span(), match.group()))
        return found

    def _fits(self, text: str, start: int, end: int, listed: Listed) -> bool:
        """Whether the words around a name leave it naming the organisation."""
        hyphenated = _HYPHENATED.match(text, end)
        if hyphenated and hyphenated.group(1) not in NAME_COMPOUNDS:
            return False
        if listed.not_before:
            following = _NEXT_WORD.match(text, end)
            if following and following.group(1).lower() in listed.not_before:
                return False
        if listed.not_after:
            preceding = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
            if preceding and preceding.group(1).lower() in listed.not_after:
                return False
        return True

"""The README documents what the code offers: every command and option of the CLI, every config key."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from config.schema import NewsfoldConfig, SourceConfig
from crawler.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"
# A command's section: a heading naming it, e.g. "### newsfold export" (backticks allowed).
COMMAND_HEADING = re.compile(r"^(#{2,4})\s+`?newsfold ([a-z][\w-]*)`?\s*$", re.MULTILINE)
HEADING = re.compile(r"^(#{1,6})\s", re.MULTILINE)
# An option as the README writes it: --word or -x, not inside a longer word or a longer dash run.
OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z0-9-]*)")


def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser's sub-commands by name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def documented(parser: argparse.ArgumentParser) -> list[str]:
    """What the README must name for a parser: option strings and positional metavars."""
    wanted: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue  # --help is argparse's own; sub-commands get sections of their own
        if action.option_strings:
            wanted.extend(action.option_strings)
        else:
            wanted.append(str(action.metavar or action.dest))
    return wanted


def section_end(text: str, start: int, level: int) -> int:
    """Where the section whose body starts at ``start`` ends: the next heading as high or higher."""
    for heading in HEADING.finditer(text, start):
        if len(heading.group(1)) <= level:
            return heading.start()
    return len(text)


def command_sections(text: str) -> dict[str, str]:
    """Each command heading's name and the text of its section."""
    sections = {}
    for match in COMMAND_HEADING.finditer(text):
        sections[match.group(2)] = text[
            match.end() : section_end(text, match.end(), len(match.group(1)))
        ]
    return sections


def named_section(text: str, title: str) -> str:
    """The text of the level-2 section with this title."""
    match = re.search(rf"^## {re.escape(title)}\s*$", text, re.MULTILINE)
    assert match, f"README has no '## {title}' section"
    return text[match.end() : section_end(text, match.end(), 2)]


def names(option: str, text: str) -> bool:
    """Whether a text names an option on its own (``--since``, not ``--since-id``)."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def stale_options(section: str, known: set[str]) -> list[str]:
    """Options a section names that the parser does not know."""
    return sorted({name for name in OPTION.findall(section) if name not in known})


PARSER = build_parser()
COMMANDS = commands(PARSER)
TOP_LEVEL = {name for action in PARSER._actions for name in action.option_strings}
PAIRS = [(name, option) for name, sub in COMMANDS.items() for option in documented(sub)]


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sections(readme: str) -> dict[str, str]:
    return command_sections(readme)


def test_the_parser_has_commands() -> None:
    # Guards the parametrized tests below against passing on an empty walk.
    assert len(COMMANDS) >= 10 and len(PAIRS) > len(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_section(command: str, sections: dict[str, str]) -> None:
    assert command in sections, f"README has no '### newsfold {command}' section"
    assert sections[command].strip(), f"the section of newsfold {command} is empty"


@pytest.mark.parametrize(("command", "option"), PAIRS, ids=[f"{c} {o}" for c, o in PAIRS])
def test_every_option_is_in_its_command_section(
    command: str, option: str, sections: dict[str, str]
) -> None:
    assert names(option, sections.get(command, "")), f"{option} of newsfold {command} is missing"


@pytest.mark.parametrize("option", sorted(TOP_LEVEL))
def test_top_level_options_are_documented(option: str, readme: str) -> None:
    assert names(option, named_section(readme, "Commands"))


def test_no_section_for_a_command_that_does_not_exist(sections: dict[str, str]) -> None:
    assert sorted(set(sections) - set(COMMANDS)) == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_option_documented_that_the_command_lacks(
    command: str, sections: dict[str, str]
) -> None:
    known = TOP_LEVEL | {
        name for action in COMMANDS[command]._actions for name in action.option_strings
    }
    assert stale_options(sections.get(command, ""), known) == []


def test_the_checks_catch_a_missing_and_a_stale_option() -> None:
    text = "## Commands\n\n### newsfold run\n\n- `--source NAME`\n- `--dry-run`\n\n## Next\n--db\n"
    section = command_sections(text)["run"]
    assert not names("--db", section) and not names("--source-file", section)
    assert names("--source", section)
    assert stale_options(section, {"--source"}) == ["--dry-run"]


def config_keys() -> list[tuple[str, str]]:
    """(table, key) of every config key but the sources; "" is the top-level table."""
    keys: list[tuple[str, str]] = []
    for name, field in NewsfoldConfig.model_fields.items():
        nested = getattr(field.annotation, "model_fields", None)
        if nested is not None:
            keys.extend((name, key) for key in nested)
        elif name != "sources":
            keys.append(("", name))
    return keys


def toml_table(text: str, table: str) -> str:
    """The lines of one TOML table in a text (the top-level keys for "")."""
    start = 0
    if table:
        match = re.search(rf"^\[{re.escape(table)}\]", text, re.MULTILINE)
        assert match, f"no [{table}] table"
        start = match.end()
    following = re.search(r"^\[", text[start:], re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


CONFIG_KEYS = config_keys()


@pytest.mark.parametrize(
    ("table", "key"), CONFIG_KEYS, ids=[".".join(k).strip(".") for k in CONFIG_KEYS]
)
def test_every_config_key_is_in_the_configuration_section(
    table: str, key: str, readme: str
) -> None:
    section = named_section(readme, "Configuration")
    as_table = re.search(rf"^\[{re.escape(table)}\.{re.escape(key)}\]", section, re.MULTILINE)
    as_key = re.search(rf"^{re.escape(key)} = ", toml_table(section, table), re.MULTILINE)
    assert as_table or as_key, f"[{table}] {key} is not in the README's Configuration"


@pytest.mark.parametrize("key", sorted(SourceConfig.model_fields))
def test_every_source_key_is_in_add_your_own_sources(key: str, readme: str) -> None:
    section = named_section(readme, "Add your own sources")
    assert re.search(rf"^{key} = ", section, re.MULTILINE), f"source key {key} is not shown"

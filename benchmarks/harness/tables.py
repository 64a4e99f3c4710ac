"""Markdown tables: what a benchmark prints and what ``benchmarks/README.md`` shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    """A titled table of cells, with notes under it."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def cell(value: Any, digits: int = 3) -> str:
    """One cell: '—' for nothing, thousands separators, ``digits`` decimals for a float."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value).replace("|", "\\|")


def num(value: float | None, digits: int = 1) -> str:
    """A figure with ``digits`` decimals, '—' for none."""
    return cell(None if value is None else float(value), digits)


def frac(pair: Sequence[int] | None) -> str:
    """``a/b``, '—' when there is nothing to count."""
    return f"{pair[0]}/{pair[1]}" if pair and pair[1] else "—"


def markdown(table: Table) -> str:
    """A table as Markdown, its title in bold above and its notes below."""
    lines = [f"**{table.title}**", ""] if table.title else []
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    if table.notes:
        lines += ["", *table.notes]
    return "\n".join(lines)


def targets_table(targets: Sequence[dict[str, Any]]) -> Table:
    """Each target, its limit, the measured value and whether it is met."""
    rows = [[t["name"], f"{t['op']} {t['limit']:g}", cell(t["value"]), t["met"]] for t in targets]
    return Table("Targets", ["target", "limit", "measured", "met"], rows)


def render(tables: Sequence[Table]) -> str:
    """Several tables, a blank line apart."""
    return "\n\n".join(markdown(t) for t in tables)

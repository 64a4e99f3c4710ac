"""An extracted article as lines that remember their block kind and link density."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml.etree import _Element, strip_tags
from trafilatura.xml import xmltotxt

# trafilatura's output elements → the kind of line they make
KINDS = {"head": "head", "list": "item", "table": "table", "quote": "quote", "code": "code"}


@dataclass(frozen=True, slots=True)
class Line:
    """A line of article text, its block kind (p, head, item, …) and its link-text share."""

    text: str
    kind: str = "p"
    links: float = 0.0


def body_lines(body: _Element) -> list[Line]:
    """The lines of trafilatura's output body (links are measured, then dropped)."""
    lines: list[Line] = []
    for block in body:
        chars = len(" ".join(_text(block).split()))
        linked = sum(len(" ".join(_text(ref).split())) for ref in block.iter("ref"))
        strip_tags(block, "ref")
        if block.tag == "ref":
            block.tag = "p"  # a bare link at the top level: its text, without the target
        kind = KINDS.get(str(block.tag), "p")
        ratio = round(linked / chars, 3) if chars else 0.0
        text = xmltotxt(block, False)
        lines += [Line(part, kind, ratio) for part in _split(text)]
    return lines


def text_lines(text: str, kind: str = "p") -> list[Line]:
    """Lines of a plain text (no link information)."""
    return [Line(part, kind) for part in _split(text)]


def joined(lines: Iterable[Line]) -> str:
    """The text of the lines, one per line."""
    return "\n".join(line.text for line in lines)


def average_length(lines: Sequence[Line]) -> float:
    """Mean characters per line (0 for none)."""
    return sum(len(line.text) for line in lines) / len(lines) if lines else 0.0


def _split(text: str) -> list[str]:
    """Non-empty stripped lines."""
    return [part.strip() for part in text.splitlines() if part.strip()]


def _text(element: _Element) -> str:
    """All text inside an element."""
    return "".join(element.itertext())

"""An extracted article as lines that remember their block kind and link density."""

from __future__ import annotations

import unicodedata
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


# Keeping links, trafilatura makes a paragraph of each link in text typed straight into a
# container (between <br>s), cutting the sentence before the link and trimming the space after
# it: "… the last i9" / "MacBook Prowas released". Such a paragraph opens with the link, glued
# to a word or a closing mark, after a line of prose that ends mid-sentence; it is joined back.
# A label ("Tags") or a run of links before it is no sentence: those stay lines of their own.
_GLUED = frozenset(".,;:!?)")
_ENDS_SENTENCE = frozenset('.!?:;"”’»)]…')


def body_lines(body: _Element) -> list[Line]:
    """The lines of trafilatura's output body (links are measured, then dropped)."""
    lines: list[Line] = []
    linked_chars = 0  # link characters of the last line
    for block in body:
        chars = len(" ".join(_text(block).split()))
        linked = sum(len(" ".join(_text(ref).split())) for ref in block.iter("ref"))
        cut = _cut_at_link(block, lines)
        strip_tags(block, "ref")
        if block.tag == "ref":
            block.tag = "p"  # a bare link at the top level: its text, without the target
        kind = KINDS.get(str(block.tag), "p")
        text = xmltotxt(block, False)
        if cut and "\n" not in text.strip():
            last = lines.pop()
            text, chars, linked = (
                f"{last.text} {text.strip()}",
                len(last.text) + 1 + chars,
                linked + linked_chars,
            )
        ratio = round(linked / chars, 3) if chars else 0.0
        lines += [Line(part, kind, ratio) for part in _split(text)]
        linked_chars = linked
    return lines


def _cut_at_link(block: _Element, lines: Sequence[Line]) -> bool:
    """True for a paragraph trafilatura cut off the last line at a link (its space put back)."""
    last = lines[-1] if lines else None
    if last is None or last.kind != "p" or last.text[-1:] in _ENDS_SENTENCE:
        return False
    if last.links >= 0.5 or len(last.text.split()) < 3:
        return False
    if block.tag != "p" or (block.text or "").strip() or not len(block) or block[0].tag != "ref":
        return False
    tail = block[0].tail or ""
    if tail[:1].isalnum():
        block[0].tail = " " + tail
        return True
    return tail[:1] in _GLUED


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
    """Non-empty stripped lines, in Unicode's composed form (NFC) as trafilatura returns its text."""
    # One character written two ways ("ড়" as one code point or two) would otherwise make
    # two copies of a text differ, and the text differ from what trafilatura itself returns.
    text = unicodedata.normalize("NFC", text)
    return [part.strip() for part in text.splitlines() if part.strip()]


def _text(element: _Element) -> str:
    """All text inside an element."""
    return "".join(element.itertext())

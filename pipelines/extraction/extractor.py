"""Extraction: trafilatura turns a page into article lines and metadata."""

from __future__ import annotations

import logging
import re
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.settings import Document
from trafilatura.utils import DOCTYPE_TAG, repair_faulty_html

from pipelines.extraction.decode import decode_html
from pipelines.extraction.lines import Line, average_length, body_lines, joined, text_lines
from pipelines.extraction.metadata import Metadata, MetadataReader, clean_authors, valid_date
from pipelines.extraction.page import Page
from pipelines.extraction.prune import prune, unwrap_embedded_posts
from pipelines.extraction.xpath_guard import XPATH_GUARD, GuardStatus

logger = logging.getLogger(__name__)

# trafilatura's evaluation settings; links are kept so each line's link density can be measured.
OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_formatting": False,
    "include_links": True,
}
# trafilatura's fast mode (no readability/jusText comparison) is kept unless its text is short
# or a dump of menu-sized lines; then the full cascade runs. On AEB and
# trafilatura-eval this scores as the full cascade does on every page, at a lower cost.
FULL_BELOW_CHARS = 1000
FULL_BELOW_LINE_CHARS = 30
# JSON-LD articleBody stands in only when trafilatura finds no text: where both exist,
# preferring it (or filtering lines by it) measured no better on either benchmark.
ARTICLE_BODY_MIN_CHARS = 200
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# What trafilatura's repair_faulty_html deletes: characters XML forbids (as UTF-8 bytes here).
_XML_INVALID_BYTES = bytes([*range(9), 11, 12, *range(14, 32)])
_DOCTYPE_BYTES = re.compile(DOCTYPE_TAG.pattern.encode("ascii"), re.IGNORECASE)
# trafilatura's parser settings. lxml.html's own parser picks each element's class in Python,
# once per element object made; trafilatura walks the tree often enough for that to
# show in extraction's cost. Here every element is a plain HtmlElement, chosen in C (form
# controls lose their form helpers, which extraction never calls); the same text on every page.
PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement,
        comment=HtmlComment,
        pi=HtmlProcessingInstruction,
        entity=HtmlEntity,
    )
)

__all__ = ["ExtractionError", "Extractor", "Line", "Page", "split_authors", "valid_date"]


class ExtractionError(Exception):
    """A page yielded no article; the message says why."""


class Extractor:
    """trafilatura with newsfold's decoding, mode choice and metadata checks."""

    def __init__(
        self,
        max_bytes: int = 10_000_000,
        disabled: frozenset[str] = frozenset(),
        guard_xpath: bool = True,
    ) -> None:
        self.max_bytes = max_bytes
        self.disabled = disabled
        # trafilatura's expressions are the process's: the guard swaps them once (the same
        # elements selected, fewer regex callbacks), or leaves trafilatura's own, saying why
        if not guard_xpath:
            XPATH_GUARD.restore()
        self.guard = XPATH_GUARD.apply() if guard_xpath else GuardStatus()

    def extract(self, body: bytes | str, url: str, declared: str | None = None) -> Page:
        """Extract one page, or raise ExtractionError with the reason."""
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        self._check(raw)
        decoded = decode_html(raw, declared)
        try:
            tree = parse_html(decoded.text, decoded.utf8)
        except Exception as exc:  # lxml raises several kinds on broken markup
            raise ExtractionError(f"unparseable HTML: {type(exc).__name__}: {exc}") from None
        if tree is None:
            raise ExtractionError("unparseable HTML: no document tree")
        meta = MetadataReader(tree, url).read()
        notes = list(decoded.notes)
        removals = prune(tree, self.disabled)
        unwrap_embedded_posts(tree)
        lines = self._lines(tree, url)
        if not lines and meta.article_body and len(meta.article_body) >= ARTICLE_BODY_MIN_CHARS:
            lines = text_lines(meta.article_body)
            notes.append("text from the JSON-LD articleBody: trafilatura found none")
        if not lines:
            raise ExtractionError("no article text found")
        page = _page(url, lines, meta, notes)
        page.removals = removals
        return page

    def _check(self, raw: bytes) -> None:
        """Refuse pages that cannot hold an article, with the reason."""
        if not raw.strip():
            raise ExtractionError("empty page")
        if len(raw) > self.max_bytes:
            raise ExtractionError(
                f"page of {len(raw)} bytes exceeds max_page_bytes {self.max_bytes}"
            )
        if b"\x00" in raw[:4096] and not raw.startswith(_UTF16_BOMS):
            raise ExtractionError("binary content, not HTML")
        tail = raw[-4096:].rstrip().lower()
        if b"</html" not in tail and b"</body" not in tail and not tail.endswith(b">"):
            raise ExtractionError("truncated HTML: the page ends inside a tag, before </html>")

    def _lines(self, tree: HtmlElement, url: str) -> list[Line]:
        """Article lines from trafilatura's fast mode, or its full cascade where fast falls short."""
        lines = _run(tree, url, fast=True)
        chars = sum(len(line.text) for line in lines)
        if chars < FULL_BELOW_CHARS or average_length(lines) < FULL_BELOW_LINE_CHARS:
            lines = _run(tree, url, fast=False) or lines
        return lines


def parse_html(text: str, utf8: bytes | None = None) -> HtmlElement | None:
    """The page's tree, parsed as trafilatura's ``load_html`` parses a string, with PARSER.

    ``utf8``, the bytes ``text`` was decoded from, is parsed instead where it can be: libxml2
    reads UTF-8 without converting the text first, a millisecond less on a 150 KB page.
    """
    beginning = text[:50].lower()
    data = _repaired_utf8(text, utf8, beginning) if utf8 is not None else None
    tree = None
    if data is not None:
        try:
            tree = lxml.html.fromstring(data, parser=PARSER)
        except Exception:  # lxml raises several kinds on broken markup: the text path decides
            tree = None
    if tree is None or len(tree) < 1:
        text = repair_faulty_html(text, beginning)
        try:
            tree = lxml.html.fromstring(text, parser=PARSER)
        except Exception:  # e.g. a string declaring its own encoding: tried again as bytes
            tree = None
    if tree is None or len(tree) < 1:
        tree = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=PARSER)
    if tree is not None and "html" not in beginning and len(tree) < 2:
        return None  # not HTML: a fragment or another format
    return tree


def _repaired_utf8(text: str, utf8: bytes, beginning: str) -> bytes | None:
    """The bytes as ``repair_faulty_html`` would leave their text, or None to repair the text."""
    if len(utf8.translate(None, _XML_INVALID_BYTES)) != len(utf8):
        return None
    if "\ufffe" in text or "\uffff" in text:
        return None
    if any("<html" in line and line.endswith("/>") for line in text[:4096].splitlines()[:4]):
        return None  # a self-closing <html/>: rare, left to the text repair
    if "doctype" in beginning:
        first, _, rest = utf8.partition(b"\n")
        utf8 = _DOCTYPE_BYTES.sub(b"", first, count=1) + b"\n" + rest
    return utf8


def _run(tree: HtmlElement, url: str, fast: bool) -> list[Line]:
    """One trafilatura extraction (it works on a copy of the tree)."""
    try:
        # no URL: link targets are not kept, so resolving them would be wasted work
        doc = trafilatura.bare_extraction(tree, fast=fast, **OPTIONS)
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        logger.debug("trafilatura failed on %s: %s: %s", url, type(exc).__name__, exc)
        return []
    if not isinstance(doc, Document) or doc.body is None:
        return []
    return body_lines(doc.body)


def _page(url: str, lines: list[Line], meta: Metadata, notes: list[str]) -> Page:
    """A Page from the article lines and the page's metadata."""
    return Page(
        url=url,
        text=joined(lines),
        title=meta.title,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        language=meta.language,
        site=meta.site,
        hostname=meta.hostname,
        canonical_url=meta.canonical_url,
        description=meta.description,
        tags=meta.tags,
        image=meta.image,
        notes=notes,
        lines=lines,
    )


def split_authors(value: str | None) -> list[str]:
    """Author names from a metadata string: split, 'By' removed, duplicates dropped."""
    return clean_authors([value]) if value else []

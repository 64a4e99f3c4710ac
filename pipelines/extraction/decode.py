"""Bytes to text for HTML pages whose declared encoding cannot be trusted."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

from trafilatura.utils import detect_encoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
UTF8_NAMES = {"utf-8", "utf8", "utf_8", "unicode-1-1-utf-8", "x-unicode20utf8"}
# WHATWG: these labels all mean windows-1252, whose printable range is a superset of Latin-1.
LATIN1_NAMES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "cp819"}
# UTF-8 read as windows-1252 ("double-encoded"): a lead byte shown as Â..ô, then 1-3 bytes
# shown as the characters windows-1252 (or Latin-1 for its five holes) puts at 0x80-0xBF.
_CONTINUATION = "\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}|[\u00f0-\u00f4][{_CONTINUATION}]{{3}}"
)
# What a repaired sequence may be: Latin to Arabic, punctuation, currency, letterlike symbols.
# Rarer scripts and CJK are left alone: there, legitimate text like "ß\xad" or "é”\xa0"
# would decode to a valid but wrong character.
_PLAUSIBLE = re.compile("[\u00a0-\u06ff\u2010-\u206f\u20a0-\u20cf\u2100-\u214f]$")
# What double-encoded text nearly always contains; pages without them skip the repair scan.
_TELLTALES = ("\u00c3", "\u00c2", "\u00e2\u20ac", "\u00d0", "\u00d1", "\u00c5")
_ESCAPED = re.compile("[\udc80-\udcff]+")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
# Signs of a wrong single-byte decoding; typographic punctuation inside words is normal.
_NON_ASCII_SIGN = re.compile("[^\\s\x00-\x7f\u2018\u2019\u201c\u201d\u2013\u2014\u00b7\u2026]")
_ACCENT_RUN = re.compile("[\u00c0-\u024f]{3,}")
_CONTROL_OR_BOX = re.compile("[\x80-\x9f\u2500-\u259f]")


@dataclass(frozen=True)
class Decoded:
    """A page's text, the encoding it was read with, and what had to be repaired."""

    text: str
    encoding: str
    notes: tuple[str, ...] = ()
    utf8: bytes | None = None  # the bytes the text was read from, when UTF-8 needing no repair


def decode_html(raw: bytes, declared: str | None = None) -> Decoded:
    """Page text: BOM, else UTF-8 (repaired), else the least garbled single-byte reading."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return Decoded(raw.decode(encoding, errors="replace"), encoding)
    raw = _drop_cut_sequence(raw)
    declared = _normalise(declared or _meta_charset(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        decoded = _utf8(text, declared)
        return replace(decoded, utf8=raw) if decoded.text is text else decoded
    text = raw.decode("utf-8", errors="surrogateescape")
    invalid = sum(len(m.group()) for m in _ESCAPED.finditer(text))
    if _mostly_utf8(text, invalid):
        fixed = _ESCAPED.sub(lambda m: _cp1252(m.group()), text)
        return _utf8(fixed, declared, f"{invalid} stray non-UTF-8 bytes read as windows-1252")
    return _legacy(raw, declared)


def _legacy(raw: bytes, declared: str | None) -> Decoded:
    """Bytes that are not UTF-8, read with the declared, default or detected encoding."""
    # The candidate whose text looks least garbled wins; the declared one first on a tie.
    note = f"declared {declared} but the bytes are not UTF-8; " if declared in UTF8_NAMES else ""
    candidates = [declared] if declared and declared not in UTF8_NAMES else []
    guesses = (_normalise(g) for g in detect_encoding(raw[:200_000]))
    candidates += ["cp1252", *(g for g in guesses if g and not g.startswith("utf"))]
    best: tuple[int, str, str] | None = None
    for encoding in dict.fromkeys(c for c in candidates if c):
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
        score = garbling(text[:100_000])
        if best is None or score < best[0]:
            best = (score, encoding, text)
        if score == 0:
            break
    if best is None:
        text = raw.decode("cp1252", errors="replace")
        return Decoded(
            text, "cp1252", (f"{note}no encoding decodes every byte; unknown bytes replaced",)
        )
    _, encoding, text = best
    return Decoded(
        text, encoding, (f"{note}read as {encoding}",) if note or encoding != declared else ()
    )


def garbling(text: str) -> int:
    """How wrong a decoding looks: symbols in words, accent runs, C1 controls, box drawing."""
    inside = sum(
        1
        for m in _NON_ASCII_SIGN.finditer(text, 1, len(text) - 1)
        if not m.group().isalpha() and text[m.start() - 1].isalpha() and text[m.end()].isalpha()
    )
    return inside + len(_ACCENT_RUN.findall(text)) + len(_CONTROL_OR_BOX.findall(text))


def _utf8(text: str, declared: str | None, *notes: str) -> Decoded:
    """UTF-8 text with double-encoded runs repaired, and notes on what was wrong."""
    found = list(notes)
    if declared and declared not in UTF8_NAMES and not text.isascii():
        found.append(f"declared {declared} but the bytes are UTF-8")
    repaired = 0
    for _ in range(3):  # text encoded twice over needs a second pass
        if not any(mark in text for mark in _TELLTALES):
            break
        text, count = repair_double_utf8(text)
        repaired += count
        if not count:
            break
    if repaired:
        found.append(f"{repaired} double-encoded UTF-8 sequences repaired")
    return Decoded(text, "utf-8", tuple(found))


def repair_double_utf8(text: str) -> tuple[str, int]:
    """Undo UTF-8 that was decoded as windows-1252 ('Ã©' → 'é'); return the text and the count."""
    if text.isascii():
        return text, 0
    count = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal count
        chunk = match.group()
        try:
            fixed = bytes(_byte_of(char) for char in chunk).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return chunk
        if not _PLAUSIBLE.match(fixed):
            return chunk
        count += 1
        return fixed

    return _MOJIBAKE.sub(fix, text), count


def _byte_of(char: str) -> int:
    """The windows-1252 byte that shows as a character (Latin-1 for the five undefined bytes)."""
    code = ord(char)
    if code < 0x100:
        return code
    return char.encode("cp1252")[0]


def _cp1252(escaped: str) -> str:
    """Bytes that surrogateescape kept, read as windows-1252."""
    return bytes(ord(c) - 0xDC00 for c in escaped).decode("cp1252", errors="replace")


def _mostly_utf8(text: str, invalid: int) -> bool:
    """True when valid multi-byte UTF-8 characters outnumber the bytes that are not UTF-8."""
    return len(_NON_ASCII.findall(text)) > invalid


def _drop_cut_sequence(raw: bytes) -> bytes:
    """Drop a multi-byte UTF-8 sequence cut off by the end of a truncated page."""
    tail = raw[-3:]
    for back in range(len(tail), 0, -1):
        byte = tail[-back]
        needed = (
            2
            if 0xC2 <= byte <= 0xDF
            else 3
            if 0xE0 <= byte <= 0xEF
            else 4
            if 0xF0 <= byte <= 0xF4
            else 0
        )
        if needed > back and all(0x80 <= b <= 0xBF for b in tail[-back + 1 :]):
            return raw[:-back]
    return raw


def _meta_charset(raw: bytes) -> str | None:
    """The charset a <meta> tag declares in the head of the page."""
    match = _META_CHARSET.search(raw[:8192])
    return match.group(1).decode("ascii", "ignore") if match else None


def _normalise(name: str | None) -> str | None:
    """A codec name in lower case, Latin-1 labels mapped to windows-1252 as browsers do."""
    if not name:
        return None
    name = name.strip().lower()
    if name in LATIN1_NAMES:
        return "cp1252"
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name

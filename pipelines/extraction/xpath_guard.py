"""trafilatura's regex attribute tests, rewritten to run only where they can match.

trafilatura tests class and id attributes with EXSLT regular expressions (``re:test(@id, …)``),
which lxml runs as a Python callback on every element an expression visits, whether or not the
element has the attribute, and hands the attribute over as a node-set (a list of smart strings,
each tied to its element). ``(@id and re:test(string(@id), …))`` skips the callback where the
attribute is missing and hands over a plain string where it is present. lxml's re:test reads a
node-set as its first node's text, as ``string()`` does, so both forms test the same text; the
guard selects the same elements whenever the pattern cannot match the empty string (a missing
attribute reads as ""), which is checked for each test; a test that could is left as it is.
Where every match of a case-sensitive pattern holds one of a few strings, the guard is
``contains()`` of those strings instead, which excludes the missing attribute too.
Each guarded test then runs as an extension function of its own (``nf:match3(string(@id))``,
see ``match_test``): the same search with the same flags, without the pattern handed over on each
call, and answered without the regex when the value holds none of the strings every match holds.

trafilatura keeps its expressions in module attributes, so the swap holds for the whole process:
``XPATH_GUARD.apply()`` makes it once, and keeps it only when it replaced expressions of the
installed trafilatura and each replacement selects what the original selects on a sample page.
Otherwise (or on any error) trafilatura's own expressions stay, one warning says why, and
extraction runs unguarded: slower, with the same output.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

try:  # the parser behind re.compile: private, so a Python without it runs unguarded
    from re import _constants, _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _constants = _parser = None

import lxml.html
from lxml import etree

logger = logging.getLogger(__name__)

REGEXP_NS = "http://exslt.org/regular-expressions"
MATCH_NS = "urn:newsfold:match"
# The modules of trafilatura that hold regex-testing expressions (others may, once loaded).
MODULES = (
    "trafilatura.baseline",
    "trafilatura.core",
    "trafilatura.external",
    "trafilatura.metadata",
)
# re:test over attributes only (``@id``, ``@id|@class``), its pattern in single quotes, an
# optional 'i' flag: the form trafilatura writes; anything else (a guarded test among them, whose
# first argument is string(...)) is left alone.
_ATTRIBUTES = r"(@[\w-]+(?:\s*\|\s*@[\w-]+)*)"
_PATTERN_AND_FLAGS = r",\s*'([^']*)'(?:,\s*'(i?)')?\)"
_RE_TEST = re.compile(rf"re:test\({_ATTRIBUTES}{_PATTERN_AND_FLAGS}")
# A guarded test, as guarded() writes it and compiled() turns into an extension function.
_GUARDED_TEST = re.compile(rf"re:test\(string\({_ATTRIBUTES}\){_PATTERN_AND_FLAGS}")
_MATCH_CALL = re.compile(rf"nf:match(\d+)\(string\({_ATTRIBUTES}\)\)")
# Prefixes other than re: would need namespaces this module cannot see on a compiled XPath.
_PREFIX = re.compile(r"\b([A-Za-z_][\w.-]*):(?![:/])(?=[A-Za-z_*])")
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
# A case-sensitive pattern whose every match holds one of a few strings of this length is tested
# only where the attribute contains one of them (contains() runs in C).
PREFILTER_MIN_CHARS, PREFILTER_MAX_STRINGS = 3, 4
# Patterns whose strings the private parser must read as shown before the guard relies on it.
PARSER_CHECKS = {"^shar|social": ["shar", "social"], "x{3}(?:abc)": ["abc"]}
# The sample page each guarded expression is checked on: tags trafilatura looks at, with words
# its patterns look for in class, id and style, near misses, empty and non-ASCII values.
SAMPLE_TAGS = ("div", "section", "article", "aside", "p", "span", "ul", "li", "h2", "footer")
SAMPLE_VALUES = (
    "",
    "x",
    "cookie-banner",
    "cookİe-notice",
    "coo\u212aie-consent",
    "article-content",
    "post-text",
    "story-body",
    "primary",
    "content-main",
    "comment-list",
    "Comments",
    "Commentary",
    "dsq-comments",
    "mvp-post-add-box",
    "infinite-scroll",
    "share-bar",
    "main-nav",
    "footer link",
    "linked",
    "bottom",
    "x ad y",
    "display: hidden",
    "hide-print",
    "reply-1",
    "author-name",
    "Author byline",
    "post-meta",
    "tag-list",
    "post-title",
)


def guarded(path: str) -> str:
    """The expression with each regex test on attributes that cannot match "" made conditional."""

    def guard(match: re.Match[str]) -> str:
        attributes, pattern, flags = match.groups()
        try:
            empty_matches = re.search(pattern, "", re.IGNORECASE if flags else 0) is not None
        except re.error:
            return match.group(0)
        if empty_matches:
            return match.group(0)
        rest = match.group(0)[len("re:test(") + len(attributes) :]
        test = f"re:test(string({attributes}){rest}"
        needed = prefilter_strings(pattern, bool(flags))
        if needed:
            held = " or ".join(f"contains({attributes}, '{text}')" for text in needed)
            return f"(({held}) and {test})"
        return f"({attributes} and {test})"

    return _RE_TEST.sub(guard, path)


def required_strings(pattern: str) -> list[str] | None:
    """A few strings one of which every match of a case-sensitive ``pattern`` holds, or None."""
    found = match_strings(pattern)
    return found if found and len(found) <= PREFILTER_MAX_STRINGS else None


def prefilter_strings(pattern: str, ignore_case: bool) -> list[str] | None:
    """The strings ``guarded`` tests with ``contains()`` before the regex, or None."""
    needed = None if ignore_case else required_strings(pattern)
    return needed if needed and not any("'" in text for text in needed) else None


def match_strings(pattern: str, ignore_case: bool = False) -> list[str] | None:
    """Strings one of which every match of ``pattern`` holds, lowercased if it ignores case.

    None when no such set is known, or ``pattern`` ignores case by an inline flag and
    ``ignore_case`` is not given. Case-insensitive strings must be ASCII: in an ASCII value,
    lowercasing is the regex's case folding.
    """
    if _parser is None:  # pragma: no cover
        return None
    try:
        parsed = _parser.parse(pattern)
        found = _strings(list(parsed))
    except (re.error, RecursionError):
        return None
    if not found or (parsed.state.flags & re.IGNORECASE and not ignore_case):
        return None
    if ignore_case:
        if not all(text.isascii() for text in found):
            return None
        found = [text.lower() for text in found]
    # a string holding another is implied by it
    return sorted({t for t in found if not any(o != t and o in t for o in found)})


def _strings(items: list[tuple[object, object]]) -> list[str] | None:
    """The fewest, then longest, strings one of which every match of a parsed sequence holds."""
    options: list[list[str]] = []
    run = ""
    for op, arg in items:
        if op is _constants.LITERAL:
            run += chr(arg)  # type: ignore[arg-type]
            continue
        if run:
            options.append([run])
            run = ""
        if op is _constants.BRANCH:
            branches = [_strings(list(alt)) for alt in arg[1]]  # type: ignore[index]
            if all(branches):
                options.append(sorted({t for b in branches if b for t in b}))
        elif op is _constants.SUBPATTERN and not arg[1]:  # type: ignore[index]
            inner = _strings(list(arg[3]))  # type: ignore[index]
            if inner:
                options.append(inner)
        # anything else (classes, repeats, anchors, lookarounds) ends a run of literals
    if run:
        options.append([run])
    usable = [o for o in options if min(map(len, o)) >= PREFILTER_MIN_CHARS]
    return min(usable, key=lambda o: (len(o), -min(map(len, o)))) if usable else None


def match_test(pattern: str, ignore_case: bool) -> Callable[[object, str], bool]:
    """One guarded ``re:test`` as an extension function: lxml's search, after a string check.

    lxml's ``re:test`` searches ``re.compile(pattern, re.IGNORECASE if 'i' else 0)``; so does
    this. A value holding none of the strings every match holds (``match_strings``) cannot
    match, and is answered without the search, unless the expression's ``contains()`` already
    checked them (``prefilter_strings``). The value is a string: the test reads ``string(@…)``.
    """
    search = re.compile(pattern, re.IGNORECASE if ignore_case else 0).search
    prefiltered = prefilter_strings(pattern, ignore_case) is not None
    held = () if prefiltered else tuple(match_strings(pattern, ignore_case) or ())
    if not held:
        return lambda context, value: search(value) is not None
    if not ignore_case:
        return lambda context, value: (
            any(text in value for text in held) and search(value) is not None
        )

    def test(context: object, value: str) -> bool:
        # a non-ASCII value folds case beyond lower(): only the search can tell
        if value.isascii():
            lowered = value.lower()
            if not any(text in lowered for text in held):
                return False
        return search(value) is not None

    return test


Test = Callable[[object, str], bool]
Functions = dict[tuple[str, str], Test]


class MatchFunctions:
    """Guarded tests as numbered extension functions, ``nf:match<number>(string(@…))``."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, bool], int] = {}
        self._tests: list[tuple[str, bool, Test]] = []

    def compiled(self, path: str) -> tuple[str, Functions]:
        """A guarded expression with its tests as extension functions, and those functions."""
        functions: Functions = {}

        def call(match: re.Match[str]) -> str:
            attributes, pattern, flags = match.groups()
            key = (pattern, bool(flags))
            number = self._numbers.get(key)
            if number is None:
                number = self._numbers[key] = len(self._tests)
                self._tests.append((pattern, bool(flags), match_test(pattern, bool(flags))))
            functions[(MATCH_NS, f"match{number}")] = self._tests[number][2]
            return f"nf:match{number}(string({attributes}))"

        return _GUARDED_TEST.sub(call, path), functions

    def readable(self, path: str) -> str:
        """A compiled expression with its tests written out again as ``re:test``."""

        def test(match: re.Match[str]) -> str:
            pattern, ignore_case, _ = self._tests[int(match.group(1))]
            flags = ", 'i'" if ignore_case else ""
            return f"re:test(string({match.group(2)}), '{pattern}'{flags})"

        return _MATCH_CALL.sub(test, path)


@dataclass(frozen=True)
class GuardStatus:
    """Whether trafilatura's expressions run guarded in this process, and if not, why."""

    replaced: int = 0  # expressions in trafilatura's modules swapped for their guarded form
    failure: str | None = None  # why trafilatura's own expressions stay, when the guard failed

    @property
    def on(self) -> bool:
        """True when trafilatura runs with the guarded expressions."""
        return self.replaced > 0


@dataclass(frozen=True)
class _Swap:
    """One expression of trafilatura's replaced: where it is held, and both forms."""

    holder: ModuleType | list[object]  # a module, or a list shared between modules
    key: str | int
    original: etree.XPath
    guarded: etree.XPath

    def held(self) -> object:
        """What the holder holds there now."""
        if isinstance(self.holder, list):
            return self.holder[int(self.key)]
        return getattr(self.holder, str(self.key), None)

    def put(self, xpath: etree.XPath) -> None:
        """Hold ``xpath`` there instead."""
        if isinstance(self.holder, list):
            self.holder[int(self.key)] = xpath
        else:
            setattr(self.holder, str(self.key), xpath)

    def undo(self) -> bool:
        """Put the original back where the guarded form still is; whether it was."""
        if self.held() is not self.guarded:
            return False
        self.put(self.original)
        return True


class TrafilaturaGuard:
    """Swaps trafilatura's regex-testing expressions for guarded ones, where that is safe."""

    def __init__(self, modules: tuple[str, ...] = MODULES) -> None:
        self.modules = modules
        self.functions = MatchFunctions()
        self._guarded: dict[str, etree.XPath] = {}  # an original's path -> its guarded form
        self._originals: dict[str, etree.XPath] = {}  # a guarded form's path -> the original
        self._swaps: list[_Swap] = []
        self._checked: set[str] = set()  # paths whose guarded form passed the sample check
        self._status: GuardStatus | None = None
        self._lock = threading.Lock()  # extractors may be built in several threads

    def apply(self) -> GuardStatus:
        """Guard trafilatura's expressions, once: what this process runs with. Never raises."""
        with self._lock:
            if self._status is None:
                self._status = self._apply()
            return self._status

    def restore(self) -> int:
        """Put trafilatura's own expressions back; how many. ``apply()`` guards them again."""
        with self._lock:
            self._status = None
            return self._undo()

    def original(self, xpath: etree.XPath) -> etree.XPath:
        """The trafilatura expression a guarded one replaced, or the expression itself."""
        return self._originals.get(xpath.path, xpath)

    def readable(self, path: str) -> str:
        """A guarded expression with its tests written out as ``re:test``."""
        return self.functions.readable(path)

    def _apply(self) -> GuardStatus:
        """Swap and check; on any failure put everything back and say why, once."""
        try:
            failure = parser_failure() or self._swap() or self._check()
        except Exception as exc:  # a trafilatura or a Python this module was not written for
            failure = f"{type(exc).__name__}: {exc}"
        if failure is None:
            return GuardStatus(replaced=len(self._swaps))
        self._undo()
        logger.warning(
            "trafilatura's XPath guard is off (%s); extraction runs with trafilatura's own "
            "expressions: slower, the same output",
            failure,
        )
        return GuardStatus(failure=failure)

    def _swap(self) -> str | None:
        """Replace each expression trafilatura's loaded modules hold; why not, if none was."""
        for name in self.modules:  # loaded before they are walked
            importlib.import_module(name)
        for name, module in list(sys.modules.items()):
            if name != "trafilatura" and not name.startswith("trafilatura."):
                continue
            for attr, value in list(vars(module).items()):
                if isinstance(value, etree.XPath):
                    self._replace(module, attr, value)
                elif isinstance(value, list):  # shared between modules: changed in place
                    for index, item in enumerate(value):
                        if isinstance(item, etree.XPath):
                            self._replace(value, index, item)
        if not self._swaps:
            return "no regex test of the installed trafilatura was rewritten"
        return None

    def _replace(
        self, holder: ModuleType | list[object], key: str | int, xpath: etree.XPath
    ) -> None:
        """Swap one expression for its guarded form, where it has one, and record it."""
        new = self._guard(xpath)
        if new is xpath:
            return
        swap = _Swap(holder, key, xpath, new)
        self._swaps.append(swap)
        swap.put(new)

    def _guard(self, xpath: etree.XPath) -> etree.XPath:
        """The guarded form of one expression, or the expression itself when nothing changes."""
        found = self._guarded.get(xpath.path)
        if found is not None:
            return found
        path = guarded(xpath.path)
        if path == xpath.path or set(_PREFIX.findall(_LITERAL.sub("''", path))) - {"re"}:
            return xpath
        path, functions = self.functions.compiled(path)
        try:
            found = etree.XPath(
                path, namespaces={"re": REGEXP_NS, "nf": MATCH_NS}, extensions=functions
            )
        except etree.XPathError as exc:  # left as it is: slower, never wrong
            logger.debug("left an XPath unguarded (%s): %s", exc, xpath.path)
            return xpath
        self._guarded[xpath.path], self._originals[path] = found, xpath
        return found

    def _check(self) -> str | None:
        """Why a guarded expression cannot stand in for its original on the sample page, if so."""
        unchecked = [swap for swap in self._swaps if swap.original.path not in self._checked]
        if not unchecked:
            return None
        page = sample_page()
        for swap in unchecked:
            if swap.original.path in self._checked:  # held by two modules
                continue
            if not same_result(swap.original(page), swap.guarded(page)):
                path = " ".join(swap.original.path.split())
                return f"the guarded form of {path[:100]!r}... selects other elements"
            self._checked.add(swap.original.path)
        return None

    def _undo(self) -> int:
        """Put back every original this guard swapped out that is still swapped; how many."""
        restored = sum(swap.undo() for swap in reversed(self._swaps))
        self._swaps.clear()
        return restored


# trafilatura's expressions are module attributes, shared by the whole process: so is the one
# object that swaps them.
XPATH_GUARD = TrafilaturaGuard()


def parser_failure() -> str | None:
    """Why ``match_strings`` cannot rely on the private ``re._parser`` here, if it cannot."""
    if _parser is None or _constants is None:
        return "re._parser is missing from this Python"
    for pattern, strings in PARSER_CHECKS.items():
        if match_strings(pattern) != strings:
            return f"re._parser reads {pattern!r} in a way this module does not know"
    return None


def sample_page() -> lxml.html.HtmlElement:
    """A page with each sample value as the class, the id or the style of each sample tag."""
    parts = []
    for tag in SAMPLE_TAGS:
        for number, value in enumerate(SAMPLE_VALUES):
            other = SAMPLE_VALUES[(number + 7) % len(SAMPLE_VALUES)]
            parts.append(f'<{tag} class="{value}"><a href="/" id="{other}">{value}</a></{tag}>')
            parts.append(f'<{tag} id="{value}" class="{other}" style="{value}">text</{tag}>')
        parts.append(f"<{tag}>text <{tag} class>text</{tag}></{tag}>")
    return lxml.html.fromstring(f"<html><body>{''.join(parts)}</body></html>")


def same_result(before: object, after: object) -> bool:
    """Whether two XPath results are the same nodes (or the same value)."""
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(
            old is new or old == new for old, new in zip(before, after, strict=True)
        )
    return before == after

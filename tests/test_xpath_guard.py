"""trafilatura's expressions, guarded, select what the originals select."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator

import lxml.html
import pytest
import trafilatura
from lxml import etree

from benchmarks import paired, scoring
from config.loader import load_config
from crawler.demo.sites import load_publishers
from pipelines.extraction import extractor, xpath_guard
from pipelines.extraction.extractor import Extractor
from pipelines.extraction.xpath_guard import (
    XPATH_GUARD,
    MatchFunctions,
    TrafilaturaGuard,
    guarded,
    match_strings,
    match_test,
    required_strings,
)
from pipelines.prepare import Preparer

_ATTRS = r"@[\w-]+(?:\s*\|\s*@[\w-]+)*"
# A guard as guarded() writes it, to take off again: "(ATTRS and re:test(string(ATTRS), ...))",
# or "((contains(ATTRS, 'x') or ...) and re:test(string(ATTRS), ...))".
_GUARD = re.compile(
    rf"\((?:{_ATTRS}|\(contains\({_ATTRS}, '[^']*'\)(?: or contains\({_ATTRS}, '[^']*'\))*\))"
    rf" and re:test\(string\(({_ATTRS})\)(,\s*'[^']*'(?:,\s*'i?')?\))\)"
)
# Every eighth published page: enough markup variety, a few seconds.
BENCH_STEP = 8


def unguarded(path: str) -> str:
    """The expression as trafilatura wrote it."""
    return _GUARD.sub(lambda m: f"re:test({m.group(1)}{m.group(2)}", path)


def trafilatura_expressions() -> dict[str, etree.XPath]:
    """Every regex-testing expression trafilatura's modules hold now, by its path."""
    found: dict[str, etree.XPath] = {}
    for name, module in list(sys.modules.items()):
        if name == "trafilatura" or name.startswith("trafilatura."):
            for value in vars(module).values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, etree.XPath) and (
                        "re:test(" in item.path or "nf:match" in item.path
                    ):
                        found[item.path] = item
    return found


def fixture_pages() -> Iterator[bytes]:
    """The demo publishers' pages, and every eighth published benchmark page where present."""
    for publisher in load_publishers().values():
        for page in publisher.pages:
            yield publisher.render(page, "http://127.0.0.1:8000").html.encode()
    root = scoring.default_benchdata_root()
    if scoring.missing_reason(root, scoring.AEB_DIR) is None:
        for aeb in scoring.load_aeb_pages(root)[::BENCH_STEP]:
            yield scoring.read_gzip_bytes(aeb.html_path)
    if scoring.missing_reason(root, scoring.TRAFEVAL_DIR) is None:
        for page in scoring.load_trafeval_pages(root)[::BENCH_STEP]:
            yield scoring.read_gzip_bytes(page.html_path)


def test_a_test_on_attributes_runs_only_where_one_is_present() -> None:
    path = ".//div[re:test(@id, '^shar|social') or re:test(@id|@class, 'cookie', 'i')]"
    assert guarded(path) == (
        ".//div[((contains(@id, 'shar') or contains(@id, 'social')) and "
        "re:test(string(@id), '^shar|social')) or "
        "(@id|@class and re:test(string(@id|@class), 'cookie', 'i'))]"
    )
    assert guarded(guarded(path)) == guarded(path)
    assert unguarded(guarded(path)) == path
    # each guarded test runs as an extension function of its own, which reads back as the test
    tests = MatchFunctions()
    functions_path, functions = tests.compiled(guarded(path))
    assert "re:test(" not in functions_path and len(functions) == 2
    assert tests.readable(functions_path) == guarded(path)


@pytest.mark.parametrize(
    "path",
    [
        ".//div[re:test(@class, 'nav|')]",  # an empty branch matches a missing attribute
        ".//div[re:test(@class, '^(?:ad)?$')]",
        ".//p[re:test(text(), 'Read more')]",  # not an attribute
        './/p[re:test(@class, "share")]',  # a literal in double quotes: not the form handled
    ],
)
def test_tests_that_could_change_meaning_are_left_alone(path: str) -> None:
    assert guarded(path) == path


@pytest.mark.parametrize(
    ("pattern", "strings"),
    [
        ("^(?:[Cc]omment(?!ary)|comol|dsq-comments)", ["comol", "omment"]),  # one holds another
        ("mvp-post-add-(?:box|wrap)|infinite-?scroll", ["infinite", "mvp-post-add-"]),
        ("x{3}abc", ["abc"]),
        ("ab|cd", None),  # too short to be worth a test
        ("nav|menu|bar|foot|side", None),  # too many
        ("(?i)cookie", None),  # case-insensitive
        ("(?i:cookie)", None),
        ("[Cc]ookie", ["ookie"]),
        (r"\bad\b", None),
    ],
)
def test_the_strings_every_match_holds(pattern: str, strings: list[str] | None) -> None:
    assert required_strings(pattern) == strings
    for text in ("comment", "comol-x", "a-infinitescroll", "xxxabc", "Cookie"):
        if strings and re.search(pattern, text):
            assert any(s in text for s in strings)


@pytest.mark.parametrize(
    ("pattern", "ignore_case", "strings"),
    [
        # the parser takes the branches' common "c" out: their strings are what follows it
        ("cookie[-_]?banner|consent|cmplz", True, ["banner", "mplz", "onsent"]),
        ("Cookie|ONETRUST", True, ["cookie", "onetrust"]),
        ("(?i)cookie", True, ["cookie"]),
        ("(?i)cookie", False, None),  # case-insensitive by its own flag
        ("cookie|ſhare", True, None),  # folds to ASCII letters beyond lower()
        ("^shar|social|viral|newsletter", False, ["newsletter", "shar", "social", "viral"]),
    ],
)
def test_the_strings_a_match_holds_of_any_number_and_case(
    pattern: str, ignore_case: bool, strings: list[str] | None
) -> None:
    assert match_strings(pattern, ignore_case) == strings


@pytest.mark.parametrize(
    ("pattern", "ignore_case"),
    [
        ("cookie[-_]?(?:banner|consent)|notice[-_]{0,2}cookie|cmplz", True),
        ("^shar|social|[Aa]uthor|bread-?crumb|nav", False),
        ("hidden", False),
        ("(^|\\s)link(\\s|$)", False),
        ("a|", False),  # matches "": no strings to check
    ],
)
def test_a_test_function_answers_as_the_regex(pattern: str, ignore_case: bool) -> None:
    test = match_test(pattern, ignore_case)
    values = [
        "",
        "cookie-banner",
        "COOKIE_Consent x",
        "site-notice--cookie",
        "cmplz-wrap",
        "coo kie",
        "cookİe-banner",  # dotted capital I folds to i in the regex, not in lower()
        "coo\u212aie-banner",  # the Kelvin sign folds to k
        "share-bar",
        "post-author",
        "Author byline",
        "breadcrumb",
        "main-nav",
        "is-hidden",
        "link",
        "footer link",
        "linked",
        "x",
    ]
    flags = re.IGNORECASE if ignore_case else 0
    for value in values:
        assert test(None, value) == (re.search(pattern, value, flags) is not None), value


def test_the_extractor_guards_trafilatura_once_for_the_process() -> None:
    status = Extractor().guard
    assert status.on and status.replaced >= 15 and status.failure is None
    expressions = trafilatura_expressions()
    assert len(expressions) >= 15
    assert all(" and nf:match" in path for path in expressions)
    assert all(" and re:test(string(" in XPATH_GUARD.readable(path) for path in expressions)
    # the next extractor finds it done: the same status, the same expressions
    assert Extractor().guard is status and XPATH_GUARD.apply() is status
    assert trafilatura_expressions() == expressions


def test_guarded_expressions_select_the_same_elements() -> None:
    Extractor()
    pairs = [(XPATH_GUARD.original(new), new) for new in trafilatura_expressions().values()]
    assert all(old is not new for old, new in pairs)
    assert all("nf:match" not in old.path for old, _ in pairs)
    pages = selected = 0
    for html in fixture_pages():
        tree = lxml.html.fromstring(html)
        pages += 1
        for old, new in pairs:
            before, after = old(tree), new(tree)
            assert after == before, f"{new.path!r} differs on page {pages}"
            selected += len(before) if isinstance(before, list) else 0
    assert pages >= 15 and selected > pages  # the expressions did select things


def test_trafilatura_s_own_expressions_can_be_put_back() -> None:
    Extractor()
    guarded_forms = trafilatura_expressions()
    try:
        assert XPATH_GUARD.restore() > 0
        restored = trafilatura_expressions()
        assert not any("nf:match" in path for path in restored)
        assert {XPATH_GUARD.original(x).path for x in guarded_forms.values()} == set(restored)
        assert XPATH_GUARD.restore() == 0
    finally:
        assert XPATH_GUARD.apply().replaced > 0
    assert trafilatura_expressions() == guarded_forms


def test_the_paired_benchmark_times_bare_trafilatura_with_its_own_expressions() -> None:
    pages = [("https://example.com/a", html) for html in list(fixture_pages())[:25]]
    seen: list[bool] = []

    def bare(html: bytes) -> None:
        seen.append(any("nf:match" in path for path in trafilatura_expressions()))
        trafilatura.extract(html)

    result = paired.measure(pages, bare)
    assert result.pages == len(pages) and seen and not any(seen)
    assert all(" and nf:match" in path for path in trafilatura_expressions())


@pytest.fixture
def own_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[TrafilaturaGuard]:
    """A guard of the test's own for the extractors it builds, from trafilatura's expressions."""
    XPATH_GUARD.restore()
    guard = TrafilaturaGuard()
    monkeypatch.setattr(extractor, "XPATH_GUARD", guard)
    yield guard
    guard.restore()
    monkeypatch.undo()  # the test's breakage first, so that the process guards as it did
    assert XPATH_GUARD.apply().on


def sample_texts(guard_xpath: bool = True) -> list[str]:
    """The text extracted from a few fixture pages."""
    pages = list(fixture_pages())[:6]
    found = Extractor(guard_xpath=guard_xpath)
    return [found.extract(html, "https://example.com/a").text for html in pages]


def test_switched_off_by_config_trafilatura_s_own_expressions_run() -> None:
    guarded_texts = sample_texts()
    config = load_config(env={}, overrides={"crawl.guard_xpath": False})
    try:
        preparer = Preparer(config)
        assert not preparer.extractor.guard.on and preparer.extractor.guard.failure is None
        expressions = trafilatura_expressions()
        assert expressions and not any("nf:match" in path for path in expressions)
        pages = list(fixture_pages())[:6]
        texts = [preparer.extractor.extract(html, "https://example.com/a").text for html in pages]
        assert texts == guarded_texts
    finally:
        assert Extractor().guard.on
    assert load_config(env={}).crawl.guard_xpath


def _raises_on_the_sixth(real: Callable[[str], str]) -> Callable[[str], str]:
    """``guarded`` that fails after five expressions, with some already swapped."""
    calls = []

    def fails(path: str) -> str:
        calls.append(path)
        if len(calls) > 5:
            raise RuntimeError("trafilatura wrote something new")
        return real(path)

    return fails


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        ("raises", "RuntimeError: trafilatura wrote something new"),
        ("selects other elements", "selects other elements"),
        ("rewrites nothing", "no regex test of the installed trafilatura was rewritten"),
        ("no re._parser", "re._parser is missing"),
    ],
)
def test_a_guard_that_fails_leaves_trafilatura_s_own_expressions_and_warns_once(
    breakage: str,
    reason: str,
    own_guard: TrafilaturaGuard,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    own = trafilatura_expressions()
    assert own and not any("nf:match" in path for path in own)
    own_texts = sample_texts(guard_xpath=False)
    real = xpath_guard.guarded
    if breakage == "raises":
        monkeypatch.setattr(xpath_guard, "guarded", _raises_on_the_sixth(real))
    elif breakage == "selects other elements":
        monkeypatch.setattr(xpath_guard, "guarded", lambda p: real(p).replace("cookie", "biscuit"))
    elif breakage == "rewrites nothing":
        monkeypatch.setattr(xpath_guard, "guarded", lambda p: p)
    else:
        monkeypatch.setattr(xpath_guard, "_parser", None)
    with caplog.at_level(logging.WARNING, logger=xpath_guard.__name__):
        status = Extractor().guard
        assert Extractor().guard is status  # tried once: one warning
    assert not status.on and status.failure and reason in status.failure
    warnings = [r for r in caplog.records if r.name == xpath_guard.__name__]
    assert len(warnings) == 1 and reason in warnings[0].getMessage()
    assert "trafilatura's own expressions" in warnings[0].getMessage()
    now = trafilatura_expressions()
    assert now == own and all(now[path] is own[path] for path in own)
    assert sample_texts() == own_texts


def test_the_guard_checks_each_replacement_on_a_sample_page(own_guard: TrafilaturaGuard) -> None:
    status = own_guard.apply()
    assert status.on and status.replaced >= 15
    page = xpath_guard.sample_page()
    selected = 0
    for new in trafilatura_expressions().values():
        before = own_guard.original(new)(page)
        assert xpath_guard.same_result(before, new(page))
        selected += len(before) if isinstance(before, list) else 0
    assert selected > 100  # the sample exercises the expressions

"""newsfold report: the HTML it writes, escaped, and the same pages rendered in headless Chromium.

The browser tests drive Debian's ``chromium`` with Playwright over file:// URLs, on a real demo
store; they are skipped, saying why, only where no Chromium binary is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.records import synthetic_record
from config.schema import FoldConfig
from crawler.cli import main
from crawler.report import svg
from pipelines.folding.batches import ingest
from pipelines.folding.folder import Folder
from storage import open_storage
from storage.base import SourceHealth

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))
CHROMIUM = os.environ.get("NEWSFOLD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_TITLE = "<script>window.__pwned = 1</script>Helix Labs raises $640 million"
HOSTILE_SITE = '<img src=x onerror="window.__pwned = 2">Wire'
WORDS = (
    "Helix Labs raised six hundred and forty million dollars on Tuesday to scale production of "
    "its inference chips as the cost of serving large language models keeps rising for cloud "
    "providers and startups alike according to people familiar with the round"
)
OTHER = (
    "Meridian Cloud plans a gigawatt data centre campus in Texas powered by its own gas turbines "
    "the company said on Friday as demand for training capacity outruns what the regional grid "
    "can deliver over the next three years"
)


def put(storage: Any, folder: Folder, url: str, site: str, title: str, text: str, at: str) -> None:
    """Fold one page into the store as a crawl would."""
    fp = folder.fingerprinter.fingerprint(text, title)
    record, sighting = synthetic_record(url, site, title, text, at, fp, doc_id=url)
    ingest(storage, folder, record, sighting, fp)


@pytest.fixture
def hostile_store(store_url: str) -> str:
    """A store on each backend whose headlines, site names, URLs and source errors carry markup
    and script."""
    db = store_url
    storage = open_storage(db)
    folder = Folder(FoldConfig())
    try:
        at = "2026-11-17T17:42:00+00:00"
        put(storage, folder, "javascript:window.__pwned=3", HOSTILE_SITE, HOSTILE_TITLE, WORDS, at)
        put(
            storage,
            folder,
            "https://copy.example/helix",
            "Copy & Co",
            "A copy",
            WORDS,
            at[:11] + "19:00:00+00:00",
        )
        put(
            storage,
            folder,
            "https://other.example/texas",
            "Other",
            "Texas campus",
            OTHER,
            "2026-11-20T09:00:00+00:00",
        )
        storage.save_source_health(
            [
                SourceHealth(
                    source="<b>bad</b>",
                    first_polled=at,
                    last_polled=at,
                    consecutive_failures=1,
                    last_error="<script>window.__pwned = 4</script>",
                )
            ]
        )
    finally:
        storage.close()
    return db


def report(db: str, output: Path, *extra: str) -> int:
    """``newsfold report`` in this process."""
    return main(["report", "--db", db, "--output", str(output), *extra])


# ---- the HTML, without a browser


def test_text_from_the_web_is_escaped_and_only_http_urls_are_links(
    hostile_store: str, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    assert report(hostile_store, out) == 0
    pages = [out / "index.html", *sorted((out / "stories").glob("*.html"))]
    assert len(pages) == 3  # the index and two stories: the copy folded into the original
    html = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;Helix Labs" in html
    assert "&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;Wire" in html
    assert "&lt;b&gt;bad&lt;/b&gt;" in html and "&lt;script&gt;window.__pwned = 4" in html
    assert "<script>window" not in html and "<img" not in html and "<b>" not in html
    # The original's javascript: URL is text only; the copy's https URL is a link.
    assert not re.search(r'href="\s*javascript', html, re.IGNORECASE)
    assert 'href="https://copy.example/helix"' in html
    assert "Copy &amp; Co" in html


def test_since_leaves_out_older_stories(hostile_store: str, tmp_path: Path) -> None:
    assert report(hostile_store, tmp_path / "all") == 0
    assert report(hostile_store, tmp_path / "late", "--since", "2026-11-19") == 0
    assert len(list((tmp_path / "all" / "stories").iterdir())) == 2
    late = [p.name for p in (tmp_path / "late" / "stories").iterdir()]
    assert len(late) == 1
    assert "Texas campus" in (tmp_path / "late" / "stories" / late[0]).read_text()


def test_an_earlier_report_is_replaced_and_any_other_folder_refused(
    hostile_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert report(hostile_store, out) == 0
    stale = out / "stories" / "999.html"
    stale.write_text("an old story")
    assert report(hostile_store, out) == 0
    assert not stale.exists() and (out / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert report(hostile_store, mine) == 2
    assert "not a newsfold report" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_day_chart_keeps_empty_days_on_the_axis_and_stacks_series() -> None:
    chart = svg.day_chart(
        "c", [("2026-11-17", "funding"), ("2026-11-17", "launch"), ("2026-11-20", "funding")], "x"
    )
    bars = re.findall(r'<rect class="bar"[^>]*data-day="([\d-]+)"[^>]*data-count="(\d+)"', chart)
    assert bars == [("2026-11-17", "1"), ("2026-11-17", "1"), ("2026-11-20", "1")]
    # Four day slots (17 to 20), labelled; the two empty days get no bar.
    assert [d for d in ("11-17", "11-18", "11-19", "11-20") if f">{d}</text>" in chart] == [
        "11-17",
        "11-18",
        "11-19",
        "11-20",
    ]


def test_graph_points_copies_at_their_article_and_rewrites_at_the_story_original() -> None:
    def event(role: str, article: int, site: str) -> dict[str, Any]:
        return {"role": role, "article_id": article, "site": site, "title": site}

    events = [
        event("original", 1, "A"),
        event("copy", 1, "B"),
        event("rewrite", 2, "C"),
        event("copy", 2, "D"),
    ]
    nodes = svg.graph_nodes(events)
    assert [(n["target"], n["column"]) for n in nodes] == [(None, 0), (0, 1), (0, 1), (2, 2)]


# ---- in headless Chromium


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A demo store, its report, and what the store says the report must show."""
    folder = tmp_path_factory.mktemp("report")
    db = str(folder / "newsfold.db")
    crawl = subprocess.run(
        [NEWSFOLD, "demo", "--db", db, "--no-progress"],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
    )
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert report(db, folder / "report") == 0
    storage = open_storage(db, create=False)
    try:
        summaries = storage.story_summaries(limit=1000)
        # What each filter must leave, as the store's own filters answer.
        filtered = {
            ("site", name): storage.story_summaries(site=name, limit=1000)
            for name in {s["first_site"] for s in summaries}
        }
        for org in {o for s in summaries for o in s["organisations"]}:
            filtered["org", org] = storage.story_summaries(org=org, limit=1000)
        for kind in {e for s in summaries for e in s["events"]}:
            filtered["event", kind] = storage.story_summaries(event=kind, limit=1000)
    finally:
        storage.close()
    return {"dir": folder / "report", "stories": summaries, "filtered": filtered}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright; closed whatever the tests do."""
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium) to render the report")
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).is_file() else str(shutil.which("chromium"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Visit:
    """A page opened over file://, with every request, failure and error it caused."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri(), wait_until="load")

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def assert_clean(self) -> None:
        """Nothing failed, nothing complained, nothing left the report's folder."""
        assert self.errors == [] and self.failed == []
        assert self.requests and all(u.startswith("file://") for u in self.requests)

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    """Open pages in fresh browser contexts, closed after the test."""
    opened: list[Visit] = []

    def open_page(path: Path) -> Visit:
        opened.append(Visit(browser, path))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


@pytest.mark.slow
def test_index_renders_its_chart_and_filters_in_chromium(
    demo_report: dict[str, Any], visit: Any, tmp_path: Path
) -> None:
    stories = demo_report["stories"]
    index = visit(demo_report["dir"] / "index.html")
    index.assert_clean()
    days = {s["day"] for s in stories}
    assert index.count("#chart-days rect.bar") == len(days) >= 3
    counts = index.page.eval_on_selector_all(
        "#chart-days rect.bar", "bars => bars.map(b => Number(b.dataset.count))"
    )
    assert sum(counts) == len(stories)
    heights = index.page.eval_on_selector_all(
        "svg.chart rect.bar", "bars => bars.map(b => b.getBoundingClientRect().height)"
    )
    assert min(heights) > 0
    # By event type: a story counts under each kind it reports, or under "no event found".
    kinds = [(s["day"], e) for s in stories for e in s["events"] or ["none"]]
    events = index.page.eval_on_selector_all(
        "#chart-events rect.bar", "bars => bars.map(b => [b.dataset.day, Number(b.dataset.count)])"
    )
    assert len(events) == len(set(kinds)) and sum(c for _, c in events) == len(kinds)
    assert len({e for s in stories for e in s["events"]}) >= 5
    # By organisation: at most eight series, the organisation named by most stories among them.
    orgs = Counter(o for s in stories for o in s["organisations"])
    series = set(
        index.page.eval_on_selector_all(
            "#chart-orgs rect.bar", "bars => bars.map(b => b.dataset.series)"
        )
    )
    assert 1 < len(series) <= 8 and orgs.most_common(1)[0][0] in series <= set(orgs)
    rows = "#story-table tbody tr.story"
    assert index.count(rows) == len(stories)
    assert index.count("#source-table tbody tr") >= 4  # the demo's four publishers at least

    index.page.fill("#filter-text", "helix")
    helix = sum("helix" in s["title"].lower() for s in stories)
    assert index.count(f"{rows}:visible") == helix >= 1
    assert index.page.inner_text("#shown") == f"{helix} of {len(stories)} stories"
    index.page.fill("#filter-text", "")
    for (what, value), expected in demo_report["filtered"].items():
        select = f"#filter-{what}"
        index.page.select_option(select, value)
        shown = index.page.eval_on_selector_all(
            f"{rows}:visible", "rows => rows.map(r => Number(r.dataset.story))"
        )
        assert sorted(shown) == sorted(s["story_id"] for s in expected), (what, value)
        index.page.select_option(select, "")
    # Filters combine: a site and an organisation leave the stories that have both.
    filtered = demo_report["filtered"]
    org = max((o for kind, o in filtered if kind == "org"), key=lambda o: len(filtered["org", o]))
    site = filtered["org", org][0]["first_site"]
    both = {s["story_id"] for s in filtered["site", site]} & {
        s["story_id"] for s in filtered["org", org]
    }
    index.page.select_option("#filter-site", site)
    index.page.select_option("#filter-org", org)
    assert index.count(f"{rows}:visible") == len(both)
    index.page.select_option("#filter-site", "")
    index.page.select_option("#filter-org", "")
    index.page.fill("#filter-text", "zzzz no such word")
    assert index.count(f"{rows}:visible") == 0
    assert index.page.is_visible("#no-match")
    index.page.fill("#filter-text", "")
    index.page.select_option("#filter-site", "")
    assert index.count(f"{rows}:visible") == len(stories)
    shot = tmp_path / "index.png"
    index.page.screenshot(path=str(shot), full_page=True, caret="initial")
    assert shot.stat().st_size > 10_000
    index.assert_clean()


@pytest.mark.slow
def test_story_page_renders_timeline_and_graph_in_chromium(
    demo_report: dict[str, Any], visit: Any, tmp_path: Path
) -> None:
    story = max(demo_report["stories"], key=lambda s: s["sightings"])
    assert story["sightings"] > story["articles"] > 1  # copies and a rewrite to tell apart
    page = visit(demo_report["dir"] / "stories" / f"{story['story_id']}.html")
    page.assert_clean()
    roles = {
        "original": 1,
        "rewrite": story["articles"] - 1,
        "copy": story["sightings"] - story["articles"],
    }
    for role, expected in roles.items():
        assert page.count(f"svg.timeline g.mark[data-role={role}]") == expected, role
        assert page.count(f"svg.graph g.node[data-role={role}]") == expected, role
    assert page.count("svg.graph line.edge") == story["sightings"] - 1
    assert page.count("svg.graph line.edge-rewrite") == roles["rewrite"]
    # The style sheet applied: the original is drawn in its own colour, not the default black.
    fill = page.page.eval_on_selector(
        "svg.graph g.node[data-role=original] > *", "shape => getComputedStyle(shape).fill"
    )
    assert fill == "rgb(194, 65, 12)"
    box = page.page.locator("svg.timeline").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 60
    assert page.page.inner_text("h1") == story["title"]
    shot = tmp_path / "story.png"
    page.page.screenshot(path=str(shot), full_page=True, caret="initial")
    assert shot.stat().st_size > 10_000


@pytest.mark.slow
def test_markup_in_titles_and_sites_stays_inert_in_chromium(
    hostile_store: str, visit: Any, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    assert report(hostile_store, out) == 0
    for path in [out / "index.html", *(out / "stories").glob("*.html")]:
        page = visit(path)
        page.assert_clean()
        assert page.page.evaluate("typeof window.__pwned") == "undefined"
        assert page.count("script") == 1 and page.count("img") == 0
        assert page.count("[onerror]") == 0
        hrefs = page.page.eval_on_selector_all("a", "links => links.map(a => a.href)")
        assert all(h.startswith(("http://", "https://", "file://")) for h in hrefs), hrefs
    story = visit(next(p for p in (out / "stories").glob("*.html") if "pwned = 1" in p.read_text()))
    assert story.page.inner_text("h1") == HOSTILE_TITLE

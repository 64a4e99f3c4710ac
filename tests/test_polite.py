"""Polite, incremental crawling: real `newsfold run`s against request-counting fixture publishers."""

from __future__ import annotations

import ipaddress
import itertools
import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from scrapy.http import HtmlResponse

from benchmarks.harness import procs
from benchmarks.harness.sites import PoliteSites
from config.loader import ConfigError, load_config
from crawler.demo import FixtureArticle
from crawler.demo.server import Hit
from crawler.middlewares.backoff import retry_after
from crawler.middlewares.guard import address_kind
from crawler.sources.polling import EntryPoints, is_due, next_interval
from crawler.sources.seen import fetch_decision
from crawler.sources.urls import request_url, url_key
from storage import open_storage
from storage.base import EntryState
from storage.times import shift, utcnow

ENTRY_PATHS = ("/feed/", "/atom.xml", "/news-sitemap.xml", "/ai/")
BUSY_ARTICLE = "/2026/11/18/orrery-atlas-3-open-weights-model/"


@dataclass
class Run:
    """One finished `newsfold run`: its process, the requests it made and its recorded counts."""

    result: subprocess.CompletedProcess[str]
    hits: list[Hit]
    seconds: float
    counts: dict[str, dict[str, int]]


def config_text(crawl: str, sources: dict[str, str], kinds: dict[str, str]) -> str:
    """A config crawling the given sources (name -> URL) with extra [crawl] keys."""
    lines = [f"[crawl]\nextract_workers = 1\n{crawl}"]
    lines += [
        f'[sources.{name}]\nurl = "{url}"\nkind = "{kinds.get(url, "feed")}"\n'
        for name, url in sources.items()
    ]
    return "\n".join(lines)


def fixture_sources(sites: PoliteSites) -> dict[str, str]:
    """The fixture publishers' own entry points."""
    return {name: spec["url"] for name, spec in sites.sources.items()}


def crawl(
    sites: PoliteSites,
    tmp: Path,
    db: Path,
    crawl_keys: str,
    sources: dict[str, str],
    env: dict[str, str] | None = None,
) -> Run:
    """`newsfold run` of the given sources; the requests the fixture sites saw meanwhile."""
    config = tmp / "polite.toml"
    kinds = {spec["url"]: spec["kind"] for spec in sites.sources.values()}
    config.write_text(config_text(crawl_keys, sources, kinds))
    before = len(sites.log)
    names = [arg for name in sources for arg in ("--source", name)]
    started = time.monotonic()
    result = procs.run(
        procs.newsfold("run", "--config", str(config), "--db", str(db), "--no-progress", *names),
        timeout=120,
        env=procs.child_env(**(env or {})),
        cwd=tmp,
    )
    seconds = time.monotonic() - started
    counts = json.loads(query(db, "SELECT counts FROM runs ORDER BY id DESC LIMIT 1")[0][0])
    return Run(result, sites.log[before:], seconds, counts)


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    """Rows of a query on a SQLite store."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def is_entry(hit: Hit) -> bool:
    """Whether a request was for a feed, sitemap or section page."""
    path = urlsplit(hit.path).path
    return path in ENTRY_PATHS or path.startswith("/polite/links/")


# ---- two runs over unchanged sources


@pytest.fixture(scope="module")
def two_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PoliteSites, Path, Run, Run]]:
    """Fresh fixture sites, with one article also listed as tracking/AMP/https variants, crawled twice."""
    tmp = tmp_path_factory.mktemp("polite")
    with PoliteSites() as sites:
        article = variant_article(sites)
        plain = sites.url(article.publisher, article.path)
        variants = [
            plain + "?utm_source=newsletter&utm_medium=email&utm_campaign=ai",
            plain + "?fbclid=IwAR0abc123",
            plain + "#comments",
            plain + "amp/",
            plain.replace("http://", "https://"),
            plain,
        ]
        sources = {
            **fixture_sources(sites),
            "variants": sites.link_feed("tensor-street", "variants", variants),
        }
        keys = 'download_delay = 0\nretries = 1\nallow_networks = ["127.0.0.1/32"]\n'
        db = tmp / "polite.db"
        first = crawl(sites, tmp, db, keys, sources)
        second = crawl(sites, tmp, db, keys, sources)
        yield sites, db, first, second


def variant_article(sites: PoliteSites) -> FixtureArticle:
    """An on-topic article whose path ends in a slash (so `<path>amp/` is its AMP variant)."""
    return next(a for a in sites.articles() if a.on_topic and a.path.endswith("/"))


def test_second_run_makes_no_article_request_and_every_feed_answers_304(two_runs: tuple) -> None:
    _, db, first, second = two_runs
    assert first.result.returncode == 0, first.result.stderr
    assert second.result.returncode == 0, second.result.stderr
    assert sum(c["stored"] for c in first.counts.values()) > 0
    entries = [hit for hit in second.hits if is_entry(hit)]
    assert len(entries) == len(second.counts) == 5
    assert {hit.status for hit in entries} == {304}
    others = [hit.path for hit in second.hits if not is_entry(hit)]
    assert set(others) <= {"/robots.txt"}, others
    assert all(c["not_modified"] == 1 and c["fetched"] == 0 for c in second.counts.values())
    assert sum(c["stored"] + c["copies"] + c["errors"] for c in second.counts.values()) == 0
    states = query(db, "SELECT etag, last_modified FROM entry_points")
    assert len(states) == 5 and all(etag for etag, _ in states)


def test_second_run_finishes_quickly(two_runs: tuple) -> None:
    _, db, _, second = two_runs
    started, ended = query(db, "SELECT started, ended FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert (time_of(ended) - time_of(started)) < 5, (started, ended)
    assert second.seconds < 15  # the whole process, interpreter start included


def time_of(stamp: str) -> float:
    """Seconds since the epoch of a stored timestamp."""
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


def test_tracking_amp_and_scheme_variants_are_fetched_once(two_runs: tuple) -> None:
    sites, db, first, _ = two_runs
    article = variant_article(sites)
    plain = sites.url(article.publisher, article.path)
    asked = [
        hit.path
        for hit in sites.log
        if hit.publisher == article.publisher and hit.path.startswith(article.path)
    ]
    assert asked == [article.path]  # once, without its tracking parameters
    assert query(db, "SELECT COUNT(*) FROM sightings WHERE url = ?", plain) == [(1,)]
    assert first.counts["variants"]["duplicates"] + first.counts["variants"]["known"] >= 4
    page_url = query(db, "SELECT page_url FROM seen_urls WHERE url = ?", plain)
    assert page_url == [(plain,)]  # the page's own rel=canonical, recorded


def test_variants_of_stored_articles_are_known_on_a_later_run(
    two_runs: tuple, tmp_path: Path
) -> None:
    sites, db, _, _ = two_runs
    kept = [sites.url(a.publisher, a.path) for a in sites.articles()]
    listed = []
    for url in kept:
        listed += [url.replace("http://", "https://") + "?utm_source=x", url.rstrip("/") + "#top"]
    later = crawl(
        sites,
        tmp_path,
        db,
        'download_delay = 0\nallow_networks = ["127.0.0.1/32"]\n',
        {"more-variants": sites.link_feed("compute-wire", "more", listed)},
    )
    assert later.result.returncode == 0, later.result.stderr
    assert [hit.path for hit in later.hits if not is_entry(hit)] in ([], ["/robots.txt"])
    counts = later.counts["more-variants"]
    assert counts["known"] == len(kept) and counts["duplicates"] == len(kept)


# ---- adaptive polling


def test_an_unchanged_source_waits_and_the_override_polls_it(tmp_path: Path) -> None:
    keys = 'download_delay = 0\nallow_networks = ["127.0.0.1/32"]\nmin_poll_interval = 60\n'
    db = tmp_path / "poll.db"
    with PoliteSites() as sites:
        sources = {"tensor-street": sites.sources["tensor-street"]["url"]}
        first = crawl(sites, tmp_path, db, keys, sources)
        assert first.result.returncode == 0, first.result.stderr
        waiting = crawl(sites, tmp_path, db, keys, sources)
        assert waiting.counts["tensor-street"]["not_due"] == 1
        assert waiting.hits == []
        forced = crawl(
            sites, tmp_path, db, keys, sources, {"NEWSFOLD__CRAWL__ADAPTIVE_POLLING": "0"}
        )
        assert forced.counts["tensor-street"]["not_modified"] == 1
        assert [h.status for h in forced.hits if is_entry(h)] == [304]
    interval = query(db, "SELECT poll_interval FROM entry_points")[0][0]
    assert interval >= 60


def test_poll_interval_grows_while_unchanged_and_resets_on_change() -> None:
    state = EntryState("u", "s", checked="2026-01-01T00:00:00+00:00", poll_interval=600)
    later = "2026-01-01T00:10:00+00:00"
    assert next_interval(state, False, later, 0, 3600) == 1200
    assert next_interval(state, True, later, 300, 3600) == 300
    assert (
        next_interval(
            EntryState("u", "s", state.checked, poll_interval=3000), False, later, 0, 3600
        )
        == 3600
    )
    fresh = EntryState("u", "s", state.checked, poll_interval=0)
    assert next_interval(fresh, False, later, 0, 3600) == 600  # the cadence newsfold runs at
    assert is_due(state, later) and not is_due(state, "2026-01-01T00:05:00+00:00")
    assert is_due(None, later)


def test_entry_points_keep_validators_and_save_only_on_commit(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path / "entries.db"))
    crawl_config = load_config(env={}).crawl
    url = "https://e.org/feed.xml"
    try:
        first = EntryPoints(storage, crawl_config)
        first.load({"e": url})
        assert first.due(url) and first.headers(url) == {}
        validators = {"ETag": '"v1"', "Last-Modified": "Thu, 01 Jan 2026 00:00:00 GMT"}
        assert first.observe("e", url, HtmlResponse(url, body=b"<rss/>", headers=validators))
        assert storage.entry_states([url]) == {}  # nothing until the run completes
        first.commit()
        second = EntryPoints(storage, crawl_config)
        second.load({"e": url})
        assert second.headers(url) == {
            "If-None-Match": '"v1"',
            "If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT",
        }
        assert not second.observe("e", url, HtmlResponse(url, status=304))
        assert not second.observe("e", url, HtmlResponse(url, body=b"<rss/>"))  # same body
        second.commit()
        state = storage.entry_states([url])[url]
        assert state.body_hash and state.etag is None and state.poll_interval >= 0
    finally:
        storage.close()


# ---- a hostile feed, a rate-limited site, oversized pages and redirect loops


@pytest.fixture(scope="module")
def hostile(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PoliteSites, PoliteSites, PoliteSites, Path, Run]]:
    """One run over a feed of private links, a 429 with Retry-After and pages beyond the limits."""
    tmp = tmp_path_factory.mktemp("hostile")
    with (
        PoliteSites(host="127.0.0.5") as sites,
        PoliteSites(host="127.0.0.2") as private,
        PoliteSites() as local,
        PoliteSites(host="127.0.0.3") as busy,
    ):
        base = sites.base("neural-ledger")
        links = [
            "http://10.0.0.1/news/ai-story",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:9/news/ai-story",
            local.url("neural-ledger", "/feed/").replace("127.0.0.1", "localhost"),
            private.url("neural-ledger", "/feed/"),
            f"{base}/polite/redirect?to=" + private.url("neural-ledger", "/2026/11/19/x/"),
            f"{base}/polite/big",
            f"{base}/polite/big-stream",
            f"{base}/polite/hops/9",
        ]
        sources = {
            "hostile": sites.link_feed("neural-ledger", "hostile", links),
            "limited": sites.url("tensor-street", "/polite/limited.xml?wait=2"),
            "gone": busy.url("tensor-street", "/polite/limited.xml?wait=3600"),
            # served late, so its links reach the busy site only after the site asked to wait
            "gone-too": sites.url("neural-ledger", "/polite/links.xml?")
            + urlencode({"delay": 1, "u": busy.url("neural-ledger", BUSY_ARTICLE)}),
        }
        keys = (
            "download_delay = 0\nretries = 2\nretry_backoff = 0.2\nmax_retry_after = 30\n"
            "max_redirects = 3\nmax_page_bytes = 100_000\ntimeout = 5\n"
            'allow_networks = ["127.0.0.5/32", "127.0.0.3/32"]\n'
        )
        db = tmp / "hostile.db"
        run = crawl(sites, tmp, db, keys, sources)
        assert local.log == []  # reached by name, refused all the same
        yield sites, private, busy, db, run


def errors_by_url(db: Path) -> dict[str, tuple[str, int | None]]:
    """Recorded fetch errors: URL -> (reason, status)."""
    return {
        url: (reason, status)
        for url, reason, status in query(db, "SELECT url, reason, status FROM fetch_errors")
    }


def test_private_addresses_are_refused_and_recorded_without_a_connection(hostile: tuple) -> None:
    _, private, _, db, run = hostile
    assert run.result.returncode == 0, run.result.stderr
    errors = errors_by_url(db)
    assert errors["http://10.0.0.1/news/ai-story"][0].startswith(
        "refused: 10.0.0.1 resolves to private"
    )
    assert "cloud metadata" in errors["http://169.254.169.254/latest/meta-data/"][0]
    assert "loopback address ::1" in errors["http://[::1]:9/news/ai-story"][0]
    by_name = next(reason for url, (reason, _) in errors.items() if "//localhost:" in url)
    assert by_name.startswith("refused: localhost resolves to loopback address 127.0.0.1")
    direct = errors[private.url("neural-ledger", "/feed/")][0]
    assert "loopback address 127.0.0.2" in direct and "crawl.allow_networks" in direct
    redirected = errors[private.url("neural-ledger", "/2026/11/19/x/")][0]
    assert "redirected from" in redirected and redirected.startswith("refused:")
    assert private.log == []  # not even robots.txt
    assert run.counts["hostile"]["refused"] == 6


def test_retry_after_is_honoured_for_the_whole_site(hostile: tuple) -> None:
    sites, _, _, db, run = hostile
    limited = [h for h in run.hits if h.path == "/polite/limited.xml?wait=2"]
    assert [h.status for h in limited] == [429, 200]
    asked_at = limited[0].at
    assert limited[1].at - asked_at >= 2 - 0.05
    # Requests already under way may land just after the 429; nothing else reaches the site until
    # the wait is over.
    meanwhile = [h for h in run.hits if asked_at + 0.25 < h.at < asked_at + 1.95]
    assert meanwhile == [], meanwhile
    url = sites.url("tensor-street", limited[0].path)
    assert url not in errors_by_url(db)  # the retry got the feed
    assert run.counts["limited"]["fetched"] > 1


def test_a_longer_wait_than_allowed_gives_up_and_leaves_the_site_alone(hostile: tuple) -> None:
    _, _, busy, db, _ = hostile
    errors = errors_by_url(db)
    reason, status = errors[busy.url("tensor-street", "/polite/limited.xml?wait=3600")]
    assert status == 429 and "longer than crawl.max_retry_after (30 s); not retried" in reason
    gave_up = next(h.at for h in busy.log if h.status == 429)
    assert [h.path for h in busy.log].count("/polite/limited.xml?wait=3600") == 1
    assert all(h.at < gave_up + 0.25 for h in busy.log)  # nothing more for that site this run
    skipped = [r for r, _ in errors.values() if r.startswith("skipped: 127.0.0.3 asked to wait")]
    assert skipped and all("left for the next run" in r for r in skipped)


def test_limits_are_recorded_with_their_reason_and_nothing_stored(hostile: tuple) -> None:
    sites, _, _, db, _ = hostile
    errors = errors_by_url(db)
    base = sites.base("neural-ledger")
    for path in ("/polite/big", "/polite/big-stream"):
        assert errors[base + path][0].startswith("too large: more than crawl.max_page_bytes"), path
    assert any(
        reason.startswith("too many redirects: more than crawl.max_redirects (3) (attempt 1, ")
        for reason, _ in errors.values()
    )
    assert query(db, "SELECT COUNT(*) FROM sightings WHERE url LIKE '%/polite/%'") == [(0,)]


# ---- pacing


def test_request_rate_per_site_stays_under_the_configured_limit(tmp_path: Path) -> None:
    delay, jitter = 0.15, 0.05  # arrival times wander a little from departure times
    keys = (
        f'download_delay = {delay}\nconcurrent_per_domain = 4\nallow_networks = ["127.0.0.1/32"]\n'
    )
    with PoliteSites() as sites:
        sources = {
            name: url
            for name, url in fixture_sources(sites).items()
            if name in ("neural-ledger", "tensor-street")
        }
        run = crawl(sites, tmp_path, tmp_path / "rate.db", keys, sources)
    assert run.result.returncode == 0, run.result.stderr
    times = sorted(hit.at for hit in run.hits)  # one site: every fixture publisher is on 127.0.0.1
    assert len(times) >= 10
    # k gaps never take less than k delays: no burst, and no rate above 1/delay over any span.
    for i, j in itertools.combinations(range(len(times)), 2):
        assert times[j] - times[i] >= (j - i) * delay - jitter, (i, j, times[j] - times[i])


# ---- the parts, one by one


def test_url_keys_fold_variants_and_keep_what_names_a_page() -> None:
    plain = "https://example.org/2026/05/ai-chips/"
    for variant in (
        "http://example.org/2026/05/ai-chips/?utm_source=x&utm_medium=y",
        "https://EXAMPLE.org:443/2026/05/ai-chips?fbclid=1#comments",
        "https://example.org/2026/05/ai-chips/amp/",
        "https://amp.example.org/2026/05/ai-chips/?amp=1",
        "https://example.org/amp/2026/05/ai-chips/",
    ):
        assert url_key(variant) == url_key(plain), variant
    assert url_key("https://e.org/story?id=1") != url_key("https://e.org/story?id=2")
    assert url_key("https://e.org/a?b=2&a=1") == url_key("https://e.org/a?a=1&b=2")
    assert url_key("https://e.org/a?ref_code=1", ["ref_code"]) == url_key("https://e.org/a")
    assert request_url("https://e.org/a/?id=7&utm_source=x#c") == "https://e.org/a/?id=7"
    assert request_url("https://e.org/a?x=1&y=2") == "https://e.org/a?x=1&y=2"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "non-public"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_allowed_networks_let_addresses_through() -> None:
    allowed = [ipaddress.ip_network("127.0.0.0/8")]
    assert address_kind(ipaddress.ip_address("127.0.0.5"), allowed) is None
    assert address_kind(ipaddress.ip_address("10.0.0.1"), allowed) == "private"


def test_retry_after_reads_seconds_and_dates() -> None:
    def response(value: str) -> HtmlResponse:
        return HtmlResponse("https://e.org/", status=429, headers={"Retry-After": value})

    assert retry_after(response("7")) == 7
    now = time_of("2026-01-01T00:00:00+00:00")
    assert retry_after(response("Thu, 01 Jan 2026 00:00:30 GMT"), now) == 30
    assert retry_after(response("Wed, 31 Dec 2025 23:00:00 GMT"), now) == 0
    assert retry_after(response("soon")) is None
    assert retry_after(HtmlResponse("https://e.org/", status=429)) is None


def test_revision_check_is_due_after_revisit_days(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path / "seen.db"))
    try:
        key = url_key("https://e.org/a")
        assert fetch_decision(storage, "https://e.org/a", key, 0) == "new"
        storage.record_seen([key], "https://e.org/a", "s", "new")
        assert fetch_decision(storage, "https://e.org/a", key, 0) == "known"
        assert fetch_decision(storage, "https://e.org/a", key, 7) == "known"
        old = shift(utcnow(), -8)
        storage.db.execute("UPDATE seen_urls SET seen_at = ?", (old,))  # type: ignore[attr-defined]
        assert fetch_decision(storage, "https://e.org/a", key, 7) == "revisit"
        assert fetch_decision(storage, "https://e.org/a", key, 0) == "known"
    finally:
        storage.close()


def test_config_refuses_an_anonymous_agent_bad_networks_and_bad_poll_bounds(
    tmp_path: Path,
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[crawl]\nuser_agent = "Mozilla/5.0 (compatible; mybot)"\n'
        'allow_networks = ["127.0.0.0/8", "localhost"]\n'
        "min_poll_interval = 600\nmax_poll_interval = 60\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config, env={})
    message = str(caught.value)
    assert "crawl.user_agent" in message and "contact URL" in message
    assert "crawl.allow_networks" in message and "'localhost'" in message
    assert "crawl.max_poll_interval = 60" in message
    assert load_config(env={}).crawl.allow_networks == []

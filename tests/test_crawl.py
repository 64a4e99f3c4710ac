"""The real CLI, in a subprocess, crawling the fixture publishers over HTTP into SQLite."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo import DemoSites
from storage.times import to_stored

NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))


def write_config(sites: DemoSites, path: Path) -> Path:
    """A user config crawling only the fixture publishers (on loopback), without delays.

    Conditional GET is off: the second run here checks that stored URLs are skipped, which needs
    the feeds' full answers; tests/test_polite.py covers conditional GET. Articles are committed
    three at a time, so the checks below see a crawl of several batches.
    """
    lines = [
        "[crawl]\ndownload_delay = 0\nextract_workers = 2\nretries = 1\ncommit_items = 3\n"
        'allow_networks = ["127.0.0.0/8"]\nconditional_get = false\n'
    ]
    for name, spec in sites.sources.items():
        lines.append(f'[sources.{name}]\nurl = "{spec["url"]}"\nkind = "{spec["kind"]}"\n')
    path.write_text("\n".join(lines))
    return path


def newsfold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI."""
    return subprocess.run([NEWSFOLD, *args], capture_output=True, text=True, cwd=cwd, timeout=180)


def crawl(sites: DemoSites, tmp: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """`newsfold run` over every fixture source."""
    config = write_config(sites, tmp / "newsfold.toml")
    sources = [arg for name in sites.sources for arg in ("--source", name)]
    return newsfold(
        "run", "--config", str(config), "--db", str(db), "--no-progress", *sources, cwd=tmp
    )


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[DemoSites, Path, subprocess.CompletedProcess[str]]:
    """One crawl of fresh fixture publishers, shared by the checks below."""
    tmp = tmp_path_factory.mktemp("crawl")
    with DemoSites() as sites:
        result = crawl(sites, tmp, tmp / "news.db")
        yield sites, tmp / "news.db", result


def rows(db: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def article_of(db: Path, url: str) -> sqlite3.Row | None:
    found = rows(
        db,
        "SELECT a.* FROM sightings s JOIN articles a ON a.id = s.article_id WHERE s.url = ?",
        url,
    )
    return found[0] if found else None


@pytest.mark.slow
def test_run_completes_and_records_counts(crawled: tuple) -> None:
    sites, db, result = crawled
    assert result.returncode == 0, result.stderr
    assert "total" in result.stdout
    run = rows(db, "SELECT * FROM runs")[0]
    assert run["status"] == "completed" and run["ended"]
    counts = json.loads(run["counts"])
    assert set(counts) == set(sites.sources)
    on_topic = [a for a in sites.articles() if a.on_topic]
    assert sum(c["stored"] + c["copies"] for c in counts.values()) == len(on_topic)
    assert sum(c["offtopic"] for c in counts.values()) == len(sites.articles()) - len(on_topic)


def test_every_on_topic_article_stored_clean(crawled: tuple) -> None:
    sites, db, _ = crawled
    for fixture in sites.articles():
        url = sites.url(fixture.publisher, fixture.path)
        article = article_of(db, url)
        if not fixture.on_topic:
            assert article is None
            assert rows(db, "SELECT 1 FROM offtopic WHERE url = ?", url)
            continue
        assert article is not None, f"{url} not stored"
        if article["url"] != url:
            continue  # a copy: its text is the elected original's
        text = " ".join(article["text"].split())
        lost = [p for p in fixture.paragraphs if " ".join(p.split()) not in text]
        assert not lost, f"{url}: lost {lost}"
        lines = {" ".join(line.split()) for line in article["text"].splitlines()}
        kept = [b for b in fixture.boilerplate if " ".join(b.split()) in lines]
        assert not kept, f"{url}: boilerplate kept {kept}"
        assert all(b not in article["text"] for b in fixture.boilerplate if len(b) > 40), url


def test_syndicated_copies_fold_into_one_article(crawled: tuple) -> None:
    sites, db, _ = crawled
    groups: dict[str, set[int]] = {}
    for fixture in sites.articles():
        if fixture.on_topic:
            article = article_of(db, sites.url(fixture.publisher, fixture.path))
            assert article is not None
            groups.setdefault(fixture.copy_group, set()).add(article["id"])
    assert all(len(ids) == 1 for ids in groups.values()), groups
    assert len({next(iter(ids)) for ids in groups.values()}) == len(groups)
    sizes = rows(db, "SELECT article_id, COUNT(*) AS n FROM sightings GROUP BY article_id")
    assert max(row["n"] for row in sizes) == 3


def test_rewrite_joins_the_story_and_unrelated_stories_stay_apart(crawled: tuple) -> None:
    sites, db, _ = crawled
    stories: dict[str, set[int]] = {}
    for fixture in sites.articles():
        if fixture.on_topic:
            article = article_of(db, sites.url(fixture.publisher, fixture.path))
            assert article is not None
            stories.setdefault(fixture.story, set()).add(article["story_id"])
    assert all(len(ids) == 1 for ids in stories.values()), stories
    assert len({next(iter(ids)) for ids in stories.values()}) == len(stories)


def test_wire_original_is_elected(crawled: tuple) -> None:
    sites, db, _ = crawled
    by_group: dict[str, list] = {}
    for fixture in sites.articles():
        by_group.setdefault(fixture.copy_group, []).append(fixture)
    for fixtures in by_group.values():
        if len(fixtures) < 2:
            continue
        first = min(fixtures, key=lambda f: f.published)
        article = article_of(db, sites.url(first.publisher, first.path))
        assert article is not None and article["url"] == sites.url(first.publisher, first.path)


def test_broken_pages_recorded_and_robots_obeyed(crawled: tuple) -> None:
    sites, db, _ = crawled
    errors = {row["url"]: row for row in rows(db, "SELECT * FROM fetch_errors")}
    for broken in sites.broken():
        url = sites.url(broken.publisher, broken.path)
        assert url in errors, f"{broken.kind} {url} not recorded"
        reason = errors[url]["reason"]
        expected = {
            "missing": "HTTP 404",
            "error": "HTTP 500",
            "truncated": "truncated HTML",
            "binary": "not an HTML page",
            "private": "robots.txt",
        }[broken.kind]
        assert expected in reason, (broken.kind, reason)
        assert article_of(db, url) is None
        if broken.kind == "private":
            assert sites.requests[(broken.publisher, broken.path)] == 0


@pytest.mark.slow
def test_second_run_changes_nothing(crawled: tuple, tmp_path: Path) -> None:
    sites, db, _ = crawled
    tables = ("articles", "sightings", "stories", "offtopic")
    before = {t: rows(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}
    requested_before = sites.requests
    again = crawl(sites, tmp_path, db)
    assert again.returncode == 0, again.stderr
    after = {t: rows(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}
    assert after == before
    run = rows(db, "SELECT * FROM runs ORDER BY id DESC")[0]
    counts = json.loads(run["counts"])
    assert sum(c["stored"] + c["copies"] for c in counts.values()) == 0
    assert sum(c["known"] for c in counts.values()) == before["sightings"] + before["offtopic"]
    requested_after = sites.requests
    for fixture in sites.articles():
        key = (fixture.publisher, fixture.path)
        assert requested_after[key] == requested_before[key] == 1, key


def test_stories_command_lists_grouped_articles(crawled: tuple) -> None:
    sites, db, _ = crawled
    table = newsfold("stories", "--db", str(db), "--limit", "50", cwd=db.parent)
    assert table.returncode == 0, table.stderr
    listed = newsfold(
        "stories", "--db", str(db), "--format", "json", "--limit", "50", cwd=db.parent
    )
    stories = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(stories) == len({f.story for f in sites.articles() if f.on_topic})
    assert max(s["articles"] for s in stories) == 2
    for story in stories:
        assert f"{story['story_id']:>6}  " in table.stdout and story["title"] in table.stdout
        assert story["sightings"] >= story["articles"] >= 1 and story["outlets"] >= 1
    # The story with most outlets is the one the fixtures syndicated most widely.
    widest = max(stories, key=lambda s: s["outlets"])
    groups: dict[str, list] = {}
    for fixture in sites.articles():
        if fixture.on_topic:
            groups.setdefault(fixture.story, []).append(fixture)
    biggest = max(groups.values(), key=lambda g: len({f.publisher for f in g}))
    assert widest["outlets"] == len({f.publisher for f in biggest})
    assert widest["first_published"] == min(to_stored(f.published) for f in biggest)
    one_site = newsfold(
        "stories",
        "--db",
        str(db),
        "--site",
        widest["first_site"],
        "--search",
        "million",
        "--format",
        "json",
        cwd=db.parent,
    )
    found = [json.loads(line)["story_id"] for line in one_site.stdout.splitlines()]
    assert widest["story_id"] in found and len(found) < len(stories)


@pytest.mark.slow
def test_demo_command(tmp_path: Path) -> None:
    result = newsfold("demo", "--db", str(tmp_path / "demo.db"), "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "copies folded" in result.stdout.replace("\n", " ") or "copies" in result.stdout
    assert rows(tmp_path / "demo.db", "SELECT COUNT(*) FROM articles")[0][0] >= 10
    assert rows(tmp_path / "demo.db", "SELECT status FROM runs")[0][0] == "completed"


def test_bad_config_exits_2_listing_keys(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[crawl]\ndownload_delay = -1\n[sources.x]\nurl = 'nope'\n")
    result = newsfold("run", "--config", str(config), "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert "crawl.download_delay = -1" in result.stderr and "sources.x.url" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_unknown_source_exits_2(tmp_path: Path) -> None:
    result = newsfold("run", "--source", "nowhere", "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert result.returncode == 2 and "nowhere" in result.stderr


def test_unusable_store_exits_3(tmp_path: Path) -> None:
    result = newsfold(
        "run", "--db", str(tmp_path / "missing" / "x.db"), "--source", "openai", cwd=tmp_path
    )
    assert result.returncode == 3
    assert "does not exist" in result.stderr


def test_other_minhash_settings_than_the_stored_signatures_exit_3(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    config = tmp_path / "other.toml"
    config.write_text("[fold]\nnum_perm = 64\n")
    from config.loader import load_config
    from pipelines.folding.folder import Folder
    from storage.sqlite import SQLiteStorage

    store = SQLiteStorage(db)
    store.migrate()
    store.check_fold_params(Folder(load_config(env={}).fold).params)  # made with the defaults
    store.close()
    result = newsfold("run", "--config", str(config), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert "num_perm" in result.stderr and "new store" in result.stderr
    assert rows(db, "SELECT COUNT(*) FROM runs")[0][0] == 0


def test_locked_store_exits_4(demo_sites: DemoSites, tmp_path: Path) -> None:
    from storage.sqlite import SQLiteStorage

    db = tmp_path / "locked.db"
    holder = SQLiteStorage(db)
    holder.migrate()
    with holder.lock():
        result = crawl(demo_sites, tmp_path, db)
    holder.close()
    assert result.returncode == 4
    assert "being written by pid" in result.stderr
    assert rows(db, "SELECT COUNT(*) FROM runs")[0][0] == 0


def test_every_command_is_documented() -> None:
    from crawler.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"newsfold {name}" in readme, name


def test_show_tells_the_original_its_copies_and_rewrites_in_time_order(crawled: tuple) -> None:
    _, db, _ = crawled
    (story_id,) = rows(
        db,
        "SELECT a.story_id FROM sightings s JOIN articles a ON a.id = s.article_id "
        "GROUP BY a.story_id ORDER BY COUNT(*) DESC, COUNT(DISTINCT a.id) DESC LIMIT 1",
    )[0]
    result = subprocess.run(
        [NEWSFOLD, "show", "--db", str(db), str(story_id), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    timeline = json.loads(result.stdout)["timeline"]
    assert (
        len(timeline)
        == rows(
            db,
            "SELECT COUNT(*) FROM sightings s JOIN articles a ON a.id = s.article_id "
            "WHERE a.story_id = ?",
            story_id,
        )[0][0]
        >= 3
    )
    assert [e["role"] for e in timeline].count("original") == 1
    assert {"copy", "rewrite"} <= {e["role"] for e in timeline}
    assert [e["when"] for e in timeline] == sorted(e["when"] for e in timeline)
    heads = {e["article_id"]: e["site"] for e in timeline if e["role"] != "copy"}
    for event in timeline:
        if event["role"] == "copy":
            assert event["copy_of"] == heads[event["article_id"]]
    table = subprocess.run(
        [NEWSFOLD, "show", "--db", str(db), str(story_id)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"copy of {heads[timeline[0]['article_id']]}" in table.stdout
    missing = subprocess.run(
        [NEWSFOLD, "show", "--db", str(db), "99999"], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1 and "no story 99999" in missing.stderr


def test_organisations_and_events_are_stored_exported_and_filter_the_commands(
    crawled: tuple, tmp_path: Path
) -> None:
    _, db, _ = crawled
    helix = rows(
        db,
        "SELECT DISTINCT a.story_id FROM articles a JOIN article_entities e "
        "ON e.article_id = a.id WHERE e.kind = 'organisation' AND e.name = 'Helix Labs'",
    )
    assert len(helix) == 1
    story_id = helix[0][0]
    listed = newsfold(
        "stories",
        "--db",
        str(db),
        "--org",
        "Helix Labs",
        "--event",
        "funding",
        "--format",
        "json",
        cwd=db.parent,
    )
    assert listed.returncode == 0, listed.stderr
    (story,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert story["story_id"] == story_id and "Helix Labs" in story["organisations"]
    assert "funding" in story["events"]
    layoffs = newsfold(
        "stories", "--db", str(db), "--event", "layoffs", "--format", "json", cwd=db.parent
    )
    assert story_id not in [json.loads(line)["story_id"] for line in layoffs.stdout.splitlines()]
    bad = newsfold("stories", "--db", str(db), "--event", "wedding", cwd=db.parent)
    assert bad.returncode == 2 and "unknown event type 'wedding'" in bad.stderr
    hits = newsfold(
        "search",
        "--db",
        str(db),
        "million",
        "--org",
        "Helix Labs",
        "--format",
        "json",
        cwd=db.parent,
    )
    found = [json.loads(line) for line in hits.stdout.splitlines()]
    assert found and all(hit["story_id"] == story_id for hit in found)
    out = tmp_path / "articles.jsonl"
    assert newsfold("export", "--db", str(db), "--output", str(out), cwd=db.parent).returncode == 0
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    original = next(r for r in exported if r["story_id"] == story_id and r["copy_count"])
    names = [org["name"] for org in original["organisations"]]
    assert "Helix Labs" in names and {"listed", "kind", "mentions"} <= set(
        original["organisations"][0]
    )
    money = [a for a in original["amounts"] if a["kind"] == "money"]
    assert any(a["value"] == 640_000_000 and a["currency"] == "USD" for a in money), money
    assert any(e["type"] == "funding" and e["trigger"] for e in original["events"])

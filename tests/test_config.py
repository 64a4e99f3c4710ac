"""Config: packaged defaults, user file key by key, environment, one error for every bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import ConfigError, load_config


def test_defaults_list_real_ai_sources() -> None:
    config = load_config(env={})
    assert len(config.enabled_sources()) >= 15
    kinds = {source.kind for source in config.sources.values()}
    assert {"feed", "sitemap"} <= kinds
    assert config.crawl.obey_robots
    assert "newsfold" in config.crawl.user_agent


def test_user_file_overrides_key_by_key(tmp_path: Path) -> None:
    user = tmp_path / "newsfold.toml"
    user.write_text(
        "[crawl]\ndownload_delay = 2.5\n[sources.openai]\nenabled = false\n"
        '[sources.mine]\nurl = "https://example.org/feed.xml"\n'
    )
    config = load_config(user, env={})
    defaults = load_config(env={})
    assert config.crawl.download_delay == 2.5
    assert config.crawl.user_agent == defaults.crawl.user_agent
    assert not config.sources["openai"].enabled
    assert str(config.sources["openai"].url) == str(defaults.sources["openai"].url)
    assert "mine" in config.enabled_sources()
    assert len(config.sources) == len(defaults.sources) + 1


def test_environment_overrides_file(tmp_path: Path) -> None:
    user = tmp_path / "c.toml"
    user.write_text("[fold]\nstory_window_days = 3\n")
    config = load_config(
        user, env={"NEWSFOLD__FOLD__STORY_WINDOW_DAYS": "5", "NEWSFOLD__DB": "x.db"}
    )
    assert config.fold.story_window_days == 5
    assert config.db == "x.db"


def test_every_bad_key_in_one_error(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(
        "[crawl]\nconcurrent_requests = 0\ncolour = 'red'\n"
        "[fold]\nbands = 7\n[sources.broken]\nurl = 'not a url'\nkind = 'podcast'\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(user, env={"NEWSFOLD__CRAWL__TIMEOUT": "soon"})
    message = str(caught.value)
    for expected in (
        "crawl.concurrent_requests = 0",
        "crawl.colour",
        "fold.bands = 7",
        "sources.broken.url",
        "sources.broken.kind = 'podcast'",
        "environment NEWSFOLD__CRAWL__TIMEOUT: crawl.timeout = 'soon'",
    ):
        assert expected in message
    assert str(user) in message
    assert "'feed', 'sitemap' or 'page'" in message


def test_unreadable_files_name_themselves(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[crawl\n")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        load_config(broken, env={})


def test_packaged_sources_false_keeps_only_the_users_own(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text(
        'packaged_sources = false\n[sources.mine]\nurl = "https://example.org/feed"\n'
        "[sources.openai]\nenabled = true\n"
    )
    assert sorted(load_config(own, env={}).sources) == ["mine", "openai"]
    env = {"NEWSFOLD__SOURCES__REUTERS__GROUP": "wire"}
    assert sorted(load_config(own, env=env).sources) == ["mine", "openai", "reuters"]
    everything = load_config(None, env={}).sources
    assert {"openai", "reuters"} < set(everything) and len(everything) > 20
    off = load_config(None, env={"NEWSFOLD__PACKAGED_SOURCES": "false"})
    assert off.sources == {}

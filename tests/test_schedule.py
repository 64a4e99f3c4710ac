"""Schedule, health, metrics and child-process logic, with explicit clocks and real stores."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config.cron import crontab_trigger, crontab_weekdays, next_fire_times
from config.loader import ConfigError, load_config
from crawler.commands.history import check_health
from crawler.service.child import ChildCrawl, ChildResult
from crawler.service.metrics import ServiceMetrics, reason_label
from crawler.service.schedule import scheduled_groups
from crawler.service.scheduler import CrawlService
from storage import open_storage
from storage.base import RunRecord, SourceHealth

PACKAGED_OFF = {f"schedule.groups.{name}": "off" for name in load_config().schedule.groups}


def at(text: str, tz: str = "UTC") -> datetime:
    """An aware datetime from 'YYYY-MM-DD HH:MM:SS' in a time zone."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def test_five_field_crontab_fires_on_the_minute() -> None:
    trigger = crontab_trigger("*/10 * * * *")
    times = next_fire_times(trigger, at("2026-11-20 10:03:27"), 3)
    assert [t.strftime("%H:%M:%S") for t in times] == ["10:10:00", "10:20:00", "10:30:00"]


def test_six_field_crontab_has_seconds_first() -> None:
    trigger = crontab_trigger("*/3 * * * * *")
    times = next_fire_times(trigger, at("2026-11-20 10:59:58.5"), 3)
    assert [t.strftime("%H:%M:%S") for t in times] == ["11:00:00", "11:00:03", "11:00:06"]


def test_fire_time_equal_to_now_is_due_now() -> None:
    trigger = crontab_trigger("0 * * * *")
    assert next_fire_times(trigger, at("2026-11-20 10:00:00"), 1) == [at("2026-11-20 10:00:00")]


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("*/2", "sun,tue,thu,sat"),
        ("fri-sun", "sun,fri,sat"),
        ("1-5/2", "mon,wed,fri"),
        ("sat,0", "sun,sat"),
    ],
)
def test_weekdays_follow_crontab_not_apscheduler_numbering(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


def test_weekday_cron_in_a_time_zone() -> None:
    # 2026-11-20 is a Friday; "1" is Monday in crontab (APScheduler 3.x alone would say Tuesday).
    trigger = crontab_trigger("0 6 * * 1", "Europe/Berlin")
    fire = next_fire_times(trigger, at("2026-11-20 12:00:00", "Europe/Berlin"), 1)[0]
    assert fire.isoformat() == "2026-11-23T06:00:00+01:00"
    assert fire.astimezone(UTC).hour == 5


def test_next_fire_times_cross_a_dst_change() -> None:
    trigger = crontab_trigger("0 12 * * *", "Europe/Berlin")
    times = next_fire_times(trigger, at("2026-03-28 13:00:00", "Europe/Berlin"), 2)
    assert [t.astimezone(UTC).hour for t in times] == [10, 10]  # CET then CEST: 12:00 local
    assert [t.day for t in times] == [29, 30]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("61 * * * *", "higher than the maximum value (59)"),
        ("* * *", "expected 5"),
        ("* * * * 8", "weekday '8'"),
        ("* * * * 5-1", "runs backwards"),
        ("0 0 31 2 * * *", "7 field(s)"),
    ],
)
def test_invalid_cron_names_the_group_and_the_value(expr: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(env={}, overrides={"schedule.groups.feeds": expr})
    text = str(info.value)
    assert f"schedule.groups.feeds = {expr!r}" in text and message in text


def test_invalid_time_zone_names_the_value() -> None:
    with pytest.raises(ConfigError, match=r"schedule\.timezone = 'Mars/Olympus'.*IANA"):
        load_config(env={}, overrides={"schedule.timezone": "Mars/Olympus"})


def test_schedule_from_environment_is_validated_too() -> None:
    with pytest.raises(ConfigError, match="environment NEWSFOLD__SCHEDULE__GROUPS__LABS"):
        load_config(env={"NEWSFOLD__SCHEDULE__GROUPS__LABS": '"every hour"'})


def test_groups_need_a_schedule_and_enabled_sources() -> None:
    config = load_config(
        env={},
        overrides={
            **PACKAGED_OFF,
            "schedule.groups.feeds": "*/5 * * * *",
            "schedule.groups.ghost": "0 * * * *",
            "sources.openai.enabled": False,
        },
    )
    groups, unscheduled = scheduled_groups(config)
    assert [g.name for g in groups] == ["feeds"]  # "ghost" has no sources
    assert "techcrunch-ai" in groups[0].sources
    assert "openai" not in unscheduled["labs"] and "anthropic" in unscheduled["labs"]


def test_service_jobs_coalesce_run_alone_and_queue_on_one_worker(tmp_path: Path) -> None:
    config = load_config(
        env={},
        overrides={"schedule.misfire_grace_seconds": 77, "schedule.timezone": "Asia/Tokyo"},
    )
    service = CrawlService(config, str(tmp_path / "news.db"), None)
    service.scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in service.scheduler.get_jobs()}
        executor = service.scheduler._lookup_executor("default")
    finally:
        service.scheduler.shutdown(wait=False)
    assert set(jobs) == {"feeds", "business", "labs", "sitemaps"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 77)
        assert str(job.trigger.timezone) == "Asia/Tokyo"
        assert job.next_run_time.tzinfo is not None
    assert executor._pool._max_workers == 1


def run(id: int, status: str, ended: str | None, message: str = "") -> RunRecord:
    """A run record as the store returns it."""
    return RunRecord(id, "2026-11-20T09:00:00+00:00", ended, status, {}, ["a"], message)


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SIX_HOURS = timedelta(hours=6)


def test_health_ok_when_last_run_completed_recently() -> None:
    runs = [run(2, "completed", "2026-11-20T11:50:00+00:00"), run(1, "failed", "x")]
    health = check_health(runs, NOW, SIX_HOURS)
    assert health.healthy and "run (2) ended 10m00s ago" in health.reason


def test_health_fails_when_last_ended_run_failed_even_if_one_is_running() -> None:
    runs = [
        run(3, "running", None),
        run(2, "failed", "2026-11-20T11:50:00+00:00", "HTTP 500"),
        run(1, "completed", "2026-11-20T11:40:00+00:00"),
    ]
    health = check_health(runs, NOW, SIX_HOURS)
    assert not health.healthy and "(2) failed: HTTP 500" in health.reason


def test_health_fails_when_no_success_within_max_age() -> None:
    runs = [
        run(2, "interrupted", "2026-11-20T11:00:00+00:00"),
        run(1, "completed", "2026-11-20T05:00:00+00:00"),
    ]
    assert check_health(runs, NOW, timedelta(hours=8)).healthy
    health = check_health(runs, NOW, SIX_HOURS)
    assert not health.healthy and "ended 7h00m ago, more than 6h00m" in health.reason


def test_health_fails_without_runs_and_on_abandoned_runs() -> None:
    assert not check_health([], NOW, SIX_HOURS).healthy
    assert not check_health(
        [run(1, "abandoned", "2026-11-20T11:59:00+00:00")], NOW, SIX_HOURS
    ).healthy


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("HTTP 404", "HTTP 404"),
        ("TimeoutError: took longer than 30.0 seconds", "TimeoutError"),
        ("not an HTML page (Content-Type: image/png)", "not an HTML page"),
        (
            "page of 12345678 bytes exceeds max_page_bytes 10000000",
            "page of N bytes exceeds max_page_bytes N",
        ),
    ],
)
def test_error_reasons_become_bounded_labels(reason: str, label: str) -> None:
    assert reason_label(reason) == label


def test_metrics_count_runs_that_end_after_the_start(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path / "news.db"))
    old = storage.begin_run(["a"])
    storage.finish_run(old, "completed", {"a": {"stored": 9}})
    metrics = ServiceMetrics()
    metrics.start_from(storage)
    sample = metrics.registry.get_sample_value
    assert sample("newsfold_last_success_timestamp_seconds") > 0
    first = storage.begin_run(["a", "b"])
    storage.record_error(first, "a", "http://a.test/x", "HTTP 404", 404)
    metrics.observe_store(storage)  # still running: not counted yet
    assert sample("newsfold_articles_stored_total", {"source": "a"}) is None
    storage.finish_run(
        first, "completed", {"a": {"stored": 2, "copies": 1, "fetched": 4}, "b": {"stored": 3}}
    )
    storage.save_source_health(
        [
            SourceHealth(
                "a",
                "2026-12-07T10:00:00+00:00",
                "2026-12-07T11:00:00+00:00",
                last_success="2026-12-07T11:00:00+00:00",
            ),
            SourceHealth(
                "b",
                "2026-12-07T10:00:00+00:00",
                "2026-12-07T11:00:00+00:00",
                consecutive_failures=2,
            ),
        ]
    )
    second = storage.begin_run(["a"])
    storage.finish_run(second, "failed", {}, "boom")
    metrics.observe_store(storage)
    metrics.observe_store(storage)  # idempotent
    storage.close()
    assert sample("newsfold_articles_stored_total", {"source": "a"}) == 2
    assert sample("newsfold_articles_stored_total", {"source": "b"}) == 3
    assert sample("newsfold_copies_folded_total", {"source": "a"}) == 1
    assert sample("newsfold_pages_fetched_total", {"source": "a"}) == 4
    success = sample("newsfold_source_last_success_timestamp_seconds", {"source": "a"})
    assert success == datetime(2026, 12, 7, 11, tzinfo=UTC).timestamp()
    assert sample("newsfold_source_last_success_timestamp_seconds", {"source": "b"}) == 0
    assert sample("newsfold_source_consecutive_failures", {"source": "b"}) == 2
    assert sample("newsfold_runs_total", {"status": "completed"}) == 1
    assert sample("newsfold_runs_total", {"status": "failed"}) == 1
    assert sample("newsfold_fetch_errors_total", {"source": "a", "reason": "HTTP 404"}) == 1
    assert sample("newsfold_run_duration_seconds_count") == 2


def test_a_dead_child_leaves_its_run_failed_with_the_signal(tmp_path: Path) -> None:
    config = load_config(env={}, overrides=PACKAGED_OFF | {"schedule.groups.feeds": "* * * * *"})
    service = CrawlService(config, str(tmp_path / "news.db"), None)
    group = service.groups["feeds"]
    storage = open_storage(service.target)
    run_id = storage.begin_run(group.sources)  # what the child wrote before it died
    storage.close()
    status, message = service._settle(group, run_id - 1, ChildResult(-9, 3.0))
    assert (status, message) == ("failed", "the crawl process died of SIGKILL")
    storage = open_storage(service.target)
    assert storage.runs(1)[0].status == "failed"
    storage.close()


def test_a_stopped_child_run_notes_why(tmp_path: Path) -> None:
    config = load_config(env={}, overrides=PACKAGED_OFF | {"schedule.groups.labs": "* * * * *"})
    service = CrawlService(config, str(tmp_path / "news.db"), None)
    group = service.groups["labs"]
    storage = open_storage(service.target)
    run_id = storage.begin_run(group.sources)
    storage.finish_run(run_id, "interrupted", {}, "finished: shutdown")
    storage.close()
    result = ChildResult(1, 60.0, stopped="wall-clock limit of 60 s reached")
    status, message = service._settle(group, run_id - 1, result)
    assert status == "interrupted"
    assert (
        message == "stopped by the service (wall-clock limit of 60 s reached); finished: shutdown"
    )


def test_an_unreachable_store_fails_the_run_without_a_child(tmp_path: Path) -> None:
    config = load_config(env={}, overrides=PACKAGED_OFF | {"schedule.groups.labs": "* * * * *"})
    service = CrawlService(config, str(tmp_path / "gone" / "news.db"), None)
    status, message = service._run(service.groups["labs"])
    assert status == "failed"
    assert "the store cannot be opened" in message and "does not exist" in message


class Ready:
    """A stderr sink that sets an event once the child says it is ready."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event
        self.lines: list[str] = []

    def write(self, line: str) -> Any:
        self.lines.append(line)
        if "ready" in line:
            self.event.set()

    def flush(self) -> None:
        pass


def python(code: str) -> list[str]:
    """A child command running Python code that prints 'ready' once its handlers are set."""
    prelude = "import signal, sys, time\n"
    return [
        sys.executable,
        "-c",
        prelude + code + "\nprint('ready', file=sys.stderr, flush=True)\ntime.sleep(30)",
    ]


def test_child_gets_sigterm_on_stop_and_finishes_gracefully() -> None:
    stop = threading.Event()
    code = (
        "def bye(*_):\n    print('finishing in-flight items', file=sys.stderr)\n    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)"
    )
    result = ChildCrawl(python(code), 60, 10, stop, poll=0.02).run(Ready(stop))
    assert result.returncode == 0 and result.stopped == "service stopping" and not result.killed
    assert result.last_error() == "finishing in-flight items"
    assert result.seconds < 10


def test_child_over_its_time_limit_is_killed_after_the_grace() -> None:
    ready = threading.Event()
    clock_now = [0.0]

    def clock() -> float:
        # Time only moves once the child ignores SIGTERM: no race with its start-up.
        clock_now[0] += 1.0 if ready.is_set() else 0.0
        return clock_now[0]

    code = "signal.signal(signal.SIGTERM, signal.SIG_IGN)"
    crawl = ChildCrawl(python(code), 5, 3, threading.Event(), clock=clock, poll=0.02)
    result = crawl.run(Ready(ready))
    assert result.stopped == "wall-clock limit of 5 s reached"
    assert result.killed and result.returncode == -9
    assert result.describe().endswith("then killed when the grace period ran out")


def test_second_signal_kills_at_once() -> None:
    stop, force = threading.Event(), threading.Event()

    class Both(Ready):
        def write(self, line: str) -> Any:
            super().write(line)
            force.set()

    code = "signal.signal(signal.SIGTERM, signal.SIG_IGN)"
    result = ChildCrawl(python(code), 60, 600, stop, force, poll=0.02).run(Both(stop))
    assert result.killed and result.returncode == -9 and result.seconds < 30

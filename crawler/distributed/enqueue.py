"""`newsfold run --enqueue`: defer each site's poll to the queue, and wait for them if asked."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.console import Console

from config.schema import NewsfoldConfig
from crawler.commands.tables import summary_table
from crawler.distributed.queue import ENDED, Deferrer, Poll, site_polls
from crawler.exitcodes import EXIT_FAILED, EXIT_LOCKED, EXIT_OK
from storage import open_storage
from storage.base import RunRecord

WAIT_POLL_SECONDS = 0.5


@dataclass
class JobOutcome:
    """A deferred poll and how its job ended."""

    poll: Poll
    job_id: int
    status: str = "todo"
    run: RunRecord | None = None  # its last run
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """completed, busy (another process was crawling the site), or the run's or job's end."""
        if self.run is not None:
            return self.run.status
        return "busy" if self.status == "succeeded" else self.status


def enqueue(
    config: NewsfoldConfig, target: str, names: list[str] | None, wait: bool, console: Console
) -> int:
    """Defer the polls; with ``wait``, print the summary a local run prints once all ended."""
    open_storage(target).close()  # the store's tables (and its meta) first
    deferrer = Deferrer(target, config.distributed.queue)
    try:
        jobs = []
        for poll in site_polls(config, names):
            job_id, new = deferrer.defer(poll)
            jobs.append(JobOutcome(poll, job_id))
            note = "deferred" if new else "already waiting"
            console.print(f"site {poll.site}: job {job_id} ({note}): {', '.join(poll.sources)}")
        if not wait:
            return EXIT_OK
        while True:
            for job in jobs:
                if job.status not in ENDED:
                    job.status = deferrer.status(job.job_id)
            if all(job.status in ENDED for job in jobs):
                break
            time.sleep(WAIT_POLL_SECONDS)
    finally:
        deferrer.close()
    return _report(target, jobs, console)


def _report(target: str, jobs: list[JobOutcome], console: Console) -> int:
    """The summary table of the jobs' last runs; exit 0 only when every one completed."""
    storage = open_storage(target, migrate=False)
    try:
        runs = storage.job_runs([job.job_id for job in jobs])
    finally:
        storage.close()
    last = {run.job_id: run for run in runs}  # oldest first: the last one stays
    counts: dict[str, dict[str, int]] = {}
    for job in jobs:
        job.run = last.get(job.job_id)
        for source in job.poll.sources:
            row = (job.run.counts.get(source) if job.run else None) or {}
            if job.outcome == "busy":
                row = {**row, "busy": 1}
            counts[source] = row
    outcomes = sorted({job.outcome for job in jobs})
    Console().print(
        summary_table(counts, f"newsfold run --enqueue: {len(jobs)} jobs, {', '.join(outcomes)}")
    )
    for job in jobs:
        if job.outcome != "completed":
            message = job.run.message if job.run else ""
            console.print(
                f"site {job.poll.site}: job {job.job_id} {job.outcome}"
                + (f": {message}" if message else ""),
                style="red",
                markup=False,
            )
    if all(job.outcome == "completed" for job in jobs):
        return EXIT_OK
    if all(job.outcome in ("completed", "busy") for job in jobs):
        return EXIT_LOCKED
    return EXIT_FAILED

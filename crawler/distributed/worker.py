"""`newsfold worker`: procrastinate's worker, each job a site's poll crawled in a child process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.schema import NewsfoldConfig
from crawler.distributed.queue import (
    SCHEMA_KEY,
    STALLED_LOCK,
    TASK,
    ensure_schema,
    open_app,
    procrastinate,
)
from crawler.exitcodes import EXIT_LOCKED, EXIT_OK
from crawler.service.child import JOB_ENV, PARENT_ENV, STARTED_ENV
from storage import StorageError, open_storage

logger = logging.getLogger(__name__)


class Interrupted(Exception):
    """The worker stopped the crawl (it is stopping): another try, by any worker, finishes it."""


class CrawlFailed(Exception):
    """The crawl ended without completing; its run says why. Not tried again: the next poll is."""


class CrawlWorker:
    """Runs the queue's site polls, ``slots`` at a time, each in a child that dies with it."""

    def __init__(
        self, config: NewsfoldConfig, target: str, config_path: str | None, slots: int
    ) -> None:
        self.config = config
        self.settings = config.distributed
        self.target = target
        self.config_path = str(Path(config_path).resolve()) if config_path else None
        self.slots = slots
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.children: dict[int, asyncio.subprocess.Process] = {}  # job id -> crawl child
        self.stopping = False
        self.worker_task: asyncio.Task[Any] | None = None
        self.retrier_conn: Any = None

    def run(self) -> int:
        """Work until SIGTERM or SIGINT; the running crawls finish (within the grace) first."""
        ensure_schema(self.target)
        asyncio.run(self._main())
        return EXIT_OK

    async def _main(self) -> None:
        """The procrastinate worker beside the stalled-job check, until stopped."""
        app = open_app(self.target, max_size=self.slots + 3)
        tries = self.settings.max_attempts
        retry = (
            procrastinate.RetryStrategy(max_attempts=tries - 1, retry_exceptions={Interrupted})
            if tries > 1
            else None
        )
        app.task(name=TASK, pass_context=True, retry=retry)(self.poll_site)
        stalled = self.settings.stalled_after_seconds
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum)
        async with app.open_async():
            self.worker_task = asyncio.create_task(
                app.run_worker_async(
                    queues=[self.settings.queue],
                    name=self.name,
                    concurrency=self.slots,
                    install_signal_handlers=False,
                    # Four heartbeats fit in the time after which a job counts as stalled.
                    update_heartbeat_interval=stalled / 4,
                    stalled_worker_timeout=stalled,
                    fetch_job_polling_interval=min(5.0, stalled),
                    delete_jobs="never",
                )
            )
            retrier = asyncio.create_task(self._retry_stalled())
            logger.info(
                "worker %s: %d slot(s) on queue %s", self.name, self.slots, self.settings.queue
            )
            try:
                await self.worker_task
            except asyncio.CancelledError:
                pass  # stopped by a signal, after the running jobs ended
            finally:
                retrier.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retrier
                if self.retrier_conn is not None:
                    self.retrier_conn.close()
        logger.info("worker %s stopped", self.name)

    def _on_signal(self, signum: int) -> None:
        """First signal: take no new job, let the crawls finish; a second one kills them."""
        name = signal.Signals(signum).name
        if self.stopping:
            logger.warning("%s again: killing the running crawls", name)
            self._kill_children()
            return
        grace = self.config.schedule.stop_grace_seconds
        logger.info(
            "%s: no new jobs; the running crawls get %s s to finish their in-flight pages",
            name,
            grace,
        )
        self.stopping = True
        for proc in list(self.children.values()):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)  # the crawl alone: Scrapy's graceful stop
        asyncio.get_running_loop().call_later(grace, self._kill_children)
        if self.worker_task is not None:
            self.worker_task.cancel()  # procrastinate's graceful stop: waits for running jobs

    def _kill_children(self) -> None:
        """SIGKILL each running crawl's whole process group (its extraction workers too)."""
        for proc in list(self.children.values()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    async def poll_site(self, context: Any, site: str, sources: list[str]) -> str:
        """The job: crawl a site's sources in a child process; say how it went."""
        job_id = int(context.job.id)
        if self.stopping:
            raise Interrupted("the worker is stopping")
        env = {
            **os.environ,
            STARTED_ENV: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            PARENT_ENV: str(os.getpid()),  # the child dies with this process, however it dies
            JOB_ENV: str(job_id),
        }
        # From the event loop's thread, which lives as long as the process: Linux ties the
        # child's death signal to the thread that forked it.
        proc = await asyncio.create_subprocess_exec(
            *self._child_argv(sources),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # a terminal's Ctrl-C reaches the worker alone
        )
        self.children[job_id] = proc
        logger.info(
            "job %d: crawling site %s (%s), pid %d", job_id, site, ", ".join(sources), proc.pid
        )
        try:
            stopped = await self._watch(proc)
        finally:
            del self.children[job_id]
        return await asyncio.to_thread(self._settle, job_id, site, proc.returncode, stopped)

    def _child_argv(self, sources: list[str]) -> list[str]:
        """`newsfold run` for the site's sources, with this worker's config and store."""
        argv = [sys.executable, "-m", "crawler.cli", "run", "--no-progress", "--db", self.target]
        if self.config_path:
            argv += ["--config", self.config_path]
        for source in sources:
            argv += ["--source", source]
        return argv

    async def _watch(self, proc: asyncio.subprocess.Process) -> str:
        """Wait for the child; stop it at the wall-clock limit. Return why it was stopped, or ""."""
        limit = self.config.schedule.max_run_seconds
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), timeout=limit)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), self.config.schedule.stop_grace_seconds)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
            return f"wall-clock limit of {limit} s reached"
        return "worker stopping" if self.stopping else ""

    def _settle(self, job_id: int, site: str, code: int | None, stopped: str) -> str:
        """The job's outcome from the child's exit; close its run if the child could not."""
        if code == EXIT_OK:
            logger.info("job %d: site %s completed", job_id, site)
            return "completed"
        if code == EXIT_LOCKED:
            logger.warning(
                "job %d: site %s is being crawled by another process: busy", job_id, site
            )
            return "busy"
        died = (
            f"the crawl process died of {signal.Signals(-code).name}"
            if code is not None and code < 0
            else f"the crawl process exited with code {code}"
        )
        status, message = "failed", died
        if stopped:
            status, message = "interrupted", f"stopped by the worker ({stopped}); {died}"
        try:
            storage = open_storage(self.target)
            try:
                storage.close_job_runs(job_id, status, message)
            finally:
                storage.close()
        except StorageError as exc:
            logger.error("job %d: its run could not be closed: %s", job_id, exc)
        if stopped == "worker stopping":
            raise Interrupted(message)
        raise CrawlFailed(f"site {site}: {message}")

    async def _retry_stalled(self) -> None:
        """Every so often, give the jobs of workers that stopped sending heartbeats to others."""
        every = max(0.5, self.settings.stalled_after_seconds / 4)
        while True:
            try:
                await asyncio.to_thread(self._retry_round)
            except Exception as exc:  # the check must outlive a lost connection
                logger.warning("stalled jobs not checked: %s", exc)
                if self.retrier_conn is not None:
                    self.retrier_conn.close()
                    self.retrier_conn = None
            await asyncio.sleep(every)

    def _retry_round(self) -> None:
        """Retry (or fail, after max_attempts) each stalled job, one worker at a time.

        Listing and retrying happen in one transaction under an advisory lock, so two workers
        never both retry a job that a third has meanwhile started again.
        """
        from procrastinate import sql as queue_sql

        from storage.postgres import connect

        if self.retrier_conn is None:
            self.retrier_conn = connect(self.target, f"newsfold worker {self.name}")
        conn, stalled, tries = (
            self.retrier_conn,
            self.settings.stalled_after_seconds,
            self.settings.max_attempts,
        )
        closed: list[tuple[int, str]] = []
        with conn.transaction():
            got = conn.execute(
                f"SELECT pg_try_advisory_xact_lock(%s, {SCHEMA_KEY}) AS got", (STALLED_LOCK,)
            ).fetchone()["got"]
            if not got:
                return  # another worker is checking now
            rows = conn.execute(
                queue_sql.queries["select_stalled_jobs_by_heartbeat"],
                {
                    "queue": self.settings.queue,
                    "task_name": TASK,
                    "seconds_since_heartbeat": stalled,
                },
            ).fetchall()
            for row in rows:
                done = int(row["attempts"]) + 1  # tries so far, the stalled one included
                why = f"its worker (id {row['worker_id']}) sent no heartbeat for {stalled:g} s"
                if done >= tries:
                    conn.execute(
                        queue_sql.queries["finish_job"],
                        {"job_id": row["id"], "status": "failed", "delete_job": False},
                    )
                    why += f"; the job failed after {done} tries"
                else:
                    conn.execute(
                        queue_sql.queries["retry_job"],
                        {
                            "job_id": row["id"],
                            "retry_at": datetime.now(UTC),
                            "new_priority": None,
                            "new_queue_name": None,
                            "new_lock": None,
                        },
                    )
                    why += f"; the job is tried again (try {done + 1} of {tries})"
                logger.warning("job %s stalled: %s", row["id"], why)
                closed.append((int(row["id"]), why))
        if closed:
            storage = open_storage(self.target, migrate=False)
            try:
                for job_id, why in closed:
                    storage.close_job_runs(job_id, "abandoned", why)
            finally:
                storage.close()

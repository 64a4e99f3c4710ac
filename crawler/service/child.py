"""One crawl in a child process, with a wall-clock limit and a graceful stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from storage.times import utcnow

TAIL_LINES = 40
# What the service tells its crawl child: when it started the child (the run's start, so a run's
# duration includes the child's own start-up) and its own pid (the child dies with it).
STARTED_ENV = "NEWSFOLD_RUN_STARTED"
PARENT_ENV = "NEWSFOLD_SERVICE_PID"
# The queue job a worker's crawl child runs for (its run records it).
JOB_ENV = "NEWSFOLD_JOB_ID"


@dataclass
class ChildResult:
    """How a child crawl ended."""

    returncode: int
    seconds: float
    stopped: str = ""
    killed: bool = False
    tail: list[str] = field(default_factory=list)

    def last_error(self) -> str:
        """The child's own error line ("newsfold: ..."), else its last line of output."""
        lines = [line.strip() for line in self.tail if line.strip()]
        own = [line for line in lines if line.startswith("newsfold:")]
        return (own or lines or [""])[-1]

    def describe(self) -> str:
        """Why the process ended, for the run record."""
        if self.stopped:
            killed = ", then killed when the grace period ran out" if self.killed else ""
            return f"stopped by the service ({self.stopped}){killed}"
        if self.returncode < 0:
            return f"the crawl process died of {signal.Signals(-self.returncode).name}"
        error = self.last_error()
        return f"the crawl process exited with code {self.returncode}" + (
            f": {error}" if error else ""
        )


class ChildCrawl:
    """Run a crawl command in its own session; stop it on request or at the time limit."""

    def __init__(
        self,
        argv: Sequence[str],
        max_seconds: float,
        grace_seconds: float,
        stop: threading.Event,
        force: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
        poll: float = 0.1,
    ) -> None:
        self.argv = list(argv)
        self.max_seconds = max_seconds
        self.grace_seconds = grace_seconds
        self.stop = stop
        self.force = force or threading.Event()
        self.clock = clock
        self.poll = poll

    def run(self, log: TextIO | None = None) -> ChildResult:
        """Start the command, watch it until it ends, and say how it ended."""
        # A session of its own: a terminal's Ctrl-C reaches only the service, which forwards
        # one SIGTERM (a second one would make Scrapy stop without finishing in-flight items).
        env = {**os.environ, STARTED_ENV: utcnow(), PARENT_ENV: str(os.getpid())}
        proc = subprocess.Popen(
            self.argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        pump = threading.Thread(
            target=_pump, args=(proc.stderr, log or sys.stderr, tail), daemon=True
        )
        pump.start()
        started = self.clock()
        stopped, killed = self._watch(proc, started)
        pump.join(timeout=5)
        return ChildResult(proc.returncode, self.clock() - started, stopped, killed, list(tail))

    def _watch(self, proc: subprocess.Popen[str], started: float) -> tuple[str, bool]:
        """Wait for the process; SIGTERM it on stop or time-out, SIGKILL after the grace."""
        stopped, killed, asked = "", False, 0.0
        while True:
            try:
                proc.wait(timeout=self.poll)
                return stopped, killed
            except subprocess.TimeoutExpired:
                pass
            now = self.clock()
            if not stopped:
                stopped = self._stop_reason(now - started)
                if stopped:
                    proc.terminate()
                    asked = now
            elif not killed and (self.force.is_set() or now - asked >= self.grace_seconds):
                # The whole group: the crawl's extraction workers go with it.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                killed = True

    def _stop_reason(self, elapsed: float) -> str:
        """Why the process must stop now, or ""."""
        if self.stop.is_set():
            return "service stopping"
        if elapsed >= self.max_seconds:
            return f"wall-clock limit of {self.max_seconds:g} s reached"
        return ""


def _pump(source: TextIO | None, sink: TextIO, tail: deque[str]) -> None:
    """Copy the child's stderr to ours line by line, keeping the last lines."""
    if source is None:
        return
    for line in source:
        tail.append(line)
        try:
            sink.write(line)
            sink.flush()
        except (OSError, ValueError):
            pass
    source.close()

"""Child processes: each in its own process group, dying with its parent, measured from /proc."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_S = 0.05
PR_SET_PDEATHSIG = 1


# looked up once here: the child, between fork and exec, only calls it
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    """Run in the child before exec: SIGKILL when the benchmark that started it dies."""
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)


def child_env(**extra: str) -> dict[str, str]:
    """This environment without newsfold overrides, with the repository importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFOLD__")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env | extra


def newsfold(*args: str) -> list[str]:
    """The ``newsfold`` console script installed next to this interpreter."""
    return [str(Path(sys.executable).with_name("newsfold")), *args]


def python(module: str, *args: str) -> list[str]:
    """This interpreter running ``python -m module args``."""
    return [sys.executable, "-m", module, *args]


def start(cmd: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
    """Start a command as the leader of a new process group that dies with us."""
    popen.setdefault("env", child_env())
    popen.setdefault("cwd", REPO_ROOT)
    return subprocess.Popen(list(cmd), start_new_session=True, preexec_fn=_die_with_parent, **popen)


def end_group(pgid: int) -> None:
    """Kill what is left of a process group we started (nothing, once all of it has exited)."""
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """End a child we started and everything in its process group, then reap it."""
    end_group(proc.pid)
    proc.wait()


def run(
    cmd: Sequence[str], timeout: float, env: Mapping[str, str] | None = None, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end (its group killed past ``timeout``); output captured as text."""
    proc = start(
        cmd,
        env=dict(env or child_env()),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        kill_group(proc)
        raise
    end_group(proc.pid)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def last_json(stdout: str) -> dict[str, Any]:
    """The last line of a child's output that is a JSON object."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError("the child printed no JSON line")
    return dict(json.loads(lines[-1]))


def run_json(cmd: Sequence[str], timeout: float = 3600) -> dict[str, Any]:
    """Run a child measurement; the JSON line it printed last."""
    done = run(cmd, timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[-1]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return last_json(done.stdout)


def rss_mb(field_name: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident set size in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} in /proc/self/status")


# ---- a child measured while it runs


@dataclass
class Usage:
    """The largest figures seen of one process."""

    hwm_kb: int = 0
    cpu_ticks: int = 0

    def merge(self, other: Usage) -> None:
        """Keep the larger of each figure (an exiting process reads as zero)."""
        self.hwm_kb = max(self.hwm_kb, other.hwm_kb)
        self.cpu_ticks = max(self.cpu_ticks, other.cpu_ticks)


@dataclass
class Measured:
    """A finished child: wall time, exit code, output and what its process tree used."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float  # the largest sum of the tree's resident sets seen at one time
    main_rss_mb: float
    cpu_s: float  # every process of the tree
    processes: int
    others: list[dict[str, float]] = field(default_factory=list)  # each other process

    def json_line(self) -> dict[str, Any]:
        """The JSON line a child entry printed last."""
        if self.returncode != 0:
            raise RuntimeError(f"child failed ({self.returncode}): {self.stderr[-2000:]}")
        return last_json(self.stdout)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with suppress(OSError), open(f"/proc/{current}/task/{task}/children") as fh:
                    todo.extend(int(child) for child in fh.read().split())
    return found


def read_proc(pid: int) -> tuple[Usage, int] | None:
    """(peak RSS and CPU ticks, current RSS in KB) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            status = dict(line.split(":", 1) for line in fh.read().splitlines() if ":" in line)
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return None

    def kb(name: str) -> int:
        return int(status.get(name, "0 kB").split()[0])

    return Usage(kb("VmHWM"), int(stat[11]) + int(stat[12])), kb("VmRSS")


def run_measured(
    cmd: Sequence[str], timeout: float, env: Mapping[str, str] | None = None, cwd: Path = REPO_ROOT
) -> Measured:
    """Run a command to its end, sampling its process tree's memory and CPU every 50 ms."""
    seen: dict[int, Usage] = {}
    peak_kb = 0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = start(cmd, env=dict(env or child_env()), cwd=cwd, stdout=out, stderr=err)
        try:
            while True:
                pid, status = os.waitpid(proc.pid, os.WNOHANG)
                if pid:
                    break
                tree_kb = 0
                for member in process_tree(proc.pid):
                    found = read_proc(member)
                    if found is not None:
                        seen.setdefault(member, Usage()).merge(found[0])
                        tree_kb += found[1]
                peak_kb = max(peak_kb, tree_kb)
                if time.perf_counter() - started > timeout:
                    end_group(proc.pid)
                time.sleep(SAMPLE_S)
        except BaseException:
            kill_group(proc)
            raise
        seconds = time.perf_counter() - started
        end_group(proc.pid)  # helpers the command left behind
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    ticks = os.sysconf("SC_CLK_TCK")
    main = seen.pop(proc.pid, Usage())
    return Measured(
        seconds=seconds,
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        peak_rss_mb=max(peak_kb, main.hwm_kb) / 1024,
        main_rss_mb=main.hwm_kb / 1024,
        cpu_s=(main.cpu_ticks + sum(u.cpu_ticks for u in seen.values())) / ticks,
        processes=1 + len(seen),
        others=[
            {"peak_rss_mb": u.hwm_kb / 1024, "cpu_s": u.cpu_ticks / ticks} for u in seen.values()
        ],
    )

"""Benchmark results as JSON files under ``benchmarks/results``, with where and how they were made."""

from __future__ import annotations

import json
import math
import os
import platform
import shlex
import socket
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks.harness.procs import REPO_ROOT
from benchmarks.harness.tables import Table, render, targets_table

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"
PACKAGES = (
    "newsfold",
    "scrapy",
    "twisted",
    "trafilatura",
    "lxml",
    "lxml_html_clean",
    "datasketch",
    "numpy",
    "psycopg",
    "pyarrow",
)
PRODUCT = ("crawler", "pipelines", "config", "storage")


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else platform.processor() or "unknown"


def git(*args: str) -> str:
    """A git command's output in the repository, '' when it fails."""
    done = subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.rstrip() if done.returncode == 0 else ""


def packages() -> dict[str, str]:
    """Versions of the packages measured ('absent' for one not installed)."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def environment(name: str, argv: list[str]) -> dict[str, Any]:
    """Date, host, commit, versions and the command, taken when a benchmark starts."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": {
            "hostname": socket.gethostname(),
            "nproc": len(os.sched_getaffinity(0)),
            "cpu_model": cpu_model(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "commit": git("rev-parse", "HEAD") or None,
        # product files changed since that commit: the figures are of the working tree
        "uncommitted": [
            line[3:] for line in git("status", "--porcelain", "--", *PRODUCT).splitlines()
        ],
        "python": platform.python_version(),
        "packages": packages(),
        "command": shlex.join(["python", "-m", f"benchmarks.{name}", *argv]),
    }


def finite(value: Any) -> Any:
    """The value with NaN and infinities written as null, as JSON has them not."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def save(
    benchmark: str, result: str, env: dict[str, Any], figures: dict[str, Any], out: Path | None
) -> Path:
    """Write ``results/<result>.json`` (or ``out``): the environment and the figures."""
    path = out or RESULTS_DIR / f"{result}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": benchmark, "result": result, **env, "figures": finite(figures)}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def publish(
    benchmark: str,
    result: str,
    env: dict[str, Any],
    figures: dict[str, Any],
    out: Path | None,
    tables: Callable[[dict[str, Any]], list[Table]],
) -> None:
    """Print the figures' tables and save them with their environment."""
    shown = [*tables(figures)]
    if figures.get("targets"):
        shown.insert(0, targets_table(figures["targets"]))
    print(render(shown))
    print(f"\nsaved to {save(benchmark, result, env, figures, out)}")


def load_all(folder: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    """Every saved result, by file name."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def target(name: str, value: float | None, op: str, limit: float) -> dict[str, Any]:
    """A target with its measured value: ``op`` is ``>=`` or ``<=``."""
    met = value is not None and (value >= limit if op == ">=" else value <= limit)
    return {"name": name, "value": value, "op": op, "limit": limit, "met": met}

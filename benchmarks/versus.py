"""Versus: the CPU cost of extraction + cleaning in this checkout against another one, in turn.

Two checkouts of newsfold cannot be imported into one process, so each pass is a child
process that imports one checkout (``PYTHONPATH``), extracts, learns and cleans the pages as
``newsfold extract`` does (``paired.NewsfoldPass``) after five untimed pages, and reports the
CPU seconds of that alone. Passes alternate between the checkouts, the order swapped every
round, so the host's drifting speed weighs on both alike; the ratio is the other checkout's
CPU time over this one's, summed over the rounds (above 1: this one is cheaper).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import scoring
from benchmarks.harness import results
from benchmarks.harness.rounds import log
from benchmarks.harness.tables import Table, num

NAME = "versus"
HERE = Path(__file__).resolve().parents[1]
# The child: read the page list, time one pass of extraction + learning + cleaning.
CHILD = """
import gzip, json, sys, time
from benchmarks.paired import NewsfoldPass, WARM_UP
entries = json.load(open(sys.argv[1]))
pages = [(url, gzip.decompress(open(path, "rb").read())) for path, url in entries]
run = NewsfoldPass()
run(pages[:WARM_UP])
started = time.process_time()
run(pages)
print(json.dumps({"cpu_s": time.process_time() - started}))
"""


def one_pass(checkout: Path, listing: Path) -> float:
    """CPU seconds of one timed pass of a checkout's code over the pages."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(listing)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["cpu_s"])


def tables(figures: dict[str, Any]) -> list[Table]:
    """Each round's CPU seconds and the ratio."""
    rows = [
        [i + 1, num(r["this_s"], 2), num(r["other_s"], 2), num(r["other_s"] / r["this_s"], 3)]
        for i, r in enumerate(figures["rounds"])
    ]
    rows.append(
        ["all", num(figures["this_s"], 2), num(figures["other_s"], 2), num(figures["ratio"], 3)]
    )
    title = f"{figures['pages']} pages a pass; other checkout: {figures['other']}"
    return [Table(title, ["round", "this CPU s", "other CPU s", "other / this"], rows)]


def main(argv: Sequence[str] | None = None) -> int:
    """Alternate passes of the two checkouts, print and save the ratio."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("--rounds", type=int, default=4, help="passes of each checkout")
    parser.add_argument("--trafeval", type=int, default=300, help="trafilatura-eval pages added")
    parser.add_argument("--out", type=Path, help=f"result file (default results/{NAME}.json)")
    args = parser.parse_args(argv)
    root = scoring.default_benchdata_root()
    entries = [(str(p.html_path), p.url) for p in scoring.load_aeb_pages(root)]
    entries += [
        (str(p.html_path), p.url) for p in scoring.load_trafeval_pages(root)[: args.trafeval]
    ]
    listing = Path(os.environ.get("TMPDIR", "/tmp")) / f"newsfold-versus-{os.getpid()}.json"
    listing.write_text(json.dumps(entries), encoding="utf-8")
    rounds = []
    try:
        for round_ in range(args.rounds):
            order = ("this", "other") if round_ % 2 == 0 else ("other", "this")
            spent = {}
            for name in order:
                log(f"round {round_ + 1}: {name}")
                spent[name] = one_pass(HERE if name == "this" else args.other.resolve(), listing)
            rounds.append({"this_s": spent["this"], "other_s": spent["other"]})
    finally:
        listing.unlink(missing_ok=True)
    this_s, other_s = sum(r["this_s"] for r in rounds), sum(r["other_s"] for r in rounds)
    commit = subprocess.run(
        ["git", "-C", str(args.other), "rev-parse", "--short=12", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    figures = {
        "other": f"{args.other} (commit {commit or 'unknown'})",
        "pages": len(entries),
        "rounds": rounds,
        "this_s": this_s,
        "other_s": other_s,
        "ratio": other_s / this_s,
        "targets": [results.target("other / this CPU", other_s / this_s, ">=", 0.95)],
    }
    results.publish(NAME, NAME, results.environment(NAME, argv), figures, args.out, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

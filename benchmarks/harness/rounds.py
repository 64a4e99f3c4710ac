"""Rounds: every step once a round, so a host whose speed drifts moves every step alike.

Figures compared with each other are taken in the same round, minutes apart rather than a whole
run apart; a ratio is the median of the rounds' own ratios, not the ratio of medians.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def log(message: str) -> None:
    """Progress on stderr, so that stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def in_rounds(steps: Sequence[tuple[str, Callable[[], T]]], rounds: int) -> list[dict[str, T]]:
    """Run every step once a round, in reverse order every other round; each round's results."""
    done: list[dict[str, T]] = []
    for number in range(1, rounds + 1):
        order = steps if number % 2 else steps[::-1]
        found: dict[str, T] = {}
        for name, step in order:
            started = time.perf_counter()
            found[name] = step()
            log(f"{name} (round {number} of {rounds}): {time.perf_counter() - started:.1f} s")
        done.append({name: found[name] for name, _ in steps})
    return done


def median_index(values: Sequence[float]) -> int:
    """The index of the lower median of the values."""
    order = sorted(range(len(values)), key=values.__getitem__)
    return order[(len(values) - 1) // 2]


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def median_ratio(pairs: Sequence[tuple[float, float]]) -> tuple[float, list[float]]:
    """The median of each round's own ratio, and those ratios."""
    each = [ratio(a, b) for a, b in pairs]
    return statistics.median(each), each

"""Paired CPU throughput: newsfold's extraction + cleaning against bare trafilatura, interleaved.

A shared host's speed drifts, so two systems timed minutes apart compare the machine as much
as the code. Here both run in this process over the same chunks of pages, one chunk each in
turn, the order swapped every chunk; the ratio is bare CPU time over newsfold's, summed.
newsfold replaces trafilatura's regex-testing expressions process-wide
(pipelines/extraction/xpath_guard.py): the bare passes run with trafilatura's own put back,
swapped outside the timed part.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass

Pages = Sequence[tuple[str, bytes]]  # (url, html bytes)

CHUNK = 20
WARM_UP = 5


@dataclass(frozen=True)
class Paired:
    """CPU seconds of each system over the same pages."""

    pages: int
    bare_s: float
    newsfold_s: float

    @property
    def ratio(self) -> float:
        """newsfold's throughput over bare trafilatura's."""
        return self.bare_s / self.newsfold_s if self.newsfold_s else 0.0


class NewsfoldPass:
    """What ``newsfold extract`` does to pages: extract, learn each site, clean."""

    def __init__(self) -> None:
        from config.loader import load_config
        from pipelines.cleaning.cleaner import Cleaner, site_learner
        from pipelines.extraction.extractor import Extractor

        config = load_config()
        self.extractor = Extractor(
            config.crawl.max_page_bytes, frozenset(config.clean.disabled_rules)
        )
        self.learner = site_learner(config.clean)
        self.cleaner = Cleaner(config.clean, self.learner)

    def __call__(self, pages: Pages) -> None:
        """Extract, learn from and clean these pages."""
        from pipelines.cleaning.cleaner import clean_together
        from pipelines.extraction.extractor import ExtractionError

        extracted = []
        for url, html in pages:
            # a page without an article costs its extraction all the same
            with suppress(ExtractionError):
                extracted.append(self.extractor.extract(html, url))
        clean_together(extracted, self.learner, self.cleaner)


def measure(pages: Pages, bare: Callable[[bytes], object], rounds: int = 1) -> Paired:
    """Both systems over every chunk of ``pages``, ``rounds`` times, interleaved."""

    def bare_pass(chunk: Pages) -> None:
        for _, html in chunk:
            bare(html)

    from pipelines.extraction.xpath_guard import XPATH_GUARD

    newsfold_pass = NewsfoldPass()
    XPATH_GUARD.restore()
    bare_pass(pages[:WARM_UP])
    XPATH_GUARD.apply()
    newsfold_pass(pages[:WARM_UP])
    spent = {"bare": 0.0, "newsfold": 0.0}
    passes: dict[str, Callable[[Pages], None]] = {"bare": bare_pass, "newsfold": newsfold_pass}
    expressions: dict[str, Callable[[], object]] = {
        "bare": XPATH_GUARD.restore,
        "newsfold": XPATH_GUARD.apply,
    }
    for round_ in range(rounds):
        for number, start in enumerate(range(0, len(pages), CHUNK)):
            chunk = pages[start : start + CHUNK]
            order = ("bare", "newsfold") if (number + round_) % 2 == 0 else ("newsfold", "bare")
            for name in order:
                expressions[name]()
                started = time.process_time()
                passes[name](chunk)
                spent[name] += time.process_time() - started
    XPATH_GUARD.apply()  # as the process had it
    return Paired(len(pages) * rounds, spent["bare"], spent["newsfold"])

"""AI-industry relevance: a page scored against a weighted lexicon of terms."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from config.schema import RelevanceConfig

MAX_COUNT = 3  # repeats of one term beyond this add nothing


@dataclass(frozen=True)
class Relevance:
    """A relevance score and the terms that made it."""

    score: float
    terms: list[str]


class RelevanceScorer:
    """Scores a title and text by the weighted lexicon terms they contain."""

    def __init__(self, config: RelevanceConfig) -> None:
        self.config = config
        self.weights = dict(config.terms)
        alternatives = sorted(self.weights, key=len, reverse=True)
        pattern = "|".join(re.escape(term) for term in alternatives) or r"(?!x)x"
        # The config lower-cases its terms; matched against lower-cased text, far cheaper
        # than re.IGNORECASE over many alternatives.
        self.pattern = re.compile(rf"(?<![\w.-])(?:{pattern})(?![\w-])")

    def score(self, title: str, text: str) -> Relevance:
        """Weighted count of lexicon terms, in any case; title matches count twice."""
        counts: Counter[str] = Counter(self.pattern.findall(text.lower()))
        for match in self.pattern.findall(title.lower()):
            counts[match] += 2
        total = sum(self.weights.get(term, 0.0) * min(n, MAX_COUNT) for term, n in counts.items())
        return Relevance(round(total, 3), sorted(counts, key=lambda t: (-counts[t], t)))

    def on_topic(self, relevance: Relevance) -> bool:
        """Whether a score passes the configured threshold."""
        return not self.config.enabled or relevance.score >= self.config.threshold

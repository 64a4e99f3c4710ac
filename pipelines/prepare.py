"""The work on one page that needs only the page: extract, clean, score, fingerprint it and read
its organisations, amounts and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.schema import NewsfoldConfig
from pipelines.cleaning.boilerplate import KnownTemplate, SiteLearner, site_key
from pipelines.cleaning.cleaner import Cleaner
from pipelines.entities.extractor import EntityExtractor
from pipelines.extraction.extractor import Extractor, Page
from pipelines.extraction.lines import text_lines
from pipelines.extraction.xpath_guard import GuardStatus
from pipelines.folding.features import Fingerprint, Fingerprinter
from pipelines.lifetime import tie_worker
from pipelines.scoring.relevance import Relevance, RelevanceScorer


@dataclass
class Prepared:
    """One page ready for the crawl's process: cleaned, scored and, when on topic, fingerprinted."""

    page: Page
    removals: list[dict[str, str]]
    relevance: Relevance
    fingerprint: Fingerprint | None  # None when off topic or empty: it will not be folded
    line_keys: list[str]  # the page's line hashes, for the site learner
    entities: dict[str, Any] = field(default_factory=dict)  # of an on-topic page


class Preparer:
    """Each stage's pure part, run in sequence on one page (in an extraction worker)."""

    def __init__(self, config: NewsfoldConfig) -> None:
        disabled = frozenset(config.clean.disabled_rules)
        self.extractor = Extractor(config.crawl.max_page_bytes, disabled, config.crawl.guard_xpath)
        self.cleaner = Cleaner(config.clean)
        self.keys = SiteLearner().line_keys
        self.scorer = RelevanceScorer(config.relevance)
        self.fingerprinter = Fingerprinter(config.fold)
        wanted = config.entities.enabled
        self.entities = EntityExtractor.from_config(config.entities) if wanted else None

    def prepare(
        self,
        body: bytes | str,
        url: str,
        declared: str | None = None,
        template: KnownTemplate | None = None,
    ) -> Prepared:
        """Extract, clean, score and fingerprint a page; raise ExtractionError when it has none."""
        page = self.extractor.extract(body, url, declared)
        lines = page.lines or text_lines(page.text)
        keys = self.keys(line.text for line in lines)
        cleaned = self.cleaner.clean(lines, page.authors, page.title, site_key(url), template)
        page.text, page.lines = cleaned.text, []
        relevance = self.scorer.score(page.title, page.text)
        fingerprint, entities = None, {}
        if page.text.strip() and self.scorer.on_topic(relevance):
            fingerprint = self.fingerprinter.fingerprint(page.text, page.title)
            if self.entities is not None:
                entities = self.entities.extract(page.title, page.text).stored()
        removals = page.removals + cleaned.removals
        return Prepared(page, removals, relevance, fingerprint, keys, entities)


_worker: Preparer | None = None


def start_worker(config: NewsfoldConfig) -> None:
    """Build the worker's Preparer once, when its process starts."""
    global _worker
    tie_worker()
    _worker = Preparer(config)


def warm_up() -> GuardStatus:
    """Returns once the worker has started: whether its trafilatura expressions are guarded."""
    assert _worker is not None, "start_worker was not run in this process"
    return _worker.extractor.guard


def prepare_job(
    body: bytes | str, url: str, declared: str | None, template: KnownTemplate | None
) -> Prepared:
    """Prepare one page in a worker process."""
    assert _worker is not None, "start_worker was not run in this process"
    return _worker.prepare(body, url, declared, template)

"""What one crawl run shares between the spider and the pipelines."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from config.schema import NewsfoldConfig, SourceConfig
from crawler.sources.retries import record_failure
from pipelines.cleaning.boilerplate import KnownTemplate, SiteLearner
from pipelines.cleaning.cleaner import site_learner
from pipelines.folding.batches import Batcher
from storage.base import FailedPage, Storage, StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.items import ArticleItem

logger = logging.getLogger(__name__)


@dataclass
class RunContext:
    """The config, store and run id of one crawl, and the state its stages share."""

    config: NewsfoldConfig
    storage: Storage
    run_id: int | None
    sources: dict[str, SourceConfig]
    learner: SiteLearner = field(init=False)
    batcher: Batcher = field(init=False)
    # The items folded into the open batch: marked lost if the store refuses to commit it.
    pending: list[ArticleItem] = field(init=False, default_factory=list)
    _loaded: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.learner = site_learner(self.config.clean)
        crawl = self.config.crawl
        # A store may commit fewer documents together than asked (PostgreSQL: one, so that
        # concurrent writers never wait for another's whole batch).
        items = min(crawl.commit_items, self.storage.max_batch_items or crawl.commit_items)
        self.batcher = Batcher(self.storage, items, crawl.commit_seconds)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunContext:
        """The context the crawl's spider was started with (``NewsSpider(context=...)``)."""
        context = getattr(crawler.spider, "context", None)
        if not isinstance(context, cls):
            raise NotConfigured("newsfold's components run only in a NewsSpider crawl")
        return context

    def template(self, site: str) -> KnownTemplate:
        """The site's template as learned by this and earlier crawls."""
        self._load(site)
        return self.learner.template(site)

    def learn(self, site: str, keys: list[str]) -> None:
        """Count one page of a site in its template."""
        self._load(site)
        self.learner.observe_keys(site, keys)

    def _load(self, site: str) -> None:
        """Read what earlier crawls learned of a site, the first time this crawl meets it."""
        if site not in self._loaded:
            self._loaded.add(site)
            self.learner.restore(self.storage.load_site_learning([site]))

    def save_learning(self) -> None:
        """Store the template counts of every site this crawl saw."""
        state = self.learner.to_state()
        if not state:
            return
        try:
            self.storage.save_site_learning(state)
        except StorageError as exc:
            logger.error("site learning not saved (the next crawl relearns it): %s", exc)

    def record_error(self, source: str, url: str, reason: str, status: int | None = None) -> None:
        """Record a failure of one URL; the run goes on."""
        logger.warning("%s: %s: %s", source, url, reason)
        self.storage.record_error(self.run_id, source, url, reason, status)

    def page_failed(self, source: str, url: str, key: str | None, reason: str) -> FailedPage | None:
        """Have a failed article page fetched again on a later run, or give it up."""
        if not key:
            return None
        try:
            return record_failure(self.storage, self.config.crawl, key, url, source, reason)
        except StorageError as exc:
            logger.error("%s: %s will not be fetched again: %s", source, url, exc)
            return None

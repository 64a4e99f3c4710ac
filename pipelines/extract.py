"""Extract stage: each page goes through the per-page plan in worker processes, off the reactor."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from crawler.context import RunContext
from crawler.items import ArticleItem, ExtractFailed
from pipelines import lifetime, prepare
from pipelines.cleaning.boilerplate import KnownTemplate, site_key
from pipelines.extraction.extractor import ExtractionError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Extracts each page, with the page-only work of the later stages, in a process pool."""

    # Everything that needs only the page (pipelines.prepare: extract, clean, score, fingerprint)
    # runs in the workers, so the crawl's process is left with fetching, the per-site learning,
    # folding and storing. The later stages act on what the workers computed.

    def __init__(self, crawler: Crawler, context: RunContext) -> None:
        self.crawler = crawler
        self.context = context
        self.config = context.config
        self.workers = self.config.crawl.extract_workers or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None
        self.inline = prepare.Preparer(self.config) if self.workers == 1 else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        """Build the stage from the crawler's run context."""
        return cls(crawler, RunContext.from_crawler(crawler))

    async def open_spider(self) -> None:
        """Start the worker pool before the first request (none for one worker: work inline)."""
        if self.inline is not None:
            guards = [self.inline.extractor.guard]
        else:
            self.pool = self._start_pool()
            # Spawning workers blocks the caller; doing it now keeps it off the crawl's clock.
            guards = await asyncio.gather(
                *(
                    asyncio.wrap_future(self.pool.submit(prepare.warm_up))
                    for _ in range(self.workers)
                )
            )
        # Each process that could not guard trafilatura's expressions logged why; count them.
        failed = sum(guard.failure is not None for guard in guards)
        if failed:
            self.crawler.stats.set_value("extract/xpath_guard_failed", failed)

    def _start_pool(self) -> ProcessPoolExecutor:
        """A pool of workers that each build their Preparer once."""
        ctx = multiprocessing.get_context("forkserver")
        # The forkserver ties itself to this process as it loads its preloads, and each worker
        # to the forkserver as it starts: a crawl killed with SIGKILL leaves no process behind.
        os.environ[lifetime.POOL_PARENT_ENV] = str(os.getpid())
        # datasketch too: the fingerprinter imports it only when built, and each worker builds one.
        ctx.set_forkserver_preload(
            ["pipelines.lifetime_preload", "pipelines.prepare", "datasketch"]
        )
        return ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=prepare.start_worker, initargs=(self.config,)
        )

    async def _in_pool(self, item: ArticleItem, template: KnownTemplate | None) -> prepare.Prepared:
        """Prepare a page in a worker; a pool whose worker died is replaced and the page retried."""
        for attempt in (1, 2):
            pool = self.pool
            assert pool is not None
            try:
                future = pool.submit(
                    prepare.prepare_job, item.body, item.url, item.declared, template
                )
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                if self.pool is pool:  # the first page to notice replaces the pool
                    logger.warning("an extraction worker died; starting new workers")
                    pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = self._start_pool()
                    self.crawler.stats.inc_value("extract/pool_restarts")
                if attempt == 2:
                    raise ExtractionError(
                        "the extraction worker died twice on this page (a crash in the HTML "
                        "parser or out of memory); the page is retried next run"
                    ) from None
        raise AssertionError("unreachable")

    def close_spider(self) -> None:
        """Stop the worker pool."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        """Fill the item from its page, or drop it with the reason recorded."""
        stats = self.crawler.stats
        assert stats is not None
        site = site_key(item.url)
        template = self.context.template(site) if site else None
        try:
            if self.inline is not None:
                done = self.inline.prepare(item.body, item.url, item.declared, template)
            else:
                done = await self._in_pool(item, template)
        except ExtractionError as exc:
            stats.inc_value(f"newsfold/{item.source}/errors")
            stats.inc_value("extract/failed")
            self.context.record_error(item.source, item.url, str(exc))
            raise ExtractFailed(f"extract: {exc}") from None
        item.page, item.removals, item.line_keys = done.page, done.removals, done.line_keys
        item.relevance, item.relevance_terms = done.relevance.score, done.relevance.terms
        item.fingerprint, item.entities = done.fingerprint, done.entities
        if item.page.notes:
            stats.inc_value("extract/repaired")
            logger.info("%s: %s", item.url, "; ".join(item.page.notes))
        item.body = b""
        return item

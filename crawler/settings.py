"""Scrapy settings built from newsfold's config."""

from __future__ import annotations

from typing import Any

from config.schema import NewsfoldConfig

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.clean.CleanPipeline": 200,
    "pipelines.relevance.RelevancePipeline": 300,
    "pipelines.fold.FoldPipeline": 400,
    "pipelines.store.StorePipeline": 500,
}


def scrapy_settings(config: NewsfoldConfig, progress: bool = False) -> dict[str, Any]:
    """The Scrapy settings dict for a crawl with this config."""
    crawl = config.crawl
    extensions: dict[str, int] = {"scrapy.extensions.telnet.TelnetConsole": 0}
    if progress:
        extensions["crawler.progress.ProgressDisplay"] = 500
    return {
        "BOT_NAME": "newsfold",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "ROBOTSTXT_USER_AGENT": crawl.user_agent,
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "RETRY_TIMES": crawl.retries,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "COOKIES_ENABLED": False,
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "EXTENSIONS": extensions,
        "LOG_LEVEL": crawl.log_level,
        "LOG_FORMATTER": "crawler.logformatter.NewsfoldLogFormatter",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "FEED_EXPORT_ENCODING": "utf-8",
    }

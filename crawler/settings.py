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
DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100): not even robots.txt is fetched from a refused address.
    "crawler.middlewares.guard.AddressGuard": 50,
    # Its process_response runs before RetryMiddleware's (550), which then schedules the retry.
    "crawler.middlewares.backoff.Backoff": 560,
    # Scrapy's own, with a check on the raw bytes first (see crawler/middlewares/refresh.py).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.refresh.MetaRefresh": 580,
}


def scrapy_settings(config: NewsfoldConfig, progress: bool = False) -> dict[str, Any]:
    """The Scrapy settings dict for a crawl with this config."""
    crawl = config.crawl
    extensions: dict[str, int | None] = {
        # None switches an extension off (0 would only order it): no telnet console.
        "scrapy.extensions.telnet.TelnetConsole": None,
        "crawler.sources.seen.SeenUrls": 100,
        "crawler.extensions.errors.ErrorRecorder": 110,
    }
    if progress:
        extensions["crawler.extensions.progress.ProgressDisplay"] = 500
    return {
        "BOT_NAME": "newsfold",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "ROBOTSTXT_USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        # Scrapy starts this many asyncio tasks for every response, whatever it yields. A page
        # yields one article and a feed only requests: the default 100 tasks a page are CPU the
        # crawl's process needs for fetching and folding.
        "CONCURRENT_ITEMS": 1,
        "DOWNLOAD_DELAY": crawl.download_delay,
        # The delay is a floor between two requests to one site, not an average.
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": crawl.target_concurrency,
        "AUTOTHROTTLE_START_DELAY": crawl.download_delay,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, crawl.download_delay),
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "RETRY_TIMES": crawl.retries,
        "NEWSFOLD_RETRY_BACKOFF": crawl.retry_backoff,
        "NEWSFOLD_MAX_RETRY_AFTER": crawl.max_retry_after,
        "REDIRECT_MAX_TIMES": crawl.max_redirects,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "NEWSFOLD_ALLOW_NETWORKS": crawl.allow_networks,
        # The address guard relies on the connection using the address it checked: the cache.
        "DNSCACHE_ENABLED": True,
        "COOKIES_ENABLED": False,
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        "EXTENSIONS": extensions,
        "TELNETCONSOLE_ENABLED": False,
        # The remote-control server runs code sent to it; a crawler service has no use for it.
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": crawl.log_level,
        "LOG_FORMATTER": "crawler.logformatter.NewsfoldLogFormatter",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "FEED_EXPORT_ENCODING": "utf-8",
    }

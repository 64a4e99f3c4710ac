"""Crawl the fixture publishers under their own domains, the same from run to run.

Their servers listen on ports that change with every start. Were the port part of each URL, a
second ``newsfold demo`` into one store would take every article for a new one (the port is part
of the URL key). So the crawl asks for ``http://<domain>/...``: each domain resolves to loopback
without asking DNS, which keeps the address guard checking it, and its requests go to its
publisher's server as to an HTTP proxy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer

from crawler.settings import DOWNLOADER_MIDDLEWARES

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase

LOOPBACK = "127.0.0.1"


def demo_settings(routes: Mapping[str, str]) -> dict[str, Any]:
    """Scrapy settings that reach each domain of ``routes`` through the proxy URL it maps to."""
    return {
        "NEWSFOLD_DEMO_ROUTES": dict(routes),
        # Every request passes the chain, robots.txt's too: any place before the download does.
        "DOWNLOADER_MIDDLEWARES": {**DOWNLOADER_MIDDLEWARES, "crawler.demo.routes.DemoRoutes": 40},
        "TWISTED_DNS_RESOLVER": "crawler.demo.routes.DemoResolver",
    }


class DemoRoutes:
    """Sends the requests for a fixture publisher's domain to its server, as to a proxy."""

    def __init__(self, routes: Mapping[str, str]) -> None:
        self.routes = dict(routes)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DemoRoutes:
        """Build from NEWSFOLD_DEMO_ROUTES (domain -> proxy URL); off without it."""
        routes = crawler.settings.getdict("NEWSFOLD_DEMO_ROUTES")
        if not routes:
            raise NotConfigured("no demo routes")
        return cls(routes)

    def process_request(self, request: Request) -> None:
        """Name the publisher's server as the request's proxy."""
        proxy = self.routes.get(urlparse_cached(request).hostname or "")
        if proxy is not None:
            request.meta["proxy"] = proxy


class DemoResolver(CachingThreadedResolver):
    """Scrapy's resolver, answering loopback for the fixture publishers' domains."""

    hosts: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        """Scrapy's resolver, told the domains of NEWSFOLD_DEMO_ROUTES."""
        resolver = super().from_crawler(crawler, reactor)
        resolver.hosts = frozenset(crawler.settings.getdict("NEWSFOLD_DEMO_ROUTES"))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        """Loopback for a fixture domain; anything else as Scrapy resolves it."""
        if name in self.hosts:
            return defer.succeed(LOOPBACK)
        return super().getHostByName(name, timeout)

"""Refuse requests to hosts that resolve to non-public addresses: a feed can point anywhere."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, ...
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    }
)
KINDS = (
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_unspecified", "unspecified"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


class RefusedAddress(IgnoreRequest):
    """A request whose host resolves to an address the config does not allow."""


def address_kind(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """What makes an address off limits (``private``, ``cloud metadata``...), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return None
    if address in METADATA:
        return "cloud metadata"
    for attribute, kind in KINDS:
        if getattr(address, attribute):
            return kind
    return None if address.is_global else "non-public"


class AddressGuard:
    """Resolves each request's host and refuses non-public addresses outside ``allow_networks``.

    Scrapy's caching resolver keeps the address this check resolved, and the connection is made
    to that cached address, so a host cannot pass the check with one address and be reached at
    another (DNS rebinding) while its cache entry lives. Through an HTTP proxy the proxy resolves
    the host, beyond this check.
    """

    def __init__(self, crawler: Crawler, allowed: Sequence[Network]) -> None:
        self.crawler = crawler
        self.allowed = tuple(allowed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuard:
        """Build from NEWSFOLD_ALLOW_NETWORKS; NEWSFOLD_ADDRESS_GUARD = False switches it off."""
        if not crawler.settings.getbool("NEWSFOLD_ADDRESS_GUARD", True):
            raise NotConfigured("the address guard is off")
        networks = crawler.settings.getlist("NEWSFOLD_ALLOW_NETWORKS")
        return cls(crawler, [ipaddress.ip_network(n, strict=False) for n in networks])

    async def process_request(self, request: Request) -> None:
        """Let the request through, or raise RefusedAddress before any connection is made."""
        host = urlparse_cached(request).hostname
        if not host:
            return
        address = await self.resolve(host)
        kind = address_kind(address, self.allowed) if address is not None else None
        if kind is None:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"guard/refused/{kind}")
        origin = request.meta.get("redirect_urls", [])
        via = f" (redirected from {origin[0]})" if origin else ""
        raise RefusedAddress(
            f"refused: {host} resolves to {kind} address {address}{via}; "
            "allow it with crawl.allow_networks"
        )

    async def resolve(self, host: str) -> Address | None:
        """The address the download will connect to; None when the name does not resolve."""
        try:
            return ipaddress.ip_address(host)
        except ValueError:
            pass
        from twisted.internet import reactor

        try:
            resolved = await maybe_deferred_to_future(cast(Any, reactor).resolve(host))
        except Exception:
            return None  # the download reports the DNS error itself
        return ipaddress.ip_address(resolved)

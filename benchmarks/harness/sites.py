"""The demo's fixture publishers with the hostile and politeness routes tests need, under /polite/.

Nothing in the publishers' own feeds links to these paths: a test lists them in a feed of its
own (``link_feed``) or as a source.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from crawler.demo import DemoSites
from crawler.demo.server import CONTENT_TYPES, HTML, TEXT, Response
from crawler.demo.sites import Publisher
from crawler.demo.templates import error_page

POLITE = "/polite/"
BIG_PAGE_BYTES = 400_000


def link_feed(links: Sequence[str]) -> bytes:
    """A minimal RSS feed listing links."""
    items = "".join(
        f"<item><title>Link {n}</title><link>{link.replace('&', '&amp;')}</link></item>\n"
        for n, link in enumerate(links, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Links</title><link>/</link><description>links</description>\n{items}"
        "</channel></rss>\n"
    ).encode()


class PoliteSites(DemoSites):
    """Fixture publishers that also answer ``/polite/...`` on every site.

    - ``links.xml?u=URL&u=URL[&delay=S]``: an RSS feed listing the given links, in order (sent
      after S seconds)
    - ``links/NAME.xml``: the same for a list added with :meth:`link_feed`
    - ``limited.xml?wait=S``: 429 with ``Retry-After: S`` on the first request, then the RSS feed
    - ``redirect?to=URL``: a 302 to URL; ``hops/N``: N redirects before a small page
    - ``big``: a page larger than ``BIG_PAGE_BYTES``; ``big-stream``: the same without a length
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.feeds: dict[str, tuple[str, ...]] = {}

    def __enter__(self) -> PoliteSites:
        self.start()
        return self

    def link_feed(self, publisher: str, name: str, links: Sequence[str]) -> str:
        """Serve an RSS feed listing ``links`` on a publisher; return its URL."""
        self.feeds[name] = tuple(links)
        return self.url(publisher, f"{POLITE}links/{name}.xml")

    def respond(self, publisher: Publisher, target: str, base: str) -> Response:
        """The /polite/ routes, else the demo's own."""
        parts = urlsplit(target)
        if not parts.path.startswith(POLITE):
            return super().respond(publisher, target, base)
        name, query = parts.path[len(POLITE) :], parse_qs(parts.query)
        if name == "links.xml":
            time.sleep(float(query.get("delay", ["0"])[0]))
            feed = link_feed(query.get("u", []))
            return Response(200, CONTENT_TYPES["rss"], feed, validators=True)
        listed = name.removeprefix("links/").removesuffix(".xml")
        if name.startswith("links/") and listed in self.feeds:
            feed = link_feed(self.feeds[listed])
            return Response(200, CONTENT_TYPES["rss"], feed, validators=True)
        if name == "limited.xml":
            if self.requests[(publisher.key, target)] == 1:
                wait = query.get("wait", ["1"])[0]
                return Response(429, TEXT, b"slow down\n", (("Retry-After", wait),))
            feed = publisher.document("rss", "/feed/", base).encode()
            return Response(200, CONTENT_TYPES["rss"], feed, validators=True)
        if name == "redirect":
            return Response(302, TEXT, b"moved\n", (("Location", query.get("to", ["/"])[0]),))
        if name.startswith("hops/") and name[5:].isdigit():
            left = int(name[5:])
            if left:
                hop = (("Location", f"{POLITE}hops/{left - 1}"),)
                return Response(302, TEXT, b"moved\n", hop)
            return Response(200, HTML, b"<html><body><p>End of the line.</p></body></html>")
        if name in ("big", "big-stream"):
            filler = "<p>" + "An oversized page keeps going. " * 40 + "</p>\n"
            html = "<html><body>" + filler * (BIG_PAGE_BYTES // len(filler) + 1) + "</body></html>"
            return Response(200, HTML, html.encode(), stream=name == "big-stream")
        return Response(404, HTML, error_page(publisher.site, base, 404).encode())

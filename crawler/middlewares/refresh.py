"""Scrapy's meta-refresh redirects, without decoding every page that cannot hold one."""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response

# Scrapy reads a refresh in the page's first 4,096 characters: at most 4 bytes each in any
# ASCII-compatible encoding.
HEAD_BYTES = 4 * 4096
# w3lib follows a <meta> whose attributes spell "refresh" as written (not as a character
# reference) and name it in http-equiv: a page needs both words in its first characters.
NEEDED = (b"http-equiv", b"refresh")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


class MetaRefresh(MetaRefreshMiddleware):
    """Follows ``<meta http-equiv="refresh">`` as Scrapy does, after a check on the raw bytes."""

    # Scrapy's own middleware decodes the whole page (and guesses its encoding) to read its
    # first 4,096 characters, a large share of a crawl's own CPU on long pages. Almost no
    # article page has a refresh, and the bytes show it without decoding.

    def process_response(
        self, request: Request, response: Response, *args: Any
    ) -> Request | Response:
        """The response unchanged when its head bytes hold no refresh; else Scrapy's handling."""
        if isinstance(response, HtmlResponse) and not may_refresh(response.body):
            return response
        return super().process_response(request, response, *args)


def may_refresh(body: bytes) -> bool:
    """Whether the page's first characters could hold a meta refresh (False only when certain)."""
    head = body[:HEAD_BYTES]
    if head.startswith(_WIDE_BOMS) or b"\x00" in head:
        return True  # UTF-16 or UTF-32: ASCII letters are not single bytes there
    lowered = head.lower()
    return all(word in lowered for word in NEEDED)

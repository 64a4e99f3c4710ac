"""What a failed request is recorded as: a reason a reader can act on, and the HTTP status."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from config.schema import CrawlConfig
from crawler.middlewares.backoff import GAVE_UP


def describe(failure: Failure, crawl: CrawlConfig) -> tuple[str, int | None]:
    """The reason recorded for a failed request, and its HTTP status when it got one."""
    request = failure.request  # type: ignore[attr-defined]
    if failure.check(HttpError):
        status = int(failure.value.response.status)  # type: ignore[union-attr]
        return request.meta.get(GAVE_UP) or f"HTTP {status}", status
    if failure.check(DownloadCancelledError, CancelledError) and too_large(failure):
        return (
            f"too large: more than crawl.max_page_bytes ({crawl.max_page_bytes:,} bytes); "
            "not stored",
            None,
        )
    if failure.check(IgnoreRequest) and "max redirections" in str(failure.value):
        return f"too many redirects: more than crawl.max_redirects ({crawl.max_redirects})", None
    if failure.check(IgnoreRequest):
        return str(failure.value), None
    return f"{failure.type.__name__}: {failure.getErrorMessage()}", None  # type: ignore[union-attr]


def too_large(failure: Failure) -> bool:
    """Whether a cancelled download was cut off for exceeding DOWNLOAD_MAXSIZE."""
    message = str(failure.value)
    return "max size" in message or not message

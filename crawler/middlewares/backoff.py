"""Back off a site that fails or asks to wait: Retry-After on 429/503, else exponential backoff."""

from __future__ import annotations

import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.core.downloader import Downloader
    from scrapy.crawler import Crawler

GAVE_UP = "newsfold_gave_up"  # request meta: why a failed request was not retried
WAITING = (429, 503)


class SiteWaiting(IgnoreRequest):
    """A request to a site that asked newsfold to stay away longer than it will wait."""


def retry_after(response: Response, now: float | None = None) -> float | None:
    """Seconds a 429/503 response asks to wait (delta-seconds or HTTP-date), or None."""
    value = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)


class Backoff:
    """Pauses a site's download slot after a failed attempt, so its retries and its other pages wait.

    A 429 or 503 with Retry-After pauses the site that long. Longer than ``max_retry_after`` and
    the request is not retried; the site's other requests in this run are dropped with the reason
    until the time it asked for. Without Retry-After, a retried failure pauses the site for
    ``retry_backoff`` seconds, doubled with each retry of the request.
    """

    def __init__(self, crawler: Crawler, base: float, longest: float) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.base, self.longest = base, longest
        self.codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.exceptions = tuple(load_object(e) for e in settings.getlist("RETRY_EXCEPTIONS"))
        self.max_retries = settings.getint("RETRY_TIMES")
        self.paused_until: dict[str, float] = {}  # slot -> monotonic time its pause ends
        self.closed_until: dict[str, float] = {}  # slot -> when a site's long wait ends

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Backoff:
        """Build from NEWSFOLD_RETRY_BACKOFF and NEWSFOLD_MAX_RETRY_AFTER."""
        settings = crawler.settings
        return cls(
            crawler,
            settings.getfloat("NEWSFOLD_RETRY_BACKOFF", 1.0),
            settings.getfloat("NEWSFOLD_MAX_RETRY_AFTER", 120.0),
        )

    @property
    def downloader(self) -> Downloader:
        """The crawl's downloader, whose slots pace each site."""
        assert self.crawler.engine is not None
        return self.crawler.engine.downloader

    def process_request(self, request: Request) -> None:
        """Drop requests to a site that asked to be left alone for longer than we wait."""
        key = self.downloader.get_slot_key(request)
        until = self.closed_until.get(key)
        if until is not None and time.monotonic() < until:
            self._count("skipped")
            raise SiteWaiting(
                f"skipped: {key} asked to wait {until - time.monotonic():.0f} s more (Retry-After), "
                "longer than crawl.max_retry_after; left for the next run"
            )

    def process_response(self, request: Request, response: Response) -> Response:
        """Pause the site after a retryable status; give up on a wait longer than allowed."""
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        key = self.downloader.get_slot_key(request)
        wait = retry_after(response) if response.status in WAITING else None
        if wait is not None and wait > self.longest:
            request.meta["dont_retry"] = True
            request.meta[GAVE_UP] = (
                f"HTTP {response.status}: Retry-After {wait:.0f} s is longer than "
                f"crawl.max_retry_after ({self.longest:.0f} s); not retried"
            )
            self.closed_until[key] = time.monotonic() + wait
            self._count("gave_up")
            return response
        if wait is not None:
            self._count("retry_after")
            self.pause(key, wait)
        elif self._will_retry(request):
            self.pause(key, self._backoff(request))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Pause the site before a failed download is retried."""
        if isinstance(exception, self.exceptions) and self._will_retry(request):
            self.pause(self.downloader.get_slot_key(request), self._backoff(request))

    def pause(self, key: str, seconds: float) -> None:
        """Hold the site's slot for ``seconds``: nothing is sent to the site before then."""
        slot = self.downloader.slots.get(key)
        # The downloader's own delay mechanism (Scrapy 2.19): a slot with a pending latercall
        # sends nothing until the call runs and processes the slot's queue again.
        resume = getattr(self.downloader, "_latercall", None)
        end = time.monotonic() + seconds
        if slot is None or resume is None or seconds <= 0:
            return
        if end <= self.paused_until.get(key, 0.0):
            return
        self.paused_until[key] = end
        if slot.latercall:
            slot.latercall.cancel()
        slot.latercall = call_later(seconds, resume, slot)
        self._count("paused")

    def _will_retry(self, request: Request) -> bool:
        """Whether the retry middleware will try this request again."""
        if request.meta.get("dont_retry"):
            return False
        limit = request.meta.get("max_retry_times", self.max_retries)
        return int(request.meta.get("retry_times", 0)) < limit

    def _backoff(self, request: Request) -> float:
        """Seconds before the next attempt: doubling with each retry, capped."""
        return min(self.base * 2 ** int(request.meta.get("retry_times", 0)), self.longest)

    def _count(self, key: str) -> None:
        """Count a backoff event in the crawl stats."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"backoff/{key}")

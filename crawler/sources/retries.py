"""Article pages that failed: fetched again on later runs at growing intervals, then given up."""

from __future__ import annotations

from config.schema import CrawlConfig
from storage.base import FailedPage, Storage
from storage.times import shift, utcnow

# Retries a run makes at most, over all its sources: a site that broke for a day does not turn
# the next run into a crawl of everything it failed.
DUE_LIMIT = 1000
MAX_WAIT_DAYS = 30.0


def next_failure(
    previous: FailedPage | None,
    key: str,
    url: str,
    source: str,
    reason: str,
    crawl: CrawlConfig,
    now: str,
) -> FailedPage:
    """A page's failure record after one more failure: its next attempt, or given up."""
    attempts = (previous.attempts if previous else 0) + 1
    wait_days = min(crawl.page_retry_interval * 2 ** min(attempts - 1, 32) / 86_400, MAX_WAIT_DAYS)
    return FailedPage(
        key=key,
        url=url,
        source=source,
        attempts=attempts,
        first_failed=previous.first_failed if previous else now,
        last_failed=now,
        next_attempt=shift(now, wait_days),
        reason=reason,
        gave_up=now if attempts > crawl.page_retry_attempts else None,
    )


def record_failure(
    storage: Storage, crawl: CrawlConfig, key: str, url: str, source: str, reason: str
) -> FailedPage:
    """Count one more failure of a page; the record says whether it is given up."""
    page = next_failure(storage.failed_page(key), key, url, source, reason, crawl, utcnow())
    storage.save_failed_page(page)
    return page


def describe(page: FailedPage) -> str:
    """What happens next to a failed page, to follow its reason."""
    if page.gave_up:
        return f"given up after {page.attempts} attempts"
    return f"attempt {page.attempts}, fetched again after {page.next_attempt}"


def due_pages(storage: Storage, sources: list[str]) -> list[FailedPage]:
    """The failed pages of these sources due to be fetched again in this run."""
    return storage.due_failed_pages(sources, utcnow(), DUE_LIMIT)

-- What failed, and what an operator watches: pages fetched again after failing, and each
-- source's health.

-- Article pages that failed (an HTTP error, a page that is no HTML, a stage that raised), by the
-- canonical key they were requested under. Each is fetched again once next_attempt has passed,
-- whether or not its entry point changed, at intervals that double, until it is kept (its row
-- goes) or has failed crawl.page_retry_attempts + 1 times: then gave_up is set, and the page is
-- skipped as known until crawl.seen_ttl_days have passed.
CREATE TABLE failed_pages (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failed TEXT NOT NULL,
    last_failed TEXT NOT NULL,
    next_attempt TEXT NOT NULL,
    reason TEXT NOT NULL,
    gave_up TEXT
);
CREATE INDEX failed_pages_due ON failed_pages (source, next_attempt) WHERE gave_up IS NULL;
CREATE INDEX failed_pages_gave_up ON failed_pages (gave_up) WHERE gave_up IS NOT NULL;

-- One row per source a run reached: when it was first and last polled, when it last succeeded
-- and failed, how many runs in a row it failed, when it last yielded an article or a copy.
CREATE TABLE source_health (
    source TEXT PRIMARY KEY,
    first_polled TEXT NOT NULL,
    last_polled TEXT NOT NULL,
    last_success TEXT,
    last_failure TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_article TEXT,
    last_error TEXT,
    last_run_id INTEGER
);

-- Polite, incremental crawling: what one run leaves for the next.

-- One row per feed, sitemap or section page polled: its conditional-GET validators, a hash of the
-- last body (servers without validators), when it last answered and last changed, how long to wait
-- before polling it again (seconds after checked) and, for a sitemap index, its sitemaps.
CREATE TABLE entry_points (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    checked TEXT NOT NULL,
    changed TEXT,
    poll_interval REAL NOT NULL DEFAULT 0,
    children TEXT NOT NULL DEFAULT '[]'
);

-- Article pages fetched and kept (stored, folded, off topic, empty), by the canonical key of each
-- URL that names them (as listed, as fetched, as the page declares itself), so a tracking, AMP or
-- http/https variant is not fetched again. Pruned after crawl.seen_ttl_days, like off-topic pages;
-- sightings are never pruned.
CREATE TABLE seen_urls (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    page_url TEXT,
    source TEXT NOT NULL,
    outcome TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX seen_urls_at ON seen_urls (seen_at);
CREATE INDEX offtopic_seen ON offtopic (seen_at);

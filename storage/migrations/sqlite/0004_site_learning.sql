-- Per-site boilerplate learning (pipelines/boilerplate.py SiteLearner), so a crawl starts from
-- what the earlier ones learned: how many pages of each site were seen and on how many of them
-- each normalised line hash appeared. A save replaces a site's rows whole, in one transaction.
CREATE TABLE site_pages (
    site TEXT PRIMARY KEY,
    pages REAL NOT NULL CHECK (pages >= 0),
    updated TEXT NOT NULL
) WITHOUT ROWID;

-- At most SiteLearner.max_lines (5000) rows per site; no foreign key, like lsh_bands, so a bulk
-- insert costs one b-tree write per row.
CREATE TABLE site_lines (
    site TEXT NOT NULL,
    line_hash TEXT NOT NULL,
    count REAL NOT NULL CHECK (count >= 0),
    PRIMARY KEY (site, line_hash)
) WITHOUT ROWID;

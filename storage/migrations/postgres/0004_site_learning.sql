-- Per-site boilerplate learning (pipelines/boilerplate.py SiteLearner), so a crawl starts from
-- what the earlier ones learned: how many pages of each site were seen and on how many of them
-- each normalised line hash appeared. A save replaces a site's rows whole, in one transaction.
-- Mirrors sqlite/0004_site_learning.sql.
CREATE TABLE site_pages (
    site TEXT COLLATE "C" PRIMARY KEY,
    pages DOUBLE PRECISION NOT NULL CHECK (pages >= 0),
    updated TEXT COLLATE "C" NOT NULL
);

-- At most SiteLearner.max_lines (5000) rows per site; no foreign key, like lsh_bands, so a bulk
-- insert costs one index write per row.
CREATE TABLE site_lines (
    site TEXT COLLATE "C" NOT NULL,
    line_hash TEXT COLLATE "C" NOT NULL,
    count DOUBLE PRECISION NOT NULL CHECK (count >= 0),
    PRIMARY KEY (site, line_hash)
);

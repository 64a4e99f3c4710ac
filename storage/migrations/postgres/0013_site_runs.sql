-- Runs lock the sites they crawl, not the store, so runs of other sites go on beside them; a
-- run crawled by a queue worker names its job. Mirrors sqlite/0013_site_runs.sql.

-- The sites whose run lock the run holds (JSON list); NULL: the whole store (before 0013, or
-- SQLite, whose run lock stays store-wide). A run still 'running' when another process takes
-- the lock of one of its sites died without closing.
ALTER TABLE runs ADD COLUMN sites TEXT;
-- The procrastinate job the run was crawled for; a job tried twice has two runs.
ALTER TABLE runs ADD COLUMN job_id BIGINT;
CREATE INDEX runs_job ON runs (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX runs_running ON runs (id) WHERE status = 'running';

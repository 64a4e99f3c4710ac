-- What exports need: a change number per article, the ids it absorbed, the store's identity.
-- Every write that changes an article, its sightings or its story stamps the article with the
-- writing transaction's number from counters ('change'), so "changed after N" is one indexed range.
ALTER TABLE articles ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN merged_ids TEXT NOT NULL DEFAULT '[]';

-- Running totals that would otherwise cost a full scan per folded article.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Articles stored before this migration count as changed once, in id order.
UPDATE articles SET change_seq = id;
INSERT INTO counters (name, value) SELECT 'change', COALESCE(MAX(id), 0) FROM articles;
INSERT INTO counters (name, value) SELECT 'articles', COUNT(*) FROM articles;
CREATE INDEX articles_change ON articles (change_seq, id);

-- A random identity: export cursors carry it, so a cursor from another store is refused.
INSERT INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));

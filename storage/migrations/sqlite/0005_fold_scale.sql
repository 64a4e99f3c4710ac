-- Story search reads the postings of its terms inside a time window. Keyed (term, time_key,
-- article_id), a term's postings lie in time order, so the window is one range scan instead of the
-- term's whole history, which grows with the store. Same rows, same size; the rebuild rewrites the
-- table once (minutes for 1M articles, under the write lock).
CREATE TABLE story_terms_by_time (
    term TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    time_key TEXT NOT NULL,
    PRIMARY KEY (term, time_key, article_id)
) WITHOUT ROWID;
INSERT INTO story_terms_by_time (term, article_id, time_key)
SELECT term, article_id, time_key FROM story_terms ORDER BY term, time_key, article_id;
DROP TABLE story_terms;
ALTER TABLE story_terms_by_time RENAME TO story_terms;
CREATE INDEX story_terms_article ON story_terms (article_id);

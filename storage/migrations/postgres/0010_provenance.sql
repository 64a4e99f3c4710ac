-- Provenance for any SQL client (Datasette, Metabase, psql) without an export: the same columns
-- and answers as `newsfold export --table articles|stories`. Mirrors sqlite/0010_provenance.sql;
-- timestamps stay ISO 8601 UTC text, as stored.

-- The stories a merge absorbed into this one, so an incremental stories export can name them.
ALTER TABLE stories ADD COLUMN merged_ids TEXT NOT NULL DEFAULT '[]';

-- Every sighting with its article and story. Publication order within an article: dated
-- sightings first, earliest first; on a tie the elected original, then the first seen. Position 1
-- is the article's first publication. copy_of is the elected original's URL (NULL on the original
-- itself); day is the publication day, else the day it was first seen (UTC).
CREATE VIEW sighting_timeline AS
SELECT
    s.article_id,
    a.story_id,
    s.id AS sighting_id,
    ROW_NUMBER() OVER (
        PARTITION BY s.article_id
        ORDER BY s.published IS NULL, s.published, s.doc_id <> a.original_doc, s.first_seen, s.id
    ) AS position,
    s.url,
    s.site,
    s.title,
    s.published,
    s.first_seen AS seen,
    CASE WHEN s.doc_id = a.original_doc THEN NULL ELSE a.url END AS copy_of,
    substr(COALESCE(s.published, s.first_seen), 1, 10) AS day
FROM sightings s
JOIN articles a ON a.id = s.article_id;

-- One row per story, over the sightings of all its articles, ordered as above across the story;
-- its title is its first publication's headline. Its organisations and events are in
-- article_entities (migration 0011), by article.
CREATE VIEW story_summary AS
SELECT
    st.id AS story_id,
    COALESCE(NULLIF(MAX(CASE WHEN t.story_position = 1 THEN t.title END), ''), st.title) AS title,
    MIN(t.published) AS first_published,
    MAX(t.published) AS last_published,
    MAX(CASE WHEN t.story_position = 1 THEN t.site END) AS first_site,
    COUNT(DISTINCT t.site) AS outlets,
    COUNT(DISTINCT t.article_id) AS articles,
    COUNT(*) AS sightings,
    MAX(CASE WHEN t.story_position = 1 THEN t.day END) AS day
FROM stories st
JOIN (
    SELECT
        story_id,
        article_id,
        site,
        title,
        published,
        day,
        ROW_NUMBER() OVER (
            PARTITION BY story_id
            ORDER BY published IS NULL, published, copy_of IS NOT NULL, seen, sighting_id
        ) AS story_position
    FROM sighting_timeline
) t ON t.story_id = st.id
GROUP BY st.id, st.title;

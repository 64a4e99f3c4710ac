-- What each article names and reports (pipelines/entities): organisations, amounts and events as
-- JSON on the article, and its organisations' names and event types in article_entities, indexed
-- for the --org and --event filters and for story summaries. An article elected anew takes its
-- new original's; one merged away takes its rows with it. Articles stored before this migration
-- have none.
ALTER TABLE articles ADD COLUMN entities TEXT NOT NULL DEFAULT '{}';
CREATE TABLE article_entities (
    kind TEXT NOT NULL,  -- "organisation" or "event"
    name TEXT NOT NULL,  -- an organisation's canonical name, or an event type
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, name, article_id)
);
CREATE INDEX article_entities_article ON article_entities (article_id);

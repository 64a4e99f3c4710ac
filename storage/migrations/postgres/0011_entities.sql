-- What each article names and reports. Mirrors sqlite/0011_entities.sql: organisations, amounts and
-- events as JSON on the article, organisation names and event types indexed in article_entities.
ALTER TABLE articles ADD COLUMN entities TEXT NOT NULL DEFAULT '{}';
CREATE TABLE article_entities (
    kind TEXT NOT NULL,  -- "organisation" or "event"
    name TEXT NOT NULL,  -- an organisation's canonical name, or an event type
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, name, article_id)
);
CREATE INDEX article_entities_article ON article_entities (article_id);

-- Full-text search over articles' titles and texts (`newsfold search`). Mirrors
-- sqlite/0009_search.sql: an English tsvector (title weighted above text) in a GIN index, set by
-- a trigger only when the title or text is written, not on every change of the row.
ALTER TABLE articles ADD COLUMN search tsvector;
CREATE FUNCTION newsfold_article_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', NEW.text), 'B');
    RETURN NEW;
END
$$;
CREATE TRIGGER article_search_write BEFORE INSERT OR UPDATE OF title, text ON articles
    FOR EACH ROW EXECUTE FUNCTION newsfold_article_search();
UPDATE articles SET title = title;
CREATE INDEX articles_search ON articles USING GIN (search);

-- Full-text search over articles' titles and texts (`newsfold search`): an FTS5 index that reads
-- its content from the articles table, kept by triggers as articles are written, elected anew
-- or merged away. Porter stemming, so "chips" finds "chip", as PostgreSQL's English search does.
CREATE VIRTUAL TABLE article_search USING fts5(
    title, text, content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER article_search_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_search (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN
    INSERT INTO article_search (article_search, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER article_search_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO article_search (article_search, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO article_search (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
INSERT INTO article_search (article_search) VALUES ('rebuild');

-- What extraction repaired in an article's page (a mis-declared charset, double-encoded UTF-8,
-- text taken from JSON-LD), as a JSON list of sentences, so a reader can tell a repaired text.
ALTER TABLE articles ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';

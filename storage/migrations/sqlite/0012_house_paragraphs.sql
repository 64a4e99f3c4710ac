-- House text (pipelines/folding/house.py): in how many articles each first or last paragraph
-- appears, keyed by a 64-bit hash of its words. A paragraph two articles carry (a footer, a
-- disclaimer) is no evidence that texts are copies. Each article keeps the keys it added, so a
-- merge or a new original takes them back. Articles stored before this migration have none and
-- are not counted.
CREATE TABLE paragraph_df (
    key INTEGER PRIMARY KEY,
    df INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE articles ADD COLUMN paragraph_keys TEXT;

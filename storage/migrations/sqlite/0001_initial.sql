-- Articles (one row per folded article), sightings, stories, folding state, runs and errors.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    first_published TEXT NOT NULL,
    last_published TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX stories_last ON stories (last_published);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    original_doc TEXT NOT NULL,
    site TEXT NOT NULL,
    title TEXT NOT NULL,
    authors TEXT NOT NULL DEFAULT '[]',
    published TEXT,
    modified TEXT,
    fetched TEXT NOT NULL,
    language TEXT,
    description TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    image TEXT,
    text TEXT NOT NULL,
    relevance REAL,
    relevance_terms TEXT NOT NULL DEFAULT '[]',
    removals TEXT NOT NULL DEFAULT '[]',
    content_hash TEXT NOT NULL,
    minhash BLOB NOT NULL,
    shingle_count INTEGER NOT NULL,
    word_count INTEGER NOT NULL,
    terms TEXT NOT NULL DEFAULT '{}',
    story_id INTEGER REFERENCES stories (id),
    time_key TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX articles_story ON articles (story_id);
CREATE INDEX articles_updated ON articles (updated);

CREATE TABLE sightings (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id),
    doc_id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    published TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    word_count INTEGER NOT NULL,
    wire_credit INTEGER NOT NULL DEFAULT 0,
    canonical_url TEXT
);
CREATE INDEX sightings_article ON sightings (article_id);
CREATE INDEX sightings_hash ON sightings (content_hash);
CREATE INDEX sightings_url ON sightings (url);

-- LSH band buckets: the key mixes the band index in, so one column finds a bucket.
CREATE TABLE lsh_bands (
    key INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
CREATE INDEX lsh_bands_article ON lsh_bands (article_id);

CREATE TABLE story_terms (
    term TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    time_key TEXT NOT NULL,
    PRIMARY KEY (term, article_id)
) WITHOUT ROWID;
CREATE INDEX story_terms_article ON story_terms (article_id);

CREATE TABLE term_df (
    term TEXT PRIMARY KEY,
    df INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id),
    doc_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    seen_at TEXT NOT NULL
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    ended TEXT,
    status TEXT NOT NULL,
    sources TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT ''
);

CREATE TABLE fetch_errors (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES runs (id),
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    reason TEXT NOT NULL,
    status INTEGER,
    at TEXT NOT NULL
);
CREATE INDEX fetch_errors_run ON fetch_errors (run_id);

CREATE TABLE offtopic (
    url TEXT PRIMARY KEY,
    run_id INTEGER REFERENCES runs (id),
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    score REAL NOT NULL,
    terms TEXT NOT NULL,
    seen_at TEXT NOT NULL
);

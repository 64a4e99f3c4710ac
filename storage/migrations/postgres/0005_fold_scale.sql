-- Story search reads the postings of its terms inside a time window. Keyed (term, time_key,
-- article_id), a term's postings lie in time order, so the window is one range scan (index only)
-- instead of the term's whole history, which grows with the store.
ALTER TABLE story_terms DROP CONSTRAINT story_terms_pkey;
ALTER TABLE story_terms ADD PRIMARY KEY (term, time_key, article_id);

-- Story postings are found by their key (term, time_key, article_id): an absorbed article's are
-- deleted by its stored terms and time, so the index by article, written for every posting and
-- read only by that rare delete, goes.
DROP INDEX story_terms_article;

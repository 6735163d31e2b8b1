-- The search outbox: every change to a listing writes a row in the same transaction; a background
-- worker applies it to the search engine, so nothing is lost between the database and the index.
CREATE TABLE search_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    listing_kind TEXT NOT NULL,
    listing_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    done_at BIGINT,
    last_error TEXT
);
CREATE INDEX search_outbox_pending ON search_outbox(done_at, next_attempt_at, id);

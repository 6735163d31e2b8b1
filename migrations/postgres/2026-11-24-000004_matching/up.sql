-- Matching: the readiness stage a need asks for, the stored matches between needs and
-- achievements (recomputed through the search outbox whenever either side changes), saved searches,
-- and the digest items a user is mailed about at most once per digest interval.

ALTER TABLE demands ADD COLUMN wanted_stage TEXT NOT NULL DEFAULT 'any';

CREATE TABLE matches (
    demand_id BIGINT NOT NULL REFERENCES demands(id) ON DELETE CASCADE,
    achievement_id BIGINT NOT NULL REFERENCES achievements(id) ON DELETE CASCADE,
    -- 0-1000: the weighted sum of the components in server/matching/score.rs.
    score INTEGER NOT NULL,
    -- JSON list of the reasons shown with the match.
    reasons TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (demand_id, achievement_id)
);
CREATE INDEX matches_demand ON matches(demand_id, score);
CREATE INDEX matches_achievement ON matches(achievement_id, score);

-- After a listing's search outbox row is applied to the index, the row moves to stage 'match'
-- and stays pending until the listing's matches are recomputed: one queue, nothing lost between.
ALTER TABLE search_outbox ADD COLUMN stage TEXT NOT NULL DEFAULT 'index';
CREATE INDEX search_outbox_stage ON search_outbox(stage, done_at, next_attempt_at, id);

CREATE TABLE saved_searches (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    -- JSON object facet -> value.
    filters TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX saved_searches_user ON saved_searches(user_id, id);

ALTER TABLE users ADD COLUMN digest_enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN last_digest_at BIGINT;

CREATE TABLE digest_items (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- "match" or "saved_search"
    kind TEXT NOT NULL,
    -- "match:<demand>:<achievement>" or "saved:<search>:<kind>-<id>": one item per user and key.
    dedupe_key TEXT NOT NULL,
    listing_kind TEXT NOT NULL,
    listing_id BIGINT NOT NULL,
    -- The user's own listing, for a match.
    own_kind TEXT,
    own_id BIGINT,
    saved_search_id BIGINT,
    score INTEGER,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX digest_items_pending ON digest_items(sent_at, user_id);

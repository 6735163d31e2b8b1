-- Technology needs (demands) and achievements, their IP items, review history and
-- confidentiality acceptances. Money in integer fen; dates as ISO text.

CREATE TABLE demands (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    detail TEXT NOT NULL,
    contact TEXT NOT NULL,
    field_code TEXT NOT NULL,
    field_family TEXT NOT NULL,
    keywords TEXT NOT NULL,
    coop_modes TEXT NOT NULL,
    budget_min_fen BIGINT,
    budget_max_fen BIGINT,
    negotiable BOOLEAN NOT NULL,
    -- budget_max_fen, or the largest BIGINT for 面议, so that sorting by budget pages by keyset.
    budget_sort BIGINT NOT NULL,
    deadline TEXT NOT NULL,
    region_code TEXT NOT NULL,
    region_province TEXT NOT NULL,
    region_prefecture TEXT NOT NULL,
    grade TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    is_challenge BOOLEAN NOT NULL,
    bounty_fen BIGINT,
    goals TEXT,
    indicators TEXT,
    challenge_closes_on TEXT,
    submitted_at BIGINT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX demands_browse ON demands(status, published_at, id);
CREATE INDEX demands_family ON demands(status, field_family, published_at, id);
CREATE INDEX demands_field ON demands(status, field_code, published_at, id);
CREATE INDEX demands_province ON demands(status, region_province, published_at, id);
CREATE INDEX demands_prefecture ON demands(status, region_prefecture, published_at, id);
CREATE INDEX demands_deadline ON demands(status, deadline, id);
CREATE INDEX demands_budget ON demands(status, budget_sort, id);
CREATE INDEX demands_org ON demands(org_id, updated_at);
CREATE INDEX demands_review ON demands(status, region_code, submitted_at);

CREATE TABLE achievements (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    detail TEXT NOT NULL,
    contact TEXT NOT NULL,
    field_code TEXT NOT NULL,
    field_family TEXT NOT NULL,
    keywords TEXT NOT NULL,
    trl INTEGER NOT NULL,
    transfer_modes TEXT NOT NULL,
    pricing_method TEXT NOT NULL,
    price_fen BIGINT,
    negotiable BOOLEAN NOT NULL,
    price_sort BIGINT NOT NULL,
    notice_from TEXT,
    notice_to TEXT,
    region_code TEXT NOT NULL,
    region_province TEXT NOT NULL,
    region_prefecture TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    submitted_at BIGINT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX achievements_browse ON achievements(status, published_at, id);
CREATE INDEX achievements_family ON achievements(status, field_family, published_at, id);
CREATE INDEX achievements_field ON achievements(status, field_code, published_at, id);
CREATE INDEX achievements_province ON achievements(status, region_province, published_at, id);
CREATE INDEX achievements_prefecture ON achievements(status, region_prefecture, published_at, id);
CREATE INDEX achievements_trl ON achievements(status, trl, published_at, id);
CREATE INDEX achievements_price ON achievements(status, price_sort, id);
CREATE INDEX achievements_org ON achievements(org_id, updated_at);
CREATE INDEX achievements_review ON achievements(status, region_code, submitted_at);

CREATE TABLE ip_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    achievement_id BIGINT NOT NULL REFERENCES achievements(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX ip_items_achievement ON ip_items(achievement_id);

CREATE TABLE listing_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    listing_kind TEXT NOT NULL,
    listing_id BIGINT NOT NULL,
    actor_user_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX listing_events_listing ON listing_events(listing_kind, listing_id, id);

CREATE TABLE nda_acceptances (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    listing_kind TEXT NOT NULL,
    listing_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    accepted_at BIGINT NOT NULL,
    UNIQUE (listing_kind, listing_id, user_id)
);

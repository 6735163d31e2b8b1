-- Deals: a need and an achievement (and their two organizations) worked into an agreement.
-- proposed -> contacted (the other side accepted: the deal room opens) -> negotiating (an offer is
-- on the table) -> agreed (one side accepted the other's latest offer); or declined / withdrawn,
-- with a reason the other side sees. `version` grows with every change of state, so two people
-- acting on the same deal at once cannot both succeed.

CREATE TABLE deals (
    id BIGSERIAL PRIMARY KEY,
    -- None when an enterprise opens a deal on an achievement without a posted need.
    demand_id BIGINT REFERENCES demands(id),
    -- None when the deal comes from a challenge proposal (proposal_id, added with challenges).
    achievement_id BIGINT REFERENCES achievements(id),
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id),
    seller_org_id BIGINT NOT NULL REFERENCES organizations(id),
    -- The contact person of each side: the opener, and on the other side the listing's author
    -- until someone there answers.
    buyer_user_id BIGINT NOT NULL REFERENCES users(id),
    seller_user_id BIGINT NOT NULL REFERENCES users(id),
    -- "buyer" or "seller": the side that opened the deal.
    opened_by TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    agreed_offer_id BIGINT,
    version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX deals_buyer ON deals(buyer_org_id, updated_at);
CREATE INDEX deals_seller ON deals(seller_org_id, updated_at);
CREATE INDEX deals_pair ON deals(demand_id, achievement_id);

CREATE TABLE deal_events (
    id BIGSERIAL PRIMARY KEY,
    deal_id BIGINT NOT NULL REFERENCES deals(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX deal_events_deal ON deal_events(deal_id, id);

CREATE TABLE deal_messages (
    id BIGSERIAL PRIMARY KEY,
    deal_id BIGINT NOT NULL REFERENCES deals(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    side TEXT NOT NULL,
    body TEXT NOT NULL,
    file_id BIGINT REFERENCES files(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX deal_messages_deal ON deal_messages(deal_id, id);

CREATE TABLE deal_offers (
    id BIGSERIAL PRIMARY KEY,
    deal_id BIGINT NOT NULL REFERENCES deals(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    side TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    coop_mode TEXT NOT NULL,
    payment_terms TEXT NOT NULL,
    licence_scope TEXT NOT NULL,
    note TEXT NOT NULL,
    -- open, superseded (a later offer replaced it), accepted
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX deal_offers_deal ON deal_offers(deal_id, id);

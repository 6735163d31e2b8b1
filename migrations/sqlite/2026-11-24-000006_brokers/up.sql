-- Technology brokers (技术经纪人): an organization of kind 'broker' (a brokerage firm or an
-- individual broker) has a profile of the fields and regions it works in, and is commissioned
-- (委托) by listing owners; a commissioned broker may open and work deals for that side.

CREATE TABLE broker_profiles (
    org_id BIGINT PRIMARY KEY NOT NULL REFERENCES organizations(id),
    -- Comma list of field codes and of GB/T 2260 region codes.
    fields TEXT NOT NULL,
    regions TEXT NOT NULL,
    intro TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE commissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    listing_kind TEXT NOT NULL,
    listing_id BIGINT NOT NULL,
    owner_org_id BIGINT NOT NULL REFERENCES organizations(id),
    broker_org_id BIGINT NOT NULL REFERENCES organizations(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    -- pending, accepted, declined
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX commissions_broker ON commissions(broker_org_id, status);
CREATE INDEX commissions_listing ON commissions(listing_kind, listing_id, status);

ALTER TABLE deals ADD COLUMN buyer_broker_org_id BIGINT REFERENCES organizations(id);
ALTER TABLE deals ADD COLUMN seller_broker_org_id BIGINT REFERENCES organizations(id);

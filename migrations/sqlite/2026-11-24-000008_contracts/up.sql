-- Technology contracts and their registration (技术合同认定登记). A contract is registered once,
-- by the office of the seller's region (of the buyer's for an import contract), with a number
-- REGION-YEAR-SEQUENCE taken from `registration_counters` in the registering transaction, so
-- numbers are never reused or skipped within a year and region.

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    deal_id BIGINT REFERENCES deals(id),
    -- development, transfer, licence, consulting, service
    kind TEXT NOT NULL,
    -- development: commissioned | cooperative; transfer: patent | patent_application |
    -- technical_secret | other; licence: exclusive | sole | ordinary; consulting, service: general
    sub_kind TEXT NOT NULL,
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id),
    seller_org_id BIGINT NOT NULL REFERENCES organizations(id),
    intermediary_org_id BIGINT REFERENCES organizations(id),
    project_name TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    term_from TEXT NOT NULL,
    term_to TEXT NOT NULL,
    -- 合同成交额, in fen.
    contract_fen BIGINT NOT NULL,
    -- A technology contribution for equity (技术入股): the equity amount, in fen.
    equity_fen BIGINT,
    -- 技术交易额 as the registering officer set it; until then it is the contract amount less
    -- the non-technical items.
    tech_fen_registered BIGINT,
    involves_patent BOOLEAN NOT NULL,
    patents TEXT NOT NULL,
    is_import BOOLEAN NOT NULL,
    -- The region whose office registers it.
    region_code TEXT NOT NULL,
    file_id BIGINT REFERENCES files(id),
    -- draft, submitted, returned, registered
    status TEXT NOT NULL,
    return_reason TEXT,
    submitted_by_user BIGINT REFERENCES users(id),
    submitted_by_org BIGINT REFERENCES organizations(id),
    submitted_at BIGINT,
    registration_no TEXT UNIQUE,
    registered_at BIGINT,
    registered_by BIGINT REFERENCES users(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contracts_review ON contracts(status, region_code, submitted_at);
CREATE INDEX contracts_buyer ON contracts(buyer_org_id);
CREATE INDEX contracts_seller ON contracts(seller_org_id);

-- Non-technical items (equipment, instruments, parts, raw materials) that the technology
-- transaction amount leaves out.
CREATE TABLE contract_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_fen BIGINT NOT NULL
);
CREATE INDEX contract_items_contract ON contract_items(contract_id);

CREATE TABLE contract_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX contract_events_contract ON contract_events(contract_id, id);

CREATE TABLE registration_counters (
    region_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (region_code, year)
);

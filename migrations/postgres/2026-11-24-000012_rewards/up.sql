-- Rewards computed from the register. See server/rewards/ledger.rs.

-- The policy catalogue. The files under policies/ seed version 1 of each; an officer's change is a
-- new version of the file, effective from a date. At run time the database is the truth: the
-- catalogue is the latest version of each file effective on the day of evaluation.
CREATE TABLE policy_versions (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    version_no INTEGER NOT NULL,
    content TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (name, version_no)
);

-- What a fund makes available in a year (none: no limit).
CREATE TABLE reward_budgets (
    fund TEXT NOT NULL,
    year INTEGER NOT NULL,
    amount_fen BIGINT NOT NULL,
    set_by BIGINT NOT NULL REFERENCES users(id),
    set_at BIGINT NOT NULL,
    PRIMARY KEY (fund, year)
);

-- Recomputation to do, written in the transaction of the change that calls for it (a registration,
-- a payment, an amendment: contract_id set; a program or budget change: contract_id NULL, all).
CREATE TABLE reward_jobs (
    id BIGSERIAL PRIMARY KEY,
    contract_id BIGINT REFERENCES contracts(id),
    cause TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX reward_jobs_pending ON reward_jobs(done_at, id);

-- The ledger: append-only. An award is an entry; a change posts a reversal (the negative amount,
-- naming the entry it reverses) and a new entry. An entry is live while no reversal names it.
CREATE TABLE reward_ledger (
    id BIGSERIAL PRIMARY KEY,
    -- program|beneficiary|contract|year|status: one live entry per key.
    award_key TEXT NOT NULL,
    program TEXT NOT NULL,
    beneficiary_org_id BIGINT NOT NULL REFERENCES organizations(id),
    contract_id BIGINT REFERENCES contracts(id),
    year INTEGER NOT NULL,
    -- computed, over_budget, discretionary
    status TEXT NOT NULL,
    is_final BOOLEAN NOT NULL,
    base_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    trace TEXT NOT NULL,
    reverses BIGINT REFERENCES reward_ledger(id),
    -- registered, payment, amended, program, budget, year_closed, discretionary, recompute
    cause TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX reward_ledger_key ON reward_ledger(award_key);
CREATE INDEX reward_ledger_reverses ON reward_ledger(reverses);
CREATE INDEX reward_ledger_beneficiary ON reward_ledger(beneficiary_org_id, year);
CREATE INDEX reward_ledger_contract ON reward_ledger(contract_id);
CREATE INDEX reward_ledger_program ON reward_ledger(program, year);

-- An officer's approval or rejection of a ledger entry (a reissued entry is decided anew).
CREATE TABLE reward_decisions (
    id BIGSERIAL PRIMARY KEY,
    entry_id BIGINT NOT NULL UNIQUE REFERENCES reward_ledger(id),
    approved BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES users(id),
    decided_at BIGINT NOT NULL
);

-- Payments made with an innovation voucher (创新券) count for voucher programs.
ALTER TABLE contract_payments ADD COLUMN voucher BOOLEAN NOT NULL DEFAULT false;

-- Further intermediaries of a contract, after contracts.intermediary_org_id, in listed order.
CREATE TABLE contract_intermediaries (
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    PRIMARY KEY (contract_id, position)
);
CREATE INDEX contract_intermediaries_org ON contract_intermediaries(org_id);
CREATE INDEX contracts_intermediary ON contracts(intermediary_org_id);
CREATE INDEX contracts_submitted_by ON contracts(submitted_by_org);
CREATE INDEX contracts_registered ON contracts(status, registered_at);

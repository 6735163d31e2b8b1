-- A registered contract is never edited in place. A change is an amendment (合同变更): the
-- proposed terms, the signed amendment agreement and the reason, reviewed by the office like the
-- original; once registered it keeps the contract's registration number and date. Every
-- registered version of the terms is kept in `contract_versions`, version 1 being the original.
CREATE TABLE contract_amendments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    -- 1 for the first amendment of the contract, 2 for the next.
    seq INTEGER NOT NULL,
    -- draft, submitted, returned, registered
    status TEXT NOT NULL,
    -- 变更事由, as the parties state it.
    reason TEXT NOT NULL,
    -- The proposed terms (JSON, the shape of contract_versions.terms).
    terms TEXT NOT NULL,
    -- The signed amendment agreement (PDF).
    file_id BIGINT REFERENCES files(id),
    return_reason TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    submitted_by_user BIGINT REFERENCES users(id),
    submitted_at BIGINT,
    registered_by BIGINT REFERENCES users(id),
    registered_at BIGINT,
    version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (contract_id, seq)
);
CREATE INDEX contract_amendments_review ON contract_amendments(status, submitted_at);

-- Every registered version of a contract's terms (JSON): version 1 as first registered, then one
-- per registered amendment.
CREATE TABLE contract_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    version_no INTEGER NOT NULL,
    terms TEXT NOT NULL,
    amendment_id BIGINT REFERENCES contract_amendments(id),
    registered_by BIGINT NOT NULL REFERENCES users(id),
    registered_at BIGINT NOT NULL,
    UNIQUE (contract_id, version_no)
);

-- A contract registered by another office (its seller outside the regions this market serves): a
-- party records that office's registration, and an officer of the buyer's region verifies it; it
-- then counts like a contract registered here, under the other office's number.
CREATE TABLE contract_elsewhere (
    contract_id BIGINT PRIMARY KEY NOT NULL REFERENCES contracts(id),
    office TEXT NOT NULL,
    number TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    file_id BIGINT NOT NULL REFERENCES files(id),
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);

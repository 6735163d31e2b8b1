-- Payments received on a registered contract (实际到位金额): each with its date and proof; their
-- total never exceeds the contract amount.
CREATE TABLE contract_payments (
    id BIGSERIAL PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    paid_on TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    proof_file_id BIGINT NOT NULL REFERENCES files(id),
    note TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_org BIGINT NOT NULL REFERENCES organizations(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX contract_payments_contract ON contract_payments(contract_id, paid_on);

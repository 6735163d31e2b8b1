-- An individual broker's request to join a transfer platform or institution as its agency,
-- until the agency's administrator accepts (agency_id) or declines it.
ALTER TABLE organizations ADD COLUMN agency_request_id BIGINT REFERENCES organizations(id);

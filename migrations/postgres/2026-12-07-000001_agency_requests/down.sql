ALTER TABLE organizations DROP COLUMN agency_request_id;

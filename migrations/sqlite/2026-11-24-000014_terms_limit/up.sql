-- The confidentiality terms an organization accepted recently, counted for its daily limit.
CREATE INDEX nda_acceptances_org_accepted ON nda_acceptances (org_id, accepted_at);

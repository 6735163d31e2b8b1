-- Every bulk import an organization starts (whether its file turns out good or not), so that the
-- imports per organization and hour can be limited across every server process.
CREATE TABLE listing_imports (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    started_at BIGINT NOT NULL
);
CREATE INDEX listing_imports_org_started ON listing_imports (org_id, started_at);

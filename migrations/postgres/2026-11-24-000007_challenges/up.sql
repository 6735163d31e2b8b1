-- Open challenges (揭榜挂帅): institutions submit proposals to a challenge need before it
-- closes; the enterprise shortlists, asks questions, selects one or more (each selection opens a
-- deal) and gives every proposal it does not select a reason.

CREATE TABLE proposals (
    id BIGSERIAL PRIMARY KEY,
    demand_id BIGINT NOT NULL REFERENCES demands(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    approach TEXT NOT NULL,
    team TEXT NOT NULL,
    milestones TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    -- submitted, shortlisted, selected, not_selected
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (demand_id, org_id)
);
CREATE INDEX proposals_demand ON proposals(demand_id, id);

CREATE TABLE proposal_questions (
    id BIGSERIAL PRIMARY KEY,
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX proposal_questions_proposal ON proposal_questions(proposal_id, id);

ALTER TABLE deals ADD COLUMN proposal_id BIGINT REFERENCES proposals(id);

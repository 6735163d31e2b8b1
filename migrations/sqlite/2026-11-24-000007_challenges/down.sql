ALTER TABLE deals DROP COLUMN proposal_id;
DROP TABLE proposal_questions;
DROP TABLE proposals;

DROP TABLE digest_items;
ALTER TABLE users DROP COLUMN last_digest_at;
ALTER TABLE users DROP COLUMN digest_enabled;
DROP TABLE saved_searches;
DROP INDEX search_outbox_stage;
ALTER TABLE search_outbox DROP COLUMN stage;
DROP TABLE matches;
ALTER TABLE demands DROP COLUMN wanted_stage;

ALTER TABLE deals DROP COLUMN seller_broker_org_id;
ALTER TABLE deals DROP COLUMN buyer_broker_org_id;
DROP TABLE commissions;
DROP TABLE broker_profiles;

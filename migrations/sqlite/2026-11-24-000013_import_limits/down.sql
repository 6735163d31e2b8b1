DROP INDEX listing_imports_org_started;
DROP TABLE listing_imports;

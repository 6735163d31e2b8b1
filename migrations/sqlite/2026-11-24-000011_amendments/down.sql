DROP TABLE contract_versions;
DROP TABLE contract_amendments;

DROP TABLE contract_elsewhere;

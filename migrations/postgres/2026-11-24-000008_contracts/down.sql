DROP TABLE registration_counters;
DROP TABLE contract_events;
DROP TABLE contract_items;
DROP TABLE contracts;

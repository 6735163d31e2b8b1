DROP TABLE deal_offers;
DROP TABLE deal_messages;
DROP TABLE deal_events;
DROP TABLE deals;

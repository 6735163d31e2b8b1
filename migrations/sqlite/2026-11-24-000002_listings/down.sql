DROP TABLE nda_acceptances;
DROP TABLE listing_events;
DROP TABLE ip_items;
DROP TABLE achievements;
DROP TABLE demands;

//! Integration tests: the real application on a random port with a fresh database, driven over
//! HTTP. Every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

mod accounts;
mod agencies;
mod brokers;
mod challenges;
mod contracts;
mod deals;
mod helpers;
mod list_queries;
mod listings;
mod matching;
mod organizations;
mod rewards_cli;
mod rewards_db;
mod search;
mod security;
mod security_contracts;
mod security_listings;

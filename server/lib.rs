//! techmarket: a technology transfer marketplace. Enterprises post what they need, universities and
//! institutes list what they can transfer, brokers close deals, contracts are registered, and the
//! rewards that regional policy attaches to them are computed and explained.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod awards;
pub mod brokers;
pub mod challenges;
pub mod cli;
pub mod client_ip;
pub mod commissions;
pub mod config;
pub mod contracts;
pub mod credit_code;
pub mod db;
pub mod deals;
pub mod demo;
pub mod digest;
pub mod error;
pub mod fields;
pub mod files;
pub mod forms;
pub mod i18n;
pub mod ids;
pub mod index;
pub mod limits;
pub mod listings;
pub mod mail;
pub mod matching;
pub mod money;
pub mod notifications;
pub mod organizations;
pub mod pages;
pub mod patents;
pub mod readiness;
pub mod regions;
pub mod registration;
pub mod rewards;
pub mod schema;
pub mod search;
pub mod seed;
pub mod state;
pub mod tables;
pub mod text_enum;
pub mod vocabulary;
pub mod web;
pub mod workdays;
pub mod workers;

#[cfg(test)]
mod layout;

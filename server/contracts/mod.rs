//! Technology contracts and their registration (技术合同认定登记).
//!
//! A contract is created from an agreed deal (parties and amount carried over) or entered
//! directly by one of its parties. Its technology transaction amount (技术交易额) is the contract
//! amount (合同成交额) less the non-technical items (equipment, instruments, parts, raw materials),
//! entered as lines so the difference is shown, not typed. The signed contract is attached as a
//! PDF, kept with its SHA-256. A party or the intermediary submits it; an officer of the region
//! where the seller is (the buyer's, for an import contract) reviews it, may correct the kind and
//! the technology amount, and registers it with a number, or returns it with reasons for the
//! submitter to correct and resubmit.
//!
//! Registration numbers read `REGION-YEAR-SEQUENCE`, e.g. `630100-2026-000017`: the registering
//! office's six-digit GB/T 2260 code (the region of the officer who registers it), the year of
//! registration, and a six-digit sequence that starts at 1 for each office and year. The sequence
//! is taken from `registration_counters` in the same transaction that registers the contract, so a number is never reused or skipped, and
//! two officers registering one contract at once produce one number (`registration::RegistrationNo`
//! writes and reads it).
//!
//! The rooms: `routes` (handlers), `store` (queries), `rules` (pure checks), `views` (pages);
//! beside them `registering` (the workflow's writes: submit, return, register, registration
//! elsewhere), `amendments` and `register_export` (the register as CSV or XLSX).

pub mod amendments;
mod register_export;
mod registering;
mod routes;
pub mod rules;
pub mod store;
pub mod views;

pub(crate) use routes::*;
pub use rules::*;
pub use store::*;
pub use views::*;

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/contracts", web::get().to(list))
        .route("/contracts", web::post().to(create))
        .route("/contracts/new", web::get().to(new_form))
        .route("/contracts/{id}", web::get().to(show))
        .route("/contracts/{id}/edit", web::get().to(edit_form))
        .route("/contracts/{id}/edit", web::post().to(update))
        .route("/contracts/{id}/file", web::get().to(download))
        .route("/contracts/{id}/file", web::post().to(upload))
        .route("/contracts/{id}/submit", web::post().to(submit))
        .route("/contracts/{id}/elsewhere", web::post().to(record_elsewhere))
        .route("/contracts/{id}/elsewhere/scan", web::get().to(elsewhere_scan))
        .route("/officer/contracts/{id}/verify", web::post().to(verify_elsewhere))
        .route("/contracts/{id}/payments", web::post().to(record_payment))
        .route("/contracts/{id}/proofs/{file}", web::get().to(proof))
        .route("/contracts/{id}/income", web::get().to(income))
        .route("/contracts/{id}/certificate", web::get().to(certificate))
        .route("/contracts/{id}/amend", web::get().to(amendments::form))
        .route("/contracts/{id}/amend", web::post().to(amendments::save))
        .route("/contracts/{id}/amendment/file", web::post().to(amendments::upload))
        .route("/contracts/{id}/amendment/submit", web::post().to(amendments::submit))
        .route(
            "/contracts/{id}/amendments/{seq}/file",
            web::get().to(amendments::download),
        )
        .route(
            "/officer/contracts/{id}/amendment/register",
            web::post().to(amendments::register),
        )
        .route(
            "/officer/contracts/{id}/amendment/return",
            web::post().to(amendments::return_amendment),
        )
        .route("/officer/contracts", web::get().to(queue))
        .route("/officer/contracts/export", web::get().to(export))
        .route("/officer/contracts/{id}/register", web::post().to(register))
        .route("/officer/contracts/{id}/return", web::post().to(return_contract));
}

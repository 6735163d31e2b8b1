//! Awards: the reward engine (`crate::rewards`, pure, no I/O) applied to the register.
//!
//! - **The catalogue** lives in `policy_versions`. The files under `policies/` seed version 1 of
//!   each; an officer's change is a new version of the file, effective from a date, validated by
//!   the same parser as the files. The catalogue of a day is the latest version of each file
//!   effective by then.
//! - **The scenario** is built from the register: registered contracts (the registration date is
//!   the local date of registration, or the other office's date for a contract registered
//!   elsewhere), their payments (voucher or not), intermediaries and the service point that
//!   submitted them; the parties' kinds, regions and confirmed flags; the budgets officers set.
//! - **The ledger** (`reward_ledger`) is append-only. A recomputation evaluates the scope, compares
//!   each award with the live entry of its key (program, beneficiary, contract, year, status), and
//!   where they differ posts a reversal of the old entry and a new entry. Running it twice changes
//!   nothing. Recomputations are serialized (PostgreSQL: an advisory transaction lock; SQLite: its
//!   write lock), so shared limits (per beneficiary-year caps, fund budgets) hold when
//!   registrations and payments arrive at once.
//! - **The scope** of a change to one contract is every contract of every party of it (so caps
//!   and annual sums see all they depend on), and only the awards of those parties are compared.
//!   When a fund has a budget, awards of different beneficiaries depend on each other through it,
//!   and the whole register is recomputed instead.
//! - **Automatic**: the change writes a `reward_jobs` row in its own transaction; a background
//!   worker takes the jobs. A new catalogue version, a budget and the close of a year enqueue a
//!   recomputation of everything.
//!
//! The rooms: `rules` (pure: the ledger's words and keys, which entries stand, the register's
//! words in the engine's, the officers' forms), `store` (the catalogue in the database, the
//! scenario from the register, the rows the pages show), `office` (the store's room for the
//! officers' side: their page's figures, decisions, discretionary awards, budgets, the
//! disbursement list, policy versions), `ledger` (recomputation), `worker` (the jobs and their
//! worker), `views` (the page structs and their display helpers) and `routes` (the handlers).

pub mod import;
mod ledger;
pub mod office;
mod routes;
pub mod rules;
pub mod store;
pub mod views;
mod worker;

pub use ledger::*;
pub use rules::*;
pub use store::*;
pub use worker::*;

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/rewards", web::get().to(routes::mine))
        .route("/officer/rewards", web::get().to(routes::officer))
        .route("/officer/rewards/{id}/decide", web::post().to(routes::decide))
        .route("/officer/rewards/discretionary", web::post().to(routes::discretionary))
        .route("/officer/rewards/budgets", web::post().to(routes::set_budget))
        .route("/officer/rewards/disbursement", web::get().to(routes::disbursement))
        .route("/officer/policies", web::get().to(routes::catalogue))
        .route("/officer/policies/{name}/edit", web::get().to(routes::edit_form))
        .route("/officer/policies/{name}/edit", web::post().to(routes::save))
        .route(
            "/officer/policies/{name}/versions/{no}",
            web::get().to(routes::export_version),
        );
}

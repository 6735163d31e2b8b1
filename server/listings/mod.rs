//! The market's shelf: technology needs (demands) posted by enterprises and achievements listed by
//! universities and institutes. Both have a public summary and a confidential detail, go through
//! review by an officer of the owner's region, and share the lifecycle
//! draft → submitted → published, or returned → submitted …; withdrawn, closed, hidden
//! (`rules::next`).
//!
//! One set of handlers (`routes`) serves both kinds: what a kind has of its own — its form, its
//! checks, its columns, its pages — it gives through [`ListingKind`], implemented in `demand.rs`
//! and `achievement.rs`. `import.rs` reads achievements in bulk from a CSV or XLSX file.

pub mod achievement;
pub mod demand;
pub mod import;
mod routes;
pub mod rules;
pub mod store;
pub mod views;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::NaiveDate;

use crate::auth::SessionUser;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::forms::FormData;
use crate::i18n::Problems;
use crate::web::{Ctx, FieldErrors};

pub use crate::vocabulary::{join_modes, split_list, Kind, COOP_MODES, PRICING_METHODS, TRANSFER_MODES};
pub use achievement::Achievement;
pub use demand::Demand;
pub use rules::*;
pub use store::*;
pub use views::*;

/// What a kind of listing has of its own, for the handlers that serve both. Implemented by the
/// listing as loaded for its page ([`Demand`], [`Achievement`]).
pub trait ListingKind: Sized + Send + 'static {
    const KIND: Kind;
    /// The message for a user whose role may not post this kind.
    const ONLY_FOR: &'static str;
    /// The form as typed, so a rejected form comes back exactly as it was.
    type Input: Send + 'static;
    /// A form that passed every check.
    type Valid: Send + 'static;
    /// What only this kind's page shows.
    type Extra: Send + 'static;
    /// A listing of the browse page.
    type Card: Send + 'static;

    fn may_create(u: &SessionUser) -> bool;
    /// The empty form (an officer's demand is an open challenge).
    fn blank(officer: bool) -> Self::Input;
    fn input(f: &FormData) -> Self::Input;
    /// The form of a stored listing, to edit.
    fn input_of(&self) -> Self::Input;
    /// The checks of the form; `officer` is who posts it, `today` the day they post it.
    fn validate(i: &Self::Input, officer: bool, today: NaiveDate) -> Result<Self::Valid, Problems>;
    /// Writes a new listing (draft) or updates an editable one, which goes back to draft.
    fn save(conn: &mut DbConn, user: &SessionUser, existing: Option<i64>, v: &Self::Valid) -> AppResult<i64>;
    fn load(conn: &mut DbConn, id: i64) -> AppResult<Self>;
    /// What every listing has: owner, text, region, state.
    fn basics(&self) -> &Basics;
    fn extra(conn: &mut DbConn, id: i64, user: Option<&SessionUser>) -> AppResult<Self::Extra>;
    /// One page of published listings and the cursor of the next page, if any.
    fn browse(conn: &mut DbConn, f: &Filters) -> AppResult<(Vec<Self::Card>, Option<String>)>;

    fn form_page(
        c: &Ctx,
        id: Option<i64>,
        f: Self::Input,
        errors: FieldErrors,
        status: StatusCode,
    ) -> AppResult<HttpResponse>;
    fn detail_page(c: &Ctx, d: Detail<Self>) -> AppResult<HttpResponse>;
    fn browse_page(c: &Ctx, f: Filters, cards: Vec<Self::Card>, next: Option<String>) -> AppResult<HttpResponse>;
}

/// The routes of one kind: its shelf, its form, its page.
fn kind_routes<K: ListingKind>(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    let base = K::KIND.base();
    cfg.route(base, web::get().to(routes::browse::<K>))
        .route(&format!("{base}/new"), web::get().to(routes::new_form::<K>))
        .route(&format!("{base}/new"), web::post().to(routes::create::<K>))
        .route(&format!("{base}/{{id}}"), web::get().to(routes::detail::<K>))
        .route(&format!("{base}/{{id}}/edit"), web::get().to(routes::edit_form::<K>))
        .route(&format!("{base}/{{id}}/edit"), web::post().to(routes::update::<K>));
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    // Before `/achievements/{id}`, which would take "import" for an id.
    cfg.route("/achievements/import", web::get().to(import::form))
        .route("/achievements/import", web::post().to(import::upload))
        .route("/achievements/import/template.csv", web::get().to(import::template));
    kind_routes::<Demand>(cfg);
    kind_routes::<Achievement>(cfg);
    cfg.route(
        "/{kind:demands|achievements}/{id}/terms",
        web::post().to(routes::accept_terms),
    )
    .route(
        "/{kind:demands|achievements}/{id}/{action:submit|withdraw|close}",
        web::post().to(routes::owner_action),
    )
    .route("/my/listings", web::get().to(routes::mine))
    .route("/my/listings.csv", web::get().to(routes::mine_csv))
    .route("/officer/listings", web::get().to(routes::queue))
    .route(
        "/officer/{kind:demands|achievements}/{id}/review",
        web::post().to(routes::decide),
    );
}

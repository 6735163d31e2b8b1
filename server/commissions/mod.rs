//! Commissions (委托): a listing's owner asks a verified broker organization to work the listing's
//! deals for it; the broker accepts or declines (with a reason the owner sees). A broker holding an
//! accepted commission for a listing may open deals on its matches and acts for that side in them.
//!
//! The area sits below deals and matching, which ask whether a broker is commissioned, and below
//! brokers, whose profiles count the principals a broker works for.

mod routes;
pub mod rules;
pub mod store;
pub mod views;

pub(crate) use routes::broker_user;
pub use rules::*;
pub use store::*;
pub use views::*;

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/broker/commissions", web::get().to(routes::list))
        .route("/commissions", web::post().to(routes::create))
        .route("/commissions/{id}/decide", web::post().to(routes::decide));
}

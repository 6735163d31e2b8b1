//! Deals: a need and an achievement worked into an agreement between their two organizations.
//!
//! One side opens a deal from a match (`proposed`); the deal room opens when the other side
//! accepts (`contacted`); offers and counter-offers put it in `negotiating`; it is `agreed` when one
//! side accepts the other's latest offer. The invited side may decline, and either side may
//! withdraw an open deal, each with a reason the other side sees. Every change of state is a
//! conditional update on the deal's `version`, taken from the page the user acted on, so of two
//! people acting at once (one accepting an offer while the other withdraws) exactly one succeeds and
//! the other is told the deal changed. Only the two organizations, their brokers and the officers of
//! their regions see a deal; to anyone else it does not exist.

mod routes;
pub mod rules;
pub mod store;
pub mod views;

pub use rules::*;
pub use store::*;
pub use views::*;

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/deals", web::get().to(routes::list))
        .route("/deals", web::post().to(routes::create))
        .route("/deals/new", web::get().to(routes::new_form))
        .route("/deals/{id}", web::get().to(routes::room))
        .route("/deals/{id}/respond", web::post().to(routes::respond))
        .route("/deals/{id}/messages", web::post().to(routes::post_message))
        .route("/deals/{id}/offers", web::post().to(routes::act_on_offer))
        .route(
            "/deals/{id}/offers/{offer}/accept",
            web::post().to(routes::act_on_offer),
        )
        .route("/deals/{id}/withdraw", web::post().to(routes::withdraw))
        .route("/deals/{id}/files/{file}", web::get().to(routes::attachment));
}

//! Technology brokers (技术经纪人): public profiles with a track record computed from the market's
//! own data, and the broker's pipeline of deals by stage. A broker organization (a brokerage firm
//! or an individual broker) commissioned for a listing (see `commissions`) may open deals on its
//! matches and works them for that side. Transfer platforms and institutions are agencies: an
//! individual broker asks one to take it in, the agency's administrator accepts, and the agency's
//! profile then counts its members' deals with its own.

mod routes;
pub mod rules;
pub mod store;
pub mod views;

pub use rules::*;
pub use views::*;

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/brokers", web::get().to(routes::list))
        .route("/brokers/{id}", web::get().to(routes::profile))
        .route("/broker/profile", web::get().to(routes::edit_form))
        .route("/broker/profile", web::post().to(routes::save_profile))
        .route("/broker/pipeline", web::get().to(routes::pipeline))
        .route("/broker/agency", web::post().to(routes::request_agency))
        .route("/broker/agency/leave", web::post().to(routes::leave_agency))
        .route("/broker/members/{id}", web::post().to(routes::decide_member));
}

//! The digest: owners hear of new matches of their listings, and users of new listings that fit
//! their saved searches, in one mail per digest interval (daily by default), never one mail per
//! item. Items are written where they arise (the matcher, the search worker); a background worker
//! sends each user's pending items through the mail outbox once the interval since the user's
//! last digest has passed. Every digest carries a link that turns digests off.
//!
//! The rooms: `routes` (the settings page, saved searches, the turn-off link), `store` (items,
//! names, settings and saved searches), `rules` (the mail's text, what a saved search keeps, the
//! turn-off token; pure), `views` (the pages), and `worker` (the sending).

mod routes;
pub mod rules;
pub mod store;
mod views;
pub mod worker;

pub use routes::configure;
pub use rules::{off_token, MAX_LINES, MAX_SAVED};
pub use store::{add_match, add_saved_search_hits};
pub use worker::{send_due, spawn_worker, Settings};

//! Organizations: members and invitations, verification by an officer of the region (business
//! licence or broker certificate), and the status flags rewards depend on.
//!
//! The rooms: `routes` (the handlers: extract, authorize, call, render or redirect), `store`
//! (every query and write of the area), `rules` (the checks of the flag, invitation and decision
//! forms, pure), `views` (the pages).

mod routes;
pub mod rules;
pub mod store;
mod views;

pub use routes::configure;
pub use rules::{FlagStatus, FLAGS};
pub use store::{load_org, notify_admins, region_has_office, Flag, Offices, Org};

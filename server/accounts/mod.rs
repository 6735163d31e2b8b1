//! Accounts: sign-up (an organization with its first user, or an individual broker), log-in and
//! log-out, e-mail verification, password change and reset.
//!
//! The rooms: `routes` (the handlers), `store` (every query and write: accounts, sessions on
//! log-in, tokens), `rules` (the sign-up and password forms' checks, pure), `views` (the pages).

mod routes;
pub mod rules;
pub mod store;
mod views;

pub use routes::{configure, TokenQuery, SIGNED_UP};
pub use rules::role_for_kind;
pub use store::{email_exists, send_verification};

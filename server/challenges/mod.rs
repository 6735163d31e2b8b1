//! Open challenges (揭榜挂帅): institutions submit proposals (approach, team, milestones, price)
//! to a published challenge before it closes; the enterprise that posted it shortlists, asks
//! questions, selects one or more proposals (each selection opens a deal room with the proposer)
//! and gives every proposal it does not select a reason. Proposals are seen by the challenge's
//! organization, the proposer and the officers of the challenge's region.
//!
//! The rooms: `routes` (the handlers), `store` (every query and write), `rules` (a proposal's
//! check, who sees it as what, the decisions' transitions; pure), `views` (the pages).

mod routes;
pub mod rules;
pub mod store;
mod views;

pub use routes::configure;
pub use rules::ProposalStatus;
pub use store::{Challenge, Panel};

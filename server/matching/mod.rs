//! Matching needs with achievements. When a listing's change reaches the search index, its outbox
//! row moves to the `match` stage; this module then asks the engine for the listings of the other
//! kind that share its terms, scores each pair with the pure rules, and stores the best pairs with
//! their reasons in `matches`, so a listing page shows its matches without computing them. A pair
//! is one row for both sides, so a new achievement also appears on the need's page. New pairs at
//! or above the notify score become digest items for both owners.
//!
//! The rooms: `rules` (the score of a pair and its reasons, the ranking; pure), `store` (profiles,
//! stored pairs, the matches section of a listing page), `worker` (the computation), `views` (the
//! reasons in words). Matching has no pages of its own: the listing pages show its section.

pub mod rules;
pub mod store;
pub mod views;
pub mod worker;

pub use rules::{rank, Profile, Reason, Scored};
pub use store::{pending, profiles, Section};
pub use views::reason_text;
pub use worker::{apply_due, candidates, recompute};

/// How many listings of the other kind the engine proposes for one listing.
pub const CANDIDATES: usize = 100;
/// How many of the best-scored candidates a listing keeps from its own computation (pairs that
/// the other side's computations stored stay while they still score enough).
pub const KEEP: usize = 30;

//! Search over needs and achievements: the search page, and the outbox that keeps the engine
//! (embedded index or Meilisearch) in step with the database. Search pages fall back to a plain
//! database query, with a notice, when the engine fails.
//!
//! The rooms: `routes` (the search page's handler), `store` (the database fallback), `rules` (the
//! page's parameters and links; pure), `views` (the page and its facets), and `outbox` (the
//! changes on their way to the engine and the matcher, and the rebuild).

pub mod outbox;
mod routes;
pub mod rules;
pub mod store;
pub mod views;

pub use crate::index::{Doc, Hit, Query, Results, SearchEngine, SearchError};
pub use outbox::{apply_due, backlog, doc_for, docs_for, enqueue, enqueue_all, rebuild, OnIndexed};
pub(crate) use outbox::{claim, settle};
pub use routes::configure;
pub use rules::encode;

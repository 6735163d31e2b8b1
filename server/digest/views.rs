//! The digest's pages: the settings and saved searches, and the turn-off page.

use std::collections::BTreeMap;

use askama::Template;

use crate::web::{Ctx, FieldErrors};

use super::store::SavedSearch;

impl SavedSearch {
    /// The search page showing this search's results.
    pub fn href(&self) -> String {
        let filters: BTreeMap<String, String> = serde_json::from_str(&self.filters).unwrap_or_default();
        let mut pairs = vec![("q".to_string(), self.query.clone())];
        pairs.extend(filters);
        format!("/search?{}", crate::search::encode(&pairs))
    }
}

#[derive(Template)]
#[template(path = "digest.html")]
pub struct DigestPage<'a> {
    pub c: &'a Ctx,
    pub enabled: bool,
    pub pending: i64,
    pub interval_hours: i64,
    pub searches: Vec<SavedSearch>,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "digest_off.html")]
pub struct OffPage<'a> {
    pub c: &'a Ctx,
    pub u: String,
    pub t: String,
    pub done: bool,
}

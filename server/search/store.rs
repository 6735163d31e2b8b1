//! The search page's queries: the plain database search it answers from when the engine fails.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::AppResult;
use crate::index::{highlight, Hit, Results};
use crate::schema::{achievements, demands};
use crate::vocabulary::ListingStatus;

use super::rules::{Params, PER_PAGE};

/// The fallback when the engine fails: a plain substring query on the database, no facets.
pub fn database_search(conn: &mut DbConn, p: &Params, offset: usize) -> AppResult<Results> {
    let text = p.q.trim();
    let pattern = format!("%{}%", text.replace(['\\', '%', '_'], ""));
    let words: Vec<String> = if text.is_empty() {
        Vec::new()
    } else {
        vec![text.to_string()]
    };
    let mut hits = Vec::new();
    let mut total = 0;
    let want = offset + PER_PAGE;
    if p.kind.is_empty() || p.kind == "demand" {
        let mut q = demands::table
            .filter(demands::status.eq(ListingStatus::Published))
            .into_boxed();
        if !text.is_empty() {
            q = q.filter(
                demands::title
                    .like(pattern.clone())
                    .or(demands::summary.like(pattern.clone())),
            );
        }
        if !p.field_family.is_empty() {
            q = q.filter(demands::field_family.eq(p.field_family.clone()));
        }
        if !p.region_province.is_empty() {
            q = q.filter(demands::region_province.eq(p.region_province.clone()));
        }
        let rows: Vec<(i64, String, String)> = q
            .order(demands::published_at.desc())
            .limit(want as i64)
            .select((demands::id, demands::title, demands::summary))
            .load(conn)?;
        total += rows.len();
        hits.extend(rows.into_iter().map(|(id, t, s)| hit("demand", id, &t, &s, &words)));
    }
    if p.kind.is_empty() || p.kind == "achievement" {
        let mut q = achievements::table
            .filter(achievements::status.eq(ListingStatus::Published))
            .into_boxed();
        if !text.is_empty() {
            q = q.filter(
                achievements::title
                    .like(pattern.clone())
                    .or(achievements::summary.like(pattern)),
            );
        }
        if !p.field_family.is_empty() {
            q = q.filter(achievements::field_family.eq(p.field_family.clone()));
        }
        if !p.region_province.is_empty() {
            q = q.filter(achievements::region_province.eq(p.region_province.clone()));
        }
        let rows: Vec<(i64, String, String)> = q
            .order(achievements::published_at.desc())
            .limit(want as i64)
            .select((achievements::id, achievements::title, achievements::summary))
            .load(conn)?;
        total += rows.len();
        hits.extend(
            rows.into_iter()
                .map(|(id, t, s)| hit("achievement", id, &t, &s, &words)),
        );
    }
    Ok(Results {
        hits: hits.into_iter().skip(offset).take(PER_PAGE).collect(),
        total,
        facets: BTreeMap::new(),
    })
}

fn hit(kind: &str, id: i64, title: &str, summary: &str, words: &[String]) -> Hit {
    let short: String = summary.chars().take(160).collect();
    Hit {
        id: format!("{kind}-{id}"),
        kind: kind.to_string(),
        listing_id: id,
        title_html: highlight(title, words),
        summary_html: highlight(&short, words),
        score: 0.0,
    }
}

//! Every query and write of the digest: items where they arise (a match, a saved search's hit),
//! the names a digest shows, the digest page's settings and saved searches.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use crate::db::{self, now, DbConn};
use crate::error::AppResult;
use crate::schema::{achievements, demands, digest_items, saved_searches, users};
use crate::search::Doc;
use crate::vocabulary::ListingStatus;

fn enabled_and_verified(conn: &mut DbConn, user_id: i64) -> QueryResult<bool> {
    let row: Option<(bool, Option<i64>)> = users::table
        .find(user_id)
        .select((users::digest_enabled, users::email_verified_at))
        .first(conn)
        .optional()?;
    Ok(matches!(row, Some((true, Some(_)))))
}

#[allow(clippy::too_many_arguments)]
fn add_item(
    conn: &mut DbConn,
    user_id: i64,
    kind: &str,
    key: &str,
    listing: (&str, i64),
    own: Option<(&str, i64)>,
    saved_search: Option<i64>,
    score: Option<i32>,
) -> QueryResult<()> {
    let exists: i64 = digest_items::table
        .filter(digest_items::user_id.eq(user_id))
        .filter(digest_items::dedupe_key.eq(key))
        .count()
        .get_result(conn)?;
    if exists > 0 || !enabled_and_verified(conn, user_id)? {
        return Ok(());
    }
    diesel::insert_into(digest_items::table)
        .values((
            digest_items::user_id.eq(user_id),
            digest_items::kind.eq(kind),
            digest_items::dedupe_key.eq(key),
            digest_items::listing_kind.eq(listing.0),
            digest_items::listing_id.eq(listing.1),
            digest_items::own_kind.eq(own.map(|o| o.0)),
            digest_items::own_id.eq(own.map(|o| o.1)),
            digest_items::saved_search_id.eq(saved_search),
            digest_items::score.eq(score),
            digest_items::created_at.eq(now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A pair scored at or above the notify score: each owner hears of the other side once.
pub fn add_match(conn: &mut DbConn, demand_id: i64, achievement_id: i64, score: i32) -> QueryResult<()> {
    let d_owner: i64 = demands::table.find(demand_id).select(demands::created_by).first(conn)?;
    let a_owner: i64 = achievements::table
        .find(achievement_id)
        .select(achievements::created_by)
        .first(conn)?;
    if d_owner == a_owner {
        return Ok(());
    }
    let key = format!("match:{demand_id}:{achievement_id}");
    add_item(
        conn,
        d_owner,
        "match",
        &key,
        ("achievement", achievement_id),
        Some(("demand", demand_id)),
        None,
        Some(score),
    )?;
    add_item(
        conn,
        a_owner,
        "match",
        &key,
        ("demand", demand_id),
        Some(("achievement", achievement_id)),
        None,
        Some(score),
    )
}

/// Newly indexed listings that fit saved searches made before they were published.
pub fn add_saved_search_hits(conn: &mut DbConn, docs: &[Doc]) -> QueryResult<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let searches: Vec<(i64, i64, String, String, i64)> = saved_searches::table
        .select((
            saved_searches::id,
            saved_searches::user_id,
            saved_searches::query,
            saved_searches::filters,
            saved_searches::created_at,
        ))
        .load(conn)?;
    for (sid, uid, text, filters, created) in searches {
        let filters: BTreeMap<String, String> = serde_json::from_str(&filters).unwrap_or_default();
        for doc in docs
            .iter()
            .filter(|d| d.published_at >= created && crate::index::fits(d, &text, &filters))
        {
            let key = format!("saved:{sid}:{}", doc.id);
            add_item(
                conn,
                uid,
                "saved_search",
                &key,
                (&doc.kind, doc.listing_id),
                None,
                Some(sid),
                None,
            )?;
        }
    }
    Ok(())
}

pub type ItemRow = (
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i32>,
);

/// The titles of the published listings among the items (theirs and the user's own), and the
/// names of the saved searches: three queries for the whole digest, not three an item.
pub struct Names {
    pub demands: HashMap<i64, String>,
    pub achievements: HashMap<i64, String>,
    pub searches: HashMap<i64, String>,
}

impl Names {
    pub fn load(conn: &mut DbConn, items: &[ItemRow]) -> QueryResult<Names> {
        let listed = items
            .iter()
            .flat_map(|i| [Some((i.2.as_str(), i.3)), i.4.as_deref().zip(i.5)])
            .flatten();
        let (d, a): (Vec<_>, Vec<_>) = listed.partition(|(k, _)| *k == "demand");
        let ids = |v: Vec<(&str, i64)>| v.into_iter().map(|(_, id)| id).collect::<Vec<i64>>();
        let sids: Vec<i64> = items.iter().filter_map(|i| i.6).collect();
        Ok(Names {
            demands: db::chunked(&ids(d), |c| {
                demands::table
                    .filter(demands::id.eq_any(c))
                    .filter(demands::status.eq(ListingStatus::Published))
                    .select((demands::id, demands::title))
                    .load::<(i64, String)>(conn)
            })?
            .into_iter()
            .collect(),
            achievements: db::chunked(&ids(a), |c| {
                achievements::table
                    .filter(achievements::id.eq_any(c))
                    .filter(achievements::status.eq(ListingStatus::Published))
                    .select((achievements::id, achievements::title))
                    .load::<(i64, String)>(conn)
            })?
            .into_iter()
            .collect(),
            searches: db::chunked(&sids, |c| {
                saved_searches::table
                    .filter(saved_searches::id.eq_any(c))
                    .select((saved_searches::id, saved_searches::name))
                    .load::<(i64, String)>(conn)
            })?
            .into_iter()
            .collect(),
        })
    }

    /// A published listing's title; none when it was withdrawn since.
    pub fn title(&self, kind: &str, id: i64) -> Option<String> {
        let titles = if kind == "demand" {
            &self.demands
        } else {
            &self.achievements
        };
        titles.get(&id).cloned()
    }
}

#[derive(Queryable, Debug, Clone)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub filters: String,
    pub created_at: i64,
}

/// The digest page's figures: whether digests are on, how many items wait, the saved searches.
pub fn page(conn: &mut DbConn, uid: i64) -> AppResult<(bool, i64, Vec<SavedSearch>)> {
    let enabled: bool = users::table.find(uid).select(users::digest_enabled).first(conn)?;
    let pending: i64 = digest_items::table
        .filter(digest_items::user_id.eq(uid))
        .filter(digest_items::sent_at.is_null())
        .count()
        .get_result(conn)?;
    let searches = saved_searches::table
        .filter(saved_searches::user_id.eq(uid))
        .order(saved_searches::id.desc())
        .select((
            saved_searches::id,
            saved_searches::name,
            saved_searches::query,
            saved_searches::filters,
            saved_searches::created_at,
        ))
        .load(conn)?;
    Ok((enabled, pending, searches))
}

/// Turns the user's digests on or off.
pub fn set_enabled(conn: &mut DbConn, uid: i64, on: bool) -> AppResult<()> {
    diesel::update(users::table.find(uid))
        .set(users::digest_enabled.eq(on))
        .execute(conn)?;
    Ok(())
}

/// How many searches the user has saved.
pub fn saved_count(conn: &mut DbConn, uid: i64) -> AppResult<i64> {
    Ok(saved_searches::table
        .filter(saved_searches::user_id.eq(uid))
        .count()
        .get_result(conn)?)
}

/// Saves a search: its name, text and filters (as JSON).
pub fn save(conn: &mut DbConn, uid: i64, name: &str, query: &str, filters: &str) -> AppResult<()> {
    diesel::insert_into(saved_searches::table)
        .values((
            saved_searches::user_id.eq(uid),
            saved_searches::name.eq(name),
            saved_searches::query.eq(query),
            saved_searches::filters.eq(filters),
            saved_searches::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes one of the user's saved searches; how many went (0 when it is not the user's).
pub fn delete(conn: &mut DbConn, uid: i64, id: i64) -> AppResult<usize> {
    Ok(diesel::delete(
        saved_searches::table
            .filter(saved_searches::id.eq(id))
            .filter(saved_searches::user_id.eq(uid)),
    )
    .execute(conn)?)
}

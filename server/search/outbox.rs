//! The search outbox: every change to a listing writes a row to `search_outbox` in the same
//! transaction; a background worker applies the rows to the engine (embedded index or
//! Meilisearch) and retries while the engine is down, so nothing is lost between the database and
//! the index. Rows then move on to the matcher's stage.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;

use crate::db::{now, DbConn, Pool};
use crate::error::AppResult;
use crate::index::{Doc, SearchEngine};
use crate::schema::{achievements, demands, organizations, search_outbox};
use crate::vocabulary::{split_list, Kind, ListingStatus};

/// Records that a listing changed; call inside the transaction that changed it.
pub fn enqueue(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<()> {
    let t = now();
    diesel::insert_into(search_outbox::table)
        .values((
            search_outbox::listing_kind.eq(kind.as_str()),
            search_outbox::listing_id.eq(id),
            search_outbox::created_at.eq(t),
            search_outbox::next_attempt_at.eq(t),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The document of a listing as it is now, or None when it is not published (then it must leave
/// the index).
pub fn doc_for(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<Option<Doc>> {
    Ok(docs_for(conn, kind, &[id])?.into_iter().next())
}

type DemandDocRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    bool,
    Option<i64>,
);
type AchievementDocRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i32,
    String,
    Option<i64>,
    bool,
    Option<i64>,
);

/// Documents of the published listings among `ids`.
pub fn docs_for(conn: &mut DbConn, kind: Kind, ids: &[i64]) -> QueryResult<Vec<Doc>> {
    Ok(match kind {
        Kind::Demand => {
            let rows: Vec<DemandDocRow> = demands::table
                .inner_join(organizations::table)
                .filter(demands::id.eq_any(ids))
                .filter(demands::status.eq(ListingStatus::Published))
                .select((
                    demands::id,
                    demands::title,
                    demands::summary,
                    demands::keywords,
                    organizations::name,
                    demands::field_code,
                    demands::field_family,
                    demands::region_code,
                    demands::region_province,
                    demands::region_prefecture,
                    demands::coop_modes,
                    demands::budget_max_fen,
                    demands::negotiable,
                    demands::published_at,
                ))
                .load(conn)?;
            rows.into_iter()
                .map(|r| {
                    let price = if r.12 { None } else { r.11 };
                    Doc {
                        id: format!("demand-{}", r.0),
                        kind: "demand".into(),
                        listing_id: r.0,
                        title: r.1,
                        summary: r.2,
                        keywords: split_list(&r.3),
                        org_name: r.4,
                        field_code: r.5,
                        field_family: r.6,
                        region_code: r.7,
                        region_province: r.8,
                        region_prefecture: r.9,
                        trl: None,
                        modes: split_list(&r.10),
                        price_fen: price,
                        price_band: crate::index::price_band(price).to_string(),
                        published_at: r.13.unwrap_or(0),
                    }
                })
                .collect()
        }
        Kind::Achievement => {
            let rows: Vec<AchievementDocRow> = achievements::table
                .inner_join(organizations::table)
                .filter(achievements::id.eq_any(ids))
                .filter(achievements::status.eq(ListingStatus::Published))
                .select((
                    achievements::id,
                    achievements::title,
                    achievements::summary,
                    achievements::keywords,
                    organizations::name,
                    achievements::field_code,
                    achievements::field_family,
                    achievements::region_code,
                    achievements::region_province,
                    achievements::region_prefecture,
                    achievements::trl,
                    achievements::transfer_modes,
                    achievements::price_fen,
                    achievements::negotiable,
                    achievements::published_at,
                ))
                .load(conn)?;
            rows.into_iter()
                .map(|r| {
                    let price = if r.13 { None } else { r.12 };
                    Doc {
                        id: format!("achievement-{}", r.0),
                        kind: "achievement".into(),
                        listing_id: r.0,
                        title: r.1,
                        summary: r.2,
                        keywords: split_list(&r.3),
                        org_name: r.4,
                        field_code: r.5,
                        field_family: r.6,
                        region_code: r.7,
                        region_province: r.8,
                        region_prefecture: r.9,
                        trl: u8::try_from(r.10).ok(),
                        modes: split_list(&r.11),
                        price_fen: price,
                        price_band: crate::index::price_band(price).to_string(),
                        published_at: r.14.unwrap_or(0),
                    }
                })
                .collect()
        }
    })
}

/// Claims due outbox rows of one stage ("index" or "match"): their next attempt is pushed a
/// minute ahead inside a transaction (with FOR UPDATE SKIP LOCKED on PostgreSQL), so two workers on
/// one database never work on the same row.
pub(crate) fn claim(conn: &mut DbConn, stage: &str, limit: i64) -> QueryResult<Vec<(i64, String, i64, i32)>> {
    let t = now();
    let due: i64 = search_outbox::table
        .filter(search_outbox::stage.eq(stage))
        .filter(search_outbox::done_at.is_null())
        .filter(search_outbox::next_attempt_at.le(t))
        .count()
        .get_result(conn)?;
    if due == 0 {
        return Ok(Vec::new());
    }
    crate::db::write_tx(conn, |conn| {
        let q = search_outbox::table
            .filter(search_outbox::stage.eq(stage))
            .filter(search_outbox::done_at.is_null())
            .filter(search_outbox::next_attempt_at.le(t))
            .order(search_outbox::id)
            .limit(limit)
            .select((
                search_outbox::id,
                search_outbox::listing_kind,
                search_outbox::listing_id,
                search_outbox::attempts,
            ));
        let rows: Vec<(i64, String, i64, i32)> = match conn {
            DbConn::Pg(pg) => q.for_update().skip_locked().load(pg)?,
            DbConn::Sqlite(_) => q.load(conn)?,
        };
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        diesel::update(search_outbox::table.filter(search_outbox::id.eq_any(&ids)))
            .set(search_outbox::next_attempt_at.eq(t + 60))
            .execute(conn)?;
        Ok(rows)
    })
}

/// Records the outcome of claimed rows: on success they move on to `next_stage`, or are done when
/// there is none; on failure they are retried with a back-off of up to a minute.
pub(crate) fn settle(
    conn: &mut DbConn,
    ids: &[i64],
    rows: &[(i64, String, i64, i32)],
    next_stage: Option<&str>,
    failure: Option<&str>,
) -> QueryResult<()> {
    let target = search_outbox::table.filter(search_outbox::id.eq_any(ids));
    match (failure, next_stage) {
        (None, Some(stage)) => diesel::update(target)
            .set((
                search_outbox::stage.eq(stage),
                search_outbox::attempts.eq(0),
                search_outbox::next_attempt_at.eq(now()),
                search_outbox::last_error.eq(None::<String>),
            ))
            .execute(conn),
        (None, None) => diesel::update(target)
            .set((
                search_outbox::done_at.eq(Some(now())),
                search_outbox::last_error.eq(None::<String>),
            ))
            .execute(conn),
        (Some(e), _) => {
            let attempts = rows.iter().map(|r| r.3).max().unwrap_or(0) + 1;
            let delay = (1i64 << attempts.min(6)).min(60);
            diesel::update(target)
                .set((
                    search_outbox::attempts.eq(attempts),
                    search_outbox::next_attempt_at.eq(now() + delay),
                    search_outbox::last_error.eq(Some(e.to_string())),
                ))
                .execute(conn)
        }
    }
    .map(|_| ())
}

/// What is done with the documents of a batch once the index has taken them (the saved searches
/// they fit join the digest); the composition root passes it, since those areas sit above search.
pub type OnIndexed = fn(&mut DbConn, &[Doc]) -> QueryResult<()>;

/// Applies one batch of the outbox to the engine; returns how many rows were applied. Applied
/// rows move on to the `match` stage (see `matching`), and `on_indexed` sees their documents.
pub fn apply_due(pool: &Pool, engine: &dyn SearchEngine, on_indexed: OnIndexed) -> Result<usize, String> {
    // The connection goes back to the pool before the engine is called: a slow or stopped engine
    // must not hold database connections that requests need.
    let (rows, upserts, deletes) = {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let rows = claim(&mut conn, "index", 200).map_err(|e| e.to_string())?;
        if rows.is_empty() {
            return Ok(0);
        }
        // The newest state of each listing is what counts; one document per listing.
        let mut wanted: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
        for (_, kind, id, _) in &rows {
            wanted.entry(kind.as_str()).or_default().insert(*id);
        }
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        for (kind, ids) in &wanted {
            let Some(k) = Kind::parse(kind) else { continue };
            let ids: Vec<i64> = ids.iter().copied().collect();
            let docs = docs_for(&mut conn, k, &ids).map_err(|e| e.to_string())?;
            let published: BTreeSet<i64> = docs.iter().map(|d| d.listing_id).collect();
            deletes.extend(
                ids.iter()
                    .filter(|i| !published.contains(i))
                    .map(|i| format!("{}-{i}", k.as_str())),
            );
            upserts.extend(docs);
        }
        (rows, upserts, deletes)
    };
    let result = engine.upsert(&upserts).and_then(|_| engine.delete(&deletes));
    let failure = result.as_ref().err().map(|e| e.to_string());
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    settle(&mut conn, &ids, &rows, Some("match"), failure.as_deref()).map_err(|e| e.to_string())?;
    match failure {
        None => {
            on_indexed(&mut conn, &upserts).map_err(|e| e.to_string())?;
            Ok(rows.len())
        }
        Some(e) => Err(e),
    }
}

/// Rows waiting to be applied, and the age in seconds of the oldest.
pub fn backlog(conn: &mut DbConn) -> AppResult<(i64, i64)> {
    let n: i64 = search_outbox::table
        .filter(search_outbox::stage.eq("index"))
        .filter(search_outbox::done_at.is_null())
        .count()
        .get_result(conn)?;
    let oldest: Option<i64> = search_outbox::table
        .filter(search_outbox::stage.eq("index"))
        .filter(search_outbox::done_at.is_null())
        .select(diesel::dsl::min(search_outbox::created_at))
        .first(conn)?;
    Ok((n, oldest.map(|o| now() - o).unwrap_or(0)))
}

/// Rebuilds the index from the database: clears it, then adds every published listing.
pub fn rebuild(pool: &Pool, engine: &dyn SearchEngine) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    // Rows written before the rebuild are covered by it.
    let started = now();
    engine.clear().map_err(|e| e.to_string())?;
    let mut total = 0;
    for kind in [Kind::Demand, Kind::Achievement] {
        let mut after = 0i64;
        loop {
            let ids: Vec<i64> = match kind {
                Kind::Demand => demands::table
                    .filter(demands::status.eq(ListingStatus::Published))
                    .filter(demands::id.gt(after))
                    .order(demands::id)
                    .limit(2000)
                    .select(demands::id)
                    .load(&mut *conn),
                Kind::Achievement => achievements::table
                    .filter(achievements::status.eq(ListingStatus::Published))
                    .filter(achievements::id.gt(after))
                    .order(achievements::id)
                    .limit(2000)
                    .select(achievements::id)
                    .load(&mut *conn),
            }
            .map_err(|e| e.to_string())?;
            let Some(last) = ids.last().copied() else { break };
            let docs = docs_for(&mut conn, kind, &ids).map_err(|e| e.to_string())?;
            engine.upsert(&docs).map_err(|e| e.to_string())?;
            total += docs.len();
            after = last;
        }
    }
    // Their listings' matches are still recomputed.
    diesel::update(
        search_outbox::table
            .filter(search_outbox::stage.eq("index"))
            .filter(search_outbox::done_at.is_null())
            .filter(search_outbox::created_at.lt(started)),
    )
    .set((
        search_outbox::stage.eq("match"),
        search_outbox::next_attempt_at.eq(now()),
    ))
    .execute(&mut *conn)
    .map_err(|e| e.to_string())?;
    Ok(total)
}

/// Queues every listing for the running server's worker (used when another process holds the
/// embedded index).
pub fn enqueue_all(pool: &Pool) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    crate::db::write_tx::<_, diesel::result::Error, _>(&mut conn, |conn| {
        let d: Vec<i64> = demands::table.select(demands::id).load(conn)?;
        let a: Vec<i64> = achievements::table.select(achievements::id).load(conn)?;
        for id in &d {
            enqueue(conn, Kind::Demand, *id)?;
        }
        for id in &a {
            enqueue(conn, Kind::Achievement, *id)?;
        }
        Ok(d.len() + a.len())
    })
    .map_err(|e| e.to_string())
}

//! The matcher's work: for a listing whose change reached the index, the engine's candidates of
//! the other kind are scored and the best pairs stored, with digest items for new good pairs.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;

use crate::db::{now, Pool};
use crate::schema::matches;
use crate::search::{Query, SearchEngine};
use crate::vocabulary::Kind;

use super::rules::{self as score, pair, rank, Profile, Scored};
use super::store::{profiles, stored_pairs};
use super::{CANDIDATES, KEEP};

/// Listings of the other kind the engine ranks highest for this one's title and keywords.
pub fn candidates(engine: &dyn SearchEngine, kind: Kind, p: &Profile) -> Result<Vec<i64>, String> {
    let text: Vec<String> = crate::index::query_terms(&score::candidate_query(p))
        .into_iter()
        .filter(|t| score::is_candidate_term(t))
        .collect();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let query = Query {
        text: text.join(" "),
        filters: BTreeMap::from([("kind".to_string(), kind.other().as_str().to_string())]),
        offset: 0,
        limit: CANDIDATES,
        candidates: true,
    };
    let r = engine.search(&query).map_err(|e| e.to_string())?;
    Ok(r.hits.into_iter().map(|h| h.listing_id).collect())
}

/// Recomputes and stores the matches of one listing; returns how many pairs it now has. A
/// listing that is no longer published loses its matches.
pub fn recompute(pool: &Pool, engine: &dyn SearchEngine, kind: Kind, id: i64, notify: u16) -> Result<usize, String> {
    let err = |e: diesel::result::Error| e.to_string();
    let me = {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        profiles(&mut conn, kind, &[id]).map_err(err)?.into_iter().next()
    };
    let Some(me) = me else {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let q = match kind {
            Kind::Demand => diesel::delete(matches::table.filter(matches::demand_id.eq(id))).execute(&mut *conn),
            Kind::Achievement => {
                diesel::delete(matches::table.filter(matches::achievement_id.eq(id))).execute(&mut *conn)
            }
        };
        q.map_err(err)?;
        return Ok(0);
    };
    // The engine is asked with no database connection held.
    let found = candidates(engine, kind, &me)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    crate::db::write_tx(&mut conn, |conn| {
        let before = stored_pairs(conn, kind, id)?;
        let mut ids: BTreeSet<i64> = found.iter().copied().collect();
        ids.extend(before.keys().map(|&(d, a)| if kind == Kind::Demand { a } else { d }));
        let ids: Vec<i64> = ids.into_iter().collect();
        let others = profiles(conn, kind.other(), &ids)?;
        let ranked = rank(kind, &me, &others);
        let found: BTreeSet<i64> = found.iter().copied().collect();
        let mut kept_own = 0;
        let mut keep: Vec<(i64, Scored)> = Vec::new();
        for (o, s) in ranked {
            let stored_before = before.contains_key(&pair(kind, id, o));
            if found.contains(&o) && kept_own < KEEP {
                kept_own += 1;
                keep.push((o, s));
            } else if stored_before {
                keep.push((o, s));
            }
        }
        let t = now();
        let kept: BTreeSet<(i64, i64)> = keep.iter().map(|(o, _)| pair(kind, id, *o)).collect();
        for &(d, a) in before.keys().filter(|p| !kept.contains(p)) {
            diesel::delete(
                matches::table
                    .filter(matches::demand_id.eq(d))
                    .filter(matches::achievement_id.eq(a)),
            )
            .execute(conn)?;
        }
        for (o, s) in &keep {
            let (d, a) = pair(kind, id, *o);
            let reasons = serde_json::to_string(&s.reasons).unwrap_or_else(|_| "[]".into());
            let score = i32::from(s.score);
            if before.contains_key(&(d, a)) {
                diesel::update(
                    matches::table
                        .filter(matches::demand_id.eq(d))
                        .filter(matches::achievement_id.eq(a)),
                )
                .set((
                    matches::score.eq(score),
                    matches::reasons.eq(&reasons),
                    matches::updated_at.eq(t),
                ))
                .execute(conn)?;
            } else {
                diesel::insert_into(matches::table)
                    .values((
                        matches::demand_id.eq(d),
                        matches::achievement_id.eq(a),
                        matches::score.eq(score),
                        matches::reasons.eq(&reasons),
                        matches::created_at.eq(t),
                        matches::updated_at.eq(t),
                    ))
                    .execute(conn)?;
            }
            // Owners hear of a pair when it first reaches the notify score, not on every recompute.
            let was = before.get(&(d, a)).copied();
            if s.score >= notify && was.is_none_or(|w| w < i32::from(notify)) {
                crate::digest::add_match(conn, d, a, score)?;
            }
        }
        Ok(keep.len())
    })
    .map_err(err)
}

/// Recomputes the matches of the listings whose outbox rows reached the `match` stage; returns
/// how many rows were done. A row whose computation fails (the engine is down) is retried later.
pub fn apply_due(pool: &Pool, engine: &dyn SearchEngine, notify: u16) -> Result<usize, String> {
    let rows = {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        crate::search::claim(&mut conn, "match", 50).map_err(|e| e.to_string())?
    };
    if rows.is_empty() {
        return Ok(0);
    }
    let mut wanted: BTreeSet<(String, i64)> = BTreeSet::new();
    for (_, kind, id, _) in &rows {
        wanted.insert((kind.clone(), *id));
    }
    let mut failure = None;
    for (kind, id) in &wanted {
        let Some(k) = Kind::parse(kind) else { continue };
        if let Err(e) = recompute(pool, engine, k, *id, notify) {
            failure = Some(e);
            break;
        }
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    crate::search::settle(&mut conn, &ids, &rows, None, failure.as_deref()).map_err(|e| e.to_string())?;
    match failure {
        None => Ok(rows.len()),
        Some(e) => Err(e),
    }
}

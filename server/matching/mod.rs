//! Matching needs with achievements. When a listing's change reaches the search index, its outbox
//! row moves to the `match` stage; this module then asks the engine for the listings of the other
//! kind that share its terms, scores each pair with the pure `score` module, and stores the best
//! pairs with their reasons in `matches`, so a listing page shows its matches without computing
//! them. A pair is one row for both sides, so a new achievement also appears on the need's page.
//! New pairs at or above the notify score become digest items for both owners.

pub mod page;
pub mod score;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::prelude::*;

use crate::db::{now, DbConn, Pool};
use crate::readiness::Stage;
use crate::schema::{achievements, demands, matches, search_outbox};
use crate::search::{Query, SearchEngine};
use crate::vocabulary::{split_list, Kind, ListingStatus};
pub use score::{Profile, Reason, Scored};

/// How many listings of the other kind the engine proposes for one listing.
pub const CANDIDATES: usize = 100;
/// How many of the best-scored candidates a listing keeps from its own computation (pairs that
/// the other side's computations stored stay while they still score enough).
pub const KEEP: usize = 30;

type DemandProfileRow = (i64, String, String, String, String, String, String, Option<i64>, bool);
type AchievementProfileRow = (i64, String, String, String, String, i32, String, Option<i64>, bool);

/// Profiles of the published listings among `ids`.
pub fn profiles(conn: &mut DbConn, kind: Kind, ids: &[i64]) -> QueryResult<Vec<Profile>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        match kind {
            Kind::Demand => {
                let rows: Vec<DemandProfileRow> = demands::table
                    .filter(demands::id.eq_any(chunk))
                    .filter(demands::status.eq(ListingStatus::Published))
                    .select((
                        demands::id,
                        demands::title,
                        demands::summary,
                        demands::keywords,
                        demands::field_code,
                        demands::wanted_stage,
                        demands::coop_modes,
                        demands::budget_max_fen,
                        demands::negotiable,
                    ))
                    .load(conn)?;
                out.extend(rows.into_iter().map(|r| Profile {
                    id: r.0,
                    title: r.1,
                    summary: r.2,
                    keywords: split_list(&r.3),
                    field_code: r.4,
                    trl: None,
                    wanted_stage: Stage::parse(&r.5),
                    modes: split_list(&r.6),
                    amount_fen: if r.8 { None } else { r.7 },
                }));
            }
            Kind::Achievement => {
                let rows: Vec<AchievementProfileRow> = achievements::table
                    .filter(achievements::id.eq_any(chunk))
                    .filter(achievements::status.eq(ListingStatus::Published))
                    .select((
                        achievements::id,
                        achievements::title,
                        achievements::summary,
                        achievements::keywords,
                        achievements::field_code,
                        achievements::trl,
                        achievements::transfer_modes,
                        achievements::price_fen,
                        achievements::negotiable,
                    ))
                    .load(conn)?;
                out.extend(rows.into_iter().map(|r| Profile {
                    id: r.0,
                    title: r.1,
                    summary: r.2,
                    keywords: split_list(&r.3),
                    field_code: r.4,
                    trl: u8::try_from(r.5).ok(),
                    wanted_stage: None,
                    modes: split_list(&r.6),
                    amount_fen: if r.8 { None } else { r.7 },
                }));
            }
        }
    }
    Ok(out)
}

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

/// Scores `p` against each of `others` (of the other kind) and returns the pairs worth keeping,
/// best first: (other id, scored).
pub fn rank(kind: Kind, p: &Profile, others: &[Profile]) -> Vec<(i64, Scored)> {
    let mut scored: Vec<(i64, Scored)> = others
        .iter()
        .map(|o| {
            let s = match kind {
                Kind::Demand => score::score(p, o),
                Kind::Achievement => score::score(o, p),
            };
            (o.id, s)
        })
        .filter(|(_, s)| s.score >= score::MIN_SCORE)
        .collect();
    scored.sort_by(|a, b| b.1.score.cmp(&a.1.score).then(a.0.cmp(&b.0)));
    scored
}

/// A pair as (demand id, achievement id).
fn pair(kind: Kind, id: i64, other_id: i64) -> (i64, i64) {
    match kind {
        Kind::Demand => (id, other_id),
        Kind::Achievement => (other_id, id),
    }
}

/// The pairs stored for a listing: (demand, achievement) → score.
fn stored_pairs(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<HashMap<(i64, i64), i32>> {
    let rows: Vec<(i64, i64, i32)> = match kind {
        Kind::Demand => matches::table
            .filter(matches::demand_id.eq(id))
            .select((matches::demand_id, matches::achievement_id, matches::score))
            .load(conn)?,
        Kind::Achievement => matches::table
            .filter(matches::achievement_id.eq(id))
            .select((matches::demand_id, matches::achievement_id, matches::score))
            .load(conn)?,
    };
    Ok(rows.into_iter().map(|(d, a, s)| ((d, a), s)).collect())
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

/// Whether the matches of a listing are still being computed.
pub fn pending(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<bool> {
    let n: i64 = search_outbox::table
        .filter(search_outbox::listing_kind.eq(kind.as_str()))
        .filter(search_outbox::listing_id.eq(id))
        .filter(search_outbox::done_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

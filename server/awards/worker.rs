//! Automatic recomputation: the jobs the register's changes enqueue, and the worker that takes them.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::ledger::recompute;
use super::rules::Scope;
use super::store::versions_on;
use crate::db::{self, now, DbConn, Pool};
use crate::error::{AppError, AppResult};
use crate::schema::{app_settings, reward_jobs};

// ---- automatic recomputation ----------------------------------------------------------------------

/// Asks for a recomputation, in the caller's transaction (None: everything).
pub fn enqueue(conn: &mut DbConn, contract: Option<crate::ids::ContractId>, cause: &str) -> AppResult<()> {
    diesel::insert_into(reward_jobs::table)
        .values((
            reward_jobs::contract_id.eq(contract),
            reward_jobs::cause.eq(cause),
            reward_jobs::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

const STATE_KEY: &str = "rewards_state";

/// Enqueues a recomputation of everything when the catalogue in force or the year changed since
/// the last one (a version that became effective, the close of a year).
fn check_state(conn: &mut DbConn, today: NaiveDate) -> AppResult<()> {
    // The ids of the versions in force (no parsing: this runs every poll).
    let versions: Vec<String> = versions_on(conn, today)?.iter().map(|v| v.id.to_string()).collect();
    let state = format!("{}|{}", today.year(), versions.join(","));
    let old: Option<String> = app_settings::table
        .find(STATE_KEY)
        .select(app_settings::value)
        .first(conn)
        .optional()?;
    if old.as_deref() == Some(state.as_str()) {
        return Ok(());
    }
    db::write_tx(conn, |conn| {
        let cause = match &old {
            Some(o) if !o.starts_with(&today.year().to_string()) => "year_closed",
            Some(_) => "program",
            None => "recompute",
        };
        diesel::delete(app_settings::table.find(STATE_KEY)).execute(conn)?;
        diesel::insert_into(app_settings::table)
            .values((app_settings::name.eq(STATE_KEY), app_settings::value.eq(&state)))
            .execute(conn)?;
        enqueue(conn, None, cause)
    })
}

/// Works through the pending jobs: one recomputation of everything when any asks for it, else one
/// per contract. Returns how many jobs it finished.
pub fn run_jobs(conn: &mut DbConn, today: NaiveDate) -> AppResult<usize> {
    let jobs: Vec<(i64, Option<i64>, String)> = reward_jobs::table
        .filter(reward_jobs::done_at.is_null())
        .order(reward_jobs::id)
        .limit(500)
        .select((reward_jobs::id, reward_jobs::contract_id, reward_jobs::cause))
        .load(conn)?;
    if jobs.is_empty() {
        return Ok(0);
    }
    let done = |conn: &mut DbConn, ids: &[i64]| -> AppResult<()> {
        diesel::update(
            reward_jobs::table
                .filter(reward_jobs::id.eq_any(ids))
                .filter(reward_jobs::done_at.is_null()),
        )
        .set(reward_jobs::done_at.eq(Some(now())))
        .execute(conn)?;
        Ok(())
    };
    if let Some((_, _, cause)) = jobs.iter().find(|j| j.1.is_none()) {
        recompute(conn, Scope::All, cause, today)?;
        let ids: Vec<i64> = jobs.iter().map(|j| j.0).collect();
        done(conn, &ids)?;
        return Ok(ids.len());
    }
    let mut seen: BTreeSet<i64> = BTreeSet::new();
    for (id, contract, cause) in &jobs {
        if let Some(c) = contract {
            if seen.insert(*c) {
                recompute(conn, Scope::Contract(*c), cause, today)?;
            }
        }
        done(conn, &[*id])?;
    }
    Ok(jobs.len())
}

/// The background worker: the catalogue and year check, then the pending jobs, every `interval`.
pub fn spawn_worker(pool: Pool, interval: Duration, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new().name("rewards".into()).spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let work = || -> AppResult<()> {
                let mut conn = pool.get().map_err(AppError::internal)?;
                let today = crate::db::today();
                check_state(&mut conn, today)?;
                while run_jobs(&mut conn, today)? > 0 {}
                Ok(())
            };
            if let Err(e) = work() {
                log::warn!("rewards: {e:?}");
            }
            std::thread::sleep(interval);
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start the rewards worker: {e}");
    }
}

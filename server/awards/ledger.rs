//! The ledger: recomputations posting the differences between the awards and the live entries.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::rules::*;
use super::store::*;
use crate::db::{self, now, DbConn};
use crate::error::AppResult;
use crate::rewards;
use crate::rewards::scenario::Contract as SContract;
use crate::schema::{contract_intermediaries, contracts, policy_versions, reward_budgets, reward_ledger};

// ---- the ledger -----------------------------------------------------------------------------------

/// The standing computed entries (discretionary ones are the officers') of `beneficiaries` (None: all).
pub(super) fn live_entries(conn: &mut DbConn, beneficiaries: Option<&[i64]>) -> AppResult<Vec<Entry>> {
    let all: Vec<Entry> = match beneficiaries {
        None => reward_ledger::table.order(reward_ledger::id).load(conn)?,
        Some(b) => chunked(b, |c| {
            Ok(reward_ledger::table
                .filter(reward_ledger::beneficiary_org_id.eq_any(c))
                .order(reward_ledger::id)
                .load(conn)?)
        })?,
    };
    Ok(standing(all)
        .into_iter()
        .filter(|e| e.status != LedgerStatus::Discretionary)
        .collect())
}

/// Takes the lock that serializes recomputations (PostgreSQL; on SQLite the write lock does it).
pub(super) fn lock(conn: &mut DbConn) -> AppResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7007001)").execute(conn)?;
    }
    Ok(())
}

/// The parties of a contract and the beneficiaries of its live entries.
pub(super) fn parties_of(conn: &mut DbConn, id: i64) -> AppResult<Vec<i64>> {
    let mut p: BTreeSet<i64> = BTreeSet::new();
    let row: Option<(i64, i64, Option<i64>, Option<i64>)> = contracts::table
        .find(id)
        .select((
            contracts::buyer_org_id,
            contracts::seller_org_id,
            contracts::intermediary_org_id,
            contracts::submitted_by_org,
        ))
        .first(conn)
        .optional()?;
    if let Some((b, s, i, sub)) = row {
        p.insert(b);
        p.insert(s);
        p.extend(i);
        p.extend(sub);
    }
    let extra: Vec<i64> = contract_intermediaries::table
        .filter(contract_intermediaries::contract_id.eq(id))
        .select(contract_intermediaries::org_id)
        .load(conn)?;
    p.extend(extra);
    let had: Vec<i64> = reward_ledger::table
        .filter(reward_ledger::contract_id.eq(id))
        .select(reward_ledger::beneficiary_org_id)
        .distinct()
        .load(conn)?;
    p.extend(had);
    Ok(p.into_iter().collect())
}

/// The contracts any of `orgs` takes part in.
pub(super) fn contracts_of(conn: &mut DbConn, orgs: &[i64]) -> AppResult<Vec<i64>> {
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    for c in orgs.chunks(2_000) {
        // One query per role, each on its own index (an OR of them would scan the register);
        // `scenario` keeps only the registered ones.
        let by_buyer: Vec<i64> = contracts::table
            .filter(contracts::buyer_org_id.eq_any(c))
            .select(contracts::id)
            .load(conn)?;
        let by_seller: Vec<i64> = contracts::table
            .filter(contracts::seller_org_id.eq_any(c))
            .select(contracts::id)
            .load(conn)?;
        let by_intermediary: Vec<i64> = contracts::table
            .filter(contracts::intermediary_org_id.eq_any(c))
            .select(contracts::id)
            .load(conn)?;
        let by_submitter: Vec<i64> = contracts::table
            .filter(contracts::submitted_by_org.eq_any(c))
            .select(contracts::id)
            .load(conn)?;
        ids.extend(by_buyer);
        ids.extend(by_seller);
        ids.extend(by_intermediary);
        ids.extend(by_submitter);
        let extra: Vec<i64> = contract_intermediaries::table
            .filter(contract_intermediaries::org_id.eq_any(c))
            .select(contract_intermediaries::contract_id)
            .load(conn)?;
        ids.extend(extra);
    }
    Ok(ids.into_iter().collect())
}

/// Whether a fund limits awards (a budget row, or a default limit in the catalogue): then awards of
/// different beneficiaries depend on each other.
pub(super) fn budgets_couple(conn: &mut DbConn, loaded: &Loaded) -> AppResult<bool> {
    let n: i64 = reward_budgets::table.count().get_result(conn)?;
    Ok(n > 0 || loaded.catalogue.funds.iter().any(|f| f.default_limit.is_some()))
}

/// Recomputes the awards of `scope` as of `as_of` and posts the differences to the ledger, in one
/// transaction.
pub fn recompute(conn: &mut DbConn, scope: Scope, cause: &str, as_of: NaiveDate) -> AppResult<Outcome> {
    db::write_tx(conn, |conn| {
        lock(conn)?;
        let periods = catalogue_periods(conn, as_of)?;
        let current = match periods.last() {
            Some((_, l)) => l.clone(),
            None => catalogue_on(conn, as_of)?,
        };
        let scope = match scope {
            Scope::Contract(_) if budgets_couple(conn, &current)? => Scope::All,
            s => s,
        };
        let (s, keys, beneficiaries) = match scope {
            Scope::All => {
                let (s, keys) = scenario(conn, as_of, None)?;
                (s, keys, None)
            }
            Scope::Contract(id) => {
                let parties = parties_of(conn, id)?;
                let ids = contracts_of(conn, &parties)?;
                let (s, keys) = scenario(conn, as_of, Some(&ids))?;
                (s, keys, Some(parties))
            }
        };
        let set: Option<BTreeSet<i64>> = beneficiaries.as_ref().map(|b| b.iter().copied().collect());
        let keep = |b: i64| set.as_ref().is_none_or(|s| s.contains(&b));
        let mut wanted = Vec::new();
        // Each award is computed under the catalogue in force on its date: with one version of
        // every file (the usual case) that is one evaluation.
        for (i, (from, loaded)) in periods.iter().enumerate() {
            let until = periods.get(i + 1).map(|(d, _)| *d);
            let mut e = rewards::evaluate(&s, &loaded.catalogue);
            if periods.len() > 1 {
                let by_id: HashMap<&str, &SContract> = s.contracts.iter().map(|k| (k.id.as_str(), k)).collect();
                e.awards.retain(|a| {
                    let on = award_date(a, &by_id, loaded, as_of);
                    on >= *from && until.is_none_or(|u| on < u)
                });
            }
            wanted.extend(evaluation_to_wanted(&e, &keys, loaded, &keep));
        }
        let live = live_entries(conn, beneficiaries.as_deref())?;
        post_differences(conn, wanted, live, cause)
    })
}

/// The catalogues in force over time, up to `as_of`: (from, catalogue), one per date on which a
/// version took effect, oldest first.
pub(super) fn catalogue_periods(conn: &mut DbConn, as_of: NaiveDate) -> AppResult<Vec<(NaiveDate, Loaded)>> {
    let dates: Vec<String> = policy_versions::table
        .filter(policy_versions::effective_from.le(as_of.to_string()))
        .select(policy_versions::effective_from)
        .distinct()
        .order(policy_versions::effective_from)
        .load(conn)?;
    let mut out = Vec::new();
    for d in dates {
        let Ok(day) = NaiveDate::parse_from_str(&d, "%Y-%m-%d") else {
            continue;
        };
        out.push((day, catalogue_on(conn, day)?));
    }
    Ok(out)
}

pub(super) fn post_differences(
    conn: &mut DbConn,
    wanted: Vec<Wanted>,
    live: Vec<Entry>,
    cause: &str,
) -> AppResult<Outcome> {
    let mut want: BTreeMap<String, Wanted> = BTreeMap::new();
    for w in wanted {
        let mut key = key_of(&w.program, w.beneficiary, w.contract, w.year, w.status);
        let mut n = 2;
        while want.contains_key(&key) {
            key = format!(
                "{}#{n}",
                key_of(&w.program, w.beneficiary, w.contract, w.year, w.status)
            );
            n += 1;
        }
        want.insert(key, w);
    }
    let mut have: BTreeMap<String, Entry> = BTreeMap::new();
    for e in live {
        have.insert(e.award_key.clone(), e);
    }
    let keys: BTreeSet<String> = want.keys().chain(have.keys()).cloned().collect();
    let t = now();
    let mut out = Outcome::default();
    for key in keys {
        let w = want.get(&key);
        let h = have.get(&key);
        if let (Some(w), Some(h)) = (w, h) {
            if w.amount_fen == h.amount_fen
                && w.base_fen == h.base_fen
                && w.is_final == h.is_final
                && w.trace == h.trace
                && w.policy == h.policy
            {
                continue;
            }
        }
        if let Some(h) = h {
            diesel::insert_into(reward_ledger::table)
                .values((
                    reward_ledger::award_key.eq(&h.award_key),
                    reward_ledger::program.eq(&h.program),
                    reward_ledger::beneficiary_org_id.eq(h.beneficiary_org_id),
                    reward_ledger::contract_id.eq(h.contract_id),
                    reward_ledger::year.eq(h.year),
                    reward_ledger::status.eq(h.status),
                    reward_ledger::is_final.eq(h.is_final),
                    reward_ledger::base_fen.eq(-h.base_fen),
                    reward_ledger::amount_fen.eq(-h.amount_fen),
                    reward_ledger::trace.eq(format!("冲销第{}号记录（{}）", h.id, cause_zh(cause))),
                    reward_ledger::reverses.eq(Some(h.id)),
                    reward_ledger::cause.eq(cause),
                    reward_ledger::policy.eq(&h.policy),
                    reward_ledger::created_at.eq(t),
                ))
                .execute(conn)?;
            out.reversed += 1;
        }
        if let Some(w) = w {
            diesel::insert_into(reward_ledger::table)
                .values((
                    reward_ledger::award_key.eq(&key),
                    reward_ledger::program.eq(&w.program),
                    reward_ledger::beneficiary_org_id.eq(w.beneficiary),
                    reward_ledger::contract_id.eq(w.contract),
                    reward_ledger::year.eq(w.year),
                    reward_ledger::status.eq(w.status),
                    reward_ledger::is_final.eq(w.is_final),
                    reward_ledger::base_fen.eq(w.base_fen),
                    reward_ledger::amount_fen.eq(w.amount_fen),
                    reward_ledger::trace.eq(&w.trace),
                    reward_ledger::cause.eq(cause),
                    reward_ledger::policy.eq(&w.policy),
                    reward_ledger::created_at.eq(t),
                ))
                .execute(conn)?;
            out.posted += 1;
        }
    }
    Ok(out)
}

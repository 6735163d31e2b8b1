//! The awards' queries: the catalogue in the database, the scenario from the register, and what
//! the pages read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::rules::*;
use super::views::{files_of, program_label, Row, WhatIf};
use crate::auth::SessionUser;
use crate::db::{now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::organizations::FlagStatus;
use crate::registration::RegistrationStatus;
use crate::rewards::scenario::{Contract as SContract, Party, PartyKind, Payment as SPayment, Scenario};
use crate::rewards::{self, Money};
use crate::schema::{
    contract_elsewhere, contract_intermediaries, contract_payments, contracts, org_flags, organizations,
    policy_versions, reward_budgets, reward_decisions, reward_ledger,
};

// ---- the catalogue in the database ----------------------------------------------------------------

/// Seeds version 1 of each default policy file that has no version yet.
pub fn seed_policies(conn: &mut DbConn) -> AppResult<()> {
    for (name, content) in rewards::DEFAULT_POLICY_FILES {
        let n: i64 = policy_versions::table
            .filter(policy_versions::name.eq(name))
            .count()
            .get_result(conn)?;
        if n > 0 {
            continue;
        }
        let inserted = diesel::insert_into(policy_versions::table)
            .values((
                policy_versions::name.eq(name),
                policy_versions::version_no.eq(1),
                policy_versions::content.eq(content),
                policy_versions::effective_from.eq(SEED_EFFECTIVE_FROM),
                policy_versions::note.eq("policies/ 默认目录"),
                policy_versions::created_at.eq(now()),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            // Another server process seeded it first.
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// One stored version of a policy file.
#[derive(Queryable, Debug, Clone)]
pub struct PolicyVersion {
    pub id: i64,
    pub name: String,
    pub version_no: i32,
    pub content: String,
    pub effective_from: String,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

/// The versions in force on `on`: the latest of each file effective by then.
pub fn versions_on(conn: &mut DbConn, on: NaiveDate) -> AppResult<Vec<PolicyVersion>> {
    let all: Vec<PolicyVersion> = policy_versions::table
        .filter(policy_versions::effective_from.le(on.to_string()))
        .order((policy_versions::name, policy_versions::version_no))
        .load(conn)?;
    let mut latest: BTreeMap<String, PolicyVersion> = BTreeMap::new();
    for v in all {
        latest.insert(v.name.clone(), v);
    }
    Ok(latest.into_values().collect())
}

/// Builds a catalogue from stored versions (and, for a draft, one replaced file).
pub fn build_catalogue(versions: &[PolicyVersion], draft: Option<(&str, &str)>) -> Result<Loaded, String> {
    let files: Vec<(&str, &str)> = versions
        .iter()
        .map(|v| match draft {
            Some((name, text)) if name == v.name => (v.name.as_str(), text),
            _ => (v.name.as_str(), v.content.as_str()),
        })
        .collect();
    let catalogue = rewards::parse_catalogue(&files).map_err(|e| e.to_string())?;
    Ok(Loaded {
        catalogue,
        versions: versions
            .iter()
            .map(|v| (v.name.clone(), (v.id, v.version_no)))
            .collect(),
    })
}

/// Catalogues already parsed, by their versions' ids and contents. A stored version never changes,
/// so a parse serves every later request (a contract page, an officer's page, each recomputation)
/// until another version is in force; the few sets last used are kept.
static PARSED: std::sync::Mutex<Vec<(String, Loaded)>> = std::sync::Mutex::new(Vec::new());

/// The catalogue in force on `on`.
pub fn catalogue_on(conn: &mut DbConn, on: NaiveDate) -> AppResult<Loaded> {
    use std::hash::{Hash, Hasher};
    let versions = versions_on(conn, on)?;
    // The contents are in the key too: a process may serve several databases (the tests do).
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for v in &versions {
        (v.id, &v.name, &v.content).hash(&mut h);
    }
    let key = format!("{}:{:x}", versions.len(), h.finish());
    if let Some((_, l)) = PARSED
        .lock()
        .ok()
        .and_then(|c| c.iter().find(|(k, _)| *k == key).cloned())
    {
        return Ok(l);
    }
    let loaded = build_catalogue(&versions, None).map_err(AppError::internal)?;
    if let Ok(mut cache) = PARSED.lock() {
        if cache.len() >= 8 {
            cache.remove(0);
        }
        cache.push((key, loaded.clone()));
    }
    Ok(loaded)
}

// ---- the scenario from the register --------------------------------------------------------------

/// `db::chunked` with the area's error type, so the closures can use `?`.
pub(super) fn chunked<T>(ids: &[i64], f: impl FnMut(&[i64]) -> AppResult<Vec<T>>) -> AppResult<Vec<T>> {
    crate::db::chunked(ids, f)
}

/// Rows for the contracts `ids`: `f(None)` (every row) when `all`, else `f` over chunks of ids.
pub(super) type Loader<'a, T> = dyn FnMut(Option<&[i64]>) -> AppResult<Vec<T>> + 'a;

pub(super) fn scoped<T>(all: bool, ids: &[i64], f: &mut Loader<'_, T>) -> AppResult<Vec<T>> {
    if all {
        f(None)
    } else {
        chunked(ids, |c| f(Some(c)))
    }
}

pub(super) type ContractRow = (
    i64,
    String,
    i64,
    i64,
    Option<i64>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    bool,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// The scenario of the registered contracts `ids` (None: all), as of `as_of`.
pub fn scenario(conn: &mut DbConn, as_of: NaiveDate, ids: Option<&[i64]>) -> AppResult<(Scenario, Keys)> {
    let select = (
        contracts::id,
        contracts::kind,
        contracts::buyer_org_id,
        contracts::seller_org_id,
        contracts::intermediary_org_id,
        contracts::signed_on,
        contracts::contract_fen,
        contracts::tech_fen_registered,
        contracts::equity_fen,
        contracts::involves_patent,
        contracts::registered_at,
        contracts::submitted_by_org,
        contracts::registration_no,
    );
    let whole = ids.is_none();
    let rows: Vec<ContractRow> = match ids {
        None => contracts::table
            .filter(contracts::status.eq(RegistrationStatus::Registered))
            .order(contracts::id)
            .select(select)
            .load(conn)?,
        // By id alone: with the status too, SQLite would walk the status index over the register.
        Some(ids) => {
            let registered: Vec<(i64, RegistrationStatus)> = chunked(ids, |c| {
                Ok(contracts::table
                    .filter(contracts::id.eq_any(c))
                    .select((contracts::id, contracts::status))
                    .load(conn)?)
            })?;
            let ids: Vec<i64> = registered
                .into_iter()
                .filter(|(_, st)| *st == RegistrationStatus::Registered)
                .map(|(id, _)| id)
                .collect();
            let mut rows: Vec<ContractRow> = chunked(&ids, |c| {
                Ok(contracts::table
                    .filter(contracts::id.eq_any(c))
                    .select(select)
                    .load(conn)?)
            })?;
            rows.sort_by_key(|r| r.0);
            rows
        }
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let all = whole || rows.len() > 5_000;
    // Payments, further intermediaries and other offices' dates of these contracts: all of them
    // when the scope is most of the register, else by contract id.
    let payments: Vec<(i64, String, i64, bool)> = scoped(all, &ids, &mut |c| {
        let mut q = contract_payments::table
            .select((
                contract_payments::contract_id,
                contract_payments::paid_on,
                contract_payments::amount_fen,
                contract_payments::voucher,
            ))
            .order((
                contract_payments::contract_id,
                contract_payments::paid_on,
                contract_payments::id,
            ))
            .into_boxed();
        if let Some(c) = c {
            q = q.filter(contract_payments::contract_id.eq_any(c.to_vec()));
        }
        Ok(q.load(conn)?)
    })?;
    let extra: Vec<(i64, i64)> = scoped(all, &ids, &mut |c| {
        let mut q = contract_intermediaries::table
            .order((contract_intermediaries::contract_id, contract_intermediaries::position))
            .select((contract_intermediaries::contract_id, contract_intermediaries::org_id))
            .into_boxed();
        if let Some(c) = c {
            q = q.filter(contract_intermediaries::contract_id.eq_any(c.to_vec()));
        }
        Ok(q.load(conn)?)
    })?;
    let elsewhere: Vec<(i64, String)> = scoped(all, &ids, &mut |c| {
        let mut q = contract_elsewhere::table
            .select((contract_elsewhere::contract_id, contract_elsewhere::registered_on))
            .into_boxed();
        if let Some(c) = c {
            q = q.filter(contract_elsewhere::contract_id.eq_any(c.to_vec()));
        }
        Ok(q.load(conn)?)
    })?;
    let mut pay_of: HashMap<i64, Vec<SPayment>> = HashMap::new();
    for (k, on, fen, voucher) in payments {
        if let Some(on) = parse_date(&on) {
            pay_of.entry(k).or_default().push(SPayment {
                on,
                amount: Money::from_fen(fen),
                voucher,
            });
        }
    }
    let mut extra_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (k, o) in extra {
        extra_of.entry(k).or_default().push(o);
    }
    let elsewhere_of: HashMap<i64, String> = elsewhere.into_iter().collect();

    // The parties.
    let mut org_ids: BTreeSet<i64> = BTreeSet::new();
    for r in &rows {
        org_ids.insert(r.2);
        org_ids.insert(r.3);
        org_ids.extend(r.4);
        org_ids.extend(r.11);
        org_ids.extend(extra_of.get(&r.0).into_iter().flatten().copied());
    }
    let org_ids: Vec<i64> = org_ids.into_iter().collect();
    let select = (
        organizations::id,
        organizations::kind,
        organizations::region_code,
        organizations::aid_partnered,
        organizations::name,
    );
    let orgs: Vec<(i64, String, String, bool, String)> = if all {
        organizations::table.select(select).load(conn)?
    } else {
        chunked(&org_ids, |c| {
            Ok(organizations::table
                .filter(organizations::id.eq_any(c))
                .select(select)
                .load(conn)?)
        })?
    };
    let wanted: BTreeSet<i64> = org_ids.iter().copied().collect();
    let orgs: Vec<(i64, String, String, bool, String)> = orgs.into_iter().filter(|o| wanted.contains(&o.0)).collect();
    let mut name_count: HashMap<&str, usize> = HashMap::new();
    for o in &orgs {
        *name_count.entry(o.4.as_str()).or_default() += 1;
    }
    let key_of_org: HashMap<i64, String> = orgs
        .iter()
        .map(|o| {
            let k = if name_count.get(o.4.as_str()) == Some(&1) && !o.4.is_empty() {
                o.4.clone()
            } else {
                format!("{}#{}", o.4, o.0)
            };
            (o.0, k)
        })
        .collect();
    let pk = |o: i64| key_of_org.get(&o).cloned().unwrap_or_else(|| o.to_string());
    let day = as_of.to_string();
    let flags: Vec<(i64, String)> = chunked(&org_ids, |c| {
        Ok(org_flags::table
            .filter(org_flags::org_id.eq_any(c))
            .filter(org_flags::status.eq(FlagStatus::Confirmed))
            .filter(org_flags::valid_from.le(&day))
            .filter(org_flags::valid_to.ge(&day))
            .select((org_flags::org_id, org_flags::flag))
            .load(conn)?)
    })?;
    let mut flag_set: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (o, f) in flags {
        flag_set.entry(o).or_default().insert(f);
    }
    let kinds: HashMap<i64, PartyKind> = orgs.iter().map(|o| (o.0, party_kind(&o.1))).collect();
    let parties: Vec<Party> = orgs
        .iter()
        .map(|(id, kind, region, aid, _)| {
            let (id, aid) = (*id, *aid);
            let f = flag_set.get(&id);
            let has = |x: &str| f.is_some_and(|s| s.contains(x));
            Party {
                id: pk(id),
                kind: party_kind(kind),
                region: region.clone(),
                sme: has("sme"),
                tech_sme: has("tech_sme"),
                aid_partnered: aid,
            }
        })
        .collect();

    let mut keys = Keys {
        parties: key_of_org.iter().map(|(id, k)| (k.clone(), *id)).collect(),
        contracts: HashMap::new(),
    };
    let contracts = rows
        .into_iter()
        .map(
            |(id, kind, buyer, seller, inter, signed, fen, tech, equity, patent, reg_at, submitted_by, number)| {
                let registered_on = match elsewhere_of.get(&id) {
                    Some(d) => parse_date(d),
                    None => reg_at.map(|t| to_date(local_date(t))),
                };
                let mut intermediaries: Vec<String> = inter.iter().map(|o| pk(*o)).collect();
                intermediaries.extend(extra_of.get(&id).into_iter().flatten().map(|o| pk(*o)));
                let through = submitted_by
                    .filter(|o| kinds.get(o) == Some(&PartyKind::ContractServicePoint))
                    .map(pk);
                let key = number.unwrap_or_else(|| format!("#{id:012}"));
                keys.contracts.insert(key.clone(), id);
                SContract {
                    id: key,
                    kind: contract_kind(&kind),
                    patent,
                    buyer: pk(buyer),
                    seller: pk(seller),
                    intermediaries,
                    amount: Money::from_fen(fen),
                    technology_amount: Money::from_fen(tech.unwrap_or(fen)),
                    equity_amount: equity.map(Money::from_fen),
                    signed_on: parse_date(&signed),
                    registered_on,
                    registered_through: through,
                    payments: pay_of.remove(&id).unwrap_or_default(),
                }
            },
        )
        .collect();

    let mut budgets: BTreeMap<String, BTreeMap<i32, Money>> = BTreeMap::new();
    let rows: Vec<(String, i32, i64)> = reward_budgets::table
        .select((reward_budgets::fund, reward_budgets::year, reward_budgets::amount_fen))
        .load(conn)?;
    for (fund, year, fen) in rows {
        budgets.entry(fund).or_default().insert(year, Money::from_fen(fen));
    }
    Ok((
        Scenario {
            as_of: to_date(as_of),
            parties,
            contracts,
            programs: None,
            budgets,
            index: Default::default(),
        },
        keys,
    ))
}

// ---- what the pages read ------------------------------------------------------------------------

/// Dresses entries with names, contracts, decisions and whether each is reversed.
pub(super) fn rows_of(conn: &mut DbConn, loaded: &Loaded, entries: Vec<Entry>) -> AppResult<Vec<Row>> {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let reversed: Vec<i64> = reward_ledger::table
        .filter(reward_ledger::reverses.eq_any(&ids))
        .select(reward_ledger::reverses.assume_not_null())
        .load(conn)?;
    let decisions: Vec<(i64, bool, String)> = reward_decisions::table
        .filter(reward_decisions::entry_id.eq_any(&ids))
        .select((
            reward_decisions::entry_id,
            reward_decisions::approved,
            reward_decisions::reason,
        ))
        .load(conn)?;
    let decisions: BTreeMap<i64, (bool, String)> = decisions.into_iter().map(|(e, a, r)| (e, (a, r))).collect();
    let org_ids: Vec<i64> = entries.iter().map(|e| e.beneficiary_org_id).collect();
    let names: BTreeMap<i64, String> = organizations::table
        .filter(organizations::id.eq_any(&org_ids))
        .select((organizations::id, organizations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let contract_ids: Vec<i64> = entries.iter().filter_map(|e| e.contract_id).collect();
    let ks: BTreeMap<i64, (String, String)> = contracts::table
        .filter(contracts::id.eq_any(&contract_ids))
        .select((contracts::id, contracts::project_name, contracts::registration_no))
        .load::<(i64, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, n, r)| (id, (n, r.unwrap_or_default())))
        .collect();
    Ok(entries
        .into_iter()
        .map(|e| {
            let (program_name, citation) = program_label(loaded, &e.program);
            Row {
                program_name,
                citation,
                beneficiary: names.get(&e.beneficiary_org_id).cloned().unwrap_or_default(),
                contract: e
                    .contract_id
                    .and_then(|k| ks.get(&k).map(|(n, r)| (k, n.clone(), r.clone()))),
                decision: decisions.get(&e.id).cloned(),
                reversed: reversed.contains(&e.id),
                e,
            }
        })
        .collect())
}

/// The standing entries of an organization, or of programs, newest year first.
pub(super) fn live(conn: &mut DbConn, org: Option<i64>, programs: Option<&[String]>) -> AppResult<Vec<Entry>> {
    let mut q = reward_ledger::table.into_boxed();
    if let Some(o) = org {
        q = q.filter(reward_ledger::beneficiary_org_id.eq(o));
    }
    if let Some(p) = programs {
        q = q.filter(reward_ledger::program.eq_any(p.to_vec()));
    }
    let mut rows = standing(q.load(conn)?);
    rows.sort_by_key(|e| (std::cmp::Reverse(e.year), std::cmp::Reverse(e.id)));
    Ok(rows)
}

pub(super) fn editable(conn: &mut DbConn, user: &SessionUser, file: &str) -> AppResult<PolicyVersion> {
    let loaded = catalogue_on(conn, today())?;
    if !files_of(&loaded, user).iter().any(|f| f == file) {
        return Err(AppError::NotFound);
    }
    policy_versions::table
        .filter(policy_versions::name.eq(file))
        .order(policy_versions::version_no.desc())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Totals per beneficiary of an evaluation.
pub(super) fn totals(e: &crate::rewards::Evaluation, keys: &Keys) -> BTreeMap<i64, i64> {
    let mut t: BTreeMap<i64, i64> = BTreeMap::new();
    for a in e
        .awards
        .iter()
        .filter(|a| a.status == crate::rewards::AwardStatus::Computed)
    {
        if let Some(o) = keys.parties.get(&a.beneficiary) {
            *t.entry(*o).or_default() += a.amount_fen;
        }
    }
    t
}

/// Evaluates the registered contracts of `year` under the current catalogue and the draft.
pub(super) fn what_if(conn: &mut DbConn, file: &str, draft: &str, year: i32) -> AppResult<Result<WhatIf, String>> {
    let versions = versions_on(conn, today())?;
    let current = build_catalogue(&versions, None).map_err(AppError::internal)?;
    let draft = match build_catalogue(&versions, Some((file, draft))) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let as_of = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_else(today).min(today());
    let (mut s, keys) = scenario(conn, as_of, None)?;
    s.contracts
        .retain(|k| k.registered_on.is_some_and(|d| d.year() == year));
    let a = totals(&crate::rewards::evaluate(&s, &current.catalogue), &keys);
    let b = totals(&crate::rewards::evaluate(&s, &draft.catalogue), &keys);
    let names: BTreeMap<i64, String> = organizations::table
        .select((organizations::id, organizations::name))
        .filter(organizations::id.eq_any(a.keys().chain(b.keys()).copied().collect::<Vec<_>>()))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut rows: Vec<(String, i64, i64)> = a
        .keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|k| {
            (
                names.get(k).cloned().unwrap_or_else(|| k.to_string()),
                a.get(k).copied().unwrap_or(0),
                b.get(k).copied().unwrap_or(0),
            )
        })
        .collect();
    rows.sort_by_key(|(n, x, y)| (std::cmp::Reverse((y - x).abs()), n.clone()));
    Ok(Ok(WhatIf {
        year,
        contracts: s.contracts.len(),
        current: a.values().sum(),
        draft: b.values().sum(),
        rows,
    }))
}

// ---- income distribution (西宁 art. 14) ----------------------------------------------------------------

/// The income rule of the catalogue when it speaks to this seller (a university or institute of
/// its region).
pub fn income_rule_for(conn: &mut DbConn, seller: i64) -> AppResult<Option<crate::rewards::IncomeRule>> {
    let (kind, region): (String, String) = organizations::table
        .find(seller)
        .select((organizations::kind, organizations::region_code))
        .first(conn)?;
    let loaded = catalogue_on(conn, today())?;
    Ok(loaded.catalogue.income_distribution.filter(|r| {
        r.seller_kinds.iter().any(|k| k.code() == kind)
            && (r.seller_regions.is_empty()
                || r.seller_regions
                    .iter()
                    .any(|g| crate::rewards::region_contains(g, &region)))
    }))
}

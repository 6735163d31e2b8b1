//! Awards: the reward engine (`crate::rewards`, pure, no I/O) applied to the register.
//!
//! - **The catalogue** lives in `policy_versions`. The files under `policies/` seed version 1 of
//!   each; an officer's change is a new version of the file, effective from a date, validated by
//!   the same parser as the files. The catalogue of a day is the latest version of each file
//!   effective by then.
//! - **The scenario** is built from the register: registered contracts (the registration date is
//!   the local date of registration, or the other office's date for a contract registered
//!   elsewhere), their payments (voucher or not), intermediaries and the service point that
//!   submitted them; the parties' kinds, regions and confirmed flags; the budgets officers set.
//! - **The ledger** (`reward_ledger`) is append-only. A recomputation evaluates the scope, compares
//!   each award with the live entry of its key (program, beneficiary, contract, year, status), and
//!   where they differ posts a reversal of the old entry and a new entry. Running it twice changes
//!   nothing. Recomputations are serialized (PostgreSQL: an advisory transaction lock; SQLite: its
//!   write lock), so shared limits (per beneficiary-year caps, fund budgets) hold when
//!   registrations and payments arrive at once.
//! - **The scope** of a change to one contract is every contract of every party of it (so caps
//!   and annual sums see all they depend on), and only the awards of those parties are compared.
//!   When a fund has a budget, awards of different beneficiaries depend on each other through it,
//!   and the whole register is recomputed instead.
//! - **Automatic**: the change writes a `reward_jobs` row in its own transaction; a background
//!   worker takes the jobs. A new catalogue version, a budget and the close of a year enqueue a
//!   recomputation of everything.

pub mod import;
pub mod pages;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::db::{self, now, DbConn, Pool};
use crate::error::{AppError, AppResult};
use crate::registration::RegistrationStatus;
use crate::rewards::scenario::{Contract as SContract, ContractKind, Party, PartyKind, Payment as SPayment, Scenario};
use crate::rewards::{self, Catalogue, Date, Evaluation, Money};
use crate::schema::{
    app_settings, contract_elsewhere, contract_intermediaries, contract_payments, contracts, org_flags, organizations,
    policy_versions, reward_budgets, reward_jobs, reward_ledger,
};

/// Version 1 of each default file is effective from this date (before any program's own period).
pub const SEED_EFFECTIVE_FROM: &str = "2000-01-01";

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

/// A catalogue with the versions it was built from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub catalogue: Catalogue,
    /// file name → (version id, version number).
    pub versions: BTreeMap<String, (i64, i32)>,
}

impl Loaded {
    /// "policies/xining-2020.toml v2": the file and version a program comes from.
    pub fn policy_of(&self, program: &str) -> String {
        let file = self
            .catalogue
            .program(program)
            .map(|p| p.file.clone())
            .unwrap_or_default();
        match self.versions.get(&file) {
            Some((_, v)) => format!("{file} v{v}"),
            None => file,
        }
    }
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

/// How the scenario's ids map back to the register. A party's id is its name (with `#id` when two
/// parties of the scenario share a name) and a contract's its registration number, so traces read
/// as the register does.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub parties: HashMap<String, i64>,
    pub contracts: HashMap<String, i64>,
}

fn party_kind(kind: &str) -> PartyKind {
    PartyKind::ALL
        .into_iter()
        .find(|k| k.code() == kind)
        .unwrap_or(PartyKind::Enterprise)
}

fn contract_kind(kind: &str) -> ContractKind {
    ContractKind::ALL
        .into_iter()
        .find(|k| k.code() == kind)
        .unwrap_or(ContractKind::Service)
}

fn to_date(d: NaiveDate) -> Date {
    // A NaiveDate is always a valid calendar date.
    Date::new(d.year(), d.month() as u8, d.day() as u8).unwrap_or(Date::new(2000, 1, 1).expect("a date"))
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s).ok()
}

/// The local calendar date of a timestamp.
pub fn local_date(ts: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.with_timezone(&chrono::Local).date_naive())
        .unwrap_or_default()
}

/// Runs `f` over `ids` in chunks (bind parameter limits).
fn chunked<T>(ids: &[i64], mut f: impl FnMut(&[i64]) -> AppResult<Vec<T>>) -> AppResult<Vec<T>> {
    let mut out = Vec::new();
    for c in ids.chunks(10_000) {
        out.extend(f(c)?);
    }
    Ok(out)
}

/// Rows for the contracts `ids`: `f(None)` (every row) when `all`, else `f` over chunks of ids.
type Loader<'a, T> = dyn FnMut(Option<&[i64]>) -> AppResult<Vec<T>> + 'a;

fn scoped<T>(all: bool, ids: &[i64], f: &mut Loader<'_, T>) -> AppResult<Vec<T>> {
    if all {
        f(None)
    } else {
        chunked(ids, |c| f(Some(c)))
    }
}

type ContractRow = (
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
            .filter(org_flags::status.eq("confirmed"))
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

// ---- the ledger -----------------------------------------------------------------------------------

/// A ledger entry.
#[derive(Queryable, Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub award_key: String,
    pub program: String,
    pub beneficiary_org_id: i64,
    pub contract_id: Option<i64>,
    pub year: i32,
    pub status: String,
    pub is_final: bool,
    pub base_fen: i64,
    pub amount_fen: i64,
    pub trace: String,
    pub reverses: Option<i64>,
    pub cause: String,
    pub policy: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

/// An award as the ledger would hold it.
#[derive(Debug, Clone, PartialEq)]
struct Wanted {
    program: String,
    beneficiary: i64,
    contract: Option<i64>,
    year: i32,
    status: String,
    is_final: bool,
    base_fen: i64,
    amount_fen: i64,
    trace: String,
    policy: String,
}

fn key_of(program: &str, beneficiary: i64, contract: Option<i64>, year: i32, status: &str) -> String {
    let c = contract.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
    format!("{program}|{beneficiary}|{c}|{year}|{status}")
}

/// The entries that are awards and still stand: not reversals, and reversed by none. A reversal
/// names the same beneficiary as the entry it reverses, so the entries of the beneficiaries tell.
pub fn standing(entries: Vec<Entry>) -> Vec<Entry> {
    let reversed: BTreeSet<i64> = entries.iter().filter_map(|e| e.reverses).collect();
    entries
        .into_iter()
        .filter(|e| e.reverses.is_none() && !reversed.contains(&e.id))
        .collect()
}

/// The standing computed entries (discretionary ones are the officers') of `beneficiaries` (None: all).
fn live_entries(conn: &mut DbConn, beneficiaries: Option<&[i64]>) -> AppResult<Vec<Entry>> {
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
        .filter(|e| e.status != "discretionary")
        .collect())
}

/// What a recomputation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Outcome {
    pub posted: usize,
    pub reversed: usize,
}

/// What to recompute.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    All,
    Contract(i64),
}

/// The awards the engine lists, as ledger entries. An award of two formula programs of one issuing
/// region that pay one beneficiary for one contract without one superseding the other is not paid
/// silently: its status is `conflict`, with the engine's message in its trace, until an officer
/// settles it (a new version that supersedes one of them).
fn evaluation_to_wanted(e: &Evaluation, keys: &Keys, loaded: &Loaded, keep: &dyn Fn(i64) -> bool) -> Vec<Wanted> {
    let mut conflicted: HashMap<(String, String, String), Vec<String>> = HashMap::new();
    for c in &e.conflicts {
        for p in &c.programs {
            conflicted
                .entry((p.clone(), c.beneficiary.clone(), c.contract.clone()))
                .or_default()
                .push(c.message.clone());
        }
    }
    e.awards
        .iter()
        .filter_map(|a| {
            let clash = a
                .contract
                .as_ref()
                .and_then(|c| conflicted.get(&(a.program.clone(), a.beneficiary.clone(), c.clone())));
            let beneficiary: i64 = *keys.parties.get(&a.beneficiary)?;
            if !keep(beneficiary) {
                return None;
            }
            let contract = match &a.contract {
                Some(c) => Some(*keys.contracts.get(c)?),
                None => None,
            };
            Some(Wanted {
                program: a.program.clone(),
                beneficiary,
                contract,
                year: a.year,
                status: if clash.is_some() {
                    "conflict".to_string()
                } else {
                    a.status.code().to_string()
                },
                is_final: a.is_final,
                base_fen: Money::parse(&a.base).map(Money::fen).unwrap_or_default(),
                amount_fen: a.amount_fen,
                trace: match clash {
                    Some(m) => format!("{}\n{}", a.trace.join("\n"), m.join("\n")),
                    None => a.trace.join("\n"),
                },
                policy: loaded.policy_of(&a.program),
            })
        })
        .collect()
}

/// Takes the lock that serializes recomputations (PostgreSQL; on SQLite the write lock does it).
fn lock(conn: &mut DbConn) -> AppResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7007001)").execute(conn)?;
    }
    Ok(())
}

/// The parties of a contract and the beneficiaries of its live entries.
fn parties_of(conn: &mut DbConn, id: i64) -> AppResult<Vec<i64>> {
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
fn contracts_of(conn: &mut DbConn, orgs: &[i64]) -> AppResult<Vec<i64>> {
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
fn budgets_couple(conn: &mut DbConn, loaded: &Loaded) -> AppResult<bool> {
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
fn catalogue_periods(conn: &mut DbConn, as_of: NaiveDate) -> AppResult<Vec<(NaiveDate, Loaded)>> {
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

/// The date that decides which version of the catalogue an award follows: the registration date
/// for a contract-based award, the last payment of its year for a payment-based one, the end of
/// the year (or `as_of`) for an annual one.
fn award_date(a: &rewards::Award, by_id: &HashMap<&str, &SContract>, loaded: &Loaded, as_of: NaiveDate) -> NaiveDate {
    let naive = |d: Date| NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").unwrap_or(as_of);
    let year_end = NaiveDate::from_ymd_opt(a.year, 12, 31).unwrap_or(as_of).min(as_of);
    let Some(k) = a.contract.as_deref().and_then(|c| by_id.get(c)) else {
        return year_end;
    };
    let per_payment = loaded
        .catalogue
        .program(&a.program)
        .is_some_and(|p| p.kind == Some(rewards::catalogue::ProgramKind::PerPayment));
    if per_payment {
        if let Some(last) = k.payments.iter().filter(|p| p.on.year() == a.year).map(|p| p.on).max() {
            return naive(last).min(as_of);
        }
    }
    k.registered_on.map(naive).unwrap_or(year_end)
}

fn post_differences(conn: &mut DbConn, wanted: Vec<Wanted>, live: Vec<Entry>, cause: &str) -> AppResult<Outcome> {
    let mut want: BTreeMap<String, Wanted> = BTreeMap::new();
    for w in wanted {
        let mut key = key_of(&w.program, w.beneficiary, w.contract, w.year, &w.status);
        let mut n = 2;
        while want.contains_key(&key) {
            key = format!(
                "{}#{n}",
                key_of(&w.program, w.beneficiary, w.contract, w.year, &w.status)
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
                    reward_ledger::status.eq(&h.status),
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
                    reward_ledger::status.eq(&w.status),
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

/// The cause of a ledger entry, in Chinese (traces are in Chinese).
pub fn cause_zh(cause: &str) -> &'static str {
    match cause {
        "registered" => "合同登记",
        "payment" => "登记到账",
        "amended" => "合同变更",
        "program" => "政策参数调整",
        "budget" => "预算调整",
        "year_closed" => "年度结束",
        "discretionary" => "酌定奖励",
        _ => "重新计算",
    }
}

// ---- automatic recomputation ----------------------------------------------------------------------

/// Asks for a recomputation, in the caller's transaction (None: everything).
pub fn enqueue(conn: &mut DbConn, contract: Option<i64>, cause: &str) -> AppResult<()> {
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

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/rewards", web::get().to(pages::mine))
        .route("/officer/rewards", web::get().to(pages::officer))
        .route("/officer/rewards/{id}/decide", web::post().to(pages::decide))
        .route("/officer/rewards/discretionary", web::post().to(pages::discretionary))
        .route("/officer/rewards/budgets", web::post().to(pages::set_budget))
        .route("/officer/rewards/disbursement", web::get().to(pages::disbursement))
        .route("/officer/policies", web::get().to(pages::catalogue))
        .route("/officer/policies/{name}/edit", web::get().to(pages::edit_form))
        .route("/officer/policies/{name}/edit", web::post().to(pages::save))
        .route(
            "/officer/policies/{name}/versions/{no}",
            web::get().to(pages::export_version),
        );
}

//! The awards' pure rules: how register words map to the engine's, ledger keys, which entries
//! stand, and the causes' wording.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::rewards::scenario::{Contract as SContract, ContractKind, PartyKind};
use crate::rewards::{self, Catalogue, Date, Evaluation, Money};

crate::text_enum! {
    /// What a ledger entry is: an award the engine computed, one held back by a fund's budget or
    /// by two programs that would both pay it, or an officer's discretionary award.
    pub enum LedgerStatus {
        Computed = "computed",
        OverBudget = "over_budget",
        Conflict = "conflict",
        Discretionary = "discretionary",
    }
}

impl LedgerStatus {
    /// The entry of an award the engine lists.
    pub fn of(s: rewards::AwardStatus) -> LedgerStatus {
        match s {
            rewards::AwardStatus::Computed => LedgerStatus::Computed,
            rewards::AwardStatus::OverBudget => LedgerStatus::OverBudget,
        }
    }

    /// Held back: over a fund's budget or in conflict, neither approved nor paid.
    pub fn held(self) -> bool {
        matches!(self, LedgerStatus::OverBudget | LedgerStatus::Conflict)
    }
}

/// Version 1 of each default file is effective from this date (before any program's own period).
pub const SEED_EFFECTIVE_FROM: &str = "2000-01-01";

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

/// How the scenario's ids map back to the register. A party's id is its name (with `#id` when two
/// parties of the scenario share a name) and a contract's its registration number, so traces read
/// as the register does.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub parties: HashMap<String, i64>,
    pub contracts: HashMap<String, i64>,
}

pub fn party_kind(kind: &str) -> PartyKind {
    PartyKind::ALL
        .into_iter()
        .find(|k| k.code() == kind)
        .unwrap_or(PartyKind::Enterprise)
}

pub fn contract_kind(kind: &str) -> ContractKind {
    ContractKind::ALL
        .into_iter()
        .find(|k| k.code() == kind)
        .unwrap_or(ContractKind::Service)
}

pub fn to_date(d: NaiveDate) -> Date {
    // A NaiveDate is always a valid calendar date.
    Date::new(d.year(), d.month() as u8, d.day() as u8).unwrap_or(Date::new(2000, 1, 1).expect("a date"))
}

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s).ok()
}

/// The local calendar date of a timestamp.
pub fn local_date(ts: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.with_timezone(&chrono::Local).date_naive())
        .unwrap_or_default()
}

/// An award as the ledger would hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub program: String,
    pub beneficiary: i64,
    pub contract: Option<i64>,
    pub year: i32,
    pub status: LedgerStatus,
    pub is_final: bool,
    pub base_fen: i64,
    pub amount_fen: i64,
    pub trace: String,
    pub policy: String,
}

pub fn key_of(program: &str, beneficiary: i64, contract: Option<i64>, year: i32, status: LedgerStatus) -> String {
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
pub fn evaluation_to_wanted(e: &Evaluation, keys: &Keys, loaded: &Loaded, keep: &dyn Fn(i64) -> bool) -> Vec<Wanted> {
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
                    LedgerStatus::Conflict
                } else {
                    LedgerStatus::of(a.status)
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

/// The date that decides which version of the catalogue an award follows: the registration date
/// for a contract-based award, the last payment of its year for a payment-based one, the end of
/// the year (or `as_of`) for an annual one.
pub fn award_date(
    a: &rewards::Award,
    by_id: &HashMap<&str, &SContract>,
    loaded: &Loaded,
    as_of: NaiveDate,
) -> NaiveDate {
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

/// A ledger entry.
#[derive(Queryable, Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub award_key: String,
    pub program: String,
    pub beneficiary_org_id: i64,
    pub contract_id: Option<i64>,
    pub year: i32,
    pub status: LedgerStatus,
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

//! The awards' pure rules: how register words map to the engine's, ledger keys, which entries
//! stand, and the causes' wording.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::forms::FormData;
use crate::i18n::{Msg, Problems};
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

// ---- the officers' forms ------------------------------------------------------------------------------

/// A discretionary award as typed: the program (of those with a range), the beneficiary's credit
/// code or broker certificate, the registration number of the contract it is for (optional), the
/// year, the amount and the officer's note.
#[derive(Debug, Clone, Default)]
pub struct DiscretionaryInput {
    pub program: String,
    pub beneficiary: String,
    pub contract: String,
    pub year: String,
    pub amount: String,
    pub note: String,
}

impl DiscretionaryInput {
    pub fn from_form(f: &FormData) -> Self {
        DiscretionaryInput {
            program: f.get("program"),
            beneficiary: f.get("beneficiary"),
            contract: f.get("contract"),
            year: f.get("year"),
            amount: f.get("amount"),
            note: f.get("note"),
        }
    }
}

/// What a fund makes available in a year, as typed.
#[derive(Debug, Clone, Default)]
pub struct BudgetInput {
    pub fund: String,
    pub year: String,
    pub amount: String,
}

impl BudgetInput {
    pub fn from_form(f: &FormData) -> Self {
        BudgetInput {
            fund: f.get("fund"),
            year: f.get("year"),
            amount: f.get("amount"),
        }
    }
}

/// A new version of a policy file as typed: its text, the date it takes effect, the officer's
/// note, and the year the what-if preview replays.
#[derive(Debug, Clone, Default)]
pub struct EditInput {
    pub content: String,
    pub effective_from: String,
    pub note: String,
    pub year: String,
}

/// A year on the officers' forms and lists: 2000 to 2100.
pub fn parse_year(s: &str) -> Option<i32> {
    s.trim().parse().ok().filter(|y| (2000..=2100).contains(y))
}

/// An officer's decision word: approve (true) or reject (false).
pub fn approves(decision: &str) -> Option<bool> {
    match decision {
        "approve" => Some(true),
        "reject" => Some(false),
        _ => None,
    }
}

/// An amount typed in field `field` that must be given; its problem beside it.
fn required_amount(p: &mut Problems, field: &str, value: &str) -> Option<i64> {
    let amount = crate::forms::check_money(value).unwrap_or_else(|m| {
        p.add(field, m);
        None
    });
    if value.is_empty() {
        p.add(field, Msg::t("err.required"));
    }
    amount
}

/// A year typed in field `field`; its problem beside it.
fn required_year(p: &mut Problems, field: &str, value: &str) -> Option<i32> {
    let year = parse_year(value);
    if year.is_none() {
        p.add(field, Msg::t("err.award_year"));
    }
    year
}

/// The checks of a discretionary award that need no database: amount, year, note. Returns the
/// problems with the amount (fen) and the year when they are good.
pub fn check_discretionary(i: &DiscretionaryInput) -> (Problems, Option<i64>, Option<i32>) {
    let mut p = Problems::new();
    let amount = required_amount(&mut p, "d_amount", &i.amount);
    let year = required_year(&mut p, "d_year", &i.year);
    if let Err(m) = crate::forms::check_text("d_note", &i.note, 4, 1000) {
        p.add("d_note", m);
    }
    (p, amount, year)
}

/// The checks of a budget that need no database: amount and year.
pub fn check_budget(i: &BudgetInput) -> (Problems, Option<i64>, Option<i32>) {
    let mut p = Problems::new();
    let amount = required_amount(&mut p, "b_amount", &i.amount);
    let year = required_year(&mut p, "b_year", &i.year);
    (p, amount, year)
}

/// The checks of a policy version that need no database: the date it takes effect, a note to
/// publish it, a year to preview it. Returns the problems, the date and the year.
pub fn check_edit(i: &EditInput, preview: bool) -> (Problems, Option<NaiveDate>, Option<i32>) {
    let mut p = Problems::new();
    let from = crate::forms::check_date(&i.effective_from, None)
        .map_err(|m| p.add("effective_from", m))
        .ok();
    if !preview {
        if let Err(m) = crate::forms::check_text("note", &i.note, 4, 500) {
            p.add("note", m);
        }
    }
    let year = parse_year(&i.year);
    if preview && year.is_none() {
        p.add("year", Msg::t("err.award_year"));
    }
    (p, from, year)
}

/// The trace of a discretionary award: the program, the amount, the range its text allows, the
/// officer's note.
pub fn discretionary_trace(program: &rewards::Program, amount: Money, note: &str) -> String {
    let (lo, hi) = program.range.unwrap_or((Money::from_fen(0), Money::from_fen(0)));
    format!(
        "{}（{}）：主管部门酌定奖励{}元，在原文允许的{}–{}元范围内\n说明：{}",
        program.citation,
        program.name.clone().unwrap_or_default(),
        amount.grouped(),
        lo.grouped(),
        hi.grouped(),
        note.trim()
    )
}

/// The city's and the district's halves of a co-funded award (西宁 004 art. 17: co-funded at no
/// less than 1 : 1; the district half takes an odd fen); none when the award is not co-funded.
pub fn halves(amount_fen: i64, co_funded: bool) -> (Option<i64>, Option<i64>) {
    if co_funded {
        let city = amount_fen / 2;
        (Some(city), Some(amount_fen - city))
    } else {
        (None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_officers_forms_say_what_is_wrong_where() {
        assert_eq!(
            (parse_year(" 2026 "), parse_year("1999"), parse_year("x")),
            (Some(2026), None, None)
        );
        assert_eq!(
            (approves("approve"), approves("reject"), approves("maybe")),
            (Some(true), Some(false), None)
        );
        let (p, amount, year) = check_discretionary(&DiscretionaryInput {
            amount: "2万".into(),
            year: "2026".into(),
            note: "ok".into(),
            ..Default::default()
        });
        assert_eq!((amount, year), (Some(2_000_000), Some(2026)));
        assert_eq!(p.get("d_note"), Some(&Msg::tf("err.too_short", ["4"])));
        let (p, amount, _) = check_budget(&BudgetInput::default());
        assert_eq!(amount, None);
        assert_eq!(p.get("b_amount"), Some(&Msg::t("err.required")));
        assert_eq!(p.get("b_year"), Some(&Msg::t("err.award_year")));
        let edit = EditInput {
            effective_from: "2026-13-01".into(),
            ..Default::default()
        };
        let (p, from, _) = check_edit(&edit, true);
        assert!(from.is_none() && p.has("effective_from") && p.has("year") && !p.has("note"));
        assert!(check_edit(&edit, false).0.has("note"));
    }

    #[test]
    fn a_co_funded_award_splits_with_the_odd_fen_to_the_district() {
        assert_eq!(halves(1_001, true), (Some(500), Some(501)));
        assert_eq!(halves(1_001, false), (None, None));
    }
}

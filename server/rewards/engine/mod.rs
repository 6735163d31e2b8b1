//! Evaluation of a scenario against a catalogue (rewards.md, "Common rules"). Pure: no I/O, no clock.
//!
//! Order of work: for each selected program, the awards of each contract / payment / year are computed and
//! capped (per contract, then per beneficiary-year, in date order); then each fund charges its programs'
//! awards in its order (registration date, contract id, program, share) and splits what does not fit into
//! an `over_budget` award; awards of 0.00 are dropped; conflicts are looked for.

mod annual;
mod budget;
mod conflicts;
mod eligibility;
mod formula;
mod per_contract;
mod per_payment;

use serde::Serialize;

use super::catalogue::{Catalogue, Program, ProgramKind, Rule};
use super::date::Date;
use super::money::{Money, Total};
use super::scenario::Scenario;

use annual::annual;
use budget::charge_funds;
use conflicts::conflicts;
use eligibility::{window, Window};
use per_contract::per_contract;
use per_payment::per_payment;

/// The result of `rewards evaluate` (rewards.md, "Output").
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Evaluation {
    pub as_of: String,
    pub awards: Vec<Award>,
    pub inactive: Vec<Inactive>,
    /// Formula programs of one issuing region that pay one beneficiary for one contract without one
    /// superseding the other. Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AwardStatus {
    Computed,
    OverBudget,
}

impl AwardStatus {
    pub fn code(self) -> &'static str {
        match self {
            AwardStatus::Computed => "computed",
            AwardStatus::OverBudget => "over_budget",
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Award {
    pub program: String,
    pub beneficiary: String,
    /// None for annual programs.
    pub contract: Option<String>,
    pub year: i32,
    pub base: String,
    pub amount: String,
    pub status: AwardStatus,
    /// False for an annual award whose year has not ended by `as_of` (a year-to-date figure).
    #[serde(rename = "final")]
    pub is_final: bool,
    pub trace: Vec<String>,
    /// The amount in fen (not in the JSON).
    #[serde(skip)]
    pub amount_fen: i64,
    /// The contracts the award is for: the contract, or the contracts an annual award counted.
    #[serde(skip)]
    pub contracts: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Inactive {
    pub program: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Conflict {
    pub region: String,
    pub programs: Vec<String>,
    pub beneficiary: String,
    pub contract: String,
    pub message: String,
}

/// An award before the budget: amount already capped per contract and per beneficiary-year.
struct Pending {
    prog: usize,
    beneficiary: String,
    contract: Option<usize>,
    contracts: Vec<String>,
    year: i32,
    base: Total,
    amount: Money,
    is_final: bool,
    trace: Vec<String>,
    /// Charge order within a fund: date, contract id, share index.
    date: Date,
    share: usize,
}

struct Ctx<'a> {
    s: &'a Scenario,
    cat: &'a Catalogue,
    prog_idx: usize,
    prog: &'a Program,
    rule: &'a Rule,
    window: Window,
}

impl Ctx<'_> {
    fn header(&self) -> Vec<String> {
        let doc = self.cat.document(&self.prog.document);
        let mut first = format!("{} {}", self.prog.citation, self.prog.id);
        if let Some(title) = doc.and_then(|d| d.title.as_ref()) {
            first.push_str(&format!("《{title}》"));
        }
        if let Some(n) = doc.and_then(|d| d.number.as_ref()) {
            first.push_str(&format!("({n})"));
        }
        if let Some(a) = &self.prog.article {
            first.push_str(&format!("第{a}条"));
        }
        if let Some(name) = &self.prog.name {
            first.push_str(&format!(":{name}"));
        }
        let mut out = vec![first];
        if let Some(t) = &self.prog.text {
            out.push(format!("原文:“{t}”"));
        }
        out
    }

    fn fund_line(&self) -> Option<String> {
        if self.rule.fund.is_none() {
            Some("资金:本项目不占用资金池,不受预算限制".to_string())
        } else {
            None
        }
    }

    fn pending(&self, p: PendingParts) -> Pending {
        Pending {
            prog: self.prog_idx,
            beneficiary: p.beneficiary,
            contract: p.contract,
            contracts: p.contracts,
            year: p.year,
            base: p.base,
            amount: p.amount,
            is_final: p.is_final,
            trace: p.trace,
            date: p.date,
            share: p.share,
        }
    }
}

struct PendingParts {
    beneficiary: String,
    contract: Option<usize>,
    contracts: Vec<String>,
    year: i32,
    base: Total,
    amount: Money,
    is_final: bool,
    trace: Vec<String>,
    date: Date,
    share: usize,
}

/// Evaluates a scenario. The scenario is assumed valid ([`super::parse_scenario`] and
/// [`super::check_scenario`]); unknown program ids are reported as inactive ("unknown program").
pub fn evaluate(scenario: &Scenario, catalogue: &Catalogue) -> Evaluation {
    let mut inactive = Vec::new();
    let selected: Vec<usize> = match &scenario.programs {
        None => (0..catalogue.programs.len()).collect(),
        Some(ids) => (0..catalogue.programs.len())
            .filter(|i| ids.contains(&catalogue.programs[*i].id))
            .collect(),
    };
    let mut pending = Vec::new();
    for &i in &selected {
        let prog = &catalogue.programs[i];
        if let Some(reason) = &prog.inactive_reason {
            inactive.push(Inactive {
                program: prog.id.clone(),
                reason: reason.clone(),
            });
            continue;
        }
        let Some(rule) = &prog.rule else { continue };
        let cx = Ctx {
            s: scenario,
            cat: catalogue,
            prog_idx: i,
            prog,
            rule,
            window: window(catalogue, prog, rule),
        };
        match prog.kind {
            Some(ProgramKind::PerContract) => per_contract(&cx, &mut pending),
            Some(ProgramKind::PerPayment) => per_payment(&cx, &mut pending),
            Some(ProgramKind::Annual) => annual(&cx, &mut pending),
            Some(ProgramKind::Discretionary) | None => {}
        }
    }
    if let Some(ids) = &scenario.programs {
        for id in ids {
            if catalogue.program(id).is_none() {
                inactive.push(Inactive {
                    program: id.clone(),
                    reason: "unknown program".into(),
                });
            }
        }
    }

    let mut awards = charge_funds(scenario, catalogue, pending);
    awards.retain(|(_, a)| a.amount_fen > 0);
    // Output order: contracts in scenario order (annual awards last), program, year, beneficiary, status.
    let party_pos = |id: &str| scenario.party_position(id).unwrap_or(usize::MAX);
    awards.sort_by_key(|(k, a)| {
        (
            k.contract.unwrap_or(usize::MAX),
            k.prog,
            a.year,
            k.share,
            party_pos(&a.beneficiary),
            a.status,
        )
    });
    let conflicts = conflicts(catalogue, &awards);
    Evaluation {
        as_of: scenario.as_of.to_string(),
        awards: awards.into_iter().map(|(_, a)| a).collect(),
        inactive,
        conflicts,
    }
}

/// Sort keys kept beside an award.
struct Key {
    prog: usize,
    contract: Option<usize>,
    share: usize,
}

//! The catalogue of reward programs: policy files (`policies/*.toml`, one per policy document) parsed and
//! validated. Programs are data: every rate, base, cap, region and reading is a value in a file.
//!
//! # File format
//! ```toml
//! [document]                 # the policy document
//! id = "xining-2020"         # its programs' ids start with it
//! seed = "004"               # which seed text it is
//! title = "…"                # title, short_name (used in traces), issuer, number (e.g. 青政〔2025〕13号)
//! region = "630100"          # issuing region (GB/T 2260); conflicts are looked for within one region
//! published_on = "2020-08-19"
//! effective_from = "2020-08-19"
//! effective_to = "open"      # or a date; "open" = no end date (a missing value makes the programs inactive)
//! effective_text = "…"       # the sentence that sets the dates, quoted
//! readings = ["…"]           # how the office reads what the text does not force
//!
//! [[funds]]                  # a budget several programs draw on
//! id = "xining-2020-fund"
//! charge_order = ["xining-2020-6-buyer", "xining-2020-6-broker"]  # order of programs within one contract
//! default_limit = "…"        # optional per-year limit; absent = none (scenario budgets set it per year)
//!
//! [[programs]]
//! id = "xining-2020-6-buyer" # fixed program id
//! kind = "per_contract"      # per_contract | per_payment | annual | discretionary
//! citation = "西宁 措施6"    # also name, article, text (the article's sentence, quoted exactly), readings
//! beneficiary = "buyer"      # buyer | seller | intermediaries | seller_or_intermediary | registered_through
//! beneficiary_kinds / beneficiary_regions / beneficiary_flags   # filters on the beneficiary
//! share = "equal_split"      # several beneficiaries of one contract: each (each gets the award) | equal_split
//! contract_kinds / contract_flags ("patent")
//! buyer_kinds / buyer_regions / buyer_flags / seller_kinds / seller_regions / seller_outside
//! base = "contract_amount"   # contract_amount | technology_amount | payments
//! payments = "all"           # per_payment: all | voucher;  equity_counts = true|false
//! period = "calendar_year"   # annual: calendar_year | previous_year
//! formula = "rate"           # rate | marginal_scale (brackets) | threshold
//! rate = "3%"                # "1.5%", "1‰" …;  rate_ceiling: the most the text allows
//! brackets = [{ up_to = "10000000.00", rate = "1.5%" }, { rate = "1%" }]
//! threshold_measure = "contract_amount"; threshold = "20000000.00"; threshold_inclusive = true
//! cap_per_contract = "100000.00"; cap_per_contract_scope = "all_years" | "year" (per_payment)
//! cap_per_beneficiary_year = "200000.00"
//! fund = "xining-2020-fund"
//! min_award / max_award      # discretionary: the range the text allows
//! supersedes = ["…"]         # programs of an earlier document of the same region it replaces
//! ```
//! Region filters list region codes; a code contains others by the GB/T 2260 rule (see
//! [`super::date::region_contains`]). An absent filter means no condition.
//!
//! A malformed file (bad TOML, unknown key, a value that does not parse, contradictory settings) is an
//! error naming the file and line. A required value that is simply missing makes the program inactive with
//! the reason ("rate not set").

mod parse;
mod program;
mod raw;

use std::fmt;

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::money::{Money, Rate};
use super::scenario::{ContractKind, PartyKind};

pub use parse::parse_catalogue;

/// A policy file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueError {
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for CatalogueError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    /// One award per contract, in the registration year.
    PerContract,
    /// An award per contract and payment year, from the payments received.
    PerPayment,
    /// One award per beneficiary and year, from the contracts of the year.
    Annual,
    /// No formula: an officer enters the award within the allowed range.
    Discretionary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeneficiaryRule {
    Buyer,
    Seller,
    Intermediaries,
    /// The seller and the intermediaries, each party counted once per contract.
    SellerOrIntermediary,
    /// The contract service point the contract was registered through.
    RegisteredThrough,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareRule {
    /// Each eligible beneficiary receives the award.
    Each,
    /// The capped award is split equally among the eligible beneficiaries; the fen that do not divide go one
    /// each to them in listed order.
    EqualSplit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseRule {
    ContractAmount,
    TechnologyAmount,
    Payments,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentFilter {
    All,
    Voucher,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Contracts registered in the award year.
    CalendarYear,
    /// Contracts registered in the year before the award year.
    PreviousYear,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormulaKind {
    Rate,
    MarginalScale,
    Threshold,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapScope {
    /// The per-contract cap counts the contract's awards over all years.
    AllYears,
    /// The per-contract cap applies to each year separately.
    Year,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyFlag {
    Sme,
    TechSme,
    AidPartnered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractFlag {
    Patent,
}

// ---- validated model ------------------------------------------------------------------------------

/// A policy document.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    pub id: String,
    pub file: String,
    pub seed: Option<String>,
    pub title: Option<String>,
    pub short_name: Option<String>,
    pub issuer: Option<String>,
    pub number: Option<String>,
    pub region: Option<String>,
    pub published_on: Option<Date>,
    pub effective_from: Option<Date>,
    /// None with `open_ended` false: not set.
    pub effective_to: Option<Date>,
    pub open_ended: bool,
    pub effective_text: Option<String>,
    pub readings: Vec<String>,
}

/// A fund several programs draw on.
#[derive(Clone, Debug, Serialize)]
pub struct Fund {
    pub id: String,
    pub file: String,
    pub name: Option<String>,
    pub charge_order: Vec<String>,
    /// Per-year limit when the scenario sets none; None: no limit.
    pub default_limit: Option<Money>,
    pub co_funding: Option<String>,
    pub text: Vec<String>,
    pub readings: Vec<String>,
}

/// A bracket of a marginal scale: the part of the base up to `up_to` (None: the rest) at `rate`.
#[derive(Clone, Debug, Serialize)]
pub struct Bracket {
    pub up_to: Option<Money>,
    pub rate: Rate,
}

/// How the amount is computed from the base.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "formula", rename_all = "snake_case")]
pub enum Formula {
    Rate {
        rate: Rate,
    },
    /// Each part of the base at its bracket's rate (青海 art. 7).
    MarginalScale {
        brackets: Vec<Bracket>,
    },
    /// The whole base at `rate` once `measure` reaches `threshold`; nothing below (甘肃 art. 30).
    Threshold {
        measure: BaseRule,
        threshold: Money,
        inclusive: bool,
        rate: Rate,
    },
}

/// The complete rule of an active formula program.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub beneficiary: BeneficiaryRule,
    pub beneficiary_kinds: Vec<PartyKind>,
    pub beneficiary_regions: Vec<String>,
    pub beneficiary_flags: Vec<PartyFlag>,
    pub share: ShareRule,
    pub contract_kinds: Vec<ContractKind>,
    pub contract_flags: Vec<ContractFlag>,
    pub buyer_kinds: Vec<PartyKind>,
    pub buyer_regions: Vec<String>,
    pub buyer_flags: Vec<PartyFlag>,
    pub seller_kinds: Vec<PartyKind>,
    pub seller_regions: Vec<String>,
    pub seller_outside: Vec<String>,
    pub base: BaseRule,
    pub payments: PaymentFilter,
    pub equity_counts: bool,
    pub period: Period,
    pub formula: Formula,
    pub cap_per_contract: Option<Money>,
    pub cap_per_contract_scope: CapScope,
    pub cap_per_beneficiary_year: Option<Money>,
    pub fund: Option<String>,
    pub effective_from: Date,
    /// None: open-ended.
    pub effective_to: Option<Date>,
}

/// A reward program.
#[derive(Clone, Debug, Serialize)]
pub struct Program {
    pub id: String,
    pub document: String,
    pub file: String,
    pub name: Option<String>,
    pub kind: Option<ProgramKind>,
    pub citation: String,
    pub article: Option<String>,
    pub text: Option<String>,
    /// The issuing region of the document.
    pub region: Option<String>,
    pub supersedes: Vec<String>,
    pub readings: Vec<String>,
    /// The formula rule, for an active formula program.
    pub rule: Option<Rule>,
    /// The allowed range, for an active discretionary program.
    pub range: Option<(Money, Money)>,
    /// Why the program is inactive (a required parameter is missing), if it is.
    pub inactive_reason: Option<String>,
}

impl Program {
    pub fn is_active(&self) -> bool {
        self.inactive_reason.is_none()
    }

    pub fn is_formula(&self) -> bool {
        matches!(
            self.kind,
            Some(ProgramKind::PerContract | ProgramKind::PerPayment | ProgramKind::Annual)
        )
    }
}

/// 西宁 art. 14: the floor of the income a university or institute gives its research staff.
#[derive(Clone, Debug, Serialize)]
pub struct IncomeRule {
    pub citation: String,
    pub text: Option<String>,
    pub seller_kinds: Vec<PartyKind>,
    pub seller_regions: Vec<String>,
    pub staff_min_share: Rate,
    pub main_contributors_min_share: Rate,
    pub readings: Vec<String>,
}

/// The parsed catalogue.
#[derive(Clone, Debug, Serialize)]
pub struct Catalogue {
    pub documents: Vec<Document>,
    pub funds: Vec<Fund>,
    pub programs: Vec<Program>,
    pub income_distribution: Option<IncomeRule>,
}

impl Catalogue {
    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id == id)
    }

    pub fn program_index(&self, id: &str) -> Option<usize> {
        self.programs.iter().position(|p| p.id == id)
    }

    pub fn fund(&self, id: &str) -> Option<&Fund> {
        self.funds.iter().find(|f| f.id == id)
    }

    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// Checks an officer's discretionary award against the range the text allows.
    pub fn check_discretionary(&self, program_id: &str, amount: Money) -> Result<(), String> {
        let p = self
            .program(program_id)
            .ok_or_else(|| format!("unknown program \"{program_id}\""))?;
        if p.kind != Some(ProgramKind::Discretionary) {
            return Err(format!(
                "{program_id} is computed by formula, not entered by an officer"
            ));
        }
        if let Some(reason) = &p.inactive_reason {
            return Err(format!("{program_id} is inactive: {reason}"));
        }
        let Some((min, max)) = p.range else {
            return Err(format!("{program_id} has no allowed range"));
        };
        if amount < min || amount > max {
            return Err(format!(
                "{} 允许范围为{}至{}元,录入金额{}元不在范围内",
                p.citation,
                min.grouped(),
                max.grouped(),
                amount.grouped()
            ));
        }
        Ok(())
    }
}

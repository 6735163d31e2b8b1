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

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::date::{is_region_code, Date};
use super::money::{Money, Rate};
use super::scenario::{ContractKind, PartyKind};

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

// ---- raw file model -------------------------------------------------------------------------------

type S = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    document: RawDocument,
    #[serde(default)]
    funds: Vec<RawFund>,
    #[serde(default)]
    programs: Vec<RawProgram>,
    income_distribution: Option<RawIncome>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    id: S,
    seed: Option<String>,
    title: Option<String>,
    short_name: Option<String>,
    issuer: Option<String>,
    number: Option<String>,
    region: Option<S>,
    published_on: Option<S>,
    effective_from: Option<S>,
    effective_to: Option<S>,
    effective_text: Option<String>,
    #[serde(default)]
    readings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFund {
    id: S,
    name: Option<String>,
    #[serde(default)]
    charge_order: Vec<S>,
    default_limit: Option<S>,
    co_funding: Option<String>,
    #[serde(default)]
    text: Vec<String>,
    #[serde(default)]
    readings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBracket {
    up_to: Option<S>,
    rate: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    id: S,
    name: Option<String>,
    kind: Option<ProgramKind>,
    citation: Option<String>,
    article: Option<String>,
    text: Option<String>,
    beneficiary: Option<BeneficiaryRule>,
    beneficiary_kinds: Option<Vec<PartyKind>>,
    beneficiary_regions: Option<Vec<S>>,
    beneficiary_flags: Option<Vec<PartyFlag>>,
    share: Option<ShareRule>,
    contract_kinds: Option<Vec<ContractKind>>,
    contract_flags: Option<Vec<ContractFlag>>,
    buyer_kinds: Option<Vec<PartyKind>>,
    buyer_regions: Option<Vec<S>>,
    buyer_flags: Option<Vec<PartyFlag>>,
    seller_kinds: Option<Vec<PartyKind>>,
    seller_regions: Option<Vec<S>>,
    seller_outside: Option<Vec<S>>,
    base: Option<BaseRule>,
    payments: Option<PaymentFilter>,
    equity_counts: Option<bool>,
    period: Option<Period>,
    formula: Option<FormulaKind>,
    rate: Option<S>,
    rate_ceiling: Option<S>,
    brackets: Option<Vec<RawBracket>>,
    threshold_measure: Option<BaseRule>,
    threshold: Option<S>,
    threshold_inclusive: Option<bool>,
    cap_per_contract: Option<S>,
    cap_per_contract_scope: Option<CapScope>,
    cap_per_beneficiary_year: Option<S>,
    fund: Option<S>,
    min_award: Option<S>,
    max_award: Option<S>,
    effective_from: Option<S>,
    effective_to: Option<S>,
    #[serde(default)]
    supersedes: Vec<S>,
    #[serde(default)]
    readings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIncome {
    citation: Option<String>,
    article: Option<String>,
    text: Option<String>,
    #[serde(default)]
    seller_kinds: Vec<PartyKind>,
    #[serde(default)]
    seller_regions: Vec<S>,
    staff_min_share: S,
    main_contributors_min_share: S,
    #[serde(default)]
    readings: Vec<String>,
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

// ---- parsing --------------------------------------------------------------------------------------

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err_at(&self, s: &S, message: impl Into<String>) -> CatalogueError {
        CatalogueError {
            file: self.file.to_string(),
            line: Some(line_of(self.text, s.span().start)),
            message: message.into(),
        }
    }

    fn money(&self, s: &S, key: &str) -> Result<Money, CatalogueError> {
        Money::parse(s.get_ref()).map_err(|m| self.err_at(s, format!("{key}: {m}")))
    }

    fn opt_money(&self, s: &Option<S>, key: &str) -> Result<Option<Money>, CatalogueError> {
        s.as_ref().map(|s| self.money(s, key)).transpose()
    }

    fn rate(&self, s: &S, key: &str) -> Result<Rate, CatalogueError> {
        Rate::parse(s.get_ref()).map_err(|m| self.err_at(s, format!("{key}: {m}")))
    }

    fn date(&self, s: &S, key: &str) -> Result<Date, CatalogueError> {
        Date::parse(s.get_ref()).map_err(|m| self.err_at(s, format!("{key}: {m}")))
    }

    /// A date or "open".
    fn end_date(&self, s: &S, key: &str) -> Result<Option<Date>, CatalogueError> {
        if s.get_ref() == "open" {
            Ok(None)
        } else {
            self.date(s, key).map(Some)
        }
    }

    fn regions(&self, v: &Option<Vec<S>>, key: &str) -> Result<Vec<String>, CatalogueError> {
        let mut out = Vec::new();
        for s in v.iter().flatten() {
            if !is_region_code(s.get_ref()) {
                return Err(self.err_at(
                    s,
                    format!("{key}: \"{}\" is not a 6-digit GB/T 2260 region code", s.get_ref()),
                ));
            }
            out.push(s.get_ref().clone());
        }
        Ok(out)
    }
}

struct Parsed {
    document: Document,
    funds: Vec<Fund>,
    programs: Vec<(Program, usize)>,
    income: Option<IncomeRule>,
}

fn parse_file(file: &str, text: &str) -> Result<Parsed, CatalogueError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| CatalogueError {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let cx = Ctx { file, text };
    let d = &raw.document;
    let region = match &d.region {
        Some(r) if !is_region_code(r.get_ref()) => {
            return Err(cx.err_at(
                r,
                format!("region: \"{}\" is not a 6-digit GB/T 2260 region code", r.get_ref()),
            ))
        }
        Some(r) => Some(r.get_ref().clone()),
        None => None,
    };
    let published_on = d
        .published_on
        .as_ref()
        .map(|s| cx.date(s, "published_on"))
        .transpose()?;
    let effective_from = d
        .effective_from
        .as_ref()
        .map(|s| cx.date(s, "effective_from"))
        .transpose()?;
    let (effective_to, open_ended) = match &d.effective_to {
        None => (None, false),
        Some(s) => {
            let v = cx.end_date(s, "effective_to")?;
            (v, v.is_none())
        }
    };
    if let (Some(f), Some(t), Some(s)) = (effective_from, effective_to, &d.effective_to) {
        if t < f {
            return Err(cx.err_at(s, format!("effective_to {t} is before effective_from {f}")));
        }
    }
    let document = Document {
        id: d.id.get_ref().clone(),
        file: file.to_string(),
        seed: d.seed.clone(),
        title: d.title.clone(),
        short_name: d.short_name.clone(),
        issuer: d.issuer.clone(),
        number: d.number.clone(),
        region,
        published_on,
        effective_from,
        effective_to,
        open_ended,
        effective_text: d.effective_text.clone(),
        readings: d.readings.clone(),
    };

    let mut funds = Vec::new();
    for f in &raw.funds {
        funds.push(Fund {
            id: f.id.get_ref().clone(),
            file: file.to_string(),
            name: f.name.clone(),
            charge_order: f.charge_order.iter().map(|s| s.get_ref().clone()).collect(),
            default_limit: cx.opt_money(&f.default_limit, "default_limit")?,
            co_funding: f.co_funding.clone(),
            text: f.text.clone(),
            readings: f.readings.clone(),
        });
    }

    let mut programs = Vec::new();
    for p in &raw.programs {
        let line = line_of(text, p.id.span().start);
        programs.push((program(&cx, &document, p)?, line));
    }

    let income = match &raw.income_distribution {
        None => None,
        Some(i) => Some(IncomeRule {
            citation: i.citation.clone().unwrap_or_else(|| {
                format!(
                    "{} 第{}条",
                    document.short_name.clone().unwrap_or_default(),
                    i.article.clone().unwrap_or_default()
                )
            }),
            text: i.text.clone(),
            seller_kinds: i.seller_kinds.clone(),
            seller_regions: cx.regions(&Some(i.seller_regions.clone()), "seller_regions")?,
            staff_min_share: cx.rate(&i.staff_min_share, "staff_min_share")?,
            main_contributors_min_share: cx.rate(&i.main_contributors_min_share, "main_contributors_min_share")?,
            readings: i.readings.clone(),
        }),
    };
    Ok(Parsed {
        document,
        funds,
        programs,
        income,
    })
}

/// Builds a program; a missing required value makes it inactive, a malformed one is an error.
fn program(cx: &Ctx<'_>, doc: &Document, p: &RawProgram) -> Result<Program, CatalogueError> {
    let id = p.id.get_ref().clone();
    let here = |m: String| cx.err_at(&p.id, format!("program {id}: {m}"));
    if !id.starts_with(&format!("{}-", doc.id)) {
        return Err(here(format!("the id must start with the document id \"{}-\"", doc.id)));
    }
    // Values that are present must parse, whatever else is missing.
    let rate = p.rate.as_ref().map(|s| cx.rate(s, "rate")).transpose()?;
    let rate_ceiling = p
        .rate_ceiling
        .as_ref()
        .map(|s| cx.rate(s, "rate_ceiling"))
        .transpose()?;
    let threshold = cx.opt_money(&p.threshold, "threshold")?;
    let cap_per_contract = cx.opt_money(&p.cap_per_contract, "cap_per_contract")?;
    let cap_per_beneficiary_year = cx.opt_money(&p.cap_per_beneficiary_year, "cap_per_beneficiary_year")?;
    let min_award = cx.opt_money(&p.min_award, "min_award")?;
    let max_award = cx.opt_money(&p.max_award, "max_award")?;
    let beneficiary_regions = cx.regions(&p.beneficiary_regions, "beneficiary_regions")?;
    let buyer_regions = cx.regions(&p.buyer_regions, "buyer_regions")?;
    let seller_regions = cx.regions(&p.seller_regions, "seller_regions")?;
    let seller_outside = cx.regions(&p.seller_outside, "seller_outside")?;
    let mut brackets = None;
    if let Some(raw) = &p.brackets {
        let mut out: Vec<Bracket> = Vec::new();
        for (i, b) in raw.iter().enumerate() {
            let up_to = cx.opt_money(&b.up_to, "brackets.up_to")?;
            let rate = cx.rate(&b.rate, "brackets.rate")?;
            let last = i + 1 == raw.len();
            match (up_to, last) {
                (None, false) => return Err(cx.err_at(&b.rate, "brackets: only the last bracket may omit up_to")),
                (Some(_), true) => {
                    return Err(cx.err_at(
                        &b.rate,
                        "brackets: the last bracket must omit up_to (it takes the rest of the base)",
                    ))
                }
                _ => {}
            }
            if let (Some(u), Some(prev)) = (up_to, out.last().and_then(|b| b.up_to)) {
                if u <= prev {
                    return Err(cx.err_at(&b.rate, "brackets: up_to must increase"));
                }
            }
            out.push(Bracket { up_to, rate });
        }
        if out.is_empty() {
            return Err(here("brackets is empty".into()));
        }
        brackets = Some(out);
    }
    let from = match &p.effective_from {
        Some(s) => Some(cx.date(s, "effective_from")?),
        None => doc.effective_from,
    };
    let (to, to_set) = match &p.effective_to {
        Some(s) => (cx.end_date(s, "effective_to")?, true),
        None => (doc.effective_to, doc.effective_to.is_some() || doc.open_ended),
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(here(format!("effective_to {t} is before effective_from {f}")));
        }
    }
    let mut supersedes = Vec::new();
    for s in &p.supersedes {
        supersedes.push(s.get_ref().clone());
    }
    let citation = p.citation.clone().unwrap_or_else(|| id.clone());

    let mut prog = Program {
        id: id.clone(),
        document: doc.id.clone(),
        file: cx.file.to_string(),
        name: p.name.clone(),
        kind: p.kind,
        citation,
        article: p.article.clone(),
        text: p.text.clone(),
        region: doc.region.clone(),
        supersedes,
        readings: p.readings.clone(),
        rule: None,
        range: None,
        inactive_reason: None,
    };

    let missing = |what: &str| Some(format!("{what} not set"));
    let Some(kind) = p.kind else {
        prog.inactive_reason = missing("kind");
        return Ok(prog);
    };
    if doc.region.is_none() {
        prog.inactive_reason = missing("issuing region");
        return Ok(prog);
    }
    let Some(from) = from else {
        prog.inactive_reason = missing("effective_from");
        return Ok(prog);
    };
    if !to_set {
        prog.inactive_reason = missing("effective_to");
        return Ok(prog);
    }

    if kind == ProgramKind::Discretionary {
        let Some(max) = max_award else {
            prog.inactive_reason = missing("max_award");
            return Ok(prog);
        };
        let min = min_award.unwrap_or(Money::ZERO);
        if min > max {
            return Err(here("min_award is above max_award".into()));
        }
        prog.range = Some((min, max));
        return Ok(prog);
    }

    // Settings that contradict the kind are errors, whatever is missing.
    if kind != ProgramKind::PerPayment && (p.payments.is_some() || p.equity_counts.is_some()) {
        return Err(here(
            "payments and equity_counts apply to per_payment programs only".into(),
        ));
    }
    if kind != ProgramKind::Annual && p.period.is_some() {
        return Err(here("period applies to annual programs only".into()));
    }
    if kind == ProgramKind::Annual && cap_per_contract.is_some() {
        return Err(here(
            "cap_per_contract does not apply to annual programs (use cap_per_beneficiary_year)".into(),
        ));
    }
    if kind != ProgramKind::PerPayment && p.cap_per_contract_scope.is_some() {
        return Err(here(
            "cap_per_contract_scope applies to per_payment programs only".into(),
        ));
    }
    if p.share == Some(ShareRule::EqualSplit) && kind != ProgramKind::PerContract {
        return Err(here("share = equal_split applies to per_contract programs only".into()));
    }
    if kind == ProgramKind::PerPayment && matches!(p.formula, Some(FormulaKind::MarginalScale | FormulaKind::Threshold))
    {
        return Err(here("a per_payment program takes formula = rate".into()));
    }
    match (kind, p.base) {
        (ProgramKind::PerPayment, Some(b)) if b != BaseRule::Payments => {
            return Err(here("a per_payment program takes base = payments".into()))
        }
        (ProgramKind::PerContract | ProgramKind::Annual, Some(BaseRule::Payments)) => {
            return Err(here("base = payments is for per_payment programs".into()))
        }
        _ => {}
    }
    if p.threshold_measure == Some(BaseRule::Payments) {
        return Err(here(
            "threshold_measure must be contract_amount or technology_amount".into(),
        ));
    }

    let Some(beneficiary) = p.beneficiary else {
        prog.inactive_reason = missing("beneficiary");
        return Ok(prog);
    };
    let Some(base) = p.base else {
        prog.inactive_reason = missing("base");
        return Ok(prog);
    };
    let Some(formula_kind) = p.formula else {
        prog.inactive_reason = missing("formula");
        return Ok(prog);
    };
    let formula = match formula_kind {
        FormulaKind::Rate => {
            let Some(rate) = rate.clone() else {
                prog.inactive_reason = missing("rate");
                return Ok(prog);
            };
            Formula::Rate { rate }
        }
        FormulaKind::MarginalScale => {
            let Some(brackets) = brackets else {
                prog.inactive_reason = missing("brackets");
                return Ok(prog);
            };
            Formula::MarginalScale { brackets }
        }
        FormulaKind::Threshold => {
            let Some(measure) = p.threshold_measure else {
                prog.inactive_reason = missing("threshold_measure");
                return Ok(prog);
            };
            let Some(threshold) = threshold else {
                prog.inactive_reason = missing("threshold");
                return Ok(prog);
            };
            let Some(inclusive) = p.threshold_inclusive else {
                prog.inactive_reason = missing("threshold_inclusive");
                return Ok(prog);
            };
            let Some(rate) = rate.clone() else {
                prog.inactive_reason = missing("rate");
                return Ok(prog);
            };
            Formula::Threshold {
                measure,
                threshold,
                inclusive,
                rate,
            }
        }
    };
    if let (Some(r), Some(c)) = (&rate, &rate_ceiling) {
        if !r.not_above(c) {
            prog.inactive_reason = Some(format!("rate {r} is above the ceiling {c} that the text allows"));
            return Ok(prog);
        }
    }
    let multi = matches!(
        beneficiary,
        BeneficiaryRule::Intermediaries | BeneficiaryRule::SellerOrIntermediary
    );
    let share = match p.share {
        Some(s) => s,
        None if multi && kind == ProgramKind::PerContract => {
            prog.inactive_reason = missing("share");
            return Ok(prog);
        }
        None => ShareRule::Each,
    };
    let payments = match (kind, p.payments) {
        (ProgramKind::PerPayment, None) => {
            prog.inactive_reason = missing("payments");
            return Ok(prog);
        }
        (_, v) => v.unwrap_or(PaymentFilter::All),
    };
    let equity_counts = match (kind, p.equity_counts) {
        (ProgramKind::PerPayment, None) => {
            prog.inactive_reason = missing("equity_counts");
            return Ok(prog);
        }
        (_, v) => v.unwrap_or(false),
    };
    let period = match (kind, p.period) {
        (ProgramKind::Annual, None) => {
            prog.inactive_reason = missing("period");
            return Ok(prog);
        }
        (_, v) => v.unwrap_or(Period::CalendarYear),
    };
    let cap_per_contract_scope = match (kind, cap_per_contract, p.cap_per_contract_scope) {
        (ProgramKind::PerPayment, Some(_), None) => {
            prog.inactive_reason = missing("cap_per_contract_scope");
            return Ok(prog);
        }
        (_, _, v) => v.unwrap_or(CapScope::AllYears),
    };
    prog.rule = Some(Rule {
        beneficiary,
        beneficiary_kinds: p.beneficiary_kinds.clone().unwrap_or_default(),
        beneficiary_regions,
        beneficiary_flags: p.beneficiary_flags.clone().unwrap_or_default(),
        share,
        contract_kinds: p.contract_kinds.clone().unwrap_or_default(),
        contract_flags: p.contract_flags.clone().unwrap_or_default(),
        buyer_kinds: p.buyer_kinds.clone().unwrap_or_default(),
        buyer_regions,
        buyer_flags: p.buyer_flags.clone().unwrap_or_default(),
        seller_kinds: p.seller_kinds.clone().unwrap_or_default(),
        seller_regions,
        seller_outside,
        base,
        payments,
        equity_counts,
        period,
        formula,
        cap_per_contract,
        cap_per_contract_scope,
        cap_per_beneficiary_year,
        fund: p.fund.as_ref().map(|s| s.get_ref().clone()),
        effective_from: from,
        effective_to: to,
    });
    Ok(prog)
}

/// Parses and validates a set of policy files (name, contents). Cross-file checks: unique document,
/// program and fund ids; `supersedes` names programs of the same issuing region; a fund's charge order names
/// programs that draw on it. A program naming an undefined fund is inactive.
pub fn parse_catalogue(files: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
    let mut documents: Vec<Document> = Vec::new();
    let mut funds: Vec<Fund> = Vec::new();
    let mut programs: Vec<(Program, usize)> = Vec::new();
    let mut income = None;
    for (file, text) in files {
        let parsed = parse_file(file, text)?;
        if documents.iter().any(|d| d.id == parsed.document.id) {
            return Err(CatalogueError {
                file: file.to_string(),
                line: None,
                message: format!("document \"{}\" is defined twice", parsed.document.id),
            });
        }
        for f in parsed.funds {
            if funds.iter().any(|g| g.id == f.id) {
                return Err(CatalogueError {
                    file: file.to_string(),
                    line: None,
                    message: format!("fund \"{}\" is defined twice", f.id),
                });
            }
            funds.push(f);
        }
        for (p, line) in parsed.programs {
            if programs.iter().any(|(q, _)| q.id == p.id) {
                return Err(CatalogueError {
                    file: file.to_string(),
                    line: Some(line),
                    message: format!("program \"{}\" is defined twice", p.id),
                });
            }
            programs.push((p, line));
        }
        if parsed.income.is_some() {
            if income.is_some() {
                return Err(CatalogueError {
                    file: file.to_string(),
                    line: None,
                    message: "income_distribution is defined twice".into(),
                });
            }
            income = parsed.income;
        }
        documents.push(parsed.document);
    }
    // Cross references.
    let ids: BTreeSet<String> = programs.iter().map(|(p, _)| p.id.clone()).collect();
    let snapshot: Vec<(String, Option<String>, Option<Date>)> = programs
        .iter()
        .map(|(p, _)| {
            let from = documents
                .iter()
                .find(|d| d.id == p.document)
                .and_then(|d| d.effective_from);
            (p.id.clone(), p.region.clone(), from)
        })
        .collect();
    for (p, line) in &mut programs {
        let err = |m: String| CatalogueError {
            file: p.file.clone(),
            line: Some(*line),
            message: format!("program {}: {m}", p.id),
        };
        for s in &p.supersedes {
            let Some((_, region, old_from)) = snapshot.iter().find(|(id, _, _)| id == s) else {
                return Err(err(format!("supersedes unknown program \"{s}\"")));
            };
            let new_from = snapshot.iter().find(|(id, _, _)| *id == p.id).and_then(|(_, _, f)| *f);
            if let (Some(n), Some(o)) = (new_from, old_from) {
                if n <= *o {
                    return Err(err(format!(
                        "supersedes \"{s}\" but its document does not take effect later"
                    )));
                }
            }
            if s == &p.id {
                return Err(err("a program cannot supersede itself".into()));
            }
            if *region != p.region {
                return Err(err(format!(
                    "supersedes \"{s}\" of another issuing region (only a later document of the same jurisdiction supersedes)"
                )));
            }
        }
        if let Some(fund) = p.rule.as_ref().and_then(|r| r.fund.clone()) {
            if !funds.iter().any(|f| f.id == fund) {
                p.rule = None;
                p.inactive_reason = Some(format!("fund \"{fund}\" not defined"));
            }
        }
    }
    for f in &funds {
        for id in &f.charge_order {
            if !ids.contains(id) {
                return Err(CatalogueError {
                    file: f.file.clone(),
                    line: None,
                    message: format!("fund {}: charge_order names unknown program \"{id}\"", f.id),
                });
            }
        }
    }
    Ok(Catalogue {
        documents,
        funds,
        programs: programs.into_iter().map(|(p, _)| p).collect(),
        income_distribution: income,
    })
}

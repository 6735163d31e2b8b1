//! The awards' pages as askama renders them: the page structs and their display helpers.

use askama::Template;

use super::rules::{BudgetInput, DiscretionaryInput, EditInput, Entry, LedgerStatus, Loaded};
use super::store::PolicyVersion;
use crate::auth::SessionUser;
use crate::rewards::Program;
use crate::web::{Ctx, FieldErrors};

/// An entry as the pages show it.
#[derive(Debug, Clone)]
pub struct Row {
    pub e: Entry,
    pub program_name: String,
    pub citation: String,
    pub beneficiary: String,
    /// (id, project name, registration number) of the contract.
    pub contract: Option<(i64, String, String)>,
    /// (approved, reason) once decided.
    pub decision: Option<(bool, String)>,
    pub reversed: bool,
}

impl Row {
    pub fn trace_lines(&self) -> Vec<&str> {
        self.e.trace.lines().collect()
    }
    pub fn status_key(&self) -> String {
        format!("award.status.{}", self.e.status)
    }
}

pub fn program_label(loaded: &Loaded, id: &str) -> (String, String) {
    match loaded.catalogue.program(id) {
        Some(p) => (p.name.clone().unwrap_or_else(|| id.to_string()), p.citation.clone()),
        None => (id.to_string(), String::new()),
    }
}

pub fn money(c: &Ctx, fen: i64) -> String {
    crate::money::format_human(fen, c.is_en())
}
// ---- my awards --------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "rewards/mine.html")]
pub struct MinePage<'a> {
    pub c: &'a Ctx,
    pub rows: Vec<Row>,
    pub history: Vec<Row>,
    /// (year, approved or awaiting, over budget) totals.
    pub totals: Vec<(i32, i64, i64)>,
    pub pending_jobs: i64,
}

/// (year, approved or awaiting, over budget) totals of an organization's awards, the latest year
/// first; rejected awards count in neither.
pub fn year_totals(rows: &[Row]) -> Vec<(i32, i64, i64)> {
    let mut totals: std::collections::BTreeMap<i32, (i64, i64)> = std::collections::BTreeMap::new();
    for r in rows {
        let t = totals.entry(r.e.year).or_default();
        if r.e.status.held() {
            t.1 += r.e.amount_fen;
        } else if r.decision.as_ref().is_none_or(|d| d.0) {
            t.0 += r.e.amount_fen;
        }
    }
    totals.into_iter().rev().map(|(y, (a, b))| (y, a, b)).collect()
}

impl MinePage<'_> {
    pub fn money(&self, fen: &i64) -> String {
        money(self.c, *fen)
    }
}

// ---- the officer's page -----------------------------------------------------------------------------

/// The programs an officer answers for: those issued by exactly the officer's region (a province
/// office does not run a city's programs, budgets, approvals or disbursements).
pub fn programs_of(loaded: &Loaded, user: &SessionUser) -> Vec<Program> {
    loaded
        .catalogue
        .programs
        .iter()
        .filter(|p| p.region.as_deref().is_some_and(|r| user.administers(r)))
        .cloned()
        .collect()
}

#[derive(Debug, Clone)]
pub struct FundUse {
    pub fund: String,
    pub name: String,
    pub year: i32,
    pub budget: Option<i64>,
    pub computed: i64,
    pub over_budget: i64,
    pub co_funding: Option<String>,
}

/// What an officer's page shows of the programs the officer answers for.
pub struct Overview {
    pub awaiting: Vec<Row>,
    pub decided: Vec<Row>,
    /// Awards held back: two programs of one region would both pay them.
    pub conflicts: Vec<Row>,
    pub funds: Vec<FundUse>,
    /// (id, name) of the funds the officer may set budgets of.
    pub fund_ids: Vec<(String, String)>,
    /// (program id, label, range) of the programs with a discretionary range.
    pub discretionary: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "rewards/officer.html")]
pub struct OfficerPage<'a> {
    pub c: &'a Ctx,
    pub o: Overview,
    pub input: DiscretionaryInput,
    pub budget: BudgetInput,
    pub errors: FieldErrors,
    pub year: i32,
}

impl OfficerPage<'_> {
    pub fn money(&self, fen: &i64) -> String {
        money(self.c, *fen)
    }
    pub fn left(&self, f: &FundUse) -> String {
        match f.budget {
            Some(b) => money(self.c, b - f.computed),
            None => self.c.t("award.no_limit").to_string(),
        }
    }
}
pub const DISBURSEMENT_HEADERS: &[(&str, &str)] = &[
    ("受奖单位", "Beneficiary"),
    ("统一社会信用代码/经纪人证书编号", "Credit code / broker certificate"),
    ("所在地区代码", "Region code"),
    ("政策项目", "Program"),
    ("依据", "Citation"),
    ("合同登记编号", "Registration no."),
    ("年度", "Year"),
    ("金额（元）", "Amount (yuan)"),
    ("市级承担（元）", "City half (yuan)"),
    ("园区/县区承担（元）", "District half (yuan)"),
    ("类别", "Status"),
];
// ---- the catalogue ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "rewards/catalogue.html")]
pub struct CataloguePage<'a> {
    pub c: &'a Ctx,
    pub loaded: Loaded,
    pub versions: Vec<PolicyVersion>,
    pub mine: Vec<String>,
}

impl CataloguePage<'_> {
    pub fn programs_of(&self, document: &str) -> Vec<&Program> {
        self.loaded
            .catalogue
            .programs
            .iter()
            .filter(|p| p.document == document)
            .collect()
    }
    pub fn versions_of(&self, file: &str) -> Vec<&PolicyVersion> {
        self.versions.iter().filter(|v| v.name == file).collect()
    }
    pub fn params(&self, p: &Program) -> Vec<(String, String)> {
        params_of(p)
    }
    pub fn may_edit(&self, file: &str) -> bool {
        self.mine.iter().any(|f| f == file)
    }
    pub fn file_slug(&self, file: &str) -> String {
        slug(file)
    }
}

pub fn slug(file: &str) -> String {
    file.trim_start_matches("policies/")
        .trim_end_matches(".toml")
        .to_string()
}

/// A program's parameters, as the catalogue page lists them.
pub fn params_of(p: &Program) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(k) = &p.kind {
        out.push(("kind".into(), format!("{k:?}")));
    }
    if let Some(r) = &p.rule {
        out.push(("beneficiary".into(), format!("{:?}", r.beneficiary)));
        if !r.contract_kinds.is_empty() {
            out.push((
                "contract_kinds".into(),
                r.contract_kinds.iter().map(|k| k.zh()).collect::<Vec<_>>().join("、"),
            ));
        }
        for (name, v) in [
            ("buyer_regions", &r.buyer_regions),
            ("seller_regions", &r.seller_regions),
            ("seller_outside", &r.seller_outside),
            ("beneficiary_regions", &r.beneficiary_regions),
        ] {
            if !v.is_empty() {
                out.push((name.into(), v.join(", ")));
            }
        }
        out.push(("base".into(), format!("{:?}", r.base)));
        let formula = match &r.formula {
            crate::rewards::catalogue::Formula::Rate { rate } => format!("rate {}", rate.text()),
            crate::rewards::catalogue::Formula::MarginalScale { brackets } => brackets
                .iter()
                .map(|b| match b.up_to {
                    Some(u) => format!("≤{} {}", u.grouped(), b.rate.text()),
                    None => format!("rest {}", b.rate.text()),
                })
                .collect::<Vec<_>>()
                .join("; "),
            crate::rewards::catalogue::Formula::Threshold { threshold, rate, .. } => {
                format!("{} once ≥ {}", rate.text(), threshold.grouped())
            }
        };
        out.push(("formula".into(), formula));
        if let Some(cap) = r.cap_per_contract {
            out.push(("cap_per_contract".into(), cap.grouped()));
        }
        if let Some(cap) = r.cap_per_beneficiary_year {
            out.push(("cap_per_beneficiary_year".into(), cap.grouped()));
        }
        if let Some(f) = &r.fund {
            out.push(("fund".into(), f.clone()));
        }
        out.push((
            "effective".into(),
            format!(
                "{} – {}",
                r.effective_from,
                r.effective_to.map(|d| d.to_string()).unwrap_or_else(|| "open".into())
            ),
        ));
    }
    if let Some((lo, hi)) = p.range {
        out.push(("range".into(), format!("{}–{}", lo.grouped(), hi.grouped())));
    }
    if !p.supersedes.is_empty() {
        out.push(("supersedes".into(), p.supersedes.join(", ")));
    }
    out
}

/// The policy files an officer may change: those of documents issued by exactly the officer's region.
pub fn files_of(loaded: &Loaded, user: &SessionUser) -> Vec<String> {
    loaded
        .catalogue
        .documents
        .iter()
        .filter(|d| d.region.as_deref().is_some_and(|r| user.administers(r)))
        .map(|d| d.file.clone())
        .collect()
}

// ---- editing and what-if ------------------------------------------------------------------------------

/// What a draft would have paid on a year's registered contracts, against the current version.
#[derive(Debug, Clone, Default)]
pub struct WhatIf {
    pub year: i32,
    pub contracts: usize,
    /// (beneficiary, current fen, draft fen), largest change first.
    pub rows: Vec<(String, i64, i64)>,
    pub current: i64,
    pub draft: i64,
}

#[derive(Template)]
#[template(path = "rewards/edit.html")]
pub struct EditPage<'a> {
    pub c: &'a Ctx,
    pub slug: String,
    pub file: String,
    pub current: i32,
    pub f: EditInput,
    pub errors: FieldErrors,
    pub whatif: Option<WhatIf>,
}

impl EditPage<'_> {
    pub fn money(&self, fen: &i64) -> String {
        money(self.c, *fen)
    }
    pub fn delta(&self, a: &i64, b: &i64) -> String {
        let d = b - a;
        let s = money(self.c, d.abs());
        if d > 0 {
            format!("+{s}")
        } else if d < 0 {
            format!("−{s}")
        } else {
            "0".into()
        }
    }
}

//! The pages of awards: a beneficiary's awards with their traces; for officers, the awards awaiting
//! approval, discretionary awards, budgets and their use, the disbursement list, and the catalogue
//! with its versions, editing (a new version from a date) and the what-if preview of a draft.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Deserialize;

use super::{catalogue_on, enqueue, versions_on, Entry, Loaded, PolicyVersion};
use crate::auth::SessionUser;
use crate::db::{self, now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::forms::{date_field, money_field, text};
use crate::registration::RegistrationStatus;
use crate::rewards::{Money, Program};
use crate::schema::{contracts, organizations, policy_versions, reward_budgets, reward_decisions, reward_ledger};
use crate::state::AppState;
use crate::tables::Cell;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

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

fn program_label(loaded: &Loaded, id: &str) -> (String, String) {
    match loaded.catalogue.program(id) {
        Some(p) => (p.name.clone().unwrap_or_else(|| id.to_string()), p.citation.clone()),
        None => (id.to_string(), String::new()),
    }
}

/// Dresses entries with names, contracts, decisions and whether each is reversed.
fn rows_of(conn: &mut DbConn, loaded: &Loaded, entries: Vec<Entry>) -> AppResult<Vec<Row>> {
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
fn live(conn: &mut DbConn, org: Option<i64>, programs: Option<&[String]>) -> AppResult<Vec<Entry>> {
    let mut q = reward_ledger::table.into_boxed();
    if let Some(o) = org {
        q = q.filter(reward_ledger::beneficiary_org_id.eq(o));
    }
    if let Some(p) = programs {
        q = q.filter(reward_ledger::program.eq_any(p.to_vec()));
    }
    let mut rows = super::standing(q.load(conn)?);
    rows.sort_by_key(|e| (std::cmp::Reverse(e.year), std::cmp::Reverse(e.id)));
    Ok(rows)
}

fn money(c: &Ctx, fen: i64) -> String {
    crate::money::format_human(fen, c.is_en())
}

// ---- my awards --------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "rewards/mine.html")]
struct MinePage<'a> {
    c: &'a Ctx,
    rows: Vec<Row>,
    history: Vec<Row>,
    /// (year, approved or awaiting, over budget) totals.
    totals: Vec<(i32, i64, i64)>,
    pending_jobs: i64,
}

impl MinePage<'_> {
    fn money(&self, fen: &i64) -> String {
        money(self.c, *fen)
    }
}

/// The awards of the user's organization, with their traces and the ledger's history.
pub async fn mine(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if user.role == crate::auth::Role::Officer {
        return Ok(redirect("/officer/rewards"));
    }
    let (rows, history, pending_jobs) = db::run(&state.pool, move |conn| {
        let loaded = catalogue_on(conn, today())?;
        let entries = live(conn, Some(user.org_id), None)?;
        let rows = rows_of(conn, &loaded, entries)?;
        let all: Vec<Entry> = reward_ledger::table
            .filter(reward_ledger::beneficiary_org_id.eq(user.org_id))
            .order(reward_ledger::id.desc())
            .limit(100)
            .load(conn)?;
        let history = rows_of(conn, &loaded, all)?;
        let pending: i64 = crate::schema::reward_jobs::table
            .filter(crate::schema::reward_jobs::done_at.is_null())
            .count()
            .get_result(conn)?;
        Ok((rows, history, pending))
    })
    .await?;
    let mut totals: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for r in &rows {
        let t = totals.entry(r.e.year).or_default();
        if r.e.status == "over_budget" || r.e.status == "conflict" {
            t.1 += r.e.amount_fen;
        } else if r.decision.as_ref().is_none_or(|d| d.0) {
            t.0 += r.e.amount_fen;
        }
    }
    render(&MinePage {
        c: &c,
        rows,
        history,
        totals: totals.into_iter().rev().map(|(y, (a, b))| (y, a, b)).collect(),
        pending_jobs,
    })
}

// ---- the officer's page -----------------------------------------------------------------------------

/// The programs an officer answers for: those whose issuing region the officer's region contains.
fn programs_of(loaded: &Loaded, user: &SessionUser) -> Vec<Program> {
    loaded
        .catalogue
        .programs
        .iter()
        .filter(|p| p.region.as_deref().is_some_and(|r| user.oversees(r)))
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

#[derive(Debug, Clone, Default)]
pub struct DiscretionaryInput {
    pub program: String,
    pub beneficiary: String,
    pub contract: String,
    pub year: String,
    pub amount: String,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct BudgetInput {
    pub fund: String,
    pub year: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "rewards/officer.html")]
struct OfficerPage<'a> {
    c: &'a Ctx,
    awaiting: Vec<Row>,
    decided: Vec<Row>,
    /// Awards held back: two programs of one region would both pay them.
    conflicts: Vec<Row>,
    funds: Vec<FundUse>,
    fund_ids: Vec<(String, String)>,
    discretionary: Vec<(String, String, String)>,
    input: DiscretionaryInput,
    budget: BudgetInput,
    errors: FieldErrors,
    year: i32,
}

impl OfficerPage<'_> {
    fn money(&self, fen: &i64) -> String {
        money(self.c, *fen)
    }
    fn left(&self, f: &FundUse) -> String {
        match f.budget {
            Some(b) => money(self.c, b - f.computed),
            None => self.c.t("award.no_limit").to_string(),
        }
    }
}

async fn officer_page(
    c: &Ctx,
    state: &AppState,
    errors: FieldErrors,
    input: DiscretionaryInput,
    budget: BudgetInput,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let (awaiting, decided, funds, fund_ids, discretionary, conflicts) = db::run(&state.pool, move |conn| {
        let loaded = catalogue_on(conn, today())?;
        let mine = programs_of(&loaded, &user);
        let ids: Vec<String> = mine.iter().map(|p| p.id.clone()).collect();
        let entries = live(conn, None, Some(&ids))?;
        let rows = rows_of(conn, &loaded, entries)?;
        let (conflicts, rows): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| r.e.status == "conflict");
        let (decided, awaiting): (Vec<Row>, Vec<Row>) = rows
            .into_iter()
            .filter(|r| r.e.status != "over_budget")
            .partition(|r| r.decision.is_some());
        // Budget use per fund and year.
        let mut funds = Vec::new();
        let mut fund_ids = Vec::new();
        for f in &loaded.catalogue.funds {
            let progs: Vec<String> = mine
                .iter()
                .filter(|p| p.rule.as_ref().and_then(|r| r.fund.as_deref()) == Some(f.id.as_str()))
                .map(|p| p.id.clone())
                .collect();
            if progs.is_empty() {
                continue;
            }
            fund_ids.push((f.id.clone(), f.name.clone().unwrap_or_else(|| f.id.clone())));
            let used: Vec<(i32, String, i64)> = reward_ledger::table
                .filter(reward_ledger::program.eq_any(&progs))
                .select((reward_ledger::year, reward_ledger::status, reward_ledger::amount_fen))
                .load(conn)?;
            let budgets: Vec<(i32, i64)> = reward_budgets::table
                .filter(reward_budgets::fund.eq(&f.id))
                .select((reward_budgets::year, reward_budgets::amount_fen))
                .load(conn)?;
            let mut years: BTreeMap<i32, FundUse> = BTreeMap::new();
            let blank = |year: i32| FundUse {
                fund: f.id.clone(),
                name: f.name.clone().unwrap_or_else(|| f.id.clone()),
                year,
                budget: f.default_limit.map(Money::fen),
                computed: 0,
                over_budget: 0,
                co_funding: f.co_funding.clone(),
            };
            for (year, status, fen) in used {
                let u = years.entry(year).or_insert_with(|| blank(year));
                if status == "over_budget" {
                    u.over_budget += fen;
                } else {
                    u.computed += fen;
                }
            }
            for (year, fen) in budgets {
                years.entry(year).or_insert_with(|| blank(year)).budget = Some(fen);
            }
            funds.extend(years.into_values().rev());
        }
        let discretionary = mine
            .iter()
            .filter_map(|p| {
                p.range.map(|(lo, hi)| {
                    (
                        p.id.clone(),
                        format!("{} · {}", p.citation, p.name.clone().unwrap_or_default()),
                        format!("{}–{}", lo.grouped(), hi.grouped()),
                    )
                })
            })
            .collect::<Vec<_>>();
        Ok((awaiting, decided, funds, fund_ids, discretionary, conflicts))
    })
    .await?;
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        &OfficerPage {
            c,
            awaiting,
            decided,
            conflicts,
            funds,
            fund_ids,
            discretionary,
            input,
            budget,
            errors,
            year: today().year(),
        },
        status,
    )
}

/// The officer's page: awards awaiting approval, decisions, budgets, discretionary awards.
pub async fn officer(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    officer_page(
        &c,
        &state,
        FieldErrors::new(),
        DiscretionaryInput::default(),
        BudgetInput::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// Approves or rejects (with a reason) a live award of a program the officer answers for.
pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecideForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::bad_request(c.t("err.award_decision"))),
    };
    let reason = form.reason.trim().to_string();
    if !approve && reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(&format!("reason_{id}"), c.t("err.reason_missing"));
        return officer_page(
            &c,
            &state,
            errors,
            DiscretionaryInput::default(),
            BudgetInput::default(),
        )
        .await;
    }
    db::tx(&state.pool, move |conn| {
        let loaded = catalogue_on(conn, today())?;
        let e: Entry = reward_ledger::table
            .find(id)
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        if !programs_of(&loaded, &user).iter().any(|p| p.id == e.program) {
            return Err(AppError::NotFound);
        }
        let reversed: i64 = reward_ledger::table
            .filter(reward_ledger::reverses.eq(Some(id)))
            .count()
            .get_result(conn)?;
        if e.reverses.is_some() || reversed > 0 || e.status == "over_budget" || e.status == "conflict" {
            return Err(AppError::conflict("err.award_changed"));
        }
        let inserted = diesel::insert_into(reward_decisions::table)
            .values((
                reward_decisions::entry_id.eq(id),
                reward_decisions::approved.eq(approve),
                reward_decisions::reason.eq(&reason),
                reward_decisions::decided_by.eq(user.id),
                reward_decisions::decided_at.eq(now()),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(AppError::conflict("err.award_decided"))
            }
            Err(e) => return Err(e.into()),
        }
        let region = loaded.catalogue.program(&e.program).and_then(|p| p.region.clone());
        let detail = format!(
            "{} · {} · {}{}",
            e.beneficiary_org_id,
            e.program,
            Money::from_fen(e.amount_fen).grouped(),
            if approve {
                String::new()
            } else {
                format!(" · {reason}")
            }
        );
        crate::audit::record(
            conn,
            &user,
            if approve { "award_approved" } else { "award_rejected" },
            "reward",
            id,
            region.as_deref(),
            &detail,
        )
    })
    .await?;
    Ok(redirect("/officer/rewards?notice=award_decided"))
}

/// Enters a discretionary award, checked against the range its text allows.
pub async fn discretionary(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let f = crate::forms::FormData(form.into_inner());
    let input = DiscretionaryInput {
        program: f.get("program"),
        beneficiary: f.get("beneficiary"),
        contract: f.get("contract"),
        year: f.get("year"),
        amount: f.get("amount"),
        note: f.get("note"),
    };
    let mut errors = FieldErrors::new();
    let amount = money_field(&mut errors, &c, "d_amount", &input.amount);
    if input.amount.is_empty() {
        errors.add("d_amount", c.t("err.required"));
    }
    let year: Option<i32> = input.year.trim().parse().ok().filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        errors.add("d_year", c.t("err.award_year"));
    }
    text(&mut errors, &c, "d_note", &input.note, 4, 1000);
    let cc = c.clone();
    let i2 = input.clone();
    let outcome = db::tx(&state.pool, move |conn| {
        let loaded = catalogue_on(conn, today())?;
        let program = programs_of(&loaded, &user)
            .into_iter()
            .find(|p| p.id == i2.program && p.range.is_some());
        if program.is_none() {
            errors.add("d_program", cc.t("err.award_program"));
        }
        let org: Option<(i64, String)> = organizations::table
            .filter(
                organizations::credit_code
                    .eq(i2.beneficiary.trim().to_uppercase())
                    .or(organizations::broker_certificate.eq(i2.beneficiary.trim().to_uppercase())),
            )
            .select((organizations::id, organizations::name))
            .first(conn)
            .optional()?;
        if org.is_none() {
            errors.add("d_beneficiary", cc.tf("err.party_unknown", &[&i2.beneficiary]));
        }
        let contract: Option<i64> = if i2.contract.trim().is_empty() {
            None
        } else {
            let k: Option<i64> = contracts::table
                .filter(contracts::registration_no.eq(i2.contract.trim()))
                .filter(contracts::status.eq(RegistrationStatus::Registered))
                .select(contracts::id)
                .first(conn)
                .optional()?;
            if k.is_none() {
                errors.add("d_contract", cc.tf("err.award_contract", &[&i2.contract]));
            }
            k
        };
        if let (Some(p), Some(a)) = (&program, amount) {
            if let Err(why) = loaded.catalogue.check_discretionary(&p.id, Money::from_fen(a)) {
                let (lo, hi) = p.range.unwrap_or((Money::from_fen(0), Money::from_fen(0)));
                errors.add(
                    "d_amount",
                    cc.tf("err.award_range", &[&lo.grouped(), &hi.grouped(), &why]),
                );
            }
        }
        if errors.any() {
            return Ok(Err(errors));
        }
        let (Some(p), Some((org, _)), Some(a), Some(year)) = (program, org, amount, year) else {
            return Ok(Err(errors));
        };
        let (lo, hi) = p.range.unwrap_or((Money::from_fen(0), Money::from_fen(0)));
        let trace = format!(
            "{}（{}）：主管部门酌定奖励{}元，在原文允许的{}–{}元范围内\n说明：{}",
            p.citation,
            p.name.clone().unwrap_or_default(),
            Money::from_fen(a).grouped(),
            lo.grouped(),
            hi.grouped(),
            i2.note.trim()
        );
        let key = format!(
            "{}|{org}|{}|{year}|discretionary|{}",
            p.id,
            contract.map(|k| k.to_string()).unwrap_or_else(|| "-".into()),
            now()
        );
        let entry: i64 = diesel::insert_into(reward_ledger::table)
            .values((
                reward_ledger::award_key.eq(key),
                reward_ledger::program.eq(&p.id),
                reward_ledger::beneficiary_org_id.eq(org),
                reward_ledger::contract_id.eq(contract),
                reward_ledger::year.eq(year),
                reward_ledger::status.eq("discretionary"),
                reward_ledger::is_final.eq(true),
                reward_ledger::base_fen.eq(0),
                reward_ledger::amount_fen.eq(a),
                reward_ledger::trace.eq(trace),
                reward_ledger::cause.eq("discretionary"),
                reward_ledger::policy.eq(loaded.policy_of(&p.id)),
                reward_ledger::created_by.eq(Some(user.id)),
                reward_ledger::created_at.eq(now()),
            ))
            .returning(reward_ledger::id)
            .get_result(conn)?;
        crate::audit::record(
            conn,
            &user,
            "award_discretionary",
            "reward",
            entry,
            p.region.as_deref(),
            &format!("{org} · {} · {}", p.id, Money::from_fen(a).grouped()),
        )?;
        Ok(Ok(()))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(redirect("/officer/rewards?notice=award_entered")),
        Err(errors) => officer_page(&c, &state, errors, input, BudgetInput::default()).await,
    }
}

/// Sets what a fund makes available in a year; everything is then recomputed.
pub async fn set_budget(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let f = crate::forms::FormData(form.into_inner());
    let input = BudgetInput {
        fund: f.get("fund"),
        year: f.get("year"),
        amount: f.get("amount"),
    };
    let mut errors = FieldErrors::new();
    let amount = money_field(&mut errors, &c, "b_amount", &input.amount);
    if input.amount.is_empty() {
        errors.add("b_amount", c.t("err.required"));
    }
    let year: Option<i32> = input.year.trim().parse().ok().filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        errors.add("b_year", c.t("err.award_year"));
    }
    let cc = c.clone();
    let i2 = input.clone();
    let outcome = db::tx(&state.pool, move |conn| {
        let loaded = catalogue_on(conn, today())?;
        let mine = programs_of(&loaded, &user);
        let ok = loaded.catalogue.funds.iter().any(|fd| {
            fd.id == i2.fund
                && mine
                    .iter()
                    .any(|p| p.rule.as_ref().and_then(|r| r.fund.as_deref()) == Some(fd.id.as_str()))
        });
        if !ok {
            errors.add("b_fund", cc.t("err.award_fund"));
        }
        if errors.any() {
            return Ok(Err(errors));
        }
        let (Some(a), Some(y)) = (amount, year) else {
            return Ok(Err(errors));
        };
        diesel::delete(
            reward_budgets::table
                .filter(reward_budgets::fund.eq(&i2.fund))
                .filter(reward_budgets::year.eq(y)),
        )
        .execute(conn)?;
        diesel::insert_into(reward_budgets::table)
            .values((
                reward_budgets::fund.eq(&i2.fund),
                reward_budgets::year.eq(y),
                reward_budgets::amount_fen.eq(a),
                reward_budgets::set_by.eq(user.id),
                reward_budgets::set_at.eq(now()),
            ))
            .execute(conn)?;
        enqueue(conn, None, "budget")?;
        crate::audit::record(
            conn,
            &user,
            "budget_set",
            "fund",
            i64::from(y),
            user.officer_region.as_deref(),
            &format!("{} · {y} · {}", i2.fund, Money::from_fen(a).grouped()),
        )?;
        Ok(Ok(()))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(redirect("/officer/rewards?notice=budget_set#budgets")),
        Err(errors) => officer_page(&c, &state, errors, DiscretionaryInput::default(), input).await,
    }
}

#[derive(Deserialize)]
pub struct DisbursementQuery {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub format: String,
}

/// The approved awards of a year to pay, CSV or XLSX; 西宁's awards show the city and the district
/// halves (004 art. 17: co-funded at no less than 1 : 1; the district half takes an odd fen).
pub async fn disbursement(
    c: Ctx,
    state: web::Data<AppState>,
    q: web::Query<DisbursementQuery>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let Some(year) = q.year.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)) else {
        return Err(AppError::bad_request(c.t("err.award_year")));
    };
    let xlsx = q.format != "csv";
    let en = c.is_en();
    let rows = db::run(&state.pool, move |conn| {
        let loaded = catalogue_on(conn, today())?;
        let mine = programs_of(&loaded, &user);
        let ids: Vec<String> = mine.iter().map(|p| p.id.clone()).collect();
        let entries: Vec<Entry> = live(conn, None, Some(&ids))?
            .into_iter()
            .filter(|e| e.year == year)
            .collect();
        let rows = rows_of(conn, &loaded, entries)?;
        let codes: BTreeMap<i64, (Option<String>, Option<String>, String)> = organizations::table
            .filter(organizations::id.eq_any(rows.iter().map(|r| r.e.beneficiary_org_id).collect::<Vec<_>>()))
            .select((
                organizations::id,
                organizations::credit_code,
                organizations::broker_certificate,
                organizations::region_code,
            ))
            .load::<(i64, Option<String>, Option<String>, String)>(conn)?
            .into_iter()
            .map(|(id, a, b, r)| (id, (a, b, r)))
            .collect();
        let mut out = Vec::new();
        for r in rows.into_iter().filter(|r| r.decision.as_ref().is_some_and(|d| d.0)) {
            let program = loaded.catalogue.program(&r.e.program);
            let co_funded = program
                .and_then(|p| p.rule.as_ref())
                .and_then(|rule| rule.fund.as_deref())
                .and_then(|f| loaded.catalogue.fund(f))
                .is_some_and(|f| f.co_funding.is_some())
                || program.and_then(|p| p.region.as_deref()) == Some("630100");
            let (city, district) = if co_funded {
                let city = r.e.amount_fen / 2;
                (Some(city), Some(r.e.amount_fen - city))
            } else {
                (None, None)
            };
            let (code, cert, region) = codes.get(&r.e.beneficiary_org_id).cloned().unwrap_or_default();
            let yuan = |f: i64| Money::from_fen(f).plain();
            out.push(vec![
                Cell::Text(r.beneficiary.clone()),
                Cell::Text(code.or(cert).unwrap_or_default()),
                Cell::Text(region),
                Cell::Text(r.e.program.clone()),
                Cell::Text(r.citation.clone()),
                Cell::Text(r.contract.as_ref().map(|k| k.2.clone()).unwrap_or_default()),
                Cell::Number(r.e.year.to_string()),
                Cell::Number(yuan(r.e.amount_fen)),
                Cell::Number(city.map(yuan).unwrap_or_default()),
                Cell::Number(district.map(yuan).unwrap_or_default()),
                Cell::Text(r.e.status.clone()),
            ]);
        }
        Ok(out)
    })
    .await?;
    let headers: Vec<&str> = DISBURSEMENT_HEADERS
        .iter()
        .map(|(zh, e)| if en { *e } else { *zh })
        .collect();
    crate::tables::download(
        &format!("disbursement-{year}"),
        if en { "Disbursement" } else { "拨付清单" },
        &headers,
        rows,
        xlsx,
    )
}

const DISBURSEMENT_HEADERS: &[(&str, &str)] = &[
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
struct CataloguePage<'a> {
    c: &'a Ctx,
    loaded: Loaded,
    versions: Vec<PolicyVersion>,
    mine: Vec<String>,
}

impl CataloguePage<'_> {
    fn programs_of(&self, document: &str) -> Vec<&Program> {
        self.loaded
            .catalogue
            .programs
            .iter()
            .filter(|p| p.document == document)
            .collect()
    }
    fn versions_of(&self, file: &str) -> Vec<&PolicyVersion> {
        self.versions.iter().filter(|v| v.name == file).collect()
    }
    fn params(&self, p: &Program) -> Vec<(String, String)> {
        params_of(p)
    }
    fn may_edit(&self, file: &str) -> bool {
        self.mine.iter().any(|f| f == file)
    }
    fn file_slug(&self, file: &str) -> String {
        slug(file)
    }
}

fn slug(file: &str) -> String {
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

/// The policy files an officer may change: those of documents whose region the officer's contains.
fn files_of(loaded: &Loaded, user: &SessionUser) -> Vec<String> {
    loaded
        .catalogue
        .documents
        .iter()
        .filter(|d| d.region.as_deref().is_some_and(|r| user.oversees(r)))
        .map(|d| d.file.clone())
        .collect()
}

/// The catalogue: documents, programs with their citations, parameters and readings, and versions.
pub async fn catalogue(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let (loaded, versions) = db::run(&state.pool, move |conn| {
        let loaded = catalogue_on(conn, today())?;
        let versions: Vec<PolicyVersion> = policy_versions::table
            .order((policy_versions::name, policy_versions::version_no.desc()))
            .load(conn)?;
        Ok((loaded, versions))
    })
    .await?;
    let mine = files_of(&loaded, &user);
    render(&CataloguePage {
        c: &c,
        loaded,
        versions,
        mine,
    })
}

/// Exports one stored version of a policy file.
pub async fn export_version(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> AppResult<HttpResponse> {
    c.officer()?;
    let (name, no) = path.into_inner();
    let file = format!("policies/{name}.toml");
    let file2 = file.clone();
    let content: String = db::run(&state.pool, move |conn| {
        policy_versions::table
            .filter(policy_versions::name.eq(&file2))
            .filter(policy_versions::version_no.eq(no))
            .select(policy_versions::content)
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}-v{no}.toml\""),
        ))
        .body(content))
}

// ---- editing and what-if ------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct EditInput {
    pub content: String,
    pub effective_from: String,
    pub note: String,
    pub year: String,
}

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
struct EditPage<'a> {
    c: &'a Ctx,
    slug: String,
    file: String,
    current: i32,
    f: EditInput,
    errors: FieldErrors,
    whatif: Option<WhatIf>,
}

impl EditPage<'_> {
    fn money(&self, fen: &i64) -> String {
        money(self.c, *fen)
    }
    fn delta(&self, a: &i64, b: &i64) -> String {
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

/// The latest version of the file, for the officer who may change it.
fn editable(conn: &mut DbConn, user: &SessionUser, file: &str) -> AppResult<PolicyVersion> {
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

pub async fn edit_form(c: Ctx, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let slug = path.into_inner();
    let file = format!("policies/{slug}.toml");
    let f2 = file.clone();
    let v = db::run(&state.pool, move |conn| editable(conn, &user, &f2)).await?;
    render(&EditPage {
        c: &c,
        slug,
        file,
        current: v.version_no,
        f: EditInput {
            content: v.content,
            effective_from: today().to_string(),
            note: String::new(),
            year: (today().year() - 1).to_string(),
        },
        errors: FieldErrors::new(),
        whatif: None,
    })
}

/// Totals per beneficiary of an evaluation.
fn totals(e: &crate::rewards::Evaluation, keys: &super::Keys) -> BTreeMap<i64, i64> {
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
fn what_if(conn: &mut DbConn, file: &str, draft: &str, year: i32) -> AppResult<Result<WhatIf, String>> {
    let versions = versions_on(conn, today())?;
    let current = super::build_catalogue(&versions, None).map_err(AppError::internal)?;
    let draft = match super::build_catalogue(&versions, Some((file, draft))) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let as_of = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_else(today).min(today());
    let (mut s, keys) = super::scenario(conn, as_of, None)?;
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

/// Previews a draft (what-if) or publishes it as a new version effective from a date.
pub async fn save(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let slug = path.into_inner();
    let file = format!("policies/{slug}.toml");
    let f = crate::forms::FormData(form.into_inner());
    let input = EditInput {
        content: f.raw("content").replace("\r\n", "\n"),
        effective_from: f.get("effective_from"),
        note: f.get("note"),
        year: f.get("year"),
    };
    let preview = f.get("action") == "preview";
    let mut errors = FieldErrors::new();
    let from = date_field(&mut errors, &c, "effective_from", &input.effective_from, None);
    if !preview {
        text(&mut errors, &c, "note", &input.note, 4, 500);
    }
    let year: Option<i32> = input.year.trim().parse().ok().filter(|y| (2000..=2100).contains(y));
    if preview && year.is_none() {
        errors.add("year", c.t("err.award_year"));
    }
    let (f2, i2) = (file.clone(), input.clone());
    let unchanged = c.t("err.policy_unchanged");
    let (current, whatif, errors) = db::tx(&state.pool, move |conn| {
        let latest = editable(conn, &user, &f2)?;
        // The draft must parse with the rest of the catalogue, naming the file and line otherwise.
        let versions = versions_on(conn, today())?;
        if let Err(e) = super::build_catalogue(&versions, Some((&f2, &i2.content))) {
            errors.add("content", e);
        }
        if i2.content == latest.content && !preview {
            errors.add("content", unchanged);
        }
        if errors.any() {
            return Ok((latest.version_no, None, errors));
        }
        if preview {
            let w = match year {
                Some(y) => what_if(conn, &f2, &i2.content, y)?.ok(),
                None => None,
            };
            return Ok((latest.version_no, w, errors));
        }
        let Some(from) = from else {
            return Ok((latest.version_no, None, errors));
        };
        diesel::insert_into(policy_versions::table)
            .values((
                policy_versions::name.eq(&f2),
                policy_versions::version_no.eq(latest.version_no + 1),
                policy_versions::content.eq(&i2.content),
                policy_versions::effective_from.eq(from.to_string()),
                policy_versions::note.eq(i2.note.trim()),
                policy_versions::created_by.eq(Some(user.id)),
                policy_versions::created_at.eq(now()),
            ))
            .execute(conn)?;
        if from <= today() {
            enqueue(conn, None, "program")?;
        }
        let region = catalogue_on(conn, today())?
            .catalogue
            .documents
            .iter()
            .find(|d| d.file == f2)
            .and_then(|d| d.region.clone());
        crate::audit::record(
            conn,
            &user,
            "policy_version",
            "policy",
            i64::from(latest.version_no + 1),
            region.as_deref(),
            &format!("{f2} v{} · {from} · {}", latest.version_no + 1, i2.note.trim()),
        )?;
        Ok((latest.version_no + 1, None, errors))
    })
    .await?;
    if preview || errors.any() {
        let status = if errors.any() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return render_status(
            &EditPage {
                c: &c,
                slug,
                file,
                current,
                f: input,
                errors,
                whatif,
            },
            status,
        );
    }
    Ok(redirect("/officer/policies?notice=policy_saved"))
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

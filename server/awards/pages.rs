//! The pages of awards: a beneficiary's awards with their traces; for officers, the awards awaiting
//! approval, discretionary awards, budgets and their use, the disbursement list, and the catalogue
//! with its versions, editing (a new version from a date) and the what-if preview of a draft.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use diesel::prelude::*;
use serde::Deserialize;

use super::store::{editable, live, rows_of, what_if};
use super::views::*;
use super::{catalogue_on, enqueue, versions_on, Entry, LedgerStatus, PolicyVersion};
use crate::db::{self, now, today};
use crate::error::{AppError, AppResult};
use crate::forms::DecisionForm;
use crate::forms::{date_field, money_field, text};
use crate::registration::RegistrationStatus;
use crate::rewards::Money;
use crate::schema::{contracts, organizations, policy_versions, reward_budgets, reward_decisions, reward_ledger};
use crate::state::AppState;
use crate::tables::Cell;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

pub use super::store::income_rule_for;

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
        if r.e.status.held() {
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
        let (conflicts, rows): (Vec<Row>, Vec<Row>) =
            rows.into_iter().partition(|r| r.e.status == LedgerStatus::Conflict);
        let (decided, awaiting): (Vec<Row>, Vec<Row>) = rows
            .into_iter()
            .filter(|r| r.e.status != LedgerStatus::OverBudget)
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
            let used: Vec<(i32, LedgerStatus, i64)> = reward_ledger::table
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
                if status == LedgerStatus::OverBudget {
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

/// Approves or rejects (with a reason) a live award of a program the officer answers for.
pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
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
        if e.reverses.is_some() || reversed > 0 || e.status.held() {
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
                reward_ledger::status.eq(LedgerStatus::Discretionary),
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
                Cell::Text(r.e.status.to_string()),
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

/// The latest version of the file, for the officer who may change it.
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

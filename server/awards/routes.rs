//! The handlers of awards: extract, authorize, call the rules and the store, then render or
//! redirect. A beneficiary's awards with their traces; for officers, the awards awaiting approval,
//! discretionary awards, budgets and their use, the disbursement list, and the catalogue with its
//! versions, editing (a new version from a date) and the what-if preview of a draft.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;

use super::office;
use super::rules::{
    approves, check_budget, check_discretionary, check_edit, parse_year, BudgetInput, DiscretionaryInput, EditInput,
};
use super::store::{catalogue_on, editable};
use super::views::*;
use crate::db::{self, today};
use crate::error::{AppError, AppResult};
use crate::forms::{DecisionForm, FormData};
use crate::i18n::{Msg, Problems};
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

/// The awards of the user's organization, with their traces and the ledger's history.
pub async fn mine(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if user.role == crate::auth::Role::Officer {
        return Ok(redirect("/officer/rewards"));
    }
    let (rows, history, pending_jobs) = db::run(&state.pool, move |conn| office::of_org(conn, user.org_id)).await?;
    render(&MinePage {
        c: &c,
        totals: year_totals(&rows),
        rows,
        history,
        pending_jobs,
    })
}

/// The officer's page, with the problems of a form that came back and what was typed in it.
async fn officer_page(
    c: &Ctx,
    state: &AppState,
    problems: Problems,
    input: DiscretionaryInput,
    budget: BudgetInput,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let o = db::run(&state.pool, move |conn| office::overview(conn, &user)).await?;
    let errors = c.errors(&problems);
    let status = errors.status();
    let page = OfficerPage {
        c,
        o,
        input,
        budget,
        errors,
        year: today().year(),
    };
    render_status(&page, status)
}

/// Where a form of the officer's page leads: to `done` once it was taken, or back to the page
/// with its problems and what was typed.
async fn answer(
    c: &Ctx,
    state: &AppState,
    outcome: Result<(), Problems>,
    done: &str,
    input: DiscretionaryInput,
    budget: BudgetInput,
) -> AppResult<HttpResponse> {
    match outcome {
        Ok(()) => Ok(redirect(done)),
        Err(p) => officer_page(c, state, p, input, budget).await,
    }
}

/// The officer's page: awards awaiting approval, decisions, budgets, discretionary awards.
pub async fn officer(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    officer_page(&c, &state, Problems::new(), Default::default(), Default::default()).await
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
    let approve = approves(&form.decision).ok_or_else(|| AppError::bad_request(Msg::t("err.award_decision")))?;
    let reason = form.reason.trim().to_string();
    if !approve && reason.is_empty() {
        let mut p = Problems::new();
        p.add(&format!("reason_{id}"), Msg::t("err.reason_missing"));
        return officer_page(&c, &state, p, Default::default(), Default::default()).await;
    }
    db::tx(&state.pool, move |conn| {
        office::decide(conn, &user, id, approve, &reason)
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
    let input = DiscretionaryInput::from_form(&FormData(form.into_inner()));
    let checked = check_discretionary(&input);
    let i = input.clone();
    let outcome = db::tx(&state.pool, move |conn| {
        office::enter_discretionary(conn, &user, &i, checked)
    })
    .await?;
    let back = "/officer/rewards?notice=award_entered";
    answer(&c, &state, outcome, back, input, Default::default()).await
}

/// Sets what a fund makes available in a year; everything is then recomputed.
pub async fn set_budget(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let input = BudgetInput::from_form(&FormData(form.into_inner()));
    let checked = check_budget(&input);
    let i = input.clone();
    let outcome = db::tx(&state.pool, move |conn| office::set_budget(conn, &user, &i, checked)).await?;
    let back = "/officer/rewards?notice=budget_set#budgets";
    answer(&c, &state, outcome, back, Default::default(), input).await
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
    let year = parse_year(&q.year).ok_or_else(|| AppError::bad_request(Msg::t("err.award_year")))?;
    let rows = db::run(&state.pool, move |conn| office::disbursement(conn, &user, year)).await?;
    let en = c.is_en();
    let headers: Vec<&str> = DISBURSEMENT_HEADERS
        .iter()
        .map(|(zh, e)| if en { *e } else { *zh })
        .collect();
    let title = if en { "Disbursement" } else { "拨付清单" };
    crate::tables::download(
        &format!("disbursement-{year}"),
        title,
        &headers,
        rows,
        q.format != "csv",
    )
}

/// The catalogue: documents, programs with their citations, parameters and readings, and versions.
pub async fn catalogue(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let (loaded, versions) = db::run(&state.pool, move |conn| {
        Ok((catalogue_on(conn, today())?, office::all_versions(conn)?))
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
    let content = db::run(&state.pool, move |conn| office::version_text(conn, &file, no)).await?;
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
    let f = FormData(form.into_inner());
    let input = EditInput {
        content: f.raw("content").replace("\r\n", "\n"),
        effective_from: f.get("effective_from"),
        note: f.get("note"),
        year: f.get("year"),
    };
    let preview = f.get("action") == "preview";
    let checked = check_edit(&input, preview);
    let (f2, i2) = (file.clone(), input.clone());
    let saved = db::tx(&state.pool, move |conn| {
        office::save_version(conn, &user, &f2, &i2, preview, checked)
    })
    .await?;
    if !preview && saved.problems.is_empty() {
        return Ok(redirect("/officer/policies?notice=policy_saved"));
    }
    let errors = c.errors(&saved.problems);
    let status = errors.status();
    let page = EditPage {
        c: &c,
        slug,
        file,
        current: saved.current,
        f: input,
        errors,
        whatif: saved.whatif,
    };
    render_status(&page, status)
}

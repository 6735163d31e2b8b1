//! The challenges' handlers: extract, authorize, call the store, render or redirect.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::SessionUser;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::forms::DecisionForm;
use crate::i18n::Msg;
use crate::ids::ProposalId;
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

use super::rules::{self, Decision, ProposalInput, Target, Viewer};
use super::store::{self, Challenge};
use super::views::{ListPage, NewPage, ProposalPage};

fn proposer(c: &Ctx) -> AppResult<SessionUser> {
    let u = c.user()?;
    if !rules::may_propose(u) {
        return Err(AppError::refused("err.proposers_only"));
    }
    if !u.org_verified() {
        return Err(AppError::refused("err.needs_verification"));
    }
    Ok(u.clone())
}

fn new_page(c: &Ctx, ch: Challenge, f: ProposalInput, errors: FieldErrors) -> AppResult<HttpResponse> {
    let status = errors.status();
    render_status(&NewPage { c, ch, f, errors }, status)
}

pub async fn new_form(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    proposer(&c)?;
    let id = path.into_inner();
    let ch = db::run(&state.pool, move |conn| store::challenge(conn, id)).await?;
    if !ch.published {
        return Err(AppError::NotFound);
    }
    new_page(&c, ch, ProposalInput::default(), FieldErrors::new())
}

pub async fn submit(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ProposalInput>,
) -> AppResult<HttpResponse> {
    let user = proposer(&c)?;
    let id = path.into_inner();
    let f = form.into_inner().trimmed();
    let ch = db::run(&state.pool, move |conn| store::challenge(conn, id)).await?;
    let to = Target {
        open: ch.open(),
        closes_on: ch.closes_on.as_deref().unwrap_or(""),
        own: ch.org_id == user.org_id,
    };
    let price = match f.check(&to) {
        Ok(price) => price,
        Err(problems) => return new_page(&c, ch, f, c.errors(&problems)),
    };
    let base = state.config.base_url.clone();
    let pid = db::tx(&state.pool, move |conn| {
        store::submit(conn, &base, &user, id, &f, price)
    })
    .await?;
    Ok(redirect(&format!("/proposals/{pid}?notice=proposal_sent")))
}

async fn proposal_page(
    c: &Ctx,
    state: &AppState,
    id: ProposalId,
    question: String,
    reason: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let s = db::run(&state.pool, move |conn| store::shown(conn, &user, id)).await?;
    let status = errors.status();
    let page = ProposalPage {
        c,
        p: s.p,
        ch: s.ch,
        org_name: s.org_name,
        owner: s.viewer == Viewer::Owner,
        party: s.viewer != Viewer::Officer,
        questions: s.questions,
        deal: s.deal,
        question,
        reason,
        errors,
    };
    render_status(&page, status)
}

pub async fn show(c: Ctx, state: web::Data<AppState>, path: web::Path<ProposalId>) -> AppResult<HttpResponse> {
    proposal_page(
        &c,
        &state,
        path.into_inner(),
        String::new(),
        String::new(),
        FieldErrors::new(),
    )
    .await
}

/// The proposals to a challenge, for its organization and the officers of its region.
pub async fn list(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (ch, items) = db::run(&state.pool, move |conn| store::list(conn, &user, id)).await?;
    render(&ListPage { c: &c, ch, items })
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    pub body: String,
}

pub async fn ask(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let body = form.body.trim().to_string();
    let problems = rules::check_question(&body);
    if !problems.0.is_empty() {
        return proposal_page(&c, &state, id, body, String::new(), c.errors(&problems)).await;
    }
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| store::ask(conn, &base, &user, id, &body)).await?;
    Ok(redirect(&format!("/proposals/{id}#questions")))
}

/// The challenge's organization shortlists, selects (opening a deal) or does not select (with a
/// reason) a proposal.
pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ProposalId>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    let decision =
        Decision::parse(&form.decision).ok_or_else(|| AppError::bad_request(Msg::t("err.choose_decision")))?;
    if decision == Decision::Reject && reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("reason", c.t("err.reason_missing"));
        return proposal_page(&c, &state, id, String::new(), reason, errors).await;
    }
    let base = state.config.base_url.clone();
    let to = db::tx(&state.pool, move |conn| {
        store::decide(conn, &base, &user, id, decision, &reason)
    })
    .await?;
    Ok(redirect(&to))
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/demands/{id}/proposals", web::get().to(list))
        .route("/demands/{id}/proposals", web::post().to(submit))
        .route("/demands/{id}/proposals/new", web::get().to(new_form))
        .route("/proposals/{id}", web::get().to(show))
        .route("/proposals/{id}/questions", web::post().to(ask))
        .route("/proposals/{id}/decide", web::post().to(decide));
}

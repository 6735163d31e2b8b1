//! The organizations' handlers: extract, authorize, call the store, render or redirect.

use actix_multipart::form::{bytes::Bytes as UploadBytes, text::Text, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::files::{self, Kind};
use crate::forms::DecisionForm;
use crate::i18n::Msg;
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

use super::rules::{self, FlagInput, JoinInput, FLAGS};
use super::store::{self, Joined, Upload};
use super::views::{AcceptPage, MembersPage, QueuePage, ReviewPage, VerificationPage};

// ---------------------------------------------------------------- members and invitations

async fn members_page(c: &Ctx, state: &AppState, invite_email: String, errors: FieldErrors) -> AppResult<HttpResponse> {
    let org_id = c.user()?.org_id;
    let (members, pending) = db::run(&state.pool, move |conn| store::load_members(conn, org_id)).await?;
    let status = errors.status();
    let page = MembersPage {
        c,
        members,
        pending,
        invite_email,
        errors,
    };
    render_status(&page, status)
}

pub async fn members(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    members_page(&c, &state, String::new(), FieldErrors::new()).await
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct InviteForm {
    pub email: String,
}

pub async fn invite(c: Ctx, state: web::Data<AppState>, form: web::Form<InviteForm>) -> AppResult<HttpResponse> {
    let admin = c.admin()?.clone();
    if admin.org_kind.is_individual_broker() {
        return Err(AppError::refused("err.brokers_no_members"));
    }
    let typed = form.into_inner().email;
    let Some(email) = auth::normalize_email(&typed) else {
        let mut errors = FieldErrors::new();
        errors.add("email", c.tf("err.email_invalid", &[typed.trim()]));
        return members_page(&c, &state, typed, errors).await;
    };
    let (base, lang) = (state.config.base_url.clone(), c.lang);
    let invited = db::tx(&state.pool, move |conn| {
        store::invite(conn, &admin, &email, &base, lang)
    })
    .await?;
    match invited {
        Ok(()) => Ok(redirect("/org/members?notice=invited")),
        Err(problems) => members_page(&c, &state, typed, c.errors(&problems)).await,
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct AcceptForm {
    pub token: String,
    pub name: String,
    pub password: String,
    pub password2: String,
}

pub async fn accept_form(
    c: Ctx,
    state: web::Data<AppState>,
    q: web::Query<crate::accounts::TokenQuery>,
) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let found = db::run(&state.pool, move |conn| store::invitation(conn, &t2)).await?;
    let Some((row, org)) = found else {
        return render(&AcceptPage::invalid(&c, String::new()));
    };
    render(&AcceptPage {
        c: &c,
        token,
        org_name: org.name,
        email: row.email,
        name: String::new(),
        valid: true,
        errors: FieldErrors::new(),
    })
}

pub async fn accept(c: Ctx, state: web::Data<AppState>, form: web::Form<AcceptForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let name = f.name.trim().to_string();
    let input = JoinInput {
        name: &name,
        password: &f.password,
        password2: &f.password2,
    };
    let problems = input.check();
    let hash = if problems.0.is_empty() {
        auth::hash_password(&f.password)?
    } else {
        String::new()
    };
    let (token, lang) = (f.token.clone(), c.lang);
    let joined = db::tx(&state.pool, move |conn| {
        store::join(conn, &token, &name, &hash, lang, problems)
    })
    .await?;
    match joined {
        Joined::In(session) => {
            let mut resp = redirect("/account?notice=joined");
            let cookie = crate::web::make_cookie(
                crate::web::SESSION_COOKIE,
                session,
                state.config.cookie_secure,
                auth::SESSION_DAYS,
            );
            let _ = resp.add_cookie(&cookie);
            Ok(resp)
        }
        Joined::NoInvitation => render_status(&AcceptPage::invalid(&c, f.name), StatusCode::BAD_REQUEST),
        Joined::Refused(problems, org_name, email) => {
            let page = AcceptPage {
                c: &c,
                token: f.token,
                org_name,
                email,
                name: f.name,
                valid: true,
                errors: c.errors(&problems),
            };
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

// ---------------------------------------------------------------- verification (the organization's side)

async fn verification_page(
    c: &Ctx,
    state: &AppState,
    errors: FieldErrors,
    flag_form: FlagInput,
) -> AppResult<HttpResponse> {
    let org_id = c.user()?.org_id;
    let (org, flags) = db::run(&state.pool, move |conn| {
        Ok((store::load_org(conn, org_id)?, store::load_flags(conn, org_id)?))
    })
    .await?;
    let status = errors.status();
    let page = VerificationPage {
        c,
        org,
        flags,
        flag_kinds: FLAGS,
        errors,
        flag_form,
        max_mb: state.config.max_upload_bytes / (1024 * 1024),
    };
    render_status(&page, status)
}

pub async fn verification(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    verification_page(&c, &state, FieldErrors::new(), FlagInput::default()).await
}

/// An uploaded licence or certificate (PDF, PNG or JPEG within the upload limit), or the key of
/// what is wrong with it.
fn upload(part: &Option<UploadBytes>, max: usize) -> Result<Upload, &'static str> {
    let (data, name) = match part {
        Some(b) => (b.data.to_vec(), b.file_name.clone().unwrap_or_default()),
        None => (Vec::new(), String::new()),
    };
    let kind = files::check_upload(&data, max, &[Kind::Pdf, Kind::Png, Kind::Jpeg])?;
    Ok(Upload { name, kind, data })
}

/// The message of what is wrong with an upload, with the limit in megabytes.
fn upload_problem(c: &Ctx, key: &str, max: usize) -> String {
    c.tf(key, &[&(max / (1024 * 1024)).to_string()])
}

#[derive(MultipartForm)]
pub struct LicenceUpload {
    pub licence: Option<UploadBytes>,
}

pub async fn upload_licence(
    c: Ctx,
    state: web::Data<AppState>,
    form: MultipartForm<LicenceUpload>,
) -> AppResult<HttpResponse> {
    let user = c.admin()?.clone();
    let max = state.config.max_upload_bytes;
    let licence = match upload(&form.licence, max) {
        Ok(u) => u,
        Err(key) => {
            let mut errors = FieldErrors::new();
            errors.add("licence", upload_problem(&c, key, max));
            return verification_page(&c, &state, errors, FlagInput::default()).await;
        }
    };
    db::tx(&state.pool, move |conn| store::submit_licence(conn, &user, &licence)).await?;
    Ok(redirect("/org/verification?notice=licence_uploaded"))
}

#[derive(MultipartForm)]
pub struct FlagUpload {
    pub flag: Text<String>,
    pub certificate_no: Text<String>,
    pub valid_from: Text<String>,
    pub valid_to: Text<String>,
    pub certificate: Option<UploadBytes>,
}

pub async fn declare_flag(
    c: Ctx,
    state: web::Data<AppState>,
    form: MultipartForm<FlagUpload>,
) -> AppResult<HttpResponse> {
    let user = c.admin()?.clone();
    let form = form.into_inner();
    let input = FlagInput::new(
        form.flag.into_inner(),
        &form.certificate_no,
        &form.valid_from,
        &form.valid_to,
    );
    let mut errors = c.errors(&input.check());
    let max = state.config.max_upload_bytes;
    let certificate = upload(&form.certificate, max)
        .map_err(|key| errors.add("certificate", upload_problem(&c, key, max)))
        .ok();
    let Some(certificate) = certificate.filter(|_| errors.is_empty()) else {
        return verification_page(&c, &state, errors, input).await;
    };
    db::tx(&state.pool, move |conn| {
        store::declare_flag(conn, &user, &input, &certificate)
    })
    .await?;
    Ok(redirect("/org/verification?notice=flag_declared"))
}

// ---------------------------------------------------------------- verification (the officer's side)

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    pub status: String,
}

pub async fn queue(c: Ctx, state: web::Data<AppState>, q: web::Query<QueueQuery>) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let status = rules::queue_state(&q.status);
    let (orgs, flags_waiting) = db::run(&state.pool, move |conn| store::queue(conn, &officer, status)).await?;
    render(&QueuePage {
        c: &c,
        status,
        orgs,
        flags_waiting,
    })
}

async fn review_page(c: &Ctx, state: &AppState, id: i64, reason_error: String) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let (org, flags, members) = db::run(&state.pool, move |conn| store::review(conn, &officer, id)).await?;
    let status = if reason_error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ReviewPage {
        c,
        org,
        flags,
        members,
        reason_error,
    };
    render_status(&page, status)
}

pub async fn review(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    review_page(&c, &state, path.into_inner(), String::new()).await
}

/// The decision of an officer's form: approve (its word `yes`) or reject, and the reason.
fn decision(form: DecisionForm, yes: &str) -> AppResult<(bool, String)> {
    let approve =
        rules::approves(&form.decision, yes).ok_or_else(|| AppError::bad_request(Msg::t("err.choose_decision")))?;
    Ok((approve, form.reason.trim().to_string()))
}

pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let id = path.into_inner();
    let (approve, reason) = decision(form.into_inner(), "verify")?;
    if !approve && reason.is_empty() {
        return review_page(&c, &state, id, c.t("err.reason_required").to_string()).await;
    }
    db::tx(&state.pool, move |conn| {
        store::decide(conn, &officer, id, approve, &reason)
    })
    .await?;
    let notice = if approve { "org_verified" } else { "org_rejected" };
    Ok(redirect(&format!("/officer/organizations/{id}?notice={notice}")))
}

pub async fn decide_flag(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let flag_id = path.into_inner();
    let (approve, reason) = decision(form.into_inner(), "confirm")?;
    if !approve && reason.is_empty() {
        return Err(AppError::bad_request(Msg::t("err.reason_required")));
    }
    let org_id = db::tx(&state.pool, move |conn| {
        store::decide_flag(conn, &officer, flag_id, approve, &reason)
    })
    .await?;
    Ok(redirect(&format!(
        "/officer/organizations/{org_id}?notice=flag_checked"
    )))
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/org/members", web::get().to(members))
        .route("/org/invitations", web::post().to(invite))
        .route("/invitations/accept", web::get().to(accept_form))
        .route("/invitations/accept", web::post().to(accept))
        .route("/org/verification", web::get().to(verification))
        .route("/org/licence", web::post().to(upload_licence))
        .route("/org/flags", web::post().to(declare_flag))
        .route("/officer/organizations", web::get().to(queue))
        .route("/officer/organizations/{id}", web::get().to(review))
        .route("/officer/organizations/{id}/decision", web::post().to(decide))
        .route("/officer/flags/{id}/decision", web::post().to(decide_flag));
}

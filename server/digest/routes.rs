//! The digest's handlers: the settings page, saved searches, the turn-off link.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{redirect, render, Ctx, FieldErrors};

use super::rules::{off_token, SaveInput};
use super::store;
use super::views::{DigestPage, OffPage};

async fn show(c: &Ctx, state: &AppState, errors: FieldErrors) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let (enabled, pending, searches) = db::run(&state.pool, move |conn| store::page(conn, uid)).await?;
    render(&DigestPage {
        c,
        enabled,
        pending,
        interval_hours: (state.config.digest_interval_secs + 3599) / 3600,
        searches,
        errors,
    })
}

pub async fn page(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    show(&c, &state, FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct EnabledForm {
    #[serde(default)]
    pub enabled: String,
}

pub async fn set_enabled(c: Ctx, state: web::Data<AppState>, form: web::Form<EnabledForm>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let on = form.enabled == "1";
    db::run(&state.pool, move |conn| store::set_enabled(conn, uid, on)).await?;
    Ok(redirect(&format!(
        "/digest?notice={}",
        if on { "digest_on" } else { "digest_off" }
    )))
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub q: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

pub async fn save_search(c: Ctx, state: web::Data<AppState>, form: web::Form<SaveForm>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let f = form.into_inner();
    let saved = db::run(&state.pool, move |conn| store::saved_count(conn, uid)).await?;
    let input = SaveInput {
        name: f.name,
        q: f.q,
        rest: f.rest,
    };
    let s = match input.check(c.t("digest.unnamed"), saved) {
        Ok(s) => s,
        Err(problems) => return show(&c, &state, c.errors(&problems)).await,
    };
    let filters = serde_json::to_string(&s.filters).map_err(|e| AppError::Internal(e.to_string()))?;
    db::run(&state.pool, move |conn| {
        store::save(conn, uid, &s.name, &s.query, &filters)
    })
    .await?;
    Ok(redirect("/digest?notice=search_saved"))
}

pub async fn delete_search(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let id = path.into_inner();
    if db::run(&state.pool, move |conn| store::delete(conn, uid, id)).await? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(redirect("/digest?notice=search_deleted"))
}

#[derive(Deserialize)]
pub struct OffParams {
    #[serde(default)]
    pub u: String,
    #[serde(default)]
    pub t: String,
}

fn off_user(state: &AppState, p: &OffParams) -> AppResult<i64> {
    let uid: i64 = p.u.parse().map_err(|_| AppError::NotFound)?;
    let want = off_token(&state.secret, uid);
    if !crate::auth::constant_time_eq(want.as_bytes(), p.t.as_bytes()) {
        return Err(AppError::NotFound);
    }
    Ok(uid)
}

/// The page a digest's turn-off link opens: it asks before it turns digests off, so that a mail
/// scanner that follows links turns nothing off.
pub async fn off_page(c: Ctx, state: web::Data<AppState>, q: web::Query<OffParams>) -> AppResult<HttpResponse> {
    off_user(&state, &q)?;
    let p = q.into_inner();
    render(&OffPage {
        c: &c,
        u: p.u,
        t: p.t,
        done: false,
    })
}

pub async fn off(c: Ctx, state: web::Data<AppState>, form: web::Form<OffParams>) -> AppResult<HttpResponse> {
    let uid = off_user(&state, &form)?;
    db::run(&state.pool, move |conn| store::set_enabled(conn, uid, false)).await?;
    render(&OffPage {
        c: &c,
        u: String::new(),
        t: String::new(),
        done: true,
    })
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/digest", web::get().to(page))
        .route("/digest/settings", web::post().to(set_enabled))
        .route("/digest/off", web::get().to(off_page))
        .route("/digest/off", web::post().to(off))
        .route("/saved-searches", web::post().to(save_search))
        .route("/saved-searches/{id}/delete", web::post().to(delete_search));
}

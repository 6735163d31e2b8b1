//! The home page, health checks, language switch and the embedded static files.

use crate::vocabulary::OrgKind;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::schema::{organizations, users};
use crate::state::AppState;
use crate::web::{make_cookie, redirect, render, Ctx, LANG_COOKIE};

pub struct Counts {
    pub organizations: i64,
    pub verified: i64,
    pub brokers: i64,
    pub institutions: i64,
    pub enterprises: i64,
    pub users: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    c: &'a Ctx,
    n: Counts,
}

pub async fn home(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let n = db::run(&state.pool, |conn| {
        let count_kind = |conn: &mut db::DbConn, kinds: &[OrgKind]| -> AppResult<i64> {
            Ok(organizations::table
                .filter(organizations::kind.eq_any(kinds))
                .filter(organizations::verification.eq(crate::vocabulary::Verification::Verified))
                .count()
                .get_result(conn)?)
        };
        Ok(Counts {
            organizations: organizations::table
                .filter(organizations::kind.ne(OrgKind::Government))
                .count()
                .get_result(conn)?,
            verified: organizations::table
                .filter(organizations::kind.ne("government"))
                .filter(organizations::verification.eq(crate::vocabulary::Verification::Verified))
                .count()
                .get_result(conn)?,
            brokers: count_kind(conn, OrgKind::BROKERS)?,
            institutions: count_kind(conn, &[OrgKind::University, OrgKind::ResearchInstitute])?,
            enterprises: count_kind(conn, &[OrgKind::Enterprise])?,
            users: users::table.count().get_result(conn)?,
        })
    })
    .await?;
    render(&HomePage { c: &c, n })
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when the database answers. The header `X-Imports-Parsing` tells how many uploaded tables
/// are being parsed right now (off the request threads, at most a few at once).
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let parsing = ("X-Imports-Parsing", state.imports.parsing().to_string());
    let r = db::run(&state.pool, |conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1").map_err(AppError::from)
    })
    .await;
    match r {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain")
            .insert_header(parsing)
            .body("ready"),
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .insert_header(parsing)
            .body("database unavailable"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LangQuery {
    pub next: String,
}

/// Switches the language (kept in a cookie) and returns to the page the visitor was on.
pub async fn set_lang(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<LangQuery>,
) -> AppResult<HttpResponse> {
    let lang = crate::i18n::Lang::parse(&path.into_inner()).ok_or(AppError::NotFound)?;
    // Only local paths: never an open redirect.
    let next = crate::web::safe_next(&q.next);
    let mut resp = redirect(&next);
    let _ = resp.add_cookie(&make_cookie(
        LANG_COOKIE,
        lang.code().to_string(),
        state.config.cookie_secure,
        365,
    ));
    Ok(resp)
}

const STATIC_FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
    ("logo.svg", "image/svg+xml", include_bytes!("../static/logo.svg")),
];

pub async fn static_file(path: web::Path<String>) -> AppResult<HttpResponse> {
    let name = path.into_inner();
    let (_, mime, data) = STATIC_FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(*mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*data))
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/", web::get().to(home))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/lang/{lang}", web::get().to(set_lang))
        .route("/static/{name}", web::get().to(static_file));
}

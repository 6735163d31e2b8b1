//! The handlers of the shelf: extract, authorize, call the rules and the store, then render or
//! redirect. The form, page and browse handlers are generic over the kind ([`ListingKind`]) and
//! registered once for demands and once for achievements.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::rules::{decision, Filters, ListingAction, Refused};
use super::store::{self, Terms};
use super::views::{MinePage, QueuePage};
use super::{Achievement, Demand, Kind, ListingKind};
use crate::auth::SessionUser;
use crate::db::{self, today};
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::i18n::Msg;
use crate::state::AppState;
use crate::web::{redirect, render, Ctx, FieldErrors};

/// The answer to a refused step: its message, for the error page to translate.
fn refused(r: Refused) -> AppError {
    let msg = Msg::t(r.key());
    if r.forbids() {
        AppError::Forbidden(msg)
    } else {
        AppError::BadRequest(msg)
    }
}

/// The signed-in user, if their role may post this kind.
fn creator<K: ListingKind>(c: &Ctx) -> AppResult<SessionUser> {
    let u = c.user()?;
    if !K::may_create(u) {
        return Err(AppError::forbidden(c.t(K::ONLY_FOR)));
    }
    Ok(u.clone())
}

fn saved<K: ListingKind>(id: i64) -> HttpResponse {
    redirect(&format!("{}/{id}?notice=listing_saved", K::KIND.base()))
}

/// The published shelf of a kind, filtered, one page.
pub async fn browse<K: ListingKind>(
    c: Ctx,
    state: web::Data<AppState>,
    q: web::Query<Filters>,
) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let f2 = f.clone();
    let (cards, next) = db::run(&state.pool, move |conn| K::browse(conn, &f2)).await?;
    K::browse_page(&c, f, cards, next)
}

pub async fn new_form<K: ListingKind>(c: Ctx) -> AppResult<HttpResponse> {
    creator::<K>(&c)?;
    K::form_page(&c, None, K::blank(c.is_officer()), FieldErrors::new(), StatusCode::OK)
}

pub async fn create<K: ListingKind>(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = creator::<K>(&c)?;
    let input = K::input(&FormData(form.into_inner()));
    let v = match K::validate(&input, c.is_officer(), today()) {
        Ok(v) => v,
        Err(p) => return K::form_page(&c, None, input, c.errors(&p), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let id = db::tx(&state.pool, move |conn| store::create::<K>(conn, &user, &v)).await?;
    Ok(saved::<K>(id))
}

pub async fn edit_form<K: ListingKind>(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let l = db::run(&state.pool, move |conn| store::editable::<K>(conn, &user, id)).await?;
    let l = l.map_err(refused)?;
    K::form_page(&c, Some(id), l.input_of(), FieldErrors::new(), StatusCode::OK)
}

pub async fn update<K: ListingKind>(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let input = K::input(&FormData(form.into_inner()));
    let v = match K::validate(&input, c.is_officer(), today()) {
        Ok(v) => v,
        Err(p) => return K::form_page(&c, Some(id), input, c.errors(&p), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let done = db::tx(&state.pool, move |conn| store::update::<K>(conn, &user, id, &v)).await?;
    done.map_err(refused)?;
    Ok(saved::<K>(id))
}

pub async fn detail<K: ListingKind>(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let user = c.user.clone();
    let d = db::run(&state.pool, move |conn| store::detail::<K>(conn, user.as_ref(), id)).await?;
    K::detail_page(&c, d)
}

/// A signed-in user of another organization accepts the confidentiality terms of a listing.
pub async fn accept_terms(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (kind, id) = path.into_inner();
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let user = c.user()?.clone();
    let per_day = state.config.terms_per_day;
    let terms = db::tx(&state.pool, move |conn| {
        store::accept_terms(conn, &user, kind, id, per_day)
    })
    .await?;
    match terms {
        Terms::Accepted => Ok(redirect(&format!(
            "{}/{id}?notice=terms_accepted#confidential",
            kind.base()
        ))),
        Terms::OwnListing => Err(AppError::bad_request(c.t("err.own_listing"))),
        Terms::Refused(r) => Err(AppError::refused(r.key)),
        Terms::TooMany(retry_at) => Err(AppError::TooManyRequests(Msg::tf(
            "nda.too_many",
            [per_day.to_string(), crate::web::fmt_ts(retry_at)],
        ))),
    }
}

/// Owner actions on a listing: submit for review, withdraw, close.
pub async fn owner_action(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, i64, String)>,
) -> AppResult<HttpResponse> {
    let (kind, id, action) = path.into_inner();
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let user = c.user()?.clone();
    let action = ListingAction::parse(&action)
        .filter(|a| a.by_owner())
        .ok_or(AppError::NotFound)?;
    if action == ListingAction::Submit {
        c.verified_user()?;
    }
    let done = db::tx(&state.pool, move |conn| {
        store::owner_step(conn, &user, kind, id, action)
    })
    .await?;
    done.map_err(refused)?;
    Ok(redirect(&format!("{}/{id}?notice=listing_{action}", kind.base())))
}

pub async fn mine(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let rows = db::run(&state.pool, move |conn| store::my_rows(conn, user.org_id)).await?;
    render(&MinePage {
        c: &c,
        rows,
        can_demand: Demand::may_create(&user),
        can_achievement: Achievement::may_create(&user),
    })
}

/// The organization's own listings as CSV (UTF-8 with BOM, for Excel).
pub async fn mine_csv(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let rows = db::run(&state.pool, move |conn| store::my_rows(conn, user.org_id)).await?;
    let headers = [
        c.t("csv.kind"),
        c.t("csv.id"),
        c.t("csv.title"),
        c.t("csv.status"),
        c.t("csv.reason"),
        c.t("csv.updated"),
    ];
    use crate::tables::Cell::{Number, Text};
    let data: Vec<Vec<crate::tables::Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Text(c.t(&r.kind_key()).to_string()),
                Number(r.id.to_string()),
                Text(r.title.clone()),
                Text(c.t(&r.status_key()).to_string()),
                Text(r.status_reason.clone().unwrap_or_default()),
                Text(crate::web::fmt_ts(r.updated_at)),
            ]
        })
        .collect();
    let bytes = crate::tables::write_csv(&headers, &data);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"my-listings.csv\""))
        .body(bytes))
}

/// What waits for the officer's review in their region.
pub async fn queue(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let officer = c.officer()?;
    let pattern = crate::regions::like_pattern(officer.officer_region.as_deref().unwrap_or("-"));
    let items = db::run(&state.pool, move |conn| store::waiting(conn, &pattern)).await?;
    render(&QueuePage { c: &c, items })
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ReviewForm {
    pub action: String,
    pub reason: String,
    pub grade: String,
}

/// An officer publishes or returns what owners of their region submit (and sets a demand's
/// grade), or hides a listing of their region with a reason, or shows it again.
pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: web::Form<ReviewForm>,
) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let (kind, id) = path.into_inner();
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let f = form.into_inner();
    let d = decision(kind, &f.action, &f.reason, &f.grade).map_err(AppError::BadRequest)?;
    let action = d.action;
    let done = db::tx(&state.pool, move |conn| store::decide(conn, &officer, kind, id, &d)).await?;
    done.map_err(refused)?;
    Ok(redirect(&format!("{}/{id}?notice=listing_{action}", kind.base())))
}

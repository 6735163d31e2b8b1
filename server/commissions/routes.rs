//! The handlers of commissions: an owner asks a broker, the broker lists and decides them.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::rules::*;
use super::store;
use super::views::*;
use crate::auth::SessionUser;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::forms::DecisionForm;
use crate::state::AppState;
use crate::vocabulary::Kind;
use crate::web::{redirect, render_status, Ctx, FieldErrors};

/// The signed-in user, if a broker organization's member; brokers' pages are for them only.
pub(crate) fn broker_user(c: &Ctx) -> AppResult<SessionUser> {
    let u = c.user()?;
    if !is_broker(u) {
        return Err(AppError::refused("err.brokers_only"));
    }
    Ok(u.clone())
}

#[derive(Deserialize)]
pub struct CommissionForm {
    #[serde(default)]
    pub listing_kind: String,
    #[serde(default)]
    pub listing_id: String,
    #[serde(default)]
    pub broker: String,
}

/// The owner of a listing commissions a broker.
pub async fn create(c: Ctx, state: web::Data<AppState>, form: web::Form<CommissionForm>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let kind = Kind::parse(&form.listing_kind).ok_or(AppError::NotFound)?;
    let id: i64 = form.listing_id.trim().parse().map_err(|_| AppError::NotFound)?;
    let Ok(broker) = form.broker.trim().parse::<i64>() else {
        return Err(AppError::bad_request(c.t("err.choose_broker")));
    };
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        store::ask(conn, &base, &user, (kind, id), broker)
    })
    .await?;
    Ok(redirect(&format!("{}/{id}?notice=commission_sent", kind.base())))
}

async fn list_page(c: &Ctx, state: &AppState, errors: FieldErrors) -> AppResult<HttpResponse> {
    let user = broker_user(c)?;
    let items = db::run(&state.pool, move |conn| Ok(store::of_broker(conn, user.org_id)?)).await?;
    let status = errors.status();
    render_status(&ListPage { c, items, errors }, status)
}

/// The commissions a broker was asked for.
pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    list_page(&c, &state, FieldErrors::new()).await
}

/// The broker accepts or declines a commission (a decline with its reason).
pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    let decision = match check_decision(&form.decision, &reason) {
        Ok(d) => d,
        Err(None) => return Err(AppError::bad_request(c.t("err.choose_decision"))),
        Err(Some(m)) => {
            let mut errors = FieldErrors::new();
            errors.add(&format!("reason-{id}"), c.say(&m));
            return list_page(&c, &state, errors).await;
        }
    };
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        store::decide(conn, &base, &user, id, (decision, &reason))
    })
    .await?;
    Ok(redirect("/broker/commissions?notice=commission_decided"))
}

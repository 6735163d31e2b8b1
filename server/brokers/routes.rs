//! The handlers of brokers: the list and profiles, the broker's own profile, the pipeline.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::rules::*;
use super::store;
use super::views::*;
use crate::commissions::broker_user;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;
use crate::vocabulary::split_list;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let en = c.is_en();
    let brokers = db::run(&state.pool, move |conn| Ok(store::all(conn, en)?)).await?;
    render(&ListPage { c: &c, brokers })
}

pub async fn profile(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let (id, en) = (path.into_inner(), c.is_en());
    let b = db::run(&state.pool, move |conn| Ok(store::one(conn, en, id)?)).await?;
    render(&ProfilePage { c: &c, b })
}

pub async fn edit_form(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let (profile, agency) = db::run(&state.pool, move |conn| {
        Ok((store::profile_of(conn, user.org_id)?, store::agency_panel(conn, &user)?))
    })
    .await?;
    let (fields, regions, intro) = profile.unwrap_or_default();
    render(&EditPage {
        c: &c,
        fields: field_choices(c.is_en(), &split_list(&fields)),
        regions: split_list(&regions).join(", "),
        intro,
        errors: FieldErrors::new(),
        agency,
    })
}

pub async fn save_profile(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let form = FormData(form.into_inner());
    let (chosen, regions_text, intro) = (form.all("fields"), form.get("regions"), form.get("intro"));
    let (fields, regions) = match check_profile(&chosen, &regions_text, &intro) {
        Ok(ok) => ok,
        Err(p) => {
            let u = user.clone();
            let agency = db::run(&state.pool, move |conn| Ok(store::agency_panel(conn, &u)?)).await?;
            let page = EditPage {
                c: &c,
                fields: field_choices(c.is_en(), &chosen),
                regions: regions_text,
                intro,
                errors: c.errors(&p),
                agency,
            };
            return render_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let (f, r) = (fields.join(","), regions.join(","));
    db::tx(&state.pool, move |conn| {
        Ok(store::save_profile(conn, user.org_id, (&f, &r, &intro))?)
    })
    .await?;
    Ok(redirect(&format!("/brokers/{}?notice=profile_saved", user.org_id)))
}

/// The broker's deals by stage, each with whom it waits on and for how many days.
pub async fn pipeline(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let columns = db::run(&state.pool, move |conn| store::pipeline(conn, &user)).await?;
    render(&PipelinePage { c: &c, columns })
}

#[derive(serde::Deserialize)]
pub struct AgencyForm {
    #[serde(default)]
    pub agency: String,
}

/// An individual broker asks a transfer platform or institution to take it in.
pub async fn request_agency(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<AgencyForm>,
) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let Ok(agency) = form.agency.trim().parse::<i64>() else {
        return Err(AppError::bad_request(c.t("err.agency_choose")));
    };
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        store::request_agency(conn, &base, &user, agency)
    })
    .await?;
    Ok(redirect("/broker/profile?notice=agency_requested#agency"))
}

/// The broker leaves its agency, or takes back its request.
pub async fn leave_agency(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    db::tx(&state.pool, move |conn| Ok(store::leave_agency(conn, user.org_id)?)).await?;
    Ok(redirect("/broker/profile?notice=agency_left#agency"))
}

#[derive(serde::Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub decision: String,
}

/// The agency's administrator takes in a broker, turns it away, or lets a member go.
pub async fn decide_member(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let broker = path.into_inner();
    let d = MemberDecision::parse(&form.decision).ok_or_else(|| AppError::bad_request(c.t("err.choose_decision")))?;
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        store::decide_member(conn, &base, &user, broker, d)
    })
    .await?;
    Ok(redirect("/broker/profile?notice=agency_decided#agency"))
}

//! The handlers of brokers: the list and profiles, the broker's own profile, the pipeline.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::rules::*;
use super::store;
use super::views::*;
use crate::commissions::broker_user;
use crate::db;
use crate::error::AppResult;
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
    let profile = db::run(&state.pool, move |conn| Ok(store::profile_of(conn, user.org_id)?)).await?;
    let (fields, regions, intro) = profile.unwrap_or_default();
    render(&EditPage {
        c: &c,
        fields: field_choices(c.is_en(), &split_list(&fields)),
        regions: split_list(&regions).join(", "),
        intro,
        errors: FieldErrors::new(),
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
            let page = EditPage {
                c: &c,
                fields: field_choices(c.is_en(), &chosen),
                regions: regions_text,
                intro,
                errors: c.errors(&p),
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

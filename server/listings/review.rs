//! Officers keep the shelf clean: they publish or return what owners of their region submit (and set a
//! demand's grade), and hide any listing of their region with a reason.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::{load_head, record_event, transition, Kind};
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult};
use crate::schema::{achievements, demands, organizations};
use crate::state::AppState;
use crate::web::{redirect, render, Ctx};
use crate::{audit, mail};

#[derive(Debug, Clone)]
pub struct Waiting {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub org_name: String,
    pub region_code: String,
    pub submitted_at: i64,
    pub is_challenge: bool,
}

impl Waiting {
    pub fn href(&self) -> String {
        format!("{}/{}", self.kind.base(), self.id)
    }
    pub fn kind_key(&self) -> String {
        format!("listing.{}", self.kind.as_str())
    }
    pub fn region_name(&self) -> String {
        crate::regions::full_name(&self.region_code).unwrap_or_else(|| self.region_code.clone())
    }
}

fn waiting(conn: &mut DbConn, pattern: &str) -> AppResult<Vec<Waiting>> {
    let d: Vec<(i64, String, String, String, Option<i64>, bool)> = demands::table
        .inner_join(organizations::table)
        .filter(demands::status.eq("submitted"))
        .filter(demands::region_code.like(pattern))
        .order(demands::submitted_at)
        .limit(500)
        .select((
            demands::id,
            demands::title,
            organizations::name,
            demands::region_code,
            demands::submitted_at,
            demands::is_challenge,
        ))
        .load(conn)?;
    let a: Vec<(i64, String, String, String, Option<i64>)> = achievements::table
        .inner_join(organizations::table)
        .filter(achievements::status.eq("submitted"))
        .filter(achievements::region_code.like(pattern))
        .order(achievements::submitted_at)
        .limit(500)
        .select((
            achievements::id,
            achievements::title,
            organizations::name,
            achievements::region_code,
            achievements::submitted_at,
        ))
        .load(conn)?;
    let mut out: Vec<Waiting> = d
        .into_iter()
        .map(|(id, title, org_name, region_code, s, is_challenge)| Waiting {
            kind: Kind::Demand,
            id,
            title,
            org_name,
            region_code,
            submitted_at: s.unwrap_or(0),
            is_challenge,
        })
        .chain(a.into_iter().map(|(id, title, org_name, region_code, s)| Waiting {
            kind: Kind::Achievement,
            id,
            title,
            org_name,
            region_code,
            submitted_at: s.unwrap_or(0),
            is_challenge: false,
        }))
        .collect();
    out.sort_by_key(|w| w.submitted_at);
    Ok(out)
}

#[derive(Template)]
#[template(path = "officer/listings.html")]
struct QueuePage<'a> {
    c: &'a Ctx,
    items: Vec<Waiting>,
}

pub async fn queue(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let officer = c.officer()?;
    let pattern = crate::regions::like_pattern(officer.officer_region.as_deref().unwrap_or("-"));
    let items = db::run(&state.pool, move |conn| waiting(conn, &pattern)).await?;
    render(&QueuePage { c: &c, items })
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ReviewForm {
    pub action: String,
    pub reason: String,
    pub grade: String,
}

/// Tells the listing's author (in the author's language) what the officer decided.
fn notify_author(
    conn: &mut DbConn,
    kind: Kind,
    id: i64,
    author: i64,
    title: &str,
    action: &str,
    reason: &str,
) -> AppResult<()> {
    let link = format!("{}/{id}", kind.base());
    mail::enqueue_for_user(conn, author, &format!("mail.listing_{action}"), &[title, reason], &link)
}

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
    let reason = f.reason.trim().to_string();
    let (from, to): (&'static [&'static str], &'static str) = match f.action.as_str() {
        "publish" => (&["submitted"], "published"),
        "return" => (&["submitted"], "returned"),
        "hide" => (&["submitted", "published"], "hidden"),
        "unhide" => (&["hidden"], "published"),
        _ => return Err(AppError::bad_request(c.t("err.choose_decision"))),
    };
    if matches!(f.action.as_str(), "return" | "hide") && reason.is_empty() {
        return Err(AppError::bad_request(c.t("err.reason_required")));
    }
    if reason.chars().count() > 1000 {
        return Err(AppError::bad_request(
            c.tf("err.too_long", &[c.t("review.reason"), "1000"]),
        ));
    }
    let grade = match (kind, f.action.as_str(), f.grade.as_str()) {
        (Kind::Demand, "publish", g @ ("key" | "general")) => Some(g.to_string()),
        (Kind::Demand, "publish", _) => return Err(AppError::bad_request(c.t("err.choose_grade"))),
        _ => None,
    };
    let not_region = c.t("err.not_your_region").to_string();
    let stale = c.t("err.state_changed").to_string();
    let action = f.action.clone();
    db::tx(&state.pool, move |conn| {
        let head = load_head(conn, kind, id)?;
        if !officer.oversees(&head.region_code) {
            return Err(AppError::Forbidden(not_region.into()));
        }
        let why = (!reason.is_empty()).then_some(reason.as_str());
        if !transition(conn, kind, id, from, to, why)? {
            return Err(AppError::BadRequest(stale.into()));
        }
        if let Some(g) = &grade {
            diesel::update(demands::table.find(id))
                .set(demands::grade.eq(Some(g)))
                .execute(conn)?;
        }
        record_event(conn, kind, id, officer.id, &action, why)?;
        audit::record(
            conn,
            &officer,
            &format!("listing_{action}"),
            kind.as_str(),
            id,
            Some(&head.region_code),
            &match why {
                Some(r) => format!("{}: {r}", head.title),
                None => head.title.clone(),
            },
        )?;
        if action != "unhide" {
            notify_author(conn, kind, id, head.created_by, &head.title, &action, &reason)?;
        }
        Ok(())
    })
    .await?;
    Ok(redirect(&format!("{}/{id}?notice=listing_{}", kind.base(), f.action)))
}

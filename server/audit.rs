//! The audit log of officer actions: append-only (the database refuses UPDATE and DELETE on it),
//! readable by officers for their region.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::auth::SessionUser;
use crate::db::{self, now, DbConn};
use crate::error::AppResult;
use crate::schema::audit_log;
use crate::state::AppState;
use crate::web::{render, Ctx};

pub fn record(
    conn: &mut DbConn,
    actor: &SessionUser,
    action: &str,
    target_kind: &str,
    target_id: i64,
    region: Option<&str>,
    detail: &str,
) -> AppResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_user_id.eq(actor.id),
            audit_log::actor_name.eq(&actor.name),
            audit_log::action.eq(action),
            audit_log::target_kind.eq(target_kind),
            audit_log::target_id.eq(target_id),
            audit_log::region_code.eq(region),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Queryable, Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub actor_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: i64,
    pub region_code: Option<String>,
    pub detail: String,
    pub created_at: i64,
}

impl Entry {
    pub fn action_key(&self) -> String {
        format!("audit.{}", self.action)
    }
}

#[derive(Template)]
#[template(path = "officer/audit.html")]
struct AuditPage<'a> {
    c: &'a Ctx,
    entries: Vec<Entry>,
}

pub async fn page(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let pattern = crate::regions::like_pattern(c.officer()?.officer_region.as_deref().unwrap_or("-"));
    let entries = db::run(&state.pool, move |conn| {
        Ok(audit_log::table
            .filter(audit_log::region_code.like(pattern))
            .order(audit_log::id.desc())
            .limit(200)
            .select((
                audit_log::id,
                audit_log::actor_name,
                audit_log::action,
                audit_log::target_kind,
                audit_log::target_id,
                audit_log::region_code,
                audit_log::detail,
                audit_log::created_at,
            ))
            .load::<Entry>(conn)?)
    })
    .await?;
    render(&AuditPage { c: &c, entries })
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/officer/audit", web::get().to(page));
}

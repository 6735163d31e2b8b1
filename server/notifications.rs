//! In-app notifications: every mail a user is sent is listed here too.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::db::{self, now};
use crate::error::AppResult;
use crate::schema::notifications;
use crate::state::AppState;
use crate::web::{redirect, render, Ctx};

#[derive(Queryable, Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage<'a> {
    c: &'a Ctx,
    items: Vec<Notification>,
}

pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let items = db::run(&state.pool, move |conn| {
        Ok(notifications::table
            .filter(notifications::user_id.eq(uid))
            .order(notifications::id.desc())
            .limit(100)
            .select((
                notifications::id,
                notifications::subject,
                notifications::body,
                notifications::link,
                notifications::created_at,
                notifications::read_at,
            ))
            .load::<Notification>(conn)?)
    })
    .await?;
    render(&NotificationsPage { c: &c, items })
}

pub async fn mark_all_read(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    db::run(&state.pool, move |conn| {
        diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(uid))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(now()))
        .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(redirect("/notifications"))
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/notifications", web::get().to(list))
        .route("/notifications/read", web::post().to(mark_all_read));
}

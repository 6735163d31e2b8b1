//! `/search`: one box over needs and achievements, with facets and their counts, highlighted
//! matches and paging. When the engine fails the page answers from a plain database query and says so.

use actix_web::{web, HttpResponse};

use crate::db;
use crate::error::AppResult;
use crate::index::Query;
use crate::state::AppState;
use crate::web::{render, Ctx};

use super::rules::{Params, PER_PAGE};
use super::views::{facets, SearchPage};
use super::{outbox, store};

pub async fn search(c: Ctx, state: web::Data<AppState>, q: web::Query<Params>) -> AppResult<HttpResponse> {
    let p = q.into_inner();
    let page = p.page_no();
    let offset = (page - 1) * PER_PAGE;
    let query = Query {
        text: p.q.chars().take(200).collect(),
        filters: p.filters(),
        offset,
        limit: PER_PAGE,
        candidates: false,
    };
    let engine = state.search.clone();
    let engine_name = engine.name();
    let answer = web::block(move || engine.search(&query)).await;
    let failure = match answer {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let (r, degraded) = match failure {
        Ok(r) => (r, false),
        Err(e) => {
            log::warn!("search: {e}; answering from the database");
            let p2 = p.clone();
            (
                db::run(&state.pool, move |conn| store::database_search(conn, &p2, offset)).await?,
                true,
            )
        }
    };
    let (backlog, age) = db::run(&state.pool, outbox::backlog).await?;
    let facets = facets(&c, &p, &r);
    let pages = r.total.div_ceil(PER_PAGE).clamp(1, 500);
    render(&SearchPage {
        c: &c,
        p,
        facets,
        degraded,
        lagging: backlog > 0 && age > 30,
        page,
        pages,
        r,
        engine: engine_name,
    })
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::get().to(search));
}

//! The digest: owners hear of new matches of their listings, and users of new listings that fit
//! their saved searches, in one mail per digest interval (daily by default), never one mail per
//! item. Items are written where they arise (the matcher, the search worker); a background worker
//! sends each user's pending items through the mail outbox once the interval since the user's
//! last digest has passed. Every digest carries a link that turns digests off.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::{self, now, DbConn, Pool};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::schema::{achievements, demands, digest_items, saved_searches, users};
use crate::search::Doc;
use crate::state::AppState;
use crate::vocabulary::{Kind, ListingStatus};
use crate::web::{redirect, render, Ctx, FieldErrors};

/// What the digest worker needs.
#[derive(Clone)]
pub struct Settings {
    pub base_url: String,
    pub interval_secs: i64,
    pub secret: Vec<u8>,
}

/// The token of a user's turn-off link.
pub fn off_token(secret: &[u8], user_id: i64) -> String {
    crate::auth::csrf_token(secret, &format!("digest-off:{user_id}"))
}

fn enabled_and_verified(conn: &mut DbConn, user_id: i64) -> QueryResult<bool> {
    let row: Option<(bool, Option<i64>)> = users::table
        .find(user_id)
        .select((users::digest_enabled, users::email_verified_at))
        .first(conn)
        .optional()?;
    Ok(matches!(row, Some((true, Some(_)))))
}

#[allow(clippy::too_many_arguments)]
fn add_item(
    conn: &mut DbConn,
    user_id: i64,
    kind: &str,
    key: &str,
    listing: (&str, i64),
    own: Option<(&str, i64)>,
    saved_search: Option<i64>,
    score: Option<i32>,
) -> QueryResult<()> {
    let exists: i64 = digest_items::table
        .filter(digest_items::user_id.eq(user_id))
        .filter(digest_items::dedupe_key.eq(key))
        .count()
        .get_result(conn)?;
    if exists > 0 || !enabled_and_verified(conn, user_id)? {
        return Ok(());
    }
    diesel::insert_into(digest_items::table)
        .values((
            digest_items::user_id.eq(user_id),
            digest_items::kind.eq(kind),
            digest_items::dedupe_key.eq(key),
            digest_items::listing_kind.eq(listing.0),
            digest_items::listing_id.eq(listing.1),
            digest_items::own_kind.eq(own.map(|o| o.0)),
            digest_items::own_id.eq(own.map(|o| o.1)),
            digest_items::saved_search_id.eq(saved_search),
            digest_items::score.eq(score),
            digest_items::created_at.eq(now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A pair scored at or above the notify score: each owner hears of the other side once.
pub fn add_match(conn: &mut DbConn, demand_id: i64, achievement_id: i64, score: i32) -> QueryResult<()> {
    let d_owner: i64 = demands::table.find(demand_id).select(demands::created_by).first(conn)?;
    let a_owner: i64 = achievements::table
        .find(achievement_id)
        .select(achievements::created_by)
        .first(conn)?;
    if d_owner == a_owner {
        return Ok(());
    }
    let key = format!("match:{demand_id}:{achievement_id}");
    add_item(
        conn,
        d_owner,
        "match",
        &key,
        ("achievement", achievement_id),
        Some(("demand", demand_id)),
        None,
        Some(score),
    )?;
    add_item(
        conn,
        a_owner,
        "match",
        &key,
        ("demand", demand_id),
        Some(("achievement", achievement_id)),
        None,
        Some(score),
    )
}

/// Newly indexed listings that fit saved searches made before they were published.
pub fn add_saved_search_hits(conn: &mut DbConn, docs: &[Doc]) -> QueryResult<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let searches: Vec<(i64, i64, String, String, i64)> = saved_searches::table
        .select((
            saved_searches::id,
            saved_searches::user_id,
            saved_searches::query,
            saved_searches::filters,
            saved_searches::created_at,
        ))
        .load(conn)?;
    for (sid, uid, text, filters, created) in searches {
        let filters: BTreeMap<String, String> = serde_json::from_str(&filters).unwrap_or_default();
        for doc in docs
            .iter()
            .filter(|d| d.published_at >= created && crate::index::fits(d, &text, &filters))
        {
            let key = format!("saved:{sid}:{}", doc.id);
            add_item(
                conn,
                uid,
                "saved_search",
                &key,
                (&doc.kind, doc.listing_id),
                None,
                Some(sid),
                None,
            )?;
        }
    }
    Ok(())
}

type ItemRow = (
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i32>,
);

/// The titles of the published listings among the items (theirs and the user's own), and the
/// names of the saved searches: three queries for the whole digest, not three an item.
struct Names {
    demands: HashMap<i64, String>,
    achievements: HashMap<i64, String>,
    searches: HashMap<i64, String>,
}

impl Names {
    fn load(conn: &mut DbConn, items: &[ItemRow]) -> QueryResult<Names> {
        let listed = items
            .iter()
            .flat_map(|i| [Some((i.2.as_str(), i.3)), i.4.as_deref().zip(i.5)])
            .flatten();
        let (d, a): (Vec<_>, Vec<_>) = listed.partition(|(k, _)| *k == "demand");
        let ids = |v: Vec<(&str, i64)>| v.into_iter().map(|(_, id)| id).collect::<Vec<i64>>();
        let sids: Vec<i64> = items.iter().filter_map(|i| i.6).collect();
        Ok(Names {
            demands: db::chunked(&ids(d), |c| {
                demands::table
                    .filter(demands::id.eq_any(c))
                    .filter(demands::status.eq(ListingStatus::Published))
                    .select((demands::id, demands::title))
                    .load::<(i64, String)>(conn)
            })?
            .into_iter()
            .collect(),
            achievements: db::chunked(&ids(a), |c| {
                achievements::table
                    .filter(achievements::id.eq_any(c))
                    .filter(achievements::status.eq(ListingStatus::Published))
                    .select((achievements::id, achievements::title))
                    .load::<(i64, String)>(conn)
            })?
            .into_iter()
            .collect(),
            searches: db::chunked(&sids, |c| {
                saved_searches::table
                    .filter(saved_searches::id.eq_any(c))
                    .select((saved_searches::id, saved_searches::name))
                    .load::<(i64, String)>(conn)
            })?
            .into_iter()
            .collect(),
        })
    }

    /// A published listing's title; none when it was withdrawn since.
    fn title(&self, kind: &str, id: i64) -> Option<String> {
        let titles = if kind == "demand" {
            &self.demands
        } else {
            &self.achievements
        };
        titles.get(&id).cloned()
    }
}

/// Sends the digest of one user when it is due; returns whether a mail was written.
fn send_one(conn: &mut DbConn, s: &Settings, user_id: i64) -> QueryResult<bool> {
    db::write_tx(conn, |conn| {
        let t = now();
        // Taking the user's digest slot is what makes two workers send one digest, not two.
        let cutoff = t - s.interval_secs;
        let taken = diesel::update(
            users::table
                .find(user_id)
                .filter(users::digest_enabled.eq(true))
                .filter(users::last_digest_at.is_null().or(users::last_digest_at.le(cutoff))),
        )
        .set(users::last_digest_at.eq(Some(t)))
        .execute(conn)?;
        if taken == 0 {
            return Ok(false);
        }
        let items: Vec<ItemRow> = digest_items::table
            .filter(digest_items::user_id.eq(user_id))
            .filter(digest_items::sent_at.is_null())
            .order((digest_items::score.desc(), digest_items::id))
            .select((
                digest_items::id,
                digest_items::kind,
                digest_items::listing_kind,
                digest_items::listing_id,
                digest_items::own_kind,
                digest_items::own_id,
                digest_items::saved_search_id,
                digest_items::score,
            ))
            .load(conn)?;
        let ids: Vec<i64> = items.iter().map(|i| i.0).collect();
        diesel::update(digest_items::table.filter(digest_items::id.eq_any(&ids)))
            .set(digest_items::sent_at.eq(Some(t)))
            .execute(conn)?;
        let (email, lang): (String, Option<String>) = users::table
            .find(user_id)
            .select((users::email, users::lang))
            .first(conn)?;
        let lang = lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Zh);
        let names = Names::load(conn, &items)?;
        let mut matches = Vec::new();
        let mut saved = Vec::new();
        for (_, kind, lk, lid, own_kind, own_id, sid, score) in &items {
            // A listing withdrawn since is left out.
            let Some(title) = names.title(lk, *lid) else {
                continue;
            };
            let base = Kind::parse(lk).unwrap_or(Kind::Achievement).base();
            let url = format!("{}{base}/{lid}", s.base_url);
            if kind == "match" {
                let own = match (own_kind, own_id) {
                    (Some(k), Some(i)) => names.title(k, *i).unwrap_or_default(),
                    _ => String::new(),
                };
                let pct = score.map(|s| (s / 10).to_string()).unwrap_or_default();
                matches.push(i18n::tf(lang, "digest.match_line", &[&own, &title, &pct, &url]));
            } else {
                let name = sid.and_then(|i| names.searches.get(&i).cloned()).unwrap_or_default();
                saved.push(i18n::tf(lang, "digest.saved_line", &[&name, &title, &url]));
            }
        }
        if matches.is_empty() && saved.is_empty() {
            // Nothing left to tell: the slot is given back.
            diesel::update(users::table.find(user_id))
                .set(users::last_digest_at.eq(None::<i64>))
                .execute(conn)?;
            return Ok(false);
        }
        let mut body = String::from(i18n::t(lang, "digest.intro"));
        body.push_str("\n\n");
        let more_link = format!("{}/my/listings", s.base_url);
        for (lines, head) in [(&matches, "digest.matches_head"), (&saved, "digest.saved_head")] {
            if lines.is_empty() {
                continue;
            }
            body.push_str(&i18n::tf(lang, head, &[&lines.len().to_string()]));
            body.push('\n');
            for l in lines.iter().take(MAX_LINES) {
                body.push_str(l);
                body.push('\n');
            }
            if lines.len() > MAX_LINES {
                let more = (lines.len() - MAX_LINES).to_string();
                body.push_str(&i18n::tf(lang, "digest.more", &[&more, &more_link]));
                body.push('\n');
            }
            body.push('\n');
        }
        let off = format!(
            "{}/digest/off?u={user_id}&t={}",
            s.base_url,
            off_token(&s.secret, user_id)
        );
        body.push_str(&i18n::tf(lang, "digest.off_line", &[&off]));
        let subject = i18n::tf(
            lang,
            "digest.subject",
            &[&matches.len().to_string(), &saved.len().to_string()],
        );
        crate::mail::enqueue(conn, Some(user_id), &email, &subject, &body, Some("/digest"))
            .map_err(|_| diesel::result::Error::RollbackTransaction)?;
        Ok(true)
    })
}

/// How long a first item waits for others to join it in the same digest: a minute, or the
/// digest interval when that is shorter.
pub fn gather_secs(s: &Settings) -> i64 {
    s.interval_secs.min(60)
}

/// At most this many lines of each kind in one digest; the rest are counted.
pub const MAX_LINES: usize = 20;

/// Sends every digest that is due; returns how many mails were written.
pub fn send_due(pool: &Pool, s: &Settings) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let t = now();
    let cutoff = t - s.interval_secs;
    let due: Vec<i64> = digest_items::table
        .inner_join(users::table)
        .filter(digest_items::sent_at.is_null())
        .filter(digest_items::created_at.le(t - gather_secs(s)))
        .filter(users::digest_enabled.eq(true))
        .filter(users::last_digest_at.is_null().or(users::last_digest_at.le(cutoff)))
        .select(users::id)
        .distinct()
        .limit(200)
        .load(&mut *conn)
        .map_err(|e| e.to_string())?;
    let mut sent = 0;
    for uid in due {
        if send_one(&mut conn, s, uid).map_err(|e| e.to_string())? {
            sent += 1;
        }
    }
    Ok(sent)
}

pub fn spawn_worker(pool: Pool, settings: Settings, interval: Duration, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new().name("digest".into()).spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if let Err(e) = send_due(&pool, &settings) {
                log::warn!("digest: {e}");
            }
            std::thread::sleep(interval);
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start the digest worker: {e}");
    }
}

// ---- pages -------------------------------------------------------------------------------------

#[derive(Queryable, Debug, Clone)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub filters: String,
    pub created_at: i64,
}

impl SavedSearch {
    /// The search page showing this search's results.
    pub fn href(&self) -> String {
        let filters: BTreeMap<String, String> = serde_json::from_str(&self.filters).unwrap_or_default();
        let mut pairs = vec![("q".to_string(), self.query.clone())];
        pairs.extend(filters);
        format!("/search?{}", crate::search::page::encode(&pairs))
    }
}

#[derive(Template)]
#[template(path = "digest.html")]
struct DigestPage<'a> {
    c: &'a Ctx,
    enabled: bool,
    pending: i64,
    interval_hours: i64,
    searches: Vec<SavedSearch>,
    errors: FieldErrors,
}

fn load_page(conn: &mut DbConn, uid: i64) -> AppResult<(bool, i64, Vec<SavedSearch>)> {
    let enabled: bool = users::table.find(uid).select(users::digest_enabled).first(conn)?;
    let pending: i64 = digest_items::table
        .filter(digest_items::user_id.eq(uid))
        .filter(digest_items::sent_at.is_null())
        .count()
        .get_result(conn)?;
    let searches = saved_searches::table
        .filter(saved_searches::user_id.eq(uid))
        .order(saved_searches::id.desc())
        .select((
            saved_searches::id,
            saved_searches::name,
            saved_searches::query,
            saved_searches::filters,
            saved_searches::created_at,
        ))
        .load(conn)?;
    Ok((enabled, pending, searches))
}

async fn show(c: &Ctx, state: &AppState, errors: FieldErrors) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let (enabled, pending, searches) = db::run(&state.pool, move |conn| load_page(conn, uid)).await?;
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
    db::run(&state.pool, move |conn| {
        diesel::update(users::table.find(uid))
            .set(users::digest_enabled.eq(on))
            .execute(conn)?;
        Ok(())
    })
    .await?;
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

/// Saved searches per user, at most.
pub const MAX_SAVED: i64 = 50;

pub async fn save_search(c: Ctx, state: web::Data<AppState>, form: web::Form<SaveForm>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let f = form.into_inner();
    let q: String = f.q.trim().chars().take(200).collect();
    let filters: BTreeMap<String, String> = f
        .rest
        .into_iter()
        .filter(|(k, v)| crate::index::FACETS.contains(&k.as_str()) && !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().chars().take(40).collect()))
        .collect();
    // Unnamed searches are named by their text.
    let mut name: String = f.name.trim().chars().take(60).collect();
    if name.is_empty() {
        name = if q.is_empty() {
            c.t("digest.unnamed").to_string()
        } else {
            q.chars().take(60).collect()
        };
    }
    let mut errors = FieldErrors::new();
    if q.is_empty() && filters.is_empty() {
        errors.add("name", c.t("err.saved_search_empty"));
    }
    let count: i64 = db::run(&state.pool, move |conn| {
        Ok(saved_searches::table
            .filter(saved_searches::user_id.eq(uid))
            .count()
            .get_result(conn)?)
    })
    .await?;
    if count >= MAX_SAVED {
        errors.add("name", c.tf("err.saved_search_limit", &[&MAX_SAVED.to_string()]));
    }
    if errors.any() {
        return show(&c, &state, errors).await;
    }
    let filters = serde_json::to_string(&filters).map_err(|e| AppError::Internal(e.to_string()))?;
    db::run(&state.pool, move |conn| {
        diesel::insert_into(saved_searches::table)
            .values((
                saved_searches::user_id.eq(uid),
                saved_searches::name.eq(&name),
                saved_searches::query.eq(&q),
                saved_searches::filters.eq(&filters),
                saved_searches::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(redirect("/digest?notice=search_saved"))
}

pub async fn delete_search(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let id = path.into_inner();
    let n = db::run(&state.pool, move |conn| {
        Ok(diesel::delete(
            saved_searches::table
                .filter(saved_searches::id.eq(id))
                .filter(saved_searches::user_id.eq(uid)),
        )
        .execute(conn)?)
    })
    .await?;
    if n == 0 {
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

#[derive(Template)]
#[template(path = "digest_off.html")]
struct OffPage<'a> {
    c: &'a Ctx,
    u: String,
    t: String,
    done: bool,
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
    db::run(&state.pool, move |conn| {
        diesel::update(users::table.find(uid))
            .set(users::digest_enabled.eq(false))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    render(&OffPage {
        c: &c,
        u: String::new(),
        t: String::new(),
        done: true,
    })
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/digest", web::get().to(page))
        .route("/digest/settings", web::post().to(set_enabled))
        .route("/digest/off", web::get().to(off_page))
        .route("/digest/off", web::post().to(off))
        .route("/saved-searches", web::post().to(save_search))
        .route("/saved-searches/{id}/delete", web::post().to(delete_search));
}

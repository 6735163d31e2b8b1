//! The market's shelf: technology needs (demands) posted by enterprises and achievements listed by
//! universities and institutes. Both have a public summary and a confidential detail, go through
//! review by an officer of the owner's region, and share the lifecycle
//! draft → submitted → published, or returned → submitted …; withdrawn, closed, hidden.

pub mod achievement;
pub mod browse;
pub mod demand;
pub mod import;
pub mod review;

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::auth::SessionUser;
use crate::db::{self, now, DbConn};
use crate::error::{AppError, AppResult};
use crate::fields;
pub use crate::forms::{date_field, money_field, text, FormData};
use crate::schema::{achievements, demands, listing_events, nda_acceptances, organizations, users};
use crate::state::AppState;
pub use crate::vocabulary::{join_modes, split_list, Kind, COOP_MODES, PRICING_METHODS, TRANSFER_MODES};
use crate::web::{redirect, render, Ctx, FieldErrors};

/// Listing states. Owners edit in draft, returned and withdrawn; officers act on submitted ones.
pub const STATUSES: &[&str] = &[
    "draft",
    "submitted",
    "published",
    "returned",
    "withdrawn",
    "closed",
    "hidden",
];
pub const EDITABLE: &[&str] = &["draft", "returned", "withdrawn"];

/// Splits keywords on commas (also 、，；;) and spaces; at most 10, each at most 20 characters.
pub fn parse_keywords(input: &str) -> Result<Vec<String>, &'static str> {
    let mut out: Vec<String> = Vec::new();
    for k in input.split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；') || c.is_whitespace()) {
        let k = k.trim();
        if k.is_empty() || out.iter().any(|o| o == k) {
            continue;
        }
        if k.chars().count() > 20 {
            return Err("err.keyword_long");
        }
        out.push(k.to_string());
    }
    if out.len() > 10 {
        return Err("err.keywords_many");
    }
    Ok(out)
}

/// The region columns kept for fast filtering: province (XX0000) and prefecture (XXXX00).
pub fn region_levels(code: &str) -> (String, String) {
    let p = code.get(..2).unwrap_or("00");
    let q = code.get(..4).unwrap_or("0000");
    (format!("{p}0000"), format!("{q}00"))
}

pub fn field_code(errors: &mut FieldErrors, c: &Ctx, value: &str) {
    if value.is_empty() {
        errors.add("field_code", c.t("err.choose_field"));
    } else if !fields::is_valid(value) {
        errors.add("field_code", c.tf("err.field_unknown", &[value]));
    }
}

/// Field choices for a select: every sub-field, grouped under its top-level name.
pub fn field_options(en: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for top in fields::top_level() {
        out.push((top.code.to_string(), fields::name(top.code, en)));
        for sub in fields::children(top.code) {
            out.push((sub.code.to_string(), format!("\u{3000}{}", fields::name(sub.code, en))));
        }
    }
    out
}

/// Records a step of a listing's life (kept for the owner and officers to read).
pub fn record_event(
    conn: &mut DbConn,
    kind: Kind,
    id: i64,
    actor: i64,
    action: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    diesel::insert_into(listing_events::table)
        .values((
            listing_events::listing_kind.eq(kind.as_str()),
            listing_events::listing_id.eq(id),
            listing_events::actor_user_id.eq(actor),
            listing_events::action.eq(action),
            listing_events::reason.eq(reason),
            listing_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Event {
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
    pub created_at: i64,
}

impl Event {
    pub fn action_key(&self) -> String {
        format!("event.{}", self.action)
    }
}

pub fn load_events(conn: &mut DbConn, kind: Kind, id: i64) -> AppResult<Vec<Event>> {
    let rows: Vec<(String, String, Option<String>, i64)> = listing_events::table
        .inner_join(users::table.on(users::id.eq(listing_events::actor_user_id)))
        .filter(listing_events::listing_kind.eq(kind.as_str()))
        .filter(listing_events::listing_id.eq(id))
        .order(listing_events::id)
        .select((
            users::name,
            listing_events::action,
            listing_events::reason,
            listing_events::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(actor, action, reason, created_at)| Event {
            actor,
            action,
            reason,
            created_at,
        })
        .collect())
}

/// Ownership and status of a listing, what every action checks first.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: i64,
    pub org_id: i64,
    pub status: String,
    pub region_code: String,
    pub title: String,
    pub created_by: i64,
}

pub fn load_head(conn: &mut DbConn, kind: Kind, id: i64) -> AppResult<Head> {
    let row: (i64, i64, String, String, String, i64) = match kind {
        Kind::Demand => demands::table
            .find(id)
            .select((
                demands::id,
                demands::org_id,
                demands::status,
                demands::region_code,
                demands::title,
                demands::created_by,
            ))
            .first(conn)?,
        Kind::Achievement => achievements::table
            .find(id)
            .select((
                achievements::id,
                achievements::org_id,
                achievements::status,
                achievements::region_code,
                achievements::title,
                achievements::created_by,
            ))
            .first(conn)?,
    };
    Ok(Head {
        id: row.0,
        org_id: row.1,
        status: row.2,
        region_code: row.3,
        title: row.4,
        created_by: row.5,
    })
}

/// Moves a listing from one of `from` to `to`, only if it is still in one of `from` (a concurrent
/// change makes this a no-op that the caller reports). Returns whether it moved.
pub fn transition(
    conn: &mut DbConn,
    kind: Kind,
    id: i64,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
) -> AppResult<bool> {
    let t = now();
    let n = match kind {
        Kind::Demand => {
            let q = diesel::update(demands::table.find(id).filter(demands::status.eq_any(from)));
            match to {
                "submitted" => q
                    .set((
                        demands::status.eq(to),
                        demands::status_reason.eq(reason),
                        demands::submitted_at.eq(Some(t)),
                        demands::updated_at.eq(t),
                    ))
                    .execute(conn)?,
                "published" => q
                    .set((
                        demands::status.eq(to),
                        demands::status_reason.eq(reason),
                        demands::published_at.eq(Some(t)),
                        demands::updated_at.eq(t),
                    ))
                    .execute(conn)?,
                _ => q
                    .set((
                        demands::status.eq(to),
                        demands::status_reason.eq(reason),
                        demands::updated_at.eq(t),
                    ))
                    .execute(conn)?,
            }
        }
        Kind::Achievement => {
            let q = diesel::update(achievements::table.find(id).filter(achievements::status.eq_any(from)));
            match to {
                "submitted" => q
                    .set((
                        achievements::status.eq(to),
                        achievements::status_reason.eq(reason),
                        achievements::submitted_at.eq(Some(t)),
                        achievements::updated_at.eq(t),
                    ))
                    .execute(conn)?,
                "published" => q
                    .set((
                        achievements::status.eq(to),
                        achievements::status_reason.eq(reason),
                        achievements::published_at.eq(Some(t)),
                        achievements::updated_at.eq(t),
                    ))
                    .execute(conn)?,
                _ => q
                    .set((
                        achievements::status.eq(to),
                        achievements::status_reason.eq(reason),
                        achievements::updated_at.eq(t),
                    ))
                    .execute(conn)?,
            }
        }
    };
    if n == 1 {
        crate::search::enqueue(conn, kind, id)?;
    }
    Ok(n == 1)
}

/// Who may see what of a listing.
pub struct Access {
    pub owner: bool,
    pub officer: bool,
    /// Accepted the confidentiality terms, and may still read what they cover.
    pub accepted: bool,
    /// Why a signed-in stranger may not accept the terms (yet), to say instead of a button that fails.
    pub refusal: Option<Refusal>,
}

/// Why a user may not accept confidentiality terms, and where to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub key: &'static str,
    pub href: &'static str,
    pub link_key: &'static str,
}

/// Confidential parts (contacts) are for users of verified organizations, or — for an organization
/// of a region no office here oversees, which cannot be verified here — users whose e-mail address
/// is verified. A fresh sign-up reads no contacts.
pub fn terms_refusal(conn: &mut DbConn, u: &SessionUser) -> AppResult<Option<Refusal>> {
    if u.org_verified() {
        return Ok(None);
    }
    if crate::organizations::region_has_office(conn, &u.org_region)? {
        return Ok(Some(Refusal {
            key: "nda.needs_org_verification",
            href: "/org/verification",
            link_key: "nda.verify_org_link",
        }));
    }
    if !u.email_verified {
        return Ok(Some(Refusal {
            key: "nda.needs_email",
            href: "/account",
            link_key: "nda.verify_email_link",
        }));
    }
    Ok(None)
}

impl Access {
    pub fn confidential(&self) -> bool {
        self.owner || self.officer || self.accepted
    }
}

pub fn access(conn: &mut DbConn, user: Option<&SessionUser>, kind: Kind, head: &Head) -> AppResult<Access> {
    let Some(u) = user else {
        return Ok(Access {
            owner: false,
            officer: false,
            accepted: false,
            refusal: None,
        });
    };
    let owner = u.org_id == head.org_id;
    let officer = u.oversees(&head.region_code);
    let refusal = if owner || officer {
        None
    } else {
        terms_refusal(conn, u)?
    };
    // An acceptance recorded before the rule, or before the organization lost its verification,
    // opens nothing while the user may not accept.
    let accepted = !owner
        && refusal.is_none()
        && nda_acceptances::table
            .filter(nda_acceptances::listing_kind.eq(kind.as_str()))
            .filter(nda_acceptances::listing_id.eq(head.id))
            .filter(nda_acceptances::user_id.eq(u.id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
    Ok(Access {
        owner,
        officer,
        accepted,
        refusal,
    })
}

/// Loads a listing's head and refuses visitors who may not see it at all (a listing that is not
/// published exists only for its owner and the officers of its region).
pub fn visible_head(conn: &mut DbConn, user: Option<&SessionUser>, kind: Kind, id: i64) -> AppResult<(Head, Access)> {
    let head = load_head(conn, kind, id)?;
    let acc = access(conn, user, kind, &head)?;
    if head.status != "published" && !acc.owner && !acc.officer {
        return Err(AppError::NotFound);
    }
    Ok((head, acc))
}

#[derive(Debug, Clone)]
pub struct Acceptance {
    pub user_name: String,
    pub org_name: String,
    pub accepted_at: i64,
}

pub fn load_acceptances(conn: &mut DbConn, kind: Kind, id: i64) -> AppResult<Vec<Acceptance>> {
    let rows: Vec<(String, String, i64)> = nda_acceptances::table
        .inner_join(users::table)
        .inner_join(organizations::table.on(organizations::id.eq(nda_acceptances::org_id)))
        .filter(nda_acceptances::listing_kind.eq(kind.as_str()))
        .filter(nda_acceptances::listing_id.eq(id))
        .order(nda_acceptances::id)
        .select((users::name, organizations::name, nda_acceptances::accepted_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_name, org_name, accepted_at)| Acceptance {
            user_name,
            org_name,
            accepted_at,
        })
        .collect())
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
    let own = c.t("err.own_listing").to_string();
    let per_day = state.config.terms_per_day;
    let ctx = c.clone();
    db::tx(&state.pool, move |conn| {
        let head = load_head(conn, kind, id)?;
        if head.status != "published" {
            return Err(AppError::NotFound);
        }
        if head.org_id == user.org_id {
            return Err(AppError::BadRequest(own.into()));
        }
        if let Some(r) = terms_refusal(conn, &user)? {
            return Err(AppError::Forbidden(ctx.t(r.key).to_string().into()));
        }
        let exists: i64 = nda_acceptances::table
            .filter(nda_acceptances::listing_kind.eq(kind.as_str()))
            .filter(nda_acceptances::listing_id.eq(id))
            .filter(nda_acceptances::user_id.eq(user.id))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            // A day's allowance per organization that real reading never meets, but harvesting does.
            let since = now() - 86_400;
            let latest: Vec<i64> = nda_acceptances::table
                .filter(nda_acceptances::org_id.eq(user.org_id))
                .filter(nda_acceptances::accepted_at.gt(since))
                .order(nda_acceptances::accepted_at.desc())
                .limit(per_day)
                .select(nda_acceptances::accepted_at)
                .load(conn)?;
            if let Some(retry_at) = crate::limits::retry_at(&latest, per_day, 86_400) {
                return Err(AppError::TooManyRequests(
                    ctx.tf("nda.too_many", &[&per_day.to_string(), &crate::web::fmt_ts(retry_at)])
                        .into(),
                ));
            }
            diesel::insert_into(nda_acceptances::table)
                .values((
                    nda_acceptances::listing_kind.eq(kind.as_str()),
                    nda_acceptances::listing_id.eq(id),
                    nda_acceptances::user_id.eq(user.id),
                    nda_acceptances::org_id.eq(user.org_id),
                    nda_acceptances::accepted_at.eq(now()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
    .await?;
    Ok(redirect(&format!(
        "{}/{id}?notice=terms_accepted#confidential",
        kind.base()
    )))
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
    let (from, to): (&[&str], &str) = match action.as_str() {
        "submit" => (EDITABLE, "submitted"),
        "withdraw" => (&["submitted", "published"], "withdrawn"),
        "close" => (&["published"], "closed"),
        _ => return Err(AppError::NotFound),
    };
    if action == "submit" {
        c.verified_user()?;
    }
    let not_owner = c.t("err.not_owner").to_string();
    let stale = c.t("err.state_changed").to_string();
    let act = action.clone();
    db::tx(&state.pool, move |conn| {
        let head = load_head(conn, kind, id)?;
        if head.org_id != user.org_id {
            return Err(AppError::Forbidden(not_owner.into()));
        }
        if !transition(conn, kind, id, from, to, None)? {
            return Err(AppError::BadRequest(stale.into()));
        }
        record_event(conn, kind, id, user.id, &act, None)
    })
    .await?;
    Ok(redirect(&format!("{}/{id}?notice=listing_{action}", kind.base())))
}

// ---------------------------------------------------------------- my listings

#[derive(Debug, Clone)]
pub struct MyRow {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub updated_at: i64,
}

impl MyRow {
    pub fn status_key(&self) -> String {
        format!("status.{}", self.status)
    }
    pub fn kind_key(&self) -> String {
        format!("listing.{}", self.kind.as_str())
    }
    pub fn href(&self) -> String {
        format!("{}/{}", self.kind.base(), self.id)
    }
}

pub fn my_rows(conn: &mut DbConn, org_id: i64) -> AppResult<Vec<MyRow>> {
    let d: Vec<(i64, String, String, Option<String>, i64)> = demands::table
        .filter(demands::org_id.eq(org_id))
        .order(demands::updated_at.desc())
        .select((
            demands::id,
            demands::title,
            demands::status,
            demands::status_reason,
            demands::updated_at,
        ))
        .load(conn)?;
    let a: Vec<(i64, String, String, Option<String>, i64)> = achievements::table
        .filter(achievements::org_id.eq(org_id))
        .order(achievements::updated_at.desc())
        .select((
            achievements::id,
            achievements::title,
            achievements::status,
            achievements::status_reason,
            achievements::updated_at,
        ))
        .load(conn)?;
    let mut rows: Vec<MyRow> = d
        .into_iter()
        .map(|r| (Kind::Demand, r))
        .chain(a.into_iter().map(|r| (Kind::Achievement, r)))
        .map(|(kind, (id, title, status, status_reason, updated_at))| MyRow {
            kind,
            id,
            title,
            status,
            status_reason,
            updated_at,
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
    Ok(rows)
}

#[derive(Template)]
#[template(path = "listings/mine.html")]
struct MinePage<'a> {
    c: &'a Ctx,
    rows: Vec<MyRow>,
    can_demand: bool,
    can_achievement: bool,
}

pub async fn mine(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let rows = db::run(&state.pool, move |conn| my_rows(conn, user.org_id)).await?;
    render(&MinePage {
        c: &c,
        rows,
        can_demand: demand::may_create(&user),
        can_achievement: achievement::may_create(&user),
    })
}

/// The organization's own listings as CSV (UTF-8 with BOM, for Excel).
pub async fn mine_csv(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let rows = db::run(&state.pool, move |conn| my_rows(conn, user.org_id)).await?;
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

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/demands", web::get().to(browse::demands_page))
        .route("/demands/new", web::get().to(demand::new_form))
        .route("/demands/new", web::post().to(demand::create))
        .route("/demands/{id}", web::get().to(demand::detail))
        .route("/demands/{id}/edit", web::get().to(demand::edit_form))
        .route("/demands/{id}/edit", web::post().to(demand::update))
        .route("/achievements", web::get().to(browse::achievements_page))
        .route("/achievements/new", web::get().to(achievement::new_form))
        .route("/achievements/new", web::post().to(achievement::create))
        .route("/achievements/import", web::get().to(import::form))
        .route("/achievements/import", web::post().to(import::upload))
        .route("/achievements/import/template.csv", web::get().to(import::template))
        .route("/achievements/{id}", web::get().to(achievement::detail))
        .route("/achievements/{id}/edit", web::get().to(achievement::edit_form))
        .route("/achievements/{id}/edit", web::post().to(achievement::update))
        .route("/{kind:demands|achievements}/{id}/terms", web::post().to(accept_terms))
        .route(
            "/{kind:demands|achievements}/{id}/{action:submit|withdraw|close}",
            web::post().to(owner_action),
        )
        .route("/my/listings", web::get().to(mine))
        .route("/my/listings.csv", web::get().to(mine_csv))
        .route("/officer/listings", web::get().to(review::queue))
        .route(
            "/officer/{kind:demands|achievements}/{id}/review",
            web::post().to(review::decide),
        );
}

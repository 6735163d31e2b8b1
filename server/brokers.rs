//! Technology brokers (技术经纪人): public profiles with a track record computed from the market's
//! own data, commissions (委托) from listing owners that the broker accepts or declines, and the
//! broker's pipeline of deals by stage. A broker organization (a brokerage firm or an individual
//! broker) commissioned for a listing may open deals on its matches and works them for that side.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{Role, SessionUser};
use crate::db::{self, now, DbConn};
use crate::error::{AppError, AppResult};
use crate::schema::{achievements, broker_profiles, commissions, deal_offers, deals, demands, organizations, users};
use crate::state::AppState;
use crate::vocabulary::{split_list, Kind};
use crate::web::{redirect, render, Ctx, FieldErrors};

/// Whether a broker organization holds an accepted commission for a listing.
pub fn commissioned(conn: &mut DbConn, broker_org: i64, kind: &str, listing: i64) -> QueryResult<bool> {
    let n: i64 = commissions::table
        .filter(commissions::broker_org_id.eq(broker_org))
        .filter(commissions::listing_kind.eq(kind))
        .filter(commissions::listing_id.eq(listing))
        .filter(commissions::status.eq("accepted"))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn is_broker(u: &SessionUser) -> bool {
    u.org_kind == "broker"
}

/// A broker's record on this market: deals agreed and their amount, deals under way.
#[derive(Debug, Clone, Default)]
pub struct TrackRecord {
    pub agreed: i64,
    pub agreed_fen: i64,
    pub open: i64,
    pub principals: Vec<String>,
    /// Registered contracts the broker is the intermediary of, or that came from its deals.
    pub contracts: i64,
    pub contracts_fen: i64,
}

fn track_record(conn: &mut DbConn, org: i64) -> QueryResult<TrackRecord> {
    let mine = deals::buyer_broker_org_id
        .eq(org)
        .or(deals::seller_broker_org_id.eq(org));
    let agreed: Vec<Option<i64>> = deals::table
        .filter(mine)
        .filter(deals::status.eq("agreed"))
        .select(deals::agreed_offer_id)
        .load(conn)?;
    let offer_ids: Vec<i64> = agreed.iter().flatten().copied().collect();
    let amounts: Vec<i64> = deal_offers::table
        .filter(deal_offers::id.eq_any(&offer_ids))
        .select(deal_offers::price_fen)
        .load(conn)?;
    let open: i64 = deals::table
        .filter(
            deals::buyer_broker_org_id
                .eq(org)
                .or(deals::seller_broker_org_id.eq(org)),
        )
        .filter(deals::status.eq_any(crate::deals::OPEN))
        .count()
        .get_result(conn)?;
    let principals: Vec<String> = commissions::table
        .inner_join(organizations::table.on(organizations::id.eq(commissions::owner_org_id)))
        .filter(commissions::broker_org_id.eq(org))
        .filter(commissions::status.eq("accepted"))
        .select(organizations::name)
        .distinct()
        .load(conn)?;
    let deal_ids: Vec<i64> = deals::table
        .filter(
            deals::buyer_broker_org_id
                .eq(org)
                .or(deals::seller_broker_org_id.eq(org)),
        )
        .select(deals::id)
        .load(conn)?;
    let registered: Vec<i64> = crate::schema::contracts::table
        .filter(crate::schema::contracts::status.eq("registered"))
        .filter(
            crate::schema::contracts::intermediary_org_id
                .eq(org)
                .or(crate::schema::contracts::deal_id.eq_any(&deal_ids)),
        )
        .select(crate::schema::contracts::contract_fen)
        .load(conn)?;
    Ok(TrackRecord {
        agreed: agreed.len() as i64,
        agreed_fen: amounts.iter().sum(),
        open,
        principals,
        contracts: registered.len() as i64,
        contracts_fen: registered.iter().sum(),
    })
}

#[derive(Debug, Clone)]
pub struct BrokerView {
    pub org_id: i64,
    pub name: String,
    pub certificate: String,
    pub region: String,
    pub fields: Vec<String>,
    pub regions: Vec<String>,
    pub intro: String,
    pub record: TrackRecord,
}

type BrokerRow = (i64, String, Option<String>, String);

fn view(conn: &mut DbConn, en: bool, row: BrokerRow) -> QueryResult<BrokerView> {
    let profile: Option<(String, String, String)> = broker_profiles::table
        .find(row.0)
        .select((
            broker_profiles::fields,
            broker_profiles::regions,
            broker_profiles::intro,
        ))
        .first(conn)
        .optional()?;
    let (fields, regions, intro) = profile.unwrap_or_default();
    Ok(BrokerView {
        org_id: row.0,
        name: row.1,
        certificate: row.2.unwrap_or_default(),
        region: crate::regions::full_name(&row.3).unwrap_or(row.3),
        fields: split_list(&fields).iter().map(|f| crate::fields::name(f, en)).collect(),
        regions: split_list(&regions)
            .iter()
            .map(|r| crate::regions::full_name(r).unwrap_or_else(|| r.clone()))
            .collect(),
        intro,
        record: track_record(conn, row.0)?,
    })
}

/// Verified broker organizations, by name.
fn verified_brokers(conn: &mut DbConn) -> QueryResult<Vec<BrokerRow>> {
    organizations::table
        .filter(organizations::kind.eq("broker"))
        .filter(organizations::verification.eq("verified"))
        .order(organizations::name)
        .select((
            organizations::id,
            organizations::name,
            organizations::broker_certificate,
            organizations::region_code,
        ))
        .load(conn)
}

#[derive(Template)]
#[template(path = "brokers/list.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    brokers: Vec<BrokerView>,
}

pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let en = c.is_en();
    let brokers = db::run(&state.pool, move |conn| {
        let rows = verified_brokers(conn)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(view(conn, en, r)?);
        }
        Ok(out)
    })
    .await?;
    render(&ListPage { c: &c, brokers })
}

#[derive(Template)]
#[template(path = "brokers/profile.html")]
struct ProfilePage<'a> {
    c: &'a Ctx,
    b: BrokerView,
}

impl ProfilePage<'_> {
    fn amount(&self) -> String {
        crate::money::format_human(self.b.record.agreed_fen, self.c.is_en())
    }
    fn contracts_amount(&self) -> String {
        crate::money::format_human(self.b.record.contracts_fen, self.c.is_en())
    }
}

pub async fn profile(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let en = c.is_en();
    let b = db::run(&state.pool, move |conn| {
        let row: BrokerRow = organizations::table
            .find(id)
            .filter(organizations::kind.eq("broker"))
            .filter(organizations::verification.eq("verified"))
            .select((
                organizations::id,
                organizations::name,
                organizations::broker_certificate,
                organizations::region_code,
            ))
            .first(conn)?;
        Ok(view(conn, en, row)?)
    })
    .await?;
    render(&ProfilePage { c: &c, b })
}

// ---- the broker's own profile ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "brokers/edit.html")]
struct EditPage<'a> {
    c: &'a Ctx,
    fields: Vec<(String, String, bool)>,
    regions: String,
    intro: String,
    errors: FieldErrors,
}

fn broker_user(c: &Ctx) -> AppResult<SessionUser> {
    let u = c.user()?;
    if !is_broker(u) {
        return Err(AppError::forbidden(c.t("err.brokers_only")));
    }
    Ok(u.clone())
}

fn field_choices(en: bool, chosen: &[String]) -> Vec<(String, String, bool)> {
    crate::fields::top_level()
        .iter()
        .map(|f| {
            (
                f.code.to_string(),
                f.own_name(en).to_string(),
                chosen.iter().any(|c| c == f.code),
            )
        })
        .collect()
}

pub async fn edit_form(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let profile = db::run(&state.pool, move |conn| {
        Ok(broker_profiles::table
            .find(user.org_id)
            .select((
                broker_profiles::fields,
                broker_profiles::regions,
                broker_profiles::intro,
            ))
            .first::<(String, String, String)>(conn)
            .optional()?)
    })
    .await?;
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
    let form = crate::forms::FormData(form.into_inner());
    let chosen = form.all("fields");
    let regions_text = form.get("regions");
    let intro = form.get("intro");
    let mut errors = FieldErrors::new();
    let fields: Vec<String> = chosen
        .iter()
        .filter(|f| crate::fields::lookup(f).is_some())
        .cloned()
        .collect();
    if fields.is_empty() {
        errors.add("fields", c.t("err.choose_field"));
    }
    let mut regions = Vec::new();
    for r in regions_text
        .split(|ch: char| ch == ',' || ch == '，' || ch == '、' || ch.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        if crate::regions::full_name(r).is_some() {
            regions.push(r.to_string());
        } else {
            errors.add("regions", c.tf("err.region_unknown", &[r]));
        }
    }
    if regions.is_empty() && !errors.has("regions") {
        errors.add("regions", c.t("err.required"));
    }
    crate::forms::text(&mut errors, &c, "intro", &intro, 0, 2000);
    if errors.any() {
        return crate::web::render_status(
            &EditPage {
                c: &c,
                fields: field_choices(c.is_en(), &chosen),
                regions: regions_text,
                intro,
                errors,
            },
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let (f, r) = (fields.join(","), regions.join(","));
    db::tx(&state.pool, move |conn| {
        diesel::delete(broker_profiles::table.find(user.org_id)).execute(conn)?;
        diesel::insert_into(broker_profiles::table)
            .values((
                broker_profiles::org_id.eq(user.org_id),
                broker_profiles::fields.eq(&f),
                broker_profiles::regions.eq(&r),
                broker_profiles::intro.eq(&intro),
                broker_profiles::updated_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(redirect(&format!("/brokers/{}?notice=profile_saved", user.org_id)))
}

// ---- commissions -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct CommissionView {
    pub id: i64,
    pub listing_kind: String,
    pub listing_id: i64,
    pub listing_title: String,
    pub owner_name: String,
    pub broker_id: i64,
    pub broker_name: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: i64,
}

impl CommissionView {
    pub fn href(&self) -> String {
        let kind = Kind::parse(&self.listing_kind).unwrap_or(Kind::Achievement);
        format!("{}/{}", kind.base(), self.listing_id)
    }
    pub fn status_key(&self) -> String {
        format!("commission.status.{}", self.status)
    }
    /// The form field of this commission's decline reason (for its error).
    pub fn reason_field(&self) -> String {
        format!("reason-{}", self.id)
    }
}

type CommissionRow = (i64, String, i64, i64, i64, String, Option<String>, i64);

fn views(conn: &mut DbConn, rows: Vec<CommissionRow>) -> QueryResult<Vec<CommissionView>> {
    let mut out = Vec::new();
    for (id, kind, lid, owner, broker, status, reason, at) in rows {
        let title: String = if kind == "demand" {
            demands::table.find(lid).select(demands::title).first(conn)?
        } else {
            achievements::table.find(lid).select(achievements::title).first(conn)?
        };
        let name = |conn: &mut DbConn, org: i64| -> QueryResult<String> {
            organizations::table.find(org).select(organizations::name).first(conn)
        };
        out.push(CommissionView {
            id,
            listing_kind: kind,
            listing_id: lid,
            listing_title: title,
            owner_name: name(conn, owner)?,
            broker_id: broker,
            broker_name: name(conn, broker)?,
            status,
            reason,
            created_at: at,
        });
    }
    Ok(out)
}

/// The commission panel of a listing page, for its owner: current commissions and the brokers
/// that may be commissioned.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub shown: bool,
    pub kind: String,
    pub listing_id: i64,
    pub current: Vec<CommissionView>,
    pub brokers: Vec<(i64, String)>,
}

impl Panel {
    pub fn load(conn: &mut DbConn, kind: Kind, id: i64, owner: bool) -> QueryResult<Panel> {
        if !owner {
            return Ok(Panel::default());
        }
        let rows: Vec<CommissionRow> = commissions::table
            .filter(commissions::listing_kind.eq(kind.as_str()))
            .filter(commissions::listing_id.eq(id))
            .order(commissions::id.desc())
            .select((
                commissions::id,
                commissions::listing_kind,
                commissions::listing_id,
                commissions::owner_org_id,
                commissions::broker_org_id,
                commissions::status,
                commissions::reason,
                commissions::created_at,
            ))
            .load(conn)?;
        let brokers = verified_brokers(conn)?.into_iter().map(|r| (r.0, r.1)).collect();
        Ok(Panel {
            shown: true,
            kind: kind.as_str().to_string(),
            listing_id: id,
            current: views(conn, rows)?,
            brokers,
        })
    }
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

fn notify(conn: &mut DbConn, base: &str, user: i64, what: &str, args: &[&str], link: &str) -> AppResult<()> {
    let url = format!("{base}{link}");
    let mut all: Vec<&str> = args.to_vec();
    all.push(&url);
    crate::mail::enqueue_for_user(conn, user, &format!("mail.commission_{what}"), &all, link)
}

pub async fn commission(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<CommissionForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let kind = Kind::parse(&form.listing_kind).ok_or(AppError::NotFound)?;
    let id: i64 = form.listing_id.trim().parse().map_err(|_| AppError::NotFound)?;
    let broker: i64 = match form.broker.trim().parse() {
        Ok(b) => b,
        Err(_) => return Err(AppError::bad_request(c.t("err.choose_broker"))),
    };
    let (not_owner, not_broker, twice) = (
        c.t("err.commission_not_owner").to_string(),
        c.t("err.choose_broker").to_string(),
        c.t("err.commission_twice").to_string(),
    );
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (owner_org, title): (i64, String) = match kind {
            Kind::Demand => demands::table
                .find(id)
                .select((demands::org_id, demands::title))
                .first(conn)?,
            Kind::Achievement => achievements::table
                .find(id)
                .select((achievements::org_id, achievements::title))
                .first(conn)?,
        };
        if owner_org != user.org_id || user.role == Role::Officer {
            return Err(AppError::forbidden(not_owner));
        }
        let ok: i64 = organizations::table
            .filter(organizations::id.eq(broker))
            .filter(organizations::kind.eq("broker"))
            .filter(organizations::verification.eq("verified"))
            .count()
            .get_result(conn)?;
        if ok == 0 {
            return Err(AppError::BadRequest(not_broker.into()));
        }
        let existing: i64 = commissions::table
            .filter(commissions::listing_kind.eq(kind.as_str()))
            .filter(commissions::listing_id.eq(id))
            .filter(commissions::broker_org_id.eq(broker))
            .filter(commissions::status.eq_any(["pending", "accepted"]))
            .count()
            .get_result(conn)?;
        if existing > 0 {
            return Err(AppError::BadRequest(twice.into()));
        }
        diesel::insert_into(commissions::table)
            .values((
                commissions::listing_kind.eq(kind.as_str()),
                commissions::listing_id.eq(id),
                commissions::owner_org_id.eq(owner_org),
                commissions::broker_org_id.eq(broker),
                commissions::created_by.eq(user.id),
                commissions::status.eq("pending"),
                commissions::created_at.eq(now()),
            ))
            .execute(conn)?;
        let broker_users: Vec<i64> = users::table
            .filter(users::org_id.eq(broker))
            .select(users::id)
            .load(conn)?;
        for u in broker_users {
            notify(
                conn,
                &base,
                u,
                "asked",
                &[&user.org_name, &title],
                "/broker/commissions",
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(redirect(&format!("{}/{id}?notice=commission_sent", kind.base())))
}

#[derive(Template)]
#[template(path = "brokers/commissions.html")]
struct CommissionsPage<'a> {
    c: &'a Ctx,
    items: Vec<CommissionView>,
    errors: FieldErrors,
}

async fn commissions_page(c: &Ctx, state: &AppState, errors: FieldErrors) -> AppResult<HttpResponse> {
    let user = broker_user(c)?;
    let items = db::run(&state.pool, move |conn| {
        let rows: Vec<CommissionRow> = commissions::table
            .filter(commissions::broker_org_id.eq(user.org_id))
            .order(commissions::id.desc())
            .select((
                commissions::id,
                commissions::listing_kind,
                commissions::listing_id,
                commissions::owner_org_id,
                commissions::broker_org_id,
                commissions::status,
                commissions::reason,
                commissions::created_at,
            ))
            .load(conn)?;
        Ok(views(conn, rows)?)
    })
    .await?;
    let status = if errors.any() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::render_status(&CommissionsPage { c, items, errors }, status)
}

pub async fn my_commissions(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    commissions_page(&c, &state, FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecideForm>,
) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::bad_request(c.t("err.choose_decision"))),
    };
    if !accept && reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(&format!("reason-{id}"), c.t("err.reason_missing"));
        return commissions_page(&c, &state, errors).await;
    }
    let changed = c.t("err.commission_decided").to_string();
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (owner_user, kind, lid): (i64, String, i64) = commissions::table
            .filter(commissions::id.eq(id))
            .filter(commissions::broker_org_id.eq(user.org_id))
            .select((
                commissions::created_by,
                commissions::listing_kind,
                commissions::listing_id,
            ))
            .first(conn)?;
        let n = diesel::update(
            commissions::table
                .filter(commissions::id.eq(id))
                .filter(commissions::status.eq("pending")),
        )
        .set((
            commissions::status.eq(if accept { "accepted" } else { "declined" }),
            commissions::reason.eq(if accept { None } else { Some(&reason) }),
            commissions::decided_at.eq(Some(now())),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict(changed.into()));
        }
        let link = format!("{}/{lid}", if kind == "demand" { "/demands" } else { "/achievements" });
        let what = if accept { "accepted" } else { "declined" };
        notify(conn, &base, owner_user, what, &[&user.org_name, &reason], &link)
    })
    .await?;
    Ok(redirect("/broker/commissions?notice=commission_decided"))
}

// ---- the pipeline ------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Card {
    pub id: i64,
    pub demand_title: String,
    pub achievement_title: String,
    pub for_side: String,
    pub waits_on: String,
    pub days: i64,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub status: String,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "brokers/pipeline.html")]
struct PipelinePage<'a> {
    c: &'a Ctx,
    columns: Vec<Column>,
}

/// The broker's deals by stage, each with whom it waits on and for how many days.
pub async fn pipeline(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = broker_user(&c)?;
    let cc = c.clone();
    let columns = db::run(&state.pool, move |conn| {
        let ds: Vec<crate::deals::Deal> = deals::table
            .filter(
                deals::buyer_broker_org_id
                    .eq(user.org_id)
                    .or(deals::seller_broker_org_id.eq(user.org_id)),
            )
            .order(deals::updated_at)
            .load(conn)?;
        let mut columns: Vec<Column> = ["proposed", "contacted", "negotiating", "agreed", "closed"]
            .iter()
            .map(|s| Column {
                status: s.to_string(),
                cards: Vec::new(),
            })
            .collect();
        let t = now();
        for d in ds {
            let (dt, at) = crate::deals::titles(conn, &d)?;
            let side = d.side_of(&user);
            let waits_on = crate::deals::waits_on(conn, &cc, &d)?;
            let col = match d.status.as_str() {
                "declined" | "withdrawn" => "closed",
                s => s,
            };
            let card = Card {
                id: d.id,
                demand_title: dt,
                achievement_title: at,
                for_side: side.map(|s| s.as_str().to_string()).unwrap_or_default(),
                waits_on,
                days: (t - d.updated_at).max(0) / 86_400,
            };
            if let Some(c) = columns.iter_mut().find(|c| c.status == col) {
                c.cards.push(card);
            }
        }
        Ok(columns)
    })
    .await?;
    render(&PipelinePage { c: &c, columns })
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/brokers", web::get().to(list))
        .route("/brokers/{id}", web::get().to(profile))
        .route("/broker/profile", web::get().to(edit_form))
        .route("/broker/profile", web::post().to(save_profile))
        .route("/broker/commissions", web::get().to(my_commissions))
        .route("/broker/pipeline", web::get().to(pipeline))
        .route("/commissions", web::post().to(commission))
        .route("/commissions/{id}/decide", web::post().to(decide));
}

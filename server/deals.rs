//! Deals: a need and an achievement worked into an agreement between their two organizations.
//!
//! One side opens a deal from a match (`proposed`); the deal room opens when the other side
//! accepts (`contacted`); offers and counter-offers put it in `negotiating`; it is `agreed` when one
//! side accepts the other's latest offer. The invited side may decline, and either side may
//! withdraw an open deal, each with a reason the other side sees. Every change of state is a
//! conditional update on the deal's `version`, taken from the page the user acted on, so of two
//! people acting at once (one accepting an offer while the other withdraws) exactly one succeeds and
//! the other is told the deal changed. Only the two organizations, their brokers and the officers of
//! their regions see a deal; to anyone else it does not exist.

use actix_multipart::form::{bytes::Bytes as UploadBytes, text::Text, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::SessionUser;
use crate::db::{self, now, DbConn};
use crate::error::{AppError, AppResult};
use crate::files::{self, Kind as FileKind};
use crate::forms::{money_field, text};
use crate::schema::{
    achievements, deal_events, deal_messages, deal_offers, deals, demands, files as files_t, organizations, users,
};
use crate::state::AppState;
use crate::vocabulary::{COOP_MODES, TRANSFER_MODES};
use crate::web::{redirect, render_status, Ctx, FieldErrors};

/// States in which a deal is still open.
pub const OPEN: &[&str] = &["proposed", "contacted", "negotiating"];
/// States in which the deal room takes messages and offers.
pub const ROOM_OPEN: &[&str] = &["contacted", "negotiating"];
/// No technology deal on this market is worth more than 50亿元; a larger offer is a typing error.
pub const MAX_OFFER_FEN: i64 = 5_000_000_000 * 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buyer,
    Seller,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buyer => "buyer",
            Side::Seller => "seller",
        }
    }
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "buyer" => Some(Side::Buyer),
            "seller" => Some(Side::Seller),
            _ => None,
        }
    }
    pub fn other(self) -> Side {
        match self {
            Side::Buyer => Side::Seller,
            Side::Seller => Side::Buyer,
        }
    }
}

#[derive(Queryable, Debug, Clone)]
pub struct Deal {
    pub id: i64,
    /// None when an enterprise opened the deal on an achievement without a posted need.
    pub demand_id: Option<i64>,
    /// None for a deal on a need without a listed achievement (a selected challenge proposal, or
    /// an institution answering the need directly).
    pub achievement_id: Option<i64>,
    pub buyer_org_id: i64,
    pub seller_org_id: i64,
    pub buyer_user_id: i64,
    pub seller_user_id: i64,
    pub opened_by: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub agreed_offer_id: Option<i64>,
    pub version: i32,
    pub created_at: i64,
    pub updated_at: i64,
    /// The broker organization commissioned by each side, when one works the deal for it.
    pub buyer_broker_org_id: Option<i64>,
    pub seller_broker_org_id: Option<i64>,
    /// The selected challenge proposal the deal came from.
    pub proposal_id: Option<i64>,
}

impl Deal {
    /// The side a user acts for: as a member of the party, or of the broker it commissioned.
    pub fn side_of(&self, u: &SessionUser) -> Option<Side> {
        if u.org_id == self.buyer_org_id || Some(u.org_id) == self.buyer_broker_org_id {
            Some(Side::Buyer)
        } else if u.org_id == self.seller_org_id || Some(u.org_id) == self.seller_broker_org_id {
            Some(Side::Seller)
        } else {
            None
        }
    }
    fn user_of(&self, side: Side) -> i64 {
        match side {
            Side::Buyer => self.buyer_user_id,
            Side::Seller => self.seller_user_id,
        }
    }
    /// The page of what the seller side brings: the achievement, or the challenge proposal.
    pub fn offer_href(&self) -> String {
        match (self.achievement_id, self.proposal_id) {
            (Some(a), _) => format!("/achievements/{a}"),
            (None, Some(p)) => format!("/proposals/{p}"),
            (None, None) => String::new(),
        }
    }
    pub fn demand_href(&self) -> String {
        self.demand_id.map(|d| format!("/demands/{d}")).unwrap_or_default()
    }
    pub fn opener(&self) -> Side {
        Side::parse(&self.opened_by).unwrap_or(Side::Buyer)
    }
    pub fn is_open(&self) -> bool {
        OPEN.contains(&self.status.as_str())
    }
    pub fn room_open(&self) -> bool {
        ROOM_OPEN.contains(&self.status.as_str())
    }
    pub fn status_key(&self) -> String {
        format!("deal.status.{}", self.status)
    }
}

fn load(conn: &mut DbConn, id: i64) -> AppResult<Deal> {
    deals::table.find(id).first(conn).optional()?.ok_or(AppError::NotFound)
}

/// The region code of an organization.
pub(crate) fn org_region(conn: &mut DbConn, org: i64) -> AppResult<String> {
    Ok(organizations::table
        .find(org)
        .select(organizations::region_code)
        .first(conn)?)
}

/// The deal and the user's side in it, for its parties and the officers of either party's region;
/// to everyone else the deal does not exist.
fn visible(conn: &mut DbConn, user: &SessionUser, id: i64) -> AppResult<(Deal, Option<Side>)> {
    let deal = load(conn, id)?;
    if let Some(side) = deal.side_of(user) {
        return Ok((deal, Some(side)));
    }
    if user.role == crate::auth::Role::Officer {
        for org in [deal.buyer_org_id, deal.seller_org_id] {
            if user.oversees(&org_region(conn, org)?) {
                return Ok((deal, None));
            }
        }
    }
    Err(AppError::NotFound)
}

/// Like `visible`, for the parties only (officers read, they do not negotiate).
fn party(conn: &mut DbConn, user: &SessionUser, id: i64, no: &str) -> AppResult<(Deal, Side)> {
    match visible(conn, user, id)? {
        (deal, Some(side)) => Ok((deal, side)),
        _ => Err(AppError::forbidden(no)),
    }
}

/// Moves the deal from one of `from` to `to`, if nobody changed it since the user saw `version`.
#[allow(clippy::too_many_arguments)]
fn change(
    conn: &mut DbConn,
    deal: &Deal,
    version: i32,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
    actor: i64,
    action: &str,
    changed: &str,
) -> AppResult<()> {
    let t = now();
    let n = diesel::update(
        deals::table
            .filter(deals::id.eq(deal.id))
            .filter(deals::version.eq(version))
            .filter(deals::status.eq_any(from)),
    )
    .set((
        deals::status.eq(to),
        deals::status_reason.eq(reason),
        deals::version.eq(version + 1),
        deals::updated_at.eq(t),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::Conflict(changed.to_string()));
    }
    record(conn, deal.id, actor, action, to, reason)
}

fn record(conn: &mut DbConn, deal: i64, actor: i64, action: &str, status: &str, reason: Option<&str>) -> AppResult<()> {
    diesel::insert_into(deal_events::table)
        .values((
            deal_events::deal_id.eq(deal),
            deal_events::user_id.eq(actor),
            deal_events::action.eq(action),
            deal_events::status.eq(status),
            deal_events::reason.eq(reason),
            deal_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The titles of the deal's need and achievement.
pub fn titles(conn: &mut DbConn, deal: &Deal) -> AppResult<(String, String)> {
    let d: String = match deal.demand_id {
        Some(d) => demands::table.find(d).select(demands::title).first(conn)?,
        None => String::new(),
    };
    let a: String = match (deal.achievement_id, deal.proposal_id) {
        (Some(a), _) => achievements::table.find(a).select(achievements::title).first(conn)?,
        (None, Some(p)) => crate::schema::proposals::table
            .find(p)
            .select(crate::schema::proposals::title)
            .first(conn)?,
        (None, None) => String::new(),
    };
    Ok((d, a))
}

/// Mails the contact person of one side (in that person's language) about the deal.
fn notify(conn: &mut DbConn, base: &str, deal: &Deal, to: Side, what: &str, detail: &str) -> AppResult<()> {
    let (d, a) = titles(conn, deal)?;
    let link = format!("/deals/{}", deal.id);
    let url = format!("{base}{link}");
    crate::mail::enqueue_for_user(
        conn,
        deal.user_of(to),
        &format!("mail.deal_{what}"),
        &[&d, &a, detail, &url],
        &link,
    )
}

// ---- opening a deal ----------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct PairQuery {
    #[serde(default)]
    pub demand: String,
    #[serde(default)]
    pub achievement: String,
}

/// What a deal is opened on: a need and an achievement (one of them the user's organization's, or
/// a listing its broker was commissioned for), or one listing and the user's organization as the
/// counterparty (an enterprise interested in an achievement it has posted no need for, an
/// institution answering a need with no listed achievement).
struct Pair {
    demand_id: Option<i64>,
    achievement_id: Option<i64>,
    demand_title: String,
    achievement_title: String,
    buyer_org: i64,
    seller_org: i64,
    buyer_author: i64,
    seller_author: i64,
    side: Side,
    /// The broker organization opening the deal for `side`, if a broker opens it.
    broker: Option<i64>,
}

type ListingHead = (String, i64, i64);

fn published_demand(conn: &mut DbConn, id: i64) -> AppResult<Option<ListingHead>> {
    Ok(demands::table
        .find(id)
        .filter(demands::status.eq(crate::vocabulary::ListingStatus::Published))
        .select((demands::title, demands::org_id, demands::created_by))
        .first(conn)
        .optional()?)
}

fn published_achievement(conn: &mut DbConn, id: i64) -> AppResult<Option<ListingHead>> {
    Ok(achievements::table
        .find(id)
        .filter(achievements::status.eq(crate::vocabulary::ListingStatus::Published))
        .select((achievements::title, achievements::org_id, achievements::created_by))
        .first(conn)
        .optional()?)
}

fn parse_id(s: &str) -> AppResult<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| AppError::NotFound)
}

fn pair(conn: &mut DbConn, c: &Ctx, user: &SessionUser, demand: &str, achievement: &str) -> AppResult<Pair> {
    let (d, a) = (parse_id(demand)?, parse_id(achievement)?);
    let dem = match d {
        Some(d) => Some(published_demand(conn, d)?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let ach = match a {
        Some(a) => Some(published_achievement(conn, a)?.ok_or(AppError::NotFound)?),
        None => None,
    };
    if !user.org_verified() {
        return Err(AppError::forbidden(c.t("err.needs_verification")));
    }
    let direct_ok = matches!(
        user.role,
        crate::auth::Role::Enterprise | crate::auth::Role::Institution
    );
    let (side, broker, dem, ach) = match (dem, ach) {
        (Some(dem), Some(ach)) => {
            // The owner of either listing, or a broker that owner commissioned, acts for that side.
            let (side, broker) = if user.org_id == dem.1 {
                (Side::Buyer, None)
            } else if user.org_id == ach.1 {
                (Side::Seller, None)
            } else if crate::brokers::commissioned(conn, user.org_id, "demand", d.unwrap_or_default())? {
                (Side::Buyer, Some(user.org_id))
            } else if crate::brokers::commissioned(conn, user.org_id, "achievement", a.unwrap_or_default())? {
                (Side::Seller, Some(user.org_id))
            } else {
                return Err(AppError::forbidden(c.t("err.deal_not_yours")));
            };
            (side, broker, dem, ach)
        }
        // Interest in an achievement: the user's organization is the buyer.
        (None, Some(ach)) if direct_ok => {
            let me = (String::new(), user.org_id, user.id);
            (Side::Buyer, None, me, ach)
        }
        // An answer to a need: the user's organization is the seller.
        (Some(dem), None) if direct_ok => {
            let me = (String::new(), user.org_id, user.id);
            (Side::Seller, None, dem, me)
        }
        (None, None) => return Err(AppError::NotFound),
        _ => return Err(AppError::forbidden(c.t("err.deal_not_yours"))),
    };
    if dem.1 == ach.1 {
        return Err(AppError::bad_request(c.t("err.deal_same_org")));
    }
    Ok(Pair {
        demand_id: d,
        achievement_id: a,
        demand_title: dem.0,
        achievement_title: ach.0,
        buyer_org: dem.1,
        seller_org: ach.1,
        buyer_author: dem.2,
        seller_author: ach.2,
        side,
        broker,
    })
}

/// An open deal on the same listings between the same organizations, which a second opener joins.
fn open_deal_of(conn: &mut DbConn, p: &Pair) -> AppResult<Option<i64>> {
    let open: Vec<(i64, Option<i64>, Option<i64>)> = deals::table
        .filter(deals::buyer_org_id.eq(p.buyer_org))
        .filter(deals::seller_org_id.eq(p.seller_org))
        .filter(deals::status.eq_any(OPEN))
        .select((deals::id, deals::demand_id, deals::achievement_id))
        .load(conn)?;
    Ok(open
        .into_iter()
        .find(|(_, d, a)| *d == p.demand_id && *a == p.achievement_id)
        .map(|(id, _, _)| id))
}

#[derive(Template)]
#[template(path = "deals/new.html")]
struct NewPage<'a> {
    c: &'a Ctx,
    demand_id: Option<i64>,
    achievement_id: Option<i64>,
    /// The other side's organization, for a deal on one listing.
    counterparty: String,
    demand_title: String,
    achievement_title: String,
    reasons: Vec<String>,
    message: String,
    errors: FieldErrors,
}

async fn new_page(
    c: &Ctx,
    state: &AppState,
    q: PairQuery,
    message: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let cc = c.clone();
    let (p, reasons, counterparty) = db::run(&state.pool, move |conn| {
        let p = pair(conn, &cc, &user, &q.demand, &q.achievement)?;
        let stored: Option<String> = match (p.demand_id, p.achievement_id) {
            (Some(d), Some(a)) => crate::schema::matches::table
                .filter(crate::schema::matches::demand_id.eq(d))
                .filter(crate::schema::matches::achievement_id.eq(a))
                .select(crate::schema::matches::reasons)
                .first(conn)
                .optional()?,
            _ => None,
        };
        let reasons: Vec<crate::matching::Reason> =
            stored.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default();
        let other = if p.side == Side::Buyer {
            p.seller_org
        } else {
            p.buyer_org
        };
        let counterparty: String = organizations::table
            .find(other)
            .select(organizations::name)
            .first(conn)?;
        Ok((p, reasons, counterparty))
    })
    .await?;
    render_status(
        &NewPage {
            c,
            demand_id: p.demand_id,
            achievement_id: p.achievement_id,
            counterparty,
            demand_title: p.demand_title,
            achievement_title: p.achievement_title,
            reasons: reasons
                .iter()
                .map(|r| crate::matching::page::reason_text(c, r))
                .collect(),
            message,
            errors,
        },
        status,
    )
}

pub async fn new_form(c: Ctx, state: web::Data<AppState>, q: web::Query<PairQuery>) -> AppResult<HttpResponse> {
    new_page(
        &c,
        &state,
        q.into_inner(),
        String::new(),
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    pub demand: String,
    #[serde(default)]
    pub achievement: String,
    #[serde(default)]
    pub message: String,
}

pub async fn create(c: Ctx, state: web::Data<AppState>, form: web::Form<OpenForm>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    text(&mut errors, &c, "message", f.message.trim(), 10, 2000);
    let q = PairQuery {
        demand: f.demand.clone(),
        achievement: f.achievement.clone(),
    };
    if errors.any() {
        return new_page(&c, &state, q, f.message, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let cc = c.clone();
    let message = f.message.trim().to_string();
    let base = state.config.base_url.clone();
    let id = db::tx(&state.pool, move |conn| {
        let p = pair(conn, &cc, &user, &q.demand, &q.achievement)?;
        // One open deal per pair: a second opener joins the first.
        if let Some(existing) = open_deal_of(conn, &p)? {
            add_message(conn, existing, user.id, p.side, &message, None)?;
            return Ok(existing);
        }
        let t = now();
        // A broker's principal stays the contact person of that side.
        let (buyer_user, seller_user) = match (p.side, p.broker) {
            (_, Some(_)) => (p.buyer_author, p.seller_author),
            (Side::Buyer, None) => (user.id, p.seller_author),
            (Side::Seller, None) => (p.buyer_author, user.id),
        };
        // A broker that both owners commissioned brokers both sides; each party still decides.
        let (buyer_broker, seller_broker) = match (p.side, p.broker) {
            (Side::Buyer, Some(b)) => (
                Some(b),
                crate::brokers::commissioned(conn, b, "achievement", p.achievement_id.unwrap_or_default())?
                    .then_some(b),
            ),
            (Side::Seller, Some(b)) => (
                crate::brokers::commissioned(conn, b, "demand", p.demand_id.unwrap_or_default())?.then_some(b),
                Some(b),
            ),
            (_, None) => (None, None),
        };
        let id: i64 = diesel::insert_into(deals::table)
            .values((
                deals::demand_id.eq(p.demand_id),
                deals::achievement_id.eq(p.achievement_id),
                deals::buyer_org_id.eq(p.buyer_org),
                deals::seller_org_id.eq(p.seller_org),
                deals::buyer_user_id.eq(buyer_user),
                deals::seller_user_id.eq(seller_user),
                deals::opened_by.eq(p.side.as_str()),
                deals::buyer_broker_org_id.eq(buyer_broker),
                deals::seller_broker_org_id.eq(seller_broker),
                deals::status.eq("proposed"),
                deals::version.eq(0),
                deals::created_at.eq(t),
                deals::updated_at.eq(t),
            ))
            .returning(deals::id)
            .get_result(conn)?;
        record(conn, id, user.id, "opened", "proposed", None)?;
        add_message(conn, id, user.id, p.side, &message, None)?;
        let deal = load(conn, id)?;
        notify(conn, &base, &deal, p.side.other(), "proposed", &message)?;
        Ok(id)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}")))
}

fn add_message(conn: &mut DbConn, deal: i64, user: i64, side: Side, body: &str, file: Option<i64>) -> AppResult<()> {
    diesel::insert_into(deal_messages::table)
        .values((
            deal_messages::deal_id.eq(deal),
            deal_messages::user_id.eq(user),
            deal_messages::side.eq(side.as_str()),
            deal_messages::body.eq(body),
            deal_messages::file_id.eq(file),
            deal_messages::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- the deal room -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct EventView {
    pub at: i64,
    pub who: String,
    pub action: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MessageView {
    pub at: i64,
    pub who: String,
    pub side: String,
    pub body: String,
    pub file: Option<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct OfferView {
    pub id: i64,
    pub at: i64,
    pub who: String,
    pub side: String,
    pub price_fen: i64,
    pub coop_mode: String,
    pub payment_terms: String,
    pub licence_scope: String,
    pub note: String,
    pub status: String,
}

/// What the user typed in the room's forms, kept when one is refused.
#[derive(Debug, Clone, Default)]
pub struct RoomInput {
    pub message: String,
    pub price: String,
    pub coop_mode: String,
    pub payment_terms: String,
    pub licence_scope: String,
    pub note: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "deals/room.html")]
struct RoomPage<'a> {
    c: &'a Ctx,
    deal: Deal,
    side: Option<Side>,
    demand_title: String,
    achievement_title: String,
    buyer_name: String,
    seller_name: String,
    /// The brokers commissioned by each side, when a broker works the deal.
    buyer_broker: Option<String>,
    seller_broker: Option<String>,
    events: Vec<EventView>,
    messages: Vec<MessageView>,
    offers: Vec<OfferView>,
    input: RoomInput,
    errors: FieldErrors,
    modes: Vec<&'static str>,
}

impl NewPage<'_> {
    fn demand_value(&self) -> String {
        self.demand_id.map(|d| d.to_string()).unwrap_or_default()
    }
    fn achievement_value(&self) -> String {
        self.achievement_id.map(|a| a.to_string()).unwrap_or_default()
    }
}

impl RoomPage<'_> {
    fn is_party(&self) -> bool {
        self.side.is_some()
    }
    fn side_name(&self, side: &str) -> String {
        match Side::parse(side) {
            Some(Side::Buyer) => self.buyer_name.clone(),
            _ => self.seller_name.clone(),
        }
    }
    fn mine(&self, side: &str) -> bool {
        self.side.map(|s| s.as_str()) == Some(side)
    }
    /// The invited side may answer a proposed deal.
    fn may_respond(&self) -> bool {
        self.deal.status == "proposed" && self.side.is_some_and(|s| s != self.deal.opener())
    }
    /// The latest open offer, when it is the other side's: the user may accept it.
    fn acceptable_offer(&self) -> Option<&OfferView> {
        let o = self.offers.iter().rev().find(|o| o.status == "open")?;
        (self.deal.status == "negotiating" && self.side.is_some() && !self.mine(&o.side)).then_some(o)
    }
    fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    /// The mode the offer form starts on: what the user typed, else the latest offer's.
    fn mode_selected(&self, mode: &str) -> bool {
        if self.input.coop_mode.is_empty() {
            self.offers.last().is_some_and(|o| o.coop_mode == mode)
        } else {
            self.input.coop_mode == mode
        }
    }
    fn agreed_offer(&self) -> Option<&OfferView> {
        let id = self.deal.agreed_offer_id?;
        self.offers.iter().find(|o| o.id == id)
    }
    fn colon(&self) -> &'static str {
        if self.c.is_en() {
            ": "
        } else {
            "："
        }
    }
    fn waiting_on(&self) -> String {
        waiting_text(self.c, &self.deal, &self.offers, &self.buyer_name, &self.seller_name)
    }
}

/// Whom an open deal waits on, in words (empty for a closed deal).
pub fn waits_on(conn: &mut DbConn, c: &Ctx, deal: &Deal) -> AppResult<String> {
    let name = |conn: &mut DbConn, org: i64| -> AppResult<String> {
        Ok(organizations::table.find(org).select(organizations::name).first(conn)?)
    };
    let (buyer, seller) = (name(conn, deal.buyer_org_id)?, name(conn, deal.seller_org_id)?);
    let offers = load_offers(conn, deal.id)?;
    Ok(waiting_text(c, deal, &offers, &buyer, &seller))
}

/// Whom the deal waits on, in words.
fn waiting_text(c: &Ctx, deal: &Deal, offers: &[OfferView], buyer: &str, seller: &str) -> String {
    let name = |s: Side| if s == Side::Buyer { buyer } else { seller };
    match deal.status.as_str() {
        "proposed" => c.tf("deal.waits_answer", &[name(deal.opener().other())]),
        "contacted" => c.t("deal.waits_offer").to_string(),
        "negotiating" => match offers.iter().rev().find(|o| o.status == "open") {
            Some(o) => {
                let maker = Side::parse(&o.side).unwrap_or(Side::Buyer);
                c.tf("deal.waits_reply", &[name(maker.other())])
            }
            None => c.t("deal.waits_offer").to_string(),
        },
        _ => String::new(),
    }
}

type OfferRow = (i64, i64, String, String, i64, String, String, String, String, String);

fn load_offers(conn: &mut DbConn, deal: i64) -> AppResult<Vec<OfferView>> {
    let rows: Vec<OfferRow> = deal_offers::table
        .inner_join(users::table)
        .filter(deal_offers::deal_id.eq(deal))
        .order(deal_offers::id)
        .select((
            deal_offers::id,
            deal_offers::created_at,
            users::name,
            deal_offers::side,
            deal_offers::price_fen,
            deal_offers::coop_mode,
            deal_offers::payment_terms,
            deal_offers::licence_scope,
            deal_offers::note,
            deal_offers::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| OfferView {
            id: r.0,
            at: r.1,
            who: r.2,
            side: r.3,
            price_fen: r.4,
            coop_mode: r.5,
            payment_terms: r.6,
            licence_scope: r.7,
            note: r.8,
            status: r.9,
        })
        .collect())
}

async fn room_page(
    c: &Ctx,
    state: &AppState,
    id: i64,
    input: RoomInput,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let page = db::run(&state.pool, move |conn| {
        let (deal, side) = visible(conn, &user, id)?;
        let (d, a) = titles(conn, &deal)?;
        let name = |conn: &mut DbConn, org: i64| -> AppResult<String> {
            Ok(organizations::table.find(org).select(organizations::name).first(conn)?)
        };
        let buyer = name(conn, deal.buyer_org_id)?;
        let seller = name(conn, deal.seller_org_id)?;
        let buyer_broker = deal.buyer_broker_org_id.map(|o| name(conn, o)).transpose()?;
        let seller_broker = deal.seller_broker_org_id.map(|o| name(conn, o)).transpose()?;
        let events: Vec<(i64, String, String, Option<String>)> = deal_events::table
            .inner_join(users::table)
            .filter(deal_events::deal_id.eq(id))
            .order(deal_events::id)
            .select((
                deal_events::created_at,
                users::name,
                deal_events::action,
                deal_events::reason,
            ))
            .load(conn)?;
        let messages: Vec<(i64, String, String, String, Option<i64>)> = deal_messages::table
            .inner_join(users::table)
            .filter(deal_messages::deal_id.eq(id))
            .order(deal_messages::id)
            .select((
                deal_messages::created_at,
                users::name,
                deal_messages::side,
                deal_messages::body,
                deal_messages::file_id,
            ))
            .load(conn)?;
        let mut views = Vec::new();
        for (at, who, side, body, file) in messages {
            let file = match file {
                Some(f) => {
                    let n: String = files_t::table.find(f).select(files_t::filename).first(conn)?;
                    Some((f, n))
                }
                None => None,
            };
            views.push(MessageView {
                at,
                who,
                side,
                body,
                file,
            });
        }
        let offers = load_offers(conn, id)?;
        Ok((
            deal,
            side,
            d,
            a,
            (buyer, seller),
            (buyer_broker, seller_broker),
            events,
            views,
            offers,
        ))
    })
    .await?;
    let (deal, side, d, a, (buyer, seller), (buyer_broker, seller_broker), events, messages, offers) = page;
    render_status(
        &RoomPage {
            c,
            deal,
            side,
            demand_title: d,
            achievement_title: a,
            buyer_name: buyer,
            seller_name: seller,
            buyer_broker,
            seller_broker,
            events: events
                .into_iter()
                .map(|(at, who, action, reason)| EventView {
                    at,
                    who,
                    action,
                    reason,
                })
                .collect(),
            messages,
            offers,
            input,
            errors,
            modes: offer_modes(),
        },
        status,
    )
}

/// Cooperation modes an offer may name: those a need asks for and those an achievement offers.
fn offer_modes() -> Vec<&'static str> {
    let mut m: Vec<&'static str> = COOP_MODES.to_vec();
    for t in TRANSFER_MODES {
        if !m.contains(t) {
            m.push(t);
        }
    }
    m
}

pub async fn room(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    room_page(
        &c,
        &state,
        path.into_inner(),
        RoomInput::default(),
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// The version a form was rendered with; -1 (matching nothing) when missing or garbled.
pub(crate) fn parse_version(v: &str) -> i32 {
    v.trim().parse().unwrap_or(-1)
}

#[derive(Deserialize)]
pub struct RespondForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: String,
}

pub async fn respond(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<RespondForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let f = form.into_inner();
    let reason = f.reason.trim().to_string();
    if f.decision == "decline" && reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("reason", c.t("err.reason_missing"));
        let input = RoomInput {
            reason,
            ..Default::default()
        };
        return room_page(&c, &state, id, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if f.decision != "accept" && f.decision != "decline" {
        return Err(AppError::bad_request(c.t("err.choose_decision")));
    }
    let (no, changed) = (
        c.t("err.deal_not_party").to_string(),
        c.t("err.deal_changed").to_string(),
    );
    let not_yours = c.t("err.deal_not_invited").to_string();
    let version = parse_version(&f.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (deal, side) = party(conn, &user, id, &no)?;
        if side == deal.opener() {
            return Err(AppError::forbidden(not_yours));
        }
        if f.decision == "accept" {
            change(
                conn,
                &deal,
                version,
                &["proposed"],
                "contacted",
                None,
                user.id,
                "accepted",
                &changed,
            )?;
            // A member of the party who answers becomes that side's contact person; a broker
            // answering leaves its principal the contact.
            let party_org = if side == Side::Buyer {
                deal.buyer_org_id
            } else {
                deal.seller_org_id
            };
            if user.org_id == party_org {
                match side {
                    Side::Buyer => diesel::update(deals::table.find(id))
                        .set(deals::buyer_user_id.eq(user.id))
                        .execute(conn)?,
                    Side::Seller => diesel::update(deals::table.find(id))
                        .set(deals::seller_user_id.eq(user.id))
                        .execute(conn)?,
                };
            }
            notify(conn, &base, &deal, side.other(), "accepted", "")
        } else {
            change(
                conn,
                &deal,
                version,
                &["proposed"],
                "declined",
                Some(&reason),
                user.id,
                "declined",
                &changed,
            )?;
            notify(conn, &base, &deal, side.other(), "declined", &reason)
        }
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}")))
}

#[derive(MultipartForm)]
pub struct MessageUpload {
    pub body: Option<Text<String>>,
    pub attachment: Option<UploadBytes>,
}

pub async fn post_message(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: MultipartForm<MessageUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let form = form.into_inner();
    let body = form.body.map(|b| b.into_inner()).unwrap_or_default();
    let body = body.trim().to_string();
    let mut errors = FieldErrors::new();
    text(&mut errors, &c, "message", &body, 1, 5000);
    let max = state.config.max_upload_bytes;
    let file = match &form.attachment {
        Some(b) if !b.data.is_empty() => {
            match files::check_upload(&b.data, max, &[FileKind::Pdf, FileKind::Png, FileKind::Jpeg]) {
                Ok(k) => Some((b.data.to_vec(), b.file_name.clone().unwrap_or_default(), k)),
                Err(key) => {
                    errors.add("attachment", c.tf(key, &[&(max / (1024 * 1024)).to_string()]));
                    None
                }
            }
        }
        _ => None,
    };
    let (no, closed) = (
        c.t("err.deal_not_party").to_string(),
        c.t("err.deal_closed").to_string(),
    );
    // A closed deal takes no messages, whatever else is wrong.
    let user2 = user.clone();
    let open = db::run(&state.pool, move |conn| {
        let (deal, _) = party(conn, &user2, id, &no)?;
        Ok(deal.room_open())
    })
    .await?;
    if !open {
        errors.add("message", closed);
    }
    if errors.any() {
        let input = RoomInput {
            message: body,
            ..Default::default()
        };
        return room_page(&c, &state, id, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (no, closed) = (
        c.t("err.deal_not_party").to_string(),
        c.t("err.deal_closed").to_string(),
    );
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (deal, side) = party(conn, &user, id, &no)?;
        if !deal.room_open() {
            return Err(AppError::Conflict(closed));
        }
        let file_id = match file {
            Some((data, name, kind)) => Some(files::store(
                conn,
                Some(user.org_id),
                Some(user.id),
                "deal",
                &name,
                kind,
                &data,
            )?),
            None => None,
        };
        add_message(conn, id, user.id, side, &body, file_id)?;
        diesel::update(deals::table.find(id))
            .set(deals::updated_at.eq(now()))
            .execute(conn)?;
        notify(conn, &base, &deal, side.other(), "message", &body)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}#messages")))
}

#[derive(Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub coop_mode: String,
    #[serde(default)]
    pub payment_terms: String,
    #[serde(default)]
    pub licence_scope: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub version: String,
}

pub async fn post_offer(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<OfferForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let f = form.into_inner();
    let input = RoomInput {
        price: f.price.trim().to_string(),
        coop_mode: f.coop_mode.trim().to_string(),
        payment_terms: f.payment_terms.trim().to_string(),
        licence_scope: f.licence_scope.trim().to_string(),
        note: f.note.trim().to_string(),
        ..Default::default()
    };
    let mut errors = FieldErrors::new();
    let price = money_field(&mut errors, &c, "price", &input.price);
    if input.price.is_empty() {
        errors.add("price", c.t("err.required"));
    }
    // Negative amounts are refused by the parser; absurd ones here.
    if price.is_some_and(|p| p > MAX_OFFER_FEN) {
        errors.add("price", c.t("err.offer_too_large"));
    }
    if !offer_modes().contains(&input.coop_mode.as_str()) {
        errors.add("coop_mode", c.t("err.choose_mode"));
    }
    text(&mut errors, &c, "payment_terms", &input.payment_terms, 2, 500);
    text(&mut errors, &c, "licence_scope", &input.licence_scope, 0, 500);
    text(&mut errors, &c, "note", &input.note, 0, 1000);
    if errors.any() {
        return room_page(&c, &state, id, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let price = price.unwrap_or_default();
    let (no, changed) = (
        c.t("err.deal_not_party").to_string(),
        c.t("err.deal_changed").to_string(),
    );
    let version = parse_version(&f.version);
    let amount = crate::money::format_human(price, false);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (deal, side) = party(conn, &user, id, &no)?;
        change(
            conn,
            &deal,
            version,
            ROOM_OPEN,
            "negotiating",
            None,
            user.id,
            "offered",
            &changed,
        )?;
        diesel::update(
            deal_offers::table
                .filter(deal_offers::deal_id.eq(id))
                .filter(deal_offers::status.eq("open")),
        )
        .set(deal_offers::status.eq("superseded"))
        .execute(conn)?;
        diesel::insert_into(deal_offers::table)
            .values((
                deal_offers::deal_id.eq(id),
                deal_offers::user_id.eq(user.id),
                deal_offers::side.eq(side.as_str()),
                deal_offers::price_fen.eq(price),
                deal_offers::coop_mode.eq(&input.coop_mode),
                deal_offers::payment_terms.eq(&input.payment_terms),
                deal_offers::licence_scope.eq(&input.licence_scope),
                deal_offers::note.eq(&input.note),
                deal_offers::status.eq("open"),
                deal_offers::created_at.eq(now()),
            ))
            .execute(conn)?;
        notify(conn, &base, &deal, side.other(), "offer", &amount)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}#offers")))
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn accept_offer(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: web::Form<VersionForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let (id, offer) = path.into_inner();
    let (no, changed) = (
        c.t("err.deal_not_party").to_string(),
        c.t("err.deal_changed").to_string(),
    );
    let own = c.t("err.offer_own").to_string();
    let version = parse_version(&form.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (deal, side) = party(conn, &user, id, &no)?;
        let latest: Option<(i64, String, String)> = deal_offers::table
            .filter(deal_offers::deal_id.eq(id))
            .order(deal_offers::id.desc())
            .select((deal_offers::id, deal_offers::side, deal_offers::status))
            .first(conn)
            .optional()?;
        match latest {
            Some((oid, _, st)) if oid != offer || st != "open" => return Err(AppError::Conflict(changed)),
            Some((_, s, _)) if s == side.as_str() => return Err(AppError::forbidden(own)),
            None => return Err(AppError::NotFound),
            _ => {}
        }
        change(
            conn,
            &deal,
            version,
            &["negotiating"],
            "agreed",
            None,
            user.id,
            "agreed",
            &changed,
        )?;
        diesel::update(deals::table.find(id))
            .set(deals::agreed_offer_id.eq(Some(offer)))
            .execute(conn)?;
        diesel::update(deal_offers::table.find(offer))
            .set(deal_offers::status.eq("accepted"))
            .execute(conn)?;
        notify(conn, &base, &deal, side.other(), "agreed", "")
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}")))
}

pub async fn withdraw(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<VersionForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("withdraw_reason", c.t("err.reason_missing"));
        return room_page(
            &c,
            &state,
            id,
            RoomInput::default(),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (no, changed) = (
        c.t("err.deal_not_party").to_string(),
        c.t("err.deal_changed").to_string(),
    );
    let version = parse_version(&form.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (deal, side) = party(conn, &user, id, &no)?;
        change(
            conn,
            &deal,
            version,
            OPEN,
            "withdrawn",
            Some(&reason),
            user.id,
            "withdrawn",
            &changed,
        )?;
        notify(conn, &base, &deal, side.other(), "withdrawn", &reason)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}")))
}

/// An attachment of one of the deal's messages, for those who see the deal.
pub async fn attachment(c: Ctx, state: web::Data<AppState>, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let (id, file) = path.into_inner();
    let (name, mime, data) = db::run(&state.pool, move |conn| {
        visible(conn, &user, id)?;
        let attached: i64 = deal_messages::table
            .filter(deal_messages::deal_id.eq(id))
            .filter(deal_messages::file_id.eq(file))
            .count()
            .get_result(conn)?;
        if attached == 0 {
            return Err(AppError::NotFound);
        }
        files::load(conn, file)
    })
    .await?;
    Ok(files::respond(&name, &mime, data, true))
}

// ---- my deals ----------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct DealRow {
    pub id: i64,
    pub demand_title: String,
    pub achievement_title: String,
    pub counterpart: String,
    pub status: String,
    pub updated_at: i64,
    pub mine_to_act: bool,
}

#[derive(Template)]
#[template(path = "deals/list.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    rows: Vec<DealRow>,
}

pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let rows = db::run(&state.pool, move |conn| {
        let ds: Vec<Deal> = deals::table
            .filter(
                deals::buyer_org_id
                    .eq(user.org_id)
                    .or(deals::seller_org_id.eq(user.org_id))
                    .or(deals::buyer_broker_org_id.eq(user.org_id))
                    .or(deals::seller_broker_org_id.eq(user.org_id)),
            )
            .order(deals::updated_at.desc())
            .limit(200)
            .load(conn)?;
        let mut rows = Vec::new();
        for d in ds {
            let side = d.side_of(&user).unwrap_or(Side::Buyer);
            let (dt, at) = titles(conn, &d)?;
            let other = match side {
                Side::Buyer => d.seller_org_id,
                Side::Seller => d.buyer_org_id,
            };
            let counterpart: String = organizations::table
                .find(other)
                .select(organizations::name)
                .first(conn)?;
            let latest: Option<String> = deal_offers::table
                .filter(deal_offers::deal_id.eq(d.id))
                .filter(deal_offers::status.eq("open"))
                .order(deal_offers::id.desc())
                .select(deal_offers::side)
                .first(conn)
                .optional()?;
            let mine_to_act = match d.status.as_str() {
                "proposed" => side != d.opener(),
                "contacted" => true,
                "negotiating" => latest.is_some_and(|s| s != side.as_str()),
                _ => false,
            };
            rows.push(DealRow {
                id: d.id,
                demand_title: dt,
                achievement_title: at,
                counterpart,
                status: d.status.clone(),
                updated_at: d.updated_at,
                mine_to_act,
            });
        }
        Ok(rows)
    })
    .await?;
    render_status(&ListPage { c: &c, rows }, StatusCode::OK)
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/deals", web::get().to(list))
        .route("/deals", web::post().to(create))
        .route("/deals/new", web::get().to(new_form))
        .route("/deals/{id}", web::get().to(room))
        .route("/deals/{id}/respond", web::post().to(respond))
        .route("/deals/{id}/messages", web::post().to(post_message))
        .route("/deals/{id}/offers", web::post().to(post_offer))
        .route("/deals/{id}/offers/{offer}/accept", web::post().to(accept_offer))
        .route("/deals/{id}/withdraw", web::post().to(withdraw))
        .route("/deals/{id}/files/{file}", web::get().to(attachment));
}

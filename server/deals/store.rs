//! Every query of deals: the deal and who sees it, its changes of state (conditional on its
//! version), opening one, its messages and offers, the room's contents, and the list of a user's
//! deals (a fixed number of queries for the whole list).

use std::collections::HashMap;

use diesel::prelude::*;

use super::rules::*;
use super::views::*;
use crate::auth::{Role, SessionUser};
use crate::commissions::{commissioned, listing_titles, org_names};
use crate::db::{now, DbConn};
use crate::error::{AppError, AppResult};
use crate::ids::DealId;
use crate::schema::{
    achievements, deal_events, deal_messages, deal_offers, deals, demands, files as files_t, matches, organizations,
    proposals, users,
};
use crate::vocabulary::Kind;
use crate::vocabulary::ListingStatus;

#[derive(Queryable, Debug, Clone)]
pub struct Deal {
    pub id: DealId,
    /// None when an enterprise opened the deal on an achievement without a posted need.
    pub demand_id: Option<i64>,
    /// None for a deal on a need without a listed achievement (a selected challenge proposal, or
    /// an institution answering the need directly).
    pub achievement_id: Option<i64>,
    pub buyer_org_id: i64,
    pub seller_org_id: i64,
    pub buyer_user_id: i64,
    pub seller_user_id: i64,
    pub opened_by: Side,
    pub status: DealStatus,
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
    /// The organization of a side (not its broker).
    pub fn org_of(&self, side: Side) -> i64 {
        match side {
            Side::Buyer => self.buyer_org_id,
            Side::Seller => self.seller_org_id,
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
        self.opened_by
    }
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }
    pub fn room_open(&self) -> bool {
        self.status.room_open()
    }
    pub fn status_key(&self) -> String {
        format!("deal.status.{}", self.status)
    }
}

pub(crate) fn load(conn: &mut DbConn, id: DealId) -> AppResult<Deal> {
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
pub(crate) fn visible(conn: &mut DbConn, user: &SessionUser, id: DealId) -> AppResult<(Deal, Option<Side>)> {
    let deal = load(conn, id)?;
    if let Some(side) = deal.side_of(user) {
        return Ok((deal, Some(side)));
    }
    if user.role == Role::Officer {
        for org in [deal.buyer_org_id, deal.seller_org_id] {
            if user.oversees(&org_region(conn, org)?) {
                return Ok((deal, None));
            }
        }
    }
    Err(AppError::NotFound)
}

/// Like `visible`, for the parties only (officers read, they do not negotiate).
pub(crate) fn party(conn: &mut DbConn, user: &SessionUser, id: DealId) -> AppResult<(Deal, Side)> {
    match visible(conn, user, id)? {
        (deal, Some(side)) => Ok((deal, side)),
        _ => Err(AppError::refused("err.deal_not_party")),
    }
}

/// Takes `action` on the deal if nobody changed it since the user saw `version` and the deal is
/// in a state the action may be taken in; records the event.
pub(crate) fn change(
    conn: &mut DbConn,
    (deal, version): (&Deal, i32),
    action: Action,
    reason: Option<&str>,
    actor: i64,
) -> AppResult<DealStatus> {
    let Some((from, to)) = action.transition() else {
        return Err(AppError::internal(format!("{action} is not a change of a deal")));
    };
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
        deals::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict("err.deal_changed"));
    }
    record(conn, deal.id, actor, action, to, reason)?;
    Ok(to)
}

/// Records an event of a deal.
pub(crate) fn record(
    conn: &mut DbConn,
    deal: DealId,
    actor: i64,
    action: Action,
    status: DealStatus,
    reason: Option<&str>,
) -> AppResult<()> {
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
    let mut all = titles_of(conn, std::slice::from_ref(deal))?;
    Ok(all.remove(&deal.id).unwrap_or_default())
}

/// The titles of each deal's need and achievement (or proposal), by deal: three queries.
pub fn titles_of(conn: &mut DbConn, ds: &[Deal]) -> AppResult<HashMap<DealId, (String, String)>> {
    let demand_ids: Vec<i64> = ds.iter().filter_map(|d| d.demand_id).collect();
    let achievement_ids: Vec<i64> = ds.iter().filter_map(|d| d.achievement_id).collect();
    let proposal_ids: Vec<i64> = ds
        .iter()
        .filter(|d| d.achievement_id.is_none())
        .filter_map(|d| d.proposal_id)
        .collect();
    let titles = listing_titles(conn, &demand_ids, &achievement_ids)?;
    let proposals: HashMap<i64, String> = proposals::table
        .filter(proposals::id.eq_any(&proposal_ids))
        .select((proposals::id, proposals::title))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(ds
        .iter()
        .map(|d| {
            let dt = d.demand_id.map(|i| titles.of(Kind::Demand, i)).unwrap_or_default();
            let at = match (d.achievement_id, d.proposal_id) {
                (Some(a), _) => titles.of(Kind::Achievement, a),
                (None, Some(p)) => proposals.get(&p).cloned().unwrap_or_default(),
                (None, None) => String::new(),
            };
            (d.id, (dt, at))
        })
        .collect())
}

/// The side of each deal's latest open offer, for the deals that have one: one query.
pub fn open_offer_sides(conn: &mut DbConn, ids: &[DealId]) -> AppResult<HashMap<DealId, Side>> {
    let open: Vec<(DealId, Side)> = deal_offers::table
        .filter(deal_offers::deal_id.eq_any(ids))
        .filter(deal_offers::status.eq(OfferStatus::Open))
        .order(deal_offers::id)
        .select((deal_offers::deal_id, deal_offers::side))
        .load(conn)?;
    // In id order, so the latest open offer of a deal is the one kept.
    Ok(open.into_iter().collect())
}

/// Mails the contact person of one side (in that person's language) about the deal.
pub(crate) fn notify(conn: &mut DbConn, base: &str, deal: &Deal, to: Side, what: &str, detail: &str) -> AppResult<()> {
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

/// What a deal is opened on: a need and an achievement (one of them the user's organization's, or
/// a listing its broker was commissioned for), or one listing and the user's organization as the
/// counterparty (an enterprise interested in an achievement it has posted no need for, an
/// institution answering a need with no listed achievement).
pub(crate) struct Pair {
    pub demand_id: Option<i64>,
    pub achievement_id: Option<i64>,
    pub demand_title: String,
    pub achievement_title: String,
    pub buyer_org: i64,
    pub seller_org: i64,
    pub buyer_author: i64,
    pub seller_author: i64,
    pub side: Side,
    /// The broker organization opening the deal for `side`, if a broker opens it.
    pub broker: Option<i64>,
}

fn published(conn: &mut DbConn, kind: Kind, id: Option<i64>) -> AppResult<Option<ListingHead>> {
    let Some(id) = id else { return Ok(None) };
    let head: Option<ListingHead> = match kind {
        Kind::Demand => demands::table
            .find(id)
            .filter(demands::status.eq(ListingStatus::Published))
            .select((demands::title, demands::org_id, demands::created_by))
            .first(conn)
            .optional()?,
        Kind::Achievement => achievements::table
            .find(id)
            .filter(achievements::status.eq(ListingStatus::Published))
            .select((achievements::title, achievements::org_id, achievements::created_by))
            .first(conn)
            .optional()?,
    };
    head.map(Some).ok_or(AppError::NotFound)
}

fn parse_id(s: &str) -> AppResult<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| AppError::NotFound)
}

pub(crate) fn pair(conn: &mut DbConn, user: &SessionUser, demand: &str, achievement: &str) -> AppResult<Pair> {
    let (d, a) = (parse_id(demand)?, parse_id(achievement)?);
    let dem = published(conn, Kind::Demand, d)?;
    let ach = published(conn, Kind::Achievement, a)?;
    if !user.org_verified() {
        return Err(AppError::refused("err.needs_verification"));
    }
    let direct = matches!(user.role, Role::Enterprise | Role::Institution);
    // Whether the user's broker organization was commissioned, asked only of a third party.
    let third = match (&dem, &ach) {
        (Some(x), Some(y)) => x.1 != user.org_id && y.1 != user.org_id,
        _ => false,
    };
    let commissioned = if third {
        (
            commissioned(conn, user.org_id, Kind::Demand, d.unwrap_or_default())?,
            commissioned(conn, user.org_id, Kind::Achievement, a.unwrap_or_default())?,
        )
    } else {
        (false, false)
    };
    let me = (String::new(), user.org_id, user.id);
    let (side, broker, dem, ach) = opening(me, direct, dem, ach, commissioned).map_err(|e| match e {
        NotOpenable::NotFound => AppError::NotFound,
        NotOpenable::NotYours => AppError::refused("err.deal_not_yours"),
        NotOpenable::SameOrg => AppError::bad_request(crate::i18n::Msg::t("err.deal_same_org")),
    })?;
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

/// What the form of a new deal shows besides the pair: the match's reasons and the counterparty.
pub(crate) fn new_page_data(conn: &mut DbConn, p: &Pair) -> AppResult<(Vec<crate::matching::Reason>, String)> {
    let stored: Option<String> = match (p.demand_id, p.achievement_id) {
        (Some(d), Some(a)) => matches::table
            .filter(matches::demand_id.eq(d))
            .filter(matches::achievement_id.eq(a))
            .select(matches::reasons)
            .first(conn)
            .optional()?,
        _ => None,
    };
    let reasons = stored.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default();
    let other = if p.side == Side::Buyer {
        p.seller_org
    } else {
        p.buyer_org
    };
    let counterparty: String = organizations::table
        .find(other)
        .select(organizations::name)
        .first(conn)?;
    Ok((reasons, counterparty))
}

/// An open deal on the same listings between the same organizations, which a second opener joins.
fn open_deal_of(conn: &mut DbConn, p: &Pair) -> AppResult<Option<DealId>> {
    let open: Vec<(DealId, Option<i64>, Option<i64>)> = deals::table
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

/// Opens a deal on the pair with the opener's first message, or adds the message to the open deal
/// of the pair; returns the deal.
pub(crate) fn open(conn: &mut DbConn, base: &str, user: &SessionUser, p: &Pair, message: &str) -> AppResult<DealId> {
    // One open deal per pair: a second opener joins the first.
    if let Some(existing) = open_deal_of(conn, p)? {
        add_message(conn, existing, user.id, p.side, message, None)?;
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
            commissioned(conn, b, Kind::Achievement, p.achievement_id.unwrap_or_default())?.then_some(b),
        ),
        (Side::Seller, Some(b)) => (
            commissioned(conn, b, Kind::Demand, p.demand_id.unwrap_or_default())?.then_some(b),
            Some(b),
        ),
        (_, None) => (None, None),
    };
    let status = Action::Opened.start().unwrap_or(DealStatus::Proposed);
    let id: DealId = diesel::insert_into(deals::table)
        .values((
            deals::demand_id.eq(p.demand_id),
            deals::achievement_id.eq(p.achievement_id),
            deals::buyer_org_id.eq(p.buyer_org),
            deals::seller_org_id.eq(p.seller_org),
            deals::buyer_user_id.eq(buyer_user),
            deals::seller_user_id.eq(seller_user),
            deals::opened_by.eq(p.side),
            deals::buyer_broker_org_id.eq(buyer_broker),
            deals::seller_broker_org_id.eq(seller_broker),
            deals::status.eq(status),
            deals::version.eq(0),
            deals::created_at.eq(t),
            deals::updated_at.eq(t),
        ))
        .returning(deals::id)
        .get_result(conn)?;
    record(conn, id, user.id, Action::Opened, status, None)?;
    add_message(conn, id, user.id, p.side, message, None)?;
    let deal = load(conn, id)?;
    notify(conn, base, &deal, p.side.other(), "proposed", message)?;
    Ok(id)
}

pub(crate) fn add_message(
    conn: &mut DbConn,
    deal: DealId,
    user: i64,
    side: Side,
    body: &str,
    file: Option<i64>,
) -> AppResult<()> {
    diesel::insert_into(deal_messages::table)
        .values((
            deal_messages::deal_id.eq(deal),
            deal_messages::user_id.eq(user),
            deal_messages::side.eq(side),
            deal_messages::body.eq(body),
            deal_messages::file_id.eq(file),
            deal_messages::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- the room ------------------------------------------------------------------------------------

/// The invited side answers a proposed deal: accepting opens the room (and a member of the party
/// who answers becomes that side's contact person), declining closes it with a reason.
pub(crate) fn respond(
    conn: &mut DbConn,
    base: &str,
    (user, id, version): (&SessionUser, DealId, i32),
    accept: bool,
    reason: &str,
) -> AppResult<()> {
    let (deal, side) = party(conn, user, id)?;
    if side == deal.opener() {
        return Err(AppError::refused("err.deal_not_invited"));
    }
    if !accept {
        change(conn, (&deal, version), Action::Declined, Some(reason), user.id)?;
        return notify(conn, base, &deal, side.other(), "declined", reason);
    }
    change(conn, (&deal, version), Action::Accepted, None, user.id)?;
    // A broker answering leaves its principal the contact.
    if user.org_id == deal.org_of(side) {
        match side {
            Side::Buyer => diesel::update(deals::table.find(id))
                .set(deals::buyer_user_id.eq(user.id))
                .execute(conn)?,
            Side::Seller => diesel::update(deals::table.find(id))
                .set(deals::seller_user_id.eq(user.id))
                .execute(conn)?,
        };
    }
    notify(conn, base, &deal, side.other(), "accepted", "")
}

/// Whether the deal's room takes messages, for a party.
pub(crate) fn room_open_for(conn: &mut DbConn, user: &SessionUser, id: DealId) -> AppResult<bool> {
    Ok(party(conn, user, id)?.0.room_open())
}

/// A party's message, with its attachment (data, name, kind) if any.
pub(crate) fn post_message(
    conn: &mut DbConn,
    base: &str,
    (user, id): (&SessionUser, DealId),
    body: &str,
    file: Option<(Vec<u8>, String, crate::files::Kind)>,
) -> AppResult<()> {
    let (deal, side) = party(conn, user, id)?;
    if !deal.room_open() {
        return Err(AppError::conflict("err.deal_closed"));
    }
    let file_id = match file {
        Some((data, name, kind)) => Some(crate::files::store(
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
    add_message(conn, id, user.id, side, body, file_id)?;
    diesel::update(deals::table.find(id))
        .set(deals::updated_at.eq(now()))
        .execute(conn)?;
    notify(conn, base, &deal, side.other(), "message", body)
}

/// What a party does to the offers: make one (superseding the open one), or accept the other
/// side's latest.
pub(crate) enum OfferMove {
    Make { input: OfferInput, price_fen: i64 },
    Accept(i64),
}

/// The one offer path: a new offer puts the deal in negotiation, accepting the other side's
/// latest open offer agrees it.
pub(crate) fn act_on_offer(
    conn: &mut DbConn,
    base: &str,
    (user, id, version): (&SessionUser, DealId, i32),
    m: OfferMove,
) -> AppResult<()> {
    let (deal, side) = party(conn, user, id)?;
    match m {
        OfferMove::Make { input, price_fen } => {
            change(conn, (&deal, version), Action::Offered, None, user.id)?;
            diesel::update(
                deal_offers::table
                    .filter(deal_offers::deal_id.eq(id))
                    .filter(deal_offers::status.eq(OfferStatus::Open)),
            )
            .set(deal_offers::status.eq(OfferStatus::Superseded))
            .execute(conn)?;
            diesel::insert_into(deal_offers::table)
                .values((
                    deal_offers::deal_id.eq(id),
                    deal_offers::user_id.eq(user.id),
                    deal_offers::side.eq(side),
                    deal_offers::price_fen.eq(price_fen),
                    deal_offers::coop_mode.eq(&input.coop_mode),
                    deal_offers::payment_terms.eq(&input.payment_terms),
                    deal_offers::licence_scope.eq(&input.licence_scope),
                    deal_offers::note.eq(&input.note),
                    deal_offers::status.eq(OfferStatus::Open),
                    deal_offers::created_at.eq(now()),
                ))
                .execute(conn)?;
            let amount = crate::money::format_human(price_fen, false);
            notify(conn, base, &deal, side.other(), "offer", &amount)
        }
        OfferMove::Accept(offer) => {
            let latest: Option<(i64, Side, OfferStatus)> = deal_offers::table
                .filter(deal_offers::deal_id.eq(id))
                .order(deal_offers::id.desc())
                .select((deal_offers::id, deal_offers::side, deal_offers::status))
                .first(conn)
                .optional()?;
            may_accept(latest, offer, side).map_err(|e| match e {
                NotAcceptable::NoOffer => AppError::NotFound,
                NotAcceptable::Changed => AppError::conflict("err.deal_changed"),
                NotAcceptable::Own => AppError::refused("err.offer_own"),
            })?;
            change(conn, (&deal, version), Action::Agreed, None, user.id)?;
            diesel::update(deals::table.find(id))
                .set(deals::agreed_offer_id.eq(Some(offer)))
                .execute(conn)?;
            diesel::update(deal_offers::table.find(offer))
                .set(deal_offers::status.eq(OfferStatus::Accepted))
                .execute(conn)?;
            notify(conn, base, &deal, side.other(), "agreed", "")
        }
    }
}

/// A party withdraws an open deal, with a reason the other side sees.
pub(crate) fn withdraw(
    conn: &mut DbConn,
    base: &str,
    (user, id, version): (&SessionUser, DealId, i32),
    reason: &str,
) -> AppResult<()> {
    let (deal, side) = party(conn, user, id)?;
    change(conn, (&deal, version), Action::Withdrawn, Some(reason), user.id)?;
    notify(conn, base, &deal, side.other(), "withdrawn", reason)
}

/// An attachment of one of the deal's messages (name, type, data), for those who see the deal.
pub(crate) fn attachment(
    conn: &mut DbConn,
    user: &SessionUser,
    id: DealId,
    file: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    visible(conn, user, id)?;
    let attached: i64 = deal_messages::table
        .filter(deal_messages::deal_id.eq(id))
        .filter(deal_messages::file_id.eq(file))
        .count()
        .get_result(conn)?;
    if attached == 0 {
        return Err(AppError::NotFound);
    }
    crate::files::load(conn, file)
}

type OfferRow = (i64, i64, String, Side, i64, String, String, String, String, OfferStatus);

pub(crate) fn load_offers(conn: &mut DbConn, deal: DealId) -> AppResult<Vec<OfferView>> {
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

/// Everything the room shows, for those who see the deal.
pub(crate) fn room(conn: &mut DbConn, user: &SessionUser, id: DealId) -> AppResult<Room> {
    let (deal, side) = visible(conn, user, id)?;
    let (demand_title, achievement_title) = titles(conn, &deal)?;
    let orgs: Vec<i64> = [deal.buyer_org_id, deal.seller_org_id]
        .into_iter()
        .chain(deal.buyer_broker_org_id)
        .chain(deal.seller_broker_org_id)
        .collect();
    let names = org_names(conn, &orgs)?;
    let name = |o: i64| names.get(&o).cloned().unwrap_or_default();
    let events: Vec<(i64, String, Action, Option<String>)> = deal_events::table
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
    type MessageRow = (i64, String, Side, String, Option<i64>, Option<String>);
    let messages: Vec<MessageRow> = deal_messages::table
        .inner_join(users::table)
        .left_join(files_t::table.on(files_t::id.nullable().eq(deal_messages::file_id)))
        .filter(deal_messages::deal_id.eq(id))
        .order(deal_messages::id)
        .select((
            deal_messages::created_at,
            users::name,
            deal_messages::side,
            deal_messages::body,
            deal_messages::file_id,
            files_t::filename.nullable(),
        ))
        .load(conn)?;
    Ok(Room {
        buyer_name: name(deal.buyer_org_id),
        seller_name: name(deal.seller_org_id),
        buyer_broker: deal.buyer_broker_org_id.map(name),
        seller_broker: deal.seller_broker_org_id.map(name),
        demand_title,
        achievement_title,
        events: events
            .into_iter()
            .map(|(at, who, action, reason)| EventView {
                at,
                who,
                action,
                reason,
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|(at, who, side, body, file, name)| MessageView {
                at,
                who,
                side,
                body,
                file: file.zip(name),
            })
            .collect(),
        offers: load_offers(conn, id)?,
        deal,
        side,
    })
}

/// The deals of the user's organization (as a party or its broker), latest change first, with
/// whose turn it is: five queries for the whole list.
pub(crate) fn rows_for(conn: &mut DbConn, user: &SessionUser) -> AppResult<Vec<DealRow>> {
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
    let mut titles = titles_of(conn, &ds)?;
    let sides: Vec<(&Deal, Side)> = ds.iter().map(|d| (d, d.side_of(user).unwrap_or(Side::Buyer))).collect();
    let others: Vec<i64> = sides.iter().map(|(d, s)| d.org_of(s.other())).collect();
    let names = org_names(conn, &others)?;
    let ids: Vec<DealId> = ds.iter().map(|d| d.id).collect();
    let open = open_offer_sides(conn, &ids)?;
    Ok(sides
        .into_iter()
        .map(|(d, side)| {
            let (demand_title, achievement_title) = titles.remove(&d.id).unwrap_or_default();
            DealRow {
                id: d.id,
                demand_title,
                achievement_title,
                counterpart: names.get(&d.org_of(side.other())).cloned().unwrap_or_default(),
                status: d.status,
                updated_at: d.updated_at,
                mine_to_act: mine_to_act(d.status, side, d.opener(), open.get(&d.id).copied()),
            }
        })
        .collect())
}

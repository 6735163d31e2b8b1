//! Every query of commissions: whether a broker is commissioned, the commissions of a listing and
//! of a broker (a fixed number of queries for the whole list), asking a broker and its decision.

use std::collections::HashMap;

use diesel::prelude::*;

use super::rules::*;
use super::views::*;
use crate::auth::{Role, SessionUser};
use crate::db::{now, DbConn};
use crate::error::{AppError, AppResult};
use crate::schema::{achievements, commissions, demands, organizations, users};
use crate::vocabulary::Kind;

/// Whether a broker organization holds an accepted commission for a listing.
pub fn commissioned(conn: &mut DbConn, broker_org: i64, kind: Kind, listing: i64) -> QueryResult<bool> {
    let n: i64 = commissions::table
        .filter(commissions::broker_org_id.eq(broker_org))
        .filter(commissions::listing_kind.eq(kind.as_str()))
        .filter(commissions::listing_id.eq(listing))
        .filter(commissions::status.eq(CommissionStatus::Accepted))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A verified broker organization: id, name, certificate, region code.
pub type BrokerRow = (i64, String, Option<String>, String);

/// Verified broker organizations, by name; only `id` when one is named.
fn brokers(conn: &mut DbConn, id: Option<i64>) -> QueryResult<Vec<BrokerRow>> {
    let mut q = organizations::table
        .filter(organizations::kind.eq_any(crate::vocabulary::OrgKind::BROKERS))
        .filter(organizations::verification.eq(crate::vocabulary::Verification::Verified))
        .into_boxed::<<DbConn as Connection>::Backend>();
    if let Some(id) = id {
        q = q.filter(organizations::id.eq(id));
    }
    q.order(organizations::name)
        .select((
            organizations::id,
            organizations::name,
            organizations::broker_certificate,
            organizations::region_code,
        ))
        .load(conn)
}

/// Verified broker organizations, by name.
pub fn verified_brokers(conn: &mut DbConn) -> QueryResult<Vec<BrokerRow>> {
    brokers(conn, None)
}

/// A verified broker organization, if `id` is one.
pub fn verified_broker(conn: &mut DbConn, id: i64) -> QueryResult<Option<BrokerRow>> {
    Ok(brokers(conn, Some(id))?.pop())
}

/// The names of organizations, by id (one query).
pub fn org_names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The titles of needs and achievements, by kind and id (two queries).
pub fn listing_titles(conn: &mut DbConn, demand_ids: &[i64], achievement_ids: &[i64]) -> QueryResult<Titles> {
    let demands: HashMap<i64, String> = demands::table
        .filter(demands::id.eq_any(demand_ids))
        .select((demands::id, demands::title))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let achievements: HashMap<i64, String> = achievements::table
        .filter(achievements::id.eq_any(achievement_ids))
        .select((achievements::id, achievements::title))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(Titles { demands, achievements })
}

/// Titles of listings loaded for a list page.
#[derive(Debug, Default)]
pub struct Titles {
    pub demands: HashMap<i64, String>,
    pub achievements: HashMap<i64, String>,
}

impl Titles {
    pub fn of(&self, kind: Kind, id: i64) -> String {
        let map = match kind {
            Kind::Demand => &self.demands,
            Kind::Achievement => &self.achievements,
        };
        map.get(&id).cloned().unwrap_or_default()
    }
}

type CommissionRow = (i64, String, i64, i64, i64, CommissionStatus, Option<String>, i64);

fn kind_of(word: &str) -> Kind {
    if word == "demand" {
        Kind::Demand
    } else {
        Kind::Achievement
    }
}

/// The commissions of a listing (`Some`) or of a broker, newest first, with their listings' titles
/// and their organizations' names: four queries for the whole list.
fn load(conn: &mut DbConn, listing: Option<(Kind, i64)>, broker: Option<i64>) -> QueryResult<Vec<CommissionView>> {
    let mut q = commissions::table
        .into_boxed::<<DbConn as Connection>::Backend>()
        .order(commissions::id.desc());
    if let Some((kind, id)) = listing {
        q = q
            .filter(commissions::listing_kind.eq(kind.as_str()))
            .filter(commissions::listing_id.eq(id));
    }
    if let Some(b) = broker {
        q = q.filter(commissions::broker_org_id.eq(b));
    }
    let rows: Vec<CommissionRow> = q
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
    let ids = |k: Kind| -> Vec<i64> { rows.iter().filter(|r| kind_of(&r.1) == k).map(|r| r.2).collect() };
    let titles = listing_titles(conn, &ids(Kind::Demand), &ids(Kind::Achievement))?;
    let orgs: Vec<i64> = rows.iter().flat_map(|r| [r.3, r.4]).collect();
    let names = org_names(conn, &orgs)?;
    let name = |o: i64| names.get(&o).cloned().unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|(id, kind, lid, owner, broker, status, reason, at)| CommissionView {
            id,
            listing_title: titles.of(kind_of(&kind), lid),
            listing_kind: kind,
            listing_id: lid,
            owner_name: name(owner),
            broker_id: broker,
            broker_name: name(broker),
            status,
            reason,
            created_at: at,
        })
        .collect())
}

/// The commissions a broker organization was asked for, newest first.
pub fn of_broker(conn: &mut DbConn, broker: i64) -> QueryResult<Vec<CommissionView>> {
    load(conn, None, Some(broker))
}

impl Panel {
    pub fn load(conn: &mut DbConn, kind: Kind, id: i64, owner: bool) -> QueryResult<Panel> {
        if !owner {
            return Ok(Panel::default());
        }
        let current = load(conn, Some((kind, id)), None)?;
        let brokers = verified_brokers(conn)?.into_iter().map(|r| (r.0, r.1)).collect();
        Ok(Panel {
            shown: true,
            kind: kind.as_str().to_string(),
            listing_id: id,
            current,
            brokers,
        })
    }
}

/// Mails a user about a commission; the link's full address is the last argument.
fn notify(conn: &mut DbConn, base: &str, user: i64, what: &str, args: &[&str], link: &str) -> AppResult<()> {
    let url = format!("{base}{link}");
    let mut all: Vec<&str> = args.to_vec();
    all.push(&url);
    crate::mail::enqueue_for_user(conn, user, &format!("mail.commission_{what}"), &all, link)
}

/// The owner organization and the title of a listing.
fn listing_owner(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<(i64, String)> {
    match kind {
        Kind::Demand => demands::table
            .find(id)
            .select((demands::org_id, demands::title))
            .first(conn),
        Kind::Achievement => achievements::table
            .find(id)
            .select((achievements::org_id, achievements::title))
            .first(conn),
    }
}

/// The owner of a listing asks a verified broker to work it; the broker's members are mailed.
pub fn ask(conn: &mut DbConn, base: &str, user: &SessionUser, (kind, id): (Kind, i64), broker: i64) -> AppResult<()> {
    let (owner_org, title) = listing_owner(conn, kind, id)?;
    if owner_org != user.org_id || user.role == Role::Officer {
        return Err(AppError::refused("err.commission_not_owner"));
    }
    if verified_broker(conn, broker)?.is_none() {
        return Err(AppError::bad_request(crate::i18n::Msg::t("err.choose_broker")));
    }
    let existing: i64 = commissions::table
        .filter(commissions::listing_kind.eq(kind.as_str()))
        .filter(commissions::listing_id.eq(id))
        .filter(commissions::broker_org_id.eq(broker))
        .filter(commissions::status.eq_any(LIVE))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(AppError::bad_request(crate::i18n::Msg::t("err.commission_twice")));
    }
    diesel::insert_into(commissions::table)
        .values((
            commissions::listing_kind.eq(kind.as_str()),
            commissions::listing_id.eq(id),
            commissions::owner_org_id.eq(owner_org),
            commissions::broker_org_id.eq(broker),
            commissions::created_by.eq(user.id),
            commissions::status.eq(CommissionStatus::Pending),
            commissions::created_at.eq(now()),
        ))
        .execute(conn)?;
    let broker_users: Vec<i64> = users::table
        .filter(users::org_id.eq(broker))
        .select(users::id)
        .load(conn)?;
    for u in broker_users {
        let args = [user.org_name.as_str(), title.as_str()];
        notify(conn, base, u, "asked", &args, "/broker/commissions")?;
    }
    Ok(())
}

/// The broker decides a commission it was asked for, if nobody decided it first; the owner who
/// asked is mailed.
pub fn decide(
    conn: &mut DbConn,
    base: &str,
    user: &SessionUser,
    id: i64,
    (d, reason): (Decision, &str),
) -> AppResult<()> {
    let (owner_user, kind, lid): (i64, String, i64) = commissions::table
        .filter(commissions::id.eq(id))
        .filter(commissions::broker_org_id.eq(user.org_id))
        .select((
            commissions::created_by,
            commissions::listing_kind,
            commissions::listing_id,
        ))
        .first(conn)?;
    let Some(to) = CommissionStatus::Pending.next(d) else {
        unreachable!("a pending commission may be decided")
    };
    let n = diesel::update(
        commissions::table
            .filter(commissions::id.eq(id))
            .filter(commissions::status.eq(CommissionStatus::Pending)),
    )
    .set((
        commissions::status.eq(to),
        commissions::reason.eq((d == Decision::Decline).then_some(reason)),
        commissions::decided_at.eq(Some(now())),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict("err.commission_decided"));
    }
    let link = format!("{}/{lid}", kind_of(&kind).base());
    let args = [user.org_name.as_str(), reason];
    notify(conn, base, owner_user, d.mail(), &args, &link)
}

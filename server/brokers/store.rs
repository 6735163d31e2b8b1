//! Every query of brokers: profiles with their track records (a fixed number of queries for the
//! whole list), the broker's own profile, and the pipeline of its deals.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::rules::*;
use super::views::Column;
use super::views::*;
use crate::auth::SessionUser;
use crate::commissions::{org_names, verified_broker, verified_brokers, BrokerRow, CommissionStatus};
use crate::db::{now, DbConn};
use crate::deals::{open_offer_sides, titles_of, waiting, Deal, DealStatus, OPEN};
use crate::error::{AppError, AppResult};
use crate::organizations::notify_admins;
use crate::schema::{broker_profiles, commissions, contracts, deal_offers, deals, organizations};
use crate::vocabulary::{split_list, OrgKind, Verification};

/// A broker's profile as stored: fields, regions, introduction.
pub type Profile = (String, String, String);

/// The profiles of broker organizations, by organization: one query.
fn profiles(conn: &mut DbConn, orgs: &[i64]) -> QueryResult<HashMap<i64, Profile>> {
    Ok(broker_profiles::table
        .filter(broker_profiles::org_id.eq_any(orgs))
        .select((
            broker_profiles::org_id,
            (
                broker_profiles::fields,
                broker_profiles::regions,
                broker_profiles::intro,
            ),
        ))
        .load::<(i64, Profile)>(conn)?
        .into_iter()
        .collect())
}

/// The broker organization's own profile, if it wrote one.
pub fn profile_of(conn: &mut DbConn, org: i64) -> QueryResult<Option<Profile>> {
    Ok(profiles(conn, &[org])?.remove(&org))
}

/// Replaces the broker organization's profile.
pub fn save_profile(conn: &mut DbConn, org: i64, (fields, regions, intro): (&str, &str, &str)) -> QueryResult<()> {
    diesel::delete(broker_profiles::table.find(org)).execute(conn)?;
    diesel::insert_into(broker_profiles::table)
        .values((
            broker_profiles::org_id.eq(org),
            broker_profiles::fields.eq(fields),
            broker_profiles::regions.eq(regions),
            broker_profiles::intro.eq(intro),
            broker_profiles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The track records of broker organizations, by organization: four queries for all of them. Each
/// organization's record counts the deals of its group: itself and, for an agency, its members.
fn track_records(conn: &mut DbConn, groups: &HashMap<i64, Vec<i64>>) -> QueryResult<HashMap<i64, TrackRecord>> {
    let all: Vec<i64> = groups.values().flatten().copied().collect();
    let orgs = all.as_slice();
    type DealRow = (i64, Option<i64>, Option<i64>, DealStatus, Option<i64>);
    let ds: Vec<DealRow> = deals::table
        .filter(
            deals::buyer_broker_org_id
                .eq_any(orgs)
                .or(deals::seller_broker_org_id.eq_any(orgs)),
        )
        .select((
            deals::id,
            deals::buyer_broker_org_id,
            deals::seller_broker_org_id,
            deals::status,
            deals::agreed_offer_id,
        ))
        .load(conn)?;
    let agreed_offers: Vec<i64> = ds
        .iter()
        .filter(|d| d.3 == DealStatus::Agreed)
        .filter_map(|d| d.4)
        .collect();
    let prices: HashMap<i64, i64> = deal_offers::table
        .filter(deal_offers::id.eq_any(&agreed_offers))
        .select((deal_offers::id, deal_offers::price_fen))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let principals: Vec<(i64, String)> = commissions::table
        .inner_join(organizations::table.on(organizations::id.eq(commissions::owner_org_id)))
        .filter(commissions::broker_org_id.eq_any(orgs))
        .filter(commissions::status.eq(CommissionStatus::Accepted))
        .select((commissions::broker_org_id, organizations::name))
        .distinct()
        .load(conn)?;
    let deal_ids: Vec<i64> = ds.iter().map(|d| d.0).collect();
    // A contract's status has no enum yet (the contracts area's own step of issue 13).
    let registered: Vec<(Option<i64>, Option<i64>, i64)> = contracts::table
        .filter(contracts::status.eq(crate::registration::RegistrationStatus::Registered))
        .filter(
            contracts::intermediary_org_id
                .eq_any(orgs)
                .or(contracts::deal_id.eq_any(&deal_ids)),
        )
        .select((
            contracts::intermediary_org_id,
            contracts::deal_id,
            contracts::contract_fen,
        ))
        .load(conn)?;
    let mut out = HashMap::new();
    for (&org, group) in groups {
        let of_group = |o: Option<i64>| o.is_some_and(|o| group.contains(&o));
        let mine: Vec<&DealRow> = ds.iter().filter(|d| of_group(d.1) || of_group(d.2)).collect();
        let agreed: Vec<&&DealRow> = mine.iter().filter(|d| d.3 == DealStatus::Agreed).collect();
        let my_deals: HashSet<i64> = mine.iter().map(|d| d.0).collect();
        let contracts: Vec<i64> = registered
            .iter()
            .filter(|c| of_group(c.0) || c.1.is_some_and(|d| my_deals.contains(&d)))
            .map(|c| c.2)
            .collect();
        let record = TrackRecord {
            agreed: agreed.len() as i64,
            agreed_fen: agreed.iter().filter_map(|d| d.4).filter_map(|o| prices.get(&o)).sum(),
            open: mine.iter().filter(|d| OPEN.contains(&d.3)).count() as i64,
            principals: {
                let mut names: Vec<String> = principals
                    .iter()
                    .filter(|p| group.contains(&p.0))
                    .map(|p| p.1.clone())
                    .collect();
                names.sort();
                names.dedup();
                names
            },
            contracts: contracts.len() as i64,
            contracts_fen: contracts.iter().sum(),
        };
        out.insert(org, record);
    }
    Ok(out)
}

/// Each broker organization's agency (for an individual broker that joined one) and members (for
/// an agency), by organization: three queries for all of them.
fn agencies_and_members(conn: &mut DbConn, orgs: &[i64]) -> QueryResult<(Agencies, Members)> {
    let members: Vec<(Option<i64>, i64, String)> = organizations::table
        .filter(organizations::agency_id.eq_any(orgs))
        .order(organizations::name)
        .select((organizations::agency_id, organizations::id, organizations::name))
        .load(conn)?;
    let mut by_agency: Members = HashMap::new();
    for (a, id, name) in members {
        if let Some(a) = a {
            by_agency.entry(a).or_default().push((id, name));
        }
    }
    let of_members: Vec<(i64, Option<i64>)> = organizations::table
        .filter(organizations::id.eq_any(orgs))
        .filter(organizations::agency_id.is_not_null())
        .select((organizations::id, organizations::agency_id))
        .load(conn)?;
    let ids: Vec<i64> = of_members.iter().filter_map(|m| m.1).collect();
    let names = org_names(conn, &ids)?;
    let agencies = of_members
        .into_iter()
        .filter_map(|(m, a)| a.map(|a| (m, (a, names.get(&a).cloned().unwrap_or_default()))))
        .collect();
    Ok((agencies, by_agency))
}

/// An agency's members, by agency: (organization, name), by name.
type Members = HashMap<i64, Vec<(i64, String)>>;
/// An individual broker's agency, by broker: (organization, name).
type Agencies = HashMap<i64, (i64, String)>;

/// Profiles of broker organizations with their track records: nine queries for all of them.
fn views(conn: &mut DbConn, en: bool, rows: Vec<BrokerRow>) -> QueryResult<Vec<BrokerView>> {
    let orgs: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut profiles = profiles(conn, &orgs)?;
    let (mut agencies, mut members) = agencies_and_members(conn, &orgs)?;
    let groups: HashMap<i64, Vec<i64>> = orgs
        .iter()
        .map(|&o| {
            let mut group = vec![o];
            group.extend(members.get(&o).into_iter().flatten().map(|m| m.0));
            (o, group)
        })
        .collect();
    let mut records = track_records(conn, &groups)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (fields, regions, intro) = profiles.remove(&row.0).unwrap_or_default();
            BrokerView {
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
                record: records.remove(&row.0).unwrap_or_default(),
                agency: agencies.remove(&row.0),
                members: members.remove(&row.0).unwrap_or_default(),
            }
        })
        .collect())
}

/// Verified brokers, by name, with their profiles and track records.
pub fn all(conn: &mut DbConn, en: bool) -> QueryResult<Vec<BrokerView>> {
    let rows = verified_brokers(conn)?;
    views(conn, en, rows)
}

/// A verified broker with its profile and track record.
pub fn one(conn: &mut DbConn, en: bool, id: i64) -> QueryResult<BrokerView> {
    let row = verified_broker(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    Ok(views(conn, en, vec![row])?.remove(0))
}

/// The broker's deals by stage, each with whom it waits on and for how many days: six queries.
pub fn pipeline(conn: &mut DbConn, user: &SessionUser) -> AppResult<Vec<Column>> {
    let ds: Vec<Deal> = deals::table
        .filter(
            deals::buyer_broker_org_id
                .eq(user.org_id)
                .or(deals::seller_broker_org_id.eq(user.org_id)),
        )
        .order(deals::updated_at)
        .load(conn)?;
    let mut titles = titles_of(conn, &ds)?;
    let orgs: Vec<i64> = ds.iter().flat_map(|d| [d.buyer_org_id, d.seller_org_id]).collect();
    let names = org_names(conn, &orgs)?;
    let name = |o: i64| names.get(&o).cloned().unwrap_or_default();
    let ids: Vec<crate::ids::DealId> = ds.iter().map(|d| d.id).collect();
    let open = open_offer_sides(conn, &ids)?;
    let mut columns: Vec<Column> = Stage::ALL
        .iter()
        .map(|s| Column {
            stage: *s,
            cards: Vec::new(),
        })
        .collect();
    let t = now();
    for d in ds {
        let (demand_title, achievement_title) = titles.remove(&d.id).unwrap_or_default();
        let w = waiting(d.status, d.opener(), open.get(&d.id).copied());
        let card = Card {
            id: d.id,
            demand_title,
            achievement_title,
            for_side: d.side_of(user).map(|s| s.as_str().to_string()).unwrap_or_default(),
            waiting: w,
            buyer: name(d.buyer_org_id),
            seller: name(d.seller_org_id),
            days: (t - d.updated_at).max(0) / 86_400,
        };
        if let Some(col) = columns.iter_mut().find(|col| col.stage == Stage::of(d.status)) {
            col.cards.push(card);
        }
    }
    Ok(columns)
}

// ---- agencies: an individual broker joins a transfer platform or institution ---------------------

/// Where a broker answers, or reads the answer to, a request to join an agency.
const AGENCY_PAGE: &str = "/broker/profile#agency";

/// The verified agencies an individual broker may join, by name.
pub fn agencies(conn: &mut DbConn) -> QueryResult<Vec<(i64, String)>> {
    organizations::table
        .filter(organizations::kind.eq_any(OrgKind::AGENCIES))
        .filter(organizations::verification.eq(Verification::Verified))
        .order(organizations::name)
        .select((organizations::id, organizations::name))
        .load(conn)
}

/// Where an individual broker stands with an agency.
pub fn membership(conn: &mut DbConn, org: i64) -> QueryResult<Membership> {
    let (member, asked): (Option<i64>, Option<i64>) = organizations::table
        .find(org)
        .select((organizations::agency_id, organizations::agency_request_id))
        .first(conn)?;
    let name = |conn: &mut DbConn, id: i64| -> QueryResult<String> {
        organizations::table.find(id).select(organizations::name).first(conn)
    };
    Ok(match (member, asked) {
        (Some(a), _) => Membership::Member(a, name(conn, a)?),
        (None, Some(a)) => Membership::Requested(a, name(conn, a)?),
        (None, None) => Membership::Alone,
    })
}

/// An individual broker asks `agency` to take it in (in place of any earlier request); the
/// agency's administrators are mailed.
pub fn request_agency(conn: &mut DbConn, base: &str, user: &SessionUser, agency: i64) -> AppResult<()> {
    let found: Option<(OrgKind, Verification)> = organizations::table
        .find(agency)
        .select((organizations::kind, organizations::verification))
        .first(conn)
        .optional()?;
    let target = found.map(|(k, v)| (k, v == Verification::Verified));
    if let Some(key) = join_refusal(user.org_kind, target) {
        return Err(AppError::bad_request(crate::i18n::Msg::t(key)));
    }
    if let Membership::Member(..) = membership(conn, user.org_id)? {
        return Err(AppError::conflict("err.agency_member_already"));
    }
    diesel::update(organizations::table.find(user.org_id))
        .set(organizations::agency_request_id.eq(Some(agency)))
        .execute(conn)?;
    let url = format!("{base}{AGENCY_PAGE}");
    notify_admins(conn, agency, "agency_request", &[&user.org_name, &url], AGENCY_PAGE)
}

/// The broker leaves its agency, or takes back its request.
pub fn leave_agency(conn: &mut DbConn, org: i64) -> QueryResult<()> {
    diesel::update(organizations::table.find(org))
        .set((
            organizations::agency_id.eq(None::<i64>),
            organizations::agency_request_id.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A broker that asked to join an agency, or is a member: organization, name, certificate.
pub type RosterRow = (i64, String, Option<String>);

/// The brokers that asked to join `agency`, and its members, each by name.
pub fn roster(conn: &mut DbConn, agency: i64) -> QueryResult<(Vec<RosterRow>, Vec<RosterRow>)> {
    let cols = (
        organizations::id,
        organizations::name,
        organizations::broker_certificate,
    );
    let asked = organizations::table
        .filter(organizations::agency_request_id.eq(agency))
        .filter(organizations::agency_id.is_null())
        .order(organizations::name)
        .select(cols)
        .load(conn)?;
    let members = organizations::table
        .filter(organizations::agency_id.eq(agency))
        .order(organizations::name)
        .select(cols)
        .load(conn)?;
    Ok((asked, members))
}

/// The agency's administrator takes in a broker that asked, turns it away, or lets a member go;
/// the broker (its organization's administrator: an individual broker is one person) is mailed.
pub fn decide_member(
    conn: &mut DbConn,
    base: &str,
    user: &SessionUser,
    broker: i64,
    d: MemberDecision,
) -> AppResult<()> {
    if !user.is_admin || !user.org_kind.is_agency() {
        return Err(AppError::refused("err.agency_admin_only"));
    }
    if !d.applies(&membership(conn, broker)?, user.org_id) {
        return Err(AppError::NotFound);
    }
    let (agency_id, what) = match d {
        MemberDecision::Accept => (Some(user.org_id), "accepted"),
        MemberDecision::Decline => (None, "declined"),
        MemberDecision::Remove => (None, "removed"),
    };
    diesel::update(organizations::table.find(broker))
        .set((
            organizations::agency_id.eq(agency_id),
            organizations::agency_request_id.eq(None::<i64>),
        ))
        .execute(conn)?;
    let url = format!("{base}{AGENCY_PAGE}");
    notify_admins(
        conn,
        broker,
        &format!("agency_{what}"),
        &[&user.org_name, &url],
        AGENCY_PAGE,
    )
}

/// The agency section of the user's broker profile page.
pub fn agency_panel(conn: &mut DbConn, user: &SessionUser) -> QueryResult<AgencyPanel> {
    if user.org_kind.is_agency() {
        let (asked, members) = roster(conn, user.org_id)?;
        return Ok(AgencyPanel::Agency {
            asked,
            members,
            admin: user.is_admin,
        });
    }
    // Else an individual broker: only broker kinds reach the broker pages.
    Ok(AgencyPanel::Broker {
        membership: membership(conn, user.org_id)?,
        agencies: agencies(conn)?,
    })
}

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
use crate::error::AppResult;
use crate::schema::{broker_profiles, commissions, contracts, deal_offers, deals, organizations};
use crate::vocabulary::split_list;

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

/// The track records of broker organizations, by organization: four queries for all of them.
fn track_records(conn: &mut DbConn, orgs: &[i64]) -> QueryResult<HashMap<i64, TrackRecord>> {
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
    for &org in orgs {
        let mine: Vec<&DealRow> = ds.iter().filter(|d| d.1 == Some(org) || d.2 == Some(org)).collect();
        let agreed: Vec<&&DealRow> = mine.iter().filter(|d| d.3 == DealStatus::Agreed).collect();
        let my_deals: HashSet<i64> = mine.iter().map(|d| d.0).collect();
        let contracts: Vec<i64> = registered
            .iter()
            .filter(|c| c.0 == Some(org) || c.1.is_some_and(|d| my_deals.contains(&d)))
            .map(|c| c.2)
            .collect();
        let record = TrackRecord {
            agreed: agreed.len() as i64,
            agreed_fen: agreed.iter().filter_map(|d| d.4).filter_map(|o| prices.get(&o)).sum(),
            open: mine.iter().filter(|d| OPEN.contains(&d.3)).count() as i64,
            principals: principals.iter().filter(|p| p.0 == org).map(|p| p.1.clone()).collect(),
            contracts: contracts.len() as i64,
            contracts_fen: contracts.iter().sum(),
        };
        out.insert(org, record);
    }
    Ok(out)
}

/// Profiles of broker organizations with their track records: six queries for all of them.
fn views(conn: &mut DbConn, en: bool, rows: Vec<BrokerRow>) -> QueryResult<Vec<BrokerView>> {
    let orgs: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut profiles = profiles(conn, &orgs)?;
    let mut records = track_records(conn, &orgs)?;
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

//! Every query of matching: the profiles the scorer reads, the pairs stored for a listing, whether
//! a listing's matches are still being computed, and the matches section a listing page shows.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::readiness::Stage;
use crate::schema::{achievements, demands, matches, organizations, search_outbox};
use crate::vocabulary::{split_list, Kind, ListingStatus};

use super::rules::{Profile, Reason};

/// How many matches a listing page shows.
pub const SHOWN: i64 = 10;

type DemandProfileRow = (i64, String, String, String, String, String, String, Option<i64>, bool);
type AchievementProfileRow = (i64, String, String, String, String, i32, String, Option<i64>, bool);

/// Profiles of the published listings among `ids`.
pub fn profiles(conn: &mut DbConn, kind: Kind, ids: &[i64]) -> QueryResult<Vec<Profile>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        match kind {
            Kind::Demand => {
                let rows: Vec<DemandProfileRow> = demands::table
                    .filter(demands::id.eq_any(chunk))
                    .filter(demands::status.eq(ListingStatus::Published))
                    .select((
                        demands::id,
                        demands::title,
                        demands::summary,
                        demands::keywords,
                        demands::field_code,
                        demands::wanted_stage,
                        demands::coop_modes,
                        demands::budget_max_fen,
                        demands::negotiable,
                    ))
                    .load(conn)?;
                out.extend(rows.into_iter().map(|r| Profile {
                    id: r.0,
                    title: r.1,
                    summary: r.2,
                    keywords: split_list(&r.3),
                    field_code: r.4,
                    trl: None,
                    wanted_stage: Stage::parse(&r.5),
                    modes: split_list(&r.6),
                    amount_fen: if r.8 { None } else { r.7 },
                }));
            }
            Kind::Achievement => {
                let rows: Vec<AchievementProfileRow> = achievements::table
                    .filter(achievements::id.eq_any(chunk))
                    .filter(achievements::status.eq(ListingStatus::Published))
                    .select((
                        achievements::id,
                        achievements::title,
                        achievements::summary,
                        achievements::keywords,
                        achievements::field_code,
                        achievements::trl,
                        achievements::transfer_modes,
                        achievements::price_fen,
                        achievements::negotiable,
                    ))
                    .load(conn)?;
                out.extend(rows.into_iter().map(|r| Profile {
                    id: r.0,
                    title: r.1,
                    summary: r.2,
                    keywords: split_list(&r.3),
                    field_code: r.4,
                    trl: u8::try_from(r.5).ok(),
                    wanted_stage: None,
                    modes: split_list(&r.6),
                    amount_fen: if r.8 { None } else { r.7 },
                }));
            }
        }
    }
    Ok(out)
}

/// The pairs stored for a listing: (demand, achievement) → score.
pub(crate) fn stored_pairs(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<HashMap<(i64, i64), i32>> {
    let rows: Vec<(i64, i64, i32)> = match kind {
        Kind::Demand => matches::table
            .filter(matches::demand_id.eq(id))
            .select((matches::demand_id, matches::achievement_id, matches::score))
            .load(conn)?,
        Kind::Achievement => matches::table
            .filter(matches::achievement_id.eq(id))
            .select((matches::demand_id, matches::achievement_id, matches::score))
            .load(conn)?,
    };
    Ok(rows.into_iter().map(|(d, a, s)| ((d, a), s)).collect())
}

/// Whether the matches of a listing are still being computed.
pub fn pending(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<bool> {
    let n: i64 = search_outbox::table
        .filter(search_outbox::listing_kind.eq(kind.as_str()))
        .filter(search_outbox::listing_id.eq(id))
        .filter(search_outbox::done_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Clone)]
pub struct MatchView {
    /// "/demands/3" or "/achievements/5".
    pub href: String,
    /// Where the listing's owner opens a deal on this match.
    pub deal_href: String,
    pub title: String,
    pub org_name: String,
    /// 0-1000.
    pub score: i32,
    pub reasons: Vec<Reason>,
}

impl MatchView {
    pub fn percent(&self) -> String {
        (self.score / 10).to_string()
    }
}

/// The matches of a listing, best first; only published counterparts are listed.
pub fn for_listing(conn: &mut DbConn, kind: Kind, id: i64) -> QueryResult<Vec<MatchView>> {
    let rows: Vec<(i64, String, String, i32, String)> = match kind {
        Kind::Demand => matches::table
            .inner_join(achievements::table.inner_join(organizations::table))
            .filter(matches::demand_id.eq(id))
            .filter(achievements::status.eq(ListingStatus::Published))
            .order((matches::score.desc(), matches::achievement_id))
            .limit(SHOWN)
            .select((
                achievements::id,
                achievements::title,
                organizations::name,
                matches::score,
                matches::reasons,
            ))
            .load(conn)?,
        Kind::Achievement => matches::table
            .inner_join(demands::table.inner_join(organizations::table))
            .filter(matches::achievement_id.eq(id))
            .filter(demands::status.eq(ListingStatus::Published))
            .order((matches::score.desc(), matches::demand_id))
            .limit(SHOWN)
            .select((
                demands::id,
                demands::title,
                organizations::name,
                matches::score,
                matches::reasons,
            ))
            .load(conn)?,
    };
    let other_base = kind.other().base();
    Ok(rows
        .into_iter()
        .map(|(oid, title, org_name, score, reasons)| MatchView {
            href: format!("{other_base}/{oid}"),
            deal_href: match kind {
                Kind::Demand => format!("/deals/new?demand={id}&achievement={oid}"),
                Kind::Achievement => format!("/deals/new?demand={oid}&achievement={id}"),
            },
            title,
            org_name,
            score,
            reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        })
        .collect())
}

/// What a listing page shows in its matches section.
pub struct Section {
    pub heading_key: &'static str,
    pub items: Vec<MatchView>,
    /// The listing is not published: there are no matches to show.
    pub unpublished: bool,
    /// A change is still on its way through the index and the matcher.
    pub pending: bool,
    /// The viewer may open deals on these matches: the listing's owner, or a broker it commissioned.
    pub can_deal: bool,
    /// Where another verified organization opens a deal on this listing directly.
    pub enquire_href: Option<String>,
}

impl Section {
    /// The section as `viewer` sees it (`owner`: the viewer's organization posted the listing).
    pub fn for_viewer(
        conn: &mut DbConn,
        kind: Kind,
        id: i64,
        published: bool,
        viewer: Option<&crate::auth::SessionUser>,
        owner: bool,
    ) -> QueryResult<Section> {
        let mut s = Section::load(conn, kind, id, published)?;
        let direct = viewer.is_some_and(|u| {
            u.org_verified() && matches!(u.role, crate::auth::Role::Enterprise | crate::auth::Role::Institution)
        });
        if published && direct && !owner {
            s.enquire_href = Some(match kind {
                Kind::Demand => format!("/deals/new?demand={id}"),
                Kind::Achievement => format!("/deals/new?achievement={id}"),
            });
        }
        s.can_deal = published
            && (owner
                || match viewer {
                    Some(u) if u.org_kind.acts_as_broker() => {
                        crate::commissions::commissioned(conn, u.org_id, kind, id)?
                    }
                    _ => false,
                });
        Ok(s)
    }

    pub fn load(conn: &mut DbConn, kind: Kind, id: i64, published: bool) -> QueryResult<Section> {
        let heading_key = match kind {
            Kind::Demand => "match.for_demand",
            Kind::Achievement => "match.for_achievement",
        };
        if !published {
            return Ok(Section {
                heading_key,
                items: Vec::new(),
                unpublished: true,
                pending: false,
                can_deal: false,
                enquire_href: None,
            });
        }
        Ok(Section {
            heading_key,
            items: for_listing(conn, kind, id)?,
            unpublished: false,
            pending: pending(conn, kind, id)?,
            can_deal: false,
            enquire_href: None,
        })
    }
}

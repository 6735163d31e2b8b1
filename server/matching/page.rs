//! The matches of a listing as its page shows them: read from `matches`, never computed here.

use diesel::prelude::*;

use super::Reason;
use crate::db::DbConn;
use crate::schema::{achievements, demands, matches, organizations};
use crate::vocabulary::{Kind, ListingStatus};
use crate::web::Ctx;

/// How many matches a listing page shows.
pub const SHOWN: i64 = 10;

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

fn list(c: &Ctx, items: &[String], key_prefix: &str) -> String {
    let sep = if c.is_en() { ", " } else { "、" };
    items
        .iter()
        .map(|i| {
            if key_prefix.is_empty() {
                i.clone()
            } else {
                c.t(&format!("{key_prefix}{i}")).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// A reason in the page's language.
pub fn reason_text(c: &Ctx, r: &Reason) -> String {
    let en = c.is_en();
    let money = |fen: &i64| crate::money::format_human(*fen, en);
    let stage = |s: &str| {
        crate::readiness::Stage::parse(s)
            .map(|s| s.name(en).to_string())
            .unwrap_or_default()
    };
    match r {
        Reason::SharedTerms { terms } => c.tf("reason.shared_terms", &[&list(c, terms, "")]),
        Reason::SameField { code } => c.tf("reason.same_field", &[&crate::fields::name(code, en)]),
        Reason::SameFamily { code } => c.tf("reason.same_family", &[&crate::fields::name(code, en)]),
        Reason::StageFits { trl, stage: s } => c.tf("reason.stage_fits", &[&trl.to_string(), &stage(s)]),
        Reason::MoreMature { trl, stage: s } => c.tf("reason.more_mature", &[&trl.to_string(), &stage(s)]),
        Reason::LessMature { trl, stage: s } => c.tf("reason.less_mature", &[&trl.to_string(), &stage(s)]),
        Reason::PriceWithinBudget { price_fen, budget_fen } => {
            c.tf("reason.price_within", &[&money(price_fen), &money(budget_fen)])
        }
        Reason::PriceAboveBudget { price_fen, budget_fen } => {
            c.tf("reason.price_above", &[&money(price_fen), &money(budget_fen)])
        }
        Reason::PriceNegotiable => c.t("reason.price_negotiable").to_string(),
        Reason::ModesShared { modes } => c.tf("reason.modes_shared", &[&list(c, modes, "mode.")]),
    }
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
                    Some(u) if u.org_kind == "broker" => crate::commissions::commissioned(conn, u.org_id, kind, id)?,
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
            pending: super::pending(conn, kind, id)?,
            can_deal: false,
            enquire_href: None,
        })
    }
    pub fn reason(&self, c: &Ctx, r: &Reason) -> String {
        reason_text(c, r)
    }
}

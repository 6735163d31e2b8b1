//! A pure, deterministic generator of a believable demo market in Chinese: organizations in 青海, 甘肃,
//! 青岛 and the eastern provinces that support them, individual technology brokers, a few hundred
//! technology demands (some of them open 揭榜挂帅 challenges) and a few hundred achievements with their
//! IP, readiness, transfer terms and 公示 windows.
//!
//! Everything comes from [`market`]: the same seed and the same `today` always give the same market.
//! Money is integer fen, dates are `YYYY-MM-DD` strings relative to `today`. Titles are built from
//! per-field lists of objects × qualifiers × processes, so they read like real listings and rarely repeat.
//! Its tables (the vocabulary of each field, the organizations, names, money, title wording and the
//! English listings) are the files of `server/data/demo/`, embedded at compile time and read once
//! by `data`. The generator uses its own xorshift PRNG and does no I/O.

mod data;
mod dates;
mod english;
mod generate;
mod ip;
mod rng;
mod text;

use data::data;
use dates::days_from_civil;
use english::english_listings;
use generate::{achievement_weight, demand_weight, Gen};
use text::person;

/// The whole generated market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMarket {
    pub orgs: Vec<DemoOrg>,
    pub brokers: Vec<DemoBroker>,
    pub demands: Vec<DemoDemand>,
    pub achievements: Vec<DemoAchievement>,
}

/// An organization with its first user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    /// Unique key such as "org-17", referenced by listings.
    pub key: String,
    pub kind: crate::vocabulary::OrgKind,
    pub name: String,
    /// Six-digit GB/T 2260 code.
    pub region_code: String,
    pub sme: bool,
    pub tech_sme: bool,
    pub high_tech: bool,
    /// Name of the organization's first user.
    pub user_name: String,
    /// ASCII local part of that user's e-mail address, unique across orgs and brokers.
    pub email_local: String,
}

/// An individual technology broker (技术经纪人).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBroker {
    pub name: String,
    /// e.g. "QH-JJR-2024-0012"
    pub certificate: String,
    pub region_code: String,
    pub email_local: String,
}

/// A technology demand (技术需求) posted by an enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDemand {
    pub org_key: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    /// `<top>.<sub>`, one of [`field_codes`].
    pub field_code: String,
    pub keywords: Vec<String>,
    /// transfer, licence, joint_development, commissioned_development, equity, consulting, service
    pub coop_modes: Vec<&'static str>,
    pub budget_min_fen: Option<i64>,
    /// `None` (with `budget_min_fen` `None`) means the budget is negotiable.
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: String,
    /// key | general
    pub grade: &'static str,
    pub challenge: Option<DemoChallenge>,
    pub published_days_ago: u32,
}

/// The readiness stage a demo need asks for, read from what it asks: development work wants a
/// laboratory or engineering result, a purchase or licence a proven one, advice any stage.
pub fn wanted_stage(d: &DemoDemand) -> Option<crate::readiness::Stage> {
    use crate::readiness::Stage;
    let has = |m: &str| d.coop_modes.contains(&m);
    if has("transfer") || has("licence") || has("equity") {
        Some(Stage::Industrial)
    } else if has("joint_development") || has("commissioned_development") {
        Some(Stage::Engineering)
    } else {
        None
    }
}

/// An open challenge (揭榜挂帅) attached to a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChallenge {
    pub bounty_fen: i64,
    pub goals: String,
    pub indicators: String,
    pub closes_on: String,
}

/// A technology achievement (科技成果) offered for transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAchievement {
    pub org_key: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    /// `<top>.<sub>`, one of [`field_codes`].
    pub field_code: String,
    pub keywords: Vec<String>,
    /// Technology readiness level 1-9, consistent with the stage described in the summary.
    pub trl: u8,
    /// transfer, licence, equity, joint_development, use_first_pay_later
    pub transfer_modes: Vec<&'static str>,
    /// agreement | listing | auction | appraisal
    pub pricing_method: &'static str,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    /// 公示 window of the intended price: (from, to).
    pub notice: Option<(String, String)>,
    pub ip: Vec<DemoIp>,
    pub published_days_ago: u32,
}

/// One piece of IP behind an achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoIp {
    /// invention_patent | utility_model | design | software_copyright
    pub kind: &'static str,
    /// Patent application number "YYYYKNNNNNNN.C" or software copyright "YYYYSRNNNNNNN".
    pub number: String,
    /// applied | granted
    pub status: &'static str,
}

/// Every field code the generator uses: each top-level code followed by its `<top>.<sub>` codes, in
/// the order of `server/data/demo/fields.toml`. Listings carry the sub codes.
pub fn field_codes() -> Vec<&'static str> {
    let d = data();
    let mut out = Vec::new();
    for top in &d.fields {
        out.push(top.code.as_str());
        out.extend(
            d.subs
                .iter()
                .map(|s| s.code.as_str())
                .filter(|c| crate::fields::family(c) == top.code),
        );
    }
    out
}

/// One yuan is 100 fen, one 万元 is 10 000 yuan.
const FEN_PER_WAN: i64 = 1_000_000;

/// Generates the demo market for `seed`, with dates relative to `today` (year, month, day).
pub fn market(seed: u64, today: (i32, u32, u32)) -> DemoMarket {
    let data = data();
    let mut gen = Gen::new(seed, days_from_civil(today.0, today.1, today.2));

    let orgs: Vec<DemoOrg> = data
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| DemoOrg {
            key: format!("org-{}", i + 1),
            kind: o.kind,
            name: o.name.clone(),
            region_code: o.region.clone(),
            sme: o.sme,
            tech_sme: o.tech_sme,
            high_tech: o.high_tech,
            user_name: person(&mut gen.rng, &o.region),
            email_local: o.email.clone(),
        })
        .collect();

    let cert_year_hi = today.0.clamp(2019, 2025);
    let brokers: Vec<DemoBroker> = data
        .people
        .brokers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (region, prefix) = (b.region.as_str(), b.certificate_prefix.as_str());
            let year = gen.rng.range(2019, cert_year_hi as u32);
            let serial = gen.rng.range(1, 60) * 100 + i as u32 + 1;
            DemoBroker {
                name: person(&mut gen.rng, region),
                certificate: format!("{prefix}-JJR-{year}-{serial:04}"),
                region_code: region.to_string(),
                email_local: format!("{}jjr{:02}", prefix.to_ascii_lowercase(), i + 1),
            }
        })
        .collect();

    let demand_weights: Vec<u32> = data.orgs.iter().map(demand_weight).collect();
    let achievement_weights: Vec<u32> = data.orgs.iter().map(achievement_weight).collect();
    let n_demands = 240 + gen.rng.below(21);
    let demands: Vec<DemoDemand> = (0..n_demands).map(|_| gen.demand(&demand_weights)).collect();
    let n_achievements = 290 + gen.rng.below(21);
    let achievements: Vec<DemoAchievement> = (0..n_achievements)
        .map(|_| gen.achievement(&achievement_weights))
        .collect();

    let (mut demands, mut achievements) = (demands, achievements);
    let (en_demands, en_achievements) = english_listings(gen.today);
    demands.extend(en_demands);
    achievements.extend(en_achievements);

    DemoMarket {
        orgs,
        brokers,
        demands,
        achievements,
    }
}

#[cfg(test)]
mod tests;

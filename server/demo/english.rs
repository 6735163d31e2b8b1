//! The demo market's listings written in English (`server/data/demo/english.toml`).

use super::data::data;
use super::dates::iso;
use super::{DemoAchievement, DemoDemand};

/// The key of the organization with this e-mail local part.
fn org_key(email: &str) -> String {
    let i = data().orgs.iter().position(|o| o.email == email).unwrap_or(0);
    format!("org-{}", i + 1)
}

fn strs(items: &'static [String]) -> Vec<&'static str> {
    items.iter().map(String::as_str).collect()
}

/// The listings written in English, as joint labs and international teams post them, so that the
/// demo market answers English queries too. Fixed texts: they draw nothing from the generator.
pub(super) fn english_listings(today: i64) -> (Vec<DemoDemand>, Vec<DemoAchievement>) {
    let english = &data().english;
    let achievements = english
        .achievement
        .iter()
        .map(|a| DemoAchievement {
            org_key: org_key(&a.org),
            title: a.title.clone(),
            summary: a.summary.clone(),
            detail: format!(
                "{} Technical data, test reports and licence terms are shared after the confidentiality terms are accepted.",
                a.summary
            ),
            contact: "International Technology Transfer Office, +86 532 6678 0000".to_string(),
            field_code: a.field.clone(),
            keywords: a.keywords.clone(),
            trl: a.trl,
            transfer_modes: strs(&a.modes),
            pricing_method: "agreement",
            price_fen: a.price_fen,
            negotiable: a.price_fen.is_none(),
            notice: None,
            ip: Vec::new(),
            published_days_ago: a.published_days_ago,
        })
        .collect();
    let deadline = iso(today + 150);
    let demands = english
        .demand
        .iter()
        .map(|d| DemoDemand {
            org_key: org_key(&d.org),
            title: d.title.clone(),
            summary: d.summary.clone(),
            detail: format!("{} We can host trials at our site and share operating data.", d.summary),
            contact: "Project office, +86 532 8899 0000".to_string(),
            field_code: d.field.clone(),
            keywords: d.keywords.clone(),
            coop_modes: strs(&d.modes),
            budget_min_fen: d.budget_fen,
            budget_max_fen: d.budget_fen,
            negotiable: d.budget_fen.is_none(),
            deadline: deadline.clone(),
            grade: "general",
            challenge: None,
            published_days_ago: d.published_days_ago,
        })
        .collect();
    (demands, achievements)
}

//! The matches of a listing as its page words them: each reason in the reader's language.

use crate::web::Ctx;

use super::rules::Reason;
use super::store::Section;

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

impl Section {
    pub fn reason(&self, c: &Ctx, r: &Reason) -> String {
        reason_text(c, r)
    }
}

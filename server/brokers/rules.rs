//! The rules of brokers that need no database: the stages of the pipeline, and the profile as
//! entered.

use crate::deals::DealStatus;
use crate::forms::check_text;
use crate::i18n::{Msg, Problems};

crate::text_enum! {
    /// A column of the broker's pipeline.
    pub enum Stage {
        Proposed = "proposed",
        Contacted = "contacted",
        Negotiating = "negotiating",
        Agreed = "agreed",
        /// Declined or withdrawn.
        Closed = "closed",
    }
}

impl Stage {
    /// The column a deal in `status` is shown in.
    pub fn of(status: DealStatus) -> Stage {
        match status {
            DealStatus::Proposed => Stage::Proposed,
            DealStatus::Contacted => Stage::Contacted,
            DealStatus::Negotiating => Stage::Negotiating,
            DealStatus::Agreed => Stage::Agreed,
            DealStatus::Declined | DealStatus::Withdrawn => Stage::Closed,
        }
    }
}

/// A broker's profile, checked: its fields (known top-level codes) and regions (known codes,
/// separated by commas, 、 or spaces), and the introduction's length.
pub fn check_profile(
    chosen: &[String],
    regions_text: &str,
    intro: &str,
) -> Result<(Vec<String>, Vec<String>), Problems> {
    let mut p = Problems::new();
    let fields: Vec<String> = chosen
        .iter()
        .filter(|f| crate::fields::lookup(f).is_some())
        .cloned()
        .collect();
    if fields.is_empty() {
        p.add("fields", Msg::t("err.choose_field"));
    }
    let mut regions = Vec::new();
    for r in regions_text
        .split(|ch: char| ch == ',' || ch == '，' || ch == '、' || ch.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        if crate::regions::full_name(r).is_some() {
            regions.push(r.to_string());
        } else {
            p.add("regions", Msg::tf("err.region_unknown", [r]));
        }
    }
    if regions.is_empty() {
        p.add("regions", Msg::t("err.required"));
    }
    if let Err(m) = check_text("intro", intro, 0, 2000) {
        p.add("intro", m);
    }
    if p.is_empty() {
        Ok((fields, regions))
    } else {
        Err(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_deal_state_has_its_column() {
        assert_eq!(Stage::of(DealStatus::Negotiating), Stage::Negotiating);
        assert_eq!(Stage::of(DealStatus::Declined), Stage::Closed);
        assert_eq!(Stage::of(DealStatus::Withdrawn), Stage::Closed);
        for s in DealStatus::ALL {
            assert!(Stage::ALL.contains(&Stage::of(*s)));
        }
    }

    #[test]
    fn the_profile_names_known_fields_and_regions() {
        let chosen = vec!["lithium".to_string(), "nonsense".to_string()];
        let (f, r) = check_profile(&chosen, "630100, 630104、630102", "").expect("valid");
        assert_eq!(f, vec!["lithium".to_string()]);
        assert_eq!(r, vec!["630100", "630104", "630102"]);
        let p = check_profile(&[], "630100 999999", "").unwrap_err();
        assert_eq!(p.get("fields"), Some(&Msg::t("err.choose_field")));
        assert_eq!(p.get("regions"), Some(&Msg::tf("err.region_unknown", ["999999"])));
        let p = check_profile(&chosen, " ", &"长".repeat(2001)).unwrap_err();
        assert_eq!(p.get("regions"), Some(&Msg::t("err.required")));
        assert!(p.has("intro") && !p.has("fields"));
    }
}

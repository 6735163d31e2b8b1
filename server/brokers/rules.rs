//! The rules of brokers that need no database: the stages of the pipeline, and the profile as
//! entered.

use crate::deals::DealStatus;
use crate::forms::check_text;
use crate::i18n::{Msg, Problems};
use crate::vocabulary::OrgKind;

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

/// Where an individual broker stands with an agency (a transfer platform or institution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    /// Works alone.
    Alone,
    /// Asked to join the agency; its administrator has not answered.
    Requested(i64, String),
    /// A member of the agency.
    Member(i64, String),
}

/// Why a broker organization may not ask `agency` to take it in, if it may not: only an
/// individual broker joins, only a verified transfer platform or institution takes members.
pub fn join_refusal(broker: OrgKind, agency: Option<(OrgKind, bool)>) -> Option<&'static str> {
    if !broker.is_individual_broker() {
        return Some("err.agency_individual_only");
    }
    match agency {
        Some((kind, true)) if kind.is_agency() => None,
        _ => Some("err.agency_choose"),
    }
}

crate::text_enum! {
    /// What an agency's administrator does with a broker: take in one that asked, turn it away,
    /// or let a member go.
    pub enum MemberDecision {
        Accept = "accept",
        Decline = "decline",
        Remove = "remove",
    }
}

impl MemberDecision {
    /// Whether the decision applies to a broker that stands so with this agency.
    pub fn applies(self, m: &Membership, agency: i64) -> bool {
        match (self, m) {
            (MemberDecision::Accept | MemberDecision::Decline, Membership::Requested(a, _)) => *a == agency,
            (MemberDecision::Remove, Membership::Member(a, _)) => *a == agency,
            _ => false,
        }
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

    #[test]
    fn only_an_individual_broker_joins_a_verified_agency() {
        use OrgKind::*;
        assert_eq!(join_refusal(Broker, Some((TransferInstitution, true))), None);
        assert_eq!(join_refusal(Broker, Some((TransferPlatform, true))), None);
        assert_eq!(
            join_refusal(Broker, Some((TransferPlatform, false))),
            Some("err.agency_choose")
        );
        assert_eq!(
            join_refusal(Broker, Some((Enterprise, true))),
            Some("err.agency_choose")
        );
        assert_eq!(join_refusal(Broker, Some((Broker, true))), Some("err.agency_choose"));
        assert_eq!(join_refusal(Broker, None), Some("err.agency_choose"));
        assert_eq!(
            join_refusal(TransferInstitution, Some((TransferPlatform, true))),
            Some("err.agency_individual_only")
        );
    }

    #[test]
    fn an_agency_decides_only_its_own_requests_and_members() {
        let asked = Membership::Requested(7, "甲".into());
        let member = Membership::Member(7, "甲".into());
        assert!(MemberDecision::Accept.applies(&asked, 7));
        assert!(MemberDecision::Decline.applies(&asked, 7));
        assert!(!MemberDecision::Accept.applies(&asked, 8));
        assert!(!MemberDecision::Remove.applies(&asked, 7));
        assert!(MemberDecision::Remove.applies(&member, 7));
        assert!(!MemberDecision::Accept.applies(&member, 7));
        assert!(!MemberDecision::Remove.applies(&Membership::Alone, 7));
        assert_eq!(MemberDecision::parse("remove"), Some(MemberDecision::Remove));
        assert_eq!(MemberDecision::parse("x"), None);
    }
}

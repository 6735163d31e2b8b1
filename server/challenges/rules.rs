//! The challenges' rules, pure: who may propose, the check of a proposal, who is looking at a
//! proposal, and what each of the owner's decisions does to it. Checks return the problems field
//! by field; the page translates them.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{Role, SessionUser};
use crate::forms::{check_money, check_text};
use crate::i18n::{Msg, Problems};

crate::text_enum! {
    /// Where a proposal stands: submitted, shortlisted by the challenge's organization, then
    /// selected (a deal room opens) or not selected (with a reason).
    pub enum ProposalStatus {
        Submitted = "submitted",
        Shortlisted = "shortlisted",
        Selected = "selected",
        NotSelected = "not_selected",
    }
}

crate::text_enum! {
    /// What the challenge's organization decides on a proposal.
    pub enum Decision {
        Shortlist = "shortlist",
        Select = "select",
        Reject = "reject",
    }
}

impl Decision {
    /// The states a proposal may be in for the decision, and the state it puts it in.
    pub fn transition(self) -> (&'static [ProposalStatus], ProposalStatus) {
        use ProposalStatus::{NotSelected, Selected, Shortlisted, Submitted};
        match self {
            Decision::Shortlist => (&[Submitted], Shortlisted),
            Decision::Select => (&[Submitted, Shortlisted], Selected),
            Decision::Reject => (&[Submitted, Shortlisted], NotSelected),
        }
    }
}

/// Institutions (universities, research institutes) propose.
pub fn may_propose(u: &SessionUser) -> bool {
    u.role == Role::Institution
}

/// Whether a challenge closing on `closes_on` (YYYY-MM-DD) takes proposals on `today`: it must be
/// published and not past the date.
pub fn takes_proposals(published: bool, closes_on: Option<&str>, today: NaiveDate) -> bool {
    published
        && closes_on
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_some_and(|d| d >= today)
}

/// Who is looking at a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The challenge's organization.
    Owner,
    /// The proposing organization.
    Proposer,
    /// An officer of the challenge's region.
    Officer,
}

impl Viewer {
    /// The viewer of a proposal by `proposer` to a challenge of `owner` in `region`, if the
    /// user may see it at all.
    pub fn of(user: &SessionUser, owner: i64, proposer: i64, region: &str) -> Option<Viewer> {
        if user.org_id == owner {
            Some(Viewer::Owner)
        } else if user.org_id == proposer {
            Some(Viewer::Proposer)
        } else if user.oversees(region) {
            Some(Viewer::Officer)
        } else {
            None
        }
    }
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub struct ProposalInput {
    pub title: String,
    pub approach: String,
    pub team: String,
    pub milestones: String,
    pub price: String,
}

/// Where the proposal goes: whether the challenge takes proposals (and its closing date), and
/// whether it is the proposer's own.
pub struct Target<'a> {
    pub open: bool,
    pub closes_on: &'a str,
    pub own: bool,
}

impl ProposalInput {
    /// The fields as typed, trimmed.
    pub fn trimmed(self) -> ProposalInput {
        ProposalInput {
            title: self.title.trim().to_string(),
            approach: self.approach.trim().to_string(),
            team: self.team.trim().to_string(),
            milestones: self.milestones.trim().to_string(),
            price: self.price.trim().to_string(),
        }
    }

    /// The price in fen, or what is wrong field by field: a closed or own challenge, texts too
    /// short or too long, a price missing, not an amount or beyond any offer.
    pub fn check(&self, to: &Target) -> Result<i64, Problems> {
        let mut p = Problems::new();
        if !to.open {
            p.add("title", Msg::tf("err.challenge_closed", [to.closes_on]));
        }
        if to.own {
            p.add("title", Msg::t("err.proposal_own"));
        }
        for (field, value, min, max) in [
            ("title", &self.title, 4, 100),
            ("approach", &self.approach, 20, 5000),
            ("team", &self.team, 5, 2000),
            ("milestones", &self.milestones, 10, 3000),
        ] {
            if let Err(m) = check_text(field, value, min, max) {
                p.add(field, m);
            }
        }
        let price = check_money(&self.price).unwrap_or_else(|m| {
            p.add("price", m);
            None
        });
        if self.price.is_empty() {
            p.add("price", Msg::t("err.required"));
        }
        if price.is_some_and(|f| !(0..=crate::deals::MAX_OFFER_FEN).contains(&f)) {
            p.add("price", Msg::t("err.offer_too_large"));
        }
        match price {
            Some(f) if p.0.is_empty() => Ok(f),
            _ => Err(p),
        }
    }
}

/// The check of a question asked on a proposal.
pub fn check_question(body: &str) -> Problems {
    let mut p = Problems::new();
    if let Err(m) = check_text("question", body, 2, 3000) {
        p.add("question", m);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn good() -> ProposalInput {
        ProposalInput {
            title: " 盐湖卤水提锂吸附剂方案 ".into(),
            approach: "采用铝系吸附剂与膜分离耦合工艺，分三段实施。".into(),
            team: "教授2名，博士5名".into(),
            milestones: "6个月完成小试，12个月完成中试".into(),
            price: "80万".into(),
        }
        .trimmed()
    }

    const OPEN: Target = Target {
        open: true,
        closes_on: "2026-12-31",
        own: false,
    };

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|(f, _)| f.as_str()).collect()
    }

    #[test]
    fn a_challenge_takes_proposals_until_its_closing_day() {
        assert!(takes_proposals(true, Some("2026-12-07"), day("2026-12-07")));
        assert!(!takes_proposals(true, Some("2026-12-06"), day("2026-12-07")));
        assert!(!takes_proposals(false, Some("2027-01-01"), day("2026-12-07")));
        assert!(!takes_proposals(true, None, day("2026-12-07")));
        assert!(!takes_proposals(true, Some("soon"), day("2026-12-07")));
    }

    #[test]
    fn a_complete_proposal_gives_its_price_in_fen() {
        assert_eq!(good().title, "盐湖卤水提锂吸附剂方案");
        assert_eq!(good().check(&OPEN), Ok(80_000_000));
    }

    #[test]
    fn each_wrong_field_is_named() {
        let closed = Target { open: false, ..OPEN };
        assert_eq!(fields(&good().check(&closed).unwrap_err()), ["title"]);
        let own = Target { own: true, ..OPEN };
        assert_eq!(fields(&good().check(&own).unwrap_err()), ["title"]);
        let short = ProposalInput {
            approach: "太短".into(),
            price: "-3万".into(),
            ..good()
        };
        assert_eq!(fields(&short.check(&OPEN).unwrap_err()), ["approach", "price"]);
        let none = ProposalInput {
            price: String::new(),
            ..good()
        };
        assert_eq!(
            none.check(&OPEN).unwrap_err().0,
            vec![("price".to_string(), Msg::t("err.required"))]
        );
        let huge = ProposalInput {
            price: "60000000000".into(),
            ..good()
        };
        assert_eq!(fields(&huge.check(&OPEN).unwrap_err()), ["price"]);
        assert!(check_question("好").has("question"));
        assert!(check_question("何时能完成中试？").0.is_empty());
    }

    #[test]
    fn decisions_move_undecided_proposals_only() {
        use ProposalStatus::*;
        for d in Decision::ALL {
            let (from, to) = d.transition();
            assert!(!from.contains(&Selected) && !from.contains(&NotSelected), "{d}");
            assert!(!from.contains(&to), "{d}");
        }
        assert_eq!(Decision::Select.transition().1, Selected);
        assert_eq!(Decision::parse("select"), Some(Decision::Select));
        assert_eq!(Decision::parse("approve"), None);
    }
}

//! The rules of commissions that need no database: their states, a broker's decision and what it
//! leads to, and who is a broker.

use crate::auth::SessionUser;
use crate::i18n::Msg;

crate::text_enum! {
    /// Where a commission stands.
    pub enum CommissionStatus {
        /// Asked, waiting for the broker.
        Pending = "pending",
        Accepted = "accepted",
        Declined = "declined",
    }
}

crate::text_enum! {
    /// A broker's answer to a commission.
    pub enum Decision {
        Accept = "accept",
        Decline = "decline",
    }
}

/// Commissions that stand in the way of asking the same broker again.
pub const LIVE: &[CommissionStatus] = &[CommissionStatus::Pending, CommissionStatus::Accepted];

impl CommissionStatus {
    /// The state a decision moves a commission to, when the commission may still be decided.
    pub fn next(self, decision: Decision) -> Option<CommissionStatus> {
        match self {
            CommissionStatus::Pending => Some(match decision {
                Decision::Accept => CommissionStatus::Accepted,
                Decision::Decline => CommissionStatus::Declined,
            }),
            CommissionStatus::Accepted | CommissionStatus::Declined => None,
        }
    }
}

impl Decision {
    /// The word of the mail to the owner: `mail.commission_<word>`.
    pub fn mail(self) -> &'static str {
        match self {
            Decision::Accept => "accepted",
            Decision::Decline => "declined",
        }
    }
}

/// A decision as posted, with its reason: a decline needs one. `Err(None)` when the decision is
/// missing or garbled, `Err(Some(…))` for the reason's field.
pub fn check_decision(decision: &str, reason: &str) -> Result<Decision, Option<Msg>> {
    match Decision::parse(decision) {
        None => Err(None),
        Some(Decision::Decline) if reason.is_empty() => Err(Some(Msg::t("err.reason_missing"))),
        Some(d) => Ok(d),
    }
}

/// Whether the user's organization acts as a broker: an individual broker, a transfer platform
/// or a transfer institution.
pub fn is_broker(u: &SessionUser) -> bool {
    u.org_kind.acts_as_broker()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pending_commission_is_decided() {
        use CommissionStatus::*;
        assert_eq!(Pending.next(Decision::Accept), Some(Accepted));
        assert_eq!(Pending.next(Decision::Decline), Some(Declined));
        for s in [Accepted, Declined] {
            for d in Decision::ALL {
                assert_eq!(s.next(*d), None, "{s} {d}");
            }
        }
        assert!(LIVE.contains(&Pending) && LIVE.contains(&Accepted) && !LIVE.contains(&Declined));
    }

    #[test]
    fn a_decline_needs_a_reason() {
        assert_eq!(check_decision("accept", ""), Ok(Decision::Accept));
        assert_eq!(check_decision("decline", "太忙"), Ok(Decision::Decline));
        assert_eq!(check_decision("decline", ""), Err(Some(Msg::t("err.reason_missing"))));
        assert_eq!(check_decision("maybe", "x"), Err(None));
        assert_eq!(Decision::Decline.mail(), "declined");
    }
}

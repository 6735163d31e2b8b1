//! The rules of deals that need no database: the states and their transitions, the sides, offers
//! and their checks, whose turn it is, and who opens a deal on which side.

use crate::forms::{check_money, check_text};
use crate::i18n::{Msg, Problems};
use crate::vocabulary::{COOP_MODES, TRANSFER_MODES};

crate::text_enum! {
    /// Where a deal stands.
    pub enum DealStatus {
        /// Opened by one side, waiting for the other to answer.
        Proposed = "proposed",
        /// The room is open: messages and offers.
        Contacted = "contacted",
        Negotiating = "negotiating",
        Agreed = "agreed",
        Declined = "declined",
        Withdrawn = "withdrawn",
    }
}

crate::text_enum! {
    /// The two sides of a deal.
    pub enum Side {
        Buyer = "buyer",
        Seller = "seller",
    }
}

crate::text_enum! {
    /// Where an offer stands: the latest is open until a newer one supersedes it or it is accepted.
    pub enum OfferStatus {
        Open = "open",
        Superseded = "superseded",
        Accepted = "accepted",
    }
}

crate::text_enum! {
    /// What a user did to a deal, as its event records it.
    pub enum Action {
        Opened = "opened",
        /// The owner of a challenge selected a proposal: the deal opens with its room.
        Selected = "selected",
        Accepted = "accepted",
        Declined = "declined",
        Offered = "offered",
        Agreed = "agreed",
        Withdrawn = "withdrawn",
    }
}

/// States in which a deal is still open.
pub const OPEN: &[DealStatus] = &[DealStatus::Proposed, DealStatus::Contacted, DealStatus::Negotiating];
/// States in which the deal room takes messages and offers.
pub const ROOM_OPEN: &[DealStatus] = &[DealStatus::Contacted, DealStatus::Negotiating];
/// No technology deal on this market is worth more than 50亿元; a larger offer is a typing error.
pub const MAX_OFFER_FEN: i64 = 5_000_000_000 * 100;

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Buyer => Side::Seller,
            Side::Seller => Side::Buyer,
        }
    }
}

impl DealStatus {
    pub fn is_open(self) -> bool {
        OPEN.contains(&self)
    }
    pub fn room_open(self) -> bool {
        ROOM_OPEN.contains(&self)
    }
}

impl Action {
    /// The state a deal begins in, for the actions that begin one.
    pub fn start(self) -> Option<DealStatus> {
        match self {
            Action::Opened => Some(DealStatus::Proposed),
            Action::Selected => Some(DealStatus::Contacted),
            Action::Accepted | Action::Declined | Action::Offered | Action::Agreed | Action::Withdrawn => None,
        }
    }

    /// The states the action may be taken in and the state it leads to, for the actions on an
    /// existing deal.
    pub fn transition(self) -> Option<(&'static [DealStatus], DealStatus)> {
        use DealStatus as S;
        match self {
            Action::Opened | Action::Selected => None,
            Action::Accepted => Some((&[S::Proposed], S::Contacted)),
            Action::Declined => Some((&[S::Proposed], S::Declined)),
            Action::Offered => Some((ROOM_OPEN, S::Negotiating)),
            Action::Agreed => Some((&[S::Negotiating], S::Agreed)),
            Action::Withdrawn => Some((OPEN, S::Withdrawn)),
        }
    }
}

/// The state a deal in `status` moves to when `action` is taken, if it may be taken.
pub fn next(status: DealStatus, action: Action) -> Option<DealStatus> {
    let (from, to) = action.transition()?;
    from.contains(&status).then_some(to)
}

/// The version a form was rendered with; -1 (matching nothing) when missing or garbled.
pub fn parse_version(v: &str) -> i32 {
    v.trim().parse().unwrap_or(-1)
}

/// Cooperation modes an offer may name: those a need asks for and those an achievement offers.
pub fn offer_modes() -> Vec<&'static str> {
    let mut m: Vec<&'static str> = COOP_MODES.to_vec();
    for t in TRANSFER_MODES {
        if !m.contains(t) {
            m.push(t);
        }
    }
    m
}

/// An offer as typed (trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferInput {
    pub price: String,
    pub coop_mode: String,
    pub payment_terms: String,
    pub licence_scope: String,
    pub note: String,
}

/// The offer's price in fen, or what is wrong with the offer, field by field.
pub fn check_offer(i: &OfferInput) -> Result<i64, Problems> {
    let mut p = Problems::new();
    let price = check_money(&i.price).unwrap_or_else(|m| {
        p.add("price", m);
        None
    });
    if i.price.is_empty() {
        p.add("price", Msg::t("err.required"));
    }
    // Negative amounts are refused by the parser; absurd ones here.
    if price.is_some_and(|f| f > MAX_OFFER_FEN) {
        p.add("price", Msg::t("err.offer_too_large"));
    }
    if !offer_modes().contains(&i.coop_mode.as_str()) {
        p.add("coop_mode", Msg::t("err.choose_mode"));
    }
    for (field, value, min, max) in [
        ("payment_terms", &i.payment_terms, 2, 500),
        ("licence_scope", &i.licence_scope, 0, 500),
        ("note", &i.note, 0, 1000),
    ] {
        if let Err(m) = check_text(field, value, min, max) {
            p.add(field, m);
        }
    }
    match price {
        Some(f) if p.is_empty() => Ok(f),
        _ => Err(p),
    }
}

/// Why an offer may not be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAcceptable {
    /// The deal has no offer.
    NoOffer,
    /// The offer is not the latest open one any more.
    Changed,
    /// The offer is the user's own side's.
    Own,
}

/// Whether `side` may accept `offer`, given the deal's latest offer (id, side, status).
pub fn may_accept(latest: Option<(i64, Side, OfferStatus)>, offer: i64, side: Side) -> Result<(), NotAcceptable> {
    match latest {
        None => Err(NotAcceptable::NoOffer),
        Some((id, _, status)) if id != offer || status != OfferStatus::Open => Err(NotAcceptable::Changed),
        Some((_, s, _)) if s == side => Err(NotAcceptable::Own),
        Some(_) => Ok(()),
    }
}

/// Whether it is `side`'s turn in a deal: to answer a proposal, to make the first offer, or to
/// answer the other side's open offer.
pub fn mine_to_act(status: DealStatus, side: Side, opener: Side, open_offer: Option<Side>) -> bool {
    match status {
        DealStatus::Proposed => side != opener,
        DealStatus::Contacted => true,
        DealStatus::Negotiating => open_offer.is_some_and(|s| s != side),
        DealStatus::Agreed | DealStatus::Declined | DealStatus::Withdrawn => false,
    }
}

/// Whom an open deal waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// The invited side, to answer the proposal.
    Answer(Side),
    /// Either side, for an offer.
    Offer,
    /// The side the open offer was made to, to reply.
    Reply(Side),
}

/// Whom the deal waits on, given the side of its latest open offer; `None` for a closed deal.
pub fn waiting(status: DealStatus, opener: Side, open_offer: Option<Side>) -> Option<Waiting> {
    match status {
        DealStatus::Proposed => Some(Waiting::Answer(opener.other())),
        DealStatus::Contacted => Some(Waiting::Offer),
        DealStatus::Negotiating => Some(match open_offer {
            Some(maker) => Waiting::Reply(maker.other()),
            None => Waiting::Offer,
        }),
        DealStatus::Agreed | DealStatus::Declined | DealStatus::Withdrawn => None,
    }
}

/// The head of a published listing: title, organization, author.
pub type ListingHead = (String, i64, i64);

/// Why a deal may not be opened on a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotOpenable {
    NotFound,
    NotYours,
    SameOrg,
}

/// Who opens a deal on which side, on a need and an achievement (either may be missing): the
/// owner of either listing, or a broker the owner commissioned (`commissioned`: for the need, for
/// the achievement); on one listing, an enterprise or institution (`direct`) as the counterparty.
/// Returns the side, the broker opening it, and the heads of the buyer's and seller's side.
pub fn opening(
    me: ListingHead,
    direct: bool,
    dem: Option<ListingHead>,
    ach: Option<ListingHead>,
    commissioned: (bool, bool),
) -> Result<(Side, Option<i64>, ListingHead, ListingHead), NotOpenable> {
    let org = me.1;
    let (side, broker, dem, ach) = match (dem, ach) {
        (Some(dem), Some(ach)) => {
            let (side, broker) = if org == dem.1 {
                (Side::Buyer, None)
            } else if org == ach.1 {
                (Side::Seller, None)
            } else if commissioned.0 {
                (Side::Buyer, Some(org))
            } else if commissioned.1 {
                (Side::Seller, Some(org))
            } else {
                return Err(NotOpenable::NotYours);
            };
            (side, broker, dem, ach)
        }
        // Interest in an achievement: the user's organization is the buyer.
        (None, Some(ach)) if direct => (Side::Buyer, None, me, ach),
        // An answer to a need: the user's organization is the seller.
        (Some(dem), None) if direct => (Side::Seller, None, dem, me),
        (None, None) => return Err(NotOpenable::NotFound),
        _ => return Err(NotOpenable::NotYours),
    };
    if dem.1 == ach.1 {
        return Err(NotOpenable::SameOrg);
    }
    Ok((side, broker, dem, ach))
}

#[cfg(test)]
mod tests {
    use super::*;
    use DealStatus as S;

    #[test]
    fn transitions_follow_the_table() {
        let table = [
            (S::Proposed, Action::Accepted, Some(S::Contacted)),
            (S::Proposed, Action::Declined, Some(S::Declined)),
            (S::Proposed, Action::Offered, None),
            (S::Proposed, Action::Withdrawn, Some(S::Withdrawn)),
            (S::Contacted, Action::Offered, Some(S::Negotiating)),
            (S::Contacted, Action::Agreed, None),
            (S::Contacted, Action::Accepted, None),
            (S::Negotiating, Action::Offered, Some(S::Negotiating)),
            (S::Negotiating, Action::Agreed, Some(S::Agreed)),
            (S::Negotiating, Action::Withdrawn, Some(S::Withdrawn)),
            (S::Negotiating, Action::Declined, None),
        ];
        for (s, a, to) in table {
            assert_eq!(next(s, a), to, "{s} {a}");
        }
        // A closed deal takes no action; opening and selecting begin a deal and move none.
        for s in [S::Agreed, S::Declined, S::Withdrawn] {
            for a in Action::ALL {
                assert_eq!(next(s, *a), None, "{s} {a}");
            }
        }
        for s in S::ALL {
            assert_eq!(next(*s, Action::Opened), None);
            assert_eq!(next(*s, Action::Selected), None);
        }
        assert_eq!(Action::Opened.start(), Some(S::Proposed));
        assert_eq!(Action::Selected.start(), Some(S::Contacted));
        assert_eq!(Action::Agreed.start(), None);
    }

    #[test]
    fn open_and_room_open_states() {
        assert!(S::Proposed.is_open() && !S::Proposed.room_open());
        assert!(S::Negotiating.room_open());
        assert!(!S::Agreed.is_open() && !S::Withdrawn.room_open());
        assert_eq!(Side::Buyer.other(), Side::Seller);
        assert_eq!(parse_version(" 3 "), 3);
        assert_eq!(parse_version("x"), -1);
    }

    fn offer(price: &str, mode: &str, terms: &str) -> OfferInput {
        OfferInput {
            price: price.into(),
            coop_mode: mode.into(),
            payment_terms: terms.into(),
            ..Default::default()
        }
    }

    #[test]
    fn offers_are_checked() {
        assert_eq!(check_offer(&offer("500", "licence", "分三期")), Ok(50_000));
        assert_eq!(check_offer(&offer("10", "use_first_pay_later", "一次付清")), Ok(1_000));
        let p = check_offer(&offer("", "barter", "x")).unwrap_err();
        assert_eq!(p.get("price"), Some(&Msg::t("err.required")));
        assert_eq!(p.get("coop_mode"), Some(&Msg::t("err.choose_mode")));
        assert!(p.has("payment_terms"));
        let p = check_offer(&offer("600000000000", "licence", "分三期")).unwrap_err();
        assert_eq!(p.get("price"), Some(&Msg::t("err.offer_too_large")));
        assert!(check_offer(&offer("-5", "licence", "分三期")).unwrap_err().has("price"));
    }

    #[test]
    fn only_the_other_sides_latest_open_offer_is_accepted() {
        let open = Some((7, Side::Seller, OfferStatus::Open));
        assert_eq!(may_accept(open, 7, Side::Buyer), Ok(()));
        assert_eq!(may_accept(open, 7, Side::Seller), Err(NotAcceptable::Own));
        assert_eq!(may_accept(open, 6, Side::Buyer), Err(NotAcceptable::Changed));
        let taken = Some((7, Side::Seller, OfferStatus::Accepted));
        assert_eq!(may_accept(taken, 7, Side::Buyer), Err(NotAcceptable::Changed));
        assert_eq!(may_accept(None, 7, Side::Buyer), Err(NotAcceptable::NoOffer));
    }

    #[test]
    fn whose_turn_and_whom_a_deal_waits_on() {
        let (b, s) = (Side::Buyer, Side::Seller);
        assert!(mine_to_act(S::Proposed, s, b, None) && !mine_to_act(S::Proposed, b, b, None));
        assert!(mine_to_act(S::Contacted, b, b, None));
        assert!(mine_to_act(S::Negotiating, b, b, Some(s)) && !mine_to_act(S::Negotiating, s, b, Some(s)));
        assert!(!mine_to_act(S::Negotiating, b, b, None) && !mine_to_act(S::Agreed, b, b, None));
        assert_eq!(waiting(S::Proposed, b, None), Some(Waiting::Answer(s)));
        assert_eq!(waiting(S::Contacted, b, None), Some(Waiting::Offer));
        assert_eq!(waiting(S::Negotiating, b, Some(s)), Some(Waiting::Reply(b)));
        assert_eq!(waiting(S::Negotiating, b, None), Some(Waiting::Offer));
        assert_eq!(waiting(S::Withdrawn, b, Some(s)), None);
    }

    #[test]
    fn who_opens_on_which_side() {
        let head = |org| (String::from("t"), org, 100 + org);
        let me = |org| (String::new(), org, 1);
        assert_eq!(
            opening(me(1), true, Some(head(1)), Some(head(2)), (false, false)).map(|o| (o.0, o.1)),
            Ok((Side::Buyer, None))
        );
        assert_eq!(
            opening(me(2), true, Some(head(1)), Some(head(2)), (false, false)).map(|o| (o.0, o.1)),
            Ok((Side::Seller, None))
        );
        assert_eq!(
            opening(me(9), false, Some(head(1)), Some(head(2)), (true, true)).map(|o| (o.0, o.1)),
            Ok((Side::Buyer, Some(9)))
        );
        assert_eq!(
            opening(me(9), false, Some(head(1)), Some(head(2)), (false, true)).map(|o| (o.0, o.1)),
            Ok((Side::Seller, Some(9)))
        );
        assert_eq!(
            opening(me(9), false, Some(head(1)), Some(head(2)), (false, false)).err(),
            Some(NotOpenable::NotYours)
        );
        let o = opening(me(3), true, None, Some(head(2)), (false, false)).unwrap();
        assert_eq!((o.0, o.2 .1, o.3 .1), (Side::Buyer, 3, 2));
        let o = opening(me(3), true, Some(head(1)), None, (false, false)).unwrap();
        assert_eq!((o.0, o.2 .1, o.3 .1), (Side::Seller, 1, 3));
        assert_eq!(
            opening(me(3), false, None, Some(head(2)), (false, false)).err(),
            Some(NotOpenable::NotYours)
        );
        assert_eq!(
            opening(me(3), true, None, None, (false, false)).err(),
            Some(NotOpenable::NotFound)
        );
        assert_eq!(
            opening(me(2), true, Some(head(2)), None, (false, false)).err(),
            Some(NotOpenable::SameOrg)
        );
    }
}

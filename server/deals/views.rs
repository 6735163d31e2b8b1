//! The pages of deals: opening one, the deal room, the list of the user's deals; and the words
//! for whom a deal waits on, which the broker's pipeline shows too.

use askama::Template;

use crate::ids::DealId;

use super::rules::*;
use super::store::Deal;
use crate::web::{Ctx, FieldErrors};

#[derive(Template)]
#[template(path = "deals/new.html")]
pub(crate) struct NewPage<'a> {
    pub c: &'a Ctx,
    pub demand_id: Option<i64>,
    pub achievement_id: Option<i64>,
    /// The other side's organization, for a deal on one listing.
    pub counterparty: String,
    pub demand_title: String,
    pub achievement_title: String,
    pub reasons: Vec<String>,
    pub message: String,
    pub errors: FieldErrors,
}

impl NewPage<'_> {
    fn demand_value(&self) -> String {
        self.demand_id.map(|d| d.to_string()).unwrap_or_default()
    }
    fn achievement_value(&self) -> String {
        self.achievement_id.map(|a| a.to_string()).unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct EventView {
    pub at: i64,
    pub who: String,
    pub action: Action,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MessageView {
    pub at: i64,
    pub who: String,
    pub side: Side,
    pub body: String,
    pub file: Option<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct OfferView {
    pub id: i64,
    pub at: i64,
    pub who: String,
    pub side: Side,
    pub price_fen: i64,
    pub coop_mode: String,
    pub payment_terms: String,
    pub licence_scope: String,
    pub note: String,
    pub status: OfferStatus,
}

/// What the user typed in the room's forms, kept when one is refused.
#[derive(Debug, Clone, Default)]
pub struct RoomInput {
    pub message: String,
    pub offer: OfferInput,
    pub reason: String,
}

/// What the room shows of a deal.
pub(crate) struct Room {
    pub deal: Deal,
    pub side: Option<Side>,
    pub demand_title: String,
    pub achievement_title: String,
    pub buyer_name: String,
    pub seller_name: String,
    /// The brokers commissioned by each side, when a broker works the deal.
    pub buyer_broker: Option<String>,
    pub seller_broker: Option<String>,
    pub events: Vec<EventView>,
    pub messages: Vec<MessageView>,
    pub offers: Vec<OfferView>,
}

#[derive(Template)]
#[template(path = "deals/room.html")]
pub(crate) struct RoomPage<'a> {
    pub c: &'a Ctx,
    pub room: Room,
    pub input: RoomInput,
    pub errors: FieldErrors,
    pub modes: Vec<&'static str>,
}

impl<'a> RoomPage<'a> {
    pub fn new(c: &'a Ctx, room: Room, input: RoomInput, errors: FieldErrors) -> Self {
        let modes = offer_modes();
        RoomPage {
            c,
            room,
            input,
            errors,
            modes,
        }
    }
    fn is_party(&self) -> bool {
        self.room.side.is_some()
    }
    fn side_name(&self, side: &Side) -> String {
        match side {
            Side::Buyer => self.room.buyer_name.clone(),
            Side::Seller => self.room.seller_name.clone(),
        }
    }
    fn mine(&self, side: &Side) -> bool {
        self.room.side == Some(*side)
    }
    /// The invited side may answer a proposed deal.
    fn may_respond(&self) -> bool {
        self.room.deal.status == DealStatus::Proposed && self.room.side.is_some_and(|s| s != self.room.deal.opener())
    }
    fn open_offer(&self) -> Option<&OfferView> {
        self.room.offers.iter().rev().find(|o| o.status == OfferStatus::Open)
    }
    /// The latest open offer, when it is the other side's: the user may accept it.
    fn acceptable_offer(&self) -> Option<&OfferView> {
        let o = self.open_offer()?;
        (self.room.deal.status == DealStatus::Negotiating && self.room.side.is_some() && !self.mine(&o.side))
            .then_some(o)
    }
    fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    /// The mode the offer form starts on: what the user typed, else the latest offer's.
    fn mode_selected(&self, mode: &str) -> bool {
        if self.input.offer.coop_mode.is_empty() {
            self.room.offers.last().is_some_and(|o| o.coop_mode == mode)
        } else {
            self.input.offer.coop_mode == mode
        }
    }
    fn agreed_offer(&self) -> Option<&OfferView> {
        let id = self.room.deal.agreed_offer_id?;
        self.room.offers.iter().find(|o| o.id == id)
    }
    fn colon(&self) -> &'static str {
        if self.c.is_en() {
            ": "
        } else {
            "："
        }
    }
    fn waiting_on(&self) -> String {
        let open = self.open_offer().map(|o| o.side);
        waiting_text(
            self.c,
            waiting(self.room.deal.status, self.room.deal.opener(), open),
            &self.room.buyer_name,
            &self.room.seller_name,
        )
    }
}

/// Whom a deal waits on, in words (empty for a closed deal).
pub fn waiting_text(c: &Ctx, w: Option<Waiting>, buyer: &str, seller: &str) -> String {
    let name = |s: Side| if s == Side::Buyer { buyer } else { seller };
    match w {
        Some(Waiting::Answer(s)) => c.tf("deal.waits_answer", &[name(s)]),
        Some(Waiting::Offer) => c.t("deal.waits_offer").to_string(),
        Some(Waiting::Reply(s)) => c.tf("deal.waits_reply", &[name(s)]),
        None => String::new(),
    }
}

#[derive(Debug, Clone)]
pub struct DealRow {
    pub id: DealId,
    pub demand_title: String,
    pub achievement_title: String,
    pub counterpart: String,
    pub status: DealStatus,
    pub updated_at: i64,
    pub mine_to_act: bool,
}

#[derive(Template)]
#[template(path = "deals/list.html")]
pub(crate) struct ListPage<'a> {
    pub c: &'a Ctx,
    pub rows: Vec<DealRow>,
}

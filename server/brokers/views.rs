//! The pages of brokers: the list, a profile with its track record, the broker's own profile form,
//! and the pipeline.

use askama::Template;

use super::rules::{Membership, Stage};
use super::store;
use crate::web::{Ctx, FieldErrors};

/// A broker's record on this market: deals agreed and their amount, deals under way.
#[derive(Debug, Clone, Default)]
pub struct TrackRecord {
    pub agreed: i64,
    pub agreed_fen: i64,
    pub open: i64,
    pub principals: Vec<String>,
    /// Registered contracts the broker is the intermediary of, or that came from its deals.
    pub contracts: i64,
    pub contracts_fen: i64,
}

#[derive(Debug, Clone)]
pub struct BrokerView {
    pub org_id: i64,
    pub name: String,
    pub certificate: String,
    pub region: String,
    pub fields: Vec<String>,
    pub regions: Vec<String>,
    pub intro: String,
    /// The record counts an agency's members' deals with its own.
    pub record: TrackRecord,
    /// The agency an individual broker belongs to: organization, name.
    pub agency: Option<(i64, String)>,
    /// An agency's member brokers: organization, name.
    pub members: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "brokers/list.html")]
pub(crate) struct ListPage<'a> {
    pub c: &'a Ctx,
    pub brokers: Vec<BrokerView>,
}

#[derive(Template)]
#[template(path = "brokers/profile.html")]
pub(crate) struct ProfilePage<'a> {
    pub c: &'a Ctx,
    pub b: BrokerView,
}

impl ProfilePage<'_> {
    fn amount(&self) -> String {
        crate::money::format_human(self.b.record.agreed_fen, self.c.is_en())
    }
    fn contracts_amount(&self) -> String {
        crate::money::format_human(self.b.record.contracts_fen, self.c.is_en())
    }
}

#[derive(Template)]
#[template(path = "brokers/edit.html")]
pub(crate) struct EditPage<'a> {
    pub c: &'a Ctx,
    pub fields: Vec<(String, String, bool)>,
    pub regions: String,
    pub intro: String,
    pub errors: FieldErrors,
    pub agency: AgencyPanel,
}

/// The agency section of the broker's own profile page: for an individual broker, where it stands
/// and the agencies it may ask; for an agency, who asked to join and its members.
#[derive(Debug, Clone)]
pub enum AgencyPanel {
    Broker {
        membership: Membership,
        agencies: Vec<(i64, String)>,
    },
    Agency {
        asked: Vec<store::RosterRow>,
        members: Vec<store::RosterRow>,
        admin: bool,
    },
}

/// The top-level fields a broker may name, with whether each is chosen.
pub fn field_choices(en: bool, chosen: &[String]) -> Vec<(String, String, bool)> {
    crate::fields::top_level()
        .iter()
        .map(|f| {
            (
                f.code.to_string(),
                f.own_name(en).to_string(),
                chosen.iter().any(|c| c == f.code),
            )
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct Card {
    pub id: crate::ids::DealId,
    pub demand_title: String,
    pub achievement_title: String,
    pub for_side: String,
    /// Whom the deal waits on, with the buyer's and the seller's names.
    pub waiting: Option<crate::deals::Waiting>,
    pub buyer: String,
    pub seller: String,
    pub days: i64,
}

impl Card {
    /// Whom the deal waits on, in the reader's language (empty when nobody).
    pub fn waits_on(&self, c: &Ctx) -> String {
        crate::deals::waiting_text(c, self.waiting, &self.buyer, &self.seller)
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub stage: Stage,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "brokers/pipeline.html")]
pub(crate) struct PipelinePage<'a> {
    pub c: &'a Ctx,
    pub columns: Vec<Column>,
}

//! The pages of commissions: the broker's list of commissions and the commission panel of a
//! listing page, with their display helpers.

use askama::Template;

use super::rules::CommissionStatus;
use crate::vocabulary::Kind;
use crate::web::{Ctx, FieldErrors};

#[derive(Debug, Clone)]
pub struct CommissionView {
    pub id: i64,
    pub listing_kind: String,
    pub listing_id: i64,
    pub listing_title: String,
    pub owner_name: String,
    pub broker_id: i64,
    pub broker_name: String,
    pub status: CommissionStatus,
    pub reason: Option<String>,
    pub created_at: i64,
}

impl CommissionView {
    pub fn href(&self) -> String {
        let kind = Kind::parse(&self.listing_kind).unwrap_or(Kind::Achievement);
        format!("{}/{}", kind.base(), self.listing_id)
    }
    pub fn status_key(&self) -> String {
        format!("commission.status.{}", self.status)
    }
    /// Whether the broker may still answer it.
    pub fn pending(&self) -> bool {
        self.status == CommissionStatus::Pending
    }
    /// The form field of this commission's decline reason (for its error).
    pub fn reason_field(&self) -> String {
        format!("reason-{}", self.id)
    }
}

/// The commission panel of a listing page, for its owner: current commissions and the brokers
/// that may be commissioned.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub shown: bool,
    pub kind: String,
    pub listing_id: i64,
    pub current: Vec<CommissionView>,
    pub brokers: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "commissions/list.html")]
pub(crate) struct ListPage<'a> {
    pub c: &'a Ctx,
    pub items: Vec<CommissionView>,
    pub errors: FieldErrors,
}

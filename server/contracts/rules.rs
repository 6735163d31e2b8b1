//! The rules of the contract register that need no database: kinds, the technology amount,
//! who may write, working days waited, and the form as entered.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::amendments;
use super::store::*;
use super::views::*;
use crate::auth::{Role, SessionUser};
use crate::db::{today, DbConn};
use crate::error::AppResult;
use crate::forms::{check_date, check_money, check_text, FormData};
use crate::i18n::{Arg, Msg, Problems};
use crate::registration::RegistrationNo;
use crate::schema::organizations;
use crate::vocabulary::CONTRACT_KINDS as KINDS;

/// How many item lines the form offers.
pub const ITEM_LINES: usize = 5;

/// A contract waiting longer than this many working days is flagged in the officer's queue.
pub const FLAG_AFTER_WORKING_DAYS: i64 = 7;

pub(crate) fn valid_kind(kind: &str, sub: &str) -> bool {
    KINDS.iter().any(|(k, subs)| *k == kind && subs.contains(&sub))
}

/// The technology transaction amount: as registered, or the contract amount less the items.
pub fn tech_fen(c: &Contract, items: &[Item]) -> i64 {
    c.tech_fen_registered
        .unwrap_or_else(|| c.contract_fen - items.iter().map(|i| i.amount_fen).sum::<i64>())
}

/// What the contract form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    pub deal: String,
    pub our_role: String,
    pub counterparty: String,
    pub intermediary: String,
    pub kind: String,
    pub sub_kind: String,
    pub project_name: String,
    pub signed_on: String,
    pub term_from: String,
    pub term_to: String,
    pub amount: String,
    pub equity: String,
    pub involves_patent: bool,
    pub patents: String,
    pub is_import: bool,
    /// (category, description, amount) per line.
    pub items: Vec<(String, String, String)>,
}

impl ContractInput {
    pub(crate) fn from_form(f: &FormData) -> Self {
        let items = (1..=ITEM_LINES)
            .map(|n| {
                (
                    f.get(&format!("item_category_{n}")),
                    f.get(&format!("item_description_{n}")),
                    f.get(&format!("item_amount_{n}")),
                )
            })
            .collect();
        ContractInput {
            deal: f.get("deal"),
            our_role: f.get("our_role"),
            counterparty: f.get("counterparty"),
            intermediary: f.get("intermediary"),
            kind: split_kind(&f.get("kind")).0,
            sub_kind: split_kind(&f.get("kind")).1,
            project_name: f.get("project_name"),
            signed_on: f.get("signed_on"),
            term_from: f.get("term_from"),
            term_to: f.get("term_to"),
            amount: f.get("amount"),
            equity: f.get("equity"),
            involves_patent: f.checked("involves_patent"),
            patents: f.get("patents"),
            is_import: f.checked("is_import"),
            items,
        }
    }
    /// The kind and sub-kind as one select value, "kind.sub".
    pub fn kind_value(&self) -> String {
        format!("{}.{}", self.kind, self.sub_kind)
    }
    pub fn item(&self, n: &usize) -> (String, String, String) {
        self.items.get(*n).cloned().unwrap_or_default()
    }
}

/// A contract that passed every check.
pub(crate) struct Valid {
    pub(crate) deal: Option<crate::ids::DealId>,
    pub(crate) buyer: i64,
    pub(crate) seller: i64,
    pub(crate) intermediary: Option<i64>,
    /// Further intermediaries, in listed order.
    pub(crate) more_intermediaries: Vec<i64>,
    pub(crate) kind: String,
    pub(crate) sub_kind: String,
    pub(crate) project_name: String,
    pub(crate) signed_on: NaiveDate,
    pub(crate) term_from: NaiveDate,
    pub(crate) term_to: NaiveDate,
    pub(crate) contract_fen: i64,
    pub(crate) equity_fen: Option<i64>,
    pub(crate) involves_patent: bool,
    pub(crate) patents: Vec<String>,
    pub(crate) is_import: bool,
    pub(crate) items: Vec<Item>,
}

pub(crate) fn split_kind(v: &str) -> (String, String) {
    match v.split_once('.') {
        Some((k, s)) => (k.to_string(), s.to_string()),
        None => (v.to_string(), String::new()),
    }
}

/// The kind and sub-kind of contract a deal's cooperation mode makes.
pub(crate) fn kind_for_mode(mode: Option<&str>) -> (&'static str, &'static str) {
    match mode {
        Some("licence") | Some("use_first_pay_later") => ("licence", "ordinary"),
        Some("joint_development") => ("development", "cooperative"),
        Some("commissioned_development") => ("development", "commissioned"),
        Some("consulting") => ("consulting", "general"),
        Some("service") => ("service", "general"),
        _ => ("transfer", "other"),
    }
}

pub(crate) fn may_write(u: &SessionUser) -> bool {
    u.role != Role::Officer
}

/// The form's fields for a contract's terms, as the user (one of its parties) sees them, with the
/// deal's parties when it comes from a deal.
pub(crate) fn input_of(
    conn: &mut DbConn,
    user: &SessionUser,
    k: &Contract,
    t: &amendments::Terms,
) -> AppResult<(ContractInput, Option<(String, String)>)> {
    let mut lines: Vec<(String, String, String)> = t
        .items
        .iter()
        .map(|i| {
            (
                i.category.clone(),
                i.description.clone(),
                crate::money::format_plain(i.amount_fen),
            )
        })
        .collect();
    lines.resize(ITEM_LINES, Default::default());
    let mine_is_buyer = user.org_id == t.buyer_org_id;
    let other = if mine_is_buyer { t.seller_org_id } else { t.buyer_org_id };
    let other_code: Option<String> = organizations::table
        .find(other)
        .select(organizations::credit_code)
        .first(conn)?;
    let mut codes = Vec::new();
    for o in t.intermediary_org_id.iter().chain(&t.more_intermediaries) {
        let (cc, cert): (Option<String>, Option<String>) = organizations::table
            .find(*o)
            .select((organizations::credit_code, organizations::broker_certificate))
            .first(conn)?;
        codes.extend(cc.or(cert));
    }
    let intermediary_code = if codes.is_empty() {
        None
    } else {
        Some(codes.join("，"))
    };
    let parties = match k.deal_id {
        Some(_) => Some((org_name(conn, t.buyer_org_id)?, org_name(conn, t.seller_org_id)?)),
        None => None,
    };
    let f = ContractInput {
        deal: k.deal_id.map(|d| d.to_string()).unwrap_or_default(),
        our_role: if mine_is_buyer { "buyer" } else { "seller" }.into(),
        counterparty: other_code.unwrap_or_default(),
        intermediary: if k.deal_id.is_some() {
            String::new()
        } else {
            intermediary_code.unwrap_or_default()
        },
        kind: t.kind.clone(),
        sub_kind: t.sub_kind.clone(),
        project_name: t.project_name.clone(),
        signed_on: t.signed_on.clone(),
        term_from: t.term_from.clone(),
        term_to: t.term_to.clone(),
        amount: crate::money::format_plain(t.contract_fen),
        equity: t.equity_fen.map(crate::money::format_plain).unwrap_or_default(),
        involves_patent: t.involves_patent,
        patents: t.patents.replace(',', "，"),
        is_import: t.is_import,
        items: lines,
    };
    Ok((f, parties))
}

/// The registering office: another office's name when it registered the contract; else the
/// region in our own registration number once registered, or the region that will register it.
pub(crate) fn office_region(k: &Contract, elsewhere: Option<&Elsewhere>) -> String {
    if let Some(e) = elsewhere {
        return e.office.clone();
    }
    let code = k
        .registration_no
        .as_deref()
        .and_then(|n| n.parse::<RegistrationNo>().ok())
        .map_or_else(|| k.region_code.clone(), |n| n.region);
    crate::regions::full_name(&code).unwrap_or(code)
}

/// Working days a submitted contract has waited, from the day after submission to today.
pub fn waiting_working_days(submitted_at: i64) -> i64 {
    let Some(from) = chrono::DateTime::from_timestamp(submitted_at, 0).map(|d| d.date_naive()) else {
        return 0;
    };
    crate::workdays::working_days_between(from, today())
}

/// Of a contract's buyer and seller, those this market has not verified.
pub(crate) fn unverified_among(
    k: &Contract,
    orgs: &OrgStanding,
    offices: &crate::organizations::Offices,
) -> Vec<UnverifiedParty> {
    [(true, k.buyer_org_id), (false, k.seller_org_id)]
        .into_iter()
        .filter_map(|(buyer, org)| {
            let (name, region, verification) = orgs.get(&org)?;
            (verification != "verified").then(|| UnverifiedParty {
                buyer,
                name: name.clone(),
                office_here: offices.oversee(region),
            })
        })
        .collect()
}

pub(crate) fn yuan(fen: i64) -> String {
    let a = fen.unsigned_abs();
    format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, a / 100, a % 100)
}

/// What the payment form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct PaymentInput {
    pub paid_on: String,
    pub amount: String,
    pub note: String,
    /// Paid with an innovation voucher (创新券).
    pub voucher: bool,
}

/// A payment as checked, before its proof and the register are: the day it came (not after
/// today) and its amount, each `None` when it is wrong (the reason is among the problems).
pub struct PaymentCheck {
    pub paid_on: Option<NaiveDate>,
    pub amount: Option<i64>,
}

/// Checks the payment form: the date, the amount (required, not zero), the note (≤ 500).
pub fn check_payment(input: &PaymentInput, today: NaiveDate, problems: &mut Problems) -> PaymentCheck {
    let paid_on = check_date(&input.paid_on, None)
        .map_err(|m| problems.add("paid_on", m))
        .ok();
    if paid_on.is_some_and(|d| d > today) {
        problems.add("paid_on", Msg::tf("err.date_future", [input.paid_on.as_str()]));
    }
    let amount = check_money(&input.amount).unwrap_or_else(|m| {
        problems.add("payment_amount", m);
        None
    });
    if input.amount.is_empty() {
        problems.add("payment_amount", Msg::t("err.required"));
    }
    if let Err(m) = check_text("note", &input.note, 0, 500) {
        problems.add("note", m);
    }
    PaymentCheck { paid_on, amount }
}

/// What was received so far and this payment may not together pass the contract amount; the
/// reason names what is left.
pub fn payment_fits(paid: i64, amount: i64, contract_fen: i64) -> Result<(), Msg> {
    if paid + amount > contract_fen {
        Err(Msg::tf("err.payment_above_amount", [Arg::Money(contract_fen - paid)]))
    } else {
        Ok(())
    }
}

/// A payment ready to be recorded.
pub struct Payment {
    pub paid_on: NaiveDate,
    pub amount: i64,
    pub note: String,
    pub voucher: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(paid_on: &str, amount: &str) -> PaymentInput {
        PaymentInput {
            paid_on: paid_on.into(),
            amount: amount.into(),
            note: String::new(),
            voucher: false,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_payment_is_checked_without_a_request() {
        let mut p = Problems::new();
        let c = check_payment(&input("2026-03-01", "12.50"), day("2026-12-07"), &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!((c.paid_on, c.amount), (Some(day("2026-03-01")), Some(1250)));

        let mut p = Problems::new();
        let c = check_payment(&input("2027-01-01", ""), day("2026-12-07"), &mut p);
        assert_eq!(p.get("paid_on"), Some(&Msg::tf("err.date_future", ["2027-01-01"])));
        assert_eq!(p.get("payment_amount"), Some(&Msg::t("err.required")));
        assert_eq!(c.amount, None);

        let mut p = Problems::new();
        check_payment(&input("1.3.2026", "0"), day("2026-12-07"), &mut p);
        assert_eq!(p.get("paid_on"), Some(&Msg::tf("err.date_invalid", ["1.3.2026"])));
        assert_eq!(p.get("payment_amount"), Some(&Msg::t("err.money_zero")));

        let mut long = input("2026-03-01", "1");
        long.note = "备".repeat(501);
        let mut p = Problems::new();
        check_payment(&long, day("2026-12-07"), &mut p);
        assert!(p.has("note"));
    }

    #[test]
    fn payments_never_pass_the_contract_amount() {
        assert_eq!(payment_fits(600, 400, 1000), Ok(()));
        assert_eq!(
            payment_fits(600, 401, 1000),
            Err(Msg::tf("err.payment_above_amount", [Arg::Money(400)]))
        );
    }
}

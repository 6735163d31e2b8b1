//! Every query of the contract register: contracts, their items, intermediaries, payments,
//! events, the parties' standing, and the registration counter.

use diesel::prelude::*;
use serde::Deserialize;

use super::rules::*;
use super::views::*;
use crate::auth::SessionUser;
use crate::db::{self, now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::forms::{date_into, money_into, text_into};
use crate::i18n::{Msg, Problems};
use crate::ids::ContractId;
use crate::organizations::Offices;
use crate::registration::RegistrationStatus;
use crate::schema::{
    contract_elsewhere, contract_events, contract_intermediaries, contract_items, contract_payments, contracts,
    deal_offers, deals, files as files_t, organizations, registration_counters, users,
};
use crate::vocabulary::ITEM_CATEGORIES;

#[derive(Queryable, Debug, Clone)]
pub struct Contract {
    pub id: ContractId,
    pub deal_id: Option<crate::ids::DealId>,
    pub kind: String,
    pub sub_kind: String,
    pub buyer_org_id: i64,
    pub seller_org_id: i64,
    pub intermediary_org_id: Option<i64>,
    pub project_name: String,
    pub signed_on: String,
    pub term_from: String,
    pub term_to: String,
    pub contract_fen: i64,
    pub equity_fen: Option<i64>,
    pub tech_fen_registered: Option<i64>,
    pub involves_patent: bool,
    pub patents: String,
    pub is_import: bool,
    pub region_code: String,
    pub file_id: Option<i64>,
    pub status: RegistrationStatus,
    pub return_reason: Option<String>,
    pub submitted_by_user: Option<i64>,
    pub submitted_by_org: Option<i64>,
    pub submitted_at: Option<i64>,
    pub registration_no: Option<String>,
    pub registered_at: Option<i64>,
    pub registered_by: Option<i64>,
    pub created_by: i64,
    pub version: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Contract {
    /// Whether the organization is the buyer or the seller (not an intermediary or submitter).
    pub fn is_party(&self, org: i64) -> bool {
        org == self.buyer_org_id || org == self.seller_org_id
    }
    pub fn editable(&self) -> bool {
        self.status.editable()
    }
    pub fn status_key(&self) -> String {
        format!("contract.status.{}", self.status)
    }
    pub fn kind_key(&self) -> String {
        format!("contract.kind.{}", self.kind)
    }
    pub fn sub_kind_key(&self) -> String {
        format!("contract.sub.{}.{}", self.kind, self.sub_kind)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Item {
    pub category: String,
    pub description: String,
    pub amount_fen: i64,
}

pub(crate) fn load(conn: &mut DbConn, id: ContractId) -> AppResult<Contract> {
    contracts::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub(crate) fn items_of(conn: &mut DbConn, id: ContractId) -> AppResult<Vec<Item>> {
    let rows: Vec<(String, String, i64)> = contract_items::table
        .filter(contract_items::contract_id.eq(id))
        .order(contract_items::id)
        .select((
            contract_items::category,
            contract_items::description,
            contract_items::amount_fen,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(category, description, amount_fen)| Item {
            category,
            description,
            amount_fen,
        })
        .collect())
}

/// How the user stands to a contract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Standing {
    /// A member of the buyer, the seller, or the intermediary.
    Party,
    /// An officer of the registering region.
    Officer,
}

pub(crate) fn standing(conn: &mut DbConn, user: &SessionUser, c: &Contract) -> AppResult<Standing> {
    let party = [
        Some(c.buyer_org_id),
        Some(c.seller_org_id),
        c.intermediary_org_id,
        c.submitted_by_org,
    ]
    .contains(&Some(user.org_id))
        || more_intermediaries(conn, c.id)?.contains(&user.org_id);
    if party {
        return Ok(Standing::Party);
    }
    // A broker commissioned on the deal's listings works for a party too.
    if let Some(deal) = c.deal_id {
        let d: crate::deals::Deal = deals::table.find(deal).first(conn)?;
        if d.side_of(user).is_some() {
            return Ok(Standing::Party);
        }
    }
    if Offices::load(conn)?.registers(user, &c.region_code) {
        return Ok(Standing::Officer);
    }
    Err(AppError::NotFound)
}

/// The further intermediaries of a contract (after `intermediary_org_id`), in listed order.
pub fn more_intermediaries(conn: &mut DbConn, id: ContractId) -> AppResult<Vec<i64>> {
    Ok(contract_intermediaries::table
        .filter(contract_intermediaries::contract_id.eq(id))
        .order(contract_intermediaries::position)
        .select(contract_intermediaries::org_id)
        .load(conn)?)
}

/// The names of a contract's intermediaries, joined; None when it has none.
pub(crate) fn intermediary_names(conn: &mut DbConn, k: &Contract) -> AppResult<Option<String>> {
    let mut ids: Vec<i64> = k.intermediary_org_id.into_iter().collect();
    ids.extend(more_intermediaries(conn, k.id)?);
    let names = ids
        .into_iter()
        .map(|o| org_name(conn, o))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(if names.is_empty() {
        None
    } else {
        Some(names.join("、"))
    })
}

/// A contract the user may see (a party, its broker, or an officer of its region).
pub(crate) fn visible(conn: &mut DbConn, user: &SessionUser, id: ContractId) -> AppResult<Contract> {
    let k = load(conn, id)?;
    standing(conn, user, &k)?;
    Ok(k)
}

pub(crate) fn record(
    conn: &mut DbConn,
    id: ContractId,
    user: i64,
    action: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    diesel::insert_into(contract_events::table)
        .values((
            contract_events::contract_id.eq(id),
            contract_events::user_id.eq(user),
            contract_events::action.eq(action),
            contract_events::reason.eq(reason),
            contract_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn org_name(conn: &mut DbConn, id: i64) -> AppResult<String> {
    Ok(organizations::table.find(id).select(organizations::name).first(conn)?)
}

/// Mails the people of a contract (its author and its submitter) about a step.
pub(crate) fn notify(conn: &mut DbConn, base: &str, c: &Contract, what: &str, detail: &str) -> AppResult<()> {
    notify_also(conn, base, c, &[], what, detail)
}

/// As [`notify`], and also `others` (each person once).
pub(crate) fn notify_also(
    conn: &mut DbConn,
    base: &str,
    c: &Contract,
    others: &[i64],
    what: &str,
    detail: &str,
) -> AppResult<()> {
    let mut to = vec![c.created_by];
    for u in c.submitted_by_user.iter().chain(others) {
        if !to.contains(u) {
            to.push(*u);
        }
    }
    let link = format!("/contracts/{}", c.id);
    let url = format!("{base}{link}");
    let args = [c.project_name.as_str(), detail, url.as_str()];
    for uid in to {
        crate::mail::enqueue_for_user(conn, uid, &format!("mail.contract_{what}"), &args, &link)?;
    }
    Ok(())
}

/// An organization named by its unified social credit code, or a broker by its certificate number.
pub(crate) fn find_org(conn: &mut DbConn, code: &str) -> AppResult<Option<i64>> {
    let code = code.trim().to_uppercase();
    Ok(organizations::table
        .filter(
            organizations::credit_code
                .eq(&code)
                .or(organizations::broker_certificate.eq(&code)),
        )
        .select(organizations::id)
        .first(conn)
        .optional()?)
}

pub(crate) fn validate(conn: &mut DbConn, user: &SessionUser, i: &ContractInput) -> AppResult<Result<Valid, Problems>> {
    let mut e = Problems::new();
    // The parties: from an agreed deal, or the user's organization and a counterparty.
    let deal = if i.deal.is_empty() {
        None
    } else {
        let id: i64 = i.deal.parse().map_err(|_| AppError::NotFound)?;
        let d: crate::deals::Deal = deals::table.find(id).first(conn)?;
        if d.side_of(user).is_none() {
            return Err(AppError::NotFound);
        }
        if d.status != crate::deals::DealStatus::Agreed {
            e.add("deal", Msg::t("err.contract_deal_not_agreed"));
        }
        Some(d)
    };
    let (buyer, seller) = match &deal {
        Some(d) => (Some(d.buyer_org_id), Some(d.seller_org_id)),
        None => {
            let other = if i.counterparty.is_empty() {
                e.add("counterparty", Msg::t("err.required"));
                None
            } else {
                let found = find_org(conn, &i.counterparty)?;
                if found.is_none() {
                    e.add("counterparty", Msg::tf("err.party_unknown", [i.counterparty.as_str()]));
                }
                found
            };
            if other == Some(user.org_id) {
                e.add("counterparty", Msg::t("err.contract_same_party"));
            }
            match i.our_role.as_str() {
                "buyer" => (Some(user.org_id), other),
                "seller" => (other, Some(user.org_id)),
                _ => {
                    e.add("our_role", Msg::t("err.choose_role"));
                    (None, None)
                }
            }
        }
    };
    // Several intermediaries may be named, separated by commas or spaces.
    let mut intermediaries: Vec<i64> = Vec::new();
    if i.intermediary.is_empty() {
        intermediaries.extend(
            deal.as_ref()
                .and_then(|d| d.buyer_broker_org_id.or(d.seller_broker_org_id)),
        );
    } else {
        for code in i
            .intermediary
            .split([',', '，', '、', ';', '；', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match find_org(conn, code)? {
                Some(o) if !intermediaries.contains(&o) => intermediaries.push(o),
                Some(_) => {}
                None => e.add("intermediary", Msg::tf("err.party_unknown", [code])),
            }
        }
    }
    // An intermediary is never also a party of the contract.
    if intermediaries.iter().any(|o| Some(*o) == buyer || Some(*o) == seller) {
        e.add("intermediary", Msg::t("err.contract_party_intermediary"));
    }
    let intermediary = intermediaries.first().copied();
    let more_intermediaries: Vec<i64> = intermediaries.iter().skip(1).copied().collect();
    if !valid_kind(&i.kind, &i.sub_kind) {
        e.add("kind", Msg::t("err.contract_kind"));
    }
    text_into(&mut e, "project_name", &i.project_name, 4, 200);
    let signed = date_into(&mut e, "signed_on", &i.signed_on);
    if signed.is_some_and(|d| d > today()) {
        e.add("signed_on", Msg::tf("err.date_future", [i.signed_on.as_str()]));
    }
    let from = date_into(&mut e, "term_from", &i.term_from);
    let to = date_into(&mut e, "term_to", &i.term_to);
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            e.add("term_to", Msg::t("err.term_order"));
        }
    }
    let amount = money_into(&mut e, "amount", &i.amount);
    if i.amount.is_empty() {
        e.add("amount", Msg::t("err.required"));
    }
    if amount.is_some_and(|a| a > crate::deals::MAX_OFFER_FEN) {
        e.add("amount", Msg::t("err.offer_too_large"));
    }
    let equity = money_into(&mut e, "equity", &i.equity);
    if equity.is_some() && i.kind != "transfer" {
        e.add("equity", Msg::t("err.equity_transfer_only"));
    }
    if let (Some(q), Some(a)) = (equity, amount) {
        if q > a {
            e.add("equity", Msg::t("err.equity_above_amount"));
        }
    }
    let mut items = Vec::new();
    for (n, (cat, desc, amt)) in i.items.iter().enumerate() {
        if cat.is_empty() && desc.is_empty() && amt.is_empty() {
            continue;
        }
        let field = format!("item_{}", n + 1);
        if !ITEM_CATEGORIES.contains(&cat.as_str()) {
            e.add(&field, Msg::t("err.item_category"));
        }
        if desc.chars().count() < 2 || desc.chars().count() > 200 {
            e.add(&field, Msg::t("err.item_description"));
        }
        match money_into(&mut e, &field, amt) {
            Some(a) => items.push(Item {
                category: cat.clone(),
                description: desc.clone(),
                amount_fen: a,
            }),
            None if amt.is_empty() => e.add(&field, Msg::t("err.required")),
            None => {}
        }
    }
    let items_total: i64 = items.iter().map(|i| i.amount_fen).sum();
    if let Some(a) = amount {
        if items_total > a {
            e.add("items", Msg::t("err.items_above_amount"));
        }
    }
    let mut patents = Vec::new();
    if i.involves_patent {
        for p in i
            .patents
            .split([',', '，', '、', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match crate::patents::validate_application_number(p) {
                Ok(n) => patents.push(n.patent_number()),
                Err(err) => e.add(
                    "patents",
                    Msg::Both {
                        zh: err.message_zh(),
                        en: err.message_en(),
                    },
                ),
            }
        }
        if patents.is_empty() && !e.has("patents") {
            e.add("patents", Msg::t("err.patents_required"));
        }
    }
    if !e.0.is_empty() {
        return Ok(Err(e));
    }
    let (Some(buyer), Some(seller), Some(signed_on), Some(term_from), Some(term_to), Some(contract_fen)) =
        (buyer, seller, signed, from, to, amount)
    else {
        return Ok(Err(e));
    };
    Ok(Ok(Valid {
        deal: deal.map(|d| d.id),
        buyer,
        seller,
        intermediary,
        more_intermediaries,
        kind: i.kind.clone(),
        sub_kind: i.sub_kind.clone(),
        project_name: i.project_name.clone(),
        signed_on,
        term_from,
        term_to,
        contract_fen,
        equity_fen: equity,
        involves_patent: i.involves_patent,
        patents,
        is_import: i.is_import,
        items,
    }))
}

pub(crate) fn write(conn: &mut DbConn, user: &SessionUser, id: Option<ContractId>, v: &Valid) -> AppResult<ContractId> {
    // Import contracts and contracts registered by another office go to the buyer's office.
    let elsewhere = match id {
        Some(id) => elsewhere_of(conn, id)?.is_some(),
        None => false,
    };
    let region_org = if v.is_import || elsewhere { v.buyer } else { v.seller };
    let region = crate::deals::org_region(conn, region_org)?;
    let t = now();
    let values = (
        contracts::deal_id.eq(v.deal),
        contracts::kind.eq(&v.kind),
        contracts::sub_kind.eq(&v.sub_kind),
        contracts::buyer_org_id.eq(v.buyer),
        contracts::seller_org_id.eq(v.seller),
        contracts::intermediary_org_id.eq(v.intermediary),
        contracts::project_name.eq(&v.project_name),
        contracts::signed_on.eq(v.signed_on.to_string()),
        contracts::term_from.eq(v.term_from.to_string()),
        contracts::term_to.eq(v.term_to.to_string()),
        contracts::contract_fen.eq(v.contract_fen),
        contracts::equity_fen.eq(v.equity_fen),
        contracts::involves_patent.eq(v.involves_patent),
        contracts::patents.eq(v.patents.join(",")),
        contracts::is_import.eq(v.is_import),
        contracts::region_code.eq(&region),
        contracts::updated_at.eq(t),
    );
    let id = match id {
        Some(id) => {
            diesel::update(contracts::table.find(id)).set(values).execute(conn)?;
            id
        }
        None => diesel::insert_into(contracts::table)
            .values((
                values,
                (
                    contracts::status.eq(RegistrationStatus::Draft),
                    contracts::created_by.eq(user.id),
                    contracts::version.eq(0),
                    contracts::created_at.eq(t),
                ),
            ))
            .returning(contracts::id)
            .get_result(conn)?,
    };
    set_items(conn, id, &v.items)?;
    set_more_intermediaries(conn, id, &v.more_intermediaries)?;
    Ok(id)
}

/// Replaces the non-technical item lines of a contract.
pub(crate) fn set_items(conn: &mut DbConn, id: ContractId, items: &[Item]) -> AppResult<()> {
    diesel::delete(contract_items::table.filter(contract_items::contract_id.eq(id))).execute(conn)?;
    for item in items {
        diesel::insert_into(contract_items::table)
            .values((
                contract_items::contract_id.eq(id),
                contract_items::category.eq(&item.category),
                contract_items::description.eq(&item.description),
                contract_items::amount_fen.eq(item.amount_fen),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the further intermediaries of a contract (positions 2, 3 …).
pub(crate) fn set_more_intermediaries(conn: &mut DbConn, id: ContractId, orgs: &[i64]) -> AppResult<()> {
    diesel::delete(contract_intermediaries::table.filter(contract_intermediaries::contract_id.eq(id))).execute(conn)?;
    for (n, o) in orgs.iter().enumerate() {
        diesel::insert_into(contract_intermediaries::table)
            .values((
                contract_intermediaries::contract_id.eq(id),
                contract_intermediaries::position.eq(n as i32 + 2),
                contract_intermediaries::org_id.eq(*o),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct Elsewhere {
    pub office: String,
    pub number: String,
    pub registered_on: String,
    pub file_id: i64,
}

pub(crate) fn elsewhere_of(conn: &mut DbConn, id: ContractId) -> AppResult<Option<Elsewhere>> {
    Ok(contract_elsewhere::table
        .find(id)
        .select((
            contract_elsewhere::office,
            contract_elsewhere::number,
            contract_elsewhere::registered_on,
            contract_elsewhere::file_id,
        ))
        .first(conn)
        .optional()?)
}

pub(crate) fn payments_of(conn: &mut DbConn, id: ContractId) -> AppResult<Vec<PaymentView>> {
    let rows: Vec<(String, i64, i64, String, String, bool)> = contract_payments::table
        .inner_join(users::table)
        .filter(contract_payments::contract_id.eq(id))
        .order((contract_payments::paid_on, contract_payments::id))
        .select((
            contract_payments::paid_on,
            contract_payments::amount_fen,
            contract_payments::proof_file_id,
            contract_payments::note,
            users::name,
            contract_payments::voucher,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(paid_on, amount_fen, file_id, note, who, voucher)| PaymentView {
            paid_on,
            amount_fen,
            file_id,
            note,
            who,
            voucher,
        })
        .collect())
}

/// The name, region and verification of organizations, by id.
pub(crate) type OrgStanding = std::collections::HashMap<i64, (String, String, String)>;

pub(crate) fn org_standing(conn: &mut DbConn, ids: &[i64]) -> AppResult<OrgStanding> {
    let rows: Vec<(i64, String, String, String)> = organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((
            organizations::id,
            organizations::name,
            organizations::region_code,
            organizations::verification,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, n, r, v)| (id, (n, r, v))).collect())
}

/// The buyer and the seller of a contract that are not verified by this market.
pub fn unverified_parties(conn: &mut DbConn, offices: &Offices, k: &Contract) -> AppResult<Vec<UnverifiedParty>> {
    let orgs = org_standing(conn, &[k.buyer_org_id, k.seller_org_id])?;
    Ok(unverified_among(k, &orgs, offices))
}

pub(crate) fn officer_of(conn: &mut DbConn, user: &SessionUser, id: ContractId) -> AppResult<Contract> {
    let k = load(conn, id)?;
    if standing(conn, user, &k)? != Standing::Officer {
        return Err(AppError::NotFound);
    }
    Ok(k)
}

/// Makes sure the counter of an office and year exists, in a transaction of its own (on
/// PostgreSQL a failed insert would abort the registering transaction).
pub(crate) fn ensure_counter(conn: &mut DbConn, region: &str, year: i32) -> AppResult<()> {
    let exists: i64 = registration_counters::table
        .filter(registration_counters::region_code.eq(region))
        .filter(registration_counters::year.eq(year))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(());
    }
    let inserted = db::write_tx(conn, |conn| {
        diesel::insert_into(registration_counters::table)
            .values((
                registration_counters::region_code.eq(region),
                registration_counters::year.eq(year),
                registration_counters::last_seq.eq(0),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        // Another officer created it first.
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The list rows of contracts: the parties' names in one query for the whole list.
pub(crate) fn rows(conn: &mut DbConn, ks: Vec<Contract>) -> AppResult<Vec<Row>> {
    let ids: Vec<i64> = ks.iter().flat_map(|k| [k.buyer_org_id, k.seller_org_id]).collect();
    // A region's queue is unbounded: in chunks.
    let names: std::collections::HashMap<i64, String> = db::chunked(&ids, |c| {
        organizations::table
            .filter(organizations::id.eq_any(c))
            .select((organizations::id, organizations::name))
            .load::<(i64, String)>(conn)
    })?
    .into_iter()
    .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for k in ks {
        out.push(Row {
            id: k.id,
            buyer: name(k.buyer_org_id),
            seller: name(k.seller_org_id),
            amount: k.contract_fen,
            waiting_days: k.submitted_at.map(waiting_working_days).unwrap_or(0),
            project_name: k.project_name,
            status: k.status,
            registration_no: k.registration_no,
            amendment: None,
            unverified: false,
        });
    }
    Ok(out)
}

/// Where a user stands for recording a payment on a contract.
pub enum PaymentStanding {
    /// The contract does not exist for this user.
    Unseen,
    /// An intermediary or a submitter: only the buyer and the seller record payments.
    NotParty,
    NotRegistered,
    /// A party of a registered contract, with what was received so far and the contract amount.
    Open {
        paid: i64,
        contract_fen: i64,
    },
}

pub fn payment_standing(conn: &mut DbConn, user: &SessionUser, id: ContractId) -> AppResult<PaymentStanding> {
    let k = load(conn, id)?;
    if standing(conn, user, &k)? != Standing::Party {
        return Ok(PaymentStanding::Unseen);
    }
    if !k.is_party(user.org_id) {
        return Ok(PaymentStanding::NotParty);
    }
    if k.status != RegistrationStatus::Registered {
        return Ok(PaymentStanding::NotRegistered);
    }
    Ok(PaymentStanding::Open {
        paid: paid_total(conn, id)?,
        contract_fen: k.contract_fen,
    })
}

/// What a contract has received so far.
pub fn paid_total(conn: &mut DbConn, id: ContractId) -> AppResult<i64> {
    let amounts: Vec<i64> = contract_payments::table
        .filter(contract_payments::contract_id.eq(id))
        .select(contract_payments::amount_fen)
        .load(conn)?;
    Ok(amounts.iter().sum())
}

/// Records a payment with its proof, enqueues the recomputation of the awards and writes the
/// history; `false` when, since the page was checked, payments came that this one would pass the
/// contract amount with. Call inside a transaction: the contract row is locked on PostgreSQL
/// (SQLite's write lock is held already), so two payments at once cannot pass it together.
pub fn insert_payment(
    conn: &mut DbConn,
    user: &SessionUser,
    id: ContractId,
    p: &Payment,
    proof: &crate::files::Upload,
) -> AppResult<bool> {
    let k: Contract = match conn {
        DbConn::Pg(pg) => contracts::table.find(id).for_update().first(pg)?,
        DbConn::Sqlite(_) => load(conn, id)?,
    };
    if !k.is_party(user.org_id) {
        return Err(AppError::NotFound);
    }
    if payment_fits(paid_total(conn, id)?, p.amount, k.contract_fen).is_err() {
        return Ok(false);
    }
    let file = crate::files::store(
        conn,
        Some(user.org_id),
        Some(user.id),
        "payment",
        &proof.name,
        proof.kind,
        &proof.data,
    )?;
    diesel::insert_into(contract_payments::table)
        .values((
            contract_payments::contract_id.eq(id),
            contract_payments::paid_on.eq(p.paid_on.to_string()),
            contract_payments::amount_fen.eq(p.amount),
            contract_payments::proof_file_id.eq(file),
            contract_payments::note.eq(&p.note),
            contract_payments::recorded_by.eq(user.id),
            contract_payments::recorded_org.eq(user.org_id),
            contract_payments::created_at.eq(now()),
            contract_payments::voucher.eq(p.voucher),
        ))
        .execute(conn)?;
    crate::awards::enqueue(conn, Some(id), "payment")?;
    record(
        conn,
        id,
        user.id,
        "paid",
        Some(&crate::money::format_human(p.amount, false)),
    )?;
    Ok(true)
}

/// Everything the contract page shows of a contract, for the user who sees it.
pub(crate) struct Shown {
    pub k: Contract,
    pub standing: Standing,
    pub items: Vec<Item>,
    pub buyer: String,
    pub seller: String,
    pub intermediary: Option<String>,
    pub submitter: Option<String>,
    /// The signed copy: file name, size, SHA-256.
    pub file: Option<(String, i64, String)>,
    /// The history: when, who, what, why.
    pub events: Vec<(i64, String, String, Option<String>)>,
    pub payments: Vec<PaymentView>,
    pub elsewhere: Option<Elsewhere>,
    pub amendment: Option<super::amendments::OpenView>,
    pub versions: Vec<super::amendments::VersionView>,
    /// The organizations the amendment and the versions name.
    pub names: std::collections::HashMap<i64, String>,
    pub income: bool,
    pub party: bool,
    pub unverified: Vec<UnverifiedParty>,
    /// Whether an office of this market serves the seller's region (then this market registers
    /// the contract, and no other office's registration is recorded).
    pub seller_served: bool,
}

/// Whether an office of this market serves the contract's seller's region.
pub(crate) fn seller_served(conn: &mut DbConn, offices: &Offices, k: &Contract) -> AppResult<bool> {
    Ok(offices.oversee(&crate::deals::org_region(conn, k.seller_org_id)?))
}

pub(crate) fn shown(conn: &mut DbConn, user: &SessionUser, id: ContractId) -> AppResult<Shown> {
    let k = load(conn, id)?;
    let offices = Offices::load(conn)?;
    let standing = standing(conn, user, &k)?;
    let (amendment, versions, names) = super::amendments::views(conn, &k)?;
    let file = match k.file_id {
        Some(f) => Some(
            files_t::table
                .find(f)
                .select((files_t::filename, files_t::size_bytes, files_t::sha256))
                .first(conn)?,
        ),
        None => None,
    };
    let events = contract_events::table
        .inner_join(users::table)
        .filter(contract_events::contract_id.eq(id))
        .order(contract_events::id)
        .select((
            contract_events::created_at,
            users::name,
            contract_events::action,
            contract_events::reason,
        ))
        .load(conn)?;
    let unverified = if standing == Standing::Officer {
        unverified_parties(conn, &offices, &k)?
    } else {
        Vec::new()
    };
    Ok(Shown {
        income: crate::awards::income_rule_for(conn, k.seller_org_id)?.is_some(),
        items: items_of(conn, id)?,
        buyer: org_name(conn, k.buyer_org_id)?,
        seller: org_name(conn, k.seller_org_id)?,
        intermediary: intermediary_names(conn, &k)?,
        submitter: k.submitted_by_org.map(|o| org_name(conn, o)).transpose()?,
        file,
        events,
        payments: payments_of(conn, id)?,
        elsewhere: elsewhere_of(conn, id)?,
        party: k.is_party(user.org_id),
        standing,
        amendment,
        versions,
        names,
        unverified,
        seller_served: seller_served(conn, &offices, &k)?,
        k,
    })
}

/// The contract form's fields from an agreed deal the user is a party of (none when no deal is
/// named), with the deal's parties.
pub(crate) fn prefill(
    conn: &mut DbConn,
    user: &SessionUser,
    deal: &str,
) -> AppResult<(ContractInput, Option<(String, String)>)> {
    if deal.is_empty() {
        return Ok((ContractInput::default(), None));
    }
    let id: i64 = deal.parse().map_err(|_| AppError::NotFound)?;
    let d: crate::deals::Deal = deals::table.find(id).first(conn)?;
    if d.side_of(user).is_none() {
        return Err(AppError::NotFound);
    }
    let (dt, at) = crate::deals::titles(conn, &d)?;
    let offer: Option<(i64, String)> = match d.agreed_offer_id {
        Some(o) => deal_offers::table
            .find(o)
            .select((deal_offers::price_fen, deal_offers::coop_mode))
            .first(conn)
            .optional()?,
        None => None,
    };
    let (kind, sub) = kind_for_mode(offer.as_ref().map(|o| o.1.as_str()));
    let name = if dt.is_empty() { at.clone() } else { dt };
    let f = ContractInput {
        deal: id.to_string(),
        kind: kind.into(),
        sub_kind: sub.into(),
        project_name: name,
        amount: offer.map(|o| crate::money::format_plain(o.0)).unwrap_or_default(),
        signed_on: today().to_string(),
        ..Default::default()
    };
    let parties = (org_name(conn, d.buyer_org_id)?, org_name(conn, d.seller_org_id)?);
    Ok((f, Some(parties)))
}

/// Saves a party's contract (new when `id` is none): the new id, or the form's errors.
pub(crate) fn save_terms(
    conn: &mut DbConn,
    user: &SessionUser,
    id: Option<ContractId>,
    input: &ContractInput,
) -> AppResult<Result<ContractId, Problems>> {
    let existing = match id {
        Some(id) => {
            let existing = load(conn, id)?;
            if standing(conn, user, &existing)? != Standing::Party {
                return Err(AppError::NotFound);
            }
            if !existing.editable() {
                return Err(AppError::conflict("err.contract_not_editable"));
            }
            // A contract entered directly names the user's organization as a party; only the
            // parties themselves edit it (an intermediary would otherwise become one). One
            // made from a deal keeps its deal and parties: checked after validation below.
            if existing.deal_id.is_none() && !existing.is_party(user.org_id) {
                return Err(AppError::refused("err.contract_parties_only"));
            }
            Some(existing)
        }
        None => None,
    };
    match validate(conn, user, input)? {
        Ok(v) => {
            // A contract made from a deal keeps that deal, and so the deal's parties: the link
            // is neither dropped nor changed by an edit (a broker of the deal would otherwise
            // enter itself as a party).
            if let Some(k) = existing.as_ref().filter(|k| k.deal_id.is_some()) {
                if (v.deal, v.buyer, v.seller) != (k.deal_id, k.buyer_org_id, k.seller_org_id) {
                    return Err(AppError::refused("err.contract_deal_fixed"));
                }
            }
            let id2 = write(conn, user, id, &v)?;
            record(
                conn,
                id2,
                user.id,
                if id.is_some() { "edited" } else { "created" },
                None,
            )?;
            Ok(Ok(id2))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// The list rows of the contracts of an organization (as a party, intermediary or submitter),
/// latest first.
pub(crate) fn rows_of_org(conn: &mut DbConn, org: i64) -> AppResult<Vec<Row>> {
    let further: Vec<i64> = contract_intermediaries::table
        .filter(contract_intermediaries::org_id.eq(org))
        .select(contract_intermediaries::contract_id)
        .load(conn)?;
    let ks: Vec<Contract> = contracts::table
        .filter(
            contracts::buyer_org_id
                .eq(org)
                .or(contracts::seller_org_id.eq(org))
                .or(contracts::intermediary_org_id.eq(org))
                .or(contracts::submitted_by_org.eq(org))
                .or(contracts::id.eq_any(further)),
        )
        .order(contracts::updated_at.desc())
        .limit(500)
        .load(conn)?;
    rows(conn, ks)
}

/// The officer's queue: the submitted contracts of the regions the officer oversees, flagged
/// where a party must be checked, and the amendments waiting for review, oldest first. A fixed
/// number of queries, whatever the length of the queue.
pub(crate) fn queue_rows(conn: &mut DbConn, user: &SessionUser) -> AppResult<Vec<Row>> {
    use crate::schema::contract_amendments as ca;
    let ks: Vec<Contract> = contracts::table
        .filter(contracts::status.eq(RegistrationStatus::Submitted))
        .order(contracts::submitted_at)
        .load(conn)?;
    let offices = Offices::load(conn)?;
    let mine: Vec<Contract> = ks
        .into_iter()
        .filter(|k| offices.registers(user, &k.region_code))
        .collect();
    let parties: Vec<i64> = mine.iter().flat_map(|k| [k.buyer_org_id, k.seller_org_id]).collect();
    let orgs = org_standing(conn, &parties)?;
    let flags: Vec<bool> = mine
        .iter()
        .map(|k| !unverified_among(k, &orgs, &offices).is_empty())
        .collect();
    let since: Vec<i64> = mine.iter().map(|k| k.submitted_at.unwrap_or_default()).collect();
    let mut out: Vec<(i64, Row)> = since
        .into_iter()
        .zip(rows(conn, mine)?)
        .zip(flags)
        .map(|((at, mut r), unverified)| {
            r.unverified = unverified;
            (at, r)
        })
        .collect();
    // Amendments waiting for review, with their own waiting time.
    let amended: Vec<(Contract, (i32, Option<i64>))> = contracts::table
        .inner_join(ca::table.on(ca::contract_id.eq(contracts::id)))
        .filter(ca::status.eq(RegistrationStatus::Submitted))
        .select((contracts::all_columns, (ca::seq, ca::submitted_at)))
        .load(conn)?;
    let (ks, waits): (Vec<Contract>, Vec<(i32, Option<i64>)>) = amended
        .into_iter()
        .filter(|(k, _)| offices.registers(user, &k.region_code))
        .unzip();
    for (mut r, (seq, at)) in rows(conn, ks)?.into_iter().zip(waits) {
        r.amendment = Some(seq);
        r.waiting_days = at.map(waiting_working_days).unwrap_or(0);
        out.push((at.unwrap_or_default(), r));
    }
    out.sort_by_key(|(at, _)| *at);
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

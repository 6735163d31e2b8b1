//! Technology contracts and their registration (技术合同认定登记).
//!
//! A contract is created from an agreed deal (parties and amount carried over) or entered
//! directly by one of its parties. Its technology transaction amount (技术交易额) is the contract
//! amount (合同成交额) less the non-technical items (equipment, instruments, parts, raw materials),
//! entered as lines so the difference is shown, not typed. The signed contract is attached as a
//! PDF, kept with its SHA-256. A party or the intermediary submits it; an officer of the region
//! where the seller is (the buyer's, for an import contract) reviews it, may correct the kind and
//! the technology amount, and registers it with a number, or returns it with reasons for the
//! submitter to correct and resubmit.
//!
//! Registration numbers read `REGION-YEAR-SEQUENCE`, e.g. `630100-2026-000017`: the registering
//! office's six-digit GB/T 2260 code (the region of the officer who registers it), the year of registration, and a six-digit sequence that
//! starts at 1 for each office and year. The sequence is taken from `registration_counters` in
//! the same transaction that registers the contract, so a number is never reused or skipped, and
//! two officers registering one contract at once produce one number.

use actix_multipart::form::{bytes::Bytes as UploadBytes, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{Role, SessionUser};
use crate::db::{self, now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::files::{self, Kind as FileKind};
use crate::forms::{date_field, money_field, text, FormData};
use crate::schema::{
    contract_elsewhere, contract_events, contract_intermediaries, contract_items, contract_payments, contracts,
    deal_offers, deals, files as files_t, organizations, registration_counters, users,
};
use crate::state::AppState;
use crate::vocabulary::{CONTRACT_KINDS as KINDS, ITEM_CATEGORIES};
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

pub mod amendments;

/// How many item lines the form offers.
pub const ITEM_LINES: usize = 5;

/// A contract waiting longer than this many working days is flagged in the officer's queue.
pub const FLAG_AFTER_WORKING_DAYS: i64 = 7;

fn valid_kind(kind: &str, sub: &str) -> bool {
    KINDS.iter().any(|(k, subs)| *k == kind && subs.contains(&sub))
}

#[derive(Queryable, Debug, Clone)]
pub struct Contract {
    pub id: i64,
    pub deal_id: Option<i64>,
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
    pub status: String,
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
        matches!(self.status.as_str(), "draft" | "returned")
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

fn load(conn: &mut DbConn, id: i64) -> AppResult<Contract> {
    contracts::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

fn items_of(conn: &mut DbConn, id: i64) -> AppResult<Vec<Item>> {
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

/// The technology transaction amount: as registered, or the contract amount less the items.
pub fn tech_fen(c: &Contract, items: &[Item]) -> i64 {
    c.tech_fen_registered
        .unwrap_or_else(|| c.contract_fen - items.iter().map(|i| i.amount_fen).sum::<i64>())
}

/// How the user stands to a contract.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Standing {
    /// A member of the buyer, the seller, or the intermediary.
    Party,
    /// An officer of the registering region.
    Officer,
}

fn standing(conn: &mut DbConn, user: &SessionUser, c: &Contract) -> AppResult<Standing> {
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
    if user.oversees(&c.region_code) {
        return Ok(Standing::Officer);
    }
    Err(AppError::NotFound)
}

/// The further intermediaries of a contract (after `intermediary_org_id`), in listed order.
pub fn more_intermediaries(conn: &mut DbConn, id: i64) -> AppResult<Vec<i64>> {
    Ok(contract_intermediaries::table
        .filter(contract_intermediaries::contract_id.eq(id))
        .order(contract_intermediaries::position)
        .select(contract_intermediaries::org_id)
        .load(conn)?)
}

/// The names of a contract's intermediaries, joined; None when it has none.
fn intermediary_names(conn: &mut DbConn, k: &Contract) -> AppResult<Option<String>> {
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
pub(crate) fn visible(conn: &mut DbConn, user: &SessionUser, id: i64) -> AppResult<Contract> {
    let k = load(conn, id)?;
    standing(conn, user, &k)?;
    Ok(k)
}

fn record(conn: &mut DbConn, id: i64, user: i64, action: &str, reason: Option<&str>) -> AppResult<()> {
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

fn org_name(conn: &mut DbConn, id: i64) -> AppResult<String> {
    Ok(organizations::table.find(id).select(organizations::name).first(conn)?)
}

/// Mails the people of a contract (its author and its submitter) about a step.
fn notify(conn: &mut DbConn, base: &str, c: &Contract, what: &str, detail: &str) -> AppResult<()> {
    notify_also(conn, base, c, &[], what, detail)
}

/// As [`notify`], and also `others` (each person once).
fn notify_also(conn: &mut DbConn, base: &str, c: &Contract, others: &[i64], what: &str, detail: &str) -> AppResult<()> {
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

// ---- the form ----------------------------------------------------------------------------------

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
    fn from_form(f: &FormData) -> Self {
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
struct Valid {
    deal: Option<i64>,
    buyer: i64,
    seller: i64,
    intermediary: Option<i64>,
    /// Further intermediaries, in listed order.
    more_intermediaries: Vec<i64>,
    kind: String,
    sub_kind: String,
    project_name: String,
    signed_on: NaiveDate,
    term_from: NaiveDate,
    term_to: NaiveDate,
    contract_fen: i64,
    equity_fen: Option<i64>,
    involves_patent: bool,
    patents: Vec<String>,
    is_import: bool,
    items: Vec<Item>,
}

/// An organization named by its unified social credit code, or a broker by its certificate number.
fn find_org(conn: &mut DbConn, code: &str) -> AppResult<Option<i64>> {
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

fn validate(
    conn: &mut DbConn,
    c: &Ctx,
    user: &SessionUser,
    i: &ContractInput,
) -> AppResult<Result<Valid, FieldErrors>> {
    let mut e = FieldErrors::new();
    // The parties: from an agreed deal, or the user's organization and a counterparty.
    let deal = if i.deal.is_empty() {
        None
    } else {
        let id: i64 = i.deal.parse().map_err(|_| AppError::NotFound)?;
        let d: crate::deals::Deal = deals::table.find(id).first(conn)?;
        if d.side_of(user).is_none() {
            return Err(AppError::NotFound);
        }
        if d.status != "agreed" {
            e.add("deal", c.t("err.contract_deal_not_agreed"));
        }
        Some(d)
    };
    let (buyer, seller) = match &deal {
        Some(d) => (Some(d.buyer_org_id), Some(d.seller_org_id)),
        None => {
            let other = if i.counterparty.is_empty() {
                e.add("counterparty", c.t("err.required"));
                None
            } else {
                let found = find_org(conn, &i.counterparty)?;
                if found.is_none() {
                    e.add("counterparty", c.tf("err.party_unknown", &[&i.counterparty]));
                }
                found
            };
            if other == Some(user.org_id) {
                e.add("counterparty", c.t("err.contract_same_party"));
            }
            match i.our_role.as_str() {
                "buyer" => (Some(user.org_id), other),
                "seller" => (other, Some(user.org_id)),
                _ => {
                    e.add("our_role", c.t("err.choose_role"));
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
                None => e.add("intermediary", c.tf("err.party_unknown", &[code])),
            }
        }
    }
    // An intermediary is never also a party of the contract.
    if intermediaries.iter().any(|o| Some(*o) == buyer || Some(*o) == seller) {
        e.add("intermediary", c.t("err.contract_party_intermediary"));
    }
    let intermediary = intermediaries.first().copied();
    let more_intermediaries: Vec<i64> = intermediaries.iter().skip(1).copied().collect();
    if !valid_kind(&i.kind, &i.sub_kind) {
        e.add("kind", c.t("err.contract_kind"));
    }
    text(&mut e, c, "project_name", &i.project_name, 4, 200);
    let signed = date_field(&mut e, c, "signed_on", &i.signed_on, None);
    if signed.is_some_and(|d| d > today()) {
        e.add("signed_on", c.tf("err.date_future", &[&i.signed_on]));
    }
    let from = date_field(&mut e, c, "term_from", &i.term_from, None);
    let to = date_field(&mut e, c, "term_to", &i.term_to, None);
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            e.add("term_to", c.t("err.term_order"));
        }
    }
    let amount = money_field(&mut e, c, "amount", &i.amount);
    if i.amount.is_empty() {
        e.add("amount", c.t("err.required"));
    }
    if amount.is_some_and(|a| a > crate::deals::MAX_OFFER_FEN) {
        e.add("amount", c.t("err.offer_too_large"));
    }
    let equity = money_field(&mut e, c, "equity", &i.equity);
    if equity.is_some() && i.kind != "transfer" {
        e.add("equity", c.t("err.equity_transfer_only"));
    }
    if let (Some(q), Some(a)) = (equity, amount) {
        if q > a {
            e.add("equity", c.t("err.equity_above_amount"));
        }
    }
    let mut items = Vec::new();
    for (n, (cat, desc, amt)) in i.items.iter().enumerate() {
        if cat.is_empty() && desc.is_empty() && amt.is_empty() {
            continue;
        }
        let field = format!("item_{}", n + 1);
        if !ITEM_CATEGORIES.contains(&cat.as_str()) {
            e.add(&field, c.t("err.item_category"));
        }
        if desc.chars().count() < 2 || desc.chars().count() > 200 {
            e.add(&field, c.t("err.item_description"));
        }
        match money_field(&mut e, c, &field, amt) {
            Some(a) => items.push(Item {
                category: cat.clone(),
                description: desc.clone(),
                amount_fen: a,
            }),
            None if amt.is_empty() => e.add(&field, c.t("err.required")),
            None => {}
        }
    }
    let items_total: i64 = items.iter().map(|i| i.amount_fen).sum();
    if let Some(a) = amount {
        if items_total > a {
            e.add("items", c.t("err.items_above_amount"));
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
                Err(err) => e.add("patents", if c.is_en() { err.message_en() } else { err.message_zh() }),
            }
        }
        if patents.is_empty() && !e.has("patents") {
            e.add("patents", c.t("err.patents_required"));
        }
    }
    if e.any() {
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

#[derive(Template)]
#[template(path = "contracts/form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    id: Option<i64>,
    f: ContractInput,
    errors: FieldErrors,
    /// The deal's parties, when the contract comes from a deal.
    parties: Option<(String, String)>,
    /// When the form proposes an amendment of a registered contract: its reason (变更事由).
    amend: Option<String>,
}

impl FormPage<'_> {
    fn kind_options(&self) -> Vec<(String, String)> {
        KINDS
            .iter()
            .flat_map(|(k, subs)| {
                subs.iter().map(move |s| {
                    (
                        format!("{k}.{s}"),
                        format!(
                            "{} · {}",
                            self.c.t(&format!("contract.kind.{k}")),
                            self.c.t(&format!("contract.sub.{k}.{s}"))
                        ),
                    )
                })
            })
            .collect()
    }
    fn categories(&self) -> &'static [&'static str] {
        ITEM_CATEGORIES
    }
    fn lines(&self) -> Vec<usize> {
        (0..ITEM_LINES).collect()
    }
    fn item_error(&self, n: &usize) -> String {
        self.errors.get(&format!("item_{}", n + 1)).to_string()
    }
}

fn split_kind(v: &str) -> (String, String) {
    match v.split_once('.') {
        Some((k, s)) => (k.to_string(), s.to_string()),
        None => (v.to_string(), String::new()),
    }
}

fn may_write(u: &SessionUser) -> bool {
    u.role != Role::Officer
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub deal: String,
}

/// The form, prefilled from an agreed deal when one is named.
pub async fn new_form(c: Ctx, state: web::Data<AppState>, q: web::Query<NewQuery>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if !may_write(&user) {
        return Err(AppError::forbidden(c.t("err.contract_parties_only")));
    }
    let deal = q.deal.trim().to_string();
    let (f, parties) = db::run(&state.pool, move |conn| {
        if deal.is_empty() {
            return Ok((ContractInput::default(), None));
        }
        let id: i64 = deal.parse().map_err(|_| AppError::NotFound)?;
        let d: crate::deals::Deal = deals::table.find(id).first(conn)?;
        if d.side_of(&user).is_none() {
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
        let (kind, sub) = match offer.as_ref().map(|o| o.1.as_str()) {
            Some("licence") | Some("use_first_pay_later") => ("licence", "ordinary"),
            Some("joint_development") => ("development", "cooperative"),
            Some("commissioned_development") => ("development", "commissioned"),
            Some("consulting") => ("consulting", "general"),
            Some("service") => ("service", "general"),
            _ => ("transfer", "other"),
        };
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
    })
    .await?;
    render(&FormPage {
        c: &c,
        id: None,
        f,
        errors: FieldErrors::new(),
        parties,
        amend: None,
    })
}

async fn deal_parties(state: &AppState, deal: &str) -> AppResult<Option<(String, String)>> {
    if deal.is_empty() {
        return Ok(None);
    }
    let Ok(id) = deal.parse::<i64>() else { return Ok(None) };
    db::run(&state.pool, move |conn| {
        let d: Option<crate::deals::Deal> = deals::table.find(id).first(conn).optional()?;
        Ok(match d {
            Some(d) => Some((org_name(conn, d.buyer_org_id)?, org_name(conn, d.seller_org_id)?)),
            None => None,
        })
    })
    .await
}

fn write(conn: &mut DbConn, user: &SessionUser, id: Option<i64>, v: &Valid) -> AppResult<i64> {
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
                    contracts::status.eq("draft"),
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
pub(crate) fn set_items(conn: &mut DbConn, id: i64, items: &[Item]) -> AppResult<()> {
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
pub(crate) fn set_more_intermediaries(conn: &mut DbConn, id: i64, orgs: &[i64]) -> AppResult<()> {
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

async fn save(c: Ctx, state: &AppState, id: Option<i64>, form: Vec<(String, String)>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if !may_write(&user) {
        return Err(AppError::forbidden(c.t("err.contract_parties_only")));
    }
    let f = ContractInput::from_form(&FormData(form));
    let cc = c.clone();
    let input = f.clone();
    let not_editable = c.t("err.contract_not_editable").to_string();
    let parties_only = c.t("err.contract_parties_only").to_string();
    let deal_fixed = c.t("err.contract_deal_fixed").to_string();
    let outcome = db::tx(&state.pool, move |conn| {
        let existing = match id {
            Some(id) => {
                let existing = load(conn, id)?;
                if standing(conn, &user, &existing)? != Standing::Party {
                    return Err(AppError::NotFound);
                }
                if !existing.editable() {
                    return Err(AppError::Conflict(not_editable));
                }
                // A contract entered directly names the user's organization as a party; only the
                // parties themselves edit it (an intermediary would otherwise become one). One
                // made from a deal keeps its deal and parties: checked after validation below.
                if existing.deal_id.is_none() && !existing.is_party(user.org_id) {
                    return Err(AppError::forbidden(parties_only));
                }
                Some(existing)
            }
            None => None,
        };
        match validate(conn, &cc, &user, &input)? {
            Ok(v) => {
                // A contract made from a deal keeps that deal, and so the deal's parties: the link
                // is neither dropped nor changed by an edit (a broker of the deal would otherwise
                // enter itself as a party).
                if let Some(k) = existing.as_ref().filter(|k| k.deal_id.is_some()) {
                    if (v.deal, v.buyer, v.seller) != (k.deal_id, k.buyer_org_id, k.seller_org_id) {
                        return Err(AppError::forbidden(deal_fixed));
                    }
                }
                let id2 = write(conn, &user, id, &v)?;
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
    })
    .await?;
    match outcome {
        Ok(id) => Ok(redirect(&format!("/contracts/{id}?notice=contract_saved"))),
        Err(errors) => {
            let parties = deal_parties(state, &f.deal).await?;
            render_status(
                &FormPage {
                    c: &c,
                    id,
                    f,
                    errors,
                    parties,
                    amend: None,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

pub async fn create(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save(c, &state, None, form.into_inner()).await
}

pub async fn update(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save(c, &state, Some(path.into_inner()), form.into_inner()).await
}

pub async fn edit_form(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let not_editable = c.t("err.contract_not_editable").to_string();
    let parties_only = c.t("err.contract_parties_only").to_string();
    let (f, parties) = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        if standing(conn, &user, &k)? != Standing::Party {
            return Err(AppError::NotFound);
        }
        if k.deal_id.is_none() && ![k.buyer_org_id, k.seller_org_id].contains(&user.org_id) {
            return Err(AppError::forbidden(parties_only));
        }
        if !k.editable() {
            return Err(AppError::Conflict(not_editable));
        }
        let terms = amendments::Terms::of(conn, &k)?;
        input_of(conn, &user, &k, &terms)
    })
    .await?;
    render(&FormPage {
        c: &c,
        id: Some(id),
        f,
        errors: FieldErrors::new(),
        parties,
        amend: None,
    })
}

/// The form's fields for a contract's terms, as the user (one of its parties) sees them, with the
/// deal's parties when it comes from a deal.
fn input_of(
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

// ---- the contract page -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "contracts/show.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    k: Contract,
    items: Vec<Item>,
    buyer: String,
    seller: String,
    intermediary: Option<String>,
    submitter: Option<String>,
    file: Option<(String, i64, String)>,
    events: Vec<(i64, String, String, Option<String>)>,
    officer: bool,
    waiting_days: i64,
    errors: FieldErrors,
    reason: String,
    payments: Vec<PaymentView>,
    payment: PaymentInput,
    /// The registration by another office, when a party recorded one.
    elsewhere: Option<Elsewhere>,
    elsewhere_input: ElsewhereInput,
    /// The amendment not registered yet, if any.
    amendment: Option<amendments::OpenView>,
    /// Every registered version of the terms, oldest first.
    versions: Vec<amendments::VersionView>,
    /// Whether the seller is one 西宁 art. 14 speaks to (income distribution floors).
    income: bool,
    /// Whether the user's organization is the buyer or the seller (who record payments).
    party: bool,
    /// For the registering officer: the parties this market has not verified, to check.
    unverified: Vec<UnverifiedParty>,
}

#[derive(Debug, Clone, Queryable)]
pub struct Elsewhere {
    pub office: String,
    pub number: String,
    pub registered_on: String,
    pub file_id: i64,
}

/// What the registered-elsewhere form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct ElsewhereInput {
    pub office: String,
    pub number: String,
    pub registered_on: String,
}

fn elsewhere_of(conn: &mut DbConn, id: i64) -> AppResult<Option<Elsewhere>> {
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

#[derive(Debug, Clone)]
pub struct PaymentView {
    pub paid_on: String,
    pub amount_fen: i64,
    pub file_id: i64,
    pub note: String,
    pub who: String,
    pub voucher: bool,
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

impl ShowPage<'_> {
    fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    fn tech(&self) -> String {
        self.money(&tech_fen(&self.k, &self.items))
    }
    fn items_total(&self) -> String {
        self.money(&self.items.iter().map(|i| i.amount_fen).sum())
    }
    /// The registering office: the region in the registration number once registered, else the
    /// region whose office will register it.
    fn region_name(&self) -> String {
        office_region(&self.k, self.elsewhere.as_ref())
    }
    fn kind_value(&self) -> String {
        format!("{}.{}", self.k.kind, self.k.sub_kind)
    }
    fn kind_options(&self) -> Vec<(String, String)> {
        KINDS
            .iter()
            .flat_map(|(k, subs)| {
                subs.iter().map(move |s| {
                    (
                        format!("{k}.{s}"),
                        format!(
                            "{} · {}",
                            self.c.t(&format!("contract.kind.{k}")),
                            self.c.t(&format!("contract.sub.{k}.{s}"))
                        ),
                    )
                })
            })
            .collect()
    }
    fn tech_plain(&self) -> String {
        crate::money::format_plain(tech_fen(&self.k, &self.items))
    }
    /// The kind and technology amount the open amendment proposes, for the officer's form.
    fn amendment_kind(&self) -> String {
        self.amendment
            .as_ref()
            .map(|a| format!("{}.{}", a.proposed.kind, a.proposed.sub_kind))
            .unwrap_or_default()
    }
    fn amendment_tech(&self) -> String {
        self.amendment
            .as_ref()
            .map(|a| crate::money::format_plain(a.proposed.tech_fen))
            .unwrap_or_default()
    }
    fn amendment_late(&self) -> bool {
        self.amendment
            .as_ref()
            .is_some_and(|a| a.a.status == "submitted" && a.waiting_days > FLAG_AFTER_WORKING_DAYS)
    }
    /// Whether the user may propose an amendment: a party of a contract registered here.
    fn may_amend(&self) -> bool {
        !self.officer && self.k.status == "registered" && self.elsewhere.is_none()
    }
    fn late(&self) -> bool {
        self.k.status == "submitted" && self.waiting_days > FLAG_AFTER_WORKING_DAYS
    }
    fn paid(&self) -> i64 {
        self.payments.iter().map(|p| p.amount_fen).sum()
    }
    fn paid_text(&self) -> String {
        self.money(&self.paid())
    }
    fn due_text(&self) -> String {
        self.money(&(self.k.contract_fen - self.paid()))
    }
    /// Paid against the contract amount, in whole percent (for the bar).
    fn paid_percent(&self) -> i64 {
        if self.k.contract_fen <= 0 {
            return 0;
        }
        (i128::from(self.paid()) * 100 / i128::from(self.k.contract_fen)) as i64
    }
}

/// The registering office: another office's name when it registered the contract; else the
/// region in our own REGION-YEAR-SEQ number once registered, or the region that will register it.
fn office_region(k: &Contract, elsewhere: Option<&Elsewhere>) -> String {
    if let Some(e) = elsewhere {
        return e.office.clone();
    }
    let code = k
        .registration_no
        .as_deref()
        .and_then(|n| n.split_once('-').map(|(region, _)| region))
        .unwrap_or(&k.region_code);
    crate::regions::full_name(code).unwrap_or_else(|| code.to_string())
}

/// Working days a submitted contract has waited, from the day after submission to today.
pub fn waiting_working_days(submitted_at: i64) -> i64 {
    let Some(from) = chrono::DateTime::from_timestamp(submitted_at, 0).map(|d| d.date_naive()) else {
        return 0;
    };
    crate::workdays::working_days_between(from, today())
}

async fn show_page(c: &Ctx, state: &AppState, id: i64, errors: FieldErrors, reason: String) -> AppResult<HttpResponse> {
    show_page_with(
        c,
        state,
        id,
        errors,
        reason,
        PaymentInput::default(),
        ElsewhereInput::default(),
    )
    .await
}

fn payments_of(conn: &mut DbConn, id: i64) -> AppResult<Vec<PaymentView>> {
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

async fn show_page_with(
    c: &Ctx,
    state: &AppState,
    id: i64,
    errors: FieldErrors,
    reason: String,
    payment: PaymentInput,
    elsewhere_input: ElsewhereInput,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let cc = c.clone();
    let data = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        let st = standing(conn, &user, &k)?;
        let amended = amendments::views(conn, &cc, &k)?;
        let income = crate::awards::pages::income_rule_for(conn, k.seller_org_id)?.is_some();
        let items = items_of(conn, id)?;
        let buyer = org_name(conn, k.buyer_org_id)?;
        let seller = org_name(conn, k.seller_org_id)?;
        let intermediary = intermediary_names(conn, &k)?;
        let submitter = k.submitted_by_org.map(|o| org_name(conn, o)).transpose()?;
        let file: Option<(String, i64, String)> = match k.file_id {
            Some(f) => Some(
                files_t::table
                    .find(f)
                    .select((files_t::filename, files_t::size_bytes, files_t::sha256))
                    .first(conn)?,
            ),
            None => None,
        };
        let events: Vec<(i64, String, String, Option<String>)> = contract_events::table
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
        let payments = payments_of(conn, id)?;
        let elsewhere = elsewhere_of(conn, id)?;
        let party = k.is_party(user.org_id);
        let unverified = if st == Standing::Officer {
            unverified_parties(conn, &k)?
        } else {
            Vec::new()
        };
        Ok((
            k,
            st,
            items,
            (buyer, seller),
            intermediary,
            submitter,
            file,
            events,
            payments,
            elsewhere,
            (amended, income, party, unverified),
        ))
    })
    .await?;
    let (
        k,
        st,
        items,
        (buyer, seller),
        intermediary,
        submitter,
        file,
        events,
        payments,
        elsewhere,
        (amended, income, party, unverified),
    ) = data;
    let (amendment, versions) = amended;
    let waiting_days = k.submitted_at.map(waiting_working_days).unwrap_or(0);
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        &ShowPage {
            c,
            k,
            items,
            buyer,
            seller,
            intermediary,
            submitter,
            file,
            events,
            officer: st == Standing::Officer,
            waiting_days,
            errors,
            reason,
            payments,
            payment,
            elsewhere,
            elsewhere_input,
            amendment,
            versions,
            income,
            party,
            unverified,
        },
        status,
    )
}

pub async fn show(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    show_page(&c, &state, path.into_inner(), FieldErrors::new(), String::new()).await
}

#[derive(MultipartForm)]
pub struct FileUpload {
    pub file: Option<UploadBytes>,
}

/// The uploaded signed copy (PDF only, judged by its content): (data, file name, kind), or the
/// message saying what is wrong with it.
fn signed_pdf(c: &Ctx, form: &FileUpload, max: usize) -> Result<(Vec<u8>, String, FileKind), String> {
    let (data, name) = match &form.file {
        Some(b) => (b.data.to_vec(), b.file_name.clone().unwrap_or_default()),
        None => (Vec::new(), String::new()),
    };
    match files::check_upload(&data, max, &[FileKind::Pdf]) {
        Ok(k) => Ok((data, name, k)),
        Err(key) => {
            let key = if key == "err.file_type" {
                "err.contract_pdf"
            } else {
                key
            };
            Err(c.tf(key, &[&(max / (1024 * 1024)).to_string()]))
        }
    }
}

/// Attaches the signed contract (PDF only), kept with its SHA-256.
pub async fn upload(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: MultipartForm<FileUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (data, name, kind) = match signed_pdf(&c, &form.into_inner(), state.config.max_upload_bytes) {
        Ok(f) => f,
        Err(msg) => {
            let mut errors = FieldErrors::new();
            errors.add("file", msg);
            return show_page(&c, &state, id, errors, String::new()).await;
        }
    };
    let not_editable = c.t("err.contract_not_editable").to_string();
    db::tx(&state.pool, move |conn| {
        let k = load(conn, id)?;
        if standing(conn, &user, &k)? != Standing::Party {
            return Err(AppError::NotFound);
        }
        if !k.editable() {
            return Err(AppError::Conflict(not_editable));
        }
        let file = files::store(conn, Some(user.org_id), Some(user.id), "contract", &name, kind, &data)?;
        diesel::update(contracts::table.find(id))
            .set((contracts::file_id.eq(Some(file)), contracts::updated_at.eq(now())))
            .execute(conn)?;
        record(conn, id, user.id, "attached", None)
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=contract_file_saved")))
}

pub async fn download(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (name, mime, data) = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        standing(conn, &user, &k)?;
        files::load(conn, k.file_id.ok_or(AppError::NotFound)?)
    })
    .await?;
    Ok(files::respond(&name, &mime, data, false))
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub tech_amount: String,
}

/// A party of a contract that this market has not verified.
#[derive(Debug, Clone)]
pub struct UnverifiedParty {
    /// Whether it is the buyer (else the seller).
    pub buyer: bool,
    pub name: String,
    /// Whether an office of this market oversees the party's region (so it could be verified
    /// here); when none does, the registering office checks it instead (青海 art. 8).
    pub office_here: bool,
}

impl UnverifiedParty {
    fn submit_key(&self) -> &'static str {
        if self.buyer {
            "err.contract_buyer_unverified"
        } else {
            "err.contract_seller_unverified"
        }
    }
    /// The registering officer's note.
    pub fn check_key(&self) -> &'static str {
        if self.buyer {
            "contract.check_buyer_unverified"
        } else {
            "contract.check_seller_unverified"
        }
    }
}

/// The name, region and verification of organizations, by id.
type OrgStanding = std::collections::HashMap<i64, (String, String, String)>;

fn org_standing(conn: &mut DbConn, ids: &[i64]) -> AppResult<OrgStanding> {
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

/// Of a contract's buyer and seller, those this market has not verified.
fn unverified_among(k: &Contract, orgs: &OrgStanding, offices: &crate::organizations::Offices) -> Vec<UnverifiedParty> {
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

/// The buyer and the seller of a contract that are not verified by this market.
pub fn unverified_parties(conn: &mut DbConn, k: &Contract) -> AppResult<Vec<UnverifiedParty>> {
    let orgs = org_standing(conn, &[k.buyer_org_id, k.seller_org_id])?;
    let offices = crate::organizations::Offices::load(conn)?;
    Ok(unverified_among(k, &orgs, &offices))
}

/// A party or the intermediary submits the contract for registration. Each party must be
/// verified by this market, unless its region has no office here to verify it.
pub async fn submit(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (no_file, changed) = (
        c.t("err.contract_no_file").to_string(),
        c.t("err.contract_changed").to_string(),
    );
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    let cc = c.clone();
    let missing = db::tx(&state.pool, move |conn| {
        let k = load(conn, id)?;
        if standing(conn, &user, &k)? != Standing::Party {
            return Err(AppError::NotFound);
        }
        if k.file_id.is_none() {
            return Ok(Some(("file", no_file)));
        }
        // A party must be verified by this market first, unless no office here could verify it.
        for u in unverified_parties(conn, &k)? {
            if u.office_here {
                return Ok(Some(("submit", cc.tf(u.submit_key(), &[u.name.as_str()]))));
            }
        }
        let n = diesel::update(
            contracts::table
                .filter(contracts::id.eq(id))
                .filter(contracts::version.eq(version))
                .filter(contracts::status.eq_any(["draft", "returned"])),
        )
        .set((
            contracts::status.eq("submitted"),
            contracts::submitted_by_user.eq(Some(user.id)),
            contracts::submitted_by_org.eq(Some(user.org_id)),
            contracts::submitted_at.eq(Some(now())),
            contracts::version.eq(version + 1),
            contracts::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict(changed));
        }
        record(conn, id, user.id, "submitted", None)?;
        let k = load(conn, id)?;
        notify(conn, &base, &k, "submitted", "")?;
        Ok(None)
    })
    .await?;
    if let Some((field, msg)) = missing {
        let mut errors = FieldErrors::new();
        errors.add(field, msg);
        return show_page(&c, &state, id, errors, String::new()).await;
    }
    Ok(redirect(&format!("/contracts/{id}?notice=contract_submitted")))
}

fn officer_of(conn: &mut DbConn, user: &SessionUser, id: i64) -> AppResult<Contract> {
    let k = load(conn, id)?;
    if standing(conn, user, &k)? != Standing::Officer {
        return Err(AppError::NotFound);
    }
    Ok(k)
}

/// The officer returns a submitted contract with reasons.
pub async fn return_contract(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("reason", c.t("err.reason_missing"));
        return show_page(&c, &state, id, errors, reason).await;
    }
    let changed = c.t("err.contract_changed").to_string();
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        officer_of(conn, &user, id)?;
        let n = diesel::update(
            contracts::table
                .filter(contracts::id.eq(id))
                .filter(contracts::version.eq(version))
                .filter(contracts::status.eq("submitted")),
        )
        .set((
            contracts::status.eq("returned"),
            contracts::return_reason.eq(Some(&reason)),
            contracts::version.eq(version + 1),
            contracts::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict(changed));
        }
        record(conn, id, user.id, "returned", Some(&reason))?;
        let k = load(conn, id)?;
        notify(conn, &base, &k, "returned", &reason)
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=contract_returned")))
}

/// Makes sure the counter of an office and year exists, in a transaction of its own (on
/// PostgreSQL a failed insert would abort the registering transaction).
fn ensure_counter(conn: &mut DbConn, region: &str, year: i32) -> AppResult<()> {
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

/// What an officer's register form sets: the kind and sub-kind, and the technology amount, each
/// checked (errors under the form's own field names).
fn review_input(
    c: &Ctx,
    form: &StepForm,
    kind_field: &str,
    tech_field: &str,
) -> (FieldErrors, String, String, Option<i64>) {
    let (kind, sub) = split_kind(&form.kind);
    let mut errors = FieldErrors::new();
    if !valid_kind(&kind, &sub) {
        errors.add(kind_field, c.t("err.contract_kind"));
    }
    let tech = money_field(&mut errors, c, tech_field, form.tech_amount.trim());
    if form.tech_amount.trim().is_empty() {
        errors.add(tech_field, c.t("err.required"));
    }
    (errors, kind, sub, tech)
}

/// The officer registers a submitted contract, setting or correcting its kind and technology
/// amount; it gets the next number of the office and year.
pub async fn register(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let (mut errors, kind, sub, tech) = review_input(&c, &form, "kind", "tech_amount");
    let above = c.t("err.tech_above_amount").to_string();
    let changed = c.t("err.contract_changed").to_string();
    let version = crate::deals::parse_version(&form.version);
    let user2 = user.clone();
    let k = db::run(&state.pool, move |conn| officer_of(conn, &user2, id)).await?;
    if tech.is_some_and(|t| t > k.contract_fen) {
        errors.add("tech_amount", above);
    }
    if errors.any() {
        return show_page(&c, &state, id, errors, String::new()).await;
    }
    let tech = tech.unwrap_or_default();
    let year = today().year();
    // The number is the registering office's: the officer's region.
    let region = user.officer_region.clone().unwrap_or_else(|| k.region_code.clone());
    let base = state.config.base_url.clone();
    let number = db::run(&state.pool, move |conn| {
        ensure_counter(conn, &region, year)?;
        db::write_tx(conn, |conn| {
            let n = diesel::update(
                contracts::table
                    .filter(contracts::id.eq(id))
                    .filter(contracts::version.eq(version))
                    .filter(contracts::status.eq("submitted")),
            )
            .set((
                contracts::status.eq("registered"),
                contracts::kind.eq(&kind),
                contracts::sub_kind.eq(&sub),
                contracts::tech_fen_registered.eq(Some(tech)),
                contracts::return_reason.eq(None::<String>),
                contracts::version.eq(version + 1),
                contracts::registered_at.eq(Some(now())),
                contracts::registered_by.eq(Some(user.id)),
                contracts::updated_at.eq(now()),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(AppError::Conflict(changed));
            }
            let seq: i32 = diesel::update(
                registration_counters::table
                    .filter(registration_counters::region_code.eq(&region))
                    .filter(registration_counters::year.eq(year)),
            )
            .set(registration_counters::last_seq.eq(registration_counters::last_seq + 1))
            .returning(registration_counters::last_seq)
            .get_result(conn)?;
            let number = format!("{region}-{year}-{seq:06}");
            diesel::update(contracts::table.find(id))
                .set(contracts::registration_no.eq(Some(&number)))
                .execute(conn)?;
            record(conn, id, user.id, "registered", Some(&number))?;
            amendments::keep_original(conn, id)?;
            crate::awards::enqueue(conn, Some(id), "registered")?;
            let k = load(conn, id)?;
            notify(conn, &base, &k, "registered", &number)?;
            Ok(number)
        })
    })
    .await?;
    log::info!("contract {id} registered as {number}");
    Ok(redirect(&format!("/contracts/{id}?notice=contract_registered")))
}

// ---- lists and the certificate -----------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub project_name: String,
    pub buyer: String,
    pub seller: String,
    pub amount: i64,
    pub status: String,
    pub registration_no: Option<String>,
    pub waiting_days: i64,
    /// In the officer's queue: the number of the amendment waiting for review.
    pub amendment: Option<i32>,
    /// In the officer's queue: a party is not verified by this market and must be checked.
    pub unverified: bool,
}

#[derive(Template)]
#[template(path = "contracts/list.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    rows: Vec<Row>,
    officer: bool,
}

impl ListPage<'_> {
    fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    fn flag(&self) -> i64 {
        FLAG_AFTER_WORKING_DAYS
    }
}

fn rows(conn: &mut DbConn, ks: Vec<Contract>) -> AppResult<Vec<Row>> {
    let mut out = Vec::new();
    for k in ks {
        out.push(Row {
            id: k.id,
            buyer: org_name(conn, k.buyer_org_id)?,
            seller: org_name(conn, k.seller_org_id)?,
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

/// The contracts of the user's organization (as a party, intermediary or submitter).
pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let rows = db::run(&state.pool, move |conn| {
        let org = user.org_id;
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
    })
    .await?;
    render(&ListPage {
        c: &c,
        rows,
        officer: false,
    })
}

/// The officer's queue: submitted contracts of the region, oldest first, with their waiting time
/// in working days.
pub async fn queue(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let rows = db::run(&state.pool, move |conn| {
        let ks: Vec<Contract> = contracts::table
            .filter(contracts::status.eq("submitted"))
            .order(contracts::submitted_at)
            .load(conn)?;
        let mine: Vec<Contract> = ks.into_iter().filter(|k| user.oversees(&k.region_code)).collect();
        // Whether a party must be checked: two queries for the whole queue, not two per row.
        let parties: Vec<i64> = mine.iter().flat_map(|k| [k.buyer_org_id, k.seller_org_id]).collect();
        let orgs = org_standing(conn, &parties)?;
        let offices = crate::organizations::Offices::load(conn)?;
        let flags: Vec<bool> = mine
            .iter()
            .map(|k| !unverified_among(k, &orgs, &offices).is_empty())
            .collect();
        let mut out: Vec<(i64, Row)> = mine
            .iter()
            .map(|k| k.submitted_at.unwrap_or_default())
            .zip(rows(conn, mine.clone())?)
            .zip(flags)
            .map(|((at, mut r), unverified)| {
                r.unverified = unverified;
                (at, r)
            })
            .collect();
        // Amendments waiting for review, with their own waiting time.
        use crate::schema::contract_amendments as ca;
        let amended: Vec<(Contract, (i32, Option<i64>))> = contracts::table
            .inner_join(ca::table.on(ca::contract_id.eq(contracts::id)))
            .filter(ca::status.eq("submitted"))
            .select((contracts::all_columns, (ca::seq, ca::submitted_at)))
            .load(conn)?;
        for (k, (seq, at)) in amended.into_iter().filter(|(k, _)| user.oversees(&k.region_code)) {
            if let Some(mut r) = rows(conn, vec![k])?.pop() {
                r.amendment = Some(seq);
                r.waiting_days = at.map(waiting_working_days).unwrap_or(0);
                out.push((at.unwrap_or_default(), r));
            }
        }
        out.sort_by_key(|(at, _)| *at);
        Ok(out.into_iter().map(|(_, r)| r).collect::<Vec<_>>())
    })
    .await?;
    render(&ListPage {
        c: &c,
        rows,
        officer: true,
    })
}

#[derive(Template)]
#[template(path = "contracts/certificate.html")]
struct CertificatePage<'a> {
    c: &'a Ctx,
    k: Contract,
    number: String,
    tech: i64,
    buyer: (String, String),
    seller: (String, String),
    intermediary: Option<String>,
    office: String,
}

impl CertificatePage<'_> {
    fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    fn registered_on(&self) -> String {
        self.k
            .registered_at
            .map(|t| crate::web::fmt_ts(t)[..10].to_string())
            .unwrap_or_default()
    }
}

/// The printable certificate of a registered contract.
pub async fn certificate(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let page = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        standing(conn, &user, &k)?;
        let number = k.registration_no.clone().ok_or(AppError::NotFound)?;
        let items = items_of(conn, id)?;
        let party = |conn: &mut DbConn, org: i64| -> AppResult<(String, String)> {
            let (n, r): (String, String) = organizations::table
                .find(org)
                .select((organizations::name, organizations::region_code))
                .first(conn)?;
            Ok((n, crate::regions::full_name(&r).unwrap_or(r)))
        };
        let buyer = party(conn, k.buyer_org_id)?;
        let seller = party(conn, k.seller_org_id)?;
        let intermediary = intermediary_names(conn, &k)?;
        let tech = tech_fen(&k, &items);
        let office = office_region(&k, elsewhere_of(conn, id)?.as_ref());
        Ok((k, number, tech, buyer, seller, intermediary, office))
    })
    .await?;
    let (k, number, tech, buyer, seller, intermediary, office) = page;
    render(&CertificatePage {
        c: &c,
        k,
        number,
        tech,
        buyer,
        seller,
        intermediary,
        office,
    })
}

// ---- payments received -------------------------------------------------------------------------

#[derive(MultipartForm)]
pub struct PaymentUpload {
    pub paid_on: Option<actix_multipart::form::text::Text<String>>,
    pub amount: Option<actix_multipart::form::text::Text<String>>,
    pub note: Option<actix_multipart::form::text::Text<String>>,
    pub voucher: Option<actix_multipart::form::text::Text<String>>,
    pub proof: Option<UploadBytes>,
}

/// The buyer or the seller records a payment received on a registered contract, with its date and
/// proof; the total may not exceed the contract amount.
pub async fn record_payment(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: MultipartForm<PaymentUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let form = form.into_inner();
    let text_of = |t: &Option<actix_multipart::form::text::Text<String>>| {
        t.as_ref().map(|t| t.trim().to_string()).unwrap_or_default()
    };
    let input = PaymentInput {
        paid_on: text_of(&form.paid_on),
        amount: text_of(&form.amount),
        note: text_of(&form.note),
        voucher: form.voucher.as_ref().is_some_and(|v| !v.trim().is_empty()),
    };
    let mut errors = FieldErrors::new();
    let paid_on = date_field(&mut errors, &c, "paid_on", &input.paid_on, None);
    if paid_on.is_some_and(|d| d > today()) {
        errors.add("paid_on", c.tf("err.date_future", &[&input.paid_on]));
    }
    let amount = money_field(&mut errors, &c, "payment_amount", &input.amount);
    if input.amount.is_empty() {
        errors.add("payment_amount", c.t("err.required"));
    }
    text(&mut errors, &c, "note", &input.note, 0, 500);
    let max = state.config.max_upload_bytes;
    let proof = match &form.proof {
        Some(b) if !b.data.is_empty() => {
            match files::check_upload(&b.data, max, &[FileKind::Pdf, FileKind::Png, FileKind::Jpeg]) {
                Ok(k) => Some((b.data.to_vec(), b.file_name.clone().unwrap_or_default(), k)),
                Err(key) => {
                    errors.add("proof", c.tf(key, &[&(max / (1024 * 1024)).to_string()]));
                    None
                }
            }
        }
        _ => {
            errors.add("proof", c.t("err.proof_required"));
            None
        }
    };
    // Checked again in the transaction; here so the message comes with the other ones.
    let user2 = user.clone();
    let parties_pay = c.t("err.payment_parties_only").to_string();
    let (k, paid) = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        if standing(conn, &user2, &k)? != Standing::Party {
            return Err(AppError::NotFound);
        }
        // Only the buyer and the seller record what was paid: not an intermediary or a submitter.
        if !k.is_party(user2.org_id) {
            return Err(AppError::forbidden(parties_pay));
        }
        let total: Vec<i64> = contract_payments::table
            .filter(contract_payments::contract_id.eq(id))
            .select(contract_payments::amount_fen)
            .load(conn)?;
        Ok((k, total.iter().sum::<i64>()))
    })
    .await?;
    if k.status != "registered" {
        return Err(AppError::bad_request(c.t("err.payment_not_registered")));
    }
    if let Some(a) = amount {
        if paid + a > k.contract_fen {
            errors.add(
                "payment_amount",
                c.tf(
                    "err.payment_above_amount",
                    &[&crate::money::format_human(k.contract_fen - paid, c.is_en())],
                ),
            );
        }
    }
    if errors.any() {
        return show_page_with(&c, &state, id, errors, String::new(), input, ElsewhereInput::default()).await;
    }
    let (Some(paid_on), Some(amount), Some((data, name, kind))) = (paid_on, amount, proof) else {
        return show_page_with(&c, &state, id, errors, String::new(), input, ElsewhereInput::default()).await;
    };
    let over = c.t("err.payment_changed").to_string();
    db::tx(&state.pool, move |conn| {
        // Lock the contract (PostgreSQL; SQLite's write lock is held already) so two payments at
        // once cannot together pass the contract amount.
        let k: Contract = match conn {
            DbConn::Pg(pg) => contracts::table.find(id).for_update().first(pg)?,
            DbConn::Sqlite(_) => load(conn, id)?,
        };
        if !k.is_party(user.org_id) {
            return Err(AppError::NotFound);
        }
        let total: Vec<i64> = contract_payments::table
            .filter(contract_payments::contract_id.eq(id))
            .select(contract_payments::amount_fen)
            .load(conn)?;
        if total.iter().sum::<i64>() + amount > k.contract_fen {
            return Err(AppError::Conflict(over));
        }
        let file = files::store(conn, Some(user.org_id), Some(user.id), "payment", &name, kind, &data)?;
        diesel::insert_into(contract_payments::table)
            .values((
                contract_payments::contract_id.eq(id),
                contract_payments::paid_on.eq(paid_on.to_string()),
                contract_payments::amount_fen.eq(amount),
                contract_payments::proof_file_id.eq(file),
                contract_payments::note.eq(&input.note),
                contract_payments::recorded_by.eq(user.id),
                contract_payments::recorded_org.eq(user.org_id),
                contract_payments::created_at.eq(now()),
                contract_payments::voucher.eq(input.voucher),
            ))
            .execute(conn)?;
        crate::awards::enqueue(conn, Some(id), "payment")?;
        record(
            conn,
            id,
            user.id,
            "paid",
            Some(&crate::money::format_human(amount, false)),
        )
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=payment_recorded#payments")))
}

/// A payment's proof, for those who see the contract.
pub async fn proof(c: Ctx, state: web::Data<AppState>, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let (id, file) = path.into_inner();
    let (name, mime, data) = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        standing(conn, &user, &k)?;
        let n: i64 = contract_payments::table
            .filter(contract_payments::contract_id.eq(id))
            .filter(contract_payments::proof_file_id.eq(file))
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(AppError::NotFound);
        }
        files::load(conn, file)
    })
    .await?;
    Ok(files::respond(&name, &mime, data, false))
}

// ---- export ------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub format: String,
}

/// The register's columns, in its order.
const EXPORT_HEADERS: &[(&str, &str)] = &[
    ("登记编号", "Registration no."),
    ("登记日期", "Registered on"),
    ("项目名称", "Project"),
    ("合同类别", "Kind"),
    ("合同子类", "Sub-kind"),
    ("买方名称", "Buyer"),
    ("买方统一社会信用代码", "Buyer credit code"),
    ("买方所在地区代码", "Buyer region code"),
    ("买方法人类型", "Buyer entity type"),
    ("卖方名称", "Seller"),
    ("卖方统一社会信用代码", "Seller credit code"),
    ("卖方所在地区代码", "Seller region code"),
    ("卖方法人类型", "Seller entity type"),
    ("中介方", "Intermediary"),
    ("签订日期", "Signed on"),
    ("有效期起", "Term from"),
    ("有效期止", "Term to"),
    ("合同成交额（元）", "Contract amount (yuan)"),
    ("技术交易额（元）", "Technology amount (yuan)"),
    ("技术入股金额（元）", "Equity amount (yuan)"),
    ("涉及专利", "Patents"),
    ("实际到位金额（元）", "Paid (yuan)"),
];

fn yuan(fen: i64) -> String {
    let a = fen.unsigned_abs();
    format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, a / 100, a % 100)
}

/// Registered contracts of the officer's region and a period, as CSV or XLSX in the register's
/// field layout.
pub async fn export(c: Ctx, state: web::Data<AppState>, q: web::Query<ExportQuery>) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (Some(from), Some(to)) = (parse(&q.from), parse(&q.to)) else {
        return Err(AppError::bad_request(c.t("err.export_dates")));
    };
    if from > to {
        return Err(AppError::bad_request(c.t("err.export_dates")));
    }
    let xlsx = match q.format.as_str() {
        "xlsx" => true,
        "csv" | "" => false,
        _ => return Err(AppError::bad_request(c.t("err.export_format"))),
    };
    let start = from.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0);
    let end = to.and_hms_opt(23, 59, 59).map(|t| t.and_utc().timestamp()).unwrap_or(0);
    let en = c.is_en();
    let cc = c.clone();
    let rows = db::run(&state.pool, move |conn| {
        let ks: Vec<Contract> = contracts::table
            .filter(contracts::status.eq("registered"))
            .filter(contracts::registered_at.ge(start))
            .filter(contracts::registered_at.le(end))
            .order(contracts::registration_no)
            .load(conn)?;
        let mut rows = Vec::new();
        for k in ks.into_iter().filter(|k| user.oversees(&k.region_code)) {
            let items = items_of(conn, k.id)?;
            let party = |conn: &mut DbConn, org: i64| -> AppResult<[String; 4]> {
                let (name, code, region, kind): (String, Option<String>, String, String) = organizations::table
                    .find(org)
                    .select((
                        organizations::name,
                        organizations::credit_code,
                        organizations::region_code,
                        organizations::kind,
                    ))
                    .first(conn)?;
                Ok([
                    name,
                    code.unwrap_or_default(),
                    region,
                    cc.t(&format!("kind.{kind}")).to_string(),
                ])
            };
            let buyer = party(conn, k.buyer_org_id)?;
            let seller = party(conn, k.seller_org_id)?;
            let intermediary = intermediary_names(conn, &k)?;
            let paid: Vec<i64> = contract_payments::table
                .filter(contract_payments::contract_id.eq(k.id))
                .select(contract_payments::amount_fen)
                .load(conn)?;
            use crate::tables::Cell::{Number, Text};
            let mut row = vec![
                Text(k.registration_no.clone().unwrap_or_default()),
                Text(
                    k.registered_at
                        .map(|t| crate::web::fmt_ts(t)[..10].to_string())
                        .unwrap_or_default(),
                ),
                Text(k.project_name.clone()),
                Text(cc.t(&k.kind_key()).to_string()),
                Text(cc.t(&k.sub_kind_key()).to_string()),
            ];
            row.extend(buyer.into_iter().map(Text));
            row.extend(seller.into_iter().map(Text));
            row.extend([
                Text(intermediary.unwrap_or_default()),
                Text(k.signed_on.clone()),
                Text(k.term_from.clone()),
                Text(k.term_to.clone()),
                Number(yuan(k.contract_fen)),
                Number(yuan(tech_fen(&k, &items))),
                Number(k.equity_fen.map(yuan).unwrap_or_default()),
                Text(k.patents.clone()),
                Number(yuan(paid.iter().sum())),
            ]);
            rows.push(row);
        }
        Ok(rows)
    })
    .await?;
    let headers: Vec<&str> = EXPORT_HEADERS.iter().map(|(zh, e)| if en { *e } else { *zh }).collect();
    let name = format!("contracts-{from}-{to}");
    crate::tables::download(&name, if en { "Registered" } else { "登记合同" }, &headers, rows, xlsx)
}

// ---- registered by another office --------------------------------------------------------------

#[derive(MultipartForm)]
pub struct ElsewhereUpload {
    pub office: Option<actix_multipart::form::text::Text<String>>,
    pub number: Option<actix_multipart::form::text::Text<String>>,
    pub registered_on: Option<actix_multipart::form::text::Text<String>>,
    pub scan: Option<UploadBytes>,
}

/// A party records that another office registered the contract (its seller is outside the
/// regions this market serves): the office, its number and date, and the certificate scan. The
/// contract then goes to the office of the buyer's region, which verifies it when submitted.
pub async fn record_elsewhere(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: MultipartForm<ElsewhereUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let form = form.into_inner();
    let text_of = |t: &Option<actix_multipart::form::text::Text<String>>| {
        t.as_ref().map(|t| t.trim().to_string()).unwrap_or_default()
    };
    let input = ElsewhereInput {
        office: text_of(&form.office),
        number: text_of(&form.number),
        registered_on: text_of(&form.registered_on),
    };
    let mut errors = FieldErrors::new();
    text(&mut errors, &c, "elsewhere_office", &input.office, 2, 100);
    text(&mut errors, &c, "elsewhere_number", &input.number, 3, 60);
    let on = date_field(&mut errors, &c, "elsewhere_on", &input.registered_on, None);
    if on.is_some_and(|d| d > today()) {
        errors.add("elsewhere_on", c.tf("err.date_future", &[&input.registered_on]));
    }
    let max = state.config.max_upload_bytes;
    let scan = match &form.scan {
        Some(b) if !b.data.is_empty() => {
            match files::check_upload(&b.data, max, &[FileKind::Pdf, FileKind::Png, FileKind::Jpeg]) {
                Ok(k) => Some((b.data.to_vec(), b.file_name.clone().unwrap_or_default(), k)),
                Err(key) => {
                    errors.add("elsewhere_scan", c.tf(key, &[&(max / (1024 * 1024)).to_string()]));
                    None
                }
            }
        }
        _ => {
            errors.add("elsewhere_scan", c.t("err.scan_required"));
            None
        }
    };
    let (Some(on), Some((data, name, kind))) = (on, scan) else {
        return show_page_with(&c, &state, id, errors, String::new(), PaymentInput::default(), input).await;
    };
    if errors.any() {
        return show_page_with(&c, &state, id, errors, String::new(), PaymentInput::default(), input).await;
    }
    let not_editable = c.t("err.contract_not_editable").to_string();
    db::tx(&state.pool, move |conn| {
        let k = load(conn, id)?;
        if standing(conn, &user, &k)? != Standing::Party {
            return Err(AppError::NotFound);
        }
        if !k.editable() {
            return Err(AppError::Conflict(not_editable));
        }
        let file = files::store(conn, Some(user.org_id), Some(user.id), "elsewhere", &name, kind, &data)?;
        diesel::delete(contract_elsewhere::table.find(id)).execute(conn)?;
        diesel::insert_into(contract_elsewhere::table)
            .values((
                contract_elsewhere::contract_id.eq(id),
                contract_elsewhere::office.eq(&input.office),
                contract_elsewhere::number.eq(&input.number),
                contract_elsewhere::registered_on.eq(on.to_string()),
                contract_elsewhere::file_id.eq(file),
                contract_elsewhere::recorded_by.eq(user.id),
                contract_elsewhere::created_at.eq(now()),
            ))
            .execute(conn)?;
        // The office of the buyer's region verifies it.
        let region = crate::deals::org_region(conn, k.buyer_org_id)?;
        diesel::update(contracts::table.find(id))
            .set((contracts::region_code.eq(&region), contracts::updated_at.eq(now())))
            .execute(conn)?;
        record(conn, id, user.id, "recorded_elsewhere", Some(&input.number))
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=elsewhere_recorded")))
}

/// The officer of the buyer's region verifies a registration by another office: the contract is
/// registered under that office's number.
pub async fn verify_elsewhere(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let (changed, taken) = (
        c.t("err.contract_changed").to_string(),
        c.t("err.number_taken").to_string(),
    );
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        officer_of(conn, &user, id)?;
        let e = elsewhere_of(conn, id)?.ok_or(AppError::NotFound)?;
        let clash: i64 = contracts::table
            .filter(contracts::registration_no.eq(&e.number))
            .count()
            .get_result(conn)?;
        if clash > 0 {
            return Err(AppError::Conflict(taken));
        }
        let items = items_of(conn, id)?;
        let k = load(conn, id)?;
        let n = diesel::update(
            contracts::table
                .filter(contracts::id.eq(id))
                .filter(contracts::version.eq(version))
                .filter(contracts::status.eq("submitted")),
        )
        .set((
            contracts::status.eq("registered"),
            contracts::registration_no.eq(Some(&e.number)),
            contracts::tech_fen_registered.eq(Some(tech_fen(&k, &items))),
            contracts::return_reason.eq(None::<String>),
            contracts::version.eq(version + 1),
            contracts::registered_at.eq(Some(now())),
            contracts::registered_by.eq(Some(user.id)),
            contracts::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict(changed));
        }
        record(conn, id, user.id, "verified_elsewhere", Some(&e.number))?;
        amendments::keep_original(conn, id)?;
        crate::awards::enqueue(conn, Some(id), "registered")?;
        let k = load(conn, id)?;
        notify(conn, &base, &k, "registered", &e.number)
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=contract_registered")))
}

/// The scan of another office's certificate, for those who see the contract.
pub async fn elsewhere_scan(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (name, mime, data) = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        standing(conn, &user, &k)?;
        let e = elsewhere_of(conn, id)?.ok_or(AppError::NotFound)?;
        files::load(conn, e.file_id)
    })
    .await?;
    Ok(files::respond(&name, &mime, data, false))
}

#[derive(Template)]
#[template(path = "contracts/income.html")]
struct IncomePage<'a> {
    c: &'a Ctx,
    id: i64,
    project: String,
    seller: String,
    rule: crate::rewards::IncomeRule,
    net: String,
    floor: Option<crate::rewards::IncomeFloor>,
    errors: FieldErrors,
}

impl IncomePage<'_> {
    fn money(&self, fen: &i64) -> String {
        crate::rewards::Money::from_fen(*fen).grouped()
    }
}

#[derive(Deserialize)]
pub struct IncomeQuery {
    #[serde(default)]
    pub net: String,
}

/// The floors 西宁 art. 14 sets on the net income a university or institute of 西宁 gives its
/// research staff and, of that, the main contributors, for the net income entered.
pub async fn income(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<IncomeQuery>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (project, seller, rule) = db::run(&state.pool, move |conn| {
        let k = visible(conn, &user, id)?;
        let rule = crate::awards::pages::income_rule_for(conn, k.seller_org_id)?.ok_or(AppError::NotFound)?;
        let seller: String = organizations::table
            .find(k.seller_org_id)
            .select(organizations::name)
            .first(conn)?;
        Ok((k.project_name, seller, rule))
    })
    .await?;
    let net = q.net.trim().to_string();
    let mut errors = FieldErrors::new();
    let fen = if net.is_empty() {
        None
    } else {
        money_field(&mut errors, &c, "net", &net)
    };
    let floor = fen.map(|f| rule.floor(f));
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        &IncomePage {
            c: &c,
            id,
            project,
            seller,
            rule,
            net,
            floor,
            errors,
        },
        status,
    )
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/contracts", web::get().to(list))
        .route("/contracts", web::post().to(create))
        .route("/contracts/new", web::get().to(new_form))
        .route("/contracts/{id}", web::get().to(show))
        .route("/contracts/{id}/edit", web::get().to(edit_form))
        .route("/contracts/{id}/edit", web::post().to(update))
        .route("/contracts/{id}/file", web::get().to(download))
        .route("/contracts/{id}/file", web::post().to(upload))
        .route("/contracts/{id}/submit", web::post().to(submit))
        .route("/contracts/{id}/elsewhere", web::post().to(record_elsewhere))
        .route("/contracts/{id}/elsewhere/scan", web::get().to(elsewhere_scan))
        .route("/officer/contracts/{id}/verify", web::post().to(verify_elsewhere))
        .route("/contracts/{id}/payments", web::post().to(record_payment))
        .route("/contracts/{id}/proofs/{file}", web::get().to(proof))
        .route("/contracts/{id}/income", web::get().to(income))
        .route("/contracts/{id}/certificate", web::get().to(certificate))
        .route("/contracts/{id}/amend", web::get().to(amendments::form))
        .route("/contracts/{id}/amend", web::post().to(amendments::save))
        .route("/contracts/{id}/amendment/file", web::post().to(amendments::upload))
        .route("/contracts/{id}/amendment/submit", web::post().to(amendments::submit))
        .route(
            "/contracts/{id}/amendments/{seq}/file",
            web::get().to(amendments::download),
        )
        .route(
            "/officer/contracts/{id}/amendment/register",
            web::post().to(amendments::register),
        )
        .route(
            "/officer/contracts/{id}/amendment/return",
            web::post().to(amendments::return_amendment),
        )
        .route("/officer/contracts", web::get().to(queue))
        .route("/officer/contracts/export", web::get().to(export))
        .route("/officer/contracts/{id}/register", web::post().to(register))
        .route("/officer/contracts/{id}/return", web::post().to(return_contract));
}

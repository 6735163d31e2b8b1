//! Amendments of registered contracts (合同变更登记).
//!
//! A registered contract is never edited in place. A party proposes an amendment: the new terms
//! (the contract form, prefilled with the registered ones), the reason for the change and the
//! signed amendment agreement (PDF). The office reviews it like the original: it returns it with
//! reasons, or registers it, setting or correcting the kind and the technology transaction amount.
//! A registered amendment keeps the contract's registration number and date; the contract row
//! then holds the new terms, and every registered version of the terms stays in
//! `contract_versions` (version 1 as first registered), so the history shows each of them and
//! what each amendment changed. At most one amendment of a contract is open at a time; the
//! contract amount never falls below the payments already received.

use std::collections::HashMap;

use actix_multipart::form::MultipartForm;
use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;

use super::*;
use crate::auth::SessionUser;
use crate::db::{self, now, DbConn};
use crate::error::{AppError, AppResult};
use crate::files::{self};
use crate::forms::{text, FormData};
use crate::ids::ContractId;
use crate::registration::RegistrationStatus;
use crate::schema::{contract_amendments, contract_versions};
use crate::schema::{contracts, files as files_t, organizations, users};
use crate::state::AppState;
use crate::web::{redirect, render_status, Ctx, FieldErrors};

/// A contract's terms as registered: what a version keeps and what an amendment proposes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Terms {
    pub kind: String,
    pub sub_kind: String,
    pub buyer_org_id: i64,
    pub seller_org_id: i64,
    pub intermediary_org_id: Option<i64>,
    /// Further intermediaries, in listed order.
    #[serde(default)]
    pub more_intermediaries: Vec<i64>,
    pub project_name: String,
    pub signed_on: String,
    pub term_from: String,
    pub term_to: String,
    pub contract_fen: i64,
    pub equity_fen: Option<i64>,
    /// 技术交易额: as registered, or (proposed) the contract amount less the items.
    pub tech_fen: i64,
    pub involves_patent: bool,
    pub patents: String,
    pub is_import: bool,
    pub items: Vec<Item>,
}

impl Terms {
    /// The contract's current terms.
    pub fn of(conn: &mut DbConn, k: &Contract) -> AppResult<Terms> {
        let items = items_of(conn, k.id)?;
        Ok(Terms {
            kind: k.kind.clone(),
            sub_kind: k.sub_kind.clone(),
            buyer_org_id: k.buyer_org_id,
            seller_org_id: k.seller_org_id,
            intermediary_org_id: k.intermediary_org_id,
            more_intermediaries: more_intermediaries(conn, k.id)?,
            project_name: k.project_name.clone(),
            signed_on: k.signed_on.clone(),
            term_from: k.term_from.clone(),
            term_to: k.term_to.clone(),
            contract_fen: k.contract_fen,
            equity_fen: k.equity_fen,
            tech_fen: tech_fen(k, &items),
            involves_patent: k.involves_patent,
            patents: k.patents.clone(),
            is_import: k.is_import,
            items,
        })
    }

    fn proposed(v: &Valid) -> Terms {
        Terms {
            kind: v.kind.clone(),
            sub_kind: v.sub_kind.clone(),
            buyer_org_id: v.buyer,
            seller_org_id: v.seller,
            intermediary_org_id: v.intermediary,
            more_intermediaries: v.more_intermediaries.clone(),
            project_name: v.project_name.clone(),
            signed_on: v.signed_on.to_string(),
            term_from: v.term_from.to_string(),
            term_to: v.term_to.to_string(),
            contract_fen: v.contract_fen,
            equity_fen: v.equity_fen,
            tech_fen: v.contract_fen - v.items.iter().map(|i| i.amount_fen).sum::<i64>(),
            involves_patent: v.involves_patent,
            patents: v.patents.join(","),
            is_import: v.is_import,
            items: v.items.clone(),
        }
    }

    pub fn parse(s: &str) -> AppResult<Terms> {
        serde_json::from_str(s).map_err(AppError::internal)
    }

    pub fn json(&self) -> String {
        // A struct of strings, numbers and booleans always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The same terms apart from the technology amount, which the office sets.
    fn same_as(&self, other: &Terms) -> bool {
        Terms {
            tech_fen: 0,
            ..self.clone()
        } == Terms {
            tech_fen: 0,
            ..other.clone()
        }
    }
}

#[derive(Queryable, Debug, Clone)]
pub struct Amendment {
    pub id: i64,
    pub contract_id: i64,
    pub seq: i32,
    pub status: RegistrationStatus,
    pub reason: String,
    pub terms: String,
    pub file_id: Option<i64>,
    pub return_reason: Option<String>,
    pub created_by: i64,
    pub submitted_by_user: Option<i64>,
    pub submitted_at: Option<i64>,
    pub registered_by: Option<i64>,
    pub registered_at: Option<i64>,
    pub version: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Amendment {
    pub fn editable(&self) -> bool {
        self.status.editable()
    }
}

/// The contract's amendment that is not registered yet, if any.
pub fn open_of(conn: &mut DbConn, id: ContractId) -> AppResult<Option<Amendment>> {
    Ok(contract_amendments::table
        .filter(contract_amendments::contract_id.eq(id))
        .filter(contract_amendments::status.ne(RegistrationStatus::Registered))
        .first(conn)
        .optional()?)
}

/// Keeps the contract's current terms as version `no`.
fn keep_version(conn: &mut DbConn, k: &Contract, no: i32, amendment: Option<i64>, by: i64, at: i64) -> AppResult<()> {
    let terms = Terms::of(conn, k)?.json();
    diesel::insert_into(contract_versions::table)
        .values((
            contract_versions::contract_id.eq(k.id),
            contract_versions::version_no.eq(no),
            contract_versions::terms.eq(terms),
            contract_versions::amendment_id.eq(amendment),
            contract_versions::registered_by.eq(by),
            contract_versions::registered_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keeps the terms a contract was registered with as its version 1 (called in the registering
/// transaction).
pub fn keep_original(conn: &mut DbConn, id: ContractId) -> AppResult<()> {
    let k = load(conn, id)?;
    let (by, at) = (
        k.registered_by.unwrap_or(k.created_by),
        k.registered_at.unwrap_or_else(now),
    );
    keep_version(conn, &k, 1, None, by, at)
}

/// A registered version: (number, when, who, amendment, terms).
type Version = (i32, i64, String, Option<i64>, Terms);

/// The registered versions, oldest first.
fn versions_of(conn: &mut DbConn, id: ContractId) -> AppResult<Vec<Version>> {
    let rows: Vec<(i32, i64, String, Option<i64>, String)> = contract_versions::table
        .inner_join(users::table)
        .filter(contract_versions::contract_id.eq(id))
        .order(contract_versions::version_no)
        .select((
            contract_versions::version_no,
            contract_versions::registered_at,
            users::name,
            contract_versions::amendment_id,
            contract_versions::terms,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(n, at, who, a, t)| Ok((n, at, who, a, Terms::parse(&t)?)))
        .collect()
}

/// What a version or a proposal changes: (what, before, after), in the reader's language, with
/// the parties named from `names` (every organization the terms name, see [`named_orgs`]).
pub fn changes(c: &Ctx, names: &HashMap<i64, String>, old: &Terms, new: &Terms) -> Vec<(String, String, String)> {
    let money = |f: i64| crate::money::format_human(f, c.is_en());
    let kind = |t: &Terms| {
        format!(
            "{} · {}",
            c.t(&format!("contract.kind.{}", t.kind)),
            c.t(&format!("contract.sub.{}.{}", t.kind, t.sub_kind))
        )
    };
    let items = |t: &Terms| {
        if t.items.is_empty() {
            return c.t("contract.no_items").to_string();
        }
        t.items
            .iter()
            .map(|i| {
                format!(
                    "{} {} {}",
                    c.t(&format!("contract.item.{}", i.category)),
                    i.description,
                    money(i.amount_fen)
                )
            })
            .collect::<Vec<_>>()
            .join("；")
    };
    let mut out = Vec::new();
    let mut push = |key: &str, a: String, b: String| {
        if a != b {
            out.push((c.t(key).to_string(), a, b));
        }
    };
    push("contract.kind", kind(old), kind(new));
    let all = |t: &Terms| -> Vec<i64> {
        t.intermediary_org_id
            .iter()
            .chain(&t.more_intermediaries)
            .copied()
            .collect()
    };
    for (key, a, b) in [
        ("contract.buyer", vec![old.buyer_org_id], vec![new.buyer_org_id]),
        ("contract.seller", vec![old.seller_org_id], vec![new.seller_org_id]),
        ("contract.intermediary_short", all(old), all(new)),
    ] {
        if a != b {
            let named = |orgs: &[i64]| -> String {
                if orgs.is_empty() {
                    return c.t("contract.no_party").to_string();
                }
                orgs.iter()
                    .map(|o| names.get(o).map(String::as_str).unwrap_or("—"))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            push(key, named(&a), named(&b));
        }
    }
    push("field.project_name", old.project_name.clone(), new.project_name.clone());
    push("field.signed_on", old.signed_on.clone(), new.signed_on.clone());
    push(
        "contract.term",
        format!("{} – {}", old.term_from, old.term_to),
        format!("{} – {}", new.term_from, new.term_to),
    );
    push("field.amount", money(old.contract_fen), money(new.contract_fen));
    let equity = |t: &Terms| t.equity_fen.map(money).unwrap_or_else(|| "—".into());
    push("field.equity", equity(old), equity(new));
    push("contract.items", items(old), items(new));
    push("contract.tech_amount", money(old.tech_fen), money(new.tech_fen));
    let patents = |t: &Terms| {
        if t.involves_patent {
            t.patents.clone()
        } else {
            c.t("contract.no_patent").to_string()
        }
    };
    push("contract.patent", patents(old), patents(new));
    let yes_no = |b: bool| c.t(if b { "common.yes" } else { "common.no" }).to_string();
    push("contract.import_short", yes_no(old.is_import), yes_no(new.is_import));
    out
}

/// Every organization a set of terms names: the parties and the intermediaries.
fn named_orgs(t: &Terms) -> impl Iterator<Item = i64> + '_ {
    [t.buyer_org_id, t.seller_org_id]
        .into_iter()
        .chain(t.intermediary_org_id)
        .chain(t.more_intermediaries.iter().copied())
}

// ---- what the contract page shows --------------------------------------------------------------

/// The open amendment as the contract page shows it.
#[derive(Debug, Clone)]
pub struct OpenView {
    pub a: Amendment,
    /// The registered terms the amendment would change.
    pub current: Terms,
    pub file: Option<(String, i64, String)>,
    pub proposed: Terms,
    pub waiting_days: i64,
}

/// A registered version as the history shows it.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub no: i32,
    pub at: i64,
    pub who: String,
    /// The amendment's number and reason, and whether its agreement is attached.
    pub amendment: Option<(i32, String, bool)>,
    /// The version's terms, and the ones it replaced (none for the first).
    pub terms: Terms,
    pub before: Option<Terms>,
}

/// The open amendment, the registered versions, and the names of every organization their
/// terms name.
pub type Amendments = (Option<OpenView>, Vec<VersionView>, HashMap<i64, String>);

fn file_facts(conn: &mut DbConn, f: Option<i64>) -> AppResult<Option<(String, i64, String)>> {
    Ok(match f {
        Some(f) => Some(
            files_t::table
                .find(f)
                .select((files_t::filename, files_t::size_bytes, files_t::sha256))
                .first(conn)?,
        ),
        None => None,
    })
}

/// The open amendment and the registered versions of a contract, for its page.
pub fn views(conn: &mut DbConn, k: &Contract) -> AppResult<Amendments> {
    let open = match open_of(conn, k.id)? {
        Some(a) => Some(OpenView {
            proposed: Terms::parse(&a.terms)?,
            current: Terms::of(conn, k)?,
            file: file_facts(conn, a.file_id)?,
            waiting_days: a.submitted_at.map(waiting_working_days).unwrap_or(0),
            a,
        }),
        None => None,
    };
    let mut versions = Vec::new();
    let mut before: Option<Terms> = None;
    for (no, at, who, amendment, terms) in versions_of(conn, k.id)? {
        let amendment = match amendment {
            Some(a) => {
                let (seq, reason, file): (i32, String, Option<i64>) = contract_amendments::table
                    .find(a)
                    .select((
                        contract_amendments::seq,
                        contract_amendments::reason,
                        contract_amendments::file_id,
                    ))
                    .first(conn)?;
                Some((seq, reason, file.is_some()))
            }
            None => None,
        };
        let replaced = before.replace(terms.clone());
        versions.push(VersionView {
            no,
            at,
            who,
            amendment,
            terms,
            before: replaced,
        });
    }
    let mut orgs: Vec<i64> = versions
        .iter()
        .flat_map(|v| named_orgs(&v.terms).collect::<Vec<_>>())
        .collect();
    if let Some(o) = &open {
        orgs.extend(named_orgs(&o.current).chain(named_orgs(&o.proposed)));
    }
    orgs.sort_unstable();
    orgs.dedup();
    let names = organizations::table
        .filter(organizations::id.eq_any(&orgs))
        .select((organizations::id, organizations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok((open, versions, names))
}

// ---- the party's side --------------------------------------------------------------------------

/// Loads a contract the user may amend: a party's, registered here.
fn amendable(conn: &mut DbConn, user: &SessionUser, id: ContractId) -> AppResult<Contract> {
    let k = load(conn, id)?;
    if standing(conn, user, &k)? != Standing::Party {
        return Err(AppError::NotFound);
    }
    if k.deal_id.is_none() && ![k.buyer_org_id, k.seller_org_id].contains(&user.org_id) {
        return Err(AppError::refused("err.contract_parties_only"));
    }
    if k.status != RegistrationStatus::Registered {
        return Err(AppError::conflict("err.amend_not_registered"));
    }
    if elsewhere_of(conn, id)?.is_some() {
        return Err(AppError::conflict("err.amend_elsewhere"));
    }
    Ok(k)
}

fn form_page(
    c: &Ctx,
    id: ContractId,
    f: ContractInput,
    errors: FieldErrors,
    parties: Option<(String, String)>,
    reason: String,
) -> AppResult<HttpResponse> {
    let status = errors.status();
    render_status(
        &FormPage {
            c,
            id: Some(id),
            f,
            errors,
            parties,
            amend: Some(reason),
        },
        status,
    )
}

/// The amendment form: the open amendment's terms, or the registered ones.
pub async fn form(c: Ctx, state: web::Data<AppState>, path: web::Path<ContractId>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (f, parties, reason) = db::run(&state.pool, move |conn| {
        let k = amendable(conn, &user, id)?;
        let (terms, reason) = match open_of(conn, id)? {
            Some(a) if !a.editable() => return Err(AppError::conflict("err.amend_submitted")),
            Some(a) => (Terms::parse(&a.terms)?, a.reason),
            None => (Terms::of(conn, &k)?, String::new()),
        };
        let (f, parties) = input_of(conn, &user, &k, &terms)?;
        Ok((f, parties, reason))
    })
    .await?;
    form_page(&c, id, f, FieldErrors::new(), parties, reason)
}

/// Saves the proposed amendment as a draft (a new one, or the open one again).
pub async fn save(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let data = FormData(form.into_inner());
    let mut f = ContractInput::from_form(&data);
    let reason = data.get("amend_reason");
    let cc = c.clone();
    let input = f.clone();
    let reason2 = reason.clone();
    let outcome = db::tx(&state.pool, move |conn| {
        let k = amendable(conn, &user, id)?;
        let open = open_of(conn, id)?;
        if open.as_ref().is_some_and(|a| !a.editable()) {
            return Err(AppError::conflict("err.amend_submitted"));
        }
        // The deal a contract came from stays its deal.
        let mut input = input;
        input.deal = k.deal_id.map(|d| d.to_string()).unwrap_or_default();
        let mut valid = validate(conn, &user, &input)?;
        let mut e = match &valid {
            Ok(_) => FieldErrors::new(),
            Err(problems) => cc.errors(problems),
        };
        text(&mut e, &cc, "amend_reason", &reason2, 4, 2000);
        let paid: i64 = payments_of(conn, id)?.iter().map(|p| p.amount_fen).sum();
        if let Ok(v) = &valid {
            if v.contract_fen < paid {
                e.add(
                    "amount",
                    cc.tf("err.amend_below_paid", &[&crate::money::format_human(paid, cc.is_en())]),
                );
            }
            if Terms::proposed(v).same_as(&Terms::of(conn, &k)?) {
                e.add("amend", cc.t("err.amend_no_change"));
            }
        }
        if e.any() {
            let parties = match k.deal_id {
                Some(_) => Some((org_name(conn, k.buyer_org_id)?, org_name(conn, k.seller_org_id)?)),
                None => None,
            };
            return Ok(Err((e, parties)));
        }
        let Ok(v) = valid.as_mut() else {
            return Err(AppError::internal("validated terms missing"));
        };
        let terms = Terms::proposed(v).json();
        let t = now();
        match open {
            Some(a) => {
                diesel::update(contract_amendments::table.find(a.id))
                    .set((
                        contract_amendments::terms.eq(&terms),
                        contract_amendments::reason.eq(&reason2),
                        contract_amendments::updated_at.eq(t),
                    ))
                    .execute(conn)?;
                record(conn, id, user.id, "amendment_edited", Some(&reason2))?;
            }
            None => {
                let last: Option<i32> = contract_amendments::table
                    .filter(contract_amendments::contract_id.eq(id))
                    .select(diesel::dsl::max(contract_amendments::seq))
                    .first(conn)?;
                diesel::insert_into(contract_amendments::table)
                    .values((
                        contract_amendments::contract_id.eq(id),
                        contract_amendments::seq.eq(last.unwrap_or(0) + 1),
                        contract_amendments::status.eq(RegistrationStatus::Draft),
                        contract_amendments::reason.eq(&reason2),
                        contract_amendments::terms.eq(&terms),
                        contract_amendments::created_by.eq(user.id),
                        contract_amendments::version.eq(0),
                        contract_amendments::created_at.eq(t),
                        contract_amendments::updated_at.eq(t),
                    ))
                    .execute(conn)?;
                record(conn, id, user.id, "amendment_drafted", Some(&reason2))?;
            }
        }
        Ok(Ok(()))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(redirect(&format!("/contracts/{id}?notice=amendment_saved#amendment"))),
        Err((errors, parties)) => {
            f.deal.clear();
            form_page(&c, id, f, errors, parties, reason)
        }
    }
}

/// Attaches the signed amendment agreement (PDF) to the open amendment.
pub async fn upload(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: MultipartForm<FileUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (data, name, kind) = match signed_pdf(&c, &form.into_inner(), state.config.max_upload_bytes) {
        Ok(f) => f,
        Err(msg) => {
            return show_error(&c, &state, id, "amendment_file", msg).await;
        }
    };
    db::tx(&state.pool, move |conn| {
        amendable(conn, &user, id)?;
        let a = open_of(conn, id)?
            .filter(Amendment::editable)
            .ok_or_else(|| AppError::conflict("err.amend_none_open"))?;
        let file = files::store(conn, Some(user.org_id), Some(user.id), "contract", &name, kind, &data)?;
        diesel::update(contract_amendments::table.find(a.id))
            .set((
                contract_amendments::file_id.eq(Some(file)),
                contract_amendments::updated_at.eq(now()),
            ))
            .execute(conn)?;
        record(conn, id, user.id, "amendment_attached", None)
    })
    .await?;
    Ok(redirect(&format!(
        "/contracts/{id}?notice=contract_file_saved#amendment"
    )))
}

/// The signed agreement of an amendment, for those who see the contract.
pub async fn download(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(ContractId, i32)>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let (id, seq) = path.into_inner();
    let (name, mime, data) = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        standing(conn, &user, &k)?;
        let file: Option<i64> = contract_amendments::table
            .filter(contract_amendments::contract_id.eq(id))
            .filter(contract_amendments::seq.eq(seq))
            .select(contract_amendments::file_id)
            .first(conn)
            .optional()?
            .flatten();
        files::load(conn, file.ok_or(AppError::NotFound)?)
    })
    .await?;
    Ok(files::respond(&name, &mime, data, false))
}

/// A party submits the open amendment to the office.
pub async fn submit(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    let cc = c.clone();
    let missing = db::tx(&state.pool, move |conn| {
        let k = amendable(conn, &user, id)?;
        let a = open_of(conn, id)?.ok_or_else(|| AppError::conflict("err.amend_none_open"))?;
        if a.file_id.is_none() {
            return Ok(Some(cc.t("err.amend_no_file").to_string()));
        }
        let n = diesel::update(
            contract_amendments::table
                .filter(contract_amendments::id.eq(a.id))
                .filter(contract_amendments::version.eq(version))
                .filter(contract_amendments::status.eq_any(RegistrationStatus::EDITABLE)),
        )
        .set((
            contract_amendments::status.eq(RegistrationStatus::Submitted),
            contract_amendments::submitted_by_user.eq(Some(user.id)),
            contract_amendments::submitted_at.eq(Some(now())),
            contract_amendments::version.eq(version + 1),
            contract_amendments::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::conflict("err.contract_changed"));
        }
        record(conn, id, user.id, "amendment_submitted", Some(&a.reason))?;
        notify(conn, &base, &k, "amendment_submitted", &a.reason)?;
        Ok(None)
    })
    .await?;
    if let Some(msg) = missing {
        return show_error(&c, &state, id, "amendment_file", msg).await;
    }
    Ok(redirect(&format!(
        "/contracts/{id}?notice=amendment_submitted#amendment"
    )))
}

// ---- the office's side -------------------------------------------------------------------------

/// The officer returns a submitted amendment with reasons.
pub async fn return_amendment(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("amendment_reason", c.t("err.reason_missing"));
        return show_page(&c, &state, id, errors, reason).await;
    }
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let k = officer_of(conn, &user, id)?;
        let a = open_of(conn, id)?.ok_or(AppError::NotFound)?;
        let n = diesel::update(
            contract_amendments::table
                .filter(contract_amendments::id.eq(a.id))
                .filter(contract_amendments::version.eq(version))
                .filter(contract_amendments::status.eq(RegistrationStatus::Submitted)),
        )
        .set((
            contract_amendments::status.eq(RegistrationStatus::Returned),
            contract_amendments::return_reason.eq(Some(&reason)),
            contract_amendments::version.eq(version + 1),
            contract_amendments::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::conflict("err.contract_changed"));
        }
        record(conn, id, user.id, "amendment_returned", Some(&reason))?;
        notify_amendment(conn, &base, &k, &a, "amendment_returned", &reason)
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=contract_returned#amendment")))
}

/// Mails the contract's people and the amendment's author and submitter.
fn notify_amendment(
    conn: &mut DbConn,
    base: &str,
    k: &Contract,
    a: &Amendment,
    what: &str,
    detail: &str,
) -> AppResult<()> {
    let others: Vec<i64> = std::iter::once(a.created_by).chain(a.submitted_by_user).collect();
    notify_also(conn, base, k, &others, what, detail)
}

/// The officer registers a submitted amendment, setting or correcting its kind and technology
/// amount. The contract keeps its registration number and date and takes the new terms; the
/// version before and the new one are both kept.
pub async fn register(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let (mut errors, kind, sub, tech) = review_input(&c, &form, "amendment_kind", "amendment_tech");
    let user2 = user.clone();
    let proposed = db::run(&state.pool, move |conn| {
        officer_of(conn, &user2, id)?;
        let a = open_of(conn, id)?.ok_or(AppError::NotFound)?;
        Terms::parse(&a.terms)
    })
    .await?;
    if tech.is_some_and(|t| t > proposed.contract_fen) {
        errors.add("amendment_tech", c.t("err.tech_above_amount"));
    }
    if errors.any() {
        return show_page(&c, &state, id, errors, String::new()).await;
    }
    let tech = tech.unwrap_or_default();
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    let cc = c.clone();
    let seq = db::tx(&state.pool, move |conn| {
        // Lock the contract (PostgreSQL; SQLite's write lock is held already) against a payment
        // recorded meanwhile.
        let k: Contract = match conn {
            DbConn::Pg(pg) => contracts::table.find(id).for_update().first(pg)?,
            DbConn::Sqlite(_) => load(conn, id)?,
        };
        officer_of(conn, &user, id)?;
        let a = open_of(conn, id)?.ok_or(AppError::NotFound)?;
        let n = diesel::update(
            contract_amendments::table
                .filter(contract_amendments::id.eq(a.id))
                .filter(contract_amendments::version.eq(version))
                .filter(contract_amendments::status.eq(RegistrationStatus::Submitted)),
        )
        .set((
            contract_amendments::status.eq(RegistrationStatus::Registered),
            contract_amendments::return_reason.eq(None::<String>),
            contract_amendments::registered_by.eq(Some(user.id)),
            contract_amendments::registered_at.eq(Some(now())),
            contract_amendments::version.eq(version + 1),
            contract_amendments::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::conflict("err.contract_changed"));
        }
        let t = Terms::parse(&a.terms)?;
        let paid: i64 = payments_of(conn, id)?.iter().map(|p| p.amount_fen).sum();
        if t.contract_fen < paid {
            return Err(AppError::Conflict(
                cc.tf("err.amend_below_paid", &[&crate::money::format_human(paid, cc.is_en())])
                    .into(),
            ));
        }
        // A contract registered before versions were kept gets its version 1 now.
        let last: Option<i32> = contract_versions::table
            .filter(contract_versions::contract_id.eq(id))
            .select(diesel::dsl::max(contract_versions::version_no))
            .first(conn)?;
        let last = match last {
            Some(n) => n,
            None => {
                keep_original(conn, id)?;
                1
            }
        };
        diesel::update(contracts::table.find(id))
            .set((
                contracts::kind.eq(&kind),
                contracts::sub_kind.eq(&sub),
                contracts::buyer_org_id.eq(t.buyer_org_id),
                contracts::seller_org_id.eq(t.seller_org_id),
                contracts::intermediary_org_id.eq(t.intermediary_org_id),
                contracts::project_name.eq(&t.project_name),
                contracts::signed_on.eq(&t.signed_on),
                contracts::term_from.eq(&t.term_from),
                contracts::term_to.eq(&t.term_to),
                contracts::contract_fen.eq(t.contract_fen),
                contracts::equity_fen.eq(t.equity_fen),
                contracts::tech_fen_registered.eq(Some(tech)),
                contracts::involves_patent.eq(t.involves_patent),
                contracts::patents.eq(&t.patents),
                contracts::is_import.eq(t.is_import),
                contracts::version.eq(k.version + 1),
                contracts::updated_at.eq(now()),
            ))
            .execute(conn)?;
        set_more_intermediaries(conn, id, &t.more_intermediaries)?;
        set_items(conn, id, &t.items)?;
        let k = load(conn, id)?;
        keep_version(conn, &k, last + 1, Some(a.id), user.id, now())?;
        let what = cc.tf("contract.amendment_no", &[&a.seq.to_string()]);
        record(conn, id, user.id, "amended", Some(&format!("{what}：{}", a.reason)))?;
        crate::awards::enqueue(conn, Some(id), "amended")?;
        notify_amendment(
            conn,
            &base,
            &k,
            &a,
            "amended",
            k.registration_no.as_deref().unwrap_or_default(),
        )?;
        Ok(a.seq)
    })
    .await?;
    log::info!("contract {id}: amendment {seq} registered");
    Ok(redirect(&format!(
        "/contracts/{id}?notice=amendment_registered#versions"
    )))
}

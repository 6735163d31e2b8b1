//! The handlers of the contract register: extract, authorize, call the store and the rules, then
//! render or redirect.

use actix_multipart::form::{bytes::Bytes as UploadBytes, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use super::amendments;
use super::register_export;
use super::registering::{self, StepBy};
use super::rules::*;
use super::store::*;
use super::views::*;
use crate::db::{self, now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::files::{self, Kind as FileKind};
use crate::forms::part_text;
use crate::forms::{date_field, money_field, text, FormData};
use crate::i18n::{Msg, Problems};
use crate::ids::ContractId;
use crate::schema::{contract_payments, contracts, deals, organizations};
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub deal: String,
}

/// The form, prefilled from an agreed deal when one is named.
pub async fn new_form(c: Ctx, state: web::Data<AppState>, q: web::Query<NewQuery>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if !may_write(&user) {
        return Err(AppError::refused("err.contract_parties_only"));
    }
    let deal = q.deal.trim().to_string();
    let (f, parties) = db::run(&state.pool, move |conn| prefill(conn, &user, &deal)).await?;
    render(&FormPage {
        c: &c,
        id: None,
        f,
        errors: FieldErrors::new(),
        parties,
        amend: None,
    })
}

pub(crate) async fn deal_parties(state: &AppState, deal: &str) -> AppResult<Option<(String, String)>> {
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

pub(crate) async fn save(
    c: Ctx,
    state: &AppState,
    id: Option<ContractId>,
    form: Vec<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if !may_write(&user) {
        return Err(AppError::refused("err.contract_parties_only"));
    }
    let f = ContractInput::from_form(&FormData(form));
    let input = f.clone();
    let outcome = db::tx(&state.pool, move |conn| save_terms(conn, &user, id, &input)).await?;
    match outcome {
        Ok(id) => Ok(redirect(&format!("/contracts/{id}?notice=contract_saved"))),
        Err(problems) => {
            let parties = deal_parties(state, &f.deal).await?;
            render_status(
                &FormPage {
                    c: &c,
                    id,
                    f,
                    errors: c.errors(&problems),
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
    path: web::Path<ContractId>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save(c, &state, Some(path.into_inner()), form.into_inner()).await
}

pub async fn edit_form(c: Ctx, state: web::Data<AppState>, path: web::Path<ContractId>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (f, parties) = db::run(&state.pool, move |conn| {
        let k = load(conn, id)?;
        if standing(conn, &user, &k)? != Standing::Party {
            return Err(AppError::NotFound);
        }
        if k.deal_id.is_none() && ![k.buyer_org_id, k.seller_org_id].contains(&user.org_id) {
            return Err(AppError::refused("err.contract_parties_only"));
        }
        if !k.editable() {
            return Err(AppError::conflict("err.contract_not_editable"));
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

/// What the registered-elsewhere form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct ElsewhereInput {
    pub office: String,
    pub number: String,
    pub registered_on: String,
}

pub(crate) async fn show_page(
    c: &Ctx,
    state: &AppState,
    id: ContractId,
    errors: FieldErrors,
    reason: String,
) -> AppResult<HttpResponse> {
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

/// The contract page again, with one field's error.
pub(crate) async fn show_error(
    c: &Ctx,
    state: &AppState,
    id: ContractId,
    field: &str,
    msg: impl Into<String>,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::new();
    errors.add(field, msg);
    show_page(c, state, id, errors, String::new()).await
}

pub(crate) async fn show_page_with(
    c: &Ctx,
    state: &AppState,
    id: ContractId,
    errors: FieldErrors,
    reason: String,
    payment: PaymentInput,
    elsewhere_input: ElsewhereInput,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let shown = db::run(&state.pool, move |conn| shown(conn, &user, id)).await?;
    let status = errors.status();
    let forms = ShowForms {
        errors,
        reason,
        payment,
        elsewhere_input,
    };
    render_status(&ShowPage::of(c, shown, forms), status)
}

pub async fn show(c: Ctx, state: web::Data<AppState>, path: web::Path<ContractId>) -> AppResult<HttpResponse> {
    show_page(&c, &state, path.into_inner(), FieldErrors::new(), String::new()).await
}

#[derive(MultipartForm)]
pub struct FileUpload {
    pub file: Option<UploadBytes>,
}

/// The uploaded signed copy (PDF only, judged by its content): (data, file name, kind), or the
/// message saying what is wrong with it.
pub(crate) fn signed_pdf(c: &Ctx, form: &FileUpload, max: usize) -> Result<(Vec<u8>, String, FileKind), String> {
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
    path: web::Path<ContractId>,
    form: MultipartForm<FileUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (data, name, kind) = match signed_pdf(&c, &form.into_inner(), state.config.max_upload_bytes) {
        Ok(f) => f,
        Err(msg) => {
            return show_error(&c, &state, id, "file", msg).await;
        }
    };
    db::tx(&state.pool, move |conn| {
        let k = load(conn, id)?;
        if standing(conn, &user, &k)? != Standing::Party {
            return Err(AppError::NotFound);
        }
        if !k.editable() {
            return Err(AppError::conflict("err.contract_not_editable"));
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

pub async fn download(c: Ctx, state: web::Data<AppState>, path: web::Path<ContractId>) -> AppResult<HttpResponse> {
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

/// A party or the intermediary submits the contract for registration. Each party must be
/// verified by this market, unless its region has no office here to verify it.
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
    let missing = db::tx(&state.pool, move |conn| {
        let by = StepBy {
            user: &user,
            id,
            version,
            base: &base,
        };
        registering::submit(conn, by)
    })
    .await?;
    if let Some((field, msg)) = missing {
        return show_error(&c, &state, id, field, c.say(&msg)).await;
    }
    Ok(redirect(&format!("/contracts/{id}?notice=contract_submitted")))
}

/// The officer returns a submitted contract with reasons.
pub async fn return_contract(
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
        errors.add("reason", c.t("err.reason_missing"));
        return show_page(&c, &state, id, errors, reason).await;
    }
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let by = StepBy {
            user: &user,
            id,
            version,
            base: &base,
        };
        registering::return_with(conn, by, &reason)
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=contract_returned")))
}

/// What an officer's register form sets: the kind and sub-kind, and the technology amount, each
/// checked (errors under the form's own field names).
pub(crate) fn review_input(
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
    path: web::Path<ContractId>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let (mut errors, kind, sub_kind, tech) = review_input(&c, &form, "kind", "tech_amount");
    let version = crate::deals::parse_version(&form.version);
    let user2 = user.clone();
    let k = db::run(&state.pool, move |conn| officer_of(conn, &user2, id)).await?;
    if tech.is_some_and(|t| t > k.contract_fen) {
        errors.add("tech_amount", c.t("err.tech_above_amount"));
    }
    if errors.any() {
        return show_page(&c, &state, id, errors, String::new()).await;
    }
    let review = registering::Review {
        kind,
        sub_kind,
        tech_fen: tech.unwrap_or_default(),
    };
    // The number is the registering office's: the officer's region.
    let region = user.officer_region.clone().unwrap_or_else(|| k.region_code.clone());
    let base = state.config.base_url.clone();
    let number = db::run(&state.pool, move |conn| {
        let by = StepBy {
            user: &user,
            id,
            version,
            base: &base,
        };
        registering::register(conn, by, &region, &review)
    })
    .await?;
    log::info!("contract {id} registered as {number}");
    Ok(redirect(&format!("/contracts/{id}?notice=contract_registered")))
}

/// The contracts of the user's organization (as a party, intermediary or submitter).
pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let org = c.user()?.org_id;
    let rows = db::run(&state.pool, move |conn| rows_of_org(conn, org)).await?;
    render(&ListPage {
        c: &c,
        rows,
        officer: false,
    })
}

/// The officer's queue: submitted contracts and amendments of the region, oldest first, with
/// their waiting time in working days.
pub async fn queue(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let rows = db::run(&state.pool, move |conn| queue_rows(conn, &user)).await?;
    render(&ListPage {
        c: &c,
        rows,
        officer: true,
    })
}

/// The printable certificate of a registered contract.
pub async fn certificate(c: Ctx, state: web::Data<AppState>, path: web::Path<ContractId>) -> AppResult<HttpResponse> {
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

#[derive(MultipartForm)]
pub struct PaymentUpload {
    pub paid_on: Option<actix_multipart::form::text::Text<String>>,
    pub amount: Option<actix_multipart::form::text::Text<String>>,
    pub note: Option<actix_multipart::form::text::Text<String>>,
    pub voucher: Option<actix_multipart::form::text::Text<String>>,
    pub proof: Option<UploadBytes>,
}

impl PaymentUpload {
    fn input(&self) -> PaymentInput {
        PaymentInput {
            paid_on: part_text(&self.paid_on),
            amount: part_text(&self.amount),
            note: part_text(&self.note),
            voucher: !part_text(&self.voucher).is_empty(),
        }
    }
}

/// What was received so far and the contract amount, or why this user may not record a payment.
fn may_record_payment(c: &Ctx, standing: PaymentStanding) -> AppResult<(i64, i64)> {
    match standing {
        PaymentStanding::Unseen => Err(AppError::NotFound),
        PaymentStanding::NotParty => Err(AppError::refused("err.payment_parties_only")),
        PaymentStanding::NotRegistered => Err(AppError::bad_request(c.t("err.payment_not_registered"))),
        PaymentStanding::Open { paid, contract_fen } => Ok((paid, contract_fen)),
    }
}

/// The buyer or the seller records a payment received on a registered contract, with its date and
/// proof; the total may not exceed the contract amount.
pub async fn record_payment(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: MultipartForm<PaymentUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let form = form.into_inner();
    let input = form.input();
    let mut problems = Problems::new();
    let checked = check_payment(&input, today(), &mut problems);
    let kinds = [FileKind::Pdf, FileKind::Png, FileKind::Jpeg];
    let proof = files::checked_part(&form.proof, state.config.max_upload_bytes, &kinds)
        .and_then(|u| u.ok_or_else(|| Msg::t("err.proof_required")));
    let standing = db::run(&state.pool, {
        let user = user.clone();
        move |conn| payment_standing(conn, &user, id)
    })
    .await?;
    let (paid, contract_fen) = may_record_payment(&c, standing)?;
    if let Some(amount) = checked.amount {
        if let Err(m) = payment_fits(paid, amount, contract_fen) {
            problems.add("payment_amount", m);
        }
    }
    let proof = proof.map_err(|m| problems.add("proof", m)).ok();
    let (Some(paid_on), Some(amount), Some(proof), true) =
        (checked.paid_on, checked.amount, proof, problems.is_empty())
    else {
        let errors = c.errors(&problems);
        return show_page_with(&c, &state, id, errors, String::new(), input, ElsewhereInput::default()).await;
    };
    let payment = Payment {
        paid_on,
        amount,
        note: input.note,
        voucher: input.voucher,
    };
    let recorded = db::tx(&state.pool, move |conn| {
        insert_payment(conn, &user, id, &payment, &proof)
    })
    .await?;
    if !recorded {
        return Err(AppError::conflict("err.payment_changed"));
    }
    Ok(redirect(&format!("/contracts/{id}?notice=payment_recorded#payments")))
}

/// A payment's proof, for those who see the contract.
pub async fn proof(c: Ctx, state: web::Data<AppState>, path: web::Path<(ContractId, i64)>) -> AppResult<HttpResponse> {
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

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub format: String,
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
        register_export::registered_rows(conn, &cc, &user, (start, end))
    })
    .await?;
    let headers: Vec<&str> = EXPORT_HEADERS.iter().map(|(zh, e)| if en { *e } else { *zh }).collect();
    let name = format!("contracts-{from}-{to}");
    crate::tables::download(&name, if en { "Registered" } else { "登记合同" }, &headers, rows, xlsx)
}

#[derive(MultipartForm)]
pub struct ElsewhereUpload {
    pub office: Option<actix_multipart::form::text::Text<String>>,
    pub number: Option<actix_multipart::form::text::Text<String>>,
    pub registered_on: Option<actix_multipart::form::text::Text<String>>,
    pub scan: Option<UploadBytes>,
}

impl ElsewhereUpload {
    fn input(&self) -> ElsewhereInput {
        ElsewhereInput {
            office: part_text(&self.office),
            number: part_text(&self.number),
            registered_on: part_text(&self.registered_on),
        }
    }
}

/// A party records that another office registered the contract (its seller is outside the
/// regions this market serves): the office, its number and date, and the certificate scan. The
/// contract then goes to the office of the buyer's region, which verifies it when submitted.
pub async fn record_elsewhere(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: MultipartForm<ElsewhereUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let form = form.into_inner();
    let input = form.input();
    let mut errors = FieldErrors::new();
    text(&mut errors, &c, "elsewhere_office", &input.office, 2, 100);
    text(&mut errors, &c, "elsewhere_number", &input.number, 3, 60);
    let on = date_field(&mut errors, &c, "elsewhere_on", &input.registered_on, None);
    if on.is_some_and(|d| d > today()) {
        errors.add("elsewhere_on", c.tf("err.date_future", &[&input.registered_on]));
    }
    let kinds = [FileKind::Pdf, FileKind::Png, FileKind::Jpeg];
    let scan = files::checked_part(&form.scan, state.config.max_upload_bytes, &kinds)
        .and_then(|u| u.ok_or_else(|| Msg::t("err.scan_required")))
        .map_err(|m| errors.add("elsewhere_scan", c.say(&m)))
        .ok();
    let (Some(on), Some(scan), false) = (on, scan, errors.any()) else {
        return show_page_with(&c, &state, id, errors, String::new(), PaymentInput::default(), input).await;
    };
    let (office, number) = (input.office, input.number);
    let r = registering::ElsewhereRecord {
        office,
        number,
        on,
        scan,
    };
    db::tx(&state.pool, move |conn| {
        registering::record_elsewhere(conn, &user, id, &r)
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=elsewhere_recorded")))
}

/// The officer of the buyer's region verifies a registration by another office: the contract is
/// registered under that office's number.
pub async fn verify_elsewhere(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let user = c.officer()?.clone();
    let id = path.into_inner();
    let version = crate::deals::parse_version(&form.version);
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let by = StepBy {
            user: &user,
            id,
            version,
            base: &base,
        };
        registering::verify_elsewhere(conn, by)
    })
    .await?;
    Ok(redirect(&format!("/contracts/{id}?notice=contract_registered")))
}

/// The scan of another office's certificate, for those who see the contract.
pub async fn elsewhere_scan(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<ContractId>,
) -> AppResult<HttpResponse> {
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
    path: web::Path<ContractId>,
    q: web::Query<IncomeQuery>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (project, seller, rule) = db::run(&state.pool, move |conn| {
        let k = visible(conn, &user, id)?;
        let rule = crate::awards::income_rule_for(conn, k.seller_org_id)?.ok_or(AppError::NotFound)?;
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
    let status = errors.status();
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

//! The handlers of deals: extract, authorize, call the store and the rules, then render or
//! redirect.

use actix_multipart::form::{bytes::Bytes as UploadBytes, text::Text, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::rules::*;
use super::store;
use super::views::*;
use crate::db;
use crate::error::AppResult;
use crate::files::{self, Kind as FileKind};
use crate::forms::text;
use crate::ids::DealId;
use crate::state::AppState;
use crate::web::{redirect, render_status, Ctx, FieldErrors};

// ---- opening a deal ----------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct PairQuery {
    #[serde(default)]
    pub demand: String,
    #[serde(default)]
    pub achievement: String,
}

async fn new_page(
    c: &Ctx,
    state: &AppState,
    q: PairQuery,
    message: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let (p, (reasons, counterparty)) = db::run(&state.pool, move |conn| {
        let p = store::pair(conn, &user, &q.demand, &q.achievement)?;
        let data = store::new_page_data(conn, &p)?;
        Ok((p, data))
    })
    .await?;
    let reasons = reasons.iter().map(|r| crate::matching::reason_text(c, r)).collect();
    let page = NewPage {
        c,
        demand_id: p.demand_id,
        achievement_id: p.achievement_id,
        counterparty,
        demand_title: p.demand_title,
        achievement_title: p.achievement_title,
        reasons,
        message,
        errors,
    };
    render_status(&page, status)
}

pub async fn new_form(c: Ctx, state: web::Data<AppState>, q: web::Query<PairQuery>) -> AppResult<HttpResponse> {
    let (message, errors) = (String::new(), FieldErrors::new());
    new_page(&c, &state, q.into_inner(), message, errors, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    pub demand: String,
    #[serde(default)]
    pub achievement: String,
    #[serde(default)]
    pub message: String,
}

pub async fn create(c: Ctx, state: web::Data<AppState>, form: web::Form<OpenForm>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    text(&mut errors, &c, "message", f.message.trim(), 10, 2000);
    let q = PairQuery {
        demand: f.demand.clone(),
        achievement: f.achievement.clone(),
    };
    if errors.any() {
        return new_page(&c, &state, q, f.message, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let base = state.config.base_url.clone();
    let message = f.message.trim().to_string();
    let id = db::tx(&state.pool, move |conn| {
        let p = store::pair(conn, &user, &q.demand, &q.achievement)?;
        store::open(conn, &base, &user, &p, &message)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}")))
}

// ---- the deal room -----------------------------------------------------------------------------

async fn room_page(
    c: &Ctx,
    state: &AppState,
    id: DealId,
    input: RoomInput,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let room = db::run(&state.pool, move |conn| store::room(conn, &user, id)).await?;
    render_status(&RoomPage::new(c, room, input, errors), status)
}

/// The room again with what the user typed and what is wrong with it.
async fn refused(
    c: &Ctx,
    state: &AppState,
    id: DealId,
    input: RoomInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    room_page(c, state, id, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn room(c: Ctx, state: web::Data<AppState>, path: web::Path<DealId>) -> AppResult<HttpResponse> {
    let (input, errors) = (RoomInput::default(), FieldErrors::new());
    room_page(&c, &state, path.into_inner(), input, errors, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct RespondForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: String,
}

pub async fn respond(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<DealId>,
    form: web::Form<RespondForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let f = form.into_inner();
    let reason = f.reason.trim().to_string();
    if f.decision == "decline" && reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("reason", c.t("err.reason_missing"));
        return refused(&c, &state, id, RoomInput::default(), errors).await;
    }
    if f.decision != "accept" && f.decision != "decline" {
        return Err(crate::error::AppError::bad_request(c.t("err.choose_decision")));
    }
    let accept = f.decision == "accept";
    let (base, version) = (state.config.base_url.clone(), parse_version(&f.version));
    db::tx(&state.pool, move |conn| {
        store::respond(conn, &base, (&user, id, version), accept, &reason)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}")))
}

#[derive(MultipartForm)]
pub struct MessageUpload {
    pub body: Option<Text<String>>,
    pub attachment: Option<UploadBytes>,
}

type Attached = Option<(Vec<u8>, String, FileKind)>;

/// The attachment of a message, checked (PDF or an image, within the size limit).
fn attached(c: &Ctx, max: usize, upload: &Option<UploadBytes>, errors: &mut FieldErrors) -> Attached {
    let b = upload.as_ref().filter(|b| !b.data.is_empty())?;
    match files::check_upload(&b.data, max, &[FileKind::Pdf, FileKind::Png, FileKind::Jpeg]) {
        Ok(k) => Some((b.data.to_vec(), b.file_name.clone().unwrap_or_default(), k)),
        Err(key) => {
            errors.add("attachment", c.tf(key, &[&(max / (1024 * 1024)).to_string()]));
            None
        }
    }
}

pub async fn post_message(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<DealId>,
    form: MultipartForm<MessageUpload>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let form = form.into_inner();
    let body = crate::forms::part_text(&form.body);
    let mut errors = FieldErrors::new();
    text(&mut errors, &c, "message", &body, 1, 5000);
    let file = attached(&c, state.config.max_upload_bytes, &form.attachment, &mut errors);
    // A closed deal takes no messages, whatever else is wrong.
    let u = user.clone();
    let open = db::run(&state.pool, move |conn| store::room_open_for(conn, &u, id)).await?;
    if !open {
        errors.add("message", c.t("err.deal_closed"));
    }
    if errors.any() {
        let input = RoomInput {
            message: body,
            ..Default::default()
        };
        return refused(&c, &state, id, input, errors).await;
    }
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        store::post_message(conn, &base, (&user, id), &body, file)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}#messages")))
}

/// An offer's path: the deal, and the offer when one is accepted.
#[derive(Deserialize)]
pub struct OfferPath {
    pub id: DealId,
    pub offer: Option<i64>,
}

#[derive(Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub coop_mode: String,
    #[serde(default)]
    pub payment_terms: String,
    #[serde(default)]
    pub licence_scope: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub version: String,
}

impl OfferForm {
    fn input(&self) -> OfferInput {
        OfferInput {
            price: self.price.trim().to_string(),
            coop_mode: self.coop_mode.trim().to_string(),
            payment_terms: self.payment_terms.trim().to_string(),
            licence_scope: self.licence_scope.trim().to_string(),
            note: self.note.trim().to_string(),
        }
    }
}

/// The one offer path: `/deals/{id}/offers` makes an offer, `/deals/{id}/offers/{offer}/accept`
/// accepts the other side's latest.
pub async fn act_on_offer(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<OfferPath>,
    form: web::Form<OfferForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let OfferPath { id, offer } = path.into_inner();
    let (m, to) = match offer {
        Some(o) => (store::OfferMove::Accept(o), format!("/deals/{id}")),
        None => {
            let input = form.input();
            match check_offer(&input) {
                Ok(price_fen) => (
                    store::OfferMove::Make { input, price_fen },
                    format!("/deals/{id}#offers"),
                ),
                Err(p) => {
                    let input = RoomInput {
                        offer: input,
                        ..Default::default()
                    };
                    return refused(&c, &state, id, input, c.errors(&p)).await;
                }
            }
        }
    };
    let (base, version) = (state.config.base_url.clone(), parse_version(&form.version));
    db::tx(&state.pool, move |conn| {
        store::act_on_offer(conn, &base, (&user, id, version), m)
    })
    .await?;
    Ok(redirect(&to))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn withdraw(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<DealId>,
    form: web::Form<WithdrawForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("withdraw_reason", c.t("err.reason_missing"));
        return refused(&c, &state, id, RoomInput::default(), errors).await;
    }
    let (base, version) = (state.config.base_url.clone(), parse_version(&form.version));
    db::tx(&state.pool, move |conn| {
        store::withdraw(conn, &base, (&user, id, version), &reason)
    })
    .await?;
    Ok(redirect(&format!("/deals/{id}")))
}

/// An attachment of one of the deal's messages, for those who see the deal.
pub async fn attachment(c: Ctx, state: web::Data<AppState>, path: web::Path<(DealId, i64)>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let (id, file) = path.into_inner();
    let (name, mime, data) = db::run(&state.pool, move |conn| store::attachment(conn, &user, id, file)).await?;
    Ok(files::respond(&name, &mime, data, true))
}

// ---- my deals ----------------------------------------------------------------------------------

pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let rows = db::run(&state.pool, move |conn| store::rows_for(conn, &user)).await?;
    render_status(&ListPage { c: &c, rows }, StatusCode::OK)
}

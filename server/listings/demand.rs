//! Technology needs (技术需求) posted by enterprises; an open challenge (揭榜挂帅) is a need with a
//! bounty, goals, assessment indicators and a closing date, and may also be posted by a government office.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;

use super::{
    date_field, field_code, join_modes, load_acceptances, load_events, money_field, parse_keywords, record_event,
    region_levels, split_list, text, visible_head, Acceptance, Access, Event, FormData, Kind, COOP_MODES, EDITABLE,
};
use crate::auth::{Role, SessionUser};
use crate::db::{self, now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::readiness::Stage;
use crate::schema::{demands, organizations};
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};
use crate::{fields, money};

pub fn may_create(u: &SessionUser) -> bool {
    matches!(u.role, Role::Enterprise | Role::Officer)
}

/// What the form holds, as typed, so a rejected form comes back exactly as it was.
#[derive(Debug, Clone, Default)]
pub struct DemandInput {
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub keywords: String,
    pub coop_modes: Vec<String>,
    pub wanted_stage: String,
    pub budget_min: String,
    pub budget_max: String,
    pub negotiable: bool,
    pub deadline: String,
    pub is_challenge: bool,
    pub bounty: String,
    pub goals: String,
    pub indicators: String,
    pub closes_on: String,
}

impl DemandInput {
    pub fn from_form(f: &FormData) -> Self {
        DemandInput {
            title: f.get("title"),
            summary: f.get("summary"),
            detail: f.get("detail"),
            contact: f.get("contact"),
            field_code: f.get("field_code"),
            keywords: f.get("keywords"),
            coop_modes: f.all("coop_modes"),
            wanted_stage: f.get("wanted_stage"),
            budget_min: f.get("budget_min"),
            budget_max: f.get("budget_max"),
            negotiable: f.checked("negotiable"),
            deadline: f.get("deadline"),
            is_challenge: f.checked("is_challenge"),
            bounty: f.get("bounty"),
            goals: f.get("goals"),
            indicators: f.get("indicators"),
            closes_on: f.get("closes_on"),
        }
    }
    pub fn has_mode(&self, m: &&str) -> bool {
        self.coop_modes.iter().any(|x| x == *m)
    }
}

/// A demand that passed every check.
#[derive(Debug, Clone)]
pub struct ValidDemand {
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub keywords: Vec<String>,
    pub coop_modes: Vec<String>,
    /// The readiness stage wanted; None for any.
    pub wanted_stage: Option<Stage>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: NaiveDate,
    pub challenge: Option<(i64, String, String, NaiveDate)>,
}

pub fn validate(c: &Ctx, i: &DemandInput, is_officer: bool) -> Result<ValidDemand, FieldErrors> {
    let mut e = FieldErrors::new();
    text(&mut e, c, "title", &i.title, 4, 100);
    text(&mut e, c, "summary", &i.summary, 10, 2000);
    text(&mut e, c, "detail", &i.detail, 0, 5000);
    text(&mut e, c, "contact", &i.contact, 2, 200);
    field_code(&mut e, c, &i.field_code);
    let keywords = match parse_keywords(&i.keywords) {
        Ok(k) => k,
        Err(key) => {
            e.add("keywords", c.t(key));
            Vec::new()
        }
    };
    let mut modes = Vec::new();
    for m in &i.coop_modes {
        if !COOP_MODES.contains(&m.as_str()) {
            e.add("coop_modes", c.tf("err.mode_unknown", &[m]));
        } else if !modes.contains(m) {
            modes.push(m.clone());
        }
    }
    if modes.is_empty() && !e.has("coop_modes") {
        e.add("coop_modes", c.t("err.choose_mode"));
    }
    let wanted_stage = match i.wanted_stage.trim() {
        "" | "any" => None,
        code => {
            let s = Stage::parse(code);
            if s.is_none() {
                e.add("wanted_stage", c.tf("err.stage_unknown", &[code]));
            }
            s
        }
    };
    let (mut min, mut max) = (None, None);
    if !i.negotiable {
        min = money_field(&mut e, c, "budget_min", &i.budget_min);
        max = money_field(&mut e, c, "budget_max", &i.budget_max);
        if i.budget_max.is_empty() && !e.has("budget_max") {
            e.add("budget_max", c.t("err.budget_or_negotiable"));
        }
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                e.add("budget_min", c.t("err.budget_order"));
            }
        }
    }
    let today = today();
    let deadline = date_field(&mut e, c, "deadline", &i.deadline, Some(today));
    let challenge = if i.is_challenge || is_officer {
        let bounty = money_field(&mut e, c, "bounty", &i.bounty);
        if i.bounty.is_empty() {
            e.add("bounty", c.t("err.required"));
        }
        text(&mut e, c, "goals", &i.goals, 10, 3000);
        text(&mut e, c, "indicators", &i.indicators, 10, 3000);
        let closes = date_field(&mut e, c, "closes_on", &i.closes_on, Some(today));
        if let (Some(cl), Some(dl)) = (closes, deadline) {
            if cl > dl {
                e.add("closes_on", c.t("err.closes_after_deadline"));
            }
        }
        match (bounty, closes) {
            (Some(b), Some(cl)) => Some((b, i.goals.clone(), i.indicators.clone(), cl)),
            _ => None,
        }
    } else {
        None
    };
    if e.any() {
        return Err(e);
    }
    Ok(ValidDemand {
        title: i.title.clone(),
        summary: i.summary.clone(),
        detail: i.detail.clone(),
        contact: i.contact.clone(),
        field_code: i.field_code.clone(),
        keywords,
        coop_modes: modes,
        wanted_stage,
        budget_min_fen: min,
        budget_max_fen: max,
        negotiable: i.negotiable,
        deadline: deadline.unwrap_or(today),
        challenge,
    })
}

/// The columns an owner writes; the same for a new demand and an edit.
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = demands, treat_none_as_null = true)]
pub struct DemandContent {
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub field_family: String,
    pub keywords: String,
    pub coop_modes: String,
    /// lab | engineering | industrial | any
    pub wanted_stage: String,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    /// budget_max_fen, or the largest BIGINT for 面议, so that sorting by budget pages by keyset.
    pub budget_sort: i64,
    pub deadline: String,
    pub is_challenge: bool,
    pub bounty_fen: Option<i64>,
    pub goals: Option<String>,
    pub indicators: Option<String>,
    pub challenge_closes_on: Option<String>,
}

impl DemandContent {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        title: &str,
        summary: &str,
        detail: &str,
        contact: &str,
        field_code: &str,
        keywords: &[String],
        coop_modes: &[String],
        wanted_stage: Option<Stage>,
        budget: (Option<i64>, Option<i64>, bool),
        deadline: &str,
        challenge: Option<(i64, &str, &str, &str)>,
    ) -> Self {
        let (budget_min_fen, budget_max_fen, negotiable) = budget;
        DemandContent {
            title: title.to_string(),
            summary: summary.to_string(),
            detail: detail.to_string(),
            contact: contact.to_string(),
            field_code: field_code.to_string(),
            field_family: fields::family(field_code).to_string(),
            keywords: keywords.join(","),
            coop_modes: join_modes(coop_modes),
            wanted_stage: wanted_stage.map(Stage::code).unwrap_or("any").to_string(),
            budget_min_fen,
            budget_max_fen,
            negotiable,
            budget_sort: if negotiable {
                i64::MAX
            } else {
                budget_max_fen.unwrap_or(i64::MAX)
            },
            deadline: deadline.to_string(),
            is_challenge: challenge.is_some(),
            bounty_fen: challenge.map(|c| c.0),
            goals: challenge.map(|c| c.1.to_string()),
            indicators: challenge.map(|c| c.2.to_string()),
            challenge_closes_on: challenge.map(|c| c.3.to_string()),
        }
    }
}

impl ValidDemand {
    pub fn content(&self) -> DemandContent {
        let closes = self.challenge.as_ref().map(|(_, _, _, d)| d.to_string());
        DemandContent::new(
            &self.title,
            &self.summary,
            &self.detail,
            &self.contact,
            &self.field_code,
            &self.keywords,
            &self.coop_modes,
            self.wanted_stage,
            (self.budget_min_fen, self.budget_max_fen, self.negotiable),
            &self.deadline.to_string(),
            self.challenge
                .as_ref()
                .zip(closes.as_deref())
                .map(|((b, g, i, _), cl)| (*b, g.as_str(), i.as_str(), cl)),
        )
    }
}

/// Inserts a demand of an organization (region from the organization) in a given state.
pub fn insert(
    conn: &mut DbConn,
    org_id: i64,
    created_by: i64,
    region: &str,
    status: &str,
    published_at: Option<i64>,
    content: &DemandContent,
) -> diesel::QueryResult<i64> {
    let t = now();
    let (prov, pref) = region_levels(region);
    diesel::insert_into(demands::table)
        .values((
            content,
            demands::org_id.eq(org_id),
            demands::created_by.eq(created_by),
            demands::region_code.eq(region),
            demands::region_province.eq(prov),
            demands::region_prefecture.eq(pref),
            demands::status.eq(status),
            demands::published_at.eq(published_at),
            demands::created_at.eq(published_at.unwrap_or(t)),
            demands::updated_at.eq(published_at.unwrap_or(t)),
        ))
        .returning(demands::id)
        .get_result(conn)
        .and_then(|id| crate::search::enqueue(conn, Kind::Demand, id).map(|_| id))
}

/// Writes a new demand (draft) or updates an editable one, which goes back to draft; returns its id.
pub fn save(conn: &mut DbConn, user: &SessionUser, existing: Option<i64>, v: &ValidDemand) -> AppResult<i64> {
    let content = v.content();
    match existing {
        None => Ok(insert(
            conn,
            user.org_id,
            user.id,
            &user.org_region,
            "draft",
            None,
            &content,
        )?),
        Some(id) => {
            diesel::update(demands::table.find(id).filter(demands::status.eq_any(EDITABLE)))
                .set((&content, demands::status.eq("draft"), demands::updated_at.eq(now())))
                .execute(conn)?;
            crate::search::enqueue(conn, Kind::Demand, id)?;
            Ok(id)
        }
    }
}

#[derive(Template)]
#[template(path = "listings/demand_form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    id: Option<i64>,
    f: DemandInput,
    errors: FieldErrors,
    modes: &'static [&'static str],
    field_options: Vec<(String, String)>,
    officer: bool,
}

impl FormPage<'_> {
    fn stage_options(&self) -> Vec<(String, String)> {
        let en = self.c.is_en();
        std::iter::once(("any".to_string(), self.c.t("stage.any").to_string()))
            .chain(
                Stage::ALL
                    .iter()
                    .map(|s| (s.code().to_string(), s.name(en).to_string())),
            )
            .collect()
    }
}

fn form_page(
    c: &Ctx,
    id: Option<i64>,
    f: DemandInput,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let officer = c.is_officer();
    render_status(
        &FormPage {
            c,
            id,
            f,
            errors,
            modes: COOP_MODES,
            field_options: super::field_options(c.is_en()),
            officer,
        },
        status,
    )
}

pub async fn new_form(c: Ctx) -> AppResult<HttpResponse> {
    let u = c.user()?;
    if !may_create(u) {
        return Err(AppError::refused("err.enterprises_only"));
    }
    let f = DemandInput {
        is_challenge: c.is_officer(),
        ..Default::default()
    };
    form_page(&c, None, f, FieldErrors::new(), StatusCode::OK)
}

pub async fn create(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if !may_create(&user) {
        return Err(AppError::refused("err.enterprises_only"));
    }
    let input = DemandInput::from_form(&FormData(form.into_inner()));
    let v = match validate(&c, &input, c.is_officer()) {
        Ok(v) => v,
        Err(errors) => return form_page(&c, None, input, errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let id = db::tx(&state.pool, move |conn| {
        let id = save(conn, &user, None, &v)?;
        record_event(conn, Kind::Demand, id, user.id, "created", None)?;
        Ok(id)
    })
    .await?;
    Ok(redirect(&format!("/demands/{id}?notice=listing_saved")))
}

fn input_from_row(d: &Demand) -> DemandInput {
    DemandInput {
        title: d.title.clone(),
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        contact: d.contact.clone(),
        field_code: d.field_code.clone(),
        keywords: d.keywords.replace(',', "，"),
        coop_modes: split_list(&d.coop_modes),
        wanted_stage: d.wanted_stage.clone(),
        budget_min: d.budget_min_fen.map(money::format_plain).unwrap_or_default(),
        budget_max: d.budget_max_fen.map(money::format_plain).unwrap_or_default(),
        negotiable: d.negotiable,
        deadline: d.deadline.clone(),
        is_challenge: d.is_challenge,
        bounty: d.bounty_fen.map(money::format_plain).unwrap_or_default(),
        goals: d.goals.clone().unwrap_or_default(),
        indicators: d.indicators.clone().unwrap_or_default(),
        closes_on: d.challenge_closes_on.clone().unwrap_or_default(),
    }
}

fn editable_by(
    conn: &mut DbConn,
    user: &SessionUser,
    id: i64,
    not_owner: &str,
    not_editable: &str,
) -> AppResult<Demand> {
    let d = load(conn, id)?;
    if d.org_id != user.org_id {
        return Err(AppError::Forbidden(not_owner.to_string().into()));
    }
    if !EDITABLE.contains(&d.status.as_str()) {
        return Err(AppError::BadRequest(not_editable.to_string().into()));
    }
    Ok(d)
}

pub async fn edit_form(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (no, ne) = (c.t("err.not_owner").to_string(), c.t("err.not_editable").to_string());
    let d = db::run(&state.pool, move |conn| editable_by(conn, &user, id, &no, &ne)).await?;
    form_page(&c, Some(id), input_from_row(&d), FieldErrors::new(), StatusCode::OK)
}

pub async fn update(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let input = DemandInput::from_form(&FormData(form.into_inner()));
    let v = match validate(&c, &input, c.is_officer()) {
        Ok(v) => v,
        Err(errors) => return form_page(&c, Some(id), input, errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let (no, ne) = (c.t("err.not_owner").to_string(), c.t("err.not_editable").to_string());
    db::tx(&state.pool, move |conn| {
        editable_by(conn, &user, id, &no, &ne)?;
        save(conn, &user, Some(id), &v)?;
        record_event(conn, Kind::Demand, id, user.id, "edited", None)
    })
    .await?;
    Ok(redirect(&format!("/demands/{id}?notice=listing_saved")))
}

#[derive(Queryable, Debug, Clone)]
pub struct Demand {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub keywords: String,
    pub coop_modes: String,
    pub wanted_stage: String,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: String,
    pub region_code: String,
    pub grade: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub is_challenge: bool,
    pub bounty_fen: Option<i64>,
    pub goals: Option<String>,
    pub indicators: Option<String>,
    pub challenge_closes_on: Option<String>,
    pub published_at: Option<i64>,
    pub updated_at: i64,
}

impl Demand {
    pub fn keyword_list(&self) -> Vec<String> {
        split_list(&self.keywords)
    }
    pub fn mode_list(&self) -> Vec<String> {
        split_list(&self.coop_modes)
    }
    pub fn stage_name(&self, c: &Ctx) -> String {
        match Stage::parse(&self.wanted_stage) {
            Some(s) => s.name(c.is_en()).to_string(),
            None => c.t("stage.any").to_string(),
        }
    }
    pub fn budget_text(&self, c: &Ctx) -> String {
        budget_text(c, self.negotiable, self.budget_min_fen, self.budget_max_fen)
    }
    pub fn bounty_text(&self, c: &Ctx) -> String {
        self.bounty_fen
            .map(|b| money::format_human(b, c.is_en()))
            .unwrap_or_default()
    }
    pub fn days_left(&self) -> Option<i64> {
        let closes = NaiveDate::parse_from_str(self.challenge_closes_on.as_deref()?, "%Y-%m-%d").ok()?;
        Some((closes - today()).num_days())
    }
    pub fn status_key(&self) -> String {
        format!("status.{}", self.status)
    }
    pub fn region_name(&self) -> String {
        crate::regions::full_name(&self.region_code).unwrap_or_else(|| self.region_code.clone())
    }
    pub fn field_name(&self, c: &Ctx) -> String {
        fields::name(&self.field_code, c.is_en())
    }
}

pub fn budget_text(c: &Ctx, negotiable: bool, min: Option<i64>, max: Option<i64>) -> String {
    let en = c.is_en();
    match (negotiable, min, max) {
        (true, _, _) | (false, None, None) => c.t("price.negotiable").to_string(),
        (false, Some(a), Some(b)) if a != b => {
            format!("{} – {}", money::format_human(a, en), money::format_human(b, en))
        }
        (false, _, Some(b)) => c.tf("price.up_to", &[&money::format_human(b, en)]),
        (false, Some(a), None) => c.tf("price.from", &[&money::format_human(a, en)]),
    }
}

pub fn load(conn: &mut DbConn, id: i64) -> AppResult<Demand> {
    Ok(demands::table
        .inner_join(organizations::table)
        .filter(demands::id.eq(id))
        .select((
            (
                demands::id,
                demands::org_id,
                organizations::name,
                demands::title,
                demands::summary,
                demands::detail,
                demands::contact,
                demands::field_code,
                demands::keywords,
                demands::coop_modes,
                demands::budget_min_fen,
                demands::budget_max_fen,
                demands::negotiable,
                demands::deadline,
                demands::region_code,
                demands::grade,
            ),
            (
                demands::status,
                demands::status_reason,
                demands::is_challenge,
                demands::bounty_fen,
                demands::goals,
                demands::indicators,
                demands::challenge_closes_on,
                demands::published_at,
                demands::updated_at,
                demands::wanted_stage,
            ),
        ))
        .first::<(
            (
                i64,
                i64,
                String,
                String,
                String,
                String,
                String,
                String,
                String,
                String,
                Option<i64>,
                Option<i64>,
                bool,
                String,
                String,
                Option<String>,
            ),
            (
                String,
                Option<String>,
                bool,
                Option<i64>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<i64>,
                i64,
                String,
            ),
        )>(conn)
        .map(|(a, b)| Demand {
            id: a.0,
            org_id: a.1,
            org_name: a.2,
            title: a.3,
            summary: a.4,
            detail: a.5,
            contact: a.6,
            field_code: a.7,
            keywords: a.8,
            coop_modes: a.9,
            budget_min_fen: a.10,
            budget_max_fen: a.11,
            negotiable: a.12,
            deadline: a.13,
            region_code: a.14,
            grade: a.15,
            status: b.0,
            status_reason: b.1,
            is_challenge: b.2,
            bounty_fen: b.3,
            goals: b.4,
            indicators: b.5,
            challenge_closes_on: b.6,
            published_at: b.7,
            updated_at: b.8,
            wanted_stage: b.9,
        })?)
}

#[derive(Template)]
#[template(path = "listings/demand_detail.html")]
struct DetailPage<'a> {
    c: &'a Ctx,
    d: Demand,
    acc: Access,
    events: Vec<Event>,
    acceptances: Vec<Acceptance>,
    editable: bool,
    matches: crate::matching::page::Section,
    commissions: crate::commissions::Panel,
    challenge: crate::challenges::Panel,
}

pub async fn detail(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let user = c.user.clone();
    let (d, acc, events, acceptances, matches, commissions, challenge) = db::run(&state.pool, move |conn| {
        let (_, acc) = visible_head(conn, user.as_ref(), Kind::Demand, id)?;
        let d = load(conn, id)?;
        let (events, acceptances) = if acc.owner || acc.officer {
            (
                load_events(conn, Kind::Demand, id)?,
                load_acceptances(conn, Kind::Demand, id)?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let published = d.status == "published";
        let matches =
            crate::matching::page::Section::for_viewer(conn, Kind::Demand, id, published, user.as_ref(), acc.owner)?;
        let commissions = crate::commissions::Panel::load(conn, Kind::Demand, id, acc.owner)?;
        let challenge = crate::challenges::Panel::load(conn, id, user.as_ref())?;
        Ok((d, acc, events, acceptances, matches, commissions, challenge))
    })
    .await?;
    let editable = acc.owner && EDITABLE.contains(&d.status.as_str());
    render(&DetailPage {
        c: &c,
        d,
        acc,
        events,
        acceptances,
        editable,
        matches,
        commissions,
        challenge,
    })
}

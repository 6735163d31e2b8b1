//! Achievements (科技成果) listed by universities and institutes: readiness level, IP items, transfer
//! modes, pricing method with asking price or 面议, and the public price notice (公示).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;

use super::{
    date_field, field_code, join_modes, load_acceptances, load_events, money_field, parse_keywords, record_event,
    region_levels, split_list, text, visible_head, Acceptance, Access, Event, FormData, Kind, EDITABLE,
    PRICING_METHODS, TRANSFER_MODES,
};
use crate::auth::{Role, SessionUser};
use crate::db::{self, now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::patents::{self, IpKind, IpStatus};
use crate::schema::{achievements, ip_items, organizations};
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};
use crate::{fields, money, readiness};

pub fn may_create(u: &SessionUser) -> bool {
    u.role == Role::Institution
}

pub const IP_ROWS: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct IpInput {
    pub kind: String,
    pub number: String,
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct AchievementInput {
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub keywords: String,
    pub trl: String,
    pub transfer_modes: Vec<String>,
    pub pricing_method: String,
    pub price: String,
    pub negotiable: bool,
    pub notice_from: String,
    pub notice_to: String,
    pub ip: Vec<IpInput>,
}

impl AchievementInput {
    pub fn from_form(f: &FormData) -> Self {
        let kinds = f.all("ip_kind");
        let numbers = f.all("ip_number");
        let statuses = f.all("ip_status");
        let ip = (0..kinds.len().max(numbers.len()))
            .map(|i| IpInput {
                kind: kinds.get(i).cloned().unwrap_or_default(),
                number: numbers.get(i).cloned().unwrap_or_default(),
                status: statuses.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        AchievementInput {
            title: f.get("title"),
            summary: f.get("summary"),
            detail: f.get("detail"),
            contact: f.get("contact"),
            field_code: f.get("field_code"),
            keywords: f.get("keywords"),
            trl: f.get("trl"),
            transfer_modes: f.all("transfer_modes"),
            pricing_method: f.get("pricing_method"),
            price: f.get("price"),
            negotiable: f.checked("negotiable"),
            notice_from: f.get("notice_from"),
            notice_to: f.get("notice_to"),
            ip,
        }
    }
    pub fn has_mode(&self, m: &&str) -> bool {
        self.transfer_modes.iter().any(|x| x == *m)
    }
    /// The IP rows of the form: what was entered, then blank rows up to `IP_ROWS`.
    pub fn ip_rows(&self) -> Vec<(usize, IpInput)> {
        let mut rows: Vec<IpInput> = self.ip.iter().filter(|r| !r.number.is_empty()).cloned().collect();
        while rows.len() < IP_ROWS {
            rows.push(IpInput::default());
        }
        rows.into_iter().enumerate().collect()
    }
}

#[derive(Debug, Clone)]
pub struct ValidIp {
    pub kind: String,
    pub number: String,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct ValidAchievement {
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub keywords: Vec<String>,
    pub trl: i32,
    pub transfer_modes: Vec<String>,
    pub pricing_method: String,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    pub notice: Option<(NaiveDate, NaiveDate)>,
    pub ip: Vec<ValidIp>,
}

/// Checks one IP item; the message names the problem. Patent kinds need a valid Chinese application
/// number (with its check digit), a software copyright its registration number.
pub fn check_ip(c: &Ctx, row: &IpInput) -> Result<ValidIp, String> {
    let Some(kind) = IpKind::parse(&row.kind) else {
        return Err(c.t("err.ip_kind").to_string());
    };
    let Some(status) = IpStatus::parse(&row.status) else {
        return Err(c.t("err.ip_status").to_string());
    };
    let number = match kind {
        IpKind::InventionPatent | IpKind::UtilityModel | IpKind::Design => {
            match patents::validate_application_number(&row.number) {
                Ok(p) => p.normalized,
                Err(e) => return Err(if c.is_en() { e.message_en() } else { e.message_zh() }),
            }
        }
        IpKind::SoftwareCopyright => match patents::validate_software_copyright(&row.number) {
            Ok(n) => n,
            Err(e) => return Err(if c.is_en() { e.message_en() } else { e.message_zh() }),
        },
        _ => {
            let n = row.number.trim();
            if n.chars().count() > 60 {
                return Err(c.tf("err.too_long", &[c.t("field.ip_number"), "60"]));
            }
            n.to_string()
        }
    };
    Ok(ValidIp {
        kind: kind.code().to_string(),
        number,
        status: status.code().to_string(),
    })
}

pub fn validate(c: &Ctx, i: &AchievementInput) -> Result<ValidAchievement, FieldErrors> {
    let mut e = FieldErrors::new();
    text(&mut e, c, "title", &i.title, 4, 100);
    text(&mut e, c, "summary", &i.summary, 10, 2000);
    text(&mut e, c, "detail", &i.detail, 0, 5000);
    text(&mut e, c, "contact", &i.contact, 2, 200);
    field_code(&mut e, c, &i.field_code);
    let keywords = parse_keywords(&i.keywords).unwrap_or_else(|key| {
        e.add("keywords", c.t(key));
        Vec::new()
    });
    let trl = readiness::parse(&i.trl);
    if trl.is_none() {
        e.add("trl", c.t("err.choose_trl"));
    }
    let mut modes = Vec::new();
    for m in &i.transfer_modes {
        if !TRANSFER_MODES.contains(&m.as_str()) {
            e.add("transfer_modes", c.tf("err.mode_unknown", &[m]));
        } else if !modes.contains(m) {
            modes.push(m.clone());
        }
    }
    if modes.is_empty() && !e.has("transfer_modes") {
        e.add("transfer_modes", c.t("err.choose_mode"));
    }
    if !PRICING_METHODS.contains(&i.pricing_method.as_str()) {
        e.add("pricing_method", c.t("err.choose_pricing"));
    }
    let mut price = None;
    if i.negotiable {
        if matches!(i.pricing_method.as_str(), "listing" | "auction") {
            e.add("price", c.t("err.price_needed_for_method"));
        }
    } else {
        price = money_field(&mut e, c, "price", &i.price);
        if i.price.is_empty() && !e.has("price") {
            e.add("price", c.t("err.price_or_negotiable"));
        }
    }
    let notice = match (i.notice_from.is_empty(), i.notice_to.is_empty()) {
        (true, true) => None,
        _ => {
            let from = date_field(&mut e, c, "notice_from", &i.notice_from, None);
            let to = date_field(&mut e, c, "notice_to", &i.notice_to, None);
            match (from, to) {
                (Some(f), Some(t)) if t < f => {
                    e.add("notice_to", c.t("err.date_order"));
                    None
                }
                (Some(f), Some(t)) => Some((f, t)),
                _ => None,
            }
        }
    };
    let mut ip = Vec::new();
    for (n, row) in i.ip.iter().enumerate() {
        if row.number.trim().is_empty() {
            continue;
        }
        match check_ip(c, row) {
            Ok(v) => ip.push(v),
            Err(msg) => e.add(&format!("ip_{n}"), msg),
        }
    }
    if e.any() {
        return Err(e);
    }
    Ok(ValidAchievement {
        title: i.title.clone(),
        summary: i.summary.clone(),
        detail: i.detail.clone(),
        contact: i.contact.clone(),
        field_code: i.field_code.clone(),
        keywords,
        trl: trl.map(i32::from).unwrap_or(1),
        transfer_modes: modes,
        pricing_method: i.pricing_method.clone(),
        price_fen: price,
        negotiable: i.negotiable,
        notice,
        ip,
    })
}

/// The columns an owner writes; the same for a new achievement and an edit.
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = achievements, treat_none_as_null = true)]
pub struct AchievementContent {
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub field_family: String,
    pub keywords: String,
    pub trl: i32,
    pub transfer_modes: String,
    pub pricing_method: String,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    /// price_fen, or the largest BIGINT for 面议, so that sorting by price pages by keyset.
    pub price_sort: i64,
    pub notice_from: Option<String>,
    pub notice_to: Option<String>,
}

impl AchievementContent {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        title: &str,
        summary: &str,
        detail: &str,
        contact: &str,
        field_code: &str,
        keywords: &[String],
        trl: i32,
        transfer_modes: &[String],
        pricing_method: &str,
        price: (Option<i64>, bool),
        notice: Option<(String, String)>,
    ) -> Self {
        let (price_fen, negotiable) = price;
        AchievementContent {
            title: title.to_string(),
            summary: summary.to_string(),
            detail: detail.to_string(),
            contact: contact.to_string(),
            field_code: field_code.to_string(),
            field_family: fields::family(field_code).to_string(),
            keywords: keywords.join(","),
            trl,
            transfer_modes: join_modes(transfer_modes),
            pricing_method: pricing_method.to_string(),
            price_fen,
            negotiable,
            price_sort: if negotiable {
                i64::MAX
            } else {
                price_fen.unwrap_or(i64::MAX)
            },
            notice_from: notice.as_ref().map(|n| n.0.clone()),
            notice_to: notice.map(|n| n.1),
        }
    }
}

impl ValidAchievement {
    pub fn content(&self) -> AchievementContent {
        AchievementContent::new(
            &self.title,
            &self.summary,
            &self.detail,
            &self.contact,
            &self.field_code,
            &self.keywords,
            self.trl,
            &self.transfer_modes,
            &self.pricing_method,
            (self.price_fen, self.negotiable),
            self.notice.map(|(f, t)| (f.to_string(), t.to_string())),
        )
    }
}

/// Inserts an achievement of an organization (region from the organization) in a given state, with
/// its IP items as (kind, number, status).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &mut DbConn,
    org_id: i64,
    created_by: i64,
    region: &str,
    status: &str,
    published_at: Option<i64>,
    content: &AchievementContent,
    ip: &[(&str, &str, &str)],
) -> diesel::QueryResult<i64> {
    let t = now();
    let (prov, pref) = region_levels(region);
    let id = diesel::insert_into(achievements::table)
        .values((
            content,
            achievements::org_id.eq(org_id),
            achievements::created_by.eq(created_by),
            achievements::region_code.eq(region),
            achievements::region_province.eq(prov),
            achievements::region_prefecture.eq(pref),
            achievements::status.eq(status),
            achievements::published_at.eq(published_at),
            achievements::created_at.eq(published_at.unwrap_or(t)),
            achievements::updated_at.eq(published_at.unwrap_or(t)),
        ))
        .returning(achievements::id)
        .get_result(conn)?;
    insert_ip(conn, id, ip)?;
    crate::search::enqueue(conn, Kind::Achievement, id)?;
    Ok(id)
}

fn insert_ip(conn: &mut DbConn, id: i64, ip: &[(&str, &str, &str)]) -> diesel::QueryResult<()> {
    for (kind, number, status) in ip {
        diesel::insert_into(ip_items::table)
            .values((
                ip_items::achievement_id.eq(id),
                ip_items::kind.eq(kind),
                ip_items::number.eq(number),
                ip_items::status.eq(status),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes a new achievement (draft) or updates an editable one, which goes back to draft; returns its id.
pub fn save(conn: &mut DbConn, user: &SessionUser, existing: Option<i64>, v: &ValidAchievement) -> AppResult<i64> {
    let content = v.content();
    let ip: Vec<(&str, &str, &str)> =
        v.ip.iter()
            .map(|i| (i.kind.as_str(), i.number.as_str(), i.status.as_str()))
            .collect();
    match existing {
        None => Ok(insert(
            conn,
            user.org_id,
            user.id,
            &user.org_region,
            "draft",
            None,
            &content,
            &ip,
        )?),
        Some(id) => {
            diesel::update(
                achievements::table
                    .find(id)
                    .filter(achievements::status.eq_any(EDITABLE)),
            )
            .set((
                &content,
                achievements::status.eq("draft"),
                achievements::updated_at.eq(now()),
            ))
            .execute(conn)?;
            diesel::delete(ip_items::table.filter(ip_items::achievement_id.eq(id))).execute(conn)?;
            insert_ip(conn, id, &ip)?;
            crate::search::enqueue(conn, Kind::Achievement, id)?;
            Ok(id)
        }
    }
}

#[derive(Template)]
#[template(path = "listings/achievement_form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    id: Option<i64>,
    f: AchievementInput,
    errors: FieldErrors,
    modes: &'static [&'static str],
    methods: &'static [&'static str],
    ip_kinds: Vec<&'static str>,
    ip_statuses: Vec<&'static str>,
    field_options: Vec<(String, String)>,
}

impl FormPage<'_> {
    fn trl_name(&self, level: &u8) -> String {
        format!("{level} · {}", readiness::name(*level, self.c.is_en()).unwrap_or(""))
    }
    fn ip_error(&self, n: &usize) -> &str {
        self.errors.get(&format!("ip_{n}"))
    }
}

fn form_page(
    c: &Ctx,
    id: Option<i64>,
    f: AchievementInput,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_status(
        &FormPage {
            c,
            id,
            f,
            errors,
            modes: TRANSFER_MODES,
            methods: PRICING_METHODS,
            ip_kinds: IpKind::ALL.iter().map(|k| k.code()).collect(),
            ip_statuses: IpStatus::ALL.iter().map(|k| k.code()).collect(),
            field_options: super::field_options(c.is_en()),
        },
        status,
    )
}

pub async fn new_form(c: Ctx) -> AppResult<HttpResponse> {
    if !may_create(c.user()?) {
        return Err(AppError::refused("err.institutions_only"));
    }
    form_page(
        &c,
        None,
        AchievementInput::default(),
        FieldErrors::new(),
        StatusCode::OK,
    )
}

pub async fn create(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if !may_create(&user) {
        return Err(AppError::refused("err.institutions_only"));
    }
    let input = AchievementInput::from_form(&FormData(form.into_inner()));
    let v = match validate(&c, &input) {
        Ok(v) => v,
        Err(errors) => return form_page(&c, None, input, errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let id = db::tx(&state.pool, move |conn| {
        let id = save(conn, &user, None, &v)?;
        record_event(conn, Kind::Achievement, id, user.id, "created", None)?;
        Ok(id)
    })
    .await?;
    Ok(redirect(&format!("/achievements/{id}?notice=listing_saved")))
}

fn editable_by(
    conn: &mut DbConn,
    user: &SessionUser,
    id: i64,
    not_owner: &str,
    not_editable: &str,
) -> AppResult<Achievement> {
    let a = load(conn, id)?;
    if a.org_id != user.org_id {
        return Err(AppError::Forbidden(not_owner.to_string().into()));
    }
    if !EDITABLE.contains(&a.status.as_str()) {
        return Err(AppError::BadRequest(not_editable.to_string().into()));
    }
    Ok(a)
}

fn input_from_row(a: &Achievement) -> AchievementInput {
    AchievementInput {
        title: a.title.clone(),
        summary: a.summary.clone(),
        detail: a.detail.clone(),
        contact: a.contact.clone(),
        field_code: a.field_code.clone(),
        keywords: a.keywords.replace(',', "，"),
        trl: a.trl.to_string(),
        transfer_modes: split_list(&a.transfer_modes),
        pricing_method: a.pricing_method.clone(),
        price: a.price_fen.map(money::format_plain).unwrap_or_default(),
        negotiable: a.negotiable,
        notice_from: a.notice_from.clone().unwrap_or_default(),
        notice_to: a.notice_to.clone().unwrap_or_default(),
        ip: a
            .ip
            .iter()
            .map(|(kind, number, status)| IpInput {
                kind: kind.clone(),
                number: number.clone(),
                status: status.clone(),
            })
            .collect(),
    }
}

pub async fn edit_form(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (no, ne) = (c.t("err.not_owner").to_string(), c.t("err.not_editable").to_string());
    let a = db::run(&state.pool, move |conn| editable_by(conn, &user, id, &no, &ne)).await?;
    form_page(&c, Some(id), input_from_row(&a), FieldErrors::new(), StatusCode::OK)
}

pub async fn update(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let input = AchievementInput::from_form(&FormData(form.into_inner()));
    let v = match validate(&c, &input) {
        Ok(v) => v,
        Err(errors) => return form_page(&c, Some(id), input, errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let (no, ne) = (c.t("err.not_owner").to_string(), c.t("err.not_editable").to_string());
    db::tx(&state.pool, move |conn| {
        editable_by(conn, &user, id, &no, &ne)?;
        save(conn, &user, Some(id), &v)?;
        record_event(conn, Kind::Achievement, id, user.id, "edited", None)
    })
    .await?;
    Ok(redirect(&format!("/achievements/{id}?notice=listing_saved")))
}

#[derive(Debug, Clone)]
pub struct Achievement {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub keywords: String,
    pub trl: i32,
    pub transfer_modes: String,
    pub pricing_method: String,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    pub notice_from: Option<String>,
    pub notice_to: Option<String>,
    pub region_code: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub published_at: Option<i64>,
    pub ip: Vec<(String, String, String)>,
}

impl Achievement {
    pub fn keyword_list(&self) -> Vec<String> {
        split_list(&self.keywords)
    }
    pub fn mode_list(&self) -> Vec<String> {
        split_list(&self.transfer_modes)
    }
    pub fn price_text(&self, c: &Ctx) -> String {
        price_text(c, self.negotiable, self.price_fen)
    }
    pub fn status_key(&self) -> String {
        format!("status.{}", self.status)
    }
    pub fn method_key(&self) -> String {
        format!("method.{}", self.pricing_method)
    }
    pub fn region_name(&self) -> String {
        crate::regions::full_name(&self.region_code).unwrap_or_else(|| self.region_code.clone())
    }
    pub fn field_name(&self, c: &Ctx) -> String {
        fields::name(&self.field_code, c.is_en())
    }
    pub fn trl_text(&self, c: &Ctx) -> String {
        trl_text(c, self.trl)
    }
    /// Whether today lies in the public notice window.
    pub fn notice_open(&self) -> bool {
        let t = today().to_string();
        match (&self.notice_from, &self.notice_to) {
            (Some(f), Some(to)) => f.as_str() <= t.as_str() && t.as_str() <= to.as_str(),
            _ => false,
        }
    }
}

pub fn price_text(c: &Ctx, negotiable: bool, price: Option<i64>) -> String {
    match (negotiable, price) {
        (false, Some(p)) => money::format_human(p, c.is_en()),
        _ => c.t("price.negotiable").to_string(),
    }
}

pub fn trl_text(c: &Ctx, trl: i32) -> String {
    let level = u8::try_from(trl).unwrap_or(0);
    let stage = readiness::stage(level).map(|s| s.name(c.is_en())).unwrap_or("");
    format!(
        "TRL {trl} · {} ({stage})",
        readiness::name(level, c.is_en()).unwrap_or("")
    )
}

type AchievementRow = (
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
        i32,
        String,
        String,
    ),
    (
        Option<i64>,
        bool,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<i64>,
    ),
);

pub fn load(conn: &mut DbConn, id: i64) -> AppResult<Achievement> {
    let (a, b): AchievementRow = achievements::table
        .inner_join(organizations::table)
        .filter(achievements::id.eq(id))
        .select((
            (
                achievements::id,
                achievements::org_id,
                organizations::name,
                achievements::title,
                achievements::summary,
                achievements::detail,
                achievements::contact,
                achievements::field_code,
                achievements::keywords,
                achievements::trl,
                achievements::transfer_modes,
                achievements::pricing_method,
            ),
            (
                achievements::price_fen,
                achievements::negotiable,
                achievements::notice_from,
                achievements::notice_to,
                achievements::region_code,
                achievements::status,
                achievements::status_reason,
                achievements::published_at,
            ),
        ))
        .first(conn)?;
    let ip = ip_items::table
        .filter(ip_items::achievement_id.eq(id))
        .order(ip_items::id)
        .select((ip_items::kind, ip_items::number, ip_items::status))
        .load(conn)?;
    Ok(Achievement {
        id: a.0,
        org_id: a.1,
        org_name: a.2,
        title: a.3,
        summary: a.4,
        detail: a.5,
        contact: a.6,
        field_code: a.7,
        keywords: a.8,
        trl: a.9,
        transfer_modes: a.10,
        pricing_method: a.11,
        price_fen: b.0,
        negotiable: b.1,
        notice_from: b.2,
        notice_to: b.3,
        region_code: b.4,
        status: b.5,
        status_reason: b.6,
        published_at: b.7,
        ip,
    })
}

#[derive(Template)]
#[template(path = "listings/achievement_detail.html")]
struct DetailPage<'a> {
    c: &'a Ctx,
    ach: Achievement,
    acc: Access,
    events: Vec<Event>,
    acceptances: Vec<Acceptance>,
    editable: bool,
    matches: crate::matching::page::Section,
    commissions: crate::commissions::Panel,
}

pub async fn detail(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let user = c.user.clone();
    let (a, acc, events, acceptances, matches, commissions) = db::run(&state.pool, move |conn| {
        let (_, acc) = visible_head(conn, user.as_ref(), Kind::Achievement, id)?;
        let a = load(conn, id)?;
        let (events, acceptances) = if acc.owner || acc.officer {
            (
                load_events(conn, Kind::Achievement, id)?,
                load_acceptances(conn, Kind::Achievement, id)?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let published = a.status == "published";
        let matches = crate::matching::page::Section::for_viewer(
            conn,
            Kind::Achievement,
            id,
            published,
            user.as_ref(),
            acc.owner,
        )?;
        let commissions = crate::commissions::Panel::load(conn, Kind::Achievement, id, acc.owner)?;
        Ok((a, acc, events, acceptances, matches, commissions))
    })
    .await?;
    let editable = acc.owner && EDITABLE.contains(&a.status.as_str());
    render(&DetailPage {
        c: &c,
        ach: a,
        acc,
        events,
        acceptances,
        editable,
        matches,
        commissions,
    })
}

//! Browsing the published shelf: `/demands` and `/achievements` with filters, sorting and keyset
//! pagination (each page starts after the last row of the previous one, so a page deep in the list
//! costs what the first one does).

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::{split_list, COOP_MODES, PRICING_METHODS, TRANSFER_MODES};
use crate::db;
use crate::error::AppResult;
use crate::schema::{achievements, demands, organizations};
use crate::state::AppState;
use crate::web::{render, Ctx};
use crate::{fields, money};

pub const PAGE: i64 = 20;

/// Filters and position, exactly as in the query string (bad values are ignored, not fatal).
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct Filters {
    pub field: String,
    pub region: String,
    pub mode: String,
    pub min: String,
    pub max: String,
    pub grade: String,
    pub challenge: String,
    pub trl_min: String,
    pub trl_max: String,
    pub method: String,
    pub sort: String,
    pub after: String,
}

impl Filters {
    fn money(s: &str) -> Option<i64> {
        if s.trim().is_empty() {
            None
        } else {
            money::parse_yuan(s).ok()
        }
    }
    fn trl(s: &str) -> Option<i32> {
        s.trim().parse::<i32>().ok().filter(|n| (1..=9).contains(n))
    }
    /// The position after which the page starts: (sort value, id).
    fn cursor(&self) -> Option<(String, i64)> {
        let (v, id) = self.after.rsplit_once('_')?;
        Some((v.to_string(), id.parse().ok()?))
    }
    fn region_column(&self) -> Option<(u8, String)> {
        let r = self.region.trim();
        if r.len() != 6 || !r.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(if r.ends_with("0000") {
            (0, r.to_string())
        } else if r.ends_with("00") {
            (1, r.to_string())
        } else {
            (2, r.to_string())
        })
    }
    /// The query string of these filters with another `after`, for the next page's link.
    pub fn with_after(&self, after: &str) -> String {
        let pairs = [
            ("field", &self.field),
            ("region", &self.region),
            ("mode", &self.mode),
            ("min", &self.min),
            ("max", &self.max),
            ("grade", &self.grade),
            ("challenge", &self.challenge),
            ("trl_min", &self.trl_min),
            ("trl_max", &self.trl_max),
            ("method", &self.method),
            ("sort", &self.sort),
        ];
        let mut q: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        if !after.is_empty() {
            q.push(format!("after={}", urlencode(after)));
        }
        q.join("&")
    }
    pub fn is_filtered(&self) -> bool {
        !(self.field.is_empty()
            && self.region.is_empty()
            && self.mode.is_empty()
            && self.min.is_empty()
            && self.max.is_empty()
            && self.grade.is_empty()
            && self.challenge.is_empty()
            && self.trl_min.is_empty()
            && self.trl_max.is_empty()
            && self.method.is_empty())
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct DemandCard {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub org_name: String,
    pub field_code: String,
    pub region_code: String,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: String,
    pub grade: Option<String>,
    pub is_challenge: bool,
    pub bounty_fen: Option<i64>,
    pub closes_on: Option<String>,
    pub published_at: i64,
    pub budget_sort: i64,
}

impl DemandCard {
    pub fn budget_text(&self, c: &Ctx) -> String {
        super::demand::budget_text(c, self.negotiable, self.budget_min_fen, self.budget_max_fen)
    }
    pub fn field_name(&self, c: &Ctx) -> String {
        fields::name(&self.field_code, c.is_en())
    }
    pub fn region_name(&self) -> String {
        crate::regions::full_name(&self.region_code).unwrap_or_else(|| self.region_code.clone())
    }
    pub fn excerpt(&self) -> String {
        excerpt(&self.summary)
    }
    pub fn days_left(&self) -> Option<i64> {
        let d = chrono::NaiveDate::parse_from_str(self.closes_on.as_deref()?, "%Y-%m-%d").ok()?;
        Some((d - db::today()).num_days())
    }
    pub fn bounty_text(&self, c: &Ctx) -> String {
        self.bounty_fen
            .map(|b| money::format_human(b, c.is_en()))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct AchievementCard {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub org_name: String,
    pub field_code: String,
    pub region_code: String,
    pub trl: i32,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    pub pricing_method: String,
    pub transfer_modes: String,
    pub published_at: i64,
    pub price_sort: i64,
}

impl AchievementCard {
    pub fn price_text(&self, c: &Ctx) -> String {
        super::achievement::price_text(c, self.negotiable, self.price_fen)
    }
    pub fn field_name(&self, c: &Ctx) -> String {
        fields::name(&self.field_code, c.is_en())
    }
    pub fn region_name(&self) -> String {
        crate::regions::full_name(&self.region_code).unwrap_or_else(|| self.region_code.clone())
    }
    pub fn excerpt(&self) -> String {
        excerpt(&self.summary)
    }
    pub fn trl_text(&self, c: &Ctx) -> String {
        super::achievement::trl_text(c, self.trl)
    }
    pub fn mode_list(&self) -> Vec<String> {
        split_list(&self.transfer_modes)
    }
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(120).collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}

type DemandRow = (
    (i64, String, String, String, String, String, Option<i64>, Option<i64>),
    (
        bool,
        String,
        Option<String>,
        bool,
        Option<i64>,
        Option<String>,
        Option<i64>,
        i64,
    ),
);

/// One page of published demands and the cursor of the next page, if any.
pub fn demand_page(conn: &mut db::DbConn, f: &Filters) -> AppResult<(Vec<DemandCard>, Option<String>)> {
    let mut q = demands::table
        .inner_join(organizations::table)
        .filter(demands::status.eq("published"))
        .into_boxed();
    if !f.field.is_empty() {
        q = if f.field.contains('.') {
            q.filter(demands::field_code.eq(f.field.clone()))
        } else {
            q.filter(demands::field_family.eq(f.field.clone()))
        };
    }
    match f.region_column() {
        Some((0, r)) => q = q.filter(demands::region_province.eq(r)),
        Some((1, r)) => q = q.filter(demands::region_prefecture.eq(r)),
        Some((_, r)) => q = q.filter(demands::region_code.eq(r)),
        None => {}
    }
    if COOP_MODES.contains(&f.mode.as_str()) {
        q = q.filter(demands::coop_modes.like(format!("%,{},%", f.mode)));
    }
    if let Some(min) = Filters::money(&f.min) {
        q = q
            .filter(demands::negotiable.eq(false))
            .filter(demands::budget_sort.ge(min));
    }
    if let Some(max) = Filters::money(&f.max) {
        q = q
            .filter(demands::negotiable.eq(false))
            .filter(demands::budget_min_fen.le(max).or(demands::budget_min_fen.is_null()));
    }
    if f.grade == "key" || f.grade == "general" {
        q = q.filter(demands::grade.eq(f.grade.clone()));
    }
    if f.challenge == "1" {
        q = q.filter(demands::is_challenge.eq(true));
    }
    let cursor = f.cursor();
    q = match f.sort.as_str() {
        "deadline" => {
            if let Some((v, id)) = cursor {
                q = q.filter(
                    demands::deadline
                        .gt(v.clone())
                        .or(demands::deadline.eq(v).and(demands::id.gt(id))),
                );
            }
            q.order((demands::deadline.asc(), demands::id.asc()))
        }
        "budget" => {
            if let Some((v, id)) = cursor {
                let v: i64 = v.parse().unwrap_or(i64::MIN);
                q = q.filter(
                    demands::budget_sort
                        .gt(v)
                        .or(demands::budget_sort.eq(v).and(demands::id.gt(id))),
                );
            }
            q.order((demands::budget_sort.asc(), demands::id.asc()))
        }
        _ => {
            if let Some((v, id)) = cursor {
                let v: i64 = v.parse().unwrap_or(i64::MAX);
                q = q.filter(
                    demands::published_at
                        .lt(v)
                        .or(demands::published_at.eq(v).and(demands::id.lt(id))),
                );
            }
            q.order((demands::published_at.desc(), demands::id.desc()))
        }
    };
    let rows: Vec<DemandRow> = q
        .select((
            (
                demands::id,
                demands::title,
                demands::summary,
                organizations::name,
                demands::field_code,
                demands::region_code,
                demands::budget_min_fen,
                demands::budget_max_fen,
            ),
            (
                demands::negotiable,
                demands::deadline,
                demands::grade,
                demands::is_challenge,
                demands::bounty_fen,
                demands::challenge_closes_on,
                demands::published_at,
                demands::budget_sort,
            ),
        ))
        .limit(PAGE + 1)
        .load(conn)?;
    let mut cards: Vec<DemandCard> = rows
        .into_iter()
        .map(|(a, b)| DemandCard {
            id: a.0,
            title: a.1,
            summary: a.2,
            org_name: a.3,
            field_code: a.4,
            region_code: a.5,
            budget_min_fen: a.6,
            budget_max_fen: a.7,
            negotiable: b.0,
            deadline: b.1,
            grade: b.2,
            is_challenge: b.3,
            bounty_fen: b.4,
            closes_on: b.5,
            published_at: b.6.unwrap_or(0),
            budget_sort: b.7,
        })
        .collect();
    let next = if cards.len() as i64 > PAGE {
        cards.truncate(PAGE as usize);
        cards.last().map(|l| match f.sort.as_str() {
            "deadline" => format!("{}_{}", l.deadline, l.id),
            "budget" => format!("{}_{}", l.budget_sort, l.id),
            _ => format!("{}_{}", l.published_at, l.id),
        })
    } else {
        None
    };
    Ok((cards, next))
}

type AchievementRow = (
    (i64, String, String, String, String, String, i32),
    (Option<i64>, bool, String, String, Option<i64>, i64),
);

pub fn achievement_page(conn: &mut db::DbConn, f: &Filters) -> AppResult<(Vec<AchievementCard>, Option<String>)> {
    let mut q = achievements::table
        .inner_join(organizations::table)
        .filter(achievements::status.eq("published"))
        .into_boxed();
    if !f.field.is_empty() {
        q = if f.field.contains('.') {
            q.filter(achievements::field_code.eq(f.field.clone()))
        } else {
            q.filter(achievements::field_family.eq(f.field.clone()))
        };
    }
    match f.region_column() {
        Some((0, r)) => q = q.filter(achievements::region_province.eq(r)),
        Some((1, r)) => q = q.filter(achievements::region_prefecture.eq(r)),
        Some((_, r)) => q = q.filter(achievements::region_code.eq(r)),
        None => {}
    }
    if TRANSFER_MODES.contains(&f.mode.as_str()) {
        q = q.filter(achievements::transfer_modes.like(format!("%,{},%", f.mode)));
    }
    if PRICING_METHODS.contains(&f.method.as_str()) {
        q = q.filter(achievements::pricing_method.eq(f.method.clone()));
    }
    if let Some(min) = Filters::money(&f.min) {
        q = q
            .filter(achievements::negotiable.eq(false))
            .filter(achievements::price_sort.ge(min));
    }
    if let Some(max) = Filters::money(&f.max) {
        q = q
            .filter(achievements::negotiable.eq(false))
            .filter(achievements::price_sort.le(max));
    }
    if let Some(t) = Filters::trl(&f.trl_min) {
        q = q.filter(achievements::trl.ge(t));
    }
    if let Some(t) = Filters::trl(&f.trl_max) {
        q = q.filter(achievements::trl.le(t));
    }
    let cursor = f.cursor();
    q = match f.sort.as_str() {
        "price" => {
            if let Some((v, id)) = cursor {
                let v: i64 = v.parse().unwrap_or(i64::MIN);
                q = q.filter(
                    achievements::price_sort
                        .gt(v)
                        .or(achievements::price_sort.eq(v).and(achievements::id.gt(id))),
                );
            }
            q.order((achievements::price_sort.asc(), achievements::id.asc()))
        }
        _ => {
            if let Some((v, id)) = cursor {
                let v: i64 = v.parse().unwrap_or(i64::MAX);
                q = q.filter(
                    achievements::published_at
                        .lt(v)
                        .or(achievements::published_at.eq(v).and(achievements::id.lt(id))),
                );
            }
            q.order((achievements::published_at.desc(), achievements::id.desc()))
        }
    };
    let rows: Vec<AchievementRow> = q
        .select((
            (
                achievements::id,
                achievements::title,
                achievements::summary,
                organizations::name,
                achievements::field_code,
                achievements::region_code,
                achievements::trl,
            ),
            (
                achievements::price_fen,
                achievements::negotiable,
                achievements::pricing_method,
                achievements::transfer_modes,
                achievements::published_at,
                achievements::price_sort,
            ),
        ))
        .limit(PAGE + 1)
        .load(conn)?;
    let mut cards: Vec<AchievementCard> = rows
        .into_iter()
        .map(|(a, b)| AchievementCard {
            id: a.0,
            title: a.1,
            summary: a.2,
            org_name: a.3,
            field_code: a.4,
            region_code: a.5,
            trl: a.6,
            price_fen: b.0,
            negotiable: b.1,
            pricing_method: b.2,
            transfer_modes: b.3,
            published_at: b.4.unwrap_or(0),
            price_sort: b.5,
        })
        .collect();
    let next = if cards.len() as i64 > PAGE {
        cards.truncate(PAGE as usize);
        cards.last().map(|l| match f.sort.as_str() {
            "price" => format!("{}_{}", l.price_sort, l.id),
            _ => format!("{}_{}", l.published_at, l.id),
        })
    } else {
        None
    };
    Ok((cards, next))
}

/// Top-level fields and their sub-fields, for the filter.
fn field_choices(c: &Ctx) -> Vec<(String, String)> {
    super::field_options(c.is_en())
}

#[derive(Template)]
#[template(path = "listings/demands.html")]
struct DemandsPage<'a> {
    c: &'a Ctx,
    f: Filters,
    cards: Vec<DemandCard>,
    next: Option<String>,
    field_options: Vec<(String, String)>,
    regions: Vec<(&'static str, String)>,
    modes: &'static [&'static str],
}

pub async fn demands_page(c: Ctx, state: web::Data<AppState>, q: web::Query<Filters>) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let f2 = f.clone();
    let (cards, next) = db::run(&state.pool, move |conn| demand_page(conn, &f2)).await?;
    render(&DemandsPage {
        field_options: field_choices(&c),
        c: &c,
        f,
        cards,
        next,
        regions: crate::regions::suggestions(),
        modes: COOP_MODES,
    })
}

#[derive(Template)]
#[template(path = "listings/achievements.html")]
struct AchievementsPage<'a> {
    c: &'a Ctx,
    f: Filters,
    cards: Vec<AchievementCard>,
    next: Option<String>,
    field_options: Vec<(String, String)>,
    regions: Vec<(&'static str, String)>,
    modes: &'static [&'static str],
    methods: &'static [&'static str],
}

pub async fn achievements_page(c: Ctx, state: web::Data<AppState>, q: web::Query<Filters>) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let f2 = f.clone();
    let (cards, next) = db::run(&state.pool, move |conn| achievement_page(conn, &f2)).await?;
    render(&AchievementsPage {
        field_options: field_choices(&c),
        c: &c,
        f,
        cards,
        next,
        regions: crate::regions::suggestions(),
        modes: TRANSFER_MODES,
        methods: PRICING_METHODS,
    })
}

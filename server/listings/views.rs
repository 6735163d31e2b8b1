//! The pages of the shelf and their display helpers: the browse pages, a listing's form and page
//! for each kind, the owner's list and the officer's queue.

use askama::Template;
use chrono::NaiveDate;

use super::achievement::{Achievement, AchievementCard, AchievementInput};
use super::demand::{Demand, DemandCard, DemandInput};
use super::rules::{Filters, ListingStatus};
use super::store::{Basics, Detail, Event, MyRow, Shelved, Waiting};
use super::{split_list, Kind, COOP_MODES, PRICING_METHODS, TRANSFER_MODES};
use crate::db::today;
use crate::patents::{IpKind, IpStatus};
use crate::readiness::{self, Stage};
use crate::web::{Ctx, FieldErrors};
use crate::{fields, money, regions};

/// Field choices for a select: every sub-field, grouped under its top-level name.
pub fn field_options(en: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for top in fields::top_level() {
        out.push((top.code.to_string(), fields::name(top.code, en)));
        for sub in fields::children(top.code) {
            out.push((sub.code.to_string(), format!("\u{3000}{}", fields::name(sub.code, en))));
        }
    }
    out
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

fn bounty_text(c: &Ctx, bounty: Option<i64>) -> String {
    bounty.map(|b| money::format_human(b, c.is_en())).unwrap_or_default()
}

/// Days until a challenge closes (negative once closed).
fn days_left(closes_on: Option<&str>) -> Option<i64> {
    let closes = NaiveDate::parse_from_str(closes_on?, "%Y-%m-%d").ok()?;
    Some((closes - today()).num_days())
}

fn region_name(code: &str) -> String {
    regions::full_name(code).unwrap_or_else(|| code.to_string())
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(120).collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}

fn status_key(s: ListingStatus) -> String {
    format!("status.{s}")
}

impl Basics {
    pub fn status_key(&self) -> String {
        status_key(self.status)
    }
    pub fn region_name(&self) -> String {
        region_name(&self.region_code)
    }
    pub fn field_name(&self, c: &Ctx) -> String {
        fields::name(&self.text.field_code, c.is_en())
    }
}

impl Shelved {
    pub fn field_name(&self, c: &Ctx) -> String {
        fields::name(&self.field_code, c.is_en())
    }
    pub fn region_name(&self) -> String {
        region_name(&self.region_code)
    }
    pub fn excerpt(&self) -> String {
        excerpt(&self.summary)
    }
}

impl Demand {
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
        bounty_text(c, self.bounty_fen)
    }
    pub fn days_left(&self) -> Option<i64> {
        days_left(self.challenge_closes_on.as_deref())
    }
}

impl Achievement {
    pub fn mode_list(&self) -> Vec<String> {
        split_list(&self.transfer_modes)
    }
    pub fn price_text(&self, c: &Ctx) -> String {
        price_text(c, self.negotiable, self.price_fen)
    }
    pub fn method_key(&self) -> String {
        format!("method.{}", self.pricing_method)
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

impl DemandCard {
    pub fn budget_text(&self, c: &Ctx) -> String {
        budget_text(c, self.negotiable, self.budget_min_fen, self.budget_max_fen)
    }
    pub fn days_left(&self) -> Option<i64> {
        days_left(self.closes_on.as_deref())
    }
    pub fn bounty_text(&self, c: &Ctx) -> String {
        bounty_text(c, self.bounty_fen)
    }
}

impl AchievementCard {
    pub fn price_text(&self, c: &Ctx) -> String {
        price_text(c, self.negotiable, self.price_fen)
    }
    pub fn trl_text(&self, c: &Ctx) -> String {
        trl_text(c, self.trl)
    }
    pub fn mode_list(&self) -> Vec<String> {
        split_list(&self.transfer_modes)
    }
}

impl Event {
    pub fn action_key(&self) -> String {
        format!("event.{}", self.action)
    }
}

impl MyRow {
    pub fn status_key(&self) -> String {
        status_key(self.status)
    }
    pub fn kind_key(&self) -> String {
        format!("listing.{}", self.kind.as_str())
    }
    pub fn href(&self) -> String {
        format!("{}/{}", self.kind.base(), self.id)
    }
}

impl Waiting {
    pub fn href(&self) -> String {
        format!("{}/{}", self.kind.base(), self.id)
    }
    pub fn kind_key(&self) -> String {
        format!("listing.{}", self.kind.as_str())
    }
    pub fn region_name(&self) -> String {
        region_name(&self.region_code)
    }
}

// ---------------------------------------------------------------- forms

/// Where a listing's form posts: a new one's, or the edit of `id`.
fn form_action(kind: Kind, id: Option<i64>) -> String {
    match id {
        Some(i) => format!("{}/{i}/edit", kind.base()),
        None => format!("{}/new", kind.base()),
    }
}

#[derive(Template)]
#[template(path = "listings/demand_form.html")]
pub struct DemandFormPage<'a> {
    c: &'a Ctx,
    id: Option<i64>,
    f: DemandInput,
    errors: FieldErrors,
    modes: &'static [&'static str],
    field_options: Vec<(String, String)>,
    officer: bool,
}

impl<'a> DemandFormPage<'a> {
    pub fn new(c: &'a Ctx, id: Option<i64>, f: DemandInput, errors: FieldErrors) -> Self {
        DemandFormPage {
            c,
            id,
            f,
            errors,
            modes: COOP_MODES,
            field_options: field_options(c.is_en()),
            officer: c.is_officer(),
        }
    }
    fn heading_key(&self) -> &'static str {
        if self.id.is_some() {
            "demand.edit"
        } else {
            "demands.new"
        }
    }
    fn action(&self) -> String {
        form_action(Kind::Demand, self.id)
    }
    fn summary_key(&self) -> &'static str {
        "field.summary"
    }
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

#[derive(Template)]
#[template(path = "listings/achievement_form.html")]
pub struct AchievementFormPage<'a> {
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

impl<'a> AchievementFormPage<'a> {
    pub fn new(c: &'a Ctx, id: Option<i64>, f: AchievementInput, errors: FieldErrors) -> Self {
        AchievementFormPage {
            c,
            id,
            f,
            errors,
            modes: TRANSFER_MODES,
            methods: PRICING_METHODS,
            ip_kinds: IpKind::ALL.iter().map(|k| k.code()).collect(),
            ip_statuses: IpStatus::ALL.iter().map(|k| k.code()).collect(),
            field_options: field_options(c.is_en()),
        }
    }
    fn heading_key(&self) -> &'static str {
        if self.id.is_some() {
            "achievement.edit"
        } else {
            "achievements.new"
        }
    }
    fn action(&self) -> String {
        form_action(Kind::Achievement, self.id)
    }
    fn summary_key(&self) -> &'static str {
        "field.abstract"
    }
    fn trl_name(&self, level: &u8) -> String {
        format!("{level} · {}", readiness::name(*level, self.c.is_en()).unwrap_or(""))
    }
    fn ip_error(&self, n: &usize) -> &str {
        self.errors.get(&format!("ip_{n}"))
    }
}

/// A kind's three pages for [`ListingKind`](super::ListingKind) (`form_page`, `detail_page`,
/// `browse_page`), given the askama structs of its form, its page and its shelf.
macro_rules! pages {
    ($form:ident, $detail:ident, $shelf:ident) => {
        fn form_page(
            c: &$crate::web::Ctx,
            id: Option<i64>,
            f: Self::Input,
            errors: $crate::web::FieldErrors,
            status: actix_web::http::StatusCode,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::web::render_status(&$form::new(c, id, f, errors), status)
        }
        fn detail_page(
            c: &$crate::web::Ctx,
            d: $crate::listings::store::Detail<Self>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::web::render(&$detail::new(c, d))
        }
        fn browse_page(
            c: &$crate::web::Ctx,
            f: $crate::listings::rules::Filters,
            cards: Vec<Self::Card>,
            next: Option<String>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::web::render(&$shelf::new(
                c,
                $crate::listings::views::Shelf::new(c, f, cards, next),
            ))
        }
    };
}
pub(crate) use pages;

// ---------------------------------------------------------------- a listing's page

/// A demand's page; the template names the listing `p.listing` and what surrounds it `p.acc`,
/// `p.events` …, as the achievement's page does.
#[derive(Template)]
#[template(path = "listings/demand_detail.html")]
pub struct DemandDetailPage<'a> {
    c: &'a Ctx,
    p: Detail<Demand>,
}

impl<'a> DemandDetailPage<'a> {
    pub fn new(c: &'a Ctx, p: Detail<Demand>) -> Self {
        DemandDetailPage { c, p }
    }
}

#[derive(Template)]
#[template(path = "listings/achievement_detail.html")]
pub struct AchievementDetailPage<'a> {
    c: &'a Ctx,
    p: Detail<Achievement>,
}

impl<'a> AchievementDetailPage<'a> {
    pub fn new(c: &'a Ctx, p: Detail<Achievement>) -> Self {
        AchievementDetailPage { c, p }
    }
}

// ---------------------------------------------------------------- the shelves

/// What both browse pages show: the filters as typed, one page of cards, the cursor of the next
/// page, and the choices of the field and region filters.
pub struct Shelf<C> {
    pub f: Filters,
    pub cards: Vec<C>,
    pub next: Option<String>,
    pub field_options: Vec<(String, String)>,
    pub regions: Vec<(&'static str, String)>,
}

impl<C> Shelf<C> {
    pub fn new(c: &Ctx, f: Filters, cards: Vec<C>, next: Option<String>) -> Self {
        Shelf {
            f,
            cards,
            next,
            field_options: field_options(c.is_en()),
            regions: regions::suggestions(),
        }
    }
}

#[derive(Template)]
#[template(path = "listings/demands.html")]
pub struct DemandsPage<'a> {
    c: &'a Ctx,
    s: Shelf<DemandCard>,
    modes: &'static [&'static str],
}

impl<'a> DemandsPage<'a> {
    pub fn new(c: &'a Ctx, s: Shelf<DemandCard>) -> Self {
        DemandsPage {
            c,
            s,
            modes: COOP_MODES,
        }
    }
}

#[derive(Template)]
#[template(path = "listings/achievements.html")]
pub struct AchievementsPage<'a> {
    c: &'a Ctx,
    s: Shelf<AchievementCard>,
    modes: &'static [&'static str],
    methods: &'static [&'static str],
}

impl<'a> AchievementsPage<'a> {
    pub fn new(c: &'a Ctx, s: Shelf<AchievementCard>) -> Self {
        AchievementsPage {
            c,
            s,
            modes: TRANSFER_MODES,
            methods: PRICING_METHODS,
        }
    }
}

// ---------------------------------------------------------------- the owner's and the officer's lists

#[derive(Template)]
#[template(path = "listings/mine.html")]
pub struct MinePage<'a> {
    pub c: &'a Ctx,
    pub rows: Vec<MyRow>,
    pub can_demand: bool,
    pub can_achievement: bool,
}

#[derive(Template)]
#[template(path = "officer/listings.html")]
pub struct QueuePage<'a> {
    pub c: &'a Ctx,
    pub items: Vec<Waiting>,
}

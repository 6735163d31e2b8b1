//! Technology needs (技术需求) posted by enterprises; an open challenge (揭榜挂帅) is a need with a
//! bounty, goals, assessment indicators and a closing date, and may also be posted by a government office.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::NaiveDate;
use diesel::prelude::*;

use super::rules::{check_common, check_modes, date_field, money_field, region_levels, text, Common, Filters};
use super::store::{cut_page, keyset_newest, keyset_up, shelf_filters, Detail, PAGE};
use super::views::{DemandDetailPage, DemandFormPage, DemandsPage};
use super::{join_modes, split_list, Kind, ListingKind, ListingStatus, COOP_MODES, EDITABLE};
use crate::auth::{Role, SessionUser};
use crate::db::{now, DbConn};
use crate::error::AppResult;
use crate::forms::FormData;
use crate::i18n::{Msg, Problems};
use crate::readiness::Stage;
use crate::schema::{demands, organizations};
use crate::web::{render, render_status, Ctx, FieldErrors};
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

/// Checks a demand as typed; an officer's is always an open challenge. Dates may not be before `today`.
pub fn validate(i: &DemandInput, is_officer: bool, today: NaiveDate) -> Result<ValidDemand, Problems> {
    let mut e = Problems::new();
    let keywords = check_common(
        &mut e,
        &Common {
            title: &i.title,
            summary: &i.summary,
            detail: &i.detail,
            contact: &i.contact,
            field_code: &i.field_code,
            keywords: &i.keywords,
        },
    );
    let modes = check_modes(&mut e, "coop_modes", &i.coop_modes, COOP_MODES);
    let wanted_stage = match i.wanted_stage.trim() {
        "" | "any" => None,
        code => {
            let s = Stage::parse(code);
            if s.is_none() {
                e.add("wanted_stage", Msg::tf("err.stage_unknown", [code]));
            }
            s
        }
    };
    let (mut min, mut max) = (None, None);
    if !i.negotiable {
        min = money_field(&mut e, "budget_min", &i.budget_min);
        max = money_field(&mut e, "budget_max", &i.budget_max);
        if i.budget_max.is_empty() && !e.has("budget_max") {
            e.add("budget_max", Msg::t("err.budget_or_negotiable"));
        }
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                e.add("budget_min", Msg::t("err.budget_order"));
            }
        }
    }
    let deadline = date_field(&mut e, "deadline", &i.deadline, Some(today));
    let challenge = if i.is_challenge || is_officer {
        check_challenge(&mut e, i, deadline, today)
    } else {
        None
    };
    if !e.is_empty() {
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

/// The parts of an open challenge: bounty, goals, indicators, and a closing date not after the deadline.
fn check_challenge(
    e: &mut Problems,
    i: &DemandInput,
    deadline: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<(i64, String, String, NaiveDate)> {
    let bounty = money_field(e, "bounty", &i.bounty);
    if i.bounty.is_empty() {
        e.add("bounty", Msg::t("err.required"));
    }
    text(e, "goals", &i.goals, 10, 3000);
    text(e, "indicators", &i.indicators, 10, 3000);
    let closes = date_field(e, "closes_on", &i.closes_on, Some(today));
    if let (Some(cl), Some(dl)) = (closes, deadline) {
        if cl > dl {
            e.add("closes_on", Msg::t("err.closes_after_deadline"));
        }
    }
    match (bounty, closes) {
        (Some(b), Some(cl)) => Some((b, i.goals.clone(), i.indicators.clone(), cl)),
        _ => None,
    }
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
    status: ListingStatus,
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
            ListingStatus::Draft,
            None,
            &content,
        )?),
        Some(id) => {
            diesel::update(demands::table.find(id).filter(demands::status.eq_any(EDITABLE)))
                .set((
                    &content,
                    demands::status.eq(ListingStatus::Draft),
                    demands::updated_at.eq(now()),
                ))
                .execute(conn)?;
            crate::search::enqueue(conn, Kind::Demand, id)?;
            Ok(id)
        }
    }
}

fn input_of(d: &Demand) -> DemandInput {
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
    pub status: ListingStatus,
    pub status_reason: Option<String>,
    pub is_challenge: bool,
    pub bounty_fen: Option<i64>,
    pub goals: Option<String>,
    pub indicators: Option<String>,
    pub challenge_closes_on: Option<String>,
    pub published_at: Option<i64>,
    pub updated_at: i64,
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
                ListingStatus,
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

// ---------------------------------------------------------------- the shelf of demands

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
pub fn page(conn: &mut DbConn, f: &Filters) -> AppResult<(Vec<DemandCard>, Option<String>)> {
    let mut q = demands::table
        .inner_join(organizations::table)
        .filter(demands::status.eq(ListingStatus::Published))
        .into_boxed();
    shelf_filters!(q, demands, coop_modes, COOP_MODES, f);
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
        "deadline" => keyset_up!(q, demands, deadline, cursor, String::clone),
        "budget" => keyset_up!(q, demands, budget_sort, cursor, |v: &String| v
            .parse::<i64>()
            .unwrap_or(i64::MIN)),
        _ => keyset_newest!(q, demands, cursor),
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
    let cards = rows.into_iter().map(|(a, b)| DemandCard {
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
    });
    Ok(cut_page(cards.collect(), |l| match f.sort.as_str() {
        "deadline" => format!("{}_{}", l.deadline, l.id),
        "budget" => format!("{}_{}", l.budget_sort, l.id),
        _ => format!("{}_{}", l.published_at, l.id),
    }))
}

impl ListingKind for Demand {
    const KIND: Kind = Kind::Demand;
    const ONLY_FOR: &'static str = "err.enterprises_only";
    type Input = DemandInput;
    type Valid = ValidDemand;
    /// The challenge panel (proposals) of an open challenge.
    type Extra = crate::challenges::Panel;
    type Card = DemandCard;

    fn may_create(u: &SessionUser) -> bool {
        may_create(u)
    }
    fn blank(officer: bool) -> DemandInput {
        DemandInput {
            is_challenge: officer,
            ..Default::default()
        }
    }
    fn input(f: &FormData) -> DemandInput {
        DemandInput::from_form(f)
    }
    fn input_of(&self) -> DemandInput {
        input_of(self)
    }
    fn validate(i: &DemandInput, officer: bool, today: NaiveDate) -> Result<ValidDemand, Problems> {
        validate(i, officer, today)
    }
    fn save(conn: &mut DbConn, user: &SessionUser, existing: Option<i64>, v: &ValidDemand) -> AppResult<i64> {
        save(conn, user, existing, v)
    }
    fn load(conn: &mut DbConn, id: i64) -> AppResult<Demand> {
        load(conn, id)
    }
    fn org_id(&self) -> i64 {
        self.org_id
    }
    fn status(&self) -> ListingStatus {
        self.status
    }
    fn extra(conn: &mut DbConn, id: i64, user: Option<&SessionUser>) -> AppResult<Self::Extra> {
        crate::challenges::Panel::load(conn, id, user)
    }
    fn browse(conn: &mut DbConn, f: &Filters) -> AppResult<(Vec<DemandCard>, Option<String>)> {
        page(conn, f)
    }
    fn form_page(
        c: &Ctx,
        id: Option<i64>,
        f: DemandInput,
        errors: FieldErrors,
        status: StatusCode,
    ) -> AppResult<HttpResponse> {
        render_status(&DemandFormPage::new(c, id, f, errors), status)
    }
    fn detail_page(c: &Ctx, d: Detail<Demand>) -> AppResult<HttpResponse> {
        render(&DemandDetailPage::new(c, d))
    }
    fn browse_page(c: &Ctx, f: Filters, cards: Vec<DemandCard>, next: Option<String>) -> AppResult<HttpResponse> {
        render(&DemandsPage::new(c, f, cards, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn good() -> DemandInput {
        DemandInput {
            title: "盐湖提锂吸附剂".into(),
            summary: "需要一种适用于低品位卤水的吸附剂。".into(),
            contact: "张工 0971-1234567".into(),
            field_code: fields::top_level()[0].code.to_string(),
            keywords: "提锂, 吸附".into(),
            coop_modes: vec!["licence".into()],
            budget_max: "50万".into(),
            deadline: "2030-01-01".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_demand_passes() {
        let v = validate(&good(), false, day("2026-01-01")).expect("valid");
        assert_eq!(v.keywords, ["提锂", "吸附"]);
        assert_eq!(v.budget_max_fen, Some(50_000_000));
        assert_eq!(v.deadline, day("2030-01-01"));
        assert!(v.challenge.is_none() && v.wanted_stage.is_none());
        let c = v.content();
        assert_eq!((c.coop_modes.as_str(), c.budget_sort), (",licence,", 50_000_000));
    }

    #[test]
    fn budget_and_dates_are_checked() {
        let i = DemandInput {
            budget_min: "80万".into(),
            deadline: "2025-12-31".into(),
            wanted_stage: "moon".into(),
            ..good()
        };
        let p = validate(&i, false, day("2026-01-01")).unwrap_err();
        assert_eq!(p.get("budget_min"), Some(&Msg::t("err.budget_order")));
        assert_eq!(p.get("deadline"), Some(&Msg::tf("err.date_past", ["2025-12-31"])));
        assert_eq!(p.get("wanted_stage"), Some(&Msg::tf("err.stage_unknown", ["moon"])));
        let i = DemandInput {
            budget_max: String::new(),
            ..good()
        };
        let p = validate(&i, false, day("2026-01-01")).unwrap_err();
        assert_eq!(p.get("budget_max"), Some(&Msg::t("err.budget_or_negotiable")));
        let negotiable = DemandInput { negotiable: true, ..i };
        assert!(validate(&negotiable, false, day("2026-01-01")).is_ok());
    }

    #[test]
    fn an_officers_demand_is_a_challenge() {
        let p = validate(&good(), true, day("2026-01-01")).unwrap_err();
        assert_eq!(p.get("bounty"), Some(&Msg::t("err.required")));
        assert_eq!(p.get("goals"), Some(&Msg::t("err.required")));
        assert_eq!(p.get("closes_on"), Some(&Msg::t("err.required")));
        let i = DemandInput {
            bounty: "100万".into(),
            goals: "吸附容量不低于 30 mg/g".into(),
            indicators: "回收率不低于 85%，循环 500 次".into(),
            closes_on: "2030-06-01".into(),
            ..good()
        };
        let p = validate(&i, true, day("2026-01-01")).unwrap_err();
        assert_eq!(p.get("closes_on"), Some(&Msg::t("err.closes_after_deadline")));
        let i = DemandInput {
            closes_on: "2029-06-01".into(),
            ..i
        };
        let v = validate(&i, true, day("2026-01-01")).expect("valid challenge");
        assert_eq!(v.challenge.map(|c| (c.0, c.3)), Some((100_000_000, day("2029-06-01"))));
    }
}

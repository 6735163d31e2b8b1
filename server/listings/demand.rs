//! Technology needs (技术需求) posted by enterprises; an open challenge (揭榜挂帅) is a need with a
//! bounty, goals, assessment indicators and a closing date, and may also be posted by a government office.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::rules::{check_common, check_modes, date_field, money_field, sort_amount, text, Filters, Text};
use super::store::{
    basics_columns, cut_page, insert_listing, keyset_newest, keyset_up, save, shelf, shelved_columns, update_listing,
    Basics, Card, Content, Placing, Shelved, PAGE,
};
use super::views::{pages, DemandDetailPage, DemandFormPage, DemandsPage};
use super::{join_modes, split_list, Kind, ListingKind, COOP_MODES};
use crate::auth::{Role, SessionUser};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::forms::FormData;
use crate::i18n::{Msg, Problems};
use crate::money;
use crate::readiness::Stage;
use crate::schema::{demands, organizations};

/// What the form holds, as typed, so a rejected form comes back exactly as it was.
#[derive(Debug, Clone, Default)]
pub struct DemandInput {
    pub text: Text,
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
            text: Text::from_form(f),
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
    pub text: Text,
    pub coop_modes: Vec<String>,
    /// The readiness stage wanted; None for any.
    pub wanted_stage: Option<Stage>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: NaiveDate,
    pub challenge: Option<(i64, String, String, NaiveDate)>,
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

/// What an owner writes; the same for a new demand and an edit: the text every listing has and
/// the columns of a demand's own.
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = demands, treat_none_as_null = true)]
pub struct DemandContent {
    #[diesel(skip_insertion, skip_update)]
    pub text: Text,
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
    pub fn new(
        text: Text,
        coop_modes: &[String],
        wanted_stage: Option<Stage>,
        budget: (Option<i64>, Option<i64>, bool),
        deadline: &str,
        challenge: Option<(i64, &str, &str, &str)>,
    ) -> Self {
        let (budget_min_fen, budget_max_fen, negotiable) = budget;
        DemandContent {
            text,
            coop_modes: join_modes(coop_modes),
            wanted_stage: wanted_stage.map(Stage::code).unwrap_or("any").to_string(),
            budget_min_fen,
            budget_max_fen,
            negotiable,
            budget_sort: sort_amount(negotiable, budget_max_fen),
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
            self.text.clone(),
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

impl Content for DemandContent {
    const KIND: Kind = Kind::Demand;
    fn insert_row(&self, conn: &mut DbConn, p: &Placing) -> diesel::QueryResult<i64> {
        insert_listing!(demands, conn, p, self)
    }
    fn update_row(&self, conn: &mut DbConn, id: i64) -> diesel::QueryResult<()> {
        update_listing!(demands, conn, id, self).map(|_| ())
    }
}

/// A demand as its page shows it.
#[derive(Queryable, Debug, Clone)]
pub struct Demand {
    pub basics: Basics,
    pub coop_modes: String,
    pub wanted_stage: String,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: String,
    pub grade: Option<String>,
    pub is_challenge: bool,
    pub bounty_fen: Option<i64>,
    pub goals: Option<String>,
    pub indicators: Option<String>,
    pub challenge_closes_on: Option<String>,
    pub updated_at: i64,
}

// ---------------------------------------------------------------- the shelf of demands

/// A demand of the browse page.
#[derive(Queryable, Debug, Clone)]
pub struct DemandCard {
    pub head: Shelved,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: String,
    pub grade: Option<String>,
    pub is_challenge: bool,
    pub bounty_fen: Option<i64>,
    pub closes_on: Option<String>,
    pub budget_sort: i64,
}

impl Card for DemandCard {
    fn head(&self) -> &Shelved {
        &self.head
    }
    fn sort_value(&self, sort: &str) -> Option<String> {
        match sort {
            "deadline" => Some(self.deadline.clone()),
            "budget" => Some(self.budget_sort.to_string()),
            _ => None,
        }
    }
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
        matches!(u.role, Role::Enterprise | Role::Officer)
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
        let d = self;
        let fen = |v: Option<i64>| v.map(money::format_plain).unwrap_or_default();
        DemandInput {
            text: d.basics.text.editable(),
            coop_modes: split_list(&d.coop_modes),
            wanted_stage: d.wanted_stage.clone(),
            budget_min: fen(d.budget_min_fen),
            budget_max: fen(d.budget_max_fen),
            negotiable: d.negotiable,
            deadline: d.deadline.clone(),
            is_challenge: d.is_challenge,
            bounty: fen(d.bounty_fen),
            goals: d.goals.clone().unwrap_or_default(),
            indicators: d.indicators.clone().unwrap_or_default(),
            closes_on: d.challenge_closes_on.clone().unwrap_or_default(),
        }
    }
    /// Checks a demand as typed; an officer's is always an open challenge. Dates may not be before `today`.
    fn validate(i: &DemandInput, is_officer: bool, today: NaiveDate) -> Result<ValidDemand, Problems> {
        let mut e = Problems::new();
        let text = check_common(&mut e, &i.text);
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
            text,
            coop_modes: modes,
            wanted_stage,
            budget_min_fen: min,
            budget_max_fen: max,
            negotiable: i.negotiable,
            deadline: deadline.unwrap_or(today),
            challenge,
        })
    }
    fn save(conn: &mut DbConn, user: &SessionUser, existing: Option<i64>, v: &ValidDemand) -> AppResult<i64> {
        save(conn, user, existing, &v.content())
    }
    fn load(conn: &mut DbConn, id: i64) -> AppResult<Demand> {
        Ok(demands::table
            .inner_join(organizations::table)
            .filter(demands::id.eq(id))
            .select((
                basics_columns!(demands),
                demands::coop_modes,
                demands::wanted_stage,
                demands::budget_min_fen,
                demands::budget_max_fen,
                demands::negotiable,
                demands::deadline,
                demands::grade,
                demands::is_challenge,
                demands::bounty_fen,
                demands::goals,
                demands::indicators,
                demands::challenge_closes_on,
                demands::updated_at,
            ))
            .first(conn)?)
    }
    fn basics(&self) -> &Basics {
        &self.basics
    }
    fn extra(conn: &mut DbConn, id: i64, user: Option<&SessionUser>) -> AppResult<Self::Extra> {
        crate::challenges::Panel::load(conn, id, user)
    }
    /// One page of published demands and the cursor of the next page, if any.
    fn browse(conn: &mut DbConn, f: &Filters) -> AppResult<(Vec<DemandCard>, Option<String>)> {
        let mut q = shelf!(demands, coop_modes, COOP_MODES, f);
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
        let cards: Vec<DemandCard> = q
            .select((
                shelved_columns!(demands),
                demands::budget_min_fen,
                demands::budget_max_fen,
                demands::negotiable,
                demands::deadline,
                demands::grade,
                demands::is_challenge,
                demands::bounty_fen,
                demands::challenge_closes_on,
                demands::budget_sort,
            ))
            .limit(PAGE + 1)
            .load(conn)?;
        Ok(cut_page(cards, &f.sort))
    }
    pages!(DemandFormPage, DemandDetailPage, DemandsPage);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn good() -> DemandInput {
        DemandInput {
            text: Text::new(
                "盐湖提锂吸附剂",
                "需要一种适用于低品位卤水的吸附剂。",
                "",
                "张工 0971-1234567",
                crate::fields::top_level()[0].code,
                "提锂, 吸附",
            ),
            coop_modes: vec!["licence".into()],
            budget_max: "50万".into(),
            deadline: "2030-01-01".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_demand_passes() {
        let v = Demand::validate(&good(), false, day("2026-01-01")).expect("valid");
        assert_eq!(v.text.keywords, "提锂,吸附");
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
        let p = Demand::validate(&i, false, day("2026-01-01")).unwrap_err();
        assert_eq!(p.get("budget_min"), Some(&Msg::t("err.budget_order")));
        assert_eq!(p.get("deadline"), Some(&Msg::tf("err.date_past", ["2025-12-31"])));
        assert_eq!(p.get("wanted_stage"), Some(&Msg::tf("err.stage_unknown", ["moon"])));
        let i = DemandInput {
            budget_max: String::new(),
            ..good()
        };
        let p = Demand::validate(&i, false, day("2026-01-01")).unwrap_err();
        assert_eq!(p.get("budget_max"), Some(&Msg::t("err.budget_or_negotiable")));
        let negotiable = DemandInput { negotiable: true, ..i };
        assert!(Demand::validate(&negotiable, false, day("2026-01-01")).is_ok());
    }

    #[test]
    fn an_officers_demand_is_a_challenge() {
        let p = Demand::validate(&good(), true, day("2026-01-01")).unwrap_err();
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
        let p = Demand::validate(&i, true, day("2026-01-01")).unwrap_err();
        assert_eq!(p.get("closes_on"), Some(&Msg::t("err.closes_after_deadline")));
        let i = DemandInput {
            closes_on: "2029-06-01".into(),
            ..i
        };
        let v = Demand::validate(&i, true, day("2026-01-01")).expect("valid challenge");
        assert_eq!(v.challenge.map(|c| (c.0, c.3)), Some((100_000_000, day("2029-06-01"))));
    }
}

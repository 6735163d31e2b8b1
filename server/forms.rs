//! Reading posted forms: repeated fields kept as name/value pairs, and the checks every form shares
//! (length of a text, an amount in yuan, a date), each adding its message beside the field.

use chrono::NaiveDate;

use crate::i18n::{Arg, Msg, Problems};
use crate::money;
use crate::web::{Ctx, FieldErrors};

/// A posted form as name/value pairs, so repeated fields (checkboxes, IP rows) are kept.
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }
    pub fn raw(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }
}

// ---------------------------------------------------------------- shared form checks

/// The length of a text between `min` and `max` characters.
pub fn check_text(field: &str, value: &str, min: usize, max: usize) -> Result<(), Msg> {
    let n = value.chars().count();
    if n == 0 && min > 0 {
        Err(Msg::t("err.required"))
    } else if n < min {
        Err(Msg::tf("err.too_short", [min.to_string()]))
    } else if n > max {
        Err(Msg::tf(
            "err.too_long",
            [Arg::FieldName(field.to_string()), Arg::from(max.to_string())],
        ))
    } else {
        Ok(())
    }
}

/// An amount in yuan as fen; empty is `None`; zero is refused.
pub fn check_money(value: &str) -> Result<Option<i64>, Msg> {
    if value.is_empty() {
        return Ok(None);
    }
    match money::parse_yuan(value) {
        Ok(0) => Err(Msg::t("err.money_zero")),
        Ok(f) => Ok(Some(f)),
        Err(e) => Err(Msg::Both {
            zh: e.message_zh(),
            en: e.message_en(),
        }),
    }
}

/// A date as YYYY-MM-DD, not before `not_before` when given; empty is refused.
pub fn check_date(value: &str, not_before: Option<NaiveDate>) -> Result<NaiveDate, Msg> {
    if value.is_empty() {
        return Err(Msg::t("err.required"));
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) if not_before.is_some_and(|min| d < min) => Err(Msg::tf("err.date_past", [value])),
        Ok(d) => Ok(d),
        Err(_) => Err(Msg::tf("err.date_invalid", [value])),
    }
}

/// The checks above for a rule: each adds its message to the rule's problems, for the page to
/// translate.
pub fn text_into(p: &mut Problems, field: &str, value: &str, min: usize, max: usize) {
    if let Err(m) = check_text(field, value, min, max) {
        p.add(field, m);
    }
}

pub fn date_into(p: &mut Problems, field: &str, value: &str) -> Option<NaiveDate> {
    check_date(value, None).map_err(|m| p.add(field, m)).ok()
}

pub fn money_into(p: &mut Problems, field: &str, value: &str) -> Option<i64> {
    check_money(value).unwrap_or_else(|m| {
        p.add(field, m);
        None
    })
}

pub fn text(errors: &mut FieldErrors, c: &Ctx, field: &str, value: &str, min: usize, max: usize) {
    if let Err(m) = check_text(field, value, min, max) {
        errors.add(field, c.say(&m));
    }
}

pub fn money_field(errors: &mut FieldErrors, c: &Ctx, field: &str, value: &str) -> Option<i64> {
    check_money(value).unwrap_or_else(|m| {
        errors.add(field, c.say(&m));
        None
    })
}

pub fn date_field(
    errors: &mut FieldErrors,
    c: &Ctx,
    field: &str,
    value: &str,
    not_before: Option<NaiveDate>,
) -> Option<NaiveDate> {
    check_date(value, not_before)
        .map_err(|m| errors.add(field, c.say(&m)))
        .ok()
}

/// A text field of a multipart form, trimmed; empty when it was not sent.
pub fn part_text(part: &Option<actix_multipart::form::text::Text<String>>) -> String {
    part.as_ref().map(|t| t.trim().to_string()).unwrap_or_default()
}

/// The form of a decision on something submitted (accept or decline a commission, approve or
/// reject an award, shortlist or not select a proposal, verify or reject an organization): the
/// decision's word and, where it turns something down, the reason.
#[derive(serde::Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub reason: String,
}

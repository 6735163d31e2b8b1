//! Reading posted forms: repeated fields kept as name/value pairs, and the checks every form shares
//! (length of a text, an amount in yuan, a date), each adding its message beside the field.

use chrono::NaiveDate;

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

pub fn text(errors: &mut FieldErrors, c: &Ctx, field: &str, value: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n == 0 && min > 0 {
        errors.add(field, c.t("err.required"));
    } else if n < min {
        errors.add(field, c.tf("err.too_short", &[&min.to_string()]));
    } else if n > max {
        errors.add(
            field,
            c.tf("err.too_long", &[c.t(&format!("field.{field}")), &max.to_string()]),
        );
    }
}

pub fn money_field(errors: &mut FieldErrors, c: &Ctx, field: &str, value: &str) -> Option<i64> {
    if value.is_empty() {
        return None;
    }
    match money::parse_yuan(value) {
        Ok(0) => {
            errors.add(field, c.t("err.money_zero"));
            None
        }
        Ok(f) => Some(f),
        Err(e) => {
            errors.add(field, if c.is_en() { e.message_en() } else { e.message_zh() });
            None
        }
    }
}

pub fn date_field(
    errors: &mut FieldErrors,
    c: &Ctx,
    field: &str,
    value: &str,
    not_before: Option<NaiveDate>,
) -> Option<NaiveDate> {
    if value.is_empty() {
        errors.add(field, c.t("err.required"));
        return None;
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) => {
            if let Some(min) = not_before {
                if d < min {
                    errors.add(field, c.tf("err.date_past", &[value]));
                    return None;
                }
            }
            Some(d)
        }
        Err(_) => {
            errors.add(field, c.tf("err.date_invalid", &[value]));
            None
        }
    }
}

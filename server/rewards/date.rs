//! Calendar dates (ISO "2026-03-15") and GB/T 2260 region containment, without a clock.

use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A valid date, or None (years 1000-9999).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses exactly "YYYY-MM-DD".
    pub fn parse(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(format!("\"{s}\" is not a date in the form YYYY-MM-DD"));
        }
        let num =
            |r: std::ops::Range<usize>| -> i32 { b[r].iter().fold(0i32, |acc, c| acc * 10 + i32::from(c - b'0')) };
        let (y, m, d) = (num(0..4), num(5..7), num(8..10));
        let (Ok(m8), Ok(d8)) = (u8::try_from(m), u8::try_from(d)) else {
            return Err(format!("\"{s}\" is not a calendar date"));
        };
        Date::new(y, m8, d8).ok_or_else(|| format!("\"{s}\" is not a calendar date"))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 31 December of this date's year.
    pub fn year_end(year: i32) -> Option<Date> {
        Date::new(year, 12, 31)
    }

    /// The next day (None past 9999-12-31).
    pub fn succ(self) -> Option<Date> {
        if self.day < days_in_month(self.year, self.month) {
            Date::new(self.year, self.month, self.day + 1)
        } else if self.month < 12 {
            Date::new(self.year, self.month + 1, 1)
        } else {
            Date::new(self.year + 1, 1, 1)
        }
    }

    /// The previous day (None before 1000-01-01).
    pub fn pred(self) -> Option<Date> {
        if self.day > 1 {
            Date::new(self.year, self.month, self.day - 1)
        } else if self.month > 1 {
            let m = self.month - 1;
            Date::new(self.year, m, days_in_month(self.year, m))
        } else {
            Date::new(self.year - 1, 12, 31)
        }
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Whether a string is a 6-digit GB/T 2260 code.
pub fn is_region_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Whether region `container` contains region `code` (rewards.md): a code ending in 0000 is a province and
/// contains every code with the same first 2 digits; one ending in 00 is a prefecture and contains every
/// code with the same first 4 digits; any other code contains only itself.
pub fn region_contains(container: &str, code: &str) -> bool {
    if !is_region_code(container) || !is_region_code(code) {
        return false;
    }
    let prefix = if container.ends_with("0000") {
        &container[..2]
    } else if container.ends_with("00") {
        &container[..4]
    } else {
        container
    };
    code.starts_with(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()),
            Ok("2024-02-29".to_string())
        );
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "2026/01/01",
            "2026-01-32",
            "",
            "2026-01-01T00:00",
            "２０２６-01-01",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
        let d = Date::new(2025, 12, 31);
        assert_eq!(d.and_then(Date::succ), Date::new(2026, 1, 1));
        assert_eq!(Date::new(2024, 3, 1).and_then(Date::pred), Date::new(2024, 2, 29));
    }

    #[test]
    fn contains_regions() {
        assert!(region_contains("630100", "630104"));
        assert!(region_contains("630100", "630100"));
        assert!(!region_contains("630100", "632801"));
        assert!(region_contains("630000", "632801"));
        assert!(region_contains("632800", "632802"));
        assert!(!region_contains("632800", "630104"));
        assert!(region_contains("630104", "630104"));
        assert!(!region_contains("630104", "630105"));
        assert!(!region_contains("370200", "370000"));
        assert!(!region_contains("63", "630104"));
    }
}

//! The IP behind a demo achievement: patent application numbers with their check digit and
//! software copyright numbers, their status by age, and the sentence that lists them.

use std::collections::HashSet;

use super::data::{data, Sub};
use super::rng::Rng;
use super::text::is_software;
use super::DemoIp;
use crate::fields::family;

fn patent_number(rng: &mut Rng, year: i32, kind_digit: u32) -> String {
    let serial = rng.range(10_000, 2_999_999);
    let digits = format!("{year:04}{kind_digit}{serial:07}");
    // Twelve ASCII digits always have a check character.
    let check = crate::patents::check_digit(&digits).unwrap_or('0');
    format!("{digits}.{check}")
}

/// IP for an achievement published in `pub_year`.
pub(super) fn make_ip(rng: &mut Rng, sub: &Sub, core: &str, pub_year: i32, used: &mut HashSet<String>) -> Vec<DemoIp> {
    let hi = pub_year.clamp(2015, 2025);
    let lo = (hi - 6).max(2015);
    let mut kinds: Vec<&'static str> = Vec::new();
    if is_software(core) {
        kinds.resize(rng.range(1, 3) as usize, "software_copyright");
        if rng.chance(50) {
            kinds.push("invention_patent");
        }
    } else if sub.field_work && rng.chance(25) {
        // Varieties and field practices are often protected otherwise; no patent listed.
    } else {
        kinds.push("invention_patent");
        for _ in 0..rng.weighted(&[40, 40, 20]) {
            let hardware = data().top(family(&sub.code)).is_some_and(|t| t.hardware);
            let k = if hardware && rng.chance(15) {
                "design"
            } else if rng.chance(45) {
                "utility_model"
            } else {
                "invention_patent"
            };
            kinds.push(k);
        }
    }
    let mut out = Vec::new();
    for kind in kinds {
        let year = lo + rng.below((hi - lo + 1) as usize) as i32;
        let age = pub_year - year;
        let (number, status) = if kind == "software_copyright" {
            (format!("{year}SR{:07}", rng.range(10_000, 1_999_999)), "granted")
        } else {
            let kind_digit = match kind {
                "invention_patent" => 1,
                "utility_model" => 2,
                _ => 3,
            };
            let granted = match kind {
                "invention_patent" => age >= 4 || (age >= 2 && rng.chance(60)),
                _ => age >= 1 || rng.chance(40),
            };
            (
                patent_number(rng, year, kind_digit),
                if granted { "granted" } else { "applied" },
            )
        };
        if used.insert(number.clone()) {
            out.push(DemoIp { kind, number, status });
        }
    }
    out
}

/// The sentence of a detail that lists the IP.
pub(super) fn ip_sentence(ip: &[DemoIp]) -> String {
    if ip.is_empty() {
        return "知识产权：以技术秘密和技术规程形式保护，可提供全套技术资料。".to_string();
    }
    let count = |kind: &str, status: &str| ip.iter().filter(|i| i.kind == kind && i.status == status).count();
    let mut parts = Vec::new();
    for (kind, label) in [
        ("invention_patent", "发明专利"),
        ("utility_model", "实用新型专利"),
        ("design", "外观设计专利"),
    ] {
        let granted = count(kind, "granted");
        let applied = count(kind, "applied");
        if granted > 0 {
            parts.push(format!("获授权{label}{granted}项"));
        }
        if applied > 0 {
            parts.push(format!("申请{label}{applied}项"));
        }
    }
    let soft = count("software_copyright", "granted");
    if soft > 0 {
        parts.push(format!("登记软件著作权{soft}项"));
    }
    format!("知识产权：已{}。", parts.join("，"))
}

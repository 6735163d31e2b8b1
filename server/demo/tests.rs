//! The demo market's unit tests: determinism, counts, codes, keys, IP numbers, money, titles and dates.

use std::collections::HashSet;

use super::data::data;
use super::dates::{civil_from_days, days_from_civil, iso};
use super::*;
use crate::fields::family;

const TODAY: (i32, u32, u32) = (2025, 7, 15);

fn regions() -> HashSet<&'static str> {
    include_str!("../data/regions.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .collect()
}

fn valid_patent(number: &str) -> bool {
    let Some((digits, check)) = number.split_once('.') else {
        return false;
    };
    digits.len() == 12 && check.len() == 1 && crate::patents::validate_application_number(number).is_ok()
}

fn valid_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return None;
    }
    let (y, m, d) = (parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?);
    let day = days_from_civil(y, m, d);
    (civil_from_days(day) == (y, m, d)).then_some(day)
}

fn unique_ratio<'a>(titles: impl Iterator<Item = &'a String>) -> f64 {
    let all: Vec<&String> = titles.collect();
    let set: HashSet<&String> = all.iter().copied().collect();
    set.len() as f64 / all.len() as f64
}

#[test]
fn deterministic_for_a_seed() {
    assert_eq!(market(7, TODAY), market(7, TODAY));
    let a = market(7, TODAY);
    let b = market(8, TODAY);
    assert_ne!(a.demands, b.demands);
    assert_ne!(a.achievements, b.achievements);
}

#[test]
fn counts_in_range() {
    for seed in [0, 1, 42, u64::MAX] {
        let m = market(seed, TODAY);
        assert!((55..=70).contains(&m.orgs.len()), "{}", m.orgs.len());
        assert!((10..=15).contains(&m.brokers.len()));
        assert!((243..=263).contains(&m.demands.len()), "{}", m.demands.len());
        assert!((295..=315).contains(&m.achievements.len()), "{}", m.achievements.len());
        let challenges = m.demands.iter().filter(|d| d.challenge.is_some()).count();
        assert!((10..=45).contains(&challenges), "{challenges}");
        assert!(m.achievements.iter().any(|a| a.notice.is_some()));
        for kind in crate::vocabulary::OrgKind::SELF_SIGNUP.iter().copied() {
            assert!(m.orgs.iter().any(|o| o.kind == kind), "{kind}");
        }
    }
}

#[test]
fn region_codes_are_real() {
    let table = regions();
    let m = market(3, TODAY);
    let codes = m
        .orgs
        .iter()
        .map(|o| &o.region_code)
        .chain(m.brokers.iter().map(|b| &b.region_code));
    for code in codes {
        assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        assert!(table.contains(code.as_str()), "{code} not in regions.tsv");
    }
}

#[test]
fn keys_and_emails_unique() {
    let m = market(5, TODAY);
    let keys: HashSet<&String> = m.orgs.iter().map(|o| &o.key).collect();
    assert_eq!(keys.len(), m.orgs.len());
    let names: HashSet<&String> = m.orgs.iter().map(|o| &o.name).collect();
    assert_eq!(names.len(), m.orgs.len());
    let emails: Vec<&String> = m
        .orgs
        .iter()
        .map(|o| &o.email_local)
        .chain(m.brokers.iter().map(|b| &b.email_local))
        .collect();
    let set: HashSet<&&String> = emails.iter().collect();
    assert_eq!(set.len(), emails.len());
    for e in emails {
        assert!(
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{e}"
        );
    }
    for b in &m.brokers {
        let parts: Vec<&str> = b.certificate.split('-').collect();
        assert_eq!(parts.len(), 4, "{}", b.certificate);
        assert_eq!(parts[1], "JJR");
        assert!(parts[2].len() == 4 && parts[3].len() == 4);
    }
    let certs: HashSet<&String> = m.brokers.iter().map(|b| &b.certificate).collect();
    assert_eq!(certs.len(), m.brokers.len());
    for d in &m.demands {
        let org = m.orgs.iter().find(|o| o.key == d.org_key).expect("demand org");
        assert_eq!(org.kind, crate::vocabulary::OrgKind::Enterprise);
    }
    for a in &m.achievements {
        assert!(m.orgs.iter().any(|o| o.key == a.org_key));
    }
}

#[test]
fn patent_check_digits_valid() {
    // Every demo patent number passes the register's own check (patents.rs, with its worked
    // examples), which the demo's numbers are made with.
    let mut patents = 0;
    for seed in [1, 2, 3] {
        let m = market(seed, TODAY);
        for ip in m.achievements.iter().flat_map(|a| &a.ip) {
            if ip.kind == "software_copyright" {
                assert_eq!(ip.number.len(), 13, "{}", ip.number);
                assert_eq!(&ip.number[4..6], "SR");
                let year: i32 = ip.number[..4].parse().unwrap();
                assert!((2015..=2025).contains(&year));
                assert_eq!(ip.status, "granted");
                continue;
            }
            patents += 1;
            assert!(valid_patent(&ip.number), "{}", ip.number);
            let year: i32 = ip.number[..4].parse().unwrap();
            assert!((2015..=2025).contains(&year), "{}", ip.number);
            let kind = match ip.kind {
                "invention_patent" => b'1',
                "utility_model" => b'2',
                "design" => b'3',
                other => panic!("{other}"),
            };
            assert_eq!(ip.number.as_bytes()[4], kind, "{}", ip.number);
            assert!(ip.status == "applied" || ip.status == "granted");
        }
    }
    assert!(patents > 300);
}

#[test]
fn money_is_sane() {
    let m = market(11, TODAY);
    for d in &m.demands {
        match (d.budget_min_fen, d.budget_max_fen) {
            (Some(lo), Some(hi)) => {
                assert!(lo > 0 && lo <= hi, "{lo} {hi}");
                assert!(lo >= 10 * FEN_PER_WAN && hi <= 2000 * FEN_PER_WAN);
                assert_eq!(lo % FEN_PER_WAN, 0);
            }
            (None, None) => assert!(d.negotiable),
            _ => panic!("half a budget"),
        }
        if let Some(c) = &d.challenge {
            assert!((50 * FEN_PER_WAN..=500 * FEN_PER_WAN).contains(&c.bounty_fen));
            assert_eq!(d.grade, "key");
            assert!(!c.goals.is_empty() && !c.indicators.is_empty());
            assert!(valid_date(&c.closes_on).unwrap() > days_from_civil(TODAY.0, TODAY.1, TODAY.2));
        }
    }
    for a in &m.achievements {
        match a.price_fen {
            Some(p) => assert!((10 * FEN_PER_WAN..=2000 * FEN_PER_WAN).contains(&p)),
            None => assert!(a.negotiable && a.pricing_method == "agreement"),
        }
    }
}

#[test]
fn titles_unique_and_chinese() {
    for seed in [0, 9, 1234] {
        let m = market(seed, TODAY);
        let d = unique_ratio(m.demands.iter().map(|d| &d.title));
        let a = unique_ratio(m.achievements.iter().map(|a| &a.title));
        let all = unique_ratio(
            m.demands
                .iter()
                .map(|d| &d.title)
                .chain(m.achievements.iter().map(|a| &a.title)),
        );
        assert!(d >= 0.95 && a >= 0.95 && all >= 0.95, "{d} {a} {all}");
        // Every title is Chinese but those of the few English listings.
        let english = m
            .demands
            .iter()
            .map(|d| &d.title)
            .chain(m.achievements.iter().map(|a| &a.title))
            .filter(|t| t.is_ascii())
            .count();
        assert_eq!(english, 8);
    }
}

#[test]
fn fields_codes_and_text() {
    let field_codes = field_codes();
    let codes: HashSet<&str> = field_codes.iter().copied().collect();
    assert_eq!(codes.len(), field_codes.len());
    for s in &data().subs {
        assert!(codes.contains(s.code.as_str()), "{}", s.code);
        assert!(codes.contains(family(&s.code)), "{}", s.code);
        assert!(s.metrics.len() >= 3 && s.pains.len() >= 2 && s.principles.len() >= 2 && !s.uses.is_empty());
        for text in s.uses.iter().chain(&s.pains).chain(&s.principles) {
            assert!(!text.contains("中试"), "{text}");
        }
    }
    for o in &data().orgs {
        for f in &o.fields {
            assert!(codes.contains(f.as_str()), "{f}");
        }
    }
    let m = market(21, TODAY);
    let today = days_from_civil(TODAY.0, TODAY.1, TODAY.2);
    for d in &m.demands {
        assert!(codes.contains(d.field_code.as_str()));
        assert!(!d.keywords.is_empty() && !d.coop_modes.is_empty());
        if d.title.is_ascii() {
            continue;
        }
        assert!((2..=4).contains(&d.summary.matches('。').count()), "{}", d.summary);
        assert!((2..=4).contains(&d.detail.matches('。').count()), "{}", d.detail);
        assert!(valid_date(&d.deadline).unwrap() > today);
    }
    for a in &m.achievements {
        assert!(codes.contains(a.field_code.as_str()));
        assert!((3..=9).contains(&a.trl));
        if a.title.is_ascii() {
            continue;
        }
        let text = format!("{}{}", a.summary, a.detail);
        if text.contains("中试") {
            assert!((5..=6).contains(&a.trl), "{} {}", a.trl, a.summary);
        }
        assert!((2..=4).contains(&a.summary.matches('。').count()), "{}", a.summary);
        assert!((2..=4).contains(&a.detail.matches('。').count()), "{}", a.detail);
        if let Some((from, to)) = &a.notice {
            assert_eq!(valid_date(to).unwrap() - valid_date(from).unwrap(), 15);
            assert_eq!(a.pricing_method, "agreement");
        }
    }
}

#[test]
fn any_today_works() {
    for today in [(2024, 2, 29), (2026, 12, 31), (2030, 1, 1)] {
        let m = market(99, today);
        let day = days_from_civil(today.0, today.1, today.2);
        for d in &m.demands {
            assert!(valid_date(&d.deadline).unwrap() > day);
        }
        for ip in m.achievements.iter().flat_map(|a| &a.ip) {
            let year: i32 = ip.number[..4].parse().unwrap();
            assert!(year <= today.0);
        }
    }
}

#[test]
fn dates_round_trip() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    for day in (-800_000..800_000).step_by(997) {
        let (y, m, d) = civil_from_days(day);
        assert_eq!(days_from_civil(y, m, d), day);
    }
    assert_eq!(iso(days_from_civil(2024, 2, 28) + 1), "2024-02-29");
    assert_eq!(iso(days_from_civil(2025, 12, 31) + 1), "2026-01-01");
}

//! Annual programs: one award per beneficiary and year over the contracts it registered (each counted once),
//! a year-to-date figure while the year has not ended.

use std::collections::BTreeMap;

use crate::rewards::catalogue::{Formula, Period};
use crate::rewards::date::Date;
use crate::rewards::money::Total;
use crate::rewards::trace;

use super::eligibility::{beneficiary_line, beneficiary_ok, contract_facts, role_name, role_parties};
use super::formula::{apply_formula, base_of, year_cap, year_ended};
use super::{Ctx, Pending, PendingParts};

pub(super) fn annual(cx: &Ctx<'_>, out: &mut Vec<Pending>) {
    let (s, rule) = (cx.s, cx.rule);
    // One pass over the contracts: party position → award year → contract indexes, in order.
    let mut by_party: std::collections::HashMap<usize, BTreeMap<i32, Vec<usize>>> = std::collections::HashMap::new();
    for (ci, c) in s.contracts.iter().enumerate() {
        let Some(reg) = c.registered_on else { continue };
        if reg > s.as_of || !cx.window.contains(reg) {
            continue;
        }
        let mut facts_ok: Option<bool> = None;
        for id in role_parties(rule, c) {
            let Some(pi) = s.party_position(&id) else { continue };
            if !beneficiary_ok(rule, &s.parties[pi]) {
                continue;
            }
            if !*facts_ok.get_or_insert_with(|| contract_facts(rule, s, c).is_some()) {
                break;
            }
            let award_year = match rule.period {
                Period::CalendarYear => reg.year(),
                Period::PreviousYear => reg.year() + 1,
            };
            by_party.entry(pi).or_default().entry(award_year).or_default().push(ci);
        }
    }
    for (pi, p) in s.parties.iter().enumerate() {
        let Some(years) = by_party.remove(&pi) else { continue };
        let mut used = BTreeMap::new();
        for (year, cis) in years {
            let base_year = match rule.period {
                Period::CalendarYear => year,
                Period::PreviousYear => year - 1,
            };
            let is_final = year_ended(s.as_of, base_year);
            let mut t = cx.header();
            t.push(beneficiary_line(rule, p, ""));
            t.push(format!(
                "计入{base_year}年登记、在{}内且不晚于评估日{}的合同(每份合同只计一次):",
                cx.window.describe(),
                s.as_of
            ));
            let mut base = Total::default();
            let mut measure = Total::default();
            let measure_rule = match &rule.formula {
                Formula::Threshold { measure, .. } => *measure,
                _ => rule.base,
            };
            for ci in &cis {
                let c = &s.contracts[*ci];
                let role = role_name(rule, c, &p.id);
                let mut line = format!("  {}(本方为{role})", trace::contract_line(c));
                if let Some(b) = s.party(&c.buyer) {
                    line.push_str(&format!(";买方{}", trace::party_line(b)));
                }
                t.push(line);
                base = base.plus(base_of(rule.base, c));
                measure = measure.plus(base_of(measure_rule, c));
            }
            let label = format!("{base_year}年{}合计", trace::base_name(rule.base));
            t.push(format!("基数:{label}{}元", base.grouped()));
            let exact = apply_formula(&rule.formula, &label, base, measure, &mut t);
            let raw = exact.round();
            let (amount, line) = year_cap(rule.cap_per_beneficiary_year, &mut used, &p.id, year, raw);
            t.extend(line);
            if !is_final {
                t.push(format!(
                    "{base_year}年在评估日{}尚未结束,为年度累计数(final = false)",
                    s.as_of
                ));
            }
            t.extend(cx.fund_line());
            let date = Date::year_end(year).unwrap_or(s.as_of);
            out.push(cx.pending(PendingParts {
                beneficiary: p.id.clone(),
                contract: None,
                contracts: cis.iter().map(|ci| s.contracts[*ci].id.clone()).collect(),
                year,
                base,
                amount,
                is_final,
                trace: t,
                date,
                share: 0,
            }));
        }
    }
}

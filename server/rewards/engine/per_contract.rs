//! Per-contract programs: one award per registered contract and beneficiary, capped per contract, shared
//! among the beneficiaries, then capped per beneficiary-year in date order.

use std::collections::BTreeMap;

use crate::rewards::catalogue::{Formula, ShareRule};
use crate::rewards::date::Date;
use crate::rewards::money::{split_equally, Money, Total};
use crate::rewards::scenario::Party;
use crate::rewards::trace;

use super::eligibility::{beneficiary_line, beneficiary_ok, contract_facts, role_name, role_parties};
use super::formula::{apply_formula, base_of, year_cap};
use super::{Ctx, Pending, PendingParts};

pub(super) fn per_contract(cx: &Ctx<'_>, out: &mut Vec<Pending>) {
    let (s, rule) = (cx.s, cx.rule);
    struct Cand {
        date: Date,
        contract: usize,
        bene: String,
        share: usize,
        amount: Money,
        base: Total,
        trace: Vec<String>,
    }
    let mut cands: Vec<Cand> = Vec::new();
    for (ci, c) in s.contracts.iter().enumerate() {
        let Some(reg) = c.registered_on else { continue };
        if reg > s.as_of || !cx.window.contains(reg) {
            continue;
        }
        let Some(facts) = contract_facts(rule, s, c) else {
            continue;
        };
        let benes: Vec<&Party> = role_parties(rule, c)
            .iter()
            .filter_map(|id| s.party(id))
            .filter(|p| beneficiary_ok(rule, p))
            .collect();
        if benes.is_empty() {
            continue;
        }
        let base_money = base_of(rule.base, c);
        let base = Total::default().plus(base_money);
        let measure = match &rule.formula {
            Formula::Threshold { measure, .. } => Total::default().plus(base_of(*measure, c)),
            _ => base,
        };
        let mut lines = cx.header();
        lines.push(format!(
            "登记日{reg}在{}内,且不晚于评估日{}",
            cx.window.describe(),
            s.as_of
        ));
        lines.extend(facts);
        lines.push(format!("基数:{}{}元", trace::base_name(rule.base), base.grouped()));
        let exact = apply_formula(&rule.formula, trace::base_name(rule.base), base, measure, &mut lines);
        let raw = exact.round();
        let capped = match rule.cap_per_contract {
            Some(cap) if raw > cap => {
                lines.push(format!("超过单项上限{}元,按上限计为{}元", cap.grouped(), cap.grouped()));
                cap
            }
            Some(cap) => {
                lines.push(format!("未超过单项上限{}元", cap.grouped()));
                raw
            }
            None => raw,
        };
        let n = benes.len();
        let shares = match rule.share {
            ShareRule::EqualSplit => split_equally(capped, n),
            ShareRule::Each => vec![capped; n],
        };
        for (i, (p, share)) in benes.iter().zip(shares).enumerate() {
            let mut t = lines.clone();
            t.push(beneficiary_line(rule, p, role_name(rule, c, &p.id)));
            if rule.share == ShareRule::EqualSplit && n > 1 {
                let names: Vec<&str> = benes.iter().map(|b| b.id.as_str()).collect();
                t.push(format!(
                    "{}元由{}名符合条件的受益人({})平均分配,不能整除的分按名单顺序每人一分:本份{}元",
                    capped.grouped(),
                    n,
                    names.join("、"),
                    share.grouped()
                ));
            }
            cands.push(Cand {
                date: reg,
                contract: ci,
                bene: p.id.clone(),
                share: i,
                amount: share,
                base,
                trace: t,
            });
        }
    }
    cands.sort_by(|a, b| {
        (a.date, s.contracts[a.contract].id.as_bytes(), a.share).cmp(&(
            b.date,
            s.contracts[b.contract].id.as_bytes(),
            b.share,
        ))
    });
    let mut used = BTreeMap::new();
    for mut c in cands {
        let year = c.date.year();
        let (granted, line) = year_cap(rule.cap_per_beneficiary_year, &mut used, &c.bene, year, c.amount);
        c.trace.extend(line);
        c.trace.extend(cx.fund_line());
        let contract_id = s.contracts[c.contract].id.clone();
        out.push(cx.pending(PendingParts {
            beneficiary: c.bene,
            contract: Some(c.contract),
            contracts: vec![contract_id],
            year,
            base: c.base,
            amount: granted,
            is_final: true,
            trace: c.trace,
            date: c.date,
            share: c.share,
        }));
    }
}

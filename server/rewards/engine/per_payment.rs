//! Per-payment programs: each payment (and equity, where it counts) at the rate on the day it arrives,
//! capped per contract (over all years or per year) and per beneficiary-year, summed per contract and year.

use std::collections::BTreeMap;

use crate::rewards::catalogue::{CapScope, Formula, PaymentFilter};
use crate::rewards::date::Date;
use crate::rewards::money::{Money, Total};
use crate::rewards::scenario::Party;

use super::eligibility::{beneficiary_line, beneficiary_ok, contract_facts, role_name, role_parties};
use super::formula::year_cap;
use super::{Ctx, Pending, PendingParts};

pub(super) fn per_payment(cx: &Ctx<'_>, out: &mut Vec<Pending>) {
    let (s, rule) = (cx.s, cx.rule);
    let Formula::Rate { rate } = &rule.formula else {
        return;
    };
    struct Ev {
        date: Date,
        contract: usize,
        seq: usize,
        amount: Money,
        what: String,
    }
    struct Group {
        bene: String,
        first: Date,
        base: Total,
        amount: Money,
        lines: Vec<String>,
    }
    let mut events: Vec<(Ev, String)> = Vec::new();
    let mut heads: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for (ci, c) in s.contracts.iter().enumerate() {
        let Some(reg) = c.registered_on else { continue };
        if reg > s.as_of {
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
        let mut evs = Vec::new();
        let mut seq = 0;
        if rule.equity_counts {
            if let Some(e) = c.equity_amount.filter(|e| !e.is_zero()) {
                if cx.window.contains(reg) {
                    evs.push(Ev {
                        date: reg,
                        contract: ci,
                        seq,
                        amount: e,
                        what: format!("作价入股{}元(视为登记日{reg}到位)", e.grouped()),
                    });
                }
                seq += 1;
            }
        }
        for p in &c.payments {
            seq += 1;
            if rule.payments == PaymentFilter::Voucher && !p.voucher {
                continue;
            }
            if p.on > s.as_of || !cx.window.contains(p.on) {
                continue;
            }
            let kind = if p.voucher { "(创新券)" } else { "" };
            evs.push(Ev {
                date: p.on,
                contract: ci,
                seq,
                amount: p.amount,
                what: format!("{}到位{}元{kind}", p.on, p.amount.grouped()),
            });
        }
        if evs.is_empty() {
            continue;
        }
        for p in &benes {
            let mut h = cx.header();
            h.push(format!(
                "按到位日期计:{},且不晚于评估日{};合同可在评估日前任何日期登记(本合同{reg}登记)",
                cx.window.describe(),
                s.as_of
            ));
            h.extend(facts.clone());
            h.push(beneficiary_line(rule, p, role_name(rule, c, &p.id)));
            heads.insert((ci, p.id.clone()), h);
        }
        for ev in evs {
            for p in &benes {
                events.push((
                    Ev {
                        date: ev.date,
                        contract: ev.contract,
                        seq: ev.seq,
                        amount: ev.amount,
                        what: ev.what.clone(),
                    },
                    p.id.clone(),
                ));
            }
        }
    }
    events.sort_by(|(a, _), (b, _)| {
        (a.date, s.contracts[a.contract].id.as_bytes(), a.seq).cmp(&(
            b.date,
            s.contracts[b.contract].id.as_bytes(),
            b.seq,
        ))
    });
    let mut per_contract_used: BTreeMap<(usize, String, i32), Money> = BTreeMap::new();
    let mut year_used = BTreeMap::new();
    let mut groups: BTreeMap<(usize, String, i32), Group> = BTreeMap::new();
    for (ev, bene) in events {
        let year = ev.date.year();
        let exact = rate.apply(ev.amount);
        let share = exact.round();
        let mut lines = vec![if exact.is_whole_fen() {
            format!("{} × {} = {}元", ev.what, rate, share.grouped())
        } else {
            format!(
                "{} × {} = {}元,四舍五入到分为{}元",
                ev.what,
                rate,
                exact.grouped(),
                share.grouped()
            )
        }];
        let mut granted = share;
        if let Some(cap) = rule.cap_per_contract {
            let scope_year = match rule.cap_per_contract_scope {
                CapScope::AllYears => 0,
                CapScope::Year => year,
            };
            let key = (ev.contract, bene.clone(), scope_year);
            let before = per_contract_used.get(&key).copied().unwrap_or(Money::ZERO);
            let room = cap.minus(before);
            let scope = match rule.cap_per_contract_scope {
                CapScope::AllYears => "单个合同累计(所有年度)上限".to_string(),
                CapScope::Year => format!("单个合同{year}年度上限"),
            };
            if granted > room {
                lines.push(format!(
                    "{scope}{}元:此前已计{}元,本笔计入{}元(上限生效)",
                    cap.grouped(),
                    before.grouped(),
                    room.grouped()
                ));
                granted = room;
            } else {
                lines.push(format!(
                    "未超过{scope}{}元(累计{}元)",
                    cap.grouped(),
                    before.plus(granted).grouped()
                ));
            }
            per_contract_used.insert(key, before.plus(granted));
        }
        let (g, line) = year_cap(rule.cap_per_beneficiary_year, &mut year_used, &bene, year, granted);
        lines.extend(line);
        let key = (ev.contract, bene.clone(), year);
        let group = groups.entry(key).or_insert_with(|| Group {
            bene: bene.clone(),
            first: ev.date,
            base: Total::default(),
            amount: Money::ZERO,
            lines: Vec::new(),
        });
        group.base = group.base.plus(ev.amount);
        group.amount = group.amount.plus(g);
        group.lines.extend(lines);
    }
    for ((ci, _, year), g) in groups {
        let mut t = heads.get(&(ci, g.bene.clone())).cloned().unwrap_or_default();
        t.push(format!(
            "基数:{year}年计入的到位金额{}元(每笔分别计算并取整到分)",
            g.base.grouped()
        ));
        t.extend(g.lines);
        t.push(format!(
            "合同{} {year}年合计{}元",
            s.contracts[ci].id,
            g.amount.grouped()
        ));
        t.extend(cx.fund_line());
        out.push(cx.pending(PendingParts {
            beneficiary: g.bene,
            contract: Some(ci),
            contracts: vec![s.contracts[ci].id.clone()],
            year,
            base: g.base,
            amount: g.amount,
            is_final: true,
            trace: t,
            date: g.first,
            share: 0,
        }));
    }
}

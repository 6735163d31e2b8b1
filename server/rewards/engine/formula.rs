//! Amounts: the base a rule counts, a formula on it, and the per-beneficiary-year cap.

use std::collections::BTreeMap;

use crate::rewards::catalogue::{BaseRule, Formula};
use crate::rewards::date::Date;
use crate::rewards::money::{Exact, Money, Total};
use crate::rewards::scenario::Contract;
use crate::rewards::trace;

pub(super) fn base_of(base: BaseRule, c: &Contract) -> Money {
    match base {
        BaseRule::ContractAmount | BaseRule::Payments => c.amount,
        BaseRule::TechnologyAmount => c.technology_amount,
    }
}

/// The exact amount of a formula on a base (and threshold measure), with trace lines.
pub(super) fn apply_formula(
    formula: &Formula,
    base_label: &str,
    base: Total,
    measure: Total,
    lines: &mut Vec<String>,
) -> Exact {
    match formula {
        Formula::Rate { rate } => {
            let exact = rate.apply_total(base);
            lines.push(trace::product(base_label, base, rate, exact));
            exact
        }
        Formula::MarginalScale { brackets } => {
            let mut lower = Total::default();
            let mut sum = Exact::default();
            for b in brackets {
                if base <= lower {
                    break;
                }
                let upper = match b.up_to {
                    Some(u) => Total::default().plus(u).min(base),
                    None => base,
                };
                let part = Total(upper.0 - lower.0);
                let exact = b.rate.apply_total(part);
                let label = match b.up_to {
                    Some(u) if lower.0 == 0 => format!("{}(含)以内部分", u.grouped()),
                    Some(u) => format!("{}至{}部分", lower.grouped(), u.grouped()),
                    None => format!("超过{}的部分", lower.grouped()),
                };
                lines.push(format!(
                    "分档(超额累进):{label}{}元 × {} = {}元",
                    part.grouped(),
                    b.rate,
                    exact.grouped()
                ));
                sum = sum.plus(exact);
                if let Some(u) = b.up_to {
                    lower = Total::default().plus(u);
                }
            }
            let rounded = sum.round();
            if sum.is_whole_fen() {
                lines.push(format!("分档合计{}元", rounded.grouped()));
            } else {
                lines.push(format!(
                    "分档合计{}元,四舍五入到分为{}元",
                    sum.grouped(),
                    rounded.grouped()
                ));
            }
            sum
        }
        Formula::Threshold {
            measure: m,
            threshold,
            inclusive,
            rate,
        } => {
            let t = Total::default().plus(*threshold);
            let reached = if *inclusive { measure >= t } else { measure > t };
            let incl = if *inclusive { "(含)" } else { "(不含)" };
            if !reached {
                lines.push(format!(
                    "门槛:{}合计{}元,未达到{}元{incl},不予奖励",
                    trace::base_name(*m),
                    measure.grouped(),
                    threshold.grouped()
                ));
                return Exact::default();
            }
            lines.push(format!(
                "门槛:{}合计{}元,达到{}元{incl}(门槛而非分档,达到后对全部基数计奖)",
                trace::base_name(*m),
                measure.grouped(),
                threshold.grouped()
            ));
            let exact = rate.apply_total(base);
            lines.push(trace::product(base_label, base, rate, exact));
            exact
        }
    }
}

pub(super) fn year_ended(as_of: Date, year: i32) -> bool {
    Date::year_end(year).is_some_and(|end| as_of >= end)
}

/// Per-beneficiary-year cap, applied in order; returns the part granted and a trace line.
pub(super) fn year_cap(
    cap: Option<Money>,
    used: &mut BTreeMap<(String, i32), Money>,
    bene: &str,
    year: i32,
    amount: Money,
) -> (Money, Option<String>) {
    let Some(cap) = cap else { return (amount, None) };
    let key = (bene.to_string(), year);
    let before = used.get(&key).copied().unwrap_or(Money::ZERO);
    let room = cap.minus(before);
    let granted = amount.min(room);
    used.insert(key, before.plus(granted));
    let line = if granted < amount {
        format!(
            "受益人{bene} {year}年度上限{}元:此前已计{}元,本项{}元中计入{}元(上限生效)",
            cap.grouped(),
            before.grouped(),
            amount.grouped(),
            granted.grouped()
        )
    } else {
        format!(
            "未超过受益人{bene} {year}年度上限{}元(此前已计{}元,累计{}元)",
            cap.grouped(),
            before.grouped(),
            before.plus(granted).grouped()
        )
    };
    (granted, Some(line))
}

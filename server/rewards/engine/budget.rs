//! Funds: each fund charges its programs' awards in its order against the year's limit and splits what
//! does not fit into an `over_budget` award.

use std::collections::BTreeMap;

use crate::rewards::catalogue::Catalogue;
use crate::rewards::money::Money;
use crate::rewards::scenario::Scenario;

use super::{Award, AwardStatus, Key, Pending};

fn finish(p: &Pending, amount: Money, status: AwardStatus, trace: Vec<String>, cat: &Catalogue) -> (Key, Award) {
    (
        Key {
            prog: p.prog,
            contract: p.contract,
            share: p.share,
        },
        Award {
            program: cat.programs[p.prog].id.clone(),
            beneficiary: p.beneficiary.clone(),
            contract: p.contracts.first().filter(|_| p.contract.is_some()).cloned(),
            year: p.year,
            base: p.base.money().plain(),
            amount: amount.plain(),
            status,
            is_final: p.is_final,
            trace,
            amount_fen: amount.fen(),
            contracts: p.contracts.clone(),
        },
    )
}

pub(super) fn charge_funds(s: &Scenario, cat: &Catalogue, pending: Vec<Pending>) -> Vec<(Key, Award)> {
    let mut out = Vec::new();
    let mut by_fund: BTreeMap<String, Vec<Pending>> = BTreeMap::new();
    for p in pending {
        match cat.programs[p.prog].rule.as_ref().and_then(|r| r.fund.clone()) {
            Some(f) => by_fund.entry(f).or_default().push(p),
            None => {
                let t = p.trace.clone();
                out.push(finish(&p, p.amount, AwardStatus::Computed, t, cat));
            }
        }
    }
    for (fund_id, mut items) in by_fund {
        let fund = cat.fund(&fund_id);
        let order = |prog: usize| -> usize {
            let id = &cat.programs[prog].id;
            fund.and_then(|f| f.charge_order.iter().position(|x| x == id))
                .unwrap_or(usize::MAX / 2 + prog)
        };
        let cid = |p: &Pending| -> Vec<u8> {
            p.contract
                .map(|c| s.contracts[c].id.as_bytes().to_vec())
                .unwrap_or_default()
        };
        items.sort_by_key(|a| (a.date, cid(a), order(a.prog), a.share));
        let mut spent: BTreeMap<i32, Money> = BTreeMap::new();
        let co_funding = fund.and_then(|f| f.co_funding.clone());
        for mut p in items {
            if let Some(c) = &co_funding {
                p.trace.push(format!("资金来源:{c}"));
            }
            let limit = s
                .budgets
                .get(&fund_id)
                .and_then(|y| y.get(&p.year).copied())
                .or_else(|| fund.and_then(|f| f.default_limit));
            let Some(limit) = limit else {
                let mut t = p.trace.clone();
                t.push(format!(
                    "资金{fund_id} {}年度未设额度(默认不限),本项{}元全部核定",
                    p.year,
                    p.amount.grouped()
                ));
                out.push(finish(&p, p.amount, AwardStatus::Computed, t, cat));
                continue;
            };
            let before = spent.get(&p.year).copied().unwrap_or(Money::ZERO);
            let left = limit.minus(before);
            let fits = p.amount.min(left);
            let over = p.amount.minus(fits);
            spent.insert(p.year, before.plus(fits));
            let mut t = p.trace.clone();
            t.push(format!(
                "资金{fund_id} {}年度额度{}元,本项前余额{}元,本项核定{}元,余额{}元",
                p.year,
                limit.grouped(),
                left.grouped(),
                fits.grouped(),
                left.minus(fits).grouped()
            ));
            if over.is_zero() {
                out.push(finish(&p, fits, AwardStatus::Computed, t, cat));
                continue;
            }
            t.push(format!(
                "本项{}元中{}元超出资金{fund_id} {}年度余额,单列为超预算(over_budget),按“一事一议”另行研究",
                p.amount.grouped(),
                over.grouped(),
                p.year
            ));
            if !fits.is_zero() {
                let mut computed = t.clone();
                computed.push(format!("本条为资金额度内核定的部分{}元", fits.grouped()));
                out.push(finish(&p, fits, AwardStatus::Computed, computed, cat));
            }
            t.push(format!("本条为超出预算的部分{}元", over.grouped()));
            out.push(finish(&p, over, AwardStatus::OverBudget, t, cat));
        }
    }
    out
}

//! Evaluation of a scenario against a catalogue (rewards.md, "Common rules"). Pure: no I/O, no clock.
//!
//! Order of work: for each selected program, the awards of each contract / payment / year are computed and
//! capped (per contract, then per beneficiary-year, in date order); then each fund charges its programs'
//! awards in its order (registration date, contract id, program, share) and splits what does not fit into
//! an `over_budget` award; awards of 0.00 are dropped; conflicts are looked for.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::catalogue::{
    BaseRule, BeneficiaryRule, CapScope, Catalogue, ContractFlag, Formula, PartyFlag, PaymentFilter, Period, Program,
    ProgramKind, Rule, ShareRule,
};
use super::date::{region_contains, Date};
use super::money::{split_equally, Exact, Money, Total};
use super::scenario::{Contract, Party, Scenario};
use super::trace;

/// The result of `rewards evaluate` (rewards.md, "Output").
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Evaluation {
    pub as_of: String,
    pub awards: Vec<Award>,
    pub inactive: Vec<Inactive>,
    /// Formula programs of one issuing region that pay one beneficiary for one contract without one
    /// superseding the other. Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AwardStatus {
    Computed,
    OverBudget,
}

impl AwardStatus {
    pub fn code(self) -> &'static str {
        match self {
            AwardStatus::Computed => "computed",
            AwardStatus::OverBudget => "over_budget",
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Award {
    pub program: String,
    pub beneficiary: String,
    /// None for annual programs.
    pub contract: Option<String>,
    pub year: i32,
    pub base: String,
    pub amount: String,
    pub status: AwardStatus,
    /// False for an annual award whose year has not ended by `as_of` (a year-to-date figure).
    #[serde(rename = "final")]
    pub is_final: bool,
    pub trace: Vec<String>,
    /// The amount in fen (not in the JSON).
    #[serde(skip)]
    pub amount_fen: i64,
    /// The contracts the award is for: the contract, or the contracts an annual award counted.
    #[serde(skip)]
    pub contracts: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Inactive {
    pub program: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Conflict {
    pub region: String,
    pub programs: Vec<String>,
    pub beneficiary: String,
    pub contract: String,
    pub message: String,
}

/// An award before the budget: amount already capped per contract and per beneficiary-year.
struct Pending {
    prog: usize,
    beneficiary: String,
    contract: Option<usize>,
    contracts: Vec<String>,
    year: i32,
    base: Total,
    amount: Money,
    is_final: bool,
    trace: Vec<String>,
    /// Charge order within a fund: date, contract id, share index.
    date: Date,
    share: usize,
}

/// The dates a program counts, after supersession.
struct Window {
    from: Date,
    to: Option<Date>,
    note: Option<String>,
}

impl Window {
    fn contains(&self, d: Date) -> bool {
        d >= self.from && self.to.is_none_or(|t| d <= t)
    }

    fn describe(&self) -> String {
        let mut s = match self.to {
            Some(t) => format!("有效期({}至{})", self.from, t),
            None => format!("有效期({}起,未设截止日期)", self.from),
        };
        if let Some(n) = &self.note {
            s.push(';');
            s.push_str(n);
        }
        s
    }
}

fn window(catalogue: &Catalogue, p: &Program, rule: &Rule) -> Window {
    let mut to = rule.effective_to;
    let mut note = None;
    for q in &catalogue.programs {
        if !q.supersedes.contains(&p.id) {
            continue;
        }
        let q_from = q
            .rule
            .as_ref()
            .map(|r| r.effective_from)
            .or_else(|| catalogue.document(&q.document).and_then(|d| d.effective_from));
        let Some(q_from) = q_from else { continue };
        let end = q_from.pred().unwrap_or(q_from);
        if to.is_none_or(|t| end < t) {
            to = Some(end);
            note = Some(format!("自{q_from}起由{}({})取代", q.id, q.citation));
        }
    }
    Window {
        from: rule.effective_from,
        to,
        note,
    }
}

fn party_has(p: &Party, f: PartyFlag) -> bool {
    match f {
        PartyFlag::Sme => p.sme,
        PartyFlag::TechSme => p.tech_sme,
        PartyFlag::AidPartnered => p.aid_partnered,
    }
}

fn in_any(regions: &[String], code: &str) -> bool {
    regions.is_empty() || regions.iter().any(|r| region_contains(r, code))
}

/// Whether the contract itself, its buyer and its seller satisfy the rule; on success, the facts used.
fn contract_facts(rule: &Rule, s: &Scenario, c: &Contract) -> Option<Vec<String>> {
    if !rule.contract_kinds.is_empty() && !rule.contract_kinds.contains(&c.kind) {
        return None;
    }
    for f in &rule.contract_flags {
        match f {
            ContractFlag::Patent if !c.patent => return None,
            ContractFlag::Patent => {}
        }
    }
    let buyer = s.party(&c.buyer)?;
    let seller = s.party(&c.seller)?;
    if !rule.buyer_kinds.is_empty() && !rule.buyer_kinds.contains(&buyer.kind) {
        return None;
    }
    if !in_any(&rule.buyer_regions, &buyer.region) {
        return None;
    }
    if !rule.buyer_flags.iter().all(|f| party_has(buyer, *f)) {
        return None;
    }
    if !rule.seller_kinds.is_empty() && !rule.seller_kinds.contains(&seller.kind) {
        return None;
    }
    if !in_any(&rule.seller_regions, &seller.region) {
        return None;
    }
    if rule.seller_outside.iter().any(|r| region_contains(r, &seller.region)) {
        return None;
    }
    let mut facts = vec![trace::contract_line(c)];
    let mut b = format!("买方{}", trace::party_line(buyer));
    if !rule.buyer_regions.is_empty() {
        b.push_str(&format!(",属于{}", trace::regions(&rule.buyer_regions)));
    }
    for f in &rule.buyer_flags {
        b.push_str(&format!(",{}", trace::flag(*f)));
    }
    facts.push(b);
    if !rule.seller_outside.is_empty() || !rule.seller_regions.is_empty() {
        let mut t = format!("卖方{}", trace::party_line(seller));
        if !rule.seller_regions.is_empty() {
            t.push_str(&format!(",属于{}", trace::regions(&rule.seller_regions)));
        }
        if !rule.seller_outside.is_empty() {
            t.push_str(&format!(",不在{}内", trace::regions(&rule.seller_outside)));
        }
        facts.push(t);
    }
    Some(facts)
}

fn beneficiary_ok(rule: &Rule, p: &Party) -> bool {
    (rule.beneficiary_kinds.is_empty() || rule.beneficiary_kinds.contains(&p.kind))
        && in_any(&rule.beneficiary_regions, &p.region)
        && rule.beneficiary_flags.iter().all(|f| party_has(p, *f))
}

/// The party ids a contract names in the rule's role, in listed order, each once.
fn role_parties(rule: &Rule, c: &Contract) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |id: &String| {
        if !out.contains(id) {
            out.push(id.clone());
        }
    };
    match rule.beneficiary {
        BeneficiaryRule::Buyer => push(&c.buyer),
        BeneficiaryRule::Seller => push(&c.seller),
        BeneficiaryRule::Intermediaries => c.intermediaries.iter().for_each(push),
        BeneficiaryRule::SellerOrIntermediary => {
            push(&c.seller);
            c.intermediaries.iter().for_each(push);
        }
        BeneficiaryRule::RegisteredThrough => {
            if let Some(r) = &c.registered_through {
                push(r);
            }
        }
    }
    out
}

fn beneficiary_line(rule: &Rule, p: &Party, role: &str) -> String {
    let mut s = format!("受益人:{role}{}", trace::party_line(p));
    if !rule.beneficiary_regions.is_empty() {
        s.push_str(&format!(",属于{}", trace::regions(&rule.beneficiary_regions)));
    }
    for f in &rule.beneficiary_flags {
        s.push_str(&format!(",{}", trace::flag(*f)));
    }
    s
}

fn role_name(rule: &Rule, c: &Contract, id: &str) -> &'static str {
    if c.buyer == id && rule.beneficiary == BeneficiaryRule::Buyer {
        "买方"
    } else if c.seller == id
        && matches!(
            rule.beneficiary,
            BeneficiaryRule::Seller | BeneficiaryRule::SellerOrIntermediary
        )
    {
        "卖方"
    } else if c.registered_through.as_deref() == Some(id) {
        "登记服务点"
    } else {
        "中介方"
    }
}

fn base_of(base: BaseRule, c: &Contract) -> Money {
    match base {
        BaseRule::ContractAmount | BaseRule::Payments => c.amount,
        BaseRule::TechnologyAmount => c.technology_amount,
    }
}

/// The exact amount of a formula on a base (and threshold measure), with trace lines.
fn apply_formula(formula: &Formula, base_label: &str, base: Total, measure: Total, lines: &mut Vec<String>) -> Exact {
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

fn year_ended(as_of: Date, year: i32) -> bool {
    Date::year_end(year).is_some_and(|end| as_of >= end)
}

struct Ctx<'a> {
    s: &'a Scenario,
    cat: &'a Catalogue,
    prog_idx: usize,
    prog: &'a Program,
    rule: &'a Rule,
    window: Window,
}

impl Ctx<'_> {
    fn header(&self) -> Vec<String> {
        let doc = self.cat.document(&self.prog.document);
        let mut first = format!("{} {}", self.prog.citation, self.prog.id);
        if let Some(title) = doc.and_then(|d| d.title.as_ref()) {
            first.push_str(&format!("《{title}》"));
        }
        if let Some(n) = doc.and_then(|d| d.number.as_ref()) {
            first.push_str(&format!("({n})"));
        }
        if let Some(a) = &self.prog.article {
            first.push_str(&format!("第{a}条"));
        }
        if let Some(name) = &self.prog.name {
            first.push_str(&format!(":{name}"));
        }
        let mut out = vec![first];
        if let Some(t) = &self.prog.text {
            out.push(format!("原文:“{t}”"));
        }
        out
    }

    fn fund_line(&self) -> Option<String> {
        if self.rule.fund.is_none() {
            Some("资金:本项目不占用资金池,不受预算限制".to_string())
        } else {
            None
        }
    }

    fn pending(&self, p: PendingParts) -> Pending {
        Pending {
            prog: self.prog_idx,
            beneficiary: p.beneficiary,
            contract: p.contract,
            contracts: p.contracts,
            year: p.year,
            base: p.base,
            amount: p.amount,
            is_final: p.is_final,
            trace: p.trace,
            date: p.date,
            share: p.share,
        }
    }
}

struct PendingParts {
    beneficiary: String,
    contract: Option<usize>,
    contracts: Vec<String>,
    year: i32,
    base: Total,
    amount: Money,
    is_final: bool,
    trace: Vec<String>,
    date: Date,
    share: usize,
}

/// Per-beneficiary-year cap, applied in order; returns the part granted and a trace line.
fn year_cap(
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

fn per_contract(cx: &Ctx<'_>, out: &mut Vec<Pending>) {
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

fn per_payment(cx: &Ctx<'_>, out: &mut Vec<Pending>) {
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

fn annual(cx: &Ctx<'_>, out: &mut Vec<Pending>) {
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

/// Evaluates a scenario. The scenario is assumed valid ([`super::parse_scenario`] and
/// [`super::check_scenario`]); unknown program ids are reported as inactive ("unknown program").
pub fn evaluate(scenario: &Scenario, catalogue: &Catalogue) -> Evaluation {
    let mut inactive = Vec::new();
    let selected: Vec<usize> = match &scenario.programs {
        None => (0..catalogue.programs.len()).collect(),
        Some(ids) => (0..catalogue.programs.len())
            .filter(|i| ids.contains(&catalogue.programs[*i].id))
            .collect(),
    };
    let mut pending = Vec::new();
    for &i in &selected {
        let prog = &catalogue.programs[i];
        if let Some(reason) = &prog.inactive_reason {
            inactive.push(Inactive {
                program: prog.id.clone(),
                reason: reason.clone(),
            });
            continue;
        }
        let Some(rule) = &prog.rule else { continue };
        let cx = Ctx {
            s: scenario,
            cat: catalogue,
            prog_idx: i,
            prog,
            rule,
            window: window(catalogue, prog, rule),
        };
        match prog.kind {
            Some(ProgramKind::PerContract) => per_contract(&cx, &mut pending),
            Some(ProgramKind::PerPayment) => per_payment(&cx, &mut pending),
            Some(ProgramKind::Annual) => annual(&cx, &mut pending),
            Some(ProgramKind::Discretionary) | None => {}
        }
    }
    if let Some(ids) = &scenario.programs {
        for id in ids {
            if catalogue.program(id).is_none() {
                inactive.push(Inactive {
                    program: id.clone(),
                    reason: "unknown program".into(),
                });
            }
        }
    }

    let mut awards = charge_funds(scenario, catalogue, pending);
    awards.retain(|(_, a)| a.amount_fen > 0);
    // Output order: contracts in scenario order (annual awards last), program, year, beneficiary, status.
    let party_pos = |id: &str| scenario.party_position(id).unwrap_or(usize::MAX);
    awards.sort_by_key(|(k, a)| {
        (
            k.contract.unwrap_or(usize::MAX),
            k.prog,
            a.year,
            k.share,
            party_pos(&a.beneficiary),
            a.status,
        )
    });
    let conflicts = conflicts(catalogue, &awards);
    Evaluation {
        as_of: scenario.as_of.to_string(),
        awards: awards.into_iter().map(|(_, a)| a).collect(),
        inactive,
        conflicts,
    }
}

/// Sort keys kept beside an award.
struct Key {
    prog: usize,
    contract: Option<usize>,
    share: usize,
}

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

fn charge_funds(s: &Scenario, cat: &Catalogue, pending: Vec<Pending>) -> Vec<(Key, Award)> {
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

fn conflicts(cat: &Catalogue, awards: &[(Key, Award)]) -> Vec<Conflict> {
    // (region, beneficiary, contract) → programs (catalogue order)
    let mut groups: BTreeMap<(String, String, String), BTreeSet<usize>> = BTreeMap::new();
    for (k, a) in awards {
        let p = &cat.programs[k.prog];
        if !p.is_formula() {
            continue;
        }
        let Some(region) = &p.region else { continue };
        for c in &a.contracts {
            groups
                .entry((region.clone(), a.beneficiary.clone(), c.clone()))
                .or_default()
                .insert(k.prog);
        }
    }
    let mut out = Vec::new();
    for ((region, bene, contract), progs) in groups {
        let progs: Vec<usize> = progs.into_iter().collect();
        for (i, &a) in progs.iter().enumerate() {
            for &b in &progs[i + 1..] {
                let (pa, pb) = (&cat.programs[a], &cat.programs[b]);
                if pa.supersedes.contains(&pb.id) || pb.supersedes.contains(&pa.id) {
                    continue;
                }
                out.push(Conflict {
                    region: region.clone(),
                    programs: vec![pa.id.clone(), pb.id.clone()],
                    beneficiary: bene.clone(),
                    contract: contract.clone(),
                    message: format!(
                        "同一发文地区{region}的公式项目{}({})与{}({})都就合同{contract}向{bene}给奖,且互不取代,请主管部门确认是否叠加",
                        pa.id, pa.citation, pb.id, pb.citation
                    ),
                });
            }
        }
    }
    out
}

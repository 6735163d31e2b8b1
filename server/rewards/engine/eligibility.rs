//! Which contracts and parties a program's rule counts: the dates it covers after supersession, the
//! contract's own conditions and its buyer's and seller's, the beneficiaries in the rule's role; with the
//! trace lines that state the facts used.

use crate::rewards::catalogue::{BeneficiaryRule, Catalogue, ContractFlag, PartyFlag, Program, Rule};
use crate::rewards::date::{region_contains, Date};
use crate::rewards::scenario::{Contract, Party, Scenario};
use crate::rewards::trace;

/// The dates a program counts, after supersession.
pub(super) struct Window {
    from: Date,
    to: Option<Date>,
    note: Option<String>,
}

impl Window {
    pub(super) fn contains(&self, d: Date) -> bool {
        d >= self.from && self.to.is_none_or(|t| d <= t)
    }

    pub(super) fn describe(&self) -> String {
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

pub(super) fn window(catalogue: &Catalogue, p: &Program, rule: &Rule) -> Window {
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
pub(super) fn contract_facts(rule: &Rule, s: &Scenario, c: &Contract) -> Option<Vec<String>> {
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

pub(super) fn beneficiary_ok(rule: &Rule, p: &Party) -> bool {
    (rule.beneficiary_kinds.is_empty() || rule.beneficiary_kinds.contains(&p.kind))
        && in_any(&rule.beneficiary_regions, &p.region)
        && rule.beneficiary_flags.iter().all(|f| party_has(p, *f))
}

/// The party ids a contract names in the rule's role, in listed order, each once.
pub(super) fn role_parties(rule: &Rule, c: &Contract) -> Vec<String> {
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

pub(super) fn beneficiary_line(rule: &Rule, p: &Party, role: &str) -> String {
    let mut s = format!("受益人:{role}{}", trace::party_line(p));
    if !rule.beneficiary_regions.is_empty() {
        s.push_str(&format!(",属于{}", trace::regions(&rule.beneficiary_regions)));
    }
    for f in &rule.beneficiary_flags {
        s.push_str(&format!(",{}", trace::flag(*f)));
    }
    s
}

pub(super) fn role_name(rule: &Rule, c: &Contract, id: &str) -> &'static str {
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

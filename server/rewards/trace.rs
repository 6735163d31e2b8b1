//! Trace wording: the human-readable (Chinese) lines that explain an award.

use super::catalogue::{BaseRule, PartyFlag};
use super::money::{Exact, Rate, Total};
use super::scenario::{Contract, Party};

/// "合同C1:技术转让,涉及专利,2026-03-15登记,合同金额1,200,000.00元,技术交易额1,000,000.00元".
pub fn contract_line(c: &Contract) -> String {
    let mut s = format!("合同{}:{}", c.id, c.kind.zh());
    if c.patent {
        s.push_str(",涉及专利");
    }
    if let Some(r) = c.registered_on {
        s.push_str(&format!(",{r}登记"));
    }
    s.push_str(&format!(
        ",合同金额{}元,技术交易额{}元",
        c.amount.grouped(),
        c.technology_amount.grouped()
    ));
    if let Some(e) = c.equity_amount.filter(|e| !e.is_zero()) {
        s.push_str(&format!(",作价入股{}元", e.grouped()));
    }
    s
}

/// "xn-ent(企业,地区630104)".
pub fn party_line(p: &Party) -> String {
    format!("{}({},地区{})", p.id, p.kind.zh(), p.region)
}

/// "630100" or "630100或632800".
pub fn regions(list: &[String]) -> String {
    list.join("或")
}

pub fn flag(f: PartyFlag) -> &'static str {
    match f {
        PartyFlag::Sme => "为中小微企业",
        PartyFlag::TechSme => "为科技型中小企业",
        PartyFlag::AidPartnered => "与援扶单位共建",
    }
}

pub fn base_name(b: BaseRule) -> &'static str {
    match b {
        BaseRule::ContractAmount => "合同金额",
        BaseRule::TechnologyAmount => "技术交易额",
        BaseRule::Payments => "到位金额",
    }
}

/// "按合同金额3%计算为36,000.00元" (and the rounding when it changed the value).
pub fn product(label: &str, base: Total, rate: &Rate, exact: Exact) -> String {
    let rounded = exact.round();
    if exact.is_whole_fen() {
        format!("按{label}{}元的{rate}计算为{}元", base.grouped(), rounded.grouped())
    } else {
        format!(
            "按{label}{}元的{rate}计算为{}元,四舍五入到分为{}元",
            base.grouped(),
            exact.grouped(),
            rounded.grouped()
        )
    }
}

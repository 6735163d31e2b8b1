//! A program built from its raw table: values that are present must parse and settings must not contradict
//! the kind (errors); a required value that is missing makes the program inactive, with the reason.

use crate::rewards::money::Money;

use super::parse::Ctx;
use super::raw::RawProgram;
use super::{
    BaseRule, BeneficiaryRule, Bracket, CapScope, CatalogueError, Document, Formula, FormulaKind, PaymentFilter,
    Period, Program, ProgramKind, Rule, ShareRule,
};

/// Builds a program; a missing required value makes it inactive, a malformed one is an error.
pub(super) fn program(cx: &Ctx<'_>, doc: &Document, p: &RawProgram) -> Result<Program, CatalogueError> {
    let id = p.id.get_ref().clone();
    let here = |m: String| cx.err_at(&p.id, format!("program {id}: {m}"));
    if !id.starts_with(&format!("{}-", doc.id)) {
        return Err(here(format!("the id must start with the document id \"{}-\"", doc.id)));
    }
    // Values that are present must parse, whatever else is missing.
    let rate = p.rate.as_ref().map(|s| cx.rate(s, "rate")).transpose()?;
    let rate_ceiling = p
        .rate_ceiling
        .as_ref()
        .map(|s| cx.rate(s, "rate_ceiling"))
        .transpose()?;
    let threshold = cx.opt_money(&p.threshold, "threshold")?;
    let cap_per_contract = cx.opt_money(&p.cap_per_contract, "cap_per_contract")?;
    let cap_per_beneficiary_year = cx.opt_money(&p.cap_per_beneficiary_year, "cap_per_beneficiary_year")?;
    let min_award = cx.opt_money(&p.min_award, "min_award")?;
    let max_award = cx.opt_money(&p.max_award, "max_award")?;
    let beneficiary_regions = cx.regions(&p.beneficiary_regions, "beneficiary_regions")?;
    let buyer_regions = cx.regions(&p.buyer_regions, "buyer_regions")?;
    let seller_regions = cx.regions(&p.seller_regions, "seller_regions")?;
    let seller_outside = cx.regions(&p.seller_outside, "seller_outside")?;
    let mut brackets = None;
    if let Some(raw) = &p.brackets {
        let mut out: Vec<Bracket> = Vec::new();
        for (i, b) in raw.iter().enumerate() {
            let up_to = cx.opt_money(&b.up_to, "brackets.up_to")?;
            let rate = cx.rate(&b.rate, "brackets.rate")?;
            let last = i + 1 == raw.len();
            match (up_to, last) {
                (None, false) => return Err(cx.err_at(&b.rate, "brackets: only the last bracket may omit up_to")),
                (Some(_), true) => {
                    return Err(cx.err_at(
                        &b.rate,
                        "brackets: the last bracket must omit up_to (it takes the rest of the base)",
                    ))
                }
                _ => {}
            }
            if let (Some(u), Some(prev)) = (up_to, out.last().and_then(|b| b.up_to)) {
                if u <= prev {
                    return Err(cx.err_at(&b.rate, "brackets: up_to must increase"));
                }
            }
            out.push(Bracket { up_to, rate });
        }
        if out.is_empty() {
            return Err(here("brackets is empty".into()));
        }
        brackets = Some(out);
    }
    let from = match &p.effective_from {
        Some(s) => Some(cx.date(s, "effective_from")?),
        None => doc.effective_from,
    };
    let (to, to_set) = match &p.effective_to {
        Some(s) => (cx.end_date(s, "effective_to")?, true),
        None => (doc.effective_to, doc.effective_to.is_some() || doc.open_ended),
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(here(format!("effective_to {t} is before effective_from {f}")));
        }
    }
    let mut supersedes = Vec::new();
    for s in &p.supersedes {
        supersedes.push(s.get_ref().clone());
    }
    let citation = p.citation.clone().unwrap_or_else(|| id.clone());

    let mut prog = Program {
        id: id.clone(),
        document: doc.id.clone(),
        file: cx.file.to_string(),
        name: p.name.clone(),
        kind: p.kind,
        citation,
        article: p.article.clone(),
        text: p.text.clone(),
        region: doc.region.clone(),
        supersedes,
        readings: p.readings.clone(),
        rule: None,
        range: None,
        inactive_reason: None,
    };

    let missing = |what: &str| Some(format!("{what} not set"));
    let Some(kind) = p.kind else {
        prog.inactive_reason = missing("kind");
        return Ok(prog);
    };
    if doc.region.is_none() {
        prog.inactive_reason = missing("issuing region");
        return Ok(prog);
    }
    let Some(from) = from else {
        prog.inactive_reason = missing("effective_from");
        return Ok(prog);
    };
    if !to_set {
        prog.inactive_reason = missing("effective_to");
        return Ok(prog);
    }

    if kind == ProgramKind::Discretionary {
        let Some(max) = max_award else {
            prog.inactive_reason = missing("max_award");
            return Ok(prog);
        };
        let min = min_award.unwrap_or(Money::ZERO);
        if min > max {
            return Err(here("min_award is above max_award".into()));
        }
        prog.range = Some((min, max));
        return Ok(prog);
    }

    // Settings that contradict the kind are errors, whatever is missing.
    if kind != ProgramKind::PerPayment && (p.payments.is_some() || p.equity_counts.is_some()) {
        return Err(here(
            "payments and equity_counts apply to per_payment programs only".into(),
        ));
    }
    if kind != ProgramKind::Annual && p.period.is_some() {
        return Err(here("period applies to annual programs only".into()));
    }
    if kind == ProgramKind::Annual && cap_per_contract.is_some() {
        return Err(here(
            "cap_per_contract does not apply to annual programs (use cap_per_beneficiary_year)".into(),
        ));
    }
    if kind != ProgramKind::PerPayment && p.cap_per_contract_scope.is_some() {
        return Err(here(
            "cap_per_contract_scope applies to per_payment programs only".into(),
        ));
    }
    if p.share == Some(ShareRule::EqualSplit) && kind != ProgramKind::PerContract {
        return Err(here("share = equal_split applies to per_contract programs only".into()));
    }
    if kind == ProgramKind::PerPayment && matches!(p.formula, Some(FormulaKind::MarginalScale | FormulaKind::Threshold))
    {
        return Err(here("a per_payment program takes formula = rate".into()));
    }
    match (kind, p.base) {
        (ProgramKind::PerPayment, Some(b)) if b != BaseRule::Payments => {
            return Err(here("a per_payment program takes base = payments".into()))
        }
        (ProgramKind::PerContract | ProgramKind::Annual, Some(BaseRule::Payments)) => {
            return Err(here("base = payments is for per_payment programs".into()))
        }
        _ => {}
    }
    if p.threshold_measure == Some(BaseRule::Payments) {
        return Err(here(
            "threshold_measure must be contract_amount or technology_amount".into(),
        ));
    }

    let Some(beneficiary) = p.beneficiary else {
        prog.inactive_reason = missing("beneficiary");
        return Ok(prog);
    };
    let Some(base) = p.base else {
        prog.inactive_reason = missing("base");
        return Ok(prog);
    };
    let Some(formula_kind) = p.formula else {
        prog.inactive_reason = missing("formula");
        return Ok(prog);
    };
    let formula = match formula_kind {
        FormulaKind::Rate => {
            let Some(rate) = rate.clone() else {
                prog.inactive_reason = missing("rate");
                return Ok(prog);
            };
            Formula::Rate { rate }
        }
        FormulaKind::MarginalScale => {
            let Some(brackets) = brackets else {
                prog.inactive_reason = missing("brackets");
                return Ok(prog);
            };
            Formula::MarginalScale { brackets }
        }
        FormulaKind::Threshold => {
            let Some(measure) = p.threshold_measure else {
                prog.inactive_reason = missing("threshold_measure");
                return Ok(prog);
            };
            let Some(threshold) = threshold else {
                prog.inactive_reason = missing("threshold");
                return Ok(prog);
            };
            let Some(inclusive) = p.threshold_inclusive else {
                prog.inactive_reason = missing("threshold_inclusive");
                return Ok(prog);
            };
            let Some(rate) = rate.clone() else {
                prog.inactive_reason = missing("rate");
                return Ok(prog);
            };
            Formula::Threshold {
                measure,
                threshold,
                inclusive,
                rate,
            }
        }
    };
    if let (Some(r), Some(c)) = (&rate, &rate_ceiling) {
        if !r.not_above(c) {
            prog.inactive_reason = Some(format!("rate {r} is above the ceiling {c} that the text allows"));
            return Ok(prog);
        }
    }
    let multi = matches!(
        beneficiary,
        BeneficiaryRule::Intermediaries | BeneficiaryRule::SellerOrIntermediary
    );
    let share = match p.share {
        Some(s) => s,
        None if multi && kind == ProgramKind::PerContract => {
            prog.inactive_reason = missing("share");
            return Ok(prog);
        }
        None => ShareRule::Each,
    };
    let payments = match (kind, p.payments) {
        (ProgramKind::PerPayment, None) => {
            prog.inactive_reason = missing("payments");
            return Ok(prog);
        }
        (_, v) => v.unwrap_or(PaymentFilter::All),
    };
    let equity_counts = match (kind, p.equity_counts) {
        (ProgramKind::PerPayment, None) => {
            prog.inactive_reason = missing("equity_counts");
            return Ok(prog);
        }
        (_, v) => v.unwrap_or(false),
    };
    let period = match (kind, p.period) {
        (ProgramKind::Annual, None) => {
            prog.inactive_reason = missing("period");
            return Ok(prog);
        }
        (_, v) => v.unwrap_or(Period::CalendarYear),
    };
    let cap_per_contract_scope = match (kind, cap_per_contract, p.cap_per_contract_scope) {
        (ProgramKind::PerPayment, Some(_), None) => {
            prog.inactive_reason = missing("cap_per_contract_scope");
            return Ok(prog);
        }
        (_, _, v) => v.unwrap_or(CapScope::AllYears),
    };
    prog.rule = Some(Rule {
        beneficiary,
        beneficiary_kinds: p.beneficiary_kinds.clone().unwrap_or_default(),
        beneficiary_regions,
        beneficiary_flags: p.beneficiary_flags.clone().unwrap_or_default(),
        share,
        contract_kinds: p.contract_kinds.clone().unwrap_or_default(),
        contract_flags: p.contract_flags.clone().unwrap_or_default(),
        buyer_kinds: p.buyer_kinds.clone().unwrap_or_default(),
        buyer_regions,
        buyer_flags: p.buyer_flags.clone().unwrap_or_default(),
        seller_kinds: p.seller_kinds.clone().unwrap_or_default(),
        seller_regions,
        seller_outside,
        base,
        payments,
        equity_counts,
        period,
        formula,
        cap_per_contract,
        cap_per_contract_scope,
        cap_per_beneficiary_year,
        fund: p.fund.as_ref().map(|s| s.get_ref().clone()),
        effective_from: from,
        effective_to: to,
    });
    Ok(prog)
}

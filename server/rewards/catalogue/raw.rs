//! The raw file model: a policy file as TOML gives it, with the spans that errors name lines by.

use serde::Deserialize;
use toml::Spanned;

use super::{
    BaseRule, BeneficiaryRule, CapScope, ContractFlag, FormulaKind, PartyFlag, PaymentFilter, Period, ProgramKind,
    ShareRule,
};
use crate::rewards::scenario::{ContractKind, PartyKind};

pub(super) type S = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) document: RawDocument,
    #[serde(default)]
    pub(super) funds: Vec<RawFund>,
    #[serde(default)]
    pub(super) programs: Vec<RawProgram>,
    pub(super) income_distribution: Option<RawIncome>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDocument {
    pub(super) id: S,
    pub(super) seed: Option<String>,
    pub(super) title: Option<String>,
    pub(super) short_name: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) number: Option<String>,
    pub(super) region: Option<S>,
    pub(super) published_on: Option<S>,
    pub(super) effective_from: Option<S>,
    pub(super) effective_to: Option<S>,
    pub(super) effective_text: Option<String>,
    #[serde(default)]
    pub(super) readings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFund {
    pub(super) id: S,
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) charge_order: Vec<S>,
    pub(super) default_limit: Option<S>,
    pub(super) co_funding: Option<String>,
    #[serde(default)]
    pub(super) text: Vec<String>,
    #[serde(default)]
    pub(super) readings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBracket {
    pub(super) up_to: Option<S>,
    pub(super) rate: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProgram {
    pub(super) id: S,
    pub(super) name: Option<String>,
    pub(super) kind: Option<ProgramKind>,
    pub(super) citation: Option<String>,
    pub(super) article: Option<String>,
    pub(super) text: Option<String>,
    pub(super) beneficiary: Option<BeneficiaryRule>,
    pub(super) beneficiary_kinds: Option<Vec<PartyKind>>,
    pub(super) beneficiary_regions: Option<Vec<S>>,
    pub(super) beneficiary_flags: Option<Vec<PartyFlag>>,
    pub(super) share: Option<ShareRule>,
    pub(super) contract_kinds: Option<Vec<ContractKind>>,
    pub(super) contract_flags: Option<Vec<ContractFlag>>,
    pub(super) buyer_kinds: Option<Vec<PartyKind>>,
    pub(super) buyer_regions: Option<Vec<S>>,
    pub(super) buyer_flags: Option<Vec<PartyFlag>>,
    pub(super) seller_kinds: Option<Vec<PartyKind>>,
    pub(super) seller_regions: Option<Vec<S>>,
    pub(super) seller_outside: Option<Vec<S>>,
    pub(super) base: Option<BaseRule>,
    pub(super) payments: Option<PaymentFilter>,
    pub(super) equity_counts: Option<bool>,
    pub(super) period: Option<Period>,
    pub(super) formula: Option<FormulaKind>,
    pub(super) rate: Option<S>,
    pub(super) rate_ceiling: Option<S>,
    pub(super) brackets: Option<Vec<RawBracket>>,
    pub(super) threshold_measure: Option<BaseRule>,
    pub(super) threshold: Option<S>,
    pub(super) threshold_inclusive: Option<bool>,
    pub(super) cap_per_contract: Option<S>,
    pub(super) cap_per_contract_scope: Option<CapScope>,
    pub(super) cap_per_beneficiary_year: Option<S>,
    pub(super) fund: Option<S>,
    pub(super) min_award: Option<S>,
    pub(super) max_award: Option<S>,
    pub(super) effective_from: Option<S>,
    pub(super) effective_to: Option<S>,
    #[serde(default)]
    pub(super) supersedes: Vec<S>,
    #[serde(default)]
    pub(super) readings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIncome {
    pub(super) citation: Option<String>,
    pub(super) article: Option<String>,
    pub(super) text: Option<String>,
    #[serde(default)]
    pub(super) seller_kinds: Vec<PartyKind>,
    #[serde(default)]
    pub(super) seller_regions: Vec<S>,
    pub(super) staff_min_share: S,
    pub(super) main_contributors_min_share: S,
    #[serde(default)]
    pub(super) readings: Vec<String>,
}

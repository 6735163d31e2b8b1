//! The pages of the contract register (form, contract, list and queue, certificate, income) and
//! their display helpers.

use askama::Template;

use super::amendments;
use super::routes::*;
use super::rules::*;
use super::store::*;
use crate::registration::RegistrationStatus;
use crate::vocabulary::{CONTRACT_KINDS as KINDS, ITEM_CATEGORIES};
use crate::web::{Ctx, FieldErrors};

#[derive(Template)]
#[template(path = "contracts/form.html")]
pub(crate) struct FormPage<'a> {
    pub(crate) c: &'a Ctx,
    pub(crate) id: Option<crate::ids::ContractId>,
    pub(crate) f: ContractInput,
    pub(crate) errors: FieldErrors,
    /// The deal's parties, when the contract comes from a deal.
    pub(crate) parties: Option<(String, String)>,
    /// When the form proposes an amendment of a registered contract: its reason (变更事由).
    pub(crate) amend: Option<String>,
}

impl FormPage<'_> {
    pub(crate) fn kind_options(&self) -> Vec<(String, String)> {
        KINDS
            .iter()
            .flat_map(|(k, subs)| {
                subs.iter().map(move |s| {
                    (
                        format!("{k}.{s}"),
                        format!(
                            "{} · {}",
                            self.c.t(&format!("contract.kind.{k}")),
                            self.c.t(&format!("contract.sub.{k}.{s}"))
                        ),
                    )
                })
            })
            .collect()
    }
    pub(crate) fn categories(&self) -> &'static [&'static str] {
        ITEM_CATEGORIES
    }
    pub(crate) fn lines(&self) -> Vec<usize> {
        (0..ITEM_LINES).collect()
    }
    pub(crate) fn item_error(&self, n: &usize) -> String {
        self.errors.get(&format!("item_{}", n + 1)).to_string()
    }
}

/// What the user typed into the contract page's forms, shown again with its errors.
pub(crate) struct ShowForms {
    pub errors: FieldErrors,
    pub reason: String,
    pub payment: PaymentInput,
    pub elsewhere_input: ElsewhereInput,
}

impl<'a> ShowPage<'a> {
    pub(crate) fn of(c: &'a Ctx, s: Shown, f: ShowForms) -> ShowPage<'a> {
        ShowPage {
            c,
            waiting_days: s.k.submitted_at.map(waiting_working_days).unwrap_or(0),
            officer: s.standing == Standing::Officer,
            k: s.k,
            items: s.items,
            buyer: s.buyer,
            seller: s.seller,
            intermediary: s.intermediary,
            submitter: s.submitter,
            file: s.file,
            events: s.events,
            errors: f.errors,
            reason: f.reason,
            payments: s.payments,
            payment: f.payment,
            elsewhere: s.elsewhere,
            elsewhere_input: f.elsewhere_input,
            amendment: s.amendment,
            versions: s.versions,
            names: s.names,
            income: s.income,
            party: s.party,
            unverified: s.unverified,
            seller_served: s.seller_served,
        }
    }
}

#[derive(Template)]
#[template(path = "contracts/show.html")]
pub(crate) struct ShowPage<'a> {
    pub(crate) c: &'a Ctx,
    pub(crate) k: Contract,
    pub(crate) items: Vec<Item>,
    pub(crate) buyer: String,
    pub(crate) seller: String,
    pub(crate) intermediary: Option<String>,
    pub(crate) submitter: Option<String>,
    pub(crate) file: Option<(String, i64, String)>,
    pub(crate) events: Vec<(i64, String, String, Option<String>)>,
    pub(crate) officer: bool,
    pub(crate) waiting_days: i64,
    pub(crate) errors: FieldErrors,
    pub(crate) reason: String,
    pub(crate) payments: Vec<PaymentView>,
    pub(crate) payment: PaymentInput,
    /// The registration by another office, when a party recorded one.
    pub(crate) elsewhere: Option<Elsewhere>,
    pub(crate) elsewhere_input: ElsewhereInput,
    /// The amendment not registered yet, if any.
    pub(crate) amendment: Option<amendments::OpenView>,
    /// Every registered version of the terms, oldest first.
    pub(crate) versions: Vec<amendments::VersionView>,
    /// The organizations the amendment and the versions name.
    pub(crate) names: std::collections::HashMap<i64, String>,
    /// Whether the seller is one 西宁 art. 14 speaks to (income distribution floors).
    pub(crate) income: bool,
    /// Whether the user's organization is the buyer or the seller (who record payments).
    pub(crate) party: bool,
    /// For the registering officer: the parties this market has not verified, to check.
    pub(crate) unverified: Vec<UnverifiedParty>,
    /// Whether this market's offices serve the seller's region (no other office registers it).
    pub(crate) seller_served: bool,
}

#[derive(Debug, Clone)]
pub struct PaymentView {
    pub paid_on: String,
    pub amount_fen: i64,
    pub file_id: i64,
    pub note: String,
    pub who: String,
    pub voucher: bool,
}

impl ShowPage<'_> {
    pub(crate) fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    pub(crate) fn tech(&self) -> String {
        self.money(&tech_fen(&self.k, &self.items))
    }
    pub(crate) fn items_total(&self) -> String {
        self.money(&self.items.iter().map(|i| i.amount_fen).sum())
    }
    /// The registering office: the region in the registration number once registered, else the
    /// region whose office will register it.
    pub(crate) fn region_name(&self) -> String {
        office_region(&self.k, self.elsewhere.as_ref())
    }
    pub(crate) fn kind_value(&self) -> String {
        format!("{}.{}", self.k.kind, self.k.sub_kind)
    }
    pub(crate) fn kind_options(&self) -> Vec<(String, String)> {
        KINDS
            .iter()
            .flat_map(|(k, subs)| {
                subs.iter().map(move |s| {
                    (
                        format!("{k}.{s}"),
                        format!(
                            "{} · {}",
                            self.c.t(&format!("contract.kind.{k}")),
                            self.c.t(&format!("contract.sub.{k}.{s}"))
                        ),
                    )
                })
            })
            .collect()
    }
    pub(crate) fn tech_plain(&self) -> String {
        crate::money::format_plain(tech_fen(&self.k, &self.items))
    }
    /// What the open amendment would change: (what, before, after).
    pub(crate) fn proposed_changes(&self, am: &amendments::OpenView) -> Vec<(String, String, String)> {
        amendments::changes(self.c, &self.names, &am.current, &am.proposed)
    }
    /// What a registered version changed from the one before it.
    pub(crate) fn version_changes(&self, v: &amendments::VersionView) -> Vec<(String, String, String)> {
        match &v.before {
            Some(b) => amendments::changes(self.c, &self.names, b, &v.terms),
            None => Vec::new(),
        }
    }
    /// The kind and technology amount the open amendment proposes, for the officer's form.
    pub(crate) fn amendment_kind(&self) -> String {
        self.amendment
            .as_ref()
            .map(|a| format!("{}.{}", a.proposed.kind, a.proposed.sub_kind))
            .unwrap_or_default()
    }
    pub(crate) fn amendment_tech(&self) -> String {
        self.amendment
            .as_ref()
            .map(|a| crate::money::format_plain(a.proposed.tech_fen))
            .unwrap_or_default()
    }
    pub(crate) fn amendment_late(&self) -> bool {
        self.amendment
            .as_ref()
            .is_some_and(|a| a.a.status == RegistrationStatus::Submitted && a.waiting_days > FLAG_AFTER_WORKING_DAYS)
    }
    /// Whether the user may propose an amendment: a party of a contract registered here.
    pub(crate) fn may_amend(&self) -> bool {
        !self.officer && self.k.status == RegistrationStatus::Registered && self.elsewhere.is_none()
    }
    pub(crate) fn late(&self) -> bool {
        self.k.status == RegistrationStatus::Submitted && self.waiting_days > FLAG_AFTER_WORKING_DAYS
    }
    pub(crate) fn paid(&self) -> i64 {
        self.payments.iter().map(|p| p.amount_fen).sum()
    }
    pub(crate) fn paid_text(&self) -> String {
        self.money(&self.paid())
    }
    pub(crate) fn due_text(&self) -> String {
        self.money(&(self.k.contract_fen - self.paid()))
    }
    /// Paid against the contract amount, in whole percent (for the bar).
    pub(crate) fn paid_percent(&self) -> i64 {
        if self.k.contract_fen <= 0 {
            return 0;
        }
        (i128::from(self.paid()) * 100 / i128::from(self.k.contract_fen)) as i64
    }
}

/// A party of a contract that this market has not verified.
#[derive(Debug, Clone)]
pub struct UnverifiedParty {
    /// Whether it is the buyer (else the seller).
    pub buyer: bool,
    pub name: String,
    /// Whether an office of this market oversees the party's region (so it could be verified
    /// here); when none does, the registering office checks it instead (青海 art. 8).
    pub office_here: bool,
}

impl UnverifiedParty {
    pub(crate) fn submit_key(&self) -> &'static str {
        if self.buyer {
            "err.contract_buyer_unverified"
        } else {
            "err.contract_seller_unverified"
        }
    }
    /// The registering officer's note.
    pub fn check_key(&self) -> &'static str {
        if self.buyer {
            "contract.check_buyer_unverified"
        } else {
            "contract.check_seller_unverified"
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: crate::ids::ContractId,
    pub project_name: String,
    pub buyer: String,
    pub seller: String,
    pub amount: i64,
    pub status: RegistrationStatus,
    pub registration_no: Option<String>,
    pub waiting_days: i64,
    /// In the officer's queue: the number of the amendment waiting for review.
    pub amendment: Option<i32>,
    /// In the officer's queue: a party is not verified by this market and must be checked.
    pub unverified: bool,
}

#[derive(Template)]
#[template(path = "contracts/list.html")]
pub(crate) struct ListPage<'a> {
    pub(crate) c: &'a Ctx,
    pub(crate) rows: Vec<Row>,
    pub(crate) officer: bool,
}

impl ListPage<'_> {
    pub(crate) fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    pub(crate) fn flag(&self) -> i64 {
        FLAG_AFTER_WORKING_DAYS
    }
}

#[derive(Template)]
#[template(path = "contracts/certificate.html")]
pub(crate) struct CertificatePage<'a> {
    pub(crate) c: &'a Ctx,
    pub(crate) k: Contract,
    pub(crate) number: String,
    pub(crate) tech: i64,
    pub(crate) buyer: (String, String),
    pub(crate) seller: (String, String),
    pub(crate) intermediary: Option<String>,
    pub(crate) office: String,
}

impl CertificatePage<'_> {
    pub(crate) fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    pub(crate) fn registered_on(&self) -> String {
        self.k
            .registered_at
            .map(|t| crate::web::fmt_ts(t)[..10].to_string())
            .unwrap_or_default()
    }
}

/// The register's columns, in its order.
pub(crate) const EXPORT_HEADERS: &[(&str, &str)] = &[
    ("登记编号", "Registration no."),
    ("登记日期", "Registered on"),
    ("项目名称", "Project"),
    ("合同类别", "Kind"),
    ("合同子类", "Sub-kind"),
    ("买方名称", "Buyer"),
    ("买方统一社会信用代码", "Buyer credit code"),
    ("买方所在地区代码", "Buyer region code"),
    ("买方法人类型", "Buyer entity type"),
    ("卖方名称", "Seller"),
    ("卖方统一社会信用代码", "Seller credit code"),
    ("卖方所在地区代码", "Seller region code"),
    ("卖方法人类型", "Seller entity type"),
    ("中介方", "Intermediary"),
    ("签订日期", "Signed on"),
    ("有效期起", "Term from"),
    ("有效期止", "Term to"),
    ("合同成交额（元）", "Contract amount (yuan)"),
    ("技术交易额（元）", "Technology amount (yuan)"),
    ("技术入股金额（元）", "Equity amount (yuan)"),
    ("涉及专利", "Patents"),
    ("实际到位金额（元）", "Paid (yuan)"),
];

#[derive(Template)]
#[template(path = "contracts/income.html")]
pub(crate) struct IncomePage<'a> {
    pub(crate) c: &'a Ctx,
    pub(crate) id: crate::ids::ContractId,
    pub(crate) project: String,
    pub(crate) seller: String,
    pub(crate) rule: crate::rewards::IncomeRule,
    pub(crate) net: String,
    pub(crate) floor: Option<crate::rewards::IncomeFloor>,
    pub(crate) errors: FieldErrors,
}

impl IncomePage<'_> {
    pub(crate) fn money(&self, fen: &i64) -> String {
        crate::rewards::Money::from_fen(*fen).grouped()
    }
}

//! The scenario of `rewards evaluate` (rewards.md): parties, contracts, payments, the programs to evaluate
//! and the fund budgets. Parsing walks the JSON by hand so that every refusal names the exact field
//! (`contracts[1].technology_amount: above the contract amount`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::date::{is_region_code, Date};
use super::money::{Money, Total};

/// What kind of organization (or person) a party is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Enterprise,
    University,
    ResearchInstitute,
    TransferPlatform,
    TransferInstitution,
    ContractServicePoint,
    Broker,
    Government,
}

impl PartyKind {
    pub const ALL: [PartyKind; 8] = [
        PartyKind::Enterprise,
        PartyKind::University,
        PartyKind::ResearchInstitute,
        PartyKind::TransferPlatform,
        PartyKind::TransferInstitution,
        PartyKind::ContractServicePoint,
        PartyKind::Broker,
        PartyKind::Government,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PartyKind::Enterprise => "enterprise",
            PartyKind::University => "university",
            PartyKind::ResearchInstitute => "research_institute",
            PartyKind::TransferPlatform => "transfer_platform",
            PartyKind::TransferInstitution => "transfer_institution",
            PartyKind::ContractServicePoint => "contract_service_point",
            PartyKind::Broker => "broker",
            PartyKind::Government => "government",
        }
    }

    /// The Chinese name used in traces.
    pub fn zh(self) -> &'static str {
        match self {
            PartyKind::Enterprise => "企业",
            PartyKind::University => "高校",
            PartyKind::ResearchInstitute => "科研院所",
            PartyKind::TransferPlatform => "技术转移平台",
            PartyKind::TransferInstitution => "技术转移机构",
            PartyKind::ContractServicePoint => "技术合同服务点",
            PartyKind::Broker => "技术经纪人",
            PartyKind::Government => "政府部门",
        }
    }

    fn from_code(s: &str) -> Option<PartyKind> {
        PartyKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// The kind of a technology contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    Development,
    Transfer,
    Licence,
    Consulting,
    Service,
}

impl ContractKind {
    pub const ALL: [ContractKind; 5] = [
        ContractKind::Development,
        ContractKind::Transfer,
        ContractKind::Licence,
        ContractKind::Consulting,
        ContractKind::Service,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContractKind::Development => "development",
            ContractKind::Transfer => "transfer",
            ContractKind::Licence => "licence",
            ContractKind::Consulting => "consulting",
            ContractKind::Service => "service",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            ContractKind::Development => "技术开发",
            ContractKind::Transfer => "技术转让",
            ContractKind::Licence => "技术许可",
            ContractKind::Consulting => "技术咨询",
            ContractKind::Service => "技术服务",
        }
    }

    fn from_code(s: &str) -> Option<ContractKind> {
        ContractKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A party to contracts: an organization or an individual broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub kind: PartyKind,
    /// 6-digit GB/T 2260 code.
    pub region: String,
    /// 中小微企业.
    pub sme: bool,
    /// 科技型中小企业.
    pub tech_sme: bool,
    /// A platform built with an aid partner (援扶单位).
    pub aid_partnered: bool,
}

/// A payment received (实际到位金额).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub on: Date,
    pub amount: Money,
    /// Paid with an innovation voucher (创新券).
    pub voucher: bool,
}

/// A technology contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    pub id: String,
    pub kind: ContractKind,
    pub patent: bool,
    pub buyer: String,
    pub seller: String,
    pub intermediaries: Vec<String>,
    /// 合同成交额.
    pub amount: Money,
    /// 技术交易额 (defaults to the contract amount).
    pub technology_amount: Money,
    /// 作价入股金额; counts as a payment made on the registration date.
    pub equity_amount: Option<Money>,
    pub signed_on: Option<Date>,
    /// None: not registered.
    pub registered_on: Option<Date>,
    /// The contract service point it was registered through.
    pub registered_through: Option<String>,
    pub payments: Vec<Payment>,
}

/// A scenario to evaluate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub as_of: Date,
    pub parties: Vec<Party>,
    pub contracts: Vec<Contract>,
    /// None: the whole catalogue; an empty list: none.
    pub programs: Option<Vec<String>>,
    /// fund id → year → amount available that year.
    pub budgets: BTreeMap<String, BTreeMap<i32, Money>>,
    /// The parties by id (not part of the input).
    pub index: PartyIndex,
}

impl Scenario {
    pub fn party(&self, id: &str) -> Option<&Party> {
        self.party_position(id).map(|i| &self.parties[i])
    }

    /// Where the party is in `parties` (the first, should an id repeat).
    pub fn party_position(&self, id: &str) -> Option<usize> {
        let index = self.index.0.get_or_init(|| {
            // Reversed, so that the first of a repeated id is the one kept.
            self.parties
                .iter()
                .enumerate()
                .rev()
                .map(|(i, p)| (p.id.clone(), i))
                .collect()
        });
        match index.get(id) {
            Some(&i) if self.parties.get(i).is_some_and(|p| p.id == id) => Some(i),
            // Parties changed after the index was built: scan.
            _ => self.parties.iter().position(|p| p.id == id),
        }
    }
}

/// The parties by id, built on first use. A scenario's parties are not changed once it is used;
/// should they be, a lookup the index no longer answers right falls back to a scan.
#[derive(Clone, Debug, Default)]
pub struct PartyIndex(std::sync::OnceLock<HashMap<String, usize, std::hash::BuildHasherDefault<Fnv>>>);

/// FNV-1a: party ids are short strings from the scenario itself, so a simple fast hash serves.
#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

impl PartialEq for PartyIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for PartyIndex {}

/// A refused scenario: the field (a JSON path such as `contracts[1].technology_amount`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub field: String,
    pub message: String,
}

impl ScenarioError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

type R<T> = Result<T, ScenarioError>;

fn err<T>(field: &str, message: impl Into<String>) -> R<T> {
    Err(ScenarioError::new(field, message))
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A JSON object with the path that leads to it; reads its fields and refuses unknown ones.
struct Obj<'a> {
    path: String,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn new(path: String, v: &'a Value) -> R<Obj<'a>> {
        match v {
            Value::Object(map) => Ok(Obj { path, map }),
            other => err(&path, format!("must be an object, found {}", describe(other))),
        }
    }

    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn only(&self, known: &[&str]) -> R<()> {
        for k in self.map.keys() {
            if !known.contains(&k.as_str()) {
                return err(
                    &self.field(k),
                    format!("unknown field (known fields: {})", known.join(", ")),
                );
            }
        }
        Ok(())
    }

    /// The value, None when absent or null.
    fn opt(&self, key: &str) -> Option<&'a Value> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn req(&self, key: &str) -> R<&'a Value> {
        self.opt(key)
            .ok_or_else(|| ScenarioError::new(self.field(key), "is required"))
    }

    fn string(&self, key: &str) -> R<String> {
        let v = self.req(key)?;
        as_str(&self.field(key), v).map(str::to_string)
    }

    fn opt_string(&self, key: &str) -> R<Option<String>> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => as_str(&self.field(key), v).map(|s| Some(s.to_string())),
        }
    }

    fn id(&self, key: &str) -> R<String> {
        let s = self.string(key)?;
        if s.trim().is_empty() {
            return err(&self.field(key), "must not be empty");
        }
        Ok(s)
    }

    fn flag(&self, key: &str) -> R<bool> {
        match self.opt(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => err(
                &self.field(key),
                format!("must be true or false, found {}", describe(other)),
            ),
        }
    }

    fn date(&self, key: &str) -> R<Date> {
        let s = self.string(key)?;
        Date::parse(&s).map_err(|m| ScenarioError::new(self.field(key), m))
    }

    fn opt_date(&self, key: &str) -> R<Option<Date>> {
        match self.opt_string(key)? {
            None => Ok(None),
            Some(s) => Date::parse(&s)
                .map(Some)
                .map_err(|m| ScenarioError::new(self.field(key), m)),
        }
    }

    fn money(&self, key: &str) -> R<Money> {
        let v = self.req(key)?;
        money_value(&self.field(key), v)
    }

    fn opt_money(&self, key: &str) -> R<Option<Money>> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => money_value(&self.field(key), v).map(Some),
        }
    }

    fn list(&self, key: &str) -> R<&'a [Value]> {
        match self.opt(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a.as_slice()),
            Some(other) => err(&self.field(key), format!("must be a list, found {}", describe(other))),
        }
    }
}

fn as_str<'v>(field: &str, v: &'v Value) -> R<&'v str> {
    match v {
        Value::String(s) => Ok(s),
        other => err(field, format!("must be a string, found {}", describe(other))),
    }
}

fn money_value(field: &str, v: &Value) -> R<Money> {
    match v {
        Value::String(s) => Money::parse(s).map_err(|m| ScenarioError::new(field, m)),
        Value::Number(n) => err(
            field,
            format!("must be a decimal string such as \"{n}.00\", not a JSON number"),
        ),
        other => err(
            field,
            format!(
                "must be a decimal string such as \"1200000.00\", found {}",
                describe(other)
            ),
        ),
    }
}

/// Parses a scenario (rewards.md) and validates it on its own (see [`Scenario::validate`]). Program ids and
/// fund ids are checked against a catalogue by [`super::check_scenario`].
pub fn parse_scenario(json: &str) -> Result<Scenario, ScenarioError> {
    parse_scenario_value(&parse_json(json)?)
}

/// The JSON text of a scenario, refused with the line and column of a syntax error.
pub fn parse_json(json: &str) -> Result<Value, ScenarioError> {
    serde_json::from_str(json).map_err(|e| {
        ScenarioError::new(
            "",
            format!("not valid JSON (line {}, column {}): {e}", e.line(), e.column()),
        )
    })
}

/// A scenario from parsed JSON (see [`parse_scenario`]).
pub fn parse_scenario_value(value: &Value) -> Result<Scenario, ScenarioError> {
    let root =
        Obj::new(String::new(), value).map_err(|_| ScenarioError::new("", "the scenario must be a JSON object"))?;
    root.only(&["as_of", "parties", "contracts", "programs", "budgets"])?;
    let as_of = root.date("as_of")?;

    let mut parties = Vec::new();
    for (i, v) in root.list("parties")?.iter().enumerate() {
        let o = Obj::new(format!("parties[{i}]"), v)?;
        o.only(&["id", "kind", "region", "sme", "tech_sme", "aid_partnered"])?;
        let kind_s = o.string("kind")?;
        let kind = PartyKind::from_code(&kind_s).ok_or_else(|| {
            ScenarioError::new(
                o.field("kind"),
                format!(
                    "\"{kind_s}\" is not a party kind ({})",
                    PartyKind::ALL.map(PartyKind::code).join(", ")
                ),
            )
        })?;
        parties.push(Party {
            id: o.id("id")?,
            kind,
            region: o.string("region")?,
            sme: o.flag("sme")?,
            tech_sme: o.flag("tech_sme")?,
            aid_partnered: o.flag("aid_partnered")?,
        });
    }

    let mut contracts = Vec::new();
    for (i, v) in root.list("contracts")?.iter().enumerate() {
        let o = Obj::new(format!("contracts[{i}]"), v)?;
        o.only(&[
            "id",
            "kind",
            "patent",
            "buyer",
            "seller",
            "intermediaries",
            "amount",
            "technology_amount",
            "equity_amount",
            "signed_on",
            "registered_on",
            "registered_through",
            "payments",
        ])?;
        let kind_s = o.string("kind")?;
        let kind = ContractKind::from_code(&kind_s).ok_or_else(|| {
            ScenarioError::new(
                o.field("kind"),
                format!(
                    "\"{kind_s}\" is not a contract kind ({})",
                    ContractKind::ALL.map(ContractKind::code).join(", ")
                ),
            )
        })?;
        let mut intermediaries = Vec::new();
        for (j, m) in o.list("intermediaries")?.iter().enumerate() {
            intermediaries.push(as_str(&format!("{}[{j}]", o.field("intermediaries")), m)?.to_string());
        }
        let mut payments = Vec::new();
        for (j, p) in o.list("payments")?.iter().enumerate() {
            let po = Obj::new(format!("{}[{j}]", o.field("payments")), p)?;
            po.only(&["on", "amount", "voucher"])?;
            payments.push(Payment {
                on: po.date("on")?,
                amount: po.money("amount")?,
                voucher: po.flag("voucher")?,
            });
        }
        let amount = o.money("amount")?;
        contracts.push(Contract {
            id: o.id("id")?,
            kind,
            patent: o.flag("patent")?,
            buyer: o.string("buyer")?,
            seller: o.string("seller")?,
            intermediaries,
            amount,
            technology_amount: o.opt_money("technology_amount")?.unwrap_or(amount),
            equity_amount: o.opt_money("equity_amount")?,
            signed_on: o.opt_date("signed_on")?,
            registered_on: o.opt_date("registered_on")?,
            registered_through: o.opt_string("registered_through")?,
            payments,
        });
    }

    let programs = match root.opt("programs") {
        None => None,
        Some(Value::Array(items)) => {
            let mut ids = Vec::new();
            for (i, v) in items.iter().enumerate() {
                ids.push(as_str(&format!("programs[{i}]"), v)?.to_string());
            }
            Some(ids)
        }
        Some(other) => {
            return err(
                "programs",
                format!("must be a list of program ids or null, found {}", describe(other)),
            )
        }
    };

    let mut budgets = BTreeMap::new();
    if let Some(v) = root.opt("budgets") {
        let funds = Obj::new("budgets".into(), v)?;
        for (fund, years_v) in funds.map {
            let fpath = format!("budgets.{fund}");
            let years = Obj::new(fpath.clone(), years_v)?;
            let mut per_year = BTreeMap::new();
            for (year_s, amount_v) in years.map {
                let ypath = format!("{fpath}.{year_s}");
                let year = parse_year(year_s)
                    .ok_or_else(|| ScenarioError::new(&ypath, "a budget year must be four digits such as \"2026\""))?;
                per_year.insert(year, money_value(&ypath, amount_v)?);
            }
            budgets.insert(fund.clone(), per_year);
        }
    }

    let scenario = Scenario {
        as_of,
        parties,
        contracts,
        programs,
        budgets,
        index: PartyIndex::default(),
    };
    scenario.validate()?;
    Ok(scenario)
}

fn parse_year(s: &str) -> Option<i32> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i32>().ok().filter(|y| *y >= 1000)
}

impl Scenario {
    /// Checks what the database would refuse: unique ids, known parties, region codes, a technology amount
    /// or payments (with the equity amount, which counts as a payment) above the contract amount,
    /// registration before signature, a service point that is not one. Field names are JSON paths.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let mut ids = BTreeSet::new();
        for (i, p) in self.parties.iter().enumerate() {
            let f = |k: &str| format!("parties[{i}].{k}");
            if p.id.trim().is_empty() {
                return err(&f("id"), "must not be empty");
            }
            if !ids.insert(p.id.as_str()) {
                return err(&f("id"), format!("party \"{}\" is listed twice", p.id));
            }
            if !is_region_code(&p.region) {
                return err(
                    &f("region"),
                    format!("\"{}\" is not a 6-digit GB/T 2260 region code", p.region),
                );
            }
        }
        let mut contract_ids = BTreeSet::new();
        for (i, c) in self.contracts.iter().enumerate() {
            let f = |k: &str| format!("contracts[{i}].{k}");
            if c.id.trim().is_empty() {
                return err(&f("id"), "must not be empty");
            }
            if !contract_ids.insert(c.id.as_str()) {
                return err(&f("id"), format!("contract \"{}\" is listed twice", c.id));
            }
            let known = |id: &str, field: String| -> R<&Party> {
                self.party(id)
                    .ok_or_else(|| ScenarioError::new(field, format!("unknown party \"{id}\"")))
            };
            known(&c.buyer, f("buyer"))?;
            known(&c.seller, f("seller"))?;
            if c.buyer == c.seller {
                return err(&f("seller"), "the seller is the buyer");
            }
            let mut seen = BTreeSet::new();
            for (j, m) in c.intermediaries.iter().enumerate() {
                let field = format!("contracts[{i}].intermediaries[{j}]");
                known(m, field.clone())?;
                if !seen.insert(m.as_str()) {
                    return err(&field, format!("party \"{m}\" is listed twice"));
                }
            }
            if let Some(rt) = &c.registered_through {
                let p = known(rt, f("registered_through"))?;
                if p.kind != PartyKind::ContractServicePoint {
                    return err(
                        &f("registered_through"),
                        format!("party \"{rt}\" is not a contract_service_point"),
                    );
                }
            }
            if c.technology_amount > c.amount {
                return err(
                    &f("technology_amount"),
                    format!("{} is above the contract amount {}", c.technology_amount, c.amount),
                );
            }
            if let Some(e) = c.equity_amount {
                if e > c.amount {
                    return err(
                        &f("equity_amount"),
                        format!("{e} is above the contract amount {}", c.amount),
                    );
                }
            }
            if let (Some(s), Some(r)) = (c.signed_on, c.registered_on) {
                if r < s {
                    return err(
                        &f("registered_on"),
                        format!("{r} is before the contract was signed ({s})"),
                    );
                }
            }
            let mut paid = Total::default();
            for (j, p) in c.payments.iter().enumerate() {
                if p.amount.is_zero() {
                    return err(
                        &format!("contracts[{i}].payments[{j}].amount"),
                        "a payment must be more than 0.00",
                    );
                }
                paid = paid.plus(p.amount);
            }
            let with_equity = paid.plus(c.equity_amount.unwrap_or(Money::ZERO));
            if with_equity > Total::default().plus(c.amount) {
                let what = if c.equity_amount.is_some_and(|e| !e.is_zero()) {
                    "payments and the equity amount total"
                } else {
                    "payments total"
                };
                return err(
                    &f("payments"),
                    format!(
                        "{what} {}, more than the contract amount {}",
                        with_equity.grouped().replace(',', ""),
                        c.amount
                    ),
                );
            }
        }
        if let Some(programs) = &self.programs {
            let mut seen = BTreeSet::new();
            for (i, p) in programs.iter().enumerate() {
                if !seen.insert(p.as_str()) {
                    return err(&format!("programs[{i}]"), format!("\"{p}\" is listed twice"));
                }
            }
        }
        Ok(())
    }
}

//! The reward engine: which subsidies and rewards regional policy attaches to registered technology
//! contracts, computed exactly and explained line by line (see `rewards.md`).
//!
//! Programs are data: the policy documents' parameters live in `policies/*.toml` (embedded here as the
//! default catalogue; the server may store officer-edited versions and feed them back as text through
//! [`parse_catalogue`]). The engine is pure: no I/O, no clock, no database, no floating point.
//!
//! - [`default_catalogue`] / [`parse_catalogue`]: the programs.
//! - [`parse_scenario`] / [`check_scenario`]: a scenario, validated with errors that name the field.
//! - [`evaluate`]: the awards, inactive programs and conflicts.
//! - [`income_distribution_floor`]: 西宁 art. 14 income distribution floors.
//! - [`cli::evaluate_command`]: `techmarket rewards evaluate FILE`.

pub mod catalogue;
pub mod cli;
pub mod date;
pub mod engine;
pub mod money;
pub mod scenario;
pub mod trace;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use catalogue::{parse_catalogue, Catalogue, CatalogueError, IncomeRule, Program};
pub use date::{region_contains, Date};
pub use engine::{Award, AwardStatus, Conflict, Evaluation, Inactive};
pub use money::{Money, Rate};
pub use scenario::{parse_scenario, Scenario, ScenarioError};

/// The policy files of the default catalogue: (file name, contents).
pub const DEFAULT_POLICY_FILES: [(&str, &str); 5] = [
    (
        "policies/xining-2020.toml",
        include_str!("../../policies/xining-2020.toml"),
    ),
    (
        "policies/qinghai-2025.toml",
        include_str!("../../policies/qinghai-2025.toml"),
    ),
    (
        "policies/haixi-2025.toml",
        include_str!("../../policies/haixi-2025.toml"),
    ),
    (
        "policies/gansu-2022.toml",
        include_str!("../../policies/gansu-2022.toml"),
    ),
    (
        "policies/qingdao-2024.toml",
        include_str!("../../policies/qingdao-2024.toml"),
    ),
];

/// The catalogue built from the embedded policy files.
pub fn default_catalogue() -> Result<Catalogue, CatalogueError> {
    parse_catalogue(&DEFAULT_POLICY_FILES)
}

/// Evaluates a scenario against a catalogue (see [`engine`] for the order of work).
pub fn evaluate(scenario: &Scenario, catalogue: &Catalogue) -> Evaluation {
    engine::evaluate(scenario, catalogue)
}

/// Checks what only a catalogue can tell: the program ids of `programs` and the fund ids of `budgets`.
pub fn check_scenario(scenario: &Scenario, catalogue: &Catalogue) -> Result<(), ScenarioError> {
    if let Some(ids) = &scenario.programs {
        for (i, id) in ids.iter().enumerate() {
            if catalogue.program(id).is_none() {
                return Err(ScenarioError::new(
                    format!("programs[{i}]"),
                    format!("unknown program \"{id}\""),
                ));
            }
        }
    }
    for fund in scenario.budgets.keys() {
        if catalogue.fund(fund).is_none() {
            let known: Vec<&str> = catalogue.funds.iter().map(|f| f.id.as_str()).collect();
            return Err(ScenarioError::new(
                format!("budgets.{fund}"),
                format!("unknown fund (known funds: {})", known.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Floors of 西宁 art. 14 for a net transfer income or equity gain (净收入或股权收益), in fen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IncomeFloor {
    /// At least this much goes to the research staff (≥ 70 % of the net income).
    pub staff_min_fen: i64,
    /// Of that, at least this much goes to the main contributors (≥ 70 % of the staff's share).
    pub main_contributors_min_fen: i64,
    pub trace: Vec<String>,
}

/// 西宁 art. 14: "单位用于奖励科研人员成果转化净收入或股权收益比例不低于总额的70%,其中对作出主要贡献人员奖励
/// 份额不低于总额的70%". Uses the shares of the default catalogue's `[income_distribution]` (70 % and 70 %).
pub fn income_distribution_floor(net_income_fen: i64) -> IncomeFloor {
    match default_catalogue().ok().and_then(|c| c.income_distribution) {
        Some(rule) => rule.floor(net_income_fen),
        None => income_floor_with(net_income_fen, &Rate::percent(70), &Rate::percent(70), "西宁 措施14"),
    }
}

impl IncomeRule {
    /// The floors under this rule's shares.
    pub fn floor(&self, net_income_fen: i64) -> IncomeFloor {
        income_floor_with(
            net_income_fen,
            &self.staff_min_share,
            &self.main_contributors_min_share,
            &self.citation,
        )
    }
}

/// Rounding: each floor is rounded UP to the fen (ceiling), so a floor shown is never under the true value:
/// staff ≥ ceil(net × 70 %), main contributors ≥ ceil(staff floor × 70 %) — 70 % "of that", the staff's
/// share. A net income of zero or less has nothing to distribute.
fn income_floor_with(net: i64, staff: &Rate, main: &Rate, citation: &str) -> IncomeFloor {
    if net <= 0 {
        return IncomeFloor {
            staff_min_fen: 0,
            main_contributors_min_fen: 0,
            trace: vec![
                format!("{citation}:科技成果转化净收入或股权收益分配下限"),
                "净收入不大于0.00元,无可分配收益".to_string(),
            ],
        };
    }
    let staff_min = staff.ceil_of_fen(net);
    let main_min = main.ceil_of_fen(staff_min);
    let y = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    IncomeFloor {
        staff_min_fen: staff_min,
        main_contributors_min_fen: main_min,
        trace: vec![
            format!("{citation}:科技成果转化净收入或股权收益分配下限"),
            format!("净收入{}元", y(net)),
            format!("奖励科研人员不低于{}元({staff},向上取整到分)", y(staff_min)),
            format!(
                "其中奖励主要贡献人员不低于{}元(科研人员所得的{main},向上取整到分)",
                y(main_min)
            ),
        ],
    }
}

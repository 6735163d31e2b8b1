//! Technology readiness levels (技术成熟度 / 技术就绪水平), TRL 1-9 in the style of GB/T 22900
//! (科学技术研究项目评价通则), grouped in three stages: laboratory (1-3), engineering (4-6) and
//! industrialisation (7-9).

use std::ops::RangeInclusive;

/// All levels, 1 to 9.
pub const LEVELS: RangeInclusive<u8> = 1..=9;

/// (Chinese name, English name) of levels 1-9.
const NAMES: [(&str, &str); 9] = [
    ("发现基本原理并形成报告", "Basic principles observed and reported"),
    ("形成技术概念或应用方案", "Technology concept or application formulated"),
    (
        "关键功能与特性完成实验验证",
        "Key functions and characteristics proven by experiment",
    ),
    (
        "实验室环境中关键功能验证通过",
        "Key functions validated in a laboratory environment",
    ),
    (
        "相关环境中关键功能验证通过",
        "Key functions validated in a relevant environment",
    ),
    (
        "相关环境中系统样机演示（中试）",
        "System prototype demonstrated in a relevant environment (pilot)",
    ),
    (
        "实际环境中系统样机试验通过",
        "System prototype tested in the operational environment",
    ),
    (
        "实际系统完成并通过验证（定型）",
        "Actual system completed and qualified",
    ),
    (
        "实际系统通过规模化应用考验",
        "Actual system proven in successful operation at scale",
    ),
];

/// The three stages levels are grouped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// 实验室阶段, levels 1-3.
    Lab,
    /// 工程化阶段, levels 4-6.
    Engineering,
    /// 产业化阶段, levels 7-9.
    Industrial,
}

impl Stage {
    /// Every stage in order.
    pub const ALL: [Stage; 3] = [Stage::Lab, Stage::Engineering, Stage::Industrial];

    /// Stable ASCII code: `lab`, `engineering`, `industrial`.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Lab => "lab",
            Stage::Engineering => "engineering",
            Stage::Industrial => "industrial",
        }
    }

    /// The stage with this code.
    pub fn parse(code: &str) -> Option<Stage> {
        let c = code.trim();
        Stage::ALL
            .into_iter()
            .find(|s| s.code().eq_ignore_ascii_case(c) || s.name(false) == c)
    }

    /// "实验室阶段" / "Laboratory".
    pub fn name(self, en: bool) -> &'static str {
        match (self, en) {
            (Stage::Lab, false) => "实验室阶段",
            (Stage::Lab, true) => "Laboratory",
            (Stage::Engineering, false) => "工程化阶段",
            (Stage::Engineering, true) => "Engineering",
            (Stage::Industrial, false) => "产业化阶段",
            (Stage::Industrial, true) => "Industrialisation",
        }
    }

    /// The levels of the stage: 1..=3, 4..=6 or 7..=9.
    pub fn levels(self) -> RangeInclusive<u8> {
        match self {
            Stage::Lab => 1..=3,
            Stage::Engineering => 4..=6,
            Stage::Industrial => 7..=9,
        }
    }
}

/// The stage of a level; `None` outside 1-9.
pub fn stage(level: u8) -> Option<Stage> {
    Stage::ALL.into_iter().find(|s| s.levels().contains(&level))
}

/// The name of a level in Chinese or English; `None` outside 1-9.
pub fn name(level: u8, en: bool) -> Option<&'static str> {
    let (zh, eng) = NAMES.get(usize::from(level).checked_sub(1)?)?;
    Some(if en { eng } else { zh })
}

/// True for 1-9.
pub fn is_valid(level: u8) -> bool {
    LEVELS.contains(&level)
}

/// Reads a level as people write it: "6", "６", "TRL6", "TRL 6", "trl-6", "L6", "6级", "第6级",
/// "六级", "第六级", or a level's exact Chinese or English name. `None` for anything else,
/// including levels outside 1-9.
pub fn parse(s: &str) -> Option<u8> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 80 {
        return None;
    }
    if let Some(i) = NAMES.iter().position(|(zh, en)| *zh == t || en.eq_ignore_ascii_case(t)) {
        return u8::try_from(i + 1).ok();
    }
    // Normalise: full-width ASCII to ASCII, drop spaces, then the usual decorations.
    let mut core: String = t
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    for prefix in ["TRL", "LEVEL", "L", "第"] {
        if let Some(rest) = core.strip_prefix(prefix) {
            core = rest.trim_start_matches(['-', '_', ':', '：', '.']).to_string();
            break;
        }
    }
    for suffix in ["级", "LEVEL"] {
        if let Some(rest) = core.strip_suffix(suffix) {
            core = rest.to_string();
            break;
        }
    }
    let level = match core.as_str() {
        "一" => 1,
        "二" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        "六" => 6,
        "七" => 7,
        "八" => 8,
        "九" => 9,
        d if d.len() == 1 => d.parse::<u8>().ok()?,
        _ => return None,
    };
    is_valid(level).then_some(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_stages() {
        for level in LEVELS {
            assert!(name(level, false).is_some_and(|n| !n.is_empty()));
            assert!(name(level, true).is_some_and(|n| n.is_ascii()));
            let s = stage(level).unwrap();
            assert!(s.levels().contains(&level));
        }
        assert_eq!(name(0, false), None);
        assert_eq!(name(10, true), None);
        assert_eq!(name(255, true), None);
        assert_eq!(stage(0), None);
        assert_eq!(stage(10), None);
        assert_eq!(stage(1), Some(Stage::Lab));
        assert_eq!(stage(3), Some(Stage::Lab));
        assert_eq!(stage(4), Some(Stage::Engineering));
        assert_eq!(stage(6), Some(Stage::Engineering));
        assert_eq!(stage(7), Some(Stage::Industrial));
        assert_eq!(stage(9), Some(Stage::Industrial));
        assert_eq!(Stage::Lab.name(false), "实验室阶段");
        assert_eq!(Stage::Engineering.name(false), "工程化阶段");
        assert_eq!(Stage::Industrial.name(false), "产业化阶段");
        assert_eq!(Stage::Industrial.name(true), "Industrialisation");
        // The stages cover 1-9 exactly once, in order.
        let all: Vec<u8> = Stage::ALL.iter().flat_map(|s| s.levels()).collect();
        assert_eq!(all, LEVELS.collect::<Vec<_>>());
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.code()), Some(s));
            assert_eq!(Stage::parse(s.name(false)), Some(s));
        }
        assert_eq!(Stage::parse("factory"), None);
        // 中试 (pilot) is level 6 in the wording of the names.
        assert!(name(6, false).unwrap().contains("中试"));
    }

    #[test]
    fn parsing() {
        for (input, want) in [
            ("6", Some(6)),
            (" 6 ", Some(6)),
            ("６", Some(6)),
            ("TRL6", Some(6)),
            ("TRL 6", Some(6)),
            ("trl-6", Some(6)),
            ("ＴＲＬ７", Some(7)),
            ("L3", Some(3)),
            ("6级", Some(6)),
            ("第6级", Some(6)),
            ("六级", Some(6)),
            ("第九级", Some(9)),
            ("一", Some(1)),
            ("Level 4", Some(4)),
            ("Level: 4", Some(4)),
            ("4 level", Some(4)),
            ("0", None),
            ("10", None),
            ("TRL10", None),
            ("06", None),
            ("", None),
            ("   ", None),
            ("high", None),
            ("6.5", None),
            ("-6", None),
            ("TRL:5", Some(5)),
            ("十", None),
        ] {
            assert_eq!(parse(input), want, "{input:?}");
        }
        for level in LEVELS {
            assert_eq!(parse(&level.to_string()), Some(level));
            assert_eq!(parse(name(level, false).unwrap()), Some(level));
            assert_eq!(parse(&name(level, true).unwrap().to_uppercase()), Some(level));
        }
        let long = "6".repeat(1000);
        assert_eq!(parse(&long), None);
    }
}

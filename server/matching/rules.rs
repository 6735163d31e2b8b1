//! How well an achievement answers a need: a pure function of the two listings, so that the
//! stored score of a pair is the same whichever side was recomputed last.
//!
//! The score (0-1000) is a weighted sum of five components, each between 0 and 1:
//!
//! | component | weight | 1.0 when | partial |
//! |---|---|---|---|
//! | text | 45% | the two texts share many key terms | cosine of their term sets, ×2.5, capped at 1 |
//! | field | 20% | the same field (技术领域) | 0.5 for the same field family |
//! | readiness | 15% | the achievement's TRL is in the stage the need asks for | 0.75 more mature, 0.3 one stage short, 0.5 when the need takes any stage |
//! | price | 10% | the price is within the budget | 0.4 up to 1.5× the budget, 0.5 when either side is 面议 |
//! | mode | 10% | a cooperation mode the need asks for is offered | — |
//!
//! A pair that shares no key term is no match, whatever its other components.
//! The weights were fixed before the labelled set in `tests/data/match-pairs.toml` was written
//! and have not been tuned to it; `cargo bench --bench matching` reports how they do.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::index::is_cjk;
use crate::readiness::Stage;
use crate::vocabulary::Kind;

pub const WEIGHT_TEXT: f64 = 0.45;
pub const WEIGHT_FIELD: f64 = 0.20;
pub const WEIGHT_READINESS: f64 = 0.15;
pub const WEIGHT_PRICE: f64 = 0.10;
pub const WEIGHT_MODE: f64 = 0.10;

/// Pairs below this score are not kept.
pub const MIN_SCORE: u16 = 300;

/// What the matcher knows of one listing.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub field_code: String,
    /// Achievements: the readiness level 1-9.
    pub trl: Option<u8>,
    /// Demands: the stage asked for; None for any stage.
    pub wanted_stage: Option<Stage>,
    /// Cooperation modes (demand) or transfer modes (achievement).
    pub modes: Vec<String>,
    /// The budget ceiling (demand) or price (achievement) in fen; None for 面议.
    pub amount_fen: Option<i64>,
}

/// Why a pair matches, in words a user can check; rendered in Chinese or English by the pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Reason {
    /// Key terms both texts use, longest first.
    SharedTerms {
        terms: Vec<String>,
    },
    SameField {
        code: String,
    },
    SameFamily {
        code: String,
    },
    /// The achievement's level lies in the stage the need asks for.
    StageFits {
        trl: u8,
        stage: String,
    },
    /// The achievement is further along than the need asks.
    MoreMature {
        trl: u8,
        stage: String,
    },
    /// The achievement is not yet at the stage the need asks for.
    LessMature {
        trl: u8,
        stage: String,
    },
    PriceWithinBudget {
        price_fen: i64,
        budget_fen: i64,
    },
    PriceAboveBudget {
        price_fen: i64,
        budget_fen: i64,
    },
    PriceNegotiable,
    /// Cooperation modes the need asks for that the achievement offers.
    ModesShared {
        modes: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// 0-1000.
    pub score: u16,
    pub reasons: Vec<Reason>,
}

/// Two-character terms so common in postings that sharing them says nothing.
#[rustfmt::skip]
const STOP_PAIRS: &[&str] = &[
    "技术", "研发", "开发", "研究", "应用", "提高", "提升", "产品", "企业", "需求", "需要", "实现", "进行", "解决", "问题", "相关", "具有",
    "我们", "公司", "项目", "合作", "成果", "方法", "方案", "能力", "目前", "现有", "通过", "以及", "一种", "主要", "可以", "能够", "希望",
    "寻求", "开展", "利用", "形成", "完成", "已经", "具备", "拥有", "工作", "领域", "行业", "发展", "建设", "推广", "服务", "支持", "有限",
    "责任", "大学", "学院", "研究所", "中心", "实验", "验证", "规模", "效果", "水平", "关键", "核心", "重点", "先进", "国内", "国际", "中国",
    "青海", "工艺", "提供", "要求", "面向", "科研", "科技", "院所", "高校", "征集", "降低", "条件", "达到", "以上", "以下", "左右", "年产", "万元", "转让", "许可", "用于", "适用", "对于", "基于",
];

/// English words that say nothing about the technology.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "from", "that", "this", "are", "our", "we", "of", "to", "in", "on", "a",
    "an", "by", "or", "is", "be", "as", "at", "it", "its", "can", "into", "technology", "technologies",
    "based", "using", "use", "new", "high", "system", "method", "need", "needs", "seeking", "looking",
    "development", "project", "company", "application", "applications", "process", "solution", "solutions",
    "improve",
];

fn is_stop(term: &str) -> bool {
    STOP_PAIRS.contains(&term) || STOP_WORDS.contains(&term)
}

/// The terms a text is compared by: pairs of neighbouring Chinese characters and whole English
/// words (lowercased), without the stop terms; single characters say too little.
fn pair_terms(text: &str) -> Vec<String> {
    crate::index::terms(text)
        .into_iter()
        .filter(|t| !(t.chars().count() == 1 && t.chars().all(is_cjk)))
        .filter(|t| t.chars().count() > 1 || !t.chars().all(|c| c.is_ascii_digit()))
        .filter(|t| !is_stop(t))
        .collect()
}

/// A listing's weighted term set: title and keywords count twice, the summary once.
fn weighted_terms(p: &Profile) -> std::collections::HashMap<String, f64> {
    let mut out = std::collections::HashMap::new();
    let strong = pair_terms(&p.title)
        .into_iter()
        .chain(p.keywords.iter().flat_map(|k| pair_terms(k)));
    for t in strong {
        out.insert(t, 2.0);
    }
    for t in pair_terms(&p.summary) {
        out.entry(t).or_insert(1.0);
    }
    out
}

/// Cosine similarity of the two weighted term sets.
fn cosine(a: &std::collections::HashMap<String, f64>, b: &std::collections::HashMap<String, f64>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let dot: f64 = a.iter().filter_map(|(t, w)| b.get(t).map(|v| w * v)).sum();
    let na: f64 = a.values().map(|w| w * w).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|w| w * w).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// The phrases of `from` made of terms that `other` also uses: runs of shared neighbouring pairs
/// joined back into one phrase (提锂 + 锂吸 + 吸附 → 提锂吸附), and shared English words.
fn shared_phrases(from: &Profile, other: &HashSet<String>) -> Vec<String> {
    let mut phrases: Vec<String> = Vec::new();
    let texts = std::iter::once(from.title.as_str())
        .chain(from.keywords.iter().map(String::as_str))
        .chain(std::iter::once(from.summary.as_str()));
    for text in texts {
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if is_cjk(chars[i]) {
                // Extend a run while each neighbouring pair is shared and not a stop pair.
                let start = i;
                let mut end = i;
                while end + 1 < chars.len() && is_cjk(chars[end + 1]) {
                    let pair: String = [chars[end], chars[end + 1]].iter().collect();
                    if other.contains(&pair) && !is_stop(&pair) {
                        end += 1;
                    } else {
                        break;
                    }
                }
                // A run that stops just before a stop pair keeps its last character out:
                // 提锂工艺 gives 提锂, not 提锂工.
                if end > start + 1 && end + 1 < chars.len() {
                    let next: String = [chars[end], chars[end + 1]].iter().collect();
                    if is_stop(&next) {
                        end -= 1;
                    }
                }
                if end > start {
                    phrases.push(chars[start..=end].iter().collect());
                    i = end;
                } else {
                    i += 1;
                }
            } else if chars[i].is_alphanumeric() {
                let start = i;
                while i < chars.len() && chars[i].is_alphanumeric() && !is_cjk(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect::<String>().to_lowercase();
                if word.chars().count() > 2 && !is_stop(&word) && other.contains(&word) {
                    phrases.push(word);
                }
            } else {
                i += 1;
            }
        }
    }
    // Longest first; drop any phrase contained in a longer one.
    let mut unique: Vec<String> = phrases.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    unique.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    let mut kept: Vec<String> = Vec::new();
    for p in unique {
        if !kept.iter().any(|k| k.contains(p.as_str())) {
            kept.push(p);
        }
    }
    kept.truncate(5);
    kept
}

/// Modes that answer a mode the need asks for: 先使用后付费 is a way of licensing.
fn answers(offered: &str, wanted: &str) -> bool {
    offered == wanted || (offered == "use_first_pay_later" && wanted == "licence")
}

/// Scores an achievement against a need.
pub fn score(demand: &Profile, achievement: &Profile) -> Scored {
    let mut reasons = Vec::new();

    let dt = weighted_terms(demand);
    let at = weighted_terms(achievement);
    let cos = cosine(&dt, &at);
    let a_terms: HashSet<String> = at.keys().cloned().collect();
    let shared = shared_phrases(demand, &a_terms);
    if cos <= 0.0 || shared.is_empty() {
        return Scored {
            score: 0,
            reasons: Vec::new(),
        };
    }
    let text = (cos * 2.5).min(1.0);
    reasons.push(Reason::SharedTerms { terms: shared });

    let field = if demand.field_code == achievement.field_code {
        reasons.push(Reason::SameField {
            code: demand.field_code.clone(),
        });
        1.0
    } else if crate::fields::family(&demand.field_code) == crate::fields::family(&achievement.field_code) {
        reasons.push(Reason::SameFamily {
            code: crate::fields::family(&demand.field_code).to_string(),
        });
        0.5
    } else {
        0.0
    };

    let have = achievement.trl.and_then(|t| crate::readiness::stage(t).map(|s| (t, s)));
    let readiness = match (demand.wanted_stage, have) {
        (Some(wanted), Some((trl, have))) => {
            let stage = wanted.code().to_string();
            if have == wanted {
                reasons.push(Reason::StageFits { trl, stage });
                1.0
            } else if have > wanted {
                reasons.push(Reason::MoreMature { trl, stage });
                0.75
            } else if (wanted as i32) - (have as i32) == 1 {
                reasons.push(Reason::LessMature { trl, stage });
                0.3
            } else {
                reasons.push(Reason::LessMature { trl, stage });
                0.0
            }
        }
        _ => 0.5,
    };

    let price = match (achievement.amount_fen, demand.amount_fen) {
        (Some(p), Some(b)) if p <= b => {
            reasons.push(Reason::PriceWithinBudget {
                price_fen: p,
                budget_fen: b,
            });
            1.0
        }
        (Some(p), Some(b)) => {
            reasons.push(Reason::PriceAboveBudget {
                price_fen: p,
                budget_fen: b,
            });
            // p ≤ 1.5 b, compared exactly in integers.
            if i128::from(p) * 2 <= i128::from(b) * 3 {
                0.4
            } else {
                0.0
            }
        }
        _ => {
            reasons.push(Reason::PriceNegotiable);
            0.5
        }
    };

    let modes: Vec<String> = demand
        .modes
        .iter()
        .filter(|w| achievement.modes.iter().any(|o| answers(o, w)))
        .cloned()
        .collect();
    let mode = if modes.is_empty() {
        0.0
    } else {
        reasons.push(Reason::ModesShared { modes });
        1.0
    };

    let total = WEIGHT_TEXT * text
        + WEIGHT_FIELD * field
        + WEIGHT_READINESS * readiness
        + WEIGHT_PRICE * price
        + WEIGHT_MODE * mode;
    Scored {
        score: (total * 1000.0).round().clamp(0.0, 1000.0) as u16,
        reasons,
    }
}

/// The search text a listing looks for its counterparts with: its title and keywords.
pub fn candidate_query(p: &Profile) -> String {
    let mut q = p.title.clone();
    for k in &p.keywords {
        q.push(' ');
        q.push_str(k);
    }
    q
}

/// Whether a search term is worth sending when looking for candidates.
pub fn is_candidate_term(term: &str) -> bool {
    let single_character = term.chars().count() == 1 && term.chars().all(is_cjk);
    !(is_stop(term) || single_character)
}

/// Scores `p` against each of `others` (of the other kind) and returns the pairs worth keeping,
/// best first: (other id, scored).
pub fn rank(kind: Kind, p: &Profile, others: &[Profile]) -> Vec<(i64, Scored)> {
    let mut scored: Vec<(i64, Scored)> = others
        .iter()
        .map(|o| {
            let s = match kind {
                Kind::Demand => score(p, o),
                Kind::Achievement => score(o, p),
            };
            (o.id, s)
        })
        .filter(|(_, s)| s.score >= MIN_SCORE)
        .collect();
    scored.sort_by(|a, b| b.1.score.cmp(&a.1.score).then(a.0.cmp(&b.0)));
    scored
}

/// A pair as (demand id, achievement id).
pub fn pair(kind: Kind, id: i64, other_id: i64) -> (i64, i64) {
    match kind {
        Kind::Demand => (id, other_id),
        Kind::Achievement => (other_id, id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demand() -> Profile {
        Profile {
            id: 1,
            title: "盐湖卤水提锂技术需求".into(),
            summary: "我公司盐湖卤水镁锂比高，现有工艺提锂收率低，寻求高选择性吸附剂及配套工艺。".into(),
            keywords: vec!["提锂".into(), "吸附剂".into()],
            field_code: "salt_lake.lithium".into(),
            trl: None,
            wanted_stage: Some(Stage::Industrial),
            modes: vec!["licence".into(), "transfer".into()],
            amount_fen: Some(200_000_000),
        }
    }

    fn achievement() -> Profile {
        Profile {
            id: 2,
            title: "盐湖卤水提锂吸附剂制备技术".into(),
            summary: "铝系锂吸附剂，适用于高镁锂比卤水，吸附容量高，已在千吨级装置上运行。".into(),
            keywords: vec!["锂吸附剂".into(), "高镁锂比".into()],
            field_code: "salt_lake.lithium".into(),
            trl: Some(8),
            wanted_stage: None,
            modes: vec!["licence".into()],
            amount_fen: Some(120_000_000),
        }
    }

    #[test]
    fn a_good_answer_scores_high_with_every_reason() {
        let s = score(&demand(), &achievement());
        assert!(s.score >= 800, "{s:?}");
        let Reason::SharedTerms { terms } = &s.reasons[0] else {
            panic!("{s:?}")
        };
        assert!(terms.iter().any(|t| t.contains("提锂")), "{terms:?}");
        assert!(s.reasons.contains(&Reason::SameField {
            code: "salt_lake.lithium".into()
        }));
        assert!(s.reasons.contains(&Reason::StageFits {
            trl: 8,
            stage: "industrial".into()
        }));
        assert!(s.reasons.contains(&Reason::PriceWithinBudget {
            price_fen: 120_000_000,
            budget_fen: 200_000_000
        }));
        assert!(s.reasons.contains(&Reason::ModesShared {
            modes: vec!["licence".into()]
        }));
    }

    #[test]
    fn nothing_in_common_is_no_match() {
        let mut a = achievement();
        a.title = "牦牛肉精深加工".into();
        a.summary = "风干牦牛肉低温加工工艺".into();
        a.keywords = vec!["牦牛".into()];
        let s = score(&demand(), &a);
        assert_eq!(s.score, 0, "{s:?}");
        assert!(s.reasons.is_empty());
    }

    #[test]
    fn each_component_moves_the_score() {
        let base = score(&demand(), &achievement()).score;
        let mut a = achievement();
        a.trl = Some(3);
        assert!(score(&demand(), &a).score < base);
        let mut a = achievement();
        a.amount_fen = Some(500_000_000);
        let s = score(&demand(), &a);
        assert!(s.score < base);
        assert!(s.reasons.contains(&Reason::PriceAboveBudget {
            price_fen: 500_000_000,
            budget_fen: 200_000_000
        }));
        let mut a = achievement();
        a.modes = vec!["equity".into()];
        assert!(score(&demand(), &a).score < base);
        let mut a = achievement();
        a.field_code = "salt_lake.potash".into();
        let s = score(&demand(), &a);
        assert!(s.score < base);
        assert!(s.reasons.contains(&Reason::SameFamily {
            code: "salt_lake".into()
        }));
    }

    #[test]
    fn english_postings_match_on_words() {
        let d = Profile {
            title: "Low-temperature lithium battery electrolyte".into(),
            summary: "We need an electrolyte that keeps lithium cells working at minus 40 degrees.".into(),
            keywords: vec!["electrolyte".into()],
            field_code: "new_energy.storage".into(),
            ..Profile::default()
        };
        let a = Profile {
            title: "Wide-temperature electrolyte for lithium-ion cells".into(),
            summary: "Additive package keeps capacity at -40 °C.".into(),
            keywords: vec!["electrolyte".into(), "additive".into()],
            field_code: "new_energy.storage".into(),
            ..Profile::default()
        };
        let s = score(&d, &a);
        assert!(s.score > 0);
        let Reason::SharedTerms { terms } = &s.reasons[0] else {
            panic!()
        };
        assert!(terms.contains(&"electrolyte".to_string()), "{terms:?}");
    }
}

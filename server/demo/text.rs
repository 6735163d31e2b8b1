//! The words of the demo market's listings: titles from a core (object + qualifier + process),
//! the sentences of summaries and details, keywords, and the contacts' names and numbers.

use super::data::{data, Metric, Sub};
use super::rng::Rng;
use crate::fields::family;

/// The Chinese name of a top-level field, used as a keyword.
fn top_name(top: &str) -> &'static str {
    data().top(top).map_or("其他", |t| t.name.as_str())
}

/// Long-distance area code and the number of digits of a local number for a region code.
fn phone_area(region: &str) -> (&'static str, usize) {
    let phone = &data().people.phone;
    match phone.areas.iter().find(|a| region.starts_with(a.prefix.as_str())) {
        Some(a) => (a.area_code.as_str(), a.digits),
        None => (phone.default.area_code.as_str(), phone.default.digits),
    }
}

/// "联系人：<name><role>，电话：<number>": a contact in `region`, named then called.
pub(super) fn contact(rng: &mut Rng, region: &str, role: &str) -> String {
    let name = person(rng, region);
    let number = phone(rng, region);
    format!("联系人：{name}{role}，电话：{number}")
}

/// A name: surname and given name, or now and then a Tibetan name in 青海.
pub(super) fn person(rng: &mut Rng, region: &str) -> String {
    let people = &data().people;
    if region.starts_with("63") && rng.chance(15) {
        return rng.pick(&people.tibetan_names).to_string();
    }
    format!("{}{}", rng.pick(&people.surnames), rng.pick(&people.given_names))
}

/// A telephone number of the region: "<area code>-<local number>".
fn phone(rng: &mut Rng, region: &str) -> String {
    let (area, len) = phone_area(region);
    let first = rng.range(5, 8);
    let mut number = first.to_string();
    while number.len() < len {
        number.push(char::from(b'0' + rng.below(10) as u8));
    }
    format!("{area}-{number}")
}

/// A metric template filled with a round value from its range.
fn metric(rng: &mut Rng, m: &Metric) -> String {
    let (lo, hi) = (m.min, m.max);
    let span = hi - lo;
    let step = match span {
        2000.. => 1000,
        500.. => 100,
        100.. => 10,
        _ => 1,
    };
    let value = lo + rng.range(0, span / step) * step;
    m.text.replace("{}", &value.to_string())
}

/// Three distinct metrics of a sub-field.
pub(super) fn metrics3(rng: &mut Rng, sub: &Sub) -> Vec<String> {
    let mut idx: Vec<usize> = (0..sub.metrics.len()).collect();
    for i in (1..idx.len()).rev() {
        let j = rng.below(i + 1);
        idx.swap(i, j);
    }
    idx.iter().take(3).map(|&i| metric(rng, &sub.metrics[i])).collect()
}

/// The Chinese name of a transfer or cooperation mode.
fn mode_zh(mode: &str) -> &'static str {
    match mode {
        "transfer" => "技术转让",
        "licence" => "技术许可",
        "joint_development" => "合作开发",
        "commissioned_development" => "委托开发",
        "equity" => "作价入股",
        "consulting" => "技术咨询",
        "service" => "技术服务",
        "use_first_pay_later" => "先使用后付费",
        _ => "其他",
    }
}

/// Modes named in Chinese, joined with 、.
pub(super) fn modes_zh(modes: &[&str]) -> String {
    modes.iter().map(|m| mode_zh(m)).collect::<Vec<_>>().join("、")
}

/// True when the title core names a method (技术, 工艺) rather than a product or an activity.
fn is_method(core: &str) -> bool {
    core.ends_with("技术") || core.ends_with("工艺")
}

/// True when the title core names an activity (a study, a breeding programme …), per `titles.toml`.
pub(super) fn is_activity(core: &str) -> bool {
    data()
        .titles
        .activity_endings
        .iter()
        .any(|e| core.ends_with(e.as_str()))
}

/// Products that are software: their readiness is described in software terms.
pub(super) fn is_software(core: &str) -> bool {
    let titles = &data().titles;
    let ends = |words: &[String]| words.iter().any(|e| core.ends_with(e.as_str()));
    ends(&titles.software_endings) && !ends(&titles.not_software)
}

/// A need's title: a pattern of `titles.toml` for the kind of core.
pub(super) fn demand_title(rng: &mut Rng, core: &str) -> String {
    let titles = &data().titles.demand_titles;
    let patterns = if is_method(core) {
        &titles.method
    } else if is_activity(core) {
        &titles.activity
    } else {
        &titles.product
    };
    rng.pick(patterns).replace("{}", core)
}

/// An achievement's title: the core, a technique sometimes "及应用" or (mature) "及产业化".
pub(super) fn achievement_title(rng: &mut Rng, core: &str, trl: u8) -> String {
    if core.ends_with("技术") {
        if trl >= 7 && rng.chance(25) {
            return format!("{core}及产业化");
        }
        if rng.chance(25) {
            return format!("{core}及应用");
        }
    }
    core.to_string()
}

/// The sentence describing how far an achievement has come; only TRL 5-6 mention 中试.
pub(super) fn stage_sentence(rng: &mut Rng, sub: &Sub, core: &str, trl: u8) -> String {
    let usage = rng.pick(&sub.uses).as_str();
    let n = rng.range(2, 6);
    let many = rng.range(5, 30);
    if is_software(core) {
        match trl {
            0..=3 => "目前已完成核心算法的原理验证，关键指标在实验数据上得到初步验证。".to_string(),
            4 => "目前已完成原型系统开发，在实验室环境下完成功能测试。".to_string(),
            5 => "已在模拟环境中完成系统联调测试，关键性能指标达到设计要求。".to_string(),
            6 => format!("已在{usage}开展试点运行，系统运行稳定。"),
            7 => format!("已在{n}家单位部署应用，运行稳定可靠。"),
            8 => format!("已实现商业化推广，累计服务用户{many}家。"),
            _ => "已形成成熟产品并规模化推广应用。".to_string(),
        }
    } else if sub.field_work {
        match trl {
            0..=3 => "目前已完成室内试验和小规模试验，初步验证了技术效果。".to_string(),
            4 => "目前已完成小范围试验示范，正在优化关键技术参数。".to_string(),
            5 => "已完成中试规模的示范试验，主要技术参数基本定型。".to_string(),
            6 => format!("已在{usage}建立中试示范点，具备推广条件。"),
            7 => format!("已在{n}个示范基地推广应用，效果稳定。"),
            8 => format!("已在{usage}累计推广应用{many}个示范点，经济效益显著。"),
            _ => "已列入地方主推技术，实现大面积推广应用。".to_string(),
        }
    } else {
        match trl {
            0..=3 => "目前已完成实验室原理验证，核心指标得到初步验证。".to_string(),
            4 => "目前已完成实验室小试，正在开展工艺参数优化。".to_string(),
            5 => "已完成中试放大试验，主要工艺参数基本定型。".to_string(),
            6 => format!("已在{usage}中完成中试验证，具备工程化放大条件。"),
            7 => format!("已在{n}家企业开展工业性示范应用，运行稳定。"),
            8 => format!("已实现产业化应用，累计推广{many}套（项）。"),
            _ => "已形成成熟产品并规模化推广，市场占有率稳步提升。".to_string(),
        }
    }
}

/// Indices of the principles ordered by how many character pairs they share with the title core
/// (ties broken at random), so that the approach described fits the object and process of the title.
/// The pairs 技术 and 工艺 say nothing and are ignored.
pub(super) fn ranked_principles(rng: &mut Rng, sub: &Sub, core: &str) -> Vec<usize> {
    let chars: Vec<char> = core.chars().collect();
    let pairs: Vec<String> = chars
        .windows(2)
        .map(|w| w.iter().collect::<String>())
        .filter(|p| p != "技术" && p != "工艺")
        .collect();
    let mut scored: Vec<(usize, usize)> = sub
        .principles
        .iter()
        .enumerate()
        .map(|(i, text)| {
            (
                pairs.iter().filter(|p| text.contains(p.as_str())).count() * 100 + rng.below(100),
                i,
            )
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.cmp(a));
    scored.into_iter().map(|(_, i)| i).collect()
}

/// A listing's keywords: object, process (without 技术/工艺 when enough is left), sub-field,
/// top-level field and qualifier, each once.
pub(super) fn keywords(sub: &Sub, obj: &str, qual: &str, process: &str) -> Vec<String> {
    let trimmed = process
        .strip_suffix("技术")
        .or_else(|| process.strip_suffix("工艺"))
        .unwrap_or(process);
    let process_kw = if trimmed.chars().count() >= 2 { trimmed } else { process };
    let mut out: Vec<String> = Vec::new();
    for k in [obj, process_kw, &sub.name, top_name(family(&sub.code)), qual] {
        if !k.is_empty() && !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

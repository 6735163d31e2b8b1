//! A pure, deterministic generator of a believable demo market in Chinese: organizations in 青海, 甘肃,
//! 青岛 and the eastern provinces that support them, individual technology brokers, a few hundred
//! technology demands (some of them open 揭榜挂帅 challenges) and a few hundred achievements with their
//! IP, readiness, transfer terms and 公示 windows.
//!
//! Everything comes from [`market`]: the same seed and the same `today` always give the same market.
//! Money is integer fen, dates are `YYYY-MM-DD` strings relative to `today`. Titles are built from
//! per-field lists of objects × qualifiers × processes, so they read like real listings and rarely repeat.
//! Its tables (the vocabulary of each field, the organizations, names, money, title wording and the
//! English listings) are the files of `server/data/demo/`, embedded at compile time and read once
//! by `data`. The generator uses its own xorshift PRNG and does no I/O.

use std::collections::HashSet;

mod data;

use data::{data, Metric, OrgSpec, Sub};

/// The whole generated market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMarket {
    pub orgs: Vec<DemoOrg>,
    pub brokers: Vec<DemoBroker>,
    pub demands: Vec<DemoDemand>,
    pub achievements: Vec<DemoAchievement>,
}

/// An organization with its first user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    /// Unique key such as "org-17", referenced by listings.
    pub key: String,
    /// enterprise | university | research_institute | transfer_platform | transfer_institution |
    /// contract_service_point
    pub kind: &'static str,
    pub name: String,
    /// Six-digit GB/T 2260 code.
    pub region_code: String,
    pub sme: bool,
    pub tech_sme: bool,
    pub high_tech: bool,
    /// Name of the organization's first user.
    pub user_name: String,
    /// ASCII local part of that user's e-mail address, unique across orgs and brokers.
    pub email_local: String,
}

/// An individual technology broker (技术经纪人).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBroker {
    pub name: String,
    /// e.g. "QH-JJR-2024-0012"
    pub certificate: String,
    pub region_code: String,
    pub email_local: String,
}

/// A technology demand (技术需求) posted by an enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDemand {
    pub org_key: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    /// `<top>.<sub>`, one of [`field_codes`].
    pub field_code: String,
    pub keywords: Vec<String>,
    /// transfer, licence, joint_development, commissioned_development, equity, consulting, service
    pub coop_modes: Vec<&'static str>,
    pub budget_min_fen: Option<i64>,
    /// `None` (with `budget_min_fen` `None`) means the budget is negotiable.
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: String,
    /// key | general
    pub grade: &'static str,
    pub challenge: Option<DemoChallenge>,
    pub published_days_ago: u32,
}

/// The readiness stage a demo need asks for, read from what it asks: development work wants a
/// laboratory or engineering result, a purchase or licence a proven one, advice any stage.
pub fn wanted_stage(d: &DemoDemand) -> Option<crate::readiness::Stage> {
    use crate::readiness::Stage;
    let has = |m: &str| d.coop_modes.contains(&m);
    if has("transfer") || has("licence") || has("equity") {
        Some(Stage::Industrial)
    } else if has("joint_development") || has("commissioned_development") {
        Some(Stage::Engineering)
    } else {
        None
    }
}

/// An open challenge (揭榜挂帅) attached to a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChallenge {
    pub bounty_fen: i64,
    pub goals: String,
    pub indicators: String,
    pub closes_on: String,
}

/// A technology achievement (科技成果) offered for transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAchievement {
    pub org_key: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    /// `<top>.<sub>`, one of [`field_codes`].
    pub field_code: String,
    pub keywords: Vec<String>,
    /// Technology readiness level 1-9, consistent with the stage described in the summary.
    pub trl: u8,
    /// transfer, licence, equity, joint_development, use_first_pay_later
    pub transfer_modes: Vec<&'static str>,
    /// agreement | listing | auction | appraisal
    pub pricing_method: &'static str,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    /// 公示 window of the intended price: (from, to).
    pub notice: Option<(String, String)>,
    pub ip: Vec<DemoIp>,
    pub published_days_ago: u32,
}

/// One piece of IP behind an achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoIp {
    /// invention_patent | utility_model | design | software_copyright
    pub kind: &'static str,
    /// Patent application number "YYYYKNNNNNNN.C" or software copyright "YYYYSRNNNNNNN".
    pub number: String,
    /// applied | granted
    pub status: &'static str,
}

/// Every field code the generator uses: each top-level code followed by its `<top>.<sub>` codes, in
/// the order of `server/data/demo/fields.toml`. Listings carry the sub codes.
pub fn field_codes() -> Vec<&'static str> {
    let d = data();
    let mut out = Vec::new();
    for top in &d.fields {
        out.push(top.code.as_str());
        out.extend(d.subs.iter().map(|s| s.code.as_str()).filter(|c| top_of(c) == top.code));
    }
    out
}

/// One yuan is 100 fen, one 万元 is 10 000 yuan.
const FEN_PER_WAN: i64 = 1_000_000;

// ---------------------------------------------------------------------------------------------------
// Field content
// ---------------------------------------------------------------------------------------------------

/// The Chinese name of a top-level field, used as a keyword.
fn top_name(top: &str) -> &'static str {
    data().top(top).map_or("其他", |t| t.name.as_str())
}

/// How much of the market a top-level field gets when an organization works in several.
fn top_weight(top: &str) -> u32 {
    data().top(top).map_or(1, |t| t.weight)
}

fn top_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

// ---------------------------------------------------------------------------------------------------
// Organizations and brokers
// ---------------------------------------------------------------------------------------------------

const ENT: &str = "enterprise";
const UNI: &str = "university";

/// Long-distance area code and the number of digits of a local number for a region code.
fn phone_area(region: &str) -> (&'static str, usize) {
    let phone = &data().people.phone;
    match phone.areas.iter().find(|a| region.starts_with(a.prefix.as_str())) {
        Some(a) => (a.area_code.as_str(), a.digits),
        None => (phone.default.area_code.as_str(), phone.default.digits),
    }
}

// ---------------------------------------------------------------------------------------------------
// PRNG and dates
// ---------------------------------------------------------------------------------------------------

/// xorshift64* seeded through splitmix64, so that every seed (including 0) gives a good stream.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    /// True with probability `pct` %.
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index chosen with the given weights (at least one positive).
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

fn iso(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn year_month_zh(day: i64) -> String {
    let (y, m, _) = civil_from_days(day);
    format!("{y}年{m}月")
}

// ---------------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------------

fn person(rng: &mut Rng, region: &str) -> String {
    let people = &data().people;
    if region.starts_with("63") && rng.chance(15) {
        return rng.pick(&people.tibetan_names).to_string();
    }
    format!("{}{}", rng.pick(&people.surnames), rng.pick(&people.given_names))
}

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
fn metrics3(rng: &mut Rng, sub: &Sub) -> Vec<String> {
    let mut idx: Vec<usize> = (0..sub.metrics.len()).collect();
    for i in (1..idx.len()).rev() {
        let j = rng.below(i + 1);
        idx.swap(i, j);
    }
    idx.iter().take(3).map(|&i| metric(rng, &sub.metrics[i])).collect()
}

/// 1-3 distinct modes drawn with weights, in the order of `modes`.
fn pick_modes(rng: &mut Rng, modes: &[(&'static str, u32)]) -> Vec<&'static str> {
    let n = 1 + rng.weighted(&[45, 40, 15]);
    let mut chosen = vec![false; modes.len()];
    let weights: Vec<u32> = modes.iter().map(|m| m.1).collect();
    let mut count = 0;
    while count < n {
        let i = rng.weighted(&weights);
        if !chosen[i] {
            chosen[i] = true;
            count += 1;
        }
    }
    modes.iter().zip(chosen).filter(|(_, c)| *c).map(|(m, _)| m.0).collect()
}

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

fn modes_zh(modes: &[&str]) -> String {
    modes.iter().map(|m| mode_zh(m)).collect::<Vec<_>>().join("、")
}

fn wan(fen: i64) -> i64 {
    fen / FEN_PER_WAN
}

/// True when the title core names a method (技术, 工艺) rather than a product or an activity.
fn is_method(core: &str) -> bool {
    core.ends_with("技术") || core.ends_with("工艺")
}

fn is_activity(core: &str) -> bool {
    data()
        .titles
        .activity_endings
        .iter()
        .any(|e| core.ends_with(e.as_str()))
}

/// Products that are software: their readiness is described in software terms.
fn is_software(core: &str) -> bool {
    let titles = &data().titles;
    let ends = |words: &[String]| words.iter().any(|e| core.ends_with(e.as_str()));
    ends(&titles.software_endings) && !ends(&titles.not_software)
}

fn demand_title(rng: &mut Rng, core: &str) -> String {
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

fn achievement_title(rng: &mut Rng, core: &str, trl: u8) -> String {
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
fn stage_sentence(rng: &mut Rng, sub: &Sub, core: &str, trl: u8) -> String {
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
fn ranked_principles(rng: &mut Rng, sub: &Sub, core: &str) -> Vec<usize> {
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

fn keywords(sub: &Sub, obj: &str, qual: &str, process: &str) -> Vec<String> {
    let trimmed = process
        .strip_suffix("技术")
        .or_else(|| process.strip_suffix("工艺"))
        .unwrap_or(process);
    let process_kw = if trimmed.chars().count() >= 2 { trimmed } else { process };
    let mut out: Vec<String> = Vec::new();
    for k in [obj, process_kw, &sub.name, top_name(top_of(&sub.code)), qual] {
        if !k.is_empty() && !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------------

fn tier_index(sub: &Sub) -> usize {
    usize::from(sub.tier.clamp(1, 3) - 1)
}

// ---------------------------------------------------------------------------------------------------
// IP
// ---------------------------------------------------------------------------------------------------

fn patent_number(rng: &mut Rng, year: i32, kind_digit: u32) -> String {
    let serial = rng.range(10_000, 2_999_999);
    let digits = format!("{year:04}{kind_digit}{serial:07}");
    // Twelve ASCII digits always have a check character.
    let check = crate::patents::check_digit(&digits).unwrap_or('0');
    format!("{digits}.{check}")
}

/// IP for an achievement published in `pub_year`.
fn make_ip(rng: &mut Rng, sub: &Sub, core: &str, pub_year: i32, used: &mut HashSet<String>) -> Vec<DemoIp> {
    let hi = pub_year.clamp(2015, 2025);
    let lo = (hi - 6).max(2015);
    let mut kinds: Vec<&'static str> = Vec::new();
    if is_software(core) {
        kinds.resize(rng.range(1, 3) as usize, "software_copyright");
        if rng.chance(50) {
            kinds.push("invention_patent");
        }
    } else if sub.field_work && rng.chance(25) {
        // Varieties and field practices are often protected otherwise; no patent listed.
    } else {
        kinds.push("invention_patent");
        for _ in 0..rng.weighted(&[40, 40, 20]) {
            let hardware = data().top(top_of(&sub.code)).is_some_and(|t| t.hardware);
            let k = if hardware && rng.chance(15) {
                "design"
            } else if rng.chance(45) {
                "utility_model"
            } else {
                "invention_patent"
            };
            kinds.push(k);
        }
    }
    let mut out = Vec::new();
    for kind in kinds {
        let year = lo + rng.below((hi - lo + 1) as usize) as i32;
        let age = pub_year - year;
        let (number, status) = if kind == "software_copyright" {
            (format!("{year}SR{:07}", rng.range(10_000, 1_999_999)), "granted")
        } else {
            let kind_digit = match kind {
                "invention_patent" => 1,
                "utility_model" => 2,
                _ => 3,
            };
            let granted = match kind {
                "invention_patent" => age >= 4 || (age >= 2 && rng.chance(60)),
                _ => age >= 1 || rng.chance(40),
            };
            (
                patent_number(rng, year, kind_digit),
                if granted { "granted" } else { "applied" },
            )
        };
        if used.insert(number.clone()) {
            out.push(DemoIp { kind, number, status });
        }
    }
    out
}

fn ip_sentence(ip: &[DemoIp]) -> String {
    if ip.is_empty() {
        return "知识产权：以技术秘密和技术规程形式保护，可提供全套技术资料。".to_string();
    }
    let count = |kind: &str, status: &str| ip.iter().filter(|i| i.kind == kind && i.status == status).count();
    let mut parts = Vec::new();
    for (kind, label) in [
        ("invention_patent", "发明专利"),
        ("utility_model", "实用新型专利"),
        ("design", "外观设计专利"),
    ] {
        let granted = count(kind, "granted");
        let applied = count(kind, "applied");
        if granted > 0 {
            parts.push(format!("获授权{label}{granted}项"));
        }
        if applied > 0 {
            parts.push(format!("申请{label}{applied}项"));
        }
    }
    let soft = count("software_copyright", "granted");
    if soft > 0 {
        parts.push(format!("登记软件著作权{soft}项"));
    }
    format!("知识产权：已{}。", parts.join("，"))
}

// ---------------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------------

/// Title parts drawn for a listing.
struct Draw {
    org: usize,
    sub: usize,
    obj: &'static str,
    qual: &'static str,
    process: &'static str,
}

impl Draw {
    fn core(&self) -> String {
        format!("{}{}{}", self.obj, self.qual, self.process)
    }
}

struct Gen {
    rng: Rng,
    today: i64,
    titles: HashSet<String>,
    ip_numbers: HashSet<String>,
}

impl Gen {
    fn draw(&mut self, org: usize) -> Draw {
        let data = data();
        let fields = &data.orgs[org].fields;
        let weights: Vec<u32> = fields.iter().map(|f| top_weight(f)).collect();
        let top = fields[self.rng.weighted(&weights)].as_str();
        let subs: Vec<usize> = (0..data.subs.len())
            .filter(|&i| top_of(&data.subs[i].code) == top)
            .collect();
        let sub = *self.rng.pick(&subs);
        let s = &data.subs[sub];
        Draw {
            org,
            sub,
            obj: self.rng.pick(&s.objs).as_str(),
            qual: self.rng.pick(&s.quals).as_str(),
            process: self.rng.pick(&s.procs).as_str(),
        }
    }

    /// Draws title parts until `make` gives an unused title (changing organization after a while).
    fn unique<F>(&mut self, weights: &[u32], mut make: F) -> (Draw, String)
    where
        F: FnMut(&mut Rng, &Draw) -> String,
    {
        let mut org = self.rng.weighted(weights);
        let mut last = None;
        for attempt in 0..200 {
            if attempt % 20 == 19 {
                org = self.rng.weighted(weights);
            }
            let d = self.draw(org);
            let title = make(&mut self.rng, &d);
            if !self.titles.contains(&title) {
                self.titles.insert(title.clone());
                return (d, title);
            }
            last = Some((d, title));
        }
        last.expect("at least one attempt")
    }

    fn demand(&mut self, weights: &[u32]) -> DemoDemand {
        let (d, title) = self.unique(weights, |rng, d| demand_title(rng, &d.core()));
        let sub = &data().subs[d.sub];
        let spec = &data().orgs[d.org];
        let core = d.core();
        let rng = &mut self.rng;
        let tier = tier_index(sub);
        let ms = metrics3(rng, sub);
        let pain_a = rng.below(sub.pains.len());
        let pain_b = (pain_a + 1) % sub.pains.len();
        let coop_modes = pick_modes(
            rng,
            &[
                ("transfer", 15),
                ("licence", 10),
                ("joint_development", 30),
                ("commissioned_development", 30),
                ("equity", 3),
                ("consulting", 6),
                ("service", 6),
            ],
        );

        let is_challenge = rng.chance(10);
        let published_days_ago = if is_challenge {
            rng.range(0, 45)
        } else {
            rng.range(0, 330)
        };
        let (budget_min_fen, budget_max_fen, negotiable, challenge, deadline_day) = if is_challenge {
            let bounty = *rng.pick(&data().tiers[tier].bounties) * FEN_PER_WAN;
            let closes = self.today + i64::from(rng.range(15, 75));
            let months = *rng.pick(&[12, 18, 24, 36]);
            let usage = rng.pick(&sub.uses);
            let sites = rng.range(1, 3);
            let patents = rng.range(1, 5);
            let goals = format!(
                "围绕{core}开展联合攻关，{months}个月内形成可在{usage}推广应用的成套技术方案，并完成不少于{sites}项现场示范验证。"
            );
            let indicators = format!(
                "1. {}；2. {}；3. {}；4. 申请发明专利不少于{patents}项。",
                ms[0], ms[1], ms[2]
            );
            let challenge = DemoChallenge {
                bounty_fen: bounty,
                goals,
                indicators,
                closes_on: iso(closes),
            };
            (Some(bounty), Some(bounty), false, Some(challenge), closes)
        } else {
            let deadline = self.today + i64::from(rng.range(30, 300));
            if rng.chance(20) {
                (None, None, true, None, deadline)
            } else {
                let (lo, hi) = *rng.pick(&data().tiers[tier].budgets);
                (
                    Some(lo * FEN_PER_WAN),
                    Some(hi * FEN_PER_WAN),
                    rng.chance(15),
                    None,
                    deadline,
                )
            }
        };
        let grade = if is_challenge || (sub.tier >= 2 && rng.chance(20)) {
            "key"
        } else {
            "general"
        };

        let third = match &challenge {
            Some(c) => format!("本需求以“揭榜挂帅”方式公开张榜，榜额{}万元。", wan(c.bounty_fen)),
            None if rng.chance(50) => format!("拟以{}方式开展合作。", modes_zh(&coop_modes)),
            None => String::new(),
        };
        let summary = format!(
            "{}企业现就{core}面向高校、科研院所和科技企业征集解决方案，要求{}。{third}",
            sub.pains[pain_a], ms[0]
        );
        let support = *rng.pick(&[
            "企业可提供现场试验条件和生产运行数据",
            "企业可提供中试场地、原料样品和配套人员",
            "企业可配套研发经费并安排技术骨干全程参与",
            "企业可提供示范应用场景并协助开展工程验证",
        ]);
        let budget_text = match (budget_min_fen, budget_max_fen) {
            (Some(lo), Some(hi)) if lo == hi => format!("项目经费{}万元", wan(lo)),
            (Some(lo), Some(hi)) if negotiable => format!("项目经费{}万—{}万元，可根据方案商议", wan(lo), wan(hi)),
            (Some(lo), Some(hi)) => format!("项目经费{}万—{}万元", wan(lo), wan(hi)),
            _ => "项目经费面议".to_string(),
        };
        let detail = format!(
            "一、需求背景：{}二、技术要求：{}；{}；{}。三、合作条件：{support}，合作方式为{}，{budget_text}，期望于{}前完成技术对接。",
            sub.pains[pain_b],
            ms[0],
            ms[1],
            ms[2],
            modes_zh(&coop_modes),
            year_month_zh(deadline_day)
        );
        let dept = *rng.pick(&["技术中心", "研发部", "生产技术部", "总工办", "科技管理部"]);
        let contact = format!(
            "联系人：{}（{dept}），电话：{}",
            person(rng, &spec.region),
            phone(rng, &spec.region)
        );

        DemoDemand {
            org_key: format!("org-{}", d.org + 1),
            title,
            summary,
            detail,
            contact,
            field_code: sub.code.to_string(),
            keywords: keywords(sub, d.obj, d.qual, d.process),
            coop_modes,
            budget_min_fen,
            budget_max_fen,
            negotiable,
            deadline: iso(deadline_day),
            grade,
            challenge,
            published_days_ago,
        }
    }

    fn achievement(&mut self, weights: &[u32]) -> DemoAchievement {
        let drawn = 3 + self.rng.weighted(&[8, 14, 19, 20, 18, 14, 4]) as u8;
        let (d, title) = self.unique(weights, |rng, d| achievement_title(rng, &d.core(), drawn));
        let core = d.core();
        // Studies and evaluations are research results, not products in mass use.
        let trl = if core.ends_with("研究") || core.ends_with("评价") {
            drawn.min(6)
        } else {
            drawn
        };
        let sub = &data().subs[d.sub];
        let spec = &data().orgs[d.org];
        let research = spec.kind != ENT;
        let published_days_ago = self.rng.range(0, 400);
        let published = self.today - i64::from(published_days_ago);
        let pub_year = civil_from_days(published).0;
        let ip = make_ip(&mut self.rng, sub, &core, pub_year, &mut self.ip_numbers);
        let rng = &mut self.rng;
        let tier = tier_index(sub);
        let ms = metrics3(rng, sub);
        let usage = rng.pick(&sub.uses).as_str();
        let ranked = ranked_principles(rng, sub, &core);
        let (pr_a, pr_b) = (ranked[0], ranked[1]);

        let transfer_modes = if research {
            pick_modes(
                rng,
                &[
                    ("transfer", 30),
                    ("licence", 30),
                    ("equity", 15),
                    ("joint_development", 20),
                    ("use_first_pay_later", 15),
                ],
            )
        } else {
            pick_modes(
                rng,
                &[
                    ("transfer", 35),
                    ("licence", 35),
                    ("equity", 10),
                    ("joint_development", 20),
                ],
            )
        };
        let pricing_method = ["agreement", "listing", "appraisal", "auction"][rng.weighted(&[55, 25, 12, 8])];
        let prices = &data().tiers[tier].prices;
        let price_wan = if trl <= 4 {
            prices[rng.below(prices.len() / 2 + 1)]
        } else if trl >= 7 {
            prices[prices.len() / 3 + rng.below(prices.len() - prices.len() / 3)]
        } else {
            *rng.pick(prices)
        };
        let (price_fen, negotiable) = match pricing_method {
            "agreement" if rng.chance(35) => (None, true),
            "agreement" => (Some(price_wan * FEN_PER_WAN), rng.chance(30)),
            _ => (Some(price_wan * FEN_PER_WAN), false),
        };
        let notice = if pricing_method == "agreement" && price_fen.is_some() && research && rng.chance(70) {
            let from = published + i64::from(rng.range(0, 3).min(published_days_ago));
            Some((iso(from), iso(from + 15)))
        } else {
            None
        };

        let verb = if is_activity(&core) { "完成了" } else { "研发了" };
        let team = if research {
            format!("{}科研团队", spec.name)
        } else {
            format!("{}技术中心", spec.name)
        };
        let summary = format!(
            "{team}面向{usage}需求，{verb}{core}。该成果{}，{}，{}。{}",
            sub.principles[pr_a],
            ms[0],
            ms[1],
            stage_sentence(rng, sub, &core, trl)
        );
        let price_text = match (pricing_method, price_fen) {
            ("listing", Some(p)) => format!("挂牌交易，挂牌价{}万元", wan(p)),
            ("auction", Some(p)) => format!("拍卖交易，起拍价{}万元", wan(p)),
            ("appraisal", Some(p)) => format!("评估作价，评估价值{}万元", wan(p)),
            (_, Some(p)) if negotiable => format!("协议定价，参考价格{}万元，可议价", wan(p)),
            (_, Some(p)) => format!("协议定价，拟交易价格{}万元", wan(p)),
            _ => "协议定价，价格面议".to_string(),
        };
        let notice_text = match &notice {
            Some((from, to)) => format!("，拟交易价格公示期为{from}至{to}"),
            None => String::new(),
        };
        let detail = format!(
            "技术背景：{}技术方案与指标：{}；主要技术指标为{}、{}、{}。{}转化方式：{}；{price_text}{notice_text}。",
            sub.pains[rng.below(sub.pains.len())],
            sub.principles[pr_b],
            ms[0],
            ms[1],
            ms[2],
            ip_sentence(&ip),
            modes_zh(&transfer_modes)
        );
        let contact = if research {
            let title = if spec.kind == UNI {
                *rng.pick(&["教授", "副教授", "教授"])
            } else {
                *rng.pick(&["研究员", "副研究员", "研究员"])
            };
            format!(
                "联系人：{} {title}（项目负责人），电话：{}",
                person(rng, &spec.region),
                phone(rng, &spec.region)
            )
        } else {
            format!(
                "联系人：{}（技术中心），电话：{}",
                person(rng, &spec.region),
                phone(rng, &spec.region)
            )
        };

        DemoAchievement {
            org_key: format!("org-{}", d.org + 1),
            title,
            summary,
            detail,
            contact,
            field_code: sub.code.to_string(),
            keywords: keywords(sub, d.obj, d.qual, d.process),
            trl,
            transfer_modes,
            pricing_method,
            price_fen,
            negotiable,
            notice,
            ip,
            published_days_ago,
        }
    }
}

/// Weight of an organization when drawing the author of a demand (enterprises only).
fn demand_weight(o: &OrgSpec) -> u32 {
    if o.kind != ENT || o.fields.is_empty() {
        return 0;
    }
    match o.region.get(..2).unwrap_or("") {
        "63" => 4,
        "62" | "37" => 3,
        _ => 2,
    }
}

/// Weight of an organization when drawing the owner of an achievement.
fn achievement_weight(o: &OrgSpec) -> u32 {
    if o.fields.is_empty() {
        return 0;
    }
    match (o.kind.as_str(), o.region.get(..2).unwrap_or("")) {
        (ENT, _) => 1,
        (_, "63") => 10,
        _ => 8,
    }
}

/// Generates the demo market for `seed`, with dates relative to `today` (year, month, day).
pub fn market(seed: u64, today: (i32, u32, u32)) -> DemoMarket {
    let data = data();
    let mut gen = Gen {
        rng: Rng::new(seed),
        today: days_from_civil(today.0, today.1, today.2),
        titles: HashSet::new(),
        ip_numbers: HashSet::new(),
    };

    let orgs: Vec<DemoOrg> = data
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| DemoOrg {
            key: format!("org-{}", i + 1),
            kind: o.kind.as_str(),
            name: o.name.clone(),
            region_code: o.region.clone(),
            sme: o.sme,
            tech_sme: o.tech_sme,
            high_tech: o.high_tech,
            user_name: person(&mut gen.rng, &o.region),
            email_local: o.email.clone(),
        })
        .collect();

    let cert_year_hi = today.0.clamp(2019, 2025);
    let brokers: Vec<DemoBroker> = data
        .people
        .brokers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (region, prefix) = (b.region.as_str(), b.certificate_prefix.as_str());
            let year = gen.rng.range(2019, cert_year_hi as u32);
            let serial = gen.rng.range(1, 60) * 100 + i as u32 + 1;
            DemoBroker {
                name: person(&mut gen.rng, region),
                certificate: format!("{prefix}-JJR-{year}-{serial:04}"),
                region_code: region.to_string(),
                email_local: format!("{}jjr{:02}", prefix.to_ascii_lowercase(), i + 1),
            }
        })
        .collect();

    let demand_weights: Vec<u32> = data.orgs.iter().map(demand_weight).collect();
    let achievement_weights: Vec<u32> = data.orgs.iter().map(achievement_weight).collect();
    let n_demands = 240 + gen.rng.below(21);
    let demands: Vec<DemoDemand> = (0..n_demands).map(|_| gen.demand(&demand_weights)).collect();
    let n_achievements = 290 + gen.rng.below(21);
    let achievements: Vec<DemoAchievement> = (0..n_achievements)
        .map(|_| gen.achievement(&achievement_weights))
        .collect();

    let (mut demands, mut achievements) = (demands, achievements);
    let (en_demands, en_achievements) = english_listings(gen.today);
    demands.extend(en_demands);
    achievements.extend(en_achievements);

    DemoMarket {
        orgs,
        brokers,
        demands,
        achievements,
    }
}

/// The key of the organization with this e-mail local part.
fn org_key(email: &str) -> String {
    let i = data().orgs.iter().position(|o| o.email == email).unwrap_or(0);
    format!("org-{}", i + 1)
}

fn strs(items: &'static [String]) -> Vec<&'static str> {
    items.iter().map(String::as_str).collect()
}

/// The listings written in English, as joint labs and international teams post them, so that the
/// demo market answers English queries too. Fixed texts: they draw nothing from the generator.
fn english_listings(today: i64) -> (Vec<DemoDemand>, Vec<DemoAchievement>) {
    let english = &data().english;
    let achievements = english
        .achievement
        .iter()
        .map(|a| DemoAchievement {
            org_key: org_key(&a.org),
            title: a.title.clone(),
            summary: a.summary.clone(),
            detail: format!(
                "{} Technical data, test reports and licence terms are shared after the confidentiality terms are accepted.",
                a.summary
            ),
            contact: "International Technology Transfer Office, +86 532 6678 0000".to_string(),
            field_code: a.field.clone(),
            keywords: a.keywords.clone(),
            trl: a.trl,
            transfer_modes: strs(&a.modes),
            pricing_method: "agreement",
            price_fen: a.price_fen,
            negotiable: a.price_fen.is_none(),
            notice: None,
            ip: Vec::new(),
            published_days_ago: a.published_days_ago,
        })
        .collect();
    let deadline = iso(today + 150);
    let demands = english
        .demand
        .iter()
        .map(|d| DemoDemand {
            org_key: org_key(&d.org),
            title: d.title.clone(),
            summary: d.summary.clone(),
            detail: format!("{} We can host trials at our site and share operating data.", d.summary),
            contact: "Project office, +86 532 8899 0000".to_string(),
            field_code: d.field.clone(),
            keywords: d.keywords.clone(),
            coop_modes: strs(&d.modes),
            budget_min_fen: d.budget_fen,
            budget_max_fen: d.budget_fen,
            negotiable: d.budget_fen.is_none(),
            deadline: deadline.clone(),
            grade: "general",
            challenge: None,
            published_days_ago: d.published_days_ago,
        })
        .collect();
    (demands, achievements)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (i32, u32, u32) = (2025, 7, 15);

    fn regions() -> HashSet<&'static str> {
        include_str!("../data/regions.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .collect()
    }

    fn valid_patent(number: &str) -> bool {
        let Some((digits, check)) = number.split_once('.') else {
            return false;
        };
        digits.len() == 12 && check.len() == 1 && crate::patents::validate_application_number(number).is_ok()
    }

    fn valid_date(s: &str) -> Option<i64> {
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return None;
        }
        let (y, m, d) = (parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?);
        let day = days_from_civil(y, m, d);
        (civil_from_days(day) == (y, m, d)).then_some(day)
    }

    fn unique_ratio<'a>(titles: impl Iterator<Item = &'a String>) -> f64 {
        let all: Vec<&String> = titles.collect();
        let set: HashSet<&String> = all.iter().copied().collect();
        set.len() as f64 / all.len() as f64
    }

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(market(7, TODAY), market(7, TODAY));
        let a = market(7, TODAY);
        let b = market(8, TODAY);
        assert_ne!(a.demands, b.demands);
        assert_ne!(a.achievements, b.achievements);
    }

    #[test]
    fn counts_in_range() {
        for seed in [0, 1, 42, u64::MAX] {
            let m = market(seed, TODAY);
            assert!((55..=70).contains(&m.orgs.len()), "{}", m.orgs.len());
            assert!((10..=15).contains(&m.brokers.len()));
            assert!((243..=263).contains(&m.demands.len()), "{}", m.demands.len());
            assert!((295..=315).contains(&m.achievements.len()), "{}", m.achievements.len());
            let challenges = m.demands.iter().filter(|d| d.challenge.is_some()).count();
            assert!((10..=45).contains(&challenges), "{challenges}");
            assert!(m.achievements.iter().any(|a| a.notice.is_some()));
            for kind in [
                "enterprise",
                "university",
                "research_institute",
                "transfer_platform",
                "transfer_institution",
                "contract_service_point",
            ] {
                assert!(m.orgs.iter().any(|o| o.kind == kind), "{kind}");
            }
        }
    }

    #[test]
    fn region_codes_are_real() {
        let table = regions();
        let m = market(3, TODAY);
        let codes = m
            .orgs
            .iter()
            .map(|o| &o.region_code)
            .chain(m.brokers.iter().map(|b| &b.region_code));
        for code in codes {
            assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert!(table.contains(code.as_str()), "{code} not in regions.tsv");
        }
    }

    #[test]
    fn keys_and_emails_unique() {
        let m = market(5, TODAY);
        let keys: HashSet<&String> = m.orgs.iter().map(|o| &o.key).collect();
        assert_eq!(keys.len(), m.orgs.len());
        let names: HashSet<&String> = m.orgs.iter().map(|o| &o.name).collect();
        assert_eq!(names.len(), m.orgs.len());
        let emails: Vec<&String> = m
            .orgs
            .iter()
            .map(|o| &o.email_local)
            .chain(m.brokers.iter().map(|b| &b.email_local))
            .collect();
        let set: HashSet<&&String> = emails.iter().collect();
        assert_eq!(set.len(), emails.len());
        for e in emails {
            assert!(
                !e.is_empty() && e.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{e}"
            );
        }
        for b in &m.brokers {
            let parts: Vec<&str> = b.certificate.split('-').collect();
            assert_eq!(parts.len(), 4, "{}", b.certificate);
            assert_eq!(parts[1], "JJR");
            assert!(parts[2].len() == 4 && parts[3].len() == 4);
        }
        let certs: HashSet<&String> = m.brokers.iter().map(|b| &b.certificate).collect();
        assert_eq!(certs.len(), m.brokers.len());
        for d in &m.demands {
            let org = m.orgs.iter().find(|o| o.key == d.org_key).expect("demand org");
            assert_eq!(org.kind, "enterprise");
        }
        for a in &m.achievements {
            assert!(m.orgs.iter().any(|o| o.key == a.org_key));
        }
    }

    #[test]
    fn patent_check_digits_valid() {
        // Every demo patent number passes the register's own check (patents.rs, with its worked
        // examples), which the demo's numbers are made with.
        let mut patents = 0;
        for seed in [1, 2, 3] {
            let m = market(seed, TODAY);
            for ip in m.achievements.iter().flat_map(|a| &a.ip) {
                if ip.kind == "software_copyright" {
                    assert_eq!(ip.number.len(), 13, "{}", ip.number);
                    assert_eq!(&ip.number[4..6], "SR");
                    let year: i32 = ip.number[..4].parse().unwrap();
                    assert!((2015..=2025).contains(&year));
                    assert_eq!(ip.status, "granted");
                    continue;
                }
                patents += 1;
                assert!(valid_patent(&ip.number), "{}", ip.number);
                let year: i32 = ip.number[..4].parse().unwrap();
                assert!((2015..=2025).contains(&year), "{}", ip.number);
                let kind = match ip.kind {
                    "invention_patent" => b'1',
                    "utility_model" => b'2',
                    "design" => b'3',
                    other => panic!("{other}"),
                };
                assert_eq!(ip.number.as_bytes()[4], kind, "{}", ip.number);
                assert!(ip.status == "applied" || ip.status == "granted");
            }
        }
        assert!(patents > 300);
    }

    #[test]
    fn money_is_sane() {
        let m = market(11, TODAY);
        for d in &m.demands {
            match (d.budget_min_fen, d.budget_max_fen) {
                (Some(lo), Some(hi)) => {
                    assert!(lo > 0 && lo <= hi, "{lo} {hi}");
                    assert!(lo >= 10 * FEN_PER_WAN && hi <= 2000 * FEN_PER_WAN);
                    assert_eq!(lo % FEN_PER_WAN, 0);
                }
                (None, None) => assert!(d.negotiable),
                _ => panic!("half a budget"),
            }
            if let Some(c) = &d.challenge {
                assert!((50 * FEN_PER_WAN..=500 * FEN_PER_WAN).contains(&c.bounty_fen));
                assert_eq!(d.grade, "key");
                assert!(!c.goals.is_empty() && !c.indicators.is_empty());
                assert!(valid_date(&c.closes_on).unwrap() > days_from_civil(TODAY.0, TODAY.1, TODAY.2));
            }
        }
        for a in &m.achievements {
            match a.price_fen {
                Some(p) => assert!((10 * FEN_PER_WAN..=2000 * FEN_PER_WAN).contains(&p)),
                None => assert!(a.negotiable && a.pricing_method == "agreement"),
            }
        }
    }

    #[test]
    fn titles_unique_and_chinese() {
        for seed in [0, 9, 1234] {
            let m = market(seed, TODAY);
            let d = unique_ratio(m.demands.iter().map(|d| &d.title));
            let a = unique_ratio(m.achievements.iter().map(|a| &a.title));
            let all = unique_ratio(
                m.demands
                    .iter()
                    .map(|d| &d.title)
                    .chain(m.achievements.iter().map(|a| &a.title)),
            );
            assert!(d >= 0.95 && a >= 0.95 && all >= 0.95, "{d} {a} {all}");
            // Every title is Chinese but those of the few English listings.
            let english = m
                .demands
                .iter()
                .map(|d| &d.title)
                .chain(m.achievements.iter().map(|a| &a.title))
                .filter(|t| t.is_ascii())
                .count();
            assert_eq!(english, 8);
        }
    }

    #[test]
    fn fields_codes_and_text() {
        let field_codes = field_codes();
        let codes: HashSet<&str> = field_codes.iter().copied().collect();
        assert_eq!(codes.len(), field_codes.len());
        for s in &data().subs {
            assert!(codes.contains(s.code.as_str()), "{}", s.code);
            assert!(codes.contains(top_of(&s.code)), "{}", s.code);
            assert!(s.metrics.len() >= 3 && s.pains.len() >= 2 && s.principles.len() >= 2 && !s.uses.is_empty());
            for text in s.uses.iter().chain(&s.pains).chain(&s.principles) {
                assert!(!text.contains("中试"), "{text}");
            }
        }
        for o in &data().orgs {
            for f in &o.fields {
                assert!(codes.contains(f.as_str()), "{f}");
            }
        }
        let m = market(21, TODAY);
        let today = days_from_civil(TODAY.0, TODAY.1, TODAY.2);
        for d in &m.demands {
            assert!(codes.contains(d.field_code.as_str()));
            assert!(!d.keywords.is_empty() && !d.coop_modes.is_empty());
            if d.title.is_ascii() {
                continue;
            }
            assert!((2..=4).contains(&d.summary.matches('。').count()), "{}", d.summary);
            assert!((2..=4).contains(&d.detail.matches('。').count()), "{}", d.detail);
            assert!(valid_date(&d.deadline).unwrap() > today);
        }
        for a in &m.achievements {
            assert!(codes.contains(a.field_code.as_str()));
            assert!((3..=9).contains(&a.trl));
            if a.title.is_ascii() {
                continue;
            }
            let text = format!("{}{}", a.summary, a.detail);
            if text.contains("中试") {
                assert!((5..=6).contains(&a.trl), "{} {}", a.trl, a.summary);
            }
            assert!((2..=4).contains(&a.summary.matches('。').count()), "{}", a.summary);
            assert!((2..=4).contains(&a.detail.matches('。').count()), "{}", a.detail);
            if let Some((from, to)) = &a.notice {
                assert_eq!(valid_date(to).unwrap() - valid_date(from).unwrap(), 15);
                assert_eq!(a.pricing_method, "agreement");
            }
        }
    }

    #[test]
    fn any_today_works() {
        for today in [(2024, 2, 29), (2026, 12, 31), (2030, 1, 1)] {
            let m = market(99, today);
            let day = days_from_civil(today.0, today.1, today.2);
            for d in &m.demands {
                assert!(valid_date(&d.deadline).unwrap() > day);
            }
            for ip in m.achievements.iter().flat_map(|a| &a.ip) {
                let year: i32 = ip.number[..4].parse().unwrap();
                assert!(year <= today.0);
            }
        }
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for day in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(iso(days_from_civil(2024, 2, 28) + 1), "2024-02-29");
        assert_eq!(iso(days_from_civil(2025, 12, 31) + 1), "2026-01-01");
    }
}

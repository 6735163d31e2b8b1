//! The generated listings: each need and achievement drawn from an organization's fields and the
//! vocabulary of a sub-field, with its title, texts, modes, money, dates and IP.

use std::collections::HashSet;

use super::data::{data, OrgSpec, Sub};
use super::dates::{civil_from_days, iso, year_month_zh};
use super::ip::{ip_sentence, make_ip};
use super::rng::Rng;
use super::text::{
    achievement_title, contact, demand_title, is_activity, keywords, metrics3, modes_zh, ranked_principles,
    stage_sentence,
};
use super::{DemoAchievement, DemoChallenge, DemoDemand, FEN_PER_WAN};
use crate::fields::family;

use crate::vocabulary::OrgKind;
const ENT: OrgKind = OrgKind::Enterprise;
const UNI: OrgKind = OrgKind::University;

/// How much of the market a top-level field gets when an organization works in several.
fn top_weight(top: &str) -> u32 {
    data().top(top).map_or(1, |t| t.weight)
}

/// The index in `money.toml` of a sub-field's tier.
fn tier_index(sub: &Sub) -> usize {
    usize::from(sub.tier.clamp(1, 3) - 1)
}

/// Fen in whole 万元.
fn wan(fen: i64) -> i64 {
    fen / FEN_PER_WAN
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

/// The state of one generation: the random stream, today, and the titles and IP numbers used.
pub(super) struct Gen {
    pub(super) rng: Rng,
    /// Days since 1970-01-01.
    pub(super) today: i64,
    titles: HashSet<String>,
    ip_numbers: HashSet<String>,
}

impl Gen {
    pub(super) fn new(seed: u64, today: i64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            today,
            titles: HashSet::new(),
            ip_numbers: HashSet::new(),
        }
    }

    fn draw(&mut self, org: usize) -> Draw {
        let data = data();
        let fields = &data.orgs[org].fields;
        let weights: Vec<u32> = fields.iter().map(|f| top_weight(f)).collect();
        let top = fields[self.rng.weighted(&weights)].as_str();
        let subs: Vec<usize> = (0..data.subs.len())
            .filter(|&i| family(&data.subs[i].code) == top)
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

    pub(super) fn demand(&mut self, weights: &[u32]) -> DemoDemand {
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
        let contact = contact(rng, &spec.region, &format!("（{dept}）"));

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

    pub(super) fn achievement(&mut self, weights: &[u32]) -> DemoAchievement {
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
            contact(rng, &spec.region, &format!(" {title}（项目负责人）"))
        } else {
            contact(rng, &spec.region, "（技术中心）")
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
pub(super) fn demand_weight(o: &OrgSpec) -> u32 {
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
pub(super) fn achievement_weight(o: &OrgSpec) -> u32 {
    if o.fields.is_empty() {
        return 0;
    }
    match (o.kind, o.region.get(..2).unwrap_or("")) {
        (ENT, _) => 1,
        (_, "63") => 10,
        _ => 8,
    }
}

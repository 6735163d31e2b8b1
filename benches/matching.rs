//! The matcher: its quality on the labelled set, and the time to match one new need at scale.
//!
//! 1. `tests/data/match-pairs.toml` (written before the matcher was tuned): every labelled
//!    achievement, plus the demo market's achievements as distractors, goes into an embedded index;
//!    each labelled need is matched the way the server does it (candidates from the engine, then
//!    the pure score) and the rank of its right achievement gives the mean reciprocal rank and the
//!    recall at 1, 5 and 10.
//! 2. N achievements (the demo market's texts recombined) go into an embedded index, and new needs
//!    are matched against them: candidates plus scoring, timed per need.
//!
//! ```text
//! cargo bench --bench matching                          # 100,000 achievements
//! cargo bench --bench matching -- --achievements 1000000
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Deserialize;
use techmarket::index::embedded::EmbeddedEngine;
use techmarket::index::{price_band, Doc, SearchEngine};
use techmarket::matching::{self, Profile};
use techmarket::readiness::Stage;
use techmarket::vocabulary::Kind;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let idx = (sorted.len().saturating_sub(1) * p) / 100;
    sorted[idx.min(sorted.len().saturating_sub(1))]
}

#[derive(Deserialize)]
struct LabelledSet {
    achievement: Vec<LAchievement>,
    demand: Vec<LDemand>,
}

#[derive(Deserialize)]
struct LAchievement {
    id: String,
    title: String,
    summary: String,
    keywords: Vec<String>,
    field_code: String,
    trl: u8,
    transfer_modes: Vec<String>,
    price_yuan: Option<i64>,
}

#[derive(Deserialize)]
struct LDemand {
    id: String,
    title: String,
    summary: String,
    keywords: Vec<String>,
    field_code: String,
    wanted_stage: String,
    coop_modes: Vec<String>,
    budget_max_yuan: Option<i64>,
    right: String,
}

fn doc_of(p: &Profile, kind: &str) -> Doc {
    Doc {
        id: format!("{kind}-{}", p.id),
        kind: kind.into(),
        listing_id: p.id,
        title: p.title.clone(),
        summary: p.summary.clone(),
        keywords: p.keywords.clone(),
        org_name: String::new(),
        field_code: p.field_code.clone(),
        field_family: techmarket::fields::family(&p.field_code).to_string(),
        region_code: "630100".into(),
        region_province: "630000".into(),
        region_prefecture: "630100".into(),
        trl: p.trl,
        modes: p.modes.clone(),
        price_fen: p.amount_fen,
        price_band: price_band(p.amount_fen).into(),
        published_at: p.id,
    }
}

fn demo_achievement_profiles(first_id: i64) -> Vec<Profile> {
    let market = techmarket::demo::market(11, (2026, 11, 24));
    market
        .achievements
        .iter()
        .enumerate()
        .map(|(i, a)| Profile {
            id: first_id + i as i64,
            title: a.title.clone(),
            summary: a.summary.clone(),
            keywords: a.keywords.clone(),
            field_code: a.field_code.clone(),
            trl: Some(a.trl),
            wanted_stage: None,
            modes: a.transfer_modes.iter().map(|m| m.to_string()).collect(),
            amount_fen: if a.negotiable { None } else { a.price_fen },
        })
        .collect()
}

fn labelled_set() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/match-pairs.toml");
    let text = std::fs::read_to_string(path).expect("read the labelled set");
    let set: LabelledSet = toml::from_str(&text).expect("parse the labelled set");
    let dir = std::env::temp_dir().join(format!("techmarket-match-set-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine = EmbeddedEngine::open(&dir).expect("open index");
    let mut numeric: HashMap<String, i64> = HashMap::new();
    let mut pool: HashMap<i64, Profile> = HashMap::new();
    for (i, a) in set.achievement.iter().enumerate() {
        let id = i as i64 + 1;
        numeric.insert(a.id.clone(), id);
        pool.insert(
            id,
            Profile {
                id,
                title: a.title.clone(),
                summary: a.summary.clone(),
                keywords: a.keywords.clone(),
                field_code: a.field_code.clone(),
                trl: Some(a.trl),
                wanted_stage: None,
                modes: a.transfer_modes.clone(),
                amount_fen: a.price_yuan.map(|y| y * 100),
            },
        );
    }
    for p in demo_achievement_profiles(100_000) {
        pool.insert(p.id, p);
    }
    let docs: Vec<Doc> = pool.values().map(|p| doc_of(p, "achievement")).collect();
    engine.upsert(&docs).expect("index");

    let (mut rr_sum, mut at1, mut at5, mut at10, mut in_candidates) = (0.0f64, 0, 0, 0, 0);
    let mut misses = Vec::new();
    for d in &set.demand {
        let p = Profile {
            id: 1,
            title: d.title.clone(),
            summary: d.summary.clone(),
            keywords: d.keywords.clone(),
            field_code: d.field_code.clone(),
            trl: None,
            wanted_stage: Stage::parse(&d.wanted_stage),
            modes: d.coop_modes.clone(),
            amount_fen: d.budget_max_yuan.map(|y| y * 100),
        };
        let right = numeric[&d.right];
        let found = matching::candidates(&engine, Kind::Demand, &p).expect("candidates");
        if found.contains(&right) {
            in_candidates += 1;
        }
        let others: Vec<Profile> = found.iter().filter_map(|id| pool.get(id).cloned()).collect();
        let ranked = matching::rank(Kind::Demand, &p, &others);
        match ranked.iter().position(|(id, _)| *id == right) {
            Some(pos) => {
                let rank = pos + 1;
                rr_sum += 1.0 / rank as f64;
                at1 += usize::from(rank == 1);
                at5 += usize::from(rank <= 5);
                at10 += usize::from(rank <= 10);
                if rank > 1 {
                    misses.push(format!("{} (right at rank {rank})", d.id));
                }
            }
            None => misses.push(format!("{} (right not kept)", d.id)),
        }
    }
    let n = set.demand.len() as f64;
    println!(
        "labelled set: {} needs, {} achievements in the pool ({} labelled, {} demo distractors)",
        set.demand.len(),
        pool.len(),
        set.achievement.len(),
        pool.len() - set.achievement.len()
    );
    println!(
        "  MRR {:.3}; recall@1 {:.3}, recall@5 {:.3}, recall@10 {:.3}; right one among the engine's candidates {:.3}",
        rr_sum / n,
        at1 as f64 / n,
        at5 as f64 / n,
        at10 as f64 / n,
        in_candidates as f64 / n
    );
    println!("  not first: {}", misses.join(", "));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The i-th synthetic achievement: demo texts recombined, fields, levels, modes and prices varied.
fn synthetic(base: &[Profile], i: usize) -> Profile {
    let a = &base[i % base.len()];
    let b = &base[(i * 7919 + 13) % base.len()];
    let cut_a: String = a.title.chars().take(a.title.chars().count() / 2).collect();
    let cut_b: String = b.title.chars().skip(b.title.chars().count() / 2).collect();
    Profile {
        id: i as i64 + 1,
        title: format!("{cut_a}{cut_b}"),
        summary: base[(i * 31) % base.len()].summary.clone(),
        keywords: a.keywords.iter().chain(b.keywords.iter().take(1)).cloned().collect(),
        field_code: if i.is_multiple_of(2) {
            a.field_code.clone()
        } else {
            b.field_code.clone()
        },
        trl: Some((i % 9) as u8 + 1),
        wanted_stage: None,
        modes: vec![["transfer", "licence", "equity", "joint_development"][i % 4].to_string()],
        amount_fen: (!i.is_multiple_of(7)).then(|| ((i % 500) as i64 + 1) * 1_000_000),
    }
}

fn at_scale(n: usize) {
    let dir = std::env::temp_dir().join(format!("techmarket-match-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine = EmbeddedEngine::open(&dir).expect("open index");
    let base = demo_achievement_profiles(0);
    let start = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        batch.push(doc_of(&synthetic(&base, i), "achievement"));
        if batch.len() == 10_000 {
            engine.upsert(&batch).expect("index");
            batch.clear();
        }
    }
    if !batch.is_empty() {
        engine.upsert(&batch).expect("index");
    }
    println!("indexed {n} achievements in {:.1} s", start.elapsed().as_secs_f64());

    let market = techmarket::demo::market(11, (2026, 11, 24));
    let mut times = Vec::new();
    let mut kept = 0usize;
    for round in 0..2 {
        for d in &market.demands {
            let p = Profile {
                id: 1,
                title: d.title.clone(),
                summary: d.summary.clone(),
                keywords: d.keywords.clone(),
                field_code: d.field_code.clone(),
                trl: None,
                wanted_stage: techmarket::demo::wanted_stage(d),
                modes: d.coop_modes.iter().map(|m| m.to_string()).collect(),
                amount_fen: if d.negotiable { None } else { d.budget_max_fen },
            };
            let t = Instant::now();
            let found = matching::candidates(&engine, Kind::Demand, &p).expect("candidates");
            // The server reads the candidates' profiles by primary key; here they are rebuilt.
            let others: Vec<Profile> = found.iter().map(|id| synthetic(&base, (*id - 1) as usize)).collect();
            let ranked = matching::rank(Kind::Demand, &p, &others);
            let elapsed = t.elapsed();
            // The first round warms the page cache; the second is measured.
            if round == 1 {
                times.push(elapsed);
                kept += ranked.len().min(matching::KEEP);
            }
        }
    }
    times.sort();
    println!(
        "match one new need against {n} achievements ({} needs): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.1} pairs kept on average",
        times.len(),
        percentile(&times, 50).as_secs_f64() * 1000.0,
        percentile(&times, 99).as_secs_f64() * 1000.0,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        kept as f64 / times.len().max(1) as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // `cargo test --all-targets` runs benches once without `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("run with `cargo bench` to measure");
        return;
    }
    labelled_set();
    let n: usize = arg("--achievements").and_then(|s| s.parse().ok()).unwrap_or(100_000);
    if n > 0 {
        at_scale(n);
    }
}

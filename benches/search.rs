//! Search at scale on the embedded engine: indexes N listings (the demo market's texts, recombined so
//! that titles vary), then times queries straight against the engine (what the server spends on a
//! search, facets included) and reports the index's size on disk.
//!
//!     cargo bench --bench search                      # 100,000 listings
//!     cargo bench --bench search -- --docs 1000000

use std::time::{Duration, Instant};

use techmarket::index::embedded::EmbeddedEngine;
use techmarket::index::{price_band, Doc, Query, SearchEngine};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        dir_size(&path)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let idx = (sorted.len().saturating_sub(1) * p) / 100;
    sorted[idx.min(sorted.len().saturating_sub(1))]
}

fn main() {
    // `cargo test --all-targets` runs benches once without `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("run with `cargo bench` to measure");
        return;
    }
    let n: usize = arg("--docs").and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("techmarket-search-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine = EmbeddedEngine::open(&dir).expect("open index");
    let market = techmarket::demo::market(11, (2026, 11, 24));
    let titles: Vec<&str> = market
        .demands
        .iter()
        .map(|d| d.title.as_str())
        .chain(market.achievements.iter().map(|a| a.title.as_str()))
        .collect();
    let summaries: Vec<&str> = market
        .demands
        .iter()
        .map(|d| d.summary.as_str())
        .chain(market.achievements.iter().map(|a| a.summary.as_str()))
        .collect();
    let regions = ["630000", "620000", "370000", "110000", "310000", "320000", "440000"];
    let start = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let t = titles[i % titles.len()];
        // Recombine halves of two titles so that the collection is not just copies.
        let other = titles[(i * 7919 + 13) % titles.len()];
        let cut_a: String = t.chars().take(t.chars().count() / 2).collect();
        let cut_b: String = other.chars().skip(other.chars().count() / 2).collect();
        let kind = if i % 2 == 0 { "demand" } else { "achievement" };
        // One listing in ten is in English.
        let english = i % 10 == 3;
        let price = if i % 9 == 0 {
            None
        } else {
            Some(((i % 500) as i64 + 1) * 1_000_000)
        };
        batch.push(Doc {
            id: format!("{kind}-{i}"),
            kind: kind.into(),
            listing_id: i as i64,
            title: if english {
                [
                    "Lithium extraction adsorbent",
                    "Hydrogen fuel cell stack",
                    "Perovskite solar module",
                    "Yak milk powder process",
                ][(i / 10) % 4]
                    .to_string()
                    + &format!(" {i}")
            } else {
                format!("{cut_a}{cut_b}")
            },
            summary: if english {
                "A process ready for licensing, proven in a pilot plant on the Qinghai plateau.".to_string()
            } else {
                summaries[(i * 31) % summaries.len()].to_string()
            },
            keywords: Vec::new(),
            org_name: "青海大学".into(),
            field_code: "lithium.brine".into(),
            field_family: ["lithium", "salt_lake", "hydrogen", "new_materials", "ecology"][i % 5].into(),
            region_code: regions[i % regions.len()].into(),
            region_province: regions[i % regions.len()].into(),
            region_prefecture: regions[i % regions.len()].into(),
            trl: (kind == "achievement").then_some((i % 9) as u8 + 1),
            modes: vec![["transfer", "licence", "joint_development"][i % 3].to_string()],
            price_fen: price,
            price_band: price_band(price).into(),
            published_at: i as i64,
        });
        if batch.len() == 10_000 {
            engine.upsert(&batch).expect("index");
            batch.clear();
        }
    }
    if !batch.is_empty() {
        engine.upsert(&batch).expect("index");
    }
    let indexed = start.elapsed();
    println!(
        "indexed {n} listings in {:.1} s; index size on disk {:.1} MB",
        indexed.as_secs_f64(),
        dir_size(&dir) as f64 / 1e6
    );
    let queries: Vec<(&str, Query)> = vec![
        (
            "提锂 (two characters)",
            Query {
                text: "提锂".into(),
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "锂 (one common character)",
            Query {
                text: "锂".into(),
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "吸附剂 (a three-character word)",
            Query {
                text: "吸附剂".into(),
                limit: 20,
                ..Default::default()
            },
        ),
        ("储能 + province filter", {
            let mut q = Query {
                text: "储能".into(),
                limit: 20,
                ..Default::default()
            };
            q.filters.insert("region_province".into(), "630000".into());
            q
        }),
        (
            "English words (hydrogen fuel cell)",
            Query {
                text: "hydrogen fuel cell".into(),
                limit: 20,
                ..Default::default()
            },
        ),
        ("empty query, kind filter, page 5", {
            let mut q = Query {
                limit: 20,
                offset: 80,
                ..Default::default()
            };
            q.filters.insert("kind".into(), "achievement".into());
            q
        }),
    ];
    for (label, q) in &queries {
        let _ = engine.search(q);
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..50 {
            let t = Instant::now();
            let r = engine.search(q).expect("search");
            times.push(t.elapsed());
            total = r.total;
        }
        times.sort();
        println!(
            "{label:<36} hits={total:<8} p50={:>7.2} ms  p99={:>7.2} ms",
            percentile(&times, 50).as_secs_f64() * 1000.0,
            percentile(&times, 99).as_secs_f64() * 1000.0
        );
    }
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

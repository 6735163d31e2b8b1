//! Rewards at national scale.
//!
//! 1. **The command**: a national year (700,000 contracts among 50,000 parties by default, drawn
//!    from a fixed seed over the regions and kinds the catalogue cares about) written as a scenario
//!    file and evaluated by `techmarket rewards evaluate FILE`, the release binary; the wall time of
//!    the whole run (reading, checking, evaluating, printing) is reported.
//! 2. **The database path**: the same register imported into a fresh SQLite database (or a new
//!    database on the PostgreSQL server of `BENCH_DATABASE_URL`, analyzed), recomputed once into
//!    the ledger; then, for contracts drawn at random, one payment is recorded and the
//!    recomputation the worker runs for it (`awards::run_jobs`) is timed (five to warm up, fifty
//!    timed).
//!
//! ```text
//! cargo bench --bench rewards                                  # 700,000 contracts, 50,000 parties
//! cargo bench --bench rewards -- --contracts 70000 --parties 5000
//! cargo bench --bench rewards -- --skip-db                     # the command only
//! cargo bench --bench rewards -- --skip-db --keep              # … and keep the scenario file
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench rewards
//! ```

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::prelude::*;
use techmarket::awards::{self, import};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const REGIONS: &[&str] = &[
    "630102", "630103", "630104", "630105", "630121", "632801", "632802", "630202", "620102", "620103", "620402",
    "370202", "370212", "370214", "110108", "310110", "440305", "320115", "330108", "510107",
];

const KINDS: &[&str] = &["development", "transfer", "licence", "consulting", "service"];

fn day(rng: &mut Rng, year: i32, up_to_month: u32) -> String {
    let m = 1 + rng.below(u64::from(up_to_month)) as u32;
    let d = 1 + rng.below(28) as u32;
    format!("{year}-{m:02}-{d:02}")
}

/// The scenario of a national year, as JSON text.
fn national_year(contracts: usize, parties: usize) -> String {
    let mut rng = Rng(20_261_124);
    let mut out = String::with_capacity(contracts * 360 + parties * 120);
    out.push_str("{\"as_of\":\"2026-12-31\",\"parties\":[");
    // Kinds in proportion: enterprises, universities and institutes, platforms, institutions,
    // service points, brokers.
    let mut by_kind: Vec<Vec<usize>> = vec![Vec::new(); 7];
    for i in 0..parties {
        let r = rng.below(100);
        let k = match r {
            0..=59 => 0,
            60..=69 => 1,
            70..=79 => 2,
            80..=84 => 3,
            85..=89 => 4,
            90..=92 => 5,
            _ => 6,
        };
        by_kind[k].push(i);
        let kind = [
            "enterprise",
            "university",
            "research_institute",
            "transfer_platform",
            "transfer_institution",
            "contract_service_point",
            "broker",
        ][k];
        let region = REGIONS[rng.below(REGIONS.len() as u64) as usize];
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"id\":\"P{i:06}\",\"kind\":\"{kind}\",\"region\":\"{region}\",\"sme\":{},\"tech_sme\":{},\"aid_partnered\":{}}}",
            rng.chance(40),
            rng.chance(20),
            k == 3 && rng.chance(50)
        );
    }
    out.push_str("],\"contracts\":[");
    let pick = |rng: &mut Rng, v: &[usize]| v[rng.below(v.len() as u64) as usize];
    let sellers: Vec<usize> = by_kind[1]
        .iter()
        .chain(&by_kind[2])
        .chain(&by_kind[3])
        .chain(&by_kind[0][..by_kind[0].len() / 5])
        .copied()
        .collect();
    let middlemen: Vec<usize> = by_kind[3]
        .iter()
        .chain(&by_kind[4])
        .chain(&by_kind[6])
        .copied()
        .collect();
    for i in 0..contracts {
        let kind = KINDS[rng.below(KINDS.len() as u64) as usize];
        let buyer = pick(&mut rng, &by_kind[0]);
        let mut seller = pick(&mut rng, &sellers);
        if seller == buyer {
            seller = pick(&mut rng, &by_kind[1]);
        }
        let inter = if rng.chance(30) {
            format!("\"P{:06}\"", pick(&mut rng, &middlemen))
        } else {
            String::new()
        };
        let amount_yuan = 10_000 + rng.below(4_990_000);
        let items = if rng.chance(20) { rng.below(amount_yuan / 4) } else { 0 };
        let equity_yuan = if kind == "transfer" && rng.chance(5) {
            amount_yuan / 2
        } else {
            0
        };
        let equity = if equity_yuan > 0 {
            format!("\"{equity_yuan}.00\"")
        } else {
            "null".into()
        };
        let registered = day(&mut rng, 2026, 12);
        let through = if rng.chance(10) {
            format!("\"P{:06}\"", pick(&mut rng, &by_kind[5]))
        } else {
            "null".into()
        };
        let mut payments = String::new();
        let n = rng.below(3);
        let mut left = amount_yuan - equity_yuan;
        for p in 0..n {
            let amount = if p + 1 == n { left / 2 } else { left / 3 };
            left -= amount;
            if amount == 0 {
                continue;
            }
            if !payments.is_empty() {
                payments.push(',');
            }
            let _ = write!(
                payments,
                "{{\"on\":\"{}\",\"amount\":\"{amount}.00\",\"voucher\":{}}}",
                day(&mut rng, 2026, 12),
                rng.chance(10)
            );
        }
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"id\":\"C{i:07}\",\"kind\":\"{kind}\",\"patent\":{},\"buyer\":\"P{buyer:06}\",\"seller\":\"P{seller:06}\",\"intermediaries\":[{inter}],\"amount\":\"{amount_yuan}.00\",\"technology_amount\":\"{}.00\",\"equity_amount\":{equity},\"signed_on\":\"2026-01-01\",\"registered_on\":\"{registered}\",\"registered_through\":{through},\"payments\":[{payments}]}}",
            rng.chance(30),
            amount_yuan - items,
        );
    }
    out.push_str("],\"programs\":null,\"budgets\":null}");
    out
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let idx = (sorted.len().saturating_sub(1) * p) / 100;
    sorted[idx.min(sorted.len().saturating_sub(1))]
}

fn main() {
    let contracts: usize = arg("--contracts").and_then(|v| v.parse().ok()).unwrap_or(700_000);
    let parties: usize = arg("--parties").and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let dir = std::env::temp_dir().join(format!("techmarket-bench-rewards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let t = Instant::now();
    let json = national_year(contracts, parties);
    let file = dir.join("national-year.json");
    std::fs::write(&file, &json).expect("write the scenario");
    println!(
        "scenario: {contracts} contracts, {parties} parties, {:.1} MB, written in {:.1} s",
        json.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // 1. The command (the release binary Cargo built for this bench).
    let bin = env!("CARGO_BIN_EXE_techmarket");
    let mut runs = Vec::new();
    let mut awards = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let out = std::process::Command::new(bin)
            .args(["rewards", "evaluate"])
            .arg(&file)
            .output()
            .expect("run techmarket");
        runs.push(t.elapsed());
        assert!(
            out.status.success(),
            "rewards evaluate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the command prints JSON");
        awards = v["awards"].as_array().map(Vec::len).unwrap_or_default();
    }
    runs.sort();
    println!(
        "rewards evaluate (national year): {awards} awards; wall time best {:.2} s, median {:.2} s (3 runs)",
        runs[0].as_secs_f64(),
        runs[1].as_secs_f64()
    );
    if flag("--skip-db") {
        if flag("--keep") {
            println!("kept: {}", file.display());
        } else {
            let _ = std::fs::remove_dir_all(&dir);
        }
        return;
    }

    // 2. The database path.
    let (url, admin) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(admin) => {
            let name = format!("tm_bench_{}", std::process::id());
            let mut c = diesel::PgConnection::establish(&admin).expect("BENCH_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .expect("create database");
            let cut = admin.rfind('/').expect("a database in the url");
            (format!("{}/{name}", &admin[..cut]), Some((admin, name)))
        }
        Err(_) => (dir.join("bench.sqlite3").to_string_lossy().into_owned(), None),
    };
    let pool = techmarket::db::connect(&url, 2).expect("database");
    techmarket::db::migrate(&pool).expect("migrate");
    let mut conn = pool.get().expect("connection");
    awards::seed_policies(&mut conn).expect("policies");
    let scenario = techmarket::rewards::parse_scenario(&json).expect("scenario");
    drop(json);
    let t = Instant::now();
    let ids = techmarket::db::write_tx(&mut conn, |conn| import::import(conn, &scenario, "bench")).expect("import");
    println!(
        "database ({}): imported in {:.1} s",
        if admin.is_some() { "PostgreSQL" } else { "SQLite" },
        t.elapsed().as_secs_f64()
    );
    if admin.is_some() {
        // A register of that size in service has its planner statistics.
        diesel::sql_query("ANALYZE").execute(&mut conn).expect("analyze");
    }
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
    let t = Instant::now();
    let first = awards::recompute(&mut conn, awards::Scope::All, "recompute", as_of).expect("recompute");
    println!(
        "recompute everything: {} entries posted in {:.1} s",
        first.posted,
        t.elapsed().as_secs_f64()
    );

    let mut rng = Rng(7);
    let all: Vec<i64> = ids.contracts.values().copied().collect();
    let user: i64 = techmarket::schema::users::table
        .select(techmarket::schema::users::id)
        .first(&mut conn)
        .expect("user");
    let proof: i64 = techmarket::schema::files::table
        .select(techmarket::schema::files::id)
        .first(&mut conn)
        .expect("file");
    let mut times = Vec::new();
    let mut posted = 0;
    // Five payments to warm the caches, then fifty timed.
    for round in 0..55 {
        let k = all[rng.below(all.len() as u64) as usize];
        use techmarket::schema::contract_payments as cp;
        let org: i64 = techmarket::schema::contracts::table
            .find(k)
            .select(techmarket::schema::contracts::buyer_org_id)
            .first(&mut conn)
            .expect("contract");
        techmarket::db::write_tx(&mut conn, |conn| -> Result<(), techmarket::error::AppError> {
            diesel::insert_into(cp::table)
                .values((
                    cp::contract_id.eq(k),
                    cp::paid_on.eq("2026-06-30"),
                    cp::amount_fen.eq(100),
                    cp::proof_file_id.eq(proof),
                    cp::note.eq(""),
                    cp::recorded_by.eq(user),
                    cp::recorded_org.eq(org),
                    cp::created_at.eq(0),
                    cp::voucher.eq(false),
                ))
                .execute(conn)?;
            awards::enqueue(conn, Some(techmarket::ids::ContractId(k)), "payment")
        })
        .expect("payment");
        let t = Instant::now();
        awards::run_jobs(&mut conn, as_of).expect("jobs");
        if round >= 5 {
            times.push(t.elapsed());
            posted += 1;
        }
    }
    times.sort();
    println!(
        "one payment's recomputation ({posted} payments): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&times, 50).as_secs_f64() * 1e3,
        percentile(&times, 99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    drop(conn);
    drop(pool);
    if let Some((admin, name)) = admin {
        let mut c = diesel::PgConnection::establish(&admin).expect("BENCH_DATABASE_URL");
        let _ = diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut c);
    }
    if flag("--keep") {
        println!("kept: {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

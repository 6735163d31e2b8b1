//! Listing pages at scale: fills a fresh database with N published demands and N achievements (the
//! demo market's texts, repeated), starts the real server in-process, and measures the latency of the
//! browse pages (first page, filters, 50 pages deep by keyset) and of detail pages, from a client on
//! loopback (so the figures include HTTP and rendering).
//!
//!     cargo bench --bench listings                       # SQLite, 50,000 + 50,000 listings
//!     cargo bench --bench listings -- --rows 100000      # rows of each kind
//!     cargo bench --bench listings -- --database postgres://postgres@127.0.0.1:5432/test

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use techmarket::app::Application;
use techmarket::config::Config;
use techmarket::db::{self, DbConn};
use techmarket::listings::{self, Placing};
use techmarket::schema::{organizations, users};
use techmarket::seed;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn fill(conn: &mut DbConn, rows: usize) -> QueryResult<()> {
    let market = techmarket::demo::market(7, (2026, 11, 24));
    let t = db::now();
    let mut orgs = Vec::new();
    for o in &market.orgs {
        let id: i64 = diesel::insert_into(organizations::table)
            .values((
                organizations::kind.eq(o.kind),
                organizations::name.eq(&o.name),
                organizations::region_code.eq(&o.region_code),
                organizations::verification.eq(techmarket::vocabulary::Verification::Verified),
                organizations::created_at.eq(t),
            ))
            .returning(organizations::id)
            .get_result(conn)?;
        let uid: i64 = diesel::insert_into(users::table)
            .values((
                users::org_id.eq(id),
                users::email.eq(format!("{}@bench.example", o.email_local)),
                users::name.eq(&o.user_name),
                users::password_hash.eq("x"),
                users::role.eq("enterprise"),
                users::is_admin.eq(true),
                users::created_at.eq(t),
            ))
            .returning(users::id)
            .get_result(conn)?;
        orgs.push((id, uid, o.region_code.clone()));
    }
    let batch = 500;
    let mut i = 0;
    while i < rows {
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for k in i..(i + batch).min(rows) {
                let (org, uid, region) = &orgs[k % orgs.len()];
                let published = t - k as i64;
                let mut content = seed::demand_content(&market.demands[k % market.demands.len()]);
                content.text.title = format!("{} #{k}", content.text.title);
                listings::insert(conn, &Placing::published(*org, *uid, region, published), &content)?;
                let mut content = seed::achievement_content(&market.achievements[k % market.achievements.len()]);
                content.text.title = format!("{} #{k}", content.text.title);
                listings::insert(conn, &Placing::published(*org, *uid, region, published), &content)?;
            }
            Ok(())
        })?;
        i += batch;
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Index arithmetic for a report; no money is involved.
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn measure(agent: &ureq::Agent, base: &str, label: &str, paths: &[String], rounds: usize) {
    let mut times = Vec::new();
    for _ in 0..rounds {
        for p in paths {
            let start = Instant::now();
            let resp = agent.get(&format!("{base}{p}")).call();
            let elapsed = start.elapsed();
            match resp {
                Ok(r) => {
                    let _ = r.into_string();
                }
                Err(e) => panic!("{p}: {e}"),
            }
            times.push(elapsed);
        }
    }
    times.sort();
    println!(
        "{label:<44} n={:<5} p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    );
}

fn next_link(body: &str) -> Option<String> {
    Some(
        body.split("rel=\"next\" href=\"")
            .nth(1)?
            .split('"')
            .next()?
            .replace("&amp;", "&"),
    )
}

fn main() {
    // `cargo test --all-targets` runs benches once without `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("run with `cargo bench` to measure");
        return;
    }
    let rows: usize = arg("--rows").and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let dir = std::env::temp_dir().join(format!("techmarket-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (url, pg) = match arg("--database") {
        Some(admin) if techmarket::config::is_postgres_url(&admin) => {
            let name = format!("tm_bench_{}", std::process::id());
            let mut c = diesel::PgConnection::establish(&admin).expect("postgres");
            use diesel::connection::SimpleConnection;
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create database");
            let cut = admin.rfind('/').expect("database in url");
            (format!("{}/{name}", &admin[..cut]), Some((admin, name)))
        }
        _ => (dir.join("bench.sqlite3").to_string_lossy().into_owned(), None),
    };
    let pool = db::connect(&url, 4).expect("connect");
    db::migrate(&pool).expect("migrate");
    let start = Instant::now();
    {
        let mut conn = pool.get().expect("conn");
        fill(&mut conn, rows).expect("fill");
        use diesel::connection::SimpleConnection;
        // This bench measures the listing pages: the search index is left empty, so that its worker
        // does not index 2 × N listings while the pages are timed (benches/search.rs measures search).
        conn.batch_execute("DELETE FROM search_outbox; ANALYZE")
            .expect("analyze");
    }
    println!(
        "filled {rows} demands + {rows} achievements in {:.1} s ({})",
        start.elapsed().as_secs_f64(),
        if pg.is_some() { "PostgreSQL" } else { "SQLite" }
    );

    let mut values = BTreeMap::new();
    values.insert("DATABASE_URL".to_string(), url.clone());
    values.insert("DATA_DIR".to_string(), dir.to_string_lossy().into_owned());
    values.insert("BIND".to_string(), "127.0.0.1:0".to_string());
    let config = Config::from_values(&values).expect("config");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let sys = actix_web::rt::System::new();
        sys.block_on(async move {
            let app = Application::build(config).expect("app");
            let _ = tx.send(app.port());
            let _ = app.run_until_stopped().await;
        });
    });
    let port = rx.recv().expect("port");
    let base = format!("http://127.0.0.1:{port}");
    let agent = ureq::AgentBuilder::new().build();
    // Warm up.
    for _ in 0..20 {
        let _ = agent.get(&format!("{base}/demands")).call();
    }
    measure(&agent, &base, "GET /demands (first page)", &["/demands".into()], 200);
    measure(
        &agent,
        &base,
        "GET /achievements (first page)",
        &["/achievements".into()],
        200,
    );
    measure(
        &agent,
        &base,
        "GET /demands filtered (field, region, mode)",
        &[
            "/demands?field=lithium&region=630000&mode=transfer".into(),
            "/demands?grade=key&sort=deadline".into(),
            "/demands?min=100万&max=500万&sort=budget".into(),
        ],
        60,
    );
    measure(
        &agent,
        &base,
        "GET /achievements filtered (field, TRL, price)",
        &[
            "/achievements?field=salt_lake&trl_min=4&trl_max=7".into(),
            "/achievements?max=300万&sort=price".into(),
            "/achievements?region=620000&mode=licence".into(),
        ],
        60,
    );
    // Filters that match few or no rows: the worst case for an index walk in date order.
    measure(
        &agent,
        &base,
        "GET filters matching little or nothing",
        &[
            "/achievements?field=aerospace&region=110000&method=auction".into(),
            "/demands?region=110108&mode=equity&grade=key&challenge=1".into(),
            "/achievements?trl_min=9&max=1万&sort=price".into(),
        ],
        60,
    );
    // Fifty pages deep by following the next links.
    let mut deep = Vec::new();
    let mut path = "/achievements".to_string();
    for _ in 0..50 {
        let body = agent
            .get(&format!("{base}{path}"))
            .call()
            .expect("page")
            .into_string()
            .expect("body");
        match next_link(&body) {
            Some(n) => {
                deep.push(n.clone());
                path = n;
            }
            None => break,
        }
    }
    measure(&agent, &base, "GET /achievements pages 2-51 (keyset)", &deep, 4);
    let last = rows as i64;
    let details: Vec<String> = (0..50).map(|i| format!("/demands/{}", 1 + (i * 997) % last)).collect();
    measure(&agent, &base, "GET /demands/{id} (detail)", &details, 4);
    let details: Vec<String> = (0..50)
        .map(|i| format!("/achievements/{}", 1 + (i * 991) % last))
        .collect();
    measure(&agent, &base, "GET /achievements/{id} (detail)", &details, 4);

    if let Some((admin, name)) = pg {
        drop(pool);
        std::thread::sleep(Duration::from_millis(200));
        if let Ok(mut c) = diesel::PgConnection::establish(&admin) {
            use diesel::connection::SimpleConnection;
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

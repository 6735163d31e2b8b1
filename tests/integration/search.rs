//! Search: Chinese and English, facets and highlights, the outbox between the database and the
//! engine, the fallback when the engine is down, two workers on one database, and reindex.
//! With MEILI_URL (and MEILI_MASTER_KEY) set, the app under test uses Meilisearch; otherwise the
//! embedded index.

use crate::both;
use crate::helpers::*;
use techmarket::listings::achievement::AchievementContent;
use techmarket::listings::demand::DemandContent;
use techmarket::listings::Text;

pub fn engine_options() -> Options {
    let mut extra = vec![("SEARCH_POLL_MS", "100".to_string())];
    match std::env::var("MEILI_URL") {
        Ok(url) => {
            extra.push(("MEILI_URL", url));
            if let Ok(k) = std::env::var("MEILI_MASTER_KEY") {
                extra.push(("MEILI_MASTER_KEY", k));
            }
            extra.push(("MEILI_INDEX", unique("tm_test_")));
        }
        Err(_) => eprintln!("SKIPPED on Meilisearch: MEILI_URL is not set; this run uses the embedded index"),
    }
    Options {
        extra,
        ..Default::default()
    }
}

/// Inserts published listings straight through the listing module (which writes the outbox rows).
fn publish(app: &TestApp, items: &[(&str, &str, &str)]) -> Vec<(String, i64)> {
    let pool = techmarket::db::connect(&app.database_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let (org, user): (i64, i64) = {
        use diesel::prelude::*;
        use techmarket::schema::{organizations, users};
        let org = diesel::insert_into(organizations::table)
            .values((
                organizations::kind.eq("university"),
                organizations::name.eq("青海大学"),
                organizations::region_code.eq("630102"),
                organizations::verification.eq(techmarket::vocabulary::Verification::Verified),
                organizations::created_at.eq(1),
            ))
            .returning(organizations::id)
            .get_result(&mut *conn)
            .expect("org");
        let user = diesel::insert_into(users::table)
            .values((
                users::org_id.eq(org),
                users::email.eq(format!("{}@example.cn", unique("u"))),
                users::name.eq("李老师"),
                users::password_hash.eq("x"),
                users::role.eq("institution"),
                users::created_at.eq(1),
            ))
            .returning(users::id)
            .get_result(&mut *conn)
            .expect("user");
        (org, user)
    };
    let mut out = Vec::new();
    for (kind, title, summary) in items {
        let id = if *kind == "demand" {
            let c = DemandContent::new(
                Text::new(title, summary, "", "x", "lithium.brine", ""),
                &["transfer".to_string()],
                None,
                (None, Some(300_000_000), false),
                "2030-01-01",
                None,
            );
            techmarket::listings::insert(
                &mut conn,
                &techmarket::listings::Placing::published(org, user, "630102", techmarket::db::now()),
                &c,
            )
            .expect("demand")
        } else {
            let c = AchievementContent::new(
                Text::new(title, summary, "", "x", "new_materials", ""),
                6,
                &["licence".to_string()],
                "agreement",
                (Some(80_000_000), false),
                None,
            );
            techmarket::listings::insert(
                &mut conn,
                &techmarket::listings::Placing::published(org, user, "630102", techmarket::db::now()),
                &c,
            )
            .expect("achievement")
        };
        out.push((kind.to_string(), id));
    }
    out
}

fn search(c: &Client, q: &str) -> Resp {
    let mut path = String::from("/search?q=");
    for b in q.bytes() {
        path.push_str(&format!("%{b:02X}"));
    }
    c.get(&path)
}

both!(chinese_and_english_queries_find_listings, |db| {
    let app = TestApp::start_with(db, engine_options());
    publish(
        &app,
        &[
            (
                "achievement",
                "盐湖卤水提锂吸附剂制备技术",
                "以铝系吸附剂从低品位卤水中选择性提取锂，已完成中试。",
            ),
            (
                "achievement",
                "Lithium extraction from brine",
                "An adsorbent process for direct lithium extraction.",
            ),
            ("demand", "高原牦牛乳深加工技术需求", "寻求牦牛乳粉和奶酪加工技术。"),
        ],
    );
    let c = app.client();
    let r = wait_for("the index to catch up", 20, || {
        let r = search(&c, "提锂");
        r.body.contains("吸附剂制备技术").then_some(r)
    });
    r.assert_contains("<mark>提锂</mark>");
    assert!(!r.body.contains("牦牛乳深加工"), "提锂 does not find the yak milk need");
    let single = search(&c, "锂");
    single.assert_contains("吸附剂制备技术");
    let en = search(&c, "lithium");
    en.assert_contains("extraction from brine");
    assert!(search(&c, "量子计算机").body.contains("共找到 0 条"));
    // Facets with counts, and a facet filter.
    let all = c.get("/search");
    all.assert_contains("共找到 3 条");
    all.assert_contains("科技成果");
    let only = c.get("/search?kind=demand");
    only.assert_contains("共找到 1 条");
    only.assert_contains("牦牛乳");
    // Awkward input is harmless.
    for q in ["", "%", "\"<script>", "🙂", &"锂".repeat(300)] {
        assert_eq!(search(&c, q).status, 200, "query {q:?}");
    }
});

both!(every_change_reaches_the_index, |db| {
    let app = TestApp::start_with(db, engine_options());
    let ids = publish(
        &app,
        &[(
            "demand",
            "钾肥生产尾矿综合利用技术需求",
            "需要从钾肥尾矿中回收镁、锂资源的技术。",
        )],
    );
    let id = ids[0].1;
    let c = app.client();
    wait_for("indexed", 20, || {
        search(&c, "尾矿").body.contains("综合利用技术需求").then_some(())
    });
    // The officer of the region hides it: it leaves the results.
    let (oe, op) = app.create_officer("630100");
    let off = login(&app, &oe, &op);
    let r = off.post(
        &format!("/demands/{id}"),
        &format!("/officer/demands/{id}/review"),
        &[("action", "hide"), ("reason", "重复发布")],
    );
    assert_eq!(r.status, 303);
    wait_for("removed from the index", 20, || {
        (!search(&c, "尾矿").body.contains("综合利用技术需求")).then_some(())
    });
    wait_for("the outbox to be empty", 20, || {
        (app.count("SELECT COUNT(*) FROM search_outbox WHERE done_at IS NULL") == 0).then_some(())
    });
});

both!(a_stopped_engine_loses_nothing_and_the_page_says_so, |db| {
    // Meilisearch at an address where nothing listens: saving still works, the outbox waits, and
    // the search page answers from the database with a notice.
    let port = free_port();
    let app = TestApp::start_with(
        db,
        Options {
            extra: vec![
                ("MEILI_URL", format!("http://127.0.0.1:{port}")),
                ("MEILI_MASTER_KEY", "test-master-key-0123456789abcdef".to_string()),
                ("SEARCH_POLL_MS", "100".to_string()),
            ],
            ..Default::default()
        },
    );
    publish(
        &app,
        &[(
            "achievement",
            "盐湖卤水提锂吸附剂制备技术",
            "以铝系吸附剂从低品位卤水中选择性提取锂。",
        )],
    );
    wait_for("a failed attempt", 20, || {
        (app.count("SELECT COUNT(*) FROM search_outbox WHERE done_at IS NULL AND attempts > 0") == 1).then_some(())
    });
    let c = app.client();
    let r = search(&c, "提锂");
    assert_eq!(r.status, 200);
    r.assert_contains("搜索服务暂时不可用");
    r.assert_contains("吸附剂制备技术");
    // When a real Meilisearch binary is available, start it on that port: the outbox drains.
    if let Ok(bin) = std::env::var("MEILI_BIN") {
        let dir = std::env::temp_dir().join(unique("meili-"));
        let child = std::process::Command::new(bin)
            .args([
                "--db-path",
                &dir.join("data.ms").to_string_lossy(),
                "--http-addr",
                &format!("127.0.0.1:{port}"),
            ])
            .args([
                "--master-key",
                "test-master-key-0123456789abcdef",
                "--no-analytics",
                "--env",
                "development",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start meilisearch");
        // Stops Meilisearch and removes its data however the test ends.
        struct Guard(std::process::Child, std::path::PathBuf);
        impl Drop for Guard {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
                let _ = std::fs::remove_dir_all(&self.1);
            }
        }
        let _guard = Guard(child, dir);
        wait_for("the outbox to drain once Meilisearch is up", 90, || {
            (app.count("SELECT COUNT(*) FROM search_outbox WHERE done_at IS NULL") == 0).then_some(())
        });
        let r = search(&c, "提锂");
        r.assert_contains("吸附剂制备技术");
        assert!(!r.body.contains("搜索服务暂时不可用"));
    } else {
        eprintln!("SKIPPED the recovery half: MEILI_BIN (a Meilisearch binary) is not set");
    }
});

both!(two_workers_apply_each_outbox_row_once, |db| {
    let app = TestApp::start_with(
        db,
        Options {
            extra: vec![("SEARCH_POLL_MS", "600000".to_string())],
            ..Default::default()
        },
    );
    let items: Vec<(String, String)> = (0..120)
        .map(|i| (format!("储能电池热管理技术{i:03}"), format!("第{i}项成果的简介")))
        .collect();
    let refs: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(t, s)| ("achievement", t.as_str(), s.as_str()))
        .collect();
    // Give the app's own worker no chance: its interval is ten minutes and it already looked once.
    std::thread::sleep(std::time::Duration::from_millis(300));
    publish(&app, &refs);
    let pool = techmarket::db::connect(&app.database_url, 4).expect("pool");
    let engines: Vec<std::sync::Arc<techmarket::index::embedded::EmbeddedEngine>> = (0..2)
        .map(|_| std::sync::Arc::new(techmarket::index::embedded::EmbeddedEngine::in_memory().expect("index")))
        .collect();
    let handles: Vec<_> = engines
        .iter()
        .map(|e| {
            let (e, pool) = (e.clone(), pool.clone());
            std::thread::spawn(move || techmarket::workers::drain_search(&pool, e.as_ref(), 600).expect("drain"))
        })
        .collect();
    let applied: usize = handles.into_iter().map(|h| h.join().expect("worker")).sum();
    assert_eq!(applied, 120, "every row applied once in all");
    use techmarket::search::SearchEngine;
    let counts: Vec<usize> = engines.iter().map(|e| e.count().expect("count")).collect();
    assert_eq!(
        counts.iter().sum::<usize>(),
        120,
        "no document indexed twice: {counts:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM search_outbox WHERE done_at IS NULL"), 0);
});

both!(reindex_rebuilds_from_the_database, |db| {
    let options = engine_options();
    let engine_env = options.extra.clone();
    let on_meili = engine_env.iter().any(|(k, _)| *k == "MEILI_URL");
    let app = TestApp::start_with(db, options);
    publish(
        &app,
        &[
            ("demand", "光伏组件清洗机器人需求", "高原光伏电站组件自动清洗。"),
            ("achievement", "钙钛矿光伏组件封装技术", "提高组件寿命。"),
        ],
    );
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_techmarket"));
    cmd.arg("reindex")
        .env("DATABASE_URL", &app.database_url)
        .env("DATA_DIR", &app.data_dir)
        .env("RUST_LOG", "warn")
        .env_remove("MEILI_URL");
    for (k, v) in &engine_env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("reindex runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    if on_meili {
        // Meilisearch is shared by every process: the command rebuilds it directly.
        assert!(said.contains("rebuilt (meilisearch): 2"), "{said}");
    } else {
        // The running server holds the embedded index: the command queues everything for it.
        assert!(said.contains("queued"), "{said}");
    }
    let c = app.client();
    wait_for("reindexed", 20, || {
        search(&c, "光伏").body.contains("共找到 2 条").then_some(())
    });
    // A rebuild into a fresh index holds every published listing.
    let pool = techmarket::db::connect(&app.database_url, 2).expect("pool");
    let fresh = techmarket::index::embedded::EmbeddedEngine::in_memory().expect("index");
    assert_eq!(techmarket::search::rebuild(&pool, &fresh).expect("rebuild"), 2);
});

//! Matching and the digest: matches with reasons on both listing pages, recomputed when a side
//! changes; one digest per interval at the real SMTP server, with a link that turns it off; saved
//! searches; and a mail server that is down when the digest is written.

use crate::both;
use crate::helpers::*;
use crate::listings::{demand_fields, verified_org};
use techmarket::listings::achievement::AchievementContent;
use techmarket::listings::Text;

/// The search engine of the search tests (Meilisearch when MEILI_URL is set), a real SMTP port,
/// and a digest interval of seconds.
fn options(smtp_port: u16) -> Options {
    let mut o = crate::search::engine_options();
    o.smtp_port = Some(smtp_port);
    o.extra.push(("DIGEST_INTERVAL_SECONDS", "4".to_string()));
    o
}

/// The ids of the user and organization behind an e-mail address; the address is marked verified
/// (digests go to verified addresses only; verification is tested in accounts).
fn user_of(app: &TestApp, email: &str) -> (i64, i64) {
    app.exec(&format!(
        "UPDATE users SET email_verified_at = 1 WHERE email = '{email}'"
    ))
    .expect("verify email");
    let uid = app.count(&format!("SELECT id FROM users WHERE email = '{email}'"));
    let org = app.count(&format!("SELECT org_id FROM users WHERE email = '{email}'"));
    (uid, org)
}

/// Publishes an achievement of an institution straight through the listing module (the form is
/// tested in listings).
fn publish_achievement(
    app: &TestApp,
    who: (i64, i64),
    title: &str,
    summary: &str,
    keywords: &[&str],
    field: &str,
) -> i64 {
    let pool = techmarket::db::connect(&app.database_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let kw: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
    let c = AchievementContent::new(
        Text::new(title, summary, "", "李老师 0971-0000000", field, &kw.join(",")),
        8,
        &["transfer".to_string(), "licence".to_string()],
        "agreement",
        (Some(150_000_000), false),
        None,
    );
    techmarket::listings::insert(
        &mut conn,
        &techmarket::listings::Placing::published(who.1, who.0, "630102", techmarket::db::now()),
        &c,
    )
    .expect("achievement")
}

fn id_from(r: &Resp) -> i64 {
    let l = r.location.clone().expect("redirect");
    l.split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .expect("id")
}

/// An enterprise's need, posted through the form (asking for an industrial-stage result),
/// submitted, and published by the region's officer.
fn published_demand(app: &TestApp, ent: &Client, officer: &Client, title: &str) -> i64 {
    let mut f = demand_fields(title);
    f.push(("wanted_stage", "industrial".to_string()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = ent.post("/demands/new", "/demands/new", &refs);
    assert_eq!(r.status, 303, "{}", r.body);
    let id = id_from(&r);
    ent.get(&format!("/demands/{id}")).assert_contains("产业化阶段");
    let r = ent.post(&format!("/demands/{id}"), &format!("/demands/{id}/submit"), &[]);
    assert_eq!(r.status, 303);
    let r = officer.post(
        &format!("/officer/demands/{id}"),
        &format!("/officer/demands/{id}/review"),
        &[("action", "publish"), ("grade", "general")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM demands WHERE id = {id} AND status = 'published'"
        )),
        1
    );
    id
}

/// The digests a user got (other mails, such as the address verification, are left out).
fn mails_to(sink: &SmtpSink, email: &str) -> Vec<String> {
    sink.mails()
        .into_iter()
        .filter(|m| m.contains(email))
        .filter(|m| m.contains("/digest/off"))
        .collect()
}

both!(matches_show_reasons_follow_changes_and_come_in_one_digest, |db| {
    let port = free_port();
    let sink = SmtpSink::start_on(port);
    let app = TestApp::start_with(db, options(port));
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    user_of(&app, &ent_email);
    let (_inst, inst_email) = verified_org(&app, "university", "630102");
    let inst_user = user_of(&app, &inst_email);
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);

    let answer = publish_achievement(
        &app,
        inst_user,
        "盐湖卤水提锂吸附剂制备技术",
        "铝系锂吸附剂，适用于低品位盐湖卤水提锂，回收率高，已建成千吨级碳酸锂示范线。",
        &["提锂", "吸附剂", "碳酸锂"],
        "lithium",
    );
    let unrelated = publish_achievement(
        &app,
        inst_user,
        "牦牛乳深加工关键技术",
        "牦牛乳粉、奶酪与酸奶的低温加工工艺。",
        &["牦牛乳"],
        "plateau_agriculture",
    );
    let demand = published_demand(&app, &ent, &officer, "盐湖卤水提锂成套技术需求");

    // The need's page lists the answer with its reasons; the unrelated achievement is not there.
    let anon = app.client();
    let page = wait_for("the match on the need's page", 30, || {
        let r = anon.get(&format!("/demands/{demand}"));
        r.body.contains(&format!("/achievements/{answer}")).then_some(r)
    });
    page.assert_contains("匹配的科技成果");
    page.assert_contains("盐湖卤水提锂吸附剂制备技术");
    page.assert_contains("共同关键词");
    page.assert_contains("提锂");
    page.assert_contains("同一技术领域：锂资源与锂电");
    page.assert_contains("成熟度 8 级，符合需求的产业化阶段");
    page.assert_contains("价格 150万元，在预算 300万元 以内");
    page.assert_contains("合作方式一致：技术转让");
    assert!(!page.body.contains(&format!("/achievements/{unrelated}\"")));
    // The achievement's page lists the need; the English page gives the reasons in English.
    let other = anon.get(&format!("/achievements/{answer}"));
    other.assert_contains("匹配的技术需求");
    other.assert_contains(&format!("/demands/{demand}"));
    let en = app.client();
    en.get("/lang/en?next=/");
    en.get(&format!("/demands/{demand}"))
        .assert_contains("Shared key terms");

    // Both owners get one digest with the match, at the real SMTP server.
    let ent_mail = wait_for("the enterprise's digest", 30, || mails_to(&sink, &ent_email).pop());
    assert!(ent_mail.contains("新匹配的 1 条"), "{ent_mail}");
    assert!(ent_mail.contains("盐湖卤水提锂吸附剂制备技术"), "{ent_mail}");
    assert!(ent_mail.contains(&format!("/achievements/{answer}")), "{ent_mail}");
    let inst_mail = wait_for("the institution's digest", 30, || mails_to(&sink, &inst_email).pop());
    assert!(inst_mail.contains("盐湖卤水提锂成套技术需求"), "{inst_mail}");

    // Two more answers arrive at once: no mail per match, one more digest after the interval,
    // with only the new ones.
    let second = publish_achievement(
        &app,
        inst_user,
        "高镁锂比卤水提锂膜分离技术",
        "纳滤膜分离镁锂，适用于高镁锂比盐湖卤水提锂，产出电池级碳酸锂。",
        &["提锂", "膜分离", "碳酸锂"],
        "lithium",
    );
    let third = publish_achievement(
        &app,
        inst_user,
        "盐湖提锂电渗析浓缩技术",
        "电渗析浓缩盐湖卤水中的锂，降低提锂能耗，配套碳酸锂沉淀工艺。",
        &["提锂", "电渗析"],
        "lithium",
    );
    wait_for("the new matches stored", 30, || {
        (app.count(&format!(
            "SELECT COUNT(*) FROM matches WHERE demand_id = {demand} AND achievement_id IN ({second}, {third})"
        )) == 2)
            .then_some(())
    });
    let later = wait_for("the second digest", 40, || {
        let m = mails_to(&sink, &ent_email);
        (m.len() >= 2).then(|| m[1].clone())
    });
    assert_eq!(mails_to(&sink, &ent_email).len(), 2, "one digest for both new matches");
    assert!(later.contains("新匹配的 2 条"), "{later}");
    assert!(later.contains("膜分离") && later.contains("电渗析"), "{later}");
    assert!(
        !later.contains(&format!("/achievements/{answer}")),
        "old matches are not repeated"
    );

    // The link in the mail turns digests off, after a confirmation.
    let off = find_link(&later, "http")
        .filter(|l| l.contains("/digest/off"))
        .or_else(|| {
            later
                .split_whitespace()
                .find(|w| w.contains("/digest/off"))
                .map(|s| s.to_string())
        });
    let off = off.expect("turn-off link");
    let path = &off[off.find("/digest/off").unwrap_or(0)..];
    let confirm = anon.get(path);
    confirm.assert_contains("确认后，您将不再收到");
    let (u, t) = {
        let q = path.split_once('?').map(|x| x.1).unwrap_or("");
        let get = |k: &str| {
            q.split('&')
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .unwrap_or("")
                .to_string()
        };
        (get("u"), get("t"))
    };
    // A forged token changes nothing.
    let bad = anon.post(path, "/digest/off", &[("u", &u), ("t", "0000")]);
    assert_eq!(bad.status, 404);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE email = '{ent_email}' AND digest_enabled"
        )),
        1
    );
    let done = anon.post(path, "/digest/off", &[("u", &u), ("t", &t)]);
    assert_eq!(done.status, 200);
    done.assert_contains("摘要邮件已关闭");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE email = '{ent_email}' AND digest_enabled"
        )),
        0
    );
    ent.get("/digest").assert_contains("摘要邮件已关闭，您不会收到匹配提醒");

    // When the answer is hidden, it leaves the need's matches.
    let r = officer.post(
        &format!("/achievements/{answer}"),
        &format!("/officer/achievements/{answer}/review"),
        &[("action", "hide"), ("reason", "重复发布")],
    );
    assert_eq!(r.status, 303);
    wait_for("the hidden achievement to leave the matches", 30, || {
        (!anon
            .get(&format!("/demands/{demand}"))
            .body
            .contains(&format!("/achievements/{answer}\"")))
        .then_some(())
    });
    wait_for("the hidden achievement's stored matches to go", 30, || {
        (app.count(&format!("SELECT COUNT(*) FROM matches WHERE achievement_id = {answer}")) == 0).then_some(())
    });
});

both!(
    saved_searches_bring_new_listings_in_the_digest_even_after_the_mail_server_was_down,
    |db| {
        // The mail server is down when the digest is written.
        let port = free_port();
        let app = TestApp::start_with(db, options(port));
        let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
        user_of(&app, &ent_email);
        let (_inst, inst_email) = verified_org(&app, "university", "630102");
        let inst_user = user_of(&app, &inst_email);

        // Saving needs a query or a filter; the message says so and nothing is stored.
        let r = ent.post("/search", "/saved-searches", &[("name", "空"), ("q", " ")]);
        assert_eq!(r.status, 200);
        r.assert_contains("请先输入关键词或选择筛选条件");
        assert_eq!(app.count("SELECT COUNT(*) FROM saved_searches"), 0);
        // The search page offers to save what is searched.
        ent.get("/search?q=%E6%B0%A2%E8%83%BD&kind=achievement")
            .assert_contains("保存此搜索");
        let r = ent.post(
            "/search?q=%E6%B0%A2%E8%83%BD&kind=achievement",
            "/saved-searches",
            &[("name", "氢能成果"), ("q", "氢能"), ("kind", "achievement")],
        );
        assert_eq!(r.status, 303);
        let page = ent.get("/digest");
        page.assert_contains("氢能成果");
        page.assert_contains("/search?q=%E6%B0%A2%E8%83%BD&#38;kind=achievement");

        publish_achievement(
            &app,
            inst_user,
            "高原氢能储运安全监测技术",
            "面向高海拔地区的氢能储运安全监测装置，已在示范站运行。",
            &["氢能", "储运"],
            "hydrogen",
        );
        publish_achievement(
            &app,
            inst_user,
            "青稞β-葡聚糖提取技术",
            "从青稞麸皮中提取β-葡聚糖的工艺。",
            &["青稞"],
            "plateau_agriculture",
        );
        // The digest is written to the mail outbox and waits there while the server is down.
        wait_for("the digest in the mail outbox", 40, || {
            (app.count(&format!(
            "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = '{ent_email}' AND subject LIKE '%保存搜索的新信息 1 条%'"
        )) == 1)
                .then_some(())
        });
        wait_for("a failed delivery attempt", 30, || {
            (app.count(&format!(
            "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = '{ent_email}' AND subject LIKE '%保存搜索%' AND attempts > 0 AND sent_at IS NULL"
        )) == 1)
            .then_some(())
        });
        // The mail server comes up: the same digest arrives, once.
        let sink = SmtpSink::start_on(port);
        let mail = wait_for("the digest after the mail server is back", 60, || {
            mails_to(&sink, &ent_email).pop()
        });
        assert!(mail.contains("氢能成果"), "{mail}");
        assert!(mail.contains("高原氢能储运安全监测技术"), "{mail}");
        assert!(!mail.contains("青稞"), "{mail}");
        assert_eq!(mails_to(&sink, &ent_email).len(), 1);

        // A saved search can be deleted by its owner only.
        let sid = app.count("SELECT MAX(id) FROM saved_searches");
        let stranger = verified_org(&app, "enterprise", "630105").0;
        let r = stranger.post("/search", &format!("/saved-searches/{sid}/delete"), &[]);
        assert_eq!(r.status, 404);
        let r = ent.post("/digest", &format!("/saved-searches/{sid}/delete"), &[]);
        assert_eq!(r.status, 303);
        assert_eq!(app.count("SELECT COUNT(*) FROM saved_searches"), 0);
    }
);

both!(digest_routes_for_every_role, |db| {
    let app = TestApp::start(db);
    let (ent, _) = verified_org(&app, "enterprise", "630104");
    let (inst, _) = verified_org(&app, "university", "630102");
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let anon = app.client();
    for (name, c) in [("enterprise", &ent), ("institution", &inst), ("officer", &officer)] {
        assert_eq!(c.get("/digest").status, 200, "GET /digest as {name}");
    }
    assert_eq!(anon.get("/digest").status, 303, "anonymous users are sent to log in");
    let r = anon.post("/login", "/saved-searches", &[("q", "锂")]);
    assert_eq!(r.status, 303);
    assert!(r.location.unwrap_or_default().starts_with("/login"));
    assert_eq!(anon.post("/login", "/digest/settings", &[("enabled", "0")]).status, 303);
    // A turn-off link without a valid token is not found, for everyone.
    for c in [&anon, &ent, &officer] {
        assert_eq!(c.get("/digest/off?u=1&t=abc").status, 404);
        assert_eq!(c.get("/digest/off").status, 404);
    }
    // State changes need the CSRF token.
    assert_eq!(ent.post_raw("/digest/settings", &[("enabled", "0")]).status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE digest_enabled = FALSE"), 0);
    // Turning off and on again from the page.
    let r = ent.post("/digest", "/digest/settings", &[("enabled", "0")]);
    assert_eq!(r.status, 303);
    ent.get("/digest").assert_contains("摘要邮件已关闭，您不会收到匹配提醒");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE digest_enabled = FALSE"), 1);
    ent.post("/digest", "/digest/settings", &[("enabled", "1")]);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE digest_enabled = FALSE"), 0);
});

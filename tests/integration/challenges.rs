//! Open challenges (揭榜挂帅): two institutions submit proposals, the enterprise shortlists, asks,
//! selects one (a deal room opens) and gives the other a reason; a late proposal is refused; and
//! the challenge routes for every role.

use crate::both;
use crate::helpers::*;
use crate::listings::verified_org;
use techmarket::listings::demand::DemandContent;
use techmarket::listings::Text;

/// Publishes a challenge of the enterprise behind `email`, closing in 30 days.
fn publish_challenge(app: &TestApp, email: &str) -> i64 {
    let uid = app.count(&format!("SELECT id FROM users WHERE email = '{email}'"));
    let org = app.count(&format!("SELECT org_id FROM users WHERE email = '{email}'"));
    let pool = techmarket::db::connect(&app.database_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let closes = (chrono::Local::now().date_naive() + chrono::Duration::days(30)).to_string();
    let c = DemandContent::new(
        Text::new(
            "高镁锂比盐湖卤水提锂技术揭榜挂帅",
            "面向全国征集高镁锂比卤水提锂关键技术，要求锂收率不低于85%，吨碳酸锂成本不高于3万元。",
            "",
            "王经理 13800000000",
            "lithium",
            "提锂",
        ),
        &["joint_development".to_string()],
        None,
        (None, Some(500_000_000), false),
        "2030-01-01",
        Some((
            300_000_000,
            "建成千吨级示范线并稳定运行三个月。",
            "锂收率≥85%，吨成本≤3万元。",
            &closes,
        )),
    );
    techmarket::listings::insert(
        &mut conn,
        &techmarket::listings::Placing::published(org, uid, "630104", 1),
        &c,
    )
    .expect("challenge")
}

fn proposal(c: &Client, id: i64, title: &str, approach: &str, price: &str) -> Resp {
    c.post(
        &format!("/demands/{id}/proposals/new"),
        &format!("/demands/{id}/proposals"),
        &[
            ("title", title),
            ("approach", approach),
            ("team", "教授1名、副教授2名、博士后3名"),
            ("milestones", "第1-6个月完成中试；第7-12个月建成示范线。"),
            ("price", price),
        ],
    )
}

const APPROACH: &str = "采用铝系吸附—膜分离耦合工艺，先吸附后纳滤，兼顾收率与能耗，已完成百吨级中试验证。";

both!(
    an_enterprise_runs_a_challenge_with_two_proposals_and_selects_one,
    |db| {
        let app = TestApp::start(db);
        let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
        let (a, _) = verified_org(&app, "university", "630102");
        let (b, _) = verified_org(&app, "research_institute", "630105");
        let id = publish_challenge(&app, &ent_email);
        let page = format!("/demands/{id}");
        a.get(&page).assert_contains("提交揭榜方案");

        // Bad input: each field named, the input kept, nothing stored.
        let r = proposal(&a, id, "吸附膜分离耦合提锂方案", "太短", "-3万");
        assert_eq!(r.status, 422);
        r.assert_contains("吸附膜分离耦合提锂方案");
        r.assert_contains("教授1名、副教授2名、博士后3名");
        assert_eq!(app.count("SELECT COUNT(*) FROM proposals"), 0);
        let r = proposal(&a, id, "吸附膜分离耦合提锂方案", APPROACH, "280万");
        assert_eq!(r.status, 303, "{}", r.body);
        let pa = app.count("SELECT MAX(id) FROM proposals");
        // One proposal per organization.
        assert_eq!(proposal(&a, id, "第二个方案", APPROACH, "200万").status, 400);
        assert_eq!(proposal(&b, id, "电渗析浓缩提锂方案", APPROACH, "260万").status, 303);
        let pb = app.count("SELECT MAX(id) FROM proposals");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%收到揭榜方案%'"),
            2
        );

        // The enterprise sees both, shortlists A and asks it a question; A answers.
        let list = ent.get(&format!("/demands/{id}/proposals"));
        list.assert_contains("吸附膜分离耦合提锂方案");
        list.assert_contains("电渗析浓缩提锂方案");
        list.assert_contains("还有 2 个方案未作决定");
        let pa_page = format!("/proposals/{pa}");
        assert_eq!(
            ent.post(
                &pa_page,
                &format!("/proposals/{pa}/decide"),
                &[("decision", "shortlist")]
            )
            .status,
            303
        );
        assert_eq!(
            ent.post(
                &pa_page,
                &format!("/proposals/{pa}/questions"),
                &[("body", "示范线选址是否可以放在格尔木？")]
            )
            .status,
            303
        );
        assert_eq!(
            a.post(
                &pa_page,
                &format!("/proposals/{pa}/questions"),
                &[("body", "可以，我们在格尔木有合作基地。")]
            )
            .status,
            303
        );
        let p = a.get(&pa_page);
        p.assert_contains("已列入候选");
        p.assert_contains("示范线选址是否可以放在格尔木");
        p.assert_contains("我们在格尔木有合作基地");

        // B is not selected: a reason is required and shown to B.
        let pb_page = format!("/proposals/{pb}");
        let r = ent.post(&pb_page, &format!("/proposals/{pb}/decide"), &[("decision", "reject")]);
        assert_eq!(r.status, 422);
        r.assert_contains("请填写原因");
        let r = ent.post(
            &pb_page,
            &format!("/proposals/{pb}/decide"),
            &[("decision", "reject"), ("reason", "能耗指标高于要求")],
        );
        assert_eq!(r.status, 303);
        let p = b.get(&pb_page);
        p.assert_contains("未选用");
        p.assert_contains("能耗指标高于要求");

        // A is selected: a deal room opens between the two, ready for offers.
        let r = ent.post(&pa_page, &format!("/proposals/{pa}/decide"), &[("decision", "select")]);
        assert_eq!(r.status, 303);
        let deal = app.count(&format!("SELECT id FROM deals WHERE proposal_id = {pa}"));
        assert_eq!(r.location.as_deref(), Some(format!("/deals/{deal}").as_str()));
        let room = a.get(&format!("/deals/{deal}"));
        room.assert_contains("已接洽");
        room.assert_contains("吸附膜分离耦合提锂方案");
        room.assert_contains("报价 / 还价");
        // A decision is final.
        assert_eq!(
            ent.post(&pb_page, &format!("/proposals/{pb}/decide"), &[("decision", "select")])
                .status,
            409
        );
        ent.get(&format!("/demands/{id}/proposals")).assert_contains("已选用");
    }
);

both!(a_proposal_after_the_challenge_closed_is_refused, |db| {
    let app = TestApp::start(db);
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (a, _) = verified_org(&app, "university", "630102");
    let id = publish_challenge(&app, &ent_email);
    app.exec(&format!(
        "UPDATE demands SET challenge_closes_on = '2020-01-01' WHERE id = {id}"
    ))
    .expect("close");
    let page = a.get(&format!("/demands/{id}"));
    page.assert_contains("揭榜已截止");
    assert!(!page.body.contains("/proposals/new"));
    let r = a.post(
        &format!("/demands/{id}"),
        &format!("/demands/{id}/proposals"),
        &[
            ("title", "迟到的方案"),
            ("approach", APPROACH),
            ("team", "教授1名"),
            ("milestones", "第1-6个月完成中试。"),
            ("price", "100万"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("揭榜已于 2020-01-01 截止");
    r.assert_contains("迟到的方案");
    assert_eq!(app.count("SELECT COUNT(*) FROM proposals"), 0);
    // Enterprises do not answer challenges.
    assert_eq!(ent.get(&format!("/demands/{id}/proposals/new")).status, 403);
});

both!(challenge_routes_for_every_role, |db| {
    let app = TestApp::start(db);
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (a, _) = verified_org(&app, "university", "630102");
    let (b, _) = verified_org(&app, "university", "630103");
    let id = publish_challenge(&app, &ent_email);
    assert_eq!(
        proposal(&a, id, "吸附膜分离耦合提锂方案", APPROACH, "280万").status,
        303
    );
    let pa = app.count("SELECT MAX(id) FROM proposals");
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let anon = app.client();
    let names = [
        "enterprise",
        "proposer",
        "other institution",
        "officer",
        "officer elsewhere",
        "anonymous",
    ];
    let clients = [&ent, &a, &b, &officer, &far, &anon];
    let list = format!("/demands/{id}/proposals");
    let new = format!("/demands/{id}/proposals/new");
    let one = format!("/proposals/{pa}");
    let table: Vec<(&str, [u16; 6])> = vec![
        (list.as_str(), [200, 404, 404, 200, 404, 303]),
        (new.as_str(), [403, 200, 200, 403, 403, 303]),
        (one.as_str(), [200, 200, 404, 200, 404, 303]),
    ];
    for (path, expected) in &table {
        for (i, c) in clients.iter().enumerate() {
            assert_eq!(c.get(path).status, expected[i], "GET {path} as {}", names[i]);
        }
    }
    let decide = format!("/proposals/{pa}/decide");
    let ask = format!("/proposals/{pa}/questions");
    let expected_decide = [403, 404, 403, 404, 303];
    let expected_ask = [303, 404, 403, 404, 303];
    for (i, c) in clients.iter().enumerate().skip(1) {
        let from = if names[i] == "anonymous" { "/login" } else { "/demands" };
        let r = c.post(from, &decide, &[("decision", "select")]);
        assert_eq!(r.status, expected_decide[i - 1], "decide as {}", names[i]);
        let r = c.post(from, &ask, &[("body", "一个问题")]);
        assert_eq!(r.status, expected_ask[i - 1], "ask as {}", names[i]);
    }
    assert_eq!(
        ent.post_raw(&decide, &[("decision", "select")]).status,
        403,
        "no CSRF token"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM proposals WHERE status = 'submitted'"),
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM deals"), 0);
});

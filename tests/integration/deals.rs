//! Deals: opened on a match, accepted, negotiated with offers and counter-offers in the deal room,
//! agreed; bad input refused with nothing stored; every deal route for every role; and two people
//! acting on one deal at once.

use crate::both;
use crate::helpers::*;
use crate::listings::{demand_fields, verified_org};
use techmarket::listings::achievement::AchievementContent;
use techmarket::listings::Text;

fn user_of(app: &TestApp, email: &str) -> (i64, i64) {
    app.exec(&format!(
        "UPDATE users SET email_verified_at = 1 WHERE email = '{email}'"
    ))
    .expect("verify email");
    let uid = app.count(&format!("SELECT id FROM users WHERE email = '{email}'"));
    let org = app.count(&format!("SELECT org_id FROM users WHERE email = '{email}'"));
    (uid, org)
}

fn publish_achievement(app: &TestApp, who: (i64, i64), title: &str) -> i64 {
    let pool = techmarket::db::connect(&app.database_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let c = AchievementContent::new(
        Text::new(
            title,
            "铝系锂吸附剂，适用于低品位盐湖卤水提锂，回收率高，已建成千吨级碳酸锂示范线。",
            "",
            "李老师 0971-0000000",
            "lithium",
            "提锂,吸附剂",
        ),
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

fn publish_demand(app: &TestApp, who: (i64, i64), title: &str) -> i64 {
    let _ = demand_fields; // the form itself is tested in listings and matching
    let pool = techmarket::db::connect(&app.database_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let c = techmarket::listings::demand::DemandContent::new(
        Text::new(
            title,
            "我公司需要从低品位盐湖卤水中高效提取碳酸锂的成套技术，要求回收率高、能耗低。",
            "",
            "王经理 13800000000",
            "lithium",
            "提锂,吸附剂",
        ),
        &["transfer".to_string(), "licence".to_string()],
        None,
        (None, Some(300_000_000), false),
        "2030-01-01",
        None,
    );
    techmarket::listings::insert(
        &mut conn,
        &techmarket::listings::Placing::published(who.1, who.0, "630104", techmarket::db::now()),
        &c,
    )
    .expect("demand")
}

fn deal_id(r: &Resp) -> i64 {
    r.location
        .as_deref()
        .and_then(|l| l.split(['?', '#']).next())
        .and_then(|p| p.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a deal redirect, got {} {:?}", r.status, r.location))
}

fn version(app: &TestApp, id: i64) -> String {
    app.count(&format!("SELECT version FROM deals WHERE id = {id}"))
        .to_string()
}

fn status(app: &TestApp, id: i64) -> String {
    let all = [
        "proposed",
        "contacted",
        "negotiating",
        "agreed",
        "declined",
        "withdrawn",
    ];
    all.iter()
        .find(|s| {
            app.count(&format!(
                "SELECT COUNT(*) FROM deals WHERE id = {id} AND status = '{s}'"
            )) == 1
        })
        .map(|s| s.to_string())
        .unwrap_or_default()
}

struct Market {
    app: TestApp,
    buyer: Client,
    buyer_email: String,
    seller: Client,
    seller_email: String,
    demand: i64,
    achievement: i64,
}

fn market(db: Db, smtp: Option<u16>) -> Market {
    let app = TestApp::start_with(
        db,
        Options {
            smtp_port: smtp,
            extra: vec![("SEARCH_POLL_MS", "100".to_string())],
        },
    );
    let (buyer, buyer_email) = verified_org(&app, "enterprise", "630104");
    let b = user_of(&app, &buyer_email);
    let (seller, seller_email) = verified_org(&app, "university", "630102");
    let s = user_of(&app, &seller_email);
    let demand = publish_demand(&app, b, "盐湖卤水提锂成套技术需求");
    let achievement = publish_achievement(&app, s, "盐湖卤水提锂吸附剂制备技术");
    Market {
        app,
        buyer,
        buyer_email,
        seller,
        seller_email,
        demand,
        achievement,
    }
}

/// The buyer opens a deal on the pair and the seller accepts it.
fn opened_and_accepted(m: &Market) -> i64 {
    let new = format!("/deals/new?demand={}&achievement={}", m.demand, m.achievement);
    let r = m.buyer.post(
        &new,
        "/deals",
        &[
            ("demand", &m.demand.to_string()),
            ("achievement", &m.achievement.to_string()),
            ("message", "您好，我们对贵校的提锂吸附剂很感兴趣，希望洽谈技术许可。"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id = deal_id(&r);
    let page = format!("/deals/{id}");
    let v = version(&m.app, id);
    let r = m.seller.post(
        &page,
        &format!("/deals/{id}/respond"),
        &[("decision", "accept"), ("version", &v)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    id
}

fn offer(c: &Client, app: &TestApp, id: i64, price: &str, terms: &str) -> Resp {
    let v = version(app, id);
    c.post(
        &format!("/deals/{id}"),
        &format!("/deals/{id}/offers"),
        &[
            ("price", price),
            ("coop_mode", "licence"),
            ("payment_terms", terms),
            ("licence_scope", "青海省内独占许可，五年"),
            ("version", &v),
        ],
    )
}

both!(a_deal_goes_from_a_match_to_agreed_with_a_counter_offer, |db| {
    let port = free_port();
    let sink = SmtpSink::start_on(port);
    let m = market(db, Some(port));
    let app = &m.app;

    // The owner of the need sees the match and a button to open a deal; the confirmation page
    // repeats why they match.
    let page = wait_for("the match", 30, || {
        let r = m.buyer.get(&format!("/demands/{}", m.demand));
        r.body.contains("发起洽谈").then_some(r)
    });
    page.assert_contains(&format!(
        "/deals/new?demand={}&#38;achievement={}",
        m.demand, m.achievement
    ));
    let new = format!("/deals/new?demand={}&achievement={}", m.demand, m.achievement);
    m.buyer.get(&new).assert_contains("共同关键词");
    // Too short a message: refused, kept, nothing stored.
    let r = m.buyer.post(
        &new,
        "/deals",
        &[
            ("demand", &m.demand.to_string()),
            ("achievement", &m.achievement.to_string()),
            ("message", "你好"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("你好</textarea>");
    assert_eq!(app.count("SELECT COUNT(*) FROM deals"), 0);

    let id = opened_and_accepted(&m);
    let room = format!("/deals/{id}");
    assert_eq!(status(app, id), "contacted");
    m.buyer.get(&room).assert_contains("已接洽");
    // The seller got a mail when the deal was proposed; the buyer when it was accepted.
    wait_for("the proposal mail", 30, || {
        sink.mails()
            .iter()
            .any(|x| x.contains(&m.seller_email) && x.contains("提锂吸附剂很感兴趣"))
            .then_some(())
    });

    // Bad offers: a clear message each, the input kept, nothing stored.
    for (price, terms, message) in [
        ("-5万", "合同签订后一次性支付", "金额"),
        ("1000亿", "合同签订后一次性支付", "技术交易金额最多50亿元"),
        ("abc", "合同签订后一次性支付", "abc"),
        ("100万", "", "此项必填"),
    ] {
        let r = offer(&m.buyer, app, id, price, terms);
        assert_eq!(r.status, 422, "{price} {terms}: {}", r.body);
        r.assert_contains(message);
        r.assert_contains("青海省内独占许可，五年");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM deal_offers"), 0);

    // An offer and a counter-offer; the first is kept as superseded.
    assert_eq!(offer(&m.buyer, app, id, "100万", "合同签订后一次性支付").status, 303);
    assert_eq!(status(app, id), "negotiating");
    assert_eq!(offer(&m.seller, app, id, "150万", "签约付50%，验收后付50%").status, 303);
    let page = m.buyer.get(&room);
    page.assert_contains("已被新报价取代");
    page.assert_contains("150万元");
    page.assert_contains("接受此报价");
    // The seller cannot accept its own offer.
    let latest = app.count(&format!("SELECT MAX(id) FROM deal_offers WHERE deal_id = {id}"));
    let v = version(app, id);
    let r = m.seller.post(
        &room,
        &format!("/deals/{id}/offers/{latest}/accept"),
        &[("version", &v)],
    );
    assert_eq!(r.status, 403);
    // Messages with an attachment, which the other side can open.
    let r = m.seller.post_multipart(
        &room,
        &format!("/deals/{id}/messages"),
        &[("body", "附上吸附剂性能测试报告。")],
        &[("attachment", "report.pdf", PDF)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = m.buyer.get(&room);
    page.assert_contains("附上吸附剂性能测试报告");
    let file = app.count(&format!("SELECT MAX(file_id) FROM deal_messages WHERE deal_id = {id}"));
    let f = m.buyer.get(&format!("/deals/{id}/files/{file}"));
    assert_eq!(f.status, 200);
    assert!(f.body.starts_with("%PDF"));
    // The buyer accepts the counter-offer: agreed.
    let v = version(app, id);
    let r = m.buyer.post(
        &room,
        &format!("/deals/{id}/offers/{latest}/accept"),
        &[("version", &v)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(status(app, id), "agreed");
    assert_eq!(
        app.count(&format!("SELECT agreed_offer_id FROM deals WHERE id = {id}")),
        latest
    );
    let page = m.seller.get(&room);
    page.assert_contains("已达成一致");
    page.assert_contains("接受报价，达成一致");
    // A closed deal takes no messages and no offers.
    let r = m.buyer.post_multipart(
        &room,
        &format!("/deals/{id}/messages"),
        &[("body", "还有一个问题")],
        &[],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("洽谈已结束");
    r.assert_contains("还有一个问题");
    assert_eq!(offer(&m.buyer, app, id, "160万", "一次性支付").status, 409);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM deal_messages WHERE deal_id = {id}")),
        2
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM deal_offers WHERE deal_id = {id}")),
        2
    );
    // Every step is dated and kept.
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM deal_events WHERE deal_id = {id}")),
        5
    );
    // The seller was mailed about the acceptance of its offer.
    wait_for("the agreement mail", 30, || {
        sink.mails()
            .iter()
            .any(|x| x.contains(&m.seller_email) && x.contains("已达成一致"))
            .then_some(())
    });
    // My deals lists it for both.
    m.buyer.get("/deals").assert_contains("盐湖卤水提锂成套技术需求");
    m.seller.get("/deals").assert_contains("已达成一致");
    let _ = &m.buyer_email;
});

both!(
    an_oversized_or_foreign_attachment_is_refused_and_nothing_is_stored,
    |db| {
        let app = TestApp::start_with(
            db,
            Options {
                extra: vec![("MAX_UPLOAD_BYTES", "20000".to_string())],
                ..Default::default()
            },
        );
        let (buyer, buyer_email) = verified_org(&app, "enterprise", "630104");
        let b = user_of(&app, &buyer_email);
        let (seller, seller_email) = verified_org(&app, "university", "630102");
        let s = user_of(&app, &seller_email);
        let m = Market {
            demand: publish_demand(&app, b, "盐湖卤水提锂成套技术需求"),
            achievement: publish_achievement(&app, s, "盐湖卤水提锂吸附剂制备技术"),
            app,
            buyer,
            buyer_email,
            seller,
            seller_email,
        };
        let id = opened_and_accepted(&m);
        let room = format!("/deals/{id}");
        let mut big = PDF.to_vec();
        big.extend(std::iter::repeat_n(b' ', 30_000));
        let r = m.buyer.post_multipart(
            &room,
            &format!("/deals/{id}/messages"),
            &[("body", "请看附件")],
            &[("attachment", "big.pdf", &big)],
        );
        assert_eq!(r.status, 422, "{}", r.body);
        r.assert_contains("文件太大");
        r.assert_contains("请看附件");
        let r = m.buyer.post_multipart(
            &room,
            &format!("/deals/{id}/messages"),
            &[("body", "请看附件")],
            &[("attachment", "x.exe", b"MZ\x90\x00 not a document")],
        );
        assert_eq!(r.status, 422);
        r.assert_contains("文件类型不支持");
        assert_eq!(
            m.app
                .count("SELECT COUNT(*) FROM deal_messages WHERE file_id IS NOT NULL"),
            0
        );
        assert_eq!(m.app.count("SELECT COUNT(*) FROM files WHERE purpose = 'deal'"), 0);
        // The opening message is the only one.
        assert_eq!(
            m.app
                .count(&format!("SELECT COUNT(*) FROM deal_messages WHERE deal_id = {id}")),
            1
        );
    }
);

both!(
    an_enterprise_enquires_about_an_achievement_without_posting_a_need,
    |db| {
        let m = market(db, None);
        let app = &m.app;
        let (other, _) = verified_org(app, "enterprise", "630105");
        let page = format!("/achievements/{}", m.achievement);
        other.get(&page).assert_contains("洽谈此成果");
        assert!(
            !m.seller.get(&page).body.contains("洽谈此成果"),
            "the owner does not enquire"
        );
        let new = format!("/deals/new?achievement={}", m.achievement);
        other.get(&new).assert_contains("盐湖卤水提锂吸附剂制备技术");
        let open = |c: &Client| {
            c.post(
                &new,
                "/deals",
                &[
                    ("demand", ""),
                    ("achievement", &m.achievement.to_string()),
                    ("message", "我们想了解贵校提锂吸附剂的许可条件。"),
                ],
            )
        };
        let r = open(&other);
        assert_eq!(r.status, 303, "{}", r.body);
        let id = deal_id(&r);
        // Asking twice joins the open deal.
        assert_eq!(deal_id(&open(&other)), id);
        assert_eq!(app.count("SELECT COUNT(*) FROM deals WHERE demand_id IS NULL"), 1);
        let room = format!("/deals/{id}");
        let v = version(app, id);
        assert_eq!(
            m.seller
                .post(
                    &room,
                    &format!("/deals/{id}/respond"),
                    &[("decision", "accept"), ("version", &v)]
                )
                .status,
            303
        );
        let page = other.get(&room);
        page.assert_contains("未发布需求，直接洽谈");
        page.assert_contains("报价 / 还价");
        // An institution answers a need directly in the same way; an officer cannot.
        let (inst2, _) = verified_org(app, "research_institute", "630103");
        m.buyer.get(&format!("/demands/{}", m.demand));
        let r = inst2.post(
            &format!("/demands/{}", m.demand),
            "/deals",
            &[
                ("demand", &m.demand.to_string()),
                ("achievement", ""),
                ("message", "我所有成熟的电渗析提锂工艺，可响应贵公司需求。"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM deals WHERE achievement_id IS NULL AND proposal_id IS NULL"),
            1
        );
        let (oe, op) = app.create_officer("630100");
        let officer = login(app, &oe, &op);
        let r = officer.post(
            "/deals",
            "/deals",
            &[
                ("demand", ""),
                ("achievement", &m.achievement.to_string()),
                ("message", "官员不能发起洽谈，这条应被拒绝。"),
            ],
        );
        assert_eq!(r.status, 403);
    }
);

both!(a_declined_deal_gives_its_reason_and_a_new_one_can_follow, |db| {
    let m = market(db, None);
    let app = &m.app;
    let new = format!("/deals/new?demand={}&achievement={}", m.demand, m.achievement);
    let r = m.seller.post(
        &new,
        "/deals",
        &[
            ("demand", &m.demand.to_string()),
            ("achievement", &m.achievement.to_string()),
            ("message", "我校的吸附剂技术可满足贵公司需求，欢迎洽谈。"),
        ],
    );
    let id = deal_id(&r);
    let room = format!("/deals/{id}");
    // The opener cannot accept its own proposal; declining needs a reason.
    let v = version(app, id);
    assert_eq!(
        m.seller
            .post(
                &room,
                &format!("/deals/{id}/respond"),
                &[("decision", "accept"), ("version", &v)]
            )
            .status,
        403
    );
    let r = m.buyer.post(
        &room,
        &format!("/deals/{id}/respond"),
        &[("decision", "decline"), ("version", &v)],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("请填写原因");
    assert_eq!(status(app, id), "proposed");
    let r = m.buyer.post(
        &room,
        &format!("/deals/{id}/respond"),
        &[
            ("decision", "decline"),
            ("reason", "预算已用于其他项目"),
            ("version", &v),
        ],
    );
    assert_eq!(r.status, 303);
    let page = m.seller.get(&room);
    page.assert_contains("对方已拒绝");
    page.assert_contains("预算已用于其他项目");
    // A declined deal does not block a new one on the same pair.
    let r = m.buyer.post(
        &new,
        "/deals",
        &[
            ("demand", &m.demand.to_string()),
            ("achievement", &m.achievement.to_string()),
            ("message", "预算已落实，希望重新洽谈。"),
        ],
    );
    assert_ne!(deal_id(&r), id);
});

both!(deal_routes_for_every_role, |db| {
    let m = market(db, None);
    let app = &m.app;
    let id = opened_and_accepted(&m);
    assert_eq!(offer(&m.seller, app, id, "150万", "一次性支付").status, 303);
    let r = m.seller.post_multipart(
        &format!("/deals/{id}"),
        &format!("/deals/{id}/messages"),
        &[("body", "报告见附件")],
        &[("attachment", "r.pdf", PDF)],
    );
    assert_eq!(r.status, 303);
    let file = app.count(&format!("SELECT MAX(file_id) FROM deal_messages WHERE deal_id = {id}"));
    let offer_id = app.count(&format!("SELECT MAX(id) FROM deal_offers WHERE deal_id = {id}"));

    // A party of another deal, an outsider, officers here and elsewhere, and nobody.
    let (other, other_email) = verified_org(app, "enterprise", "630105");
    let o = user_of(app, &other_email);
    let other_demand = publish_demand(app, o, "盐湖提锂工艺优化技术需求");
    // The other deal is opened by a broker the other enterprise commissioned.
    let (broker, broker_org) = crate::brokers::verified_broker(app, "吴经纪", "QH-JJR-2024-0201");
    let f = [
        ("listing_kind", "demand"),
        ("listing_id", &other_demand.to_string()),
        ("broker", &broker_org.to_string()),
    ];
    assert_eq!(other.post("/deals", "/commissions", &f).status, 303);
    let cid = app.count("SELECT MAX(id) FROM commissions");
    assert_eq!(
        broker
            .post(
                "/broker/commissions",
                &format!("/commissions/{cid}/decide"),
                &[("decision", "accept")]
            )
            .status,
        303
    );
    let r = broker.post(
        "/deals",
        "/deals",
        &[
            ("demand", &other_demand.to_string()),
            ("achievement", &m.achievement.to_string()),
            ("message", "受委托希望就提锂吸附剂洽谈合作事宜。"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let (outsider, _) = verified_org(app, "university", "630103");
    let (oe, op) = app.create_officer("630100");
    let officer = login(app, &oe, &op);
    let (fe, fp) = app.create_officer("370200");
    let far = login(app, &fe, &fp);
    let anon = app.client();
    let names = [
        "buyer",
        "seller",
        "other deal's party",
        "other deal's broker",
        "outsider",
        "officer",
        "officer elsewhere",
        "anonymous",
    ];
    let clients = [&m.buyer, &m.seller, &other, &broker, &outsider, &officer, &far, &anon];
    let room = format!("/deals/{id}");
    let attachment = format!("/deals/{id}/files/{file}");
    let table: Vec<(&str, [u16; 8])> = vec![
        ("/deals", [200, 200, 200, 200, 200, 200, 200, 303]),
        (room.as_str(), [200, 200, 404, 404, 404, 200, 404, 303]),
        (attachment.as_str(), [200, 200, 404, 404, 404, 200, 404, 303]),
        ("/deals/999999", [404, 404, 404, 404, 404, 404, 404, 303]),
    ];
    for (path, expected) in &table {
        for (i, c) in clients.iter().enumerate() {
            assert_eq!(c.get(path).status, expected[i], "GET {path} as {}", names[i]);
        }
    }
    // Nobody outside the deal can act on it, and an officer only reads.
    let v = version(app, id);
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/deals/{id}/respond"),
            vec![("decision", "accept"), ("version", &v)],
        ),
        (
            format!("/deals/{id}/offers"),
            vec![
                ("price", "1万"),
                ("coop_mode", "licence"),
                ("payment_terms", "一次性"),
                ("version", &v),
            ],
        ),
        (format!("/deals/{id}/offers/{offer_id}/accept"), vec![("version", &v)]),
        (
            format!("/deals/{id}/withdraw"),
            vec![("reason", "不感兴趣"), ("version", &v)],
        ),
    ];
    for (path, fields) in &posts {
        for (i, c) in clients.iter().enumerate().skip(2) {
            let page = if names[i] == "anonymous" { "/login" } else { "/deals" };
            let r = c.post(page, path, fields);
            let expected = match names[i] {
                "officer" => 403,
                "anonymous" => 303,
                _ => 404,
            };
            assert_eq!(r.status, expected, "POST {path} as {}", names[i]);
        }
    }
    for (i, c) in clients.iter().enumerate().skip(2) {
        let page = if names[i] == "anonymous" { "/login" } else { "/deals" };
        let r = c.post_multipart(page, &format!("/deals/{id}/messages"), &[("body", "x")], &[]);
        let expected = match names[i] {
            "officer" => 403,
            "anonymous" => 303,
            _ => 404,
        };
        assert_eq!(r.status, expected, "message as {}", names[i]);
    }
    // Without the CSRF token, even a party is refused.
    assert_eq!(
        m.buyer
            .post_raw(&format!("/deals/{id}/withdraw"), &[("reason", "x")])
            .status,
        403
    );
    assert_eq!(status(app, id), "negotiating");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM deal_messages WHERE deal_id = {id}")),
        2
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM deal_offers WHERE deal_id = {id}")),
        1
    );
    // A listing's owner may open a deal only on its own listings.
    let r = outsider.post(
        "/deals",
        "/deals",
        &[
            ("demand", &m.demand.to_string()),
            ("achievement", &m.achievement.to_string()),
            ("message", "我们也想参与这个项目的洽谈。"),
        ],
    );
    assert_eq!(r.status, 403);
});

both!(
    accepting_an_offer_while_the_other_side_withdraws_leaves_one_state,
    |db| {
        let m = market(db, None);
        let app = &m.app;
        for round in 0..4 {
            let id = opened_and_accepted(&m);
            assert_eq!(offer(&m.seller, app, id, "150万", "一次性支付").status, 303);
            let offer_id = app.count(&format!("SELECT MAX(id) FROM deal_offers WHERE deal_id = {id}"));
            let room = format!("/deals/{id}");
            let v = version(app, id);
            // Both pages were loaded before either acts.
            let accept_csrf = m.buyer.get(&room).csrf();
            let withdraw_csrf = m.seller.get(&room).csrf();
            let (b, s) = (m.buyer.clone(), m.seller.clone());
            let (v1, v2) = (v.clone(), v.clone());
            let accept = std::thread::spawn(move || {
                b.post_raw(
                    &format!("/deals/{id}/offers/{offer_id}/accept"),
                    &[("version", &v1), ("csrf", &accept_csrf)],
                )
                .status
            });
            let withdraw = std::thread::spawn(move || {
                s.post_raw(
                    &format!("/deals/{id}/withdraw"),
                    &[("reason", "另有合作方"), ("version", &v2), ("csrf", &withdraw_csrf)],
                )
                .status
            });
            let (a, w) = (accept.join().expect("accept"), withdraw.join().expect("withdraw"));
            let mut outcomes = [a, w];
            outcomes.sort();
            assert_eq!(outcomes, [303, 409], "round {round}: accept {a}, withdraw {w}");
            let st = status(app, id);
            let agreed = app.count(&format!(
                "SELECT COUNT(*) FROM deal_events WHERE deal_id = {id} AND action = 'agreed'"
            ));
            let withdrawn = app.count(&format!(
                "SELECT COUNT(*) FROM deal_events WHERE deal_id = {id} AND action = 'withdrawn'"
            ));
            let accepted_offers = app.count(&format!(
                "SELECT COUNT(*) FROM deal_offers WHERE deal_id = {id} AND status = 'accepted'"
            ));
            if a == 303 {
                assert_eq!((st.as_str(), agreed, withdrawn, accepted_offers), ("agreed", 1, 0, 1));
            } else {
                assert_eq!(
                    (st.as_str(), agreed, withdrawn, accepted_offers),
                    ("withdrawn", 0, 1, 0)
                );
            }
            // The loser is told what happened, in words.
            let r = m.buyer.post(
                &room,
                &format!("/deals/{id}/withdraw"),
                &[("reason", "x"), ("version", &v)],
            );
            assert_eq!(r.status, 409);
            r.assert_contains("对方已经更改了这项洽谈");
        }
    }
);

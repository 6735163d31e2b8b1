//! Brokers: a profile with its track record, commissions from listing owners, a commissioned
//! broker opening and working a deal to agreement, the pipeline, and the broker routes per role.

use crate::both;
use crate::helpers::*;
use crate::listings::verified_org;
use techmarket::listings::achievement::AchievementContent;
use techmarket::listings::demand::DemandContent;
use techmarket::listings::Text;

/// Signs up an individual broker and has it verified; returns (client, organization id).
pub fn verified_broker(app: &TestApp, name: &str, cert: &str) -> (Client, i64) {
    let c = app.client();
    let email = format!("{}@example.cn", unique("broker"));
    let r = c.post(
        "/signup/broker",
        "/signup/broker",
        &[
            ("name", name),
            ("certificate", cert),
            ("region_code", "630103"),
            ("email", &email),
            ("password", "a fine passphrase"),
            ("password2", "a fine passphrase"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = c.post("/login", "/login", &[("email", &email), ("password", PASSWORD)]);
    assert_eq!(r.status, 303, "log-in after sign-up");
    let org = app.count(&format!("SELECT org_id FROM users WHERE email = '{email}'"));
    app.exec(&format!(
        "UPDATE organizations SET verification = 'verified' WHERE id = {org}"
    ))
    .expect("verify");
    app.exec(&format!(
        "UPDATE users SET email_verified_at = 1 WHERE email = '{email}'"
    ))
    .expect("verify email");
    (c, org)
}

/// (user id, organization id) of an address.
pub fn ids_of(app: &TestApp, email: &str) -> (i64, i64) {
    (
        app.count(&format!("SELECT id FROM users WHERE email = '{email}'")),
        app.count(&format!("SELECT org_id FROM users WHERE email = '{email}'")),
    )
}

/// A published lithium need of `buyer` and a matching achievement of `seller` ((user, org) each).
pub fn publish_pair(app: &TestApp, buyer: (i64, i64), seller: (i64, i64)) -> (i64, i64) {
    let pool = techmarket::db::connect(&app.database_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let kw = "提锂,吸附剂";
    let modes = vec!["licence".to_string()];
    let d = DemandContent::new(
        Text::new(
            "盐湖卤水提锂成套技术需求",
            "我公司需要从低品位盐湖卤水中高效提取碳酸锂的成套技术，要求回收率高、能耗低。",
            "",
            "王经理 13800000000",
            "lithium",
            kw,
        ),
        &modes,
        None,
        (None, Some(300_000_000), false),
        "2030-01-01",
        None,
    );
    let demand = techmarket::listings::insert(
        &mut conn,
        &techmarket::listings::Placing::published(buyer.1, buyer.0, "630104", 1),
        &d,
    )
    .expect("demand");
    let a = AchievementContent::new(
        Text::new(
            "盐湖卤水提锂吸附剂制备技术",
            "铝系锂吸附剂，适用于低品位盐湖卤水提锂，回收率高，已建成千吨级碳酸锂示范线。",
            "",
            "李老师",
            "lithium",
            kw,
        ),
        8,
        &modes,
        "agreement",
        (Some(150_000_000), false),
        None,
    );
    let ach = techmarket::listings::insert(
        &mut conn,
        &techmarket::listings::Placing::published(seller.1, seller.0, "630102", 1),
        &a,
    )
    .expect("achievement");
    (demand, ach)
}

fn version(app: &TestApp, id: i64) -> String {
    app.count(&format!("SELECT version FROM deals WHERE id = {id}"))
        .to_string()
}

both!(a_commissioned_broker_opens_a_deal_and_works_it_to_agreement, |db| {
    let app = TestApp::start_with(db, Options::quick_search());
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (inst, inst_email) = verified_org(&app, "university", "630102");
    let (broker, broker_org) = verified_broker(&app, "赵经纪", "QH-JJR-2024-0101");
    let (demand, ach) = publish_pair(&app, ids_of(&app, &ent_email), ids_of(&app, &inst_email));

    // The broker's profile: a wrong region code is named and the input kept.
    let r = broker.post(
        "/broker/profile",
        "/broker/profile",
        &[
            ("fields", "lithium"),
            ("fields", "salt_lake"),
            ("regions", "630100, 999999"),
            ("intro", "专注盐湖提锂技术转移"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("未知的行政区划代码“999999”");
    r.assert_contains("专注盐湖提锂技术转移");
    let r = broker.post(
        "/broker/profile",
        "/broker/profile",
        &[
            ("fields", "lithium"),
            ("fields", "salt_lake"),
            ("regions", "630100, 632800"),
            ("intro", "专注盐湖提锂技术转移"),
        ],
    );
    assert_eq!(r.status, 303);
    let profile = app.client().get(&format!("/brokers/{broker_org}"));
    profile.assert_contains("QH-JJR-2024-0101");
    profile.assert_contains("盐湖资源");
    profile.assert_contains("海西蒙古族藏族自治州");
    app.client().get("/brokers").assert_contains("赵经纪");

    // Without a commission the broker cannot open a deal on the need.
    let open = |c: &Client| {
        c.post(
            "/deals",
            "/deals",
            &[
                ("demand", &demand.to_string()),
                ("achievement", &ach.to_string()),
                ("message", "受需求方委托，希望就提锂吸附剂许可进行洽谈。"),
            ],
        )
    };
    assert_eq!(open(&broker).status, 403);

    // The enterprise commissions the broker on its need's page; twice is refused.
    let page = format!("/demands/{demand}");
    ent.get(&page).assert_contains("委托技术经纪人");
    let fields = [
        ("listing_kind", "demand"),
        ("listing_id", &demand.to_string()),
        ("broker", &broker_org.to_string()),
    ];
    let r = ent.post(&page, "/commissions", &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    let r = ent.post(&page, "/commissions", &fields);
    assert_eq!(r.status, 400);
    r.assert_contains("已经委托过这位经纪人");
    // Someone else's listing cannot be commissioned.
    let other = [
        ("listing_kind", "achievement"),
        ("listing_id", &ach.to_string()),
        ("broker", &broker_org.to_string()),
    ];
    assert_eq!(ent.post(&page, "/commissions", &other).status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM commissions"), 1);

    // The broker accepts; now the need's matches offer it the deal button.
    let list = broker.get("/broker/commissions");
    list.assert_contains("盐湖卤水提锂成套技术需求");
    let cid = app.count("SELECT MAX(id) FROM commissions");
    let r = broker.post(
        "/broker/commissions",
        &format!("/commissions/{cid}/decide"),
        &[("decision", "accept")],
    );
    assert_eq!(r.status, 303);
    ent.get(&page).assert_contains("已接受");
    wait_for("the broker to see the match's deal button", 30, || {
        broker.get(&page).body.contains("发起洽谈").then_some(())
    });

    // The broker opens the deal for the buyer; the seller accepts; the broker offers; agreed.
    let r = open(&broker);
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM deals");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM deals WHERE id = {id} AND buyer_broker_org_id = {broker_org}"
        )),
        1
    );
    let room = format!("/deals/{id}");
    let r = inst.post(
        &room,
        &format!("/deals/{id}/respond"),
        &[("decision", "accept"), ("version", &version(&app, id))],
    );
    assert_eq!(r.status, 303);
    let r = broker.post(
        &room,
        &format!("/deals/{id}/offers"),
        &[
            ("price", "120万"),
            ("coop_mode", "licence"),
            ("payment_terms", "签约付30%，投产后付70%"),
            ("version", &version(&app, id)),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let offer = app.count(&format!("SELECT MAX(id) FROM deal_offers WHERE deal_id = {id}"));
    // The principal cannot accept its own broker's offer: it is the same side.
    let r = ent.post(
        &room,
        &format!("/deals/{id}/offers/{offer}/accept"),
        &[("version", &version(&app, id))],
    );
    assert_eq!(r.status, 403);
    let r = inst.post(
        &room,
        &format!("/deals/{id}/offers/{offer}/accept"),
        &[("version", &version(&app, id))],
    );
    assert_eq!(r.status, 303);
    ent.get("/deals").assert_contains("已达成一致");

    // The track record and the pipeline follow from the market's data.
    let profile = app.client().get(&format!("/brokers/{broker_org}"));
    profile.assert_contains("<strong>1</strong>");
    profile.assert_contains("120万元");
    profile.assert_contains("青海盐湖新材料有限公司");
    let board = broker.get("/broker/pipeline");
    board.assert_contains("已达成");
    board.assert_contains(&format!("/deals/{id}"));

    // The contract of the deal, once registered, joins the broker's record.
    let f = id.to_string();
    let r = ent.post(
        &format!("/contracts/new?deal={id}"),
        "/contracts",
        &[
            ("deal", &f),
            ("kind", "licence.ordinary"),
            ("project_name", "盐湖卤水提锂吸附剂技术许可"),
            ("signed_on", "2026-01-01"),
            ("term_from", "2026-01-01"),
            ("term_to", "2028-12-31"),
            ("amount", "120万"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let k = app.count("SELECT MAX(id) FROM contracts");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM contracts WHERE id = {k} AND intermediary_org_id = {broker_org}"
        )),
        1
    );
    let page = format!("/contracts/{k}");
    assert_eq!(broker.get(&page).status, 200, "the deal's broker sees the contract");
    let r = broker.post_multipart(&page, &format!("/contracts/{k}/file"), &[], &[("file", "c.pdf", PDF)]);
    assert_eq!(r.status, 303);
    let v = app
        .count(&format!("SELECT version FROM contracts WHERE id = {k}"))
        .to_string();
    assert_eq!(
        broker
            .post(&page, &format!("/contracts/{k}/submit"), &[("version", &v)])
            .status,
        303
    );
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let v = app
        .count(&format!("SELECT version FROM contracts WHERE id = {k}"))
        .to_string();
    let r = officer.post(
        &page,
        &format!("/officer/contracts/{k}/register"),
        &[("kind", "licence.ordinary"), ("tech_amount", "120万"), ("version", &v)],
    );
    assert_eq!(r.status, 303);
    let profile = app.client().get(&format!("/brokers/{broker_org}"));
    profile.assert_contains("已登记技术合同");
    profile.assert_contains("<strong>1</strong> · 120万元");
});

both!(a_broker_acting_for_both_parties_opens_a_deal_between_them, |db| {
    let app = TestApp::start_with(db, Options::quick_search());
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (inst, inst_email) = verified_org(&app, "university", "630102");
    let (broker, broker_org) = verified_broker(&app, "周经纪", "QH-JJR-2024-0105");
    let (demand, ach) = publish_pair(&app, ids_of(&app, &ent_email), ids_of(&app, &inst_email));
    for (c, kind, id) in [(&ent, "demand", demand), (&inst, "achievement", ach)] {
        let page = format!("/{kind}s/{id}");
        let f = [
            ("listing_kind", kind),
            ("listing_id", &id.to_string()),
            ("broker", &broker_org.to_string()),
        ];
        assert_eq!(c.post(&page, "/commissions", &f).status, 303);
    }
    for cid in [1, 2] {
        let cid = app.count(&format!(
            "SELECT id FROM commissions ORDER BY id LIMIT 1 OFFSET {}",
            cid - 1
        ));
        let r = broker.post(
            "/broker/commissions",
            &format!("/commissions/{cid}/decide"),
            &[("decision", "accept")],
        );
        assert_eq!(r.status, 303);
    }
    let r = broker.post(
        "/deals",
        "/deals",
        &[
            ("demand", &demand.to_string()),
            ("achievement", &ach.to_string()),
            ("message", "两家都委托了我，建议就提锂吸附剂许可直接洽谈。"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM deals");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM deals WHERE id = {id} AND buyer_broker_org_id = {broker_org} AND seller_broker_org_id = {broker_org}"
        )),
        1
    );
    // Each party still decides: the institution accepts the proposal for itself.
    let room = format!("/deals/{id}");
    inst.get(&room).assert_contains("接受洽谈");
    let r = inst.post(
        &room,
        &format!("/deals/{id}/respond"),
        &[("decision", "accept"), ("version", &version(&app, id))],
    );
    assert_eq!(r.status, 303);
    broker.get("/broker/pipeline").assert_contains(&format!("/deals/{id}"));
});

both!(a_declined_commission_gives_its_reason, |db| {
    let app = TestApp::start(db);
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (_inst, inst_email) = verified_org(&app, "university", "630102");
    let (broker, broker_org) = verified_broker(&app, "钱经纪", "QH-JJR-2024-0102");
    let (demand, _) = publish_pair(&app, ids_of(&app, &ent_email), ids_of(&app, &inst_email));
    let page = format!("/demands/{demand}");
    let fields = [
        ("listing_kind", "demand"),
        ("listing_id", &demand.to_string()),
        ("broker", &broker_org.to_string()),
    ];
    assert_eq!(ent.post(&page, "/commissions", &fields).status, 303);
    let cid = app.count("SELECT MAX(id) FROM commissions");
    let r = broker.post(
        "/broker/commissions",
        &format!("/commissions/{cid}/decide"),
        &[("decision", "decline")],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("请填写原因");
    let r = broker.post(
        "/broker/commissions",
        &format!("/commissions/{cid}/decide"),
        &[("decision", "decline"), ("reason", "不熟悉该领域")],
    );
    assert_eq!(r.status, 303);
    let p = ent.get(&page);
    p.assert_contains("已谢绝");
    p.assert_contains("不熟悉该领域");
    // Answered once only.
    let r = broker.post(
        "/broker/commissions",
        &format!("/commissions/{cid}/decide"),
        &[("decision", "accept")],
    );
    assert_eq!(r.status, 409);
});

both!(broker_routes_for_every_role, |db| {
    let app = TestApp::start(db);
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (inst, inst_email) = verified_org(&app, "university", "630102");
    let (broker, broker_org) = verified_broker(&app, "孙经纪", "QH-JJR-2024-0103");
    let (other_broker, _) = verified_broker(&app, "李经纪", "QH-JJR-2024-0104");
    let (demand, _) = publish_pair(&app, ids_of(&app, &ent_email), ids_of(&app, &inst_email));
    let page = format!("/demands/{demand}");
    let fields = [
        ("listing_kind", "demand"),
        ("listing_id", &demand.to_string()),
        ("broker", &broker_org.to_string()),
    ];
    assert_eq!(ent.post(&page, "/commissions", &fields).status, 303);
    let cid = app.count("SELECT MAX(id) FROM commissions");
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let anon = app.client();
    let names = [
        "enterprise",
        "institution",
        "broker",
        "other broker",
        "officer",
        "anonymous",
    ];
    let clients = [&ent, &inst, &broker, &other_broker, &officer, &anon];
    let profile = format!("/brokers/{broker_org}");
    let not_a_broker = format!("/brokers/{}", ids_of(&app, &ent_email).1);
    let table: Vec<(&str, [u16; 6])> = vec![
        ("/brokers", [200; 6]),
        (profile.as_str(), [200; 6]),
        (not_a_broker.as_str(), [404; 6]),
        ("/broker/profile", [403, 403, 200, 200, 403, 303]),
        ("/broker/commissions", [403, 403, 200, 200, 403, 303]),
        ("/broker/pipeline", [403, 403, 200, 200, 403, 303]),
    ];
    for (path, expected) in &table {
        for (i, c) in clients.iter().enumerate() {
            assert_eq!(c.get(path).status, expected[i], "GET {path} as {}", names[i]);
        }
    }
    // Only the commissioned broker answers; only the owner commissions.
    let decide = format!("/commissions/{cid}/decide");
    let expected = [403, 403, 404, 403, 303];
    for (i, c) in [&ent, &inst, &other_broker, &officer, &anon].iter().enumerate() {
        let from = if i == 4 { "/login" } else { "/brokers" };
        let r = c.post(from, &decide, &[("decision", "accept")]);
        assert_eq!(r.status, expected[i], "decide as #{i}");
    }
    for (i, c) in [&inst, &broker, &officer].iter().enumerate() {
        assert_eq!(
            c.post("/brokers", "/commissions", &fields).status,
            403,
            "commission as #{i}"
        );
    }
    assert_eq!(ent.post_raw("/commissions", &fields).status, 403, "no CSRF token");
    // The agency actions are brokers' only; anonymous visitors are sent to log in.
    for path in [
        "/broker/agency",
        "/broker/agency/leave",
        &format!("/broker/members/{broker_org}"),
    ] {
        let fields = [("agency", "1"), ("decision", "accept")];
        for (i, c) in [&ent, &inst, &officer, &anon].iter().enumerate() {
            let from = if i == 3 { "/login" } else { "/brokers" };
            let want = if i == 3 { 303 } else { 403 };
            assert_eq!(c.post(from, path, &fields).status, want, "POST {path} as #{i}");
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM commissions WHERE status = 'pending'"),
        1
    );
});

//! Agencies: a transfer institution acts as a broker (its broker pages, the broker list, a
//! commission and a deal opened for the side it works, its pipeline), and an individual broker
//! joins a transfer platform, whose profile then lists it and counts its deals.

use crate::both;
use crate::brokers::{ids_of, publish_pair, verified_broker};
use crate::helpers::*;
use crate::listings::verified_org;

const AGENCY: &str = "青海科技大市场运营管理有限公司";

/// A verified agency of `kind` named `name`: (client, organization id).
fn agency(app: &TestApp, kind: &str, name: &str) -> (Client, i64) {
    let (c, email) = verified_org(app, kind, "630100");
    let org = ids_of(app, &email).1;
    app.exec(&format!("UPDATE organizations SET name = '{name}' WHERE id = {org}"))
        .expect("name");
    (c, org)
}

both!(a_transfer_institution_is_commissioned_and_works_a_deal, |db| {
    let app = TestApp::start_with(db, Options::quick_search());
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (_inst, inst_email) = verified_org(&app, "university", "630102");
    let (agency, agency_org) = agency(&app, "transfer_institution", AGENCY);
    // Its broker pages open to it, and it is among the brokers.
    for path in ["/broker/profile", "/broker/pipeline", "/broker/commissions"] {
        assert_eq!(agency.get(path).status, 200, "GET {path} as a transfer institution");
    }
    app.client().get("/brokers").assert_contains(AGENCY);
    assert_eq!(app.client().get(&format!("/brokers/{agency_org}")).status, 200);

    // The enterprise commissions it on its need; it accepts and opens a deal for the buyer.
    let (demand, ach) = publish_pair(&app, ids_of(&app, &ent_email), ids_of(&app, &inst_email));
    let page = format!("/demands/{demand}");
    ent.get(&page).assert_contains(AGENCY);
    let fields = [
        ("listing_kind", "demand"),
        ("listing_id", &demand.to_string()),
        ("broker", &agency_org.to_string()),
    ];
    let r = ent.post(&page, "/commissions", &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    agency
        .get("/broker/commissions")
        .assert_contains("盐湖卤水提锂成套技术需求");
    let cid = app.count("SELECT MAX(id) FROM commissions");
    let r = agency.post(
        "/broker/commissions",
        &format!("/commissions/{cid}/decide"),
        &[("decision", "accept")],
    );
    assert_eq!(r.status, 303);
    wait_for("the institution to see the match's deal button", 30, || {
        agency.get(&page).body.contains("发起洽谈").then_some(())
    });
    let r = agency.post(
        "/deals",
        "/deals",
        &[
            ("demand", &demand.to_string()),
            ("achievement", &ach.to_string()),
            ("message", "受需求方委托，希望就提锂吸附剂许可进行洽谈。"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM deals WHERE buyer_broker_org_id = {agency_org}"
        )),
        1
    );
    agency
        .get("/broker/pipeline")
        .assert_contains("盐湖卤水提锂成套技术需求");
});

both!(an_individual_broker_joins_an_agency_which_counts_its_deals, |db| {
    let app = TestApp::start(db);
    let (platform, platform_org) = agency(&app, "transfer_platform", AGENCY);
    let (other, other_org) = agency(&app, "transfer_institution", "西宁技术转移中心");
    let (broker, broker_org) = verified_broker(&app, "孙经纪", "QH-JJR-2024-0201");
    let (colleague, colleague_org) = verified_broker(&app, "李经纪", "QH-JJR-2024-0202");
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");

    // The broker's profile page offers the verified agencies; only they can be asked.
    let own = broker.get("/broker/profile");
    own.assert_contains(AGENCY);
    own.assert_contains("申请加入");
    for wrong in [
        colleague_org.to_string(),
        ids_of(&app, &ent_email).1.to_string(),
        "x".into(),
    ] {
        let r = broker.post("/broker/profile", "/broker/agency", &[("agency", &wrong)]);
        assert_eq!(r.status, 400, "asking {wrong}");
        r.assert_contains("请选择一家已核验的技术转移机构或技术转移平台");
    }
    // An agency joins no agency; an enterprise has no broker pages.
    let r = other.post(
        "/broker/profile",
        "/broker/agency",
        &[("agency", &platform_org.to_string())],
    );
    assert_eq!(r.status, 400);
    r.assert_contains("只有个人技术经纪人可以加入经纪机构");
    let r = ent.post("/account", "/broker/agency", &[("agency", &platform_org.to_string())]);
    assert_eq!(r.status, 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations WHERE agency_request_id IS NOT NULL"),
        0
    );

    // The broker asks; the platform's administrator is mailed and sees the request.
    let r = broker.post(
        "/broker/profile",
        "/broker/agency",
        &[("agency", &platform_org.to_string())],
    );
    assert_eq!(r.status, 303);
    broker.get("/broker/profile").assert_contains("等待机构管理员确认");
    wait_for("the request's mail", 10, || {
        app.outbox_files().into_iter().find(|m| m.contains("申请加入贵机构"))
    });
    platform.get("/broker/profile").assert_contains("孙经纪");
    // The notification reads as a title, a sentence and a link, not the mail's raw text.
    let n = platform.get("/notifications");
    n.assert_contains("<h2><a href=\"/broker/profile#agency\">孙经纪 申请加入贵机构</a></h2>");
    n.assert_contains("<p>技术经纪人 孙经纪 申请加入贵机构。同意后，其洽谈计入贵机构的业绩。</p>");
    assert!(
        !n.body.contains(&app.base),
        "the notification shows a raw address: {}",
        n.body
    );
    assert!(!n.body.contains("您好"), "the notification shows the mail's greeting");
    // Neither another agency, nor the broker, nor a colleague decides it.
    let decide = format!("/broker/members/{broker_org}");
    let accept = [("decision", "accept")];
    assert_eq!(other.post("/broker/profile", &decide, &accept).status, 404);
    assert_eq!(broker.post("/broker/profile", &decide, &accept).status, 403);
    assert_eq!(colleague.post("/broker/profile", &decide, &accept).status, 403);
    assert_eq!(ent.post("/account", &decide, &accept).status, 403);
    assert_eq!(platform.post_raw(&decide, &accept).status, 403, "no CSRF token");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations WHERE agency_id IS NOT NULL"),
        0
    );

    // A deal the broker works, before it joins: the platform's record does not count it.
    let (ent_user, ent_org) = ids_of(&app, &ent_email);
    app.exec(&format!(
        "INSERT INTO deals (buyer_org_id, seller_org_id, buyer_user_id, seller_user_id, opened_by, \
         status, version, created_at, updated_at, buyer_broker_org_id) \
         VALUES ({ent_org}, {other_org}, {ent_user}, {ent_user}, 'buyer', 'negotiating', 1, 1, 1, {broker_org})"
    ))
    .expect("deal");
    let open_deals = |n: i64| format!("进行中的洽谈</dt><dd>{n}</dd>");
    let profile = format!("/brokers/{platform_org}");
    app.client().get(&profile).assert_contains(&open_deals(0));

    // The platform accepts: its profile lists the broker and counts the broker's deal.
    assert_eq!(platform.post("/broker/profile", &decide, &accept).status, 303);
    wait_for("the answer's mail", 10, || {
        app.outbox_files().into_iter().find(|m| m.contains("同意您加入"))
    });
    let shown = app.client().get(&profile);
    shown.assert_contains("孙经纪");
    shown.assert_contains(&open_deals(1));
    shown.assert_contains("本机构经纪人推进的洽谈");
    let own = app.client().get(&format!("/brokers/{broker_org}"));
    own.assert_contains("所属机构");
    own.assert_contains(AGENCY);
    broker.get("/broker/profile").assert_contains("的经纪人");
    // A member asks no other agency until it leaves.
    let r = broker.post(
        "/broker/profile",
        "/broker/agency",
        &[("agency", &other_org.to_string())],
    );
    assert_eq!(r.status, 409);

    // The platform lets it go; the record no longer counts the deal.
    let r = platform.post("/broker/profile", &decide, &[("decision", "remove")]);
    assert_eq!(r.status, 303);
    app.client().get(&profile).assert_contains(&open_deals(0));
    assert_eq!(
        platform
            .post("/broker/profile", &decide, &[("decision", "remove")])
            .status,
        404
    );

    // Asking again and taking the request back leaves the broker on its own.
    let r = broker.post(
        "/broker/profile",
        "/broker/agency",
        &[("agency", &other_org.to_string())],
    );
    assert_eq!(r.status, 303);
    let r = broker.post("/broker/profile", "/broker/agency/leave", &[]);
    assert_eq!(r.status, 303);
    broker.get("/broker/profile").assert_contains("您目前以个人身份执业");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations WHERE agency_request_id IS NOT NULL OR agency_id IS NOT NULL"),
        0
    );
});

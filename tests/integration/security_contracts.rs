//! Findings of a security probe on contracts, each reproduced as the probe did it:
//! a broker commissioned by the buyer takes a deal's contract over by editing it; a contract with
//! a party this market has not verified is submitted for registration; an intermediary records
//! payments received.

use crate::both;
use crate::brokers::ids_of;
use crate::contracts::{contract_fields, register, version};
use crate::helpers::*;
use crate::listings::verified_org;

fn credit_code_of(app: &TestApp, org: i64) -> String {
    app.text(&format!("SELECT credit_code FROM organizations WHERE id = {org}"))
}

/// A deal brokered for the buyer, worked to agreement.
struct BrokeredDeal {
    buyer: Client,
    buyer_org: i64,
    seller: Client,
    seller_org: i64,
    broker: Client,
    broker_org: i64,
    deal: i64,
}

/// A verified enterprise (buyer, 630104) commissions a verified broker on its published need; the
/// broker opens a deal with a verified university's achievement (seller, 630102), the seller
/// accepts, the broker offers 150万 (licence) and the seller accepts the offer: agreed.
fn brokered_deal(app: &TestApp) -> BrokeredDeal {
    let (buyer, buyer_email) = verified_org(app, "enterprise", "630104");
    let (seller, seller_email) = verified_org(app, "university", "630102");
    let (broker, broker_org) = crate::brokers::verified_broker(app, "赵经纪", "QH-JJR-2024-0777");
    let b = ids_of(app, &buyer_email);
    let s = ids_of(app, &seller_email);
    let (need, ach) = crate::brokers::publish_pair(app, b, s);
    // The buyer commissions the broker on its need; the broker accepts.
    let r = buyer.post(
        &format!("/demands/{need}"),
        "/commissions",
        &[
            ("listing_kind", "demand"),
            ("listing_id", &need.to_string()),
            ("broker", &broker_org.to_string()),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let cid = app.count("SELECT MAX(id) FROM commissions");
    let r = broker.post(
        "/broker/commissions",
        &format!("/commissions/{cid}/decide"),
        &[("decision", "accept")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // The broker opens the deal for the buyer; the seller accepts; the broker offers; agreed.
    let r = broker.post(
        "/deals",
        "/deals",
        &[
            ("demand", &need.to_string()),
            ("achievement", &ach.to_string()),
            ("message", "受需求方委托，希望就提锂吸附剂许可进行洽谈。"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let deal = app.count("SELECT MAX(id) FROM deals");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM deals WHERE id = {deal} AND buyer_broker_org_id = {broker_org}"
        )),
        1,
        "the broker works for the buyer"
    );
    let room = format!("/deals/{deal}");
    let v = || {
        app.count(&format!("SELECT version FROM deals WHERE id = {deal}"))
            .to_string()
    };
    let r = seller.post(
        &room,
        &format!("/deals/{deal}/respond"),
        &[("decision", "accept"), ("version", &v())],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = broker.post(
        &room,
        &format!("/deals/{deal}/offers"),
        &[
            ("price", "150万"),
            ("coop_mode", "licence"),
            ("payment_terms", "签约后一次付清"),
            ("version", &v()),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let offer = app.count(&format!("SELECT MAX(id) FROM deal_offers WHERE deal_id = {deal}"));
    let r = seller.post(
        &room,
        &format!("/deals/{deal}/offers/{offer}/accept"),
        &[("version", &v())],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.text(&format!("SELECT status FROM deals WHERE id = {deal}")),
        "agreed"
    );
    BrokeredDeal {
        buyer,
        buyer_org: b.1,
        seller,
        seller_org: s.1,
        broker,
        broker_org,
        deal,
    }
}

/// The buyer makes the contract of the deal (150万, 20万 of equipment); returns its id.
fn contract_of_deal(app: &TestApp, d: &BrokeredDeal) -> i64 {
    let deal = d.deal.to_string();
    let r = d.buyer.post(
        &format!("/contracts/new?deal={deal}"),
        "/contracts",
        &contract_fields(&deal, "150万", "20万", "2026-01-01"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    app.count("SELECT MAX(id) FROM contracts")
}

/// (deal_id or -1, buyer, seller, intermediary or -1) of a contract, as stored.
fn parties(app: &TestApp, id: i64) -> (i64, i64, i64, i64) {
    (
        app.count(&format!("SELECT COALESCE(deal_id, -1) FROM contracts WHERE id = {id}")),
        app.count(&format!("SELECT buyer_org_id FROM contracts WHERE id = {id}")),
        app.count(&format!("SELECT seller_org_id FROM contracts WHERE id = {id}")),
        app.count(&format!(
            "SELECT COALESCE(intermediary_org_id, -1) FROM contracts WHERE id = {id}"
        )),
    )
}

fn attach_and_submit(app: &TestApp, c: &Client, id: i64) -> Resp {
    let page = format!("/contracts/{id}");
    let r = c.post_multipart(
        &page,
        &format!("/contracts/{id}/file"),
        &[],
        &[("file", "contract.pdf", PDF)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    c.post(
        &page,
        &format!("/contracts/{id}/submit"),
        &[("version", &version(app, id))],
    )
}

both!(a_broker_cannot_take_over_the_contract_of_a_deal_by_editing_it, |db| {
    let app = TestApp::start(db);
    let d = brokered_deal(&app);
    let id = contract_of_deal(&app, &d);
    let before = (d.deal, d.buyer_org, d.seller_org, d.broker_org);
    assert_eq!(parties(&app, id), before);
    let page = format!("/contracts/{id}");
    let edit = format!("/contracts/{id}/edit");
    // The broker may open the edit form of the deal's contract (it works for the buyer) ...
    assert_eq!(d.broker.get(&edit).status, 200);
    // ... but posting it without the deal, naming its own organization the seller and the buyer
    // as the counterparty, is refused.
    let buyer_code = credit_code_of(&app, d.buyer_org);
    let attack = |c: &Client, deal: &str, role: &str, counterparty: &str| {
        let mut f = contract_fields(deal, "150万", "20万", "2026-01-01");
        f.push(("our_role", role));
        f.push(("counterparty", counterparty));
        c.post(&page, &edit, &f)
    };
    let r = attack(&d.broker, "", "seller", &buyer_code);
    assert!(
        (400..500).contains(&r.status),
        "the broker's takeover was accepted ({}): the contract now has deal/buyer/seller/intermediary {:?}",
        r.status,
        parties(&app, id)
    );
    r.assert_contains("合同依据的洽谈及其买卖双方不能修改");
    assert_eq!(parties(&app, id), before, "nothing stored");
    // The real seller still sees its contract; the broker's organization is no party.
    assert_eq!(d.seller.get(&page).status, 200);
    // Nor may the broker point the contract at another deal, or make itself the buyer.
    let seller_code = credit_code_of(&app, d.seller_org);
    let r = attack(&d.broker, "999999", "buyer", &seller_code);
    assert!((400..500).contains(&r.status), "{}", r.status);
    let r = attack(&d.broker, "", "buyer", &seller_code);
    assert!((400..500).contains(&r.status), "{}", r.status);
    // A party cannot drop the deal either.
    let r = attack(&d.buyer, "", "buyer", &seller_code);
    assert!((400..500).contains(&r.status), "{}", r.status);
    assert_eq!(parties(&app, id), before, "nothing stored");
    // In English, the message is English.
    d.broker.get("/lang/en");
    let r = attack(&d.broker, "", "seller", &buyer_code);
    assert!((400..500).contains(&r.status), "{}", r.status);
    r.assert_contains("its buyer and seller cannot be changed");
    // An ordinary edit by the broker (the deal kept) still works, and keeps the parties.
    let deal = d.deal.to_string();
    let r = d
        .broker
        .post(&page, &edit, &contract_fields(&deal, "140万", "20万", "2026-01-01"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(parties(&app, id), before);
    assert_eq!(
        app.count(&format!("SELECT contract_fen FROM contracts WHERE id = {id}")),
        140_000_000
    );
    // The contract submits with the real parties; the seller still sees it.
    assert_eq!(attach_and_submit(&app, &d.buyer, id).status, 303);
    assert_eq!(parties(&app, id), before);
    assert_eq!(d.seller.get(&page).status, 200);
});

both!(an_intermediary_of_a_direct_contract_cannot_become_its_party, |db| {
    let app = TestApp::start(db);
    let (buyer, buyer_email) = verified_org(&app, "enterprise", "630104");
    let (_seller, seller_email) = verified_org(&app, "university", "630102");
    let (broker, broker_org) = crate::brokers::verified_broker(&app, "钱经纪", "QH-JJR-2024-0778");
    let (buyer_org, seller_org) = (ids_of(&app, &buyer_email).1, ids_of(&app, &seller_email).1);
    let seller_code = credit_code_of(&app, seller_org);
    let buyer_code = credit_code_of(&app, buyer_org);
    let cert = "QH-JJR-2024-0778";
    let fields = |role: &'static str, counterparty: &str, intermediary: &str| {
        let mut f: Vec<(String, String)> = contract_fields("", "150万", "20万", "2026-01-01")
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        f.push(("our_role".into(), role.into()));
        f.push(("counterparty".into(), counterparty.into()));
        f.push(("intermediary".into(), intermediary.into()));
        f
    };
    let post = |c: &Client, path: &str, f: &[(String, String)]| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        c.post("/contracts/new", path, &f)
    };
    let r = post(&buyer, "/contracts", &fields("buyer", &seller_code, cert));
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM contracts");
    let before = (-1, buyer_org, seller_org, broker_org);
    assert_eq!(parties(&app, id), before);
    // The intermediary makes itself the seller, or the buyer: refused, nothing stored.
    let edit = format!("/contracts/{id}/edit");
    let r = post(&broker, &edit, &fields("seller", &buyer_code, ""));
    assert!((400..500).contains(&r.status), "{}", r.status);
    let r = post(&broker, &edit, &fields("buyer", &seller_code, ""));
    assert!((400..500).contains(&r.status), "{}", r.status);
    assert_eq!(parties(&app, id), before);
    // A party cannot name its intermediary as the other party and keep it as intermediary.
    let broker_code = app.text(&format!(
        "SELECT broker_certificate FROM organizations WHERE id = {broker_org}"
    ));
    let r = post(&buyer, &edit, &fields("buyer", &broker_code, cert));
    assert_eq!(r.status, 422, "{}", r.body);
    r.assert_contains("中介方不能同时是合同的买方或卖方");
    assert_eq!(parties(&app, id), before);
});

/// Enters a contract of `buyer` with the organization of `counterparty` as the seller; returns
/// its id.
fn direct_contract(app: &TestApp, buyer: &Client, counterparty: &str, import: bool) -> i64 {
    let mut f = vec![
        ("our_role", "buyer"),
        ("counterparty", counterparty),
        ("kind", "transfer.patent"),
        ("project_name", "锂电池回收工艺技术转让"),
        ("signed_on", "2026-01-01"),
        ("term_from", "2026-01-01"),
        ("term_to", "2026-12-31"),
        ("amount", "80万"),
    ];
    if import {
        f.push(("is_import", "on"));
    }
    let r = buyer.post("/contracts/new", "/contracts", &f);
    assert_eq!(r.status, 303, "{}", r.body);
    app.count("SELECT MAX(id) FROM contracts")
}

both!(
    a_contract_with_an_unverified_party_where_an_office_is_cannot_be_submitted,
    |db| {
        let app = TestApp::start(db);
        // Both in 西宁, with an office for 西宁: the seller could have been verified, and was not.
        let (oe, op) = app.create_officer("630100");
        let (buyer, _) = verified_org(&app, "enterprise", "630104");
        let (seller, _, seller_code) = signup_org(&app, "university", "630102");
        let id = direct_contract(&app, &buyer, &seller_code, false);
        let r = attach_and_submit(&app, &buyer, id);
        assert_eq!(
            r.status,
            422,
            "a contract with an unverified seller was submitted: status now {}",
            app.text(&format!("SELECT status FROM contracts WHERE id = {id}"))
        );
        r.assert_contains("卖方“青海盐湖新材料有限公司”尚未通过本平台认证");
        assert_eq!(
            app.text(&format!("SELECT status FROM contracts WHERE id = {id}")),
            "draft"
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM contracts WHERE id = {id} AND submitted_at IS NULL AND submitted_by_org IS NULL"
            )),
            1
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM contract_events WHERE contract_id = {id} AND action = 'submitted'"
            )),
            0
        );
        // The unverified party itself cannot submit it either; in English the message is English.
        seller.get("/lang/en");
        let r = seller.post(
            &format!("/contracts/{id}"),
            &format!("/contracts/{id}/submit"),
            &[("version", &version(&app, id))],
        );
        assert_eq!(r.status, 422);
        r.assert_contains("is not verified by this market");
        assert_eq!(
            app.text(&format!("SELECT status FROM contracts WHERE id = {id}")),
            "draft"
        );
        // Nothing reached the office's queue.
        let officer = login(&app, &oe, &op);
        assert!(!officer
            .get("/officer/contracts")
            .body
            .contains("锂电池回收工艺技术转让"));
        // Once the office verifies the seller, the contract goes.
        app.exec(&format!(
            "UPDATE organizations SET verification = 'verified' WHERE credit_code = '{seller_code}'"
        ))
        .expect("verify");
        let r = buyer.post(
            &format!("/contracts/{id}"),
            &format!("/contracts/{id}/submit"),
            &[("version", &version(&app, id))],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let p = officer.get(&format!("/contracts/{id}"));
        assert!(!p.body.contains("须在登记时核验"), "a verified party is not flagged");
    }
);

both!(
    an_unverified_party_from_a_region_without_an_office_is_checked_at_registration,
    |db| {
        let app = TestApp::start(db);
        // An office for 西宁 only; the seller is a Beijing university nobody here can verify.
        let (oe, op) = app.create_officer("630100");
        let (buyer, _) = verified_org(&app, "enterprise", "630104");
        let (_seller, _, seller_code) = signup_org(&app, "university", "110108");
        // Introducing out-of-province technology (青海 art. 8): the buyer's office registers it.
        let id = direct_contract(&app, &buyer, &seller_code, true);
        let r = attach_and_submit(&app, &buyer, id);
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            app.text(&format!("SELECT status FROM contracts WHERE id = {id}")),
            "submitted"
        );
        // The registering officer is told to check that party, on the page and in the queue.
        let officer = login(&app, &oe, &op);
        let q = officer.get("/officer/contracts");
        q.assert_contains("锂电池回收工艺技术转让");
        q.assert_contains("含未认证当事人");
        let p = officer.get(&format!("/contracts/{id}"));
        p.assert_contains("卖方“青海盐湖新材料有限公司”未经本平台认证，须在登记时核验其主体资格");
        officer.get("/lang/en");
        officer
            .get(&format!("/contracts/{id}"))
            .assert_contains("is not verified by this market: check it before registering");
        officer.get("/officer/contracts").assert_contains("unverified party");
        // The buyer's own page does not carry the officer's note.
        assert!(!buyer.get(&format!("/contracts/{id}")).body.contains("须在登记时核验"));
        register_import(&app, &officer, id);
    }
);

/// Registers the submitted 80万 contract `id`.
fn register_import(app: &TestApp, officer: &Client, id: i64) {
    let r = officer.post(
        &format!("/contracts/{id}"),
        &format!("/officer/contracts/{id}/register"),
        &[
            ("kind", "transfer.patent"),
            ("tech_amount", "80万"),
            ("version", &version(app, id)),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

both!(only_the_buyer_or_the_seller_records_payments, |db| {
    let app = TestApp::start(db);
    let d = brokered_deal(&app);
    let id = contract_of_deal(&app, &d);
    assert_eq!(attach_and_submit(&app, &d.broker, id).status, 303);
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    register(&app, &officer, id);
    let page = format!("/contracts/{id}");
    let pay = format!("/contracts/{id}/payments");
    let files: [(&str, &str, &[u8]); 1] = [("proof", "bank.pdf", PDF)];
    let fields = [("paid_on", "2026-02-01"), ("amount", "10万"), ("note", "首付款")];
    // The broker sees the contract but gets no payment form, and its post is refused.
    let p = d.broker.get(&page);
    assert_eq!(p.status, 200);
    let r = d.broker.post_multipart(&page, &pay, &fields, &files);
    assert!(
        r.status == 403 || r.status == 404,
        "the intermediary recorded a payment ({}): {} rows",
        r.status,
        app.count("SELECT COUNT(*) FROM contract_payments")
    );
    assert!(
        !p.body.contains(&format!("action=\"{pay}")),
        "the broker is offered the payment form"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM contract_payments"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM files WHERE purpose = 'payment'"), 0);
    // The parties can.
    assert_eq!(d.seller.post_multipart(&page, &pay, &fields, &files).status, 303);
    assert_eq!(d.buyer.post_multipart(&page, &pay, &fields, &files).status, 303);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM contract_payments WHERE contract_id = {id}"
        )),
        2
    );
});

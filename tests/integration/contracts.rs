//! Technology contracts: from an agreed deal to a registered contract with one return for
//! correction; bad input refused with nothing stored; two officers registering at once; numbers
//! without gaps; and the contract routes for every role.

use crate::both;
use crate::helpers::*;
use crate::listings::verified_org;
use techmarket::listings::achievement::AchievementContent;
use techmarket::listings::Text;

fn ids_of(app: &TestApp, email: &str) -> (i64, i64) {
    (
        app.count(&format!("SELECT id FROM users WHERE email = '{email}'")),
        app.count(&format!("SELECT org_id FROM users WHERE email = '{email}'")),
    )
}

/// An agreed deal between a new enterprise (buyer) and a new university (seller); returns
/// (buyer client, buyer email, seller client, deal id).
pub fn agreed_deal(app: &TestApp) -> (Client, String, Client, i64) {
    let (buyer, buyer_email) = verified_org(app, "enterprise", "630104");
    let (seller, seller_email) = verified_org(app, "university", "630102");
    let s = ids_of(app, &seller_email);
    let pool = techmarket::db::connect(&app.database_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let a = AchievementContent::new(
        Text::new(
            "盐湖卤水提锂吸附剂制备技术",
            "铝系锂吸附剂，适用于低品位盐湖卤水提锂，回收率高，已建成千吨级碳酸锂示范线。",
            "",
            "李老师",
            "lithium",
            "提锂",
        ),
        8,
        &["licence".to_string()],
        "agreement",
        (Some(150_000_000), false),
        None,
    );
    let ach = techmarket::listings::insert(
        &mut conn,
        &techmarket::listings::Placing::published(s.1, s.0, "630102", 1),
        &a,
    )
    .expect("achievement");
    let r = buyer.post(
        &format!("/deals/new?achievement={ach}"),
        "/deals",
        &[
            ("demand", ""),
            ("achievement", &ach.to_string()),
            ("message", "希望以普通许可方式引进贵校提锂吸附剂技术。"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM deals");
    let room = format!("/deals/{id}");
    let v = |app: &TestApp| {
        app.count(&format!("SELECT version FROM deals WHERE id = {id}"))
            .to_string()
    };
    assert_eq!(
        seller
            .post(
                &room,
                &format!("/deals/{id}/respond"),
                &[("decision", "accept"), ("version", &v(app))]
            )
            .status,
        303
    );
    let r = seller.post(
        &room,
        &format!("/deals/{id}/offers"),
        &[
            ("price", "150万"),
            ("coop_mode", "licence"),
            ("payment_terms", "签约后一次付清"),
            ("version", &v(app)),
        ],
    );
    assert_eq!(r.status, 303);
    let offer = app.count(&format!("SELECT MAX(id) FROM deal_offers WHERE deal_id = {id}"));
    assert_eq!(
        buyer
            .post(
                &room,
                &format!("/deals/{id}/offers/{offer}/accept"),
                &[("version", &v(app))]
            )
            .status,
        303
    );
    (buyer, buyer_email, seller, id)
}

pub fn contract_fields<'a>(deal: &'a str, amount: &'a str, item: &'a str, signed: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("deal", deal),
        ("kind", "licence.ordinary"),
        ("project_name", "盐湖卤水提锂吸附剂技术许可"),
        ("signed_on", signed),
        ("term_from", "2026-01-01"),
        ("term_to", "2030-12-31"),
        ("amount", amount),
        ("item_category_1", "equipment"),
        ("item_description_1", "吸附柱成套设备"),
        ("item_amount_1", item),
    ]
}

pub fn version(app: &TestApp, id: i64) -> String {
    app.count(&format!("SELECT version FROM contracts WHERE id = {id}"))
        .to_string()
}

/// Creates the contract of the deal and submits it with its PDF; returns its id.
pub fn submitted_contract(app: &TestApp, buyer: &Client, deal: i64) -> i64 {
    let d = deal.to_string();
    let r = buyer.post(
        &format!("/contracts/new?deal={deal}"),
        "/contracts",
        &contract_fields(&d, "150万", "20万", "2026-01-01"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM contracts");
    let page = format!("/contracts/{id}");
    let r = buyer.post_multipart(
        &page,
        &format!("/contracts/{id}/file"),
        &[],
        &[("file", "contract.pdf", PDF)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = buyer.post(
        &page,
        &format!("/contracts/{id}/submit"),
        &[("version", &version(app, id))],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    id
}

both!(an_agreed_deal_becomes_a_registered_contract_after_one_return, |db| {
    let app = TestApp::start(db);
    let (buyer, buyer_email, seller, deal) = agreed_deal(&app);
    let room = format!("/deals/{deal}");
    buyer.get(&room).assert_contains("生成技术合同");
    // The form comes prefilled from the deal: parties, kind, amount.
    let form = buyer.get(&format!("/contracts/new?deal={deal}"));
    form.assert_contains("value=\"1500000\"");
    form.assert_contains("青海盐湖新材料有限公司");
    let d = deal.to_string();
    // Bad input: items above the amount, a future signing date; named, kept, nothing stored.
    let r = buyer.post(
        &room,
        "/contracts",
        &contract_fields(&d, "150万", "200万", "2099-01-01"),
    );
    assert_eq!(r.status, 422);
    r.assert_contains("非技术性款项合计超过了合同成交额");
    r.assert_contains("日期 2099-01-01 在今天之后");
    r.assert_contains("吸附柱成套设备");
    assert_eq!(app.count("SELECT COUNT(*) FROM contracts"), 0);

    let r = buyer.post(&room, "/contracts", &contract_fields(&d, "150万", "20万", "2026-01-01"));
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM contracts");
    let page = format!("/contracts/{id}");
    let p = buyer.get(&page);
    p.assert_contains("150万元");
    p.assert_contains("130万元"); // the technology amount: 150万 less 20万 of equipment
                                  // Submitting needs the signed PDF; a PNG is not one.
    let r = buyer.post(
        &page,
        &format!("/contracts/{id}/submit"),
        &[("version", &version(&app, id))],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("请先上传签字盖章的合同文本");
    let png = b"\x89PNG\r\n\x1a\n0000000000000";
    let r = buyer.post_multipart(&page, &format!("/contracts/{id}/file"), &[], &[("file", "c.png", png)]);
    assert_eq!(r.status, 422);
    r.assert_contains("合同文本只接受PDF文件");
    let r = buyer.post_multipart(
        &page,
        &format!("/contracts/{id}/file"),
        &[],
        &[("file", "contract.pdf", PDF)],
    );
    assert_eq!(r.status, 303);
    buyer.get(&page).assert_contains("SHA-256");
    let r = buyer.post(
        &page,
        &format!("/contracts/{id}/submit"),
        &[("version", &version(&app, id))],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%合同已提交认定登记%'"),
        1
    );
    // A submitted contract is not edited.
    assert_eq!(buyer.get(&format!("/contracts/{id}/edit")).status, 409);

    // The officer of the seller's region finds it in the queue and returns it with reasons.
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let q = officer.get("/officer/contracts");
    q.assert_contains("盐湖卤水提锂吸附剂技术许可");
    q.assert_contains("已等待 0 个工作日");
    let r = officer.post(
        &page,
        &format!("/officer/contracts/{id}/return"),
        &[("version", &version(&app, id))],
    );
    assert_eq!(r.status, 422);
    let r = officer.post(
        &page,
        &format!("/officer/contracts/{id}/return"),
        &[
            ("reason", "合同有效期与附件不一致，请核对。"),
            ("version", &version(&app, id)),
        ],
    );
    assert_eq!(r.status, 303);
    buyer.get(&page).assert_contains("合同有效期与附件不一致");
    // The buyer corrects and resubmits.
    let r = buyer.post(
        &page,
        &format!("/contracts/{id}/edit"),
        &contract_fields(&d, "160万", "20万", "2026-01-01"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        buyer
            .post(
                &page,
                &format!("/contracts/{id}/submit"),
                &[("version", &version(&app, id))]
            )
            .status,
        303
    );
    // The officer registers it, refusing a technology amount above the contract amount.
    let r = officer.post(
        &page,
        &format!("/officer/contracts/{id}/register"),
        &[
            ("kind", "licence.ordinary"),
            ("tech_amount", "170万"),
            ("version", &version(&app, id)),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("技术交易额不能超过合同成交额");
    let r = officer.post(
        &page,
        &format!("/officer/contracts/{id}/register"),
        &[
            ("kind", "licence.ordinary"),
            ("tech_amount", "135万"),
            ("version", &version(&app, id)),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let year = chrono::Local::now().format("%Y").to_string();
    let number = format!("630100-{year}-000001");
    let p = seller.get(&page);
    p.assert_contains(&number);
    p.assert_contains("135万元");
    let cert = seller.get(&format!("/contracts/{id}/certificate"));
    cert.assert_contains("技术合同认定登记证明");
    cert.assert_contains(&number);
    assert!(app.count("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%合同已登记%'") >= 1);
    let _ = buyer_email;
    // Registered: never edited in place.
    assert_eq!(buyer.get(&format!("/contracts/{id}/edit")).status, 409);
    let r = buyer.post_multipart(&page, &format!("/contracts/{id}/file"), &[], &[("file", "v2.pdf", PDF)]);
    assert_eq!(r.status, 409);
    // Payments received: each with its date and proof; never beyond the contract amount.
    let pay = |c: &Client, date: &str, amount: &str, proof: bool| {
        let files: Vec<(&str, &str, &[u8])> = if proof {
            vec![("proof", "bank.pdf", PDF)]
        } else {
            vec![]
        };
        c.post_multipart(
            &page,
            &format!("/contracts/{id}/payments"),
            &[("paid_on", date), ("amount", amount), ("note", "首付款")],
            &files,
        )
    };
    let r = pay(&seller, "2026-02-01", "100万", false);
    assert_eq!(r.status, 422, "{}", r.body);
    r.assert_contains("请上传到账凭证");
    r.assert_contains("首付款");
    let r = pay(&seller, "2099-02-01", "100万", true);
    assert_eq!(r.status, 422);
    r.assert_contains("日期 2099-02-01 在今天之后");
    assert_eq!(pay(&seller, "2026-02-01", "100万", true).status, 303);
    let r = pay(&buyer, "2026-03-01", "70万", true);
    assert_eq!(r.status, 422);
    r.assert_contains("最多还可登记 60万元");
    assert_eq!(pay(&buyer, "2026-03-01", "60万", true).status, 303);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM contract_payments WHERE contract_id = {id}"
        )),
        2
    );
    let p = buyer.get(&page);
    p.assert_contains("已到位 <strong>160万元</strong>");
    p.assert_contains("未到位 <strong>0元</strong>");
    let proof = app.count(&format!(
        "SELECT MIN(proof_file_id) FROM contract_payments WHERE contract_id = {id}"
    ));
    assert_eq!(seller.get(&format!("/contracts/{id}/proofs/{proof}")).status, 200);
    // The history keeps every step.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM contract_events WHERE contract_id = {id}"
        )),
        9
    );
});

both!(a_contract_with_an_unknown_party_is_refused, |db| {
    let app = TestApp::start(db);
    let (ent, _) = verified_org(&app, "enterprise", "630104");
    let r = ent.post(
        "/contracts/new",
        "/contracts",
        &[
            ("our_role", "buyer"),
            ("counterparty", "91630100MA7ABCDE1X"),
            ("kind", "service.general"),
            ("project_name", "盐湖卤水检测技术服务"),
            ("signed_on", "2026-01-01"),
            ("term_from", "2026-01-01"),
            ("term_to", "2026-12-31"),
            ("amount", "10万"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("找不到“91630100MA7ABCDE1X”对应的机构");
    r.assert_contains("盐湖卤水检测技术服务");
    assert_eq!(app.count("SELECT COUNT(*) FROM contracts"), 0);
});

both!(two_officers_registering_one_contract_at_once_give_one_number, |db| {
    let app = TestApp::start(db);
    let (buyer, _, _, deal) = agreed_deal(&app);
    let id = submitted_contract(&app, &buyer, deal);
    let (e1, p1) = app.create_officer("630100");
    let (e2, p2) = app.create_officer("630100");
    let (o1, o2) = (login(&app, &e1, &p1), login(&app, &e2, &p2));
    let page = format!("/contracts/{id}");
    let v = version(&app, id);
    let (c1, c2) = (o1.get(&page).csrf(), o2.get(&page).csrf());
    let path = format!("/officer/contracts/{id}/register");
    let (a, b) = (o1.clone(), o2.clone());
    let (pa, pb, va, vb) = (path.clone(), path.clone(), v.clone(), v.clone());
    let t1 = std::thread::spawn(move || {
        a.post_raw(
            &pa,
            &[
                ("kind", "licence.ordinary"),
                ("tech_amount", "130万"),
                ("version", &va),
                ("csrf", &c1),
            ],
        )
        .status
    });
    let t2 = std::thread::spawn(move || {
        b.post_raw(
            &pb,
            &[
                ("kind", "licence.ordinary"),
                ("tech_amount", "130万"),
                ("version", &vb),
                ("csrf", &c2),
            ],
        )
        .status
    });
    let mut outcomes = [t1.join().expect("one"), t2.join().expect("two")];
    outcomes.sort();
    assert_eq!(outcomes, [303, 409]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contracts WHERE registration_no IS NOT NULL"),
        1
    );
    assert_eq!(app.count("SELECT last_seq FROM registration_counters"), 1);
    // The next contract of the office and year takes the next number: none skipped.
    let (buyer2, _, _, deal2) = agreed_deal(&app);
    let id2 = submitted_contract(&app, &buyer2, deal2);
    let r = o1.post(
        &format!("/contracts/{id2}"),
        &format!("/officer/contracts/{id2}/register"),
        &[
            ("kind", "licence.ordinary"),
            ("tech_amount", "130万"),
            ("version", &version(&app, id2)),
        ],
    );
    assert_eq!(r.status, 303);
    let year = chrono::Local::now().format("%Y").to_string();
    o1.get(&format!("/contracts/{id2}"))
        .assert_contains(&format!("630100-{year}-000002"));
});

both!(registered_contracts_export_in_the_register_layout, |db| {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::start(db);
    let (buyer, _, _, deal) = agreed_deal(&app);
    let id = submitted_contract(&app, &buyer, deal);
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let r = officer.post(
        &format!("/contracts/{id}"),
        &format!("/officer/contracts/{id}/register"),
        &[
            ("kind", "licence.ordinary"),
            ("tech_amount", "130万"),
            ("version", &version(&app, id)),
        ],
    );
    assert_eq!(r.status, 303);
    let today = chrono::Local::now().date_naive();
    let (from, to) = (today - chrono::Duration::days(1), today + chrono::Duration::days(1));
    let csv = officer.get(&format!("/officer/contracts/export?from={from}&to={to}&format=csv"));
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("登记编号,登记日期,项目名称"), "{}", csv.body);
    assert!(csv.body.contains("-000001"));
    assert!(csv.body.contains("1500000.00,1300000.00"));
    // The XLSX opens in a spreadsheet reader with the same columns.
    let bytes = officer.get_bytes(&format!("/officer/contracts/export?from={from}&to={to}&format=xlsx"));
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx");
    let sheet = book.worksheet_range("登记合同").expect("the sheet");
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("登记编号".into())));
    assert_eq!(sheet.get((0, 17)), Some(&Data::String("合同成交额（元）".into())));
    assert_eq!(sheet.get((1, 17)), Some(&Data::Float(1_500_000.0)));
    assert_eq!(sheet.get((1, 18)), Some(&Data::Float(1_300_000.0)));
    assert_eq!(sheet.get((1, 8)), Some(&Data::String("企业".into())));
    assert_eq!(sheet.height(), 2);
    // Bad periods are named; only officers export.
    let r = officer.get(&format!("/officer/contracts/export?from={to}&to={from}&format=csv"));
    assert_eq!(r.status, 400);
    r.assert_contains("请给出导出的起止日期");
    assert_eq!(officer.get("/officer/contracts/export?from=x&to=y").status, 400);
    assert_eq!(
        buyer
            .get(&format!("/officer/contracts/export?from={from}&to={to}"))
            .status,
        403
    );
    // An officer elsewhere exports nothing of this region.
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let r = far.get(&format!("/officer/contracts/export?from={from}&to={to}&format=csv"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body.trim_start_matches('\u{feff}').lines().count(),
        1,
        "only the header: {}",
        r.body
    );
});

both!(a_contract_registered_elsewhere_is_verified_by_the_buyers_office, |db| {
    let app = TestApp::start(db);
    let (buyer, _) = verified_org(&app, "enterprise", "630104");
    // The seller is in Beijing: outside the regions this market serves.
    let (_seller, _, seller_code) = signup_org(&app, "university", "110108");
    app.exec(&format!(
        "UPDATE organizations SET verification = 'verified' WHERE credit_code = '{seller_code}'"
    ))
    .expect("verify");
    let enter = |name: &str| {
        buyer.post(
            "/contracts/new",
            "/contracts",
            &[
                ("our_role", "buyer"),
                ("counterparty", &seller_code),
                ("kind", "transfer.patent"),
                ("project_name", name),
                ("signed_on", "2026-01-01"),
                ("term_from", "2026-01-01"),
                ("term_to", "2026-12-31"),
                ("amount", "80万"),
            ],
        )
    };
    let r = enter("锂电池回收专利转让（北京登记）");
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM contracts");
    let page = format!("/contracts/{id}");
    buyer.get(&page).assert_contains("由其他登记机关登记的合同");
    let record = |k: i64, number: &str, on: &str, scan: bool| {
        let files: Vec<(&str, &str, &[u8])> = if scan { vec![("scan", "cert.pdf", PDF)] } else { vec![] };
        buyer.post_multipart(
            &format!("/contracts/{k}"),
            &format!("/contracts/{k}/elsewhere"),
            &[
                ("office", "北京技术市场管理办公室"),
                ("number", number),
                ("registered_on", on),
            ],
            &files,
        )
    };
    let r = record(id, "2026110108000123", "2026-02-01", false);
    assert_eq!(r.status, 422);
    r.assert_contains("请上传登记证明扫描件");
    r.assert_contains("北京技术市场管理办公室");
    let r = record(id, "2026110108000123", "2099-02-01", true);
    assert_eq!(r.status, 422);
    r.assert_contains("日期 2099-02-01 在今天之后");
    assert_eq!(app.count("SELECT COUNT(*) FROM contract_elsewhere"), 0);
    assert_eq!(record(id, "2026110108000123", "2026-02-01", true).status, 303);
    // It now goes to the office of the buyer's region.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM contracts WHERE id = {id} AND region_code = '630104'"
        )),
        1
    );
    let r = buyer.post_multipart(&page, &format!("/contracts/{id}/file"), &[], &[("file", "c.pdf", PDF)]);
    assert_eq!(r.status, 303);
    assert_eq!(
        buyer
            .post(
                &page,
                &format!("/contracts/{id}/submit"),
                &[("version", &version(&app, id))]
            )
            .status,
        303
    );
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let p = officer.get(&page);
    p.assert_contains("本合同已由其他登记机构登记");
    p.assert_contains("2026110108000123");
    assert!(
        !p.body.contains("/register\""),
        "no numbering form for a contract registered elsewhere"
    );
    assert_eq!(officer.get(&format!("/contracts/{id}/elsewhere/scan")).status, 200);
    let r = officer.post(
        &page,
        &format!("/officer/contracts/{id}/verify"),
        &[("version", &version(&app, id))],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let p = buyer.get(&page);
    p.assert_contains("已登记");
    p.assert_contains("2026110108000123");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM registration_counters"),
        0,
        "no number of ours was used"
    );
    // The same number cannot be verified twice.
    let r = enter("重复登记编号的合同");
    assert_eq!(r.status, 303);
    let id2 = app.count("SELECT MAX(id) FROM contracts");
    assert_eq!(record(id2, "2026110108000123", "2026-02-01", true).status, 303);
    let page2 = format!("/contracts/{id2}");
    assert_eq!(
        buyer
            .post_multipart(
                &page2,
                &format!("/contracts/{id2}/file"),
                &[],
                &[("file", "c.pdf", PDF)]
            )
            .status,
        303
    );
    assert_eq!(
        buyer
            .post(
                &page2,
                &format!("/contracts/{id2}/submit"),
                &[("version", &version(&app, id2))]
            )
            .status,
        303
    );
    let r = officer.post(
        &page2,
        &format!("/officer/contracts/{id2}/verify"),
        &[("version", &version(&app, id2))],
    );
    assert_eq!(r.status, 409);
    r.assert_contains("该登记编号已被另一份合同使用");
    // Only an officer of the buyer's region verifies.
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let r = far.post(
        "/contracts",
        &format!("/officer/contracts/{id2}/verify"),
        &[("version", &version(&app, id2))],
    );
    assert_eq!(r.status, 404);
    let r = buyer.post(
        &page2,
        &format!("/officer/contracts/{id2}/verify"),
        &[("version", &version(&app, id2))],
    );
    assert_eq!(r.status, 403);
});

both!(contract_routes_for_every_role, |db| {
    let app = TestApp::start(db);
    let (buyer, _, seller, deal) = agreed_deal(&app);
    let id = submitted_contract(&app, &buyer, deal);
    let (outsider, _) = verified_org(&app, "enterprise", "630105");
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let anon = app.client();
    let names = [
        "buyer",
        "seller",
        "outsider",
        "officer",
        "officer elsewhere",
        "anonymous",
    ];
    let clients = [&buyer, &seller, &outsider, &officer, &far, &anon];
    let page = format!("/contracts/{id}");
    let file = format!("/contracts/{id}/file");
    let edit = format!("/contracts/{id}/edit");
    let cert = format!("/contracts/{id}/certificate");
    let table: Vec<(&str, [u16; 6])> = vec![
        ("/contracts", [200, 200, 200, 200, 200, 303]),
        ("/contracts/new", [200, 200, 200, 403, 403, 303]),
        (page.as_str(), [200, 200, 404, 200, 404, 303]),
        (file.as_str(), [200, 200, 404, 200, 404, 303]),
        (edit.as_str(), [409, 409, 404, 404, 404, 303]),
        (cert.as_str(), [404, 404, 404, 404, 404, 303]),
        ("/officer/contracts", [403, 403, 403, 200, 200, 303]),
    ];
    for (path, expected) in &table {
        for (i, c) in clients.iter().enumerate() {
            assert_eq!(c.get(path).status, expected[i], "GET {path} as {}", names[i]);
        }
    }
    // Only an officer of the region registers or returns; nobody else changes it.
    let v = version(&app, id);
    let register = format!("/officer/contracts/{id}/register");
    let ret = format!("/officer/contracts/{id}/return");
    let expected = [403, 403, 403, 404, 303];
    for (i, c) in [&buyer, &seller, &outsider, &far, &anon].iter().enumerate() {
        let from = if i == 4 { "/login" } else { "/contracts" };
        let r = c.post(
            from,
            &register,
            &[("kind", "licence.ordinary"), ("tech_amount", "1万"), ("version", &v)],
        );
        assert_eq!(r.status, expected[i], "register as #{i}");
        let r = c.post(from, &ret, &[("reason", "x"), ("version", &v)]);
        assert_eq!(r.status, expected[i], "return as #{i}");
    }
    assert_eq!(
        officer
            .post_raw(&register, &[("kind", "licence.ordinary"), ("tech_amount", "1万")])
            .status,
        403
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contracts WHERE status = 'submitted'"),
        1
    );
    // Payments are recorded by the parties only, and only on a registered contract.
    let pay = format!("/contracts/{id}/payments");
    let fields = [("paid_on", "2026-02-01"), ("amount", "1万")];
    let files: [(&str, &str, &[u8]); 1] = [("proof", "p.pdf", PDF)];
    let r = buyer.post_multipart(&page, &pay, &fields, &files);
    assert_eq!(r.status, 400);
    r.assert_contains("合同登记后才能登记到账金额");
    for (i, c) in [&outsider, &officer, &far, &anon].iter().enumerate() {
        let from = if i == 3 { "/login" } else { "/contracts" };
        let expected = if i == 3 { 303 } else { 404 };
        assert_eq!(
            c.post_multipart(from, &pay, &fields, &files).status,
            expected,
            "payment as #{i}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM contract_payments"), 0);
});

/// Registers the submitted contract `id` as 150万 with 130万 of technology.
pub fn register(app: &TestApp, officer: &Client, id: i64) {
    let r = officer.post(
        &format!("/contracts/{id}"),
        &format!("/officer/contracts/{id}/register"),
        &[
            ("kind", "licence.ordinary"),
            ("tech_amount", "130万"),
            ("version", &version(app, id)),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

pub fn amendment_version(app: &TestApp, id: i64) -> String {
    app.count(&format!(
        "SELECT version FROM contract_amendments WHERE contract_id = {id} AND status <> 'registered'"
    ))
    .to_string()
}

both!(
    an_amendment_is_reviewed_like_the_original_and_keeps_number_and_date,
    |db| {
        let app = TestApp::start(db);
        let (buyer, _, seller, deal) = agreed_deal(&app);
        let id = submitted_contract(&app, &buyer, deal);
        let (oe, op) = app.create_officer("630100");
        let officer = login(&app, &oe, &op);
        register(&app, &officer, id);
        let page = format!("/contracts/{id}");
        let amend = format!("/contracts/{id}/amend");
        let number = app.text(&format!("SELECT registration_no FROM contracts WHERE id = {id}"));
        let registered_at = app.count(&format!("SELECT registered_at FROM contracts WHERE id = {id}"));
        let files: [(&str, &str, &[u8]); 1] = [("proof", "bank.pdf", PDF)];
        let r = seller.post_multipart(
            &page,
            &format!("/contracts/{id}/payments"),
            &[("paid_on", "2026-02-01"), ("amount", "100万")],
            &files,
        );
        assert_eq!(r.status, 303, "{}", r.body);
        seller.get(&page).assert_contains("申请变更");
        // The form starts from the registered terms.
        buyer.get(&amend).assert_contains("value=\"1500000\"");
        let d = deal.to_string();
        let fields = |amount: &'static str, reason: &'static str| {
            let mut f = contract_fields("", amount, "20万", "2026-01-01");
            f.retain(|(k, _)| *k != "deal");
            f.push(("amend_reason", reason));
            f
        };
        let _ = d;
        // Bad input: below what was paid, no change at all, no reason; named, kept, nothing stored.
        let r = buyer.post(&amend, &amend, &fields("90万", "合同金额调整"));
        assert_eq!(r.status, 422);
        r.assert_contains("合同成交额不能低于已到位金额 100万元");
        r.assert_contains("合同金额调整");
        let r = buyer.post(&amend, &amend, &fields("150万", "没有变化的变更"));
        assert_eq!(r.status, 422);
        r.assert_contains("变更内容与已登记的合同相同");
        let r = buyer.post(&amend, &amend, &fields("180万", ""));
        assert_eq!(r.status, 422);
        r.assert_contains("value=\"180万\"");
        assert_eq!(app.count("SELECT COUNT(*) FROM contract_amendments"), 0);

        let r = buyer.post(&amend, &amend, &fields("180万", "增加二期工艺包，合同金额调增"));
        assert_eq!(r.status, 303, "{}", r.body);
        // Proposed, not applied: the registered contract is unchanged.
        assert_eq!(
            app.count(&format!("SELECT contract_fen FROM contracts WHERE id = {id}")),
            150_000_000
        );
        let p = buyer.get(&page);
        p.assert_contains("变更1");
        p.assert_contains("增加二期工艺包");
        p.assert_contains("180万元");
        // Submitting needs the signed agreement.
        let r = buyer.post(
            &page,
            &format!("/contracts/{id}/amendment/submit"),
            &[("version", &amendment_version(&app, id))],
        );
        assert_eq!(r.status, 422);
        r.assert_contains("请先上传签字盖章的变更协议");
        let r = buyer.post_multipart(
            &page,
            &format!("/contracts/{id}/amendment/file"),
            &[],
            &[("file", "amendment.pdf", PDF)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let submit = |app: &TestApp| {
            buyer.post(
                &page,
                &format!("/contracts/{id}/amendment/submit"),
                &[("version", &amendment_version(app, id))],
            )
        };
        assert_eq!(submit(&app).status, 303);
        assert!(app.count("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%合同变更已提交%'") >= 1);
        assert_eq!(buyer.get(&amend).status, 409);
        // The officer finds it in the queue, and returns it once.
        officer.get("/officer/contracts").assert_contains("变更1待审核");
        let r = officer.post(
            &page,
            &format!("/officer/contracts/{id}/amendment/return"),
            &[
                ("reason", "变更协议缺少乙方盖章。"),
                ("version", &amendment_version(&app, id)),
            ],
        );
        assert_eq!(r.status, 303);
        buyer.get(&page).assert_contains("变更协议缺少乙方盖章");
        assert!(app.count("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%合同变更被退回补正%'") >= 1);
        let r = buyer.post(&amend, &amend, &fields("200万", "增加二期工艺包，合同金额调增"));
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(submit(&app).status, 303);
        // The office registers it, refusing a technology amount above the new contract amount.
        let reg = format!("/officer/contracts/{id}/amendment/register");
        let r = officer.post(
            &page,
            &reg,
            &[
                ("kind", "licence.ordinary"),
                ("tech_amount", "210万"),
                ("version", &amendment_version(&app, id)),
            ],
        );
        assert_eq!(r.status, 422);
        r.assert_contains("技术交易额不能超过合同成交额");
        let r = officer.post(
            &page,
            &reg,
            &[
                ("kind", "licence.ordinary"),
                ("tech_amount", "175万"),
                ("version", &amendment_version(&app, id)),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        // The new terms, under the same number and date; both versions are kept.
        assert_eq!(
            app.count(&format!("SELECT contract_fen FROM contracts WHERE id = {id}")),
            200_000_000
        );
        assert_eq!(
            app.count(&format!("SELECT tech_fen_registered FROM contracts WHERE id = {id}")),
            175_000_000
        );
        assert_eq!(
            app.text(&format!("SELECT registration_no FROM contracts WHERE id = {id}")),
            number
        );
        assert_eq!(
            app.count(&format!("SELECT registered_at FROM contracts WHERE id = {id}")),
            registered_at
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM contract_versions WHERE contract_id = {id}"
            )),
            2
        );
        assert!(app
            .text(&format!(
                "SELECT terms FROM contract_versions WHERE contract_id = {id} AND version_no = 1"
            ))
            .contains("\"contract_fen\":150000000"));
        let p = seller.get(&page);
        p.assert_contains("第1版");
        p.assert_contains("原始登记");
        p.assert_contains("第2版");
        p.assert_contains("变更1：增加二期工艺包");
        p.assert_contains("150万元");
        p.assert_contains("200万元");
        p.assert_contains("175万元");
        p.assert_contains(&number);
        let cert = seller.get(&format!("/contracts/{id}/certificate"));
        cert.assert_contains(&number);
        cert.assert_contains("200万元");
        assert!(app.count("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%合同变更已登记%'") >= 1);
        assert_eq!(seller.get(&format!("/contracts/{id}/amendments/1/file")).status, 200);
        // More may now be paid, up to the new amount.
        let r = buyer.post_multipart(
            &page,
            &format!("/contracts/{id}/payments"),
            &[("paid_on", "2026-03-01"), ("amount", "100万")],
            &files,
        );
        assert_eq!(r.status, 303, "{}", r.body);
        // A second amendment is numbered 2 and sees version 2 as its starting point.
        buyer.get(&amend).assert_contains("value=\"2000000\"");
    }
);

both!(amendment_routes_for_every_role, |db| {
    let app = TestApp::start(db);
    let (buyer, _, seller, deal) = agreed_deal(&app);
    let id = submitted_contract(&app, &buyer, deal);
    let (outsider, _) = verified_org(&app, "enterprise", "630105");
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let anon = app.client();
    let amend = format!("/contracts/{id}/amend");
    // Before registration there is nothing to amend.
    let clients = [&buyer, &seller, &outsider, &officer, &far, &anon];
    for (i, expected) in [409, 409, 404, 404, 404, 303].iter().enumerate() {
        assert_eq!(clients[i].get(&amend).status, *expected, "GET amend as #{i}");
    }
    register(&app, &officer, id);
    let page = format!("/contracts/{id}");
    for (i, expected) in [200, 200, 404, 404, 404, 303].iter().enumerate() {
        assert_eq!(clients[i].get(&amend).status, *expected, "GET amend as #{i}");
    }
    let mut fields = contract_fields("", "160万", "20万", "2026-01-01");
    fields.retain(|(k, _)| *k != "deal");
    fields.push(("amend_reason", "调整金额"));
    // Only a party proposes, attaches and submits.
    for (i, c) in [&outsider, &officer, &far, &anon].iter().enumerate() {
        let from = if i == 3 { "/login" } else { "/contracts" };
        let expected = if i == 3 { 303 } else { 404 };
        assert_eq!(c.post(from, &amend, &fields).status, expected, "amend as #{i}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM contract_amendments"), 0);
    assert_eq!(seller.post(&amend, &amend, &fields).status, 303);
    let v = amendment_version(&app, id);
    let file = format!("/contracts/{id}/amendment/file");
    let submit = format!("/contracts/{id}/amendment/submit");
    for (i, c) in [&outsider, &officer, &far, &anon].iter().enumerate() {
        let from = if i == 3 { "/login" } else { "/contracts" };
        let expected = if i == 3 { 303 } else { 404 };
        let r = c.post_multipart(from, &file, &[], &[("file", "a.pdf", PDF)]);
        assert_eq!(r.status, expected, "attach as #{i}");
        assert_eq!(
            c.post(from, &submit, &[("version", &v)]).status,
            expected,
            "submit as #{i}"
        );
    }
    assert_eq!(
        seller
            .post_multipart(&page, &file, &[], &[("file", "a.pdf", PDF)])
            .status,
        303
    );
    assert_eq!(buyer.post(&page, &submit, &[("version", &v)]).status, 303);
    // Only an officer of the region registers or returns it.
    let v = amendment_version(&app, id);
    let register = format!("/officer/contracts/{id}/amendment/register");
    let ret = format!("/officer/contracts/{id}/amendment/return");
    let expected = [403, 403, 403, 404, 303];
    for (i, c) in [&buyer, &seller, &outsider, &far, &anon].iter().enumerate() {
        let from = if i == 4 { "/login" } else { "/contracts" };
        let r = c.post(
            from,
            &register,
            &[("kind", "licence.ordinary"), ("tech_amount", "1万"), ("version", &v)],
        );
        assert_eq!(r.status, expected[i], "register as #{i}");
        let r = c.post(from, &ret, &[("reason", "x"), ("version", &v)]);
        assert_eq!(r.status, expected[i], "return as #{i}");
    }
    assert_eq!(
        officer
            .post_raw(&register, &[("kind", "licence.ordinary"), ("tech_amount", "1万")])
            .status,
        403
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contract_amendments WHERE status = 'submitted'"),
        1
    );
    // The agreement is seen by those who see the contract.
    let f = format!("/contracts/{id}/amendments/1/file");
    for (i, expected) in [200, 200, 404, 200, 404, 303].iter().enumerate() {
        assert_eq!(clients[i].get(&f).status, *expected, "GET agreement as #{i}");
    }
    let r = officer.post(
        &page,
        &register,
        &[("kind", "licence.ordinary"), ("tech_amount", "140万"), ("version", &v)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
});

// When the seller's region is served by an office of this market, the contract page offers no
// "registered by another office" section, and recording one is refused (both parties in 西宁 saw it).
both!(no_other_office_for_a_seller_served_here, |db| {
    let app = TestApp::start(db);
    let (buyer, _) = verified_org(&app, "enterprise", "630104");
    let (_seller, _, seller_code) = signup_org(&app, "university", "630102");
    app.exec(&format!(
        "UPDATE organizations SET verification = 'verified' WHERE credit_code = '{seller_code}'"
    ))
    .expect("verify");
    app.create_officer("630100");
    let r = buyer.post(
        "/contracts/new",
        "/contracts",
        &[
            ("our_role", "buyer"),
            ("counterparty", &seller_code),
            ("kind", "transfer.patent"),
            ("project_name", "锂电池回收专利转让"),
            ("signed_on", "2026-01-01"),
            ("term_from", "2026-01-01"),
            ("term_to", "2026-12-31"),
            ("amount", "80万"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM contracts");
    let page = buyer.get(&format!("/contracts/{id}"));
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("由其他登记机关登记的合同"),
        "a contract between two 西宁 parties offers another office's registration"
    );
    let r = buyer.post_multipart(
        &format!("/contracts/{id}"),
        &format!("/contracts/{id}/elsewhere"),
        &[
            ("office", "北京技术市场管理办公室"),
            ("number", "2026110108000123"),
            ("registered_on", "2026-02-01"),
        ],
        &[("scan", "cert.pdf", PDF)],
    );
    assert_eq!(r.status, 409);
    r.assert_contains("由本平台的登记机关认定登记");
    assert_eq!(app.count("SELECT COUNT(*) FROM contract_elsewhere"), 0);
});

// Who registers and who administers (a province officer registered 西宁's contracts under the
// province's number and could edit 西宁's policy): the office of the seller's region registers,
// the province only where no office below it serves; a policy belongs to its issuing region.
both!(
    the_sellers_own_office_registers_and_a_policy_belongs_to_its_region,
    |db| {
        let app = TestApp::start(db);
        let (buyer, _, _, deal) = agreed_deal(&app);
        let id = submitted_contract(&app, &buyer, deal);
        let (pe, pp) = app.create_officer("630000");
        let province = login(&app, &pe, &pp);
        let (ce, cp) = app.create_officer("630100");
        let city = login(&app, &ce, &cp);
        let page = format!("/contracts/{id}");
        // The province sees neither the contract nor it in its queue, and cannot register it.
        assert_eq!(province.get(&page).status, 404);
        assert!(!province.get("/officer/contracts").body.contains("盐湖卤水提锂"));
        let r = province.post(
            "/officer/contracts",
            &format!("/officer/contracts/{id}/register"),
            &[
                ("kind", "licence.ordinary"),
                ("tech_amount", "130万"),
                ("version", &version(&app, id)),
            ],
        );
        assert_eq!(r.status, 404);
        // 西宁's office registers it under its own number.
        city.get("/officer/contracts").assert_contains("盐湖卤水提锂");
        register(&app, &city, id);
        let number = app.text(&format!("SELECT registration_no FROM contracts WHERE id = {id}"));
        assert!(number.starts_with("630100-"), "registered as {number}");

        // 西宁's policy is 西宁's: the province neither lists nor edits it.
        city.get("/officer/policies").assert_contains("西宁");
        let list = province.get("/officer/policies");
        assert!(
            !list.body.contains("/officer/policies/xining-2020/edit"),
            "the province may edit 西宁's policy"
        );
        assert_ne!(province.get("/officer/policies/xining-2020/edit").status, 200);
        assert_eq!(city.get("/officer/policies/xining-2020/edit").status, 200);
    }
);

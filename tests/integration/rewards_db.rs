//! The reward engine through the database: every worked example written into the register and
//! recomputed into the ledger, on both databases; recomputation is idempotent, and recomputing one
//! contract agrees with recomputing everything.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::Value;

use crate::both;
use crate::helpers::*;
use crate::rewards_cli::{cases, load};
use techmarket::awards::{self, import, Scope};
use techmarket::schema::reward_ledger;

/// Starts the app without its rewards worker (the tests recompute by hand, as of each case's date).
pub fn quiet_app(db: Db) -> TestApp {
    TestApp::start_with(
        db,
        Options {
            extra: vec![("REWARDS_POLL_MS", "0".into())],
            ..Default::default()
        },
    )
}

/// The live entries as the worked examples write awards: (program, beneficiary, contract, year,
/// amount, status, final), sorted.
fn live_awards(
    conn: &mut techmarket::db::DbConn,
    ids: &import::Ids,
) -> Vec<(String, String, String, i64, String, String, bool)> {
    let entries: Vec<awards::Entry> = reward_ledger::table
        .order(reward_ledger::id)
        .load(conn)
        .expect("ledger");
    let reversed: Vec<i64> = entries.iter().filter_map(|e| e.reverses).collect();
    let mut out: Vec<_> = entries
        .iter()
        .filter(|e| e.reverses.is_none() && !reversed.contains(&e.id))
        .map(|e| {
            (
                e.program.clone(),
                ids.party_of(e.beneficiary_org_id).unwrap_or("?").to_string(),
                e.contract_id
                    .map(|c| ids.contract_of(c).unwrap_or("?").to_string())
                    .unwrap_or_default(),
                i64::from(e.year),
                techmarket::rewards::Money::from_fen(e.amount_fen).plain(),
                e.status.to_string(),
                e.is_final,
            )
        })
        .collect();
    out.sort();
    out
}

fn expected_awards(case: &Value) -> Vec<(String, String, String, i64, String, String, bool)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out: Vec<_> = case["expected"]["awards"]
        .as_array()
        .expect("expected.awards")
        .iter()
        .map(|a| {
            (
                s(&a["program"]),
                s(&a["beneficiary"]),
                s(&a["contract"]),
                a["year"].as_i64().unwrap_or_default(),
                s(&a["amount"]),
                s(&a["status"]),
                a["final"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

both!(every_worked_example_matches_through_the_ledger, |db| {
    for path in cases() {
        let case = load(&path);
        let app = quiet_app(db);
        let pool = techmarket::db::connect(&app.database_url, 2).expect("pool");
        let mut conn = pool.get().expect("conn");
        let scenario = techmarket::rewards::parse_scenario(&case["scenario"].to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ids = import::import(&mut conn, &scenario, "case").expect("import");
        let as_of =
            NaiveDate::parse_from_str(case["scenario"]["as_of"].as_str().expect("as_of"), "%Y-%m-%d").expect("as_of");
        let first = awards::recompute(&mut conn, Scope::All, "recompute", as_of).expect("recompute");
        let got = live_awards(&mut conn, &ids);
        assert_eq!(got, expected_awards(&case), "{} ({db:?})", path.display());
        assert_eq!(first.reversed, 0);
        // Idempotent: again, nothing changes.
        let again = awards::recompute(&mut conn, Scope::All, "recompute", as_of).expect("recompute");
        assert_eq!(
            again,
            awards::Outcome::default(),
            "{}: a second run changed the ledger",
            path.display()
        );
        // Recomputing each contract alone agrees with recomputing everything.
        for id in ids.contracts.values() {
            let one = awards::recompute(&mut conn, Scope::Contract(*id), "recompute", as_of).expect("recompute");
            assert_eq!(
                one,
                awards::Outcome::default(),
                "{}: contract {id} alone differs",
                path.display()
            );
        }
        // Every award carries its trace, in Chinese.
        let traces: Vec<String> = reward_ledger::table
            .select(reward_ledger::trace)
            .load(&mut conn)
            .expect("traces");
        assert!(
            traces.iter().all(|t| !t.is_empty()),
            "{}: an award without a trace",
            path.display()
        );
    }
});

/// Waits (up to 20 s) until `page` as `client` shows `text`.
fn wait_for(client: &Client, page: &str, text: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let body = client.get(page).body;
        if body.contains(text) {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{page} never showed {text}:\n{body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn fast_app(db: Db) -> TestApp {
    TestApp::start_with(
        db,
        Options {
            extra: vec![("REWARDS_POLL_MS", "100".into())],
            ..Default::default()
        },
    )
}

both!(
    registering_computes_awards_without_a_button_and_an_amendment_reissues_them,
    |db| {
        use crate::contracts::{
            agreed_deal, amendment_version, contract_fields, register, submitted_contract, version,
        };
        let app = fast_app(db);
        let (buyer, _, seller, deal) = agreed_deal(&app);
        let id = submitted_contract(&app, &buyer, deal);
        let (oe, op) = app.create_officer("630100");
        let officer = login(&app, &oe, &op);
        assert!(buyer.get("/rewards").body.contains("暂无"));
        register(&app, &officer, id);
        // 西宁 art. 6: 3 % of the 150万 contract amount, for the buyer in 西宁; computed by the worker.
        let page = wait_for(&buyer, "/rewards", "45,000.00");
        assert!(page.contains("按合同金额1,500,000.00元的3%计算为45,000.00元"), "{page}");
        assert!(page.contains("未超过单项上限100,000.00元"), "{page}");
        assert!(page.contains("待核准"), "{page}");
        assert!(!seller.get("/rewards").body.contains("45,000.00"));
        // The officer of 西宁 approves it (a rejection needs a reason).
        let q = officer.get("/officer/rewards");
        q.assert_contains("技术合同买方补贴");
        let entry = app.count("SELECT MAX(id) FROM reward_ledger");
        let decide = format!("/officer/rewards/{entry}/decide");
        let r = officer.post("/officer/rewards", &decide, &[("decision", "reject")]);
        assert_eq!(r.status, 422);
        assert_eq!(
            officer
                .post("/officer/rewards", &decide, &[("decision", "approve")])
                .status,
            303
        );
        wait_for(&buyer, "/rewards", "已核准");
        assert_eq!(
            officer
                .post("/officer/rewards", &decide, &[("decision", "approve")])
                .status,
            409
        );

        // An amendment to 200万: the award is reversed and reissued (60,000.00), to be approved anew.
        let page_k = format!("/contracts/{id}");
        let amend = format!("/contracts/{id}/amend");
        let mut f = contract_fields("", "200万", "20万", "2026-01-01");
        f.retain(|(k, _)| *k != "deal");
        f.push(("amend_reason", "增加二期工艺包"));
        assert_eq!(buyer.post(&amend, &amend, &f).status, 303);
        assert_eq!(
            buyer
                .post_multipart(
                    &page_k,
                    &format!("/contracts/{id}/amendment/file"),
                    &[],
                    &[("file", "a.pdf", PDF)]
                )
                .status,
            303
        );
        assert_eq!(
            buyer
                .post(
                    &page_k,
                    &format!("/contracts/{id}/amendment/submit"),
                    &[("version", &amendment_version(&app, id))]
                )
                .status,
            303
        );
        let r = officer.post(
            &page_k,
            &format!("/officer/contracts/{id}/amendment/register"),
            &[
                ("kind", "licence.ordinary"),
                ("tech_amount", "180万"),
                ("version", &amendment_version(&app, id)),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let page = wait_for(&buyer, "/rewards", "60,000.00");
        assert!(page.contains("冲销第"), "the history shows no reversal:\n{page}");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM reward_ledger WHERE reverses = {entry}")),
            1
        );
        assert_eq!(app.count("SELECT SUM(amount_fen) FROM reward_ledger"), 6_000_000);
        let _ = version(&app, id);
        // A payment changes nothing under a contract-based program: nothing is posted.
        let before = app.count("SELECT COUNT(*) FROM reward_ledger");
        let r = seller.post_multipart(
            &page_k,
            &format!("/contracts/{id}/payments"),
            &[("paid_on", "2026-02-01"), ("amount", "50万")],
            &[("proof", "p.pdf", PDF)],
        );
        assert_eq!(r.status, 303);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while app.count("SELECT COUNT(*) FROM reward_jobs WHERE done_at IS NULL") > 0 {
            assert!(std::time::Instant::now() < deadline, "the payment's job was not done");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM reward_ledger"), before);

        // The catalogue, a malformed draft (file and line named), a what-if, and a new version.
        officer.get("/officer/policies").assert_contains("西宁 措施6");
        let edit = "/officer/policies/xining-2020/edit";
        let current = app.text(
        "SELECT content FROM policy_versions WHERE name = 'policies/xining-2020.toml' ORDER BY version_no DESC LIMIT 1",
    );
        let year = chrono::Local::now().format("%Y").to_string();
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        let broken = current.replacen("rate = \"3%\"", "rate = \"3%", 1);
        let r = officer.post(
            edit,
            edit,
            &[
                ("content", &broken),
                ("effective_from", &today),
                ("note", "试改"),
                ("action", "publish"),
            ],
        );
        assert_eq!(r.status, 422);
        r.assert_contains("policies/xining-2020.toml:");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM policy_versions WHERE name = 'policies/xining-2020.toml'"),
            1
        );
        let four = current.replacen("rate = \"3%\"", "rate = \"4%\"", 1);
        let r = officer.post(
            edit,
            edit,
            &[
                ("content", &four),
                ("year", &year),
                ("effective_from", &today),
                ("action", "preview"),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.assert_contains("6万元");
        r.assert_contains("8万元");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM policy_versions WHERE name = 'policies/xining-2020.toml'"),
            1
        );
        let r = officer.post(
            edit,
            edit,
            &[
                ("content", &four),
                ("effective_from", &today),
                ("note", "买方补贴比例调整为4%"),
                ("action", "publish"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let page = wait_for(&buyer, "/rewards", "80,000.00");
        assert!(page.contains("policies/xining-2020.toml v2"), "{page}");
        assert_eq!(
            officer.get("/officer/policies/xining-2020/versions/1").body,
            app.text("SELECT content FROM policy_versions WHERE name = 'policies/xining-2020.toml' AND version_no = 1")
        );

        // A budget for the fund: what does not fit is over budget (一事一议).
        let r = officer.post(
            "/officer/rewards",
            "/officer/rewards/budgets",
            &[("fund", "xining-2020-fund"), ("year", &year), ("amount", "5万")],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while app.count("SELECT COUNT(*) FROM reward_ledger WHERE status = 'over_budget'") == 0 {
            assert!(std::time::Instant::now() < deadline, "the budget was not applied");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let page = buyer.get("/rewards").body;
        assert!(page.contains("50,000.00") || page.contains("5万元"), "{page}");
        assert_eq!(
            app.count("SELECT SUM(amount_fen) FROM reward_ledger WHERE status = 'computed'"),
            5_000_000
        );
        assert_eq!(
            app.count("SELECT SUM(amount_fen) FROM reward_ledger WHERE status = 'over_budget'"),
            3_000_000
        );

        // A discretionary award, checked against the range of the text (500,000–1,000,000).
        let code = app.text(&format!(
            "SELECT credit_code FROM organizations WHERE id = (SELECT buyer_org_id FROM contracts WHERE id = {id})"
        ));
        let number = app.text(&format!("SELECT registration_no FROM contracts WHERE id = {id}"));
        let enter = |amount: &str| {
            officer.post(
                "/officer/rewards",
                "/officer/rewards/discretionary",
                &[
                    ("program", "xining-2020-6-major"),
                    ("beneficiary", &code),
                    ("contract", &number),
                    ("year", &year),
                    ("amount", amount),
                    ("note", "重大项目一事一议"),
                ],
            )
        };
        let r = enter("40万");
        assert_eq!(r.status, 422);
        r.assert_contains("500,000.00–1,000,000.00");
        r.assert_contains("value=\"40万\"");
        assert_eq!(enter("60万").status, 303);
        wait_for(&buyer, "/rewards", "600,000.00");

        // Approve everything awaiting, then the disbursement list: 西宁's halves, CSV and XLSX.
        let awaiting: Vec<i64> = {
            let n = app.count("SELECT COUNT(*) FROM reward_ledger");
            (1..=n).collect()
        };
        for e in awaiting {
            let _ = officer.post(
                "/officer/rewards",
                &format!("/officer/rewards/{e}/decide"),
                &[("decision", "approve")],
            );
        }
        // Every officer action is in the audit log of the region.
        for action in ["award_approved", "award_discretionary", "budget_set", "policy_version"] {
            assert!(
                app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")) >= 1,
                "no {action} in the audit log"
            );
        }
        officer.get("/officer/audit").assert_contains("发布政策新版本");
        let csv = officer.get(&format!("/officer/rewards/disbursement?year={year}&format=csv"));
        assert_eq!(csv.status, 200);
        assert!(csv.body.contains("市级承担"), "{}", csv.body);
        assert!(csv.body.contains("50000.00,25000.00,25000.00"), "{}", csv.body);
        assert!(csv.body.contains("600000.00,300000.00,300000.00"), "{}", csv.body);
        assert!(
            !csv.body.contains("30000.00,"),
            "an over-budget award is listed:\n{}",
            csv.body
        );
        let xlsx = officer.get_bytes(&format!("/officer/rewards/disbursement?year={year}&format=xlsx"));
        assert!(xlsx.starts_with(b"PK"), "the XLSX is not a zip");

        // 西宁 art. 14: the seller is a university of 西宁, so the contract offers the income floors.
        seller.get(&page_k).assert_contains("成果转化收益分配（西宁措施14）");
        let income = format!("/contracts/{id}/income");
        let r = seller.get(&format!("{income}?net=100万"));
        assert_eq!(r.status, 200);
        r.assert_contains("700,000.00");
        r.assert_contains("490,000.00");
        let r = seller.get(&format!("{income}?net=abc"));
        assert_eq!(r.status, 422);
        r.assert_contains("value=\"abc\"");
        let (outsider, _) = crate::listings::verified_org(&app, "enterprise", "630105");
        assert_eq!(outsider.get(&income).status, 404);
        assert_eq!(app.client().get(&income).status, 303);
    }
);

both!(reward_routes_for_every_role, |db| {
    let app = quiet_app(db);
    let (buyer, _) = crate::listings::verified_org(&app, "enterprise", "630104");
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let anon = app.client();
    let clients = [&buyer, &officer, &far, &anon];
    let table: Vec<(&str, [u16; 4])> = vec![
        ("/rewards", [200, 303, 303, 303]),
        ("/officer/rewards", [403, 200, 200, 303]),
        ("/officer/policies", [403, 200, 200, 303]),
        ("/officer/policies/xining-2020/edit", [403, 200, 404, 303]),
        ("/officer/policies/qingdao-2024/edit", [403, 404, 200, 303]),
        ("/officer/policies/xining-2020/versions/1", [403, 200, 200, 303]),
        ("/officer/policies/xining-2020/versions/9", [403, 404, 404, 303]),
        (
            "/officer/rewards/disbursement?year=2026&format=csv",
            [403, 200, 200, 303],
        ),
        ("/officer/rewards/disbursement?year=x&format=csv", [403, 400, 400, 303]),
    ];
    for (path, expected) in &table {
        for (i, c) in clients.iter().enumerate() {
            assert_eq!(c.get(path).status, expected[i], "GET {path} as #{i}");
        }
    }
    // State changes: only officers, and only for their own programs and funds.
    let fields_budget = [("fund", "xining-2020-fund"), ("year", "2026"), ("amount", "5万")];
    assert_eq!(
        buyer
            .post("/rewards", "/officer/rewards/budgets", &fields_budget)
            .status,
        403
    );
    let r = far.post("/officer/rewards", "/officer/rewards/budgets", &fields_budget);
    assert_eq!(r.status, 422);
    r.assert_contains("请选择您负责的资金");
    assert_eq!(
        anon.post("/login", "/officer/rewards/budgets", &fields_budget).status,
        303
    );
    assert_eq!(officer.post_raw("/officer/rewards/budgets", &fields_budget).status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM reward_budgets"), 0);
    let d = [
        ("program", "xining-2020-6-major"),
        ("beneficiary", "X"),
        ("year", "2026"),
        ("amount", "60万"),
        ("note", "重大项目"),
    ];
    assert_eq!(buyer.post("/rewards", "/officer/rewards/discretionary", &d).status, 403);
    let r = far.post("/officer/rewards", "/officer/rewards/discretionary", &d);
    assert_eq!(r.status, 422);
    r.assert_contains("请选择您负责的酌定奖励项目");
    let edit = "/officer/policies/xining-2020/edit";
    let e = [
        ("content", "x"),
        ("effective_from", "2026-01-01"),
        ("note", "试改"),
        ("action", "publish"),
    ];
    assert_eq!(buyer.post("/rewards", edit, &e).status, 403);
    assert_eq!(far.post("/officer/policies", edit, &e).status, 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM reward_ledger"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM policy_versions"), 5);
    for (i, c) in [&buyer, &far].iter().enumerate() {
        let r = c.post(
            "/officer/rewards",
            "/officer/rewards/1/decide",
            &[("decision", "approve")],
        );
        assert_eq!(r.status, [403, 404][i], "decide as #{i}");
    }
});

/// A scenario of many contracts sharing limits: a 西宁 buyer with eight 100万 contracts (3 % each,
/// one fund) and a 青岛 科技型中小企业 with six voucher-paid development contracts (50 % of the
/// vouchers, at most 200,000 a year across them).
fn shared_limits_scenario(budget: bool) -> String {
    let mut contracts = Vec::new();
    for i in 0..8 {
        contracts.push(serde_json::json!({
            "id": format!("X{i}"), "kind": "development", "patent": false,
            "buyer": "xn-ent", "seller": "xn-uni", "intermediaries": [],
            "amount": "1000000.00", "technology_amount": null, "equity_amount": null,
            "signed_on": "2026-03-01", "registered_on": format!("2026-03-{:02}", 2 + i),
            "registered_through": null, "payments": []
        }));
    }
    for i in 0..6 {
        contracts.push(serde_json::json!({
            "id": format!("Q{i}"), "kind": "service", "patent": false,
            "buyer": "qd-ent", "seller": "qd-uni", "intermediaries": [],
            "amount": "300000.00", "technology_amount": null, "equity_amount": null,
            "signed_on": "2026-02-01", "registered_on": "2026-02-10",
            "registered_through": null,
            "payments": [{"on": format!("2026-04-{:02}", 1 + i), "amount": "150000.00", "voucher": true}]
        }));
    }
    let budgets = if budget {
        serde_json::json!({"xining-2020-fund": {"2026": "100000.00"}})
    } else {
        Value::Null
    };
    serde_json::json!({
        "as_of": "2026-12-31",
        "parties": [
            {"id": "xn-ent", "kind": "enterprise", "region": "630104"},
            {"id": "xn-uni", "kind": "university", "region": "630102"},
            {"id": "qd-ent", "kind": "enterprise", "region": "370212", "sme": true, "tech_sme": true},
            {"id": "qd-uni", "kind": "university", "region": "370202"}
        ],
        "contracts": contracts,
        "programs": null,
        "budgets": budgets
    })
    .to_string()
}

/// The engine's own awards for a scenario, as (program, beneficiary, contract, year, amount,
/// status, final).
fn engine_awards(json: &str) -> Vec<(String, String, String, i64, String, String, bool)> {
    let s = techmarket::rewards::parse_scenario(json).expect("scenario");
    let cat = techmarket::rewards::default_catalogue().expect("catalogue");
    let mut out: Vec<_> = techmarket::rewards::evaluate(&s, &cat)
        .awards
        .into_iter()
        .map(|a| {
            (
                a.program,
                a.beneficiary,
                a.contract.unwrap_or_default(),
                i64::from(a.year),
                a.amount,
                a.status.code().to_string(),
                a.is_final,
            )
        })
        .collect();
    out.sort();
    out
}

both!(shared_limits_hold_when_recomputations_race, |db| {
    let app = quiet_app(db);
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
    let pool = techmarket::db::connect(&app.database_url, 10).expect("pool");
    let json = shared_limits_scenario(false);
    let scenario = techmarket::rewards::parse_scenario(&json).expect("scenario");
    let ids = {
        let mut conn = pool.get().expect("conn");
        import::import(&mut conn, &scenario, "race").expect("import")
    };
    let contract_ids: Vec<i64> = ids.contracts.values().copied().collect();
    let race = |rounds: usize| {
        std::thread::scope(|s| {
            for t in 0..8 {
                let pool = &pool;
                let contract_ids = &contract_ids;
                s.spawn(move || {
                    let mut conn = pool.get().expect("conn");
                    for r in 0..rounds {
                        let k = contract_ids[(t * 3 + r) % contract_ids.len()];
                        let scope = if (t + r) % 5 == 0 {
                            Scope::All
                        } else {
                            Scope::Contract(k)
                        };
                        awards::recompute(&mut conn, scope, "payment", as_of).expect("recompute");
                    }
                });
            }
        });
    };
    race(6);
    let mut conn = pool.get().expect("conn");
    let cents =
        |rows: &[(String, String, String, i64, String, String, bool)], program: &str, who: &str, status: &str| -> i64 {
            rows.iter()
                .filter(|r| r.0 == program && r.1 == who && r.5 == status)
                .map(|r| techmarket::rewards::Money::parse(&r.4).expect("amount").fen())
                .sum()
        };
    let got = live_awards(&mut conn, &ids);
    // The voucher cap of the 青岛 buyer: 200,000.00 a year across its contracts, never more.
    assert_eq!(cents(&got, "qingdao-2024-23-voucher", "qd-ent", "computed"), 20_000_000);
    // No award lost, none twice: the ledger is what the engine computes for the whole register.
    assert_eq!(got, engine_awards(&json));
    let keys = app.count(
        "SELECT COUNT(*) FROM (SELECT award_key FROM reward_ledger l WHERE reverses IS NULL AND NOT EXISTS (SELECT 1 FROM reward_ledger r WHERE r.reverses = l.id) GROUP BY award_key HAVING COUNT(*) > 1) d",
    );
    assert_eq!(keys, 0, "an award key is live twice");

    // A budget of 100,000.00 for the 西宁 fund: eight awards of 30,000.00 race for it.
    diesel::sql_query(
        "INSERT INTO reward_budgets (fund, year, amount_fen, set_by, set_at) SELECT 'xining-2020-fund', 2026, 10000000, MIN(id), 0 FROM users",
    )
    .execute(&mut conn)
    .expect("budget");
    drop(conn);
    race(4);
    let mut conn = pool.get().expect("conn");
    let got = live_awards(&mut conn, &ids);
    assert_eq!(cents(&got, "xining-2020-6-buyer", "xn-ent", "computed"), 10_000_000);
    assert_eq!(cents(&got, "xining-2020-6-buyer", "xn-ent", "over_budget"), 14_000_000);
    assert_eq!(got, engine_awards(&shared_limits_scenario(true)));
    // And once more, nothing changes.
    assert_eq!(
        awards::recompute(&mut conn, Scope::All, "recompute", as_of).expect("recompute"),
        awards::Outcome::default()
    );
});

both!(
    two_programs_of_one_region_paying_twice_are_held_until_one_supersedes_the_other,
    |db| {
        let app = quiet_app(db);
        let pool = techmarket::db::connect(&app.database_url, 2).expect("pool");
        let mut conn = pool.get().expect("conn");
        let case = load(&cases().into_iter().next().expect("a case"));
        let scenario = techmarket::rewards::parse_scenario(&case["scenario"].to_string()).expect("scenario");
        let ids = import::import(&mut conn, &scenario, "clash").expect("import");
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
        awards::recompute(&mut conn, Scope::All, "recompute", as_of).expect("recompute");
        let (oe, op) = app.create_officer("630100");
        let officer = login(&app, &oe, &op);
        // A second buyer program in 西宁's file, the same rule under another id, superseding nothing.
        let current = app.text(
        "SELECT content FROM policy_versions WHERE name = 'policies/xining-2020.toml' ORDER BY version_no DESC LIMIT 1",
    );
        let start = current
            .find("[[programs]]\nid = \"xining-2020-6-buyer\"")
            .expect("the buyer program");
        let end = current[start + 12..]
            .find("[[programs]]")
            .map(|i| start + 12 + i)
            .unwrap_or(current.len());
        let copy: String = current[start..end]
            .replace("id = \"xining-2020-6-buyer\"", "id = \"xining-2020-6-buyer-again\"")
            .lines()
            .filter(|l| !l.starts_with("fund ="))
            .collect::<Vec<_>>()
            .join("\n");
        let publish = |content: &str, note: &str| {
            let edit = "/officer/policies/xining-2020/edit";
            officer.post(
                edit,
                edit,
                &[
                    ("content", content),
                    ("effective_from", "2020-01-01"),
                    ("note", note),
                    ("action", "publish"),
                ],
            )
        };
        let twice = format!("{current}\n{copy}\n");
        assert_eq!(publish(&twice, "重复的买方补贴").status, 303);
        awards::recompute(&mut conn, Scope::All, "program", as_of).expect("recompute");
        let held = app.count("SELECT COUNT(*) FROM reward_ledger l WHERE status = 'conflict' AND reverses IS NULL AND NOT EXISTS (SELECT 1 FROM reward_ledger r WHERE r.reverses = l.id)");
        assert_eq!(held, 2, "both awards are not held");
        let page = officer.get("/officer/rewards");
        page.assert_contains("政策冲突");
        page.assert_contains("xining-2020-6-buyer-again");
        let entry = app.count("SELECT MAX(id) FROM reward_ledger WHERE status = 'conflict'");
        assert_eq!(
            officer
                .post(
                    "/officer/rewards",
                    &format!("/officer/rewards/{entry}/decide"),
                    &[("decision", "approve")]
                )
                .status,
            409
        );
        // Within one document a program cannot supersede another (only a later document can): the
        // office settles it with a version that drops the duplicate. One award again, computed.
        let r = publish(&current, "删去重复的买方补贴");
        assert_eq!(r.status, 303, "{}", r.body);
        awards::recompute(&mut conn, Scope::All, "program", as_of).expect("recompute");
        let got = live_awards(&mut conn, &ids);
        assert!(got.iter().all(|a| a.5 != "conflict"), "{got:?}");
        assert!(
            got.iter().any(|a| a.0 == "xining-2020-6-buyer" && a.5 == "computed"),
            "{got:?}"
        );
        assert!(!got.iter().any(|a| a.0 == "xining-2020-6-buyer-again"), "{got:?}");
        assert_eq!(got, expected_awards(&case));
    }
);

both!(
    a_new_version_pays_from_its_date_and_earlier_awards_keep_the_old_one,
    |db| {
        let app = quiet_app(db);
        let pool = techmarket::db::connect(&app.database_url, 2).expect("pool");
        let mut conn = pool.get().expect("conn");
        let contract = |id: &str, on: &str| {
            serde_json::json!({
                "id": id, "kind": "development", "patent": false,
                "buyer": "xn-ent", "seller": "xn-uni", "intermediaries": [],
                "amount": "1000000.00", "technology_amount": null, "equity_amount": null,
                "signed_on": on, "registered_on": on, "registered_through": null, "payments": []
            })
        };
        let json = serde_json::json!({
            "as_of": "2026-12-31",
            "parties": [
                {"id": "xn-ent", "kind": "enterprise", "region": "630104"},
                {"id": "xn-uni", "kind": "university", "region": "630102"}
            ],
            "contracts": [contract("EARLY", "2026-03-15"), contract("LATE", "2026-07-01")],
            "programs": null, "budgets": null
        })
        .to_string();
        let scenario = techmarket::rewards::parse_scenario(&json).expect("scenario");
        let ids = import::import(&mut conn, &scenario, "dates").expect("import");
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
        awards::recompute(&mut conn, Scope::All, "recompute", as_of).expect("recompute");
        let (oe, op) = app.create_officer("630100");
        let officer = login(&app, &oe, &op);
        let current = app.text(
        "SELECT content FROM policy_versions WHERE name = 'policies/xining-2020.toml' ORDER BY version_no DESC LIMIT 1",
    );
        let edit = "/officer/policies/xining-2020/edit";
        let r = officer.post(
            edit,
            edit,
            &[
                ("content", &current.replacen("rate = \"3%\"", "rate = \"4%\"", 1)),
                ("effective_from", "2026-06-01"),
                ("note", "自2026年6月1日起买方补贴4%"),
                ("action", "publish"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let changed = awards::recompute(&mut conn, Scope::All, "program", as_of).expect("recompute");
        assert_eq!(
            changed,
            awards::Outcome { posted: 1, reversed: 1 },
            "only the later contract's award changes"
        );
        let got = live_awards(&mut conn, &ids);
        let buyer: Vec<_> = got.iter().filter(|a| a.0 == "xining-2020-6-buyer").collect();
        assert_eq!(buyer.len(), 2, "{got:?}");
        assert!(buyer.iter().any(|a| a.2 == "EARLY" && a.4 == "30000.00"), "{got:?}");
        assert!(buyer.iter().any(|a| a.2 == "LATE" && a.4 == "40000.00"), "{got:?}");
        let policies: Vec<String> = reward_ledger::table
            .filter(reward_ledger::reverses.is_null())
            .select(reward_ledger::policy)
            .load(&mut conn)
            .expect("policies");
        assert!(
            policies.iter().any(|p| p == "policies/xining-2020.toml v2"),
            "{policies:?}"
        );
        // Evaluated before the new version took effect, both keep the old rate.
        let before = NaiveDate::from_ymd_opt(2026, 5, 31).expect("date");
        awards::recompute(&mut conn, Scope::All, "recompute", before).expect("recompute");
        let got = live_awards(&mut conn, &ids);
        assert!(got.iter().any(|a| a.2 == "EARLY" && a.4 == "30000.00"), "{got:?}");
        assert!(
            !got.iter().any(|a| a.2 == "LATE"),
            "registered after the evaluation date: {got:?}"
        );
    }
);

both!(two_intermediaries_share_the_brokers_award, |db| {
    let app = fast_app(db);
    let (buyer, _) = crate::listings::verified_org(&app, "enterprise", "630104");
    let (_seller, seller_email) = crate::listings::verified_org(&app, "university", "630102");
    let (b1, b1_email) = crate::listings::verified_org(&app, "transfer_institution", "630103");
    let (b2, b2_email) = crate::listings::verified_org(&app, "transfer_platform", "630105");
    let code = |email: &str| {
        app.text(&format!(
            "SELECT credit_code FROM organizations WHERE id = (SELECT org_id FROM users WHERE email = '{email}')"
        ))
    };
    let r = buyer.post(
        "/contracts/new",
        "/contracts",
        &[
            ("our_role", "buyer"),
            ("counterparty", &code(&seller_email)),
            ("intermediary", &format!("{}，{}", code(&b1_email), code(&b2_email))),
            ("kind", "development.commissioned"),
            ("project_name", "高原光伏组件运维技术开发"),
            ("signed_on", "2026-01-05"),
            ("term_from", "2026-01-05"),
            ("term_to", "2026-12-31"),
            ("amount", "100万"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id = app.count("SELECT MAX(id) FROM contracts");
    let page = format!("/contracts/{id}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM contract_intermediaries WHERE contract_id = {id}"
        )),
        1
    );
    // Both intermediaries see the contract; the page names both.
    let p = b2.get(&page);
    assert_eq!(p.status, 200);
    let name = |email: &str| {
        app.text(&format!(
            "SELECT name FROM organizations WHERE id = (SELECT org_id FROM users WHERE email = '{email}')"
        ))
    };
    p.assert_contains(&format!("{}、{}", name(&b1_email), name(&b2_email)));
    assert_eq!(b1.get(&page).status, 200);
    assert!(b2.get("/contracts").body.contains("高原光伏组件运维技术开发"));
    let r = buyer.post_multipart(&page, &format!("/contracts/{id}/file"), &[], &[("file", "c.pdf", PDF)]);
    assert_eq!(r.status, 303);
    let r = buyer.post(
        &page,
        &format!("/contracts/{id}/submit"),
        &[("version", &crate::contracts::version(&app, id))],
    );
    assert_eq!(r.status, 303);
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let r = officer.post(
        &page,
        &format!("/officer/contracts/{id}/register"),
        &[
            ("kind", "development.commissioned"),
            ("tech_amount", "100万"),
            ("version", &crate::contracts::version(&app, id)),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // 1 % of 100万 for the intermediaries, shared equally; 3 % for the buyer.
    wait_for(&b1, "/rewards", "5,000.00");
    wait_for(&b2, "/rewards", "5,000.00");
    wait_for(&buyer, "/rewards", "30,000.00");
    assert_eq!(
        app.count("SELECT SUM(amount_fen) FROM reward_ledger WHERE program = 'xining-2020-6-broker'"),
        1_000_000
    );
});

//! Needs and achievements: publish, review, browse, confidentiality, import — as users meet them.

use crate::both;
use crate::helpers::*;

/// Signs up an organization and has it verified (the verification flow itself is tested elsewhere).
pub fn verified_org(app: &TestApp, kind: &str, region: &str) -> (Client, String) {
    let (c, email, code) = signup_org(app, kind, region);
    app.exec(&format!(
        "UPDATE organizations SET verification = 'verified' WHERE credit_code = '{code}'"
    ))
    .expect("verify");
    (c, email)
}

fn future(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days)).to_string()
}

pub fn demand_fields(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_string()),
        (
            "summary",
            "我公司需要从低品位盐湖卤水中高效提取碳酸锂的成套技术，要求回收率高、能耗低。".to_string(),
        ),
        ("detail", "现有卤水锂浓度约200mg/L，镁锂比约60。".to_string()),
        ("contact", "王经理 13800000000".to_string()),
        ("field_code", "lithium".to_string()),
        ("keywords", "提锂，吸附剂、盐湖".to_string()),
        ("coop_modes", "transfer".to_string()),
        ("coop_modes", "joint_development".to_string()),
        ("budget_min", "50万".to_string()),
        ("budget_max", "3,000,000".to_string()),
        ("deadline", future(120)),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

pub fn post_demand(c: &Client, title: &str) -> Resp {
    let f = demand_fields(title);
    c.post("/demands/new", "/demands/new", &as_refs(&f))
}

fn id_from(location: &Option<String>) -> i64 {
    let l = location.clone().expect("redirect");
    let path = l.split('?').next().unwrap_or("");
    path.rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id in redirect")
}

both!(a_demand_goes_from_draft_to_published_and_back, |db| {
    let app = TestApp::start(db);
    // An unverified organization can prepare a draft but not submit it.
    let (ent, _, code) = signup_org(&app, "enterprise", "630104");
    let r = post_demand(&ent, "盐湖卤水提锂成套技术需求");
    assert_eq!(r.status, 303, "{}", r.body);
    let id = id_from(&r.location);
    let page = ent.get(&format!("/demands/{id}"));
    page.assert_contains("草稿");
    let r = ent.post(&format!("/demands/{id}"), &format!("/demands/{id}/submit"), &[]);
    assert_eq!(r.status, 403);
    r.assert_contains("机构通过认证后才能进行此操作");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM demands WHERE id = {id} AND status = 'draft'"
        )),
        1
    );
    // Nobody else sees a draft.
    assert_eq!(app.client().get(&format!("/demands/{id}")).status, 404);

    app.exec(&format!(
        "UPDATE organizations SET verification = 'verified' WHERE credit_code = '{code}'"
    ))
    .expect("verify");
    let r = ent.post(&format!("/demands/{id}"), &format!("/demands/{id}/submit"), &[]);
    assert_eq!(r.status, 303);

    let (oe, op) = app.create_officer("630100");
    let off = login(&app, &oe, &op);
    off.get("/officer/listings").assert_contains("盐湖卤水提锂成套技术需求");
    // Returning needs a reason; the owner sees it, fixes and resubmits.
    let r = off.post(
        &format!("/demands/{id}"),
        &format!("/officer/demands/{id}/review"),
        &[("action", "return"), ("reason", "")],
    );
    assert_eq!(r.status, 400);
    let r = off.post(
        &format!("/demands/{id}"),
        &format!("/officer/demands/{id}/review"),
        &[("action", "return"), ("reason", "请补充技术指标")],
    );
    assert_eq!(r.status, 303);
    let page = ent.get(&format!("/demands/{id}"));
    page.assert_contains("请补充技术指标");
    page.assert_contains("已退回");
    ent.get("/notifications").assert_contains("被退回");
    let mut f = demand_fields("盐湖卤水提锂成套技术需求（补充指标）");
    f.push(("budget_min", "60万".to_string()));
    let r = ent.post(
        &format!("/demands/{id}/edit"),
        &format!("/demands/{id}/edit"),
        &as_refs(&f),
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        ent.post(&format!("/demands/{id}"), &format!("/demands/{id}/submit"), &[])
            .status,
        303
    );
    // Publishing a demand sets its grade.
    let r = off.post(
        &format!("/demands/{id}"),
        &format!("/officer/demands/{id}/review"),
        &[("action", "publish"), ("grade", "")],
    );
    assert_eq!(r.status, 400);
    let r = off.post(
        &format!("/demands/{id}"),
        &format!("/officer/demands/{id}/review"),
        &[("action", "publish"), ("grade", "key")],
    );
    assert_eq!(r.status, 303);

    // Anyone sees the public part; contacts stay behind the confidentiality terms.
    let anon = app.client();
    let list = anon.get("/demands");
    list.assert_contains("盐湖卤水提锂成套技术需求（补充指标）");
    list.assert_contains("重点需求");
    let page = anon.get(&format!("/demands/{id}"));
    page.assert_contains("50万元");
    page.assert_contains("300万元");
    assert!(
        !page.body.contains("13800000000"),
        "contact hidden from anonymous visitors"
    );
    page.assert_contains("登录后可申请查看保密信息");
    // The owner closes it; it leaves the shelf.
    assert_eq!(
        ent.post(&format!("/demands/{id}"), &format!("/demands/{id}/close"), &[])
            .status,
        303
    );
    assert!(!anon.get("/demands").body.contains("补充指标"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'listing_%'"),
        2
    );
});

both!(confidential_detail_after_recorded_acceptance, |db| {
    let app = TestApp::start(db);
    let (ent, _) = verified_org(&app, "enterprise", "630104");
    let id = id_from(&post_demand(&ent, "高原牦牛乳深加工技术需求").location);
    ent.post(&format!("/demands/{id}"), &format!("/demands/{id}/submit"), &[]);
    app.exec(&format!(
        "UPDATE demands SET status = 'published', published_at = 1 WHERE id = {id}"
    ))
    .expect("publish");
    let (other, _) = verified_org(&app, "university", "630102");
    let page = other.get(&format!("/demands/{id}"));
    assert!(!page.body.contains("13800000000"));
    page.assert_contains("接受保密条款并查看");
    // Without the token nothing is recorded.
    assert_eq!(other.post_raw(&format!("/demands/{id}/terms"), &[]).status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM nda_acceptances"), 0);
    let r = other.post(&format!("/demands/{id}"), &format!("/demands/{id}/terms"), &[]);
    assert_eq!(r.status, 303);
    other.get(&format!("/demands/{id}")).assert_contains("13800000000");
    // The owner sees who accepted, and when.
    let owner_view = ent.get(&format!("/demands/{id}"));
    owner_view.assert_contains("已接受保密条款的用户");
    owner_view.assert_contains("张三");
    assert_eq!(app.count("SELECT COUNT(*) FROM nda_acceptances"), 1);
    // The owner's own organization needs no acceptance and cannot record one.
    assert_eq!(
        ent.post(&format!("/demands/{id}"), &format!("/demands/{id}/terms"), &[])
            .status,
        400
    );
});

both!(bad_listing_input_is_explained_and_nothing_is_stored, |db| {
    let app = TestApp::start(db);
    let (ent, _) = verified_org(&app, "enterprise", "630104");
    let mut f = demand_fields("盐湖提锂");
    f.retain(|(k, _)| {
        !matches!(
            *k,
            "budget_min" | "budget_max" | "deadline" | "field_code" | "coop_modes"
        )
    });
    f.push(("budget_min", "500万".to_string()));
    f.push(("budget_max", "-3".to_string()));
    f.push(("deadline", "2001-01-01".to_string()));
    f.push(("field_code", "no_such_field".to_string()));
    let r = ent.post("/demands/new", "/demands/new", &as_refs(&f));
    assert_eq!(r.status, 422);
    r.assert_contains("value=\"盐湖提锂\"");
    r.assert_contains("已经过去");
    r.assert_contains("no_such_field");
    r.assert_contains("请至少选择一种方式");
    assert!(
        r.body.contains("负") || r.body.contains("-3"),
        "the negative budget is named"
    );
    // An open challenge needs its bounty, goals, indicators and closing date.
    let mut f = demand_fields("揭榜挂帅：高纯氢制备");
    f.push(("is_challenge", "1".to_string()));
    let r = ent.post("/demands/new", "/demands/new", &as_refs(&f));
    assert_eq!(r.status, 422);
    r.assert_contains("悬赏金额");
    assert_eq!(app.count("SELECT COUNT(*) FROM demands"), 0);

    let (inst, _) = verified_org(&app, "research_institute", "630104");
    let base = vec![
        ("title", "盐湖卤水提锂吸附剂制备技术"),
        (
            "summary",
            "以铝系吸附剂从低品位卤水中选择性提锂，已完成千吨级中试验证。",
        ),
        ("contact", "李老师 0971-6300000"),
        ("field_code", "lithium"),
        ("trl", "6"),
        ("transfer_modes", "licence"),
        ("pricing_method", "agreement"),
        ("price", "800万"),
        ("ip_kind", "invention_patent"),
        ("ip_number", "202310123456.0"),
        ("ip_status", "granted"),
    ];
    let r = inst.post("/achievements/new", "/achievements/new", &base);
    assert_eq!(r.status, 422);
    r.assert_contains("校验位");
    r.assert_contains("value=\"202310123456.0\"");
    let r = inst.post(
        "/achievements/new",
        "/achievements/new",
        &[
            ("title", "x"),
            ("pricing_method", "auction"),
            ("negotiable", "1"),
            ("trl", "10"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("挂牌交易和拍卖必须给出价格");
    r.assert_contains("请选择1-9级技术成熟度");
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM ip_items"), 0);

    // The right check digit is accepted and the IP item is kept.
    let check = techmarket::patents::check_digit("202310123456").expect("check digit");
    let number = format!("202310123456.{check}");
    let mut good = base.clone();
    good.retain(|(k, _)| *k != "ip_number");
    good.push(("ip_number", &number));
    let r = inst.post("/achievements/new", "/achievements/new", &good);
    assert_eq!(r.status, 303, "{}", &r.body[..r.body.len().min(3000)]);
    let id = id_from(&r.location);
    let page = inst.get(&format!("/achievements/{id}"));
    page.assert_contains(&number);
    page.assert_contains("TRL 6");
    assert_eq!(app.count("SELECT COUNT(*) FROM ip_items"), 1);
});

both!(browse_filters_and_pages_deep_into_the_list, |db| {
    let app = TestApp::start(db);
    let (inst, _) = verified_org(&app, "university", "630102");
    let org = app.count("SELECT MAX(id) FROM organizations");
    let user = app.count("SELECT MAX(id) FROM users");
    // 45 published achievements straight into the table: two fields, readiness 1..9, prices.
    for i in 0..45 {
        let (field, family) = if i % 3 == 0 {
            ("hydrogen", "hydrogen")
        } else {
            ("lithium", "lithium")
        };
        let trl = i % 9 + 1;
        let price = (i + 1) * 10_000_000;
        app.exec(&format!(
            "INSERT INTO achievements (org_id, created_by, title, summary, detail, contact, field_code, field_family, keywords, trl, transfer_modes, pricing_method, price_fen, negotiable, price_sort, region_code, region_province, region_prefecture, status, published_at, created_at, updated_at) \
             VALUES ({org}, {user}, '成果{i:02}', '简介简介简介简介简介', '', 'x', '{field}', '{family}', '', {trl}, ',licence,', 'agreement', {price}, false, {price}, '630102', '630000', '630100', 'published', {}, 1, 1)",
            1000 + i
        ))
        .expect("insert");
    }
    let anon = app.client();
    let first = anon.get("/achievements");
    first.assert_contains("成果44");
    assert!(!first.body.contains("成果24"), "20 a page, newest first");
    let next = first
        .body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("next link")
        .replace("&amp;", "&");
    let second = anon.get(&next);
    second.assert_contains("成果24");
    assert!(!second.body.contains("成果44") && !second.body.contains("成果04"));
    let third_link = second
        .body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("third")
        .replace("&amp;", "&");
    let third = anon.get(&third_link);
    third.assert_contains("成果00");
    assert!(!third.body.contains("rel=\"next\""), "no page after the last");
    // Filters: field, readiness range, price range, sort by price.
    let h = anon.get("/achievements?field=hydrogen&trl_min=4&trl_max=6");
    for i in 0..45 {
        let shown = h.body.contains(&format!("成果{i:02}<"));
        let expected = i % 3 == 0 && (4..=6).contains(&(i % 9 + 1));
        assert_eq!(shown, expected, "成果{i:02} with field=hydrogen trl 4-6");
    }
    let cheap = anon.get("/achievements?max=50万&sort=price");
    cheap.assert_contains("成果00");
    cheap.assert_contains("成果04");
    assert!(!cheap.body.contains("成果05"));
    // Nonsense in the query string is ignored, not an error.
    assert_eq!(anon.get("/achievements?trl_min=abc&after=zzz&sort=%27").status, 200);
    let _ = inst;
});

both!(bulk_import_is_all_or_nothing, |db| {
    let app = TestApp::start(db);
    let (inst, _) = verified_org(&app, "research_institute", "620102");
    let page = inst.get("/achievements/import");
    assert_eq!(page.status, 200);
    let template = inst.get("/achievements/import/template.csv");
    assert_eq!(template.status, 200);
    assert!(template.body.contains("成果名称"));
    let header = "成果名称,成果简介,联系方式（保密）,技术领域代码,技术成熟度(1-9),转化方式,定价方式,价格（元，可写万）,面议(是/否)\r\n";
    let good_row = "镁合金高温蠕变改性技术,通过稀土微合金化提高镁合金高温抗蠕变性能，已在压铸件上验证。,赵老师 0931-0000000,new_materials,5,许可、转让,协议定价,300万,否\r\n";
    let bad = format!("{header}{good_row}短,太短,x,nowhere,12,飞行,随便,abc,否\r\n");
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "a.csv", bad.as_bytes())],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("未导入任何数据");
    r.assert_contains("<td>3</td>");
    r.assert_contains("技术成熟度(1-9)");
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 0);
    let good = format!("{header}{good_row}{}", good_row.replace("镁合金", "铝合金"));
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "a.csv", good.as_bytes())],
    );
    assert_eq!(r.status, 303, "{}", &r.body[..r.body.len().min(3000)]);
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements WHERE status = 'draft'"), 2);
    // Not a table at all.
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "x.xlsx", b"\x89PNG\r\n\x1a\nnot a table")],
    );
    assert_eq!(r.status, 422);
    // The organization's own listings export as CSV.
    let csv = inst.get("/my/listings.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("铝合金高温蠕变改性技术"));
    // An enterprise may not import achievements.
    let (ent, _) = verified_org(&app, "enterprise", "620102");
    assert_eq!(ent.get("/achievements/import").status, 403);
});

both!(listing_routes_for_every_role, |db| {
    let app = TestApp::start(db);
    let (owner, _) = verified_org(&app, "enterprise", "630104");
    let id = id_from(&post_demand(&owner, "盐湖提锂技术需求一").location);
    let (other_ent, _) = verified_org(&app, "enterprise", "630105");
    let (inst, _) = verified_org(&app, "university", "630102");
    let broker = app.client();
    broker.post(
        "/signup/broker",
        "/signup/broker",
        &[
            ("name", "赵"),
            ("certificate", "QH-2025-0009"),
            ("region_code", "630103"),
            ("email", "bb@example.cn"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    let broker = login(&app, "bb@example.cn", PASSWORD);
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let anon = app.client();
    let clients = [&anon, &owner, &other_ent, &inst, &broker, &officer, &far];
    let names = [
        "anonymous",
        "owner",
        "other enterprise",
        "institution",
        "broker",
        "officer",
        "officer elsewhere",
    ];
    let d = format!("/demands/{id}");
    let edit = format!("/demands/{id}/edit");
    // (path, expected per role) for a draft demand.
    let table: Vec<(&str, [u16; 7])> = vec![
        ("/demands", [200; 7]),
        ("/achievements", [200; 7]),
        ("/demands/new", [303, 200, 200, 403, 403, 200, 200]),
        ("/achievements/new", [303, 403, 403, 200, 403, 403, 403]),
        ("/achievements/import", [303, 403, 403, 200, 403, 403, 403]),
        (d.as_str(), [404, 200, 404, 404, 404, 200, 404]),
        (edit.as_str(), [303, 200, 403, 403, 403, 403, 403]),
        ("/my/listings", [303, 200, 200, 200, 200, 200, 200]),
        ("/my/listings.csv", [303, 200, 200, 200, 200, 200, 200]),
        ("/officer/listings", [303, 403, 403, 403, 403, 200, 200]),
    ];
    for (path, expected) in &table {
        for (i, c) in clients.iter().enumerate() {
            assert_eq!(c.get(path).status, expected[i], "GET {path} as {}", names[i]);
        }
    }
    // State changes by the wrong people are refused and change nothing.
    for (i, c) in clients.iter().enumerate().skip(2).take(3) {
        let r = c.post("/my/listings", &format!("/demands/{id}/submit"), &[]);
        assert_eq!(r.status, 403, "submit as {}", names[i]);
        let r = c.post(
            "/my/listings",
            &format!("/officer/demands/{id}/review"),
            &[("action", "hide"), ("reason", "x")],
        );
        assert_eq!(r.status, 403, "review as {}", names[i]);
    }
    assert_eq!(
        far.post(
            "/my/listings",
            &format!("/officer/demands/{id}/review"),
            &[("action", "hide"), ("reason", "x")]
        )
        .status,
        403
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM demands WHERE id = {id} AND status = 'draft'"
        )),
        1
    );
    // The officer of the region hides a published listing with a reason; it leaves the shelf.
    app.exec(&format!(
        "UPDATE demands SET status = 'published', published_at = 5 WHERE id = {id}"
    ))
    .expect("publish");
    assert_eq!(anon.get(&d).status, 200);
    let r = officer.post(
        &d,
        &format!("/officer/demands/{id}/review"),
        &[("action", "hide"), ("reason", "涉嫌虚假信息")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(anon.get(&d).status, 404);
    owner.get(&d).assert_contains("涉嫌虚假信息");
});

both!(seed_demo_fills_an_empty_market_once, |db| {
    let app = TestApp::start(db);
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_techmarket"))
            .arg("seed-demo")
            .env("DATABASE_URL", &app.database_url)
            .env("DATA_DIR", &app.data_dir)
            .env("RUST_LOG", "warn")
            .output()
            .expect("seed-demo runs")
    };
    let out = run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    for role in ["officer", "enterprise", "institution", "broker (individual)"] {
        assert!(text.contains(role), "an account for {role} is printed:\n{text}");
    }
    assert!(app.count("SELECT COUNT(*) FROM demands WHERE status = 'published'") >= 200);
    assert!(app.count("SELECT COUNT(*) FROM achievements WHERE status = 'published'") >= 250);
    assert!(app.count("SELECT COUNT(*) FROM demands WHERE is_challenge") >= 10);
    // A printed account signs in and the market is browsable.
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("enterprise"))
        .expect("enterprise line");
    let email = line.split_whitespace().nth(1).expect("email");
    let password = text
        .split("password for all: ")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("password");
    let c = login(&app, email, password);
    c.get("/my/listings").assert_contains("已发布");
    app.client().get("/demands?challenge=1").assert_contains("揭榜挂帅");
    // A second run refuses, and changes nothing.
    let before = app.count("SELECT COUNT(*) FROM demands");
    let again = run();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("only fills an empty one"));
    assert_eq!(app.count("SELECT COUNT(*) FROM demands"), before);
});

// The example number the achievement and contract forms show passes the forms' own check (it had
// the check digit 7 where 6 is right).
both!(the_forms_example_patent_number_is_valid, |db| {
    let app = TestApp::start(db);
    let (inst, _) = verified_org(&app, "university", "630102");
    let form = inst.get("/achievements/new");
    let at = form.body.find("name=\"ip_number\"").expect("the IP table");
    let rest = &form.body[at..];
    let example = rest
        .split("placeholder=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a placeholder");
    assert!(
        techmarket::patents::validate_application_number(example).is_ok(),
        "the form's example {example} fails the check"
    );
});

//! Findings of a security probe of the listings: XLSX imports that stall the server, contacts
//! harvested through the confidentiality terms, and formulas smuggled into CSV downloads.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use crate::both;
use crate::helpers::*;
use crate::listings::{post_demand, verified_org};

/// The start of a page, cut at a character boundary, for failure messages.
fn excerpt(body: &str) -> String {
    body.chars().take(1500).collect()
}

/// Fails naming the page when it lacks `s`.
fn has(r: &Resp, s: &str) {
    let at = r.body.find("<main").unwrap_or(0);
    assert!(
        r.body.contains(s),
        "page ({}) lacks {s:?}:\n{}",
        r.status,
        excerpt(&r.body[at..])
    );
}

/// The listing id at the end of a redirect such as `/demands/12?notice=…`.
fn id_in(location: &Option<String>) -> i64 {
    let l = location.clone().expect("a redirect");
    l.split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .expect("an id in the redirect")
}

// ---------------------------------------------------------------- 1. imports

/// The import template's header row as a worksheet row (the Chinese column names).
const HEADERS: &[&str] = &[
    "成果名称",
    "成果简介",
    "详细说明（保密）",
    "联系方式（保密）",
    "技术领域代码",
    "关键词",
    "技术成熟度(1-9)",
    "转化方式",
    "定价方式",
    "价格（元，可写万）",
    "面议(是/否)",
    "公示开始日期",
    "公示结束日期",
    "知识产权（类型:号码:状态；…）",
];

/// A worksheet whose first row holds the template's headers, followed by rows of number cells far
/// to the right of any column the import reads (column CA onwards), until the sheet XML is about
/// `sheet_bytes` long. Every one of those cells is parsed, so the work grows with the size; the
/// table that comes out has no data rows. Deflate packs the repetitive XML to a few hundred KB.
fn heavy_sheet(sheet_bytes: usize) -> String {
    let mut xml = String::with_capacity(sheet_bytes + 4096);
    xml.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">"#);
    for (i, h) in HEADERS.iter().enumerate() {
        let col = char::from(b'A' + i as u8);
        xml.push_str(&format!(r#"<c r="{col}1" t="inlineStr"><is><t>{h}</t></is></c>"#));
    }
    xml.push_str("</row>");
    // The same row over and over (row 2 again and again): every cell is read, and the XML is as
    // repetitive as a bomb's.
    let mut row = String::from(r#"<row r="2">"#);
    for col in ["CA", "CB", "CC", "CD", "CE", "CF", "CG", "CH", "CI", "CJ"] {
        row.push_str(&format!(r#"<c r="{col}2"><v>7</v></c>"#));
    }
    row.push_str("</row>");
    while xml.len() < sheet_bytes {
        xml.push_str(&row);
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// An XLSX workbook (deflated) around the given worksheet XML.
fn xlsx_with_sheet(sheet: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let files: [(&str, &str); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="成果" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, body) in files {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// Rewrites the unpacked size that the local header and the central directory declare for the
/// entry `name` (a ZIP whose directory lies, as a hand-made bomb does).
fn lie_about_size(zip: &mut [u8], name: &str, declared: u32) {
    let name = name.as_bytes();
    let mut patched = 0;
    let mut i = 0;
    while i + 46 + name.len() <= zip.len() {
        if zip[i..].starts_with(b"PK\x03\x04") {
            let n = u16::from_le_bytes([zip[i + 26], zip[i + 27]]) as usize;
            if zip.get(i + 30..i + 30 + n) == Some(name) {
                zip[i + 22..i + 26].copy_from_slice(&declared.to_le_bytes());
                patched += 1;
            }
        } else if zip[i..].starts_with(b"PK\x01\x02") {
            let n = u16::from_le_bytes([zip[i + 28], zip[i + 29]]) as usize;
            if zip.get(i + 46..i + 46 + n) == Some(name) {
                zip[i + 24..i + 28].copy_from_slice(&declared.to_le_bytes());
                patched += 1;
            }
        }
        i += 1;
    }
    assert_eq!(patched, 2, "the local header and the directory entry of the sheet");
}

/// How many imports the server is parsing right now, as /readyz reports it.
fn imports_parsing(app: &TestApp) -> Option<u64> {
    let resp = match ureq::get(&format!("{}/readyz", app.base)).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(_) => return None,
    };
    resp.header("x-imports-parsing").and_then(|v| v.trim().parse().ok())
}

fn big_options() -> Options {
    Options {
        extra: vec![("MAX_UPLOAD_BYTES", (4 * 1024 * 1024).to_string())],
        ..Options::default()
    }
}

both!(security_listings_heavy_xlsx_is_parsed_while_the_server_answers, |db| {
    let app = TestApp::start_with(db, big_options());
    let (inst, _) = verified_org(&app, "research_institute", "630102");
    // About 19 MB of worksheet (under the 20 MB cap), a few hundred KB as uploaded.
    let file = xlsx_with_sheet(&heavy_sheet(19 * 1024 * 1024));
    assert!(file.len() < 1024 * 1024, "the upload is small: {} bytes", file.len());
    let (done_tx, done_rx) = mpsc::channel::<(usize, u16, String)>();
    let mut threads = Vec::new();
    for n in 0..2 {
        let c = inst.clone();
        let f = file.clone();
        let tx = done_tx.clone();
        threads.push(std::thread::spawn(move || {
            let r = c.post_multipart(
                "/achievements/import",
                "/achievements/import",
                &[],
                &[("file", "heavy.xlsx", &f)],
            );
            let _ = tx.send((n, r.status, r.body));
        }));
    }
    drop(done_tx);
    // The event: both imports are being parsed at once (not a timer).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if imports_parsing(&app) == Some(2) {
            break;
        }
        assert!(
            done_rx.try_recv().is_err(),
            "an import answered before the server reported two imports being parsed"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the server never reported two imports being parsed at once"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // While both are still being parsed, the server answers 20 health checks.
    let probe = app.client();
    for i in 0..20 {
        let r = probe.get("/healthz");
        assert_eq!(r.status, 200, "health check {i}");
        assert_eq!(r.body, "ok");
    }
    assert!(
        done_rx.try_recv().is_err(),
        "an import finished before the 20 health checks: the file is too light to show anything"
    );
    assert_eq!(
        imports_parsing(&app),
        Some(2),
        "both imports still parsing after the checks"
    );
    // Then both imports finish with their report: the sheet has no data rows, nothing is stored.
    for _ in 0..2 {
        let (n, status, body) = done_rx.recv_timeout(Duration::from_secs(120)).expect("import answers");
        assert_eq!(status, 422, "import {n}: {}", excerpt(&body));
        assert!(body.contains("文件中没有数据行"), "import {n} names the problem");
    }
    for t in threads {
        t.join().expect("upload thread");
    }
    assert_eq!(imports_parsing(&app), Some(0));
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 0);
});

both!(security_listings_xlsx_that_unpacks_too_far_is_refused, |db| {
    let app = TestApp::start_with(db, big_options());
    let (inst, _) = verified_org(&app, "research_institute", "630102");
    let sheet = heavy_sheet(22 * 1024 * 1024);
    let honest = xlsx_with_sheet(&sheet);
    let mut liar = honest.clone();
    lie_about_size(&mut liar, "xl/worksheets/sheet1.xml", 4096);
    for (what, file) in [("honest sizes", &honest), ("a lying directory", &liar)] {
        let r = inst.post_multipart(
            "/achievements/import",
            "/achievements/import",
            &[],
            &[("file", "big.xlsx", file)],
        );
        assert_eq!(r.status, 422, "{what}: {}", excerpt(&r.body));
        has(&r, "Excel文件解压后过大");
    }
    // In English too.
    inst.get("/lang/en?next=/");
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "big.xlsx", &liar)],
    );
    assert_eq!(r.status, 422);
    has(&r, "unpacks to too much data");
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 0);
    // A normal workbook of the same shape still imports.
    let ok = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{}</row><row r="2">{}</row></sheetData></worksheet>"#,
        [
            "成果名称",
            "成果简介",
            "联系方式（保密）",
            "技术领域代码",
            "技术成熟度(1-9)",
            "转化方式",
            "定价方式",
            "价格（元，可写万）"
        ]
        .iter()
        .enumerate()
        .map(|(i, h)| format!(
            r#"<c r="{}1" t="inlineStr"><is><t>{h}</t></is></c>"#,
            char::from(b'A' + i as u8)
        ))
        .collect::<String>(),
        [
            "镁合金高温蠕变改性技术",
            "通过稀土微合金化提高镁合金高温抗蠕变性能，已在压铸件上验证。",
            "赵老师 0931-0000000",
            "new_materials",
            "5",
            "许可",
            "协议定价",
            "300万"
        ]
        .iter()
        .enumerate()
        .map(|(i, v)| format!(
            r#"<c r="{}2" t="inlineStr"><is><t>{v}</t></is></c>"#,
            char::from(b'A' + i as u8)
        ))
        .collect::<String>()
    );
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "ok.xlsx", &xlsx_with_sheet(&ok))],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        excerpt(&r.body[r.body.find("<main").unwrap_or(0)..])
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 1);
});

const GOOD_CSV: &str = "成果名称,成果简介,联系方式（保密）,技术领域代码,技术成熟度(1-9),转化方式,定价方式,价格（元，可写万）,面议(是/否)\r\n镁合金高温蠕变改性技术,通过稀土微合金化提高镁合金高温抗蠕变性能，已在压铸件上验证。,赵老师 0931-0000000,new_materials,5,许可、转让,协议定价,300万,否\r\n";

both!(security_listings_unverified_organization_may_not_import, |db| {
    let app = TestApp::start(db);
    let (inst, _, _) = signup_org(&app, "research_institute", "630102");
    let page = inst.get("/achievements/import");
    assert_eq!(page.status, 403);
    has(&page, "机构通过认证后才能批量导入成果");
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "a.csv", GOOD_CSV.as_bytes())],
    );
    assert_eq!(r.status, 403, "{}", excerpt(&r.body));
    has(&r, "机构通过认证后才能批量导入成果");
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 0);
    // A single achievement may still be drafted by hand.
    assert_eq!(inst.get("/achievements/new").status, 200);
});

both!(security_listings_imports_per_hour_are_limited, |db| {
    let app = TestApp::start_with(
        db,
        Options {
            extra: vec![("IMPORTS_PER_HOUR", "2".to_string())],
            ..Options::default()
        },
    );
    let (inst, _) = verified_org(&app, "research_institute", "630102");
    let bad = "成果名称\r\n短\r\n";
    // A file with mistakes counts too: the work of reading it has been done.
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "a.csv", bad.as_bytes())],
    );
    assert_eq!(r.status, 422);
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "a.csv", GOOD_CSV.as_bytes())],
    );
    assert_eq!(r.status, 303);
    let r = inst.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "a.csv", GOOD_CSV.as_bytes())],
    );
    assert_eq!(r.status, 429, "{}", excerpt(&r.body));
    has(&r, "每小时最多导入2次");
    has(&r, "之后再试");
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 1);
    // Another organization has its own allowance.
    let (other, _) = verified_org(&app, "university", "630102");
    let r = other.post_multipart(
        "/achievements/import",
        "/achievements/import",
        &[],
        &[("file", "a.csv", GOOD_CSV.as_bytes())],
    );
    assert_eq!(r.status, 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM achievements"), 2);
});

// ---------------------------------------------------------------- 2. confidentiality terms

/// A published demand of a verified enterprise of Xining (its contact is 13800000000).
fn published_demand(app: &TestApp, owner: &Client, title: &str) -> i64 {
    let r = post_demand(owner, title);
    assert_eq!(r.status, 303, "{}", excerpt(&r.body));
    let id = id_in(&r.location);
    app.exec(&format!(
        "UPDATE demands SET status = 'published', published_at = 1 WHERE id = {id}"
    ))
    .expect("publish");
    id
}

both!(security_listings_unverified_organization_may_not_read_contacts, |db| {
    let app = TestApp::start(db);
    // An office oversees Xining (6301xx); none oversees Gansu (62xxxx).
    let _ = app.create_officer("630100");
    let (owner, _) = verified_org(&app, "enterprise", "630104");
    let id = published_demand(&app, &owner, "盐湖卤水提锂成套技术需求");
    let d = format!("/demands/{id}");
    let terms = format!("/demands/{id}/terms");

    // A fresh organization of a region with an office: it must be verified first.
    let (fresh, _, code) = signup_org(&app, "enterprise", "630105");
    let page = fresh.get(&d);
    assert!(!page.body.contains("13800000000"));
    has(&page, "您的机构通过认证后才能接受保密条款并查看联系方式");
    assert!(
        !page.body.contains(&format!("action=\"{terms}\"")),
        "no button that can only fail"
    );
    let r = fresh.post(&d, &terms, &[]);
    assert_eq!(r.status, 403, "{}", excerpt(&r.body));
    has(&r, "您的机构通过认证后才能接受保密条款并查看联系方式");
    assert_eq!(app.count("SELECT COUNT(*) FROM nda_acceptances"), 0);
    assert!(!fresh.get(&d).body.contains("13800000000"));
    // An acceptance stored before this rule does not open the contact either.
    let uid = app.count("SELECT MAX(id) FROM users");
    let oid = app.count(&format!("SELECT id FROM organizations WHERE credit_code = '{code}'"));
    app.exec(&format!(
        "INSERT INTO nda_acceptances (listing_kind, listing_id, user_id, org_id, accepted_at) VALUES ('demand', {id}, {uid}, {oid}, 1)"
    ))
    .expect("old acceptance");
    assert!(!fresh.get(&d).body.contains("13800000000"));
    app.exec("DELETE FROM nda_acceptances").expect("clean");

    // Verified: accepted, the contact is shown.
    app.exec(&format!(
        "UPDATE organizations SET verification = 'verified' WHERE credit_code = '{code}'"
    ))
    .expect("verify");
    let page = fresh.get(&d);
    has(&page, "接受保密条款并查看");
    let r = fresh.post(&d, &terms, &[]);
    assert_eq!(r.status, 303);
    fresh.get(&d).assert_contains("13800000000");
    assert_eq!(app.count("SELECT COUNT(*) FROM nda_acceptances"), 1);

    // An organization from a region no office here oversees cannot be verified here: its user
    // may accept once the e-mail address is verified.
    let (far, email, _) = signup_org(&app, "enterprise", "620102");
    let page = far.get(&d);
    has(&page, "请先验证您的电子邮箱");
    assert_eq!(far.post(&d, &terms, &[]).status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM nda_acceptances"), 1);
    app.exec(&format!(
        "UPDATE users SET email_verified_at = 1 WHERE email = '{email}'"
    ))
    .expect("verify e-mail");
    let far = login(&app, &email, "a fine passphrase");
    assert_eq!(far.post(&d, &terms, &[]).status, 303);
    far.get(&d).assert_contains("13800000000");
    assert_eq!(app.count("SELECT COUNT(*) FROM nda_acceptances"), 2);
});

both!(security_listings_terms_accepted_per_day_are_limited, |db| {
    let app = TestApp::start_with(
        db,
        Options {
            extra: vec![("TERMS_PER_DAY", "2".to_string())],
            ..Options::default()
        },
    );
    let (owner, _) = verified_org(&app, "enterprise", "630104");
    let ids: Vec<i64> = (0..3)
        .map(|i| published_demand(&app, &owner, &format!("盐湖卤水提锂成套技术需求{i}")))
        .collect();
    let (reader, _) = verified_org(&app, "university", "630102");
    for id in &ids[..2] {
        let r = reader.post(&format!("/demands/{id}"), &format!("/demands/{id}/terms"), &[]);
        assert_eq!(r.status, 303);
        reader.get(&format!("/demands/{id}")).assert_contains("13800000000");
    }
    // Accepting again what was accepted is no new acceptance.
    let again = ids[0];
    let r = reader.post(&format!("/demands/{again}"), &format!("/demands/{again}/terms"), &[]);
    assert_eq!(r.status, 303);
    let id = ids[2];
    let r = reader.post(&format!("/demands/{id}"), &format!("/demands/{id}/terms"), &[]);
    assert_eq!(r.status, 429, "{}", excerpt(&r.body));
    has(&r, "24小时内已接受2次保密条款");
    has(&r, "之后再试");
    assert!(!reader.get(&format!("/demands/{id}")).body.contains("13800000000"));
    assert_eq!(app.count("SELECT COUNT(*) FROM nda_acceptances"), 2);
});

// ---------------------------------------------------------------- 3. CSV formulas

both!(security_listings_csv_download_neutralises_formulas, |db| {
    let app = TestApp::start(db);
    let (ent, _, _) = signup_org(&app, "enterprise", "630104");
    let title = "-1+cmd|' /C calc'!A0";
    let id = id_in(&post_demand(&ent, title).location);
    let id2 = id_in(&post_demand(&ent, "+1+1+1+1+1").location);
    let csv = ent.get("/my/listings.csv");
    assert_eq!(csv.status, 200);
    let line = csv
        .body
        .lines()
        .find(|l| l.contains("cmd|"))
        .expect("the listing is in the CSV");
    assert!(
        line.contains(&format!(",{id},'-1+cmd|' /C calc'!A0,")),
        "the title is neutralised and the id stays a number: {line}"
    );
    let line = csv
        .body
        .lines()
        .find(|l| l.contains("+1+1"))
        .expect("the second listing");
    assert!(line.contains(&format!(",{id2},'+1+1+1+1+1,")), "neutralised: {line}");
});

//! Members, verification by an officer of the region, status flags, files, the audit log, and
//! which role may open which page.

use crate::both;
use crate::helpers::*;

const PW: &str = "a fine passphrase";

both!(officer_verifies_an_organization_of_its_region, |db| {
    let app = TestApp::start(db);
    let (c, email, _) = signup_org(&app, "enterprise", "630104");
    // A file that is not a PDF, PNG or JPEG is refused with a clear message and nothing stored.
    let r = c.post_multipart(
        "/org/verification",
        "/org/licence",
        &[],
        &[("licence", "licence.pdf", b"MZ this is an exe")],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("只接受 PDF、PNG 或 JPEG");
    let r = c.post_multipart(
        "/org/verification",
        "/org/licence",
        &[],
        &[("licence", "big.pdf", &[b'%'; 2 * 1024 * 1024])],
    );
    assert_eq!(r.status, 413);
    assert_eq!(app.count("SELECT COUNT(*) FROM files"), 0);
    let r = c.post_multipart(
        "/org/verification",
        "/org/licence",
        &[],
        &[("licence", "licence.pdf", PDF)],
    );
    assert_eq!(r.status, 303);
    c.get("/org/verification").assert_contains("待审核");

    // An officer of another region neither sees it nor may decide.
    let (far_email, far_pw) = app.create_officer("620000");
    let far = login(&app, &far_email, &far_pw);
    let org_id = app.count("SELECT MAX(id) FROM organizations WHERE kind = 'enterprise'");
    assert!(!far
        .get("/officer/organizations")
        .body
        .contains("青海盐湖新材料有限公司"));
    assert_eq!(far.get(&format!("/officer/organizations/{org_id}")).status, 403);
    let r = far.post(
        "/officer/organizations",
        &format!("/officer/organizations/{org_id}/decision"),
        &[("decision", "verify")],
    );
    assert_eq!(r.status, 403);

    // The officer of 西宁 (630100 contains 630104) sees it, opens the licence, returns it, then verifies.
    let (oe, op) = app.create_officer("630100");
    let off = login(&app, &oe, &op);
    let queue = off.get("/officer/organizations");
    queue.assert_contains("青海盐湖新材料有限公司");
    let detail = off.get(&format!("/officer/organizations/{org_id}"));
    detail.assert_contains("/files/");
    let file_id = app.count("SELECT MAX(id) FROM files");
    let f = off.get(&format!("/files/{file_id}"));
    assert_eq!(f.status, 200);
    assert!(f.body.starts_with("%PDF"));
    // Returning needs a reason.
    let r = off.post(
        &format!("/officer/organizations/{org_id}"),
        &format!("/officer/organizations/{org_id}/decision"),
        &[("decision", "reject"), ("reason", "  ")],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("退回时必须填写原因");
    let r = off.post(
        &format!("/officer/organizations/{org_id}"),
        &format!("/officer/organizations/{org_id}/decision"),
        &[("decision", "reject"), ("reason", "营业执照不清晰")],
    );
    assert_eq!(r.status, 303);
    c.get("/org/verification").assert_contains("营业执照不清晰");
    let r = c.post_multipart(
        "/org/verification",
        "/org/licence",
        &[],
        &[("licence", "licence2.pdf", PDF)],
    );
    assert_eq!(r.status, 303);
    let r = off.post(
        &format!("/officer/organizations/{org_id}"),
        &format!("/officer/organizations/{org_id}/decision"),
        &[("decision", "verify")],
    );
    assert_eq!(r.status, 303);
    c.get("/account").assert_contains("已认证");
    let notes = c.get("/notifications");
    notes.assert_contains("机构认证已通过");
    notes.assert_contains("机构认证被退回");
    assert!(
        app.outbox_files()
            .iter()
            .any(|m| m.contains(&email) && m.contains("机构认证已通过"))
            || app.count("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%认证已通过%'") == 1
    );

    // The audit log lists both actions, and nobody can change it.
    let audit = off.get("/officer/audit");
    audit.assert_contains("机构认证退回");
    audit.assert_contains("机构认证通过");
    assert!(
        !far.get("/officer/audit").body.contains("营业执照不清晰"),
        "other regions do not see it"
    );
    assert!(
        app.exec("UPDATE audit_log SET detail = 'x'").is_err(),
        "audit log refuses UPDATE"
    );
    assert!(app.exec("DELETE FROM audit_log").is_err(), "audit log refuses DELETE");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log"), 2);

    // Another organization's user may not open the licence.
    let (other, _, _) = signup_org(&app, "university", "630102");
    assert_eq!(other.get(&format!("/files/{file_id}")).status, 403);
    let _ = login(&app, &email, PW);
});

both!(status_flags_are_declared_and_checked, |db| {
    let app = TestApp::start(db);
    let (c, _, _) = signup_org(&app, "enterprise", "632802");
    let r = c.post_multipart(
        "/org/verification",
        "/org/flags",
        &[
            ("flag", "sme"),
            ("certificate_no", "QH-SME-001"),
            ("valid_from", "2026-13-01"),
            ("valid_to", "2025-01-01"),
        ],
        &[("certificate", "cert.png", b"\x89PNG\r\n\x1a\nrest")],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("不是有效日期");
    r.assert_contains("value=\"QH-SME-001\"");
    assert_eq!(app.count("SELECT COUNT(*) FROM org_flags"), 0);
    let r = c.post_multipart(
        "/org/verification",
        "/org/flags",
        &[
            ("flag", "sme"),
            ("certificate_no", "QH-SME-001"),
            ("valid_from", "2026-01-01"),
            ("valid_to", "2028-12-31"),
        ],
        &[("certificate", "cert.png", b"\x89PNG\r\n\x1a\nrest")],
    );
    assert_eq!(r.status, 303);
    let (oe, op) = app.create_officer("632800");
    let off = login(&app, &oe, &op);
    let flag_id = app.count("SELECT MAX(id) FROM org_flags");
    let org_id = app.count("SELECT MAX(id) FROM organizations WHERE kind = 'enterprise'");
    off.get("/officer/organizations?status=unverified")
        .assert_contains("资质声明待核验");
    let r = off.post(
        &format!("/officer/organizations/{org_id}"),
        &format!("/officer/flags/{flag_id}/decision"),
        &[("decision", "confirm")],
    );
    assert_eq!(r.status, 303);
    c.get("/org/verification").assert_contains("已核验");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'flag_confirmed'"),
        1
    );
});

both!(members_are_invited_by_mail, |db| {
    let app = TestApp::start(db);
    let (admin, _, _) = signup_org(&app, "research_institute", "630102");
    let r = admin.post("/org/members", "/org/invitations", &[("email", "not-an-address")]);
    assert_eq!(r.status, 422);
    r.assert_contains("不是有效的电子邮箱地址");
    let r = admin.post("/org/members", "/org/invitations", &[("email", "colleague@example.cn")]);
    assert_eq!(r.status, 303);
    admin.get("/org/members").assert_contains("colleague@example.cn");
    let mail = wait_for("the invitation", 10, || {
        app.outbox_files()
            .into_iter()
            .find(|m| m.contains("colleague@example.cn"))
    });
    let link = find_link(&mail, &format!("{}/invitations/accept?token=", app.base)).expect("link");
    let path = link.trim_start_matches(&app.base).to_string();
    let token = path.split("token=").nth(1).unwrap_or("").to_string();
    let newbie = app.client();
    newbie.get(&path).assert_contains("colleague@example.cn");
    let r = newbie.post(
        &path,
        "/invitations/accept",
        &[
            ("token", &token),
            ("name", "钱七"),
            ("password", "x"),
            ("password2", "x"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("value=\"钱七\"");
    let r = newbie.post(
        &path,
        "/invitations/accept",
        &[("token", &token), ("name", "钱七"), ("password", PW), ("password2", PW)],
    );
    assert_eq!(r.status, 303);
    let acct = newbie.get("/account");
    acct.assert_contains("钱七");
    acct.assert_contains("已验证");
    // A member who is not the administrator cannot invite.
    let r = newbie.post("/org/members", "/org/invitations", &[("email", "third@example.cn")]);
    assert_eq!(r.status, 403);
    admin.get("/org/members").assert_contains("钱七");
});

// Every page for every role: anonymous, enterprise, institution, broker, officer of the region,
// officer elsewhere.
both!(every_route_for_every_role, |db| {
    let app = TestApp::start(db);
    let (ent, _, _) = signup_org(&app, "enterprise", "630104");
    ent.post_multipart("/org/verification", "/org/licence", &[], &[("licence", "l.pdf", PDF)]);
    let org_id = app.count("SELECT MAX(id) FROM organizations");
    let file_id = app.count("SELECT MAX(id) FROM files");
    let (inst, _, _) = signup_org(&app, "university", "630102");
    let broker = app.client();
    assert_eq!(
        broker
            .post(
                "/signup/broker",
                "/signup/broker",
                &[
                    ("name", "赵"),
                    ("certificate", "QH-2025-0002"),
                    ("region_code", "630103"),
                    ("email", "b@example.cn"),
                    ("password", PW),
                    ("password2", PW)
                ]
            )
            .status,
        303
    );
    let broker = login(&app, "b@example.cn", PW);
    let (oe, op) = app.create_officer("630100");
    let officer = login(&app, &oe, &op);
    let (fe, fp) = app.create_officer("370200");
    let far = login(&app, &fe, &fp);
    let anon = app.client();

    let review = format!("/officer/organizations/{org_id}");
    let file = format!("/files/{file_id}");
    // (path, anonymous, enterprise, institution, broker, officer, far officer)
    let table: Vec<(&str, [u16; 6])> = vec![
        ("/", [200; 6]),
        ("/healthz", [200; 6]),
        ("/readyz", [200; 6]),
        ("/signup", [200; 6]),
        ("/signup/organization", [200, 303, 303, 303, 303, 303]),
        ("/signup/broker", [200, 303, 303, 303, 303, 303]),
        ("/login", [200, 303, 303, 303, 303, 303]),
        ("/password/forgot", [200; 6]),
        ("/password/reset?token=x", [200; 6]),
        ("/verify-email?token=x", [200; 6]),
        ("/invitations/accept?token=x", [200; 6]),
        ("/account", [303, 200, 200, 200, 200, 200]),
        ("/notifications", [303, 200, 200, 200, 200, 200]),
        ("/org/members", [303, 200, 200, 200, 200, 200]),
        ("/org/verification", [303, 200, 200, 200, 200, 200]),
        ("/officer/organizations", [303, 403, 403, 403, 200, 200]),
        (review.as_str(), [303, 403, 403, 403, 200, 403]),
        ("/officer/audit", [303, 403, 403, 403, 200, 200]),
        (file.as_str(), [303, 200, 403, 403, 200, 403]),
        ("/static/app.css", [200; 6]),
        ("/no-such-page", [404; 6]),
    ];
    let clients = [&anon, &ent, &inst, &broker, &officer, &far];
    let names = [
        "anonymous",
        "enterprise",
        "institution",
        "broker",
        "officer",
        "officer elsewhere",
    ];
    for (path, expected) in &table {
        for (i, c) in clients.iter().enumerate() {
            let got = c.get(path).status;
            assert_eq!(
                got, expected[i],
                "GET {path} as {}: expected {}, got {got}",
                names[i], expected[i]
            );
        }
    }
    // Officer-only POSTs refused to the others (with a valid token), and to the officer elsewhere.
    for (i, c) in clients.iter().enumerate().take(4).skip(1) {
        let r = c.post("/account", &format!("{review}/decision"), &[("decision", "verify")]);
        assert_eq!(r.status, 403, "decision as {}", names[i]);
    }
    assert_eq!(
        far.post("/account", &format!("{review}/decision"), &[("decision", "verify")])
            .status,
        403
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations WHERE verification = 'verified' AND kind <> 'government'"),
        0
    );
    // Anonymous POSTs to signed-in actions go to the log-in page.
    assert_eq!(anon.post("/login", "/notifications/read", &[]).status, 303);
});

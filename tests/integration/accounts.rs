//! Sign-up, log-in, CSRF, languages, mail and password reset, as a user meets them.

use crate::both;
use crate::helpers::*;

const PW: &str = "a fine passphrase";

both!(signup_verify_email_login_logout, |db| {
    let app = TestApp::start(db);
    let (c, email, code) = signup_org(&app, "enterprise", "630104");
    let account = c.get("/account");
    assert_eq!(account.status, 200);
    account.assert_contains(&email);
    account.assert_contains("未验证");
    account.assert_contains("未提交"); // organization not yet verified
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM organizations WHERE credit_code = '{code}'"
        )),
        1
    );

    // The verification mail lands in the outbox folder (no SMTP configured) and in notifications.
    let mail = wait_for("the verification mail", 10, || {
        app.outbox_files().into_iter().find(|m| m.contains(&email))
    });
    let link = find_link(&mail, &format!("{}/verify-email?token=", app.base)).expect("link in mail");
    let path = link.trim_start_matches(&app.base).to_string();
    let page = c.get(&path);
    assert_eq!(page.status, 200);
    let r = c.post(
        &path,
        "/verify-email",
        &[("token", path.split("token=").nth(1).unwrap_or(""))],
    );
    assert_eq!(r.status, 303);
    c.get("/account").assert_contains("已验证");
    let notes = c.get("/notifications");
    notes.assert_contains("请验证您的邮箱");
    assert!(
        !notes.body.contains("verify-email?token="),
        "no secret link in notifications"
    );
    // A used link does not work twice.
    assert_eq!(c.get(&path).status, 200);
    c.get(&path).assert_contains("链接无效或已过期");

    // Log out, log in again; a wrong password is refused with a message.
    let r = c.post("/account", "/logout", &[]);
    assert_eq!(r.status, 303);
    assert_eq!(c.get("/account").status, 303);
    let other = app.client();
    let r = other.post(
        "/login",
        "/login",
        &[("email", &email), ("password", "not the password")],
    );
    assert_eq!(r.status, 401);
    r.assert_contains("邮箱或密码不正确");
    r.assert_contains(&email); // what was typed is kept
    let c2 = login(&app, &email.to_uppercase(), PW);
    assert_eq!(c2.get("/account").status, 200);
    // Log-in returns to the page the visitor came from, but never to another site.
    let back = app.client();
    back.get("/login?next=/demands")
        .assert_contains("name=\"next\" value=\"/demands\"");
    let r = back.post(
        "/login?next=/demands",
        "/login",
        &[("email", &email), ("password", PW), ("next", "/demands")],
    );
    assert_eq!(r.location.as_deref(), Some("/demands"));
    let evil = app.client();
    let r = evil.post(
        "/login",
        "/login",
        &[("email", &email), ("password", PW), ("next", "//evil.example/x")],
    );
    assert_eq!(r.location.as_deref(), Some("/"));
});

both!(bad_signup_input_gets_a_clear_message_and_stores_nothing, |db| {
    let app = TestApp::start(db);
    let c = app.client();
    let before = app.count("SELECT COUNT(*) FROM organizations");
    let r = c.post(
        "/signup/organization",
        "/signup/organization",
        &[
            ("kind", "enterprise"),
            ("org_name", "西宁高原生物科技有限公司"),
            ("credit_code", "91630100MA752XXXX"),
            ("region_code", "630100"),
            ("name", "李四"),
            ("email", "lisi@example.cn"),
            ("password", PW),
            ("password2", PW),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("统一社会信用代码应为18位");
    r.assert_contains("value=\"西宁高原生物科技有限公司\""); // input kept
    r.assert_contains("value=\"lisi@example.cn\"");
    // A wrong check character is named as such.
    let mut code = credit_code("630100");
    let last = code.pop().unwrap_or('0');
    code.push(if last == '0' { '1' } else { '0' });
    let r = c.post(
        "/signup/organization",
        "/signup/organization",
        &[
            ("kind", "enterprise"),
            ("org_name", "x"),
            ("credit_code", &code),
            ("region_code", "999999"),
            ("name", "x"),
            ("email", "bad"),
            ("password", "short"),
            ("password2", "short"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("校验");
    r.assert_contains("999999");
    r.assert_contains("不是有效的电子邮箱地址");
    r.assert_contains("密码至少需要10个字符");
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations"), before);
    assert_eq!(app.count("SELECT COUNT(*) FROM users"), 0);
    // The same messages in English.
    let en = app.client();
    en.get("/lang/en?next=/");
    let r = en.post(
        "/signup/organization",
        "/signup/organization",
        &[
            ("kind", "enterprise"),
            ("org_name", "x"),
            ("credit_code", "123"),
            ("region_code", "63"),
            ("name", "x"),
            ("email", "a@b.cn"),
            ("password", PW),
            ("password2", "different one!"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("must have 18 characters");
    r.assert_contains("The two passwords differ");
});

both!(duplicate_email_and_credit_code_are_refused, |db| {
    let app = TestApp::start(db);
    let (_c, email, code) = signup_org(&app, "enterprise", "630104");
    let c = app.client();
    let r = c.post(
        "/signup/organization",
        "/signup/organization",
        &[
            ("kind", "university"),
            ("org_name", "青海大学"),
            ("credit_code", &code),
            ("region_code", "630102"),
            ("name", "王五"),
            ("email", &email),
            ("password", PW),
            ("password2", PW),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("一个代码只能对应一家机构");
    // Whether the address has an account is not said to whoever types it (see security.rs).
    assert!(!r.body.contains("该邮箱已注册账户"));
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM users"), 1);
});

both!(broker_signs_up_as_a_person, |db| {
    let app = TestApp::start(db);
    let c = app.client();
    let r = c.post(
        "/signup/broker",
        "/signup/broker",
        &[
            ("name", "赵经纪"),
            ("certificate", "qh-2025-0001"),
            ("region_code", "630103"),
            ("email", "broker@example.cn"),
            ("password", PW),
            ("password2", PW),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some(techmarket::accounts::SIGNED_UP));
    c.get("/login?notice=signed_up").assert_contains("注册信息已提交");
    let c = login(&app, "broker@example.cn", PW);
    let page = c.get("/account");
    page.assert_contains("技术经纪人（个人）");
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations WHERE kind = 'broker' AND broker_certificate = 'QH-2025-0001' AND credit_code IS NULL"), 1);
    let bad = app.client().post(
        "/signup/broker",
        "/signup/broker",
        &[
            ("name", "x"),
            ("certificate", "证书"),
            ("region_code", "630103"),
            ("email", "b2@example.cn"),
            ("password", PW),
            ("password2", PW),
        ],
    );
    assert_eq!(bad.status, 422);
    bad.assert_contains("证书编号");
});

both!(csrf_is_required_for_every_state_change, |db| {
    let app = TestApp::start(db);
    let c = app.client();
    let fields = [
        ("kind", "enterprise"),
        ("org_name", "无令牌公司"),
        ("credit_code", "91630100MA752XXXXX"),
        ("region_code", "630100"),
        ("name", "x"),
        ("email", "nocsrf@example.cn"),
        ("password", PW),
        ("password2", PW),
    ];
    let r = c.post_raw("/signup/organization", &fields);
    assert_eq!(r.status, 403);
    r.assert_contains("无权访问");
    let mut wrong = vec![("csrf", "0000")];
    wrong.extend_from_slice(&fields);
    assert_eq!(c.post_raw("/signup/organization", &wrong).status, 403);
    // A token from another visitor's page does not work either.
    let stranger = app.client().get("/signup/organization").csrf();
    let mut foreign = vec![("csrf", stranger.as_str())];
    foreign.extend_from_slice(&fields);
    assert_eq!(c.post_raw("/signup/organization", &foreign).status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM users"), 0);

    // Signed in: every POST route refuses a missing token and changes nothing.
    let (u, email, _) = signup_org(&app, "enterprise", "630104");
    for path in [
        "/logout",
        "/account/password",
        "/account/resend-verification",
        "/notifications/read",
        "/org/invitations",
        "/org/licence",
        "/org/flags",
        "/officer/organizations/1/decision",
        "/officer/flags/1/decision",
        "/verify-email",
        "/password/forgot",
        "/password/reset",
        "/invitations/accept",
        "/login",
        "/signup/broker",
    ] {
        let r = u.post_raw(path, &[("email", "x@example.cn")]);
        assert_eq!(r.status, 403, "{path} accepted a POST without a CSRF token");
    }
    assert_eq!(
        u.get("/account").status,
        200,
        "still signed in: logout without a token did nothing"
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM users WHERE email = '{email}'")),
        1
    );
});

both!(password_change_ends_other_sessions, |db| {
    let app = TestApp::start(db);
    let (c, email, _) = signup_org(&app, "enterprise", "630104");
    let other = login(&app, &email, PW);
    let r = c.post(
        "/account",
        "/account/password",
        &[
            ("current", "wrong"),
            ("password", "new passphrase 1"),
            ("password2", "new passphrase 1"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("当前密码不正确");
    let r = c.post(
        "/account",
        "/account/password",
        &[
            ("current", PW),
            ("password", "new passphrase 1"),
            ("password2", "new passphrase 1"),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(c.get("/account").status, 200);
    assert_eq!(other.get("/account").status, 303, "the other session ended");
    login(&app, &email, "new passphrase 1");
});

both!(password_reset_through_a_real_smtp_server, |db| {
    let port = free_port();
    let sink = SmtpSink::start_on(port);
    let app = TestApp::start_with(
        db,
        Options {
            smtp_port: Some(port),
            ..Default::default()
        },
    );
    let (_c, email, _) = signup_org(&app, "enterprise", "630104");
    let anon = app.client();
    let r = anon.post("/password/forgot", "/password/forgot", &[("email", &email)]);
    assert_eq!(r.status, 200);
    r.assert_contains("我们已发送一封重置密码的邮件");
    // An unknown address gets the same answer and no mail.
    anon.post(
        "/password/forgot",
        "/password/forgot",
        &[("email", "nobody@example.cn")],
    )
    .assert_contains("我们已发送一封重置密码的邮件");
    let mail = wait_for("the reset mail at the SMTP server", 15, || {
        sink.mails().into_iter().find(|m| m.contains("/password/reset?token="))
    });
    assert!(mail.contains(&format!("X-Envelope-To: {email}")), "sent to the user");
    let link = find_link(&mail, &format!("{}/password/reset?token=", app.base)).expect("reset link");
    let path = link.trim_start_matches(&app.base).to_string();
    let token = path.split("token=").nth(1).unwrap_or("").to_string();
    let r = anon.post(
        &path,
        "/password/reset",
        &[
            ("token", &token),
            ("password", "brand new pass"),
            ("password2", "brand new pass"),
        ],
    );
    assert_eq!(r.status, 303);
    login(&app, &email, "brand new pass");
    let old = app
        .client()
        .post("/login", "/login", &[("email", &email), ("password", PW)]);
    assert_eq!(old.status, 401);
    // The link works once.
    let again = anon.post(
        "/password/forgot",
        "/password/reset",
        &[
            ("token", &token),
            ("password", "another pass 22"),
            ("password2", "another pass 22"),
        ],
    );
    assert_eq!(again.status, 400);
    assert!(sink.mails().iter().all(|m| !m.contains("nobody@example.cn")));
});

both!(mail_waits_while_smtp_is_down_and_is_sent_when_it_is_back, |db| {
    let port = free_port();
    let app = TestApp::start_with(
        db,
        Options {
            smtp_port: Some(port),
            ..Default::default()
        },
    );
    let (_c, email, _) = signup_org(&app, "enterprise", "630104");
    // The server is down: the mail stays in the outbox with the error recorded.
    wait_for("a failed delivery attempt", 15, || {
        (app.count(
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts > 0 AND last_error IS NOT NULL",
        ) == 1)
            .then_some(())
    });
    let sink = SmtpSink::start_on(port);
    let mail = wait_for("the mail once the SMTP server is back", 30, || {
        sink.mails().into_iter().find(|m| m.contains(&email))
    });
    assert!(mail.contains("/verify-email?token="));
    wait_for("the outbox to be marked sent", 10, || {
        (app.count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL") == 0).then_some(())
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(sink.mails().len(), 1, "sent exactly once");
});

both!(pages_language_headers_and_errors, |db| {
    let app = TestApp::start(db);
    let c = app.client();
    let home = c.get("/");
    assert_eq!(home.status, 200);
    home.assert_contains("<html lang=\"zh-CN\">");
    home.assert_contains("让技术需求找到科技成果");
    // English through Accept-Language, and through the switch kept in a cookie.
    let en = c.get_with("/", ("Accept-Language", "en-US,en;q=0.9"));
    en.assert_contains("Where technology needs meet research results");
    let r = c.get("/lang/en?next=/login");
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/login"));
    c.get("/login").assert_contains("Log in");
    c.get("/lang/zh?next=/");
    c.get("/").assert_contains("首页");
    // No open redirect.
    assert_eq!(c.get("/lang/zh?next=//evil.example").location.as_deref(), Some("/"));
    // A friendly 404, health and readiness.
    let nf = c.get("/no/such/page");
    assert_eq!(nf.status, 404);
    nf.assert_contains("页面不存在");
    assert_eq!(c.get("/healthz").status, 200);
    let ready = c.get("/readyz");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body, "ready");
    assert_eq!(c.get("/static/app.css").status, 200);
    // The CSP forbids inline script.
    let resp = ureq::get(&format!("{}/", app.base)).call().expect("home");
    let csp = resp.header("content-security-policy").unwrap_or("").to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!home.body.contains("<script>"), "no inline script");
});

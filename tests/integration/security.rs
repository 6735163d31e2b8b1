//! What a security probe found, each kept fixed: log-in limits behind a proxy, redirects,
//! reset links, forgot-password mails, weak passwords, sign-up enumeration, the CSRF token's
//! place and mask, HSTS, HEAD and compression. (Contracts, imports and contacts: the
//! security_contracts and security_listings files.)

use crate::both;
use crate::helpers::*;

fn proxied() -> Options {
    Options {
        extra: vec![("TRUSTED_PROXIES", "127.0.0.1".to_string())],
        ..Default::default()
    }
}

fn attempt(c: &Client, email: &str, password: &str, from: &str) -> Resp {
    c.post_with(
        "/password/forgot",
        "/login",
        &[("email", email), ("password", password)],
        ("X-Forwarded-For", from),
    )
}

both!(one_address_slows_guessing_without_locking_out_other_accounts, |db| {
    let app = TestApp::start_with(db, proxied());
    let (_owner, email, _) = signup_org(&app, "enterprise", "630104");
    // Behind the load balancer everybody shares the proxy's address; the client's address comes
    // from X-Forwarded-For. A guesser at 203.0.113.7 fails 21 times on made-up accounts …
    let guesser = app.client();
    for i in 0..21 {
        let r = attempt(
            &guesser,
            &format!("guess{i}@example.cn"),
            "wrong password",
            "203.0.113.7",
        );
        assert_eq!(r.status, 401, "attempt {i}");
    }
    // … and a colleague behind the same address still logs in with the right password.
    let colleague = app.client();
    let r = attempt(&colleague, &email, PASSWORD, "203.0.113.7");
    assert_eq!(r.status, 303, "a correct password from a busy address: {}", r.body);
});

both!(a_strangers_failures_never_lock_the_owner_out, |db| {
    let app = TestApp::start_with(db, proxied());
    // The owner's browser has logged in before (signup_org logs in).
    let (owner, email, _) = signup_org(&app, "enterprise", "630104");
    let stranger = app.client();
    for _ in 0..5 {
        assert_eq!(attempt(&stranger, &email, "wrong password", "198.51.100.9").status, 401);
    }
    // The account now backs off: a browser that never logged in to it waits, with the time said,
    // and its password is not even checked.
    let r = attempt(&app.client(), &email, PASSWORD, "198.51.100.9");
    assert_eq!(r.status, 429);
    r.assert_contains("秒后再试");
    r.assert_contains(&email); // what was typed is kept
                               // The owner's own browser is not held.
    let r = attempt(&owner, &email, PASSWORD, "192.0.2.44");
    assert_eq!(r.status, 303, "the owner logs in: {}", r.body);
    // And once the back-off (1 s after five failures) has passed, any browser may try again.
    let fresh = app.client();
    let r = wait_for("the back-off to pass", 10, || {
        let r = attempt(&fresh, &email, PASSWORD, "198.51.100.10");
        (r.status != 429).then_some(r)
    });
    assert_eq!(r.status, 303);
});

both!(redirects_stay_on_this_site, |db| {
    let app = TestApp::start(db);
    let c = app.client();
    // Browsers drop the tab and go to //host: another site.
    let r = c.get("/lang/en?next=/%09/host/pwned");
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
    // A line break cannot go into a header: it was a 500.
    let r = c.get("/lang/en?next=/%0aSet-Cookie:%20x=1");
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
    assert_eq!(c.get("/lang/en?next=/%5C%5Chost").location.as_deref(), Some("/"));
    // An ordinary path with its query is kept.
    assert_eq!(
        c.get("/lang/zh?next=/search%3Fq%3Dlithium%26page%3D2")
            .location
            .as_deref(),
        Some("/search?q=lithium&page=2")
    );
    // Log-in takes the same `next`.
    let (_c, email, _) = signup_org(&app, "enterprise", "630104");
    let r = app.client().post(
        "/login",
        "/login",
        &[("email", &email), ("password", PASSWORD), ("next", "/\t/host/pwned")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/"));
});

/// The reset links mailed to an address so far (the outbox folder: no SMTP in these tests).
fn reset_links(app: &TestApp, email: &str, want: usize) -> Vec<String> {
    wait_for("the reset mails", 15, || {
        let links: Vec<String> = app
            .outbox_files()
            .into_iter()
            .filter(|m| m.contains(email))
            .filter_map(|m| find_link(&m, &format!("{}/password/reset?token=", app.base)))
            .map(|l| l.trim_start_matches(&app.base).to_string())
            .collect();
        (links.len() >= want).then_some(links)
    })
}

fn reset_with(c: &Client, path: &str, password: &str) -> Resp {
    let token = path.split("token=").nth(1).unwrap_or("").to_string();
    c.post(
        "/password/forgot",
        "/password/reset",
        &[("token", &token), ("password", password), ("password2", password)],
    )
}

both!(a_new_password_ends_every_reset_link_and_every_other_session, |db| {
    let app = TestApp::start(db);
    let (c, email, _) = signup_org(&app, "enterprise", "630104");
    let other_session = login(&app, &email, PASSWORD);
    let anon = app.client();
    for _ in 0..2 {
        anon.post("/password/forgot", "/password/forgot", &[("email", &email)]);
    }
    let links = reset_links(&app, &email, 2);
    assert_eq!(links.len(), 2);
    assert_eq!(reset_with(&anon, &links[0], "salt lake lithium 7").status, 303);
    // The other link sent before the reset is dead, and so is every session.
    anon.get(&links[1]).assert_contains("链接无效或已过期");
    assert_eq!(reset_with(&anon, &links[1], "another pass 22").status, 400);
    assert_eq!(other_session.get("/account").status, 303, "the session ended");
    assert_eq!(c.get("/account").status, 303, "the session ended");

    // A password changed on the account page ends the links too.
    let c = login(&app, &email, "salt lake lithium 7");
    anon.post("/password/forgot", "/password/forgot", &[("email", &email)]);
    let links = reset_links(&app, &email, 3);
    let r = c.post(
        "/account",
        "/account/password",
        &[
            ("current", "salt lake lithium 7"),
            ("password", "new passphrase 1"),
            ("password2", "new passphrase 1"),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(reset_with(&anon, &links[2], "another pass 22").status, 400);
    login(&app, &email, "new passphrase 1");
});

both!(forgot_password_mails_are_limited_per_address, |db| {
    let app = TestApp::start(db);
    let (_c, email, _) = signup_org(&app, "enterprise", "630104");
    let anon = app.client();
    for _ in 0..8 {
        let r = anon.post("/password/forgot", "/password/forgot", &[("email", &email)]);
        assert_eq!(r.status, 200);
        // The same answer every time.
        r.assert_contains("我们已发送一封重置密码的邮件");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM user_tokens WHERE purpose = 'reset_password'"),
        3
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = '{email}' AND body LIKE '%/password/reset?token=%'"
        )),
        3
    );
});

both!(guessable_passwords_are_refused_with_the_reason, |db| {
    let app = TestApp::start(db);
    let c = app.client();
    for (password, reason) in [("1234567890", "最常用的密码之一"), ("password12", "最常用的密码之一")] {
        let code = credit_code("630100");
        let r = c.post(
            "/signup/organization",
            "/signup/organization",
            &[
                ("kind", "enterprise"),
                ("org_name", "西宁高原生物科技有限公司"),
                ("credit_code", &code),
                ("region_code", "630100"),
                ("name", "李四"),
                ("email", "lisi@example.cn"),
                ("password", password),
                ("password2", password),
            ],
        );
        assert_eq!(r.status, 422, "{password} was accepted");
        r.assert_contains(reason);
        r.assert_contains("value=\"西宁高原生物科技有限公司\""); // input kept
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users"), 0);
    // The user's own address is no password either; the reason in English.
    let en = app.client();
    en.get("/lang/en?next=/");
    let r = en.post(
        "/signup/broker",
        "/signup/broker",
        &[
            ("name", "Zhao"),
            ("certificate", "QH-2025-0001"),
            ("region_code", "630103"),
            ("email", "zhaojingji88@example.cn"),
            ("password", "zhaojingji88"),
            ("password2", "zhaojingji88"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("easy to guess");
    // Changing to a weak password is refused too.
    let (c, _, _) = signup_org(&app, "enterprise", "630104");
    let r = c.post(
        "/account",
        "/account/password",
        &[
            ("current", PASSWORD),
            ("password", "qwertyuiop"),
            ("password2", "qwertyuiop"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("请用几个不相关的词组成较长的密码");
});

both!(sign_up_does_not_tell_whether_an_address_is_registered, |db| {
    let app = TestApp::start(db);
    let (_c, email, _) = signup_org(&app, "enterprise", "630104");
    let users = app.count("SELECT COUNT(*) FROM users");
    let orgs = app.count("SELECT COUNT(*) FROM organizations");
    let stranger = app.client();
    let org = stranger.post(
        "/signup/organization",
        "/signup/organization",
        &[
            ("kind", "university"),
            ("org_name", "青海大学"),
            ("credit_code", &credit_code("630102")),
            ("region_code", "630102"),
            ("name", "王五"),
            ("email", &email.to_uppercase()),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    let broker = stranger.post(
        "/signup/broker",
        "/signup/broker",
        &[
            ("name", "赵经纪"),
            ("certificate", "QH-2025-0001"),
            ("region_code", "630103"),
            ("email", &email),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    // Exactly what a new address gets.
    let fresh = app.client().post(
        "/signup/broker",
        "/signup/broker",
        &[
            ("name", "钱经纪"),
            ("certificate", "QH-2025-0002"),
            ("region_code", "630103"),
            ("email", "qian@example.cn"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    for r in [&org, &broker, &fresh] {
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some(techmarket::accounts::SIGNED_UP))
        );
        assert_eq!(r.body, fresh.body);
    }
    // Nothing stored for the known address; its owner is told by mail.
    assert_eq!(app.count("SELECT COUNT(*) FROM users"), users + 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations"), orgs + 1);
    let told = wait_for("the mail to the owner", 15, || {
        let n = app
            .outbox_files()
            .into_iter()
            .filter(|m| m.contains(&email) && m.contains("有人用您的邮箱地址在技术交易市场申请注册"))
            .count();
        (n == 2).then_some(n)
    });
    assert_eq!(told, 2);
});

both!(multipart_forms_carry_the_token_in_the_body_not_the_url, |db| {
    let app = TestApp::start(db);
    let (c, _, _) = signup_org(&app, "enterprise", "630104");
    let page = c.get("/org/verification");
    assert!(!page.body.contains("csrf="), "no token in a form's address");
    let token = page.csrf();
    // In the URL, where access logs keep it: refused.
    let r = c.post_multipart_raw(
        &format!("/org/licence?csrf={token}"),
        &[],
        &[("licence", "licence.pdf", PDF)],
    );
    assert_eq!(r.status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM files"), 0);
    // In the body: accepted.
    let r = c.post_multipart_raw("/org/licence", &[("csrf", &token)], &[("licence", "licence.pdf", PDF)]);
    assert_eq!(r.status, 303, "{}", r.body);
});

both!(https_head_and_compression, |db| {
    let app = TestApp::start(db);
    // HEAD answers like GET, without a body: uptime monitors and link checkers use it.
    for path in ["/", "/achievements", "/demands", "/login", "/healthz"] {
        let r = ureq::head(&format!("{}{path}", app.base)).call().expect("HEAD");
        assert_eq!(r.status(), 200, "HEAD {path}");
        assert_eq!(r.into_string().unwrap_or_default(), "", "HEAD {path} has no body");
    }
    // Pages are compressed for browsers that ask.
    let r = ureq::get(&format!("{}/achievements", app.base))
        .set("Accept-Encoding", "gzip")
        .call()
        .expect("GET");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    // The CSRF token differs on every page (masked), so compression tells nothing of it, and each
    // masked copy is accepted.
    let c = app.client();
    let (a, b) = (c.get("/password/forgot").csrf(), c.get("/password/forgot").csrf());
    assert_ne!(a, b);
    for token in [&a, &b] {
        let r = c.post_raw("/password/forgot", &[("csrf", token), ("email", "x@example.cn")]);
        assert_eq!(r.status, 200);
    }
    // No Strict-Transport-Security over plain HTTP …
    let r = ureq::get(&format!("{}/", app.base)).call().expect("GET");
    assert_eq!(r.header("strict-transport-security"), None);
    drop(app);
    // … and with it behind HTTPS.
    let app = TestApp::start_with(
        db,
        Options {
            extra: vec![("COOKIE_SECURE", "true".to_string())],
            ..Default::default()
        },
    );
    let r = ureq::get(&format!("{}/", app.base)).call().expect("GET");
    assert!(
        r.header("strict-transport-security")
            .is_some_and(|h| h.contains("max-age=")),
        "HSTS behind HTTPS"
    );
});

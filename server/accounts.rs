//! Accounts: sign-up (an organization with its first user, or an individual broker), log-in and
//! log-out, e-mail verification, password change and reset.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{self, Role};
use crate::credit_code;
use crate::db::{self, now, DbConn};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::mail;
use crate::regions;
use crate::schema::{organizations, users};
use crate::state::AppState;
use crate::web::{
    client_ip, make_cookie, redirect, render, render_status, Ctx, FieldErrors, DEVICE_COOKIE, SESSION_COOKIE,
};
use actix_web::http::StatusCode;

/// Organization kinds that sign up themselves (government offices are created by `create-officer`,
/// individual brokers through the broker sign-up).
pub const SELF_SIGNUP_KINDS: &[&str] = &[
    "enterprise",
    "university",
    "research_institute",
    "transfer_platform",
    "transfer_institution",
    "contract_service_point",
];

pub fn role_for_kind(kind: &str) -> Role {
    match kind {
        "enterprise" => Role::Enterprise,
        "university" | "research_institute" => Role::Institution,
        "government" => Role::Officer,
        _ => Role::Broker,
    }
}

fn unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

fn check_len(errors: &mut FieldErrors, c: &Ctx, field: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n == 0 {
        errors.add(field, c.t("err.required"));
    } else if n > max {
        errors.add(
            field,
            c.tf("err.too_long", &[c.t(&format!("field.{field}")), &max.to_string()]),
        );
    }
}

fn check_email(errors: &mut FieldErrors, c: &Ctx, field: &str, value: &str) -> Option<String> {
    if value.trim().is_empty() {
        errors.add(field, c.t("err.required"));
        return None;
    }
    let e = auth::normalize_email(value);
    if e.is_none() {
        errors.add(field, c.tf("err.email_invalid", &[value.trim()]));
    }
    e
}

/// The password rules; `about` holds what an attacker could know of the user (e-mail address,
/// name, organization), which a password must not lean on.
fn check_passwords(errors: &mut FieldErrors, c: &Ctx, password: &str, password2: &str, about: &[&str]) {
    if let Some(key) = auth::password_problem(password, about) {
        errors.add("password", c.t(key));
    } else if password != password2 {
        errors.add("password2", c.t("err.password_mismatch"));
    }
}

fn check_region(errors: &mut FieldErrors, c: &Ctx, value: &str) -> Option<String> {
    match regions::validate(value.trim()) {
        Ok(r) => Some(r.code.to_string()),
        Err(e) => {
            errors.add(
                "region_code",
                if c.lang == Lang::En {
                    e.to_string()
                } else {
                    e.message_zh()
                },
            );
            None
        }
    }
}

pub fn email_exists(conn: &mut DbConn, email: &str) -> AppResult<bool> {
    Ok(users::table
        .filter(users::email.eq(email))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Sends the address-verification mail for a user.
pub fn send_verification(conn: &mut DbConn, state: &AppState, lang: Lang, user_id: i64, email: &str) -> AppResult<()> {
    let token = auth::issue_token(conn, auth::TOKEN_VERIFY_EMAIL, Some(user_id), None, email, 7 * 86400)?;
    let link = format!("{}/verify-email?token={token}", state.config.base_url);
    mail::enqueue_with_notice(
        conn,
        Some(user_id),
        email,
        crate::i18n::t(lang, "mail.verify.subject"),
        &crate::i18n::tf(lang, "mail.verify.body", &[&link]),
        &crate::i18n::tf(lang, "notice_text.verify", &[email]),
        Some("/account"),
    )
}

/// Where a sign-up leads, whether or not the address had an account already: the answer must
/// not tell a stranger which addresses are registered.
/// After logging in, the account page welcomes the newcomer with what to do next.
pub const SIGNED_UP: &str = "/login?notice=signed_up&next=/account%3Fnotice%3Dwelcome";

/// What a sign-up did with the address given.
enum Signup {
    /// A new account; its verification mail goes out.
    Created(i64),
    /// The address belongs to this account: nothing is stored, and its owner is told by mail.
    AddressTaken(i64),
}

impl Signup {
    /// Mails the address: the verification link, or, to an existing account's owner, that
    /// somebody tried to sign up with it.
    fn tell(self, conn: &mut DbConn, state: &AppState, lang: Lang, email: &str) -> AppResult<()> {
        match self {
            Signup::Created(user_id) => send_verification(conn, state, lang, user_id, email),
            Signup::AddressTaken(user_id) => {
                let login = format!("{}/login", state.config.base_url);
                let reset = format!("{}/password/forgot", state.config.base_url);
                mail::enqueue_for_user(conn, user_id, "mail.signup_taken", &[&login, &reset], "/account")
            }
        }
    }
}

/// The account an address belongs to.
fn account_of(conn: &mut DbConn, email: &str) -> Result<Option<i64>, diesel::result::Error> {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(conn)
        .optional()
}

fn with_session(state: &AppState, token: String, to: &str) -> HttpResponse {
    let mut resp = redirect(to);
    let cookie = make_cookie(SESSION_COOKIE, token, state.config.cookie_secure, auth::SESSION_DAYS);
    let _ = resp.add_cookie(&cookie);
    resp
}

// ---------------------------------------------------------------- sign-up

#[derive(Template)]
#[template(path = "accounts/signup.html")]
struct SignupChoice<'a> {
    c: &'a Ctx,
}

pub async fn signup_choice(c: Ctx) -> AppResult<HttpResponse> {
    render(&SignupChoice { c: &c })
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct OrgSignupForm {
    pub kind: String,
    pub org_name: String,
    pub credit_code: String,
    pub region_code: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub password2: String,
}

#[derive(Template)]
#[template(path = "accounts/signup_org.html")]
struct OrgSignupPage<'a> {
    c: &'a Ctx,
    f: OrgSignupForm,
    errors: FieldErrors,
    kinds: &'static [&'static str],
    regions: Vec<(&'static str, String)>,
}

/// Prefecture-level divisions (and provinces) offered as suggestions for the region field.
pub fn region_suggestions() -> Vec<(&'static str, String)> {
    regions::suggestions()
}

pub async fn signup_org_form(c: Ctx) -> AppResult<HttpResponse> {
    if c.signed_in() {
        return Ok(redirect("/account"));
    }
    render(&OrgSignupPage {
        c: &c,
        f: OrgSignupForm {
            kind: "enterprise".into(),
            ..Default::default()
        },
        errors: FieldErrors::new(),
        kinds: SELF_SIGNUP_KINDS,
        regions: region_suggestions(),
    })
}

pub async fn signup_org(c: Ctx, state: web::Data<AppState>, form: web::Form<OrgSignupForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    if !SELF_SIGNUP_KINDS.contains(&f.kind.as_str()) {
        errors.add("kind", c.t("err.choose_kind"));
    }
    check_len(&mut errors, &c, "org_name", f.org_name.trim(), 100);
    let code = match credit_code::validate(&f.credit_code) {
        Ok(code) => Some(code.as_str().to_string()),
        Err(e) => {
            errors.add("credit_code", if c.is_en() { e.message_en() } else { e.message_zh() });
            None
        }
    };
    let region = check_region(&mut errors, &c, &f.region_code);
    check_len(&mut errors, &c, "name", f.name.trim(), 50);
    let email = check_email(&mut errors, &c, "email", &f.email);
    check_passwords(
        &mut errors,
        &c,
        &f.password,
        &f.password2,
        &[&f.email, &f.name, &f.org_name],
    );

    let st = state.clone();
    let lang = c.lang;
    let fc = f.clone();
    let outcome = if errors.any() {
        Err(errors)
    } else {
        let (code, region, email) = (
            code.unwrap_or_default(),
            region.unwrap_or_default(),
            email.unwrap_or_default(),
        );
        let msg_code_taken = c.t("err.credit_code_taken").to_string();
        let hash = auth::hash_password(&f.password)?;
        db::run(&state.pool, move |conn| {
            let r = db::write_tx::<_, diesel::result::Error, _>(conn, |conn| {
                let mut errors = FieldErrors::new();
                let taken: i64 = organizations::table
                    .filter(organizations::credit_code.eq(&code))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    errors.add("credit_code", msg_code_taken.clone());
                }
                if errors.any() {
                    return Ok(Err(errors));
                }
                if let Some(owner) = account_of(conn, &email)? {
                    return Ok(Ok(Signup::AddressTaken(owner)));
                }
                let t = now();
                let org_id: i64 = diesel::insert_into(organizations::table)
                    .values((
                        organizations::kind.eq(&fc.kind),
                        organizations::name.eq(fc.org_name.trim()),
                        organizations::credit_code.eq(Some(&code)),
                        organizations::region_code.eq(&region),
                        organizations::verification.eq("unverified"),
                        organizations::created_at.eq(t),
                    ))
                    .returning(organizations::id)
                    .get_result(conn)?;
                let user_id: i64 = diesel::insert_into(users::table)
                    .values((
                        users::org_id.eq(org_id),
                        users::email.eq(&email),
                        users::name.eq(fc.name.trim()),
                        users::password_hash.eq(&hash),
                        users::role.eq(role_for_kind(&fc.kind).as_str()),
                        users::is_admin.eq(true),
                        users::lang.eq(lang.code()),
                        users::created_at.eq(t),
                    ))
                    .returning(users::id)
                    .get_result(conn)?;
                Ok(Ok(Signup::Created(user_id)))
            });
            match r {
                Ok(Ok(signup)) => signup.tell(conn, &st, lang, &email).map(Ok),
                Ok(Err(errors)) => Ok(Err(errors)),
                Err(e) if unique_violation(&e) => match account_of(conn, &email)? {
                    // Another sign-up took the address meanwhile: the same answer as above.
                    Some(owner) => Signup::AddressTaken(owner).tell(conn, &st, lang, &email).map(Ok),
                    None => {
                        let mut errors = FieldErrors::new();
                        errors.add("credit_code", msg_code_taken);
                        Ok(Err(errors))
                    }
                },
                Err(e) => Err(e.into()),
            }
        })
        .await?
    };
    match outcome {
        Ok(()) => Ok(redirect(SIGNED_UP)),
        Err(errors) => render_status(
            &OrgSignupPage {
                c: &c,
                f: OrgSignupForm {
                    password: String::new(),
                    password2: String::new(),
                    ..f
                },
                errors,
                kinds: SELF_SIGNUP_KINDS,
                regions: region_suggestions(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct BrokerSignupForm {
    pub name: String,
    pub certificate: String,
    pub region_code: String,
    pub email: String,
    pub password: String,
    pub password2: String,
}

#[derive(Template)]
#[template(path = "accounts/signup_broker.html")]
struct BrokerSignupPage<'a> {
    c: &'a Ctx,
    f: BrokerSignupForm,
    errors: FieldErrors,
    regions: Vec<(&'static str, String)>,
}

pub async fn signup_broker_form(c: Ctx) -> AppResult<HttpResponse> {
    if c.signed_in() {
        return Ok(redirect("/account"));
    }
    render(&BrokerSignupPage {
        c: &c,
        f: BrokerSignupForm::default(),
        errors: FieldErrors::new(),
        regions: region_suggestions(),
    })
}

/// A broker certificate number: 6 to 40 letters, digits or dashes.
fn certificate_ok(s: &str) -> bool {
    let n = s.chars().count();
    (6..=40).contains(&n) && s.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
}

pub async fn signup_broker(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<BrokerSignupForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    check_len(&mut errors, &c, "name", f.name.trim(), 50);
    let cert = f.certificate.trim().to_ascii_uppercase();
    if cert.is_empty() {
        errors.add("certificate", c.t("err.required"));
    } else if !certificate_ok(&cert) {
        errors.add("certificate", c.tf("err.certificate_invalid", &[f.certificate.trim()]));
    }
    let region = check_region(&mut errors, &c, &f.region_code);
    let email = check_email(&mut errors, &c, "email", &f.email);
    check_passwords(&mut errors, &c, &f.password, &f.password2, &[&f.email, &f.name]);
    let lang = c.lang;
    let st = state.clone();
    let outcome = if errors.any() {
        Err(errors)
    } else {
        let (region, email) = (region.unwrap_or_default(), email.unwrap_or_default());
        let name = f.name.trim().to_string();
        let hash = auth::hash_password(&f.password)?;
        db::run(&state.pool, move |conn| {
            let r = db::write_tx::<_, diesel::result::Error, _>(conn, |conn| {
                if let Some(owner) = account_of(conn, &email)? {
                    return Ok(Signup::AddressTaken(owner));
                }
                let t = now();
                let org_id: i64 = diesel::insert_into(organizations::table)
                    .values((
                        organizations::kind.eq("broker"),
                        organizations::name.eq(&name),
                        organizations::region_code.eq(&region),
                        organizations::broker_certificate.eq(Some(&cert)),
                        organizations::verification.eq("unverified"),
                        organizations::created_at.eq(t),
                    ))
                    .returning(organizations::id)
                    .get_result(conn)?;
                let user_id: i64 = diesel::insert_into(users::table)
                    .values((
                        users::org_id.eq(org_id),
                        users::email.eq(&email),
                        users::name.eq(&name),
                        users::password_hash.eq(&hash),
                        users::role.eq(Role::Broker.as_str()),
                        users::is_admin.eq(true),
                        users::lang.eq(lang.code()),
                        users::created_at.eq(t),
                    ))
                    .returning(users::id)
                    .get_result(conn)?;
                Ok(Signup::Created(user_id))
            });
            let signup = match r {
                Ok(signup) => signup,
                Err(e) if unique_violation(&e) => match account_of(conn, &email)? {
                    Some(owner) => Signup::AddressTaken(owner),
                    None => return Err(e.into()),
                },
                Err(e) => return Err(e.into()),
            };
            signup.tell(conn, &st, lang, &email).map(Ok::<(), FieldErrors>)
        })
        .await?
    };
    match outcome {
        Ok(()) => Ok(redirect(SIGNED_UP)),
        Err(errors) => render_status(
            &BrokerSignupPage {
                c: &c,
                f: BrokerSignupForm {
                    password: String::new(),
                    password2: String::new(),
                    ..f
                },
                errors,
                regions: region_suggestions(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

// ---------------------------------------------------------------- log-in, log-out

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: String,
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct NextQuery {
    pub next: String,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage<'a> {
    c: &'a Ctx,
    email: String,
    error: String,
    next: String,
}

pub async fn login_form(c: Ctx, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    if c.signed_in() {
        return Ok(redirect("/account"));
    }
    let next = if q.next.is_empty() {
        String::new()
    } else {
        crate::web::safe_next(&q.next)
    };
    render(&LoginPage {
        c: &c,
        email: String::new(),
        error: String::new(),
        next,
    })
}

enum LoginOutcome {
    Ok(String),
    /// A wrong e-mail or password; the answer waits this many milliseconds (a busy address).
    Wrong(u64),
    /// The account is backing off for this many seconds.
    Wait(i64),
}

pub async fn login(
    c: Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let email = f.email.trim().to_lowercase();
    let ip = client_ip(&req);
    let device = auth::device_token(&state.secret, &email);
    let known_device = req
        .cookie(DEVICE_COOKIE)
        .is_some_and(|ck| auth::constant_time_eq(ck.value().as_bytes(), device.as_bytes()));
    let password = f.password.clone();
    let em = email.clone();
    let outcome = db::run(&state.pool, move |conn| {
        let failure_delay_ms = match auth::login_throttle(conn, &em, &ip, known_device)? {
            auth::Throttle::Wait { secs } => return Ok(LoginOutcome::Wait(secs)),
            auth::Throttle::Go { failure_delay_ms } => failure_delay_ms,
        };
        let row: Option<(i64, String)> = users::table
            .filter(users::email.eq(&em))
            .select((users::id, users::password_hash))
            .first(conn)
            .optional()?;
        // Verify against a fixed hash when the user is unknown, so timing does not reveal accounts.
        let (uid, hash) = row.unwrap_or_else(|| (0, auth::dummy_hash().to_string()));
        let ok = auth::verify_password(&password, &hash);
        if uid != 0 && ok {
            auth::clear_account_failures(conn, &em)?;
            Ok(LoginOutcome::Ok(auth::create_session(conn, uid)?))
        } else {
            auth::record_login_failure(conn, &em, &ip)?;
            Ok(LoginOutcome::Wrong(failure_delay_ms))
        }
    })
    .await?;
    let (error, status) = match outcome {
        LoginOutcome::Ok(token) => {
            let to = if f.next.is_empty() {
                "/account".to_string()
            } else {
                crate::web::safe_next(&f.next)
            };
            let mut resp = with_session(&state, token, &to);
            // A fresh session replaces the anonymous CSRF binding.
            let _ = resp.add_removal_cookie(&make_cookie(
                crate::web::ANON_COOKIE,
                String::new(),
                state.config.cookie_secure,
                0,
            ));
            // This browser is now known to the account: a stranger's failures will not hold it.
            let _ = resp.add_cookie(&make_cookie(DEVICE_COOKIE, device, state.config.cookie_secure, 365));
            return Ok(resp);
        }
        LoginOutcome::Wait(secs) => (
            c.tf("err.login_wait", &[&secs.to_string()]),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        LoginOutcome::Wrong(delay_ms) => {
            if delay_ms > 0 {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            }
            (c.t("err.login_wrong").to_string(), StatusCode::UNAUTHORIZED)
        }
    };
    render_status(
        &LoginPage {
            c: &c,
            email: f.email,
            error,
            next: f.next,
        },
        status,
    )
}

pub async fn logout(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let token = cookie.value().to_string();
        db::run(&state.pool, move |conn| auth::delete_session(conn, &token)).await?;
    }
    let mut resp = redirect("/?notice=logged_out");
    let _ = resp.add_removal_cookie(&make_cookie(
        SESSION_COOKIE,
        String::new(),
        state.config.cookie_secure,
        0,
    ));
    Ok(resp)
}

// ---------------------------------------------------------------- account, password change

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage<'a> {
    c: &'a Ctx,
    errors: FieldErrors,
    region_name: String,
}

fn region_name(code: &str) -> String {
    regions::full_name(code).unwrap_or_else(|| code.to_string())
}

pub async fn account(c: Ctx) -> AppResult<HttpResponse> {
    let region_name = region_name(&c.user()?.org_region);
    render(&AccountPage {
        c: &c,
        errors: FieldErrors::new(),
        region_name,
    })
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct PasswordChangeForm {
    pub current: String,
    pub password: String,
    pub password2: String,
}

pub async fn change_password(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<PasswordChangeForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    check_passwords(
        &mut errors,
        &c,
        &f.password,
        &f.password2,
        &[&user.email, &user.name, &user.org_name],
    );
    let uid = user.id;
    let current_hash: String = db::run(&state.pool, move |conn| {
        Ok(users::table.find(uid).select(users::password_hash).first(conn)?)
    })
    .await?;
    if !auth::verify_password(&f.current, &current_hash) {
        errors.add("current", c.t("err.current_password_wrong"));
    }
    if errors.any() {
        let region_name = region_name(&user.org_region);
        return render_status(
            &AccountPage {
                c: &c,
                errors,
                region_name,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = auth::hash_password(&f.password)?;
    let token = db::tx(&state.pool, move |conn| {
        diesel::update(users::table.find(uid))
            .set(users::password_hash.eq(hash))
            .execute(conn)?;
        // Every other session of this user ends, and so does every reset link sent before;
        // this session is replaced by a fresh one.
        auth::delete_user_sessions(conn, uid)?;
        auth::end_tokens(conn, uid, auth::TOKEN_RESET_PASSWORD)?;
        auth::create_session(conn, uid)
    })
    .await?;
    Ok(with_session(&state, token, "/account?notice=password_changed"))
}

// ---------------------------------------------------------------- e-mail verification

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    pub token: String,
}

#[derive(Template)]
#[template(path = "accounts/verify_email.html")]
struct VerifyEmailPage<'a> {
    c: &'a Ctx,
    token: String,
    valid: bool,
}

pub async fn verify_email_form(
    c: Ctx,
    state: web::Data<AppState>,
    q: web::Query<TokenQuery>,
) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let valid = db::run(&state.pool, move |conn| {
        auth::find_token(conn, auth::TOKEN_VERIFY_EMAIL, &t2)
    })
    .await?
    .is_some();
    render(&VerifyEmailPage { c: &c, token, valid })
}

pub async fn verify_email(c: Ctx, state: web::Data<AppState>, form: web::Form<TokenQuery>) -> AppResult<HttpResponse> {
    let token = form.into_inner().token;
    let done = db::tx(&state.pool, move |conn| {
        let Some(row) = auth::find_token(conn, auth::TOKEN_VERIFY_EMAIL, &token)? else {
            return Ok(false);
        };
        if !auth::consume_token(conn, &row.token_hash)? {
            return Ok(false);
        }
        if let Some(uid) = row.user_id {
            diesel::update(users::table.find(uid).filter(users::email.eq(&row.email)))
                .set(users::email_verified_at.eq(now()))
                .execute(conn)?;
        }
        Ok(true)
    })
    .await?;
    if done {
        Ok(redirect(if c.signed_in() {
            "/account?notice=email_verified"
        } else {
            "/login?notice=email_verified"
        }))
    } else {
        render_status(
            &VerifyEmailPage {
                c: &c,
                token: String::new(),
                valid: false,
            },
            StatusCode::BAD_REQUEST,
        )
    }
}

pub async fn resend_verification(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if user.email_verified {
        return Ok(redirect("/account"));
    }
    let lang = c.lang;
    let st = state.clone();
    db::tx(&state.pool, move |conn| {
        send_verification(conn, &st, lang, user.id, &user.email)
    })
    .await?;
    Ok(redirect("/account?notice=verification_sent"))
}

// ---------------------------------------------------------------- password reset

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct ForgotForm {
    pub email: String,
}

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage<'a> {
    c: &'a Ctx,
    email: String,
    error: String,
    sent: bool,
}

pub async fn forgot_form(c: Ctx) -> AppResult<HttpResponse> {
    render(&ForgotPage {
        c: &c,
        email: String::new(),
        error: String::new(),
        sent: false,
    })
}

pub async fn forgot(c: Ctx, state: web::Data<AppState>, form: web::Form<ForgotForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let Some(email) = auth::normalize_email(&f.email) else {
        let error = c.tf("err.email_invalid", &[f.email.trim()]);
        return render_status(
            &ForgotPage {
                c: &c,
                email: f.email,
                error,
                sent: false,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let st = state.clone();
    db::tx(&state.pool, move |conn| {
        let row: Option<(i64, Option<String>)> = users::table
            .filter(users::email.eq(&email))
            .select((users::id, users::lang))
            .first(conn)
            .optional()?;
        let sent = auth::tokens_sent_since(conn, auth::TOKEN_RESET_PASSWORD, &email, now() - 3600)?;
        if sent >= auth::RESETS_PER_ADDRESS_AND_HOUR {
            return Ok(());
        }
        if let Some((uid, lang)) = row {
            let lang = lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Zh);
            let token = auth::issue_token(conn, auth::TOKEN_RESET_PASSWORD, Some(uid), None, &email, 3600)?;
            let link = format!("{}/password/reset?token={token}", st.config.base_url);
            mail::enqueue_with_notice(
                conn,
                Some(uid),
                &email,
                crate::i18n::t(lang, "mail.reset.subject"),
                &crate::i18n::tf(lang, "mail.reset.body", &[&link]),
                crate::i18n::t(lang, "notice_text.reset"),
                None,
            )?;
        }
        Ok(())
    })
    .await?;
    // The same answer whether or not the address has an account, and whether or not a mail
    // went out (at most a few an hour).
    render(&ForgotPage {
        c: &c,
        email: f.email,
        error: String::new(),
        sent: true,
    })
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct ResetForm {
    pub token: String,
    pub password: String,
    pub password2: String,
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage<'a> {
    c: &'a Ctx,
    token: String,
    valid: bool,
    errors: FieldErrors,
}

pub async fn reset_form(c: Ctx, state: web::Data<AppState>, q: web::Query<TokenQuery>) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let valid = db::run(&state.pool, move |conn| {
        auth::find_token(conn, auth::TOKEN_RESET_PASSWORD, &t2)
    })
    .await?
    .is_some();
    render(&ResetPage {
        c: &c,
        token,
        valid,
        errors: FieldErrors::new(),
    })
}

pub async fn reset(c: Ctx, state: web::Data<AppState>, form: web::Form<ResetForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    check_passwords(&mut errors, &c, &f.password, &f.password2, &[]);
    if errors.any() {
        return render_status(
            &ResetPage {
                c: &c,
                token: f.token,
                valid: true,
                errors,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = auth::hash_password(&f.password)?;
    let token = f.token.clone();
    let done = db::tx(&state.pool, move |conn| {
        let Some(row) = auth::find_token(conn, auth::TOKEN_RESET_PASSWORD, &token)? else {
            return Ok(false);
        };
        let Some(uid) = row.user_id else { return Ok(false) };
        if !auth::consume_token(conn, &row.token_hash)? {
            return Ok(false);
        }
        diesel::update(users::table.find(uid))
            .set((users::password_hash.eq(hash), users::email_verified_at.eq(now())))
            .execute(conn)?;
        auth::delete_user_sessions(conn, uid)?;
        auth::end_tokens(conn, uid, auth::TOKEN_RESET_PASSWORD)?;
        auth::clear_account_failures(conn, &row.email)?;
        Ok(true)
    })
    .await?;
    if done {
        Ok(redirect("/login?notice=password_reset"))
    } else {
        render_status(
            &ResetPage {
                c: &c,
                token: String::new(),
                valid: false,
                errors: FieldErrors::new(),
            },
            StatusCode::BAD_REQUEST,
        )
    }
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/signup", web::get().to(signup_choice))
        .route("/signup/organization", web::get().to(signup_org_form))
        .route("/signup/organization", web::post().to(signup_org))
        .route("/signup/broker", web::get().to(signup_broker_form))
        .route("/signup/broker", web::post().to(signup_broker))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/account", web::get().to(account))
        .route("/account/password", web::post().to(change_password))
        .route("/account/resend-verification", web::post().to(resend_verification))
        .route("/verify-email", web::get().to(verify_email_form))
        .route("/verify-email", web::post().to(verify_email))
        .route("/password/forgot", web::get().to(forgot_form))
        .route("/password/forgot", web::post().to(forgot))
        .route("/password/reset", web::get().to(reset_form))
        .route("/password/reset", web::post().to(reset));
}

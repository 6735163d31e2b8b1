//! The accounts' handlers: extract, check, call the store, render or redirect.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth;
use crate::db;
use crate::error::AppResult;
use crate::i18n::{Msg, Problems};
use crate::regions;
use crate::state::AppState;
use crate::web::{
    client_ip, make_cookie, redirect, render, render_status, safe_next, Ctx, FieldErrors, ANON_COOKIE, DEVICE_COOKIE,
    SESSION_COOKIE,
};

use super::rules::{self, BrokerSignupForm, OrgSignupForm};
use super::store::{self, LoginOutcome};
use super::views::{
    AccountPage, BrokerSignupPage, ForgotPage, LoginPage, OrgSignupPage, ResetPage, SignupChoice, VerifyEmailPage,
};

/// Where a sign-up leads, whether or not the address had an account already: the answer must
/// not tell a stranger which addresses are registered.
/// After logging in, the account page welcomes the newcomer with what to do next.
pub const SIGNED_UP: &str = "/login?notice=signed_up&next=/account%3Fnotice%3Dwelcome";

fn with_session(state: &AppState, token: String, to: &str) -> HttpResponse {
    let mut resp = redirect(to);
    let cookie = make_cookie(SESSION_COOKIE, token, state.config.cookie_secure, auth::SESSION_DAYS);
    let _ = resp.add_cookie(&cookie);
    resp
}

// ---------------------------------------------------------------- sign-up

pub async fn signup_choice(c: Ctx) -> AppResult<HttpResponse> {
    render(&SignupChoice { c: &c })
}

/// The organization's sign-up form, with what was typed but the passwords.
fn org_signup_page(c: &Ctx, f: OrgSignupForm, errors: FieldErrors) -> AppResult<HttpResponse> {
    let status = errors.status();
    let page = OrgSignupPage {
        c,
        f: OrgSignupForm {
            password: String::new(),
            password2: String::new(),
            ..f
        },
        errors,
        kinds: crate::vocabulary::OrgKind::SELF_SIGNUP,
        regions: regions::suggestions(),
    };
    render_status(&page, status)
}

pub async fn signup_org_form(c: Ctx) -> AppResult<HttpResponse> {
    if c.signed_in() {
        return Ok(redirect("/account"));
    }
    let f = OrgSignupForm {
        kind: "enterprise".into(),
        ..Default::default()
    };
    org_signup_page(&c, f, FieldErrors::new())
}

pub async fn signup_org(c: Ctx, state: web::Data<AppState>, form: web::Form<OrgSignupForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let new = match f.check() {
        Ok(n) => n,
        Err(problems) => return org_signup_page(&c, f, c.errors(&problems)),
    };
    let hash = auth::hash_password(&f.password)?;
    let (lang, base) = (c.lang, state.config.base_url.clone());
    let signed = db::run(&state.pool, move |conn| {
        store::sign_up_org(conn, &new, &hash, lang, &base)
    })
    .await?;
    match signed {
        Ok(()) => Ok(redirect(SIGNED_UP)),
        Err(problems) => org_signup_page(&c, f, c.errors(&problems)),
    }
}

/// The broker's sign-up form, with what was typed but the passwords.
fn broker_signup_page(c: &Ctx, f: BrokerSignupForm, errors: FieldErrors) -> AppResult<HttpResponse> {
    let status = errors.status();
    let page = BrokerSignupPage {
        c,
        f: BrokerSignupForm {
            password: String::new(),
            password2: String::new(),
            ..f
        },
        errors,
        regions: regions::suggestions(),
    };
    render_status(&page, status)
}

pub async fn signup_broker_form(c: Ctx) -> AppResult<HttpResponse> {
    if c.signed_in() {
        return Ok(redirect("/account"));
    }
    broker_signup_page(&c, BrokerSignupForm::default(), FieldErrors::new())
}

pub async fn signup_broker(
    c: Ctx,
    state: web::Data<AppState>,
    form: web::Form<BrokerSignupForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let new = match f.check() {
        Ok(n) => n,
        Err(problems) => return broker_signup_page(&c, f, c.errors(&problems)),
    };
    let hash = auth::hash_password(&f.password)?;
    let (lang, base) = (c.lang, state.config.base_url.clone());
    db::run(&state.pool, move |conn| {
        store::sign_up_broker(conn, &new, &hash, lang, &base)
    })
    .await?;
    Ok(redirect(SIGNED_UP))
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

pub async fn login_form(c: Ctx, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    if c.signed_in() {
        return Ok(redirect("/account"));
    }
    let next = if q.next.is_empty() {
        String::new()
    } else {
        safe_next(&q.next)
    };
    render(&LoginPage {
        c: &c,
        email: String::new(),
        error: String::new(),
        next,
    })
}

/// The answer to a log-in: to the page asked for (the account page by default) with the session;
/// the anonymous CSRF binding goes, and the browser is now known to the account, so that a
/// stranger's failures will not hold it.
fn logged_in(state: &AppState, token: String, next: &str, device: String) -> HttpResponse {
    let to = if next.is_empty() {
        "/account".to_string()
    } else {
        safe_next(next)
    };
    let secure = state.config.cookie_secure;
    let mut resp = with_session(state, token, &to);
    let _ = resp.add_removal_cookie(&make_cookie(ANON_COOKIE, String::new(), secure, 0));
    let _ = resp.add_cookie(&make_cookie(DEVICE_COOKIE, device, secure, 365));
    resp
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
    let outcome = db::run(&state.pool, move |conn| {
        store::log_in(conn, &email, &password, &ip, known_device)
    })
    .await?;
    let (error, status) = match outcome {
        LoginOutcome::In(token) => return Ok(logged_in(&state, token, &f.next, device)),
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
    let page = LoginPage {
        c: &c,
        email: f.email,
        error,
        next: f.next,
    };
    render_status(&page, status)
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

fn account_page(c: &Ctx, errors: FieldErrors) -> AppResult<HttpResponse> {
    let code = &c.user()?.org_region;
    let region_name = regions::full_name(code).unwrap_or_else(|| code.to_string());
    let status = errors.status();
    render_status(&AccountPage { c, errors, region_name }, status)
}

pub async fn account(c: Ctx) -> AppResult<HttpResponse> {
    account_page(&c, FieldErrors::new())
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
    let mut problems = Problems::new();
    rules::check_passwords(
        &mut problems,
        &f.password,
        &f.password2,
        &[&user.email, &user.name, &user.org_name],
    );
    let (uid, current) = (user.id, f.current.clone());
    if !db::run(&state.pool, move |conn| store::password_is(conn, uid, &current)).await? {
        problems.add("current", Msg::t("err.current_password_wrong"));
    }
    if !problems.0.is_empty() {
        return account_page(&c, c.errors(&problems));
    }
    let hash = auth::hash_password(&f.password)?;
    let token = db::tx(&state.pool, move |conn| store::change_password(conn, uid, &hash)).await?;
    Ok(with_session(&state, token, "/account?notice=password_changed"))
}

// ---------------------------------------------------------------- e-mail verification

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    pub token: String,
}

pub async fn verify_email_form(
    c: Ctx,
    state: web::Data<AppState>,
    q: web::Query<TokenQuery>,
) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let valid = db::run(&state.pool, move |conn| {
        store::token_valid(conn, auth::TOKEN_VERIFY_EMAIL, &t2)
    })
    .await?;
    render(&VerifyEmailPage { c: &c, token, valid })
}

pub async fn verify_email(c: Ctx, state: web::Data<AppState>, form: web::Form<TokenQuery>) -> AppResult<HttpResponse> {
    let token = form.into_inner().token;
    if db::tx(&state.pool, move |conn| store::verify_email(conn, &token)).await? {
        let to = if c.signed_in() { "/account" } else { "/login" };
        return Ok(redirect(&format!("{to}?notice=email_verified")));
    }
    let page = VerifyEmailPage {
        c: &c,
        token: String::new(),
        valid: false,
    };
    render_status(&page, StatusCode::BAD_REQUEST)
}

pub async fn resend_verification(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if user.email_verified {
        return Ok(redirect("/account"));
    }
    let (lang, base) = (c.lang, state.config.base_url.clone());
    db::tx(&state.pool, move |conn| {
        store::send_verification(conn, &base, lang, user.id, &user.email)
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
        let page = ForgotPage {
            c: &c,
            email: f.email,
            error,
            sent: false,
        };
        return render_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| store::send_reset(conn, &email, &base)).await?;
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

fn reset_page(c: &Ctx, token: String, valid: bool, errors: FieldErrors) -> AppResult<HttpResponse> {
    let status = if !valid {
        StatusCode::BAD_REQUEST
    } else {
        errors.status()
    };
    render_status(
        &ResetPage {
            c,
            token,
            valid,
            errors,
        },
        status,
    )
}

pub async fn reset_form(c: Ctx, state: web::Data<AppState>, q: web::Query<TokenQuery>) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let valid = db::run(&state.pool, move |conn| {
        store::token_valid(conn, auth::TOKEN_RESET_PASSWORD, &t2)
    })
    .await?;
    render(&ResetPage {
        c: &c,
        token,
        valid,
        errors: FieldErrors::new(),
    })
}

pub async fn reset(c: Ctx, state: web::Data<AppState>, form: web::Form<ResetForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let mut problems = Problems::new();
    rules::check_passwords(&mut problems, &f.password, &f.password2, &[]);
    if !problems.0.is_empty() {
        return reset_page(&c, f.token, true, c.errors(&problems));
    }
    let hash = auth::hash_password(&f.password)?;
    let token = f.token.clone();
    if db::tx(&state.pool, move |conn| store::reset_password(conn, &token, &hash)).await? {
        return Ok(redirect("/login?notice=password_reset"));
    }
    reset_page(&c, String::new(), false, FieldErrors::new())
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut web::ServiceConfig) {
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

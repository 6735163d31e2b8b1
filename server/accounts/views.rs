//! The accounts' pages: sign-up, log-in, the account, address verification, password reset.

use askama::Template;

use crate::web::{Ctx, FieldErrors};

use super::rules::{BrokerSignupForm, OrgSignupForm};

#[derive(Template)]
#[template(path = "accounts/signup.html")]
pub struct SignupChoice<'a> {
    pub c: &'a Ctx,
}

#[derive(Template)]
#[template(path = "accounts/signup_org.html")]
pub struct OrgSignupPage<'a> {
    pub c: &'a Ctx,
    pub f: OrgSignupForm,
    pub errors: FieldErrors,
    pub kinds: &'static [crate::vocabulary::OrgKind],
    pub regions: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "accounts/signup_broker.html")]
pub struct BrokerSignupPage<'a> {
    pub c: &'a Ctx,
    pub f: BrokerSignupForm,
    pub errors: FieldErrors,
    pub regions: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct LoginPage<'a> {
    pub c: &'a Ctx,
    pub email: String,
    pub error: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
pub struct AccountPage<'a> {
    pub c: &'a Ctx,
    pub errors: FieldErrors,
    pub region_name: String,
}

#[derive(Template)]
#[template(path = "accounts/verify_email.html")]
pub struct VerifyEmailPage<'a> {
    pub c: &'a Ctx,
    pub token: String,
    pub valid: bool,
}

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
pub struct ForgotPage<'a> {
    pub c: &'a Ctx,
    pub email: String,
    pub error: String,
    pub sent: bool,
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
pub struct ResetPage<'a> {
    pub c: &'a Ctx,
    pub token: String,
    pub valid: bool,
    pub errors: FieldErrors,
}

//! The organizations' pages: members, accepting an invitation, verification (the
//! organization's side), the officers' queue and review.

use askama::Template;

use crate::vocabulary::Verification;
use crate::web::{Ctx, FieldErrors};

use super::rules::{FlagInput, FlagStatus};
use super::store::{Flag, Member, Org, Pending};

#[derive(Template)]
#[template(path = "org/members.html")]
pub struct MembersPage<'a> {
    pub c: &'a Ctx,
    pub members: Vec<Member>,
    pub pending: Pending,
    pub invite_email: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "org/accept_invitation.html")]
pub struct AcceptPage<'a> {
    pub c: &'a Ctx,
    pub token: String,
    pub org_name: String,
    pub email: String,
    pub name: String,
    pub valid: bool,
    pub errors: FieldErrors,
}

impl<'a> AcceptPage<'a> {
    /// The page of an invitation that is unknown, used or expired.
    pub fn invalid(c: &'a Ctx, name: String) -> AcceptPage<'a> {
        AcceptPage {
            c,
            token: String::new(),
            org_name: String::new(),
            email: String::new(),
            name,
            valid: false,
            errors: FieldErrors::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "org/verification.html")]
pub struct VerificationPage<'a> {
    pub c: &'a Ctx,
    pub org: Org,
    pub flags: Vec<Flag>,
    pub flag_kinds: &'static [&'static str],
    pub errors: FieldErrors,
    pub flag_form: FlagInput,
    pub max_mb: usize,
}

#[derive(Template)]
#[template(path = "officer/organizations.html")]
pub struct QueuePage<'a> {
    pub c: &'a Ctx,
    pub status: Verification,
    pub orgs: Vec<Org>,
    pub flags_waiting: i64,
}

#[derive(Template)]
#[template(path = "officer/organization.html")]
pub struct ReviewPage<'a> {
    pub c: &'a Ctx,
    pub org: Org,
    pub flags: Vec<Flag>,
    pub members: Vec<Member>,
    pub reason_error: String,
}

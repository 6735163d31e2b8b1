//! Every query and write of the organizations area: organizations and their flags, members and
//! invitations, the verification queue and the officers' decisions.

use diesel::prelude::*;

use crate::accounts::role_for_kind;
use crate::audit;
use crate::auth::{self, SessionUser};
use crate::db::{now, DbConn};
use crate::error::{AppError, AppResult};
use crate::files::{self, Kind};
use crate::i18n::{self, Lang, Msg, Problems};
use crate::mail;
use crate::regions;
use crate::schema::{org_flags, organizations, user_tokens, users};
use crate::vocabulary::{OrgKind, Verification};

use super::rules::{FlagInput, FlagStatus};

#[derive(Queryable, Debug, Clone)]
pub struct Org {
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
    pub credit_code: Option<String>,
    pub region_code: String,
    pub broker_certificate: Option<String>,
    pub verification: Verification,
    pub licence_file_id: Option<i64>,
    pub verification_note: Option<String>,
    pub verified_at: Option<i64>,
    pub created_at: i64,
}

impl Org {
    pub fn kind_key(&self) -> String {
        format!("kind.{}", self.kind)
    }
    pub fn status_key(&self) -> String {
        format!("verification.{}", self.verification)
    }
    pub fn region_name(&self) -> String {
        regions::full_name(&self.region_code).unwrap_or_else(|| self.region_code.clone())
    }
    /// Whether it acts as a broker (an individual broker, a transfer platform or institution).
    pub fn is_broker(&self) -> bool {
        self.kind.acts_as_broker()
    }
    pub fn is_verified(&self) -> bool {
        self.verification == Verification::Verified
    }
    /// Its licence waits for an officer.
    pub fn is_pending(&self) -> bool {
        self.verification == Verification::Pending
    }
}

/// The columns of an [`Org`].
macro_rules! org_columns {
    () => {
        (
            organizations::id,
            organizations::kind,
            organizations::name,
            organizations::credit_code,
            organizations::region_code,
            organizations::broker_certificate,
            organizations::verification,
            organizations::licence_file_id,
            organizations::verification_note,
            organizations::verified_at,
            organizations::created_at,
        )
    };
}

/// Whether an office of this market oversees the region (an officer whose region contains it).
/// A party from a region without one (an out-of-province university, say) cannot be verified
/// here; the office registering its contract checks it instead.
pub fn region_has_office(conn: &mut DbConn, region: &str) -> AppResult<bool> {
    Ok(Offices::load(conn)?.oversee(region))
}

/// The regions the offices of this market oversee, loaded once for a page that asks about many
/// regions (the officers' queue).
pub struct Offices(Vec<String>);

impl Offices {
    pub fn load(conn: &mut DbConn) -> AppResult<Offices> {
        let regions: Vec<Option<String>> = users::table
            .filter(users::role.eq("officer"))
            .select(users::officer_region)
            .distinct()
            .load(conn)?;
        Ok(Offices(regions.into_iter().flatten().collect()))
    }

    /// Whether an office oversees the region.
    pub fn oversee(&self, region: &str) -> bool {
        self.0.iter().any(|office| regions::contains(office, region))
    }

    /// The office that registers a contract of `region`: the most specific office whose region
    /// contains it (西宁's for 城东区, the province's for a prefecture without an office here).
    pub fn registering(&self, region: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|office| regions::contains(office, region))
            .max_by_key(|office| office.trim_end_matches('0').len())
            .map(String::as_str)
    }

    /// Whether the user is an officer of the office that registers contracts of `region`.
    pub fn registers(&self, user: &SessionUser, region: &str) -> bool {
        user.role == crate::auth::Role::Officer
            && user.officer_region.is_some()
            && user.officer_region.as_deref() == self.registering(region)
    }

    #[cfg(test)]
    pub fn of(regions: &[&str]) -> Offices {
        Offices(regions.iter().map(|r| r.to_string()).collect())
    }
}

pub fn load_org(conn: &mut DbConn, id: i64) -> AppResult<Org> {
    Ok(organizations::table.find(id).select(org_columns!()).first(conn)?)
}

#[derive(Queryable, Debug, Clone)]
pub struct Flag {
    pub id: i64,
    pub org_id: i64,
    pub flag: String,
    pub certificate_no: String,
    pub valid_from: String,
    pub valid_to: String,
    pub file_id: Option<i64>,
    pub status: FlagStatus,
    pub note: Option<String>,
}

impl Flag {
    pub fn flag_key(&self) -> String {
        format!("flag.{}", self.flag)
    }
    pub fn status_key(&self) -> String {
        format!("flagstatus.{}", self.status)
    }
}

pub fn load_flags(conn: &mut DbConn, org_id: i64) -> AppResult<Vec<Flag>> {
    Ok(org_flags::table
        .filter(org_flags::org_id.eq(org_id))
        .order(org_flags::id.desc())
        .select((
            org_flags::id,
            org_flags::org_id,
            org_flags::flag,
            org_flags::certificate_no,
            org_flags::valid_from,
            org_flags::valid_to,
            org_flags::file_id,
            org_flags::status,
            org_flags::note,
        ))
        .load(conn)?)
}

/// Mails every administrator of an organization the messages `mail.{what}.subject` and
/// `mail.{what}.body` filled with `args`, each in its own language.
pub fn notify_admins(conn: &mut DbConn, org_id: i64, what: &str, args: &[&str], link: &str) -> AppResult<()> {
    let admins: Vec<i64> = users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::is_admin.eq(true))
        .select(users::id)
        .load(conn)?;
    for uid in admins {
        mail::enqueue_for_user(conn, uid, &format!("mail.{what}"), args, link)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- members and invitations

#[derive(Queryable, Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub email_verified_at: Option<i64>,
    pub created_at: i64,
}

/// Pending invitations: (e-mail, expiry).
pub type Pending = Vec<(String, i64)>;

pub fn load_members(conn: &mut DbConn, org_id: i64) -> AppResult<(Vec<Member>, Pending)> {
    let members = users::table
        .filter(users::org_id.eq(org_id))
        .order(users::id)
        .select((
            users::id,
            users::name,
            users::email,
            users::is_admin,
            users::email_verified_at,
            users::created_at,
        ))
        .load(conn)?;
    let pending = user_tokens::table
        .filter(user_tokens::org_id.eq(org_id))
        .filter(user_tokens::purpose.eq(auth::TOKEN_INVITATION))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now()))
        .select((user_tokens::email, user_tokens::expires_at))
        .load(conn)?;
    Ok((members, pending))
}

/// Invites `email` into the administrator's organization: a token valid 7 days, mailed in the
/// administrator's language. An address that already has an account is a problem of the form.
pub fn invite(
    conn: &mut DbConn,
    admin: &SessionUser,
    email: &str,
    base_url: &str,
    lang: Lang,
) -> AppResult<Result<(), Problems>> {
    if crate::accounts::email_exists(conn, email)? {
        let mut p = Problems::new();
        p.add("email", Msg::t("err.email_taken"));
        return Ok(Err(p));
    }
    let token = auth::issue_token(conn, auth::TOKEN_INVITATION, None, Some(admin.org_id), email, 7 * 86400)?;
    let link = format!("{base_url}/invitations/accept?token={token}");
    mail::enqueue(
        conn,
        None,
        email,
        &i18n::tf(lang, "mail.invite.subject", &[&admin.org_name]),
        &i18n::tf(lang, "mail.invite.body", &[&admin.name, &admin.org_name, &link]),
        None,
    )?;
    Ok(Ok(()))
}

/// The invitation a token stands for, unused and unexpired, and the organization it is into.
pub fn invitation(conn: &mut DbConn, token: &str) -> AppResult<Option<(auth::TokenRow, Org)>> {
    let Some(row) = auth::find_token(conn, auth::TOKEN_INVITATION, token)? else {
        return Ok(None);
    };
    let Some(org_id) = row.org_id else { return Ok(None) };
    let org = load_org(conn, org_id)?;
    Ok(Some((row, org)))
}

/// What came of accepting an invitation.
pub enum Joined {
    /// The account exists and is logged in: the session token.
    In(String),
    /// The invitation is unknown, used or expired.
    NoInvitation,
    /// The form has problems (those found before, or the address taken since): the organization's
    /// name and the invited address, for the page shown again.
    Refused(Problems, String, String),
}

/// Makes the invited person's account (its address verified by the invitation) and a session,
/// unless `problems` were found in the form.
pub fn join(
    conn: &mut DbConn,
    token: &str,
    name: &str,
    hash: &str,
    lang: Lang,
    mut problems: Problems,
) -> AppResult<Joined> {
    let Some((row, org)) = invitation(conn, token)? else {
        return Ok(Joined::NoInvitation);
    };
    if problems.0.is_empty() && crate::accounts::email_exists(conn, &row.email)? {
        problems.add("name", Msg::t("err.email_taken"));
    }
    if !problems.0.is_empty() {
        return Ok(Joined::Refused(problems, org.name, row.email));
    }
    if !auth::consume_token(conn, &row.token_hash)? {
        return Ok(Joined::NoInvitation);
    }
    let t = now();
    let uid: i64 = diesel::insert_into(users::table)
        .values((
            users::org_id.eq(org.id),
            users::email.eq(&row.email),
            users::name.eq(name),
            users::password_hash.eq(hash),
            users::role.eq(role_for_kind(org.kind).as_str()),
            users::is_admin.eq(false),
            // The invitation reached this address, which verifies it.
            users::email_verified_at.eq(Some(t)),
            users::lang.eq(lang.code()),
            users::created_at.eq(t),
        ))
        .returning(users::id)
        .get_result(conn)?;
    Ok(Joined::In(auth::create_session(conn, uid)?))
}

// ---------------------------------------------------------------- verification (the organization's side)

/// An upload kept with the organization: its file name, kind and bytes.
pub struct Upload {
    pub name: String,
    pub kind: Kind,
    pub data: Vec<u8>,
}

/// Keeps the business licence (or broker certificate) and puts the organization in the queue.
pub fn submit_licence(conn: &mut DbConn, user: &SessionUser, licence: &Upload) -> AppResult<()> {
    let org = load_org(conn, user.org_id)?;
    if org.is_verified() {
        return Err(AppError::bad_request(Msg::t("err.already_verified")));
    }
    let file_id = files::store(
        conn,
        Some(user.org_id),
        Some(user.id),
        "licence",
        &licence.name,
        licence.kind,
        &licence.data,
    )?;
    diesel::update(organizations::table.find(user.org_id))
        .set((
            organizations::licence_file_id.eq(Some(file_id)),
            organizations::verification.eq(Verification::Pending),
            organizations::verification_note.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a declared flag with its certificate, for an officer to check.
pub fn declare_flag(conn: &mut DbConn, user: &SessionUser, f: &FlagInput, certificate: &Upload) -> AppResult<()> {
    let file_id = files::store(
        conn,
        Some(user.org_id),
        Some(user.id),
        "flag_certificate",
        &certificate.name,
        certificate.kind,
        &certificate.data,
    )?;
    diesel::insert_into(org_flags::table)
        .values((
            org_flags::org_id.eq(user.org_id),
            org_flags::flag.eq(&f.flag),
            org_flags::certificate_no.eq(&f.certificate_no),
            org_flags::valid_from.eq(&f.valid_from),
            org_flags::valid_to.eq(&f.valid_to),
            org_flags::file_id.eq(Some(file_id)),
            org_flags::status.eq(FlagStatus::Declared),
            org_flags::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------- verification (the officer's side)

/// The organizations of the officer's region in one verification state (500 at most, oldest
/// first; government offices are not verified), and how many declared flags wait there.
pub fn queue(conn: &mut DbConn, officer: &SessionUser, state: Verification) -> AppResult<(Vec<Org>, i64)> {
    let pattern = regions::like_pattern(officer.officer_region.as_deref().unwrap_or("-"));
    let orgs = organizations::table
        .filter(organizations::region_code.like(&pattern))
        .filter(organizations::verification.eq(state))
        .filter(organizations::kind.ne(OrgKind::Government))
        .order(organizations::id)
        .limit(500)
        .select(org_columns!())
        .load::<Org>(conn)?;
    let flags_waiting: i64 = org_flags::table
        .inner_join(organizations::table)
        .filter(organizations::region_code.like(&pattern))
        .filter(org_flags::status.eq(FlagStatus::Declared))
        .count()
        .get_result(conn)?;
    Ok((orgs, flags_waiting))
}

/// An organization an officer may review: it must lie in the officer's region.
fn org_for_officer(conn: &mut DbConn, officer: &SessionUser, id: i64) -> AppResult<Org> {
    let org = load_org(conn, id)?;
    if !officer.oversees(&org.region_code) || org.kind == OrgKind::Government {
        return Err(AppError::refused("err.not_your_region"));
    }
    Ok(org)
}

/// What an officer reviewing an organization sees: it, its flags and its members.
pub fn review(conn: &mut DbConn, officer: &SessionUser, id: i64) -> AppResult<(Org, Vec<Flag>, Vec<Member>)> {
    let org = org_for_officer(conn, officer, id)?;
    Ok((org, load_flags(conn, id)?, load_members(conn, id)?.0))
}

/// The officer verifies the organization (which needs its licence) or rejects it with the
/// reason; audited, and its administrators are told.
pub fn decide(conn: &mut DbConn, officer: &SessionUser, id: i64, approve: bool, reason: &str) -> AppResult<()> {
    let org = org_for_officer(conn, officer, id)?;
    if approve && org.licence_file_id.is_none() {
        return Err(AppError::bad_request(Msg::t("err.no_licence")));
    }
    let t = now();
    let (state, note, at) = if approve {
        (Verification::Verified, None, Some(t))
    } else {
        (Verification::Rejected, Some(reason), None)
    };
    diesel::update(organizations::table.find(id))
        .set((
            organizations::verification.eq(state),
            organizations::verification_note.eq(note),
            organizations::verified_at.eq(at),
            organizations::verified_by.eq(Some(officer.id)),
        ))
        .execute(conn)?;
    let (action, what, summary) = if approve {
        ("org_verified", "verified", org.name.clone())
    } else {
        ("org_rejected", "rejected", format!("{}: {reason}", org.name))
    };
    audit::record(
        conn,
        officer,
        action,
        "organization",
        id,
        Some(&org.region_code),
        &summary,
    )?;
    let args: &[&str] = if approve { &[&org.name] } else { &[&org.name, reason] };
    notify_admins(conn, id, what, args, "/org/verification")
}

/// The officer confirms a declared flag or rejects it with the reason; audited. The
/// organization's id, for the page to return to.
pub fn decide_flag(
    conn: &mut DbConn,
    officer: &SessionUser,
    flag_id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<i64> {
    let (org_id, flag): (i64, String) = org_flags::table
        .find(flag_id)
        .select((org_flags::org_id, org_flags::flag))
        .first(conn)?;
    let org = org_for_officer(conn, officer, org_id)?;
    let (state, note) = if approve {
        (FlagStatus::Confirmed, None)
    } else {
        (FlagStatus::Rejected, Some(reason))
    };
    diesel::update(org_flags::table.find(flag_id))
        .set((
            org_flags::status.eq(state),
            org_flags::checked_by.eq(Some(officer.id)),
            org_flags::checked_at.eq(Some(now())),
            org_flags::note.eq(note),
        ))
        .execute(conn)?;
    let (action, tail) = if approve {
        ("flag_confirmed", String::new())
    } else {
        ("flag_rejected", format!(": {reason}"))
    };
    let summary = format!("{} {flag}{tail}", org.name);
    audit::record(
        conn,
        officer,
        action,
        "org_flag",
        flag_id,
        Some(&org.region_code),
        &summary,
    )?;
    Ok(org_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_office_registers() {
        let offices = Offices::of(&["630000", "630100", "370200"]);
        // 城东区 is 西宁's, not the province's.
        assert_eq!(offices.registering("630102"), Some("630100"));
        assert_eq!(offices.registering("630100"), Some("630100"));
        // 海西 has no office here: the province registers.
        assert_eq!(offices.registering("632801"), Some("630000"));
        assert_eq!(offices.registering("630000"), Some("630000"));
        assert_eq!(offices.registering("370212"), Some("370200"));
        // Beijing: nobody here.
        assert_eq!(offices.registering("110108"), None);
    }
}

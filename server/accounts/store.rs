//! Every query and write of the accounts area: accounts made at sign-up, log-in, passwords, the
//! address-verification and password-reset tokens and their mails.

use diesel::prelude::*;

use crate::auth::{self, Role};
use crate::db::{self, now, DbConn};
use crate::error::AppResult;
use crate::i18n::{self, Lang, Msg, Problems};
use crate::mail;
use crate::schema::{organizations, users};
use crate::vocabulary::Verification;

use super::rules::{role_for_kind, NewBroker, NewOrg};

fn unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

pub fn email_exists(conn: &mut DbConn, email: &str) -> AppResult<bool> {
    Ok(account_of(conn, email)?.is_some())
}

/// The account an address belongs to.
fn account_of(conn: &mut DbConn, email: &str) -> Result<Option<i64>, diesel::result::Error> {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(conn)
        .optional()
}

/// Sends the address-verification mail for a user.
pub fn send_verification(conn: &mut DbConn, base_url: &str, lang: Lang, user_id: i64, email: &str) -> AppResult<()> {
    let token = auth::issue_token(conn, auth::TOKEN_VERIFY_EMAIL, Some(user_id), None, email, 7 * 86400)?;
    let link = format!("{base_url}/verify-email?token={token}");
    mail::enqueue_with_notice(
        conn,
        Some(user_id),
        email,
        i18n::t(lang, "mail.verify.subject"),
        &i18n::tf(lang, "mail.verify.body", &[&link]),
        &i18n::tf(lang, "notice_text.verify", &[email]),
        Some("/account"),
    )
}

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
    fn tell(self, conn: &mut DbConn, base_url: &str, lang: Lang, email: &str) -> AppResult<()> {
        match self {
            Signup::Created(user_id) => send_verification(conn, base_url, lang, user_id, email),
            Signup::AddressTaken(user_id) => {
                let login = format!("{base_url}/login");
                let reset = format!("{base_url}/password/forgot");
                mail::enqueue_for_user(conn, user_id, "mail.signup_taken", &[&login, &reset], "/account")
            }
        }
    }
}

/// The first user of a new organization (its administrator).
fn insert_admin(
    conn: &mut DbConn,
    org_id: i64,
    (email, name, hash): (&str, &str, &str),
    role: Role,
    lang: Lang,
    t: i64,
) -> Result<i64, diesel::result::Error> {
    diesel::insert_into(users::table)
        .values((
            users::org_id.eq(org_id),
            users::email.eq(email),
            users::name.eq(name),
            users::password_hash.eq(hash),
            users::role.eq(role.as_str()),
            users::is_admin.eq(true),
            users::lang.eq(lang.code()),
            users::created_at.eq(t),
        ))
        .returning(users::id)
        .get_result(conn)
}

fn credit_code_taken() -> Problems {
    let mut p = Problems::new();
    p.add("credit_code", Msg::t("err.credit_code_taken"));
    p
}

/// Signs an organization up with its first user, unless its credit code is registered already.
/// An address that has an account stores nothing and is answered the same way (its owner is told
/// by mail), so the answer does not tell a stranger which addresses are registered.
pub fn sign_up_org(
    conn: &mut DbConn,
    n: &NewOrg,
    hash: &str,
    lang: Lang,
    base_url: &str,
) -> AppResult<Result<(), Problems>> {
    let r = db::write_tx::<_, diesel::result::Error, _>(conn, |conn| {
        let taken: i64 = organizations::table
            .filter(organizations::credit_code.eq(&n.credit_code))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Ok(None);
        }
        if let Some(owner) = account_of(conn, &n.email)? {
            return Ok(Some(Signup::AddressTaken(owner)));
        }
        let t = now();
        let org_id: i64 = diesel::insert_into(organizations::table)
            .values((
                organizations::kind.eq(&n.kind),
                organizations::name.eq(&n.org_name),
                organizations::credit_code.eq(Some(&n.credit_code)),
                organizations::region_code.eq(&n.region),
                organizations::verification.eq(Verification::Unverified),
                organizations::created_at.eq(t),
            ))
            .returning(organizations::id)
            .get_result(conn)?;
        let person = (n.email.as_str(), n.name.as_str(), hash);
        let uid = insert_admin(conn, org_id, person, role_for_kind(n.kind), lang, t)?;
        Ok(Some(Signup::Created(uid)))
    });
    let signup = match r {
        Ok(Some(signup)) => signup,
        Ok(None) => return Ok(Err(credit_code_taken())),
        // Another sign-up took the address meanwhile: the same answer as above.
        Err(e) if unique_violation(&e) => match account_of(conn, &n.email)? {
            Some(owner) => Signup::AddressTaken(owner),
            None => return Ok(Err(credit_code_taken())),
        },
        Err(e) => return Err(e.into()),
    };
    signup.tell(conn, base_url, lang, &n.email).map(Ok)
}

/// Signs an individual broker up: an organization of kind broker and its one user; an address
/// that has an account is answered as in [`sign_up_org`].
pub fn sign_up_broker(conn: &mut DbConn, n: &NewBroker, hash: &str, lang: Lang, base_url: &str) -> AppResult<()> {
    let r = db::write_tx::<_, diesel::result::Error, _>(conn, |conn| {
        if let Some(owner) = account_of(conn, &n.email)? {
            return Ok(Signup::AddressTaken(owner));
        }
        let t = now();
        let org_id: i64 = diesel::insert_into(organizations::table)
            .values((
                organizations::kind.eq(crate::vocabulary::OrgKind::Broker),
                organizations::name.eq(&n.name),
                organizations::region_code.eq(&n.region),
                organizations::broker_certificate.eq(Some(&n.certificate)),
                organizations::verification.eq(Verification::Unverified),
                organizations::created_at.eq(t),
            ))
            .returning(organizations::id)
            .get_result(conn)?;
        let person = (n.email.as_str(), n.name.as_str(), hash);
        Ok(Signup::Created(insert_admin(
            conn,
            org_id,
            person,
            Role::Broker,
            lang,
            t,
        )?))
    });
    let signup = match r {
        Ok(signup) => signup,
        Err(e) if unique_violation(&e) => match account_of(conn, &n.email)? {
            Some(owner) => Signup::AddressTaken(owner),
            None => return Err(e.into()),
        },
        Err(e) => return Err(e.into()),
    };
    signup.tell(conn, base_url, lang, &n.email)
}

/// What came of a log-in.
pub enum LoginOutcome {
    /// Logged in: the session token.
    In(String),
    /// A wrong e-mail or password; the answer waits this many milliseconds (a busy address).
    Wrong(u64),
    /// The account is backing off for this many seconds.
    Wait(i64),
}

/// Logs in with an address and a password, throttled by address and client address (a browser
/// the account knows is not held by a stranger's failures).
pub fn log_in(conn: &mut DbConn, email: &str, password: &str, ip: &str, known_device: bool) -> AppResult<LoginOutcome> {
    let failure_delay_ms = match auth::login_throttle(conn, email, ip, known_device)? {
        auth::Throttle::Wait { secs } => return Ok(LoginOutcome::Wait(secs)),
        auth::Throttle::Go { failure_delay_ms } => failure_delay_ms,
    };
    let row: Option<(i64, String)> = users::table
        .filter(users::email.eq(email))
        .select((users::id, users::password_hash))
        .first(conn)
        .optional()?;
    // Verify against a fixed hash when the user is unknown, so timing does not reveal accounts.
    let (uid, hash) = row.unwrap_or_else(|| (0, auth::dummy_hash().to_string()));
    let ok = auth::verify_password(password, &hash);
    if uid != 0 && ok {
        auth::clear_account_failures(conn, email)?;
        Ok(LoginOutcome::In(auth::create_session(conn, uid)?))
    } else {
        auth::record_login_failure(conn, email, ip)?;
        Ok(LoginOutcome::Wrong(failure_delay_ms))
    }
}

/// Whether `password` is the user's current password.
pub fn password_is(conn: &mut DbConn, uid: i64, password: &str) -> AppResult<bool> {
    let hash: String = users::table.find(uid).select(users::password_hash).first(conn)?;
    Ok(auth::verify_password(password, &hash))
}

/// Sets a new password: every session of the user ends, and so does every reset link sent
/// before; the session this change is made in is replaced by the fresh one returned.
pub fn change_password(conn: &mut DbConn, uid: i64, hash: &str) -> AppResult<String> {
    diesel::update(users::table.find(uid))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    auth::delete_user_sessions(conn, uid)?;
    auth::end_tokens(conn, uid, auth::TOKEN_RESET_PASSWORD)?;
    auth::create_session(conn, uid)
}

/// Whether a token of this purpose is unused and unexpired.
pub fn token_valid(conn: &mut DbConn, purpose: &str, token: &str) -> AppResult<bool> {
    Ok(auth::find_token(conn, purpose, token)?.is_some())
}

/// Marks the address of a verification token verified; false when the token is not (any
/// longer) good.
pub fn verify_email(conn: &mut DbConn, token: &str) -> AppResult<bool> {
    let Some(row) = auth::find_token(conn, auth::TOKEN_VERIFY_EMAIL, token)? else {
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
}

/// Mails a reset link (valid an hour) to the address if it has an account, at most
/// [`auth::RESETS_PER_ADDRESS_AND_HOUR`] an hour; the caller answers the same in every case.
pub fn send_reset(conn: &mut DbConn, email: &str, base_url: &str) -> AppResult<()> {
    let row: Option<(i64, Option<String>)> = users::table
        .filter(users::email.eq(email))
        .select((users::id, users::lang))
        .first(conn)
        .optional()?;
    let sent = auth::tokens_sent_since(conn, auth::TOKEN_RESET_PASSWORD, email, now() - 3600)?;
    if sent >= auth::RESETS_PER_ADDRESS_AND_HOUR {
        return Ok(());
    }
    let Some((uid, lang)) = row else { return Ok(()) };
    let lang = lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Zh);
    let token = auth::issue_token(conn, auth::TOKEN_RESET_PASSWORD, Some(uid), None, email, 3600)?;
    let link = format!("{base_url}/password/reset?token={token}");
    mail::enqueue_with_notice(
        conn,
        Some(uid),
        email,
        i18n::t(lang, "mail.reset.subject"),
        &i18n::tf(lang, "mail.reset.body", &[&link]),
        i18n::t(lang, "notice_text.reset"),
        None,
    )
}

/// Sets the password of a reset token's account (which verifies its address), ends its sessions,
/// reset links and log-in back-off; false when the token is not (any longer) good.
pub fn reset_password(conn: &mut DbConn, token: &str, hash: &str) -> AppResult<bool> {
    let Some(row) = auth::find_token(conn, auth::TOKEN_RESET_PASSWORD, token)? else {
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
}

//! Passwords (Argon2id), sessions kept in the database (so any server process can serve any
//! request), single-use tokens, CSRF tokens and the log-in rate limit.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{now, DbConn};
use crate::error::{AppError, AppResult};
use crate::schema::{login_failures, organizations, sessions, user_tokens, users};

pub const SESSION_DAYS: i64 = 14;
/// Failed log-ins allowed per account, and per address, within the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Enterprise,
    Institution,
    Broker,
    Officer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Enterprise => "enterprise",
            Role::Institution => "institution",
            Role::Broker => "broker",
            Role::Officer => "officer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "enterprise" => Some(Role::Enterprise),
            "institution" => Some(Role::Institution),
            "broker" => Some(Role::Broker),
            "officer" => Some(Role::Officer),
            _ => None,
        }
    }
    pub fn label_key(self) -> String {
        format!("role.{}", self.as_str())
    }
}

/// The signed-in user with what pages need of the organization.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub is_admin: bool,
    pub officer_region: Option<String>,
    pub email_verified: bool,
    pub org_name: String,
    pub org_kind: String,
    pub org_region: String,
    pub org_verification: String,
    pub unread: i64,
}

impl SessionUser {
    pub fn org_verified(&self) -> bool {
        self.org_verification == "verified"
    }
    pub fn role_key(&self) -> String {
        self.role.label_key()
    }
    /// An officer's region contains the given code.
    pub fn oversees(&self, region: &str) -> bool {
        self.role == Role::Officer
            && self
                .officer_region
                .as_deref()
                .is_some_and(|r| crate::regions::contains(r, region))
    }
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A CSRF token bound to the session (or, before log-in, to the anonymous cookie) and signed
/// with the server secret, so every server process computes the same token.
pub fn csrf_token(secret: &[u8], binding: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable_hmac());
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn unreachable_hmac() -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this is never reached.
    Hmac::<Sha256>::new_from_slice(b"fallback").expect("hmac key")
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A real Argon2id hash of a random secret, verified against when an account does not exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// A password must be at least 10 characters and not only one repeated character.
pub fn password_problem(password: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < 10 {
        return Some("err.password_short");
    }
    if n > 200 {
        return Some("err.password_long");
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return Some("err.password_weak");
    }
    None
}

/// Creates a session and returns the raw token for the cookie (only its hash is stored).
pub fn create_session(conn: &mut DbConn, user_id: i64) -> AppResult<String> {
    let token = random_token();
    let t = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(sha256_hex(token.as_bytes())),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(t),
            sessions::expires_at.eq(t + SESSION_DAYS * 86400),
        ))
        .execute(conn)?;
    Ok(token)
}

pub fn delete_session(conn: &mut DbConn, token: &str) -> AppResult<()> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(sha256_hex(token.as_bytes())))).execute(conn)?;
    Ok(())
}

pub fn delete_user_sessions(conn: &mut DbConn, user_id: i64) -> AppResult<()> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

type SessionRow = (
    i64,
    i64,
    String,
    String,
    String,
    bool,
    Option<String>,
    Option<i64>,
    String,
    String,
    String,
    String,
);

pub fn load_session(conn: &mut DbConn, token: &str) -> AppResult<Option<SessionUser>> {
    let hash = sha256_hex(token.as_bytes());
    let row: Option<(i64, SessionRow)> = sessions::table
        .inner_join(users::table.inner_join(organizations::table))
        .filter(sessions::token_hash.eq(&hash))
        .select((
            sessions::expires_at,
            (
                users::id,
                users::org_id,
                users::email,
                users::name,
                users::role,
                users::is_admin,
                users::officer_region,
                users::email_verified_at,
                organizations::name,
                organizations::kind,
                organizations::region_code,
                organizations::verification,
            ),
        ))
        .first(conn)
        .optional()?;
    let Some((expires_at, r)) = row else { return Ok(None) };
    if expires_at < now() {
        diesel::delete(sessions::table.filter(sessions::token_hash.eq(&hash))).execute(conn)?;
        return Ok(None);
    }
    let Some(role) = Role::parse(&r.4) else { return Ok(None) };
    let unread = crate::notifications::unread_count(conn, r.0)?;
    Ok(Some(SessionUser {
        id: r.0,
        org_id: r.1,
        email: r.2,
        name: r.3,
        role,
        is_admin: r.5,
        officer_region: r.6,
        email_verified: r.7.is_some(),
        org_name: r.8,
        org_kind: r.9,
        org_region: r.10,
        org_verification: r.11,
        unread,
    }))
}

/// Purposes of single-use tokens sent by mail.
pub const TOKEN_VERIFY_EMAIL: &str = "verify_email";
pub const TOKEN_RESET_PASSWORD: &str = "reset_password";
pub const TOKEN_INVITATION: &str = "invitation";

pub fn issue_token(
    conn: &mut DbConn,
    purpose: &str,
    user_id: Option<i64>,
    org_id: Option<i64>,
    email: &str,
    valid_secs: i64,
) -> AppResult<String> {
    let token = random_token();
    let t = now();
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::token_hash.eq(sha256_hex(token.as_bytes())),
            user_tokens::purpose.eq(purpose),
            user_tokens::user_id.eq(user_id),
            user_tokens::org_id.eq(org_id),
            user_tokens::email.eq(email),
            user_tokens::created_at.eq(t),
            user_tokens::expires_at.eq(t + valid_secs),
        ))
        .execute(conn)?;
    Ok(token)
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub token_hash: String,
    pub user_id: Option<i64>,
    pub org_id: Option<i64>,
    pub email: String,
}

/// Finds an unused, unexpired token of the given purpose.
pub fn find_token(conn: &mut DbConn, purpose: &str, token: &str) -> AppResult<Option<TokenRow>> {
    let hash = sha256_hex(token.trim().as_bytes());
    let row: Option<(String, Option<i64>, Option<i64>, String)> = user_tokens::table
        .filter(user_tokens::token_hash.eq(&hash))
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now()))
        .select((
            user_tokens::token_hash,
            user_tokens::user_id,
            user_tokens::org_id,
            user_tokens::email,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(token_hash, user_id, org_id, email)| TokenRow {
        token_hash,
        user_id,
        org_id,
        email,
    }))
}

/// Marks a token used; false when another request used it first.
pub fn consume_token(conn: &mut DbConn, token_hash: &str) -> AppResult<bool> {
    let n = diesel::update(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(token_hash))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

fn failures_since(conn: &mut DbConn, key: &str, since: i64) -> AppResult<i64> {
    Ok(login_failures::table
        .filter(login_failures::scope_key.eq(key))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)?)
}

/// Whether log-in is currently refused for this account or address.
pub fn login_blocked(conn: &mut DbConn, email: &str, ip: &str) -> AppResult<bool> {
    let since = now() - FAILURE_WINDOW_SECS;
    Ok(
        failures_since(conn, &format!("acct:{email}"), since)? >= MAX_FAILURES_PER_ACCOUNT
            || failures_since(conn, &format!("addr:{ip}"), since)? >= MAX_FAILURES_PER_ADDRESS,
    )
}

pub fn record_login_failure(conn: &mut DbConn, email: &str, ip: &str) -> AppResult<()> {
    let t = now();
    for key in [format!("acct:{email}"), format!("addr:{ip}")] {
        diesel::insert_into(login_failures::table)
            .values((login_failures::scope_key.eq(key), login_failures::at.eq(t)))
            .execute(conn)?;
    }
    diesel::delete(login_failures::table.filter(login_failures::at.lt(t - 86400))).execute(conn)?;
    Ok(())
}

pub fn clear_account_failures(conn: &mut DbConn, email: &str) -> AppResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::scope_key.eq(format!("acct:{email}"))))
        .execute(conn)?;
    Ok(())
}

/// Normalises an e-mail address for storage and comparison; None when it is not plausible.
pub fn normalize_email(input: &str) -> Option<String> {
    let e = input.trim().to_lowercase();
    if e.len() > 254 || e.parse::<lettre::Address>().is_err() {
        return None;
    }
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn password_rules() {
        assert_eq!(password_problem("short"), Some("err.password_short"));
        assert_eq!(password_problem("aaaaaaaaaaaa"), Some("err.password_weak"));
        assert_eq!(password_problem("a fine passphrase"), None);
    }

    #[test]
    fn csrf_depends_on_secret_and_binding() {
        let a = csrf_token(b"secret-one-secret-one-secret-one", "s1");
        assert_eq!(a, csrf_token(b"secret-one-secret-one-secret-one", "s1"));
        assert_ne!(a, csrf_token(b"secret-two-secret-two-secret-two", "s1"));
        assert_ne!(a, csrf_token(b"secret-one-secret-one-secret-one", "s2"));
    }

    #[test]
    fn emails_normalise() {
        assert_eq!(normalize_email(" A@Example.COM ").as_deref(), Some("a@example.com"));
        assert_eq!(normalize_email("not an email"), None);
    }
}

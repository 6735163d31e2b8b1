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
/// Failed log-ins of one account (from anywhere) before each further attempt waits.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed log-ins from one address (of any account) before its failures are answered slowly.
pub const FREE_FAILURES_PER_ADDRESS: i64 = 20;
/// The window in which failures count.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// The longest an account's back-off grows to.
pub const MAX_BACKOFF_SECS: i64 = 15 * 60;
/// The longest a failure from a busy address is held before its answer.
pub const MAX_TARPIT_MS: u64 = 4_000;

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
    pub org_kind: crate::vocabulary::OrgKind,
    pub org_region: String,
    pub org_verification: crate::vocabulary::Verification,
    pub unread: i64,
}

impl SessionUser {
    pub fn org_verified(&self) -> bool {
        self.org_verification == crate::vocabulary::Verification::Verified
    }
    pub fn role_key(&self) -> String {
        self.role.label_key()
    }
    /// An officer's region contains the given code.
    /// Whether the user is an officer of exactly `region`: who administers a policy document's
    /// programs, budgets, approvals and disbursements.
    pub fn administers(&self, region: &str) -> bool {
        self.role == Role::Officer && self.officer_region.as_deref() == Some(region)
    }

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

/// The CSRF token as a page carries it: a fresh random pad and the token XOR that pad, so that
/// no two responses hold the same bytes and a compressed page tells an attacker nothing about
/// the token (BREACH). [`csrf_matches`] undoes the mask.
pub fn mask_csrf(token: &str) -> String {
    let raw = hex::decode(token).unwrap_or_default();
    let mut pad = vec![0u8; raw.len()];
    rand::thread_rng().fill_bytes(&mut pad);
    let masked: Vec<u8> = raw.iter().zip(&pad).map(|(t, p)| t ^ p).collect();
    format!("{}{}", hex::encode(pad), hex::encode(masked))
}

/// Whether a presented (masked) CSRF token is the expected one.
pub fn csrf_matches(presented: &str, token: &str) -> bool {
    let (Ok(both), Ok(expected)) = (hex::decode(presented.trim()), hex::decode(token)) else {
        return false;
    };
    if both.len() != expected.len() * 2 || expected.is_empty() {
        return false;
    }
    let (pad, masked) = both.split_at(expected.len());
    let unmasked: Vec<u8> = masked.iter().zip(pad).map(|(m, p)| m ^ p).collect();
    constant_time_eq(&unmasked, &expected)
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

/// Passwords and pieces common among Chinese users that zxcvbn's English dictionaries lack
/// (from published analyses of Chinese password leaks), and the pinyin of the commonest
/// surnames and placeholder names.
const CHINESE_COMMON: &[&str] = &[
    "woaini",
    "woaini1314",
    "woaini520",
    "5201314",
    "1314520",
    "7758521",
    "7758258",
    "147258369",
    "qq123456",
    "a123456",
    "123456a",
    "1qaz2wsx",
    "1q2w3e4r",
    "zxcvbnm",
    "aini1314",
    "zhongguo",
    "beijing",
    "shanghai",
    "xining",
    "qinghai",
    "gansu",
    "qingdao",
    "zhangsan",
    "lisi",
    "wangwu",
    "zhang",
    "wang",
    "li",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "zhou",
    "wu",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "lin",
    "luo",
    "gao",
];

/// Why a password is refused, as a message key: fewer than 10 or more than 200 characters, or
/// guessable by zxcvbn's estimate (score below 3, about 10^10 guesses: common passwords and
/// their variants, words and names alone, keyboard rows, repeats, sequences, dates, or the
/// user's own name, e-mail address or organization given as `user_inputs`). The key names the
/// weakness zxcvbn found.
pub fn password_problem(password: &str, user_inputs: &[&str]) -> Option<&'static str> {
    use zxcvbn::feedback::Warning;
    let n = password.chars().count();
    if n < 10 {
        return Some("err.password_short");
    }
    if n > 200 {
        return Some("err.password_long");
    }
    // Each input whole, the part of an address before the @, and each of their words.
    let inputs: Vec<String> = user_inputs
        .iter()
        .flat_map(|s| {
            let local = s.split('@').next().unwrap_or("");
            [*s, local].into_iter().chain(s.split(|c: char| !c.is_alphanumeric()))
        })
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    let mut inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    inputs.extend_from_slice(CHINESE_COMMON);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(estimate.score()) >= 3 {
        return None;
    }
    Some(match estimate.feedback().and_then(|f| f.warning()) {
        Some(Warning::ThisIsATop10Password | Warning::ThisIsATop100Password | Warning::ThisIsACommonPassword) => {
            "err.password_common"
        }
        Some(Warning::ThisIsSimilarToACommonlyUsedPassword) => "err.password_like_common",
        Some(Warning::StraightRowsOfKeysAreEasyToGuess | Warning::ShortKeyboardPatternsAreEasyToGuess) => {
            "err.password_keyboard"
        }
        Some(Warning::RepeatsLikeAaaAreEasyToGuess | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => {
            "err.password_weak"
        }
        Some(Warning::SequencesLikeAbcAreEasyToGuess) => "err.password_sequence",
        Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => "err.password_dates",
        Some(Warning::AWordByItselfIsEasyToGuess) => "err.password_one_word",
        Some(Warning::NamesAndSurnamesByThemselvesAreEasyToGuess | Warning::CommonNamesAndSurnamesAreEasyToGuess) => {
            "err.password_names"
        }
        _ => "err.password_guessable",
    })
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
    crate::vocabulary::OrgKind,
    String,
    crate::vocabulary::Verification,
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
    let unread = crate::mail::unread_count(conn, r.0)?;
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
/// Reset mails sent to one address per hour at most; more requests get the same answer and no mail.
pub const RESETS_PER_ADDRESS_AND_HOUR: i64 = 3;

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

/// Ends every outstanding token of a purpose for a user (a changed password ends the reset
/// links sent before it).
pub fn end_tokens(conn: &mut DbConn, user_id: i64, purpose: &str) -> AppResult<()> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// How many tokens of a purpose were sent to an address since a time.
pub fn tokens_sent_since(conn: &mut DbConn, purpose: &str, email: &str, since: i64) -> AppResult<i64> {
    Ok(user_tokens::table
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::email.eq(email))
        .filter(user_tokens::created_at.gt(since))
        .count()
        .get_result(conn)?)
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

/// What the log-in throttle says about an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// Check the password; a failure is answered only after this many milliseconds.
    Go { failure_delay_ms: u64 },
    /// The account is backing off: try again in this many seconds (the password is not checked).
    Wait { secs: i64 },
}

/// The back-off after `failures` failed log-ins of an account, in seconds: none for the first
/// [`FREE_FAILURES_PER_ACCOUNT`], then 1, 2, 4 … up to [`MAX_BACKOFF_SECS`], counted from the
/// last failure. Only checked attempts count, so a guesser gets at most one try per back-off.
pub fn account_backoff_secs(failures: i64) -> i64 {
    let over = failures - FREE_FAILURES_PER_ACCOUNT;
    if over < 0 {
        return 0;
    }
    1i64.checked_shl(over.min(20) as u32)
        .unwrap_or(MAX_BACKOFF_SECS)
        .min(MAX_BACKOFF_SECS)
}

/// How long a failure from an address with `failures` recent failures is held: nothing for the
/// first [`FREE_FAILURES_PER_ADDRESS`], then 250 ms doubling up to [`MAX_TARPIT_MS`]. A correct
/// password is never held, so people behind one shared address keep logging in while a guesser
/// among them slows down.
pub fn address_delay_ms(failures: i64) -> u64 {
    let over = failures - FREE_FAILURES_PER_ADDRESS;
    if over < 0 {
        return 0;
    }
    250u64
        .checked_shl(over.min(10) as u32)
        .unwrap_or(MAX_TARPIT_MS)
        .min(MAX_TARPIT_MS)
}

fn failures_since(conn: &mut DbConn, key: &str, since: i64) -> AppResult<(i64, Option<i64>)> {
    Ok(login_failures::table
        .filter(login_failures::scope_key.eq(key))
        .filter(login_failures::at.gt(since))
        .select((diesel::dsl::count_star(), diesel::dsl::max(login_failures::at)))
        .first(conn)?)
}

/// Whether and how a log-in attempt for this account from this address may go ahead. A browser
/// that has logged in to the account before (its device cookie, see [`device_token`]) is not
/// held by the account's back-off, so a stranger's failures never lock the owner out.
pub fn login_throttle(conn: &mut DbConn, email: &str, ip: &str, known_device: bool) -> AppResult<Throttle> {
    let t = now();
    let since = t - FAILURE_WINDOW_SECS;
    if !known_device {
        let (n, last) = failures_since(conn, &format!("acct:{email}"), since)?;
        let left = last.unwrap_or(t) + account_backoff_secs(n) - t;
        if n >= FREE_FAILURES_PER_ACCOUNT && left > 0 {
            return Ok(Throttle::Wait { secs: left });
        }
    }
    let (n, _) = failures_since(conn, &format!("addr:{ip}"), since)?;
    Ok(Throttle::Go {
        failure_delay_ms: address_delay_ms(n),
    })
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

/// The device cookie's value for an account: set when a browser logs in, it tells a later
/// attempt from the same browser apart from a stranger's (OWASP's "device cookies").
pub fn device_token(secret: &[u8], email: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable_hmac());
    mac.update(b"device:");
    mac.update(email.as_bytes());
    hex::encode(mac.finalize().into_bytes())
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
        assert_eq!(password_problem("short", &[]), Some("err.password_short"));
        assert_eq!(password_problem("aaaaaaaaaaaa", &[]), Some("err.password_weak"));
        // What the security probe got through.
        assert_eq!(password_problem("1234567890", &[]), Some("err.password_common"));
        assert_eq!(password_problem("abcdefghij", &[]), Some("err.password_sequence"));
        assert_eq!(password_problem("password12", &[]), Some("err.password_common"));
        assert!(password_problem("qwertyuiop", &[]).is_some());
        assert!(password_problem("zhangsan2024", &[]).is_some());
        // The user's own e-mail address is guessable for an attacker who knows it.
        assert!(password_problem("wangwei.qh2026", &["wangwei.qh2026@example.cn"]).is_some());
        assert_eq!(password_problem("a fine passphrase", &[]), None);
        assert_eq!(password_problem("salt lake lithium 7", &[]), None);
    }

    #[test]
    fn csrf_depends_on_secret_and_binding() {
        let a = csrf_token(b"secret-one-secret-one-secret-one", "s1");
        assert_eq!(a, csrf_token(b"secret-one-secret-one-secret-one", "s1"));
        assert_ne!(a, csrf_token(b"secret-two-secret-two-secret-two", "s1"));
        assert_ne!(a, csrf_token(b"secret-one-secret-one-secret-one", "s2"));
    }

    #[test]
    fn masked_csrf_differs_each_time_and_still_matches() {
        let token = csrf_token(b"secret-one-secret-one-secret-one", "s1");
        let (a, b) = (mask_csrf(&token), mask_csrf(&token));
        assert_ne!(a, b);
        assert!(csrf_matches(&a, &token) && csrf_matches(&b, &token));
        assert!(!csrf_matches(&token, &token), "the bare token is not a masked one");
        let other = csrf_token(b"secret-one-secret-one-secret-one", "s2");
        assert!(!csrf_matches(&a, &other));
        assert!(!csrf_matches("zz", &token) && !csrf_matches("", &token));
    }

    #[test]
    fn back_off_grows_and_is_capped() {
        assert_eq!(account_backoff_secs(4), 0);
        assert_eq!(account_backoff_secs(5), 1);
        assert_eq!(account_backoff_secs(6), 2);
        assert_eq!(account_backoff_secs(9), 16);
        assert_eq!(account_backoff_secs(60), MAX_BACKOFF_SECS);
        assert_eq!(address_delay_ms(19), 0);
        assert_eq!(address_delay_ms(20), 250);
        assert_eq!(address_delay_ms(22), 1000);
        assert_eq!(address_delay_ms(500), MAX_TARPIT_MS);
    }

    #[test]
    fn emails_normalise() {
        assert_eq!(normalize_email(" A@Example.COM ").as_deref(), Some("a@example.com"));
        assert_eq!(normalize_email("not an email"), None);
    }
}

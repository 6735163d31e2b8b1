//! Configuration: environment variables over an optional `techmarket.toml`, each with a default that
//! works on a bare machine. A bad value stops the program with one line naming the setting.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Every setting the server reads, with its environment variable name (also the key in the file).
pub const SETTINGS: &[(&str, &str)] = &[
    ("DATABASE_URL", "sqlite file under DATA_DIR, or postgres://…"),
    ("DATA_DIR", "./data"),
    ("BIND", "127.0.0.1:8080"),
    ("BASE_URL", "http://<BIND>, used in links inside mails"),
    (
        "SMTP_URL",
        "unset: mails are written as .eml files under DATA_DIR/outbox",
    ),
    ("MAIL_FROM", "techmarket <noreply@techmarket.local>"),
    ("COOKIE_SECURE", "false; set true behind HTTPS (also sends Strict-Transport-Security)"),
    (
        "TRUSTED_PROXIES",
        "unset: X-Forwarded-For is ignored; the addresses or networks of your load balancers or reverse proxies, comma-separated (10.0.0.0/8, 127.0.0.1)",
    ),
    ("SECRET_KEY", "unset: generated once and kept in the database"),
    ("DB_POOL_SIZE", "8"),
    ("MAX_UPLOAD_BYTES", "10485760"),
    (
        "IMPORTS_PER_HOUR",
        "20: bulk imports of achievements an organization may start in an hour, counted in the database",
    ),
    (
        "TERMS_PER_DAY",
        "50: confidentiality terms the users of one organization may accept in 24 hours, counted in the database",
    ),
    (
        "MAIL_RETRY_SECONDS",
        "30: first retry delay of an undelivered mail, doubling each time up to an hour",
    ),
    ("MAIL_POLL_MS", "1000: how often the mail worker looks at the outbox"),
    (
        "MEILI_URL",
        "unset: the embedded search index in DATA_DIR/search (one process)",
    ),
    ("MEILI_MASTER_KEY", "unset"),
    ("MEILI_INDEX", "techmarket"),
    ("SEARCH_POLL_MS", "500: how often the search worker looks at the outbox"),
    (
        "MATCH_NOTIFY_SCORE",
        "600: the match score (0-1000) from which owners are told of a new match",
    ),
    (
        "DIGEST_INTERVAL_SECONDS",
        "86400: the least time between two digest mails to one user",
    ),
    (
        "REWARDS_POLL_MS",
        "1000: how often the rewards worker looks for recomputations to do; 0: no worker in this process",
    ),
];

#[derive(Debug)]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error in {}: {}", self.setting, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn err(setting: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_string(),
        message: message.into(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    pub base_url: String,
    /// Whether BASE_URL was set; otherwise it follows the address the server binds.
    pub base_url_configured: bool,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub cookie_secure: bool,
    /// The proxies whose X-Forwarded-For names the client's address.
    pub trusted_proxies: crate::client_ip::TrustedProxies,
    pub secret_key: Option<String>,
    pub db_pool_size: u32,
    pub max_upload_bytes: usize,
    pub imports_per_hour: i64,
    pub terms_per_day: i64,
    pub mail_retry_base_secs: i64,
    pub mail_poll_ms: u64,
    pub meili_url: Option<String>,
    pub meili_master_key: Option<String>,
    pub meili_index: String,
    pub search_poll_ms: u64,
    pub match_notify_score: u16,
    pub digest_interval_secs: i64,
    pub rewards_poll_ms: u64,
}

impl Config {
    pub fn backend(&self) -> Backend {
        if is_postgres_url(&self.database_url) {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Reads `techmarket.toml` (or the file named by `TECHMARKET_CONFIG`) and the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let file_path = std::env::var("TECHMARKET_CONFIG").ok();
        let mut values = match &file_path {
            Some(p) => read_file(Path::new(p), true)?,
            None => read_file(Path::new("techmarket.toml"), false)?,
        };
        for (name, _) in SETTINGS {
            if let Ok(v) = std::env::var(name) {
                values.insert(name.to_string(), v);
            }
        }
        Config::from_values(&values)
    }

    /// Builds a configuration from explicit values (tests use this; missing keys take defaults).
    pub fn from_values(values: &BTreeMap<String, String>) -> Result<Config, ConfigError> {
        let get = |k: &str| values.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url) => {
                if url.contains("://") && !is_postgres_url(&url) && !url.starts_with("sqlite://") {
                    return Err(err(
                        "DATABASE_URL",
                        format!(
                            "unsupported scheme in '{}': use postgres://… or a SQLite file path",
                            redact_url(&url)
                        ),
                    ));
                }
                url.strip_prefix("sqlite://").map(str::to_string).unwrap_or(url)
            }
            None => data_dir.join("techmarket.sqlite3").to_string_lossy().into_owned(),
        };
        let bind_text = get("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            err(
                "BIND",
                format!("'{bind_text}' is not an address and port such as 127.0.0.1:8080"),
            )
        })?;
        let base_url_configured = get("BASE_URL").is_some();
        let base_url = get("BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(err(
                "BASE_URL",
                format!("'{base_url}' must start with http:// or https://"),
            ));
        }
        let smtp_url = get("SMTP_URL");
        if let Some(u) = &smtp_url {
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                return Err(err("SMTP_URL", "must start with smtp:// or smtps://"));
            }
        }
        let mail_from = get("MAIL_FROM").unwrap_or_else(|| "techmarket <noreply@techmarket.local>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(err("MAIL_FROM", format!("'{mail_from}' is not a mail address")));
        }
        let cookie_secure = match get("COOKIE_SECURE").as_deref() {
            None | Some("false") | Some("0") | Some("no") => false,
            Some("true") | Some("1") | Some("yes") => true,
            Some(other) => return Err(err("COOKIE_SECURE", format!("'{other}' is not true or false"))),
        };
        let trusted_proxies = crate::client_ip::TrustedProxies::parse(&get("TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|e| err("TRUSTED_PROXIES", e))?;
        let secret_key = get("SECRET_KEY");
        if let Some(k) = &secret_key {
            if k.len() < 32 {
                return Err(err("SECRET_KEY", "must be at least 32 characters long"));
            }
        }
        let db_pool_size = parse_num(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 8u32, 1, 200)?;
        let max_upload_bytes = parse_num(
            get("MAX_UPLOAD_BYTES"),
            "MAX_UPLOAD_BYTES",
            10 * 1024 * 1024usize,
            1024,
            1 << 30,
        )?;
        let imports_per_hour = parse_num(get("IMPORTS_PER_HOUR"), "IMPORTS_PER_HOUR", 20i64, 1, 100_000)?;
        let terms_per_day = parse_num(get("TERMS_PER_DAY"), "TERMS_PER_DAY", 50i64, 1, 100_000)?;
        let mail_retry_base_secs = parse_num(get("MAIL_RETRY_SECONDS"), "MAIL_RETRY_SECONDS", 30i64, 1, 3600)?;
        let mail_poll_ms = parse_num(get("MAIL_POLL_MS"), "MAIL_POLL_MS", 1000u64, 50, 600_000)?;
        let meili_url = get("MEILI_URL").map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &meili_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(err("MEILI_URL", format!("'{u}' must start with http:// or https://")));
            }
        }
        let meili_index = get("MEILI_INDEX").unwrap_or_else(|| "techmarket".into());
        if !meili_index
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || meili_index.len() > 100
        {
            return Err(err(
                "MEILI_INDEX",
                format!("'{meili_index}' may hold only letters, digits, - and _"),
            ));
        }
        let search_poll_ms = parse_num(get("SEARCH_POLL_MS"), "SEARCH_POLL_MS", 500u64, 20, 600_000)?;
        let match_notify_score = parse_num(get("MATCH_NOTIFY_SCORE"), "MATCH_NOTIFY_SCORE", 600u16, 0, 1000)?;
        let digest_interval_secs = parse_num(
            get("DIGEST_INTERVAL_SECONDS"),
            "DIGEST_INTERVAL_SECONDS",
            86_400i64,
            1,
            31 * 86_400,
        )?;
        let rewards_poll_ms = parse_num(get("REWARDS_POLL_MS"), "REWARDS_POLL_MS", 1000u64, 0, 600_000)?;
        Ok(Config {
            database_url,
            data_dir,
            bind,
            base_url,
            base_url_configured,
            smtp_url,
            mail_from,
            cookie_secure,
            trusted_proxies,
            secret_key,
            db_pool_size,
            max_upload_bytes,
            imports_per_hour,
            terms_per_day,
            mail_retry_base_secs,
            mail_poll_ms,
            meili_url,
            meili_master_key: get("MEILI_MASTER_KEY"),
            meili_index,
            search_poll_ms,
            match_notify_score,
            digest_interval_secs,
            rewards_poll_ms,
        })
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

fn parse_num<T>(v: Option<String>, name: &str, default: T, min: T, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    match v {
        None => Ok(default),
        Some(s) => match s.parse::<T>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            _ => Err(err(name, format!("'{s}' is not a whole number from {min} to {max}"))),
        },
    }
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Hides a password in a connection URL, for messages and logs.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.split_once('@') {
            let user = creds.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_string()
}

fn read_file(path: &Path, required: bool) -> Result<BTreeMap<String, String>, ConfigError> {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(BTreeMap::new()),
        Err(e) => return Err(err(&name, format!("cannot read the file: {e}"))),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(&name, e.to_string().lines().next().unwrap_or("").to_string()))?;
    let mut out = BTreeMap::new();
    for (k, v) in table {
        let key = k.to_ascii_uppercase();
        if !SETTINGS.iter().any(|(n, _)| *n == key) {
            return Err(err(&name, format!("unknown setting '{k}'")));
        }
        let value = match v {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => return Err(err(&key, format!("unsupported value {other:?}"))),
        };
        out.insert(key, value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_values(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn defaults_work_on_a_bare_machine() {
        let c = cfg(&[]).expect("defaults");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.backend(), Backend::Sqlite);
        assert!(c.database_url.ends_with("techmarket.sqlite3"));
    }

    #[test]
    fn bad_values_name_the_setting() {
        assert_eq!(cfg(&[("BIND", "nowhere")]).unwrap_err().setting, "BIND");
        assert_eq!(
            cfg(&[("DATABASE_URL", "mysql://x")]).unwrap_err().setting,
            "DATABASE_URL"
        );
        assert_eq!(cfg(&[("COOKIE_SECURE", "maybe")]).unwrap_err().setting, "COOKIE_SECURE");
        assert_eq!(cfg(&[("DB_POOL_SIZE", "0")]).unwrap_err().setting, "DB_POOL_SIZE");
        assert_eq!(
            cfg(&[("TRUSTED_PROXIES", "10.0.0.0/8, lb.local")]).unwrap_err().setting,
            "TRUSTED_PROXIES"
        );
    }

    #[test]
    fn postgres_password_is_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}

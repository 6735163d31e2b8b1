//! The database: one code path over SQLite (embedded default) and PostgreSQL, through diesel's
//! `MultiConnection`, an r2d2 pool, and migrations embedded per backend.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{is_postgres_url, redact_url, Backend};
use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

pub type Pool = r2d2::Pool<DbManager>;
pub type PooledConn = r2d2::PooledConnection<DbManager>;

/// Opens connections of the backend the URL names; never guesses by trying one after another.
#[derive(Debug, Clone)]
pub struct DbManager {
    url: String,
}

impl DbManager {
    pub fn new(url: &str) -> Self {
        DbManager { url: url.to_string() }
    }
}

#[derive(Debug)]
pub struct DbManagerError(String);

impl std::fmt::Display for DbManagerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for DbManagerError {}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = DbManagerError;

    fn connect(&self) -> Result<DbConn, DbManagerError> {
        if is_postgres_url(&self.url) {
            let conn = diesel::PgConnection::establish(&self.url)
                .map_err(|e| DbManagerError(format!("cannot connect to {}: {e}", redact_url(&self.url))))?;
            Ok(DbConn::Pg(conn))
        } else {
            let mut conn = diesel::SqliteConnection::establish(&self.url)
                .map_err(|e| DbManagerError(format!("cannot open SQLite database {}: {e}", self.url)))?;
            conn.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;")
                .map_err(|e| DbManagerError(format!("cannot configure SQLite: {e}")))?;
            Ok(DbConn::Sqlite(conn))
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbManagerError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| DbManagerError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// Builds the pool. For SQLite the database file's folder is created and WAL is switched on.
pub fn connect(url: &str, size: u32) -> Result<Pool, String> {
    if !is_postgres_url(url) && url != ":memory:" {
        if let Some(parent) = std::path::Path::new(url).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create the folder {}: {e}", parent.display()))?;
            }
        }
        let mut first = DbManager::new(url).connect().map_err(|e| e.0)?;
        first
            .batch_execute("PRAGMA journal_mode = WAL;")
            .map_err(|e| format!("cannot switch SQLite to WAL: {e}"))?;
    }
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .build(DbManager::new(url))
        .map_err(|e| format!("cannot open the database pool: {e}"))
}

/// Runs pending migrations; on PostgreSQL under an advisory lock so several processes may start at once.
pub fn migrate(pool: &Pool) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let applied = match &mut *conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(727274)")
                .map_err(|e| e.to_string())?;
            let r = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            let _ = c.batch_execute("SELECT pg_advisory_unlock(727274)");
            r
        }
    };
    applied.map_err(|e| format!("migration failed: {e}"))
}

/// Runs blocking database work off the async executor and maps errors to `AppError`.
pub async fn run<F, T>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool
            .get()
            .map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
}

/// Like `run`, inside one write transaction.
pub async fn tx<F, T>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |conn| write_tx(conn, f)).await
}

/// A transaction that will write. On SQLite it takes the write lock first: a deferred transaction
/// that reads and then writes fails at once with SQLITE_BUSY when another connection wrote in
/// between, whereas a lock taken at the start waits (busy_timeout) for its turn.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConn::Sqlite(_) = conn {
            // A write statement, even one that changes no row, takes SQLite's RESERVED lock.
            conn.batch_execute("UPDATE app_settings SET value = value WHERE 0")?;
        }
        f(conn)
    })
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Runs `f` over `ids` in chunks of 10,000, within both databases' limits on bound parameters,
/// and gathers what it returns.
pub fn chunked<T, E>(ids: &[i64], mut f: impl FnMut(&[i64]) -> Result<Vec<T>, E>) -> Result<Vec<T>, E> {
    let mut out = Vec::new();
    for c in ids.chunks(10_000) {
        out.extend(f(c)?);
    }
    Ok(out)
}

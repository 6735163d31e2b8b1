//! The test harness: start the app, a cookie-keeping client, a real SMTP server.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use techmarket::app::Application;
use techmarket::config::Config;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs a test body on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let f: fn($crate::helpers::Db) = $body;
                f($crate::helpers::Db::Sqlite);
            }
            #[test]
            fn postgres() {
                if std::env::var("TEST_DATABASE_URL").is_err() {
                    eprintln!("SKIPPED on PostgreSQL: TEST_DATABASE_URL is not set");
                    return;
                }
                let f: fn($crate::helpers::Db) = $body;
                f($crate::helpers::Db::Postgres);
            }
        }
    };
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}{}_{n}_{}", std::process::id(), t % 1_000_000_000)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub db: Db,
    handle: Option<(
        actix_web::dev::ServerHandle,
        std::sync::Arc<std::sync::atomic::AtomicBool>,
    )>,
    thread: Option<std::thread::JoinHandle<()>>,
    pg_admin: Option<(String, String)>,
}

#[derive(Default)]
pub struct Options {
    pub smtp_port: Option<u16>,
    pub extra: Vec<(&'static str, String)>,
}

impl Options {
    /// The search outbox polled every 100 ms, so that matches (and the deal buttons they bring)
    /// appear within a test's patience.
    pub fn quick_search() -> Options {
        Options {
            extra: vec![("SEARCH_POLL_MS", "100".to_string())],
            ..Default::default()
        }
    }
}

fn pg_server_and_db(url: &str, name: &str) -> String {
    // Replace the database name (the last path segment) of the server URL.
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("postgres url has a database");
    format!("{}/{name}{query}", &base[..cut])
}

fn pg_exec(url: &str, sql: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let mut c = diesel::PgConnection::establish(url).expect("connect to TEST_DATABASE_URL");
    c.batch_execute(sql).expect(sql);
}

impl TestApp {
    pub fn start(db: Db) -> TestApp {
        Self::start_with(db, Options::default())
    }

    pub fn start_with(db: Db, opts: Options) -> TestApp {
        // Server logs (errors, warnings) go to the test's output, shown when a test fails.
        let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
            .is_test(true)
            .try_init();
        let data_dir = std::env::temp_dir().join(unique("techmarket-test-"));
        std::fs::create_dir_all(&data_dir).expect("data dir");
        let (database_url, pg_admin) = match db {
            Db::Sqlite => (data_dir.join("test.sqlite3").to_string_lossy().into_owned(), None),
            Db::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = unique("tm_");
                pg_exec(&admin, &format!("CREATE DATABASE {name}"));
                (pg_server_and_db(&admin, &name), Some((admin, name)))
            }
        };
        let mut values = BTreeMap::new();
        values.insert("DATABASE_URL".to_string(), database_url.clone());
        values.insert("DATA_DIR".to_string(), data_dir.to_string_lossy().into_owned());
        values.insert("BIND".to_string(), "127.0.0.1:0".to_string());
        values.insert("MAIL_POLL_MS".to_string(), "100".to_string());
        values.insert("MAIL_RETRY_SECONDS".to_string(), "1".to_string());
        values.insert("DB_POOL_SIZE".to_string(), "4".to_string());
        values.insert("MAX_UPLOAD_BYTES".to_string(), "1048576".to_string());
        if let Some(p) = opts.smtp_port {
            values.insert("SMTP_URL".to_string(), format!("smtp://127.0.0.1:{p}"));
        }
        for (k, v) in opts.extra {
            values.insert(k.to_string(), v);
        }
        let config = Config::from_values(&values).expect("config");
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                match Application::build(config) {
                    Ok(app) => {
                        let _ = tx.send(Ok((app.port(), app.handle())));
                        let _ = app.run_until_stopped().await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        });
        let (port, handle) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("app started in time")
            .expect("app builds");
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            data_dir,
            database_url,
            db,
            handle: Some(handle),
            thread: Some(thread),
            pg_admin,
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Creates an officer through the real command line and returns (email, password).
    pub fn create_officer(&self, region: &str) -> (String, String) {
        let email = format!("{}@gov.example.cn", unique("officer"));
        let password = "officer-password-1".to_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_techmarket"))
            .args([
                "create-officer",
                "--email",
                &email,
                "--name",
                "王审核",
                "--region",
                region,
                "--password-stdin",
            ])
            .env("DATABASE_URL", &self.database_url)
            .env("DATA_DIR", &self.data_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn create-officer");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(password.as_bytes()).expect("write password");
        }
        let out = child.wait_with_output().expect("create-officer runs");
        assert!(
            out.status.success(),
            "create-officer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (email, password)
    }

    /// Mails written to DATA_DIR/outbox (the embedded default when no SMTP server is set).
    pub fn outbox_files(&self) -> Vec<String> {
        read_mails(&self.data_dir.join("outbox"))
    }

    /// Runs a query on the app's database and returns one i64 (counts for "nothing was stored").
    pub fn count(&self, sql: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let q = format!("SELECT CAST(({sql}) AS BIGINT) AS n");
        match self.db {
            Db::Sqlite => {
                let mut c = diesel::SqliteConnection::establish(&self.database_url).expect("sqlite");
                diesel::sql_query(q).get_result::<N>(&mut c).expect("count").n
            }
            Db::Postgres => {
                let mut c = diesel::PgConnection::establish(&self.database_url).expect("pg");
                diesel::sql_query(q).get_result::<N>(&mut c).expect("count").n
            }
        }
    }

    /// Runs a query on the app's database and returns one text value.
    pub fn text(&self, sql: &str) -> String {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct T {
            #[diesel(sql_type = diesel::sql_types::Text)]
            t: String,
        }
        let q = format!("SELECT CAST(({sql}) AS TEXT) AS t");
        match self.db {
            Db::Sqlite => {
                let mut c = diesel::SqliteConnection::establish(&self.database_url).expect("sqlite");
                diesel::sql_query(q).get_result::<T>(&mut c).expect("text").t
            }
            Db::Postgres => {
                let mut c = diesel::PgConnection::establish(&self.database_url).expect("pg");
                diesel::sql_query(q).get_result::<T>(&mut c).expect("text").t
            }
        }
    }

    pub fn exec(&self, sql: &str) -> Result<(), String> {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        match self.db {
            Db::Sqlite => diesel::SqliteConnection::establish(&self.database_url)
                .map_err(|e| e.to_string())?
                .batch_execute(&format!("PRAGMA busy_timeout = 10000; {sql}"))
                .map_err(|e| e.to_string()),
            Db::Postgres => diesel::PgConnection::establish(&self.database_url)
                .map_err(|e| e.to_string())?
                .batch_execute(sql)
                .map_err(|e| e.to_string()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((h, stop)) = self.handle.take() {
            stop.store(true, Ordering::Relaxed);
            let sys = actix_web::rt::System::new();
            sys.block_on(h.stop(false));
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some((admin, name)) = self.pg_admin.take() {
            // Give the pool a moment to close, then drop the database.
            std::thread::sleep(Duration::from_millis(100));
            use diesel::connection::SimpleConnection;
            use diesel::Connection;
            if let Ok(mut c) = diesel::PgConnection::establish(&admin) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Reads every complete .eml file of a folder, oldest first, with quoted-printable and base64
/// bodies decoded enough to find links and words.
pub fn read_mails(dir: &Path) -> Vec<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| decode_mail(&String::from_utf8_lossy(&b)))
        .collect()
}

pub fn decode_mail(raw: &str) -> String {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or((raw, ""));
    let lower = head.to_ascii_lowercase();
    let body = if lower.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&base64_decode(&joined)).into_owned()
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        qp_decode(body)
    } else {
        body.to_string()
    };
    format!("{head}\n\n{body}")
}

fn qp_decode(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if let Some(Ok(v)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64_decode(s: &str) -> Vec<u8> {
    let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = table.iter().position(|&t| t == c) else {
            continue;
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

/// Waits until `f` returns Some, or panics after the deadline.
pub fn wait_for<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Finds the first link in a text that starts with `prefix`.
pub fn find_link(text: &str, prefix: &str) -> Option<String> {
    let i = text.find(prefix)?;
    let rest = &text[i..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

pub struct Resp {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Resp {
    pub fn csrf(&self) -> String {
        extract_csrf(&self.body).expect("page has a csrf field")
    }
    pub fn assert_contains(&self, s: &str) {
        assert!(
            self.body.contains(s),
            "page ({}) lacks {s:?}:\n{}",
            self.status,
            self.body.chars().take(2000).collect::<String>()
        );
    }
}

pub fn extract_csrf(body: &str) -> Option<String> {
    let i = body.find("name=\"csrf\" value=\"")?;
    let rest = &body[i + 19..];
    Some(rest[..rest.find('"')?].to_string())
}

/// A cookie-keeping HTTP client that does not follow redirects.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(30))
                .build(),
        }
    }

    fn finish(r: Result<ureq::Response, ureq::Error>) -> Resp {
        let resp = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}"),
        };
        let status = resp.status();
        let location = resp.header("location").map(str::to_string);
        let body = resp.into_string().unwrap_or_default();
        Resp { status, location, body }
    }

    pub fn get(&self, path: &str) -> Resp {
        Self::finish(self.agent.get(&format!("{}{path}", self.base)).call())
    }

    /// The body of a GET as bytes (downloads such as .xlsx exports).
    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        let resp = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .expect("download");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut out).expect("read the download");
        out
    }

    pub fn get_with(&self, path: &str, header: (&str, &str)) -> Resp {
        Self::finish(
            self.agent
                .get(&format!("{}{path}", self.base))
                .set(header.0, header.1)
                .call(),
        )
    }

    /// Posts a form as given (no CSRF token added).
    pub fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        Self::finish(self.agent.post(&format!("{}{path}", self.base)).send_form(fields))
    }

    /// Like `post`, with one more request header (X-Forwarded-For from a proxy, say).
    pub fn post_with(&self, page: &str, path: &str, fields: &[(&str, &str)], header: (&str, &str)) -> Resp {
        let token = self.get(page).csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        Self::finish(
            self.agent
                .post(&format!("{}{path}", self.base))
                .set(header.0, header.1)
                .send_form(&all),
        )
    }

    /// Fetches `page` for its CSRF token, then posts the form to `path` with it.
    pub fn post(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.get(page).csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all)
    }

    /// Posts multipart form data with the CSRF token as the first field of the body, as the
    /// pages do.
    pub fn post_multipart(
        &self,
        page: &str,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let token = self.get(page).csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_multipart_raw(path, &all, files)
    }

    /// Posts multipart form data as given (no CSRF token added).
    pub fn post_multipart_raw(&self, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Resp {
        let boundary = "----techmarket-test-boundary-7f3a";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        for (name, filename, data) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Self::finish(
            self.agent
                .post(&format!("{}{path}", self.base))
                .set("Content-Type", &format!("multipart/form-data; boundary={boundary}"))
                .send_bytes(&body),
        )
    }
}

/// Makes a valid unified social credit code for a region (GB 32100-2015 check character).
pub fn credit_code(region: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let n = COUNTER.fetch_add(1, Ordering::SeqCst) as usize + std::process::id() as usize * 7919;
    let mut body = format!("91{region}");
    // splitmix64 of the counter, the process and the clock: nine base-31 digits, so two sign-ups
    // in one test never collide (an earlier version repeated one digit and gave 31 codes a region).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = (n as u64).wrapping_add(nanos).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    for _ in 0..9 {
        body.push(CHARS[(x % 31) as usize] as char);
        x /= 31;
    }
    let check = techmarket::credit_code::check_char(&body).expect("check char");
    body.push(check);
    body
}

/// A minimal PDF.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// A real SMTP server (aiosmtpd) on a port, writing what it receives to a folder.
pub struct SmtpSink {
    pub dir: PathBuf,
    child: Child,
}

impl SmtpSink {
    pub fn start_on(port: u16) -> SmtpSink {
        let dir = std::env::temp_dir().join(unique("smtp-sink-"));
        let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let child = Command::new(python)
            .args([script, &port.to_string(), &dir.to_string_lossy()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink (python3 with aiosmtpd; ./test.sh installs it)");
        let sink = SmtpSink { dir, child };
        wait_for("the SMTP sink to listen", 20, || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        });
        sink
    }

    pub fn mails(&self) -> Vec<String> {
        read_mails(&self.dir)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Signs up an enterprise (or another kind) through the form; returns (client, email, credit code).
pub fn signup_org(app: &TestApp, kind: &str, region: &str) -> (Client, String, String) {
    let c = app.client();
    let email = format!("{}@example.cn", unique("user"));
    let code = credit_code(region);
    let r = c.post(
        "/signup/organization",
        "/signup/organization",
        &[
            ("kind", kind),
            ("org_name", "青海盐湖新材料有限公司"),
            ("credit_code", &code),
            ("region_code", region),
            ("name", "张三"),
            ("email", &email),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "signup should redirect: {}",
        &r.body[..r.body.len().min(3000)]
    );
    // A sign-up leads to the log-in page (it must not tell whether the address was known).
    assert_eq!(r.location.as_deref(), Some(techmarket::accounts::SIGNED_UP));
    let r = c.post("/login", "/login", &[("email", &email), ("password", PASSWORD)]);
    assert_eq!(r.status, 303, "log-in after sign-up");
    (c, email, code)
}

/// The password every test sign-up uses.
pub const PASSWORD: &str = "a fine passphrase";

pub fn login(app: &TestApp, email: &str, password: &str) -> Client {
    let c = app.client();
    let r = c.post("/login", "/login", &[("email", email), ("password", password)]);
    assert_eq!(r.status, 303, "login should succeed for {email}");
    c
}

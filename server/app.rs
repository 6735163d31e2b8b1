//! Building and starting the application: state, routes, middleware. Tests start it on port 0.

use std::net::TcpListener;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use actix_multipart::form::MultipartFormConfig;
use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, DefaultHeaders, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use diesel::prelude::*;

use crate::config::Config;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::schema::app_settings;
use crate::state::AppState;
use crate::web as w;

pub struct Application {
    port: u16,
    server: Server,
    stop: Arc<AtomicBool>,
}

/// The CSP forbids inline script and anything from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// The secret that signs CSRF tokens: SECRET_KEY when set, otherwise one generated once and kept
/// in the database, so that every server process on the same database shares it.
pub fn load_secret(pool: &Pool, configured: Option<&str>) -> Result<Vec<u8>, String> {
    if let Some(k) = configured {
        return Ok(k.as_bytes().to_vec());
    }
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let candidate = crate::auth::random_token();
    let existing: Option<String> = app_settings::table
        .find("secret_key")
        .select(app_settings::value)
        .first(&mut *conn)
        .optional()
        .map_err(|e| e.to_string())?;
    if let Some(v) = existing {
        return Ok(v.into_bytes());
    }
    // Two processes may race here: the insert of the loser fails and it reads the winner's key.
    let _ = diesel::insert_into(app_settings::table)
        .values((app_settings::name.eq("secret_key"), app_settings::value.eq(&candidate)))
        .execute(&mut *conn);
    let v: String = app_settings::table
        .find("secret_key")
        .select(app_settings::value)
        .first(&mut *conn)
        .map_err(|e| e.to_string())?;
    Ok(v.into_bytes())
}

/// Headers on every response. Behind HTTPS (`COOKIE_SECURE=true`) browsers are also told to
/// come back only over HTTPS for a year.
fn security_headers(hsts: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"));
    if hsts {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

impl Application {
    /// Connects, migrates, starts the background workers and binds (port 0 picks a free port).
    pub fn build(config: Config) -> Result<Application, String> {
        crate::i18n::check().map_err(|e| format!("server/messages.toml: {e}"))?;
        let pool = db::connect(&config.database_url, config.db_pool_size)?;
        db::migrate(&pool)?;
        let secret = load_secret(&pool, config.secret_key.as_deref())?;
        {
            // The default catalogue seeds the database; a malformed stored version stops the server.
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            crate::awards::seed_policies(&mut conn).map_err(|e| format!("policies: {e:?}"))?;
            crate::awards::catalogue_on(&mut conn, crate::db::today()).map_err(|e| format!("policies: {e:?}"))?;
        }
        let listener = TcpListener::bind(config.bind).map_err(|e| format!("BIND {}: {e}", config.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let mut config = config;
        if !config.base_url_configured {
            // Links in mails point at the port really bound (BIND may ask for port 0).
            config.base_url = format!("http://{}:{port}", config.bind.ip());
        }

        let stop = Arc::new(AtomicBool::new(false));
        let search = crate::workers::start(&config, &pool, &secret, &stop)?;

        let max_upload = config.max_upload_bytes;
        let hsts = config.cookie_secure;
        let state = web::Data::new(AppState {
            config,
            pool,
            secret,
            search,
            imports: crate::state::Gate::new(crate::state::PARALLEL_IMPORTS),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(
                    MultipartFormConfig::default()
                        .total_limit(max_upload + 256 * 1024)
                        .memory_limit(max_upload + 256 * 1024)
                        .error_handler(move |err, _req| {
                            if format!("{err:?}").contains("Overflow") {
                                AppError::PayloadTooLarge(format!("≤ {} MB", max_upload / (1024 * 1024)).into()).into()
                            } else {
                                AppError::BadRequest(err.to_string().into()).into()
                            }
                        }),
                )
                .app_data(web::FormConfig::default().limit(256 * 1024))
                .configure(routes)
                .wrap(actix_web::middleware::from_fn(w::context_middleware))
                .wrap(
                    ErrorHandlers::new()
                        .handler(StatusCode::BAD_REQUEST, w::error_page)
                        .handler(StatusCode::FORBIDDEN, w::error_page)
                        .handler(StatusCode::CONFLICT, w::error_page)
                        .handler(StatusCode::NOT_FOUND, w::error_page)
                        .handler(StatusCode::PAYLOAD_TOO_LARGE, w::error_page)
                        .handler(StatusCode::TOO_MANY_REQUESTS, w::error_page)
                        .handler(StatusCode::INTERNAL_SERVER_ERROR, w::error_page)
                        .handler(StatusCode::SERVICE_UNAVAILABLE, w::error_page),
                )
                .wrap(security_headers(hsts))
                // Pages are compressed; the CSRF token they carry is masked afresh on every
                // response (auth::mask_csrf), so compression reveals nothing of it.
                .wrap(Compress::default())
                .wrap(actix_web::middleware::from_fn(w::head_as_get))
                .wrap(actix_web::middleware::Logger::new("%r %s %Dms"))
        })
        .workers(2)
        .listen(listener)
        .map_err(|e| e.to_string())?
        .run();
        Ok(Application { port, server, stop })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let r = self.server.await;
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        r
    }

    /// A handle that stops the server and its workers (tests use it).
    pub fn handle(&self) -> (actix_web::dev::ServerHandle, Arc<AtomicBool>) {
        (self.server.handle(), self.stop.clone())
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(crate::pages::configure)
        .configure(crate::accounts::configure)
        .configure(crate::notifications::configure)
        .configure(crate::organizations::configure)
        .configure(crate::files::configure)
        .configure(crate::audit::configure)
        .configure(crate::search::configure)
        .configure(crate::brokers::configure)
        .configure(crate::commissions::configure)
        .configure(crate::contracts::configure)
        .configure(crate::awards::configure)
        .configure(crate::deals::configure)
        .configure(crate::digest::configure)
        .configure(crate::listings::configure)
        .configure(crate::challenges::configure)
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, AppError>(AppError::NotFound)
        }));
}

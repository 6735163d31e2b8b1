//! Building and starting the application: state, routes, middleware. Tests start it on port 0.

use std::net::TcpListener;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use actix_multipart::form::MultipartFormConfig;
use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, DefaultHeaders, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use diesel::prelude::*;

use crate::config::Config;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::listings::{self, achievement, browse, demand, import, review};
use crate::mail::{Delivery, Mailer};
use crate::schema::app_settings;
use crate::{accounts, audit, files, notifications, organizations, pages, web as w};

pub struct AppState {
    pub config: Config,
    pub pool: Pool,
    pub secret: Vec<u8>,
    pub search: std::sync::Arc<dyn crate::search::SearchEngine>,
    /// Bounds and counts the uploads being parsed off the request threads.
    pub imports: import::Gate,
}

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
        let mailer = Mailer {
            delivery: match &config.smtp_url {
                Some(url) => Delivery::Smtp { url: url.clone() },
                None => Delivery::Files {
                    dir: config.outbox_dir(),
                },
            },
            from: config.mail_from.clone(),
            retry_base_secs: config.mail_retry_base_secs,
        };
        crate::mail::spawn_worker(
            mailer,
            pool.clone(),
            Duration::from_millis(config.mail_poll_ms),
            stop.clone(),
        );

        let search = crate::search::open_engine(&config)?;
        crate::search::spawn_worker(
            search.clone(),
            pool.clone(),
            Duration::from_millis(config.search_poll_ms),
            config.match_notify_score,
            stop.clone(),
        );

        crate::digest::spawn_worker(
            pool.clone(),
            crate::digest::Settings {
                base_url: config.base_url.clone(),
                interval_secs: config.digest_interval_secs,
                secret: secret.clone(),
            },
            Duration::from_millis(config.mail_poll_ms.max(1000)),
            stop.clone(),
        );

        if config.rewards_poll_ms > 0 {
            crate::awards::spawn_worker(
                pool.clone(),
                Duration::from_millis(config.rewards_poll_ms),
                stop.clone(),
            );
        }

        let max_upload = config.max_upload_bytes;
        let hsts = config.cookie_secure;
        let state = web::Data::new(AppState {
            config,
            pool,
            secret,
            search,
            imports: import::Gate::new(import::PARALLEL_IMPORTS),
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
                                AppError::PayloadTooLarge(format!("≤ {} MB", max_upload / (1024 * 1024))).into()
                            } else {
                                AppError::BadRequest(err.to_string()).into()
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
    cfg.route("/", web::get().to(pages::home))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/readyz", web::get().to(pages::readyz))
        .route("/lang/{lang}", web::get().to(pages::set_lang))
        .route("/static/{name}", web::get().to(pages::static_file))
        .route("/signup", web::get().to(accounts::signup_choice))
        .route("/signup/organization", web::get().to(accounts::signup_org_form))
        .route("/signup/organization", web::post().to(accounts::signup_org))
        .route("/signup/broker", web::get().to(accounts::signup_broker_form))
        .route("/signup/broker", web::post().to(accounts::signup_broker))
        .route("/login", web::get().to(accounts::login_form))
        .route("/login", web::post().to(accounts::login))
        .route("/logout", web::post().to(accounts::logout))
        .route("/account", web::get().to(accounts::account))
        .route("/account/password", web::post().to(accounts::change_password))
        .route(
            "/account/resend-verification",
            web::post().to(accounts::resend_verification),
        )
        .route("/verify-email", web::get().to(accounts::verify_email_form))
        .route("/verify-email", web::post().to(accounts::verify_email))
        .route("/password/forgot", web::get().to(accounts::forgot_form))
        .route("/password/forgot", web::post().to(accounts::forgot))
        .route("/password/reset", web::get().to(accounts::reset_form))
        .route("/password/reset", web::post().to(accounts::reset))
        .route("/notifications", web::get().to(notifications::list))
        .route("/notifications/read", web::post().to(notifications::mark_all_read))
        .route("/org/members", web::get().to(organizations::members))
        .route("/org/invitations", web::post().to(organizations::invite))
        .route("/invitations/accept", web::get().to(organizations::accept_form))
        .route("/invitations/accept", web::post().to(organizations::accept))
        .route("/org/verification", web::get().to(organizations::verification))
        .route("/org/licence", web::post().to(organizations::upload_licence))
        .route("/org/flags", web::post().to(organizations::declare_flag))
        .route("/files/{id}", web::get().to(files::download))
        .route("/officer/organizations", web::get().to(organizations::queue))
        .route("/officer/organizations/{id}", web::get().to(organizations::review))
        .route(
            "/officer/organizations/{id}/decision",
            web::post().to(organizations::decide),
        )
        .route(
            "/officer/flags/{id}/decision",
            web::post().to(organizations::decide_flag),
        )
        .route("/officer/audit", web::get().to(audit::page))
        .route("/search", web::get().to(crate::search::page::search))
        .route("/brokers", web::get().to(crate::brokers::list))
        .route("/brokers/{id}", web::get().to(crate::brokers::profile))
        .route("/broker/profile", web::get().to(crate::brokers::edit_form))
        .route("/broker/profile", web::post().to(crate::brokers::save_profile))
        .route("/broker/commissions", web::get().to(crate::brokers::my_commissions))
        .route("/broker/pipeline", web::get().to(crate::brokers::pipeline))
        .route("/commissions", web::post().to(crate::brokers::commission))
        .route("/commissions/{id}/decide", web::post().to(crate::brokers::decide))
        .route("/contracts", web::get().to(crate::contracts::list))
        .route("/contracts", web::post().to(crate::contracts::create))
        .route("/contracts/new", web::get().to(crate::contracts::new_form))
        .route("/contracts/{id}", web::get().to(crate::contracts::show))
        .route("/contracts/{id}/edit", web::get().to(crate::contracts::edit_form))
        .route("/contracts/{id}/edit", web::post().to(crate::contracts::update))
        .route("/contracts/{id}/file", web::get().to(crate::contracts::download))
        .route("/contracts/{id}/file", web::post().to(crate::contracts::upload))
        .route("/contracts/{id}/submit", web::post().to(crate::contracts::submit))
        .route(
            "/contracts/{id}/elsewhere",
            web::post().to(crate::contracts::record_elsewhere),
        )
        .route(
            "/contracts/{id}/elsewhere/scan",
            web::get().to(crate::contracts::elsewhere_scan),
        )
        .route(
            "/officer/contracts/{id}/verify",
            web::post().to(crate::contracts::verify_elsewhere),
        )
        .route(
            "/contracts/{id}/payments",
            web::post().to(crate::contracts::record_payment),
        )
        .route("/contracts/{id}/proofs/{file}", web::get().to(crate::contracts::proof))
        .route(
            "/contracts/{id}/certificate",
            web::get().to(crate::contracts::certificate),
        )
        .route(
            "/contracts/{id}/amend",
            web::get().to(crate::contracts::amendments::form),
        )
        .route(
            "/contracts/{id}/amend",
            web::post().to(crate::contracts::amendments::save),
        )
        .route(
            "/contracts/{id}/amendment/file",
            web::post().to(crate::contracts::amendments::upload),
        )
        .route(
            "/contracts/{id}/amendment/submit",
            web::post().to(crate::contracts::amendments::submit),
        )
        .route(
            "/contracts/{id}/amendments/{seq}/file",
            web::get().to(crate::contracts::amendments::download),
        )
        .route(
            "/officer/contracts/{id}/amendment/register",
            web::post().to(crate::contracts::amendments::register),
        )
        .route(
            "/officer/contracts/{id}/amendment/return",
            web::post().to(crate::contracts::amendments::return_amendment),
        )
        .route("/rewards", web::get().to(crate::awards::pages::mine))
        .route("/contracts/{id}/income", web::get().to(crate::awards::pages::income))
        .route("/officer/rewards", web::get().to(crate::awards::pages::officer))
        .route(
            "/officer/rewards/{id}/decide",
            web::post().to(crate::awards::pages::decide),
        )
        .route(
            "/officer/rewards/discretionary",
            web::post().to(crate::awards::pages::discretionary),
        )
        .route(
            "/officer/rewards/budgets",
            web::post().to(crate::awards::pages::set_budget),
        )
        .route(
            "/officer/rewards/disbursement",
            web::get().to(crate::awards::pages::disbursement),
        )
        .route("/officer/policies", web::get().to(crate::awards::pages::catalogue))
        .route(
            "/officer/policies/{name}/edit",
            web::get().to(crate::awards::pages::edit_form),
        )
        .route(
            "/officer/policies/{name}/edit",
            web::post().to(crate::awards::pages::save),
        )
        .route(
            "/officer/policies/{name}/versions/{no}",
            web::get().to(crate::awards::pages::export_version),
        )
        .route("/officer/contracts", web::get().to(crate::contracts::queue))
        .route("/officer/contracts/export", web::get().to(crate::contracts::export))
        .route(
            "/officer/contracts/{id}/register",
            web::post().to(crate::contracts::register),
        )
        .route(
            "/officer/contracts/{id}/return",
            web::post().to(crate::contracts::return_contract),
        )
        .route("/deals", web::get().to(crate::deals::list))
        .route("/deals", web::post().to(crate::deals::create))
        .route("/deals/new", web::get().to(crate::deals::new_form))
        .route("/deals/{id}", web::get().to(crate::deals::room))
        .route("/deals/{id}/respond", web::post().to(crate::deals::respond))
        .route("/deals/{id}/messages", web::post().to(crate::deals::post_message))
        .route("/deals/{id}/offers", web::post().to(crate::deals::post_offer))
        .route(
            "/deals/{id}/offers/{offer}/accept",
            web::post().to(crate::deals::accept_offer),
        )
        .route("/deals/{id}/withdraw", web::post().to(crate::deals::withdraw))
        .route("/deals/{id}/files/{file}", web::get().to(crate::deals::attachment))
        .route("/digest", web::get().to(crate::digest::page))
        .route("/digest/settings", web::post().to(crate::digest::set_enabled))
        .route("/digest/off", web::get().to(crate::digest::off_page))
        .route("/digest/off", web::post().to(crate::digest::off))
        .route("/saved-searches", web::post().to(crate::digest::save_search))
        .route(
            "/saved-searches/{id}/delete",
            web::post().to(crate::digest::delete_search),
        )
        .route("/demands", web::get().to(browse::demands_page))
        .route("/demands/new", web::get().to(demand::new_form))
        .route("/demands/new", web::post().to(demand::create))
        .route("/demands/{id}", web::get().to(demand::detail))
        .route("/demands/{id}/proposals", web::get().to(crate::challenges::list))
        .route("/demands/{id}/proposals", web::post().to(crate::challenges::submit))
        .route(
            "/demands/{id}/proposals/new",
            web::get().to(crate::challenges::new_form),
        )
        .route("/proposals/{id}", web::get().to(crate::challenges::show))
        .route("/proposals/{id}/questions", web::post().to(crate::challenges::ask))
        .route("/proposals/{id}/decide", web::post().to(crate::challenges::decide))
        .route("/demands/{id}/edit", web::get().to(demand::edit_form))
        .route("/demands/{id}/edit", web::post().to(demand::update))
        .route("/achievements", web::get().to(browse::achievements_page))
        .route("/achievements/new", web::get().to(achievement::new_form))
        .route("/achievements/new", web::post().to(achievement::create))
        .route("/achievements/import", web::get().to(import::form))
        .route("/achievements/import", web::post().to(import::upload))
        .route("/achievements/import/template.csv", web::get().to(import::template))
        .route("/achievements/{id}", web::get().to(achievement::detail))
        .route("/achievements/{id}/edit", web::get().to(achievement::edit_form))
        .route("/achievements/{id}/edit", web::post().to(achievement::update))
        .route(
            "/{kind:demands|achievements}/{id}/terms",
            web::post().to(listings::accept_terms),
        )
        .route(
            "/{kind:demands|achievements}/{id}/{action:submit|withdraw|close}",
            web::post().to(listings::owner_action),
        )
        .route("/my/listings", web::get().to(listings::mine))
        .route("/my/listings.csv", web::get().to(listings::mine_csv))
        .route("/officer/listings", web::get().to(review::queue))
        .route(
            "/officer/{kind:demands|achievements}/{id}/review",
            web::post().to(review::decide),
        )
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, AppError>(AppError::NotFound)
        }));
}

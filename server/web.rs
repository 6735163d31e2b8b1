//! What every page needs: the request context (language, signed-in user, CSRF token), the
//! middleware that builds it and enforces CSRF on every state change, and rendering helpers.

use std::collections::BTreeMap;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::{self, SessionUser};
use crate::error::{AppError, AppResult, ErrorMessage};
use crate::i18n::{self, Lang};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "tm_session";
pub const ANON_COOKIE: &str = "tm_anon";
pub const LANG_COOKIE: &str = "tm_lang";
/// Set on log-in: this browser has logged in to the account before (see auth::device_token).
pub const DEVICE_COOKIE: &str = "tm_device";

/// Per-request context, available to every handler and template.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<SessionUser>,
    pub csrf: String,
    pub path: String,
    pub notice: Option<String>,
}

impl Ctx {
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }
    pub fn tf(&self, key: &str, args: &[&str]) -> String {
        i18n::tf(self.lang, key, args)
    }
    /// A rule's message in the page's language.
    pub fn say(&self, msg: &i18n::Msg) -> String {
        msg.text(self.lang)
    }
    /// A rule's problems as the field errors of the page.
    pub fn errors(&self, problems: &i18n::Problems) -> FieldErrors {
        let mut e = FieldErrors::new();
        e.add_problems(problems, self.lang);
        e
    }
    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }
    pub fn user(&self) -> AppResult<&SessionUser> {
        self.user.as_ref().ok_or(AppError::LoginRequired)
    }
    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }
    pub fn is_officer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == auth::Role::Officer)
    }
    pub fn officer(&self) -> AppResult<&SessionUser> {
        let u = self.user()?;
        if u.role == auth::Role::Officer {
            Ok(u)
        } else {
            Err(AppError::forbidden(self.t("err.officers_only")))
        }
    }
    /// Publishing, signing and receiving awards need an organization an officer has verified.
    pub fn verified_user(&self) -> AppResult<&SessionUser> {
        let u = self.user()?;
        if u.org_verified() {
            Ok(u)
        } else {
            Err(AppError::forbidden(self.t("err.needs_verification")))
        }
    }
    pub fn admin(&self) -> AppResult<&SessionUser> {
        let u = self.user()?;
        if u.is_admin {
            Ok(u)
        } else {
            Err(AppError::forbidden(self.t("err.admins_only")))
        }
    }
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }
    /// Formats a Unix timestamp as local date and time.
    pub fn datetime(&self, ts: &i64) -> String {
        fmt_ts(*ts)
    }
}

pub fn fmt_ts(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| (d + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = std::future::Ready<Result<Ctx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<Ctx>()
                .cloned()
                .ok_or_else(|| AppError::internal("context middleware missing")),
        )
    }
}

fn cookie_value(req: &ServiceRequest, name: &str) -> Option<String> {
    req.cookie(name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

pub fn make_cookie(name: &'static str, value: String, secure: bool, max_age_days: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::days(max_age_days))
        .finish()
}

fn is_state_change(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(text).ok()?.into_inner();
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The most bytes of an ordinary (not multipart) form.
pub const FORM_LIMIT: usize = 256 * 1024;

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How far into a multipart body the CSRF field is looked for: the pages put it first, before
/// any file, so a large upload is never searched.
const MULTIPART_CSRF_WITHIN: usize = 64 * 1024;

/// The `csrf` field of a multipart body: the value of the first part named `csrf` within the
/// first [`MULTIPART_CSRF_WITHIN`] bytes. Only the genuine token passes the comparison, so text
/// inside a file that imitates a part cannot help an attacker.
fn multipart_csrf(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(MULTIPART_CSRF_WITHIN)];
    let at = find(head, b"name=\"csrf\"")?;
    let rest = &head[at..];
    let start = find(rest, b"\r\n\r\n")? + 4;
    let value = &rest[start..];
    let end = find(value, b"\r\n")?;
    std::str::from_utf8(&value[..end]).ok().map(|v| v.trim().to_string())
}

fn content_type_is(req: &ServiceRequest, prefix: &str) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with(prefix))
}

/// `HEAD` answers as `GET`, so that uptime monitors and link checkers see the page's status and
/// headers; actix-http itself leaves the body out of the answer to a `HEAD` request.
pub async fn head_as_get<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// The request body, refused with 413 beyond `limit` bytes.
async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, actix_web::Error> {
    let payload = req.extract::<web::Payload>().await?;
    match payload.to_bytes_limited(limit).await {
        Ok(body) => body,
        Err(_) => Err(AppError::PayloadTooLarge(format!("≤ {} MB", limit.div_ceil(1024 * 1024)).into()).into()),
    }
}

/// Loads the session, picks the language, and refuses any state change without a valid CSRF token.
pub async fn context_middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("state missing"))?;
    let lang = cookie_value(&req, LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .map(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Zh);

    let session_token = cookie_value(&req, SESSION_COOKIE);
    let user = match &session_token {
        Some(tok) => {
            let tok = tok.clone();
            crate::db::run(&state.pool, move |conn| auth::load_session(conn, &tok)).await?
        }
        None => None,
    };
    let (binding, new_anon) = match (&user, &session_token) {
        (Some(_), Some(tok)) => (tok.clone(), None),
        _ => match cookie_value(&req, ANON_COOKIE) {
            Some(a) if a.len() == 64 => (a, None),
            _ => {
                let a = auth::random_token();
                (a.clone(), Some(a))
            }
        },
    };
    let token = auth::csrf_token(&state.secret, &binding);
    // Pages carry the token masked afresh on every response (see auth::mask_csrf).
    let csrf = auth::mask_csrf(&token);

    if is_state_change(req.method()) {
        // The token comes in a header (scripts) or in the body (forms), never in the URL, where
        // access logs and Referer headers would keep it.
        let mut presented = req
            .headers()
            .get("x-csrf-token")
            .and_then(|h| h.to_str().ok())
            .map(str::to_string);
        if presented.is_none() && content_type_is(&req, "application/x-www-form-urlencoded") {
            let body = read_body(&mut req, FORM_LIMIT).await?;
            presented = form_field(&body, "csrf");
            req.set_payload(actix_web::dev::Payload::from(body));
        } else if presented.is_none() && content_type_is(&req, "multipart/form-data") {
            let body = read_body(&mut req, state.config.max_upload_bytes + FORM_LIMIT).await?;
            presented = multipart_csrf(&body);
            req.set_payload(actix_web::dev::Payload::from(body));
        }
        let ok = presented.is_some_and(|p| auth::csrf_matches(&p, &token));
        if !ok {
            let ctx = Ctx {
                lang,
                user,
                csrf,
                path: req.path().to_string(),
                notice: None,
            };
            req.extensions_mut().insert(ctx);
            let (http_req, _) = req.into_parts();
            let resp = actix_web::ResponseError::error_response(&AppError::Csrf);
            return Ok(ServiceResponse::new(http_req, resp).map_into_right_body());
        }
    }

    let notice = web::Query::<BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("notice").cloned())
        .map(|n| format!("notice.{n}"))
        .filter(|k| i18n::has(k));
    // The path with its query, so that the language switch returns to the same search or filter.
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.path().to_string());
    let ctx = Ctx {
        lang,
        user,
        csrf,
        path,
        notice,
    };
    req.extensions_mut().insert(ctx);
    let mut res = next.call(req).await?;
    if let Some(a) = new_anon {
        let cookie = make_cookie(ANON_COOKIE, a, state.config.cookie_secure, 30);
        res.response_mut()
            .add_cookie(&cookie)
            .map_err(|e| AppError::internal(e.to_string()))?;
    }
    Ok(res.map_into_boxed_body().map_into_left_body())
}

/// Marks a page a handler rendered itself with an error status (the log-in form answering 429
/// with the wait, say): the error pages leave it as it is.
#[derive(Clone, Copy)]
struct OwnPage;

/// Renders friendly 403 / 404 / 429 / 500 pages in the visitor's language.
pub fn error_page<B: MessageBody + 'static>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    if res.response().extensions().get::<OwnPage>().is_some() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let message = res.response().extensions().get::<ErrorMessage>().map(|m| m.0.clone());
    let ctx = res.request().extensions().get::<Ctx>().cloned().unwrap_or(Ctx {
        lang: Lang::Zh,
        user: None,
        csrf: String::new(),
        path: res.request().path().to_string(),
        notice: None,
    });
    let (title_key, text_key) = match status {
        StatusCode::FORBIDDEN => ("error.403.title", "error.403.text"),
        StatusCode::NOT_FOUND => ("error.404.title", "error.404.text"),
        StatusCode::TOO_MANY_REQUESTS => ("error.429.title", "error.429.text"),
        StatusCode::PAYLOAD_TOO_LARGE => ("error.413.title", "error.413.text"),
        StatusCode::BAD_REQUEST => ("error.400.title", "error.400.text"),
        StatusCode::CONFLICT => ("error.409.title", "error.409.text"),
        StatusCode::SERVICE_UNAVAILABLE => ("error.503.title", "error.503.text"),
        _ => ("error.500.title", "error.500.text"),
    };
    let page = ErrorTemplate {
        c: &ctx,
        status: status.as_u16(),
        title: ctx.t(title_key),
        text: ctx.t(text_key),
        message: message.map(|m| ctx.say(&m)).unwrap_or_default(),
    };
    let html = page
        .render()
        .unwrap_or_else(|_| format!("{} {}", status.as_u16(), ctx.t(title_key)));
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new = new.content_type("text/html; charset=utf-8").body(html);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    c: &'a Ctx,
    status: u16,
    title: &'a str,
    text: &'a str,
    message: String,
}

/// Renders a page with status 200.
pub fn render<T: Template>(t: &T) -> AppResult<HttpResponse> {
    render_status(t, StatusCode::OK)
}

/// Renders a page with a given status (422 for a rejected form).
pub fn render_status<T: Template>(t: &T, status: StatusCode) -> AppResult<HttpResponse> {
    let html = t.render()?;
    let mut resp = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html);
    resp.extensions_mut().insert(OwnPage);
    Ok(resp)
}

/// A local path to return to, or "/". Only a path that starts with a single `/` and holds no
/// backslash and no control character: browsers drop tabs and line breaks from a URL, so
/// `/\t/host` would lead to `//host`, another site, and a line break cannot go into a header.
pub fn safe_next(next: &str) -> String {
    let local =
        next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control);
    if local {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// After a successful POST: see other.
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// Field errors of a rejected form, shown beside each field.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: &str, msg: impl Into<String>) {
        self.0.entry(field.to_string()).or_insert_with(|| msg.into());
    }
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    /// The status of a form page: 422 when it is shown again with problems, 200 otherwise.
    pub fn status(&self) -> StatusCode {
        if self.any() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }
    /// Adds the problems a rule found, in the language of the page.
    pub fn add_problems(&mut self, problems: &i18n::Problems, lang: Lang) {
        for (field, msg) in &problems.0 {
            self.add(field, msg.text(lang));
        }
    }
}

/// The client's address: the peer's, or, from a proxy named in `TRUSTED_PROXIES`, the one it
/// forwards (see `client_ip`).
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let forwarded = req.headers().get("x-forwarded-for").and_then(|h| h.to_str().ok());
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.config.trusted_proxies.client(peer, forwarded).to_string(),
        None => peer.to_string(),
    }
}

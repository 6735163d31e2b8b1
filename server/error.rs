//! One error type for every handler. Its message is a [`Msg`]: a key with arguments, not yet in a
//! language, so a rule or a query can refuse without a request. Pages for 403 / 404 / 500 are
//! rendered by the error-page middleware in `web`, which translates the message into the
//! visitor's language; the body here is a plain fallback.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

use crate::i18n::{Lang, Msg};

#[derive(Debug)]
pub enum AppError {
    /// Not signed in: the visitor is sent to the log-in page.
    LoginRequired,
    Forbidden(Msg),
    NotFound,
    /// A form or request that cannot be accepted, with a message naming what is wrong.
    BadRequest(Msg),
    /// The thing changed since the user saw it (another user acted first), with what to do now.
    Conflict(Msg),
    Csrf,
    TooManyRequests(Msg),
    PayloadTooLarge(Msg),
    Unavailable(String),
    Internal(String),
}

impl AppError {
    pub fn forbidden(why: impl Into<Msg>) -> Self {
        AppError::Forbidden(why.into())
    }
    /// Refused because the thing changed or stands where the step cannot be taken: the key of
    /// the message saying what to do now.
    pub fn conflict(key: &'static str) -> Self {
        AppError::Conflict(Msg::t(key))
    }
    /// Refused for the reason the message key names.
    pub fn refused(key: &'static str) -> Self {
        AppError::Forbidden(Msg::t(key))
    }
    pub fn bad_request(why: impl Into<Msg>) -> Self {
        AppError::BadRequest(why.into())
    }
    pub fn internal(e: impl fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::LoginRequired => write!(f, "login required"),
            AppError::Forbidden(w) => write!(f, "forbidden: {}", w.text(Lang::En)),
            AppError::NotFound => write!(f, "not found"),
            AppError::BadRequest(w) => write!(f, "bad request: {}", w.text(Lang::En)),
            AppError::Conflict(w) => write!(f, "conflict: {}", w.text(Lang::En)),
            AppError::Csrf => write!(f, "missing or invalid CSRF token"),
            AppError::TooManyRequests(w) => write!(f, "too many requests: {}", w.text(Lang::En)),
            AppError::PayloadTooLarge(w) => write!(f, "too large: {}", w.text(Lang::En)),
            AppError::Unavailable(w) => write!(f, "unavailable: {w}"),
            AppError::Internal(w) => write!(f, "internal error: {w}"),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::LoginRequired => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(detail) | AppError::Unavailable(detail) = self {
            log::error!("{detail}");
        }
        let mut resp = HttpResponse::build(self.status_code());
        if let AppError::LoginRequired = self {
            resp.insert_header((header::LOCATION, "/login"));
        }
        // The message travels to the error-page middleware in an extension, never the internals.
        let public = match self {
            AppError::Forbidden(w)
            | AppError::BadRequest(w)
            | AppError::Conflict(w)
            | AppError::TooManyRequests(w)
            | AppError::PayloadTooLarge(w) => Some(w.clone()),
            _ => None,
        };
        let body = match &public {
            Some(m) => m.text(Lang::Zh),
            None => self.status_code().canonical_reason().unwrap_or("error").to_string(),
        };
        if let Some(m) = public {
            resp.extensions_mut().insert(ErrorMessage(m));
        }
        resp.content_type("text/plain; charset=utf-8").body(body)
    }
}

/// The user-facing message of an error, for the error page to translate.
#[derive(Clone, Debug)]
pub struct ErrorMessage(pub Msg);

pub type AppResult<T> = Result<T, AppError>;

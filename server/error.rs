//! One error type for every handler. Pages for 403 / 404 / 500 are rendered by the error-page
//! middleware in `web`, in the visitor's language; the body here is a plain fallback.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

#[derive(Debug)]
pub enum AppError {
    /// Not signed in: the visitor is sent to the log-in page.
    LoginRequired,
    Forbidden(String),
    NotFound,
    /// A form or request that cannot be accepted, with a message naming what is wrong.
    BadRequest(String),
    /// The thing changed since the user saw it (another user acted first), with what to do now.
    Conflict(String),
    Csrf,
    TooManyRequests(String),
    PayloadTooLarge(String),
    Unavailable(String),
    Internal(String),
}

impl AppError {
    pub fn forbidden(why: impl Into<String>) -> Self {
        AppError::Forbidden(why.into())
    }
    pub fn bad_request(why: impl Into<String>) -> Self {
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
            AppError::Forbidden(w) => write!(f, "forbidden: {w}"),
            AppError::NotFound => write!(f, "not found"),
            AppError::BadRequest(w) => write!(f, "bad request: {w}"),
            AppError::Conflict(w) => write!(f, "conflict: {w}"),
            AppError::Csrf => write!(f, "missing or invalid CSRF token"),
            AppError::TooManyRequests(w) => write!(f, "too many requests: {w}"),
            AppError::PayloadTooLarge(w) => write!(f, "too large: {w}"),
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
            | AppError::PayloadTooLarge(w) => w.clone(),
            _ => String::new(),
        };
        resp.extensions_mut().insert(ErrorMessage(public.clone()));
        resp.content_type("text/plain; charset=utf-8")
            .body(if public.is_empty() {
                self.status_code().canonical_reason().unwrap_or("error").to_string()
            } else {
                public
            })
    }
}

/// The user-facing message of an error, for the error page.
#[derive(Clone, Debug)]
pub struct ErrorMessage(pub String);

pub type AppResult<T> = Result<T, AppError>;

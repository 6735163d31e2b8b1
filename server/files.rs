//! Uploaded files live in the database, so every server process can read them. Types are decided
//! by content, never by the name or the browser's claim.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use diesel::prelude::*;

use crate::auth::{sha256_hex, SessionUser};
use crate::db::{self, now, DbConn};
use crate::error::{AppError, AppResult};
use crate::schema::{files, organizations};
use crate::state::AppState;
use crate::web::Ctx;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
        }
    }
}

/// Recognises PDF, PNG and JPEG by their first bytes.
pub fn sniff(data: &[u8]) -> Option<Kind> {
    if data.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else {
        None
    }
}

/// Why an upload was refused, as a message key.
/// An uploaded file that passed [`check_upload`]: its bytes, the name it came with and its kind.
pub struct Upload {
    pub data: Vec<u8>,
    pub name: String,
    pub kind: Kind,
}

/// Checks the file part of a multipart form: `Ok(None)` when no file was chosen, the reason
/// (with the size limit in MB) when it is refused.
pub fn checked_part(
    part: &Option<actix_multipart::form::bytes::Bytes>,
    max: usize,
    allowed: &[Kind],
) -> Result<Option<Upload>, crate::i18n::Msg> {
    let Some(b) = part.as_ref().filter(|b| !b.data.is_empty()) else {
        return Ok(None);
    };
    match check_upload(&b.data, max, allowed) {
        Ok(kind) => Ok(Some(Upload {
            data: b.data.to_vec(),
            name: b.file_name.clone().unwrap_or_default(),
            kind,
        })),
        Err(key) => Err(crate::i18n::Msg::tf(key, [(max / (1024 * 1024)).to_string()])),
    }
}

pub fn check_upload(data: &[u8], max: usize, allowed: &[Kind]) -> Result<Kind, &'static str> {
    if data.is_empty() {
        return Err("err.file_missing");
    }
    if data.len() > max {
        return Err("err.file_too_large");
    }
    match sniff(data) {
        Some(k) if allowed.contains(&k) => Ok(k),
        _ => Err("err.file_type"),
    }
}

pub fn store(
    conn: &mut DbConn,
    org_id: Option<i64>,
    uploaded_by: Option<i64>,
    purpose: &str,
    filename: &str,
    kind: Kind,
    data: &[u8],
) -> AppResult<i64> {
    let name: String = filename
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(200)
        .collect();
    let id = diesel::insert_into(files::table)
        .values((
            files::org_id.eq(org_id),
            files::uploaded_by.eq(uploaded_by),
            files::purpose.eq(purpose),
            files::filename.eq(if name.is_empty() { "upload".to_string() } else { name }),
            files::content_type.eq(kind.mime()),
            files::size_bytes.eq(data.len() as i64),
            files::sha256.eq(sha256_hex(data)),
            files::data.eq(data),
            files::created_at.eq(now()),
        ))
        .returning(files::id)
        .get_result(conn)?;
    Ok(id)
}

/// Who may read a file: users of the owning organization, and officers whose region holds it.
pub fn may_read(user: &SessionUser, owner_org: Option<i64>, owner_region: Option<&str>) -> bool {
    match owner_org {
        Some(org) if org == user.org_id => true,
        _ => owner_region.is_some_and(|r| user.oversees(r)),
    }
}

pub async fn download(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (org_id, region, filename, mime, data) = db::run(&state.pool, move |conn| {
        let row: (Option<i64>, String, String, Vec<u8>) = files::table
            .find(id)
            .select((files::org_id, files::filename, files::content_type, files::data))
            .first(conn)?;
        let region: Option<String> = match row.0 {
            Some(org) => organizations::table
                .find(org)
                .select(organizations::region_code)
                .first(conn)
                .optional()?,
            None => None,
        };
        Ok((row.0, region, row.1, row.2, row.3))
    })
    .await?;
    if !may_read(&user, org_id, region.as_deref()) {
        return Err(AppError::refused("err.no_access"));
    }
    Ok(respond(&filename, &mime, data, false))
}

/// A stored file of `id` as (filename, content type, bytes).
pub fn load(conn: &mut DbConn, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    Ok(files::table
        .find(id)
        .select((files::filename, files::content_type, files::data))
        .first(conn)?)
}

/// A stored file as a response: its own content type, shown inline (or offered as a download),
/// never cached.
pub fn respond(filename: &str, mime: &str, data: Vec<u8>, download: bool) -> HttpResponse {
    let ascii_name: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c))
        .collect();
    let name = if ascii_name.is_empty() {
        "file".to_string()
    } else {
        ascii_name
    };
    HttpResponse::Ok()
        .content_type(mime.to_string())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "{}; filename=\"{name}\"",
                if download { "attachment" } else { "inline" }
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(data)
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/files/{id}", web::get().to(download));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_decided_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some(Kind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(check_upload(b"", 10, &[Kind::Pdf]), Err("err.file_missing"));
        assert_eq!(
            check_upload(b"%PDF-1.7 long", 5, &[Kind::Pdf]),
            Err("err.file_too_large")
        );
        assert_eq!(
            check_upload(b"\x89PNG\r\n\x1a\n", 100, &[Kind::Pdf]),
            Err("err.file_type")
        );
    }
}

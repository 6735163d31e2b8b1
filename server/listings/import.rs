//! Bulk import of achievements from a CSV or XLSX file. Every row is checked first; a file with any bad
//! row imports nothing and returns a report per row and column; a good file is imported whole in one
//! transaction.

use actix_multipart::form::{bytes::Bytes as UploadBytes, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use super::achievement::{self, AchievementInput, IpInput, ValidAchievement};
use super::{record_event, Achievement, Kind, ListingKind, Text, PRICING_METHODS, TRANSFER_MODES};
use crate::db::{self, now};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::schema::listing_imports;
use crate::state::AppState;
use crate::tables;
use crate::web::{redirect, render_status, Ctx};

/// The columns of the template: (field, Chinese header, English header).
pub const COLUMNS: &[(&str, &str, &str)] = &[
    ("title", "成果名称", "title"),
    ("summary", "成果简介", "summary"),
    ("detail", "详细说明（保密）", "detail (confidential)"),
    ("contact", "联系方式（保密）", "contact (confidential)"),
    ("field_code", "技术领域代码", "field code"),
    ("keywords", "关键词", "keywords"),
    ("trl", "技术成熟度(1-9)", "readiness level (1-9)"),
    ("transfer_modes", "转化方式", "transfer modes"),
    ("pricing_method", "定价方式", "pricing method"),
    ("price", "价格（元，可写万）", "price (yuan)"),
    ("negotiable", "面议(是/否)", "negotiable (yes/no)"),
    ("notice_from", "公示开始日期", "notice from"),
    ("notice_to", "公示结束日期", "notice to"),
    ("ip", "知识产权（类型:号码:状态；…）", "IP (kind:number:status; …)"),
];

fn column_of(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}');
    COLUMNS
        .iter()
        .find(|(code, zh, en)| h == *code || h == *zh || h.eq_ignore_ascii_case(en))
        .map(|(code, _, _)| *code)
}

/// Accepts a code or its Chinese or English name ("licence", "许可", "Licence").
fn choice(value: &str, codes: &[&str], prefix: &str) -> String {
    let v = value.trim();
    for code in codes {
        let key = format!("{prefix}.{code}");
        let zh = i18n::t(Lang::Zh, &key);
        // "转让" stands for "技术转让", "咨询" for "技术咨询".
        if v == *code
            || v == zh
            || zh.strip_prefix("技术") == Some(v)
            || v.eq_ignore_ascii_case(i18n::t(Lang::En, &key))
        {
            return code.to_string();
        }
    }
    v.to_string()
}

fn yes(v: &str) -> bool {
    matches!(
        v.trim().to_lowercase().as_str(),
        "是" | "yes" | "y" | "true" | "1" | "面议"
    )
}

fn ip_items(v: &str) -> Vec<IpInput> {
    v.split(['；', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let parts: Vec<&str> = item.split([':', '：']).map(str::trim).collect();
            IpInput {
                kind: choice(
                    parts.first().copied().unwrap_or(""),
                    &crate::patents::IpKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>(),
                    "ip",
                ),
                number: parts.get(1).copied().unwrap_or("").to_string(),
                status: choice(
                    parts.get(2).copied().unwrap_or(""),
                    &crate::patents::IpStatus::ALL
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>(),
                    "ipstatus",
                ),
            }
        })
        .collect()
}

/// Turns one row into the form input the achievement form itself validates.
fn row_input(map: &[Option<&'static str>], row: &[String]) -> AchievementInput {
    let get = |name: &str| -> String {
        map.iter()
            .position(|m| *m == Some(name))
            .and_then(|i| row.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    AchievementInput {
        text: Text::new(
            &get("title"),
            &get("summary"),
            &get("detail"),
            &get("contact"),
            &get("field_code"),
            &get("keywords"),
        ),
        trl: get("trl"),
        transfer_modes: get("transfer_modes")
            .split(['、', ',', '，', ';', '；', '/'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|m| choice(m, TRANSFER_MODES, "mode"))
            .collect(),
        pricing_method: choice(&get("pricing_method"), PRICING_METHODS, "method"),
        price: get("price"),
        negotiable: yes(&get("negotiable")),
        notice_from: get("notice_from"),
        notice_to: get("notice_to"),
        ip: ip_items(&get("ip")),
    }
}

#[derive(Debug, Clone)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// Checks a whole table: either every row is valid, or the list of what is wrong where.
pub fn check_table(c: &Ctx, table: &tables::Table) -> Result<Vec<ValidAchievement>, Vec<RowError>> {
    let map: Vec<Option<&'static str>> = table.headers.iter().map(|h| column_of(h)).collect();
    let mut errors = Vec::new();
    for (code, zh, en) in COLUMNS {
        if matches!(
            *code,
            "title" | "summary" | "contact" | "field_code" | "trl" | "transfer_modes" | "pricing_method"
        ) && !map.contains(&Some(*code))
        {
            errors.push(RowError {
                row: 1,
                column: if c.is_en() { en.to_string() } else { zh.to_string() },
                message: c.t("import.column_missing").to_string(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let header_of = |field: &str| -> String {
        let base = field.strip_prefix("ip_").map(|_| "ip").unwrap_or(field);
        COLUMNS
            .iter()
            .find(|(code, _, _)| *code == base)
            .map(|(_, zh, en)| if c.is_en() { en.to_string() } else { zh.to_string() })
            .unwrap_or_else(|| field.to_string())
    };
    let mut valid = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let line = table.row_numbers.get(i).copied().unwrap_or(i + 2);
        match achievement::validate(&row_input(&map, row)) {
            Ok(v) => valid.push(v),
            Err(problems) => {
                // In the order of the form's fields, as the form shows them.
                for (field, message) in c.errors(&problems).0 {
                    errors.push(RowError {
                        row: line,
                        column: header_of(&field),
                        message,
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(errors)
    }
}

#[derive(Template)]
#[template(path = "listings/import.html")]
struct ImportPage<'a> {
    c: &'a Ctx,
    errors: Vec<RowError>,
    file_error: String,
    rows_checked: usize,
    max_mb: usize,
    columns: &'static [(&'static str, &'static str, &'static str)],
    /// Whether the organization may import at all (verified); otherwise the page says why.
    may_import: bool,
}

pub async fn form(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = c.user()?;
    if !Achievement::may_create(user) {
        return Err(AppError::refused("err.institutions_only"));
    }
    // Until the organization is verified the page explains the import and says what to do first,
    // without a form that would be refused.
    let may_import = user.org_verified();
    render_status(
        &ImportPage {
            c: &c,
            errors: Vec::new(),
            file_error: if may_import {
                String::new()
            } else {
                c.t("import.needs_verification").to_string()
            },
            rows_checked: 0,
            max_mb: state.config.max_upload_bytes / (1024 * 1024),
            columns: COLUMNS,
            may_import,
        },
        if may_import {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        },
    )
}

/// Records the start of an import unless the organization has started `per_hour` in the last hour;
/// then returns when the oldest of those leaves the hour. Counted in the database, so the limit
/// holds across server processes.
fn start_import(conn: &mut db::DbConn, org_id: i64, user_id: i64, per_hour: i64) -> AppResult<Result<(), i64>> {
    db::write_tx(conn, |conn| {
        let t = now();
        let since = t - 3600;
        let latest: Vec<i64> = listing_imports::table
            .filter(listing_imports::org_id.eq(org_id))
            .filter(listing_imports::started_at.gt(since))
            .order(listing_imports::started_at.desc())
            .limit(per_hour)
            .select(listing_imports::started_at)
            .load(conn)?;
        if let Some(retry_at) = crate::limits::retry_at(&latest, per_hour, 3600) {
            return Ok(Err(retry_at));
        }
        diesel::insert_into(listing_imports::table)
            .values((
                listing_imports::org_id.eq(org_id),
                listing_imports::user_id.eq(user_id),
                listing_imports::started_at.eq(t),
            ))
            .execute(conn)?;
        Ok(Ok(()))
    })
}

/// What parsing and checking an upload came to.
enum Parsed {
    Unreadable(tables::TableError),
    NoRows,
    Wrong(Vec<RowError>, usize),
    Good(Vec<ValidAchievement>),
}

/// The CSV template: the column headers, in Chinese or English with the page.
pub async fn template(c: Ctx) -> AppResult<HttpResponse> {
    let headers: Vec<&str> = COLUMNS
        .iter()
        .map(|(_, zh, en)| if c.is_en() { *en } else { *zh })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"achievements-template.csv\"",
        ))
        .body(tables::write_csv(&headers, &[])))
}

#[derive(MultipartForm)]
pub struct Upload {
    pub file: Option<UploadBytes>,
}

pub async fn upload(c: Ctx, state: web::Data<AppState>, form: MultipartForm<Upload>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    if !Achievement::may_create(&user) {
        return Err(AppError::refused("err.institutions_only"));
    }
    let max_mb = state.config.max_upload_bytes / (1024 * 1024);
    if !user.org_verified() {
        return Err(AppError::refused("import.needs_verification"));
    }
    // The form again, with what is wrong with the file or its rows.
    let fail = |file_error: String, errors: Vec<RowError>, rows_checked: usize| {
        render_status(
            &ImportPage {
                c: &c,
                errors,
                file_error,
                rows_checked,
                max_mb,
                columns: COLUMNS,
                may_import: true,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Some(file) = form.into_inner().file else {
        return fail(c.t("err.file_missing").to_string(), Vec::new(), 0);
    };
    let per_hour = state.config.imports_per_hour;
    let (org_id, user_id) = (user.org_id, user.id);
    let started = db::run(&state.pool, move |conn| start_import(conn, org_id, user_id, per_hour)).await?;
    if let Err(retry_at) = started {
        return Err(AppError::TooManyRequests(
            c.tf(
                "import.too_many",
                &[&per_hour.to_string(), &crate::web::fmt_ts(retry_at)],
            )
            .into(),
        ));
    }
    let name = file.file_name.clone().unwrap_or_default();
    let data = file.data;
    let ctx = c.clone();
    let parsed = state
        .imports
        .run(move || {
            let table = match tables::read_table(&data, &name) {
                Ok(t) => t,
                Err(e) => return Parsed::Unreadable(e),
            };
            if table.rows.is_empty() {
                return Parsed::NoRows;
            }
            let checked = table.rows.len();
            match check_table(&ctx, &table) {
                Ok(v) => Parsed::Good(v),
                Err(errors) => Parsed::Wrong(errors, checked),
            }
        })
        .await?;
    let valid = match parsed {
        Parsed::Unreadable(e) => return fail(if c.is_en() { e.message_en() } else { e.message_zh() }, Vec::new(), 0),
        Parsed::NoRows => return fail(c.t("import.no_rows").to_string(), Vec::new(), 0),
        Parsed::Wrong(errors, checked) => return fail(String::new(), errors, checked),
        Parsed::Good(v) => v,
    };
    let n = valid.len();
    db::tx(&state.pool, move |conn| {
        for v in &valid {
            let id = super::save(conn, &user, None, &v.content())?;
            record_event(conn, Kind::Achievement, id, user.id, "imported", None)?;
        }
        Ok(())
    })
    .await?;
    Ok(redirect(&format!("/my/listings?notice=imported&count={n}")))
}

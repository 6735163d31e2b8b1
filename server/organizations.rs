//! Organizations: members and invitations, verification by an officer of the region (business
//! licence or broker certificate), and the status flags rewards depend on.

use actix_multipart::form::{bytes::Bytes as UploadBytes, text::Text, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::role_for_kind;
use crate::audit;
use crate::auth::{self, SessionUser};
use crate::db::{self, now, DbConn};
use crate::error::{AppError, AppResult};
use crate::files::{self, Kind};
use crate::forms::DecisionForm;
use crate::i18n::{self, Lang};
use crate::mail;
use crate::regions;
use crate::schema::{org_flags, organizations, user_tokens, users};
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

pub const FLAGS: &[&str] = &["sme", "tech_sme", "high_tech"];

crate::text_enum! {
    /// Where a declared flag stands: awaiting an officer's check, confirmed (rewards count it), or
    /// rejected with a note.
    pub enum FlagStatus {
        Declared = "declared",
        Confirmed = "confirmed",
        Rejected = "rejected",
    }
}

#[derive(Queryable, Debug, Clone)]
pub struct Org {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub region_code: String,
    pub broker_certificate: Option<String>,
    pub verification: String,
    pub licence_file_id: Option<i64>,
    pub verification_note: Option<String>,
    pub verified_at: Option<i64>,
    pub created_at: i64,
}

impl Org {
    pub fn kind_key(&self) -> String {
        format!("kind.{}", self.kind)
    }
    pub fn status_key(&self) -> String {
        format!("verification.{}", self.verification)
    }
    pub fn region_name(&self) -> String {
        regions::full_name(&self.region_code).unwrap_or_else(|| self.region_code.clone())
    }
    pub fn is_broker(&self) -> bool {
        self.kind == "broker"
    }
}

type OrgCols = (
    organizations::id,
    organizations::kind,
    organizations::name,
    organizations::credit_code,
    organizations::region_code,
    organizations::broker_certificate,
    organizations::verification,
    organizations::licence_file_id,
    organizations::verification_note,
    organizations::verified_at,
    organizations::created_at,
);

const ORG_COLS: OrgCols = (
    organizations::id,
    organizations::kind,
    organizations::name,
    organizations::credit_code,
    organizations::region_code,
    organizations::broker_certificate,
    organizations::verification,
    organizations::licence_file_id,
    organizations::verification_note,
    organizations::verified_at,
    organizations::created_at,
);

/// Whether an office of this market oversees the region (an officer whose region contains it).
/// A party from a region without one (an out-of-province university, say) cannot be verified
/// here; the office registering its contract checks it instead.
pub fn region_has_office(conn: &mut DbConn, region: &str) -> AppResult<bool> {
    Ok(Offices::load(conn)?.oversee(region))
}

/// The regions the offices of this market oversee, loaded once for a page that asks about many
/// regions (the officers' queue).
pub struct Offices(Vec<String>);

impl Offices {
    pub fn load(conn: &mut DbConn) -> AppResult<Offices> {
        let regions: Vec<Option<String>> = users::table
            .filter(users::role.eq("officer"))
            .select(users::officer_region)
            .distinct()
            .load(conn)?;
        Ok(Offices(regions.into_iter().flatten().collect()))
    }

    /// Whether an office oversees the region.
    pub fn oversee(&self, region: &str) -> bool {
        self.0.iter().any(|office| regions::contains(office, region))
    }
}

pub fn load_org(conn: &mut DbConn, id: i64) -> AppResult<Org> {
    Ok(organizations::table.find(id).select(ORG_COLS).first(conn)?)
}

#[derive(Queryable, Debug, Clone)]
pub struct Flag {
    pub id: i64,
    pub org_id: i64,
    pub flag: String,
    pub certificate_no: String,
    pub valid_from: String,
    pub valid_to: String,
    pub file_id: Option<i64>,
    pub status: FlagStatus,
    pub note: Option<String>,
}

impl Flag {
    pub fn flag_key(&self) -> String {
        format!("flag.{}", self.flag)
    }
    pub fn status_key(&self) -> String {
        format!("flagstatus.{}", self.status)
    }
}

fn load_flags(conn: &mut DbConn, org_id: i64) -> AppResult<Vec<Flag>> {
    Ok(org_flags::table
        .filter(org_flags::org_id.eq(org_id))
        .order(org_flags::id.desc())
        .select((
            org_flags::id,
            org_flags::org_id,
            org_flags::flag,
            org_flags::certificate_no,
            org_flags::valid_from,
            org_flags::valid_to,
            org_flags::file_id,
            org_flags::status,
            org_flags::note,
        ))
        .load(conn)?)
}

/// Mails every administrator of an organization (in each one's language).
fn notify_admins(
    conn: &mut DbConn,
    org_id: i64,
    subject_key: &str,
    body_key: &str,
    args: &[&str],
    link: &str,
) -> AppResult<()> {
    let admins: Vec<(i64, String, Option<String>)> = users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::is_admin.eq(true))
        .select((users::id, users::email, users::lang))
        .load(conn)?;
    for (uid, email, lang) in admins {
        let lang = lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Zh);
        mail::enqueue(
            conn,
            Some(uid),
            &email,
            i18n::t(lang, subject_key),
            &i18n::tf(lang, body_key, args),
            Some(link),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------- members and invitations

#[derive(Queryable, Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub email_verified_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Template)]
#[template(path = "org/members.html")]
struct MembersPage<'a> {
    c: &'a Ctx,
    members: Vec<Member>,
    pending: Vec<(String, i64)>,
    invite_email: String,
    errors: FieldErrors,
}

/// Pending invitations: (e-mail, expiry).
type Pending = Vec<(String, i64)>;

fn load_members(conn: &mut DbConn, org_id: i64) -> AppResult<(Vec<Member>, Pending)> {
    let members = users::table
        .filter(users::org_id.eq(org_id))
        .order(users::id)
        .select((
            users::id,
            users::name,
            users::email,
            users::is_admin,
            users::email_verified_at,
            users::created_at,
        ))
        .load(conn)?;
    let pending = user_tokens::table
        .filter(user_tokens::org_id.eq(org_id))
        .filter(user_tokens::purpose.eq(auth::TOKEN_INVITATION))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now()))
        .select((user_tokens::email, user_tokens::expires_at))
        .load(conn)?;
    Ok((members, pending))
}

pub async fn members(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let org_id = c.user()?.org_id;
    let (members, pending) = db::run(&state.pool, move |conn| load_members(conn, org_id)).await?;
    render(&MembersPage {
        c: &c,
        members,
        pending,
        invite_email: String::new(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct InviteForm {
    pub email: String,
}

pub async fn invite(c: Ctx, state: web::Data<AppState>, form: web::Form<InviteForm>) -> AppResult<HttpResponse> {
    let admin = c.admin()?.clone();
    if admin.org_kind == "broker" {
        return Err(AppError::refused("err.brokers_no_members"));
    }
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    let email = auth::normalize_email(&f.email);
    if email.is_none() {
        errors.add("email", c.tf("err.email_invalid", &[f.email.trim()]));
    }
    let st = state.clone();
    let lang = c.lang;
    let msg_taken = c.t("err.email_taken").to_string();
    let result = db::tx(&state.pool, move |conn| {
        if let Some(email) = &email {
            if crate::accounts::email_exists(conn, email)? {
                errors.add("email", msg_taken);
            }
        }
        if errors.any() {
            return Ok(Err(errors));
        }
        let email = email.unwrap_or_default();
        let token = auth::issue_token(
            conn,
            auth::TOKEN_INVITATION,
            None,
            Some(admin.org_id),
            &email,
            7 * 86400,
        )?;
        let link = format!("{}/invitations/accept?token={token}", st.config.base_url);
        mail::enqueue(
            conn,
            None,
            &email,
            &i18n::tf(lang, "mail.invite.subject", &[&admin.org_name]),
            &i18n::tf(lang, "mail.invite.body", &[&admin.name, &admin.org_name, &link]),
            None,
        )?;
        Ok(Ok(()))
    })
    .await?;
    match result {
        Ok(()) => Ok(redirect("/org/members?notice=invited")),
        Err(errors) => {
            let org_id = c.user()?.org_id;
            let (members, pending) = db::run(&state.pool, move |conn| load_members(conn, org_id)).await?;
            render_status(
                &MembersPage {
                    c: &c,
                    members,
                    pending,
                    invite_email: f.email,
                    errors,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "org/accept_invitation.html")]
struct AcceptPage<'a> {
    c: &'a Ctx,
    token: String,
    org_name: String,
    email: String,
    name: String,
    valid: bool,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct AcceptForm {
    pub token: String,
    pub name: String,
    pub password: String,
    pub password2: String,
}

fn invitation(conn: &mut DbConn, token: &str) -> AppResult<Option<(auth::TokenRow, Org)>> {
    let Some(row) = auth::find_token(conn, auth::TOKEN_INVITATION, token)? else {
        return Ok(None);
    };
    let Some(org_id) = row.org_id else { return Ok(None) };
    let org = load_org(conn, org_id)?;
    Ok(Some((row, org)))
}

pub async fn accept_form(
    c: Ctx,
    state: web::Data<AppState>,
    q: web::Query<crate::accounts::TokenQuery>,
) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let found = db::run(&state.pool, move |conn| invitation(conn, &t2)).await?;
    let (valid, org_name, email) = match found {
        Some((row, org)) => (true, org.name, row.email),
        None => (false, String::new(), String::new()),
    };
    render(&AcceptPage {
        c: &c,
        token,
        org_name,
        email,
        name: String::new(),
        valid,
        errors: FieldErrors::new(),
    })
}

pub async fn accept(c: Ctx, state: web::Data<AppState>, form: web::Form<AcceptForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let mut errors = FieldErrors::new();
    let name = f.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", c.t("err.required"));
    } else if name.chars().count() > 50 {
        errors.add("name", c.tf("err.too_long", &[c.t("field.name"), "50"]));
    }
    if let Some(k) = auth::password_problem(&f.password, &[&name]) {
        errors.add("password", c.t(k));
    } else if f.password != f.password2 {
        errors.add("password2", c.t("err.password_mismatch"));
    }
    let hash = if errors.any() {
        String::new()
    } else {
        auth::hash_password(&f.password)?
    };
    let token = f.token.clone();
    let lang = c.lang;
    let msg_taken = c.t("err.email_taken").to_string();
    let outcome = db::tx(&state.pool, move |conn| {
        let Some((row, org)) = invitation(conn, &token)? else {
            return Ok(Err(None));
        };
        if errors.any() {
            return Ok(Err(Some((errors, org.name, row.email))));
        }
        if crate::accounts::email_exists(conn, &row.email)? {
            errors.add("name", msg_taken);
            return Ok(Err(Some((errors, org.name, row.email))));
        }
        if !auth::consume_token(conn, &row.token_hash)? {
            return Ok(Err(None));
        }
        let t = now();
        let uid: i64 = diesel::insert_into(users::table)
            .values((
                users::org_id.eq(org.id),
                users::email.eq(&row.email),
                users::name.eq(&name),
                users::password_hash.eq(&hash),
                users::role.eq(role_for_kind(&org.kind).as_str()),
                users::is_admin.eq(false),
                // The invitation reached this address, which verifies it.
                users::email_verified_at.eq(Some(t)),
                users::lang.eq(lang.code()),
                users::created_at.eq(t),
            ))
            .returning(users::id)
            .get_result(conn)?;
        Ok(Ok(auth::create_session(conn, uid)?))
    })
    .await?;
    match outcome {
        Ok(token) => {
            let mut resp = redirect("/account?notice=joined");
            let _ = resp.add_cookie(&crate::web::make_cookie(
                crate::web::SESSION_COOKIE,
                token,
                state.config.cookie_secure,
                auth::SESSION_DAYS,
            ));
            Ok(resp)
        }
        Err(None) => render_status(
            &AcceptPage {
                c: &c,
                token: String::new(),
                org_name: String::new(),
                email: String::new(),
                name: f.name,
                valid: false,
                errors: FieldErrors::new(),
            },
            StatusCode::BAD_REQUEST,
        ),
        Err(Some((errors, org_name, email))) => render_status(
            &AcceptPage {
                c: &c,
                token: f.token,
                org_name,
                email,
                name: f.name,
                valid: true,
                errors,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

// ---------------------------------------------------------------- verification (the organization's side)

#[derive(Template)]
#[template(path = "org/verification.html")]
struct VerificationPage<'a> {
    c: &'a Ctx,
    org: Org,
    flags: Vec<Flag>,
    flag_kinds: &'static [&'static str],
    errors: FieldErrors,
    flag_form: FlagFields,
    max_mb: usize,
}

#[derive(Default, Debug, Clone)]
pub struct FlagFields {
    pub flag: String,
    pub certificate_no: String,
    pub valid_from: String,
    pub valid_to: String,
}

async fn verification_page(
    c: &Ctx,
    state: &AppState,
    errors: FieldErrors,
    flag_form: FlagFields,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let org_id = c.user()?.org_id;
    let (org, flags) = db::run(&state.pool, move |conn| {
        Ok((load_org(conn, org_id)?, load_flags(conn, org_id)?))
    })
    .await?;
    render_status(
        &VerificationPage {
            c,
            org,
            flags,
            flag_kinds: FLAGS,
            errors,
            flag_form,
            max_mb: state.config.max_upload_bytes / (1024 * 1024),
        },
        status,
    )
}

pub async fn verification(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    verification_page(&c, &state, FieldErrors::new(), FlagFields::default(), StatusCode::OK).await
}

#[derive(MultipartForm)]
pub struct LicenceUpload {
    pub licence: Option<UploadBytes>,
}

pub async fn upload_licence(
    c: Ctx,
    state: web::Data<AppState>,
    form: MultipartForm<LicenceUpload>,
) -> AppResult<HttpResponse> {
    let user = c.admin()?.clone();
    let form = form.into_inner();
    let max = state.config.max_upload_bytes;
    let (data, name) = match &form.licence {
        Some(b) => (b.data.to_vec(), b.file_name.clone().unwrap_or_default()),
        None => (Vec::new(), String::new()),
    };
    let kind = match files::check_upload(&data, max, &[Kind::Pdf, Kind::Png, Kind::Jpeg]) {
        Ok(k) => k,
        Err(key) => {
            let mut errors = FieldErrors::new();
            errors.add("licence", c.tf(key, &[&(max / (1024 * 1024)).to_string()]));
            return verification_page(
                &c,
                &state,
                errors,
                FlagFields::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let verified_msg = c.t("err.already_verified").to_string();
    db::tx(&state.pool, move |conn| {
        let org = load_org(conn, user.org_id)?;
        if org.verification == "verified" {
            return Err(AppError::BadRequest(verified_msg.into()));
        }
        let file_id = files::store(conn, Some(user.org_id), Some(user.id), "licence", &name, kind, &data)?;
        diesel::update(organizations::table.find(user.org_id))
            .set((
                organizations::licence_file_id.eq(Some(file_id)),
                organizations::verification.eq("pending"),
                organizations::verification_note.eq(None::<String>),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(redirect("/org/verification?notice=licence_uploaded"))
}

#[derive(MultipartForm)]
pub struct FlagUpload {
    pub flag: Text<String>,
    pub certificate_no: Text<String>,
    pub valid_from: Text<String>,
    pub valid_to: Text<String>,
    pub certificate: Option<UploadBytes>,
}

fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

pub async fn declare_flag(
    c: Ctx,
    state: web::Data<AppState>,
    form: MultipartForm<FlagUpload>,
) -> AppResult<HttpResponse> {
    let user = c.admin()?.clone();
    let form = form.into_inner();
    let fields = FlagFields {
        flag: form.flag.into_inner(),
        certificate_no: form.certificate_no.into_inner().trim().to_string(),
        valid_from: form.valid_from.into_inner().trim().to_string(),
        valid_to: form.valid_to.into_inner().trim().to_string(),
    };
    let mut errors = FieldErrors::new();
    if !FLAGS.contains(&fields.flag.as_str()) {
        errors.add("flag", c.t("err.choose_flag"));
    }
    let n = fields.certificate_no.chars().count();
    if n == 0 {
        errors.add("certificate_no", c.t("err.required"));
    } else if n > 60 {
        errors.add(
            "certificate_no",
            c.tf("err.too_long", &[c.t("field.certificate_no"), "60"]),
        );
    }
    let from = parse_date(&fields.valid_from);
    let to = parse_date(&fields.valid_to);
    if from.is_none() {
        errors.add("valid_from", c.tf("err.date_invalid", &[&fields.valid_from]));
    }
    if to.is_none() {
        errors.add("valid_to", c.tf("err.date_invalid", &[&fields.valid_to]));
    }
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.add("valid_to", c.t("err.date_order"));
        }
    }
    let max = state.config.max_upload_bytes;
    let (data, name) = match &form.certificate {
        Some(b) => (b.data.to_vec(), b.file_name.clone().unwrap_or_default()),
        None => (Vec::new(), String::new()),
    };
    let kind = match files::check_upload(&data, max, &[Kind::Pdf, Kind::Png, Kind::Jpeg]) {
        Ok(k) => Some(k),
        Err(key) => {
            errors.add("certificate", c.tf(key, &[&(max / (1024 * 1024)).to_string()]));
            None
        }
    };
    if errors.any() {
        return verification_page(&c, &state, errors, fields, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let kind = kind.unwrap_or(Kind::Pdf);
    db::tx(&state.pool, move |conn| {
        let file_id = files::store(
            conn,
            Some(user.org_id),
            Some(user.id),
            "flag_certificate",
            &name,
            kind,
            &data,
        )?;
        diesel::insert_into(org_flags::table)
            .values((
                org_flags::org_id.eq(user.org_id),
                org_flags::flag.eq(&fields.flag),
                org_flags::certificate_no.eq(&fields.certificate_no),
                org_flags::valid_from.eq(&fields.valid_from),
                org_flags::valid_to.eq(&fields.valid_to),
                org_flags::file_id.eq(Some(file_id)),
                org_flags::status.eq(FlagStatus::Declared),
                org_flags::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(redirect("/org/verification?notice=flag_declared"))
}

// ---------------------------------------------------------------- verification (the officer's side)

#[derive(Template)]
#[template(path = "officer/organizations.html")]
struct QueuePage<'a> {
    c: &'a Ctx,
    status: String,
    orgs: Vec<Org>,
    flags_waiting: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    pub status: String,
}

pub async fn queue(c: Ctx, state: web::Data<AppState>, q: web::Query<QueueQuery>) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let status = match q.status.as_str() {
        "unverified" | "verified" | "rejected" | "pending" => q.status.clone(),
        _ => "pending".to_string(),
    };
    let pattern = regions::like_pattern(officer.officer_region.as_deref().unwrap_or("-"));
    let st = status.clone();
    let (orgs, flags_waiting) = db::run(&state.pool, move |conn| {
        let orgs = organizations::table
            .filter(organizations::region_code.like(&pattern))
            .filter(organizations::verification.eq(&st))
            .filter(organizations::kind.ne("government"))
            .order(organizations::id)
            .limit(500)
            .select(ORG_COLS)
            .load::<Org>(conn)?;
        let flags_waiting: i64 = org_flags::table
            .inner_join(organizations::table)
            .filter(organizations::region_code.like(&pattern))
            .filter(org_flags::status.eq(FlagStatus::Declared))
            .count()
            .get_result(conn)?;
        Ok((orgs, flags_waiting))
    })
    .await?;
    render(&QueuePage {
        c: &c,
        status,
        orgs,
        flags_waiting,
    })
}

#[derive(Template)]
#[template(path = "officer/organization.html")]
struct ReviewPage<'a> {
    c: &'a Ctx,
    org: Org,
    flags: Vec<Flag>,
    members: Vec<Member>,
    reason_error: String,
}

/// Loads an organization an officer may review: it must lie in the officer's region.
fn org_for_officer(conn: &mut DbConn, officer: &SessionUser, id: i64, msg: &str) -> AppResult<Org> {
    let org = load_org(conn, id)?;
    if !officer.oversees(&org.region_code) || org.kind == "government" {
        return Err(AppError::forbidden(msg));
    }
    Ok(org)
}

pub async fn review(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let id = path.into_inner();
    let msg = c.t("err.not_your_region").to_string();
    let (org, flags, members) = db::run(&state.pool, move |conn| {
        let org = org_for_officer(conn, &officer, id, &msg)?;
        let flags = load_flags(conn, id)?;
        let (members, _) = load_members(conn, id)?;
        Ok((org, flags, members))
    })
    .await?;
    render(&ReviewPage {
        c: &c,
        org,
        flags,
        members,
        reason_error: String::new(),
    })
}

pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let id = path.into_inner();
    let f = form.into_inner();
    let reason = f.reason.trim().to_string();
    let approve = match f.decision.as_str() {
        "verify" => true,
        "reject" => false,
        _ => return Err(AppError::bad_request(c.t("err.choose_decision"))),
    };
    if !approve && reason.is_empty() {
        let msg = c.t("err.not_your_region").to_string();
        let off = officer.clone();
        let (org, flags, members) = db::run(&state.pool, move |conn| {
            let org = org_for_officer(conn, &off, id, &msg)?;
            Ok((org, load_flags(conn, id)?, load_members(conn, id)?.0))
        })
        .await?;
        return render_status(
            &ReviewPage {
                c: &c,
                org,
                flags,
                members,
                reason_error: c.t("err.reason_required").to_string(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let msg = c.t("err.not_your_region").to_string();
    let no_licence = c.t("err.no_licence").to_string();
    db::tx(&state.pool, move |conn| {
        let org = org_for_officer(conn, &officer, id, &msg)?;
        if approve && org.licence_file_id.is_none() {
            return Err(AppError::BadRequest(no_licence.into()));
        }
        let t = now();
        diesel::update(organizations::table.find(id))
            .set((
                organizations::verification.eq(if approve { "verified" } else { "rejected" }),
                organizations::verification_note.eq(if approve { None } else { Some(reason.clone()) }),
                organizations::verified_at.eq(if approve { Some(t) } else { None }),
                organizations::verified_by.eq(Some(officer.id)),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &officer,
            if approve { "org_verified" } else { "org_rejected" },
            "organization",
            id,
            Some(&org.region_code),
            &if approve {
                org.name.clone()
            } else {
                format!("{}: {reason}", org.name)
            },
        )?;
        if approve {
            notify_admins(
                conn,
                id,
                "mail.verified.subject",
                "mail.verified.body",
                &[&org.name],
                "/org/verification",
            )
        } else {
            notify_admins(
                conn,
                id,
                "mail.rejected.subject",
                "mail.rejected.body",
                &[&org.name, &reason],
                "/org/verification",
            )
        }
    })
    .await?;
    Ok(redirect(&format!(
        "/officer/organizations/{id}?notice={}",
        if approve { "org_verified" } else { "org_rejected" }
    )))
}

pub async fn decide_flag(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let officer = c.officer()?.clone();
    let flag_id = path.into_inner();
    let f = form.into_inner();
    let reason = f.reason.trim().to_string();
    let approve = match f.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(AppError::bad_request(c.t("err.choose_decision"))),
    };
    if !approve && reason.is_empty() {
        return Err(AppError::bad_request(c.t("err.reason_required")));
    }
    let msg = c.t("err.not_your_region").to_string();
    let org_id = db::tx(&state.pool, move |conn| {
        let (org_id, flag): (i64, String) = org_flags::table
            .find(flag_id)
            .select((org_flags::org_id, org_flags::flag))
            .first(conn)?;
        let org = org_for_officer(conn, &officer, org_id, &msg)?;
        diesel::update(org_flags::table.find(flag_id))
            .set((
                org_flags::status.eq(if approve {
                    FlagStatus::Confirmed
                } else {
                    FlagStatus::Rejected
                }),
                org_flags::checked_by.eq(Some(officer.id)),
                org_flags::checked_at.eq(Some(now())),
                org_flags::note.eq(if approve { None } else { Some(reason.clone()) }),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &officer,
            if approve { "flag_confirmed" } else { "flag_rejected" },
            "org_flag",
            flag_id,
            Some(&org.region_code),
            &format!(
                "{} {flag}{}",
                org.name,
                if approve { String::new() } else { format!(": {reason}") }
            ),
        )?;
        Ok(org_id)
    })
    .await?;
    Ok(redirect(&format!(
        "/officer/organizations/{org_id}?notice=flag_checked"
    )))
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/org/members", web::get().to(members))
        .route("/org/invitations", web::post().to(invite))
        .route("/invitations/accept", web::get().to(accept_form))
        .route("/invitations/accept", web::post().to(accept))
        .route("/org/verification", web::get().to(verification))
        .route("/org/licence", web::post().to(upload_licence))
        .route("/org/flags", web::post().to(declare_flag))
        .route("/officer/organizations", web::get().to(queue))
        .route("/officer/organizations/{id}", web::get().to(review))
        .route("/officer/organizations/{id}/decision", web::post().to(decide))
        .route("/officer/flags/{id}/decision", web::post().to(decide_flag));
}

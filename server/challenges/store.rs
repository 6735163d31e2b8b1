//! Open challenges (揭榜挂帅): institutions submit proposals (approach, team, milestones, price)
//! to a published challenge before it closes; the enterprise that posted it shortlists, asks
//! questions, selects one or more proposals (each selection opens a deal room with the proposer)
//! and gives every proposal it does not select a reason. Proposals are seen by the challenge's
//! organization, the proposer and the officers of the challenge's region.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{Role, SessionUser};
use crate::db::{self, now, today, DbConn};
use crate::deals::{Action, DealStatus, Side};
use crate::error::{AppError, AppResult};
use crate::forms::DecisionForm;
use crate::forms::{money_field, text};
use crate::schema::{deal_events, deals, demands, organizations, proposal_questions, proposals, users};
use crate::state::AppState;
use crate::web::{redirect, render, render_status, Ctx, FieldErrors};

crate::text_enum! {
    /// Where a proposal stands: submitted, shortlisted by the challenge's organization, then
    /// selected (a deal room opens) or not selected (with a reason).
    pub enum ProposalStatus {
        Submitted = "submitted",
        Shortlisted = "shortlisted",
        Selected = "selected",
        NotSelected = "not_selected",
    }
}

/// The challenge a proposal answers, as the pages need it.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: i64,
    pub title: String,
    pub org_id: i64,
    pub created_by: i64,
    pub region: String,
    pub closes_on: Option<String>,
    pub bounty_fen: Option<i64>,
    pub published: bool,
}

impl Challenge {
    /// Taking proposals: published and not past its closing date. Proposals already sent stay
    /// readable and decidable after the need is closed.
    pub fn open(&self) -> bool {
        self.published
            && self
                .closes_on
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| d >= today())
    }
}

fn challenge(conn: &mut DbConn, id: i64) -> AppResult<Challenge> {
    let row: (i64, String, i64, i64, String, Option<String>, Option<i64>, String) = demands::table
        .find(id)
        .filter(demands::is_challenge.eq(true))
        .select((
            demands::id,
            demands::title,
            demands::org_id,
            demands::created_by,
            demands::region_code,
            demands::challenge_closes_on,
            demands::bounty_fen,
            demands::status,
        ))
        .first(conn)?;
    Ok(Challenge {
        id: row.0,
        title: row.1,
        org_id: row.2,
        created_by: row.3,
        region: row.4,
        closes_on: row.5,
        bounty_fen: row.6,
        published: row.7 == "published",
    })
}

fn may_propose(u: &SessionUser) -> bool {
    u.role == Role::Institution
}

/// What the need's page shows about its challenge.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub shown: bool,
    pub owner: bool,
    pub open: bool,
    pub count: i64,
    pub may_propose: bool,
    /// The viewer's organization's proposal, when it sent one.
    pub mine: Option<i64>,
}

impl Panel {
    pub fn load(conn: &mut DbConn, demand: i64, user: Option<&SessionUser>) -> AppResult<Panel> {
        let Ok(ch) = challenge(conn, demand) else {
            return Ok(Panel::default());
        };
        let count: i64 = proposals::table
            .filter(proposals::demand_id.eq(demand))
            .count()
            .get_result(conn)?;
        let owner = user.is_some_and(|u| u.org_id == ch.org_id || u.oversees(&ch.region));
        let mine = match user {
            Some(u) => proposals::table
                .filter(proposals::demand_id.eq(demand))
                .filter(proposals::org_id.eq(u.org_id))
                .select(proposals::id)
                .first(conn)
                .optional()?,
            None => None,
        };
        Ok(Panel {
            shown: true,
            owner,
            open: ch.open(),
            count,
            may_propose: user.is_some_and(|u| may_propose(u) && u.org_id != ch.org_id) && mine.is_none() && ch.open(),
            mine,
        })
    }
}

// ---- submitting --------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    pub title: String,
    pub approach: String,
    pub team: String,
    pub milestones: String,
    pub price: String,
}

#[derive(Template)]
#[template(path = "challenges/new.html")]
struct NewPage<'a> {
    c: &'a Ctx,
    ch: Challenge,
    f: ProposalInput,
    errors: FieldErrors,
}

impl NewPage<'_> {
    fn bounty(&self) -> String {
        self.ch
            .bounty_fen
            .map(|b| crate::money::format_human(b, self.c.is_en()))
            .unwrap_or_default()
    }
}

fn proposer(c: &Ctx) -> AppResult<SessionUser> {
    let u = c.user()?;
    if !may_propose(u) {
        return Err(AppError::refused("err.proposers_only"));
    }
    if !u.org_verified() {
        return Err(AppError::refused("err.needs_verification"));
    }
    Ok(u.clone())
}

pub async fn new_form(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    proposer(&c)?;
    let id = path.into_inner();
    let ch = db::run(&state.pool, move |conn| challenge(conn, id)).await?;
    if !ch.published {
        return Err(AppError::NotFound);
    }
    render(&NewPage {
        c: &c,
        ch,
        f: ProposalInput::default(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct ProposalForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub approach: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub milestones: String,
    #[serde(default)]
    pub price: String,
}

fn mail(conn: &mut DbConn, base: &str, user: i64, what: &str, args: &[&str], link: &str) -> AppResult<()> {
    let url = format!("{base}{link}");
    let mut all: Vec<&str> = args.to_vec();
    all.push(&url);
    crate::mail::enqueue_for_user(conn, user, &format!("mail.proposal_{what}"), &all, link)
}

pub async fn submit(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ProposalForm>,
) -> AppResult<HttpResponse> {
    let user = proposer(&c)?;
    let id = path.into_inner();
    let f = ProposalInput {
        title: form.title.trim().to_string(),
        approach: form.approach.trim().to_string(),
        team: form.team.trim().to_string(),
        milestones: form.milestones.trim().to_string(),
        price: form.price.trim().to_string(),
    };
    let ch = db::run(&state.pool, move |conn| challenge(conn, id)).await?;
    let mut errors = FieldErrors::new();
    if !ch.open() {
        errors.add(
            "title",
            c.tf("err.challenge_closed", &[ch.closes_on.as_deref().unwrap_or("")]),
        );
    }
    if ch.org_id == user.org_id {
        errors.add("title", c.t("err.proposal_own"));
    }
    text(&mut errors, &c, "title", &f.title, 4, 100);
    text(&mut errors, &c, "approach", &f.approach, 20, 5000);
    text(&mut errors, &c, "team", &f.team, 5, 2000);
    text(&mut errors, &c, "milestones", &f.milestones, 10, 3000);
    let price = money_field(&mut errors, &c, "price", &f.price);
    if f.price.is_empty() {
        errors.add("price", c.t("err.required"));
    }
    if price.is_some_and(|p| !(0..=crate::deals::MAX_OFFER_FEN).contains(&p)) {
        errors.add("price", c.t("err.offer_too_large"));
    }
    if errors.any() {
        return render_status(&NewPage { c: &c, ch, f, errors }, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let price = price.unwrap_or_default();
    let (twice, closed) = (
        c.t("err.proposal_twice").to_string(),
        c.t("err.challenge_closed").to_string(),
    );
    let base = state.config.base_url.clone();
    let pid = db::tx(&state.pool, move |conn| {
        let ch = challenge(conn, id)?;
        if !ch.open() {
            return Err(AppError::BadRequest(closed.into()));
        }
        let existing: i64 = proposals::table
            .filter(proposals::demand_id.eq(id))
            .filter(proposals::org_id.eq(user.org_id))
            .count()
            .get_result(conn)?;
        if existing > 0 {
            return Err(AppError::BadRequest(twice.into()));
        }
        let t = now();
        let pid: i64 = diesel::insert_into(proposals::table)
            .values((
                proposals::demand_id.eq(id),
                proposals::org_id.eq(user.org_id),
                proposals::user_id.eq(user.id),
                proposals::title.eq(&f.title),
                proposals::approach.eq(&f.approach),
                proposals::team.eq(&f.team),
                proposals::milestones.eq(&f.milestones),
                proposals::price_fen.eq(price),
                proposals::status.eq(ProposalStatus::Submitted),
                proposals::created_at.eq(t),
                proposals::updated_at.eq(t),
            ))
            .returning(proposals::id)
            .get_result(conn)?;
        mail(
            conn,
            &base,
            ch.created_by,
            "submitted",
            &[&ch.title, &user.org_name],
            &format!("/proposals/{pid}"),
        )?;
        Ok(pid)
    })
    .await?;
    Ok(redirect(&format!("/proposals/{pid}?notice=proposal_sent")))
}

// ---- reading and deciding ----------------------------------------------------------------------

#[derive(Queryable, Debug, Clone)]
pub struct Proposal {
    pub id: i64,
    pub demand_id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub title: String,
    pub approach: String,
    pub team: String,
    pub milestones: String,
    pub price_fen: i64,
    pub status: ProposalStatus,
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Proposal {
    pub fn status_key(&self) -> String {
        format!("proposal.status.{}", self.status)
    }
    pub fn undecided(&self) -> bool {
        matches!(self.status, ProposalStatus::Submitted | ProposalStatus::Shortlisted)
    }
}

/// Who is looking at a proposal.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Viewer {
    Owner,
    Proposer,
    Officer,
}

fn visible(conn: &mut DbConn, user: &SessionUser, id: i64) -> AppResult<(Proposal, Challenge, Viewer)> {
    let p: Proposal = proposals::table.find(id).first(conn)?;
    let ch = challenge(conn, p.demand_id)?;
    let viewer = if user.org_id == ch.org_id {
        Viewer::Owner
    } else if user.org_id == p.org_id {
        Viewer::Proposer
    } else if user.oversees(&ch.region) {
        Viewer::Officer
    } else {
        return Err(AppError::NotFound);
    };
    Ok((p, ch, viewer))
}

#[derive(Template)]
#[template(path = "challenges/proposal.html")]
struct ProposalPage<'a> {
    c: &'a Ctx,
    p: Proposal,
    ch: Challenge,
    org_name: String,
    owner: bool,
    party: bool,
    questions: Vec<(i64, String, String, String)>,
    deal: Option<i64>,
    question: String,
    reason: String,
    errors: FieldErrors,
}

impl ProposalPage<'_> {
    fn price(&self) -> String {
        crate::money::format_human(self.p.price_fen, self.c.is_en())
    }
}

async fn proposal_page(
    c: &Ctx,
    state: &AppState,
    id: i64,
    question: String,
    reason: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let (p, ch, viewer, org_name, questions, deal) = db::run(&state.pool, move |conn| {
        let (p, ch, viewer) = visible(conn, &user, id)?;
        let org_name: String = organizations::table
            .find(p.org_id)
            .select(organizations::name)
            .first(conn)?;
        let rows: Vec<(i64, String, String, String)> = proposal_questions::table
            .inner_join(users::table.inner_join(organizations::table))
            .filter(proposal_questions::proposal_id.eq(id))
            .order(proposal_questions::id)
            .select((
                proposal_questions::created_at,
                users::name,
                organizations::name,
                proposal_questions::body,
            ))
            .load(conn)?;
        let deal: Option<i64> = deals::table
            .filter(deals::proposal_id.eq(id))
            .select(deals::id)
            .first(conn)
            .optional()?;
        Ok((p, ch, viewer, org_name, rows, deal))
    })
    .await?;
    let status = errors.status();
    render_status(
        &ProposalPage {
            c,
            p,
            ch,
            org_name,
            owner: viewer == Viewer::Owner,
            party: viewer != Viewer::Officer,
            questions,
            deal,
            question,
            reason,
            errors,
        },
        status,
    )
}

pub async fn show(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    proposal_page(
        &c,
        &state,
        path.into_inner(),
        String::new(),
        String::new(),
        FieldErrors::new(),
    )
    .await
}

#[derive(Template)]
#[template(path = "challenges/list.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    ch: Challenge,
    items: Vec<(Proposal, String)>,
}

impl ListPage<'_> {
    fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    fn undecided(&self) -> usize {
        self.items.iter().filter(|(p, _)| p.undecided()).count()
    }
}

/// The proposals to a challenge, for its organization and the officers of its region.
pub async fn list(c: Ctx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let (ch, items) = db::run(&state.pool, move |conn| {
        let ch = challenge(conn, id)?;
        if user.org_id != ch.org_id && !user.oversees(&ch.region) {
            return Err(AppError::NotFound);
        }
        let ps: Vec<Proposal> = proposals::table
            .filter(proposals::demand_id.eq(id))
            .order(proposals::id)
            .load(conn)?;
        let mut items = Vec::new();
        for p in ps {
            let name: String = organizations::table
                .find(p.org_id)
                .select(organizations::name)
                .first(conn)?;
            items.push((p, name));
        }
        Ok((ch, items))
    })
    .await?;
    render(&ListPage { c: &c, ch, items })
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn ask(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TextForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let body = form.body.trim().to_string();
    let mut errors = FieldErrors::new();
    text(&mut errors, &c, "question", &body, 2, 3000);
    if errors.any() {
        return proposal_page(&c, &state, id, body, String::new(), errors).await;
    }
    let no = c.t("err.proposal_parties").to_string();
    let base = state.config.base_url.clone();
    db::tx(&state.pool, move |conn| {
        let (p, ch, viewer) = visible(conn, &user, id)?;
        if viewer == Viewer::Officer {
            return Err(AppError::forbidden(no));
        }
        diesel::insert_into(proposal_questions::table)
            .values((
                proposal_questions::proposal_id.eq(id),
                proposal_questions::user_id.eq(user.id),
                proposal_questions::body.eq(&body),
                proposal_questions::created_at.eq(now()),
            ))
            .execute(conn)?;
        let to = if viewer == Viewer::Owner {
            p.user_id
        } else {
            ch.created_by
        };
        mail(
            conn,
            &base,
            to,
            "question",
            &[&ch.title, &body],
            &format!("/proposals/{id}"),
        )
    })
    .await?;
    Ok(redirect(&format!("/proposals/{id}#questions")))
}

/// The challenge's organization shortlists, selects (opening a deal) or does not select (with a
/// reason) a proposal.
pub async fn decide(
    c: Ctx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let user = c.user()?.clone();
    let id = path.into_inner();
    let reason = form.reason.trim().to_string();
    let decision = form.decision.clone();
    if !matches!(decision.as_str(), "shortlist" | "select" | "reject") {
        return Err(AppError::bad_request(c.t("err.choose_decision")));
    }
    if decision == "reject" && reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("reason", c.t("err.reason_missing"));
        return proposal_page(&c, &state, id, String::new(), reason, errors).await;
    }
    let (no, changed) = (
        c.t("err.proposal_owner_only").to_string(),
        c.t("err.proposal_decided").to_string(),
    );
    let base = state.config.base_url.clone();
    let to = db::tx(&state.pool, move |conn| {
        let (p, ch, viewer) = visible(conn, &user, id)?;
        if viewer != Viewer::Owner {
            return Err(AppError::forbidden(no));
        }
        use ProposalStatus::{NotSelected, Selected, Shortlisted, Submitted};
        let (from, to): (&[ProposalStatus], ProposalStatus) = match decision.as_str() {
            "shortlist" => (&[Submitted], Shortlisted),
            "select" => (&[Submitted, Shortlisted], Selected),
            _ => (&[Submitted, Shortlisted], NotSelected),
        };
        let n = diesel::update(
            proposals::table
                .filter(proposals::id.eq(id))
                .filter(proposals::status.eq_any(from)),
        )
        .set((
            proposals::status.eq(to),
            proposals::reason.eq(if to == NotSelected { Some(&reason) } else { None }),
            proposals::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict(changed.into()));
        }
        let link = format!("/proposals/{id}");
        match to {
            Selected => {
                // The deal room opens at once: both sides have said they want to talk.
                let t = now();
                let opened = Action::Selected.start().unwrap_or(DealStatus::Contacted);
                let deal: i64 = diesel::insert_into(deals::table)
                    .values((
                        deals::demand_id.eq(ch.id),
                        deals::proposal_id.eq(Some(id)),
                        deals::buyer_org_id.eq(ch.org_id),
                        deals::seller_org_id.eq(p.org_id),
                        deals::buyer_user_id.eq(user.id),
                        deals::seller_user_id.eq(p.user_id),
                        deals::opened_by.eq(Side::Buyer),
                        deals::status.eq(opened),
                        deals::version.eq(0),
                        deals::created_at.eq(t),
                        deals::updated_at.eq(t),
                    ))
                    .returning(deals::id)
                    .get_result(conn)?;
                diesel::insert_into(deal_events::table)
                    .values((
                        deal_events::deal_id.eq(deal),
                        deal_events::user_id.eq(user.id),
                        deal_events::action.eq(Action::Selected),
                        deal_events::status.eq(opened),
                        deal_events::created_at.eq(t),
                    ))
                    .execute(conn)?;
                mail(
                    conn,
                    &base,
                    p.user_id,
                    "selected",
                    &[&ch.title, ""],
                    &format!("/deals/{deal}"),
                )?;
                Ok(format!("/deals/{deal}"))
            }
            NotSelected => {
                mail(conn, &base, p.user_id, "rejected", &[&ch.title, &reason], &link)?;
                Ok(link)
            }
            _ => {
                mail(conn, &base, p.user_id, "shortlisted", &[&ch.title, ""], &link)?;
                Ok(link)
            }
        }
    })
    .await?;
    Ok(redirect(&to))
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/demands/{id}/proposals", web::get().to(list))
        .route("/demands/{id}/proposals", web::post().to(submit))
        .route("/demands/{id}/proposals/new", web::get().to(new_form))
        .route("/proposals/{id}", web::get().to(show))
        .route("/proposals/{id}/questions", web::post().to(ask))
        .route("/proposals/{id}/decide", web::post().to(decide));
}

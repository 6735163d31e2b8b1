//! Every query and write of the challenges area: the challenge a proposal answers, the need
//! page's panel, proposals, their questions and the owner's decisions (a selection opens a deal).

use diesel::prelude::*;

use crate::auth::SessionUser;
use crate::db::{now, today, DbConn};
use crate::deals::{Action, DealStatus, Side};
use crate::error::{AppError, AppResult};
use crate::ids::ProposalId;
use crate::schema::{deal_events, deals, demands, organizations, proposal_questions, proposals, users};
use crate::vocabulary::ListingStatus;

use super::rules::{may_propose, takes_proposals, Decision, ProposalInput, ProposalStatus, Viewer};

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
        takes_proposals(self.published, self.closes_on.as_deref(), today())
    }
}

pub fn challenge(conn: &mut DbConn, id: i64) -> AppResult<Challenge> {
    type Row = (
        i64,
        String,
        i64,
        i64,
        String,
        Option<String>,
        Option<i64>,
        ListingStatus,
    );
    let row: Row = demands::table
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
        published: row.7 == ListingStatus::Published,
    })
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

fn mail(conn: &mut DbConn, base: &str, user: i64, what: &str, args: &[&str], link: &str) -> AppResult<()> {
    let url = format!("{base}{link}");
    let mut all: Vec<&str> = args.to_vec();
    all.push(&url);
    crate::mail::enqueue_for_user(conn, user, &format!("mail.proposal_{what}"), &all, link)
}

/// Records a checked proposal of the user's organization (one per organization, while the
/// challenge is open) and tells the challenge's author.
pub fn submit(
    conn: &mut DbConn,
    base: &str,
    user: &SessionUser,
    id: i64,
    f: &ProposalInput,
    price_fen: i64,
) -> AppResult<ProposalId> {
    let ch = challenge(conn, id)?;
    if !ch.open() {
        return Err(AppError::bad_request(crate::i18n::Msg::t("err.challenge_closed")));
    }
    let existing: i64 = proposals::table
        .filter(proposals::demand_id.eq(id))
        .filter(proposals::org_id.eq(user.org_id))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(AppError::bad_request(crate::i18n::Msg::t("err.proposal_twice")));
    }
    let t = now();
    let pid: ProposalId = diesel::insert_into(proposals::table)
        .values((
            proposals::demand_id.eq(id),
            proposals::org_id.eq(user.org_id),
            proposals::user_id.eq(user.id),
            proposals::title.eq(&f.title),
            proposals::approach.eq(&f.approach),
            proposals::team.eq(&f.team),
            proposals::milestones.eq(&f.milestones),
            proposals::price_fen.eq(price_fen),
            proposals::status.eq(ProposalStatus::Submitted),
            proposals::created_at.eq(t),
            proposals::updated_at.eq(t),
        ))
        .returning(proposals::id)
        .get_result(conn)?;
    let link = format!("/proposals/{pid}");
    mail(
        conn,
        base,
        ch.created_by,
        "submitted",
        &[&ch.title, &user.org_name],
        &link,
    )?;
    Ok(pid)
}

#[derive(Queryable, Debug, Clone)]
pub struct Proposal {
    pub id: ProposalId,
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

/// A proposal the user may see, its challenge, and who the user is to it.
fn visible(conn: &mut DbConn, user: &SessionUser, id: ProposalId) -> AppResult<(Proposal, Challenge, Viewer)> {
    let p: Proposal = proposals::table.find(id).first(conn)?;
    let ch = challenge(conn, p.demand_id)?;
    let viewer = Viewer::of(user, ch.org_id, p.org_id, &ch.region).ok_or(AppError::NotFound)?;
    Ok((p, ch, viewer))
}

/// A question on a proposal: when, who, of which organization, what.
pub type Question = (i64, String, String, String);

/// What a proposal's page shows.
pub struct Shown {
    pub p: Proposal,
    pub ch: Challenge,
    pub viewer: Viewer,
    pub org_name: String,
    pub questions: Vec<Question>,
    pub deal: Option<i64>,
}

pub fn shown(conn: &mut DbConn, user: &SessionUser, id: ProposalId) -> AppResult<Shown> {
    let (p, ch, viewer) = visible(conn, user, id)?;
    let org_name: String = organizations::table
        .find(p.org_id)
        .select(organizations::name)
        .first(conn)?;
    let questions = proposal_questions::table
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
    Ok(Shown {
        p,
        ch,
        viewer,
        org_name,
        questions,
        deal,
    })
}

/// The proposals to a challenge with their organizations' names (one query), for its
/// organization and the officers of its region.
pub fn list(conn: &mut DbConn, user: &SessionUser, id: i64) -> AppResult<(Challenge, Vec<(Proposal, String)>)> {
    let ch = challenge(conn, id)?;
    if user.org_id != ch.org_id && !user.oversees(&ch.region) {
        return Err(AppError::NotFound);
    }
    let items = proposals::table
        .inner_join(organizations::table)
        .filter(proposals::demand_id.eq(id))
        .order(proposals::id)
        .select((proposals::all_columns, organizations::name))
        .load(conn)?;
    Ok((ch, items))
}

/// A question asked by one of the two parties, mailed to the other.
pub fn ask(conn: &mut DbConn, base: &str, user: &SessionUser, id: ProposalId, body: &str) -> AppResult<()> {
    let (p, ch, viewer) = visible(conn, user, id)?;
    if viewer == Viewer::Officer {
        return Err(AppError::refused("err.proposal_parties"));
    }
    diesel::insert_into(proposal_questions::table)
        .values((
            proposal_questions::proposal_id.eq(id),
            proposal_questions::user_id.eq(user.id),
            proposal_questions::body.eq(body),
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
        base,
        to,
        "question",
        &[&ch.title, body],
        &format!("/proposals/{id}"),
    )
}

/// The owner's decision on an undecided proposal; the proposer is told. A selection opens the
/// deal room at once (both sides have said they want to talk). Where the page goes next.
pub fn decide(
    conn: &mut DbConn,
    base: &str,
    user: &SessionUser,
    id: ProposalId,
    decision: Decision,
    reason: &str,
) -> AppResult<String> {
    let (p, ch, viewer) = visible(conn, user, id)?;
    if viewer != Viewer::Owner {
        return Err(AppError::refused("err.proposal_owner_only"));
    }
    let (from, to) = decision.transition();
    let n = diesel::update(
        proposals::table
            .filter(proposals::id.eq(id))
            .filter(proposals::status.eq_any(from)),
    )
    .set((
        proposals::status.eq(to),
        proposals::reason.eq((to == ProposalStatus::NotSelected).then_some(reason)),
        proposals::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict("err.proposal_decided"));
    }
    let link = format!("/proposals/{id}");
    match decision {
        Decision::Select => {
            let deal = open_deal(conn, user, &ch, &p)?;
            let room = format!("/deals/{deal}");
            mail(conn, base, p.user_id, "selected", &[&ch.title, ""], &room)?;
            Ok(room)
        }
        Decision::Reject => {
            mail(conn, base, p.user_id, "rejected", &[&ch.title, reason], &link)?;
            Ok(link)
        }
        Decision::Shortlist => {
            mail(conn, base, p.user_id, "shortlisted", &[&ch.title, ""], &link)?;
            Ok(link)
        }
    }
}

/// The deal room of a selected proposal, between the challenge's organization (buying) and the
/// proposer, with its first event.
fn open_deal(conn: &mut DbConn, user: &SessionUser, ch: &Challenge, p: &Proposal) -> AppResult<i64> {
    let t = now();
    let opened = Action::Selected.start().unwrap_or(DealStatus::Contacted);
    let deal: i64 = diesel::insert_into(deals::table)
        .values((
            deals::demand_id.eq(ch.id),
            deals::proposal_id.eq(Some(p.id)),
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
    Ok(deal)
}

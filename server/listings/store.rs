//! The queries of the shelf that both kinds share: a listing's head, its steps and history, who
//! may read its confidential part, the acceptances of its terms, the owner's and the officer's
//! lists, and the pieces of the browse queries (filters, keyset order, the page cut). What only
//! one kind has (its columns, its IP rows) is queried in `demand.rs` and `achievement.rs`.

use diesel::prelude::*;

use super::rules::{may_edit, Decision, ListingAction, ListingStatus, Refused, Text, EDITABLE};
use super::{Kind, ListingKind};
use crate::auth::SessionUser;
use crate::db::{now, DbConn};
use crate::error::{AppError, AppResult};
use crate::schema::{achievements, demands, listing_events, nda_acceptances, organizations, users};
use crate::{audit, mail};

/// Rows of a browse page.
pub const PAGE: i64 = 20;

/// Records a step of a listing's life (kept for the owner and officers to read).
pub fn record_event(
    conn: &mut DbConn,
    kind: Kind,
    id: i64,
    actor: i64,
    action: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    diesel::insert_into(listing_events::table)
        .values((
            listing_events::listing_kind.eq(kind.as_str()),
            listing_events::listing_id.eq(id),
            listing_events::actor_user_id.eq(actor),
            listing_events::action.eq(action),
            listing_events::reason.eq(reason),
            listing_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Event {
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
    pub created_at: i64,
}

pub fn load_events(conn: &mut DbConn, kind: Kind, id: i64) -> AppResult<Vec<Event>> {
    let rows: Vec<(String, String, Option<String>, i64)> = listing_events::table
        .inner_join(users::table.on(users::id.eq(listing_events::actor_user_id)))
        .filter(listing_events::listing_kind.eq(kind.as_str()))
        .filter(listing_events::listing_id.eq(id))
        .order(listing_events::id)
        .select((
            users::name,
            listing_events::action,
            listing_events::reason,
            listing_events::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(actor, action, reason, created_at)| Event {
            actor,
            action,
            reason,
            created_at,
        })
        .collect())
}

/// Ownership and status of a listing, what every action checks first.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: i64,
    pub org_id: i64,
    pub status: ListingStatus,
    pub region_code: String,
    pub title: String,
    pub created_by: i64,
}

type HeadRow = (i64, i64, ListingStatus, String, String, i64);

/// The head columns of a listing table, by the table's module name.
macro_rules! head_of {
    ($t:ident, $id:expr, $conn:expr) => {
        $t::table
            .find($id)
            .select((
                $t::id,
                $t::org_id,
                $t::status,
                $t::region_code,
                $t::title,
                $t::created_by,
            ))
            .first::<HeadRow>($conn)?
    };
}

pub fn load_head(conn: &mut DbConn, kind: Kind, id: i64) -> AppResult<Head> {
    let row = match kind {
        Kind::Demand => head_of!(demands, id, conn),
        Kind::Achievement => head_of!(achievements, id, conn),
    };
    Ok(Head {
        id: row.0,
        org_id: row.1,
        status: row.2,
        region_code: row.3,
        title: row.4,
        created_by: row.5,
    })
}

/// Moves a row of `$t` by a step, only while it is in one of the step's sources; the step to
/// submitted stamps `submitted_at`, the one to published `published_at`.
macro_rules! move_row {
    ($t:ident, $conn:expr, $id:expr, $action:expr, $reason:expr, $at:expr) => {{
        let q = diesel::update($t::table.find($id).filter($t::status.eq_any($action.sources())));
        let to = $action.target();
        let set = ($t::status.eq(to), $t::status_reason.eq($reason), $t::updated_at.eq($at));
        match to {
            ListingStatus::Submitted => q.set((set, $t::submitted_at.eq(Some($at)))).execute($conn)?,
            ListingStatus::Published => q.set((set, $t::published_at.eq(Some($at)))).execute($conn)?,
            _ => q.set(set).execute($conn)?,
        }
    }};
}

/// Takes a step on a listing, only if it is still in a state the step may be taken in (a
/// concurrent change makes this a no-op that the caller reports). Returns whether it moved.
pub fn transition(
    conn: &mut DbConn,
    kind: Kind,
    id: i64,
    action: ListingAction,
    reason: Option<&str>,
) -> AppResult<bool> {
    let t = now();
    let n = match kind {
        Kind::Demand => move_row!(demands, conn, id, action, reason, t),
        Kind::Achievement => move_row!(achievements, conn, id, action, reason, t),
    };
    if n == 1 {
        crate::search::enqueue(conn, kind, id)?;
    }
    Ok(n == 1)
}

/// Who may see what of a listing.
pub struct Access {
    pub owner: bool,
    pub officer: bool,
    /// Accepted the confidentiality terms, and may still read what they cover.
    pub accepted: bool,
    /// Why a signed-in stranger may not accept the terms (yet), to say instead of a button that fails.
    pub refusal: Option<Refusal>,
}

impl Access {
    pub fn confidential(&self) -> bool {
        self.owner || self.officer || self.accepted
    }
}

/// Why a user may not accept confidentiality terms, and where to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub key: &'static str,
    pub href: &'static str,
    pub link_key: &'static str,
}

/// Confidential parts (contacts) are for users of verified organizations, or — for an organization
/// of a region no office here oversees, which cannot be verified here — users whose e-mail address
/// is verified. A fresh sign-up reads no contacts.
pub fn terms_refusal(conn: &mut DbConn, u: &SessionUser) -> AppResult<Option<Refusal>> {
    if u.org_verified() {
        return Ok(None);
    }
    if crate::organizations::region_has_office(conn, &u.org_region)? {
        return Ok(Some(Refusal {
            key: "nda.needs_org_verification",
            href: "/org/verification",
            link_key: "nda.verify_org_link",
        }));
    }
    if !u.email_verified {
        return Ok(Some(Refusal {
            key: "nda.needs_email",
            href: "/account",
            link_key: "nda.verify_email_link",
        }));
    }
    Ok(None)
}

fn has_accepted(conn: &mut DbConn, kind: Kind, id: i64, user_id: i64) -> AppResult<bool> {
    let n: i64 = nda_acceptances::table
        .filter(nda_acceptances::listing_kind.eq(kind.as_str()))
        .filter(nda_acceptances::listing_id.eq(id))
        .filter(nda_acceptances::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn access(conn: &mut DbConn, user: Option<&SessionUser>, kind: Kind, head: &Head) -> AppResult<Access> {
    let Some(u) = user else {
        return Ok(Access {
            owner: false,
            officer: false,
            accepted: false,
            refusal: None,
        });
    };
    let owner = u.org_id == head.org_id;
    let officer = u.oversees(&head.region_code);
    let refusal = if owner || officer {
        None
    } else {
        terms_refusal(conn, u)?
    };
    // An acceptance recorded before the rule, or before the organization lost its verification,
    // opens nothing while the user may not accept.
    let accepted = !owner && refusal.is_none() && has_accepted(conn, kind, head.id, u.id)?;
    Ok(Access {
        owner,
        officer,
        accepted,
        refusal,
    })
}

/// Loads a listing's head and refuses visitors who may not see it at all (a listing that is not
/// published exists only for its owner and the officers of its region).
pub fn visible_head(conn: &mut DbConn, user: Option<&SessionUser>, kind: Kind, id: i64) -> AppResult<(Head, Access)> {
    let head = load_head(conn, kind, id)?;
    let acc = access(conn, user, kind, &head)?;
    if head.status != ListingStatus::Published && !acc.owner && !acc.officer {
        return Err(AppError::NotFound);
    }
    Ok((head, acc))
}

#[derive(Debug, Clone)]
pub struct Acceptance {
    pub user_name: String,
    pub org_name: String,
    pub accepted_at: i64,
}

pub fn load_acceptances(conn: &mut DbConn, kind: Kind, id: i64) -> AppResult<Vec<Acceptance>> {
    let rows: Vec<(String, String, i64)> = nda_acceptances::table
        .inner_join(users::table)
        .inner_join(organizations::table.on(organizations::id.eq(nda_acceptances::org_id)))
        .filter(nda_acceptances::listing_kind.eq(kind.as_str()))
        .filter(nda_acceptances::listing_id.eq(id))
        .order(nda_acceptances::id)
        .select((users::name, organizations::name, nda_acceptances::accepted_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_name, org_name, accepted_at)| Acceptance {
            user_name,
            org_name,
            accepted_at,
        })
        .collect())
}

/// What accepting a listing's terms came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terms {
    /// Accepted now or before.
    Accepted,
    OwnListing,
    Refused(Refusal),
    /// The organization's day's allowance is spent until then.
    TooMany(i64),
}

/// A signed-in user of another organization accepts the terms of a published listing. A day's
/// allowance per organization that real reading never meets, but harvesting does.
pub fn accept_terms(conn: &mut DbConn, user: &SessionUser, kind: Kind, id: i64, per_day: i64) -> AppResult<Terms> {
    let head = load_head(conn, kind, id)?;
    if head.status != ListingStatus::Published {
        return Err(AppError::NotFound);
    }
    if head.org_id == user.org_id {
        return Ok(Terms::OwnListing);
    }
    if let Some(r) = terms_refusal(conn, user)? {
        return Ok(Terms::Refused(r));
    }
    if has_accepted(conn, kind, id, user.id)? {
        return Ok(Terms::Accepted);
    }
    let since = now() - 86_400;
    let latest: Vec<i64> = nda_acceptances::table
        .filter(nda_acceptances::org_id.eq(user.org_id))
        .filter(nda_acceptances::accepted_at.gt(since))
        .order(nda_acceptances::accepted_at.desc())
        .limit(per_day)
        .select(nda_acceptances::accepted_at)
        .load(conn)?;
    if let Some(retry_at) = crate::limits::retry_at(&latest, per_day, 86_400) {
        return Ok(Terms::TooMany(retry_at));
    }
    diesel::insert_into(nda_acceptances::table)
        .values((
            nda_acceptances::listing_kind.eq(kind.as_str()),
            nda_acceptances::listing_id.eq(id),
            nda_acceptances::user_id.eq(user.id),
            nda_acceptances::org_id.eq(user.org_id),
            nda_acceptances::accepted_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Terms::Accepted)
}

/// The owner takes a step (submit, withdraw, close) and it is recorded.
pub fn owner_step(
    conn: &mut DbConn,
    user: &SessionUser,
    kind: Kind,
    id: i64,
    action: ListingAction,
) -> AppResult<Result<(), Refused>> {
    let head = load_head(conn, kind, id)?;
    if head.org_id != user.org_id {
        return Ok(Err(Refused::NotOwner));
    }
    if !transition(conn, kind, id, action, None)? {
        return Ok(Err(Refused::StateChanged));
    }
    record_event(conn, kind, id, user.id, action.as_str(), None)?;
    Ok(Ok(()))
}

/// An officer's decision: the step, a demand's grade, the history, the audit log and a mail to
/// the author (in the author's language; none for unhiding).
pub fn decide(
    conn: &mut DbConn,
    officer: &SessionUser,
    kind: Kind,
    id: i64,
    d: &Decision,
) -> AppResult<Result<(), Refused>> {
    let head = load_head(conn, kind, id)?;
    if !officer.oversees(&head.region_code) {
        return Ok(Err(Refused::NotYourRegion));
    }
    let why = (!d.reason.is_empty()).then_some(d.reason.as_str());
    if !transition(conn, kind, id, d.action, why)? {
        return Ok(Err(Refused::StateChanged));
    }
    if let Some(g) = &d.grade {
        diesel::update(demands::table.find(id))
            .set(demands::grade.eq(Some(g)))
            .execute(conn)?;
    }
    let action = d.action.as_str();
    record_event(conn, kind, id, officer.id, action, why)?;
    let what = match why {
        Some(r) => format!("{}: {r}", head.title),
        None => head.title.clone(),
    };
    let region = Some(head.region_code.as_str());
    audit::record(
        conn,
        officer,
        &format!("listing_{action}"),
        kind.as_str(),
        id,
        region,
        &what,
    )?;
    if d.action != ListingAction::Unhide {
        let link = format!("{}/{id}", kind.base());
        let args = [head.title.as_str(), d.reason.as_str()];
        mail::enqueue_for_user(conn, head.created_by, &format!("mail.listing_{action}"), &args, &link)?;
    }
    Ok(Ok(()))
}

// ---------------------------------------------------------------- what both kinds store alike

/// What every listing loaded for its page has: who posts it, what it says, where, and in which
/// state. Each kind's row holds it beside its own columns.
#[derive(Queryable, Debug, Clone)]
pub struct Basics {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub text: Text,
    pub region_code: String,
    pub status: ListingStatus,
    pub status_reason: Option<String>,
    pub published_at: Option<i64>,
}

/// The columns of [`Basics`] in the listing table `$t` joined with its organization.
macro_rules! basics_columns {
    ($t:ident) => {
        (
            $t::id,
            $t::org_id,
            $crate::schema::organizations::name,
            (
                $t::title,
                $t::summary,
                $t::detail,
                $t::contact,
                $t::field_code,
                $t::keywords,
            ),
            $t::region_code,
            $t::status,
            $t::status_reason,
            $t::published_at,
        )
    };
}
pub(crate) use basics_columns;

/// What every card of a browse page shows.
#[derive(Queryable, Debug, Clone)]
pub struct Shelved {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub org_name: String,
    pub field_code: String,
    pub region_code: String,
    pub published_at: Option<i64>,
}

impl Shelved {
    /// The cursor of the page after this card, newest first.
    pub fn newest_cursor(&self) -> String {
        format!("{}_{}", self.published_at.unwrap_or(0), self.id)
    }
}

/// The columns of [`Shelved`] in the listing table `$t` joined with its organization.
macro_rules! shelved_columns {
    ($t:ident) => {
        (
            $t::id,
            $t::title,
            $t::summary,
            $crate::schema::organizations::name,
            $t::field_code,
            $t::region_code,
            $t::published_at,
        )
    };
}
pub(crate) use shelved_columns;

/// The columns of a listing's [`Text`] in `$t` (with the field family it is filed under) set to
/// `$x`, to insert or update beside the kind's own.
macro_rules! text_values {
    ($t:ident, $x:expr) => {
        (
            $t::title.eq(&$x.title),
            $t::summary.eq(&$x.summary),
            $t::detail.eq(&$x.detail),
            $t::contact.eq(&$x.contact),
            $t::field_code.eq(&$x.field_code),
            $t::field_family.eq($x.field_family()),
            $t::keywords.eq(&$x.keywords),
        )
    };
}
pub(crate) use text_values;

/// Where and how a listing is written: its owner, the owner's region, its state and, for one
/// written as published (the demo market, the benches), when.
pub struct Placing<'a> {
    pub org_id: i64,
    pub created_by: i64,
    pub region: &'a str,
    pub status: ListingStatus,
    pub published_at: Option<i64>,
}

impl<'a> Placing<'a> {
    /// A listing published at `at` (the demo market, the benches, the tests).
    pub fn published(org_id: i64, created_by: i64, region: &'a str, at: i64) -> Placing<'a> {
        Placing {
            org_id,
            created_by,
            region,
            status: ListingStatus::Published,
            published_at: Some(at),
        }
    }
    /// A new draft of the user's organization.
    pub fn draft(user: &'a SessionUser) -> Placing<'a> {
        Placing {
            org_id: user.org_id,
            created_by: user.id,
            region: &user.org_region,
            status: ListingStatus::Draft,
            published_at: None,
        }
    }
}

/// Inserts a listing into `$t`: its text and `$content` (the kind's own columns, an
/// `Insertable`) as `$p` ([`Placing`]) places it, and queues it for the search index. Returns the id.
macro_rules! insert_listing {
    ($t:ident, $conn:expr, $p:expr, $content:expr) => {{
        let p: &$crate::listings::store::Placing = $p;
        let at = p.published_at.unwrap_or_else($crate::db::now);
        let (province, prefecture) = $crate::listings::rules::region_levels(p.region);
        diesel::insert_into($t::table)
            .values((
                $crate::listings::store::text_values!($t, $content.text),
                $content,
                $t::org_id.eq(p.org_id),
                $t::created_by.eq(p.created_by),
                $t::region_code.eq(p.region),
                $t::region_province.eq(province),
                $t::region_prefecture.eq(prefecture),
                $t::status.eq(p.status),
                $t::published_at.eq(p.published_at),
                $t::created_at.eq(at),
                $t::updated_at.eq(at),
            ))
            .returning($t::id)
            .get_result::<i64>($conn)
    }};
}
pub(crate) use insert_listing;

/// Writes an owner's edit of listing `$id` of `$t` (its text and `$content`, the kind's own
/// columns, an `AsChangeset`), only while it is editable; it goes back to draft. Returns the rows
/// changed.
macro_rules! update_listing {
    ($t:ident, $conn:expr, $id:expr, $content:expr) => {
        diesel::update(
            $t::table
                .find($id)
                .filter($t::status.eq_any($crate::listings::rules::EDITABLE)),
        )
        .set((
            $crate::listings::store::text_values!($t, $content.text),
            $content,
            $t::status.eq($crate::listings::rules::ListingStatus::Draft),
            $t::updated_at.eq($crate::db::now()),
        ))
        .execute($conn)
    };
}
pub(crate) use update_listing;

/// What a kind writes of a listing: its text, its own columns and whatever rows it keeps beside
/// them (an achievement's IP items). Implemented by `DemandContent` and `AchievementContent`.
pub trait Content {
    const KIND: Kind;
    /// Inserts the listing as placed; returns its id.
    fn insert_row(&self, conn: &mut DbConn, p: &Placing) -> diesel::QueryResult<i64>;
    /// Writes an owner's edit of an editable listing, which goes back to draft.
    fn update_row(&self, conn: &mut DbConn, id: i64) -> diesel::QueryResult<()>;
}

/// Inserts a listing as placed and queues it for the search index; returns its id.
pub fn insert<C: Content>(conn: &mut DbConn, p: &Placing, content: &C) -> diesel::QueryResult<i64> {
    let id = content.insert_row(conn, p)?;
    crate::search::enqueue(conn, C::KIND, id)?;
    Ok(id)
}

/// Writes a new listing (a draft of the user's organization) or the edit of an editable one,
/// which goes back to draft, and queues it for the search index; returns its id.
pub fn save<C: Content>(conn: &mut DbConn, user: &SessionUser, existing: Option<i64>, content: &C) -> AppResult<i64> {
    let id = match existing {
        None => content.insert_row(conn, &Placing::draft(user))?,
        Some(id) => {
            content.update_row(conn, id)?;
            id
        }
    };
    crate::search::enqueue(conn, C::KIND, id)?;
    Ok(id)
}

/// A card of a browse page: what every card shows, and the value it sorts by under each order
/// but the newest first.
pub trait Card {
    fn head(&self) -> &Shelved;
    fn sort_value(&self, sort: &str) -> Option<String>;
}

/// Cuts the `PAGE + 1` cards loaded to a page, with the cursor of the next page when there is one
/// (the last card's sort value, or its publication time, and its id).
pub fn cut_page<C: Card>(mut cards: Vec<C>, sort: &str) -> (Vec<C>, Option<String>) {
    if cards.len() as i64 <= PAGE {
        return (cards, None);
    }
    cards.truncate(PAGE as usize);
    let next = cards.last().map(|l| match l.sort_value(sort) {
        Some(v) => format!("{v}_{}", l.head().id),
        None => l.head().newest_cursor(),
    });
    (cards, next)
}

/// Starts the browse query of `$t` joined with its organization: published listings, filtered by
/// field family or code, region level and mode (column `$modes`, of those `$allowed`).
macro_rules! shelf {
    ($t:ident, $modes:ident, $allowed:expr, $f:expr) => {{
        let mut q = $t::table
            .inner_join($crate::schema::organizations::table)
            .filter($t::status.eq($crate::listings::rules::ListingStatus::Published))
            .into_boxed();
        $crate::listings::store::shelf_filters!(q, $t, $modes, $allowed, $f);
        q
    }};
}
pub(crate) use shelf;

// ---------------------------------------------------------------- a listing of either kind

/// A listing's page: the listing, who reads it, its history, the acceptances of its terms, its
/// matches and commissions, and what only its kind shows.
pub struct Detail<K: ListingKind> {
    pub listing: K,
    pub acc: Access,
    pub events: Vec<Event>,
    pub acceptances: Vec<Acceptance>,
    /// The owner may edit it now.
    pub editable: bool,
    pub matches: crate::matching::Section,
    pub commissions: crate::commissions::Panel,
    pub extra: K::Extra,
}

pub fn detail<K: ListingKind>(conn: &mut DbConn, user: Option<&SessionUser>, id: i64) -> AppResult<Detail<K>> {
    let kind = K::KIND;
    let (_, acc) = visible_head(conn, user, kind, id)?;
    let listing = K::load(conn, id)?;
    let (events, acceptances) = if acc.owner || acc.officer {
        (load_events(conn, kind, id)?, load_acceptances(conn, kind, id)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let published = listing.basics().status == ListingStatus::Published;
    let matches = crate::matching::Section::for_viewer(conn, kind, id, published, user, acc.owner)?;
    let commissions = crate::commissions::Panel::load(conn, kind, id, acc.owner)?;
    let extra = K::extra(conn, id, user)?;
    let editable = acc.owner && EDITABLE.contains(&listing.basics().status);
    Ok(Detail {
        listing,
        acc,
        events,
        acceptances,
        editable,
        matches,
        commissions,
        extra,
    })
}

/// The listing, if the user's organization owns it and it is in an editable state.
pub fn editable<K: ListingKind>(conn: &mut DbConn, user: &SessionUser, id: i64) -> AppResult<Result<K, Refused>> {
    let l = K::load(conn, id)?;
    let b = l.basics();
    Ok(may_edit(user.org_id, b.org_id, b.status).map(|()| l))
}

/// A new listing (draft) and its first line of history; returns its id.
pub fn create<K: ListingKind>(conn: &mut DbConn, user: &SessionUser, v: &K::Valid) -> AppResult<i64> {
    let id = K::save(conn, user, None, v)?;
    record_event(conn, K::KIND, id, user.id, "created", None)?;
    Ok(id)
}

/// An edit of an editable listing (back to draft), recorded.
pub fn update<K: ListingKind>(
    conn: &mut DbConn,
    user: &SessionUser,
    id: i64,
    v: &K::Valid,
) -> AppResult<Result<(), Refused>> {
    if let Err(r) = editable::<K>(conn, user, id)? {
        return Ok(Err(r));
    }
    K::save(conn, user, Some(id), v)?;
    record_event(conn, K::KIND, id, user.id, "edited", None)?;
    Ok(Ok(()))
}

// ---------------------------------------------------------------- the owner's and the officer's lists

#[derive(Debug, Clone)]
pub struct MyRow {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub status: ListingStatus,
    pub status_reason: Option<String>,
    pub updated_at: i64,
}

type MyTuple = (i64, String, ListingStatus, Option<String>, i64);

macro_rules! mine_of {
    ($t:ident, $org:expr, $conn:expr) => {
        $t::table
            .filter($t::org_id.eq($org))
            .order($t::updated_at.desc())
            .select(($t::id, $t::title, $t::status, $t::status_reason, $t::updated_at))
            .load::<MyTuple>($conn)?
    };
}

/// The organization's listings of both kinds, the latest change first.
pub fn my_rows(conn: &mut DbConn, org_id: i64) -> AppResult<Vec<MyRow>> {
    let d = mine_of!(demands, org_id, conn);
    let a = mine_of!(achievements, org_id, conn);
    let mut rows: Vec<MyRow> = d
        .into_iter()
        .map(|r| (Kind::Demand, r))
        .chain(a.into_iter().map(|r| (Kind::Achievement, r)))
        .map(|(kind, (id, title, status, status_reason, updated_at))| MyRow {
            kind,
            id,
            title,
            status,
            status_reason,
            updated_at,
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
    Ok(rows)
}

#[derive(Debug, Clone)]
pub struct Waiting {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub org_name: String,
    pub region_code: String,
    pub submitted_at: i64,
    pub is_challenge: bool,
}

/// What waits for review in the officer's region (`pattern`, a LIKE on the region code), the
/// longest waiting first.
pub fn waiting(conn: &mut DbConn, pattern: &str) -> AppResult<Vec<Waiting>> {
    let d: Vec<(i64, String, String, String, Option<i64>, bool)> = demands::table
        .inner_join(organizations::table)
        .filter(demands::status.eq(ListingStatus::Submitted))
        .filter(demands::region_code.like(pattern))
        .order(demands::submitted_at)
        .limit(500)
        .select((
            demands::id,
            demands::title,
            organizations::name,
            demands::region_code,
            demands::submitted_at,
            demands::is_challenge,
        ))
        .load(conn)?;
    let a: Vec<(i64, String, String, String, Option<i64>)> = achievements::table
        .inner_join(organizations::table)
        .filter(achievements::status.eq(ListingStatus::Submitted))
        .filter(achievements::region_code.like(pattern))
        .order(achievements::submitted_at)
        .limit(500)
        .select((
            achievements::id,
            achievements::title,
            organizations::name,
            achievements::region_code,
            achievements::submitted_at,
        ))
        .load(conn)?;
    let mut out: Vec<Waiting> = d
        .into_iter()
        .map(|(id, title, org_name, region_code, s, is_challenge)| Waiting {
            kind: Kind::Demand,
            id,
            title,
            org_name,
            region_code,
            submitted_at: s.unwrap_or(0),
            is_challenge,
        })
        .chain(a.into_iter().map(|(id, title, org_name, region_code, s)| Waiting {
            kind: Kind::Achievement,
            id,
            title,
            org_name,
            region_code,
            submitted_at: s.unwrap_or(0),
            is_challenge: false,
        }))
        .collect();
    out.sort_by_key(|w| w.submitted_at);
    Ok(out)
}

// ---------------------------------------------------------------- pieces of the browse queries

/// The filters both shelves share — a sub-field exactly or a top-level field by family, a region
/// by its level, one mode of those `$allowed` — on the boxed query `$q` of the table `$t`.
macro_rules! shelf_filters {
    ($q:ident, $t:ident, $modes:ident, $allowed:expr, $f:expr) => {
        if !$f.field.is_empty() {
            $q = if $f.field.contains('.') {
                $q.filter($t::field_code.eq($f.field.clone()))
            } else {
                $q.filter($t::field_family.eq($f.field.clone()))
            };
        }
        match $f.region_column() {
            Some($crate::listings::rules::RegionLevel::Province(r)) => $q = $q.filter($t::region_province.eq(r)),
            Some($crate::listings::rules::RegionLevel::Prefecture(r)) => $q = $q.filter($t::region_prefecture.eq(r)),
            Some($crate::listings::rules::RegionLevel::Code(r)) => $q = $q.filter($t::region_code.eq(r)),
            None => {}
        }
        if $allowed.contains(&$f.mode.as_str()) {
            $q = $q.filter($t::$modes.like(format!("%,{},%", $f.mode)));
        }
    };
}
pub(crate) use shelf_filters;

/// Orders the boxed query `$q` of `$t` by `$col` then id, ascending, from after the cursor (whose
/// value `$parse` turns into the column's).
macro_rules! keyset_up {
    ($q:ident, $t:ident, $col:ident, $cursor:expr, $parse:expr) => {{
        if let Some((v, id)) = $cursor {
            $q = $q.filter($t::$col.gt($parse(&v)).or($t::$col.eq($parse(&v)).and($t::id.gt(id))));
        }
        $q.order(($t::$col.asc(), $t::id.asc()))
    }};
}
pub(crate) use keyset_up;

/// Orders the boxed query `$q` of `$t` newest first, from after the cursor.
macro_rules! keyset_newest {
    ($q:ident, $t:ident, $cursor:expr) => {{
        if let Some((v, id)) = $cursor {
            let v: i64 = v.parse().unwrap_or(i64::MAX);
            $q = $q.filter($t::published_at.lt(v).or($t::published_at.eq(v).and($t::id.lt(id))));
        }
        $q.order(($t::published_at.desc(), $t::id.desc()))
    }};
}
pub(crate) use keyset_newest;

//! The writes of the registration workflow: a party submits, the officer returns or registers
//! (with the office's next number), a party records a registration by another office and the
//! officer verifies it. Each step moves the status by [`RegistrationStatus::next`], only from the
//! version the user saw, records the event and mails the parties.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::amendments;
use super::rules::*;
use super::store::*;
use crate::auth::SessionUser;
use crate::db::{self, now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::files::Upload;
use crate::i18n::Msg;
use crate::ids::ContractId;
use crate::registration::{RegistrationNo, RegistrationStatus, Step};
use crate::schema::{contract_elsewhere, contracts, registration_counters};

/// Who takes a step on which contract, from which version of it, and where the mails link to.
pub(crate) struct StepBy<'a> {
    pub user: &'a SessionUser,
    pub id: ContractId,
    pub version: i32,
    pub base: &'a str,
}

/// Moves the contract by `step` if it is still at the version the user saw and in a state the
/// step may be taken from; the other changes of the step go with it.
macro_rules! take_step {
    ($conn:expr, $by:expr, $step:expr, ($($set:expr),* $(,)?)) => {{
        let from = RegistrationStatus::before($step);
        let to = $step.leads_to();
        let n = diesel::update(
            contracts::table
                .filter(contracts::id.eq($by.id))
                .filter(contracts::version.eq($by.version))
                .filter(contracts::status.eq_any(from)),
        )
        .set((contracts::status.eq(to), contracts::version.eq($by.version + 1), contracts::updated_at.eq(now()), $($set),*))
        .execute($conn)?;
        if n == 0 {
            return Err(AppError::conflict("err.contract_changed"));
        }
    }};
}

/// A party submits the contract. `Ok(Some((field, message)))` when it cannot be submitted yet:
/// no signed copy, or a party this market must verify first.
pub(crate) fn submit(conn: &mut DbConn, by: StepBy) -> AppResult<Option<(&'static str, Msg)>> {
    let k = load(conn, by.id)?;
    if standing(conn, by.user, &k)? != Standing::Party {
        return Err(AppError::NotFound);
    }
    if k.file_id.is_none() {
        return Ok(Some(("file", Msg::t("err.contract_no_file"))));
    }
    // A party must be verified by this market first, unless no office here could verify it.
    let offices = crate::organizations::Offices::load(conn)?;
    if let Some(u) = unverified_parties(conn, &offices, &k)?
        .into_iter()
        .find(|u| u.office_here)
    {
        return Ok(Some(("submit", Msg::tf(u.submit_key(), [u.name]))));
    }
    take_step!(
        conn,
        by,
        Step::Submit,
        (
            contracts::submitted_by_user.eq(Some(by.user.id)),
            contracts::submitted_by_org.eq(Some(by.user.org_id)),
            contracts::submitted_at.eq(Some(now())),
        )
    );
    record(conn, by.id, by.user.id, "submitted", None)?;
    notify_of(conn, &by, "submitted", "")?;
    Ok(None)
}

/// The officer returns a submitted contract with reasons.
pub(crate) fn return_with(conn: &mut DbConn, by: StepBy, reason: &str) -> AppResult<()> {
    officer_of(conn, by.user, by.id)?;
    take_step!(conn, by, Step::Return, (contracts::return_reason.eq(Some(reason)),));
    record(conn, by.id, by.user.id, "returned", Some(reason))?;
    notify_of(conn, &by, "returned", reason)
}

/// What the officer sets when registering: the kind, sub-kind and technology amount.
pub(crate) struct Review {
    pub kind: String,
    pub sub_kind: String,
    pub tech_fen: i64,
}

/// The officer registers a submitted contract under the next number of the officer's office
/// (the officer's region) and the year; the number is taken in the same transaction, so it is
/// never reused or skipped. Returns the number.
pub(crate) fn register(conn: &mut DbConn, by: StepBy, region: &str, r: &Review) -> AppResult<RegistrationNo> {
    let year = today().year();
    ensure_counter(conn, region, year)?;
    db::write_tx(conn, |conn| {
        take_step!(
            conn,
            by,
            Step::Register,
            (
                contracts::kind.eq(&r.kind),
                contracts::sub_kind.eq(&r.sub_kind),
                contracts::tech_fen_registered.eq(Some(r.tech_fen)),
                contracts::return_reason.eq(None::<String>),
                contracts::registered_at.eq(Some(now())),
                contracts::registered_by.eq(Some(by.user.id)),
            )
        );
        let seq: i32 = diesel::update(
            registration_counters::table
                .filter(registration_counters::region_code.eq(region))
                .filter(registration_counters::year.eq(year)),
        )
        .set(registration_counters::last_seq.eq(registration_counters::last_seq + 1))
        .returning(registration_counters::last_seq)
        .get_result(conn)?;
        let number = RegistrationNo {
            region: region.to_string(),
            year,
            seq,
        };
        diesel::update(contracts::table.find(by.id))
            .set(contracts::registration_no.eq(Some(number.to_string())))
            .execute(conn)?;
        registered(conn, &by, "registered", &number.to_string())?;
        Ok(number)
    })
}

/// Mails the parties what became of the contract.
fn notify_of(conn: &mut DbConn, by: &StepBy, what: &str, detail: &str) -> AppResult<()> {
    let k = load(conn, by.id)?;
    notify(conn, by.base, &k, what, detail)
}

/// After either registration: the event, the original terms kept as version 1, the rewards
/// computed, the parties mailed.
fn registered(conn: &mut DbConn, by: &StepBy, event: &str, number: &str) -> AppResult<()> {
    record(conn, by.id, by.user.id, event, Some(number))?;
    amendments::keep_original(conn, by.id)?;
    crate::awards::enqueue(conn, Some(by.id), "registered")?;
    notify_of(conn, by, "registered", number)
}

/// The officer of the buyer's region verifies a registration by another office: the contract is
/// registered under that office's number, unless a contract here already has it.
pub(crate) fn verify_elsewhere(conn: &mut DbConn, by: StepBy) -> AppResult<()> {
    officer_of(conn, by.user, by.id)?;
    let e = elsewhere_of(conn, by.id)?.ok_or(AppError::NotFound)?;
    let clash: i64 = contracts::table
        .filter(contracts::registration_no.eq(&e.number))
        .count()
        .get_result(conn)?;
    if clash > 0 {
        return Err(AppError::conflict("err.number_taken"));
    }
    let tech = tech_fen(&load(conn, by.id)?, &items_of(conn, by.id)?);
    take_step!(
        conn,
        by,
        Step::Register,
        (
            contracts::registration_no.eq(Some(&e.number)),
            contracts::tech_fen_registered.eq(Some(tech)),
            contracts::return_reason.eq(None::<String>),
            contracts::registered_at.eq(Some(now())),
            contracts::registered_by.eq(Some(by.user.id)),
        )
    );
    registered(conn, &by, "verified_elsewhere", &e.number)
}

/// What a party records of a registration by another office.
pub(crate) struct ElsewhereRecord {
    pub office: String,
    pub number: String,
    pub on: NaiveDate,
    pub scan: Upload,
}

/// A party records that another office registered the contract; the contract then goes to the
/// office of the buyer's region, which verifies it when submitted.
pub(crate) fn record_elsewhere(
    conn: &mut DbConn,
    user: &SessionUser,
    id: ContractId,
    r: &ElsewhereRecord,
) -> AppResult<()> {
    let k = load(conn, id)?;
    if standing(conn, user, &k)? != Standing::Party {
        return Err(AppError::NotFound);
    }
    if !k.editable() {
        return Err(AppError::conflict("err.contract_not_editable"));
    }
    let offices = crate::organizations::Offices::load(conn)?;
    if super::store::seller_served(conn, &offices, &k)? {
        return Err(AppError::conflict("err.elsewhere_served"));
    }
    let s = &r.scan;
    let file = crate::files::store(
        conn,
        Some(user.org_id),
        Some(user.id),
        "elsewhere",
        &s.name,
        s.kind,
        &s.data,
    )?;
    diesel::delete(contract_elsewhere::table.find(id)).execute(conn)?;
    diesel::insert_into(contract_elsewhere::table)
        .values((
            contract_elsewhere::contract_id.eq(id),
            contract_elsewhere::office.eq(&r.office),
            contract_elsewhere::number.eq(&r.number),
            contract_elsewhere::registered_on.eq(r.on.to_string()),
            contract_elsewhere::file_id.eq(file),
            contract_elsewhere::recorded_by.eq(user.id),
            contract_elsewhere::created_at.eq(now()),
        ))
        .execute(conn)?;
    let region = crate::deals::org_region(conn, k.buyer_org_id)?;
    diesel::update(contracts::table.find(id))
        .set((contracts::region_code.eq(&region), contracts::updated_at.eq(now())))
        .execute(conn)?;
    record(conn, id, user.id, "recorded_elsewhere", Some(&r.number))
}

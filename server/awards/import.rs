//! Writes a scenario of `rewards evaluate` into the register: its parties as organizations (with
//! their confirmed flags), its contracts as registered contracts with their payments, and its
//! budgets. The worked examples run through the database path with it, and the benchmark fills a
//! register of national size. Returns how the scenario's ids map to database ids.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::{now, DbConn};
use crate::error::{AppError, AppResult};
use crate::organizations::FlagStatus;
use crate::registration::RegistrationStatus;
use crate::rewards::scenario::Scenario;
use crate::schema::{
    contract_intermediaries, contract_payments, contracts, org_flags, organizations, reward_budgets, users,
};

/// Scenario ids → database ids.
#[derive(Debug, Clone, Default)]
pub struct Ids {
    pub parties: BTreeMap<String, i64>,
    pub contracts: BTreeMap<String, i64>,
}

impl Ids {
    /// The scenario id of an organization.
    pub fn party_of(&self, org: i64) -> Option<&str> {
        self.parties.iter().find(|(_, v)| **v == org).map(|(k, _)| k.as_str())
    }
    /// The scenario id of a contract.
    pub fn contract_of(&self, id: i64) -> Option<&str> {
        self.contracts.iter().find(|(_, v)| **v == id).map(|(k, _)| k.as_str())
    }
}

/// The Unix time of noon, local time, on a day: a registration on that day.
pub fn noon(day: NaiveDate) -> i64 {
    day.and_hms_opt(12, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono::Local).single())
        .map(|t| t.timestamp())
        .unwrap_or_default()
}

fn naive(d: crate::rewards::Date) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").map_err(AppError::internal)
}

/// Writes the scenario; a contract registered gets the number `TAG-ID` (its scenario id after the
/// tag, so the engine orders ties as it does for the scenario).
pub fn import(conn: &mut DbConn, s: &Scenario, tag: &str) -> AppResult<Ids> {
    let mut ids = Ids::default();
    let t = now();
    for p in &s.parties {
        let id: i64 = diesel::insert_into(organizations::table)
            .values((
                organizations::kind.eq(p.kind.code()),
                organizations::name.eq(&p.id),
                organizations::region_code.eq(&p.region),
                organizations::aid_partnered.eq(p.aid_partnered),
                organizations::verification.eq(crate::vocabulary::Verification::Verified),
                organizations::created_at.eq(t),
            ))
            .returning(organizations::id)
            .get_result(conn)?;
        for (flag, on) in [("sme", p.sme), ("tech_sme", p.tech_sme)] {
            if on {
                diesel::insert_into(org_flags::table)
                    .values((
                        org_flags::org_id.eq(id),
                        org_flags::flag.eq(flag),
                        org_flags::certificate_no.eq(format!("{tag}-{}", p.id)),
                        org_flags::valid_from.eq("2000-01-01"),
                        org_flags::valid_to.eq("2099-12-31"),
                        org_flags::status.eq(FlagStatus::Confirmed),
                        org_flags::created_at.eq(t),
                    ))
                    .execute(conn)?;
            }
        }
        ids.parties.insert(p.id.clone(), id);
    }
    let party = |id: &str| -> AppResult<i64> {
        ids.parties
            .get(id)
            .copied()
            .ok_or_else(|| AppError::internal(format!("unknown party {id}")))
    };
    // The user who entered the contracts and payments.
    let first = s.parties.first().map(|p| party(&p.id)).transpose()?;
    let Some(first) = first else { return Ok(ids) };
    let user: i64 = diesel::insert_into(users::table)
        .values((
            users::org_id.eq(first),
            users::email.eq(format!("import-{tag}@example.test")),
            users::name.eq("import"),
            users::password_hash.eq("!"),
            users::role.eq("enterprise"),
            users::created_at.eq(t),
        ))
        .returning(users::id)
        .get_result(conn)?;
    let proof = crate::files::store(
        conn,
        Some(first),
        Some(user),
        "payment",
        "import.pdf",
        crate::files::Kind::Pdf,
        b"%PDF-1.4\n%%EOF\n",
    )?;
    for k in &s.contracts {
        let buyer = party(&k.buyer)?;
        let seller = party(&k.seller)?;
        let inter = k.intermediaries.first().map(|i| party(i)).transpose()?;
        let through = k.registered_through.as_deref().map(party).transpose()?;
        let signed = k.signed_on.or(k.registered_on).map(naive).transpose()?;
        let signed = signed.map(|d| d.to_string()).unwrap_or_else(|| "2000-01-01".into());
        let registered = k.registered_on.map(naive).transpose()?;
        let sub = crate::vocabulary::CONTRACT_KINDS
            .iter()
            .find(|(kind, _)| *kind == k.kind.code())
            .and_then(|(_, subs)| subs.first().copied())
            .unwrap_or("general");
        let region = s.party(&k.seller).map(|p| p.region.clone()).unwrap_or_default();
        let id: i64 = diesel::insert_into(contracts::table)
            .values((
                (
                    contracts::kind.eq(k.kind.code()),
                    contracts::sub_kind.eq(sub),
                    contracts::buyer_org_id.eq(buyer),
                    contracts::seller_org_id.eq(seller),
                    contracts::intermediary_org_id.eq(inter),
                    contracts::project_name.eq(&k.id),
                    contracts::signed_on.eq(&signed),
                    contracts::term_from.eq(&signed),
                    contracts::term_to.eq(&signed),
                    contracts::contract_fen.eq(k.amount.fen()),
                    contracts::equity_fen.eq(k.equity_amount.map(|m| m.fen())),
                    contracts::tech_fen_registered.eq(Some(k.technology_amount.fen())),
                ),
                (
                    contracts::involves_patent.eq(k.patent),
                    contracts::patents.eq(""),
                    contracts::is_import.eq(false),
                    contracts::region_code.eq(region),
                    contracts::status.eq(if registered.is_some() {
                        RegistrationStatus::Registered
                    } else {
                        RegistrationStatus::Submitted
                    }),
                    contracts::submitted_by_org.eq(through),
                    contracts::submitted_at.eq(Some(t)),
                    contracts::registration_no.eq(registered.map(|_| format!("{tag}-{}", k.id))),
                    contracts::registered_at.eq(registered.map(noon)),
                    contracts::created_by.eq(user),
                    contracts::version.eq(0),
                    contracts::created_at.eq(t),
                    contracts::updated_at.eq(t),
                ),
            ))
            .returning(contracts::id)
            .get_result(conn)?;
        for (pos, i) in k.intermediaries.iter().enumerate().skip(1) {
            diesel::insert_into(contract_intermediaries::table)
                .values((
                    contract_intermediaries::contract_id.eq(id),
                    contract_intermediaries::position.eq(pos as i32 + 1),
                    contract_intermediaries::org_id.eq(party(i)?),
                ))
                .execute(conn)?;
        }
        for p in &k.payments {
            diesel::insert_into(contract_payments::table)
                .values((
                    contract_payments::contract_id.eq(id),
                    contract_payments::paid_on.eq(p.on.to_string()),
                    contract_payments::amount_fen.eq(p.amount.fen()),
                    contract_payments::proof_file_id.eq(proof),
                    contract_payments::note.eq(""),
                    contract_payments::recorded_by.eq(user),
                    contract_payments::recorded_org.eq(buyer),
                    contract_payments::created_at.eq(t),
                    contract_payments::voucher.eq(p.voucher),
                ))
                .execute(conn)?;
        }
        ids.contracts.insert(k.id.clone(), id);
    }
    for (fund, years) in &s.budgets {
        for (year, m) in years {
            diesel::insert_into(reward_budgets::table)
                .values((
                    reward_budgets::fund.eq(fund),
                    reward_budgets::year.eq(*year),
                    reward_budgets::amount_fen.eq(m.fen()),
                    reward_budgets::set_by.eq(user),
                    reward_budgets::set_at.eq(t),
                ))
                .execute(conn)?;
        }
    }
    Ok(ids)
}

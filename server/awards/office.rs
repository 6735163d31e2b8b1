//! The office's side of awards in the database (a room of the store): what an officer's page
//! shows (awards awaiting approval, decisions, conflicts, the use of each fund by year, the
//! programs with a discretionary range), the decisions, discretionary awards, budgets and policy
//! versions officers enter, the disbursement list, and an organization's own awards. The checks
//! that need no database are in `rules`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::rules::{discretionary_trace, halves, BudgetInput, DiscretionaryInput, EditInput, Loaded};
use super::store::{build_catalogue, catalogue_on, editable, live, rows_of, versions_on, what_if, PolicyVersion};
use super::views::{programs_of, FundUse, Overview, Row, WhatIf};
use super::{enqueue, Entry, LedgerStatus};
use crate::auth::SessionUser;
use crate::db::{now, today, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::{Msg, Problems};
use crate::registration::RegistrationStatus;
use crate::rewards::{Money, Program};
use crate::schema::{contracts, organizations, policy_versions, reward_budgets, reward_decisions, reward_ledger};
use crate::tables::Cell;

// ---- an organization's awards ---------------------------------------------------------------------------

/// An organization's live awards, its last 100 ledger entries, and how many recomputations are
/// still waiting (so the page can say that figures may still move).
pub fn of_org(conn: &mut DbConn, org_id: i64) -> AppResult<(Vec<Row>, Vec<Row>, i64)> {
    let loaded = catalogue_on(conn, today())?;
    let entries = live(conn, Some(org_id), None)?;
    let rows = rows_of(conn, &loaded, entries)?;
    let all: Vec<Entry> = reward_ledger::table
        .filter(reward_ledger::beneficiary_org_id.eq(org_id))
        .order(reward_ledger::id.desc())
        .limit(100)
        .load(conn)?;
    let history = rows_of(conn, &loaded, all)?;
    let pending: i64 = crate::schema::reward_jobs::table
        .filter(crate::schema::reward_jobs::done_at.is_null())
        .count()
        .get_result(conn)?;
    Ok((rows, history, pending))
}

// ---- the officer's page -----------------------------------------------------------------------------------

pub fn overview(conn: &mut DbConn, user: &SessionUser) -> AppResult<Overview> {
    let loaded = catalogue_on(conn, today())?;
    let mine = programs_of(&loaded, user);
    let ids: Vec<String> = mine.iter().map(|p| p.id.clone()).collect();
    let entries = live(conn, None, Some(&ids))?;
    let rows = rows_of(conn, &loaded, entries)?;
    let (conflicts, rows): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| r.e.status == LedgerStatus::Conflict);
    let (decided, awaiting): (Vec<Row>, Vec<Row>) = rows
        .into_iter()
        .filter(|r| r.e.status != LedgerStatus::OverBudget)
        .partition(|r| r.decision.is_some());
    let (funds, fund_ids) = fund_use(conn, &loaded, &mine)?;
    let discretionary = mine
        .iter()
        .filter_map(|p| {
            p.range.map(|(lo, hi)| {
                (
                    p.id.clone(),
                    format!("{} · {}", p.citation, p.name.clone().unwrap_or_default()),
                    format!("{}–{}", lo.grouped(), hi.grouped()),
                )
            })
        })
        .collect();
    Ok(Overview {
        awaiting,
        decided,
        conflicts,
        funds,
        fund_ids,
        discretionary,
    })
}

/// The fund a program pays from, if any.
fn fund_of(p: &Program) -> Option<&str> {
    p.rule.as_ref().and_then(|r| r.fund.as_deref())
}

/// The use of each fund by year, and (id, name) of the funds.
type Funds = (Vec<FundUse>, Vec<(String, String)>);

/// The use of each fund the officer's programs pay from, by year (latest first), and the funds.
fn fund_use(conn: &mut DbConn, loaded: &Loaded, mine: &[Program]) -> AppResult<Funds> {
    let mut funds = Vec::new();
    let mut fund_ids = Vec::new();
    for f in &loaded.catalogue.funds {
        let progs: Vec<String> = mine
            .iter()
            .filter(|p| fund_of(p) == Some(f.id.as_str()))
            .map(|p| p.id.clone())
            .collect();
        if progs.is_empty() {
            continue;
        }
        let name = f.name.clone().unwrap_or_else(|| f.id.clone());
        fund_ids.push((f.id.clone(), name.clone()));
        let used: Vec<(i32, LedgerStatus, i64)> = reward_ledger::table
            .filter(reward_ledger::program.eq_any(&progs))
            .select((reward_ledger::year, reward_ledger::status, reward_ledger::amount_fen))
            .load(conn)?;
        let budgets: Vec<(i32, i64)> = reward_budgets::table
            .filter(reward_budgets::fund.eq(&f.id))
            .select((reward_budgets::year, reward_budgets::amount_fen))
            .load(conn)?;
        let mut years: BTreeMap<i32, FundUse> = BTreeMap::new();
        let blank = |year: i32| FundUse {
            fund: f.id.clone(),
            name: name.clone(),
            year,
            budget: f.default_limit.map(Money::fen),
            computed: 0,
            over_budget: 0,
            co_funding: f.co_funding.clone(),
        };
        for (year, status, fen) in used {
            let u = years.entry(year).or_insert_with(|| blank(year));
            if status == LedgerStatus::OverBudget {
                u.over_budget += fen;
            } else {
                u.computed += fen;
            }
        }
        for (year, fen) in budgets {
            years.entry(year).or_insert_with(|| blank(year)).budget = Some(fen);
        }
        funds.extend(years.into_values().rev());
    }
    Ok((funds, fund_ids))
}

// ---- decisions, discretionary awards, budgets -----------------------------------------------------------

/// Approves or rejects (with a reason) a live award of a program the officer answers for, and
/// records it in the audit log.
pub fn decide(conn: &mut DbConn, user: &SessionUser, id: i64, approve: bool, reason: &str) -> AppResult<()> {
    let loaded = catalogue_on(conn, today())?;
    let e: Entry = reward_ledger::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if !programs_of(&loaded, user).iter().any(|p| p.id == e.program) {
        return Err(AppError::NotFound);
    }
    let reversed: i64 = reward_ledger::table
        .filter(reward_ledger::reverses.eq(Some(id)))
        .count()
        .get_result(conn)?;
    if e.reverses.is_some() || reversed > 0 || e.status.held() {
        return Err(AppError::conflict("err.award_changed"));
    }
    let inserted = diesel::insert_into(reward_decisions::table)
        .values((
            reward_decisions::entry_id.eq(id),
            reward_decisions::approved.eq(approve),
            reward_decisions::reason.eq(reason),
            reward_decisions::decided_by.eq(user.id),
            reward_decisions::decided_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            return Err(AppError::conflict("err.award_decided"))
        }
        Err(e) => return Err(e.into()),
    }
    let region = loaded.catalogue.program(&e.program).and_then(|p| p.region.clone());
    let amount = Money::from_fen(e.amount_fen).grouped();
    let why = if approve {
        String::new()
    } else {
        format!(" · {reason}")
    };
    let detail = format!("{} · {} · {amount}{why}", e.beneficiary_org_id, e.program);
    let action = if approve { "award_approved" } else { "award_rejected" };
    crate::audit::record(conn, user, action, "reward", id, region.as_deref(), &detail)
}

/// The organization a credit code or broker certificate names: (id, name).
fn org_by_code(conn: &mut DbConn, code: &str) -> AppResult<Option<(i64, String)>> {
    let code = code.trim().to_uppercase();
    Ok(organizations::table
        .filter(
            organizations::credit_code
                .eq(&code)
                .or(organizations::broker_certificate.eq(&code)),
        )
        .select((organizations::id, organizations::name))
        .first(conn)
        .optional()?)
}

/// The registered contract of a registration number.
fn registered_contract(conn: &mut DbConn, number: &str) -> AppResult<Option<i64>> {
    Ok(contracts::table
        .filter(contracts::registration_no.eq(number.trim()))
        .filter(contracts::status.eq(RegistrationStatus::Registered))
        .select(contracts::id)
        .first(conn)
        .optional()?)
}

/// Enters a discretionary award of a program the officer answers for, checked against the range
/// its text allows; `p`, `amount` and `year` are what `rules::check_discretionary` found. Returns
/// the problems instead when there are any.
pub fn enter_discretionary(
    conn: &mut DbConn,
    user: &SessionUser,
    i: &DiscretionaryInput,
    (mut p, amount, year): (Problems, Option<i64>, Option<i32>),
) -> AppResult<Result<(), Problems>> {
    let loaded = catalogue_on(conn, today())?;
    let program = programs_of(&loaded, user)
        .into_iter()
        .find(|x| x.id == i.program && x.range.is_some());
    if program.is_none() {
        p.add("d_program", Msg::t("err.award_program"));
    }
    let org = org_by_code(conn, &i.beneficiary)?;
    if org.is_none() {
        p.add("d_beneficiary", Msg::tf("err.party_unknown", [i.beneficiary.as_str()]));
    }
    let contract = match i.contract.trim() {
        "" => None,
        number => {
            let k = registered_contract(conn, number)?;
            if k.is_none() {
                p.add("d_contract", Msg::tf("err.award_contract", [i.contract.as_str()]));
            }
            k
        }
    };
    if let (Some(prog), Some(a)) = (&program, amount) {
        if let Err(why) = loaded.catalogue.check_discretionary(&prog.id, Money::from_fen(a)) {
            let (lo, hi) = prog.range.unwrap_or((Money::from_fen(0), Money::from_fen(0)));
            p.add(
                "d_amount",
                Msg::tf("err.award_range", [lo.grouped(), hi.grouped(), why]),
            );
        }
    }
    let (true, Some(prog), Some((org, _)), Some(a), Some(year)) = (p.is_empty(), program, org, amount, year) else {
        return Ok(Err(p));
    };
    let contract_key = contract.map(|k| k.to_string()).unwrap_or_else(|| "-".into());
    let entry: i64 = diesel::insert_into(reward_ledger::table)
        .values((
            reward_ledger::award_key.eq(format!(
                "{}|{org}|{contract_key}|{year}|discretionary|{}",
                prog.id,
                now()
            )),
            reward_ledger::program.eq(&prog.id),
            reward_ledger::beneficiary_org_id.eq(org),
            reward_ledger::contract_id.eq(contract),
            reward_ledger::year.eq(year),
            reward_ledger::status.eq(LedgerStatus::Discretionary),
            reward_ledger::is_final.eq(true),
            reward_ledger::base_fen.eq(0),
            reward_ledger::amount_fen.eq(a),
            reward_ledger::trace.eq(discretionary_trace(&prog, Money::from_fen(a), &i.note)),
            reward_ledger::cause.eq("discretionary"),
            reward_ledger::policy.eq(loaded.policy_of(&prog.id)),
            reward_ledger::created_by.eq(Some(user.id)),
            reward_ledger::created_at.eq(now()),
        ))
        .returning(reward_ledger::id)
        .get_result(conn)?;
    let detail = format!("{org} · {} · {}", prog.id, Money::from_fen(a).grouped());
    crate::audit::record(
        conn,
        user,
        "award_discretionary",
        "reward",
        entry,
        prog.region.as_deref(),
        &detail,
    )?;
    Ok(Ok(()))
}

/// Sets what a fund one of the officer's programs pays from makes available in a year, and
/// queues a recomputation of everything; `p`, `amount` and `year` are what `rules::check_budget`
/// found. Returns the problems instead when there are any.
pub fn set_budget(
    conn: &mut DbConn,
    user: &SessionUser,
    i: &BudgetInput,
    (mut p, amount, year): (Problems, Option<i64>, Option<i32>),
) -> AppResult<Result<(), Problems>> {
    let loaded = catalogue_on(conn, today())?;
    let mine = programs_of(&loaded, user);
    let ours = loaded
        .catalogue
        .funds
        .iter()
        .any(|fd| fd.id == i.fund && mine.iter().any(|x| fund_of(x) == Some(fd.id.as_str())));
    if !ours {
        p.add("b_fund", Msg::t("err.award_fund"));
    }
    let (true, Some(a), Some(y)) = (p.is_empty(), amount, year) else {
        return Ok(Err(p));
    };
    diesel::delete(
        reward_budgets::table
            .filter(reward_budgets::fund.eq(&i.fund))
            .filter(reward_budgets::year.eq(y)),
    )
    .execute(conn)?;
    diesel::insert_into(reward_budgets::table)
        .values((
            reward_budgets::fund.eq(&i.fund),
            reward_budgets::year.eq(y),
            reward_budgets::amount_fen.eq(a),
            reward_budgets::set_by.eq(user.id),
            reward_budgets::set_at.eq(now()),
        ))
        .execute(conn)?;
    enqueue(conn, None, "budget")?;
    let detail = format!("{} · {y} · {}", i.fund, Money::from_fen(a).grouped());
    let region = user.officer_region.as_deref();
    crate::audit::record(conn, user, "budget_set", "fund", i64::from(y), region, &detail)?;
    Ok(Ok(()))
}

// ---- the disbursement list --------------------------------------------------------------------------------

/// The approved awards of a year of the officer's programs, as the rows of the disbursement list
/// (`views::DISBURSEMENT_HEADERS`).
pub fn disbursement(conn: &mut DbConn, user: &SessionUser, year: i32) -> AppResult<Vec<Vec<Cell>>> {
    let loaded = catalogue_on(conn, today())?;
    let ids: Vec<String> = programs_of(&loaded, user).iter().map(|p| p.id.clone()).collect();
    let entries: Vec<Entry> = live(conn, None, Some(&ids))?
        .into_iter()
        .filter(|e| e.year == year)
        .collect();
    let rows = rows_of(conn, &loaded, entries)?;
    let codes: BTreeMap<i64, (Option<String>, Option<String>, String)> = organizations::table
        .filter(organizations::id.eq_any(rows.iter().map(|r| r.e.beneficiary_org_id).collect::<Vec<_>>()))
        .select((
            organizations::id,
            organizations::credit_code,
            organizations::broker_certificate,
            organizations::region_code,
        ))
        .load::<(i64, Option<String>, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, a, b, r)| (id, (a, b, r)))
        .collect();
    let approved = rows.into_iter().filter(|r| r.decision.as_ref().is_some_and(|d| d.0));
    Ok(approved
        .map(|r| {
            let (code, cert, region) = codes.get(&r.e.beneficiary_org_id).cloned().unwrap_or_default();
            disbursement_row(&loaded, r, code.or(cert).unwrap_or_default(), region)
        })
        .collect())
}

/// One award of the disbursement list; 西宁's awards (and those of a co-funded fund) show the
/// city's and the district's halves.
fn disbursement_row(loaded: &Loaded, r: Row, code: String, region: String) -> Vec<Cell> {
    let program = loaded.catalogue.program(&r.e.program);
    let co_funded = program
        .and_then(fund_of)
        .and_then(|f| loaded.catalogue.fund(f))
        .is_some_and(|f| f.co_funding.is_some())
        || program.and_then(|p| p.region.as_deref()) == Some("630100");
    let (city, district) = halves(r.e.amount_fen, co_funded);
    let yuan = |f: i64| Money::from_fen(f).plain();
    vec![
        Cell::Text(r.beneficiary.clone()),
        Cell::Text(code),
        Cell::Text(region),
        Cell::Text(r.e.program.clone()),
        Cell::Text(r.citation.clone()),
        Cell::Text(r.contract.as_ref().map(|k| k.2.clone()).unwrap_or_default()),
        Cell::Number(r.e.year.to_string()),
        Cell::Number(yuan(r.e.amount_fen)),
        Cell::Number(city.map(yuan).unwrap_or_default()),
        Cell::Number(district.map(yuan).unwrap_or_default()),
        Cell::Text(r.e.status.to_string()),
    ]
}

// ---- the catalogue's versions -----------------------------------------------------------------------------

/// Every stored version of every policy file, by file, the latest first.
pub fn all_versions(conn: &mut DbConn) -> AppResult<Vec<PolicyVersion>> {
    Ok(policy_versions::table
        .order((policy_versions::name, policy_versions::version_no.desc()))
        .load(conn)?)
}

/// The text of one stored version of a policy file.
pub fn version_text(conn: &mut DbConn, file: &str, no: i32) -> AppResult<String> {
    policy_versions::table
        .filter(policy_versions::name.eq(file))
        .filter(policy_versions::version_no.eq(no))
        .select(policy_versions::content)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// What became of a draft of a policy file: the version now current, the what-if of a preview,
/// and the problems found.
pub struct Saved {
    pub current: i32,
    pub whatif: Option<WhatIf>,
    pub problems: Problems,
}

/// Previews a draft of a file the officer may change (what it would have paid in a year) or
/// publishes it as a new version effective from a date; `p`, `from` and `year` are what
/// `rules::check_edit` found. The draft must parse with the rest of the catalogue and, to be
/// published, differ from the latest version.
pub fn save_version(
    conn: &mut DbConn,
    user: &SessionUser,
    file: &str,
    i: &EditInput,
    preview: bool,
    (mut p, from, year): (Problems, Option<NaiveDate>, Option<i32>),
) -> AppResult<Saved> {
    let latest = editable(conn, user, file)?;
    let versions = versions_on(conn, today())?;
    if let Err(e) = build_catalogue(&versions, Some((file, &i.content))) {
        p.add("content", Msg::Said(e));
    }
    if i.content == latest.content && !preview {
        p.add("content", Msg::t("err.policy_unchanged"));
    }
    let mut saved = Saved {
        current: latest.version_no,
        whatif: None,
        problems: Problems::new(),
    };
    if !p.is_empty() || preview {
        if p.is_empty() {
            if let Some(y) = year {
                saved.whatif = what_if(conn, file, &i.content, y)?.ok();
            }
        }
        saved.problems = p;
        return Ok(saved);
    }
    let Some(from) = from else {
        saved.problems = p;
        return Ok(saved);
    };
    let no = latest.version_no + 1;
    diesel::insert_into(policy_versions::table)
        .values((
            policy_versions::name.eq(file),
            policy_versions::version_no.eq(no),
            policy_versions::content.eq(&i.content),
            policy_versions::effective_from.eq(from.to_string()),
            policy_versions::note.eq(i.note.trim()),
            policy_versions::created_by.eq(Some(user.id)),
            policy_versions::created_at.eq(now()),
        ))
        .execute(conn)?;
    if from <= today() {
        enqueue(conn, None, "program")?;
    }
    let region = catalogue_on(conn, today())?
        .catalogue
        .documents
        .iter()
        .find(|d| d.file == file)
        .and_then(|d| d.region.clone());
    let detail = format!("{file} v{no} · {from} · {}", i.note.trim());
    crate::audit::record(
        conn,
        user,
        "policy_version",
        "policy",
        i64::from(no),
        region.as_deref(),
        &detail,
    )?;
    saved.current = no;
    Ok(saved)
}

//! The register's export: the registered contracts of an officer's region and a period, one
//! row a contract in the national register's field layout.

use diesel::prelude::*;

use super::rules::*;
use super::store::*;
use crate::auth::SessionUser;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::registration::RegistrationStatus;
use crate::schema::{contract_payments, contracts, organizations};
use crate::tables::Cell;
use crate::web::Ctx;

/// The rows of the contracts registered from `start` to `end` (Unix seconds) in the regions the
/// officer oversees, in order of their numbers.
pub(crate) fn registered_rows(
    conn: &mut DbConn,
    c: &Ctx,
    user: &SessionUser,
    (start, end): (i64, i64),
) -> AppResult<Vec<Vec<Cell>>> {
    let ks: Vec<Contract> = contracts::table
        .filter(contracts::status.eq(RegistrationStatus::Registered))
        .filter(contracts::registered_at.ge(start))
        .filter(contracts::registered_at.le(end))
        .order(contracts::registration_no)
        .load(conn)?;
    let mut rows = Vec::new();
    let offices = crate::organizations::Offices::load(conn)?;
    for k in ks.into_iter().filter(|k| offices.registers(user, &k.region_code)) {
        let items = items_of(conn, k.id)?;
        let party = |conn: &mut DbConn, org: i64| -> AppResult<[String; 4]> {
            let (name, code, region, kind): (String, Option<String>, String, String) = organizations::table
                .find(org)
                .select((
                    organizations::name,
                    organizations::credit_code,
                    organizations::region_code,
                    organizations::kind,
                ))
                .first(conn)?;
            Ok([
                name,
                code.unwrap_or_default(),
                region,
                c.t(&format!("kind.{kind}")).to_string(),
            ])
        };
        let buyer = party(conn, k.buyer_org_id)?;
        let seller = party(conn, k.seller_org_id)?;
        let intermediary = intermediary_names(conn, &k)?;
        let paid: Vec<i64> = contract_payments::table
            .filter(contract_payments::contract_id.eq(k.id))
            .select(contract_payments::amount_fen)
            .load(conn)?;
        use crate::tables::Cell::{Number, Text};
        let mut row = vec![
            Text(k.registration_no.clone().unwrap_or_default()),
            Text(
                k.registered_at
                    .map(|t| crate::web::fmt_ts(t)[..10].to_string())
                    .unwrap_or_default(),
            ),
            Text(k.project_name.clone()),
            Text(c.t(&k.kind_key()).to_string()),
            Text(c.t(&k.sub_kind_key()).to_string()),
        ];
        row.extend(buyer.into_iter().map(Text));
        row.extend(seller.into_iter().map(Text));
        row.extend([
            Text(intermediary.unwrap_or_default()),
            Text(k.signed_on.clone()),
            Text(k.term_from.clone()),
            Text(k.term_to.clone()),
            Number(yuan(k.contract_fen)),
            Number(yuan(tech_fen(&k, &items))),
            Number(k.equity_fen.map(yuan).unwrap_or_default()),
            Text(k.patents.clone()),
            Number(yuan(paid.iter().sum())),
        ]);
        rows.push(row);
    }
    Ok(rows)
}

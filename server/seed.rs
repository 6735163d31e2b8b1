//! `techmarket seed-demo`: fills an empty database with the believable demo market of `demo`, with
//! sign-in accounts for each role printed at the end.

use diesel::prelude::*;

use crate::db::{now, DbConn, Pool};
use crate::demo::{self, DemoMarket};
use crate::listings::achievement::AchievementContent;
use crate::listings::demand::DemandContent;
use crate::listings::Text;
use crate::organizations::FlagStatus;
use crate::schema::{demands, listing_events, org_flags, organizations, users};
use crate::vocabulary::OrgKind;
use crate::{auth, credit_code};

pub struct Account {
    pub role: &'static str,
    pub email: String,
    pub org: String,
}

pub struct Summary {
    pub organizations: usize,
    pub demands: usize,
    pub achievements: usize,
    pub accounts: Vec<Account>,
    pub password: String,
}

const OFFICES: &[(&str, &str)] = &[
    ("630000", "青海省科学技术厅"),
    ("630100", "西宁市科学技术局"),
    ("632800", "海西州科学技术局"),
    ("620000", "甘肃省科学技术厅"),
    ("370200", "青岛市科学技术局"),
];

/// A valid credit code for a demo organization: the region, then characters from the index.
fn demo_credit_code(region: &str, n: usize) -> String {
    let chars: Vec<char> = credit_code::CHARSET.chars().collect();
    let mut body = format!("91{region}MA");
    let mut x = n * 7919 + 104_729;
    for _ in 0..7 {
        body.push(chars[x % chars.len()]);
        x /= chars.len();
        x += 13;
    }
    let check = credit_code::check_char(&body).unwrap_or('0');
    body.push(check);
    body
}

fn insert_org(
    conn: &mut DbConn,
    kind: OrgKind,
    name: &str,
    region: &str,
    code: Option<String>,
    cert: Option<&str>,
) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(organizations::table)
        .values((
            organizations::kind.eq(kind),
            organizations::name.eq(name),
            organizations::credit_code.eq(code),
            organizations::region_code.eq(region),
            organizations::broker_certificate.eq(cert),
            organizations::verification.eq(crate::vocabulary::Verification::Verified),
            organizations::verified_at.eq(Some(t)),
            organizations::created_at.eq(t),
        ))
        .returning(organizations::id)
        .get_result(conn)
}

#[allow(clippy::too_many_arguments)]
fn insert_user(
    conn: &mut DbConn,
    org: i64,
    email: &str,
    name: &str,
    hash: &str,
    role: &str,
    admin: bool,
    officer_region: Option<&str>,
) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(users::table)
        .values((
            users::org_id.eq(org),
            users::email.eq(email),
            users::name.eq(name),
            users::password_hash.eq(hash),
            users::role.eq(role),
            users::is_admin.eq(admin),
            users::officer_region.eq(officer_region),
            users::email_verified_at.eq(Some(t)),
            users::lang.eq("zh"),
            users::created_at.eq(t),
        ))
        .returning(users::id)
        .get_result(conn)
}

/// Fills the database; refuses when it already holds any organization.
pub fn seed_demo(pool: &Pool) -> Result<Summary, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let existing: i64 = organizations::table
        .count()
        .get_result(&mut *conn)
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Err(format!(
            "the database already holds {existing} organization(s); seed-demo only fills an empty one"
        ));
    }
    let today = crate::db::today();
    use chrono::Datelike;
    let market = demo::market(20261124, (today.year(), today.month(), today.day()));
    let password = auth::random_token()[..16].to_string();
    let hash = auth::hash_password(&password).map_err(|e| e.to_string())?;
    crate::db::write_tx::<_, diesel::result::Error, _>(&mut conn, |conn| insert_market(conn, &market, &hash))
        .map(|(accounts, orgs)| Summary {
            organizations: orgs,
            demands: market.demands.len(),
            achievements: market.achievements.len(),
            accounts,
            password,
        })
        .map_err(|e| e.to_string())
}

fn insert_market(conn: &mut DbConn, market: &DemoMarket, hash: &str) -> QueryResult<(Vec<Account>, usize)> {
    let mut accounts = Vec::new();
    for (region, office) in OFFICES {
        let org = insert_org(conn, OrgKind::Government, office, region, None, None)?;
        let email = format!("officer{region}@demo.techmarket.cn");
        insert_user(
            conn,
            org,
            &email,
            &format!("{office}审核员"),
            hash,
            "officer",
            false,
            Some(region),
        )?;
        accounts.push(Account {
            role: "officer",
            email,
            org: office.to_string(),
        });
    }
    let mut ids = std::collections::HashMap::new();
    let mut users_of = std::collections::HashMap::new();
    let t = now();
    for (n, o) in market.orgs.iter().enumerate() {
        let org = insert_org(
            conn,
            o.kind,
            &o.name,
            &o.region_code,
            Some(demo_credit_code(&o.region_code, n)),
            None,
        )?;
        let email = format!("{}@demo.techmarket.cn", o.email_local);
        let role = crate::accounts::role_for_kind(o.kind).as_str();
        let uid = insert_user(conn, org, &email, &o.user_name, hash, role, true, None)?;
        for (flag, on) in [("sme", o.sme), ("tech_sme", o.tech_sme), ("high_tech", o.high_tech)] {
            if on {
                diesel::insert_into(org_flags::table)
                    .values((
                        org_flags::org_id.eq(org),
                        org_flags::flag.eq(flag),
                        org_flags::certificate_no.eq(format!("DEMO-{}-{n:04}", flag.to_uppercase())),
                        org_flags::valid_from.eq("2025-01-01"),
                        org_flags::valid_to.eq("2027-12-31"),
                        org_flags::status.eq(FlagStatus::Confirmed),
                        org_flags::checked_at.eq(Some(t)),
                        org_flags::created_at.eq(t),
                    ))
                    .execute(conn)?;
            }
        }
        if !accounts.iter().any(|a| a.role == role) {
            accounts.push(Account {
                role,
                email: email.clone(),
                org: o.name.clone(),
            });
        }
        ids.insert(o.key.clone(), (org, o.region_code.clone()));
        users_of.insert(o.key.clone(), uid);
    }
    for b in &market.brokers {
        let org = insert_org(
            conn,
            OrgKind::Broker,
            &b.name,
            &b.region_code,
            None,
            Some(&b.certificate),
        )?;
        insert_broker_profile(conn, org, &b.region_code)?;
        let email = format!("{}@demo.techmarket.cn", b.email_local);
        insert_user(conn, org, &email, &b.name, hash, "broker", true, None)?;
        if !accounts.iter().any(|a| a.role == "broker (individual)") {
            accounts.push(Account {
                role: "broker (individual)",
                email,
                org: b.name.clone(),
            });
        }
    }
    for d in &market.demands {
        let Some((org, region)) = ids.get(&d.org_key) else {
            continue;
        };
        let author = users_of.get(&d.org_key).copied().unwrap_or(0);
        let published = t - i64::from(d.published_days_ago) * 86400;
        let content = demand_content(d);
        let id = crate::listings::insert(
            conn,
            &crate::listings::Placing::published(*org, author, region, published),
            &content,
        )?;
        diesel::update(demands::table.find(id))
            .set(demands::grade.eq(Some(d.grade)))
            .execute(conn)?;
        event(conn, "demand", id, author, published)?;
    }
    for a in &market.achievements {
        let Some((org, region)) = ids.get(&a.org_key) else {
            continue;
        };
        let author = users_of.get(&a.org_key).copied().unwrap_or(0);
        let published = t - i64::from(a.published_days_ago) * 86400;
        let ip =
            a.ip.iter()
                .map(|i| (i.kind.to_string(), i.number.clone(), i.status.to_string()))
                .collect();
        let content = achievement_content(a).with_ip(ip);
        let id = crate::listings::insert(
            conn,
            &crate::listings::Placing::published(*org, author, region, published),
            &content,
        )?;
        event(conn, "achievement", id, author, published)?;
    }
    Ok((accounts, market.orgs.len() + market.brokers.len()))
}

/// A demo broker's profile: the fields its province is known for, and its prefecture and province.
fn insert_broker_profile(conn: &mut DbConn, org: i64, region: &str) -> QueryResult<()> {
    use crate::schema::broker_profiles;
    let fields = match region.get(..2) {
        Some("63") => "salt_lake,lithium,plateau_agriculture",
        Some("62") => "nonferrous,new_materials",
        Some("37") => "marine,equipment",
        _ => "ai,digital_economy",
    };
    let prefecture = format!("{}00", region.get(..4).unwrap_or(region));
    let province = format!("{}0000", region.get(..2).unwrap_or(region));
    diesel::insert_into(broker_profiles::table)
        .values((
            broker_profiles::org_id.eq(org),
            broker_profiles::fields.eq(fields),
            broker_profiles::regions.eq(format!("{prefecture},{province}")),
            broker_profiles::intro.eq("持证技术经纪人，提供需求挖掘、成果评价、对接洽谈和合同登记协助服务。"),
            broker_profiles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The content of a demo need, as the demand form would write it.
pub fn demand_content(d: &demo::DemoDemand) -> DemandContent {
    let modes: Vec<String> = d.coop_modes.iter().map(|m| m.to_string()).collect();
    DemandContent::new(
        Text::new(
            &d.title,
            &d.summary,
            &d.detail,
            &d.contact,
            &d.field_code,
            &d.keywords.join(","),
        ),
        &modes,
        crate::demo::wanted_stage(d),
        (d.budget_min_fen, d.budget_max_fen, d.negotiable),
        &d.deadline,
        d.challenge.as_ref().map(|c| {
            (
                c.bounty_fen,
                c.goals.as_str(),
                c.indicators.as_str(),
                c.closes_on.as_str(),
            )
        }),
    )
}

/// The content of a demo achievement, as the achievement form would write it.
pub fn achievement_content(a: &demo::DemoAchievement) -> AchievementContent {
    let modes: Vec<String> = a.transfer_modes.iter().map(|m| m.to_string()).collect();
    AchievementContent::new(
        Text::new(
            &a.title,
            &a.summary,
            &a.detail,
            &a.contact,
            &a.field_code,
            &a.keywords.join(","),
        ),
        i32::from(a.trl),
        &modes,
        a.pricing_method,
        (a.price_fen, a.negotiable),
        a.notice.clone(),
    )
}

fn event(conn: &mut DbConn, kind: &str, id: i64, actor: i64, at: i64) -> QueryResult<()> {
    diesel::insert_into(listing_events::table)
        .values((
            listing_events::listing_kind.eq(kind),
            listing_events::listing_id.eq(id),
            listing_events::actor_user_id.eq(actor),
            listing_events::action.eq("publish"),
            listing_events::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

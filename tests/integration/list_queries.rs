//! The list pages make a fixed number of queries, however many rows they show: `/deals`,
//! `/broker/pipeline`, `/brokers`, `/broker/commissions` and `/contracts` are asked for with a few rows and
//! again with more, and the queries of the request are counted through diesel's instrumentation.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use diesel::connection::{set_default_instrumentation, Instrumentation, InstrumentationEvent};

use crate::both;
use crate::brokers::{ids_of, publish_pair, verified_broker};
use crate::helpers::*;
use crate::listings::verified_org;

/// Queries run so far, by the database URL of the connection that ran them.
fn queries() -> &'static Mutex<HashMap<String, u64>> {
    static QUERIES: OnceLock<Mutex<HashMap<String, u64>>> = OnceLock::new();
    QUERIES.get_or_init(Default::default)
}

/// Counts the queries of one connection under the URL it was opened with; the background
/// workers' queries (their own named threads) are left out.
struct Counter {
    url: Option<String>,
}

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartEstablishConnection { url, .. } => self.url = Some(url.to_string()),
            InstrumentationEvent::StartQuery { .. } => {
                let worker = std::thread::current()
                    .name()
                    .is_some_and(|n| ["mail-outbox", "search-outbox", "digest", "rewards"].contains(&n));
                if let (Some(url), false) = (&self.url, worker) {
                    *queries().lock().expect("counter").entry(url.clone()).or_default() += 1;
                }
            }
            _ => {}
        }
    }
}

fn counter() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(Counter { url: None }))
}

fn ran(app: &TestApp) -> u64 {
    queries()
        .lock()
        .expect("counter")
        .get(&app.database_url)
        .copied()
        .unwrap_or(0)
}

/// The queries one GET of the page makes (it must answer 200 and show `shows`).
fn queries_of(app: &TestApp, client: &Client, path: &str, shows: &str) -> u64 {
    let before = ran(app);
    let r = client.get(path);
    let n = ran(app) - before;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.assert_contains(shows);
    n
}

struct Market {
    ent: (i64, i64),
    inst: (i64, i64),
    broker_org: i64,
}

/// `n` more deals between the enterprise and the institution, worked by the broker for the buyer,
/// in every state, with offers; `n` more commissions of the broker; `n` more verified brokers.
fn add_rows(app: &TestApp, m: &Market, n: usize, round: usize) {
    let states = [
        "proposed",
        "contacted",
        "negotiating",
        "agreed",
        "withdrawn",
        "declined",
    ];
    for i in 0..n {
        let (demand, ach) = publish_pair(app, m.ent, m.inst);
        let status = states[i % states.len()];
        app.exec(&format!(
            "INSERT INTO deals (demand_id, achievement_id, buyer_org_id, seller_org_id, buyer_user_id, \
             seller_user_id, opened_by, status, version, created_at, updated_at, buyer_broker_org_id) \
             VALUES ({demand}, {ach}, {}, {}, {}, {}, 'buyer', '{status}', 0, 1700000000, {}, {})",
            m.ent.1,
            m.inst.1,
            m.ent.0,
            m.inst.0,
            1_700_000_000 + i,
            m.broker_org
        ))
        .expect("deal");
        let deal = app.count("SELECT MAX(id) FROM deals");
        if matches!(status, "negotiating" | "agreed") {
            let offer_status = if status == "agreed" { "accepted" } else { "open" };
            app.exec(&format!(
                "INSERT INTO deal_offers (deal_id, user_id, side, price_fen, coop_mode, payment_terms, \
                 licence_scope, note, status, created_at) \
                 VALUES ({deal}, {}, 'seller', 50000000, 'licence', '分三期支付', '', '', '{offer_status}', 1700000000)",
                m.inst.0
            ))
            .expect("offer");
            if status == "agreed" {
                app.exec(&format!(
                    "UPDATE deals SET agreed_offer_id = (SELECT MAX(id) FROM deal_offers) WHERE id = {deal}"
                ))
                .expect("agreed offer");
            }
        }
        let commission = if i % 2 == 0 { "pending" } else { "accepted" };
        app.exec(&format!(
            "INSERT INTO commissions (listing_kind, listing_id, owner_org_id, broker_org_id, created_by, status, \
             created_at) VALUES ('demand', {demand}, {}, {}, {}, '{commission}', 1700000000)",
            m.ent.1, m.broker_org, m.ent.0
        ))
        .expect("commission");
        verified_broker(app, &format!("经纪{round}-{i}"), &format!("QH-JJR-{round}-{i}"));
        app.exec(&format!(
            "INSERT INTO contracts (kind, sub_kind, buyer_org_id, seller_org_id, project_name, signed_on, term_from, \
             term_to, contract_fen, involves_patent, patents, is_import, region_code, status, created_by, version, \
             created_at, updated_at) VALUES ('licence', 'ordinary', {}, {}, '盐湖卤水提锂合同{round}-{i}', \
             '2026-01-05', '2026-01-05', '2027-01-05', 50000000, false, '', false, '630104', 'draft', {}, 0, \
             1700000000, {})",
            m.ent.1,
            m.inst.1,
            m.ent.0,
            1_700_000_000 + i
        ))
        .expect("contract");
    }
}

both!(list_pages_make_as_many_queries_with_more_rows, |db| {
    set_default_instrumentation(counter).expect("instrumentation");
    let app = TestApp::start_with(
        db,
        Options {
            // The workers' first round runs at start; after it they sleep through the test.
            extra: vec![
                ("MAIL_POLL_MS", "600000".to_string()),
                ("SEARCH_POLL_MS", "600000".to_string()),
                ("REWARDS_POLL_MS", "0".to_string()),
            ],
            ..Default::default()
        },
    );
    let (ent, ent_email) = verified_org(&app, "enterprise", "630104");
    let (_inst, inst_email) = verified_org(&app, "university", "630102");
    let (broker, broker_org) = verified_broker(&app, "赵经纪", "QH-JJR-2024-0101");
    let m = Market {
        ent: ids_of(&app, &ent_email),
        inst: ids_of(&app, &inst_email),
        broker_org,
    };
    let pages: [(&Client, &str, &str); 6] = [
        (&ent, "/deals", "盐湖卤水提锂"),
        (&broker, "/deals", "盐湖卤水提锂"),
        (&broker, "/broker/pipeline", "盐湖卤水提锂"),
        (&broker, "/brokers", "经纪"),
        (&broker, "/broker/commissions", "盐湖卤水提锂"),
        (&ent, "/contracts", "盐湖卤水提锂合同"),
    ];
    add_rows(&app, &m, 6, 1);
    let few: Vec<u64> = pages.iter().map(|(c, p, s)| queries_of(&app, c, p, s)).collect();
    // The same page twice: the count is the page's, not the workers'.
    let again: Vec<u64> = pages.iter().map(|(c, p, s)| queries_of(&app, c, p, s)).collect();
    assert_eq!(few, again, "the same pages, counted twice");
    add_rows(&app, &m, 12, 2);
    let many: Vec<u64> = pages.iter().map(|(c, p, s)| queries_of(&app, c, p, s)).collect();
    for (((_, page, _), a), b) in pages.iter().zip(&few).zip(&many) {
        eprintln!("{db:?} {page}: {a} queries with 6 rows, {b} with 18");
        assert!(*a > 0, "{page}: no query counted");
    }
    assert_eq!(
        few,
        many,
        "queries per page with 6 rows and with 18 ({:?})",
        pages.map(|p| p.1)
    );
});

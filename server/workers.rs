//! The background work of one server process, wired here at the composition root so that no area
//! calls up into one above it: the mail outbox, the search outbox (the index, then the saved
//! searches the new documents fit, then the matches), the digest and the reward jobs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::db::Pool;
use crate::index::SearchEngine;
use crate::mail::{Delivery, Mailer};

/// Starts every worker of the process and returns the search engine the pages use.
pub fn start(
    config: &Config,
    pool: &Pool,
    secret: &[u8],
    stop: &Arc<AtomicBool>,
) -> Result<Arc<dyn SearchEngine>, String> {
    let mailer = Mailer {
        delivery: match &config.smtp_url {
            Some(url) => Delivery::Smtp { url: url.clone() },
            None => Delivery::Files {
                dir: config.outbox_dir(),
            },
        },
        from: config.mail_from.clone(),
        retry_base_secs: config.mail_retry_base_secs,
    };
    crate::mail::spawn_worker(
        mailer,
        pool.clone(),
        Duration::from_millis(config.mail_poll_ms),
        stop.clone(),
    );

    let search = crate::index::open_engine(config)?;
    spawn_search_worker(
        search.clone(),
        pool.clone(),
        Duration::from_millis(config.search_poll_ms),
        config.match_notify_score,
        stop.clone(),
    );

    crate::digest::spawn_worker(
        pool.clone(),
        crate::digest::Settings {
            base_url: config.base_url.clone(),
            interval_secs: config.digest_interval_secs,
            secret: secret.to_vec(),
        },
        Duration::from_millis(config.mail_poll_ms.max(1000)),
        stop.clone(),
    );

    if config.rewards_poll_ms > 0 {
        crate::awards::spawn_worker(
            pool.clone(),
            Duration::from_millis(config.rewards_poll_ms),
            stop.clone(),
        );
    }
    Ok(search)
}

/// One batch of the search outbox to the index, its documents then to the saved searches they fit.
fn index_due(pool: &Pool, engine: &dyn SearchEngine) -> Result<usize, String> {
    crate::search::apply_due(pool, engine, crate::digest::add_saved_search_hits)
}

/// Applies everything due now, to the index and then to the matches (tests and `reindex` use
/// it); returns how many rows were applied to the index.
pub fn drain_search(pool: &Pool, engine: &dyn SearchEngine, notify: u16) -> Result<usize, String> {
    let mut total = 0;
    loop {
        let n = index_due(pool, engine)?;
        while crate::matching::apply_due(pool, engine, notify)? > 0 {}
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

/// Applies the search outbox in the background until the process ends: first to the index, then
/// to the matches of the listings it changed.
fn spawn_search_worker(
    engine: Arc<dyn SearchEngine>,
    pool: Pool,
    interval: Duration,
    notify: u16,
    stop: Arc<AtomicBool>,
) {
    let spawned = std::thread::Builder::new().name("search-outbox".into()).spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let indexed = index_due(&pool, engine.as_ref()).unwrap_or_else(|e| {
                log::warn!("search outbox: {e}");
                0
            });
            let matched = crate::matching::apply_due(&pool, engine.as_ref(), notify).unwrap_or_else(|e| {
                log::warn!("matching: {e}");
                0
            });
            if indexed + matched > 0 {
                continue;
            }
            std::thread::sleep(interval);
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start the search worker: {e}");
    }
}

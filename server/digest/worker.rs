//! The digest worker: sends each user's pending items in one mail once the interval since the
//! user's last digest has passed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;

use crate::db::{self, now, DbConn, Pool};
use crate::i18n::{self, Lang};
use crate::schema::{digest_items, users};
use crate::vocabulary::Kind;

use super::rules::{compose, gather_secs, off_token};
use super::store::{ItemRow, Names};

/// What the digest worker needs.
#[derive(Clone)]
pub struct Settings {
    pub base_url: String,
    pub interval_secs: i64,
    pub secret: Vec<u8>,
}

/// Sends the digest of one user when it is due; returns whether a mail was written.
fn send_one(conn: &mut DbConn, s: &Settings, user_id: i64) -> QueryResult<bool> {
    db::write_tx(conn, |conn| {
        let t = now();
        // Taking the user's digest slot is what makes two workers send one digest, not two.
        let cutoff = t - s.interval_secs;
        let taken = diesel::update(
            users::table
                .find(user_id)
                .filter(users::digest_enabled.eq(true))
                .filter(users::last_digest_at.is_null().or(users::last_digest_at.le(cutoff))),
        )
        .set(users::last_digest_at.eq(Some(t)))
        .execute(conn)?;
        if taken == 0 {
            return Ok(false);
        }
        let items: Vec<ItemRow> = digest_items::table
            .filter(digest_items::user_id.eq(user_id))
            .filter(digest_items::sent_at.is_null())
            .order((digest_items::score.desc(), digest_items::id))
            .select((
                digest_items::id,
                digest_items::kind,
                digest_items::listing_kind,
                digest_items::listing_id,
                digest_items::own_kind,
                digest_items::own_id,
                digest_items::saved_search_id,
                digest_items::score,
            ))
            .load(conn)?;
        let ids: Vec<i64> = items.iter().map(|i| i.0).collect();
        diesel::update(digest_items::table.filter(digest_items::id.eq_any(&ids)))
            .set(digest_items::sent_at.eq(Some(t)))
            .execute(conn)?;
        let (email, lang): (String, Option<String>) = users::table
            .find(user_id)
            .select((users::email, users::lang))
            .first(conn)?;
        let lang = lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Zh);
        let names = Names::load(conn, &items)?;
        let mut matches = Vec::new();
        let mut saved = Vec::new();
        for (_, kind, lk, lid, own_kind, own_id, sid, score) in &items {
            // A listing withdrawn since is left out.
            let Some(title) = names.title(lk, *lid) else {
                continue;
            };
            let base = Kind::parse(lk).unwrap_or(Kind::Achievement).base();
            let url = format!("{}{base}/{lid}", s.base_url);
            if kind == "match" {
                let own = match (own_kind, own_id) {
                    (Some(k), Some(i)) => names.title(k, *i).unwrap_or_default(),
                    _ => String::new(),
                };
                let pct = score.map(|s| (s / 10).to_string()).unwrap_or_default();
                matches.push(i18n::tf(lang, "digest.match_line", &[&own, &title, &pct, &url]));
            } else {
                let name = sid.and_then(|i| names.searches.get(&i).cloned()).unwrap_or_default();
                saved.push(i18n::tf(lang, "digest.saved_line", &[&name, &title, &url]));
            }
        }
        if matches.is_empty() && saved.is_empty() {
            // Nothing left to tell: the slot is given back.
            diesel::update(users::table.find(user_id))
                .set(users::last_digest_at.eq(None::<i64>))
                .execute(conn)?;
            return Ok(false);
        }
        let more_link = format!("{}/my/listings", s.base_url);
        let off = format!(
            "{}/digest/off?u={user_id}&t={}",
            s.base_url,
            off_token(&s.secret, user_id)
        );
        let (subject, body) = compose(lang, &matches, &saved, &more_link, &off);
        crate::mail::enqueue(conn, Some(user_id), &email, &subject, &body, Some("/digest"))
            .map_err(|_| diesel::result::Error::RollbackTransaction)?;
        Ok(true)
    })
}

/// Sends every digest that is due; returns how many mails were written.
pub fn send_due(pool: &Pool, s: &Settings) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let t = now();
    let cutoff = t - s.interval_secs;
    let due: Vec<i64> = digest_items::table
        .inner_join(users::table)
        .filter(digest_items::sent_at.is_null())
        .filter(digest_items::created_at.le(t - gather_secs(s.interval_secs)))
        .filter(users::digest_enabled.eq(true))
        .filter(users::last_digest_at.is_null().or(users::last_digest_at.le(cutoff)))
        .select(users::id)
        .distinct()
        .limit(200)
        .load(&mut *conn)
        .map_err(|e| e.to_string())?;
    let mut sent = 0;
    for uid in due {
        if send_one(&mut conn, s, uid).map_err(|e| e.to_string())? {
            sent += 1;
        }
    }
    Ok(sent)
}

pub fn spawn_worker(pool: Pool, settings: Settings, interval: Duration, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new().name("digest".into()).spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if let Err(e) = send_due(&pool, &settings) {
                log::warn!("digest: {e}");
            }
            std::thread::sleep(interval);
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start the digest worker: {e}");
    }
}

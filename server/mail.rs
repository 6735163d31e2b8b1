//! Mail through a database outbox: `enqueue` writes the mail (and the in-app notification) in the
//! caller's transaction; a background worker delivers it over SMTP, or as `.eml` files under
//! `DATA_DIR/outbox` when no SMTP server is configured, retrying with back-off until it succeeds.

use std::path::PathBuf;
use std::time::Duration;

use diesel::prelude::*;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{Message, SmtpTransport, Transport};

use crate::db::{now, DbConn, Pool};
use crate::error::AppResult;
use crate::schema::{mail_outbox, notifications};

/// Writes a mail to the outbox and, for a known user, to the user's notifications.
pub fn enqueue(
    conn: &mut DbConn,
    user_id: Option<i64>,
    to: &str,
    subject: &str,
    body: &str,
    link: Option<&str>,
) -> AppResult<()> {
    enqueue_with_notice(conn, user_id, to, subject, body, body, link)
}

/// Like `enqueue`, with a different text for the in-app notification: mails that carry a secret
/// link (address verification, password reset) say so in the notification without the link.
pub fn enqueue_with_notice(
    conn: &mut DbConn,
    user_id: Option<i64>,
    to: &str,
    subject: &str,
    body: &str,
    notice: &str,
    link: Option<&str>,
) -> AppResult<()> {
    let t = now();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::user_id.eq(user_id),
            mail_outbox::to_addr.eq(to),
            mail_outbox::subject.eq(subject),
            mail_outbox::body.eq(body),
            mail_outbox::created_at.eq(t),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(t),
        ))
        .execute(conn)?;
    if let Some(uid) = user_id {
        diesel::insert_into(notifications::table)
            .values((
                notifications::user_id.eq(uid),
                notifications::subject.eq(subject),
                notifications::body.eq(notice),
                notifications::link.eq(link),
                notifications::created_at.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Mails a user in the user's own language: the subject and body are the messages
/// `{key}.subject` and `{key}.body` filled with `args`; `link` is the page the in-app notification
/// opens.
pub fn enqueue_for_user(conn: &mut DbConn, user_id: i64, key: &str, args: &[&str], link: &str) -> AppResult<()> {
    use crate::i18n::{self, Lang};
    use crate::schema::users;
    let (email, lang): (String, Option<String>) = users::table
        .find(user_id)
        .select((users::email, users::lang))
        .first(conn)?;
    let lang = lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Zh);
    enqueue(
        conn,
        Some(user_id),
        &email,
        &i18n::tf(lang, &format!("{key}.subject"), args),
        &i18n::tf(lang, &format!("{key}.body"), args),
        Some(link),
    )
}

#[derive(Clone)]
pub enum Delivery {
    Smtp { url: String },
    Files { dir: PathBuf },
}

#[derive(Clone)]
pub struct Mailer {
    pub delivery: Delivery,
    pub from: String,
    pub retry_base_secs: i64,
}

struct Pending {
    id: i64,
    to: String,
    subject: String,
    body: String,
    attempts: i32,
}

impl Mailer {
    fn build(&self, p: &Pending) -> Result<Message, String> {
        let from: Mailbox = self.from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?;
        let to: Mailbox = p.to.parse().map_err(|e| format!("recipient {}: {e}", p.to))?;
        Message::builder()
            .from(from)
            .to(to)
            .subject(p.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(p.body.clone())
            .map_err(|e| e.to_string())
    }

    fn send(&self, p: &Pending) -> Result<(), String> {
        let msg = self.build(p)?;
        match &self.delivery {
            Delivery::Smtp { url } => {
                let transport = SmtpTransport::from_url(url)
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(10)))
                    .build();
                transport.send(&msg).map(|_| ()).map_err(|e| e.to_string())
            }
            Delivery::Files { dir } => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let path = dir.join(format!("{:08}.eml", p.id));
                let tmp = dir.join(format!(".{:08}.eml.tmp", p.id));
                std::fs::write(&tmp, msg.formatted()).map_err(|e| e.to_string())?;
                std::fs::rename(&tmp, &path).map_err(|e| e.to_string())
            }
        }
    }

    /// Delivers what is due. Each mail is claimed by pushing its next attempt into the future inside
    /// a transaction (with `FOR UPDATE SKIP LOCKED` on PostgreSQL), so several workers never send
    /// the same mail twice. Returns how many were sent.
    pub fn deliver_due(&self, pool: &Pool) -> Result<usize, String> {
        let claimed = {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            claim_due(&mut conn, 20).map_err(|e| e.to_string())?
        };
        let mut sent = 0;
        for p in claimed {
            // No database connection is held while talking to the SMTP server.
            let outcome = self.send(&p);
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            match outcome {
                Ok(()) => {
                    diesel::update(mail_outbox::table.find(p.id))
                        .set((
                            mail_outbox::sent_at.eq(now()),
                            mail_outbox::last_error.eq(None::<String>),
                        ))
                        .execute(&mut *conn)
                        .map_err(|e| e.to_string())?;
                    sent += 1;
                }
                Err(e) => {
                    let attempts = p.attempts + 1;
                    let delay = (self.retry_base_secs << attempts.min(10)).min(3600);
                    log::warn!("mail {} to {} not sent (attempt {attempts}): {e}", p.id, p.to);
                    diesel::update(mail_outbox::table.find(p.id))
                        .set((
                            mail_outbox::attempts.eq(attempts),
                            mail_outbox::next_attempt_at.eq(now() + delay),
                            mail_outbox::last_error.eq(Some(e)),
                        ))
                        .execute(&mut *conn)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        Ok(sent)
    }
}

fn claim_due(conn: &mut DbConn, limit: i64) -> diesel::QueryResult<Vec<Pending>> {
    // A plain read first, so an idle outbox costs no write lock.
    let due: i64 = mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(mail_outbox::next_attempt_at.le(now()))
        .count()
        .get_result(conn)?;
    if due == 0 {
        return Ok(Vec::new());
    }
    crate::db::write_tx(conn, |conn| {
        let t = now();
        let rows: Vec<(i64, String, String, String, i32)> = match conn {
            DbConn::Pg(pg) => mail_outbox::table
                .filter(mail_outbox::sent_at.is_null())
                .filter(mail_outbox::next_attempt_at.le(t))
                .order(mail_outbox::id)
                .limit(limit)
                .select((
                    mail_outbox::id,
                    mail_outbox::to_addr,
                    mail_outbox::subject,
                    mail_outbox::body,
                    mail_outbox::attempts,
                ))
                .for_update()
                .skip_locked()
                .load(pg)?,
            DbConn::Sqlite(_) => mail_outbox::table
                .filter(mail_outbox::sent_at.is_null())
                .filter(mail_outbox::next_attempt_at.le(t))
                .order(mail_outbox::id)
                .limit(limit)
                .select((
                    mail_outbox::id,
                    mail_outbox::to_addr,
                    mail_outbox::subject,
                    mail_outbox::body,
                    mail_outbox::attempts,
                ))
                .load(conn)?,
        };
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        // The claim lasts five minutes: a worker that dies mid-send leaves the mail to be retried.
        diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)))
            .set(mail_outbox::next_attempt_at.eq(t + 300))
            .execute(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, to, subject, body, attempts)| Pending {
                id,
                to,
                subject,
                body,
                attempts,
            })
            .collect())
    })
}

/// Counts of the outbox, for the health page and tests.
pub fn pending_count(conn: &mut DbConn) -> AppResult<i64> {
    Ok(mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Runs the delivery loop on its own thread until the process ends.
pub fn spawn_worker(
    mailer: Mailer,
    pool: Pool,
    interval: Duration,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    std::thread::Builder::new()
        .name("mail-outbox".into())
        .spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Err(e) = mailer.deliver_due(&pool) {
                    log::warn!("mail outbox: {e}");
                }
                std::thread::sleep(interval);
            }
        })
        .map(|_| ())
        .unwrap_or_else(|e| log::error!("cannot start the mail worker: {e}"));
}

/// How many of the in-app notifications (one per mail a user was sent) the user has not read.
pub fn unread_count(conn: &mut DbConn, user_id: i64) -> AppResult<i64> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

//! In-app notifications: every mail a user is sent is listed here too.

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::db::{self, now};
use crate::error::AppResult;
use crate::schema::notifications;
use crate::state::AppState;
use crate::web::{redirect, render, Ctx};

#[derive(Queryable, Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl Notification {
    /// The notification's title: the mail's subject without the market's name around it.
    pub fn title(&self) -> String {
        title_of(&self.subject)
    }
    /// What happened, in a sentence or two: the mail's text without the greeting, the addresses
    /// and the "open this link" that lead to them (the page links to `link` instead).
    pub fn sentence(&self) -> String {
        sentence_of(&self.body)
    }
}

/// A mail's subject without the market's name: 【技术市场】…, […] techmarket, … — 技术交易市场.
pub fn title_of(subject: &str) -> String {
    let mut s = subject.trim();
    for prefix in ["【技术市场】", "[techmarket]"] {
        s = s.strip_prefix(prefix).unwrap_or(s).trim_start();
    }
    for suffix in ["— 技术交易市场", "— techmarket"] {
        s = s.strip_suffix(suffix).unwrap_or(s).trim_end();
    }
    s.to_string()
}

/// The longest sentence shown, in characters; a longer text ends with "…".
const SENTENCE_MAX: usize = 280;

/// A mail's text as one paragraph: no greeting, no web addresses, no clause that only leads to
/// one ("请登录回复：", "Answer here:"), lines joined; at most [`SENTENCE_MAX`] characters.
pub fn sentence_of(body: &str) -> String {
    let mut s = body.trim_start();
    for greeting in ["您好！", "您好，", "您好", "Hello,", "Hello!", "Hello"] {
        if let Some(rest) = s.strip_prefix(greeting) {
            s = rest;
            break;
        }
    }
    let mut out = String::new();
    for line in s.lines() {
        let mut kept = String::new();
        for (i, word) in line.split(' ').enumerate() {
            let at = word.find("http://").or_else(|| word.find("https://"));
            let word = match at {
                Some(at) => &word[..at],
                None => word,
            };
            if i > 0 && !kept.is_empty() && !word.is_empty() {
                kept.push(' ');
            }
            kept.push_str(word);
            if at.is_some() {
                drop_lead_in(&mut kept);
            }
        }
        let kept = kept.trim();
        if kept.is_empty() {
            continue;
        }
        if !out.is_empty() && !out.ends_with(['。', '！', '？', '：', '；']) {
            out.push(' ');
        }
        out.push_str(kept);
    }
    if out.chars().count() > SENTENCE_MAX {
        out = out.chars().take(SENTENCE_MAX).collect::<String>() + "…";
    }
    out
}

/// Removes the clause a link stood after ("请登录查看并回应：", "Answer here:"): back to the end of
/// the sentence before it, when the text ends with a colon.
fn drop_lead_in(text: &mut String) {
    let t = text.trim_end();
    if !t.ends_with(['：', ':']) {
        text.truncate(t.len());
        return;
    }
    let cut = t
        .char_indices()
        .rev()
        .skip(1)
        .find(|(_, ch)| matches!(ch, '。' | '！' | '？' | '；' | '.' | '!' | '?'))
        .map_or(0, |(i, ch)| i + ch.len_utf8());
    text.truncate(cut);
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage<'a> {
    c: &'a Ctx,
    items: Vec<Notification>,
}

pub async fn list(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    let items = db::run(&state.pool, move |conn| {
        Ok(notifications::table
            .filter(notifications::user_id.eq(uid))
            .order(notifications::id.desc())
            .limit(100)
            .select((
                notifications::id,
                notifications::subject,
                notifications::body,
                notifications::link,
                notifications::created_at,
                notifications::read_at,
            ))
            .load::<Notification>(conn)?)
    })
    .await?;
    render(&NotificationsPage { c: &c, items })
}

pub async fn mark_all_read(c: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let uid = c.user()?.id;
    db::run(&state.pool, move |conn| {
        diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(uid))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(now()))
        .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(redirect("/notifications"))
}

/// The routes of this area; `app` composes them.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/notifications", web::get().to(list))
        .route("/notifications/read", web::post().to(mark_all_read));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_without_the_markets_name() {
        assert_eq!(
            title_of("【技术市场】甲公司 委托您：盐湖提锂"),
            "甲公司 委托您：盐湖提锂"
        );
        assert_eq!(title_of("请验证您的邮箱 — 技术交易市场"), "请验证您的邮箱");
        assert_eq!(
            title_of("[techmarket] X accepted the commission"),
            "X accepted the commission"
        );
    }

    #[test]
    fn a_sentence_without_greeting_or_addresses() {
        let body =
            "您好！甲公司 委托您为「盐湖提锂」提供技术经纪服务。请登录回复：https://m.example.cn/broker/commissions";
        assert_eq!(sentence_of(body), "甲公司 委托您为「盐湖提锂」提供技术经纪服务。");
        let body = "您好！对方就「需求」与「成果」发起了洽谈：\n\n希望洽谈许可。\n\n请登录查看并回应：http://x/deals/3";
        assert_eq!(sentence_of(body), "对方就「需求」与「成果」发起了洽谈：希望洽谈许可。");
        let body = "您好！合同「甲」已予登记，登记编号 630100-2026-000001。\nhttp://x/contracts/1";
        assert_eq!(sentence_of(body), "合同「甲」已予登记，登记编号 630100-2026-000001。");
        let body = "Hello! {0} asks you to broker “Li”. Answer here: https://x/broker/commissions";
        assert_eq!(sentence_of(body), "{0} asks you to broker “Li”.");
        let body = "Hello,\n\n“Li” was returned for changes. The reason:\nno budget\n\nPlease correct it.";
        assert_eq!(
            sentence_of(body),
            "“Li” was returned for changes. The reason: no budget Please correct it."
        );
        let long = format!("您好！{}", "长".repeat(400));
        assert_eq!(sentence_of(&long).chars().count(), SENTENCE_MAX + 1);
    }
}

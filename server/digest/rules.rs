//! The digest's rules, pure: how a digest mail reads, what a saved search keeps of the search
//! form, the turn-off link's token and the limits.

use std::collections::BTreeMap;

use crate::i18n::{self, Lang, Msg, Problems};

/// At most this many lines of each kind in one digest; the rest are counted.
pub const MAX_LINES: usize = 20;

/// Saved searches per user, at most.
pub const MAX_SAVED: i64 = 50;

/// The token of a user's turn-off link.
pub fn off_token(secret: &[u8], user_id: i64) -> String {
    crate::auth::csrf_token(secret, &format!("digest-off:{user_id}"))
}

/// How long a first item waits for others to join it in the same digest: a minute, or the
/// digest interval when that is shorter.
pub fn gather_secs(interval_secs: i64) -> i64 {
    interval_secs.min(60)
}

/// The subject and body of a digest of these lines (each already in the reader's language):
/// an introduction, the matches and the saved searches' hits under their headings, at most
/// [`MAX_LINES`] of each with the rest counted and linked, and the turn-off link.
pub fn compose(lang: Lang, matches: &[String], saved: &[String], more_link: &str, off_link: &str) -> (String, String) {
    let mut body = String::from(i18n::t(lang, "digest.intro"));
    body.push_str("\n\n");
    for (lines, head) in [(matches, "digest.matches_head"), (saved, "digest.saved_head")] {
        if lines.is_empty() {
            continue;
        }
        body.push_str(&i18n::tf(lang, head, &[&lines.len().to_string()]));
        body.push('\n');
        for l in lines.iter().take(MAX_LINES) {
            body.push_str(l);
            body.push('\n');
        }
        if lines.len() > MAX_LINES {
            let more = (lines.len() - MAX_LINES).to_string();
            body.push_str(&i18n::tf(lang, "digest.more", &[&more, more_link]));
            body.push('\n');
        }
        body.push('\n');
    }
    body.push_str(&i18n::tf(lang, "digest.off_line", &[off_link]));
    let subject = i18n::tf(
        lang,
        "digest.subject",
        &[&matches.len().to_string(), &saved.len().to_string()],
    );
    (subject, body)
}

/// A search to save, as the search page posts it: a name (may be empty), the text, and the
/// page's other parameters, of which the facets are kept.
pub struct SaveInput {
    pub name: String,
    pub q: String,
    pub rest: BTreeMap<String, String>,
}

/// A saved search as stored: an unnamed one is named by its text (or `unnamed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToSave {
    pub name: String,
    pub query: String,
    pub filters: BTreeMap<String, String>,
}

impl SaveInput {
    /// What is stored, bounded (name 60 characters, text 200, each filter 40), or why nothing
    /// is: no text and no filter, or `saved` searches already (the limit is [`MAX_SAVED`]).
    pub fn check(self, unnamed: &str, saved: i64) -> Result<ToSave, Problems> {
        let query: String = self.q.trim().chars().take(200).collect();
        let filters: BTreeMap<String, String> = self
            .rest
            .into_iter()
            .filter(|(k, v)| crate::index::FACETS.contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(k, v)| (k, v.trim().chars().take(40).collect()))
            .collect();
        let mut name: String = self.name.trim().chars().take(60).collect();
        if name.is_empty() {
            name = if query.is_empty() {
                unnamed.to_string()
            } else {
                query.chars().take(60).collect()
            };
        }
        let mut p = Problems::new();
        if query.is_empty() && filters.is_empty() {
            p.add("name", Msg::t("err.saved_search_empty"));
        }
        if saved >= MAX_SAVED {
            p.add("name", Msg::tf("err.saved_search_limit", [MAX_SAVED.to_string()]));
        }
        if !p.0.is_empty() {
            return Err(p);
        }
        Ok(ToSave { name, query, filters })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, q: &str, rest: &[(&str, &str)]) -> SaveInput {
        SaveInput {
            name: name.into(),
            q: q.into(),
            rest: rest.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn a_saved_search_keeps_its_text_and_facets_only() {
        let facet = crate::index::FACETS[0];
        let s = input("", " 盐湖提锂 ", &[(facet, " x "), ("page", "3"), ("csrf", "t")])
            .check("未命名", 0)
            .unwrap();
        assert_eq!(s.name, "盐湖提锂");
        assert_eq!(s.query, "盐湖提锂");
        assert_eq!(
            s.filters.into_iter().collect::<Vec<_>>(),
            vec![(facet.to_string(), "x".to_string())]
        );
        let s = input("", "", &[(facet, "y")]).check("未命名", 0).unwrap();
        assert_eq!(s.name, "未命名");
        let long = input(&"名".repeat(80), &"锂".repeat(300), &[]).check("-", 0).unwrap();
        assert_eq!((long.name.chars().count(), long.query.chars().count()), (60, 200));
    }

    #[test]
    fn an_empty_search_or_one_over_the_limit_is_refused() {
        assert!(input("我的", " ", &[("page", "2")])
            .check("-", 0)
            .unwrap_err()
            .has("name"));
        let p = input("", "锂", &[]).check("-", MAX_SAVED).unwrap_err();
        assert_eq!(p.0[0].1, Msg::tf("err.saved_search_limit", [MAX_SAVED.to_string()]));
        assert!(input("", "锂", &[]).check("-", MAX_SAVED - 1).is_ok());
    }

    #[test]
    fn a_digest_counts_what_it_leaves_out() {
        let matches: Vec<String> = (0..MAX_LINES + 3).map(|i| format!("match {i}")).collect();
        let (subject, body) = compose(Lang::En, &matches, &[], "https://m/more", "https://m/off");
        assert!(subject.contains(&matches.len().to_string()), "{subject}");
        assert!(body.contains("match 19") && !body.contains("match 20"), "{body}");
        assert!(
            body.contains("https://m/more")
                && body.ends_with(&i18n::tf(Lang::En, "digest.off_line", &["https://m/off"]))
        );
        assert!(!body.contains(&i18n::tf(Lang::En, "digest.saved_head", &["0"])));
        assert_eq!(gather_secs(3600), 60);
        assert_eq!(gather_secs(5), 5);
    }
}

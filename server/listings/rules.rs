//! The rules of the shelf that need no database: the steps of a listing's life, what every listing
//! form checks (texts, field, keywords, modes), an officer's decision, and the browse filters as
//! typed in the query string. The checks return message keys (`Msg`, `Problems`); the page layer
//! translates them.

use chrono::NaiveDate;
use diesel::Queryable;
use serde::Deserialize;

use crate::fields;
use crate::forms::{check_date, check_money, check_text, FormData};
use crate::i18n::{self, Lang, Msg, Problems};
use crate::money;
use crate::vocabulary::Kind;
pub use crate::vocabulary::ListingStatus;

/// The states an owner edits in (an edit puts the listing back to draft). The same states a
/// listing is submitted from.
pub const EDITABLE: &[ListingStatus] = &[ListingStatus::Draft, ListingStatus::Returned, ListingStatus::Withdrawn];

crate::text_enum! {
    /// A step of a listing's life: the owner's (submit, withdraw, close) and an officer's
    /// decisions (publish, return, hide, unhide). The word is the one in URLs and forms, in the
    /// listing's history and in the notice and mail keys.
    pub enum ListingAction {
        Submit = "submit",
        Withdraw = "withdraw",
        Close = "close",
        Publish = "publish",
        Return = "return",
        Hide = "hide",
        Unhide = "unhide",
    }
}

/// Where a step leads from a state, if it may be taken there. Exhaustive on both sides: a new
/// state or a new step has to say what it does everywhere.
pub fn next(from: ListingStatus, action: ListingAction) -> Option<ListingStatus> {
    use ListingAction::*;
    use ListingStatus as S;
    match from {
        S::Draft | S::Returned | S::Withdrawn => match action {
            Submit => Some(S::Submitted),
            Withdraw | Close | Publish | Return | Hide | Unhide => None,
        },
        S::Submitted => match action {
            Withdraw => Some(S::Withdrawn),
            Publish => Some(S::Published),
            Return => Some(S::Returned),
            Hide => Some(S::Hidden),
            Submit | Close | Unhide => None,
        },
        S::Published => match action {
            Withdraw => Some(S::Withdrawn),
            Close => Some(S::Closed),
            Hide => Some(S::Hidden),
            Submit | Publish | Return | Unhide => None,
        },
        S::Hidden => match action {
            Unhide => Some(S::Published),
            Submit | Withdraw | Close | Publish | Return | Hide => None,
        },
        S::Closed => match action {
            Submit | Withdraw | Close | Publish | Return | Hide | Unhide => None,
        },
    }
}

impl ListingAction {
    /// The state the step leads to (from any state it may be taken in).
    pub fn target(self) -> ListingStatus {
        match self {
            ListingAction::Submit => ListingStatus::Submitted,
            ListingAction::Withdraw => ListingStatus::Withdrawn,
            ListingAction::Close => ListingStatus::Closed,
            ListingAction::Publish | ListingAction::Unhide => ListingStatus::Published,
            ListingAction::Return => ListingStatus::Returned,
            ListingAction::Hide => ListingStatus::Hidden,
        }
    }
    /// The states the step may be taken in, which the update requires the row still to be in.
    pub fn sources(self) -> Vec<ListingStatus> {
        ListingStatus::ALL
            .iter()
            .copied()
            .filter(|s| next(*s, self).is_some())
            .collect()
    }
    /// The owner's steps; the others are an officer's.
    pub fn by_owner(self) -> bool {
        matches!(
            self,
            ListingAction::Submit | ListingAction::Withdraw | ListingAction::Close
        )
    }
}

/// Why a step on a listing is refused, for the page layer to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    NotOwner,
    NotEditable,
    NotYourRegion,
    /// Someone else moved the listing first.
    StateChanged,
}

impl Refused {
    pub fn key(self) -> &'static str {
        match self {
            Refused::NotOwner => "err.not_owner",
            Refused::NotEditable => "err.not_editable",
            Refused::NotYourRegion => "err.not_your_region",
            Refused::StateChanged => "err.state_changed",
        }
    }
    /// Whether the answer is 403 (who asks) rather than 400 (what is asked).
    pub fn forbids(self) -> bool {
        matches!(self, Refused::NotOwner | Refused::NotYourRegion)
    }
}

/// Whether a user of `org_id` may edit a listing of `owner_org` in `status`.
pub fn may_edit(org_id: i64, owner_org: i64, status: ListingStatus) -> Result<(), Refused> {
    if org_id != owner_org {
        Err(Refused::NotOwner)
    } else if !EDITABLE.contains(&status) {
        Err(Refused::NotEditable)
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------- what every listing form checks

/// Splits keywords on commas (also 、，；;) and spaces; at most 10, each at most 20 characters.
pub fn parse_keywords(input: &str) -> Result<Vec<String>, &'static str> {
    let mut out: Vec<String> = Vec::new();
    for k in input.split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；') || c.is_whitespace()) {
        let k = k.trim();
        if k.is_empty() || out.iter().any(|o| o == k) {
            continue;
        }
        if k.chars().count() > 20 {
            return Err("err.keyword_long");
        }
        out.push(k.to_string());
    }
    if out.len() > 10 {
        return Err("err.keywords_many");
    }
    Ok(out)
}

/// The region columns kept for fast filtering: province (XX0000) and prefecture (XXXX00).
pub fn region_levels(code: &str) -> (String, String) {
    let p = code.get(..2).unwrap_or("00");
    let q = code.get(..4).unwrap_or("0000");
    (format!("{p}0000"), format!("{q}00"))
}

/// The length of a text field, its problem beside it.
pub fn text(p: &mut Problems, field: &str, value: &str, min: usize, max: usize) {
    if let Err(m) = check_text(field, value, min, max) {
        p.add(field, m);
    }
}

/// An amount in yuan as fen, its problem beside it.
pub fn money_field(p: &mut Problems, field: &str, value: &str) -> Option<i64> {
    check_money(value).unwrap_or_else(|m| {
        p.add(field, m);
        None
    })
}

/// A date, its problem beside it.
pub fn date_field(p: &mut Problems, field: &str, value: &str, not_before: Option<NaiveDate>) -> Option<NaiveDate> {
    check_date(value, not_before).map_err(|m| p.add(field, m)).ok()
}

/// What every listing says of itself: its title and summary (public), its detail and contact
/// (confidential), its field and keywords. As typed, `keywords` holds what the user wrote; checked
/// and stored, the keywords joined by commas.
#[derive(Queryable, Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    pub field_code: String,
    pub keywords: String,
}

impl Text {
    /// A text as stored, `keywords` already joined by commas.
    pub fn new(title: &str, summary: &str, detail: &str, contact: &str, field_code: &str, keywords: &str) -> Text {
        let s = |v: &str| v.to_string();
        Text {
            title: s(title),
            summary: s(summary),
            detail: s(detail),
            contact: s(contact),
            field_code: s(field_code),
            keywords: s(keywords),
        }
    }
    pub fn from_form(f: &FormData) -> Text {
        Text::new(
            &f.get("title"),
            &f.get("summary"),
            &f.get("detail"),
            &f.get("contact"),
            &f.get("field_code"),
            &f.get("keywords"),
        )
    }
    /// A stored text as its form shows it again: the keywords separated as a user types them.
    pub fn editable(&self) -> Text {
        Text {
            keywords: self.keywords.replace(',', "，"),
            ..self.clone()
        }
    }
    /// The top-level field it is filed under, for the browse filter.
    pub fn field_family(&self) -> &str {
        fields::family(&self.field_code)
    }
    pub fn keyword_list(&self) -> Vec<String> {
        crate::vocabulary::split_list(&self.keywords)
    }
}

/// The amount a listing sorts by (a demand's top budget, an achievement's price): the amount, or
/// the largest BIGINT for 面议 or none, so that sorting by it pages by keyset with those last.
pub fn sort_amount(negotiable: bool, fen: Option<i64>) -> i64 {
    match (negotiable, fen) {
        (false, Some(f)) => f,
        _ => i64::MAX,
    }
}

/// Checks what every listing says of itself; returns it as stored.
pub fn check_common(p: &mut Problems, i: &Text) -> Text {
    text(p, "title", &i.title, 4, 100);
    text(p, "summary", &i.summary, 10, 2000);
    text(p, "detail", &i.detail, 0, 5000);
    text(p, "contact", &i.contact, 2, 200);
    if i.field_code.is_empty() {
        p.add("field_code", Msg::t("err.choose_field"));
    } else if !fields::is_valid(&i.field_code) {
        p.add("field_code", Msg::tf("err.field_unknown", [i.field_code.as_str()]));
    }
    let keywords = parse_keywords(&i.keywords).unwrap_or_else(|key| {
        p.add("keywords", Msg::t(key));
        Vec::new()
    });
    Text {
        keywords: keywords.join(","),
        ..i.clone()
    }
}

/// The modes chosen of those `allowed`, each once; at least one.
pub fn check_modes(p: &mut Problems, field: &str, chosen: &[String], allowed: &[&str]) -> Vec<String> {
    let mut modes = Vec::new();
    for m in chosen {
        if !allowed.contains(&m.as_str()) {
            p.add(field, Msg::tf("err.mode_unknown", [m.as_str()]));
        } else if !modes.contains(m) {
            modes.push(m.clone());
        }
    }
    if modes.is_empty() && !p.has(field) {
        p.add(field, Msg::t("err.choose_mode"));
    }
    modes
}

// ---------------------------------------------------------------- an officer's decision

/// What an officer decided on a listing, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: ListingAction,
    /// Trimmed; empty when none was given.
    pub reason: String,
    /// The grade a published demand gets ("key" or "general").
    pub grade: Option<String>,
}

/// Checks an officer's decision as posted: a step of theirs, a reason where one is owed (at most
/// 1,000 characters), a grade for a demand they publish.
pub fn decision(kind: Kind, action: &str, reason: &str, grade: &str) -> Result<Decision, Msg> {
    let action = ListingAction::parse(action)
        .filter(|a| !a.by_owner())
        .ok_or(Msg::t("err.choose_decision"))?;
    let reason = reason.trim().to_string();
    if matches!(action, ListingAction::Return | ListingAction::Hide) && reason.is_empty() {
        return Err(Msg::t("err.reason_required"));
    }
    if reason.chars().count() > 1000 {
        // The name of the field is a message of its own ("review.reason"), not a `field.` key.
        let say = |lang| i18n::tf(lang, "err.too_long", &[i18n::t(lang, "review.reason"), "1000"]);
        return Err(Msg::Both {
            zh: say(Lang::Zh),
            en: say(Lang::En),
        });
    }
    let grade = match (kind, action, grade) {
        (Kind::Demand, ListingAction::Publish, g @ ("key" | "general")) => Some(g.to_string()),
        (Kind::Demand, ListingAction::Publish, _) => return Err(Msg::t("err.choose_grade")),
        _ => None,
    };
    Ok(Decision { action, reason, grade })
}

// ---------------------------------------------------------------- browse filters

/// Filters and position of a browse page, exactly as in the query string (bad values are
/// ignored, not fatal).
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct Filters {
    pub field: String,
    pub region: String,
    pub mode: String,
    pub min: String,
    pub max: String,
    pub grade: String,
    pub challenge: String,
    pub trl_min: String,
    pub trl_max: String,
    pub method: String,
    pub sort: String,
    pub after: String,
}

/// Which region column a filter reads: the province's, the prefecture's, or the code itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionLevel {
    Province(String),
    Prefecture(String),
    Code(String),
}

impl Filters {
    pub fn money(s: &str) -> Option<i64> {
        if s.trim().is_empty() {
            None
        } else {
            money::parse_yuan(s).ok()
        }
    }
    pub fn trl(s: &str) -> Option<i32> {
        s.trim().parse::<i32>().ok().filter(|n| (1..=9).contains(n))
    }
    /// The position after which the page starts: (sort value, id).
    pub fn cursor(&self) -> Option<(String, i64)> {
        let (v, id) = self.after.rsplit_once('_')?;
        Some((v.to_string(), id.parse().ok()?))
    }
    pub fn region_column(&self) -> Option<RegionLevel> {
        let r = self.region.trim();
        if r.len() != 6 || !r.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let r = r.to_string();
        Some(if r.ends_with("0000") {
            RegionLevel::Province(r)
        } else if r.ends_with("00") {
            RegionLevel::Prefecture(r)
        } else {
            RegionLevel::Code(r)
        })
    }
    /// The query string of these filters with another `after`, for the next page's link.
    pub fn with_after(&self, after: &str) -> String {
        let pairs = [
            ("field", &self.field),
            ("region", &self.region),
            ("mode", &self.mode),
            ("min", &self.min),
            ("max", &self.max),
            ("grade", &self.grade),
            ("challenge", &self.challenge),
            ("trl_min", &self.trl_min),
            ("trl_max", &self.trl_max),
            ("method", &self.method),
            ("sort", &self.sort),
        ];
        let mut q: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        if !after.is_empty() {
            q.push(format!("after={}", urlencode(after)));
        }
        q.join("&")
    }
    pub fn is_filtered(&self) -> bool {
        !(self.field.is_empty()
            && self.region.is_empty()
            && self.mode.is_empty()
            && self.min.is_empty()
            && self.max.is_empty()
            && self.grade.is_empty()
            && self.challenge.is_empty()
            && self.trl_min.is_empty()
            && self.trl_max.is_empty()
            && self.method.is_empty())
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ListingAction as A;
    use ListingStatus as S;

    #[test]
    fn the_steps_of_a_listing() {
        let table: &[(A, &[S], S)] = &[
            (A::Submit, &[S::Draft, S::Returned, S::Withdrawn], S::Submitted),
            (A::Withdraw, &[S::Submitted, S::Published], S::Withdrawn),
            (A::Close, &[S::Published], S::Closed),
            (A::Publish, &[S::Submitted], S::Published),
            (A::Return, &[S::Submitted], S::Returned),
            (A::Hide, &[S::Submitted, S::Published], S::Hidden),
            (A::Unhide, &[S::Hidden], S::Published),
        ];
        assert_eq!(table.len(), A::ALL.len());
        for (action, from, to) in table {
            assert_eq!(action.sources(), from.to_vec(), "{action}");
            assert_eq!(action.target(), *to, "{action}");
            for s in S::ALL {
                let expected = from.contains(s).then_some(*to);
                assert_eq!(next(*s, *action), expected, "{s} --{action}-->");
            }
        }
        // A closed listing stays closed.
        assert!(A::ALL.iter().all(|a| next(S::Closed, *a).is_none()));
    }

    #[test]
    fn owners_edit_where_they_submit_from() {
        assert_eq!(A::Submit.sources(), EDITABLE.to_vec());
        assert_eq!(
            A::ALL.iter().filter(|a| a.by_owner()).collect::<Vec<_>>(),
            [&A::Submit, &A::Withdraw, &A::Close]
        );
        assert_eq!(may_edit(1, 1, S::Returned), Ok(()));
        assert_eq!(may_edit(1, 2, S::Draft), Err(Refused::NotOwner));
        assert_eq!(may_edit(1, 1, S::Published), Err(Refused::NotEditable));
        assert!(Refused::NotOwner.forbids() && !Refused::StateChanged.forbids());
    }

    #[test]
    fn statuses_are_the_words_stored() {
        let words: Vec<&str> = S::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            words,
            [
                "draft",
                "submitted",
                "published",
                "returned",
                "withdrawn",
                "closed",
                "hidden"
            ]
        );
        for s in S::ALL {
            assert!(i18n::has(&format!("status.{s}")), "status.{s}");
        }
    }

    #[test]
    fn keywords_split_and_are_limited() {
        assert_eq!(parse_keywords("a, b，c、a；d e").unwrap(), ["a", "b", "c", "d", "e"]);
        assert_eq!(parse_keywords(&"长".repeat(21)), Err("err.keyword_long"));
        let many: Vec<String> = (0..11).map(|n| format!("k{n}")).collect();
        assert_eq!(parse_keywords(&many.join(",")), Err("err.keywords_many"));
        assert_eq!(region_levels("630102"), ("630000".to_string(), "630100".to_string()));
    }

    #[test]
    fn common_checks_say_what_is_wrong_where() {
        let mut p = Problems::new();
        let t = check_common(
            &mut p,
            &Text::new("abc", "a summary long enough", "", "x", "nope", "one, two"),
        );
        assert_eq!(
            (t.keywords.as_str(), t.keyword_list()),
            ("one,two", vec!["one".to_string(), "two".to_string()])
        );
        assert_eq!(t.editable().keywords, "one，two");
        assert_eq!(p.get("title"), Some(&Msg::tf("err.too_short", ["4"])));
        assert!(!p.has("summary") && !p.has("detail"));
        assert_eq!(p.get("contact"), Some(&Msg::tf("err.too_short", ["2"])));
        assert_eq!(p.get("field_code"), Some(&Msg::tf("err.field_unknown", ["nope"])));

        let mut p = Problems::new();
        let modes = check_modes(
            &mut p,
            "coop_modes",
            &["licence".into(), "licence".into()],
            &["licence", "equity"],
        );
        assert_eq!(modes, ["licence"]);
        assert!(p.is_empty());
        check_modes(&mut p, "coop_modes", &[], &["licence"]);
        assert_eq!(p.get("coop_modes"), Some(&Msg::t("err.choose_mode")));
        let mut p = Problems::new();
        check_modes(&mut p, "m", &["barter".into()], &["licence"]);
        assert_eq!(p.get("m"), Some(&Msg::tf("err.mode_unknown", ["barter"])));
    }

    #[test]
    fn an_officers_decision() {
        let d = decision(Kind::Demand, "publish", " ", "key").unwrap();
        assert_eq!(
            (d.action, d.reason.as_str(), d.grade.as_deref()),
            (A::Publish, "", Some("key"))
        );
        assert_eq!(
            decision(Kind::Demand, "publish", "", ""),
            Err(Msg::t("err.choose_grade"))
        );
        assert_eq!(decision(Kind::Achievement, "publish", "", "").unwrap().grade, None);
        assert_eq!(
            decision(Kind::Achievement, "submit", "", ""),
            Err(Msg::t("err.choose_decision"))
        );
        assert_eq!(
            decision(Kind::Achievement, "hide", "  ", ""),
            Err(Msg::t("err.reason_required"))
        );
        let long = "长".repeat(1001);
        let Err(m) = decision(Kind::Achievement, "return", &long, "") else {
            panic!("a reason over 1,000 characters")
        };
        assert_eq!(m.text(Lang::Zh), "退回原因：最多 1000 个字符。");
        assert_eq!(m.text(Lang::En), "Reason for returning: at most 1000 characters");
    }

    #[test]
    fn filters_read_the_query_string() {
        let f = Filters {
            region: "630100".into(),
            sort: "price".into(),
            after: "120_7".into(),
            ..Default::default()
        };
        assert_eq!(f.cursor(), Some(("120".to_string(), 7)));
        assert_eq!(f.region_column(), Some(RegionLevel::Prefecture("630100".into())));
        assert!(f.is_filtered());
        assert_eq!(f.with_after("9_1"), "region=630100&sort=price&after=9_1");
        let g = Filters {
            region: "63".into(),
            mode: "技术".into(),
            ..Default::default()
        };
        assert_eq!(g.region_column(), None);
        assert_eq!(g.with_after(""), "region=63&mode=%E6%8A%80%E6%9C%AF");
        assert_eq!(Filters::trl("10"), None);
        assert_eq!(Filters::trl(" 3"), Some(3));
        assert_eq!(Filters::money(""), None);
    }
}

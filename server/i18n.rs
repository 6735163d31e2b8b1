//! Simplified Chinese by default, English on request. Messages live in `server/messages.toml` as
//! `"key" = ["中文", "English"]`; a message may hold `{0}`, `{1}` … placeholders.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    /// Picks English only when the browser prefers English over Chinese.
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }
}

const MESSAGES: &str = include_str!("messages.toml");

fn catalog() -> &'static HashMap<String, [String; 2]> {
    static CATALOG: OnceLock<HashMap<String, [String; 2]>> = OnceLock::new();
    CATALOG.get_or_init(|| parse_catalog(MESSAGES).unwrap_or_else(|e| panic!("server/messages.toml: {e}")))
}

fn parse_catalog(text: &str) -> Result<HashMap<String, [String; 2]>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut out = HashMap::new();
    for (k, v) in table {
        let arr = v.as_array().ok_or_else(|| format!("{k}: expected [zh, en]"))?;
        match arr.as_slice() {
            [toml::Value::String(zh), toml::Value::String(en)] => {
                out.insert(k, [zh.clone(), en.clone()]);
            }
            _ => return Err(format!("{k}: expected two strings [zh, en]")),
        }
    }
    Ok(out)
}

/// Checks the catalogue at start-up so a broken file stops the server, not a page.
pub fn check() -> Result<usize, String> {
    parse_catalog(MESSAGES).map(|m| m.len())
}

pub fn has(key: &str) -> bool {
    catalog().contains_key(key)
}

pub fn t(lang: Lang, key: &str) -> &'static str {
    match catalog().get(key) {
        Some([zh, en]) => match lang {
            Lang::Zh => zh.as_str(),
            Lang::En => en.as_str(),
        },
        None => {
            log::warn!("missing message key {key}");
            // Leak-free fallback: the key itself is 'static only through the catalogue, so return a marker.
            "⟨?⟩"
        }
    }
}

pub fn tf(lang: Lang, key: &str, args: &[&str]) -> String {
    let mut s = t(lang, key).to_string();
    for (i, a) in args.iter().enumerate() {
        s = s.replace(&format!("{{{i}}}"), a);
    }
    s
}

/// A message for a person, not yet in their language: a key of `messages.toml` with the
/// arguments of its `{0}`, `{1}` …, or a text already written in both languages (from the ground
/// floor's own checks, e.g. `money`). Rules return these; the page layer translates them, so a rule
/// runs without a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Key(&'static str, Vec<Arg>),
    Both {
        zh: String,
        en: String,
    },
    /// A text already in the reader's language (or in none: a name, a number), shown as it is.
    Said(String),
}

impl From<String> for Msg {
    fn from(s: String) -> Msg {
        Msg::Said(s)
    }
}

impl From<&str> for Msg {
    fn from(s: &str) -> Msg {
        Msg::Said(s.to_string())
    }
}

/// An argument of a message: a text as it is, the name of a form field (`field.<name>`,
/// translated), or an amount in fen (written the way the language writes amounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    FieldName(String),
    Money(i64),
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}

impl Arg {
    fn text(&self, lang: Lang) -> String {
        match self {
            Arg::Text(s) => s.clone(),
            Arg::FieldName(f) => t(lang, &format!("field.{f}")).to_string(),
            Arg::Money(fen) => crate::money::format_human(*fen, lang == Lang::En),
        }
    }
}

impl Msg {
    /// The message of a key without arguments.
    pub fn t(key: &'static str) -> Msg {
        Msg::Key(key, Vec::new())
    }
    /// The message of a key with its arguments.
    pub fn tf<A: Into<Arg>>(key: &'static str, args: impl IntoIterator<Item = A>) -> Msg {
        Msg::Key(key, args.into_iter().map(Into::into).collect())
    }
    /// The message in a language.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Msg::Key(key, args) => {
                let args: Vec<String> = args.iter().map(|a| a.text(lang)).collect();
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                tf(lang, key, &args)
            }
            Msg::Both { zh, en } => match lang {
                Lang::Zh => zh.clone(),
                Lang::En => en.clone(),
            },
            Msg::Said(s) => s.clone(),
        }
    }
}

/// What is wrong with a form, field by field; the first message of a field is the one shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<(String, Msg)>);

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }
    pub fn add(&mut self, field: &str, msg: Msg) {
        if !self.has(field) {
            self.0.push((field.to_string(), msg));
        }
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }
    pub fn get(&self, field: &str) -> Option<&Msg> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_every_used_key_exists() {
        check().expect("catalogue parses");
        // Every key used in templates and sources must exist: t("…") / tf("…" / key = "…".
        let root = concat!(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        for dir in ["templates", "server"] {
            let mut stack = vec![std::path::PathBuf::from(root).join(dir)];
            while let Some(d) = stack.pop() {
                for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
                    let p = entry.path();
                    if p.is_dir() {
                        stack.push(p);
                        continue;
                    }
                    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                    if ext != "html" && ext != "rs" {
                        continue;
                    }
                    let text = std::fs::read_to_string(&p).expect("read file");
                    for marker in ["t(\"", "tf(\"", "msg(\""] {
                        let mut rest = text.as_str();
                        while let Some(i) = rest.find(marker) {
                            rest = &rest[i + marker.len()..];
                            if let Some(end) = rest.find('"') {
                                let key = &rest[..end];
                                let looks_like_key = key.contains('.')
                                    && key.starts_with(|c: char| c.is_ascii_lowercase())
                                    && key
                                        .chars()
                                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
                                if looks_like_key && !has(key) {
                                    missing.push(format!("{}: {key}", p.display()));
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "message keys missing from server/messages.toml:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn accept_language_prefers_the_first_known_tag() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Zh);
    }

    #[test]
    fn messages_are_translated_where_they_are_shown() {
        let m = Msg::tf("err.too_long", ["name", "100"]);
        assert_eq!(m.text(Lang::En), "name: at most 100 characters");
        let m = Msg::tf("err.too_long", [Arg::FieldName("note".into()), Arg::from("500")]);
        assert_eq!(
            m.text(Lang::En),
            format!("{}: at most 500 characters", t(Lang::En, "field.note"))
        );
        let m = Msg::tf("err.payment_above_amount", [Arg::Money(1_234_500)]);
        assert!(m.text(Lang::Zh).contains(&crate::money::format_human(1_234_500, false)));
        let both = Msg::Both {
            zh: "金额有误".into(),
            en: "wrong amount".into(),
        };
        assert_eq!(both.text(Lang::Zh), "金额有误");
        let mut p = Problems::new();
        p.add("a", Msg::t("err.required"));
        p.add("a", Msg::t("err.money_zero"));
        assert_eq!(p.get("a"), Some(&Msg::t("err.required")));
        assert!(p.has("a") && !p.has("b"));
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Lang::En, "err.too_long", &["name", "100"]),
            "name: at most 100 characters"
        );
    }
}

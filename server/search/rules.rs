//! The search page's rules, pure: its parameters (the text, the facets, the page) read from the
//! query string, and the links to the same search with one facet or page changed.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::index::FACETS;

/// Hits a search page shows.
pub const PER_PAGE: usize = 20;

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct Params {
    pub q: String,
    pub kind: String,
    pub field_family: String,
    pub region_province: String,
    pub trl: String,
    pub modes: String,
    pub price_band: String,
    pub page: String,
}

impl Params {
    pub fn value(&self, facet: &str) -> &str {
        match facet {
            "kind" => &self.kind,
            "field_family" => &self.field_family,
            "region_province" => &self.region_province,
            "trl" => &self.trl,
            "modes" => &self.modes,
            "price_band" => &self.price_band,
            _ => "",
        }
    }
    pub fn page_no(&self) -> usize {
        self.page
            .parse::<usize>()
            .ok()
            .filter(|p| (1..=500).contains(p))
            .unwrap_or(1)
    }
    pub fn filters_empty(&self) -> bool {
        self.filters().is_empty()
    }
    pub fn filter_pairs(&self) -> Vec<(String, String)> {
        self.filters().into_iter().collect()
    }
    pub fn filters(&self) -> BTreeMap<String, String> {
        FACETS
            .iter()
            .filter(|f| !self.value(f).trim().is_empty())
            .map(|f| (f.to_string(), self.value(f).trim().chars().take(40).collect()))
            .collect()
    }
    /// The query string with one facet set to `value` (or removed when empty), back to page 1.
    pub fn href_with(&self, facet: &str, value: &str) -> String {
        let mut pairs: Vec<(String, String)> = vec![("q".into(), self.q.clone())];
        for f in FACETS {
            let v = if *f == facet {
                value.to_string()
            } else {
                self.value(f).trim().to_string()
            };
            if !v.is_empty() {
                pairs.push((f.to_string(), v));
            }
        }
        format!("/search?{}", encode(&pairs))
    }
    pub fn href_page(&self, page: usize) -> String {
        let mut pairs: Vec<(String, String)> = vec![("q".into(), self.q.clone())];
        for f in FACETS {
            if !self.value(f).trim().is_empty() {
                pairs.push((f.to_string(), self.value(f).trim().to_string()));
            }
        }
        pairs.push(("page".into(), page.to_string()));
        format!("/search?{}", encode(&pairs))
    }
}

pub fn encode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            let mut out = format!("{k}=");
            for b in v.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_links() {
        let p = Params {
            q: "盐湖 提锂".into(),
            kind: "achievement".into(),
            field_family: " ".into(),
            page: "3".into(),
            ..Params::default()
        };
        assert_eq!(p.page_no(), 3);
        assert_eq!(
            Params {
                page: "0".into(),
                ..p.clone()
            }
            .page_no(),
            1
        );
        assert_eq!(
            Params {
                page: "501".into(),
                ..p.clone()
            }
            .page_no(),
            1
        );
        assert_eq!(p.filter_pairs(), vec![("kind".to_string(), "achievement".to_string())]);
        let p = Params {
            field_family: String::new(),
            ..p
        };
        assert_eq!(
            p.href_with("kind", ""),
            "/search?q=%E7%9B%90%E6%B9%96%20%E6%8F%90%E9%94%82"
        );
        assert_eq!(
            p.href_page(2),
            "/search?q=%E7%9B%90%E6%B9%96%20%E6%8F%90%E9%94%82&kind=achievement&page=2"
        );
        assert_eq!(
            encode(&[("a".into(), "x&y".into()), ("b".into(), String::new())]),
            "a=x%26y"
        );
    }
}

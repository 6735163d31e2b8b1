//! What every search engine offers the market: documents in, ranked hits with highlights and facet
//! counts out. Two implementations: the embedded index (`embedded`, the zero-configuration default,
//! one process) and Meilisearch (`meili`, for deployments of several processes).

pub mod embedded;
pub mod meili;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// Opens the engine the configuration names: Meilisearch when MEILI_URL is set, otherwise the
/// embedded index in DATA_DIR/search (one process only).
pub fn open_engine(config: &crate::config::Config) -> Result<Arc<dyn SearchEngine>, String> {
    match &config.meili_url {
        Some(url) => meili::MeiliEngine::connect(url, config.meili_master_key.as_deref(), &config.meili_index)
            .map(|e| Arc::new(e) as Arc<dyn SearchEngine>)
            .map_err(|e| format!("MEILI_URL {url}: {e}")),
        None => embedded::EmbeddedEngine::open(&config.data_dir.join("search"))
            .map(|e| Arc::new(e) as Arc<dyn SearchEngine>)
            .map_err(|e| format!("search index in {}: {e}", config.data_dir.join("search").display())),
    }
}

/// One published listing as the search engines see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Doc {
    /// "demand-12" or "achievement-5".
    pub id: String,
    /// "demand" or "achievement".
    pub kind: String,
    pub listing_id: i64,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub org_name: String,
    /// Full field code ("lithium.brine") and its family ("lithium").
    pub field_code: String,
    pub field_family: String,
    pub region_code: String,
    pub region_province: String,
    pub region_prefecture: String,
    /// Readiness level 1-9 (achievements only).
    pub trl: Option<u8>,
    /// Cooperation modes (demands) or transfer modes (achievements), as codes.
    pub modes: Vec<String>,
    /// Price or budget ceiling in fen; None for 面议.
    pub price_fen: Option<i64>,
    /// A coarse price band for faceting: see `price_band`.
    pub price_band: String,
    pub published_at: i64,
}

/// How long a hit's summary may be before it is cut around the first match.
pub const SUMMARY_CHARS: usize = 160;

/// Price bands for facets: below 10万, 10-50万, 50-100万, 100-500万, 500-1000万, above, 面议.
pub const PRICE_BANDS: &[&str] = &[
    "lt10w",
    "10w_50w",
    "50w_100w",
    "100w_500w",
    "500w_1000w",
    "gt1000w",
    "negotiable",
];

pub fn price_band(price_fen: Option<i64>) -> &'static str {
    const WAN: i64 = 1_000_000;
    match price_fen {
        None => "negotiable",
        Some(p) if p < 10 * WAN => "lt10w",
        Some(p) if p < 50 * WAN => "10w_50w",
        Some(p) if p < 100 * WAN => "50w_100w",
        Some(p) if p < 500 * WAN => "100w_500w",
        Some(p) if p < 1000 * WAN => "500w_1000w",
        Some(_) => "gt1000w",
    }
}

/// The facets every engine counts, with the Doc attribute each one reads.
pub const FACETS: &[&str] = &["kind", "field_family", "region_province", "trl", "modes", "price_band"];

/// A document's values for one facet: none, one, or (modes) several distinct ones, sorted.
pub fn doc_facet_values(doc: &Doc, name: &str) -> Vec<String> {
    let mut values: Vec<String> = match name {
        "kind" => vec![doc.kind.clone()],
        "field_family" => vec![doc.field_family.clone()],
        "region_province" => vec![doc.region_province.clone()],
        "trl" => doc.trl.map(|t| t.to_string()).into_iter().collect(),
        "modes" => doc.modes.clone(),
        "price_band" => vec![doc.price_band.clone()],
        _ => vec![],
    };
    values.sort();
    values.dedup();
    values
}

/// Whether a document is among the results of a query (text and filters), as every engine
/// answers it: each query term occurs in the document and each filter value is one of its values.
/// Saved searches are checked against new listings with it.
pub fn fits(doc: &Doc, text: &str, filters: &BTreeMap<String, String>) -> bool {
    let filters_hold = filters
        .iter()
        .all(|(name, value)| doc_facet_values(doc, name).iter().any(|v| v == value));
    if !filters_hold {
        return false;
    }
    let wanted = query_terms(text);
    if wanted.is_empty() {
        return true;
    }
    let mut have: HashSet<String> = HashSet::new();
    for t in std::iter::once(&doc.title)
        .chain(doc.keywords.iter())
        .chain([&doc.summary, &doc.org_name])
    {
        have.extend(terms(t));
    }
    wanted.iter().all(|w| have.contains(w))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Free text, Chinese or English; empty means every document.
    pub text: String,
    /// Facet filters: facet name → accepted value (one value per facet).
    pub filters: BTreeMap<String, String>,
    pub offset: usize,
    pub limit: usize,
    /// Looking for match candidates: a document need hold only some of the terms (ranked by
    /// relevance), and no facets, totals or highlights are computed.
    pub candidates: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub kind: String,
    pub listing_id: i64,
    /// Title and summary as HTML: escaped text with matches wrapped in <mark>…</mark>.
    pub title_html: String,
    pub summary_html: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Total number of matching documents (may be an estimate above 1,000).
    pub total: usize,
    /// Facet name → (value → count), counted over all matching documents.
    pub facets: BTreeMap<String, BTreeMap<String, usize>>,
}

#[derive(Debug, Clone)]
pub enum SearchError {
    /// The engine cannot be reached or refused the request: callers fall back and retry later.
    Unavailable(String),
    /// Anything else (a bad document, a broken index).
    Failed(String),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::Unavailable(m) => write!(f, "search engine unavailable: {m}"),
            SearchError::Failed(m) => write!(f, "search failed: {m}"),
        }
    }
}

impl std::error::Error for SearchError {}

pub trait SearchEngine: Send + Sync {
    /// "embedded" or "meilisearch".
    fn name(&self) -> &'static str;
    /// Adds or replaces documents (by id); visible to searches when this returns.
    fn upsert(&self, docs: &[Doc]) -> Result<(), SearchError>;
    /// Removes documents by id; unknown ids are ignored.
    fn delete(&self, ids: &[String]) -> Result<(), SearchError>;
    /// Removes every document (before a rebuild).
    fn clear(&self) -> Result<(), SearchError>;
    fn search(&self, q: &Query) -> Result<Results, SearchError>;
    /// Number of documents in the index.
    fn count(&self) -> Result<usize, SearchError>;
}

/// Escapes text for HTML and wraps every occurrence of a term in <mark>; terms are matched
/// case-insensitively for ASCII and as substrings (so Chinese terms are found inside words).
pub fn highlight(text: &str, terms: &[String]) -> String {
    let lower: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let chars: Vec<char> = text.chars().collect();
    let mut marked = vec![false; chars.len()];
    for term in terms {
        let t: Vec<char> = term.chars().map(|c| c.to_ascii_lowercase()).collect();
        if t.is_empty() || t.len() > lower.len() {
            continue;
        }
        for start in 0..=(lower.len() - t.len()) {
            if lower[start..start + t.len()] == t[..] {
                marked[start..start + t.len()].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    let mut out = String::new();
    let mut open = false;
    for (i, c) in chars.iter().enumerate() {
        if marked[i] && !open {
            out.push_str("<mark>");
            open = true;
        } else if !marked[i] && open {
            out.push_str("</mark>");
            open = false;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(*c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

/// Whether a character is CJK (ideographs and their punctuation are handled separately).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The terms a text is indexed and searched by: ASCII words (lowercased, letters and digits), and
/// for every run of Chinese characters each character and each pair of neighbours, so that 提锂
/// finds 盐湖卤水提锂吸附剂 and so does 锂 alone. Word segmentation alone would lose both.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        for (i, c) in run.iter().enumerate() {
            out.push(c.to_string());
            if let Some(n) = run.get(i + 1) {
                out.push(format!("{c}{n}"));
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_run(&mut run, &mut out);
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    flush_run(&mut run, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The terms of a query: for Chinese, the pairs (or the single character when alone), so that a
/// two-character query must match those two characters side by side.
pub fn query_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => {
                for w in run.windows(2) {
                    out.push(format!("{}{}", w[0], w[1]));
                }
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_run(&mut run, &mut out);
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    flush_run(&mut run, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out.dedup();
    out
}

/// What to mark in hits: the query's words and its runs of Chinese characters as typed (a whole
/// run such as 盐湖提锂 is marked as one), plus its pairs, which `highlight` joins into one mark
/// wherever they sit side by side, so a run found in pieces is still marked.
pub fn mark_terms(text: &str, words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in text.chars().take(2_000) {
        if is_cjk(c) {
            run.push(c);
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out.retain(|r| r.chars().count() <= 64);
    out.extend(words);
    let mut seen = HashSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

/// The summary, cut to about SUMMARY_CHARS characters around the first match when longer.
pub fn excerpt(summary: &str, marks: &[String]) -> String {
    let chars: Vec<char> = summary.chars().collect();
    if chars.len() <= SUMMARY_CHARS {
        return summary.to_string();
    }
    let lower = summary.to_ascii_lowercase();
    let first = marks
        .iter()
        .filter(|m| !m.is_empty())
        .filter_map(|m| lower.find(&m.to_ascii_lowercase()))
        .min()
        .map(|byte| summary.get(..byte).map(|s| s.chars().count()).unwrap_or(0))
        .unwrap_or(0);
    let start = first.saturating_sub(SUMMARY_CHARS / 4).min(chars.len() - SUMMARY_CHARS);
    let end = start + SUMMARY_CHARS;
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_indexed_by_characters_and_pairs() {
        let t = terms("盐湖卤水提锂吸附剂 Lithium-ion");
        assert!(t.contains(&"锂".to_string()));
        assert!(t.contains(&"提锂".to_string()));
        assert!(t.contains(&"lithium".to_string()));
        assert!(t.contains(&"ion".to_string()));
        assert_eq!(query_terms("提锂"), vec!["提锂"]);
        assert_eq!(query_terms("锂"), vec!["锂"]);
        assert_eq!(query_terms("盐湖提锂"), vec!["盐湖", "湖提", "提锂"]);
        assert_eq!(query_terms("Lithium  Extraction"), vec!["lithium", "extraction"]);
    }

    #[test]
    fn highlights_escape_and_mark() {
        assert_eq!(
            highlight("盐湖<提锂>", &["提锂".into()]),
            "盐湖&lt;<mark>提锂</mark>&gt;"
        );
        assert_eq!(
            highlight("Lithium lithium", &["lithium".into()]),
            "<mark>Lithium</mark> <mark>lithium</mark>"
        );
    }

    #[test]
    fn price_bands() {
        assert_eq!(price_band(None), "negotiable");
        assert_eq!(price_band(Some(9_999_999)), "lt10w");
        assert_eq!(price_band(Some(10_000_000)), "10w_50w");
        assert_eq!(price_band(Some(2_000_000_000)), "gt1000w");
    }
}

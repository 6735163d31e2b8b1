//! The Meilisearch engine, for deployments of several processes sharing one index.
//!
//! Meilisearch segments Chinese into words, so a one-character query (锂) or a fragment of a word
//! (提锂 inside 盐湖卤水提锂吸附剂) would find nothing. Every document therefore carries an extra
//! searchable attribute `grams`: the index-time terms of `engine::terms` (each Chinese character and
//! each pair of neighbours, ASCII words) joined with spaces; and the query is sent as its
//! `engine::query_terms`, Chinese pairs as quoted phrases, so this engine finds what the embedded
//! one finds: every term must match (`matchingStrategy: all`). One difference remains: Meilisearch
//! reads only the first 10 words of a query, so a query of more terms (a pasted title of a dozen
//! Chinese characters) may find a few more documents than the embedded engine, never fewer.
//!
//! The `SearchEngine` trait is synchronous and the SDK is async: the engine owns a small tokio
//! runtime (one worker thread) and every method runs its request there and waits for the answer.
//! **Call the methods from blocking threads** (`web::block`, the outbox worker, the CLI), never from
//! inside an async task: they would not panic, but they would block that task's executor thread for
//! the length of the request. Each HTTP call is bounded by a short timeout, so a stopped Meilisearch
//! makes calls fail fast with `SearchError::Unavailable` and the server falls back to the database.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode, ErrorType, MeilisearchError};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{Settings, TypoToleranceSettings};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::{Deserialize, Serialize};

use super::{
    excerpt, highlight, is_cjk, mark_terms, query_terms, terms, Doc, Hit, Query, Results, SearchEngine, SearchError,
    FACETS,
};

/// Bound on one HTTP request (connect included).
const CALL_TIMEOUT: Duration = Duration::from_secs(4);
/// Bound on waiting for an indexing task (a rebuild sends batches of a few thousand documents).
const TASK_TIMEOUT: Duration = Duration::from_secs(120);
const SEARCHABLE: &[&str] = &["title", "keywords", "grams", "summary", "org_name"];
const RETRIEVED: &[&str] = &["id", "kind", "listing_id", "title", "summary"];
const NEWEST_FIRST: &[&str] = &["published_at:desc"];
/// A Meilisearch index used as the market's search engine.
pub struct MeiliEngine {
    /// Taken out only in `Drop` (shut down without blocking, so dropping the engine inside an async
    /// context cannot panic).
    runtime: Option<tokio::runtime::Runtime>,
    client: Client,
    index: String,
    /// Whether the index and its settings are known to exist; set up again lazily when not.
    ready: Arc<AtomicBool>,
}

/// A document as stored in Meilisearch: the `Doc` plus its search grams.
#[derive(Serialize)]
struct MeiliDoc<'a> {
    #[serde(flatten)]
    doc: &'a Doc,
    grams: String,
}

/// The attributes a hit brings back.
#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    listing_id: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
}

/// Why a call failed. `Down` (unreachable, timed out, 5xx) and `Auth` (key refused) are reported as
/// `SearchError::Unavailable`, so callers fall back and retry later.
enum Fault {
    Down(String),
    Auth(String),
    /// The index is missing or lacks its settings (deleted and recreated behind our back).
    Setup(String),
    Other(String),
}

impl Fault {
    fn into_error(self) -> SearchError {
        match self {
            Fault::Down(m) | Fault::Auth(m) => SearchError::Unavailable(m),
            Fault::Setup(m) | Fault::Other(m) => SearchError::Failed(m),
        }
    }
}

fn fault(e: MeiliError) -> Fault {
    match e {
        MeiliError::HttpError(e) if e.is_builder() => Fault::Other(format!("bad Meilisearch URL: {e}")),
        MeiliError::HttpError(e) => Fault::Down(with_causes(&e)),
        MeiliError::Timeout => Fault::Down("a Meilisearch task did not finish in time".into()),
        MeiliError::MeilisearchCommunication(c) => {
            let m = format!("HTTP {} from {}", c.status_code, c.url);
            if matches!(c.status_code, 401 | 403) {
                Fault::Auth(m)
            } else if c.status_code >= 500 || matches!(c.status_code, 408 | 429) {
                Fault::Down(m)
            } else {
                Fault::Other(m)
            }
        }
        MeiliError::Meilisearch(m) => {
            let text = format!("{}: {}", code_str(&m), m.error_message);
            if needs_setup(&m.error_code) {
                Fault::Setup(text)
            } else if m.error_type == ErrorType::Auth {
                Fault::Auth(text)
            } else if m.error_type == ErrorType::Internal {
                Fault::Down(text)
            } else {
                Fault::Other(text)
            }
        }
        other => Fault::Other(other.to_string()),
    }
}

/// An error and its causes ("error sending request …: client error (Connect): Connection refused").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// Errors that mean the index or its settings are missing: setting the index up again cures them.
fn needs_setup(code: &ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::IndexNotFound
            | ErrorCode::InvalidSearchFilter
            | ErrorCode::InvalidSearchSort
            | ErrorCode::InvalidSearchFacets
    )
}

/// The error code of a Meilisearch error as text ("index_not_found"; the SDK's enum has no Display).
fn code_str(e: &MeilisearchError) -> String {
    serde_json::to_value(&e.error_code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{:?}", e.error_code))
}

/// Runs one SDK call with the HTTP timeout.
async fn call<T>(what: &str, fut: impl Future<Output = Result<T, MeiliError>>) -> Result<T, Fault> {
    match tokio::time::timeout(CALL_TIMEOUT, fut).await {
        Ok(r) => r.map_err(fault),
        Err(_) => Err(Fault::Down(format!(
            "{what}: no answer within {} s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

/// Waits for a task; a failed task is `Fault::Other` with Meilisearch's message.
async fn wait(client: &Client, task: &TaskInfo) -> Result<(), Fault> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match call("task status", client.get_task(task)).await? {
            Task::Succeeded { .. } => return Ok(()),
            Task::Failed { content } => {
                let e = content.error;
                let text = format!("task {} failed: {}: {}", task.task_uid, code_str(&e), e.error_message);
                return Err(if needs_setup(&e.error_code) {
                    Fault::Setup(text)
                } else {
                    Fault::Other(text)
                });
            }
            Task::Enqueued { .. } | Task::Processing { .. } => {}
        }
        if started.elapsed() > TASK_TIMEOUT {
            return Err(Fault::Down(format!(
                "task {} still pending after {} s",
                task.task_uid,
                TASK_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// Creates the index (primary key `id`) if missing and applies the settings.
async fn ensure_index(client: &Client, uid: &str) -> Result<(), Fault> {
    let created = call("create index", client.create_index(uid, Some("id"))).await?;
    match wait(client, &created).await {
        Ok(()) => {}
        // index_already_exists: the usual case after the first start.
        Err(Fault::Other(m)) if m.contains("index_already_exists") => {}
        Err(e) => return Err(e),
    }
    let mut filterable: Vec<&str> = FACETS.to_vec();
    filterable.push("listing_id");
    let typos = TypoToleranceSettings {
        enabled: Some(true),
        // Grams are exact fragments: a typo on a one-character term would match anything.
        disable_on_attributes: Some(vec!["grams".to_string()]),
        disable_on_words: None,
        min_word_size_for_typos: None,
        disable_on_numbers: None,
    };
    let settings = Settings::new()
        .with_searchable_attributes(SEARCHABLE)
        .with_filterable_attributes(filterable)
        .with_sortable_attributes(["published_at"])
        .with_ranking_rules([
            "words",
            "typo",
            "proximity",
            "attribute",
            "sort",
            "exactness",
            "published_at:desc",
        ])
        .with_typo_tolerance(typos);
    let index = client.index(uid);
    let task = call("update settings", index.set_settings(&settings)).await?;
    wait(client, &task).await
}

/// The text sent to Meilisearch: the query's terms, Chinese runs expanded into pairs like the
/// grams (a lone character stays itself). Meilisearch cuts a pair such as 高锂 into two words and
/// would then accept them anywhere in the document, so pairs go in quotes: a phrase, whose words
/// must stand side by side (as they do in the grams of a text that has the pair).
fn meili_query(text: &str) -> String {
    let mut seen = HashSet::new();
    query_terms(text)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .map(|t| {
            if t.chars().count() > 1 && t.chars().any(is_cjk) {
                format!("\"{t}\"")
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `grams` of a document: `terms` of its title, keywords and summary, joined with spaces. Each
/// piece between punctuation is followed by a hard separator, so that the last character of one
/// run and the first of the next (量 and 高 in 容量，高) never stand side by side as a phrase.
fn grams(doc: &Doc) -> String {
    let mut out = String::new();
    let texts = std::iter::once(doc.title.as_str())
        .chain(doc.keywords.iter().map(String::as_str))
        .chain(std::iter::once(doc.summary.as_str()));
    for text in texts {
        for piece in text.split(|c: char| !(is_cjk(c) || c.is_alphanumeric())) {
            let t = terms(piece);
            if !t.is_empty() {
                if !out.is_empty() {
                    out.push_str(" . ");
                }
                out.push_str(&t.join(" "));
            }
        }
    }
    out
}

/// A Meilisearch filter expression for the query's facet filters; unknown facets are ignored.
fn filter_expr(filters: &BTreeMap<String, String>) -> Option<String> {
    let parts: Vec<String> = filters
        .iter()
        .filter(|(k, _)| FACETS.contains(&k.as_str()) || k.as_str() == "listing_id")
        .map(|(k, v)| format!("{k} = \"{}\"", escape_filter_value(v)))
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" AND "))
    }
}

/// Escapes a value for a double-quoted filter string: backslashes and double quotes.
fn escape_filter_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    for c in v.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl MeiliEngine {
    /// Connects to Meilisearch at `url` (e.g. "http://127.0.0.1:7700") with the API key `key`, and
    /// makes sure `index` exists with the market's settings. A Meilisearch that cannot be reached
    /// now is not an error: the index is set up on the first call that reaches it. A bad URL, a
    /// rejected key or an index that cannot be set up is.
    pub fn connect(url: &str, key: Option<&str>, index: &str) -> Result<MeiliEngine, SearchError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("meilisearch")
            .enable_all()
            .build()
            .map_err(|e| SearchError::Failed(format!("cannot start the Meilisearch runtime: {e}")))?;
        let client = Client::new(url.trim_end_matches('/'), key)
            .map_err(|e| SearchError::Failed(format!("cannot create the Meilisearch client: {e}")))?;
        let engine = MeiliEngine {
            runtime: Some(runtime),
            client,
            index: index.to_string(),
            ready: Arc::new(AtomicBool::new(false)),
        };
        let (client, uid) = (engine.client.clone(), engine.index.clone());
        match engine.run_raw(async move { ensure_index(&client, &uid).await }) {
            Ok(()) => engine.ready.store(true, Ordering::Release),
            // Unreachable for now: set up on the first call that reaches it.
            Err(Fault::Down(_)) => {}
            // A wrong key will not fix itself: say so at startup.
            Err(Fault::Auth(m)) => return Err(SearchError::Failed(format!("Meilisearch refused the API key: {m}"))),
            Err(e) => return Err(e.into_error()),
        }
        Ok(engine)
    }

    /// Runs a future on the engine's runtime and waits for it on this thread.
    fn run_raw<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T, Fault>> + Send + 'static,
    ) -> Result<T, Fault> {
        let Some(runtime) = self.runtime.as_ref() else {
            return Err(Fault::Other("the Meilisearch runtime is shut down".into()));
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            // The receiver may have given up; nothing to do then.
            let _ = tx.send(fut.await);
        });
        match rx.recv_timeout(TASK_TIMEOUT + 2 * CALL_TIMEOUT) {
            Ok(r) => r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Fault::Down("Meilisearch call timed out".into())),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(Fault::Other("Meilisearch call aborted".into()))
            }
        }
    }

    /// Runs an operation on the index: sets the index up first when needed, and once more when
    /// Meilisearch says the index or its settings are gone (deleted behind our back).
    fn run<T, F, Fut>(&self, op: F) -> Result<T, SearchError>
    where
        T: Send + 'static,
        F: Fn(Client, Index) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, Fault>> + Send,
    {
        let (client, uid, ready) = (self.client.clone(), self.index.clone(), self.ready.clone());
        self.run_raw(async move {
            for attempt in 0..2 {
                if !ready.load(Ordering::Acquire) {
                    ensure_index(&client, &uid).await?;
                    ready.store(true, Ordering::Release);
                }
                match op(client.clone(), client.index(uid.as_str())).await {
                    Err(Fault::Setup(m)) => {
                        ready.store(false, Ordering::Release);
                        if attempt == 1 {
                            return Err(Fault::Other(m));
                        }
                    }
                    other => return other,
                }
            }
            Err(Fault::Other("unreachable: index setup loop".into()))
        })
        .map_err(Fault::into_error)
    }

    /// Deletes the whole index (tests and tooling).
    pub fn drop_index(&self) -> Result<(), SearchError> {
        let (client, uid, ready) = (self.client.clone(), self.index.clone(), self.ready.clone());
        self.run_raw(async move {
            ready.store(false, Ordering::Release);
            let task = call("delete index", client.delete_index(&uid)).await?;
            match wait(&client, &task).await {
                Ok(()) | Err(Fault::Setup(_)) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .map_err(Fault::into_error)
    }
}

impl Drop for MeiliEngine {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl MeiliEngine {
    /// Match candidates: Meilisearch has no "any of these words" query (its matching strategies
    /// drop words from the end, or keep the rarest, which may be in no document), so each of the
    /// first ten terms is searched on its own and documents are ranked by how many terms found
    /// them, then by their summed ranking scores.
    fn candidates(&self, q: &Query) -> Result<Results, SearchError> {
        let mut seen = HashSet::new();
        let terms: Vec<String> = query_terms(&q.text)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .take(10)
            .collect();
        let mut tally: BTreeMap<String, (usize, f32, Hit)> = BTreeMap::new();
        for term in terms {
            let one = Query {
                text: term,
                filters: q.filters.clone(),
                offset: 0,
                limit: q.limit,
                candidates: false,
            };
            for hit in self.search(&one)?.hits {
                let entry = tally.entry(hit.id.clone()).or_insert((0, 0.0, hit.clone()));
                entry.0 += 1;
                entry.1 += hit.score;
            }
        }
        let mut ranked: Vec<(usize, f32, Hit)> = tally.into_values().collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
        let hits: Vec<Hit> = ranked
            .into_iter()
            .take(q.limit)
            .map(|(n, score, mut h)| {
                h.score = n as f32 + score / 100.0;
                h
            })
            .collect();
        Ok(Results {
            total: hits.len(),
            hits,
            facets: BTreeMap::new(),
        })
    }
}

impl SearchEngine for MeiliEngine {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    fn upsert(&self, docs: &[Doc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        let docs: Arc<Vec<Doc>> = Arc::new(docs.to_vec());
        self.run(move |client, index| {
            let docs = docs.clone();
            async move {
                let stored: Vec<MeiliDoc> = docs.iter().map(|doc| MeiliDoc { doc, grams: grams(doc) }).collect();
                let task = call("add documents", index.add_or_replace(&stored, Some("id"))).await?;
                wait(&client, &task).await
            }
        })
    }

    fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Arc<Vec<String>> = Arc::new(ids.to_vec());
        self.run(move |client, index| {
            let ids = ids.clone();
            async move {
                let task = call("delete documents", index.delete_documents(&ids)).await?;
                wait(&client, &task).await
            }
        })
    }

    fn clear(&self) -> Result<(), SearchError> {
        self.run(|client, index| async move {
            let task = call("delete all documents", index.delete_all_documents()).await?;
            wait(&client, &task).await
        })
    }

    fn count(&self) -> Result<usize, SearchError> {
        self.run(|_, index| async move { Ok(call("index stats", index.get_stats()).await?.number_of_documents) })
    }

    fn search(&self, q: &Query) -> Result<Results, SearchError> {
        if q.candidates {
            return self.candidates(q);
        }
        let text = meili_query(&q.text);
        let filter = filter_expr(&q.filters);
        let (offset, limit) = (q.offset, q.limit);
        let raw = self.run(move |_, index| {
            let (text, filter) = (text.clone(), filter.clone());
            async move {
                let mut search = index.search();
                search
                    .with_offset(offset)
                    .with_limit(limit)
                    .with_attributes_to_retrieve(Selectors::Some(RETRIEVED))
                    .with_show_ranking_score(true);
                search.with_facets(Selectors::Some(FACETS));
                if text.is_empty() {
                    search.with_sort(NEWEST_FIRST);
                } else {
                    search.with_query(&text).with_matching_strategy(MatchingStrategies::ALL);
                }
                if let Some(f) = &filter {
                    search.with_filter(f);
                }
                call("search", search.execute::<Stored>()).await
            }
        })?;

        let marks = mark_terms(&q.text, query_terms(&q.text));
        let hits = raw
            .hits
            .into_iter()
            .map(|h| Hit {
                title_html: highlight(&h.result.title, &marks),
                summary_html: highlight(&excerpt(&h.result.summary, &marks), &marks),
                id: h.result.id,
                kind: h.result.kind,
                listing_id: h.result.listing_id,
                score: h.ranking_score.unwrap_or(0.0) as f32,
            })
            .collect();
        let mut facets: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for name in FACETS {
            facets.insert(name.to_string(), BTreeMap::new());
        }
        for (name, counts) in raw.facet_distribution.unwrap_or_default() {
            facets.entry(name).or_default().extend(counts);
        }
        let total = raw.estimated_total_hits.or(raw.total_hits).unwrap_or(0);
        Ok(Results { hits, total, facets })
    }
}

#[cfg(test)]
mod tests {
    use super::super::price_band;
    use super::*;

    /// Meilisearch to test against, from MEILI_URL and MEILI_MASTER_KEY; None (and a notice) when
    /// unset.
    fn meili() -> Option<(String, Option<String>)> {
        match std::env::var("MEILI_URL") {
            Ok(url) if !url.is_empty() => Some((url, std::env::var("MEILI_MASTER_KEY").ok())),
            _ => {
                println!("SKIPPED: MEILI_URL not set");
                None
            }
        }
    }

    /// An engine on an index of its own, deleted when the test ends (even when it fails).
    struct TestIndex(MeiliEngine);

    impl Drop for TestIndex {
        fn drop(&mut self) {
            if let Err(e) = self.0.drop_index() {
                eprintln!("cannot delete test index {}: {e}", self.0.index);
            }
        }
    }

    fn open(test: &str) -> Option<TestIndex> {
        let (url, key) = meili()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let uid = format!("techmarket_test_{test}_{}_{nanos}", std::process::id());
        match MeiliEngine::connect(&url, key.as_deref(), &uid) {
            Ok(e) => Some(TestIndex(e)),
            Err(e) => panic!("connect to {url}: {e}"),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn doc(
        kind: &str,
        id: i64,
        title: &str,
        summary: &str,
        family: &str,
        province: &str,
        trl: Option<u8>,
        price: Option<i64>,
        at: i64,
    ) -> Doc {
        Doc {
            id: format!("{kind}-{id}"),
            kind: kind.into(),
            listing_id: id,
            title: title.into(),
            summary: summary.into(),
            keywords: vec![],
            org_name: "测试机构".into(),
            field_code: format!("{family}.x"),
            field_family: family.into(),
            region_code: "630000".into(),
            region_province: province.into(),
            region_prefecture: String::new(),
            trl,
            modes: if kind == "demand" {
                vec!["joint_rd".into()]
            } else {
                vec!["license".into(), "transfer".into()]
            },
            price_fen: price,
            price_band: price_band(price).into(),
            published_at: at,
        }
    }

    fn query(text: &str) -> Query {
        Query {
            text: text.into(),
            limit: 20,
            ..Query::default()
        }
    }

    fn ids(r: &Results) -> Vec<String> {
        r.hits.iter().map(|h| h.id.clone()).collect()
    }

    fn market() -> Vec<Doc> {
        vec![
            doc(
                "achievement",
                1,
                "盐湖卤水提锂吸附剂制备技术",
                "一种用于盐湖卤水的铝系锂吸附剂，<b>吸附容量</b>高。",
                "lithium",
                "青海省",
                Some(6),
                Some(300_000_000),
                100,
            ),
            doc(
                "demand",
                2,
                "锂电池正极材料回收",
                "寻求退役电池中钴、镍的高效回收工艺。",
                "lithium",
                "江西省",
                None,
                None,
                200,
            ),
            doc(
                "achievement",
                3,
                "提高光伏组件效率的方法",
                "钙钛矿叠层，不涉及电池材料。",
                "solar",
                "江苏省",
                Some(4),
                Some(5_000_000),
                300,
            ),
            doc(
                "demand",
                4,
                "Lithium extraction from geothermal brine",
                "We need an adsorbent for direct lithium extraction (DLE).",
                "lithium",
                "云南省",
                None,
                Some(2_000_000_000),
                400,
            ),
        ]
    }

    #[test]
    fn chinese_fragments_and_single_characters_are_found() {
        let Some(t) = open("cjk") else { return };
        let e = &t.0;
        e.upsert(&market()).unwrap();
        let r = e.search(&query("提锂")).unwrap();
        assert_eq!(ids(&r), vec!["achievement-1"], "提锂");
        assert_eq!(r.hits[0].title_html, "盐湖卤水<mark>提锂</mark>吸附剂制备技术");
        assert!(
            r.hits[0].summary_html.contains("&lt;b&gt;"),
            "summary escaped: {}",
            r.hits[0].summary_html
        );
        let r = e.search(&query("锂")).unwrap();
        let found = ids(&r);
        assert!(
            found.contains(&"achievement-1".to_string()) && found.contains(&"demand-2".to_string()),
            "锂: {found:?}"
        );
        assert!(!found.contains(&"achievement-3".to_string()), "锂: {found:?}");
        assert!(r
            .hits
            .iter()
            .all(|h| h.title_html.contains("<mark>锂</mark>") || h.summary_html.contains("<mark>锂</mark>")));
        let r = e.search(&query("卤水提锂")).unwrap();
        assert_eq!(ids(&r), vec!["achievement-1"], "卤水提锂");
        assert_eq!(r.hits[0].title_html, "盐湖<mark>卤水提锂</mark>吸附剂制备技术");
        // Every pair must be present, as in the embedded engine: 湖提 is in no document.
        let r = e.search(&query("盐湖提锂")).unwrap();
        assert!(r.hits.is_empty() && r.total == 0, "盐湖提锂: {:?}", ids(&r));
        let r = e.search(&query("吸附剂")).unwrap();
        assert_eq!(ids(&r), vec!["achievement-1"], "吸附剂");
        // 高 and 锂 both occur in achievement-1 and demand-2, never side by side.
        let r = e.search(&query("高锂")).unwrap();
        assert!(r.hits.is_empty(), "高锂: {:?}", ids(&r));
    }

    #[test]
    fn english_queries_find_english_text() {
        let Some(t) = open("english") else { return };
        let e = &t.0;
        e.upsert(&market()).unwrap();
        for q in ["lithium", "Lithium Extraction", "adsorbent", "geothermal brine", "DLE"] {
            let r = e.search(&query(q)).unwrap();
            assert_eq!(ids(&r), vec!["demand-4"], "{q}");
        }
        let r = e.search(&query("geothermal")).unwrap();
        assert_eq!(
            r.hits[0].title_html,
            "Lithium extraction from <mark>geothermal</mark> brine"
        );
        assert_eq!(r.total, 1);
        assert!(e.search(&query("photosynthesis")).unwrap().hits.is_empty());
    }

    #[test]
    fn filters_facets_paging_and_order() {
        let Some(t) = open("facets") else { return };
        let e = &t.0;
        e.upsert(&market()).unwrap();
        // Placeholder search: everything, newest first, with facet counts.
        let r = e.search(&query("")).unwrap();
        assert_eq!(ids(&r), vec!["demand-4", "achievement-3", "demand-2", "achievement-1"]);
        assert_eq!(r.total, 4);
        assert_eq!(r.facets["kind"]["demand"], 2);
        assert_eq!(r.facets["field_family"]["lithium"], 3);
        assert_eq!(r.facets["modes"]["license"], 2);
        assert_eq!(r.facets["trl"]["6"], 1);
        assert_eq!(r.facets["price_band"]["negotiable"], 1);
        assert!(FACETS.iter().all(|f| r.facets.contains_key(*f)));
        // Paging.
        let r = e
            .search(&Query {
                offset: 1,
                limit: 2,
                ..query("")
            })
            .unwrap();
        assert_eq!(ids(&r), vec!["achievement-3", "demand-2"]);
        assert_eq!(r.total, 4);
        // Filters, with counts over the matching documents only.
        let mut q = query("");
        q.filters.insert("kind".into(), "demand".into());
        let r = e.search(&q).unwrap();
        assert_eq!(ids(&r), vec!["demand-4", "demand-2"]);
        assert_eq!(r.facets["kind"].get("achievement"), None);
        assert_eq!(r.facets["region_province"]["云南省"], 1);
        let mut q = query("锂");
        q.filters.insert("region_province".into(), "青海省".into());
        assert_eq!(ids(&e.search(&q).unwrap()), vec!["achievement-1"]);
        let mut q = query("");
        q.filters.insert("trl".into(), "6".into());
        assert_eq!(ids(&e.search(&q).unwrap()), vec!["achievement-1"]);
        // Values are escaped: quotes and operators are just text that matches nothing.
        let mut q = query("");
        q.filters
            .insert("kind".into(), r#"demand" OR kind = "achievement"#.into());
        q.filters.insert("price_band".into(), "\\".into());
        let r = e.search(&q).unwrap();
        assert!(r.hits.is_empty() && r.total == 0, "{:?}", ids(&r));
    }

    #[test]
    fn upsert_replaces_delete_and_clear() {
        let Some(t) = open("writes") else { return };
        let e = &t.0;
        assert_eq!(e.name(), "meilisearch");
        e.upsert(&market()).unwrap();
        assert_eq!(e.count().unwrap(), 4);
        let mut changed = market().remove(0);
        changed.title = "钠离子电池负极材料".into();
        e.upsert(&[changed]).unwrap();
        assert_eq!(e.count().unwrap(), 4);
        assert!(e.search(&query("提锂")).unwrap().hits.is_empty());
        assert_eq!(ids(&e.search(&query("钠离子")).unwrap()), vec!["achievement-1"]);
        e.delete(&["achievement-1".to_string(), "demand-999".to_string()])
            .unwrap();
        assert_eq!(e.count().unwrap(), 3);
        assert!(e.search(&query("钠离子")).unwrap().hits.is_empty());
        e.delete(&[]).unwrap();
        e.upsert(&[]).unwrap();
        e.clear().unwrap();
        assert_eq!(e.count().unwrap(), 0);
        assert!(e.search(&query("")).unwrap().hits.is_empty());
        // A bad document is reported with Meilisearch's message.
        let mut bad = market().remove(1);
        bad.id = "not a valid id!".into();
        match e.upsert(&[bad]) {
            Err(SearchError::Failed(m)) => assert!(m.contains("invalid_document_id"), "{m}"),
            other => panic!("bad id: {other:?}"),
        }
        // The index deleted behind the engine's back is set up again.
        e.drop_index().unwrap();
        e.upsert(&market()).unwrap();
        let mut q = query("锂");
        q.filters.insert("kind".into(), "demand".into());
        assert_eq!(ids(&e.search(&q).unwrap()), vec!["demand-2"]);
    }

    #[test]
    fn concurrent_callers_and_a_wrong_key() {
        let Some(t) = open("threads") else { return };
        let e = Arc::new(t);
        e.0.upsert(&market()).unwrap();
        let workers: Vec<_> = (0..4)
            .map(|i| {
                let e = e.clone();
                std::thread::spawn(move || {
                    (0..20).all(|_| {
                        let q = if i % 2 == 0 { query("锂") } else { query("lithium") };
                        e.0.search(&q).map(|r| r.total >= 1).unwrap_or(false)
                    })
                })
            })
            .collect();
        assert!(workers.into_iter().all(|w| w.join().unwrap_or(false)));
        let Some((url, _)) = meili() else { return };
        match MeiliEngine::connect(&url, Some("not-the-key"), "techmarket_wrong_key") {
            Err(SearchError::Failed(m)) => assert!(m.contains("API key"), "{m}"),
            Err(other) => panic!("wrong key: {other}"),
            Ok(_) => {} // a Meilisearch without a master key accepts any key
        }
    }

    /// Needs no Meilisearch: a loopback listener that accepts connections and never answers.
    #[test]
    fn silent_server_times_out() {
        let Ok(listener) = std::net::TcpListener::bind("127.0.0.1:0") else {
            return;
        };
        let Ok(addr) = listener.local_addr() else { return };
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let silent = std::thread::spawn(move || {
            let mut held = Vec::new();
            let _ = listener.set_nonblocking(true);
            let started = Instant::now();
            while !stop2.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(60) {
                if let Ok((conn, _)) = listener.accept() {
                    held.push(conn);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let started = Instant::now();
        let e = MeiliEngine::connect(&format!("http://{addr}"), None, "techmarket_silent");
        let connect_took = started.elapsed();
        let started = Instant::now();
        let searched = e.as_ref().map(|e| e.search(&query("锂")));
        let search_took = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let _ = silent.join();
        assert!(e.is_ok(), "connect must defer setup");
        assert!(matches!(searched, Ok(Err(SearchError::Unavailable(_)))), "{searched:?}");
        assert!(connect_took < Duration::from_secs(5), "connect took {connect_took:?}");
        assert!(search_took < Duration::from_secs(5), "search took {search_took:?}");
    }

    /// Needs no Meilisearch: nothing listens on loopback port 9.
    #[test]
    fn unreachable_server_fails_fast() {
        let started = Instant::now();
        let e = match MeiliEngine::connect("http://127.0.0.1:9", Some("key"), "techmarket_unreachable") {
            Ok(e) => e,
            Err(err) => panic!("connect must defer setup while Meilisearch is down: {err}"),
        };
        assert!(matches!(e.search(&query("锂")), Err(SearchError::Unavailable(_))));
        assert!(matches!(e.upsert(&market()), Err(SearchError::Unavailable(_))));
        assert!(matches!(e.count(), Err(SearchError::Unavailable(_))));
        assert!(matches!(e.clear(), Err(SearchError::Unavailable(_))));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        assert!(matches!(
            MeiliEngine::connect("not a url", None, "x").and_then(|e| e.count()),
            Err(SearchError::Failed(_))
        ));
    }

    #[test]
    fn filter_values_are_escaped() {
        let mut f = BTreeMap::new();
        f.insert("kind".to_string(), r#"de"m\and"#.to_string());
        f.insert("field_family".to_string(), "lithium".to_string());
        f.insert("bogus OR 1".to_string(), "x".to_string());
        assert_eq!(
            filter_expr(&f).as_deref(),
            Some(r#"field_family = "lithium" AND kind = "de\"m\\and""#)
        );
        assert_eq!(filter_expr(&BTreeMap::new()), None);
    }

    #[test]
    fn snippets_cut_around_the_first_match() {
        let long = format!("{}提锂{}", "甲".repeat(300), "乙".repeat(300));
        let s = excerpt(&long, &["提锂".to_string()]);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("提锂"));
        assert_eq!(s.chars().count(), crate::index::SUMMARY_CHARS + 2);
        assert_eq!(excerpt("短", &["x".to_string()]), "短");
        let s = excerpt(&"a".repeat(500), &[]);
        assert!(!s.starts_with('…') && s.ends_with('…'));
        assert_eq!(meili_query("盐湖提锂 Lithium"), r#""盐湖" "湖提" "提锂" lithium"#);
        assert_eq!(meili_query("锂"), "锂");
        assert_eq!(meili_query("锂 锂 Li li"), "锂 li");
    }
}

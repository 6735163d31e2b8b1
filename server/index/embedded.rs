//! The embedded search engine: a tantivy index in `DATA_DIR/search`, served by this one process.
//!
//! Text is tokenized by `engine::terms` (index time) and `engine::query_terms` (query time), the same
//! functions the Meilisearch engine uses, and indexed pre-tokenized: the indexed fields hold those
//! terms joined with spaces and tantivy only splits on whitespace. Every query term must match in
//! `all_terms` (title, keywords, summary, organisation; BM25); a match in the title adds a boosted
//! `title_terms` score. Ties go to the newest (`published_at`), and so does an empty query.
//!
//! Each facet is a raw string field, indexed for filters. Counting reads two dense fast columns
//! holding each document's combination of facet values, in blocks of 64 documents, and sorting an
//! empty query by date reads `published_at` the same way: at a million listings, facets and order
//! over every document cost about 10 ms on one core.
//!
//! One process only: tantivy's writer lock (`.tantivy-writer.lock`) refuses a second one.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, ColumnIndex, StrColumn};
use tantivy::directory::error::LockError;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, Query as TantivyQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING};
use tantivy::tokenizer::{RemoveLongFilter, TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, TantivyError, Term,
};

use super::{
    doc_facet_values, excerpt, highlight, mark_terms, query_terms, terms, Doc, Hit, Query, Results, SearchEngine,
    SearchError, FACETS,
};

/// The tokenizer of the pre-tokenized fields: split on whitespace, drop absurdly long tokens.
const TOKENIZER: &str = "techmarket_terms";
/// Longest indexed term in bytes (a 10,000-letter "word" is not worth indexing).
const MAX_TERM_BYTES: usize = 120;
/// Query terms beyond this many (after removing duplicates) are ignored.
const MAX_QUERY_TERMS: usize = 32;
/// Hits can be paged up to this depth (offset + limit), like Meilisearch's maxTotalHits.
const MAX_WINDOW: usize = 10_000;
const MAX_LIMIT: usize = 1_000;
/// How much more a title match weighs than a match elsewhere.
const TITLE_BOOST: Score = 2.0;
/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

struct Fields {
    id: Field,
    kind: Field,
    listing_id: Field,
    title: Field,
    summary: Field,
    title_terms: Field,
    all_terms: Field,
    /// Per FACETS entry, in that order: its raw values, indexed for filters.
    facets: Vec<Field>,
    /// The counted columns: a fast field and the FACETS indexes of the facets it combines.
    columns: Vec<(Field, Vec<usize>)>,
    published_at: Field,
}

/// Facets are counted from a few single-valued fast columns, each holding the combination of a
/// group's values (`\x1fachievement\x1f6\x1flt10w\x1fjoint\0license`): one ordinal lookup
/// a document and column instead of one a facet. Groups are chosen so that combinations stay few
/// (thousands); a facet of FACETS in no group gets a column of its own.
const COLUMN_GROUPS: &[&[&str]] = &[
    &["kind", "trl", "price_band", "modes"],
    &["field_family", "region_province"],
];
/// Separates the facets of a combination, and the values of a multi-valued facet (both are
/// removed from values).
const FACET_SEP: char = '\x1f';
const VALUE_SEP: char = '\0';

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let terms_indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    let terms_options = TextOptions::default().set_indexing_options(terms_indexing);
    let filter = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic),
    );
    let facets = FACETS
        .iter()
        .map(|name| b.add_text_field(&format!("f_{name}"), filter.clone()))
        .collect();
    let mut groups: Vec<Vec<usize>> = COLUMN_GROUPS
        .iter()
        .map(|g| {
            g.iter()
                .filter_map(|name| FACETS.iter().position(|f| f == name))
                .collect()
        })
        .collect();
    for i in 0..FACETS.len() {
        if !groups.iter().any(|g| g.contains(&i)) {
            groups.push(vec![i]);
        }
    }
    let columns = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .enumerate()
        .map(|(n, g)| {
            (
                b.add_text_field(&format!("c_{n}"), TextOptions::default().set_fast("raw")),
                g,
            )
        })
        .collect();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STORED),
        listing_id: b.add_i64_field("listing_id", STORED),
        title: b.add_text_field("title", STORED),
        summary: b.add_text_field("summary", STORED),
        title_terms: b.add_text_field("title_terms", terms_options.clone()),
        all_terms: b.add_text_field("all_terms", terms_options),
        facets,
        columns,
        published_at: b.add_i64_field("published_at", FAST),
    };
    (b.build(), fields)
}

fn failed(what: &str, e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed(format!("{what}: {e}"))
}

/// A facet value as indexed: without the separators.
fn clean(value: &str) -> String {
    value.chars().filter(|c| *c != FACET_SEP && *c != VALUE_SEP).collect()
}

/// A document's values for one facet as indexed: cleaned, without empty ones.
fn facet_values(doc: &Doc, name: &str) -> Vec<String> {
    let mut values: Vec<String> = doc_facet_values(doc, name).iter().map(|v| clean(v)).collect();
    values.retain(|v| !v.is_empty());
    values.dedup();
    values
}

/// The full-text engine embedded in the server process.
pub struct EmbeddedEngine {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    facet_specs: Vec<FacetColumnSpec>,
}

impl EmbeddedEngine {
    /// Opens the index in `dir`, creating the folder and an empty index when there is none. Only
    /// one process can hold an index open: a second one gets `SearchError::Failed` naming the lock.
    pub fn open(dir: &Path) -> Result<EmbeddedEngine, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| failed(&format!("cannot create {}", dir.display()), e))?;
        let directory = MmapDirectory::open(dir).map_err(|e| failed(&format!("cannot open {}", dir.display()), e))?;
        let (schema, fields) = schema();
        let index = Index::open_or_create(directory, schema).map_err(|e| match e {
            TantivyError::SchemaError(_) => SearchError::Failed(format!(
                "the search index in {} was built with another schema: delete that folder and rebuild the index",
                dir.display()
            )),
            e => failed(&format!("cannot open the search index in {}", dir.display()), e),
        })?;
        Self::with_index(index, fields, &dir.display().to_string())
    }

    /// An index in memory, for tests and tools.
    pub fn in_memory() -> Result<EmbeddedEngine, SearchError> {
        let (schema, fields) = schema();
        let index = Index::builder()
            .schema(schema)
            .create_in_ram()
            .map_err(|e| failed("cannot create index", e))?;
        Self::with_index(index, fields, "memory")
    }

    fn with_index(index: Index, fields: Fields, place: &str) -> Result<EmbeddedEngine, SearchError> {
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::builder(WhitespaceTokenizer::default())
                .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
                .build(),
        );
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 2);
        let writer = index
            .writer_with_num_threads(threads, WRITER_MEMORY_BYTES)
            .map_err(|e| match e {
                TantivyError::LockFailure(LockError::LockBusy, _) => SearchError::Failed(format!(
                    "the search index in {place} is locked by another process (tantivy writer lock \
                 .tantivy-writer.lock): only one server can use an embedded index; stop the other one \
                 or use Meilisearch for several processes"
                )),
                e => failed(&format!("cannot open a writer on the search index in {place}"), e),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| failed("cannot open a reader on the search index", e))?;
        let facet_specs = facet_column_specs(&index.schema(), &fields);
        Ok(EmbeddedEngine {
            facet_specs,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer
            .lock()
            .map_err(|_| SearchError::Failed("the search index writer was poisoned".into()))
    }

    /// Commits the writer's pending operations and makes them visible to the next search.
    fn commit(&self, writer: &mut IndexWriter) -> Result<(), SearchError> {
        if let Err(e) = writer.commit() {
            // Drop what was not committed so the next call starts clean.
            let _ = writer.rollback();
            return Err(failed("cannot commit to the search index", e));
        }
        self.reader
            .reload()
            .map_err(|e| failed("cannot reload the search index", e))
    }

    fn document(&self, doc: &Doc) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.id, &doc.id);
        d.add_text(f.kind, &doc.kind);
        d.add_i64(f.listing_id, doc.listing_id);
        d.add_text(f.title, &doc.title);
        d.add_text(f.summary, &doc.summary);
        let title_terms = terms(&doc.title).join(" ");
        let mut all = title_terms.clone();
        for text in doc.keywords.iter().chain([&doc.summary, &doc.org_name]) {
            for t in terms(text) {
                all.push(' ');
                all.push_str(&t);
            }
        }
        d.add_text(f.title_terms, &title_terms);
        d.add_text(f.all_terms, &all);
        let values: Vec<Vec<String>> = FACETS.iter().map(|name| facet_values(doc, name)).collect();
        for (field, values) in f.facets.iter().zip(&values) {
            for v in values {
                d.add_text(*field, v);
            }
        }
        // Every document gets exactly one value in each column (never empty), so columns stay dense.
        for (field, group) in &f.columns {
            let mut combination = String::new();
            for i in group {
                combination.push(FACET_SEP);
                combination.push_str(&values.get(*i).map(|v| v.join("\0")).unwrap_or_default());
            }
            d.add_text(*field, &combination);
        }
        d.add_i64(f.published_at, doc.published_at);
        d
    }

    fn build_query(
        &self,
        words: &[String],
        filters: &BTreeMap<String, String>,
        any: bool,
    ) -> Result<Box<dyn TantivyQuery>, SearchError> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
        if any && !words.is_empty() {
            // Any of the terms, the more the better: one required group of optional terms.
            let group: Vec<(Occur, Box<dyn TantivyQuery>)> = words
                .iter()
                .flat_map(|w| {
                    let all = TermQuery::new(Term::from_field_text(f.all_terms, w), IndexRecordOption::WithFreqs);
                    let title = TermQuery::new(Term::from_field_text(f.title_terms, w), IndexRecordOption::WithFreqs);
                    [
                        (Occur::Should, Box::new(all) as Box<dyn TantivyQuery>),
                        (Occur::Should, Box::new(BoostQuery::new(Box::new(title), TITLE_BOOST))),
                    ]
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(group))));
        }
        for w in words.iter().filter(|_| !any) {
            let all = TermQuery::new(Term::from_field_text(f.all_terms, w), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Must, Box::new(all)));
            let title = TermQuery::new(Term::from_field_text(f.title_terms, w), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(title), TITLE_BOOST))));
        }
        for (name, value) in filters {
            let Some(&field) = FACETS.iter().position(|n| n == name).and_then(|i| f.facets.get(i)) else {
                return Err(SearchError::Failed(format!("unknown facet filter: {name}")));
            };
            // Values are indexed cleaned, and an empty value matches nothing.
            let value = clean(value);
            if value.is_empty() {
                clauses.push((Occur::Must, Box::new(EmptyQuery)));
                continue;
            }
            let filter = TermQuery::new(Term::from_field_text(field, &value), IndexRecordOption::Basic);
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(filter), 0.0))));
        }
        if clauses.is_empty() {
            return Ok(Box::new(AllQuery));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// A hit; without marks (for match candidates) its title and summary are left empty.
    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        score: Score,
        marks: Option<&[String]>,
    ) -> Result<Hit, SearchError> {
        let f = &self.fields;
        let d: TantivyDocument = searcher
            .doc(addr)
            .map_err(|e| failed("cannot read a stored document", e))?;
        let text = |field: Field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let (title_html, summary_html) = match marks {
            Some(marks) => (
                highlight(&text(f.title), marks),
                highlight(&excerpt(&text(f.summary), marks), marks),
            ),
            None => (String::new(), String::new()),
        };
        Ok(Hit {
            id: text(f.id),
            kind: text(f.kind),
            listing_id: d.get_first(f.listing_id).and_then(|v| v.as_i64()).unwrap_or_default(),
            title_html,
            summary_html,
            score,
        })
    }
}

/// The query's terms, without duplicates and at most MAX_QUERY_TERMS of them.
fn search_words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    query_terms(text)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .take(MAX_QUERY_TERMS)
        .collect()
}

/// Counts every facet value of the matching documents from the combination columns, read in
/// blocks of documents (one virtual call a block and column, not one a document and facet).
struct FacetCounter<'a> {
    columns: &'a [FacetColumnSpec],
}

/// A counted column: its name and the names of the facets it combines.
type FacetColumnSpec = (String, Vec<&'static str>);

fn facet_column_specs(schema: &Schema, fields: &Fields) -> Vec<FacetColumnSpec> {
    fields
        .columns
        .iter()
        .map(|(field, group)| {
            let names = group.iter().filter_map(|i| FACETS.get(*i).copied()).collect();
            (schema.get_field_name(*field).to_string(), names)
        })
        .collect()
}

/// Documents are read and counted in blocks of this many.
const BLOCK: usize = 64;

struct FacetColumn {
    names: Vec<&'static str>,
    column: StrColumn,
    dense: bool,
    counts: Vec<u32>,
}

struct SegmentFacetCounter {
    columns: Vec<FacetColumn>,
    docs: Vec<DocId>,
    ords: Vec<u64>,
}

type FacetMap = BTreeMap<String, BTreeMap<String, usize>>;

impl Collector for FacetCounter<'_> {
    type Fruit = FacetMap;
    type Child = SegmentFacetCounter;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentFacetCounter> {
        let mut columns = Vec::new();
        for (column_name, names) in self.columns {
            if let Some(column) = segment.fast_fields().str(column_name)? {
                let dense = matches!(column.ords().index, ColumnIndex::Full);
                let counts = vec![0; column.num_terms()];
                columns.push(FacetColumn {
                    names: names.clone(),
                    column,
                    dense,
                    counts,
                });
            }
        }
        Ok(SegmentFacetCounter {
            columns,
            docs: Vec::with_capacity(BLOCK),
            ords: vec![0; BLOCK],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetMap>) -> tantivy::Result<FacetMap> {
        let mut out = FacetMap::new();
        for fruit in fruits {
            for (name, values) in fruit {
                let entry = out.entry(name).or_default();
                for (value, n) in values {
                    *entry.entry(value).or_default() += n;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentFacetCounter {
    fn count_block(&mut self, docs: &[DocId]) {
        let ords = &mut self.ords[..docs.len()];
        for c in &mut self.columns {
            let column = c.column.ords();
            if c.dense {
                column.values.get_vals(docs, ords);
                for &ord in ords.iter() {
                    if let Some(n) = c.counts.get_mut(ord as usize) {
                        *n += 1;
                    }
                }
            } else {
                for &doc in docs {
                    for ord in column.values_for_doc(doc) {
                        if let Some(n) = c.counts.get_mut(ord as usize) {
                            *n += 1;
                        }
                    }
                }
            }
        }
    }

    fn flush(&mut self) {
        let docs = std::mem::take(&mut self.docs);
        self.count_block(&docs);
        self.docs = docs;
        self.docs.clear();
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetMap;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.docs.push(doc);
        if self.docs.len() == BLOCK {
            self.flush();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for block in docs.chunks(BLOCK) {
            self.count_block(block);
        }
    }

    fn harvest(mut self) -> FacetMap {
        self.flush();
        let mut out = FacetMap::new();
        for c in &self.columns {
            let mut facets: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); c.names.len()];
            let found: Vec<(u64, u32)> = c
                .counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(ord, n)| (ord as u64, *n))
                .collect();
            let ords: Vec<u64> = found.iter().map(|(ord, _)| *ord).collect();
            let mut counts = found.iter().map(|(_, n)| *n as usize);
            // One pass over the dictionary for all the ordinals seen (they are sorted).
            let _ = c.column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                let n = counts.next().unwrap_or(0);
                let Ok(combination) = std::str::from_utf8(bytes) else {
                    return;
                };
                for (facet, values) in facets.iter_mut().zip(combination.split(FACET_SEP).skip(1)) {
                    for value in values.split(VALUE_SEP).filter(|v| !v.is_empty()) {
                        match facet.get_mut(value) {
                            Some(count) => *count += n,
                            None => {
                                facet.insert(value.to_string(), n);
                            }
                        }
                    }
                }
            });
            for (name, values) in c.names.iter().zip(facets) {
                out.insert(name.to_string(), values);
            }
        }
        out
    }
}

/// The newest documents (published_at descending, then index order), read in blocks: sorting a
/// million documents this way costs a few milliseconds where a per-document sort key costs ~10.
struct Newest {
    keep: usize,
}

struct SegmentNewest {
    segment: SegmentOrdinal,
    column: Column<i64>,
    dense: bool,
    keep: usize,
    best: Vec<(i64, DocId)>,
    /// Once `best` has been cut to `keep`, the smallest value kept: others must beat it.
    threshold: Option<i64>,
    docs: Vec<DocId>,
    values: Vec<i64>,
}

type Ranked = Vec<(i64, DocAddress)>;

fn newest_first(a: &(i64, DocAddress), b: &(i64, DocAddress)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

impl Collector for Newest {
    type Fruit = Ranked;
    type Child = SegmentNewest;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentNewest> {
        let column = reader.fast_fields().i64("published_at")?;
        let dense = matches!(column.index, ColumnIndex::Full);
        let keep = self.keep.max(1);
        Ok(SegmentNewest {
            segment,
            column,
            dense,
            keep,
            best: Vec::with_capacity(2 * keep),
            threshold: None,
            docs: Vec::with_capacity(BLOCK),
            values: vec![0; BLOCK],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Ranked>) -> tantivy::Result<Ranked> {
        let mut all: Ranked = fruits.into_iter().flatten().collect();
        all.sort_by(newest_first);
        all.truncate(self.keep);
        Ok(all)
    }
}

impl SegmentNewest {
    fn offer(&mut self, value: i64, doc: DocId) {
        if self.threshold.is_some_and(|t| value <= t) {
            return;
        }
        self.best.push((value, doc));
        if self.best.len() >= 2 * self.keep {
            self.cut();
        }
    }

    fn cut(&mut self) {
        if self.best.len() > self.keep {
            self.best
                .select_nth_unstable_by(self.keep - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.best.truncate(self.keep);
            self.threshold = self.best.iter().map(|b| b.0).min();
        }
    }

    fn rank_block(&mut self, docs: &[DocId]) {
        if self.dense {
            let mut values = std::mem::take(&mut self.values);
            let values_block = &mut values[..docs.len()];
            self.column.values.get_vals(docs, values_block);
            for (&value, &doc) in values_block.iter().zip(docs) {
                self.offer(value, doc);
            }
            self.values = values;
        } else {
            for &doc in docs {
                let value = self.column.first(doc).unwrap_or(i64::MIN);
                self.offer(value, doc);
            }
        }
    }
}

impl SegmentCollector for SegmentNewest {
    type Fruit = Ranked;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.docs.push(doc);
        if self.docs.len() == BLOCK {
            let docs = std::mem::take(&mut self.docs);
            self.rank_block(&docs);
            self.docs = docs;
            self.docs.clear();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for block in docs.chunks(BLOCK) {
            self.rank_block(block);
        }
    }

    fn harvest(mut self) -> Ranked {
        let docs = std::mem::take(&mut self.docs);
        self.rank_block(&docs);
        self.cut();
        let segment = self.segment;
        self.best
            .into_iter()
            .map(|(value, doc)| (value, DocAddress::new(segment, doc)))
            .collect()
    }
}

impl SearchEngine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embedded"
    }

    fn upsert(&self, docs: &[Doc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        let mut writer = self.writer()?;
        for doc in docs {
            writer.delete_term(Term::from_field_text(self.fields.id, &doc.id));
            if let Err(e) = writer.add_document(self.document(doc)) {
                let _ = writer.rollback();
                return Err(failed("cannot index a document", e));
            }
        }
        self.commit(&mut writer)
    }

    fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut writer = self.writer()?;
        for id in ids {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        self.commit(&mut writer)
    }

    fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        writer
            .delete_all_documents()
            .map_err(|e| failed("cannot clear the search index", e))?;
        self.commit(&mut writer)
    }

    fn search(&self, q: &Query) -> Result<Results, SearchError> {
        let words = search_words(&q.text);
        let query = self.build_query(&words, &q.filters, q.candidates)?;
        let searcher = self.reader.searcher();
        if q.candidates {
            // Relevance only, so that the top documents are found without visiting every match.
            let top = searcher
                .search(
                    &query,
                    &TopDocs::with_limit(q.limit.clamp(1, MAX_LIMIT)).order_by_score(),
                )
                .map_err(|e| failed("search failed", e))?;
            let hits = top
                .into_iter()
                .map(|(score, addr)| self.hit(&searcher, addr, score, None))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Results {
                total: hits.len(),
                hits,
                facets: BTreeMap::new(),
            });
        }
        let facets = FacetCounter {
            columns: &self.facet_specs,
        };
        let limit = q.limit.min(MAX_LIMIT).min(MAX_WINDOW.saturating_sub(q.offset));
        let hits: Vec<(Score, DocAddress)>;
        let total;
        let mut counts;
        let err = |e| failed("search failed", e);
        if limit == 0 {
            (total, counts) = searcher.search(&query, &(Count, facets)).map_err(err)?;
            hits = Vec::new();
        } else if words.is_empty() {
            let newest = Newest { keep: q.offset + limit };
            let (top, n, c) = searcher.search(&query, &(newest, Count, facets)).map_err(err)?;
            (total, counts) = (n, c);
            hits = top.into_iter().skip(q.offset).map(|(_, addr)| (0.0, addr)).collect();
        } else {
            let best = TopDocs::with_limit(limit).and_offset(q.offset).order_by((
                (SortBySimilarityScore, Order::Desc),
                (SortByStaticFastValue::<i64>::for_field("published_at"), Order::Desc),
            ));
            let (top, n, c) = searcher.search(&query, &(best, Count, facets)).map_err(err)?;
            (total, counts) = (n, c);
            hits = top.into_iter().map(|((score, _), addr)| (score, addr)).collect();
        }
        for name in FACETS {
            counts.entry(name.to_string()).or_default();
        }
        let marks = mark_terms(&q.text, words.clone());
        let hits = hits
            .into_iter()
            .map(|(score, addr)| self.hit(&searcher, addr, score, Some(&marks)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Results {
            hits,
            total,
            facets: counts,
        })
    }

    fn count(&self) -> Result<usize, SearchError> {
        Ok(usize::try_from(self.reader.searcher().num_docs()).unwrap_or(usize::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::super::price_band;
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn doc(id: &str, title: &str, summary: &str) -> Doc {
        Doc {
            id: id.to_string(),
            kind: "achievement".into(),
            listing_id: id.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0),
            title: title.to_string(),
            summary: summary.to_string(),
            keywords: vec![],
            org_name: String::new(),
            field_code: "lithium.brine".into(),
            field_family: "lithium".into(),
            region_code: "630000".into(),
            region_province: "630000".into(),
            region_prefecture: "630100".into(),
            trl: Some(6),
            modes: vec!["license".into()],
            price_fen: None,
            price_band: price_band(None).into(),
            published_at: 1_700_000_000,
        }
    }

    fn search(e: &EmbeddedEngine, text: &str) -> Results {
        match e.search(&Query {
            text: text.into(),
            limit: 10,
            ..Query::default()
        }) {
            Ok(r) => r,
            Err(err) => panic!("search {text:?} failed: {err}"),
        }
    }

    fn ids(r: &Results) -> Vec<&str> {
        r.hits.iter().map(|h| h.id.as_str()).collect()
    }

    fn engine(docs: &[Doc]) -> EmbeddedEngine {
        let e = EmbeddedEngine::in_memory().unwrap();
        e.upsert(docs).unwrap();
        e
    }

    /// A fresh folder under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let n = N.fetch_add(1, Ordering::SeqCst);
            let dir = std::env::temp_dir().join(format!("techmarket-embedded-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn sample() -> Vec<Doc> {
        vec![
            doc(
                "achievement-1",
                "盐湖卤水提锂吸附剂制备技术",
                "一种用于盐湖卤水的高选择性锂吸附剂。",
            ),
            doc(
                "achievement-2",
                "Lithium extraction from brine",
                "Adsorbent process for salt lake brine.",
            ),
            doc("achievement-3", "锂电池正极材料回收", "废旧电池中回收钴镍锰。"),
            doc("achievement-4", "光伏组件清洗机器人", "无水清洗，适用于沙漠电站。"),
        ]
    }

    #[test]
    fn chinese_pairs_and_single_characters_match() {
        let e = engine(&sample());
        let r = search(&e, "提锂");
        assert_eq!(ids(&r), vec!["achievement-1"]);
        assert_eq!(r.total, 1);
        assert_eq!(r.hits[0].title_html, "盐湖卤水<mark>提锂</mark>吸附剂制备技术");
        let r = search(&e, "锂");
        assert!(ids(&r).contains(&"achievement-1"));
        assert!(ids(&r).contains(&"achievement-3"));
        assert!(!ids(&r).contains(&"achievement-4"));
        // All pairs of the query must be present; the run is marked as one.
        let r = search(&e, "卤水提锂");
        assert_eq!(ids(&r), vec!["achievement-1"]);
        assert_eq!(r.hits[0].title_html, "盐湖<mark>卤水提锂</mark>吸附剂制备技术");
        assert_eq!(search(&e, "盐湖提锂").total, 0, "湖提 is not in any document");
        assert_eq!(search(&e, "氢能").total, 0);
    }

    #[test]
    fn english_words_match_case_insensitively() {
        let e = engine(&sample());
        let r = search(&e, "LITHIUM");
        assert_eq!(ids(&r), vec!["achievement-2"]);
        assert_eq!(r.hits[0].title_html, "<mark>Lithium</mark> extraction from brine");
        assert_eq!(search(&e, "lithium brine").total, 1);
        assert_eq!(search(&e, "lithium graphene").total, 0, "every term must match");
        assert_eq!(search(&e, "graphene").total, 0);
    }

    #[test]
    fn title_matches_rank_first_and_summary_is_cut_around_the_match() {
        let mut in_summary = doc(
            "demand-9",
            "吸附剂采购",
            &format!("{}盐湖卤水提锂{}", "说明".repeat(100), "。".repeat(300)),
        );
        in_summary.published_at += 10;
        let e = engine(&[in_summary, doc("achievement-1", "盐湖卤水提锂吸附剂制备技术", "")]);
        let r = search(&e, "提锂");
        assert_eq!(ids(&r), vec!["achievement-1", "demand-9"]);
        let summary = &r.hits[1].summary_html;
        assert!(summary.starts_with('…') && summary.ends_with('…'), "{summary}");
        assert!(summary.contains("<mark>提锂</mark>"), "{summary}");
        assert!(summary.chars().count() < 200, "{summary}");
    }

    #[test]
    fn filters_facets_paging_and_order() {
        let mut docs = sample();
        docs[1].kind = "demand".into();
        docs[1].trl = None;
        docs[1].modes = vec!["license".into(), "joint".into(), "license".into()];
        docs[3].field_family = "solar".into();
        docs[3].price_band = "lt10w".into();
        for (i, d) in docs.iter_mut().enumerate() {
            d.published_at = 1_000 + i as i64;
        }
        let e = engine(&docs);
        let all = search(&e, "");
        assert_eq!(all.total, 4);
        assert_eq!(
            ids(&all),
            vec!["achievement-4", "achievement-3", "achievement-2", "achievement-1"],
            "newest first"
        );
        assert_eq!(all.facets.len(), FACETS.len());
        let f = |r: &Results, name: &str, value: &str| r.facets[name].get(value).copied().unwrap_or(0);
        assert_eq!(f(&all, "kind", "achievement"), 3);
        assert_eq!(f(&all, "kind", "demand"), 1);
        assert_eq!(f(&all, "field_family", "lithium"), 3);
        assert_eq!(f(&all, "field_family", "solar"), 1);
        assert_eq!(f(&all, "trl", "6"), 3);
        assert_eq!(f(&all, "modes", "license"), 4, "a repeated mode counts once");
        assert_eq!(f(&all, "modes", "joint"), 1);
        assert_eq!(f(&all, "price_band", "negotiable"), 3);
        assert_eq!(f(&all, "region_province", "630000"), 4);

        let mut q = Query {
            limit: 10,
            ..Query::default()
        };
        q.filters.insert("field_family".into(), "lithium".into());
        let r = e.search(&q).unwrap();
        assert_eq!(ids(&r), vec!["achievement-3", "achievement-2", "achievement-1"]);
        assert_eq!(f(&r, "field_family", "solar"), 0);
        assert_eq!(f(&r, "kind", "achievement"), 2);
        q.filters.insert("kind".into(), "demand".into());
        let r = e.search(&q).unwrap();
        assert_eq!(ids(&r), vec!["achievement-2"]);
        q.text = "锂".into();
        assert_eq!(e.search(&q).unwrap().total, 0, "achievement-2 is English only");
        q.text = "brine".into();
        assert_eq!(e.search(&q).unwrap().total, 1);
        q.filters.insert("modes".into(), "nothing".into());
        assert_eq!(e.search(&q).unwrap().total, 0);

        let mut unknown = Query {
            limit: 10,
            ..Query::default()
        };
        unknown.filters.insert("colour".into(), "red".into());
        assert!(matches!(e.search(&unknown), Err(SearchError::Failed(_))));

        let page = e
            .search(&Query {
                offset: 1,
                limit: 2,
                ..Query::default()
            })
            .unwrap();
        assert_eq!(ids(&page), vec!["achievement-3", "achievement-2"]);
        assert_eq!(page.total, 4);
        let none = e
            .search(&Query {
                limit: 0,
                ..Query::default()
            })
            .unwrap();
        assert!(none.hits.is_empty());
        assert_eq!(none.total, 4);
        assert_eq!(none.facets["kind"]["achievement"], 3);
        let far = e
            .search(&Query {
                offset: usize::MAX,
                limit: usize::MAX,
                ..Query::default()
            })
            .unwrap();
        assert!(far.hits.is_empty());
        assert_eq!(far.total, 4);
    }

    #[test]
    fn upsert_replaces_delete_removes_clear_empties() {
        let e = engine(&sample());
        assert_eq!(e.count().unwrap(), 4);
        let mut changed = doc("achievement-1", "钠离子电池", "");
        e.upsert(std::slice::from_ref(&changed)).unwrap();
        changed.title = "钠离子电池储能系统".into();
        e.upsert(&[changed.clone(), changed]).unwrap();
        assert_eq!(e.count().unwrap(), 4);
        assert_eq!(search(&e, "提锂").total, 0);
        let r = search(&e, "钠离子");
        assert_eq!(ids(&r), vec!["achievement-1"]);
        assert_eq!(r.hits[0].title_html, "<mark>钠离子</mark>电池储能系统");
        e.delete(&["achievement-1".into(), "no-such-id".into()]).unwrap();
        assert_eq!(e.count().unwrap(), 3);
        assert_eq!(search(&e, "钠离子").total, 0);
        e.clear().unwrap();
        assert_eq!(e.count().unwrap(), 0);
        assert_eq!(search(&e, "").total, 0);
        e.upsert(&sample()).unwrap();
        assert_eq!(e.count().unwrap(), 4);
    }

    #[test]
    fn reopening_keeps_documents_and_a_second_open_is_refused() {
        let dir = TempDir::new();
        {
            let e = EmbeddedEngine::open(&dir.0).unwrap();
            e.upsert(&sample()).unwrap();
            match EmbeddedEngine::open(&dir.0) {
                Err(SearchError::Failed(m)) => assert!(m.contains("lock"), "{m}"),
                Err(other) => panic!("wrong error: {other}"),
                Ok(_) => panic!("a locked index was opened twice"),
            }
        }
        let e = EmbeddedEngine::open(&dir.0).unwrap();
        assert_eq!(e.count().unwrap(), 4);
        assert_eq!(ids(&search(&e, "提锂")), vec!["achievement-1"]);
    }

    #[test]
    fn weird_input_does_not_panic() {
        let mut odd = doc("achievement-9", "🔋电池<script>&\"'", &"x".repeat(10_000));
        odd.keywords = vec!["\0".into(), "/a/b".into(), String::new()];
        odd.modes = vec!["a/b".into(), "\0".into(), String::new()];
        let e = engine(&[odd, doc("achievement-1", "盐湖卤水提锂吸附剂制备技术", "")]);
        let long_cjk = "锂".repeat(10_000);
        let long_word = "x".repeat(10_000);
        let mixed: String = (0..10_000).map(|i| ['a', '锂', ' ', '🔋', '<', '提'][i % 6]).collect();
        for text in [
            "",
            "   ",
            "!!!,.;",
            "🔋",
            "🔋电池",
            "\0",
            "<mark>",
            "a/b",
            long_cjk.as_str(),
            long_word.as_str(),
            mixed.as_str(),
        ] {
            let r = search(&e, text);
            assert!(r.total <= 2, "{text:?}");
        }
        let r = search(&e, "电池");
        assert_eq!(
            r.hits[0].title_html,
            "🔋<mark>电池</mark>&lt;script&gt;&amp;&quot;&#39;"
        );
        let mut q = Query {
            text: "锂".into(),
            limit: 5,
            ..Query::default()
        };
        q.filters.insert("modes".into(), "a/b".into());
        assert_eq!(e.search(&q).unwrap().total, 0);
        q.text.clear();
        assert_eq!(
            e.search(&q).unwrap().total,
            1,
            "a value with a slash is one facet value"
        );
        q.filters.insert("kind".into(), "\0".into());
        assert_eq!(e.search(&q).unwrap().total, 0);
    }

    #[test]
    fn newest_order_and_facets_agree_with_a_plain_count_across_segments() {
        let e = EmbeddedEngine::in_memory().unwrap();
        let families = ["lithium", "solar", "hydrogen"];
        let mut docs = Vec::new();
        for i in 0..300i64 {
            let mut d = doc(&format!("demand-{i}"), &format!("盐湖提锂 {i}"), "");
            d.published_at = (i * 7919) % 1000; // distinct, shuffled
            d.field_family = families[(i % 3) as usize].into();
            d.trl = if i % 4 == 0 { None } else { Some((i % 9 + 1) as u8) };
            d.modes = (0..(i % 3)).map(|m| format!("m{m}")).collect();
            docs.push(d);
        }
        for batch in docs.chunks(100) {
            e.upsert(batch).unwrap(); // one segment per batch
        }
        let gone: Vec<String> = (0..300).step_by(10).map(|i| format!("demand-{i}")).collect();
        e.delete(&gone).unwrap();
        docs.retain(|d| !gone.contains(&d.id));
        docs.sort_by_key(|d| std::cmp::Reverse(d.published_at));
        let expected: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        for (text, offset, limit) in [("", 0, 7), ("", 25, 30), ("", 260, 50), ("  ", 100, 1)] {
            let r = e
                .search(&Query {
                    text: text.into(),
                    offset,
                    limit,
                    ..Query::default()
                })
                .unwrap();
            let end = (offset + limit).min(expected.len());
            assert_eq!(ids(&r), expected[offset.min(end)..end].to_vec(), "{offset} {limit}");
            assert_eq!(r.total, 270);
        }
        let r = search(&e, "提锂");
        assert_eq!(r.total, 270);
        let count = |pred: &dyn Fn(&Doc) -> bool| docs.iter().filter(|d| pred(d)).count();
        for family in families {
            assert_eq!(r.facets["field_family"][family], count(&|d| d.field_family == family));
        }
        for trl in 1..=9u8 {
            assert_eq!(
                r.facets["trl"].get(&trl.to_string()).copied().unwrap_or(0),
                count(&|d| d.trl == Some(trl))
            );
        }
        for m in ["m0", "m1"] {
            assert_eq!(r.facets["modes"][m], count(&|d| d.modes.iter().any(|x| x == m)));
        }
        assert_eq!(r.facets["modes"].len(), 2);
        assert_eq!(r.facets["kind"]["achievement"], 270);
    }
}

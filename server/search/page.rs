//! `/search`: one box over needs and achievements, with facets and their counts, highlighted
//! matches and paging. When the engine fails the page answers from a plain database query and says so.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::{self, DbConn};
use crate::error::AppResult;
use crate::index::{highlight, Hit, Query, Results, FACETS};
use crate::schema::{achievements, demands};
use crate::state::AppState;
use crate::vocabulary::ListingStatus;
use crate::web::{render, Ctx};

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
    fn value(&self, facet: &str) -> &str {
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
    fn filters(&self) -> BTreeMap<String, String> {
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
                self.value(f).to_string()
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
            if !self.value(f).is_empty() {
                pairs.push((f.to_string(), self.value(f).to_string()));
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

pub struct FacetValue {
    pub label: String,
    pub count: usize,
    pub selected: bool,
    pub href: String,
}

pub struct Facet {
    pub label_key: String,
    pub values: Vec<FacetValue>,
}

fn value_label(c: &Ctx, facet: &str, value: &str) -> String {
    match facet {
        "kind" => c.t(&format!("listing.{value}")).to_string(),
        "field_family" => crate::fields::name(value, c.is_en()),
        "region_province" => crate::regions::lookup(value)
            .map(|r| r.name.to_string())
            .unwrap_or_else(|| value.to_string()),
        "trl" => format!("TRL {value}"),
        "modes" => c.t(&format!("mode.{value}")).to_string(),
        "price_band" => c.t(&format!("band.{value}")).to_string(),
        _ => value.to_string(),
    }
}

fn facets(c: &Ctx, p: &Params, r: &Results) -> Vec<Facet> {
    FACETS
        .iter()
        .filter_map(|f| {
            let counts = r.facets.get(*f)?;
            let mut values: Vec<FacetValue> = counts
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(v, n)| {
                    let selected = p.value(f) == v;
                    FacetValue {
                        label: value_label(c, f, v),
                        count: *n,
                        selected,
                        href: p.href_with(f, if selected { "" } else { v }),
                    }
                })
                .collect();
            if values.is_empty() {
                return None;
            }
            values.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
            values.truncate(12);
            Some(Facet {
                label_key: format!("facet.{f}"),
                values,
            })
        })
        .collect()
}

/// The fallback when the engine fails: a plain substring query on the database, no facets.
fn database_search(conn: &mut DbConn, p: &Params, offset: usize) -> AppResult<Results> {
    let text = p.q.trim();
    let pattern = format!("%{}%", text.replace(['\\', '%', '_'], ""));
    let words: Vec<String> = if text.is_empty() {
        Vec::new()
    } else {
        vec![text.to_string()]
    };
    let mut hits = Vec::new();
    let mut total = 0;
    let want = offset + PER_PAGE;
    if p.kind.is_empty() || p.kind == "demand" {
        let mut q = demands::table
            .filter(demands::status.eq(ListingStatus::Published))
            .into_boxed();
        if !text.is_empty() {
            q = q.filter(
                demands::title
                    .like(pattern.clone())
                    .or(demands::summary.like(pattern.clone())),
            );
        }
        if !p.field_family.is_empty() {
            q = q.filter(demands::field_family.eq(p.field_family.clone()));
        }
        if !p.region_province.is_empty() {
            q = q.filter(demands::region_province.eq(p.region_province.clone()));
        }
        let rows: Vec<(i64, String, String)> = q
            .order(demands::published_at.desc())
            .limit(want as i64)
            .select((demands::id, demands::title, demands::summary))
            .load(conn)?;
        total += rows.len();
        hits.extend(rows.into_iter().map(|(id, t, s)| hit("demand", id, &t, &s, &words)));
    }
    if p.kind.is_empty() || p.kind == "achievement" {
        let mut q = achievements::table
            .filter(achievements::status.eq(ListingStatus::Published))
            .into_boxed();
        if !text.is_empty() {
            q = q.filter(
                achievements::title
                    .like(pattern.clone())
                    .or(achievements::summary.like(pattern)),
            );
        }
        if !p.field_family.is_empty() {
            q = q.filter(achievements::field_family.eq(p.field_family.clone()));
        }
        if !p.region_province.is_empty() {
            q = q.filter(achievements::region_province.eq(p.region_province.clone()));
        }
        let rows: Vec<(i64, String, String)> = q
            .order(achievements::published_at.desc())
            .limit(want as i64)
            .select((achievements::id, achievements::title, achievements::summary))
            .load(conn)?;
        total += rows.len();
        hits.extend(
            rows.into_iter()
                .map(|(id, t, s)| hit("achievement", id, &t, &s, &words)),
        );
    }
    Ok(Results {
        hits: hits.into_iter().skip(offset).take(PER_PAGE).collect(),
        total,
        facets: BTreeMap::new(),
    })
}

fn hit(kind: &str, id: i64, title: &str, summary: &str, words: &[String]) -> Hit {
    let short: String = summary.chars().take(160).collect();
    Hit {
        id: format!("{kind}-{id}"),
        kind: kind.to_string(),
        listing_id: id,
        title_html: highlight(title, words),
        summary_html: highlight(&short, words),
        score: 0.0,
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    c: &'a Ctx,
    p: Params,
    r: Results,
    facets: Vec<Facet>,
    degraded: bool,
    lagging: bool,
    page: usize,
    pages: usize,
    engine: &'static str,
}

impl SearchPage<'_> {
    fn href(&self, h: &Hit) -> String {
        format!("/{}s/{}", h.kind, h.listing_id)
    }
}

pub async fn search(c: Ctx, state: web::Data<AppState>, q: web::Query<Params>) -> AppResult<HttpResponse> {
    let p = q.into_inner();
    let page = p.page_no();
    let query = Query {
        text: p.q.chars().take(200).collect(),
        filters: p.filters(),
        offset: (page - 1) * PER_PAGE,
        limit: PER_PAGE,
        candidates: false,
    };
    let engine = state.search.clone();
    let engine_name = engine.name();
    let answer = web::block(move || engine.search(&query)).await;
    let (r, degraded) = match answer {
        Ok(Ok(r)) => (r, false),
        Ok(Err(e)) => {
            log::warn!("search: {e}; answering from the database");
            let p2 = p.clone();
            (
                db::run(&state.pool, move |conn| {
                    database_search(conn, &p2, (page - 1) * PER_PAGE)
                })
                .await?,
                true,
            )
        }
        Err(e) => {
            log::warn!("search: {e}; answering from the database");
            let p2 = p.clone();
            (
                db::run(&state.pool, move |conn| {
                    database_search(conn, &p2, (page - 1) * PER_PAGE)
                })
                .await?,
                true,
            )
        }
    };
    let (backlog, age) = db::run(&state.pool, super::backlog).await?;
    let facets = facets(&c, &p, &r);
    let pages = r.total.div_ceil(PER_PAGE).clamp(1, 500);
    render(&SearchPage {
        c: &c,
        p,
        facets,
        degraded,
        lagging: backlog > 0 && age > 30,
        page,
        pages,
        r,
        engine: engine_name,
    })
}

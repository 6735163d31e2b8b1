//! The search page: hits, facets with their counts and links, paging.

use askama::Template;

use crate::index::{Hit, Results, FACETS};
use crate::web::Ctx;

use super::rules::Params;

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

pub fn facets(c: &Ctx, p: &Params, r: &Results) -> Vec<Facet> {
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

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage<'a> {
    pub c: &'a Ctx,
    pub p: Params,
    pub r: Results,
    pub facets: Vec<Facet>,
    pub degraded: bool,
    pub lagging: bool,
    pub page: usize,
    pub pages: usize,
    pub engine: &'static str,
}

impl SearchPage<'_> {
    fn href(&self, h: &Hit) -> String {
        format!("/{}s/{}", h.kind, h.listing_id)
    }
}

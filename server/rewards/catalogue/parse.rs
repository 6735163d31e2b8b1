//! Parsing: each policy file read into its document, funds, programs and income rule, with errors that
//! name the file and line; then the cross-file checks of the catalogue.

use std::collections::BTreeSet;

use crate::rewards::date::{is_region_code, Date};
use crate::rewards::money::{Money, Rate};

use super::program::program;
use super::raw::{RawFile, S};
use super::{Catalogue, CatalogueError, Document, Fund, IncomeRule, Program};

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

pub(super) struct Ctx<'a> {
    pub(super) file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    pub(super) fn err_at(&self, s: &S, message: impl Into<String>) -> CatalogueError {
        CatalogueError {
            file: self.file.to_string(),
            line: Some(line_of(self.text, s.span().start)),
            message: message.into(),
        }
    }

    pub(super) fn money(&self, s: &S, key: &str) -> Result<Money, CatalogueError> {
        Money::parse(s.get_ref()).map_err(|m| self.err_at(s, format!("{key}: {m}")))
    }

    pub(super) fn opt_money(&self, s: &Option<S>, key: &str) -> Result<Option<Money>, CatalogueError> {
        s.as_ref().map(|s| self.money(s, key)).transpose()
    }

    pub(super) fn rate(&self, s: &S, key: &str) -> Result<Rate, CatalogueError> {
        Rate::parse(s.get_ref()).map_err(|m| self.err_at(s, format!("{key}: {m}")))
    }

    pub(super) fn date(&self, s: &S, key: &str) -> Result<Date, CatalogueError> {
        Date::parse(s.get_ref()).map_err(|m| self.err_at(s, format!("{key}: {m}")))
    }

    /// A date or "open".
    pub(super) fn end_date(&self, s: &S, key: &str) -> Result<Option<Date>, CatalogueError> {
        if s.get_ref() == "open" {
            Ok(None)
        } else {
            self.date(s, key).map(Some)
        }
    }

    pub(super) fn regions(&self, v: &Option<Vec<S>>, key: &str) -> Result<Vec<String>, CatalogueError> {
        let mut out = Vec::new();
        for s in v.iter().flatten() {
            if !is_region_code(s.get_ref()) {
                return Err(self.err_at(
                    s,
                    format!("{key}: \"{}\" is not a 6-digit GB/T 2260 region code", s.get_ref()),
                ));
            }
            out.push(s.get_ref().clone());
        }
        Ok(out)
    }
}

struct Parsed {
    document: Document,
    funds: Vec<Fund>,
    programs: Vec<(Program, usize)>,
    income: Option<IncomeRule>,
}

fn parse_file(file: &str, text: &str) -> Result<Parsed, CatalogueError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| CatalogueError {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let cx = Ctx { file, text };
    let d = &raw.document;
    let region = match &d.region {
        Some(r) if !is_region_code(r.get_ref()) => {
            return Err(cx.err_at(
                r,
                format!("region: \"{}\" is not a 6-digit GB/T 2260 region code", r.get_ref()),
            ))
        }
        Some(r) => Some(r.get_ref().clone()),
        None => None,
    };
    let published_on = d
        .published_on
        .as_ref()
        .map(|s| cx.date(s, "published_on"))
        .transpose()?;
    let effective_from = d
        .effective_from
        .as_ref()
        .map(|s| cx.date(s, "effective_from"))
        .transpose()?;
    let (effective_to, open_ended) = match &d.effective_to {
        None => (None, false),
        Some(s) => {
            let v = cx.end_date(s, "effective_to")?;
            (v, v.is_none())
        }
    };
    if let (Some(f), Some(t), Some(s)) = (effective_from, effective_to, &d.effective_to) {
        if t < f {
            return Err(cx.err_at(s, format!("effective_to {t} is before effective_from {f}")));
        }
    }
    let document = Document {
        id: d.id.get_ref().clone(),
        file: file.to_string(),
        seed: d.seed.clone(),
        title: d.title.clone(),
        short_name: d.short_name.clone(),
        issuer: d.issuer.clone(),
        number: d.number.clone(),
        region,
        published_on,
        effective_from,
        effective_to,
        open_ended,
        effective_text: d.effective_text.clone(),
        readings: d.readings.clone(),
    };

    let mut funds = Vec::new();
    for f in &raw.funds {
        funds.push(Fund {
            id: f.id.get_ref().clone(),
            file: file.to_string(),
            name: f.name.clone(),
            charge_order: f.charge_order.iter().map(|s| s.get_ref().clone()).collect(),
            default_limit: cx.opt_money(&f.default_limit, "default_limit")?,
            co_funding: f.co_funding.clone(),
            text: f.text.clone(),
            readings: f.readings.clone(),
        });
    }

    let mut programs = Vec::new();
    for p in &raw.programs {
        let line = line_of(text, p.id.span().start);
        programs.push((program(&cx, &document, p)?, line));
    }

    let income = match &raw.income_distribution {
        None => None,
        Some(i) => Some(IncomeRule {
            citation: i.citation.clone().unwrap_or_else(|| {
                format!(
                    "{} 第{}条",
                    document.short_name.clone().unwrap_or_default(),
                    i.article.clone().unwrap_or_default()
                )
            }),
            text: i.text.clone(),
            seller_kinds: i.seller_kinds.clone(),
            seller_regions: cx.regions(&Some(i.seller_regions.clone()), "seller_regions")?,
            staff_min_share: cx.rate(&i.staff_min_share, "staff_min_share")?,
            main_contributors_min_share: cx.rate(&i.main_contributors_min_share, "main_contributors_min_share")?,
            readings: i.readings.clone(),
        }),
    };
    Ok(Parsed {
        document,
        funds,
        programs,
        income,
    })
}

/// Parses and validates a set of policy files (name, contents). Cross-file checks: unique document,
/// program and fund ids; `supersedes` names programs of the same issuing region; a fund's charge order names
/// programs that draw on it. A program naming an undefined fund is inactive.
pub fn parse_catalogue(files: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
    let mut documents: Vec<Document> = Vec::new();
    let mut funds: Vec<Fund> = Vec::new();
    let mut programs: Vec<(Program, usize)> = Vec::new();
    let mut income = None;
    for (file, text) in files {
        let parsed = parse_file(file, text)?;
        if documents.iter().any(|d| d.id == parsed.document.id) {
            return Err(CatalogueError {
                file: file.to_string(),
                line: None,
                message: format!("document \"{}\" is defined twice", parsed.document.id),
            });
        }
        for f in parsed.funds {
            if funds.iter().any(|g| g.id == f.id) {
                return Err(CatalogueError {
                    file: file.to_string(),
                    line: None,
                    message: format!("fund \"{}\" is defined twice", f.id),
                });
            }
            funds.push(f);
        }
        for (p, line) in parsed.programs {
            if programs.iter().any(|(q, _)| q.id == p.id) {
                return Err(CatalogueError {
                    file: file.to_string(),
                    line: Some(line),
                    message: format!("program \"{}\" is defined twice", p.id),
                });
            }
            programs.push((p, line));
        }
        if parsed.income.is_some() {
            if income.is_some() {
                return Err(CatalogueError {
                    file: file.to_string(),
                    line: None,
                    message: "income_distribution is defined twice".into(),
                });
            }
            income = parsed.income;
        }
        documents.push(parsed.document);
    }
    // Cross references.
    let ids: BTreeSet<String> = programs.iter().map(|(p, _)| p.id.clone()).collect();
    let snapshot: Vec<(String, Option<String>, Option<Date>)> = programs
        .iter()
        .map(|(p, _)| {
            let from = documents
                .iter()
                .find(|d| d.id == p.document)
                .and_then(|d| d.effective_from);
            (p.id.clone(), p.region.clone(), from)
        })
        .collect();
    for (p, line) in &mut programs {
        let err = |m: String| CatalogueError {
            file: p.file.clone(),
            line: Some(*line),
            message: format!("program {}: {m}", p.id),
        };
        for s in &p.supersedes {
            let Some((_, region, old_from)) = snapshot.iter().find(|(id, _, _)| id == s) else {
                return Err(err(format!("supersedes unknown program \"{s}\"")));
            };
            let new_from = snapshot.iter().find(|(id, _, _)| *id == p.id).and_then(|(_, _, f)| *f);
            if let (Some(n), Some(o)) = (new_from, old_from) {
                if n <= *o {
                    return Err(err(format!(
                        "supersedes \"{s}\" but its document does not take effect later"
                    )));
                }
            }
            if s == &p.id {
                return Err(err("a program cannot supersede itself".into()));
            }
            if *region != p.region {
                return Err(err(format!(
                    "supersedes \"{s}\" of another issuing region (only a later document of the same jurisdiction supersedes)"
                )));
            }
        }
        if let Some(fund) = p.rule.as_ref().and_then(|r| r.fund.clone()) {
            if !funds.iter().any(|f| f.id == fund) {
                p.rule = None;
                p.inactive_reason = Some(format!("fund \"{fund}\" not defined"));
            }
        }
    }
    for f in &funds {
        for id in &f.charge_order {
            if !ids.contains(id) {
                return Err(CatalogueError {
                    file: f.file.clone(),
                    line: None,
                    message: format!("fund {}: charge_order names unknown program \"{id}\"", f.id),
                });
            }
        }
    }
    Ok(Catalogue {
        documents,
        funds,
        programs: programs.into_iter().map(|(p, _)| p).collect(),
        income_distribution: income,
    })
}

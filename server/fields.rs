//! Technical fields (技术领域): a two-level taxonomy of the industries that the regional policies
//! name (salt-lake resources, lithium, clean energy, hydrogen, plateau medicine, marine …).
//!
//! The taxonomy is data: `server/data/fields.toml`, embedded at compile time and parsed once. A
//! top-level code is one word (`salt_lake`), a sub-field code is `<top>.<word>`
//! (`salt_lake.potash`). Listings carry sub-field codes; searches may filter by a top-level code
//! (the "family"). [`check`] validates the table at startup; the other functions never panic and
//! treat a table that failed to parse as empty.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

/// The embedded table.
pub const TABLE: &str = include_str!("data/fields.toml");

/// Separator between a top-level name and a sub-field name in [`name`].
pub const NAME_SEPARATOR: &str = " · ";

/// One technical field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Stable ASCII code, e.g. `salt_lake` or `salt_lake.potash`.
    pub code: &'static str,
    /// Chinese name, e.g. "钾资源与钾肥".
    pub zh: &'static str,
    /// English name, e.g. "Potash and potassium fertilisers".
    pub en: &'static str,
    /// Code of the top-level field of a sub-field; `None` for a top-level field.
    pub parent: Option<&'static str>,
}

impl Field {
    /// True for a top-level field.
    pub fn is_top_level(&self) -> bool {
        self.parent.is_none()
    }

    /// The field's own name (without its parent's) in the language asked for.
    pub fn own_name(&self, en: bool) -> &'static str {
        if en {
            self.en
        } else {
            self.zh
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    field: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    code: String,
    zh: String,
    en: String,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Parses a table in the format of `data/fields.toml` and checks it: well-formed codes, unique
/// codes, non-empty names, every sub-field after its existing top-level parent.
fn parse(text: &str) -> Result<Vec<Field>, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| format!("fields.toml: {e}"))?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut tops: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(raw.field.len());
    for (i, f) in raw.field.into_iter().enumerate() {
        let n = i + 1;
        let code = f.code.trim().to_string();
        if code != f.code {
            return Err(format!(
                "fields.toml: field #{n} `{}`: code has surrounding spaces",
                f.code
            ));
        }
        let parts: Vec<&str> = code.split('.').collect();
        if parts.len() > 2 || !parts.iter().all(|p| is_word(p)) {
            return Err(format!(
                "fields.toml: field #{n} `{code}`: a code is `word` or `word.word` of a-z, 0-9 and _"
            ));
        }
        if f.zh.trim().is_empty() || f.en.trim().is_empty() {
            return Err(format!(
                "fields.toml: field `{code}` needs both a Chinese and an English name"
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(format!("fields.toml: code `{code}` appears twice"));
        }
        let parent = match parts.as_slice() {
            [top, _] => {
                if !tops.contains(*top) {
                    return Err(format!(
                        "fields.toml: sub-field `{code}` has no top-level field `{top}` before it"
                    ));
                }
                Some(top.to_string())
            }
            _ => {
                tops.insert(code.clone());
                None
            }
        };
        out.push(Field {
            code: leak(code),
            zh: leak(f.zh.trim().to_string()),
            en: leak(f.en.trim().to_string()),
            parent: parent.map(leak),
        });
    }
    if out.is_empty() {
        return Err("fields.toml: no fields".to_string());
    }
    for top in out.iter().filter(|f| f.is_top_level()) {
        if !out.iter().any(|f| f.parent == Some(top.code)) {
            return Err(format!("fields.toml: top-level field `{}` has no sub-fields", top.code));
        }
    }
    Ok(out)
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && s.as_bytes().first().is_some_and(|b| b.is_ascii_lowercase())
}

fn table() -> &'static Result<Vec<Field>, String> {
    static TABLE_CELL: OnceLock<Result<Vec<Field>, String>> = OnceLock::new();
    TABLE_CELL.get_or_init(|| parse(TABLE))
}

/// Validates the embedded table; call once at startup. Returns the number of fields (top-level
/// and sub-fields together), or what is wrong with the table.
pub fn check() -> Result<usize, String> {
    match table() {
        Ok(v) => Ok(v.len()),
        Err(e) => Err(e.clone()),
    }
}

/// Every field in table order: each top-level field followed by its sub-fields. Empty if the table
/// is broken (see [`check`]).
pub fn all() -> &'static [Field] {
    match table() {
        Ok(v) => v.as_slice(),
        Err(_) => &[],
    }
}

/// The field with this exact code.
pub fn lookup(code: &str) -> Option<&'static Field> {
    all().iter().find(|f| f.code == code)
}

/// True if `code` is a known field code (top-level or sub-field).
pub fn is_valid(code: &str) -> bool {
    lookup(code).is_some()
}

/// The top-level fields in table order.
pub fn top_level() -> Vec<&'static Field> {
    all().iter().filter(|f| f.is_top_level()).collect()
}

/// The sub-fields of a top-level field in table order; empty for an unknown code or a sub-field.
pub fn children(code: &str) -> Vec<&'static Field> {
    all().iter().filter(|f| f.parent == Some(code)).collect()
}

/// The top-level code of a code: `salt_lake` for `salt_lake.potash` and for `salt_lake`. Works on
/// any string (the part before the first `.`), known or not.
pub fn family(code: &str) -> &str {
    match code.split_once('.') {
        Some((top, _)) => top,
        None => code,
    }
}

/// Display name: "盐湖资源" for a top-level field, "盐湖资源 · 钾资源与钾肥" (English: "Salt-lake
/// resources · Potash and potassium fertilisers") for a sub-field. An unknown code is returned as is.
pub fn name(code: &str, en: bool) -> String {
    let Some(f) = lookup(code) else {
        return code.to_string();
    };
    match f.parent.and_then(lookup) {
        Some(p) => format!("{}{NAME_SEPARATOR}{}", p.own_name(en), f.own_name(en)),
        None => f.own_name(en).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_is_valid() {
        let n = check().unwrap();
        assert_eq!(n, all().len());
        let tops = top_level();
        assert!((18..=25).contains(&tops.len()), "{} top-level fields", tops.len());
        for t in &tops {
            let subs = children(t.code);
            assert!(
                (3..=8).contains(&subs.len()),
                "{} has {} sub-fields",
                t.code,
                subs.len()
            );
            for s in subs {
                assert_eq!(family(s.code), t.code);
                assert!(s.code.starts_with(&format!("{}.", t.code)));
            }
        }
        assert_eq!(
            tops.len() + tops.iter().map(|t| children(t.code).len()).sum::<usize>(),
            n
        );
        // Names are unique within each language, so a select list never shows two equal entries.
        for en in [false, true] {
            let names: HashSet<String> = all().iter().map(|f| name(f.code, en)).collect();
            assert_eq!(names.len(), n);
        }
        // English names are ASCII.
        assert!(all().iter().all(|f| f.en.is_ascii()));
    }

    #[test]
    fn industries_of_the_seeds_are_present() {
        for code in [
            "salt_lake.potash",
            "salt_lake.magnesium",
            "lithium.brine",
            "lithium.recycling",
            "clean_energy.photovoltaic",
            "clean_energy.wind",
            "clean_energy.solar_thermal",
            "energy_storage.electrochemical",
            "hydrogen.electrolysis",
            "new_materials.light_alloy",
            "nonferrous.smelting",
            "green_computing.datacenter",
            "ecology.restoration",
            "plateau_medicine.altitude_disease",
            "tibetan_medicine.preparations",
            "plateau_agriculture.livestock_products",
            "plateau_agriculture.crops",
            "biomedicine.drugs",
            "marine.bioproducts",
            "equipment.rail",
            "ai.llm",
            "integrated_circuits.design",
            "electronic_info.iot",
            "chemical.fine",
            "nev.charging",
            "digital_economy.industrial_internet",
            "astronomy.telescopes",
        ] {
            assert!(is_valid(code), "{code}");
        }
    }

    #[test]
    fn lookup_names_and_family() {
        let f = lookup("salt_lake.potash").unwrap();
        assert_eq!(f.parent, Some("salt_lake"));
        assert!(!f.is_top_level());
        assert_eq!(name("salt_lake.potash", false), "盐湖资源 · 钾资源与钾肥");
        assert_eq!(
            name("salt_lake.potash", true),
            "Salt-lake resources · Potash and potassium fertilisers"
        );
        assert_eq!(name("salt_lake", false), "盐湖资源");
        assert_eq!(name("no_such", true), "no_such");
        assert_eq!(family("salt_lake.potash"), "salt_lake");
        assert_eq!(family("salt_lake"), "salt_lake");
        assert_eq!(family(""), "");
        assert_eq!(family("x.y.z"), "x");
        assert!(is_valid("lithium"));
        assert!(!is_valid("lithium."));
        assert!(!is_valid(""));
        assert!(!is_valid("LITHIUM"));
        assert!(children("salt_lake.potash").is_empty());
        assert!(children("nope").is_empty());
        assert_eq!(top_level()[0].code, "salt_lake");
    }

    #[test]
    fn parse_rejects_broken_tables() {
        let ok =
            "[[field]]\ncode = \"a\"\nzh = \"甲\"\nen = \"A\"\n[[field]]\ncode = \"a.b\"\nzh = \"乙\"\nen = \"B\"\n";
        assert_eq!(parse(ok).unwrap().len(), 2);
        let dup = format!("{ok}[[field]]\ncode = \"a.b\"\nzh = \"丙\"\nen = \"C\"\n");
        assert!(parse(&dup).unwrap_err().contains("twice"));
        let orphan = format!("{ok}[[field]]\ncode = \"x.b\"\nzh = \"丙\"\nen = \"C\"\n");
        assert!(parse(&orphan).unwrap_err().contains("no top-level field `x`"));
        let childless = format!("{ok}[[field]]\ncode = \"c\"\nzh = \"丙\"\nen = \"C\"\n");
        assert!(parse(&childless).unwrap_err().contains("no sub-fields"));
        let deep = format!("{ok}[[field]]\ncode = \"a.b.c\"\nzh = \"丙\"\nen = \"C\"\n");
        assert!(parse(&deep).is_err());
        let upper = "[[field]]\ncode = \"A\"\nzh = \"甲\"\nen = \"A\"\n";
        assert!(parse(upper).is_err());
        let unnamed = "[[field]]\ncode = \"a\"\nzh = \"\"\nen = \"A\"\n";
        assert!(parse(unnamed).is_err());
        let unknown_key = "[[field]]\ncode = \"a\"\nzh = \"甲\"\nen = \"A\"\ncolour = \"red\"\n";
        assert!(parse(unknown_key).is_err());
        assert!(parse("not toml [").is_err());
        assert!(parse("").is_err());
    }
}

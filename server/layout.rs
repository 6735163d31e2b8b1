//! The shape of the code, checked on the source tree (see the README's Layout section):
//! modules import only modules below them in the order the README states; no Rust file is over
//! 1,000 lines (but `schema.rs` and test modules); no handler in a `routes.rs` is over 50 lines;
//! no `status.eq("…")` literal outside the enum mappings.
//!
//! Issue 13 takes the web layer apart area by area. What is not yet taken apart is listed below,
//! each exception with a ceiling (its figure when listed): a figure may not grow past its ceiling,
//! and an exception that no longer holds fails the test until it is removed, so the lists only get
//! shorter. Lower a ceiling when a change brings its figure down.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Imports that still go upwards, each to be untied (issue 13). `(from, to)`.
const UPWARD_YET: &[(&str, &str)] = &[];

/// Files over 1,000 lines and their length today (lines before the test module).
const LONG_YET: &[(&str, usize)] = &[];

/// Files with `status.eq("…")` literals, and how many they have today.
const STATUS_LITERALS_YET: &[(&str, usize)] = &[];

/// Handlers in a `routes.rs` over 50 lines, and their length today.
const LONG_HANDLERS_YET: &[(&str, &str, usize)] = &[];

const MAX_LINES: usize = 1000;
const MAX_HANDLER_LINES: usize = 50;

fn server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("server")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("server/")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Each Rust file under `server/`, by its path below it, with its source.
fn sources() -> Vec<(String, String)> {
    let root = server_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .expect("below server/")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).expect("readable source");
            (rel, text)
        })
        .collect()
}

/// The part of a file before its test module (`#[cfg(test)]` followed by `mod …`).
fn without_tests(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim() == "#[cfg(test)]" {
            let rest = text[at + line.len()..].trim_start();
            if rest.starts_with("mod ") {
                return &text[..at];
            }
        }
        at += line.len();
    }
    text
}

fn is_test_file(rel: &str) -> bool {
    rel.ends_with("/tests.rs") || rel == "tests.rs" || rel == "layout.rs"
}

/// The top-level module a file belongs to: `contracts/mod.rs` → `contracts`, `deals.rs` → `deals`.
fn top_module(rel: &str) -> String {
    let first = rel.split('/').next().unwrap_or(rel);
    first.trim_end_matches(".rs").to_string()
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules a source names through `crate::…`, grouped imports included.
fn crate_refs(src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = src;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first identifier of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        out.insert(ident_at(&group[k..]).to_string());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident_at(after).to_string());
        }
        rest = &rest[i + "crate::".len()..];
    }
    out
}

/// The module order the README states: the lines of its "Module order" list, highest first;
/// modules named on one line are peers (they may not import one another).
fn readme_order() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md");
    let start = readme
        .find("<!-- module order -->")
        .expect("README: the module order list");
    let mut levels = Vec::new();
    for line in readme[start..].lines().skip(1) {
        let line = line.trim();
        if line.is_empty() && !levels.is_empty() {
            break;
        }
        let Some(item) = line.split_once(". ") else {
            continue;
        };
        if !item.0.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
        let names = item.1.split(" — ").next().unwrap_or("");
        levels.push(
            names
                .split(',')
                .map(|n| n.trim().trim_matches('`').to_string())
                .filter(|n| !n.is_empty())
                .collect(),
        );
    }
    levels
}

#[test]
fn modules_import_only_modules_below_them() {
    let levels = readme_order();
    let mut level: BTreeMap<String, usize> = BTreeMap::new();
    for (i, names) in levels.iter().enumerate() {
        for n in names {
            assert!(
                level.insert(n.clone(), i).is_none(),
                "README names {n} twice in the module order"
            );
        }
    }
    let sources = sources();
    let tops: BTreeSet<String> = sources.iter().map(|(rel, _)| top_module(rel)).collect();
    for t in &tops {
        assert!(
            level.contains_key(t) || t == "lib" || t == "layout",
            "module {t} is missing from the README's module order"
        );
    }
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    let mut upward = Vec::new();
    for (rel, text) in &sources {
        let from = top_module(rel);
        let Some(&from_level) = level.get(&from) else { continue };
        for to in crate_refs(without_tests(text)) {
            if to == from || !tops.contains(&to) {
                continue;
            }
            let to_level = level[&to];
            if to_level <= from_level {
                found.insert((from.clone(), to.clone()));
                if !UPWARD_YET.contains(&(from.as_str(), to.as_str())) {
                    upward.push(format!("{rel} imports {to} (level {to_level}, {from} is {from_level})"));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports of modules above or beside:\n{}",
        upward.join("\n")
    );
    let stale: Vec<_> = UPWARD_YET
        .iter()
        .filter(|(a, b)| !found.contains(&(a.to_string(), b.to_string())))
        .collect();
    assert!(stale.is_empty(), "untied, remove from UPWARD_YET: {stale:?}");
}

#[test]
fn no_file_is_over_a_thousand_lines() {
    let mut long = Vec::new();
    let mut seen = BTreeSet::new();
    for (rel, text) in sources() {
        if rel == "schema.rs" || is_test_file(&rel) {
            continue;
        }
        let n = without_tests(&text).lines().count();
        match LONG_YET.iter().find(|(f, _)| *f == rel) {
            Some((_, ceiling)) => {
                seen.insert(rel.clone());
                if n > *ceiling {
                    long.push(format!("{rel}: {n} lines, grew past {ceiling}"));
                } else if n <= MAX_LINES {
                    long.push(format!("{rel}: {n} lines now; remove it from LONG_YET"));
                }
            }
            None if n > MAX_LINES => long.push(format!("{rel}: {n} lines")),
            None => {}
        }
    }
    for (f, _) in LONG_YET {
        if !seen.contains(*f) {
            long.push(format!("{f} is gone; remove it from LONG_YET"));
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines:\n{}", long.join("\n"));
}

/// The functions of a source with their length in lines: from a line holding `fn name(` to the
/// line that closes its body at the same indentation.
fn functions(src: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let is_fn = [
            "pub async fn ",
            "async fn ",
            "pub fn ",
            "fn ",
            "pub(crate) async fn ",
            "pub(crate) fn ",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p));
        if is_fn && !trimmed.ends_with(';') {
            let name = trimmed.split("fn ").nth(1).map(ident_at).unwrap_or("").to_string();
            let close = format!("{}}}", " ".repeat(indent));
            let end = (i..lines.len()).find(|&k| lines[k] == close).unwrap_or(i);
            out.push((name, end - i + 1));
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn handlers_are_short() {
    let mut long = Vec::new();
    let mut seen = BTreeSet::new();
    for (rel, text) in sources() {
        if !rel.ends_with("routes.rs") {
            continue;
        }
        for (name, n) in functions(without_tests(&text)) {
            let ceiling = LONG_HANDLERS_YET
                .iter()
                .find(|(f, h, _)| *f == rel && *h == name)
                .map(|(_, _, c)| *c);
            match ceiling {
                Some(c) if n > c => long.push(format!("{rel}: {name} is {n} lines, grew past {c}")),
                Some(_) if n <= MAX_HANDLER_LINES => long.push(format!(
                    "{rel}: {name} is {n} lines now; remove it from LONG_HANDLERS_YET"
                )),
                Some(_) => {}
                None if n > MAX_HANDLER_LINES => long.push(format!("{rel}: {name} is {n} lines")),
                None => {}
            }
            seen.insert((rel.clone(), name));
        }
    }
    for (f, h, _) in LONG_HANDLERS_YET {
        if !seen.contains(&(f.to_string(), h.to_string())) {
            long.push(format!("{f}: {h} is gone; remove it from LONG_HANDLERS_YET"));
        }
    }
    assert!(
        long.is_empty(),
        "handlers over {MAX_HANDLER_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn statuses_are_named_by_their_enums() {
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for (rel, text) in sources() {
        if is_test_file(&rel) {
            continue;
        }
        let n = without_tests(&text).matches("status.eq(\"").count();
        match STATUS_LITERALS_YET.iter().find(|(f, _)| *f == rel) {
            Some((_, ceiling)) => {
                seen.insert(rel.clone());
                if n > *ceiling {
                    found.push(format!("{rel}: {n}, more than {ceiling}"));
                } else if n == 0 {
                    found.push(format!("{rel} has none now; remove it from STATUS_LITERALS_YET"));
                }
            }
            None if n > 0 => found.push(format!("{rel}: {n}")),
            None => {}
        }
    }
    for (f, _) in STATUS_LITERALS_YET {
        if !seen.contains(*f) {
            found.push(format!("{f} is gone; remove it from STATUS_LITERALS_YET"));
        }
    }
    assert!(found.is_empty(), "status.eq(\"…\") literals:\n{}", found.join("\n"));
}

#[test]
fn the_checks_read_what_they_claim() {
    assert_eq!(
        crate_refs("use crate::{a, b::c, d::{e, f}};\nlet x = crate::g::h(crate::i);"),
        ["a", "b", "d", "g", "i"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(
        without_tests("fn a() {}\n#[cfg(test)]\nmod tests {\n}\n"),
        "fn a() {}\n"
    );
    let f = functions("pub async fn one() {\n    x;\n}\n\nfn two() -> u8 {\n    1\n}\n");
    assert_eq!(f, vec![("one".to_string(), 3), ("two".to_string(), 3)]);
    assert_eq!(top_module("contracts/mod.rs"), "contracts");
    assert!(!readme_order().is_empty());
}

//! `techmarket rewards evaluate FILE`: the real binary over every worked example in
//! tests/data/reward-cases (by file and through `-` with standard input), and a bad scenario.
//! Uses only std and serde_json.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The repository root, found from this source file (relative to the package root when built from the
/// repository, absolute when compiled through `#[path]` from elsewhere).
fn repo_root() -> PathBuf {
    let f = Path::new(file!());
    let abs = if f.is_absolute() {
        f.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(f)
    };
    abs.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_default()
}

pub fn cases() -> Vec<PathBuf> {
    let dir = repo_root().join("tests/data/reward-cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "worked examples missing in {}", dir.display());
    files
}

pub fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_techmarket"))
}

fn evaluate_file(path: &Path) -> Output {
    binary()
        .args(["rewards", "evaluate"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run techmarket: {e}"))
}

fn evaluate_stdin(input: &str) -> Output {
    let mut child = binary()
        .args(["rewards", "evaluate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run techmarket: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .unwrap_or_else(|e| panic!("cannot write stdin: {e}"));
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("techmarket did not finish: {e}"))
}

/// A scratch file for one scenario, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("techmarket-rewards-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

type Key = (String, String, Option<String>, i64, String, String, bool);

/// Awards as a sorted list of (program, beneficiary, contract, year, amount, status, final).
fn keys(awards: &Value) -> Vec<Key> {
    let mut out: Vec<Key> = awards
        .as_array()
        .unwrap_or_else(|| panic!("awards is not a list: {awards}"))
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_else(|| panic!("no {k} in {a}")).to_string();
            (
                s("program"),
                s("beneficiary"),
                a["contract"].as_str().map(str::to_string),
                a["year"].as_i64().unwrap_or_else(|| panic!("no year in {a}")),
                s("amount"),
                s("status"),
                a["final"].as_bool().unwrap_or_else(|| panic!("no final in {a}")),
            )
        })
        .collect();
    out.sort();
    out
}

fn inactive(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("inactive is not a list: {v}"))
        .iter()
        .map(|i| i["program"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

fn compare(name: &str, output: &Output, expected: &Value) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{name}: {stderr}");
    let got: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{name}: stdout is not JSON: {e}"));
    assert_eq!(keys(&got["awards"]), keys(&expected["awards"]), "{name}: awards");
    assert_eq!(
        inactive(&got["inactive"]),
        inactive(&expected["inactive"]),
        "{name}: inactive"
    );
    assert!(got["as_of"].is_string(), "{name}: as_of");
}

#[test]
fn rewards_evaluate_every_case_by_file() {
    for path in cases() {
        let case = load(&path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let file = TempFile::new(&name, &case["scenario"].to_string());
        compare(&name, &evaluate_file(&file.0), &case["expected"]);
    }
}

#[test]
fn rewards_evaluate_every_case_through_stdin() {
    for path in cases() {
        let case = load(&path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let pretty = serde_json::to_string_pretty(&case["scenario"]).unwrap_or_default();
        compare(&name, &evaluate_stdin(&pretty), &case["expected"]);
    }
}

#[test]
fn rewards_evaluate_refuses_a_bad_scenario() {
    let path = cases()[0].clone();
    let mut scenario = load(&path)["scenario"].clone();
    scenario["contracts"][0]["technology_amount"] = Value::String("99999999.00".into());
    let out = evaluate_stdin(&scenario.to_string());
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout for a bad scenario");
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("contracts[0].technology_amount"), "{msg}");

    let mut scenario = load(&path)["scenario"].clone();
    scenario["programs"] = serde_json::json!(["xining-2020-6-buyer", "no-such-program"]);
    let file = TempFile::new("bad-program.json", &scenario.to_string());
    let out = evaluate_file(&file.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("programs[1]"));

    let out = evaluate_file(Path::new("/nonexistent/techmarket-scenario.json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/techmarket-scenario.json"));
}

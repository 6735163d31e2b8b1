//! Tests of the reward engine: the worked examples of `tests/data/reward-cases`, boundaries (brackets,
//! thresholds, caps, effective dates), property tests over random scenarios, bad scenarios, and catalogue
//! edits (parameters are values).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::catalogue::ProgramKind;
use super::cli::evaluate_command;
use super::scenario::{Contract, ContractKind, Party, PartyKind, Payment};
use super::*;

// ---- helpers --------------------------------------------------------------------------------------

/// The repository root, found from this source file: `file!()` is relative to the package root when the
/// crate is built from /work/main, and absolute when the module is compiled through `#[path]` elsewhere.
fn repo_root() -> PathBuf {
    let f = Path::new(file!());
    let abs = if f.is_absolute() {
        f.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(f)
    };
    abs.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_default()
}

fn cases_dir() -> PathBuf {
    repo_root().join("tests/data/reward-cases")
}

/// `../shared/reward-cases` next to the repository, if present.
fn shared_dir(what: &str) -> Option<PathBuf> {
    let candidates = [
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(what),
        repo_root().join("../shared").join(what),
    ];
    candidates.into_iter().find(|p| p.is_dir())
}

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap_or_else(|e| panic!("{}: {e}", cases_dir().display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn cat() -> Catalogue {
    default_catalogue().unwrap_or_else(|e| panic!("{e}"))
}

fn m(s: &str) -> Money {
    Money::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn party(id: &str, kind: PartyKind, region: &str) -> Party {
    Party {
        id: id.into(),
        kind,
        region: region.into(),
        sme: false,
        tech_sme: false,
        aid_partnered: false,
    }
}

fn flagged(mut p: Party, sme: bool, tech_sme: bool, aid: bool) -> Party {
    p.sme = sme;
    p.tech_sme = tech_sme;
    p.aid_partnered = aid;
    p
}

fn deal(id: &str, kind: ContractKind, buyer: &str, seller: &str, amount: &str, registered: Option<&str>) -> Contract {
    Contract {
        id: id.into(),
        kind,
        patent: false,
        buyer: buyer.into(),
        seller: seller.into(),
        intermediaries: vec![],
        amount: m(amount),
        technology_amount: m(amount),
        equity_amount: None,
        signed_on: None,
        registered_on: registered.map(d),
        registered_through: None,
        payments: vec![],
    }
}

fn pay(on: &str, amount: &str, voucher: bool) -> Payment {
    Payment {
        on: d(on),
        amount: m(amount),
        voucher,
    }
}

fn scen(as_of: &str, parties: Vec<Party>, contracts: Vec<Contract>, programs: &[&str]) -> Scenario {
    let s = Scenario {
        as_of: d(as_of),
        parties,
        contracts,
        programs: Some(programs.iter().map(|p| p.to_string()).collect()),
        budgets: BTreeMap::new(),
        index: Default::default(),
    };
    s.validate().unwrap_or_else(|e| panic!("test scenario invalid: {e}"));
    s
}

/// (beneficiary, contract, year, amount, status) of a program's awards, in output order.
fn awards(ev: &Evaluation, program: &str) -> Vec<(String, Option<String>, i32, String, String)> {
    ev.awards
        .iter()
        .filter(|a| a.program == program)
        .map(|a| {
            (
                a.beneficiary.clone(),
                a.contract.clone(),
                a.year,
                a.amount.clone(),
                a.status.code().to_string(),
            )
        })
        .collect()
}

/// The amounts of a program's awards.
fn amounts(ev: &Evaluation, program: &str) -> Vec<String> {
    awards(ev, program).into_iter().map(|a| a.3).collect()
}

fn run(s: &Scenario) -> Evaluation {
    evaluate(s, &cat())
}

// ---- the worked examples --------------------------------------------------------------------------

type Key = (String, String, Option<String>, i64, String, String, bool);

fn award_keys(awards: &Value) -> Result<Vec<Key>, String> {
    let list = awards.as_array().ok_or("awards is not a list")?;
    let mut keys = Vec::new();
    for a in list {
        let s = |k: &str| -> Result<String, String> {
            a.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(format!("award without {k}: {a}"))
        };
        keys.push((
            s("program")?,
            s("beneficiary")?,
            a.get("contract").and_then(Value::as_str).map(str::to_string),
            a.get("year")
                .and_then(Value::as_i64)
                .ok_or(format!("award without year: {a}"))?,
            s("amount")?,
            s("status")?,
            a.get("final")
                .and_then(Value::as_bool)
                .ok_or(format!("award without final: {a}"))?,
        ));
    }
    keys.sort();
    Ok(keys)
}

fn inactive_ids(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|i| i.get("program").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn check_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let scenario_json = case.get("scenario").ok_or("no scenario")?.to_string();
    let expected = case.get("expected").ok_or("no expected")?;
    let catalogue = cat();
    let scenario = parse_scenario(&scenario_json).map_err(|e| e.to_string())?;
    check_scenario(&scenario, &catalogue).map_err(|e| e.to_string())?;
    let out = serde_json::to_value(evaluate(&scenario, &catalogue)).map_err(|e| e.to_string())?;
    let got = award_keys(out.get("awards").ok_or("no awards in output")?)?;
    let want = award_keys(expected.get("awards").ok_or("no expected awards")?)?;
    if got != want {
        return Err(format!("awards differ\n got:  {got:?}\n want: {want:?}"));
    }
    let (gi, wi) = (
        inactive_ids(out.get("inactive").ok_or("no inactive")?),
        inactive_ids(expected.get("inactive").ok_or("no expected inactive")?),
    );
    if gi != wi {
        return Err(format!("inactive differ: got {gi:?}, want {wi:?}"));
    }
    for a in out["awards"].as_array().into_iter().flatten() {
        let trace = a["trace"].as_array().map(Vec::len).unwrap_or(0);
        if trace < 4 {
            return Err(format!("award with a thin trace: {a}"));
        }
    }
    Ok(())
}

#[test]
fn every_worked_example_passes() {
    let files = case_files();
    assert!(
        files.len() >= 8,
        "expected the worked examples in {}",
        cases_dir().display()
    );
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = check_case(f) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn worked_examples_are_byte_identical_copies_of_shared() {
    let Some(shared) = shared_dir("reward-cases") else {
        println!("notice: ../shared/reward-cases is absent; copy check skipped");
        return;
    };
    let mut n = 0;
    for e in std::fs::read_dir(&shared).unwrap_or_else(|e| panic!("{e}")) {
        let p = e.unwrap_or_else(|e| panic!("{e}")).path();
        let Some(name) = p.file_name() else { continue };
        let ours = cases_dir().join(name);
        let a = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let b = std::fs::read(&ours).unwrap_or_else(|e| panic!("missing copy {}: {e}", ours.display()));
        assert!(a == b, "{} differs from {}", ours.display(), p.display());
        n += 1;
    }
    assert!(n > 0);
}

#[test]
fn a_wrong_expectation_fails_the_comparison() {
    // The comparison must be able to fail: change one amount of a case and it must be refused.
    let f = cases_dir().join("01-xining-buyer-broker-and-qinghai-introduction.json");
    let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{e}"));
    let bad = text.replacen("\"36000.00\"", "\"36000.01\"", 1);
    assert_ne!(bad, text);
    let tmp = std::env::temp_dir().join(format!("rewards-wrong-{}.json", std::process::id()));
    std::fs::write(&tmp, bad).unwrap_or_else(|e| panic!("{e}"));
    let r = check_case(&tmp);
    let _ = std::fs::remove_file(&tmp);
    assert!(r.is_err());
}

// ---- output format --------------------------------------------------------------------------------

#[test]
fn output_has_the_documented_shape() {
    let f = cases_dir().join("01-xining-buyer-broker-and-qinghai-introduction.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap_or_default()).unwrap_or(Value::Null);
    let s = parse_scenario(&case["scenario"].to_string()).unwrap_or_else(|e| panic!("{e}"));
    let out = serde_json::to_value(run(&s)).unwrap_or(Value::Null);
    let keys: Vec<&String> = out.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["as_of", "awards", "inactive"]);
    let a = &out["awards"][0];
    let mut ak: Vec<&String> = a.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    ak.sort();
    assert_eq!(
        ak,
        [
            "amount",
            "base",
            "beneficiary",
            "contract",
            "final",
            "program",
            "status",
            "trace",
            "year"
        ]
    );
    assert_eq!(a["base"], "1200000.00");
    let trace: Vec<&str> = a["trace"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(trace[0].starts_with("西宁 措施6"), "{trace:?}");
    assert!(
        trace.contains(&"按合同金额1,200,000.00元的3%计算为36,000.00元"),
        "{trace:?}"
    );
    assert!(trace.contains(&"未超过单项上限100,000.00元"), "{trace:?}");
    assert!(trace.iter().any(|l| l.contains("资金xining-2020-fund")), "{trace:?}");
    assert_eq!(out["inactive"][0]["reason"], "rate not set");
}

// ---- boundaries -----------------------------------------------------------------------------------

fn xining(amount: &str, brokers: usize) -> Scenario {
    let mut parties = vec![
        party("xn-ent", PartyKind::Enterprise, "630104"),
        party("uni", PartyKind::University, "630102"),
    ];
    let mut c = deal(
        "C1",
        ContractKind::Transfer,
        "xn-ent",
        "uni",
        amount,
        Some("2026-03-15"),
    );
    for i in 0..brokers {
        let id = format!("b{i}");
        parties.push(party(&id, PartyKind::Broker, "630103"));
        c.intermediaries.push(id);
    }
    scen(
        "2026-12-31",
        parties,
        vec![c],
        &["xining-2020-6-buyer", "xining-2020-6-broker"],
    )
}

#[test]
fn xining_buyer_cap_100000() {
    let cases = [
        ("3333333.00", "99999.99"),
        ("3333333.33", "100000.00"),  // 99,999.9999 rounds to the cap
        ("3333333.67", "100000.00"),  // 100,000.01 capped
        ("10000000.00", "100000.00"), // far above
    ];
    for (amount, want) in cases {
        let ev = run(&xining(amount, 0));
        assert_eq!(amounts(&ev, "xining-2020-6-buyer"), [want], "{amount}");
    }
    let ev = run(&xining("3333333.67", 0));
    let t = &ev.awards[0].trace;
    assert!(
        t.iter().any(|l| l.contains("100,000.0101") && l.contains("100,000.01")),
        "{t:?}"
    );
    assert!(
        t.iter().any(|l| l == "超过单项上限100,000.00元,按上限计为100,000.00元"),
        "{t:?}"
    );
}

#[test]
fn xining_broker_cap_50000_split() {
    for (amount, want) in [
        ("4999999.00", "49999.99"),
        ("5000000.00", "50000.00"),
        ("5000001.00", "50000.00"),
    ] {
        let ev = run(&xining(amount, 1));
        assert_eq!(amounts(&ev, "xining-2020-6-broker"), [want], "{amount}");
    }
    // The cap is for the contract in all, then split; fen that do not divide go to the first listed.
    let ev = run(&xining("10000000.00", 3));
    assert_eq!(
        amounts(&ev, "xining-2020-6-broker"),
        ["16666.67", "16666.67", "16666.66"]
    );
    // 0.02 among three: the third share is 0.00 and is not listed.
    let ev = run(&xining("2.00", 3));
    assert_eq!(amounts(&ev, "xining-2020-6-broker"), ["0.01", "0.01"]);
}

#[test]
fn xining_region_and_kind() {
    // A buyer outside 6301 (632802 is 海西), a consulting contract, a licence (counted, by reading).
    let mut s = xining("1000000.00", 1);
    s.parties[0].region = "632802".into();
    assert!(run(&s).awards.is_empty());
    let mut s = xining("1000000.00", 1);
    s.contracts[0].kind = ContractKind::Consulting;
    assert!(run(&s).awards.is_empty());
    let mut s = xining("1000000.00", 1);
    s.contracts[0].kind = ContractKind::Licence;
    assert_eq!(amounts(&run(&s), "xining-2020-6-buyer"), ["30000.00"]);
    // A government party listed as intermediary is not a broker.
    let mut s = xining("1000000.00", 1);
    s.parties[2].kind = PartyKind::Government;
    assert!(amounts(&run(&s), "xining-2020-6-broker").is_empty());
}

fn haixi(amount: &str) -> Scenario {
    let mut c = deal("C1", ContractKind::Licence, "hx", "bj", amount, Some("2026-07-01"));
    c.patent = true;
    scen(
        "2026-12-31",
        vec![
            flagged(party("hx", PartyKind::Enterprise, "632802"), true, false, false),
            party("bj", PartyKind::ResearchInstitute, "110000"),
        ],
        vec![c],
        &["haixi-2025-5-patent-sme"],
    )
}

#[test]
fn haixi_cap_200000_and_conditions() {
    for (amount, want) in [
        ("9999999.50", "199999.99"),
        ("10000000.00", "200000.00"),
        ("10000000.50", "200000.00"),
    ] {
        assert_eq!(
            amounts(&run(&haixi(amount)), "haixi-2025-5-patent-sme"),
            [want],
            "{amount}"
        );
    }
    let mut s = haixi("1000000.00");
    s.contracts[0].patent = false;
    assert!(run(&s).awards.is_empty(), "a patent is required");
    let mut s = haixi("1000000.00");
    s.parties[0].sme = false;
    assert!(run(&s).awards.is_empty(), "an SME is required");
    let mut s = haixi("1000000.00");
    s.contracts[0].kind = ContractKind::Development;
    assert!(run(&s).awards.is_empty(), "transfer or licence only");
}

fn introduction(payments: Vec<Payment>, equity: Option<&str>, registered: &str) -> Scenario {
    let mut c = deal(
        "C1",
        ContractKind::Transfer,
        "qh",
        "sh",
        "20000000.00",
        Some(registered),
    );
    c.payments = payments;
    c.equity_amount = equity.map(m);
    scen(
        "2027-12-31",
        vec![
            party("qh", PartyKind::Enterprise, "632802"),
            party("sh", PartyKind::University, "310000"),
        ],
        vec![c],
        &["qinghai-2025-8-introduction"],
    )
}

#[test]
fn qinghai_introduction_cap_1000000_per_contract_over_years() {
    for (paid, want) in [
        ("4999999.95", "999999.99"),
        ("5000000.00", "1000000.00"),
        ("5000000.05", "1000000.00"),
    ] {
        let s = introduction(vec![pay("2026-05-01", paid, false)], None, "2026-04-01");
        assert_eq!(amounts(&run(&s), "qinghai-2025-8-introduction"), [want], "{paid}");
    }
    // Over all years, in payment-date order: 800,000 in 2026, then only 200,000 of 400,000 in 2027.
    let s = introduction(
        vec![
            pay("2027-02-01", "2000000.00", false),
            pay("2026-05-01", "4000000.00", false),
        ],
        None,
        "2026-04-01",
    );
    let ev = run(&s);
    assert_eq!(
        awards(&ev, "qinghai-2025-8-introduction"),
        [
            (
                "qh".into(),
                Some("C1".into()),
                2026,
                "800000.00".into(),
                "computed".into()
            ),
            (
                "qh".into(),
                Some("C1".into()),
                2027,
                "200000.00".into(),
                "computed".into()
            ),
        ]
    );
}

#[test]
fn qinghai_introduction_payments_equity_and_rounding() {
    // Payments before registration count; equity counts as paid on the registration date.
    let s = introduction(
        vec![pay("2026-01-10", "100000.00", false)],
        Some("50000.00"),
        "2026-03-01",
    );
    assert_eq!(amounts(&run(&s), "qinghai-2025-8-introduction"), ["30000.00"]);
    // Equity of a contract registered before the program took effect does not count.
    let s = introduction(vec![], Some("50000.00"), "2025-04-27");
    assert!(run(&s).awards.is_empty());
    let s = introduction(vec![], Some("50000.00"), "2025-04-28");
    assert_eq!(amounts(&run(&s), "qinghai-2025-8-introduction"), ["10000.00"]);
    // Rounded per payment: 3 × round(0.03 × 20%) = 3 × 0.01, not round(0.09 × 20%) = 0.02.
    let s = introduction(
        vec![
            pay("2026-05-01", "0.03", false),
            pay("2026-06-01", "0.03", false),
            pay("2026-07-01", "0.03", false),
        ],
        None,
        "2026-04-01",
    );
    assert_eq!(amounts(&run(&s), "qinghai-2025-8-introduction"), ["0.03"]);
    // Listed once per contract and year.
    let s = introduction(
        vec![
            pay("2026-05-01", "100.00", false),
            pay("2026-06-01", "100.00", false),
            pay("2027-01-01", "100.00", false),
        ],
        None,
        "2026-04-01",
    );
    assert_eq!(amounts(&run(&s), "qinghai-2025-8-introduction"), ["40.00", "20.00"]);
    // Payments after as_of do not count yet.
    let s = introduction(vec![pay("2028-01-05", "100.00", false)], None, "2026-04-01");
    assert!(run(&s).awards.is_empty());
    // A seller inside 63 is no introduction.
    let mut s = introduction(vec![pay("2026-05-01", "100.00", false)], None, "2026-04-01");
    s.parties[1].region = "630102".into();
    assert!(run(&s).awards.is_empty());
}

fn platform(techs: &[&str], as_of: &str) -> Scenario {
    let contracts = techs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut c = deal(
                &format!("C{i}"),
                ContractKind::Development,
                "xn",
                "bj",
                t,
                Some("2026-03-01"),
            );
            c.intermediaries = vec!["pf".into()];
            c
        })
        .collect();
    scen(
        as_of,
        vec![
            flagged(party("pf", PartyKind::TransferPlatform, "632801"), false, false, true),
            party("xn", PartyKind::Enterprise, "630104"),
            party("bj", PartyKind::ResearchInstitute, "110108"),
        ],
        contracts,
        &["qinghai-2025-7-platform"],
    )
}

#[test]
fn qinghai_platform_bracket_at_10000000() {
    for (tech, want) in [
        ("9999999.99", "150000.00"),  // 149,999.99985 rounds up
        ("10000000.00", "150000.00"), // all at 1.5 %
        ("10000000.01", "150000.00"), // 150,000 + 0.0001
        ("10000100.00", "150001.00"), // 1 % above the bracket (a flat 1.5 % would give 150,001.50)
        ("12500000.00", "175000.00"),
    ] {
        assert_eq!(
            amounts(&run(&platform(&[tech], "2026-12-31")), "qinghai-2025-7-platform"),
            [want],
            "{tech}"
        );
    }
    let ev = run(&platform(&["10000000.01"], "2026-12-31"));
    let t = &ev.awards[0].trace;
    assert!(
        t.iter()
            .any(|l| l.contains("超过10,000,000.00的部分0.01元 × 1% = 0.0001元")),
        "{t:?}"
    );
}

#[test]
fn qinghai_platform_cap_and_final() {
    for (tech, want) in [
        ("94999999.00", "999999.99"),
        ("95000000.00", "1000000.00"),
        ("95000001.00", "1000000.00"),
    ] {
        assert_eq!(
            amounts(&run(&platform(&[tech], "2026-12-31")), "qinghai-2025-7-platform"),
            [want],
            "{tech}"
        );
    }
    // The year has not ended: a year-to-date figure, final false.
    let ev = run(&platform(&["1000000.00"], "2026-12-30"));
    assert_eq!(ev.awards.len(), 1);
    assert!(!ev.awards[0].is_final);
    assert!(ev.awards[0].contract.is_none());
    let ev = run(&platform(&["1000000.00"], "2026-12-31"));
    assert!(ev.awards[0].is_final);
    // Without an aid partner, nothing.
    let mut s = platform(&["1000000.00"], "2026-12-31");
    s.parties[0].aid_partnered = false;
    assert!(run(&s).awards.is_empty());
    // Seller and intermediary at once: counted once.
    let mut s = platform(&["1000000.00"], "2026-12-31");
    s.contracts[0].seller = "pf".into();
    assert_eq!(amounts(&run(&s), "qinghai-2025-7-platform"), ["15000.00"]);
}

fn gansu(pairs: &[(&str, &str)]) -> Scenario {
    let contracts = pairs
        .iter()
        .enumerate()
        .map(|(i, (amount, tech))| {
            let mut c = deal(
                &format!("C{i}"),
                ContractKind::Development,
                "by",
                "lz",
                amount,
                Some("2025-05-01"),
            );
            c.technology_amount = m(tech);
            c.intermediaries = vec!["tti".into()];
            c
        })
        .collect();
    scen(
        "2025-12-31",
        vec![
            party("tti", PartyKind::TransferInstitution, "620102"),
            party("by", PartyKind::Enterprise, "620400"),
            party("lz", PartyKind::University, "620100"),
        ],
        contracts,
        &["gansu-2022-30-institution"],
    )
}

#[test]
fn gansu_threshold_at_20000000() {
    let p = "gansu-2022-30-institution";
    assert!(amounts(&run(&gansu(&[("19999999.99", "19999999.99")])), p).is_empty());
    assert_eq!(
        amounts(&run(&gansu(&[("20000000.00", "20000000.00")])), p),
        ["20000.00"]
    );
    assert_eq!(
        amounts(&run(&gansu(&[("20000000.01", "20000000.01")])), p),
        ["20000.00"]
    );
    // The threshold counts contract amounts; the base is technology amounts; not a bracket.
    assert_eq!(amounts(&run(&gansu(&[("20000000.00", "5000000.00")])), p), ["5000.00"]);
    assert_eq!(
        amounts(
            &run(&gansu(&[("10000000.00", "8000000.00"), ("10000000.00", "9000000.00")])),
            p
        ),
        ["17000.00"]
    );
    // Cap 1,000,000 per year.
    for (tech, want) in [
        ("999999990.00", "999999.99"),
        ("1000000000.00", "1000000.00"),
        ("1000000010.00", "1000000.00"),
    ] {
        assert_eq!(amounts(&run(&gansu(&[(tech, tech)])), p), [want], "{tech}");
    }
}

fn voucher(payments: Vec<(&str, &str, &str)>) -> Scenario {
    // (contract id, date, amount) — one contract per payment.
    let contracts = payments
        .iter()
        .map(|(id, on, amount)| {
            let mut c = deal(id, ContractKind::Service, "qd", "uni", amount, Some("2025-01-10"));
            c.payments = vec![pay(on, amount, true)];
            c
        })
        .collect();
    scen(
        "2027-12-31",
        vec![
            flagged(party("qd", PartyKind::Enterprise, "370212"), true, true, false),
            party("uni", PartyKind::University, "370202"),
        ],
        contracts,
        &["qingdao-2024-23-voucher"],
    )
}

#[test]
fn qingdao_voucher_cap_200000_per_year() {
    let p = "qingdao-2024-23-voucher";
    for (paid, want) in [
        ("399999.98", "199999.99"),
        ("400000.00", "200000.00"),
        ("400000.02", "200000.00"),
    ] {
        assert_eq!(
            amounts(&run(&voucher(vec![("C1", "2026-02-01", paid)])), p),
            [want],
            "{paid}"
        );
    }
    // Payment-date order, ties by contract id in byte order ("B" < "a"): B gets the room first.
    let ev = run(&voucher(vec![
        ("a", "2026-02-01", "300000.00"),
        ("B", "2026-02-01", "300000.00"),
    ]));
    assert_eq!(
        awards(&ev, p),
        [
            (
                "qd".into(),
                Some("a".into()),
                2026,
                "50000.00".into(),
                "computed".into()
            ),
            (
                "qd".into(),
                Some("B".into()),
                2026,
                "150000.00".into(),
                "computed".into()
            ),
        ]
    );
    // A payment without a voucher, or by a buyer that is not a 科技型中小企业, earns nothing.
    let mut s = voucher(vec![("C1", "2026-02-01", "1000.00")]);
    s.contracts[0].payments[0].voucher = false;
    assert!(run(&s).awards.is_empty());
    let mut s = voucher(vec![("C1", "2026-02-01", "1000.00")]);
    s.parties[0].tech_sme = false;
    assert!(run(&s).awards.is_empty());
}

/// A scenario in which `program` pays when its counted event (registration or payment) is on `date`.
fn qualifying(program: &str, date: Date) -> Scenario {
    let on = date.to_string();
    let on = on.as_str();
    let mut s = match program {
        "xining-2020-6-buyer" | "xining-2020-6-broker" => {
            let mut s = xining("1000000.00", 1);
            s.contracts[0].registered_on = Some(date);
            s
        }
        "qinghai-2025-7-platform" => {
            let mut s = platform(&["1000000.00"], "2030-12-31");
            s.contracts[0].registered_on = Some(date);
            s
        }
        "qinghai-2025-8-introduction" => introduction(vec![pay(on, "1000.00", false)], None, "2020-01-01"),
        "haixi-2025-5-patent-sme" => {
            let mut s = haixi("1000000.00");
            s.contracts[0].registered_on = Some(date);
            s
        }
        "gansu-2022-30-institution" => {
            let mut s = gansu(&[("20000000.00", "20000000.00")]);
            s.contracts[0].registered_on = Some(date);
            s
        }
        "qingdao-2024-23-voucher" => voucher(vec![("C1", on, "1000.00")]),
        other => panic!("no qualifying scenario for {other}"),
    };
    s.as_of = d("2030-12-31");
    s.programs = Some(vec![program.to_string()]);
    s
}

#[test]
fn effective_dates_day_before_on_and_after() {
    let catalogue = cat();
    let mut checked = 0;
    for p in &catalogue.programs {
        let Some(rule) = &p.rule else { continue };
        let mut dates = vec![];
        let from = rule.effective_from;
        dates.extend([from.pred(), Some(from), from.succ()].into_iter().flatten());
        if let Some(to) = rule.effective_to {
            dates.extend([to.pred(), Some(to), to.succ()].into_iter().flatten());
        }
        for date in dates {
            let inside = date >= from && rule.effective_to.is_none_or(|t| date <= t);
            let ev = evaluate(&qualifying(&p.id, date), &catalogue);
            let paid = ev.awards.iter().any(|a| a.program == p.id);
            assert_eq!(paid, inside, "{} on {date}", p.id);
            checked += 1;
        }
    }
    // xining (open-ended): 3 dates × 2 programs; five closed programs × 6 dates.
    assert_eq!(checked, 6 + 5 * 6);
}

#[test]
fn registration_rules() {
    // Unregistered or registered after as_of: nothing; registered on as_of: counted.
    let mut s = xining("1000000.00", 0);
    s.contracts[0].registered_on = None;
    assert!(run(&s).awards.is_empty());
    let mut s = xining("1000000.00", 0);
    s.contracts[0].registered_on = Some(d("2027-01-01"));
    assert!(run(&s).awards.is_empty());
    let mut s = xining("1000000.00", 0);
    s.contracts[0].registered_on = Some(d("2026-12-31"));
    assert_eq!(amounts(&run(&s), "xining-2020-6-buyer"), ["30000.00"]);
}

#[test]
fn xining_fund_order_and_over_budget() {
    // C2 registered before C1: charged first. Budget 40,000.00: C2 buyer 30,000; C1 buyer 30,000 →
    // 10,000 computed + 20,000 over; C1 broker 10,000 all over. Another year is not limited.
    let mut s = xining("1000000.00", 1);
    let mut c2 = deal(
        "C2",
        ContractKind::Development,
        "xn-ent",
        "uni",
        "1000000.00",
        Some("2026-01-02"),
    );
    c2.intermediaries = vec![];
    s.contracts.push(c2);
    let c3 = deal(
        "C3",
        ContractKind::Development,
        "xn-ent",
        "uni",
        "100000.00",
        Some("2025-06-01"),
    );
    s.contracts.push(c3);
    s.budgets
        .insert("xining-2020-fund".into(), BTreeMap::from([(2026, m("40000.00"))]));
    let ev = run(&s);
    let got = ev
        .awards
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {} {}",
                a.program,
                a.contract.clone().unwrap_or_default(),
                a.year,
                a.amount,
                a.status.code()
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            "xining-2020-6-buyer C1 2026 10000.00 computed",
            "xining-2020-6-buyer C1 2026 20000.00 over_budget",
            "xining-2020-6-broker C1 2026 10000.00 over_budget",
            "xining-2020-6-buyer C2 2026 30000.00 computed",
            "xining-2020-6-buyer C3 2025 3000.00 computed",
        ]
    );
    // Same date: contract id order, then the buyer before the broker.
    let mut s = xining("1000000.00", 1);
    let mut c0 = s.contracts[0].clone();
    c0.id = "C0".into();
    s.contracts.push(c0);
    s.budgets
        .insert("xining-2020-fund".into(), BTreeMap::from([(2026, m("45000.00"))]));
    let ev = run(&s);
    let computed: Vec<(String, String)> = ev
        .awards
        .iter()
        .filter(|a| a.status == AwardStatus::Computed)
        .map(|a| (a.contract.clone().unwrap_or_default(), a.amount.clone()))
        .collect();
    let mut computed_sorted = computed.clone();
    computed_sorted.sort();
    assert_eq!(
        computed_sorted,
        [
            ("C0".to_string(), "10000.00".to_string()),
            ("C0".to_string(), "30000.00".to_string()),
            ("C1".to_string(), "5000.00".to_string()),
        ]
    );
}

#[test]
fn programs_selection() {
    let mut s = xining("1000000.00", 1);
    s.programs = Some(vec![]);
    let ev = run(&s);
    assert!(ev.awards.is_empty() && ev.inactive.is_empty());
    s.programs = None;
    let ev = run(&s);
    assert_eq!(ev.inactive.len(), 1);
    assert_eq!(ev.awards.len(), 2);
}

#[test]
fn stacking_across_jurisdictions_is_not_a_conflict() {
    let f = cases_dir().join("01-xining-buyer-broker-and-qinghai-introduction.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap_or_default()).unwrap_or(Value::Null);
    let s = parse_scenario(&case["scenario"].to_string()).unwrap_or_else(|e| panic!("{e}"));
    let ev = run(&s);
    assert_eq!(ev.awards.len(), 3);
    assert!(ev.conflicts.is_empty());
}

// ---- conflicts and supersession ----------------------------------------------------------------------

#[test]
fn buyer_also_broker_is_a_conflict_within_xining() {
    let mut s = xining("1000000.00", 0);
    s.parties[0].kind = PartyKind::TransferInstitution;
    s.contracts[0].intermediaries = vec!["xn-ent".into()];
    let ev = run(&s);
    assert_eq!(ev.conflicts.len(), 1, "{:?}", ev.conflicts);
    let c = &ev.conflicts[0];
    assert_eq!(c.programs, ["xining-2020-6-buyer", "xining-2020-6-broker"]);
    assert_eq!(
        (c.beneficiary.as_str(), c.contract.as_str(), c.region.as_str()),
        ("xn-ent", "C1", "630100")
    );
    let json = serde_json::to_value(&ev).unwrap_or(Value::Null);
    assert!(json.get("conflicts").is_some());
}

const XINING_2026: &str = r#"
[document]
id = "xining-2026"
title = "假设的西宁后续措施"
short_name = "西宁"
region = "630100"
effective_from = "2026-01-01"
effective_to = "open"

[[programs]]
id = "xining-2026-5-buyer"
kind = "per_contract"
citation = "西宁 2026 措施5"
beneficiary = "buyer"
contract_kinds = ["development", "transfer", "licence"]
buyer_regions = ["630100"]
base = "contract_amount"
formula = "rate"
rate = "4%"
cap_per_contract = "150000.00"
SUPERSEDES
"#;

fn with_extra(extra: &str) -> Catalogue {
    let mut files: Vec<(&str, &str)> = DEFAULT_POLICY_FILES.to_vec();
    files.push(("policies/xining-2026.toml", extra));
    parse_catalogue(&files).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn supersession_and_conflict_between_documents_of_one_region() {
    let plain = XINING_2026.replace("SUPERSEDES", "");
    let superseding = XINING_2026.replace("SUPERSEDES", "supersedes = [\"xining-2020-6-buyer\"]");
    let mut s = xining("1000000.00", 0);
    s.programs = None;
    s.contracts[0].registered_on = Some(d("2026-01-01"));
    let mut before = s.clone();
    before.contracts[0].registered_on = Some(d("2025-12-31"));

    // Without supersedes: both pay the buyer for C1 → a conflict.
    let ev = evaluate(&s, &with_extra(&plain));
    assert_eq!(ev.conflicts.len(), 1);
    assert_eq!(ev.conflicts[0].programs, ["xining-2020-6-buyer", "xining-2026-5-buyer"]);

    // With supersedes: from 2026-01-01 only the new program pays; before it, only the old one.
    let catalogue = with_extra(&superseding);
    let ev = evaluate(&s, &catalogue);
    assert!(ev.conflicts.is_empty());
    assert_eq!(amounts(&ev, "xining-2026-5-buyer"), ["40000.00"]);
    assert!(amounts(&ev, "xining-2020-6-buyer").is_empty());
    let ev = evaluate(&before, &catalogue);
    assert_eq!(amounts(&ev, "xining-2020-6-buyer"), ["30000.00"]);
    assert!(amounts(&ev, "xining-2026-5-buyer").is_empty());

    // Superseding an unknown program, or one of another region, is an error naming the file.
    let unknown = XINING_2026.replace("SUPERSEDES", "supersedes = [\"xining-2020-9-nothing\"]");
    let mut files: Vec<(&str, &str)> = DEFAULT_POLICY_FILES.to_vec();
    files.push(("policies/xining-2026.toml", &unknown));
    let e = parse_catalogue(&files).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.starts_with("policies/xining-2026.toml:") && e.contains("xining-2020-9-nothing"),
        "{e}"
    );
    let other = XINING_2026.replace("SUPERSEDES", "supersedes = [\"haixi-2025-5-patent-sme\"]");
    let mut files: Vec<(&str, &str)> = DEFAULT_POLICY_FILES.to_vec();
    files.push(("policies/xining-2026.toml", &other));
    assert!(parse_catalogue(&files).is_err());
}

// ---- the catalogue --------------------------------------------------------------------------------

#[test]
fn default_catalogue_has_the_fixed_program_ids() {
    let c = cat();
    let ids: Vec<&str> = c.programs.iter().map(|p| p.id.as_str()).collect();
    for id in [
        "xining-2020-6-buyer",
        "xining-2020-6-broker",
        "xining-2020-6-major",
        "qinghai-2025-7-platform",
        "qinghai-2025-8-introduction",
        "qinghai-2025-8-institution",
        "qinghai-2025-8-partner",
        "haixi-2025-5-patent-sme",
        "gansu-2022-30-institution",
        "qingdao-2024-23-voucher",
        "qingdao-2024-10-service-point",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    assert_eq!(ids.len(), 11);
    let inactive: Vec<(&str, &str)> = c
        .programs
        .iter()
        .filter_map(|p| p.inactive_reason.as_deref().map(|r| (p.id.as_str(), r)))
        .collect();
    assert_eq!(inactive, [("qingdao-2024-10-service-point", "rate not set")]);
    let regions: BTreeMap<&str, &str> = c
        .documents
        .iter()
        .map(|d| (d.id.as_str(), d.region.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        regions,
        BTreeMap::from([
            ("gansu-2022", "620000"),
            ("haixi-2025", "632800"),
            ("qingdao-2024", "370200"),
            ("qinghai-2025", "630000"),
            ("xining-2020", "630100"),
        ])
    );
    assert_eq!(
        c.document("qinghai-2025").and_then(|d| d.number.clone()).as_deref(),
        Some("青政〔2025〕13号")
    );
    for p in &c.programs {
        assert!(p.text.as_deref().is_some_and(|t| !t.is_empty()), "{} has no text", p.id);
        assert!(
            !p.readings.is_empty() || p.kind == Some(ProgramKind::Discretionary),
            "{}",
            p.id
        );
    }
}

#[test]
fn quoted_article_text_is_exact() {
    let Some(seeds) = shared_dir("seeds") else {
        println!("notice: ../shared/seeds is absent; quotation check skipped");
        return;
    };
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for e in std::fs::read_dir(&seeds).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let t = std::fs::read_to_string(e.path()).unwrap_or_default();
        texts.insert(name.chars().take(3).collect(), t);
    }
    let c = cat();
    let mut n = 0;
    for p in &c.programs {
        let doc = c.document(&p.document).unwrap_or_else(|| panic!("{}", p.id));
        let seed = texts
            .get(doc.seed.as_deref().unwrap_or(""))
            .unwrap_or_else(|| panic!("seed of {}", doc.id));
        let text = p.text.as_deref().unwrap_or("");
        assert!(seed.contains(text), "{}: text not found verbatim in seed", p.id);
        if let Some(t) = &doc.effective_text {
            assert!(seed.contains(t.as_str()), "{}: effective_text not verbatim", doc.id);
        }
        n += 1;
    }
    for f in &c.funds {
        for t in &f.text {
            assert!(texts.get("004").is_some_and(|s| s.contains(t.as_str())), "{}", f.id);
        }
    }
    if let Some(i) = &c.income_distribution {
        assert!(texts
            .get("004")
            .is_some_and(|s| s.contains(i.text.as_deref().unwrap_or("-"))));
    }
    assert_eq!(n, 11);
}

fn edited(file: &str, from: &str, to: &str) -> Result<Catalogue, CatalogueError> {
    let mut files: Vec<(&str, String)> = DEFAULT_POLICY_FILES.iter().map(|(n, t)| (*n, t.to_string())).collect();
    let mut hit = false;
    for (n, t) in &mut files {
        if n.ends_with(file) {
            assert!(t.contains(from), "{from} not in {file}");
            *t = t.replacen(from, to, 1);
            hit = true;
        }
    }
    assert!(hit, "{file}");
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    parse_catalogue(&refs)
}

fn case_scenario(name: &str) -> Scenario {
    let text = std::fs::read_to_string(cases_dir().join(name)).unwrap_or_default();
    let case: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    parse_scenario(&case["scenario"].to_string()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_office_that_reads_differently_changes_a_value() {
    let s = case_scenario("03-haixi-sme-patent-licence.json");
    // 海西 "不高于2%": an office lowers the rate.
    let c = edited("haixi-2025.toml", "rate = \"2%\"", "rate = \"1.5%\"").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(amounts(&evaluate(&s, &c), "haixi-2025-5-patent-sme"), ["45000.00"]);
    // …but cannot raise it above the text's ceiling: the program becomes inactive with the reason.
    let c = edited("haixi-2025.toml", "rate = \"2%\"", "rate = \"3%\"").unwrap_or_else(|e| panic!("{e}"));
    let ev = evaluate(&s, &c);
    assert!(amounts(&ev, "haixi-2025-5-patent-sme").is_empty());
    assert!(ev
        .inactive
        .iter()
        .any(|i| i.program == "haixi-2025-5-patent-sme" && i.reason.contains("ceiling")));
    // 青海 art. 8 read as cash payments only: the equity no longer counts.
    let s2 = introduction(vec![pay("2026-05-01", "100.00", false)], Some("1000.00"), "2026-04-01");
    let c =
        edited("qinghai-2025.toml", "equity_counts = true", "equity_counts = false").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(amounts(&evaluate(&s2, &c), "qinghai-2025-8-introduction"), ["20.00"]);
    assert_eq!(
        amounts(&evaluate(&s2, &cat()), "qinghai-2025-8-introduction"),
        ["220.00"]
    );
    // 西宁 art. 6 read without licences.
    let mut s3 = xining("1000000.00", 0);
    s3.contracts[0].kind = ContractKind::Licence;
    let c = edited(
        "xining-2020.toml",
        "contract_kinds = [\"development\", \"transfer\", \"licence\"]",
        "contract_kinds = [\"development\", \"transfer\"]",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(amounts(&evaluate(&s3, &c), "xining-2020-6-buyer").is_empty());
}

#[test]
fn service_point_pays_once_an_officer_sets_a_rate() {
    let c = edited(
        "qingdao-2024.toml",
        "formula = \"rate\"\n# The text",
        "formula = \"rate\"\nrate = \"1%\"\n# The text",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(c
        .program("qingdao-2024-10-service-point")
        .is_some_and(Program::is_active));
    let mut a = deal(
        "C1",
        ContractKind::Service,
        "qd",
        "uni",
        "30000000.00",
        Some("2025-03-01"),
    );
    a.registered_through = Some("sp".into());
    let mut b = deal(
        "C2",
        ContractKind::Development,
        "qd",
        "uni",
        "1000000.00",
        Some("2026-03-01"),
    );
    b.registered_through = Some("sp".into());
    let s = scen(
        "2026-06-30",
        vec![
            party("sp", PartyKind::ContractServicePoint, "370211"),
            party("qd", PartyKind::Enterprise, "370212"),
            party("uni", PartyKind::University, "370202"),
        ],
        vec![a, b],
        &["qingdao-2024-10-service-point"],
    );
    let ev = evaluate(&s, &c);
    // 2026's award on 2025's registrations: 300,000 (final); 2027's on 2026's so far: 10,000 (not final).
    assert_eq!(
        awards(&ev, "qingdao-2024-10-service-point"),
        [
            ("sp".into(), None, 2026, "300000.00".into(), "computed".into()),
            ("sp".into(), None, 2027, "10000.00".into(), "computed".into()),
        ]
    );
    assert!(ev.awards[0].is_final && !ev.awards[1].is_final);
    assert!(ev.inactive.is_empty());
}

#[test]
fn a_missing_parameter_makes_the_program_inactive_with_the_reason() {
    let c = edited("xining-2020.toml", "rate = \"3%\"\n", "").unwrap_or_else(|e| panic!("{e}"));
    let p = c.program("xining-2020-6-buyer");
    assert_eq!(p.and_then(|p| p.inactive_reason.as_deref()), Some("rate not set"));
    assert!(c.program("xining-2020-6-broker").is_some_and(Program::is_active));
    let c = edited("gansu-2022.toml", "threshold = \"20000000.00\"\n", "").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.program("gansu-2022-30-institution")
            .and_then(|p| p.inactive_reason.as_deref()),
        Some("threshold not set")
    );
    let c = edited("haixi-2025.toml", "effective_to = \"2027-12-31\"\n", "").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.program("haixi-2025-5-patent-sme")
            .and_then(|p| p.inactive_reason.as_deref()),
        Some("effective_to not set")
    );
    let c = edited("xining-2020.toml", "share = \"equal_split\"\n", "").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.program("xining-2020-6-broker")
            .and_then(|p| p.inactive_reason.as_deref()),
        Some("share not set")
    );
    let c = edited("qinghai-2025.toml", "period = \"calendar_year\"\n", "").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.program("qinghai-2025-7-platform")
            .and_then(|p| p.inactive_reason.as_deref()),
        Some("period not set")
    );
}

#[test]
fn a_malformed_file_is_an_error_naming_file_and_line() {
    let line_of = |needle: &str, file: &str| -> usize {
        let text = DEFAULT_POLICY_FILES
            .iter()
            .find(|(n, _)| n.ends_with(file))
            .map(|(_, t)| *t)
            .unwrap_or("");
        text.lines()
            .position(|l| l.starts_with(needle))
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    // A value that does not parse.
    let e = edited("xining-2020.toml", "rate = \"3%\"", "rate = \"3 percent\"").err();
    let want = line_of("rate = \"3%\"", "xining-2020.toml");
    assert_eq!(
        e.as_ref().map(|e| (e.file.as_str(), e.line)),
        Some(("policies/xining-2020.toml", Some(want)))
    );
    assert!(e.is_some_and(|e| e.message.contains("rate")));
    // An unknown key (a typo).
    let e = edited("haixi-2025.toml", "cap_per_contract =", "cap_per_contrct =").err();
    let want = line_of("cap_per_contract =", "haixi-2025.toml");
    assert_eq!(e.as_ref().map(|e| e.line), Some(Some(want)));
    assert!(e.is_some_and(|e| e.to_string().starts_with("policies/haixi-2025.toml:")));
    // Bad TOML.
    let e = edited("gansu-2022.toml", "rate = \"1‰\"", "rate = \"1‰").err();
    let want = line_of("rate = \"1‰\"", "gansu-2022.toml");
    assert_eq!(
        e.map(|e| (e.file, e.line)),
        Some(("policies/gansu-2022.toml".to_string(), Some(want)))
    );
    // An unknown enumerated value.
    let e = edited("qingdao-2024.toml", "payments = \"voucher\"", "payments = \"coupon\"").err();
    assert!(e.is_some_and(|e| e.line.is_some() && e.message.contains("coupon")));
    // A bad region code.
    let e = edited(
        "haixi-2025.toml",
        "buyer_regions = [\"632800\"]",
        "buyer_regions = [\"6328\"]",
    )
    .err();
    assert!(e.is_some_and(|e| e.line.is_some() && e.message.contains("6328")));
    // Contradictory settings.
    let e = edited("haixi-2025.toml", "base = \"contract_amount\"", "base = \"payments\"").err();
    assert!(e.is_some_and(|e| e.line.is_some()));
    // Two documents with the same programs.
    let mut files = DEFAULT_POLICY_FILES.to_vec();
    files.push(("again.toml", DEFAULT_POLICY_FILES[0].1));
    assert!(parse_catalogue(&files).is_err());
}

#[test]
fn discretionary_ranges() {
    let c = cat();
    assert!(c.check_discretionary("xining-2020-6-major", m("500000.00")).is_ok());
    assert!(c.check_discretionary("xining-2020-6-major", m("1000000.00")).is_ok());
    assert!(c.check_discretionary("xining-2020-6-major", m("499999.99")).is_err());
    assert!(c.check_discretionary("xining-2020-6-major", m("1000000.01")).is_err());
    assert!(c
        .check_discretionary("qinghai-2025-8-institution", m("1000000.00"))
        .is_ok());
    assert!(c
        .check_discretionary("qinghai-2025-8-institution", m("1000000.01"))
        .is_err());
    assert!(c.check_discretionary("qinghai-2025-8-partner", m("500000.00")).is_ok());
    assert!(c.check_discretionary("qinghai-2025-8-partner", m("500000.01")).is_err());
    assert!(c.check_discretionary("xining-2020-6-buyer", m("1.00")).is_err());
    assert!(c.check_discretionary("nope", m("1.00")).is_err());
}

// ---- income distribution (西宁 art. 14) ------------------------------------------------------------

#[test]
fn income_distribution_floor_rounds_up() {
    let f = income_distribution_floor(100_000_000);
    assert_eq!((f.staff_min_fen, f.main_contributors_min_fen), (70_000_000, 49_000_000));
    let f = income_distribution_floor(1);
    assert_eq!((f.staff_min_fen, f.main_contributors_min_fen), (1, 1));
    // 0.7 × 3 = 2.1 → 3 fen; 0.7 × 3 = 2.1 → 3 fen (never under the true value).
    let f = income_distribution_floor(3);
    assert_eq!((f.staff_min_fen, f.main_contributors_min_fen), (3, 3));
    let f = income_distribution_floor(10);
    assert_eq!((f.staff_min_fen, f.main_contributors_min_fen), (7, 5));
    let f = income_distribution_floor(-5);
    assert_eq!((f.staff_min_fen, f.main_contributors_min_fen), (0, 0));
    let f = income_distribution_floor(i64::MAX);
    assert!(f.staff_min_fen > i64::MAX / 10 * 7);
    assert!(f.trace[0].contains("西宁 措施14"));
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let net = i64::try_from(rng.below(1 << 50)).unwrap_or(0);
        let f = income_distribution_floor(net);
        // staff ≥ 0.7 net and main ≥ 0.7 staff, each less than one fen above.
        assert!(i128::from(f.staff_min_fen) * 10 >= i128::from(net) * 7);
        assert!(i128::from(f.staff_min_fen - 1) * 10 < i128::from(net) * 7);
        assert!(i128::from(f.main_contributors_min_fen) * 10 >= i128::from(f.staff_min_fen) * 7);
    }
}

// ---- bad scenarios --------------------------------------------------------------------------------

const GOOD: &str = r#"{
  "as_of": "2026-12-31",
  "parties": [
    {"id": "xn-ent", "kind": "enterprise", "region": "630104", "sme": true},
    {"id": "sh-uni", "kind": "university", "region": "310000"},
    {"id": "xn-broker", "kind": "broker", "region": "630103"}
  ],
  "contracts": [
    {"id": "C0", "kind": "development", "buyer": "xn-ent", "seller": "sh-uni",
     "amount": "100.00", "registered_on": "2026-01-01"},
    {"id": "C1", "kind": "transfer", "patent": true,
     "buyer": "xn-ent", "seller": "sh-uni", "intermediaries": ["xn-broker"],
     "amount": "1200000.00", "technology_amount": "1000000.00", "equity_amount": null,
     "signed_on": "2026-03-01", "registered_on": "2026-03-15", "registered_through": null,
     "payments": [{"on": "2026-04-01", "amount": "500000.00"}]}
  ],
  "programs": null,
  "budgets": null
}"#;

fn bad(from: &str, to: &str) -> ScenarioError {
    assert!(GOOD.contains(from), "{from}");
    let json = GOOD.replacen(from, to, 1);
    match parse_scenario(&json).and_then(|s| check_scenario(&s, &cat()).map(|_| s)) {
        Ok(_) => panic!("accepted: {from} → {to}"),
        Err(e) => e,
    }
}

#[test]
fn the_good_scenario_is_accepted() {
    let s = parse_scenario(GOOD).unwrap_or_else(|e| panic!("{e}"));
    assert!(check_scenario(&s, &cat()).is_ok());
    assert_eq!(s.contracts[0].technology_amount, m("100.00"));
}

#[test]
fn bad_scenarios_name_the_field() {
    let cases: Vec<(ScenarioError, &str)> = vec![
        (
            bad(
                "\"technology_amount\": \"1000000.00\"",
                "\"technology_amount\": \"1200000.01\"",
            ),
            "contracts[1].technology_amount",
        ),
        (
            bad("\"amount\": \"500000.00\"", "\"amount\": \"1200000.01\""),
            "contracts[1].payments",
        ),
        (
            bad("\"equity_amount\": null", "\"equity_amount\": \"700000.01\""),
            "contracts[1].payments",
        ),
        (
            bad(
                "\"buyer\": \"xn-ent\", \"seller\": \"sh-uni\", \"intermediaries\"",
                "\"buyer\": \"nobody\", \"seller\": \"sh-uni\", \"intermediaries\"",
            ),
            "contracts[1].buyer",
        ),
        (
            bad("[\"xn-broker\"]", "[\"xn-broker\", \"ghost\"]"),
            "contracts[1].intermediaries[1]",
        ),
        (
            bad("\"registered_on\": \"2026-03-15\"", "\"registered_on\": \"2026-02-30\""),
            "contracts[1].registered_on",
        ),
        (
            bad("\"registered_on\": \"2026-03-15\"", "\"registered_on\": \"15/03/2026\""),
            "contracts[1].registered_on",
        ),
        (
            bad("\"on\": \"2026-04-01\"", "\"on\": \"2026-4-1\""),
            "contracts[1].payments[0].on",
        ),
        (bad("\"as_of\": \"2026-12-31\"", "\"as_of\": \"2026-12-32\""), "as_of"),
        (
            bad(
                "\"programs\": null",
                "\"programs\": [\"xining-2020-6-buyer\", \"xining-2020-6-bonus\"]",
            ),
            "programs[1]",
        ),
        (
            bad(
                "\"budgets\": null",
                "\"budgets\": {\"xining-fund\": {\"2026\": \"1.00\"}}",
            ),
            "budgets.xining-fund",
        ),
        (
            bad(
                "\"budgets\": null",
                "\"budgets\": {\"xining-2020-fund\": {\"26\": \"1.00\"}}",
            ),
            "budgets.xining-2020-fund.26",
        ),
        (
            bad("\"amount\": \"1200000.00\"", "\"amount\": 1200000"),
            "contracts[1].amount",
        ),
        (
            bad("\"amount\": \"1200000.00\"", "\"amount\": \"1200000.001\""),
            "contracts[1].amount",
        ),
        (
            bad("\"amount\": \"1200000.00\"", "\"amount\": \"-5.00\""),
            "contracts[1].amount",
        ),
        (
            bad("\"registered_through\": null", "\"registred_through\": null"),
            "contracts[1].registred_through",
        ),
        (bad("\"kind\": \"broker\"", "\"kind\": \"agent\""), "parties[2].kind"),
        (
            bad("\"region\": \"630103\"", "\"region\": \"6301\""),
            "parties[2].region",
        ),
        (bad("\"kind\": \"transfer\"", "\"kind\": \"sale\""), "contracts[1].kind"),
        (bad("\"id\": \"C0\"", "\"id\": \"C1\""), "contracts[1].id"),
        (
            bad("\"registered_through\": null", "\"registered_through\": \"xn-broker\""),
            "contracts[1].registered_through",
        ),
        (
            bad("\"signed_on\": \"2026-03-01\"", "\"signed_on\": \"2026-03-16\""),
            "contracts[1].registered_on",
        ),
        (bad("\"sme\": true", "\"sme\": \"yes\""), "parties[0].sme"),
        (
            bad("\"amount\": \"500000.00\"", "\"amount\": \"0.00\""),
            "contracts[1].payments[0].amount",
        ),
    ];
    for (e, field) in cases {
        assert_eq!(e.field, field, "{e}");
        assert!(e.to_string().starts_with(&format!("{field}: ")), "{e}");
    }
    let e = bad("\"as_of\": \"2026-12-31\",", "\"as_of\": \"2026-12-31\"");
    assert!(e.to_string().contains("JSON"), "{e}");
    assert!(parse_scenario("[]").is_err());
}

#[test]
fn unknown_program_is_reported_by_evaluate_too() {
    let mut s = xining("1000000.00", 0);
    s.programs = Some(vec!["xining-2020-6-bonus".into()]);
    let ev = run(&s);
    assert_eq!(
        ev.inactive,
        [Inactive {
            program: "xining-2020-6-bonus".into(),
            reason: "unknown program".into()
        }]
    );
}

// ---- the command, in process ------------------------------------------------------------------------

#[test]
fn evaluate_command_in_process() {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = evaluate_command("-", &mut GOOD.as_bytes(), &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let v: Value = serde_json::from_slice(&out).unwrap_or(Value::Null);
    assert_eq!(v["as_of"], "2026-12-31");
    assert!(String::from_utf8_lossy(&out).contains("\n  \"awards\""), "pretty JSON");

    let bad_json = GOOD.replacen(
        "\"technology_amount\": \"1000000.00\"",
        "\"technology_amount\": \"2000000.00\"",
        1,
    );
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = evaluate_command("-", &mut bad_json.as_bytes(), &mut out, &mut err);
    assert_eq!(code, cli::EXIT_BAD_SCENARIO);
    assert!(out.is_empty());
    let msg = String::from_utf8_lossy(&err);
    assert!(msg.contains("contracts[1].technology_amount"), "{msg}");
    assert_eq!(msg.lines().count(), 1);

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = evaluate_command("/nonexistent/scenario.json", &mut std::io::empty(), &mut out, &mut err);
    assert_eq!(code, cli::EXIT_BAD_SCENARIO);
    assert!(String::from_utf8_lossy(&err).contains("/nonexistent/scenario.json"));
}

// ---- property tests ---------------------------------------------------------------------------------

/// A tiny deterministic xorshift64 generator.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let n = u64::try_from(items.len()).unwrap_or(1);
        &items[usize::try_from(self.below(n)).unwrap_or(0)]
    }

    fn date(&mut self, from_year: u64, years: u64) -> Date {
        let y = i32::try_from(from_year + self.below(years)).unwrap_or(2026);
        let mo = u8::try_from(1 + self.below(12)).unwrap_or(1);
        let da = u8::try_from(1 + self.below(28)).unwrap_or(1);
        Date::new(y, mo, da).unwrap_or_else(|| d("2026-01-01"))
    }

    fn fen(&mut self, max: i64) -> i64 {
        i64::try_from(self.below(u64::try_from(max.max(0)).unwrap_or(0) + 1)).unwrap_or(0)
    }
}

/// Regions, weighted toward the catalogue's jurisdictions.
const REGIONS: [&str; 14] = [
    "630104", "630105", "630121", "630102", "632801", "632802", "620102", "620400", "370212", "370202", "370211",
    "310000", "110108", "440300",
];

/// Party kinds, weighted toward those the programs pay.
const KINDS: [PartyKind; 17] = [
    PartyKind::Enterprise,
    PartyKind::Enterprise,
    PartyKind::Enterprise,
    PartyKind::Enterprise,
    PartyKind::Enterprise,
    PartyKind::University,
    PartyKind::University,
    PartyKind::ResearchInstitute,
    PartyKind::TransferPlatform,
    PartyKind::TransferPlatform,
    PartyKind::TransferInstitution,
    PartyKind::TransferInstitution,
    PartyKind::ContractServicePoint,
    PartyKind::Broker,
    PartyKind::Broker,
    PartyKind::Broker,
    PartyKind::Government,
];

fn random_scenario(rng: &mut XorShift) -> Scenario {
    // A few archetypes the programs pay (with random flags), then random parties.
    let mut parties: Vec<Party> = Vec::new();
    for (id, kind, region) in [
        ("xn", PartyKind::Enterprise, "630104"),
        ("hx", PartyKind::Enterprise, "632802"),
        ("qd", PartyKind::Enterprise, "370212"),
        ("lz-tti", PartyKind::TransferInstitution, "620102"),
        ("gl-pf", PartyKind::TransferPlatform, "632801"),
        ("xn-broker", PartyKind::Broker, "630103"),
        ("qd-sp", PartyKind::ContractServicePoint, "370211"),
    ] {
        if rng.chance(60) {
            parties.push(Party {
                id: id.into(),
                kind,
                region: region.into(),
                sme: rng.chance(60),
                tech_sme: rng.chance(60),
                aid_partnered: rng.chance(60),
            });
        }
    }
    for i in 0..2 + rng.below(5) {
        parties.push(Party {
            id: format!("p{i}"),
            kind: *rng.pick(&KINDS),
            region: rng.pick(&REGIONS).to_string(),
            sme: rng.chance(60),
            tech_sme: rng.chance(60),
            aid_partnered: rng.chance(60),
        });
    }
    let ids: Vec<String> = parties.iter().map(|p| p.id.clone()).collect();
    let of_kind = |k: &[PartyKind]| -> Vec<String> {
        parties
            .iter()
            .filter(|p| k.contains(&p.kind))
            .map(|p| p.id.clone())
            .collect()
    };
    let enterprises = of_kind(&[PartyKind::Enterprise]);
    let go_betweens = of_kind(&[
        PartyKind::Broker,
        PartyKind::TransferInstitution,
        PartyKind::TransferPlatform,
    ]);
    let service_points = of_kind(&[PartyKind::ContractServicePoint]);
    let n_contracts = 1 + rng.below(6) as usize;
    let mut contracts = Vec::new();
    for i in 0..n_contracts {
        let buyer = if !enterprises.is_empty() && rng.chance(70) {
            rng.pick(&enterprises).clone()
        } else {
            rng.pick(&ids).clone()
        };
        let others: Vec<String> = ids.iter().filter(|p| **p != buyer).cloned().collect();
        let seller = rng.pick(&others).clone();
        let mut intermediaries: Vec<String> = Vec::new();
        for _ in 0..rng.below(4) {
            let m = if !go_betweens.is_empty() && rng.chance(70) {
                rng.pick(&go_betweens).clone()
            } else {
                rng.pick(&others).clone()
            };
            if !intermediaries.contains(&m) && m != buyer {
                intermediaries.push(m);
            }
        }
        let scale = *rng.pick(&[100_000_000i64, 1_000_000_000, 10_000_000_000, 200_000_000_000]);
        let amount = 1 + rng.fen(scale);
        let technology = amount - rng.fen(amount / 2);
        let equity = if rng.chance(20) { rng.fen(amount / 3) } else { 0 };
        let mut room = amount - equity;
        let mut payments = Vec::new();
        for _ in 0..rng.below(5) {
            if room <= 0 {
                break;
            }
            let a = 1 + rng.fen(room / 2);
            room -= a;
            payments.push(Payment {
                on: rng.date(2020, 10),
                amount: Money::from_fen(a),
                voucher: rng.chance(50),
            });
        }
        contracts.push(Contract {
            id: format!("C{}", rng.below(100) * 10 + i as u64),
            kind: *rng.pick(&ContractKind::ALL),
            patent: rng.chance(50),
            buyer,
            seller,
            intermediaries,
            amount: Money::from_fen(amount),
            technology_amount: Money::from_fen(technology),
            equity_amount: (equity > 0).then(|| Money::from_fen(equity)),
            signed_on: None,
            registered_on: rng.chance(85).then(|| rng.date(2020, 10)),
            registered_through: if !service_points.is_empty() && rng.chance(40) {
                Some(rng.pick(&service_points).clone())
            } else {
                None
            },
            payments,
        });
    }
    let mut budgets = BTreeMap::new();
    if rng.chance(40) {
        let mut years = BTreeMap::new();
        for _ in 0..3 {
            years.insert(2020 + rng.below(10) as i32, Money::from_fen(rng.fen(20_000_000)));
        }
        budgets.insert("xining-2020-fund".to_string(), years);
    }
    Scenario {
        as_of: rng.date(2022, 10),
        parties,
        contracts,
        programs: None,
        budgets,
        index: Default::default(),
    }
}

fn check_invariants(s: &Scenario, ev: &Evaluation, c: &Catalogue) -> Result<(), String> {
    let mut per_contract: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    let mut per_year: BTreeMap<(String, String, i32), i64> = BTreeMap::new();
    let mut fund_year: BTreeMap<i32, i64> = BTreeMap::new();
    let mut broker: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for a in &ev.awards {
        if a.amount_fen <= 0 || Money::from_fen(a.amount_fen).plain() != a.amount {
            return Err(format!("bad amount {a:?}"));
        }
        let p = c.program(&a.program).ok_or("unknown program")?;
        let rule = p.rule.as_ref().ok_or("award of an inactive program")?;
        if p.kind != Some(ProgramKind::Annual) && !a.is_final {
            return Err(format!("non-annual award not final: {a:?}"));
        }
        let contract = a.contract.clone().unwrap_or_default();
        let bene_key = if rule.share == super::catalogue::ShareRule::EqualSplit {
            String::new() // the cap is for the contract in all
        } else {
            a.beneficiary.clone()
        };
        *per_contract
            .entry((a.program.clone(), contract.clone(), bene_key))
            .or_default() += a.amount_fen;
        *per_year
            .entry((a.program.clone(), a.beneficiary.clone(), a.year))
            .or_default() += a.amount_fen;
        if rule.fund.is_some() && a.status == AwardStatus::Computed {
            *fund_year.entry(a.year).or_default() += a.amount_fen;
        }
        if a.program == "xining-2020-6-broker" {
            *broker
                .entry(contract)
                .or_default()
                .entry(a.beneficiary.clone())
                .or_default() += a.amount_fen;
        }
    }
    for ((prog, contract, _), total) in &per_contract {
        let rule = c.program(prog).and_then(|p| p.rule.as_ref()).ok_or("rule")?;
        if let Some(cap) = rule.cap_per_contract {
            if *total > cap.fen() {
                return Err(format!("{prog} {contract}: {total} above the per-contract cap"));
            }
        }
    }
    for ((prog, bene, year), total) in &per_year {
        let rule = c.program(prog).and_then(|p| p.rule.as_ref()).ok_or("rule")?;
        if let Some(cap) = rule.cap_per_beneficiary_year {
            if *total > cap.fen() {
                return Err(format!("{prog} {bene} {year}: {total} above the yearly cap"));
            }
        }
    }
    if let Some(limits) = s.budgets.get("xining-2020-fund") {
        for (year, spent) in &fund_year {
            if let Some(limit) = limits.get(year) {
                if *spent > limit.fen() {
                    return Err(format!("fund {year}: {spent} above the budget {limit}"));
                }
            }
        }
    }
    // Split broker awards sum to their total: min(round_half_up(1 % of the amount), 50,000.00), shared by
    // the eligible intermediaries in listed order with at most one fen between shares, larger shares first
    // (an over-budget split may list one share as two awards: they are added up per beneficiary).
    for (contract, shares) in &broker {
        let k = s.contracts.iter().find(|k| &k.id == contract).ok_or("contract")?;
        let eligible: Vec<&str> = k
            .intermediaries
            .iter()
            .filter_map(|m| s.party(m))
            .filter(|p| {
                matches!(
                    p.kind,
                    PartyKind::Broker | PartyKind::TransferInstitution | PartyKind::TransferPlatform
                )
            })
            .map(|p| p.id.as_str())
            .collect();
        let total = ((k.amount.fen() + 50) / 100).min(5_000_000);
        let sum: i64 = shares.values().sum();
        if sum != total {
            return Err(format!("{contract}: broker shares {shares:?} do not sum to {total}"));
        }
        let in_order: Vec<i64> = eligible.iter().map(|b| shares.get(*b).copied().unwrap_or(0)).collect();
        if in_order.iter().sum::<i64>() != total {
            return Err(format!("{contract}: shares went to others than {eligible:?}"));
        }
        let max = in_order.iter().max().copied().unwrap_or(0);
        let min = in_order.iter().min().copied().unwrap_or(0);
        if max - min > 1 || in_order.windows(2).any(|w| w[0] < w[1]) {
            return Err(format!("{contract}: unequal broker shares {in_order:?}"));
        }
    }
    Ok(())
}

fn totals(ev: &Evaluation) -> BTreeMap<(String, String), i64> {
    let mut t = BTreeMap::new();
    for a in &ev.awards {
        *t.entry((a.program.clone(), a.beneficiary.clone())).or_default() += a.amount_fen;
    }
    t
}

#[test]
fn random_scenarios_keep_caps_budgets_and_splits() {
    let c = cat();
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut awarded = 0;
    let mut over = 0;
    let mut per_program: BTreeMap<String, usize> = BTreeMap::new();
    let mut cap_bites = 0;
    for i in 0..3000 {
        let s = random_scenario(&mut rng);
        if let Err(e) = s.validate() {
            panic!("generator made an invalid scenario #{i}: {e}");
        }
        let ev = evaluate(&s, &c);
        awarded += ev.awards.len();
        over += ev.awards.iter().filter(|a| a.status == AwardStatus::OverBudget).count();
        for a in &ev.awards {
            *per_program.entry(a.program.clone()).or_default() += 1;
            if a.trace.iter().any(|l| l.contains("上限生效") || l.contains("按上限计")) {
                cap_bites += 1;
            }
        }
        if let Err(e) = check_invariants(&s, &ev, &c) {
            panic!("scenario #{i}: {e}\n{s:?}");
        }
        if serde_json::to_string(&ev).is_err() {
            panic!("scenario #{i} does not serialize");
        }
    }
    // The generator must actually exercise the engine.
    println!("{awarded} awards, {over} over budget, {cap_bites} capped: {per_program:?}");
    // The generator must exercise every active formula program.
    for p in c.programs.iter().filter(|p| p.is_formula() && p.is_active()) {
        let n = per_program.get(&p.id).copied().unwrap_or(0);
        assert!(n >= 20, "{}: only {n} awards", p.id);
    }
    assert!(cap_bites > 50, "caps must bite in some scenarios ({cap_bites})");
    assert!(over > 0, "no over-budget awards");
}

#[test]
fn more_money_paid_never_lowers_a_total() {
    let c = cat();
    let mut rng = XorShift(0xdead_beef_cafe_f00d);
    let mut grew = 0;
    for i in 0..2000 {
        let mut s = random_scenario(&mut rng);
        s.budgets.clear();
        let before = totals(&evaluate(&s, &c));
        let mut more = s.clone();
        let mode = rng.below(3);
        for contract in &mut more.contracts {
            let paid: i64 = contract.payments.iter().map(|p| p.amount.fen()).sum::<i64>()
                + contract.equity_amount.map_or(0, Money::fen);
            let room = contract.amount.fen() - paid;
            match mode {
                // One more payment.
                0 if room > 0 => contract.payments.push(Payment {
                    on: rng.date(2020, 10),
                    amount: Money::from_fen(1 + rng.fen(room - 1)),
                    voucher: rng.chance(50),
                }),
                // A larger payment.
                1 if room > 0 && !contract.payments.is_empty() => {
                    let j = rng.below(contract.payments.len() as u64) as usize;
                    let extra = Money::from_fen(1 + rng.fen(room - 1));
                    contract.payments[j].amount = contract.payments[j].amount.plus(extra);
                }
                // A larger contract (and technology) amount.
                2 => {
                    let extra = Money::from_fen(1 + rng.fen(100_000_000));
                    contract.amount = contract.amount.plus(extra);
                    contract.technology_amount = contract.technology_amount.plus(extra);
                }
                _ => {}
            }
        }
        if let Err(e) = more.validate() {
            panic!("#{i}: {e}");
        }
        let after = totals(&evaluate(&more, &c));
        for (key, b) in &before {
            let a = after.get(key).copied().unwrap_or(0);
            assert!(a >= *b, "#{i}: {key:?} fell from {b} to {a}\n{s:?}\n{more:?}");
        }
        if after.values().sum::<i64>() > before.values().sum::<i64>() {
            grew += 1;
        }
    }
    println!("totals grew in {grew} of 2000 scenarios");
    assert!(grew > 100, "the test must see totals grow ({grew})");
}

#[test]
fn mangled_input_never_panics() {
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    let sources: Vec<String> = case_files()
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter_map(|t| serde_json::from_str::<Value>(&t).ok())
        .map(|v| v["scenario"].to_string())
        .collect();
    assert!(!sources.is_empty());
    let c = cat();
    let alphabet = b"0123456789-.\"{}[],:nulltrue ";
    let mut accepted = 0;
    for _ in 0..1500 {
        let mut bytes = rng.pick(&sources).clone().into_bytes();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(bytes.len() as u64) as usize;
            if bytes[i].is_ascii() {
                bytes[i] = *rng.pick(alphabet);
            }
        }
        let Ok(text) = String::from_utf8(bytes) else { continue };
        if let Ok(s) = parse_scenario(&text) {
            if check_scenario(&s, &c).is_ok() {
                let ev = evaluate(&s, &c);
                assert!(check_invariants(&s, &ev, &c).is_ok());
                accepted += 1;
            }
        }
    }
    assert!(accepted > 0);
}

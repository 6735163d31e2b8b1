//! The demo market's data: the files of `server/data/demo/`, embedded at compile time, parsed and
//! checked once. A malformed file is a programming error: [`data`] panics naming the file and
//! what is wrong with it, and the unit tests parse and check every file.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

/// The embedded files, by name below `server/data/demo/`.
const FILES: Files = Files {
    fields: include_str!("../data/demo/fields.toml"),
    organizations: include_str!("../data/demo/organizations.toml"),
    people: include_str!("../data/demo/people.toml"),
    money: include_str!("../data/demo/money.toml"),
    titles: include_str!("../data/demo/titles.toml"),
    english: include_str!("../data/demo/english.toml"),
};

use crate::vocabulary::OrgKind;
/// The organization kinds a demo organization may have: those that sign up themselves.
const KINDS: &[OrgKind] = OrgKind::SELF_SIGNUP;

/// The texts of the data files.
#[derive(Clone, Copy)]
pub struct Files {
    pub fields: &'static str,
    pub organizations: &'static str,
    pub people: &'static str,
    pub money: &'static str,
    pub titles: &'static str,
    pub english: &'static str,
}

/// Everything the generator draws from.
pub struct Data {
    /// Top-level fields in file order.
    pub fields: Vec<TopField>,
    /// Every sub-field in file order (each top-level field's after one another).
    pub subs: Vec<Sub>,
    pub orgs: Vec<OrgSpec>,
    pub people: People,
    /// Budgets, prices and bounties of tiers 1, 2 and 3.
    pub tiers: Vec<Tier>,
    pub titles: Titles,
    pub english: English,
}

/// A top-level field of `fields.toml`.
pub struct TopField {
    pub code: String,
    /// Chinese name used as a keyword.
    pub name: String,
    /// How much of the market the field gets when an organization works in several.
    pub weight: u32,
    /// Its IP may include design patents.
    pub hardware: bool,
}

/// A sub-field and the vocabulary its listings are written from. Every object combines with every
/// qualifier and process into a plausible title: object + qualifier + process.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sub {
    pub code: String,
    pub name: String,
    /// Budget and price scale: 1 small, 2 medium, 3 large.
    pub tier: u8,
    /// Work in fields and herds, described so.
    #[serde(default)]
    pub field_work: bool,
    pub objs: Vec<String>,
    pub quals: Vec<String>,
    pub procs: Vec<String>,
    pub metrics: Vec<Metric>,
    /// Application scenarios (noun phrases).
    pub uses: Vec<String>,
    /// Problem statements (whole sentences).
    pub pains: Vec<String>,
    /// Technical approaches (clauses starting with a verb).
    pub principles: Vec<String>,
}

/// An indicator template with one `{}` and the integer range of its value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub text: String,
    pub min: u32,
    pub max: u32,
}

/// An organization of `organizations.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSpec {
    pub kind: crate::vocabulary::OrgKind,
    pub name: String,
    pub region: String,
    pub email: String,
    #[serde(default)]
    pub sme: bool,
    #[serde(default)]
    pub tech_sme: bool,
    #[serde(default)]
    pub high_tech: bool,
    /// Top-level field codes the organization works in.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// `people.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct People {
    pub surnames: Vec<String>,
    pub given_names: Vec<String>,
    pub tibetan_names: Vec<String>,
    pub brokers: Vec<BrokerSpec>,
    pub phone: Phone,
}

/// An individual broker: its region and the certificate prefix of the issuing province.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSpec {
    pub region: String,
    pub certificate_prefix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    pub default: Area,
    pub areas: Vec<PrefixArea>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub area_code: String,
    pub digits: usize,
}

/// The telephone area of the region codes beginning with `prefix`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefixArea {
    pub prefix: String,
    pub area_code: String,
    pub digits: usize,
}

/// Money of one tier of `money.toml`, in 万元.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub budgets: Vec<(i64, i64)>,
    /// Ascending.
    pub prices: Vec<i64>,
    pub bounties: Vec<i64>,
}

/// `titles.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Titles {
    pub activity_endings: Vec<String>,
    pub software_endings: Vec<String>,
    pub not_software: Vec<String>,
    pub demand_titles: DemandTitles,
}

/// Title patterns of needs, `{}` standing for the core.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandTitles {
    pub method: Vec<String>,
    pub activity: Vec<String>,
    pub product: Vec<String>,
}

/// `english.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct English {
    pub achievement: Vec<EnAchievement>,
    pub demand: Vec<EnDemand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnAchievement {
    /// The `email` of the owning organization.
    pub org: String,
    pub title: String,
    pub summary: String,
    pub field: String,
    pub keywords: Vec<String>,
    pub trl: u8,
    pub modes: Vec<String>,
    pub price_fen: Option<i64>,
    pub published_days_ago: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnDemand {
    /// The `email` of the posting enterprise.
    pub org: String,
    pub title: String,
    pub summary: String,
    pub field: String,
    pub keywords: Vec<String>,
    pub modes: Vec<String>,
    pub budget_fen: Option<i64>,
    pub published_days_ago: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldsFile {
    field: Vec<RawField>,
}

/// A `[[field]]` of `fields.toml` with its `[[field.sub]]`s.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    code: String,
    name: String,
    weight: u32,
    #[serde(default)]
    hardware: bool,
    #[serde(default)]
    sub: Vec<Sub>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganizationsFile {
    organization: Vec<OrgSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyFile {
    tier: Vec<Tier>,
}

impl Data {
    /// The top-level field with this code.
    pub fn top(&self, code: &str) -> Option<&TopField> {
        self.fields.iter().find(|f| f.code == code)
    }
}

/// The data, parsed and checked on first use.
pub fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| parse(FILES).unwrap_or_else(|e| panic!("the demo market's data: {e}")))
}

/// Names the file an error is in.
fn in_file(name: &'static str) -> impl Fn(String) -> String {
    move |e| format!("server/data/demo/{name}: {e}")
}

fn read<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("server/data/demo/{name}: {e}"))
}

/// Parses and checks the data files.
pub fn parse(files: Files) -> Result<Data, String> {
    let raw: FieldsFile = read("fields.toml", files.fields)?;
    let mut fields = Vec::new();
    let mut subs = Vec::new();
    for f in raw.field {
        if f.sub.is_empty() {
            return Err(format!("server/data/demo/fields.toml: `{}` has no sub-fields", f.code));
        }
        fields.push(TopField {
            code: f.code,
            name: f.name,
            weight: f.weight,
            hardware: f.hardware,
        });
        subs.extend(f.sub);
    }
    let orgs: OrganizationsFile = read("organizations.toml", files.organizations)?;
    let money: MoneyFile = read("money.toml", files.money)?;
    let data = Data {
        fields,
        subs,
        orgs: orgs.organization,
        people: read("people.toml", files.people)?,
        tiers: money.tier,
        titles: read("titles.toml", files.titles)?,
        english: read("english.toml", files.english)?,
    };
    check_fields(&data).map_err(in_file("fields.toml"))?;
    check_orgs(&data).map_err(in_file("organizations.toml"))?;
    check_people(&data.people).map_err(in_file("people.toml"))?;
    check_money(&data.tiers).map_err(in_file("money.toml"))?;
    check_titles(&data.titles).map_err(in_file("titles.toml"))?;
    check_english(&data).map_err(in_file("english.toml"))?;
    Ok(data)
}

fn check_fields(data: &Data) -> Result<(), String> {
    let mut codes = HashSet::new();
    for f in &data.fields {
        match crate::fields::lookup(&f.code) {
            Some(known) if known.is_top_level() => {}
            _ => {
                return Err(format!(
                    "`{}` is not a top-level field of server/data/fields.toml",
                    f.code
                ))
            }
        }
        if !codes.insert(f.code.as_str()) {
            return Err(format!("`{}` appears twice", f.code));
        }
        if f.name.trim().is_empty() || f.weight == 0 {
            return Err(format!("`{}` needs a name and a positive weight", f.code));
        }
    }
    for s in &data.subs {
        let code = s.code.as_str();
        let top = crate::fields::family(code);
        if crate::fields::lookup(code).and_then(|f| f.parent) != Some(top) || !codes.contains(top) {
            return Err(format!(
                "`{code}` is not a sub-field of server/data/fields.toml under a [[field]] of this file"
            ));
        }
        if !codes.insert(code) {
            return Err(format!("`{code}` appears twice"));
        }
        if !(1..=3).contains(&s.tier) {
            return Err(format!("`{code}`: the tier is 1, 2 or 3"));
        }
        if s.name.trim().is_empty() || s.objs.is_empty() || s.quals.is_empty() || s.procs.is_empty() {
            return Err(format!(
                "`{code}` needs a name and at least one of objs, quals and procs"
            ));
        }
        if s.metrics.len() < 3 || s.uses.is_empty() || s.pains.len() < 2 || s.principles.len() < 2 {
            return Err(format!(
                "`{code}` needs at least 3 metrics, 1 use, 2 pains and 2 principles"
            ));
        }
        for m in &s.metrics {
            if m.text.matches("{}").count() != 1 || m.min > m.max {
                return Err(format!("`{code}`: metric `{}` needs one {{}} and min <= max", m.text));
            }
        }
        let texts = [&s.objs, &s.procs, &s.uses, &s.pains, &s.principles];
        if let Some(t) = texts.iter().copied().flatten().find(|t| t.trim().is_empty()) {
            return Err(format!("`{code}`: an empty text `{t}`"));
        }
        if let Some(t) = s
            .uses
            .iter()
            .chain(&s.pains)
            .chain(&s.principles)
            .find(|t| t.contains("中试"))
        {
            return Err(format!(
                "`{code}`: `{t}` says 中试, which only the readiness sentence of TRL 5-6 may"
            ));
        }
    }
    Ok(())
}

fn check_orgs(data: &Data) -> Result<(), String> {
    let mut names = HashSet::new();
    let mut emails = HashSet::new();
    for o in &data.orgs {
        let name = &o.name;
        if !KINDS.contains(&o.kind) {
            return Err(format!("`{name}`: unknown kind `{}`", o.kind));
        }
        if name.trim().is_empty() || !names.insert(name.as_str()) {
            return Err(format!("`{name}`: a name must be given and unique"));
        }
        check_region(&o.region).map_err(|e| format!("`{name}`: {e}"))?;
        if !is_local_part(&o.email) || !emails.insert(o.email.as_str()) {
            return Err(format!(
                "`{name}`: email `{}` must be unique, of lowercase letters and digits",
                o.email
            ));
        }
        if let Some(f) = o.fields.iter().find(|f| data.top(f).is_none()) {
            return Err(format!("`{name}`: `{f}` is not a [[field]] of fields.toml"));
        }
    }
    if !data
        .orgs
        .iter()
        .any(|o| o.kind == OrgKind::Enterprise && !o.fields.is_empty())
    {
        return Err("no enterprise with fields posts the needs".to_string());
    }
    Ok(())
}

fn check_region(code: &str) -> Result<(), String> {
    match crate::regions::lookup(code) {
        Some(_) => Ok(()),
        None => Err(format!("region `{code}` is not in server/data/regions.tsv")),
    }
}

fn is_local_part(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn check_people(p: &People) -> Result<(), String> {
    let lists = [&p.surnames, &p.given_names, &p.tibetan_names];
    if lists
        .iter()
        .any(|l| l.is_empty() || l.iter().any(|n| n.trim().is_empty()))
    {
        return Err("surnames, given_names and tibetan_names need names, none empty".to_string());
    }
    for b in &p.brokers {
        check_region(&b.region)?;
        let prefix = &b.certificate_prefix;
        if prefix.len() != 2 || !prefix.bytes().all(|c| c.is_ascii_uppercase()) {
            return Err(format!("certificate prefix `{prefix}` is two capital letters"));
        }
    }
    let areas = p
        .phone
        .areas
        .iter()
        .map(|a| ("an area", a.area_code.as_str(), a.digits));
    for (what, code, digits) in areas.chain([(
        "the default",
        p.phone.default.area_code.as_str(),
        p.phone.default.digits,
    )]) {
        if code.len() < 3 || !code.bytes().all(|c| c.is_ascii_digit()) || !(7..=8).contains(&digits) {
            return Err(format!(
                "{what}: area code `{code}` needs 3 or more digits and a local number 7 or 8"
            ));
        }
    }
    if let Some(a) = p
        .phone
        .areas
        .iter()
        .find(|a| a.prefix.is_empty() || !a.prefix.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(format!("phone area prefix `{}` is digits", a.prefix));
    }
    Ok(())
}

fn check_money(tiers: &[Tier]) -> Result<(), String> {
    if tiers.len() != 3 {
        return Err(format!("{} tiers; there are three: small, medium, large", tiers.len()));
    }
    for (i, t) in tiers.iter().enumerate() {
        let n = i + 1;
        if t.budgets.is_empty() || t.budgets.iter().any(|&(lo, hi)| lo <= 0 || lo > hi) {
            return Err(format!(
                "tier {n}: budgets are [lowest, highest] with 0 < lowest <= highest"
            ));
        }
        if t.prices.is_empty() || t.prices[0] <= 0 || t.prices.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("tier {n}: prices are positive and ascending"));
        }
        if t.bounties.is_empty() || t.bounties.iter().any(|&b| b <= 0) {
            return Err(format!("tier {n}: bounties are positive"));
        }
    }
    Ok(())
}

fn check_titles(t: &Titles) -> Result<(), String> {
    let endings = [&t.activity_endings, &t.software_endings, &t.not_software];
    if endings.iter().any(|l| l.is_empty() || l.iter().any(|e| e.is_empty())) {
        return Err("activity_endings, software_endings and not_software need words".to_string());
    }
    let d = &t.demand_titles;
    for patterns in [&d.method, &d.activity, &d.product] {
        if patterns.is_empty() || patterns.iter().any(|p| p.matches("{}").count() != 1) {
            return Err("each demand title pattern has one {} for the core".to_string());
        }
    }
    Ok(())
}

fn check_english(data: &Data) -> Result<(), String> {
    let org = |email: &str| data.orgs.iter().find(|o| o.email == email);
    let is_sub = |code: &str| data.subs.iter().any(|s| s.code == code);
    let check = |title: &str, email: &str, field: &str, keywords: &[String], modes: &[String], known: &[&str]| {
        if !title.is_ascii() || title.trim().is_empty() {
            return Err(format!("`{title}`: an English title"));
        }
        if org(email).is_none() {
            return Err(format!("`{title}`: no organization `{email}`"));
        }
        if !is_sub(field) {
            return Err(format!("`{title}`: `{field}` is not a sub-field of fields.toml"));
        }
        if keywords.is_empty() || modes.is_empty() || modes.iter().any(|m| !known.contains(&m.as_str())) {
            return Err(format!("`{title}`: keywords and known modes, at least one each"));
        }
        Ok(())
    };
    for a in &data.english.achievement {
        let known = crate::vocabulary::TRANSFER_MODES;
        check(&a.title, &a.org, &a.field, &a.keywords, &a.modes, known)?;
        if !(1..=9).contains(&a.trl) || a.price_fen.is_some_and(|p| p <= 0) {
            return Err(format!("`{}`: trl 1-9 and a positive price", a.title));
        }
    }
    for d in &data.english.demand {
        let known = crate::vocabulary::COOP_MODES;
        check(&d.title, &d.org, &d.field, &d.keywords, &d.modes, known)?;
        if org(&d.org).is_some_and(|o| o.kind != OrgKind::Enterprise) || d.budget_fen.is_some_and(|b| b <= 0) {
            return Err(format!("`{}`: an enterprise's need with a positive budget", d.title));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_file_parses_and_holds() {
        let d = parse(FILES).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.fields.len(), 21);
        assert_eq!(d.subs.len(), 57);
        assert_eq!(d.orgs.len(), 66);
        assert_eq!(d.people.brokers.len(), 12);
        assert_eq!((d.english.achievement.len(), d.english.demand.len()), (5, 3));
        // Every code is a field of the site's taxonomy, every region a division of the region table.
        for s in &d.subs {
            let f = crate::fields::lookup(&s.code).expect("a known sub-field");
            assert!(f.parent.is_some_and(|top| d.top(top).is_some()), "{}", s.code);
        }
        for region in d
            .orgs
            .iter()
            .map(|o| &o.region)
            .chain(d.people.brokers.iter().map(|b| &b.region))
        {
            assert!(crate::regions::lookup(region).is_some(), "{region}");
        }
        // Every top-level field an organization works in has sub-fields to draw from.
        for f in d.orgs.iter().flat_map(|o| &o.fields) {
            assert!(d.subs.iter().any(|s| crate::fields::family(&s.code) == f), "{f}");
        }
    }

    /// The embedded files with `from` replaced by `to` in the one named.
    fn broken(name: &str, from: &str, to: &str) -> Result<Data, String> {
        let mut files = FILES;
        let text = match name {
            "fields" => &mut files.fields,
            "organizations" => &mut files.organizations,
            "people" => &mut files.people,
            "money" => &mut files.money,
            "titles" => &mut files.titles,
            _ => &mut files.english,
        };
        assert!(text.contains(from), "{from}");
        *text = Box::leak(text.replacen(from, to, 1).into_boxed_str());
        parse(files)
    }

    #[test]
    fn broken_files_are_named_and_explained() {
        let cases = [
            (
                "fields",
                "code = \"salt_lake.potash\"",
                "code = \"salt_lake.potassium\"",
                "fields.toml",
            ),
            ("fields", "code = \"salt_lake\"", "code = \"salty\"", "fields.toml"),
            ("fields", "tier = 3", "tier = 4", "tier"),
            (
                "fields",
                "{ text = \"氯化钾回收率不低于{}%\"",
                "{ text = \"氯化钾回收率\"",
                "metric",
            ),
            ("fields", "weight = 6", "weigth = 6", "fields.toml"),
            ("organizations", "region = \"630102\"", "region = \"639999\"", "639999"),
            (
                "organizations",
                "kind = \"enterprise\"",
                "kind = \"company\"",
                "company",
            ),
            ("organizations", "email = \"qhxyzy\"", "email = \"qhdcld\"", "qhdcld"),
            (
                "organizations",
                "fields = [\"lithium\"",
                "fields = [\"alchemy\"",
                "alchemy",
            ),
            (
                "people",
                "certificate_prefix = \"QH\"",
                "certificate_prefix = \"Q\"",
                "people.toml",
            ),
            ("people", "{ region = \"630104\"", "{ region = \"630000x\"", "630000x"),
            ("money", "prices = [10, 15,", "prices = [15, 10,", "ascending"),
            (
                "money",
                "[[tier]]\nbudgets = [\n    [10, 30]",
                "[[tier]]\nbudgets = [\n    [30, 10]",
                "budgets",
            ),
            ("titles", "\"{}攻关\"", "\"攻关\"", "titles.toml"),
            ("english", "org = \"ouc\"", "org = \"nobody\"", "nobody"),
            (
                "english",
                "field = \"marine.engineering\"",
                "field = \"marine\"",
                "english.toml",
            ),
            ("english", "trl = 7", "trl = 10", "trl"),
            (
                "english",
                "modes = [\"licence\", \"transfer\"]",
                "modes = [\"licence\", \"service\"]",
                "modes",
            ),
        ];
        for (file, from, to, said) in cases {
            match broken(file, from, to) {
                Ok(_) => panic!("{file}: `{to}` accepted"),
                Err(e) => assert!(
                    e.contains(said) && e.contains("server/data/demo/"),
                    "{file} `{to}`: {e}"
                ),
            }
        }
    }
}

//! Achievements (科技成果) listed by universities and institutes: readiness level, IP items, transfer
//! modes, pricing method with asking price or 面议, and the public price notice (公示).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::rules::{check_common, check_modes, date_field, money_field, sort_amount, Filters, Text};
use super::store::{
    basics_columns, cut_page, insert_listing, keyset_newest, keyset_up, save, shelf, shelved_columns, update_listing,
    Basics, Card, Content, Placing, Shelved, PAGE,
};
use super::views::{pages, AchievementDetailPage, AchievementFormPage, AchievementsPage};
use super::{join_modes, split_list, Kind, ListingKind, PRICING_METHODS, TRANSFER_MODES};
use crate::auth::{Role, SessionUser};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::forms::FormData;
use crate::i18n::{Arg, Msg, Problems};
use crate::patents::{self, IpKind, IpStatus};
use crate::schema::{achievements, ip_items, organizations};
use crate::{money, readiness};

pub const IP_ROWS: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct IpInput {
    pub kind: String,
    pub number: String,
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct AchievementInput {
    pub text: Text,
    pub trl: String,
    pub transfer_modes: Vec<String>,
    pub pricing_method: String,
    pub price: String,
    pub negotiable: bool,
    pub notice_from: String,
    pub notice_to: String,
    pub ip: Vec<IpInput>,
}

impl AchievementInput {
    pub fn from_form(f: &FormData) -> Self {
        let kinds = f.all("ip_kind");
        let numbers = f.all("ip_number");
        let statuses = f.all("ip_status");
        let ip = (0..kinds.len().max(numbers.len()))
            .map(|i| IpInput {
                kind: kinds.get(i).cloned().unwrap_or_default(),
                number: numbers.get(i).cloned().unwrap_or_default(),
                status: statuses.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        AchievementInput {
            text: Text::from_form(f),
            trl: f.get("trl"),
            transfer_modes: f.all("transfer_modes"),
            pricing_method: f.get("pricing_method"),
            price: f.get("price"),
            negotiable: f.checked("negotiable"),
            notice_from: f.get("notice_from"),
            notice_to: f.get("notice_to"),
            ip,
        }
    }
    pub fn has_mode(&self, m: &&str) -> bool {
        self.transfer_modes.iter().any(|x| x == *m)
    }
    /// The IP rows of the form: what was entered, then blank rows up to `IP_ROWS`.
    pub fn ip_rows(&self) -> Vec<(usize, IpInput)> {
        let mut rows: Vec<IpInput> = self.ip.iter().filter(|r| !r.number.is_empty()).cloned().collect();
        while rows.len() < IP_ROWS {
            rows.push(IpInput::default());
        }
        rows.into_iter().enumerate().collect()
    }
}

#[derive(Debug, Clone)]
pub struct ValidIp {
    pub kind: String,
    pub number: String,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct ValidAchievement {
    pub text: Text,
    pub trl: i32,
    pub transfer_modes: Vec<String>,
    pub pricing_method: String,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    pub notice: Option<(NaiveDate, NaiveDate)>,
    pub ip: Vec<ValidIp>,
}

/// Checks one IP item; the message names the problem. Patent kinds need a valid Chinese application
/// number (with its check digit), a software copyright its registration number.
pub fn check_ip(row: &IpInput) -> Result<ValidIp, Msg> {
    let Some(kind) = IpKind::parse(&row.kind) else {
        return Err(Msg::t("err.ip_kind"));
    };
    let Some(status) = IpStatus::parse(&row.status) else {
        return Err(Msg::t("err.ip_status"));
    };
    let both = |zh: String, en: String| Msg::Both { zh, en };
    let number = match kind {
        IpKind::InventionPatent | IpKind::UtilityModel | IpKind::Design => {
            match patents::validate_application_number(&row.number) {
                Ok(p) => p.normalized,
                Err(e) => return Err(both(e.message_zh(), e.message_en())),
            }
        }
        IpKind::SoftwareCopyright => match patents::validate_software_copyright(&row.number) {
            Ok(n) => n,
            Err(e) => return Err(both(e.message_zh(), e.message_en())),
        },
        _ => {
            let n = row.number.trim();
            if n.chars().count() > 60 {
                return Err(Msg::tf(
                    "err.too_long",
                    [Arg::FieldName("ip_number".into()), Arg::from("60")],
                ));
            }
            n.to_string()
        }
    };
    Ok(ValidIp {
        kind: kind.code().to_string(),
        number,
        status: status.code().to_string(),
    })
}

/// Checks an achievement as typed (the form's, or a row of an import).
pub fn validate(i: &AchievementInput) -> Result<ValidAchievement, Problems> {
    let mut e = Problems::new();
    let text = check_common(&mut e, &i.text);
    let trl = readiness::parse(&i.trl);
    if trl.is_none() {
        e.add("trl", Msg::t("err.choose_trl"));
    }
    let modes = check_modes(&mut e, "transfer_modes", &i.transfer_modes, TRANSFER_MODES);
    if !PRICING_METHODS.contains(&i.pricing_method.as_str()) {
        e.add("pricing_method", Msg::t("err.choose_pricing"));
    }
    let mut price = None;
    if i.negotiable {
        if matches!(i.pricing_method.as_str(), "listing" | "auction") {
            e.add("price", Msg::t("err.price_needed_for_method"));
        }
    } else {
        price = money_field(&mut e, "price", &i.price);
        if i.price.is_empty() && !e.has("price") {
            e.add("price", Msg::t("err.price_or_negotiable"));
        }
    }
    let notice = check_notice(&mut e, i);
    let mut ip = Vec::new();
    for (n, row) in i.ip.iter().enumerate() {
        if row.number.trim().is_empty() {
            continue;
        }
        match check_ip(row) {
            Ok(v) => ip.push(v),
            Err(msg) => e.add(&format!("ip_{n}"), msg),
        }
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(ValidAchievement {
        text,
        trl: trl.map(i32::from).unwrap_or(1),
        transfer_modes: modes,
        pricing_method: i.pricing_method.clone(),
        price_fen: price,
        negotiable: i.negotiable,
        notice,
        ip,
    })
}

/// The public notice window: none, or both dates in order.
fn check_notice(e: &mut Problems, i: &AchievementInput) -> Option<(NaiveDate, NaiveDate)> {
    if i.notice_from.is_empty() && i.notice_to.is_empty() {
        return None;
    }
    let from = date_field(e, "notice_from", &i.notice_from, None);
    let to = date_field(e, "notice_to", &i.notice_to, None);
    match (from, to) {
        (Some(f), Some(t)) if t < f => {
            e.add("notice_to", Msg::t("err.date_order"));
            None
        }
        (Some(f), Some(t)) => Some((f, t)),
        _ => None,
    }
}

/// What an owner writes; the same for a new achievement and an edit: the text every listing has
/// and the columns of an achievement's own.
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = achievements, treat_none_as_null = true)]
pub struct AchievementContent {
    #[diesel(skip_insertion, skip_update)]
    pub text: Text,
    pub trl: i32,
    pub transfer_modes: String,
    pub pricing_method: String,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    /// price_fen, or the largest BIGINT for 面议, so that sorting by price pages by keyset.
    pub price_sort: i64,
    pub notice_from: Option<String>,
    pub notice_to: Option<String>,
    /// The IP items, as (kind, number, status).
    #[diesel(skip_insertion, skip_update)]
    pub ip: Vec<(String, String, String)>,
}

impl AchievementContent {
    pub fn new(
        text: Text,
        trl: i32,
        transfer_modes: &[String],
        pricing_method: &str,
        price: (Option<i64>, bool),
        notice: Option<(String, String)>,
    ) -> Self {
        let (price_fen, negotiable) = price;
        AchievementContent {
            text,
            trl,
            transfer_modes: join_modes(transfer_modes),
            pricing_method: pricing_method.to_string(),
            price_fen,
            negotiable,
            price_sort: sort_amount(negotiable, price_fen),
            notice_from: notice.as_ref().map(|n| n.0.clone()),
            notice_to: notice.map(|n| n.1),
            ip: Vec::new(),
        }
    }
    /// The same with its IP items, as (kind, number, status).
    pub fn with_ip(self, ip: Vec<(String, String, String)>) -> Self {
        AchievementContent { ip, ..self }
    }
}

impl ValidAchievement {
    pub fn content(&self) -> AchievementContent {
        AchievementContent::new(
            self.text.clone(),
            self.trl,
            &self.transfer_modes,
            &self.pricing_method,
            (self.price_fen, self.negotiable),
            self.notice.map(|(f, t)| (f.to_string(), t.to_string())),
        )
        .with_ip(
            self.ip
                .iter()
                .map(|i| (i.kind.clone(), i.number.clone(), i.status.clone()))
                .collect(),
        )
    }
}

impl Content for AchievementContent {
    const KIND: Kind = Kind::Achievement;
    fn insert_row(&self, conn: &mut DbConn, p: &Placing) -> diesel::QueryResult<i64> {
        let id = insert_listing!(achievements, conn, p, self)?;
        insert_ip(conn, id, &self.ip)?;
        Ok(id)
    }
    fn update_row(&self, conn: &mut DbConn, id: i64) -> diesel::QueryResult<()> {
        update_listing!(achievements, conn, id, self)?;
        diesel::delete(ip_items::table.filter(ip_items::achievement_id.eq(id))).execute(conn)?;
        insert_ip(conn, id, &self.ip)
    }
}

fn insert_ip(conn: &mut DbConn, id: i64, ip: &[(String, String, String)]) -> diesel::QueryResult<()> {
    for (kind, number, status) in ip {
        diesel::insert_into(ip_items::table)
            .values((
                ip_items::achievement_id.eq(id),
                ip_items::kind.eq(kind),
                ip_items::number.eq(number),
                ip_items::status.eq(status),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// An achievement as its page shows it, with its IP items as (kind, number, status).
#[derive(Debug, Clone)]
pub struct Achievement {
    pub basics: Basics,
    pub trl: i32,
    pub transfer_modes: String,
    pub pricing_method: String,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    pub notice_from: Option<String>,
    pub notice_to: Option<String>,
    pub ip: Vec<(String, String, String)>,
}

type AchievementRow = (
    Basics,
    i32,
    String,
    String,
    Option<i64>,
    bool,
    Option<String>,
    Option<String>,
);

// ---------------------------------------------------------------- the shelf of achievements

/// An achievement of the browse page.
#[derive(Queryable, Debug, Clone)]
pub struct AchievementCard {
    pub head: Shelved,
    pub trl: i32,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    pub pricing_method: String,
    pub transfer_modes: String,
    pub price_sort: i64,
}

impl Card for AchievementCard {
    fn head(&self) -> &Shelved {
        &self.head
    }
    fn sort_value(&self, sort: &str) -> Option<String> {
        (sort == "price").then(|| self.price_sort.to_string())
    }
}

impl ListingKind for Achievement {
    const KIND: Kind = Kind::Achievement;
    const ONLY_FOR: &'static str = "err.institutions_only";
    type Input = AchievementInput;
    type Valid = ValidAchievement;
    type Extra = ();
    type Card = AchievementCard;

    fn may_create(u: &SessionUser) -> bool {
        u.role == Role::Institution
    }
    fn blank(_officer: bool) -> AchievementInput {
        AchievementInput::default()
    }
    fn input(f: &FormData) -> AchievementInput {
        AchievementInput::from_form(f)
    }
    fn input_of(&self) -> AchievementInput {
        let a = self;
        AchievementInput {
            text: a.basics.text.editable(),
            trl: a.trl.to_string(),
            transfer_modes: split_list(&a.transfer_modes),
            pricing_method: a.pricing_method.clone(),
            price: a.price_fen.map(money::format_plain).unwrap_or_default(),
            negotiable: a.negotiable,
            notice_from: a.notice_from.clone().unwrap_or_default(),
            notice_to: a.notice_to.clone().unwrap_or_default(),
            ip: a
                .ip
                .iter()
                .map(|(kind, number, status)| IpInput {
                    kind: kind.clone(),
                    number: number.clone(),
                    status: status.clone(),
                })
                .collect(),
        }
    }
    fn validate(i: &AchievementInput, _officer: bool, _today: NaiveDate) -> Result<ValidAchievement, Problems> {
        validate(i)
    }
    fn save(conn: &mut DbConn, user: &SessionUser, existing: Option<i64>, v: &ValidAchievement) -> AppResult<i64> {
        save(conn, user, existing, &v.content())
    }
    fn load(conn: &mut DbConn, id: i64) -> AppResult<Achievement> {
        let (basics, trl, transfer_modes, pricing_method, price_fen, negotiable, notice_from, notice_to): AchievementRow =
            achievements::table
                .inner_join(organizations::table)
                .filter(achievements::id.eq(id))
                .select((
                    basics_columns!(achievements),
                    achievements::trl,
                    achievements::transfer_modes,
                    achievements::pricing_method,
                    achievements::price_fen,
                    achievements::negotiable,
                    achievements::notice_from,
                    achievements::notice_to,
                ))
                .first(conn)?;
        let ip = ip_items::table
            .filter(ip_items::achievement_id.eq(id))
            .order(ip_items::id)
            .select((ip_items::kind, ip_items::number, ip_items::status))
            .load(conn)?;
        Ok(Achievement {
            basics,
            trl,
            transfer_modes,
            pricing_method,
            price_fen,
            negotiable,
            notice_from,
            notice_to,
            ip,
        })
    }
    fn basics(&self) -> &Basics {
        &self.basics
    }
    fn extra(_conn: &mut DbConn, _id: i64, _user: Option<&SessionUser>) -> AppResult<()> {
        Ok(())
    }
    /// One page of published achievements and the cursor of the next page, if any.
    fn browse(conn: &mut DbConn, f: &Filters) -> AppResult<(Vec<AchievementCard>, Option<String>)> {
        let mut q = shelf!(achievements, transfer_modes, TRANSFER_MODES, f);
        if PRICING_METHODS.contains(&f.method.as_str()) {
            q = q.filter(achievements::pricing_method.eq(f.method.clone()));
        }
        if let Some(min) = Filters::money(&f.min) {
            q = q
                .filter(achievements::negotiable.eq(false))
                .filter(achievements::price_sort.ge(min));
        }
        if let Some(max) = Filters::money(&f.max) {
            q = q
                .filter(achievements::negotiable.eq(false))
                .filter(achievements::price_sort.le(max));
        }
        if let Some(t) = Filters::trl(&f.trl_min) {
            q = q.filter(achievements::trl.ge(t));
        }
        if let Some(t) = Filters::trl(&f.trl_max) {
            q = q.filter(achievements::trl.le(t));
        }
        let cursor = f.cursor();
        q = match f.sort.as_str() {
            "price" => keyset_up!(q, achievements, price_sort, cursor, |v: &String| v
                .parse::<i64>()
                .unwrap_or(i64::MIN)),
            _ => keyset_newest!(q, achievements, cursor),
        };
        let cards: Vec<AchievementCard> = q
            .select((
                shelved_columns!(achievements),
                achievements::trl,
                achievements::price_fen,
                achievements::negotiable,
                achievements::pricing_method,
                achievements::transfer_modes,
                achievements::price_sort,
            ))
            .limit(PAGE + 1)
            .load(conn)?;
        Ok(cut_page(cards, &f.sort))
    }
    pages!(AchievementFormPage, AchievementDetailPage, AchievementsPage);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> AchievementInput {
        AchievementInput {
            text: Text::new(
                "铝系锂吸附剂",
                "适用于低品位盐湖卤水提锂，回收率高。",
                "",
                "李老师 0971-7654321",
                crate::fields::top_level()[0].code,
                "",
            ),
            trl: "6".into(),
            transfer_modes: vec!["transfer".into()],
            pricing_method: "agreement".into(),
            price: "150万".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_achievement_passes() {
        let v = validate(&good()).expect("valid");
        assert_eq!((v.trl, v.price_fen, v.notice), (6, Some(150_000_000), None));
        assert_eq!(v.content().price_sort, 150_000_000);
    }

    #[test]
    fn price_notice_and_readiness_are_checked() {
        let i = AchievementInput {
            trl: "10".into(),
            price: String::new(),
            notice_from: "2026-03-01".into(),
            notice_to: "2026-02-01".into(),
            pricing_method: "barter".into(),
            ..good()
        };
        let p = validate(&i).unwrap_err();
        assert_eq!(p.get("trl"), Some(&Msg::t("err.choose_trl")));
        assert_eq!(p.get("price"), Some(&Msg::t("err.price_or_negotiable")));
        assert_eq!(p.get("notice_to"), Some(&Msg::t("err.date_order")));
        assert_eq!(p.get("pricing_method"), Some(&Msg::t("err.choose_pricing")));
        let auction = AchievementInput {
            negotiable: true,
            pricing_method: "auction".into(),
            ..good()
        };
        let p = validate(&auction).unwrap_err();
        assert_eq!(p.get("price"), Some(&Msg::t("err.price_needed_for_method")));
    }

    #[test]
    fn ip_rows_are_checked_one_by_one() {
        let row = |kind: &str, number: &str| IpInput {
            kind: kind.into(),
            number: number.into(),
            status: "granted".into(),
        };
        let number = format!("202310123456.{}", patents::check_digit("202310123456").unwrap());
        let i = AchievementInput {
            ip: vec![
                row("invention_patent", &number),
                row("", ""),
                row("invention_patent", "202310123456.0"),
                row("technical_secret", &"x".repeat(61)),
                row("bogus", "1"),
            ],
            ..good()
        };
        let p = validate(&i).unwrap_err();
        assert!(!p.has("ip_0") && !p.has("ip_1"));
        assert!(matches!(p.get("ip_2"), Some(Msg::Both { .. })));
        assert_eq!(
            p.get("ip_3"),
            Some(&Msg::tf(
                "err.too_long",
                [Arg::FieldName("ip_number".into()), Arg::from("60")]
            ))
        );
        assert_eq!(p.get("ip_4"), Some(&Msg::t("err.ip_kind")));
    }
}

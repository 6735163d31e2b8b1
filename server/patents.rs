//! Intellectual property of achievements: the kinds and statuses of IP items, Chinese patent
//! application numbers with their check digit, and software copyright registration numbers.
//!
//! Patent application numbers follow the CNIPA standard ZC 0006-2003 (专利申请号标准):
//!
//! * since 1 October 2003: `YYYY K NNNNNNN . C` — a 4-digit filing year, a kind digit, a 7-digit
//!   serial number and a check character, e.g. `202310123456.6`;
//! * before: `YY K NNNNN . C` — a 2-digit year, the kind digit, a 5-digit serial and the check
//!   character, e.g. `97101765.4`.
//!
//! The check character is Σ dᵢ·wᵢ mod 11 over the digits before the point with the weights
//! 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 (the old form uses the first eight); a remainder of 10 is
//! written `X`. A granted patent's number (专利号) is `ZL` + the application number; `CN` and `ZL`
//! prefixes and spaces are accepted and dropped.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Weights of the check-digit sum, position by position from the left.
const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];

/// The first year of the 12-digit form (it started on 1 October 2003).
const FIRST_YEAR_12: u16 = 2003;
/// The first year of Chinese patent applications (the Patent Law took effect on 1 April 1985).
const FIRST_YEAR_8: u16 = 1985;
/// The first year of software copyright registration numbers.
const FIRST_YEAR_SR: u16 = 1991;

/// Kind of a patent application, from its kind digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatentKind {
    /// 1: 发明专利申请.
    Invention,
    /// 2: 实用新型专利申请.
    UtilityModel,
    /// 3: 外观设计专利申请.
    Design,
    /// 8: 进入中国国家阶段的PCT发明专利申请.
    PctInvention,
    /// 9: 进入中国国家阶段的PCT实用新型专利申请.
    PctUtilityModel,
}

impl PatentKind {
    /// The kind for a kind digit.
    pub fn from_digit(d: char) -> Option<PatentKind> {
        match d {
            '1' => Some(PatentKind::Invention),
            '2' => Some(PatentKind::UtilityModel),
            '3' => Some(PatentKind::Design),
            '8' => Some(PatentKind::PctInvention),
            '9' => Some(PatentKind::PctUtilityModel),
            _ => None,
        }
    }

    /// The kind digit.
    pub fn digit(self) -> char {
        match self {
            PatentKind::Invention => '1',
            PatentKind::UtilityModel => '2',
            PatentKind::Design => '3',
            PatentKind::PctInvention => '8',
            PatentKind::PctUtilityModel => '9',
        }
    }

    /// "发明" / "Invention" …
    pub fn name(self, en: bool) -> &'static str {
        match (self, en) {
            (PatentKind::Invention, false) => "发明",
            (PatentKind::Invention, true) => "Invention",
            (PatentKind::UtilityModel, false) => "实用新型",
            (PatentKind::UtilityModel, true) => "Utility model",
            (PatentKind::Design, false) => "外观设计",
            (PatentKind::Design, true) => "Design",
            (PatentKind::PctInvention, false) => "PCT发明（进入中国国家阶段）",
            (PatentKind::PctInvention, true) => "PCT invention entering China",
            (PatentKind::PctUtilityModel, false) => "PCT实用新型（进入中国国家阶段）",
            (PatentKind::PctUtilityModel, true) => "PCT utility model entering China",
        }
    }

    /// The kind of IP item this application belongs to.
    pub fn ip_kind(self) -> IpKind {
        match self {
            PatentKind::Invention | PatentKind::PctInvention => IpKind::InventionPatent,
            PatentKind::UtilityModel | PatentKind::PctUtilityModel => IpKind::UtilityModel,
            PatentKind::Design => IpKind::Design,
        }
    }
}

/// A valid patent application number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatentNumber {
    /// Digits, a point and the check character, without prefix or spaces: `202310123456.6`,
    /// `97101765.4`.
    pub normalized: String,
    /// Filing year (four digits also for the old form: `97…` is 1997).
    pub year: u16,
    /// Kind from the kind digit.
    pub kind: PatentKind,
}

impl PatentNumber {
    /// The granted patent's number as printed on the certificate: `ZL202310123456.6`.
    pub fn patent_number(&self) -> String {
        format!("ZL{}", self.normalized)
    }
}

impl fmt::Display for PatentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

/// Why a patent application number or a software copyright registration number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatentError {
    /// Nothing was entered.
    Empty,
    /// A character that has no place in the number.
    InvalidCharacter(char),
    /// The digits before the point are neither 12 (since 2003) nor 8 (before); holds the count.
    WrongLength(usize),
    /// The number has no check character after the point; holds the one it should have.
    MissingCheckDigit { expected: char },
    /// More than one character, or a letter other than X, after the point.
    MalformedCheckDigit(String),
    /// The check character does not match the digits.
    WrongCheckDigit { expected: char, found: char },
    /// The kind digit (5th of 12, 3rd of 8) is not 1, 2, 3, 8 or 9.
    UnknownKind(char),
    /// The filing year is impossible for this form of number.
    ImpossibleYear(u16),
    /// A software copyright registration number is not `YYYYSR` + 6 or 7 digits.
    SoftwareCopyrightFormat,
}

impl PatentError {
    /// The problem in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            PatentError::Empty => "请填写号码".to_string(),
            PatentError::InvalidCharacter(c) => {
                format!("号码中不能有字符“{c}”：专利申请号只由数字、小数点和校验位（数字或X）组成")
            }
            PatentError::WrongLength(n) => {
                format!("专利申请号小数点前应为12位数字（2003年10月起）或8位数字（此前），现为{n}位")
            }
            PatentError::MissingCheckDigit { expected } => {
                format!("专利申请号缺少小数点后的校验位（按此号码应为“.{expected}”）")
            }
            PatentError::MalformedCheckDigit(s) => {
                format!("小数点后的校验位应为一位数字或字母X，现为“{s}”")
            }
            PatentError::WrongCheckDigit { expected, found } => {
                format!("校验位不符：按前面的数字计算应为{expected}，填写的是{found}，请核对号码")
            }
            PatentError::UnknownKind(d) => format!(
                "专利类型位为“{d}”，应为1（发明）、2（实用新型）、3（外观设计）、8（PCT发明）或9（PCT实用新型）"
            ),
            PatentError::ImpossibleYear(y) => format!("申请年份{y}不可能出现在这种格式的专利申请号中"),
            PatentError::SoftwareCopyrightFormat => {
                "软件著作权登记号应为4位年份+SR+7位数字，例如2023SR0123456".to_string()
            }
        }
    }

    /// The problem in English.
    pub fn message_en(&self) -> String {
        match self {
            PatentError::Empty => "Enter the number".to_string(),
            PatentError::InvalidCharacter(c) => format!(
                "The character \"{c}\" cannot appear in the number: an application number has digits, a point and a check digit (0-9 or X)"
            ),
            PatentError::WrongLength(n) => format!(
                "An application number has 12 digits before the point (8 before October 2003), not {n}"
            ),
            PatentError::MissingCheckDigit { expected } => {
                format!("The check digit after the point is missing (for these digits it is \".{expected}\")")
            }
            PatentError::MalformedCheckDigit(s) => {
                format!("The check digit after the point is one digit or X, not \"{s}\"")
            }
            PatentError::WrongCheckDigit { expected, found } => format!(
                "Wrong check digit: the digits give {expected} but {found} was entered; check the number"
            ),
            PatentError::UnknownKind(d) => format!(
                "The kind digit is \"{d}\"; it must be 1 (invention), 2 (utility model), 3 (design), 8 (PCT invention) or 9 (PCT utility model)"
            ),
            PatentError::ImpossibleYear(y) => {
                format!("The filing year {y} is impossible for an application number of this form")
            }
            PatentError::SoftwareCopyrightFormat => {
                "A software copyright registration number is a 4-digit year, SR and 7 digits, e.g. 2023SR0123456"
                    .to_string()
            }
        }
    }
}

impl fmt::Display for PatentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for PatentError {}

/// The check character of the digits of an application number (12 digits, or 8 for the old
/// form): `check_digit("202310123456") == Some('6')`. `None` if the input is not 8 or 12 ASCII
/// digits.
pub fn check_digit(digits: &str) -> Option<char> {
    if !(digits.len() == 12 || digits.len() == 8) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = digits.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    match sum % 11 {
        10 => Some('X'),
        r => char::from_digit(r, 10),
    }
}

/// Maps full-width ASCII (０-９, Ｘ, ．…) to ASCII and lower-case letters to upper case.
fn half_width_upper(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '。' => '.',
        _ => c,
    };
    c.to_ascii_uppercase()
}

/// Input without spaces, in half-width upper case.
fn compact(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(half_width_upper)
        .collect()
}

/// The current year in China (UTC+8), or a far year if the clock is unusable.
fn current_year() -> u16 {
    let Ok(d) = SystemTime::now().duration_since(UNIX_EPOCH) else {
        return 9999;
    };
    let days = (d.as_secs() + 8 * 3600) / 86_400;
    let days = i64::try_from(days).unwrap_or(i64::MAX / 2);
    // Civil-from-days (H. Hinnant), proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    u16::try_from(year).unwrap_or(9999)
}

/// A valid application number to show as a form's example (its check digit is right: forms
/// must not teach a number their own check refuses).
pub const EXAMPLE: &str = "202310123456.6";

/// Validates a Chinese patent application number (or patent number) and returns it normalized.
///
/// Accepts `202310123456.6`, `CN202310123456.6`, `ZL 2023 1 0123456.6`, `ZL03112345.6`, full-width
/// digits, a lower-case `x`, and the number without its point (`2023101234566`). The error names
/// what is wrong: characters, length, missing or malformed check digit, wrong check digit (with
/// the expected one), unknown kind digit, impossible year.
pub fn validate_application_number(input: &str) -> Result<PatentNumber, PatentError> {
    let s = compact(input);
    if s.is_empty() {
        return Err(PatentError::Empty);
    }
    let mut body = s.as_str();
    for prefix in ["ZL", "CN"] {
        if let Some(rest) = body.strip_prefix(prefix) {
            body = rest;
        }
    }
    if body.is_empty() {
        return Err(PatentError::Empty);
    }
    let (digits, check): (&str, Option<&str>) = match body.split_once('.') {
        Some((d, c)) => (d, Some(c)),
        // Written without the point: 13 or 9 characters, the last being the check character.
        None if body.is_ascii() && (body.len() == 13 || body.len() == 9) => {
            let (d, c) = body.split_at(body.len() - 1);
            (d, Some(c))
        }
        None => (body, None),
    };
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(PatentError::InvalidCharacter(bad));
    }
    if !(digits.len() == 12 || digits.len() == 8) {
        return Err(PatentError::WrongLength(digits.len()));
    }
    let (year, kind_digit) = if digits.len() == 12 {
        let year: u16 = digits[..4].parse().unwrap_or(0);
        if !(FIRST_YEAR_12..=current_year()).contains(&year) {
            return Err(PatentError::ImpossibleYear(year));
        }
        (year, digits.as_bytes()[4])
    } else {
        let yy: u16 = digits[..2].parse().unwrap_or(0);
        let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
        if !(FIRST_YEAR_8..=FIRST_YEAR_12).contains(&year) {
            return Err(PatentError::ImpossibleYear(year));
        }
        (year, digits.as_bytes()[2])
    };
    let kind =
        PatentKind::from_digit(char::from(kind_digit)).ok_or(PatentError::UnknownKind(char::from(kind_digit)))?;
    let expected = check_digit(digits).ok_or(PatentError::WrongLength(digits.len()))?;
    let found = match check {
        None | Some("") => return Err(PatentError::MissingCheckDigit { expected }),
        Some(c) => {
            let mut chars = c.chars();
            match (chars.next(), chars.next()) {
                (Some(f), None) if f.is_ascii_digit() || f == 'X' => f,
                _ => return Err(PatentError::MalformedCheckDigit(c.to_string())),
            }
        }
    };
    if found != expected {
        return Err(PatentError::WrongCheckDigit { expected, found });
    }
    Ok(PatentNumber {
        normalized: format!("{digits}.{expected}"),
        year,
        kind,
    })
}

/// Validates a software copyright registration number (软件著作权登记号): a 4-digit year, `SR` and
/// a serial of 7 digits (6 digits in registrations before 2019 or so, also accepted). Returns it
/// normalized (`2023SR0123456`); spaces, full-width characters and a lower-case `sr` are accepted.
pub fn validate_software_copyright(input: &str) -> Result<String, PatentError> {
    let s = compact(input);
    if s.is_empty() {
        return Err(PatentError::Empty);
    }
    let Some((year, serial)) = s.split_once("SR") else {
        return Err(PatentError::SoftwareCopyrightFormat);
    };
    if year.len() != 4
        || !year.bytes().all(|b| b.is_ascii_digit())
        || !(serial.len() == 7 || serial.len() == 6)
        || !serial.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(PatentError::SoftwareCopyrightFormat);
    }
    let y: u16 = year.parse().unwrap_or(0);
    if !(FIRST_YEAR_SR..=current_year()).contains(&y) {
        return Err(PatentError::ImpossibleYear(y));
    }
    Ok(s)
}

/// Kind of an IP item attached to an achievement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpKind {
    InventionPatent,
    UtilityModel,
    Design,
    SoftwareCopyright,
    PlantVariety,
    IcLayout,
    TechnicalSecret,
}

impl IpKind {
    /// Every kind in display order.
    pub const ALL: [IpKind; 7] = [
        IpKind::InventionPatent,
        IpKind::UtilityModel,
        IpKind::Design,
        IpKind::SoftwareCopyright,
        IpKind::PlantVariety,
        IpKind::IcLayout,
        IpKind::TechnicalSecret,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            IpKind::InventionPatent => "invention_patent",
            IpKind::UtilityModel => "utility_model",
            IpKind::Design => "design",
            IpKind::SoftwareCopyright => "software_copyright",
            IpKind::PlantVariety => "plant_variety",
            IpKind::IcLayout => "ic_layout",
            IpKind::TechnicalSecret => "technical_secret",
        }
    }

    /// The kind with this code, or with this Chinese or English name.
    pub fn parse(s: &str) -> Option<IpKind> {
        let t = s.trim();
        IpKind::ALL
            .into_iter()
            .find(|k| k.code() == t || k.name(false) == t || k.name(true).eq_ignore_ascii_case(t))
    }

    /// "发明专利" / "Invention patent" …
    pub fn name(self, en: bool) -> &'static str {
        match (self, en) {
            (IpKind::InventionPatent, false) => "发明专利",
            (IpKind::InventionPatent, true) => "Invention patent",
            (IpKind::UtilityModel, false) => "实用新型专利",
            (IpKind::UtilityModel, true) => "Utility model",
            (IpKind::Design, false) => "外观设计专利",
            (IpKind::Design, true) => "Design patent",
            (IpKind::SoftwareCopyright, false) => "软件著作权",
            (IpKind::SoftwareCopyright, true) => "Software copyright",
            (IpKind::PlantVariety, false) => "植物新品种",
            (IpKind::PlantVariety, true) => "Plant variety",
            (IpKind::IcLayout, false) => "集成电路布图设计",
            (IpKind::IcLayout, true) => "IC layout design",
            (IpKind::TechnicalSecret, false) => "技术秘密",
            (IpKind::TechnicalSecret, true) => "Technical secret",
        }
    }

    /// True for the three patent kinds, whose number must be a valid application number.
    pub fn is_patent(self) -> bool {
        matches!(self, IpKind::InventionPatent | IpKind::UtilityModel | IpKind::Design)
    }
}

/// Legal status of an IP item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpStatus {
    Applied,
    Granted,
    Licensed,
    Expired,
}

impl IpStatus {
    /// Every status in display order.
    pub const ALL: [IpStatus; 4] = [
        IpStatus::Applied,
        IpStatus::Granted,
        IpStatus::Licensed,
        IpStatus::Expired,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            IpStatus::Applied => "applied",
            IpStatus::Granted => "granted",
            IpStatus::Licensed => "licensed",
            IpStatus::Expired => "expired",
        }
    }

    /// The status with this code, or with this Chinese or English name.
    pub fn parse(s: &str) -> Option<IpStatus> {
        let t = s.trim();
        IpStatus::ALL
            .into_iter()
            .find(|k| k.code().eq_ignore_ascii_case(t) || k.name(false) == t || k.name(true).eq_ignore_ascii_case(t))
    }

    /// "已授权" / "Granted" …
    pub fn name(self, en: bool) -> &'static str {
        match (self, en) {
            (IpStatus::Applied, false) => "已申请",
            (IpStatus::Applied, true) => "Applied",
            (IpStatus::Granted, false) => "已授权",
            (IpStatus::Granted, true) => "Granted",
            (IpStatus::Licensed, false) => "已许可",
            (IpStatus::Licensed, true) => "Licensed",
            (IpStatus::Expired, false) => "已失效",
            (IpStatus::Expired, true) => "Expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference sum written out the way ZC 0006-2003 describes it, to check the table of weights.
    fn reference_check(digits: &str) -> char {
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let weights: Vec<u32> = (0..d.len()).map(|i| 2 + (i as u32 % 8)).collect();
        let s: u32 = d.iter().zip(&weights).map(|(a, b)| a * b).sum();
        if s % 11 == 10 {
            'X'
        } else {
            char::from_digit(s % 11, 10).unwrap()
        }
    }

    #[test]
    fn published_examples() {
        // Examples printed in public explanations of the standard, checked by hand:
        // 2·2+0·3+1·4+7·5+1·6+0·7+6·8+0·9+1·2+8·3+6·4+2·5 = 157 = 14·11 + 3.
        let p = validate_application_number("201710601862.3").unwrap();
        assert_eq!(p.normalized, "201710601862.3");
        assert_eq!(p.year, 2017);
        assert_eq!(p.kind, PatentKind::Invention);
        // Old form: 9·2+5·3+1·4+1·5+5·6+6·7+0·8+8·9 = 186 = 16·11 + 10 → X.
        let p = validate_application_number("ZL95115608.X").unwrap();
        assert_eq!(p.normalized, "95115608.X");
        assert_eq!(p.year, 1995);
        assert_eq!(p.patent_number(), "ZL95115608.X");
        // 9·2+7·3+1·4+0·5+1·6+7·7+6·8+5·9 = 191 = 17·11 + 4.
        assert_eq!(validate_application_number("97101765.4").unwrap().year, 1997);
        // The example of the brief: 2·2+0+2·4+3·5+1·6+0+1·8+2·9+3·2+4·3+5·4+6·5 = 127 = 11·11 + 6.
        assert_eq!(check_digit("202310123456"), Some('6'));
    }

    #[test]
    fn weights_match_the_standard() {
        assert_eq!(WEIGHTS, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]);
        for digits in [
            "202310123456",
            "200310000001",
            "202420999999",
            "201830000000",
            "03112345",
            "99800001",
            "00000000",
        ] {
            assert_eq!(check_digit(digits), Some(reference_check(digits)), "{digits}");
        }
        // Every remainder, X included, occurs.
        let mut seen = std::collections::HashSet::new();
        for serial in 0..200u32 {
            seen.insert(check_digit(&format!("20231{serial:07}")).unwrap());
        }
        assert_eq!(seen.len(), 11);
        assert_eq!(check_digit("2023101234"), None);
        assert_eq!(check_digit("20231012345a"), None);
        assert_eq!(check_digit(""), None);
    }

    #[test]
    fn accepted_spellings() {
        for input in [
            "202310123456.6",
            "CN202310123456.6",
            "ZL202310123456.6",
            "ZL 2023 1 0123456.6",
            " cn 202310123456.6 ",
            "２０２３１０１２３４５６．６",
            "2023101234566",
            "ZLCN202310123456.6",
        ] {
            let p = validate_application_number(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.normalized, "202310123456.6", "{input}");
            assert_eq!(p.kind, PatentKind::Invention);
        }
        // X written in lower case, with or without the point.
        let x = (0..10_000u32)
            .map(|n| format!("20232{n:07}"))
            .find(|d| check_digit(d) == Some('X'))
            .unwrap();
        assert_eq!(
            validate_application_number(&format!("{x}.x")).unwrap().normalized,
            format!("{x}.X")
        );
        assert_eq!(
            validate_application_number(&format!("{x}X")).unwrap().kind,
            PatentKind::UtilityModel
        );
        let design = format!("202330000001.{}", check_digit("202330000001").unwrap());
        assert_eq!(validate_application_number(&design).unwrap().kind, PatentKind::Design);
        let pct = format!("202080012345.{}", check_digit("202080012345").unwrap());
        assert_eq!(
            validate_application_number(&pct).unwrap().kind,
            PatentKind::PctInvention
        );
        assert_eq!(PatentKind::PctInvention.ip_kind(), IpKind::InventionPatent);
        let old = format!("03112345.{}", check_digit("03112345").unwrap());
        let p = validate_application_number(&format!("ZL 03 1 12345.{}", &old[9..])).unwrap();
        assert_eq!((p.normalized.as_str(), p.year), (old.as_str(), 2003));
    }

    #[test]
    fn refusals_name_the_problem() {
        use PatentError::*;
        let cases: Vec<(&str, PatentError)> = vec![
            ("", Empty),
            ("   ", Empty),
            ("ZL", Empty),
            (
                "202310123456.0",
                WrongCheckDigit {
                    expected: '6',
                    found: '0',
                },
            ),
            ("202310123456", MissingCheckDigit { expected: '6' }),
            ("202310123456.", MissingCheckDigit { expected: '6' }),
            ("202310123456.66", MalformedCheckDigit("66".into())),
            ("202310123456.A", MalformedCheckDigit("A".into())),
            ("20231012345.6", WrongLength(11)),
            ("2023101234567.6", WrongLength(13)),
            ("12345", WrongLength(5)),
            ("2023A0123456.6", InvalidCharacter('A')),
            ("2023-10123456.6", InvalidCharacter('-')),
            ("专利202310123456.6", InvalidCharacter('专')),
            ("202340123456.1", UnknownKind('4')),
            ("202350123456.1", UnknownKind('5')),
            ("202370123456.1", UnknownKind('7')),
            ("202310123456.6.6", MalformedCheckDigit("6.6".into())),
            ("199910123456.1", ImpossibleYear(1999)),
            ("999910123456.1", ImpossibleYear(9999)),
            ("80112345.1", ImpossibleYear(1980)),
            ("05112345.1", ImpossibleYear(2005)),
        ];
        for (input, want) in cases {
            assert_eq!(validate_application_number(input), Err(want.clone()), "{input}");
            assert!(!want.message_zh().is_empty() && !want.message_en().is_empty());
        }
        let e = validate_application_number("202310123456.0").unwrap_err();
        assert!(e.message_zh().contains("校验位") && e.message_zh().contains('6') && e.message_zh().contains('0'));
        assert!(e.message_en().contains("check digit"));
        assert!(validate_application_number("202310123456")
            .unwrap_err()
            .message_zh()
            .contains(".6"));
        // A year after this one is refused.
        let next = current_year() + 1;
        let digits = format!("{next}10000001");
        let n = format!("{digits}.{}", check_digit(&digits).unwrap());
        assert_eq!(validate_application_number(&n), Err(ImpossibleYear(next)));
    }

    #[test]
    fn odd_input_never_panics() {
        for input in [
            "...",
            ".",
            "X",
            "XX",
            "ZLX",
            "CN.",
            "２",
            "\u{0}",
            "𝟘𝟙",
            "2023101234５６.６",
            "é",
            "ZLZL",
            "1.2.3.4",
        ] {
            let _ = validate_application_number(input);
            let _ = validate_software_copyright(input);
            let _ = check_digit(input);
        }
        let long = "9".repeat(10_000);
        assert_eq!(
            validate_application_number(&long),
            Err(PatentError::WrongLength(10_000))
        );
    }

    #[test]
    fn current_year_is_plausible() {
        let y = current_year();
        assert!((2025..3000).contains(&y), "{y}");
    }

    #[test]
    fn software_copyright_numbers() {
        assert_eq!(validate_software_copyright("2023SR0123456").unwrap(), "2023SR0123456");
        assert_eq!(
            validate_software_copyright(" 2023 sr 0123456 ").unwrap(),
            "2023SR0123456"
        );
        assert_eq!(validate_software_copyright("2012SR012345").unwrap(), "2012SR012345");
        for bad in [
            "2023SR01234",
            "2023SR012345678",
            "23SR0123456",
            "2023RS0123456",
            "2023SR012345A",
            "2023-0123456",
        ] {
            assert_eq!(
                validate_software_copyright(bad),
                Err(PatentError::SoftwareCopyrightFormat),
                "{bad}"
            );
        }
        assert_eq!(
            validate_software_copyright("1980SR0123456"),
            Err(PatentError::ImpossibleYear(1980))
        );
        assert_eq!(validate_software_copyright(""), Err(PatentError::Empty));
        assert!(PatentError::SoftwareCopyrightFormat.message_zh().contains("SR"));
    }

    #[test]
    fn kinds_and_statuses() {
        for k in IpKind::ALL {
            assert_eq!(IpKind::parse(k.code()), Some(k));
            assert_eq!(IpKind::parse(k.name(false)), Some(k));
            assert_eq!(IpKind::parse(&k.name(true).to_uppercase()), Some(k));
        }
        assert_eq!(IpKind::parse("软件著作权"), Some(IpKind::SoftwareCopyright));
        assert_eq!(IpKind::parse("trademark"), None);
        assert!(IpKind::InventionPatent.is_patent() && IpKind::Design.is_patent());
        assert!(!IpKind::SoftwareCopyright.is_patent() && !IpKind::TechnicalSecret.is_patent());
        for s in IpStatus::ALL {
            assert_eq!(IpStatus::parse(s.code()), Some(s));
            assert_eq!(IpStatus::parse(s.name(false)), Some(s));
            assert_eq!(IpStatus::parse(s.name(true)), Some(s));
        }
        assert_eq!(IpStatus::parse("pending"), None);
        for k in [
            PatentKind::Invention,
            PatentKind::UtilityModel,
            PatentKind::Design,
            PatentKind::PctInvention,
            PatentKind::PctUtilityModel,
        ] {
            assert_eq!(PatentKind::from_digit(k.digit()), Some(k));
            assert!(!k.name(false).is_empty() && !k.name(true).is_empty());
        }
    }

    #[test]
    fn the_forms_example_passes_the_check() {
        assert_eq!(
            validate_application_number(EXAMPLE).map(|p| p.normalized),
            Ok(EXAMPLE.to_string())
        );
    }
}

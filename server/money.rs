//! Money as people type and read it. Amounts are integer fen (分, 1/100 yuan) everywhere; this
//! module turns what a person typed ("125,000.50", "12.5万", "３亿元") into fen and fen back into
//! "1,234,567.89", "123.46万元" or "¥8,000.00". No floating point anywhere.

use std::fmt;

/// Fen in one yuan.
pub const FEN_PER_YUAN: i64 = 100;
/// Fen in one 万元 (10,000 yuan).
pub const FEN_PER_WAN: i64 = 1_000_000;
/// Fen in one 亿元 (100,000,000 yuan).
pub const FEN_PER_YI: i64 = 10_000_000_000;
/// The largest amount [`parse_yuan`] accepts: 10^13 yuan (anything above is a typing error).
pub const MAX_FEN: i64 = 10_000_000_000_000 * FEN_PER_YUAN;

/// The unit an amount was typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 元
    Yuan,
    /// 万元
    Wan,
    /// 亿元
    Yi,
}

impl Unit {
    /// Fen in one unit.
    pub fn fen(self) -> i64 {
        match self {
            Unit::Yuan => FEN_PER_YUAN,
            Unit::Wan => FEN_PER_WAN,
            Unit::Yi => FEN_PER_YI,
        }
    }

    /// The most decimals that still give a whole number of fen: 2, 6 or 10.
    pub fn max_decimals(self) -> usize {
        match self {
            Unit::Yuan => 2,
            Unit::Wan => 6,
            Unit::Yi => 10,
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::Wan => "万元",
            Unit::Yi => "亿元",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Unit::Yuan => "yuan",
            Unit::Wan => "万 (10,000 yuan)",
            Unit::Yi => "亿 (100 million yuan)",
        }
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Nothing but spaces, a currency sign or a unit.
    Empty,
    /// A minus sign: amounts are never negative.
    Negative,
    /// A letter or other character that has no place in an amount.
    InvalidCharacter(char),
    /// Digits, separators and point in an impossible arrangement ("1.2.3", "12,34").
    Malformed,
    /// More decimals than make a whole number of fen in this unit.
    TooManyDecimals { unit: Unit },
    /// More than 10^13 yuan.
    TooLarge,
}

impl MoneyError {
    /// The problem in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            MoneyError::Empty => "请填写金额".to_string(),
            MoneyError::Negative => "金额不能为负数".to_string(),
            MoneyError::InvalidCharacter(c) => {
                format!("金额中不能有“{c}”：请只填写数字，可带千位分隔逗号、小数点和单位（元、万元、亿元）")
            }
            MoneyError::Malformed => "金额格式不正确：请写成 125000、125,000.50 或 12.5万 这样的形式".to_string(),
            MoneyError::TooManyDecimals { unit } => format!(
                "以{}为单位时最多{}位小数（金额须精确到分）",
                unit.zh(),
                unit.max_decimals()
            ),
            MoneyError::TooLarge => "金额过大（超过10万亿元），请检查单位和位数".to_string(),
        }
    }

    /// The problem in English.
    pub fn message_en(&self) -> String {
        match self {
            MoneyError::Empty => "Enter an amount".to_string(),
            MoneyError::Negative => "The amount cannot be negative".to_string(),
            MoneyError::InvalidCharacter(c) => format!(
                "\"{c}\" cannot appear in an amount: use digits, optional thousands commas, a decimal point and a unit (元, 万, 亿)"
            ),
            MoneyError::Malformed => {
                "The amount is not well formed: write it like 125000, 125,000.50 or 12.5万".to_string()
            }
            MoneyError::TooManyDecimals { unit } => format!(
                "An amount in {} has at most {} decimals (it must come to whole fen)",
                unit.en(),
                unit.max_decimals()
            ),
            MoneyError::TooLarge => {
                "The amount is too large (over 10^13 yuan); check the unit and the digits".to_string()
            }
        }
    }
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for MoneyError {}

/// Full-width ASCII (０-９, ，, ．) to ASCII.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Parses an amount in yuan into fen.
///
/// Accepts "125000", "125,000.50", "125000.5", "１２５０００", "¥125000", "125000元", "12.5万",
/// "12.5 万元", "3亿", "0.5亿元"; spaces anywhere are ignored. Refuses negatives, letters, empty
/// input, decimals finer than a fen (more than 2 for yuan, 6 for 万, 10 for 亿; trailing zeros do
/// not count), misplaced separators and amounts above 10^13 yuan.
pub fn parse_yuan(input: &str) -> Result<i64, MoneyError> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).map(half_width).collect();
    let mut t = s.as_str();
    for prefix in ['¥', '￥'] {
        t = t.strip_prefix(prefix).unwrap_or(t);
    }
    for prefix in ["RMB", "CNY", "rmb", "cny"] {
        t = t.strip_prefix(prefix).unwrap_or(t);
    }
    if t.starts_with(['-', '−', '﹣']) {
        return Err(MoneyError::Negative);
    }
    t = t.strip_suffix("人民币").unwrap_or(t);
    t = t.strip_suffix('元').unwrap_or(t);
    let unit = if let Some(rest) = t.strip_suffix('万') {
        t = rest;
        Unit::Wan
    } else if let Some(rest) = t.strip_suffix('亿') {
        t = rest;
        Unit::Yi
    } else {
        Unit::Yuan
    };
    if t.is_empty() {
        return Err(MoneyError::Empty);
    }
    if let Some(bad) = t.chars().find(|c| !(c.is_ascii_digit() || *c == ',' || *c == '.')) {
        return Err(MoneyError::InvalidCharacter(bad));
    }
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if frac.contains(['.', ',']) || (int.is_empty() && frac.is_empty()) {
        return Err(MoneyError::Malformed);
    }
    let int_digits: String = if int.contains(',') {
        let mut groups = int.split(',');
        let first = groups.next().unwrap_or("");
        if first.is_empty() || first.len() > 3 || !groups.all(|g| g.len() == 3) {
            return Err(MoneyError::Malformed);
        }
        int.chars().filter(|c| *c != ',').collect()
    } else {
        int.to_string()
    };
    let frac = frac.trim_end_matches('0');
    if frac.len() > unit.max_decimals() {
        return Err(MoneyError::TooManyDecimals { unit });
    }
    let int_digits = int_digits.trim_start_matches('0');
    // 10^13 yuan has 14 digits; anything longer is too large whatever the unit.
    if int_digits.len() > 16 {
        return Err(MoneyError::TooLarge);
    }
    let whole: i128 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().map_err(|_| MoneyError::Malformed)?
    };
    let part: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| MoneyError::Malformed)?
    };
    let scale = 10_i128.pow(u32::try_from(frac.len()).unwrap_or(0));
    let fen = whole * i128::from(unit.fen()) + part * i128::from(unit.fen()) / scale;
    if fen > i128::from(MAX_FEN) {
        return Err(MoneyError::TooLarge);
    }
    i64::try_from(fen).map_err(|_| MoneyError::TooLarge)
}

/// Digits of `n` with a comma every three: 1234567 → "1,234,567".
fn group(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    // Digits left before the next comma; the first group has 1 to 3 digits.
    let mut left = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    for c in digits.chars() {
        if left == 0 {
            out.push(',');
            left = 3;
        }
        out.push(c);
        left -= 1;
    }
    out
}

fn sign(fen: i64) -> &'static str {
    if fen < 0 {
        "-"
    } else {
        ""
    }
}

/// Yuan with thousands separators and two decimals: 123456789 fen → "1,234,567.89".
pub fn format_yuan(fen: i64) -> String {
    format!("{}{}", sign(fen), yuan_abs(fen))
}

/// [`format_yuan`] of the absolute value.
fn yuan_abs(fen: i64) -> String {
    let a = u128::from(fen.unsigned_abs());
    format!("{}.{:02}", group(a / 100), a % 100)
}

/// 万元 with two decimals, rounded half up (away from zero): 1234567890 fen → "1,234.57万元",
/// 1234500 fen → "1.23万元" (12,345.00 yuan), 1235000 fen → "1.24万元".
pub fn format_wan(fen: i64) -> String {
    let a = u128::from(fen.unsigned_abs());
    // Hundredths of 万 are 10,000 fen each.
    let h = (a + 5_000) / 10_000;
    let s = if h == 0 { "" } else { sign(fen) };
    format!("{s}{}.{:02}万元", group(h / 100), h % 100)
}

/// The way a page shows an amount: below 10,000 yuan "8,000.00元" (English "¥8,000.00"), from
/// 10,000 yuan on "12.50万元" (English "¥125,000.00").
pub fn format_human(fen: i64, en: bool) -> String {
    let small = fen.unsigned_abs() < FEN_PER_WAN.unsigned_abs();
    let text = match (en, small) {
        (true, _) => format!("{}¥{}", sign(fen), yuan_abs(fen)),
        (false, true) => format!("{}元", format_yuan(fen)),
        (false, false) => format_wan(fen),
    };
    // People write 50万元 and ¥500,000, not 50.00万元: drop zero decimals (never rounds).
    trim_zero_decimals(&text)
}

fn trim_zero_decimals(text: &str) -> String {
    let Some(dot) = text.find('.') else {
        return text.to_string();
    };
    let digits_end = text[dot + 1..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(text.len(), |i| dot + 1 + i);
    let decimals = text[dot + 1..digits_end].trim_end_matches('0');
    if decimals.is_empty() {
        format!("{}{}", &text[..dot], &text[digits_end..])
    } else {
        format!("{}.{decimals}{}", &text[..dot], &text[digits_end..])
    }
}

/// The amount as a form field value that [`parse_yuan`] reads back: "125000", "125000.50".
pub fn format_plain(fen: i64) -> String {
    let a = fen.unsigned_abs();
    match a % 100 {
        0 => format!("{}{}", sign(fen), a / 100),
        cents => format!("{}{}.{cents:02}", sign(fen), a / 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_type() {
        for (input, fen) in [
            ("125000", 12_500_000),
            ("125,000.50", 12_500_050),
            ("125000.5", 12_500_050),
            ("１２５０００", 12_500_000),
            ("１２５，０００．５０", 12_500_050),
            ("12.5万", 12_500_000),
            ("12.5 万元", 12_500_000),
            ("12.5万元", 12_500_000),
            ("3亿", 30_000_000_000),
            ("0.5亿元", 5_000_000_000),
            ("125000元", 12_500_000),
            ("¥125,000", 12_500_000),
            ("￥ 8000", 800_000),
            ("RMB 100", 10_000),
            ("100元人民币", 10_000),
            (" 0 ", 0),
            ("0.01", 1),
            (".5", 50),
            ("5.", 500),
            ("007", 700),
            ("1,234,567.89", 123_456_789),
            ("0.000001万", 1),
            ("1.123456万", 1_123_456),
            ("0.0000000001亿", 1),
            ("125000.500", 12_500_050),
            ("1 000 000", 100_000_000),
            ("10000000000000", MAX_FEN),
            ("1000000000万", MAX_FEN),
            ("100000亿", MAX_FEN),
        ] {
            assert_eq!(parse_yuan(input), Ok(fen), "{input:?}");
        }
    }

    #[test]
    fn refuses_with_the_reason() {
        use MoneyError::*;
        for (input, err) in [
            ("", Empty),
            ("   ", Empty),
            ("元", Empty),
            ("万元", Empty),
            ("¥", Empty),
            ("-5", Negative),
            ("−5", Negative),
            ("－5", Negative),
            ("-12.5万", Negative),
            ("12a", InvalidCharacter('a')),
            ("abc", InvalidCharacter('a')),
            ("1e5", InvalidCharacter('e')),
            ("+5", InvalidCharacter('+')),
            ("5千", InvalidCharacter('千')),
            ("1万亿", InvalidCharacter('万')),
            ("十万", InvalidCharacter('十')),
            ("1.2.3", Malformed),
            (".", Malformed),
            ("12,34", Malformed),
            ("1234,567", Malformed),
            (",123", Malformed),
            ("1,234.5,6", Malformed),
            ("1.234", TooManyDecimals { unit: Unit::Yuan }),
            ("0.001", TooManyDecimals { unit: Unit::Yuan }),
            ("1.1234567万", TooManyDecimals { unit: Unit::Wan }),
            ("1.00000000001亿", TooManyDecimals { unit: Unit::Yi }),
            ("10000000000000.01", TooLarge),
            ("10000000000001", TooLarge),
            ("1000000000.000001万", TooLarge),
            ("100001亿", TooLarge),
            ("99999999999999999999999999999999999999999", TooLarge),
        ] {
            assert_eq!(parse_yuan(input), Err(err.clone()), "{input:?}");
            assert!(!err.message_zh().is_empty() && !err.message_en().is_empty());
        }
        assert!(parse_yuan("1.234").unwrap_err().message_zh().contains("2位小数"));
        assert!(parse_yuan("1.1234567万").unwrap_err().message_zh().contains("6位小数"));
        assert!(parse_yuan("12x").unwrap_err().message_zh().contains('x'));
    }

    #[test]
    fn formats_yuan() {
        assert_eq!(format_yuan(0), "0.00");
        assert_eq!(format_yuan(1), "0.01");
        assert_eq!(format_yuan(99), "0.99");
        assert_eq!(format_yuan(100), "1.00");
        assert_eq!(format_yuan(99_999), "999.99");
        assert_eq!(format_yuan(100_000), "1,000.00");
        assert_eq!(format_yuan(123_456_789), "1,234,567.89");
        assert_eq!(format_yuan(-123_456_789), "-1,234,567.89");
        assert_eq!(format_yuan(MAX_FEN), "10,000,000,000,000.00");
        assert_eq!(format_yuan(i64::MAX), "92,233,720,368,547,758.07");
        assert_eq!(format_yuan(i64::MIN), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn formats_wan_rounding_half_up() {
        assert_eq!(format_wan(0), "0.00万元");
        assert_eq!(format_wan(4_999), "0.00万元");
        assert_eq!(format_wan(5_000), "0.01万元");
        assert_eq!(format_wan(1_000_000), "1.00万元");
        assert_eq!(format_wan(1_234_500), "1.23万元");
        assert_eq!(format_wan(1_234_999), "1.23万元");
        assert_eq!(format_wan(1_235_000), "1.24万元");
        assert_eq!(format_wan(123_456_789), "123.46万元");
        assert_eq!(format_wan(123_455_000), "123.46万元");
        assert_eq!(format_wan(123_454_999), "123.45万元");
        assert_eq!(format_wan(99_995_000), "100.00万元");
        assert_eq!(format_wan(12_345_678_900_000), "12,345,678.90万元");
        assert_eq!(format_wan(-1_235_000), "-1.24万元");
        assert_eq!(format_wan(-4_999), "0.00万元");
        assert_eq!(format_wan(i64::MIN), "-9,223,372,036,854.78万元");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_human(800_000, false), "8,000元");
        assert_eq!(format_human(800_000, true), "¥8,000");
        assert_eq!(format_human(999_999, false), "9,999.99元");
        assert_eq!(format_human(800_050, false), "8,000.5元");
        assert_eq!(format_human(1_000_000, false), "1万元");
        assert_eq!(format_human(12_500_000, false), "12.5万元");
        assert_eq!(format_human(12_345_678, false), "12.35万元");
        assert_eq!(format_human(12_500_000, true), "¥125,000");
        assert_eq!(format_human(50_000_000, false), "50万元");
        assert_eq!(format_human(0, false), "0元");
        assert_eq!(format_human(-800_000, true), "-¥8,000");
        assert_eq!(format_human(-12_500_000, false), "-12.5万元");
        assert_eq!(format_human(i64::MIN, true), "-¥92,233,720,368,547,758.08");
        let _ = format_human(i64::MIN, false);
    }

    #[test]
    fn plain_round_trips() {
        assert_eq!(format_plain(12_500_000), "125000");
        assert_eq!(format_plain(12_500_050), "125000.50");
        assert_eq!(format_plain(1), "0.01");
        assert_eq!(format_plain(-150), "-1.50");
        for fen in [0, 1, 99, 100, 12_345, 12_500_050, 987_654_321, MAX_FEN] {
            assert_eq!(parse_yuan(&format_plain(fen)), Ok(fen));
            assert_eq!(parse_yuan(&format_yuan(fen)), Ok(fen));
            assert_eq!(parse_yuan(&format!("{}元", format_yuan(fen))), Ok(fen));
        }
    }
}

//! 统一社会信用代码 (unified social credit code) per GB 32100-2015.
//!
//! Eighteen characters from `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, S, V, Z):
//! 1 registration authority, 2 organisation type, 3–8 the registering authority's six-digit
//! region code (GB/T 2260), 9–17 the subject identifier (organisation code), 18 the check
//! character. The check character is computed as in the standard: with C(i) the value of the
//! i-th character (its index in the charset) and W(i) = 3^(i−1) mod 31
//! (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28),
//! C18 = 31 − (Σ C(i)·W(i) mod 31), where 31 becomes 0.

use std::fmt;
use std::str::FromStr;

/// The characters a code may contain, in the order of their values 0..=30.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of characters 1..=17: 3^(i−1) mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Number of characters in a code.
pub const LEN: usize = 18;

/// A valid, normalised (upper-case, trimmed) unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

impl CreditCode {
    /// The normalised 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters 3–8: the registering authority's six-digit region code. It need not be in the
    /// current region table: codes issued by since-abolished divisions stay valid.
    pub fn region_code(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }

    /// The normalised code as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate(s)
    }
}

/// Why a unified social credit code was refused. Positions are 1-based, as a user counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    /// Not 18 characters after trimming (`found` counts characters, not bytes).
    WrongLength { found: usize },
    /// A character outside the code's charset.
    BadCharacter { found: char, position: usize },
    /// Characters 3–8 are not all digits.
    RegionNotDigits { found: String },
    /// The 18th character does not match the one computed from the first 17.
    WrongCheckCharacter { expected: char, found: char },
}

/// Shows a character so the user can see it, even if it is invisible.
fn shown(c: char) -> String {
    if c.is_control() || c.is_whitespace() || is_invisible(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

impl CreditCodeError {
    /// Full sentence in Chinese telling the user what is wrong.
    pub fn message_zh(&self) -> String {
        match self {
            CreditCodeError::WrongLength { found: 0 } => "请输入18位统一社会信用代码".to_string(),
            CreditCodeError::WrongLength { found } => {
                format!("统一社会信用代码应为18位，您输入了{found}位")
            }
            CreditCodeError::BadCharacter { found, position } => format!(
                "统一社会信用代码第{position}位的“{}”不是有效字符：只能使用数字0-9和大写字母（不含I、O、S、V、Z）",
                shown(*found)
            ),
            CreditCodeError::RegionNotDigits { found } => format!(
                "统一社会信用代码第3至8位应为登记管理机关的6位数字行政区划代码，您输入的是“{found}”"
            ),
            CreditCodeError::WrongCheckCharacter { expected, found } => format!(
                "统一社会信用代码校验不通过：按前17位计算，第18位应为“{expected}”，您输入的是“{found}”，请检查是否有输错的字符"
            ),
        }
    }

    /// Full sentence in English telling the user what is wrong (same as `Display`).
    pub fn message_en(&self) -> String {
        match self {
            CreditCodeError::WrongLength { found: 0 } => {
                "please enter the 18-character unified social credit code".to_string()
            }
            CreditCodeError::WrongLength { found } => {
                format!("the unified social credit code must have 18 characters; you entered {found}")
            }
            CreditCodeError::BadCharacter { found, position } => format!(
                "character {position} of the unified social credit code, \"{}\", is not allowed: \
                 only the digits 0-9 and the capital letters other than I, O, S, V and Z may be used",
                shown(*found)
            ),
            CreditCodeError::RegionNotDigits { found } => format!(
                "characters 3 to 8 of the unified social credit code must be the six-digit region \
                 code of the registering authority; you entered \"{found}\""
            ),
            CreditCodeError::WrongCheckCharacter { expected, found } => format!(
                "the unified social credit code does not pass its check: from the first 17 characters \
                 the 18th should be \"{expected}\", but you entered \"{found}\"; please look for a mistyped character"
            ),
        }
    }
}

impl fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for CreditCodeError {}

/// Value of a character in the charset (0..=30), if it belongs to it.
fn value(c: char) -> Option<u32> {
    CHARSET.chars().position(|x| x == c).and_then(|i| u32::try_from(i).ok())
}

/// Character with the given value (0..=30).
fn char_of(v: u32) -> Option<char> {
    usize::try_from(v).ok().and_then(|i| CHARSET.chars().nth(i))
}

/// Upper-cases ASCII letters and turns full-width ASCII (as typed with a Chinese input method in
/// full-width mode, e.g. "９１３５") into half-width. Other characters are kept as they are.
fn normalise_char(c: char) -> char {
    let c = match u32::from(c) {
        cp @ 0xFF01..=0xFF5E => char::from_u32(cp - 0xFF01 + 0x21).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_uppercase()
}

/// The check character for the first 17 characters of a code (upper or lower case), or `None`
/// if `first17` is not 17 characters of the charset.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut n = 0usize;
    for c in first17.chars() {
        let w = WEIGHTS.get(n)?;
        sum += value(c.to_ascii_uppercase())? * w;
        n += 1;
    }
    if n != WEIGHTS.len() {
        return None;
    }
    char_of((31 - sum % 31) % 31)
}

/// Invisible characters that copying from web pages or documents can carry along.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Trims, normalises and checks a unified social credit code. Normalising drops zero-width
/// characters, turns full-width ASCII into half-width and lower case into upper case.
pub fn validate(input: &str) -> Result<CreditCode, CreditCodeError> {
    let code: String = input
        .chars()
        .filter(|&c| !is_invisible(c))
        .collect::<String>()
        .trim()
        .chars()
        .map(normalise_char)
        .collect();
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != LEN {
        return Err(CreditCodeError::WrongLength { found: chars.len() });
    }
    if let Some((i, &c)) = chars.iter().enumerate().find(|(_, c)| value(**c).is_none()) {
        return Err(CreditCodeError::BadCharacter {
            found: c,
            position: i + 1,
        });
    }
    // All characters are ASCII from here on, so byte and character positions agree.
    let region = code.get(2..8).unwrap_or_default();
    if !region.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CreditCodeError::RegionNotDigits {
            found: region.to_string(),
        });
    }
    let found = chars.get(LEN - 1).copied().unwrap_or_default();
    let expected = code.get(..LEN - 1).and_then(check_char).unwrap_or_default();
    if expected != found {
        return Err(CreditCodeError::WrongCheckCharacter { expected, found });
    }
    Ok(CreditCode(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_standard() {
        for (i, w) in WEIGHTS.iter().enumerate() {
            let expected = (0..i).fold(1u32, |acc, _| acc * 3 % 31);
            assert_eq!(*w, expected, "weight {}", i + 1);
        }
        assert_eq!(CHARSET.chars().count(), 31);
    }

    #[test]
    fn standard_worked_example() {
        // GB 32100-2015's own example: the weighted sum of 91350100M000100Y4 is 1640,
        // 1640 mod 31 = 28, 31 - 28 = 3; "91350100M000100Y4Z" is therefore refused (and Z is
        // not even in the charset).
        assert_eq!(check_char("91350100M000100Y4"), Some('3'));
        let code = validate("91350100M000100Y43").expect("published example is valid");
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.region_code(), "350100");
        assert_eq!(code.to_string(), "91350100M000100Y43");
        assert_eq!(
            validate("91350100M000100Y4Z"),
            Err(CreditCodeError::BadCharacter {
                found: 'Z',
                position: 18
            })
        );
        assert_eq!(
            validate("91350100M000100Y4Y"),
            Err(CreditCodeError::WrongCheckCharacter {
                expected: '3',
                found: 'Y'
            })
        );
    }

    #[test]
    fn published_codes_of_real_organisations() {
        for code in [
            "91440300708461136T",
            "91110108551385082Q",
            "91110000802100433B",
            "91440300359143307G",
            "51610700305332460K",
        ] {
            assert!(validate(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn generated_codes_validate() {
        let bodies = [
            "91630100MA7XQ1234",
            "12100000400000624",
            "52110000MJ0000000",
            "Y1630104000000000",
            "93632801MA00YWXTU",
            "11000000000000000",
        ];
        let mut check_chars = Vec::new();
        for body in bodies {
            let c = check_char(body).expect("17 valid characters");
            check_chars.push(c);
            let full = format!("{body}{c}");
            let code = validate(&full).expect("generated code validates");
            assert_eq!(code.as_str(), full);
            // Any other check character is refused.
            for other in CHARSET.chars().filter(|&o| o != c) {
                assert_eq!(
                    validate(&format!("{body}{other}")),
                    Err(CreditCodeError::WrongCheckCharacter {
                        expected: c,
                        found: other
                    })
                );
            }
        }
        // check value 31 maps to '0': find a body whose check character is '0'.
        let zero = (0..31u32)
            .filter_map(char_of)
            .map(|c| format!("9163010000000000{c}"))
            .find(|b| check_char(b) == Some('0'));
        let zero = zero.expect("some last character gives check 0");
        assert!(validate(&format!("{zero}0")).is_ok());
    }

    #[test]
    fn check_char_rejects_bad_bodies() {
        assert_eq!(check_char(""), None);
        assert_eq!(check_char("91350100M000100Y"), None);
        assert_eq!(check_char("91350100M000100Y43"), None);
        assert_eq!(check_char("91350100I000100Y4"), None);
        assert_eq!(check_char("一二三四五六七八九十一二三四五六七"), None);
        assert_eq!(check_char("91350100m000100y4"), Some('3'));
    }

    #[test]
    fn wrong_length() {
        let e = validate("91350100M000100Y4").unwrap_err();
        assert_eq!(e, CreditCodeError::WrongLength { found: 17 });
        assert_eq!(e.message_zh(), "统一社会信用代码应为18位，您输入了17位");
        assert_eq!(
            e.message_en(),
            "the unified social credit code must have 18 characters; you entered 17"
        );
        assert_eq!(
            validate("91350100M000100Y431"),
            Err(CreditCodeError::WrongLength { found: 19 })
        );
        assert_eq!(validate("   "), Err(CreditCodeError::WrongLength { found: 0 }));
        assert_eq!(
            validate("").map_err(|e| e.message_zh()),
            Err("请输入18位统一社会信用代码".to_string())
        );
        // Characters, not bytes, are counted.
        assert_eq!(
            validate("统一社会信用代码"),
            Err(CreditCodeError::WrongLength { found: 8 })
        );
    }

    #[test]
    fn bad_characters() {
        for (input, found, position) in [
            ("91350100M000100O43", 'O', 16),
            ("I1350100M000100Y43", 'I', 1),
            ("91350100S000100Y43", 'S', 9),
            ("91350100M000100Y4V", 'V', 18),
            ("91350100M0001Z0Y43", 'Z', 14),
            ("91350100M000-00Y43", '-', 13),
            ("91350100M000 00Y43", ' ', 13),
        ] {
            assert_eq!(
                validate(input),
                Err(CreditCodeError::BadCharacter { found, position }),
                "{input}"
            );
        }
        let e = validate("91350100M000100O43").unwrap_err();
        assert!(e.message_zh().contains("第16位"), "{}", e.message_zh());
        assert!(e.message_zh().contains("“O”"), "{}", e.message_zh());
        assert!(e.message_en().starts_with("character 16 of"), "{}", e.message_en());
        let e = validate("91350100M000 00Y43").unwrap_err();
        assert!(e.message_en().contains("\"U+0020\""), "{}", e.message_en());
    }

    #[test]
    fn region_part_must_be_digits() {
        let body = "91A50100M000100Y4";
        let c = check_char(body).expect("valid charset");
        let e = validate(&format!("{body}{c}")).unwrap_err();
        assert_eq!(e, CreditCodeError::RegionNotDigits { found: "A50100".into() });
        assert!(e.message_zh().contains("“A50100”"));
        assert!(e.message_en().contains("\"A50100\""));
    }

    #[test]
    fn wrong_check_character_messages() {
        let e = validate("91350100M000100Y44").unwrap_err();
        assert_eq!(
            e,
            CreditCodeError::WrongCheckCharacter {
                expected: '3',
                found: '4'
            }
        );
        assert!(
            e.message_zh().contains("第18位应为“3”，您输入的是“4”"),
            "{}",
            e.message_zh()
        );
        assert!(e.message_en().contains("should be \"3\", but you entered \"4\""));
        assert_eq!(e.to_string(), e.message_en());
    }

    #[test]
    fn normalisation() {
        let ok = Ok(CreditCode("91350100M000100Y43".to_string()));
        assert_eq!(validate("91350100m000100y43"), ok);
        assert_eq!(validate("  91350100M000100Y43\t\n"), ok);
        assert_eq!(validate("\u{3000}91350100m000100Y43\u{3000}"), ok);
        assert_eq!(validate("９１３５０１００Ｍ０００１００Ｙ４３"), ok);
        assert_eq!("91350100m000100y43".parse::<CreditCode>(), ok);
    }

    #[test]
    fn odd_unicode_does_not_panic() {
        let chinese = "中华人民共和国统一社会信用代码示例";
        assert_eq!(chinese.chars().count(), 17);
        let eighteen = format!("{chinese}码");
        assert_eq!(
            validate(&eighteen),
            Err(CreditCodeError::BadCharacter {
                found: '中',
                position: 1
            })
        );
        for input in [
            "9135010０M000100Y4é",
            "913501🦀0M000100Y43",
            "91350100M000100Y4\u{0301}",
            "ß1350100M000100Y43",
            "ǅ1350100M000100Y43",
            "\u{0}1350100M000100Y43",
            "𝟗𝟏𝟑𝟓𝟎𝟏𝟎𝟎𝐌𝟎𝟎𝟎𝟏𝟎𝟎𝐘𝟒𝟑",
        ] {
            let r = validate(input);
            assert!(r.is_err(), "{input:?}");
            if let Err(e) = r {
                assert!(!e.message_zh().is_empty() && !e.message_en().is_empty());
            }
            let _ = check_char(input);
        }
        assert!(validate("\u{200b}91350100M000\u{200d}100Y43\u{feff}").is_ok());
        assert_eq!(
            validate("\u{0}1350100M000100Y43").map_err(|e| e.message_en()),
            Err(
                "character 1 of the unified social credit code, \"U+0000\", is not allowed: \
                 only the digits 0-9 and the capital letters other than I, O, S, V and Z may be used"
                    .to_string()
            )
        );
    }
}

//! Exact money and rates. Amounts are integer fen; rates are an integer numerator over a power of ten;
//! products are kept exactly (as fen scaled by 10^EXACT_SCALE) until they are rounded half-up to the fen
//! once. There is no floating point anywhere in the reward engine.

use std::fmt;

/// The largest amount a scenario or a policy file may state: 10,000,000,000,000.00 yuan (10^15 fen).
/// Keeping inputs under this bound keeps every product and sum far inside i128.
pub const MAX_FEN: i64 = 1_000_000_000_000_000;

/// Digits after the decimal point of a rate as a fraction ("3%" = 0.03 has 2, "1.5%" has 3, "1‰" has 3).
pub const MAX_RATE_DECIMALS: u32 = 10;

/// Exact products carry this many extra decimal digits beyond the fen.
const EXACT_SCALE: u32 = MAX_RATE_DECIMALS;

fn pow10(n: u32) -> i128 {
    let mut v: i128 = 1;
    for _ in 0..n {
        v *= 10;
    }
    v
}

/// An amount of money in fen (0.01 yuan). Never negative in this engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// An amount of `fen` fen; negative values are clamped to zero, values above [`MAX_FEN`] to it.
    pub fn from_fen(fen: i64) -> Money {
        Money(fen.clamp(0, MAX_FEN))
    }

    /// Whole yuan, for tests and constants.
    pub fn from_yuan(yuan: i64) -> Money {
        Money::from_fen(yuan.saturating_mul(100))
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses "1200000.00", "1200000", "0.5" (at most two decimals, no sign, no separators).
    pub fn parse(s: &str) -> Result<Money, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("an amount is required, e.g. \"1200000.00\"".into());
        }
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, f),
            None => (t, ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("\"{s}\" is not an amount in yuan such as \"1200000.00\""));
        }
        if t.contains('.') && frac.is_empty() {
            return Err(format!("\"{s}\" has a decimal point without decimals"));
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("\"{s}\" is not an amount in yuan such as \"1200000.00\""));
        }
        if frac.len() > 2 {
            return Err(format!(
                "\"{s}\" has more than two decimals (amounts are in yuan to the fen)"
            ));
        }
        let digits = int.trim_start_matches('0');
        if digits.len() > 14 {
            return Err(format!("\"{s}\" is too large"));
        }
        let mut fen: i128 = 0;
        for b in int.bytes() {
            fen = fen * 10 + i128::from(b - b'0');
        }
        let mut f: i128 = 0;
        for b in frac.bytes() {
            f = f * 10 + i128::from(b - b'0');
        }
        if frac.len() == 1 {
            f *= 10;
        }
        fen = fen * 100 + f;
        if fen > i128::from(MAX_FEN) {
            return Err(format!("\"{s}\" is too large (at most 10000000000000.00 yuan)"));
        }
        i64::try_from(fen)
            .map(Money)
            .map_err(|_| format!("\"{s}\" is too large"))
    }

    /// Plain form used in JSON: "36000.00".
    pub fn plain(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }

    /// Grouped form used in traces: "36,000.00".
    pub fn grouped(self) -> String {
        let int = (self.0 / 100).to_string();
        let mut out = String::new();
        let n = int.len();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (n - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        format!("{out}.{:02}", self.0 % 100)
    }

    pub fn min(self, other: Money) -> Money {
        if self <= other {
            self
        } else {
            other
        }
    }

    /// Sum, clamped to [`MAX_FEN`] (inputs are bounded so this never clamps in practice).
    pub fn plus(self, other: Money) -> Money {
        Money::from_fen(self.0.saturating_add(other.0))
    }

    /// Difference, clamped at zero.
    pub fn minus(self, other: Money) -> Money {
        Money::from_fen(self.0.saturating_sub(other.0))
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain())
    }
}

/// A sum of money large enough for any total of bounded amounts (fen in i128).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Total(pub i128);

impl Total {
    pub fn plus(self, m: Money) -> Total {
        Total(self.0 + i128::from(m.fen()))
    }

    /// As money, clamped to [`MAX_FEN`].
    pub fn money(self) -> Money {
        Money::from_fen(i64::try_from(self.0.clamp(0, i128::from(MAX_FEN))).unwrap_or(MAX_FEN))
    }

    pub fn grouped(self) -> String {
        if self.0 <= i128::from(MAX_FEN) {
            return self.money().grouped();
        }
        // Beyond MAX_FEN (only for sums of many contracts): plain digits.
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// A rate: `num / 10^scale` as a fraction (3 % is 3/100, 1.5 % is 15/1000, 1 ‰ is 1/1000). Keeps the text
/// it was written as so traces show it the way the policy does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rate {
    num: i128,
    scale: u32,
    text: String,
}

impl Rate {
    /// Parses "3%", "1.5%", "0.1%", "1‰" or a plain fraction "0.03". A rate must lie in 0..=100 %.
    pub fn parse(s: &str) -> Result<Rate, String> {
        let t = s.trim();
        let (number, extra_scale) = if let Some(n) = t.strip_suffix('%') {
            (n.trim_end(), 2)
        } else if let Some(n) = t.strip_suffix('‰') {
            (n.trim_end(), 3)
        } else {
            (t, 0)
        };
        let bad = || format!("\"{s}\" is not a rate such as \"3%\", \"1.5%\" or \"1‰\"");
        if number.is_empty() {
            return Err(bad());
        }
        let (int, frac) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (number.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let frac_len = u32::try_from(frac.len()).map_err(|_| bad())?;
        let scale = frac_len + extra_scale;
        if scale > MAX_RATE_DECIMALS {
            return Err(format!("\"{s}\" has too many decimals"));
        }
        if int.trim_start_matches('0').len() > 4 {
            return Err(format!("\"{s}\" is above 100%"));
        }
        let mut num: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            num = num * 10 + i128::from(b - b'0');
        }
        if num > pow10(scale) {
            return Err(format!("\"{s}\" is above 100%"));
        }
        Ok(Rate {
            num,
            scale,
            text: t.to_string(),
        })
    }

    /// A whole percentage (`percent(70)` is 70 %), at most 100.
    pub fn percent(n: u32) -> Rate {
        let n = n.min(100);
        Rate {
            num: i128::from(n),
            scale: 2,
            text: format!("{n}%"),
        }
    }

    /// `ceil(fen × rate)` for any i64 amount of fen (≥ 0), in exact integer arithmetic.
    pub fn ceil_of_fen(&self, fen: i64) -> i64 {
        let unit = pow10(EXACT_SCALE);
        let product = i128::from(fen.max(0)) * self.scaled();
        i64::try_from((product + unit - 1) / unit).unwrap_or(i64::MAX)
    }

    /// The rate as written ("3%").
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_zero(&self) -> bool {
        self.num == 0
    }

    /// The numerator over 10^EXACT_SCALE.
    fn scaled(&self) -> i128 {
        self.num * pow10(EXACT_SCALE - self.scale)
    }

    /// `self <= other` as numbers.
    pub fn not_above(&self, other: &Rate) -> bool {
        self.scaled() <= other.scaled()
    }

    /// The exact product `amount × rate`.
    pub fn apply(&self, amount: Money) -> Exact {
        Exact(i128::from(amount.fen()) * self.scaled())
    }

    /// The exact product of a total and this rate.
    pub fn apply_total(&self, amount: Total) -> Exact {
        Exact(amount.0 * self.scaled())
    }
}

impl serde::Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// An exact, unrounded amount: fen × 10^-EXACT_SCALE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Exact(i128);

impl Exact {
    pub fn plus(self, other: Exact) -> Exact {
        Exact(self.0 + other.0)
    }

    /// Rounded half-up to the fen (values are never negative), clamped to [`MAX_FEN`].
    pub fn round(self) -> Money {
        let unit = pow10(EXACT_SCALE);
        let fen = (self.0.max(0) + unit / 2) / unit;
        Money::from_fen(i64::try_from(fen.min(i128::from(MAX_FEN))).unwrap_or(MAX_FEN))
    }

    /// Rounded up to the fen (for floors that must never be under the true value).
    pub fn ceil(self) -> Money {
        let unit = pow10(EXACT_SCALE);
        let fen = (self.0.max(0) + unit - 1) / unit;
        Money::from_fen(i64::try_from(fen.min(i128::from(MAX_FEN))).unwrap_or(MAX_FEN))
    }

    /// Whether rounding changed the value.
    pub fn is_whole_fen(self) -> bool {
        self.0 % pow10(EXACT_SCALE) == 0
    }

    /// The exact value in yuan with as many decimals as needed ("30000.0301"), grouped.
    pub fn grouped(self) -> String {
        let unit = pow10(EXACT_SCALE);
        let fen = self.0.max(0) / unit;
        let rest = self.0.max(0) % unit;
        let whole = Total(fen).grouped();
        if rest == 0 {
            return whole;
        }
        let mut digits = format!("{:0width$}", rest, width = EXACT_SCALE as usize);
        while digits.ends_with('0') {
            digits.pop();
        }
        format!("{whole}{digits}")
    }
}

/// Splits `total` into `n` equal shares; the fen that do not divide go one each to the first shares.
pub fn split_equally(total: Money, n: usize) -> Vec<Money> {
    if n == 0 {
        return Vec::new();
    }
    let n64 = i64::try_from(n).unwrap_or(i64::MAX);
    let base = total.fen() / n64;
    let rest = total.fen() % n64;
    (0..n64).map(|i| Money::from_fen(base + i64::from(i < rest))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_money() {
        assert_eq!(Money::parse("1200000.00").map(Money::fen), Ok(120_000_000));
        assert_eq!(Money::parse("0.5").map(Money::fen), Ok(50));
        assert_eq!(Money::parse("7").map(Money::fen), Ok(700));
        assert!(Money::parse("-1.00").is_err());
        assert!(Money::parse("1.001").is_err());
        assert!(Money::parse("1,000.00").is_err());
        assert!(Money::parse("1.").is_err());
        assert!(Money::parse(".5").is_err());
        assert!(Money::parse("").is_err());
        assert!(Money::parse("1e5").is_err());
        assert!(Money::parse("99999999999999999999999999").is_err());
        assert_eq!(Money::from_fen(3_600_000).plain(), "36000.00");
        assert_eq!(Money::from_fen(100_000_003).grouped(), "1,000,000.03");
        assert_eq!(Money::from_fen(5).grouped(), "0.05");
        assert_eq!(Money::from_fen(99_900).grouped(), "999.00");
    }

    #[test]
    fn parses_rates() {
        for (s, ok) in [
            ("3%", true),
            ("1.5%", true),
            ("0.1%", true),
            ("1‰", true),
            ("0.03", true),
            ("100%", true),
            ("101%", false),
            ("3 percent", false),
            ("%", false),
            ("-1%", false),
            ("1.%", false),
        ] {
            assert_eq!(Rate::parse(s).is_ok(), ok, "{s}");
        }
        let permille = Rate::parse("1‰").ok();
        let tenth = Rate::parse("0.1%").ok();
        assert!(permille.is_some() && tenth.is_some());
        if let (Some(a), Some(b)) = (permille, tenth) {
            assert!(a.not_above(&b) && b.not_above(&a));
        }
    }

    #[test]
    fn rounds_half_up_once() {
        let r = Rate::parse("3%").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.apply(Money::from_fen(100_000_100)).round().plain(), "30000.03");
        let half = Rate::parse("50%").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(half.apply(Money::from_fen(1)).round().fen(), 1); // 0.5 fen rounds up
        assert_eq!(half.apply(Money::from_fen(3)).round().fen(), 2); // 1.5 fen rounds up
        let p = Rate::parse("1.5%").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.apply(Money::from_fen(33)).round().fen(), 0); // 0.495 fen rounds down
        assert_eq!(p.apply(Money::from_fen(34)).round().fen(), 1); // 0.51 fen rounds up
        assert_eq!(r.apply(Money::from_fen(100_000_100)).grouped(), "30,000.03");
        assert_eq!(p.apply(Money::from_fen(33)).grouped(), "0.00495");
    }

    #[test]
    fn splits_with_leftover_to_first() {
        let s = split_equally(Money::from_fen(1_000_001), 3);
        assert_eq!(
            s.iter().map(|m| m.fen()).collect::<Vec<_>>(),
            vec![333_334, 333_334, 333_333]
        );
        assert!(split_equally(Money::from_fen(5), 0).is_empty());
    }
}

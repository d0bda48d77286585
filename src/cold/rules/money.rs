//! Exact money: integer minor units and validated ISO 4217 currency codes. No floats anywhere.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Decimal places of the minor unit. Every currency uses 2 in this version (`JPY` included).
pub const MINOR_DIGITS: u32 = 2;

/// Minor units in one major unit (`10^MINOR_DIGITS`).
pub const MINOR_PER_MAJOR: i64 = 100;

/// Longest piece of rejected input echoed back in an error message.
const SNIPPET_CHARS: usize = 40;

/// Why an amount, a currency code or a money string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The amount string is empty.
    #[error("the amount is empty: write it like \"1000.00\"")]
    EmptyAmount,
    /// The amount is not a plain decimal number.
    #[error(
        "amount {0:?} is not a plain decimal: use digits with an optional leading '-' and at most one \
         '.' with digits on both sides, like \"1000.00\" (no exponent, '+', spaces or thousands separators)"
    )]
    Syntax(String),
    /// The amount has more decimal places than the minor unit holds.
    #[error("amount {0:?} has more than 2 decimal places")]
    TooManyDecimals(String),
    /// The amount does not fit a signed 64-bit count of minor units.
    #[error(
        "amount {0:?} is out of range: it must lie between -92233720368547758.08 and 92233720368547758.07"
    )]
    Overflow(String),
    /// The currency is not three upper-case ASCII letters.
    #[error("currency {0:?} is not a 3-letter upper-case ISO 4217 code like \"USD\"")]
    Currency(String),
    /// A money string is not `"<amount> <currency>"`.
    #[error("money {0:?} is not \"<amount> <currency>\", like \"1000.00 USD\"")]
    Format(String),
}

/// At most [`SNIPPET_CHARS`] characters of `s`, for error messages.
pub(super) fn snippet(s: &str) -> String {
    match s.char_indices().nth(SNIPPET_CHARS) {
        Some((end, _)) => format!("{}...", &s[..end]),
        None => s.to_owned(),
    }
}

/// A currency: a validated three-letter, upper-case ISO 4217 code such as `USD`.
///
/// Only the syntax is checked (three ASCII letters `A`-`Z`), not membership in the ISO list.
/// Displays, parses and serializes as the bare code string (`"USD"`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// United States dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");

    /// The currency for `code`, or `None` unless it is three upper-case ASCII letters.
    pub const fn from_bytes(code: [u8; 3]) -> Option<Currency> {
        if code[0].is_ascii_uppercase() && code[1].is_ascii_uppercase() && code[2].is_ascii_uppercase() {
            Some(Currency(code))
        } else {
            None
        }
    }

    /// The code as a string slice (`"USD"`).
    pub fn as_str(&self) -> &str {
        // Always ASCII by construction; the fallback is unreachable but keeps this panic-free.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Currency, MoneyError> {
        match s.as_bytes() {
            &[a, b, c] => Currency::from_bytes([a, b, c]),
            _ => None,
        }
        .ok_or_else(|| MoneyError::Currency(snippet(s)))
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Currency, D::Error> {
        struct CurrencyVisitor;
        impl Visitor<'_> for CurrencyVisitor {
            type Value = Currency;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 3-letter upper-case ISO 4217 currency code string such as \"USD\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Currency, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(CurrencyVisitor)
    }
}

/// Parses a decimal amount into minor units, exactly: `"1000.00"` and `"1000"` are 100000, `"0.5"` is 50,
/// `"-3.25"` is -325.
///
/// Accepted: an optional leading `-`, one or more ASCII digits, then optionally `.` and one or two
/// digits. Rejected: exponents (`"1e3"`), thousands separators (`"1,000.00"`), more than 2 decimals
/// (`"1.005"`), `+`, spaces, a bare `.` (`".5"`, `"5."`), the empty string, and anything outside the
/// range of `i64` minor units.
pub fn parse_amount(text: &str) -> Result<i64, MoneyError> {
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes {
        [] => return Err(MoneyError::EmptyAmount),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(dot) => (&digits[..dot], Some(&digits[dot + 1..])),
        None => (digits, None),
    };
    let all_digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(MoneyError::Syntax(snippet(text)));
    }
    let frac = frac.unwrap_or_default();
    if frac.len() > MINOR_DIGITS as usize {
        return Err(MoneyError::TooManyDecimals(snippet(text)));
    }
    let overflow = || MoneyError::Overflow(snippet(text));
    let mut value: i128 = 0;
    for &c in int.iter().chain(frac) {
        value =
            value.checked_mul(10).and_then(|v| v.checked_add(i128::from(c - b'0'))).ok_or_else(overflow)?;
    }
    for _ in frac.len()..MINOR_DIGITS as usize {
        value = value.checked_mul(10).ok_or_else(overflow)?;
    }
    i64::try_from(if negative { -value } else { value }).map_err(|_| overflow())
}

/// Writes `minor` as a decimal with [`MINOR_DIGITS`] places (`-325` as `-3.25`).
fn write_amount(minor: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let per = MINOR_PER_MAJOR.unsigned_abs();
    write!(f, "{sign}{}.{:02}", abs / per, abs % per)
}

/// An amount of money: a signed count of minor units (cents: 2 decimals for every currency in this
/// version) and its currency.
///
/// Amounts of different currencies are never converted or compared by size (there is no FX).
/// `Display` prints `"1000.00 USD"`, and `FromStr` reads the same form back. In JSON it is
/// `{"amount": "1000.00", "currency": "USD"}`, the amount always a string: a JSON number is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    /// The amount in minor units (1000.00 is 100000).
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// Money of `minor` minor units of `currency`.
    pub const fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Parses a decimal amount string (see [`parse_amount`]) in `currency`.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        Ok(Money { minor: parse_amount(amount)?, currency })
    }

    /// The amount alone as a decimal string (`"1000.00"`).
    pub fn amount_string(&self) -> String {
        AmountText(self.minor).to_string()
    }
}

/// Displays minor units as a decimal string without allocating.
struct AmountText(i64);

impl fmt::Display for AmountText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_amount(self.0, f)
    }
}

impl Serialize for AmountText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AmountText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AmountText, D::Error> {
        struct AmountVisitor;
        impl Visitor<'_> for AmountVisitor {
            type Value = AmountText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a decimal string such as \"1000.00\" (money amounts must be JSON strings, \
                     never numbers, to keep floats out)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AmountText, E> {
                parse_amount(v).map(AmountText).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(AmountVisitor)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_amount(self.minor, f)?;
        write!(f, " {}", self.currency)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Reads `"<amount> <currency>"` (one space), the `Display` form: `"1000.00 USD"`.
    fn from_str(s: &str) -> Result<Money, MoneyError> {
        let (amount, currency) = s.split_once(' ').ok_or_else(|| MoneyError::Format(snippet(s)))?;
        Money::parse(amount, currency.parse()?)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Money", 2)?;
        s.serialize_field("amount", &AmountText(self.minor))?;
        s.serialize_field("currency", &self.currency)?;
        s.end()
    }
}

/// The JSON shape of [`Money`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Money")]
struct MoneyRepr {
    amount: AmountText,
    currency: Currency,
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let repr = MoneyRepr::deserialize(deserializer)?;
        Ok(Money { minor: repr.amount.0, currency: repr.currency })
    }
}

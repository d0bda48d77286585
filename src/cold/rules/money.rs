//! Exact money: integer minor units and validated ISO 4217 currency codes. No floats anywhere.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most decimal places an ISO 4217 minor unit has (CLF and UYW have 4).
pub const MAX_MINOR_DIGITS: u32 = 4;

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
    /// The amount has more decimal places than its currency's minor unit holds (never rounded).
    #[error("amount {0:?} has more decimal places than {1} allows ({2})")]
    TooManyDecimals(String, String, u32),
    /// The amount does not fit a signed 64-bit count of minor units.
    #[error(
        "amount {0:?} is out of range: it must lie between -92233720368547758.08 and 92233720368547758.07"
    )]
    Overflow(String),
    /// The currency is not three upper-case ASCII letters.
    #[error("currency {0:?} is not a 3-letter upper-case ISO 4217 code like \"USD\"")]
    Currency(String),
    /// Three letters, but no ISO 4217 currency with a minor unit (an unknown code, or one such as
    /// XAU or XXX that has no decimals defined).
    #[error(
        "currency {0:?} is not an ISO 4217 currency with a minor unit (known codes: USD, EUR, JPY, BHD, ...)"
    )]
    UnknownCurrency(String),
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

/// A currency: an ISO 4217 code such as `USD`, with its minor unit's decimal places (USD 2, JPY
/// 0, BHD 3), from the ISO list (the `iso_currency` crate). Codes outside the list, and those
/// without a minor unit (XAU, XXX), are refused.
///
/// Displays, parses and serializes as the bare code string (`"USD"`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency {
    code: [u8; 3],
    digits: u8,
}

impl Currency {
    /// United States dollar.
    pub const USD: Currency = Currency { code: *b"USD", digits: 2 };
    /// Euro.
    pub const EUR: Currency = Currency { code: *b"EUR", digits: 2 };
    /// Pound sterling.
    pub const GBP: Currency = Currency { code: *b"GBP", digits: 2 };

    /// The currency for `code`, or `None` unless it is an ISO 4217 currency with a minor unit.
    pub fn from_bytes(code: [u8; 3]) -> Option<Currency> {
        let text = std::str::from_utf8(&code).ok()?;
        let iso = iso_currency::Currency::from_code(text)?;
        let digits = u8::try_from(iso.exponent()?).ok().filter(|d| u32::from(*d) <= MAX_MINOR_DIGITS)?;
        Some(Currency { code, digits })
    }

    /// The code as a string slice (`"USD"`).
    pub fn as_str(&self) -> &str {
        // Always ASCII by construction; the fallback is unreachable but keeps this panic-free.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Decimal places of the minor unit (USD 2, JPY 0, BHD 3).
    pub const fn minor_digits(&self) -> u32 {
        self.digits as u32
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
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => {
                Currency::from_bytes([a, b, c]).ok_or_else(|| MoneyError::UnknownCurrency(s.to_owned()))
            }
            _ => Err(MoneyError::Currency(snippet(s))),
        }
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

/// Parses a decimal amount of `currency` into its minor units, exactly: in USD `"1000.00"` and
/// `"1000"` are 100000, `"0.5"` is 50, `"-3.25"` is -325; in JPY `"1000"` is 1000; in BHD
/// `"1.005"` is 1005.
///
/// Accepted: an optional leading `-`, one or more ASCII digits, then optionally `.` and at most as
/// many digits as the currency's minor unit has. Rejected: exponents (`"1e3"`), thousands
/// separators (`"1,000.00"`), more decimals than the currency has (`"1.005"` in USD, `"1.5"` in
/// JPY: never rounded), `+`, spaces, a bare `.` (`".5"`, `"5."`), the empty string, and anything
/// outside the range of `i64` minor units.
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, MoneyError> {
    let digits_allowed = currency.minor_digits();
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
    if frac.len() > digits_allowed as usize {
        return Err(MoneyError::TooManyDecimals(snippet(text), currency.to_string(), digits_allowed));
    }
    let overflow = || MoneyError::Overflow(snippet(text));
    let mut value: i128 = 0;
    for &c in int.iter().chain(frac) {
        value =
            value.checked_mul(10).and_then(|v| v.checked_add(i128::from(c - b'0'))).ok_or_else(overflow)?;
    }
    for _ in frac.len()..digits_allowed as usize {
        value = value.checked_mul(10).ok_or_else(overflow)?;
    }
    i64::try_from(if negative { -value } else { value }).map_err(|_| overflow())
}

/// Writes `minor` as a decimal with `digits` places (`-325` as `-3.25` for 2, `1000` as `1000` for 0).
fn write_amount(minor: i64, digits: u32, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return write!(f, "{sign}{abs}");
    }
    let per = 10u64.pow(digits);
    write!(f, "{sign}{}.{:0width$}", abs / per, abs % per, width = digits as usize)
}

/// An amount of money: a signed count of its currency's minor units (USD cents, whole JPY, BHD
/// fils) and its currency.
///
/// Amounts of different currencies are never converted or compared by size (there is no FX).
/// `Display` prints `"1000.00 USD"`, and `FromStr` reads the same form back. In JSON it is
/// `{"amount": "1000.00", "currency": "USD"}`, the amount always a string: a JSON number is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    /// The amount in minor units (1000.00 USD is 100000).
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
        Ok(Money { minor: parse_amount(amount, currency)?, currency })
    }

    /// The amount alone as a decimal string with the currency's decimals (`"1000.00"`, `"1000"` in JPY).
    pub fn amount_string(&self) -> String {
        AmountText(self.minor, self.currency.minor_digits()).to_string()
    }
}

/// Displays minor units as a decimal string with that many decimals, without allocating.
struct AmountText(i64, u32);

impl fmt::Display for AmountText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_amount(self.0, self.1, f)
    }
}

impl Serialize for AmountText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An amount string as it came, parsed once its currency is known.
struct AmountString(String);

impl<'de> Deserialize<'de> for AmountString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AmountString, D::Error> {
        struct AmountVisitor;
        impl Visitor<'_> for AmountVisitor {
            type Value = AmountString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a decimal string such as \"1000.00\" (money amounts must be JSON strings, \
                     never numbers, to keep floats out)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AmountString, E> {
                Ok(AmountString(v.to_owned()))
            }
        }
        deserializer.deserialize_str(AmountVisitor)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_amount(self.minor, self.currency.minor_digits(), f)?;
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
        s.serialize_field("amount", &AmountText(self.minor, self.currency.minor_digits()))?;
        s.serialize_field("currency", &self.currency)?;
        s.end()
    }
}

/// The JSON shape (for the admin API's OpenAPI document): the amount a decimal string with at most
/// the currency's minor digits (never a float), the currency an ISO 4217 code.
impl schemars::JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": false,
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
                           "description": "Decimal, always a string (money is never a float), with at most the currency's minor digits"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code"}
            }
        })
    }
}

/// The JSON shape of [`Money`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Money")]
struct MoneyRepr {
    amount: AmountString,
    currency: Currency,
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let repr = MoneyRepr::deserialize(deserializer)?;
        Money::parse(&repr.amount.0, repr.currency).map_err(de::Error::custom)
    }
}

//! The rule model: rules, checks, expressions, overrides, bypasses and tier rules.

use super::money::{Currency, Money};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// One eligibility rule. Build one in code, or parse the JSON form with
/// [`parse_rule`](super::parse_rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Identifier, `[a-z0-9_-]{1,64}`; overrides refer to the rule by it.
    pub id: String,
    /// Human-readable purpose, copied into failures.
    pub description: String,
    /// A disabled rule is skipped by [`evaluate`](super::evaluate).
    pub enabled: bool,
    /// What the rule requires.
    pub check: Check,
}

/// What a rule requires of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// Balance at least this amount (same currency).
    MinBalance(Money),
    /// 30-day traded volume at least this amount (same currency).
    MinVolume30d(Money),
    /// Account at least this many whole days old.
    MinAccountAgeDays(u32),
    /// KYC level at least this.
    MinKycLevel(u32),
    /// Group membership.
    Groups {
        /// How `groups` must relate to the account's groups.
        mode: GroupMode,
        /// The groups named by the rule (non-empty).
        groups: BTreeSet<String>,
    },
    /// An arbitrary expression over the facts; the rule passes only when it is definitely true.
    Custom(Expr),
}

/// How a [`Check::Groups`] rule relates its groups to the account's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupMode {
    /// The account is in at least one of the groups.
    AnyOf,
    /// The account is in every one of the groups.
    AllOf,
    /// The account is in none of the groups.
    NoneOf,
}

impl GroupMode {
    /// The JSON key: `"any_of"`, `"all_of"` or `"none_of"`.
    pub const fn key(self) -> &'static str {
        match self {
            GroupMode::AnyOf => "any_of",
            GroupMode::AllOf => "all_of",
            GroupMode::NoneOf => "none_of",
        }
    }
}

/// A boolean expression over the facts (three-valued: see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `fact op value`.
    Compare {
        /// The fact tested.
        fact: Fact,
        /// The comparison.
        op: Op,
        /// The operand; its type must fit the fact and the op.
        value: Value,
    },
    /// True when every sub-expression is true.
    AllOf(Vec<Expr>),
    /// True when at least one sub-expression is true.
    AnyOf(Vec<Expr>),
    /// True when the sub-expression is false.
    Not(Box<Expr>),
}

/// A fact an expression can test.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fact {
    /// `balance` (money).
    Balance,
    /// `volume_30d` (money).
    Volume30d,
    /// `account_age_days` (integer, whole days).
    AccountAgeDays,
    /// `kyc_level` (integer).
    KycLevel,
    /// `groups` (a set of names; only `contains`).
    Groups,
    /// `custom.<name>`: a host-defined integer fact.
    Custom(String),
}

/// The kinds of operand a fact takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FactKind {
    Money,
    Int,
    Groups,
}

impl Fact {
    pub(super) fn kind(&self) -> FactKind {
        match self {
            Fact::Balance | Fact::Volume30d => FactKind::Money,
            Fact::AccountAgeDays | Fact::KycLevel | Fact::Custom(_) => FactKind::Int,
            Fact::Groups => FactKind::Groups,
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Balance => f.write_str("balance"),
            Fact::Volume30d => f.write_str("volume_30d"),
            Fact::AccountAgeDays => f.write_str("account_age_days"),
            Fact::KycLevel => f.write_str("kyc_level"),
            Fact::Groups => f.write_str("groups"),
            Fact::Custom(name) => write!(f, "custom.{name}"),
        }
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `contains`: `groups` holds the named group.
    Contains,
    /// `in`: an integer fact equals one of a list of integers.
    In,
}

impl Op {
    /// Every operator, in documentation order.
    pub const ALL: [Op; 8] = [Op::Ge, Op::Gt, Op::Le, Op::Lt, Op::Eq, Op::Ne, Op::Contains, Op::In];

    /// The JSON spelling: `">="`, `">"`, `"<="`, `"<"`, `"=="`, `"!="`, `"contains"`, `"in"`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::In => "in",
        }
    }

    /// The operator spelled `symbol`.
    pub fn from_symbol(symbol: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.symbol() == symbol)
    }

    /// Whether this is an ordering comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`).
    pub const fn is_ordering(self) -> bool {
        !matches!(self, Op::Contains | Op::In)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// An operand: in a comparison, or an override's threshold.
///
/// JSON: money as `{"amount": "1000.00", "currency": "USD"}`, an integer as a number, text as a
/// string, a list as an array of integers. A fractional JSON number is refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// Money (for `balance` and `volume_30d`).
    Money(Money),
    /// An integer (for `account_age_days`, `kyc_level` and custom facts).
    Int(i64),
    /// Text (a group name, for `groups contains`).
    Text(String),
    /// A list of integers (for `in`).
    List(Vec<i64>),
}

impl fmt::Display for Value {
    /// Human form: `1000.00 USD`, `3`, `"vip"`, `[1, 2]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Money(m) => write!(f, "{m}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Text(t) => write!(f, "{t:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, n) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// The JSON shapes [`Value`] reads and writes (for the admin API's OpenAPI document).
impl schemars::JsonSchema for Value {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RuleValue".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let money = generator.subschema_for::<super::Money>();
        schemars::json_schema!({
            "oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "array", "items": {"type": "integer"}}, money]
        })
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Money(m) => m.serialize(serializer),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Text(t) => serializer.serialize_str(t),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for n in items {
                    seq.serialize_element(n)?;
                }
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an integer, a string, a list of integers, or money {\"amount\": \"1000.00\", \
                     \"currency\": \"USD\"} with the amount as a string",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                i64::try_from(v).map(Value::Int).map_err(|_| E::custom("integer out of range for i64"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Text(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = seq.next_element::<i64>()? {
                    items.push(n);
                }
                Ok(Value::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
                Money::deserialize(de::value::MapAccessDeserializer::new(map)).map(Value::Money)
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// A per-user change to one rule, keyed by rule id in the map given to [`evaluate`](super::evaluate).
///
/// JSON: `"disabled"`, or `{"threshold": 1}` / `{"threshold": {"amount": "500.00", "currency": "USD"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Override {
    /// Replaces the threshold of a built-in kind: money for `MinBalance`/`MinVolume30d` (any
    /// currency), an integer in `0..=u32::MAX` for `MinAccountAgeDays`/`MinKycLevel`. Check it with
    /// [`validate_override`](super::validate_override); an unfit one fails the rule.
    Threshold(Value),
    /// The rule does not apply to this user.
    Disabled,
}

/// An administrator's grant that makes a user eligible whatever the rules say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bypass {
    /// Who granted it.
    pub granted_by: String,
    /// Why.
    pub reason: String,
    /// When (Unix milliseconds).
    pub granted_unix_ms: u64,
}

/// Maps facts to a tier: the first [`TierRule`] whose expression holds names the tier (see
/// [`pick_tier`](super::pick_tier)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierRule {
    /// Tier name, `[A-Za-z0-9_.-]{1,64}`.
    pub tier: String,
    /// When the tier applies.
    pub when: Expr,
}

/// The four default rules, all enabled, with money thresholds in whole units of `currency`:
/// `min_balance` (>= 1000, "1000.00" in USD), `min_volume_30d` (>= 10000), `min_account_age` (>= 30 days) and
/// `min_kyc_level` (>= 2).
pub fn default_rules(currency: Currency) -> Vec<Rule> {
    let rule = |id: &str, description: &str, check| Rule {
        id: id.to_owned(),
        description: description.to_owned(),
        enabled: true,
        check,
    };
    // Whole units of the currency, in its minor units (1,000 USD is 100,000 cents; 1,000 JPY is 1,000).
    let major = |units: i64| Money::new(units * 10i64.pow(currency.minor_digits()), currency);
    vec![
        rule(
            "min_balance",
            &format!("Balance of at least {}", major(1_000).amount_string()),
            Check::MinBalance(major(1_000)),
        ),
        rule(
            "min_volume_30d",
            &format!("Traded volume over 30 days of at least {}", major(10_000).amount_string()),
            Check::MinVolume30d(major(10_000)),
        ),
        rule("min_account_age", "Account open for at least 30 days", Check::MinAccountAgeDays(30)),
        rule("min_kyc_level", "KYC level 2 or higher", Check::MinKycLevel(2)),
    ]
}

//! What is known about one account: the inputs of every rule.

use super::money::{snippet, Money};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Milliseconds in one day, for [`account_age_days`].
pub const MS_PER_DAY: u64 = 86_400_000;

/// Longest host-defined (custom) fact name.
pub const MAX_CUSTOM_FACT_NAME: usize = 32;

/// Whether `name` is a valid custom fact name: 1 to 32 characters from `a-z`, `0-9` and `_`.
pub fn is_custom_fact_name(name: &str) -> bool {
    (1..=MAX_CUSTOM_FACT_NAME).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Whole days from `created_unix_ms` to `now_unix_ms`, rounded down; a creation time in the future is
/// age 0.
pub const fn account_age_days(created_unix_ms: u64, now_unix_ms: u64) -> u64 {
    now_unix_ms.saturating_sub(created_unix_ms) / MS_PER_DAY
}

/// The facts about one account that rules test. `None` means unknown: an unknown fact fails every rule
/// that needs it (the failure's actual value reads `"unknown"`).
///
/// JSON (every field optional; unknown fields are refused):
///
/// ```json
/// {"balance": {"amount": "1500.00", "currency": "USD"},
///  "volume_30d": {"amount": "25000.00", "currency": "USD"},
///  "account_created_unix_ms": 1700000000000,
///  "kyc_level": 2,
///  "groups": ["desk-a", "vip"],
///  "custom": {"risk_score": 40}}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccountFacts {
    /// Account balance.
    pub balance: Option<Money>,
    /// Traded volume over the last 30 days.
    pub volume_30d: Option<Money>,
    /// When the account was opened (Unix milliseconds).
    pub account_created_unix_ms: Option<u64>,
    /// Know-your-customer level reached (higher is more verified).
    pub kyc_level: Option<u32>,
    /// Groups the account belongs to (an empty set is "no groups", not unknown).
    pub groups: BTreeSet<String>,
    /// Host-defined integer facts, named as [`is_custom_fact_name`] allows. A name absent here is
    /// unknown.
    #[serde(deserialize_with = "custom_facts")]
    pub custom: BTreeMap<String, i64>,
}

impl AccountFacts {
    /// The account's age in whole days at `now_unix_ms` (see [`account_age_days`]), `None` if the
    /// creation time is unknown.
    pub fn age_days(&self, now_unix_ms: u64) -> Option<u64> {
        self.account_created_unix_ms.map(|created| account_age_days(created, now_unix_ms))
    }
}

/// Deserializes the custom fact map, refusing invalid names.
fn custom_facts<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, i64>, D::Error> {
    let map = BTreeMap::<String, i64>::deserialize(deserializer)?;
    match map.keys().find(|name| !is_custom_fact_name(name)) {
        Some(bad) => Err(de::Error::custom(format_args!(
            "invalid custom fact name {:?}: use 1 to 32 characters from a-z, 0-9 and '_'",
            snippet(bad)
        ))),
        None => Ok(map),
    }
}

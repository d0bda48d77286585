//! Access rules: which accounts qualify for FIX access, and which tier they get.
//!
//! A venue grants FIX access only to accounts that qualify. This module holds the pieces and evaluates
//! them; it does no I/O and holds no locks (the engine stores and publishes the values):
//!
//! * [`AccountFacts`]: what is known about one account (balance, 30-day volume, age, KYC level,
//!   groups, host-defined integers). `None` means unknown.
//! * [`Rule`]: one requirement, parsed from a JSON *rule document* ([`parse_rule`]) or built in code;
//!   [`default_rules`] gives the four defaults.
//! * [`Override`]: a per-user change to one rule (another threshold, or disabled).
//! * [`Bypass`]: an administrator's grant that makes a user eligible whatever the rules say.
//! * [`evaluate`] → [`Verdict`]: eligible or not, with a human-readable [`Failure`] per failed rule.
//! * [`TierRule`] and [`pick_tier`]: the first tier whose condition holds.
//!
//! # Money
//!
//! Money is never a float. A [`Money`] is a signed count of minor units plus a [`Currency`] (an
//! ISO 4217 code, `"USD"`), each currency with its own minor unit: `"1000.00"` USD is 100000 minor
//! units, `"1000"` JPY is 1000 (no decimals), `"1.005"` BHD is 1005. An unknown code is refused, and so
//! is an amount with more decimals than its currency has (never rounded). In JSON, money is an
//! object whose amount is a *string*:
//!
//! ```json
//! {"amount": "1000.00", "currency": "USD"}
//! ```
//!
//! Amounts are exact decimals: `"1000.00"`, `"1000"`, `"0.5"` (50 minor units) and `"-3.25"` are
//! accepted; `"1e3"`, `"1,000.00"`, `"1.005"` (more than 2 decimals), `"+1"`, `".5"`, `" 1"`, `""` and
//! values outside the range of `i64` minor units are refused, as is a JSON number (`"amount": 1000`).
//! There is no currency conversion: any comparison between different currencies fails (a balance of
//! `5000.00 EUR` fails `>= 1000.00 USD`, with actual `"5000.00 EUR"`).
//!
//! # Facts
//!
//! [`AccountFacts`] in JSON (all fields optional; unknown fields refused):
//!
//! ```json
//! {"balance": {"amount": "1500.00", "currency": "USD"},
//!  "volume_30d": {"amount": "25000.00", "currency": "USD"},
//!  "account_created_unix_ms": 1700000000000,
//!  "kyc_level": 2,
//!  "groups": ["desk-a", "vip"],
//!  "custom": {"risk_score": 40, "open_orders": 3}}
//! ```
//!
//! Account age in days is `floor((now_ms - created_ms) / 86_400_000)`; a creation time in the future is
//! age 0. Custom fact names are `[a-z0-9_]{1,32}`. An unknown fact (`null`, absent, or a custom name
//! not in the map) fails any rule that needs it, with actual `"unknown"`.
//!
//! # Rule documents
//!
//! A rule document is one JSON object (at most 64 KiB):
//!
//! | field | required | meaning |
//! |---|---|---|
//! | `id` | yes | `[a-z0-9_-]{1,64}`; overrides refer to the rule by it |
//! | `description` | no (`""`) | human-readable purpose, copied into failures |
//! | `enabled` | no (`true`) | `false` keeps the rule but skips it |
//! | *one check* | yes | exactly one of the keys below |
//!
//! | check key | value | passes when |
//! |---|---|---|
//! | `min_balance` | money | balance `>=` it, same currency |
//! | `min_volume_30d` | money | 30-day volume `>=` it, same currency |
//! | `min_account_age_days` | integer `0..=4294967295` | account age in days `>=` it |
//! | `min_kyc_level` | integer `0..=4294967295` | KYC level `>=` it |
//! | `groups` | `{"any_of" \| "all_of" \| "none_of": [names]}` | the account is in any / all / none of them |
//! | `when` | expression | the expression is true |
//!
//! ```json
//! {"id": "min_balance", "description": "Balance of at least 1000.00",
//!  "min_balance": {"amount": "1000.00", "currency": "USD"}}
//! {"id": "min_kyc_level", "min_kyc_level": 2}
//! {"id": "min_account_age", "min_account_age_days": 30, "enabled": false}
//! {"id": "desk", "description": "Desk A or B only", "groups": {"any_of": ["desk-a", "desk-b"]}}
//! {"id": "not_banned", "groups": {"none_of": ["banned", "suspended"]}}
//! ```
//!
//! Group lists hold 1 to 256 distinct names of 1 to 64 bytes without control characters.
//!
//! ## Expressions (`when`)
//!
//! An expression is exactly one of:
//!
//! * a comparison: `{"fact": F, "op": OP, "value": V}`;
//! * `{"all_of": [expr, ...]}`: every one holds (at least one listed);
//! * `{"any_of": [expr, ...]}`: at least one holds (at least one listed);
//! * `{"not": expr}`: the expression does not hold.
//!
//! | fact | type | ops | value |
//! |---|---|---|---|
//! | `balance`, `volume_30d` | money | `==` `!=` `<` `<=` `>` `>=` | money object |
//! | `account_age_days`, `kyc_level` | integer | `==` `!=` `<` `<=` `>` `>=` | integer |
//! | `custom.<name>` | integer | the same, and `in` | integer; for `in` a list of 1 to 256 integers |
//! | `groups` | set of names | `contains` | a group name (string) |
//!
//! (`in` works for `account_age_days` and `kyc_level` too.) Types are checked when the document is
//! parsed: `{"fact": "kyc_level", "op": ">=", "value": "3"}` is an error, not a false comparison.
//!
//! ```json
//! {"id": "vip_or_big", "description": "VIPs, or big traders with KYC 3",
//!  "when": {"any_of": [
//!     {"fact": "groups", "op": "contains", "value": "vip"},
//!     {"all_of": [{"fact": "volume_30d", "op": ">=", "value": {"amount": "250000.00", "currency": "USD"}},
//!                 {"fact": "kyc_level", "op": ">=", "value": 3}]}]}}
//! {"id": "low_risk", "when": {"all_of": [
//!     {"fact": "custom.risk_score", "op": "<", "value": 70},
//!     {"fact": "custom.region", "op": "in", "value": [1, 2, 5]},
//!     {"not": {"fact": "groups", "op": "contains", "value": "watchlist"}}]}}
//! ```
//!
//! **Unknown is not false.** A comparison on an unknown fact, or between different currencies, is
//! *undetermined*, and a rule passes only when its expression is *definitely true*. `not` keeps an
//! undetermined value undetermined, so `{"not": {"fact": "kyc_level", "op": "<", "value": 2}}` fails
//! for an unknown KYC level. `all_of` is false if any part is false, else undetermined if any part is,
//! else true; `any_of` is true if any part is true, else undetermined if any part is, else false.
//!
//! ## Limits and errors
//!
//! Documents are at most 64 KiB ([`MAX_DOCUMENT_BYTES`]); expressions nest at most 16 deep
//! ([`MAX_DEPTH`], the outermost is level 1) and hold at most 256 expression objects ([`MAX_NODES`]).
//! Unknown fields are refused everywhere, and so are duplicate keys. Every error is a [`RuleError`]
//! whose message names the JSON path and the problem:
//!
//! ```text
//! invalid JSON at line 1, column 14: expected `:`
//! at $.when.any_of[1].op: op "contains" is not allowed for fact "kyc_level" (allowed: ==, ...)
//! at $.min_balance: money must be an object like {"amount": "1000.00", "currency": "USD"} ...
//! at $.when.fact: unknown fact "age"; expected balance, volume_30d, ...
//! ```
//!
//! [`rule_to_json`] writes a rule back in this format; parsing the result gives an equal rule.
//!
//! # Evaluation
//!
//! [`evaluate`] skips disabled rules and rules an [`Override::Disabled`] turns off for the user, applies
//! [`Override::Threshold`] to the four built-in kinds (money for balance and volume, in any currency;
//! an integer for age and KYC), and lists every failure in rule order. A threshold override that does
//! not fit its rule fails that rule (check overrides with [`validate_override`] before storing them).
//! With a [`Bypass`] the user is eligible and `bypassed` is true, and the failures are still listed
//! for audit. Failures read like this:
//!
//! | check | actual | required |
//! |---|---|---|
//! | `min_balance` | `999.99 USD`, `5000.00 EUR`, `unknown` | `>= 1000.00 USD` |
//! | `min_account_age_days` | `29 days` | `>= 30 days` |
//! | `min_kyc_level` | `1` | `>= 2` |
//! | `groups` | `["desk-c"]` (the account's groups) | `any of ["desk-a", "desk-b"]` |
//! | `when` | the failing comparison's fact: `1` | `kyc_level >= 3`, `not (groups contains "x")` |
//!
//! The passing path allocates nothing; strings are built only for failures. The verdict serializes
//! as `{"eligible": false, "bypassed": false, "failures": [{"rule_id": "min_kyc_level", "description":
//! "...", "actual": "1", "required": ">= 2"}]}`.
//!
//! Overrides and bypasses also have JSON forms (serde), for storage:
//!
//! ```json
//! "disabled"
//! {"threshold": 1}
//! {"threshold": {"amount": "500.00", "currency": "EUR"}}
//! {"granted_by": "ops-alice", "reason": "market maker onboarding", "granted_unix_ms": 1700000000000}
//! ```
//!
//! # Tier rules
//!
//! `{"tier": "premium", "when": expr}` ([`parse_tier_rule`]; tier names `[A-Za-z0-9_.-]{1,64}`; the
//! expression follows every rule above). [`pick_tier`] returns the tier of the first rule, in order,
//! whose expression is definitely true, or `None`. [`tier_rule_to_json`] writes one back.
//!
//! ```json
//! {"tier": "premium", "when": {"all_of": [{"fact": "kyc_level", "op": ">=", "value": 3},
//!   {"fact": "balance", "op": ">=", "value": {"amount": "100000.00", "currency": "USD"}}]}}
//! {"tier": "standard", "when": {"fact": "kyc_level", "op": ">=", "value": 2}}
//! ```
//!
//! # Example
//!
//! ```
//! use fixprov::cold::rules::{default_rules, evaluate, parse_rule, AccountFacts, Currency, Money};
//! use std::collections::BTreeMap;
//!
//! let mut rules = default_rules(Currency::USD);
//! rules.push(parse_rule(r#"{"id": "desk", "groups": {"any_of": ["desk-a"]}}"#).unwrap());
//! let now = 1_700_000_000_000;
//! let facts = AccountFacts {
//!     balance: Some("999.99 USD".parse::<Money>().unwrap()),
//!     volume_30d: Some(Money::new(2_000_000, Currency::USD)),
//!     account_created_unix_ms: Some(now - 40 * 86_400_000),
//!     kyc_level: Some(2),
//!     groups: ["desk-a".to_owned()].into(),
//!     ..AccountFacts::default()
//! };
//! let verdict = evaluate(&rules, &facts, &BTreeMap::new(), None, now);
//! assert!(!verdict.eligible);
//! assert_eq!(verdict.failures[0].actual, "999.99 USD");
//! assert_eq!(verdict.failures[0].required, ">= 1000.00 USD");
//! ```

mod emit;
mod eval;
mod facts;
mod json;
mod model;
mod money;
mod parse;

pub use emit::{rule_to_json, tier_rule_to_json};
pub use eval::{evaluate, pick_tier, validate_override, Failure, Verdict};
pub use facts::{account_age_days, is_custom_fact_name, AccountFacts, MAX_CUSTOM_FACT_NAME, MS_PER_DAY};
pub use model::{default_rules, Bypass, Check, Expr, Fact, GroupMode, Op, Override, Rule, TierRule, Value};
pub use money::{parse_amount, Currency, Money, MoneyError, MAX_MINOR_DIGITS};
pub use parse::{
    is_group_name, is_rule_id, is_tier_name, parse_rule, parse_tier_rule, validate_rule, validate_tier_rule,
};

/// Largest rule or tier-rule document, in bytes (64 KiB).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Deepest expression nesting (the outermost expression is level 1).
pub const MAX_DEPTH: usize = 16;
/// Most expression objects (comparisons, `all_of`, `any_of`, `not`) in one document.
pub const MAX_NODES: usize = 256;
/// Longest rule id.
pub const MAX_RULE_ID: usize = 64;
/// Longest tier name.
pub const MAX_TIER_NAME: usize = 64;
/// Longest group name in a rule, in bytes.
pub const MAX_GROUP_NAME: usize = 64;
/// Longest group list or `in` list.
pub const MAX_LIST_LEN: usize = 256;

/// Why a rule document, tier-rule document or override was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// The text is not valid JSON (or repeats a key).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The document is larger than [`MAX_DOCUMENT_BYTES`].
    #[error("the document is {size} bytes; the limit is {max} bytes")]
    TooLarge {
        /// The document's size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Valid JSON that is not a valid rule.
    #[error("at {path}: {problem}")]
    Invalid {
        /// JSON path of the offending value, like `$.when.any_of[1].value`.
        path: String,
        /// What is wrong there.
        problem: String,
    },
    /// An override that does not fit its rule.
    #[error("override for rule {rule_id:?}: {problem}")]
    Override {
        /// The rule's id.
        rule_id: String,
        /// What is wrong.
        problem: String,
    },
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests;

//! Unit tests for the rules module, split by area.

use super::*;
use std::collections::BTreeMap;

mod evaluation;
mod fuzz;
mod money;
mod parsing;
mod policy;
mod structure;

/// One day in milliseconds.
const DAY: u64 = 86_400_000;
/// A fixed "now" (2023-11-14T22:13:20Z).
const NOW: u64 = 1_700_000_000_000;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

/// Facts that meet every default rule exactly at its threshold.
fn threshold_facts() -> AccountFacts {
    AccountFacts {
        balance: Some(usd(100_000)),
        volume_30d: Some(usd(1_000_000)),
        account_created_unix_ms: Some(NOW - 30 * DAY),
        kyc_level: Some(2),
        ..AccountFacts::default()
    }
}

fn eval(rules: &[Rule], facts: &AccountFacts) -> Verdict {
    evaluate(rules, facts, &BTreeMap::new(), None, NOW)
}

/// The default rule with `id`, alone.
fn default_rule(id: &str) -> Vec<Rule> {
    default_rules(Currency::USD).into_iter().filter(|r| r.id == id).collect()
}

fn rule(json: &str) -> Rule {
    parse_rule(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// The error message for a document that must be refused.
fn err(json: &str) -> String {
    match parse_rule(json) {
        Ok(rule) => panic!("accepted {}: {rule:?}", short(json)),
        Err(e) => e.to_string(),
    }
}

/// Asserts `json` is refused with a message containing every one of `parts`.
#[track_caller]
fn assert_refused(json: &str, parts: &[&str]) {
    let message = err(json);
    for part in parts {
        assert!(message.contains(part), "error for {}\n  was: {message}\n  lacks: {part}", short(json));
    }
}

/// At most 300 bytes of `text`, for assertion messages.
fn short(text: &str) -> &str {
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

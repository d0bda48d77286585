//! Evaluating rules, overrides and bypasses against an account's facts.
//!
//! The passing path allocates nothing: facts are compared in place, and failure strings are built only
//! for a rule that fails.

use super::facts::{account_age_days, AccountFacts};
use super::model::{Bypass, Check, Expr, Fact, GroupMode, Op, Override, Rule, TierRule, Value};
use super::money::Money;
use super::RuleError;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The outcome of [`evaluate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Verdict {
    /// Whether the user may have FIX access: no failures, or a bypass.
    pub eligible: bool,
    /// Whether a bypass was in effect (the user is eligible whatever `failures` says).
    pub bypassed: bool,
    /// Every applicable rule that failed, in rule order (listed even under a bypass, for audit).
    pub failures: Vec<Failure>,
}

/// One failed rule, in human-readable terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Failure {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's description.
    pub description: String,
    /// What the account has: `"999.99 USD"`, `"29 days"`, `"unknown"`, ...
    pub actual: String,
    /// What the rule wants: `">= 1000.00 USD"`; for an expression, the first comparison that failed,
    /// like `"kyc_level >= 3"`.
    pub required: String,
}

/// Evaluates `rules` for one account.
///
/// Disabled rules, and rules that `overrides` (keyed by rule id) disables, are skipped; an override's
/// threshold replaces a built-in rule's. A threshold override that does not fit its rule (see
/// [`validate_override`]) fails the rule rather than being ignored. With a `bypass` the user is eligible
/// whatever the rules say, and the failures are still listed. `now_unix_ms` is the clock for account
/// age. Allocates only to describe failures.
pub fn evaluate(
    rules: &[Rule],
    facts: &AccountFacts,
    overrides: &BTreeMap<String, Override>,
    bypass: Option<&Bypass>,
    now_unix_ms: u64,
) -> Verdict {
    let mut failures = Vec::new();
    for rule in rules.iter().filter(|rule| rule.enabled) {
        let threshold = match overrides.get(rule.id.as_str()) {
            Some(Override::Disabled) => continue,
            Some(Override::Threshold(value)) => Some(value),
            None => None,
        };
        if let Some(failure) = check_rule(rule, threshold, facts, now_unix_ms) {
            failures.push(failure);
        }
    }
    let bypassed = bypass.is_some();
    Verdict { eligible: bypassed || failures.is_empty(), bypassed, failures }
}

/// The tier of the first rule in `rules` whose expression holds for `facts`, if any.
pub fn pick_tier<'a>(rules: &'a [TierRule], facts: &AccountFacts, now_unix_ms: u64) -> Option<&'a str> {
    rules
        .iter()
        .find(|rule| truth(&rule.when, facts, now_unix_ms) == Truth::True)
        .map(|rule| rule.tier.as_str())
}

/// Checks that `o` fits `rule`: `Disabled` fits every rule; a threshold must be money for
/// `MinBalance`/`MinVolume30d` (any currency: it is the user's own) and an integer in
/// `0..=u32::MAX` for `MinAccountAgeDays`/`MinKycLevel`. Group and expression rules have no threshold.
pub fn validate_override(rule: &Rule, o: &Override) -> Result<(), RuleError> {
    match o {
        Override::Threshold(value) => match override_problem(&rule.check, value) {
            Some(problem) => Err(RuleError::Override { rule_id: rule.id.clone(), problem }),
            None => Ok(()),
        },
        Override::Disabled => Ok(()),
    }
}

/// Why `value` cannot replace the threshold of `check`, if it cannot.
fn override_problem(check: &Check, value: &Value) -> Option<String> {
    let wanted = match (check, value) {
        (Check::MinBalance(_) | Check::MinVolume30d(_), Value::Money(_)) => return None,
        (Check::MinAccountAgeDays(_) | Check::MinKycLevel(_), Value::Int(n)) if u32::try_from(*n).is_ok() => {
            return None
        }
        (Check::MinBalance(_) | Check::MinVolume30d(_), _) => "money",
        (Check::MinAccountAgeDays(_) | Check::MinKycLevel(_), _) => "an integer from 0 to 4294967295",
        (Check::Groups { .. } | Check::Custom(_), _) => {
            return Some("the rule has no threshold to override (only \"disabled\" applies)".to_owned())
        }
    };
    Some(format!("the threshold must be {wanted}, not {value}"))
}

/// The failure of `rule`, or `None` when it passes. `threshold` is an override's replacement.
fn check_rule(rule: &Rule, threshold: Option<&Value>, facts: &AccountFacts, now: u64) -> Option<Failure> {
    if let Some(value) = threshold {
        if let Some(problem) = override_problem(&rule.check, value) {
            return Some(failure(
                rule,
                String::from("(not evaluated)"),
                format!("a valid override: {problem}"),
            ));
        }
    }
    match &rule.check {
        Check::MinBalance(min) | Check::MinVolume30d(min) => {
            let min = match threshold {
                Some(Value::Money(m)) => m,
                _ => min,
            };
            let actual =
                if matches!(rule.check, Check::MinBalance(_)) { facts.balance } else { facts.volume_30d };
            match actual {
                Some(have) if have.currency == min.currency && have.minor >= min.minor => None,
                _ => Some(failure(rule, money_or_unknown(actual), format!(">= {min}"))),
            }
        }
        Check::MinAccountAgeDays(min) => {
            let min = threshold_u32(threshold, *min);
            match facts.age_days(now) {
                Some(days) if days >= u64::from(min) => None,
                Some(days) => Some(failure(rule, days_text(days), format!(">= {}", days_text(min.into())))),
                None => Some(failure(rule, "unknown".into(), format!(">= {}", days_text(min.into())))),
            }
        }
        Check::MinKycLevel(min) => {
            let min = threshold_u32(threshold, *min);
            match facts.kyc_level {
                Some(level) if level >= min => None,
                level => Some(failure(
                    rule,
                    level.map_or("unknown".into(), |l| l.to_string()),
                    format!(">= {min}"),
                )),
            }
        }
        Check::Groups { mode, groups } => {
            let member = |g: &String| facts.groups.contains(g);
            let pass = !groups.is_empty()
                && match mode {
                    GroupMode::AnyOf => groups.iter().any(member),
                    GroupMode::AllOf => groups.iter().all(member),
                    GroupMode::NoneOf => !groups.iter().any(member),
                };
            let words = match mode {
                GroupMode::AnyOf => "any of",
                GroupMode::AllOf => "all of",
                GroupMode::NoneOf => "none of",
            };
            (!pass)
                .then(|| failure(rule, group_list(&facts.groups), format!("{words} {}", group_list(groups))))
        }
        Check::Custom(expr) => match truth(expr, facts, now) {
            Truth::True => None,
            _ => {
                let (actual, required) = explain(expr, facts, now, false);
                Some(failure(rule, actual, required))
            }
        },
    }
}

fn failure(rule: &Rule, actual: String, required: String) -> Failure {
    Failure { rule_id: rule.id.clone(), description: rule.description.clone(), actual, required }
}

/// The override's integer threshold (already checked to fit) or the rule's own.
fn threshold_u32(threshold: Option<&Value>, own: u32) -> u32 {
    match threshold {
        Some(Value::Int(n)) => u32::try_from(*n).unwrap_or(own),
        _ => own,
    }
}

fn money_or_unknown(money: Option<Money>) -> String {
    money.map_or_else(|| "unknown".to_owned(), |m| m.to_string())
}

fn days_text(days: u64) -> String {
    format!("{days} day{}", if days == 1 { "" } else { "s" })
}

/// `["a", "b"]`.
fn group_list(groups: &BTreeSet<String>) -> String {
    let mut out = String::from("[");
    for (i, group) in groups.iter().enumerate() {
        let _ = write!(out, "{}{group:?}", if i > 0 { ", " } else { "" });
    }
    out.push(']');
    out
}

/// Three-valued truth: a comparison on an unknown fact, between different currencies, or of an
/// ill-typed expression built in code is `Unknown`, and a rule passes only on `True`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}

impl From<bool> for Truth {
    fn from(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

/// A fact's value for one account, borrowed.
enum Actual<'f> {
    Unknown,
    Money(Money),
    Int(i64),
    Groups(&'f BTreeSet<String>),
}

fn actual<'f>(fact: &Fact, facts: &'f AccountFacts, now: u64) -> Actual<'f> {
    let int = |n: Option<i64>| n.map_or(Actual::Unknown, Actual::Int);
    let money = |m: Option<Money>| m.map_or(Actual::Unknown, Actual::Money);
    match fact {
        Fact::Balance => money(facts.balance),
        Fact::Volume30d => money(facts.volume_30d),
        Fact::AccountAgeDays => int(facts
            .account_created_unix_ms
            .map(|c| i64::try_from(account_age_days(c, now)).unwrap_or(i64::MAX))),
        Fact::KycLevel => int(facts.kyc_level.map(i64::from)),
        Fact::Groups => Actual::Groups(&facts.groups),
        Fact::Custom(name) => int(facts.custom.get(name.as_str()).copied()),
    }
}

fn ordering_holds(op: Op, ordering: Ordering) -> Truth {
    match op {
        Op::Eq => (ordering == Ordering::Equal).into(),
        Op::Ne => (ordering != Ordering::Equal).into(),
        Op::Lt => (ordering == Ordering::Less).into(),
        Op::Le => (ordering != Ordering::Greater).into(),
        Op::Gt => (ordering == Ordering::Greater).into(),
        Op::Ge => (ordering != Ordering::Less).into(),
        Op::Contains | Op::In => Truth::Unknown,
    }
}

fn compare(fact: &Fact, op: Op, value: &Value, facts: &AccountFacts, now: u64) -> Truth {
    match (actual(fact, facts, now), value) {
        (Actual::Money(have), Value::Money(want)) if have.currency == want.currency => {
            ordering_holds(op, have.minor.cmp(&want.minor))
        }
        (Actual::Int(have), Value::Int(want)) => ordering_holds(op, have.cmp(want)),
        (Actual::Int(have), Value::List(list)) if op == Op::In => list.contains(&have).into(),
        (Actual::Groups(groups), Value::Text(group)) if op == Op::Contains => {
            groups.contains(group.as_str()).into()
        }
        _ => Truth::Unknown,
    }
}

fn truth(expr: &Expr, facts: &AccountFacts, now: u64) -> Truth {
    match expr {
        Expr::Compare { fact, op, value } => compare(fact, *op, value, facts, now),
        Expr::AllOf(items) if !items.is_empty() => items.iter().fold(Truth::True, |acc, item| match acc {
            Truth::False => Truth::False,
            _ => match truth(item, facts, now) {
                Truth::True => acc,
                other => other,
            },
        }),
        Expr::AnyOf(items) if !items.is_empty() => items.iter().fold(Truth::False, |acc, item| match acc {
            Truth::True => Truth::True,
            _ => match truth(item, facts, now) {
                Truth::False => acc,
                other => other,
            },
        }),
        Expr::AllOf(_) | Expr::AnyOf(_) => Truth::Unknown,
        Expr::Not(inner) => match truth(inner, facts, now) {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        },
    }
}

/// `(actual, required)` for the first comparison that keeps `expr` from being true (`negated`: from
/// being false).
fn explain(expr: &Expr, facts: &AccountFacts, now: u64, negated: bool) -> (String, String) {
    match expr {
        Expr::Compare { fact, op, value } => {
            let actual = match actual(fact, facts, now) {
                Actual::Unknown => "unknown".to_owned(),
                Actual::Money(m) => m.to_string(),
                Actual::Int(n) => n.to_string(),
                Actual::Groups(groups) => group_list(groups),
            };
            let required = format!("{fact} {op} {value}");
            (actual, if negated { format!("not ({required})") } else { required })
        }
        Expr::AllOf(items) | Expr::AnyOf(items) => {
            let wanted = if negated { Truth::False } else { Truth::True };
            match items.iter().find(|item| truth(item, facts, now) != wanted) {
                Some(item) => explain(item, facts, now, negated),
                None => ("undetermined".to_owned(), "a non-empty all_of or any_of".to_owned()),
            }
        }
        Expr::Not(inner) => explain(inner, facts, now, !negated),
    }
}

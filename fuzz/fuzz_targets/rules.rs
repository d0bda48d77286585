//! The custom rule document parser (`fixprov::cold::rules`).
//!
//! Input: a rule or tier-rule document (UTF-8 JSON text), optionally followed by a NUL byte and an
//! account-facts JSON object to evaluate it against.
//!
//! Invariants, for any input:
//! * `parse_rule` and `parse_tier_rule` never panic, and their errors display without panicking;
//! * a parsed rule re-emitted (`rule_to_json`) is JSON, parses again to an EQUAL rule, re-emits to
//!   the same text, and passes `validate_rule` (the same for tier rules);
//! * evaluating it (with or without overrides, a bypass, odd facts) never panics; the verdict is
//!   eligible exactly when nothing failed or a bypass holds; a disabled rule, or one turned off by an
//!   override, never fails; the verdict serializes.
#![no_main]

mod common;

use fixprov::cold::rules::{
    evaluate, parse_rule, parse_tier_rule, pick_tier, rule_to_json, tier_rule_to_json, validate_override,
    validate_rule, validate_tier_rule, AccountFacts, Bypass, Currency, Money, Override, Rule, Value,
};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

/// Times to evaluate at: the epoch, a realistic now, and the far end.
const NOWS: [u64; 3] = [0, 1_700_000_000_000, u64::MAX];

fn fixed_facts() -> Vec<AccountFacts> {
    let rich = AccountFacts {
        balance: Some(Money::new(150_000, Currency::USD)),
        volume_30d: Some(Money::new(2_500_000, Currency::USD)),
        account_created_unix_ms: Some(1_600_000_000_000),
        kyc_level: Some(2),
        groups: ["desk-a".to_owned(), "vip".to_owned()].into(),
        custom: [("risk_score".to_owned(), 40), ("region".to_owned(), 2)].into(),
    };
    let extreme = AccountFacts {
        balance: Some(Money::new(i64::MIN, Currency::EUR)),
        volume_30d: Some(Money::new(i64::MAX, Currency::USD)),
        // In the future of every `now` but the last: age 0.
        account_created_unix_ms: Some(u64::MAX - 1),
        kyc_level: Some(u32::MAX),
        groups: ["banned".to_owned()].into(),
        custom: [("risk_score".to_owned(), i64::MIN), ("region".to_owned(), i64::MAX)].into(),
    };
    let ancient =
        AccountFacts { account_created_unix_ms: Some(0), kyc_level: Some(0), ..AccountFacts::default() };
    vec![AccountFacts::default(), rich, extreme, ancient]
}

/// Thresholds an override may carry, fitting or not.
fn thresholds() -> Vec<Value> {
    vec![
        Value::Int(-1),
        Value::Int(0),
        Value::Int(i64::from(u32::MAX) + 1),
        Value::Int(i64::MAX),
        Value::Money(Money::new(i64::MIN, Currency::GBP)),
        Value::Money(Money::new(50_000, Currency::USD)),
        Value::Text("vip".to_owned()),
        Value::List(vec![1, 2]),
    ]
}

fn check_verdict_shape(rule: &Rule, verdict: &fixprov::cold::rules::Verdict, bypassed: bool, off: bool) {
    assert_eq!(verdict.bypassed, bypassed, "bypass flag");
    assert_eq!(
        verdict.eligible,
        verdict.failures.is_empty() || bypassed,
        "eligible vs failures: {verdict:?}"
    );
    if off || !rule.enabled {
        assert!(verdict.failures.is_empty(), "a rule that is off failed: {verdict:?}");
    }
    for failure in &verdict.failures {
        assert_eq!(failure.rule_id, rule.id, "failure names another rule");
    }
    serde_json::to_string(verdict).expect("a verdict serializes");
}

fn exercise_rule(rule: &Rule, facts: &[AccountFacts]) {
    let bypass = Bypass { granted_by: "fuzz".into(), reason: "fuzz".into(), granted_unix_ms: 1 };
    let rules = std::slice::from_ref(rule);
    let none = BTreeMap::new();
    let disabled: BTreeMap<String, Override> = [(rule.id.clone(), Override::Disabled)].into();
    validate_override(rule, &Override::Disabled).expect("disabling always fits");
    for f in facts {
        for now in NOWS {
            check_verdict_shape(rule, &evaluate(rules, f, &none, None, now), false, false);
            check_verdict_shape(rule, &evaluate(rules, f, &none, Some(&bypass), now), true, false);
            check_verdict_shape(rule, &evaluate(rules, f, &disabled, None, now), false, true);
        }
        for threshold in thresholds() {
            let o = Override::Threshold(threshold);
            // An unfit override is an error, never a panic; either way evaluation answers.
            let _ = validate_override(rule, &o).map_err(|e| e.to_string());
            let map: BTreeMap<String, Override> = [(rule.id.clone(), o)].into();
            check_verdict_shape(rule, &evaluate(rules, f, &map, None, NOWS[1]), false, false);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (doc, facts_json) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(doc) = std::str::from_utf8(doc) else { return };
    let mut facts = fixed_facts();
    if let Some(json) = facts_json {
        if let Ok(f) = serde_json::from_slice::<AccountFacts>(json) {
            facts.push(f);
        }
    }

    let parsed = parse_rule(doc);
    common::stat(|| format!("rule {}", if parsed.is_ok() { "ok" } else { "refused" }));
    match parsed {
        Ok(rule) => {
            let text = rule_to_json(&rule);
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("rule_to_json is not JSON ({e}): {text}"));
            let again = parse_rule(&text).unwrap_or_else(|e| {
                panic!("a re-emitted rule does not parse: {e}\ninput: {doc}\nemitted: {text}")
            });
            assert_eq!(again, rule, "round trip changed the rule\ninput: {doc}\nemitted: {text}");
            assert_eq!(rule_to_json(&again), text, "re-emitting is not stable");
            validate_rule(&rule).expect("a parsed rule validates");
            exercise_rule(&rule, &facts);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    let parsed = parse_tier_rule(doc);
    common::stat(|| format!("tier rule {}", if parsed.is_ok() { "ok" } else { "refused" }));
    match parsed {
        Ok(rule) => {
            let text = tier_rule_to_json(&rule);
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("tier_rule_to_json is not JSON ({e}): {text}"));
            let again = parse_tier_rule(&text).unwrap_or_else(|e| {
                panic!("a re-emitted tier rule does not parse: {e}\ninput: {doc}\nemitted: {text}")
            });
            assert_eq!(again, rule, "round trip changed the tier rule\ninput: {doc}\nemitted: {text}");
            assert_eq!(tier_rule_to_json(&again), text, "re-emitting is not stable");
            validate_tier_rule(&rule).expect("a parsed tier rule validates");
            let rules = std::slice::from_ref(&rule);
            for f in &facts {
                for now in NOWS {
                    if let Some(tier) = pick_tier(rules, f, now) {
                        assert_eq!(tier, rule.tier);
                    }
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    // Overrides arrive as JSON too (the admin API and the C ABI).
    if let Ok(o) = serde_json::from_str::<Override>(doc) {
        let text = serde_json::to_string(&o).expect("an override serializes");
        let again: Override = serde_json::from_str(&text).expect("a serialized override parses");
        assert_eq!(again, o, "override round trip: {text}");
    }
    common::stats_input_done();
});

//! Evaluation: thresholds, unknowns, currencies, groups, expressions, overrides, bypass, tiers.

use super::*;

/// One dollar, as JSON.
const USD_1: &str = r#"{"amount": "1.00", "currency": "USD"}"#;

/// The single failure of `verdict`, as (rule id, actual, required).
#[track_caller]
fn only_failure(verdict: &Verdict) -> (&str, &str, &str) {
    assert!(!verdict.eligible, "{verdict:?}");
    assert_eq!(verdict.failures.len(), 1, "{verdict:?}");
    let f = &verdict.failures[0];
    (&f.rule_id, &f.actual, &f.required)
}

#[track_caller]
fn assert_passes(rules: &[Rule], facts: &AccountFacts) {
    let verdict = eval(rules, facts);
    assert!(verdict.eligible && verdict.failures.is_empty() && !verdict.bypassed, "{verdict:?}");
}

#[test]
fn every_default_passes_exactly_at_its_threshold() {
    assert_passes(&default_rules(Currency::USD), &threshold_facts());
}

#[test]
fn min_balance_below_at_and_above() {
    let rules = default_rule("min_balance");
    let facts = |minor| AccountFacts { balance: Some(usd(minor)), ..threshold_facts() };
    let verdict = eval(&rules, &facts(99_999));
    assert_eq!(only_failure(&verdict), ("min_balance", "999.99 USD", ">= 1000.00 USD"));
    assert_eq!(verdict.failures[0].description, "Balance of at least 1000.00");
    assert_passes(&rules, &facts(100_000));
    assert_passes(&rules, &facts(100_001));
}

#[test]
fn min_volume_below_at_and_above() {
    let rules = default_rule("min_volume_30d");
    let facts = |minor| AccountFacts { volume_30d: Some(usd(minor)), ..threshold_facts() };
    assert_eq!(
        only_failure(&eval(&rules, &facts(999_999))),
        ("min_volume_30d", "9999.99 USD", ">= 10000.00 USD")
    );
    assert_passes(&rules, &facts(1_000_000));
    assert_passes(&rules, &facts(1_000_001));
}

#[test]
fn min_account_age_below_at_and_above() {
    let rules = default_rule("min_account_age");
    let created = |ms| AccountFacts { account_created_unix_ms: Some(ms), ..threshold_facts() };
    let expected = ("min_account_age", "29 days", ">= 30 days");
    assert_eq!(only_failure(&eval(&rules, &created(NOW - 29 * DAY))), expected);
    // One millisecond short of 30 days is still 29.
    assert_eq!(only_failure(&eval(&rules, &created(NOW - 30 * DAY + 1))), expected);
    assert_passes(&rules, &created(NOW - 30 * DAY));
    assert_passes(&rules, &created(NOW - 31 * DAY));
    // Created in the future: age 0.
    assert_eq!(only_failure(&eval(&rules, &created(NOW + DAY))), ("min_account_age", "0 days", ">= 30 days"));
    assert_eq!(only_failure(&eval(&rules, &created(NOW - DAY))).1, "1 day");
}

#[test]
fn min_kyc_level_below_at_and_above() {
    let rules = default_rule("min_kyc_level");
    let kyc = |level| AccountFacts { kyc_level: Some(level), ..threshold_facts() };
    assert_eq!(only_failure(&eval(&rules, &kyc(1))), ("min_kyc_level", "1", ">= 2"));
    assert_passes(&rules, &kyc(2));
    assert_passes(&rules, &kyc(3));
}

#[test]
fn unknown_facts_fail_every_rule_that_needs_them() {
    let verdict = eval(&default_rules(Currency::USD), &AccountFacts::default());
    assert!(!verdict.eligible);
    let got: Vec<_> = verdict
        .failures
        .iter()
        .map(|f| (f.rule_id.as_str(), f.actual.as_str(), f.required.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("min_balance", "unknown", ">= 1000.00 USD"),
            ("min_volume_30d", "unknown", ">= 10000.00 USD"),
            ("min_account_age", "unknown", ">= 30 days"),
            ("min_kyc_level", "unknown", ">= 2"),
        ]
    );
    let custom = [rule(r#"{"id": "c", "when": {"fact": "custom.score", "op": ">=", "value": 0}}"#)];
    assert_eq!(only_failure(&eval(&custom, &threshold_facts())), ("c", "unknown", "custom.score >= 0"));
}

#[test]
fn currency_mismatch_fails_clearly() {
    let facts = AccountFacts { balance: Some(Money::new(500_000, Currency::EUR)), ..threshold_facts() };
    let verdict = eval(&default_rules(Currency::USD), &facts);
    assert_eq!(only_failure(&verdict), ("min_balance", "5000.00 EUR", ">= 1000.00 USD"));
    // In expressions, every comparison across currencies fails, `!=` and `not` included.
    for op in ["<", "!="] {
        let doc = format!(r#"{{"id": "x", "when": {{"fact": "balance", "op": "{op}", "value": {USD_1}}}}}"#);
        let verdict = eval(&[rule(&doc)], &facts);
        assert_eq!(only_failure(&verdict), ("x", "5000.00 EUR", format!("balance {op} 1.00 USD").as_str()));
    }
    let negated = rule(&format!(
        r#"{{"id": "n", "when": {{"not": {{"fact": "balance", "op": "<", "value": {USD_1}}}}}}}"#
    ));
    assert_eq!(only_failure(&eval(&[negated], &facts)), ("n", "5000.00 EUR", "not (balance < 1.00 USD)"));
}

#[test]
fn group_rules_any_all_and_none() {
    let any = rule(r#"{"id": "any", "groups": {"any_of": ["desk-a", "desk-b"]}}"#);
    let all = rule(r#"{"id": "all", "groups": {"all_of": ["desk-a", "vip"]}}"#);
    let none = rule(r#"{"id": "none", "groups": {"none_of": ["banned", "suspended"]}}"#);
    let facts = |groups: &[&str]| AccountFacts {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..threshold_facts()
    };

    assert_passes(&[any.clone(), all.clone(), none.clone()], &facts(&["desk-a", "vip"]));
    assert_passes(std::slice::from_ref(&any), &facts(&["desk-b"]));
    assert_eq!(
        only_failure(&eval(std::slice::from_ref(&any), &facts(&["desk-c"]))),
        ("any", r#"["desk-c"]"#, r#"any of ["desk-a", "desk-b"]"#)
    );
    assert_eq!(only_failure(&eval(std::slice::from_ref(&any), &facts(&[]))).1, "[]");
    assert_eq!(
        only_failure(&eval(std::slice::from_ref(&all), &facts(&["desk-a"]))),
        ("all", r#"["desk-a"]"#, r#"all of ["desk-a", "vip"]"#)
    );
    assert_passes(std::slice::from_ref(&none), &facts(&[]));
    assert_eq!(
        only_failure(&eval(std::slice::from_ref(&none), &facts(&["desk-a", "suspended"]))),
        ("none", r#"["desk-a", "suspended"]"#, r#"none of ["banned", "suspended"]"#)
    );
}

#[test]
fn nested_custom_rules_three_levels() {
    // any_of( groups contains vip, all_of( volume >= 250000, kyc >= 3, not( custom.strikes > 2 ) ) )
    let r = rule(
        r#"{"id": "vip_or_big", "description": "VIPs, or big traders with KYC 3",
            "when": {"any_of": [
              {"fact": "groups", "op": "contains", "value": "vip"},
              {"all_of": [
                {"fact": "volume_30d", "op": ">=", "value": {"amount": "250000.00", "currency": "USD"}},
                {"fact": "kyc_level", "op": ">=", "value": 3},
                {"not": {"fact": "custom.strikes", "op": ">", "value": 2}}]}]}}"#,
    );
    let rules = [r];
    let big = |volume: i64, kyc: u32, strikes: i64| {
        let mut facts =
            AccountFacts { volume_30d: Some(usd(volume)), kyc_level: Some(kyc), ..threshold_facts() };
        facts.custom.insert("strikes".into(), strikes);
        facts
    };
    assert_passes(&rules, &big(25_000_000, 3, 2));
    let mut vip = big(0, 0, 9);
    vip.groups.insert("vip".into());
    assert_passes(&rules, &vip);
    // The first comparison is explained: the failing any_of's first branch.
    assert_eq!(
        only_failure(&eval(&rules, &big(25_000_000, 2, 0))),
        ("vip_or_big", "[]", r#"groups contains "vip""#)
    );
    // A failing all_of names its first failing part; `not` is spelled out.
    let inner = Rule {
        check: Check::Custom(Expr::AllOf(match &rules[0].check {
            Check::Custom(Expr::AnyOf(parts)) => match &parts[1] {
                Expr::AllOf(inner) => inner.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })),
        ..rules[0].clone()
    };
    let inner = [inner];
    assert_eq!(
        only_failure(&eval(&inner, &big(24_999_999, 3, 0))),
        ("vip_or_big", "249999.99 USD", "volume_30d >= 250000.00 USD")
    );
    assert_eq!(only_failure(&eval(&inner, &big(25_000_000, 2, 0))), ("vip_or_big", "2", "kyc_level >= 3"));
    assert_eq!(
        only_failure(&eval(&inner, &big(25_000_000, 3, 3))),
        ("vip_or_big", "3", "not (custom.strikes > 2)")
    );
}

#[test]
fn undetermined_is_never_a_pass() {
    let unknown = AccountFacts::default();
    let not_low = [rule(r#"{"id": "n", "when": {"not": {"fact": "kyc_level", "op": "<", "value": 2}}}"#)];
    assert_eq!(only_failure(&eval(&not_low, &unknown)), ("n", "unknown", "not (kyc_level < 2)"));
    let either = [rule(
        r#"{"id": "e", "when": {"any_of": [{"fact": "kyc_level", "op": ">=", "value": 2},
            {"fact": "groups", "op": "contains", "value": "vip"}]}}"#,
    )];
    let mut vip = AccountFacts::default();
    vip.groups.insert("vip".into());
    assert_passes(&either, &vip);
    assert_eq!(only_failure(&eval(&either, &unknown)), ("e", "unknown", "kyc_level >= 2"));
    let both = [rule(
        r#"{"id": "b", "when": {"not": {"all_of": [{"fact": "kyc_level", "op": ">=", "value": 2},
            {"fact": "groups", "op": "contains", "value": "vip"}]}}}"#,
    )];
    // not(unknown AND true) is undetermined; not(unknown AND false) is true.
    assert_eq!(only_failure(&eval(&both, &vip)), ("b", "unknown", "not (kyc_level >= 2)"));
    assert_passes(&both, &unknown);
}

#[test]
fn integer_facts_compare_and_match_lists() {
    let mut facts = threshold_facts();
    facts.custom.insert("region".into(), 5);
    let check = |op: &str, value: &str| {
        let doc =
            format!(r#"{{"id": "r", "when": {{"fact": "custom.region", "op": "{op}", "value": {value}}}}}"#);
        eval(&[rule(&doc)], &facts).eligible
    };
    let cases = [
        ("==", "5", true),
        ("==", "4", false),
        ("!=", "4", true),
        ("<", "5", false),
        ("<=", "5", true),
        (">", "4", true),
        (">=", "6", false),
        ("in", "[1, 2, 5]", true),
        ("in", "[1, 2]", false),
    ];
    for (op, value, expected) in cases {
        assert_eq!(check(op, value), expected, "region {op} {value}");
    }
    let age = [rule(r#"{"id": "a", "when": {"fact": "account_age_days", "op": "in", "value": [29, 31]}}"#)];
    assert_eq!(only_failure(&eval(&age, &threshold_facts())), ("a", "30", "account_age_days in [29, 31]"));
}

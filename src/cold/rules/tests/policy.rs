//! Overrides, bypasses, disabled rules, verdict JSON and tier rules.

use super::*;

fn overrides(entries: &[(&str, Override)]) -> BTreeMap<String, Override> {
    entries.iter().map(|(id, o)| (id.to_string(), o.clone())).collect()
}

#[test]
fn overrides_lower_raise_and_disable() {
    let rules = default_rules(Currency::USD);
    let poor = AccountFacts { balance: Some(usd(50_000)), kyc_level: Some(1), ..threshold_facts() };
    assert_eq!(eval(&rules, &poor).failures.len(), 2);

    // Lower both thresholds for this user: eligible.
    let lower = overrides(&[
        ("min_balance", Override::Threshold(Value::Money(usd(50_000)))),
        ("min_kyc_level", Override::Threshold(Value::Int(1))),
    ]);
    for (id, o) in &lower {
        let r = rules.iter().find(|r| &r.id == id).unwrap();
        assert_eq!(validate_override(r, o), Ok(()));
    }
    let verdict = evaluate(&rules, &poor, &lower, None, NOW);
    assert!(verdict.eligible && verdict.failures.is_empty(), "{verdict:?}");

    // Raise a threshold: a user who meets the defaults fails.
    let raise = overrides(&[("min_account_age", Override::Threshold(Value::Int(90)))]);
    let verdict = evaluate(&rules, &threshold_facts(), &raise, None, NOW);
    assert_eq!(verdict.failures.len(), 1);
    assert_eq!(
        (verdict.failures[0].actual.as_str(), verdict.failures[0].required.as_str()),
        ("30 days", ">= 90 days")
    );

    // A per-user threshold in the user's own currency.
    let euro = AccountFacts { balance: Some(Money::new(200_000, Currency::EUR)), ..threshold_facts() };
    let in_eur =
        overrides(&[("min_balance", Override::Threshold(Value::Money(Money::new(100_000, Currency::EUR))))]);
    assert!(evaluate(&rules, &euro, &in_eur, None, NOW).eligible);

    // Disable rules for this user.
    let off = overrides(&[("min_balance", Override::Disabled), ("min_kyc_level", Override::Disabled)]);
    let verdict = evaluate(&rules, &poor, &off, None, NOW);
    assert!(verdict.eligible && verdict.failures.is_empty(), "{verdict:?}");
    // An override for another rule id changes nothing.
    let other = overrides(&[("no_such_rule", Override::Disabled)]);
    assert_eq!(evaluate(&rules, &poor, &other, None, NOW).failures.len(), 2);
}

#[test]
fn unfit_overrides_are_refused_and_fail_closed() {
    let rules = default_rules(Currency::USD);
    let groups = rule(r#"{"id": "desk", "groups": {"any_of": ["desk-a"]}}"#);
    let cases = [
        (&rules[0], Value::Int(1), "the threshold must be money, not 1"),
        (&rules[1], Value::Text("big".into()), "the threshold must be money, not \"big\""),
        (
            &rules[2],
            Value::Money(usd(1)),
            "the threshold must be an integer from 0 to 4294967295, not 0.01 USD",
        ),
        (&rules[3], Value::Int(-1), "the threshold must be an integer from 0 to 4294967295, not -1"),
        (&rules[3], Value::Int(1 << 32), "not 4294967296"),
        (&groups, Value::Int(1), "the rule has no threshold to override"),
    ];
    for (r, value, message) in cases {
        let o = Override::Threshold(value);
        let e = validate_override(r, &o).unwrap_err();
        assert!(matches!(&e, RuleError::Override { rule_id, .. } if *rule_id == r.id), "{e:?}");
        assert!(e.to_string().contains(message), "{e}");
        // Evaluated anyway, the rule fails rather than silently keeping its own threshold.
        let verdict =
            evaluate(std::slice::from_ref(r), &threshold_facts(), &overrides(&[(&r.id, o)]), None, NOW);
        assert!(!verdict.eligible);
        assert!(verdict.failures[0].required.starts_with("a valid override: "), "{verdict:?}");
    }
    assert_eq!(validate_override(&groups, &Override::Disabled), Ok(()));
}

#[test]
fn bypass_makes_eligible_and_still_lists_failures() {
    let bypass = Bypass {
        granted_by: "ops-alice".into(),
        reason: "market maker onboarding".into(),
        granted_unix_ms: NOW,
    };
    let facts = AccountFacts { kyc_level: Some(0), ..AccountFacts::default() };
    let rules = default_rules(Currency::USD);
    let verdict = evaluate(&rules, &facts, &BTreeMap::new(), Some(&bypass), NOW);
    assert!(verdict.eligible && verdict.bypassed);
    let ids: Vec<_> = verdict.failures.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["min_balance", "min_volume_30d", "min_account_age", "min_kyc_level"]);
    assert_eq!(verdict.failures[3].actual, "0");
    // A bypass over passing rules: eligible, bypassed, nothing failed.
    let verdict = evaluate(&rules, &threshold_facts(), &BTreeMap::new(), Some(&bypass), NOW);
    assert!(verdict.eligible && verdict.bypassed && verdict.failures.is_empty());
}

#[test]
fn disabled_rules_are_skipped() {
    let mut rules = default_rules(Currency::USD);
    rules[0].enabled = false;
    let facts = AccountFacts { balance: Some(usd(0)), ..threshold_facts() };
    assert!(eval(&rules, &facts).eligible);
    let off = rule(r#"{"id": "kyc9", "enabled": false, "min_kyc_level": 9}"#);
    assert!(!off.enabled);
    assert!(eval(&[off], &facts).eligible);
    assert!(eval(&[], &AccountFacts::default()).eligible);
}

#[test]
fn verdict_and_override_json() {
    let verdict = eval(&default_rule("min_kyc_level"), &AccountFacts::default());
    let json = serde_json::to_string(&verdict).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"eligible":false,"bypassed":false,"failures":[{"rule_id":"min_kyc_level","#,
            r#""description":"KYC level 2 or higher","actual":"unknown","required":">= 2"}]}"#
        )
    );
    assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), verdict);

    let cases = [
        (Override::Disabled, r#""disabled""#),
        (Override::Threshold(Value::Int(3)), r#"{"threshold":3}"#),
        (Override::Threshold(Value::Money(usd(50))), r#"{"threshold":{"amount":"0.50","currency":"USD"}}"#),
        (Override::Threshold(Value::List(vec![1, 2])), r#"{"threshold":[1,2]}"#),
        (Override::Threshold(Value::Text("vip".into())), r#"{"threshold":"vip"}"#),
    ];
    for (o, json) in cases {
        assert_eq!(serde_json::to_string(&o).unwrap(), json);
        assert_eq!(serde_json::from_str::<Override>(json).unwrap(), o);
    }
    let e = serde_json::from_str::<Override>(r#"{"threshold": 2.5}"#).unwrap_err().to_string();
    assert!(e.contains("with the amount as a string"), "{e}");
    let e =
        serde_json::from_str::<Override>(r#"{"threshold": {"amount": 5, "currency": "USD"}}"#).unwrap_err();
    assert!(e.to_string().contains("never numbers"), "{e}");

    let bypass = Bypass { granted_by: "ops".into(), reason: "test".into(), granted_unix_ms: 7 };
    let json = serde_json::to_string(&bypass).unwrap();
    assert_eq!(json, r#"{"granted_by":"ops","reason":"test","granted_unix_ms":7}"#);
    assert_eq!(serde_json::from_str::<Bypass>(&json).unwrap(), bypass);
    assert!(serde_json::from_str::<Bypass>(r#"{"granted_by":"o","reason":"r","granted_unix_ms":1,"x":1}"#)
        .is_err());
}

#[test]
fn tier_rules_pick_the_first_match_or_none() {
    let tiers: Vec<TierRule> = [
        r#"{"tier": "premium", "when": {"all_of": [{"fact": "kyc_level", "op": ">=", "value": 3},
            {"fact": "balance", "op": ">=", "value": {"amount": "100000.00", "currency": "USD"}}]}}"#,
        r#"{"tier": "desk.A-1", "when": {"fact": "groups", "op": "contains", "value": "desk-a"}}"#,
        r#"{"tier": "standard", "when": {"fact": "kyc_level", "op": ">=", "value": 2}}"#,
    ]
    .iter()
    .map(|json| parse_tier_rule(json).unwrap_or_else(|e| panic!("{json}: {e}")))
    .collect();
    let facts = |kyc: u32, balance: i64, groups: &[&str]| AccountFacts {
        kyc_level: Some(kyc),
        balance: Some(usd(balance)),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..AccountFacts::default()
    };
    assert_eq!(pick_tier(&tiers, &facts(3, 10_000_000, &["desk-a"]), NOW), Some("premium"));
    assert_eq!(pick_tier(&tiers, &facts(3, 9_999_999, &["desk-a"]), NOW), Some("desk.A-1"));
    assert_eq!(pick_tier(&tiers, &facts(2, 0, &[]), NOW), Some("standard"));
    assert_eq!(pick_tier(&tiers, &facts(1, 0, &[]), NOW), None);
    assert_eq!(pick_tier(&tiers, &AccountFacts::default(), NOW), None);
    assert_eq!(pick_tier(&[], &facts(3, 0, &[]), NOW), None);
    for t in &tiers {
        assert_eq!(parse_tier_rule(&tier_rule_to_json(t)).as_ref(), Ok(t));
        assert_eq!(validate_tier_rule(t), Ok(()));
    }
}

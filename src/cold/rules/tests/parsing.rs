//! Rule documents: accepted forms, round trips and every validation error.

use super::*;

const VIP_OR_BIG: &str = r#"{"id": "vip_or_big", "description": "VIPs, or big traders with KYC 3",
 "when": {"any_of": [
    {"fact": "groups", "op": "contains", "value": "vip"},
    {"all_of": [{"fact": "volume_30d", "op": ">=", "value": {"amount": "250000.00", "currency": "USD"}},
                {"fact": "kyc_level", "op": ">=", "value": 3}]}]}}"#;

/// Every example of the module documentation, and a few more.
const DOCS: [&str; 9] = [
    VIP_OR_BIG,
    r#"{"id": "min_balance", "description": "Balance of at least 1000.00",
        "min_balance": {"amount": "1000.00", "currency": "USD"}}"#,
    r#"{"id": "min_kyc_level", "min_kyc_level": 2}"#,
    r#"{"id": "min_account_age", "min_account_age_days": 30, "enabled": false}"#,
    r#"{"id": "desk", "description": "Desk A or B only", "groups": {"any_of": ["desk-a", "desk-b"]}}"#,
    r#"{"id": "not_banned", "groups": {"none_of": ["banned", "suspended"]}}"#,
    r#"{"id": "low_risk", "when": {"all_of": [
        {"fact": "custom.risk_score", "op": "<", "value": 70},
        {"fact": "custom.region", "op": "in", "value": [1, 2, 5]},
        {"not": {"fact": "groups", "op": "contains", "value": "watchlist"}}]}}"#,
    r#"{"id": "vol-eur", "description": "quote \" backslash \\ tab \t unicode \u00e9 ✓",
        "min_volume_30d": {"amount": "-0.5", "currency": "EUR"}}"#,
    r#"{"id": "all-ops", "when": {"any_of": [
        {"fact": "balance", "op": "==", "value": {"amount": "1", "currency": "USD"}},
        {"fact": "balance", "op": "!=", "value": {"amount": "1", "currency": "USD"}},
        {"fact": "account_age_days", "op": ">", "value": -1},
        {"fact": "kyc_level", "op": "<=", "value": 0}]}}"#,
];

#[test]
fn documented_examples_parse_to_the_expected_rules() {
    let r = rule(VIP_OR_BIG);
    assert_eq!(r.id, "vip_or_big");
    assert!(r.enabled);
    let expected = Expr::AnyOf(vec![
        Expr::Compare { fact: Fact::Groups, op: Op::Contains, value: Value::Text("vip".into()) },
        Expr::AllOf(vec![
            Expr::Compare { fact: Fact::Volume30d, op: Op::Ge, value: Value::Money(usd(25_000_000)) },
            Expr::Compare { fact: Fact::KycLevel, op: Op::Ge, value: Value::Int(3) },
        ]),
    ]);
    assert_eq!(r.check, Check::Custom(expected));
    assert_eq!(rule(DOCS[1]).check, Check::MinBalance(usd(100_000)));
    assert_eq!(rule(DOCS[2]).check, Check::MinKycLevel(2));
    assert_eq!(rule(DOCS[2]).description, "");
    let age = rule(DOCS[3]);
    assert_eq!((age.check, age.enabled), (Check::MinAccountAgeDays(30), false));
    let desk = rule(DOCS[4]).check;
    assert_eq!(
        desk,
        Check::Groups { mode: GroupMode::AnyOf, groups: ["desk-a".into(), "desk-b".into()].into() }
    );
    assert!(matches!(rule(DOCS[5]).check, Check::Groups { mode: GroupMode::NoneOf, .. }));
    assert_eq!(rule(DOCS[7]).check, Check::MinVolume30d(Money::new(-50, Currency::EUR)));
}

#[test]
fn parse_to_json_parse_round_trips() {
    let mut rules: Vec<Rule> = DOCS.iter().map(|doc| rule(doc)).collect();
    rules.extend(default_rules(Currency::GBP));
    for r in &rules {
        let json = rule_to_json(r);
        assert_eq!(parse_rule(&json).as_ref(), Ok(r), "{json}");
        assert_eq!(rule_to_json(&rule(&json)), json);
        assert_eq!(validate_rule(r), Ok(()));
    }
    assert_eq!(
        rule_to_json(&rules[2]),
        r#"{"id": "min_kyc_level", "description": "", "enabled": true, "min_kyc_level": 2}"#
    );
    let mut bad = rules[2].clone();
    bad.id = "Bad".into();
    assert!(validate_rule(&bad).unwrap_err().to_string().starts_with("at $.id: invalid rule id"));
}

#[test]
fn invalid_json_reports_line_and_column() {
    let e = parse_rule("{\"id\": \"x\",\n \"min_kyc_level\" 2}").unwrap_err();
    assert_eq!(e, RuleError::Json { line: 2, column: 18, message: "expected `:`".into() });
    assert_eq!(e.to_string(), "invalid JSON at line 2, column 18: expected `:`");
    assert!(err("").starts_with("invalid JSON at line 1, column 0: EOF while parsing"));
    assert!(err(r#"{"id": "x", "min_kyc_level": 2} trailing"#).contains("trailing characters"));
    assert_refused(
        r#"{"id": "x", "id": "y", "min_kyc_level": 2}"#,
        &["invalid JSON at line 1", "duplicate key \"id\""],
    );
    assert_refused(r#"[1, 2]"#, &["at $: expected a rule (a JSON object), found an array"]);
}

#[test]
fn unknown_fields_are_refused_everywhere() {
    assert_refused(
        r#"{"id": "x", "min_kyc_level": 2, "priority": 1}"#,
        &["at $.priority: unknown field \"priority\""],
    );
    assert_refused(
        r#"{"id": "x", "min_balance": {"amount": "1", "currency": "USD", "fx": true}}"#,
        &["at $.min_balance.fx: unknown field \"fx\"; expected one of: amount, currency"],
    );
    assert_refused(
        r#"{"id": "x", "groups": {"any_of": ["a"], "mode": 1}}"#,
        &["at $.groups.mode: unknown field"],
    );
    assert_refused(
        r#"{"id": "x", "when": {"any_of": [{"fact": "kyc_level", "op": ">=", "value": 1, "weight": 2}]}}"#,
        &["at $.when.any_of[0].weight: unknown field \"weight\""],
    );
    assert_refused(r#"{"id": "x", "min_kyc_level": 1, "odd key": 1}"#, &["at $[\"odd key\"]: unknown field"]);
    assert_refused(
        r#"{"id": "x", "when": {"not": {"fact": "kyc_level", "op": "==", "value": 1}, "and": []}}"#,
        &["at $.when.and: unknown field \"and\"; expected one of: fact, op, value, all_of, any_of, not"],
    );
}

#[test]
fn id_is_required_and_checked() {
    assert_refused(r#"{"min_kyc_level": 2}"#, &["at $: missing field \"id\""]);
    for bad in ["", "Upper", "has space", "dot.ted", "\u{e9}t\u{e9}", &"a".repeat(65)] {
        let doc = format!(r#"{{"id": {}, "min_kyc_level": 2}}"#, serde_json::to_string(bad).unwrap());
        assert_refused(
            &doc,
            &["at $.id: invalid rule id", "use 1 to 64 characters from a-z, 0-9, '_' and '-'"],
        );
    }
    assert_refused(r#"{"id": 7, "min_kyc_level": 2}"#, &["at $.id: expected a string, found an integer"]);
    assert_eq!(rule(&format!(r#"{{"id": "{}", "min_kyc_level": 2}}"#, "a-_9".repeat(16))).id.len(), 64);
    assert_refused(
        r#"{"id": "x", "description": 5, "min_kyc_level": 2}"#,
        &["at $.description: expected a string"],
    );
    assert_refused(
        r#"{"id": "x", "enabled": "yes", "min_kyc_level": 2}"#,
        &["at $.enabled: expected true or false"],
    );
}

#[test]
fn a_rule_has_exactly_one_check() {
    assert_refused(r#"{"id": "x"}"#, &["at $: missing the check: give exactly one of min_balance"]);
    assert_refused(
        r#"{"id": "x", "min_kyc_level": 2, "min_account_age_days": 3}"#,
        &["at $: more than one check (min_account_age_days, min_kyc_level): give exactly one"],
    );
}

#[test]
fn unknown_facts_and_bad_custom_names_are_refused() {
    let doc = |fact: &str| format!(r#"{{"id": "x", "when": {{"fact": "{fact}", "op": ">=", "value": 1}}}}"#);
    assert_refused(&doc("age"), &["at $.when.fact: unknown fact \"age\"; expected balance, volume_30d"]);
    assert_refused(&doc("custom"), &["unknown fact \"custom\""]);
    for bad in
        ["custom.", "custom.Risk", "custom.risk-score", "custom.a.b", &format!("custom.{}", "a".repeat(33))]
    {
        assert_refused(&doc(bad), &["at $.when.fact: invalid custom fact name", "a-z, 0-9 and '_'"]);
    }
    let custom = rule(&doc("custom.risk_2")).check;
    assert!(
        matches!(custom, Check::Custom(Expr::Compare { fact: Fact::Custom(ref n), .. }) if n == "risk_2")
    );
}

#[test]
fn ops_must_fit_the_fact() {
    let doc = |fact: &str, op: &str, value: &str| {
        format!(r#"{{"id": "x", "when": {{"fact": "{fact}", "op": "{op}", "value": {value}}}}}"#)
    };
    let money = r#"{"amount": "1", "currency": "USD"}"#;
    assert_refused(
        &doc("kyc_level", "contains", "1"),
        &[
            "at $.when.op: op \"contains\" is not allowed for fact \"kyc_level\"",
            "(allowed: ==, !=, <, <=, >, >=, in)",
        ],
    );
    assert_refused(
        &doc("balance", "in", money),
        &["op \"in\" is not allowed for fact \"balance\" (allowed: ==, !=, <, <=, >, >=)"],
    );
    assert_refused(
        &doc("groups", ">=", "\"vip\""),
        &["op \">=\" is not allowed for fact \"groups\" (allowed: contains)"],
    );
    assert_refused(
        &doc("kyc_level", "=>", "1"),
        &["at $.when.op: unknown op \"=>\"; expected one of: >=, >, <=, <, ==, !=, contains, in"],
    );
    assert_refused(
        r#"{"id": "x", "when": {"fact": "kyc_level", "value": 1}}"#,
        &["at $.when: missing field \"op\""],
    );
    assert_refused(
        r#"{"id": "x", "when": {"op": ">=", "value": 1}}"#,
        &["at $.when: missing field \"fact\""],
    );
    assert_refused(
        r#"{"id": "x", "when": {"fact": "kyc_level", "op": ">="}}"#,
        &["at $.when: missing field \"value\""],
    );
}

#[test]
fn values_must_have_the_right_type() {
    let doc = |fact: &str, op: &str, value: &str| {
        format!(
            r#"{{"id": "x", "when": {{"all_of": [{{"fact": "{fact}", "op": "{op}", "value": {value}}}]}}}}"#
        )
    };
    assert_refused(
        &doc("kyc_level", ">=", "\"3\""),
        &["at $.when.all_of[0].value: expected an integer, found a string"],
    );
    assert_refused(&doc("kyc_level", ">=", "2.5"), &["expected an integer, found a fractional number"]);
    assert_refused(&doc("custom.n", "==", "9223372036854775808"), &["integer out of range"]);
    assert_refused(
        &doc("balance", ">=", "\"1000.00 USD\""),
        &["at $.when.all_of[0].value: expected money like"],
    );
    assert_refused(
        &doc("groups", "contains", "1"),
        &["at $.when.all_of[0].value: expected a string, found an integer"],
    );
    assert_refused(&doc("groups", "contains", "\"\""), &["invalid group name \"\""]);
    assert_refused(&doc("kyc_level", "in", "3"), &["\"in\" needs a list of integers, found an integer"]);
    assert_refused(&doc("kyc_level", "in", "[]"), &["list 1 to 256 integers, not 0"]);
    assert_refused(
        &doc("kyc_level", "in", "[1, \"2\"]"),
        &["at $.when.all_of[0].value[1]: expected an integer"],
    );
    let long: Vec<String> = (0..257).map(|n| n.to_string()).collect();
    assert_refused(&doc("kyc_level", "in", &format!("[{}]", long.join(","))), &["not 257"]);
    assert_refused(
        r#"{"id": "x", "min_kyc_level": -1}"#,
        &["at $.min_kyc_level: -1 is out of range: use 0 to 4294967295"],
    );
    assert_refused(r#"{"id": "x", "min_account_age_days": 4294967296}"#, &["out of range"]);
    assert_refused(r#"{"id": "x", "min_account_age_days": "30"}"#, &["expected an integer, found a string"]);
}

#[test]
fn money_as_a_json_number_is_refused() {
    assert_refused(
        r#"{"id": "x", "min_balance": 1000}"#,
        &[
            "at $.min_balance: money must be an object like {\"amount\": \"1000.00\", \"currency\": \"USD\"}",
            "not a number",
        ],
    );
    assert_refused(
        r#"{"id": "x", "min_balance": {"amount": 1000.00, "currency": "USD"}}"#,
        &["at $.min_balance.amount: the amount must be a JSON string such as \"1000.00\", not a number"],
    );
    assert_refused(
        r#"{"id": "x", "when": {"fact": "balance", "op": ">", "value": 1e3}}"#,
        &["at $.when.value: money must be"],
    );
}

#[test]
fn bad_amounts_and_currencies_are_refused() {
    let doc = |amount: &str, currency: &str| {
        format!(r#"{{"id": "x", "min_volume_30d": {{"amount": "{amount}", "currency": "{currency}"}}}}"#)
    };
    assert_refused(
        &doc("1.005", "USD"),
        &["at $.min_volume_30d.amount: amount \"1.005\" has more decimal places than USD allows (2)"],
    );
    assert_refused(
        &doc("1,000.00", "USD"),
        &["at $.min_volume_30d.amount: amount \"1,000.00\" is not a plain decimal"],
    );
    assert_refused(&doc("1e3", "USD"), &["no exponent"]);
    assert_refused(&doc("", "USD"), &["the amount is empty"]);
    assert_refused(&doc("92233720368547758.08", "USD"), &["out of range"]);
    assert_refused(
        &doc("1", "usd"),
        &["at $.min_volume_30d.currency: currency \"usd\" is not a 3-letter upper-case ISO 4217 code"],
    );
    assert_refused(
        r#"{"id": "x", "min_balance": {"amount": "1"}}"#,
        &["at $.min_balance: missing field \"currency\""],
    );
    assert_refused(r#"{"id": "x", "min_balance": {"amount": null, "currency": "USD"}}"#, &["found null"]);
}

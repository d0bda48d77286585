//! Document structure: expression shapes, group lists, size, depth and node limits, tier rules.

use super::*;

const LEAF: &str = r#"{"fact": "kyc_level", "op": ">=", "value": 1}"#;

/// A rule whose expression is `leaf` wrapped in `nots` levels of `not`.
fn nested(nots: usize) -> String {
    format!(r#"{{"id": "deep", "when": {}{LEAF}{}}}"#, r#"{"not": "#.repeat(nots), "}".repeat(nots))
}

#[test]
fn empty_all_of_and_any_of_are_refused() {
    assert_refused(
        r#"{"id": "x", "when": {"all_of": []}}"#,
        &["at $.when.all_of: all_of must list at least one expression"],
    );
    assert_refused(
        r#"{"id": "x", "when": {"not": {"any_of": []}}}"#,
        &["at $.when.not.any_of: any_of must list at least one"],
    );
    assert_refused(
        r#"{"id": "x", "when": {"any_of": {"fact": "kyc_level"}}}"#,
        &["at $.when.any_of: expected an array, found an object"],
    );
}

#[test]
fn expressions_have_exactly_one_shape() {
    assert_refused(r#"{"id": "x", "when": {}}"#, &["at $.when: empty expression: expected"]);
    assert_refused(
        r#"{"id": "x", "when": 3}"#,
        &["at $.when: expected an expression (a JSON object), found an integer"],
    );
    assert_refused(
        &format!(r#"{{"id": "x", "when": {{"all_of": [{LEAF}], "any_of": [{LEAF}]}}}}"#),
        &["at $.when: an expression is exactly one of", "found all_of and any_of"],
    );
    assert_refused(
        &format!(r#"{{"id": "x", "when": {{"fact": "kyc_level", "not": {LEAF}}}}}"#),
        &["found a comparison and not"],
    );
    assert_refused(
        r#"{"id": "x", "when": {"any_of": [3]}}"#,
        &["at $.when.any_of[0]: expected an expression"],
    );
}

#[test]
fn group_checks_are_validated() {
    assert_refused(
        r#"{"id": "x", "groups": {"any_of": []}}"#,
        &["at $.groups.any_of: list 1 to 256 groups, not 0"],
    );
    assert_refused(
        r#"{"id": "x", "groups": {}}"#,
        &["at $.groups: give exactly one of any_of, all_of, none_of"],
    );
    assert_refused(r#"{"id": "x", "groups": {"any_of": ["a"], "none_of": ["b"]}}"#, &["give exactly one of"]);
    assert_refused(r#"{"id": "x", "groups": ["a"]}"#, &["at $.groups: expected a group check like"]);
    assert_refused(
        r#"{"id": "x", "groups": {"all_of": ["a", "b", "a"]}}"#,
        &["at $.groups.all_of[2]: duplicate group \"a\""],
    );
    assert_refused(
        r#"{"id": "x", "groups": {"all_of": ["a", 1]}}"#,
        &["at $.groups.all_of[1]: expected a string"],
    );
    assert_refused(
        r#"{"id": "x", "groups": {"all_of": ["tab\there"]}}"#,
        &["invalid group name", "control characters"],
    );
    let long = format!(r#"{{"id": "x", "groups": {{"all_of": ["{}"]}}}}"#, "g".repeat(65));
    assert_refused(&long, &["invalid group name"]);
    let many: Vec<String> = (0..257).map(|n| format!("\"g{n}\"")).collect();
    assert_refused(&format!(r#"{{"id": "x", "groups": {{"any_of": [{}]}}}}"#, many.join(",")), &["not 257"]);
    assert!(is_group_name("Desk A/1") && !is_group_name(""));
}

#[test]
fn nesting_deeper_than_16_is_refused() {
    // 15 `not`s around a comparison: 16 levels, the limit.
    assert!(matches!(rule(&nested(15)).check, Check::Custom(Expr::Not(_))));
    let e = parse_rule(&nested(16)).unwrap_err();
    let path = format!("$.when{}", ".not".repeat(16));
    assert_eq!(e, RuleError::Invalid { path, problem: "expressions nest deeper than 16 levels".into() });
    assert!(err(&nested(100)).contains("expressions nest deeper than 16 levels"));
    // Deep arrays around a value are refused by the JSON parser, never overflowing the stack.
    let deep = format!(
        r#"{{"id": "x", "description": {}1{}, "min_kyc_level": 1}}"#,
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    assert!(err(&deep).contains("recursion limit exceeded"));
}

#[test]
fn more_than_256_nodes_are_refused() {
    let doc = |leaves: usize| {
        format!(r#"{{"id": "wide", "when": {{"any_of": [{}]}}}}"#, vec![LEAF; leaves].join(","))
    };
    // any_of plus 255 comparisons: 256 nodes.
    assert!(matches!(rule(&doc(255)).check, Check::Custom(Expr::AnyOf(ref v)) if v.len() == 255));
    assert_refused(&doc(256), &["at $.when.any_of[255]: more than 256 expression nodes in one document"]);
    assert_refused(&doc(1000), &["more than 256 expression nodes"]);
}

#[test]
fn documents_over_64_kib_are_refused() {
    let padded = |len: usize| {
        let base = r#"{"id": "big", "description": "", "min_kyc_level": 1}"#;
        base.replace("\"\"", &format!("\"{}\"", "d".repeat(len - base.len())))
    };
    assert_eq!(padded(MAX_DOCUMENT_BYTES).len(), MAX_DOCUMENT_BYTES);
    assert!(rule(&padded(MAX_DOCUMENT_BYTES)).description.len() > 65_000);
    let e = parse_rule(&padded(MAX_DOCUMENT_BYTES + 1)).unwrap_err();
    assert_eq!(e, RuleError::TooLarge { size: 65_537, max: 65_536 });
    assert_eq!(e.to_string(), "the document is 65537 bytes; the limit is 65536 bytes");
    let tier = format!(r#"{{"tier": "t", "when": {LEAF}}}{}"#, " ".repeat(70_000));
    assert!(matches!(parse_tier_rule(&tier), Err(RuleError::TooLarge { .. })));
}

#[test]
fn tier_rules_are_validated() {
    let ok = parse_tier_rule(&format!(r#"{{"tier": "Gold.v2-eu_1", "when": {LEAF}}}"#)).unwrap();
    assert_eq!(ok.tier, "Gold.v2-eu_1");
    let tier_err = |json: &str| parse_tier_rule(json).unwrap_err().to_string();
    for bad in ["", "has space", "caf\u{e9}", &"t".repeat(65)] {
        let json = format!(r#"{{"tier": {}, "when": {LEAF}}}"#, serde_json::to_string(bad).unwrap());
        assert!(tier_err(&json).starts_with("at $.tier: invalid tier name"), "{}", tier_err(&json));
    }
    assert_eq!(tier_err(r#"{"when": {}}"#), "at $: missing field \"tier\"");
    assert_eq!(tier_err(r#"{"tier": "t"}"#), "at $: missing field \"when\"");
    assert!(tier_err(&format!(r#"{{"tier": "t", "when": {LEAF}, "id": "x"}}"#))
        .starts_with("at $.id: unknown field"));
    assert!(tier_err(r#"{"tier": "t", "when": {"all_of": []}}"#).contains("at $.when.all_of"));
    assert!(tier_err("{").starts_with("invalid JSON at line 1, column 1"));
}

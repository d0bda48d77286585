//! Eligibility through the engine: the default rules at their thresholds, group and nested custom
//! rules, bad documents, overrides and bypass, provisioning refused with the failing list, logon
//! re-check on and off, re-evaluation moving a live session to another tier, and a reopen.

use fixprov::cold::rules::{AccountFacts, Currency, Money, Override, Value};
use fixprov::{
    ClockConfig, Config, Engine, LogonRefusal, LogonRequest, ManualClock, MsgClass, Secret, Verdict,
};
use std::path::PathBuf;

const DAY: u64 = 86_400_000;

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn usd(amount: &str) -> Money {
    Money::parse(amount, Currency::USD).unwrap()
}

/// Facts that pass the four defaults.
fn qualifying() -> AccountFacts {
    AccountFacts {
        balance: Some(usd("1000.00")),
        volume_30d: Some(usd("10000.00")),
        account_created_unix_ms: Some(now_ms() - 31 * DAY),
        kyc_level: Some(2),
        ..AccountFacts::default()
    }
}

fn config() -> Config {
    Config { clock: ClockConfig::Manual(ManualClock::new(1)), ..Config::default() }
}

fn failing(engine: &Engine, user: &str) -> Vec<String> {
    engine.eligibility().evaluate(user).failures.into_iter().map(|f| f.rule_id).collect()
}

#[test]
fn each_default_rule_at_just_below_and_just_above_its_threshold() {
    let engine = Engine::open(config()).unwrap();
    type Setter = fn(&mut AccountFacts, i64);
    let cases: [(&str, Setter); 4] = [
        ("min_balance", |f, d| f.balance = Some(Money::new(100_000 + d, Currency::USD))),
        ("min_volume_30d", |f, d| f.volume_30d = Some(Money::new(1_000_000 + d, Currency::USD))),
        ("min_kyc_level", |f, d| f.kyc_level = Some((2 + d) as u32)),
        ("min_account_age", |f, d| {
            f.account_created_unix_ms = Some(now_ms() - ((30 + d) as u64) * DAY - DAY / 2)
        }),
    ];
    for (rule, set) in cases {
        for (delta, eligible) in [(-1, false), (0, true), (1, true)] {
            let mut facts = qualifying();
            set(&mut facts, delta);
            engine.eligibility().account_set("u", facts).unwrap();
            let verdict = engine.eligibility().evaluate("u");
            assert_eq!(verdict.eligible, eligible, "{rule} at threshold{delta:+}: {verdict:?}");
            if !eligible {
                assert_eq!(failing(&engine, "u"), [rule]);
            }
        }
    }
    // Unknown facts fail, and a balance in another currency does not count.
    assert_eq!(failing(&engine, "nobody").len(), 4);
    let mut facts = qualifying();
    facts.balance = Some(Money::parse("5000.00", "EUR".parse().unwrap()).unwrap());
    engine.eligibility().account_set("u", facts).unwrap();
    let verdict = engine.eligibility().evaluate("u");
    assert_eq!(verdict.failures[0].actual, "5000.00 EUR");
    assert_eq!(verdict.failures[0].required, ">= 1000.00 USD");
}

#[test]
fn group_and_nested_custom_rules() {
    let engine = Engine::open(Config { default_rules: false, ..config() }).unwrap();
    engine.eligibility().rule_add(r#"{"id": "desks", "groups": {"any_of": ["desk-a", "desk-b"]}}"#).unwrap();
    engine.eligibility().rule_add(r#"{"id": "not_banned", "groups": {"none_of": ["banned"]}}"#).unwrap();
    engine
        .eligibility()
        .rule_add(
            r#"{"id": "vip_or_big", "description": "VIPs, or big traders with KYC 3 and low risk",
                "when": {"any_of": [
                  {"fact": "groups", "op": "contains", "value": "vip"},
                  {"all_of": [
                    {"fact": "volume_30d", "op": ">=", "value": {"amount": "250000.00", "currency": "USD"}},
                    {"fact": "kyc_level", "op": ">=", "value": 3},
                    {"not": {"fact": "custom.risk_score", "op": ">", "value": 50}}]}]}}"#,
        )
        .unwrap();
    let facts = |groups: &[&str], volume: &str, kyc: u32, risk: i64| AccountFacts {
        volume_30d: Some(usd(volume)),
        kyc_level: Some(kyc),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        custom: [("risk_score".to_string(), risk)].into(),
        ..AccountFacts::default()
    };
    let cases = [
        (facts(&["desk-a", "vip"], "0", 0, 99), vec![]),
        (facts(&["desk-b"], "250000.00", 3, 50), vec![]),
        (facts(&["desk-b"], "250000.00", 3, 51), vec!["vip_or_big"]),
        (facts(&["desk-b"], "249999.99", 3, 0), vec!["vip_or_big"]),
        (facts(&["desk-c"], "250000.00", 2, 0), vec!["desks", "vip_or_big"]),
        (facts(&["desk-a", "vip", "banned"], "0", 0, 0), vec!["not_banned"]),
    ];
    for (i, (facts, expected)) in cases.into_iter().enumerate() {
        engine.eligibility().account_set("g", facts).unwrap();
        assert_eq!(failing(&engine, "g"), expected, "case {i}");
    }
}

#[test]
fn bad_rule_documents_are_refused_with_a_message_that_names_the_problem() {
    let engine = Engine::open(config()).unwrap();
    let cases = [
        (r#"{"id": "x", "min_kyc_level": 2"#, "line 1"),
        (r#"{"id": "x", "min_kyc_level": 2, "colour": "red"}"#, "colour"),
        (r#"{"min_kyc_level": 2}"#, "id"),
        (r#"{"id": "Bad Id", "min_kyc_level": 2}"#, "id"),
        (r#"{"id": "x", "when": {"fact": "shoe_size", "op": ">=", "value": 3}}"#, "shoe_size"),
        (r#"{"id": "x", "when": {"fact": "groups", "op": ">=", "value": 3}}"#, "$.when"),
        (r#"{"id": "x", "min_balance": {"amount": 1000, "currency": "USD"}}"#, "string"),
        (r#"{"id": "x", "min_balance": {"amount": "10.001", "currency": "USD"}}"#, "10.001"),
        (r#"{"id": "x", "when": {"all_of": []}}"#, "all_of"),
    ];
    for (document, mentions) in cases {
        match engine.eligibility().rule_add(document) {
            Err(fixprov::Error::InvalidArgument(message)) => {
                assert!(message.contains(mentions), "{document}: '{message}' does not mention '{mentions}'")
            }
            other => panic!("{document}: {other:?}"),
        }
    }
    assert!(matches!(
        engine.eligibility().rule_add(r#"{"id": "min_kyc_level", "min_kyc_level": 1}"#),
        Err(fixprov::Error::AlreadyExists(_))
    ));
    assert_eq!(engine.eligibility().rules().len(), 4, "nothing was added");
    assert!(matches!(engine.eligibility().rule_remove("nope"), Err(fixprov::Error::NotFound(_))));
}

#[test]
fn overrides_and_bypass() {
    let engine = Engine::open(config()).unwrap();
    let mut facts = qualifying();
    facts.kyc_level = Some(1);
    facts.balance = Some(usd("500.00"));
    engine.eligibility().account_set("o", facts).unwrap();
    assert_eq!(failing(&engine, "o"), ["min_balance", "min_kyc_level"]);
    engine.eligibility().override_set("o", "min_kyc_level", Some(Override::Disabled)).unwrap();
    engine
        .eligibility()
        .override_set("o", "min_balance", Some(Override::Threshold(Value::Money(usd("400.00")))))
        .unwrap();
    assert!(engine.eligibility().evaluate("o").eligible);
    engine
        .eligibility()
        .override_set("o", "min_balance", Some(Override::Threshold(Value::Money(usd("600.00")))))
        .unwrap();
    assert_eq!(failing(&engine, "o"), ["min_balance"]);
    assert!(matches!(
        engine.eligibility().override_set("o", "min_balance", Some(Override::Threshold(Value::Int(3)))),
        Err(fixprov::Error::InvalidArgument(_))
    ));
    assert!(matches!(
        engine.eligibility().override_set("o", "no_such_rule", Some(Override::Disabled)),
        Err(fixprov::Error::NotFound(_))
    ));
    engine.eligibility().override_set("o", "min_balance", None).unwrap();
    assert_eq!(failing(&engine, "o"), ["min_balance"]);
    assert!(failing(&engine, "other").contains(&"min_kyc_level".to_string()), "overrides are per user");

    // A bypass makes the user eligible whatever the rules say, and still lists what failed.
    assert!(matches!(
        engine.eligibility().bypass_set("o", Some(("", "why"))),
        Err(fixprov::Error::InvalidArgument(_))
    ));
    engine
        .eligibility()
        .bypass_set("o", Some(("ops@venue", "market maker onboarding, ticket 4411")))
        .unwrap();
    let verdict = engine.eligibility().evaluate("o");
    assert!(verdict.eligible && verdict.bypassed);
    assert_eq!(verdict.failures.len(), 1);
    engine.eligibility().bypass_set("o", None).unwrap();
    assert!(!engine.eligibility().evaluate("o").eligible);
    assert!(matches!(engine.eligibility().bypass_set("o", None), Err(fixprov::Error::NotFound(_))));

    // Disabling and removing rules.
    engine.eligibility().rule_enable("min_balance", false).unwrap();
    assert!(engine.eligibility().evaluate("o").eligible);
    engine.eligibility().rule_enable("min_balance", true).unwrap();
    engine.eligibility().rule_remove("min_balance").unwrap();
    assert!(engine.eligibility().evaluate("o").eligible);
}

#[test]
fn provisioning_is_refused_with_the_full_list_of_failing_rules() {
    let engine = Engine::open(config()).unwrap();
    let mut facts = qualifying();
    facts.balance = Some(usd("999.99"));
    facts.kyc_level = Some(1);
    engine.eligibility().account_set("p", facts).unwrap();
    match engine.access().provision("p", None) {
        Err(fixprov::Error::NotEligible(failures)) => {
            assert_eq!(failures.len(), 2, "{failures:?}");
            assert!(failures[0].starts_with("min_balance: 999.99 USD"), "{failures:?}");
            assert!(failures[0].contains(">= 1000.00 USD"));
            assert!(failures[1].starts_with("min_kyc_level: 1"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(engine.access().credentials("p"), Err(fixprov::Error::NotFound(_))),
        "nothing was provisioned"
    );
    engine.eligibility().account_set("p", qualifying()).unwrap();
    assert!(engine.access().provision("p", None).is_ok());
}

fn logon(engine: &Engine, sender: &str, password: &Secret) -> Result<u64, LogonRefusal> {
    engine.access().logon(&LogonRequest {
        sender_comp_id: sender,
        target_comp_id: "FIXPROV",
        password: password.expose(),
        username: None,
        peer: None,
    })
}

#[test]
fn logon_rechecks_eligibility_only_when_configured() {
    for check in [false, true] {
        let engine = Engine::open(Config { logon_checks_eligibility: check, ..config() }).unwrap();
        engine.eligibility().account_set("l", qualifying()).unwrap();
        let c = engine.access().provision("l", Some("premium")).unwrap();
        let mut facts = qualifying();
        facts.kyc_level = Some(0);
        engine.eligibility().account_set("l", facts).unwrap();
        let result = logon(&engine, &c.sender_comp_id, &c.password);
        if check {
            let r = result.unwrap_err();
            assert_eq!(
                (r, r.session_status(), r.text()),
                (LogonRefusal::NotEligible, 7, "Account not eligible for FIX access")
            );
        } else {
            assert!(result.is_ok(), "off by default: facts change slowly");
        }
    }
}

#[test]
fn reevaluation_reports_suspends_and_moves_live_sessions_between_tiers() {
    let engine = Engine::open(config()).unwrap();
    for user in ["big", "small", "gone"] {
        engine.eligibility().account_set(user, qualifying()).unwrap();
    }
    let big = engine.access().provision("big", Some("premium")).unwrap();
    engine.access().provision("small", Some("basic")).unwrap();
    engine.access().provision("gone", None).unwrap();
    engine
        .eligibility().tier_rules_set(
            r#"[{"tier": "premium", "when": {"fact": "volume_30d", "op": ">=", "value": {"amount": "1000000.00", "currency": "USD"}}},
                {"tier": "standard", "when": {"fact": "volume_30d", "op": ">=", "value": {"amount": "10000.00", "currency": "USD"}}}]"#,
        )
        .unwrap();
    assert!(matches!(
        engine
            .eligibility()
            .tier_rules_set(r#"[{"tier": "gold", "when": {"fact": "kyc_level", "op": ">=", "value": 1}}]"#),
        Err(fixprov::Error::NotFound(_))
    ));
    let session = logon(&engine, &big.sender_comp_id, &big.password).unwrap();
    // The big user's volume falls under the premium threshold; the gone user's KYC lapses.
    let mut gone = qualifying();
    gone.kyc_level = Some(0);
    engine.eligibility().account_set("gone", gone).unwrap();

    let report = engine.eligibility().reevaluate(false).unwrap();
    assert_eq!(report.checked, 3);
    assert_eq!(report.not_eligible.iter().map(|v| v.user.as_str()).collect::<Vec<_>>(), ["gone"]);
    assert!(report.suspended.is_empty());
    let mut changes = report.tier_changes.clone();
    changes.sort();
    assert_eq!(
        changes,
        [
            ("big".into(), "premium".into(), "standard".into()),
            ("gone".into(), "basic".into(), "standard".into()),
            ("small".into(), "basic".into(), "standard".into())
        ]
    );
    // The live session enforces standard (burst 40) from its next message, not premium (200).
    assert_eq!(engine.sessions().info(session).unwrap().tier, "standard");
    let admitted = (0..100).filter(|_| engine.check(session, MsgClass::Order) == Verdict::Ok).count();
    assert_eq!(admitted, 40);

    let report = engine.eligibility().reevaluate(true).unwrap();
    assert_eq!(report.suspended, ["gone"]);
    assert!(report.tier_changes.is_empty(), "already on their tiers");
    assert_eq!(engine.access().credentials("gone").unwrap().status, fixprov::CredentialStatus::Suspended);
    assert!(engine.eligibility().reevaluate(true).unwrap().suspended.is_empty(), "suspended once");
}

#[test]
fn everything_survives_a_reopen() {
    let dir: PathBuf = std::env::temp_dir().join(format!("fixprov-eligibility-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let stored = || Config {
        data_dir: Some(dir.clone()),
        master_password: Some(Secret::new(b"eligibility".to_vec())),
        ..config()
    };
    let mut facts = qualifying();
    facts.kyc_level = Some(1);
    facts.groups = ["desk-a".to_string()].into();
    {
        let engine = Engine::open(stored()).unwrap();
        engine.eligibility().account_set("r", facts.clone()).unwrap();
        engine.eligibility().rule_add(r#"{"id": "desk", "groups": {"any_of": ["desk-a"]}}"#).unwrap();
        engine.eligibility().rule_enable("min_account_age", false).unwrap();
        engine.eligibility().rule_remove("min_volume_30d").unwrap();
        engine
            .eligibility()
            .override_set("r", "min_kyc_level", Some(Override::Threshold(Value::Int(1))))
            .unwrap();
        engine.eligibility().bypass_set("s", Some(("ops", "pilot"))).unwrap();
        engine
            .eligibility()
            .tier_rules_set(r#"[{"tier": "premium", "when": {"fact": "kyc_level", "op": ">=", "value": 1}}]"#)
            .unwrap();
    }
    let engine = Engine::open(stored()).unwrap();
    assert_eq!(engine.eligibility().account_facts("r"), facts);
    let ids: Vec<_> = engine.eligibility().rules().into_iter().map(|r| (r.id, r.enabled)).collect();
    assert_eq!(
        ids,
        [
            ("min_balance".into(), true),
            ("min_account_age".into(), false),
            ("min_kyc_level".into(), true),
            ("desk".into(), true)
        ]
    );
    assert!(engine.eligibility().evaluate("r").eligible, "the override survived");
    assert!(engine.eligibility().evaluate("s").bypassed, "the bypass survived");
    assert_eq!(engine.eligibility().tier_rules().len(), 1);
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_engine_currency_is_an_iso_4217_code_with_its_own_decimals() {
    for (code, ok) in
        [("JPY", true), ("BHD", true), ("USD", true), ("XYZ", false), ("XAU", false), ("usd", false)]
    {
        let opened =
            fixprov::Engine::open(fixprov::Config { currency: code.into(), ..fixprov::Config::default() });
        match opened {
            Ok(engine) => {
                assert!(ok, "{code} was accepted");
                let rules: String =
                    engine.eligibility().rules().iter().map(fixprov::cold::rules::rule_to_json).collect();
                assert!(rules.contains(&format!("\"{code}\"")), "{rules}");
            }
            Err(e) => {
                assert!(!ok, "{code}: {e}");
                assert!(matches!(e, fixprov::Error::InvalidArgument(_)), "{code}: {e:?}");
                assert!(e.to_string().contains("ISO 4217"), "{code}: {e}");
            }
        }
    }
}

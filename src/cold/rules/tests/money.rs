//! Money, currencies and facts.

use super::*;

#[test]
fn amounts_parse_exactly() {
    let cases = [
        ("1000.00", 100_000),
        ("1000", 100_000),
        ("0.5", 50),
        ("-3.25", -325),
        ("0.05", 5),
        ("-0.5", -50),
        ("007.10", 710),
        ("0", 0),
        ("-0", 0),
        ("92233720368547758.07", i64::MAX),
        ("-92233720368547758.08", i64::MIN),
    ];
    for (text, minor) in cases {
        assert_eq!(parse_amount(text, Currency::USD), Ok(minor), "{text}");
    }
}

#[test]
fn bad_amounts_are_refused_with_clear_errors() {
    assert_eq!(parse_amount("", Currency::USD), Err(MoneyError::EmptyAmount));
    assert!(MoneyError::EmptyAmount.to_string().contains("empty"));
    for text in
        ["1e3", "1,000.00", "+1", ".5", "5.", "1.2.3", "--1", " 1", "1 ", "-", "1.-5", "\u{661}", "0x10"]
    {
        let e = parse_amount(text, Currency::USD).unwrap_err();
        assert_eq!(e, MoneyError::Syntax(text.to_owned()), "{text}");
        let message = e.to_string();
        assert!(message.contains("no exponent") && message.contains("thousands separators"), "{message}");
    }
    let e = parse_amount("1.005", Currency::USD).unwrap_err();
    assert_eq!(e, MoneyError::TooManyDecimals("1.005".into(), "USD".into(), 2));
    assert_eq!(e.to_string(), "amount \"1.005\" has more decimal places than USD allows (2)");
    for text in ["92233720368547758.08", "-92233720368547758.09", "99999999999999999999999999999999999999999"]
    {
        let e = parse_amount(text, Currency::USD).unwrap_err();
        assert!(matches!(e, MoneyError::Overflow(_)), "{text}: {e:?}");
        assert!(e.to_string().contains("out of range"), "{e}");
    }
    // Long input is echoed only in part.
    let long = "9".repeat(500) + "x";
    assert!(parse_amount(&long, Currency::USD).unwrap_err().to_string().len() < 300);
}

#[test]
fn money_displays_and_parses_back() {
    let cases = [
        (usd(100_000), "1000.00 USD"),
        (Money::new(-325, Currency::EUR), "-3.25 EUR"),
        (Money::new(5, Currency::GBP), "0.05 GBP"),
        (usd(-5), "-0.05 USD"),
        (usd(0), "0.00 USD"),
        (usd(i64::MIN), "-92233720368547758.08 USD"),
        (usd(i64::MAX), "92233720368547758.07 USD"),
    ];
    for (money, text) in cases {
        assert_eq!(money.to_string(), text);
        assert_eq!(text.parse::<Money>(), Ok(money));
    }
    assert_eq!(usd(50).amount_string(), "0.50");
    assert_eq!(Money::parse("0.5", Currency::USD), Ok(usd(50)));
    assert!(matches!("1000.00USD".parse::<Money>(), Err(MoneyError::Format(_))));
    assert!(matches!("1000.00 usd".parse::<Money>(), Err(MoneyError::Currency(_))));
    assert!(matches!("1e3 USD".parse::<Money>(), Err(MoneyError::Syntax(_))));
}

#[test]
fn currency_codes_are_validated() {
    let usd: Currency = "USD".parse().unwrap();
    assert_eq!(usd, Currency::USD);
    assert_eq!(usd.to_string(), "USD");
    assert_eq!(usd.as_str(), "USD");
    assert_eq!(format!("{usd:?}"), "Currency(USD)");
    assert_eq!(Currency::from_bytes(*b"JPY").map(|c| c.to_string()), Some("JPY".to_owned()));
    assert_eq!(Currency::from_bytes(*b"jpy"), None);
    for unknown in ["XYZ", "ABC", "XAU", "XXX"] {
        let e = unknown.parse::<Currency>().unwrap_err();
        assert_eq!(e, MoneyError::UnknownCurrency(unknown.to_owned()));
        assert!(e.to_string().contains("not an ISO 4217 currency with a minor unit"), "{e}");
        assert!(format!("1 {unknown}").parse::<Money>().is_err());
    }
    for bad in ["usd", "US", "USDX", "U$D", "", "\u{dc}SD", "U D"] {
        let e = bad.parse::<Currency>().unwrap_err();
        assert_eq!(e, MoneyError::Currency(bad.to_owned()));
        assert!(e.to_string().contains("3-letter upper-case ISO 4217 code"), "{e}");
    }
}

#[test]
fn money_json_keeps_the_amount_a_string() {
    let json = serde_json::to_string(&usd(100_000)).unwrap();
    assert_eq!(json, r#"{"amount":"1000.00","currency":"USD"}"#);
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), usd(100_000));
    assert_eq!(serde_json::from_str::<Money>(r#"{"currency": "EUR", "amount": "-0.5"}"#).unwrap().minor, -50);
    for number in [r#"{"amount": 1000.00, "currency": "USD"}"#, r#"{"amount": 1000, "currency": "USD"}"#] {
        let e = serde_json::from_str::<Money>(number).unwrap_err().to_string();
        assert!(e.contains("must be JSON strings, never numbers"), "{e}");
    }
    let cases = [
        (r#"{"amount": "1", "currency": "USD", "fx": 1}"#, "unknown field `fx`"),
        (r#"{"amount": "1", "currency": "usd"}"#, "ISO 4217"),
        (r#"{"amount": "1.005", "currency": "USD"}"#, "more decimal places than USD allows (2)"),
        (r#"{"amount": "1"}"#, "missing field `currency`"),
    ];
    for (json, part) in cases {
        let e = serde_json::from_str::<Money>(json).unwrap_err().to_string();
        assert!(e.contains(part), "{json}: {e}");
    }
}

#[test]
fn facts_json_round_trips_and_is_strict() {
    let json = r#"{"balance": {"amount": "1500.00", "currency": "USD"},
        "volume_30d": {"amount": "25000.00", "currency": "USD"},
        "account_created_unix_ms": 1700000000000, "kyc_level": 2,
        "groups": ["desk-a", "vip"], "custom": {"risk_score": 40, "open_orders": 3}}"#;
    let facts: AccountFacts = serde_json::from_str(json).unwrap();
    assert_eq!(facts.balance, Some(usd(150_000)));
    assert_eq!(facts.volume_30d, Some(usd(2_500_000)));
    assert_eq!(facts.account_created_unix_ms, Some(NOW));
    assert_eq!(facts.kyc_level, Some(2));
    assert!(facts.groups.contains("vip") && facts.groups.len() == 2);
    assert_eq!(facts.custom.get("risk_score"), Some(&40));
    let again: AccountFacts = serde_json::from_str(&serde_json::to_string(&facts).unwrap()).unwrap();
    assert_eq!(again, facts);

    let empty: AccountFacts = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, AccountFacts::default());
    let nulls: AccountFacts = serde_json::from_str(r#"{"balance": null, "kyc_level": null}"#).unwrap();
    assert_eq!(nulls, AccountFacts::default());

    let refused = [
        (r#"{"kyc": 2}"#, "unknown field `kyc`"),
        (r#"{"custom": {"Risk": 1}}"#, "invalid custom fact name \"Risk\""),
        (r#"{"custom": {"": 1}}"#, "invalid custom fact name"),
        (r#"{"balance": {"amount": 5.5, "currency": "USD"}}"#, "never numbers"),
        (r#"{"custom": {"x": 1.5}}"#, "invalid type"),
    ];
    for (json, part) in refused {
        let e = serde_json::from_str::<AccountFacts>(json).unwrap_err().to_string();
        assert!(e.contains(part), "{json}: {e}");
    }
    assert!(is_custom_fact_name("risk_score_2") && is_custom_fact_name(&"a".repeat(32)));
    assert!(!is_custom_fact_name(&"a".repeat(33)) && !is_custom_fact_name("risk-score"));
}

#[test]
fn account_age_rounds_down_and_clamps_the_future() {
    assert_eq!(account_age_days(NOW - 30 * DAY, NOW), 30);
    assert_eq!(account_age_days(NOW - 30 * DAY + 1, NOW), 29);
    assert_eq!(account_age_days(NOW, NOW), 0);
    assert_eq!(account_age_days(NOW + 5 * DAY, NOW), 0);
    assert_eq!(AccountFacts::default().age_days(NOW), None);
}

/// Each currency has its own minor unit: JPY none, BHD three, USD two; more decimals than the
/// currency has are refused, never rounded; the forms print back as they were read.
#[test]
fn currencies_have_their_own_minor_units() {
    let (jpy, bhd): (Currency, Currency) = ("JPY".parse().unwrap(), "BHD".parse().unwrap());
    assert_eq!([jpy.minor_digits(), bhd.minor_digits(), Currency::USD.minor_digits()], [0, 3, 2]);
    assert_eq!(parse_amount("1000", jpy), Ok(1000));
    assert_eq!(parse_amount("-7", jpy), Ok(-7));
    assert_eq!(parse_amount("1.005", bhd), Ok(1005));
    assert_eq!(parse_amount("1.5", bhd), Ok(1500));
    assert_eq!(parse_amount("12", bhd), Ok(12_000));
    for (text, currency) in [("1000.5", jpy), ("1.0", jpy), ("1.0005", bhd), ("0.001", Currency::USD)] {
        let e = parse_amount(text, currency).unwrap_err();
        assert!(matches!(e, MoneyError::TooManyDecimals(..)), "{text} {currency}: {e:?}");
        assert!(e.to_string().contains(&format!("than {currency} allows")), "{e}");
    }
    for (money, text) in [
        (Money::new(1000, jpy), "1000 JPY"),
        (Money::new(-5, jpy), "-5 JPY"),
        (Money::new(1005, bhd), "1.005 BHD"),
        (Money::new(-50, bhd), "-0.050 BHD"),
        (Money::new(100_000, Currency::USD), "1000.00 USD"),
    ] {
        assert_eq!(money.to_string(), text);
        assert_eq!(text.parse::<Money>(), Ok(money), "{text}");
        let json = serde_json::to_string(&money).unwrap();
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money, "{json}");
    }
    assert_eq!(
        serde_json::to_string(&Money::new(1000, jpy)).unwrap(),
        r#"{"amount":"1000","currency":"JPY"}"#
    );
    // The amount is read with its currency's decimals whatever the field order.
    let e = serde_json::from_str::<Money>(r#"{"amount": "1.5", "currency": "JPY"}"#).unwrap_err();
    assert!(e.to_string().contains("more decimal places than JPY allows (0)"), "{e}");
    assert_eq!(
        serde_json::from_str::<Money>(r#"{"amount": "1.234", "currency": "BHD"}"#).unwrap().minor,
        1234
    );
    let e = serde_json::from_str::<Money>(r#"{"amount": "1", "currency": "XYZ"}"#).unwrap_err();
    assert!(e.to_string().contains("not an ISO 4217 currency"), "{e}");
}

/// The default rules' thresholds are whole units of the configured currency, whatever its decimals.
#[test]
fn default_thresholds_are_whole_units_of_the_currency() {
    let thresholds = |currency: Currency| -> Vec<Money> {
        default_rules(currency)
            .into_iter()
            .filter_map(|r| match r.check {
                Check::MinBalance(m) | Check::MinVolume30d(m) => Some(m),
                _ => None,
            })
            .collect()
    };
    let (jpy, bhd): (Currency, Currency) = ("JPY".parse().unwrap(), "BHD".parse().unwrap());
    assert_eq!(
        thresholds(Currency::USD),
        [Money::new(100_000, Currency::USD), Money::new(1_000_000, Currency::USD)]
    );
    assert_eq!(thresholds(jpy), [Money::new(1_000, jpy), Money::new(10_000, jpy)]);
    assert_eq!(thresholds(bhd), [Money::new(1_000_000, bhd), Money::new(10_000_000, bhd)]);
    assert_eq!(default_rules(jpy)[0].description, "Balance of at least 1000");
    assert_eq!(default_rules(Currency::USD)[0].description, "Balance of at least 1000.00");
}

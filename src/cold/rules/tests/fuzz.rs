//! Nothing panics, whatever the input.

use super::*;

const RULE_DOC: &str = r#"{"id": "vip_or_big", "description": "VIPs, or big traders ✓", "enabled": true,
 "when": {"any_of": [
    {"fact": "groups", "op": "contains", "value": "vip"},
    {"not": {"fact": "custom.region", "op": "in", "value": [1, 2, 5]}},
    {"all_of": [{"fact": "volume_30d", "op": ">=", "value": {"amount": "250000.00", "currency": "USD"}},
                {"fact": "account_age_days", "op": ">", "value": 30},
                {"fact": "kyc_level", "op": ">=", "value": 3}]}]}}"#;
const GROUP_DOC: &str = r#"{"id": "desk", "groups": {"none_of": ["banned", "desk-z"]}}"#;
const MONEY_DOC: &str = r#"{"id": "min_balance", "min_balance": {"amount": "-1000.05", "currency": "EUR"}}"#;
const TIER_DOC: &str = r#"{"tier": "premium",
  "when": {"fact": "balance", "op": "<", "value": {"amount": "1", "currency": "GBP"}}}"#;
const FACTS_DOC: &str = r#"{"balance": {"amount": "1500.00", "currency": "USD"}, "kyc_level": 2,
  "account_created_unix_ms": 1700000000000, "groups": ["vip"], "custom": {"region": 5}}"#;

/// xorshift64*: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Feeds `text` to every parser; whatever parses must evaluate and round-trip.
fn feed(text: &str) {
    let facts = AccountFacts {
        balance: Some(usd(150_000)),
        kyc_level: Some(3),
        custom: [("region".to_owned(), 2)].into(),
        ..AccountFacts::default()
    };
    if let Ok(rule) = parse_rule(text) {
        let json = rule_to_json(&rule);
        assert_eq!(parse_rule(&json).as_ref(), Ok(&rule), "{json}");
        let _ = evaluate(std::slice::from_ref(&rule), &facts, &BTreeMap::new(), None, NOW);
        let _ = evaluate(std::slice::from_ref(&rule), &AccountFacts::default(), &BTreeMap::new(), None, 0);
        for o in [
            Override::Disabled,
            Override::Threshold(Value::Int(-1)),
            Override::Threshold(Value::Money(usd(1))),
        ] {
            let _ = validate_override(&rule, &o);
        }
    }
    if let Ok(tier) = parse_tier_rule(text) {
        assert_eq!(parse_tier_rule(&tier_rule_to_json(&tier)).as_ref(), Ok(&tier));
        let _ = pick_tier(std::slice::from_ref(&tier), &facts, NOW);
    }
    if let Ok(parsed) = serde_json::from_str::<AccountFacts>(text) {
        let _ = evaluate(&default_rules(Currency::USD), &parsed, &BTreeMap::new(), None, u64::MAX);
    }
    let _ = serde_json::from_str::<Override>(text);
    let _ = parse_amount(text, Currency::USD);
    let _ = parse_amount(text, Currency::from_bytes(*b"BHD").expect("ISO 4217"));
    let _ = text.parse::<Money>();
    let _ = text.parse::<Currency>();
}

#[test]
fn truncated_prefixes_never_panic() {
    for doc in [RULE_DOC, GROUP_DOC, MONEY_DOC, TIER_DOC, FACTS_DOC] {
        for end in (0..doc.len()).filter(|&end| doc.is_char_boundary(end)) {
            let prefix = &doc[..end];
            feed(prefix);
            // A strict prefix of an object is never valid JSON.
            assert!(matches!(parse_rule(prefix), Err(RuleError::Json { .. })), "{prefix}");
        }
        feed(doc);
    }
    assert!(parse_rule(RULE_DOC).is_ok() && parse_rule(GROUP_DOC).is_ok() && parse_rule(MONEY_DOC).is_ok());
    assert!(parse_tier_rule(TIER_DOC).is_ok());
}

#[test]
fn random_bytes_and_mutations_never_panic() {
    const ALPHABET: &[u8] = b"{}[]:,\" \\-.0123456789eE+abcdefgimnorstuvyz_ADEGSUBPXJ\n\t\x00\xc3\xa9\xff";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let docs = [RULE_DOC, GROUP_DOC, MONEY_DOC, TIER_DOC, FACTS_DOC];
    let mut parsed = 0;
    for round in 0..20_000 {
        let bytes: Vec<u8> = if round % 4 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            let mut bytes = docs[rng.below(docs.len())].as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len() + 1);
                let c = ALPHABET[rng.below(ALPHABET.len())];
                match rng.below(3) {
                    0 if at < bytes.len() => bytes[at] = c,
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, c),
                }
            }
            bytes
        };
        let text = String::from_utf8_lossy(&bytes);
        feed(&text);
        parsed += usize::from(parse_rule(&text).is_ok());
    }
    // Some mutations stay valid (inside strings, digits): the accepting paths were exercised too.
    assert!(parsed > 100, "only {parsed} mutated documents parsed");
}

//! Parsing and validating rule and tier-rule documents.

use super::facts::is_custom_fact_name;
use super::json::{
    array, integer, integer_u32, object, only_fields, parse_document, required, string, Path, J,
};
use super::model::{Check, Expr, Fact, FactKind, GroupMode, Op, Rule, TierRule, Value};
use super::money::{parse_amount, snippet, Money};
use super::{RuleError, MAX_DEPTH, MAX_GROUP_NAME, MAX_LIST_LEN, MAX_NODES, MAX_RULE_ID, MAX_TIER_NAME};
use std::collections::BTreeSet;

type Result<T> = std::result::Result<T, RuleError>;

/// The keys that choose a rule's check; a rule has exactly one.
const CHECK_KEYS: [&str; 6] =
    ["min_balance", "min_volume_30d", "min_account_age_days", "min_kyc_level", "groups", "when"];
const RULE_FIELDS: [&str; 9] = [
    "id",
    "description",
    "enabled",
    "min_balance",
    "min_volume_30d",
    "min_account_age_days",
    "min_kyc_level",
    "groups",
    "when",
];
const EXPR_FIELDS: [&str; 6] = ["fact", "op", "value", "all_of", "any_of", "not"];
const MONEY_EXAMPLE: &str = "{\"amount\": \"1000.00\", \"currency\": \"USD\"}";

/// Parses and validates one rule document (format: see the module documentation).
pub fn parse_rule(json: &str) -> Result<Rule> {
    let doc = parse_document(json)?;
    let root = Path::Root;
    let fields = object(&doc, &root, "a rule")?;
    only_fields(fields, &root, &RULE_FIELDS)?;
    let id_path = root.key("id");
    let id = string(required(fields, &root, "id")?, &id_path)?;
    if !is_rule_id(id) {
        return Err(id_path.error(format!(
            "invalid rule id {:?}: use 1 to {MAX_RULE_ID} characters from a-z, 0-9, '_' and '-'",
            snippet(id)
        )));
    }
    let description = match fields.get("description") {
        Some(j) => string(j, &root.key("description"))?.to_owned(),
        None => String::new(),
    };
    let enabled = match fields.get("enabled") {
        None => true,
        Some(J::Bool(b)) => *b,
        Some(other) => {
            return Err(root.key("enabled").error(format!("expected true or false, found {}", other.kind())))
        }
    };
    let present: Vec<&str> = CHECK_KEYS.into_iter().filter(|k| fields.contains_key(*k)).collect();
    let key = match present.as_slice() {
        [one] => *one,
        [] => {
            return Err(
                root.error(format!("missing the check: give exactly one of {}", CHECK_KEYS.join(", ")))
            )
        }
        several => {
            return Err(root.error(format!("more than one check ({}): give exactly one", several.join(", "))))
        }
    };
    let (j, path) = (&fields[key], root.key(key));
    let check = match key {
        "min_balance" => Check::MinBalance(money(j, &path)?),
        "min_volume_30d" => Check::MinVolume30d(money(j, &path)?),
        "min_account_age_days" => Check::MinAccountAgeDays(integer_u32(j, &path)?),
        "min_kyc_level" => Check::MinKycLevel(integer_u32(j, &path)?),
        "groups" => group_check(j, &path)?,
        _ => Check::Custom(expression(j, &path, 1, &mut 0)?),
    };
    Ok(Rule { id: id.to_owned(), description, enabled, check })
}

/// Parses and validates one tier-rule document: `{"tier": "premium", "when": {...}}`.
pub fn parse_tier_rule(json: &str) -> Result<TierRule> {
    let doc = parse_document(json)?;
    let root = Path::Root;
    let fields = object(&doc, &root, "a tier rule")?;
    only_fields(fields, &root, &["tier", "when"])?;
    let tier_path = root.key("tier");
    let tier = string(required(fields, &root, "tier")?, &tier_path)?;
    if !is_tier_name(tier) {
        return Err(tier_path.error(format!(
            "invalid tier name {:?}: use 1 to {MAX_TIER_NAME} characters from A-Z, a-z, 0-9, '_', '.' \
             and '-'",
            snippet(tier)
        )));
    }
    let when = expression(required(fields, &root, "when")?, &root.key("when"), 1, &mut 0)?;
    Ok(TierRule { tier: tier.to_owned(), when })
}

/// Checks a rule built in code against everything [`parse_rule`] enforces (it is checked through its
/// JSON form, so errors name the same paths).
pub fn validate_rule(rule: &Rule) -> Result<()> {
    parse_rule(&super::rule_to_json(rule)).map(drop)
}

/// Checks a tier rule built in code against everything [`parse_tier_rule`] enforces.
pub fn validate_tier_rule(rule: &TierRule) -> Result<()> {
    parse_tier_rule(&super::tier_rule_to_json(rule)).map(drop)
}

/// Whether `id` is a valid rule id: `[a-z0-9_-]{1,64}`.
pub fn is_rule_id(id: &str) -> bool {
    (1..=MAX_RULE_ID).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Whether `name` is a valid tier name: `[A-Za-z0-9_.-]{1,64}`.
pub fn is_tier_name(name: &str) -> bool {
    (1..=MAX_TIER_NAME).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Whether `name` is a valid group name in a rule: 1 to 64 bytes, no control characters.
pub fn is_group_name(name: &str) -> bool {
    (1..=MAX_GROUP_NAME).contains(&name.len()) && !name.chars().any(char::is_control)
}

/// Money: `{"amount": "1000.00", "currency": "USD"}`.
fn money(j: &J, path: &Path<'_>) -> Result<Money> {
    let fields = match j {
        J::Obj(fields) => fields,
        number if number.is_number() => {
            return Err(path.error(format!(
                "money must be an object like {MONEY_EXAMPLE} with the amount as a JSON string, \
                 not a number (floats are never used for money)"
            )))
        }
        other => {
            return Err(path.error(format!("expected money like {MONEY_EXAMPLE}, found {}", other.kind())))
        }
    };
    only_fields(fields, path, &["amount", "currency"])?;
    // The currency first: it says how many decimals the amount may have.
    let currency_path = path.key("currency");
    let currency = string(required(fields, path, "currency")?, &currency_path)?
        .parse()
        .map_err(|e: super::MoneyError| currency_path.error(e.to_string()))?;
    let amount_path = path.key("amount");
    let minor = match required(fields, path, "amount")? {
        J::Str(text) => parse_amount(text, currency).map_err(|e| amount_path.error(e.to_string()))?,
        number if number.is_number() => {
            return Err(amount_path.error(
                "the amount must be a JSON string such as \"1000.00\", not a number (floats are never \
                 used for money)",
            ))
        }
        other => {
            return Err(
                amount_path.error(format!("expected a string such as \"1000.00\", found {}", other.kind()))
            )
        }
    };
    Ok(Money { minor, currency })
}

/// A group name (string) at `path`.
fn group_name(j: &J, path: &Path<'_>) -> Result<String> {
    let name = string(j, path)?;
    if !is_group_name(name) {
        return Err(path.error(format!(
            "invalid group name {:?}: use 1 to {MAX_GROUP_NAME} bytes without control characters",
            snippet(name)
        )));
    }
    Ok(name.to_owned())
}

/// `{"any_of" | "all_of" | "none_of": ["group", ...]}`.
fn group_check(j: &J, path: &Path<'_>) -> Result<Check> {
    let fields = object(j, path, "a group check like {\"any_of\": [\"desk-a\"]}")?;
    only_fields(fields, path, &["any_of", "all_of", "none_of"])?;
    let mut entries = fields.iter();
    let (key, list) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        _ => return Err(path.error("give exactly one of any_of, all_of, none_of")),
    };
    let mode = match key.as_str() {
        "all_of" => GroupMode::AllOf,
        "none_of" => GroupMode::NoneOf,
        _ => GroupMode::AnyOf,
    };
    let list_path = path.key(key);
    let items = array(list, &list_path)?;
    if items.is_empty() || items.len() > MAX_LIST_LEN {
        return Err(list_path.error(format!("list 1 to {MAX_LIST_LEN} groups, not {}", items.len())));
    }
    let mut groups = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = list_path.index(i);
        let name = group_name(item, &item_path)?;
        if groups.contains(&name) {
            return Err(item_path.error(format!("duplicate group {:?}", snippet(&name))));
        }
        groups.insert(name);
    }
    Ok(Check::Groups { mode, groups })
}

/// An expression at nesting `depth` (the outermost is 1); `nodes` counts expressions parsed so far.
fn expression(j: &J, path: &Path<'_>, depth: usize, nodes: &mut usize) -> Result<Expr> {
    if depth > MAX_DEPTH {
        return Err(path.error(format!("expressions nest deeper than {MAX_DEPTH} levels")));
    }
    *nodes += 1;
    if *nodes > MAX_NODES {
        return Err(path.error(format!("more than {MAX_NODES} expression nodes in one document")));
    }
    let fields = object(j, path, "an expression")?;
    only_fields(fields, path, &EXPR_FIELDS)?;
    let combinators: Vec<&str> =
        ["all_of", "any_of", "not"].into_iter().filter(|k| fields.contains_key(*k)).collect();
    let is_compare = ["fact", "op", "value"].iter().any(|k| fields.contains_key(*k));
    match (is_compare, combinators.as_slice()) {
        (true, []) => compare(fields, path),
        (false, ["not"]) => {
            let inner = expression(&fields["not"], &path.key("not"), depth + 1, nodes)?;
            Ok(Expr::Not(Box::new(inner)))
        }
        (false, [key]) => {
            let list_path = path.key(key);
            let items = array(&fields[*key], &list_path)?;
            if items.is_empty() {
                return Err(list_path.error(format!("{key} must list at least one expression")));
            }
            let mut exprs = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                exprs.push(expression(item, &list_path.index(i), depth + 1, nodes)?);
            }
            Ok(if *key == "all_of" { Expr::AllOf(exprs) } else { Expr::AnyOf(exprs) })
        }
        (false, []) => Err(path.error(
            "empty expression: expected {\"fact\", \"op\", \"value\"}, {\"all_of\": [...]}, \
             {\"any_of\": [...]} or {\"not\": {...}}",
        )),
        (_, found) => {
            let mut parts = found.to_vec();
            if is_compare {
                parts.insert(0, "a comparison");
            }
            Err(path.error(format!(
                "an expression is exactly one of: a comparison (fact, op, value), all_of, any_of, not; \
                 found {}",
                parts.join(" and ")
            )))
        }
    }
}

/// The fact named `name`.
fn fact(name: &str, path: &Path<'_>) -> Result<Fact> {
    Ok(match name {
        "balance" => Fact::Balance,
        "volume_30d" => Fact::Volume30d,
        "account_age_days" => Fact::AccountAgeDays,
        "kyc_level" => Fact::KycLevel,
        "groups" => Fact::Groups,
        _ => match name.strip_prefix("custom.") {
            Some(custom) if is_custom_fact_name(custom) => Fact::Custom(custom.to_owned()),
            Some(custom) => {
                return Err(path.error(format!(
                    "invalid custom fact name {:?}: use 1 to 32 characters from a-z, 0-9 and '_' \
                     after \"custom.\"",
                    snippet(custom)
                )))
            }
            None => {
                return Err(path.error(format!(
                    "unknown fact {:?}; expected balance, volume_30d, account_age_days, kyc_level, \
                     groups or custom.<name>",
                    snippet(name)
                )))
            }
        },
    })
}

/// `{"fact": ..., "op": ..., "value": ...}`, type-checked.
fn compare(fields: &std::collections::BTreeMap<String, J>, path: &Path<'_>) -> Result<Expr> {
    let fact_path = path.key("fact");
    let fact = fact(string(required(fields, path, "fact")?, &fact_path)?, &fact_path)?;
    let op_path = path.key("op");
    let symbol = string(required(fields, path, "op")?, &op_path)?;
    let all_ops = || Op::ALL.map(Op::symbol).join(", ");
    let op = Op::from_symbol(symbol).ok_or_else(|| {
        op_path.error(format!("unknown op {:?}; expected one of: {}", snippet(symbol), all_ops()))
    })?;
    let kind = fact.kind();
    let allowed = match kind {
        FactKind::Money => "==, !=, <, <=, >, >=",
        FactKind::Int => "==, !=, <, <=, >, >=, in",
        FactKind::Groups => "contains",
    };
    let fits = match kind {
        FactKind::Money => op.is_ordering(),
        FactKind::Int => op != Op::Contains,
        FactKind::Groups => op == Op::Contains,
    };
    if !fits {
        return Err(op_path
            .error(format!("op {:?} is not allowed for fact \"{fact}\" (allowed: {allowed})", op.symbol())));
    }
    let value_path = path.key("value");
    let j = required(fields, path, "value")?;
    let value = match (kind, op) {
        (FactKind::Money, _) => Value::Money(money(j, &value_path)?),
        (FactKind::Groups, _) => Value::Text(group_name(j, &value_path)?),
        (FactKind::Int, Op::In) => {
            let items = array(j, &value_path).map_err(|_| {
                value_path.error(format!("\"in\" needs a list of integers, found {}", j.kind()))
            })?;
            if items.is_empty() || items.len() > MAX_LIST_LEN {
                return Err(
                    value_path.error(format!("list 1 to {MAX_LIST_LEN} integers, not {}", items.len()))
                );
            }
            let ints = items.iter().enumerate().map(|(i, item)| integer(item, &value_path.index(i)));
            Value::List(ints.collect::<Result<_>>()?)
        }
        (FactKind::Int, _) => Value::Int(integer(j, &value_path)?),
    };
    Ok(Expr::Compare { fact, op, value })
}

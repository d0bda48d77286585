//! Writing rules and tier rules back as JSON documents (one line, fixed key order).

use super::model::{Check, Expr, Rule, TierRule, Value};
use super::money::Money;
use std::fmt::Write;

/// The JSON document for `rule`, in the format [`parse_rule`](super::parse_rule) reads: parsing the
/// result gives back an equal rule (for any rule that validates; see
/// [`validate_rule`](super::validate_rule)).
pub fn rule_to_json(rule: &Rule) -> String {
    let mut out = String::with_capacity(128);
    out.push_str("{\"id\": ");
    push_str(&mut out, &rule.id);
    out.push_str(", \"description\": ");
    push_str(&mut out, &rule.description);
    out.push_str(if rule.enabled { ", \"enabled\": true, " } else { ", \"enabled\": false, " });
    match &rule.check {
        Check::MinBalance(m) => push_key_money(&mut out, "min_balance", m),
        Check::MinVolume30d(m) => push_key_money(&mut out, "min_volume_30d", m),
        Check::MinAccountAgeDays(days) => {
            let _ = write!(out, "\"min_account_age_days\": {days}");
        }
        Check::MinKycLevel(level) => {
            let _ = write!(out, "\"min_kyc_level\": {level}");
        }
        Check::Groups { mode, groups } => {
            let _ = write!(out, "\"groups\": {{\"{}\": [", mode.key());
            for (i, group) in groups.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_str(&mut out, group);
            }
            out.push_str("]}");
        }
        Check::Custom(expr) => {
            out.push_str("\"when\": ");
            push_expr(&mut out, expr);
        }
    }
    out.push('}');
    out
}

/// The JSON document for `rule`, in the format [`parse_tier_rule`](super::parse_tier_rule) reads.
pub fn tier_rule_to_json(rule: &TierRule) -> String {
    let mut out = String::with_capacity(96);
    out.push_str("{\"tier\": ");
    push_str(&mut out, &rule.tier);
    out.push_str(", \"when\": ");
    push_expr(&mut out, &rule.when);
    out.push('}');
    out
}

fn push_key_money(out: &mut String, key: &str, money: &Money) {
    let _ = write!(out, "\"{key}\": ");
    push_money(out, money);
}

fn push_money(out: &mut String, money: &Money) {
    let _ =
        write!(out, "{{\"amount\": \"{}\", \"currency\": \"{}\"}}", money.amount_string(), money.currency);
}

fn push_expr(out: &mut String, expr: &Expr) {
    match expr {
        Expr::Compare { fact, op, value } => {
            out.push_str("{\"fact\": ");
            push_str(out, &fact.to_string());
            out.push_str(", \"op\": ");
            push_str(out, op.symbol());
            out.push_str(", \"value\": ");
            push_value(out, value);
            out.push('}');
        }
        Expr::AllOf(items) | Expr::AnyOf(items) => {
            out.push_str(if matches!(expr, Expr::AllOf(_)) { "{\"all_of\": [" } else { "{\"any_of\": [" });
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_expr(out, item);
            }
            out.push_str("]}");
        }
        Expr::Not(inner) => {
            out.push_str("{\"not\": ");
            push_expr(out, inner);
            out.push('}');
        }
    }
}

fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::Money(m) => push_money(out, m),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Text(t) => push_str(out, t),
        Value::List(items) => {
            out.push('[');
            for (i, n) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{n}");
            }
            out.push(']');
        }
    }
}

/// Appends `s` as a JSON string literal.
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

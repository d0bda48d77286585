//! Tables for people: a list of objects is one row per object; an object is FIELD VALUE rows, with
//! nested objects flattened to dotted names and each list of objects that it holds as a table of its
//! own under its name.

use comfy_table::{presets, Table};
use serde_json::{Map, Value};

/// A cell: strings as they are, null and empty objects as "-", lists of scalars joined, anything else as JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::Object(map) if map.is_empty() => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            if items.is_empty() {
                "-".into()
            } else {
                items.iter().map(cell).collect::<Vec<_>>().join(", ")
            }
        }
        other => other.to_string(),
    }
}

fn table() -> Table {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    table
}

/// The columns that name a row, first when present, in this order.
const FIRST: &[&str] =
    &["seq", "id", "session", "user", "user_id", "name", "key_id", "event", "subject", "actor"];

/// One row per object; the columns are the keys, those naming a row first, then by name.
fn rows(items: &[Value]) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        for key in item.as_object().into_iter().flat_map(Map::keys) {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    // The answer's keys come sorted; what names a row goes first.
    columns.sort_by_key(|c| (FIRST.iter().position(|f| f == c).unwrap_or(FIRST.len()), *c));
    let mut out = table();
    out.set_header(columns.iter().map(|c| c.to_uppercase()));
    for item in items {
        out.add_row(columns.iter().map(|c| cell(item.get(*c).unwrap_or(&Value::Null))));
    }
    trim(out)
}

fn trim(table: Table) -> String {
    table.lines().map(|l| l.trim_end().to_owned()).collect::<Vec<_>>().join("\n")
}

fn is_table(value: &Value) -> bool {
    matches!(value, Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object))
}

fn flatten<'a>(
    prefix: &str,
    map: &'a Map<String, Value>,
    fields: &mut Vec<(String, String)>,
    tables: &mut Vec<(String, &'a [Value])>,
) {
    for (key, value) in map {
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            Value::Object(inner) if !inner.is_empty() => flatten(&name, inner, fields, tables),
            Value::Array(items) if is_table(value) => tables.push((name, items)),
            _ => fields.push((name, cell(value))),
        }
    }
}

/// The table for an answer.
pub fn render(value: &Value) -> String {
    match value {
        Value::Array(items) if items.is_empty() => "(none)".into(),
        Value::Array(items) if is_table(value) => rows(items),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("\n"),
        Value::Object(map) => {
            let mut fields = Vec::new();
            let mut tables = Vec::new();
            flatten("", map, &mut fields, &mut tables);
            let mut parts = Vec::new();
            if !fields.is_empty() {
                let mut out = table();
                for (name, value) in fields {
                    out.add_row(vec![name.to_uppercase(), value]);
                }
                parts.push(trim(out));
            }
            for (name, items) in tables {
                parts.push(format!("{}:\n{}", name.to_uppercase(), rows(items)));
            }
            if parts.is_empty() {
                "(none)".into()
            } else {
                parts.join("\n\n")
            }
        }
        other => cell(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_objects_and_nesting() {
        let list = render(
            &json!([{"user": "alice", "tier": "premium"}, {"user": "bob", "ips": ["10.0.0.0/8", "::1"]}]),
        );
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["USER", "IPS", "TIER"]);
        assert_eq!(lines[1].split_whitespace().collect::<Vec<_>>(), ["alice", "-", "premium"]);
        assert_eq!(lines[2].split_whitespace().collect::<Vec<_>>(), ["bob", "10.0.0.0/8,", "::1", "-"]);

        let object =
            render(&json!({"users": {"active": 2}, "top": [{"user": "alice", "n": 3}], "gateway": null}));
        assert!(
            object.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["USERS.ACTIVE", "2"]),
            "{object}"
        );
        assert!(
            object.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["GATEWAY", "-"]),
            "{object}"
        );
        assert!(object.contains("TOP:\n"), "{object}");
        assert_eq!(render(&json!([])), "(none)");
        assert_eq!(render(&json!({"rules": []})).split_whitespace().collect::<Vec<_>>(), ["RULES", "-"]);
    }
}

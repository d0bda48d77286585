//! Every answer an HTTP test receives, checked against the OpenAPI document (docs/openapi.json): the
//! status must be one the operation documents, the content type the documented one, and a JSON body
//! must validate against the documented schema (JSON Schema 2020-12, which OpenAPI 3.1 uses), so
//! the document cannot say one thing while the server does another.

use super::Answer;
use jsonschema::Validator;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("docs/openapi.json")).expect("JSON")
    })
}

/// Follows a `$ref` into the document.
fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => {
            resolve(document().pointer(pointer.trim_start_matches('#')).expect("a $ref that resolves"))
        }
        None => value,
    }
}

/// A validator for `schema`, whose `$ref`s point into the document's components.
fn validator(key: String, schema: &Value) -> Arc<Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Validator>>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    cache
        .entry(key)
        .or_insert_with(|| {
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "allOf": [schema],
                "components": document()["components"],
            });
            Arc::new(
                jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("a schema that compiles: {e}")),
            )
        })
        .clone()
}

/// Checks one answer to `method path` (the path may carry a query) against the document. Panics
/// with what differs.
pub fn check(method: &str, path: &str, answer: &Answer) {
    let path = path.split('?').next().unwrap_or(path);
    let method = method.to_ascii_lowercase();
    let Some(item) = document()["paths"].get(path) else {
        // A path the document does not have: 404 no_such_route, with the error shape.
        assert_eq!(answer.status, 404, "{method} {path}: not in the document, answered {}", answer.status);
        return check_body(
            &method,
            path,
            answer,
            &json!({"$ref": "#/components/schemas/Error"}),
            "application/json",
        );
    };
    let Some(operation) = item.get(&method) else {
        // A method the path does not take: the document's x-fixprov-other-methods answer.
        let response = resolve(&item["x-fixprov-other-methods"]);
        assert_eq!(answer.status, 405, "{method} {path}: not in the document, answered {}", answer.status);
        assert!(answer.header("allow").is_some(), "{method} {path}: 405 without Allow");
        let schema = &response["content"]["application/json"]["schema"];
        return check_body(&method, path, answer, schema, "application/json");
    };
    let status = answer.status.to_string();
    let Some(response) = operation["responses"].get(&status) else {
        panic!("{method} {path}: answered {status}, which the document does not list: {}", answer.body);
    };
    let response = resolve(response);
    for (name, header) in response.get("headers").and_then(Value::as_object).into_iter().flatten() {
        let value = answer.header(&name.to_ascii_lowercase());
        assert!(value.is_some(), "{method} {path} {status}: no {name} header");
        if let Some(expected) = header["schema"].get("const") {
            assert_eq!(value, expected.as_str(), "{method} {path} {status}: {name}");
        }
    }
    match response.get("content").and_then(Value::as_object).and_then(|c| c.iter().next()) {
        None => assert!(answer.body.is_empty(), "{method} {path} {status}: a body where none is documented"),
        Some((content_type, media)) => check_body(&method, path, answer, &media["schema"], content_type),
    }
}

fn check_body(method: &str, path: &str, answer: &Answer, schema: &Value, content_type: &str) {
    if method == "head" {
        assert!(answer.body.is_empty(), "{method} {path} {}: HEAD with a body", answer.status);
        return;
    }
    let got = answer.header("content-type").unwrap_or_default();
    assert!(
        got.split(';').next().unwrap_or_default().trim() == content_type,
        "{method} {path} {}: content type {got:?}, the document says {content_type}",
        answer.status
    );
    if content_type != "application/json" {
        return;
    }
    let body: Value = serde_json::from_str(&answer.body)
        .unwrap_or_else(|e| panic!("{method} {path} {}: not JSON ({e}): {}", answer.status, answer.body));
    let validator = validator(format!("{method} {path} {}", answer.status), schema);
    let errors: Vec<String> =
        validator.iter_errors(&body).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {}: the answer does not match the document:\n  {}\nanswer: {body}",
        answer.status,
        errors.join("\n  ")
    );
}

//! Requests generated from the served OpenAPI document, for every operation in it (issue #27):
//! valid ones, and invalid ones (a required field missing, an unknown field, a wrong type, a
//! number out of range, an unknown query key, an oversized or broken body, an undeclared method,
//! a missing token or too small a role), sent to a live server on loopback. Every answer must be
//! declared for its operation, never 5xx, and match the declared schema; invalid input is always
//! 4xx with the stable error shape.
//!
//! Seeded (FIXPROV_OPENAPI_SEED, default fixed): a failure prints the seed and the request. Cases
//! per operation: 100, or 10,000 with FIXPROV_LONG=1 (scripts/test.sh --long);
//! FIXPROV_OPENAPI_CASES overrides both. The schema check covers the subset of JSON Schema the
//! document uses ($ref, type, const, enum, oneOf, properties, required, additionalProperties,
//! items, uniqueItems, minimum, minLength, maxLength); `pattern` and `propertyNames` are used to
//! generate values but not checked on answers (no regex engine here).

mod common;

use common::{send, tokens, Answer, ADMIN, VIEWER};
use fixprov::admin::Admin;
use fixprov::{Config, Engine};
use serde_json::{json, Map, Value};
use std::net::SocketAddr;

/// SplitMix64: small, seedable, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let target = r.trim_start_matches("#/").split('/').fold(document, |v, key| &v[key]);
            resolve(document, target)
        }
        None => schema,
    }
}

// ----- the schema check -----

fn type_matches(value: &Value, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => false,
    }
}

/// Checks `value` against `schema`; the first mismatch, with where it is.
fn check(document: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(document, schema);
    let fail = |what: &str| Err(format!("{at}: {what} (value {value}, schema {schema})"));
    if let Some(types) = schema.get("type") {
        let ok = match types {
            Value::String(t) => type_matches(value, t),
            Value::Array(ts) => ts.iter().any(|t| t.as_str().is_some_and(|t| type_matches(value, t))),
            _ => true,
        };
        if !ok {
            return fail("wrong type");
        }
    }
    if schema.get("const").is_some_and(|c| c != value) {
        return fail("not the const");
    }
    if schema.get("enum").and_then(Value::as_array).is_some_and(|e| !e.contains(value)) {
        return fail("not in the enum");
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = branches.iter().filter(|b| check(document, b, value, at).is_ok()).count();
        if matching != 1 {
            return fail(&format!("{matching} oneOf branches match"));
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64()) {
        if n < min {
            return fail("below the minimum");
        }
    }
    if let Some(s) = value.as_str() {
        let chars = s.chars().count() as u64;
        if schema.get("minLength").and_then(Value::as_u64).is_some_and(|m| chars < m) {
            return fail("too short");
        }
        if schema.get("maxLength").and_then(Value::as_u64).is_some_and(|m| chars > m) {
            return fail("too long");
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !object.contains_key(key.as_str().unwrap_or("")) {
                return fail(&format!("required {key} missing"));
            }
        }
        for (key, v) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => check(document, property, v, &format!("{at}.{key}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => return fail(&format!("unknown property {key}")),
                    Some(extra @ Value::Object(_)) => check(document, extra, v, &format!("{at}.{key}"))?,
                    _ => {}
                },
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(item) = schema.get("items") {
            for (i, v) in items.iter().enumerate() {
                check(document, item, v, &format!("{at}[{i}]"))?;
            }
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true))
            && items.iter().enumerate().any(|(i, a)| items[..i].contains(a))
        {
            return fail("repeated items");
        }
    }
    Ok(())
}

// ----- generation -----

const USERS: &[&str] = &["alice", "bob", "carol", "nobody"];
const TIERS: &[&str] = &["basic", "standard", "premium", "desk", "nothing"];

fn text(rng: &mut Rng, min: usize, max: usize) -> String {
    let len = min + rng.below(max.saturating_sub(min) + 1);
    (0..len).map(|_| *rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789_") as char).collect()
}

/// A value `schema` accepts, with names drawn from small pools so requests meet existing users.
fn generate(document: &Value, schema: &Value, key: &str, rng: &mut Rng, depth: usize) -> Value {
    let schema = resolve(document, schema);
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return rng.pick(e).clone();
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        return generate(document, rng.pick(branches), key, rng, depth);
    }
    let t = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => rng.pick(ts).as_str().unwrap_or("null").to_owned(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => return json!(rng.below(10)),
    };
    let pattern = schema.get("pattern").and_then(Value::as_str).unwrap_or("");
    match t.as_str() {
        "string" if pattern.contains("[A-Z]{3}") => json!(rng.pick(&["USD", "EUR", "usd"])),
        "string" if pattern.contains("[0-9]+") => {
            json!(format!("{}.{:02}", rng.below(100_000), rng.below(100)))
        }
        "string" if key == "user" || pattern.contains("u0000") => json!(rng.pick(USERS)),
        "string" if key == "tier" => json!(rng.pick(TIERS)),
        "string" if key == "rule" => {
            json!(rng.pick(&["10.0.0.0/8", "192.168.1.7", "kyc2", "not-an-address"]))
        }
        "string" if key == "id" => json!(rng.pick(&["kyc2", "r1", "missing"])),
        "string" => {
            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = schema.get("maxLength").and_then(Value::as_u64).map_or(12, |m| (m as usize).min(12));
            json!(text(rng, min, max.max(min)))
        }
        "integer" => {
            let min = schema.get("minimum").and_then(Value::as_u64).unwrap_or(0);
            json!(min + [0, 1, 7, 100, 5_000, 4_102_444_800_000][rng.below(6)])
        }
        "number" => json!(rng.below(1000)),
        "boolean" => json!(rng.chance(2)),
        "null" => Value::Null,
        "array" if depth < 4 => {
            let item = schema.get("items").cloned().unwrap_or(json!({"type": "string"}));
            let mut items: Vec<Value> =
                (0..rng.below(4)).map(|_| generate(document, &item, key, rng, depth + 1)).collect();
            if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                let mut unique = Vec::new();
                items.retain(|v| {
                    !unique.contains(v) && {
                        unique.push(v.clone());
                        true
                    }
                });
            }
            Value::Array(items)
        }
        "object" if depth < 4 => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map_or_else(Vec::new, |r| r.iter().filter_map(Value::as_str).collect());
            let mut out = Map::new();
            for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten()
            {
                if required.contains(&name.as_str()) || rng.chance(2) {
                    out.insert(name.clone(), generate(document, property, name, rng, depth + 1));
                }
            }
            if let Some(extra @ Value::Object(_)) = schema.get("additionalProperties") {
                if rng.chance(2) {
                    out.insert(text(rng, 1, 8), generate(document, extra, "", rng, depth + 1));
                }
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

/// A value of another JSON type than `schema` allows.
fn wrong_type(document: &Value, schema: &Value, rng: &mut Rng) -> Option<Value> {
    let candidates =
        [json!("text"), json!(-3), json!(1.5), json!(true), json!([1]), json!({"x": 1}), Value::Null];
    let schema = resolve(document, schema);
    if schema.as_object().is_some_and(|o| o.is_empty() || o.keys().all(|k| k == "description")) {
        return None; // anything goes
    }
    let wrong: Vec<&Value> = candidates.iter().filter(|v| check(document, schema, v, "").is_err()).collect();
    (!wrong.is_empty()).then(|| (*rng.pick(&wrong)).clone())
}

// ----- one operation -----

struct Operation {
    method: String,
    path: String,
    spec: Value,
    allow: Vec<String>,
}

fn operations(document: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let allow: Vec<String> = item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !k.starts_with("x-"))
            .map(|k| k.to_uppercase())
            .collect();
        for (method, spec) in item.as_object().unwrap() {
            if !method.starts_with("x-") {
                let (method, path, spec) = (method.to_uppercase(), path.clone(), spec.clone());
                out.push(Operation { method, path, spec, allow: allow.clone() });
            }
        }
    }
    out
}

/// One generated request, and whether it is valid.
struct Request {
    method: String,
    target: String,
    token: Option<&'static str>,
    body: Vec<u8>,
    invalid: Option<&'static str>,
}

fn query_value(document: &Value, parameter: &Value, rng: &mut Rng) -> String {
    let value = generate(document, &parameter["schema"], parameter["name"].as_str().unwrap_or(""), rng, 0);
    match value {
        Value::String(s) => s.replace('%', "%25").replace('&', "%26").replace(' ', "+"),
        other => other.to_string(),
    }
}

fn build(document: &Value, op: &Operation, rng: &mut Rng) -> Request {
    let parameters = op.spec["parameters"].as_array().cloned().unwrap_or_default();
    let mut query: Vec<(String, String)> = Vec::new();
    for p in &parameters {
        if p["required"] == true || rng.chance(3) {
            query.push((p["name"].as_str().unwrap().to_owned(), query_value(document, p, rng)));
        }
    }
    let body_spec = &op.spec["requestBody"];
    let body_schema = &body_spec["content"]["application/json"]["schema"];
    let mut body = (!body_spec.is_null()).then(|| generate(document, body_schema, "", rng, 0));
    if body_spec["required"] == false && rng.chance(3) {
        body = None;
    }
    let mut method = op.method.clone();
    let mut token = Some(ADMIN);
    let mut raw: Option<Vec<u8>> = None;
    let mut invalid = None;
    // Half the cases are valid; the rest carry one mutation each.
    if rng.chance(2) {
        let mutation = rng.below(9);
        invalid = Some(match mutation {
            0 if body.as_ref().is_some_and(|b| b.as_object().is_some_and(|o| !o.is_empty())) => {
                let b = body.as_mut().unwrap().as_object_mut().unwrap();
                let required: Vec<String> =
                    resolve(document, body_schema)["required"].as_array().map_or_else(Vec::new, |r| {
                        r.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect()
                    });
                match required.iter().find(|k| b.contains_key(*k)) {
                    Some(k) => {
                        b.remove(k);
                        "a required field missing"
                    }
                    None => {
                        b.insert("colour".into(), json!("red"));
                        "an unknown field"
                    }
                }
            }
            1 if body.is_some() => {
                body.as_mut().unwrap().as_object_mut().map(|b| b.insert("colour".into(), json!("red")));
                if body.as_ref().is_some_and(Value::is_object) {
                    "an unknown field"
                } else {
                    raw = Some(b"[]".to_vec());
                    "a body that is not an object"
                }
            }
            2 if body.as_ref().is_some_and(Value::is_object) => {
                let schema = resolve(document, body_schema);
                let b = body.as_mut().unwrap().as_object_mut().unwrap();
                let wrong = b.keys().cloned().collect::<Vec<_>>().into_iter().find_map(|k| {
                    let property = &schema["properties"][&k];
                    wrong_type(document, property, rng).map(|w| (k, w))
                });
                match wrong {
                    Some((k, w)) => {
                        b.insert(k, w);
                        "a field of the wrong type"
                    }
                    None => {
                        raw = Some(b"{\"user\": ".to_vec());
                        "broken JSON"
                    }
                }
            }
            3 => {
                let numeric =
                    parameters.iter().find(|p| resolve(document, &p["schema"])["type"] == "integer");
                match (numeric, body.as_mut().and_then(Value::as_object_mut)) {
                    (Some(p), _) => {
                        let name = p["name"].as_str().unwrap().to_owned();
                        query.retain(|(k, _)| *k != name);
                        query.push((
                            name,
                            rng.pick(&["-1", "18446744073709551616", "ten", "1.5"]).to_string(),
                        ));
                        "a query number out of range"
                    }
                    (None, Some(b)) if b.contains_key("overlap_secs") || b.contains_key("session") => {
                        let k = if b.contains_key("session") { "session" } else { "overlap_secs" };
                        b.insert(k.into(), json!(-1));
                        "a number out of range"
                    }
                    _ => {
                        query.push(("colour".into(), "red".into()));
                        "an unknown query key"
                    }
                }
            }
            4 => {
                query.push((rng.pick(&["colour", "user2", "limit%20", "%75ser"]).to_string(), "1".into()));
                "an unknown query key"
            }
            5 => {
                let mut big = body.as_ref().map_or_else(|| b"{}".to_vec(), |b| b.to_string().into_bytes());
                big.extend(std::iter::repeat_n(b' ', 64 * 1024 + 1));
                raw = Some(big);
                "an oversized body"
            }
            6 => {
                let others = ["TRACE", "DELETE", "PUT", "PATCH", "POST", "GET"];
                let free: Vec<&&str> = others.iter().filter(|m| !op.allow.iter().any(|a| a == **m)).collect();
                method = rng.pick(&free).to_string();
                "an undeclared method"
            }
            7 if op.spec["x-fixprov-role"].as_str().is_some_and(|r| r != "viewer" && r != "anyone") => {
                token = Some(VIEWER);
                "too small a role"
            }
            // An operation that needs no token (GET /healthz): another method instead.
            _ if op.spec["security"].as_array().is_some_and(Vec::is_empty) => {
                let others = ["TRACE", "DELETE", "PUT", "PATCH", "POST"];
                let free: Vec<&&str> = others.iter().filter(|m| !op.allow.iter().any(|a| a == **m)).collect();
                method = rng.pick(&free).to_string();
                "an undeclared method"
            }
            _ => {
                token = None;
                "no token"
            }
        });
    }
    if (method == "OPTIONS" || op.path == "/healthz")
        && matches!(invalid, Some(why) if why.contains("query") || why.contains("body") || why.contains("field") || why.contains("JSON") || why.contains("role"))
    {
        // OPTIONS is about the path: its query and body are not read, and a viewer may ask; nor
        // does /healthz read them (a probe's cache-busting query is fine).
        invalid = None;
    }
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let target = if query.is_empty() { op.path.clone() } else { format!("{}?{}", op.path, query.join("&")) };
    let body = raw.unwrap_or_else(|| body.map_or_else(Vec::new, |b| b.to_string().into_bytes()));
    Request { method, target, token, body, invalid }
}

/// What must hold of one answer; the first thing that does not.
fn judge(document: &Value, op: &Operation, request: &Request, answer: &Answer) -> Result<(), String> {
    let status = answer.status;
    if !(200..500).contains(&status) {
        return Err(format!("status {status}"));
    }
    if request.method != op.method {
        if status != 405 || answer.header("allow").is_none() || answer.error_code().is_none() {
            return Err(format!(
                "an undeclared method answered {status}, Allow {:?}",
                answer.header("allow")
            ));
        }
        return Ok(());
    }
    let declared = &op.spec["responses"][status.to_string()];
    if declared.is_null() {
        return Err(format!("status {status} is not declared for {} {}", op.method, op.path));
    }
    if let Some(why) = request.invalid {
        let harmless = why == "an oversized body" && matches!(op.method.as_str(), "OPTIONS");
        if !(400..500).contains(&status) && !harmless {
            return Err(format!("{why} answered {status}"));
        }
    }
    if op.method == "HEAD" || status == 204 {
        return if answer.body.is_empty() { Ok(()) } else { Err("a body on HEAD or 204".into()) };
    }
    let declared = resolve(document, declared);
    let (content_type, media) =
        declared["content"].as_object().and_then(|c| c.iter().next()).ok_or("no content")?;
    if !answer.header("content-type").unwrap_or("").starts_with(content_type.as_str()) {
        return Err(format!("content type {:?}, declared {content_type}", answer.header("content-type")));
    }
    if status >= 400 && answer.error_code().is_none() {
        return Err("an error without the stable shape".into());
    }
    match content_type.as_str() {
        "application/json" => {
            let body: Value = serde_json::from_str(&answer.body).map_err(|e| format!("not JSON: {e}"))?;
            check(document, &media["schema"], &body, "body")
        }
        "application/x-ndjson" => answer.body.lines().try_for_each(|l| {
            serde_json::from_str::<Value>(l).map(drop).map_err(|e| format!("a line that is not JSON: {e}"))
        }),
        _ => Ok(()),
    }
}

/// An in-memory engine with users `alice` and `bob`, and its admin part serving on a free loopback port.
fn fresh_engine() -> (Engine, Admin, SocketAddr) {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let admin = Admin::new(&engine);
    let addr: SocketAddr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    for user in ["alice", "bob"] {
        engine.access().provision(user, None).unwrap();
    }
    (engine, admin, addr)
}

fn cases() -> usize {
    if let Some(n) = std::env::var("FIXPROV_OPENAPI_CASES").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    if std::env::var("FIXPROV_LONG").as_deref() == Ok("1") {
        10_000
    } else {
        100
    }
}

#[test]
fn generated_requests_get_declared_answers_for_every_operation() {
    let seed = std::env::var("FIXPROV_OPENAPI_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(27);
    let (_engine, admin, addr) = fresh_engine();
    let document = send(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"").json();
    admin.stop();
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let ops = operations(&document);
    assert!(ops.len() > fixprov::admin::ROUTES.len(), "routes, and their HEAD and OPTIONS");
    for op in &ops {
        // Each operation starts from the same small engine: what one operation's valid cases create
        // (users, audit records) would otherwise make every later listing and export longer, and the
        // long mode's run time grow with the square of its cases.
        let (_engine, admin, addr) = fresh_engine();
        for case in 0..cases() {
            let request = build(&document, op, &mut rng);
            let answer = send(addr, &request.method, &request.target, request.token, &request.body);
            if let Err(why) = judge(&document, op, &request, &answer) {
                let body = String::from_utf8_lossy(&request.body[..request.body.len().min(300)]).into_owned();
                failures.push(format!(
                    "{} {} case {case} ({}): {why}\n  request {} {} body {body}\n  answer {} {}",
                    op.method,
                    op.path,
                    request.invalid.unwrap_or("valid"),
                    request.method,
                    request.target,
                    answer.status,
                    &answer.body[..answer.body.len().min(300)],
                ));
            }
        }
        admin.stop();
    }
    assert!(failures.is_empty(), "seed {seed}: {} failures:\n{}", failures.len(), failures.join("\n"));
}

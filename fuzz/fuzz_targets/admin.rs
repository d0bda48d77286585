//! The admin command layer (`fixprov::admin::Admin::handle` and `fixprov_admin_request`), every route.
//!
//! Input: up to 8 requests separated by 0xFF bytes, run in order on one fresh in-memory engine
//! (default eligibility rules; "alice" provisioned on "standard" with one session open, "bob" on
//! "basic" without a credential). Each request is
//!
//! ```text
//! [route index] [flags] query-string 0x00 body      (without a 0x00: no query, all body)
//! ```
//!
//! flags: bits 0-1 the actor's role (0, 1 admin; 2 operator; 3 viewer), bit 2 through the C ABI
//! (`fixprov_admin_request`, as the host: admin), bit 3 the other method, bit 4 an unknown path.
//!
//! Invariants: nothing panics; every answer's status is one the API documents (200, 400, 403,
//! 404, 405 for a wrong method, 409, 413, 422; 500 only if something inside failed, which an
//! in-memory engine must never do); an error's body is JSON `{"error": {"code", "message"}}`; a
//! success is JSON except the two text routes; a role below the route's is answered 403; through the
//! C ABI the call returns OK with the same kind of text; no answer but the provisioning or
//! regeneration that created it ever contains a password; the audit chain verifies at the end.
#![no_main]

mod common;

use common::{Build, Engine};
use fixprov::admin::{Actor, Role, ROUTES};
use fixprov::cold::rules::{AccountFacts, Currency, Money};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const TEXT_ROUTES: [&str; 2] = ["/metrics", "/admin/fix/audit/export"];

fn setup(engine: &Engine, secrets: &mut Vec<String>) {
    let e = engine.rust();
    let facts = AccountFacts {
        balance: Some(Money::new(500_000, Currency::USD)),
        volume_30d: Some(Money::new(5_000_000, Currency::USD)),
        account_created_unix_ms: Some(1_600_000_000_000),
        kyc_level: Some(3),
        groups: ["desk-a".to_owned()].into(),
        ..AccountFacts::default()
    };
    e.eligibility().account_set("alice", facts).expect("facts");
    let creds = e.access().provision("alice", Some("standard")).expect("provision alice");
    secrets.push(String::from_utf8(creds.password.expose().to_vec()).expect("ASCII password"));
    e.tiers().assign("bob", "basic").expect("bob");
    e.sessions().open("alice").expect("a session for alice");
}

/// The passwords an answer carries (provisioning and regeneration answer `"password"`).
fn passwords_in(body: &Value) -> Vec<String> {
    body.get("password").and_then(Value::as_str).map(|p| vec![p.to_owned()]).unwrap_or_default()
}

fn check_error_body(body: &Value, what: &str) {
    let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("{what}: no error.code in {body}"));
    assert!(!code.is_empty(), "{what}: empty error.code");
    assert!(body["error"]["message"].is_string(), "{what}: no error.message in {body}");
}

fn check_no_leak(text: &str, secrets: &[String], own: &[String], what: &str) {
    for secret in secrets {
        if !own.contains(secret) {
            assert!(!text.contains(secret.as_str()), "{what}: an answer repeats a password");
        }
    }
}

fn run(engine: &Engine, request: &[u8], secrets: &mut Vec<String>) {
    let Some((&index, rest)) = request.split_first() else { return };
    let (&flags, rest) = rest.split_first().unwrap_or((&0, &[]));
    let route = &ROUTES[usize::from(index) % ROUTES.len()];
    let (query, body) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&[][..], rest),
    };
    let via_c = flags & 4 != 0;
    let role = if via_c {
        Role::Admin
    } else {
        match flags & 3 {
            2 => Role::Operator,
            3 => Role::Viewer,
            _ => Role::Admin,
        }
    };
    let method = match (flags & 8 != 0, route.method) {
        (false, m) => m,
        (true, "GET") => "POST",
        (true, _) => "GET",
    };
    let mut path = route.path.as_bytes().to_vec();
    if flags & 16 != 0 {
        path.extend_from_slice(b"/x");
    }
    if !query.is_empty() {
        path.push(b'?');
        path.extend_from_slice(query);
    }
    let bare = &path[..path.iter().position(|b| *b == b'?').unwrap_or(path.len())];

    // What the dispatcher must answer before any handler runs.
    let path_known = ROUTES.iter().any(|r| r.path.as_bytes() == bare);
    let target = ROUTES.iter().find(|r| r.path.as_bytes() == bare && r.method == method);
    let what = format!("{method} {}", String::from_utf8_lossy(&path));

    let (status, text, json) = if via_c {
        let body_arg = (!body.is_empty()).then_some(body);
        match common::admin_request(engine, method.as_bytes(), &path, body_arg) {
            Ok((status, text)) => {
                let text = String::from_utf8(text).unwrap_or_else(|_| panic!("{what}: answer is not UTF-8"));
                let json = serde_json::from_str::<Value>(&text).ok();
                (u16::try_from(status).expect("an HTTP status"), text, json)
            }
            Err(fixprov::ffi::fixprov_status::FIXPROV_ERR_UTF8) => {
                assert!(std::str::from_utf8(&path).is_err(), "{what}: ERR_UTF8 for a UTF-8 path");
                return;
            }
            Err(s) => panic!("{what}: fixprov_admin_request returned {s:?}: {}", common::last_error()),
        }
    } else {
        let path = String::from_utf8_lossy(&path);
        let actor = Actor { name: "fuzz".into(), role, source: "127.0.0.1".into() };
        let response = engine.admin().handle(&actor, method, &path, body);
        let text = response.body_text();
        match (&response.text, response.status) {
            (Some((content_type, _)), 200) => {
                assert!(TEXT_ROUTES.contains(&route.path), "{what}: text from a JSON route");
                assert_eq!(response.content_type(), *content_type);
                assert!(response.body.is_null());
            }
            (Some(_), status) => panic!("{what}: a text body with status {status}"),
            (None, _) => {
                assert_eq!(response.content_type(), "application/json");
                let reparsed: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: body is not JSON: {e}"));
                assert_eq!(reparsed, response.body, "{what}: body text differs from the body");
            }
        }
        (response.status, text, Some(response.body))
    };

    common::stat(|| format!("{} {} -> {status}", method, route.path));
    // The status is one the dispatcher or a handler documents.
    if !path_known {
        assert_eq!(status, 404, "{what}: unknown path");
    } else if target.is_none() {
        assert_eq!(status, 405, "{what}: wrong method");
    } else if role < target.map_or(Role::Viewer, |r| r.role) {
        assert_eq!(status, 403, "{what}: role {role:?} below the route's");
    } else {
        assert!(
            matches!(status, 200 | 400 | 404 | 409 | 413 | 422),
            "{what}: status {status}; body: {}",
            text.chars().take(500).collect::<String>()
        );
    }

    let text_route = status == 200 && TEXT_ROUTES.contains(&route.path) && target.is_some();
    if text_route && route.path == "/metrics" {
        assert!(text.ends_with("# EOF\n"), "{what}: OpenMetrics text without its # EOF line");
    }
    if text_route && route.path == "/admin/fix/audit/export" {
        for line in text.lines() {
            let record: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{what}: a record is not JSON: {e}"));
            assert!(record["seq"].is_u64(), "{what}: a record without seq: {line}");
        }
    }
    let own = match (&json, status) {
        (Some(body), 200) => passwords_in(body),
        _ => Vec::new(),
    };
    if !text_route {
        let body = json.as_ref().unwrap_or_else(|| panic!("{what}: the answer is not JSON: {text}"));
        if status == 200 {
            assert!(body.get("error").is_none(), "{what}: a success with an error body");
        } else {
            check_error_body(body, &what);
        }
    }
    check_no_leak(&text, secrets, &own, &what);
    secrets.extend(own);
}

fuzz_target!(|data: &[u8]| {
    let engine = Engine::open(Build::Rust { default_rules: true }, 64);
    let mut secrets = Vec::new();
    setup(&engine, &mut secrets);
    for request in data.split(|b| *b == 0xFF).take(8) {
        run(&engine, request, &mut secrets);
    }
    let e = engine.rust();
    e.audit().flush().expect("the audit queue flushes to an in-memory store");
    let verification = e.audit().verify().expect("the audit chain can be verified");
    let report = serde_json::to_value(&verification).expect("serializes");
    assert_eq!(report["ok"], Value::Bool(true), "the audit chain is broken: {report}");
    // No record of the log repeats a password.
    let mut log = Vec::new();
    e.audit().export(&Default::default(), &mut log).expect("the audit log exports");
    check_no_leak(&String::from_utf8_lossy(&log), &secrets, &[], "audit log");
    common::stats_input_done();
});

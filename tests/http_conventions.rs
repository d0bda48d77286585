//! The OpenAPI document against the answers, and the HTTP conventions (issue #27): the new
//! password declared where it is answered, the optional body of reevaluate, 405 with Allow, HEAD,
//! OPTIONS, and JSON errors of one shape for unknown paths and oversized bodies.

mod common;

use common::{send, tokens, ADMIN, VIEWER};
use fixprov::admin::Admin;
use fixprov::{Config, Engine};
use serde_json::Value;
use std::net::SocketAddr;

fn server() -> (Engine, Admin, SocketAddr) {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let admin = Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    (engine, admin, addr)
}

fn answer_schema(document: &Value, path: &str) -> Value {
    document["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"].clone()
}

#[test]
fn the_new_password_is_declared_in_the_answers_that_carry_it() {
    let (_engine, admin, addr) = server();
    let document = send(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"").json();
    assert_eq!(send(addr, "POST", "/admin/fix/provision", Some(ADMIN), br#"{"user": "alice"}"#).status, 200);
    for (path, body) in [
        ("/admin/fix/provision", r#"{"user": "bob"}"#),
        ("/admin/fix/regenerate-password", r#"{"user": "alice"}"#),
    ] {
        let answer = send(addr, "POST", path, Some(ADMIN), body.as_bytes());
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        assert!(answer.json()["password"].as_str().is_some_and(|p| !p.is_empty()), "{path}");
        let schema = answer_schema(&document, path);
        let password = &schema["properties"]["password"];
        assert_eq!(password["type"], "string", "{path}: {schema}");
        // writeOnly (or "not": {}) tells response validators that the property must not appear.
        assert!(password.get("writeOnly").is_none() && password.get("not").is_none(), "{path}: {password}");
        assert!(schema["required"].as_array().unwrap().contains(&"password".into()), "{path}");
    }
    admin.stop();
}

#[test]
fn reevaluate_takes_an_optional_body_and_the_document_says_so() {
    let (_engine, admin, addr) = server();
    let document = send(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"").json();
    let op = &document["paths"]["/admin/fix/eligibility/reevaluate"]["post"];
    assert_eq!(op["requestBody"]["required"], false, "an empty body re-evaluates everyone");
    for body in [&b""[..], b"{}", br#"{"suspend": false}"#] {
        assert_eq!(send(addr, "POST", "/admin/fix/eligibility/reevaluate", Some(ADMIN), body).status, 200);
    }
    // Every other POST route declares its body required, and refuses an empty one with a 4xx.
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(post) = item.get("post") else { continue };
        if path == "/admin/fix/eligibility/reevaluate" {
            continue;
        }
        assert_eq!(post["requestBody"]["required"], true, "{path}");
        let answer = send(addr, "POST", path, Some(ADMIN), b"");
        assert!((400..500).contains(&answer.status) && answer.error_code().is_some(), "{path}: {answer:?}");
    }
    admin.stop();
}

#[test]
fn an_undeclared_method_is_405_with_allow() {
    let (_engine, admin, addr) = server();
    for (method, path, allow) in [
        ("TRACE", "/admin/fix/stats", "GET, HEAD, OPTIONS"),
        ("DELETE", "/admin/fix/provision", "POST, OPTIONS"),
        ("GET", "/admin/fix/provision", "POST, OPTIONS"),
        ("PUT", "/admin/fix/rate-limits/tiers", "GET, POST, HEAD, OPTIONS"),
        ("PATCH", "/healthz", "GET, HEAD, OPTIONS"),
    ] {
        let answer = send(addr, method, path, Some(ADMIN), b"");
        assert_eq!(answer.status, 405, "{method} {path}: {answer:?}");
        assert_eq!(answer.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(answer.error_code().as_deref(), Some("method_not_allowed"), "{method} {path}");
    }
    let document = send(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"").json();
    assert!(document["components"]["responses"]["MethodNotAllowed"]["headers"]["Allow"].is_object());
    admin.stop();
}

#[test]
fn head_answers_a_get_route_without_the_body() {
    let (_engine, admin, addr) = server();
    let get = send(addr, "GET", "/admin/fix/stats", Some(VIEWER), b"");
    let head = send(addr, "HEAD", "/admin/fix/stats", Some(VIEWER), b"");
    assert_eq!((head.status, head.body.as_str()), (200, ""), "{head:?}");
    assert_eq!(head.header("content-type"), get.header("content-type"));
    assert_eq!(send(addr, "HEAD", "/healthz", None, b"").status, 200);
    assert_eq!(send(addr, "HEAD", "/admin/fix/stats", None, b"").status, 401, "a token is needed");
    // HEAD on a POST-only route is not a GET: 405 (its body cannot show).
    let answer = send(addr, "HEAD", "/admin/fix/provision", Some(ADMIN), b"");
    assert_eq!((answer.status, answer.header("allow")), (405, Some("POST, OPTIONS")));
    let document = send(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"").json();
    assert!(document["paths"]["/admin/fix/stats"]["head"]["responses"]["200"].is_object());
    assert!(document["paths"]["/admin/fix/provision"].get("head").is_none());
    admin.stop();
}

#[test]
fn options_answers_204_with_allow() {
    let (_engine, admin, addr) = server();
    for (path, allow) in [
        ("/admin/fix/stats", "GET, HEAD, OPTIONS"),
        ("/admin/fix/provision", "POST, OPTIONS"),
        ("/admin/fix/rate-limits/tiers", "GET, POST, HEAD, OPTIONS"),
    ] {
        let answer = send(addr, "OPTIONS", path, Some(VIEWER), b"");
        assert_eq!(
            (answer.status, answer.header("allow"), answer.body.as_str()),
            (204, Some(allow), ""),
            "{path}"
        );
        let document = send(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"").json();
        let declared = &document["paths"][path]["options"]["responses"]["204"]["headers"]["Allow"]["schema"];
        assert_eq!(declared["const"], allow, "{path}");
    }
    let answer = send(addr, "OPTIONS", "/admin/fix/nothing", Some(VIEWER), b"");
    assert_eq!((answer.status, answer.error_code().as_deref()), (404, Some("no_such_route")));
    admin.stop();
}

#[test]
fn errors_are_json_of_the_stable_shape() {
    let (_engine, admin, addr) = server();
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("GET", "/admin/fix/nothing", vec![], 404, "no_such_route"),
        ("GET", "/nothing/at/all", vec![], 404, "no_such_route"),
        ("POST", "/admin/fix/suspend", vec![b' '; 70 * 1024], 413, "body_too_large"),
        ("POST", "/admin/fix/suspend", b"{not json".to_vec(), 400, "bad_json"),
        ("TRACE", "/admin/fix/audit", vec![], 405, "method_not_allowed"),
    ];
    for (method, path, body, status, code) in cases {
        let answer = send(addr, method, path, Some(ADMIN), &body);
        assert_eq!((answer.status, answer.error_code().as_deref()), (status, Some(code)), "{method} {path}");
        assert_eq!(answer.header("content-type"), Some("application/json"), "{method} {path}");
    }
    admin.stop();
}

/// Found by tests/openapi_generated.rs: the server reads an optional field given as null as left
/// out (serde's Option), while the document declared those fields non-nullable.
#[test]
fn null_is_declared_where_the_server_reads_it_as_absent() {
    let (_engine, admin, addr) = server();
    let document = send(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"").json();
    let body_schema = |path: &str| {
        document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"].clone()
    };
    let accepts_null = |property: &Value| {
        property["type"].as_array().is_some_and(|t| t.contains(&"null".into()))
            || ["oneOf", "anyOf"]
                .iter()
                .any(|k| property[*k].as_array().is_some_and(|b| b.iter().any(|b| b["type"] == "null")))
    };
    for (path, field, body) in [
        ("/admin/fix/provision", "tier", r#"{"user": "alice", "tier": null}"#),
        ("/admin/fix/sessions/kill", "session", r#"{"user": "alice", "session": null}"#),
        ("/admin/fix/rate-limits/reset-violations", "session", r#"{"user": "alice", "session": null}"#),
        ("/admin/fix/rate-limits/reset-violations", "user", r#"{"session": 1, "user": null}"#),
    ] {
        let answer = send(addr, "POST", path, Some(ADMIN), body.as_bytes());
        assert_ne!(answer.status, 400, "{path}: the server takes null for {field}: {answer:?}");
        assert!(
            accepts_null(&body_schema(path)["properties"][field]),
            "{path}: {field} is declared nullable"
        );
    }
    admin.stop();
}

//! The admin API over real HTTP on a loopback port: tokens (401), roles (403), the happy paths of
//! every route in the OpenAPI document, bad JSON, unknown fields, oversized bodies and unknown users
//! on each, the document itself (served, and checked in), /metrics and /healthz.

mod common;

use fixprov::admin::http::TokenConfig;
use fixprov::admin::{Admin, Role};
use fixprov::{Config, Engine};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

const ADMIN: &str = "admin-token-0123456789abcdef0123456789";
const VIEWER: &str = "viewer-token-0123456789abcdef012345678";

fn tokens() -> Vec<TokenConfig> {
    vec![
        TokenConfig { name: "ops-admin".into(), role: Role::Admin, token: ADMIN.into() },
        TokenConfig { name: "dashboard".into(), role: Role::Viewer, token: VIEWER.into() },
    ]
}

/// One HTTP/1.1 request with `Connection: close`; returns the status and the JSON body.
fn request(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, Value) {
    let (status, _, body) = raw_request(addr, method, path, token, body);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// One HTTP/1.1 request with `Connection: close`; returns the status, the content type and the body.
fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    // Chunked bodies (the streamed audit export) are joined.
    let answer = common::parse(&response);
    common::openapi::check(method, path, &answer);
    let content_type = answer.header("content-type").unwrap_or_default().to_owned();
    (answer.status, content_type, answer.body)
}

#[test]
fn the_admin_api_over_http() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let admin = Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    assert!(addr.ip().is_loopback());

    assert_eq!(request(addr, "GET", "/healthz", None, b"").0, 200);
    let (status, body) = request(addr, "GET", "/admin/fix/stats", None, b"");
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    assert_eq!(
        request(addr, "GET", "/admin/fix/stats", Some("wrong-token-wrong-token-wrong-token"), b"").0,
        401
    );
    assert_eq!(request(addr, "GET", "/admin/fix/stats", Some(VIEWER), b"").0, 200);
    let (status, body) = request(addr, "POST", "/admin/fix/provision", Some(VIEWER), br#"{"user": "x"}"#);
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")));

    let (status, body) = request(
        addr,
        "POST",
        "/admin/fix/provision",
        Some(ADMIN),
        br#"{"user": "alice", "tier": "premium"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password"].as_str().unwrap().len(), 43);
    let (status, body) = request(addr, "GET", "/admin/fix/credentials/user?user=alice", Some(VIEWER), b"");
    assert_eq!((status, body["sender_comp_id"].as_str()), (200, Some("FP_ALICE")));
    assert!(body.get("password").is_none());
    let (status, body) = request(addr, "POST", "/admin/fix/revoke", Some(ADMIN), br#"{"user": "nobody"}"#);
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, body) = request(addr, "POST", "/admin/fix/suspend", Some(ADMIN), b"{not json");
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_json")));
    let (status, _) =
        request(addr, "POST", "/admin/fix/suspend", Some(ADMIN), br#"{"user": "alice", "x": 1}"#);
    assert_eq!(status, 400);
    let big = vec![b' '; 70 * 1024];
    assert_eq!(request(addr, "POST", "/admin/fix/suspend", Some(ADMIN), &big).0, 413);
    assert_eq!(request(addr, "GET", "/admin/fix/nothing", Some(ADMIN), b"").0, 404);

    // The token's name is the actor on the audit log, with the client's address.
    engine.audit().flush().unwrap();
    let records = engine.audit().query(&Default::default()).unwrap();
    let provision = records.iter().find(|r| r.event == "credential.provision").unwrap();
    assert_eq!((provision.actor.as_str(), provision.source.as_str()), ("ops-admin", "127.0.0.1"));

    // Repeated bad tokens from one address are slowed down: its bad-token requests are 429 for a
    // cool-down, while a valid token is still served (see the lock-out test below).
    for _ in 0..5 {
        request(addr, "GET", "/admin/fix/stats", Some("bad-bad-bad-bad-bad-bad-bad-bad-bad"), b"");
    }
    let (status, body) =
        request(addr, "GET", "/admin/fix/stats", Some("bad-bad-bad-bad-bad-bad-bad-bad-bad"), b"");
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("too_many_failures")));
    assert_eq!(request(addr, "GET", "/admin/fix/stats", Some(ADMIN), b"").0, 200);

    admin.stop();
    assert!(TcpStream::connect(addr).is_err(), "stopped");
}

/// Security finding 3: behind a same-host proxy every client is 127.0.0.1, so a lock on the address
/// that refused valid tokens too would let anyone lock every operator out.
#[test]
fn a_valid_token_is_served_while_its_address_is_locked_out() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let admin = Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    let bad = "bad-bad-bad-bad-bad-bad-bad-bad-bad";
    let answers: Vec<u16> =
        (0..8).map(|_| request(addr, "GET", "/admin/fix/stats", Some(bad), b"").0).collect();
    assert_eq!(answers, [401, 401, 401, 401, 401, 429, 429, 429], "bad tokens are still slowed down");
    for token in [ADMIN, VIEWER] {
        let (status, body) = request(addr, "GET", "/admin/fix/stats", Some(token), b"");
        assert_eq!(status, 200, "a valid token from the locked address: {body}");
    }
    assert_eq!(request(addr, "GET", "/admin/fix/stats", None, b"").0, 429, "still locked for the rest");
    admin.stop();
}

#[test]
fn the_admin_api_refuses_bad_configurations() {
    let engine = Engine::open(Config::default()).unwrap();
    let admin = Admin::new(&engine);
    let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(admin.start(any, tokens(), false), Err(fixprov::Error::InvalidArgument(_))));
    assert!(matches!(
        admin.start("127.0.0.1:0".parse().unwrap(), vec![], false),
        Err(fixprov::Error::InvalidArgument(_))
    ));
    let short = vec![TokenConfig { name: "t".into(), role: Role::Admin, token: "short".into() }];
    assert!(matches!(
        admin.start("127.0.0.1:0".parse().unwrap(), short, false),
        Err(fixprov::Error::InvalidArgument(_))
    ));
    assert!(!format!("{:?}", tokens()).contains(ADMIN), "Debug hides the token");
    // A refused configuration leaves the running server alone.
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    assert!(admin.start("127.0.0.1:0".parse().unwrap(), short_tokens(), false).is_err());
    assert_eq!(request(addr, "GET", "/admin/fix/stats", Some(VIEWER), b"").0, 200, "still serving");
    admin.stop();
}

fn short_tokens() -> Vec<TokenConfig> {
    vec![TokenConfig { name: "t".into(), role: Role::Admin, token: "short".into() }]
}

fn checked_in_openapi() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json")
}

#[test]
fn the_checked_in_openapi_document_is_current() {
    let generated = serde_json::to_string_pretty(&fixprov::admin::openapi::document()).unwrap() + "\n";
    let path = checked_in_openapi();
    if std::env::var_os("FIXPROV_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "docs/openapi.json is stale: run `FIXPROV_UPDATE_OPENAPI=1 cargo test --test http` and commit it"
    );
}

/// Every operation of the document, as (method, path, role, example body).
fn operations(document: &Value) -> Vec<(String, String, String, Option<Value>)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // HEAD and OPTIONS are derived from the routes (tests/http_conventions.rs); extensions
            // are not operations.
            if matches!(method.as_str(), "head" | "options") || method.starts_with("x-") {
                continue;
            }
            let example = op["requestBody"]["content"]["application/json"]["example"].clone();
            out.push((
                method.to_uppercase(),
                path.clone(),
                op["x-fixprov-role"].as_str().unwrap().to_owned(),
                (!example.is_null()).then_some(example),
            ));
        }
    }
    out
}

/// The query a GET route needs on the walk-through's store.
fn query_for(path: &str) -> &'static str {
    match path {
        "/admin/fix/credentials/user"
        | "/admin/fix/sessions/user"
        | "/admin/fix/eligibility"
        | "/admin/fix/logon-keys" => "?user=alice",
        "/admin/fix/audit" | "/admin/fix/audit/export" => "?user=alice&event=credential.&limit=50",
        _ => "",
    }
}

#[test]
fn every_route_in_the_openapi_document_answers_over_http() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let admin = Admin::new(&engine);
    let start = || admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    let mut addr = start();
    let (status, content_type, text) = raw_request(addr, "GET", "/admin/fix/openapi.json", Some(VIEWER), b"");
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let served: Value = serde_json::from_str(&text).unwrap();
    let checked_in: Value =
        serde_json::from_str(&std::fs::read_to_string(checked_in_openapi()).unwrap()).unwrap();
    assert_eq!(served, checked_in, "the server serves the checked-in document");
    let ops = operations(&served);
    assert_eq!(ops.len(), fixprov::admin::ROUTES.len() + 1, "every route is in the document, and /healthz");

    // Without a token, every route is 401 (the server is restarted before its per-address lock-out
    // after five failures turns the answers into 429).
    for (i, (method, path, role, _)) in ops.iter().enumerate() {
        if i % 4 == 3 {
            addr = start();
        }
        if role == "anyone" {
            assert_eq!(raw_request(addr, method, path, None, b"").0, 200, "{method} {path} needs no token");
            continue;
        }
        let (status, content_type, body) = raw_request(addr, method, path, None, b"{}");
        assert_eq!((status, content_type.as_str()), (401, "application/json"), "{method} {path}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{method} {path}");
    }
    addr = start();

    // A viewer may only read.
    for (method, path, role, example) in &ops {
        if role != "viewer" && role != "anyone" {
            let body = example.as_ref().map_or_else(Vec::new, |e| e.to_string().into_bytes());
            let (status, body) = request(addr, method, path, Some(VIEWER), &body);
            assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{method} {path}");
        }
    }

    // Bad bodies on every POST route: broken JSON, an unknown field, over 64 KiB.
    for (method, path, _, example) in &ops {
        let Some(example) = example else { continue };
        let (status, body) = request(addr, method, path, Some(ADMIN), b"{\"user\": ");
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_json")), "{path}: broken JSON");
        let mut unknown = example.clone();
        unknown["colour"] = "red".into();
        let (status, body) = request(addr, method, path, Some(ADMIN), unknown.to_string().as_bytes());
        assert_eq!(status, 400, "{path}: unknown field: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("colour"), "{path}: {body}");
        let mut big = example.to_string().into_bytes();
        big.extend(std::iter::repeat_n(b' ', 65 * 1024));
        let (status, body) = request(addr, method, path, Some(ADMIN), &big);
        assert_eq!((status, body["error"]["code"].as_str()), (413, Some("body_too_large")), "{path}");
    }

    // The happy paths, in an order that makes each example valid: provision first, revoke last.
    let order = [
        "POST /admin/fix/provision",
        "POST /admin/fix/regenerate-password",
        "POST /admin/fix/expiry",
        "POST /admin/fix/ip-allow",
        "POST /admin/fix/ip-disallow",
        "GET /admin/fix/credentials",
        "GET /admin/fix/credentials/user",
        "POST /admin/fix/comp-id-pool",
        "GET /admin/fix/comp-id-pool",
        "POST /admin/fix/logon-keys/ed25519",
        "POST /admin/fix/logon-keys/hmac",
        "GET /admin/fix/logon-keys",
        "POST /admin/fix/logon-keys/revoke",
        "POST /admin/fix/logon-policy",
        "GET /admin/fix/logon-policy",
        "POST /admin/fix/country-rules",
        "GET /admin/fix/country-rules",
        "GET /admin/fix/sessions",
        "GET /admin/fix/sessions/user",
        "GET /admin/fix/rate-limits",
        "POST /admin/fix/rate-limits/tiers",
        "GET /admin/fix/rate-limits/tiers",
        "POST /admin/fix/rate-limits/weights",
        "GET /admin/fix/rate-limits/weights",
        "POST /admin/fix/rate-limits/update",
        "POST /admin/fix/rate-limits/reset-violations",
        "POST /admin/fix/rules/add",
        "GET /admin/fix/rules",
        "POST /admin/fix/rules/disable",
        "POST /admin/fix/rules/enable",
        "POST /admin/fix/accounts",
        "POST /admin/fix/rules/override",
        "POST /admin/fix/rules/bypass",
        "GET /admin/fix/eligibility",
        "POST /admin/fix/eligibility/reevaluate",
        "POST /admin/fix/rules/remove",
        "POST /admin/fix/suspend",
        "POST /admin/fix/reactivate",
        "POST /admin/fix/sessions/kill",
        "GET /admin/fix/stats",
        "GET /admin/fix/fleet",
        "GET /metrics",
        "GET /admin/fix/audit",
        "GET /admin/fix/audit/export",
        "GET /admin/fix/audit/verify",
        "GET /admin/fix/openapi.json",
        "GET /healthz",
        "POST /admin/fix/revoke",
    ];
    for (method, path, _, _) in &ops {
        assert!(
            order.contains(&format!("{method} {path}").as_str()),
            "{method} {path} has no happy path here"
        );
    }
    assert_eq!(order.len(), ops.len());
    for step in order {
        let (method, path, _, example) = ops.iter().find(|(m, p, _, _)| format!("{m} {p}") == step).unwrap();
        let body = example.as_ref().map_or_else(Vec::new, |e| e.to_string().into_bytes());
        let full = format!("{path}{}", query_for(path));
        let (status, content_type, text) = raw_request(addr, method, &full, Some(ADMIN), &body);
        assert_eq!(status, 200, "{step}: {text}");
        match path.as_str() {
            "/metrics" => {
                assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
                assert!(text.contains("fixprov_users{state=\"active\"} 1"), "{text}");
                assert!(text.trim_end().ends_with("# EOF"));
            }
            "/admin/fix/audit/export" => {
                assert_eq!(content_type, "application/x-ndjson");
                let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
                assert!(lines.len() >= 3, "provision, regenerate, expiry: {text}");
                assert!(lines
                    .iter()
                    .all(|r| r["subject"] == "alice"
                        && r["event"].as_str().unwrap().starts_with("credential.")));
                assert!(lines.windows(2).all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64()));
            }
            _ => {
                assert_eq!(content_type, "application/json", "{step}");
                serde_json::from_str::<Value>(&text).unwrap();
            }
        }
    }

    // Unknown users are 404 wherever a user must exist. (A tier or account facts may be set for a
    // user before it is provisioned, so those routes create the user instead.)
    for (method, path, _, example) in &ops {
        let needs_user = matches!(
            path.as_str(),
            "/admin/fix/revoke"
                | "/admin/fix/suspend"
                | "/admin/fix/reactivate"
                | "/admin/fix/regenerate-password"
                | "/admin/fix/expiry"
                | "/admin/fix/ip-allow"
                | "/admin/fix/ip-disallow"
                | "/admin/fix/credentials/user"
                | "/admin/fix/sessions/user"
                | "/admin/fix/rate-limits/reset-violations"
                | "/admin/fix/sessions/kill"
        );
        if !needs_user {
            continue;
        }
        let (full, body) = match example {
            Some(e) => {
                let mut e = e.clone();
                e["user"] = "nobody".into();
                (path.clone(), e.to_string().into_bytes())
            }
            None => (format!("{path}?user=nobody"), Vec::new()),
        };
        let (status, body) = request(addr, method, &full, Some(ADMIN), &body);
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{method} {path}");
    }
    admin.stop();
}

#[test]
fn audit_queries_take_query_parameters_and_refuse_unknown_ones() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let admin = Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    for user in ["alice", "bob", "carol"] {
        let body = format!("{{\"user\": \"{user}\"}}");
        assert_eq!(request(addr, "POST", "/admin/fix/provision", Some(ADMIN), body.as_bytes()).0, 200);
    }
    request(addr, "POST", "/admin/fix/suspend", Some(ADMIN), br#"{"user": "bob"}"#);
    let (status, records) =
        request(addr, "GET", "/admin/fix/audit?event=credential.suspend", Some(VIEWER), b"");
    assert_eq!(status, 200);
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["subject"], "bob");
    // Paging: one record at a time, each after the last one seen.
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let path = format!("/admin/fix/audit?event=credential.provision&limit=1&after_seq={after}");
        let (_, page) = request(addr, "GET", &path, Some(VIEWER), b"");
        let Some(record) = page.as_array().unwrap().first().cloned() else { break };
        after = record["seq"].as_u64().unwrap();
        seen.push(record["subject"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["alice", "bob", "carol"]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let (_, none) =
        request(addr, "GET", &format!("/admin/fix/audit?from_unix_ms={}", now + 60_000), Some(VIEWER), b"");
    assert_eq!(none, serde_json::json!([]));
    let (_, text) = {
        let (s, _, t) = raw_request(addr, "GET", "/admin/fix/audit/export?user=carol", Some(VIEWER), b"");
        (s, t)
    };
    assert!(text.lines().count() >= 1 && text.lines().all(|l| l.contains("\"subject\":\"carol\"")));
    for huge in ["after_seq", "from_unix_ms"] {
        let path = format!("/admin/fix/audit?{huge}={}", u64::MAX);
        assert_eq!(request(addr, "GET", &path, Some(VIEWER), b""), (200, serde_json::json!([])), "{huge}");
    }
    for bad in ["/admin/fix/audit?colour=red", "/admin/fix/audit?limit=ten", "/admin/fix/audit?user=a&user=b"]
    {
        let (status, body) = request(addr, "GET", bad, Some(VIEWER), b"");
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_argument")), "{bad}");
    }
    admin.stop();
}

#[test]
fn metrics_are_per_engine_and_count_admin_requests() {
    let a = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let b = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    a.access().provision("alice", None).unwrap();
    let session = a.sessions().open("alice").unwrap();
    for _ in 0..3 {
        a.check(session, fixprov::MsgClass::Order);
    }
    let admin = Admin::new(&a);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    assert_eq!(request(addr, "GET", "/admin/fix/stats", Some(VIEWER), b"").0, 200);
    let (status, _, text) = raw_request(addr, "GET", "/metrics", Some(VIEWER), b"");
    assert_eq!(status, 200);
    assert!(text.contains("fixprov_live_sessions{tier=\"basic\"} 1"), "{text}");
    assert!(text.contains("fixprov_orders_total{tier=\"basic\"} 3"), "{text}");
    assert!(text.contains("fixprov_credentials 1"), "{text}");
    assert!(
        text.contains(
            "fixprov_admin_requests_total{route=\"/admin/fix/stats\",method=\"GET\",status=\"200\"} 1"
        ),
        "{text}"
    );
    // A second engine has its own registry: nothing of the first shows there.
    let other = Admin::new(&b).metrics_text();
    assert!(other.contains("fixprov_credentials 0") && !other.contains("admin_requests_total{"), "{other}");
    assert_eq!(raw_request(addr, "GET", "/metrics", None, b"").0, 401, "metrics need a token too");
    admin.stop();
}

/// The answer checker every HTTP test goes through refuses an answer the document does not describe.
#[test]
fn the_openapi_checker_refuses_what_the_document_does_not_say() {
    let answer = |status: u16, content_type: &str, body: &str| common::Answer {
        status,
        headers: vec![("content-type".into(), content_type.into())],
        body: body.into(),
    };
    let refused = |method: &str, path: &str, a: common::Answer| {
        std::panic::catch_unwind(|| common::openapi::check(method, path, &a)).is_err()
    };
    let json = "application/json";
    common::openapi::check("GET", "/healthz", &answer(200, json, r#"{"ok": true}"#));
    assert!(refused("GET", "/healthz", answer(200, json, r#"{"ok": false}"#)), "a value the schema excludes");
    assert!(refused("GET", "/healthz", answer(200, "text/plain", r#"{"ok": true}"#)), "another content type");
    assert!(refused(
        "GET",
        "/admin/fix/stats",
        answer(418, json, r#"{"error": {"code": "x", "message": "y"}}"#)
    ));
    assert!(
        refused("GET", "/admin/fix/credentials", answer(200, json, r#"[{"user_id": "alice"}]"#)),
        "missing fields"
    );
    assert!(
        refused("POST", "/admin/fix/suspend", answer(200, json, r#"{"user": "a", "colour": 1}"#)),
        "an extra field"
    );
    assert!(
        refused("POST", "/admin/fix/suspend", answer(400, json, r#"{"error": "bad"}"#)),
        "not the error shape"
    );
    assert!(refused("GET", "/nowhere", answer(200, json, "{}")), "an unknown path answered");
    common::openapi::check(
        "GET",
        "/nowhere",
        &answer(404, json, r#"{"error": {"code": "no_such_route", "message": "no"}}"#),
    );
}

/// Found by the command line's tests: the document gives the audit query's limit a minimum of 1,
/// and the server took 0 and answered nothing. Now 0 is refused, on the query and the export.
#[test]
fn an_audit_limit_of_zero_is_refused_as_the_document_says() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let admin = Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(checked_in_openapi()).unwrap()).unwrap();
    let limit = document["paths"]["/admin/fix/audit"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["schema"]["minimum"], 1);
    for path in ["/admin/fix/audit?limit=0", "/admin/fix/audit/export?limit=0"] {
        let (status, body) = request(addr, "GET", path, Some(VIEWER), b"");
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_argument")),
            "{path}: {body}"
        );
    }
    for path in ["/admin/fix/audit?limit=1", "/admin/fix/audit/export?limit=1"] {
        assert_eq!(request(addr, "GET", path, Some(VIEWER), b"").0, 200, "{path}");
    }
}

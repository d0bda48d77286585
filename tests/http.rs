//! The admin API over real HTTP on a loopback port: tokens (401), roles (403), the happy paths of
//! a few routes end to end, bad JSON and oversized bodies, and /healthz.

use fixprov::admin::http::TokenConfig;
use fixprov::admin::Role;
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
    let status: u16 = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn the_admin_api_over_http() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let addr = engine.admin_start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
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
    engine.audit_flush().unwrap();
    let records = engine.audit_query(&Default::default()).unwrap();
    let provision = records.iter().find(|r| r.event == "credential.provision").unwrap();
    assert_eq!((provision.actor.as_str(), provision.source.as_str()), ("ops-admin", "127.0.0.1"));

    // Repeated bad tokens from one address are slowed down.
    for _ in 0..5 {
        request(addr, "GET", "/admin/fix/stats", Some("bad-bad-bad-bad-bad-bad-bad-bad-bad"), b"");
    }
    assert_eq!(request(addr, "GET", "/admin/fix/stats", Some(ADMIN), b"").0, 429);

    engine.admin_stop();
    assert!(TcpStream::connect(addr).is_err(), "stopped");
}

#[test]
fn the_admin_api_refuses_bad_configurations() {
    let engine = Engine::open(Config::default()).unwrap();
    let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(engine.admin_start(any, tokens(), false), Err(fixprov::Error::InvalidArgument(_))));
    assert!(matches!(
        engine.admin_start("127.0.0.1:0".parse().unwrap(), vec![], false),
        Err(fixprov::Error::InvalidArgument(_))
    ));
    let short = vec![TokenConfig { name: "t".into(), role: Role::Admin, token: "short".into() }];
    assert!(matches!(
        engine.admin_start("127.0.0.1:0".parse().unwrap(), short, false),
        Err(fixprov::Error::InvalidArgument(_))
    ));
    assert!(!format!("{:?}", tokens()).contains(ADMIN), "Debug hides the token");
}

//! What the admin HTTP server leaves in the audit log (part of finding 6), and the audit export
//! streamed over HTTP (part of finding 7).

mod common;

use common::{send, tokens, ADMIN, VIEWER};
use fixprov::cold::audit::AuditQuery;
use fixprov::{Config, Engine};
use serde_json::Value;

fn engine() -> Engine {
    Engine::open(Config { default_rules: false, ..Config::default() }).unwrap()
}

fn records(engine: &Engine, prefix: &str) -> Vec<fixprov::cold::audit::AuditRecord> {
    engine.audit().flush().unwrap();
    engine.audit().query(&AuditQuery { event_prefix: Some(prefix.into()), ..AuditQuery::default() }).unwrap()
}

#[test]
fn admin_server_start_and_stop_are_audited() {
    let engine = engine();
    let admin = fixprov::admin::Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    let started = records(&engine, "admin.start");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].details["address"], addr.to_string());
    assert_eq!(started[0].details["tokens"], serde_json::json!(["ops-admin", "ops", "dashboard"]));
    assert!(!started[0].details.to_string().contains(ADMIN), "no secret on the record");
    assert!(records(&engine, "admin.stop").is_empty());
    admin.stop();
    let stopped = records(&engine, "admin.stop");
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].details["address"], addr.to_string());
    assert!(stopped[0].seq > started[0].seq);
    // Visible over HTTP too, to a viewer.
    let admin = fixprov::admin::Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    engine.audit().flush().unwrap();
    let answer = send(addr, "GET", "/admin/fix/audit?event=admin.", Some(VIEWER), b"");
    let events: Vec<String> =
        answer.json().as_array().unwrap().iter().map(|r| r["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(events, ["admin.start", "admin.stop", "admin.start"]);
    admin.stop();
}

#[test]
fn authentication_failures_are_audited_once_per_address_and_interval() {
    let engine = engine();
    let admin = fixprov::admin::Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    // A flood of bad requests: 401s, then 429s once the address is locked.
    for i in 0..50 {
        let token = if i % 2 == 0 { None } else { Some("bad-bad-bad-bad-bad-bad-bad-bad-bad") };
        assert!(matches!(send(addr, "GET", "/admin/fix/stats", token, b"").status, 401 | 429));
    }
    assert_eq!(send(addr, "GET", "/admin/fix/stats", Some(VIEWER), b"").status, 200);
    // The interval's failures are written when it ends, and when the server stops.
    admin.stop();
    let failed = records(&engine, "admin.auth_failed");
    assert_eq!(failed.len(), 1, "one record for the address, not one per request: {failed:?}");
    assert_eq!((failed[0].subject.as_str(), failed[0].source.as_str()), ("127.0.0.1", "127.0.0.1"));
    assert_eq!(failed[0].details["failures"], 50);
    assert_eq!(failed[0].details["interval_secs"], fixprov::admin::http::AUTH_AUDIT_INTERVAL.as_secs());
    assert!(!failed[0].details.to_string().contains("bad-bad"), "no presented token on the record");
    // No failure, no record.
    let admin = fixprov::admin::Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    assert_eq!(send(addr, "GET", "/admin/fix/stats", Some(VIEWER), b"").status, 200);
    admin.stop();
    assert_eq!(records(&engine, "admin.auth_failed").len(), 1);
}

#[test]
fn the_audit_export_streams_every_record_in_order() {
    let engine = engine();
    // Session records go through the audit queue: cheap to make thousands of (over 3 pages).
    engine.access().provision("alice", None).unwrap();
    for _ in 0..1_300 {
        let session = engine.sessions().open("alice").unwrap();
        engine.sessions().close(session).unwrap();
    }
    engine.audit().flush().unwrap();
    let admin = fixprov::admin::Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens(), false).unwrap();
    let answer = send(addr, "GET", "/admin/fix/audit/export?event=session.", Some(VIEWER), b"");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(answer.header("transfer-encoding"), Some("chunked"), "streamed, not built whole");
    let lines: Vec<Value> = answer.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2_600, "every session.open and session.close");
    assert!(lines.windows(2).all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64()), "in sequence order");
    let direct: Vec<u64> = {
        let mut out = Vec::new();
        let query = AuditQuery { event_prefix: Some("session.".into()), ..AuditQuery::default() };
        engine.audit().export(&query, &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["seq"].as_u64().unwrap())
            .collect()
    };
    let streamed: Vec<u64> = lines.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(streamed, direct, "the same records as the engine's own export");
    // A limit caps the total across pages.
    let answer = send(addr, "GET", "/admin/fix/audit/export?event=session.&limit=1500", Some(VIEWER), b"");
    assert_eq!(answer.body.lines().count(), 1_500);
    // The C ABI's path still answers the whole text at once.
    let whole = admin.handle(
        &fixprov::admin::Actor::host(),
        "GET",
        "/admin/fix/audit/export?event=session.open",
        b"",
    );
    assert_eq!((whole.status, whole.body_text().lines().count()), (200, 1_300));
    admin.stop();
}

//! The audit log: every cold-path change leaves one chained record written in its own
//! transaction; edits, deletions, reordering and truncation are reported by verification; a change
//! whose record cannot be written does not happen; queries filter and page.

use fixprov::cold::audit::AuditQuery;
use fixprov::cold::rules::{AccountFacts, Override};
use fixprov::{Config, Engine, Secret, TierSpec};
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("fixprov-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open(dir: &Path) -> Engine {
    Engine::open(Config {
        data_dir: Some(dir.to_owned()),
        master_password: Some(Secret::new(b"audit master".to_vec())),
        default_rules: false,
        ..Config::default()
    })
    .unwrap()
}

fn events(engine: &Engine, query: &AuditQuery) -> Vec<(String, String)> {
    engine.audit_query(query).unwrap().into_iter().map(|r| (r.event, r.subject)).collect()
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("fixprov.db")).unwrap()
}

/// Every kind of change once, returning the secrets it handed out.
fn every_change(engine: &Engine) -> Vec<Vec<u8>> {
    engine.tier_set("desk", TierSpec::new(7, 70, 2, 14)).unwrap();
    engine.account_set("alice", AccountFacts { kyc_level: Some(3), ..AccountFacts::default() }).unwrap();
    let first = engine.provision("alice", Some("desk")).unwrap().password;
    engine.ip_allow("alice", "10.0.0.0/8").unwrap();
    engine.ip_disallow("alice", "10.0.0.0/8").unwrap();
    let second = engine.regenerate_password("alice", Duration::from_secs(30)).unwrap();
    engine.set_expiry("alice", Some(4_102_444_800_000)).unwrap();
    engine.suspend("alice").unwrap();
    engine.reactivate("alice").unwrap();
    engine.user_set_tier("alice", "premium").unwrap();
    engine.rule_add(r#"{"id": "kyc3", "min_kyc_level": 3}"#).unwrap();
    engine.rule_enable("kyc3", false).unwrap();
    engine.rule_enable("kyc3", true).unwrap();
    engine.override_set("alice", "kyc3", Some(Override::Disabled)).unwrap();
    engine.bypass_set("alice", Some(("ops", "pilot"))).unwrap();
    engine
        .tier_rules_set(r#"[{"tier": "premium", "when": {"fact": "kyc_level", "op": ">=", "value": 3}}]"#)
        .unwrap();
    engine.rule_remove("kyc3").unwrap();
    engine.revoke("alice").unwrap();
    vec![first.expose().to_vec(), second.expose().to_vec()]
}

const EXPECTED: [&str; 18] = [
    "tier.set",
    "account.facts",
    "credential.provision",
    "allowlist.add",
    "allowlist.remove",
    "credential.regenerate",
    "credential.expiry",
    "credential.suspend",
    "credential.reactivate",
    "user.tier",
    "rule.add",
    "rule.disable",
    "rule.enable",
    "rule.override",
    "rule.bypass",
    "tier_rules.set",
    "rule.remove",
    "credential.revoke",
];

#[test]
fn every_change_is_recorded_in_order_without_secrets() {
    let dir = Dir::new("all");
    let engine = open(&dir.0);
    let secrets = every_change(&engine);
    let records = engine.audit_query(&AuditQuery::default()).unwrap();
    let seen: Vec<&str> = records.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(seen, EXPECTED);
    assert!(records
        .iter()
        .enumerate()
        .all(|(i, r)| r.seq == i as u64 + 1 && r.actor == "host" && r.outcome == "ok"));
    assert_eq!(records[2].subject, "alice");
    assert_eq!(records[2].details["sender_comp_id"], "FP_ALICE");
    assert_eq!(records[0].details["orders_per_sec"], 7);
    // No password, and not the master password, anywhere in the log.
    let text = serde_json::to_string(&records).unwrap();
    for secret in secrets.iter().chain([&b"audit master".to_vec()]) {
        assert!(!text.contains(std::str::from_utf8(secret).unwrap()), "a secret is in the audit log");
    }
    assert_eq!(engine.audit_verify().unwrap().problems, Vec::<String>::new());
    assert!(engine.audit_verify().unwrap().ok);
    // The chain continues across a reopen.
    drop(engine);
    let engine = open(&dir.0);
    engine.tier_set("desk", TierSpec::new(8, 80, 2, 16)).unwrap();
    let verification = engine.audit_verify().unwrap();
    assert!(verification.ok && verification.records == 19, "{verification:?}");
}

#[test]
fn queries_filter_and_page() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    every_change(&engine);
    engine.provision("bob", None).unwrap();
    let about_bob = events(&engine, &AuditQuery { subject: Some("bob".into()), ..AuditQuery::default() });
    assert_eq!(about_bob, [("credential.provision".to_string(), "bob".to_string())]);
    let credential_changes =
        events(&engine, &AuditQuery { event_prefix: Some("credential.".into()), ..AuditQuery::default() });
    assert_eq!(credential_changes.len(), 7);
    let page1 = engine.audit_query(&AuditQuery { limit: Some(5), ..AuditQuery::default() }).unwrap();
    let page2 = engine
        .audit_query(&AuditQuery { limit: Some(5), after_seq: Some(page1[4].seq), ..AuditQuery::default() })
        .unwrap();
    assert_eq!((page1.len(), page2[0].seq), (5, 6));
    let now = page1[0].at_unix_ms;
    assert!(engine
        .audit_query(&AuditQuery { to_unix_ms: Some(now - 1), ..AuditQuery::default() })
        .unwrap()
        .is_empty());
    assert_eq!(
        engine.audit_query(&AuditQuery { from_unix_ms: Some(now), ..AuditQuery::default() }).unwrap().len(),
        19
    );
    assert!(engine.audit_verify().unwrap().ok, "an engine without a store keeps its chain in memory");
}

#[test]
fn edited_deleted_reordered_and_truncated_records_are_reported() {
    let dir = Dir::new("tamper");
    drop({
        let engine = open(&dir.0);
        every_change(&engine);
        engine
    });
    let verify = |expect: &str| {
        let report = open(&dir.0).audit_verify().unwrap();
        assert!(!report.ok, "{expect}: not detected");
        assert!(report.problems.iter().any(|p| p.contains(expect)), "{expect}: {:?}", report.problems);
    };
    let conn = db(&dir.0);
    let row = |seq: i64| -> (String, Vec<u8>) {
        conn.query_row("SELECT record, mac FROM audit WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
    };
    let set = |seq: i64, (record, mac): &(String, Vec<u8>)| {
        conn.execute(
            "UPDATE audit SET record = ?1, mac = ?2 WHERE seq = ?3",
            rusqlite::params![record, mac, seq],
        )
        .unwrap();
    };

    // Edited: tier "desk" becomes "premium" in record 3.
    let original = row(3);
    set(3, &(original.0.replace("desk", "prem"), original.1.clone()));
    verify("record 3");
    set(3, &original);
    assert!(open(&dir.0).audit_verify().unwrap().ok, "restored");

    // Reordered: records 5 and 6 swap places.
    let (five, six) = (row(5), row(6));
    set(5, &six);
    set(6, &five);
    verify("record 5");
    set(5, &five);
    set(6, &six);

    // Deleted from the middle.
    let seven: (i64, i64, String, String, String, Vec<u8>) = conn
        .query_row("SELECT seq, at_unix_ms, event, subject, record, mac FROM audit WHERE seq = 7", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .unwrap();
    conn.execute("DELETE FROM audit WHERE seq = 7", []).unwrap();
    verify("record 7");
    conn.execute(
        "INSERT INTO audit (seq, at_unix_ms, event, subject, record, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![seven.0, seven.1, seven.2, seven.3, seven.4, seven.5],
    )
    .unwrap();
    assert!(open(&dir.0).audit_verify().unwrap().ok, "restored");

    // Cut off the end: the last record deleted; the chain alone would still look whole.
    conn.execute("DELETE FROM audit WHERE seq = 18", []).unwrap();
    verify("cut off the end");
}

#[test]
fn a_change_whose_audit_record_cannot_be_written_does_not_happen() {
    let dir = Dir::new("fail-closed");
    drop(open(&dir.0));
    db(&dir.0)
        .execute_batch("CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit disk full'); END;")
        .unwrap();
    let engine = open(&dir.0);
    let err = engine.provision("carol", None).unwrap_err();
    assert!(matches!(&err, fixprov::Error::Storage(m) if m.contains("audit disk full")), "{err}");
    assert!(engine.credentials("carol").is_err(), "not provisioned in memory");
    assert!(engine.tier_set("x", TierSpec::new(1, 1, 1, 1)).is_err());
    assert!(engine.tier("x").is_err());
    drop(engine);
    db(&dir.0).execute_batch("DROP TRIGGER no_audit;").unwrap();
    let engine = open(&dir.0);
    assert!(engine.credentials("carol").is_err(), "not provisioned in the store either");
    assert!(engine.tier("x").is_err());
    engine.provision("carol", None).unwrap();
    assert!(engine.audit_verify().unwrap().ok);
}

#[test]
fn logons_and_session_events_are_recorded_without_tags_553_and_554() {
    use fixprov::{LogonRequest, MsgClass};
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let c = engine.provision("dora", Some("premium")).unwrap();
    let logon = |password: &[u8], username| {
        engine.logon(&LogonRequest {
            sender_comp_id: &c.sender_comp_id,
            target_comp_id: "FIXPROV",
            password,
            username,
            peer: Some("::ffff:192.0.2.10".parse().unwrap()),
        })
    };
    assert!(logon(b"not-the-password-xyzzy", Some("secret-username-553")).is_err());
    let session = logon(c.password.expose(), None).unwrap();
    assert_eq!(engine.check(session, MsgClass::Order), fixprov::Verdict::Ok);
    engine.session_kill(session).unwrap();
    engine.session_close(session).unwrap();
    engine.audit_flush().unwrap();
    let records = engine.audit_query(&AuditQuery::default()).unwrap();
    let seen: Vec<&str> = records.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(
        seen,
        [
            "credential.provision",
            "logon.refused",
            "session.open",
            "logon.accepted",
            "session.kill",
            "session.close"
        ]
    );
    assert_eq!(records[1].details["refusal"], "bad_credentials");
    assert_eq!(records[1].details["peer"], "192.0.2.10");
    assert_eq!(records[3].details["session"], session);
    assert_eq!(records[5].details["orders"], 1);
    let text = serde_json::to_string(&records).unwrap();
    for secret in
        [std::str::from_utf8(c.password.expose()).unwrap(), "not-the-password-xyzzy", "secret-username-553"]
    {
        assert!(!text.contains(secret), "{secret} is in the audit log");
    }
    assert!(engine.audit_verify().unwrap().ok);
}

#[test]
fn a_million_throttled_checks_make_a_handful_of_aggregated_records() {
    use fixprov::{MsgClass, Verdict};
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    engine.tier_set("tight", TierSpec { escalation_threshold: 0, ..TierSpec::new(1, 1, 1, 1) }).unwrap();
    engine.user_set_tier("flooder", "tight").unwrap();
    let session = engine.session_open("flooder").unwrap();
    let mut throttled = 0u64;
    for _ in 0..1_000_000 {
        if engine.check(session, MsgClass::Order) == Verdict::Throttled {
            throttled += 1;
        }
    }
    assert!(throttled >= 999_990, "{throttled}");
    engine.audit_flush().unwrap();
    let records = engine
        .audit_query(&AuditQuery { event_prefix: Some("session.violations".into()), ..AuditQuery::default() })
        .unwrap();
    // The housekeeper may have aggregated once or twice during the flood; never one per message.
    assert!((1..=10).contains(&records.len()), "{} records", records.len());
    let recorded: u64 = records.iter().map(|r| r.details["throttled"].as_u64().unwrap()).sum();
    assert_eq!(recorded, throttled, "every violation is counted exactly once");
    engine.audit_flush().unwrap();
    assert_eq!(
        engine
            .audit_query(&AuditQuery {
                event_prefix: Some("session.violations".into()),
                ..AuditQuery::default()
            })
            .unwrap()
            .len(),
        records.len(),
        "nothing new: no record"
    );
}

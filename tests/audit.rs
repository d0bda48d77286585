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

fn config(dir: &Path) -> Config {
    Config {
        data_dir: Some(dir.to_owned()),
        master_password: Some(Secret::new(b"audit master".to_vec())),
        default_rules: false,
        ..Config::default()
    }
}

fn open(dir: &Path) -> Engine {
    Engine::open(config(dir)).unwrap()
}

fn events(engine: &Engine, query: &AuditQuery) -> Vec<(String, String)> {
    engine.audit().query(query).unwrap().into_iter().map(|r| (r.event, r.subject)).collect()
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("fixprov.db")).unwrap()
}

/// Every kind of change once, returning the secrets it handed out.
fn every_change(engine: &Engine) -> Vec<Vec<u8>> {
    engine.tiers().set("desk", TierSpec::new(7, 70, 2, 14)).unwrap();
    engine
        .eligibility()
        .account_set("alice", AccountFacts { kyc_level: Some(3), ..AccountFacts::default() })
        .unwrap();
    let first = engine.access().provision("alice", Some("desk")).unwrap().password;
    engine.access().ip_allow("alice", "10.0.0.0/8").unwrap();
    engine.access().ip_disallow("alice", "10.0.0.0/8").unwrap();
    let second = engine.access().regenerate_password("alice", Duration::from_secs(30)).unwrap();
    engine.access().set_expiry("alice", Some(4_102_444_800_000)).unwrap();
    engine.access().suspend("alice").unwrap();
    engine.access().reactivate("alice").unwrap();
    engine.tiers().assign("alice", "premium").unwrap();
    engine.eligibility().rule_add(r#"{"id": "kyc3", "min_kyc_level": 3}"#).unwrap();
    engine.eligibility().rule_enable("kyc3", false).unwrap();
    engine.eligibility().rule_enable("kyc3", true).unwrap();
    engine.eligibility().override_set("alice", "kyc3", Some(Override::Disabled)).unwrap();
    engine.eligibility().bypass_set("alice", Some(("ops", "pilot"))).unwrap();
    engine
        .eligibility()
        .tier_rules_set(r#"[{"tier": "premium", "when": {"fact": "kyc_level", "op": ">=", "value": 3}}]"#)
        .unwrap();
    engine.eligibility().rule_remove("kyc3").unwrap();
    engine.access().revoke("alice").unwrap();
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
    let records = engine.audit().query(&AuditQuery::default()).unwrap();
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
    assert_eq!(engine.audit().verify().unwrap().problems, Vec::<String>::new());
    assert!(engine.audit().verify().unwrap().ok);
    // The chain continues across a reopen.
    drop(engine);
    let engine = open(&dir.0);
    engine.tiers().set("desk", TierSpec::new(8, 80, 2, 16)).unwrap();
    let verification = engine.audit().verify().unwrap();
    assert!(verification.ok && verification.records == 19, "{verification:?}");
}

#[test]
fn queries_filter_and_page() {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    every_change(&engine);
    engine.access().provision("bob", None).unwrap();
    let about_bob = events(&engine, &AuditQuery { subject: Some("bob".into()), ..AuditQuery::default() });
    assert_eq!(about_bob, [("credential.provision".to_string(), "bob".to_string())]);
    let credential_changes =
        events(&engine, &AuditQuery { event_prefix: Some("credential.".into()), ..AuditQuery::default() });
    assert_eq!(credential_changes.len(), 7);
    let page1 = engine.audit().query(&AuditQuery { limit: Some(5), ..AuditQuery::default() }).unwrap();
    let page2 = engine
        .audit()
        .query(&AuditQuery { limit: Some(5), after_seq: Some(page1[4].seq), ..AuditQuery::default() })
        .unwrap();
    assert_eq!((page1.len(), page2[0].seq), (5, 6));
    let now = page1[0].at_unix_ms;
    assert!(engine
        .audit()
        .query(&AuditQuery { to_unix_ms: Some(now - 1), ..AuditQuery::default() })
        .unwrap()
        .is_empty());
    assert_eq!(
        engine.audit().query(&AuditQuery { from_unix_ms: Some(now), ..AuditQuery::default() }).unwrap().len(),
        19
    );
    assert!(engine.audit().verify().unwrap().ok, "an engine without a store keeps its chain in memory");
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
        let report = open(&dir.0).audit().verify().unwrap();
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
    assert!(open(&dir.0).audit().verify().unwrap().ok, "restored");

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
    assert!(open(&dir.0).audit().verify().unwrap().ok, "restored");

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
    let err = engine.access().provision("carol", None).unwrap_err();
    assert!(matches!(&err, fixprov::Error::Storage(m) if m.contains("audit disk full")), "{err}");
    assert!(engine.access().credentials("carol").is_err(), "not provisioned in memory");
    assert!(engine.tiers().set("x", TierSpec::new(1, 1, 1, 1)).is_err());
    assert!(engine.tiers().get("x").is_err());
    drop(engine);
    db(&dir.0).execute_batch("DROP TRIGGER no_audit;").unwrap();
    let engine = open(&dir.0);
    assert!(engine.access().credentials("carol").is_err(), "not provisioned in the store either");
    assert!(engine.tiers().get("x").is_err());
    engine.access().provision("carol", None).unwrap();
    assert!(engine.audit().verify().unwrap().ok);
}

#[test]
fn logons_and_session_events_are_recorded_without_tags_553_and_554() {
    use fixprov::{LogonRequest, MsgClass};
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    let c = engine.access().provision("dora", Some("premium")).unwrap();
    let logon = |password: &[u8], username| {
        engine.access().logon(&LogonRequest {
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
    engine.sessions().kill(session).unwrap();
    engine.sessions().close(session).unwrap();
    engine.audit().flush().unwrap();
    let records = engine.audit().query(&AuditQuery::default()).unwrap();
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
    assert!(engine.audit().verify().unwrap().ok);
}

#[test]
fn a_million_throttled_checks_make_a_handful_of_aggregated_records() {
    use fixprov::{MsgClass, Verdict};
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).unwrap();
    engine.tiers().set("tight", TierSpec { escalation_threshold: 0, ..TierSpec::new(1, 1, 1, 1) }).unwrap();
    engine.tiers().assign("flooder", "tight").unwrap();
    let session = engine.sessions().open("flooder").unwrap();
    let mut throttled = 0u64;
    for _ in 0..1_000_000 {
        if engine.check(session, MsgClass::Order) == Verdict::Throttled {
            throttled += 1;
        }
    }
    assert!(throttled >= 999_990, "{throttled}");
    engine.audit().flush().unwrap();
    let records = engine
        .audit()
        .query(&AuditQuery { event_prefix: Some("session.violations".into()), ..AuditQuery::default() })
        .unwrap();
    // The housekeeper may have aggregated once or twice during the flood; never one per message.
    assert!((1..=10).contains(&records.len()), "{} records", records.len());
    let recorded: u64 = records.iter().map(|r| r.details["throttled"].as_u64().unwrap()).sum();
    assert_eq!(recorded, throttled, "every violation is counted exactly once");
    engine.audit().flush().unwrap();
    assert_eq!(
        engine
            .audit()
            .query(&AuditQuery { event_prefix: Some("session.violations".into()), ..AuditQuery::default() })
            .unwrap()
            .len(),
        records.len(),
        "nothing new: no record"
    );
}

fn open_err(dir: &Path) -> fixprov::Error {
    Engine::open(config(dir)).unwrap_err()
}

#[test]
fn an_erased_audit_log_is_corruption_at_open_not_a_fresh_log() {
    let dir = Dir::new("erased");
    let engine = open(&dir.0);
    every_change(&engine);
    drop(engine);
    // What the review did with the sqlite3 shell: the records and the sealed head, gone.
    db(&dir.0).execute_batch("DELETE FROM audit; DELETE FROM settings WHERE key = 'audit_head';").unwrap();
    let err = open_err(&dir.0);
    assert!(matches!(err, fixprov::Error::Corrupt(_)), "{err}");
    // The head alone, with the records left: the same.
    let dir = Dir::new("headless");
    drop(open(&dir.0));
    db(&dir.0).execute("DELETE FROM settings WHERE key = 'audit_head'", []).unwrap();
    assert!(matches!(open_err(&dir.0), fixprov::Error::Corrupt(_)));
}

#[test]
fn a_deleted_row_of_any_table_is_corruption_at_open_not_a_return_to_defaults() {
    let cases = [
        ("settings", "key = 'rules'"),
        ("settings", "key = 'manifest'"),
        ("tiers", "name = 'desk'"),
        ("users", "id = 'alice'"),
        ("credentials", "user_id = 'alice'"),
        ("facts", "user_id = 'alice'"),
        ("bypasses", "user_id = 'alice'"),
    ];
    for (table, row) in cases {
        let dir = Dir::new(&format!("deleted-{table}-{}", row.len()));
        let engine = open(&dir.0);
        every_change(&engine);
        drop(engine);
        assert_eq!(db(&dir.0).execute(&format!("DELETE FROM {table} WHERE {row}"), []).unwrap(), 1);
        let err = open_err(&dir.0);
        assert!(matches!(err, fixprov::Error::Corrupt(_)), "{table} {row}: {err}");
    }
    // A sealed row copied in from another store of the same key cannot exist; a row added under a
    // new key is found the same way as a deleted one.
    let dir = Dir::new("added");
    let engine = open(&dir.0);
    every_change(&engine);
    drop(engine);
    db(&dir.0)
        .execute("INSERT INTO tiers (name, sealed) SELECT 'copy', sealed FROM tiers WHERE name = 'desk'", [])
        .unwrap();
    assert!(matches!(open_err(&dir.0), fixprov::Error::Corrupt(_)));
    // Untouched, every change still opens (and the manifest follows deletions the engine makes).
    let dir = Dir::new("untouched");
    let engine = open(&dir.0);
    every_change(&engine);
    engine.eligibility().bypass_set("alice", None).unwrap();
    drop(engine);
    assert!(open(&dir.0).audit().verify().unwrap().ok);
}

#[test]
fn a_store_rolled_back_to_an_older_copy_fails_verification_against_a_kept_head() {
    let dir = Dir::new("rollback");
    let engine = open(&dir.0);
    every_change(&engine);
    drop(engine);
    let older = std::fs::read(dir.0.join("fixprov.db")).unwrap();
    let engine = open(&dir.0);
    engine.tiers().set("desk2", TierSpec::new(7, 70, 2, 14)).unwrap();
    let kept = engine.audit().head().unwrap();
    assert!(kept.0.seq > 0);
    assert!(engine.audit().verify_against(&kept).unwrap().ok);
    drop(engine);
    // The whole file replaced by its older self: whole and consistent on its own...
    std::fs::write(dir.0.join("fixprov.db"), &older).unwrap();
    let engine = open(&dir.0);
    assert!(engine.audit().verify().unwrap().ok);
    // ...but not against the head kept off the machine.
    let report = engine.audit().verify_against(&kept).unwrap();
    assert!(!report.ok && report.problems.iter().any(|p| p.contains("rolled back")), "{report:?}");
    // A head whose record exists with another MAC: the chain was rewritten.
    let mut forged = engine.audit().head().unwrap();
    forged.0.mac[0] ^= 1;
    let report = engine.audit().verify_against(&forged).unwrap();
    assert!(!report.ok && report.problems.iter().any(|p| p.contains("rewritten")), "{report:?}");
    // The head's JSON form round-trips.
    let json = serde_json::to_string(&kept).unwrap();
    assert_eq!(serde_json::from_str::<fixprov::cold::audit::AuditAnchor>(&json).unwrap(), kept);
    assert!(serde_json::from_str::<fixprov::cold::audit::AuditAnchor>(r#"{"seq":1,"mac":"00"}"#).is_err());
}

#[test]
fn a_wrong_master_password_writes_nothing_to_the_store_directory() {
    let dir = Dir::new("wrong-master-writes");
    let engine = open(&dir.0);
    every_change(&engine);
    drop(engine);
    let snapshot = |dir: &Path| {
        let mut files: Vec<(String, Vec<u8>, std::time::SystemTime)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let path = e.path();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(&path).unwrap(),
                    e.metadata().unwrap().modified().unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&dir.0);
    assert_eq!(before.len(), 1, "a closed store is one file");
    let err = Engine::open(Config {
        data_dir: Some(dir.0.clone()),
        master_password: Some(Secret::new(b"not the master".to_vec())),
        ..Config::default()
    })
    .unwrap_err();
    assert_eq!(err, fixprov::Error::WrongMasterPassword);
    assert!(before == snapshot(&dir.0), "a wrong master password changed the directory");
    // An older schema is not migrated by a wrong password either (schema 2: before the audit
    // table, which the migration to 3 creates).
    db(&dir.0).execute_batch("DROP TABLE audit; PRAGMA user_version = 2;").unwrap();
    let before = snapshot(&dir.0);
    let _ = Engine::open(Config {
        data_dir: Some(dir.0.clone()),
        master_password: Some(Secret::new(b"not the master".to_vec())),
        ..Config::default()
    })
    .unwrap_err();
    assert!(before == snapshot(&dir.0));
    let version: i64 = db(&dir.0).query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
}

#[test]
fn resetting_violations_and_changing_the_master_password_are_audited() {
    let dir = Dir::new("operator-actions");
    let engine = open(&dir.0);
    engine.tiers().set("desk", TierSpec::new(7, 70, 2, 14)).unwrap();
    engine.tiers().assign("bob", "desk").unwrap();
    let session = engine.sessions().open("bob").unwrap();
    engine.sessions().reset_violations(session).unwrap();
    engine.sessions().reset_user_violations("bob").unwrap();
    engine.access().change_master_password(b"a second master").unwrap();
    let query = AuditQuery { event_prefix: Some("violations.".into()), ..AuditQuery::default() };
    let reset = ("violations.reset".to_string(), "bob".to_string());
    assert_eq!(events(&engine, &query), [reset.clone(), reset]);
    let query = AuditQuery { event_prefix: Some("store.".into()), ..AuditQuery::default() };
    assert_eq!(events(&engine, &query), [("store.master_password".to_string(), String::new())]);
    // A stale session is refused and leaves no record.
    engine.sessions().close(session).unwrap();
    assert!(engine.sessions().reset_violations(session).is_err());
    let query = AuditQuery { event_prefix: Some("violations.".into()), ..AuditQuery::default() };
    assert_eq!(events(&engine, &query).len(), 2);
    assert!(engine.audit().verify().unwrap().ok);
}

#[test]
fn retention_cuts_the_oldest_records_and_the_chain_stays_verifiable() {
    use fixprov::cold::audit::AuditRetention;
    let dir = Dir::new("retention");
    let engine = open(&dir.0);
    every_change(&engine);
    let kept_early = engine.audit().head().unwrap();
    for i in 0..30 {
        engine
            .eligibility()
            .account_set(&format!("u{i}"), AccountFacts { kyc_level: Some(1), ..AccountFacts::default() })
            .unwrap();
    }
    let before = engine.audit().head().unwrap().0.seq;
    let cut = engine.audit().retain(&AuditRetention { max_records: Some(10), ..Default::default() }).unwrap();
    assert_eq!(cut, before - 10);
    let report = engine.audit().verify().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.records, 11, "ten kept and the record of the cut");
    let records = engine.audit().query(&AuditQuery::default()).unwrap();
    assert_eq!(records[0].seq, before - 9);
    let last = records.last().unwrap();
    assert_eq!(last.event, "audit.retention");
    assert_eq!(
        (last.details["cut_through_seq"].as_u64(), last.details["records_cut"].as_u64()),
        (Some(cut), Some(cut))
    );
    // A head kept before the cut: older than the chain, so only its order is checked; a head kept
    // after it still verifies; nothing to cut is a no-op.
    assert!(engine.audit().verify_against(&kept_early).unwrap().ok);
    assert!(engine.audit().verify_against(&engine.audit().head().unwrap()).unwrap().ok);
    assert_eq!(
        engine.audit().retain(&AuditRetention { max_records: Some(100), ..Default::default() }).unwrap(),
        0
    );
    // By age: everything older than an hour ahead is older than now.
    let far = AuditRetention { max_age: Some(Duration::from_millis(1)), ..Default::default() };
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(engine.audit().retain(&far).unwrap(), 11);
    assert!(engine.audit().verify().unwrap().ok);
    drop(engine);
    // The base is part of what must exist: deleting it (to hide the cut) is corruption at open.
    let engine = open(&dir.0);
    assert!(engine.audit().verify().unwrap().ok);
    drop(engine);
    db(&dir.0).execute("DELETE FROM settings WHERE key = 'audit_base'", []).unwrap();
    assert!(matches!(open_err(&dir.0), fixprov::Error::Corrupt(_)));
}

#[test]
fn a_flood_of_refused_logons_is_aggregated_with_counts() {
    use fixprov::LogonRequest;
    let engine = Engine::open(Config {
        default_rules: false,
        logon_attempts: fixprov::cold::attempts::AttemptPolicy {
            max_failures: u32::MAX,
            ..Default::default()
        },
        // A flood of bad passwords, not of logons as such: no logon-rate limit.
        logon_rate: None,
        ..Config::default()
    })
    .unwrap();
    let c = engine.access().provision("flo", Some("premium")).unwrap();
    for i in 0..5_000 {
        let peer = if i % 2 == 0 { "192.0.2.1" } else { "192.0.2.2" };
        let _ = engine.access().logon(&LogonRequest {
            sender_comp_id: &c.sender_comp_id,
            target_comp_id: "FIXPROV",
            password: b"wrong",
            username: None,
            peer: Some(peer.parse().unwrap()),
        });
    }
    engine.audit().flush().unwrap();
    let query = AuditQuery { event_prefix: Some("logon.refused".into()), ..AuditQuery::default() };
    let records = engine.audit().query(&query).unwrap();
    assert!(records.len() <= 4, "{} records for one flood from two addresses", records.len());
    let counted: u64 = records.iter().map(|r| r.details["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 5_000, "every refusal is counted once");
    assert!(records.iter().all(|r| r.subject == "flo" && r.details["refusal"] == "bad_credentials"));
}

#[test]
fn an_in_memory_engine_stores_no_bucket_debts() {
    use fixprov::{LogonRequest, MsgClass};
    let engine = Engine::open(Config {
        default_rules: false,
        expiry_sweep: Duration::from_millis(20),
        ..Config::default()
    })
    .unwrap();
    let c = engine.access().provision("erik", None).unwrap();
    let session = engine
        .access()
        .logon(&LogonRequest {
            sender_comp_id: &c.sender_comp_id,
            target_comp_id: "FIXPROV",
            password: c.password.expose(),
            username: None,
            peer: None,
        })
        .unwrap();
    assert_eq!(engine.check(session, MsgClass::Order), fixprov::Verdict::Ok);
    engine.sessions().close(session).unwrap();
    // Several housekeeper ticks: a store that outlives nothing gets no debts record.
    std::thread::sleep(Duration::from_millis(200));
    engine.audit().flush().unwrap();
    let debts = engine
        .audit()
        .query(&AuditQuery { event_prefix: Some("sessions.debts".into()), ..Default::default() })
        .unwrap();
    assert!(debts.is_empty(), "{debts:?}");
}

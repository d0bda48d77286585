//! The encrypted embedded store: everything survives a reopen, a wrong master password and any
//! tampering are detected, and no secret is written in clear.

use fixprov::{ClockConfig, Config, Engine, LogonRefusal, LogonRequest, ManualClock, Secret, TierSpec};
use std::path::{Path, PathBuf};
use std::time::Duration;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("fixprov-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(dir: &Path, master: &[u8]) -> Config {
    Config {
        data_dir: Some(dir.to_owned()),
        master_password: Some(Secret::new(master.to_vec())),
        clock: ClockConfig::Manual(ManualClock::new(1)),
        default_rules: false,
        ..Config::default()
    }
}

fn open(dir: &Path) -> Engine {
    Engine::open(config(dir, b"correct horse battery staple")).unwrap()
}

fn logon(engine: &Engine, sender: &str, password: &[u8]) -> Result<u64, LogonRefusal> {
    engine.access().logon(&LogonRequest {
        sender_comp_id: sender,
        target_comp_id: "FIXPROV",
        password,
        username: None,
        peer: Some("10.1.2.3".parse().unwrap()),
    })
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("fixprov.db")).unwrap()
}

#[test]
fn everything_survives_a_reopen() {
    let dir = TempDir::new("reopen");
    let (alice, bob_old, bob_new);
    {
        let engine = open(&dir.0);
        engine.tiers().set("desk", TierSpec::new(7, 70, 2, 14)).unwrap();
        engine.tiers().set("basic", TierSpec::new(6, 20, 1, 10)).unwrap();
        alice = engine.access().provision("alice", Some("desk")).unwrap();
        engine.access().ip_allow("alice", "10.0.0.0/8").unwrap();
        engine.access().ip_allow("alice", "2001:db8::/32").unwrap();
        let bob = engine.access().provision("bob", Some("premium")).unwrap();
        bob_old = bob.password.expose().to_vec();
        bob_new = engine.access().regenerate_password("bob", Duration::ZERO).unwrap().expose().to_vec();
        engine.access().provision("carol", None).unwrap();
        engine.access().revoke("carol").unwrap();
        engine.access().provision("dave", None).unwrap();
        engine.access().suspend("dave").unwrap();
        engine.access().provision("erin", None).unwrap();
        engine.access().set_expiry("erin", Some(4_102_444_800_000)).unwrap();
        engine.tiers().assign("erin", "unlimited").unwrap();
        engine.tiers().assign("frank", "standard").unwrap(); // a user without a credential
    }
    let engine = open(&dir.0);
    assert_eq!(engine.tiers().get("desk").unwrap().spec, TierSpec::new(7, 70, 2, 14));
    assert_eq!(engine.tiers().get("basic").unwrap().spec.orders_per_sec, 6, "a changed default persists");
    let a = engine.access().credentials("alice").unwrap();
    assert_eq!((a.tier.as_str(), a.sender_comp_id.as_str()), ("desk", alice.sender_comp_id.as_str()));
    assert_eq!(a.ip_allow, ["10.0.0.0/8", "2001:db8::/32"]);
    assert_eq!(engine.access().credentials("carol").unwrap().status, fixprov::CredentialStatus::Revoked);
    assert_eq!(engine.access().credentials("dave").unwrap().status, fixprov::CredentialStatus::Suspended);
    let erin = engine.access().credentials("erin").unwrap();
    assert_eq!((erin.expires_unix_ms, erin.tier.as_str()), (Some(4_102_444_800_000), "unlimited"));
    assert_eq!(engine.tiers().of("frank").unwrap(), "standard");
    // The once-shown passwords still log on, and nothing else does.
    let s = logon(&engine, &alice.sender_comp_id, alice.password.expose()).unwrap();
    assert_eq!(engine.sessions().info(s).unwrap().tier, "desk");
    assert!(logon(&engine, "FP_BOB", &bob_new).is_ok());
    assert_eq!(logon(&engine, "FP_BOB", &bob_old), Err(LogonRefusal::BadCredentials));
    assert_eq!(logon(&engine, "FP_BOB", b""), Err(LogonRefusal::BadCredentials));
    assert!(matches!(engine.access().provision("alice", None), Err(fixprov::Error::AlreadyExists(_))));
    assert_eq!(
        engine.access().provision("ALICE", None).unwrap().sender_comp_id,
        "FP_ALICE_2",
        "CompIDs stay unique"
    );
}

#[test]
fn a_wrong_master_password_is_detected_at_open() {
    let dir = TempDir::new("wrong-master");
    drop(open(&dir.0));
    let err = Engine::open(config(&dir.0, b"Correct horse battery staple")).unwrap_err();
    assert_eq!(err, fixprov::Error::WrongMasterPassword);
    let err = Engine::open(config(&dir.0, b"")).unwrap_err();
    assert!(matches!(err, fixprov::Error::InvalidArgument(_)), "{err}");
    assert!(Engine::open(config(&dir.0, b"correct horse battery staple")).is_ok());
}

#[test]
fn changing_the_master_password_rewraps_without_downtime() {
    let dir = TempDir::new("rotate-master");
    let password;
    {
        let engine = open(&dir.0);
        password = engine.access().provision("gina", None).unwrap().password;
        engine.access().change_master_password(b"a new master password").unwrap();
        // Still running on the same data key.
        assert!(logon(&engine, "FP_GINA", password.expose()).is_ok());
        engine.access().provision("hank", None).unwrap();
    }
    assert_eq!(
        Engine::open(config(&dir.0, b"correct horse battery staple")).unwrap_err(),
        fixprov::Error::WrongMasterPassword
    );
    let engine = Engine::open(config(&dir.0, b"a new master password")).unwrap();
    assert!(logon(&engine, "FP_GINA", password.expose()).is_ok());
    assert!(engine.access().credentials("hank").is_ok());
    let memory = Engine::open(Config::default()).unwrap();
    assert!(matches!(memory.access().change_master_password(b"x"), Err(fixprov::Error::InvalidState(_))));
}

#[test]
fn a_flipped_byte_in_a_sealed_record_is_detected() {
    let dir = TempDir::new("flip");
    {
        let engine = open(&dir.0);
        engine.access().provision("ivy", None).unwrap();
        engine.tiers().set("t", TierSpec::new(1, 1, 1, 1)).unwrap();
    }
    for (table, key) in [("credentials", "user_id"), ("users", "id"), ("tiers", "name")] {
        let conn = db(&dir.0);
        let (id, sealed): (String, Vec<u8>) = conn
            .query_row(&format!("SELECT {key}, sealed FROM {table} LIMIT 1"), [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        for position in [0, 1, 13, sealed.len() / 2, sealed.len() - 1] {
            let mut flipped = sealed.clone();
            flipped[position] ^= 0x01;
            conn.execute(
                &format!("UPDATE {table} SET sealed = ?1 WHERE {key} = ?2"),
                rusqlite::params![flipped, id],
            )
            .unwrap();
            let err = Engine::open(config(&dir.0, b"correct horse battery staple")).unwrap_err();
            assert!(
                matches!(&err, fixprov::Error::Corrupt(m) if m.contains(table)),
                "{table}[{position}]: {err}"
            );
        }
        conn.execute(
            &format!("UPDATE {table} SET sealed = ?1 WHERE {key} = ?2"),
            rusqlite::params![sealed, id],
        )
        .unwrap();
        assert!(Engine::open(config(&dir.0, b"correct horse battery staple")).is_ok(), "restored {table}");
    }
    // The plaintext columns are bound into the records too.
    let conn = db(&dir.0);
    conn.execute("UPDATE credentials SET sender_comp_id = 'FP_MALLORY' WHERE user_id = 'ivy'", []).unwrap();
    assert!(matches!(
        Engine::open(config(&dir.0, b"correct horse battery staple")),
        Err(fixprov::Error::Corrupt(_))
    ));
}

#[test]
fn records_swapped_between_two_users_are_detected() {
    let dir = TempDir::new("swap");
    let jack;
    {
        let engine = open(&dir.0);
        jack = engine.access().provision("jack", None).unwrap();
        engine.access().provision("kate", None).unwrap();
        engine.access().revoke("kate").unwrap();
    }
    // Give kate's (revoked) user jack's record, and jack kate's: an attacker hoping to move an active
    // credential (or a tier) onto another account.
    for (table, key) in [("credentials", "user_id"), ("users", "id")] {
        let conn = db(&dir.0);
        let get = |user: &str| -> Vec<u8> {
            conn.query_row(&format!("SELECT sealed FROM {table} WHERE {key} = ?1"), [user], |r| r.get(0))
                .unwrap()
        };
        let (j, k) = (get("jack"), get("kate"));
        let set = |user: &str, sealed: &[u8]| {
            conn.execute(
                &format!("UPDATE {table} SET sealed = ?1 WHERE {key} = ?2"),
                rusqlite::params![sealed, user],
            )
            .unwrap();
        };
        set("jack", &k);
        set("kate", &j);
        let err = Engine::open(config(&dir.0, b"correct horse battery staple")).unwrap_err();
        assert!(matches!(&err, fixprov::Error::Corrupt(m) if m.contains(table)), "{table}: {err}");
        set("jack", &j);
        set("kate", &k);
    }
    let engine = open(&dir.0);
    assert!(logon(&engine, &jack.sender_comp_id, jack.password.expose()).is_ok());
}

#[test]
fn no_secret_is_written_in_clear() {
    let dir = TempDir::new("clear");
    let mut secrets = Vec::new();
    {
        let engine = open(&dir.0);
        for user in ["lisa", "mike", "nora"] {
            secrets.push(engine.access().provision(user, None).unwrap().password.expose().to_vec());
        }
        secrets.push(
            engine.access().regenerate_password("mike", Duration::from_secs(60)).unwrap().expose().to_vec(),
        );
        secrets.push(b"correct horse battery staple".to_vec());
        // Grep while the engine is open (the WAL holds the newest pages) and after it closed.
        assert_no_secret(&dir.0, &secrets);
    }
    assert_no_secret(&dir.0, &secrets);
}

fn assert_no_secret(dir: &Path, secrets: &[Vec<u8>]) {
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        files += 1;
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == &secret[..]),
                "{} holds a secret in clear",
                path.display()
            );
        }
    }
    assert!(files >= 1);
}

#[test]
fn a_file_that_is_not_a_store_is_refused() {
    let dir = TempDir::new("garbage");
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::write(dir.0.join("fixprov.db"), vec![0x5a; 8192]).unwrap();
    let err = Engine::open(config(&dir.0, b"pw")).unwrap_err();
    assert!(matches!(err, fixprov::Error::Corrupt(_)), "{err}");
}

/// The reconnect loop of tests/credentials.rs across a restart: what the closed sessions owed is
/// written when the engine closes and loaded by the next, which counts the time in between on the
/// wall clock. 10 simulated seconds on basic (burst 10, 5 orders a second) give one burst and 5 a
/// second, plus at most one second's worth, plus what the restart's own wall time earns.
#[test]
fn bucket_debts_survive_a_restart() {
    let dir = TempDir::new("debts");
    let run =
        |engine: &Engine, clock: &ManualClock, login: &(String, Vec<u8>), steps: std::ops::Range<u64>| {
            let mut admitted = 0u64;
            for step in steps {
                clock.set(1_000_000_000 + step * 100_000_000);
                let s = logon(engine, &login.0, &login.1).unwrap();
                while engine.check(s, fixprov::MsgClass::Order) == fixprov::Verdict::Ok {
                    admitted += 1;
                }
                engine.sessions().close(s).unwrap();
            }
            admitted
        };
    let open_at = |clock: &std::sync::Arc<ManualClock>| {
        // 101 logons in well under a second of wall time: no logon-rate limit here.
        Engine::open(Config {
            clock: ClockConfig::Manual(clock.clone()),
            logon_rate: None,
            ..config(&dir.0, b"correct horse battery staple")
        })
        .unwrap()
    };
    let clock = ManualClock::new(1_000_000_000);
    let (first, login) = {
        let e = open_at(&clock);
        let c = e.access().provision("looper", Some("basic")).unwrap();
        let login = (c.sender_comp_id.clone(), c.password.expose().to_vec());
        (run(&e, &clock, &login, 0..50), login)
    };
    let restarted = std::time::Instant::now();
    let clock = ManualClock::new(1_000_000_000);
    let e = open_at(&clock);
    let restart_s = restarted.elapsed().as_secs_f64();
    let second = run(&e, &clock, &login, 50..101);
    let earned_by_the_restart = (restart_s * 5.0).ceil() as u64;
    assert_eq!(first, 10 + 5 * 4 + 4, "up to 4.9 s: one burst, one token every 200 ms");
    assert!(
        first + second <= 10 + 5 * 10 + 5 + earned_by_the_restart,
        "admitted {first} + {second} (restart took {restart_s:.3} s)"
    );
    assert!(second <= 5 * 5 + 5 + earned_by_the_restart, "not a new burst: {second}");
    // The write was audited.
    e.audit().flush().unwrap();
    let writes = e
        .audit()
        .query(&fixprov::AuditQuery { event_prefix: Some("sessions.debts".into()), ..Default::default() })
        .unwrap();
    assert!(!writes.is_empty());
}

#[test]
fn message_weights_survive_a_reopen() {
    let dir = TempDir::new("weights");
    let table: std::collections::BTreeMap<String, u64> =
        [("E".to_string(), 5), ("F".to_string(), 0), ("AB".to_string(), 3)].into();
    {
        let engine = open(&dir.0);
        engine.tiers().set("desk", TierSpec::new(5, 100, 2, 10)).unwrap();
        engine.tiers().set_weights("desk", &table).unwrap();
        engine.tiers().set_weights("premium", &[("0".to_string(), 0)].into()).unwrap();
        engine.tiers().set_weights("premium", &Default::default()).unwrap();
    }
    let engine = open(&dir.0);
    let all = engine.tiers().all_weights();
    assert_eq!(all.len(), 1, "premium's table was emptied: {all:?}");
    assert_eq!(all["desk"], [("AB".to_string(), 3), ("E".to_string(), 5), ("F".to_string(), 0)].into());
    engine.tiers().assign("hank", "desk").unwrap();
    let s = engine.sessions().open("hank").unwrap();
    assert_eq!(engine.check_msgtype(s, b"E").unwrap(), fixprov::Verdict::Ok);
    assert_eq!(engine.check_msgtype(s, b"E").unwrap(), fixprov::Verdict::Ok);
    assert_eq!(
        engine.check_msgtype(s, b"E").unwrap(),
        fixprov::Verdict::Throttled,
        "E weighs 5 after the reopen"
    );
    assert_eq!(engine.check_msgtype(s, b"F").unwrap(), fixprov::Verdict::Ok, "F weighs 0");
    assert!(engine.audit().verify().unwrap().ok);
}

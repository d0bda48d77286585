//! Fleet mode: engines (gateways) sharing one PostgreSQL store, against a real server that the
//! tests start (tests/pg). Each test uses a database of its own.

mod common;
mod pg;

use fixprov::{
    AuditQuery, ClockConfig, Config, Engine, Error, KillReason, LogonRefusal, LogonRequest, ManualClock,
    MsgClass, Secret, TierSpec, Verdict,
};
use std::time::{Duration, Instant};

const MASTER: &[u8] = b"correct horse battery staple";

fn config(url: &str) -> Config {
    Config {
        database_url: Some(Secret::new(url.as_bytes().to_vec())),
        master_password: Some(Secret::new(MASTER.to_vec())),
        clock: ClockConfig::Manual(ManualClock::new(1)),
        default_rules: false,
        ..Config::default()
    }
}

fn gateway(url: &str) -> Engine {
    Engine::open(config(url)).expect("a gateway on PostgreSQL")
}

fn named(url: &str, id: &str) -> Engine {
    Engine::open(Config { gateway_id: Some(id.into()), ..config(url) }).expect("a gateway on PostgreSQL")
}

/// Waits until `done` holds, at most 5 s (a change reaches another gateway in milliseconds; the
/// bound only keeps a broken build from hanging).
fn eventually(what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(5), "never happened: {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
    start.elapsed()
}

fn killed(engine: &Engine, session: u64) -> Option<KillReason> {
    engine.sessions().info(session).ok().and_then(|i| i.killed)
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

#[test]
fn a_user_provisioned_at_one_gateway_logs_on_at_another() {
    let server = pg::shared();
    let url = server.database("provision_elsewhere");
    let a = gateway(&url);
    let alice = a.access().provision("alice", None).unwrap();
    let b = gateway(&url);
    let session = logon(&b, &alice.sender_comp_id, alice.password.expose()).expect("alice logs on at B");
    assert_eq!(b.sessions().list(None).len(), 1);
    for _ in 0..5 {
        b.check(session, MsgClass::Order);
    }
    b.sessions().close(session).unwrap();
    // Both gateways write one audit chain, and it verifies from either.
    assert!(a.audit().verify().unwrap().ok);
    assert!(b.audit().verify().unwrap().ok);
    // Bucket debts stay in each gateway's memory: one settings row would be written over by the
    // others (B's close flushes what it would store).
    drop(b);
    let mut client = server.client("provision_elsewhere");
    let debts: i64 = client
        .query_one("SELECT count(*) FROM fixprov.rows WHERE tbl = 'settings' AND key = 'bucket_debts'", &[])
        .unwrap()
        .get(0);
    assert_eq!(debts, 0, "a gateway stored its bucket debts in the fleet's store");
}

#[test]
fn an_unreachable_database_is_a_clear_error_that_keeps_the_password_out() {
    // A port nothing listens on: the open fails as a storage error within the connect timeout.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://fixprov:hunter2-db-password@127.0.0.1:{port}/fixprov?connect_timeout=2");
    let err = Engine::open(config(&url)).expect_err("nothing listens there");
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    for shown in [err.to_string(), format!("{err:?}"), format!("{:?}", config(&url))] {
        assert!(!shown.contains("hunter2"), "the database password shows: {shown}");
    }
    let err = Engine::open(config("not a url at all")).expect_err("not a URL");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    let mut both = config(&url);
    both.data_dir = Some(std::env::temp_dir().join("fixprov-fleet-both"));
    assert!(matches!(Engine::open(both), Err(Error::InvalidArgument(_))));
}

#[test]
fn a_wrong_master_password_changes_nothing() {
    let server = pg::shared();
    let url = server.database("wrong_master");
    drop(gateway(&url));
    let mut wrong = config(&url);
    wrong.master_password = Some(Secret::new(b"wrong".to_vec()));
    assert!(matches!(Engine::open(wrong), Err(Error::WrongMasterPassword)));
    drop(gateway(&url));
}

/// Every byte the database holds for fixprov, as the database hands it out.
fn everything(server: &pg::PgServer, db: &str) -> Vec<Vec<u8>> {
    let mut client = server.client(db);
    let mut out = Vec::new();
    for row in client.query("SELECT key::bytea, value FROM fixprov.meta", &[]).unwrap() {
        out.push(row.get(0));
        out.push(row.get(1));
    }
    for row in client
        .query("SELECT tbl::bytea, key::bytea, sender_comp_id::bytea, sealed FROM fixprov.rows", &[])
        .unwrap()
    {
        for i in 0..4 {
            out.push(row.get(i));
        }
    }
    for row in client
        .query("SELECT event::bytea, subject::bytea, record::bytea, mac FROM fixprov.audit", &[])
        .unwrap()
    {
        for i in 0..4 {
            out.push(row.get(i));
        }
    }
    out
}

#[test]
fn the_database_never_holds_a_secret_in_clear() {
    let server = pg::shared();
    let url = server.database("no_clear_secret");
    let engine = gateway(&url);
    let mut secrets = vec![MASTER.to_vec()];
    for user in ["lisa", "mike", "nora"] {
        secrets.push(engine.access().provision(user, None).unwrap().password.expose().to_vec());
    }
    secrets.push(
        engine
            .access()
            .regenerate_password("mike", std::time::Duration::from_secs(60))
            .unwrap()
            .expose()
            .to_vec(),
    );
    let held = everything(&server, "no_clear_secret");
    assert!(held.len() > 20, "the database holds the store");
    for value in &held {
        for secret in &secrets {
            assert!(!value.windows(secret.len()).any(|w| w == &secret[..]), "a secret is held in clear");
        }
    }
}

#[test]
fn a_tampered_or_deleted_row_is_detected_at_open() {
    let server = pg::shared();
    let url = server.database("tampered");
    {
        let engine = gateway(&url);
        engine.access().provision("olga", None).unwrap();
        engine.access().provision("pete", None).unwrap();
    }
    let mut client = server.client("tampered");
    // One flipped byte in olga's sealed credential.
    client
        .execute(
            "UPDATE fixprov.rows SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1)
             WHERE tbl = 'credentials' AND key = 'olga'",
            &[],
        )
        .unwrap();
    let err = Engine::open(config(&url)).expect_err("a flipped byte");
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    client
        .execute(
            "UPDATE fixprov.rows SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1)
             WHERE tbl = 'credentials' AND key = 'olga'",
            &[],
        )
        .unwrap();
    drop(gateway(&url));
    // A row deleted: the manifest misses it.
    client.execute("DELETE FROM fixprov.rows WHERE tbl = 'users' AND key = 'pete'", &[]).unwrap();
    let err = Engine::open(config(&url)).expect_err("a deleted row");
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
}

#[test]
fn every_kind_of_change_reaches_the_live_sessions_of_another_gateway() {
    let server = pg::shared();
    let url = server.database("propagation");
    let (a, b) = (named(&url, "gw-a"), named(&url, "gw-b"));
    assert_eq!(a.gateway_id(), Some("gw-a"));

    // Provisioning.
    let alice = a.access().provision("alice", None).unwrap();
    let mut password = alice.password.expose().to_vec();
    eventually("B knows alice", || b.access().credentials("alice").is_ok());
    let mut session = logon(&b, &alice.sender_comp_id, &password).expect("alice at B");
    assert_eq!(b.check(session, MsgClass::Other), Verdict::Ok);

    // A tier redefined, a new tier, a tier move.
    a.tiers().set("basic", TierSpec::new(5, 33, 1, 10)).unwrap();
    eventually("B has basic at 33 msg/s", || b.tiers().get("basic").unwrap().spec.messages_per_sec == 33);
    a.tiers().set("desk", TierSpec::new(50, 300, 2, 100)).unwrap();
    a.tiers().assign("alice", "desk").unwrap();
    eventually("alice's session at B is on desk", || b.sessions().info(session).unwrap().tier == "desk");

    // Eligibility: a rule, a user's facts.
    a.eligibility().rule_add(r#"{"id": "kyc3", "min_kyc_level": 3}"#).unwrap();
    eventually("B has rule kyc3", || b.eligibility().rules().iter().any(|r| r.id == "kyc3"));
    a.eligibility().rule_remove("kyc3").unwrap();
    eventually("B lost rule kyc3", || b.eligibility().rules().iter().all(|r| r.id != "kyc3"));
    let facts = fixprov::rules::AccountFacts { kyc_level: Some(3), ..Default::default() };
    a.eligibility().account_set("alice", facts).unwrap();
    eventually("B has alice's facts", || b.eligibility().account_facts("alice").kyc_level == Some(3));

    // The allow-list, then a new password.
    // (Probed through the credential's state, not by logging on: failed logons would lock the
    // address out.)
    let info = |engine: &Engine| engine.access().credentials("alice").unwrap();
    a.access().ip_allow("alice", "192.0.2.0/24").unwrap();
    eventually("B has alice's allow-list", || info(&b).ip_allow == ["192.0.2.0/24"]);
    assert_eq!(logon(&b, &alice.sender_comp_id, &password), Err(LogonRefusal::IpNotAllowed));
    a.access().ip_disallow("alice", "192.0.2.0/24").unwrap();
    password = a.access().regenerate_password("alice", Duration::ZERO).unwrap().expose().to_vec();
    let changed = info(&a).password_changed_unix_ms;
    eventually("B has alice's new password", || {
        info(&b).password_changed_unix_ms == changed && info(&b).ip_allow.is_empty()
    });
    let second = logon(&b, &alice.sender_comp_id, &password).expect("the new password at B");
    b.sessions().close(second).unwrap();

    // Each way a session ends, made at A, ends alice's session at B.
    let ends: [(&str, &dyn Fn(), KillReason); 4] = [
        ("suspend", &|| a.access().suspend("alice").unwrap(), KillReason::Suspended),
        ("kill", &|| assert_eq!(a.sessions().kill_user("alice").unwrap(), 0), KillReason::User),
        ("expiry", &|| a.access().set_expiry("alice", Some(1)).unwrap(), KillReason::Expired),
        ("revoke", &|| a.access().revoke("alice").unwrap(), KillReason::Revoked),
    ];
    for (what, end, reason) in ends {
        if what != "suspend" {
            eventually("B has alice usable again", || {
                let i = info(&b);
                i.status == fixprov::CredentialStatus::Active && !i.expired
            });
            session = logon(&b, &alice.sender_comp_id, &password).expect("alice at B again");
        }
        end();
        eventually(what, || killed(&b, session) == Some(reason));
        assert_eq!(b.check(session, MsgClass::Other), Verdict::Killed, "{what}");
        b.sessions().close(session).unwrap();
        match what {
            "suspend" => a.access().reactivate("alice").unwrap(),
            "expiry" => a.access().set_expiry("alice", None).unwrap(),
            _ => {}
        }
    }
    assert_eq!(logon(&b, &alice.sender_comp_id, &password), Err(LogonRefusal::Revoked));
}

#[test]
fn a_gateway_that_missed_notifications_catches_up() {
    let server = pg::shared();
    let url = server.database("missed");
    let (a, b) = (named(&url, "gw-a"), named(&url, "gw-b"));
    b.fleet_pause(true);
    // B's listening connection is cut meanwhile: every notification of these changes is lost.
    let mut admin = server.client("missed");
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'missed' AND query LIKE 'LISTEN%'",
            &[],
        )
        .unwrap();
    let bob = a.access().provision("bob", None).unwrap();
    a.tiers().set("basic", TierSpec::new(5, 44, 1, 10)).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        logon(&b, &bob.sender_comp_id, bob.password.expose()),
        Err(LogonRefusal::UnknownCompId),
        "B, paused, does not know bob yet"
    );
    b.fleet_pause(false);
    eventually("B knows bob", || b.access().credentials("bob").is_ok());
    logon(&b, &bob.sender_comp_id, bob.password.expose()).expect("bob at B");
    // Records are applied in order, and the tier's came after bob's.
    eventually("B has basic at 44", || b.tiers().get("basic").unwrap().spec.messages_per_sec == 44);
}

#[test]
fn a_change_computed_from_a_stale_copy_is_refused_and_nothing_is_lost() {
    let server = pg::shared();
    let url = server.database("stale");
    let (a, b) = (named(&url, "gw-a"), named(&url, "gw-b"));
    let carol = a.access().provision("carol", None).unwrap();
    eventually("B knows carol", || b.access().credentials("carol").is_ok());
    b.fleet_pause(true);
    let new_password = a.access().regenerate_password("carol", Duration::ZERO).unwrap();
    // B still holds carol's old record: writing its suspension from it would put the old password
    // back. It is refused, and changes nothing.
    let err = b.access().suspend("carol").expect_err("a stale copy");
    assert!(matches!(&err, Error::InvalidState(m) if m.contains("gw-a")), "{err:?}");
    // A change to something else is not held up.
    b.tiers().set("basic", TierSpec::new(5, 21, 1, 10)).unwrap();
    b.fleet_pause(false);
    b.fleet_sync().unwrap();
    b.access().suspend("carol").unwrap();
    let status = |engine: &Engine| engine.access().credentials("carol").unwrap().status;
    eventually("A sees carol suspended", || status(&a) == fixprov::CredentialStatus::Suspended);
    a.access().reactivate("carol").unwrap();
    eventually("B sees carol active", || status(&b) == fixprov::CredentialStatus::Active);
    logon(&b, &carol.sender_comp_id, new_password.expose()).expect("the password A made, at B");
}

#[test]
fn one_audit_chain_names_the_gateway_of_every_record() {
    let server = pg::shared();
    let url = server.database("one_chain");
    let (a, b) = (named(&url, "gw-a"), named(&url, "gw-b"));
    a.access().provision("dave", None).unwrap();
    b.tiers().set("desk", TierSpec::new(7, 70, 2, 14)).unwrap();
    let records = a.audit().query(&AuditQuery::default()).unwrap();
    let by = |event: &str| records.iter().find(|r| r.event == event).and_then(|r| r.gateway.clone());
    assert_eq!(by("credential.provision").as_deref(), Some("gw-a"));
    assert_eq!(by("tier.set").as_deref(), Some("gw-b"));
    for gateway in [&a, &b] {
        let verified = gateway.audit().verify().unwrap();
        assert!(verified.ok, "{:?}", verified.problems);
    }
}

fn fleet_config(url: &str, id: &str) -> Config {
    Config {
        gateway_id: Some(id.into()),
        // The race below logs one CompID on thousands of times.
        logon_rate: None,
        ..config(url)
    }
}

#[test]
fn two_gateways_racing_for_a_users_last_slot_never_both_win() {
    let server = pg::shared();
    let url = server.database("race");
    let (a, b) = (
        Engine::open(fleet_config(&url, "gw-a")).unwrap(),
        Engine::open(fleet_config(&url, "gw-b")).unwrap(),
    );
    // basic: one session per user, across the fleet.
    let erin = a.access().provision("erin", None).unwrap();
    eventually("B knows erin", || b.access().credentials("erin").is_ok());
    let rounds: usize =
        std::env::var("FIXPROV_FLEET_RACE_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let barrier = std::sync::Barrier::new(2);
    let (mut both, mut neither, mut won) = (0, 0, [0usize; 2]);
    for _ in 0..rounds {
        let (ra, rb) = std::thread::scope(|s| {
            let (barrier, erin) = (&barrier, &erin);
            let ha = s.spawn(|| {
                barrier.wait();
                logon(&a, &erin.sender_comp_id, erin.password.expose())
            });
            let hb = s.spawn(|| {
                barrier.wait();
                logon(&b, &erin.sender_comp_id, erin.password.expose())
            });
            (ha.join().unwrap(), hb.join().unwrap())
        });
        for r in [&ra, &rb] {
            if let Err(refusal) = r {
                assert_eq!(*refusal, LogonRefusal::SessionLimit);
            }
        }
        match (ra, rb) {
            (Ok(_), Ok(_)) => both += 1,
            (Err(_), Err(_)) => neither += 1,
            (Ok(s), Err(_)) => {
                won[0] += 1;
                a.sessions().close(s).unwrap();
            }
            (Err(_), Ok(s)) => {
                won[1] += 1;
                b.sessions().close(s).unwrap();
            }
        }
    }
    println!("{rounds} rounds: A won {}, B won {}, both {both}, neither {neither}", won[0], won[1]);
    assert_eq!(both, 0, "double admissions");
    assert_eq!(neither, 0, "a round where the free slot went to nobody");
    assert!(won[0] > 0 && won[1] > 0, "both gateways won some rounds: {won:?}");
}

#[test]
fn a_closed_session_frees_its_slot_at_once_and_a_closed_gateway_all_of_its() {
    let server = pg::shared();
    let url = server.database("graceful");
    let a = Engine::open(fleet_config(&url, "gw-a")).unwrap();
    let b = Engine::open(fleet_config(&url, "gw-b")).unwrap();
    let fay = a.access().provision("fay", None).unwrap();
    eventually("B knows fay", || b.access().credentials("fay").is_ok());
    let at_a = logon(&a, &fay.sender_comp_id, fay.password.expose()).unwrap();
    assert_eq!(logon(&b, &fay.sender_comp_id, fay.password.expose()), Err(LogonRefusal::SessionLimit));
    let leases = b.fleet_leases(Some("fay")).unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].gateway, "gw-a");
    // The lease is taken before the session opens; the next heartbeat names the session.
    eventually("the lease names A's session", || b.fleet_leases(Some("fay")).unwrap()[0].session == at_a);
    a.sessions().close(at_a).unwrap();
    let at_b = logon(&b, &fay.sender_comp_id, fay.password.expose()).expect("the slot is free at once");
    assert_eq!(logon(&a, &fay.sender_comp_id, fay.password.expose()), Err(LogonRefusal::SessionLimit));
    // B closes without closing its session: its leases go with it.
    let _ = at_b;
    drop(b);
    logon(&a, &fay.sender_comp_id, fay.password.expose()).expect("B's slots were freed at its close");
}

/// Run as a child process by the SIGKILL test: a gateway that logs `FIXPROV_FLEET_CHILD_USER` on
/// and waits to be killed.
#[test]
fn child_gateway() {
    let Ok(url) = std::env::var("FIXPROV_FLEET_CHILD_URL") else { return };
    let sender = std::env::var("FIXPROV_FLEET_CHILD_SENDER").unwrap();
    let password = std::env::var("FIXPROV_FLEET_CHILD_PASSWORD").unwrap();
    let mut config = fleet_config(&url, "gw-child");
    config.lease_expiry = Duration::from_secs(1);
    let engine = Engine::open(config).unwrap();
    eventually("the child knows the user", || engine.access().credentials("gus").is_ok());
    logon(&engine, &sender, password.as_bytes()).expect("the child's session");
    println!("CHILD-READY");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_killed_gateways_leases_expire_and_a_survivor_takes_the_slots() {
    let server = pg::shared();
    let url = server.database("sigkill");
    let mut config = fleet_config(&url, "gw-survivor");
    config.lease_expiry = Duration::from_secs(1);
    let a = Engine::open(config).unwrap();
    let gus = a.access().provision("gus", None).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_gateway", "--nocapture", "--test-threads=1"])
        .env("FIXPROV_FLEET_CHILD_URL", &url)
        .env("FIXPROV_FLEET_CHILD_SENDER", &gus.sender_comp_id)
        .env("FIXPROV_FLEET_CHILD_PASSWORD", std::str::from_utf8(gus.password.expose()).unwrap())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("CHILD-READY") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut out, &mut line).unwrap() > 0,
            "the child gateway ended early"
        );
    }
    assert_eq!(logon(&a, &gus.sender_comp_id, gus.password.expose()), Err(LogonRefusal::SessionLimit));
    child.kill().unwrap(); // SIGKILL: no close, no leave.
    let killed_at = Instant::now();
    child.wait().unwrap();
    let mut session = None;
    let took = eventually("the slot comes back", || {
        session = logon(&a, &gus.sender_comp_id, gus.password.expose()).ok();
        session.is_some()
    });
    let took = took.max(killed_at.elapsed());
    println!("the killed gateway's slot was taken back {took:?} after the kill (lease expiry 1 s)");
    assert!(took >= Duration::from_millis(500), "a live lease was dropped early: {took:?}");
}

#[test]
fn postgresql_restarted_under_load_loses_nothing_acknowledged_and_checks_go_on() {
    // A server of its own: this test stops it.
    let server = pg::PgServer::start();
    let url = server.database("restart");
    let (a, b) = (
        Engine::open(fleet_config(&url, "gw-a")).unwrap(),
        Engine::open(fleet_config(&url, "gw-b")).unwrap(),
    );
    let mut live = Vec::new();
    for i in 0..4 {
        let c = a.access().provision(&format!("live{i}"), None).unwrap();
        eventually("B knows the user", || b.access().credentials(&format!("live{i}")).is_ok());
        live.push(logon(&b, &c.sender_comp_id, c.password.expose()).unwrap());
    }
    let spare = a.access().provision("spare", None).unwrap();
    eventually("B knows spare", || b.access().credentials("spare").is_ok());
    // A third gateway admits logons on its own limits for a while after its last heartbeat.
    let mut graceful = fleet_config(&url, "gw-grace");
    graceful.lease_grace = Duration::from_secs(60);
    let g = Engine::open(graceful).unwrap();
    let lenient = a.access().provision("lenient", None).unwrap();
    eventually("the third gateway knows lenient", || g.access().credentials("lenient").is_ok());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (acked, failed_writes, checks) = std::thread::scope(|s| {
        let checker = s.spawn(|| {
            let mut checks = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Ten messages a second per session, well inside basic's 20: every one is admitted.
                let now_ns = (checks / live.len() as u64 + 1) * 100_000_000;
                for &session in &live {
                    let verdict = b.check_at(session, MsgClass::Other, now_ns);
                    assert_eq!(verdict, Verdict::Ok, "a live session's check, database down or not");
                    checks += 1;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            checks
        });
        let writer = s.spawn(|| {
            let (mut acked, mut failed) = (Vec::new(), 0u32);
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let user = format!("w{n}");
                match a.access().provision(&user, None) {
                    Ok(_) => {
                        acked.push(user);
                        n += 1;
                    }
                    Err(e) => {
                        assert!(matches!(e, Error::Storage(_)), "{e:?}");
                        failed += 1;
                        // The same user again: a failed call changed nothing.
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
            (acked, failed)
        });
        std::thread::sleep(Duration::from_millis(400));
        server.stop();
        // Down: a logon that needs a lease fails closed; a cold-path change fails clearly.
        assert_eq!(logon(&b, &spare.sender_comp_id, spare.password.expose()), Err(LogonRefusal::Unavailable));
        assert!(matches!(b.tiers().set("basic", TierSpec::new(5, 21, 1, 10)), Err(Error::Storage(_))));
        let admitted = logon(&g, &lenient.sender_comp_id, lenient.password.expose());
        assert!(admitted.is_ok(), "lease_grace admits a logon while the database is down: {admitted:?}");
        std::thread::sleep(Duration::from_millis(600));
        server.start_again();
        server.wait_ready(Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(800));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (acked, failed) = writer.join().unwrap();
        (acked, failed, checker.join().unwrap())
    });
    println!(
        "{} provisioned and acknowledged, {failed_writes} refused while down, {checks} checks",
        acked.len()
    );
    assert!(failed_writes > 0, "the writer ran while the database was down");
    let last = acked.last().expect("provisioning went on after the restart").clone();
    eventually("B caught up after the restart", || b.access().credentials(&last).is_ok());
    for user in &acked {
        assert!(b.access().credentials(user).is_ok(), "{user} was acknowledged and is missing at B");
    }
    let c = Engine::open(fleet_config(&url, "gw-c")).unwrap();
    for user in &acked {
        assert!(c.access().credentials(user).is_ok(), "{user} was acknowledged and is not in the database");
    }
    logon(&b, &spare.sender_comp_id, spare.password.expose()).expect("logons work again");
    // The lease the grace admitted without the database is taken once it is back.
    eventually("the third gateway's lease is taken back", || {
        c.fleet_leases(Some("lenient")).unwrap().iter().any(|l| l.gateway == "gw-grace")
    });
    assert!(c.audit().verify().unwrap().ok);
}

/// Run as a child process by the SIGKILL campaign: a gateway that provisions users `<prefix>-<n>`
/// and prints `ack <user>` after each acknowledged one, until it is killed.
#[test]
fn child_provisioner() {
    let Ok(url) = std::env::var("FIXPROV_FLEET_PROVISIONER_URL") else { return };
    let prefix = std::env::var("FIXPROV_FLEET_PROVISIONER_PREFIX").unwrap();
    let engine = Engine::open(fleet_config(&url, &format!("gw-{prefix}"))).unwrap();
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    for n in 0.. {
        let user = format!("{prefix}-{n}");
        engine.access().provision(&user, None).unwrap();
        writeln!(out, "ack {user}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn a_gateway_killed_while_provisioning_loses_nothing_it_acknowledged() {
    let server = pg::shared();
    let url = server.database("kill_rounds");
    let rounds: u32 =
        std::env::var("FIXPROV_FLEET_KILL_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let verifier = Engine::open(fleet_config(&url, "gw-verifier")).unwrap();
    let (mut acked_total, mut into_provisioning) = (0, 0);
    for round in 0..rounds {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_provisioner", "--nocapture", "--test-threads=1"])
            .env("FIXPROV_FLEET_PROVISIONER_URL", &url)
            .env("FIXPROV_FLEET_PROVISIONER_PREFIX", format!("r{round}"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut acked = Vec::new();
            for line in std::io::BufRead::lines(std::io::BufReader::new(out)) {
                let Ok(line) = line else { break };
                // (libtest may have written "test child_provisioner ... " on the same line.)
                if line.ends_with("ready") {
                    let _ = ready_tx.send(());
                }
                if let Some(user) = line.strip_prefix("ack ") {
                    acked.push(user.to_owned());
                }
            }
            acked
        });
        // Killed at a different point of its work each round: one round in four while it opens
        // (0 to 150 ms after it started), the others 0 to 60 ms into provisioning.
        if round % 4 == 0 {
            std::thread::sleep(Duration::from_millis(u64::from(round * 7919 % 151)));
        } else {
            ready.recv_timeout(Duration::from_secs(60)).expect("the child gateway opened");
            std::thread::sleep(Duration::from_millis(u64::from(round * 7919 % 61)));
            into_provisioning += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let acked = reader.join().unwrap();
        acked_total += acked.len();
        verifier.fleet_sync().unwrap();
        for user in &acked {
            assert!(
                verifier.access().credentials(user).is_ok(),
                "round {round}: {user} was acknowledged and is lost"
            );
        }
    }
    println!(
        "{rounds} SIGKILL rounds ({into_provisioning} of them into provisioning), {acked_total} acknowledged \
         provisionings, 0 lost"
    );
    assert!(acked_total > 0, "no round reached provisioning");
    let verified = verifier.audit().verify().unwrap();
    assert!(verified.ok, "{:?}", verified.problems);
}

#[test]
fn a_gateways_admin_http_api_works_on_postgresql() {
    // The admin server runs on a runtime of its own, and PostgreSQL's client on another: each
    // request's work must run off the server's thread (a nested runtime panics and aborts).
    let server = pg::shared();
    let url = server.database("admin_http");
    let engine = Engine::open(fleet_config(&url, "gw-http")).unwrap();
    let admin = fixprov::admin::Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), common::tokens(), false).unwrap();
    let provisioned = common::send(
        addr,
        "POST",
        "/admin/fix/provision",
        Some(common::ADMIN),
        br#"{"user": "hana", "tier": "basic"}"#,
    );
    assert_eq!(provisioned.status, 200, "{}", provisioned.body);
    let fleet = common::send(addr, "GET", "/admin/fix/fleet", Some(common::VIEWER), b"");
    assert_eq!(fleet.status, 200, "{}", fleet.body);
    assert_eq!(fleet.json()["gateway"], "gw-http");
    let export = common::send(addr, "GET", "/admin/fix/audit/export?user=hana", Some(common::VIEWER), b"");
    assert_eq!(export.status, 200, "{}", export.body);
    assert!(export.body.contains("credential.provision"), "{}", export.body);
    // A failed token is audited from the server too (off its thread).
    assert_eq!(
        common::send(addr, "GET", "/admin/fix/stats", Some("wrong-token-wrong-token-wrong-token"), b"")
            .status,
        401
    );
    admin.stop();
}

/// A loopback TCP proxy in front of the database that a test can cut (every connection through it
/// dropped, new ones refused) and heal: a network partition between one gateway and the database.
struct Partition {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    live: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Partition {
    fn new(upstream: u16) -> Partition {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let live = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (cut2, live2) = (cut.clone(), live.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if cut2.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", upstream)) else { continue };
                let mut registry = live2.lock().unwrap();
                registry.push(client.try_clone().unwrap());
                registry.push(server.try_clone().unwrap());
                for (mut from, mut to) in
                    [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Partition { port, cut, live }
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self.live.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    fn heal(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn a_gateway_cut_off_from_the_database_behaves_as_if_it_were_down_and_catches_up_after() {
    let server = pg::shared();
    let url = server.database("partition");
    let partition = Partition::new(server.port());
    let through_proxy = url.replace(&format!(":{}/", server.port()), &format!(":{}/", partition.port));
    let a = Engine::open(fleet_config(&url, "gw-a")).unwrap();
    let mut cut_off = fleet_config(&through_proxy, "gw-b");
    cut_off.lease_expiry = Duration::from_secs(1);
    let b = Engine::open(cut_off).unwrap();
    let ivy = a.access().provision("ivy", None).unwrap();
    let jack = a.access().provision("jack", None).unwrap();
    eventually("B knows jack", || b.access().credentials("jack").is_ok());
    let session = logon(&b, &ivy.sender_comp_id, ivy.password.expose()).unwrap();

    partition.cut();
    // B: its live session is checked as before, a logon needing a lease fails closed, a change fails.
    assert_eq!(b.check_at(session, MsgClass::Other, 1_000_000_000), Verdict::Ok);
    assert_eq!(logon(&b, &jack.sender_comp_id, jack.password.expose()), Err(LogonRefusal::Unavailable));
    assert!(matches!(b.tiers().set("basic", TierSpec::new(5, 22, 1, 10)), Err(Error::Storage(_))));
    // A works on, and once B's heartbeat is older than its lease expiry, ivy's slot is free at A.
    a.tiers().set("basic", TierSpec::new(5, 23, 1, 10)).unwrap();
    let kate = a.access().provision("kate", None).unwrap();
    eventually("ivy's slot held by the cut-off gateway expires", || {
        a.fleet_leases(Some("ivy")).unwrap().is_empty()
    });
    assert_eq!(b.check_at(session, MsgClass::Other, 2_000_000_000), Verdict::Ok, "B's session goes on");

    partition.heal();
    eventually("B caught up with what A did meanwhile", || {
        b.access().credentials("kate").is_ok() && b.tiers().get("basic").unwrap().spec.messages_per_sec == 23
    });
    logon(&b, &kate.sender_comp_id, kate.password.expose()).expect("B's logons work again");
    // B's heartbeat takes its live session's lease back.
    eventually("B holds ivy's lease again", || {
        a.fleet_leases(Some("ivy")).unwrap().iter().any(|l| l.gateway == "gw-b" && l.session == session)
    });
}

#[test]
fn a_signed_logon_accepted_at_one_gateway_cannot_be_replayed_at_another() {
    use base64::Engine as _;
    use ed25519_dalek::Signer;
    let server = pg::shared();
    let url = server.database("signed_replay");
    let (a, b) = (named(&url, "gw-a"), named(&url, "gw-b"));
    a.access().set_tier_logon_policy("basic", fixprov::LogonPolicy::Signature).unwrap();
    let sig = a.access().provision("sig", None).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let public = base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_bytes());
    a.access().add_ed25519_key("sig", Some("k1"), &public, None).unwrap();
    eventually("B knows sig's key", || b.access().logon_keys("sig").is_ok_and(|k| k.len() == 1));
    eventually("B asks sig for a signature", || {
        b.access().credentials("sig").is_ok_and(|c| c.logon_policy == fixprov::LogonPolicy::Signature)
    });
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let time = common::sending_time(now.as_millis() as u64);
    let payload = format!("A\x01{}\x01FIXPROV\x011\x01{time}", sig.sender_comp_id);
    let raw = base64::engine::general_purpose::STANDARD.encode(key.sign(payload.as_bytes()).to_bytes());
    let request = LogonRequest {
        sender_comp_id: &sig.sender_comp_id,
        target_comp_id: "FIXPROV",
        password: b"",
        username: None,
        peer: Some("10.1.2.3".parse().unwrap()),
    };
    let signed = fixprov::SignedLogon {
        msg_type: "A",
        msg_seq_num: 1,
        sending_time: &time,
        raw_data: raw.as_bytes(),
        key_id: "k1",
    };
    let session = a.access().logon_signed(&request, &signed).expect("accepted at A");
    a.sessions().close(session).unwrap();
    // The same Logon at B, whose own cache never saw it: the fleet's table did.
    assert_eq!(b.access().logon_signed(&request, &signed), Err(LogonRefusal::ReplayedSignature));
    assert_eq!(a.access().logon_signed(&request, &signed), Err(LogonRefusal::ReplayedSignature));
    let mut client = server.client("signed_replay");
    let held: i64 = client.query_one("SELECT count(*) FROM fixprov.replays", &[]).unwrap().get(0);
    assert_eq!(held, 1, "one signature, recorded once");
}

#[test]
fn a_schema_2_store_is_migrated_and_keeps_its_users() {
    let server = pg::shared();
    let url = server.database("migrate_2_to_3");
    let sender = {
        let a = gateway(&url);
        a.access().provision("old", None).unwrap().sender_comp_id
    };
    // Back to what the build before the shared replay table wrote.
    let mut client = server.client("migrate_2_to_3");
    client
        .batch_execute(
            "DROP TABLE fixprov.replays;
             UPDATE fixprov.meta SET value = '2'::bytea WHERE key = 'schema_version'",
        )
        .unwrap();
    let b = gateway(&url);
    assert_eq!(b.access().credentials("old").unwrap().sender_comp_id, sender);
    let version: Vec<u8> =
        client.query_one("SELECT value FROM fixprov.meta WHERE key = 'schema_version'", &[]).unwrap().get(0);
    assert_eq!(version, b"3");
    let replays: bool =
        client.query_one("SELECT to_regclass('fixprov.replays') IS NOT NULL", &[]).unwrap().get(0);
    assert!(replays, "migration 3 made the replay table");
}

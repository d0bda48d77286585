//! Damage to the store is detected, never silently accepted; a full disk and a failing fsync make
//! calls fail cleanly, and nothing that was not written is acknowledged.
//!
//! * `a_flipped_bit_anywhere_in_the_store_is_detected_or_harmless`: a store with users, credentials
//!   (active, regenerated with and without overlap, revoked, suspended, expiring, expired), allow-lists,
//!   tiers, rules (one large enough for overflow pages, one removed to leave free pages), overrides, a
//!   bypass, tier rules, facts and audit records is closed (its WAL checkpointed into the main file and
//!   removed). Then, for a sample of offsets across the whole file (every one of the 100 header bytes,
//!   one offset in every 512 bytes, and random ones), one bit is flipped in a copy, which is opened and
//!   read back in full: every credential and tier, the rule set, tier rules, facts and verdicts, the
//!   statistics, the whole audit log and audit queries by subject, event and time, `audit_verify`,
//!   logons with every password ever issued (and a wrong one, and from a refused address), and one
//!   write. Each flip must be either reported (the open, or a use, fails with a Corrupt, Storage or
//!   WrongMasterPassword error, or `audit_verify` reports a problem) or harmless: everything read back
//!   is identical to the undamaged store's. A value that silently changed fails the test.
//!   `FIXPROV_CORRUPTION_STRIDE` (default 512) and `FIXPROV_CORRUPTION_RANDOM` (default 64) set the
//!   sample; `FIXPROV_CORRUPTION_EXHAUSTIVE=1` flips every bit of every byte; `FIXPROV_CORRUPTION_SEED`
//!   replays a run; `FIXPROV_CORRUPTION_KEEP=<dir>` keeps a copy of each silently accepted file there.
//!
//!   Speed: PBKDF2 at 600,000 iterations costs ~100 ms an open, too slow for hundreds of opens. After
//!   building the store, the test re-wraps its data key under 1,000 iterations through the public
//!   crypto API (as a store written under an older floor would be: `KdfParams::from_bytes` accepts it);
//!   nothing else changes.
//! * `a_full_disk_fails_calls_cleanly`: a child process works on a store on a small tmpfs (mounted by
//!   the test; without permission to mount, a child limited by RLIMIT_FSIZE, SIGXFSZ ignored) that a
//!   filler file has filled (`FIXPROV_DISKFULL_NO_MOUNT=1` forces the fallback): provisioning, tier definitions and rule additions fail with a storage
//!   error and change nothing in memory; once the filler is gone the same engine works again. Reopened
//!   with space, the store holds every acknowledged call, and each failed one wholly or not at all.
//! * `a_failing_fsync_fails_calls_cleanly`: the same workload with an LD_PRELOAD shim (compiled with
//!   `cc` at test time; skipped without one) that makes the Nth fsync/fdatasync fail with EIO, once or
//!   from then on, for a range of N (`FIXPROV_FSYNC_MAX`, default 8).
#![cfg(unix)]

use fixprov::cold::attempts::AttemptPolicy;
use fixprov::cold::audit::AuditQuery;
use fixprov::cold::crypto::{DataKey, KdfParams, Kek};
use fixprov::cold::rules::{AccountFacts, Currency, Money, Override, Value};
use fixprov::{
    ClockConfig, Config, CredentialInfo, Engine, Error, LogonRequest, ManualClock, Secret, TierSpec,
};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const MASTER: &[u8] = b"corruption test master";
/// PBKDF2 iterations of the test stores once re-wrapped (see the module documentation).
const FAST_ITERATIONS: u32 = 1_000;
const CHILD: &str = "FIXPROV_CORRUPTION_CHILD";
const DAY: u64 = 86_400_000;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v:?}: {e}")))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as u64
}

/// xorshift64, reduced below `n`.
fn below(x: &mut u64, n: u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x % n
}

fn config(dir: &Path) -> Config {
    Config {
        data_dir: Some(dir.to_owned()),
        master_password: Some(Secret::new(MASTER.to_vec())),
        clock: ClockConfig::Manual(ManualClock::new(1)),
        // Old passwords are tried on purpose: lock nobody out.
        logon_attempts: AttemptPolicy { max_failures: 1_000_000, ..AttemptPolicy::default() },
        default_rules: false,
        ..Config::default()
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fixprov-corruption-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// Removes a directory when dropped.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Re-wraps the store's data key under `FAST_ITERATIONS` (same salt), outside the engine.
fn rewrap_fast(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let get = |key: &str| -> Vec<u8> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).expect("a meta row")
    };
    let params = KdfParams::from_bytes(&get("kdf")).expect("kdf parameters");
    let dek = DataKey::unwrap(&Kek::derive(MASTER, &params), &get("wrapped_data_key")).expect("unwrap");
    let mut fast = params.to_bytes();
    fast[16..].copy_from_slice(&FAST_ITERATIONS.to_le_bytes());
    let fast = KdfParams::from_bytes(&fast).expect("fast parameters");
    let wrapped = dek.wrap(&Kek::derive(MASTER, &fast));
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'kdf'", [&fast.to_bytes()[..]]).expect("kdf");
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'wrapped_data_key'", [&wrapped]).expect("wrapped");
    let (busy, _, _): (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("checkpoint");
    assert_eq!(busy, 0, "the checkpoint was blocked");
}

/// The undamaged store every test copies: built once per test binary.
struct Base {
    /// The database file.
    bytes: Vec<u8>,
    /// The b-tree each page belongs to ("name leaf", "name internal", ...), where SQLite can tell.
    owners: BTreeMap<u64, String>,
    /// Where the PBKDF2 parameters are in the file.
    kdf_at: usize,
    /// Every password each provisioned user was ever given, oldest first, by SenderCompID.
    passwords: BTreeMap<String, Vec<Vec<u8>>>,
}

static BASE: OnceLock<Base> = OnceLock::new();

const USERS: [&str; 9] = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan"];

/// Creates a store in a new directory named after `name` (at the real PBKDF2 cost), lets `fill` write
/// to it, closes it, re-wraps its data key for fast opens, and returns the database file, its page
/// owners and where its PBKDF2 parameters are; the directory is removed.
fn build(name: &str, fill: impl FnOnce(&Engine)) -> (Vec<u8>, BTreeMap<u64, String>, usize) {
    let dir = std::env::temp_dir().join(format!("fixprov-corruption-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine = Engine::open(Config { pbkdf2_iterations: 600_000, ..config(&dir) }).expect("create");
    fill(&engine);
    drop(engine);
    rewrap_fast(&dir.join("fixprov.db"));
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["fixprov.db"], "closing checkpointed the WAL into the main file");
    let db = dir.join("fixprov.db");
    let kdf: Vec<u8> = rusqlite::Connection::open(&db)
        .and_then(|c| c.query_row("SELECT value FROM meta WHERE key = 'kdf'", [], |r| r.get(0)))
        .expect("the kdf row");
    let owners = page_owners(&db);
    let bytes = std::fs::read(&db).expect("read the store");
    let kdf_at = bytes.windows(kdf.len()).position(|w| w == kdf).expect("the kdf row in the file");
    std::fs::remove_dir_all(&dir).expect("remove the directory");
    (bytes, owners, kdf_at)
}

/// The store the full-disk and fsync workloads start from: a user and a tier, no eligibility rule.
fn workload_base() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let (bytes, _, _) = build("workload-base", |engine| {
            engine.tiers().set("desk", TierSpec::new(7, 70, 2, 14)).expect("tier");
            engine.access().provision("seed", Some("desk")).expect("provision");
        });
        bytes
    })
}

fn base() -> &'static Base {
    BASE.get_or_init(|| {
        let mut passwords: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        let (bytes, owners, kdf_at) = build("base", |engine| {
        let usd = |a: &str| Money::parse(a, Currency::USD).expect("money");
        engine.tiers().set("desk", TierSpec::new(7, 70, 2, 14)).expect("tier");
        engine.tiers().set("basic", TierSpec::new(6, 20, 1, 10)).expect("tier");
        engine.tiers().set("night", TierSpec { escalation_threshold: 0, ..TierSpec::new(1, 3, 4, 2) }).expect("tier");
        for (i, user) in USERS.iter().enumerate() {
            let facts = AccountFacts {
                balance: Some(usd(&format!("{}.{:02}", 900 + 50 * i, i))),
                volume_30d: Some(usd("25000.00")),
                account_created_unix_ms: Some(now_ms() - (20 + 3 * i as u64) * DAY - DAY / 2),
                kyc_level: Some(i as u32 % 4),
                groups: [format!("desk-{}", ["a", "b"][i % 2])].into_iter().chain((i == 1).then(|| "vip".into())).collect(),
                custom: [("risk_score".to_string(), 10 * i as i64)].into(),
            };
            engine.eligibility().account_set(user, facts).expect("facts");
        }
        let tiers = ["desk", "premium", "basic", "standard", "unlimited", "night", "premium"];
        for (user, tier) in USERS[..7].iter().zip(tiers) {
            let c = engine.access().provision(user, Some(tier)).expect("provision");
            passwords.entry(c.sender_comp_id).or_default().push(c.password.expose().to_vec());
        }
        engine.access().ip_allow("alice", "10.0.0.0/8").expect("allow");
        engine.access().ip_allow("alice", "2001:db8::/32").expect("allow");
        engine.access().ip_allow("bob", "10.1.2.3").expect("allow");
        let mut regenerate = |user: &str, overlap| {
            let sender = engine.access().credentials(user).expect("credentials").sender_comp_id;
            let password = engine.access().regenerate_password(user, overlap).expect("regenerate");
            passwords.entry(sender).or_default().push(password.expose().to_vec());
        };
        regenerate("bob", Duration::from_secs(86_400));
        regenerate("gina", Duration::ZERO);
        regenerate("gina", Duration::from_secs(86_400));
        engine.access().revoke("carol").expect("revoke");
        engine.access().suspend("dave").expect("suspend");
        engine.access().set_expiry("erin", Some(4_102_444_800_000)).expect("expiry");
        engine.access().set_expiry("frank", Some(1_000_000_000_000)).expect("expiry");
        engine.tiers().assign("hank", "standard").expect("tier");
        engine.tiers().assign("erin", "unlimited").expect("tier");
        // A rule large enough to need overflow pages, and one removed again: free pages.
        let long = "x".repeat(6_000);
        engine.eligibility().rule_add(r#"{"id": "kyc2", "description": "KYC 2", "min_kyc_level": 2}"#).expect("rule");
        engine.eligibility().rule_add(r#"{"id": "desks", "groups": {"any_of": ["desk-a", "desk-b"]}}"#).expect("rule");
        engine.eligibility().rule_add(&format!(r#"{{"id": "long", "description": "{long}", "min_balance": {{"amount": "950.00", "currency": "USD"}}}}"#)).expect("rule");
        engine
            .eligibility().rule_add(
                r#"{"id": "vip_or_big", "when": {"any_of": [{"fact": "groups", "op": "contains", "value": "vip"},
                    {"all_of": [{"fact": "volume_30d", "op": ">=", "value": {"amount": "20000.00", "currency": "USD"}},
                    {"not": {"fact": "custom.risk_score", "op": ">", "value": 40}}]}]}}"#,
            )
            .expect("rule");
        engine.eligibility().rule_add(r#"{"id": "not_banned", "groups": {"none_of": ["banned"]}}"#).expect("rule");
        let huge = "y".repeat(12_000);
        engine.eligibility().rule_add(&format!(r#"{{"id": "huge", "description": "{huge}", "min_kyc_level": 0}}"#)).expect("rule");
        engine.eligibility().rule_remove("huge").expect("remove");
        engine.eligibility().rule_enable("not_banned", false).expect("disable");
        engine.eligibility().override_set("alice", "kyc2", Some(Override::Threshold(Value::Int(1)))).expect("override");
        engine.eligibility().override_set("bob", "long", Some(Override::Disabled)).expect("override");
        engine.eligibility().bypass_set("dave", Some(("ops", "pilot account"))).expect("bypass");
        engine.eligibility().bypass_set("frank", Some(("ops", "temporary"))).expect("bypass");
        engine.eligibility().bypass_set("frank", None).expect("bypass withdrawn");
        engine
            .eligibility().tier_rules_set(r#"[{"tier": "premium", "when": {"fact": "kyc_level", "op": ">=", "value": 3}}]"#)
            .expect("tier rules");
        // Audit traffic: logons accepted and refused, sessions killed and closed.
        for (sender, list) in &passwords {
            for password in list.iter().chain([&b"wrong".to_vec()]) {
                let request = LogonRequest {
                    sender_comp_id: sender,
                    target_comp_id: "FIXPROV",
                    password,
                    username: None,
                    peer: Some("10.1.2.3".parse().expect("an address")),
                };
                if let Ok(s) = engine.access().logon(&request) {
                    engine.sessions().kill(s).expect("kill");
                    engine.sessions().close(s).expect("close");
                }
            }
        }
        engine.audit().flush().expect("flush");
        });
        Base { bytes, owners, kdf_at, passwords }
    })
}

/// Whether an error is the library reporting damage (as opposed to a changed answer).
fn detection(e: &Error) -> bool {
    matches!(e, Error::Corrupt(_) | Error::Storage(_) | Error::WrongMasterPassword | Error::Internal(_))
}

/// Everything an engine on the store answers, in order; and the first damage it reported.
fn snapshot(engine: &Engine, base: &Base) -> (Vec<String>, Option<String>) {
    let mut lines = Vec::new();
    let mut reported: Option<String> = None;
    let mut note = |what: String, result: Result<String, Error>| match result {
        Ok(text) => lines.push(format!("{what}: {text}")),
        Err(e) => {
            if detection(&e) && reported.is_none() {
                reported = Some(format!("{what}: {e}"));
            }
            lines.push(format!("{what}: error {e}"));
        }
    };
    // The audit log first: logons below add records.
    match engine.audit().verify() {
        Ok(v) if !v.ok => note("audit_verify".into(), Err(Error::Corrupt(v.problems.join("; ").into()))),
        other => note("audit_verify".into(), other.map(|v| format!("{v:?}"))),
    }
    let mut export = Vec::new();
    let all = engine.audit().export(&AuditQuery::default(), &mut export);
    note("audit_export".into(), all.map(|n| format!("{n} {}", String::from_utf8_lossy(&export))));
    let middle = engine.audit().query(&AuditQuery { limit: Some(40), ..AuditQuery::default() });
    let middle = middle.ok().and_then(|r| r.last().map(|r| r.at_unix_ms)).unwrap_or(0);
    let mut queries: Vec<(String, AuditQuery)> = USERS
        .iter()
        .chain(&["", "desk", "kyc2"])
        .map(|s| {
            (format!("subject {s:?}"), AuditQuery { subject: Some(s.to_string()), ..AuditQuery::default() })
        })
        .collect();
    for prefix in ["credential.", "logon.", "session.", "rule.", "tier.", "account."] {
        let query = AuditQuery { event_prefix: Some(prefix.into()), ..AuditQuery::default() };
        queries.push((format!("event {prefix}"), query));
    }
    queries.push(("from middle".into(), AuditQuery { from_unix_ms: Some(middle), ..AuditQuery::default() }));
    queries.push(("to middle".into(), AuditQuery { to_unix_ms: Some(middle), ..AuditQuery::default() }));
    queries.push((
        "after 17".into(),
        AuditQuery { after_seq: Some(17), limit: Some(9), ..AuditQuery::default() },
    ));
    for (what, query) in queries {
        let records = engine.audit().query(&query);
        note(
            format!("audit {what}"),
            records.map(|r| r.iter().map(|r| r.seq.to_string()).collect::<Vec<_>>().join(",")),
        );
    }
    note("tiers".into(), Ok(format!("{:?}", engine.tiers().all())));
    note("rules".into(), Ok(format!("{:?}", engine.eligibility().rules())));
    note("tier rules".into(), Ok(format!("{:?}", engine.eligibility().tier_rules())));
    let mut stats = engine.stats();
    stats.logons = Default::default();
    note("stats".into(), Ok(format!("{stats:?}")));
    // The listings an operator sees (every user, with its tier and sessions).
    for path in ["/admin/fix/credentials", "/admin/fix/rate-limits", "/admin/fix/rate-limits/tiers"] {
        let r = fixprov::admin::Admin::new(engine).handle(&fixprov::admin::Actor::host(), "GET", path, b"");
        let body = r.body_text();
        note(
            format!("GET {path}"),
            if r.status == 200 { Ok(body) } else { Err(Error::Internal(body.into())) },
        );
    }
    for user in USERS {
        note(format!("credentials {user}"), engine.access().credentials(user).map(|c| format!("{c:?}")));
        note(format!("tier {user}"), engine.tiers().of(user));
        note(format!("facts {user}"), Ok(format!("{:?}", engine.eligibility().account_facts(user))));
        note(format!("verdict {user}"), Ok(format!("{:?}", engine.eligibility().evaluate(user))));
    }
    let inside: IpAddr = "10.1.2.3".parse().expect("an address");
    let outside: IpAddr = "192.0.2.1".parse().expect("an address");
    for (sender, list) in &base.passwords {
        for (i, password) in list.iter().chain([&b"wrong".to_vec()]).enumerate() {
            for peer in [inside, outside] {
                let request = LogonRequest {
                    sender_comp_id: sender,
                    target_comp_id: "FIXPROV",
                    password,
                    username: None,
                    peer: Some(peer),
                };
                let result = engine.access().logon(&request);
                if let Ok(s) = result {
                    let info = engine.sessions().info(s).map(|i| i.tier);
                    note(format!("session tier {sender} {i} {peer}"), info);
                    note(
                        format!("close {sender} {i} {peer}"),
                        engine.sessions().close(s).map(|c| format!("{c:?}")),
                    );
                }
                note(format!("logon {sender} {i} {peer}"), Ok(format!("{:?}", result.map(|_| ()))));
            }
        }
    }
    note("write".into(), engine.tiers().set("probe", TierSpec::new(1, 2, 3, 4)).map(|()| String::new()));
    (lines, reported)
}

/// Opens the store in `dir` and reads everything back ([`snapshot`]); then changes records that exist
/// (SQLite updates them in place, through their indexes), reopens, and reads those back. Returns every
/// answer and the first damage reported; `Err` when the first open fails.
fn exercise(dir: &Path, base: &Base) -> Result<(Vec<String>, Option<String>), Error> {
    let engine = Engine::open(config(dir))?;
    let (mut lines, mut reported) = snapshot(&engine, base);
    let mut note = |what: &str, result: Result<String, Error>| match result {
        Ok(text) => lines.push(format!("{what}: {text}")),
        Err(e) => {
            if detection(&e) && reported.is_none() {
                reported = Some(format!("{what}: {e}"));
            }
            lines.push(format!("{what}: error {e}"));
        }
    };
    let alice = engine.access().credentials("alice").map(|c| c.sender_comp_id);
    note("update desk", engine.tiers().set("desk", TierSpec::new(9, 90, 3, 18)).map(|()| String::new()));
    let password = engine.access().regenerate_password("alice", Duration::ZERO);
    note("update alice", password.as_ref().map(|_| String::new()).map_err(Clone::clone));
    note("update bob", engine.access().set_expiry("bob", Some(4_200_000_000_000)).map(|()| String::new()));
    note("update rule", engine.eligibility().rule_enable("not_banned", true).map(|()| String::new()));
    let facts = AccountFacts { kyc_level: Some(7), ..AccountFacts::default() };
    note("update hank", engine.eligibility().account_set("hank", facts).map(|()| String::new()));
    note("update allow", engine.access().ip_allow("alice", "192.0.2.0/24").map(|b| b.to_string()));
    drop(engine);
    match Engine::open(config(dir)) {
        Err(e) => note("reopen", Err(e)),
        Ok(engine) => {
            note("reopened desk", engine.tiers().get("desk").map(|t| format!("{:?}", t.spec)));
            for user in ["alice", "bob", "hank"] {
                // Alice's password was just changed: when is not part of the comparison.
                let info = engine
                    .access()
                    .credentials(user)
                    .map(|c| CredentialInfo { password_changed_unix_ms: 0, ..c });
                note(&format!("reopened {user}"), info.map(|c| format!("{c:?}")));
                note(
                    &format!("reopened facts {user}"),
                    Ok(format!("{:?}", engine.eligibility().account_facts(user))),
                );
            }
            note("reopened rules", Ok(format!("{:?}", engine.eligibility().rules())));
            if let (Ok(sender), Ok(password)) = (&alice, &password) {
                let request = LogonRequest {
                    sender_comp_id: sender,
                    target_comp_id: "FIXPROV",
                    password: password.expose(),
                    username: None,
                    peer: Some("192.0.2.1".parse().expect("an address")),
                };
                let result = engine.access().logon(&request);
                if let Ok(s) = result {
                    engine.sessions().close(s)?;
                }
                note("reopened logon", Ok(format!("{:?}", result.map(|_| ()))));
            }
            match engine.audit().verify() {
                Ok(v) if !v.ok => {
                    note("reopened audit_verify", Err(Error::Corrupt(v.problems.join("; ").into())))
                }
                other => note("reopened audit_verify", other.map(|v| v.ok.to_string())),
            }
        }
    }
    Ok((lines, reported))
}

/// What one flipped bit did.
#[derive(Debug)]
enum Outcome {
    /// The open failed with this error.
    OpenRefused(String),
    /// A use failed with a damage report (or audit_verify found a problem).
    UseRefused(String),
    /// Everything read back is identical to the undamaged store.
    Harmless,
    /// Something read back differs and nothing reported damage: the failure this test looks for.
    SilentlyChanged(String),
    /// Not opened: the PBKDF2 iteration count was flipped that high.
    Skipped(String),
    /// The library panicked.
    Panicked(String),
}

impl Outcome {
    fn detail(&self) -> &str {
        match self {
            Outcome::OpenRefused(s)
            | Outcome::UseRefused(s)
            | Outcome::SilentlyChanged(s)
            | Outcome::Skipped(s)
            | Outcome::Panicked(s) => s,
            Outcome::Harmless => "",
        }
    }
}

fn probe(dir: &Path, base: &Base, expected: &[String]) -> Outcome {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (lines, reported) = match exercise(dir, base) {
            Ok(answers) => answers,
            Err(e) if detection(&e) => return Outcome::OpenRefused(e.to_string()),
            Err(e) => {
                return Outcome::SilentlyChanged(format!("the open failed with an unexpected error: {e}"))
            }
        };
        if let Some(what) = reported {
            return Outcome::UseRefused(what);
        }
        match lines.iter().zip(expected).find(|(a, b)| a != b) {
            None if lines.len() == expected.len() => Outcome::Harmless,
            None => {
                Outcome::SilentlyChanged(format!("{} answers instead of {}", lines.len(), expected.len()))
            }
            Some((got, want)) => {
                // Around the first difference.
                let at = got.bytes().zip(want.bytes()).take_while(|(a, b)| a == b).count();
                let what = got.split(':').next().unwrap_or_default();
                let around = |s: &str| {
                    let (from, to) = (at.saturating_sub(150), (at + 150).min(s.len()));
                    String::from_utf8_lossy(&s.as_bytes()[from..to]).into_owned()
                };
                Outcome::SilentlyChanged(format!(
                    "{what} differs at character {at}:\n    got  ...{}...\n    want ...{}...",
                    around(got),
                    around(want)
                ))
            }
        }
    }));
    run.unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
        Outcome::Panicked(text.unwrap_or_default())
    })
}

/// The b-tree (table or index) each page belongs to, from SQLite's dbstat table where compiled in.
fn page_owners(db: &Path) -> BTreeMap<u64, String> {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let owners = conn.prepare("SELECT pageno, name, pagetype FROM dbstat").and_then(|mut stmt| {
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as u64, format!("{} {}", r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        })?;
        rows.collect::<Result<BTreeMap<_, _>, _>>()
    });
    owners.unwrap_or_default()
}

/// The audit table's indexes: the chain does not cover them, so audit_verify checks them and each
/// query checks its own answers (a bug found here: damage in them silently changed query answers).
const AUDIT_INDEXES: [&str; 2] = ["audit_at", "audit_subject"];

#[test]
fn a_flipped_bit_anywhere_in_the_store_is_detected_or_harmless() {
    campaign("main", |_| true, 512, 32);
}

/// The audit indexes, densely: one flip in every 16 bytes of their pages.
#[test]
fn a_flipped_bit_in_an_audit_index_is_detected() {
    campaign("audit-indexes", |owner| AUDIT_INDEXES.contains(&owner), 16, 0);
}

/// Flips bits in copies of the base store, on the pages whose owning b-tree `pages` accepts (the
/// header and free pages are owned by ""), one offset per `stride` bytes (and `random` more), unless
/// the environment says otherwise; fails on any flip that was silently accepted.
fn campaign(name: &str, pages: impl Fn(&str) -> bool + Sync, stride: usize, random: usize) {
    let base = base();
    let (original, owners) = (&base.bytes, &base.owners);
    let page_size = u16::from_be_bytes([original[16], original[17]]) as usize;
    // Where the PBKDF2 parameters are: a flipped high bit of the iteration count would make the open
    // spin for minutes before refusing (see the report below).
    let kdf_at = base.kdf_at;

    let owner = |at: usize| -> &str {
        let page = (at / page_size + 1) as u64;
        owners.get(&page).map_or("", |o| o.split(' ').next().unwrap_or_default())
    };
    let expected = {
        let dir = temp_dir(&format!("{name}-expected"));
        let _cleanup = Cleanup(dir.clone());
        std::fs::write(dir.join("fixprov.db"), original).expect("copy");
        let (lines, reported) = exercise(&dir, base).expect("the undamaged store opens");
        assert_eq!(reported, None, "the undamaged store reports damage");
        assert!(
            lines.iter().any(|l| l.starts_with("audit_verify: AuditVerification { records: ")),
            "{lines:?}"
        );
        lines
    };

    let seed = env_u64("FIXPROV_CORRUPTION_SEED").unwrap_or(now_ms());
    let mut rng = seed | 1;
    let mut flips: Vec<(usize, u8)> = Vec::new();
    if env_u64("FIXPROV_CORRUPTION_EXHAUSTIVE").unwrap_or(0) == 1 {
        flips.extend((0..original.len()).flat_map(|at| (0..8).map(move |bit| (at, 1u8 << bit))));
    } else {
        let stride = env_u64("FIXPROV_CORRUPTION_STRIDE").map_or(stride, |s| s as usize).max(1);
        let random = env_u64("FIXPROV_CORRUPTION_RANDOM").map_or(random, |r| r as usize);
        let bit = |rng: &mut u64| 1u8 << below(rng, 8);
        flips.extend((0..100).map(|at| (at, bit(&mut rng))));
        for start in (100..original.len()).step_by(stride) {
            let at = start + below(&mut rng, stride.min(original.len() - start) as u64) as usize;
            flips.push((at, bit(&mut rng)));
        }
        for _ in 0..random {
            let at = below(&mut rng, original.len() as u64) as usize;
            flips.push((at, bit(&mut rng)));
        }
    }
    let total = flips.len();
    flips.retain(|&(at, _)| pages(owner(at)));

    // Copies of the flips silently accepted are kept in FIXPROV_CORRUPTION_KEEP, when set.
    let keep = std::env::var_os("FIXPROV_CORRUPTION_KEEP").map(PathBuf::from);
    let keep = &keep;
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let threads = env_u64("FIXPROV_CORRUPTION_THREADS").unwrap_or(2).max(1);
    let outcomes: Vec<(usize, u8, Outcome)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|w| {
                let (original, expected, flips, next) = (&original, &expected, &flips, &next);
                scope.spawn(move || {
                    let dir = temp_dir(&format!("{name}-flip-{w}"));
                    let _cleanup = Cleanup(dir.clone());
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(at, mask)) = flips.get(i) else { break };
                        for file in ["fixprov.db", "fixprov.db-wal", "fixprov.db-shm"] {
                            let _ = std::fs::remove_file(dir.join(file));
                        }
                        let mut bytes = original.to_vec();
                        bytes[at] ^= mask;
                        let outcome = if (kdf_at + 16..kdf_at + 20).contains(&at) {
                            let mut n = [0u8; 4];
                            n.copy_from_slice(&bytes[kdf_at + 16..kdf_at + 20]);
                            let iterations = u32::from_le_bytes(n);
                            (iterations > 20_000_000)
                                .then(|| Outcome::Skipped(format!("{iterations} PBKDF2 iterations")))
                        } else {
                            None
                        };
                        let outcome = outcome.unwrap_or_else(|| {
                            std::fs::write(dir.join("fixprov.db"), &bytes).expect("write the damaged copy");
                            let outcome = probe(&dir, base, expected);
                            if let (Outcome::SilentlyChanged(_), Some(keep)) = (&outcome, &keep) {
                                let _ = std::fs::write(keep.join(format!("flip-{at}-{mask}.db")), &bytes);
                            }
                            outcome
                        });
                        out.push((at, mask, outcome));
                    }
                    out
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a worker")).collect()
    });

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (at, mask, outcome) in &outcomes {
        let kind = match outcome {
            Outcome::OpenRefused(e) if e.contains("wrong master password") => {
                "open refused: wrong master password"
            }
            Outcome::OpenRefused(_) => "open refused: corrupt/storage",
            Outcome::UseRefused(_) => "use refused",
            Outcome::Harmless => "harmless (identical)",
            Outcome::Skipped(_) => "skipped: iteration count flipped high",
            Outcome::SilentlyChanged(_) => "SILENTLY CHANGED",
            Outcome::Panicked(_) => "PANICKED",
        };
        *counts.entry(kind).or_default() += 1;
        if matches!(outcome, Outcome::SilentlyChanged(_) | Outcome::Panicked(_)) {
            let page = at / page_size + 1;
            let owner = owners.get(&(page as u64)).map_or("(free or header)", String::as_str);
            failures.push(format!("byte {at} (page {page}, {owner}) ^ {mask:#04x}: {}", outcome.detail()));
        }
    }
    println!(
        "corruption ({name}): {} flips ({} of the sample left out by page) (seed {seed}) over {} bytes ({} pages \
         of {page_size}) in {:.1?}: {counts:?}",
        outcomes.len(),
        total - outcomes.len(),
        original.len(),
        original.len() / page_size,
        started.elapsed(),
    );
    let mut by_use: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, outcome) in &outcomes {
        if let Outcome::UseRefused(what) = outcome {
            let first = what.split([':', ' ']).next().unwrap_or_default().to_owned();
            *by_use.entry(first).or_default() += 1;
        }
    }
    println!("  uses that reported the damage first: {by_use:?}");
    for (at, mask, outcome) in &outcomes {
        if let Outcome::Skipped(what) = outcome {
            println!("  byte {at} ^ {mask:#04x}: not opened, the stored iteration count became {what}");
        }
    }
    assert!(failures.is_empty(), "{} flips were silently accepted:\n{}", failures.len(), failures.join("\n"));
}

// ----- full disk and failing fsync: a child process works, the parent checks -----

/// One call of the workload, as the child reports it.
#[derive(Debug, Clone)]
struct Call {
    acked: bool,
    kind: String,
    name: String,
    /// For an acknowledged provisioning, the password; for a failed call, the error.
    text: String,
    /// Whether the call came after the filler was removed.
    after_free: bool,
}

fn rule_document(name: &str) -> String {
    // Large (and growing with the rule set): the rule set is one record, rewritten by every add.
    format!(
        r#"{{"id": "{name}", "description": "{}", "groups": {{"none_of": ["banned"]}}}}"#,
        "d".repeat(3_000)
    )
}

fn tier_of(i: usize) -> TierSpec {
    TierSpec::new(1 + i as u64, 10 + i as u64, 2, 5)
}

/// The child: opens the store in `FIXPROV_CORRUPTION_CHILD`, fills the disk with the filler file
/// when one is named, then provisions, defines tiers and adds rules, printing each outcome.
#[test]
fn child_workload() {
    let Some(dir) = std::env::var_os(CHILD).map(PathBuf::from) else { return };
    let filler = std::env::var_os("FIXPROV_CORRUPTION_FILLER").map(PathBuf::from);
    let max_fails = env_u64("FIXPROV_CORRUPTION_MAX_FAILS").unwrap_or(4) as usize;
    let max_calls = env_u64("FIXPROV_CORRUPTION_MAX_CALLS").unwrap_or(60) as usize;
    let say = |line: String| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "@ {line}").and_then(|()| out.flush()).expect("stdout");
    };
    let engine = match Engine::open(config(&dir)) {
        Ok(engine) => engine,
        Err(e) => return say(format!("open-failed {e}")),
    };
    say("opened".into());
    if let Some(filler) = &filler {
        use std::io::Write;
        let mut file = std::fs::File::create(filler).expect("create the filler");
        let chunk = vec![0xa5u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        say("full".into());
    }
    let (mut fails, mut after_free, mut calls_after_free) = (0, false, 0);
    for i in 0..max_calls {
        let name = format!("w{i}");
        let outcome = match i % 3 {
            0 => engine
                .access()
                .provision(&name, Some("premium"))
                .map(|c| ("provision", String::from_utf8(c.password.expose().to_vec()).expect("ASCII"))),
            1 => engine.tiers().set(&name, tier_of(i)).map(|()| ("tier", String::new())),
            _ => engine.eligibility().rule_add(&rule_document(&name)).map(|()| ("rule", String::new())),
        };
        let kind = ["provision", "tier", "rule"][i % 3];
        match outcome {
            Ok((kind, extra)) => say(format!("ack {kind} {name} {extra}")),
            Err(e) => {
                // A failed call changed nothing in memory.
                match kind {
                    "provision" => {
                        assert!(
                            engine.access().credentials(&name).is_err(),
                            "a failed provisioning of {name} is in memory"
                        );
                        assert!(
                            engine.tiers().of(&name).is_err(),
                            "a failed provisioning of {name} made a user"
                        );
                    }
                    "tier" => {
                        assert!(engine.tiers().get(&name).is_err(), "a failed tier {name} is in memory")
                    }
                    _ => assert!(
                        !engine.eligibility().rules().iter().any(|r| r.id == name),
                        "a failed rule {name} is in memory"
                    ),
                }
                say(format!("fail {kind} {name} {}", e.to_string().replace('\n', " ")));
                assert!(!after_free, "{kind} {name} failed with space available again: {e}");
                fails += 1;
            }
        }
        if after_free {
            calls_after_free += 1;
            if calls_after_free == 6 {
                break;
            }
        } else if fails >= max_fails {
            match &filler {
                Some(filler) => {
                    std::fs::remove_file(filler).expect("remove the filler");
                    say("freed".into());
                    after_free = true;
                }
                None => break,
            }
        }
    }
    say("done".into());
}

/// Runs the child with `envs` (through `sh -c` when `shell` is given: e.g. a `ulimit`) and parses
/// what it reported.
fn run_child(dir: &Path, envs: &[(&str, String)], shell: Option<&str>) -> (Vec<Call>, String) {
    let exe = std::env::current_exe().expect("the test binary");
    let args = ["--exact", "child_workload", "--nocapture", "--test-threads=1"];
    let mut command = match shell {
        Some(prefix) => {
            let mut c = std::process::Command::new("sh");
            c.arg("-c").arg(format!("{prefix}; exec \"$0\" \"$@\"")).arg(&exe).args(args);
            c
        }
        None => {
            let mut c = std::process::Command::new(&exe);
            c.args(args);
            c
        }
    };
    command.env(CHILD, dir);
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let log = format!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the child failed ({}):\n{log}", output.status);
    let mut calls = Vec::new();
    let mut after_free = false;
    for line in stdout.lines().filter_map(|l| l.strip_prefix("@ ")) {
        let words: Vec<&str> = line.splitn(4, ' ').collect();
        match words[..] {
            ["freed"] => after_free = true,
            [outcome @ ("ack" | "fail"), kind, name, ref rest @ ..] => calls.push(Call {
                acked: outcome == "ack",
                kind: kind.into(),
                name: name.into(),
                text: rest.concat(),
                after_free,
            }),
            _ => {}
        }
    }
    (calls, log)
}

/// Reopens the store (with space, without the shim) and checks it against what the child reported:
/// every acknowledged call is there, every failed one wholly or not at all, the audit chain is whole
/// and SQLite finds the file intact. Returns how many failed calls were found whole after all.
fn verify_workload(dir: &Path, calls: &[Call], log: &str) -> usize {
    let engine =
        Engine::open(config(dir)).unwrap_or_else(|e| panic!("the store does not reopen: {e}\n{log}"));
    let mut whole_failed = 0;
    for (i, call) in calls.iter().enumerate() {
        let name = &call.name;
        let event = match call.kind.as_str() {
            "provision" => "credential.provision",
            "tier" => "tier.set",
            _ => "rule.add",
        };
        let query = AuditQuery {
            subject: Some(name.clone()),
            event_prefix: Some(event.into()),
            ..AuditQuery::default()
        };
        let records = engine.audit().query(&query).expect("audit_query").len();
        let present = match call.kind.as_str() {
            "provision" => {
                let (credentials, tier) = (engine.access().credentials(name), engine.tiers().of(name));
                assert_eq!(credentials.is_ok(), tier.is_ok(), "{call:?}: half a provisioning\n{log}");
                if let Ok(c) = &credentials {
                    assert_eq!(c.tier, "premium", "{call:?}");
                }
                if call.acked {
                    let request = LogonRequest {
                        sender_comp_id: &format!("FP_{}", name.to_uppercase()),
                        target_comp_id: "FIXPROV",
                        password: call.text.as_bytes(),
                        username: None,
                        peer: None,
                    };
                    let session = engine
                        .access()
                        .logon(&request)
                        .unwrap_or_else(|e| panic!("{call:?}: logon {e:?}\n{log}"));
                    engine.sessions().close(session).expect("close");
                }
                credentials.is_ok()
            }
            "tier" => match engine.tiers().get(name) {
                Ok(t) => {
                    let n: usize = name[1..].parse().expect("a call number");
                    assert_eq!(t.spec, tier_of(n), "{call:?}: another definition\n{log}");
                    true
                }
                Err(_) => false,
            },
            _ => match engine.eligibility().rules().into_iter().find(|r| &r.id == name) {
                Some(rule) => {
                    let written =
                        fixprov::cold::rules::parse_rule(&rule_document(name)).expect("the document");
                    assert_eq!(rule, written, "{call:?}: another rule\n{log}");
                    true
                }
                None => false,
            },
        };
        assert_eq!(
            records, present as usize,
            "{call:?} (call {i}): the audit log disagrees with the change\n{log}"
        );
        if call.acked {
            assert!(present, "{call:?} (call {i}) was acknowledged and is lost\n{log}");
        } else if present {
            whole_failed += 1;
        }
    }
    let audit = engine.audit().verify().expect("audit_verify");
    assert!(audit.ok, "the audit chain is broken: {:?}\n{log}", audit.problems);
    drop(engine);
    let conn = rusqlite::Connection::open(dir.join("fixprov.db")).expect("open the database");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok", "{log}");
    whole_failed
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = temp_dir("tmpfs");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "fixprov-test"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status();
        if status.is_ok_and(|s| s.success()) {
            Some(Tmpfs(dir))
        } else {
            let _ = std::fs::remove_dir(&dir);
            None
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = std::process::Command::new("umount").arg(&self.0).status().is_ok_and(|s| s.success());
        if !unmounted {
            let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_full_disk_fails_calls_cleanly() {
    let base = workload_base();
    let started = Instant::now();
    let (calls, log, dir, mode, _mount, _cleanup);
    // FIXPROV_DISKFULL_NO_MOUNT=1 takes the fallback even where a tmpfs could be mounted.
    let mount = std::env::var_os("FIXPROV_DISKFULL_NO_MOUNT").is_none().then(|| Tmpfs::mount("1m")).flatten();
    if let Some(tmpfs) = mount {
        dir = tmpfs.0.join("store");
        std::fs::create_dir_all(&dir).expect("create the store directory");
        std::fs::write(dir.join("fixprov.db"), base).expect("copy the store");
        let filler = tmpfs.0.join("filler");
        (calls, log) = run_child(&dir, &[("FIXPROV_CORRUPTION_FILLER", filler.display().to_string())], None);
        mode = "a full 1 MiB tmpfs";
        (_mount, _cleanup) = (Some(tmpfs), None);
    } else {
        // No permission to mount: a child whose files may not grow past 64 KiB (128 blocks of 512
        // bytes; 128 KiB where sh counts in KiB): the WAL grows from nothing, writes past the limit
        // fail with EFBIG, SIGXFSZ ignored.
        dir = temp_dir("rlimit");
        std::fs::write(dir.join("fixprov.db"), base).expect("copy the store");
        (calls, log) = run_child(&dir, &[], Some("trap '' XFSZ; ulimit -f 128"));
        mode = "RLIMIT_FSIZE, no tmpfs mounted";
        (_mount, _cleanup) = (None, Some(Cleanup(dir.clone())));
    }
    let failed: Vec<&Call> = calls.iter().filter(|c| !c.acked).collect();
    assert!(!failed.is_empty(), "no call failed on a full disk:\n{log}");
    for call in &failed {
        assert!(!call.after_free, "{call:?} failed after space came back:\n{log}");
    }
    assert!(log.contains("disk is full") || log.contains("storage error"), "{log}");
    let whole = verify_workload(&dir, &calls, &log);
    println!(
        "full disk ({mode}): {} calls acknowledged ({} after space came back), {} failed ({whole} of them \
         found whole at reopen; the first with \"{}\") in {:.1?}",
        calls.iter().filter(|c| c.acked).count(),
        calls.iter().filter(|c| c.acked && c.after_free).count(),
        failed.len(),
        failed[0].text,
        started.elapsed()
    );
}

const FSYNC_SHIM: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <stdatomic.h>
static atomic_long calls;
/* The Nth call and, with FIXPROV_FSYNC_PERSISTENT=1, every later one fail with EIO. */
static int fail_now(void) {
    long n = atomic_fetch_add(&calls, 1) + 1;
    const char *after = getenv("FIXPROV_FSYNC_FAIL_AT");
    const char *persistent = getenv("FIXPROV_FSYNC_PERSISTENT");
    if (!after) return 0;
    long at = atol(after);
    return persistent && persistent[0] == '1' ? n >= at : n == at;
}
int fsync(int fd) {
    if (fail_now()) { errno = EIO; return -1; }
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}
int fdatasync(int fd) {
    if (fail_now()) { errno = EIO; return -1; }
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}
"#;

#[test]
fn a_failing_fsync_fails_calls_cleanly() {
    let base = workload_base();
    let work = temp_dir("fsync");
    let _cleanup = Cleanup(work.clone());
    std::fs::write(work.join("shim.c"), FSYNC_SHIM).expect("write the shim");
    let shim = work.join("shim.so");
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&shim)
        .arg(work.join("shim.c"))
        .arg("-ldl")
        .output();
    match built {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("the fsync shim does not compile:\n{}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            println!("fsync: skipped, no C compiler ({e})");
            return;
        }
    }
    let started = Instant::now();
    let max = env_u64("FIXPROV_FSYNC_MAX").unwrap_or(8);
    let (mut runs, mut acked, mut failed, mut whole) = (0, 0, 0, 0);
    for persistent in [false, true] {
        for at in 1..=max {
            let dir = work.join(format!("store-{at}-{persistent}"));
            std::fs::create_dir_all(&dir).expect("create the store directory");
            std::fs::write(dir.join("fixprov.db"), base).expect("copy the store");
            let envs = [
                ("LD_PRELOAD", shim.display().to_string()),
                ("FIXPROV_FSYNC_FAIL_AT", at.to_string()),
                ("FIXPROV_FSYNC_PERSISTENT", (persistent as u8).to_string()),
                ("FIXPROV_CORRUPTION_MAX_CALLS", "12".into()),
                ("FIXPROV_CORRUPTION_MAX_FAILS", "3".into()),
            ];
            let (calls, log) = run_child(&dir, &envs, None);
            let log = format!("fsync #{at} fails (persistent: {persistent}):\n{log}");
            assert!(log.contains("@ opened") || log.contains("@ open-failed"), "{log}");
            if persistent {
                // From the failing fsync on, no call may be acknowledged once one failed.
                if let Some(first) = calls.iter().position(|c| !c.acked) {
                    assert!(
                        calls[first..].iter().all(|c| !c.acked),
                        "acknowledged after a failed fsync:\n{log}"
                    );
                }
            }
            whole += verify_workload(&dir, &calls, &log);
            runs += 1;
            acked += calls.iter().filter(|c| c.acked).count();
            failed += calls.iter().filter(|c| !c.acked).count();
            std::fs::remove_dir_all(&dir).expect("remove the store");
        }
    }
    assert!(failed > 0, "no call ever failed: the shim did not take effect");
    println!(
        "fsync: {runs} runs (the Nth fsync failing, N = 1..={max}, once or from then on) in {:.1?}: {acked} \
         calls acknowledged, {failed} failed ({whole} of them found whole at reopen)",
        started.elapsed()
    );
}

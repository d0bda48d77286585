//! Crash safety of the store. A child process provisions, regenerates, revokes, sets expiries and adds
//! allow-list rules in a loop on ONE data directory and is killed with SIGKILL at a random moment (while
//! opening, during a commit, or between), round after round. Each call is journaled (fsynced before the
//! next) once it returned Ok, and a call on an existing user is journaled as `begin ...` first. After
//! every kill this proves: the store opens and SQLite's `integrity_check` says "ok"; every acknowledged
//! user is there with its SenderCompID and tier, its last password logs on (or answers Revoked once
//! revoked), the one before it is refused, its expiry and allow-list are as set; a call cut short by
//! the kill is wholly there or wholly absent (the next child then redoes it). The store may hold more
//! than the journal (a kill between a commit and its journal line), never less.
//!
//! `child_worker` does nothing unless `FIXPROV_CRASH_CHILD` names the data directory. Knobs:
//! `FIXPROV_CRASH_ROUNDS` (default 50; 1000 for a long campaign) and `FIXPROV_CRASH_SEED`.
#![cfg(unix)]

use fixprov::cold::{attempts::AttemptPolicy, store::DB_FILE};
use fixprov::{
    ClockConfig, Config, CredentialStatus as Status, Engine, LogonRefusal as Refusal, LogonRequest,
};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CHILD: &str = "FIXPROV_CRASH_CHILD";
const MASTER: &[u8] = b"crash-test-master";
/// Every rule covers the address the checks log on from, so no rule refuses a logon.
const RULES: [&str; 3] = ["127.0.0.1", "127.0.0.0/8", "127.0.0.0/16"];
/// From this many users on, provisioning and revoking slow down thirtyfold and tenfold, so that a long
/// campaign's population (and the checks after each kill) grows slowly.
const MANY_USERS: usize = 300;

/// xorshift64, reduced below `n`: enough randomness to choose calls and kill times.
fn below(x: &mut u64, n: u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x % n
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v:?}: {e}")))
}

fn open(dir: &Path, logon_attempts: AttemptPolicy) -> fixprov::Result<Engine> {
    Engine::open(Config {
        data_dir: Some(dir.to_path_buf()),
        master_password: Some(fixprov::Secret::new(MASTER.to_vec())),
        clock: ClockConfig::Manual(fixprov::ManualClock::new(0)),
        logon_attempts,
        default_rules: false,
        ..Config::default()
    })
}

/// What the journal says about one user.
#[derive(Debug, Default)]
struct Known {
    tier: String,
    sender: String,
    passwords: Vec<String>,
    revoked: bool,
    expiry: Option<u64>,
    allow: Vec<String>,
    /// A call begun but not acknowledged, with its argument: only a kill leaves one.
    pending: Option<(String, String)>,
}

/// The journal replayed: users, rounds whose worker opened the store, acknowledged calls.
#[derive(Default)]
struct State {
    users: BTreeMap<String, Known>,
    opened: u64,
    acked: u64,
}

impl State {
    /// Replays the complete lines of `text` (a torn last line is the kill's and is ignored).
    fn replay(text: &str) -> State {
        let mut state = State::default();
        text[..complete_len(text)].lines().for_each(|line| state.apply(line));
        state
    }

    fn apply(&mut self, line: &str) {
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            ["open", _] => self.opened += 1,
            ["begin", op, user, ref arg @ ..] => {
                self.users.get_mut(user).unwrap_or_else(|| bad(line)).pending =
                    Some((op.into(), arg.concat()))
            }
            ["provision", user, tier, sender, password] => {
                let (tier, sender, passwords) = (tier.into(), sender.into(), vec![password.into()]);
                self.users.insert(user.into(), Known { tier, sender, passwords, ..Known::default() });
                self.acked += 1;
            }
            [op, user, ref arg @ ..] => {
                let k = self.users.get_mut(user).unwrap_or_else(|| bad(line));
                match (op, arg) {
                    ("regen", [password]) => k.passwords.push(password.to_string()),
                    ("revoke", []) => k.revoked = true,
                    ("expiry", [at]) => k.expiry = at.parse().ok(),
                    ("allow", [rule]) if !k.allow.iter().any(|r| r == rule) => k.allow.push(rule.to_string()),
                    ("allow", [_]) => {}
                    _ => bad(line),
                }
                (k.pending, self.acked) = (None, self.acked + 1);
            }
            _ => bad(line),
        }
    }
}

fn bad(line: &str) -> ! {
    panic!("bad journal line {line:?}")
}

fn complete_len(text: &str) -> usize {
    text.rfind('\n').map_or(0, |i| i + 1)
}

/// Appends `line` to the journal and fsyncs it, then applies it to `state`.
fn log(file: &mut File, state: &mut State, line: String) {
    file.write_all(format!("{line}\n").as_bytes()).expect("append to the journal");
    file.sync_data().expect("fsync the journal");
    state.apply(&line);
}

/// Runs `op` on the existing `user`, journaled as begun, then as acknowledged.
fn perform(engine: &Engine, file: &mut File, state: &mut State, user: &str, op: &str, arg: &str) {
    log(file, state, format!("begin {op} {user} {arg}"));
    let done = match op {
        "regen" => {
            let password = engine.regenerate_password(user, Duration::ZERO).expect("regenerate");
            format!("{user} {}", std::str::from_utf8(password.expose()).expect("an ASCII password"))
        }
        "revoke" => engine.revoke(user).map(|()| user.to_owned()).expect("revoke"),
        "expiry" => {
            engine.set_expiry(user, arg.parse().ok()).map(|()| format!("{user} {arg}")).expect("expiry")
        }
        _ => engine.ip_allow(user, arg).map(|_| format!("{user} {arg}")).expect("ip_allow"),
    };
    log(file, state, format!("{op} {done}"));
}

/// The child: works on the store until it is killed. Does nothing in a normal test run.
#[test]
fn child_worker() {
    let Some(dir) = std::env::var_os(CHILD).map(PathBuf::from) else { return };
    let round = env_u64("FIXPROV_CRASH_CHILD_ROUND").expect("the round");
    let mut rng = env_u64("FIXPROV_CRASH_CHILD_SEED").expect("the seed") | 1;
    let path = dir.join("journal.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut file = OpenOptions::new().create(true).append(true).open(&path).expect("open the journal");
    // Drop a line torn by the last kill, so that the next one does not run on from it.
    file.set_len(complete_len(&text) as u64).expect("truncate a torn line");
    let mut state = State::replay(&text);
    let engine = open(&dir, AttemptPolicy::default()).expect("the worker opens the store");
    log(&mut file, &mut state, format!("open {round}"));
    // First redo what the last kill cut short: each of these calls may be repeated.
    let pending: Vec<_> =
        state.users.iter().filter_map(|(u, k)| Some((u.clone(), k.pending.clone()?))).collect();
    for (user, (op, arg)) in pending {
        perform(&engine, &mut file, &mut state, &user, &op, &arg);
    }
    for i in 0.. {
        let active: Vec<String> =
            state.users.iter().filter(|(_, k)| !k.revoked).map(|(u, _)| u.clone()).collect();
        let (choice, many) = (below(&mut rng, 100), state.users.len() >= MANY_USERS);
        if active.is_empty() || choice < if many { 1 } else { 30 } {
            let (user, tier) = (format!("u{round}-{i}"), ["basic", "premium"][below(&mut rng, 2) as usize]);
            let c = engine.provision(&user, Some(tier)).expect("provision");
            let password = std::str::from_utf8(c.password.expose()).expect("an ASCII password");
            log(&mut file, &mut state, format!("provision {user} {tier} {} {password}", c.sender_comp_id));
            continue;
        }
        let user = &active[below(&mut rng, active.len() as u64) as usize];
        let (op, arg) = match choice {
            60 => ("revoke", String::new()),
            61..=69 if !many => ("revoke", String::new()),
            70..=72 => ("expiry", "none".to_owned()),
            // 2100 or later: logons keep working.
            73..=79 => ("expiry", (4_102_444_800_000 + below(&mut rng, 1 << 20)).to_string()),
            80..=89 => ("allow", RULES[below(&mut rng, RULES.len() as u64) as usize].to_owned()),
            _ => ("regen", String::new()),
        };
        perform(&engine, &mut file, &mut state, user, op, &arg);
    }
}

/// Logs on from 127.0.0.1 and closes the session at once (a basic user may hold only one).
fn logon(engine: &Engine, sender_comp_id: &str, password: &[u8]) -> Result<(), Refusal> {
    let peer = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let request = LogonRequest { sender_comp_id, target_comp_id: "FIXPROV", password, username: None, peer };
    engine.logon(&request).map(|s| _ = engine.session_close(s).expect("close the session"))
}

/// Opens the store after a kill and checks it against the journal; returns the journal's state and
/// how long the open took.
fn verify(dir: &Path, round: u64) -> (State, Duration) {
    let state = State::replay(&std::fs::read_to_string(dir.join("journal.txt")).unwrap_or_default());
    // Old passwords are tried on purpose: lock nobody out.
    let attempts = AttemptPolicy { max_failures: 1_000_000, ..AttemptPolicy::default() };
    let started = Instant::now();
    let engine =
        open(dir, attempts).unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
    let took = started.elapsed();
    for (user, k) in &state.users {
        let ctx = format!("round {round} in {}, {user} {k:?}", dir.display());
        let info = engine.credentials(user).unwrap_or_else(|e| panic!("{ctx}: acknowledged user lost: {e}"));
        assert_eq!((&info.sender_comp_id, &info.tier), (&k.sender, &k.tier), "{ctx}");
        let (op, arg) = k.pending.as_ref().map_or(("", ""), |(op, arg)| (op.as_str(), arg.as_str()));
        let revoked = info.status == Status::Revoked;
        assert!(revoked == k.revoked || (op == "revoke" && revoked), "{ctx}: {:?}", info.status);
        let expiry = info.expires_unix_ms;
        assert!(expiry == k.expiry || (op == "expiry" && expiry == arg.parse().ok()), "{ctx}: {expiry:?}");
        let extra: Vec<&String> = info.ip_allow.iter().filter(|r| !k.allow.contains(r)).collect();
        let allow_ok = k.allow.iter().all(|r| info.ip_allow.contains(r))
            && (extra.is_empty() || (op == "allow" && extra == [arg]));
        assert!(allow_ok, "{ctx}: allow-list {:?}", info.ip_allow);
        let logon = |password: &str| logon(&engine, &k.sender, password.as_bytes());
        let last = logon(k.passwords.last().expect("a provisioned user has a password"));
        let last_ok = match last {
            Ok(()) => !revoked,
            Err(Refusal::Revoked) => revoked,
            // The kill fell after a regeneration committed and before it was journaled.
            Err(Refusal::BadCredentials) => op == "regen",
            Err(_) => false,
        };
        assert!(last_ok, "{ctx}: the last acknowledged password got {last:?}");
        if let [.., older, _] = &k.passwords[..] {
            assert_eq!(logon(older), Err(Refusal::BadCredentials), "{ctx}: a replaced password");
        }
    }
    drop(engine);
    let db = rusqlite::Connection::open(dir.join(DB_FILE)).expect("open the database file");
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok", "round {round}: integrity_check");
    (state, took)
}

#[test]
fn crash_rounds_lose_nothing_acknowledged() {
    let rounds = env_u64("FIXPROV_CRASH_ROUNDS").unwrap_or(50);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    let seed = env_u64("FIXPROV_CRASH_SEED").unwrap_or(now.as_nanos() as u64);
    let mut rng = seed | 1;
    let dir = std::env::temp_dir().join(format!("fixprov-crash-{}-{seed}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the data directory");
    let exe = std::env::current_exe().expect("the test binary's path");
    let started = Instant::now();
    let (mut state, mut open_ms, mut open_total) = (State::default(), 0, Duration::ZERO);
    for round in 0..rounds {
        let log = File::create(dir.join("child.log")).expect("create the child's log");
        let mut child = std::process::Command::new(&exe)
            .args(["--exact", "child_worker", "--nocapture", "--test-threads=1"])
            .env(CHILD, &dir)
            .env("FIXPROV_CRASH_CHILD_ROUND", round.to_string())
            .env("FIXPROV_CRASH_CHILD_SEED", below(&mut rng, u64::MAX).to_string())
            .stdout(log.try_clone().expect("share the log"))
            .stderr(log)
            .spawn()
            .expect("start the worker");
        // One round in three aims at start-up and the open (as long as the last one took), the others
        // anywhere from 5 ms to the open plus 150 ms of work.
        let us = |ms: u64| ms * 1000;
        let kill_at = match below(&mut rng, 3) {
            0 => below(&mut rng, us(open_ms + 3)),
            _ => us(5) + below(&mut rng, us(open_ms + 146)),
        };
        std::thread::sleep(Duration::from_micros(kill_at));
        child.kill().expect("SIGKILL the worker");
        let status = child.wait().expect("reap the worker");
        let log = std::fs::read_to_string(dir.join("child.log")).unwrap_or_default();
        assert_eq!(status.signal(), Some(9), "round {round}: the worker died by itself:\n{log}");
        let took;
        (state, took) = verify(&dir, round);
        (open_ms, open_total) = (took.as_millis() as u64, open_total + took);
    }
    let (elapsed, acked, users, opened) = (started.elapsed(), state.acked, state.users.len(), state.opened);
    println!(
        "crash: {rounds} rounds (seed {seed}) in {elapsed:.1?}: {acked} acknowledged calls on {users} users; \
         {} kills before the worker had opened the store, {opened} after; verifying opens took {:.1?} each",
        rounds - opened,
        open_total / rounds.max(1) as u32,
    );
    assert!(acked >= rounds * 3 / 5, "the workers made too little progress: {acked} calls");
    std::fs::remove_dir_all(&dir).expect("remove the data directory");
}

//! Crash safety of the store. A child process works on ONE data directory in a loop and is killed with
//! SIGKILL at a random moment (while opening, during a commit, or between), round after round. Its
//! calls: provisioning, regenerating, revoking, setting expiries and adding allow-list rules; adding,
//! removing, enabling and disabling eligibility rules; defining tiers and moving users between them
//! (each of these through the Engine API or, at random, through `fixprov::admin::Admin::handle`); and audit
//! traffic: logons (accepted and refused), sessions opened, killed and closed, admin requests refused,
//! which the housekeeper writes every few milliseconds, so kills land in those writes too.
//!
//! Each call is journaled (fsynced before the next) once it returned Ok, and a call that changes
//! something is journaled as `begin ...` first. Audit traffic is asynchronous: the child flushes it,
//! reads the newest refused logon back from the audit log, and only then journals it as `flushed`.
//! After every kill this proves: the store opens and SQLite's `integrity_check` says "ok"; every
//! acknowledged user is there with its SenderCompID and tier, its last password logs on (or answers
//! Revoked once revoked), the one before it is refused, its expiry and allow-list are as set; the rule
//! set and the custom tiers are exactly as journaled; every flushed audit record is there and
//! `audit_verify` finds the chain whole. A call cut short by the kill is wholly there or wholly absent
//! (the next child then redoes it). The store may hold more than the journal (a kill between a commit
//! and its journal line), never less.
//!
//! `child_worker` does nothing unless `FIXPROV_CRASH_CHILD` names the data directory. Knobs:
//! `FIXPROV_CRASH_ROUNDS` (default 50; 1000 for a long campaign) and `FIXPROV_CRASH_SEED`.
#![cfg(unix)]

use fixprov::admin::{Actor, Role};
use fixprov::cold::audit::AuditQuery;
use fixprov::cold::rules::{parse_rule, Rule};
use fixprov::cold::{attempts::AttemptPolicy, store::DB_FILE};
use fixprov::{
    ClockConfig, Config, CredentialStatus as Status, Engine, LogonRefusal as Refusal, LogonRequest, MsgClass,
    TierSpec,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One request through a fresh admin part of `engine` (what `fixprov_admin_request` does on the
/// engine's own).
fn handle(engine: &Engine, actor: &Actor, method: &str, path: &str, body: &[u8]) -> fixprov::admin::Response {
    fixprov::admin::Admin::new(engine).handle(actor, method, path, body)
}

const CHILD: &str = "FIXPROV_CRASH_CHILD";
const MASTER: &[u8] = b"crash-test-master";
/// Every rule covers the address the checks log on from, so no rule refuses a logon.
const RULES: [&str; 3] = ["127.0.0.1", "127.0.0.0/8", "127.0.0.0/16"];
/// From this many users on, provisioning and revoking slow down thirtyfold and tenfold, so that a long
/// campaign's population (and the checks after each kill) grows slowly.
const MANY_USERS: usize = 300;
/// The eligibility rules the workers add and remove, `r0` to `r5`. Each is `groups none_of
/// ["banned-<k>"]`, which every account without facts passes: provisioning is never refused.
const RULE_IDS: u64 = 6;
/// The custom tiers the workers define and redefine, beside the four defaults.
const TIERS: [&str; 3] = ["t0", "t1", "t2"];
/// Where the workers' refused logons come from (not the address the good ones use).
const BAD_PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

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

fn open(dir: &Path, logon_attempts: AttemptPolicy, housekeeping: Duration) -> fixprov::Result<Engine> {
    Engine::open(Config {
        data_dir: Some(dir.to_path_buf()),
        master_password: Some(fixprov::Secret::new(MASTER.to_vec())),
        clock: ClockConfig::Manual(fixprov::ManualClock::new(0)),
        logon_attempts,
        expiry_sweep: housekeeping,
        default_rules: false,
        ..Config::default()
    })
}

/// Old passwords and unknown CompIDs are tried on purpose: lock nobody out.
fn lenient() -> AttemptPolicy {
    AttemptPolicy { max_failures: 1_000_000, ..AttemptPolicy::default() }
}

/// The rule `id` as the workers write it.
fn rule_document(id: &str, banned: &str) -> String {
    format!(r#"{{"id": "{id}", "groups": {{"none_of": ["banned-{banned}"]}}}}"#)
}

fn rule(id: &str, banned: &str, enabled: bool) -> Rule {
    let mut rule = parse_rule(&rule_document(id, banned)).expect("a valid rule document");
    rule.enabled = enabled;
    rule
}

fn tier_spec(numbers: &[&str]) -> TierSpec {
    let n: Vec<u64> = numbers.iter().map(|n| n.parse().expect("a tier number")).collect();
    TierSpec::new(n[0], n[1], n[2] as u32, n[3])
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

/// The journal replayed: users, rules, tiers, rounds whose worker opened the store, acknowledged calls.
#[derive(Default)]
struct State {
    users: BTreeMap<String, Known>,
    /// Rule id -> (its banned group, enabled).
    rules: BTreeMap<String, (String, bool)>,
    /// Custom tier -> its numbers (orders/s, messages/s, max sessions, burst).
    tiers: BTreeMap<String, [String; 4]>,
    /// A rule or tier call begun but not acknowledged (its journal words after `begin`).
    pending: Option<Vec<String>>,
    /// SenderCompIDs of refused logons whose audit records were read back after a flush.
    flushed: Vec<String>,
    opened: u64,
    acked: u64,
}

/// Calls on the rule set and the tier table, as opposed to calls on one user.
fn global(op: &str) -> bool {
    matches!(op, "ruleadd" | "ruleremove" | "ruleenable" | "tierset")
}

impl State {
    /// Replays the complete lines of `text` (a torn last line is the kill's and is ignored).
    fn replay(text: &str) -> State {
        let mut state = State::default();
        text[..complete_len(text)].lines().for_each(|line| state.apply(line));
        state
    }

    fn apply(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            ["open", _] => self.opened += 1,
            ["flushed", sender] => self.flushed.push(sender.to_owned()),
            ["begin", op, ..] if global(op) => {
                self.pending = Some(words[1..].iter().map(|w| w.to_string()).collect())
            }
            ["begin", op, user, ref arg @ ..] => {
                self.users.get_mut(user).unwrap_or_else(|| bad(line)).pending =
                    Some((op.into(), arg.concat()))
            }
            ["provision", user, tier, sender, password] => {
                let (tier, sender, passwords) = (tier.into(), sender.into(), vec![password.into()]);
                self.users.insert(user.into(), Known { tier, sender, passwords, ..Known::default() });
                self.acked += 1;
            }
            [op, ref args @ ..] if global(op) => {
                match (op, args) {
                    ("ruleadd", [id, banned]) => {
                        _ = self.rules.insert(id.to_string(), (banned.to_string(), true))
                    }
                    ("ruleremove", [id]) => _ = self.rules.remove(*id),
                    ("ruleenable", [id, on]) => {
                        self.rules.get_mut(*id).unwrap_or_else(|| bad(line)).1 = *on == "1";
                    }
                    ("tierset", [name, a, b, c, d]) => {
                        let numbers = [a, b, c, d].map(|n| n.to_string());
                        self.tiers.insert(name.to_string(), numbers);
                    }
                    _ => bad(line),
                }
                (self.pending, self.acked) = (None, self.acked + 1);
            }
            [op, user, ref arg @ ..] => {
                let k = self.users.get_mut(user).unwrap_or_else(|| bad(line));
                match (op, arg) {
                    ("regen", [password]) => k.passwords.push(password.to_string()),
                    ("revoke", []) => k.revoked = true,
                    ("expiry", [at]) => k.expiry = at.parse().ok(),
                    ("allow", [rule]) if !k.allow.iter().any(|r| r == rule) => k.allow.push(rule.to_string()),
                    ("allow", [_]) => {}
                    ("usertier", [tier]) => k.tier = tier.to_string(),
                    _ => bad(line),
                }
                (k.pending, self.acked) = (None, self.acked + 1);
            }
            _ => bad(line),
        }
    }

    /// The rule set the journal describes, and the one a pending call would make of it.
    fn rules_expected(&self) -> (BTreeMap<String, Rule>, Option<BTreeMap<String, Rule>>) {
        let expected: BTreeMap<String, Rule> =
            self.rules.iter().map(|(id, (banned, on))| (id.clone(), rule(id, banned, *on))).collect();
        let mut other = expected.clone();
        match self.pending.as_deref() {
            Some([op, id, banned]) if op == "ruleadd" => _ = other.insert(id.clone(), rule(id, banned, true)),
            Some([op, id]) if op == "ruleremove" => _ = other.remove(id),
            Some([op, id, on]) if op == "ruleenable" => {
                other.get_mut(id).expect("a journaled rule").enabled = on == "1";
            }
            _ => return (expected, None),
        }
        (expected, Some(other))
    }

    /// The custom tiers the journal describes, and what a pending call would make of them.
    fn tiers_expected(&self) -> (BTreeMap<String, TierSpec>, Option<BTreeMap<String, TierSpec>>) {
        let spec = |n: &[String; 4]| tier_spec(&n.iter().map(String::as_str).collect::<Vec<_>>());
        let expected: BTreeMap<String, TierSpec> =
            self.tiers.iter().map(|(name, n)| (name.clone(), spec(n))).collect();
        match self.pending.as_deref() {
            Some([op, name, numbers @ ..]) if op == "tierset" => {
                let mut other = expected.clone();
                other
                    .insert(name.clone(), tier_spec(&numbers.iter().map(String::as_str).collect::<Vec<_>>()));
                (expected, Some(other))
            }
            _ => (expected, None),
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

/// One admin request as the host's own tooling would make it (a null body sends none).
fn admin(engine: &Engine, role: Role, method: &str, path: &str, body: Value) -> fixprov::admin::Response {
    let actor = Actor { name: "crash-ops".into(), role, source: "127.0.0.1".into() };
    let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
    handle(engine, &actor, method, path, &body)
}

/// An admin POST that must succeed.
fn admin_ok(engine: &Engine, path: &str, body: Value) {
    let r = admin(engine, Role::Admin, "POST", path, body);
    assert_eq!(r.status, 200, "POST {path}: {}", r.body);
}

/// Runs `op` on the existing `user`, journaled as begun, then as acknowledged; through the admin
/// command layer when `via_admin` (for the calls it has a route for).
fn perform(
    engine: &Engine,
    file: &mut File,
    state: &mut State,
    user: &str,
    op: &str,
    arg: &str,
    via_admin: bool,
) {
    log(file, state, format!("begin {op} {user} {arg}"));
    let done = match op {
        "regen" => {
            let password = engine.access().regenerate_password(user, Duration::ZERO).expect("regenerate");
            format!("{user} {}", std::str::from_utf8(password.expose()).expect("an ASCII password"))
        }
        "revoke" => engine.access().revoke(user).map(|()| user.to_owned()).expect("revoke"),
        "expiry" => engine
            .access()
            .set_expiry(user, arg.parse().ok())
            .map(|()| format!("{user} {arg}"))
            .expect("expiry"),
        "usertier" if via_admin => {
            admin_ok(engine, "/admin/fix/rate-limits/update", json!({"user": user, "tier": arg}));
            format!("{user} {arg}")
        }
        "usertier" => engine.tiers().assign(user, arg).map(|()| format!("{user} {arg}")).expect("user tier"),
        _ => engine.access().ip_allow(user, arg).map(|_| format!("{user} {arg}")).expect("ip_allow"),
    };
    log(file, state, format!("{op} {done}"));
}

/// Runs a call on the rule set or the tier table (`words`: the call and its arguments), journaled as
/// begun, then as acknowledged. Each may be repeated: an add of a rule that is there, or a removal of
/// one that is not, is the redo of a call the last kill cut short after it committed.
fn perform_global(engine: &Engine, file: &mut File, state: &mut State, words: &[String], via_admin: bool) {
    let line = words.join(" ");
    log(file, state, format!("begin {line}"));
    let has = |id: &str| engine.eligibility().rules().iter().any(|r| r.id == id);
    match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["ruleadd", id, banned] if !has(id) => {
            let document = rule_document(id, banned);
            if via_admin {
                let r = handle(engine, &Actor::host(), "POST", "/admin/fix/rules/add", document.as_bytes());
                assert_eq!(r.status, 200, "rules/add: {}", r.body);
            } else {
                engine.eligibility().rule_add(&document).expect("rule_add");
            }
        }
        ["ruleremove", id] if has(id) => match via_admin {
            true => admin_ok(engine, "/admin/fix/rules/remove", json!({"id": id})),
            false => engine.eligibility().rule_remove(id).expect("rule_remove"),
        },
        ["ruleenable", id, on] => match via_admin {
            true => admin_ok(
                engine,
                &format!("/admin/fix/rules/{}", ["disable", "enable"][(on == "1") as usize]),
                json!({"id": id}),
            ),
            false => engine.eligibility().rule_enable(id, on == "1").expect("rule_enable"),
        },
        ["tierset", name, ref numbers @ ..] => {
            let spec = tier_spec(numbers);
            match via_admin {
                true => admin_ok(engine, "/admin/fix/rate-limits/tiers", json!({"name": name, "spec": spec})),
                false => engine.tiers().set(name, spec).expect("tier_set"),
            }
        }
        ["ruleadd", ..] | ["ruleremove", _] => {}
        _ => bad(&line),
    }
    log(file, state, line);
}

/// Logs on from 127.0.0.1 and closes the session at once (a basic user may hold only one).
fn logon(engine: &Engine, sender_comp_id: &str, password: &[u8]) -> Result<(), Refusal> {
    let peer = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let request = LogonRequest { sender_comp_id, target_comp_id: "FIXPROV", password, username: None, peer };
    engine.access().logon(&request).map(|s| _ = engine.sessions().close(s).expect("close the session"))
}

/// Audit traffic, written by the housekeeper: logons refused and accepted, sessions opened, killed and
/// closed, admin requests refused and answered; or a flush whose newest refused logon is read back
/// and journaled as `flushed`.
fn audit_traffic(
    engine: &Engine,
    file: &mut File,
    state: &mut State,
    rng: &mut u64,
    active: &[String],
    tag: &str,
) {
    let user = &active[below(rng, active.len() as u64) as usize];
    match below(rng, 7) {
        0 | 1 => {
            for j in 0..1 + below(rng, 4) {
                let sender = format!("BAD{tag}X{j}");
                let request = LogonRequest {
                    sender_comp_id: &sender,
                    target_comp_id: "FIXPROV",
                    password: b"not the password",
                    username: None,
                    peer: Some(BAD_PEER),
                };
                assert_eq!(engine.access().logon(&request), Err(Refusal::UnknownCompId));
            }
        }
        2 => {
            let k = &state.users[user];
            let peer = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
            let password = k.passwords.last().expect("a password").as_bytes();
            let request = LogonRequest {
                sender_comp_id: &k.sender,
                target_comp_id: "FIXPROV",
                password,
                username: None,
                peer,
            };
            let session = engine.access().logon(&request).unwrap_or_else(|e| panic!("{user} {k:?}: {e:?}"));
            for _ in 0..below(rng, 30) {
                engine.check(session, MsgClass::Order);
            }
            engine.sessions().close(session).expect("close");
        }
        3 => {
            // A session opened without a logon, killed by an operator, then closed.
            let Ok(session) = engine.sessions().open(user) else { return };
            match below(rng, 2) {
                0 => admin_ok(engine, "/admin/fix/sessions/kill", json!({"session": session})),
                _ => _ = engine.sessions().kill_user(user).expect("user_kill"),
            }
            engine.sessions().close(session).expect("close");
        }
        4 => {
            // Refused (recorded as admin.refused) and read-only requests.
            let r = admin(
                engine,
                Role::Viewer,
                "POST",
                "/admin/fix/rules/add",
                json!({"id": "x", "min_kyc_level": 1}),
            );
            assert_eq!(r.status, 403);
            let r =
                admin(engine, Role::Admin, "POST", "/admin/fix/rate-limits/update", json!({"user": user}));
            assert_eq!(r.status, 400);
            let path =
                ["/admin/fix/stats", "/admin/fix/rules", "/admin/fix/credentials"][below(rng, 3) as usize];
            assert_eq!(admin(engine, Role::Viewer, "GET", path, Value::Null).status, 200);
        }
        _ => flush_and_confirm(engine, file, state, tag),
    }
}

/// Queues one refused logon, flushes the audit queue, reads the record back, and journals it.
fn flush_and_confirm(engine: &Engine, file: &mut File, state: &mut State, tag: &str) {
    let sender = format!("BAD{tag}F");
    let started = Instant::now();
    let request = LogonRequest {
        sender_comp_id: &sender,
        target_comp_id: "FIXPROV",
        password: b"x",
        username: None,
        peer: Some(BAD_PEER),
    };
    assert_eq!(engine.access().logon(&request), Err(Refusal::UnknownCompId));
    // The record is dated when the housekeeper writes it, after this (a second of margin).
    let from = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    let query = AuditQuery {
        event_prefix: Some("logon.refused".into()),
        subject: Some(String::new()),
        from_unix_ms: Some(from.as_millis() as u64 - 1_000),
        ..AuditQuery::default()
    };
    loop {
        engine.audit().flush().expect("flush the audit queue");
        // audit_flush may return while a housekeeper tick is still writing the events it took (see
        // `audit_flush_waits_for_a_housekeeper_write`): read back until the record is there.
        let mut page = query.clone();
        let mut found = false;
        loop {
            let records = engine.audit().query(&page).expect("audit_query");
            let Some(last) = records.last() else { break };
            page.after_seq = Some(last.seq);
            found |= records.iter().any(|r| r.details["sender_comp_id"] == sender.as_str());
        }
        if found {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the flushed logon record never appeared");
        std::thread::sleep(Duration::from_millis(1));
    }
    log(file, state, format!("flushed {sender}"));
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
    // The housekeeper writes queued audit records every 5 ms, so that kills land in its writes too.
    let engine = open(&dir, lenient(), Duration::from_millis(5)).expect("the worker opens the store");
    log(&mut file, &mut state, format!("open {round}"));
    // First redo what the last kill cut short: each of these calls may be repeated.
    if let Some(words) = state.pending.clone() {
        perform_global(&engine, &mut file, &mut state, &words, false);
    }
    let pending: Vec<_> =
        state.users.iter().filter_map(|(u, k)| Some((u.clone(), k.pending.clone()?))).collect();
    for (user, (op, arg)) in pending {
        perform(&engine, &mut file, &mut state, &user, &op, &arg, false);
    }
    for i in 0.. {
        let active: Vec<String> =
            state.users.iter().filter(|(_, k)| !k.revoked).map(|(u, _)| u.clone()).collect();
        let (choice, many) = (below(&mut rng, 100), state.users.len() >= MANY_USERS);
        if active.is_empty() || choice < if many { 1 } else { 30 } {
            let (user, tier) = (format!("u{round}-{i}"), ["basic", "premium"][below(&mut rng, 2) as usize]);
            let c = engine.access().provision(&user, Some(tier)).expect("provision");
            let password = std::str::from_utf8(c.password.expose()).expect("an ASCII password");
            log(&mut file, &mut state, format!("provision {user} {tier} {} {password}", c.sender_comp_id));
            continue;
        }
        let via_admin = below(&mut rng, 2) == 0;
        match below(&mut rng, 10) {
            // Calls on the rule set: add an absent rule; remove, enable or disable a present one.
            5 | 6 => {
                let id = format!("r{}", below(&mut rng, RULE_IDS));
                let words = match state.rules.get(&id) {
                    None => vec!["ruleadd".into(), id, below(&mut rng, 1000).to_string()],
                    Some(_) if below(&mut rng, 3) == 0 => vec!["ruleremove".into(), id],
                    Some((_, on)) => vec!["ruleenable".into(), id, if *on { "0" } else { "1" }.into()],
                };
                perform_global(&engine, &mut file, &mut state, &words, via_admin);
            }
            // Tiers: define or redefine a custom tier, or move a user to another tier.
            7 => {
                let defined: Vec<String> = state.tiers.keys().cloned().collect();
                if defined.is_empty() || below(&mut rng, 2) == 0 {
                    let name = TIERS[below(&mut rng, TIERS.len() as u64) as usize];
                    let orders = 1 + below(&mut rng, 1000);
                    let (messages, sessions, burst) =
                        (orders + below(&mut rng, 1000), 1 + below(&mut rng, 20), 1 + below(&mut rng, 100));
                    let mut words = vec!["tierset".to_owned(), name.to_owned()];
                    words.extend([orders, messages, sessions, burst].map(|n| n.to_string()));
                    perform_global(&engine, &mut file, &mut state, &words, via_admin);
                } else {
                    let user = &active[below(&mut rng, active.len() as u64) as usize];
                    let mut tiers = defined;
                    tiers.extend(["basic", "standard", "premium"].map(String::from));
                    let tier = tiers[below(&mut rng, tiers.len() as u64) as usize].clone();
                    perform(&engine, &mut file, &mut state, user, "usertier", &tier, via_admin);
                }
            }
            8 | 9 => {
                audit_traffic(&engine, &mut file, &mut state, &mut rng, &active, &format!("{round}-{i}"))
            }
            // The original calls on users.
            _ => {
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
                perform(&engine, &mut file, &mut state, user, op, &arg, false);
            }
        }
    }
}

/// What the parent has read of the audit log so far: the highest sequence number scanned and the
/// SenderCompIDs of the refused logons up to it.
#[derive(Default)]
struct AuditSeen {
    seq: i64,
    refused: HashSet<String>,
}

/// Opens the store after a kill and checks it against the journal; returns the journal's state, how
/// long the open took, and how many audit records the chain has.
fn verify(dir: &Path, round: u64, seen: &mut AuditSeen) -> (State, Duration, u64) {
    let state = State::replay(&std::fs::read_to_string(dir.join("journal.txt")).unwrap_or_default());
    let started = Instant::now();
    let engine = open(dir, lenient(), Duration::from_millis(200))
        .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
    let took = started.elapsed();
    for (user, k) in &state.users {
        let ctx = format!("round {round} in {}, {user} {k:?}", dir.display());
        let info = engine
            .access()
            .credentials(user)
            .unwrap_or_else(|e| panic!("{ctx}: acknowledged user lost: {e}"));
        let (op, arg) = k.pending.as_ref().map_or(("", ""), |(op, arg)| (op.as_str(), arg.as_str()));
        assert_eq!(info.sender_comp_id, k.sender, "{ctx}");
        assert!(info.tier == k.tier || (op == "usertier" && info.tier == arg), "{ctx}: tier {}", info.tier);
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
    let ctx = format!("round {round} in {}, pending {:?}", dir.display(), state.pending);
    let rules: BTreeMap<String, Rule> =
        engine.eligibility().rules().into_iter().map(|r| (r.id.clone(), r)).collect();
    let (expected, other) = state.rules_expected();
    assert!(
        rules == expected || Some(&rules) == other.as_ref(),
        "{ctx}: rules {rules:?}, journal {expected:?}"
    );
    let tiers: BTreeMap<String, TierSpec> =
        TIERS.iter().filter_map(|t| Some((t.to_string(), engine.tiers().get(t).ok()?.spec))).collect();
    let (expected, other) = state.tiers_expected();
    assert!(
        tiers == expected || Some(&tiers) == other.as_ref(),
        "{ctx}: tiers {tiers:?}, journal {expected:?}"
    );
    let audit = engine.audit().verify().unwrap_or_else(|e| panic!("{ctx}: audit_verify: {e}"));
    assert!(audit.ok, "{ctx}: the audit chain is broken: {:?}", audit.problems);
    drop(engine);
    let db = rusqlite::Connection::open(dir.join(DB_FILE)).expect("open the database file");
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok", "round {round}: integrity_check");
    let mut stmt = db
        .prepare(
            "SELECT seq, json_extract(record, '$.details.sender_comp_id') FROM audit
             WHERE seq > ?1 AND event = 'logon.refused'",
        )
        .expect("prepare");
    let rows =
        stmt.query_map([seen.seq], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).expect("query");
    for row in rows {
        let (seq, sender) = row.expect("an audit row");
        seen.seq = seen.seq.max(seq);
        seen.refused.insert(sender);
    }
    for sender in &state.flushed {
        assert!(seen.refused.contains(sender), "{ctx}: the flushed audit record of {sender} is lost");
    }
    (state, took, audit.records)
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
    let mut seen = AuditSeen::default();
    // Kills that fell while a call was in flight (begun, not acknowledged): on users, on rules or tiers.
    let (mut in_flight_user, mut in_flight_global, mut records) = (0, 0, 0);
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
        let opened_before = state.opened;
        let took;
        (state, took, records) = verify(&dir, round, &mut seen);
        // This round's worker began a call and was killed before it was acknowledged.
        let journal = std::fs::read_to_string(dir.join("journal.txt")).unwrap_or_default();
        let last = journal[..complete_len(&journal)].lines().last().unwrap_or_default().to_owned();
        if state.opened > opened_before && last.starts_with("begin ") {
            match last.split_whitespace().nth(1).is_some_and(global) {
                true => in_flight_global += 1,
                false => in_flight_user += 1,
            }
        }
        (open_ms, open_total) = (took.as_millis() as u64, open_total + took);
    }
    let (elapsed, acked, users, opened) = (started.elapsed(), state.acked, state.users.len(), state.opened);
    println!(
        "crash: {rounds} rounds (seed {seed}) in {elapsed:.1?}: {acked} acknowledged calls on {users} users, \
         {} rules, {} custom tiers, {} flushed audit records read back, {records} audit records; \
         {} kills before the worker had opened the store, {opened} after ({in_flight_user} during a call on \
         a user, {in_flight_global} during a rule or tier call); verifying opens took {:.1?} each",
        state.rules.len(),
        state.tiers.len(),
        state.flushed.len(),
        rounds - opened,
        open_total / rounds.max(1) as u32,
    );
    assert!(acked >= rounds * 3 / 5, "the workers made too little progress: {acked} calls");
    std::fs::remove_dir_all(&dir).expect("remove the data directory");
}

/// `audit_flush` says it writes the queued events now. When a housekeeper tick has just taken them off
/// the queue and is still writing them, it finds the queue empty and returns at once, before they
/// are committed. The housekeeper here ticks every millisecond; each logon is followed by a flush and
/// a read of the database from a second connection.
#[test]
fn audit_flush_waits_for_a_housekeeper_write() {
    let dir = std::env::temp_dir().join(format!("fixprov-crash-flush-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine = open(&dir, lenient(), Duration::from_millis(1)).expect("open");
    let db = rusqlite::Connection::open(dir.join(DB_FILE)).expect("open the database file");
    let mut missing = Vec::new();
    for i in 0..300 {
        let sender = format!("FLUSH{i}");
        let request = LogonRequest {
            sender_comp_id: &sender,
            target_comp_id: "FIXPROV",
            password: b"x",
            username: None,
            peer: None,
        };
        assert!(engine.access().logon(&request).is_err());
        // Let the housekeeper's next tick fall between the logon and the flush now and then.
        std::thread::sleep(Duration::from_micros(700));
        engine.audit().flush().expect("flush");
        let n: i64 = db
            .query_row(
                "SELECT count(*) FROM audit WHERE json_extract(record, '$.details.sender_comp_id') = ?1",
                [&sender],
                |r| r.get(0),
            )
            .expect("count");
        if n == 0 {
            missing.push(i);
        }
    }
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        missing.is_empty(),
        "{} of 300 flushed logons were not in the store yet: {missing:?}",
        missing.len()
    );
}

//! Load and soak, alone in their binary (they count threads; a mutex keeps the two apart).
//!
//! * `load_counts_add_up_and_no_session_exceeds_its_rate`: checker threads call `check_at` at full
//!   speed on sessions they own, each on its own clock (it advances by random steps, so sessions are
//!   admitted, throttled and escalated to DISCONNECT); an admin thread meanwhile provisions, kills
//!   checkers' sessions, redefines their tiers, moves their users between tiers and changes rules
//!   (through the Engine API and `fixprov::admin::Admin::handle`); a storm thread makes thousands of logons a
//!   second, most with wrong passwords or unknown CompIDs from many addresses. Afterwards: each
//!   session's own counters equal what its checker saw (admitted messages and orders, THROTTLED and
//!   DISCONNECT answers; with KILLED answers they add up to every check sent, and nothing answered
//!   STALE); the engine's statistics equal the sums, per user and in total, and its logon counts equal
//!   the storm's; no session ever admitted more than `burst + rate * t` messages (or orders) over
//!   any window of its checker's clock in which its policy did not change (every window, checked with
//!   a running minimum); and `audit_verify` finds the chain whole.
//! * `soak_leaves_no_thread_and_no_memory_behind` (in a child process of its own): engines (in memory, and every tenth time on a
//!   store), sessions, logons and admin servers (with an HTTP request each) are opened and closed in a
//!   loop. After a warm-up, the thread count must come back to exactly its baseline and the resident
//!   memory must not grow past the warm-up's high-water mark by more than max(2 MiB, 5%). glibc's
//!   malloc runs with fixed mmap and trim thresholds of 128 KiB (see below), so freed large blocks
//!   go back to the system and the resident size tracks live memory: one leaked engine is its 8 MiB
//!   session table (caught at once), one leaked thread is counted exactly, and the allowance absorbs
//!   small-block fragmentation; a steady leak is caught once it passes 2 MiB (about 20 KiB an iteration
//!   in the CI run, 1 KiB in a minute's run). The per-iteration trend (a least-squares slope over the
//!   samples) is reported too.
//!
//! Both run for a few seconds; `FIXPROV_SOAK_SECS` makes each run that long.

use fixprov::admin::{Actor, Role};
use fixprov::cold::audit::AuditQuery;
use fixprov::{Config, Engine, LogonRefusal, LogonRequest, MsgClass, Secret, TierSpec, Verdict};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// One request through a fresh admin part of `engine` (what `fixprov_admin_request` does on the
/// engine's own).
fn handle(engine: &Engine, actor: &Actor, method: &str, path: &str, body: &[u8]) -> fixprov::admin::Response {
    fixprov::admin::Admin::new(engine).handle(actor, method, path, body)
}

/// The two tests count threads and memory: one at a time.
static ALONE: Mutex<()> = Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ALONE.lock().unwrap_or_else(|p| p.into_inner())
}

fn duration(default: Duration) -> Duration {
    std::env::var("FIXPROV_SOAK_SECS")
        .ok()
        .map_or(default, |s| Duration::from_secs(s.parse().expect("seconds")))
}

/// xorshift64, reduced below `n`.
fn below(x: &mut u64, n: u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x % n
}

fn seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_nanos() as u64
        | 1
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("fixprov-soak-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ----- load -----

/// The tiers the checkers' users move between.
const LOAD_TIERS: [&str; 3] = ["load-a", "load-b", "load-c"];

/// A random tier: rates from 20/s to 2,020/s, bursts of 1 to 60, escalation off or after 20 to 200
/// violations within 100 ms to 1 s, and one in three with an account limit on orders.
fn random_tier(rng: &mut u64) -> TierSpec {
    let orders = 20 + below(rng, 1_000);
    let escalation = below(rng, 3) != 0;
    TierSpec {
        orders_per_sec: orders,
        messages_per_sec: orders + below(rng, 1_000),
        max_sessions: 4,
        order_burst: 1 + below(rng, 30),
        message_burst: 1 + below(rng, 60),
        escalation_threshold: if escalation { 20 + below(rng, 180) as u32 } else { 0 },
        escalation_window_ms: 100 + below(rng, 900) as u32,
        // One tier in three also limits the account (its orders): fewer admissions, never more.
        account: if below(rng, 3) == 0 {
            fixprov::AccountLimits {
                orders_per_sec: 20 + below(rng, 1_000),
                order_burst: 1 + below(rng, 30),
                ..Default::default()
            }
        } else {
            fixprov::AccountLimits::NONE
        },
    }
}

/// What the checkers know of policies: the spec of each load tier and the tier of each checker user,
/// and an epoch that is odd while the admin thread changes one of them.
#[derive(Default)]
struct Policies {
    epoch: AtomicU64,
    tiers: RwLock<HashMap<String, TierSpec>>,
    users: RwLock<HashMap<String, String>>,
}

impl Policies {
    fn spec_of(&self, user: &str) -> TierSpec {
        let tier = self.users.read().expect("users")[user].clone();
        self.tiers.read().expect("tiers")[&tier]
    }

    /// Runs a change to a checker's policy between two epoch bumps.
    fn change<R>(&self, f: impl FnOnce() -> R) -> R {
        self.epoch.fetch_add(1, SeqCst);
        let r = f();
        self.epoch.fetch_add(1, SeqCst);
        r
    }
}

/// `admitted <= burst + rate * t` over every window of one bucket's admissions: with admission `i` at
/// `t_i`, a window from admission `j` to `i` holds `i - j + 1` of them, so the bound is
/// `key_i - key_j <= (burst - 1) * 1e9` with `key_k = k * 1e9 - rate * t_k`: keep the least key.
struct Bound {
    rate: i128,
    burst: i128,
    admitted: i128,
    least: i128,
}

impl Bound {
    fn new(rate: u64, burst: u64) -> Bound {
        Bound { rate: rate as i128, burst: burst as i128, admitted: 0, least: i128::MAX }
    }

    fn admit(&mut self, now_ns: u64) -> Result<(), String> {
        let key = self.admitted * 1_000_000_000 - self.rate * now_ns as i128;
        self.least = self.least.min(key);
        self.admitted += 1;
        if key - self.least > (self.burst - 1) * 1_000_000_000 {
            return Err(format!(
                "admission {} at {now_ns} ns exceeds burst {} + rate {}/s over a window",
                self.admitted, self.burst, self.rate
            ));
        }
        Ok(())
    }
}

/// One session as its checker sees it.
struct Owned {
    user: String,
    handle: u64,
    sent: u64,
    ok: u64,
    ok_orders: u64,
    throttled: u64,
    disconnects: u64,
    killed: u64,
    /// The epoch the bounds were started in, and the message and order bounds; `None` after a check
    /// that raced a policy change (the next check starts afresh).
    bounds: Option<(u64, Bound, Bound)>,
    windows_checked: u64,
}

/// What a checker thread reports.
#[derive(Default)]
struct CheckerReport {
    checks: u64,
    sessions: u64,
    kills_seen: u64,
    disconnects_seen: u64,
    tracked: u64,
    /// Per user: admitted messages, orders, throttled, disconnects over its closed sessions.
    per_user: BTreeMap<String, [u64; 4]>,
    problems: Vec<String>,
}

fn open_session(engine: &Engine, user: &str) -> u64 {
    engine.sessions().open(user).unwrap_or_else(|e| panic!("open a session for {user}: {e}"))
}

/// Closes `s` and compares its own counters with what the checker saw.
fn settle(engine: &Engine, s: &Owned, report: &mut CheckerReport) {
    let c = engine.sessions().close(s.handle).expect("close a checker's session");
    let seen = (s.ok, s.ok_orders, s.throttled, s.disconnects);
    if (c.messages, c.orders, c.throttled, c.disconnects) != seen {
        report.problems.push(format!("{}: session counters {c:?}, the checker saw {seen:?}", s.user));
    }
    if s.ok + s.throttled + s.disconnects + s.killed != s.sent {
        report.problems.push(format!(
            "{}: {} answers for {} checks",
            s.user,
            s.ok + s.throttled + s.disconnects + s.killed,
            s.sent
        ));
    }
    let sums = report.per_user.entry(s.user.clone()).or_default();
    for (sum, n) in sums.iter_mut().zip([c.messages, c.orders, c.throttled, c.disconnects]) {
        *sum += n;
    }
    report.sessions += 1;
    report.tracked += s.windows_checked;
}

fn checker(
    engine: &Engine,
    policies: &Policies,
    users: Vec<String>,
    kills_seen: &AtomicU64,
    stop: &AtomicBool,
    mut rng: u64,
) -> CheckerReport {
    let mut report = CheckerReport::default();
    let fresh = |user: &String| Owned {
        user: user.clone(),
        handle: open_session(engine, user),
        sent: 0,
        ok: 0,
        ok_orders: 0,
        throttled: 0,
        disconnects: 0,
        killed: 0,
        bounds: None,
        windows_checked: 0,
    };
    let mut sessions: Vec<Owned> = users.iter().map(fresh).collect();
    // Each session is checked once a round: a 600th of a second per round on average offers around
    // 600 messages a second per session, against tiers of 20 to 2,020.
    let mean_round_ns = 1_000_000_000 / 600;
    let mean_step = (mean_round_ns / sessions.len() as u64).max(1);
    let mut now: u64 = 1_000_000_000;
    while !stop.load(SeqCst) {
        for i in 0..sessions.len() {
            now += below(&mut rng, 2 * mean_step + 1);
            let class = if below(&mut rng, 3) == 0 { MsgClass::Order } else { MsgClass::Other };
            let s = &mut sessions[i];
            let before = policies.epoch.load(SeqCst);
            let verdict = engine.check_at(s.handle, class, now);
            let after = policies.epoch.load(SeqCst);
            s.sent += 1;
            report.checks += 1;
            match verdict {
                Verdict::Ok => {
                    s.ok += 1;
                    s.ok_orders += (class == MsgClass::Order) as u64;
                }
                Verdict::Throttled => s.throttled += 1,
                Verdict::Disconnect => s.disconnects += 1,
                Verdict::Killed => s.killed += 1,
                Verdict::Stale => report.problems.push(format!("{}: STALE for a session it owns", s.user)),
            }
            // Bounds cover only checks wholly inside one policy epoch.
            if before != after || before % 2 == 1 {
                s.bounds = None;
            } else {
                if s.bounds.as_ref().is_none_or(|(epoch, _, _)| *epoch != before) {
                    let spec = policies.spec_of(&s.user);
                    // The spec was read after the check: if the epoch moved meanwhile, start afresh at
                    // the next check.
                    s.bounds = (policies.epoch.load(SeqCst) == before).then(|| {
                        let messages = Bound::new(spec.messages_per_sec, spec.message_burst);
                        (before, messages, Bound::new(spec.orders_per_sec, spec.order_burst))
                    });
                }
                if let (Verdict::Ok, Some((_, messages, orders))) = (verdict, s.bounds.as_mut()) {
                    let mut result = messages.admit(now);
                    if class == MsgClass::Order {
                        result = result.and(orders.admit(now));
                    }
                    s.windows_checked += 1;
                    if let Err(e) = result {
                        report.problems.push(format!("{}: {e}", s.user));
                        s.bounds = None;
                    }
                }
            }
            // A killed or escalated session is logged out; the peer logs on again.
            if matches!(verdict, Verdict::Killed | Verdict::Disconnect) {
                report.kills_seen += (verdict == Verdict::Killed) as u64;
                kills_seen.fetch_add((verdict == Verdict::Killed) as u64, SeqCst);
                report.disconnects_seen += (verdict == Verdict::Disconnect) as u64;
                let dead = std::mem::replace(s, fresh(&users[i]));
                settle(engine, &dead, &mut report);
            }
        }
    }
    for s in &sessions {
        settle(engine, s, &mut report);
    }
    report
}

/// What the storm thread did: logons sent, accepted, refused by reason.
#[derive(Default)]
struct StormReport {
    sent: u64,
    accepted: u64,
    refused: BTreeMap<String, u64>,
}

fn storm(
    engine: &Engine,
    good: &[(String, Vec<u8>)],
    victims: &[String],
    stop: &AtomicBool,
    mut rng: u64,
) -> StormReport {
    let mut report = StormReport::default();
    let good_peer: IpAddr = "192.0.2.10".parse().expect("an address");
    let started = Instant::now();
    while !stop.load(SeqCst) {
        let choice = below(&mut rng, 100);
        let peer = IpAddr::from([
            10,
            below(&mut rng, 256) as u8,
            below(&mut rng, 256) as u8,
            below(&mut rng, 256) as u8,
        ]);
        let unknown = format!("NOBODY{}", below(&mut rng, 10_000));
        let (sender, password, peer): (&str, &[u8], IpAddr) = match choice {
            // The right password from an address that never fails: accepted.
            0..=9 => {
                let (sender, password) = &good[below(&mut rng, good.len() as u64) as usize];
                (sender, password, good_peer)
            }
            10..=29 => (&unknown, b"guess", peer),
            _ => (&victims[below(&mut rng, victims.len() as u64) as usize], b"wrong password", peer),
        };
        let request = LogonRequest {
            sender_comp_id: sender,
            target_comp_id: "FIXPROV",
            password,
            username: None,
            peer: Some(peer),
        };
        report.sent += 1;
        match engine.access().logon(&request) {
            Ok(session) => {
                report.accepted += 1;
                engine.sessions().close(session).expect("close a storm session");
            }
            Err(refusal) => {
                let name =
                    serde_json::to_value(refusal).expect("a refusal").as_str().expect("a name").to_owned();
                *report.refused.entry(name).or_default() += 1;
            }
        }
        // About 5,000 logons a second.
        if report.sent % 50 == 0 {
            let due = Duration::from_micros(report.sent * 200);
            if let Some(ahead) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(ahead);
            }
        }
    }
    report
}

/// What the admin thread did, by kind.
type AdminReport = BTreeMap<&'static str, u64>;

fn admin(
    engine: &Engine,
    policies: &Policies,
    checker_users: &[String],
    stop: &AtomicBool,
    mut rng: u64,
) -> AdminReport {
    let mut report = AdminReport::new();
    let actor = Actor { name: "load-ops".into(), role: Role::Admin, source: "127.0.0.1".into() };
    let post = |path: &str, body: serde_json::Value| {
        let r = handle(engine, &actor, "POST", path, body.to_string().as_bytes());
        assert!(r.status == 200, "POST {path}: {}", r.body);
        r
    };
    let mut own: Vec<String> = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    for i in 0.. {
        if stop.load(SeqCst) {
            break;
        }
        let kind = match below(&mut rng, 12) {
            0 => {
                let user = format!("adm{i}");
                if below(&mut rng, 2) == 0 {
                    engine.access().provision(&user, Some("standard")).expect("provision");
                } else {
                    post("/admin/fix/provision", json!({"user": user, "tier": "standard"}));
                }
                own.push(user);
                "provision"
            }
            1 if !own.is_empty() => {
                let user = &own[below(&mut rng, own.len() as u64) as usize];
                let _ = engine.access().regenerate_password(user, Duration::ZERO);
                let _ = engine.sessions().reset_user_violations(user);
                "regenerate"
            }
            2 | 3 => {
                let tier = LOAD_TIERS[below(&mut rng, LOAD_TIERS.len() as u64) as usize];
                let spec = random_tier(&mut rng);
                let via_admin = below(&mut rng, 2) == 0;
                policies.change(|| {
                    if via_admin {
                        post("/admin/fix/rate-limits/tiers", json!({"name": tier, "spec": spec}));
                    } else {
                        engine.tiers().set(tier, spec).expect("tier_set");
                    }
                    policies.tiers.write().expect("tiers").insert(tier.to_owned(), spec);
                });
                "tier redefined"
            }
            4 | 5 => {
                let user = &checker_users[below(&mut rng, checker_users.len() as u64) as usize];
                let tier = LOAD_TIERS[below(&mut rng, LOAD_TIERS.len() as u64) as usize];
                let via_admin = below(&mut rng, 2) == 0;
                policies.change(|| {
                    if via_admin {
                        post("/admin/fix/rate-limits/update", json!({"user": user, "tier": tier}));
                    } else {
                        engine.tiers().assign(user, tier).expect("user_set_tier");
                    }
                    policies.users.write().expect("users").insert(user.clone(), tier.to_owned());
                });
                "user moved"
            }
            6 => {
                let sessions = engine.sessions().list(None);
                let checkers: Vec<_> = sessions.iter().filter(|s| s.user.starts_with("chk")).collect();
                if checkers.is_empty() {
                    continue;
                }
                let victim = checkers[below(&mut rng, checkers.len() as u64) as usize];
                // The checker may just have closed it: a stale handle is fine.
                match below(&mut rng, 3) {
                    0 => _ = engine.sessions().kill(victim.session),
                    1 => {
                        _ = handle(
                            engine,
                            &actor,
                            "POST",
                            "/admin/fix/sessions/kill",
                            json!({"session": victim.session}).to_string().as_bytes(),
                        )
                    }
                    _ => _ = engine.sessions().kill_user(&victim.user).expect("user_kill"),
                }
                "kill"
            }
            7 => {
                let id = format!("load-rule-{}", below(&mut rng, 4));
                if rules.contains(&id) {
                    if below(&mut rng, 2) == 0 {
                        post("/admin/fix/rules/remove", json!({"id": id}));
                        rules.retain(|r| *r != id);
                    } else {
                        engine.eligibility().rule_enable(&id, below(&mut rng, 2) == 0).expect("rule_enable");
                    }
                } else {
                    engine
                        .eligibility()
                        .rule_add(&format!(r#"{{"id": "{id}", "groups": {{"none_of": ["banned"]}}}}"#))
                        .expect("rule_add");
                    rules.push(id);
                }
                "rule changed"
            }
            8 => {
                for path in ["/admin/fix/stats", "/metrics", "/admin/fix/sessions", "/admin/fix/rate-limits"]
                {
                    let r = handle(engine, &actor, "GET", path, b"");
                    assert_eq!(r.status, 200, "GET {path}");
                }
                "read"
            }
            _ => {
                std::thread::sleep(Duration::from_millis(1));
                "pause"
            }
        };
        *report.entry(kind).or_default() += 1;
        std::thread::sleep(Duration::from_micros(500));
    }
    report
}

#[test]
fn load_counts_add_up_and_no_session_exceeds_its_rate() {
    let _alone = alone();
    let run_for = duration(Duration::from_secs(3));
    let dir = TempDir::new("load");
    let engine = Engine::open(Config {
        data_dir: Some(dir.0.clone()),
        master_password: Some(Secret::new(b"load master".to_vec())),
        default_rules: false,
        ..Config::default()
    })
    .expect("open");
    let mut rng = seed();
    let policies = Policies::default();
    for tier in LOAD_TIERS {
        let spec = random_tier(&mut rng);
        engine.tiers().set(tier, spec).expect("tier");
        policies.tiers.write().expect("tiers").insert(tier.into(), spec);
    }
    let (threads, per_thread) = (3, 40);
    let mut checker_users = Vec::new();
    for t in 0..threads {
        for k in 0..per_thread {
            let (user, tier) = (format!("chk{t}-{k}"), LOAD_TIERS[(t + k) % LOAD_TIERS.len()]);
            engine.tiers().assign(&user, tier).expect("a checker user");
            policies.users.write().expect("users").insert(user.clone(), tier.into());
            checker_users.push(user);
        }
    }
    let good: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| {
            let c = engine.access().provision(&format!("good{i}"), Some("premium")).expect("provision");
            (c.sender_comp_id, c.password.expose().to_vec())
        })
        .collect();
    let victims: Vec<String> = (0..50)
        .map(|i| engine.access().provision(&format!("victim{i}"), None).expect("provision").sender_comp_id)
        .collect();

    let stop = AtomicBool::new(false);
    let kills_seen = AtomicU64::new(0);
    let started = Instant::now();
    let (reports, storm_report, admin_report) = std::thread::scope(|scope| {
        let checkers: Vec<_> = (0..threads)
            .map(|t| {
                let users = checker_users[t * per_thread..(t + 1) * per_thread].to_vec();
                let (engine, policies, kills_seen, stop, seed) =
                    (&engine, &policies, &kills_seen, &stop, below(&mut rng, u64::MAX) | 1);
                scope.spawn(move || checker(engine, policies, users, kills_seen, stop, seed))
            })
            .collect();
        let storm = {
            let (engine, good, victims, stop, seed) =
                (&engine, &good, &victims, &stop, below(&mut rng, u64::MAX) | 1);
            scope.spawn(move || storm(engine, good, victims, stop, seed))
        };
        let admin = {
            let (engine, policies, users, stop, seed) =
                (&engine, &policies, &checker_users, &stop, below(&mut rng, u64::MAX) | 1);
            scope.spawn(move || admin(engine, policies, users, stop, seed))
        };
        std::thread::sleep(run_for);
        // The admin thread kills at random (about one step in twelve), and a kill can miss (the
        // checker just closed that session): where a slow run (a sanitizer's) saw no kill land
        // yet, it goes on until one does, for at most ten times as long.
        while kills_seen.load(SeqCst) == 0 && started.elapsed() < run_for * 10 {
            std::thread::sleep(Duration::from_millis(20));
        }
        stop.store(true, SeqCst);
        let reports: Vec<CheckerReport> =
            checkers.into_iter().map(|c| c.join().expect("a checker")).collect();
        (reports, storm.join().expect("the storm"), admin.join().expect("the admin thread"))
    });
    let elapsed = started.elapsed();

    let problems: Vec<&String> = reports.iter().flat_map(|r| &r.problems).collect();
    assert!(
        problems.is_empty(),
        "{} problems, the first ones:\n{:#?}",
        problems.len(),
        &problems[..problems.len().min(20)]
    );
    // The engine's statistics are the sums of the sessions' counters, per user and in total.
    let stats = engine.stats();
    let mut totals = [0u64; 4];
    for report in &reports {
        for (user, sums) in &report.per_user {
            for (total, n) in totals.iter_mut().zip(sums) {
                *total += n;
            }
            let violations = engine.sessions().user_violations(user).expect("a checker user");
            assert_eq!(violations, sums[2] + sums[3], "{user}: violations");
        }
    }
    let t = &stats.totals;
    assert_eq!([t.messages, t.orders, t.throttled, t.disconnects], totals, "engine totals");
    assert_eq!(t.live_sessions, 0);
    assert_eq!(stats.logons.accepted, storm_report.accepted, "logons accepted");
    assert_eq!(stats.logons.refused, storm_report.refused, "logons refused by reason");
    assert_eq!(storm_report.accepted + storm_report.refused.values().sum::<u64>(), storm_report.sent);
    engine.audit().flush().expect("flush the audit queue");
    let audit = engine.audit().verify().expect("audit_verify");
    assert!(audit.ok, "{:?}", audit.problems);
    let dropped = engine
        .audit()
        .query(&AuditQuery { event_prefix: Some("audit.dropped".into()), ..AuditQuery::default() });
    let dropped = dropped.expect("audit_query").len();

    let checks: u64 = reports.iter().map(|r| r.checks).sum();
    let sum = |f: fn(&CheckerReport) -> u64| reports.iter().map(f).sum::<u64>();
    println!(
        "load: {:.1?}, {threads} checker threads on {} sessions: {checks} checks ({:.1} M/s), {} admitted, {} \
         throttled, {} disconnects; {} sessions closed ({} after a kill, {} after DISCONNECT); {} admissions \
         checked against burst + rate*t; storm {} logons ({:.0}/s): {} accepted, refused {:?}; admin {:?}; \
         audit {} records ({} audit.dropped)",
        elapsed,
        threads * per_thread,
        checks as f64 / elapsed.as_secs_f64() / 1e6,
        totals[0],
        totals[2],
        totals[3],
        sum(|r| r.sessions),
        sum(|r| r.kills_seen),
        sum(|r| r.disconnects_seen),
        sum(|r| r.tracked),
        storm_report.sent,
        storm_report.sent as f64 / elapsed.as_secs_f64(),
        storm_report.accepted,
        storm_report.refused,
        admin_report,
        audit.records,
        dropped,
    );
    assert!(
        sum(|r| r.kills_seen) > 0 && totals[2] > 0 && sum(|r| r.tracked) > 0,
        "the load did not exercise enough"
    );
}

// ----- soak -----

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).expect("a number").parse().expect("kB")
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

/// The thread count once it is at most `expected`, or after 2 s (a joined thread can stay listed in
/// /proc for a moment).
fn settled_threads(expected: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let now = threads();
        if now <= expected || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One HTTP/1.1 request with `Connection: close`; returns the status.
fn http(addr: std::net::SocketAddr, path: &str, token: &str) -> u16 {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// One soak iteration: an engine (on a store when `dir` is given), users, logons, checks, sessions,
/// an admin server with a request, all closed again.
fn soak_once(i: u64, dir: Option<&std::path::Path>) {
    let engine = Engine::open(Config {
        data_dir: dir.map(|d| d.to_owned()),
        master_password: dir.map(|_| Secret::new(b"soak master".to_vec())),
        default_rules: false,
        ..Config::default()
    })
    .expect("open");
    let mut passwords = Vec::new();
    for u in 0..20 {
        let user = format!("soak{i}-{u}");
        let c = engine.access().provision(&user, Some("premium")).expect("provision");
        passwords.push((c.sender_comp_id, c.password));
    }
    let mut sessions = Vec::new();
    for (u, (sender, password)) in passwords.iter().enumerate() {
        // One address per user: five failures from one address lock it out.
        let peer = Some(IpAddr::from([10, 0, u as u8, 1]));
        let request = LogonRequest {
            sender_comp_id: sender,
            target_comp_id: "FIXPROV",
            password: password.expose(),
            username: None,
            peer,
        };
        sessions.push(engine.access().logon(&request).expect("logon"));
        let wrong = LogonRequest { password: b"wrong", ..request };
        assert_eq!(engine.access().logon(&wrong), Err(LogonRefusal::BadCredentials));
    }
    for &s in &sessions {
        for k in 0..300 {
            engine.check(s, if k % 3 == 0 { MsgClass::Order } else { MsgClass::Other });
        }
    }
    engine.sessions().kill(sessions[0]).expect("kill");
    for s in sessions {
        engine.sessions().close(s).expect("close");
    }
    if i % 2 == 0 {
        let token = "0123456789abcdef0123456789abcdef".to_string();
        let tokens = vec![fixprov::admin::http::TokenConfig {
            name: "soak".into(),
            role: Role::Viewer,
            token: token.clone(),
        }];
        let server = fixprov::admin::Admin::new(&engine);
        let addr =
            server.start("127.0.0.1:0".parse().expect("an address"), tokens, false).expect("admin start");
        assert_eq!(http(addr, "/admin/fix/stats", &token), 200);
        if i % 4 == 0 {
            server.stop();
        }
        // Otherwise dropping the admin part stops it.
    }
    engine.audit().flush().expect("flush");
    drop(engine);
}

/// Runs the soak in a child process of its own, so that no other test's heap (freed memory the
/// allocator keeps) or threads blur its figures.
#[test]
fn soak_leaves_no_thread_and_no_memory_behind() {
    let _alone = alone();
    let exe = std::env::current_exe().expect("the test binary");
    let output = std::process::Command::new(exe)
        .args(["--exact", "soak_child", "--nocapture", "--test-threads=1"])
        .env("FIXPROV_SOAK_CHILD", "1")
        // glibc raises its mmap threshold to the size of the largest block freed (up to 32 MiB) and
        // then keeps such blocks in its heaps: one engine's 8 MiB session table, retained once at some
        // point of the run, reads as growth. Fixed thresholds return every block of 128 KiB or more
        // to the system when freed, so the resident size follows what is live.
        .env("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072")
        .output()
        .expect("run the soak");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines().filter_map(|l| l.find("soak:").map(|at| &l[at..])) {
        println!("{line}");
    }
    assert!(
        output.status.success(),
        "the soak failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("soak:"), "the soak did not run:\n{stdout}");
}

/// The soak itself; does nothing unless `FIXPROV_SOAK_CHILD` is set.
#[test]
fn soak_child() {
    if std::env::var_os("FIXPROV_SOAK_CHILD").is_none() {
        return;
    }
    let run_for = duration(Duration::from_secs(4));
    let dir = TempDir::new("soak");
    let started = Instant::now();
    // Warm-up: a fifth of the time, at least ten iterations (the allocator's arenas, the tokio and
    // SQLite first-use allocations, the PBKDF2 path).
    let warm_up = run_for / 5;
    let (mut i, mut high_water) = (0u64, 0u64);
    while i < 10 || started.elapsed() < warm_up {
        let store = (i % 10 == 0).then(|| dir.0.join(format!("w{i}")));
        soak_once(i, store.as_deref());
        high_water = high_water.max(rss_kib());
        i += 1;
    }
    let warm_iterations = i;
    // Threads of the last engine may still be listed for a moment after their join.
    std::thread::sleep(Duration::from_millis(100));
    let baseline_threads = threads();
    let baseline_rss = rss_kib();
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let mut peak = baseline_rss;
    while started.elapsed() < run_for || i < warm_iterations + 10 {
        let store = (i % 10 == 0).then(|| dir.0.join(format!("s{i}")));
        soak_once(i, store.as_deref());
        if let Some(store) = store {
            std::fs::remove_dir_all(store).expect("remove the store");
        }
        let rss = rss_kib();
        peak = peak.max(rss);
        samples.push(((i - warm_iterations) as f64, rss as f64));
        i += 1;
    }
    let end_threads = settled_threads(baseline_threads);
    let end_rss = rss_kib();
    // Least-squares slope of RSS per iteration after the warm-up.
    let n = samples.len() as f64;
    let (mx, my) =
        (samples.iter().map(|s| s.0).sum::<f64>() / n, samples.iter().map(|s| s.1).sum::<f64>() / n);
    let slope = samples.iter().map(|s| (s.0 - mx) * (s.1 - my)).sum::<f64>()
        / samples.iter().map(|s| (s.0 - mx).powi(2)).sum::<f64>().max(1.0);
    let tolerance = (2 * 1024).max(high_water / 20);
    println!(
        "soak: {} iterations ({warm_iterations} warm-up) in {:.1?}: threads {baseline_threads} -> {end_threads}; \
         RSS warm-up high-water {high_water} KiB, after warm-up {baseline_rss} KiB, peak {peak} KiB, end \
         {end_rss} KiB (allowed {} KiB); trend {slope:+.1} KiB/iteration",
        i,
        started.elapsed(),
        high_water + tolerance,
    );
    assert_eq!(end_threads, baseline_threads, "threads before and after the soak");
    assert!(end_rss <= high_water + tolerance, "RSS grew from {high_water} KiB to {end_rss} KiB");
}

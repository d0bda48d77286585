//! Random sequences of C-ABI calls on one engine, against a model of what the README and the header
//! promise, with the invariants checked after every step.
//!
//! Calls: fixprov_provision, fixprov_user_set_tier, fixprov_tier_set, fixprov_logon,
//! fixprov_session_open, fixprov_check_at (single checks, bursts spaced by a time or by a fraction of
//! the bucket interval, and probes at the last refused and first admitted nanosecond, all on the
//! model's clock),
//! fixprov_session_kill, fixprov_user_kill, fixprov_session_close, fixprov_revoke, fixprov_suspend,
//! fixprov_reactivate, fixprov_regenerate_password, fixprov_set_expiry, fixprov_ip_allow,
//! fixprov_ip_disallow, fixprov_session_reset_violations, fixprov_session_get_stats; the engine is
//! built with the Rust API or with fixprov_options_* and fixprov_engine_open, and closed with
//! fixprov_engine_close.
//!
//! Invariants:
//! * every call answers exactly what the model expects (status, out-parameters);
//! * a user never holds more live sessions than its tier's max_sessions allowed at each open, and the
//!   engine's count equals the model's after every step;
//! * a check is admitted exactly when the token buckets say so; independently of that model, per
//!   session and bucket, admitted <= burst + rate * t since the buckets last started afresh;
//! * a revoked or suspended user's logon is refused (REVOKED / SUSPENDED once the password is
//!   proven), and every session it had answers KILLED from then on; killed sessions stay KILLED;
//! * the logon lock-out (5 failures per CompID and per address) is modelled, so a refusal never
//!   comes early or late.
//!
//! `fixprov_session_open` opens a session for any existing user: it does not look at credentials (a
//! host that authenticates on its own uses it), so the model lets it open sessions for revoked or
//! suspended users too; only logon is held to the credential rules.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{Build, Engine, Lockouts, Status};
use fixprov::cold::tiers::DEFAULT_TIERS;
use fixprov::ffi::fixprov_tier_spec;
use fixprov::TierSpec;
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;

const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];
const TIERS: [&str; 6] = ["basic", "standard", "premium", "unlimited", "t0", "t1"];
const RULES: [&str; 4] = ["10.0.0.0/24", "10.0.1.5", "2001:db8::/32", "192.168.1.1"];
const PEERS: [Option<&str>; 9] = [
    None,
    Some("10.0.0.7"),
    Some("10.0.1.5"),
    Some("10.0.1.6:4000"),
    Some("2001:db8::1"),
    Some("[2001:db8::1]:443"),
    Some("::ffff:10.0.0.9"),
    Some("192.168.1.1"),
    Some("172.16.0.1"),
];
/// The model clock's start, in nanoseconds on the sessions' time base.
const START_NS: u64 = 1_000_000_000_000;
/// An expiry long past, and one far ahead (2096).
const PAST_MS: u64 = 1;
const FUTURE_MS: u64 = 4_000_000_000_000;
const OVERLAP_SECS: u32 = 3_600;
const MAX_OPS: usize = 200;
const NS_PER_SEC: u128 = 1_000_000_000;
const WINDOW_MASK: u64 = (1 << 42) - 1;
const COUNT_MAX: u64 = (1 << 22) - 1;

#[derive(Arbitrary, Debug)]
struct Input {
    /// Build the engine with fixprov_engine_open instead of the Rust API.
    c_abi_engine: bool,
    /// Start from u0, u1 and u2 provisioned on basic, standard and premium, each logged on once
    /// (through the same calls and model as the ops).
    prelude: bool,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct SpecIn {
    orders_per_sec: u16,
    messages_per_sec: u16,
    max_sessions: u8,
    order_burst: u16,
    message_burst: u16,
    escalation_threshold: u8,
    escalation_window_ms: u16,
}

#[derive(Arbitrary, Debug)]
enum Pw {
    Current,
    /// The password the last regeneration replaced.
    Previous,
    Wrong(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Sender {
    Own,
    OfUser(u8),
    Unknown,
}

#[derive(Arbitrary, Debug)]
enum Username {
    Absent,
    Own,
    Other,
}

#[derive(Arbitrary, Debug)]
enum Advance {
    None,
    Ns(u16),
    Us(u16),
    Ms(u16),
    Secs(u8),
    /// Check at an earlier time than the clock's (the clock itself stays).
    Back(u32),
}

/// The spacing of a burst of checks: a time, or a fraction of the session's bucket interval plus a
/// few nanoseconds (to land on, just before and just after the instant a token is due).
#[derive(Arbitrary, Debug)]
enum Step {
    Us(u16),
    Intervals { num: u8, den: u8, nudge: i8 },
}

#[derive(Arbitrary, Debug)]
enum Expiry {
    Never,
    Past,
    Future,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Provision {
        user: u8,
        tier: Option<u8>,
    },
    SetTier {
        user: u8,
        tier: u8,
    },
    DefineTier {
        tier: u8,
        spec: SpecIn,
    },
    Logon {
        user: u8,
        password: Pw,
        sender: Sender,
        wrong_target: bool,
        username: Username,
        peer: u8,
    },
    Open {
        user: u8,
    },
    Check {
        session: u8,
        order: bool,
        advance: Advance,
    },
    Burst {
        session: u8,
        order: bool,
        count: u8,
        step: Step,
    },
    /// Checks at the last instant a message is refused and the first it is admitted (by the model).
    Edge {
        session: u8,
        order: bool,
    },
    Kill {
        session: u8,
    },
    KillUser {
        user: u8,
    },
    Close {
        session: u8,
    },
    Revoke {
        user: u8,
    },
    Suspend {
        user: u8,
    },
    Reactivate {
        user: u8,
    },
    Regenerate {
        user: u8,
        overlap: bool,
    },
    SetExpiry {
        user: u8,
        when: Expiry,
    },
    Allow {
        user: u8,
        rule: u8,
    },
    Disallow {
        user: u8,
        rule: u8,
    },
    ResetViolations {
        session: u8,
    },
    Stats {
        session: u8,
    },
    Advance {
        ms: u16,
    },
}

// ----- the model -----

/// One GCRA bucket as published: `interval = ceil(1e9 / rate)`, `limit = burst * interval`; a rate
/// or burst of 0 admits nothing. Equal buckets are equal policies (no restart on a no-op change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bucket {
    interval: u64,
    burst: u64,
}

impl Bucket {
    fn new(rate: u64, burst: u64) -> Bucket {
        let (rate, burst) = (rate.min(1_000_000_000), burst.min(1_000_000_000));
        if rate == 0 || burst == 0 {
            Bucket { interval: 1, burst: 0 }
        } else {
            Bucket { interval: 1_000_000_000u64.div_ceil(rate), burst }
        }
    }

    fn admit(&self, tat: &mut u64, now: u64) -> bool {
        let next = (*tat).max(now).saturating_add(self.interval);
        if next - now > self.interval * self.burst {
            return false;
        }
        *tat = next;
        true
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Policy {
    messages: Bucket,
    orders: Bucket,
    threshold: u32,
    window_ms: u32,
}

fn policy(spec: &TierSpec) -> Policy {
    Policy {
        messages: Bucket::new(spec.messages_per_sec, spec.message_burst),
        orders: Bucket::new(spec.orders_per_sec, spec.order_burst),
        threshold: spec.escalation_threshold,
        window_ms: spec.escalation_window_ms,
    }
}

/// Admissions of one bucket since it last started afresh, for the independent bound.
#[derive(Clone, Copy, Debug, Default)]
struct Admitted {
    count: u64,
    first_ns: u64,
    last_ns: u64,
    /// The rate and burst of the tier spec that set the bucket.
    rate: u64,
    burst: u64,
}

impl Admitted {
    fn fresh(rate: u64, burst: u64) -> Admitted {
        Admitted { count: 0, first_ns: 0, last_ns: 0, rate, burst }
    }

    fn admit(&mut self, now: u64) {
        if self.count == 0 {
            (self.first_ns, self.last_ns) = (now, now);
        }
        self.first_ns = self.first_ns.min(now);
        self.last_ns = self.last_ns.max(now);
        self.count += 1;
        // admitted <= burst + rate * t, in exact integers.
        let t = u128::from(self.last_ns - self.first_ns);
        let allowed = u128::from(self.burst) * NS_PER_SEC + u128::from(self.rate) * t;
        assert!(
            u128::from(self.count) * NS_PER_SEC <= allowed,
            "{} admitted in {t} ns under rate {} burst {}",
            self.count,
            self.rate,
            self.burst
        );
    }
}

#[derive(Debug)]
struct Session {
    handle: u64,
    user: usize,
    open: bool,
    tier: usize,
    policy: Policy,
    msg_tat: u64,
    ord_tat: u64,
    messages: u64,
    orders: u64,
    throttled: u64,
    disconnects: u64,
    window: (u64, u64),
    escalated: bool,
    /// A fixprov_kill_reason; 0 while alive.
    killed: u32,
    bound: [Admitted; 2],
}

impl Session {
    fn set_policy(&mut self, tier: usize, spec: &TierSpec) {
        self.tier = tier;
        self.policy = policy(spec);
        self.msg_tat = 0;
        self.ord_tat = 0;
        self.bound = [
            Admitted::fresh(spec.messages_per_sec, spec.message_burst),
            Admitted::fresh(spec.orders_per_sec, spec.order_burst),
        ];
    }

    fn violation(&mut self, now: u64) -> Status {
        let p = self.policy;
        if p.threshold == 0 {
            self.throttled += 1;
            return Status::FIXPROV_THROTTLED;
        }
        let now_ms = (now / 1_000_000) & WINDOW_MASK;
        let (start, count) = self.window;
        let age = now_ms.wrapping_sub(start) & WINDOW_MASK;
        self.window = if count == 0 || age >= u64::from(p.window_ms) {
            (now_ms, 1)
        } else {
            (start, (count + 1).min(COUNT_MAX))
        };
        if self.window.1 > u64::from(p.threshold) {
            self.escalated = true;
            self.disconnects += 1;
            Status::FIXPROV_DISCONNECT
        } else {
            self.throttled += 1;
            Status::FIXPROV_THROTTLED
        }
    }

    /// The verdict of one check at `now`, applied to the model.
    fn check(&mut self, order: bool, now: u64) -> Status {
        if !self.open {
            return Status::FIXPROV_ERR_STALE_HANDLE;
        }
        if self.killed != 0 {
            return Status::FIXPROV_KILLED;
        }
        if self.escalated {
            return Status::FIXPROV_DISCONNECT;
        }
        let p = self.policy;
        if order {
            if !p.orders.admit(&mut self.ord_tat, now) {
                return self.violation(now);
            }
            if !p.messages.admit(&mut self.msg_tat, now) {
                // The order token goes back.
                self.ord_tat = self.ord_tat.saturating_sub(p.orders.interval);
                return self.violation(now);
            }
            self.orders += 1;
            self.bound[1].admit(now);
        } else if !p.messages.admit(&mut self.msg_tat, now) {
            return self.violation(now);
        }
        self.messages += 1;
        self.bound[0].admit(now);
        Status::FIXPROV_OK
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CredStatus {
    Active,
    Suspended,
    Revoked,
}

#[derive(Debug)]
struct Cred {
    sender: String,
    password: Vec<u8>,
    previous: Option<Vec<u8>>,
    superseded: Option<Vec<u8>>,
    status: CredStatus,
    expires_ms: Option<u64>,
    allow: Vec<usize>,
}

#[derive(Debug, Default)]
struct User {
    exists: bool,
    tier: usize,
    cred: Option<Cred>,
}

struct Model {
    tiers: [Option<TierSpec>; 6],
    users: [User; 4],
    sessions: Vec<Session>,
    lockouts: Lockouts,
    now: u64,
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Model {
    fn new() -> Model {
        let mut tiers = [None; 6];
        for (i, (name, spec)) in DEFAULT_TIERS.iter().enumerate() {
            assert_eq!(*name, TIERS[i]);
            tiers[i] = Some(*spec);
        }
        Model {
            tiers,
            users: Default::default(),
            sessions: Vec::new(),
            lockouts: Lockouts::default(),
            now: START_NS,
        }
    }

    fn live(&self, user: usize) -> usize {
        self.sessions.iter().filter(|s| s.open && s.user == user).count()
    }

    fn max_sessions(&self, user: usize) -> usize {
        self.tiers[self.users[user].tier].expect("a user's tier exists").max_sessions as usize
    }

    /// Puts `user` on `tier`, creating it if new; its live sessions take the tier's policy afresh.
    fn move_user(&mut self, user: usize, tier: usize) {
        let u = &mut self.users[user];
        if !u.exists {
            *u = User { exists: true, tier, cred: u.cred.take() };
            return;
        }
        if u.tier == tier {
            return;
        }
        u.tier = tier;
        let spec = self.tiers[tier].expect("defined");
        for s in self.sessions.iter_mut().filter(|s| s.open && s.user == user) {
            s.set_policy(tier, &spec);
        }
    }

    fn open_session(&mut self, user: usize, handle: u64) {
        assert!(
            self.sessions.iter().all(|s| !s.open || s.handle != handle),
            "a live handle was issued twice"
        );
        let tier = self.users[user].tier;
        let spec = self.tiers[tier].expect("defined");
        let mut s = Session {
            handle,
            user,
            open: true,
            tier,
            policy: policy(&spec),
            msg_tat: 0,
            ord_tat: 0,
            messages: 0,
            orders: 0,
            throttled: 0,
            disconnects: 0,
            window: (0, 0),
            escalated: false,
            killed: 0,
            bound: [Admitted::default(); 2],
        };
        s.set_policy(tier, &spec);
        self.sessions.push(s);
        assert!(self.live(user) <= self.max_sessions(user), "a user above its tier's max_sessions");
    }

    fn kill_user(&mut self, user: usize, reason: u32) -> usize {
        let mut killed = 0;
        for s in self.sessions.iter_mut().filter(|s| s.open && s.user == user && s.killed == 0) {
            s.killed = reason;
            killed += 1;
        }
        killed
    }
}

fn spec_of(s: &SpecIn) -> TierSpec {
    TierSpec {
        orders_per_sec: u64::from(s.orders_per_sec),
        messages_per_sec: u64::from(s.messages_per_sec),
        max_sessions: u32::from(s.max_sessions % 12),
        order_burst: u64::from(s.order_burst % 512),
        message_burst: u64::from(s.message_burst % 512),
        escalation_threshold: u32::from(s.escalation_threshold),
        escalation_window_ms: u32::from(s.escalation_window_ms),
        account: fixprov::AccountLimits::NONE,
    }
}

fn spec_valid(s: &TierSpec) -> bool {
    // "A burst of 0 with a non-zero rate is refused", and escalation needs a window.
    let refused = (s.orders_per_sec > 0 && s.order_burst == 0)
        || (s.messages_per_sec > 0 && s.message_burst == 0)
        || (s.escalation_threshold > 0 && s.escalation_window_ms == 0);
    !refused
}

fn c_spec(s: &TierSpec) -> fixprov_tier_spec {
    fixprov_tier_spec {
        orders_per_sec: s.orders_per_sec,
        messages_per_sec: s.messages_per_sec,
        order_burst: s.order_burst,
        message_burst: s.message_burst,
        max_sessions: s.max_sessions,
        escalation_threshold: s.escalation_threshold,
        escalation_window_ms: s.escalation_window_ms,
        reserved: 0,
    }
}

struct Run {
    engine: Engine,
    m: Model,
}

#[track_caller]
fn expect(got: Status, want: Status, what: &dyn std::fmt::Debug) {
    assert_eq!(got, want, "{what:?} ({})", common::last_error());
}

fn idx(i: u8, n: usize) -> usize {
    usize::from(i) % n
}

impl Run {
    fn session(&self, i: u8) -> Option<usize> {
        (!self.m.sessions.is_empty()).then(|| idx(i, self.m.sessions.len()))
    }

    fn sender_of(&self, user: usize) -> String {
        match &self.m.users[user].cred {
            Some(c) => c.sender.clone(),
            None => format!("FP_{}", USERS[user].to_uppercase()),
        }
    }

    fn step(&mut self, op: &Op) {
        common::stat(|| format!("op {}", format!("{op:?}").split([' ', '{']).next().unwrap_or("")));
        let e = &self.engine;
        match *op {
            Op::Provision { user, tier } => {
                let u = idx(user, USERS.len());
                let t = tier.map_or(0, |t| idx(t, TIERS.len()));
                let got = common::provision(e, USERS[u].as_bytes(), tier.map(|_| TIERS[t].as_bytes()));
                let want = if self.m.tiers[t].is_none() {
                    Status::FIXPROV_ERR_NOT_FOUND
                } else if self.m.users[u].cred.is_some() {
                    Status::FIXPROV_ERR_ALREADY_EXISTS
                } else {
                    Status::FIXPROV_OK
                };
                match got {
                    Ok(p) => {
                        expect(Status::FIXPROV_OK, want, op);
                        assert_eq!(p.sender_comp_id, format!("FP_{}", USERS[u].to_uppercase()));
                        assert_eq!(p.target_comp_id, common::TARGET_COMP_ID);
                        self.m.users[u].cred = Some(Cred {
                            sender: p.sender_comp_id,
                            password: p.password,
                            previous: None,
                            superseded: None,
                            status: CredStatus::Active,
                            expires_ms: None,
                            allow: Vec::new(),
                        });
                        self.m.move_user(u, t);
                    }
                    Err(s) => expect(s, want, op),
                }
            }
            Op::SetTier { user, tier } => {
                let (u, t) = (idx(user, USERS.len()), idx(tier, TIERS.len()));
                let got = common::user_set_tier(e, USERS[u].as_bytes(), TIERS[t].as_bytes());
                if self.m.tiers[t].is_none() {
                    expect(got, Status::FIXPROV_ERR_NOT_FOUND, op);
                } else {
                    expect(got, Status::FIXPROV_OK, op);
                    self.m.move_user(u, t);
                }
            }
            Op::DefineTier { tier, ref spec } => {
                let t = idx(tier, TIERS.len());
                let spec = spec_of(spec);
                let got = common::tier_set(e, TIERS[t].as_bytes(), &c_spec(&spec));
                if !spec_valid(&spec) {
                    expect(got, Status::FIXPROV_ERR_INVALID_ARGUMENT, op);
                    return;
                }
                expect(got, Status::FIXPROV_OK, op);
                let before = self.m.tiers[t].replace(spec);
                if before.is_some_and(|b| policy(&b) != policy(&spec)) {
                    for s in self.m.sessions.iter_mut().filter(|s| s.open && s.tier == t) {
                        s.set_policy(t, &spec);
                    }
                }
                let mut read = fixprov_tier_spec::default();
                // SAFETY: live name bytes and a writable out-parameter.
                let status = unsafe {
                    fixprov::ffi::fixprov_tier_get(e.ptr(), TIERS[t].as_ptr(), TIERS[t].len(), &mut read)
                };
                expect(status, Status::FIXPROV_OK, op);
                assert_eq!(read, c_spec(&spec), "tier_get after tier_set");
            }
            Op::Logon { user, ref password, ref sender, wrong_target, ref username, peer } => {
                self.logon(idx(user, USERS.len()), password, sender, wrong_target, username, peer);
            }
            Op::Open { user } => {
                let u = idx(user, USERS.len());
                let got = common::session_open(e, USERS[u].as_bytes());
                let want = if !self.m.users[u].exists {
                    Status::FIXPROV_ERR_NOT_FOUND
                } else if self.m.live(u) >= self.m.max_sessions(u) {
                    Status::FIXPROV_ERR_LIMIT_REACHED
                } else {
                    Status::FIXPROV_OK
                };
                match got {
                    Ok(handle) => {
                        expect(Status::FIXPROV_OK, want, op);
                        self.m.open_session(u, handle);
                    }
                    Err(s) => expect(s, want, op),
                }
            }
            Op::Check { session, order, ref advance } => {
                let Some(i) = self.session(session) else { return };
                let now = match *advance {
                    Advance::None => self.m.now,
                    Advance::Ns(n) => self.tick(u64::from(n)),
                    Advance::Us(n) => self.tick(u64::from(n) * 1_000),
                    Advance::Ms(n) => self.tick(u64::from(n) * 1_000_000),
                    Advance::Secs(n) => self.tick(u64::from(n) * 1_000_000_000),
                    Advance::Back(n) => self.m.now - u64::from(n),
                };
                self.check(i, order, now);
            }
            Op::Burst { session, order, count, ref step } => {
                let Some(i) = self.session(session) else { return };
                let step = match *step {
                    Step::Us(us) => u64::from(us) * 1_000,
                    Step::Intervals { num, den, nudge } => {
                        let p = self.m.sessions[i].policy;
                        let interval = if order { p.orders.interval } else { p.messages.interval };
                        (interval * u64::from(num) / u64::from(den.max(1)))
                            .saturating_add_signed(i64::from(nudge))
                    }
                };
                for _ in 0..count {
                    let now = self.tick(step);
                    self.check(i, order, now);
                }
            }
            Op::Edge { session, order } => {
                let Some(i) = self.session(session) else { return };
                let s = &self.m.sessions[i];
                if !s.open || s.killed != 0 || s.escalated {
                    return;
                }
                // A bucket admits at `now` iff max(TAT, now) + interval - now <= burst * interval.
                let due = |b: Bucket, tat: u64| {
                    (b.burst > 0).then(|| (tat + b.interval).saturating_sub(b.interval * b.burst))
                };
                let p = s.policy;
                let Some(mut at) = due(p.messages, s.msg_tat) else { return };
                if order {
                    let Some(o) = due(p.orders, s.ord_tat) else { return };
                    at = at.max(o);
                }
                if at > self.m.now {
                    self.m.now = at - 1;
                    self.check(i, order, at - 1);
                    self.m.now = at;
                }
                self.check(i, order, self.m.now);
            }
            Op::Kill { session } => {
                let Some(i) = self.session(session) else { return };
                let s = &mut self.m.sessions[i];
                let got = common::session_kill(e, s.handle);
                if s.open {
                    assert_eq!(got, Status::FIXPROV_OK, "{op:?}");
                    if s.killed == 0 {
                        s.killed = 1;
                    }
                } else {
                    assert_eq!(got, Status::FIXPROV_ERR_STALE_HANDLE, "{op:?}");
                }
                self.probe_killed();
            }
            Op::KillUser { user } => {
                let u = idx(user, USERS.len());
                match common::user_kill(e, USERS[u].as_bytes()) {
                    Ok(n) => {
                        assert!(self.m.users[u].exists, "{op:?}: killed sessions of an unknown user");
                        assert_eq!(n, self.m.kill_user(u, 2), "{op:?}: sessions killed");
                    }
                    Err(s) => {
                        assert!(!self.m.users[u].exists, "{op:?}");
                        expect(s, Status::FIXPROV_ERR_NOT_FOUND, op);
                    }
                }
                self.probe_killed();
            }
            Op::Close { session } => {
                let Some(i) = self.session(session) else { return };
                let s = &mut self.m.sessions[i];
                let got = common::session_close(e, s.handle);
                if s.open {
                    assert_eq!(got, Status::FIXPROV_OK, "{op:?}");
                    s.open = false;
                } else {
                    assert_eq!(got, Status::FIXPROV_ERR_STALE_HANDLE, "{op:?}");
                }
            }
            Op::Revoke { user } => {
                let u = idx(user, USERS.len());
                let got = common::revoke(e, USERS[u].as_bytes());
                match self.m.users[u].cred.as_mut() {
                    None => expect(got, Status::FIXPROV_ERR_NOT_FOUND, op),
                    Some(c) => {
                        c.status = CredStatus::Revoked;
                        c.previous = None;
                        expect(got, Status::FIXPROV_OK, op);
                        self.m.kill_user(u, 3);
                    }
                }
                self.probe_killed();
            }
            Op::Suspend { user } => {
                let u = idx(user, USERS.len());
                let got = common::suspend(e, USERS[u].as_bytes());
                match self.m.users[u].cred.as_mut() {
                    None => expect(got, Status::FIXPROV_ERR_NOT_FOUND, op),
                    Some(c) if c.status == CredStatus::Revoked => {
                        expect(got, Status::FIXPROV_ERR_INVALID_STATE, op)
                    }
                    Some(c) => {
                        c.status = CredStatus::Suspended;
                        expect(got, Status::FIXPROV_OK, op);
                        self.m.kill_user(u, 4);
                    }
                }
                self.probe_killed();
            }
            Op::Reactivate { user } => {
                let u = idx(user, USERS.len());
                let got = common::reactivate(e, USERS[u].as_bytes());
                match self.m.users[u].cred.as_mut() {
                    None => expect(got, Status::FIXPROV_ERR_NOT_FOUND, op),
                    Some(c) if c.status == CredStatus::Revoked => {
                        expect(got, Status::FIXPROV_ERR_INVALID_STATE, op)
                    }
                    Some(c) => {
                        c.status = CredStatus::Active;
                        expect(got, Status::FIXPROV_OK, op);
                    }
                }
            }
            Op::Regenerate { user, overlap } => {
                let u = idx(user, USERS.len());
                let got = common::regenerate(e, USERS[u].as_bytes(), if overlap { OVERLAP_SECS } else { 0 });
                let cred = self.m.users[u].cred.as_mut();
                match (got, cred) {
                    (Err(s), None) => expect(s, Status::FIXPROV_ERR_NOT_FOUND, op),
                    (Err(s), Some(c)) if c.status == CredStatus::Revoked => {
                        expect(s, Status::FIXPROV_ERR_INVALID_STATE, op)
                    }
                    (Ok(password), Some(c)) if c.status != CredStatus::Revoked => {
                        assert_eq!(password.len(), 43, "a new password of 256 bits");
                        assert_ne!(password, c.password, "regeneration gave the same password");
                        let old = std::mem::replace(&mut c.password, password);
                        c.previous = overlap.then(|| old.clone());
                        c.superseded = Some(old);
                    }
                    (got, _) => panic!("{op:?}: {got:?} ({})", common::last_error()),
                }
            }
            Op::SetExpiry { user, ref when } => {
                let u = idx(user, USERS.len());
                let at = match when {
                    Expiry::Never => 0,
                    Expiry::Past => PAST_MS,
                    Expiry::Future => FUTURE_MS,
                };
                let got = common::set_expiry(e, USERS[u].as_bytes(), at);
                match self.m.users[u].cred.as_mut() {
                    None => expect(got, Status::FIXPROV_ERR_NOT_FOUND, op),
                    Some(c) => {
                        expect(got, Status::FIXPROV_OK, op);
                        let new = (at != 0).then_some(at);
                        c.expires_ms = new;
                        if new.is_some_and(|at| at <= unix_ms()) {
                            // "Live sessions are killed ... at once, on the calling thread, for a
                            // time already past", the same past time again included (sessions
                            // opened since with fixprov_session_open, which does not look at
                            // credentials).
                            self.m.kill_user(u, 5);
                        }
                    }
                }
                self.probe_killed();
            }
            Op::Allow { user, rule } => {
                let (u, r) = (idx(user, USERS.len()), idx(rule, RULES.len()));
                let got = common::ip_allow(e, USERS[u].as_bytes(), RULES[r].as_bytes());
                match self.m.users[u].cred.as_mut() {
                    None => expect(got, Status::FIXPROV_ERR_NOT_FOUND, op),
                    Some(c) => {
                        expect(got, Status::FIXPROV_OK, op);
                        if !c.allow.contains(&r) {
                            c.allow.push(r);
                        }
                    }
                }
            }
            Op::Disallow { user, rule } => {
                let (u, r) = (idx(user, USERS.len()), idx(rule, RULES.len()));
                let got = common::ip_disallow(e, USERS[u].as_bytes(), RULES[r].as_bytes());
                match self.m.users[u].cred.as_mut() {
                    Some(c) if c.allow.contains(&r) => {
                        expect(got, Status::FIXPROV_OK, op);
                        c.allow.retain(|x| *x != r);
                    }
                    _ => expect(got, Status::FIXPROV_ERR_NOT_FOUND, op),
                }
            }
            Op::ResetViolations { session } => {
                let Some(i) = self.session(session) else { return };
                let s = &mut self.m.sessions[i];
                let got = common::session_reset_violations(e, s.handle);
                if s.open {
                    assert_eq!(got, Status::FIXPROV_OK, "{op:?}");
                    s.throttled = 0;
                    s.disconnects = 0;
                    s.window = (0, 0);
                } else {
                    assert_eq!(got, Status::FIXPROV_ERR_STALE_HANDLE, "{op:?}");
                }
            }
            Op::Stats { session } => {
                let Some(i) = self.session(session) else { return };
                self.compare_stats(i);
            }
            Op::Advance { ms } => {
                self.tick(u64::from(ms) * 1_000_000);
            }
        }
    }

    fn tick(&mut self, ns: u64) -> u64 {
        self.m.now += ns;
        self.m.now
    }

    fn check(&mut self, i: usize, order: bool, now: u64) {
        let handle = self.m.sessions[i].handle;
        let got = common::check_at(&self.engine, handle, order, now);
        let want = self.m.sessions[i].check(order, now);
        common::stat(|| format!("check {want:?}"));
        assert_eq!(got, want, "check (order: {order}) at {now} of {:?}", self.m.sessions[i]);
    }

    fn compare_stats(&self, i: usize) {
        let s = &self.m.sessions[i];
        match common::session_stats(&self.engine, s.handle) {
            Ok(stats) => {
                assert!(s.open, "stats of a closed session");
                let got =
                    (stats.messages, stats.orders, stats.throttled, stats.disconnects, stats.kill_reason);
                let want = (s.messages, s.orders, s.throttled, s.disconnects, s.killed);
                assert_eq!(got, want, "counters of {s:?}");
                assert_eq!(stats.escalated, u32::from(s.escalated), "escalated flag of {s:?}");
            }
            Err(status) => {
                assert!(!s.open, "stats of a live session: {status:?}");
                assert_eq!(status, Status::FIXPROV_ERR_STALE_HANDLE);
            }
        }
    }

    /// Every session the model says is killed answers KILLED (a killed session's check has no effect).
    fn probe_killed(&self) {
        for s in self.m.sessions.iter().filter(|s| s.open && s.killed != 0) {
            let got = common::check_at(&self.engine, s.handle, false, self.m.now);
            assert_eq!(
                got,
                Status::FIXPROV_KILLED,
                "a killed session of user {} answered {got:?}",
                USERS[s.user]
            );
        }
    }

    fn logon(
        &mut self,
        u: usize,
        password: &Pw,
        sender: &Sender,
        wrong_target: bool,
        username: &Username,
        peer: u8,
    ) {
        let sender = match sender {
            Sender::Own => self.sender_of(u),
            Sender::OfUser(v) => self.sender_of(idx(*v, USERS.len())),
            Sender::Unknown => "FP_NOPE".to_owned(),
        };
        let cred = self.m.users[u].cred.as_ref();
        let password = match password {
            Pw::Current => cred.map_or(b"no-such-password".to_vec(), |c| c.password.clone()),
            Pw::Previous => {
                cred.and_then(|c| c.superseded.clone()).unwrap_or_else(|| b"no-previous".to_vec())
            }
            Pw::Wrong(bytes) => bytes.clone(),
        };
        let target = if wrong_target { "FIXPROVX" } else { common::TARGET_COMP_ID };
        let username = match username {
            Username::Absent => None,
            Username::Own => Some(USERS[u]),
            Username::Other => Some("zz"),
        };
        let peer_text = PEERS[idx(peer, PEERS.len())];
        let peer_ip: Option<IpAddr> = peer_text.map(|p| common::ref_peer(p).expect("a valid peer"));
        let answer = common::logon(
            &self.engine,
            sender.as_bytes(),
            target.as_bytes(),
            &password,
            username.map(str::as_bytes),
            peer_text.map(str::as_bytes),
        );
        common::check_logon_shape(&answer);

        // The account the CompIDs name, if any.
        let account =
            (0..USERS.len()).find(|a| self.m.users[*a].cred.as_ref().is_some_and(|c| c.sender == sender));
        // Whether the address is on that account's own non-empty allow-list.
        let admitted = account.and_then(|a| self.m.users[a].cred.as_ref()).is_some_and(|c| {
            !c.allow.is_empty()
                && peer_ip.is_some_and(|ip| {
                    c.allow
                        .iter()
                        .any(|r| common::ref_contains(common::ref_rule(RULES[*r]).expect("rule"), ip))
                })
        });
        let want = if self.m.lockouts.locked(&sender, peer_ip, admitted) {
            Status::FIXPROV_LOGON_LOCKED_OUT
        } else if self.m.lockouts.rate_limited(&sender) {
            Status::FIXPROV_LOGON_TOO_MANY_LOGONS
        } else {
            match account.filter(|_| !wrong_target) {
                None => {
                    self.m.lockouts.fail(&sender, peer_ip, admitted);
                    Status::FIXPROV_LOGON_UNKNOWN_COMP_ID
                }
                Some(a) => {
                    let c = self.m.users[a].cred.as_ref().expect("an account");
                    let proven = password == c.password || c.previous.as_ref() == Some(&password);
                    if !proven || username.is_some_and(|n| n != USERS[a]) {
                        self.m.lockouts.fail(&sender, peer_ip, admitted);
                        Status::FIXPROV_LOGON_BAD_CREDENTIALS
                    } else {
                        self.m.lockouts.succeed(&sender, peer_ip, admitted);
                        let expired = c.expires_ms.is_some_and(|at| at <= unix_ms());
                        let permitted = match peer_ip {
                            Some(ip) => {
                                c.allow.is_empty()
                                    || c.allow.iter().any(|r| {
                                        common::ref_contains(common::ref_rule(RULES[*r]).expect("rule"), ip)
                                    })
                            }
                            None => c.allow.is_empty(),
                        };
                        let status = c.status;
                        match status {
                            CredStatus::Revoked => Status::FIXPROV_LOGON_REVOKED,
                            CredStatus::Suspended => Status::FIXPROV_LOGON_SUSPENDED,
                            CredStatus::Active if expired => Status::FIXPROV_LOGON_EXPIRED,
                            CredStatus::Active if !permitted => Status::FIXPROV_LOGON_IP_NOT_ALLOWED,
                            CredStatus::Active if self.m.live(a) >= self.m.max_sessions(a) => {
                                Status::FIXPROV_LOGON_SESSION_LIMIT
                            }
                            CredStatus::Active => {
                                let handle = answer.session.expect("a session on success");
                                self.m.open_session(a, handle);
                                Status::FIXPROV_OK
                            }
                        }
                    }
                }
            }
        };
        common::stat(|| format!("logon {want:?}"));
        assert_eq!(
            answer.status,
            want,
            "logon of {} with sender {sender:?}, target {target:?}, username {username:?}, peer {peer_text:?}",
            USERS[u]
        );
    }

    /// After every step: the engine's live-session count of each user is the model's.
    fn invariants(&self) {
        for (u, name) in USERS.iter().enumerate() {
            match self.engine.rust().sessions().live_sessions(name) {
                Ok(n) => {
                    assert!(self.m.users[u].exists, "user {name} exists in the engine only");
                    assert_eq!(n as usize, self.m.live(u), "live sessions of {name}");
                }
                Err(_) => assert!(!self.m.users[u].exists, "user {name} is missing"),
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let build = if input.c_abi_engine { Build::C } else { Build::Rust { default_rules: false } };
    let mut run = Run { engine: Engine::open(build, 1024), m: Model::new() };
    if input.prelude {
        for user in 0..3u8 {
            run.step(&Op::Provision { user, tier: Some(user) });
            let logon = Op::Logon {
                user,
                password: Pw::Current,
                sender: Sender::Own,
                wrong_target: false,
                username: Username::Own,
                peer: 0,
            };
            run.step(&logon);
        }
        assert_eq!(run.m.sessions.len(), 3, "the prelude logs three users on");
    }
    for op in input.ops.iter().take(MAX_OPS) {
        run.step(op);
        run.invariants();
    }
    for i in 0..run.m.sessions.len() {
        run.compare_stats(i);
    }
    run.probe_killed();
    let mut passwords: Vec<&[u8]> = Vec::new();
    for c in run.m.users.iter().filter_map(|u| u.cred.as_ref()) {
        passwords.push(&c.password);
        passwords.extend(c.superseded.as_deref());
    }
    common::check_audit_has_no(&run.engine, &passwords);
    common::stats_input_done();
});

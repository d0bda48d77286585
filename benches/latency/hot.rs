//! The per-message check through the C ABI: on one session side by side with governor and
//! ratelimit, and spread at random over up to a million open sessions.

use crate::measure::{sample, thread_cpu_seconds, BATCH};
use crate::results::Results;
use crate::Sizes;
use fixprov::ffi::{
    fixprov_check, fixprov_check_at, fixprov_check_batch, fixprov_check_msgtype, fixprov_check_weighted,
    fixprov_engine, fixprov_engine_close, fixprov_prefetch, fixprov_status,
};
use fixprov::{CheckMode, ClockConfig, Config, Engine, TierSpec};
use governor::{Quota, RateLimiter};
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

pub type CheckFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32) -> fixprov_status;
pub type CheckAtFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32, u64) -> fixprov_status;
type MsgTypeFn = unsafe extern "C" fn(*const fixprov_engine, u64, *const u8, usize) -> fixprov_status;
type WeightedFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32, u32) -> fixprov_status;
type BatchFn = unsafe extern "C" fn(
    *const fixprov_engine,
    u64,
    *const u32,
    usize,
    *mut fixprov_status,
) -> fixprov_status;
type PrefetchFn = unsafe extern "C" fn(*const fixprov_engine, u64);

/// A single owner's mode, as the QuickFIX acceptor and the Java binding open their sessions.
pub const OWNED: CheckMode = CheckMode::SingleOwner { watched: false };
/// Messages per batch in the batch rows.
pub const BATCH_OF: usize = 8;
/// How far ahead of its check the prefetching rows prefetch a session.
pub const AHEAD: usize = 8;

/// The row of the hand-written floor (see [`FloorLine`]), order path.
pub const FLOOR_CHECK: &str = "floor: kill flag + 2 CAS buckets, order";
pub const ORDER: u32 = 1;
pub const OTHER: u32 = 0;
const OK: fixprov_status = fixprov_status::FIXPROV_OK;
const THROTTLED: fixprov_status = fixprov_status::FIXPROV_THROTTLED;

/// A tier that admits every benchmarked check (1e9 a second, a burst of 1e9, no escalation).
pub fn open_tier(max_sessions: u32) -> TierSpec {
    TierSpec {
        escalation_threshold: 0,
        ..TierSpec::new(1_000_000_000, 1_000_000_000, max_sessions, 1_000_000_000)
    }
}

/// A tier that admits nothing (rates and bursts 0) and never escalates: every check is THROTTLED.
pub fn closed_tier(max_sessions: u32) -> TierSpec {
    TierSpec { escalation_threshold: 0, ..TierSpec::new(0, 0, max_sessions, 0) }
}

/// An engine handed to the C ABI, closed on drop.
pub struct Raw(pub *mut fixprov_engine);

// SAFETY: the engine may be used from several threads at once (every fixprov_* function is
// thread-safe); the pointer is only passed to those functions, and it is closed once, on drop, after
// the threads that use it are joined.
unsafe impl Send for Raw {}
// SAFETY: as above.
unsafe impl Sync for Raw {}

impl Raw {
    pub fn new(engine: Engine) -> Raw {
        Raw(fixprov_engine::into_raw(engine))
    }

    /// The engine behind the pointer, for the Rust API (cold-path set-up).
    pub fn engine(&self) -> &Engine {
        // SAFETY: the pointer came from into_raw and stays live until drop.
        unsafe { &*self.0 }.engine()
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        // SAFETY: opened by Raw::new, closed once here, no call in flight (threads joined).
        unsafe { fixprov_engine_close(self.0) };
    }
}

/// The three check entry points, called through pointers the optimizer cannot see through, as a
/// host calls into the cdylib.
#[derive(Clone, Copy)]
pub struct Checks {
    pub check: CheckFn,
    pub check_at: CheckAtFn,
    msgtype: MsgTypeFn,
    weighted: WeightedFn,
    batch: BatchFn,
    prefetch: PrefetchFn,
}

impl Checks {
    pub fn new() -> Checks {
        Checks {
            check: black_box(fixprov_check),
            check_at: black_box(fixprov_check_at),
            msgtype: black_box(fixprov_check_msgtype),
            weighted: black_box(fixprov_check_weighted),
            batch: black_box(fixprov_check_batch),
            prefetch: black_box(fixprov_prefetch),
        }
    }
}

extern "C" fn empty(_engine: *const fixprov_engine, _session: u64, _class: u32) -> fixprov_status {
    OK
}

/// The hand-written floor of ../shared/ANCHORS.md: what any check of this design must do, and
/// nothing else. A kill flag, a coarse clock word, and two GCRA buckets (orders, then messages), each
/// a load and a compare-exchange loop on one 64-byte line, behind an `extern "C"` function called
/// through a pointer. No handle, no generation, no counters, no escalation: fixprov's order check
/// over this floor is what those cost.
#[repr(C, align(64))]
struct FloorLine {
    killed: AtomicU64,
    messages: AtomicU64,
    orders: AtomicU64,
}

/// The floor's coarse clock: a word some upkeep thread would advance (here it stays put, as
/// fixprov's coarse clock does between ticks).
static FLOOR_CLOCK: AtomicU64 = AtomicU64::new(1_000_000_000);

/// One GCRA admission at one token a nanosecond with an unbounded burst (the benchmarks' open tier).
#[inline(always)]
fn floor_admit(tat: &AtomicU64, now: u64) -> bool {
    const INTERVAL: u64 = 1;
    const LIMIT: u64 = 1 << 60;
    let mut current = tat.load(Ordering::Relaxed);
    loop {
        let next = current.max(now).saturating_add(INTERVAL);
        if next - now > LIMIT {
            return false;
        }
        match tat.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(seen) => current = seen,
        }
    }
}

extern "C" fn floor_check(line: *const fixprov_engine, _session: u64, class: u32) -> fixprov_status {
    // SAFETY: the harness passes a pointer to a FloorLine that outlives every call.
    let line = unsafe { &*line.cast::<FloorLine>() };
    if line.killed.load(Ordering::Acquire) != 0 {
        return fixprov_status::FIXPROV_KILLED;
    }
    let now = FLOOR_CLOCK.load(Ordering::Relaxed);
    if class == ORDER && !floor_admit(&line.orders, now) {
        return THROTTLED;
    }
    if !floor_admit(&line.messages, now) {
        if class == ORDER {
            line.orders.fetch_sub(1, Ordering::Relaxed);
        }
        return THROTTLED;
    }
    OK
}

/// Asserts that `f` answers `want` (the path a measurement means to time), before and after it.
fn expect(what: &str, want: fixprov_status, mut f: impl FnMut() -> fixprov_status) {
    for _ in 0..64 {
        let got = f();
        assert_eq!(got, want, "{what}: the measured path answered {got:?}");
    }
}

/// One session per path, side by side with governor (direct and keyed) and ratelimit, in one run.
pub fn one_session(r: &mut Results, sizes: &Sizes) {
    println!("\n== one session: fixprov through the C ABI, governor, ratelimit ==");
    let raw = Raw::new(Engine::open(Config::default()).expect("engine opens"));
    let precise = Raw::new(
        Engine::open(Config { clock: ClockConfig::Precise, ..Config::default() }).expect("engine opens"),
    );
    let mut sessions = Vec::new();
    for (raw, tier, spec) in [
        (&raw, "open", open_tier(10)),
        (&raw, "closed", closed_tier(10)),
        (&precise, "open", open_tier(10)),
        (&raw, "open", open_tier(10)),
    ] {
        let engine = raw.engine();
        engine.tiers().set(tier, spec).unwrap();
        let user = format!("bench-{tier}");
        engine.tiers().assign(&user, tier).unwrap();
        sessions.push(engine.sessions().open(&user).unwrap());
    }
    let (admitted, throttled, precise_session, owned) = (sessions[0], sessions[1], sessions[2], sessions[3]);
    raw.engine().sessions().set_mode(owned, OWNED).unwrap();
    let (e, ep) = (raw.0 as *const fixprov_engine, precise.0 as *const fixprov_engine);
    let c = Checks::new();
    let empty_fn: CheckFn = black_box(empty);
    let n = sizes.check_samples;
    let n1 = sizes.single_samples;

    let quota = Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap());
    let direct = RateLimiter::direct(quota);
    let keyed = RateLimiter::keyed(quota);
    let ratelimiter = ratelimit::Ratelimiter::builder(1_000_000_000)
        .max_tokens(1_000_000_000)
        .initial_available(1_000_000_000)
        .build()
        .expect("ratelimit builds");
    assert!(direct.check().is_ok() && keyed.check_key(&7u64).is_ok() && ratelimiter.try_wait().is_ok());
    let word = AtomicU64::new(0);

    // What every unsafe block below relies on: `e` and `ep` are live until `raw` and `precise` drop
    // at the end of this function; the msgtype pointer and length describe a static slice.
    for (class, cname) in [(ORDER, "order"), (OTHER, "other")] {
        for (session, want, path) in [(admitted, OK, "admitted"), (throttled, THROTTLED, "throttled")] {
            // SAFETY: the engine is live until its Raw drops at the end of this function.
            expect(path, want, || unsafe { (c.check)(e, session, class) });
            let t = sample::<BATCH>(&r.timer, n, || {
                // SAFETY: see above.
                black_box(unsafe { (c.check)(black_box(e), black_box(session), black_box(class)) });
            });
            r.add("check", format!("fixprov_check {cname} {path}"), None, BATCH, &t);
            // The caller's time: the engine clock's reading now, then 1 ns per call (the check's cost
            // does not depend on the value; the same time base as fixprov_check, so the session may
            // take both).
            // SAFETY: see above.
            let base = unsafe { &*raw.0 }.engine().now();
            let mut now = base;
            // SAFETY: the engine is live until its Raw drops at the end of this function.
            expect(path, want, || unsafe { (c.check_at)(e, session, class, base) });
            let t = sample::<BATCH>(&r.timer, n, || {
                now += 1;
                // SAFETY: see above.
                black_box(unsafe { (c.check_at)(black_box(e), black_box(session), black_box(class), now) });
            });
            r.add("check", format!("fixprov_check_at {cname} {path}"), None, BATCH, &t);
        }
    }
    // A single owner's session (plain loads and stores, no locked instruction), and batches.
    for (class, cname) in [(ORDER, "order"), (OTHER, "other")] {
        // SAFETY: the engine is live until its Raw drops at the end of this function.
        expect("single owner", OK, || unsafe { (c.check)(e, owned, class) });
        let t = sample::<BATCH>(&r.timer, n, || {
            // SAFETY: see above.
            black_box(unsafe { (c.check)(black_box(e), black_box(owned), black_box(class)) });
        });
        r.add("check", format!("fixprov_check {cname} admitted, single owner"), None, BATCH, &t);
    }
    let classes = [ORDER; BATCH_OF];
    let mut out = [THROTTLED; BATCH_OF];
    for (session, who) in [(admitted, "shared"), (owned, "single owner")] {
        // BATCH calls of BATCH_OF messages a sample: the row is per message.
        let t = sample::<BATCH>(&r.timer, n / BATCH_OF, || {
            // SAFETY: see above; both arrays hold BATCH_OF entries.
            black_box(unsafe {
                (c.batch)(black_box(e), black_box(session), classes.as_ptr(), BATCH_OF, out.as_mut_ptr())
            });
        });
        assert!(out.iter().all(|s| *s == OK), "batch of {BATCH_OF}, {who}: {out:?}");
        let name = format!("fixprov_check_batch of {BATCH_OF} orders, per message, {who}");
        r.add("check", name, None, BATCH * BATCH_OF, &t);
    }
    // SAFETY: the engine is live until its Raw drops at the end of this function.
    expect("msgtype D", OK, || unsafe { (c.msgtype)(e, admitted, b"D".as_ptr(), 1) });
    let t = sample::<BATCH>(&r.timer, n, || {
        // SAFETY: see above.
        black_box(unsafe { (c.msgtype)(black_box(e), black_box(admitted), black_box(b"D".as_ptr()), 1) });
    });
    r.add("check", "fixprov_check_msgtype \"D\" admitted", None, BATCH, &t);
    // Account limits: one session of a user whose tier limits the account too (a limit that admits
    // every check), shared and single owner; each check also spends from the account's line.
    let mut account_tier = open_tier(10);
    account_tier.account = fixprov::AccountLimits::per_second(1_000_000_000, 1_000_000_000);
    raw.engine().tiers().set("open-account", account_tier).unwrap();
    raw.engine().tiers().assign("bench-account", "open-account").unwrap();
    let account_shared = raw.engine().sessions().open("bench-account").unwrap();
    let account_owned = raw.engine().sessions().open("bench-account").unwrap();
    raw.engine().sessions().set_mode(account_owned, OWNED).unwrap();
    for (session, who) in [(account_shared, "shared"), (account_owned, "single owner")] {
        // SAFETY: the engine is live until its Raw drops at the end of this function.
        expect("account", OK, || unsafe { (c.check)(e, session, ORDER) });
        let t = sample::<BATCH>(&r.timer, n, || {
            // SAFETY: see above.
            black_box(unsafe { (c.check)(black_box(e), black_box(session), black_box(ORDER)) });
        });
        r.add("check", format!("fixprov_check order admitted, account limit, {who}"), None, BATCH, &t);
    }
    // Weights: the class check with the host's weight, then checks by MsgType once a tier has a
    // weight table (each such check reads the session's tier and its table). The last rows on this
    // engine's check by MsgType: a table switches the engine's MsgType checks to weighing.
    for (session, who) in [(admitted, "shared"), (owned, "single owner")] {
        // SAFETY: the engine is live until its Raw drops at the end of this function.
        expect("weighted", OK, || unsafe { (c.weighted)(e, session, ORDER, 5) });
        let t = sample::<BATCH>(&r.timer, n, || {
            // SAFETY: see above.
            black_box(unsafe {
                (c.weighted)(black_box(e), black_box(session), black_box(ORDER), black_box(5))
            });
        });
        r.add("check", format!("fixprov_check_weighted order weight 5 admitted, {who}"), None, BATCH, &t);
    }
    let weights = [("E".to_string(), 5u64), ("F".to_string(), 0), ("AB".to_string(), 2)].into();
    raw.engine().tiers().set_weights("open", &weights).unwrap();
    for (msgtype, what) in
        [(&b"D"[..], "\"D\" (weight 1)"), (b"E", "\"E\" (weight 5)"), (b"AB", "\"AB\" (weight 2)")]
    {
        // SAFETY: the engine is live until its Raw drops at the end of this function.
        expect("msgtype weighed", OK, || unsafe {
            (c.msgtype)(e, admitted, msgtype.as_ptr(), msgtype.len())
        });
        let t = sample::<BATCH>(&r.timer, n, || {
            // SAFETY: see above.
            black_box(unsafe {
                (c.msgtype)(black_box(e), black_box(admitted), black_box(msgtype.as_ptr()), msgtype.len())
            });
        });
        r.add("check", format!("fixprov_check_msgtype {what} admitted, tier with weights"), None, BATCH, &t);
    }
    // SAFETY: the engine is live until its Raw drops at the end of this function.
    expect("precise", OK, || unsafe { (c.check)(ep, precise_session, ORDER) });
    let t = sample::<BATCH>(&r.timer, n, || {
        // SAFETY: see above.
        black_box(unsafe { (c.check)(black_box(ep), black_box(precise_session), black_box(ORDER)) });
    });
    r.add("check", "fixprov_check order admitted, precise clock", None, BATCH, &t).note =
        "engine opened with ClockConfig::Precise (TSC read per check) instead of the default coarse clock"
            .into();

    let t = sample::<BATCH>(&r.timer, n, || {
        black_box(black_box(&direct).check().is_ok());
    });
    r.add("check", "governor direct check()", None, BATCH, &t);
    let t = sample::<BATCH>(&r.timer, n, || {
        black_box(black_box(&keyed).check_key(black_box(&7u64)).is_ok());
    });
    r.add("check", "governor keyed check_key()", None, BATCH, &t);
    let t = sample::<BATCH>(&r.timer, n, || {
        black_box(black_box(&ratelimiter).try_wait().is_ok());
    });
    r.add("check", "ratelimit try_wait()", None, BATCH, &t);
    let t = sample::<BATCH>(&r.timer, n, || {
        // SAFETY: `empty` has no preconditions.
        black_box(unsafe { empty_fn(black_box(e), black_box(admitted), black_box(ORDER)) });
    });
    r.add("check", "floor: empty extern \"C\" call", None, BATCH, &t);
    let t = sample::<BATCH>(&r.timer, n, || {
        let w = black_box(&word);
        let mut cur = w.load(Ordering::Relaxed);
        while let Err(seen) = w.compare_exchange_weak(cur, cur + 1, Ordering::Relaxed, Ordering::Relaxed) {
            cur = seen;
        }
    });
    r.add("check", "floor: bare compare_exchange loop", None, BATCH, &t);
    let line =
        FloorLine { killed: AtomicU64::new(0), messages: AtomicU64::new(0), orders: AtomicU64::new(0) };
    let fl = std::ptr::from_ref(&line).cast::<fixprov_engine>();
    let floor_fn: CheckFn = black_box(floor_check);
    // SAFETY: `fl` points at `line`, live until the end of this function.
    expect("floor", OK, || unsafe { floor_fn(fl, 0, ORDER) });
    let t = sample::<BATCH>(&r.timer, n, || {
        // SAFETY: as above.
        black_box(unsafe { floor_fn(black_box(fl), black_box(0), black_box(ORDER)) });
    });
    r.add("check", FLOOR_CHECK, None, BATCH, &t);

    // Single calls: the per-call distribution itself, for the tails and the plot.
    let t = sample::<1>(&r.timer, n1, || {
        // SAFETY: see above.
        black_box(unsafe { (c.check)(black_box(e), black_box(admitted), black_box(ORDER)) });
    });
    r.add("single", "fixprov_check order admitted", None, 1, &t);
    let t = sample::<1>(&r.timer, n1, || {
        // SAFETY: see above.
        black_box(unsafe { (c.check)(black_box(e), black_box(admitted), black_box(OTHER)) });
    });
    r.add("single", "fixprov_check other admitted", None, 1, &t);
    let t = sample::<1>(&r.timer, n1, || {
        // SAFETY: see above.
        black_box(unsafe { (c.check)(black_box(e), black_box(throttled), black_box(ORDER)) });
    });
    r.add("single", "fixprov_check order throttled", None, 1, &t);
    // SAFETY: see above.
    let mut now = unsafe { &*raw.0 }.engine().now();
    let t = sample::<1>(&r.timer, n1, || {
        now += 1;
        // SAFETY: see above.
        black_box(unsafe { (c.check_at)(black_box(e), black_box(admitted), black_box(ORDER), now) });
    });
    r.add("single", "fixprov_check_at order admitted", None, 1, &t);
    let t = sample::<1>(&r.timer, n1, || {
        black_box(black_box(&direct).check().is_ok());
    });
    r.add("single", "governor direct check()", None, 1, &t);
    let t = sample::<1>(&r.timer, n1, || {
        black_box(black_box(&keyed).check_key(black_box(&7u64)).is_ok());
    });
    r.add("single", "governor keyed check_key()", None, 1, &t);
    let t = sample::<1>(&r.timer, n1, || {
        black_box(black_box(&ratelimiter).try_wait().is_ok());
    });
    r.add("single", "ratelimit try_wait()", None, 1, &t);
    let t = sample::<1>(&r.timer, n1, || {
        // SAFETY: `empty` has no preconditions.
        black_box(unsafe { empty_fn(black_box(e), black_box(admitted), black_box(ORDER)) });
    });
    r.add("single", "floor: empty extern \"C\" call", None, 1, &t);
    // SAFETY: the engine is live until its Raw drops at the end of this function.
    expect("admitted after", OK, || unsafe { (c.check)(e, admitted, ORDER) });
    // SAFETY: the engine is live until its Raw drops at the end of this function.
    expect("throttled after", THROTTLED, || unsafe { (c.check)(e, throttled, ORDER) });
}

/// Length of the pre-generated random session sequence (a power of two, cycled).
const SEQUENCE: usize = 1 << 21;

/// The check on sessions picked at random among `scales` open sessions (1, 1,000, 100,000,
/// 1,000,000): every path, and governor keyed over the same number of keys, in one engine.
pub fn many_sessions(r: &mut Results, sizes: &Sizes) {
    let max = *sizes.scales.iter().max().expect("at least one scale");
    println!("\n== sessions picked at random among 1 to {max} open sessions ==");
    let max32 = u32::try_from(max).expect("at most 16,777,216 sessions");
    let config = Config { max_sessions: max32.max(16), default_rules: false, ..Config::default() };
    let started = std::time::Instant::now();
    let raw = Raw::new(Engine::open(config).expect("engine opens"));
    let engine = raw.engine();
    // One user on a tier whose max_sessions allows them all.
    engine.tiers().set("big", open_tier(max32)).unwrap();
    engine.tiers().assign("big-user", "big").unwrap();
    let handles: Vec<u64> = (0..max).map(|_| engine.sessions().open("big-user").unwrap()).collect();
    // The same number of single owners' sessions, on a second engine (the mode is a session's,
    // and a table of one mode is what a host of that kind runs).
    let owned_raw = Raw::new(
        Engine::open(Config { max_sessions: max32.max(16), default_rules: false, ..Config::default() })
            .expect("engine opens"),
    );
    let owned_engine = owned_raw.engine();
    owned_engine.tiers().set("big", open_tier(max32)).unwrap();
    owned_engine.tiers().assign("big-user", "big").unwrap();
    let owned_handles: Vec<u64> = (0..max)
        .map(|_| {
            let s = owned_engine.sessions().open("big-user").unwrap();
            owned_engine.sessions().set_mode(s, OWNED).unwrap();
            s
        })
        .collect();
    owned_engine.audit().flush().unwrap();
    // The session.open audit events are queued (and beyond 100,000 dropped and counted): write them
    // now rather than while measuring.
    engine.audit().flush().unwrap();
    println!("  opened {max} sessions in {:.2} s", started.elapsed().as_secs_f64());
    r.fact("sessions_open_seconds", crate::measure::round(started.elapsed().as_secs_f64()));

    let quota = Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap());
    let keyed = RateLimiter::keyed(quota);
    for h in &handles {
        assert!(keyed.check_key(h).is_ok());
    }

    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let picks: Vec<(u64, Vec<usize>)> = sizes
        .scales
        .iter()
        .map(|&n| (n, (0..SEQUENCE).map(|_| rng.gen_range(0..n as usize)).collect()))
        .collect();
    let sequences: Vec<(u64, Vec<u64>)> =
        picks.iter().map(|(n, p)| (*n, p.iter().map(|&i| handles[i]).collect())).collect();
    let owned_sequences: Vec<Vec<u64>> =
        picks.iter().map(|(_, p)| p.iter().map(|&i| owned_handles[i]).collect()).collect();
    let eo = owned_raw.0 as *const fixprov_engine;
    let e = raw.0 as *const fixprov_engine;
    let c = Checks::new();
    let samples = sizes.scale_samples;

    for (path, want) in [("admitted", OK), ("throttled", THROTTLED)] {
        if path == "throttled" {
            // Every session's policy becomes the closed tier's (pushed to each live session).
            engine.tiers().set("big", closed_tier(max32)).unwrap();
        }
        // What the engine's housekeeping thread costs meanwhile (it reads every session's counters
        // once a second and queues one audit record per session with new violations).
        let (cpu0, wall0) = (thread_cpu_seconds("fixprov-house"), std::time::Instant::now());
        for (n, seq) in &sequences {
            // Bring every session of this scale in once (untimed), so the first measurement of a
            // scale does not pay for lines the later ones find warm.
            for &h in &handles[..*n as usize] {
                // SAFETY: `e` is live until `raw` drops at the end.
                black_box(unsafe { (c.check)(e, h, OTHER) });
            }
            let count = *n as usize;
            let n = Some(*n);
            for (class, cname) in [(ORDER, "order"), (OTHER, "other")] {
                // SAFETY: `e` is live until `raw` drops at the end.
                expect(path, want, || unsafe { (c.check)(e, seq[0], class) });
                let mut i = 0usize;
                let t = sample::<BATCH>(&r.timer, samples, || {
                    let session = seq[i & (SEQUENCE - 1)];
                    i += 1;
                    // SAFETY: see above.
                    black_box(unsafe { (c.check)(black_box(e), session, black_box(class)) });
                });
                r.add("scale", format!("fixprov_check {cname} {path}"), n, BATCH, &t);
                let mut now = engine.now();
                let mut i = 0usize;
                let t = sample::<BATCH>(&r.timer, samples, || {
                    let session = seq[i & (SEQUENCE - 1)];
                    i += 1;
                    now += 1;
                    // SAFETY: see above.
                    black_box(unsafe { (c.check_at)(black_box(e), session, black_box(class), now) });
                });
                r.add("scale", format!("fixprov_check_at {cname} {path}"), n, BATCH, &t);
            }
            if path == "admitted" {
                // Orders with the session prefetched AHEAD messages before its check, as a host does
                // at socket read time; and the same for single owners, without and with it.
                let owned_seq =
                    &owned_sequences[sequences.iter().position(|(m, _)| *m as usize == count).unwrap()];
                for &h in &owned_handles[..count] {
                    // SAFETY: `eo` is live until `owned_raw` drops at the end.
                    black_box(unsafe { (c.check)(eo, h, OTHER) });
                }
                for (engine, seq, who, ahead) in [
                    (e, seq, "", true),
                    (eo, owned_seq, ", single owner", false),
                    (eo, owned_seq, ", single owner", true),
                ] {
                    // SAFETY: both engines are live until their Raws drop at the end.
                    expect(path, want, || unsafe { (c.check)(engine, seq[0], ORDER) });
                    let mut i = 0usize;
                    let t = sample::<BATCH>(&r.timer, samples, || {
                        let session = seq[i & (SEQUENCE - 1)];
                        if ahead {
                            // SAFETY: see above.
                            unsafe { (c.prefetch)(engine, seq[(i + AHEAD) & (SEQUENCE - 1)]) };
                        }
                        i += 1;
                        // SAFETY: see above.
                        black_box(unsafe { (c.check)(black_box(engine), session, black_box(ORDER)) });
                    });
                    let prefetch = if ahead { ", prefetch" } else { "" };
                    r.add("scale", format!("fixprov_check order admitted{who}{prefetch}"), n, BATCH, &t);
                }
                let mut i = 0usize;
                let t = sample::<BATCH>(&r.timer, samples, || {
                    let key = &seq[i & (SEQUENCE - 1)];
                    i += 1;
                    black_box(black_box(&keyed).check_key(key).is_ok());
                });
                r.add("scale", "governor keyed check_key()", n, BATCH, &t);
            }
        }
        let cpu = thread_cpu_seconds("fixprov-house") - cpu0;
        let wall = wall0.elapsed().as_secs_f64();
        println!("  housekeeper thread during the {path} phase: {cpu:.2} s CPU over {wall:.2} s");
        r.fact(&format!("scale_{path}_housekeeper_cpu_s"), crate::measure::round(cpu));
        r.fact(&format!("scale_{path}_wall_s"), crate::measure::round(wall));
    }
}

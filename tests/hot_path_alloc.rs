//! The hot path allocates nothing: a counting global allocator around a million checks, through the
//! C ABI and the Rust API, admitted, throttled, escalated, killed and stale alike.

use fixprov::ffi::*;
use fixprov::{ClockConfig, Config, Engine, ManualClock, MsgClass, TierSpec, Verdict};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls made while this thread's
// flag is set.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, ALLOCATIONS.load(Ordering::Relaxed) - before)
}

#[test]
fn a_million_checks_allocate_nothing() {
    let clock = ManualClock::new(1_000_000_000);
    let engine =
        Engine::open(Config { clock: ClockConfig::Manual(clock.clone()), ..Config::default() }).unwrap();
    engine
        .tiers()
        .set("t", TierSpec { escalation_threshold: 1_000, ..TierSpec::new(1_000, 2_000, 10, 50) })
        .unwrap();
    engine.tiers().assign("u", "t").unwrap();
    let a = engine.sessions().open("u").unwrap();
    let b = engine.sessions().open("u").unwrap();
    let killed = engine.sessions().open("u").unwrap();
    engine.sessions().kill(killed).unwrap();
    let stale = engine.sessions().open("u").unwrap();
    engine.sessions().close(stale).unwrap();
    let e = fixprov_engine::into_raw(engine);

    let (verdicts, allocations) = counted(|| {
        let mut seen = [0u64; 4];
        for i in 0..250_000u64 {
            clock.advance(1_000);
            // SAFETY: `e` is a live engine for the whole loop.
            unsafe {
                for (s, class) in [(a, 1), (b, 0), (killed, 1)] {
                    match fixprov_check(e, s, class) {
                        fixprov_status::FIXPROV_OK => seen[0] += 1,
                        fixprov_status::FIXPROV_THROTTLED => seen[1] += 1,
                        fixprov_status::FIXPROV_DISCONNECT => seen[2] += 1,
                        _ => seen[3] += 1,
                    }
                }
                let _ = fixprov_check_at(e, stale, 0, i);
                let _ = fixprov_check_msgtype(e, a, b"D".as_ptr(), 1);
                let _ = fixprov_check_msgtype(e, b, b"AB".as_ptr(), 2);
                let _ = fixprov_check_msgtype(e, b, b"\x01".as_ptr(), 1);
            }
        }
        seen
    });
    assert_eq!(allocations, 0, "the hot path allocated");
    assert!(verdicts.iter().all(|v| *v > 0), "every verdict was exercised: {verdicts:?}");

    // The Rust API too.
    // SAFETY: `e` came from `fixprov_engine_ptr` and is still open.
    let engine = unsafe { (*e).engine() };
    let (_, allocations) = counted(|| {
        for _ in 0..100_000 {
            let _ = engine.check(a, MsgClass::Order);
            let _ = engine.check_msgtype(b, b"0");
        }
    });
    assert_eq!(allocations, 0);

    // Weighed checks: by the tier's table (single and longer MsgTypes, weight 0 and above the
    // burst) and with the host's weight, shared and single owner.
    let weights = [("E".to_string(), 5u64), ("F".to_string(), 0), ("AB".to_string(), 60)].into();
    engine.tiers().set_weights("t", &weights).unwrap();
    let owned = engine.sessions().open("u").unwrap();
    engine.sessions().set_mode(owned, fixprov::CheckMode::SingleOwner { watched: false }).unwrap();
    let (verdicts, allocations) = counted(|| {
        let mut seen = [0u64; 2];
        for i in 0..100_000u64 {
            clock.advance(1_000);
            for s in [a, owned] {
                for msgtype in [&b"E"[..], b"F", b"AB", b"D", b"0"] {
                    seen[usize::from(engine.check_msgtype(s, msgtype) != Ok(Verdict::Ok))] += 1;
                }
                seen[usize::from(
                    engine.check_weighted(s, MsgClass::Order, (i % 7) as u32) != Ok(Verdict::Ok),
                )] += 1;
            }
        }
        seen
    });
    assert_eq!(allocations, 0, "a weighed check allocated");
    assert!(verdicts.iter().all(|v| *v > 0), "admitted and refused: {verdicts:?}");
    // SAFETY: closed once.
    unsafe { fixprov_engine_close(e) };
}

#[test]
fn evaluating_an_eligible_user_allocates_nothing() {
    use fixprov::cold::rules::{AccountFacts, Currency, Money};
    let engine = Engine::open(Config::default()).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let facts = AccountFacts {
        balance: Some(Money::new(250_000, Currency::USD)),
        volume_30d: Some(Money::new(5_000_000, Currency::USD)),
        account_created_unix_ms: Some(now - 90 * 86_400_000),
        kyc_level: Some(3),
        ..AccountFacts::default()
    };
    engine.eligibility().account_set("eligible", facts).unwrap();
    assert!(engine.eligibility().evaluate("eligible").eligible);
    let (eligible, allocations) =
        counted(|| (0..10_000).all(|_| engine.eligibility().evaluate("eligible").eligible));
    assert!(eligible);
    assert_eq!(allocations, 0, "evaluating an eligible user against the default rules allocated");
}

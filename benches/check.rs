//! The per-message check against governor, in one run, with the ratios BENCHMARKS.md quotes.
//!
//! `cargo bench --bench check` runs every benchmark, then prints the table of medians and ratios
//! (read back from criterion's estimates) and the targets of the hot-path issue: a single owner's
//! order check, a shared one, a batch of 8 per message, and 100,000 sessions picked at random with
//! and without `fixprov_prefetch`, each beside governor in the same process. Absolute times drift
//! between machines; ratios measured side by side in one process are what is compared with
//! ../shared/ANCHORS.md. The million-session rows are the latency harness's (benches/latency).

#[path = "common/mod.rs"]
mod common;

use criterion::{black_box, Criterion};
use fixprov::ffi::{
    fixprov_check, fixprov_check_at, fixprov_check_batch, fixprov_engine, fixprov_engine_close,
    fixprov_prefetch, fixprov_status,
};
use fixprov::{CheckMode, Config, Engine, TierSpec};
use governor::{Quota, RateLimiter};
use rand::{Rng, SeedableRng};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type CheckFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32) -> fixprov_status;
type CheckAtFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32, u64) -> fixprov_status;
type BatchFn = unsafe extern "C" fn(
    *const fixprov_engine,
    u64,
    *const u32,
    usize,
    *mut fixprov_status,
) -> fixprov_status;
type PrefetchFn = unsafe extern "C" fn(*const fixprov_engine, u64);

const ORDER: u32 = 1;
const OTHER: u32 = 0;
/// Messages per benchmarked batch.
const BATCH: usize = 8;
/// Sessions of the scale rows, and how far ahead of its check a session is prefetched.
const SCALE: usize = 100_000;
const AHEAD: usize = 8;
/// Length of the random session sequence (a power of two, cycled).
const SEQUENCE: usize = 1 << 20;
const OWNED: CheckMode = CheckMode::SingleOwner { watched: false };

/// A tier so generous that every benchmarked check is admitted (the path a healthy session takes).
fn open_tier(max_sessions: u32) -> TierSpec {
    TierSpec {
        escalation_threshold: 0,
        ..TierSpec::new(1_000_000_000, 1_000_000_000, max_sessions, 1_000_000_000)
    }
}

/// An engine with `n` sessions on the open tier, in `mode`.
fn engine(n: usize, mode: CheckMode) -> (*mut fixprov_engine, Vec<u64>) {
    let config = Config { max_sessions: (n as u32).max(16), default_rules: false, ..Config::default() };
    let engine = Engine::open(config).expect("engine opens");
    engine.tiers().set("bench", open_tier(n as u32)).unwrap();
    engine.tiers().assign("bench-user", "bench").unwrap();
    let sessions: Vec<u64> = (0..n)
        .map(|_| {
            let s = engine.sessions().open("bench-user").unwrap();
            engine.sessions().set_mode(s, mode).unwrap();
            s
        })
        .collect();
    engine.audit().flush().unwrap();
    (fixprov_engine::into_raw(engine), sessions)
}

fn benches(c: &mut Criterion) {
    // The shared engine's second session takes the caller's-time rows (their time base runs ahead
    // of the engine clock's, so the two must not share a session).
    let (shared, s) = engine(2, CheckMode::Shared);
    let (owned, o) = engine(1, OWNED);
    let (session, at_session, owned_session) = (s[0], s[1], o[0]);
    // Called through pointers the optimizer cannot see through, as a host calls into the cdylib.
    let check: CheckFn = black_box(fixprov_check);
    let check_at: CheckAtFn = black_box(fixprov_check_at);
    let batch: BatchFn = black_box(fixprov_check_batch);
    let prefetch: PrefetchFn = black_box(fixprov_prefetch);

    let mut group = c.benchmark_group("check");
    // What every unsafe block below relies on: each engine is live until closed after the groups.
    group.bench_function("fixprov_check_order", |b| {
        // SAFETY: see above.
        b.iter(|| unsafe { check(black_box(shared), black_box(session), black_box(ORDER)) })
    });
    group.bench_function("fixprov_check_other", |b| {
        // SAFETY: see above.
        b.iter(|| unsafe { check(black_box(shared), black_box(session), black_box(OTHER)) })
    });
    let mut now = 0u64;
    group.bench_function("fixprov_check_at_order", |b| {
        b.iter(|| {
            now += 1_000;
            // SAFETY: see above.
            unsafe { check_at(black_box(shared), black_box(at_session), black_box(ORDER), now) }
        })
    });
    group.bench_function("fixprov_check_order_single_owner", |b| {
        // SAFETY: see above.
        b.iter(|| unsafe { check(black_box(owned), black_box(owned_session), black_box(ORDER)) })
    });
    group.bench_function("fixprov_check_other_single_owner", |b| {
        // SAFETY: see above.
        b.iter(|| unsafe { check(black_box(owned), black_box(owned_session), black_box(OTHER)) })
    });
    let classes = [ORDER; BATCH];
    let mut out = [fixprov_status::FIXPROV_OK; BATCH];
    for (id, engine, session) in [
        ("fixprov_check_batch8_order", shared, session),
        ("fixprov_check_batch8_order_single_owner", owned, owned_session),
    ] {
        group.bench_function(id, |b| {
            b.iter(|| {
                // SAFETY: see above; both arrays hold BATCH entries.
                unsafe {
                    batch(black_box(engine), black_box(session), classes.as_ptr(), BATCH, out.as_mut_ptr())
                }
            })
        });
        assert!(out.iter().all(|s| *s == fixprov_status::FIXPROV_OK), "{id}: {out:?}");
    }

    let quota = Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap());
    let direct = RateLimiter::direct(quota);
    group.bench_function("governor_direct", |b| b.iter(|| black_box(&direct).check().is_ok()));
    let keyed = RateLimiter::keyed(quota);
    group.bench_function("governor_keyed", |b| {
        b.iter(|| black_box(&keyed).check_key(black_box(&7u64)).is_ok())
    });

    let word = AtomicU64::new(0);
    group.bench_function("bare_cas", |b| {
        b.iter(|| {
            let w = black_box(&word);
            let mut cur = w.load(Ordering::Relaxed);
            while let Err(seen) = w.compare_exchange_weak(cur, cur + 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                cur = seen;
            }
        })
    });
    group.finish();

    // 100,000 sessions picked at random: one engine per mode, and governor keyed with as many keys.
    let mut group = c.benchmark_group("scale");
    let (shared_n, handles) = engine(SCALE, CheckMode::Shared);
    let (owned_n, owned_handles) = engine(SCALE, OWNED);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let picks: Vec<usize> = (0..SEQUENCE).map(|_| rng.gen_range(0..SCALE)).collect();
    let seq: Vec<u64> = picks.iter().map(|&i| handles[i]).collect();
    let owned_seq: Vec<u64> = picks.iter().map(|&i| owned_handles[i]).collect();
    let keyed_n = RateLimiter::keyed(quota);
    for h in &handles {
        assert!(keyed_n.check_key(h).is_ok());
    }
    for (id, engine, seq, ahead) in [
        ("fixprov_check_order_100k", shared_n, &seq, false),
        ("fixprov_check_order_100k_prefetch", shared_n, &seq, true),
        ("fixprov_check_order_single_owner_100k", owned_n, &owned_seq, false),
        ("fixprov_check_order_single_owner_100k_prefetch", owned_n, &owned_seq, true),
    ] {
        let mut i = 0usize;
        group.bench_function(id, |b| {
            b.iter(|| {
                let session = seq[i & (SEQUENCE - 1)];
                if ahead {
                    // SAFETY: see above.
                    unsafe { prefetch(engine, seq[(i + AHEAD) & (SEQUENCE - 1)]) };
                }
                i += 1;
                // SAFETY: see above.
                unsafe { check(black_box(engine), session, black_box(ORDER)) }
            })
        });
    }
    let mut i = 0usize;
    group.bench_function("governor_keyed_100k", |b| {
        b.iter(|| {
            let key = &seq[i & (SEQUENCE - 1)];
            i += 1;
            black_box(&keyed_n).check_key(key).is_ok()
        })
    });
    group.finish();
    for engine in [shared, owned, shared_n, owned_n] {
        // SAFETY: opened above, closed once, no check in flight.
        unsafe { fixprov_engine_close(engine) };
    }
}

/// One printed target: `row` over `base` against `bound`.
fn target(what: &str, row: Option<f64>, base: Option<f64>, bound: f64) {
    match row.zip(base) {
        Some((a, b)) => {
            let ratio = a / b;
            let met = if ratio <= bound { "met" } else { "MISSED" };
            println!("- {what}: {ratio:.2} x (target <= {bound}): {met}");
        }
        None => println!("- {what}: not measured"),
    }
}

fn report() {
    let check_ids = [
        "fixprov_check_order",
        "fixprov_check_other",
        "fixprov_check_at_order",
        "fixprov_check_order_single_owner",
        "fixprov_check_other_single_owner",
        "fixprov_check_batch8_order",
        "fixprov_check_batch8_order_single_owner",
        "governor_direct",
        "governor_keyed",
        "bare_cas",
    ];
    let scale_ids = [
        "fixprov_check_order_100k",
        "fixprov_check_order_100k_prefetch",
        "fixprov_check_order_single_owner_100k",
        "fixprov_check_order_single_owner_100k_prefetch",
        "governor_keyed_100k",
    ];
    let m = |group: &str, id: &str| common::median_ns(group, id);
    let (Some(direct), Some(keyed)) = (m("check", "governor_direct"), m("check", "governor_keyed")) else {
        return;
    };
    println!("\n| benchmark | median ns (per message) | / governor direct | / governor keyed |");
    println!("| --- | ---: | ---: | ---: |");
    for id in check_ids {
        if let Some(v) = m("check", id) {
            let v = if id.contains("batch8") { v / BATCH as f64 } else { v };
            println!("| {id} | {v:.2} | {:.2} | {:.2} |", v / direct, v / keyed);
        }
    }
    let keyed_n = m("scale", "governor_keyed_100k");
    println!("\n| 100,000 sessions at random | median ns | / governor keyed, 100,000 keys |");
    println!("| --- | ---: | ---: |");
    for id in scale_ids {
        if let (Some(v), Some(k)) = (m("scale", id), keyed_n) {
            println!("| {id} | {v:.2} | {:.2} |", v / k);
        }
    }
    let per = |id: &str| m("check", id).map(|v| v / BATCH as f64);
    println!("\nTargets (one run, this CPU):");
    target(
        "single-owner order check / governor direct",
        m("check", "fixprov_check_order_single_owner"),
        Some(direct),
        0.35,
    );
    target("shared order check / governor direct", m("check", "fixprov_check_order"), Some(direct), 0.7);
    target("shared order check / governor keyed", m("check", "fixprov_check_order"), Some(keyed), 0.35);
    for (what, id) in [
        ("100k shared / governor keyed 100k", "fixprov_check_order_100k"),
        ("100k shared, prefetch / governor keyed 100k", "fixprov_check_order_100k_prefetch"),
        ("100k single owner / governor keyed 100k", "fixprov_check_order_single_owner_100k"),
        (
            "100k single owner, prefetch / governor keyed 100k",
            "fixprov_check_order_single_owner_100k_prefetch",
        ),
    ] {
        target(what, m("scale", id), keyed_n, 0.5);
    }
    target(
        "batch of 8 per message / single check (shared)",
        per("fixprov_check_batch8_order"),
        m("check", "fixprov_check_order"),
        0.6,
    );
    target(
        "batch of 8 per message / single check (single owner)",
        per("fixprov_check_batch8_order_single_owner"),
        m("check", "fixprov_check_order_single_owner"),
        0.6,
    );
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    if !common::listing_only() {
        println!("CPU: {}", common::cpu_model());
        report();
    }
}

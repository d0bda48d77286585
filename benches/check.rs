//! The per-message check against governor, in one run, with the ratios docs/performance.md quotes.
//!
//! `cargo bench --bench check` runs every benchmark, then prints the table of medians and ratios
//! (read back from criterion's estimates). Absolute times drift between machines; ratios measured
//! side by side in one process are what is compared with ../shared/ANCHORS.md.

#[path = "common/mod.rs"]
mod common;

use criterion::{black_box, Criterion};
use fixprov::ffi::{fixprov_check, fixprov_check_at, fixprov_engine, fixprov_engine_close, fixprov_status};
use fixprov::{Config, Engine, TierSpec};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type CheckFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32) -> fixprov_status;
type CheckAtFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32, u64) -> fixprov_status;

const ORDER: u32 = 1;
const OTHER: u32 = 0;

/// An engine with a tier so generous that every benchmarked check is admitted (the path a healthy
/// session takes), and one session on it.
fn engine() -> (*mut fixprov_engine, u64) {
    let engine = Engine::open(Config::default()).expect("engine opens");
    let open = TierSpec {
        escalation_threshold: 0,
        ..TierSpec::new(1_000_000_000, 1_000_000_000, 10, 1_000_000_000)
    };
    engine.tiers().set("bench", open).unwrap();
    engine.tiers().assign("bench-user", "bench").unwrap();
    let session = engine.sessions().open("bench-user").unwrap();
    (fixprov_engine::into_raw(engine), session)
}

fn benches(c: &mut Criterion) {
    let (engine, session) = engine();
    // Called through a pointer the optimizer cannot see through, as a host calls into the cdylib.
    let check: CheckFn = black_box(fixprov_check);
    let check_at: CheckAtFn = black_box(fixprov_check_at);

    let mut group = c.benchmark_group("check");
    group.bench_function("fixprov_check_order", |b| {
        // SAFETY: `engine` is live until closed after the group.
        b.iter(|| unsafe { check(black_box(engine), black_box(session), black_box(ORDER)) })
    });
    group.bench_function("fixprov_check_other", |b| {
        // SAFETY: as above.
        b.iter(|| unsafe { check(black_box(engine), black_box(session), black_box(OTHER)) })
    });
    let mut now = 0u64;
    group.bench_function("fixprov_check_at_order", |b| {
        b.iter(|| {
            now += 1_000;
            // SAFETY: as above.
            unsafe { check_at(black_box(engine), black_box(session), black_box(ORDER), now) }
        })
    });

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
    // SAFETY: opened above, closed once, no check in flight.
    unsafe { fixprov_engine_close(engine) };
}

fn report() {
    let ids = [
        "fixprov_check_order",
        "fixprov_check_other",
        "fixprov_check_at_order",
        "governor_direct",
        "governor_keyed",
        "bare_cas",
    ];
    let medians: Vec<Option<f64>> = ids.iter().map(|id| common::median_ns("check", id)).collect();
    let (Some(order), Some(direct), Some(keyed)) = (medians[0], medians[3], medians[4]) else {
        return;
    };
    println!("\n| benchmark | median ns | / governor direct | / governor keyed |");
    println!("| --- | ---: | ---: | ---: |");
    for (id, m) in ids.iter().zip(&medians) {
        if let Some(m) = m {
            println!("| {id} | {m:.2} | {:.2} | {:.2} |", m / direct, m / keyed);
        }
    }
    println!(
        "\norder check: {:.2} x governor direct (target <= 0.55), {:.2} x governor keyed (target <= 0.25)",
        order / direct,
        order / keyed
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
        report();
    }
}

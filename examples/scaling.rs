//! Multi-core scaling of the check: N threads each checking its own session, then N threads on one
//! shared session (contended), in ns per check per thread. The thread counts are arguments, so the
//! same release build runs on a bigger machine:
//!
//!     cargo run --release --example scaling -- 1 2 4 8 16
//!
//! Each thread calls fixprov_check_at through the C ABI with its own advancing timestamp on a tier
//! that admits everything, so the numbers are the admitted path's cost.

use fixprov::ffi::{fixprov_check_at, fixprov_engine, fixprov_engine_close, fixprov_status};
use fixprov::{Config, Engine, TierSpec};
use std::sync::{Arc, Barrier};
use std::time::Instant;

const CHECKS: u64 = 20_000_000;

struct Shared(*mut fixprov_engine);
// SAFETY: the engine may be used from several threads at once (fixprov_check_at is thread-safe);
// the pointer is only passed to it, and the engine outlives every thread (joined before close).
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

fn run(engine: &Arc<Shared>, sessions: &[u64]) -> f64 {
    let barrier = Arc::new(Barrier::new(sessions.len()));
    let threads: Vec<_> = sessions
        .iter()
        .map(|&session| {
            let (engine, barrier) = (engine.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                let mut admitted = 0u64;
                for i in 0..CHECKS {
                    // SAFETY: the engine is open until every thread is joined.
                    let s = unsafe { fixprov_check_at(engine.0, session, 1, 1_000_000_000 + i * 10) };
                    admitted += u64::from(s == fixprov_status::FIXPROV_OK);
                }
                assert!(admitted > 0);
                start.elapsed().as_nanos() as f64 / CHECKS as f64
            })
        })
        .collect();
    let per_thread: Vec<f64> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    per_thread.iter().sum::<f64>() / per_thread.len() as f64
}

fn main() {
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1, 2] } else { counts };
    let max = *counts.iter().max().unwrap_or(&1);
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).expect("engine");
    let open = TierSpec {
        escalation_threshold: 0,
        ..TierSpec::new(1_000_000_000, 1_000_000_000, 1_000, 1_000_000_000)
    };
    engine.tiers().set("open", open).unwrap();
    let mut separate = Vec::new();
    for i in 0..max {
        let user = format!("u{i}");
        engine.tiers().assign(&user, "open").unwrap();
        separate.push(engine.sessions().open(&user).unwrap());
    }
    engine.tiers().assign("shared", "open").unwrap();
    let shared_session = engine.sessions().open("shared").unwrap();
    let engine = Arc::new(Shared(fixprov_engine::into_raw(engine)));
    println!("cores: {}", std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!("| threads | separate sessions, ns/check/thread | one shared session, ns/check/thread |");
    println!("| ---: | ---: | ---: |");
    for n in counts {
        let separate_ns = run(&engine, &separate[..n]);
        let shared_ns = run(&engine, &vec![shared_session; n]);
        println!("| {n} | {separate_ns:.2} | {shared_ns:.2} |");
    }
    // SAFETY: every thread was joined; closed once.
    unsafe { fixprov_engine_close(engine.0) };
}

//! Multi-core scaling: N threads each on its own session, then N threads on one shared session
//! (contended), in ns per check per thread. The thread counts are arguments (`--threads 1,2,16`), so
//! the same release build runs on a bigger machine.

use crate::hot::{open_tier, Checks, Raw, ORDER};
use crate::measure::CpuUse;
use crate::results::{Results, Scaling};
use crate::Sizes;
use fixprov::ffi::{fixprov_engine, fixprov_status};
use fixprov::{Config, Engine};
use std::sync::{Arc, Barrier};
use std::time::Instant;

/// Each of `sessions.len()` threads makes `checks` fixprov_check_at calls (order, admitted path) on
/// its session, all starting together; the mean over threads of each thread's ns per check.
fn run(raw: &Arc<Raw>, sessions: &[u64], checks: u64) -> f64 {
    let barrier = Arc::new(Barrier::new(sessions.len()));
    let base = raw.engine().now();
    let threads: Vec<_> = sessions
        .iter()
        .map(|&session| {
            let (raw, barrier) = (raw.clone(), barrier.clone());
            std::thread::spawn(move || {
                let check_at = Checks::new().check_at;
                let e = raw.0 as *const fixprov_engine;
                barrier.wait();
                let start = Instant::now();
                let mut admitted = 0u64;
                for i in 0..checks {
                    // SAFETY: the engine is live until every thread is joined (`raw` is shared).
                    let s = unsafe { check_at(e, session, ORDER, base + i) };
                    admitted += u64::from(s == fixprov_status::FIXPROV_OK);
                }
                let ns = start.elapsed().as_nanos() as f64 / checks as f64;
                assert_eq!(admitted, checks, "every check is admitted");
                ns
            })
        })
        .collect();
    let per_thread: Vec<f64> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    per_thread.iter().sum::<f64>() / per_thread.len() as f64
}

pub fn scaling_rows(r: &mut Results, sizes: &Sizes) {
    let counts = &sizes.threads;
    println!("\n== scaling: threads {counts:?} (cores: {}) ==", crate::cores());
    let max = *counts.iter().max().unwrap_or(&1);
    let raw = Arc::new(Raw::new(Engine::open(Config { default_rules: false, ..Config::default() }).unwrap()));
    let engine = raw.engine();
    engine.tiers().set("open", open_tier(1_000)).unwrap();
    let separate: Vec<u64> = (0..max)
        .map(|i| {
            let user = format!("u{i}");
            engine.tiers().assign(&user, "open").unwrap();
            engine.sessions().open(&user).unwrap()
        })
        .collect();
    engine.tiers().assign("shared", "open").unwrap();
    let shared = engine.sessions().open("shared").unwrap();
    // Sessions of one user on a tier with an account limit that admits every check.
    let mut account_tier = open_tier(1_000);
    account_tier.account = fixprov::AccountLimits::per_second(1_000_000_000, 1_000_000_000);
    engine.tiers().set("account", account_tier).unwrap();
    engine.tiers().assign("account-user", "account").unwrap();
    let of_one_account: Vec<u64> =
        (0..max).map(|_| engine.sessions().open("account-user").unwrap()).collect();
    let checks = sizes.scaling_checks;
    let (cpu0, wall0) = (CpuUse::now(), std::time::Instant::now());
    // Warm up (the first run pays for page faults and frequency ramps).
    run(&raw, &separate[..1], checks / 10 + 1);
    println!("  | threads | separate sessions, ns/check/thread | one shared session, ns/check/thread |");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    for &n in counts {
        // Each run `repeats` times, the median kept: on a small shared machine one run can lose a core.
        let separate_runs: Vec<f64> =
            (0..sizes.scaling_repeats).map(|_| run(&raw, &separate[..n], checks)).collect();
        // Contended checks cost 20-200 times more: a tenth as many keeps the run short.
        let shared_runs: Vec<f64> =
            (0..sizes.scaling_repeats).map(|_| run(&raw, &vec![shared; n], checks / 10 + 1)).collect();
        // Each on its own session, all spending from one account line (contended past one thread).
        let account_runs: Vec<f64> =
            (0..sizes.scaling_repeats).map(|_| run(&raw, &of_one_account[..n], checks / 10 + 1)).collect();
        let (separate_ns, shared_ns) = (median(separate_runs.clone()), median(shared_runs.clone()));
        let account_ns = median(account_runs.clone());
        println!(
            "  | {n} | {separate_ns:.2} (runs {separate_runs:.2?}) | {shared_ns:.2} (runs {shared_runs:.2?}) | account {account_ns:.2} (runs {account_runs:.2?}) |"
        );
        r.scaling.push(Scaling {
            threads: n,
            separate_ns,
            shared_ns,
            account_ns,
            checks,
            separate_runs,
            shared_runs,
            account_runs,
        });
    }
    // Other processes' CPU use during the part, in cores: a busy machine distorts these most.
    let others = CpuUse::now().others_since(&cpu0, wall0.elapsed().as_secs_f64());
    println!("  other processes used {others:.2} cores on average meanwhile");
    r.fact("scaling_other_processes_cores", crate::measure::round(others));
}

//! The hot-path check while the admin server answers a steady stream of GET /admin/fix/stats and
//! GET /metrics, against the same check with the server idle, in one run.
//!
//! `cargo bench --bench admin_load` measures the order check three times: idle, under load, idle
//! again, and prints the medians with the number of admin requests answered during the loaded
//! run. The admin server reads each session's own counters; nothing it does writes to a line the
//! check uses, so the loaded median should sit within the two idle ones' noise.
//!
//! The load is one client thread sending a request every millisecond (about 1,000 a second,
//! alternating stats and metrics, each over a fresh connection): far above what a dashboard or a
//! Prometheus scrape asks, below a saturating flood, which on a 2-core machine would measure the
//! scheduler, not the engine.

#[path = "common/mod.rs"]
mod common;

use criterion::{black_box, Criterion};
use fixprov::admin::http::TokenConfig;
use fixprov::admin::Role;
use fixprov::ffi::{fixprov_check, fixprov_engine, fixprov_engine_close, fixprov_status};
use fixprov::{Config, Engine, TierSpec};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

type CheckFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32) -> fixprov_status;

const ORDER: u32 = 1;
const TOKEN: &str = "bench-viewer-token-0123456789abcdef0123";
/// Users (each with a live session) the stats and metrics sum over on every request.
const USERS: usize = 200;

/// One GET with a bearer token; true when it answered 200.
fn get(addr: SocketAddr, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else { return false };
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    );
    let mut response = Vec::new();
    stream.write_all(head.as_bytes()).is_ok()
        && stream.read_to_end(&mut response).is_ok()
        && response.starts_with(b"HTTP/1.1 200")
}

fn benches(c: &mut Criterion) {
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).expect("engine opens");
    let open = TierSpec {
        escalation_threshold: 0,
        ..TierSpec::new(1_000_000_000, 1_000_000_000, 10, 1_000_000_000)
    };
    engine.tiers().set("bench", open).unwrap();
    let mut sessions = Vec::new();
    for i in 0..USERS {
        let user = format!("user-{i}");
        engine.tiers().assign(&user, "bench").unwrap();
        sessions.push(engine.sessions().open(&user).unwrap());
    }
    let session = sessions[0];
    let tokens = vec![TokenConfig { name: "bench".into(), role: Role::Viewer, token: TOKEN.into() }];
    let admin = fixprov::admin::Admin::new(&engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens, false).unwrap();
    assert!(get(addr, "/admin/fix/stats") && get(addr, "/metrics"), "the admin server answers");
    let engine = fixprov_engine::into_raw(engine);
    let check: CheckFn = black_box(fixprov_check);

    let mut group = c.benchmark_group("admin_load");
    let measure = |group: &mut criterion::BenchmarkGroup<'_, _>, id: &str| {
        group.bench_function(id, |b| {
            // SAFETY: `engine` is live until closed after the group.
            b.iter(|| unsafe { check(black_box(engine), black_box(session), black_box(ORDER)) })
        });
    };
    measure(&mut group, "check_idle");

    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let load = {
        let (stop, served) = (stop.clone(), served.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let path = if n % 2 == 0 { "/admin/fix/stats" } else { "/metrics" };
                if get(addr, path) {
                    served.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    measure(&mut group, "check_under_admin_load");
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    measure(&mut group, "check_idle_again");
    group.finish();
    // SAFETY: opened above, closed once, no check in flight; closing stops the admin server.
    unsafe { fixprov_engine_close(engine) };
    println!("admin requests answered during the loaded run: {}", served.load(Ordering::Relaxed));
}

fn report() {
    let ids = ["check_idle", "check_under_admin_load", "check_idle_again"];
    let medians: Vec<Option<f64>> = ids.iter().map(|id| common::median_ns("admin_load", id)).collect();
    let [Some(idle), Some(loaded), Some(again)] = medians[..] else { return };
    println!("\n| order check | median ns |");
    println!("| --- | ---: |");
    for (id, m) in ids.iter().zip([idle, loaded, again]) {
        println!("| {id} | {m:.2} |");
    }
    let (low, high) = (idle.min(again), idle.max(again));
    println!(
        "\nunder admin load: {:.2} x the idle mean (idle runs {low:.2}-{high:.2} ns: {})",
        loaded / ((idle + again) / 2.0),
        if loaded <= high * 1.05 { "within noise" } else { "SLOWER than idle" }
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

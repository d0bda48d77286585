//! Logon (35=A) through the C ABI: an accepted logon (with the session closed again), a refused one
//! with a wrong password, and one with an unknown SenderCompID.
//!
//! `cargo bench --bench logon` runs every benchmark, then prints the table of medians (read back from
//! criterion's estimates) and the accepted logon's median against its target of 5 us.

#[path = "common/mod.rs"]
mod common;

use criterion::{black_box, Criterion};
use fixprov::cold::attempts::AttemptPolicy;
use fixprov::ffi::{
    fixprov_engine, fixprov_engine_close, fixprov_logon, fixprov_session_close, fixprov_status,
};
use fixprov::{Config, Engine};
use std::ffi::c_char;
use std::time::Duration;

type LogonFn = unsafe extern "C" fn(
    *const fixprov_engine,
    *const u8,
    usize,
    *const u8,
    usize,
    *const u8,
    usize,
    *const u8,
    usize,
    *const u8,
    usize,
    *mut u64,
    *mut u32,
    *mut *const c_char,
) -> fixprov_status;
type CloseFn = unsafe extern "C" fn(*const fixprov_engine, u64) -> fixprov_status;

const GROUP: &str = "logon";
const ACCEPTED: &str = "accepted_premium";
const WRONG_PASSWORD: &str = "refused_wrong_password";
const UNKNOWN_COMP_ID: &str = "refused_unknown_comp_id";
const PEER: &[u8] = b"203.0.113.7";

/// A provisioned user as the peer would log on.
struct Peer {
    sender: String,
    target: String,
    password: Vec<u8>,
}

/// An in-memory engine built with `config` and one "premium" user on it.
fn engine(config: Config) -> (*mut fixprov_engine, Peer) {
    let engine = Engine::open(config).expect("engine opens");
    let creds = engine.access().provision("bench-user", Some("premium")).expect("provisioned");
    let peer = Peer {
        sender: creds.sender_comp_id.clone(),
        target: creds.target_comp_id.clone(),
        password: creds.password.expose().to_vec(),
    };
    (fixprov_engine::into_raw(engine), peer)
}

/// One fixprov_logon call; the refusal's 1409 value and text are written as a host would ask.
///
/// # Safety
/// `engine` is live.
#[inline(always)]
unsafe fn logon(
    f: LogonFn,
    engine: *const fixprov_engine,
    sender: &[u8],
    target: &[u8],
    password: &[u8],
    session: &mut u64,
) -> fixprov_status {
    let mut session_status = 0u32;
    let mut text: *const c_char = std::ptr::null();
    // SAFETY: `engine` is live (the caller's contract); every slice outlives the call; the
    // out-parameters are writable locals.
    let status = unsafe {
        f(
            black_box(engine),
            black_box(sender.as_ptr()),
            sender.len(),
            black_box(target.as_ptr()),
            target.len(),
            black_box(password.as_ptr()),
            password.len(),
            std::ptr::null(),
            0,
            black_box(PEER.as_ptr()),
            PEER.len(),
            session,
            &mut session_status,
            &mut text,
        )
    };
    black_box((session_status, text));
    status
}

fn benches(c: &mut Criterion) {
    // Called through pointers the optimizer cannot see through, as a host calls into the cdylib.
    let logon_fn: LogonFn = black_box(fixprov_logon);
    let close_fn: CloseFn = black_box(fixprov_session_close);

    // Every logon counts against the CompID's logon rate (15 within 30 s by default), which would
    // then measure the cheap TOO_MANY_LOGONS path: a policy that never locks and forgets at once
    // (the same as the failure policy below) keeps the rate's work in every logon, as in production.
    let never = AttemptPolicy { max_failures: u32::MAX, window: Duration::ZERO, ..Default::default() };
    // Accepted logons never count as failures: otherwise the default configuration.
    let (accepting, user) =
        engine(Config { default_rules: false, logon_rate: Some(never), ..Config::default() });
    // Refused logons do count: with the default policy the user (and the address) would be locked
    // after 5 failures within 60 s, and every later attempt would measure the cheap LOCKED_OUT path.
    // max_failures = u32::MAX never locks. The window is also 0 so that failures stop counting at
    // once: with max_failures = u32::MAX and the default 60 s window every failure of the run would
    // stay in the key's list (FailedAttempts keeps up to max_failures instants per key, its docs say
    // to keep that small) and each failure would scan all of them, making the benchmark quadratic.
    // With a 0 window each failure still takes the tracker's lock, finds the key, prunes and
    // records, as in production, over a list of at most one instant.
    let policy = AttemptPolicy { max_failures: u32::MAX, window: Duration::ZERO, ..Default::default() };
    let (refusing, victim) = engine(Config {
        logon_attempts: policy,
        logon_rate: Some(policy),
        default_rules: false,
        ..Config::default()
    });
    let wrong_password = b"not-the-password-but-43-bytes-long-like-it".to_vec();

    // Each path answers what it is meant to measure (checked once here, and on every iteration).
    let mut session = 0u64;
    // SAFETY: both engines are live until closed at the end.
    unsafe {
        let s = logon(
            logon_fn,
            accepting,
            user.sender.as_bytes(),
            user.target.as_bytes(),
            &user.password,
            &mut session,
        );
        assert_eq!(s, fixprov_status::FIXPROV_OK);
        assert_eq!(close_fn(accepting, session), fixprov_status::FIXPROV_OK);
        for _ in 0..10 {
            let s = logon(
                logon_fn,
                refusing,
                victim.sender.as_bytes(),
                victim.target.as_bytes(),
                &wrong_password,
                &mut session,
            );
            assert_eq!(s, fixprov_status::FIXPROV_LOGON_BAD_CREDENTIALS, "never locked out");
        }
    }

    let mut group = c.benchmark_group(GROUP);
    group.bench_function(ACCEPTED, |b| {
        b.iter(|| {
            let mut session = 0u64;
            // SAFETY: `accepting` is live until closed after the group.
            unsafe {
                let s = logon(
                    logon_fn,
                    accepting,
                    user.sender.as_bytes(),
                    user.target.as_bytes(),
                    &user.password,
                    &mut session,
                );
                assert_eq!(s, fixprov_status::FIXPROV_OK);
                // Free the user's session slot again (premium allows 10 at once).
                assert_eq!(close_fn(black_box(accepting), black_box(session)), fixprov_status::FIXPROV_OK);
            }
        })
    });
    group.bench_function(WRONG_PASSWORD, |b| {
        b.iter(|| {
            let mut session = 0u64;
            // SAFETY: `refusing` is live until closed after the group.
            let s = unsafe {
                logon(
                    logon_fn,
                    refusing,
                    victim.sender.as_bytes(),
                    victim.target.as_bytes(),
                    &wrong_password,
                    &mut session,
                )
            };
            assert_eq!(s, fixprov_status::FIXPROV_LOGON_BAD_CREDENTIALS);
        })
    });
    group.bench_function(UNKNOWN_COMP_ID, |b| {
        b.iter(|| {
            let mut session = 0u64;
            // SAFETY: as above.
            let s = unsafe {
                logon(
                    logon_fn,
                    refusing,
                    b"FP_NOBODY",
                    victim.target.as_bytes(),
                    &victim.password,
                    &mut session,
                )
            };
            assert_eq!(s, fixprov_status::FIXPROV_LOGON_UNKNOWN_COMP_ID);
        })
    });
    group.finish();
    // SAFETY: opened above, closed once each, no call in flight.
    unsafe {
        fixprov_engine_close(accepting);
        fixprov_engine_close(refusing);
    }
}

fn report() {
    let ids = [ACCEPTED, WRONG_PASSWORD, UNKNOWN_COMP_ID];
    let medians: Vec<Option<f64>> = ids.iter().map(|id| common::median_ns(GROUP, id)).collect();
    println!("\n| benchmark | median us |");
    println!("| --- | ---: |");
    for (id, m) in ids.iter().zip(&medians) {
        if let Some(m) = m {
            println!("| {id} | {:.3} |", m / 1_000.0);
        }
    }
    if let Some(accepted) = medians[0] {
        println!("\nlogon accepted median: {:.3} us (target < 5 us)", accepted / 1_000.0);
    }
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

//! Logon (35=A) through the C ABI: an accepted logon (with the session closed again), a refused one
//! with a wrong password, one with an unknown SenderCompID, and accepted signed logons
//! (`fixprov_logon_signed`, password+signature) with Ed25519 and with HMAC-SHA256.
//!
//! `cargo bench --bench logon` runs every benchmark, then prints the table of medians (read back from
//! criterion's estimates), the accepted logon's median against its target of 5 us, and the Ed25519
//! signed logon's against its target of 50 us. Each signed logon carries a new signature (a
//! signature is accepted once), made in criterion's untimed set-up. With `FIXPROV_PUBLISH=1` the
//! signed-logon table is written into BENCHMARKS.md (its own section; scripts/bench.sh does it).

#[path = "common/mod.rs"]
mod common;

use base64::Engine as _;
use criterion::BatchSize;
use criterion::{black_box, Criterion};
use ed25519_dalek::{Signer, SigningKey};
use fixprov::cold::attempts::AttemptPolicy;
use fixprov::ffi::{
    fixprov_engine, fixprov_engine_close, fixprov_logon, fixprov_logon_signed, fixprov_session_close,
    fixprov_status,
};
use fixprov::{Config, Engine, LogonPolicy};
use hmac::Mac;
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
const SIGNED_ED25519: &str = "accepted_signed_ed25519";
const SIGNED_HMAC: &str = "accepted_signed_hmac";
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
    // Signed logons: premium on password+signature, one user with an Ed25519 key, one with an
    // HMAC key. A 200 ms window keeps the replay cache (every accepted signature, until its window
    // passes) well under its 100,000 (HMAC logons run at over 100,000 a second); each signature is
    // made just before its logon (set-up per iteration, untimed), so none goes stale waiting.
    let signed_engine = Engine::open(Config {
        default_rules: false,
        logon_rate: Some(never),
        logon_window_back: Duration::from_millis(200),
        ..Config::default()
    })
    .expect("engine opens");
    signed_engine
        .access()
        .set_tier_logon_policy("premium", LogonPolicy::PasswordAndSignature)
        .expect("policy");
    let ed_user = signed_engine.access().provision("bench-ed", Some("premium")).expect("provisioned");
    let ed_key = SigningKey::from_bytes(&[7; 32]);
    let public = base64::engine::general_purpose::STANDARD.encode(ed_key.verifying_key().to_bytes());
    signed_engine.access().add_ed25519_key("bench-ed", Some("ed"), &public, None).expect("key");
    let mac_user = signed_engine.access().provision("bench-mac", Some("premium")).expect("provisioned");
    let mac = signed_engine.access().generate_hmac_key("bench-mac", Some("mac"), None).expect("key");
    let mac_secret = base64::engine::general_purpose::STANDARD.decode(mac.secret.expose()).expect("base64");
    let target = ed_user.target_comp_id.clone();
    let signed_engine = fixprov_engine::into_raw(signed_engine);
    let signed_fn = black_box(fixprov_logon_signed);
    let mut seq = 0u64;
    let mut bench_signed = |id: &str,
                            sender: &str,
                            password: &[u8],
                            key_id: &str,
                            sign: &dyn Fn(&[u8]) -> Vec<u8>| {
        group.bench_function(id, |b| {
            b.iter_batched(
                || {
                    seq += 1;
                    let time = sending_time_now();
                    let payload = format!("A\x01{sender}\x01{target}\x01{seq}\x01{time}");
                    let raw = base64::engine::general_purpose::STANDARD.encode(sign(payload.as_bytes()));
                    (seq, time, raw)
                },
                |(seq, time, raw)| {
                    let (mut session, mut session_status, mut text) = (0u64, 0u32, std::ptr::null());
                    // SAFETY: `signed_engine` is live until closed after the group; every slice
                    // outlives the call; the out-parameters are writable locals.
                    unsafe {
                        let s = signed_fn(
                            black_box(signed_engine),
                            sender.as_ptr(),
                            sender.len(),
                            target.as_ptr(),
                            target.len(),
                            password.as_ptr(),
                            password.len(),
                            PEER.as_ptr(),
                            PEER.len(),
                            b"A".as_ptr(),
                            1,
                            seq,
                            time.as_ptr(),
                            time.len(),
                            raw.as_ptr(),
                            raw.len(),
                            key_id.as_ptr(),
                            key_id.len(),
                            &mut session,
                            &mut session_status,
                            &mut text,
                        );
                        assert_eq!(s, fixprov_status::FIXPROV_OK);
                        assert_eq!(close_fn(black_box(signed_engine), session), fixprov_status::FIXPROV_OK);
                    }
                },
                BatchSize::PerIteration,
            )
        });
    };
    let ed_password = ed_user.password.expose().to_vec();
    bench_signed(SIGNED_ED25519, &ed_user.sender_comp_id, &ed_password, "ed", &|p| {
        ed_key.sign(p).to_bytes().to_vec()
    });
    let mac_password = mac_user.password.expose().to_vec();
    bench_signed(SIGNED_HMAC, &mac_user.sender_comp_id, &mac_password, "mac", &|p| {
        let mut m = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&mac_secret).expect("any key length");
        m.update(p);
        m.finalize().into_bytes().to_vec()
    });
    group.finish();
    // SAFETY: opened above, closed once each, no call in flight.
    unsafe {
        fixprov_engine_close(accepting);
        fixprov_engine_close(refusing);
        fixprov_engine_close(signed_engine);
    }
}

/// The current time as a FIX UTCTimestamp with milliseconds.
fn sending_time_now() -> String {
    let ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis()
            as u64;
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}:{:02}:{:02}.{millis:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn report() {
    let ids = [ACCEPTED, WRONG_PASSWORD, UNKNOWN_COMP_ID, SIGNED_ED25519, SIGNED_HMAC];
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
    if let Some(signed) = medians[3] {
        println!("signed logon (Ed25519) accepted median: {:.3} us (target < 50 us)", signed / 1_000.0);
    }
    if std::env::var_os("FIXPROV_PUBLISH").is_some() {
        if let (Some(plain), Some(ed), Some(mac)) = (medians[0], medians[3], medians[4]) {
            publish(plain, ed, mac);
        }
    }
}

const BEGIN: &str =
    "<!-- BEGIN SECTION: signed-logon (written by FIXPROV_PUBLISH=1 cargo bench --bench logon) -->";
const END: &str = "<!-- END SECTION: signed-logon -->";

/// Writes the signed-logon section into BENCHMARKS.md (replacing the last one).
fn publish(plain_ns: f64, ed_ns: f64, mac_ns: f64) {
    let section = format!(
        "{BEGIN}\n## Signed logons\n\n\
         `cargo bench --bench logon` (`benches/logon.rs`, criterion medians), on {}: an accepted logon\n\
         through the C ABI, the session closed again, on a `password+signature` tier (the password's\n\
         two HMACs, the freshness window, the signature, the replay cache), beside a password-only one.\n\n\
         | logon | median | target |\n| --- | ---: | ---: |\n\
         | password only (`fixprov_logon`) | {:.2} µs | < 5 µs |\n\
         | password + Ed25519 signature (`fixprov_logon_signed`) | {:.2} µs | < 50 µs |\n\
         | password + HMAC-SHA256 signature (`fixprov_logon_signed`) | {:.2} µs | |\n\n\
         Ed25519 verification is most of it (RFC 8032's cofactorless check, ed25519-dalek; the key\n\
         decompressed once per key, not per logon). Logon stays memory-only.\n{END}",
        common::cpu_model(),
        plain_ns / 1_000.0,
        ed_ns / 1_000.0,
        mac_ns / 1_000.0
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (text.find(BEGIN), text.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{section}{}", &text[..b], &text[e + END.len()..]),
        _ => format!("{}\n\n{section}\n", text.trim_end()),
    };
    std::fs::write(&path, new).expect("BENCHMARKS.md");
    println!("wrote the signed-logon section of {}", path.display());
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

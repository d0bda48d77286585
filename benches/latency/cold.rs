//! The cold path: logon, provisioning, how soon a tier change reaches a live session, and the hot
//! path while the cold path is busy.

use crate::hot::{closed_tier, open_tier, Checks, Raw, ORDER};
use crate::measure::{
    involuntary_switches, involuntary_switches_since, ps_histogram, sample, sample_for, samples_over, BATCH,
};
use crate::results::{Results, Row};
use crate::Sizes;
use fixprov::admin::http::TokenConfig;
use fixprov::admin::Role;
use fixprov::cold::attempts::AttemptPolicy;
use fixprov::ffi::{
    fixprov_engine, fixprov_logon, fixprov_provision, fixprov_session_close, fixprov_status,
    fixprov_string_free,
};
use fixprov::{Config, Engine, Secret};
use std::ffi::c_char;
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A measured span (a sample, or a checker's gap between two checks) that took over this long was
/// not spent checking: the measuring thread was off its core (a preemption or an interrupt) for most
/// of it.
const STALL_PS: u64 = 10_000_000;

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
type ProvisionFn = unsafe extern "C" fn(
    *const fixprov_engine,
    *const u8,
    usize,
    *const u8,
    usize,
    *mut *mut c_char,
    *mut *mut c_char,
    *mut *mut c_char,
) -> fixprov_status;

const PEER: &[u8] = b"203.0.113.7";
const TOKEN: &str = "bench-admin-token-0123456789abcdef0123456";

/// One logon through the C ABI as a gateway makes it (1409 and text asked for).
///
/// # Safety
/// `engine` is live.
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
    // SAFETY: `engine` is live (the caller's contract); the slices outlive the call; the
    // out-parameters are writable locals.
    let status = unsafe {
        f(
            black_box(engine),
            sender.as_ptr(),
            sender.len(),
            target.as_ptr(),
            target.len(),
            password.as_ptr(),
            password.len(),
            std::ptr::null(),
            0,
            PEER.as_ptr(),
            PEER.len(),
            session,
            &mut session_status,
            &mut text,
        )
    };
    black_box((session_status, text));
    status
}

/// `samples` single timed calls (after a tenth as many as warm-up): `f` makes one call and returns
/// the ticks it took, doing any untimed work (closing a session, freeing strings) outside them.
fn time_each(samples: usize, mut f: impl FnMut() -> u64) -> hdrhistogram::Histogram<u64> {
    let mut ticks = crate::measure::tick_histogram();
    for i in 0..samples + samples / 10 {
        let t = f();
        if i >= samples / 10 {
            ticks.saturating_record(t);
        }
    }
    ticks
}

/// fixprov_logon accepted and refused, through the C ABI.
pub fn logon_rows(r: &mut Results, sizes: &Sizes) {
    println!("\n== logon and provisioning (single calls) ==");
    let logon_fn: LogonFn = black_box(fixprov_logon);
    let close_fn = black_box(fixprov_session_close);
    // The logon rate never locks here (as the failure policy below): every logon still does its work.
    let never = AttemptPolicy { max_failures: u32::MAX, window: Duration::ZERO, ..Default::default() };
    let accepting = Raw::new(
        Engine::open(Config { default_rules: false, logon_rate: Some(never), ..Config::default() }).unwrap(),
    );
    let creds = accepting.engine().access().provision("bench-user", Some("premium")).unwrap();
    let (sender, target) = (creds.sender_comp_id.clone(), creds.target_comp_id.clone());
    let password = creds.password.expose().to_vec();
    // Refusals count as failures; with the default policy the key would lock after 5 and every later
    // attempt would measure the cheap LOCKED_OUT path. Never lock, and forget each failure at once
    // (benches/logon.rs explains why the window is 0).
    let policy = AttemptPolicy { max_failures: u32::MAX, window: Duration::ZERO, ..Default::default() };
    let refusing = Raw::new(
        Engine::open(Config {
            logon_attempts: policy,
            logon_rate: Some(policy),
            default_rules: false,
            ..Config::default()
        })
        .unwrap(),
    );
    let victim = refusing.engine().access().provision("victim", Some("premium")).unwrap();
    let wrong = b"not-the-password-but-43-bytes-long-like-it".to_vec();
    let (a, f) = (accepting.0 as *const fixprov_engine, refusing.0 as *const fixprov_engine);

    // Raw TSC readings (the same counter the Timer reads; Results converts the ticks).
    let timer = quanta::Clock::new();
    let t = time_each(sizes.logon_samples, || {
        let mut session = 0u64;
        let t0 = timer.raw();
        // SAFETY: `a` is live until `accepting` drops.
        let s = unsafe { logon(logon_fn, a, sender.as_bytes(), target.as_bytes(), &password, &mut session) };
        let t1 = timer.raw();
        assert_eq!(s, fixprov_status::FIXPROV_OK);
        // SAFETY: as above; frees the user's session slot (premium allows 10 at once).
        assert_eq!(unsafe { close_fn(a, session) }, fixprov_status::FIXPROV_OK);
        t1.wrapping_sub(t0)
    });
    r.add("cold", "fixprov_logon accepted", None, 1, &t).note =
        "session closed again after each, untimed".into();
    let (vs, vt) = (victim.sender_comp_id.clone(), victim.target_comp_id.clone());
    let t = time_each(sizes.logon_samples, || {
        let mut session = 0u64;
        let t0 = timer.raw();
        // SAFETY: `f` is live until `refusing` drops.
        let s = unsafe { logon(logon_fn, f, vs.as_bytes(), vt.as_bytes(), &wrong, &mut session) };
        let t1 = timer.raw();
        assert_eq!(s, fixprov_status::FIXPROV_LOGON_BAD_CREDENTIALS);
        t1.wrapping_sub(t0)
    });
    r.add("cold", "fixprov_logon refused (wrong password)", None, 1, &t);
    let t = time_each(sizes.logon_samples, || {
        let mut session = 0u64;
        let t0 = timer.raw();
        // SAFETY: as above.
        let s = unsafe { logon(logon_fn, f, b"FP_NOBODY", vt.as_bytes(), &password, &mut session) };
        let t1 = timer.raw();
        assert_eq!(s, fixprov_status::FIXPROV_LOGON_UNKNOWN_COMP_ID);
        t1.wrapping_sub(t0)
    });
    r.add("cold", "fixprov_logon refused (unknown SenderCompID)", None, 1, &t);
}

/// The label of the logon-under-tier-churn rows (the report's target reads them).
pub const CHURN_IDLE: &str = "fixprov_logon accepted, store on disk, idle";
/// The same with another thread redefining a tier in a loop.
pub const CHURN_BUSY: &str =
    "fixprov_logon accepted, store on disk, another thread redefining a tier in a loop";

/// fixprov_logon on an engine with a store on disk, idle and then while another thread changes a
/// tier in a loop (each change a SQLite commit with fsync). Every logon opens a session, which takes
/// the policy lock that publishing a tier takes: a tier change that held it across its commit made
/// logons wait on the disk.
pub fn logon_under_tier_churn_rows(r: &mut Results, sizes: &Sizes) {
    println!("\n== logon while tiers change ==");
    let logon_fn: LogonFn = black_box(fixprov_logon);
    let close_fn = black_box(fixprov_session_close);
    let dir = std::env::temp_dir().join(format!("fixprov-bench-churn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Thousands of logons of one CompID: the logon rate never locks here, and still does its work.
    let never = AttemptPolicy { max_failures: u32::MAX, window: Duration::ZERO, ..Default::default() };
    let config = Config {
        data_dir: Some(dir.clone()),
        master_password: Some(Secret::new(b"bench master password".to_vec())),
        default_rules: false,
        logon_rate: Some(never),
        ..Config::default()
    };
    let engine = Raw::new(Engine::open(config).unwrap());
    let creds = engine.engine().access().provision("churn-user", Some("premium")).unwrap();
    let (sender, target) = (creds.sender_comp_id.clone(), creds.target_comp_id.clone());
    let password = creds.password.expose().to_vec();
    let e = engine.0 as *const fixprov_engine;
    let timer = quanta::Clock::new();
    let measure = || {
        time_each(sizes.logon_samples, || {
            let mut session = 0u64;
            let t0 = timer.raw();
            // SAFETY: `e` is live until `engine` drops, after the churn thread has stopped.
            let s =
                unsafe { logon(logon_fn, e, sender.as_bytes(), target.as_bytes(), &password, &mut session) };
            let t1 = timer.raw();
            assert_eq!(s, fixprov_status::FIXPROV_OK);
            // SAFETY: as above.
            assert_eq!(unsafe { close_fn(e, session) }, fixprov_status::FIXPROV_OK);
            t1.wrapping_sub(t0)
        })
    };
    let idle = measure();
    let stop = AtomicBool::new(false);
    let changes = AtomicU64::new(0);
    let busy = std::thread::scope(|scope| {
        scope.spawn(|| {
            let specs = [fixprov::TierSpec::new(50, 200, 5, 100), fixprov::TierSpec::new(60, 240, 5, 120)];
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                engine.engine().tiers().set("churn", specs[i % 2]).unwrap();
                changes.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        });
        // Let the first commits start before measuring.
        while changes.load(Ordering::Relaxed) < 2 {
            std::thread::yield_now();
        }
        let t = measure();
        stop.store(true, Ordering::Relaxed);
        t
    });
    r.add("cold", CHURN_IDLE, None, 1, &idle).note = "session closed again after each, untimed".into();
    r.add("cold", CHURN_BUSY, None, 1, &busy).note = format!(
        "{} tier commits (SQLite WAL, synchronous=FULL) during the run",
        changes.load(Ordering::Relaxed)
    );
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

/// fixprov_provision of a new user each call: in memory, and on the store on disk (SQLite WAL,
/// synchronous=FULL: each call waits for its commit to reach the disk).
pub fn provision_rows(r: &mut Results, sizes: &Sizes) {
    let provision_fn: ProvisionFn = black_box(fixprov_provision);
    let dir = crate::out_dir().join(format!("store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let on_disk = Config {
        data_dir: Some(dir.clone()),
        master_password: Some(Secret::new(b"latency-bench-master-password".to_vec())),
        default_rules: false,
        ..Config::default()
    };
    for (what, config, samples) in [
        (
            "fixprov_provision, in-memory store",
            Config { default_rules: false, ..Config::default() },
            sizes.provision_samples,
        ),
        ("fixprov_provision, store on disk (fsync per commit)", on_disk, sizes.provision_disk_samples),
    ] {
        let raw = Raw::new(Engine::open(config).unwrap());
        let e = raw.0 as *const fixprov_engine;
        let timer = quanta::Clock::new();
        let mut i = 0u64;
        let t = time_each(samples, || {
            let user = format!("prov-{i:08}");
            i += 1;
            let mut out: [*mut c_char; 3] = [std::ptr::null_mut(); 3];
            let [s_ptr, t_ptr, p_ptr] = &mut out;
            let t0 = timer.raw();
            // SAFETY: `e` is live until `raw` drops; `user` outlives the call; the out-parameters
            // are writable locals.
            let s = unsafe {
                provision_fn(e, user.as_ptr(), user.len(), b"premium".as_ptr(), 7, s_ptr, t_ptr, p_ptr)
            };
            let t1 = timer.raw();
            assert_eq!(s, fixprov_status::FIXPROV_OK);
            for p in out {
                // SAFETY: each string was returned by fixprov_provision and is freed once.
                unsafe { fixprov_string_free(p) };
            }
            t1.wrapping_sub(t0)
        });
        r.add("cold", what, None, 1, &t).note = "a new user each call".into();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// How soon a tier change reaches a session that is being checked: a checker thread calls
/// fixprov_check (order) on one session in a loop while the main thread changes the session's tier
/// from one that admits everything to one that admits nothing; the delay is from the moment the
/// change call returned to the end of the first check that answered THROTTLED (TSC readings on two
/// cores; the TSC is invariant and synchronised). Two ways: redefining the session's tier
/// (tier_set) and moving its user to another tier (user_set_tier).
pub fn tier_change_rows(r: &mut Results, sizes: &Sizes) {
    println!("\n== a tier change reaching a live session ==");
    let raw = Arc::new(Raw::new(Engine::open(Config { default_rules: false, ..Config::default() }).unwrap()));
    let engine = raw.engine();
    engine.tiers().set("flip", open_tier(10)).unwrap();
    engine.tiers().set("open", open_tier(10)).unwrap();
    engine.tiers().set("closed", closed_tier(10)).unwrap();
    engine.tiers().assign("watched", "flip").unwrap();
    let session = engine.sessions().open("watched").unwrap();

    for how in ["tier_set (the session's tier redefined)", "user_set_tier (the user moved to a closed tier)"]
    {
        let redefine = how.starts_with("tier_set");
        engine.tiers().set("flip", open_tier(10)).unwrap();
        engine.tiers().assign("watched", "flip").unwrap();
        let round = Arc::new(AtomicU64::new(0));
        let acked = Arc::new(AtomicU64::new(0));
        let seen_at = Arc::new(AtomicU64::new(0));
        let running = Arc::new(AtomicBool::new(true));
        let checks_ok = Arc::new(AtomicU64::new(0));
        // Ticks between the end of the checker's previous check and the end of the one that saw the
        // change: far above a check's cost only when the checker was preempted in between.
        let gap = Arc::new(AtomicU64::new(0));
        let checker = {
            let (raw, round, acked, seen_at, running, checks_ok, gap) = (
                raw.clone(),
                round.clone(),
                acked.clone(),
                seen_at.clone(),
                running.clone(),
                checks_ok.clone(),
                gap.clone(),
            );
            let clock = quanta::Clock::new();
            std::thread::spawn(move || {
                let check = Checks::new().check;
                let e = raw.0 as *const fixprov_engine;
                let mut last = 0u64;
                let mut ok = 0u64;
                let mut previous = clock.raw();
                while running.load(Ordering::Relaxed) {
                    // SAFETY: the engine is live until `raw` drops, after this thread is joined.
                    let s = unsafe { check(e, session, ORDER) };
                    let t = clock.raw();
                    if s == fixprov_status::FIXPROV_THROTTLED {
                        let r = round.load(Ordering::Acquire);
                        if r != last {
                            seen_at.store(t, Ordering::Relaxed);
                            gap.store(t.wrapping_sub(previous), Ordering::Relaxed);
                            acked.store(r, Ordering::Release);
                            last = r;
                        }
                    } else {
                        ok += 1;
                        if ok % 1024 == 0 {
                            checks_ok.store(ok, Ordering::Relaxed);
                        }
                    }
                    previous = t;
                }
            })
        };
        let mut after_return = ps_histogram();
        let mut after_return_running = ps_histogram();
        let mut from_call = ps_histogram();
        let mut call = ps_histogram();
        let mut before_return = 0u64;
        let mut preempted = 0u64;
        let timer = &r.timer;
        let ps = |ticks: u64| (ticks as f64 * timer.ps_per_tick).round() as u64;
        for k in 1..=sizes.tier_rounds as u64 {
            // Back to a tier that admits everything, and wait until the checker has been answered OK
            // again a few thousand times (it is spinning on the admitted path).
            if redefine {
                engine.tiers().set("flip", open_tier(10)).unwrap();
            } else {
                engine.tiers().assign("watched", "flip").unwrap();
            }
            let base = checks_ok.load(Ordering::Relaxed);
            // Waits yield: on a 2-core machine the checker must not lose its core to this thread.
            while checks_ok.load(Ordering::Relaxed) < base + 4_096 {
                std::thread::yield_now();
            }
            round.store(k, Ordering::Release);
            let t0 = timer.raw();
            if redefine {
                engine.tiers().set("flip", closed_tier(10)).unwrap();
            } else {
                engine.tiers().assign("watched", "closed").unwrap();
            }
            let t1 = timer.raw();
            while acked.load(Ordering::Acquire) != k {
                std::thread::yield_now();
            }
            let seen = seen_at.load(Ordering::Relaxed);
            let was_preempted = ps(gap.load(Ordering::Relaxed)) > STALL_PS;
            preempted += u64::from(was_preempted);
            if !was_preempted {
                after_return_running.saturating_record(ps(seen.saturating_sub(t1)));
            }
            call.saturating_record(ps(t1.wrapping_sub(t0)));
            from_call.saturating_record(ps(seen.saturating_sub(t0)));
            if seen < t1 {
                // The checker saw the change while the call was still returning (it is published
                // before the call returns): a delay of 0 after the return.
                before_return += 1;
            }
            after_return.saturating_record(ps(seen.saturating_sub(t1)));
        }
        running.store(false, Ordering::Relaxed);
        checker.join().unwrap();
        let short = if redefine { "tier_set" } else { "user_set_tier" };
        r.push("tier", format!("{short}: return -> first check that sees it"), None, 1, after_return).note = format!(
            "{how}; {before_return} of {rounds} rounds saw the change before the call had returned (counted as 0); \
             in {preempted} of {rounds} the checker itself was off its core for over 10 us between its last admitted \
             check and the one that saw the change (preempted: the machine, not the publication)",
            rounds = sizes.tier_rounds
        );
        if !after_return_running.is_empty() {
            r.push(
                "tier",
                format!("{short}: return -> first check that sees it, checker not preempted"),
                None,
                1,
                after_return_running,
            )
            .note = "the rounds above in which the checker stayed on its core (gap under 10 us)".into();
        }
        r.push("tier", format!("{short}: call start -> first check that sees it"), None, 1, from_call).note =
            how.into();
        r.push("tier", format!("{short}: the admin call itself"), None, 1, call).note =
            "validate, commit to the (in-memory) store with its audit record, publish to live sessions"
                .into();
        r.fact(&format!("tier_change_{short}_seen_before_return"), before_return);
        r.fact(&format!("tier_change_{short}_checker_preempted"), preempted);
    }
}

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

/// Records on a busy-part row how many of its samples stalled and how often the scheduler took the
/// measuring thread's core away meanwhile (`None`: /proc did not say).
fn stall_note(row: &mut Row, switched: Option<u64>) {
    let stalls = samples_over(&row.hist, row.batch, STALL_PS);
    let per_mille = stalls as f64 * 1_000.0 / row.summary.samples.max(1) as f64;
    let switched = switched.map_or("not available".into(), |n| n.to_string());
    row.note = format!(
        "{stalls} samples ({per_mille:.2} per 1,000) took over 10 us in all; the measuring thread's involuntary \
         context switches: {switched}"
    );
}

/// The order check on one session, idle, while another thread keeps the cold path busy, and idle
/// again. The busy thread, in a loop without pauses: provisions a new user, redefines a tier that 20
/// other live sessions are on, moves one of those users to another tier, and asks the admin HTTP
/// server (its own thread) for GET /admin/fix/stats and GET /metrics.
pub fn busy_rows(r: &mut Results, sizes: &Sizes) {
    println!("\n== the hot path while the cold path is busy ==");
    let raw = Arc::new(Raw::new(Engine::open(Config { default_rules: false, ..Config::default() }).unwrap()));
    let engine = raw.engine();
    engine.tiers().set("bench", open_tier(10)).unwrap();
    engine.tiers().set("load-a", open_tier(10)).unwrap();
    engine.tiers().set("load-b", open_tier(10)).unwrap();
    engine.tiers().assign("measured", "bench").unwrap();
    let session = engine.sessions().open("measured").unwrap();
    for i in 0..20 {
        let user = format!("load-user-{i}");
        engine.tiers().assign(&user, "load-a").unwrap();
        engine.sessions().open(&user).unwrap();
    }
    let tokens = vec![TokenConfig { name: "bench".into(), role: Role::Admin, token: TOKEN.into() }];
    let admin = fixprov::admin::Admin::new(engine);
    let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens, false).unwrap();
    assert!(get(addr, "/admin/fix/stats") && get(addr, "/metrics"), "the admin server answers");

    let c = Checks::new();
    let e = raw.0 as *const fixprov_engine;
    let phase = sizes.busy_phase;
    let measure = |r: &mut Results, label: &str| {
        // Warm up, then single calls for half the phase and batches for the other half.
        // What every unsafe block here relies on: `e` is live until `raw` drops, after the load
        // thread is joined.
        let _ = sample::<BATCH>(&r.timer, 10_000, || {
            // SAFETY: see above.
            black_box(unsafe { (c.check)(black_box(e), black_box(session), black_box(ORDER)) });
        });
        let switches = involuntary_switches();
        let t = sample_for::<1>(&r.timer, phase / 2, || {
            // SAFETY: see above.
            black_box(unsafe { (c.check)(black_box(e), black_box(session), black_box(ORDER)) });
        });
        let switched = involuntary_switches_since(switches);
        stall_note(r.add("busy", format!("fixprov_check order admitted, {label}"), None, 1, &t), switched);
        let switches = involuntary_switches();
        let t = sample_for::<BATCH>(&r.timer, phase / 2, || {
            // SAFETY: see above.
            black_box(unsafe { (c.check)(black_box(e), black_box(session), black_box(ORDER)) });
        });
        let switched = involuntary_switches_since(switches);
        stall_note(
            r.add("busy", format!("fixprov_check order admitted, {label}"), None, BATCH, &t),
            switched,
        );
    };
    measure(r, "idle");

    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (raw, stop) = (raw.clone(), stop.clone());
        std::thread::spawn(move || {
            let engine = raw.engine();
            let mut counts = [0u64; 4];
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                engine.access().provision(&format!("busy-{i:08}"), Some("basic")).unwrap();
                counts[0] += 1;
                let burst = if i % 2 == 0 { 500_000_000 } else { 1_000_000_000 };
                engine
                    .tiers()
                    .set("load-a", fixprov::TierSpec { order_burst: burst, ..open_tier(10) })
                    .unwrap();
                counts[1] += 1;
                let tier = if i % 2 == 0 { "load-b" } else { "load-a" };
                engine.tiers().assign(&format!("load-user-{}", (i / 2) % 20), tier).unwrap();
                counts[2] += 1;
                counts[3] += u64::from(get(addr, "/admin/fix/stats")) + u64::from(get(addr, "/metrics"));
                i += 1;
            }
            counts
        })
    };
    // Let the load reach its steady state.
    std::thread::sleep(Duration::from_millis(100));
    measure(r, "cold path busy");
    stop.store(true, Ordering::Relaxed);
    let counts = load.join().unwrap();
    measure(r, "idle again");
    println!(
        "  during the busy phase and its warm-up: {} provisions, {} tier redefinitions, {} user moves, {} admin GETs",
        counts[0], counts[1], counts[2], counts[3]
    );
    r.fact("busy_provisions", counts[0]);
    r.fact("busy_tier_sets", counts[1]);
    r.fact("busy_user_moves", counts[2]);
    r.fact("busy_admin_gets", counts[3]);
}

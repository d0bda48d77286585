//! The main job, as it stands before the QuickFIX acceptor lands: a FIX session enforced end to end
//! through the C ABI, exactly as a gateway calls it, on the embedded encrypted store. It provisions
//! a user, refuses a wrong password, logs on, sends bursts, upgrades the tier, kills the session
//! from the operator side, and prints a summary. `scripts/run.sh` runs it.
//!
//! The store lives in `target/fixprov-demo` (or the directory given as the first argument); the
//! master password comes from FIX_MASTER_PASSWORD, or a demo value that is said out loud.

use fixprov::ffi::*;
use std::collections::BTreeMap;
use std::ffi::{c_char, c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};

static KILL_EVENTS: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" fn on_event(_context: *mut c_void, event: *const fixprov_event) {
    // SAFETY: the library passes a valid event for the duration of the call.
    let event = unsafe { &*event };
    // SAFETY: user_id points to user_id_len bytes during the call.
    let user = unsafe { std::slice::from_raw_parts(event.user_id, event.user_id_len) };
    println!(
        "  event: session {:#x} of {} killed (reason {}): the gateway logs the peer out now",
        event.session,
        String::from_utf8_lossy(user),
        event.reason
    );
    KILL_EVENTS.fetch_add(1, Ordering::Relaxed);
}

fn text(ptr: *const c_char) -> String {
    // SAFETY: every pointer passed here is a NUL-terminated string from the library.
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}

fn ok(status: fixprov_status, what: &str) {
    assert_eq!(status, fixprov_status::FIXPROV_OK, "{what}: {}", text(fixprov_last_error()));
}

fn check(engine: *const fixprov_engine, session: u64, msgtype: &str, tally: &mut BTreeMap<String, u64>) {
    // SAFETY: engine is live; msgtype outlives the call.
    let s = unsafe { fixprov_check_msgtype(engine, session, msgtype.as_ptr(), msgtype.len()) };
    *tally.entry(text(fixprov_status_str(s as u32))).or_default() += 1;
}

fn logon(engine: *const fixprov_engine, sender: &str, password: &[u8]) -> Result<u64, (String, u32, String)> {
    let (mut session, mut status_1409, mut reason) = (0u64, 0u32, std::ptr::null());
    let (target, peer) = ("FIXPROV", "127.0.0.1");
    // SAFETY: engine is live; every buffer outlives the call; out-parameters are writable.
    let s = unsafe {
        fixprov_logon(
            engine,
            sender.as_ptr(),
            sender.len(),
            target.as_ptr(),
            target.len(),
            password.as_ptr(),
            password.len(),
            std::ptr::null(),
            0,
            peer.as_ptr(),
            peer.len(),
            &mut session,
            &mut status_1409,
            &mut reason,
        )
    };
    match s {
        fixprov_status::FIXPROV_OK => Ok(session),
        other => Err((text(fixprov_status_str(other as u32)), status_1409, text(reason))),
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "target/fixprov-demo".into());
    let master = std::env::var("FIX_MASTER_PASSWORD").unwrap_or_else(|_| {
        println!("(FIX_MASTER_PASSWORD is not set: using the demo master password)");
        "demo master password, not for production".into()
    });
    let mut engine = std::ptr::null_mut();
    let options = fixprov_options_new();
    // SAFETY: options is live until freed; strings outlive the calls; engine is writable.
    unsafe {
        ok(fixprov_options_set_data_dir(options, dir.as_ptr(), dir.len()), "data dir");
        ok(fixprov_options_set_master_password(options, master.as_ptr(), master.len()), "master password");
        ok(fixprov_engine_open(options, &mut engine), "open");
        fixprov_options_free(options);
        fixprov_set_event_callback(engine, Some(on_event), std::ptr::null_mut());
    }
    println!("fixprov {}: a FIX session enforced through the C ABI, store in {dir}", text(fixprov_version()));

    // Eligibility first: the default rules want a balance of 1,000.00, a 30-day volume of
    // 10,000.00, an account 30 days old and KYC level 2. A newcomer with a small balance is refused.
    let newcomer = "newcomer";
    let small = r#"{"balance": {"amount": "120.00", "currency": "USD"}, "kyc_level": 1}"#;
    let (mut s1, mut s2, mut s3) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: engine is live; strings outlive the calls; out-parameters are writable.
    unsafe {
        ok(
            fixprov_account_set(engine, newcomer.as_ptr(), newcomer.len(), small.as_ptr(), small.len()),
            "facts",
        );
        let refused = fixprov_provision(
            engine,
            newcomer.as_ptr(),
            newcomer.len(),
            std::ptr::null(),
            0,
            &mut s1,
            &mut s2,
            &mut s3,
        );
        assert_eq!(refused, fixprov_status::FIXPROV_ERR_NOT_ELIGIBLE);
    }
    println!("  provisioning {newcomer}: refused, {}", text(fixprov_last_error()));

    // Provision (or, when an earlier run did, rotate the password: it is shown only once).
    let user = "acme-trading";
    let tier = "standard";
    let facts = r#"{"balance": {"amount": "250000.00", "currency": "USD"},
        "volume_30d": {"amount": "4200000.00", "currency": "USD"},
        "account_created_unix_ms": 1577836800000, "kyc_level": 3, "groups": ["market-makers"]}"#;
    // SAFETY: engine is live; strings outlive the call.
    unsafe {
        ok(fixprov_account_set(engine, user.as_ptr(), user.len(), facts.as_ptr(), facts.len()), "facts")
    };
    let (mut sender, mut target, mut password) =
        (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: engine is live; strings outlive the call; out-parameters are writable.
    let provisioned = unsafe {
        fixprov_provision(
            engine,
            user.as_ptr(),
            user.len(),
            tier.as_ptr(),
            tier.len(),
            &mut sender,
            &mut target,
            &mut password,
        )
    };
    let sender_comp_id = match provisioned {
        fixprov_status::FIXPROV_OK => {
            let s = text(sender);
            println!(
                "  provisioned {user}: SenderCompID {s}, TargetCompID {}, password shown once",
                text(target)
            );
            // SAFETY: strings from the library, freed once.
            unsafe {
                fixprov_string_free(sender);
                fixprov_string_free(target);
            }
            s
        }
        fixprov_status::FIXPROV_ERR_ALREADY_EXISTS => {
            // SAFETY: engine is live; strings outlive the calls; out-parameters writable.
            unsafe {
                ok(fixprov_reactivate(engine, user.as_ptr(), user.len()), "reactivate");
                ok(
                    fixprov_user_set_tier(engine, user.as_ptr(), user.len(), tier.as_ptr(), tier.len()),
                    "tier",
                );
                ok(
                    fixprov_regenerate_password(engine, user.as_ptr(), user.len(), 0, &mut password),
                    "regenerate",
                );
            }
            println!("  {user} was provisioned by an earlier run: its password was regenerated");
            let mut json = std::ptr::null_mut();
            // SAFETY: engine is live; the string outlives the call; json is writable.
            unsafe {
                ok(fixprov_credentials_get(engine, user.as_ptr(), user.len(), &mut json), "credentials")
            };
            let info: serde_json::Value = serde_json::from_str(&text(json)).expect("credentials are JSON");
            // SAFETY: a string from the library, freed once.
            unsafe { fixprov_string_free(json) };
            info["sender_comp_id"].as_str().expect("a SenderCompID").to_owned()
        }
        other => panic!("provision: {}", text(fixprov_status_str(other as u32))),
    };
    // SAFETY: a NUL-terminated secret from the library.
    let secret = unsafe { CStr::from_ptr(password) }.to_bytes().to_vec();

    let mut refused = 0;
    match logon(engine, &sender_comp_id, b"a guessed password") {
        Err((status, code, reason)) => {
            refused += 1;
            println!("  logon with a wrong password: {status} (1409={code}, 58=\"{reason}\")");
        }
        Ok(_) => panic!("a wrong password logged on"),
    }
    let mut sessions =
        vec![logon(engine, &sender_comp_id, &secret).expect("the provisioned password logs on")];
    println!("  logon with the provisioned password from 127.0.0.1: accepted");
    for _ in 0..3 {
        match logon(engine, &sender_comp_id, &secret) {
            Ok(s) => sessions.push(s),
            Err((status, code, _)) => {
                refused += 1;
                println!("  a 4th session: {status} (1409={code}; the standard tier allows 3)");
            }
        }
    }
    let session = sessions[0];
    let mut tally = BTreeMap::new();
    let mut orders = BTreeMap::new();
    for _ in 0..60 {
        check(engine, session, "D", &mut orders);
    }
    println!("  a burst of 60 NewOrderSingle (35=D): {orders:?} (standard: burst 40)");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut later = BTreeMap::new();
    for _ in 0..20 {
        check(engine, session, "D", &mut later);
    }
    println!("  0.5 s later, 20 more: {later:?} (about 10 refilled at 20/s)");
    // SAFETY: engine is live; strings outlive the call.
    unsafe {
        ok(fixprov_user_set_tier(engine, user.as_ptr(), user.len(), c"premium".as_ptr().cast(), 7), "upgrade")
    };
    let mut upgraded = BTreeMap::new();
    for _ in 0..250 {
        check(engine, session, "D", &mut upgraded);
    }
    println!("  upgraded to premium (burst 200), 250 orders at once: {upgraded:?}");
    for t in [&orders, &later, &upgraded] {
        for (k, v) in t {
            *tally.entry(k.clone()).or_default() += v;
        }
    }
    // SAFETY: engine is live.
    unsafe { ok(fixprov_session_kill(engine, session), "kill") };
    check(engine, session, "D", &mut tally);

    let mut stats = fixprov_session_stats::default();
    // SAFETY: engine is live; stats writable.
    unsafe { ok(fixprov_session_get_stats(engine, session, &mut stats), "stats") };
    println!("summary:");
    println!("  accepted   {} messages, of which {} orders", stats.messages, stats.orders);
    println!("  throttled  {}", stats.throttled);
    println!("  refused    {refused} logons");
    println!(
        "  killed     {} session ({} kill event)",
        u32::from(stats.kill_reason != 0),
        KILL_EVENTS.load(Ordering::Relaxed)
    );
    println!("  verdicts   {tally:?}");
    // SAFETY: engine is live; handles and strings from the library, each released once.
    unsafe {
        for s in sessions {
            fixprov_session_close(engine, s);
        }
        fixprov_string_free(password);
        fixprov_engine_close(engine);
    }
}

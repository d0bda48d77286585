//! The main job, as it stands before the store and the QuickFIX acceptor land: one FIX session's
//! inbound MsgTypes enforced through the C ABI, exactly as a gateway calls it, with a readable
//! summary. `scripts/run.sh` runs it.

use fixprov::ffi::*;
use std::collections::BTreeMap;
use std::ffi::{c_void, CStr};
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

fn status_name(s: fixprov_status) -> String {
    // SAFETY: fixprov_status_str returns a static string.
    unsafe { CStr::from_ptr(fixprov_status_str(s as u32)) }.to_string_lossy().into_owned()
}

fn check(
    engine: *const fixprov_engine,
    session: u64,
    msgtype: &str,
    tally: &mut BTreeMap<String, u64>,
) -> fixprov_status {
    // SAFETY: engine is live; msgtype outlives the call.
    let s = unsafe { fixprov_check_msgtype(engine, session, msgtype.as_ptr(), msgtype.len()) };
    *tally.entry(status_name(s)).or_default() += 1;
    s
}

fn main() {
    let mut engine = std::ptr::null_mut();
    let options = fixprov_options_new();
    // SAFETY: options is live; the manual clock is not exposed to C, so the precise clock is used and
    // the scenario's "seconds" are real sleeps kept short.
    unsafe {
        assert_eq!(
            fixprov_options_set_clock(options, fixprov_clock::FIXPROV_CLOCK_PRECISE as u32, 0),
            fixprov_status::FIXPROV_OK
        );
        assert_eq!(fixprov_engine_open(options, &mut engine), fixprov_status::FIXPROV_OK);
        fixprov_options_free(options);
        fixprov_set_event_callback(engine, Some(on_event), std::ptr::null_mut());
    }
    let user = "acme-trading";
    // A tier of 20 orders/s and 100 messages/s, burst 40: the "standard" default.
    // SAFETY: engine is live; strings outlive the calls.
    unsafe {
        fixprov_user_set_tier(engine, user.as_ptr(), user.len(), b"standard".as_ptr(), 8);
    }
    let mut sessions = Vec::new();
    let mut refused_logons = 0;
    for _ in 0..4 {
        let mut s = 0;
        // SAFETY: engine is live; out-parameter writable.
        match unsafe { fixprov_session_open(engine, user.as_ptr(), user.len(), &mut s) } {
            fixprov_status::FIXPROV_OK => sessions.push(s),
            _ => refused_logons += 1,
        }
    }
    println!("fixprov {}: one FIX session enforced through the C ABI", {
        // SAFETY: static string.
        unsafe { CStr::from_ptr(fixprov_version()) }.to_string_lossy()
    });
    println!(
        "  logons: {} accepted, {refused_logons} refused (standard tier: 3 sessions at most)",
        sessions.len()
    );
    let session = sessions[0];
    let mut tally = BTreeMap::new();

    println!("  t=0.0s   a burst of 60 NewOrderSingle (35=D), then 5 MarketDataRequest (35=V)");
    let mut orders = BTreeMap::new();
    for _ in 0..60 {
        check(engine, session, "D", &mut orders);
    }
    let mut requests = BTreeMap::new();
    for _ in 0..5 {
        check(engine, session, "V", &mut requests);
    }
    println!(
        "           orders {orders:?}; requests {requests:?} (the 40 orders spent the 40-message burst too)"
    );
    merge(&mut tally, &orders);
    merge(&mut tally, &requests);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut second = BTreeMap::new();
    for _ in 0..20 {
        check(engine, session, "D", &mut second);
    }
    println!("  t=0.5s   20 more orders: {second:?} (about 10 tokens refilled at 20/s)");
    merge(&mut tally, &second);

    // SAFETY: engine is live; strings outlive the call.
    unsafe { fixprov_user_set_tier(engine, user.as_ptr(), user.len(), b"premium".as_ptr(), 7) };
    let mut third = BTreeMap::new();
    for _ in 0..250 {
        check(engine, session, "D", &mut third);
    }
    println!("  upgrade to premium (100 orders/s, burst 200), 250 orders at once: {third:?}");
    merge(&mut tally, &third);

    // SAFETY: engine is live.
    unsafe { fixprov_session_kill(engine, session) };
    let after_kill = check(engine, session, "D", &mut tally);
    println!("  operator kill: the next order answers {}", status_name(after_kill));

    let mut stats = fixprov_session_stats::default();
    // SAFETY: engine is live; stats writable.
    unsafe { fixprov_session_get_stats(engine, session, &mut stats) };
    println!("summary:");
    println!("  admitted messages {}, of which orders {}", stats.messages, stats.orders);
    println!("  throttled         {}", stats.throttled);
    println!("  disconnected      {}", stats.disconnects);
    println!(
        "  killed            {} (kill events {})",
        u32::from(stats.kill_reason != 0),
        KILL_EVENTS.load(Ordering::Relaxed)
    );
    println!("  refused logons    {refused_logons}");
    println!("  verdicts          {tally:?}");
    for s in sessions {
        // SAFETY: engine is live.
        unsafe { fixprov_session_close(engine, s) };
    }
    // SAFETY: closed once.
    unsafe { fixprov_engine_close(engine) };
}

fn merge(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

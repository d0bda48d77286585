//! The C ABI called as C would call it: NULLs, invalid UTF-8, stale handles, bad enums, an injected
//! panic, and the happy paths.

use fixprov::ffi::*;
use std::ffi::{c_void, CStr};
use std::ptr::{null, null_mut};

use fixprov_status::*;

fn last_error() -> String {
    // SAFETY: fixprov_last_error never returns NULL and the text lives until the next failing call.
    unsafe { CStr::from_ptr(fixprov_last_error()) }.to_string_lossy().into_owned()
}

struct Engine(*mut fixprov_engine);

impl Engine {
    fn open() -> Engine {
        let mut e = null_mut();
        // SAFETY: NULL options mean defaults; `e` is writable.
        assert_eq!(unsafe { fixprov_engine_open(null(), &mut e) }, FIXPROV_OK);
        assert!(!e.is_null());
        Engine(e)
    }

    fn user(&self, user: &str, tier: &str) {
        // SAFETY: live engine; the strings outlive the call.
        let rc =
            unsafe { fixprov_user_set_tier(self.0, user.as_ptr(), user.len(), tier.as_ptr(), tier.len()) };
        assert_eq!(rc, FIXPROV_OK, "{}", last_error());
    }

    fn open_session(&self, user: &str) -> Result<u64, fixprov_status> {
        let mut s = 0;
        // SAFETY: live engine; the string and `s` outlive the call.
        match unsafe { fixprov_session_open(self.0, user.as_ptr(), user.len(), &mut s) } {
            FIXPROV_OK => Ok(s),
            other => Err(other),
        }
    }

    fn check_at(&self, s: u64, class: u32, now: u64) -> fixprov_status {
        // SAFETY: live engine.
        unsafe { fixprov_check_at(self.0, s, class, now) }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: opened by `Engine::open`, closed once.
        unsafe { fixprov_engine_close(self.0) };
    }
}

const ORDER: u32 = fixprov_msg_class::FIXPROV_MSG_ORDER as u32;
const OTHER: u32 = fixprov_msg_class::FIXPROV_MSG_OTHER as u32;

#[test]
fn happy_path_through_the_c_abi() {
    let e = Engine::open();
    e.user("alice", "basic");
    let s = e.open_session("alice").unwrap();
    assert_ne!(s, 0);
    let now = 5_000_000_000u64;
    let verdicts: Vec<_> = (0..12).map(|_| e.check_at(s, ORDER, now)).collect();
    assert_eq!(verdicts.iter().filter(|v| **v == FIXPROV_OK).count(), 10);
    assert_eq!(verdicts.iter().filter(|v| **v == FIXPROV_THROTTLED).count(), 2);
    // The MsgType entry point and the clock-reading one.
    // SAFETY: live engine; "0" outlives the call.
    assert_eq!(unsafe { fixprov_check_msgtype(e.0, s, b"0".as_ptr(), 1) }, FIXPROV_THROTTLED);
    let mut stats = fixprov_session_stats::default();
    // SAFETY: live engine; `stats` is writable.
    assert_eq!(unsafe { fixprov_session_get_stats(e.0, s, &mut stats) }, FIXPROV_OK);
    assert_eq!((stats.messages, stats.orders, stats.throttled, stats.kill_reason), (10, 10, 3, 0));
    let mut violations = 0;
    // SAFETY: live engine; the string and out-parameter outlive the call.
    assert_eq!(unsafe { fixprov_user_violations(e.0, b"alice".as_ptr(), 5, &mut violations) }, FIXPROV_OK);
    assert_eq!(violations, 3);
    // SAFETY: live engine.
    assert_eq!(unsafe { fixprov_session_reset_violations(e.0, s) }, FIXPROV_OK);
    // SAFETY: live engine; the string outlives the call.
    assert_eq!(unsafe { fixprov_user_reset_violations(e.0, b"alice".as_ptr(), 5) }, FIXPROV_OK);

    let mut json = null_mut();
    // SAFETY: live engine; (NULL, 0) means every user; `json` is writable.
    assert_eq!(unsafe { fixprov_sessions_json(e.0, null(), 0, &mut json) }, FIXPROV_OK);
    // SAFETY: the library returned a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(json) }.to_str().unwrap().to_owned();
    // SAFETY: freed once.
    unsafe { fixprov_string_free(json) };
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed[0]["user"], "alice");
    assert_eq!(parsed[0]["orders"], 10);

    // SAFETY: live engine.
    assert_eq!(unsafe { fixprov_session_close(e.0, s) }, FIXPROV_OK);
}

#[test]
fn tiers_through_the_c_abi() {
    let e = Engine::open();
    let mut spec = fixprov_tier_spec::default();
    // SAFETY: live engine; strings and out-parameters outlive the calls.
    unsafe {
        assert_eq!(fixprov_tier_get(e.0, b"premium".as_ptr(), 7, &mut spec), FIXPROV_OK);
        assert_eq!(
            (spec.orders_per_sec, spec.messages_per_sec, spec.max_sessions, spec.order_burst),
            (100, 500, 10, 200)
        );
        spec.orders_per_sec = 1;
        spec.order_burst = 1;
        assert_eq!(fixprov_tier_set(e.0, b"mine".as_ptr(), 4, &spec), FIXPROV_OK);
        assert_eq!(fixprov_tier_get(e.0, b"nope".as_ptr(), 4, &mut spec), FIXPROV_ERR_NOT_FOUND);
        spec.order_burst = 0;
        assert_eq!(fixprov_tier_set(e.0, b"bad".as_ptr(), 3, &spec), FIXPROV_ERR_INVALID_ARGUMENT);
        assert!(last_error().contains("order_burst"), "{}", last_error());
        assert_eq!(fixprov_tier_set(e.0, b"has space".as_ptr(), 9, &spec), FIXPROV_ERR_INVALID_ARGUMENT);
        assert_eq!(fixprov_user_set_tier(e.0, b"u".as_ptr(), 1, b"nope".as_ptr(), 4), FIXPROV_ERR_NOT_FOUND);
    }
    e.user("u", "mine");
    let s = e.open_session("u").unwrap();
    assert_eq!(e.check_at(s, ORDER, 1), FIXPROV_OK);
    assert_eq!(e.check_at(s, ORDER, 1), FIXPROV_THROTTLED);
}

#[test]
fn null_arguments_are_errors() {
    let e = Engine::open();
    e.user("bob", "basic");
    let mut s = 0u64;
    let mut spec = fixprov_tier_spec::default();
    let mut stats = fixprov_session_stats::default();
    let mut json = null_mut();
    let none: *const fixprov_engine = null();
    // SAFETY: every pointer is NULL or valid; NULL is what is under test.
    unsafe {
        assert_eq!(fixprov_engine_open(null(), null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_check(none, 1, 0), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_check_at(none, 1, 0, 0), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_check_msgtype(none, 1, b"D".as_ptr(), 1), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_check_msgtype(e.0, 1, null(), 1), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_open(none, b"bob".as_ptr(), 3, &mut s), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_open(e.0, null(), 3, &mut s), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_open(e.0, b"bob".as_ptr(), 3, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_close(none, 1), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_kill(none, 1), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_user_kill(none, b"bob".as_ptr(), 3, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_user_kill(e.0, null(), 3, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_tier_set(e.0, b"x".as_ptr(), 1, null()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_tier_set(none, b"x".as_ptr(), 1, &spec), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_tier_get(e.0, b"basic".as_ptr(), 5, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_tier_get(e.0, null(), 5, &mut spec), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_user_set_tier(e.0, b"bob".as_ptr(), 3, null(), 5), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_get_stats(e.0, 1, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_get_stats(none, 1, &mut stats), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_session_reset_violations(none, 1), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_user_violations(e.0, b"bob".as_ptr(), 3, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_user_reset_violations(none, b"bob".as_ptr(), 3), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_set_event_callback(none, None, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_sessions_json(e.0, null(), 0, null_mut()), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_sessions_json(e.0, null(), 2, &mut json), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_options_set_max_sessions(null_mut(), 1), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_options_set_clock(null_mut(), 0, 1), FIXPROV_ERR_NULL);
        assert_eq!(fixprov_options_set_order_msgtypes(null_mut(), b"D".as_ptr(), 1), FIXPROV_ERR_NULL);
        // NULL frees and closes are no-ops.
        fixprov_engine_close(null_mut());
        fixprov_options_free(null_mut());
        fixprov_string_free(null_mut());
    }
    assert_eq!(s, 0, "out-parameters are untouched on failure");
    assert!(json.is_null());
    assert!(last_error().contains("NULL"), "{}", last_error());
    // The engine still works.
    assert!(e.open_session("bob").is_ok());
}

#[test]
fn invalid_utf8_and_bad_values_are_errors() {
    let e = Engine::open();
    e.user("carol", "basic");
    let bad = [0x66u8, 0xff, 0xfe];
    let mut s = 0u64;
    // SAFETY: every pointer is valid for its length.
    unsafe {
        assert_eq!(fixprov_session_open(e.0, bad.as_ptr(), bad.len(), &mut s), FIXPROV_ERR_UTF8);
        assert_eq!(
            fixprov_user_set_tier(e.0, bad.as_ptr(), bad.len(), b"basic".as_ptr(), 5),
            FIXPROV_ERR_UTF8
        );
        assert_eq!(fixprov_user_set_tier(e.0, b"x".as_ptr(), 1, bad.as_ptr(), bad.len()), FIXPROV_ERR_UTF8);
        assert!(last_error().contains("UTF-8"));
        // Empty and control-character user ids.
        assert_eq!(fixprov_user_set_tier(e.0, null(), 0, b"basic".as_ptr(), 5), FIXPROV_ERR_INVALID_ARGUMENT);
        assert_eq!(
            fixprov_user_set_tier(e.0, b"a\x01".as_ptr(), 2, b"basic".as_ptr(), 5),
            FIXPROV_ERR_INVALID_ARGUMENT
        );
        let long = vec![b'a'; 1 << 20];
        assert_eq!(
            fixprov_user_set_tier(e.0, long.as_ptr(), long.len(), b"basic".as_ptr(), 5),
            FIXPROV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(fixprov_session_open(e.0, b"nobody".as_ptr(), 6, &mut s), FIXPROV_ERR_NOT_FOUND);
    }
    let sess = e.open_session("carol").unwrap();
    // Out-of-range enum values from C.
    assert_eq!(e.check_at(sess, 2, 1), FIXPROV_ERR_INVALID_ARGUMENT);
    assert_eq!(e.check_at(sess, u32::MAX, 1), FIXPROV_ERR_INVALID_ARGUMENT);
    // SAFETY: valid pointers of their lengths.
    unsafe {
        assert_eq!(fixprov_check_msgtype(e.0, sess, bad.as_ptr(), bad.len()), FIXPROV_ERR_INVALID_ARGUMENT);
        let embedded_nul = [b'D', 0];
        assert_eq!(fixprov_check_msgtype(e.0, sess, embedded_nul.as_ptr(), 2), FIXPROV_ERR_INVALID_ARGUMENT);
        assert_eq!(fixprov_check_msgtype(e.0, sess, null(), 0), FIXPROV_ERR_INVALID_ARGUMENT);
    }
    let opts = fixprov_options_new();
    // SAFETY: `opts` is live until freed at the end.
    unsafe {
        assert_eq!(fixprov_options_set_clock(opts, 7, 100), FIXPROV_ERR_INVALID_ARGUMENT);
        assert_eq!(fixprov_options_set_clock(opts, 0, 0), FIXPROV_ERR_INVALID_ARGUMENT);
        assert_eq!(fixprov_options_set_max_sessions(opts, 0), FIXPROV_ERR_INVALID_ARGUMENT);
        assert_eq!(
            fixprov_options_set_order_msgtypes(opts, b"D,,F".as_ptr(), 4),
            FIXPROV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(fixprov_options_set_order_msgtypes(opts, bad.as_ptr(), bad.len()), FIXPROV_ERR_UTF8);
        fixprov_options_free(opts);
    }
    assert_eq!(e.check_at(sess, ORDER, 1), FIXPROV_OK, "the session still works");
}

#[test]
fn stale_handles_are_errors_not_undefined_behaviour() {
    let e = Engine::open();
    e.user("dan", "basic");
    let s = e.open_session("dan").unwrap();
    // SAFETY: live engine.
    unsafe {
        assert_eq!(fixprov_session_close(e.0, s), FIXPROV_OK);
        assert_eq!(fixprov_session_close(e.0, s), FIXPROV_ERR_STALE_HANDLE, "double close");
        assert_eq!(fixprov_session_kill(e.0, s), FIXPROV_ERR_STALE_HANDLE);
        assert_eq!(fixprov_check(e.0, s, OTHER), FIXPROV_ERR_STALE_HANDLE, "use after close");
        assert_eq!(fixprov_session_reset_violations(e.0, s), FIXPROV_ERR_STALE_HANDLE);
        let mut stats = fixprov_session_stats::default();
        assert_eq!(fixprov_session_get_stats(e.0, s, &mut stats), FIXPROV_ERR_STALE_HANDLE);
        // Never issued: zero, out of range, a guessed generation.
        for h in [0, u64::MAX, (7u64 << 32) | 3, 1u64 << 32] {
            assert_eq!(fixprov_check(e.0, h, OTHER), FIXPROV_ERR_STALE_HANDLE, "{h:#x}");
            assert_eq!(fixprov_session_close(e.0, h), FIXPROV_ERR_STALE_HANDLE);
        }
    }
    assert!(last_error().contains("stale"));
    // The slot was released: a new session opens.
    assert!(e.open_session("dan").is_ok());
}

#[test]
fn a_session_handle_from_a_closed_engine_is_stale_on_another() {
    // Each engine starts its generations at a random point (one of 2^20), so a handle of another
    // engine names none of this one's sessions; this fails by chance once in about a million runs.
    let old = Engine::open();
    old.user("eve", "basic");
    let handle = old.open_session("eve").unwrap();
    drop(old);
    let new = Engine::open();
    new.user("eve", "basic");
    let live = new.open_session("eve").unwrap();
    assert_eq!(live as u32, handle as u32, "the same slot");
    assert_ne!(live, handle, "another generation");
    // SAFETY: live engine.
    unsafe {
        assert_eq!(fixprov_check(new.0, handle, OTHER), FIXPROV_ERR_STALE_HANDLE);
        assert_eq!(fixprov_session_kill(new.0, handle), FIXPROV_ERR_STALE_HANDLE);
        assert_eq!(fixprov_session_close(new.0, handle), FIXPROV_ERR_STALE_HANDLE);
        assert_eq!(fixprov_check(new.0, live, OTHER), FIXPROV_OK, "the engine's own session is untouched");
    }
    assert!(live < 1 << 53, "handles stay exact as JSON numbers");
}

#[test]
fn session_limit_through_the_c_abi() {
    let e = Engine::open();
    e.user("eve", "standard");
    let opened: Vec<_> = (0..3).map(|_| e.open_session("eve").unwrap()).collect();
    assert_eq!(e.open_session("eve"), Err(FIXPROV_ERR_LIMIT_REACHED));
    assert!(last_error().contains("3 of 3"), "{}", last_error());
    // SAFETY: live engine.
    assert_eq!(unsafe { fixprov_session_close(e.0, opened[0]) }, FIXPROV_OK);
    assert!(e.open_session("eve").is_ok());
}

unsafe extern "C" fn on_event(context: *mut c_void, event: *const fixprov_event) {
    // SAFETY: the test registered a `Vec<(u32, u32, u64, String)>` as context; the event and its user
    // id are valid for the call.
    unsafe {
        let seen = &mut *(context as *mut Vec<(u32, u32, u64, String)>);
        let e = &*event;
        let user = std::slice::from_raw_parts(e.user_id, e.user_id_len);
        seen.push((e.kind, e.reason, e.session, String::from_utf8_lossy(user).into_owned()));
    }
}

#[test]
fn kill_and_callback_through_the_c_abi() {
    let e = Engine::open();
    e.user("fay", "premium");
    let a = e.open_session("fay").unwrap();
    let b = e.open_session("fay").unwrap();
    let mut seen: Vec<(u32, u32, u64, String)> = Vec::new();
    let mut killed = 0usize;
    // SAFETY: `seen` outlives the registration (cleared before it goes away); single-threaded test.
    unsafe {
        assert_eq!(
            fixprov_set_event_callback(e.0, Some(on_event), (&mut seen as *mut Vec<_>).cast()),
            FIXPROV_OK
        );
        assert_eq!(fixprov_session_kill(e.0, a), FIXPROV_OK);
        assert_eq!(fixprov_user_kill(e.0, b"fay".as_ptr(), 3, &mut killed), FIXPROV_OK);
        assert_eq!(fixprov_set_event_callback(e.0, None, null_mut()), FIXPROV_OK);
    }
    assert_eq!(killed, 1);
    assert_eq!(e.check_at(a, OTHER, 1), FIXPROV_KILLED);
    assert_eq!(e.check_at(b, ORDER, 1), FIXPROV_KILLED);
    let kind = fixprov_event_kind::FIXPROV_EVENT_SESSION_KILLED as u32;
    assert_eq!(
        seen,
        vec![
            (kind, fixprov_kill_reason::FIXPROV_KILL_ADMIN as u32, a, "fay".to_owned()),
            (kind, fixprov_kill_reason::FIXPROV_KILL_USER as u32, b, "fay".to_owned()),
        ]
    );
    let mut stats = fixprov_session_stats::default();
    // SAFETY: live engine; `stats` writable.
    assert_eq!(unsafe { fixprov_session_get_stats(e.0, a, &mut stats) }, FIXPROV_OK);
    assert_eq!(stats.kill_reason, fixprov_kill_reason::FIXPROV_KILL_ADMIN as u32);
}

#[test]
fn an_injected_panic_becomes_an_error_and_the_next_call_works() {
    let e = Engine::open();
    e.user("gus", "basic");
    let s = e.open_session("gus").unwrap();
    fixprov::ffi::inject_panic();
    assert_eq!(e.check_at(s, ORDER, 1), FIXPROV_ERR_PANIC);
    assert!(last_error().contains("panic"));
    assert_eq!(e.check_at(s, ORDER, 1), FIXPROV_OK);
    fixprov::ffi::inject_panic();
    assert_eq!(e.open_session("gus"), Err(FIXPROV_ERR_PANIC));
    fixprov::ffi::inject_panic();
    // SAFETY: live engine.
    assert_eq!(unsafe { fixprov_session_close(e.0, s) }, FIXPROV_ERR_PANIC);
    // SAFETY: live engine.
    assert_eq!(unsafe { fixprov_session_close(e.0, s) }, FIXPROV_OK);
}

#[test]
fn options_configure_the_engine() {
    let opts = fixprov_options_new();
    let mut e = null_mut();
    // SAFETY: `opts` is live until freed; `e` is writable.
    unsafe {
        assert_eq!(fixprov_options_set_max_sessions(opts, 1), FIXPROV_OK);
        assert_eq!(
            fixprov_options_set_clock(opts, fixprov_clock::FIXPROV_CLOCK_PRECISE as u32, 0),
            FIXPROV_OK
        );
        assert_eq!(fixprov_options_set_order_msgtypes(opts, b"U1,D".as_ptr(), 4), FIXPROV_OK);
        assert_eq!(fixprov_engine_open(opts, &mut e), FIXPROV_OK);
        fixprov_options_free(opts);
    }
    let e = Engine(e);
    let spec = fixprov_tier_spec {
        orders_per_sec: 1,
        order_burst: 1,
        messages_per_sec: 1_000,
        message_burst: 1_000,
        max_sessions: 5,
        ..Default::default()
    };
    // SAFETY: live engine; name and spec outlive the call.
    assert_eq!(unsafe { fixprov_tier_set(e.0, b"one-order".as_ptr(), 9, &spec) }, FIXPROV_OK);
    e.user("hal", "one-order");
    let s = e.open_session("hal").unwrap();
    assert_eq!(e.open_session("hal"), Err(FIXPROV_ERR_LIMIT_REACHED), "table of one session");
    // SAFETY: live engine; the MsgTypes outlive the calls.
    unsafe {
        assert_eq!(fixprov_check_msgtype(e.0, s, b"U1".as_ptr(), 2), FIXPROV_OK);
        assert_eq!(fixprov_check_msgtype(e.0, s, b"U1".as_ptr(), 2), FIXPROV_THROTTLED, "U1 is an order now");
        assert_eq!(fixprov_check_msgtype(e.0, s, b"D".as_ptr(), 1), FIXPROV_THROTTLED, "D still is");
        assert_eq!(fixprov_check_msgtype(e.0, s, b"G".as_ptr(), 1), FIXPROV_OK, "G is not");
        assert_eq!(fixprov_check(e.0, s, OTHER), FIXPROV_OK, "the precise clock reads the time");
    }
}

#[test]
fn status_strings_and_version() {
    for (status, text) in
        [(0, "ok"), (1, "throttled"), (105, "stale handle"), (106, "panic caught"), (9999, "unknown status")]
    {
        // SAFETY: static strings.
        assert_eq!(unsafe { CStr::from_ptr(fixprov_status_str(status)) }.to_str().unwrap(), text);
    }
    // SAFETY: static string.
    let version = unsafe { CStr::from_ptr(fixprov_version()) }.to_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn check_at_never_admits_past_the_bucket_at_the_edges_of_the_clock() {
    // Basic: burst 10 orders. 1,000 orders 1 ns apart just below UINT64_MAX once all passed (the
    // bucket's time saturated at the top and stopped advancing).
    let e = Engine::open();
    e.user("edge", "basic");
    let starts = [u64::MAX - 1_000, 0, 1, u64::MAX - 1];
    for start in starts {
        let s = e.open_session("edge").unwrap();
        let ok =
            (0..1_000u64).filter(|i| e.check_at(s, ORDER, start.saturating_add(*i)) == FIXPROV_OK).count();
        assert!(ok <= 10, "from {start}: {ok} of 1,000 admitted on a burst of 10");
        // SAFETY: live engine; `s` is a handle it returned.
        assert_eq!(unsafe { fixprov_session_close(e.0, s) }, FIXPROV_OK);
    }
    // At UINT64_MAX itself, and far behind the last time seen: never more than the burst.
    let s = e.open_session("edge").unwrap();
    let mut ok = (0..20).filter(|_| e.check_at(s, ORDER, u64::MAX / 2) == FIXPROV_OK).count();
    for now in [0, 1, u64::MAX / 4, u64::MAX, u64::MAX - 1] {
        ok += usize::from(e.check_at(s, ORDER, now) == FIXPROV_OK);
    }
    assert_eq!(ok, 10);
}

/// A batch through the C ABI: answers as single checks, and arrays it cannot use safely (the
/// answers written over the classes, a misaligned array) are refused with nothing decided or
/// written; the Rust API refuses an answer slice shorter than the batch.
#[test]
fn batches_through_the_c_abi() {
    let e = Engine::open();
    e.user("batcher", "basic");
    let session = e.open_session("batcher").unwrap();
    // basic: a burst of 10 orders.
    let classes = [1u32; 12];
    let mut out = [FIXPROV_KILLED; 12];
    // SAFETY: live engine; both arrays hold 12 entries.
    let rc = unsafe { fixprov_check_batch_at(e.0, session, classes.as_ptr(), 12, out.as_mut_ptr(), 1_000) };
    assert_eq!(rc, FIXPROV_OK, "{}", last_error());
    assert_eq!(out[..10], [FIXPROV_OK; 10]);
    assert_eq!(out[10..], [FIXPROV_THROTTLED; 2]);

    // The answers would land on the classes: refused before anything is decided.
    let mut words = [1u32; 8];
    let at = words.as_mut_ptr();
    // SAFETY: live engine; `at` holds 8 u32s, read and written only through raw pointers here.
    let rc = unsafe { fixprov_check_batch_at(e.0, session, at, 4, at.add(2).cast(), 2_000_000_000) };
    assert_eq!(rc, FIXPROV_ERR_INVALID_ARGUMENT);
    assert!(last_error().contains("overlaps"), "{}", last_error());
    assert_eq!(words, [1; 8], "nothing written");
    // Misaligned classes.
    let bytes = [0u8; 20];
    // SAFETY: live engine; one u32's worth of bytes from offset 1 is readable (the call refuses it
    // before reading).
    let rc = unsafe { fixprov_check_batch(e.0, session, bytes.as_ptr().add(1).cast(), 1, out.as_mut_ptr()) };
    assert_eq!(rc, FIXPROV_ERR_INVALID_ARGUMENT);
    // The tokens the refused batches did not spend are still there 2 s later (basic: 5 orders/s).
    // SAFETY: live engine; both arrays hold 12 entries.
    let rc = unsafe {
        fixprov_check_batch_at(e.0, session, classes.as_ptr(), 12, out.as_mut_ptr(), 2_000_001_000)
    };
    assert_eq!(rc, FIXPROV_OK);
    assert_eq!(out.iter().filter(|s| **s == FIXPROV_OK).count(), 10);

    // The Rust API.
    let engine = fixprov::Engine::open(fixprov::Config::default()).unwrap();
    engine.tiers().assign("rust-batcher", "basic").unwrap();
    let s = engine.sessions().open("rust-batcher").unwrap();
    let mut answers = [fixprov::Verdict::Stale; 3];
    let classes = [fixprov::MsgClass::Order, fixprov::MsgClass::Other, fixprov::MsgClass::Order];
    engine.check_batch_at(s, &classes, 5, &mut answers).unwrap();
    assert_eq!(answers, [fixprov::Verdict::Ok; 3]);
    assert!(engine.check_batch_at(s, &classes, 5, &mut answers[..2]).is_err(), "a short answer slice");
    engine.sessions().close(s).unwrap();
    assert!(matches!(engine.check_batch_at(s, &classes, 5, &mut answers), Err(fixprov::Error::StaleHandle)));
}

//! Instructions per check, for `scripts/callgrind-check.sh`: `n` checks of one path through the C
//! ABI, in a loop inside one never-inlined function that the script has callgrind collect alone
//! (`--toggle-collect=fixprov_cg_loop_*`), so engine start-up and background threads are not counted.
//! The script runs it with `n` and `2n` checks; the difference over `n` is the instructions per check
//! (the loop's own few instructions included).
//!
//!     callgrind_check <mode> <n>
//!
//! Modes: check_order, check_other (fixprov_check, engine clock), check_at_order (fixprov_check_at,
//! caller's timestamp), check_order_throttled (refused), check_msgtype_order (fixprov_check_msgtype "D"),
//! check_order_owned and check_other_owned (a single owner's session), batch8_order and
//! batch8_order_owned (fixprov_check_batch of 8 orders; counted per message).

use fixprov::ffi::{
    fixprov_check, fixprov_check_at, fixprov_check_batch, fixprov_check_msgtype, fixprov_engine,
    fixprov_engine_close, fixprov_status,
};
use fixprov::{CheckMode, Config, Engine, TierSpec};
use std::hint::black_box;

type CheckFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32) -> fixprov_status;
type CheckAtFn = unsafe extern "C" fn(*const fixprov_engine, u64, u32, u64) -> fixprov_status;
type MsgTypeFn = unsafe extern "C" fn(*const fixprov_engine, u64, *const u8, usize) -> fixprov_status;
type BatchFn = unsafe extern "C" fn(
    *const fixprov_engine,
    u64,
    *const u32,
    usize,
    *mut fixprov_status,
) -> fixprov_status;

const ORDER: u32 = 1;
const OTHER: u32 = 0;
const OK: fixprov_status = fixprov_status::FIXPROV_OK;

/// `n` calls of `f`; returns how many were admitted.
///
/// # Safety
/// `engine` is live.
#[no_mangle]
#[inline(never)]
pub unsafe fn fixprov_cg_loop_check(
    f: CheckFn,
    engine: *const fixprov_engine,
    session: u64,
    class: u32,
    n: u64,
) -> u64 {
    let mut ok = 0;
    for _ in 0..n {
        // SAFETY: `engine` is live (the caller's contract).
        ok += u64::from(unsafe { f(engine, session, class) } == OK);
    }
    ok
}

/// `n` calls of `f` at times `now + 1`, `now + 2`, ...; returns how many were admitted.
///
/// # Safety
/// `engine` is live.
#[no_mangle]
#[inline(never)]
pub unsafe fn fixprov_cg_loop_check_at(
    f: CheckAtFn,
    engine: *const fixprov_engine,
    session: u64,
    class: u32,
    mut now: u64,
    n: u64,
) -> u64 {
    let mut ok = 0;
    for _ in 0..n {
        now += 1;
        // SAFETY: `engine` is live (the caller's contract).
        ok += u64::from(unsafe { f(engine, session, class, now) } == OK);
    }
    ok
}

/// `n` calls of `f` with MsgType `msgtype`; returns how many were admitted.
///
/// # Safety
/// `engine` is live.
#[no_mangle]
#[inline(never)]
pub unsafe fn fixprov_cg_loop_msgtype(
    f: MsgTypeFn,
    engine: *const fixprov_engine,
    session: u64,
    msgtype: &[u8],
    n: u64,
) -> u64 {
    let mut ok = 0;
    for _ in 0..n {
        // SAFETY: `engine` is live (the caller's contract); `msgtype` outlives the call.
        ok += u64::from(unsafe { f(engine, session, msgtype.as_ptr(), msgtype.len()) } == OK);
    }
    ok
}

/// `n` messages as `n / 8` calls of `f` with 8 orders each; returns how many were admitted.
///
/// # Safety
/// `engine` is live.
#[no_mangle]
#[inline(never)]
pub unsafe fn fixprov_cg_loop_batch(f: BatchFn, engine: *const fixprov_engine, session: u64, n: u64) -> u64 {
    let classes = [ORDER; 8];
    let mut out = [OK; 8];
    let mut ok = 0;
    for _ in 0..n / 8 {
        // SAFETY: `engine` is live (the caller's contract); both arrays hold 8 entries.
        unsafe { f(engine, session, classes.as_ptr(), 8, out.as_mut_ptr()) };
        ok += out.iter().filter(|s| **s == OK).count() as u64;
    }
    ok
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(n)) = (args.first(), args.get(1).and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!(
            "usage: callgrind_check <check_order|check_other|check_at_order|check_order_throttled|check_msgtype_order|\
             check_order_owned|check_other_owned|batch8_order|batch8_order_owned> <n>"
        );
        std::process::exit(2);
    };
    let engine = Engine::open(Config { default_rules: false, ..Config::default() }).expect("engine opens");
    let open = TierSpec {
        escalation_threshold: 0,
        ..TierSpec::new(1_000_000_000, 1_000_000_000, 10, 1_000_000_000)
    };
    let closed = TierSpec { escalation_threshold: 0, ..TierSpec::new(0, 0, 10, 0) };
    engine.tiers().set("open", open).unwrap();
    engine.tiers().set("closed", closed).unwrap();
    engine.tiers().assign("admitted", "open").unwrap();
    engine.tiers().assign("throttled", "closed").unwrap();
    let admitted = engine.sessions().open("admitted").unwrap();
    let throttled = engine.sessions().open("throttled").unwrap();
    let owned = engine.sessions().open("admitted").unwrap();
    engine.sessions().set_mode(owned, CheckMode::SingleOwner { watched: false }).unwrap();
    let now = engine.now();
    let e = fixprov_engine::into_raw(engine);
    // Called through pointers the optimizer cannot see through, as a host calls into the cdylib.
    let check: CheckFn = black_box(fixprov_check);
    let check_at: CheckAtFn = black_box(fixprov_check_at);
    let msgtype: MsgTypeFn = black_box(fixprov_check_msgtype);
    let batch: BatchFn = black_box(fixprov_check_batch);
    // SAFETY: `e` is live until closed below.
    let (ok, want) = unsafe {
        match mode.as_str() {
            "check_order" => (fixprov_cg_loop_check(check, e, admitted, ORDER, n), n),
            "check_other" => (fixprov_cg_loop_check(check, e, admitted, OTHER, n), n),
            "check_at_order" => (fixprov_cg_loop_check_at(check_at, e, admitted, ORDER, now, n), n),
            "check_order_throttled" => (fixprov_cg_loop_check(check, e, throttled, ORDER, n), 0),
            "check_msgtype_order" => (fixprov_cg_loop_msgtype(msgtype, e, admitted, b"D", n), n),
            "check_order_owned" => (fixprov_cg_loop_check(check, e, owned, ORDER, n), n),
            "check_other_owned" => (fixprov_cg_loop_check(check, e, owned, OTHER, n), n),
            "batch8_order" => (fixprov_cg_loop_batch(batch, e, admitted, n), n / 8 * 8),
            "batch8_order_owned" => (fixprov_cg_loop_batch(batch, e, owned, n), n / 8 * 8),
            other => {
                eprintln!("unknown mode {other:?}");
                std::process::exit(2);
            }
        }
    };
    assert_eq!(ok, want, "{mode}: the path measured is not the one meant");
    // SAFETY: opened above, closed once, no call in flight.
    unsafe { fixprov_engine_close(e) };
    println!("{mode} {n} admitted {ok}");
}

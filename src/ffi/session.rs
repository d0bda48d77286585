//! Sessions through the C ABI: open, close, kill, and the per-message checks.

use crate::ffi::boundary::{self, fixprov_engine, guard};
use crate::ffi::status::fixprov_status;
use crate::hot::session::{CheckMode, KillReason, MsgClass, Verdict};

/// The class of an inbound message, for fixprov_check() and fixprov_check_at().
#[repr(u32)]
#[allow(non_camel_case_types, dead_code)]
pub enum fixprov_msg_class {
    /// Counts against messages/sec only (heartbeats, market data requests, ...).
    FIXPROV_MSG_OTHER = 0,
    /// Counts against orders/sec and messages/sec.
    FIXPROV_MSG_ORDER = 1,
}

/// Why a session was killed, as reported in fixprov_session_stats and events.
#[repr(u32)]
#[allow(non_camel_case_types)]
pub enum fixprov_kill_reason {
    /// Not killed.
    FIXPROV_KILL_NONE = 0,
    /// An operator killed this session.
    FIXPROV_KILL_ADMIN = 1,
    /// An operator killed all of the user's sessions.
    FIXPROV_KILL_USER = 2,
    /// The user's credential was revoked.
    FIXPROV_KILL_REVOKED = 3,
    /// The user was suspended.
    FIXPROV_KILL_SUSPENDED = 4,
    /// The user's credential expired.
    FIXPROV_KILL_EXPIRED = 5,
    /// Reserved: closing an engine raises no events and reports no reason (its sessions end with
    /// it). Never produced by this version.
    FIXPROV_KILL_SHUTDOWN = 6,
}

impl From<Option<KillReason>> for fixprov_kill_reason {
    fn from(reason: Option<KillReason>) -> fixprov_kill_reason {
        match reason {
            None => fixprov_kill_reason::FIXPROV_KILL_NONE,
            Some(KillReason::Admin) => fixprov_kill_reason::FIXPROV_KILL_ADMIN,
            Some(KillReason::User) => fixprov_kill_reason::FIXPROV_KILL_USER,
            Some(KillReason::Revoked) => fixprov_kill_reason::FIXPROV_KILL_REVOKED,
            Some(KillReason::Suspended) => fixprov_kill_reason::FIXPROV_KILL_SUSPENDED,
            Some(KillReason::Expired) => fixprov_kill_reason::FIXPROV_KILL_EXPIRED,
            Some(KillReason::Shutdown) => fixprov_kill_reason::FIXPROV_KILL_SHUTDOWN,
        }
    }
}

impl From<KillReason> for fixprov_kill_reason {
    fn from(reason: KillReason) -> fixprov_kill_reason {
        fixprov_kill_reason::from(Some(reason))
    }
}

/// A session's counters and state.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub struct fixprov_session_stats {
    /// Messages admitted (orders included).
    pub messages: u64,
    /// Orders admitted.
    pub orders: u64,
    /// Checks answered FIXPROV_THROTTLED.
    pub throttled: u64,
    /// Checks answered FIXPROV_DISCONNECT.
    pub disconnects: u64,
    /// Wall-clock open time, milliseconds since the Unix epoch.
    pub opened_unix_ms: u64,
    /// A fixprov_kill_reason value; FIXPROV_KILL_NONE while alive.
    pub kill_reason: u32,
    /// 1 once violations escalated to FIXPROV_DISCONNECT, else 0.
    pub escalated: u32,
}

#[cold]
#[inline(never)]
fn unknown_class() -> boundary::Failure {
    boundary::fail_static(fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT, c"unknown msg_class")
}

#[inline(always)]
fn class(raw: u32) -> Option<MsgClass> {
    match raw {
        0 => Some(MsgClass::Other),
        1 => Some(MsgClass::Order),
        _ => None,
    }
}

/// Opens a session for a user on the user's tier, enforcing the tier's max_sessions atomically:
/// two racing opens never both take the last slot.
///
/// Parameters:
/// - user: the user id (user_len bytes of UTF-8); the user must exist (fixprov_user_set_tier).
/// - out_session: receives the session handle (never 0); written only on success.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_NOT_FOUND, or
/// FIXPROV_ERR_LIMIT_REACHED (the user's max sessions, or the session table, is full).
/// Ownership: the handle is owned by the caller; release it with fixprov_session_close().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes; out_session is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_session_open(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    out_session: *mut u64,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_session, c"out_session is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        let session = engine.sessions().open(user)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(session) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Closes a session and frees its slot. The handle is stale afterwards: a second close, or a check
/// with it, answers FIXPROV_ERR_STALE_HANDLE. What its buckets still owe (at most one burst each) is
/// kept for the user's next session, which starts from it less the time since, not from full
/// buckets: logging out and on again does not reset a limit (a tier change still refills).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_STALE_HANDLE.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_session_close(
    engine: *const fixprov_engine,
    session: u64,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        engine.sessions().close(session)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Kills a session: its next check answers FIXPROV_KILLED, and the event callback (if any) is told
/// at once, so the host can log out an idle peer. Killing a killed session does nothing.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_STALE_HANDLE.
/// Thread safety: may be called from several threads at once; the callback runs on this thread.
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_session_kill(engine: *const fixprov_engine, session: u64) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        engine.sessions().kill(session)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Kills every live session of a user (see fixprov_session_kill()).
///
/// Parameters:
/// - out_killed: NULL, or receives how many sessions this call killed.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_NOT_FOUND.
/// Ownership: does not take ownership of user.
/// Thread safety: may be called from several threads at once; callbacks run on this thread.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes; out_killed is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_user_kill(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    out_killed: *mut usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        let killed = engine.sessions().kill_user(user)?;
        if let Ok(out) = boundary::out_ptr(out_killed, c"") {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(killed) };
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// The per-message check, at the engine clock's time. Lock-free, allocation-free, no system call.
///
/// Parameters:
/// - session: a handle from fixprov_session_open().
/// - msg_class: a fixprov_msg_class value.
///
/// Returns: FIXPROV_OK (process the message), FIXPROV_THROTTLED (reject it, keep the session),
/// FIXPROV_DISCONNECT or FIXPROV_KILLED (log the session out), FIXPROV_ERR_STALE_HANDLE,
/// FIXPROV_ERR_INVALID_ARGUMENT (unknown msg_class), or FIXPROV_ERR_NULL.
/// Thread safety: may be called from several threads at once, on one shared session too (the
/// default): admission stays exact, while the admitted-message counters are exact only with one
/// thread per session at a time. A single owner's session (fixprov_session_set_mode) is checked by
/// one thread at a time; see fixprov_check_mode for what a broken promise costs.
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_check(
    engine: *const fixprov_engine,
    session: u64,
    msg_class: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let Some(class) = class(msg_class) else { return Err(unknown_class()) };
        Ok(engine.check(session, class).into())
    })
}

/// The per-message check at the caller's time now_ns (for example the engine's receive
/// timestamp, in nanoseconds on any monotonic base). Use one time base per session: do not mix
/// fixprov_check() and fixprov_check_at() on one session. What a session owes when it closes is
/// measured on the engine's clock: a session checked on a base far from it carries no debt into the
/// user's next session (one a little ahead of it, at most a burst); fixprov_check() carries exactly.
///
/// Returns: as fixprov_check(). A time earlier than one already seen neither fails nor refills.
/// Thread safety: as fixprov_check().
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_check_at(
    engine: *const fixprov_engine,
    session: u64,
    msg_class: u32,
    now_ns: u64,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let Some(class) = class(msg_class) else { return Err(unknown_class()) };
        Ok(engine.check_at(session, class, now_ns).into())
    })
}

/// The per-message check given the raw FIX MsgType (the value of tag 35, without SOH), classified
/// by the engine's order MsgTypes (default D F G E AB AC s q) and weighed by the session's tier
/// (POST /admin/fix/rate-limits/weights; a MsgType without a weight takes one token, see
/// fixprov_check_weighted()).
///
/// Parameters:
/// - msgtype: msgtype_len bytes (1 to 16, printable ASCII, no '=').
///
/// Returns: as fixprov_check(), or FIXPROV_ERR_INVALID_ARGUMENT for a malformed MsgType.
/// Ownership: does not take ownership of msgtype.
/// Thread safety: as fixprov_check().
///
/// # Safety
/// engine is NULL or live; msgtype is NULL or msgtype_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_check_msgtype(
    engine: *const fixprov_engine,
    session: u64,
    msgtype: *const u8,
    msgtype_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let msgtype = unsafe { boundary::bytes(msgtype, msgtype_len, c"msgtype is NULL") }?;
        match engine.check_msgtype(session, msgtype) {
            Ok(verdict) => Ok(verdict.into()),
            Err(_) => Err(boundary::fail_static(
                fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
                c"msgtype must be 1 to 16 printable ASCII characters other than '='",
            )),
        }
    })
}

/// The per-message check for a message of weight tokens: it takes weight tokens from each bucket it
/// counts in (an order from the order and the message bucket, any other message from the message
/// bucket), all or none. For hosts that weigh messages themselves (the orders of a NewOrderList, say);
/// fixprov_check_msgtype() weighs by the tier's table. Weight 1 is fixprov_check(); 0 admits the
/// message without taking a token (a killed or escalated session still answers so); a weight above a
/// bucket's burst is never admitted. Every mode (shared, single owner, watched) decides alike.
///
/// Parameters:
/// - session: a handle from fixprov_session_open().
/// - msg_class: a fixprov_msg_class value.
/// - weight: 0 to 255.
///
/// Returns: as fixprov_check(), or FIXPROV_ERR_INVALID_ARGUMENT for an unknown msg_class or a weight
/// above 255 (nothing decided).
/// Thread safety: as fixprov_check().
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_check_weighted(
    engine: *const fixprov_engine,
    session: u64,
    msg_class: u32,
    weight: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let Some(class) = class(msg_class) else { return Err(unknown_class()) };
        match engine.check_weighted(session, class, weight) {
            Ok(verdict) => Ok(verdict.into()),
            Err(_) => Err(boundary::fail_static(
                fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
                c"weight must be 0 to 255",
            )),
        }
    })
}

/// Who may check a session, for fixprov_session_set_mode().
#[repr(u32)]
#[allow(non_camel_case_types, dead_code)]
pub enum fixprov_check_mode {
    /// Any thread, several at once (the default): each bucket advances by compare-and-swap, and
    /// admission is exact under any concurrency.
    FIXPROV_MODE_SHARED = 0,
    /// One thread at a time, the host's promise (QuickFIX's ThreadedSocketAcceptor reads each
    /// connection on its own thread; a SocketAcceptor checks every session on one). Checks take no
    /// locked instruction. Exact while the promise holds. Broken (two threads checking the session
    /// at once), each overlapping check can over-admit by at most one burst of the tier; never a
    /// crash or undefined behaviour.
    FIXPROV_MODE_SINGLE_OWNER = 1,
    /// FIXPROV_MODE_SINGLE_OWNER with the promise watched: each check takes a busy flag (one atomic
    /// swap), and a check that finds another in flight counts an overlap ("owner_overlaps" in
    /// fixprov_sessions_json()) and decides by compare-and-swap. The default for single owners in debug
    /// builds (fixprov_options_set_single_owner()).
    FIXPROV_MODE_SINGLE_OWNER_WATCHED = 2,
}

/// Sets who may check a session (a fixprov_check_mode value). A session opens in the engine's
/// mode (fixprov_options_set_single_owner(); shared by default).
///
/// Call it between checks of the session: before its first check (right after fixprov_logon() or
/// fixprov_session_open()), or on the thread that checks it. A tier change or move reaches a
/// single owner's session as it reaches a shared one: its next check enforces the new tier, from
/// full buckets.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_STALE_HANDLE, or FIXPROV_ERR_INVALID_ARGUMENT
/// (an unknown mode).
/// Thread safety: may be called from any thread; see above for when.
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_session_set_mode(
    engine: *const fixprov_engine,
    session: u64,
    mode: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let mode = match mode {
            0 => CheckMode::Shared,
            1 => CheckMode::SingleOwner { watched: false },
            2 => CheckMode::SingleOwner { watched: true },
            _ => {
                return Err(boundary::fail_static(
                    fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
                    c"mode must be a fixprov_check_mode value (0 to 2)",
                ))
            }
        };
        engine.sessions().set_mode(session, mode)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Checks the n message classes at msg_classes, refusing the call if any is unknown.
///
/// # Safety
/// msg_classes is NULL or n readable u32s.
unsafe fn batch_classes(msg_classes: *const u32, n: usize) -> boundary::FfiResult<()> {
    if n == 0 {
        return Ok(());
    }
    if msg_classes.is_null() {
        return Err(boundary::fail_static(fixprov_status::FIXPROV_ERR_NULL, c"msg_classes is NULL"));
    }
    if !msg_classes.is_aligned() || n > isize::MAX as usize / 4 {
        return Err(boundary::fail_static(
            fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
            c"msg_classes is misaligned or msg_classes_len is too large",
        ));
    }
    // SAFETY: non-NULL, aligned, and n readable u32s per the contract.
    if (0..n).any(|i| class(unsafe { msg_classes.add(i).read() }).is_none()) {
        return Err(boundary::fail_static(
            fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
            c"unknown msg_class in the batch (nothing was checked)",
        ));
    }
    Ok(())
}

/// Runs a batch for the FFI: validates, decides, writes each answer.
///
/// # Safety
/// As for fixprov_check_batch().
unsafe fn check_batch(
    engine: *const fixprov_engine,
    session: u64,
    msg_classes: *const u32,
    n: usize,
    out_statuses: *mut fixprov_status,
    now_ns: Option<u64>,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        unsafe { batch_classes(msg_classes, n) }?;
        if n == 0 {
            return Ok(fixprov_status::FIXPROV_OK);
        }
        if out_statuses.is_null() {
            return Err(boundary::fail_static(fixprov_status::FIXPROV_ERR_NULL, c"out_statuses is NULL"));
        }
        if !out_statuses.is_aligned() {
            return Err(boundary::fail_static(
                fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
                c"out_statuses is misaligned",
            ));
        }
        // The classes are read in place as a slice, so the answers must not be written over them.
        let (classes_at, out_at) = (msg_classes as usize, out_statuses as usize);
        let overlap = classes_at < out_at.wrapping_add(n * 4) && out_at < classes_at.wrapping_add(n * 4);
        if overlap {
            return Err(boundary::fail_static(
                fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
                c"out_statuses overlaps msg_classes",
            ));
        }
        // SAFETY: n readable, aligned u32s per the contract, each checked above to be 0 or 1:
        // MsgClass is repr(u32) with exactly those discriminants. Nothing writes them during the
        // call (out_statuses does not overlap them).
        let classes = unsafe { std::slice::from_raw_parts(msg_classes.cast::<MsgClass>(), n) };
        let out = move |i: usize, verdict: Verdict| {
            let status = match verdict {
                Verdict::Ok => fixprov_status::FIXPROV_OK,
                Verdict::Throttled => fixprov_status::FIXPROV_THROTTLED,
                Verdict::Disconnect => fixprov_status::FIXPROV_DISCONNECT,
                // A stale handle answers nothing (see SessionLine::check_batch).
                Verdict::Killed | Verdict::Stale => fixprov_status::FIXPROV_KILLED,
            };
            // SAFETY: i < n, and out_statuses is non-NULL, aligned and n writable entries per the
            // contract, apart from msg_classes.
            unsafe { out_statuses.add(i).write(status) };
        };
        if !engine.batch_with(session, classes, now_ns, out) {
            return Err(boundary::fail_static(
                fixprov_status::FIXPROV_ERR_STALE_HANDLE,
                c"stale session handle",
            ));
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// The per-message check for the messages of one session read together (one socket read that
/// decoded several), at one instant of the engine clock: message i is decided as the i-th of that
/// many fixprov_check() calls at that instant would decide it, and its answer is written to entry i
/// of out_statuses (FIXPROV_OK, FIXPROV_THROTTLED, FIXPROV_DISCONNECT or FIXPROV_KILLED). Once one
/// answers FIXPROV_DISCONNECT, the rest do too. A single owner's batch keeps its buckets in
/// registers and stores them once.
///
/// Parameters:
/// - msg_classes: msg_classes_len fixprov_msg_class values; a length of 0 decides nothing (both
///   arrays may then be NULL).
/// - out_statuses: msg_classes_len writable entries, apart from msg_classes.
///
/// Returns: FIXPROV_OK (every answer written), FIXPROV_ERR_NULL, FIXPROV_ERR_INVALID_ARGUMENT (an
/// unknown class, a misaligned array, or out_statuses overlapping msg_classes), or
/// FIXPROV_ERR_STALE_HANDLE; on an error nothing was checked and nothing written.
/// Ownership: borrows both arrays for the call.
/// Thread safety: as fixprov_check().
///
/// # Safety
/// engine is NULL or live; msg_classes is NULL or msg_classes_len readable u32s; out_statuses is
/// NULL or msg_classes_len writable entries.
#[no_mangle]
pub unsafe extern "C" fn fixprov_check_batch(
    engine: *const fixprov_engine,
    session: u64,
    msg_classes: *const u32,
    msg_classes_len: usize,
    out_statuses: *mut fixprov_status,
) -> fixprov_status {
    // SAFETY: forwarded contract.
    unsafe { check_batch(engine, session, msg_classes, msg_classes_len, out_statuses, None) }
}

/// fixprov_check_batch() at the caller's time now_ns (see fixprov_check_at(); one time base per
/// session).
///
/// Returns: as fixprov_check_batch().
/// Ownership: borrows both arrays for the call.
/// Thread safety: as fixprov_check().
///
/// # Safety
/// As for fixprov_check_batch().
#[no_mangle]
pub unsafe extern "C" fn fixprov_check_batch_at(
    engine: *const fixprov_engine,
    session: u64,
    msg_classes: *const u32,
    msg_classes_len: usize,
    out_statuses: *mut fixprov_status,
    now_ns: u64,
) -> fixprov_status {
    // SAFETY: forwarded contract.
    unsafe { check_batch(engine, session, msg_classes, msg_classes_len, out_statuses, Some(now_ns)) }
}

/// Asks the CPU to bring a session's hot state (one 64-byte line) into its cache, for hosts that
/// know the session before they parse its message (at socket read time): the check that follows
/// then does not wait on memory. A hint only: it never fails, faults, blocks or changes anything;
/// a NULL engine or a stale handle is ignored.
///
/// Ownership: takes and keeps nothing.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_prefetch(engine: *const fixprov_engine, session: u64) {
    // SAFETY: forwarded contract.
    if let Ok(engine) = unsafe { boundary::engine(engine) } {
        engine.prefetch(session);
    }
}

/// Reads a session's counters and state.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_STALE_HANDLE.
/// Ownership: out_stats is written only on success.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; out_stats is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_session_get_stats(
    engine: *const fixprov_engine,
    session: u64,
    out_stats: *mut fixprov_session_stats,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_stats, c"out_stats is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let info = engine.sessions().info(session)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe {
            out.write(fixprov_session_stats {
                messages: info.messages,
                orders: info.orders,
                throttled: info.throttled,
                disconnects: info.disconnects,
                opened_unix_ms: info.opened_unix_ms,
                kill_reason: fixprov_kill_reason::from(info.killed) as u32,
                escalated: u32::from(info.escalated),
            })
        };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Zeroes a session's violation counters and escalation window.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_STALE_HANDLE.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_session_reset_violations(
    engine: *const fixprov_engine,
    session: u64,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        engine.sessions().reset_violations(session)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Reads a user's violations: THROTTLED plus DISCONNECT answers over its live and closed sessions.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_NOT_FOUND.
/// Ownership: does not take ownership of user; out_violations is written only on success.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes; out_violations NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_user_violations(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    out_violations: *mut u64,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_violations, c"out_violations is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        let violations = engine.sessions().user_violations(user)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(violations) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Zeroes a user's violations, over its live and closed sessions.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_NOT_FOUND.
/// Ownership: does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_user_reset_violations(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        engine.sessions().reset_user_violations(user)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C enum and the Rust reason carry the same numbers (the hot path packs `KillReason as u8`
    /// into the state word; hosts read `fixprov_kill_reason`), and NONE is no reason.
    #[test]
    fn kill_reasons_convert_to_the_same_numbers() {
        use KillReason::*;
        for reason in [Admin, User, Revoked, Suspended, Expired, Shutdown] {
            assert_eq!(fixprov_kill_reason::from(reason) as u32, u32::from(reason as u8), "{reason:?}");
        }
        assert_eq!(fixprov_kill_reason::from(None) as u32, 0);
    }
}

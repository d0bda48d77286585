//! The event callback, and listings handed to C as JSON strings.

use crate::engine::{Event, EventKind};
use crate::ffi::boundary::{self, fixprov_engine, guard, guard_void, HostContext};
use crate::ffi::status::fixprov_status;
use std::ffi::{c_char, c_void};

/// What an event reports.
#[repr(u32)]
#[allow(non_camel_case_types, dead_code)]
pub enum fixprov_event_kind {
    /// A session was killed by a call other than a check (an operator, a revocation, ...): log the
    /// peer out now rather than at its next message.
    FIXPROV_EVENT_SESSION_KILLED = 1,
}

/// An event, lent to the callback for the duration of the call.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct fixprov_event {
    /// A fixprov_event_kind value.
    pub kind: u32,
    /// A fixprov_kill_reason value.
    pub reason: u32,
    /// The session's handle.
    pub session: u64,
    /// The session's user id: user_id_len bytes of UTF-8, not NUL-terminated; valid only during
    /// the call.
    pub user_id: *const u8,
    /// Length of user_id in bytes.
    pub user_id_len: usize,
}

/// An event callback. It runs on the thread whose call raised the event (for expiries, the engine's
/// housekeeping thread), with no fixprov lock held, so it may call fixprov functions (for example
/// fixprov_session_close()), except fixprov_engine_close() on the same engine. It must not unwind
/// (throw a C++ exception) out of the call.
#[allow(non_camel_case_types)]
pub type fixprov_event_fn = Option<unsafe extern "C" fn(context: *mut c_void, event: *const fixprov_event)>;

/// Registers the engine's event callback, replacing any previous one; callback NULL removes it.
///
/// Parameters:
/// - callback: called for every event, on the thread that raised it.
/// - context: passed back to the callback unchanged; it must stay valid, and be safe to use from
///   any thread, until the callback is replaced or the engine is closed.
///
/// Returns: FIXPROV_OK or FIXPROV_ERR_NULL (engine).
/// Ownership: does not take ownership of context.
/// Thread safety: may be called from several threads at once; a replaced callback may still be
/// running on another thread when this returns.
///
/// # Safety
/// engine is NULL or live; callback, if set, is safe to call with context from any thread.
#[no_mangle]
pub unsafe extern "C" fn fixprov_set_event_callback(
    engine: *const fixprov_engine,
    callback: fixprov_event_fn,
    context: *mut c_void,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let listener = callback.map(|callback| {
            let context = HostContext(context);
            Box::new(move |event: &Event<'_>| {
                let raw = fixprov_event {
                    kind: match event.kind {
                        EventKind::SessionKilled => fixprov_event_kind::FIXPROV_EVENT_SESSION_KILLED as u32,
                    },
                    reason: crate::ffi::session::fixprov_kill_reason::from(event.reason) as u32,
                    session: event.session,
                    user_id: event.user.as_ptr(),
                    user_id_len: event.user.len(),
                };
                let context = context;
                // SAFETY: the host registered `callback` for this `context` and promised it may be
                // called from any thread; `raw` and the user id it points to outlive the call.
                unsafe { callback(context.0, &raw) };
            }) as crate::engine::Listener
        });
        engine.sessions().set_listener(listener);
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Lists open sessions as a JSON array of objects with session, user, tier, opened_unix_ms,
/// messages, orders, throttled, disconnects, killed (null or a reason) and escalated.
///
/// Parameters:
/// - user: NULL with user_len 0 for every session, or one user's id.
/// - out_json: receives the NUL-terminated JSON text; written only on success.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INTERNAL.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes; out_json is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_sessions_json(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let user = unsafe { boundary::optional_text(user, user_len, c"user is NULL") }?;
        let json = boundary::json_into_raw(&engine.sessions().list(user))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Wipes and frees a string (or secret) the library handed out. fixprov_string_free(NULL) is a no-op.
///
/// Ownership: consumes s.
/// Thread safety: may be called from any thread, once per string.
///
/// # Safety
/// s is NULL or a string from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fixprov_string_free(s: *mut c_char) {
    // SAFETY: forwarded contract.
    guard_void(|| unsafe { boundary::string_free(s) });
}

/// Verifies the audit log's hash chain: every record, in order, none edited, deleted, reordered or
/// cut off the end. The report is JSON: {"records": n, "ok": bool, "problems": ["record 7: ..."]}.
///
/// Returns: FIXPROV_OK (also when problems were found: read "ok"), FIXPROV_ERR_NULL,
/// FIXPROV_ERR_CORRUPT (the chain's sealed head failed authentication), or FIXPROV_ERR_STORAGE.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; out_json is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_audit_verify(
    engine: *const fixprov_engine,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let json = boundary::json_into_raw(&engine.audit().verify()?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// The audit chain's head now, as JSON: {"seq": n, "mac": "64 hex digits"}. Keep it off the
/// machine (a log shipper, a ticket, another host) and pass it to fixprov_audit_verify_head()
/// later: a store replaced by an older copy of itself, or a chain rewritten after that record, is
/// then reported, which nothing inside the file alone can show.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_CORRUPT (the head is missing or failed
/// authentication), or FIXPROV_ERR_STORAGE.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; out_json is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_audit_head(
    engine: *const fixprov_engine,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let json = boundary::json_into_raw(&engine.audit().head()?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// fixprov_audit_verify(), and that the chain still holds head_json, a head that
/// fixprov_audit_head() returned earlier: the report lists a problem when the chain ends before
/// that record (the store was rolled back) or the record there has another MAC (rewritten).
///
/// Returns: FIXPROV_OK (also when problems were found: read "ok"), FIXPROV_ERR_NULL,
/// FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (head_json is not such a head),
/// FIXPROV_ERR_CORRUPT, or FIXPROV_ERR_STORAGE.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Does not take ownership of head_json.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; head_json is NULL or head_json_len readable bytes; out_json NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_audit_verify_head(
    engine: *const fixprov_engine,
    head_json: *const u8,
    head_json_len: usize,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let head = unsafe { boundary::text(head_json, head_json_len, c"head_json is NULL") }?;
        let expected: crate::cold::audit::AuditAnchor =
            serde_json::from_str(head).map_err(|e| crate::Error::invalid(format!("audit head: {e}")))?;
        let json = boundary::json_into_raw(&engine.audit().verify_against(&expected)?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Reads audit records as JSON lines (one record per line: seq, at_unix_ms, actor, source, event,
/// subject, details, outcome), in sequence order. filter is a JSON object with optional
/// from_unix_ms, to_unix_ms, subject, event_prefix, after_seq (paging) and limit (at most 1,000),
/// or (NULL, 0) for the first 1,000 records.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (a bad
/// filter), or FIXPROV_ERR_STORAGE.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Does not take ownership of filter.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; filter is NULL or filter_len readable bytes; out_jsonl NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_audit_query(
    engine: *const fixprov_engine,
    filter: *const u8,
    filter_len: usize,
    out_jsonl: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_jsonl, c"out_jsonl is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let filter = unsafe { boundary::optional_text(filter, filter_len, c"filter is NULL") }?;
        let query: crate::cold::audit::AuditQuery = match filter {
            Some(f) => {
                serde_json::from_str(f).map_err(|e| crate::Error::invalid(format!("audit filter: {e}")))?
            }
            None => Default::default(),
        };
        let mut lines = String::new();
        for record in engine.audit().query(&query)? {
            let line =
                serde_json::to_string(&record).map_err(|e| crate::Error::Internal(e.to_string().into()))?;
            lines.push_str(&line);
            lines.push('\n');
        }
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(boundary::string_into_raw(lines)) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// The engine's statistics as JSON: users by state, credentials, totals (live sessions, admitted
/// messages and orders, throttled, disconnects), the same per tier, logons accepted and refused by
/// reason, and the ten users with the most violations. Computed on demand from per-session
/// counters; the check path writes no shared counter.
///
/// Returns: FIXPROV_OK or FIXPROV_ERR_NULL.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; out_json is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_stats_json(
    engine: *const fixprov_engine,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let json = boundary::json_into_raw(&engine.stats())?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

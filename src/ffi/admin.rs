//! The admin command layer through the C ABI: every operator operation without HTTP.

use crate::admin::Actor;
use crate::ffi::boundary::{self, fixprov_engine, guard};
use crate::ffi::status::fixprov_status;
use std::ffi::c_char;

/// Runs one admin request, as the HTTP API would (same routes, validation, audit and answers), on
/// behalf of the host (actor "host", role admin).
///
/// Parameters:
/// - method: "GET" or "POST".
/// - path: a route such as "/admin/fix/provision" or "/admin/fix/sessions/user?user=alice".
/// - body: a JSON object, or (NULL, 0) for none; at most 64 KiB; unknown fields are refused.
/// - out_http_status: receives the HTTP status of the answer (200, 400, 404, 409, 422, ...).
/// - out_json: receives the answer's body: JSON; errors are {"error": {"code", "message"}}. Two
///   routes answer other text: "/admin/fix/audit/export" (JSON lines) and "/metrics" (OpenMetrics).
///
/// Returns: FIXPROV_OK whenever an answer was produced (read out_http_status), FIXPROV_ERR_NULL,
/// or FIXPROV_ERR_UTF8 (method or path).
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free() (it may
/// hold a new password: the string is wiped when freed). Does not take ownership of the arguments.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; each string is NULL or readable for its length; out-parameters are NULL
/// or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fixprov_admin_request(
    engine: *const fixprov_engine,
    method: *const u8,
    method_len: usize,
    path: *const u8,
    path_len: usize,
    body: *const u8,
    body_len: usize,
    out_http_status: *mut u32,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let status_out = boundary::out_ptr(out_http_status, c"out_http_status is NULL")?;
        let json_out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::handle(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (method, path, body) = unsafe {
            (
                boundary::text(method, method_len, c"method is NULL")?,
                boundary::text(path, path_len, c"path is NULL")?,
                boundary::bytes(body, body_len, c"body is NULL")?,
            )
        };
        let response = engine.admin.handle(&Actor::host(), method, path, body);
        // SAFETY: both checked non-NULL; writable per the contract.
        unsafe {
            status_out.write(u32::from(response.status));
            json_out.write(boundary::string_into_raw(response.body_text()));
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Starts the admin HTTP API of the engine on its own thread, serving the same routes as
/// fixprov_admin_request() behind bearer tokens. A running server is replaced.
///
/// Parameters:
/// - bind_addr: "127.0.0.1:8700", or port 0 for any free port; a non-loopback address is refused
///   unless allow_remote is 1.
/// - tokens_json: a JSON array of {"name", "role" ("viewer" | "operator" | "admin"), "token" (at
///   least 32 characters)}; the tokens are kept only as SHA-256 hashes.
/// - out_port: NULL, or receives the port it listens on.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (address,
/// tokens or allow_remote), FIXPROV_ERR_STORAGE (the address cannot be bound), or
/// FIXPROV_ERR_INTERNAL.
/// Limits (no client can hold the server or its stop for long):
/// - a request head must arrive within 5 s of the connection waiting for it, however slowly its
///   bytes drip; an idle keep-alive connection is closed after the same 5 s;
/// - a request body must arrive within 5 s (else 408);
/// - a write of an answer that makes no progress for 10 s (a client not reading) drops the
///   connection;
/// - at most 64 connections are open at once; one more is answered 503 and closed;
/// - fixprov_admin_stop() and fixprov_engine_close() give answers in flight 0.5 s, then drop every
///   connection: they return within about 0.5 s whatever clients do.
///
/// The values are the constants of fixprov::admin::http (HEAD_TIMEOUT, BODY_TIMEOUT,
/// WRITE_STALL_TIMEOUT, MAX_CONNECTIONS, SHUTDOWN_GRACE).
///
/// Audit: starting and stopping leave admin.start and admin.stop records; failed authentications
/// leave one admin.auth_failed record per client address per minute, with their count.
///
/// Ownership: does not take ownership of the strings. The server stops with fixprov_admin_stop() or
/// fixprov_engine_close(), which join its thread.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; each string is NULL or readable for its length; out_port NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_admin_start(
    engine: *const fixprov_engine,
    bind_addr: *const u8,
    bind_addr_len: usize,
    tokens_json: *const u8,
    tokens_json_len: usize,
    allow_remote: u32,
    out_port: *mut u16,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::handle(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (bind, tokens) = unsafe {
            (
                boundary::text(bind_addr, bind_addr_len, c"bind_addr is NULL")?,
                boundary::text(tokens_json, tokens_json_len, c"tokens_json is NULL")?,
            )
        };
        let bind: std::net::SocketAddr =
            bind.parse().map_err(|e| crate::Error::invalid(format!("bind_addr '{bind}': {e}")))?;
        let tokens =
            serde_json::from_str(tokens).map_err(|e| crate::Error::invalid(format!("tokens_json: {e}")))?;
        if allow_remote > 1 {
            return Err(crate::Error::invalid("allow_remote must be 0 or 1").into());
        }
        let address = engine.admin.start(bind, tokens, allow_remote == 1)?;
        if let Ok(out) = boundary::out_ptr(out_port, c"") {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(address.port()) };
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Stops the admin HTTP API and joins its thread; nothing happens when it is not running. Returns
/// within about 0.5 s whatever clients do (see fixprov_admin_start()).
///
/// Returns: FIXPROV_OK or FIXPROV_ERR_NULL.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn fixprov_admin_stop(engine: *const fixprov_engine) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::handle(engine) }?;
        engine.admin.stop();
        Ok(fixprov_status::FIXPROV_OK)
    })
}

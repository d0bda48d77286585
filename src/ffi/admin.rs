//! The admin command layer through the C ABI: every operator operation without HTTP.

use crate::admin::{handle, Actor};
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
/// - out_json: receives the answer's JSON body; errors are {"error": {"code", "message"}}.
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
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (method, path, body) = unsafe {
            (
                boundary::text(method, method_len, c"method is NULL")?,
                boundary::text(path, path_len, c"path is NULL")?,
                boundary::bytes(body, body_len, c"body is NULL")?,
            )
        };
        let response = handle(engine, &Actor::host(), method, path, body);
        // SAFETY: both checked non-NULL; writable per the contract.
        unsafe {
            status_out.write(u32::from(response.status));
            json_out.write(boundary::string_into_raw(response.body.to_string()));
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

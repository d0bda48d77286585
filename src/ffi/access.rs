//! Credentials and logon through the C ABI.

use crate::cold::allowlist::parse_peer;
use crate::engine::{LogonRequest, Secret};
use crate::ffi::boundary::{self, fixprov_engine, guard};
use crate::ffi::status::fixprov_status;
use std::ffi::c_char;
use std::time::Duration;

/// Longest password accepted at logon; longer ones are refused as bad credentials unread.
const MAX_PASSWORD: usize = 4096;

fn secret_into_raw(secret: &Secret) -> *mut c_char {
    boundary::bytes_into_raw(secret.expose().to_vec())
}

/// Provisions a user: creates a credential with a unique SenderCompID, the venue's TargetCompID
/// and a new password of 256 bits from the OS CSPRNG. The password is returned this once; nothing
/// can read it back later. The change is durable (committed to the store) before this returns.
///
/// Parameters:
/// - user: the user id (1 to 128 bytes of UTF-8 without control characters).
/// - tier: a tier name, or (NULL, 0) for the default tier "basic".
/// - out_sender_comp_id, out_target_comp_id: NULL, or receive NUL-terminated strings.
/// - out_password: receives the NUL-terminated password; required.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT,
/// FIXPROV_ERR_NOT_FOUND (no such tier), FIXPROV_ERR_ALREADY_EXISTS, FIXPROV_ERR_NOT_ELIGIBLE (the
/// eligibility rules refuse the user: with the default rules, a user without account facts is
/// refused; set them with fixprov_account_set() or choose rules with
/// fixprov_options_set_eligibility()), or FIXPROV_ERR_STORAGE.
/// Ownership: returns new strings owned by the caller; free each with fixprov_string_free(), which
/// wipes it. Does not take ownership of user or tier. Out-parameters are written only on success.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and tier are NULL or readable for their lengths; out-parameters are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_provision(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    tier: *const u8,
    tier_len: usize,
    out_sender_comp_id: *mut *mut c_char,
    out_target_comp_id: *mut *mut c_char,
    out_password: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let password_out = boundary::out_ptr(out_password, c"out_password is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let tier = unsafe { boundary::optional_text(tier, tier_len, c"tier is NULL") }?;
        let credentials = engine.access().provision(user, tier)?;
        // SAFETY: each pointer was checked non-NULL here or in out_ptr and is writable per the contract.
        unsafe {
            if let Ok(out) = boundary::out_ptr(out_sender_comp_id, c"") {
                out.write(boundary::string_into_raw(credentials.sender_comp_id));
            }
            if let Ok(out) = boundary::out_ptr(out_target_comp_id, c"") {
                out.write(boundary::string_into_raw(credentials.target_comp_id));
            }
            password_out.write(secret_into_raw(&credentials.password));
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Revokes a user's credential for good: logons fail and live sessions are killed (their next
/// check answers FIXPROV_KILLED; the event callback is told). Durable before it returns.
///
/// Returns: FIXPROV_OK (also when already revoked), FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8,
/// FIXPROV_ERR_NOT_FOUND, or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_revoke(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        engine.access().revoke(user)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Suspends a user: logons fail and live sessions are killed, until fixprov_reactivate().
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_NOT_FOUND,
/// FIXPROV_ERR_INVALID_STATE (revoked), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_suspend(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        engine.access().suspend(user)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Lets a suspended user log on again.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_NOT_FOUND,
/// FIXPROV_ERR_INVALID_STATE (revoked: revocation is permanent), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_reactivate(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        engine.access().reactivate(user)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Gives a user a new password, returned this once. The old password stops working at once, or
/// overlap_secs seconds later so a gateway can rotate without downtime.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_NOT_FOUND,
/// FIXPROV_ERR_INVALID_STATE (revoked), or FIXPROV_ERR_STORAGE.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free(), which
/// wipes it. Does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes; out_password NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_regenerate_password(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    overlap_secs: u32,
    out_password: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_password, c"out_password is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        let password =
            engine.access().regenerate_password(user, Duration::from_secs(u64::from(overlap_secs)))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(secret_into_raw(&password)) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets when a user's credential expires, in milliseconds since the Unix epoch; 0 means never.
/// Logons after it fail with FIXPROV_LOGON_EXPIRED. Live sessions are killed when it passes, and
/// the event callback is told: at once, on the calling thread, for a time already past; otherwise
/// within the expiry sweep period (200 ms) after it, on the engine's housekeeping thread.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_NOT_FOUND, or
/// FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_set_expiry(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    expires_unix_ms: u64,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        engine.access().set_expiry(user, (expires_unix_ms != 0).then_some(expires_unix_ms))?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Adds an address or CIDR range ("203.0.113.7", "10.0.0.0/8", "2001:db8::/32") to a user's
/// allow-list. An empty list allows any address.
///
/// Returns: FIXPROV_OK (also when already present), FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8,
/// FIXPROV_ERR_INVALID_ARGUMENT (malformed rule, or 256 rules already), FIXPROV_ERR_NOT_FOUND, or
/// FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user or rule.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and rule are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_ip_allow(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    rule: *const u8,
    rule_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let rule = unsafe { boundary::text(rule, rule_len, c"rule is NULL") }?;
        engine.access().ip_allow(user, rule)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Removes an address or range from a user's allow-list.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT,
/// FIXPROV_ERR_NOT_FOUND (no such user, or the rule is not on the list), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user or rule.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and rule are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_ip_disallow(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    rule: *const u8,
    rule_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let rule = unsafe { boundary::text(rule, rule_len, c"rule is NULL") }?;
        engine.access().ip_disallow(user, rule)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Reads a user's credential, everything but the secret, as a JSON object: user_id,
/// sender_comp_id, target_comp_id, status ("active", "suspended", "revoked"), expired,
/// expires_unix_ms, created_unix_ms, password_changed_unix_ms,
/// previous_password_valid_until_unix_ms, tier, ip_allow, live_sessions.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_NOT_FOUND.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes; out_json NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_credentials_get(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        let json = boundary::json_into_raw(&engine.access().credentials(user)?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Validates a Logon (35=A) and, when it passes, opens a session on the user's tier.
///
/// Parameters:
/// - sender_comp_id, target_comp_id: tags 49 and 56 as received.
/// - password: tag 554 as received (any bytes).
/// - username: tag 553 if the peer sent one (it must then equal the user id), else (NULL, 0).
/// - peer_ip: the peer's address as the host saw it ("203.0.113.7", "2001:db8::1", with or
///   without a port), or (NULL, 0) when the engine cannot tell; a user with a non-empty
///   allow-list is then refused.
/// - out_session: receives the session handle on success.
/// - out_session_status: NULL, or receives the FIX SessionStatus (1409) value on refusal.
/// - out_text: NULL, or receives a static NUL-terminated text safe to send to the peer (tag 58)
///   on refusal; it never says whether the CompID or the password was wrong.
///
/// Returns: FIXPROV_OK, a FIXPROV_LOGON_* refusal, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8 (peer_ip is
/// not UTF-8), or FIXPROV_ERR_INVALID_ARGUMENT (a malformed peer_ip). Logon reads memory only (no
/// disk).
/// Ownership: does not take ownership of any argument; the text is static, do not free it. The
/// session handle is released with fixprov_session_close().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; every (pointer, length) pair is NULL or readable for its length;
/// out-parameters are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fixprov_logon(
    engine: *const fixprov_engine,
    sender_comp_id: *const u8,
    sender_comp_id_len: usize,
    target_comp_id: *const u8,
    target_comp_id_len: usize,
    password: *const u8,
    password_len: usize,
    username: *const u8,
    username_len: usize,
    peer_ip: *const u8,
    peer_ip_len: usize,
    out_session: *mut u64,
    out_session_status: *mut u32,
    out_text: *mut *const c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_session, c"out_session is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (sender, target, password, username, peer) = unsafe {
            (
                boundary::bytes(sender_comp_id, sender_comp_id_len, c"sender_comp_id is NULL")?,
                boundary::bytes(target_comp_id, target_comp_id_len, c"target_comp_id is NULL")?,
                boundary::bytes(password, password_len, c"password is NULL")?,
                boundary::bytes(username, username_len, c"username is NULL")?,
                boundary::optional_text(peer_ip, peer_ip_len, c"peer_ip is NULL")?,
            )
        };
        let request = logon_request(sender, target, password, username, peer)?;
        let answer = engine.access().logon(&request);
        // SAFETY: forwarded contract (the out-parameters).
        unsafe { logon_answer(answer, out, out_session_status, out_text) }
    })
}

/// A logon request from what the host passed: the peer's fields as the peer's own (what cannot
/// match anything fails as the peer's logon, not as the host's call), the peer address as the
/// host's (a malformed one is the host's error).
pub(crate) fn logon_request<'a>(
    sender: &'a [u8],
    target: &'a [u8],
    password: &'a [u8],
    username: &'a [u8],
    peer: Option<&str>,
) -> boundary::FfiResult<LogonRequest<'a>> {
    let peer = match peer {
        Some(text) => Some(parse_peer(text).map_err(|e| crate::Error::invalid(format!("peer_ip: {e}")))?),
        None => None,
    };
    Ok(LogonRequest {
        sender_comp_id: peer_field(sender),
        target_comp_id: peer_field(target),
        password: if password.len() > MAX_PASSWORD { &[] } else { password },
        username: (!username.is_empty()).then(|| std::str::from_utf8(username).unwrap_or("\u{FFFD}")),
        peer,
    })
}

/// A CompID-like field the peer sent: not UTF-8, or longer than any credential's, it cannot match
/// anything, and it is not copied into the lock-out table and the audit log either (a peer could
/// send megabytes).
pub(crate) fn peer_field(raw: &[u8]) -> &str {
    match std::str::from_utf8(raw) {
        Ok(id) if raw.len() <= crate::cold::credentials::MAX_COMP_ID => id,
        _ => "\u{FFFD}",
    }
}

/// Writes a logon's answer to the out-parameters.
///
/// # Safety
/// out_session_status and out_text are NULL or writable.
pub(crate) unsafe fn logon_answer(
    answer: std::result::Result<u64, crate::LogonRefusal>,
    out: boundary::OutPtr<u64>,
    out_session_status: *mut u32,
    out_text: *mut *const c_char,
) -> boundary::FfiResult<fixprov_status> {
    match answer {
        Ok(session) => {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(session) };
            Ok(fixprov_status::FIXPROV_OK)
        }
        Err(refusal) => {
            // SAFETY: optional out-parameters, written only when non-NULL.
            unsafe {
                if let Ok(o) = boundary::out_ptr(out_session_status, c"") {
                    o.write(refusal.session_status());
                }
                if let Ok(o) = boundary::out_ptr(out_text, c"") {
                    o.write(refusal.c_text().as_ptr());
                }
            }
            Ok(refusal.into())
        }
    }
}

/// Changes the store's master password: the data key is re-wrapped under a key derived from the
/// new one (PBKDF2-HMAC-SHA256, new salt); no record is rewritten and nothing stops. The next
/// fixprov_engine_open() needs the new password.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_INVALID_ARGUMENT (empty),
/// FIXPROV_ERR_INVALID_STATE (no store), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of new_password.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; new_password is NULL or new_password_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_master_password_change(
    engine: *const fixprov_engine,
    new_password: *const u8,
    new_password_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let password = unsafe { boundary::bytes(new_password, new_password_len, c"new_password is NULL") }?;
        engine.access().change_master_password(password)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

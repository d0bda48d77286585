//! Signed logons through the C ABI: the logon itself, each user's logon keys, and the logon
//! policies of tiers and users. The canonical payload is in docs/credentials.md.

use crate::cold::logon_keys::{LogonPolicy, SignedLogon};
use crate::ffi::access::{logon_answer, logon_request, peer_field};
use crate::ffi::boundary::{self, fixprov_engine, guard};
use crate::ffi::status::fixprov_status;
use std::ffi::c_char;

/// Validates a signed Logon (35=A) and, when it passes, opens a session on the user's tier: what
/// fixprov_logon() does, plus the signature a user whose logon policy is "signature" or
/// "password+signature" must send (a user on "password" is checked as by fixprov_logon(), the
/// signed fields unread).
///
/// The signature is over the canonical payload: MsgType, SenderCompID, TargetCompID, MsgSeqNum
/// (decimal, no leading zeros) and SendingTime as received, joined by SOH (0x01). It is Ed25519
/// (64 bytes) or HMAC-SHA256 (32 bytes) under the live key key_id names, in standard base64 in
/// RawData (96). SendingTime must be within the engine's window (5 s behind to 1 s ahead of its
/// clock by default: fixprov_options_set_logon_window()), and a signature is accepted once.
///
/// Parameters:
/// - sender_comp_id, target_comp_id, password, peer_ip, out_*: as for fixprov_logon(); the
///   password may be (NULL, 0) for a user on "signature".
/// - msg_type: tag 35 as received ("A").
/// - msg_seq_num: tag 34.
/// - sending_time: tag 52 as received (YYYYMMDD-HH:MM:SS[.sss|.ssssss|.sssssssss]).
/// - raw_data: tag 96 as received: the signature in standard base64.
/// - key_id: the key's id, sent in Username (553).
///
/// Returns: FIXPROV_OK, a FIXPROV_LOGON_* refusal (FIXPROV_LOGON_SIGNATURE_REQUIRED,
/// FIXPROV_LOGON_BAD_SIGNATURE, FIXPROV_LOGON_STALE_SIGNATURE, FIXPROV_LOGON_REPLAYED_SIGNATURE
/// among them), FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8 (peer_ip is not UTF-8), or
/// FIXPROV_ERR_INVALID_ARGUMENT (a malformed peer_ip). Reads memory only (no disk).
/// Ownership: does not take ownership of any argument; the text is static, do not free it. The
/// session handle is released with fixprov_session_close().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; every (pointer, length) pair is NULL or readable for its length;
/// out-parameters are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fixprov_logon_signed(
    engine: *const fixprov_engine,
    sender_comp_id: *const u8,
    sender_comp_id_len: usize,
    target_comp_id: *const u8,
    target_comp_id_len: usize,
    password: *const u8,
    password_len: usize,
    peer_ip: *const u8,
    peer_ip_len: usize,
    msg_type: *const u8,
    msg_type_len: usize,
    msg_seq_num: u64,
    sending_time: *const u8,
    sending_time_len: usize,
    raw_data: *const u8,
    raw_data_len: usize,
    key_id: *const u8,
    key_id_len: usize,
    out_session: *mut u64,
    out_session_status: *mut u32,
    out_text: *mut *const c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_session, c"out_session is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (sender, target, password, peer, msg_type, sending_time, raw_data, key_id) = unsafe {
            (
                boundary::bytes(sender_comp_id, sender_comp_id_len, c"sender_comp_id is NULL")?,
                boundary::bytes(target_comp_id, target_comp_id_len, c"target_comp_id is NULL")?,
                boundary::bytes(password, password_len, c"password is NULL")?,
                boundary::optional_text(peer_ip, peer_ip_len, c"peer_ip is NULL")?,
                boundary::bytes(msg_type, msg_type_len, c"msg_type is NULL")?,
                boundary::bytes(sending_time, sending_time_len, c"sending_time is NULL")?,
                boundary::bytes(raw_data, raw_data_len, c"raw_data is NULL")?,
                boundary::bytes(key_id, key_id_len, c"key_id is NULL")?,
            )
        };
        let request = logon_request(sender, target, password, &[], peer)?;
        // The peer's fields: what is not UTF-8 or too long cannot verify, and is refused as the
        // peer's logon.
        let signed = SignedLogon {
            msg_type: peer_field(msg_type),
            msg_seq_num,
            sending_time: peer_field(sending_time),
            raw_data,
            key_id: peer_field(key_id),
        };
        let answer = engine.access().logon_signed(&request, &signed);
        // SAFETY: forwarded contract (the out-parameters).
        unsafe { logon_answer(answer, out, out_session_status, out_text) }
    })
}

/// Registers an Ed25519 public key to sign a user's logons. At most two keys are live at once (for
/// rotation); an expired one is dropped when a new one comes. Audited ("credential.key_add").
///
/// Parameters:
/// - user: the user id.
/// - public_key: the 32-byte key in standard base64 (44 characters); weak and off-curve keys are
///   refused.
/// - expires_unix_ms: when the key stops working (milliseconds since the Unix epoch); 0 never.
/// - out_key_id: receives the key's id ("lk_" and 16 hexadecimal digits), for Username (553).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (a bad key,
/// an expiry already past), FIXPROV_ERR_NOT_FOUND (no credential), FIXPROV_ERR_LIMIT_REACHED (two
/// keys are live), FIXPROV_ERR_INVALID_STATE (revoked), or FIXPROV_ERR_STORAGE.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free(). Does
/// not take ownership of user or public_key. The out-parameter is written only on success.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and public_key are NULL or readable for their lengths;
/// out_key_id is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_key_add_ed25519(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    public_key: *const u8,
    public_key_len: usize,
    expires_unix_ms: u64,
    out_key_id: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_key_id, c"out_key_id is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let public_key = unsafe { boundary::text(public_key, public_key_len, c"public_key is NULL") }?;
        let key = engine.access().add_ed25519_key(user, None, public_key, Some(expires_unix_ms))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(boundary::string_into_raw(key.key_id)) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Generates a 256-bit HMAC-SHA256 key to sign a user's logons, returned this once (stored only
/// sealed; nothing can read it back). As fixprov_key_add_ed25519() otherwise.
///
/// Parameters:
/// - user: the user id.
/// - expires_unix_ms: when the key stops working; 0 never.
/// - out_key_id: receives the key's id.
/// - out_secret: receives the secret: 32 bytes in standard base64 (44 characters).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT,
/// FIXPROV_ERR_NOT_FOUND, FIXPROV_ERR_LIMIT_REACHED, FIXPROV_ERR_INVALID_STATE, or
/// FIXPROV_ERR_STORAGE.
/// Ownership: returns two new strings owned by the caller; free each with fixprov_string_free(),
/// which wipes it. Does not take ownership of user. Out-parameters are written only on success.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or readable for its length; out-parameters are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_key_generate_hmac(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    expires_unix_ms: u64,
    out_key_id: *mut *mut c_char,
    out_secret: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out_id = boundary::out_ptr(out_key_id, c"out_key_id is NULL")?;
        let out_secret = boundary::out_ptr(out_secret, c"out_secret is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        let generated = engine.access().generate_hmac_key(user, None, Some(expires_unix_ms))?;
        // SAFETY: both checked non-NULL; writable per the contract.
        unsafe {
            out_id.write(boundary::string_into_raw(generated.key.key_id));
            out_secret.write(boundary::bytes_into_raw(generated.secret.expose().to_vec()));
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Revokes one of a user's logon keys: a logon signed with it is refused from the next one on.
/// Audited ("credential.key_revoke").
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT,
/// FIXPROV_ERR_NOT_FOUND (no credential, or no such key), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user or key_id.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and key_id are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_key_revoke(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    key_id: *const u8,
    key_id_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let key_id = unsafe { boundary::text(key_id, key_id_len, c"key_id is NULL") }?;
        engine.access().revoke_key(user, key_id)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets a user's own logon policy, over its tier's: "password", "signature" or
/// "password+signature"; (NULL, 0) follows the tier's again. Audited ("credential.logon_policy").
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (another
/// name), FIXPROV_ERR_NOT_FOUND (no credential), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user or policy.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and policy are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_logon_policy_set(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    policy: *const u8,
    policy_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let policy = unsafe { boundary::optional_text(policy, policy_len, c"policy is NULL") }?;
        let policy = policy.map(LogonPolicy::parse).transpose()?;
        engine.access().set_logon_policy(user, policy)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets what a Logon on a tier must prove: "password" (every tier's default), "signature" or
/// "password+signature". A user's own policy (fixprov_logon_policy_set()) overrides it. Audited
/// ("logon_policy.tier").
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT,
/// FIXPROV_ERR_NOT_FOUND (no such tier), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of tier or policy.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; tier and policy are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_tier_set_logon_policy(
    engine: *const fixprov_engine,
    tier: *const u8,
    tier_len: usize,
    policy: *const u8,
    policy_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (tier, policy) = unsafe {
            (
                boundary::text(tier, tier_len, c"tier is NULL")?,
                boundary::text(policy, policy_len, c"policy is NULL")?,
            )
        };
        engine.access().set_tier_logon_policy(tier, LogonPolicy::parse(policy)?)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

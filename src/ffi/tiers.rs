//! Tiers and users through the C ABI.

use crate::cold::tiers::TierSpec;
use crate::ffi::boundary::{self, fixprov_engine, guard};
use crate::ffi::status::fixprov_status;

/// A rate-limit tier as C sees it. Rates are per second; a rate of 0 admits nothing.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub struct fixprov_tier_spec {
    /// Orders admitted per second (order MsgTypes).
    pub orders_per_sec: u64,
    /// Messages admitted per second (every inbound message).
    pub messages_per_sec: u64,
    /// Orders a full bucket holds (sent at one instant).
    pub order_burst: u64,
    /// Messages a full bucket holds.
    pub message_burst: u64,
    /// Sessions one user may have open at once.
    pub max_sessions: u32,
    /// Violations allowed within escalation_window_ms before DISCONNECT; 0 disables escalation.
    pub escalation_threshold: u32,
    /// The escalation window in milliseconds.
    pub escalation_window_ms: u32,
    /// Reserved; set to 0.
    pub reserved: u32,
}

impl From<fixprov_tier_spec> for TierSpec {
    fn from(c: fixprov_tier_spec) -> TierSpec {
        TierSpec {
            orders_per_sec: c.orders_per_sec,
            messages_per_sec: c.messages_per_sec,
            max_sessions: c.max_sessions,
            order_burst: c.order_burst,
            message_burst: c.message_burst,
            escalation_threshold: c.escalation_threshold,
            escalation_window_ms: c.escalation_window_ms,
            // The C struct carries no account limits: fixprov_tier_set() keeps the tier's own.
            account: crate::AccountLimits::NONE,
        }
    }
}

impl From<TierSpec> for fixprov_tier_spec {
    fn from(s: TierSpec) -> fixprov_tier_spec {
        fixprov_tier_spec {
            orders_per_sec: s.orders_per_sec,
            messages_per_sec: s.messages_per_sec,
            order_burst: s.order_burst,
            message_burst: s.message_burst,
            max_sessions: s.max_sessions,
            escalation_threshold: s.escalation_threshold,
            escalation_window_ms: s.escalation_window_ms,
            reserved: 0,
        }
    }
}

/// Defines a tier, or changes an existing one (the defaults included). Live sessions on the tier
/// enforce the change from their next message, without a lock on the check. The struct carries no
/// account-wide limits: a tier keeps its own (set them with POST /admin/fix/rate-limits/tiers).
///
/// Parameters:
/// - name: 1 to 64 bytes of A-Z a-z 0-9 _ - . (name_len bytes, no NUL needed).
/// - spec: the definition; a burst of 0 with a non-zero rate is refused.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT, or
/// FIXPROV_ERR_LIMIT_REACHED (the tier table is full).
/// Ownership: does not take ownership of name or spec.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; name is NULL or name_len readable bytes; spec is NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_tier_set(
    engine: *const fixprov_engine,
    name: *const u8,
    name_len: usize,
    spec: *const fixprov_tier_spec,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let name = unsafe { boundary::text(name, name_len, c"name is NULL") }?;
        // SAFETY: forwarded contract.
        let spec = *unsafe { boundary::borrow(spec, c"spec is NULL") }?;
        engine.tiers().set_keeping_account(name, spec.into())?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Reads a tier's definition.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_NOT_FOUND.
/// Ownership: does not take ownership of name; out_spec is written only on success.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; name is NULL or name_len readable bytes; out_spec is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_tier_get(
    engine: *const fixprov_engine,
    name: *const u8,
    name_len: usize,
    out_spec: *mut fixprov_tier_spec,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_spec, c"out_spec is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let name = unsafe { boundary::text(name, name_len, c"name is NULL") }?;
        let tier = engine.tiers().get(name)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(tier.spec.into()) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Puts a user on a tier, creating the user if new. The user's live sessions enforce the new tier
/// from their next message; sessions already open above a lower max_sessions stay open.
///
/// Parameters:
/// - user: the user id, 1 to 128 bytes of UTF-8 without control characters.
/// - tier: an existing tier's name.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT, or
/// FIXPROV_ERR_NOT_FOUND (no such tier).
/// Ownership: does not take ownership of user or tier.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and tier are NULL or point to their lengths in readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_user_set_tier(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    tier: *const u8,
    tier_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let tier = unsafe { boundary::text(tier, tier_len, c"tier is NULL") }?;
        engine.tiers().assign(user, tier)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

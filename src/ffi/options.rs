//! `fixprov_options`: the extensible configuration of `fixprov_engine_open`.

use crate::engine::{ClockConfig, Config, Secret};
use crate::ffi::boundary::{self, fixprov_engine, guard, guard_void};
use crate::ffi::status::fixprov_status;
use crate::hot::msgtype::OrderTypes;
use std::time::Duration;

/// Options for fixprov_engine_open(). Later versions add setters; existing ones never change.
/// Not thread-safe: use one options object from one thread at a time.
#[allow(non_camel_case_types)]
pub struct fixprov_options {
    pub(crate) config: Config,
}

/// How fixprov_check() reads the time.
#[repr(u32)]
#[allow(non_camel_case_types, dead_code)]
pub enum fixprov_clock {
    /// A ticker thread refreshes the time every tick_us; a check costs one load (default, 500 us).
    FIXPROV_CLOCK_COARSE = 0,
    /// Read the TSC on every check (a TSC read more per check; BENCHMARKS.md has the cost).
    FIXPROV_CLOCK_PRECISE = 1,
}

/// Creates options holding the defaults: 65,536 sessions, coarse clock at 500 us, the default
/// order MsgTypes (D F G E AB AC s q).
///
/// Returns: a new fixprov_options owned by the caller; free it with fixprov_options_free().
/// Thread safety: may be called from several threads at once.
#[no_mangle]
pub extern "C" fn fixprov_options_new() -> *mut fixprov_options {
    let mut out = std::ptr::null_mut();
    guard_void(|| out = boundary::into_raw(fixprov_options { config: Config::default() }));
    out
}

/// Frees options. fixprov_options_free(NULL) is a no-op.
///
/// Ownership: consumes options.
/// Thread safety: no other call may use options during or after this call.
///
/// # Safety
/// options is NULL or came from fixprov_options_new() and is not freed yet.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_free(options: *mut fixprov_options) {
    // SAFETY: forwarded contract.
    guard_void(|| drop(unsafe { boundary::from_raw(options) }));
}

/// Sets how many sessions may be open at once, all users together (1 to 16,777,216).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT.
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_max_sessions(
    options: *mut fixprov_options,
    max_sessions: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        if max_sessions == 0 || max_sessions > crate::engine::MAX_SESSIONS_LIMIT {
            return Err(crate::Error::invalid("max_sessions must be 1 to 16,777,216").into());
        }
        options.config.max_sessions = max_sessions;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Chooses the clock of fixprov_check(): clock is a fixprov_clock value; tick_us (1 to 1,000,000)
/// is the coarse clock's refresh period and is ignored by the precise clock.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT for an unknown clock or
/// a tick out of range.
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_clock(
    options: *mut fixprov_options,
    clock: u32,
    tick_us: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        options.config.clock = match clock {
            0 if (1..=1_000_000).contains(&tick_us) => {
                ClockConfig::Coarse { tick: Duration::from_micros(u64::from(tick_us)) }
            }
            0 => return Err(crate::Error::invalid("tick_us must be 1 to 1,000,000").into()),
            1 => ClockConfig::Precise,
            _ => return Err(crate::Error::invalid("unknown fixprov_clock value").into()),
        };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets the MsgTypes (tag 35 values) counted as orders, as a comma-separated list such as
/// "D,F,G,AB". Each must be 1 to 16 printable ASCII characters other than '='.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INVALID_ARGUMENT (the
/// options are unchanged).
/// Ownership: does not take ownership of options or list.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile; list is NULL
/// or points to list_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_order_msgtypes(
    options: *mut fixprov_options,
    list: *const u8,
    list_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        // SAFETY: forwarded contract.
        let list = unsafe { boundary::text(list, list_len, c"list is NULL") }?;
        let set =
            OrderTypes::parse(list).map_err(|e| crate::Error::invalid(format!("order MsgTypes: {e}")))?;
        options.config.order_types = set;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets the data directory of the embedded store (created if missing). Without one the engine
/// keeps everything in memory and loses it at close.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INVALID_ARGUMENT (empty,
/// or holding a NUL byte: path_len counts the path's bytes, not a terminator).
/// Ownership: does not take ownership of options or path (it is copied).
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile; path is NULL
/// or path_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_data_dir(
    options: *mut fixprov_options,
    path: *const u8,
    path_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        // SAFETY: forwarded contract.
        let path = unsafe { boundary::text(path, path_len, c"path is NULL") }?;
        if path.is_empty() {
            return Err(crate::Error::invalid("the data directory is empty").into());
        }
        if path.contains('\0') {
            return Err(crate::Error::invalid("the data directory holds a NUL byte").into());
        }
        options.config.data_dir = Some(path.into());
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Keeps the store in a PostgreSQL database instead of a data directory: the fleet's shared store,
/// in the key=value form libpq takes or as `postgres://user:password@host:port/database`. The
/// engine connects at fixprov_engine_open() (failing with FIXPROV_ERR_STORAGE if it cannot within
/// 5 s, or a `connect_timeout` the URL sets) and creates its schema (`fixprov`) if missing. Records
/// are sealed exactly as in the embedded store: the database never holds a plaintext secret. The
/// URL may carry the database password: the copy held by the options is wiped when they are freed,
/// and no error message repeats it. Exclusive with fixprov_options_set_data_dir() (the open fails
/// with FIXPROV_ERR_INVALID_ARGUMENT if both are set).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INVALID_ARGUMENT (empty,
/// holding a NUL byte, or not a PostgreSQL URL).
/// Ownership: does not take ownership of options or url (it is copied).
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile; url is NULL or
/// url_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_database_url(
    options: *mut fixprov_options,
    url: *const u8,
    url_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        // SAFETY: forwarded contract.
        let url = unsafe { boundary::text(url, url_len, c"url is NULL") }?;
        if url.is_empty() {
            return Err(crate::Error::invalid("the database URL is empty").into());
        }
        if url.contains('\0') {
            return Err(crate::Error::invalid("the database URL holds a NUL byte").into());
        }
        // Parsed now, so a bad URL is reported where it is set.
        crate::cold::store::PostgresBackend::check_url(url)?;
        options.config.database_url = Some(Secret::new(url.as_bytes().to_vec()));
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets the store's master password (any bytes). Without one, fixprov_engine_open() reads the
/// FIX_MASTER_PASSWORD environment variable. The copy held by the options is wiped when they are
/// freed.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT (empty).
/// Ownership: does not take ownership of options or password (it is copied).
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile; password is
/// NULL or password_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_master_password(
    options: *mut fixprov_options,
    password: *const u8,
    password_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        // SAFETY: forwarded contract.
        let password = unsafe { boundary::bytes(password, password_len, c"password is NULL") }?;
        if password.is_empty() {
            return Err(crate::Error::invalid("the master password is empty").into());
        }
        options.config.master_password = Some(Secret::new(password.to_vec()));
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Fleet mode's settings (with fixprov_options_set_database_url()): this gateway's id, named in
/// every audit record it writes (1 to 64 printable ASCII characters; (NULL, 0) keeps the default,
/// the host's name and the process id); how long a gateway that stops beating keeps its session
/// leases (lease_expiry_ms: 300 to 600,000; 0 keeps the default, 3,000); and how long after the last
/// good heartbeat a logon is still admitted on this gateway's own limits when the database cannot
/// be reached (lease_grace_ms: at most 600,000; 0, the default, refuses such logons with
/// FIXPROV_LOGON_UNAVAILABLE). See docs/fleet.md.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INVALID_ARGUMENT.
/// Ownership: does not take ownership of options or gateway_id (it is copied).
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile; gateway_id is
/// NULL or gateway_id_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_fleet(
    options: *mut fixprov_options,
    gateway_id: *const u8,
    gateway_id_len: usize,
    lease_expiry_ms: u32,
    lease_grace_ms: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        // SAFETY: forwarded contract.
        let gateway = unsafe { boundary::optional_text(gateway_id, gateway_id_len, c"gateway_id is NULL") }?;
        if let Some(gateway) = gateway {
            crate::engine::validate_gateway_id(gateway)?;
        }
        if lease_expiry_ms != 0 && !(300..=600_000).contains(&lease_expiry_ms) {
            return Err(
                crate::Error::invalid("lease_expiry_ms must be 0 (the default) or 300 to 600,000").into()
            );
        }
        if lease_grace_ms > 600_000 {
            return Err(crate::Error::invalid("lease_grace_ms must be at most 600,000").into());
        }
        if let Some(gateway) = gateway {
            options.config.gateway_id = Some(gateway.to_owned());
        }
        if lease_expiry_ms != 0 {
            options.config.lease_expiry = std::time::Duration::from_millis(u64::from(lease_expiry_ms));
        }
        options.config.lease_grace = std::time::Duration::from_millis(u64::from(lease_grace_ms));
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// The freshness window of signed logons (fixprov_logon_signed()): how far a Logon's SendingTime
/// (52) may be behind the engine's clock (back_ms: 1 to 600,000; default 5,000) and ahead of it
/// (ahead_ms: 0 to 60,000; default 1,000). A signature is remembered for back_ms, so it is
/// accepted once.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT.
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_logon_window(
    options: *mut fixprov_options,
    back_ms: u32,
    ahead_ms: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        if !(1..=600_000).contains(&back_ms) {
            return Err(crate::Error::invalid("back_ms must be 1 to 600,000").into());
        }
        if ahead_ms > 60_000 {
            return Err(crate::Error::invalid("ahead_ms must be at most 60,000").into());
        }
        options.config.logon_window_back = std::time::Duration::from_millis(u64::from(back_ms));
        options.config.logon_window_ahead = std::time::Duration::from_millis(u64::from(ahead_ms));
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets the venue's CompID, the TargetCompID (56) every provisioned user must address (default
/// "FIXPROV"), and the prefix of generated SenderCompIDs (default "FP", at most 8 characters).
/// (NULL, 0) leaves a value unchanged. Both are 1 to 64 printable ASCII characters without '='.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INVALID_ARGUMENT.
/// Ownership: does not take ownership of options or the strings (they are copied).
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile; each string is
/// NULL or readable for its length.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_comp_ids(
    options: *mut fixprov_options,
    target_comp_id: *const u8,
    target_comp_id_len: usize,
    sender_comp_id_prefix: *const u8,
    sender_comp_id_prefix_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        // SAFETY: forwarded contract.
        let target = unsafe {
            boundary::optional_text(target_comp_id, target_comp_id_len, c"target_comp_id is NULL")
        }?;
        // SAFETY: forwarded contract.
        let prefix = unsafe {
            boundary::optional_text(sender_comp_id_prefix, sender_comp_id_prefix_len, c"prefix is NULL")
        }?;
        if let Some(target) = target {
            crate::cold::credentials::validate_comp_id("target_comp_id", target)?;
        }
        if let Some(prefix) = prefix {
            crate::cold::credentials::validate_comp_id("sender_comp_id_prefix", prefix)?;
            if prefix.len() > 8 {
                return Err(
                    crate::Error::invalid("sender_comp_id_prefix must be at most 8 characters").into()
                );
            }
        }
        if let Some(target) = target {
            options.config.target_comp_id = target.to_owned();
        }
        if let Some(prefix) = prefix {
            options.config.sender_comp_id_prefix = prefix.to_owned();
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets the least size of the SenderCompID pool (default 0: no floor). With a pool, provisioning
/// assigns the first free pooled CompID (the prefix and five digits: "FP00001", "FP00002", ...)
/// instead of one made from the user id, so a FIX engine that serves only the sessions it declared
/// at start (QuickFIX C++) can declare the whole pool ahead and serve users provisioned later with
/// no restart. At open, a store whose pool is smaller grows to this size (persisted, audited as
/// "comp_id_pool.set"); a larger one is kept. The admin routes GET and POST /admin/fix/comp-id-pool
/// list the pool (every CompID, how many are free) and set its size.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT (above 100,000).
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_comp_id_pool(
    options: *mut fixprov_options,
    size: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        if size > crate::cold::credentials::MAX_COMP_ID_POOL {
            return Err(crate::Error::invalid("the SenderCompID pool holds at most 100,000").into());
        }
        options.config.comp_id_pool = size;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets the logon rate: how many logon attempts one SenderCompID may make, whatever their outcome,
/// within window_ms before its logons are refused (FIXPROV_LOGON_TOO_MANY_LOGONS, 1409=7) for
/// window_ms, before anything is checked. Default 15 within 30,000 ms; max_attempts 0 sets no
/// limit (window_ms is then ignored).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT (a window of 0 or above
/// 3,600,000 ms with a limit).
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_logon_rate(
    options: *mut fixprov_options,
    max_attempts: u32,
    window_ms: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        if max_attempts == 0 {
            options.config.logon_rate = None;
            return Ok(fixprov_status::FIXPROV_OK);
        }
        if window_ms == 0 || window_ms > 3_600_000 {
            return Err(crate::Error::invalid("the logon rate's window must be 1 to 3,600,000 ms").into());
        }
        let window = std::time::Duration::from_millis(u64::from(window_ms));
        options.config.logon_rate = Some(crate::cold::attempts::AttemptPolicy {
            max_failures: max_attempts,
            window,
            cooldown: window,
            ..crate::engine::DEFAULT_LOGON_RATE
        });
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets the PBKDF2-HMAC-SHA256 iterations used for a new store or a master password change
/// (default and minimum 600,000, OWASP's figure; at most 20,000,000, a store asking for more is
/// refused as corrupt).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT (below 600,000 or above
/// 20,000,000).
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_pbkdf2_iterations(
    options: *mut fixprov_options,
    iterations: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        use crate::cold::crypto::{MAX_PBKDF2_ITERATIONS, MIN_PBKDF2_ITERATIONS};
        if !(MIN_PBKDF2_ITERATIONS..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
            return Err(
                crate::Error::invalid("PBKDF2 iterations must be between 600,000 and 20,000,000").into()
            );
        }
        options.config.pbkdf2_iterations = iterations;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets how much of the audit log the engine keeps: records older than max_age_secs and those
/// beyond the newest max_records are cut, once a minute, by the engine's housekeeping thread; 0
/// keeps everything by that measure (the default is 0 and 0: nothing is cut). The chain stays
/// verifiable: the last cut record's sequence and MAC are kept sealed, and an "audit.retention"
/// record says what was cut and where the chain resumes.
///
/// Returns: FIXPROV_OK or FIXPROV_ERR_NULL.
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_audit_retention(
    options: *mut fixprov_options,
    max_age_secs: u64,
    max_records: u64,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        let retention = crate::cold::audit::AuditRetention {
            max_age: (max_age_secs != 0).then(|| std::time::Duration::from_secs(max_age_secs)),
            max_records: (max_records != 0).then_some(max_records),
        };
        options.config.audit_retention =
            (retention != crate::cold::audit::AuditRetention::default()).then_some(retention);
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Chooses the eligibility set-up: default_rules 1 starts with the four default rules (balance
/// 1,000.00, 30-day volume 10,000.00, account age 30 days, KYC level 2; the default), 0 with none;
/// logon_check 1 makes fixprov_logon() re-check eligibility (default 0). A store's saved rule set
/// replaces the starting one.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT (a value other than 0 or 1).
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_eligibility(
    options: *mut fixprov_options,
    default_rules: u32,
    logon_check: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        if default_rules > 1 || logon_check > 1 {
            return Err(crate::Error::invalid("default_rules and logon_check are 0 or 1").into());
        }
        options.config.default_rules = default_rules == 1;
        options.config.logon_checks_eligibility = logon_check == 1;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Opens every session of the engine as a single owner's (on 1) or shared (on 0, the default):
/// see fixprov_check_mode. watch 1 makes single owners detect overlapping checks (one atomic swap
/// per check; FIXPROV_MODE_SINGLE_OWNER_WATCHED); the default is 1 in debug builds of fixprov and 0
/// in release builds. fixprov_session_set_mode() changes one session.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT (a value other than 0 or 1).
/// Ownership: does not take ownership of options.
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_single_owner(
    options: *mut fixprov_options,
    on: u32,
    watch: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        if on > 1 || watch > 1 {
            return Err(crate::Error::invalid("on and watch are 0 or 1").into());
        }
        options.config.single_owner = on == 1;
        options.config.watch_owners = watch == 1;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Opens an engine with the four default tiers (basic, standard, premium, unlimited): on the
/// embedded store of the options' data directory, loading every user, credential, tier and
/// allow-list into memory (so logon never touches the disk), or in memory without one.
///
/// Parameters:
/// - options: NULL for the defaults, or options from fixprov_options_new().
/// - out_engine: receives the engine; written only on success.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_INVALID_ARGUMENT (including a data directory
/// without a master password), FIXPROV_ERR_WRONG_MASTER_PASSWORD, FIXPROV_ERR_CORRUPT (a record
/// failed authentication; nothing is accepted), FIXPROV_ERR_STORAGE, or FIXPROV_ERR_INTERNAL.
/// Ownership: returns a new fixprov_engine owned by the caller; free it with
/// fixprov_engine_close(). Does not take ownership of options.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// options is NULL or a live fixprov_options; out_engine is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_engine_open(
    options: *const fixprov_options,
    out_engine: *mut *mut fixprov_engine,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_engine, c"out_engine is NULL")?;
        let config = if options.is_null() {
            Config::default()
        } else {
            // SAFETY: forwarded contract; non-NULL checked above.
            unsafe { boundary::borrow(options, c"options is NULL") }?.config.clone()
        };
        let engine = crate::Engine::open(config)?;
        // SAFETY: `out_engine` was checked non-NULL and is writable per the contract.
        unsafe { out.write(boundary::into_raw(fixprov_engine::new(engine))) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Closes an engine: stops its clock thread and frees everything it holds. Every session handle of
/// the engine becomes meaningless. fixprov_engine_close(NULL) is a no-op.
///
/// Ownership: consumes engine.
/// Thread safety: no other call may use engine during or after this call.
///
/// # Safety
/// engine is NULL or came from fixprov_engine_open() and is not closed yet.
#[no_mangle]
pub unsafe extern "C" fn fixprov_engine_close(engine: *mut fixprov_engine) {
    // SAFETY: forwarded contract.
    guard_void(|| drop(unsafe { boundary::from_raw(engine) }));
}

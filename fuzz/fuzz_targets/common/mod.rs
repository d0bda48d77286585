//! Shared by the fuzz targets: engines built for fuzzing, and thin wrappers over the C ABI that
//! keep the raw pointers in one place. Every wrapper calls the exported `fixprov_*` function exactly
//! as a C host would, and frees what it hands back.
#![allow(dead_code)]

use fixprov::ffi::{self, fixprov_engine, fixprov_session_stats, fixprov_status, fixprov_tier_spec};
use std::ffi::{c_char, CStr};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

pub use fixprov::ffi::fixprov_status as Status;

/// The status of a C call, or what it handed back.
pub type CResult<T> = Result<T, Status>;

/// The venue's TargetCompID of every engine built here (the default).
pub const TARGET_COMP_ID: &str = "FIXPROV";

/// How an engine is built.
#[derive(Clone, Copy, Debug)]
pub enum Build {
    /// With the Rust API (handed to C with `fixprov_engine::into_raw`): in memory, a manual clock (no
    /// ticker thread) and an expiry sweep of an hour, so the housekeeping thread never acts during
    /// an input and every outcome depends on the input alone.
    Rust {
        /// Start with the four default eligibility rules.
        default_rules: bool,
    },
    /// With `fixprov_options_*` and `fixprov_engine_open`: in memory, eligibility rules off, the
    /// precise clock; the housekeeper sweeps expiries every 200 ms as shipped.
    C,
}

/// An engine owned by one fuzz input; closed (`fixprov_engine_close`) when dropped.
pub struct Engine(*mut fixprov_engine);

impl Engine {
    /// Opens an engine as `build` says, with a session table of `max_sessions`.
    pub fn open(build: Build, max_sessions: u32) -> Engine {
        match build {
            Build::Rust { default_rules } => {
                let config = fixprov::Config {
                    max_sessions,
                    clock: fixprov::ClockConfig::Manual(fixprov::ManualClock::new(0)),
                    expiry_sweep: Duration::from_secs(3600),
                    default_rules,
                    ..fixprov::Config::default()
                };
                let engine = fixprov::Engine::open(config).expect("an in-memory engine opens");
                Engine(fixprov_engine::into_raw(engine))
            }
            Build::C => {
                // SAFETY: the options pointer is live from new to free; out_engine is writable.
                unsafe {
                    let options = ffi::fixprov_options_new();
                    assert!(!options.is_null());
                    ok(ffi::fixprov_options_set_eligibility(options, 0, 0), "set_eligibility");
                    ok(ffi::fixprov_options_set_max_sessions(options, max_sessions), "set_max_sessions");
                    ok(ffi::fixprov_options_set_clock(options, 1, 500), "set_clock");
                    let mut engine = ptr::null_mut();
                    let status = ffi::fixprov_engine_open(options, &mut engine);
                    ffi::fixprov_options_free(options);
                    ok(status, "engine_open");
                    assert!(!engine.is_null());
                    Engine(engine)
                }
            }
        }
    }

    /// The pointer a C host holds.
    pub fn ptr(&self) -> *const fixprov_engine {
        self.0
    }

    /// The same engine through the Rust API (for invariants the C ABI does not expose cheaply).
    pub fn rust(&self) -> &fixprov::Engine {
        // SAFETY: the pointer came from fixprov_engine_open or into_raw and is live until drop.
        unsafe { (*self.0).engine() }
    }

    /// The engine's own admin part (the one `fixprov_admin_request` uses).
    pub fn admin(&self) -> &fixprov::admin::Admin {
        // SAFETY: as for `rust`.
        unsafe { (*self.0).admin() }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: opened by Engine::open, closed once.
        unsafe { ffi::fixprov_engine_close(self.0) }
    }
}

/// Panics unless `status` is OK.
#[track_caller]
pub fn ok(status: Status, what: &str) {
    assert_eq!(status, fixprov_status::FIXPROV_OK, "{what}: {}", last_error());
}

/// The calling thread's last error text.
pub fn last_error() -> String {
    // SAFETY: fixprov_last_error never returns NULL; the text is NUL-terminated.
    unsafe { CStr::from_ptr(ffi::fixprov_last_error()) }.to_string_lossy().into_owned()
}

/// A `(ptr, len)` pair for a byte string; `None` is `(NULL, 0)`.
fn raw(bytes: Option<&[u8]>) -> (*const u8, usize) {
    match bytes {
        Some(b) => (b.as_ptr(), b.len()),
        None => (ptr::null(), 0),
    }
}

/// Takes a string the library handed out, and frees it with `fixprov_string_free`.
///
/// # Safety
/// `s` is NULL or a live string from this library.
unsafe fn take(s: *mut c_char) -> Option<Vec<u8>> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string from the library, freed right after the copy.
    let bytes = unsafe { CStr::from_ptr(s) }.to_bytes().to_vec();
    // SAFETY: freed once.
    unsafe { ffi::fixprov_string_free(s) };
    Some(bytes)
}

/// What provisioning hands back.
#[derive(Clone, Debug)]
pub struct Provisioned {
    pub sender_comp_id: String,
    pub target_comp_id: String,
    pub password: Vec<u8>,
}

pub fn provision(e: &Engine, user: &[u8], tier: Option<&[u8]>) -> CResult<Provisioned> {
    let (t, tl) = raw(tier);
    let (mut sender, mut target, mut password) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    // SAFETY: every pointer is live for its length; out-parameters are writable.
    let status = unsafe {
        ffi::fixprov_provision(
            e.ptr(),
            user.as_ptr(),
            user.len(),
            t,
            tl,
            &mut sender,
            &mut target,
            &mut password,
        )
    };
    // SAFETY: written only on success, NULL otherwise.
    let (sender, target, password) = unsafe { (take(sender), take(target), take(password)) };
    if status != fixprov_status::FIXPROV_OK {
        assert!(
            sender.is_none() && target.is_none() && password.is_none(),
            "out-parameters written on failure"
        );
        return Err(status);
    }
    Ok(Provisioned {
        sender_comp_id: String::from_utf8(sender.expect("sender_comp_id")).expect("ASCII CompID"),
        target_comp_id: String::from_utf8(target.expect("target_comp_id")).expect("ASCII CompID"),
        password: password.expect("password"),
    })
}

/// One of the user operations that take only a user id.
pub type UserFn = unsafe extern "C" fn(*const fixprov_engine, *const u8, usize) -> fixprov_status;

pub fn user_op(e: &Engine, f: UserFn, user: &[u8]) -> Status {
    // SAFETY: the user bytes are live for their length.
    unsafe { f(e.ptr(), user.as_ptr(), user.len()) }
}

pub fn revoke(e: &Engine, user: &[u8]) -> Status {
    user_op(e, ffi::fixprov_revoke, user)
}

pub fn suspend(e: &Engine, user: &[u8]) -> Status {
    user_op(e, ffi::fixprov_suspend, user)
}

pub fn reactivate(e: &Engine, user: &[u8]) -> Status {
    user_op(e, ffi::fixprov_reactivate, user)
}

pub fn regenerate(e: &Engine, user: &[u8], overlap_secs: u32) -> CResult<Vec<u8>> {
    let mut out = ptr::null_mut();
    // SAFETY: live user bytes; writable out-parameter.
    let status = unsafe {
        ffi::fixprov_regenerate_password(e.ptr(), user.as_ptr(), user.len(), overlap_secs, &mut out)
    };
    // SAFETY: written only on success.
    let password = unsafe { take(out) };
    match status {
        fixprov_status::FIXPROV_OK => Ok(password.expect("password")),
        s => Err(s),
    }
}

pub fn set_expiry(e: &Engine, user: &[u8], at_unix_ms: u64) -> Status {
    // SAFETY: live user bytes.
    unsafe { ffi::fixprov_set_expiry(e.ptr(), user.as_ptr(), user.len(), at_unix_ms) }
}

pub fn ip_allow(e: &Engine, user: &[u8], rule: &[u8]) -> Status {
    // SAFETY: live byte strings.
    unsafe { ffi::fixprov_ip_allow(e.ptr(), user.as_ptr(), user.len(), rule.as_ptr(), rule.len()) }
}

pub fn ip_disallow(e: &Engine, user: &[u8], rule: &[u8]) -> Status {
    // SAFETY: live byte strings.
    unsafe { ffi::fixprov_ip_disallow(e.ptr(), user.as_ptr(), user.len(), rule.as_ptr(), rule.len()) }
}

/// The signed fields of a Logon, as the peer sent them.
pub struct Signed<'a> {
    pub msg_type: &'a [u8],
    pub msg_seq_num: u64,
    pub sending_time: &'a [u8],
    pub raw_data: &'a [u8],
    pub key_id: &'a [u8],
}

/// `fixprov_logon_signed`.
pub fn logon_signed(
    e: &Engine,
    sender: &[u8],
    target: &[u8],
    password: &[u8],
    peer: Option<&[u8]>,
    s: &Signed<'_>,
) -> LogonAnswer {
    let (p, pl) = raw(peer);
    let mut session = UNSET_SESSION;
    let mut session_status = UNSET_STATUS;
    let mut text: *const c_char = ptr::null();
    // SAFETY: every pointer is NULL with length 0 or live for its length; out-parameters writable.
    let status = unsafe {
        ffi::fixprov_logon_signed(
            e.ptr(),
            sender.as_ptr(),
            sender.len(),
            target.as_ptr(),
            target.len(),
            password.as_ptr(),
            password.len(),
            p,
            pl,
            s.msg_type.as_ptr(),
            s.msg_type.len(),
            s.msg_seq_num,
            s.sending_time.as_ptr(),
            s.sending_time.len(),
            s.raw_data.as_ptr(),
            s.raw_data.len(),
            s.key_id.as_ptr(),
            s.key_id.len(),
            &mut session,
            &mut session_status,
            &mut text,
        )
    };
    let text = if text.is_null() {
        None
    } else {
        // SAFETY: a static NUL-terminated text from the library.
        Some(unsafe { CStr::from_ptr(text) }.to_str().expect("refusal text is UTF-8"))
    };
    LogonAnswer {
        status,
        session: (session != UNSET_SESSION).then_some(session),
        session_status: (session_status != UNSET_STATUS).then_some(session_status),
        text,
    }
}

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A FIX UTCTimestamp with milliseconds of `ms` since the Unix epoch.
pub fn sending_time(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}:{:02}:{:02}.{millis:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A logon's answer: the status, and on success the session, on refusal the 1409 value and text.
#[derive(Debug)]
pub struct LogonAnswer {
    pub status: Status,
    pub session: Option<u64>,
    pub session_status: Option<u32>,
    pub text: Option<&'static str>,
}

/// Sentinels: out-parameters must keep them unless the call writes them.
const UNSET_SESSION: u64 = 0xDEAD_BEEF_DEAD_BEEF;
const UNSET_STATUS: u32 = 0xDEAD_BEEF;

pub fn logon(
    e: &Engine,
    sender: &[u8],
    target: &[u8],
    password: &[u8],
    username: Option<&[u8]>,
    peer: Option<&[u8]>,
) -> LogonAnswer {
    let (u, ul) = raw(username);
    let (p, pl) = raw(peer);
    let mut session = UNSET_SESSION;
    let mut session_status = UNSET_STATUS;
    let mut text: *const c_char = ptr::null();
    // SAFETY: every pointer is NULL with length 0 or live for its length; out-parameters writable.
    let status = unsafe {
        ffi::fixprov_logon(
            e.ptr(),
            sender.as_ptr(),
            sender.len(),
            target.as_ptr(),
            target.len(),
            password.as_ptr(),
            password.len(),
            u,
            ul,
            p,
            pl,
            &mut session,
            &mut session_status,
            &mut text,
        )
    };
    let text = if text.is_null() {
        None
    } else {
        // SAFETY: a static NUL-terminated text from the library.
        Some(unsafe { CStr::from_ptr(text) }.to_str().expect("refusal text is UTF-8"))
    };
    LogonAnswer {
        status,
        session: (session != UNSET_SESSION).then_some(session),
        session_status: (session_status != UNSET_STATUS).then_some(session_status),
        text,
    }
}

/// The FIX SessionStatus (1409) and text a logon refusal must carry (docs/credentials.md).
pub fn refusal_fields(status: Status) -> Option<(u32, &'static str)> {
    use fixprov_status::*;
    Some(match status {
        FIXPROV_LOGON_BAD_CREDENTIALS | FIXPROV_LOGON_UNKNOWN_COMP_ID => (5, "Invalid username or password"),
        FIXPROV_LOGON_SUSPENDED => (6, "Account suspended"),
        FIXPROV_LOGON_REVOKED => (6, "Credentials revoked"),
        FIXPROV_LOGON_LOCKED_OUT => (6, "Too many failed logon attempts, try again later"),
        FIXPROV_LOGON_TOO_MANY_LOGONS => (7, "Too many logon attempts, try again later"),
        FIXPROV_LOGON_EXPIRED => (8, ""),
        FIXPROV_LOGON_IP_NOT_ALLOWED | FIXPROV_LOGON_SESSION_LIMIT | FIXPROV_LOGON_NOT_ELIGIBLE => (7, ""),
        FIXPROV_LOGON_SIGNATURE_REQUIRED => (5, "Logon signature required"),
        FIXPROV_LOGON_BAD_SIGNATURE => (5, "Invalid logon signature"),
        FIXPROV_LOGON_STALE_SIGNATURE => (7, "Logon SendingTime outside the accepted window"),
        FIXPROV_LOGON_REPLAYED_SIGNATURE => (5, "Logon signature already used"),
        FIXPROV_LOGON_COUNTRY_NOT_ALLOWED => (7, "Logon not allowed from this country"),
        _ => return None,
    })
}

/// Checks a logon answer's out-parameters against its status: a session exactly on success; on a
/// refusal the 1409 value and a static text that (for the two credential refusals) is the same, so
/// it never tells which part was wrong.
#[track_caller]
pub fn check_logon_shape(a: &LogonAnswer) {
    if a.status == fixprov_status::FIXPROV_OK {
        let session = a.session.expect("a session handle on success");
        assert_ne!(session, 0, "session handles are never 0");
        assert!(a.session_status.is_none() && a.text.is_none(), "refusal fields written on success: {a:?}");
        return;
    }
    assert!(a.session.is_none(), "out_session written on refusal: {a:?}");
    match refusal_fields(a.status) {
        Some((session_status, text)) => {
            assert_eq!(a.session_status, Some(session_status), "1409 of {:?}", a.status);
            let got = a.text.expect("a text with every refusal");
            assert!(!got.is_empty(), "empty refusal text");
            if !text.is_empty() {
                assert_eq!(got, text, "text of {:?}", a.status);
            }
        }
        None => assert!(a.session_status.is_none() && a.text.is_none(), "refusal fields on an error: {a:?}"),
    }
}

pub fn session_open(e: &Engine, user: &[u8]) -> CResult<u64> {
    let mut out = UNSET_SESSION;
    // SAFETY: live user bytes; writable out-parameter.
    let status = unsafe { ffi::fixprov_session_open(e.ptr(), user.as_ptr(), user.len(), &mut out) };
    match status {
        fixprov_status::FIXPROV_OK => {
            assert!(out != UNSET_SESSION && out != 0, "no session handle written");
            Ok(out)
        }
        s => {
            assert_eq!(out, UNSET_SESSION, "out_session written on failure");
            Err(s)
        }
    }
}

pub fn session_close(e: &Engine, session: u64) -> Status {
    // SAFETY: any handle value is allowed.
    unsafe { ffi::fixprov_session_close(e.ptr(), session) }
}

pub fn session_kill(e: &Engine, session: u64) -> Status {
    // SAFETY: any handle value is allowed.
    unsafe { ffi::fixprov_session_kill(e.ptr(), session) }
}

pub fn user_kill(e: &Engine, user: &[u8]) -> CResult<usize> {
    let mut killed = usize::MAX;
    // SAFETY: live user bytes; writable out-parameter.
    let status = unsafe { ffi::fixprov_user_kill(e.ptr(), user.as_ptr(), user.len(), &mut killed) };
    match status {
        fixprov_status::FIXPROV_OK => Ok(killed),
        s => Err(s),
    }
}

pub fn check_at(e: &Engine, session: u64, order: bool, now_ns: u64) -> Status {
    // SAFETY: any handle value is allowed.
    unsafe { ffi::fixprov_check_at(e.ptr(), session, u32::from(order), now_ns) }
}

pub fn session_stats(e: &Engine, session: u64) -> CResult<fixprov_session_stats> {
    let mut out = fixprov_session_stats::default();
    // SAFETY: writable out-parameter.
    match unsafe { ffi::fixprov_session_get_stats(e.ptr(), session, &mut out) } {
        fixprov_status::FIXPROV_OK => Ok(out),
        s => Err(s),
    }
}

pub fn session_reset_violations(e: &Engine, session: u64) -> Status {
    // SAFETY: any handle value is allowed.
    unsafe { ffi::fixprov_session_reset_violations(e.ptr(), session) }
}

pub fn tier_set(e: &Engine, name: &[u8], spec: &fixprov_tier_spec) -> Status {
    // SAFETY: live name bytes and spec.
    unsafe { ffi::fixprov_tier_set(e.ptr(), name.as_ptr(), name.len(), spec) }
}

pub fn user_set_tier(e: &Engine, user: &[u8], tier: &[u8]) -> Status {
    // SAFETY: live byte strings.
    unsafe { ffi::fixprov_user_set_tier(e.ptr(), user.as_ptr(), user.len(), tier.as_ptr(), tier.len()) }
}

/// `fixprov_admin_request`: the call's status, the HTTP status and the answer text.
pub fn admin_request(e: &Engine, method: &[u8], path: &[u8], body: Option<&[u8]>) -> CResult<(u32, Vec<u8>)> {
    let (b, bl) = raw(body);
    let mut http = 0u32;
    let mut out = ptr::null_mut();
    // SAFETY: live byte strings; writable out-parameters.
    let status = unsafe {
        ffi::fixprov_admin_request(
            e.ptr(),
            method.as_ptr(),
            method.len(),
            path.as_ptr(),
            path.len(),
            b,
            bl,
            &mut http,
            &mut out,
        )
    };
    // SAFETY: written only on success.
    let text = unsafe { take(out) };
    match status {
        fixprov_status::FIXPROV_OK => Ok((http, text.expect("an answer text"))),
        s => {
            assert!(text.is_none(), "out_json written on failure");
            Err(s)
        }
    }
}

/// A manual clock is shared by nothing here; kept for targets that build their own configs.
pub fn manual_clock() -> Arc<fixprov::ManualClock> {
    fixprov::ManualClock::new(0)
}

// ----- reference IP grammar (docs/credentials.md and `fixprov::cold::allowlist` docs), for differential checks -----

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// What rules and peers share: 1 to 64 bytes, no whitespace.
fn ref_text_ok(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && !text.chars().any(char::is_whitespace)
}

/// A rule as documented: `ADDRESS` or `ADDRESS/PREFIX` (plain decimal, no sign, no leading zero, at
/// most the family's width), no host bits set; an IPv4-mapped range of prefix 96 or more is the IPv4
/// rule it means. Returns the network (IPv4 as such) and the prefix.
pub fn ref_rule(text: &str) -> Option<(IpAddr, u8)> {
    if !ref_text_ok(text) {
        return None;
    }
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => {
            let plain = !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'));
            if !plain {
                return None;
            }
            let p: u16 = p.parse().ok()?;
            if p > u16::from(max) {
                return None;
            }
            p as u8
        }
    };
    let (addr, prefix) = match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) if prefix >= 96 => (IpAddr::V4(v4), prefix - 96),
            _ => (addr, prefix),
        },
        v4 => (v4, prefix),
    };
    let host_bits_clear = match addr {
        IpAddr::V4(v4) => u32::from(v4) & !mask32(prefix) == 0,
        IpAddr::V6(v6) => u128::from(v6) & !mask128(prefix) == 0,
    };
    host_bits_clear.then_some((addr, prefix))
}

fn mask32(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

fn mask128(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

/// A peer address as documented: an address, `[IPv6]`, or either with `:port`.
pub fn ref_peer(text: &str) -> Option<IpAddr> {
    if !ref_text_ok(text) {
        return None;
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// Whether `rule` (from [`ref_rule`]) matches `peer`: IPv4-mapped peers as IPv4; families never mix.
pub fn ref_contains(rule: (IpAddr, u8), peer: IpAddr) -> bool {
    match (rule.0, peer.to_canonical()) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => u32::from(ip) & mask32(rule.1) == u32::from(net),
        (IpAddr::V6(net), IpAddr::V6(ip)) => u128::from(ip) & mask128(rule.1) == u128::from(net),
        _ => false,
    }
}

/// Failed-logon bookkeeping as documented (`AttemptPolicy::default()`, per address, per (CompID,
/// address) and per CompID at its ceiling): the 5th failure within 60 s
/// locks a key for 300 s, a locked key is refused before anything is checked, and a proven password
/// forgets its CompID's failures. An input runs in far less than 60 s, so time never matters here.
#[derive(Default, Debug)]
pub struct Lockouts {
    by_peer: std::collections::HashMap<IpAddr, u32>,
    by_pair: std::collections::HashMap<(String, Option<IpAddr>), u32>,
    /// The CompID's ceiling, apart for addresses its allow-list admits (`true`) and all others.
    by_comp_id: std::collections::HashMap<(String, bool), u32>,
    /// Logon attempts per CompID that got past the lock-out (`Config::logon_rate`).
    logons: std::collections::HashMap<String, u32>,
}

/// The engine's default logon rate (`DEFAULT_LOGON_RATE`): 15 attempts per CompID within 30 s,
/// then a cool-down; an input runs in far less than 30 s, so the 16th and every later one is
/// refused.
pub const LOGON_RATE: u32 = 15;

pub const MAX_FAILURES: u32 = 5;
/// The engine's `COMP_ID_CEILING`: a CompID is refused after this many times MAX_FAILURES across
/// addresses of one kind.
pub const CEILING: u32 = 4 * MAX_FAILURES;

/// The model's keys: `admitted` says whether `peer` is on the CompID's own non-empty allow-list.
impl Lockouts {
    fn keys(
        comp_id: &str,
        peer: Option<IpAddr>,
        admitted: bool,
    ) -> ((String, Option<IpAddr>), (String, bool)) {
        let peer = peer.map(|p| p.to_canonical());
        ((comp_id.to_owned(), peer), (comp_id.to_owned(), admitted))
    }

    pub fn locked(&self, comp_id: &str, peer: Option<IpAddr>, admitted: bool) -> bool {
        let (pair, ceiling) = Self::keys(comp_id, peer, admitted);
        let peer_locked =
            peer.is_some_and(|p| self.by_peer.get(&p.to_canonical()).is_some_and(|n| *n >= MAX_FAILURES));
        peer_locked
            || self.by_pair.get(&pair).is_some_and(|n| *n >= MAX_FAILURES)
            || self.by_comp_id.get(&ceiling).is_some_and(|n| *n >= CEILING)
    }

    /// Whether an attempt that got past the lock-out meets the logon rate (then it is refused and
    /// not counted); otherwise it is counted.
    pub fn rate_limited(&mut self, comp_id: &str) -> bool {
        let n = self.logons.entry(comp_id.to_owned()).or_default();
        if *n >= LOGON_RATE {
            return true;
        }
        *n += 1;
        false
    }

    pub fn fail(&mut self, comp_id: &str, peer: Option<IpAddr>, admitted: bool) {
        let (pair, ceiling) = Self::keys(comp_id, peer, admitted);
        if let Some(p) = peer {
            *self.by_peer.entry(p.to_canonical()).or_default() += 1;
        }
        *self.by_pair.entry(pair).or_default() += 1;
        *self.by_comp_id.entry(ceiling).or_default() += 1;
    }

    pub fn succeed(&mut self, comp_id: &str, peer: Option<IpAddr>, admitted: bool) {
        let (pair, ceiling) = Self::keys(comp_id, peer, admitted);
        self.by_pair.remove(&pair);
        self.by_comp_id.remove(&ceiling);
    }
}

/// The CompID the engine works with for raw bytes from the wire: the text itself, or U+FFFD for
/// anything not UTF-8 or longer than any CompID (64 bytes).
pub fn wire_comp_id(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) if raw.len() <= 64 => s.to_owned(),
        _ => "\u{FFFD}".to_owned(),
    }
}

// ----- optional outcome statistics, to see how deep a corpus gets -----

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

fn stats_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("FIXPROV_FUZZ_STATS").is_some())
}

static STATS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// Counts one outcome when FIXPROV_FUZZ_STATS is set (run a corpus with `-runs=0` to read them).
pub fn stat(key: impl FnOnce() -> String) {
    if stats_on() {
        *STATS.lock().unwrap_or_else(|p| p.into_inner()).entry(key()).or_default() += 1;
    }
}

/// Ends one input: with FIXPROV_FUZZ_STATS=N set, prints the counts every N inputs (default 1000).
pub fn stats_input_done() {
    if !stats_on() {
        return;
    }
    static INPUTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = INPUTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let every =
        std::env::var("FIXPROV_FUZZ_STATS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000u64).max(1);
    // (Not `is_multiple_of`: the project builds with Rust 1.85.)
    if n.checked_rem(every) == Some(0) {
        let stats = STATS.lock().unwrap_or_else(|p| p.into_inner());
        eprintln!("== stats after {n} inputs ==");
        for (key, count) in stats.iter() {
            eprintln!("{count:>10}  {key}");
        }
    }
}

/// The whole audit log after a flush, one record a line (as `GET /admin/fix/audit/export` gives it).
pub fn audit_log(e: &Engine) -> Vec<fixprov::cold::audit::AuditRecord> {
    let engine = e.rust();
    engine.audit().flush().expect("the audit queue flushes to an in-memory store");
    let mut out = Vec::new();
    engine.audit().export(&Default::default(), &mut out).expect("the audit log exports");
    String::from_utf8(out)
        .expect("the audit export is UTF-8")
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("an audit line is not a record ({e}): {line}"))
        })
        .collect()
}

/// The audit log never carries a password (SECURITY.md: "never the username 553 or password 554"),
/// and a record stays small whatever a peer sent (CompIDs and addresses are bounded).
pub fn check_audit_has_no(e: &Engine, passwords: &[&[u8]]) -> Vec<fixprov::cold::audit::AuditRecord> {
    let log = audit_log(e);
    for record in &log {
        let text = serde_json::to_string(record).expect("a record serializes");
        assert!(text.len() <= 2048, "an audit record of {} bytes: {}", text.len(), &text[..200]);
        for p in passwords {
            let p = String::from_utf8_lossy(p);
            assert!(!text.contains(p.as_ref()), "the audit log holds a password: {text}");
        }
    }
    log
}

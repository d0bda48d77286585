//! The one status enum of the C ABI, its text, the thread's last error, and the version.

use crate::cold::credentials::LogonRefusal;
use crate::ffi::boundary;
use crate::hot::session::Verdict;
use std::ffi::c_char;

/// The result of every fixprov call. Values are fixed forever and never reused.
///
/// Values below 100 are the verdicts of a check; 100 to 199 are errors, whose text is available from
/// fixprov_last_error() on the calling thread; 200 to 299 are the reasons a logon was refused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum fixprov_status {
    /// Success; for a check: the message is admitted.
    FIXPROV_OK = 0,
    /// The message is over its tier's rate: reject it (BusinessMessageReject), keep the session.
    FIXPROV_THROTTLED = 1,
    /// Violations escalated past the tier's threshold: log the session out.
    FIXPROV_DISCONNECT = 2,
    /// The session was killed (operator, revocation, suspension, expiry): log it out.
    FIXPROV_KILLED = 3,
    /// A required pointer argument was NULL.
    FIXPROV_ERR_NULL = 100,
    /// An argument was out of range or malformed; fixprov_last_error() says which and why.
    FIXPROV_ERR_INVALID_ARGUMENT = 101,
    /// A string argument was not valid UTF-8.
    FIXPROV_ERR_UTF8 = 102,
    /// The named user, tier or object does not exist.
    FIXPROV_ERR_NOT_FOUND = 103,
    /// A limit was reached: the user's max sessions, the session table or the tier table.
    FIXPROV_ERR_LIMIT_REACHED = 104,
    /// The session handle is closed or was never issued.
    FIXPROV_ERR_STALE_HANDLE = 105,
    /// A panic inside the library was caught; the engine remains usable.
    FIXPROV_ERR_PANIC = 106,
    /// An internal failure (for example a thread that could not start).
    FIXPROV_ERR_INTERNAL = 107,
    /// The user or object already exists (provisioning a user twice).
    FIXPROV_ERR_ALREADY_EXISTS = 108,
    /// Not allowed in the current state (reactivating a revoked credential, ...).
    FIXPROV_ERR_INVALID_STATE = 109,
    /// The master password does not unlock the store.
    FIXPROV_ERR_WRONG_MASTER_PASSWORD = 110,
    /// The store failed an integrity check (a tampered or corrupted record or file).
    FIXPROV_ERR_CORRUPT = 111,
    /// The store could not be read or written (I/O, disk full); nothing was acknowledged.
    FIXPROV_ERR_STORAGE = 112,
    /// The user does not qualify for FIX access (provisioning); fixprov_last_error() lists every
    /// failing rule, fixprov_evaluate() gives them as JSON.
    FIXPROV_ERR_NOT_ELIGIBLE = 113,
    /// Logon refused: wrong password or Username (FIX 1409=5).
    FIXPROV_LOGON_BAD_CREDENTIALS = 200,
    /// Logon refused: unknown SenderCompID or wrong TargetCompID (1409=5; the peer is told the same
    /// as for a wrong password).
    FIXPROV_LOGON_UNKNOWN_COMP_ID = 201,
    /// Logon refused: the user is suspended (1409=6).
    FIXPROV_LOGON_SUSPENDED = 202,
    /// Logon refused: the credential is revoked (1409=6).
    FIXPROV_LOGON_REVOKED = 203,
    /// Logon refused: the credential expired (1409=8).
    FIXPROV_LOGON_EXPIRED = 204,
    /// Logon refused: the peer address is not on the user's allow-list (1409=7).
    FIXPROV_LOGON_IP_NOT_ALLOWED = 205,
    /// Logon refused: the user has all the sessions its tier allows (1409=7).
    FIXPROV_LOGON_SESSION_LIMIT = 206,
    /// Logon refused: too many failed attempts for the user or from the address (1409=6).
    FIXPROV_LOGON_LOCKED_OUT = 207,
    /// Logon refused: the account no longer qualifies (only when the engine re-checks eligibility at
    /// logon; 1409=7).
    FIXPROV_LOGON_NOT_ELIGIBLE = 208,
    /// Logon refused: too many logon attempts for the SenderCompID in a short time, whatever their
    /// outcome (15 within 30 s by default; 1409=7).
    FIXPROV_LOGON_TOO_MANY_LOGONS = 209,
    /// Logon refused: fleet mode, and the shared database that keeps the session leases cannot be
    /// reached (after the password was proved; 1409=7). Retry later.
    FIXPROV_LOGON_UNAVAILABLE = 210,
    /// Logon refused: the user's logon policy asks for a signature in RawData (96) and the Logon
    /// carried none (1409=5).
    FIXPROV_LOGON_SIGNATURE_REQUIRED = 211,
    /// Logon refused: the signature does not verify (unknown, expired or revoked key id,
    /// malformed RawData, wrong key; 1409=5).
    FIXPROV_LOGON_BAD_SIGNATURE = 212,
    /// Logon refused: the signed SendingTime (52) is outside the freshness window (5 s behind, 1 s
    /// ahead of the engine's clock by default) or unreadable (1409=7).
    FIXPROV_LOGON_STALE_SIGNATURE = 213,
    /// Logon refused: the same signature was already accepted within its window (1409=5).
    FIXPROV_LOGON_REPLAYED_SIGNATURE = 214,
    /// Logon refused: the country of the peer address is refused by the user's or tier's country
    /// rule, or cannot be told while a rule applies (1409=7).
    FIXPROV_LOGON_COUNTRY_NOT_ALLOWED = 215,
}

impl From<Verdict> for fixprov_status {
    #[inline(always)]
    fn from(v: Verdict) -> fixprov_status {
        match v {
            Verdict::Ok => fixprov_status::FIXPROV_OK,
            Verdict::Throttled => fixprov_status::FIXPROV_THROTTLED,
            Verdict::Disconnect => fixprov_status::FIXPROV_DISCONNECT,
            Verdict::Killed => fixprov_status::FIXPROV_KILLED,
            Verdict::Stale => stale_handle(),
        }
    }
}

/// Records the stale-handle error and returns its status: out of line, and returning the status
/// itself, so a check's common path keeps nothing alive across a call and saves no registers.
#[cold]
#[inline(never)]
fn stale_handle() -> fixprov_status {
    boundary::fail_static(fixprov_status::FIXPROV_ERR_STALE_HANDLE, c"stale session handle").0
}

impl From<LogonRefusal> for fixprov_status {
    fn from(r: LogonRefusal) -> fixprov_status {
        match r {
            LogonRefusal::BadCredentials => fixprov_status::FIXPROV_LOGON_BAD_CREDENTIALS,
            LogonRefusal::UnknownCompId => fixprov_status::FIXPROV_LOGON_UNKNOWN_COMP_ID,
            LogonRefusal::Suspended => fixprov_status::FIXPROV_LOGON_SUSPENDED,
            LogonRefusal::Revoked => fixprov_status::FIXPROV_LOGON_REVOKED,
            LogonRefusal::Expired => fixprov_status::FIXPROV_LOGON_EXPIRED,
            LogonRefusal::IpNotAllowed => fixprov_status::FIXPROV_LOGON_IP_NOT_ALLOWED,
            LogonRefusal::SessionLimit => fixprov_status::FIXPROV_LOGON_SESSION_LIMIT,
            LogonRefusal::LockedOut => fixprov_status::FIXPROV_LOGON_LOCKED_OUT,
            LogonRefusal::NotEligible => fixprov_status::FIXPROV_LOGON_NOT_ELIGIBLE,
            LogonRefusal::TooManyLogons => fixprov_status::FIXPROV_LOGON_TOO_MANY_LOGONS,
            LogonRefusal::Unavailable => fixprov_status::FIXPROV_LOGON_UNAVAILABLE,
            LogonRefusal::SignatureRequired => fixprov_status::FIXPROV_LOGON_SIGNATURE_REQUIRED,
            LogonRefusal::BadSignature => fixprov_status::FIXPROV_LOGON_BAD_SIGNATURE,
            LogonRefusal::StaleSignature => fixprov_status::FIXPROV_LOGON_STALE_SIGNATURE,
            LogonRefusal::ReplayedSignature => fixprov_status::FIXPROV_LOGON_REPLAYED_SIGNATURE,
            LogonRefusal::CountryNotAllowed => fixprov_status::FIXPROV_LOGON_COUNTRY_NOT_ALLOWED,
        }
    }
}

/// A short, static, NUL-terminated name for a status value.
///
/// Parameters: status: any value; unknown values give "unknown status".
/// Returns: a static string; never NULL. Ownership: the string is static; do not free it.
/// Thread safety: may be called from several threads at once.
#[no_mangle]
pub extern "C" fn fixprov_status_str(status: u32) -> *const c_char {
    let s: &'static std::ffi::CStr = match status {
        0 => c"ok",
        1 => c"throttled",
        2 => c"disconnect",
        3 => c"killed",
        100 => c"NULL argument",
        101 => c"invalid argument",
        102 => c"invalid UTF-8",
        103 => c"not found",
        104 => c"limit reached",
        105 => c"stale handle",
        106 => c"panic caught",
        107 => c"internal error",
        108 => c"already exists",
        109 => c"invalid state",
        110 => c"wrong master password",
        111 => c"store corrupted",
        112 => c"storage error",
        113 => c"not eligible",
        200 => c"logon refused: bad credentials",
        201 => c"logon refused: unknown CompID",
        202 => c"logon refused: suspended",
        203 => c"logon refused: revoked",
        204 => c"logon refused: expired",
        205 => c"logon refused: address not allowed",
        206 => c"logon refused: session limit",
        207 => c"logon refused: too many failed attempts",
        208 => c"logon refused: not eligible",
        209 => c"logon refused: too many logons",
        210 => c"logon refused: service unavailable",
        211 => c"logon refused: signature required",
        212 => c"logon refused: bad signature",
        213 => c"logon refused: stale signature",
        214 => c"logon refused: replayed signature",
        215 => c"logon refused: country not allowed",
        _ => c"unknown status",
    };
    s.as_ptr()
}

/// The text of the last error raised on the calling thread.
///
/// Returns: a NUL-terminated string, "no error" if none; never NULL.
/// Ownership: owned by the library; valid until the next failing fixprov call on this thread.
/// Do not free it.
/// Thread safety: each thread has its own last error.
#[no_mangle]
pub extern "C" fn fixprov_last_error() -> *const c_char {
    let mut out = c"no error".as_ptr();
    boundary::guard_void(|| out = boundary::last_error());
    out
}

/// The library's version as "MAJOR.MINOR.PATCH"; equals FIXPROV_VERSION_STRING of the header the
/// host compiled against when the two match.
///
/// Returns: a static NUL-terminated string; never NULL. Ownership: static; do not free it.
/// Thread safety: may be called from several threads at once.
#[no_mangle]
pub extern "C" fn fixprov_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

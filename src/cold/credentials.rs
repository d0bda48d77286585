//! FIX credentials: what is stored for each user, the in-memory index logon reads, and the reasons a
//! logon is refused.
//!
//! A credential never holds its password: only an HMAC verifier of it (see
//! [`crate::cold::crypto::Keyring::verifier`]), and during a rotation overlap the previous verifier
//! with the time it stops working. Readers (logon) load an account's record through `arc-swap`
//! without a lock; lifecycle calls replace it whole after the store committed the change.

use crate::cold::allowlist::AllowList;
use crate::cold::geo::CountryRule;
use crate::cold::logon_keys::{LogonKey, LogonKeyInfo, LogonPolicy};
use crate::error::{Error, Result};
use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Where a credential is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CredentialStatus {
    /// May log on.
    Active,
    /// Temporarily barred; can be reactivated.
    Suspended,
    /// Permanently barred.
    Revoked,
}

/// A verifier that still works until a time, after a password regeneration with overlap.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PreviousVerifier {
    /// HMAC verifier of the previous password.
    pub verifier: [u8; 32],
    /// When it stops working, milliseconds since the Unix epoch.
    pub valid_until_unix_ms: u64,
}

/// A user's credential as stored (sealed) and held in memory.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CredentialRecord {
    /// The user it belongs to.
    pub user_id: String,
    /// SenderCompID (49) the user logs on with; unique.
    pub sender_comp_id: String,
    /// TargetCompID (56) the user must address: the venue's CompID.
    pub target_comp_id: String,
    /// Life-cycle state.
    pub status: CredentialStatus,
    /// HMAC verifier of the current password.
    pub verifier: [u8; 32],
    /// The previous password's verifier during a rotation overlap.
    pub previous: Option<PreviousVerifier>,
    /// When logons stop working, milliseconds since the Unix epoch; `None` never.
    pub expires_unix_ms: Option<u64>,
    /// When it was provisioned.
    pub created_unix_ms: u64,
    /// When the password last changed.
    pub password_changed_unix_ms: u64,
    /// Keys that sign logons (at most two live at once, for rotation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<LogonKey>,
    /// The user's own logon policy, over its tier's; `None` follows the tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logon_policy: Option<LogonPolicy>,
    /// The user's own country rule, over its tier's; `None` follows the tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub countries: Option<CountryRule>,
}

impl std::fmt::Debug for CredentialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialRecord")
            .field("user_id", &self.user_id)
            .field("sender_comp_id", &self.sender_comp_id)
            .field("target_comp_id", &self.target_comp_id)
            .field("status", &self.status)
            .field("expires_unix_ms", &self.expires_unix_ms)
            .finish_non_exhaustive()
    }
}

impl CredentialRecord {
    /// Whether the credential has expired at `now_ms`.
    pub fn expired(&self, now_ms: u64) -> bool {
        self.expires_unix_ms.is_some_and(|e| now_ms >= e)
    }
}

/// A user's profile as stored (sealed): what the core needs back at open, and the allow-list.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserProfile {
    /// Tier name.
    pub tier: String,
    /// Peer addresses allowed to log on; empty means any.
    pub allow: AllowList,
}

/// What a caller may read of a credential: everything but the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CredentialInfo {
    /// User id.
    pub user_id: String,
    /// SenderCompID (49).
    pub sender_comp_id: String,
    /// TargetCompID (56).
    pub target_comp_id: String,
    /// Life-cycle state.
    pub status: CredentialStatus,
    /// Whether it has expired now.
    pub expired: bool,
    /// Expiry, milliseconds since the Unix epoch.
    pub expires_unix_ms: Option<u64>,
    /// Provisioning time.
    pub created_unix_ms: u64,
    /// Last password change.
    pub password_changed_unix_ms: u64,
    /// End of the current rotation overlap, if any.
    pub previous_password_valid_until_unix_ms: Option<u64>,
    /// Tier name.
    pub tier: String,
    /// Allowed peer addresses and ranges; empty means any.
    pub ip_allow: Vec<String>,
    /// Live sessions.
    pub live_sessions: u32,
    /// What a Logon must prove: the user's own policy, else its tier's.
    pub logon_policy: LogonPolicy,
    /// Keys that sign logons (never an HMAC secret).
    pub logon_keys: Vec<LogonKeyInfo>,
    /// The user's own country rule, if it has one (else its tier's applies).
    pub country_rule: Option<CountryRule>,
}

/// One provisioned user, as logon sees it.
#[derive(Debug)]
pub struct Account {
    /// User id.
    pub user_id: String,
    record: ArcSwap<CredentialRecord>,
    allow: ArcSwap<AllowList>,
    write: Mutex<()>,
}

impl Account {
    /// The current record (no lock).
    pub fn record(&self) -> Arc<CredentialRecord> {
        self.record.load_full()
    }

    /// The current allow-list (no lock).
    pub fn allow(&self) -> Arc<AllowList> {
        self.allow.load_full()
    }

    /// Serializes changes to this account (store write, then publication).
    pub fn lock(&self) -> MutexGuard<'_, ()> {
        self.write.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes a committed record.
    pub fn publish(&self, record: CredentialRecord) {
        self.record.store(Arc::new(record));
    }

    /// Publishes a committed allow-list.
    pub fn publish_allow(&self, allow: AllowList) {
        self.allow.store(Arc::new(allow));
    }
}

/// Every account, by SenderCompID and by user id.
///
/// May be used from several threads at once.
#[derive(Debug, Default)]
pub struct Accounts {
    by_sender: RwLock<HashMap<String, Arc<Account>>>,
    by_user: RwLock<HashMap<String, Arc<Account>>>,
}

impl Accounts {
    /// The account logging on as `sender_comp_id`.
    pub fn by_sender(&self, sender_comp_id: &str) -> Option<Arc<Account>> {
        self.by_sender.read().unwrap_or_else(|p| p.into_inner()).get(sender_comp_id).cloned()
    }

    /// The account of `user_id`.
    pub fn by_user(&self, user_id: &str) -> Result<Arc<Account>> {
        let map = self.by_user.read().unwrap_or_else(|p| p.into_inner());
        map.get(user_id).cloned().ok_or_else(|| Error::not_found("no credential for this user"))
    }

    /// Whether `user_id` has a credential.
    pub fn has_user(&self, user_id: &str) -> bool {
        self.by_user.read().unwrap_or_else(|p| p.into_inner()).contains_key(user_id)
    }

    /// Whether `sender_comp_id` is taken.
    pub fn has_sender(&self, sender_comp_id: &str) -> bool {
        self.by_sender.read().unwrap_or_else(|p| p.into_inner()).contains_key(sender_comp_id)
    }

    /// Adds a committed account.
    pub fn insert(&self, record: CredentialRecord, allow: AllowList) -> Arc<Account> {
        let account = Arc::new(Account {
            user_id: record.user_id.clone(),
            record: ArcSwap::from_pointee(record.clone()),
            allow: ArcSwap::from_pointee(allow),
            write: Mutex::new(()),
        });
        let mut by_user = self.by_user.write().unwrap_or_else(|p| p.into_inner());
        let mut by_sender = self.by_sender.write().unwrap_or_else(|p| p.into_inner());
        by_user.insert(record.user_id.clone(), account.clone());
        by_sender.insert(record.sender_comp_id, account.clone());
        account
    }

    /// Every account.
    pub fn all(&self) -> Vec<Arc<Account>> {
        self.by_user.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }
}

/// Longest CompID accepted or generated.
pub const MAX_COMP_ID: usize = 64;

/// Checks a CompID: 1 to 64 printable ASCII characters, no '=' (it would break the tag=value form).
pub fn validate_comp_id(what: &'static str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_COMP_ID {
        return Err(Error::invalid(format!("{what} must be 1 to 64 characters")));
    }
    if !id.bytes().all(|b| (b'!'..=b'~').contains(&b) && b != b'=') {
        return Err(Error::invalid(format!("{what} must be printable ASCII without '=' or spaces")));
    }
    Ok(())
}

/// A readable SenderCompID for `user_id`: `PREFIX_USERID` in upper case, characters outside
/// `A-Z 0-9 _ - .` dropped, at most 32 characters before a collision suffix; `taken` decides
/// collisions, which get `_2`, `_3`...
pub fn sender_comp_id_for(prefix: &str, user_id: &str, taken: impl Fn(&str) -> bool) -> String {
    let room = 32usize.saturating_sub(prefix.len() + 1).max(1);
    let cleaned: String = user_id
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_uppercase();
            (c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).then_some(c)
        })
        .take(room)
        .collect();
    let base = if cleaned.is_empty() { format!("{prefix}_USER") } else { format!("{prefix}_{cleaned}") };
    if !taken(&base) {
        return base;
    }
    (2u64..).map(|n| format!("{base}_{n}")).find(|candidate| !taken(candidate)).unwrap_or(base)
}

/// Largest SenderCompID pool: each pooled CompID is a session the FIX engine declares ahead.
pub const MAX_COMP_ID_POOL: u32 = 100_000;

/// The `n`-th SenderCompID of a pool, from 1: the prefix and at least five digits, `FP00001`. A
/// generated one ([`sender_comp_id_for`]) always has `_` after the prefix, so the two never meet.
pub fn pooled_comp_id(prefix: &str, n: u32) -> String {
    format!("{prefix}{n:05}")
}

/// Why a logon was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogonRefusal {
    /// The password (or Username) did not match.
    BadCredentials,
    /// No credential has this SenderCompID, or the TargetCompID is not the venue's.
    UnknownCompId,
    /// The user is suspended.
    Suspended,
    /// The credential is revoked.
    Revoked,
    /// The credential has expired.
    Expired,
    /// The peer address is not on the user's allow-list.
    IpNotAllowed,
    /// The user has all the sessions the tier allows.
    SessionLimit,
    /// Too many failed attempts for this user or from this address; refused without checking.
    LockedOut,
    /// The account no longer qualifies (when the engine re-checks eligibility at logon).
    NotEligible,
    /// Too many logon attempts for this SenderCompID in a short time, whatever their outcome
    /// (`Config::logon_rate`); refused without checking.
    TooManyLogons,
    /// Fleet mode: the session needs a lease from the shared database, which cannot be reached
    /// (refused after the password was proved; see `Config::lease_grace`).
    Unavailable,
    /// The user's logon policy asks for a signature (RawData 96) and the Logon carried none.
    SignatureRequired,
    /// The signature does not verify: unknown, expired or revoked key id, malformed RawData, or
    /// the wrong key.
    BadSignature,
    /// The signed SendingTime (52) is outside the freshness window (`Config::logon_window_back`
    /// behind the engine's clock, `Config::logon_window_ahead` ahead of it), or unreadable.
    StaleSignature,
    /// The same signature was already accepted within its window (a replay).
    ReplayedSignature,
    /// The peer address's country is refused by the user's or tier's country rule, or cannot be
    /// told while a rule applies (see `Config::geo_unknown_allowed`).
    CountryNotAllowed,
}

impl LogonRefusal {
    /// The FIX SessionStatus (tag 1409) value to send with the Logout.
    pub fn session_status(self) -> u32 {
        match self {
            // 5 = Invalid username or password: never says which part was wrong.
            // A signature is a credential: 5 as for a wrong password (only values FIX defines
            // are sent: a peer's engine may refuse a Logout carrying an unknown one).
            LogonRefusal::BadCredentials
            | LogonRefusal::UnknownCompId
            | LogonRefusal::SignatureRequired
            | LogonRefusal::BadSignature
            | LogonRefusal::ReplayedSignature => 5,
            // 6 = Account locked.
            LogonRefusal::Suspended | LogonRefusal::Revoked | LogonRefusal::LockedOut => 6,
            // 8 = Password expired.
            LogonRefusal::Expired => 8,
            // 7 = Logons are not allowed at this time.
            LogonRefusal::IpNotAllowed
            | LogonRefusal::SessionLimit
            | LogonRefusal::NotEligible
            | LogonRefusal::TooManyLogons
            | LogonRefusal::Unavailable
            | LogonRefusal::StaleSignature
            | LogonRefusal::CountryNotAllowed => 7,
        }
    }

    /// A text safe to send to the peer (tag 58): it never says whether the CompID or the password
    /// was wrong, and names a state only to a peer that proved the password.
    pub fn text(self) -> &'static str {
        self.c_text().to_str().unwrap_or_default()
    }

    /// [`LogonRefusal::text`], NUL-terminated for C.
    pub fn c_text(self) -> &'static std::ffi::CStr {
        match self {
            LogonRefusal::BadCredentials | LogonRefusal::UnknownCompId => c"Invalid username or password",
            LogonRefusal::Suspended => c"Account suspended",
            LogonRefusal::Revoked => c"Credentials revoked",
            LogonRefusal::Expired => c"Credentials expired",
            LogonRefusal::IpNotAllowed => c"Logon not allowed from this address",
            LogonRefusal::SessionLimit => c"Session limit reached",
            LogonRefusal::LockedOut => c"Too many failed logon attempts, try again later",
            LogonRefusal::NotEligible => c"Account not eligible for FIX access",
            LogonRefusal::TooManyLogons => c"Too many logon attempts, try again later",
            LogonRefusal::Unavailable => c"Logon service unavailable, try again later",
            LogonRefusal::SignatureRequired => c"Logon signature required",
            LogonRefusal::BadSignature => c"Invalid logon signature",
            LogonRefusal::StaleSignature => c"Logon SendingTime outside the accepted window",
            LogonRefusal::ReplayedSignature => c"Logon signature already used",
            LogonRefusal::CountryNotAllowed => c"Logon not allowed from this country",
        }
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    #[test]
    fn sender_comp_ids_are_readable_and_unique() {
        let taken = ["FP_ALICE", "FP_ALICE_2"];
        assert_eq!(sender_comp_id_for("FP", "bob@desk.io", |_| false), "FP_BOBDESK.IO");
        assert_eq!(sender_comp_id_for("FP", "alice", |c| taken.contains(&c)), "FP_ALICE_3");
        assert_eq!(sender_comp_id_for("FP", "ключ", |_| false), "FP_USER");
        assert_eq!(sender_comp_id_for("VENUE", &"x".repeat(100), |_| false).len(), 32);
        assert_eq!(sender_comp_id_for("PREFIX_8", &"x".repeat(100), |_| false).len(), 32);
    }

    #[test]
    fn pooled_comp_ids_never_meet_generated_ones() {
        assert_eq!(pooled_comp_id("FP", 1), "FP00001");
        assert_eq!(pooled_comp_id("FP", MAX_COMP_ID_POOL), "FP100000");
        assert!(validate_comp_id("pool", &pooled_comp_id("PREFIX_8", MAX_COMP_ID_POOL)).is_ok());
        for user in ["00001", "_00001", "", "1"] {
            let generated = sender_comp_id_for("FP", user, |_| false);
            assert!((1..=100).all(|n| pooled_comp_id("FP", n) != generated), "{generated}");
        }
    }

    #[test]
    fn comp_ids_are_validated() {
        assert!(validate_comp_id("SenderCompID", "FP_ALICE").is_ok());
        for bad in ["", "A=B", "A B", "A\u{1}B", &"x".repeat(65)] {
            assert!(validate_comp_id("SenderCompID", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_refusal_has_a_1409_value_and_a_safe_text() {
        use LogonRefusal::*;
        let all = [
            BadCredentials,
            UnknownCompId,
            Suspended,
            Revoked,
            Expired,
            IpNotAllowed,
            SessionLimit,
            LockedOut,
            NotEligible,
            TooManyLogons,
            Unavailable,
            SignatureRequired,
            BadSignature,
            StaleSignature,
            ReplayedSignature,
            CountryNotAllowed,
        ];
        let expected = [5, 5, 6, 6, 8, 7, 7, 6, 7, 7, 7, 5, 5, 7, 5, 7];
        for (r, v) in all.iter().zip(expected) {
            assert_eq!(r.session_status(), v, "{r:?}");
            assert!(!r.text().is_empty());
            assert!(!r.text().to_lowercase().contains("compid"));
        }
        assert_eq!(BadCredentials.text(), UnknownCompId.text(), "never says which part was wrong");
        let texts: std::collections::HashSet<_> = all[2..].iter().map(|r| r.text()).collect();
        assert_eq!(texts.len(), all.len() - 2, "every other refusal has its own text");
    }

    #[test]
    fn debug_never_shows_verifiers() {
        let record = CredentialRecord {
            user_id: "u".into(),
            sender_comp_id: "FP_U".into(),
            target_comp_id: "VENUE".into(),
            status: CredentialStatus::Active,
            verifier: [0xAB; 32],
            previous: Some(PreviousVerifier { verifier: [0xCD; 32], valid_until_unix_ms: 1 }),
            expires_unix_ms: None,
            created_unix_ms: 0,
            password_changed_unix_ms: 0,
            keys: Vec::new(),
            logon_policy: None,
            countries: None,
        };
        let debug = format!("{record:?}");
        assert!(!debug.contains("171") && !debug.contains("verifier"), "{debug}");
    }
}

//! Signed logons: the keys a user signs its Logon with, the logon policy of a tier or a user, the
//! canonical payload, and the replay cache.
//!
//! A venue asks high tiers for a second factor that a stolen password alone cannot give: the
//! client holds a key and signs its Logon's own header fields, and a freshness window on
//! SendingTime (52) with a cache of the signatures seen stops a replay. Modelled on Binance's FIX
//! API.
//!
//! **The canonical payload** is five fields of the Logon, as the peer sent them, joined by SOH
//! (0x01), with nothing before or after:
//!
//! ```text
//! MsgType(35) SOH SenderCompID(49) SOH TargetCompID(56) SOH MsgSeqNum(34) SOH SendingTime(52)
//! A\x01FP_ALICE\x01VENUE\x011\x0120261207-21:15:00.000
//! ```
//!
//! MsgSeqNum is written in decimal without leading zeros. The signature goes in RawData (96), in
//! standard base64 with padding (RawDataLength (95) is its length in characters): an Ed25519
//! signature (64 bytes, RFC 8032) of the payload under the user's registered key, or an
//! HMAC-SHA256 (32 bytes) of the payload keyed with the secret fixprov generated. The key's id
//! travels in Username (553). `docs/credentials.md` has a worked example with bytes.

use crate::error::{Error, Result};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use zeroize::Zeroize;

/// What a Logon must prove, for a tier or one user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum LogonPolicy {
    /// The password (554) only: the default.
    #[default]
    #[serde(rename = "password")]
    Password,
    /// A signature (96) by one of the user's live keys only; a password sent is not checked.
    #[serde(rename = "signature")]
    Signature,
    /// Both the password and a signature.
    #[serde(rename = "password+signature")]
    PasswordAndSignature,
}

impl LogonPolicy {
    /// Whether the password is checked.
    pub fn needs_password(self) -> bool {
        self != LogonPolicy::Signature
    }

    /// Whether a signature is required.
    pub fn needs_signature(self) -> bool {
        self != LogonPolicy::Password
    }

    /// Its name: "password", "signature" or "password+signature".
    pub fn name(self) -> &'static str {
        match self {
            LogonPolicy::Password => "password",
            LogonPolicy::Signature => "signature",
            LogonPolicy::PasswordAndSignature => "password+signature",
        }
    }

    /// The policy named `name`.
    pub fn parse(name: &str) -> Result<LogonPolicy> {
        match name {
            "password" => Ok(LogonPolicy::Password),
            "signature" => Ok(LogonPolicy::Signature),
            "password+signature" => Ok(LogonPolicy::PasswordAndSignature),
            _ => Err(Error::invalid("a logon policy is password, signature or password+signature")),
        }
    }
}

/// How a key signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// An Ed25519 public key the user registered; the user holds the private key.
    Ed25519,
    /// An HMAC-SHA256 secret fixprov generated and showed once; stored only sealed.
    HmacSha256,
}

/// One logon key of a user, as stored (sealed, inside the credential record).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogonKey {
    /// Its id, sent in Username (553): `lk_` and 16 hexadecimal digits.
    pub id: String,
    /// Ed25519 or HMAC-SHA256.
    pub kind: KeyKind,
    /// The Ed25519 public key, or the HMAC secret.
    pub material: [u8; 32],
    /// When it was added, milliseconds since the Unix epoch.
    pub created_unix_ms: u64,
    /// When it stops working; `None` never.
    pub expires_unix_ms: Option<u64>,
    /// The Ed25519 key decompressed, at its first use (4 us a logon saved): never stored.
    #[serde(skip)]
    pub(crate) verifying: std::sync::OnceLock<Option<ed25519_dalek::VerifyingKey>>,
}

impl PartialEq for LogonKey {
    fn eq(&self, other: &LogonKey) -> bool {
        // The cache is not part of the key.
        (&self.id, self.kind, &self.material, self.created_unix_ms, self.expires_unix_ms)
            == (&other.id, other.kind, &other.material, other.created_unix_ms, other.expires_unix_ms)
    }
}

impl Eq for LogonKey {}

impl Drop for LogonKey {
    fn drop(&mut self) {
        self.material.zeroize();
    }
}

impl std::fmt::Debug for LogonKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogonKey")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("expires_unix_ms", &self.expires_unix_ms)
            .finish_non_exhaustive()
    }
}

impl LogonKey {
    /// Whether it still works at `now_ms`.
    pub fn live(&self, now_ms: u64) -> bool {
        self.expires_unix_ms.is_none_or(|at| now_ms < at)
    }

    /// What a caller may read of it.
    pub fn info(&self, now_ms: u64) -> LogonKeyInfo {
        let public_key = (self.kind == KeyKind::Ed25519)
            .then(|| base64::engine::general_purpose::STANDARD.encode(self.material));
        LogonKeyInfo {
            key_id: self.id.clone(),
            kind: self.kind,
            public_key,
            created_unix_ms: self.created_unix_ms,
            expires_unix_ms: self.expires_unix_ms,
            live: self.live(now_ms),
        }
    }

    /// A key of `kind` with `material`, added at `created_unix_ms`.
    pub fn new(
        id: String,
        kind: KeyKind,
        material: [u8; 32],
        created_unix_ms: u64,
        expires: Option<u64>,
    ) -> LogonKey {
        LogonKey {
            id,
            kind,
            material,
            created_unix_ms,
            expires_unix_ms: expires,
            verifying: std::sync::OnceLock::new(),
        }
    }

    /// Whether `signature` (raw bytes) signs `payload` under this key; constant time for HMAC
    /// (`verify_slice`).
    ///
    /// Ed25519 is RFC 8032's cofactorless check with a canonical `s` (ed25519-dalek's `verify`):
    /// nobody without the private key can turn a captured signature into another valid one (a
    /// changed R changes the hash it is checked with), so the replay cache, keyed on the
    /// signature's bytes, cannot be walked around. Weak (small-order) public keys are refused when
    /// registered. `verify_strict` would add 7 us a logon on the 2-core AMD EPYC class for
    /// nothing more here (38 against 31 us, measured).
    pub fn verifies(&self, payload: &[u8], signature: &[u8]) -> bool {
        match self.kind {
            KeyKind::Ed25519 => {
                let key = self
                    .verifying
                    .get_or_init(|| ed25519_dalek::VerifyingKey::from_bytes(&self.material).ok());
                let Some(key) = key else { return false };
                let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                ed25519_dalek::Verifier::verify(key, payload, &signature).is_ok()
            }
            KeyKind::HmacSha256 => {
                use hmac::Mac;
                let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.material)
                    .expect("HMAC takes any key length");
                mac.update(payload);
                mac.verify_slice(signature).is_ok()
            }
        }
    }
}

/// A logon key as a caller sees it: never the HMAC secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LogonKeyInfo {
    /// The id to send in Username (553).
    pub key_id: String,
    /// "ed25519" or "hmac_sha256".
    pub kind: KeyKind,
    /// The Ed25519 public key in standard base64; `None` for an HMAC key.
    pub public_key: Option<String>,
    /// When it was added.
    pub created_unix_ms: u64,
    /// When it stops working; `None` never.
    pub expires_unix_ms: Option<u64>,
    /// Whether it works now.
    pub live: bool,
}

/// How many keys a user may have live at once: two, so a client can rotate without a gap.
pub const MAX_LIVE_KEYS: usize = 2;

/// A new key id: `lk_` and 16 hexadecimal digits from the OS CSPRNG.
pub fn new_key_id() -> String {
    let bits: u64 = rand::random();
    format!("lk_{bits:016x}")
}

/// Reads an Ed25519 public key given in standard base64 (44 characters), refusing anything that is
/// not a valid curve point, and the weak (small-order) keys.
pub fn parse_ed25519_public_key(text: &str) -> Result<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| Error::invalid("the public key is not standard base64"))?;
    let bytes: [u8; 32] =
        bytes.try_into().map_err(|_| Error::invalid("an Ed25519 public key is 32 bytes"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::invalid("the public key is not an Ed25519 point"))?;
    if key.is_weak() {
        return Err(Error::invalid("the public key is a weak (small-order) Ed25519 key"));
    }
    Ok(bytes)
}

/// The signed fields of a Logon (35=A), as the host parsed them.
#[derive(Clone, Copy)]
pub struct SignedLogon<'a> {
    /// MsgType (35): "A".
    pub msg_type: &'a str,
    /// MsgSeqNum (34).
    pub msg_seq_num: u64,
    /// SendingTime (52), a FIX UTCTimestamp as sent: `YYYYMMDD-HH:MM:SS` with optional `.sss`,
    /// `.ssssss` or `.sssssssss`.
    pub sending_time: &'a str,
    /// RawData (96): the signature in standard base64.
    pub raw_data: &'a [u8],
    /// The key id (Username 553).
    pub key_id: &'a str,
}

impl std::fmt::Debug for SignedLogon<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedLogon")
            .field("msg_seq_num", &self.msg_seq_num)
            .field("sending_time", &self.sending_time)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// Longest canonical payload: five fields of at most 64 bytes and four separators.
pub const MAX_PAYLOAD: usize = 5 * 64 + 4;

/// The canonical payload of a signed Logon (see the module's documentation), or `None` when a
/// field is too long to be one.
pub fn canonical_payload(
    msg_type: &str,
    sender_comp_id: &str,
    target_comp_id: &str,
    msg_seq_num: u64,
    sending_time: &str,
) -> Option<Vec<u8>> {
    if [msg_type, sender_comp_id, target_comp_id, sending_time].iter().any(|f| f.len() > 64) {
        return None;
    }
    let seq = msg_seq_num.to_string();
    let mut payload = Vec::with_capacity(MAX_PAYLOAD);
    for (i, field) in [msg_type, sender_comp_id, target_comp_id, &seq, sending_time].iter().enumerate() {
        if i > 0 {
            payload.push(0x01);
        }
        payload.extend_from_slice(field.as_bytes());
    }
    Some(payload)
}

/// Decodes RawData's base64 into the signature's bytes (at most 64), or `None`.
pub fn decode_signature(raw_data: &[u8]) -> Option<Vec<u8>> {
    if raw_data.len() > 128 {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(raw_data).ok().filter(|s| s.len() == 64 || s.len() == 32)
}

/// A FIX UTCTimestamp (`YYYYMMDD-HH:MM:SS[.sss|.ssssss|.sssssssss]`) in milliseconds since the
/// Unix epoch, or `None` when it is not one (a leap second, 60, is read as 59.999).
pub fn parse_sending_time(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 17 || b[8] != b'-' || b[11] != b':' || b[14] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u64, |n, d| d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0')))
    };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, mut second) = (num(9..11)?, num(12..14)?, num(15..17)?);
    let mut millis = 0;
    match b.len() {
        17 => {}
        21 | 24 | 27 if b[17] == b'.' => {
            let fraction = num(18..b.len())?;
            millis = fraction / 10u64.pow(b.len() as u32 - 21);
        }
        _ => return None,
    }
    let days_in_month = [31, 28 + u64::from(is_leap(year)), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month[month as usize - 1]
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    if second == 60 {
        second = 59;
        millis = 999;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1_000 + millis)
}

fn is_leap(year: u64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days since 1970-01-01 of a date from 1970 on (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// What the replay caches (this engine's, and a fleet's shared table) key a signature by: SHA-256
/// of the key id's length, the key id and the signature's bytes.
pub fn replay_digest(key_id: &str, signature: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut digest = sha2::Sha256::new();
    digest.update((key_id.len() as u64).to_le_bytes());
    digest.update(key_id.as_bytes());
    digest.update(signature);
    digest.finalize().into()
}

/// Most signatures the replay cache holds: each is a logon that passed its signature check within
/// the freshness window, so only a key's holder can fill it; a full cache refuses signed logons
/// (fail closed) until entries age out.
pub const REPLAY_CAPACITY: usize = 100_000;

/// The signatures seen within the freshness window, so each is accepted once.
///
/// An entry lives until its SendingTime leaves the window: after that the same signature is
/// refused as stale anyway, so forgetting it opens nothing. Memory is bounded by the capacity.
#[derive(Debug)]
pub struct ReplayCache {
    seen: HashMap<[u8; 32], u64>,
    /// (forget at, digest) in the order inserted; `forget at` is not monotonic across peers, so a
    /// pass removes every entry due at its head and leaves later ones for the next.
    order: VecDeque<(u64, [u8; 32])>,
    capacity: usize,
}

/// Why the replay cache refused a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayRefusal {
    /// Seen before, within its window.
    Replayed,
    /// The cache is full of signatures still in their window.
    Full,
}

impl ReplayCache {
    /// An empty cache holding at most `capacity` signatures.
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache { seen: HashMap::new(), order: VecDeque::new(), capacity }
    }

    /// Records `signature` of `key_id`, forgotten at `forget_at_ms`; refuses one seen before.
    pub fn insert(
        &mut self,
        key_id: &str,
        signature: &[u8],
        forget_at_ms: u64,
        now_ms: u64,
    ) -> std::result::Result<(), ReplayRefusal> {
        self.insert_digest(replay_digest(key_id, signature), forget_at_ms, now_ms)
    }

    /// [`ReplayCache::insert`] with the digest computed already.
    pub fn insert_digest(
        &mut self,
        digest: [u8; 32],
        forget_at_ms: u64,
        now_ms: u64,
    ) -> std::result::Result<(), ReplayRefusal> {
        self.expire(now_ms);
        if self.seen.get(&digest).is_some_and(|&at| at > now_ms) {
            return Err(ReplayRefusal::Replayed);
        }
        if self.seen.len() >= self.capacity {
            // Entries inserted out of time order may still be due behind the head.
            self.seen.retain(|_, at| *at > now_ms);
            self.order.retain(|(_, d)| self.seen.contains_key(d));
            if self.seen.len() >= self.capacity {
                return Err(ReplayRefusal::Full);
            }
        }
        self.seen.insert(digest, forget_at_ms);
        self.order.push_back((forget_at_ms, digest));
        Ok(())
    }

    /// Forgets the entries due by `now_ms` at the head of the insertion order.
    pub fn expire(&mut self, now_ms: u64) {
        while let Some(&(at, digest)) = self.order.front() {
            if at > now_ms {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&digest).is_some_and(|&a| a <= now_ms) {
                self.seen.remove(&digest);
            }
        }
    }

    /// How many signatures it holds.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    #[test]
    fn sending_times_parse_to_epoch_milliseconds() {
        assert_eq!(parse_sending_time("19700101-00:00:00"), Some(0));
        assert_eq!(parse_sending_time("20261207-21:15:00.123"), Some(1_796_678_100_123));
        assert_eq!(parse_sending_time("20261207-21:15:00.123456"), Some(1_796_678_100_123));
        assert_eq!(parse_sending_time("20261207-21:15:00.123456789"), Some(1_796_678_100_123));
        assert_eq!(parse_sending_time("20240229-00:00:00"), Some(1_709_164_800_000));
        assert_eq!(parse_sending_time("20161231-23:59:60"), Some(1_483_228_799_999));
        for bad in [
            "",
            "20261207-21:15",
            "20261207 21:15:00",
            "20261307-21:15:00",
            "20230229-00:00:00",
            "20261207-24:00:00",
            "20261207-21:15:00.1",
            "20261207-21:15:00.1234",
            "2026120-721:15:00",
            "+0261207-21:15:00",
            "20261207-21:15:00.12a",
        ] {
            assert_eq!(parse_sending_time(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_payload_is_five_fields_joined_by_soh() {
        let payload = canonical_payload("A", "FP_ALICE", "VENUE", 1, "20261207-21:15:00.000").unwrap();
        assert_eq!(payload, b"A\x01FP_ALICE\x01VENUE\x011\x0120261207-21:15:00.000");
        assert!(canonical_payload("A", &"x".repeat(65), "VENUE", 1, "t").is_none());
    }

    #[test]
    fn a_signature_is_accepted_once_within_its_window_and_memory_stays_bounded() {
        let mut cache = ReplayCache::new(1_000);
        assert_eq!(cache.insert("k", b"sig", 5_000, 0), Ok(()));
        assert_eq!(cache.insert("k", b"sig", 5_000, 4_999), Err(ReplayRefusal::Replayed));
        assert_eq!(cache.insert("k2", b"sig", 5_000, 1), Ok(()), "another key's same bytes");
        // A flood of distinct signatures: the cache never holds more than its capacity.
        let mut full = 0;
        for i in 0..10_000u64 {
            let now = 10 + i;
            match cache.insert("k", &i.to_le_bytes(), now + 5_000, now) {
                Ok(()) => {}
                Err(ReplayRefusal::Full) => full += 1,
                Err(ReplayRefusal::Replayed) => panic!("distinct signatures"),
            }
            assert!(cache.len() <= 1_000);
        }
        assert!(full > 0, "a flood inside one window fills the cache");
        // Once the window has passed, everything ages out.
        cache.expire(1_000_000);
        assert!(cache.is_empty());
        assert_eq!(cache.order.len(), 0);
        assert_eq!(cache.insert("k", b"sig", 1_005_000, 1_000_000), Ok(()));
    }

    #[test]
    fn keys_never_show_their_material() {
        let key = LogonKey::new("lk_0".into(), KeyKind::HmacSha256, [0xAB; 32], 0, None);
        let debug = format!("{key:?}");
        assert!(!debug.contains("171") && !debug.contains("material"), "{debug}");
        assert_eq!(key.info(0).public_key, None);
    }

    #[test]
    fn weak_and_malformed_public_keys_are_refused() {
        // The identity point (small order) and a non-point.
        let identity = base64::engine::general_purpose::STANDARD.encode({
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        });
        assert!(parse_ed25519_public_key(&identity).is_err());
        assert!(parse_ed25519_public_key("not base64!").is_err());
        assert!(
            parse_ed25519_public_key(&base64::engine::general_purpose::STANDARD.encode([1u8; 31])).is_err()
        );
        let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let good = base64::engine::general_purpose::STANDARD.encode(signing.verifying_key().to_bytes());
        assert!(parse_ed25519_public_key(&good).is_ok());
    }
}

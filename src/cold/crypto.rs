//! Envelope encryption for stored credentials (Vault-barrier style).
//!
//! * The master password is stretched with PBKDF2-HMAC-SHA256 ([`KdfParams`], at least
//!   [`MIN_PBKDF2_ITERATIONS`]) into a 32-byte key-encryption key ([`Kek`]).
//! * A random 32-byte data key ([`DataKey`]) is wrapped under the KEK with AES-256-GCM (AAD
//!   `fixprov/data-key/v1`, stored as `nonce(12) || ciphertext+tag`). Changing the master password
//!   re-wraps the data key; no record is re-encrypted.
//! * A [`Keyring`] derives two subkeys from the data key with HMAC-SHA256: a sealing key (records are
//!   AES-256-GCM sealed as `1 || nonce(12) || ciphertext+tag`, the record's identity as AAD) and a
//!   verifier key (a password verifier is HMAC-SHA256 of the password under it; passwords come from
//!   [`generate_password`], 256 random bits, so no slow hash is needed at logon).
//!
//! Every key and plaintext secret lives in a buffer that is zeroized on drop; no `Debug` output or
//! error message carries key or password bytes.
#![forbid(unsafe_code)]

use std::fmt;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, Key, KeyInit, Nonce, Tag};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::digest::generic_array::GenericArray;
use hmac::digest::FixedOutput;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

type HmacSha256 = Hmac<Sha256>;

/// The least PBKDF2-HMAC-SHA256 iteration count [`KdfParams::generate`] accepts (OWASP 2023).
pub const MIN_PBKDF2_ITERATIONS: u32 = 600_000;

/// The most PBKDF2 iterations a store may ask for (about 2-3 s of derivation here). A stored count
/// above it is refused as malformed: one flipped bit in it would otherwise make an open spin for
/// minutes before answering.
pub const MAX_PBKDF2_ITERATIONS: u32 = 20_000_000;

/// Bytes in a symmetric key (AES-256, HMAC-SHA256 subkeys).
const KEY_LEN: usize = 32;
/// Bytes in a PBKDF2 salt.
const SALT_LEN: usize = 16;
/// Bytes in an AES-GCM nonce (96 bits).
const NONCE_LEN: usize = 12;
/// Bytes in an AES-GCM authentication tag.
const TAG_LEN: usize = 16;
/// Length of a wrapped data key: `nonce || ciphertext || tag`.
const WRAPPED_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;
/// Version byte of a sealed record.
const SEAL_VERSION: u8 = 1;
/// Shortest sealed record: version, nonce and tag around an empty plaintext.
const SEALED_MIN_LEN: usize = 1 + NONCE_LEN + TAG_LEN;

/// AAD that binds a wrapped data key to its purpose.
const WRAP_AAD: &[u8] = b"fixprov/data-key/v1";
/// HMAC message that derives the sealing subkey from the data key.
const SEAL_LABEL: &[u8] = b"fixprov seal v1";
/// HMAC message that derives the verifier subkey from the data key.
const VERIFIER_LABEL: &[u8] = b"fixprov verifier v1";
const AUDIT_LABEL: &[u8] = b"fixprov audit v1";

/// Length of [`generate_password`]'s output: 32 bytes in unpadded base64.
const PASSWORD_LEN: usize = 43;

/// Why a cryptographic operation failed. Messages never contain key or password bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The wrapped data key did not authenticate under the KEK: the master password (or the stored
    /// KDF parameters or wrapped key) is wrong.
    #[error("wrong master password")]
    WrongMasterPassword,
    /// A sealed record failed authentication: a changed byte, a different identity (AAD), a
    /// truncation, or a different data key.
    #[error("a sealed record failed authentication (tampered or corrupted)")]
    Tampered,
    /// Key material or a sealed record has the wrong length, an unknown version or an invalid field.
    #[error("malformed key material")]
    Malformed,
    /// The requested PBKDF2 iteration count is below [`MIN_PBKDF2_ITERATIONS`] or above
    /// [`MAX_PBKDF2_ITERATIONS`].
    #[error("PBKDF2 iterations must be between 600,000 and 20,000,000")]
    WeakKdf,
}

/// 32 secret bytes on the heap (so moves copy only the pointer), zeroized on drop.
struct SecretKey(Box<[u8; KEY_LEN]>);

impl SecretKey {
    fn zeroed() -> Self {
        SecretKey(Box::new([0u8; KEY_LEN]))
    }

    fn random() -> Self {
        let mut key = SecretKey::zeroed();
        OsRng.fill_bytes(&mut key.0[..]);
        key
    }

    fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// An AES-256-GCM cipher under this key.
    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0[..]))
    }

    /// HMAC-SHA256 keyed by this key, written straight into a new secret buffer.
    fn hmac(&self, message: &[u8]) -> SecretKey {
        let mut out = SecretKey::zeroed();
        let mut mac = hmac_sha256(&self.0[..]);
        mac.update(message);
        FixedOutput::finalize_into(mac, GenericArray::from_mut_slice(&mut out.0[..]));
        out
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for SecretKey {}

fn hmac_sha256(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

fn random_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    nonce
}

/// PBKDF2 parameters stored next to the wrapped data key. Not secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Random per-store salt.
    pub salt: [u8; 16],
    /// PBKDF2-HMAC-SHA256 iteration count.
    pub iterations: u32,
}

impl KdfParams {
    /// Length of [`KdfParams::to_bytes`]: salt (16) then iterations (4, little-endian).
    pub const ENCODED_LEN: usize = SALT_LEN + 4;

    /// Fresh parameters with a random salt from the OS.
    ///
    /// # Errors
    /// [`CryptoError::WeakKdf`] when `iterations` is below [`MIN_PBKDF2_ITERATIONS`] or above
    /// [`MAX_PBKDF2_ITERATIONS`].
    pub fn generate(iterations: u32) -> Result<KdfParams, CryptoError> {
        if !(MIN_PBKDF2_ITERATIONS..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
            return Err(CryptoError::WeakKdf);
        }
        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        Ok(KdfParams { salt, iterations })
    }

    /// Encodes as `salt(16) || iterations (u32 little-endian)`.
    pub fn to_bytes(&self) -> [u8; 20] {
        let mut out = [0u8; Self::ENCODED_LEN];
        out[..SALT_LEN].copy_from_slice(&self.salt);
        out[SALT_LEN..].copy_from_slice(&self.iterations.to_le_bytes());
        out
    }

    /// Decodes [`KdfParams::to_bytes`] output. The iteration floor is enforced by
    /// [`KdfParams::generate`], not here, so stores written under an older floor still open; compare
    /// `iterations` with [`MIN_PBKDF2_ITERATIONS`] to decide on a re-wrap.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] when `bytes` is not exactly 20 bytes or the iteration count is 0.
    pub fn from_bytes(bytes: &[u8]) -> Result<KdfParams, CryptoError> {
        let bytes: &[u8; 20] = bytes.try_into().map_err(|_| CryptoError::Malformed)?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[..SALT_LEN]);
        let mut iterations = [0u8; 4];
        iterations.copy_from_slice(&bytes[SALT_LEN..]);
        let iterations = u32::from_le_bytes(iterations);
        if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS {
            return Err(CryptoError::Malformed);
        }
        Ok(KdfParams { salt, iterations })
    }
}

/// Key-encryption key: the master password stretched by PBKDF2. Zeroized on drop.
pub struct Kek(SecretKey);

impl Kek {
    /// PBKDF2-HMAC-SHA256 of `password` under `params` (deliberately slow: `params.iterations`
    /// rounds). Deterministic for the same password and parameters.
    pub fn derive(password: &[u8], params: &KdfParams) -> Kek {
        let mut key = SecretKey::zeroed();
        pbkdf2::pbkdf2_hmac::<Sha256>(password, &params.salt, params.iterations, &mut key.0[..]);
        Kek(key)
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl ZeroizeOnDrop for Kek {}

/// The random data key every record is (indirectly) encrypted under. Zeroized on drop.
pub struct DataKey(SecretKey);

impl DataKey {
    /// Length of [`DataKey::wrap`]'s output: nonce (12), encrypted key (32), tag (16).
    pub const WRAPPED_LEN: usize = WRAPPED_LEN;

    /// 32 fresh random bytes from the OS.
    pub fn generate() -> DataKey {
        DataKey(SecretKey::random())
    }

    /// Encrypts this key under `kek` with AES-256-GCM and a random nonce:
    /// `nonce(12) || ciphertext(32) || tag(16)`.
    pub fn wrap(&self, kek: &Kek) -> Vec<u8> {
        let nonce = random_nonce();
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(self.0.bytes());
        let tag = kek
            .0
            .cipher()
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), WRAP_AAD, &mut out[NONCE_LEN..])
            .expect("a 32-byte plaintext is within AES-GCM limits");
        out.extend_from_slice(&tag);
        out
    }

    /// Decrypts a [`DataKey::wrap`] output under `kek`.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] when `wrapped` is not [`DataKey::WRAPPED_LEN`] bytes;
    /// [`CryptoError::WrongMasterPassword`] when it does not authenticate (a wrong password, or
    /// altered parameters or blob: the two cannot be told apart).
    pub fn unwrap(kek: &Kek, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        if wrapped.len() != WRAPPED_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, rest) = wrapped.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(KEY_LEN);
        let mut key = SecretKey::zeroed();
        key.0.copy_from_slice(ciphertext);
        kek.0
            .cipher()
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                WRAP_AAD,
                &mut key.0[..],
                Tag::from_slice(tag),
            )
            .map_err(|_| CryptoError::WrongMasterPassword)?;
        Ok(DataKey(key))
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl ZeroizeOnDrop for DataKey {}

/// Whether two digests (token hashes, MACs) are equal, in constant time: `subtle`'s comparison,
/// which the optimizer cannot turn into an early exit on the first differing byte.
pub fn same_digest(a: &[u8; 32], b: &[u8; 32]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

/// The unlocked data key and its two subkeys: seals and opens records, computes password
/// verifiers. Zeroized on drop.
pub struct Keyring {
    dek: DataKey,
    seal_key: SecretKey,
    verifier_key: SecretKey,
    audit_key: SecretKey,
}

impl Keyring {
    /// Derives the sealing and verifier subkeys (HMAC-SHA256 under the data key) and keeps `dek`.
    pub fn new(dek: DataKey) -> Keyring {
        let seal_key = dek.0.hmac(SEAL_LABEL);
        let verifier_key = dek.0.hmac(VERIFIER_LABEL);
        let audit_key = dek.0.hmac(AUDIT_LABEL);
        Keyring { dek, seal_key, verifier_key, audit_key }
    }

    /// Encrypts `plaintext` with AES-256-GCM under the sealing key and a fresh random nonce, bound to
    /// `aad` (the record's identity, e.g. `b"credentials/42/alice"`). Output:
    /// `1 || nonce(12) || ciphertext || tag(16)`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = random_nonce();
        // Exact capacity: the plaintext is copied once and encrypted in place, never reallocated.
        let mut out = Vec::with_capacity(SEALED_MIN_LEN + plaintext.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self
            .seal_key
            .cipher()
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), aad, &mut out[1 + NONCE_LEN..])
            .expect("record within AES-GCM limits (64 GiB)");
        out.extend_from_slice(&tag);
        out
    }

    /// Decrypts a [`Keyring::seal`] output that was sealed with the same `aad`.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for input shorter than 29 bytes or an unknown version byte;
    /// [`CryptoError::Tampered`] for any authentication failure (changed byte, other `aad`,
    /// truncated or extended record, other data key).
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < SEALED_MIN_LEN || sealed[0] != SEAL_VERSION {
            return Err(CryptoError::Malformed);
        }
        let (nonce, rest) = sealed[1..].split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut buf = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
        buf.extend_from_slice(ciphertext);
        self.seal_key
            .cipher()
            .decrypt_in_place_detached(Nonce::from_slice(nonce), aad, &mut buf[..], Tag::from_slice(tag))
            .map_err(|_| CryptoError::Tampered)?;
        Ok(buf)
    }

    /// HMAC-SHA256 of `parts`, in order, under the audit subkey: the link of the audit log's chain,
    /// which nobody without the master password can recompute after editing a record.
    pub fn audit_mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = hmac_sha256(&self.audit_key.0[..]);
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// HMAC-SHA256 of `password` under the verifier key: what is stored instead of the password.
    pub fn verifier(&self, password: &[u8]) -> [u8; 32] {
        let mut mac = hmac_sha256(&self.verifier_key.0[..]);
        mac.update(password);
        mac.finalize().into_bytes().into()
    }

    /// Whether `password` matches a stored [`Keyring::verifier`] output, in constant time.
    pub fn verify(&self, password: &[u8], expected: &[u8; 32]) -> bool {
        #[cfg(feature = "test-hooks")]
        VERIFICATIONS.with(|n| n.set(n.get() + 1));
        let mut mac = hmac_sha256(&self.verifier_key.0[..]);
        mac.update(password);
        mac.verify_slice(expected).is_ok()
    }

    /// The data key, to re-wrap under a new KEK when the master password changes.
    pub fn data_key(&self) -> &DataKey {
        &self.dek
    }
}

#[cfg(feature = "test-hooks")]
thread_local! {
    static VERIFICATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Test hook: how many password verifications (HMACs) this thread has computed, so tests can show
/// that every logon path costs the same work.
#[cfg(feature = "test-hooks")]
pub fn verifications_on_this_thread() -> u64 {
    VERIFICATIONS.with(|n| n.get())
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keyring(..)")
    }
}

impl ZeroizeOnDrop for Keyring {}

/// A new machine-generated password: 32 random bytes from the OS (256 bits) in unpadded base64url,
/// 43 characters of `A-Z a-z 0-9 - _` (printable, no SOH, no `=`: safe in a FIX field).
pub fn generate_password() -> Zeroizing<String> {
    let raw = SecretKey::random();
    let mut encoded = Zeroizing::new([0u8; PASSWORD_LEN]);
    let n = URL_SAFE_NO_PAD
        .encode_slice(raw.bytes(), &mut encoded[..])
        .expect("43 bytes hold 32 bytes of unpadded base64");
    debug_assert_eq!(n, PASSWORD_LEN);
    let mut out = Zeroizing::new(String::with_capacity(PASSWORD_LEN));
    out.push_str(std::str::from_utf8(&encoded[..n]).expect("base64 output is ASCII"));
    out
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    #[test]
    fn digests_compare_whole_in_constant_time() {
        let a = [7u8; 32];
        assert!(same_digest(&a, &a.clone()));
        for i in [0, 15, 31] {
            let mut b = a;
            b[i] ^= 0x80;
            assert!(!same_digest(&a, &b), "byte {i}");
        }
    }

    /// Cheap parameters for tests that do not exercise the iteration floor.
    fn fast_params(salt_byte: u8) -> KdfParams {
        KdfParams { salt: [salt_byte; 16], iterations: 1_000 }
    }

    fn keyring() -> Keyring {
        Keyring::new(DataKey::generate())
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn kek_derivation_is_deterministic_and_input_sensitive() {
        let params = fast_params(1);
        let a = Kek::derive(b"correct horse", &params);
        let b = Kek::derive(b"correct horse", &params);
        assert_eq!(a.0.bytes(), b.0.bytes());
        assert_ne!(a.0.bytes(), &[0u8; 32]);

        let other_password = Kek::derive(b"correct horsf", &params);
        assert_ne!(a.0.bytes(), other_password.0.bytes());

        let other_salt = Kek::derive(b"correct horse", &fast_params(2));
        assert_ne!(a.0.bytes(), other_salt.0.bytes());

        let other_iterations = Kek::derive(b"correct horse", &KdfParams { iterations: 1_001, ..params });
        assert_ne!(a.0.bytes(), other_iterations.0.bytes());

        // Same as the PBKDF2-HMAC-SHA256 reference implementation.
        let mut expected = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(b"correct horse", &params.salt, params.iterations, &mut expected);
        assert_eq!(a.0.bytes(), &expected);
    }

    #[test]
    fn full_strength_envelope_round_trip() {
        // The only test at the real iteration count (one derivation; slow in debug builds): generate
        // parameters, persist them, derive from the decoded copy, wrap, unwrap, open.
        let params = KdfParams::generate(MIN_PBKDF2_ITERATIONS).unwrap();
        let stored = KdfParams::from_bytes(&params.to_bytes()).unwrap();
        assert_eq!(stored, params);
        let kek = Kek::derive(b"master password", &stored);
        assert_ne!(kek.0.bytes(), &[0u8; 32]);

        let ring = Keyring::new(DataKey::generate());
        let sealed = ring.seal(b"credentials/1/alice", b"s3cret");
        let wrapped = ring.data_key().wrap(&kek);
        let ring2 = Keyring::new(DataKey::unwrap(&kek, &wrapped).unwrap());
        assert_eq!(&ring2.open(b"credentials/1/alice", &sealed).unwrap()[..], b"s3cret");
    }

    #[test]
    fn wrap_unwrap_round_trip() {
        let kek = Kek::derive(b"pw", &fast_params(3));
        let dek = DataKey::generate();
        let wrapped = dek.wrap(&kek);
        assert_eq!(wrapped.len(), DataKey::WRAPPED_LEN);
        assert_eq!(wrapped.len(), 60);
        // The key does not appear in the clear.
        assert!(!wrapped.windows(32).any(|w| w == dek.0.bytes()));
        let back = DataKey::unwrap(&kek, &wrapped).unwrap();
        assert_eq!(back.0.bytes(), dek.0.bytes());
        // Fresh nonce per wrap.
        assert_ne!(dek.wrap(&kek), wrapped);
    }

    #[test]
    fn unwrap_with_wrong_password_is_wrong_master_password() {
        let params = fast_params(4);
        let wrapped = DataKey::generate().wrap(&Kek::derive(b"right", &params));
        let err = DataKey::unwrap(&Kek::derive(b"wrong", &params), &wrapped).unwrap_err();
        assert_eq!(err, CryptoError::WrongMasterPassword);
        let err = DataKey::unwrap(&Kek::derive(b"right", &fast_params(5)), &wrapped).unwrap_err();
        assert_eq!(err, CryptoError::WrongMasterPassword);
    }

    #[test]
    fn unwrap_rejects_wrong_length_and_altered_blob() {
        let kek = Kek::derive(b"pw", &fast_params(6));
        let wrapped = DataKey::generate().wrap(&kek);
        for len in [0, 1, 12, 44, 59] {
            assert_eq!(DataKey::unwrap(&kek, &wrapped[..len]).unwrap_err(), CryptoError::Malformed);
        }
        let mut longer = wrapped.clone();
        longer.push(0);
        assert_eq!(DataKey::unwrap(&kek, &longer).unwrap_err(), CryptoError::Malformed);
        for i in 0..wrapped.len() {
            let mut bad = wrapped.clone();
            bad[i] ^= 0x01;
            assert_eq!(DataKey::unwrap(&kek, &bad).unwrap_err(), CryptoError::WrongMasterPassword);
        }
    }

    #[test]
    fn seal_open_round_trip() {
        let ring = keyring();
        for plaintext in [&b""[..], b"x", b"a 43-char machine password goes here......", &[0u8; 1000][..]] {
            let sealed = ring.seal(b"credentials/42/alice", plaintext);
            assert_eq!(sealed.len(), 1 + 12 + plaintext.len() + 16);
            assert_eq!(sealed[0], 1);
            let opened = ring.open(b"credentials/42/alice", &sealed).unwrap();
            assert_eq!(&opened[..], plaintext);
        }
    }

    #[test]
    fn keyring_from_unwrapped_key_opens_old_records() {
        let kek = Kek::derive(b"pw", &fast_params(7));
        let ring = keyring();
        let sealed = ring.seal(b"id", b"payload");
        let verifier = ring.verifier(b"user password");
        let wrapped = ring.data_key().wrap(&kek);
        drop(ring);

        // Master password change: re-wrap the same data key under a new KEK.
        let new_kek = Kek::derive(b"new pw", &fast_params(8));
        let rewrapped = DataKey::unwrap(&kek, &wrapped).unwrap().wrap(&new_kek);
        let ring2 = Keyring::new(DataKey::unwrap(&new_kek, &rewrapped).unwrap());
        assert_eq!(&ring2.open(b"id", &sealed).unwrap()[..], b"payload");
        assert!(ring2.verify(b"user password", &verifier));

        // A different data key opens nothing.
        assert_eq!(keyring().open(b"id", &sealed).unwrap_err(), CryptoError::Tampered);
        assert!(!keyring().verify(b"user password", &verifier));
    }

    #[test]
    fn subkeys_are_distinct_from_each_other_and_the_data_key() {
        let ring = keyring();
        let dek = ring.dek.0.bytes();
        assert_ne!(ring.seal_key.bytes(), dek);
        assert_ne!(ring.verifier_key.bytes(), dek);
        assert_ne!(ring.seal_key.bytes(), ring.verifier_key.bytes());
        let mut mac = hmac_sha256(dek);
        mac.update(b"fixprov seal v1");
        assert_eq!(&ring.seal_key.bytes()[..], &mac.finalize().into_bytes()[..]);
    }

    #[test]
    fn two_seals_of_same_plaintext_differ() {
        let ring = keyring();
        let a = ring.seal(b"id", b"same plaintext");
        let b = ring.seal(b"id", b"same plaintext");
        assert_ne!(a, b);
        assert_ne!(a[1..13], b[1..13], "nonces must differ");
        assert_eq!(&ring.open(b"id", &a).unwrap()[..], &ring.open(b"id", &b).unwrap()[..]);
    }

    #[test]
    fn every_flipped_byte_is_rejected() {
        let ring = keyring();
        let sealed = ring.seal(b"credentials/42/alice", b"secret password bytes");
        for i in 0..sealed.len() {
            for mask in [0x01u8, 0x80, 0xff] {
                let mut bad = sealed.clone();
                bad[i] ^= mask;
                let err = ring.open(b"credentials/42/alice", &bad).unwrap_err();
                let expected = if i == 0 { CryptoError::Malformed } else { CryptoError::Tampered };
                assert_eq!(err, expected, "byte {i} mask {mask:#04x}");
            }
        }
    }

    #[test]
    fn open_with_other_aad_is_tampered() {
        let ring = keyring();
        let sealed = ring.seal(b"credentials/42/alice", b"pw");
        for aad in [&b"credentials/42/mallory"[..], b"credentials/43/alice", b"", b"credentials/42/alice\0"] {
            assert_eq!(ring.open(aad, &sealed).unwrap_err(), CryptoError::Tampered);
        }
    }

    #[test]
    fn truncated_or_extended_input_is_rejected() {
        let ring = keyring();
        let sealed = ring.seal(b"id", b"0123456789");
        for len in 0..sealed.len() {
            let err = ring.open(b"id", &sealed[..len]).unwrap_err();
            let expected = if len < 29 { CryptoError::Malformed } else { CryptoError::Tampered };
            assert_eq!(err, expected, "length {len}");
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert_eq!(ring.open(b"id", &longer).unwrap_err(), CryptoError::Tampered);
        // Unknown version with otherwise valid length.
        let mut v2 = sealed;
        v2[0] = 2;
        assert_eq!(ring.open(b"id", &v2).unwrap_err(), CryptoError::Malformed);
    }

    #[test]
    fn verifier_accepts_right_password_only() {
        let ring = keyring();
        let password = generate_password();
        let v = ring.verifier(password.as_bytes());
        assert_eq!(v, ring.verifier(password.as_bytes()));
        assert!(ring.verify(password.as_bytes(), &v));

        let mut one_bit = password.as_bytes().to_vec();
        one_bit[0] ^= 0x01;
        assert!(!ring.verify(&one_bit, &v));
        assert_ne!(ring.verifier(&one_bit), v);

        let mut bad_v = v;
        bad_v[31] ^= 0x01;
        assert!(!ring.verify(password.as_bytes(), &bad_v));
        assert!(!ring.verify(b"", &v));
    }

    #[test]
    fn generate_password_is_43_url_safe_chars_and_unique() {
        let a = generate_password();
        let b = generate_password();
        for p in [&a, &b] {
            assert_eq!(p.len(), 43);
            assert!(p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{}", **p);
            assert!(!p.contains('='));
            assert!(!p.contains('\x01'));
            assert_eq!(URL_SAFE_NO_PAD.decode(p.as_bytes()).unwrap().len(), 32);
        }
        assert_ne!(*a, *b);
    }

    #[test]
    fn kdf_params_round_trip_and_floor() {
        let p = KdfParams::generate(MIN_PBKDF2_ITERATIONS).unwrap();
        assert_eq!(p.iterations, 600_000);
        let bytes = p.to_bytes();
        assert_eq!(bytes.len(), KdfParams::ENCODED_LEN);
        assert_eq!(&bytes[..16], &p.salt);
        assert_eq!(&bytes[16..], &600_000u32.to_le_bytes());
        assert_eq!(KdfParams::from_bytes(&bytes).unwrap(), p);
        assert_ne!(KdfParams::generate(MIN_PBKDF2_ITERATIONS).unwrap().salt, p.salt);
        assert_eq!(KdfParams::generate(1_000_000).unwrap().iterations, 1_000_000);

        assert_eq!(KdfParams::generate(599_999).unwrap_err(), CryptoError::WeakKdf);
        assert_eq!(KdfParams::generate(0).unwrap_err(), CryptoError::WeakKdf);

        assert_eq!(KdfParams::from_bytes(&bytes[..19]).unwrap_err(), CryptoError::Malformed);
        assert_eq!(KdfParams::from_bytes(&[0u8; 21]).unwrap_err(), CryptoError::Malformed);
        assert_eq!(KdfParams::from_bytes(&[]).unwrap_err(), CryptoError::Malformed);
        let mut zero_iterations = bytes;
        zero_iterations[16..].fill(0);
        assert_eq!(KdfParams::from_bytes(&zero_iterations).unwrap_err(), CryptoError::Malformed);
    }

    #[test]
    fn debug_output_contains_no_key_bytes() {
        let kek = Kek::derive(b"pw", &fast_params(9));
        let ring = keyring();
        let cases: [(String, &[u8; 32], &str); 4] = [
            (format!("{kek:?}"), kek.0.bytes(), "Kek(..)"),
            (format!("{:?}", ring.data_key()), ring.dek.0.bytes(), "DataKey(..)"),
            (format!("{ring:?}"), ring.seal_key.bytes(), "Keyring(..)"),
            (format!("{ring:#?}"), ring.verifier_key.bytes(), "Keyring(..)"),
        ];
        for (shown, key, expected) in &cases {
            assert_eq!(shown, expected);
            assert!(!shown.to_lowercase().contains(&hex(&key[..])));
            assert!(!shown.contains(&format!("{:?}", &key[..4])));
        }
    }

    #[test]
    fn error_messages_are_fixed_strings() {
        assert_eq!(CryptoError::WrongMasterPassword.to_string(), "wrong master password");
        assert_eq!(
            CryptoError::Tampered.to_string(),
            "a sealed record failed authentication (tampered or corrupted)"
        );
        assert_eq!(CryptoError::Malformed.to_string(), "malformed key material");
        assert_eq!(
            CryptoError::WeakKdf.to_string(),
            "PBKDF2 iterations must be between 600,000 and 20,000,000"
        );
        assert_eq!(KdfParams::generate(MAX_PBKDF2_ITERATIONS + 1).unwrap_err(), CryptoError::WeakKdf);
        let mut bytes = KdfParams::generate(MIN_PBKDF2_ITERATIONS).unwrap().to_bytes();
        bytes[SALT_LEN + 3] ^= 0x80;
        assert_eq!(KdfParams::from_bytes(&bytes).unwrap_err(), CryptoError::Malformed, "a flipped high bit");
    }
}

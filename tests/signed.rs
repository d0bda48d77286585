//! Signed logons through the Rust API: Ed25519 and HMAC keys, each refusal (missing, wrong key,
//! revoked, expired, stale, ahead, replayed), rotation with two live keys, tier and user policies,
//! what survives a reopen, what the audit log says (never a secret), the replay cache's bound, and
//! signatures made by an independent implementation (the OpenSSL command line).

mod common;

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use fixprov::{
    Config, Engine, KeyKind, LogonPolicy, LogonRefusal, LogonRequest, Secret, SignedLogon, MAX_LIVE_KEYS,
};
use hmac::Mac;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn engine_with(config: Config) -> Engine {
    Engine::open(Config { default_rules: false, logon_rate: None, ..config }).unwrap()
}

fn engine() -> Engine {
    engine_with(Config::default())
}

struct User {
    id: String,
    sender: String,
    password: Vec<u8>,
}

fn provision(engine: &Engine, user: &str, tier: &str) -> User {
    let c = engine.access().provision(user, Some(tier)).unwrap();
    User { id: user.into(), sender: c.sender_comp_id, password: c.password.expose().to_vec() }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

fn payload(sender: &str, seq: u64, time: &str) -> Vec<u8> {
    format!("A\x01{sender}\x01FIXPROV\x01{seq}\x01{time}").into_bytes()
}

/// How a test signs.
enum Signer_ {
    Ed(SigningKey),
    Hmac(Vec<u8>),
}

impl Signer_ {
    fn sign(&self, payload: &[u8]) -> String {
        match self {
            Signer_::Ed(key) => B64.encode(key.sign(payload).to_bytes()),
            Signer_::Hmac(secret) => {
                let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).unwrap();
                mac.update(payload);
                B64.encode(mac.finalize().into_bytes())
            }
        }
    }
}

struct Signed {
    key_id: String,
    seq: u64,
    time: String,
    raw: String,
}

fn signed(user: &User, key_id: &str, signer: &Signer_, seq: u64, at_ms: u64) -> Signed {
    let time = common::sending_time(at_ms);
    let raw = signer.sign(&payload(&user.sender, seq, &time));
    Signed { key_id: key_id.into(), seq, time, raw }
}

fn logon_signed(engine: &Engine, user: &User, password: &[u8], s: &Signed) -> Result<u64, LogonRefusal> {
    engine.access().logon_signed(
        &LogonRequest {
            sender_comp_id: &user.sender,
            target_comp_id: "FIXPROV",
            password,
            username: None,
            peer: Some("192.0.2.7".parse().unwrap()),
        },
        &SignedLogon {
            msg_type: "A",
            msg_seq_num: s.seq,
            sending_time: &s.time,
            raw_data: s.raw.as_bytes(),
            key_id: &s.key_id,
        },
    )
}

fn logon_password(engine: &Engine, user: &User) -> Result<u64, LogonRefusal> {
    engine.access().logon(&LogonRequest {
        sender_comp_id: &user.sender,
        target_comp_id: "FIXPROV",
        password: &user.password,
        username: None,
        peer: Some("192.0.2.7".parse().unwrap()),
    })
}

fn ed_key(engine: &Engine, user: &User, seed: u8) -> (String, Signer_) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let info = engine
        .access()
        .add_ed25519_key(&user.id, None, &B64.encode(key.verifying_key().to_bytes()), None)
        .unwrap();
    assert_eq!(info.kind, KeyKind::Ed25519);
    (info.key_id, Signer_::Ed(key))
}

fn close(engine: &Engine, session: u64) {
    engine.sessions().close(session).unwrap();
}

#[test]
fn a_signature_tier_takes_a_signed_logon_and_refuses_each_bad_one_with_its_own_answer() {
    // Nine failures lock the (CompID, address) pair out: this test makes eight, then one more.
    let logon_attempts = fixprov::AttemptPolicy { max_failures: 9, ..Default::default() };
    let engine = engine_with(Config { logon_attempts, ..Config::default() });
    engine.access().set_tier_logon_policy("premium", LogonPolicy::PasswordAndSignature).unwrap();
    let alice = provision(&engine, "alice", "premium");
    let (key, signer) = ed_key(&engine, &alice, 7);
    let now = now_ms();

    // Password only: refused, and told what is missing (the password was right).
    assert_eq!(logon_password(&engine, &alice), Err(LogonRefusal::SignatureRequired));
    // Signed and fresh: accepted.
    let good = signed(&alice, &key, &signer, 1, now);
    close(&engine, logon_signed(&engine, &alice, &alice.password, &good).unwrap());
    // The same Logon again: a replay.
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &good), Err(LogonRefusal::ReplayedSignature));
    // Stale (6 s old), and too far ahead (2 s): refused before the signature is looked at.
    let stale = signed(&alice, &key, &signer, 2, now - 6_000);
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &stale), Err(LogonRefusal::StaleSignature));
    let ahead = signed(&alice, &key, &signer, 3, now_ms() + 2_000);
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &ahead), Err(LogonRefusal::StaleSignature));
    // Signed by another key under alice's key id; an unknown key id; RawData that is not base64;
    // a field changed after signing (the sequence number).
    let wrong = signed(&alice, &key, &Signer_::Ed(SigningKey::from_bytes(&[8; 32])), 4, now_ms());
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &wrong), Err(LogonRefusal::BadSignature));
    let unknown = signed(&alice, "lk_0000000000000000", &signer, 5, now_ms());
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &unknown), Err(LogonRefusal::BadSignature));
    let garbage = Signed { raw: "not base64!".into(), ..signed(&alice, &key, &signer, 6, now_ms()) };
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &garbage), Err(LogonRefusal::BadSignature));
    let moved = Signed { seq: 8, ..signed(&alice, &key, &signer, 7, now_ms()) };
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &moved), Err(LogonRefusal::BadSignature));
    // A good signature with a wrong password: the password's answer, which says nothing more.
    let good2 = signed(&alice, &key, &signer, 9, now_ms());
    assert_eq!(logon_signed(&engine, &alice, b"wrong", &good2), Err(LogonRefusal::BadCredentials));
    // Each refusal has its own text; the ones a guesser could meet send 1409=5.
    for (refusal, status) in [
        (LogonRefusal::SignatureRequired, 5),
        (LogonRefusal::BadSignature, 5),
        (LogonRefusal::ReplayedSignature, 5),
        (LogonRefusal::StaleSignature, 7),
    ] {
        assert_eq!(refusal.session_status(), status, "{refusal:?}");
    }
    // The refused signed logons count as failed attempts: the ninth locks the (CompID, address)
    // pair out, and then even a good signature and password are refused.
    let another = signed(&alice, &key, &Signer_::Ed(SigningKey::from_bytes(&[8; 32])), 10, now_ms());
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &another), Err(LogonRefusal::BadSignature));
    let fresh = signed(&alice, &key, &signer, 11, now_ms());
    assert_eq!(logon_signed(&engine, &alice, &alice.password, &fresh), Err(LogonRefusal::LockedOut));
}

#[test]
fn rotation_keeps_two_keys_live_and_revocation_is_immediate() {
    let engine = engine();
    let bob = provision(&engine, "bob", "basic");
    engine.access().set_logon_policy("bob", Some(LogonPolicy::Signature)).unwrap();
    let (old, old_signer) = ed_key(&engine, &bob, 1);
    let generated = engine.access().generate_hmac_key("bob", None, None).unwrap();
    assert_eq!(generated.key.kind, KeyKind::HmacSha256);
    assert_eq!(generated.key.public_key, None);
    let secret = B64.decode(generated.secret.expose()).unwrap();
    assert_eq!(secret.len(), 32);
    let new_signer = Signer_::Hmac(secret);
    let new = generated.key.key_id.clone();
    // A third live key is refused: at most two, for rotation.
    let third = SigningKey::from_bytes(&[3; 32]);
    let err = engine
        .access()
        .add_ed25519_key("bob", None, &B64.encode(third.verifying_key().to_bytes()), None)
        .unwrap_err();
    assert!(err.to_string().contains("revoke one first"), "{err}");
    assert_eq!(MAX_LIVE_KEYS, 2);
    // Both live keys work; the policy is `signature`, so no password is needed.
    for (i, (key, signer)) in [(&old, &old_signer), (&new, &new_signer)].into_iter().enumerate() {
        let s = signed(&bob, key, signer, 1 + i as u64, now_ms());
        close(&engine, logon_signed(&engine, &bob, b"", &s).unwrap());
    }
    // Without a signature: refused.
    assert_eq!(logon_password(&engine, &bob), Err(LogonRefusal::SignatureRequired));
    // The old key revoked: refused at once; the new one still works.
    engine.access().revoke_key("bob", &old).unwrap();
    let s = signed(&bob, &old, &old_signer, 3, now_ms());
    assert_eq!(logon_signed(&engine, &bob, b"", &s), Err(LogonRefusal::BadSignature));
    let s = signed(&bob, &new, &new_signer, 4, now_ms());
    close(&engine, logon_signed(&engine, &bob, b"", &s).unwrap());
    assert!(engine.access().revoke_key("bob", &old).is_err(), "already revoked");
    // Back to the tier's policy (password): the password alone logs on again.
    engine.access().set_logon_policy("bob", None).unwrap();
    close(&engine, logon_password(&engine, &bob).unwrap());
    // What a caller reads: the keys, never the HMAC secret.
    let info = engine.access().credentials("bob").unwrap();
    assert_eq!(info.logon_policy, LogonPolicy::Password);
    assert_eq!(info.logon_keys.len(), 1);
    let shown = serde_json::to_string(&info).unwrap();
    assert!(!shown.contains(generated.secret.expose_str()), "{shown}");
}

trait ExposeStr {
    fn expose_str(&self) -> &str;
}

impl ExposeStr for Secret {
    fn expose_str(&self) -> &str {
        std::str::from_utf8(self.expose()).unwrap()
    }
}

#[test]
fn an_expired_key_stops_working_and_a_past_expiry_is_refused() {
    let engine = engine();
    let carol = provision(&engine, "carol", "basic");
    engine.access().set_logon_policy("carol", Some(LogonPolicy::PasswordAndSignature)).unwrap();
    let key = SigningKey::from_bytes(&[5; 32]);
    let public = B64.encode(key.verifying_key().to_bytes());
    assert!(engine.access().add_ed25519_key("carol", None, &public, Some(now_ms() - 1)).is_err());
    let info = engine.access().add_ed25519_key("carol", None, &public, Some(now_ms() + 300)).unwrap();
    let signer = Signer_::Ed(key);
    let s = signed(&carol, &info.key_id, &signer, 1, now_ms());
    close(&engine, logon_signed(&engine, &carol, &carol.password, &s).unwrap());
    std::thread::sleep(Duration::from_millis(350));
    let s = signed(&carol, &info.key_id, &signer, 2, now_ms());
    assert_eq!(logon_signed(&engine, &carol, &carol.password, &s), Err(LogonRefusal::BadSignature));
    assert!(!engine.access().logon_keys("carol").unwrap()[0].live);
    // Bad public keys: a clear error, nothing added.
    for bad in ["", "AAAA", "not base64", &B64.encode([0u8; 33])] {
        assert!(engine.access().add_ed25519_key("carol", None, bad, None).is_err(), "{bad:?}");
    }
    assert!(engine.access().add_ed25519_key("nobody", None, &public, None).is_err());
}

#[test]
fn the_replay_cache_stays_bounded_under_a_flood_and_forgets_signatures_whose_window_passed() {
    let engine = engine_with(Config { logon_window_back: Duration::from_millis(300), ..Config::default() });
    engine.access().set_tier_logon_policy("basic", LogonPolicy::Signature).unwrap();
    let dave = provision(&engine, "dave", "basic");
    let (key, signer) = ed_key(&engine, &dave, 9);
    for seq in 1..=2_000 {
        let s = signed(&dave, &key, &signer, seq, now_ms());
        close(&engine, logon_signed(&engine, &dave, b"", &s).unwrap());
    }
    let held = engine.access().replay_cache_len();
    assert!(held > 0 && held <= 2_000, "{held}");
    std::thread::sleep(Duration::from_millis(400));
    let s = signed(&dave, &key, &signer, 2_001, now_ms());
    close(&engine, logon_signed(&engine, &dave, b"", &s).unwrap());
    assert_eq!(engine.access().replay_cache_len(), 1, "everything older than the window is forgotten");
    // A forgotten signature is still refused: it is stale now.
    let old = signed(&dave, &key, &signer, 1, now_ms() - 400);
    assert_eq!(logon_signed(&engine, &dave, b"", &old), Err(LogonRefusal::StaleSignature));
}

#[test]
fn a_password_tier_ignores_signatures_and_an_unknown_comp_id_answers_as_before() {
    let engine = engine();
    let erin = provision(&engine, "erin", "basic");
    let (key, signer) = ed_key(&engine, &erin, 4);
    // Policy password (the default): a bad signature beside the right password is not looked at.
    let bad = Signed { raw: "AAAA".into(), ..signed(&erin, &key, &signer, 1, now_ms()) };
    close(&engine, logon_signed(&engine, &erin, &erin.password, &bad).unwrap());
    let ghost = User { id: "ghost".into(), sender: "FP_GHOST".into(), password: b"x".to_vec() };
    let s = signed(&ghost, &key, &signer, 1, now_ms());
    assert_eq!(logon_signed(&engine, &ghost, b"x", &s), Err(LogonRefusal::UnknownCompId));
    let policies = engine.access().logon_policies();
    assert_eq!(policies.tiers["basic"], LogonPolicy::Password);
    assert!(policies.users.is_empty());
    assert!(engine.access().set_tier_logon_policy("no-such-tier", LogonPolicy::Signature).is_err());
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("fixprov-signed-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stored(dir: &Path) -> Engine {
    engine_with(Config {
        data_dir: Some(dir.join("store")),
        master_password: Some(Secret::new(b"correct horse battery staple".to_vec())),
        ..Config::default()
    })
}

#[test]
fn keys_and_policies_survive_a_reopen_sealed_and_every_change_is_audited_without_a_secret() {
    let dir = TempDir::new("reopen");
    let (frank, key_id, secret) = {
        let engine = stored(&dir.0);
        engine.access().set_tier_logon_policy("premium", LogonPolicy::PasswordAndSignature).unwrap();
        let frank = provision(&engine, "frank", "premium");
        let generated = engine.access().generate_hmac_key("frank", Some("frank-hmac-1"), None).unwrap();
        let (revoked, _) = ed_key(&engine, &frank, 2);
        engine.access().revoke_key("frank", &revoked).unwrap();
        engine.access().set_logon_policy("frank", Some(LogonPolicy::PasswordAndSignature)).unwrap();
        let secret = generated.secret.expose().to_vec();
        (frank, generated.key.key_id, secret)
    };
    let engine = stored(&dir.0);
    let signer = Signer_::Hmac(B64.decode(&secret).unwrap());
    let s = signed(&frank, &key_id, &signer, 1, now_ms());
    close(&engine, logon_signed(&engine, &frank, &frank.password, &s).unwrap());
    assert_eq!(logon_password(&engine, &frank), Err(LogonRefusal::SignatureRequired));
    assert_eq!(engine.access().logon_policies().tiers["premium"], LogonPolicy::PasswordAndSignature);
    // The audit log: every change, the key ids, never the secret nor the signature.
    let records = engine.audit().query(&Default::default()).unwrap();
    let events: Vec<&str> = records.iter().map(|r| r.event.as_str()).collect();
    for event in
        ["logon_policy.tier", "credential.key_add", "credential.key_revoke", "credential.logon_policy"]
    {
        assert!(events.contains(&event), "{event} in {events:?}");
    }
    let all = serde_json::to_string(&records).unwrap();
    assert!(all.contains(&key_id));
    assert!(!all.contains(std::str::from_utf8(&secret).unwrap()));
    assert!(!all.contains(&s.raw), "RawData never reaches the audit log");
    drop(engine);
    // Nothing of the secret in clear in the store's files.
    let raw_secret = B64.decode(&secret).unwrap();
    for entry in std::fs::read_dir(dir.0.join("store")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_slice()));
        assert!(!bytes.windows(32).any(|w| w == raw_secret.as_slice()));
    }
}

/// Runs `openssl` with `args`; `None` when it is not installed (scripts/test.sh installs it).
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("openssl").args(args).output().expect("openssl is installed");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn signatures_made_by_openssl_are_accepted() {
    let dir = TempDir::new("openssl");
    let engine = engine();
    let grace = provision(&engine, "grace", "basic");
    engine.access().set_logon_policy("grace", Some(LogonPolicy::Signature)).unwrap();
    // Ed25519: OpenSSL makes the key and signs; its public key is the last 32 bytes of the DER
    // SubjectPublicKeyInfo.
    let pem = dir.0.join("key.pem");
    let pem = pem.to_str().unwrap();
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", pem]);
    let der = openssl(&["pkey", "-in", pem, "-pubout", "-outform", "DER"]);
    let public = B64.encode(&der[der.len() - 32..]);
    let ed = engine.access().add_ed25519_key("grace", None, &public, None).unwrap();
    let time = common::sending_time(now_ms());
    let data = dir.0.join("payload");
    std::fs::write(&data, payload(&grace.sender, 1, &time)).unwrap();
    let data = data.to_str().unwrap();
    let signature = openssl(&["pkeyutl", "-sign", "-inkey", pem, "-rawin", "-in", data]);
    assert_eq!(signature.len(), 64);
    let s = Signed { key_id: ed.key_id, seq: 1, time: time.clone(), raw: B64.encode(&signature) };
    close(&engine, logon_signed(&engine, &grace, b"", &s).unwrap());
    // HMAC-SHA256 with the secret fixprov generated, computed by OpenSSL.
    let generated = engine.access().generate_hmac_key("grace", None, None).unwrap();
    let hex: String =
        B64.decode(generated.secret.expose()).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    let time = common::sending_time(now_ms());
    std::fs::write(data, payload(&grace.sender, 2, &time)).unwrap();
    let mac =
        openssl(&["dgst", "-sha256", "-mac", "HMAC", "-macopt", &format!("hexkey:{hex}"), "-binary", data]);
    assert_eq!(mac.len(), 32);
    let s = Signed { key_id: generated.key.key_id, seq: 2, time, raw: B64.encode(&mac) };
    close(&engine, logon_signed(&engine, &grace, b"", &s).unwrap());
}

/// The worked example of docs/credentials.md: fixed key, fixed fields, the exact bytes and
/// signature the document shows.
#[test]
fn the_documented_example_holds() {
    let key = SigningKey::from_bytes(&[0x01; 32]);
    let payload = payload("FP_ALICE", 1, "20261207-21:15:00.000");
    assert_eq!(payload, b"A\x01FP_ALICE\x01FIXPROV\x011\x0120261207-21:15:00.000");
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/credentials.md")).unwrap();
    let public = B64.encode(key.verifying_key().to_bytes());
    let signature = B64.encode(key.sign(&payload).to_bytes());
    assert!(doc.contains(&public), "docs/credentials.md shows the public key {public}");
    assert!(doc.contains(&signature), "docs/credentials.md shows the signature {signature}");
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&[0x02; 32]).unwrap();
    mac.update(&payload);
    let hmac = B64.encode(mac.finalize().into_bytes());
    assert!(doc.contains(&hmac), "docs/credentials.md shows the HMAC {hmac}");
}

#[test]
fn a_peers_overlong_fields_are_not_copied_into_the_audit_log() {
    let engine = engine();
    let hank = provision(&engine, "hank", "basic");
    engine.access().set_logon_policy("hank", Some(LogonPolicy::Signature)).unwrap();
    let long = "9".repeat(100_000);
    let s = Signed { key_id: long.clone(), seq: 1, time: long.clone(), raw: "AAAA".into() };
    assert_eq!(logon_signed(&engine, &hank, b"", &s), Err(LogonRefusal::StaleSignature));
    engine.audit().flush().unwrap();
    let records = engine.audit().query(&Default::default()).unwrap();
    let refused = records.iter().find(|r| r.event == "logon.refused").expect("the refusal is audited");
    assert_eq!(refused.details["sending_time"], "\u{FFFD}");
    assert_eq!(refused.details["key_id"], "\u{FFFD}");
    assert!(serde_json::to_string(&records).unwrap().len() < 10_000);
}

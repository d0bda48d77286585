//! Logon inputs through the C ABI (`fixprov_logon`, `fixprov_logon_signed`): CompIDs, password,
//! Username, peer address, and signed logons (key id, MsgType, MsgSeqNum, SendingTime, RawData)
//! under each logon policy.
//!
//! Each input opens a fresh in-memory engine, provisions "alice" (tier basic or standard), adds the
//! input's allow-list rules with `fixprov_ip_allow`, then makes up to 12 logon attempts whose
//! fields are either alice's real values, variations of them, or arbitrary bytes.
//!
//! Invariants: nothing panics; every answer is OK, a FIXPROV_LOGON_* refusal, FIXPROV_ERR_UTF8 (a
//! peer that is not UTF-8) or FIXPROV_ERR_INVALID_ARGUMENT (a malformed peer); a password other than
//! alice's never logs on, and its refusal never names the account's state; refusals carry the
//! documented 1409 value and text, the same text for a wrong CompID and a wrong password; the exact
//! answer matches a model of the documented checks (lock-out after 5 failures per CompID and per
//! address, CompIDs, password, Username, allow-list, the tier's session limit); allow-list rules
//! and peer addresses are accepted exactly when the documented grammar says so. Signed logons:
//! alice's policy is password, signature or password+signature, with one Ed25519 key; the model
//! says which signatures are stale (outside 5 s back, 1 s ahead), which verify (her key, MsgType
//! "A", the fields as signed, RawData untouched), and which were accepted before (a replay).
#![no_main]

mod common;

use arbitrary::Arbitrary;
use base64::Engine as _;
use common::{Build, Engine, Lockouts, Status};
use ed25519_dalek::{Signer, SigningKey};
use fixprov::LogonPolicy;
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;

const USER: &str = "alice";
const KEY_ID: &str = "alice-key";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Arbitrary, Debug)]
enum Text {
    Real,
    Raw(Vec<u8>),
    RealWith(Vec<u8>),
    Lowercase,
}

#[derive(Arbitrary, Debug)]
enum Password {
    Real,
    Raw(Vec<u8>),
    /// The real one cut to this many bytes.
    Cut(u8),
    RealWith(Vec<u8>),
    /// The real one followed by 4,096 more bytes (longer than any password the engine reads).
    Long,
}

/// Rules and peer addresses in the documented forms (and near misses), or raw bytes.
const RULE_PRESETS: [&str; 12] = [
    "10.0.0.0/8",
    "10.1.2.3",
    "192.168.0.0/16",
    "2001:db8::/32",
    "::ffff:10.0.0.0/104",
    "::ffff:0:0/96",
    "::/0",
    "0.0.0.0/0",
    "fe80::1",
    "10.1.2.3/8",
    "10.0.0.0/08",
    "::1/129",
];
const PEER_PRESETS: [&str; 15] = [
    "10.1.2.3",
    "10.1.2.3:5001",
    "[2001:db8::1]:443",
    "[2001:db8::1]",
    "2001:db8::1",
    "::ffff:10.1.2.3",
    "[::ffff:10.1.2.3]:80",
    "192.168.1.1",
    "fe80::1",
    "[fe80::1%2]:80",
    "[fe80::1%2]",
    "127.0.0.1",
    "[10.1.2.3]",
    "10.1.2.3:65536",
    " 10.1.2.3",
];

#[derive(Arbitrary, Debug)]
enum Addr {
    Preset(u8),
    Raw(Vec<u8>),
}

impl Addr {
    fn bytes(&self, presets: &[&str]) -> Vec<u8> {
        match self {
            Addr::Preset(i) => presets[usize::from(*i) % presets.len()].as_bytes().to_vec(),
            Addr::Raw(b) => b.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum KeyChoice {
    Real,
    /// Another Ed25519 key signs under alice's key id.
    Other,
    /// A key id alice does not have.
    Unknown,
    Raw(Vec<u8>),
}

/// SendingTime offsets from now, in seconds, clearly inside or outside the default window.
const OFFSETS: [i64; 7] = [-60, -6, -2, 0, 0, 3, 60];

#[derive(Arbitrary, Debug)]
enum TimeChoice {
    Offset(u8),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum RawChoice {
    Real,
    /// One byte of the base64 text changed (XOR 1).
    Flip(u8),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct SignedAttempt {
    key: KeyChoice,
    msg_type_a: bool,
    seq: u16,
    /// MsgSeqNum sent differs from the one signed.
    seq_changed: bool,
    time: TimeChoice,
    raw: RawChoice,
    /// Send the previous signed attempt's fields again, byte for byte.
    repeat: bool,
}

#[derive(Arbitrary, Debug)]
struct Attempt {
    sender: Text,
    target: Text,
    password: Password,
    username: Option<Text>,
    peer: Option<Addr>,
    /// Close the session if this attempt opened one.
    close_after: bool,
    /// Sent through fixprov_logon_signed (with no Username) when present.
    signed: Option<SignedAttempt>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    standard_tier: bool,
    /// 0: password, 1: signature, 2: password+signature.
    policy: u8,
    allow: Vec<Addr>,
    attempts: Vec<Attempt>,
}

fn text(t: &Text, real: &str) -> Vec<u8> {
    match t {
        Text::Real => real.as_bytes().to_vec(),
        Text::Raw(b) => b.clone(),
        Text::RealWith(suffix) => [real.as_bytes(), suffix].concat(),
        Text::Lowercase => real.to_lowercase().into_bytes(),
    }
}

fn password(p: &Password, real: &[u8]) -> Vec<u8> {
    match p {
        Password::Real => real.to_vec(),
        Password::Raw(b) => b.clone(),
        Password::Cut(n) => real[..usize::from(*n).min(real.len())].to_vec(),
        Password::RealWith(suffix) => [real, suffix].concat(),
        Password::Long => [real, &[b'A'; 4096][..]].concat(),
    }
}

fuzz_target!(|input: Input| {
    let engine = Engine::open(Build::Rust { default_rules: false }, 64);
    let (tier, max_sessions) = if input.standard_tier { ("standard", 3) } else { ("basic", 1) };
    let creds = common::provision(&engine, USER.as_bytes(), Some(tier.as_bytes())).expect("provision");
    assert_eq!(creds.sender_comp_id, "FP_ALICE");
    assert_eq!(creds.target_comp_id, common::TARGET_COMP_ID);
    assert_eq!(creds.password.len(), 43, "256 bits as unpadded base64url");
    assert!(creds.password.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'));

    // The allow-list: accepted exactly when the documented grammar accepts the rule.
    let mut rules = Vec::new();
    for rule in input.allow.iter().take(4) {
        let rule = rule.bytes(&RULE_PRESETS);
        let status = common::ip_allow(&engine, USER.as_bytes(), &rule);
        let reference = std::str::from_utf8(&rule).ok().map(common::ref_rule);
        common::stat(|| format!("ip_allow {status:?}"));
        match (status, reference) {
            (Status::FIXPROV_OK, Some(Some(r))) => rules.push(r),
            (Status::FIXPROV_ERR_UTF8, None) | (Status::FIXPROV_ERR_INVALID_ARGUMENT, Some(None)) => {}
            (s, r) => panic!(
                "ip_allow({:?}) answered {s:?}; the documented grammar says {r:?}",
                String::from_utf8_lossy(&rule)
            ),
        }
    }

    let policy = [LogonPolicy::Password, LogonPolicy::Signature, LogonPolicy::PasswordAndSignature]
        [usize::from(input.policy % 3)];
    let access = engine.rust().access();
    access.set_logon_policy(USER, Some(policy)).expect("policy");
    let key = SigningKey::from_bytes(&[0x11; 32]);
    let other = SigningKey::from_bytes(&[0x22; 32]);
    let public = B64.encode(key.verifying_key().to_bytes());
    access.add_ed25519_key(USER, Some(KEY_ID), &public, None).expect("key");
    // What the last signed attempt sent, as (msg_type, seq, time, raw, key id, whether its time is
    // fresh, whether it verifies), with the SenderCompID and TargetCompID it was sent with.
    type Sent = (Vec<u8>, u64, Vec<u8>, Vec<u8>, Vec<u8>, bool, bool);
    let mut previous: Option<(Sent, Vec<u8>, Vec<u8>)> = None;
    // Signatures accepted so far (all within their window: an input runs in well under 5 s).
    let mut accepted: std::collections::HashSet<(Vec<u8>, Vec<u8>)> = Default::default();

    let mut lockouts = Lockouts::default();
    let mut live: Vec<u64> = Vec::new();
    let mut logons = 0;
    for attempt in input.attempts.iter().take(12) {
        let sender = text(&attempt.sender, &creds.sender_comp_id);
        let target = text(&attempt.target, &creds.target_comp_id);
        let pw = password(&attempt.password, &creds.password);
        let username = attempt.username.as_ref().map(|u| text(u, USER));
        let peer = attempt.peer.as_ref().map(|p| p.bytes(&PEER_PRESETS));
        let peer = peer.as_deref();
        // A signed attempt: the fields, whether its time is fresh, whether its signature verifies.
        let signed = attempt.signed.as_ref().map(|s| match (&previous, s.repeat) {
            // Resent as it was: it verifies only if it still names the CompIDs it signed.
            (Some((p, was_sender, was_target)), true) => {
                let mut p = p.clone();
                p.6 &= *was_sender == sender && *was_target == target;
                p
            }
            _ => {
                let msg_type = if s.msg_type_a { b"A".to_vec() } else { b"D".to_vec() };
                let seq = u64::from(s.seq);
                let (time, fresh) = match &s.time {
                    TimeChoice::Offset(i) => {
                        let offset = OFFSETS[usize::from(*i) % OFFSETS.len()];
                        let at = common::now_ms().saturating_add_signed(offset * 1000);
                        (common::sending_time(at).into_bytes(), (-2..=0).contains(&offset))
                    }
                    TimeChoice::Raw(b) => (b.clone(), false),
                };
                let (key_id, signer) = match &s.key {
                    KeyChoice::Real => (KEY_ID.as_bytes().to_vec(), &key),
                    KeyChoice::Other => (KEY_ID.as_bytes().to_vec(), &other),
                    KeyChoice::Unknown => (b"lk_0000000000000000".to_vec(), &key),
                    KeyChoice::Raw(b) => (b.clone(), &key),
                };
                let signed_seq = if s.seq_changed { seq.wrapping_add(1) } else { seq };
                let payload = [
                    &msg_type[..],
                    b"\x01",
                    &sender,
                    b"\x01",
                    &target,
                    b"\x01",
                    signed_seq.to_string().as_bytes(),
                    b"\x01",
                    &time,
                ]
                .concat();
                let mut raw = B64.encode(signer.sign(&payload).to_bytes()).into_bytes();
                let untouched = match &s.raw {
                    RawChoice::Real => true,
                    RawChoice::Flip(i) => {
                        let i = usize::from(*i) % raw.len();
                        raw[i] ^= 1;
                        false
                    }
                    RawChoice::Raw(b) => {
                        raw = b.clone();
                        false
                    }
                };
                let verifies =
                    matches!(s.key, KeyChoice::Real) && s.msg_type_a && !s.seq_changed && untouched;
                (msg_type, seq, time, raw, key_id, fresh, verifies)
            }
        });
        // A resend leaves the last signed attempt as it was (with what it signed).
        let resent = previous.is_some() && attempt.signed.as_ref().is_some_and(|a| a.repeat);
        if let (Some(s), false) = (&signed, resent) {
            previous = Some((s.clone(), sender.clone(), target.clone()));
        }
        let answer = match &signed {
            None => common::logon(&engine, &sender, &target, &pw, username.as_deref(), peer),
            Some((msg_type, seq, time, raw, key_id, _, _)) => {
                let fields =
                    common::Signed { msg_type, msg_seq_num: *seq, sending_time: time, raw_data: raw, key_id };
                common::logon_signed(&engine, &sender, &target, &pw, peer, &fields)
            }
        };
        let username = if signed.is_some() { None } else { username };
        common::check_logon_shape(&answer);
        common::stat(|| format!("logon {:?}", answer.status));

        // The peer is the host's argument, checked first.
        let peer_ip: Option<IpAddr> = match peer.filter(|p| !p.is_empty()) {
            None => None,
            Some(raw) => match std::str::from_utf8(raw) {
                Err(_) => {
                    assert_eq!(answer.status, Status::FIXPROV_ERR_UTF8, "peer {raw:?} is not UTF-8");
                    continue;
                }
                Ok(text) => match common::ref_peer(text) {
                    None => {
                        assert_eq!(answer.status, Status::FIXPROV_ERR_INVALID_ARGUMENT, "peer {text:?}");
                        continue;
                    }
                    Some(ip) => Some(ip),
                },
            },
        };

        logons += 1;
        let comp_id = common::wire_comp_id(&sender);
        let right_password = pw.len() <= 4096 && pw == creds.password;
        // Whether the address is on the CompID's own non-empty allow-list (the account is found by
        // SenderCompID alone, whatever TargetCompID the peer named).
        let admitted = comp_id == creds.sender_comp_id
            && !rules.is_empty()
            && peer_ip.is_some_and(|ip| rules.iter().any(|r| common::ref_contains(*r, ip.to_canonical())));
        let expected = if lockouts.locked(&comp_id, peer_ip, admitted) {
            Status::FIXPROV_LOGON_LOCKED_OUT
        } else if lockouts.rate_limited(&comp_id) {
            Status::FIXPROV_LOGON_TOO_MANY_LOGONS
        } else if comp_id != creds.sender_comp_id || common::wire_comp_id(&target) != creds.target_comp_id {
            lockouts.fail(&comp_id, peer_ip, admitted);
            Status::FIXPROV_LOGON_UNKNOWN_COMP_ID
        } else if policy.needs_password()
            && (!right_password || username.as_deref().is_some_and(|u| !u.is_empty() && u != USER.as_bytes()))
        {
            lockouts.fail(&comp_id, peer_ip, admitted);
            Status::FIXPROV_LOGON_BAD_CREDENTIALS
        } else if let Some(refusal) = policy
            .needs_signature()
            .then(|| match &signed {
                None => Some((Status::FIXPROV_LOGON_SIGNATURE_REQUIRED, !policy.needs_password())),
                Some((_, _, _, _, _, false, _)) => Some((Status::FIXPROV_LOGON_STALE_SIGNATURE, true)),
                Some((_, _, _, _, _, true, false)) => Some((Status::FIXPROV_LOGON_BAD_SIGNATURE, true)),
                Some((_, _, _, raw, key_id, true, true)) => {
                    match accepted.insert((key_id.clone(), raw.clone())) {
                        true => None,
                        false => Some((Status::FIXPROV_LOGON_REPLAYED_SIGNATURE, true)),
                    }
                }
            })
            .flatten()
        {
            // A refused signature is a failed attempt; a missing one after the right password is not.
            if refusal.1 {
                lockouts.fail(&comp_id, peer_ip, admitted);
            }
            refusal.0
        } else {
            lockouts.succeed(&comp_id, peer_ip, admitted);
            let permitted = match peer_ip {
                Some(ip) => rules.is_empty() || rules.iter().any(|r| common::ref_contains(*r, ip)),
                None => rules.is_empty(),
            };
            if !permitted {
                Status::FIXPROV_LOGON_IP_NOT_ALLOWED
            } else if live.len() >= max_sessions {
                Status::FIXPROV_LOGON_SESSION_LIMIT
            } else {
                Status::FIXPROV_OK
            }
        };
        if !right_password && policy.needs_password() {
            assert!(
                matches!(
                    answer.status,
                    Status::FIXPROV_LOGON_BAD_CREDENTIALS
                        | Status::FIXPROV_LOGON_UNKNOWN_COMP_ID
                        | Status::FIXPROV_LOGON_LOCKED_OUT
                        | Status::FIXPROV_LOGON_TOO_MANY_LOGONS
                ),
                "a wrong password got {:?}",
                answer.status
            );
        }
        assert_eq!(
            answer.status,
            expected,
            "attempt {attempt:?}: sender {:?} peer {peer_ip:?} rules {rules:?}",
            String::from_utf8_lossy(&sender)
        );
        if let Some(session) = answer.session {
            if attempt.close_after {
                assert_eq!(common::session_close(&engine, session), Status::FIXPROV_OK);
            } else {
                live.push(session);
            }
        }
        assert_eq!(engine.rust().sessions().live_sessions(USER).expect("alice exists"), live.len() as u32);
    }
    // Every logon the engine judged is in the audit log, and no record holds the password.
    let log = common::check_audit_has_no(&engine, &[&creds.password]);
    // Repeated refusals of one key in one interval are one record with their count.
    let judged: usize = log
        .iter()
        .filter(|r| r.event == "logon.accepted" || r.event == "logon.refused")
        .map(|r| r.details["count"].as_u64().unwrap_or(1) as usize)
        .sum();
    assert_eq!(judged, logons, "logon audit records");
    common::stats_input_done();
});

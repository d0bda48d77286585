//! Logon inputs through the C ABI (`fixprov_logon`): CompIDs, password, Username, peer address.
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
//! and peer addresses are accepted exactly when the documented grammar says so.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{Build, Engine, Lockouts, Status};
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;

const USER: &str = "alice";

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
struct Attempt {
    sender: Text,
    target: Text,
    password: Password,
    username: Option<Text>,
    peer: Option<Addr>,
    /// Close the session if this attempt opened one.
    close_after: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    standard_tier: bool,
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
        let answer = common::logon(&engine, &sender, &target, &pw, username.as_deref(), peer);
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
        } else if !right_password
            || username.as_deref().is_some_and(|u| !u.is_empty() && u != USER.as_bytes())
        {
            lockouts.fail(&comp_id, peer_ip, admitted);
            Status::FIXPROV_LOGON_BAD_CREDENTIALS
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
        if !right_password {
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

//! Bearer tokens of the admin HTTP API: checking them, slowing down addresses that send bad ones,
//! and auditing the failures in aggregate.
//!
//! * A presented token is hashed (SHA-256: tokens are machine-generated secrets of at least 32
//!   characters, not passwords) and compared with every configured hash in constant time, so
//!   timing tells nothing of which one matched or how close a guess came.
//! * A request with a valid token is always served: the per-address lock-out never applies to it.
//!   Behind a same-host proxy every client is 127.0.0.1, and a lock on the address would let
//!   anyone lock every operator out with five bad requests.
//! * A request with a missing or bad token is 401, and counts as a failure of its address; five
//!   within a minute lock the address for five minutes ([`AttemptPolicy::default`]), during which
//!   its bad-token requests are 429 without being counted. What keeps a guesser out is the
//!   tokens' length; the lock-out keeps a misconfigured or hostile client from costing the server
//!   a hash and an audit entry per request at full speed.
//! * Failures are audited in aggregate: one `admin.auth_failed` record per address per
//!   [`AUTH_AUDIT_INTERVAL`] with the count, so a flood of bad requests cannot flood the audit log.
//!   At most [`MAX_AUDITED_ADDRESSES`] addresses are told apart per interval; failures from further
//!   addresses are summed into one record whose subject is `*`.

use crate::admin::{Actor, Role};
use crate::cold::attempts::{AttemptPolicy, FailedAttempts};
use crate::cold::audit::AuditEvent;
use crate::engine::Core;
use axum::http::HeaderMap;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often authentication failures are written to the audit log (one record per address with
/// failures in the interval), and once more when the server stops.
pub const AUTH_AUDIT_INTERVAL: Duration = Duration::from_secs(60);

/// Most addresses given a record of their own per interval.
pub const MAX_AUDITED_ADDRESSES: usize = 1_024;

/// A bearer token as the host configures it. The token itself is hashed when the server starts and
/// not kept.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Its name: the actor on audit records.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The secret (at least 32 characters).
    pub token: String,
}

impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

struct Token {
    name: String,
    role: Role,
    hash: [u8; 32],
}

/// What authentication decided about one request.
pub(crate) enum Verdict {
    /// A valid token: serve the request as this actor.
    Allowed(Actor),
    /// No valid token (401).
    Unauthorized,
    /// No valid token from an address in its cool-down (429).
    Locked,
}

/// The configured tokens, the lock-out and the failures not yet audited.
pub(crate) struct Auth {
    tokens: Vec<Token>,
    lockout: FailedAttempts<IpAddr>,
    unaudited: Mutex<Unaudited>,
}

#[derive(Default)]
struct Unaudited {
    by_address: HashMap<IpAddr, u64>,
    others: u64,
}

fn token_hash(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    crate::cold::crypto::same_digest(a, b)
}

impl Auth {
    pub(crate) fn new(tokens: Vec<TokenConfig>) -> Auth {
        let tokens = tokens
            .into_iter()
            .map(|t| Token { name: t.name, role: t.role, hash: token_hash(t.token.as_bytes()) })
            .collect();
        Auth {
            tokens,
            lockout: FailedAttempts::new(AttemptPolicy::default()),
            unaudited: Mutex::new(Unaudited::default()),
        }
    }

    fn token(&self, headers: &HeaderMap) -> Option<&Token> {
        let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
        let presented = token_hash(value.strip_prefix("Bearer ")?.trim().as_bytes());
        // Every token is compared, so timing tells nothing of which one matched.
        self.tokens.iter().fold(None, |found, t| if same(&presented, &t.hash) { Some(t) } else { found })
    }

    /// Checks the request's token; a failure counts against `ip` unless it is locked already.
    pub(crate) fn check(&self, headers: &HeaderMap, ip: IpAddr, now: Instant) -> Verdict {
        // The token first: a valid one is served whatever the address's failures.
        if let Some(t) = self.token(headers) {
            return Verdict::Allowed(Actor { name: t.name.clone(), role: t.role, source: ip.to_string() });
        }
        self.count_for_audit(ip);
        if self.lockout.locked(&ip, now).is_some() {
            return Verdict::Locked;
        }
        self.lockout.record_failure(&ip, now);
        Verdict::Unauthorized
    }

    fn count_for_audit(&self, ip: IpAddr) {
        let mut unaudited = self.unaudited.lock().unwrap_or_else(|p| p.into_inner());
        let Unaudited { by_address, others } = &mut *unaudited;
        if let Some(count) = by_address.get_mut(&ip) {
            *count += 1;
        } else if by_address.len() < MAX_AUDITED_ADDRESSES {
            by_address.insert(ip, 1);
        } else {
            *others += 1;
        }
    }

    /// Queues one `admin.auth_failed` record per address that failed since the last call.
    pub(crate) fn audit_failures(&self, core: &Core) {
        let Unaudited { by_address, others } =
            std::mem::take(&mut *self.unaudited.lock().unwrap_or_else(|p| p.into_inner()));
        let mut by_address: Vec<(IpAddr, u64)> = by_address.into_iter().collect();
        by_address.sort();
        let interval = AUTH_AUDIT_INTERVAL.as_secs();
        let record = |source: String, failures: u64| AuditEvent {
            actor: String::new(),
            subject: source.clone(),
            source,
            event: "admin.auth_failed",
            details: serde_json::json!({"failures": failures, "interval_secs": interval}),
        };
        for (ip, failures) in by_address {
            core.audit_later(record(ip.to_string(), failures));
        }
        if others > 0 {
            core.audit_later(record("*".into(), others));
        }
    }
}

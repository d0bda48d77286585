//! Statistics, computed on demand on the cold path: the hot path keeps only each session's own
//! counters (no shared counter is written per message); this sums them with the closed sessions'
//! totals kept per user.

use crate::cold::credentials::{CredentialStatus, LogonRefusal};
use crate::engine::core::{unix_ms, Core};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Logon outcomes, counted on the (cold) logon path.
#[derive(Debug, Default)]
pub(crate) struct LogonCounters {
    accepted: AtomicU64,
    refused: [AtomicU64; REFUSALS.len()],
}

const REFUSALS: [LogonRefusal; 16] = [
    LogonRefusal::BadCredentials,
    LogonRefusal::UnknownCompId,
    LogonRefusal::Suspended,
    LogonRefusal::Revoked,
    LogonRefusal::Expired,
    LogonRefusal::IpNotAllowed,
    LogonRefusal::SessionLimit,
    LogonRefusal::LockedOut,
    LogonRefusal::NotEligible,
    LogonRefusal::TooManyLogons,
    LogonRefusal::Unavailable,
    LogonRefusal::SignatureRequired,
    LogonRefusal::BadSignature,
    LogonRefusal::StaleSignature,
    LogonRefusal::ReplayedSignature,
    LogonRefusal::CountryNotAllowed,
];

impl LogonCounters {
    pub(crate) fn count(&self, outcome: &Result<u64, LogonRefusal>) {
        match outcome {
            Ok(_) => self.accepted.fetch_add(1, Ordering::Relaxed),
            Err(r) => self.refused[REFUSALS.iter().position(|x| x == r).unwrap_or(0)]
                .fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// Users by credential state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UserCounts {
    /// Every user the engine knows.
    pub total: u64,
    /// Provisioned and active (expired ones excluded).
    pub active: u64,
    /// Suspended.
    pub suspended: u64,
    /// Revoked.
    pub revoked: u64,
    /// Active but past their expiry.
    pub expired: u64,
    /// Known (a tier, facts) but never provisioned.
    pub unprovisioned: u64,
}

/// Message totals, over live and closed sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Totals {
    /// Live sessions.
    pub live_sessions: u64,
    /// Messages admitted (orders included).
    pub messages: u64,
    /// Orders admitted.
    pub orders: u64,
    /// Checks answered THROTTLED.
    pub throttled: u64,
    /// Checks answered DISCONNECT.
    pub disconnects: u64,
}

/// Logons since the engine opened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LogonCounts {
    /// Accepted.
    pub accepted: u64,
    /// Refused, by reason.
    pub refused: BTreeMap<String, u64>,
}

/// The engine's statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Stats {
    /// Users by state.
    pub users: UserCounts,
    /// Provisioned credentials.
    pub credentials: u64,
    /// All sessions together.
    pub totals: Totals,
    /// Per tier (each user's totals under the tier it is on now).
    pub tiers: BTreeMap<String, Totals>,
    /// Logons since open.
    pub logons: LogonCounts,
    /// The ten users with the most violations (throttled + disconnects), most first.
    pub top_violators: Vec<(String, u64)>,
}

impl Core {
    /// Sums every counter now. Costs a pass over users and live sessions; never touches the hot path.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        let now = unix_ms();
        for account in self.access.accounts.all() {
            let record = account.record();
            stats.credentials += 1;
            match record.status {
                CredentialStatus::Active if record.expired(now) => stats.users.expired += 1,
                CredentialStatus::Active => stats.users.active += 1,
                CredentialStatus::Suspended => stats.users.suspended += 1,
                CredentialStatus::Revoked => stats.users.revoked += 1,
            }
        }
        let mut violations = Vec::new();
        for user in self.users.all() {
            stats.users.total += 1;
            if !self.access.accounts.has_user(&user.id) {
                stats.users.unprovisioned += 1;
            }
            let state = user.lock();
            let mut t = Totals {
                live_sessions: 0,
                messages: state.closed.messages,
                orders: state.closed.orders,
                throttled: state.closed.throttled,
                disconnects: state.closed.disconnects,
            };
            for h in &state.sessions {
                let slot = self.slots.at(h.index);
                if let Some(c) = slot.line.counters(h.generation, slot.side) {
                    t.live_sessions += 1;
                    t.messages += c.messages;
                    t.orders += c.orders;
                    t.throttled += c.throttled;
                    t.disconnects += c.disconnects;
                }
            }
            let tier = self
                .tiers
                .table
                .snapshot()
                .by_index(state.tier())
                .map_or_else(String::new, |t| t.name.clone());
            drop(state);
            if t.throttled + t.disconnects > 0 {
                violations.push((user.id.clone(), t.throttled + t.disconnects));
            }
            for sum in [&mut stats.totals, stats.tiers.entry(tier).or_default()] {
                sum.live_sessions += t.live_sessions;
                sum.messages += t.messages;
                sum.orders += t.orders;
                sum.throttled += t.throttled;
                sum.disconnects += t.disconnects;
            }
        }
        violations.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        violations.truncate(10);
        stats.top_violators = violations;
        let counters = &self.access.logon_counters;
        stats.logons.accepted = counters.accepted.load(Ordering::Relaxed);
        for (reason, count) in REFUSALS.iter().zip(&counters.refused) {
            let n = count.load(Ordering::Relaxed);
            if n > 0 {
                let name = serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_owned));
                stats.logons.refused.insert(name.unwrap_or_default(), n);
            }
        }
        stats
    }
}

//! Bucket debts carried across reconnects, so that logging out and on again does not refill a
//! session's buckets.
//!
//! When a session closes, how far ahead of now each of its buckets' TATs ran (what it still owed,
//! [`Debts`], at most one burst each) is kept on its user ([`Carried`]), with the rates it was run
//! up at and when. A session of that user that opens later takes the largest debt still owed, less
//! the time since it was left, if its tier's rates are the same (a tier change refills, as for a
//! live session); its first check puts it on the session's own time base (`StateWord::CARRY` in
//! `src/hot/session.rs`). A user keeps at most one entry per session its tier allows (the most
//! owed), and an entry is forgotten once paid.
//!
//! Debts are measured on the engine's clock: a session checked on the host's own time base
//! (`fixprov_check_at`) whose TATs are far from it carries nothing, and one a little ahead of it
//! carries at most a burst (see `SessionLine::debts`).
//!
//! The carried entries are written to the store (one settings row, `bucket_debts`, with an audit
//! record `sessions.debts`) by the housekeeper at most once a second when they changed, and when
//! the engine closes; a new engine loads them and counts the time since on the wall clock. A crash
//! loses at most the last second of closed sessions' debts, and the debts of the sessions still
//! open then (their clients reconnect with full buckets after a gateway crash, which they cannot
//! cause by reconnecting).

use crate::cold::audit::AuditEvent;
use crate::cold::store::{Table, Write};
use crate::cold::users::{Carried, UserState};
use crate::engine::core::{unix_ms, Core};
use crate::error::{Error, Result};
use crate::hot::clock::ClockReader;
use crate::hot::session::Debts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The store's settings row.
pub(super) const DEBTS_KEY: &str = "bucket_debts";

/// The housekeeper writes changed debts at most this often.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Most entries a user keeps, whatever its tier allows.
const MAX_CARRIED: usize = 64;

/// The debts part's state.
pub(super) struct DebtsState {
    /// The engine's clock, as the checks read it.
    pub(super) clock: ClockReader,
    /// A user's entries changed since the last write.
    dirty: AtomicBool,
    /// When the last write was, and serializes writes.
    written: Mutex<Option<Instant>>,
}

impl DebtsState {
    pub(super) fn new(clock: ClockReader) -> DebtsState {
        DebtsState { clock, dirty: AtomicBool::new(false), written: Mutex::new(None) }
    }
}

/// One entry as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredEntry {
    messages_ns: u64,
    orders_ns: u64,
    rates: [u64; 2],
    at_unix_ms: u64,
}

/// What `entry` still owes at `now_ns` (engine clock) or `now_ms` (wall clock).
fn remaining(entry: &Carried, now_ns: u64, now_ms: u64) -> Debts {
    let elapsed = match entry.at_ns {
        Some(at) => now_ns.saturating_sub(at),
        None => now_ms.saturating_sub(entry.at_unix_ms).saturating_mul(1_000_000),
    };
    entry.debts.after(elapsed)
}

fn weight(d: Debts) -> u64 {
    d.orders.saturating_add(d.messages)
}

impl Core {
    /// For a session of `state`'s user opening now on `rates`: the largest debt the user's closed
    /// sessions still owe on those rates (taken off the user), or nothing.
    pub(super) fn debts_take(&self, state: &mut UserState, rates: [u64; 2]) -> Debts {
        if state.carried.is_empty() {
            return Debts::default();
        }
        let (now_ns, now_ms) = (self.debts.clock.now(), unix_ms());
        let before = state.carried.len();
        state.carried.retain(|c| c.rates == rates && !remaining(c, now_ns, now_ms).is_zero());
        let best =
            (0..state.carried.len()).max_by_key(|&i| weight(remaining(&state.carried[i], now_ns, now_ms)));
        let taken = best.map(|i| remaining(&state.carried.swap_remove(i), now_ns, now_ms));
        if taken.is_some() || state.carried.len() != before {
            self.debts.dirty.store(true, Ordering::Relaxed);
        }
        taken.unwrap_or_default()
    }

    /// Keeps what a session of `state`'s user owed when it closed; at most `max` entries (the
    /// tier's session limit) are kept, the most owed.
    pub(super) fn debts_keep(&self, state: &mut UserState, carried: Carried, max: u32) {
        if carried.debts.is_zero() {
            return;
        }
        state.carried.push(carried);
        let max = usize::try_from(max).unwrap_or(MAX_CARRIED).clamp(1, MAX_CARRIED);
        if state.carried.len() > max {
            let (now_ns, now_ms) = (self.debts.clock.now(), unix_ms());
            state.carried.sort_by_key(|c| std::cmp::Reverse(weight(remaining(c, now_ns, now_ms))));
            state.carried.truncate(max);
        }
        self.debts.dirty.store(true, Ordering::Relaxed);
    }

    /// Loads the stored entries (at open, before any session).
    pub(super) fn debts_load(&self, value: &[u8]) -> Result<()> {
        let stored: BTreeMap<String, Vec<StoredEntry>> = serde_json::from_slice(value)
            .map_err(|e| Error::Corrupt(format!("settings row '{DEBTS_KEY}': {e}").into()))?;
        for (user, entries) in stored {
            // A user no longer known (its tier forgotten) owes nothing.
            let Ok(user) = self.users.get(&user) else { continue };
            let mut state = user.lock();
            state.carried = entries
                .into_iter()
                .take(MAX_CARRIED)
                .map(|e| Carried {
                    debts: Debts { messages: e.messages_ns, orders: e.orders_ns },
                    rates: e.rates,
                    at_ns: None,
                    at_unix_ms: e.at_unix_ms,
                })
                .collect();
        }
        Ok(())
    }

    /// Writes the entries to the store if they changed: at most once a second, or now with
    /// `force` (the engine closing). Entries already paid are left out.
    pub(crate) fn debts_flush(&self, force: bool) -> Result<()> {
        if self.access.in_memory || self.access.fleet.is_some() {
            // In memory nothing outlives the engine, so there is nothing to store them for (and a
            // record written at an arbitrary housekeeper tick only made the audit log harder to
            // read: tests/audit.rs saw it between a close and its query). Fleet mode: debts stay in
            // this gateway's memory; they are one settings row, which the gateways would write over
            // each other's.
            self.debts.dirty.store(false, Ordering::Relaxed);
            return Ok(());
        }
        let mut written = self.debts.written.lock().unwrap_or_else(|p| p.into_inner());
        if !self.debts.dirty.load(Ordering::Relaxed) {
            return Ok(());
        }
        if !force && written.is_some_and(|at| at.elapsed() < FLUSH_EVERY) {
            return Ok(());
        }
        self.debts.dirty.store(false, Ordering::Relaxed);
        let (now_ns, now_ms) = (self.debts.clock.now(), unix_ms());
        let mut stored: BTreeMap<String, Vec<StoredEntry>> = BTreeMap::new();
        for user in self.users.all() {
            let state = user.lock();
            let entries: Vec<StoredEntry> = state
                .carried
                .iter()
                .filter_map(|c| {
                    let left = remaining(c, now_ns, now_ms);
                    (!left.is_zero()).then_some(StoredEntry {
                        messages_ns: left.messages,
                        orders_ns: left.orders,
                        rates: c.rates,
                        at_unix_ms: now_ms,
                    })
                })
                .collect();
            if !entries.is_empty() {
                stored.insert(user.id.clone(), entries);
            }
        }
        let entries: usize = stored.values().map(Vec::len).sum();
        let value = serde_json::to_vec(&stored).map_err(|e| Error::Internal(e.to_string().into()))?;
        let details = serde_json::json!({"users": stored.len(), "entries": entries});
        let result = self.access.commit(
            AuditEvent::host("sessions.debts", DEBTS_KEY, details),
            &[Write::Put { table: Table::Settings, key: DEBTS_KEY, value: &value }],
        );
        if result.is_err() {
            // Try again at the next tick.
            self.debts.dirty.store(true, Ordering::Relaxed);
        }
        *written = Some(Instant::now());
        result
    }
}

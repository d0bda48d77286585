//! The cold half of the engine: tiers, users, sessions, kills and listings. [`Engine`] dereferences
//! to it; the hot path never touches it.
//!
//! Lock order, wherever several are taken: user, policy, session registry.

use crate::cold::audit::{AuditEvent, AuditQueue};
use crate::cold::sessions::{SessionMeta, Sessions};
use crate::cold::store::{Table, Write};
use crate::cold::tiers::{Tier, TierSpec, Tiers, DEFAULT_TIER};
use crate::cold::users::{validate_id, User, Users};
use crate::engine::access::AccessState;
use crate::engine::eligibility::EligibilityState;
use crate::engine::stats::LogonCounters;
use crate::error::{Error, Result};
use crate::hot::session::{Counters, Handle, KillReason, SessionLine, SessionSide, SessionSlot};
use arc_swap::ArcSwapOption;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

#[allow(unused_imports)] // named in docs
use crate::engine::Engine;

/// What happened, for the host's event listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A session was killed by a call other than a check; the host should log it out now.
    SessionKilled,
}

/// An event, lent to the listener for the duration of the call.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// What happened.
    pub kind: EventKind,
    /// The session's handle.
    pub session: u64,
    /// The session's user.
    pub user: &'a str,
    /// Why it was killed.
    pub reason: KillReason,
}

/// A listener for events; called on the thread that caused the event, with no lock held.
pub type Listener = Box<dyn Fn(&Event<'_>) + Send + Sync>;

/// One session as listed on the cold path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// Handle.
    pub session: u64,
    /// User id.
    pub user: String,
    /// Tier name.
    pub tier: String,
    /// Wall-clock open time, milliseconds since the Unix epoch.
    pub opened_unix_ms: u64,
    /// Messages admitted (orders included).
    pub messages: u64,
    /// Orders admitted.
    pub orders: u64,
    /// THROTTLED answers.
    pub throttled: u64,
    /// DISCONNECT answers.
    pub disconnects: u64,
    /// Set once killed, with the reason.
    pub killed: Option<KillReason>,
    /// Whether violations escalated to DISCONNECT.
    pub escalated: bool,
}

/// The cold-path state of an engine, shared with its housekeeping thread.
///
/// May be used from several threads at once.
pub struct Core {
    pub(crate) slots: Arc<[SessionSlot]>,
    /// Serializes every policy publication and session open (lock order: user, policy, sessions),
    /// so a session is never opened on a tier definition that a concurrent change then misses.
    policy: Mutex<()>,
    /// Serializes tier definitions from validation through commit to publication, outside the
    /// policy lock (taken before it when both are held).
    tier_changes: Mutex<()>,
    pub(crate) tiers: Tiers,
    pub(crate) users: Users,
    pub(crate) sessions: Sessions,
    listener: ArcSwapOption<Listener>,
    pub(crate) access: AccessState,
    pub(crate) eligibility: EligibilityState,
    /// Logon, session and violation events waiting for the housekeeper to write them.
    audit_queue: AuditQueue,
    /// Violation counters already recorded, per open session, and when they were last read.
    violations_seen: Mutex<HashMap<u64, (u64, u64)>>,
    violations_read: Mutex<std::time::Instant>,
    /// Held while queued audit events are taken and written.
    audit_writing: Mutex<()>,
    /// Refused logons of this interval, aggregated (see `refusals`).
    pub(crate) refusals: super::refusals::Refusals,
    pub(crate) logon_counters: LogonCounters,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("capacity", &self.slots.len())
            .field("open_sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

/// Logon and session events queued at most before they are counted as dropped.
const AUDIT_QUEUE: usize = 100_000;

/// How often the housekeeper applies the audit retention.
const RETENTION_PERIOD: std::time::Duration = std::time::Duration::from_secs(60);

/// How often violations are aggregated into audit records.
const VIOLATION_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

pub(crate) fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Core {
    pub(crate) fn new(
        slots: Arc<[SessionSlot]>,
        tiers: Tiers,
        access: AccessState,
        eligibility: EligibilityState,
    ) -> Core {
        let capacity = slots.len() as u32;
        Core {
            slots,
            policy: Mutex::new(()),
            tier_changes: Mutex::new(()),
            tiers,
            users: Users::default(),
            sessions: Sessions::new(capacity),
            listener: ArcSwapOption::empty(),
            access,
            eligibility,
            audit_queue: AuditQueue::new(AUDIT_QUEUE),
            violations_seen: Mutex::new(HashMap::new()),
            violations_read: Mutex::new(std::time::Instant::now()),
            audit_writing: Mutex::new(()),
            refusals: Default::default(),
            logon_counters: LogonCounters::default(),
        }
    }

    /// Audit events dropped since open because the queue was full.
    pub fn audit_dropped(&self) -> u64 {
        self.audit_queue.dropped_total()
    }

    pub(crate) fn lock_policy(&self) -> MutexGuard<'_, ()> {
        self.policy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Defines a tier or changes one; live sessions on it enforce the change from their next message.
    ///
    /// When the rates change, those sessions' buckets start afresh under the new rates (a full
    /// burst): debt run up at one interval is meaningless at another. Violation counters are kept.
    ///
    /// The commit runs outside the policy lock, which every session open (every logon) takes: a
    /// tier change never makes a logon wait on the disk. Tier changes are serialized among
    /// themselves, so they are published in the order they committed.
    pub fn tier_set(&self, name: &str, spec: TierSpec) -> Result<()> {
        let _changes = self.tier_changes.lock().unwrap_or_else(|p| p.into_inner());
        self.tiers.check(name, &spec)?;
        let value = serde_json::to_vec(&spec).map_err(|e| Error::Internal(e.to_string().into()))?;
        let event = AuditEvent::host("tier.set", name, serde_json::to_value(spec).unwrap_or_default());
        self.access.commit(event, &[Write::Put { table: Table::Tiers, key: name, value: &value }])?;
        self.tier_publish(name, spec)
    }

    /// Publishes a tier already committed (or loaded from the store).
    pub(crate) fn tier_publish(&self, name: &str, spec: TierSpec) -> Result<()> {
        let _policy = self.lock_policy();
        self.tier_publish_locked(name, spec)
    }

    fn tier_publish_locked(&self, name: &str, spec: TierSpec) -> Result<()> {
        let (index, before) = self.tiers.set(name, spec)?;
        if before.is_some_and(|b| b.policy() != spec.policy()) {
            let policy = spec.policy();
            for (i, meta) in self.sessions.all() {
                // The user's tier, not the session's state word: reading every live line would
                // pull each one away from the core checking it, once per redefinition. Tier moves
                // and opens hold the policy lock too, so the two agree here.
                if meta.user.tier() == index {
                    let SessionSlot { line, side } = &self.slots[i as usize];
                    line.set_policy(meta.generation, index, &policy, side);
                }
            }
        }
        Ok(())
    }

    /// The tier named `name`.
    pub fn tier(&self, name: &str) -> Result<Tier> {
        self.tiers.snapshot().get(name).cloned().ok_or_else(|| Error::not_found("no such tier"))
    }

    /// Every tier.
    pub fn tiers(&self) -> Vec<Tier> {
        self.tiers.snapshot().iter().cloned().collect()
    }

    /// Puts `user` on `tier`, creating the user if new; the user's live sessions enforce the tier from
    /// their next message, with their buckets started afresh (see [`Engine::tier_set`]). Sessions
    /// already open above a lower max stay open.
    pub fn user_set_tier(&self, user: &str, tier: &str) -> Result<()> {
        validate_id(user)?;
        let tier = self.tier(tier)?;
        let account = self.access.accounts.by_user(user).ok();
        let _write = account.as_ref().map(|a| a.lock());
        let profile = Self::profile_write(&tier.name, &self.allow_of(user));
        let event = AuditEvent::host("user.tier", user, serde_json::json!({"tier": tier.name}));
        self.access.commit(event, &[Write::Put { table: Table::Users, key: user, value: &profile }])?;
        self.apply_user_tier(user, tier.index)
    }

    /// The in-memory half of a tier move (after the store committed it).
    pub(crate) fn apply_user_tier(&self, user: &str, index: u16) -> Result<()> {
        let (user, _) = self.users.get_or_create(user, index)?;
        let mut state = user.lock();
        let _policy = self.lock_policy();
        // Read under the policy lock: the definition cannot change until the sessions have it.
        let Some(spec) = self.tiers.snapshot().by_index(index).map(|t| t.spec) else {
            return Err(Error::not_found("no such tier"));
        };
        if state.tier() == index {
            return Ok(());
        }
        user.set_tier(&mut state, index);
        let policy = spec.policy();
        for h in &state.sessions {
            let i = h.index as usize;
            let slot = &self.slots[i];
            slot.line.set_policy(h.generation, index, &policy, &slot.side);
        }
        Ok(())
    }

    /// Creates `user` on the default tier if missing.
    pub fn user_ensure(&self, user: &str) -> Result<()> {
        let index = self.tier(DEFAULT_TIER)?.index;
        self.users.get_or_create(user, index).map(drop)
    }

    /// The tier name of `user`.
    pub fn user_tier(&self, user: &str) -> Result<String> {
        let index = self.users.get(user)?.lock().tier();
        Ok(self.tier_name(index))
    }

    fn tier_name(&self, index: u16) -> String {
        self.tiers.snapshot().by_index(index).map_or_else(String::new, |t| t.name.clone())
    }

    // ----- sessions -----

    /// Opens a session for `user` on the user's tier, if the user has a free session slot.
    pub fn session_open(&self, user: &str) -> Result<u64> {
        let user = self.users.get(user)?;
        let mut state = user.lock();
        let _policy = self.lock_policy();
        let spec = self
            .tiers
            .snapshot()
            .by_index(state.tier())
            .map(|t| t.spec)
            .ok_or(Error::Internal("a user's tier is missing".into()))?;
        let max = spec.max_sessions;
        if !user.limit.try_acquire(max) {
            return Err(Error::limit(format!("the user has {max} of {max} sessions open")));
        }
        let index = match self.sessions.allocate() {
            Ok(index) => index,
            Err(e) => {
                user.limit.release();
                return Err(e);
            }
        };
        let generation = self.slots[index as usize].line.open(
            state.tier(),
            &spec.policy(),
            &self.slots[index as usize].side,
        );
        let handle = Handle { index, generation };
        self.sessions
            .register(index, SessionMeta { user: user.clone(), generation, opened_unix_ms: unix_ms() });
        state.sessions.push(handle);
        let details = serde_json::json!({"session": handle.to_raw(), "tier": self.tier_name(state.tier())});
        self.audit_later(AuditEvent::host("session.open", &user.id, details));
        Ok(handle.to_raw())
    }

    fn line(&self, session: u64) -> Result<(&SessionLine, &SessionSide, Handle)> {
        let handle = Handle::from_raw(session);
        let slot = self.slots.get(handle.index as usize).ok_or(Error::StaleHandle)?;
        Ok((&slot.line, &slot.side, handle))
    }

    /// Closes a session and frees its slot; the handle is stale from now on.
    pub fn session_close(&self, session: u64) -> Result<Counters> {
        let (line, side, handle) = self.line(session)?;
        let counters = line.close(handle.generation, side).ok_or(Error::StaleHandle)?;
        if let Some(meta) = self.sessions.release(handle.index) {
            let mut state = meta.user.lock();
            state.sessions.retain(|h| *h != handle);
            let closed = &mut state.closed;
            closed.messages += counters.messages;
            closed.orders += counters.orders;
            closed.throttled += counters.throttled;
            closed.disconnects += counters.disconnects;
            drop(state);
            meta.user.limit.release();
            let details = serde_json::json!({
                "session": session,
                "messages": counters.messages,
                "orders": counters.orders,
                "throttled": counters.throttled,
                "disconnects": counters.disconnects,
            });
            self.audit_later(AuditEvent::host("session.close", &meta.user.id, details));
            self.violations_seen.lock().unwrap_or_else(|p| p.into_inner()).remove(&session);
        }
        Ok(counters)
    }

    /// Queues a logon or session event for the housekeeper (the caller never waits on the store).
    pub(crate) fn audit_later(&self, event: AuditEvent) {
        self.audit_queue.push(event);
    }

    /// Records violations since the last call, one aggregated record per session that had any.
    /// The hot path only bumps its counters; this reads them on the cold path.
    pub(crate) fn aggregate_violations(&self) {
        // The session table is read directly, without copying the cold path's session list: with a
        // million open sessions, a copy a second cost the housekeeper a fifth of a core. Only
        // sessions that ever had a violation get an entry in `seen`, and only those with new ones
        // are looked up (for their user) and recorded.
        let mut seen = self.violations_seen.lock().unwrap_or_else(|p| p.into_inner());
        let high_water = self.sessions.high_water() as usize;
        for (index, slot) in self.slots[..high_water.min(self.slots.len())].iter().enumerate() {
            let Some(generation) = slot.line.open_generation() else { continue };
            let Some(c) = slot.line.counters(generation, &slot.side) else { continue };
            let handle = Handle { index: index as u32, generation };
            let key = handle.to_raw();
            let last = seen.get(&key).copied().unwrap_or((0, 0));
            if (c.throttled, c.disconnects) == last {
                continue;
            }
            // A session whose owner is not registered yet (it is opening) is read next time.
            let Some(meta) = self.sessions.meta(handle.index, generation) else { continue };
            // A reset of the counters shows as a drop: count from the new value.
            let throttled = c.throttled.checked_sub(last.0).unwrap_or(c.throttled);
            let disconnects = c.disconnects.checked_sub(last.1).unwrap_or(c.disconnects);
            if throttled + disconnects > 0 {
                let details = serde_json::json!({
                    "session": key,
                    "throttled": throttled,
                    "disconnects": disconnects,
                });
                self.audit_queue.push(AuditEvent::host("session.violations", &meta.user.id, details));
            }
            seen.insert(key, (c.throttled, c.disconnects));
        }
    }

    /// The housekeeper's tick: violations are aggregated once a second (one record per session per
    /// second at most), queued events written every tick.
    pub(crate) fn audit_tick(&self) -> Result<()> {
        let due = {
            let mut read = self.violations_read.lock().unwrap_or_else(|p| p.into_inner());
            let due = read.elapsed() >= VIOLATION_WINDOW;
            if due {
                *read = std::time::Instant::now();
            }
            due
        };
        if due {
            self.aggregate_violations();
            self.drain_refusals();
        }
        self.write_queued()?;
        self.retain_when_due()
    }

    /// Applies the engine's audit retention, at most once a minute.
    fn retain_when_due(&self) -> Result<()> {
        let Some(retention) = self.access.retention else { return Ok(()) };
        {
            let mut ran = self.access.retention_ran.lock().unwrap_or_else(|p| p.into_inner());
            if ran.is_some_and(|at| at.elapsed() < RETENTION_PERIOD) {
                return Ok(());
            }
            *ran = Some(std::time::Instant::now());
        }
        self.audit_retain(&retention).map(drop)
    }

    /// Writes the queued logon, session and violation events now, violations aggregated first (the
    /// housekeeper does this on its own every second; closing the engine does it once more).
    pub fn audit_flush(&self) -> Result<()> {
        self.aggregate_violations();
        self.drain_refusals();
        self.write_queued()
    }

    /// Queues the records of the refused logons repeated this interval, and starts the next one.
    fn drain_refusals(&self) {
        for event in self.refusals.drain(unix_ms()) {
            self.audit_queue.push(event);
        }
    }

    fn write_queued(&self) -> Result<()> {
        // Taking and writing are one step: a flush that found the queue empty because the
        // housekeeper had just taken the events waits here until they are committed, and batches
        // commit in the order they were queued.
        let _writing = self.audit_writing.lock().unwrap_or_else(|p| p.into_inner());
        let events = self.audit_queue.take();
        if let Err(e) = self.access.append_audit(&events) {
            self.audit_queue.put_back(events);
            return Err(e);
        }
        Ok(())
    }

    /// Kills a session: its next check answers KILLED and the listener is told. Killing a killed
    /// session does nothing.
    pub fn session_kill(&self, session: u64) -> Result<()> {
        self.kill_one(session, KillReason::Admin)
    }

    fn kill_one(&self, session: u64, reason: KillReason) -> Result<()> {
        let (line, _, handle) = self.line(session)?;
        if line.kill(handle.generation, reason) {
            if let Some(meta) = self.sessions.meta(handle.index, handle.generation) {
                self.emit(EventKind::SessionKilled, session, &meta.user.id, reason);
            }
            return Ok(());
        }
        line.state(handle.generation).ok_or(Error::StaleHandle)?;
        // Already killed: nothing changes, but the operator's request is still recorded.
        if reason == KillReason::Admin {
            if let Some(meta) = self.sessions.meta(handle.index, handle.generation) {
                let details =
                    serde_json::json!({"session": session, "reason": reason, "already_killed": true});
                self.access.append_audit(&[AuditEvent::host("session.kill", &meta.user.id, details)])?;
            }
        }
        Ok(())
    }

    /// Kills every live session of `user`; returns how many were killed now.
    ///
    /// An operator action: recorded (`user.kill`, with how many were killed) even when the user had
    /// no live session; each session killed has its own `session.kill` record too.
    pub fn user_kill(&self, user: &str) -> Result<usize> {
        let killed = self.kill_user_by_id(user, KillReason::User)?;
        let details = serde_json::json!({"killed": killed});
        self.access.append_audit(&[AuditEvent::host("user.kill", user, details)])?;
        Ok(killed)
    }

    pub(crate) fn kill_user_by_id(&self, user: &str, reason: KillReason) -> Result<usize> {
        match self.users.get(user) {
            Ok(user) => self.kill_user(&user, reason),
            // A provisioned user that never opened a session has none to kill.
            Err(_) if self.access.accounts.has_user(user) => Ok(0),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn kill_user(&self, user: &User, reason: KillReason) -> Result<usize> {
        let handles = user.lock().sessions.clone();
        let mut killed = 0;
        for handle in handles {
            if self.slots[handle.index as usize].line.kill(handle.generation, reason) {
                killed += 1;
                self.emit(EventKind::SessionKilled, handle.to_raw(), &user.id, reason);
            }
        }
        Ok(killed)
    }

    fn emit(&self, kind: EventKind, session: u64, user: &str, reason: KillReason) {
        self.audit_later(AuditEvent::host(
            "session.kill",
            user,
            serde_json::json!({"session": session, "reason": reason}),
        ));
        if let Some(listener) = self.listener.load_full() {
            listener(&Event { kind, session, user, reason });
        }
    }

    /// Sets (or with `None` clears) the event listener.
    pub fn set_listener(&self, listener: Option<Listener>) {
        self.listener.store(listener.map(Arc::new));
    }

    /// One session's listing.
    pub fn session_info(&self, session: u64) -> Result<SessionInfo> {
        let handle = Handle::from_raw(session);
        let meta = self.sessions.meta(handle.index, handle.generation).ok_or(Error::StaleHandle)?;
        self.info(handle, &meta).ok_or(Error::StaleHandle)
    }

    fn info(&self, handle: Handle, meta: &SessionMeta) -> Option<SessionInfo> {
        let SessionSlot { line, side } = self.slots.get(handle.index as usize)?;
        let state = line.state(handle.generation)?;
        let c = line.counters(handle.generation, side)?;
        Some(SessionInfo {
            session: handle.to_raw(),
            user: meta.user.id.clone(),
            tier: self.tier_name(state.tier),
            opened_unix_ms: meta.opened_unix_ms,
            messages: c.messages,
            orders: c.orders,
            throttled: c.throttled,
            disconnects: c.disconnects,
            killed: state.killed,
            escalated: state.escalated,
        })
    }

    /// Every open session, or those of one user, by handle index.
    pub fn sessions(&self, user: Option<&str>) -> Vec<SessionInfo> {
        self.sessions
            .all()
            .into_iter()
            .filter(|(_, meta)| user.is_none_or(|u| meta.user.id == u))
            .filter_map(|(index, meta)| self.info(Handle { index, generation: meta.generation }, &meta))
            .collect()
    }

    /// The counters of one session.
    pub fn session_counters(&self, session: u64) -> Result<Counters> {
        let (line, side, handle) = self.line(session)?;
        line.counters(handle.generation, side).ok_or(Error::StaleHandle)
    }

    /// Zeroes one session's violation counters and escalation window.
    ///
    /// An operator action: its audit record is committed first, and nothing is reset if it cannot
    /// be.
    pub fn session_reset_violations(&self, session: u64) -> Result<()> {
        let (line, side, handle) = self.line(session)?;
        let meta = self.sessions.meta(handle.index, handle.generation).ok_or(Error::StaleHandle)?;
        let details = serde_json::json!({"session": session});
        self.access.append_audit(&[AuditEvent::host("violations.reset", &meta.user.id, details)])?;
        line.reset_violations(handle.generation, side).then_some(()).ok_or(Error::StaleHandle)
    }

    /// A user's violations: its closed sessions' and its live sessions'.
    pub fn user_violations(&self, user: &str) -> Result<u64> {
        let user = self.users.get(user)?;
        let state = user.lock();
        let live: u64 = state
            .sessions
            .iter()
            .filter_map(|h| {
                let slot = &self.slots[h.index as usize];
                slot.line.counters(h.generation, &slot.side)
            })
            .map(|c| c.violations())
            .sum();
        Ok(state.closed.violations() + live)
    }

    /// Zeroes a user's violations, closed and live sessions alike.
    ///
    /// An operator action: its audit record is committed first, and nothing is reset if it cannot
    /// be.
    pub fn user_reset_violations(&self, user: &str) -> Result<()> {
        let user = self.users.get(user)?;
        let details = serde_json::json!({"sessions": "all"});
        self.access.append_audit(&[AuditEvent::host("violations.reset", &user.id, details)])?;
        let mut state = user.lock();
        state.closed.throttled = 0;
        state.closed.disconnects = 0;
        for h in &state.sessions {
            let slot = &self.slots[h.index as usize];
            slot.line.reset_violations(h.generation, &slot.side);
        }
        Ok(())
    }

    /// Every known user's id (provisioned or only given a tier), in order.
    pub fn user_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.users.all().iter().map(|u| u.id.clone()).collect();
        ids.sort();
        ids
    }

    /// Live sessions of `user`.
    pub fn user_live_sessions(&self, user: &str) -> Result<u32> {
        Ok(self.users.get(user)?.limit.live())
    }
}

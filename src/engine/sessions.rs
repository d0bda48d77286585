//! Live sessions on the cold path: opening and closing them, kills (by session or user) and the
//! listener told of them, listings, counters and violations.

use crate::cold::audit::AuditEvent;
use crate::cold::sessions::{SessionMeta, Sessions as SessionTable};
use crate::cold::users::{Carried, User};
use crate::engine::core::{unix_ms, Core, Event, EventKind, Listener, SessionInfo};
use crate::error::{Error, Result};
use crate::hot::session::{CheckMode, Counters, Handle, KillReason, SessionLine, SessionSide, SessionSlot};
use std::sync::Arc;

/// The sessions part of an engine, reached as [`Engine::sessions`](crate::Engine::sessions). The
/// per-message check is not here: it is [`Engine::check`](crate::Engine::check), a direct call.
///
/// Hosts normally open sessions through a logon ([`Access::logon`](crate::engine::Access::logon));
/// [`Sessions::open`] is for hosts that authenticate peers themselves. May be used from several
/// threads at once.
#[derive(Clone, Copy, Debug)]
pub struct Sessions<'e> {
    pub(super) core: &'e Core,
}

/// The sessions part's state.
pub(super) struct SessionsState {
    /// Who owns each open slot, and the free list.
    pub(super) table: SessionTable,
    /// The host's listener for kills.
    pub(super) listener: arc_swap::ArcSwapOption<Listener>,
}

impl SessionsState {
    pub(super) fn new(capacity: u32) -> SessionsState {
        SessionsState { table: SessionTable::new(capacity), listener: arc_swap::ArcSwapOption::empty() }
    }
}

impl Sessions<'_> {
    /// Opens a session for `user` on the user's tier, if the user has a free session slot.
    pub fn open(&self, user: &str) -> Result<u64> {
        self.core.session_open(user)
    }

    /// Closes a session and frees its slot; the handle is stale from now on.
    pub fn close(&self, session: u64) -> Result<Counters> {
        self.core.session_close(session)
    }

    /// Kills a session: its next check answers KILLED and the listener is told. Killing a killed
    /// session does nothing.
    pub fn kill(&self, session: u64) -> Result<()> {
        self.core.session_kill(session)
    }

    /// Kills every live session of `user`; returns how many were killed now.
    ///
    /// An operator action: recorded (`user.kill`, with how many were killed) even when the user had
    /// no live session; each session killed has its own `session.kill` record too.
    pub fn kill_user(&self, user: &str) -> Result<usize> {
        self.core.user_kill(user)
    }

    /// Changes who may check a session (see [`CheckMode`]); a session opens in the engine's mode
    /// (`Config::single_owner`).
    ///
    /// Call it between checks of the session: before its first check, or on the thread that checks
    /// it. A single owner's checks take no locked instruction; the host promises that one thread at
    /// a time checks the session. Broken, the promise costs at most one burst of over-admission
    /// per overlapping check, never a crash; a watched owner counts the overlaps
    /// ([`SessionInfo::owner_overlaps`]).
    pub fn set_mode(&self, session: u64, mode: CheckMode) -> Result<()> {
        self.core.session_set_mode(session, mode)
    }

    /// Sets (or with `None` clears) the event listener.
    pub fn set_listener(&self, listener: Option<Listener>) {
        self.core.set_listener(listener)
    }

    /// One session's listing.
    pub fn info(&self, session: u64) -> Result<SessionInfo> {
        self.core.session_info(session)
    }

    /// Every open session, or those of one user, by handle index.
    pub fn list(&self, user: Option<&str>) -> Vec<SessionInfo> {
        self.core.session_list(user)
    }

    /// The counters of one session.
    pub fn counters(&self, session: u64) -> Result<Counters> {
        self.core.session_counters(session)
    }

    /// Zeroes one session's violation counters and escalation window.
    ///
    /// An operator action: its audit record is committed first, and nothing is reset if it cannot
    /// be.
    pub fn reset_violations(&self, session: u64) -> Result<()> {
        self.core.session_reset_violations(session)
    }

    /// A user's violations: its closed sessions' and its live sessions'.
    pub fn user_violations(&self, user: &str) -> Result<u64> {
        self.core.user_violations(user)
    }

    /// Zeroes a user's violations, closed and live sessions alike.
    ///
    /// An operator action: its audit record is committed first, and nothing is reset if it cannot
    /// be.
    pub fn reset_user_violations(&self, user: &str) -> Result<()> {
        self.core.user_reset_violations(user)
    }

    /// Every known user's id (provisioned or only given a tier), in order.
    pub fn users(&self) -> Vec<String> {
        self.core.user_ids()
    }

    /// Live sessions of `user`.
    pub fn live_sessions(&self, user: &str) -> Result<u32> {
        self.core.user_live_sessions(user)
    }
}

impl Core {
    pub(crate) fn session_open(&self, user: &str) -> Result<u64> {
        let user = self.users.get(user)?;
        let mut state = user.lock();
        let _policy = self.lock_policy();
        let spec = self
            .tiers
            .table
            .snapshot()
            .by_index(state.tier())
            .map(|t| t.spec)
            .ok_or(Error::Internal("a user's tier is missing".into()))?;
        let max = spec.max_sessions;
        if !user.limit.try_acquire(max) {
            return Err(Error::limit(format!("the user has {max} of {max} sessions open")));
        }
        let index = match self.sessions.table.allocate() {
            Ok(index) => index,
            Err(e) => {
                user.limit.release();
                return Err(e);
            }
        };
        let slot = self.slots.at(index);
        let policy = spec.policy();
        // What the user's last sessions still owed on these rates: a reconnect does not refill.
        let debts = self.debts_take(&mut state, [policy.messages.0, policy.orders.0]);
        let generation = slot.line.open(state.tier(), &policy, self.default_mode, slot.side, debts);
        let handle = Handle { index, generation };
        if !spec.account.is_none() {
            self.account_sync(&user, handle, &spec.account);
        }
        let meta = SessionMeta {
            user: user.clone(),
            generation,
            opened_unix_ms: unix_ms(),
            opened_ns: self.debts.clock.now(),
        };
        self.sessions.table.register(index, meta);
        state.sessions.push(handle);
        let details = serde_json::json!({"session": handle.to_raw(), "tier": self.tier_name(state.tier())});
        self.audit_later(AuditEvent::host("session.open", &user.id, details));
        Ok(handle.to_raw())
    }

    pub(super) fn line(&self, session: u64) -> Result<(&SessionLine, &SessionSide, Handle)> {
        let handle = Handle::from_raw(session);
        let slot = self.slots.get(handle.index).ok_or(Error::StaleHandle)?;
        Ok((slot.line, slot.side, handle))
    }

    pub(crate) fn session_set_mode(&self, session: u64, mode: CheckMode) -> Result<()> {
        let (line, _, handle) = self.line(session)?;
        let meta = self.sessions.table.meta(handle.index, handle.generation).ok_or(Error::StaleHandle)?;
        if !line.set_mode(handle.generation, mode) {
            return Err(Error::StaleHandle);
        }
        let mode = match mode {
            CheckMode::Shared => "shared",
            CheckMode::SingleOwner { watched: false } => "single_owner",
            CheckMode::SingleOwner { watched: true } => "single_owner_watched",
        };
        let details = serde_json::json!({"session": session, "mode": mode});
        self.audit_later(AuditEvent::host("session.mode", &meta.user.id, details));
        Ok(())
    }

    pub(crate) fn session_close(&self, session: u64) -> Result<Counters> {
        let (line, side, handle) = self.line(session)?;
        let (counters, before) = line.close(handle.generation, side).ok_or(Error::StaleHandle)?;
        // Read before the slot is released (and perhaps reopened).
        let now = self.debts.clock.now();
        let ((debts, untouched), rates) = (line.debts(before, now), line.policy_words());
        if let Some(meta) = self.sessions.table.release(handle.index) {
            let mut state = meta.user.lock();
            state.sessions.retain(|h| *h != handle);
            self.account_release(&meta.user, state.sessions.len());
            // Debts carried in and never checked against still date from the open.
            let (at_ns, at_unix_ms) =
                if untouched { (meta.opened_ns, meta.opened_unix_ms) } else { (now, unix_ms()) };
            let max = self.tiers.table.snapshot().by_index(state.tier()).map_or(1, |t| t.spec.max_sessions);
            self.debts_keep(&mut state, Carried { debts, rates, at_ns: Some(at_ns), at_unix_ms }, max);
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
            self.fleet_lease_drop(None, Some(session));
            self.audit.violations_seen.lock().unwrap_or_else(|p| p.into_inner()).remove(&session);
        }
        Ok(counters)
    }

    pub(crate) fn session_kill(&self, session: u64) -> Result<()> {
        self.kill_one(session, KillReason::Admin)
    }

    pub(super) fn kill_one(&self, session: u64, reason: KillReason) -> Result<()> {
        let (line, _, handle) = self.line(session)?;
        if line.kill(handle.generation, reason) {
            if let Some(meta) = self.sessions.table.meta(handle.index, handle.generation) {
                self.emit(EventKind::SessionKilled, session, &meta.user.id, reason);
            }
            return Ok(());
        }
        line.state(handle.generation).ok_or(Error::StaleHandle)?;
        // Already killed: nothing changes, but the operator's request is still recorded.
        if reason == KillReason::Admin {
            if let Some(meta) = self.sessions.table.meta(handle.index, handle.generation) {
                let details =
                    serde_json::json!({"session": session, "reason": reason, "already_killed": true});
                self.access.append_audit(&[AuditEvent::host("session.kill", &meta.user.id, details)])?;
            }
        }
        Ok(())
    }

    pub(crate) fn user_kill(&self, user: &str) -> Result<usize> {
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
            if self.slots.at(handle.index).line.kill(handle.generation, reason) {
                killed += 1;
                self.emit(EventKind::SessionKilled, handle.to_raw(), &user.id, reason);
            }
        }
        Ok(killed)
    }

    pub(super) fn emit(&self, kind: EventKind, session: u64, user: &str, reason: KillReason) {
        self.audit_later(AuditEvent::host(
            "session.kill",
            user,
            serde_json::json!({"session": session, "reason": reason}),
        ));
        if let Some(listener) = self.sessions.listener.load_full() {
            listener(&Event { kind, session, user, reason });
        }
    }

    pub(crate) fn set_listener(&self, listener: Option<Listener>) {
        self.sessions.listener.store(listener.map(Arc::new));
    }

    pub(crate) fn session_info(&self, session: u64) -> Result<SessionInfo> {
        let handle = Handle::from_raw(session);
        let meta = self.sessions.table.meta(handle.index, handle.generation).ok_or(Error::StaleHandle)?;
        self.info(handle, &meta).ok_or(Error::StaleHandle)
    }

    pub(super) fn info(&self, handle: Handle, meta: &SessionMeta) -> Option<SessionInfo> {
        let SessionSlot { line, side } = self.slots.get(handle.index)?;
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
            single_owner: matches!(state.mode, CheckMode::SingleOwner { .. }),
            owner_overlaps: side.overlaps(),
        })
    }

    pub(crate) fn session_list(&self, user: Option<&str>) -> Vec<SessionInfo> {
        self.sessions
            .table
            .all()
            .into_iter()
            .filter(|(_, meta)| user.is_none_or(|u| meta.user.id == u))
            .filter_map(|(index, meta)| self.info(Handle { index, generation: meta.generation }, &meta))
            .collect()
    }

    pub(crate) fn session_counters(&self, session: u64) -> Result<Counters> {
        let (line, side, handle) = self.line(session)?;
        line.counters(handle.generation, side).ok_or(Error::StaleHandle)
    }

    pub(crate) fn session_reset_violations(&self, session: u64) -> Result<()> {
        let (line, side, handle) = self.line(session)?;
        let meta = self.sessions.table.meta(handle.index, handle.generation).ok_or(Error::StaleHandle)?;
        let details = serde_json::json!({"session": session});
        self.access.append_audit(&[AuditEvent::host("violations.reset", &meta.user.id, details)])?;
        line.reset_violations(handle.generation, side).then_some(()).ok_or(Error::StaleHandle)
    }

    pub(crate) fn user_violations(&self, user: &str) -> Result<u64> {
        let user = self.users.get(user)?;
        let state = user.lock();
        let live: u64 = state
            .sessions
            .iter()
            .filter_map(|h| {
                let slot = self.slots.at(h.index);
                slot.line.counters(h.generation, slot.side)
            })
            .map(|c| c.violations())
            .sum();
        Ok(state.closed.violations() + live)
    }

    pub(crate) fn user_reset_violations(&self, user: &str) -> Result<()> {
        let user = self.users.get(user)?;
        let details = serde_json::json!({"sessions": "all"});
        self.access.append_audit(&[AuditEvent::host("violations.reset", &user.id, details)])?;
        let mut state = user.lock();
        state.closed.throttled = 0;
        state.closed.disconnects = 0;
        for h in &state.sessions {
            let slot = self.slots.at(h.index);
            slot.line.reset_violations(h.generation, slot.side);
        }
        Ok(())
    }

    pub(crate) fn user_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.users.all().iter().map(|u| u.id.clone()).collect();
        ids.sort();
        ids
    }

    pub(crate) fn user_live_sessions(&self, user: &str) -> Result<u32> {
        Ok(self.users.get(user)?.limit.live())
    }
}

//! The engine: the hot path's session table and tier table, and the cold path that manages them.
//!
//! [`Engine::check`] and its variants are the hot path; every other method is cold.

use crate::cold::sessions::{SessionMeta, Sessions};
use crate::cold::tiers::{Tier, TierSpec, Tiers, DEFAULT_TIER};
use crate::cold::users::{User, Users};
use crate::error::{Error, Result};
use crate::hot::clock::{Clock, ManualClock};
use crate::hot::msgtype::{self, MsgTypeError, OrderTypes};
use crate::hot::session::{
    Counters, Handle, KillReason, MsgClass, SessionLine, SessionSide, SessionSlot, Verdict,
};
use arc_swap::ArcSwapOption;
use serde::Serialize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a check without a timestamp reads the time.
#[derive(Clone, Debug)]
pub enum ClockConfig {
    /// A ticker thread refreshes one atomic every `tick`; a check costs one load. Decisions lag real
    /// time by less than one tick.
    Coarse {
        /// Refresh period.
        tick: Duration,
    },
    /// Read the TSC on every check (about 9 ns more).
    Precise,
    /// A clock the caller moves (tests).
    Manual(Arc<ManualClock>),
}

/// Engine configuration. Later layers add the store, the master password and the admin API.
#[derive(Clone, Debug)]
pub struct Config {
    /// Sessions open at once, all users together (the session table's size).
    pub max_sessions: u32,
    /// Tiers that can be defined, the four defaults included.
    pub max_tiers: u16,
    /// The clock of [`Engine::check`].
    pub clock: ClockConfig,
    /// MsgTypes counted as orders.
    pub order_types: OrderTypes,
}

/// Default tick of the coarse clock.
pub const DEFAULT_TICK: Duration = Duration::from_micros(500);

impl Default for Config {
    fn default() -> Self {
        Config {
            max_sessions: 65_536,
            max_tiers: 1_024,
            clock: ClockConfig::Coarse { tick: DEFAULT_TICK },
            order_types: OrderTypes::default(),
        }
    }
}

/// Largest session table.
pub const MAX_SESSIONS_LIMIT: u32 = 1 << 24;

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

/// The enforcement engine.
///
/// May be used from several threads at once.
pub struct Engine {
    slots: Box<[SessionSlot]>,
    clock: Clock,
    /// Serializes every policy publication and session open (lock order: user, policy, sessions),
    /// so a session is never opened on a tier definition that a concurrent change then misses.
    policy: Mutex<()>,
    order_types: OrderTypes,
    tiers: Tiers,
    users: Users,
    sessions: Sessions,
    listener: ArcSwapOption<Listener>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("capacity", &self.slots.len())
            .field("open_sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Engine {
    /// Opens an in-memory engine with the four default tiers.
    pub fn open(config: Config) -> Result<Engine> {
        if config.max_sessions == 0 || config.max_sessions > MAX_SESSIONS_LIMIT {
            return Err(Error::invalid("max_sessions must be 1 to 16,777,216"));
        }
        if config.max_tiers < crate::cold::tiers::DEFAULT_TIERS.len() as u16 {
            return Err(Error::invalid("max_tiers must be at least 4 (the defaults)"));
        }
        let clock = match config.clock {
            ClockConfig::Coarse { tick } => {
                if tick.is_zero() || tick > Duration::from_secs(1) {
                    return Err(Error::invalid("the clock tick must be 1 us to 1 s"));
                }
                Clock::coarse(tick)
                    .map_err(|e| Error::Internal(format!("cannot start the clock thread: {e}").into()))?
            }
            ClockConfig::Precise => Clock::precise(),
            ClockConfig::Manual(manual) => Clock::manual(manual),
        };
        let tiers = Tiers::with_defaults(config.max_tiers)?;
        Ok(Engine {
            slots: (0..config.max_sessions).map(|_| SessionSlot::default()).collect(),
            clock,
            policy: Mutex::new(()),
            order_types: config.order_types,
            tiers,
            users: Users::default(),
            sessions: Sessions::new(config.max_sessions),
            listener: ArcSwapOption::empty(),
        })
    }

    // ----- hot path -----

    /// Decides one inbound message of `class` on `session`, at the engine clock's time.
    #[inline(always)]
    pub fn check(&self, session: u64, class: MsgClass) -> Verdict {
        self.check_at(session, class, self.clock.now())
    }

    /// Decides one inbound message at the caller's time `now_ns` (for example the engine's receive
    /// timestamp). Use one time base per session: do not mix it with [`Engine::check`].
    #[inline(always)]
    pub fn check_at(&self, session: u64, class: MsgClass, now_ns: u64) -> Verdict {
        let handle = Handle::from_raw(session);
        match self.slots.get(handle.index as usize) {
            Some(slot) => slot.line.check(handle.generation, class, now_ns, &slot.side),
            None => Verdict::Stale,
        }
    }

    /// Decides one inbound message given its raw MsgType (tag 35 value).
    #[inline]
    pub fn check_msgtype(&self, session: u64, msgtype: &[u8]) -> std::result::Result<Verdict, MsgTypeError> {
        msgtype::validate(msgtype)?;
        Ok(self.check(session, self.order_types.classify(msgtype)))
    }

    /// The class of a MsgType under this engine's order set.
    pub fn classify(&self, msgtype: &[u8]) -> std::result::Result<MsgClass, MsgTypeError> {
        msgtype::validate(msgtype)?;
        Ok(self.order_types.classify(msgtype))
    }

    /// The engine clock's reading, in nanoseconds since open.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    // ----- tiers and users -----

    fn lock_policy(&self) -> MutexGuard<'_, ()> {
        self.policy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Defines a tier or changes one; live sessions on it enforce the change from their next message.
    ///
    /// When the rates change, those sessions' buckets start afresh under the new rates (a full
    /// burst): debt run up at one interval is meaningless at another. Violation counters are kept.
    pub fn tier_set(&self, name: &str, spec: TierSpec) -> Result<()> {
        let _policy = self.lock_policy();
        let (index, before) = self.tiers.set(name, spec)?;
        if before.is_some_and(|b| b.policy() != spec.policy()) {
            let policy = spec.policy();
            for (i, meta) in self.sessions.all() {
                let SessionSlot { line, side } = &self.slots[i as usize];
                if line.state(meta.generation).is_some_and(|s| s.tier == index) {
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
        let index = self.tier(tier)?.index;
        let (user, _) = self.users.get_or_create(user, index)?;
        let mut state = user.lock();
        let _policy = self.lock_policy();
        // Read under the policy lock: the definition cannot change until the sessions have it.
        let Some(spec) = self.tiers.snapshot().by_index(index).map(|t| t.spec) else {
            return Err(Error::not_found("no such tier"));
        };
        if state.tier == index {
            return Ok(());
        }
        state.tier = index;
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
        let index = self.users.get(user)?.lock().tier;
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
            .by_index(state.tier)
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
            state.tier,
            &spec.policy(),
            &self.slots[index as usize].side,
        );
        let handle = Handle { index, generation };
        self.sessions
            .register(index, SessionMeta { user: user.clone(), generation, opened_unix_ms: unix_ms() });
        state.sessions.push(handle);
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
        }
        Ok(counters)
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
        line.state(handle.generation).map(drop).ok_or(Error::StaleHandle)
    }

    /// Kills every live session of `user`; returns how many were killed now.
    pub fn user_kill(&self, user: &str) -> Result<usize> {
        let user = self.users.get(user)?;
        self.kill_user(&user, KillReason::User)
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
    pub fn session_reset_violations(&self, session: u64) -> Result<()> {
        let (line, side, handle) = self.line(session)?;
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
    pub fn user_reset_violations(&self, user: &str) -> Result<()> {
        let user = self.users.get(user)?;
        let mut state = user.lock();
        state.closed.throttled = 0;
        state.closed.disconnects = 0;
        for h in &state.sessions {
            let slot = &self.slots[h.index as usize];
            slot.line.reset_violations(h.generation, &slot.side);
        }
        Ok(())
    }

    /// Live sessions of `user`.
    pub fn user_live_sessions(&self, user: &str) -> Result<u32> {
        Ok(self.users.get(user)?.limit.live())
    }
}

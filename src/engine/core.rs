//! The cold half of the engine, shared by its parts ([`Access`](super::Access),
//! [`Eligibility`](super::Eligibility), [`Tiers`](super::Tiers), [`Sessions`](super::Sessions),
//! [`Audit`](super::Audit)) and the housekeeper thread: their state, grouped by part, and the
//! locks they share. The hot path never touches it.
//!
//! Lock order, wherever several are taken: user, policy, session registry.

use crate::cold::audit::AuditQueue;
use crate::cold::sessions::Sessions;
use crate::cold::tiers::Tiers;
use crate::cold::users::Users;
use crate::engine::access::AccessState;
use crate::engine::eligibility::EligibilityState;
use crate::engine::stats::LogonCounters;
use crate::hot::session::{KillReason, SessionSlot};
use arc_swap::ArcSwapOption;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

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
pub(crate) struct Core {
    pub(super) slots: Arc<[SessionSlot]>,
    /// Serializes every policy publication and session open (lock order: user, policy, sessions),
    /// so a session is never opened on a tier definition that a concurrent change then misses.
    pub(super) policy: Mutex<()>,
    /// Serializes tier definitions from validation through commit to publication, outside the
    /// policy lock (taken before it when both are held).
    pub(super) tier_changes: Mutex<()>,
    pub(super) tiers: Tiers,
    pub(super) users: Users,
    pub(super) sessions: Sessions,
    pub(super) listener: ArcSwapOption<Listener>,
    pub(super) access: AccessState,
    pub(super) eligibility: EligibilityState,
    /// Logon, session and violation events waiting for the housekeeper to write them.
    pub(super) audit_queue: AuditQueue,
    /// Violation counters already recorded, per open session, and when they were last read.
    pub(super) violations_seen: Mutex<HashMap<u64, (u64, u64)>>,
    pub(super) violations_read: Mutex<std::time::Instant>,
    /// Held while queued audit events are taken and written.
    pub(super) audit_writing: Mutex<()>,
    /// Refused logons of this interval, aggregated (see `refusals`).
    pub(super) refusals: super::refusals::Refusals,
    pub(super) logon_counters: LogonCounters,
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

pub(crate) use crate::cold::unix_ms;

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

    /// The access part over this core.
    pub(crate) fn access(&self) -> super::Access<'_> {
        super::Access { core: self }
    }

    /// The eligibility part over this core.
    pub(crate) fn eligibility(&self) -> super::Eligibility<'_> {
        super::Eligibility { core: self }
    }

    /// The tiers part over this core.
    pub(crate) fn tiers(&self) -> super::Tiers<'_> {
        super::Tiers { core: self }
    }

    /// The sessions part over this core.
    pub(crate) fn sessions(&self) -> super::Sessions<'_> {
        super::Sessions { core: self }
    }

    /// The audit part over this core.
    pub(crate) fn audit(&self) -> super::Audit<'_> {
        super::Audit { core: self }
    }

    pub(crate) fn lock_policy(&self) -> MutexGuard<'_, ()> {
        self.policy.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ----- sessions -----
}

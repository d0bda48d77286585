//! The cold half of the engine, shared by its parts ([`Access`](super::Access),
//! [`Eligibility`](super::Eligibility), [`Tiers`](super::Tiers), [`Sessions`](super::Sessions),
//! [`Audit`](super::Audit)) and the housekeeper thread: their state, grouped by part, and the
//! locks they share. The hot path never touches it.
//!
//! Lock order, wherever several are taken: user, policy, session registry.

use crate::cold::tiers::Tiers;
use crate::cold::users::Users;
use crate::engine::access::AccessState;
use crate::engine::audit::AuditState;
use crate::engine::eligibility::EligibilityState;
use crate::engine::sessions::SessionsState;
use crate::engine::tiers::TiersState;
use crate::hot::session::{CheckMode, KillReason, SessionSlots};
use serde::Serialize;
use std::sync::{Mutex, MutexGuard};

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
    /// Whether one thread at a time checks it (the host's promise; see
    /// [`Sessions::set_mode`](super::Sessions::set_mode)).
    pub single_owner: bool,
    /// Checks that overlapped another check of this single-owner session (counted only while it is
    /// watched); anything above 0 means the host broke its promise.
    pub owner_overlaps: u64,
}

/// The cold-path state of an engine, shared with its housekeeping thread.
///
/// May be used from several threads at once.
pub(crate) struct Core {
    // Shared by the parts:
    /// The session table the hot path checks.
    pub(super) slots: SessionSlots,
    /// The mode a new session opens in (the engine's `single_owner` option).
    pub(super) default_mode: CheckMode,
    /// Serializes every policy publication and session open (lock order: user, policy, sessions),
    /// so a session is never opened on a tier definition that a concurrent change then misses.
    pub(super) policy: Mutex<()>,
    /// Every user with a tier, its live sessions and its session counter (tiers and sessions).
    pub(super) users: Users,
    // Each part's own state, in that part's file:
    pub(super) access: AccessState,
    pub(super) eligibility: EligibilityState,
    pub(super) tiers: TiersState,
    pub(super) sessions: SessionsState,
    pub(super) audit: AuditState,
    pub(super) debts: super::debts::DebtsState,
    pub(super) accounts: super::accounts::AccountsState,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("capacity", &self.slots.len())
            .field("open_sessions", &self.sessions.table.len())
            .finish_non_exhaustive()
    }
}

pub(crate) use crate::cold::unix_ms;

impl Core {
    pub(crate) fn new(
        slots: SessionSlots,
        tiers: Tiers,
        access: AccessState,
        eligibility: EligibilityState,
        default_mode: CheckMode,
        clock: crate::hot::clock::ClockReader,
        weights: std::sync::Arc<crate::hot::weights::Weights>,
    ) -> Core {
        let capacity = slots.len() as u32;
        Core {
            slots,
            default_mode,
            policy: Mutex::new(()),
            users: Users::default(),
            access,
            eligibility,
            tiers: TiersState::new(tiers, weights),
            sessions: SessionsState::new(capacity),
            audit: AuditState::new(),
            debts: super::debts::DebtsState::new(clock),
            accounts: super::accounts::AccountsState::new(capacity as usize),
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

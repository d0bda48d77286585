//! Tiers and who is on them: defining a tier, moving a user between tiers, and publishing either
//! into the live sessions, which enforce it from their next message.

use crate::cold::audit::AuditEvent;
use crate::cold::store::{Table, Write};
use crate::cold::tiers::{Tier, TierSpec, Tiers as TierTable};
use crate::cold::users::validate_id;
use crate::engine::core::Core;
use crate::error::{Error, Result};
use crate::hot::session::SessionSlot;

/// The tiers part of an engine, reached as [`Engine::tiers`](crate::Engine::tiers): the rate-limit
/// tiers (rates, bursts, session counts, escalation) and each user's tier.
///
/// A tier change is committed with its audit record first and published after, under the policy
/// lock that every session open takes, so a session never opens on a definition a change then
/// misses. May be used from several threads at once.
#[derive(Clone, Copy, Debug)]
pub struct Tiers<'e> {
    pub(super) core: &'e Core,
}

/// The tiers part's state.
pub(super) struct TiersState {
    /// The published definitions (arc-swap snapshots).
    pub(super) table: TierTable,
    /// Serializes tier definitions from validation through commit to publication, outside the
    /// policy lock (taken before it when both are held).
    pub(super) changes: std::sync::Mutex<()>,
}

impl TiersState {
    pub(super) fn new(table: TierTable) -> TiersState {
        TiersState { table, changes: std::sync::Mutex::new(()) }
    }
}

impl Tiers<'_> {
    /// Defines a tier or changes one; live sessions on it enforce the change from their next message.
    ///
    /// When the rates change, those sessions' buckets start afresh under the new rates (a full
    /// burst): debt run up at one interval is meaningless at another. Violation counters are kept.
    ///
    /// The commit runs outside the policy lock, which every session open (every logon) takes: a
    /// tier change never makes a logon wait on the disk. Tier changes are serialized among
    /// themselves, so they are published in the order they committed.
    pub fn set(&self, name: &str, spec: TierSpec) -> Result<()> {
        self.core.tier_set(name, spec)
    }

    /// The tier named `name`.
    pub fn get(&self, name: &str) -> Result<Tier> {
        self.core.tier(name)
    }

    /// Every tier.
    pub fn all(&self) -> Vec<Tier> {
        self.core.tier_list()
    }

    /// Puts `user` on `tier`, creating the user if new; the user's live sessions enforce the tier from
    /// their next message, with their buckets started afresh (see [`Tiers::set`]). Sessions
    /// already open above a lower max stay open.
    pub fn assign(&self, user: &str, tier: &str) -> Result<()> {
        self.core.user_set_tier(user, tier)
    }

    /// The tier name of `user`.
    pub fn of(&self, user: &str) -> Result<String> {
        self.core.user_tier(user)
    }
}

impl Core {
    pub(crate) fn tier_set(&self, name: &str, spec: TierSpec) -> Result<()> {
        let _changes = self.tiers.changes.lock().unwrap_or_else(|p| p.into_inner());
        self.tiers.table.check(name, &spec)?;
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

    pub(super) fn tier_publish_locked(&self, name: &str, spec: TierSpec) -> Result<()> {
        let (index, before) = self.tiers.table.set(name, spec)?;
        if before.is_some_and(|b| b.policy() != spec.policy()) {
            let policy = spec.policy();
            for (i, meta) in self.sessions.table.all() {
                // The user's tier, not the session's state word: reading every live line would
                // pull each one away from the core checking it, once per redefinition. Tier moves
                // and opens hold the policy lock too, so the two agree here.
                if meta.user.tier() == index {
                    let SessionSlot { line, side } = self.slots.at(i);
                    line.set_policy(meta.generation, index, &policy, side);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn tier(&self, name: &str) -> Result<Tier> {
        self.tiers.table.snapshot().get(name).cloned().ok_or_else(|| Error::not_found("no such tier"))
    }

    pub(crate) fn tier_list(&self) -> Vec<Tier> {
        self.tiers.table.snapshot().iter().cloned().collect()
    }

    pub(crate) fn user_set_tier(&self, user: &str, tier: &str) -> Result<()> {
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
        let Some(spec) = self.tiers.table.snapshot().by_index(index).map(|t| t.spec) else {
            return Err(Error::not_found("no such tier"));
        };
        if state.tier() == index {
            return Ok(());
        }
        user.set_tier(&mut state, index);
        let policy = spec.policy();
        for h in &state.sessions {
            let slot = self.slots.at(h.index);
            slot.line.set_policy(h.generation, index, &policy, slot.side);
        }
        Ok(())
    }

    pub(crate) fn user_tier(&self, user: &str) -> Result<String> {
        let index = self.users.get(user)?.lock().tier();
        Ok(self.tier_name(index))
    }

    pub(super) fn tier_name(&self, index: u16) -> String {
        self.tiers.table.snapshot().by_index(index).map_or_else(String::new, |t| t.name.clone())
    }
}

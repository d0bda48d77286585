//! Tiers and who is on them: defining a tier, moving a user between tiers, and publishing either
//! into the live sessions, which enforce it from their next message.

use crate::cold::audit::AuditEvent;
use crate::cold::store::{Table, Write};
use crate::cold::tiers::{Tier, TierSpec, Tiers as TierTable};
use crate::cold::users::validate_id;
use crate::engine::core::Core;
use crate::error::{Error, Result};
use crate::hot::session::SessionSlot;
use crate::hot::weights::{self, Weights};
use std::collections::BTreeMap;
use std::sync::Arc;

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

/// A tier's message weights: MsgType to tokens (a MsgType without an entry weighs 1).
pub type WeightTable = BTreeMap<String, u32>;

/// The settings row holding every tier's weight table.
pub(super) const WEIGHTS_KEY: &str = "weights";

/// The tiers part's state.
pub(super) struct TiersState {
    /// The published definitions (arc-swap snapshots).
    pub(super) table: TierTable,
    /// The hot path's weight tables, by tier index.
    pub(super) weights: Arc<Weights>,
    /// Every tier's weight table as configured, by tier name (tiers without one absent); written
    /// under `changes`.
    pub(super) weight_tables: std::sync::Mutex<BTreeMap<String, WeightTable>>,
    /// Serializes tier definitions from validation through commit to publication, outside the
    /// policy lock (taken before it when both are held).
    pub(super) changes: std::sync::Mutex<()>,
}

impl TiersState {
    pub(super) fn new(table: TierTable, weights: Arc<Weights>) -> TiersState {
        TiersState {
            table,
            weights,
            weight_tables: std::sync::Mutex::new(BTreeMap::new()),
            changes: std::sync::Mutex::new(()),
        }
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
        self.core.tier_set(name, spec, false)
    }

    /// [`Tiers::set`], keeping the tier's account limits (`spec.account` is ignored): for callers
    /// whose form of a tier has none (the C struct).
    pub(crate) fn set_keeping_account(&self, name: &str, spec: TierSpec) -> Result<()> {
        self.core.tier_set(name, spec, true)
    }

    /// The tier named `name`.
    pub fn get(&self, name: &str) -> Result<Tier> {
        self.core.tier(name)
    }

    /// Every tier.
    pub fn all(&self) -> Vec<Tier> {
        self.core.tier_list()
    }

    /// Sets tier `name`'s message weights (MsgType to tokens, 0 to
    /// [`MAX_WEIGHT`](crate::hot::weights::MAX_WEIGHT)), replacing its whole table; an empty table
    /// puts every MsgType back at weight 1. Weights apply to checks by MsgType
    /// ([`Engine::check_msgtype`](crate::Engine::check_msgtype)): a message of weight `w` takes `w`
    /// tokens from each bucket it counts in (an order from both, any other message from the message
    /// bucket), 0 takes none, and one heavier than a bucket's burst is never admitted. Live sessions
    /// on the tier use the table from their next message; their buckets are not refilled.
    ///
    /// Committed with its audit record ("tier.weights") before it is published.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown tier, [`Error::InvalidArgument`] for a MsgType that is not
    /// 1 to 7 printable ASCII characters other than `=`, a weight above 255, or more than 8
    /// MsgTypes of 2 or more characters; nothing changes.
    pub fn set_weights(&self, name: &str, table: &BTreeMap<String, u64>) -> Result<WeightTable> {
        self.core.tier_set_weights(name, table)
    }

    /// Tier `name`'s weight table (MsgTypes absent from it weigh 1).
    pub fn weights(&self, name: &str) -> Result<WeightTable> {
        let tier = self.core.tier(name)?;
        Ok(self
            .core
            .tiers
            .weight_tables
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&tier.name)
            .cloned()
            .unwrap_or_default())
    }

    /// Every tier's weight table, by tier name (tiers whose MsgTypes all weigh 1 are absent).
    pub fn all_weights(&self) -> BTreeMap<String, WeightTable> {
        self.core.tiers.weight_tables.lock().unwrap_or_else(|p| p.into_inner()).clone()
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
    pub(crate) fn tier_set(&self, name: &str, mut spec: TierSpec, keep_account: bool) -> Result<()> {
        let _changes = self.tiers.changes.lock().unwrap_or_else(|p| p.into_inner());
        if keep_account {
            spec.account = self.tiers.table.snapshot().get(name).map(|t| t.spec.account).unwrap_or_default();
        }
        self.tiers.table.check(name, &spec)?;
        let value = serde_json::to_vec(&spec).map_err(|e| Error::Internal(e.to_string().into()))?;
        let event = AuditEvent::host("tier.set", name, serde_json::to_value(spec).unwrap_or_default());
        self.access.commit(event, &[Write::Put { table: Table::Tiers, key: name, value: &value }])?;
        self.tier_publish(name, spec)
    }

    pub(crate) fn tier_set_weights(&self, name: &str, table: &BTreeMap<String, u64>) -> Result<WeightTable> {
        let _changes = self.tiers.changes.lock().unwrap_or_else(|p| p.into_inner());
        let tier = self.tier(name)?;
        let checked = weights::check(table.iter().map(|(t, w)| (t.as_str(), *w)))
            .map_err(|e| Error::invalid(e.to_string()))?;
        let table: WeightTable =
            checked.iter().map(|(t, w)| (String::from_utf8_lossy(t).into_owned(), *w)).collect();
        let mut all = self.tiers.weight_tables.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if table.is_empty() {
            all.remove(&tier.name);
        } else {
            all.insert(tier.name.clone(), table.clone());
        }
        let value = serde_json::to_vec(&all).map_err(|e| Error::Internal(e.to_string().into()))?;
        let event = AuditEvent::host("tier.weights", &tier.name, serde_json::json!({"weights": table}));
        self.access
            .commit(event, &[Write::Put { table: Table::Settings, key: WEIGHTS_KEY, value: &value }])?;
        self.weights_publish(all);
        Ok(table)
    }

    /// Publishes every tier's weight table (committed, or loaded from the store): tiers absent from
    /// `all` go back to weight 1.
    pub(super) fn weights_publish(&self, all: BTreeMap<String, WeightTable>) {
        let snapshot = self.tiers.table.snapshot();
        let _policy = self.lock_policy();
        let mut tables = self.tiers.weight_tables.lock().unwrap_or_else(|p| p.into_inner());
        let any = !all.is_empty();
        for tier in snapshot.iter() {
            let (before, after) = (tables.get(&tier.name), all.get(&tier.name));
            if before != after {
                let table: Vec<(Vec<u8>, u32)> =
                    after.into_iter().flatten().map(|(t, w)| (t.as_bytes().to_vec(), *w)).collect();
                self.tiers.weights.publish(tier.index, &table, any);
            }
        }
        *tables = all;
    }

    /// Loads the weight tables from their settings row (at open, after the tiers).
    pub(super) fn weights_load(&self, value: &[u8]) -> Result<()> {
        let corrupt = |why: String| Error::Corrupt(format!("settings row 'weights': {why}").into());
        let all: BTreeMap<String, BTreeMap<String, u64>> =
            serde_json::from_slice(value).map_err(|e| corrupt(e.to_string()))?;
        let mut checked = BTreeMap::new();
        for (tier, table) in all {
            self.tier(&tier).map_err(|_| corrupt(format!("no tier '{tier}'")))?;
            weights::check(table.iter().map(|(t, w)| (t.as_str(), *w)))
                .map_err(|e| corrupt(e.to_string()))?;
            checked.insert(tier, table.into_iter().map(|(t, w)| (t, w as u32)).collect());
        }
        self.weights_publish(checked);
        Ok(())
    }

    /// Publishes a tier already committed (or loaded from the store).
    pub(crate) fn tier_publish(&self, name: &str, spec: TierSpec) -> Result<()> {
        let _policy = self.lock_policy();
        self.tier_publish_locked(name, spec)
    }

    pub(super) fn tier_publish_locked(&self, name: &str, spec: TierSpec) -> Result<()> {
        let (index, before) = self.tiers.table.set(name, spec)?;
        let policy_changed = before.is_some_and(|b| b.policy() != spec.policy());
        let account_changed = before.is_some_and(|b| b.account != spec.account);
        if policy_changed || account_changed {
            let policy = spec.policy();
            for (i, meta) in self.sessions.table.all() {
                // The user's tier, not the session's state word: reading every live line would
                // pull each one away from the core checking it, once per redefinition. Tier moves
                // and opens hold the policy lock too, so the two agree here.
                if meta.user.tier() == index {
                    let SessionSlot { line, side } = self.slots.at(i);
                    if policy_changed {
                        line.set_policy(meta.generation, index, &policy, side);
                    }
                    if account_changed {
                        let handle = crate::hot::session::Handle { index: i, generation: meta.generation };
                        self.account_sync(&meta.user, handle, &spec.account);
                    }
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
            self.account_sync(&user, *h, &spec.account);
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

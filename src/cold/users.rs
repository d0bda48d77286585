//! Users as the enforcement core knows them: a tier, a live-session limit, and their sessions.

use crate::error::{Error, Result};
use crate::hot::account::AccountRates;
use crate::hot::limit::SessionLimit;
#[cfg(doc)]
use crate::hot::session::SessionLine;
use crate::hot::session::{Counters, Debts, Handle};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Longest user id.
pub const MAX_USER_ID: usize = 128;

/// Checks a user id: 1 to 128 bytes of UTF-8 without control characters.
pub fn validate_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_USER_ID {
        return Err(Error::invalid("user id must be 1 to 128 bytes"));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::invalid("user id holds a control character"));
    }
    Ok(())
}

/// Mutable state of one user, behind the user's lock.
#[derive(Debug, Default)]
pub struct UserState {
    /// Tier index; private so that only [`User::set_tier`] writes it, with its atomic copy.
    tier: u16,
    /// Live session handles.
    pub sessions: Vec<Handle>,
    /// Counters of sessions that closed.
    pub closed: Counters,
    /// What the user's closed sessions still owed their buckets, for the next sessions to start
    /// from (most owed first); see `src/engine/debts.rs`.
    pub carried: Vec<Carried>,
}

/// A user's account-wide buckets ([`crate::hot::account`]) as the cold path tracks them.
#[derive(Clone, Copy, Debug, Default)]
pub struct UserAccount {
    /// The account line the user's sessions spend from, while it has a live session on a tier
    /// with an account limit (and until its last session closes).
    pub line: Option<u32>,
    /// What the last line owed when it was given back (messages, orders), at `owed_at_ns` on the
    /// engine's clock, under `owed_rates`: the next line starts from it, less the time since.
    pub owed: [u64; 2],
    /// When `owed` was measured.
    pub owed_at_ns: u64,
    /// The rates `owed` was run up at (another rate starts full).
    pub owed_rates: AccountRates,
}

/// The debts one closed session left ([`Debts`]), with what they were measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Carried {
    /// What it owed when it closed.
    pub debts: Debts,
    /// Its tier's two packed rates then ([`SessionLine::policy_words`]): debts run up at one rate
    /// mean nothing at another, so a session on other rates starts full.
    pub rates: [u64; 2],
    /// When, on this engine's clock (`None` when loaded from the store: then `at_unix_ms` says).
    pub at_ns: Option<u64>,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
}

impl UserState {
    /// The tier index.
    pub fn tier(&self) -> u16 {
        self.tier
    }
}

/// One user.
///
/// May be used from several threads at once.
#[derive(Debug)]
pub struct User {
    /// The user's id.
    pub id: String,
    /// Live sessions, taken lock-free on open.
    pub limit: SessionLimit,
    state: Mutex<UserState>,
    /// The user's account line and what its last one owed (`src/engine/accounts.rs`): a leaf
    /// lock, taken after the user's and the policy lock, never before.
    pub account: Mutex<UserAccount>,
    /// A copy of `state.tier`, written by [`User::set_tier`] under the user's lock and the engine's
    /// policy lock, so a tier redefinition (which holds the policy lock) finds the sessions on the
    /// tier without locking each user or reading each session's hot line.
    tier: AtomicU32,
}

impl User {
    /// Locks the user's state.
    pub fn lock(&self) -> MutexGuard<'_, UserState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts the user on tier `index`; `state` is this user's, locked (and the policy lock held).
    pub fn set_tier(&self, state: &mut UserState, index: u16) {
        state.tier = index;
        self.tier.store(u32::from(index), Ordering::Relaxed);
    }

    /// The tier index; exact while the engine's policy lock is held.
    pub fn tier(&self) -> u16 {
        self.tier.load(Ordering::Relaxed) as u16
    }
}

/// Every user by id.
///
/// May be used from several threads at once.
#[derive(Debug, Default)]
pub struct Users {
    by_id: RwLock<HashMap<String, Arc<User>>>,
}

impl Users {
    /// The user `id`.
    pub fn get(&self, id: &str) -> Result<Arc<User>> {
        let map = self.by_id.read().unwrap_or_else(|p| p.into_inner());
        map.get(id).cloned().ok_or_else(|| Error::not_found("no such user"))
    }

    /// The user `id`, created on `tier` if missing; returns it and whether it was created.
    pub fn get_or_create(&self, id: &str, tier: u16) -> Result<(Arc<User>, bool)> {
        validate_id(id)?;
        if let Ok(user) = self.get(id) {
            return Ok((user, false));
        }
        let mut map = self.by_id.write().unwrap_or_else(|p| p.into_inner());
        if let Some(user) = map.get(id) {
            return Ok((user.clone(), false));
        }
        let user = Arc::new(User {
            id: id.to_owned(),
            limit: SessionLimit::new(),
            state: Mutex::new(UserState { tier, ..UserState::default() }),
            account: Mutex::new(UserAccount::default()),
            tier: AtomicU32::new(u32::from(tier)),
        });
        map.insert(id.to_owned(), user.clone());
        Ok((user, true))
    }

    /// All users, in no particular order.
    pub fn all(&self) -> Vec<Arc<User>> {
        self.by_id.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }
}

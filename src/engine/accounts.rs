//! Account-wide limits on the cold side: which account line a user's sessions spend from, given
//! at the user's first session on a tier with an account limit and taken back at its last close,
//! keeping what it owed (in memory: an engine restart starts accounts full, while each session's
//! own debts survive it, see `debts.rs`). The hot side is `src/hot/account.rs`.

use crate::cold::tiers::AccountLimits;
use crate::cold::users::User;
use crate::engine::core::Core;
use crate::hot::session::Handle;
use std::sync::Mutex;

/// The free account lines (a leaf lock, taken after a user's account lock).
pub(super) struct AccountsState {
    free: Mutex<Vec<u32>>,
}

impl AccountsState {
    /// `capacity` free lines (as many as sessions: a user with a live session needs at most one).
    pub(super) fn new(capacity: usize) -> AccountsState {
        AccountsState { free: Mutex::new((0..capacity as u32).rev().collect()) }
    }
}

impl Core {
    /// Makes the live session `handle` of `user` spend from the user's account as `limits` say:
    /// a line given (starting from what the user's last one owed on the same rates, less the time
    /// since), new rates published with full buckets (as a tier change does for the session's own),
    /// or the session detached when the tier has no account limit. The policy lock is held.
    pub(super) fn account_sync(&self, user: &User, handle: Handle, limits: &AccountLimits) {
        let slot = self.slots.at(handle.index);
        let rates = limits.rates();
        let mut account = user.account.lock().unwrap_or_else(|p| p.into_inner());
        if !rates.any() {
            slot.line.set_account(handle.generation, slot.side, None);
            return;
        }
        let now = self.debts.clock.now();
        let index = match account.line {
            Some(index) => {
                let line = self.slots.account(index).expect("a line of the table");
                if line.rates() != rates {
                    line.start(rates, [0, 0], now);
                }
                index
            }
            None => {
                let Some(index) = self.accounts.free.lock().unwrap_or_else(|p| p.into_inner()).pop() else {
                    // Never: there are as many lines as sessions. The session's own limits hold.
                    return;
                };
                let owed = if account.owed_rates == rates {
                    account.owed.map(|o| o.saturating_sub(now.saturating_sub(account.owed_at_ns)))
                } else {
                    [0, 0]
                };
                self.slots.account(index).expect("a line of the table").start(rates, owed, now);
                account.line = Some(index);
                if !slot.line.set_account(handle.generation, slot.side, Some(index)) {
                    // The session closed meanwhile (a tier change racing its close): no session
                    // holds the line, so it goes back at once, owing what it owed before.
                    account.line = None;
                    self.accounts.free.lock().unwrap_or_else(|p| p.into_inner()).push(index);
                }
                return;
            }
        };
        slot.line.set_account(handle.generation, slot.side, Some(index));
    }

    /// After a session of `user` closed: when the user has no live session left, its account line
    /// goes back, what it owed kept for the next. `live_left` is the user's live session count.
    pub(super) fn account_release(&self, user: &User, live_left: usize) {
        if live_left > 0 {
            return;
        }
        let mut account = user.account.lock().unwrap_or_else(|p| p.into_inner());
        let Some(index) = account.line.take() else { return };
        let line = self.slots.account(index).expect("a line of the table");
        let now = self.debts.clock.now();
        account.owed = line.owed(now);
        account.owed_at_ns = now;
        account.owed_rates = line.rates();
        self.accounts.free.lock().unwrap_or_else(|p| p.into_inner()).push(index);
    }
}

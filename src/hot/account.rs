//! Per-account limits: buckets that every session of one user spends from, beside its own.
//!
//! # Layout
//! One [`AccountLine`] (a cache line of its own) per user that has a live session on a tier with an
//! account limit, in a table as long as the session table (a user with a live session needs at most
//! one, so it never runs out before the sessions do). A session's side line names its account
//! (`SessionSide::account`, index + 1), and [`StateWord::ACCOUNT`](crate::hot::session) in its state
//! word sends its checks the account's way, off the common path: a tier without an account limit
//! pays nothing.
//!
//! # Protocol
//! * `msg_tat` and `ord_tat` are GCRA buckets on the engine's clock (see [`crate::hot::gcra`]),
//!   always advanced by compare-and-swap: several sessions, on several threads, spend from them.
//! * `rates` hold the account's two rates ([`crate::hot::policy::PackedRate`]), 0 for a bucket
//!   without a limit, published by the cold path under the policy lock as a session's are.
//! * A message passes its session's buckets first, then the account's (order bucket, then message
//!   bucket); a refusal gives back every token the message took, session and account, so only
//!   admitted messages spend tokens. Admission from the account is exact under any concurrency:
//!   at most `burst + rate * t` over any window `t`, whatever the number of sessions and threads.
//! * The cold path gives an account line to a user at its first session on such a tier, and takes
//!   it back at its last session's close, keeping what the buckets owed (in memory) for the user's
//!   next account. A check still in flight on a session that just closed may spend one message's
//!   tokens from a line that was taken back (and perhaps given to another user): at most one
//!   message per closing session, never more.

use crate::hot::gcra::{admit_n, refund_by, Rate};
use crate::hot::policy::PackedRate;
use crate::sync::{AtomicU64, Ordering};

/// One account's buckets, one cache line.
#[repr(C, align(64))]
pub struct AccountLine {
    msg_tat: AtomicU64,
    ord_tat: AtomicU64,
    messages: AtomicU64,
    orders: AtomicU64,
}

impl Default for AccountLine {
    fn default() -> Self {
        AccountLine {
            msg_tat: AtomicU64::new(0),
            ord_tat: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            orders: AtomicU64::new(0),
        }
    }
}

/// An account's two limits, as published: 0 for a bucket without one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountRates {
    /// Every message of the account's sessions.
    pub messages: u64,
    /// Their orders.
    pub orders: u64,
}

impl AccountRates {
    /// `per_second` tokens a second, at most `burst`, per bucket; a rate of 0 is no limit.
    pub const fn new(messages: (u64, u64), orders: (u64, u64)) -> AccountRates {
        AccountRates { messages: Self::word(messages.0, messages.1), orders: Self::word(orders.0, orders.1) }
    }

    const fn word(per_second: u64, burst: u64) -> u64 {
        if per_second == 0 {
            0
        } else {
            PackedRate::per_second(per_second, burst).0
        }
    }

    /// Whether either bucket has a limit.
    pub const fn any(&self) -> bool {
        self.messages != 0 || self.orders != 0
    }
}

#[inline(always)]
fn rate(word: u64) -> Rate {
    PackedRate(word).rate()
}

impl AccountLine {
    /// Takes `weight` tokens (at least 1) from each of the account's buckets the message counts
    /// in, all or none; returns whether the account admits it.
    #[inline]
    pub fn admit(&self, order: bool, weight: u64, now: u64) -> bool {
        let orders = self.orders.load(Ordering::Acquire);
        let took_orders = order && orders != 0;
        if took_orders && !admit_n(&self.ord_tat, now, rate(orders), weight) {
            return false;
        }
        let messages = self.messages.load(Ordering::Acquire);
        if messages != 0 && !admit_n(&self.msg_tat, now, rate(messages), weight) {
            if took_orders {
                refund_by(&self.ord_tat, rate(orders).interval_ns * weight);
            }
            return false;
        }
        true
    }

    /// The rates in force.
    pub fn rates(&self) -> AccountRates {
        AccountRates {
            messages: self.messages.load(Ordering::Acquire),
            orders: self.orders.load(Ordering::Acquire),
        }
    }

    /// Publishes `rates` and starts both buckets `owed` nanoseconds of tokens short (each at most
    /// its bucket's limit; 0 for full buckets) at `now` on the engine's clock. Cold path, under the
    /// policy lock.
    pub fn start(&self, rates: AccountRates, owed: [u64; 2], now: u64) {
        self.messages.store(rates.messages, Ordering::Release);
        self.orders.store(rates.orders, Ordering::Release);
        for (tat, word, owed) in
            [(&self.msg_tat, rates.messages, owed[0]), (&self.ord_tat, rates.orders, owed[1])]
        {
            let owed = owed.min(rate(word).limit_ns);
            tat.store(if owed == 0 { 0 } else { now.saturating_add(owed) }, Ordering::Relaxed);
        }
    }

    /// What the buckets owe at `now` (messages, orders): how far each TAT runs ahead of it.
    pub fn owed(&self, now: u64) -> [u64; 2] {
        [&self.msg_tat, &self.ord_tat].map(|tat| tat.load(Ordering::Relaxed).saturating_sub(now))
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    #[test]
    fn an_account_admits_its_burst_then_its_rate_and_gives_refused_tokens_back() {
        let line = AccountLine::default();
        let now = 10 * SEC;
        line.start(AccountRates::new((20, 8), (5, 4)), [0, 0], now);
        let admitted = (0..10).filter(|_| line.admit(true, 1, now)).count();
        assert_eq!(admitted, 4, "the order burst");
        // 4 message tokens left: a message of weight 5 is refused whole, 4 others pass.
        assert!(!line.admit(false, 5, now));
        assert_eq!((0..10).filter(|_| line.admit(false, 1, now)).count(), 4);
        // After 200 ms one order token, and 4 message tokens: an order passes, its refused twin
        // keeps no order token.
        let later = now + SEC / 5;
        assert!(line.admit(true, 1, later));
        assert!(!line.admit(true, 1, later));
        assert_eq!(line.owed(later)[1], 4 * SEC / 5);
    }

    #[test]
    fn a_bucket_without_a_rate_has_no_limit_and_debts_carry() {
        let line = AccountLine::default();
        let now = 10 * SEC;
        line.start(AccountRates::new((0, 0), (1, 2)), [0, 0], now);
        assert!(!AccountRates::new((0, 0), (0, 5)).any());
        assert_eq!((0..1_000).filter(|_| line.admit(false, 1, now)).count(), 1_000, "messages unlimited");
        assert_eq!((0..5).filter(|_| line.admit(true, 1, now)).count(), 2);
        // Restarted owing what it owed: no order token until one is due.
        let owed = line.owed(now);
        line.start(line.rates(), owed, now);
        assert!(!line.admit(true, 1, now + SEC - 1));
        assert!(line.admit(true, 1, now + SEC));
        // Owing more than the limit is capped at it.
        line.start(line.rates(), [0, 100 * SEC], now);
        assert_eq!(line.owed(now)[1], 2 * SEC);
    }
}

#[cfg(all(test, fixprov_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Two sessions' checks race on an account of three order tokens and two message tokens, two
    /// orders each. Whatever the interleaving, exactly two orders are admitted (the message bucket
    /// refuses the third after the order bucket took it), and the refused ones keep no order token.
    #[test]
    fn two_threads_on_one_account_never_exceed_it() {
        loom::model(|| {
            let line = Arc::new(AccountLine::default());
            let now = 10_000_000_000;
            line.start(AccountRates::new((1, 2), (1, 3)), [0, 0], now);
            let spend = |line: Arc<AccountLine>| {
                move || {
                    let mut admitted = [0u64; 2];
                    for order in [true, true] {
                        admitted[usize::from(order)] += u64::from(line.admit(order, 1, now));
                    }
                    admitted
                }
            };
            let a = loom::thread::spawn(spend(line.clone()));
            let mine = spend(line.clone())();
            let theirs = a.join().unwrap();
            assert_eq!(mine[1] + theirs[1], 2, "orders admitted");
            let interval = 1_000_000_000;
            assert_eq!(line.ord_tat.load(Ordering::Relaxed), now + 2 * interval, "an order token leaked");
            assert_eq!(line.msg_tat.load(Ordering::Relaxed), now + 2 * interval);
        });
    }
}

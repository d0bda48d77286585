//! One GCRA token bucket in one atomic word.
//!
//! # Protocol
//! The word holds the bucket's *theoretical arrival time* (TAT) in nanoseconds on the session's time
//! base. A message at time `now` is admitted when `max(TAT, now) + interval - now <= limit`, where
//! `interval = ceil(1e9 / rate)` and `limit = burst * interval`; admitting it stores
//! `max(TAT, now) + interval`. This is the exact token bucket: a full bucket (TAT at or before `now`)
//! admits `burst` messages at one instant, and over any interval `t` at most `burst + floor(t / interval)`
//! are admitted, which is at most `burst + rate * t` because `interval` is rounded up.
//!
//! * Only the check writes the word, always by compare-and-swap from the value it read, so two racing
//!   checks can never both spend the same token: the loser re-reads and decides again.
//! * A long idle leaves the TAT in the past; `max(TAT, now)` caps the credit at `burst`.
//! * A clock that goes backwards makes `now` smaller: `max` keeps the TAT, so nothing is refilled.
//! * Near the top of the clock `max(TAT, now) + interval` would not fit in 64 bits: such a message is
//!   refused rather than stored at a saturated TAT, because a saturated TAT stops advancing and every
//!   later `now` within `limit` of the top would be admitted (an unbounded burst). The clock is
//!   nanoseconds since the engine opened, so the top is 584 years away; a caller's own time base
//!   (`check_at`) near it is throttled, never let through.
//! * The word publishes no other data, so `Relaxed` is enough: the modification order of this one
//!   word is the order of admissions, and that is all the decision depends on.

use crate::sync::{AtomicU64, Ordering};

/// The GCRA parameters of one bucket, in nanoseconds.
///
/// `limit_ns == 0` admits nothing (a rate of zero or a burst of zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rate {
    /// Nanoseconds one token is worth: `ceil(1e9 / rate)`.
    pub interval_ns: u64,
    /// `burst * interval_ns`: how far ahead of `now` the TAT may run, one interval included.
    pub limit_ns: u64,
}

impl Rate {
    /// A bucket of `per_second` tokens a second holding at most `burst` tokens.
    ///
    /// A rate or burst of zero gives a bucket that admits nothing. Rates above 1e9 per second are
    /// clamped to one token a nanosecond.
    pub const fn per_second(per_second: u64, burst: u64) -> Rate {
        if per_second == 0 || burst == 0 {
            return Rate { interval_ns: u64::MAX, limit_ns: 0 };
        }
        let interval_ns = 1_000_000_000u64.div_ceil(per_second);
        Rate { interval_ns, limit_ns: interval_ns.saturating_mul(burst) }
    }

    /// The burst this rate was built with (tokens a full bucket holds).
    pub const fn burst(&self) -> u64 {
        if self.limit_ns == 0 {
            0
        } else {
            self.limit_ns / self.interval_ns
        }
    }
}

/// The GCRA decision alone: the TAT after admitting one message at `now` to a bucket whose TAT is
/// `tat`, or `None` when the bucket refuses it. Both the shared check ([`admit`], by
/// compare-and-swap) and a single owner's check (a plain load and store) decide with it.
#[inline(always)]
pub(crate) fn step(tat: u64, now: u64, rate: Rate) -> Option<u64> {
    let base = if tat > now { tat } else { now };
    // An overflow refuses (see the protocol): the TAT must always advance by a whole interval.
    let next = base.checked_add(rate.interval_ns)?;
    // `next >= now` because `base >= now`, so the subtraction cannot wrap.
    (next - now <= rate.limit_ns).then_some(next)
}

/// [`step`] for a message of `weight` tokens (at least 1): the TAT advances by `weight` intervals,
/// and the message is admitted when the bucket holds all of them.
#[inline(always)]
pub(crate) fn step_n(tat: u64, now: u64, rate: Rate, weight: u64) -> Option<u64> {
    let base = if tat > now { tat } else { now };
    let next = base.checked_add(rate.interval_ns.checked_mul(weight)?)?;
    (next - now <= rate.limit_ns).then_some(next)
}

/// [`admit`] for a message of `weight` tokens (at least 1): all of them or none.
#[inline]
pub(crate) fn admit_n(tat: &AtomicU64, now: u64, rate: Rate, weight: u64) -> bool {
    let mut current = tat.load(Ordering::Relaxed);
    loop {
        let Some(next) = step_n(current, now, rate, weight) else { return false };
        match tat.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(seen) => current = seen,
        }
    }
}

/// Takes one token from the bucket whose TAT is `tat`, at time `now`; returns whether it was admitted.
#[inline(always)]
pub(crate) fn admit(tat: &AtomicU64, now: u64, rate: Rate) -> bool {
    let mut current = tat.load(Ordering::Relaxed);
    loop {
        let Some(next) = step(current, now, rate) else { return false };
        match tat.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(seen) => current = seen,
        }
    }
}

/// Gives back the token that a successful [`admit`] took, when a second bucket then refused.
///
/// Exact for every later decision: after the admission the TAT was `max(TAT0, now) + interval` plus
/// whatever other admissions added, so subtracting `interval` leaves the state those other admissions
/// would have produced alone, for any `now' >= now`.
#[cold]
pub(crate) fn refund(tat: &AtomicU64, rate: Rate) {
    let _ =
        tat.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_sub(rate.interval_ns)));
}

/// Gives back the `spent` nanoseconds of TAT (whole intervals) that a batch took from a bucket by
/// one compare-and-swap, when its second bucket's compare-and-swap then failed: exact for the same
/// reason as [`refund`], token by token.
#[cold]
pub(crate) fn refund_by(tat: &AtomicU64, spent: u64) {
    let _ = tat.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_sub(spent)));
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn bucket() -> AtomicU64 {
        AtomicU64::new(0)
    }

    #[test]
    fn full_bucket_admits_exactly_burst_at_one_instant() {
        let tat = bucket();
        let rate = Rate::per_second(5, 10);
        let now = 100 * SEC;
        let admitted = (0..50).filter(|_| admit(&tat, now, rate)).count();
        assert_eq!(admitted, 10);
    }

    #[test]
    fn a_weighted_message_takes_all_its_tokens_or_none() {
        let tat = bucket();
        let rate = Rate::per_second(5, 10);
        let now = 100 * SEC;
        assert!(admit_n(&tat, now, rate, 5), "5 of 10");
        assert!(admit_n(&tat, now, rate, 4), "9 of 10");
        assert!(!admit_n(&tat, now, rate, 2), "2 with 1 left");
        assert_eq!(tat.load(Ordering::Relaxed), now + 9 * rate.interval_ns, "a refusal takes nothing");
        assert!(admit_n(&tat, now, rate, 1));
        assert!(!admit_n(&tat, now + 2 * rate.interval_ns - 1, rate, 2), "one ns early");
        assert!(admit_n(&tat, now + 2 * rate.interval_ns, rate, 2));
        assert_eq!(step_n(0, now, rate, 11), None, "heavier than the burst: never");
        assert_eq!(step_n(0, now, rate, u64::MAX), None, "an overflowing weight refuses");
        assert_eq!(step_n(7, now, rate, 1), step(7, now, rate));
    }

    #[test]
    fn refills_one_token_per_interval_and_no_sooner() {
        let tat = bucket();
        let rate = Rate::per_second(5, 10); // one token every 200 ms
        let t0 = 100 * SEC;
        while admit(&tat, t0, rate) {}
        assert!(!admit(&tat, t0 + 200_000_000 - 1, rate), "a token one ns early");
        assert!(admit(&tat, t0 + 200_000_000, rate), "the token due at 200 ms");
        assert!(!admit(&tat, t0 + 200_000_000, rate), "only one token was due");
        assert!(admit(&tat, t0 + 400_000_000, rate));
    }

    #[test]
    fn admitted_never_exceeds_burst_plus_rate_times_t() {
        let rate = Rate::per_second(20, 40);
        let tat = bucket();
        let t0 = 50 * SEC;
        let mut admitted = 0u64;
        // A client hammering every 1 ms for 10 s.
        for ms in 0..10_000u64 {
            let now = t0 + ms * 1_000_000;
            if admit(&tat, now, rate) {
                admitted += 1;
            }
            let elapsed_ns = ms * 1_000_000;
            assert!(admitted <= 40 + 20 * elapsed_ns / SEC, "at {ms} ms: {admitted}");
        }
        // And it is not stingy either: the bound is reached.
        assert_eq!(admitted, 40 + 20 * 9_999 / 1_000);
    }

    #[test]
    fn long_idle_grants_no_more_than_burst() {
        let tat = bucket();
        let rate = Rate::per_second(100, 200);
        assert!(admit(&tat, SEC, rate));
        let later = SEC + 3_600 * SEC;
        let admitted = (0..10_000).filter(|_| admit(&tat, later, rate)).count();
        assert_eq!(admitted, 200);
    }

    #[test]
    fn clock_going_backwards_neither_panics_nor_refills() {
        let tat = bucket();
        let rate = Rate::per_second(5, 2);
        let now = 10 * SEC;
        assert!(admit(&tat, now, rate));
        assert!(admit(&tat, now, rate));
        assert!(!admit(&tat, now, rate));
        // Far into the past, and to zero.
        assert!(!admit(&tat, now - 5 * SEC, rate));
        assert!(!admit(&tat, 0, rate));
        // Time resumes: the token due at now + 200 ms arrives then, not earlier.
        assert!(!admit(&tat, now + 199_999_999, rate));
        assert!(admit(&tat, now + 200_000_000, rate));
    }

    #[test]
    fn times_near_the_top_of_the_clock_never_admit_past_the_bucket() {
        // A burst of 10 at 1,000 ns per token: 1,000 checks 1 ns apart just below u64::MAX once
        // admitted all 1,000 (the TAT saturated at u64::MAX and stopped advancing).
        let rate = Rate::per_second(1_000_000, 10);
        for start in [u64::MAX - 1_000, u64::MAX - 20_000, u64::MAX - 1] {
            let tat = bucket();
            let admitted = (0..1_000u64).filter(|i| admit(&tat, start.saturating_add(*i), rate)).count();
            let span = 1_000 / rate.interval_ns as usize;
            assert!(admitted <= 10 + span, "from {start}: {admitted} admitted");
        }
        let tat = AtomicU64::new(u64::MAX - 5);
        assert!(!admit(&tat, u64::MAX, Rate::per_second(1, 1)));
        assert_eq!(tat.load(Ordering::Relaxed), u64::MAX - 5, "a refusal stores nothing");
        // The very top cannot hold another interval: refused, not admitted for free.
        assert!(!admit(&bucket(), u64::MAX, Rate::per_second(1_000_000_000, 1)));
        // Time 0 and 1 on a fresh bucket are ordinary instants.
        let tat = bucket();
        assert_eq!((0..20).filter(|_| admit(&tat, 0, rate)).count(), 10);
        assert!(!admit(&tat, 1, rate));
        // Far behind the last time seen: nothing refilled.
        let tat = bucket();
        assert_eq!((0..20).filter(|_| admit(&tat, u64::MAX / 2, rate)).count(), 10);
        assert!(!admit(&tat, 0, rate) && !admit(&tat, 1, rate) && !admit(&tat, u64::MAX / 4, rate));
    }

    #[test]
    fn zero_rate_or_burst_admits_nothing() {
        for rate in [Rate::per_second(0, 10), Rate::per_second(10, 0)] {
            let tat = bucket();
            assert!(!admit(&tat, 0, rate));
            assert!(!admit(&tat, 1_000 * SEC, rate));
        }
    }

    #[test]
    fn refund_restores_the_token() {
        let tat = bucket();
        let rate = Rate::per_second(1, 1);
        assert!(admit(&tat, SEC, rate));
        assert!(!admit(&tat, SEC, rate));
        refund(&tat, rate);
        assert!(admit(&tat, SEC, rate));
    }

    #[test]
    fn interval_rounds_up_so_the_bound_holds() {
        let rate = Rate::per_second(3, 1);
        assert_eq!(rate.interval_ns, 333_333_334);
        assert_eq!(rate.burst(), 1);
        assert_eq!(Rate::per_second(0, 5).burst(), 0);
    }
}

#[cfg(all(test, fixprov_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Three threads race on a bucket holding two tokens: exactly two are admitted, whatever the
    /// interleaving, and with the refund of an order refused by a second bucket none is lost.
    #[test]
    fn three_threads_on_a_burst_of_two() {
        loom::model(|| {
            let tat = Arc::new(AtomicU64::new(0));
            let rate = Rate::per_second(1, 2);
            let now = 10_000_000_000;
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    let tat = tat.clone();
                    loom::thread::spawn(move || admit(&tat, now, rate) as u32)
                })
                .collect();
            let admitted: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
            assert_eq!(admitted, 2);
            assert_eq!(tat.load(Ordering::Relaxed), now + 2 * rate.interval_ns);
        });
    }

    /// Two orders race through an order bucket of one token and a message bucket of one token that a
    /// third thread (a non-order message) also wants: one message bucket token, so exactly one of
    /// them is admitted overall, and a refused order never keeps its order token.
    #[test]
    fn refund_under_race() {
        loom::model(|| {
            let msg = Arc::new(AtomicU64::new(0));
            let ord = Arc::new(AtomicU64::new(0));
            let rate = Rate::per_second(1, 1);
            let now = 10_000_000_000;
            let order = |msg: Arc<AtomicU64>, ord: Arc<AtomicU64>| {
                move || {
                    if !admit(&ord, now, rate) {
                        return 0u32;
                    }
                    if !admit(&msg, now, rate) {
                        refund(&ord, rate);
                        return 0;
                    }
                    1
                }
            };
            let a = loom::thread::spawn(order(msg.clone(), ord.clone()));
            let m2 = msg.clone();
            let b = loom::thread::spawn(move || admit(&m2, now, rate) as u32);
            let total = a.join().unwrap() + b.join().unwrap();
            assert_eq!(total, 1);
            let order_admitted = msg.load(Ordering::Relaxed) == now + rate.interval_ns
                && ord.load(Ordering::Relaxed) == now + rate.interval_ns;
            let order_refused = ord.load(Ordering::Relaxed) <= now;
            assert!(order_admitted || order_refused, "an order token leaked");
        });
    }
}

//! What a session enforces, and how a policy change reaches a live session.
//!
//! # Protocol (push publication)
//! Each session's line holds its own copy of the two bucket rates, one atomic word each
//! ([`PackedRate`]: interval and burst), so a check reads its policy from the line it already
//! loads: no pointer to chase and no second cache line (a shared policy table measured slower
//! when this protocol was designed). The escalation rule, needed only when a message is refused,
//! sits in the session's side line.
//!
//! * **Writer** (cold path, serialized by the engine's policy lock): for each live session of the
//!   changed tier or user, store the new message rate, the new order rate and the rule with
//!   `Release`, then start the buckets afresh. The call returns after every store.
//! * **Reader** (the check): loads each rate word with `Acquire`.
//!
//! Each word is one whole rate, never a torn one (single atomic word). A check that runs while a
//! change is being pushed may use the new message rate with the old order rate: each bucket is then
//! governed by one whole policy, and the two limits simply switch nanoseconds apart. A check that
//! starts after the cold call returned sees both new words. Because each word's stores are ordered
//! (coherence), no thread sees a rate and then an older one. The loom model below checks both.

use crate::hot::gcra::Rate;
use crate::sync::{AtomicU64, Ordering};

/// Escalation from THROTTLED to DISCONNECT: more than `threshold` violations within `window_ms`.
///
/// `threshold == 0` disables escalation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Escalation {
    /// Violations allowed within one window before the check answers DISCONNECT; 0 disables it.
    pub threshold: u32,
    /// Window length in milliseconds.
    pub window_ms: u32,
}

impl Escalation {
    pub(crate) const fn pack(self) -> u64 {
        ((self.threshold as u64) << 32) | self.window_ms as u64
    }

    pub(crate) const fn unpack(word: u64) -> Escalation {
        Escalation { threshold: (word >> 32) as u32, window_ms: word as u32 }
    }
}

/// What the hot path enforces for one session: two buckets and the escalation rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Every inbound message.
    pub messages: PackedRate,
    /// Order messages (also counted in `messages`).
    pub orders: PackedRate,
    /// When repeated throttling becomes a disconnect.
    pub escalation: Escalation,
}

/// A bucket rate in one word: `interval_ns:32 | burst:32`. Every rate of 1 to 1e9 per second has an
/// interval below 2^32 ns, and bursts are capped at 1e9.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackedRate(pub u64);

impl PackedRate {
    /// `per_second` tokens a second, at most `burst` (both capped at 1e9); 0 for either admits nothing.
    pub const fn per_second(per_second: u64, burst: u64) -> PackedRate {
        const CAP: u64 = 1_000_000_000;
        let per_second = if per_second > CAP { CAP } else { per_second };
        let burst = if burst > CAP { CAP } else { burst };
        if per_second == 0 || burst == 0 {
            return PackedRate(1 << 32);
        }
        let interval = CAP.div_ceil(per_second);
        PackedRate((interval << 32) | burst)
    }

    /// The GCRA form.
    #[inline(always)]
    pub const fn rate(self) -> Rate {
        let interval_ns = self.0 >> 32;
        Rate { interval_ns, limit_ns: interval_ns * (self.0 & 0xFFFF_FFFF) }
    }
}

/// One session's published rates, as stored in its line.
pub(crate) struct RateWords {
    pub(crate) messages: AtomicU64,
    pub(crate) orders: AtomicU64,
}

impl RateWords {
    pub(crate) fn new() -> RateWords {
        RateWords { messages: AtomicU64::new(0), orders: AtomicU64::new(0) }
    }

    #[inline(always)]
    pub(crate) fn messages(&self) -> Rate {
        PackedRate(self.messages.load(Ordering::Acquire)).rate()
    }

    #[inline(always)]
    pub(crate) fn orders(&self) -> Rate {
        PackedRate(self.orders.load(Ordering::Acquire)).rate()
    }

    pub(crate) fn publish(&self, policy: &Policy) {
        self.messages.store(policy.messages.0, Ordering::Release);
        self.orders.store(policy.orders.0, Ordering::Release);
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    #[test]
    fn packed_rates_round_trip() {
        assert_eq!(PackedRate::per_second(5, 10).rate(), Rate::per_second(5, 10));
        assert_eq!(PackedRate::per_second(3, 7).rate(), Rate::per_second(3, 7));
        assert_eq!(PackedRate::per_second(1, 1_000_000_000).rate(), Rate::per_second(1, 1_000_000_000));
        assert_eq!(PackedRate::per_second(1_000_000_000, 1).rate(), Rate::per_second(1_000_000_000, 1));
        assert_eq!(PackedRate::per_second(0, 5).rate().limit_ns, 0);
        assert_eq!(PackedRate::per_second(5, 0).rate().limit_ns, 0);
        assert_eq!(PackedRate::default().rate().limit_ns, 0, "an unset rate admits nothing");
        let e = Escalation { threshold: 7, window_ms: 1_500 };
        assert_eq!(Escalation::unpack(e.pack()), e);
    }
}

#[cfg(all(test, fixprov_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    fn policy(v: u64) -> Policy {
        Policy {
            messages: PackedRate::per_second(v, v),
            orders: PackedRate::per_second(v * 10, v),
            escalation: Escalation::default(),
        }
    }

    /// A writer pushes versions 2 and 3 while a reader checks twice: every word read is one whole
    /// version, no word goes back to an older version, and after the writer returns both words are
    /// the newest.
    #[test]
    fn publication_is_whole_monotonic_and_complete() {
        loom::model(|| {
            let words = Arc::new(RateWords::new());
            words.publish(&policy(1));
            let writer = {
                let words = words.clone();
                loom::thread::spawn(move || {
                    words.publish(&policy(2));
                    words.publish(&policy(3));
                })
            };
            let version = |r: Rate| 1_000_000_000u64.div_ceil(r.interval_ns);
            let mut last = (1, 10);
            for _ in 0..2 {
                let (m, o) = (words.messages(), words.orders());
                assert_eq!(m.limit_ns, m.interval_ns * version(m), "torn message rate");
                let (vm, vo) = (version(m), version(o));
                assert!(vm >= last.0 && vo >= last.1, "went back: {last:?} then {:?}", (vm, vo));
                last = (vm, vo);
            }
            writer.join().unwrap();
            assert_eq!(
                (words.messages(), words.orders()),
                (policy(3).messages.rate(), policy(3).orders.rate())
            );
        });
    }
}

//! A user's live-session counter: how opens enforce max sessions without a lock.
//!
//! # Protocol
//! `live` holds the number of slots taken. [`SessionLimit::try_acquire`] takes one by compare-and-swap
//! from a value below the maximum, so two racing opens that both read `max - 1` cannot both succeed:
//! the second CAS fails, re-reads `max`, and refuses. [`SessionLimit::release`] gives one back and
//! never goes below zero. The counter guards no other data (the session's own line is published by
//! its state word), so `Relaxed` is enough; the modification order of `live` alone decides.

use crate::sync::{AtomicU32, Ordering};

/// Live sessions of one user.
///
/// May be used from several threads at once.
#[derive(Debug, Default)]
pub struct SessionLimit {
    live: AtomicU32,
}

impl SessionLimit {
    /// No sessions taken.
    pub fn new() -> SessionLimit {
        SessionLimit { live: AtomicU32::new(0) }
    }

    /// Takes a slot if fewer than `max` are taken.
    pub fn try_acquire(&self, max: u32) -> bool {
        self.live.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| (n < max).then_some(n + 1)).is_ok()
    }

    /// Gives a slot back.
    pub fn release(&self) {
        let _ = self.live.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// Slots taken now.
    pub fn live(&self) -> u32 {
        self.live.load(Ordering::Relaxed)
    }
}

#[cfg(all(test, fixprov_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Three opens race for two slots while a close gives one back: never more than the maximum are
    /// live at once, and the count at the end is exactly what was taken minus what was released.
    #[test]
    fn racing_opens_never_exceed_the_limit() {
        loom::model(|| {
            let limit = Arc::new(SessionLimit::new());
            assert!(limit.try_acquire(2));
            let opens: Vec<_> = (0..2)
                .map(|_| {
                    let limit = limit.clone();
                    loom::thread::spawn(move || {
                        let ok = limit.try_acquire(2);
                        assert!(limit.live() <= 2);
                        ok as u32
                    })
                })
                .collect();
            let closer = {
                let limit = limit.clone();
                loom::thread::spawn(move || limit.release())
            };
            let taken: u32 = opens.into_iter().map(|h| h.join().unwrap()).sum();
            closer.join().unwrap();
            assert!(taken >= 1, "a slot was free throughout one of the opens' attempts or after release");
            assert_eq!(limit.live(), 1 + taken - 1);
        });
    }
}

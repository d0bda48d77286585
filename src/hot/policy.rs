//! Policy publication: the tier table the hot path reads on every check.
//!
//! # Protocol (a seqcount latch)
//! Each tier has a cell with a sequence number `seq` and two copies of its [`Policy`]. The copy in
//! force is `copies[seq & 1]`.
//!
//! * **Writer** (cold path, serialized by the table's writer lock): issue a `Release` fence, write the
//!   new policy into the copy *not* in force, `copies[(seq + 1) & 1]`, with `Relaxed` stores, then
//!   store `seq + 1` with `Release`. The fence orders the previous `seq` store before these data
//!   stores; the final `Release` store orders the data before the new `seq`.
//! * **Reader** (hot path): load `seq` with `Acquire`, read `copies[seq & 1]` with `Relaxed` loads,
//!   issue an `Acquire` fence, load `seq` again. Equal values mean the copy was not being written while
//!   it was read: had any load seen a store of a later write, the writer's `Release` fence would
//!   synchronize with the reader's `Acquire` fence and the second load would see the later `seq`.
//!   Unequal values mean a publication happened meanwhile, and the reader retries.
//!
//! Readers never wait on a writer: the copy in force is never being written, so a reader retries only
//! when a publication *completed* during its read. That is lock-free (a retry implies the writer made
//! progress) and costs the hot path two loads of `seq` and the policy's words, all in a line that only
//! the cold path writes. Because `seq` only grows and every reader's first load is `Acquire`, a thread
//! that has seen a policy never sees an older one afterwards (coherence of `seq`).
//! On x86-64 the fences compile to nothing; they only stop the compiler from reordering.

use crate::hot::gcra::Rate;
use crate::sync::{fence, spin_loop, AtomicU64, Ordering};
use std::sync::Mutex;

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

/// What the hot path enforces for one tier: two buckets and the escalation rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Every inbound message.
    pub messages: Rate,
    /// Order messages (also counted in `messages`).
    pub orders: Rate,
    /// When repeated throttling becomes a disconnect.
    pub escalation: Escalation,
}

/// The part of a [`Policy`] every check reads: its two buckets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rates {
    /// Every inbound message.
    pub messages: Rate,
    /// Order messages.
    pub orders: Rate,
}

const WORDS: usize = 5;

impl Policy {
    fn to_words(self) -> [u64; WORDS] {
        [
            self.messages.interval_ns,
            self.messages.limit_ns,
            self.orders.interval_ns,
            self.orders.limit_ns,
            (u64::from(self.escalation.threshold) << 32) | u64::from(self.escalation.window_ms),
        ]
    }

    fn from_words(w: [u64; WORDS]) -> Policy {
        Policy {
            messages: Rate { interval_ns: w[0], limit_ns: w[1] },
            orders: Rate { interval_ns: w[2], limit_ns: w[3] },
            escalation: Escalation { threshold: (w[4] >> 32) as u32, window_ms: w[4] as u32 },
        }
    }
}

struct Copy {
    words: [AtomicU64; WORDS],
}

impl Copy {
    fn new(words: [u64; WORDS]) -> Copy {
        Copy { words: words.map(AtomicU64::new) }
    }
}

/// One tier's latch. Aligned so that cells never share a line.
#[repr(align(64))]
struct Cell {
    seq: AtomicU64,
    copies: [Copy; 2],
}

impl Cell {
    fn new(policy: Policy) -> Cell {
        let words = policy.to_words();
        Cell { seq: AtomicU64::new(0), copies: [Copy::new(words), Copy::new(words)] }
    }

    /// Reads the first `N` words of the copy in force, consistently.
    #[inline(always)]
    fn read_words<const N: usize>(&self) -> [u64; N] {
        loop {
            let seq = self.seq.load(Ordering::Acquire);
            let copy = &self.copies[(seq & 1) as usize];
            let mut words = [0; N];
            for (word, slot) in words.iter_mut().zip(&copy.words) {
                *word = slot.load(Ordering::Relaxed);
            }
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == seq {
                return words;
            }
            spin_loop();
        }
    }

    fn read(&self) -> Policy {
        Policy::from_words(self.read_words::<WORDS>())
    }

    /// The two buckets only: what every check needs.
    #[inline(always)]
    fn read_rates(&self) -> Rates {
        let [a, b, c, d] = self.read_words::<4>();
        Rates { messages: Rate { interval_ns: a, limit_ns: b }, orders: Rate { interval_ns: c, limit_ns: d } }
    }

    /// Callers serialize writers (the table's lock).
    fn write(&self, policy: Policy) {
        let seq = self.seq.load(Ordering::Relaxed);
        let next = seq.wrapping_add(1);
        fence(Ordering::Release);
        let copy = &self.copies[(next & 1) as usize];
        for (slot, value) in copy.words.iter().zip(policy.to_words()) {
            slot.store(value, Ordering::Relaxed);
        }
        self.seq.store(next, Ordering::Release);
    }
}

/// The hot path's view of every tier, by index. Fixed capacity, allocated at engine open.
///
/// May be used from several threads at once; publications are serialized internally.
pub struct TierTable {
    cells: Box<[Cell]>,
    writer: Mutex<()>,
}

impl TierTable {
    /// A table of `capacity` tiers, each starting with a policy that admits nothing.
    pub fn new(capacity: usize) -> TierTable {
        let deny = Policy {
            messages: Rate::per_second(0, 0),
            orders: Rate::per_second(0, 0),
            escalation: Escalation::default(),
        };
        TierTable { cells: (0..capacity).map(|_| Cell::new(deny)).collect(), writer: Mutex::new(()) }
    }

    /// How many tiers the table holds.
    pub fn capacity(&self) -> usize {
        self.cells.len()
    }

    /// The policy in force for tier `index`; an index past the end reads as "admit nothing".
    pub fn load(&self, index: usize) -> Policy {
        match self.cells.get(index) {
            Some(cell) => cell.read(),
            None => Policy::default(),
        }
    }

    /// The two bucket rates in force for tier `index` (the escalation rule is read only when a
    /// message is refused). An index past the end reads as "admit nothing".
    #[inline(always)]
    pub fn load_rates(&self, index: usize) -> Rates {
        match self.cells.get(index) {
            Some(cell) => cell.read_rates(),
            None => Rates::default(),
        }
    }

    /// Publishes `policy` for tier `index`; the next check of any session on that tier enforces it.
    ///
    /// Returns `false` when `index` is past the table's capacity.
    pub fn publish(&self, index: usize, policy: Policy) -> bool {
        let Some(cell) = self.cells.get(index) else {
            return false;
        };
        let _writer = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cell.write(policy);
        true
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    fn policy(v: u64) -> Policy {
        Policy {
            messages: Rate { interval_ns: v, limit_ns: v },
            orders: Rate { interval_ns: v, limit_ns: v },
            escalation: Escalation { threshold: v as u32, window_ms: v as u32 },
        }
    }

    #[test]
    fn publish_then_load() {
        let table = TierTable::new(4);
        assert_eq!(table.load(2).messages.limit_ns, 0);
        for v in 1..10 {
            assert!(table.publish(2, policy(v)));
            assert_eq!(table.load(2), policy(v));
        }
        assert!(!table.publish(4, policy(1)));
        assert_eq!(table.load(99), Policy::default());
    }

    #[test]
    fn readers_never_see_a_torn_or_older_policy() {
        let table = std::sync::Arc::new(TierTable::new(1));
        table.publish(0, policy(1));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (table, stop) = (table.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut last = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let p = table.load(0);
                        let v = p.messages.interval_ns;
                        assert_eq!(p, policy(v), "torn read");
                        assert!(v >= last, "saw {v} after {last}");
                        last = v;
                    }
                })
            })
            .collect();
        for v in 2..200_000 {
            table.publish(0, policy(v));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        readers.into_iter().for_each(|r| r.join().unwrap());
    }
}

#[cfg(all(test, fixprov_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    fn policy(v: u64) -> Policy {
        Policy {
            messages: Rate { interval_ns: v, limit_ns: v },
            orders: Rate { interval_ns: v, limit_ns: v },
            escalation: Escalation { threshold: v as u32, window_ms: v as u32 },
        }
    }

    /// A writer publishes versions 2 and 3 while a reader reads twice: every read is one whole
    /// version, and the second is never older than the first.
    #[test]
    fn publication_is_whole_and_monotonic() {
        loom::model(|| {
            let cell = Arc::new(Cell::new(policy(1)));
            let writer = {
                let cell = cell.clone();
                loom::thread::spawn(move || {
                    cell.write(policy(2));
                    cell.write(policy(3));
                })
            };
            let first = cell.read();
            let second = cell.read();
            for p in [first, second] {
                assert_eq!(p, policy(p.messages.interval_ns), "torn read: {p:?}");
            }
            assert!(second.messages.interval_ns >= first.messages.interval_ns);
            writer.join().unwrap();
            assert_eq!(cell.read(), policy(3));
        });
    }
}

//! Throttling of failed logon attempts: after too many failures in a short time a key (a user id, a
//! source address, or a pair of both) is refused for a cooldown, without its password even being checked.
//!
//! [`FailedAttempts`] counts failures per key in a SLIDING window: the `max_failures`-th failure within
//! any `window` starts a cooldown of `cooldown`. Failures recorded during a cooldown do not extend it,
//! and the count starts from zero when it ends. Time is passed in as [`Instant`], so callers (and
//! tests) control it exactly. Memory is bounded by [`AttemptPolicy::max_tracked`] keys, evicting expired
//! entries first, then the least recently active unlocked ones, and locked ones only as a last resort.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How many failures lock a key, for how long, and how many keys are tracked at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptPolicy {
    /// Failures within `window` that start a cooldown (the cooldown starts on this one). 0 acts as 1.
    pub max_failures: u32,
    /// How long a failure counts: one recorded at `t` counts at `now` while `now - t < window`.
    pub window: Duration,
    /// How long a key is refused once locked.
    pub cooldown: Duration,
    /// Most keys tracked at once; 0 acts as 1. Each tracked key holds up to `max_failures` instants, so
    /// keep `max_failures` small.
    pub max_tracked: usize,
}

impl Default for AttemptPolicy {
    /// 5 failures within 60 s lock a key for 300 s; at most 100 000 keys are tracked.
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::from_secs(60),
            cooldown: Duration::from_secs(300),
            max_tracked: 100_000,
        }
    }
}

impl AttemptPolicy {
    fn threshold(&self) -> usize {
        usize::try_from(self.max_failures.max(1)).unwrap_or(usize::MAX)
    }

    fn capacity(&self) -> usize {
        self.max_tracked.max(1)
    }
}

/// What is known about one key.
#[derive(Debug)]
struct Entry {
    /// Failures not yet known to be out of the window, oldest first; fewer than the threshold between
    /// calls. Empty while locked.
    failures: VecDeque<Instant>,
    /// When the current or last cooldown started.
    locked_at: Option<Instant>,
    /// Latest instant the key was seen by `record_failure`; orders eviction.
    last_activity: Instant,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Self { failures: VecDeque::new(), locked_at: None, last_activity: now }
    }

    /// Cooldown left at `now`, if any.
    fn remaining(&self, now: Instant, policy: &AttemptPolicy) -> Option<Duration> {
        let left = policy.cooldown.saturating_sub(now.saturating_duration_since(self.locked_at?));
        (!left.is_zero()).then_some(left)
    }

    fn in_window(t: Instant, now: Instant, policy: &AttemptPolicy) -> bool {
        now.saturating_duration_since(t) < policy.window
    }

    /// Neither locked nor holding a failure that still counts: forgetting it loses nothing.
    fn expired(&self, now: Instant, policy: &AttemptPolicy) -> bool {
        self.remaining(now, policy).is_none()
            && !self.failures.iter().any(|&t| Self::in_window(t, now, policy))
    }

    /// Records one failure; true if it starts a cooldown.
    fn fail(&mut self, now: Instant, policy: &AttemptPolicy) -> bool {
        self.last_activity = self.last_activity.max(now);
        if self.locked_at.is_some() {
            if self.remaining(now, policy).is_some() {
                // Refused anyway: neither counted nor extending the cooldown.
                return false;
            }
            self.locked_at = None;
            self.failures.clear();
        }
        // `retain`, not popping from the front, so instants passed out of order cannot stick.
        self.failures.retain(|&t| Self::in_window(t, now, policy));
        self.failures.push_back(now);
        if self.failures.len() >= policy.threshold() {
            self.failures = VecDeque::new();
            self.locked_at = Some(now);
            return true;
        }
        false
    }
}

/// Failed logon attempts per key `K` (user id, source address, ...), and which keys are locked.
///
/// Safe to share between threads (`Arc<FailedAttempts<K>>`): every method takes one short internal lock.
/// Intended use, per logon: if [`locked`](Self::locked) says `Some`, refuse at once without checking
/// the password and without calling `record_failure`; otherwise check it, then call
/// [`record_success`](Self::record_success) or [`record_failure`](Self::record_failure).
///
/// * Window: sliding. The `max_failures`-th failure within ANY span shorter than `window` locks, so
///   bursts straddling a window boundary are caught. Costs up to `max_failures` instants per key.
/// * A failure recorded during a cooldown is ignored: it does not count and does NOT extend the
///   cooldown. Extending would let anyone who knows a key (a victim's user id) keep it locked forever
///   with one guess per cooldown; not extending still caps an attacker at `max_failures` guesses per
///   cooldown, since the caller refuses locked keys before checking the password. After the cooldown
///   the count starts from zero.
/// * [`record_success`](Self::record_success) forgets the key entirely, cooldown included.
/// * Memory: at most `max_tracked` keys. Adding a key to a full table first drops expired entries
///   (no cooldown running, no failure in the window), then, if fewer than `max_tracked / 16` slots
///   (at least 1) are free, drops the least recently active unlocked entries to free that many, and only
///   if every entry is locked, the one whose cooldown ends soonest. That scan is O(n) but happens at
///   most once per `max_tracked / 16` new keys; the common path is O(1) (plus O(`max_failures`)).
///   Eviction means an attacker spraying many keys can make the table forget an unlocked key's
///   failures: throttling is best effort under such a flood, while locks survive unless they are all
///   that is left.
/// * Concurrency: keys are spread by hash over shards, each a map behind its own lock, so logons
///   of different keys rarely wait for each other: [`SHARDS`] of them when `max_tracked` is at least
///   [`SHARDS`] x 256 (the default 100,000 is), else one. Each shard holds at most its share of
///   `max_tracked` (rounded down, at least 1) and evicts within itself, in the order above.
#[derive(Debug)]
pub struct FailedAttempts<K> {
    policy: AttemptPolicy,
    shards: Box<[Mutex<HashMap<K, Entry>>]>,
    hasher: RandomState,
}

/// Shards of a large table (see [`FailedAttempts`]).
pub const SHARDS: usize = 16;

/// Keys a shard holds at least before a table is sharded.
const MIN_SHARD_KEYS: usize = 256;

impl<K: Eq + Hash + Clone> Default for FailedAttempts<K> {
    fn default() -> Self {
        Self::new(AttemptPolicy::default())
    }
}

impl<K: Eq + Hash + Clone> FailedAttempts<K> {
    /// An empty tracker enforcing `policy`, sharded by its size.
    pub fn new(policy: AttemptPolicy) -> Self {
        Self::with_shards(policy, 0)
    }

    /// An empty tracker enforcing `policy` over `shards` shards (0: by its size, as [`new`](Self::new);
    /// at most one per tracked key).
    pub fn with_shards(policy: AttemptPolicy, shards: usize) -> Self {
        let shards = match shards {
            0 if policy.capacity() >= SHARDS * MIN_SHARD_KEYS => SHARDS,
            0 => 1,
            n => n.min(policy.capacity()),
        };
        Self {
            policy,
            shards: (0..shards).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
        }
    }

    /// How many shards the keys are spread over.
    pub fn shards(&self) -> usize {
        self.shards.len()
    }

    /// The policy enforced.
    pub fn policy(&self) -> &AttemptPolicy {
        &self.policy
    }

    fn lock(shard: &Mutex<HashMap<K, Entry>>) -> MutexGuard<'_, HashMap<K, Entry>> {
        // Nothing in here panics half-way through an update, so a poisoned map is still consistent.
        shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The shard that holds `key`, locked.
    fn entries(&self, key: &K) -> MutexGuard<'_, HashMap<K, Entry>> {
        let index = match self.shards.len() {
            1 => 0,
            n => (self.hasher.hash_one(key) % n as u64) as usize,
        };
        Self::lock(&self.shards[index])
    }

    /// Keys one shard holds at most.
    fn shard_capacity(&self) -> usize {
        (self.policy.capacity() / self.shards.len()).max(1)
    }

    /// The cooldown left for `key` at `now` while it is refused, else `None`.
    pub fn locked(&self, key: &K, now: Instant) -> Option<Duration> {
        self.entries(key).get(key).and_then(|entry| entry.remaining(now, &self.policy))
    }

    /// Failures of `key` that count at `now` towards the next cooldown (0 while locked).
    pub fn failures(&self, key: &K, now: Instant) -> u32 {
        let entries = self.entries(key);
        let Some(entry) = entries.get(key) else { return 0 };
        let counted = entry.failures.iter().filter(|&&t| Entry::in_window(t, now, &self.policy)).count();
        u32::try_from(counted).unwrap_or(u32::MAX)
    }

    /// Records a failed logon of `key` at `now`. Returns true when this failure starts a cooldown (it
    /// is the `max_failures`-th within the window); false otherwise, including during a cooldown, where
    /// the failure is ignored and the cooldown is not extended.
    pub fn record_failure(&self, key: &K, now: Instant) -> bool {
        let mut entries = self.entries(key);
        if let Some(entry) = entries.get_mut(key) {
            return entry.fail(now, &self.policy);
        }
        make_room(&mut entries, self.shard_capacity(), now, &self.policy);
        entries.entry(key.clone()).or_insert_with(|| Entry::new(now)).fail(now, &self.policy)
    }

    /// Records a successful logon of `key`: forgets its failures and any cooldown.
    pub fn record_success(&self, key: &K) {
        self.entries(key).remove(key);
    }

    /// How many keys are tracked (locked, or with failures not yet dropped).
    pub fn tracked(&self) -> usize {
        self.shards.iter().map(|shard| Self::lock(shard).len()).sum()
    }

    /// Forgets every key, cooldowns included.
    pub fn clear(&self) {
        for shard in self.shards.iter() {
            Self::lock(shard).clear();
        }
    }
}

/// Makes room for one more key when a shard holding `capacity` keys is full; see [`FailedAttempts`] for the order.
fn make_room<K: Eq + Hash + Clone>(
    entries: &mut HashMap<K, Entry>,
    capacity: usize,
    now: Instant,
    policy: &AttemptPolicy,
) {
    if entries.len() < capacity {
        return;
    }
    entries.retain(|_, entry| !entry.expired(now, policy));
    // Free a batch at once so a flood of new keys pays this O(n) scan once per batch, not per key.
    let target = capacity - (capacity / 16).max(1);
    if entries.len() <= target {
        return;
    }
    let need = entries.len() - target;
    let mut unlocked: Vec<(Instant, K)> = entries
        .iter()
        .filter(|(_, entry)| entry.remaining(now, policy).is_none())
        .map(|(key, entry)| (entry.last_activity, key.clone()))
        .collect();
    if unlocked.len() > need {
        unlocked.select_nth_unstable_by_key(need - 1, |(t, _)| *t);
        unlocked.truncate(need);
    }
    for (_, key) in &unlocked {
        entries.remove(key);
    }
    if entries.len() < capacity {
        return;
    }
    // Everything left is locked: drop only what makes room for one, cooldowns ending soonest first.
    let need = entries.len() + 1 - capacity;
    let mut locked: Vec<(Instant, K)> = entries
        .iter()
        .map(|(key, entry)| (entry.locked_at.unwrap_or(entry.last_activity), key.clone()))
        .collect();
    if locked.len() > need {
        locked.select_nth_unstable_by_key(need - 1, |(t, _)| *t);
        locked.truncate(need);
    }
    for (_, key) in &locked {
        entries.remove(key);
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    const S: Duration = Duration::from_secs(1);

    fn policy(max_failures: u32, max_tracked: usize) -> AttemptPolicy {
        AttemptPolicy { max_failures, window: 60 * S, cooldown: 300 * S, max_tracked }
    }

    #[test]
    fn default_policy() {
        let p = AttemptPolicy::default();
        assert_eq!((p.max_failures, p.window, p.cooldown, p.max_tracked), (5, 60 * S, 300 * S, 100_000));
        let tracker: FailedAttempts<String> = FailedAttempts::default();
        assert_eq!(tracker.policy(), &p);
    }

    #[test]
    fn max_failures_within_window_lock() {
        let t = FailedAttempts::new(policy(5, 100));
        let t0 = Instant::now();
        for i in 0..4 {
            assert!(!t.record_failure(&"alice", t0 + i * 10 * S), "failure {i}");
            assert_eq!(t.locked(&"alice", t0 + i * 10 * S), None);
        }
        assert_eq!(t.failures(&"alice", t0 + 40 * S), 4);
        assert!(t.record_failure(&"alice", t0 + 59 * S), "the 5th within 60 s locks");
        assert_eq!(t.locked(&"alice", t0 + 59 * S), Some(300 * S));
        assert_eq!(t.failures(&"alice", t0 + 59 * S), 0);
        assert_eq!(t.locked(&"bob", t0 + 59 * S), None);
    }

    #[test]
    fn one_below_max_does_not_lock() {
        let t = FailedAttempts::new(policy(5, 100));
        let t0 = Instant::now();
        for _ in 0..4 {
            assert!(!t.record_failure(&1u32, t0));
        }
        assert_eq!(t.locked(&1, t0), None);
        assert_eq!(t.failures(&1, t0 + 59 * S), 4);
        assert_eq!(t.failures(&1, t0 + 60 * S), 0, "a failure counts while less than `window` old");
    }

    #[test]
    fn failures_spread_wider_than_window_never_lock() {
        let t = FailedAttempts::new(policy(5, 100));
        let t0 = Instant::now();
        // One every 15 s: at most 4 within any 60 s.
        for i in 0..100 {
            assert!(!t.record_failure(&"k", t0 + i * 15 * S));
            assert_eq!(t.locked(&"k", t0 + i * 15 * S), None);
        }
        // 5 at exactly 60 s apart from the first: the first no longer counts.
        let t1 = t0 + 10_000 * S;
        assert!(!t.record_failure(&"j", t1));
        for i in 0..3 {
            assert!(!t.record_failure(&"j", t1 + (20 + i) * S));
        }
        assert!(!t.record_failure(&"j", t1 + 60 * S));
        assert_eq!(t.failures(&"j", t1 + 60 * S), 4);
    }

    #[test]
    fn nth_failure_in_any_window_locks() {
        // A fixed window starting at the first failure would miss this burst across its boundary.
        let t = FailedAttempts::new(policy(5, 100));
        let t0 = Instant::now();
        assert!(!t.record_failure(&"k", t0));
        for _ in 0..3 {
            assert!(!t.record_failure(&"k", t0 + 59 * S));
        }
        assert!(!t.record_failure(&"k", t0 + 61 * S));
        assert!(t.record_failure(&"k", t0 + 62 * S), "5 failures within 59..62 s");
    }

    #[test]
    fn cooldown_counts_down_does_not_extend_and_restarts_from_zero() {
        let t = FailedAttempts::new(policy(3, 100));
        let t0 = Instant::now();
        t.record_failure(&"k", t0);
        t.record_failure(&"k", t0 + S);
        assert!(t.record_failure(&"k", t0 + 2 * S));
        assert_eq!(t.locked(&"k", t0 + 2 * S), Some(300 * S));
        assert_eq!(t.locked(&"k", t0 + 102 * S), Some(200 * S));
        // Failures during the cooldown neither count nor extend it.
        for i in 0..10 {
            assert!(!t.record_failure(&"k", t0 + (200 + i) * S));
        }
        assert_eq!(t.locked(&"k", t0 + 301 * S), Some(S));
        assert_eq!(t.locked(&"k", t0 + 302 * S), None);
        assert_eq!(t.locked(&"k", t0 + 1_000 * S), None);
        // The count starts from zero after it.
        assert_eq!(t.failures(&"k", t0 + 302 * S), 0);
        assert!(!t.record_failure(&"k", t0 + 302 * S));
        assert!(!t.record_failure(&"k", t0 + 303 * S));
        assert!(t.record_failure(&"k", t0 + 304 * S));
        assert_eq!(t.locked(&"k", t0 + 304 * S), Some(300 * S));
    }

    #[test]
    fn success_clears() {
        let t = FailedAttempts::new(policy(3, 100));
        let t0 = Instant::now();
        t.record_failure(&"k", t0);
        t.record_failure(&"k", t0);
        t.record_success(&"k");
        assert_eq!((t.tracked(), t.failures(&"k", t0)), (0, 0));
        assert!(!t.record_failure(&"k", t0));
        assert!(!t.record_failure(&"k", t0));
        assert!(t.record_failure(&"k", t0));
        t.record_success(&"k");
        assert_eq!(t.locked(&"k", t0), None, "success forgets a cooldown too");
        t.record_failure(&"x", t0);
        t.record_failure(&"y", t0);
        assert_eq!(t.tracked(), 2);
        t.clear();
        assert_eq!(t.tracked(), 0);
        t.record_success(&"never seen");
    }

    #[test]
    fn eviction_bounds_memory_and_spares_locked_keys() {
        for cap in [10, 100] {
            let t = FailedAttempts::new(policy(3, cap));
            let t0 = Instant::now();
            for k in 0..3u64 {
                for _ in 0..3 {
                    t.record_failure(&k, t0);
                }
            }
            for k in 3..10 * cap as u64 {
                t.record_failure(&k, t0 + Duration::from_millis(k));
                assert!(t.tracked() <= cap, "cap {cap}: {} tracked", t.tracked());
            }
            let now = t0 + 10 * S;
            for k in 0..3u64 {
                assert_eq!(t.locked(&k, now), Some(290 * S), "cap {cap}: locked key {k} evicted");
            }
            let last = 10 * cap as u64 - 1;
            assert_eq!(t.failures(&last, now), 1, "the newest key is tracked");
            assert_eq!(t.failures(&3, now), 0, "the oldest unlocked key went first");
        }
    }

    #[test]
    fn expired_entries_go_before_active_ones() {
        let t = FailedAttempts::new(policy(3, 2));
        let t0 = Instant::now();
        for _ in 0..3 {
            t.record_failure(&"x", t0);
        }
        // Ignored during the cooldown, but it makes "x" the most recently active key.
        t.record_failure(&"x", t0 + 299 * S);
        t.record_failure(&"y", t0 + 250 * S);
        // At 301 s "x" is expired (cooldown over, nothing in the window) and "y" is not.
        t.record_failure(&"z", t0 + 301 * S);
        assert_eq!(t.tracked(), 2);
        assert_eq!(t.failures(&"y", t0 + 301 * S), 1);
        assert_eq!(t.failures(&"z", t0 + 301 * S), 1);
        assert_eq!(t.locked(&"x", t0 + 250 * S), None, "x was dropped");
    }

    #[test]
    fn all_locked_drops_the_soonest_to_end() {
        let t = FailedAttempts::new(policy(1, 2));
        let t0 = Instant::now();
        assert!(t.record_failure(&"a", t0));
        assert!(t.record_failure(&"b", t0 + S));
        assert!(t.record_failure(&"c", t0 + 2 * S));
        assert_eq!(t.tracked(), 2);
        assert_eq!(t.locked(&"a", t0 + 2 * S), None);
        assert!(t.locked(&"b", t0 + 2 * S).is_some() && t.locked(&"c", t0 + 2 * S).is_some());
    }

    #[test]
    fn odd_policies_do_not_panic() {
        let t0 = Instant::now();
        let zero = FailedAttempts::new(AttemptPolicy {
            max_failures: 0,
            window: Duration::ZERO,
            cooldown: Duration::ZERO,
            max_tracked: 0,
        });
        assert!(zero.record_failure(&1, t0), "0 failures acts as 1");
        assert_eq!(zero.locked(&1, t0), None, "a zero cooldown is over at once");
        assert!(zero.record_failure(&2, t0));
        assert_eq!(zero.tracked(), 1, "0 keys acts as 1");

        let forever = FailedAttempts::new(AttemptPolicy {
            max_failures: u32::MAX,
            window: Duration::MAX,
            cooldown: Duration::MAX,
            max_tracked: usize::MAX,
        });
        assert!(!forever.record_failure(&1, t0));
        let max = FailedAttempts::new(AttemptPolicy { max_failures: 1, ..forever.policy });
        assert!(max.record_failure(&1, t0));
        assert!(max.locked(&1, t0 + 1_000_000 * S).is_some());
        // Time going backwards is treated as no time passing.
        assert_eq!(max.locked(&1, t0.checked_sub(S).unwrap_or(t0)), Some(Duration::MAX));
        let t = FailedAttempts::new(policy(2, 10));
        assert!(!t.record_failure(&1, t0 + 100 * S));
        assert!(t.record_failure(&1, t0));
    }

    #[test]
    fn concurrent_failures_lock_once_without_deadlock() {
        let t = Arc::new(FailedAttempts::new(policy(5, 1_000)));
        let t0 = Instant::now();
        let started: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let t = Arc::clone(&t);
                    scope.spawn(move || {
                        (0..100).filter(|_| t.record_failure(&"victim".to_string(), t0)).count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(started, 1, "exactly one failure starts the cooldown");
        assert_eq!(t.locked(&"victim".to_string(), t0), Some(300 * S));
        assert_eq!(t.tracked(), 1);
    }

    #[test]
    fn a_large_table_is_sharded_and_stays_bounded_and_exact() {
        assert_eq!(FailedAttempts::<u64>::new(policy(3, SHARDS * MIN_SHARD_KEYS - 1)).shards(), 1);
        assert_eq!(FailedAttempts::<u64>::new(policy(3, 100_000)).shards(), SHARDS);
        assert_eq!(FailedAttempts::<u64>::with_shards(policy(3, 100_000), 1).shards(), 1);
        assert_eq!(
            FailedAttempts::<u64>::with_shards(policy(3, 4), 64).shards(),
            4,
            "one key a shard at most"
        );

        let cap = SHARDS * MIN_SHARD_KEYS;
        let t = FailedAttempts::new(policy(3, cap));
        assert_eq!(t.shards(), SHARDS);
        let t0 = Instant::now();
        // Locked keys in every shard survive a flood of new keys; the total stays bounded.
        for k in 0..64u64 {
            for _ in 0..3 {
                t.record_failure(&k, t0);
            }
        }
        for k in 64..10 * cap as u64 {
            t.record_failure(&k, t0 + Duration::from_micros(k));
        }
        assert!(t.tracked() <= cap, "{} tracked", t.tracked());
        for k in 0..64u64 {
            assert_eq!(t.locked(&k, t0 + S), Some(299 * S), "locked key {k} evicted");
        }
        // Exact per key across shards, from several threads at once: each key's third failure locks.
        let t = Arc::new(FailedAttempts::new(policy(3, cap)));
        let locks: usize = (0..4)
            .map(|_| {
                let t = Arc::clone(&t);
                std::thread::spawn(move || (0..1_000u64).filter(|k| t.record_failure(k, t0)).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(locks, 1_000, "four failures a key, three lock: each key locks exactly once");
    }

    #[test]
    fn survives_a_poisoned_lock() {
        let t = Arc::new(FailedAttempts::new(policy(2, 10)));
        let t0 = Instant::now();
        t.record_failure(&1, t0);
        let poisoner = Arc::clone(&t);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.shards[0].lock();
            panic!("poison the lock");
        })
        .join();
        assert!(t.shards[0].is_poisoned());
        assert!(t.record_failure(&1, t0));
        assert!(t.locked(&1, t0).is_some());
    }
}

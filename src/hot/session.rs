//! A session's hot state: one 64-byte cache line, and the per-message check over it.
//!
//! # Protocol
//! * `state` packs `generation:32 | tier:16 | flags:16`. The cold path changes it only by
//!   compare-and-swap (open, close, kill, tier move, escalation), so a change never loses another.
//!   The check loads it once with `Acquire`: a kill or tier move whose store returned before the check
//!   began is seen by it. A session handle carries the generation; a mismatch means the handle is
//!   closed or was never issued, and the check touches nothing else.
//! * `msg_tat` and `ord_tat` are GCRA buckets (see [`crate::hot::gcra`]). An order takes its order
//!   token first, then its message token; if the message bucket refuses, the order token is refunded,
//!   so only admitted messages ever spend tokens.
//! * `rates` are the session's own copy of its tier's two bucket rates, pushed by the cold path (see
//!   [`crate::hot::policy`]), so a check reads everything it needs from this one line.
//! * `checked_orders` and `checked_other` count the checks that reached the buckets, orders and
//!   other messages apart, so a check bumps one counter whatever its class; the side line's
//!   `refused_messages` and `refused_orders` count those the buckets refused, and admitted orders =
//!   checked orders - refused orders, admitted messages = both checked counters - refused messages.
//!   The checked counter is bumped *before* the compare-and-swaps, with a plain load and store, not a
//!   locked read-modify-write: a locked add would double the cost of a check, and a store to this
//!   line right after the two compare-and-swaps costs measurably more than the same store before
//!   them (measured when this protocol was designed).
//!   They are exact while one thread at a time checks a session,
//!   which is how FIX engines work (a session's messages are sequenced on one thread); under
//!   concurrent checks of one session they may lose increments, so admitted may read low, never
//!   high (the refusals are exact). A check in flight is counted as admitted from its bump until a
//!   refusal is counted. `throttled` and the side line ([`SessionSide`]: disconnects, refusals, the
//!   escalation window and rule) are touched only on the violation path, with atomic
//!   read-modify-writes, and are exact in all cases.
//! * Nothing here allocates, locks, or makes a system call.

use crate::hot::gcra::{admit, refund};
use crate::hot::policy::{Escalation, Policy, RateWords};
use crate::sync::{AtomicU64, Ordering};

/// A handle's generation sits above its slot index (see [`Handle::to_raw`]).
const HANDLE_GEN_SHIFT: u32 = 32;

/// A session line's state word: one atomic `u64` that every check loads first, and that the cold
/// path changes only by compare-and-swap (or, for escalation, one `fetch_or`), so each change is
/// seen whole.
///
/// | bits   | field |
/// |--------|-------|
/// | 0      | [`StateWord::OPEN`]: a session is open on the line |
/// | 1      | [`StateWord::KILLED`]: every check answers KILLED |
/// | 2      | [`StateWord::ESCALATED`]: violations escalated; every check answers DISCONNECT |
/// | 8..16  | the kill reason (`KillReason as u8`), set with KILLED |
/// | 16..32 | the tier's index |
/// | 32..64 | the generation: bumped at each open, so older handles go stale |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StateWord(u64);

impl StateWord {
    const OPEN: u64 = 1 << 0;
    const KILLED: u64 = 1 << 1;
    const ESCALATED: u64 = 1 << 2;
    const REASON_SHIFT: u32 = 8;
    const TIER_SHIFT: u32 = 16;
    const TIER_MASK: u64 = 0xFFFF << Self::TIER_SHIFT;
    const GEN_SHIFT: u32 = 32;

    /// A closed line whose last session had `generation`.
    #[inline(always)]
    fn closed(generation: u32) -> StateWord {
        StateWord(u64::from(generation) << Self::GEN_SHIFT)
    }

    /// A line just opened for a session of `generation` on `tier`.
    #[inline(always)]
    fn opened(generation: u32, tier: u16) -> StateWord {
        StateWord(
            (u64::from(generation) << Self::GEN_SHIFT) | (u64::from(tier) << Self::TIER_SHIFT) | Self::OPEN,
        )
    }

    #[inline(always)]
    fn generation(self) -> u32 {
        (self.0 >> Self::GEN_SHIFT) as u32
    }

    #[inline(always)]
    fn is_open(self) -> bool {
        self.0 & Self::OPEN != 0
    }

    /// Open, and for the session of `generation` (not an older one on the same line).
    #[inline(always)]
    fn is_live(self, generation: u32) -> bool {
        self.generation() == generation && self.is_open()
    }

    /// Killed or escalated: the check answers without asking the buckets.
    #[inline(always)]
    fn is_stopped(self) -> bool {
        self.0 & (Self::KILLED | Self::ESCALATED) != 0
    }

    #[inline(always)]
    fn is_killed(self) -> bool {
        self.0 & Self::KILLED != 0
    }

    #[inline(always)]
    fn is_escalated(self) -> bool {
        self.0 & Self::ESCALATED != 0
    }

    fn kill_reason(self) -> Option<KillReason> {
        if self.is_killed() {
            KillReason::from_bits((self.0 >> Self::REASON_SHIFT) as u8)
        } else {
            None
        }
    }

    fn tier(self) -> u16 {
        ((self.0 & Self::TIER_MASK) >> Self::TIER_SHIFT) as u16
    }

    /// This word killed for `reason`.
    fn killed(self, reason: KillReason) -> StateWord {
        StateWord(self.0 | Self::KILLED | (u64::from(reason as u8) << Self::REASON_SHIFT))
    }

    /// This word on `tier`.
    fn on_tier(self, tier: u16) -> StateWord {
        StateWord((self.0 & !Self::TIER_MASK) | (u64::from(tier) << Self::TIER_SHIFT))
    }

    /// This word closed: the generation kept (the next open bumps it), everything else cleared.
    fn closing(self) -> StateWord {
        StateWord::closed(self.generation())
    }
}

/// Why a session was killed; reported with its KILLED answers and events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum KillReason {
    /// An operator killed this session.
    Admin = 1,
    /// An operator killed all of the user's sessions.
    User = 2,
    /// The user's credential was revoked.
    Revoked = 3,
    /// The user was suspended.
    Suspended = 4,
    /// The user's credential expired.
    Expired = 5,
    /// Reserved (the C enum's FIXPROV_KILL_SHUTDOWN); never produced: closing an engine raises no
    /// events.
    Shutdown = 6,
}

impl KillReason {
    fn from_bits(bits: u8) -> Option<KillReason> {
        Some(match bits {
            1 => KillReason::Admin,
            2 => KillReason::User,
            3 => KillReason::Revoked,
            4 => KillReason::Suspended,
            5 => KillReason::Expired,
            6 => KillReason::Shutdown,
            _ => return None,
        })
    }
}

/// What a check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Admitted: process the message.
    Ok,
    /// Over the tier's rate: reject this message (BusinessMessageReject), keep the session.
    Throttled,
    /// Violations escalated past the tier's threshold: log the session out.
    Disconnect,
    /// The session was killed: log it out.
    Killed,
    /// The handle is closed or was never issued.
    Stale,
}

/// The kind of an inbound message, for the order bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgClass {
    /// Counts against messages/sec only.
    Other,
    /// Counts against orders/sec and messages/sec.
    Order,
}

/// A session handle's two halves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    /// Index of the session's line in the table.
    pub index: u32,
    /// Generation of that line when the session was opened; never 0.
    pub generation: u32,
}

impl Handle {
    /// Splits a 64-bit handle as the C ABI carries it.
    #[inline(always)]
    pub const fn from_raw(raw: u64) -> Handle {
        Handle { index: raw as u32, generation: (raw >> HANDLE_GEN_SHIFT) as u32 }
    }

    /// The 64-bit form handed to C; never 0.
    pub const fn to_raw(self) -> u64 {
        ((self.generation as u64) << HANDLE_GEN_SHIFT) | self.index as u64
    }
}

/// Counters of one session, read on the cold path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Messages admitted (orders included).
    pub messages: u64,
    /// Orders admitted.
    pub orders: u64,
    /// Checks answered THROTTLED.
    pub throttled: u64,
    /// Checks answered DISCONNECT.
    pub disconnects: u64,
}

impl Counters {
    /// Throttled plus disconnect answers.
    pub fn violations(&self) -> u64 {
        self.throttled + self.disconnects
    }
}

/// Snapshot of a session's state word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineState {
    /// Tier index in force.
    pub tier: u16,
    /// Set when killed, with the reason.
    pub killed: Option<KillReason>,
    /// Set once violations escalated to DISCONNECT.
    pub escalated: bool,
}

/// One session's hot state, exactly one cache line.
#[repr(C, align(64))]
pub struct SessionLine {
    state: AtomicU64,
    msg_tat: AtomicU64,
    ord_tat: AtomicU64,
    rates: RateWords,
    checked_orders: AtomicU64,
    checked_other: AtomicU64,
    throttled: AtomicU64,
}

#[cfg(not(fixprov_loom))]
const _: () = assert!(std::mem::size_of::<SessionLine>() == 64);
#[cfg(not(fixprov_loom))]
const _: () = assert!(std::mem::align_of::<SessionLine>() == 64);

/// A session's line and side line together: one element of the engine's session table, so a
/// check does one bounds check and the side line sits next to the line it belongs to.
#[repr(C, align(64))]
#[derive(Default)]
pub struct SessionSlot {
    /// The hot line.
    pub line: SessionLine,
    /// The violation-path line.
    pub side: SessionSide,
}

impl SessionSlot {
    /// A free slot whose first session gets generation `after + 1` (see
    /// [`SessionLine::with_generation`]).
    pub fn with_generation(after: u32) -> SessionSlot {
        SessionSlot { line: SessionLine::with_generation(after), side: SessionSide::new() }
    }
}

/// What a session touches only when a message is refused, kept off its hot line.
#[repr(C, align(32))]
pub struct SessionSide {
    disconnects: AtomicU64,
    /// `window_start_ms:42 | count:22`.
    escalation: AtomicU64,
    /// The escalation rule in force ([`Escalation::pack`]).
    rule: AtomicU64,
    /// Messages (orders included) the buckets refused, since the session opened.
    refused_messages: AtomicU64,
    /// Orders the buckets refused, since the session opened.
    refused_orders: AtomicU64,
}

impl Default for SessionSide {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionSide {
    /// A side line with no violations.
    pub fn new() -> SessionSide {
        SessionSide {
            disconnects: AtomicU64::new(0),
            escalation: AtomicU64::new(0),
            rule: AtomicU64::new(0),
            refused_messages: AtomicU64::new(0),
            refused_orders: AtomicU64::new(0),
        }
    }
}

/// Checks that reached the buckets (the sum of `checked`) less those they refused. The refusals are
/// read first: a check in flight between the loads counts as admitted until its refusal is counted,
/// never the other way round, and the difference cannot go below zero.
fn admitted(checked: &[&AtomicU64], refused: &AtomicU64) -> u64 {
    let refused = refused.load(Ordering::Relaxed);
    let checked = checked.iter().fold(0u64, |sum, c| sum.wrapping_add(c.load(Ordering::Relaxed)));
    checked.saturating_sub(refused)
}

#[inline(always)]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

const WINDOW_BITS: u32 = 42;
const WINDOW_MASK: u64 = (1 << WINDOW_BITS) - 1;
const COUNT_BITS: u32 = 64 - WINDOW_BITS;
const COUNT_MAX: u64 = (1 << COUNT_BITS) - 1;

/// The largest escalation threshold that can trigger: the window's violation count saturates at
/// 2^22 - 1, and escalation needs more than the threshold. Tier validation refuses anything above.
pub const MAX_ESCALATION_THRESHOLD: u32 = COUNT_MAX as u32 - 1;

impl Default for SessionLine {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionLine {
    /// A free line (generation 0, never valid for a handle).
    pub fn new() -> SessionLine {
        SessionLine::with_generation(0)
    }

    /// A free line whose first session gets generation `after + 1`. An engine starts its lines at
    /// a random generation, so that a handle from another engine (one closed, say) is refused as
    /// stale instead of naming a session of this one.
    pub fn with_generation(after: u32) -> SessionLine {
        SessionLine {
            state: AtomicU64::new(StateWord::closed(after).0),
            msg_tat: AtomicU64::new(0),
            ord_tat: AtomicU64::new(0),
            rates: RateWords::new(),
            checked_orders: AtomicU64::new(0),
            checked_other: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }
    }

    #[inline(always)]
    fn live(&self, generation: u32) -> Option<StateWord> {
        let state = StateWord(self.state.load(Ordering::Acquire));
        state.is_live(generation).then_some(state)
    }

    /// The per-message decision. `now` is in nanoseconds on the session's time base.
    #[inline(always)]
    pub fn check(&self, generation: u32, class: MsgClass, now: u64, side: &SessionSide) -> Verdict {
        let Some(state) = self.live(generation) else { return Verdict::Stale };
        if state.is_stopped() {
            return if state.is_killed() { Verdict::Killed } else { Verdict::Disconnect };
        }
        // Counted before the buckets are asked (see the module's protocol): a store to this line
        // after the compare-and-swaps costs more (measured when this protocol was designed).
        if class == MsgClass::Order {
            bump(&self.checked_orders);
            let orders = self.rates.orders();
            if !admit(&self.ord_tat, now, orders) {
                return self.violation(class, now, side);
            }
            if !admit(&self.msg_tat, now, self.rates.messages()) {
                refund(&self.ord_tat, orders);
                return self.violation(class, now, side);
            }
        } else {
            bump(&self.checked_other);
            if !admit(&self.msg_tat, now, self.rates.messages()) {
                return self.violation(class, now, side);
            }
        }
        Verdict::Ok
    }

    /// A refused message: count it and decide between THROTTLED and DISCONNECT.
    #[cold]
    #[inline(never)]
    fn violation(&self, class: MsgClass, now: u64, side: &SessionSide) -> Verdict {
        side.refused_messages.fetch_add(1, Ordering::Relaxed);
        if class == MsgClass::Order {
            side.refused_orders.fetch_add(1, Ordering::Relaxed);
        }
        let rule = Escalation::unpack(side.rule.load(Ordering::Acquire));
        if rule.threshold == 0 {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            return Verdict::Throttled;
        }
        let now_ms = (now / 1_000_000) & WINDOW_MASK;
        let window = u64::from(rule.window_ms);
        let mut current = side.escalation.load(Ordering::Relaxed);
        let count = loop {
            let start = current >> COUNT_BITS;
            let count = current & COUNT_MAX;
            let age = now_ms.wrapping_sub(start) & WINDOW_MASK;
            // A window that ended, or a first violation, starts a new window. A clock that went
            // backwards shows as a huge age and also starts one: it never hides violations for long.
            let (start, count) =
                if count == 0 || age >= window { (now_ms, 1) } else { (start, (count + 1).min(COUNT_MAX)) };
            let next = (start << COUNT_BITS) | count;
            match side.escalation.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break count,
                Err(seen) => current = seen,
            }
        };
        if count > u64::from(rule.threshold) {
            self.state.fetch_or(StateWord::ESCALATED, Ordering::AcqRel);
            side.disconnects.fetch_add(1, Ordering::Relaxed);
            Verdict::Disconnect
        } else {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            Verdict::Throttled
        }
    }

    /// Opens a free line for a new session on `tier` under `policy`; returns its handle's generation.
    ///
    /// Callers own the line exclusively (it came off the free list).
    pub fn open(&self, tier: u16, policy: &Policy, side: &SessionSide) -> u32 {
        let old = StateWord(self.state.load(Ordering::Acquire));
        debug_assert!(!old.is_open(), "opening a line that is open");
        let generation = match old.generation().wrapping_add(1) {
            0 => 1,
            g => g,
        };
        for counter in [
            &self.msg_tat,
            &self.ord_tat,
            &self.checked_orders,
            &self.checked_other,
            &self.throttled,
            &side.disconnects,
            &side.escalation,
            &side.refused_messages,
            &side.refused_orders,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        self.rates.publish(policy);
        side.rule.store(policy.escalation.pack(), Ordering::Release);
        self.state.store(StateWord::opened(generation, tier).0, Ordering::Release);
        generation
    }

    /// Changes the state word of the live session `generation` by compare-and-swap with `f`;
    /// returns the word it replaced, or `None` when the handle is stale or `f` declined.
    fn update(&self, generation: u32, f: impl Fn(StateWord) -> Option<StateWord>) -> Option<StateWord> {
        let mut current = StateWord(self.state.load(Ordering::Acquire));
        loop {
            if !current.is_live(generation) {
                return None;
            }
            let next = f(current)?;
            match self.state.compare_exchange_weak(current.0, next.0, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(current),
                Err(seen) => current = StateWord(seen),
            }
        }
    }

    /// Closes the session; its handle goes stale at once. Returns its final counters, or `None`
    /// when the handle was already stale.
    pub fn close(&self, generation: u32, side: &SessionSide) -> Option<Counters> {
        self.update(generation, |s| Some(s.closing()))?;
        Some(self.counters_unchecked(side))
    }

    /// Marks the session killed; every later check answers KILLED. Returns `false` when the handle is
    /// stale or the session was already killed.
    pub fn kill(&self, generation: u32, reason: KillReason) -> bool {
        self.update(generation, |s| (!s.is_killed()).then(|| s.killed(reason))).is_some()
    }

    /// Puts the session on `tier` under `policy`: its next check enforces them, with both buckets
    /// started afresh (debt run up at one interval means nothing at another; a TAT of 0 is a full
    /// bucket on any time base). Returns `false` for a stale handle.
    pub fn set_policy(&self, generation: u32, tier: u16, policy: &Policy, side: &SessionSide) -> bool {
        let moved = self.update(generation, |s| Some(s.on_tier(tier)));
        if moved.is_none() {
            return false;
        }
        self.rates.publish(policy);
        side.rule.store(policy.escalation.pack(), Ordering::Release);
        self.msg_tat.store(0, Ordering::Relaxed);
        self.ord_tat.store(0, Ordering::Relaxed);
        true
    }

    /// The state word, or `None` for a stale handle.
    pub fn state(&self, generation: u32) -> Option<LineState> {
        let s = self.live(generation)?;
        Some(LineState { tier: s.tier(), killed: s.kill_reason(), escalated: s.is_escalated() })
    }

    /// The generation of the session open on this line, if one is.
    pub fn open_generation(&self) -> Option<u32> {
        let state = StateWord(self.state.load(Ordering::Acquire));
        state.is_open().then_some(state.generation())
    }

    /// The counters, or `None` for a stale handle.
    pub fn counters(&self, generation: u32, side: &SessionSide) -> Option<Counters> {
        self.live(generation)?;
        Some(self.counters_unchecked(side))
    }

    fn counters_unchecked(&self, side: &SessionSide) -> Counters {
        Counters {
            messages: admitted(&[&self.checked_orders, &self.checked_other], &side.refused_messages),
            orders: admitted(&[&self.checked_orders], &side.refused_orders),
            throttled: self.throttled.load(Ordering::Relaxed),
            disconnects: side.disconnects.load(Ordering::Relaxed),
        }
    }

    /// Zeroes the violation counters and the escalation window (not a DISCONNECT already given).
    pub fn reset_violations(&self, generation: u32, side: &SessionSide) -> bool {
        if self.live(generation).is_none() {
            return false;
        }
        self.throttled.store(0, Ordering::Relaxed);
        side.disconnects.store(0, Ordering::Relaxed);
        side.escalation.store(0, Ordering::Relaxed);
        true
    }
}

#[cfg(all(test, fixprov_loom))]
mod loom_tests {
    use super::*;
    use crate::hot::policy::PackedRate;
    use loom::sync::Arc;

    fn line(order_burst: u64, message_burst: u64) -> (Arc<(SessionLine, SessionSide)>, u32) {
        let pair = Arc::new((SessionLine::new(), SessionSide::new()));
        let policy = Policy {
            messages: PackedRate::per_second(2, message_burst),
            orders: PackedRate::per_second(1, order_burst),
            escalation: Escalation::default(),
        };
        let generation = pair.0.open(0, &policy, &pair.1);
        (pair, generation)
    }

    /// Two orders race through the whole check on a session whose message bucket holds one token
    /// and order bucket two: exactly one is admitted, and the refused one gave its order token back.
    #[test]
    fn racing_orders_on_one_session() {
        loom::model(|| {
            let (pair, generation) = line(2, 1);
            let now = 10_000_000_000;
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let pair = pair.clone();
                    loom::thread::spawn(move || pair.0.check(generation, MsgClass::Order, now, &pair.1))
                })
                .collect();
            let verdicts: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Ok).count(), 1, "{verdicts:?}");
            assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Throttled).count(), 1);
            // Racing checks of one session may lose a bump of the checked counters, never count an
            // admission that did not happen; the refusal counters are exact.
            let c = pair.0.counters(generation, &pair.1).unwrap();
            assert!(c.messages <= 1 && c.orders <= 1, "{c:?}");
            assert_eq!(c.throttled, 1);
            // No message token is left now. Half a second later one message token is due (2/s) but
            // no new order token (1/s): an order passes only because the refused one was refunded.
            assert_eq!(pair.0.check(generation, MsgClass::Order, now, &pair.1), Verdict::Throttled);
            let later = now + 500_000_000;
            assert_eq!(pair.0.check(generation, MsgClass::Order, later, &pair.1), Verdict::Ok);
        });
    }

    /// A kill racing with a check: the check answers OK or KILLED, and once the kill returned every
    /// check answers KILLED.
    #[test]
    fn a_kill_is_seen_by_the_next_check() {
        loom::model(|| {
            let (pair, generation) = line(10, 10);
            let killer = {
                let pair = pair.clone();
                loom::thread::spawn(move || assert!(pair.0.kill(generation, KillReason::Admin)))
            };
            let racing = pair.0.check(generation, MsgClass::Other, 1, &pair.1);
            assert!(matches!(racing, Verdict::Ok | Verdict::Killed), "{racing:?}");
            killer.join().unwrap();
            assert_eq!(pair.0.check(generation, MsgClass::Other, 1, &pair.1), Verdict::Killed);
        });
    }

    /// Two refusals race through the escalation window's compare-and-swap on a session that
    /// escalates above one violation: neither count is lost, so exactly one of them is the second
    /// violation and answers DISCONNECT, and the session stays escalated.
    #[test]
    fn racing_violations_are_all_counted_by_the_escalation_window() {
        loom::model(|| {
            let pair = Arc::new((SessionLine::new(), SessionSide::new()));
            let policy = Policy {
                messages: PackedRate::per_second(1, 1),
                orders: PackedRate::per_second(1, 1),
                escalation: Escalation { threshold: 1, window_ms: 1_000 },
            };
            let generation = pair.0.open(0, &policy, &pair.1);
            let now = 10_000_000_000;
            // The one message token goes first; both racing messages are refused.
            assert_eq!(pair.0.check(generation, MsgClass::Other, now, &pair.1), Verdict::Ok);
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let pair = pair.clone();
                    loom::thread::spawn(move || pair.0.check(generation, MsgClass::Other, now, &pair.1))
                })
                .collect();
            let mut verdicts: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            verdicts.sort_by_key(|v| *v as u8);
            assert_eq!(verdicts, [Verdict::Throttled, Verdict::Disconnect], "{verdicts:?}");
            let c = pair.0.counters(generation, &pair.1).unwrap();
            assert_eq!((c.throttled, c.disconnects), (1, 1), "{c:?}");
            assert!(pair.0.state(generation).unwrap().escalated);
            assert_eq!(pair.0.check(generation, MsgClass::Other, now, &pair.1), Verdict::Disconnect);
        });
    }

    /// The state-word half of a tier move (`set_policy`) races a kill and a check: both changes
    /// survive (the session ends on the new tier and killed), and the racing check answers OK or
    /// KILLED, never a stale handle.
    #[test]
    fn a_tier_move_racing_a_kill_and_a_check_loses_neither_change() {
        loom::model(|| {
            let (pair, generation) = line(10, 10);
            let faster = Policy {
                messages: PackedRate::per_second(20, 20),
                orders: PackedRate::per_second(10, 10),
                escalation: Escalation::default(),
            };
            let mover = {
                let pair = pair.clone();
                loom::thread::spawn(move || assert!(pair.0.set_policy(generation, 7, &faster, &pair.1)))
            };
            let killer = {
                let pair = pair.clone();
                loom::thread::spawn(move || assert!(pair.0.kill(generation, KillReason::Admin)))
            };
            let racing = pair.0.check(generation, MsgClass::Order, 1, &pair.1);
            assert!(matches!(racing, Verdict::Ok | Verdict::Killed), "{racing:?}");
            mover.join().unwrap();
            killer.join().unwrap();
            let state = pair.0.state(generation).unwrap();
            assert_eq!((state.tier, state.killed), (7, Some(KillReason::Admin)), "{state:?}");
            assert_eq!(pair.0.check(generation, MsgClass::Order, 1, &pair.1), Verdict::Killed);
        });
    }
}

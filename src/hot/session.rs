//! A session's hot state: one 64-byte cache line, and the per-message check over it.
//!
//! # Layout
//! The engine's table ([`SessionSlots`]) keeps every session's hot line in one array and its side
//! line (what only a refused message touches) in another, so N sessions cost N contiguous 64-byte
//! lines on the path a healthy session takes, and a check touches exactly one line.
//!
//! # Protocol
//! * `state` packs `generation:32 | tier:16 | kill reason:8 | flags:8`. The cold path changes it only
//!   by compare-and-swap (open, close, kill, tier move, mode change), a check only by one `fetch_or`
//!   (escalation) or, on a single-owner session, by the compare-and-swap that takes a refill (below),
//!   so a change never loses another. The check loads it once with `Acquire`: a kill or tier move
//!   whose store returned before the check began is seen by it. A session handle carries the
//!   generation; a mismatch means the handle is closed or was never issued, and the check touches
//!   nothing else.
//! * `msg_tat` and `ord_tat` are GCRA buckets (see [`crate::hot::gcra`]).
//!   - **Shared session** (the default: any thread, several at once): an order takes its order
//!     token first by compare-and-swap, then its message token; if the message bucket refuses, the
//!     order token is refunded, so only admitted messages ever spend tokens. Exact under any
//!     concurrency.
//!   - **Single-owner session** (`StateWord::OWNED`; the host promises that one thread at a time
//!     checks the session, as FIX engines sequence a session's messages on one thread): the check
//!     reads both TATs with plain loads, decides both buckets, and writes the new TATs with plain
//!     stores: no locked instruction on an admitted message. Only the owner writes the TATs, so the
//!     cold path never stores into them behind its back: a tier change's refill is *asked for* by
//!     setting `StateWord::REFILL` in the state word, and the owner's next check, which loads
//!     that word anyway, sees the flag, zeroes its TATs itself and clears the flag by
//!     compare-and-swap (retrying, and zeroing again, if another change got in between). Kills,
//!     escalation, suspension and tier moves are state-word changes the owner only reads, so they
//!     race nothing. If the promise is broken (two threads check one owned session at once), a
//!     check's store can overwrite another's: each overlapping check can forget at most one
//!     burst's worth of tokens (a TAT is never more than `limit` ahead of `now`), so admission
//!     exceeds the tier by at most one burst per overlap, and nothing worse happens (every access
//!     is atomic: no torn word, no undefined behaviour). With `StateWord::WATCHED` (debug builds,
//!     or the engine's `watch_owners` option) the owner's check takes a busy flag by `swap`, and a
//!     check that finds it taken counts an overlap on the side line and decides by
//!     compare-and-swap instead.
//! * `rates` are the session's own copy of its tier's two bucket rates, pushed by the cold path (see
//!   [`crate::hot::policy`]), so a check reads everything it needs from this one line.
//! * `checked_orders` and `checked_other` count the checks that reached the buckets, orders and
//!   other messages apart, so a check bumps one counter whatever its class; the side line's
//!   `refused_messages` and `refused_orders` count those the buckets refused, and admitted orders =
//!   checked orders - refused orders, admitted messages = both checked counters - refused messages.
//!   The checked counter is bumped *before* the buckets are asked, with a plain load and store, not
//!   a locked read-modify-write: a locked add would double the cost of a check, and a store to this
//!   line right after the compare-and-swaps costs measurably more than the same store before them
//!   (measured when this protocol was designed).
//!   They are exact while one thread at a time checks a session,
//!   which is how FIX engines work (a session's messages are sequenced on one thread); under
//!   concurrent checks of one session they may lose increments, so admitted may read low, never
//!   high (the refusals are exact). A check in flight is counted as admitted from its bump until a
//!   refusal is counted. The side line ([`SessionSide`]: throttled and disconnect answers, refusals,
//!   the escalation window and rule, overlaps seen) is touched only on the violation path, with
//!   atomic read-modify-writes, and is exact in all cases.
//! * A batch ([`SessionLine::check_batch`]) decides its messages one after another at one instant,
//!   exactly as that many single checks would. The run of messages the buckets admit is decided in
//!   registers from one load of each TAT (at one instant, a refusal ends what the message bucket
//!   can admit, so the run is a prefix) and written back once: a single owner stores both TATs; a
//!   shared session swaps the order TAT, then the message TAT, by compare-and-swap from the values
//!   it loaded, and if the second swap fails gives the first back (token by token, as a refused
//!   order's refund) and decides the run again. The batch's admissions take effect together at the
//!   second swap, as if its checks had run back to back, which single checks may. From the first
//!   refusal on (escalation may follow), the rest go one by one.
//! * Nothing here allocates, locks, or makes a system call.

use crate::hot::account::AccountLine;
use crate::hot::gcra::{admit, admit_n, refund, refund_by, step, step_n};
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
/// | 3      | [`StateWord::OWNED`]: single-owner session (plain loads and stores of the TATs) |
/// | 4      | [`StateWord::REFILL`]: the owner is to start both buckets afresh (a tier change) |
/// | 5      | [`StateWord::WATCHED`]: the owner's checks take the busy flag, to detect overlaps |
/// | 6      | [`StateWord::CARRY`]: the TATs hold debts carried from the user's last session, to be put on this session's time base by its first check |
/// | 8..16  | the kill reason (`KillReason as u8`), set with KILLED |
/// | 16..32 | the tier's index |
/// | 32..64 | the generation: bumped at each open, so older handles go stale |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StateWord(u64);

impl StateWord {
    const OPEN: u64 = 1 << 0;
    const KILLED: u64 = 1 << 1;
    const ESCALATED: u64 = 1 << 2;
    const OWNED: u64 = 1 << 3;
    const REFILL: u64 = 1 << 4;
    const WATCHED: u64 = 1 << 5;
    const CARRY: u64 = 1 << 6;
    /// The session spends from an account's buckets too ([`crate::hot::account`]), named in its
    /// side line.
    const ACCOUNT: u64 = 1 << 7;
    /// Flags that take a check off its common path: answered without the buckets, a refill,
    /// carried debts to apply, or an account to spend from.
    const ATTENTION: u64 = Self::KILLED | Self::ESCALATED | Self::REFILL | Self::CARRY | Self::ACCOUNT;
    const REASON_SHIFT: u32 = 8;
    const TIER_SHIFT: u32 = 16;
    const TIER_MASK: u64 = 0xFFFF << Self::TIER_SHIFT;
    const GEN_SHIFT: u32 = 32;

    /// A closed line whose last session had `generation`.
    #[inline(always)]
    fn closed(generation: u32) -> StateWord {
        StateWord(u64::from(generation) << Self::GEN_SHIFT)
    }

    /// A line just opened for a session of `generation` on `tier`, in `mode`.
    #[inline(always)]
    fn opened(generation: u32, tier: u16, mode: CheckMode) -> StateWord {
        StateWord(
            (u64::from(generation) << Self::GEN_SHIFT) | (u64::from(tier) << Self::TIER_SHIFT) | Self::OPEN,
        )
        .in_mode(mode)
    }

    /// This word in `mode` (a pending refill is dropped: whoever changes the mode applies it).
    fn in_mode(self, mode: CheckMode) -> StateWord {
        let flags = match mode {
            CheckMode::Shared => 0,
            CheckMode::SingleOwner { watched: false } => Self::OWNED,
            CheckMode::SingleOwner { watched: true } => Self::OWNED | Self::WATCHED,
        };
        StateWord((self.0 & !(Self::OWNED | Self::WATCHED | Self::REFILL)) | flags)
    }

    #[inline(always)]
    fn is_owned(self) -> bool {
        self.0 & Self::OWNED != 0
    }

    #[inline(always)]
    fn is_watched(self) -> bool {
        self.0 & Self::WATCHED != 0
    }

    #[inline(always)]
    fn wants_refill(self) -> bool {
        self.0 & Self::REFILL != 0
    }

    #[inline(always)]
    fn carries(self) -> bool {
        self.0 & Self::CARRY != 0
    }

    #[inline(always)]
    fn has_account(self) -> bool {
        self.0 & Self::ACCOUNT != 0
    }

    #[inline(always)]
    fn needs_attention(self) -> bool {
        self.0 & Self::ATTENTION != 0
    }

    fn mode(self) -> CheckMode {
        if self.is_owned() {
            CheckMode::SingleOwner { watched: self.is_watched() }
        } else {
            CheckMode::Shared
        }
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

/// The state word a closed session had, as [`SessionLine::close`] returns it for
/// [`SessionLine::debts`].
#[derive(Clone, Copy, Debug)]
pub struct ClosedWord(u64);

/// Why a session was killed; reported with its KILLED answers and events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
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

/// The kind of an inbound message, for the order bucket. Its numbers are the C ABI's
/// `fixprov_msg_class` values (a batch from C is read in place after they are checked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MsgClass {
    /// Counts against messages/sec only.
    Other = 0,
    /// Counts against orders/sec and messages/sec.
    Order = 1,
}

/// Who may check a session, and so how its buckets advance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckMode {
    /// Any thread, several at once: each bucket advances by compare-and-swap. Exact under any
    /// concurrency.
    #[default]
    Shared,
    /// One thread at a time (the host's promise): the buckets advance with plain loads and stores,
    /// no locked instruction. Exact while the promise holds; if it is broken, each overlapping check
    /// can over-admit by at most one burst, and nothing worse happens.
    SingleOwner {
        /// Take a busy flag on each check (one `swap`) and count overlapping checks, which then
        /// decide by compare-and-swap.
        watched: bool,
    },
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
    /// Who may check it.
    pub mode: CheckMode,
}

/// How far ahead of `now` each bucket's TAT ran when a session closed, in nanoseconds on that
/// session's time base: the tokens it still owed, to be carried into the user's next session so
/// that a reconnect does not refill the buckets (see [`SessionLine::open`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Debts {
    /// The message bucket's debt.
    pub messages: u64,
    /// The order bucket's debt.
    pub orders: u64,
}

impl Debts {
    /// Nothing owed.
    pub fn is_zero(&self) -> bool {
        self.messages == 0 && self.orders == 0
    }

    /// What is still owed `elapsed_ns` later.
    pub fn after(&self, elapsed_ns: u64) -> Debts {
        Debts {
            messages: self.messages.saturating_sub(elapsed_ns),
            orders: self.orders.saturating_sub(elapsed_ns),
        }
    }
}

/// Marks a TAT that holds a carried debt, not a time, while [`StateWord::CARRY`] is set.
const DEBT_MARK: u64 = 1 << 63;

/// One session's hot state, exactly one cache line.
#[repr(C, align(64))]
pub struct SessionLine {
    state: AtomicU64,
    msg_tat: AtomicU64,
    ord_tat: AtomicU64,
    rates: RateWords,
    checked_orders: AtomicU64,
    checked_other: AtomicU64,
    /// A watched single owner's busy flag (see the module's protocol); 0 otherwise.
    busy: AtomicU64,
}

#[cfg(not(fixprov_loom))]
const _: () = assert!(std::mem::size_of::<SessionLine>() == 64);
#[cfg(not(fixprov_loom))]
const _: () = assert!(std::mem::align_of::<SessionLine>() == 64);

/// What a session touches only when a message is refused (or an overlap is seen), kept off the
/// array of hot lines.
#[repr(C, align(64))]
pub struct SessionSide {
    /// THROTTLED answers since the session opened.
    throttled: AtomicU64,
    /// DISCONNECT answers since the session opened.
    disconnects: AtomicU64,
    /// `window_start_ms:42 | count:22`.
    escalation: AtomicU64,
    /// The escalation rule in force ([`Escalation::pack`]).
    rule: AtomicU64,
    /// Messages (orders included) the buckets refused, since the session opened.
    refused_messages: AtomicU64,
    /// Orders the buckets refused, since the session opened.
    refused_orders: AtomicU64,
    /// Checks of a watched single-owner session that found another check of it in flight.
    overlaps: AtomicU64,
    /// The session's account line, index + 1 ([`crate::hot::account`]); 0 for none.
    account: AtomicU64,
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
            throttled: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            escalation: AtomicU64::new(0),
            rule: AtomicU64::new(0),
            refused_messages: AtomicU64::new(0),
            refused_orders: AtomicU64::new(0),
            overlaps: AtomicU64::new(0),
            account: AtomicU64::new(0),
        }
    }

    /// Checks of a watched single-owner session that overlapped another, since it opened.
    pub fn overlaps(&self) -> u64 {
        self.overlaps.load(Ordering::Relaxed)
    }
}

/// One session's line and side line, as the cold path reaches them.
#[derive(Clone, Copy)]
pub struct SessionSlot<'t> {
    /// The hot line.
    pub line: &'t SessionLine,
    /// The violation-path line.
    pub side: &'t SessionSide,
}

/// The engine's session table: the hot lines in one array, the side lines in another, index for
/// index. Clones share the arrays, so the engine keeps the hot array's pointer and length in its
/// own struct (no pointer to chase before the line).
///
/// May be used from several threads at once.
#[derive(Clone)]
pub struct SessionSlots {
    lines: std::sync::Arc<[SessionLine]>,
    sides: std::sync::Arc<[SessionSide]>,
    /// Account lines, as many as sessions ([`crate::hot::account`]).
    accounts: std::sync::Arc<[AccountLine]>,
}

impl SessionSlots {
    /// `capacity` free slots whose first sessions get generation `after + 1` (see
    /// [`SessionLine::with_generation`]).
    pub fn new(capacity: u32, after: u32) -> SessionSlots {
        SessionSlots {
            lines: (0..capacity).map(|_| SessionLine::with_generation(after)).collect(),
            sides: (0..capacity).map(|_| SessionSide::new()).collect(),
            accounts: (0..capacity).map(|_| AccountLine::default()).collect(),
        }
    }

    /// Slots in the table.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the table has no slot.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Slot `index`, if the table has it.
    #[inline]
    pub fn get(&self, index: u32) -> Option<SessionSlot<'_>> {
        let line = self.lines.get(index as usize)?;
        let side = self.sides.get(index as usize)?;
        Some(SessionSlot { line, side })
    }

    /// Slot `index` of a handle the table issued (so within it).
    ///
    /// # Panics
    /// When `index` is beyond the table: a bug of the caller, never reached from a handle a host
    /// passes in (those go through [`SessionSlots::get`]).
    pub fn at(&self, index: u32) -> SessionSlot<'_> {
        SessionSlot { line: &self.lines[index as usize], side: &self.sides[index as usize] }
    }

    /// The first `n` slots, with their indices.
    pub fn iter(&self, n: usize) -> impl Iterator<Item = (u32, SessionSlot<'_>)> {
        self.lines
            .iter()
            .zip(self.sides.iter())
            .take(n)
            .enumerate()
            .map(|(i, (line, side))| (i as u32, SessionSlot { line, side }))
    }

    /// The per-message decision for `handle` (see [`SessionLine::check`]).
    #[inline(always)]
    pub fn check(&self, handle: Handle, class: MsgClass, now: u64) -> Verdict {
        let index = handle.index as usize;
        match self.lines.get(index) {
            // The side line is looked up only on the violation path; the closure holds two words
            // (the table and the index), which travel in registers.
            Some(line) => {
                line.check_in(handle.generation, class, now, move || &self.sides[index], &self.accounts)
            }
            None => Verdict::Stale,
        }
    }

    /// [`SessionLine::check_weighted`] for `handle`.
    #[inline]
    pub fn check_weighted(&self, handle: Handle, class: MsgClass, weight: u32, now: u64) -> Verdict {
        let index = handle.index as usize;
        match self.lines.get(index) {
            Some(line) => line.check_weighted_in(
                handle.generation,
                class,
                weight,
                now,
                move || &self.sides[index],
                &self.accounts,
            ),
            None => Verdict::Stale,
        }
    }

    /// A message of `class` and (already validated) MsgType `msgtype`, weighed by the session's
    /// tier in `weights` (see [`SessionLine::check_weighted`]). A tier move racing the check may
    /// weigh the message by the tier it leaves.
    #[inline]
    pub fn check_msgtype(
        &self,
        handle: Handle,
        class: MsgClass,
        msgtype: &[u8],
        weights: &crate::hot::weights::Weights,
        now: u64,
    ) -> Verdict {
        let index = handle.index as usize;
        let Some(line) = self.lines.get(index) else { return Verdict::Stale };
        let Some(tier) = line.tier_of(handle.generation) else { return Verdict::Stale };
        let weight = weights.of(tier, msgtype);
        line.check_weighted_in(
            handle.generation,
            class,
            weight,
            now,
            move || &self.sides[index],
            &self.accounts,
        )
    }

    /// [`SessionLine::check_batch`] for `handle`; `false` (and no answer) for a stale handle.
    #[inline]
    pub fn check_batch(
        &self,
        handle: Handle,
        classes: &[MsgClass],
        now: u64,
        out: impl FnMut(usize, Verdict),
    ) -> bool {
        let index = handle.index as usize;
        match self.lines.get(index) {
            Some(line) => line.check_batch_in(
                handle.generation,
                classes,
                now,
                move || &self.sides[index],
                &self.accounts,
                out,
            ),
            None => false,
        }
    }

    /// Account line `index`.
    pub fn account(&self, index: u32) -> Option<&AccountLine> {
        self.accounts.get(index as usize)
    }

    /// How many account lines there are (as many as sessions).
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// Asks the CPU to bring `index`'s hot line into its cache, ahead of a check of it. Does
    /// nothing for an index beyond the table; never faults, never blocks.
    #[inline(always)]
    pub fn prefetch(&self, index: u32) {
        if let Some(line) = self.lines.get(index as usize) {
            prefetch_line(line);
        }
    }
}

#[cfg(all(target_arch = "x86_64", not(fixprov_loom)))]
#[inline(always)]
fn prefetch_line(line: &SessionLine) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch is a hint: it never faults and changes no architectural state; the pointer
    // comes from a live reference anyway. SSE, which it needs, is part of the x86-64 baseline.
    unsafe { _mm_prefetch::<_MM_HINT_T0>((line as *const SessionLine).cast::<i8>()) };
}

#[cfg(not(all(target_arch = "x86_64", not(fixprov_loom))))]
#[inline(always)]
fn prefetch_line(line: &SessionLine) {
    // No stable prefetch hint elsewhere: a load the CPU issues without waiting for it.
    let _ = line.state.load(Ordering::Relaxed);
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
    add(counter, 1);
}

/// A plain load and store, not a locked add (see the module's protocol on the checked counters).
#[inline(always)]
fn add(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
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
            busy: AtomicU64::new(0),
        }
    }

    #[inline(always)]
    fn live(&self, generation: u32) -> Option<StateWord> {
        let state = StateWord(self.state.load(Ordering::Acquire));
        state.is_live(generation).then_some(state)
    }

    /// The per-message decision. `now` is in nanoseconds on the session's time base; `side` gives
    /// the session's side line, asked for only when a message is refused.
    #[inline(always)]
    pub fn check<'s>(
        &self,
        generation: u32,
        class: MsgClass,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
    ) -> Verdict {
        self.check_in(generation, class, now, side, &[])
    }

    /// [`SessionLine::check`] with the table of account lines its side line may name.
    #[inline(always)]
    pub fn check_in<'s>(
        &self,
        generation: u32,
        class: MsgClass,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
        accounts: &[AccountLine],
    ) -> Verdict {
        let Some(state) = self.live(generation) else { return Verdict::Stale };
        if state.needs_attention() {
            // Out of line and the whole rest of the check, so that nothing of the common path has
            // to survive a call (which would cost the exported check its callee-saved registers).
            return self.attention(state, generation, class, now, side, accounts);
        }
        self.decide(state, class, now, side)
    }

    /// [`SessionLine::check`] for a message of `weight` tokens in each bucket it counts in (see
    /// [`crate::hot::weights`]): weight 1 is the plain check; 0 admits the message (counted, and
    /// subject to kills and escalation) without touching a bucket; a weight above a bucket's burst
    /// is never admitted. Every mode: shared (compare-and-swap, a refused order's tokens given
    /// back), single owner (plain loads and stores), watched owner.
    #[inline]
    pub fn check_weighted<'s>(
        &self,
        generation: u32,
        class: MsgClass,
        weight: u32,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
    ) -> Verdict {
        self.check_weighted_in(generation, class, weight, now, side, &[])
    }

    /// [`SessionLine::check_weighted`] with the table of account lines its side line may name.
    #[inline]
    pub fn check_weighted_in<'s>(
        &self,
        generation: u32,
        class: MsgClass,
        weight: u32,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
        accounts: &[AccountLine],
    ) -> Verdict {
        if weight == 1 {
            return self.check_in(generation, class, now, side, accounts);
        }
        let Some(mut state) = self.live(generation) else { return Verdict::Stale };
        if state.needs_attention() {
            match self.take_stopped_or_refill(state, generation, now) {
                Ok(live) => state = live,
                Err(verdict) => return verdict,
            }
            if state.has_account() {
                return self.decide_account(state, class, u64::from(weight), now, side(), accounts);
            }
        }
        self.decide_weighted(state, class, u64::from(weight), now, side)
    }

    /// The buckets' decision for a weighted message, in the session's mode.
    #[inline(never)]
    fn decide_weighted<'s>(
        &self,
        state: StateWord,
        class: MsgClass,
        weight: u64,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
    ) -> Verdict {
        let order = class == MsgClass::Order;
        if weight == 0 {
            bump(if order { &self.checked_orders } else { &self.checked_other });
            return Verdict::Ok;
        }
        let watched = state.is_owned() && state.is_watched();
        let mut side = Some(side);
        if watched && self.busy.swap(1, Ordering::Acquire) != 0 {
            let side_line = (side.take().expect("unused"))();
            side_line.overlaps.fetch_add(1, Ordering::Relaxed);
            return self.weighted_shared(class, weight, now, side_line);
        }
        let verdict = if state.is_owned() {
            bump(if order { &self.checked_orders } else { &self.checked_other });
            let (messages, orders) = (self.rates.messages(), self.rates.orders());
            let next_msg = step_n(self.msg_tat.load(Ordering::Relaxed), now, messages, weight);
            let next_ord = if order {
                step_n(self.ord_tat.load(Ordering::Relaxed), now, orders, weight)
            } else {
                Some(0)
            };
            match (next_msg, next_ord) {
                (Some(next_msg), Some(next_ord)) => {
                    if order {
                        self.ord_tat.store(next_ord, Ordering::Relaxed);
                    }
                    self.msg_tat.store(next_msg, Ordering::Relaxed);
                    Verdict::Ok
                }
                _ => self.violation(class, now, (side.take().expect("unused"))()),
            }
        } else {
            self.weighted_shared(class, weight, now, (side.take().expect("unused"))())
        };
        if watched {
            self.busy.store(0, Ordering::Release);
        }
        verdict
    }

    /// A weighted message on a shared session: the order bucket's tokens then the message bucket's,
    /// each all or none by compare-and-swap; the order tokens given back if the message bucket refuses.
    fn weighted_shared(&self, class: MsgClass, weight: u64, now: u64, side: &SessionSide) -> Verdict {
        if class == MsgClass::Order {
            bump(&self.checked_orders);
            let orders = self.rates.orders();
            if !admit_n(&self.ord_tat, now, orders, weight) {
                return self.violation(class, now, side);
            }
            if !admit_n(&self.msg_tat, now, self.rates.messages(), weight) {
                refund_by(&self.ord_tat, orders.interval_ns * weight);
                return self.violation(class, now, side);
            }
        } else {
            bump(&self.checked_other);
            if !admit_n(&self.msg_tat, now, self.rates.messages(), weight) {
                return self.violation(class, now, side);
            }
        }
        Verdict::Ok
    }

    /// The tier a live session is on (from its state word), or `None` for a stale handle.
    #[inline(always)]
    pub fn tier_of(&self, generation: u32) -> Option<u16> {
        self.live(generation).map(StateWord::tier)
    }

    /// Killed, escalated, or a refill to take: the answer, off the common path.
    #[cold]
    #[inline(never)]
    fn attention<'s>(
        &self,
        state: StateWord,
        generation: u32,
        class: MsgClass,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
        accounts: &[AccountLine],
    ) -> Verdict {
        match self.take_stopped_or_refill(state, generation, now) {
            Ok(state) if state.has_account() => self.decide_account(state, class, 1, now, side(), accounts),
            Ok(state) => self.decide(state, class, now, side),
            Err(verdict) => verdict,
        }
    }

    /// A session with an account: its own buckets, then the account's, every token given back if
    /// either refuses (see [`crate::hot::account`]). A single owner decides its own buckets with
    /// plain loads and stores and stores them only once the account admitted; a shared or watched
    /// session takes them by compare-and-swap. A side line that names no account (a change in
    /// flight) leaves the session's own buckets alone to decide.
    #[inline(never)]
    fn decide_account(
        &self,
        state: StateWord,
        class: MsgClass,
        weight: u64,
        now: u64,
        side: &SessionSide,
        accounts: &[AccountLine],
    ) -> Verdict {
        let order = class == MsgClass::Order;
        bump(if order { &self.checked_orders } else { &self.checked_other });
        if weight == 0 {
            return Verdict::Ok;
        }
        let account =
            (side.account.load(Ordering::Acquire) as usize).checked_sub(1).and_then(|i| accounts.get(i));
        let admitted_by_account =
            |account: Option<&AccountLine>| account.is_none_or(|a| a.admit(order, weight, now));
        let (messages, orders) = (self.rates.messages(), self.rates.orders());
        if state.is_owned() && !state.is_watched() {
            let next_msg = step_n(self.msg_tat.load(Ordering::Relaxed), now, messages, weight);
            let next_ord = if order {
                step_n(self.ord_tat.load(Ordering::Relaxed), now, orders, weight)
            } else {
                Some(0)
            };
            let (Some(next_msg), Some(next_ord)) = (next_msg, next_ord) else {
                return self.violation(class, now, side);
            };
            if !admitted_by_account(account) {
                return self.violation(class, now, side);
            }
            if order {
                self.ord_tat.store(next_ord, Ordering::Relaxed);
            }
            self.msg_tat.store(next_msg, Ordering::Relaxed);
            return Verdict::Ok;
        }
        if order && !admit_n(&self.ord_tat, now, orders, weight) {
            return self.violation(class, now, side);
        }
        if !admit_n(&self.msg_tat, now, messages, weight) {
            if order {
                refund_by(&self.ord_tat, orders.interval_ns * weight);
            }
            return self.violation(class, now, side);
        }
        if !admitted_by_account(account) {
            if order {
                refund_by(&self.ord_tat, orders.interval_ns * weight);
            }
            refund_by(&self.msg_tat, messages.interval_ns * weight);
            return self.violation(class, now, side);
        }
        Verdict::Ok
    }

    /// Names the session's account line (`Some(index)`) or none, and sets or clears
    /// [`StateWord::ACCOUNT`] to match. Cold path; `false` for a stale handle.
    pub fn set_account(&self, generation: u32, side: &SessionSide, account: Option<u32>) -> bool {
        if self.live(generation).is_none() {
            return false;
        }
        side.account.store(account.map_or(0, |i| u64::from(i) + 1), Ordering::Release);
        self.update(generation, |s| {
            Some(StateWord(if account.is_some() {
                s.0 | StateWord::ACCOUNT
            } else {
                s.0 & !StateWord::ACCOUNT
            }))
        })
        .is_some()
    }

    /// The buckets' decision, in the session's mode.
    #[inline(always)]
    fn decide<'s>(
        &self,
        state: StateWord,
        class: MsgClass,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
    ) -> Verdict {
        if state.is_owned() {
            if state.is_watched() {
                return self.check_watched(class, now, side);
            }
            self.check_owned(class, now, side)
        } else {
            self.check_shared(class, now, side)
        }
    }

    /// Any thread: each bucket by compare-and-swap, a refused order's token refunded.
    #[inline(always)]
    fn check_shared<'s>(&self, class: MsgClass, now: u64, side: impl FnOnce() -> &'s SessionSide) -> Verdict {
        // Counted before the buckets are asked (see the module's protocol): a store to this line
        // after the compare-and-swaps costs more (measured when this protocol was designed).
        if class == MsgClass::Order {
            bump(&self.checked_orders);
            let orders = self.rates.orders();
            if !admit(&self.ord_tat, now, orders) {
                return self.violation(class, now, side());
            }
            if !admit(&self.msg_tat, now, self.rates.messages()) {
                refund(&self.ord_tat, orders);
                return self.violation(class, now, side());
            }
        } else {
            bump(&self.checked_other);
            if !admit(&self.msg_tat, now, self.rates.messages()) {
                return self.violation(class, now, side());
            }
        }
        Verdict::Ok
    }

    /// The single owner: both buckets decided from plain loads, then plain stores; no locked
    /// instruction unless the message is refused.
    #[inline(always)]
    fn check_owned<'s>(&self, class: MsgClass, now: u64, side: impl FnOnce() -> &'s SessionSide) -> Verdict {
        if class == MsgClass::Order {
            bump(&self.checked_orders);
            let next_ord = step(self.ord_tat.load(Ordering::Relaxed), now, self.rates.orders());
            let next_msg = step(self.msg_tat.load(Ordering::Relaxed), now, self.rates.messages());
            let (Some(next_ord), Some(next_msg)) = (next_ord, next_msg) else {
                return self.violation(class, now, side());
            };
            self.ord_tat.store(next_ord, Ordering::Relaxed);
            self.msg_tat.store(next_msg, Ordering::Relaxed);
        } else {
            bump(&self.checked_other);
            let Some(next_msg) = step(self.msg_tat.load(Ordering::Relaxed), now, self.rates.messages())
            else {
                return self.violation(class, now, side());
            };
            self.msg_tat.store(next_msg, Ordering::Relaxed);
        }
        Verdict::Ok
    }

    /// A watched single owner: the busy flag taken around the owner's check; a check that finds it
    /// taken counts an overlap and decides by compare-and-swap.
    #[inline(never)]
    fn check_watched<'s>(
        &self,
        class: MsgClass,
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
    ) -> Verdict {
        if self.busy.swap(1, Ordering::Acquire) != 0 {
            let side = side();
            side.overlaps.fetch_add(1, Ordering::Relaxed);
            return self.check_shared(class, now, || side);
        }
        let verdict = self.check_owned(class, now, side);
        self.busy.store(0, Ordering::Release);
        verdict
    }

    /// The owner's half of a refill: zero both TATs (a full bucket on any time base), then clear
    /// [`StateWord::REFILL`] by compare-and-swap from the word it zeroed under. If the word changed
    /// meanwhile (another refill, a kill), zero again under the new word, so a refill asked for
    /// after the zeroing is never cleared unapplied. A refill supersedes carried debts.
    ///
    /// Carried debts ([`StateWord::CARRY`], any mode, any thread): each TAT still marked
    /// ([`DEBT_MARK`]) is swapped from its debt `d` to `now + d` by compare-and-swap, so however many
    /// checks race here each debt is put on the time base once, by the first of them; then the flag
    /// is cleared. A check that finds the flag clear finds the TATs converted (the clearing
    /// compare-and-swap releases them), so no check decides on a debt. Returns the word left in
    /// force, or `None` when the session closed.
    fn take_refill(&self, generation: u32, now: u64) -> Option<StateWord> {
        let mut current = StateWord(self.state.load(Ordering::Acquire));
        loop {
            if !current.is_live(generation) {
                return None;
            }
            if !current.wants_refill() && !current.carries() {
                return Some(current);
            }
            if current.wants_refill() {
                self.msg_tat.store(0, Ordering::Relaxed);
                self.ord_tat.store(0, Ordering::Relaxed);
            } else {
                for tat in [&self.msg_tat, &self.ord_tat] {
                    let owed = tat.load(Ordering::Relaxed);
                    if owed & DEBT_MARK != 0 {
                        // Never a marked result: at most DEBT_MARK - 1 (a base past 2^63 ns forgets
                        // the debt rather than let a later check read it as one).
                        let due = now.saturating_add(owed & !DEBT_MARK).min(DEBT_MARK - 1);
                        let _ = tat.compare_exchange(owed, due, Ordering::Relaxed, Ordering::Relaxed);
                    }
                }
            }
            let next = StateWord(current.0 & !(StateWord::REFILL | StateWord::CARRY));
            match self.state.compare_exchange(current.0, next.0, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(next),
                Err(seen) => current = StateWord(seen),
            }
        }
    }

    /// A batch of messages read together: each decided as [`SessionLine::check`] would decide it,
    /// in order, at the one instant `now`; `out(i, verdict)` receives message `i`'s answer. Once a
    /// message answers DISCONNECT (or the session is stopped), the rest answer the same without
    /// touching the buckets, as single checks would. Returns `false`, having answered nothing, for
    /// a stale handle.
    #[inline]
    pub fn check_batch<'s>(
        &self,
        generation: u32,
        classes: &[MsgClass],
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
        out: impl FnMut(usize, Verdict),
    ) -> bool {
        self.check_batch_in(generation, classes, now, side, &[], out)
    }

    /// [`SessionLine::check_batch`] with the table of account lines its side line may name.
    #[inline]
    pub fn check_batch_in<'s>(
        &self,
        generation: u32,
        classes: &[MsgClass],
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
        accounts: &[AccountLine],
        mut out: impl FnMut(usize, Verdict),
    ) -> bool {
        let Some(mut state) = self.live(generation) else { return false };
        if state.needs_attention() {
            match self.take_stopped_or_refill(state, generation, now) {
                Ok(now_state) => state = now_state,
                Err(Verdict::Stale) => return false,
                Err(stopped) => {
                    (0..classes.len()).for_each(|i| out(i, stopped));
                    return true;
                }
            }
        }
        let done = if state.has_account() {
            // One at a time through the account (a run decided in registers would hold the
            // account's tokens across the batch).
            let side = side();
            let mut done = classes.len();
            for (i, class) in classes.iter().enumerate() {
                let verdict = self.decide_account(state, *class, 1, now, side, accounts);
                out(i, verdict);
                if verdict == Verdict::Disconnect {
                    done = i + 1;
                    break;
                }
            }
            done
        } else if state.is_watched() {
            self.batch_one_by_one(state, 0, classes, now, side, &mut out)
        } else {
            self.batch_run(state, classes, now, side, &mut out)
        };
        // Past an escalation, the rest answer DISCONNECT.
        (done..classes.len()).for_each(|i| out(i, Verdict::Disconnect));
        true
    }

    /// The stopped answer (or [`Verdict::Stale`] for a session that closed), or the state word
    /// after taking a pending refill.
    #[cold]
    #[inline(never)]
    fn take_stopped_or_refill(
        &self,
        state: StateWord,
        generation: u32,
        now: u64,
    ) -> Result<StateWord, Verdict> {
        let state = if state.is_stopped() {
            state
        } else {
            self.take_refill(generation, now).ok_or(Verdict::Stale)?
        };
        if state.is_killed() {
            Err(Verdict::Killed)
        } else if state.is_escalated() {
            Err(Verdict::Disconnect)
        } else {
            Ok(state)
        }
    }

    /// Single checks one after another from message `from` (a watched owner's batch, and the rest
    /// of any batch after its first refusal), in the session's mode; returns how many of the batch
    /// were answered (all, or up to the one that escalated).
    fn batch_one_by_one<'s>(
        &self,
        state: StateWord,
        from: usize,
        classes: &[MsgClass],
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
        out: &mut impl FnMut(usize, Verdict),
    ) -> usize {
        let mut side = Some(side);
        let mut side_line: Option<&'s SessionSide> = None;
        let mut get_side = move || *side_line.get_or_insert_with(|| (side.take().expect("looked up once"))());
        for (i, class) in classes.iter().enumerate().skip(from) {
            let verdict = match (state.is_owned(), state.is_watched()) {
                (false, _) => self.check_shared(*class, now, &mut get_side),
                (true, true) => self.check_watched(*class, now, &mut get_side),
                (true, false) => self.check_owned(*class, now, &mut get_side),
            };
            out(i, verdict);
            if verdict == Verdict::Disconnect {
                return i + 1;
            }
        }
        classes.len()
    }

    /// A shared or single owner's batch: the run of messages the buckets admit, decided in
    /// registers from one load of each TAT and written back once (a single owner: two plain
    /// stores; a shared session: the order TAT then the message TAT by compare-and-swap, the first
    /// given back if the second fails, and the run decided again; see the module's protocol). From
    /// the first refusal on, one message at a time. Returns how many were answered (all, or up to
    /// the one that escalated). Out of line, so that its loop gets the registers to itself.
    #[inline(never)]
    fn batch_run<'s>(
        &self,
        state: StateWord,
        classes: &[MsgClass],
        now: u64,
        side: impl FnOnce() -> &'s SessionSide,
        out: &mut impl FnMut(usize, Verdict),
    ) -> usize {
        let shared = !state.is_owned();
        let (messages, orders) = (self.rates.messages(), self.rates.orders());
        let (i, order_count) = loop {
            let (msg0, ord0) = (self.msg_tat.load(Ordering::Relaxed), self.ord_tat.load(Ordering::Relaxed));
            let (mut msg, mut ord) = (msg0, ord0);
            let mut order_count = 0u64;
            let mut i = 0;
            // The common case: every message admitted, nothing but the two TATs and a count live.
            while i < classes.len() {
                let Some(m) = step(msg, now, messages) else { break };
                if classes[i] == MsgClass::Order {
                    let Some(o) = step(ord, now, orders) else { break };
                    ord = o;
                    order_count += 1;
                }
                msg = m;
                i += 1;
            }
            if !shared {
                self.msg_tat.store(msg, Ordering::Relaxed);
                self.ord_tat.store(ord, Ordering::Relaxed);
                break (i, order_count);
            }
            // An admitted order spends both buckets, so `ord` moved only if `msg` did.
            if ord != ord0
                && self.ord_tat.compare_exchange(ord0, ord, Ordering::Relaxed, Ordering::Relaxed).is_err()
            {
                continue;
            }
            if msg != msg0
                && self.msg_tat.compare_exchange(msg0, msg, Ordering::Relaxed, Ordering::Relaxed).is_err()
            {
                if ord != ord0 {
                    refund_by(&self.ord_tat, ord - ord0);
                }
                continue;
            }
            break (i, order_count);
        };
        (0..i).for_each(|j| out(j, Verdict::Ok));
        add(&self.checked_orders, order_count);
        add(&self.checked_other, i as u64 - order_count);
        if i == classes.len() {
            return i;
        }
        self.batch_one_by_one(state, i, classes, now, side, out)
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
            side.throttled.fetch_add(1, Ordering::Relaxed);
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
            side.throttled.fetch_add(1, Ordering::Relaxed);
            Verdict::Throttled
        }
    }

    /// Opens a free line for a new session on `tier` under `policy`, checked in `mode`; returns its
    /// handle's generation. Its buckets start full, less `debts` (each at most its bucket's limit),
    /// which its first check puts on the session's own time base ([`StateWord::CARRY`]).
    ///
    /// Callers own the line exclusively (it came off the free list).
    pub fn open(&self, tier: u16, policy: &Policy, mode: CheckMode, side: &SessionSide, debts: Debts) -> u32 {
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
            &self.busy,
            &side.throttled,
            &side.disconnects,
            &side.overlaps,
            &side.escalation,
            &side.refused_messages,
            &side.refused_orders,
            &side.account,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        self.rates.publish(policy);
        side.rule.store(policy.escalation.pack(), Ordering::Release);
        let debts = Debts {
            messages: debts.messages.min(policy.messages.rate().limit_ns).min(DEBT_MARK - 1),
            orders: debts.orders.min(policy.orders.rate().limit_ns).min(DEBT_MARK - 1),
        };
        let mut word = StateWord::opened(generation, tier, mode);
        if !debts.is_zero() {
            for (tat, owed) in [(&self.msg_tat, debts.messages), (&self.ord_tat, debts.orders)] {
                if owed != 0 {
                    tat.store(DEBT_MARK | owed, Ordering::Relaxed);
                }
            }
            word = StateWord(word.0 | StateWord::CARRY);
        }
        self.state.store(word.0, Ordering::Release);
        generation
    }

    /// The packed rates the session's buckets run at (messages, orders).
    pub fn policy_words(&self) -> [u64; 2] {
        [self.rates.messages.load(Ordering::Acquire), self.rates.orders.load(Ordering::Acquire)]
    }

    /// What the closed session owed at `now` on the engine's clock ([`Debts`]), read after
    /// [`SessionLine::close`] returned `before`, the word it replaced. Debts never put on a time
    /// base (no check since the open) are returned as they were carried in; a pending refill owes
    /// nothing. A TAT more than its bucket's limit ahead of `now` was not on the engine's clock (the
    /// host checked on its own time base, `check_at`): it carries nothing. The line is closed, so
    /// nothing writes its TATs any more but a check that was already past its generation test.
    /// The flag is true when the debts are the ones carried in, untouched since the open.
    pub fn debts(&self, before: ClosedWord, now: u64) -> (Debts, bool) {
        let before = StateWord(before.0);
        if before.wants_refill() {
            return (Debts::default(), false);
        }
        let owed = |tat: &AtomicU64, limit: u64| {
            let tat = tat.load(Ordering::Relaxed);
            if before.carries() && tat & DEBT_MARK != 0 {
                return (tat & !DEBT_MARK).min(limit);
            }
            match tat.checked_sub(now) {
                Some(debt) if debt <= limit => debt,
                _ => 0,
            }
        };
        let debts = Debts {
            messages: owed(&self.msg_tat, self.rates.messages().limit_ns),
            orders: owed(&self.ord_tat, self.rates.orders().limit_ns),
        };
        (debts, before.carries())
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

    /// Closes the session; its handle goes stale at once. Returns its final counters and the
    /// state word it replaced (for [`SessionLine::debts`]), or `None` when the handle was already
    /// stale.
    pub fn close(&self, generation: u32, side: &SessionSide) -> Option<(Counters, ClosedWord)> {
        let before = self.update(generation, |s| Some(s.closing()))?;
        Some((self.counters_unchecked(side), ClosedWord(before.0)))
    }

    /// Marks the session killed; every later check answers KILLED. Returns `false` when the handle is
    /// stale or the session was already killed.
    pub fn kill(&self, generation: u32, reason: KillReason) -> bool {
        self.update(generation, |s| (!s.is_killed()).then(|| s.killed(reason))).is_some()
    }

    /// Puts the session on `tier` under `policy`: its next check enforces them, with both buckets
    /// started afresh (debt run up at one interval means nothing at another; a TAT of 0 is a full
    /// bucket on any time base). Returns `false` for a stale handle.
    ///
    /// The rates are pushed first, then the state word names the tier. A shared session's TATs are
    /// zeroed here; a single owner's are zeroed by the owner itself, on its next check, which finds
    /// [`StateWord::REFILL`] set by this call (see the module's protocol). Callers serialize policy
    /// changes (the engine's policy lock), so no open can reuse the line in between.
    pub fn set_policy(&self, generation: u32, tier: u16, policy: &Policy, side: &SessionSide) -> bool {
        if self.live(generation).is_none() {
            return false;
        }
        self.rates.publish(policy);
        side.rule.store(policy.escalation.pack(), Ordering::Release);
        let moved = self.update(generation, |s| {
            let s = s.on_tier(tier);
            Some(if s.is_owned() { StateWord(s.0 | StateWord::REFILL) } else { s })
        });
        match moved {
            None => false,
            Some(before) => {
                if !before.is_owned() {
                    self.msg_tat.store(0, Ordering::Relaxed);
                    self.ord_tat.store(0, Ordering::Relaxed);
                }
                true
            }
        }
    }

    /// Changes who may check the session. Returns `false` for a stale handle.
    ///
    /// Call it between checks (before the first, or on the thread that checks): a session becomes a
    /// single owner's from the next check on. A refill the owner had not yet taken is applied here,
    /// when the session goes back to shared.
    pub fn set_mode(&self, generation: u32, mode: CheckMode) -> bool {
        let Some(before) = self.update(generation, |s| Some(s.in_mode(mode))) else { return false };
        if before.wants_refill() {
            self.msg_tat.store(0, Ordering::Relaxed);
            self.ord_tat.store(0, Ordering::Relaxed);
        }
        true
    }

    /// The state word, or `None` for a stale handle.
    pub fn state(&self, generation: u32) -> Option<LineState> {
        let s = self.live(generation)?;
        Some(LineState {
            tier: s.tier(),
            killed: s.kill_reason(),
            escalated: s.is_escalated(),
            mode: s.mode(),
        })
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
            throttled: side.throttled.load(Ordering::Relaxed),
            disconnects: side.disconnects.load(Ordering::Relaxed),
        }
    }

    /// Zeroes the violation counters and the escalation window (not a DISCONNECT already given).
    pub fn reset_violations(&self, generation: u32, side: &SessionSide) -> bool {
        if self.live(generation).is_none() {
            return false;
        }
        side.throttled.store(0, Ordering::Relaxed);
        side.disconnects.store(0, Ordering::Relaxed);
        side.escalation.store(0, Ordering::Relaxed);
        true
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;
    use crate::hot::policy::PackedRate;

    const SEC: u64 = 1_000_000_000;
    const OWNED: CheckMode = CheckMode::SingleOwner { watched: false };
    const WATCHED: CheckMode = CheckMode::SingleOwner { watched: true };

    fn policy(orders: u64, order_burst: u64, messages: u64, message_burst: u64, threshold: u32) -> Policy {
        Policy {
            messages: PackedRate::per_second(messages, message_burst),
            orders: PackedRate::per_second(orders, order_burst),
            escalation: Escalation { threshold, window_ms: 1_000 },
        }
    }

    fn opened(policy: &Policy, mode: CheckMode) -> (SessionLine, SessionSide, u32) {
        let (line, side) = (SessionLine::new(), SessionSide::new());
        let generation = line.open(3, policy, mode, &side, Debts::default());
        (line, side, generation)
    }

    /// A small deterministic generator (xorshift), so a failure replays.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// A single owner decides every message exactly as a shared session does: the same verdicts,
    /// counters and escalation, over a long random stream of orders and other messages.
    #[test]
    fn a_single_owner_admits_exactly_what_a_shared_session_admits() {
        for (seed, threshold) in [(1u64, 0u32), (7, 5), (99, 40)] {
            let policy = policy(50, 20, 120, 40, threshold);
            let shared = opened(&policy, CheckMode::Shared);
            let owned = opened(&policy, OWNED);
            let mut rng = Rng(seed);
            let mut now = 100 * SEC;
            for i in 0..20_000 {
                now += rng.next() % 4_000_000; // 0 to 4 ms apart: far over both rates
                let class = if rng.next() % 3 == 0 { MsgClass::Other } else { MsgClass::Order };
                let a = shared.0.check(shared.2, class, now, || &shared.1);
                let b = owned.0.check(owned.2, class, now, || &owned.1);
                assert_eq!(a, b, "seed {seed}, message {i}");
            }
            assert_eq!(shared.0.counters(shared.2, &shared.1), owned.0.counters(owned.2, &owned.1));
            assert_eq!(
                shared.0.state(shared.2).unwrap().escalated,
                owned.0.state(owned.2).unwrap().escalated
            );
            assert_eq!(owned.0.state(owned.2).unwrap().mode, OWNED);
        }
    }

    /// A weighted message decides alike in every mode (shared, single owner, watched owner), over
    /// a long random stream of weights 0 to 6 with escalation on; weight 0 never touches a bucket.
    #[test]
    fn weighted_checks_decide_alike_in_every_mode() {
        let policy = policy(50, 20, 120, 40, 30);
        let lines = [opened(&policy, CheckMode::Shared), opened(&policy, OWNED), opened(&policy, WATCHED)];
        let mut rng = Rng(5);
        let mut now = 100 * SEC;
        for i in 0..20_000 {
            now += rng.next() % 20_000_000;
            let class = if rng.next() % 3 == 0 { MsgClass::Other } else { MsgClass::Order };
            let weight = (rng.next() % 7) as u32;
            let verdicts: Vec<Verdict> = lines
                .iter()
                .map(|(line, side, g)| line.check_weighted(*g, class, weight, now, || side))
                .collect();
            assert!(verdicts.iter().all(|v| *v == verdicts[0]), "message {i}: {verdicts:?}");
        }
        let counters: Vec<Counters> =
            lines.iter().map(|(line, side, g)| line.counters(*g, side).unwrap()).collect();
        assert!(counters.iter().all(|c| *c == counters[0]), "{counters:?}");
        assert!(counters[0].throttled > 0 && counters[0].messages > 0);

        let (line, side, g) = opened(&policy, CheckMode::Shared);
        for _ in 0..20 {
            assert_eq!(line.check(g, MsgClass::Order, now, || &side), Verdict::Ok);
        }
        assert_eq!(line.check(g, MsgClass::Order, now, || &side), Verdict::Throttled);
        let tats = (line.msg_tat.load(Ordering::Relaxed), line.ord_tat.load(Ordering::Relaxed));
        assert_eq!(line.check_weighted(g, MsgClass::Order, 0, now, || &side), Verdict::Ok);
        assert_eq!((line.msg_tat.load(Ordering::Relaxed), line.ord_tat.load(Ordering::Relaxed)), tats);
        assert!(line.kill(g, KillReason::Admin));
        assert_eq!(line.check_weighted(g, MsgClass::Order, 0, now, || &side), Verdict::Killed);
        assert_eq!(line.check_weighted(g + 1, MsgClass::Order, 0, now, || &side), Verdict::Stale);
    }

    /// A weighted order refused by the message bucket gives all its order tokens back.
    #[test]
    fn a_weighted_order_refused_by_messages_keeps_no_order_token() {
        for mode in [CheckMode::Shared, OWNED] {
            let (line, side, g) = opened(&policy(10, 10, 100, 6, 0), mode);
            let now = 50 * SEC;
            assert_eq!(line.check_weighted(g, MsgClass::Order, 4, now, || &side), Verdict::Ok);
            assert_eq!(
                line.check_weighted(g, MsgClass::Order, 4, now, || &side),
                Verdict::Throttled,
                "{mode:?}"
            );
            // 6 order tokens left, 2 message tokens: two weight-1 orders pass, and no more.
            assert_eq!(line.check_weighted(g, MsgClass::Order, 2, now, || &side), Verdict::Ok, "{mode:?}");
            assert_eq!(line.check(g, MsgClass::Other, now, || &side), Verdict::Throttled);
            let order_tat = line.ord_tat.load(Ordering::Relaxed);
            assert_eq!(order_tat, now + 6 * policy(10, 10, 100, 6, 0).orders.rate().interval_ns, "{mode:?}");
        }
    }

    /// A batch answers what the same messages checked one by one at its instant answer, in every
    /// mode, escalation to DISCONNECT in the middle of a batch included.
    #[test]
    fn a_batch_decides_as_single_checks_at_its_instant() {
        for mode in [CheckMode::Shared, OWNED, WATCHED] {
            for threshold in [0u32, 3] {
                let policy = policy(30, 8, 60, 12, threshold);
                let single = opened(&policy, mode);
                let batched = opened(&policy, mode);
                let mut rng = Rng(42 + threshold as u64);
                let mut now = 10 * SEC;
                for round in 0..400 {
                    now += rng.next() % 300_000_000;
                    let n = (rng.next() % 12) as usize;
                    let classes: Vec<MsgClass> = (0..n)
                        .map(|_| if rng.next() % 2 == 0 { MsgClass::Order } else { MsgClass::Other })
                        .collect();
                    let want: Vec<Verdict> =
                        classes.iter().map(|c| single.0.check(single.2, *c, now, || &single.1)).collect();
                    let mut got = vec![Verdict::Stale; n];
                    assert!(batched.0.check_batch(
                        batched.2,
                        &classes,
                        now,
                        || &batched.1,
                        |i, v| got[i] = v
                    ));
                    assert_eq!(got, want, "{mode:?}, threshold {threshold}, round {round}: {classes:?}");
                }
                assert_eq!(
                    single.0.counters(single.2, &single.1),
                    batched.0.counters(batched.2, &batched.1),
                    "{mode:?}, threshold {threshold}"
                );
            }
        }
    }

    /// A stale handle's batch answers nothing and touches nothing; a killed session's batch answers
    /// KILLED for every message.
    #[test]
    fn a_batch_on_a_stale_or_killed_session() {
        let policy = policy(10, 10, 10, 10, 0);
        let (line, side, generation) = opened(&policy, OWNED);
        let mut got = Vec::new();
        assert!(!line.check_batch(
            generation + 1,
            &[MsgClass::Order; 3],
            SEC,
            || &side,
            |i, v| got.push((i, v))
        ));
        assert!(got.is_empty(), "a stale batch answers nothing");
        assert!(line.kill(generation, KillReason::Admin));
        assert!(line.check_batch(generation, &[MsgClass::Other; 2], SEC, || &side, |i, v| got.push((i, v))));
        assert_eq!(got, [(0, Verdict::Killed), (1, Verdict::Killed)]);
        assert_eq!(line.counters(generation, &side).unwrap().messages, 0);
    }

    /// A tier change never writes a single owner's buckets: it asks for a refill in the state word,
    /// and the owner's next check takes it (full buckets at the new tier's burst).
    #[test]
    fn a_tier_change_reaches_a_single_owner_through_its_state_word() {
        let slow = policy(1, 2, 1, 2, 0);
        let (line, side, generation) = opened(&slow, OWNED);
        let now = 50 * SEC;
        let admitted =
            (0..10).filter(|_| line.check(generation, MsgClass::Order, now, || &side) == Verdict::Ok);
        assert_eq!(admitted.count(), 2);
        let fast = policy(100, 5, 100, 5, 0);
        assert!(line.set_policy(generation, 9, &fast, &side));
        // The cold path left the owner's TATs alone and raised the flag.
        assert!(line.ord_tat.load(Ordering::Relaxed) > now);
        assert!(StateWord(line.state.load(Ordering::Relaxed)).wants_refill());
        let admitted =
            (0..10).filter(|_| line.check(generation, MsgClass::Order, now, || &side) == Verdict::Ok);
        assert_eq!(admitted.count(), 5, "the new tier's burst, from full buckets");
        assert!(!StateWord(line.state.load(Ordering::Relaxed)).wants_refill(), "the owner took the refill");
        assert_eq!(line.state(generation).unwrap().tier, 9);
        // A shared session's tier change refills on the cold path, as before.
        let (line, side, generation) = opened(&slow, CheckMode::Shared);
        while line.check(generation, MsgClass::Order, now, || &side) == Verdict::Ok {}
        assert!(line.set_policy(generation, 9, &fast, &side));
        assert_eq!(line.ord_tat.load(Ordering::Relaxed), 0);
        assert!(!StateWord(line.state.load(Ordering::Relaxed)).wants_refill());
    }

    /// Debts carried into a session are put on its own time base by its first check, whatever the
    /// mode and whichever check comes first (single or batch): the bucket starts as the last session
    /// left it, less the time since, and the next close measures what is owed again.
    #[test]
    fn carried_debts_start_the_next_session_where_the_last_left_off() {
        let p = policy(5, 10, 100, 100, 0); // orders: 5/s, burst 10 (one token per 200 ms)
        for mode in [CheckMode::Shared, OWNED, WATCHED] {
            for batch in [false, true] {
                let (line, side, generation) = opened(&p, mode);
                let t0 = 7 * SEC;
                let spent =
                    (0..20).filter(|_| line.check(generation, MsgClass::Order, t0, || &side) == Verdict::Ok);
                assert_eq!(spent.count(), 10);
                let (_, before) = line.close(generation, &side).unwrap();
                let (debts, untouched) = line.debts(before, t0);
                assert_eq!((debts.orders, untouched), (2 * SEC, false), "10 orders owed: 2 s at 5/s");
                assert_eq!(debts.messages, 10 * (SEC / 100));
                // Reopened 600 ms later on a time base 1,000 s ahead (check_at's own base): 3
                // tokens are back, not 10.
                let carried = debts.after(600_000_000);
                let generation = line.open(3, &p, mode, &side, carried);
                let base = 1_000 * SEC;
                let admitted = if batch {
                    let mut ok = 0;
                    line.check_batch(
                        generation,
                        &[MsgClass::Order; 20],
                        base,
                        || &side,
                        |_, v| ok += usize::from(v == Verdict::Ok),
                    );
                    ok
                } else {
                    (0..20)
                        .filter(|_| line.check(generation, MsgClass::Order, base, || &side) == Verdict::Ok)
                        .count()
                };
                assert_eq!(admitted, 3, "{mode:?} batch={batch}");
                assert!(!StateWord(line.state.load(Ordering::Relaxed)).carries());
                // One token every 200 ms from there, on that base.
                assert_eq!(
                    line.check(generation, MsgClass::Order, base + 199_000_000, || &side),
                    Verdict::Throttled
                );
                assert_eq!(
                    line.check(generation, MsgClass::Order, base + 200_000_000, || &side),
                    Verdict::Ok
                );
            }
        }
    }

    /// A session closed before its first check owes what it was carried in (dated from its open by
    /// the engine); a refill supersedes carried debts; TATs off the engine's clock carry nothing.
    #[test]
    fn untouched_refilled_and_foreign_debts() {
        let p = policy(5, 10, 100, 100, 0);
        let owed = Debts { messages: 0, orders: SEC };
        let (line, side) = (SessionLine::new(), SessionSide::new());
        let generation = line.open(3, &p, OWNED, &side, owed);
        let (_, before) = line.close(generation, &side).unwrap();
        assert_eq!(line.debts(before, 99 * SEC), (owed, true));
        // More than a bucket holds is cut to the bucket's limit.
        let generation = line.open(3, &p, OWNED, &side, Debts { messages: 0, orders: 100 * SEC });
        let (_, before) = line.close(generation, &side).unwrap();
        assert_eq!(line.debts(before, 0).0.orders, 2 * SEC);
        // A tier change before the first check: full buckets on the new tier.
        let generation = line.open(3, &p, OWNED, &side, owed);
        assert!(line.set_policy(generation, 4, &p, &side));
        let admitted =
            (0..20).filter(|_| line.check(generation, MsgClass::Order, 5 * SEC, || &side) == Verdict::Ok);
        assert_eq!(admitted.count(), 10);
        let shared = line.close(generation, &side).unwrap().1;
        // Checked on a base far ahead of the engine's clock (0 here): nothing carried.
        assert_eq!(line.debts(shared, 0).0, Debts::default());
        let generation = line.open(3, &p, CheckMode::Shared, &side, owed);
        assert!(line.set_policy(generation, 4, &p, &side));
        let admitted =
            (0..20).filter(|_| line.check(generation, MsgClass::Order, 5 * SEC, || &side) == Verdict::Ok);
        assert_eq!(admitted.count(), 10, "a shared session's refill also supersedes the debt");
    }

    /// A refill the owner has not taken yet is applied when the session goes back to shared, and a
    /// batch takes a pending refill like a single check.
    #[test]
    fn a_pending_refill_survives_a_mode_change_and_a_batch() {
        let slow = policy(1, 1, 1, 1, 0);
        let fast = policy(100, 4, 100, 4, 0);
        let now = 50 * SEC;
        let (line, side, generation) = opened(&slow, OWNED);
        assert_eq!(line.check(generation, MsgClass::Order, now, || &side), Verdict::Ok);
        assert!(line.set_policy(generation, 1, &fast, &side));
        assert!(line.set_mode(generation, CheckMode::Shared));
        assert!(!StateWord(line.state.load(Ordering::Relaxed)).wants_refill());
        let admitted =
            (0..10).filter(|_| line.check(generation, MsgClass::Order, now, || &side) == Verdict::Ok);
        assert_eq!(admitted.count(), 4);

        let (line, side, generation) = opened(&slow, OWNED);
        assert_eq!(line.check(generation, MsgClass::Order, now, || &side), Verdict::Ok);
        assert!(line.set_policy(generation, 1, &fast, &side));
        let mut ok = 0;
        line.check_batch(
            generation,
            &[MsgClass::Order; 6],
            now,
            || &side,
            |_, v| ok += (v == Verdict::Ok) as u32,
        );
        assert_eq!(ok, 4);
    }

    /// A watched owner counts a check that overlaps another (the busy flag taken) and decides it by
    /// compare-and-swap; an unwatched one counts nothing.
    #[test]
    fn a_watched_owner_counts_overlapping_checks() {
        let policy = policy(100, 10, 100, 10, 0);
        let (line, side, generation) = opened(&policy, WATCHED);
        assert_eq!(line.check(generation, MsgClass::Order, SEC, || &side), Verdict::Ok);
        assert_eq!(side.overlaps(), 0);
        assert_eq!(line.busy.load(Ordering::Relaxed), 0, "released after the check");
        line.busy.store(1, Ordering::Relaxed); // another thread is inside a check
        assert_eq!(line.check(generation, MsgClass::Order, SEC, || &side), Verdict::Ok);
        assert_eq!(side.overlaps(), 1);
        assert_eq!(line.busy.load(Ordering::Relaxed), 1, "the overlapping check leaves the owner's flag");
        line.busy.store(0, Ordering::Relaxed);
        assert!(line.set_mode(generation, OWNED));
        line.busy.store(1, Ordering::Relaxed);
        assert_eq!(line.check(generation, MsgClass::Order, SEC, || &side), Verdict::Ok);
        assert_eq!(side.overlaps(), 1, "unwatched: not looked at");
        assert_eq!(line.counters(generation, &side).unwrap().orders, 3);
    }

    /// Prefetching any index, in the table or beyond it, is harmless.
    #[test]
    fn prefetch_is_a_hint_for_any_index() {
        let slots = SessionSlots::new(4, 0);
        for index in [0, 3, 4, u32::MAX] {
            slots.prefetch(index);
        }
        assert_eq!(slots.len(), 4);
        assert_eq!(std::mem::size_of::<SessionSide>(), 64);
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
        let generation = pair.0.open(0, &policy, CheckMode::Shared, &pair.1, Debts::default());
        (pair, generation)
    }

    /// Two sessions of one account, a shared one and a single owner, each send an order at once
    /// through an account that holds one order token: exactly one is admitted, and the refused
    /// session's own buckets keep nothing of it (given back, or never stored).
    #[test]
    fn two_sessions_race_for_the_last_account_token() {
        loom::model(|| {
            let accounts: std::sync::Arc<[crate::hot::account::AccountLine]> =
                (0..1).map(|_| crate::hot::account::AccountLine::default()).collect();
            let now = 10_000_000_000;
            accounts[0].start(crate::hot::account::AccountRates::new((0, 0), (1, 1)), [0, 0], now);
            let (a, ga) = line(4, 4);
            let (b, gb) = line(4, 4);
            assert!(b.0.set_mode(gb, CheckMode::SingleOwner { watched: false }));
            for (pair, g) in [(&a, ga), (&b, gb)] {
                assert!(pair.0.set_account(g, &pair.1, Some(0)));
            }
            let other = {
                let (b, accounts) = (b.clone(), accounts.clone());
                loom::thread::spawn(move || b.0.check_in(gb, MsgClass::Order, now, || &b.1, &accounts))
            };
            let mine = a.0.check_in(ga, MsgClass::Order, now, || &a.1, &accounts);
            let theirs = other.join().unwrap();
            let verdicts = [mine, theirs];
            assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Ok).count(), 1, "{verdicts:?}");
            for ((pair, _), verdict) in [(&a, ga), (&b, gb)].iter().zip(verdicts) {
                let spent = pair.0.ord_tat.load(Ordering::Relaxed) > now;
                assert_eq!(spent, verdict == Verdict::Ok, "a refused order kept its session's token");
            }
        });
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
                    loom::thread::spawn(move || pair.0.check(generation, MsgClass::Order, now, || &pair.1))
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
            assert_eq!(pair.0.check(generation, MsgClass::Order, now, || &pair.1), Verdict::Throttled);
            let later = now + 500_000_000;
            assert_eq!(pair.0.check(generation, MsgClass::Order, later, || &pair.1), Verdict::Ok);
        });
    }

    /// Two first checks of a shared session race to put its carried debt on the time base: it is
    /// applied once (the later check never reads the debt as a time, nor adds it twice), so exactly
    /// the tokens the debt leaves are admitted.
    #[test]
    fn racing_first_checks_apply_a_carried_debt_once() {
        loom::model(|| {
            let pair = Arc::new((SessionLine::new(), SessionSide::new()));
            let policy = Policy {
                messages: PackedRate::per_second(1, 3),
                orders: PackedRate::per_second(1, 3),
                escalation: Escalation::default(),
            };
            // Two of three tokens owed: one left.
            let owed = Debts { messages: 2_000_000_000, orders: 2_000_000_000 };
            let generation = pair.0.open(0, &policy, CheckMode::Shared, &pair.1, owed);
            let now = 10_000_000_000;
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let pair = pair.clone();
                    loom::thread::spawn(move || pair.0.check(generation, MsgClass::Order, now, || &pair.1))
                })
                .collect();
            let verdicts: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Ok).count(), 1, "{verdicts:?}");
            assert_eq!(pair.0.check(generation, MsgClass::Order, now, || &pair.1), Verdict::Throttled);
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
            let racing = pair.0.check(generation, MsgClass::Other, 1, || &pair.1);
            assert!(matches!(racing, Verdict::Ok | Verdict::Killed), "{racing:?}");
            killer.join().unwrap();
            assert_eq!(pair.0.check(generation, MsgClass::Other, 1, || &pair.1), Verdict::Killed);
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
            let generation = pair.0.open(0, &policy, CheckMode::Shared, &pair.1, Debts::default());
            let now = 10_000_000_000;
            // The one message token goes first; both racing messages are refused.
            assert_eq!(pair.0.check(generation, MsgClass::Other, now, || &pair.1), Verdict::Ok);
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let pair = pair.clone();
                    loom::thread::spawn(move || pair.0.check(generation, MsgClass::Other, now, || &pair.1))
                })
                .collect();
            let mut verdicts: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            verdicts.sort_by_key(|v| *v as u8);
            assert_eq!(verdicts, [Verdict::Throttled, Verdict::Disconnect], "{verdicts:?}");
            let c = pair.0.counters(generation, &pair.1).unwrap();
            assert_eq!((c.throttled, c.disconnects), (1, 1), "{c:?}");
            assert!(pair.0.state(generation).unwrap().escalated);
            assert_eq!(pair.0.check(generation, MsgClass::Other, now, || &pair.1), Verdict::Disconnect);
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
            let racing = pair.0.check(generation, MsgClass::Order, 1, || &pair.1);
            assert!(matches!(racing, Verdict::Ok | Verdict::Killed), "{racing:?}");
            mover.join().unwrap();
            killer.join().unwrap();
            let state = pair.0.state(generation).unwrap();
            assert_eq!((state.tier, state.killed), (7, Some(KillReason::Admin)), "{state:?}");
            assert_eq!(pair.0.check(generation, MsgClass::Order, 1, || &pair.1), Verdict::Killed);
        });
    }

    fn owned_line(burst: u64) -> (Arc<(SessionLine, SessionSide)>, u32) {
        let pair = Arc::new((SessionLine::new(), SessionSide::new()));
        let policy = Policy {
            messages: PackedRate::per_second(1, burst),
            orders: PackedRate::per_second(1, burst),
            escalation: Escalation::default(),
        };
        let generation =
            pair.0.open(0, &policy, CheckMode::SingleOwner { watched: false }, &pair.1, Debts::default());
        (pair, generation)
    }

    /// A tier change (same rates, burst 3: only its refill shows) races a single owner's check.
    /// The cold path never stores into the owner's buckets; it raises REFILL and the owner zeroes
    /// them itself, so the refill is applied exactly once whatever the interleaving: the racing
    /// order is admitted (before or after the refill), and the refill then leaves 2 or 3 tokens.
    /// Were the cold path to zero the TATs itself, the owner's store of a TAT it loaded before
    /// could overwrite the zero and lose the refill (1 admitted in all).
    #[test]
    fn a_tier_change_refills_a_single_owner_exactly_once() {
        loom::model(|| {
            let (pair, generation) = owned_line(3);
            let now = 10_000_000_000;
            for _ in 0..2 {
                assert_eq!(pair.0.check(generation, MsgClass::Order, now, || &pair.1), Verdict::Ok);
            }
            let mover = {
                let pair = pair.clone();
                loom::thread::spawn(move || {
                    let same = Policy {
                        messages: PackedRate::per_second(1, 3),
                        orders: PackedRate::per_second(1, 3),
                        escalation: Escalation::default(),
                    };
                    assert!(pair.0.set_policy(generation, 7, &same, &pair.1));
                })
            };
            let racing = pair.0.check(generation, MsgClass::Order, now, || &pair.1);
            assert_eq!(racing, Verdict::Ok);
            mover.join().unwrap();
            let later =
                (0..4).filter(|_| pair.0.check(generation, MsgClass::Order, now, || &pair.1) == Verdict::Ok);
            let later = later.count();
            assert!(later == 2 || later == 3, "refill lost or doubled: {later} after the move");
            assert_eq!(pair.0.state(generation).unwrap().tier, 7);
        });
    }

    /// A kill races a single owner taking a pending refill (a compare-and-swap on the state word):
    /// the kill is never lost, the check answers OK (refill taken first) or KILLED, and every
    /// check after the kill returned answers KILLED.
    #[test]
    fn a_kill_racing_an_owner_taking_a_refill_is_kept() {
        loom::model(|| {
            let (pair, generation) = owned_line(1);
            let now = 10_000_000_000;
            let policy = Policy {
                messages: PackedRate::per_second(1, 1),
                orders: PackedRate::per_second(1, 1),
                escalation: Escalation::default(),
            };
            assert!(pair.0.set_policy(generation, 5, &policy, &pair.1));
            let killer = {
                let pair = pair.clone();
                loom::thread::spawn(move || assert!(pair.0.kill(generation, KillReason::Admin)))
            };
            let racing = pair.0.check(generation, MsgClass::Other, now, || &pair.1);
            assert!(matches!(racing, Verdict::Ok | Verdict::Killed), "{racing:?}");
            killer.join().unwrap();
            let state = pair.0.state(generation).unwrap();
            assert_eq!((state.tier, state.killed), (5, Some(KillReason::Admin)), "{state:?}");
            assert_eq!(pair.0.check(generation, MsgClass::Other, now, || &pair.1), Verdict::Killed);
        });
    }

    /// A shared batch of two orders races a single order on a session whose message bucket holds
    /// two tokens and order bucket three. The batch swaps the order TAT, then the message TAT, and
    /// gives the first back when the second swap fails: exactly two orders are admitted in all,
    /// and no order token is lost or made up (half a second later, one message token is due and
    /// the one order token left lets an order through).
    #[test]
    fn a_shared_batch_racing_a_single_order_spends_each_token_once() {
        loom::model(|| {
            let (pair, generation) = line(3, 2);
            let now = 10_000_000_000;
            let single = {
                let pair = pair.clone();
                loom::thread::spawn(move || pair.0.check(generation, MsgClass::Order, now, || &pair.1))
            };
            let mut answers = Vec::new();
            let classes = [MsgClass::Order, MsgClass::Order];
            assert!(pair.0.check_batch(generation, &classes, now, || &pair.1, |_, v| answers.push(v)));
            let single = single.join().unwrap();
            let admitted =
                answers.iter().filter(|v| **v == Verdict::Ok).count() + usize::from(single == Verdict::Ok);
            assert_eq!(admitted, 2, "batch {answers:?}, single {single:?}");
            let later = now + 500_000_000;
            assert_eq!(pair.0.check(generation, MsgClass::Order, later, || &pair.1), Verdict::Ok);
            assert_eq!(pair.0.check(generation, MsgClass::Order, later, || &pair.1), Verdict::Throttled);
        });
    }
}

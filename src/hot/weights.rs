//! Message weights: how many tokens a MsgType takes, per tier.
//!
//! A message of weight `w` takes `w` tokens from each bucket it counts in (an order from the order
//! and the message bucket, any other message from the message bucket). A MsgType without an entry
//! weighs 1, as an unweighted check does; weight 0 admits the message without touching a bucket
//! (kills and escalation still apply).
//!
//! # Layout
//! One [`TierWeights`] per tier index, fixed at engine open: the weight of every single-character
//! MsgType as one byte of sixteen words (`weight of character c` = byte `c % 8` of word `c / 8`),
//! and up to [`MAX_LONG_WEIGHTS`] longer MsgTypes (2 to [`MAX_WEIGHTED_LEN`] characters) as one
//! word each, `msgtype bytes << 8 | weight` (0 = empty).
//!
//! # Protocol
//! * **Writer** (cold path, serialized by the engine's policy lock): stores each changed word with
//!   `Release`. A long MsgType keeps its entry's position while it stays in the table (a new one
//!   takes an empty entry, a removed one's entry is zeroed after the others are stored), so a reader
//!   scanning the entries always finds a MsgType's old or new entry.
//! * **Reader** (the check): loads the one word it needs with `Acquire` (a long MsgType: every entry,
//!   without stopping early).
//!
//! Every word is whole, so a check racing a change uses the old or the new weight of its MsgType,
//! never a torn one; two MsgTypes may switch tables a few nanoseconds apart, as the two rates of a
//! tier do (see [`crate::hot::policy`]).

use crate::sync::{AtomicU64, Ordering};

/// The heaviest weight a MsgType may have.
pub const MAX_WEIGHT: u32 = 255;

/// Longest weighted MsgType (real ones are 1 to 3 characters; the engine classifies up to 16).
pub const MAX_WEIGHTED_LEN: usize = 7;

/// Weighted MsgTypes of 2 or more characters a tier may have.
pub const MAX_LONG_WEIGHTS: usize = 8;

/// Every byte 1: each single-character MsgType weighs 1.
const ONES: u64 = 0x0101_0101_0101_0101;

/// One tier's weights (see the module's layout).
pub struct TierWeights {
    single: [AtomicU64; 16],
    long: [AtomicU64; MAX_LONG_WEIGHTS],
}

impl Default for TierWeights {
    fn default() -> Self {
        TierWeights {
            single: std::array::from_fn(|_| AtomicU64::new(ONES)),
            long: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// The key of a long MsgType: its bytes, little-endian, above the weight byte.
#[inline(always)]
fn long_key(msgtype: &[u8]) -> Option<u64> {
    if !(2..=MAX_WEIGHTED_LEN).contains(&msgtype.len()) {
        return None;
    }
    let mut bytes = [0u8; 8];
    bytes[..msgtype.len()].copy_from_slice(msgtype);
    Some(u64::from_le_bytes(bytes) << 8)
}

impl TierWeights {
    /// The weight of an already validated MsgType.
    #[inline(always)]
    pub fn of(&self, msgtype: &[u8]) -> u32 {
        match msgtype {
            [b] if *b < 128 => {
                let word = self.single[usize::from(b >> 3)].load(Ordering::Acquire);
                ((word >> ((b & 7) * 8)) & 0xFF) as u32
            }
            _ => self.of_long(msgtype),
        }
    }

    #[inline(never)]
    fn of_long(&self, msgtype: &[u8]) -> u32 {
        let Some(key) = long_key(msgtype) else { return 1 };
        let mut weight = 1;
        // Every entry, without stopping early (see the protocol): an entry keeps its place.
        for entry in &self.long {
            let word = entry.load(Ordering::Acquire);
            if word & !0xFF == key {
                weight = (word & 0xFF) as u32;
            }
        }
        weight
    }

    /// Publishes `table` (MsgType, weight), replacing the whole table; every entry must come from
    /// [`check`]. Callers serialize publications (the engine's policy lock).
    pub fn publish(&self, table: &[(Vec<u8>, u32)]) {
        let mut single = [ONES; 16];
        let mut long: Vec<u64> = Vec::new();
        for (msgtype, weight) in table {
            match msgtype.as_slice() {
                [b] => {
                    let shift = (b & 7) * 8;
                    let word = &mut single[usize::from(b >> 3)];
                    *word = (*word & !(0xFF << shift)) | (u64::from(*weight) << shift);
                }
                t => long.extend(long_key(t).map(|key| key | u64::from(*weight))),
            }
        }
        for (word, value) in self.single.iter().zip(single) {
            word.store(value, Ordering::Release);
        }
        // Entries that stay keep their places; new ones take places that are empty or whose
        // MsgType leaves; leaving ones are zeroed last.
        let current: Vec<u64> = self.long.iter().map(|w| w.load(Ordering::Relaxed)).collect();
        let staying = |word: u64| word != 0 && long.iter().any(|l| l & !0xFF == word & !0xFF);
        let mut placed = vec![false; long.len()];
        for (i, &word) in current.iter().enumerate() {
            if staying(word) {
                let j = long.iter().position(|l| l & !0xFF == word & !0xFF).expect("staying");
                self.long[i].store(long[j], Ordering::Release);
                placed[j] = true;
            }
        }
        let mut free = (0..MAX_LONG_WEIGHTS).filter(|&i| current[i] == 0);
        let mut leaving = (0..MAX_LONG_WEIGHTS).filter(|&i| current[i] != 0 && !staying(current[i]));
        let mut reused = Vec::new();
        for (entry, _) in long.iter().zip(&placed).filter(|(_, placed)| !**placed) {
            let i = match free.next() {
                Some(i) => i,
                None => {
                    let i = leaving.next().expect("checked: at most MAX_LONG_WEIGHTS entries");
                    reused.push(i);
                    i
                }
            };
            self.long[i].store(*entry, Ordering::Release);
        }
        for i in leaving {
            if !reused.contains(&i) {
                self.long[i].store(0, Ordering::Release);
            }
        }
    }
}

/// Why a weight table was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WeightError {
    /// A MsgType that is not 1 to [`MAX_WEIGHTED_LEN`] printable ASCII characters other than `=`.
    BadMsgType(String),
    /// A weight above [`MAX_WEIGHT`].
    TooHeavy(String),
    /// More than [`MAX_LONG_WEIGHTS`] MsgTypes of 2 or more characters.
    TooManyLong,
}

impl std::fmt::Display for WeightError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WeightError::BadMsgType(t) => write!(
                f,
                "MsgType {t:?} must be 1 to {MAX_WEIGHTED_LEN} printable ASCII characters other than '='"
            ),
            WeightError::TooHeavy(t) => write!(f, "the weight of MsgType {t:?} is above {MAX_WEIGHT}"),
            WeightError::TooManyLong => {
                write!(f, "at most {MAX_LONG_WEIGHTS} weighted MsgTypes of 2 or more characters")
            }
        }
    }
}

/// Checks a weight table and gives it in the form [`TierWeights::publish`] takes.
pub fn check<'a>(
    table: impl IntoIterator<Item = (&'a str, u64)>,
) -> Result<Vec<(Vec<u8>, u32)>, WeightError> {
    let mut out = Vec::new();
    let mut long = 0;
    for (msgtype, weight) in table {
        if msgtype.len() > MAX_WEIGHTED_LEN || crate::hot::msgtype::validate(msgtype.as_bytes()).is_err() {
            return Err(WeightError::BadMsgType(msgtype.chars().take(32).collect()));
        }
        if weight > u64::from(MAX_WEIGHT) {
            return Err(WeightError::TooHeavy(msgtype.to_owned()));
        }
        long += usize::from(msgtype.len() > 1);
        if long > MAX_LONG_WEIGHTS {
            return Err(WeightError::TooManyLong);
        }
        out.push((msgtype.as_bytes().to_vec(), weight as u32));
    }
    Ok(out)
}

/// Every tier's weights, by tier index, and whether any tier has a table (when none does, the
/// check by MsgType does not look).
///
/// May be used from several threads at once; publications are serialized by the caller.
pub struct Weights {
    tiers: Box<[TierWeights]>,
    any: AtomicU64,
}

impl Weights {
    /// Tables for `tiers` tiers, every MsgType at weight 1.
    pub fn new(tiers: usize) -> Weights {
        Weights { tiers: (0..tiers).map(|_| TierWeights::default()).collect(), any: AtomicU64::new(0) }
    }

    /// The weight of an already validated MsgType on tier `tier` (1 for a tier out of range).
    #[inline(always)]
    pub fn of(&self, tier: u16, msgtype: &[u8]) -> u32 {
        match self.tiers.get(usize::from(tier)) {
            Some(table) => table.of(msgtype),
            None => 1,
        }
    }

    /// Whether any tier has weights.
    #[inline(always)]
    pub fn any(&self) -> bool {
        self.any.load(Ordering::Acquire) != 0
    }

    /// Publishes tier `tier`'s table (see [`TierWeights::publish`]); `any` says whether some tier
    /// now has a non-empty table.
    pub fn publish(&self, tier: u16, table: &[(Vec<u8>, u32)], any: bool) {
        if let Some(t) = self.tiers.get(usize::from(tier)) {
            if any {
                self.any.store(1, Ordering::Release);
            }
            t.publish(table);
            if !any {
                self.any.store(0, Ordering::Release);
            }
        }
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    fn table(pairs: &[(&str, u64)]) -> Vec<(Vec<u8>, u32)> {
        check(pairs.iter().copied()).unwrap()
    }

    #[test]
    fn defaults_weigh_one_and_tables_replace_whole() {
        let w = Weights::new(2);
        assert!(!w.any());
        for t in [&b"D"[..], b"0", b"AB", b"U1234", b"ABCDEFGH"] {
            assert_eq!(w.of(0, t), 1, "{t:?}");
        }
        w.publish(0, &table(&[("F", 0), ("E", 5), ("AB", 3), ("q", 255)]), true);
        assert!(w.any());
        assert_eq!([w.of(0, b"F"), w.of(0, b"E"), w.of(0, b"AB"), w.of(0, b"q")], [0, 5, 3, 255]);
        assert_eq!([w.of(0, b"D"), w.of(0, b"G"), w.of(0, b"AC"), w.of(1, b"F"), w.of(9, b"F")], [1; 5]);
        w.publish(0, &table(&[("E", 2), ("AC", 4)]), true);
        assert_eq!([w.of(0, b"F"), w.of(0, b"E"), w.of(0, b"AB"), w.of(0, b"AC")], [1, 2, 1, 4]);
        w.publish(0, &[], false);
        assert!(!w.any());
        assert_eq!([w.of(0, b"E"), w.of(0, b"AC")], [1, 1]);
    }

    #[test]
    fn long_entries_keep_their_places_and_fill_every_slot() {
        let w = TierWeights::default();
        let names: Vec<String> = (0..MAX_LONG_WEIGHTS).map(|i| format!("U{i}")).collect();
        let first: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 2)).collect();
        w.publish(&table(&first));
        let before: Vec<u64> = w.long.iter().map(|e| e.load(Ordering::Relaxed)).collect();
        // Replace U0 by X9 and reweigh U1: U1..U7 stay where they were.
        let mut second: Vec<(&str, u64)> = first[1..].to_vec();
        second[0].1 = 7;
        second.push(("X9", 9));
        w.publish(&table(&second));
        let after: Vec<u64> = w.long.iter().map(|e| e.load(Ordering::Relaxed)).collect();
        for i in 2..MAX_LONG_WEIGHTS {
            assert_eq!(before[i], after[i], "entry {i} moved");
        }
        assert_eq!([w.of(b"U0"), w.of(b"U1"), w.of(b"U5"), w.of(b"X9")], [1, 7, 2, 9]);
    }

    #[test]
    fn bad_tables_are_refused() {
        assert_eq!(check([("", 1)]), Err(WeightError::BadMsgType(String::new())));
        assert!(matches!(check([("D=", 1)]), Err(WeightError::BadMsgType(_))));
        assert!(matches!(check([("ABCDEFGH", 1)]), Err(WeightError::BadMsgType(_))));
        assert!(matches!(check([("\u{1}", 1)]), Err(WeightError::BadMsgType(_))));
        assert_eq!(check([("E", 256)]), Err(WeightError::TooHeavy("E".into())));
        assert!(matches!(check([("E", u64::MAX)]), Err(WeightError::TooHeavy(_))));
        let many: Vec<String> = (0..=MAX_LONG_WEIGHTS).map(|i| format!("U{i}")).collect();
        assert_eq!(check(many.iter().map(|n| (n.as_str(), 1))), Err(WeightError::TooManyLong));
        assert!(check([("ABCDEFG", 255), ("0", 0)]).is_ok());
    }
}

#[cfg(all(test, fixprov_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    /// A check racing a publication weighs each MsgType by its old or its new entry, whatever the
    /// interleaving: a long MsgType that stays is never missed (read at the default weight) while
    /// another leaves and a third takes a free entry; and a check that saw the new table's last
    /// entry sees every earlier one new (each store releases what came before it).
    #[test]
    fn a_check_racing_a_publication_sees_the_old_or_the_new_weight() {
        // Which old and new weights the model saw, so that it is known to explore both.
        static SEEN: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];
        loom::model(|| {
            let table = Arc::new(TierWeights::default());
            table.publish(&[(b"AB".to_vec(), 3), (b"AC".to_vec(), 4), (b"E".to_vec(), 5)]);
            let writer = {
                let table = table.clone();
                loom::thread::spawn(move || {
                    table.publish(&[(b"AD".to_vec(), 6), (b"AC".to_vec(), 7), (b"E".to_vec(), 2)])
                })
            };
            // A first read of another word: loom's exploration lets the writer run whole only
            // after the reader's first operation (without it, no run saw a new AD).
            assert_eq!(table.of(b"0"), 1);
            let (ad, e, ac) = (table.of(b"AD"), table.of(b"E"), table.of(b"AC"));
            assert!(ac == 4 || ac == 7, "AC weighed {ac}");
            assert!(e == 5 || e == 2, "E weighed {e}");
            assert!(ad == 1 || ad == 6, "AD weighed {ad}");
            if ad == 6 {
                assert_eq!((e, ac), (2, 7), "the new AD before an old weight");
            }
            SEEN[usize::from(ac == 7)].fetch_add(1, Relaxed);
            SEEN[2 + usize::from(ad == 6)].fetch_add(1, Relaxed);
            writer.join().unwrap();
            assert_eq!([table.of(b"AB"), table.of(b"AC"), table.of(b"AD"), table.of(b"E")], [1, 7, 6, 2]);
        });
        assert!(SEEN.iter().all(|n| n.load(Relaxed) > 0), "the model saw {SEEN:?}");
    }
}

//! Refused logons, aggregated: a peer can send thousands of bad Logons a second, and one audit
//! record each would let it grow the log without bound.
//!
//! The first refusal of a key (SenderCompID, TargetCompID, peer address, reason) in an interval is
//! recorded at once, as any logon is; the repeats of that key in the same interval are counted and
//! recorded as one `logon.refused` record with `"count"` when the interval ends (the housekeeper
//! drains every second, and [`crate::Engine`]'s audit flush drains too). At most [`MAX_KEYS`] keys
//! are tracked per interval; refusals beyond that are counted into one record with subject "" and
//! `"overflow": true`. Every refusal is thus counted exactly once, in at most `MAX_KEYS + 1`
//! records an interval for any flood.

use crate::cold::audit::AuditEvent;
use std::collections::HashMap;
use std::sync::Mutex;

/// Keys tracked per interval.
pub(crate) const MAX_KEYS: usize = 10_000;

/// What identifies a flood: SenderCompID, TargetCompID, peer address, refusal reason.
type Key = (String, String, Option<String>, String);

#[derive(Debug)]
struct Repeats {
    user: String,
    count: u64,
    first_unix_ms: u64,
    last_unix_ms: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Refusals {
    interval: Mutex<Interval>,
}

#[derive(Debug, Default)]
struct Interval {
    keys: HashMap<Key, Repeats>,
    overflow: u64,
    overflow_first_unix_ms: u64,
}

impl Refusals {
    /// Counts one refusal; returns whether it is the first of its key this interval (to be recorded
    /// now, as one record of count 1).
    pub(crate) fn first(&self, key: Key, user: &str, now_ms: u64) -> bool {
        let mut interval = self.interval.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(repeats) = interval.keys.get_mut(&key) {
            if repeats.count == 0 {
                repeats.first_unix_ms = now_ms;
            }
            repeats.count += 1;
            repeats.last_unix_ms = now_ms;
            return false;
        }
        if interval.keys.len() >= MAX_KEYS {
            if interval.overflow == 0 {
                interval.overflow_first_unix_ms = now_ms;
            }
            interval.overflow += 1;
            return false;
        }
        let repeats =
            Repeats { user: user.to_owned(), count: 0, first_unix_ms: now_ms, last_unix_ms: now_ms };
        interval.keys.insert(key, repeats);
        true
    }

    /// Ends the interval: the records of the repeats counted in it.
    pub(crate) fn drain(&self, now_ms: u64) -> Vec<AuditEvent> {
        let interval = std::mem::take(&mut *self.interval.lock().unwrap_or_else(|p| p.into_inner()));
        let mut events: Vec<AuditEvent> = interval
            .keys
            .into_iter()
            .filter(|(_, r)| r.count > 0)
            .map(|((sender, target, peer, refusal), r)| {
                let details = serde_json::json!({
                    "sender_comp_id": sender,
                    "target_comp_id": target,
                    "peer": peer,
                    "refusal": refusal,
                    "count": r.count,
                    "first_unix_ms": r.first_unix_ms,
                    "last_unix_ms": r.last_unix_ms,
                });
                AuditEvent::host("logon.refused", &r.user, details)
            })
            .collect();
        if interval.overflow > 0 {
            let details = serde_json::json!({
                "overflow": true,
                "count": interval.overflow,
                "first_unix_ms": interval.overflow_first_unix_ms,
                "last_unix_ms": now_ms,
            });
            events.push(AuditEvent::host("logon.refused", "", details));
        }
        events
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    fn key(i: usize) -> Key {
        (format!("S{i}"), "T".into(), Some("192.0.2.1".into()), "bad_credentials".into())
    }

    #[test]
    fn repeats_are_one_record_with_their_count_and_every_refusal_is_counted_once() {
        let r = Refusals::default();
        assert!(r.first(key(1), "u", 10));
        for t in 0..999 {
            assert!(!r.first(key(1), "u", 11 + t));
        }
        assert!(r.first(key(2), "", 20));
        let events = r.drain(2_000);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].details["count"], 999);
        assert_eq!(
            (events[0].details["first_unix_ms"].as_u64(), events[0].details["last_unix_ms"].as_u64()),
            (Some(11), Some(1_009))
        );
        // A new interval records the first again.
        assert!(r.first(key(1), "u", 3_000));
        assert!(r.drain(4_000).is_empty());
    }

    #[test]
    fn a_flood_of_distinct_keys_is_bounded() {
        let r = Refusals::default();
        let firsts = (0..MAX_KEYS + 5_000).filter(|i| r.first(key(*i), "", 1)).count();
        assert_eq!(firsts, MAX_KEYS);
        let events = r.drain(2);
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].details["overflow"].as_bool(), events[0].details["count"].as_u64()),
            (Some(true), Some(5_000))
        );
    }
}

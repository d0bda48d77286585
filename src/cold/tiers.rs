//! Rate-limit tiers: their definitions, the four defaults, and the registry that maps names to the
//! hot path's tier table.
//!
//! Writers (tier set) are serialized by the engine's policy lock; readers (listing, stats) load an
//! immutable snapshot through `arc-swap` without locking. The engine pushes each change into the
//! lines of the tier's live sessions before the call returns (see [`crate::hot::policy`]).

use crate::error::{Error, Result};
use crate::hot::account::AccountRates;
use crate::hot::policy::{Escalation, PackedRate, Policy};
use crate::hot::session::MAX_ESCALATION_THRESHOLD;
use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A tier as operators define it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    /// Orders admitted per second (order MsgTypes).
    pub orders_per_sec: u64,
    /// Messages admitted per second (every inbound message).
    pub messages_per_sec: u64,
    /// Sessions one user may have open at once.
    pub max_sessions: u32,
    /// Orders a full bucket holds (sent at one instant).
    pub order_burst: u64,
    /// Messages a full bucket holds.
    pub message_burst: u64,
    /// Violations allowed within `escalation_window_ms` before DISCONNECT; 0 disables escalation.
    pub escalation_threshold: u32,
    /// The escalation window in milliseconds.
    pub escalation_window_ms: u32,
    /// Limits across all of a user's sessions, beside each session's own (none by default).
    #[serde(default, skip_serializing_if = "AccountLimits::is_none")]
    pub account: AccountLimits,
}

/// A tier's account-wide limits: every session of one user spends from these buckets as well as
/// from its own, and a message must pass both. A rate of 0 is no limit for that bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountLimits {
    /// Orders admitted per second across the user's sessions; 0: no account limit on orders.
    #[serde(default)]
    pub orders_per_sec: u64,
    /// Orders the account's full bucket holds.
    #[serde(default)]
    pub order_burst: u64,
    /// Messages admitted per second across the user's sessions; 0: no account limit on messages.
    #[serde(default)]
    pub messages_per_sec: u64,
    /// Messages the account's full bucket holds.
    #[serde(default)]
    pub message_burst: u64,
}

impl AccountLimits {
    /// No account limit.
    pub const NONE: AccountLimits =
        AccountLimits { orders_per_sec: 0, order_burst: 0, messages_per_sec: 0, message_burst: 0 };

    /// `orders_per_sec` orders and `messages_per_sec` messages a second across a user's sessions,
    /// each with a burst of one second's worth.
    pub const fn per_second(orders_per_sec: u64, messages_per_sec: u64) -> AccountLimits {
        AccountLimits {
            orders_per_sec,
            order_burst: orders_per_sec,
            messages_per_sec,
            message_burst: messages_per_sec,
        }
    }

    /// Whether neither bucket has a limit.
    pub fn is_none(&self) -> bool {
        self.orders_per_sec == 0 && self.messages_per_sec == 0
    }

    /// The hot path's form.
    pub const fn rates(&self) -> AccountRates {
        AccountRates::new(
            (self.messages_per_sec, self.message_burst),
            (self.orders_per_sec, self.order_burst),
        )
    }
}

/// Longest tier name.
pub const MAX_TIER_NAME: usize = 64;

impl TierSpec {
    /// A tier with one burst for both buckets and escalation after `messages_per_sec` violations
    /// within one second (a peer throttled more often than its whole message allowance is logged out).
    pub const fn new(orders_per_sec: u64, messages_per_sec: u64, max_sessions: u32, burst: u64) -> TierSpec {
        TierSpec {
            orders_per_sec,
            messages_per_sec,
            max_sessions,
            order_burst: burst,
            message_burst: burst,
            escalation_threshold: if messages_per_sec > MAX_ESCALATION_THRESHOLD as u64 {
                MAX_ESCALATION_THRESHOLD
            } else {
                messages_per_sec as u32
            },
            escalation_window_ms: 1_000,
            account: AccountLimits::NONE,
        }
    }

    /// The hot path's form.
    pub fn policy(&self) -> Policy {
        Policy {
            messages: PackedRate::per_second(self.messages_per_sec, self.message_burst),
            orders: PackedRate::per_second(self.orders_per_sec, self.order_burst),
            escalation: Escalation {
                threshold: self.escalation_threshold,
                window_ms: self.escalation_window_ms,
            },
        }
    }

    /// Checks the numbers make a usable tier.
    pub fn validate(&self) -> Result<()> {
        const MAX_RATE: u64 = 1_000_000_000;
        if self.orders_per_sec > MAX_RATE || self.messages_per_sec > MAX_RATE {
            return Err(Error::invalid("a rate above 1,000,000,000 per second"));
        }
        if self.order_burst > MAX_RATE || self.message_burst > MAX_RATE {
            return Err(Error::invalid("a burst above 1,000,000,000"));
        }
        if self.orders_per_sec > 0 && self.order_burst == 0 {
            return Err(Error::invalid("order_burst is 0 while orders_per_sec is not"));
        }
        if self.messages_per_sec > 0 && self.message_burst == 0 {
            return Err(Error::invalid("message_burst is 0 while messages_per_sec is not"));
        }
        if self.escalation_threshold > MAX_ESCALATION_THRESHOLD {
            return Err(Error::invalid(format!(
                "escalation_threshold above {MAX_ESCALATION_THRESHOLD} (what the violation counter holds) could never trigger"
            )));
        }
        if self.escalation_threshold > 0 && self.escalation_window_ms == 0 {
            return Err(Error::invalid("escalation_window_ms is 0 while escalation is on"));
        }
        let a = &self.account;
        if a.orders_per_sec > MAX_RATE || a.messages_per_sec > MAX_RATE {
            return Err(Error::invalid("an account rate above 1,000,000,000 per second"));
        }
        if a.order_burst > MAX_RATE || a.message_burst > MAX_RATE {
            return Err(Error::invalid("an account burst above 1,000,000,000"));
        }
        if a.orders_per_sec > 0 && a.order_burst == 0 {
            return Err(Error::invalid("account.order_burst is 0 while account.orders_per_sec is not"));
        }
        if a.messages_per_sec > 0 && a.message_burst == 0 {
            return Err(Error::invalid("account.message_burst is 0 while account.messages_per_sec is not"));
        }
        if (a.orders_per_sec == 0 && a.order_burst > 0) || (a.messages_per_sec == 0 && a.message_burst > 0) {
            return Err(Error::invalid(
                "an account burst without its rate (a rate of 0 is no account limit)",
            ));
        }
        Ok(())
    }
}

/// The four default tiers, in order.
pub const DEFAULT_TIERS: [(&str, TierSpec); 4] = [
    ("basic", TierSpec::new(5, 20, 1, 10)),
    ("standard", TierSpec::new(20, 100, 3, 40)),
    ("premium", TierSpec::new(100, 500, 10, 200)),
    ("unlimited", TierSpec::new(10_000, 50_000, 100, 10_000)),
];

/// The tier a user gets when none is named.
pub const DEFAULT_TIER: &str = "basic";

/// Checks a tier name: 1 to 64 of `A-Z a-z 0-9 _ - .`.
pub fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_TIER_NAME {
        return Err(Error::invalid("tier name must be 1 to 64 bytes"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return Err(Error::invalid("tier name may hold only A-Z a-z 0-9 _ - ."));
    }
    Ok(())
}

/// One tier in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Tier {
    /// Its name.
    pub name: String,
    /// Its index in the hot path's table.
    pub index: u16,
    /// Its definition.
    pub spec: TierSpec,
}

/// Every tier, immutable.
#[derive(Clone, Debug, Default)]
pub struct TierSnapshot {
    by_name: BTreeMap<String, Tier>,
    names: Vec<String>,
}

impl TierSnapshot {
    /// The tier named `name`.
    pub fn get(&self, name: &str) -> Option<&Tier> {
        self.by_name.get(name)
    }

    /// The tier at `index`.
    pub fn by_index(&self, index: u16) -> Option<&Tier> {
        self.names.get(usize::from(index)).and_then(|n| self.by_name.get(n))
    }

    /// All tiers by index.
    pub fn iter(&self) -> impl Iterator<Item = &Tier> {
        self.names.iter().filter_map(|n| self.by_name.get(n))
    }
}

/// The tier registry.
///
/// May be used from several threads at once; callers serialize [`Tiers::set`] (the engine's policy
/// lock), readers never wait.
pub struct Tiers {
    snapshot: ArcSwap<TierSnapshot>,
    capacity: usize,
}

impl Tiers {
    /// A registry of at most `capacity` tiers holding the defaults.
    pub fn with_defaults(capacity: u16) -> Result<Tiers> {
        let tiers =
            Tiers { snapshot: ArcSwap::from_pointee(TierSnapshot::default()), capacity: capacity.into() };
        for (name, spec) in DEFAULT_TIERS {
            tiers.set(name, spec)?;
        }
        Ok(tiers)
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<TierSnapshot> {
        self.snapshot.load_full()
    }

    /// Checks that `set(name, spec)` would succeed, without changing anything.
    pub fn check(&self, name: &str, spec: &TierSpec) -> Result<()> {
        validate_name(name)?;
        spec.validate()?;
        let snapshot = self.snapshot.load();
        if snapshot.by_name.contains_key(name) || snapshot.names.len() < self.capacity {
            Ok(())
        } else {
            Err(Error::limit(format!("the tier table holds {} tiers", self.capacity)))
        }
    }

    /// Defines tier `name`, or changes it; returns its index and the definition it replaced.
    pub fn set(&self, name: &str, spec: TierSpec) -> Result<(u16, Option<TierSpec>)> {
        validate_name(name)?;
        spec.validate()?;
        let mut next = TierSnapshot::clone(&self.snapshot.load());
        let (index, before) = match next.by_name.get(name) {
            Some(tier) => (tier.index, Some(tier.spec)),
            None => {
                let index = next.names.len();
                if index >= self.capacity {
                    return Err(Error::limit(format!("the tier table holds {} tiers", self.capacity)));
                }
                next.names.push(name.to_owned());
                (index as u16, None)
            }
        };
        next.by_name.insert(name.to_owned(), Tier { name: name.to_owned(), index, spec });
        self.snapshot.store(Arc::new(next));
        Ok((index, before))
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_table() {
        let tiers = Tiers::with_defaults(8).unwrap();
        let snap = tiers.snapshot();
        let basic = snap.get("basic").unwrap();
        assert_eq!((basic.spec.orders_per_sec, basic.spec.messages_per_sec), (5, 20));
        assert_eq!((basic.spec.max_sessions, basic.spec.order_burst), (1, 10));
        let unlimited = snap.get("unlimited").unwrap().spec;
        assert_eq!(unlimited, TierSpec::new(10_000, 50_000, 100, 10_000));
        assert_eq!(basic.spec.policy().orders.rate(), crate::hot::gcra::Rate::per_second(5, 10));
        assert_eq!(
            snap.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["basic", "standard", "premium", "unlimited"]
        );
    }

    #[test]
    fn set_changes_in_place_and_adds_custom() {
        let tiers = Tiers::with_defaults(5).unwrap();
        let (idx, before) = tiers.set("basic", TierSpec::new(1, 2, 1, 1)).unwrap();
        assert_eq!((idx, before), (0, Some(DEFAULT_TIERS[0].1)));
        assert_eq!(tiers.set("mm-desk.1", TierSpec::new(1, 1, 1, 1)).unwrap(), (4, None));
        assert!(matches!(tiers.set("one-too-many", TierSpec::new(1, 1, 1, 1)), Err(Error::LimitReached(_))));
        assert_eq!(tiers.snapshot().by_index(4).unwrap().name, "mm-desk.1");
    }

    #[test]
    fn bad_tiers_are_refused() {
        let tiers = Tiers::with_defaults(8).unwrap();
        for name in ["", "has space", "é", &"x".repeat(65)] {
            let refused = tiers.set(name, TierSpec::new(1, 1, 1, 1));
            assert!(matches!(refused, Err(Error::InvalidArgument(_))), "{name:?}");
        }
        let mut spec = TierSpec::new(1, 1, 1, 1);
        spec.order_burst = 0;
        assert!(tiers.set("x", spec).is_err());
        let mut spec = TierSpec::new(1, 1, 1, 1);
        spec.escalation_window_ms = 0;
        assert!(tiers.set("x", spec).is_err());
        assert!(tiers.set("x", TierSpec::new(2_000_000_000, 1, 1, 1)).is_err());
        assert!(tiers.snapshot().get("x").is_none());
    }
}

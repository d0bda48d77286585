//! The cold path: tiers, users and session bookkeeping. May allocate, lock and (in later layers) do
//! I/O; never called per message.

pub mod allowlist;
pub mod attempts;
pub mod audit;
pub mod credentials;
pub mod crypto;
pub mod geo;
pub mod logon_keys;
pub mod rules;
pub mod sessions;
pub mod store;
pub mod tiers;
pub mod users;

/// Wall-clock milliseconds since the Unix epoch (0 for a clock set before 1970): the one time base
/// of stored and audited timestamps.
pub(crate) fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

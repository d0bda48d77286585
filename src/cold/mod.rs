//! The cold path: tiers, users and session bookkeeping. May allocate, lock and (in later layers) do
//! I/O; never called per message.

pub mod allowlist;
pub mod attempts;
pub mod audit;
pub mod credentials;
pub mod crypto;
pub mod rules;
pub mod sessions;
pub mod store;
pub mod tiers;
pub mod users;

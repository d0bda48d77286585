//! The cold path: tiers, users and session bookkeeping. May allocate, lock and (in later layers) do
//! I/O; never called per message.

pub mod sessions;
pub mod tiers;
pub mod users;

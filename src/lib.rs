//! fixprov: FIX API provisioning and enforcement.
//!
//! A FIX gateway calls [`Engine::check`] (or `fixprov_check` through the C ABI) on every inbound
//! message and gets OK, THROTTLED, DISCONNECT or KILLED back in nanoseconds: two GCRA token buckets
//! updated by compare-and-swap, a kill flag and a tier policy read through a seqcount latch, all in
//! one cache line per session. Tier changes, tier moves and kills come from the cold path and reach
//! live sessions on their next message.
//!
//! * [`hot`]: the per-message path. No lock, allocation, system call or I/O.
//! * [`cold`]: tiers, users, session bookkeeping, credentials, crypto and the embedded store.
//! * [`engine`]: the two joined behind one type.
//! * [`admin`]: the admin command layer shared by the C ABI and (later) the HTTP API.
//! * [`ffi`]: the C ABI declared in `include/fixprov.h`.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

pub mod admin;
pub mod cold;
pub mod engine;
pub mod error;
pub mod ffi;
pub mod hot;
mod sync;

pub use cold::credentials::{CredentialInfo, CredentialStatus, LogonRefusal};
pub use cold::tiers::TierSpec;
pub use engine::{
    ClockConfig, Config, Credentials, Engine, Event, EventKind, LogonRequest, Secret, SessionInfo,
};
pub use error::{Error, Result};
pub use hot::clock::ManualClock;
pub use hot::session::{Counters, KillReason, MsgClass, Verdict};

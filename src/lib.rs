//! fixprov: FIX API provisioning and enforcement.
//!
//! A FIX gateway calls [`Engine::check`] (or `fixprov_check` through the C ABI) on every inbound
//! message and gets OK, THROTTLED, DISCONNECT or KILLED back in nanoseconds: two GCRA token buckets
//! updated by compare-and-swap, and a state word holding the generation, the tier, the kill flag
//! and reason and the escalation flag, all in one cache line per session. The cold path publishes
//! a tier change by storing the new rates into each live session's buckets, and a kill or a move
//! by one update of that state word, so a session sees either on its next message.
//!
//! * `hot` (internal): the per-message path. No lock, allocation, system call or I/O.
//! * `cold` (internal): tiers, users, session bookkeeping, credentials, crypto, eligibility
//!   [`rules`], the store and the audit chain.
//! * [`engine`]: [`Engine`], the session table and the check, with the cold path in parts
//!   ([`Engine::access`], [`Engine::eligibility`], [`Engine::tiers`], [`Engine::sessions`],
//!   [`Engine::audit`]).
//! * [`admin`]: [`admin::Admin`], the admin command layer shared by the C ABI and the HTTP API, with
//!   the HTTP server and the metrics.
//! * [`ffi`]: the C ABI declared in `include/fixprov.h`.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

pub mod admin;
pub mod engine;
pub mod error;
pub mod ffi;
mod sync;

// The two layers below the engine. They are public only so that the crate's own tests, benches and
// fuzz targets can reach their internals; they are not the API and are hidden from its docs. What
// the API uses from them is re-exported here.
#[doc(hidden)]
pub mod cold;
#[doc(hidden)]
pub mod hot;

pub use cold::attempts::AttemptPolicy;
pub use cold::audit::{AuditAnchor, AuditQuery, AuditRecord, AuditRetention, AuditVerification};
pub use cold::credentials::{CredentialInfo, CredentialStatus, LogonRefusal, MAX_COMP_ID_POOL};
pub use cold::geo::CountryRule;
pub use cold::logon_keys::{KeyKind, LogonKeyInfo, LogonPolicy, SignedLogon, MAX_LIVE_KEYS};
/// Eligibility rules: account facts, rule and tier-rule documents, money, verdicts.
pub use cold::rules;
pub use cold::tiers::{AccountLimits, Tier, TierSpec};
pub use engine::{
    ClockConfig, CompIdPool, Config, CountryRules, Credentials, Engine, Event, EventKind, GeneratedKey,
    LogonPolicies, LogonRequest, Secret, SessionInfo, WeightTable, DEFAULT_LOGON_RATE,
};
pub use error::{Error, Result};
pub use hot::clock::ManualClock;
pub use hot::msgtype::{MsgTypeError, OrderTypes};
pub use hot::session::{CheckMode, Counters, KillReason, MsgClass, Verdict, MAX_ESCALATION_THRESHOLD};
pub use hot::weights::{MAX_LONG_WEIGHTS, MAX_WEIGHT, MAX_WEIGHTED_LEN};

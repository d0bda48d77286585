//! The loom shim: every atomic that a lock-free protocol of the hot path uses is imported from here.
//!
//! Under `--cfg fixprov_loom` these are loom's model-checked atomics; otherwise the standard ones. The
//! namespaced cfg keeps `--cfg loom` from flipping dependencies that have their own loom support.
//! Statics that are not part of a modeled protocol (the coarse clock, the panic hook) use `std` directly,
//! because loom atomics cannot live in a `static` and cannot be touched outside a model.

#[cfg(fixprov_loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[cfg(not(fixprov_loom))]
pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

//! The per-message path: buckets, session state, clock and policy publication.
//!
//! Nothing under `hot/` allocates, takes a lock, makes a system call, or does I/O on a check; nothing
//! here dereferences a raw pointer. Every lock-free protocol starts with a comment that states it, and
//! each has a loom model beside it (`--cfg fixprov_loom`).

pub mod account;
pub mod clock;
pub mod gcra;
pub mod limit;
pub mod msgtype;
pub mod policy;
pub mod session;
pub mod weights;

//! The audit log: an append-only, hash-chained record of every change made on the cold path.
//!
//! Each record is written in the same SQLite transaction as the change it describes, so a change
//! whose record cannot be written does not happen (fail closed), and a record never describes a
//! change that did not commit. Record `n` carries `mac_n = HMAC-SHA256(audit key, n || mac_{n-1} ||
//! record_n)`, under a subkey of the store's data key: editing, deleting or reordering records breaks
//! the chain, and nobody without the master password can recompute it. The newest `(seq, mac)` is
//! also kept in a sealed record, so cutting records off the end is detected too.
//!
//! What it does not prove: that the store was not rolled back as a whole (an old copy of the file
//! restored, or an old sealed head with the records after it deleted). Ship records off the machine
//! (the JSON-lines export) to cover that.
//!
//! Records never hold a secret: callers describe changes with ids, names and outcomes only.

use serde::{Deserialize, Serialize};

/// The newest records a query returns at most.
pub const MAX_PAGE: usize = 1_000;

/// One change, as the caller describes it before it is numbered and chained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who asked: "host" for the C ABI and Rust API; the admin API's token name later.
    pub actor: String,
    /// Where from: the admin client's address; empty in-process.
    pub source: String,
    /// What happened, dotted: "credential.provision", "tier.set", "rule.add", ...
    pub event: &'static str,
    /// What it happened to: a user id, a tier name, a rule id.
    pub subject: String,
    /// Parameters, secrets left out.
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// An in-process change by the host.
    pub fn host(event: &'static str, subject: &str, details: serde_json::Value) -> AuditEvent {
        AuditEvent { actor: "host".into(), source: String::new(), event, subject: subject.into(), details }
    }
}

/// A stored record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When, milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// Who asked.
    pub actor: String,
    /// Where from.
    pub source: String,
    /// What happened.
    pub event: String,
    /// What it happened to.
    pub subject: String,
    /// Parameters.
    pub details: serde_json::Value,
    /// "ok" (records are written with the change they describe).
    pub outcome: String,
}

impl AuditRecord {
    /// Numbers and dates `event`.
    pub fn new(seq: u64, at_unix_ms: u64, event: &AuditEvent) -> AuditRecord {
        AuditRecord {
            seq,
            at_unix_ms,
            actor: event.actor.clone(),
            source: event.source.clone(),
            event: event.event.to_owned(),
            subject: event.subject.clone(),
            details: event.details.clone(),
            outcome: "ok".into(),
        }
    }

    /// The canonical bytes the chain covers (field order is fixed by the struct).
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("audit records serialize")
    }
}

/// The chain's newest link, kept sealed beside the records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// Sequence of the newest record (0 before the first).
    pub seq: u64,
    /// Its MAC.
    pub mac: [u8; 32],
}

/// What a query asks for. Every field is optional; records come in sequence order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditQuery {
    /// Records at or after this time.
    pub from_unix_ms: Option<u64>,
    /// Records before this time.
    pub to_unix_ms: Option<u64>,
    /// Records about this subject (a user id, tier or rule).
    pub subject: Option<String>,
    /// Records whose event starts with this ("credential." for every credential change).
    pub event_prefix: Option<String>,
    /// Records after this sequence number (paging: pass the last one seen).
    pub after_seq: Option<u64>,
    /// At most this many (default and maximum 1,000).
    pub limit: Option<usize>,
}

/// What verification found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Records read.
    pub records: u64,
    /// Whether the chain is whole.
    pub ok: bool,
    /// Every problem found, each naming the sequence number where it shows.
    pub problems: Vec<String>,
}

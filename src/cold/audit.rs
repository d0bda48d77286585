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

thread_local! {
    /// Who is making the calls on this thread: set by the admin command layer for the duration of
    /// one request (`with_actor`), "host" otherwise.
    static ACTOR: std::cell::RefCell<Option<(String, String)>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with every audit record it causes on this thread attributed to `actor` from `source`.
pub fn with_actor<R>(actor: &str, source: &str, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<(String, String)>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let previous = self.0.take();
            ACTOR.with(|a| *a.borrow_mut() = previous);
        }
    }
    let previous = ACTOR.with(|a| a.borrow_mut().replace((actor.to_owned(), source.to_owned())));
    let _reset = Reset(previous);
    f()
}

impl AuditEvent {
    /// A change made by whoever is calling on this thread ("host" unless the admin command layer
    /// said otherwise, see [`with_actor`]).
    pub fn host(event: &'static str, subject: &str, details: serde_json::Value) -> AuditEvent {
        let (actor, source) =
            ACTOR.with(|a| a.borrow().clone()).unwrap_or_else(|| ("host".into(), String::new()));
        AuditEvent { actor, source, event, subject: subject.into(), details }
    }
}

/// A stored record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// The gateway that wrote it, in fleet mode (absent for an engine with a store of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
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
            gateway: None,
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

/// The chain's head as a host keeps it off the machine: the newest record's sequence and MAC (64
/// lowercase hex digits). Verifying against an anchor kept earlier detects a store replaced by an
/// older copy of itself, or a chain rewritten after that record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuditAnchor(pub ChainHead);

impl Serialize for AuditAnchor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("AuditAnchor", 2)?;
        s.serialize_field("seq", &self.0.seq)?;
        s.serialize_field("mac", &self.0.mac.iter().map(|b| format!("{b:02x}")).collect::<String>())?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for AuditAnchor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            seq: u64,
            mac: String,
        }
        let raw = Raw::deserialize(deserializer)?;
        let bytes = raw.mac.as_bytes();
        if bytes.len() != 64 || !bytes.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
            return Err(serde::de::Error::custom("mac must be 64 lowercase hex digits"));
        }
        let mut mac = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let text = std::str::from_utf8(pair).map_err(serde::de::Error::custom)?;
            mac[i] = u8::from_str_radix(text, 16).map_err(serde::de::Error::custom)?;
        }
        Ok(AuditAnchor(ChainHead { seq: raw.seq, mac }))
    }
}

/// How much of the audit log an engine keeps: records older than `max_age`, and those beyond the
/// newest `max_records`, are cut (whichever cuts more); `None` keeps everything by that measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuditRetention {
    /// Keep records younger than this.
    pub max_age: Option<std::time::Duration>,
    /// Keep at most this many of the newest records (besides the `audit.retention` record that
    /// each cut appends).
    pub max_records: Option<u64>,
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AuditVerification {
    /// Records read.
    pub records: u64,
    /// Whether the chain is whole.
    pub ok: bool,
    /// Every problem found, each naming the sequence number where it shows.
    pub problems: Vec<String>,
}

/// Events of the logon and session paths, queued for the housekeeping thread to write in batches so
/// that neither a logon nor a check ever waits on the store. Bounded: past `capacity` events are
/// counted and the count is recorded instead ("audit.dropped").
///
/// May be used from several threads at once.
#[derive(Debug)]
pub struct AuditQueue {
    pending: std::sync::Mutex<Vec<AuditEvent>>,
    dropped: std::sync::atomic::AtomicU64,
    dropped_total: std::sync::atomic::AtomicU64,
    capacity: usize,
}

impl AuditQueue {
    /// A queue of at most `capacity` events.
    pub fn new(capacity: usize) -> AuditQueue {
        AuditQueue {
            pending: Default::default(),
            dropped: Default::default(),
            dropped_total: Default::default(),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditEvent>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `event`, or counts it as dropped when the queue is full.
    pub fn push(&self, event: AuditEvent) {
        let mut pending = self.lock();
        if pending.len() < self.capacity {
            pending.push(event);
        } else {
            self.dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.dropped_total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Events dropped since the queue was made.
    pub fn dropped_total(&self) -> u64 {
        self.dropped_total.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Everything queued, with a record of how many were dropped since the last take.
    pub fn take(&self) -> Vec<AuditEvent> {
        let mut events = std::mem::take(&mut *self.lock());
        let dropped = self.dropped.swap(0, std::sync::atomic::Ordering::Relaxed);
        if dropped > 0 {
            events.push(AuditEvent::host("audit.dropped", "", serde_json::json!({ "events": dropped })));
        }
        events
    }

    /// Puts back events that could not be written, ahead of newer ones, within capacity.
    pub fn put_back(&self, mut events: Vec<AuditEvent>) {
        let mut pending = self.lock();
        events.append(&mut pending);
        let excess = events.len().saturating_sub(self.capacity);
        if excess > 0 {
            events.truncate(self.capacity);
            self.dropped.fetch_add(excess as u64, std::sync::atomic::Ordering::Relaxed);
            self.dropped_total.fetch_add(excess as u64, std::sync::atomic::Ordering::Relaxed);
        }
        *pending = events;
    }
}

//! What the store needs from a database, and nothing more.
//!
//! [`Store`](super::Store) seals every record, keeps the manifest and chains the audit log; a
//! [`Backend`] only keeps what it is handed. It sees table names, keys, SenderCompIDs, the audit
//! records' clear columns and opaque sealed bytes: never a plaintext record, the master password or
//! a key. [`SqliteBackend`](super::sqlite::SqliteBackend) (embedded) and
//! [`PostgresBackend`](super::postgres::PostgresBackend) (a fleet's shared database) implement it; every backend
//! must pass the contract suite in `cold::store::contract` (feature `test-hooks`).
//!
//! # The shape
//! Everything goes through two calls. [`Backend::read`] runs a closure against one consistent,
//! read-only snapshot ([`ReadTx`]); [`Backend::write`] runs a closure inside one read-write
//! transaction ([`WriteTx`]) that commits all of its writes together or none of them. The store's
//! read-modify-write steps (read the chain's head, append the next record, rewrite the head and the
//! manifest) happen inside one `write`, so two writers can never fork the chain.
//!
//! Errors: [`Error::Storage`] when the database cannot be read or written (I/O, disk full, locked),
//! [`Error::Corrupt`] when the backend finds its own data damaged. Nothing else.

use super::Table;
use crate::error::{Error, Result};
use std::time::Duration;

/// A row of a sealed table as a backend keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredRow {
    /// Its key (a tier name, a user id, a setting's name).
    pub key: String,
    /// For [`Table::Credentials`], the SenderCompID, unique across that table; empty elsewhere.
    pub sender_comp_id: String,
    /// The sealed record: opaque bytes, stored and returned exactly.
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for StoredRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredRow")
            .field("key", &self.key)
            .field("sender_comp_id", &self.sender_comp_id)
            .field("sealed_len", &self.sealed.len())
            .finish()
    }
}

/// The store's key material: the KDF parameters (salt, iterations) and the data key wrapped under
/// the key they derive from the master password. Neither is secret on its own; both are opaque to
/// a backend.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyMaterial {
    /// The serialized KDF parameters.
    pub kdf: Vec<u8>,
    /// The wrapped data key.
    pub wrapped_data_key: Vec<u8>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterial").finish_non_exhaustive()
    }
}

/// One audit record as a backend keeps it: the clear columns that queries filter on, the canonical
/// record (JSON) and its chain MAC. The backend checks none of it; the store does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    /// Position in the chain, from 1; unique.
    pub seq: u64,
    /// When, milliseconds since the Unix epoch (not necessarily increasing with `seq`).
    pub at_unix_ms: u64,
    /// The record's event ("tier.set").
    pub event: String,
    /// The record's subject (a user id, a tier).
    pub subject: String,
    /// The canonical record the MAC covers.
    pub record: String,
    /// Its MAC (32 bytes when written by the store; returned as stored).
    pub mac: Vec<u8>,
}

/// Which audit rows [`ReadTx::audit_find`] selects: those with `seq > after_seq`, dated in
/// `[from_unix_ms, to_unix_ms)`, with that subject and an event starting with that prefix when
/// given; in ascending `seq`, at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditFilter<'a> {
    /// Rows after this sequence number (0: from the first).
    pub after_seq: u64,
    /// Rows dated at or after this.
    pub from_unix_ms: u64,
    /// Rows dated before this.
    pub to_unix_ms: u64,
    /// Rows with exactly this subject.
    pub subject: Option<&'a str>,
    /// Rows whose event starts with this (byte-wise).
    pub event_prefix: Option<&'a str>,
    /// At most this many rows.
    pub limit: usize,
}

impl Default for AuditFilter<'_> {
    /// Every row, no limit.
    fn default() -> Self {
        AuditFilter {
            after_seq: 0,
            from_unix_ms: 0,
            to_unix_ms: u64::MAX,
            subject: None,
            event_prefix: None,
            limit: usize::MAX,
        }
    }
}

/// What [`Backend::prepare`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The stored schema predates the sealed manifest: a store with key material and no manifest
    /// is one written before it existed (the store then writes one), not a damaged one. False for a
    /// backend whose every schema has the manifest.
    pub may_lack_manifest: bool,
}

/// A database that keeps a store: key material, seven tables of sealed rows ([`Table`]) and the
/// audit log. Implementations must be usable from several threads at once.
///
/// # Lifecycle
/// A backend is made by its own constructor (which writes nothing); the store then calls
/// [`peek_key_material`](Backend::peek_key_material), checks the master password, and only then
/// [`prepare`](Backend::prepare). `read` and `write` may be called only after `prepare` succeeded.
///
/// # Durability
/// `write` returns `Ok` only after its transaction is durable: it survives a crash of the process
/// or the machine. A transaction that did not commit leaves nothing behind, after a crash too.
pub trait Backend: Send + Sync {
    /// The key material, read without writing anything: no file, lock, journal or schema change may
    /// be created (a wrong master password must leave the store untouched). `None` when there is
    /// none, or when it cannot be read without writing (the store then reads it again after
    /// `prepare`). May be called before `prepare`.
    fn peek_key_material(&self) -> Result<Option<KeyMaterial>>;

    /// Makes the store ready: creates it if absent, checks the backend's own integrity
    /// ([`Error::Corrupt`] if damaged), and creates or upgrades the schema. Called once, after the
    /// master password was checked against [`peek_key_material`](Backend::peek_key_material)'s
    /// answer when there was one.
    fn prepare(&self) -> Result<Prepared>;

    /// Runs `work` once inside one read-write transaction and commits it if `work` returns `Ok`.
    ///
    /// - **Atomic**: on `Ok`, every write of `work` is durable together; if `work` or the commit
    ///   fails, none is, and the error is returned (`work`'s own error unchanged).
    /// - **Serializable**: write transactions run one at a time against the store, also across
    ///   processes sharing it; `work` reads the latest committed state and its own writes.
    /// - Readers running meanwhile do not see any of it before it commits.
    ///
    /// `work` must not call back into the backend (it may deadlock).
    fn write(&self, work: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()>;

    /// Runs `work` once against one consistent, read-only snapshot: every read inside it sees the
    /// same committed state, whatever commits meanwhile. A backend may let writers proceed during a
    /// read (a file backend should, so a long audit verification never stops the engine) or make
    /// them wait until it ends. Returns `work`'s error unchanged. `work` must not call back into
    /// the backend.
    fn read(&self, work: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()>;

    /// Waits until another process may have committed a write, or `timeout` passed: `Ok(true)`
    /// when told of one (or when the backend cannot tell what it missed, after a reconnection),
    /// `Ok(false)` on timeout. A fleet's gateways call it in a loop on one thread, then read what
    /// changed. The default, for a backend no other process shares, sleeps and answers false.
    fn wait_for_change(&self, timeout: Duration) -> Result<bool> {
        std::thread::sleep(timeout);
        Ok(false)
    }

    /// Takes a session lease for `lease.user` if the user holds fewer than `max` live ones across
    /// every gateway; `Ok(false)` when it holds `max`. Atomic against every other taker: two
    /// gateways racing for a user's last slot never both win. A lease is live while its gateway's
    /// heartbeat is younger than `expiry` (the database's clock); older ones are dropped here.
    /// Only a backend that several gateways share keeps leases; the default refuses.
    fn lease_take(&self, lease: &Lease<'_>, max: u32, expiry: Duration) -> Result<bool> {
        let _ = (lease, max, expiry);
        Err(no_leases())
    }

    /// Drops the lease `id` of `gateway` (a session closed); no error when there is none.
    fn lease_release(&self, gateway: &str, id: u64) -> Result<()> {
        let _ = (gateway, id);
        Err(no_leases())
    }

    /// `gateway`'s heartbeat: marks it alive now, drops its leases older than `grace` that are not
    /// in `live`, and with `reassert` takes back those in `live` that are missing (dropped while it
    /// could not reach the database, or never taken: admitted under a grace).
    fn heartbeat(&self, gateway: &str, live: &[Lease<'_>], grace: Duration, reassert: bool) -> Result<()> {
        let _ = (gateway, live, grace, reassert);
        Err(no_leases())
    }

    /// Drops every lease of `gateway` and its heartbeat (it is closing).
    fn leave(&self, gateway: &str) -> Result<()> {
        let _ = gateway;
        Err(no_leases())
    }

    /// The live leases of `user` (every lease when `None`), as `(gateway, lease, user, session)`.
    fn leases(&self, user: Option<&str>, expiry: Duration) -> Result<Vec<LeaseInfo>> {
        let _ = (user, expiry);
        Err(no_leases())
    }

    /// Records a signed logon's signature (`digest`, of the key id and the signature) as seen until
    /// `forget_at_ms` (Unix milliseconds), so that no gateway of the fleet accepts it again;
    /// `Ok(false)` when one did already and `now_ms` has not reached its `forget_at_ms`. Atomic
    /// against every other gateway: of two racing for one signature, one wins. Only a backend that
    /// several gateways share keeps them; the default refuses.
    fn replay_record(&self, digest: &[u8; 32], forget_at_ms: u64, now_ms: u64) -> Result<bool> {
        let _ = (digest, forget_at_ms, now_ms);
        Err(no_leases())
    }
}

/// A session's lease, as a gateway takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease<'a> {
    /// The gateway that holds it.
    pub gateway: &'a str,
    /// Its id, unique within the gateway.
    pub id: u64,
    /// The user it counts against.
    pub user: &'a str,
    /// The session's handle on that gateway.
    pub session: u64,
}

/// A lease as the database holds it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct LeaseInfo {
    /// The gateway that holds it.
    pub gateway: String,
    /// The user it counts against.
    pub user: String,
    /// The session's handle on that gateway.
    pub session: u64,
}

fn no_leases() -> Error {
    Error::state("session leases need a store that the fleet's gateways share (a database URL)")
}

/// The reads of a snapshot or a transaction. Rows come back exactly as written.
pub trait ReadTx {
    /// The key material, or `None` when there is none. Half of it alone is [`Error::Corrupt`].
    fn key_material(&mut self) -> Result<Option<KeyMaterial>>;

    /// Every row of `table`, in ascending byte order of their keys.
    fn rows(&mut self, table: Table) -> Result<Vec<StoredRow>>;

    /// The row `key` of `table`, if there is one.
    fn row(&mut self, table: Table, key: &str) -> Result<Option<StoredRow>>;

    /// Every key of `table`, in ascending byte order (a backend may answer without reading the
    /// sealed bytes).
    fn keys(&mut self, table: Table) -> Result<Vec<String>> {
        Ok(self.rows(table)?.into_iter().map(|r| r.key).collect())
    }

    /// Whether `table` has a row `key`.
    fn contains(&mut self, table: Table, key: &str) -> Result<bool> {
        Ok(self.row(table, key)?.is_some())
    }

    /// Calls `visit` with every audit row in ascending `seq`, stopping at its first error. Must not
    /// depend on any secondary index (the verification walks this, and checks indexes apart).
    fn audit_scan(&mut self, visit: &mut dyn FnMut(AuditRow) -> Result<()>) -> Result<()>;

    /// The records (the `record` column) of the audit rows `filter` selects, in ascending `seq`.
    /// May use secondary indexes.
    fn audit_find(&mut self, filter: &AuditFilter<'_>) -> Result<Vec<String>>;

    /// The `seq` and MAC of the audit row with the highest `seq` that is at most `through_seq`
    /// and, when `before_unix_ms` is given, dated before it; `None` when no row qualifies.
    fn audit_last(&mut self, through_seq: u64, before_unix_ms: Option<u64>)
        -> Result<Option<(u64, Vec<u8>)>>;

    /// Problems the backend's own check finds in the structures that serve `audit_find` and
    /// `audit_last` (indexes), one line each; empty when sound or when there are none to check.
    fn audit_index_problems(&mut self) -> Result<Vec<String>>;
}

/// The writes of a transaction; each is seen by the transaction's later reads.
pub trait WriteTx: ReadTx {
    /// Replaces the key material.
    fn put_key_material(&mut self, material: &KeyMaterial) -> Result<()>;

    /// Inserts `row` into `table`, or replaces the row with its key. In [`Table::Credentials`] a
    /// SenderCompID held by another key fails (the transaction then must not commit); elsewhere
    /// `row.sender_comp_id` is empty and ignored.
    fn put(&mut self, table: Table, row: &StoredRow) -> Result<()>;

    /// Deletes the row `key` of `table`; no error when there is none.
    fn delete(&mut self, table: Table, key: &str) -> Result<()>;

    /// Appends `row` to the audit log. A `seq` already present fails.
    fn append_audit(&mut self, row: &AuditRow) -> Result<()>;

    /// Deletes every audit row with `seq <= through_seq` (retention); returns how many.
    fn cut_audit(&mut self, through_seq: u64) -> Result<u64>;
}

/// The error a backend returns for a store that is not in the state this call needs.
pub(crate) fn not_prepared() -> Error {
    Error::Internal("the store's backend was used before it was prepared".into())
}

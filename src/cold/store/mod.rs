//! The store: sealed records, the manifest of what must exist, and the audit chain, kept by a
//! [`Backend`]: SQLite ([`SqliteBackend`]) in the engine's data directory or in memory, or a
//! fleet's shared PostgreSQL database ([`PostgresBackend`]).
//!
//! # Layers
//! [`Store`] does everything that needs a key: it seals each record before the backend sees it and
//! opens it after, keeps the manifest (`manifest.rs`) and numbers and MACs the audit chain
//! (`chain.rs`). The backend (`backend.rs`: the trait; `sqlite.rs`) keeps opaque bytes, and
//! promises atomic, serialized, durable transactions and consistent snapshots. No backend ever sees
//! a plaintext record, the master password or a key, so the second backend (PostgreSQL) changes
//! nothing that is sealed, checked or chained.
//!
//! # Sealing
//! Every record is sealed (AES-256-GCM under the data key, see [`crate::cold::crypto`]) with its
//! table and key as associated data, so a flipped byte, a truncated blob or a record moved to
//! another key fails authentication and is reported as [`Error::Corrupt`], never accepted. The data
//! key itself is stored wrapped under the key derived from the master password; a wrong master
//! password is detected when it is unwrapped, from key material read before anything is written. The
//! plaintext columns (keys, SenderCompID) are there for uniqueness and lookups only and are bound
//! into each record's associated data.
//!
//! # What must exist
//! Sealing proves that each row is genuine, not that every row is still there. The store also keeps
//! a sealed *manifest* (a row of `settings`): for each table, the number of its rows and the XOR of a
//! keyed MAC of each row's key. Every write updates it in the same transaction, and every open
//! checks it against the rows present, so a row deleted (a rule set, a tier, a bypass, the audit
//! chain's head) or a row added from another store is [`Error::Corrupt`] at open, never a silent
//! return to a default. The manifest and the chain head are written when the store is created; a
//! store without them is corrupt. (A store written before the manifest existed, SQLite schema 3,
//! gets one at its first open by this build, from the rows it has then.)
//!
//! Nothing inside a store can show that the whole store was replaced by an older copy of itself:
//! [`Store::audit_head`] gives the chain's head to ship off the machine, and [`Store::audit_verify`]
//! with that head checks the chain still holds it.
//!
//! A write returns only after its transaction committed durably, and an uncommitted one leaves
//! nothing behind (the backend's promise). The engine loads everything at open, so logon never
//! touches the disk.

pub mod backend;
mod chain;
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub mod contract;
mod manifest;
pub mod postgres;
mod records;
pub mod sqlite;

pub use backend::Backend;
pub use postgres::PostgresBackend;
pub use records::{KdfSettings, Row, Table, Write};
pub use sqlite::{SqliteBackend, SCHEMA_VERSION};

use crate::cold::audit::{AuditEvent, ChainHead};
use crate::cold::crypto::{CryptoError, DataKey, KdfParams, Kek, Keyring};
use crate::error::{Error, Result};
use backend::{KeyMaterial, ReadTx, StoredRow, WriteTx};
use manifest::Manifest;
use std::path::{Path, PathBuf};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "fixprov.db";

const AUDIT_HEAD: &str = "audit_head";
const MANIFEST: &str = "manifest";
/// Where a chain cut by retention resumes: the last cut record's sequence and MAC (sealed).
const AUDIT_BASE: &str = "audit_base";

/// What [`Store::apply_fenced`] checks before it writes.
pub struct Fence<'a> {
    /// Records after this sequence number are checked.
    pub after_seq: u64,
    /// Whether a record conflicts with the change.
    pub conflicts: &'a dyn Fn(&crate::cold::audit::AuditRecord) -> bool,
}

/// The store. May be used from several threads at once; writes are serialized.
pub struct Store {
    backend: Box<dyn Backend>,
    /// The gateway every audit record names, in fleet mode (set once, at open).
    gateway: std::sync::OnceLock<String>,
    /// The database file; `None` for an in-memory store (an engine without a data directory) or a
    /// backend that is not a file.
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// An in-memory store (lost at close) sealed under a random data key: engines without a data
    /// directory use the same code, transactions and audit chain as those with one.
    pub fn open_in_memory() -> Result<(Store, Keyring)> {
        let backend = SqliteBackend::in_memory()?;
        backend.prepare()?;
        let keyring = Keyring::new(DataKey::generate());
        backend.write(&mut |tx| initialize(tx, &keyring))?;
        Ok((Store { backend: Box::new(backend), gateway: Default::default(), path: None }, keyring))
    }

    /// Opens (creating if needed) the store in `dir`, and the keyring it is sealed with.
    pub fn open(dir: &Path, master_password: &[u8], kdf: KdfSettings) -> Result<(Store, Keyring)> {
        if master_password.is_empty() {
            return Err(Error::invalid("the master password is empty"));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Storage(format!("cannot create {}: {e}", dir.display()).into()))?;
        let path = dir.join(DB_FILE);
        let (mut store, keyring) =
            Store::open_backend(Box::new(SqliteBackend::file(&path)), master_password, kdf)?;
        store.path = Some(path);
        Ok((store, keyring))
    }

    /// Opens (creating if needed) the store `backend` keeps, sealed under the data key that
    /// `master_password` unwraps: a wrong password fails with [`Error::WrongMasterPassword`] before
    /// anything is written (when the backend can read its key material without writing); a new
    /// store gets its key material, chain head and manifest in one transaction; an existing one
    /// must match its sealed manifest ([`Error::Corrupt`] otherwise).
    pub fn open_backend(
        backend: Box<dyn Backend>,
        master_password: &[u8],
        kdf: KdfSettings,
    ) -> Result<(Store, Keyring)> {
        if master_password.is_empty() {
            return Err(Error::invalid("the master password is empty"));
        }
        // A wrong master password must change nothing: the key is unwrapped from key material read
        // without writing, before the backend is prepared (which would create files, migrate, or
        // write key material).
        let probed = match backend.peek_key_material()? {
            Some(material) => {
                let keyring = unwrap_key(&material, master_password)?;
                Some((material, keyring))
            }
            None => None,
        };
        let prepared = backend.prepare()?;
        let (keyring, created) = unlock(&*backend, master_password, kdf, probed)?;
        if !created
            && prepared.may_lack_manifest
            && read(&*backend, |tx| Manifest::read(tx, &keyring))?.is_none()
        {
            // A store from before the manifest: it gets one for the rows it has now.
            backend.write(&mut |tx| {
                if !tx.contains(Table::Settings, AUDIT_HEAD)? {
                    let head = chain::last_record_head(tx)?;
                    chain::write_head(tx, &keyring, &head)?;
                }
                Manifest::of_rows(tx, &keyring)?.write(tx, &keyring)
            })?;
        }
        read(&*backend, |tx| Manifest::check(tx, &keyring))?;
        Ok((Store { backend, gateway: Default::default(), path: None }, keyring))
    }

    /// Where the database file is; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Names `gateway` in every audit record written from now on (fleet mode); set once.
    pub fn set_gateway(&self, gateway: &str) -> Result<()> {
        self.gateway.set(gateway.to_owned()).map_err(|_| Error::state("the store's gateway is already set"))
    }

    /// Waits until another process may have written, or `timeout` passed (see
    /// [`Backend::wait_for_change`]).
    pub fn wait_for_change(&self, timeout: std::time::Duration) -> Result<bool> {
        self.backend.wait_for_change(timeout)
    }

    /// The backend (fleet mode's leases and heartbeats go to it directly: they are not records).
    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The gateway the audit records name, in fleet mode.
    pub fn gateway(&self) -> Option<&str> {
        self.gateway.get().map(String::as_str)
    }

    /// The record `key` of `table`, opened; `None` when there is none.
    pub fn load_one(&self, keyring: &Keyring, table: Table, key: &str) -> Result<Option<Row>> {
        let Some(StoredRow { key, sender_comp_id, sealed }) = read(&*self.backend, |tx| tx.row(table, key))?
        else {
            return Ok(None);
        };
        let value = keyring.open(&table.aad(&key, &sender_comp_id), &sealed).map_err(|e| {
            Error::Corrupt(format!("{} record '{}' failed authentication: {e}", table.name(), key).into())
        })?;
        Ok(Some(Row { key, sender_comp_id, value }))
    }

    /// Every record of `table`, opened; a record that fails authentication fails the whole load.
    pub fn load(&self, keyring: &Keyring, table: Table) -> Result<Vec<Row>> {
        let rows = read(&*self.backend, |tx| tx.rows(table))?;
        let mut out = Vec::with_capacity(rows.len());
        for StoredRow { key, sender_comp_id, sealed } in rows {
            let value = keyring.open(&table.aad(&key, &sender_comp_id), &sealed).map_err(|e| {
                Error::Corrupt(format!("{} record '{}' failed authentication: {e}", table.name(), key).into())
            })?;
            out.push(Row { key, sender_comp_id, value });
        }
        Ok(out)
    }

    /// Applies `writes` and appends `event` to the audit chain in one transaction; returns after it
    /// committed. If the audit record cannot be written, nothing is.
    pub fn apply(&self, keyring: &Keyring, event: &AuditEvent, writes: &[Write<'_>]) -> Result<()> {
        self.apply_fenced(keyring, event, writes, None)
    }

    /// [`apply`](Self::apply), refused when `fence` finds a conflicting record: inside the
    /// transaction (so no writer can slip one in meanwhile), every audit record after
    /// `fence.after_seq` is read, and if `fence.conflicts` holds for any, nothing is written and
    /// the answer is [`Error::InvalidState`]. A fleet's gateways use it so that a change computed
    /// from a record another gateway has changed since is never written over that change.
    pub fn apply_fenced(
        &self,
        keyring: &Keyring,
        event: &AuditEvent,
        writes: &[Write<'_>],
        fence: Option<Fence<'_>>,
    ) -> Result<()> {
        let gateway = self.gateway();
        self.backend.write(&mut |tx| {
            if let Some(fence) = &fence {
                let filter = backend::AuditFilter { after_seq: fence.after_seq, ..Default::default() };
                for text in tx.audit_find(&filter)? {
                    let record: crate::cold::audit::AuditRecord = serde_json::from_str(&text)
                        .map_err(|e| Error::Corrupt(format!("an audit record: {e}").into()))?;
                    if (fence.conflicts)(&record) {
                        return Err(Error::state(format!(
                            "another gateway ({}) changed the same record meanwhile (audit record {}); \
                             nothing was changed: try again",
                            record.gateway.as_deref().unwrap_or("unnamed"),
                            record.seq
                        )));
                    }
                }
            }
            chain::append(tx, keyring, event, gateway)?;
            let mut manifest = Manifest::read(tx, keyring)?.ok_or_else(manifest::missing)?;
            let before = manifest.clone();
            for write in writes {
                let (table, key, added) = match write {
                    Write::Put { table, key, .. } => (*table, *key, true),
                    Write::Delete { table, key } => (*table, *key, false),
                    Write::PutCredential { user_id, .. } => (Table::Credentials, *user_id, true),
                };
                if table == Table::Settings && [MANIFEST, AUDIT_HEAD, AUDIT_BASE].contains(&key) {
                    return Err(Error::Internal(
                        "the manifest and the chain head are the store's own".into(),
                    ));
                }
                if tx.contains(table, key)? != added {
                    manifest.toggle(keyring, table, key, added);
                }
                match write {
                    Write::Put { table, key, value } => {
                        let sealed = keyring.seal(&table.aad(key, ""), value);
                        let row = StoredRow { key: (*key).to_owned(), sender_comp_id: String::new(), sealed };
                        tx.put(*table, &row)?;
                    }
                    Write::Delete { table, key } => tx.delete(*table, key)?,
                    Write::PutCredential { user_id, sender_comp_id, value } => {
                        let sealed = keyring.seal(&Table::Credentials.aad(user_id, sender_comp_id), value);
                        let row = StoredRow {
                            key: (*user_id).to_owned(),
                            sender_comp_id: (*sender_comp_id).to_owned(),
                            sealed,
                        };
                        tx.put(Table::Credentials, &row)?;
                    }
                }
            }
            if manifest != before {
                manifest.write(tx, keyring)?;
            }
            Ok(())
        })
    }

    /// Re-wraps the data key under a new master password (new salt), with `event` on the audit
    /// chain; the records are untouched, so this is one small transaction whatever the size of the
    /// store.
    pub fn change_master_password(
        &self,
        keyring: &Keyring,
        event: &AuditEvent,
        new_password: &[u8],
        kdf: KdfSettings,
    ) -> Result<()> {
        if new_password.is_empty() {
            return Err(Error::invalid("the master password is empty"));
        }
        let params = KdfParams::generate(kdf.iterations).map_err(crypto)?;
        let kek = Kek::derive(new_password, &params);
        let material =
            KeyMaterial { kdf: params.to_bytes().to_vec(), wrapped_data_key: keyring.data_key().wrap(&kek) };
        let gateway = self.gateway();
        self.backend.write(&mut |tx| {
            tx.put_key_material(&material)?;
            chain::append(tx, keyring, event, gateway)
        })
    }
}

/// `f`'s answer from one snapshot of `backend`.
fn read<T>(backend: &dyn Backend, mut f: impl FnMut(&mut dyn ReadTx) -> Result<T>) -> Result<T> {
    let mut out = None;
    backend.read(&mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| Error::Internal("the store's backend skipped a read".into()))
}

/// Writes what a new store starts with: the chain's head before its first record, and the manifest
/// naming it.
fn initialize(tx: &mut dyn WriteTx, keyring: &Keyring) -> Result<()> {
    chain::write_head(tx, keyring, &ChainHead::default())?;
    let mut manifest = Manifest::default();
    manifest.toggle(keyring, Table::Settings, AUDIT_HEAD, true);
    manifest.write(tx, keyring)
}

/// The store's own sealed row `key` of `settings` (the manifest, the chain's head or base), opened
/// and parsed; `None` when absent. `what` names it in errors.
fn read_sealed<T: serde::de::DeserializeOwned>(
    tx: &mut dyn ReadTx,
    keyring: &Keyring,
    key: &str,
    what: &str,
) -> Result<Option<T>> {
    let Some(row) = tx.row(Table::Settings, key)? else { return Ok(None) };
    let plain = keyring
        .open(&Table::Settings.aad(key, ""), &row.sealed)
        .map_err(|e| Error::Corrupt(format!("{what} failed authentication: {e}").into()))?;
    serde_json::from_slice(&plain).map(Some).map_err(|e| Error::Corrupt(format!("{what}: {e}").into()))
}

/// Seals `value` as the store's own row `key` of `settings`, replacing it.
fn write_sealed<T: serde::Serialize>(
    tx: &mut dyn WriteTx,
    keyring: &Keyring,
    key: &str,
    value: &T,
) -> Result<()> {
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).expect("the store's own rows serialize"));
    let sealed = keyring.seal(&Table::Settings.aad(key, ""), &plain);
    tx.put(Table::Settings, &StoredRow { key: key.to_owned(), sender_comp_id: String::new(), sealed })
}

fn crypto(e: CryptoError) -> Error {
    match e {
        CryptoError::WrongMasterPassword => Error::WrongMasterPassword,
        CryptoError::WeakKdf => Error::invalid(e.to_string()),
        CryptoError::Tampered | CryptoError::Malformed => Error::Corrupt(e.to_string().into()),
    }
}

/// The data key `material` wraps, unwrapped with `master_password` ([`Error::WrongMasterPassword`]
/// if it does not).
fn unwrap_key(material: &KeyMaterial, master_password: &[u8]) -> Result<Keyring> {
    let params = KdfParams::from_bytes(&material.kdf).map_err(crypto)?;
    let kek = Kek::derive(master_password, &params);
    Ok(Keyring::new(DataKey::unwrap(&kek, &material.wrapped_data_key).map_err(crypto)?))
}

/// The store's keyring, and whether this call created its key material. `probed` is the key
/// material read before `prepare` with the keyring it unwrapped to, reused when unchanged.
fn unlock(
    backend: &dyn Backend,
    master_password: &[u8],
    kdf: KdfSettings,
    probed: Option<(KeyMaterial, Keyring)>,
) -> Result<(Keyring, bool)> {
    // The slow key derivation runs outside any transaction, so an open never holds the write lock
    // for the ~70-90 ms PBKDF2 takes.
    if let Some(material) = read(backend, |tx| tx.key_material())? {
        if let Some((_, keyring)) = probed.filter(|(p, _)| *p == material) {
            return Ok((keyring, false));
        }
        return Ok((unwrap_key(&material, master_password)?, false));
    }
    let params = KdfParams::generate(kdf.iterations).map_err(crypto)?;
    let kek = Kek::derive(master_password, &params);
    let dek = DataKey::generate();
    let material = KeyMaterial { kdf: params.to_bytes().to_vec(), wrapped_data_key: dek.wrap(&kek) };
    let keyring = Keyring::new(dek);
    let mut created = false;
    backend.write(&mut |tx| {
        if tx.key_material()?.is_some() {
            // Another process created the key material meanwhile: use that.
            return Ok(());
        }
        tx.put_key_material(&material)?;
        // The key material, the chain head and the manifest appear together or not at all.
        created = true;
        initialize(tx, &keyring)
    })?;
    if !created {
        return unlock(backend, master_password, kdf, None);
    }
    Ok((keyring, true))
}

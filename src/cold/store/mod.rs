//! The embedded store: SQLite (bundled, WAL, `synchronous=FULL`) in the engine's data directory.
//!
//! Every record is sealed (AES-256-GCM under the data key, see [`crate::cold::crypto`]) with its
//! table and key as associated data, so a flipped byte, a truncated blob or a record moved to
//! another key fails authentication and is reported as [`Error::Corrupt`], never accepted. The data
//! key itself is stored wrapped under the key derived from the master password; a wrong master
//! password is detected when it is unwrapped. The plaintext columns (keys, SenderCompID) are there
//! for uniqueness and lookups only and are bound into each record's associated data.
//!
//! # What must exist
//! Sealing proves that each row is genuine, not that every row is still there. The store also keeps
//! a sealed *manifest* (a row of `settings`): for each table, the number of its rows and the XOR of a
//! keyed MAC of each row's key. Every write updates it in the same transaction, and every open
//! checks it against the rows present, so a row deleted (a rule set, a tier, a bypass, the audit
//! chain's head) or a row added from another store is [`Error::Corrupt`] at open, never a silent
//! return to a default. The manifest and the chain head are written when the store is created; a
//! store without them is corrupt. (A store written before the manifest existed, schema 3, gets one
//! at its first open by this build, from the rows it has then.)
//!
//! Nothing inside a file can show that the whole file was replaced by an older copy of itself:
//! [`Store::audit_head`] gives the chain's head to ship off the machine, and
//! [`Store::audit_verify_against`] checks the chain still holds that head.
//!
//! A write returns only after its transaction committed; with WAL and `synchronous=FULL` a commit
//! survives a crash of the process or the machine, and an uncommitted one leaves nothing behind.
//! The engine loads everything at open, so logon never touches the disk.

use crate::cold::audit::{AuditEvent, AuditQuery, AuditRecord, AuditVerification, ChainHead, MAX_PAGE};
use crate::cold::crypto::{CryptoError, DataKey, KdfParams, Kek, Keyring};
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The schema this build writes; older stores are migrated at open.
pub const SCHEMA_VERSION: i64 = 4;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "fixprov.db";

const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the initial schema.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
     CREATE TABLE tiers (name TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE users (id TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE credentials (
         user_id TEXT PRIMARY KEY,
         sender_comp_id TEXT NOT NULL UNIQUE,
         sealed BLOB NOT NULL
     ) STRICT;",
    // 1 -> 2: eligibility (account facts, per-user rule overrides, bypasses) and engine-wide
    // settings (the rule set, the tier rules).
    "CREATE TABLE facts (user_id TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE overrides (user_id TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE bypasses (user_id TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE settings (key TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;",
    // 2 -> 3: the audit log (records in clear for queries, chained by MAC; see cold::audit).
    "CREATE TABLE audit (
         seq INTEGER PRIMARY KEY,
         at_unix_ms INTEGER NOT NULL,
         event TEXT NOT NULL,
         subject TEXT NOT NULL,
         record TEXT NOT NULL,
         mac BLOB NOT NULL
     ) STRICT;
     CREATE INDEX audit_at ON audit (at_unix_ms);
     CREATE INDEX audit_subject ON audit (subject, seq);",
    // 3 -> 4: no new table; from here on a store must hold its sealed manifest (see the module
    // doc), written at the first open of a schema-3 store.
    "UPDATE meta SET value = value WHERE 0;",
];

/// The schema from which a store must hold its sealed manifest.
const MANIFEST_SCHEMA: i64 = 4;

const AUDIT_HEAD: &str = "audit_head";
const MANIFEST: &str = "manifest";
/// Where a chain cut by retention resumes: the last cut record's sequence and MAC (sealed).
const AUDIT_BASE: &str = "audit_base";

/// Every table of sealed rows, in the manifest's order.
const TABLES: [Table; 7] = [
    Table::Tiers,
    Table::Users,
    Table::Credentials,
    Table::Facts,
    Table::Overrides,
    Table::Bypasses,
    Table::Settings,
];

/// How many rows a table holds and the XOR of a keyed MAC of each row's key: what must exist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct TableDigest {
    rows: u64,
    keys: [u8; 32],
}

impl TableDigest {
    fn toggle(&mut self, keyring: &Keyring, table: Table, key: &str, added: bool) {
        let mac =
            keyring.audit_mac(&[b"fixprov/v1/manifest/", table.name().as_bytes(), b"/", key.as_bytes()]);
        for (d, m) in self.keys.iter_mut().zip(mac) {
            *d ^= m;
        }
        self.rows = if added { self.rows + 1 } else { self.rows.saturating_sub(1) };
    }
}

/// The sealed manifest: one digest per table of [`TABLES`] (the manifest row itself left out).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Manifest {
    tables: [TableDigest; 7],
}

impl Manifest {
    fn digest(&mut self, table: Table) -> &mut TableDigest {
        let index = TABLES.iter().position(|t| *t == table).expect("every table is listed");
        &mut self.tables[index]
    }

    fn read(conn: &Connection, keyring: &Keyring) -> Result<Option<Manifest>> {
        read_sealed(conn, keyring, MANIFEST, "the store's manifest")
    }

    fn write(&self, conn: &Connection, keyring: &Keyring) -> Result<()> {
        write_sealed(conn, keyring, MANIFEST, self)
    }

    /// The manifest of the rows `conn` holds now.
    fn of_rows(conn: &Connection, keyring: &Keyring) -> Result<Manifest> {
        let mut manifest = Manifest::default();
        for table in TABLES {
            let sql = format!("SELECT {} FROM {}", table.key_column(), table.name());
            let mut stmt = conn.prepare(&sql).map_err(db)?;
            let keys = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
            for key in keys {
                let key = key.map_err(db)?;
                if !(table == Table::Settings && key == MANIFEST) {
                    manifest.digest(table).toggle(keyring, table, &key, true);
                }
            }
        }
        Ok(manifest)
    }

    /// Checks that the rows of `conn` are exactly those the sealed manifest names; says which table
    /// differs otherwise. The chain head must be among them.
    fn check(conn: &Connection, keyring: &Keyring) -> Result<()> {
        let Some(sealed) = Manifest::read(conn, keyring)? else {
            return Err(Error::Corrupt("the store's sealed manifest is missing (rows deleted?)".into()));
        };
        let present = Manifest::of_rows(conn, keyring)?;
        for ((table, want), have) in TABLES.iter().zip(&sealed.tables).zip(&present.tables) {
            if want != have {
                return Err(Error::Corrupt(
                    format!(
                        "the {} table holds {} rows where the sealed manifest names {} (rows deleted, added or renamed)",
                        table.name(),
                        have.rows,
                        want.rows
                    )
                    .into(),
                ));
            }
        }
        let head: Option<i64> = conn
            .query_row("SELECT 1 FROM settings WHERE key = ?1", [AUDIT_HEAD], |r| r.get(0))
            .optional()
            .map_err(db)?;
        if head.is_none() {
            return Err(Error::Corrupt("the audit chain's sealed head is missing".into()));
        }
        Ok(())
    }
}

/// Whether `table` has a row `key` (inside the writing transaction).
fn exists(conn: &Connection, table: Table, key: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} WHERE {} = ?1", table.name(), table.key_column());
    conn.query_row(&sql, [key], |_| Ok(())).optional().map(|r| r.is_some()).map_err(db)
}

/// Writes what a new store starts with: the chain's head before its first record, and the manifest
/// naming it.
fn initialize(conn: &Connection, keyring: &Keyring) -> Result<()> {
    write_head(conn, keyring, &ChainHead::default())?;
    let mut manifest = Manifest::default();
    manifest.digest(Table::Settings).toggle(keyring, Table::Settings, AUDIT_HEAD, true);
    manifest.write(conn, keyring)
}

/// A table of sealed records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// Tier definitions, keyed by name.
    Tiers,
    /// User profiles (tier, IP allow-list), keyed by user id.
    Users,
    /// Credentials, keyed by user id.
    Credentials,
    /// Account facts, keyed by user id.
    Facts,
    /// A user's rule overrides, keyed by user id.
    Overrides,
    /// Eligibility bypasses, keyed by user id.
    Bypasses,
    /// Engine-wide settings (the rule set, the tier rules), keyed by name.
    Settings,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Tiers => "tiers",
            Table::Users => "users",
            Table::Credentials => "credentials",
            Table::Facts => "facts",
            Table::Overrides => "overrides",
            Table::Bypasses => "bypasses",
            Table::Settings => "settings",
        }
    }

    fn key_column(self) -> &'static str {
        match self {
            Table::Tiers => "name",
            Table::Users => "id",
            Table::Credentials | Table::Facts | Table::Overrides | Table::Bypasses => "user_id",
            Table::Settings => "key",
        }
    }

    /// The associated data that binds a sealed record to where it is stored.
    pub fn aad(self, key: &str, extra: &str) -> Vec<u8> {
        format!("fixprov/v1/{}/{}/{}", self.name(), key, extra).into_bytes()
    }
}

/// One write of a transaction.
#[derive(Debug)]
pub enum Write<'a> {
    /// Insert or replace a tier or user record.
    Put {
        /// Which table.
        table: Table,
        /// The record's key.
        key: &'a str,
        /// The plaintext to seal.
        value: &'a [u8],
    },
    /// Delete a record (no error when absent).
    Delete {
        /// Which table.
        table: Table,
        /// The record's key.
        key: &'a str,
    },
    /// Insert or replace a credential, whose SenderCompID must stay unique.
    PutCredential {
        /// The user it belongs to.
        user_id: &'a str,
        /// Its SenderCompID.
        sender_comp_id: &'a str,
        /// The plaintext to seal.
        value: &'a [u8],
    },
}

/// A record read back at open.
#[derive(Debug)]
pub struct Row {
    /// Its key.
    pub key: String,
    /// For credentials, the SenderCompID; empty otherwise.
    pub sender_comp_id: String,
    /// The opened plaintext.
    pub value: zeroize::Zeroizing<Vec<u8>>,
}

/// How to open or create a store.
#[derive(Clone, Copy, Debug)]
pub struct KdfSettings {
    /// PBKDF2 iterations for a new store or a master password change.
    pub iterations: u32,
}

/// The store. May be used from several threads at once; writes are serialized.
pub struct Store {
    conn: Mutex<Connection>,
    /// `None` for an in-memory store (an engine without a data directory).
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

fn db(e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(code, _) if code.code == rusqlite::ErrorCode::DatabaseCorrupt => {
            Error::Corrupt("the database file is corrupt".into())
        }
        rusqlite::Error::SqliteFailure(code, _) if code.code == rusqlite::ErrorCode::NotADatabase => {
            Error::Corrupt("the file is not a fixprov database".into())
        }
        other => Error::Storage(other.to_string().into()),
    }
}

impl Store {
    /// An in-memory store (lost at close) sealed under a random data key: engines without a data
    /// directory use the same code, transactions and audit chain as those with one.
    pub fn open_in_memory() -> Result<(Store, Keyring)> {
        let mut conn = Connection::open_in_memory().map_err(db)?;
        migrate(&mut conn)?;
        let keyring = Keyring::new(DataKey::generate());
        initialize(&conn, &keyring)?;
        Ok((Store { conn: Mutex::new(conn), path: None }, keyring))
    }

    /// Opens (creating if needed) the store in `dir`, and the keyring it is sealed with.
    pub fn open(dir: &Path, master_password: &[u8], kdf: KdfSettings) -> Result<(Store, Keyring)> {
        if master_password.is_empty() {
            return Err(Error::invalid("the master password is empty"));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Storage(format!("cannot create {}: {e}", dir.display()).into()))?;
        let path = dir.join(DB_FILE);
        // A wrong master password must change nothing: the key is unwrapped from a read-only,
        // lock-free view of the file before anything opens it for writing (which would create the
        // WAL files, migrate, or write key material).
        let probed = probe(&path, master_password)?;
        let mut conn = Connection::open(&path).map_err(db)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )
        .map_err(db)?;
        let integrity: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(db)?;
        if integrity != "ok" {
            return Err(Error::Corrupt(format!("SQLite quick_check: {integrity}").into()));
        }
        let before: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
        migrate(&mut conn)?;
        let (keyring, created) = unlock(&mut conn, master_password, kdf, probed)?;
        if !created && before < MANIFEST_SCHEMA && Manifest::read(&conn, &keyring)?.is_none() {
            // A store from before the manifest: it gets one for the rows it has now.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let has_head = exists(&tx, Table::Settings, AUDIT_HEAD)?;
            if !has_head {
                write_head(&tx, &keyring, &last_record_head(&tx)?)?;
            }
            Manifest::of_rows(&tx, &keyring)?.write(&tx, &keyring)?;
            tx.commit().map_err(db)?;
        }
        Manifest::check(&conn, &keyring)?;
        Ok((Store { conn: Mutex::new(conn), path: Some(path) }, keyring))
    }

    /// Where the database file is; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every record of `table`, opened; a record that fails authentication fails the whole load.
    pub fn load(&self, keyring: &Keyring, table: Table) -> Result<Vec<Row>> {
        let conn = self.lock();
        let sql = match table {
            Table::Credentials => {
                "SELECT user_id, sender_comp_id, sealed FROM credentials ORDER BY user_id".to_owned()
            }
            _ => format!("SELECT {}, '', sealed FROM {} ORDER BY 1", table.key_column(), table.name()),
        };
        let mut stmt = conn.prepare(&sql).map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, sender, sealed) = row.map_err(db)?;
            let value = keyring.open(&table.aad(&key, &sender), &sealed).map_err(|e| {
                Error::Corrupt(format!("{} record '{}' failed authentication: {e}", table.name(), key).into())
            })?;
            out.push(Row { key, sender_comp_id: sender, value });
        }
        Ok(out)
    }

    /// Applies `writes` and appends `event` to the audit chain in one transaction; returns after it
    /// committed. If the audit record cannot be written, nothing is.
    pub fn apply(&self, keyring: &Keyring, event: &AuditEvent, writes: &[Write<'_>]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        append_audit(&tx, keyring, event)?;
        let mut manifest = Manifest::read(&tx, keyring)?
            .ok_or_else(|| Error::Corrupt("the store's sealed manifest is missing (rows deleted?)".into()))?;
        let before = manifest.clone();
        for write in writes {
            let (table, key, added) = match write {
                Write::Put { table, key, .. } => (*table, *key, true),
                Write::Delete { table, key } => (*table, *key, false),
                Write::PutCredential { user_id, .. } => (Table::Credentials, *user_id, true),
            };
            if table == Table::Settings && [MANIFEST, AUDIT_HEAD, AUDIT_BASE].contains(&key) {
                return Err(Error::Internal("the manifest and the chain head are the store's own".into()));
            }
            if exists(&tx, table, key)? != added {
                manifest.digest(table).toggle(keyring, table, key, added);
            }
            match write {
                Write::Put { table, key, value } => {
                    let sealed = keyring.seal(&table.aad(key, ""), value);
                    let sql = format!(
                        "INSERT INTO {} ({}, sealed) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET sealed = excluded.sealed",
                        table.name(),
                        table.key_column()
                    );
                    tx.execute(&sql, params![key, sealed]).map_err(db)?;
                }
                Write::Delete { table, key } => {
                    let sql = format!("DELETE FROM {} WHERE {} = ?1", table.name(), table.key_column());
                    tx.execute(&sql, params![key]).map_err(db)?;
                }
                Write::PutCredential { user_id, sender_comp_id, value } => {
                    let sealed = keyring.seal(&Table::Credentials.aad(user_id, sender_comp_id), value);
                    tx.execute(
                        "INSERT INTO credentials (user_id, sender_comp_id, sealed) VALUES (?1, ?2, ?3)
                         ON CONFLICT (user_id) DO UPDATE SET sender_comp_id = excluded.sender_comp_id,
                         sealed = excluded.sealed",
                        params![user_id, sender_comp_id, sealed],
                    )
                    .map_err(db)?;
                }
            }
        }
        if manifest != before {
            manifest.write(&tx, keyring)?;
        }
        tx.commit().map_err(db)
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
        let wrapped = keyring.data_key().wrap(&kek);
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        put_meta(&tx, "kdf", &params.to_bytes())?;
        put_meta(&tx, "wrapped_data_key", &wrapped)?;
        append_audit(&tx, keyring, event)?;
        tx.commit().map_err(db)
    }
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn audit_mac(keyring: &Keyring, seq: u64, prev: &[u8; 32], record: &[u8]) -> [u8; 32] {
    keyring.audit_mac(&[&seq.to_le_bytes(), prev, record])
}

/// Where the chain starts: after the records retention cut (their last one's sequence and MAC), or
/// at the beginning.
fn base(tx: &Connection, keyring: &Keyring) -> Result<ChainHead> {
    Ok(read_sealed(tx, keyring, AUDIT_BASE, "the audit chain's base")?.unwrap_or_default())
}

fn head(tx: &Connection, keyring: &Keyring) -> Result<ChainHead> {
    read_sealed(tx, keyring, AUDIT_HEAD, "the audit chain head")?
        .ok_or_else(|| Error::Corrupt("the audit chain's sealed head is missing".into()))
}

fn write_head(tx: &Connection, keyring: &Keyring, head: &ChainHead) -> Result<()> {
    write_sealed(tx, keyring, AUDIT_HEAD, head)
}

/// The store's own sealed row `key` of `settings` (the manifest, the chain's head or base), opened
/// and parsed; `None` when absent. `what` names it in errors.
fn read_sealed<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    keyring: &Keyring,
    key: &str,
    what: &str,
) -> Result<Option<T>> {
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT sealed FROM settings WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(db)?;
    let Some(sealed) = sealed else { return Ok(None) };
    let plain = keyring
        .open(&Table::Settings.aad(key, ""), &sealed)
        .map_err(|e| Error::Corrupt(format!("{what} failed authentication: {e}").into()))?;
    serde_json::from_slice(&plain).map(Some).map_err(|e| Error::Corrupt(format!("{what}: {e}").into()))
}

/// Seals `value` as the store's own row `key` of `settings`, replacing it.
fn write_sealed<T: serde::Serialize>(
    conn: &Connection,
    keyring: &Keyring,
    key: &str,
    value: &T,
) -> Result<()> {
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).expect("the store's own rows serialize"));
    let sealed = keyring.seal(&Table::Settings.aad(key, ""), &plain);
    conn.execute(
        "INSERT INTO settings (key, sealed) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET sealed = excluded.sealed",
        params![key, sealed],
    )
    .map(drop)
    .map_err(db)
}

/// The head naming the last record in the table (a schema-3 store's upgrade, when it has no head).
fn last_record_head(tx: &Connection) -> Result<ChainHead> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db)?;
    Ok(last.map_or(ChainHead::default(), |(seq, mac)| ChainHead {
        seq: seq as u64,
        mac: mac.try_into().unwrap_or([0; 32]),
    }))
}

fn append_audit(tx: &Connection, keyring: &Keyring, event: &AuditEvent) -> Result<()> {
    let last = head(tx, keyring)?;
    let record = AuditRecord::new(last.seq + 1, unix_ms(), event);
    let bytes = record.canonical();
    let mac = audit_mac(keyring, record.seq, &last.mac, &bytes);
    tx.execute(
        "INSERT INTO audit (seq, at_unix_ms, event, subject, record, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            record.seq as i64,
            record.at_unix_ms as i64,
            record.event,
            record.subject,
            std::str::from_utf8(&bytes).expect("JSON is UTF-8"),
            mac
        ],
    )
    .map_err(db)?;
    write_head(tx, keyring, &ChainHead { seq: record.seq, mac })
}

impl Store {
    /// Appends `events` to the audit chain in one transaction (records without a change of their
    /// own: logons, session events, violations).
    pub fn append_audit(&self, keyring: &Keyring, events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        for event in events {
            append_audit(&tx, keyring, event)?;
        }
        tx.commit().map_err(db)
    }

    /// The chain's sealed head.
    pub fn audit_head(&self, keyring: &Keyring) -> Result<ChainHead> {
        let reader = self.reader()?;
        head(&reader, keyring)
    }

    /// A connection to read from: for a file, a read-only connection of its own, so a long read
    /// (verify, export) sees one snapshot and never holds the writers' lock; in memory, the one
    /// connection, locked.
    fn reader(&self) -> Result<Reader<'_>> {
        match &self.path {
            Some(path) => {
                let flags =
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = Connection::open_with_flags(path, flags).map_err(db)?;
                conn.execute_batch("PRAGMA busy_timeout = 5000;").map_err(db)?;
                Ok(Reader::Own(conn))
            }
            None => Ok(Reader::Shared(self.lock())),
        }
    }

    /// Walks the whole audit chain and reports every break: an edited record (its MAC), a deleted
    /// one (a gap), records out of order, columns that disagree with their record, or records cut
    /// off the end (the sealed head). With `expected`, also that the chain reaches that head with
    /// the same MAC there (an older copy of the store, or a chain rewritten after it, fails).
    ///
    /// Reads one snapshot on a connection of its own: writers (revocations, the housekeeper's audit
    /// batches) go on meanwhile.
    pub fn audit_verify(&self, keyring: &Keyring, expected: Option<ChainHead>) -> Result<AuditVerification> {
        let mut reader = self.reader()?;
        // One read transaction: the records and the head come from the same snapshot.
        let tx = reader.transaction()?;
        let mut report = AuditVerification::default();
        let mut stmt = tx
            .prepare("SELECT seq, at_unix_ms, event, subject, record, mac FROM audit ORDER BY rowid")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?.into_bytes(),
                    r.get::<_, Vec<u8>>(5)?,
                ))
            })
            .map_err(db)?;
        // A chain cut by retention resumes after its sealed base; the cut itself is a record.
        let start = base(&tx, keyring)?;
        let (mut expected_seq, mut prev) = (start.seq + 1, start.mac);
        let mut anchor_found = false;
        if let Some(e) = expected.filter(|e| e.seq <= start.seq) {
            // At the base the MAC is known; before it the records are gone, and only the order of
            // the two heads can be checked.
            anchor_found = true;
            if e.seq == start.seq && e.mac != start.mac {
                report.problems.push(format!(
                    "record {}: its MAC differs from the expected head's (the chain was rewritten or replaced)",
                    e.seq
                ));
            }
        }
        for row in rows {
            let (seq, at, event, subject, record, mac) = row.map_err(db)?;
            let seq = seq as u64;
            report.records += 1;
            if seq != expected_seq {
                report
                    .problems
                    .push(format!("record {expected_seq}: missing or out of order (found {seq} there)"));
            }
            if audit_mac(keyring, seq, &prev, &record)[..] != mac[..] {
                report.problems.push(format!(
                    "record {seq}: its MAC does not match (edited, or its predecessor changed)"
                ));
            }
            match serde_json::from_slice::<AuditRecord>(&record) {
                Ok(r)
                    if r.seq == seq
                        && r.at_unix_ms == at as u64
                        && r.event == event
                        && r.subject == subject => {}
                _ => report.problems.push(format!("record {seq}: its columns disagree with the record")),
            }
            prev = mac.try_into().unwrap_or([0; 32]);
            if let Some(e) = expected.filter(|e| e.seq == seq) {
                anchor_found = true;
                if e.mac != prev {
                    report.problems.push(format!(
                        "record {seq}: its MAC differs from the expected head's (the chain was rewritten or replaced)"
                    ));
                }
            }
            expected_seq = seq + 1;
        }
        // The chain is walked by rowid; queries and the export go through the audit indexes, which
        // the chain does not cover: a damaged index would change their answers unseen.
        drop(stmt);
        let mut check = tx.prepare("PRAGMA integrity_check(audit)").map_err(db)?;
        let findings = check.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
        for finding in findings {
            match finding {
                Ok(text) if text == "ok" => {}
                Ok(text) => report.problems.push(format!("the audit table's indexes: {text}")),
                Err(e) => report.problems.push(format!("the audit table's indexes: {e}")),
            }
        }
        drop(check);
        match head(&tx, keyring) {
            Ok(head) if head.seq == expected_seq - 1 && head.mac == prev => {}
            Ok(head) => report.problems.push(format!(
                "the chain ends at record {} but its sealed head names record {} (records cut off the end?)",
                expected_seq - 1,
                head.seq
            )),
            Err(Error::Corrupt(why)) => report.problems.push(why.to_string()),
            Err(other) => return Err(other),
        }
        if let Some(e) = expected.filter(|_| !anchor_found) {
            report.problems.push(format!(
                "the chain ends at record {} before the expected head, record {} (the store was rolled back to an older copy?)",
                expected_seq - 1,
                e.seq
            ));
        }
        report.ok = report.problems.is_empty();
        Ok(report)
    }

    /// Cuts the oldest audit records: those older than `max_age_ms` before `now_ms` and those
    /// beyond the newest `max_records`, whichever cuts more. The chain stays verifiable: the last
    /// cut record's sequence and MAC are kept sealed as the chain's base, and `event` (told what was
    /// cut) is appended, all in one transaction. Returns how many records were cut.
    pub fn audit_retain(
        &self,
        keyring: &Keyring,
        max_age_ms: Option<u64>,
        max_records: Option<u64>,
        now_ms: u64,
        event: impl FnOnce(u64, u64) -> AuditEvent,
    ) -> Result<u64> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let (start, last) = (base(&tx, keyring)?, head(&tx, keyring)?);
        let mut cut = start.seq;
        if let Some(keep) = max_records {
            cut = cut.max(last.seq.saturating_sub(keep));
        }
        if let Some(age) = max_age_ms {
            let before = now_ms.saturating_sub(age).min(i64::MAX as u64) as i64;
            let old: Option<i64> = tx
                .query_row("SELECT max(seq) FROM audit WHERE at_unix_ms < ?1", [before], |r| r.get(0))
                .map_err(db)?;
            cut = cut.max(old.unwrap_or(0) as u64);
        }
        if cut <= start.seq {
            return Ok(0);
        }
        let mac: Option<Vec<u8>> = tx
            .query_row("SELECT mac FROM audit WHERE seq = ?1", [cut as i64], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let mac: [u8; 32] = mac
            .and_then(|m| m.try_into().ok())
            .ok_or_else(|| Error::Corrupt(format!("audit record {cut} is missing").into()))?;
        let removed = tx.execute("DELETE FROM audit WHERE seq <= ?1", [cut as i64]).map_err(db)? as u64;
        if !exists(&tx, Table::Settings, AUDIT_BASE)? {
            let mut manifest = Manifest::read(&tx, keyring)?.ok_or_else(|| {
                Error::Corrupt("the store's sealed manifest is missing (rows deleted?)".into())
            })?;
            manifest.digest(Table::Settings).toggle(keyring, Table::Settings, AUDIT_BASE, true);
            manifest.write(&tx, keyring)?;
        }
        write_sealed(&tx, keyring, AUDIT_BASE, &ChainHead { seq: cut, mac })?;
        append_audit(&tx, keyring, &event(cut, removed))?;
        tx.commit().map_err(db)?;
        Ok(removed)
    }

    /// Records matching `query`, in sequence order.
    pub fn audit_query(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let limit = query.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT record FROM audit WHERE seq > ?1 AND at_unix_ms >= ?2 AND at_unix_ms < ?3
                 AND (?4 IS NULL OR subject = ?4) AND (?5 IS NULL OR substr(event, 1, length(?5)) = ?5)
                 ORDER BY seq LIMIT ?6",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(
                params![
                    query.after_seq.unwrap_or(0).min(i64::MAX as u64) as i64,
                    query.from_unix_ms.unwrap_or(0).min(i64::MAX as u64) as i64,
                    query.to_unix_ms.map_or(i64::MAX, |t| t.min(i64::MAX as u64) as i64),
                    query.subject,
                    query.event_prefix,
                    limit as i64,
                ],
                |r| r.get::<_, String>(0),
            )
            .map_err(db)?;
        let records: Vec<AuditRecord> = rows
            .map(|row| {
                let text = row.map_err(db)?;
                serde_json::from_str(&text)
                    .map_err(|e| Error::Corrupt(format!("an audit record: {e}").into()))
            })
            .collect::<Result<_>>()?;
        // The query runs over an index: each answer is checked against the filter and the order, so
        // a damaged index shows as an error, never as a wrong answer (audit_verify finds the rest).
        let mut last = query.after_seq.unwrap_or(0);
        for r in &records {
            let fits = r.seq > last
                && r.at_unix_ms >= query.from_unix_ms.unwrap_or(0)
                && query.to_unix_ms.is_none_or(|t| r.at_unix_ms < t)
                && query.subject.as_ref().is_none_or(|s| *s == r.subject)
                && query.event_prefix.as_ref().is_none_or(|p| r.event.starts_with(p.as_str()));
            if !fits {
                return Err(Error::Corrupt(
                    format!("the audit index answered record {} out of place (damaged index?)", r.seq).into(),
                ));
            }
            last = r.seq;
        }
        Ok(records)
    }
}

/// A connection that reads: a file store's own read-only one, or the in-memory store's, locked.
enum Reader<'a> {
    Own(Connection),
    Shared(std::sync::MutexGuard<'a, Connection>),
}

impl Reader<'_> {
    fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        let conn = match self {
            Reader::Own(conn) => conn,
            Reader::Shared(guard) => &mut **guard,
        };
        conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(db)
    }
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Reader::Own(conn) => conn,
            Reader::Shared(guard) => guard,
        }
    }
}

fn crypto(e: CryptoError) -> Error {
    match e {
        CryptoError::WrongMasterPassword => Error::WrongMasterPassword,
        CryptoError::WeakKdf => Error::invalid(e.to_string()),
        CryptoError::Tampered | CryptoError::Malformed => Error::Corrupt(e.to_string().into()),
    }
}

fn get_meta(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional().map_err(db)
}

fn put_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .map(drop)
    .map_err(db)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
    if version > SCHEMA_VERSION {
        return Err(Error::Storage(
            format!("the store has schema {version}, newer than this build's {SCHEMA_VERSION}").into(),
        ));
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive).map_err(db)?;
        tx.execute_batch(sql).map_err(db)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", from + 1)).map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

/// The key unwrapped from a read-only view of an existing store, with the key material it came
/// from; `None` for a store with no key material yet (new, or being created by another process).
struct Probed {
    kdf: Vec<u8>,
    wrapped: Vec<u8>,
    keyring: Keyring,
}

/// Unwraps the data key of the store at `path` without writing anything: no WAL files, no
/// migration, no lock. Fails with [`Error::WrongMasterPassword`] for a wrong password.
fn probe(path: &Path, master_password: &[u8]) -> Result<Option<Probed>> {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if !path.exists() || wal.exists() {
        // New, or with a log to replay that only a writable open reads: the ordinary path decides.
        return Ok(None);
    }
    // `immutable=1`: read the file as it is, creating nothing beside it.
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
        | rusqlite::OpenFlags::SQLITE_OPEN_URI
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(db)?;
    let has_meta: bool = conn
        .query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n > 0)
        .map_err(db)?;
    if !has_meta {
        return Ok(None);
    }
    let (Some(kdf), Some(wrapped)) = (get_meta(&conn, "kdf")?, get_meta(&conn, "wrapped_data_key")?) else {
        return Ok(None);
    };
    let params = KdfParams::from_bytes(&kdf).map_err(crypto)?;
    let kek = Kek::derive(master_password, &params);
    let keyring = Keyring::new(DataKey::unwrap(&kek, &wrapped).map_err(crypto)?);
    Ok(Some(Probed { kdf, wrapped, keyring }))
}

/// `path` as the path part of an SQLite URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// The store's keyring, and whether this call created its key material.
fn unlock(
    conn: &mut Connection,
    master_password: &[u8],
    kdf: KdfSettings,
    probed: Option<Probed>,
) -> Result<(Keyring, bool)> {
    // The slow key derivation runs outside any transaction, so an open never holds the write lock
    // for the ~70-90 ms PBKDF2 takes.
    if let (Some(params), Some(wrapped)) = (get_meta(conn, "kdf")?, get_meta(conn, "wrapped_data_key")?) {
        if let Some(p) = probed.filter(|p| p.kdf == params && p.wrapped == wrapped) {
            return Ok((p.keyring, false));
        }
        let params = KdfParams::from_bytes(&params).map_err(crypto)?;
        let kek = Kek::derive(master_password, &params);
        return Ok((Keyring::new(DataKey::unwrap(&kek, &wrapped).map_err(crypto)?), false));
    }
    let params = KdfParams::generate(kdf.iterations).map_err(crypto)?;
    let kek = Kek::derive(master_password, &params);
    let dek = DataKey::generate();
    let wrapped = dek.wrap(&kek);
    let keyring = Keyring::new(dek);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
    match (get_meta(&tx, "kdf")?, get_meta(&tx, "wrapped_data_key")?) {
        (None, None) => {
            put_meta(&tx, "kdf", &params.to_bytes())?;
            put_meta(&tx, "wrapped_data_key", &wrapped)?;
            // The key material, the chain head and the manifest appear together or not at all.
            initialize(&tx, &keyring)?;
        }
        // Another process created the key material meanwhile: use that.
        (Some(_), Some(_)) => {
            drop(tx);
            return unlock(conn, master_password, kdf, None);
        }
        _ => return Err(Error::Corrupt("the store's key material is incomplete".into())),
    }
    tx.commit().map_err(db)?;
    Ok((keyring, true))
}

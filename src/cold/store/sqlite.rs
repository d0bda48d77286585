//! The SQLite backend: one file (bundled SQLite, WAL, `synchronous=FULL`) in the engine's data
//! directory, or one connection in memory.
//!
//! Writes go through one connection under a mutex, each in an `IMMEDIATE` transaction (so writers
//! from other processes wait for the file's write lock, up to the busy timeout). Reads of a file go
//! through read-only connections of their own, kept for reuse, each read in one transaction: a long
//! verification reads one snapshot and never holds the writers' mutex. In memory there is one
//! connection, and a read holds its mutex.
//!
//! With WAL and `synchronous=FULL` a commit survives a crash of the process or the machine, and an
//! uncommitted one leaves nothing behind.

use super::backend::{
    not_prepared, AuditFilter, AuditRow, Backend, KeyMaterial, Prepared, ReadTx, StoredRow, WriteTx,
};
use super::Table;
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The schema this build writes; older stores are migrated by [`Backend::prepare`].
pub const SCHEMA_VERSION: i64 = 4;

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
    // 3 -> 4: no new table; from here on a store must hold its sealed manifest (see the store's
    // module doc), written at the first open of a schema-3 store.
    "UPDATE meta SET value = value WHERE 0;",
];

/// The schema from which a store must hold its sealed manifest.
const MANIFEST_SCHEMA: i64 = 4;

/// A store kept by SQLite. May be used from several threads at once; writes are serialized.
pub struct SqliteBackend {
    // Fields drop in this order: the read-only connections close before the writer, so the writer
    // is the file's last connection and checkpoints and removes the WAL (a closed store is one
    // file).
    /// Read-only connections of a file store, idle between reads.
    readers: Mutex<Vec<Connection>>,
    /// The connection that writes: opened by `prepare` for a file, at construction in memory.
    writer: Mutex<Option<Connection>>,
    /// Set once `prepare` succeeded, so a read checks it without waiting for a running write.
    prepared: OnceLock<()>,
    /// `None` in memory.
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A SQLite error as the store reports it.
pub(crate) fn db(e: rusqlite::Error) -> Error {
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

impl SqliteBackend {
    /// The store in the database file `path`; nothing is opened or created until
    /// [`Backend::prepare`].
    pub fn file(path: &Path) -> SqliteBackend {
        SqliteBackend {
            readers: Mutex::default(),
            writer: Mutex::new(None),
            prepared: OnceLock::new(),
            path: Some(path.to_owned()),
        }
    }

    /// A store in memory, lost when dropped.
    pub fn in_memory() -> Result<SqliteBackend> {
        let conn = Connection::open_in_memory().map_err(db)?;
        Ok(SqliteBackend {
            readers: Mutex::default(),
            writer: Mutex::new(Some(conn)),
            prepared: OnceLock::new(),
            path: None,
        })
    }

    /// The database file; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn writer(&self) -> MutexGuard<'_, Option<Connection>> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle read-only connection to the file, or a new one.
    fn reader(&self, path: &Path) -> Result<Connection> {
        if let Some(conn) = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000;").map_err(db)?;
        Ok(conn)
    }
}

impl Backend for SqliteBackend {
    /// Reads the file as it is (`immutable=1`): no WAL or shared-memory file, no lock, no
    /// migration. A file with a WAL to replay (only a writable open reads it), or with no or half
    /// the key material, answers `None`.
    fn peek_key_material(&self) -> Result<Option<KeyMaterial>> {
        let Some(path) = &self.path else { return Ok(None) };
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        if !path.exists() || wal.exists() {
            return Ok(None);
        }
        let uri = format!("file:{}?immutable=1", uri_path(path));
        let flags =
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
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
        match (get_meta(&conn, "kdf")?, get_meta(&conn, "wrapped_data_key")?) {
            (Some(kdf), Some(wrapped_data_key)) => Ok(Some(KeyMaterial { kdf, wrapped_data_key })),
            _ => Ok(None),
        }
    }

    /// Opens the file for writing (WAL, `synchronous=FULL`), runs `PRAGMA quick_check`, and
    /// migrates the schema to [`SCHEMA_VERSION`]; in memory, creates the schema.
    fn prepare(&self) -> Result<Prepared> {
        let mut writer = self.writer();
        if let Some(path) = &self.path {
            let conn = Connection::open(path).map_err(db)?;
            conn.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;",
            )
            .map_err(db)?;
            let integrity: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(db)?;
            if integrity != "ok" {
                return Err(Error::Corrupt(format!("SQLite quick_check: {integrity}").into()));
            }
            *writer = Some(conn);
        }
        let conn = writer.as_mut().ok_or_else(not_prepared)?;
        let before: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
        migrate(conn)?;
        let _ = self.prepared.set(());
        Ok(Prepared { may_lack_manifest: before < MANIFEST_SCHEMA })
    }

    fn write(&self, work: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        if self.prepared.get().is_none() {
            return Err(not_prepared());
        }
        let mut writer = self.writer();
        let conn = writer.as_mut().ok_or_else(not_prepared)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        work(&mut Tx(&tx))?;
        tx.commit().map_err(db)
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        if self.prepared.get().is_none() {
            return Err(not_prepared());
        }
        let Some(path) = &self.path else {
            let mut writer = self.writer();
            let conn = writer.as_mut().ok_or_else(not_prepared)?;
            return read_in(conn, work);
        };
        let mut conn = self.reader(path)?;
        let result = read_in(&mut conn, work);
        self.readers.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        result
    }
}

/// Runs `work` in one read transaction on `conn` (a snapshot from its first read to its end).
fn read_in(conn: &mut Connection, work: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(db)?;
    work(&mut Tx(&tx))?;
    tx.finish().map_err(db)
}

/// The reads and writes of one transaction.
struct Tx<'a>(&'a Connection);

/// The column that keys `table`.
fn key_column(table: Table) -> &'static str {
    match table {
        Table::Tiers => "name",
        Table::Users => "id",
        Table::Credentials | Table::Facts | Table::Overrides | Table::Bypasses => "user_id",
        Table::Settings => "key",
    }
}

/// `SELECT key, sender_comp_id, sealed FROM table`, followed by `tail`.
fn select_rows(table: Table, tail: &str) -> String {
    let sender = if table == Table::Credentials { "sender_comp_id" } else { "''" };
    format!("SELECT {key}, {sender}, sealed FROM {} {tail}", table.name(), key = key_column(table))
}

fn stored_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRow> {
    Ok(StoredRow { key: r.get(0)?, sender_comp_id: r.get(1)?, sealed: r.get(2)? })
}

const AUDIT_COLUMNS: &str = "seq, at_unix_ms, event, subject, record, mac";

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get::<_, i64>(0)? as u64,
        at_unix_ms: r.get::<_, i64>(1)? as u64,
        event: r.get(2)?,
        subject: r.get(3)?,
        record: r.get(4)?,
        mac: r.get(5)?,
    })
}

/// `x` as an SQLite integer, saturating.
fn int(x: u64) -> i64 {
    x.min(i64::MAX as u64) as i64
}

impl ReadTx for Tx<'_> {
    fn key_material(&mut self) -> Result<Option<KeyMaterial>> {
        match (get_meta(self.0, "kdf")?, get_meta(self.0, "wrapped_data_key")?) {
            (Some(kdf), Some(wrapped_data_key)) => Ok(Some(KeyMaterial { kdf, wrapped_data_key })),
            (None, None) => Ok(None),
            _ => Err(Error::Corrupt("the store's key material is incomplete".into())),
        }
    }

    fn rows(&mut self, table: Table) -> Result<Vec<StoredRow>> {
        let mut stmt = self.0.prepare_cached(&select_rows(table, "ORDER BY 1")).map_err(db)?;
        let rows = stmt.query_map([], stored_row).map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn row(&mut self, table: Table, key: &str) -> Result<Option<StoredRow>> {
        let sql = select_rows(table, &format!("WHERE {} = ?1", key_column(table)));
        let mut stmt = self.0.prepare_cached(&sql).map_err(db)?;
        stmt.query_row([key], stored_row).optional().map_err(db)
    }

    fn keys(&mut self, table: Table) -> Result<Vec<String>> {
        let sql = format!("SELECT {} FROM {} ORDER BY 1", key_column(table), table.name());
        let mut stmt = self.0.prepare_cached(&sql).map_err(db)?;
        let keys = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
        keys.map(|k| k.map_err(db)).collect()
    }

    fn contains(&mut self, table: Table, key: &str) -> Result<bool> {
        let sql = format!("SELECT 1 FROM {} WHERE {} = ?1", table.name(), key_column(table));
        let mut stmt = self.0.prepare_cached(&sql).map_err(db)?;
        stmt.query_row([key], |_| Ok(())).optional().map(|r| r.is_some()).map_err(db)
    }

    fn audit_scan(&mut self, visit: &mut dyn FnMut(AuditRow) -> Result<()>) -> Result<()> {
        // By rowid (which `seq` is): the table itself, never an index.
        let mut stmt =
            self.0.prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY rowid")).map_err(db)?;
        for row in stmt.query_map([], audit_row).map_err(db)? {
            visit(row.map_err(db)?)?;
        }
        Ok(())
    }

    fn audit_find(&mut self, filter: &AuditFilter<'_>) -> Result<Vec<String>> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT record FROM audit WHERE seq > ?1 AND at_unix_ms >= ?2 AND at_unix_ms < ?3
                 AND (?4 IS NULL OR subject = ?4) AND (?5 IS NULL OR substr(event, 1, length(?5)) = ?5)
                 ORDER BY seq LIMIT ?6",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(
                params![
                    int(filter.after_seq),
                    int(filter.from_unix_ms),
                    int(filter.to_unix_ms),
                    filter.subject,
                    filter.event_prefix,
                    int(filter.limit as u64),
                ],
                |r| r.get::<_, String>(0),
            )
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn audit_last(
        &mut self,
        through_seq: u64,
        before_unix_ms: Option<u64>,
    ) -> Result<Option<(u64, Vec<u8>)>> {
        let link = |r: &rusqlite::Row<'_>| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?));
        let result = match before_unix_ms {
            None => self.0.query_row(
                "SELECT seq, mac FROM audit WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
                [int(through_seq)],
                link,
            ),
            // max() over the time index reads only the old rows, never every younger one.
            Some(before) => self.0.query_row(
                "SELECT seq, mac FROM audit
                 WHERE seq = (SELECT max(seq) FROM audit WHERE at_unix_ms < ?1 AND seq <= ?2)",
                [int(before), int(through_seq)],
                link,
            ),
        };
        result.optional().map_err(db)
    }

    fn audit_index_problems(&mut self) -> Result<Vec<String>> {
        let mut check = self.0.prepare("PRAGMA integrity_check(audit)").map_err(db)?;
        let findings = check.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
        Ok(findings
            .filter_map(|finding| match finding {
                Ok(text) if text == "ok" => None,
                Ok(text) => Some(text),
                Err(e) => Some(e.to_string()),
            })
            .collect())
    }
}

impl WriteTx for Tx<'_> {
    fn put_key_material(&mut self, material: &KeyMaterial) -> Result<()> {
        put_meta(self.0, "kdf", &material.kdf)?;
        put_meta(self.0, "wrapped_data_key", &material.wrapped_data_key)
    }

    fn put(&mut self, table: Table, row: &StoredRow) -> Result<()> {
        if table == Table::Credentials {
            let mut stmt = self
                .0
                .prepare_cached(
                    "INSERT INTO credentials (user_id, sender_comp_id, sealed) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id) DO UPDATE SET sender_comp_id = excluded.sender_comp_id,
                     sealed = excluded.sealed",
                )
                .map_err(db)?;
            stmt.execute(params![row.key, row.sender_comp_id, row.sealed]).map_err(db)?;
        } else {
            let sql = format!(
                "INSERT INTO {} ({}, sealed) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET sealed = excluded.sealed",
                table.name(),
                key_column(table)
            );
            let mut stmt = self.0.prepare_cached(&sql).map_err(db)?;
            stmt.execute(params![row.key, row.sealed]).map_err(db)?;
        }
        Ok(())
    }

    fn delete(&mut self, table: Table, key: &str) -> Result<()> {
        let sql = format!("DELETE FROM {} WHERE {} = ?1", table.name(), key_column(table));
        let mut stmt = self.0.prepare_cached(&sql).map_err(db)?;
        stmt.execute([key]).map(drop).map_err(db)
    }

    fn append_audit(&mut self, row: &AuditRow) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached(&format!("INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"))
            .map_err(db)?;
        stmt.execute(params![int(row.seq), int(row.at_unix_ms), row.event, row.subject, row.record, row.mac])
            .map(drop)
            .map_err(db)
    }

    fn cut_audit(&mut self, through_seq: u64) -> Result<u64> {
        let removed = self.0.execute("DELETE FROM audit WHERE seq <= ?1", [int(through_seq)]).map_err(db)?;
        Ok(removed as u64)
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

//! The PostgreSQL backend: one database that several gateways (engines in several processes, on
//! several hosts) share, reached through a small connection pool.
//!
//! Why these crates: `postgres` is the synchronous face of `tokio-postgres`, the client most Rust
//! services use, kept by the same maintainer for a decade; the store's calls are blocking and
//! short, so a synchronous client needs no runtime of ours. `r2d2_postgres` is its pool, from the
//! same maintainer: a checked-out connection is tested before use, so a database that restarted
//! costs one failed call per dead connection, never a stuck one.
//!
//! # Tables
//! Everything lives in the schema `fixprov` of the database the URL names: `meta` (key material,
//! the schema version), `rows` (every sealed table, keyed by table name and key; a partial unique
//! index keeps SenderCompIDs unique among credentials), `audit` (the chain's records with their
//! clear columns). Keys are `COLLATE "C"`, so they sort byte-wise as the contract asks.
//!
//! # Transactions
//! A write is a `READ COMMITTED` transaction that first takes one transaction-level advisory lock
//! (`pg_advisory_xact_lock`): writers from every gateway then run one at a time, and each reads the
//! latest committed state (no writer can commit while it holds the lock), which is what the chain
//! and the manifest need. The lock goes with the transaction, at commit, rollback, or when the
//! connection dies. A commit returns after PostgreSQL flushed its WAL (`synchronous_commit` as the
//! server has it; `on` by default). A read is a `REPEATABLE READ READ ONLY` transaction: one
//! snapshot, taken at its first statement, and writers never wait for it.
//!
//! # What the database sees
//! Exactly what SQLite's file holds: table names, keys, SenderCompIDs, the audit records' clear
//! columns and sealed bytes. The URL may carry the database user's password: it is kept out of
//! every Debug output and error message.

use super::backend::{
    not_prepared, AuditFilter, AuditRow, Backend, KeyMaterial, Lease, LeaseInfo, Prepared, ReadTx, StoredRow,
    WriteTx,
};
use super::Table;
use crate::error::{Error, Result};
use postgres::fallible_iterator::FallibleIterator;
use postgres::{IsolationLevel, NoTls, Transaction};
use r2d2_postgres::{r2d2, PostgresConnectionManager};
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The channel every write transaction notifies at commit (`NOTIFY fixprov_changes`): a fleet's
/// gateways listen on it and read the audit records after the last one they applied.
pub const CHANGES_CHANNEL: &str = "fixprov_changes";

/// The schema version this build writes: one per migration.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock every write transaction takes ("fixprov" and 1).
const WRITE_LOCK: i64 = 0x6669_7870_726f_7601;
/// The advisory lock `prepare` holds while it creates or upgrades the schema.
const SCHEMA_LOCK: i64 = 0x6669_7870_726f_7602;
/// The first key of the per-user advisory locks that serialize lease takers (the second is the
/// user id's hash: two users sharing one only wait for each other).
const LEASE_LOCKS: i32 = 0x6670_6c73;

/// A lease is live while its gateway's heartbeat is younger than this many seconds ($n).
fn live_gateway(n: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM fixprov.gateways g WHERE g.gateway = l.gateway
         AND g.heartbeat_at > now() - make_interval(secs => ${n}))"
    )
}

const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the key material and the version, every sealed table, the audit log.
    "CREATE SCHEMA IF NOT EXISTS fixprov;
     CREATE TABLE fixprov.meta (key text COLLATE \"C\" PRIMARY KEY, value bytea NOT NULL);
     CREATE TABLE fixprov.rows (
         tbl text COLLATE \"C\" NOT NULL,
         key text COLLATE \"C\" NOT NULL,
         sender_comp_id text COLLATE \"C\" NOT NULL DEFAULT '',
         sealed bytea NOT NULL,
         PRIMARY KEY (tbl, key)
     );
     CREATE UNIQUE INDEX rows_sender_comp_id ON fixprov.rows (sender_comp_id) WHERE tbl = 'credentials';
     CREATE TABLE fixprov.audit (
         seq bigint PRIMARY KEY CHECK (seq > 0),
         at_unix_ms bigint NOT NULL,
         event text COLLATE \"C\" NOT NULL,
         subject text COLLATE \"C\" NOT NULL,
         record text NOT NULL,
         mac bytea NOT NULL
     );
     CREATE INDEX audit_at ON fixprov.audit (at_unix_ms);
     CREATE INDEX audit_subject ON fixprov.audit (subject, seq);",
    // 1 -> 2: fleet mode's gateways (their heartbeats) and session leases.
    "CREATE TABLE fixprov.gateways (
         gateway text COLLATE \"C\" PRIMARY KEY,
         heartbeat_at timestamptz NOT NULL
     );
     CREATE TABLE fixprov.leases (
         gateway text COLLATE \"C\" NOT NULL,
         lease bigint NOT NULL,
         user_id text COLLATE \"C\" NOT NULL,
         session bigint NOT NULL,
         taken_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (gateway, lease)
     );
     CREATE INDEX leases_user ON fixprov.leases (user_id);",
    // 2 -> 3: the signatures of signed logons every gateway has accepted, until their window passes
    // (a replay cache the whole fleet shares).
    "CREATE TABLE fixprov.replays (digest bytea PRIMARY KEY, forget_at_ms bigint NOT NULL);
     CREATE INDEX replays_forget ON fixprov.replays (forget_at_ms);",
];

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// How long a call waits for a connection (the pool's, or a new one to the server) before it fails
/// with [`Error::Storage`].
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A store kept by PostgreSQL. May be used from several threads at once, and by several engines in
/// several processes at once; writes are serialized across all of them.
pub struct PostgresBackend {
    config: postgres::Config,
    pool: Pool,
    prepared: OnceLock<()>,
    /// The connection that `LISTEN`s on [`CHANGES_CHANNEL`], opened by the first
    /// [`Backend::wait_for_change`] and again after it broke.
    listener: Mutex<Option<postgres::Client>>,
}

impl std::fmt::Debug for PostgresBackend {
    /// Leaves the URL out (it may carry a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend").finish_non_exhaustive()
    }
}

/// A PostgreSQL error as the store reports it: its SQLSTATE and message, never a URL.
pub(crate) fn pg(e: postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => Error::Storage(format!("PostgreSQL: {} ({})", db.message(), db.code().code()).into()),
        None if e.is_closed() => Error::Storage("PostgreSQL: the connection is closed".into()),
        None => Error::Storage(format!("PostgreSQL: {e}").into()),
    }
}

fn pool_error(e: r2d2::Error) -> Error {
    Error::Storage(format!("PostgreSQL: no connection to the database: {e}").into())
}

/// `url` parsed; `InvalidArgument` (never repeating it) when it is not a PostgreSQL URL.
fn parse_url(url: &str) -> Result<postgres::Config> {
    postgres::Config::from_str(url)
        .map_err(|_| Error::invalid("the database URL is not a PostgreSQL URL (postgres://...)"))
}

impl PostgresBackend {
    /// Checks that `url` is a PostgreSQL URL, connecting nothing and starting nothing.
    pub fn check_url(url: &str) -> Result<()> {
        parse_url(url).map(drop)
    }

    /// The store in the database `url` names (`postgres://user:password@host:port/database`, or
    /// the key=value form libpq takes). Nothing is connected or created until it is used.
    /// `InvalidArgument` when the URL cannot be parsed (the message never repeats it).
    pub fn new(url: &str) -> Result<PostgresBackend> {
        let mut config = parse_url(url)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if !config.get_keepalives() {
            config.keepalives(true);
        }
        config.keepalives_idle(Duration::from_secs(10));
        config.application_name("fixprov");
        let manager = PostgresConnectionManager::new(config.clone(), NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_TIMEOUT)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        Ok(PostgresBackend { config, pool, prepared: OnceLock::new(), listener: Mutex::new(None) })
    }

    fn connection(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>> {
        if self.prepared.get().is_none() {
            return Err(not_prepared());
        }
        self.pool.get().map_err(pool_error)
    }
}

impl Backend for PostgresBackend {
    /// Reads `fixprov.meta` on a connection of its own, in a read-only transaction: nothing is
    /// created. `None` when the schema does not exist yet.
    fn peek_key_material(&self) -> Result<Option<KeyMaterial>> {
        let mut client = self.config.connect(NoTls).map_err(pg)?;
        let mut tx = snapshot(&mut client)?;
        let exists: bool =
            tx.query_one("SELECT to_regclass('fixprov.meta') IS NOT NULL", &[]).map_err(pg)?.get(0);
        if !exists {
            return Ok(None);
        }
        Tx(&mut tx).key_material().or(Ok(None))
    }

    /// Creates the schema, or upgrades it to [`PG_SCHEMA_VERSION`], under an advisory lock so that
    /// gateways starting together do it once.
    fn prepare(&self) -> Result<Prepared> {
        let mut client = self.pool.get().map_err(pool_error)?;
        client.execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK]).map_err(pg)?;
        let migrated = migrate(&mut client);
        let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK]).map_err(pg);
        migrated?;
        unlocked?;
        let _ = self.prepared.set(());
        Ok(Prepared { may_lack_manifest: false })
    }

    fn write(&self, work: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        let mut client = self.connection()?;
        let mut tx =
            client.build_transaction().isolation_level(IsolationLevel::ReadCommitted).start().map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(pg)?;
        work(&mut Tx(&mut tx))?;
        // Delivered to every listening gateway at commit, never for a rolled-back transaction.
        tx.batch_execute(&format!("NOTIFY {CHANGES_CHANNEL}")).map_err(pg)?;
        tx.commit().map_err(pg)
    }

    fn lease_take(&self, lease: &Lease<'_>, max: u32, expiry: Duration) -> Result<bool> {
        let mut client = self.connection()?;
        let mut tx = client.transaction().map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&LEASE_LOCKS, &lease.user])
            .map_err(pg)?;
        let expiry = expiry.as_secs_f64();
        tx.execute(
            &format!("DELETE FROM fixprov.leases l WHERE l.user_id = $1 AND NOT {}", live_gateway(2)),
            &[&lease.user, &expiry],
        )
        .map_err(pg)?;
        let held: i64 = tx
            .query_one("SELECT count(*) FROM fixprov.leases WHERE user_id = $1", &[&lease.user])
            .map_err(pg)?
            .get(0);
        let taken = held < i64::from(max);
        if taken {
            tx.execute(
                "INSERT INTO fixprov.leases (gateway, lease, user_id, session) VALUES ($1, $2, $3, $4)",
                &[&lease.gateway, &int(lease.id), &lease.user, &int(lease.session)],
            )
            .map_err(pg)?;
        }
        tx.commit().map_err(pg)?;
        Ok(taken)
    }

    fn replay_record(&self, digest: &[u8; 32], forget_at_ms: u64, now_ms: u64) -> Result<bool> {
        let mut client = self.connection()?;
        // One statement: the row is inserted, or taken over once forgotten, or left (a replay).
        let fresh = client
            .query_opt(
                "INSERT INTO fixprov.replays (digest, forget_at_ms) VALUES ($1, $2)
                 ON CONFLICT (digest) DO UPDATE SET forget_at_ms = excluded.forget_at_ms
                 WHERE fixprov.replays.forget_at_ms <= $3
                 RETURNING 1",
                &[&&digest[..], &int(forget_at_ms), &int(now_ms)],
            )
            .map_err(pg)?;
        Ok(fresh.is_some())
    }

    fn lease_release(&self, gateway: &str, id: u64) -> Result<()> {
        let mut client = self.connection()?;
        client
            .execute("DELETE FROM fixprov.leases WHERE gateway = $1 AND lease = $2", &[&gateway, &int(id)])
            .map(drop)
            .map_err(pg)
    }

    fn heartbeat(&self, gateway: &str, live: &[Lease<'_>], grace: Duration, reassert: bool) -> Result<()> {
        let ids: Vec<i64> = live.iter().map(|l| int(l.id)).collect();
        let users: Vec<&str> = live.iter().map(|l| l.user).collect();
        let sessions: Vec<i64> = live.iter().map(|l| int(l.session)).collect();
        let mut client = self.connection()?;
        let mut tx = client.transaction().map_err(pg)?;
        tx.execute(
            "INSERT INTO fixprov.gateways (gateway, heartbeat_at) VALUES ($1, now())
             ON CONFLICT (gateway) DO UPDATE SET heartbeat_at = now()",
            &[&gateway],
        )
        .map_err(pg)?;
        // Signatures whose window has passed (any gateway's beat clears them).
        tx.execute(
            "DELETE FROM fixprov.replays WHERE forget_at_ms <= (extract(epoch FROM now()) * 1000)::bigint",
            &[],
        )
        .map_err(pg)?;
        tx.execute(
            "DELETE FROM fixprov.leases WHERE gateway = $1 AND NOT (lease = ANY($2))
             AND taken_at < now() - make_interval(secs => $3)",
            &[&gateway, &ids, &grace.as_secs_f64()],
        )
        .map_err(pg)?;
        tx.execute(
            "UPDATE fixprov.leases l SET session = u.session
             FROM unnest($2::bigint[], $3::bigint[]) AS u(lease, session)
             WHERE l.gateway = $1 AND l.lease = u.lease AND l.session <> u.session",
            &[&gateway, &ids, &sessions],
        )
        .map_err(pg)?;
        if reassert {
            tx.execute(
                "INSERT INTO fixprov.leases (gateway, lease, user_id, session)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[])
             ON CONFLICT (gateway, lease) DO UPDATE SET session = excluded.session
             WHERE fixprov.leases.session <> excluded.session",
                &[&gateway, &ids, &users, &sessions],
            )
            .map_err(pg)?;
        }
        tx.commit().map_err(pg)
    }

    fn leave(&self, gateway: &str) -> Result<()> {
        let mut client = self.connection()?;
        let mut tx = client.transaction().map_err(pg)?;
        tx.execute("DELETE FROM fixprov.leases WHERE gateway = $1", &[&gateway]).map_err(pg)?;
        tx.execute("DELETE FROM fixprov.gateways WHERE gateway = $1", &[&gateway]).map_err(pg)?;
        tx.commit().map_err(pg)
    }

    fn leases(&self, user: Option<&str>, expiry: Duration) -> Result<Vec<LeaseInfo>> {
        let mut client = self.connection()?;
        let rows = client
            .query(
                &format!(
                    "SELECT l.gateway, l.user_id, l.session FROM fixprov.leases l
                     WHERE ($1::text IS NULL OR l.user_id = $1) AND {} ORDER BY l.user_id, l.gateway, l.session",
                    live_gateway(2)
                ),
                &[&user, &expiry.as_secs_f64()],
            )
            .map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| LeaseInfo { gateway: r.get(0), user: r.get(1), session: r.get::<_, i64>(2) as u64 })
            .collect())
    }

    /// Blocks on the listening connection's notifications. A new or re-made connection answers
    /// true at once: what was committed while there was none is unknown.
    fn wait_for_change(&self, timeout: Duration) -> Result<bool> {
        let mut slot = self.listener.lock().unwrap_or_else(|p| p.into_inner());
        let Some(client) = slot.as_mut() else {
            let mut client = self.config.connect(NoTls).map_err(pg)?;
            client.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}")).map_err(pg)?;
            *slot = Some(client);
            return Ok(true);
        };
        let waited = client.notifications().timeout_iter(timeout).next().map(|n| n.is_some());
        // One read catches up with every change, however many were notified.
        while let Ok(Some(_)) = client.notifications().iter().next() {}
        let closed = client.is_closed();
        let told = match waited {
            Err(e) => {
                *slot = None;
                return Err(pg(e));
            }
            Ok(_) if closed => {
                *slot = None;
                return Err(Error::Storage("PostgreSQL: the listening connection closed".into()));
            }
            Ok(told) => told,
        };
        Ok(told)
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        let mut client = self.connection()?;
        let mut tx = snapshot(&mut client)?;
        work(&mut Tx(&mut tx))?;
        tx.commit().map_err(pg)
    }
}

fn migrate(client: &mut postgres::Client) -> Result<()> {
    let exists: bool =
        client.query_one("SELECT to_regclass('fixprov.meta') IS NOT NULL", &[]).map_err(pg)?.get(0);
    let version = if exists {
        let row = client
            .query_opt("SELECT value FROM fixprov.meta WHERE key = 'schema_version'", &[])
            .map_err(pg)?
            .ok_or_else(|| Error::Corrupt("the PostgreSQL store has no schema version".into()))?;
        let bytes: Vec<u8> = row.get(0);
        std::str::from_utf8(&bytes)
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| Error::Corrupt("the PostgreSQL store's schema version is unreadable".into()))?
    } else {
        0
    };
    if version > PG_SCHEMA_VERSION {
        return Err(Error::Storage(
            format!("the store has schema {version}, newer than this build's {PG_SCHEMA_VERSION}").into(),
        ));
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let mut tx = client.transaction().map_err(pg)?;
        tx.batch_execute(sql).map_err(pg)?;
        let next = (from + 1).to_string();
        tx.execute(
            "INSERT INTO fixprov.meta (key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&next.as_bytes()],
        )
        .map_err(pg)?;
        tx.commit().map_err(pg)?;
    }
    Ok(())
}

/// A read-only transaction on one snapshot, taken at its first statement.
fn snapshot(client: &mut postgres::Client) -> Result<Transaction<'_>> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(pg)
}

/// The reads and writes of one transaction.
struct Tx<'a, 'b>(&'a mut Transaction<'b>);

/// `x` as a PostgreSQL bigint, saturating.
fn int(x: u64) -> i64 {
    x.min(i64::MAX as u64) as i64
}

fn stored_row(r: &postgres::Row) -> StoredRow {
    StoredRow { key: r.get(0), sender_comp_id: r.get(1), sealed: r.get(2) }
}

fn audit_row(r: &postgres::Row) -> AuditRow {
    AuditRow {
        seq: r.get::<_, i64>(0) as u64,
        at_unix_ms: r.get::<_, i64>(1) as u64,
        event: r.get(2),
        subject: r.get(3),
        record: r.get(4),
        mac: r.get(5),
    }
}

impl Tx<'_, '_> {
    fn meta(&mut self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .0
            .query_opt("SELECT value FROM fixprov.meta WHERE key = $1", &[&key])
            .map_err(pg)?
            .map(|r| r.get(0)))
    }

    fn put_meta(&mut self, key: &str, value: &[u8]) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO fixprov.meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .map(drop)
            .map_err(pg)
    }
}

impl ReadTx for Tx<'_, '_> {
    fn key_material(&mut self) -> Result<Option<KeyMaterial>> {
        match (self.meta("kdf")?, self.meta("wrapped_data_key")?) {
            (Some(kdf), Some(wrapped_data_key)) => Ok(Some(KeyMaterial { kdf, wrapped_data_key })),
            (None, None) => Ok(None),
            _ => Err(Error::Corrupt("the store's key material is incomplete".into())),
        }
    }

    fn rows(&mut self, table: Table) -> Result<Vec<StoredRow>> {
        let rows = self
            .0
            .query(
                "SELECT key, sender_comp_id, sealed FROM fixprov.rows WHERE tbl = $1 ORDER BY key",
                &[&table.name()],
            )
            .map_err(pg)?;
        Ok(rows.iter().map(stored_row).collect())
    }

    fn row(&mut self, table: Table, key: &str) -> Result<Option<StoredRow>> {
        let row = self
            .0
            .query_opt(
                "SELECT key, sender_comp_id, sealed FROM fixprov.rows WHERE tbl = $1 AND key = $2",
                &[&table.name(), &key],
            )
            .map_err(pg)?;
        Ok(row.as_ref().map(stored_row))
    }

    fn keys(&mut self, table: Table) -> Result<Vec<String>> {
        let rows = self
            .0
            .query("SELECT key FROM fixprov.rows WHERE tbl = $1 ORDER BY key", &[&table.name()])
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn contains(&mut self, table: Table, key: &str) -> Result<bool> {
        let row = self
            .0
            .query_opt("SELECT 1 FROM fixprov.rows WHERE tbl = $1 AND key = $2", &[&table.name(), &key])
            .map_err(pg)?;
        Ok(row.is_some())
    }

    fn audit_scan(&mut self, visit: &mut dyn FnMut(AuditRow) -> Result<()>) -> Result<()> {
        // Pages by the primary key, so memory stays bounded on a long chain; a sequential scan
        // sorted would read the same rows (the snapshot keeps the pages consistent).
        let mut after = 0i64;
        loop {
            let rows = self
                .0
                .query(
                    "SELECT seq, at_unix_ms, event, subject, record, mac FROM fixprov.audit
                     WHERE seq > $1 ORDER BY seq LIMIT 4096",
                    &[&after],
                )
                .map_err(pg)?;
            let Some(last) = rows.last() else { return Ok(()) };
            after = last.get(0);
            for row in &rows {
                visit(audit_row(row))?;
            }
        }
    }

    fn audit_find(&mut self, filter: &AuditFilter<'_>) -> Result<Vec<String>> {
        let rows = self
            .0
            .query(
                "SELECT record FROM fixprov.audit WHERE seq > $1 AND at_unix_ms >= $2 AND at_unix_ms < $3
                 AND ($4::text IS NULL OR subject = $4) AND ($5::text IS NULL OR starts_with(event, $5))
                 ORDER BY seq LIMIT $6",
                &[
                    &int(filter.after_seq),
                    &int(filter.from_unix_ms),
                    &int(filter.to_unix_ms),
                    &filter.subject,
                    &filter.event_prefix,
                    &int(filter.limit as u64),
                ],
            )
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn audit_last(
        &mut self,
        through_seq: u64,
        before_unix_ms: Option<u64>,
    ) -> Result<Option<(u64, Vec<u8>)>> {
        let row = match before_unix_ms {
            None => self.0.query_opt(
                "SELECT seq, mac FROM fixprov.audit WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
                &[&int(through_seq)],
            ),
            Some(before) => self.0.query_opt(
                "SELECT seq, mac FROM fixprov.audit WHERE seq = (SELECT max(seq) FROM fixprov.audit
                 WHERE at_unix_ms < $1 AND seq <= $2)",
                &[&int(before), &int(through_seq)],
            ),
        }
        .map_err(pg)?;
        Ok(row.map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
    }

    /// PostgreSQL checks its own indexes; a B-tree check needs the `amcheck` extension and rights
    /// a gateway's database user should not hold, so there is nothing this backend checks here.
    fn audit_index_problems(&mut self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

impl WriteTx for Tx<'_, '_> {
    fn put_key_material(&mut self, material: &KeyMaterial) -> Result<()> {
        self.put_meta("kdf", &material.kdf)?;
        self.put_meta("wrapped_data_key", &material.wrapped_data_key)
    }

    fn put(&mut self, table: Table, row: &StoredRow) -> Result<()> {
        let sender = if table == Table::Credentials { row.sender_comp_id.as_str() } else { "" };
        self.0
            .execute(
                "INSERT INTO fixprov.rows (tbl, key, sender_comp_id, sealed) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (tbl, key) DO UPDATE SET sender_comp_id = excluded.sender_comp_id,
                 sealed = excluded.sealed",
                &[&table.name(), &row.key, &sender, &row.sealed],
            )
            .map(drop)
            .map_err(pg)
    }

    fn delete(&mut self, table: Table, key: &str) -> Result<()> {
        self.0
            .execute("DELETE FROM fixprov.rows WHERE tbl = $1 AND key = $2", &[&table.name(), &key])
            .map(drop)
            .map_err(pg)
    }

    fn append_audit(&mut self, row: &AuditRow) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO fixprov.audit (seq, at_unix_ms, event, subject, record, mac)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&int(row.seq), &int(row.at_unix_ms), &row.event, &row.subject, &row.record, &row.mac],
            )
            .map(drop)
            .map_err(pg)
    }

    fn cut_audit(&mut self, through_seq: u64) -> Result<u64> {
        self.0.execute("DELETE FROM fixprov.audit WHERE seq <= $1", &[&int(through_seq)]).map_err(pg)
    }
}

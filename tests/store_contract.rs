//! The store backend contract (`fixprov::cold::store::contract`) run against SQLite, in memory and
//! in a file. A new backend runs the same suite.

use fixprov::cold::store::{contract, SqliteBackend};
use std::path::PathBuf;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("fixprov-contract-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn sqlite_in_memory_passes_the_contract() {
    contract::run(|_| SqliteBackend::in_memory().expect("an in-memory database"), false);
}

#[test]
fn sqlite_file_passes_the_contract() {
    let root = TempDir::new("sqlite-file");
    contract::run(
        |name| {
            let dir = root.0.join(name);
            std::fs::create_dir_all(&dir).expect("the store's directory");
            SqliteBackend::file(&dir.join(fixprov::cold::store::DB_FILE))
        },
        true,
    );
}

#[test]
fn a_closed_sqlite_file_store_is_one_file() {
    // The backend's read-only connections close before its writer, which then removes the WAL.
    let root = TempDir::new("one-file");
    std::fs::create_dir_all(&root.0).unwrap();
    let path = root.0.join(fixprov::cold::store::DB_FILE);
    {
        use fixprov::cold::store::Backend;
        let backend = SqliteBackend::file(&path);
        backend.prepare().unwrap();
        backend.write(&mut |_| Ok(())).unwrap();
        backend.read(&mut |tx| tx.key_material().map(drop)).unwrap();
    }
    let files: Vec<_> = std::fs::read_dir(&root.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, vec![std::ffi::OsString::from(fixprov::cold::store::DB_FILE)]);
}

mod pg;

#[test]
fn postgres_passes_the_contract() {
    let server = pg::PgServer::start();
    contract::run(
        |name| {
            let url = server.database(&format!("contract_{name}"));
            fixprov::cold::store::PostgresBackend::new(&url).expect("a PostgreSQL URL")
        },
        true,
    );
}

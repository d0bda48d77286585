//! A real PostgreSQL server for tests: Debian's `postgresql` package, `initdb` into a temporary
//! directory, `pg_ctl` on a free loopback port and a Unix socket in that directory, stopped and
//! removed when dropped. When the process runs as root (CI), the server runs as the `postgres` user,
//! as PostgreSQL refuses root. `scripts/test.sh` installs the package when it is missing.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running PostgreSQL server, with one superuser `fixprov` trusted on loopback.
pub struct PgServer {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// Where Debian puts the server's programs: the newest `/usr/lib/postgresql/N/bin`.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (Debian's postgresql package; scripts/test.sh installs it)")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().expect("no /usr/lib/postgresql/N/bin/pg_ctl").1
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc_geteuid() == 0 }
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// A server shared by the tests of one file that run at the same time (each uses databases of its
/// own): started by the first, stopped when the last drops its handle.
pub fn shared() -> std::sync::Arc<PgServer> {
    static SHARED: std::sync::Mutex<std::sync::Weak<PgServer>> =
        std::sync::Mutex::new(std::sync::Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(server) = slot.upgrade() {
        return server;
    }
    let server = std::sync::Arc::new(PgServer::start());
    *slot = std::sync::Arc::downgrade(&server);
    server
}

impl PgServer {
    /// Initialises and starts a server; panics with the server's log if it cannot.
    pub fn start() -> PgServer {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "fixprov-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let server = PgServer { dir, bin: bin_dir(), port: free_port(), as_postgres: is_root() };
        if server.as_postgres {
            let status =
                Command::new("chown").args(["-R", "postgres:postgres"]).arg(&server.dir).status().unwrap();
            assert!(status.success(), "chown of the server's directory to postgres");
        }
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "fixprov",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        std::fs::write(
            data.join("postgresql.auto.conf"),
            format!(
                "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nmax_connections = 200\n\
                 shared_buffers = 16MB\nlog_min_messages = warning\n",
                server.port,
                server.dir.display()
            ),
        )
        .unwrap();
        if server.as_postgres {
            let _ = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(data.join("postgresql.auto.conf"))
                .status();
        }
        server.pg_ctl_start();
        server
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Runs one of the server's programs (as `postgres` under root); panics with its output if it
    /// fails.
    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).current_dir(&self.dir).stdin(Stdio::null()).output().unwrap();
        if !out.status.success() {
            let log = std::fs::read_to_string(self.log()).unwrap_or_default();
            panic!(
                "{program} {args:?} failed: {}\n{}\n{}\nserver log:\n{log}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    fn pg_ctl_start(&self) {
        let data = self.data();
        let log = self.log();
        self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap(), "-w", "-t", "60", "start"],
        );
    }

    /// Stops the server (fast shutdown: sessions are cut, nothing committed is lost).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", self.data().to_str().unwrap(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts it again after [`stop`](Self::stop), on the same port.
    pub fn start_again(&self) {
        self.pg_ctl_start();
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://fixprov@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `name` unless it exists; returns its URL.
    pub fn database(&self, name: &str) -> String {
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).expect("connect");
        let exists =
            admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).unwrap().is_some();
        if !exists {
            admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).unwrap();
        }
        self.url(name)
    }

    /// A client of database `db` (to look at or tamper with what the backend wrote).
    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(db), postgres::NoTls).expect("connect")
    }

    /// Waits until the server answers again (after a restart).
    pub fn wait_ready(&self, within: Duration) {
        let until = Instant::now() + within;
        while postgres::Client::connect(&self.url("postgres"), postgres::NoTls).is_err() {
            assert!(Instant::now() < until, "PostgreSQL did not come back");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let data = self.data();
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .current_dir(&self.dir)
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! Fleet mode against a real PostgreSQL on loopback (started here, as the tests do): how fast a
//! change made at one gateway reaches a live session at another, what a logon costs with a session
//! lease against the embedded store, and that the per-message check is the same in both, all in
//! one run.
//!
//!     cargo bench --bench fleet                 # prints the section
//!     cargo bench --bench fleet -- --publish    # and writes it into BENCHMARKS.md
//!     FIXPROV_BENCH_SHORT=1 cargo bench --bench fleet   # tiny counts (numbers meaningless)

#[path = "../tests/pg/mod.rs"]
mod pg;

use fixprov::{Config, Engine, LogonRequest, MsgClass, Secret, TierSpec, Verdict};
use std::time::{Duration, Instant};

const BEGIN: &str = "<!-- BEGIN SECTION: fleet (written by cargo bench --bench fleet -- --publish) -->";
const END: &str = "<!-- END SECTION: fleet -->";

fn config() -> Config {
    Config {
        master_password: Some(Secret::new(b"fleet bench master password".to_vec())),
        default_rules: false,
        logon_rate: None,
        ..Config::default()
    }
}

fn gateway(url: &str, id: &str) -> Engine {
    Engine::open(Config {
        database_url: Some(Secret::new(url.as_bytes().to_vec())),
        gateway_id: Some(id.into()),
        ..config()
    })
    .expect("a gateway")
}

fn logon(engine: &Engine, sender: &str, password: &[u8]) -> Result<u64, fixprov::LogonRefusal> {
    engine.access().logon(&LogonRequest {
        sender_comp_id: sender,
        target_comp_id: "FIXPROV",
        password,
        username: None,
        peer: Some("10.1.2.3".parse().unwrap()),
    })
}

/// p50, p99 and max of `samples`, in microseconds.
fn quantiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)].as_secs_f64() * 1e6;
    (at(0.5), at(0.99), samples[samples.len() - 1].as_secs_f64() * 1e6)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Waits until `done`, spinning; panics after 10 s.
fn until(mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "a change never arrived");
        std::hint::spin_loop();
    }
}

/// Nanoseconds per check on `session`, best of five rounds of `n` (each message at its own
/// instant on a tier that admits everything).
fn check_ns(engine: &Engine, session: u64, n: u64) -> f64 {
    let mut best = f64::MAX;
    let mut t = 1u64;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..n {
            t += 1;
            let v = engine.check_at(session, MsgClass::Order, t);
            debug_assert_eq!(v, Verdict::Ok);
            std::hint::black_box(v);
        }
        best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    best
}

fn main() {
    let short = std::env::var_os("FIXPROV_BENCH_SHORT").is_some();
    let publish = std::env::args().any(|a| a == "--publish");
    let (kills, logons, checks) = if short { (20, 50, 100_000) } else { (300, 2_000, 20_000_000) };

    let server = pg::PgServer::start();
    let url = server.database("bench");
    let (a, b) = (gateway(&url, "gw-a"), gateway(&url, "gw-b"));
    let dir = std::env::temp_dir().join(format!("fixprov-bench-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let embedded =
        Engine::open(Config { data_dir: Some(dir.clone()), ..config() }).expect("an embedded engine");

    // 1. A suspension at A, until B's live session answers KILLED.
    let user = a.access().provision("prop", None).unwrap();
    until(|| b.access().credentials("prop").is_ok());
    let mut propagation = Vec::with_capacity(kills);
    for _ in 0..kills {
        let session = logon(&b, &user.sender_comp_id, user.password.expose()).expect("logon at B");
        let start = Instant::now();
        a.access().suspend("prop").unwrap();
        until(|| b.check(session, MsgClass::Other) == Verdict::Killed);
        propagation.push(start.elapsed());
        b.sessions().close(session).unwrap();
        a.access().reactivate("prop").unwrap();
        until(|| {
            b.access()
                .credentials("prop")
                .map(|c| c.status == fixprov::CredentialStatus::Active)
                .unwrap_or(false)
        });
    }
    let (prop50, prop99, prop_max) = quantiles(&mut propagation);

    // 2. Logon with a lease (fleet) against the embedded store, interleaved.
    let fast = TierSpec::new(1_000_000_000, 1_000_000_000, 4, 1_000_000_000);
    for engine in [&a, &embedded] {
        engine.tiers().set("bench", fast).unwrap();
    }
    let fleet_user = a.access().provision("logon", Some("bench")).unwrap();
    let local_user = embedded.access().provision("logon", Some("bench")).unwrap();
    let (mut with_lease, mut local) = (Vec::with_capacity(logons), Vec::with_capacity(logons));
    for _ in 0..logons {
        for (engine, user, out) in [(&a, &fleet_user, &mut with_lease), (&embedded, &local_user, &mut local)]
        {
            let start = Instant::now();
            let session = logon(engine, &user.sender_comp_id, user.password.expose()).expect("logon");
            out.push(start.elapsed());
            engine.sessions().close(session).unwrap();
        }
    }
    let (lease50, lease99, _) = quantiles(&mut with_lease);
    let (local50, local99, _) = quantiles(&mut local);

    // 3. The per-message check, in one run: a fleet gateway's session and an embedded engine's.
    let s_fleet = logon(&a, &fleet_user.sender_comp_id, fleet_user.password.expose()).unwrap();
    let s_local = logon(&embedded, &local_user.sender_comp_id, local_user.password.expose()).unwrap();
    let (mut fleet_ns, mut local_ns) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        fleet_ns = fleet_ns.min(check_ns(&a, s_fleet, checks));
        local_ns = local_ns.min(check_ns(&embedded, s_local, checks));
    }
    drop((a, b, embedded));
    let _ = std::fs::remove_dir_all(&dir);

    let section = format!(
        "{BEGIN}\n## Fleet mode (PostgreSQL)\n\n\
         `cargo bench --bench fleet` (`benches/fleet.rs`), on {cpu}: a real PostgreSQL {pg} on loopback\n\
         (Debian's package, `synchronous_commit` on), two gateways in one process, each with its own\n\
         connections, fleet thread and session table{short_note}.\n\n\
         | what | p50 | p99 | max | n |\n| --- | ---: | ---: | ---: | ---: |\n\
         | a suspension at gateway A until B's live session answers KILLED (commit, notification, catch-up, kill) | {prop50:.0} µs | {prop99:.0} µs | {prop_max:.0} µs | {kills} |\n\
         | logon with a session lease (fleet) | {lease50:.0} µs | {lease99:.0} µs | | {logons} |\n\
         | logon, embedded store (memory only) | {local50:.1} µs | {local99:.1} µs | | {logons} |\n\n\
         Target: propagation p99 ≤ 100 ms on loopback. A fleet logon adds one transaction (the lease, under\n\
         a per-user advisory lock); the embedded logon touches no disk.\n\n\
         The per-message check is the same code in both (nothing on it touches the network): best of\n\
         15 rounds of {checks} order checks, **{fleet_ns:.2} ns** on a fleet gateway's session against\n\
         **{local_ns:.2} ns** on an embedded engine's, in the same run.\n{END}",
        cpu = cpu_model(),
        pg = postgres_version(&server),
        short_note = if short { " (FIXPROV_BENCH_SHORT: tiny counts, numbers meaningless)" } else { "" },
    );
    println!("{section}");
    if publish {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let new = match (text.find(BEGIN), text.find(END)) {
            (Some(b), Some(e)) if b < e => format!("{}{section}{}", &text[..b], &text[e + END.len()..]),
            _ => format!("{}\n\n{section}\n", text.trim_end()),
        };
        std::fs::write(&path, new).expect("BENCHMARKS.md");
        println!("wrote the fleet section of {}", path.display());
    }
}

fn postgres_version(server: &pg::PgServer) -> String {
    let mut client = server.client("postgres");
    let v: String = client.query_one("SHOW server_version", &[]).unwrap().get(0);
    v.split_whitespace().next().unwrap_or(&v).to_owned()
}

//! A logon storm: 10,000 accepted logons (each session closed again, as a reconnecting peer's would
//! be) from 1, 2 and 8 threads at once, each logon timed: p50, p99 and logons per second, for each
//! structure of the logon path's shared tables in one run (`Config::logon_table_shards`: 1 is one
//! lock per table, as before; 0, the default, lets each table shard itself by its size: 16 here). The users are provisioned ahead,
//! 2,000 of them, so a thread's consecutive logons are other users' (as in a reconnect storm after
//! a venue's restart); the CompID's logon rate is raised so that the rounds' repeated logons of each
//! user pass (it is still counted on each).
//!
//! `cargo bench --bench logon_storm` prints the table; `FIXPROV_PUBLISH=1` also writes it into
//! BENCHMARKS.md (its own section). `--test` (as `cargo bench --no-run`-style smoke runs use) does a
//! short round only.

#[path = "common/mod.rs"]
mod common;

use fixprov::cold::attempts::AttemptPolicy;
use fixprov::{Config, Engine, LogonRequest};
use hdrhistogram::Histogram;
use std::sync::Barrier;
use std::time::{Duration, Instant};

const USERS: usize = 2_000;
const LOGONS: usize = 10_000;
const THREADS: [usize; 3] = [1, 2, 8];
/// Rounds per cell; the median round (by throughput) is reported, with its latencies.
const ROUNDS: usize = 9;

struct Peer {
    sender: String,
    target: String,
    password: Vec<u8>,
}

fn engine(shards: u32, users: usize) -> (Engine, Vec<Peer>) {
    let engine = Engine::open(Config {
        default_rules: false,
        max_sessions: 4_096,
        logon_table_shards: shards,
        // The CompID's logon rate is still counted on every logon (its table is one of those
        // measured), but high enough that the rounds' repeated logons of each user pass.
        logon_rate: Some(AttemptPolicy { max_failures: 1_000_000, ..AttemptPolicy::default() }),
        ..Config::default()
    })
    .expect("engine");
    let peers = (0..users)
        .map(|i| {
            let c = engine.access().provision(&format!("storm{i:05}"), Some("premium")).expect("provision");
            Peer {
                sender: c.sender_comp_id,
                target: c.target_comp_id,
                password: c.password.expose().to_vec(),
            }
        })
        .collect();
    (engine, peers)
}

/// One storm: `logons` logons from `threads` threads; the latencies (ns) and the wall time.
fn storm(engine: &Engine, peers: &[Peer], threads: usize, logons: usize) -> (Histogram<u64>, Duration) {
    let barrier = Barrier::new(threads + 1);
    let per_thread = logons / threads;
    let (histograms, wall) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut histogram = Histogram::<u64>::new(3).expect("histogram");
                    let mine: Vec<&Peer> = peers.iter().skip(t).step_by(threads).collect();
                    barrier.wait();
                    for i in 0..per_thread {
                        let peer = mine[i % mine.len()];
                        let request = LogonRequest {
                            sender_comp_id: &peer.sender,
                            target_comp_id: &peer.target,
                            password: &peer.password,
                            username: None,
                            peer: Some(std::net::IpAddr::from([203, 0, 113, (t % 250) as u8 + 1])),
                        };
                        let started = Instant::now();
                        let session = engine.access().logon(&request).expect("an accepted logon");
                        histogram.record(started.elapsed().as_nanos() as u64).expect("in range");
                        engine.sessions().close(session).expect("close");
                    }
                    histogram
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let histograms: Vec<Histogram<u64>> =
            workers.into_iter().map(|w| w.join().expect("worker")).collect();
        (histograms, started.elapsed())
    });
    let mut all = Histogram::<u64>::new(3).expect("histogram");
    for h in &histograms {
        all.add(h).expect("same bounds");
    }
    (all, wall)
}

struct Cell {
    p50_ns: u64,
    p99_ns: u64,
    per_sec: f64,
}

fn main() {
    let smoke = common::listing_only();
    if std::env::args().any(|a| a == "--list") {
        println!("logon_storm: bench");
        return;
    }
    let logons = if smoke { 400 } else { LOGONS };
    let rounds = if smoke { 1 } else { ROUNDS };
    let users = if smoke { 200 } else { USERS };
    let variants: [(&str, u32); 2] =
        [("one lock per table (before)", 1), ("16 shards per table (after; the default)", 0)];
    let engines: Vec<(Engine, Vec<Peer>)> =
        variants.iter().map(|(_, shards)| engine(*shards, users)).collect();
    for (engine, peers) in &engines {
        // Warm-up: every user once.
        storm(engine, peers, 2, users.min(logons));
        engine.audit().flush().expect("audit flush");
    }
    // Rounds interleave the structures (before, after, before, ...), so that the machine's noise
    // (on 2 cores, 8 threads share them with the housekeepers) meets both alike.
    let mut cells: Vec<Vec<Cell>> = (0..variants.len() * THREADS.len()).map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for (t, threads) in THREADS.iter().enumerate() {
            for (v, (engine, peers)) in engines.iter().enumerate() {
                let (h, wall) = storm(engine, peers, *threads, logons);
                // The queued audit records (a logon and a close each) are written between rounds,
                // so no round pays for the one before.
                engine.audit().flush().expect("audit flush");
                cells[v * THREADS.len() + t].push(Cell {
                    p50_ns: h.value_at_quantile(0.50),
                    p99_ns: h.value_at_quantile(0.99),
                    per_sec: (logons / threads * threads) as f64 / wall.as_secs_f64(),
                });
            }
        }
    }
    let mut results: Vec<(&str, usize, Cell)> = Vec::new();
    for (v, (name, _)) in variants.iter().enumerate() {
        assert_eq!(engines[v].0.audit().dropped(), 0, "every logon's audit record was kept");
        for (t, threads) in THREADS.iter().enumerate() {
            let mut rounds = std::mem::take(&mut cells[v * THREADS.len() + t]);
            rounds.sort_by(|a, b| a.per_sec.total_cmp(&b.per_sec));
            results.push((name, *threads, rounds.swap_remove(rounds.len() / 2)));
        }
    }
    let table = render(&results, logons, users);
    println!("{table}");
    if std::env::var_os("FIXPROV_PUBLISH").is_some() && !smoke {
        publish(&table);
    }
}

fn render(results: &[(&str, usize, Cell)], logons: usize, users: usize) -> String {
    let mut out = format!(
        "{logons} accepted logons (each session closed again) over {users} users, on {} ({} CPUs available), the median of {ROUNDS} interleaved rounds:\n\n",
        common::cpu_model(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    out.push_str("| structure | threads | p50 | p99 | logons/s |\n| --- | ---: | ---: | ---: | ---: |\n");
    for (name, threads, cell) in results {
        out.push_str(&format!(
            "| {name} | {threads} | {:.2} us | {:.2} us | {:.0} |\n",
            cell.p50_ns as f64 / 1e3,
            cell.p99_ns as f64 / 1e3,
            cell.per_sec
        ));
    }
    out
}

const BEGIN: &str = "<!-- logon-storm: begin (benches/logon_storm.rs writes this section) -->";
const END: &str = "<!-- logon-storm: end -->";

/// Writes the storm's table into BENCHMARKS.md (replacing the last one).
fn publish(table: &str) {
    let section = format!(
        "{BEGIN}\n## Logon storm\n\n`FIXPROV_PUBLISH=1 cargo bench --bench logon_storm`: {table}\n{END}"
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).expect("BENCHMARKS.md");
    let new = match (text.find(BEGIN), text.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{section}{}", &text[..b], &text[e + END.len()..]),
        _ => format!("{}\n\n{section}\n", text.trim_end()),
    };
    std::fs::write(&path, new).expect("BENCHMARKS.md");
    println!("wrote the logon-storm section of {}", path.display());
}

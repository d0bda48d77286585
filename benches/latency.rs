//! The latency harness: per-call latency distributions (HDR histograms) of the check through the C
//! ABI and of governor and ratelimit side by side, the check over up to a million sessions, logon,
//! provisioning, a tier change reaching a live session, the hot path while the cold path is busy, and
//! multi-core scaling. Plain `main`, not criterion.
//!
//! ```text
//! cargo bench --bench latency                      # everything, full sizes (a few minutes)
//! cargo bench --bench latency -- --short           # every part with tiny counts (seconds; CI smoke)
//! cargo bench --bench latency -- --threads 1,2,16  # the scaling part's thread counts
//! cargo bench --bench latency -- --parts check,scale,cold,tier,busy,scaling
//! cargo bench --bench latency -- --scales 1,1000,100000,1000000
//! cargo bench --bench latency -- --publish         # also BENCHMARKS.md and benches/results/
//! ```
//!
//! `FIXPROV_BENCH_SHORT=1` is the same as `--short`. Run without cargo bench's `--bench` flag (by
//! `cargo test --benches`), it runs in short mode unless `--full` is given.
//!
//! Writes target/latency/latency.json, latency.md and latency.svg; with `--publish` also
//! benches/results/latency.json, benches/results/latency.svg and BENCHMARKS.md (keeping its
//! hand-written Java / QuickFIX section). `scripts/bench.sh` is the one command that regenerates all
//! of it; see BENCHMARKS.md for the method.

#[path = "latency/cold.rs"]
mod cold;
#[path = "latency/hot.rs"]
mod hot;
#[path = "latency/measure.rs"]
mod measure;
#[path = "latency/plot.rs"]
mod plot;
#[path = "latency/report.rs"]
mod report;
#[path = "latency/results.rs"]
mod results;
#[path = "latency/scaling.rs"]
mod scaling;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Iteration counts of one run.
pub struct Sizes {
    /// Samples per batched one-session measurement.
    pub check_samples: usize,
    /// Samples per single-call measurement.
    pub single_samples: usize,
    /// Samples per scale measurement.
    pub scale_samples: usize,
    /// Open-session counts of the scale part.
    pub scales: Vec<u64>,
    pub logon_samples: usize,
    pub provision_samples: usize,
    pub provision_disk_samples: usize,
    /// Rounds of the tier-change measurement (each way).
    pub tier_rounds: usize,
    /// Length of each phase (idle, busy, idle again) of the busy measurement.
    pub busy_phase: Duration,
    /// Checks per thread in the scaling part.
    pub scaling_checks: u64,
    /// Thread counts of the scaling part.
    pub threads: Vec<usize>,
    /// Runs of each scaling measurement (the median is reported).
    pub scaling_repeats: usize,
    /// Back-to-back timer reads measured.
    pub timer_samples: usize,
}

impl Sizes {
    fn full() -> Sizes {
        Sizes {
            check_samples: 250_000,
            single_samples: 2_000_000,
            scale_samples: 50_000,
            scales: vec![1, 1_000, 100_000, 1_000_000],
            logon_samples: 20_000,
            provision_samples: 20_000,
            provision_disk_samples: 2_000,
            tier_rounds: 10_000,
            busy_phase: Duration::from_secs(4),
            scaling_checks: 20_000_000,
            threads: default_threads(),
            scaling_repeats: 3,
            timer_samples: 1_000_000,
        }
    }

    fn short() -> Sizes {
        Sizes {
            check_samples: 1_000,
            single_samples: 5_000,
            scale_samples: 500,
            scales: vec![1, 1_000, 10_000],
            logon_samples: 200,
            provision_samples: 50,
            provision_disk_samples: 5,
            tier_rounds: 20,
            busy_phase: Duration::from_millis(200),
            scaling_checks: 100_000,
            threads: default_threads(),
            scaling_repeats: 1,
            timer_samples: 10_000,
        }
    }
}

/// 1, 2 and every core.
fn default_threads() -> Vec<usize> {
    let mut t = vec![1, 2, cores()];
    t.sort_unstable();
    t.dedup();
    t
}

/// Cores available to the process.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The target directory (CARGO_TARGET_DIR aware) and this harness's output directory in it.
pub fn out_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from)
        .join("latency")
}

fn list<T: std::str::FromStr>(text: &str, what: &str) -> Vec<T> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().replace('_', "").parse().unwrap_or_else(|_| panic!("{what}: cannot parse {s:?}")))
        .collect()
}

const PARTS: [&str; 6] = ["check", "scale", "cold", "tier", "busy", "scaling"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "cargo bench --bench latency -- [--short | --full] [--threads 1,2,16] [--scales 1,1000,100000,1000000] \
             [--parts {}] [--publish]\nFIXPROV_BENCH_SHORT=1 is --short. Writes {}.",
            PARTS.join(","),
            out_dir().display()
        );
        return;
    }
    // `cargo bench` passes --bench; `cargo test --benches` does not: a test run is a short run.
    let under_bench = args.iter().any(|a| a == "--bench");
    let env_short = std::env::var("FIXPROV_BENCH_SHORT").is_ok_and(|v| !v.is_empty() && v != "0");
    let full = args.iter().any(|a| a == "--full");
    let short = args.iter().any(|a| a == "--short") || env_short || (!under_bench && !full);
    let publish = args.iter().any(|a| a == "--publish");
    let value = |name: &str| {
        args.iter().enumerate().find_map(|(i, a)| {
            a.strip_prefix(&format!("{name}="))
                .map(str::to_owned)
                .or_else(|| (a == name).then(|| args.get(i + 1).cloned()).flatten())
        })
    };
    let mut sizes = if short { Sizes::short() } else { Sizes::full() };
    if let Some(t) = value("--threads") {
        sizes.threads = list(&t, "--threads");
    }
    if let Some(s) = value("--scales") {
        sizes.scales = list(&s, "--scales");
    }
    let parts: Vec<String> =
        value("--parts").map_or_else(|| PARTS.map(String::from).to_vec(), |p| list(&p, "--parts"));
    for p in &parts {
        assert!(PARTS.contains(&p.as_str()), "unknown part {p:?}; parts: {}", PARTS.join(","));
    }
    let want = |p: &str| parts.iter().any(|q| q == p);
    // The arguments that change what is measured, for BENCHMARKS.md's regeneration line.
    let echo: Vec<String> = ["--threads", "--scales", "--parts"]
        .iter()
        .filter_map(|n| value(n).map(|v| format!("{n} {v}")))
        .chain(short.then(|| "--short".to_owned()))
        .collect();

    let started = Instant::now();
    let cpu_start = measure::CpuUse::now();
    println!(
        "fixprov latency harness: {} mode, parts {}, output {}",
        if short { "SHORT" } else { "full" },
        parts.join(","),
        out_dir().display()
    );
    let timer = measure::Timer::new(sizes.timer_samples);
    let overhead = measure::Summary::of(&timer.overhead);
    println!(
        "timer: quanta raw ({}), {:.3} ns/tick; back-to-back reads p50 {} p99 {} (subtracting {} ticks); \
         Instant::now pair {}",
        if timer.tsc { "TSC" } else { "monotonic fallback" },
        timer.ps_per_tick / 1_000.0,
        measure::fmt_ns(overhead.p50),
        measure::fmt_ns(overhead.p99),
        timer.overhead_ticks,
        measure::fmt_ns(timer.instant_pair_ns)
    );
    let mut r = results::Results { timer, short, rows: Vec::new(), scaling: Vec::new(), facts: Vec::new() };
    if want("check") {
        hot::one_session(&mut r, &sizes);
    }
    if want("scale") {
        hot::many_sessions(&mut r, &sizes);
    }
    if want("cold") {
        cold::logon_rows(&mut r, &sizes);
        cold::logon_under_tier_churn_rows(&mut r, &sizes);
        cold::provision_rows(&mut r, &sizes);
    }
    if want("tier") {
        cold::tier_change_rows(&mut r, &sizes);
    }
    if want("busy") {
        cold::busy_rows(&mut r, &sizes);
    }
    if want("scaling") {
        scaling::scaling_rows(&mut r, &sizes);
    }
    r.fact("run_seconds", measure::round(started.elapsed().as_secs_f64()));
    let others = measure::CpuUse::now().others_since(&cpu_start, started.elapsed().as_secs_f64());
    r.fact("other_processes_cores", measure::round(others));
    if others > 0.2 {
        println!("\nnote: other processes used {others:.2} cores on average during this run: the numbers are noisy");
    }

    let out = out_dir();
    let callgrind: Option<serde_json::Value> =
        std::fs::read_to_string(out.join("callgrind.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
    let machine = report::machine();
    let targets = report::targets(&r);
    let json = report::to_json(&r, &machine, &targets, &callgrind);
    let json_text = serde_json::to_string_pretty(&json).expect("json") + "\n";
    let tables = report::tables(&r, &callgrind);
    report::write(&out.join("latency.json"), &json_text);
    report::write(&out.join("latency.md"), &tables);
    if let Err(e) = plot::write(&r, &out.join("latency.svg")) {
        eprintln!("plot failed: {e}");
    }
    println!("\n{tables}");
    println!("## Headline targets\n");
    for t in &targets {
        let met = match t.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not measured",
        };
        println!("- {}: {} -> {met}", t.what, t.measured);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if publish {
        let results = root.join("benches/results");
        report::write(&results.join("latency.json"), &json_text);
        // Each CPU model's latest run is kept beside the others (see BENCHMARKS.md).
        let by_cpu = results.join("cpu");
        std::fs::create_dir_all(&by_cpu).expect("benches/results/cpu");
        let slug = report::cpu_slug(machine["cpu_model"].as_str().unwrap_or("unknown"));
        report::write(&by_cpu.join(format!("{slug}.json")), &json_text);
        std::fs::copy(out.join("latency.svg"), results.join("latency.svg")).expect("copy the plot");
        let md_path = root.join("BENCHMARKS.md");
        let existing = std::fs::read_to_string(&md_path).unwrap_or_default();
        let md = report::benchmarks_md(
            &r,
            &machine,
            &targets,
            &tables,
            &existing,
            "benches/results/latency.svg",
            &echo.join(" "),
        );
        report::write(&md_path, &md);
        println!(
            "\nwrote {}, {} and {}",
            md_path.display(),
            results.join("latency.json").display(),
            results.join("latency.svg").display()
        );
    } else {
        // The same document, for a look without touching the checked-in copies.
        let existing = std::fs::read_to_string(root.join("BENCHMARKS.md")).unwrap_or_default();
        let md =
            report::benchmarks_md(&r, &machine, &targets, &tables, &existing, "latency.svg", &echo.join(" "));
        report::write(&out.join("BENCHMARKS.md"), &md);
    }
    println!(
        "\nwrote {} (latency.json, latency.md, latency.svg, BENCHMARKS.md) in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
}

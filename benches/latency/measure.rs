//! Timing: the TSC read through quanta, the cost of reading it, and the sampling loops that record
//! into HDR histograms.
//!
//! A sample is `t0 = raw(); B calls; t1 = raw()`, recorded as raw ticks into a histogram (exact below
//! 2,048 ticks, 3 significant digits above). The loop does nothing else between the two reads; the
//! histogram is written after `t1`. When a measurement is summarised, each sample becomes a per-call
//! value: `(ticks - timer overhead) x ns per tick / B`, where the timer overhead is the median of
//! back-to-back reads (`raw(); raw()`) taken once at start-up. B is 1 (single call: the per-call
//! distribution itself, its resolution limited by the TSC read) or [`BATCH`] (the mean of that many
//! consecutive calls per sample; tails are averaged over the batch).

use hdrhistogram::Histogram;
use std::time::{Duration, Instant};

/// Calls per sample in batched measurements. 64 rather than 16: where the TSC advances in steps of
/// 10 ns (AMD EPYC under KVM, this project's machine class), a batch of 16 resolves only 0.6 ns per
/// call, a tenth of the check; 64 resolves 0.16 ns.
pub const BATCH: usize = 64;

/// The timer: quanta's raw TSC reading and what it costs.
pub struct Timer {
    clock: quanta::Clock,
    /// Picoseconds per raw tick.
    pub ps_per_tick: f64,
    /// Median of `raw(); raw()`, in ticks: subtracted from every sample.
    pub overhead_ticks: u64,
    /// The back-to-back distribution, per read pair, in ps (for the report).
    pub overhead: Histogram<u64>,
    /// `Instant::now(); Instant::now()` median, in ns (for the report).
    pub instant_pair_ns: f64,
    /// Whether quanta reads the TSC (false: it fell back to the OS monotonic clock).
    pub tsc: bool,
    /// The median non-zero difference between consecutive readings, in ps: the timer's effective
    /// resolution (its tick granularity or its own read cost, whichever is larger). Single-call
    /// values below it are not resolved.
    pub resolution_ps: u64,
}

/// A histogram of raw ticks (one value per sample).
pub fn tick_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 1 << 44, 3).expect("histogram bounds")
}

/// A histogram of per-call picoseconds.
pub fn ps_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 1 << 50, 3).expect("histogram bounds")
}

impl Timer {
    /// Calibrates the clock and measures back-to-back reads (`samples` pairs).
    pub fn new(samples: usize) -> Timer {
        let clock = quanta::Clock::new();
        // quanta's own calibration against the OS monotonic clock, over a long span for precision.
        let span = 1u64 << 36;
        let ps_per_tick = clock.delta_as_nanos(0, span) as f64 * 1_000.0 / span as f64;
        // A TSC-backed clock ticks at the TSC rate; the monotonic fallback's raw unit is 1 ns.
        let tsc = (ps_per_tick - 1_000.0).abs() > 1.0;
        let mut ticks = tick_histogram();
        for i in 0..samples + samples / 10 {
            let t0 = clock.raw();
            let t1 = clock.raw();
            if i >= samples / 10 {
                ticks.saturating_record(t1.wrapping_sub(t0));
            }
        }
        let overhead_ticks = ticks.value_at_quantile(0.5);
        let mut overhead = ps_histogram();
        for v in ticks.iter_recorded() {
            overhead.saturating_record_n(
                (v.value_iterated_to() as f64 * ps_per_tick).round() as u64,
                v.count_at_value(),
            );
        }
        let mut steps = Vec::with_capacity(10_001);
        let mut last = clock.raw();
        while steps.len() < 10_001 {
            let t = clock.raw();
            if t != last {
                steps.push(t.wrapping_sub(last));
                last = t;
            }
        }
        steps.sort_unstable();
        let resolution_ps = (steps[5_000] as f64 * ps_per_tick).round() as u64;
        let mut pairs: Vec<u64> = (0..10_001)
            .map(|_| {
                let a = Instant::now();
                let b = Instant::now();
                (b - a).as_nanos() as u64
            })
            .collect();
        pairs.sort_unstable();
        Timer {
            clock,
            ps_per_tick,
            overhead_ticks,
            overhead,
            instant_pair_ns: pairs[5_000] as f64,
            tsc,
            resolution_ps,
        }
    }

    /// The raw reading (TSC ticks).
    #[inline(always)]
    pub fn raw(&self) -> u64 {
        self.clock.raw()
    }

    /// Ticks in `d`.
    pub fn ticks_in(&self, d: Duration) -> u64 {
        (d.as_nanos() as f64 * 1_000.0 / self.ps_per_tick) as u64
    }

    /// Per-call picoseconds from a histogram of raw ticks of `batch` calls each, the timer's
    /// overhead subtracted (a sample faster than the overhead counts as 0).
    pub fn per_call(&self, ticks: &Histogram<u64>, batch: usize) -> Histogram<u64> {
        let mut out = ps_histogram();
        for v in ticks.iter_recorded() {
            let net = v.value_iterated_to().saturating_sub(self.overhead_ticks);
            out.saturating_record_n(
                (net as f64 * self.ps_per_tick / batch as f64).round() as u64,
                v.count_at_value(),
            );
        }
        out
    }
}

/// `samples` samples of `B` calls of `f` each (after `samples / 10` unrecorded warm-up samples),
/// as raw ticks per sample.
#[inline(never)]
pub fn sample<const B: usize>(timer: &Timer, samples: usize, mut f: impl FnMut()) -> Histogram<u64> {
    let mut ticks = tick_histogram();
    let warm = samples / 10;
    for i in 0..warm + samples {
        let t0 = timer.raw();
        for _ in 0..B {
            f();
        }
        let t1 = timer.raw();
        if i >= warm {
            ticks.saturating_record(t1.wrapping_sub(t0));
        }
    }
    ticks
}

/// Samples of `B` calls of `f` each for `duration` (no warm-up: the caller warms up), as raw ticks.
#[inline(never)]
pub fn sample_for<const B: usize>(timer: &Timer, duration: Duration, mut f: impl FnMut()) -> Histogram<u64> {
    let mut ticks = tick_histogram();
    let end = timer.raw().wrapping_add(timer.ticks_in(duration));
    loop {
        let t0 = timer.raw();
        for _ in 0..B {
            f();
        }
        let t1 = timer.raw();
        ticks.saturating_record(t1.wrapping_sub(t0));
        if t1 >= end {
            return ticks;
        }
    }
}

/// Involuntary context switches of the calling thread so far (from /proc/thread-self/status), or
/// `None` where that is not available: how often the scheduler took its core away.
pub fn involuntary_switches() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    status.lines().find_map(|line| line.strip_prefix("nonvoluntary_ctxt_switches:"))?.trim().parse().ok()
}

/// Involuntary context switches of the calling thread since it read `before` from
/// [`involuntary_switches`].
pub fn involuntary_switches_since(before: Option<u64>) -> Option<u64> {
    Some(involuntary_switches()?.saturating_sub(before?))
}

/// Samples in a per-call picosecond histogram of `batch` calls per sample whose whole sample took
/// at least `sample_ps`.
pub fn samples_over(hist: &Histogram<u64>, batch: usize, sample_ps: u64) -> u64 {
    let per_call = sample_ps / batch as u64;
    hist.iter_recorded().filter(|v| v.value_iterated_to() >= per_call).map(|v| v.count_at_value()).sum()
}

/// CPU seconds used so far by this process's threads whose name starts with `prefix` (from
/// /proc/self/task; 0 where that is not available).
pub fn thread_cpu_seconds(prefix: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    let mut ticks = 0u64;
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.trim_end().starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // After the ")" closing the name: state, ppid, ..., utime (12th), stime (13th).
        let fields: Vec<&str> =
            stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        ticks += fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            + fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    // USER_HZ is 100 on every Linux the project targets.
    ticks as f64 / 100.0
}

/// CPU seconds the whole machine and this process have used so far (from /proc/stat and
/// /proc/self/stat; zeros where unavailable). The difference of two readings tells how much CPU
/// other processes took meanwhile.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuUse {
    pub machine_busy_s: f64,
    pub this_process_s: f64,
}

impl CpuUse {
    pub fn now() -> CpuUse {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let cpu: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
        let total: u64 = cpu.iter().take(8).sum();
        let idle = cpu.get(3).copied().unwrap_or(0) + cpu.get(4).copied().unwrap_or(0);
        let own = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> =
            own.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        let mine = fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            + fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        CpuUse {
            machine_busy_s: total.saturating_sub(idle) as f64 / 100.0,
            this_process_s: mine as f64 / 100.0,
        }
    }

    /// Cores other processes kept busy on average since `earlier`, `wall_s` seconds ago (an estimate:
    /// the kernel counts in 10 ms ticks; clamped to the machine's cores).
    pub fn others_since(&self, earlier: &CpuUse, wall_s: f64) -> f64 {
        let cpu =
            (self.machine_busy_s - earlier.machine_busy_s) - (self.this_process_s - earlier.this_process_s);
        (cpu / wall_s.max(1e-3)).clamp(0.0, crate::cores() as f64)
    }
}

/// Percentiles of one measurement, in ns per call.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub samples: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub p9999: f64,
    pub max: f64,
    pub mean: f64,
}

impl Summary {
    /// From a per-call picosecond histogram.
    pub fn of(ps: &Histogram<u64>) -> Summary {
        let q = |q: f64| ps.value_at_quantile(q) as f64 / 1_000.0;
        Summary {
            samples: ps.len(),
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            p9999: q(0.9999),
            max: ps.max() as f64 / 1_000.0,
            mean: ps.mean() / 1_000.0,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "samples": self.samples,
            "p50_ns": round(self.p50),
            "p90_ns": round(self.p90),
            "p99_ns": round(self.p99),
            "p99_9_ns": round(self.p999),
            "p99_99_ns": round(self.p9999),
            "max_ns": round(self.max),
            "mean_ns": round(self.mean),
        })
    }
}

/// Three decimals, for the JSON.
pub fn round(v: f64) -> f64 {
    (v * 1_000.0).round() / 1_000.0
}

/// A duration in ns shown with a unit that fits.
pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 10_000.0 {
        format!("{:.1} us", ns / 1_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} us", ns / 1_000.0)
    } else if ns >= 100.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{ns:.1} ns")
    }
}

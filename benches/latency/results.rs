//! What a run collects: one row per measurement, the scaling table, and notes.

use crate::measure::{Summary, Timer};
use hdrhistogram::Histogram;

/// One measured distribution.
pub struct Row {
    /// The table it belongs to.
    pub part: &'static str,
    /// What was measured, e.g. "fixprov_check order admitted".
    pub name: String,
    /// Open sessions (or keys) the calls were spread over, where that matters.
    pub sessions: Option<u64>,
    /// Calls per timed sample (1: single call; BATCH: batch, divided).
    pub batch: usize,
    /// Per-call percentiles.
    pub summary: Summary,
    /// Per-call picoseconds (kept for the plot).
    pub hist: Histogram<u64>,
    /// Anything the reader needs to know about this row.
    pub note: String,
}

/// One line of the scaling table.
pub struct Scaling {
    pub threads: usize,
    /// ns per check per thread, each thread on its own session.
    pub separate_ns: f64,
    /// ns per check per thread, every thread on one session.
    pub shared_ns: f64,
    /// ns per check per thread, each thread on its own session, all sessions of one user under an
    /// account limit (each check also spends from the one account line).
    pub account_ns: f64,
    /// Checks each thread made on separate sessions (a tenth as many on the shared one).
    pub checks: u64,
    /// Every run's value (the ns figures above are their medians).
    pub separate_runs: Vec<f64>,
    pub shared_runs: Vec<f64>,
    pub account_runs: Vec<f64>,
}

/// Everything one run measured.
pub struct Results {
    pub timer: Timer,
    pub short: bool,
    pub rows: Vec<Row>,
    pub scaling: Vec<Scaling>,
    /// Facts about the run worth printing (admin requests served, ...), as (key, value).
    pub facts: Vec<(String, serde_json::Value)>,
}

impl Results {
    /// Adds a row from a histogram of raw ticks and prints it.
    pub fn add(
        &mut self,
        part: &'static str,
        name: impl Into<String>,
        sessions: Option<u64>,
        batch: usize,
        ticks: &Histogram<u64>,
    ) -> &mut Row {
        let hist = self.timer.per_call(ticks, batch);
        self.push(part, name, sessions, batch, hist)
    }

    /// Adds a row from a per-call picosecond histogram and prints it.
    pub fn push(
        &mut self,
        part: &'static str,
        name: impl Into<String>,
        sessions: Option<u64>,
        batch: usize,
        hist: Histogram<u64>,
    ) -> &mut Row {
        let summary = Summary::of(&hist);
        let name = name.into();
        let at = sessions.map_or_else(String::new, |n| format!(" [{n} sessions]"));
        println!(
            "  {part:<8} {name:<48}{at:<18} B={batch:<2} p50 {:>9}  p99 {:>9}  p99.9 {:>9}  p99.99 {:>9}  max {:>9}",
            crate::measure::fmt_ns(summary.p50),
            crate::measure::fmt_ns(summary.p99),
            crate::measure::fmt_ns(summary.p999),
            crate::measure::fmt_ns(summary.p9999),
            crate::measure::fmt_ns(summary.max),
        );
        self.rows.push(Row { part, name, sessions, batch, summary, hist, note: String::new() });
        self.rows.last_mut().expect("just pushed")
    }

    /// The row of `part` named `name` (on `sessions`), if measured.
    pub fn find(&self, part: &str, name: &str, sessions: Option<u64>) -> Option<&Row> {
        self.rows.iter().find(|r| r.part == part && r.name == name && r.sessions == sessions)
    }

    pub fn fact(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.facts.push((key.to_owned(), value.into()));
    }
}

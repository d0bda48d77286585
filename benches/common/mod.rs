//! What the benches share: reading criterion's medians back to print the comparison tables.

use std::path::PathBuf;

/// The target directory criterion writes into.
#[allow(dead_code)] // not every bench reads criterion's results
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from)
}

/// The median, in ns, of benchmark `id` of `group` from the last run, if it ran.
#[allow(dead_code)] // not every bench reads criterion's results
pub fn median_ns(group: &str, id: &str) -> Option<f64> {
    let path = target_dir().join("criterion").join(group).join(id).join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Whether criterion was only asked to list or smoke-test the benches (no medians then).
pub fn listing_only() -> bool {
    std::env::args().any(|a| a == "--list" || a == "--test")
}

/// The CPU's model name (from /proc/cpuinfo), for the results' heading: ratios differ by vendor.
#[allow(dead_code)] // not every bench prints it
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name").map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

//! The latency-distribution plot: per-call latency against percentile, both on log axes, for
//! fixprov's order check and the three Rust limiters, from the batched and the single-call
//! measurements side by side.

use crate::measure::BATCH;
use crate::results::Results;
use plotters::prelude::*;
use std::path::Path;

/// Series drawn: (row name, legend, colour).
const SERIES: [(&str, &str, RGBColor); 4] = [
    ("fixprov_check order admitted", "fixprov_check order (C ABI)", RGBColor(200, 30, 30)),
    ("governor direct check()", "governor direct check()", RGBColor(30, 90, 200)),
    ("governor keyed check_key()", "governor keyed check_key()", RGBColor(20, 150, 60)),
    ("ratelimit try_wait()", "ratelimit try_wait()", RGBColor(150, 80, 180)),
];

/// Highest x: 99.999th percentile.
const X_MAX: f64 = 5.0;

/// `x` (the number of nines) as a percentile label: 0 -> "0%", 1 -> "90%", 3 -> "99.9%".
fn percentile_label(x: &f64) -> String {
    let q = 100.0 * (1.0 - 10f64.powf(-x));
    let digits = (x.round() as usize).saturating_sub(2);
    format!("{q:.digits$}%")
}

type Lines = Vec<(&'static str, RGBColor, Vec<(f64, f64)>)>;

/// The percentile curves of `part`'s rows (values under `floor` ns drawn at it), and their lowest
/// and highest values.
fn curves(results: &Results, part: &str, floor: f64) -> (Lines, f64, f64) {
    let mut lines = Vec::new();
    let (mut lo, mut hi) = (f64::MAX, 0f64);
    for (row, legend, colour) in SERIES {
        let Some(row) = results.find(part, row, None) else { continue };
        let mut points = Vec::new();
        let mut x = 0.0;
        while x <= X_MAX + 1e-9 {
            let q = 1.0 - 10f64.powf(-x);
            let ns = (row.hist.value_at_quantile(q) as f64 / 1_000.0).max(floor);
            lo = lo.min(ns);
            hi = hi.max(ns);
            points.push((x, ns));
            x += 0.02;
        }
        lines.push((legend, colour, points));
    }
    (lines, lo, hi)
}

/// Writes the SVG to `path`: batched samples on the left, single calls on the right.
pub fn write(results: &Results, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // Single calls below the timer's resolution are not resolved: drawn at the resolution.
    let resolution = (results.timer.resolution_ps as f64 / 1_000.0).max(0.1);
    let single = format!("single calls (overhead subtracted; under {resolution:.0} ns drawn at it)");
    let panels = [
        ("check", format!("batches of {BATCH} calls per sample (per-call mean)"), 0.1),
        ("single", single, resolution),
    ];
    let data: Vec<(String, Lines, f64, f64)> = panels
        .into_iter()
        .map(|(part, title, floor)| {
            let (lines, lo, hi) = curves(results, part, floor);
            (title, lines, lo, hi)
        })
        .filter(|(_, lines, ..)| !lines.is_empty())
        .collect();
    if data.is_empty() {
        return Ok(());
    }
    let lo = data.iter().map(|d| d.2).fold(f64::MAX, f64::min);
    let hi = data.iter().map(|d| d.3).fold(0f64, f64::max);
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil());
    let root = SVGBackend::new(path, (1200, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let root =
        root.titled("Per-call latency by percentile, one session, admitted path", ("sans-serif", 22))?;
    let areas = root.split_evenly((1, data.len()));
    for (area, (title, lines, ..)) in areas.iter().zip(data) {
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 16))
            .margin(12)
            .margin_right(32)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..X_MAX, (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&percentile_label)
            .y_label_formatter(&|v| if *v >= 1.0 { format!("{v:.0}") } else { format!("{v:.1}") })
            .x_desc("percentile")
            .y_desc("ns per call (log)")
            .draw()?;
        for (legend, colour, points) in lines {
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                .label(legend)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

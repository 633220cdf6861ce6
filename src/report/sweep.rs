//! The sweep experiment's results: for each download pool size, the download
//! stage's time beside what the mirror's latency model predicts; for each
//! CPU pool size, the processing stages' time. Written as JSON and drawn as
//! an SVG plot of three charts.

use serde::Serialize;
use serde_json::Value;

use super::svg::{Chart, Series, Svg, stage_colour};
use crate::latency::LatencyModel;
use crate::record::stats::Summary;

/// One setting of the pools, measured `runs` times.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    pub download_workers: usize,
    pub cpu_workers: usize,
    pub runs: usize,
    /// Wall time of the download stage.
    pub download_seconds: Summary,
    /// Wall time of the processing stages (decode excluded), added up.
    pub process_seconds: Summary,
    /// CPU time of the processing stages, added up.
    pub process_cpu_seconds: Summary,
    /// Wall time of the whole run.
    pub total_seconds: Summary,
    /// What the latency model predicts for the download stage with this
    /// many workers (see [`ideal_download_seconds`]).
    pub ideal_download_seconds: f64,
}

/// A whole sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    pub gutenpipe: &'static str,
    /// The settings: books, latency model, the lists swept.
    pub config: Value,
    /// Cores of the machine it ran on.
    pub cores: usize,
    /// The processing stages whose time `process_seconds` adds up.
    pub process_stages: Vec<String>,
    /// Download workers varied, CPU workers at the largest value asked for.
    pub download: Vec<SweepPoint>,
    /// CPU workers varied, download workers at the largest value asked for.
    pub cpu: Vec<SweepPoint>,
}

/// The download stage's time as the latency model predicts it for books of
/// `sizes` bytes on `workers` threads: each worker takes the next book in
/// input order when it is free, and each book takes the model's time
/// (latency + size ÷ bandwidth, without jitter). With books of one size this
/// is ⌈N ÷ W⌉ × (latency + size ÷ bandwidth); with real sizes the largest
/// book bounds it from below however many workers there are.
pub fn ideal_download_seconds(model: &LatencyModel, sizes: &[u64], workers: usize) -> f64 {
    let mut free_at = vec![0.0f64; workers.max(1).min(sizes.len().max(1))];
    for &size in sizes {
        let (i, start) = free_at
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        free_at[i] = start + model.ideal_time(size).as_secs_f64();
    }
    free_at.into_iter().fold(0.0, f64::max)
}

/// A measured line in `stage`'s colour and a model's dashed line beside it.
fn measured_and_ideal(
    stage: &str,
    measured: Vec<(f64, f64)>,
    ideal_label: &str,
    ideal: Vec<(f64, f64)>,
) -> Vec<Series> {
    vec![
        Series {
            label: "measured".into(),
            colour: stage_colour(stage),
            dashed: false,
            points: measured,
        },
        Series {
            label: ideal_label.into(),
            colour: "#555555",
            dashed: true,
            points: ideal,
        },
    ]
}

/// The sweep as an SVG plot: download time, download speedup, and
/// processing time against the pool sizes.
pub fn render_svg(report: &SweepReport) -> String {
    let (w, h) = (340.0, 300.0);
    let mut svg = Svg::new(3.0 * w + 20.0, h + 56.0);
    let books = report.config["books"].as_u64().unwrap_or(0);
    svg.text(
        10.0,
        20.0,
        "start",
        15.0,
        &format!(
            "gutenpipe sweep: {books} books, staged mode, on {} cores",
            report.cores
        ),
        r#"font-weight="bold""#,
    );
    svg.text(
        10.0,
        38.0,
        "start",
        12.0,
        "Threads waiting on the network help until the latency model's limit; threads computing help only up to the cores.",
        r##"fill="#444""##,
    );
    let d = &report.download;
    let first = d.first();
    let speedup = |base: f64, x: f64| if x > 0.0 { base / x } else { 0.0 };
    let download_time = Chart {
        title: "Download stage: time".into(),
        x_label: "download workers".into(),
        y_label: "seconds".into(),
        log2_x: true,
        series: measured_and_ideal(
            "download",
            d.iter()
                .map(|p| (p.download_workers as f64, p.download_seconds.mean))
                .collect(),
            "latency model ideal",
            d.iter()
                .map(|p| (p.download_workers as f64, p.ideal_download_seconds))
                .collect(),
        ),
        marker: None,
    };
    let download_speedup = Chart {
        title: format!(
            "Download stage: speedup over {} worker{}",
            first.map_or(1, |p| p.download_workers),
            if first.is_some_and(|p| p.download_workers == 1) {
                ""
            } else {
                "s"
            }
        ),
        x_label: "download workers".into(),
        y_label: "times faster".into(),
        log2_x: true,
        series: measured_and_ideal(
            "download",
            d.iter()
                .map(|p| {
                    let base = first.map_or(0.0, |f| f.download_seconds.mean);
                    (
                        p.download_workers as f64,
                        speedup(base, p.download_seconds.mean),
                    )
                })
                .collect(),
            "latency model ideal",
            d.iter()
                .map(|p| {
                    let base = first.map_or(0.0, |f| f.ideal_download_seconds);
                    (
                        p.download_workers as f64,
                        speedup(base, p.ideal_download_seconds),
                    )
                })
                .collect(),
        ),
        marker: None,
    };
    let c = &report.cpu;
    let stage_name = report.process_stages.join(" + ");
    let cpu_first = c.first();
    let cpu_time = Chart {
        title: format!("{stage_name}: time"),
        x_label: "CPU workers (rayon threads)".into(),
        y_label: "seconds".into(),
        log2_x: false,
        series: measured_and_ideal(
            report.process_stages.first().map_or("", String::as_str),
            c.iter()
                .map(|p| (p.cpu_workers as f64, p.process_seconds.mean))
                .collect(),
            "ideal: ÷ min(workers, cores)",
            c.iter()
                .map(|p| {
                    // The work of one worker, shared by as many as can run at once.
                    let work = cpu_first.map_or(0.0, |f| {
                        f.process_seconds.mean * f.cpu_workers.min(report.cores) as f64
                    });
                    let parallel = p.cpu_workers.min(report.cores).max(1);
                    (p.cpu_workers as f64, work / parallel as f64)
                })
                .collect(),
        ),
        marker: Some((report.cores as f64, format!("{} cores", report.cores))),
    };
    download_time.draw(&mut svg, 0.0, 50.0, w, h);
    download_speedup.draw(&mut svg, w + 10.0, 50.0, w, h);
    cpu_time.draw(&mut svg, 2.0 * w + 20.0, 50.0, w, h);
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ideal_is_ceil_n_over_w_for_equal_books_and_bounded_by_the_largest() {
        let model = LatencyModel {
            latency: Duration::from_millis(100),
            bandwidth: Some(1_000_000),
            ..LatencyModel::default()
        };
        let sizes = vec![100_000; 10]; // 0.1 s + 0.1 s each
        for (w, expected) in [(1, 2.0), (2, 1.0), (3, 0.8), (4, 0.6), (10, 0.2), (64, 0.2)] {
            let got = ideal_download_seconds(&model, &sizes, w);
            assert!((got - expected).abs() < 1e-9, "{w} workers: {got}");
        }
        let mut mixed = vec![0; 9];
        mixed.push(2_000_000); // 2.1 s on its own
        assert!((ideal_download_seconds(&model, &mixed, 64) - 2.1).abs() < 1e-9);
    }
}

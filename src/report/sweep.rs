//! The sweep for people: two tables (download workers, CPU workers) and an
//! SVG plot of three charts — download time and speedup against the
//! download workers, beside the latency model's prediction, and the
//! processing stages' time against the CPU workers.

use super::svg::{Chart, Series, Svg, stage_colour};
use super::{table, warnings};
use crate::record::stats::Summary;
use crate::record::sweep::SweepReport;
use std::collections::BTreeMap;

/// A measured line in `stage`'s colour and a model's dashed line beside it.
fn measured_and_ideal(
    colours: &BTreeMap<String, &'static str>,
    stage: &str,
    measured: Vec<(f64, f64)>,
    ideal_label: &str,
    ideal: Vec<(f64, f64)>,
) -> Vec<Series> {
    vec![
        Series {
            label: "measured".into(),
            colour: stage_colour(stage, colours.get(stage).copied()),
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
    svg.text(
        10.0,
        20.0,
        "start",
        15.0,
        &format!(
            "gutenpipe sweep: {} books, staged mode, on {} cores",
            report.config.books, report.cores
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
    download_time(report).draw(&mut svg, 0.0, 50.0, w, h);
    download_speedup(report).draw(&mut svg, w + 10.0, 50.0, w, h);
    cpu_time(report).draw(&mut svg, 2.0 * w + 20.0, 50.0, w, h);
    svg.finish()
}

/// The download stage's time against the download workers, beside the
/// latency model's.
fn download_time(report: &SweepReport) -> Chart {
    let d = &report.download;
    Chart {
        title: "Download stage: time".into(),
        x_label: "download workers".into(),
        y_label: "seconds".into(),
        log2_x: true,
        series: measured_and_ideal(
            &report.colours,
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
    }
}

/// The download stage's speedup over the fewest workers, measured and as
/// the latency model predicts it.
fn download_speedup(report: &SweepReport) -> Chart {
    let d = &report.download;
    let first = d.first();
    let speedup = |base: f64, x: f64| if x > 0.0 { base / x } else { 0.0 };
    let base = first.map_or(0.0, |f| f.download_seconds.mean);
    let ideal_base = first.map_or(0.0, |f| f.ideal_download_seconds);
    let workers = first.map_or(1, |p| p.download_workers);
    Chart {
        title: format!(
            "Download stage: speedup over {}",
            crate::units::count(workers as u64, "worker", "workers")
        ),
        x_label: "download workers".into(),
        y_label: "times faster".into(),
        log2_x: true,
        series: measured_and_ideal(
            &report.colours,
            "download",
            d.iter()
                .map(|p| {
                    (
                        p.download_workers as f64,
                        speedup(base, p.download_seconds.mean),
                    )
                })
                .collect(),
            "latency model ideal",
            d.iter()
                .map(|p| {
                    let ideal = speedup(ideal_base, p.ideal_download_seconds);
                    (p.download_workers as f64, ideal)
                })
                .collect(),
        ),
        marker: None,
    }
}

/// The processing stages' time against the CPU workers, beside the
/// one-worker time divided by min(workers, cores).
fn cpu_time(report: &SweepReport) -> Chart {
    let c = &report.cpu;
    // The work of one worker, shared by as many as can run at once.
    let work = c.first().map_or(0.0, |f| {
        f.process_seconds.mean * f.cpu_workers.min(report.cores) as f64
    });
    Chart {
        title: format!("{}: time", report.process_stages.join(" + ")),
        x_label: "CPU workers (rayon threads)".into(),
        y_label: "seconds".into(),
        log2_x: false,
        series: measured_and_ideal(
            &report.colours,
            report.process_stages.first().map_or("", String::as_str),
            c.iter()
                .map(|p| (p.cpu_workers as f64, p.process_seconds.mean))
                .collect(),
            "ideal: ÷ min(workers, cores)",
            c.iter()
                .map(|p| {
                    let parallel = p.cpu_workers.min(report.cores).max(1);
                    (p.cpu_workers as f64, work / parallel as f64)
                })
                .collect(),
        ),
        marker: Some((report.cores as f64, format!("{} cores", report.cores))),
    }
}

/// The sweep as two tables: download workers, then CPU workers, with the
/// warnings on figures too short or too noisy to trust.
pub fn render_table(report: &SweepReport) -> String {
    render_table_in(report, table::Layout::PLAIN)
}

/// [`render_table`] with its warnings wrapped to `layout`'s width.
pub fn render_table_in(report: &SweepReport, layout: table::Layout) -> String {
    let base = report.download.first();
    let mut rows = vec![
        [
            "download workers",
            "download",
            "model ideal",
            "speedup",
            "ideal speedup",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for p in &report.download {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        rows.push(vec![
            p.download_workers.to_string(),
            format!("{:.2} s", p.download_seconds.mean),
            format!("{:.2} s", p.ideal_download_seconds),
            format!(
                "{:.2}×",
                ratio(
                    base.map_or(0.0, |b| b.download_seconds.mean),
                    p.download_seconds.mean
                )
            ),
            format!(
                "{:.2}×",
                ratio(
                    base.map_or(0.0, |b| b.ideal_download_seconds),
                    p.ideal_download_seconds
                )
            ),
        ]);
    }
    let mut out = table::render(&rows);
    out.push('\n');
    out.push_str(&table::render(&cpu_rows(report)));
    out.push_str(&format!(
        "(this machine has {})\n",
        crate::units::count(report.cores as u64, "core", "cores")
    ));
    for warning in sweep_warnings(report) {
        out.push_str(&layout.wrap(&warning, 4));
        out.push('\n');
    }
    out
}

/// Whether the processing stages took too little CPU time on the first CPU
/// pool size for a speed-up to be measured ([`warnings::too_short`]).
fn cpu_too_short(report: &SweepReport) -> bool {
    report
        .cpu
        .first()
        .is_some_and(|b| warnings::too_short(b.process_seconds.mean, b.process_cpu_seconds.mean))
}

/// The CPU side's rows, titles first: the speed-up is `-` when the work
/// was too short to measure one.
fn cpu_rows(report: &SweepReport) -> Vec<Vec<String>> {
    let base = report.cpu.first();
    let short = cpu_too_short(report);
    let mut rows = vec![vec![
        "cpu workers".to_string(),
        report.process_stages.join(" + "),
        "speedup".into(),
        "cpu/wall".into(),
    ]];
    for p in &report.cpu {
        let speedup =
            base.map_or(0.0, |b| b.process_seconds.mean) / p.process_seconds.mean.max(1e-9);
        rows.push(vec![
            p.cpu_workers.to_string(),
            if p.process_seconds.mean < 0.1 {
                format!("{:.1} ms", p.process_seconds.mean * 1e3)
            } else {
                format!("{:.2} s", p.process_seconds.mean)
            },
            if short {
                "-".into()
            } else {
                format!("{speedup:.2}×")
            },
            format!(
                "{:.0}%",
                100.0 * p.process_cpu_seconds.mean / p.process_seconds.mean.max(1e-9)
            ),
        ]);
    }
    rows
}

/// The warnings under the sweep's tables: processing too short to measure
/// a speed-up, and settings whose times varied much between runs.
fn sweep_warnings(report: &SweepReport) -> Vec<String> {
    let mut out = Vec::new();
    if let (true, Some(b)) = (cpu_too_short(report), report.cpu.first()) {
        out.push(format!(
            "warning: {} took {:.1} ms of CPU on {}: too short to measure a speed-up from more \
             workers; give the sweep more work (--books, --size-scale, or a heavier stage such as stats)",
            report.process_stages.join(" + "),
            b.process_cpu_seconds.mean * 1e3,
            crate::units::count(b.cpu_workers as u64, "worker", "workers"),
        ));
    }
    let noisy = |s: &Summary| {
        s.mean >= warnings::TOO_SHORT_SECONDS
            && warnings::spread(s).is_some_and(|x| x > warnings::NOISY_SPREAD)
    };
    let mut settings: Vec<String> = Vec::new();
    for p in report
        .download
        .iter()
        .filter(|p| noisy(&p.download_seconds))
    {
        settings.push(format!("{} download workers", p.download_workers));
    }
    for p in report.cpu.iter().filter(|p| noisy(&p.process_seconds)) {
        settings.push(format!("{} cpu workers", p.cpu_workers));
    }
    if !settings.is_empty() {
        out.push(format!(
            "warning: the times at {} varied by more than {:.0} % of their mean over {} runs (σ): \
             something else was likely using the machine; a quiet machine or more --runs narrows it",
            warnings::and_list(&settings),
            warnings::NOISY_SPREAD * 100.0,
            report.config.runs
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Mode;
    use crate::record::sweep::{SweepPoint, SweepSettings};

    fn point(download: usize, cpu: usize, process: &[f64], process_cpu: f64) -> SweepPoint {
        let s = |v: &[f64]| Summary::of(v).unwrap();
        SweepPoint {
            download_workers: download,
            cpu_workers: cpu,
            runs: process.len(),
            download_seconds: s(&[1.0, 1.0]),
            process_seconds: s(process),
            process_cpu_seconds: s(&[process_cpu, process_cpu]),
            total_seconds: s(&[2.0, 2.0]),
            ideal_download_seconds: 1.0,
        }
    }

    fn report(cpu: Vec<SweepPoint>) -> SweepReport {
        SweepReport {
            gutenpipe: "test",
            config: SweepSettings {
                corpus: None,
                books: 6,
                mode: Mode::Staged,
                download_workers: vec![1],
                cpu_workers: vec![1, 2],
                save_workers: 1,
                stages: vec!["tokenize".into()],
                runs: 2,
                latency_seconds: None,
                jitter: None,
                bandwidth_bytes_per_second: None,
            },
            cores: 2,
            process_stages: vec!["tokenize".into()],
            failed_books: 0,
            colours: BTreeMap::new(),
            download: vec![point(1, 2, &[0.5, 0.5], 1.0)],
            cpu,
        }
    }

    #[test]
    fn processing_too_short_to_measure_shows_no_speedup_and_says_why() {
        let short = report(vec![
            point(1, 1, &[0.010, 0.011], 0.010),
            point(1, 2, &[0.012, 0.013], 0.012),
        ]);
        let text = render_table(&short);
        let row = text.lines().find(|l| l.starts_with("2 ")).unwrap();
        assert!(row.contains(" - ") && !row.contains('×'), "{text}");
        assert!(
            text.contains("warning: tokenize took 10.0 ms of CPU on 1 worker: too short"),
            "{text}"
        );
        let long = report(vec![
            point(1, 1, &[1.0, 1.01], 1.0),
            point(1, 2, &[0.5, 0.51], 1.0),
        ]);
        let text = render_table(&long);
        assert!(text.contains("1.99×"), "{text}");
        assert!(!text.contains("warning"), "{text}");
    }

    #[test]
    fn noisy_settings_are_named() {
        let noisy = report(vec![
            point(1, 1, &[1.0, 1.0], 1.0),
            point(1, 2, &[0.3, 0.9], 1.0),
        ]);
        let text = render_table(&noisy);
        assert!(
            text.contains("warning: the times at 2 cpu workers varied by more than 20 %"),
            "{text}"
        );
    }
}

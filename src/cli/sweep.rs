//! `gutenpipe sweep`: the headline experiment. Runs the staged pipeline
//! against the embedded mirror once for each download pool size (the CPU
//! pool at its largest size) and once for each CPU pool size (the download
//! pool at its largest), then prints and writes (JSON and an SVG plot) the
//! download stage's time beside what the mirror's latency model predicts,
//! and the processing stages' time against the CPU workers. Books are
//! fetched by their exact URLs, one request each, as the model assumes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use clap::Args;
use gutenpipe::book::{BookRequest, Target};
use gutenpipe::corpus::open_or_generate;
use gutenpipe::emit::Emit;
use gutenpipe::fetch::{FetchConfig, Fetcher};
use gutenpipe::mirror::{FaultPlan, Mirror, MirrorConfig};
use gutenpipe::pipeline::{DEFAULT_IN_FLIGHT, Mode, PipelineConfig, Span};
use gutenpipe::report::stats::Summary;
use gutenpipe::report::sweep::{SweepPoint, SweepReport, ideal_download_seconds, render_svg};
use gutenpipe::report::{table, write_file};
use gutenpipe::stages;
use gutenpipe::store::Store;
use serde_json::json;

use super::measure::{MeasureArgs, remove_books};
use super::{CorpusShape, Failure, LatencyArgs, exit, fatal, usage};

#[derive(Debug, Args)]
pub struct SweepCmd {
    /// Download pool sizes to try, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8,16,32,64",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub download_workers: Vec<u16>,
    /// CPU (rayon) pool sizes to try (default: 1, 2, 4 … up to twice the cores).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub cpu_workers: Vec<u16>,
    /// Save pool size, the same for every run.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub save_workers: u16,
    /// Processing stages to run, in order, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = "tokenize")]
    pub stages: Vec<String>,
    /// Timed runs of each setting (the plot shows their mean).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Corpus folder the embedded mirror serves (default: a cached synthetic corpus).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Folder for the books the runs save (each run's are deleted after it;
    /// default: a folder in the system's temporary folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the results as JSON to this file.
    #[arg(long, value_name = "FILE", default_value = "sweep.json")]
    pub json: PathBuf,
    /// Draw the plot to this SVG file.
    #[arg(long, value_name = "FILE", default_value = "sweep.svg")]
    pub svg: PathBuf,
    /// Print nothing but the results and errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub latency: LatencyArgs,
    #[command(flatten)]
    pub shape: CorpusShape,
}

/// One measured setting, before it is placed in the report.
struct Measured {
    download: Vec<f64>,
    process: Vec<f64>,
    process_cpu: Vec<f64>,
    total: Vec<f64>,
    /// Bytes of each book as downloaded, in input order.
    sizes: Vec<u64>,
    failed: usize,
}

impl SweepCmd {
    fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", text.as_ref());
        }
    }

    pub fn execute(self) -> Result<ExitCode, Failure> {
        let stages = stages::select(&self.stages).map_err(|e| usage(anyhow!("--stages: {e}")))?;
        gutenpipe::outputs::check_all([
            ("--json", self.json.as_path()),
            ("--svg", self.svg.as_path()),
        ])
        .map_err(usage)?;
        let to_stdout = [&self.json, &self.svg]
            .iter()
            .any(|p| gutenpipe::outputs::is_stdout(p));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut downloads: Vec<usize> = self.download_workers.iter().map(|&w| w.into()).collect();
        let mut cpus: Vec<usize> = if self.cpu_workers.is_empty() {
            std::iter::successors(Some(1usize), |c| Some(c * 2))
                .take_while(|c| *c <= 2 * cores)
                .collect()
        } else {
            self.cpu_workers.iter().map(|&w| w.into()).collect()
        };
        for list in [&mut downloads, &mut cpus] {
            list.sort_unstable();
            list.dedup();
        }
        let (Some(&d_max), Some(&c_max)) = (downloads.last(), cpus.last()) else {
            return Err(usage(anyhow!(
                "--download-workers and --cpu-workers need a value"
            )));
        };

        let dir = self.shape.dir(&self.corpus);
        if self.corpus.is_some() && !dir.is_dir() {
            return Err(usage(anyhow!(
                "--corpus {} is not a folder; create one with `gutenpipe corpus --out {0}`",
                dir.display()
            )));
        }
        let (catalog, _) = open_or_generate(&dir, &self.shape.config()).map_err(fatal)?;
        let model = self.latency.model(self.shape.seed);
        let mirror = Mirror::start(
            MirrorConfig {
                corpus: dir.clone(),
                latency: model,
                faults: FaultPlan::none(),
            },
            "127.0.0.1:0",
        )
        .map_err(fatal)?;
        // Each book by its exact URL: one request per book, as the model
        // assumes (fetching by id may first try layouts that answer 404).
        let base = mirror.base_url();
        let requests: Vec<BookRequest> = catalog
            .iter()
            .enumerate()
            .map(|(index, e)| BookRequest {
                index,
                id: e.id,
                target: Target::Url(format!("{base}/files/{}/{}", e.id, e.file)),
            })
            .collect();
        let (books_dir, temporary) = match &self.out {
            Some(d) => (d.clone(), false),
            None => (
                std::env::temp_dir().join(format!("gutenpipe-sweep-{}", std::process::id())),
                true,
            ),
        };
        let settings: Vec<(usize, usize)> = {
            let mut s: Vec<(usize, usize)> = downloads.iter().map(|&d| (d, c_max)).collect();
            s.extend(
                cpus.iter()
                    .map(|&c| (d_max, c))
                    .filter(|p| *p != (d_max, c_max)),
            );
            s
        };
        self.note(format!(
            "sweep: {} books from {} through {}, {} settings × {} run{}",
            requests.len(),
            dir.display(),
            mirror.base_url(),
            settings.len(),
            self.runs,
            if self.runs == 1 { "" } else { "s" }
        ));

        let process_names: Vec<String> = stages.iter().map(|s| s.name().to_string()).collect();
        let mut measured: BTreeMap<(usize, usize), Measured> = BTreeMap::new();
        let outcome = (|| {
            for &(d, c) in &settings {
                let config = PipelineConfig {
                    download_workers: d,
                    save_workers: self.save_workers.into(),
                    cpu_workers: c,
                    stages: stages.clone(),
                    emit: Emit::default(),
                    in_flight: DEFAULT_IN_FLIGHT,
                };
                let m = self.measure(d, c, &config, &books_dir, &requests, &mirror.base_url())?;
                self.note(format!(
                    "  download workers {d:>3}, cpu workers {c:>2}: download {:.2} s (model {:.2} s), {} {:.2} s{}",
                    mean(&m.download),
                    ideal_download_seconds(&model, &m.sizes, d),
                    process_names.join(" + "),
                    mean(&m.process),
                    if m.failed > 0 {
                        format!(", {} books FAILED", m.failed)
                    } else {
                        String::new()
                    }
                ));
                measured.insert((d, c), m);
            }
            Ok::<(), Failure>(())
        })();
        if temporary {
            let _ = std::fs::remove_dir_all(&books_dir);
        }
        outcome?;
        drop(mirror);

        let point = |d: usize, c: usize| -> Option<SweepPoint> {
            let m = measured.get(&(d, c))?;
            Some(SweepPoint {
                download_workers: d,
                cpu_workers: c,
                runs: m.download.len(),
                download_seconds: Summary::of(&m.download)?,
                process_seconds: Summary::of(&m.process)?,
                process_cpu_seconds: Summary::of(&m.process_cpu)?,
                total_seconds: Summary::of(&m.total)?,
                ideal_download_seconds: ideal_download_seconds(&model, &m.sizes, d),
            })
        };
        let report = SweepReport {
            gutenpipe: env!("CARGO_PKG_VERSION"),
            config: json!({
                "corpus": dir.display().to_string(),
                "books": requests.len(),
                "mode": Mode::Staged.name(),
                "download_workers": downloads,
                "cpu_workers": cpus,
                "save_workers": self.save_workers,
                "stages": process_names,
                "runs": self.runs,
                "latency_seconds": model.latency.as_secs_f64(),
                "jitter": model.jitter,
                "bandwidth_bytes_per_second": model.bandwidth,
            }),
            cores,
            process_stages: process_names.clone(),
            download: downloads.iter().filter_map(|&d| point(d, c_max)).collect(),
            cpu: cpus.iter().filter_map(|&c| point(d_max, c)).collect(),
        };
        if to_stdout {
            eprint!("{}", render_table(&report));
        } else {
            print!("{}", render_table(&report));
        }
        let text = serde_json::to_vec_pretty(&report).expect("a sweep always serialises");
        write_file(&self.json, &text).map_err(fatal)?;
        write_file(&self.svg, render_svg(&report).as_bytes()).map_err(fatal)?;
        self.note(format!(
            "written: {}\nwritten: {}",
            self.json.display(),
            self.svg.display()
        ));
        let failed = measured.values().any(|m| m.failed > 0);
        Ok(ExitCode::from(if failed {
            exit::BOOKS_FAILED
        } else {
            exit::OK
        }))
    }

    /// Runs one setting `--runs` times on fresh folders, deleting the books after.
    fn measure(
        &self,
        d: usize,
        c: usize,
        config: &PipelineConfig,
        books_dir: &std::path::Path,
        requests: &[BookRequest],
        base: &str,
    ) -> Result<Measured, Failure> {
        let mut m = Measured {
            download: Vec::new(),
            process: Vec::new(),
            process_cpu: Vec::new(),
            total: Vec::new(),
            sizes: Vec::new(),
            failed: 0,
        };
        let repeat = MeasureArgs {
            in_flight: DEFAULT_IN_FLIGHT as u32,
            runs: 1,
            warmup: 0,
            trace: None,
            timeline: None,
        };
        for k in 0..self.runs {
            let folder = books_dir.join(format!("d{d}-c{c}-{k}"));
            remove_books(&folder, requests)?;
            let store = Store::open(&folder, false).map_err(|e| usage(anyhow!("--out: {e}")))?;
            let fetch = FetchConfig {
                idle_connections: d,
                ..FetchConfig::default()
            };
            let new_fetcher = || Fetcher::new(fetch.clone(), Some(base));
            let run = repeat.run_mode(
                Mode::Staged,
                &store,
                false,
                requests,
                config,
                &new_fetcher,
                true,
            );
            remove_books(&folder, requests)?;
            let _ = std::fs::remove_dir(&folder);
            let run = run?;
            let wall = |name: &str| run.stage(name).map_or(0.0, |s| s.wall_seconds);
            m.download.push(wall("download"));
            m.process
                .push(config.stages.iter().map(|s| wall(s.name())).sum());
            m.process_cpu.push(
                config
                    .stages
                    .iter()
                    .filter_map(|s| run.stage(s.name()))
                    .map(|s| s.cpu_seconds)
                    .sum(),
            );
            m.total.push(run.wall_seconds);
            m.failed = m.failed.max(run.books_failed);
            m.sizes = download_sizes(&run.spans, requests.len());
        }
        Ok(m)
    }
}

fn mean(xs: &[f64]) -> f64 {
    Summary::of(xs).map_or(0.0, |s| s.mean)
}

/// Bytes each book's download brought, by input position.
fn download_sizes(spans: &[Span], books: usize) -> Vec<u64> {
    let mut sizes = vec![0; books];
    for s in spans.iter().filter(|s| s.stage == "download" && s.ok) {
        if let Some(x) = sizes.get_mut(s.book) {
            *x = s.bytes;
        }
    }
    sizes
}

/// The sweep as two tables: download workers, then CPU workers.
fn render_table(report: &SweepReport) -> String {
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
    let name = report.process_stages.join(" + ");
    let base = report.cpu.first();
    let mut rows = vec![vec![
        "cpu workers".to_string(),
        name,
        "speedup".into(),
        "cpu/wall".into(),
    ]];
    for p in &report.cpu {
        let speedup =
            base.map_or(0.0, |b| b.process_seconds.mean) / p.process_seconds.mean.max(1e-9);
        rows.push(vec![
            p.cpu_workers.to_string(),
            format!("{:.2} s", p.process_seconds.mean),
            format!("{speedup:.2}×"),
            format!(
                "{:.0}%",
                100.0 * p.process_cpu_seconds.mean / p.process_seconds.mean.max(1e-9)
            ),
        ]);
    }
    out.push_str(&table::render(&rows));
    out.push_str(&format!("(this machine has {} cores)\n", report.cores));
    out
}

//! `gutenpipe sweep` as a library call: the staged pipeline run once for
//! each download pool size (the CPU pool at its largest size) and once for
//! each CPU pool size (the download pool at its largest), every book
//! fetched by its exact URL (one request each, as the latency model
//! assumes); the download stage's time is set beside what the source's
//! latency model predicts, and the processing stages' time against the
//! CPU workers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::books::BookChoice;
use super::repeat::{Repeat, Runs, remove_books};
use super::source::SourceStarter;
use super::{ExperimentError, Listener};
use crate::book::BookRequest;
use crate::emit::Emit;
use crate::fetch::{FetchConfig, Fetcher};
use crate::latency::LatencyModel;
use crate::pipeline::{DEFAULT_BATCH, DEFAULT_IN_FLIGHT, PipelineConfig};
use crate::record::stats::Summary;
use crate::record::sweep::{SweepPoint, SweepReport, SweepSettings};
use crate::record::{Mode, RunReport};
use crate::stages::SharedStage;
use crate::store::Store;

/// What a sweep varies and keeps.
#[derive(Clone)]
pub struct SweepConfig {
    /// Download pool sizes to try.
    pub download_workers: Vec<usize>,
    /// CPU pool sizes to try (empty: 1, 2, 4 … up to twice the cores).
    pub cpu_workers: Vec<usize>,
    /// Save pool size, the same for every run.
    pub save_workers: usize,
    /// The processing stages.
    pub stages: Vec<SharedStage>,
    /// Timed runs of each setting.
    pub runs: u32,
    /// Folder for the books the runs save (each run's are deleted after
    /// it); `None`: a folder in the system's temporary folder.
    pub out: Option<PathBuf>,
}

/// One measured setting, before it is placed in the report.
#[derive(Default)]
struct Measured {
    download: Vec<f64>,
    process: Vec<f64>,
    process_cpu: Vec<f64>,
    total: Vec<f64>,
    /// Bytes of each book as downloaded, in input order.
    sizes: Vec<u64>,
    failed: usize,
}

/// Runs the sweep on every book the source offers.
pub fn sweep(
    config: &SweepConfig,
    starter: &dyn SourceStarter,
    listener: &dyn Listener,
) -> Result<SweepReport, ExperimentError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (downloads, cpus) = pool_sizes(config, cores)?;
    let source = starter.start(listener)?;
    if source
        .offered
        .as_ref()
        .is_none_or(|o| o.iter().any(|b| b.url.is_none()))
    {
        return Err(ExperimentError::Usage(
            "the sweep needs a source that lists its books' URLs, such as the embedded mirror"
                .into(),
        ));
    }
    let (requests, _) = BookChoice::default().requests(None, source.offered.as_deref(), true)?;
    let (d_max, c_max) = (downloads[downloads.len() - 1], cpus[cpus.len() - 1]);
    // Download workers varied at the most CPU workers, then the reverse.
    let mut settings: Vec<(usize, usize)> = downloads.iter().map(|&d| (d, c_max)).collect();
    settings.extend(
        cpus.iter()
            .map(|&c| (d_max, c))
            .filter(|p| *p != (d_max, c_max)),
    );
    listener.note(&format!(
        "sweep: {}{} through {}, {} settings × {} run{}",
        crate::units::count(requests.len() as u64, "book", "books"),
        source
            .folder
            .as_ref()
            .map_or(String::new(), |f| format!(" from {}", f.display())),
        source.base_url,
        settings.len(),
        config.runs,
        if config.runs == 1 { "" } else { "s" }
    ));
    let model = source.model.unwrap_or_default();
    let measured = measure_all(
        config,
        &settings,
        &requests,
        &source.base_url,
        &model,
        listener,
    )?;
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
            ideal_download_seconds: model.ideal_batch_seconds(&m.sizes, d),
        })
    };
    let names: Vec<String> = config.stages.iter().map(|s| s.name().to_string()).collect();
    Ok(SweepReport {
        gutenpipe: env!("CARGO_PKG_VERSION"),
        config: SweepSettings {
            corpus: source.folder.as_ref().map(|f| f.display().to_string()),
            books: requests.len(),
            mode: Mode::Staged,
            download_workers: downloads.clone(),
            cpu_workers: cpus.clone(),
            save_workers: config.save_workers,
            stages: names.clone(),
            runs: config.runs,
            latency_seconds: source.model.map(|m| m.latency.as_secs_f64()),
            jitter: source.model.map(|m| m.jitter),
            bandwidth_bytes_per_second: source.model.and_then(|m| m.bandwidth),
        },
        cores,
        process_stages: names,
        failed_books: measured.values().map(|m| m.failed).max().unwrap_or(0),
        colours: pipeline_config(config, 1, 1)
            .steps()
            .into_iter()
            .filter_map(|s| Some((s.name.to_string(), s.colour?)))
            .collect(),
        download: downloads.iter().filter_map(|&d| point(d, c_max)).collect(),
        cpu: cpus.iter().filter_map(|&c| point(d_max, c)).collect(),
    })
}

/// The download and CPU pool sizes to try, each sorted and once; CPU pools
/// default to 1, 2, 4 … up to twice the cores.
fn pool_sizes(
    config: &SweepConfig,
    cores: usize,
) -> Result<(Vec<usize>, Vec<usize>), ExperimentError> {
    let mut downloads = config.download_workers.clone();
    let mut cpus = if config.cpu_workers.is_empty() {
        std::iter::successors(Some(1usize), |c| Some(c * 2))
            .take_while(|c| *c <= 2 * cores)
            .collect()
    } else {
        config.cpu_workers.clone()
    };
    for list in [&mut downloads, &mut cpus] {
        list.sort_unstable();
        list.dedup();
    }
    if downloads.is_empty() || cpus.is_empty() {
        return Err(ExperimentError::Usage(
            "--download-workers and --cpu-workers need a value".into(),
        ));
    }
    Ok((downloads, cpus))
}

/// Measures every setting (download workers, CPU workers), saying how each
/// went; the books go to `config.out` or a temporary folder removed after.
fn measure_all(
    config: &SweepConfig,
    settings: &[(usize, usize)],
    requests: &[BookRequest],
    base: &str,
    model: &LatencyModel,
    listener: &dyn Listener,
) -> Result<BTreeMap<(usize, usize), Measured>, ExperimentError> {
    let (books_dir, temporary) = match &config.out {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("gutenpipe-sweep-{}", std::process::id())),
            true,
        ),
    };
    let names: Vec<&str> = config.stages.iter().map(|s| s.name()).collect();
    let mut measured = BTreeMap::new();
    let outcome = settings.iter().try_for_each(|&(d, c)| {
        let m = measure(config, d, c, &books_dir, requests, base, listener)?;
        listener.note(&format!(
            "  download workers {d:>3}, cpu workers {c:>2}: download {:.2} s (model {:.2} s), {} {:.2} s{}",
            mean(&m.download),
            model.ideal_batch_seconds(&m.sizes, d),
            names.join(" + "),
            mean(&m.process),
            if m.failed > 0 {
                format!(
                    ", {} FAILED",
                    crate::units::count(m.failed as u64, "book", "books")
                )
            } else {
                String::new()
            }
        ));
        measured.insert((d, c), m);
        Ok::<(), ExperimentError>(())
    });
    if temporary {
        let _ = std::fs::remove_dir_all(&books_dir);
    }
    outcome.map(|()| measured)
}

/// Runs one setting `runs` times on fresh folders, deleting the books after.
fn measure(
    config: &SweepConfig,
    d: usize,
    c: usize,
    books_dir: &Path,
    requests: &[BookRequest],
    base: &str,
    listener: &dyn Listener,
) -> Result<Measured, ExperimentError> {
    let pipeline = pipeline_config(config, d, c);
    let fetch = FetchConfig {
        idle_connections: d,
        ..FetchConfig::default()
    };
    let new_fetcher = || Fetcher::new(fetch.clone(), Some(base));
    let mut m = Measured::default();
    for k in 0..config.runs {
        let folder = books_dir.join(format!("d{d}-c{c}-{k}"));
        remove_books(&folder, requests)?;
        let store = Store::open(&folder, false).map_err(ExperimentError::fatal)?;
        let runs = Runs {
            mode: Mode::Staged,
            store: &store,
            sync: false,
            requests,
            config: &pipeline,
            new_fetcher: &new_fetcher,
        };
        let run = runs.run(Repeat::default(), &Quiet(listener));
        remove_books(&folder, requests)?;
        let _ = std::fs::remove_dir(&folder);
        let run = run?;
        let wall = |name: &str| run.stage(name).map_or(0.0, |s| s.wall_seconds);
        m.download.push(wall("download"));
        m.process
            .push(pipeline.stages.iter().map(|s| wall(s.name())).sum());
        m.process_cpu.push(
            pipeline
                .stages
                .iter()
                .filter_map(|s| run.stage(s.name()))
                .map(|s| s.cpu_seconds)
                .sum(),
        );
        m.total.push(run.wall_seconds);
        m.failed = m.failed.max(run.books_failed);
        m.sizes = download_sizes(&run)?;
    }
    Ok(m)
}

/// The pipeline of one setting.
fn pipeline_config(config: &SweepConfig, download: usize, cpu: usize) -> PipelineConfig {
    PipelineConfig {
        download_workers: download,
        save_workers: config.save_workers,
        cpu_workers: cpu,
        stages: config.stages.clone(),
        emit: Emit::default(),
        in_flight: DEFAULT_IN_FLIGHT,
        batch: DEFAULT_BATCH,
        keep_spans: false,
    }
}

/// The sweep's runs say nothing of themselves (a line per setting is
/// enough) but still warn.
struct Quiet<'a>(&'a dyn Listener);

impl Listener for Quiet<'_> {
    fn note(&self, _text: &str) {}
    fn warn(&self, text: &str) {
        self.0.warn(text);
    }
}

fn mean(xs: &[f64]) -> f64 {
    Summary::of(xs).map_or(0.0, |s| s.mean)
}

/// Bytes each book's download brought, by input position (0 for a book
/// not saved), from the books' records.
fn download_sizes(run: &RunReport) -> Result<Vec<u64>, ExperimentError> {
    run.books
        .iter()
        .map(|book| Ok(book.map_err(ExperimentError::fatal)?.bytes.unwrap_or(0)))
        .collect()
}

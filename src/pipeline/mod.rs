//! The pipeline: download → save → decode → processing stages, each stage on
//! the pool that suits its work, every task timed.
//!
//! - [`Mode::Sequential`]: one thread does everything, stage after stage.
//! - [`Mode::Staged`]: downloads on the download pool, saves on the save
//!   pool, decoding and processing on a rayon pool; a stage starts when the
//!   previous one has finished, so each stage's time stands on its own.
//! - [`Mode::Streamed`]: the same pools connected by bounded channels, so the
//!   stages overlap; at most `in_flight` books are in the pipeline at once.
//!
//! All modes run the same per-book steps (`steps`) and differ only in how
//! they schedule them (`batch` for sequential and staged, `streamed`), so
//! they save the same files and find the same tokens. A book that fails
//! carries its error to the report; the others go on. With `--emit`, two
//! more steps make each book's files on the rayon pool (`render`) and write
//! them on the save pool (`emit`); see [`crate::emit`].

mod batch;
pub mod memory;
mod pool;
mod steps;
mod streamed;
mod timing;

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::book::BookRequest;
use crate::emit::Emit;
use crate::fetch::Fetcher;
use crate::report::{BookReport, RunReport, StageReport, Status};
use crate::stages::{AnyTotals, SharedStage, TokenizeTotals};
use crate::store::{Store, StoreError};
pub use pool::WorkerPool;
pub use timing::{Recorder, Span, TaskObserver, thread_cpu_time};

/// How the stages are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One thread, stage after stage: the baseline.
    Sequential,
    /// Each stage on its own pool, a barrier between stages.
    Staged,
    /// The stages on their pools at once, connected by bounded channels.
    Streamed,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Staged => "staged",
            Mode::Streamed => "streamed",
        }
    }
}

/// Pool sizes and processing stages.
#[derive(Clone)]
pub struct PipelineConfig {
    pub download_workers: usize,
    pub save_workers: usize,
    pub cpu_workers: usize,
    pub stages: Vec<SharedStage>,
    /// The files `--emit` writes (none by default).
    pub emit: Emit,
    /// Streamed mode: most books between the start of their download and
    /// the end of their last stage.
    pub in_flight: usize,
}

/// Default of [`PipelineConfig::in_flight`].
pub const DEFAULT_IN_FLIGHT: usize = 32;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("could not start the rayon pool of {workers} threads: {detail}")]
    Pool { workers: usize, detail: String },
    /// Saving failed: the disk is full, the folder unwritable… Every later
    /// book would fail the same way, so the run stops; books saved before
    /// stay whole under their names.
    #[error("run stopped: {0}")]
    Save(#[source] StoreError),
    /// Writing an `--emit` file failed; like a failed save, it stops the run.
    #[error("run stopped writing the --emit files: {0}")]
    Emit(#[source] StoreError),
}

/// What a mode hands back: every book, how each stage ran, and the totals
/// of each processing stage (in `config.stages` order).
struct Outcome {
    slots: Vec<steps::Slot>,
    stages: Vec<StageRun>,
    totals: Vec<AnyTotals>,
    /// With `--emit`: the corpus word counts the `render` step gathered.
    counts: Option<TokenizeTotals>,
}

/// One stage of a run, as the mode ran it.
struct StageRun {
    name: String,
    pool: &'static str,
    workers: usize,
    /// Measured between barriers; `None` when the stages overlap, and the
    /// wall time is then the span from its first task's start to its last
    /// task's end.
    wall: Option<f64>,
}

/// The pipeline for one source and one output folder.
pub struct Pipeline<'a> {
    pub fetcher: &'a Fetcher,
    pub store: &'a Store,
    pub config: &'a PipelineConfig,
}

impl Pipeline<'_> {
    /// Runs every stage for `requests` in `mode`.
    pub fn run(&self, mode: Mode, requests: &[BookRequest]) -> Result<RunReport, PipelineError> {
        self.run_observed(mode, requests, None)
    }

    /// Runs every stage for `requests` in `mode`, telling `observer` of
    /// every task as it ends.
    pub fn run_observed(
        &self,
        mode: Mode,
        requests: &[BookRequest],
        observer: Option<&dyn TaskObserver>,
    ) -> Result<RunReport, PipelineError> {
        let c = self.config;
        let cpu_pool = || {
            rayon::ThreadPoolBuilder::new()
                .num_threads(c.cpu_workers.max(1))
                .thread_name(|i| format!("rayon-{i}"))
                .build()
                .map_err(|e| PipelineError::Pool {
                    workers: c.cpu_workers,
                    detail: e.to_string(),
                })
        };
        let cpu = match mode {
            Mode::Sequential => None,
            Mode::Staged | Mode::Streamed => Some(cpu_pool()?),
        };
        memory::reset_peak();
        let recorder = Recorder::observed(observer);
        let steps = steps::Steps {
            fetcher: self.fetcher,
            store: self.store,
            recorder: &recorder,
        };
        let slots = requests.iter().map(steps::Slot::new).collect();
        let outcome = match (mode, cpu) {
            (Mode::Streamed, Some(cpu)) => streamed::run(&steps, &cpu, c, slots)?,
            (Mode::Staged, Some(cpu)) => {
                let pools = batch::Pools::Dedicated {
                    download: WorkerPool::new("download", c.download_workers),
                    save: WorkerPool::new("save", c.save_workers),
                    cpu,
                };
                batch::run(&steps, &pools, c, slots)?
            }
            _ => batch::run(&steps, &batch::Pools::Inline, c, slots)?,
        };

        let wall = recorder.origin().elapsed().as_secs_f64();
        let spans = recorder.into_spans();
        // What the headers state goes into the manifest too (written with
        // the store's next flush).
        for slot in outcome.slots.iter().filter(|s| !s.metadata.is_empty()) {
            self.store
                .manifest()
                .describe(slot.request.id, &slot.metadata);
        }
        let retries: u64 = outcome.slots.iter().map(|s| u64::from(s.retries)).sum();
        let books: Vec<BookReport> = outcome
            .slots
            .into_iter()
            .map(steps::Slot::into_report)
            .collect();
        // The corpus-level --emit files, counted in the emit stage's time.
        let mut corpus_emit = 0.0;
        if let Some(counts) = outcome.counts.filter(|_| !crate::interrupt::requested()) {
            let t = Instant::now();
            c.emit
                .write(self.store.dir(), &c.emit.corpus_files(&counts, &books))
                .map_err(PipelineError::Emit)?;
            corpus_emit = t.elapsed().as_secs_f64();
        }
        let stages = outcome
            .stages
            .iter()
            .map(|s| {
                let mut wall = s.wall.unwrap_or_else(|| span_wall(&spans, &s.name));
                if s.name == "emit" {
                    wall += corpus_emit;
                }
                let mut stage = StageReport::from_spans(&s.name, s.pool, s.workers, wall, &spans);
                if s.name == "download" {
                    stage.retries = Some(retries);
                }
                stage
            })
            .collect();
        let corpus = c
            .stages
            .iter()
            .zip(outcome.totals)
            .map(|(stage, totals)| (stage.name().to_string(), stage.summarize(totals)))
            .collect::<BTreeMap<_, _>>();
        let failed = books.iter().filter(|b| b.status == Status::Failed).count();
        let suspect = books.iter().filter(|b| b.status == Status::Suspect).count();
        Ok(RunReport {
            mode,
            out: self.store.dir().display().to_string(),
            wall_seconds: wall,
            books_ok: books.len() - failed - suspect,
            books_suspect: suspect,
            books_failed: failed,
            stages,
            corpus,
            books,
            peak_rss_bytes: memory::peak_rss_bytes(),
            repeats: Vec::new(),
            statistics: None,
            spans,
        })
    }
}

/// Seconds from the first start to the last end of `stage`'s spans.
fn span_wall(spans: &[Span], stage: &str) -> f64 {
    let mut mine = spans.iter().filter(|s| s.stage == stage).peekable();
    if mine.peek().is_none() {
        return 0.0;
    }
    let (start, end) = mine.fold((f64::INFINITY, 0.0f64), |(a, b), s| {
        (a.min(s.start), b.max(s.end))
    });
    (end - start).max(0.0)
}

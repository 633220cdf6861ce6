//! The pipeline: download → save → decode → processing stages, each stage on
//! the pool that suits its work, every task timed.
//!
//! - [`Mode::Sequential`]: one thread does everything, stage after stage.
//! - [`Mode::Staged`]: downloads on the download pool, saves on the save
//!   pool, decoding and processing on a rayon pool; a stage starts when the
//!   previous one has finished, so each stage's time stands on its own.
//!   Both run the books in batches of `batch`, which wait between stages on
//!   disk, not in memory.
//! - [`Mode::Streamed`]: the same pools connected by bounded channels, so the
//!   stages overlap; at most `in_flight` books are in the pipeline at once.
//!
//! In every mode a book's record is written to a spool file as soon as the
//! book is done ([`crate::record::books`]) and every task is added to its
//! step's tally as it ends, so what a run holds in memory depends on the
//! batch or the books in flight, not on the number of books.
//!
//! All modes run the same table of per-book steps (`steps`: download, save,
//! decode, the processing stages, and with `--emit` render and emit, each
//! with its pool) and differ only in how they schedule them (`batch` for
//! sequential and staged, `streamed`), so they save the same files and find
//! the same tokens. A book that fails carries its error to the report; the
//! others go on. `outcome` turns what a mode hands back into the run's
//! [`crate::record`].

mod batch;
pub mod memory;
mod obtain;
mod outcome;
mod pool;
mod steps;
mod streamed;
mod timing;

use crate::book::BookRequest;
use crate::emit::Emit;
use crate::fetch::Fetcher;
use crate::record::{Mode, RunReport};
use crate::stages::SharedStage;
use crate::store::{Store, StoreError};
use outcome::{Finished, Outcome, StageRun};
pub use pool::WorkerPool;
use steps::Plan;
pub use steps::{Pool, StepInfo};
pub use timing::{Recorder, TaskObserver, thread_cpu_time};

/// Pool sizes and processing stages.
#[derive(Clone)]
pub struct PipelineConfig {
    /// Threads of the download pool.
    pub download_workers: usize,
    /// Threads of the save pool.
    pub save_workers: usize,
    /// Threads of the rayon (CPU) pool.
    pub cpu_workers: usize,
    /// The processing stages, in order.
    pub stages: Vec<SharedStage>,
    /// The files `--emit` writes (none by default).
    pub emit: Emit,
    /// Streamed mode: most books between the start of their download and
    /// the end of their last stage.
    pub in_flight: usize,
    /// Sequential and staged modes: books per batch, each step running over
    /// a batch before the next starts; the books of a batch are all those
    /// in memory at once.
    pub batch: usize,
    /// Keep one [`crate::record::Span`] per task in the run's record (for
    /// a trace, a timeline, or a caller that reads them); without, only
    /// each step's tally is kept.
    pub keep_spans: bool,
}

impl PipelineConfig {
    /// The table of steps every book goes through, in order: download,
    /// save, decode, the processing stages, and with `--emit` render and
    /// emit, each with its pool.
    pub fn steps(&self) -> Vec<StepInfo> {
        Plan::new(self).steps.iter().map(|s| s.info).collect()
    }

    /// The names of [`PipelineConfig::steps`].
    pub fn step_names(&self) -> Vec<&'static str> {
        self.steps().iter().map(|s| s.name).collect()
    }
}

/// Default of [`PipelineConfig::in_flight`].
pub const DEFAULT_IN_FLIGHT: usize = 32;

/// Default of [`PipelineConfig::batch`].
pub const DEFAULT_BATCH: usize = 250;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The rayon pool could not be started.
    #[error("could not start the rayon pool of {workers} threads: {detail}")]
    Pool {
        /// Threads asked for.
        workers: usize,
        /// What rayon said.
        detail: String,
    },
    /// Saving failed: the disk is full, the folder unwritable… Every later
    /// book would fail the same way, so the run stops; books saved before
    /// stay whole under their names.
    #[error("run stopped: {0}")]
    Save(#[source] StoreError),
    /// Writing an `--emit` file failed; like a failed save, it stops the run.
    #[error("run stopped writing the --emit files: {0}")]
    Emit(#[source] StoreError),
    /// The books' records could not be written to (or read back from) the
    /// spool file in the output folder: the disk is full, or failing.
    #[error("run stopped: could not keep the books' records in the output folder: {0}")]
    Record(#[source] std::io::Error),
    /// Books did not come back from the streamed pipeline (a bug; the run's
    /// results would be incomplete, so it is an error).
    #[error("{missing} book(s) were lost in the pipeline; the run's results would be incomplete")]
    Lost {
        /// How many books did not come back.
        missing: usize,
    },
}

/// The pipeline for one source and one output folder.
pub struct Pipeline<'a> {
    /// Downloads the books.
    pub fetcher: &'a Fetcher,
    /// Saves them.
    pub store: &'a Store,
    /// How the run is laid out.
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
        let recorder = Recorder::observed(observer, c.keep_spans);
        let ctx = steps::Steps {
            fetcher: self.fetcher,
            store: self.store,
            emit: &c.emit,
            recorder: &recorder,
            read_back: mode != Mode::Streamed,
            count_in_pieces: mode != Mode::Streamed,
        };
        let plan = Plan::new(c);
        let mut finished = Finished::new(self.store, requests.len())?;
        let outcome = match (mode, cpu) {
            (Mode::Streamed, Some(cpu)) => {
                streamed::run(&ctx, &cpu, &plan, c, requests, &mut finished)?
            }
            (Mode::Staged, Some(cpu)) => {
                let pools = batch::Pools::Dedicated {
                    download: WorkerPool::new("download", c.download_workers),
                    save: WorkerPool::new("save", c.save_workers),
                    cpu,
                };
                batch::run(&ctx, &pools, &plan, c, requests, &mut finished)?
            }
            _ => batch::run(
                &ctx,
                &batch::Pools::Inline,
                &plan,
                c,
                requests,
                &mut finished,
            )?,
        };

        let wall = recorder.origin().elapsed().as_secs_f64();
        let (tallies, spans) = recorder.finish();
        let timing = outcome::Timing {
            tallies,
            spans,
            wall,
        };
        outcome::record(outcome, &plan, finished, &c.emit, mode, timing)
    }
}

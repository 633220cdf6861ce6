//! The record of a run: what happened, as data — the mode, a span per task,
//! each stage's figures, each book's outcome and the corpus results. The
//! [`crate::pipeline`] writes it, [`crate::report`] prints and draws it and
//! [`crate::emit`] lists its books; it depends on none of them, so the
//! arrows between them run one way. [`stats`] sums up repeated runs.

pub mod books;
pub mod stats;
pub mod sweep;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use books::{BookNote, BookSpool, BookTally, Books};

use crate::book::BookId;
use crate::gutenberg::Metadata;

/// How the stages are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
    /// Every mode, in the order the experiment compares them.
    pub const ALL: [Mode; 3] = [Mode::Sequential, Mode::Staged, Mode::Streamed];

    /// The name `--mode` knows it by.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Staged => "staged",
            Mode::Streamed => "streamed",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Mode, String> {
        crate::names::parse(text, &Mode::ALL, Mode::name, "a mode", "modes")
    }
}

/// One task: one stage done to one book on one worker.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    /// The step's name (`download`, `tokenize`).
    pub stage: String,
    /// The pool it ran on (`download`, `save`, `rayon`).
    pub pool: &'static str,
    /// Name of the worker thread (`download-3`, `rayon-1`, `main`).
    pub worker: String,
    /// Index of the book in the input.
    pub book: usize,
    /// Seconds since the run started.
    pub start: f64,
    /// Seconds since the run started, when it ended.
    pub end: f64,
    /// CPU seconds the task used.
    pub cpu: f64,
    /// Bytes the task handled (downloaded, saved, or the text's size).
    pub bytes: u64,
    /// Whether it succeeded.
    pub ok: bool,
}

/// What the tasks of one step added up to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tally {
    /// Tasks that succeeded.
    pub items: u64,
    /// Tasks that failed.
    pub failed: u64,
    /// Bytes the tasks that succeeded handled.
    pub bytes: u64,
    /// CPU seconds of all the tasks.
    pub cpu: f64,
    /// Wall seconds of all the tasks, added up (a worker's busy time).
    pub busy: f64,
    /// When the first task started (seconds since the run started).
    pub first_start: f64,
    /// When the last task ended.
    pub last_end: f64,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally {
            items: 0,
            failed: 0,
            bytes: 0,
            cpu: 0.0,
            busy: 0.0,
            first_start: f64::INFINITY,
            last_end: 0.0,
        }
    }
}

impl Tally {
    /// Adds one task.
    pub fn add(&mut self, ok: bool, bytes: u64, start: f64, end: f64, cpu: f64) {
        if ok {
            self.items += 1;
            self.bytes += bytes;
        } else {
            self.failed += 1;
        }
        self.cpu += cpu;
        self.busy += (end - start).max(0.0);
        self.first_start = self.first_start.min(start);
        self.last_end = self.last_end.max(end);
    }

    /// The tally of the tasks of `stage` among `spans`.
    pub fn of_spans(spans: &[Span], stage: &str) -> Tally {
        let mut tally = Tally::default();
        for s in spans.iter().filter(|s| s.stage == stage) {
            tally.add(s.ok, s.bytes, s.start, s.end, s.cpu);
        }
        tally
    }

    /// Seconds from the first task's start to the last task's end (0
    /// without tasks).
    pub fn window(&self) -> f64 {
        if self.first_start.is_finite() {
            (self.last_end - self.first_start).max(0.0)
        } else {
            0.0
        }
    }
}

/// One stage of one run.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    /// `download`, `save`, `decode`, or a processing stage's name.
    pub name: String,
    /// The pool the stage ran on (`download`, `save`, `rayon`, `main`).
    pub pool: String,
    /// Threads in that pool.
    pub workers: usize,
    /// Books the stage finished.
    pub items: u64,
    /// Books that failed in this stage.
    pub failed: u64,
    /// Bytes handled (downloaded, written, or text processed).
    pub bytes: u64,
    /// Seconds from the stage's first task starting to its last ending.
    pub wall_seconds: f64,
    /// CPU seconds (user + system) of all its tasks.
    pub cpu_seconds: f64,
    /// Wall seconds of all its tasks added up: the time its workers were
    /// busy with it (waiting included), whether or not the stages overlap.
    pub busy_seconds: f64,
    /// `busy_seconds / workers`: the stage's busy time, how long it kept
    /// each of its workers, a measure of its work whether or not the
    /// stages overlap.
    pub busy_per_worker_seconds: f64,
    /// `cpu_seconds / wall_seconds`: near 0 for waiting, near `workers` for computing.
    pub cpu_utilisation: f64,
    /// `cpu_seconds / busy_seconds`: the share of its tasks' own time spent
    /// on a CPU — near 1 for computing, near 0 for waiting, in every mode.
    pub cpu_per_busy: f64,
    /// Megabytes (10^6 bytes) per wall-clock second.
    pub mb_per_second: f64,
    /// Download attempts repeated after transient failures, over all books
    /// (download stage only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    /// The step's colour in the pictures, when it has one of its own.
    #[serde(skip)]
    pub colour: Option<&'static str>,
}

impl StageReport {
    /// Builds a stage's figures from its tally and its wall time.
    pub fn from_tally(
        name: &str,
        pool: &str,
        workers: usize,
        wall: f64,
        tally: &Tally,
    ) -> StageReport {
        let per = |x: f64, y: f64| if y > 0.0 { x / y } else { 0.0 };
        let per_wall = |x: f64| per(x, wall);
        StageReport {
            name: name.to_string(),
            pool: pool.to_string(),
            workers,
            items: tally.items,
            failed: tally.failed,
            bytes: tally.bytes,
            wall_seconds: wall,
            cpu_seconds: tally.cpu,
            busy_seconds: tally.busy,
            busy_per_worker_seconds: per(tally.busy, workers as f64),
            cpu_utilisation: per_wall(tally.cpu),
            cpu_per_busy: per(tally.cpu, tally.busy),
            mb_per_second: per_wall(tally.bytes as f64 / 1e6),
            retries: None,
            colour: None,
        }
    }

    /// Builds a stage's figures from its spans and its wall time.
    pub fn from_spans(
        name: &str,
        pool: &str,
        workers: usize,
        wall: f64,
        spans: &[Span],
    ) -> StageReport {
        StageReport::from_tally(name, pool, workers, wall, &Tally::of_spans(spans, name))
    }
}

/// Whether a book came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Saved and processed.
    Ok,
    /// Saved and processed, but its body may not be the book (an HTML page,
    /// a body cut short without Gutenberg's END marker): not recorded as
    /// verified in the manifest, so the next run fetches it again.
    Suspect,
    /// Failed at some step; the error says why.
    Failed,
}

/// What `--refresh` found of a book already saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Refreshed {
    /// The source says it has not changed (`304 Not Modified`, the same
    /// bytes, or for a local folder the same size and time): kept.
    Unchanged,
    /// The source sent another version: it replaced the saved copy.
    Updated,
}

/// How many books `--refresh` found unchanged and updated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RefreshCounts {
    /// Kept: the source has not changed them.
    pub unchanged: usize,
    /// Replaced with the source's newer version.
    pub updated: usize,
}

/// One book of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BookReport {
    /// Position in the input.
    pub index: usize,
    /// The ebook number.
    pub id: BookId,
    /// How it ended.
    pub status: Status,
    /// The URL that answered (or, for a failure, the last one tried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the book was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Size of the saved file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Encoding the text was decoded from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// What the book's header says (read by the `clean` stage); fields it
    /// does not state are absent.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// The stage that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_stage: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why its body may not be the book (status `suspect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspect: Option<String>,
    /// Download attempts repeated after transient failures.
    pub retries: u32,
    /// Already saved and matching the manifest, so neither downloaded nor
    /// saved again (only present when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
    /// What `--refresh` found, for a book that was already saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshed: Option<Refreshed>,
    /// Per-stage results, by stage name.
    #[serde(default)]
    pub results: BTreeMap<String, Value>,
    /// Warnings on the book (decoding, markers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One run of the pipeline in one mode.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The mode it ran in.
    pub mode: Mode,
    /// Output folder of this run.
    pub out: String,
    /// Seconds from start to end of the whole run.
    pub wall_seconds: f64,
    /// Books saved and processed.
    pub books_ok: usize,
    /// Books saved and processed whose bodies may not be the book.
    pub books_suspect: usize,
    /// Books that failed.
    pub books_failed: usize,
    /// Each step's figures, in the order of the table of steps.
    pub stages: Vec<StageReport>,
    /// Corpus results of the processing stages, by stage name.
    pub corpus: BTreeMap<String, Value>,
    /// What the processing stages show of their results on a terminal.
    #[serde(skip)]
    pub headlines: Vec<String>,
    /// Every book, in input order (kept on disk; see [`books`]).
    pub books: Books,
    /// With `--refresh`, how many books already saved the source found
    /// unchanged and how many it updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<RefreshCounts>,
    /// Highest resident memory of the process during the run, in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// Every timed run's figures, when the mode was run with `--runs`
    /// (this report's other fields are the last run's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repeats: Vec<stats::Repeat>,
    /// Mean ± σ, min … max over `repeats`, and speed against the first mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<stats::Statistics>,
    /// One span per task, when they were kept (`--trace`, `--timeline`,
    /// [`crate::pipeline::PipelineConfig::keep_spans`]); not in the JSON report.
    #[serde(skip)]
    pub spans: Vec<Span>,
}

#[cfg(test)]
impl RunReport {
    /// A run of `mode` that took `wall_seconds`, with these stages and
    /// spans, its books counted `ok` and nothing else: for tests of what
    /// reads a run.
    pub(crate) fn for_tests(
        mode: Mode,
        wall_seconds: f64,
        books_ok: usize,
        stages: Vec<StageReport>,
        spans: Vec<Span>,
    ) -> RunReport {
        RunReport {
            mode,
            out: "x".into(),
            wall_seconds,
            books_ok,
            books_suspect: 0,
            books_failed: 0,
            stages,
            corpus: BTreeMap::new(),
            headlines: Vec::new(),
            books: Default::default(),
            refresh: None,
            peak_rss_bytes: None,
            repeats: Vec::new(),
            statistics: None,
            spans,
        }
    }
}

impl RunReport {
    /// The figures of the step named `name`.
    pub fn stage(&self, name: &str) -> Option<&StageReport> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// The books that failed.
    pub fn failures(&self) -> impl Iterator<Item = &BookNote> {
        self.books
            .notes()
            .iter()
            .filter(|b| b.status == Status::Failed)
    }

    /// Books whose bodies may not be the book.
    pub fn suspects(&self) -> impl Iterator<Item = &BookNote> {
        self.books
            .notes()
            .iter()
            .filter(|b| b.status == Status::Suspect)
    }

    /// Books skipped because they were already saved (resume), without
    /// asking the source (`--refresh` asks).
    pub fn resumed(&self) -> usize {
        let tally = self.books.tally();
        tally.resumed - tally.unchanged
    }

    /// Download attempts repeated, over all books.
    pub fn retries(&self) -> u64 {
        self.books.tally().retries
    }

    /// CPU seconds of all the run's stages.
    pub fn cpu_seconds(&self) -> f64 {
        self.stages.iter().map(|s| s.cpu_seconds).sum()
    }
}

/// Everything one invocation of `gutenpipe run` did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Version of gutenpipe that wrote the report.
    pub gutenpipe: &'static str,
    /// The settings of the run.
    pub config: RunSettings,
    /// One entry per mode run, in the order run.
    pub runs: Vec<RunReport>,
}

/// The settings of a run, as the report records them.
#[derive(Debug, Clone, Serialize)]
pub struct RunSettings {
    /// `embedded`, or the source's base URL.
    pub source: String,
    /// The URL the books were fetched under.
    pub base_url: String,
    /// Books asked for.
    pub books: usize,
    /// The modes run, in order.
    pub modes: Vec<Mode>,
    /// Threads of the download pool.
    pub download_workers: usize,
    /// Threads of the save pool.
    pub save_workers: usize,
    /// Threads of the rayon (CPU) pool.
    pub cpu_workers: usize,
    /// The processing stages, in order.
    pub stages: Vec<String>,
    /// The stages' options (`keep_case`, `top` …), by name.
    #[serde(flatten)]
    pub stage_options: BTreeMap<String, Value>,
    /// The `--emit` kinds.
    pub emit: Vec<String>,
    /// What the source is and does, as its starter describes it (the
    /// embedded mirror's latency model and faults; nothing for others).
    #[serde(flatten)]
    pub source_settings: SourceSettings,
    /// Largest body accepted, in bytes (`--max-bytes`).
    pub max_bytes: u64,
    /// Retries of a download after a transient failure (`--retries`).
    pub retries: u32,
    /// Books already saved were downloaded again (`--force`).
    pub force: bool,
    /// Books already saved were checked with their source (`--refresh`).
    pub refresh: bool,
    /// How the books were chosen from the catalog, when they were.
    pub selection: Option<SelectionReport>,
    /// Most books between download and done in streamed mode (`--in-flight`).
    pub in_flight: usize,
    /// Timed runs of each mode (`--runs`).
    pub runs: u32,
    /// Untimed runs of each mode before them (`--warmup`).
    pub warmup: u32,
}

/// What a source is, for the report: the embedded mirror's latency model
/// and faults; `None` for what does not apply.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceSettings {
    /// Delay before each response's first byte, in seconds.
    pub latency_seconds: Option<f64>,
    /// The delay's jitter, a fraction of it.
    pub jitter: Option<f64>,
    /// Bandwidth of each connection, when limited.
    pub bandwidth_bytes_per_second: Option<u64>,
    /// The faults injected, as `--faults` names them.
    pub faults: Option<String>,
    /// The seed that decides which requests get a fault.
    pub fault_seed: Option<u64>,
}

/// How books were chosen from a catalog.
#[derive(Debug, Clone, Serialize)]
pub struct SelectionReport {
    /// Where the catalog came from.
    pub catalog: String,
    /// Rows the catalog has.
    pub catalog_entries: usize,
    /// Rows of the catalog that could not be read.
    pub skipped_rows: usize,
    /// The filters and the pick, in words.
    pub filters: String,
    /// Books matching the filters.
    pub matched: usize,
    /// Books taken.
    pub chosen: usize,
}

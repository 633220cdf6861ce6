//! What a run found out, as data: per-stage timings, per-book outcomes and
//! corpus results. [`table`] prints it for people and [`json`] writes it for
//! programs; the JSON schema is documented in the README.

pub mod json;
pub mod stats;
pub mod svg;
pub mod sweep;
pub mod table;
pub mod timeline;
pub mod trace;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::book::BookId;
use crate::gutenberg::Metadata;
use crate::pipeline::{Mode, Span};
use crate::store::{StoreError, write_atomic};

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
    /// `cpu_seconds / wall_seconds`: near 0 for waiting, near `workers` for computing.
    pub cpu_utilisation: f64,
    /// Megabytes (10^6 bytes) per wall-clock second.
    pub mb_per_second: f64,
    /// Download attempts repeated after transient failures, over all books
    /// (download stage only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
}

impl StageReport {
    /// Builds a stage's figures from its spans and its measured wall time.
    pub fn from_spans(
        name: &str,
        pool: &str,
        workers: usize,
        wall: f64,
        spans: &[Span],
    ) -> StageReport {
        let mine = spans.iter().filter(|s| s.stage == name);
        let (mut items, mut failed, mut bytes, mut cpu) = (0, 0, 0, 0.0);
        for s in mine {
            if s.ok {
                items += 1;
                bytes += s.bytes;
            } else {
                failed += 1;
            }
            cpu += s.cpu;
        }
        let per_wall = |x: f64| if wall > 0.0 { x / wall } else { 0.0 };
        StageReport {
            name: name.to_string(),
            pool: pool.to_string(),
            workers,
            items,
            failed,
            bytes,
            wall_seconds: wall,
            cpu_seconds: cpu,
            cpu_utilisation: per_wall(cpu),
            mb_per_second: per_wall(bytes as f64 / 1e6),
            retries: None,
        }
    }
}

/// Whether a book came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Saved and processed, but its body may not be the book (an HTML page,
    /// a body cut short without Gutenberg's END marker): not recorded as
    /// verified in the manifest, so the next run fetches it again.
    Suspect,
    Failed,
}

/// One book of one run.
#[derive(Debug, Clone, Serialize)]
pub struct BookReport {
    /// Position in the input.
    pub index: usize,
    pub id: BookId,
    pub status: Status,
    /// The URL that answered (or, for a failure, the last one tried).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the book was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Size of the saved file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Encoding the text was decoded from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// What the book's header says (read by the `clean` stage); fields it
    /// does not state are absent.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// The stage that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_stage: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why its body may not be the book (status `suspect`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspect: Option<String>,
    /// Download attempts repeated after transient failures.
    pub retries: u32,
    /// Already saved and matching the manifest, so neither downloaded nor
    /// saved again (only present when true).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
    /// Per-stage results, by stage name.
    pub results: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One run of the pipeline in one mode.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub mode: Mode,
    /// Output folder of this run.
    pub out: String,
    /// Seconds from start to end of the whole run.
    pub wall_seconds: f64,
    pub books_ok: usize,
    /// Books saved and processed whose bodies may not be the book.
    pub books_suspect: usize,
    pub books_failed: usize,
    pub stages: Vec<StageReport>,
    /// Corpus results of the processing stages, by stage name.
    pub corpus: BTreeMap<String, Value>,
    /// Every book, in input order.
    pub books: Vec<BookReport>,
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
    /// One span per task; written by `--trace`, not in the JSON report.
    #[serde(skip)]
    pub spans: Vec<Span>,
}

impl RunReport {
    pub fn stage(&self, name: &str) -> Option<&StageReport> {
        self.stages.iter().find(|s| s.name == name)
    }

    pub fn failures(&self) -> impl Iterator<Item = &BookReport> {
        self.books.iter().filter(|b| b.status == Status::Failed)
    }

    /// Books whose bodies may not be the book.
    pub fn suspects(&self) -> impl Iterator<Item = &BookReport> {
        self.books.iter().filter(|b| b.status == Status::Suspect)
    }

    /// Books skipped because they were already saved (resume).
    pub fn resumed(&self) -> usize {
        self.books.iter().filter(|b| b.resumed).count()
    }

    /// Download attempts repeated, over all books.
    pub fn retries(&self) -> u64 {
        self.books.iter().map(|b| u64::from(b.retries)).sum()
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
    pub config: Value,
    /// One entry per mode run, in the order run.
    pub runs: Vec<RunReport>,
}

/// Writes `bytes` to `path` atomically (a reader sees the old file or the
/// whole new one), creating its folder if need be: reports, traces, pictures.
/// `-` writes to standard output. What is at `path` is replaced only when it
/// is a regular file, and temporaries a killed run left for it are removed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    if crate::outputs::is_stdout(path) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|source| StoreError {
                action: "write to",
                path: path.to_path_buf(),
                source,
            });
    }
    let dir = crate::outputs::folder_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.json".into());
    std::fs::create_dir_all(dir).map_err(|source| StoreError {
        action: "create the folder",
        path: dir.to_path_buf(),
        source,
    })?;
    let _ = crate::store::remove_leftovers_named(dir, &name);
    write_atomic(dir, &name, bytes, false).map(|_| ())
}

//! The stage tables exported for other programs and for documents, in the
//! manner of hyperfine's `--export-*` flags: every mode's stages and total
//! as [`Row`]s, and one [`Exporter`] per format, each in a file of its own
//! ([`markdown`], [`csv`]). The JSON report (`--json`) holds more; these
//! hold what the terminal tables show, ready for a spreadsheet or a page.

pub mod csv;
pub mod markdown;

use std::path::Path;

use super::table::{busy, figures, stage_speedup};
use crate::record::RunReport;
use crate::record::stats::{Speedup, Summary};

/// A failure to export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The rows could not be put in the format.
    #[error("could not write the {format} export: {message}")]
    Format {
        /// The format's name.
        format: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] crate::store::StoreError),
}

/// One format of export.
pub trait Exporter {
    /// The format's name, for messages (`CSV`, `Markdown`).
    fn name(&self) -> &'static str;

    /// The rows in this format.
    fn serialize(&self, rows: &[Row]) -> Result<Vec<u8>, ExportError>;
}

/// One stage of one mode (or its `total`), as the terminal tables show it:
/// times in seconds, over the timed runs when the mode was repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The mode's name.
    pub mode: String,
    /// The stage's name, or `total`.
    pub stage: String,
    /// The pool it ran on (empty for the total).
    pub pool: String,
    /// Threads in that pool (`None` for the total).
    pub workers: Option<usize>,
    /// Books the stage finished (the books that came through, for the total).
    pub books: u64,
    /// Books that failed in it (all that failed, for the total).
    pub failed: u64,
    /// Bytes it handled (`None` for the total).
    pub bytes: Option<u64>,
    /// Timed runs the figures are over.
    pub runs: usize,
    /// Wall seconds: mean, σ, min, max.
    pub wall: Summary,
    /// Mean CPU seconds.
    pub cpu: f64,
    /// Mean CPU ÷ mean wall: 1.0 is one core busy.
    pub cpu_per_wall: f64,
    /// Mean busy seconds: the tasks' wall times added up, ÷ workers
    /// (`None` for the total).
    pub busy: Option<f64>,
    /// CPU ÷ the tasks' wall times added up: 1.0 is computing all along,
    /// near 0 waiting (`None` for the total).
    pub cpu_per_busy: Option<f64>,
    /// Megabytes (10⁶ bytes) per wall second (`None` for the total).
    pub mb_per_second: Option<f64>,
    /// Times faster than the first mode, with its σ (`None` for the first
    /// mode itself).
    pub speedup: Option<Speedup>,
    /// What the speed-up compares: `wall` time, or `busy` time for a
    /// stage that overlaps others (streamed mode) in either mode.
    pub compared_on: Option<&'static str>,
}

fn ratio(x: f64, wall: f64) -> f64 {
    if wall > 0.0 { x / wall } else { 0.0 }
}

/// The rows of `runs`: each mode's stages, then its total, mode by mode.
pub fn rows(runs: &[RunReport]) -> Vec<Row> {
    let Some(base) = runs.first() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for run in runs {
        let names = run.stages.iter().map(|s| s.name.as_str());
        for name in names.chain(["total"]) {
            rows.extend(row(base, run, name));
        }
    }
    rows
}

/// The row of stage `name` (or `total`) of `run`, compared with `base`.
fn row(base: &RunReport, run: &RunReport, name: &str) -> Option<Row> {
    let (wall, cpu) = figures(run, name)?;
    let speedup = (!std::ptr::eq(run, base))
        .then(|| stage_speedup(base, run, name))
        .flatten();
    let busy = busy(run, name);
    let mut row = Row {
        mode: run.mode.name().to_string(),
        stage: name.to_string(),
        pool: String::new(),
        workers: None,
        books: (run.books_ok + run.books_suspect) as u64,
        failed: run.books_failed as u64,
        bytes: None,
        runs: run.statistics.as_ref().map_or(1, |s| s.runs),
        cpu: cpu.mean,
        cpu_per_wall: ratio(cpu.mean, wall.mean),
        busy: busy.map(|b| b.per_worker.mean),
        cpu_per_busy: busy.map(|b| b.cpu_per_busy),
        mb_per_second: None,
        compared_on: speedup.as_ref().map(|(_, basis)| basis.name()),
        speedup: speedup.map(|(s, _)| s),
        wall,
    };
    if let Some(s) = run.stage(name) {
        row.pool = s.pool.clone();
        row.workers = Some(s.workers);
        row.books = s.items;
        row.failed = s.failed;
        row.bytes = Some(s.bytes);
        row.mb_per_second = Some(ratio(s.bytes as f64 / 1e6, wall.mean));
    }
    Some(row)
}

/// Writes `runs` in `exporter`'s format to `path` (`-`: standard output),
/// atomically.
pub fn write(exporter: &dyn Exporter, runs: &[RunReport], path: &Path) -> Result<(), ExportError> {
    let bytes = exporter.serialize(&rows(runs))?;
    super::write_file(path, &bytes)?;
    Ok(())
}

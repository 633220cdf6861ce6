//! `gutenpipe run`'s flags for streaming, batches, repeated measurement and
//! pictures: `--in-flight`, `--batch`, `--runs`, `--warmup`, `--trace`,
//! `--timeline`.

use std::path::{Path, PathBuf};

use clap::Args;
use gutenpipe::experiment::Listener;
use gutenpipe::experiment::repeat::Repeat;
use gutenpipe::outputs;
use gutenpipe::pipeline::{DEFAULT_BATCH, DEFAULT_IN_FLIGHT};
use gutenpipe::record::{Mode, RunReport};
use gutenpipe::report::{timeline, trace};

use super::{Failure, fatal, usage};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Streaming, batches, repeated runs and pictures")]
pub struct MeasureArgs {
    /// Streamed mode: most books in the pipeline at once (from the start of
    /// their download to the end of their last stage); bounds the memory.
    #[arg(long, default_value_t = DEFAULT_IN_FLIGHT as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub in_flight: u32,
    /// Sequential and staged modes: books per batch. Each stage runs over a
    /// batch before the next starts (its time is added up over the
    /// batches); a batch's books are all that is held in memory.
    #[arg(long, default_value_t = DEFAULT_BATCH as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub batch: u32,
    /// Timed runs of each mode, each on a fresh folder (OUT/<mode>/run-K);
    /// the tables show mean ± σ and min … max over them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,
    /// Runs of each mode before the timed ones, not counted (their books
    /// are deleted afterwards).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub warmup: u32,
    /// Write every task of each mode's last run as a Chrome trace-event file
    /// (opens in Perfetto or chrome://tracing).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Draw each mode's last run as an SVG timeline (one row per worker);
    /// with several modes, FILE-<mode>.svg for each.
    #[arg(long, value_name = "FILE")]
    pub timeline: Option<PathBuf>,
}

impl MeasureArgs {
    /// Checks the report paths (`--json` given as `json`, the exports,
    /// `--trace`, `--timeline` for each of `modes`) before any work starts:
    /// each must be writable, and at most one may be `-`. Returns whether
    /// one of them is standard output.
    pub fn check_outputs(
        &self,
        json: Option<&Path>,
        exports: Vec<(&'static str, PathBuf)>,
        modes: &[Mode],
    ) -> Result<bool, Failure> {
        let several = modes.len() > 1;
        let mut paths: Vec<(&str, PathBuf)> = Vec::new();
        paths.extend(json.map(|p| ("--json", p.to_path_buf())));
        paths.extend(exports);
        paths.extend(self.trace.clone().map(|p| ("--trace", p)));
        if let Some(p) = &self.timeline {
            if outputs::is_stdout(p) && several {
                return Err(usage(
                    "--timeline -: several modes make one picture each; name a FILE",
                ));
            }
            paths.extend(
                modes
                    .iter()
                    .map(|m| ("--timeline", timeline::timeline_path(p, *m, several))),
            );
        }
        outputs::check_all(paths.iter().map(|(f, p)| (*f, p.as_path()))).map_err(usage)?;
        Ok(paths.iter().any(|(_, p)| outputs::is_stdout(p)))
    }

    /// Whether every task's span must be kept: for the trace or the timelines.
    pub fn keep_spans(&self) -> bool {
        self.trace.is_some() || self.timeline.is_some()
    }

    /// How many times each mode runs.
    pub fn repeat(&self) -> Repeat {
        Repeat {
            runs: self.runs,
            warmup: self.warmup,
        }
    }

    /// Writes the trace and the timelines asked for, telling `listener`.
    pub fn write_pictures(
        &self,
        runs: &[RunReport],
        listener: &dyn Listener,
    ) -> Result<(), Failure> {
        let mut written = Vec::new();
        if let Some(path) = &self.trace {
            trace::write(runs, path).map_err(fatal)?;
            written.push(path.clone());
        }
        if let Some(path) = &self.timeline {
            written.extend(timeline::write(runs, path).map_err(fatal)?);
        }
        for path in written.iter().filter(|p| !outputs::is_stdout(p)) {
            listener.note(&format!("written: {}", path.display()));
        }
        Ok(())
    }
}

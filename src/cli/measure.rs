//! `gutenpipe run`'s flags for streaming, batches, repeated measurement and
//! pictures: `--in-flight`, `--batch`, `--runs`, `--warmup`, `--trace`,
//! `--timeline`.

use std::path::PathBuf;

use clap::Args;
use gutenpipe::experiment::repeat::Repeat;
use gutenpipe::pipeline::{DEFAULT_BATCH, DEFAULT_IN_FLIGHT};

/// The flags of streaming, batches, repeated runs and pictures.
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
    /// How many times each mode runs.
    pub fn repeat(&self) -> Repeat {
        Repeat {
            runs: self.runs,
            warmup: self.warmup,
        }
    }
}

//! `gutenpipe run`'s exports of the stage tables: `--export-markdown FILE`
//! and `--export-csv FILE` (`-` for standard output), written after the
//! run by `report::files`.

use std::path::PathBuf;

use clap::Args;

/// The export flags.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Streaming, repeated runs and pictures")]
pub struct ExportArgs {
    /// Write the stage tables of every mode as a Markdown table to FILE
    /// (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Write the stage tables of every mode as CSV to FILE, times in
    /// seconds (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
}

//! `gutenpipe run`'s exports of the stage tables: `--export-markdown FILE`
//! and `--export-csv FILE` (`-` for standard output), written after the
//! run with the exporters of `report::export`.

use std::path::PathBuf;

use clap::Args;
use gutenpipe::experiment::Listener;
use gutenpipe::outputs;
use gutenpipe::record::RunReport;
use gutenpipe::report::export::{self, Exporter, csv::Csv, markdown::Markdown};

use super::{Failure, fatal};

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

impl ExportArgs {
    /// Each export asked for: its flag, its path and its exporter.
    fn asked(&self) -> Vec<(&'static str, PathBuf, &'static dyn Exporter)> {
        let mut out: Vec<(&'static str, PathBuf, &'static dyn Exporter)> = Vec::new();
        if let Some(p) = &self.export_markdown {
            out.push(("--export-markdown", p.clone(), &Markdown));
        }
        if let Some(p) = &self.export_csv {
            out.push(("--export-csv", p.clone(), &Csv));
        }
        out
    }

    /// The paths to check before the run, with their flags.
    pub fn paths(&self) -> Vec<(&'static str, PathBuf)> {
        self.asked().into_iter().map(|(f, p, _)| (f, p)).collect()
    }

    /// Writes the exports asked for, telling `listener` where.
    pub fn write(&self, runs: &[RunReport], listener: &dyn Listener) -> Result<(), Failure> {
        for (_, path, exporter) in self.asked() {
            export::write(exporter, runs, &path).map_err(fatal)?;
            if !outputs::is_stdout(&path) {
                listener.note(&format!(
                    "{} export written to {}",
                    exporter.name(),
                    path.display()
                ));
            }
        }
        Ok(())
    }
}

//! The files a run's report goes to, as the user asked for them: the JSON
//! report, the Markdown and CSV exports of the stage tables, the Chrome
//! trace and the SVG timelines — each a path, or `-` for standard output.
//! They are checked before the run starts ([`ReportFiles::check`]: each
//! writable, at most one `-`) and written after it ([`ReportFiles::write`]).

use std::path::PathBuf;

use super::export::{self, ExportError, Exporter, csv::Csv, markdown::Markdown};
use super::{json, timeline, trace};
use crate::experiment::Listener;
use crate::outputs::{self, OutputError};
use crate::record::{Mode, Report};

/// The report files of a run; `None` for those not asked for.
#[derive(Debug, Clone, Default)]
pub struct ReportFiles {
    /// The JSON report (`--json`).
    pub json: Option<PathBuf>,
    /// The stage tables as Markdown (`--export-markdown`).
    pub markdown: Option<PathBuf>,
    /// The stage tables as CSV (`--export-csv`).
    pub csv: Option<PathBuf>,
    /// Every task of each mode's last run as a Chrome trace (`--trace`).
    pub trace: Option<PathBuf>,
    /// Each mode's last run as an SVG timeline (`--timeline`; with several
    /// modes, `FILE-<mode>.svg` for each).
    pub timeline: Option<PathBuf>,
}

impl ReportFiles {
    /// Whether the run must keep every task's span: for the trace or the
    /// timelines.
    pub fn keep_spans(&self) -> bool {
        self.trace.is_some() || self.timeline.is_some()
    }

    /// The exports asked for: flag, path and exporter.
    fn exports(&self) -> Vec<(&'static str, &PathBuf, &'static dyn Exporter)> {
        let mut out: Vec<(&'static str, &PathBuf, &'static dyn Exporter)> = Vec::new();
        if let Some(p) = &self.markdown {
            out.push(("--export-markdown", p, &Markdown));
        }
        if let Some(p) = &self.csv {
            out.push(("--export-csv", p, &Csv));
        }
        out
    }

    /// Checks every path before any work starts, for a run of `modes`: each
    /// must be writable, at most one may be `-`, and `--timeline -` needs a
    /// single mode. Returns whether one of them is standard output (the
    /// tables then go to standard error).
    pub fn check(&self, modes: &[Mode]) -> Result<bool, OutputError> {
        let several = modes.len() > 1;
        let mut paths: Vec<(&str, PathBuf)> = Vec::new();
        paths.extend(self.json.clone().map(|p| ("--json", p)));
        paths.extend(self.exports().into_iter().map(|(f, p, _)| (f, p.clone())));
        paths.extend(self.trace.clone().map(|p| ("--trace", p)));
        if let Some(p) = &self.timeline {
            if outputs::is_stdout(p) && several {
                return Err(OutputError {
                    flag: "--timeline".into(),
                    path: p.clone(),
                    problem: "several modes make one picture each; name a FILE".into(),
                });
            }
            paths.extend(
                modes
                    .iter()
                    .map(|m| ("--timeline", timeline::timeline_path(p, *m, several))),
            );
        }
        outputs::check_all(paths.iter().map(|(f, p)| (*f, p.as_path())))?;
        Ok(paths.iter().any(|(_, p)| outputs::is_stdout(p)))
    }

    /// Writes every file asked for, telling `listener` where each went
    /// (standard output aside).
    pub fn write(&self, report: &Report, listener: &dyn Listener) -> Result<(), ExportError> {
        let mut written: Vec<(String, PathBuf)> = Vec::new();
        if let Some(path) = &self.json {
            json::write(report, path)?;
            written.push(("report written to".into(), path.clone()));
        }
        for (_, path, exporter) in self.exports() {
            export::write(exporter, &report.runs, path)?;
            written.push((
                format!("{} export written to", exporter.name()),
                path.clone(),
            ));
        }
        if let Some(path) = &self.trace {
            trace::write(&report.runs, path)?;
            written.push(("written:".into(), path.clone()));
        }
        if let Some(path) = &self.timeline {
            for p in timeline::write(&report.runs, path)? {
                written.push(("written:".into(), p));
            }
        }
        for (what, path) in written.iter().filter(|(_, p)| !outputs::is_stdout(p)) {
            listener.note(&format!("{what} {}", path.display()));
        }
        Ok(())
    }
}

//! One mode run several times: `warmup` runs whose figures are thrown away,
//! then `runs` timed ones, each on a fresh folder inside the output folder
//! (`run-1`, `run-2` …; a single run uses the folder itself), every one
//! with a fresh fetcher so that no connection or remembered layout carries
//! over. The timed runs are summed up ([`crate::record::stats::combine`]).

use std::path::Path;

use super::{ExperimentError, Listener};
use crate::book::BookRequest;
use crate::fetch::Fetcher;
use crate::pipeline::{Pipeline, PipelineConfig};
use crate::record::{Mode, RunReport, stats};
use crate::store::{MANIFEST_FILE, Store};

/// How many times a mode is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    /// Timed runs.
    pub runs: u32,
    /// Untimed runs before them (their books are deleted afterwards).
    pub warmup: u32,
}

impl Default for Repeat {
    fn default() -> Self {
        Repeat { runs: 1, warmup: 0 }
    }
}

impl Repeat {
    fn repeated(self) -> bool {
        self.runs > 1 || self.warmup > 0
    }
}

/// Where a mode's runs save their books and how they fetch them.
pub struct Runs<'a> {
    pub mode: Mode,
    /// The output folder of the mode.
    pub store: &'a Store,
    /// Sync files before renaming them into place (repeated runs' folders).
    pub sync: bool,
    pub requests: &'a [BookRequest],
    pub config: &'a PipelineConfig,
    /// A fresh fetcher for each run.
    pub new_fetcher: &'a dyn Fn() -> Fetcher,
}

impl Runs<'_> {
    /// Runs the mode as `repeat` says and returns the last timed run
    /// carrying every timed run's figures and their statistics.
    pub fn run(
        &self,
        repeat: Repeat,
        listener: &dyn Listener,
    ) -> Result<RunReport, ExperimentError> {
        let steps = self.config.step_names();
        let (warmup, runs) = (repeat.warmup as usize, repeat.runs as usize);
        let mut timed = Vec::new();
        for k in 0..warmup + runs {
            let is_warmup = k < warmup;
            let (folder, label) = if repeat.repeated() {
                self.fresh_folder(k, warmup, runs, listener)?
            } else {
                (self.store.clone(), String::new())
            };
            listener.note(&format!(
                "{} run{label}: {} → {}",
                self.mode.name(),
                crate::units::count(self.requests.len() as u64, "book", "books"),
                folder.dir().display()
            ));
            let fetcher = (self.new_fetcher)();
            let pipeline = Pipeline {
                fetcher: &fetcher,
                store: &folder,
                config: self.config,
            };
            let progress = listener.run_started(&steps, self.requests.len());
            let result = pipeline.run_observed(
                self.mode,
                self.requests,
                progress.as_ref().map(|p| p.as_observer()),
            );
            if let Some(p) = progress {
                p.finish();
            }
            // Record what was saved, even when the run stopped on an error.
            let flushed = folder.flush();
            let run = result.map_err(ExperimentError::fatal)?;
            flushed.map_err(ExperimentError::fatal)?;
            if crate::interrupt::requested() {
                return Err(ExperimentError::Interrupted(crate::interrupt::summary(
                    &run,
                )));
            }
            if is_warmup {
                remove_books(folder.dir(), self.requests)?;
                let _ = std::fs::remove_dir(folder.dir()); // only if empty
            } else {
                timed.push(run);
            }
        }
        stats::combine(timed, warmup)
            .ok_or_else(|| ExperimentError::Fatal(format!("no timed run of {}", self.mode.name())))
    }

    /// The folder of run `k` (warm-ups first), emptied of an earlier run's
    /// books, and its label for the user.
    fn fresh_folder(
        &self,
        k: usize,
        warmup: usize,
        runs: usize,
        listener: &dyn Listener,
    ) -> Result<(Store, String), ExperimentError> {
        let (name, label) = if k < warmup {
            (
                format!("warmup-{}", k + 1),
                format!(" (warmup {} of {warmup})", k + 1),
            )
        } else {
            let n = k - warmup + 1;
            (format!("run-{n}"), format!(" {n} of {runs}"))
        };
        let dir = self
            .store
            .subfolder(&name)
            .map_err(ExperimentError::fatal)?;
        remove_books(&dir, self.requests)?;
        let folder = Store::open(&dir, self.sync)
            .and_then(|f| self.config.emit.prepare(&dir).map(|()| f))
            .map_err(|e| {
                ExperimentError::Fatal(format!("could not prepare a folder for run {k}: {e}"))
            })?;
        for n in folder.notes() {
            listener.note(n);
        }
        Ok((folder, label))
    }
}

/// Deletes the saved books of `requests` and the manifest from `dir`, so
/// that a run there starts fresh (nothing to resume); only files gutenpipe
/// itself names (`{id}.txt`, `manifest.jsonl`) are touched.
pub fn remove_books(dir: &Path, requests: &[BookRequest]) -> Result<(), ExperimentError> {
    let names = requests
        .iter()
        .map(|r| r.id.file_name())
        .chain([MANIFEST_FILE.to_string()]);
    for name in names {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ExperimentError::Fatal(format!(
                    "could not remove {} from an earlier run: {e}",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

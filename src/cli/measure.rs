//! `gutenpipe run`'s flags for streaming, repeated measurement and pictures
//! (`--in-flight`, `--runs`, `--warmup`, `--trace`, `--timeline`), and the
//! loop that runs one mode that many times on fresh folders, with progress
//! bars, and sums the runs up.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;
use gutenpipe::book::BookRequest;
use gutenpipe::fetch::Fetcher;
use gutenpipe::outputs;
use gutenpipe::pipeline::{DEFAULT_IN_FLIGHT, Mode, Pipeline, PipelineConfig, TaskObserver};
use gutenpipe::report::{Report, RunReport, stats, timeline, trace, write_file};
use gutenpipe::store::{MANIFEST_FILE, Store};
use serde_json::Value;

use super::progress::Progress;
use super::{Failure, fatal, usage};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Streaming, repeated runs and pictures")]
pub struct MeasureArgs {
    /// Streamed mode: most books in the pipeline at once (from the start of
    /// their download to the end of their last stage); bounds the memory.
    #[arg(long, default_value_t = DEFAULT_IN_FLIGHT as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub in_flight: u32,
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
    /// Adds this run's settings to the report's `config`.
    pub fn describe(&self, config: &mut Value) {
        if let Some(map) = config.as_object_mut() {
            map.insert("in_flight".into(), self.in_flight.into());
            map.insert("runs".into(), self.runs.into());
            map.insert("warmup".into(), self.warmup.into());
        }
    }

    /// Checks the report paths (`--json` given as `json`, `--trace`,
    /// `--timeline` for each of `modes`) before any work starts; returns
    /// whether one of them is standard output.
    pub fn check_outputs(&self, json: Option<&Path>, modes: &[Mode]) -> Result<bool, Failure> {
        let several = modes.len() > 1;
        let mut outputs: Vec<(&str, PathBuf)> = Vec::new();
        outputs.extend(json.map(|p| ("--json", p.to_path_buf())));
        outputs.extend(self.trace.clone().map(|p| ("--trace", p)));
        if let Some(p) = &self.timeline {
            if outputs::is_stdout(p) && several {
                return Err(usage(anyhow!(
                    "--timeline -: several modes make one picture each; name a FILE"
                )));
            }
            outputs.extend(
                modes
                    .iter()
                    .map(|m| ("--timeline", timeline_path(p, *m, several))),
            );
        }
        outputs::check_all(outputs.iter().map(|(f, p)| (*f, p.as_path()))).map_err(usage)?;
        Ok(outputs.iter().any(|(_, p)| outputs::is_stdout(p)))
    }

    fn repeated(&self) -> bool {
        self.runs > 1 || self.warmup > 0
    }

    /// Runs `mode` `--warmup` + `--runs` times and returns the last timed run
    /// carrying every timed run's figures and their statistics. With a
    /// single run, books go to `store` as before; repeated runs each get a
    /// fresh folder inside it.
    #[allow(clippy::too_many_arguments)]
    pub fn run_mode(
        &self,
        mode: Mode,
        store: &Store,
        sync: bool,
        requests: &[BookRequest],
        config: &PipelineConfig,
        new_fetcher: &dyn Fn() -> Fetcher,
        quiet: bool,
    ) -> Result<RunReport, Failure> {
        let note = |text: String| {
            if !quiet {
                eprintln!("{text}");
            }
        };
        let mut stage_names = vec!["download", "save", "decode"];
        stage_names.extend(config.stages.iter().map(|s| s.name()));
        let (warmup, runs) = (self.warmup as usize, self.runs as usize);
        let mut timed = Vec::new();
        for k in 0..warmup + runs {
            let is_warmup = k < warmup;
            let (folder, label) = if !self.repeated() {
                (store.clone(), String::new())
            } else {
                let (name, label) = if is_warmup {
                    (
                        format!("warmup-{}", k + 1),
                        format!(" (warmup {} of {warmup})", k + 1),
                    )
                } else {
                    let n = k - warmup + 1;
                    (format!("run-{n}"), format!(" {n} of {runs}"))
                };
                let dir = store.subfolder(&name).map_err(fatal)?;
                remove_books(&dir, requests)?;
                let folder = Store::open(&dir, sync)
                    .and_then(|f| config.emit.prepare(&dir).map(|()| f))
                    .map_err(|e| fatal(anyhow!("could not prepare a folder for run {k}: {e}")))?;
                for n in folder.notes() {
                    note(n.clone());
                }
                (folder, label)
            };
            note(format!(
                "{} run{label}: {} books → {}",
                mode.name(),
                requests.len(),
                folder.dir().display()
            ));
            // A fresh fetcher per run: no connection or layout carried over.
            let fetcher = new_fetcher();
            let pipeline = Pipeline {
                fetcher: &fetcher,
                store: &folder,
                config,
            };
            let progress = Progress::start(&stage_names, requests.len(), quiet);
            let result = pipeline.run_observed(
                mode,
                requests,
                progress.as_ref().map(|p| p as &dyn TaskObserver),
            );
            if let Some(p) = progress {
                p.finish();
            }
            // Record what was saved, even when the run stopped on an error.
            let flushed = folder.flush();
            let run = result.map_err(fatal)?;
            flushed.map_err(fatal)?;
            if gutenpipe::interrupt::requested() {
                return Err(Failure {
                    code: gutenpipe::interrupt::EXIT_CODE,
                    error: anyhow!(gutenpipe::interrupt::summary(&run)),
                });
            }
            if is_warmup {
                remove_books(folder.dir(), requests)?;
                let _ = std::fs::remove_dir(folder.dir()); // only if empty
            } else {
                timed.push(run);
            }
        }
        stats::combine(timed, warmup)
            .ok_or_else(|| fatal(anyhow!("no timed run of {}", mode.name())))
    }

    /// Writes the trace and the timelines asked for; returns the files written.
    pub fn write_pictures(&self, report: &Report) -> Result<Vec<PathBuf>, Failure> {
        let mut written = Vec::new();
        if let Some(path) = &self.trace {
            let doc = trace::render(&report.runs);
            let bytes = serde_json::to_vec(&doc).expect("a trace always serialises");
            write_file(path, &bytes).map_err(fatal)?;
            written.push(path.clone());
        }
        if let Some(path) = &self.timeline {
            for run in &report.runs {
                let file = timeline_path(path, run.mode, report.runs.len() > 1);
                write_file(&file, timeline::render(run).as_bytes()).map_err(fatal)?;
                written.push(file);
            }
        }
        Ok(written)
    }
}

/// `FILE` for a single mode, `FILE-<mode>.ext` beside it for several.
pub fn timeline_path(path: &Path, mode: Mode, several: bool) -> PathBuf {
    if !several {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or("timeline".into(), |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", mode.name(), ext.to_string_lossy()),
        None => format!("{stem}-{}", mode.name()),
    };
    path.with_file_name(name)
}

/// Deletes the saved books of `requests` and the manifest from `dir`, so
/// that a run there starts fresh (nothing to resume); only files gutenpipe
/// itself names (`{id}.txt`, `manifest.jsonl`) are touched.
pub fn remove_books(dir: &Path, requests: &[BookRequest]) -> Result<(), Failure> {
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
                return Err(fatal(anyhow!(
                    "could not remove {} from an earlier run: {e}",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_modes_get_one_timeline_each() {
        let p = Path::new("results/timeline.svg");
        assert_eq!(timeline_path(p, Mode::Staged, false), p);
        assert_eq!(
            timeline_path(p, Mode::Streamed, true),
            Path::new("results/timeline-streamed.svg")
        );
    }
}

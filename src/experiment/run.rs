//! `gutenpipe run` as a library call: [`run`] checks every input, starts
//! the source, chooses the books, runs each mode asked for (repeated as
//! [`Repeat`] says) into its own folder, and returns the [`Report`] with
//! the modes compared. Nothing here prints: the [`Listener`] hears what is
//! going on, and the caller prints or writes the report.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde_json::Value;

use super::books::{BookChoice, Chosen};
use super::repeat::{Repeat, Runs};
use super::source::{Source, SourceStarter, live_notice};
use super::{ExperimentError, Listener};
use crate::book::{BookRequest, Target};
use crate::emit::EmitKind;
use crate::fetch::{FetchConfig, Fetcher, host_of};
use crate::pipeline::PipelineConfig;
use crate::record::{Mode, Report, RunSettings, stats};
use crate::store::{Store, real_subfolder};

/// Everything a run needs to know.
#[derive(Clone)]
pub struct RunConfig {
    /// The books asked for.
    pub books: BookChoice,
    /// The modes to run, in order (repeats are run once).
    pub modes: Vec<Mode>,
    /// The output folder; with several modes, one subfolder per mode.
    pub out: PathBuf,
    /// Pools, stages, `--emit` and the streamed mode's bound.
    pub pipeline: PipelineConfig,
    /// The stages' options as set, recorded in the report.
    pub stage_options: BTreeMap<String, Value>,
    /// Timeouts, size limit, retries, politeness.
    pub fetch: FetchConfig,
    /// Timed runs and warm-ups of each mode.
    pub repeat: Repeat,
    /// Sync each file to disk before renaming it into place.
    pub sync: bool,
    /// Fetch every book again, even those already saved (`--force`).
    pub force: bool,
    /// Ask the source whether each book already saved has changed, and
    /// fetch it again when it has (`--refresh`).
    pub refresh: bool,
}

impl RunConfig {
    /// The modes, each once, in the order first named.
    fn modes(&self) -> Vec<Mode> {
        let mut modes = Vec::new();
        for m in &self.modes {
            if !modes.contains(m) {
                modes.push(*m);
            }
        }
        modes
    }
}

/// Runs the experiment `config` describes on the source `starter` starts.
pub fn run(
    config: &RunConfig,
    starter: &dyn SourceStarter,
    listener: &dyn Listener,
) -> Result<Report, ExperimentError> {
    let pipeline = &config.pipeline;
    if !pipeline.emit.is_empty() && !pipeline.stages.iter().any(|s| s.name() == "clean") {
        listener
            .note("note: --emit without the clean stage writes each text whole, licence and all");
    }
    let modes = config.modes();
    let stores = open_stores(config, &modes, listener)?;
    // Every input that needs no source is checked before one is started.
    config.books.named()?;
    let source = starter.start(listener)?;
    let fetch = FetchConfig {
        idle_connections: pipeline.download_workers,
        ..config.fetch.clone()
    };
    let (requests, chosen) = choose_books(config, &source, &fetch, listener)?;
    let pipeline = &with_catalog(pipeline, chosen.as_ref());
    let settings = settings(config, &source, &fetch, &modes, requests.len(), chosen);
    let new_fetcher = || Fetcher::new(fetch.clone(), Some(&source.base_url));
    let mut runs = Vec::new();
    for (mode, store) in modes.iter().zip(&stores) {
        let mode_runs = Runs {
            mode: *mode,
            store,
            sync: config.sync,
            requests: &requests,
            config: pipeline,
            new_fetcher: &new_fetcher,
        };
        runs.push(mode_runs.run(config.repeat, listener)?);
    }
    drop(source);
    stats::compare(&mut runs);
    Ok(Report {
        gutenpipe: env!("CARGO_PKG_VERSION"),
        config: settings,
        runs,
    })
}

/// The pipeline's config with the catalog rows of the `chosen` books, for
/// `--emit metadata`.
fn with_catalog(pipeline: &PipelineConfig, chosen: Option<&Chosen>) -> PipelineConfig {
    let mut pipeline = pipeline.clone();
    if let Some(chosen) = chosen.filter(|_| pipeline.emit.wants(EmitKind::Metadata)) {
        let rows = chosen.books.iter().map(|b| (b.id, b.clone())).collect();
        pipeline.emit.catalog = std::sync::Arc::new(rows);
    }
    pipeline
}

/// The books to fetch from `source`, telling a live source what the run
/// will do to it before its first request (which may be the catalog's),
/// and the catalog selection they came from.
fn choose_books(
    config: &RunConfig,
    source: &Source,
    fetch: &FetchConfig,
    listener: &dyn Listener,
) -> Result<(Vec<BookRequest>, Option<Chosen>), ExperimentError> {
    let base = &source.base_url;
    let mut told = HashSet::new();
    if source.live {
        listener.note(&live_notice(base, config.pipeline.download_workers, fetch));
        if let Some(note) = fetch.politeness.note_for(base) {
            told.insert(host_of(base));
            listener.note(&note);
        }
    }
    let chosen = match &config.books.catalog {
        Some(choice) => {
            let loaded = choice.load(base, source.live, fetch, listener)?;
            Some(choice.choose(&loaded, source.live, listener)?)
        }
        None => None,
    };
    let (requests, repeated) = config.books.requests(
        chosen.as_ref().map(|c| c.books.as_slice()),
        source.offered.as_deref(),
        false,
    )?;
    for id in repeated {
        listener.note(&format!(
            "note: ebook {id} is asked for twice; fetching it once"
        ));
    }
    for url in requests.iter().map(|r| target_url(r, base)) {
        if let Some(note) = fetch.politeness.note_for(url) {
            if told.insert(host_of(url)) {
                listener.note(&note);
            }
        }
    }
    Ok((requests, chosen))
}

/// The settings of the run as its report records them.
fn settings(
    config: &RunConfig,
    source: &Source,
    fetch: &FetchConfig,
    modes: &[Mode],
    books: usize,
    chosen: Option<Chosen>,
) -> RunSettings {
    let pipeline = &config.pipeline;
    RunSettings {
        source: source.name.clone(),
        base_url: source.base_url.clone(),
        books,
        modes: modes.to_vec(),
        download_workers: pipeline.download_workers,
        save_workers: pipeline.save_workers,
        cpu_workers: pipeline.cpu_workers,
        stages: pipeline
            .stages
            .iter()
            .map(|s| s.name().to_string())
            .collect(),
        stage_options: config.stage_options.clone(),
        emit: pipeline
            .emit
            .kinds
            .iter()
            .map(|k| k.name().to_string())
            .collect(),
        source_settings: source.settings.clone(),
        max_bytes: fetch.max_bytes,
        retries: fetch.retry.retries,
        force: config.force,
        refresh: config.refresh,
        selection: chosen.map(|c| c.report),
        in_flight: pipeline.in_flight,
        runs: config.repeat.runs,
        warmup: config.repeat.warmup,
    }
}

/// The output folder of each mode, opened (and proved writable) before any
/// download: `out` itself for one mode, `out/<mode>` for several.
fn open_stores(
    config: &RunConfig,
    modes: &[Mode],
    listener: &dyn Listener,
) -> Result<Vec<Store>, ExperimentError> {
    // A mode's folder is a real folder, never a symbolic link planted there.
    let dirs: Vec<PathBuf> = if modes.len() == 1 {
        vec![config.out.clone()]
    } else {
        modes
            .iter()
            .map(|m| real_subfolder(&config.out, m.name()))
            .collect::<Result<_, _>>()
            .map_err(|e| ExperimentError::Usage(format!("--out: {e}")))?
    };
    let mut stores = Vec::new();
    for dir in &dirs {
        let waiting = |pid: Option<u32>| {
            listener.warn(&format!(
                "another gutenpipe run{} is using {}; this run starts when it ends (Ctrl-C to give up)",
                pid.map_or(String::new(), |p| format!(" (pid {p})")),
                dir.display()
            ))
        };
        let store = Store::open_locked(dir, config.sync, waiting)
            .map(|s| s.with_force(config.force).with_refresh(config.refresh))
            .map_err(|e| ExperimentError::Usage(format!("--out: {e}")))?;
        for note in store.notes() {
            listener.note(note);
        }
        config
            .pipeline
            .emit
            .prepare(dir)
            .map_err(|e| ExperimentError::Usage(format!("--emit: {e}")))?;
        stores.push(store);
    }
    Ok(stores)
}

/// The URL a request goes to: its own, or the source's.
fn target_url<'a>(request: &'a BookRequest, base: &'a str) -> &'a str {
    match &request.target {
        Target::Url(url) => url,
        Target::Mirror => base,
    }
}

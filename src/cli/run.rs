//! `gutenpipe run`: reads the books asked for, checks every input before the
//! first download, runs the pipeline in each mode asked for, prints the
//! tables and writes the JSON report.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::anyhow;
use clap::Args;
use gutenpipe::book::{BookId, BookRequest, Target, id_from_url, parse_id_list};
use gutenpipe::fetch::{FetchConfig, Fetcher, default_user_agent};
use gutenpipe::mirror::{Mirror, MirrorConfig};
use gutenpipe::pipeline::{Mode, PipelineConfig};
use gutenpipe::report::{Report, json, stats, table};
use gutenpipe::stages;
use gutenpipe::store::Store;
use gutenpipe::units;
use serde_json::json;

use super::download::DownloadArgs;
use super::faults::FaultArgs;
use super::processing::ProcessingArgs;
use super::select::SelectArgs;
use super::source::{embedded_corpus, live_notice, remote_base};
use super::{CorpusShape, Failure, LatencyArgs, exit, fatal, usage};

#[derive(Debug, Args)]
pub struct RunCmd {
    /// Ebook ids to fetch, separated by commas (84,1342,2701).
    #[arg(long, value_delimiter = ',', value_parser = parse_id)]
    pub ids: Vec<BookId>,
    /// A file of ebook ids: commas, spaces or one a line; `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub ids_file: Option<PathBuf>,
    /// Exact URLs to fetch, separated by commas; each book is saved under the
    /// ebook id found in its URL.
    #[arg(long, value_delimiter = ',')]
    pub urls: Vec<String>,
    /// Where books come from: `embedded` (a mirror started in-process on the
    /// synthetic corpus), `gutenberg` (Project Gutenberg's main site,
    /// https://www.gutenberg.org) or the base URL of a Gutenberg mirror
    /// (https://gutenberg.pglaf.org, http://127.0.0.1:8080).
    #[arg(long, default_value = "embedded")]
    pub source: String,
    /// Corpus folder the embedded mirror serves (default: a cached synthetic corpus).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Folder to save books in; with several modes, one subfolder per mode.
    #[arg(long, default_value = "texts")]
    pub out: PathBuf,
    /// How to run the stages: sequential, staged, or several separated by commas.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "staged")]
    pub mode: Vec<Mode>,
    /// Threads downloading at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub download_workers: u16,
    /// Threads saving at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub save_workers: u16,
    /// Threads of the rayon pool that decodes and processes (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub cpu_workers: Option<u16>,
    /// Processing stages to run, in order, separated by commas
    /// (clean, tokenize, wordfreq, stats).
    #[arg(long, value_delimiter = ',', default_value = "clean,tokenize")]
    pub stages: Vec<String>,
    /// Write the full report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Limit on connecting to a server.
    #[arg(long, default_value = "10s", value_parser = units::parse_duration)]
    pub connect_timeout: Duration,
    /// Limit on any one wait for bytes from a server.
    #[arg(long, default_value = "30s", value_parser = units::parse_duration)]
    pub read_timeout: Duration,
    /// Limit on one whole request.
    #[arg(long, default_value = "5m", value_parser = units::parse_duration)]
    pub timeout: Duration,
    /// Largest book accepted (e.g. 64MiB; at most 1000GB).
    #[arg(long, default_value = "64MiB", value_parser = gutenpipe::fetch::parse_max_bytes)]
    pub max_bytes: u64,
    /// User-Agent header sent with every request.
    #[arg(long, default_value_t = default_user_agent())]
    pub user_agent: String,
    /// Skip syncing each saved file to disk before renaming it into place
    /// (faster; a power cut may then lose recent books, never corrupt them).
    #[arg(long)]
    pub no_sync: bool,
    /// Print nothing but the results and errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub download: DownloadArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub processing: ProcessingArgs,
    #[command(flatten)]
    pub latency: LatencyArgs,
    #[command(flatten)]
    pub faults: FaultArgs,
    #[command(flatten)]
    pub shape: CorpusShape,
    #[command(flatten)]
    pub measure: super::measure::MeasureArgs,
}

fn parse_id(text: &str) -> Result<BookId, String> {
    text.parse()
}

/// Where the books come from, once resolved.
enum Source {
    Embedded(Mirror),
    Remote(String),
}

impl Source {
    fn base_url(&self) -> String {
        match self {
            Source::Embedded(m) => m.base_url(),
            Source::Remote(url) => url.clone(),
        }
    }
}

impl RunCmd {
    fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", text.as_ref());
        }
    }

    /// The books asked for, in order, without repeats: `--ids`, `--ids-file`
    /// and `--urls`, then the books `chosen` from the catalog; with none of
    /// these, every book of the embedded corpus (`embedded_ids`).
    fn requests(
        &self,
        chosen: Option<Vec<BookId>>,
        embedded_ids: Option<Vec<BookId>>,
    ) -> Result<Vec<BookRequest>, Failure> {
        let mut wanted: Vec<(BookId, Target)> =
            self.ids.iter().map(|&id| (id, Target::Mirror)).collect();
        if let Some(path) = &self.ids_file {
            let bytes = gutenpipe::input::read_capped(path, gutenpipe::book::MAX_ID_LIST_BYTES)
                .map_err(|e| match e {
                    gutenpipe::input::InputError::Io { source, .. } => usage(anyhow!(
                        "could not read --ids-file {}: {source}",
                        path.display()
                    )),
                    other => usage(anyhow!("--ids-file: {other}")),
                })?;
            let text = String::from_utf8(bytes)
                .map_err(|_| usage(anyhow!("--ids-file {} is not UTF-8 text", path.display())))?;
            let ids = parse_id_list(&text)
                .map_err(|e| usage(anyhow!("--ids-file {}, {e}", path.display())))?;
            if ids.is_empty() {
                return Err(usage(anyhow!(
                    "--ids-file {} lists no ebook ids",
                    path.display()
                )));
            }
            wanted.extend(ids.into_iter().map(|id| (id, Target::Mirror)));
        }
        for url in &self.urls {
            if !gutenpipe::fetch::is_http_url(url) {
                return Err(usage(anyhow!(
                    "--urls: `{url}` is not an http:// or https:// URL"
                )));
            }
            let id = id_from_url(url).ok_or_else(|| {
                usage(anyhow!(
                    "--urls: no ebook id in `{url}`; books are saved under their id, so use a Gutenberg URL such as …/files/84/84-0.txt"
                ))
            })?;
            wanted.push((id, Target::Url(gutenpipe::fetch::normalize_scheme(url))));
        }
        let chose_from_catalog = chosen.is_some();
        wanted.extend(chosen.into_iter().flatten().map(|id| (id, Target::Mirror)));
        if wanted.is_empty() && !chose_from_catalog {
            match embedded_ids {
                Some(ids) => wanted.extend(ids.into_iter().map(|id| (id, Target::Mirror))),
                None => {
                    return Err(usage(anyhow!(
                        "no books chosen: pass --ids 84,1342, --ids-file FILE or --urls URL, or choose from the catalog with --language, --author, --title, --subject, --bookshelf, --limit N or --random N"
                    )));
                }
            }
        }
        let mut seen = HashSet::new();
        let mut requests = Vec::new();
        for (id, target) in wanted {
            if seen.insert(id) {
                requests.push(BookRequest {
                    index: requests.len(),
                    id,
                    target,
                });
            } else {
                self.note(format!(
                    "note: ebook {id} is asked for twice; fetching it once"
                ));
            }
        }
        Ok(requests)
    }

    fn source(&self, remote: Option<String>) -> Result<(Source, Option<Vec<BookId>>), Failure> {
        if let Some(url) = remote {
            if self.faults.any() {
                return Err(usage(anyhow!(
                    "--faults needs --source embedded: only the embedded mirror injects faults"
                )));
            }
            return Ok((Source::Remote(url), None));
        }
        let (dir, catalog) = embedded_corpus(&self.corpus, &self.shape, |t| self.note(t))?;
        let mirror = Mirror::start(
            MirrorConfig {
                corpus: dir.clone(),
                latency: self.latency.model(self.shape.seed),
                faults: self.faults.plan(),
            },
            "127.0.0.1:0",
        )
        .map_err(fatal)?;
        self.note(format!(
            "embedded mirror at {} serving {} books from {} (latency {}, jitter {}, bandwidth {})",
            mirror.base_url(),
            mirror.books(),
            dir.display(),
            units::format_duration(self.latency.latency),
            self.latency.jitter,
            self.latency
                .bandwidth
                .0
                .map_or("unlimited".to_string(), |b| format!(
                    "{}/s",
                    units::format_bytes(b)
                ))
        ));
        if self.faults.any() {
            self.note(format!(
                "injecting faults: {} (seed {})",
                self.faults.plan(),
                self.faults.fault_seed
            ));
        }
        let ids = catalog.iter().map(|e| e.id).collect();
        Ok((Source::Embedded(mirror), Some(ids)))
    }

    pub fn execute(self) -> Result<ExitCode, Failure> {
        // Ctrl-C and SIGTERM: stop starting downloads, keep what was
        // downloaded, exit 130; a second one exits at once.
        if let Err(e) = gutenpipe::interrupt::install(|| {
            eprintln!(
                "\ninterrupted: saving the books downloaded, then stopping (Ctrl-C again to quit at once)"
            )
        }) {
            self.note(format!("note: Ctrl-C will not be caught: {e}"));
        }
        let stages = stages::select_with(&self.stages, &self.processing.options())
            .map_err(|e| usage(anyhow!("--stages: {e}")))?;
        let emit = self.processing.emit(!self.no_sync);
        if !emit.is_empty() && !stages.iter().any(|s| s.name() == "clean") {
            self.note(
                "note: --emit without the clean stage writes each text whole, licence and all",
            );
        }
        let mut modes = Vec::new();
        for m in &self.mode {
            if !modes.contains(m) {
                modes.push(*m);
            }
        }
        let to_stdout = self.measure.check_outputs(self.json.as_deref(), &modes)?;
        let out_dirs: Vec<PathBuf> = if modes.len() == 1 {
            vec![self.out.clone()]
        } else {
            modes
                .iter()
                .map(|m| gutenpipe::store::real_subfolder(&self.out, m.name()))
                .collect::<Result<_, _>>()
                .map_err(|e| usage(anyhow!("--out: {e}")))?
        };
        let waiting = |dir: &std::path::Path, pid: Option<u32>| {
            eprintln!(
                "waiting: another gutenpipe run{} is using {}; this run starts when it ends (Ctrl-C to give up)",
                pid.map_or(String::new(), |p| format!(" (pid {p})")),
                dir.display()
            )
        };
        let stores = out_dirs
            .iter()
            .map(|d| {
                Store::open_locked(d, !self.no_sync, |pid| waiting(d, pid))
                    .map(|s| s.with_force(self.download.force))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| usage(anyhow!("--out: {e}")))?;
        for note in stores.iter().flat_map(|s| s.notes()) {
            self.note(note);
        }
        for dir in &out_dirs {
            emit.prepare(dir)
                .map_err(|e| usage(anyhow!("--emit: {e}")))?;
        }
        // Check the inputs that need no source before starting one.
        let remote = remote_base(&self.source)?;
        let selecting = self.select.is_active();
        if remote.is_some() {
            self.requests(selecting.then(Vec::new), None)?;
        }
        let (source, embedded_ids) = self.source(remote)?;

        let cpu_workers = self.cpu_workers.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        );
        let config = PipelineConfig {
            download_workers: self.download_workers.into(),
            save_workers: self.save_workers.into(),
            cpu_workers,
            stages,
            emit,
            in_flight: self.measure.in_flight as usize,
        };
        let fetch_config = FetchConfig {
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            request_timeout: self.timeout,
            max_bytes: self.max_bytes,
            user_agent: self.user_agent.clone(),
            idle_connections: config.download_workers,
            retry: self.download.retry_policy(),
            politeness: self.download.politeness(),
        };
        let base = source.base_url();
        // A live source is told what this run will do to it before the
        // first request, which may be the catalog's.
        let live = matches!(source, Source::Remote(_));
        let mut hosts = HashSet::new();
        if live {
            self.note(live_notice(&base, config.download_workers, &fetch_config));
            if let Some(note) = fetch_config.politeness.note_for(&base) {
                hosts.insert(gutenpipe::fetch::host_of(&base));
                self.note(note);
            }
        }
        let chosen = if selecting {
            let note = |t: String| self.note(t);
            let loaded = self.select.load(&base, !live, &fetch_config, &note)?;
            Some(self.select.choose(&loaded, self.shape.seed, live, &note)?)
        } else {
            None
        };
        let chosen_ids = chosen
            .as_ref()
            .map(|c| c.books.iter().map(|b| b.id).collect());
        let requests = self.requests(chosen_ids, embedded_ids)?;
        for url in requests.iter().map(|r| match &r.target {
            Target::Url(url) => url.as_str(),
            Target::Mirror => base.as_str(),
        }) {
            if let Some(note) = fetch_config.politeness.note_for(url) {
                if hosts.insert(gutenpipe::fetch::host_of(url)) {
                    self.note(note);
                }
            }
        }
        let mut report = Report {
            gutenpipe: env!("CARGO_PKG_VERSION"),
            config: json!({
                "source": if matches!(source, Source::Embedded(_)) { "embedded".to_string() } else { base.clone() },
                "base_url": base,
                "books": requests.len(),
                "modes": modes.iter().map(|m| m.name()).collect::<Vec<_>>(),
                "download_workers": config.download_workers,
                "save_workers": config.save_workers,
                "cpu_workers": config.cpu_workers,
                "stages": config.stages.iter().map(|s| s.name()).collect::<Vec<_>>(),
                "keep_case": self.processing.keep_case,
                "top": self.processing.top,
                "emit": &config.emit.kinds,
                "latency_seconds": matches!(source, Source::Embedded(_)).then(|| self.latency.latency.as_secs_f64()),
                "jitter": matches!(source, Source::Embedded(_)).then_some(self.latency.jitter),
                "bandwidth_bytes_per_second": if matches!(source, Source::Embedded(_)) { self.latency.bandwidth.0 } else { None },
                "max_bytes": self.max_bytes,
                "retries": self.download.retries,
                "force": self.download.force,
                "faults": matches!(source, Source::Embedded(_)).then(|| self.faults.plan().to_string()),
                "fault_seed": matches!(source, Source::Embedded(_)).then_some(self.faults.fault_seed),
                "selection": chosen.as_ref().map(|c| c.report.clone()),
            }),
            runs: Vec::new(),
        };
        self.measure.describe(&mut report.config);
        let new_fetcher = || Fetcher::new(fetch_config.clone(), Some(&base));
        for (mode, store) in modes.iter().zip(&stores) {
            let run = self.measure.run_mode(
                *mode,
                store,
                !self.no_sync,
                &requests,
                &config,
                &new_fetcher,
                self.quiet,
            )?;
            report.runs.push(run);
        }
        drop(source);
        stats::compare(&mut report.runs);

        // With a report on standard output, the table goes to standard error.
        if to_stdout {
            eprint!("{}", table::render_report(&report));
        } else {
            print!("{}", table::render_report(&report));
        }
        if let Some(path) = &self.json {
            json::write(&report, path).map_err(fatal)?;
            if !gutenpipe::outputs::is_stdout(path) {
                self.note(format!("report written to {}", path.display()));
            }
        }
        for path in self.measure.write_pictures(&report)? {
            if !gutenpipe::outputs::is_stdout(&path) {
                self.note(format!("written: {}", path.display()));
            }
        }
        let failed = report.runs.iter().any(|r| r.books_failed > 0);
        Ok(ExitCode::from(if failed {
            exit::BOOKS_FAILED
        } else {
            exit::OK
        }))
    }
}

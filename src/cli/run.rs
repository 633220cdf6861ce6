//! `gutenpipe run`: turns its flags into a [`RunConfig`], runs the
//! experiment on the source `--source` names, prints the tables and writes
//! the report and pictures asked for.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use gutenpipe::book::BookId;
use gutenpipe::experiment::{
    self, BookChoice, LocalSource, RemoteSource, RunConfig, SourceSpec, defaults, parse_source,
};
use gutenpipe::fetch::{FetchConfig, default_user_agent};
use gutenpipe::mirror::MirrorLayout;
use gutenpipe::pipeline::PipelineConfig;
use gutenpipe::record::{Mode, Report};
use gutenpipe::report::files::ReportFiles;
use gutenpipe::report::table;
use gutenpipe::stages::{self, Options};
use gutenpipe::units;

use super::download::DownloadArgs;
use super::export::ExportArgs;
use super::faults::FaultArgs;
use super::measure::MeasureArgs;
use super::processing::ProcessingArgs;
use super::select::SelectArgs;
use super::{CorpusShape, Failure, LatencyArgs, exit, fatal, usage};
use gutenpipe::mirror::embedded::Embedded;
use gutenpipe::report::console::{Stream, Terminal, layout, print_on};

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
    /// https://www.gutenberg.org), the base URL of a Gutenberg mirror
    /// (https://gutenberg.pglaf.org, http://127.0.0.1:8080), or a local copy
    /// of Gutenberg: a folder (/data/gutenberg, file:///data/gutenberg)
    /// holding the numbered tree or the generated files (ID/pgID.txt).
    #[arg(long, default_value = "embedded")]
    pub source: String,
    /// Corpus folder the embedded mirror serves (default: a cached synthetic corpus).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// URL layouts the embedded mirror serves: `site` (as www.gutenberg.org),
    /// `numbered` (the main collection's tree, with zips) or `partial` (the
    /// cache only for UTF-8 books, so downloads by id try several layouts).
    #[arg(long, default_value = "site", value_parser = super::named(&MirrorLayout::ALL, |l| l.name()))]
    pub mirror_layout: MirrorLayout,
    /// Folder to save books in; with several modes, one subfolder per mode.
    #[arg(long, default_value = "texts")]
    pub out: PathBuf,
    /// How to schedule the stages: sequential (one thread, stage after
    /// stage), staged (each stage on its pool, a barrier between stages) or
    /// streamed (the stages overlapping, through bounded channels); several,
    /// separated by commas, are compared.
    #[arg(long, value_delimiter = ',', default_value = "staged", value_parser = super::named(&Mode::ALL, |m| m.name()))]
    pub mode: Vec<Mode>,
    /// Threads downloading at once.
    #[arg(long, default_value_t = defaults::DOWNLOAD_WORKERS, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub download_workers: u16,
    /// Threads saving at once.
    #[arg(long, default_value_t = defaults::SAVE_WORKERS, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub save_workers: u16,
    /// Threads of the rayon pool that decodes and processes (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub cpu_workers: Option<u16>,
    /// Processing stages to run, in order, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = defaults::STAGES)]
    pub stages: Vec<String>,
    /// The values of the stages' own options (set from their flags).
    #[arg(skip)]
    pub stage_options: Options,
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
    /// Every column of the tables whatever the terminal's width (min … max
    /// of repeated runs among them).
    #[arg(long, short)]
    pub verbose: bool,
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
    pub measure: MeasureArgs,
    #[command(flatten)]
    pub export: ExportArgs,
}

fn parse_id(text: &str) -> Result<BookId, String> {
    text.parse()
}

impl RunCmd {
    /// The report files asked for.
    fn files(&self) -> ReportFiles {
        ReportFiles {
            json: self.json.clone(),
            markdown: self.export.export_markdown.clone(),
            csv: self.export.export_csv.clone(),
            trace: self.measure.trace.clone(),
            timeline: self.measure.timeline.clone(),
        }
    }

    /// The experiment these flags describe.
    fn config(&self) -> Result<RunConfig, Failure> {
        let options = &self.stage_options;
        let stages = stages::select_with(&self.stages, options)
            .map_err(|e| usage(format!("--stages: {e}")))?;
        let cpu_workers = self.cpu_workers.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        );
        Ok(RunConfig {
            books: BookChoice {
                ids: self.ids.clone(),
                ids_file: self.ids_file.clone(),
                urls: self.urls.clone(),
                catalog: self.select.choice(self.shape.seed),
            },
            modes: self.mode.clone(),
            out: self.out.clone(),
            pipeline: PipelineConfig {
                download_workers: self.download_workers.into(),
                save_workers: self.save_workers.into(),
                cpu_workers,
                stages,
                emit: self.processing.emit(!self.no_sync, options),
                in_flight: self.measure.in_flight as usize,
                batch: self.measure.batch as usize,
                keep_spans: self.files().keep_spans(),
            },
            stage_options: options.recorded(),
            fetch: FetchConfig {
                connect_timeout: self.connect_timeout,
                read_timeout: self.read_timeout,
                request_timeout: self.timeout,
                max_bytes: self.max_bytes,
                user_agent: self.user_agent.clone(),
                retry: self.download.retry_policy(),
                politeness: self.download.politeness(),
                ..FetchConfig::default()
            },
            repeat: self.measure.repeat(),
            sync: !self.no_sync,
            force: self.download.force,
            refresh: self.download.refresh,
        })
    }

    /// Runs the experiment on the source `--source` names; returns its
    /// report and, for the embedded mirror, the hint on books not in its
    /// corpus.
    fn run(
        &self,
        config: &RunConfig,
        terminal: &Terminal,
    ) -> Result<(Report, Option<String>), Failure> {
        let spec = parse_source(&self.source)?;
        if spec != SourceSpec::Embedded && self.faults.any() {
            return Err(usage(
                "--faults needs --source embedded: only the embedded mirror injects faults",
            ));
        }
        match spec {
            SourceSpec::Remote(url) => {
                Ok((experiment::run(config, &RemoteSource(url), terminal)?, None))
            }
            SourceSpec::Folder(path) => {
                Ok((experiment::run(config, &LocalSource(path), terminal)?, None))
            }
            SourceSpec::Embedded => {
                let embedded = Embedded::new(
                    self.corpus.clone(),
                    self.shape.config(),
                    self.latency.model(self.shape.seed),
                    self.faults.plan(),
                    self.mirror_layout,
                );
                let report = experiment::run(config, &embedded, terminal)?;
                let hint = report
                    .runs
                    .last()
                    .and_then(|r| embedded.not_found_hint(r, &report.config.base_url));
                Ok((report, hint))
            }
        }
    }

    /// Checks the report files, runs the experiment, prints its tables and
    /// writes the files.
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let terminal = Terminal::new(self.quiet);
        let config = self.config()?;
        let files = self.files();
        let to_stdout = files.check(&config.modes).map_err(usage)?;
        terminal.catch_interrupts();
        let (report, hint) = self.run(&config, &terminal)?;
        // With a report on standard output, the tables go to standard error.
        let stream = if to_stdout {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        let layout = layout(stream, self.verbose);
        let mut tables = table::render_runs_in(&report.runs, layout);
        if let Some(hint) = hint {
            tables.push_str(&format!("\n{}\n", layout.wrap(&hint, 4)));
        }
        print_on(stream, &tables);
        files.write(&report, &terminal).map_err(fatal)?;
        let failed = report.runs.iter().any(|r| r.books_failed > 0);
        Ok(ExitCode::from(exit::of_finished(failed)))
    }
}

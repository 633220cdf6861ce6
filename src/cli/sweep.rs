//! `gutenpipe sweep`: the headline experiment. Turns its flags into a
//! [`SweepConfig`], runs the sweep on the embedded mirror, prints two
//! tables (download workers, CPU workers) and writes the JSON and the SVG
//! plot.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gutenpipe::experiment::{self, Listener, SweepConfig, defaults};
use gutenpipe::mirror::{FaultPlan, MirrorLayout};
use gutenpipe::report::sweep::{render_svg, render_table_in};
use gutenpipe::report::write_file;
use gutenpipe::stages::{self, Options};

use super::{CorpusShape, Failure, LatencyArgs, exit, fatal, usage};
use gutenpipe::mirror::embedded::Embedded;
use gutenpipe::report::console::{Stream, Terminal, layout, print_on};

#[derive(Debug, Args)]
pub struct SweepCmd {
    /// Download pool sizes to try, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = defaults::SWEEP_DOWNLOAD_WORKERS,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub download_workers: Vec<u16>,
    /// CPU (rayon) pool sizes to try (default: 1, 2, 4 … up to twice the cores).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub cpu_workers: Vec<u16>,
    /// Save pool size, the same for every run.
    #[arg(long, default_value_t = defaults::SAVE_WORKERS, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub save_workers: u16,
    /// Processing stages to run, in order, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = defaults::STAGES)]
    pub stages: Vec<String>,
    /// The values of the stages' own options (set from their flags).
    #[arg(skip)]
    pub stage_options: Options,
    /// Timed runs of each setting (the plot shows their mean).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Corpus folder the embedded mirror serves (default: a cached synthetic corpus).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Folder for the books the runs save (each run's are deleted after it;
    /// default: a folder in the system's temporary folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the results as JSON to this file.
    #[arg(long, value_name = "FILE", default_value = "sweep.json")]
    pub json: PathBuf,
    /// Draw the plot to this SVG file.
    #[arg(long, value_name = "FILE", default_value = "sweep.svg")]
    pub svg: PathBuf,
    /// Print nothing but the results and errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub latency: LatencyArgs,
    #[command(flatten)]
    pub shape: CorpusShape,
}

impl SweepCmd {
    /// The sweep these flags describe.
    fn config(&self) -> Result<SweepConfig, Failure> {
        Ok(SweepConfig {
            download_workers: self.download_workers.iter().map(|&w| w.into()).collect(),
            cpu_workers: self.cpu_workers.iter().map(|&w| w.into()).collect(),
            save_workers: self.save_workers.into(),
            stages: stages::select_with(&self.stages, &self.stage_options)
                .map_err(|e| usage(format!("--stages: {e}")))?,
            runs: self.runs,
            out: self.out.clone(),
        })
    }

    /// Runs the sweep on the embedded mirror, prints its tables, writes
    /// its JSON and SVG.
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let terminal = Terminal::new(self.quiet);
        gutenpipe::outputs::check_all([
            ("--json", self.json.as_path()),
            ("--svg", self.svg.as_path()),
        ])
        .map_err(usage)?;
        let to_stdout = [&self.json, &self.svg]
            .iter()
            .any(|p| gutenpipe::outputs::is_stdout(p));
        let config = self.config()?;
        let embedded = Embedded::new(
            self.corpus.clone(),
            self.shape.config(),
            self.latency.model(self.shape.seed),
            FaultPlan::none(),
            MirrorLayout::Site,
        );
        let report = experiment::sweep(&config, &embedded, &terminal)?;
        // With a file on standard output, the tables go to standard error.
        let stream = if to_stdout {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        print_on(stream, &render_table_in(&report, layout(stream, false)));
        let text = serde_json::to_vec_pretty(&report).expect("a sweep always serialises");
        write_file(&self.json, &text).map_err(fatal)?;
        write_file(&self.svg, render_svg(&report).as_bytes()).map_err(fatal)?;
        terminal.note(&format!(
            "written: {}\nwritten: {}",
            self.json.display(),
            self.svg.display()
        ));
        Ok(ExitCode::from(exit::of_finished(report.failed_books > 0)))
    }
}

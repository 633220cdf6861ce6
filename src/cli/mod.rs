//! The command line: `gutenpipe corpus`, `gutenpipe mirror`, `gutenpipe run`,
//! `gutenpipe books`, `gutenpipe sweep`, `gutenpipe cache`.
//! Each subcommand lives in its own file with its flags; flags shared by
//! several (corpus shape, latency model) live here.

pub mod books;
pub mod cache;
pub mod corpus;
pub mod download;
pub mod export;
pub mod faults;
pub mod measure;
pub mod mirror;
pub mod processing;
pub mod run;
pub mod select;
pub mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use gutenpipe::corpus::CorpusConfig;
use gutenpipe::experiment::{ExperimentError, defaults};
use gutenpipe::latency::LatencyModel;
use gutenpipe::units;

pub use gutenpipe::experiment::exit;

/// A failure that ends the command: the experiment's error, which says
/// its exit code ([`ExperimentError::exit_code`]).
pub type Failure = ExperimentError;

/// A usage error: wrong flags or input, found before any work starts.
pub fn usage(message: impl std::fmt::Display) -> Failure {
    ExperimentError::usage(message)
}

/// A failure in the middle of the work, with its causes.
pub fn fatal(error: impl std::error::Error) -> Failure {
    ExperimentError::fatal_with_causes(&error)
}

/// Download Project Gutenberg ebooks, save them and tokenize them, each stage
/// on the pool that suits its work, and see where the time goes.
#[derive(Debug, Parser)]
#[command(name = "gutenpipe", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a synthetic corpus in Project Gutenberg's format.
    Corpus(corpus::CorpusCmd),
    /// Serve a corpus folder over HTTP in Gutenberg's URL layouts.
    Mirror(Box<mirror::MirrorCmd>),
    /// Download, save and process books, timing every stage.
    Run(Box<run::RunCmd>),
    /// List the books of Gutenberg's catalog a selection matches, without downloading.
    Books(Box<books::BooksCmd>),
    /// Run the pipeline for each pool size against the embedded mirror and
    /// plot time against workers beside the latency model's ideal.
    Sweep(Box<sweep::SweepCmd>),
    /// Show the corpora and catalogs kept in gutenpipe's cache folder, with
    /// their sizes; `--clear` removes them.
    ///
    /// The cache folder is $GUTENPIPE_CACHE, else $XDG_CACHE_HOME/gutenpipe,
    /// else ~/.cache/gutenpipe.
    Cache(cache::CacheCmd),
}

impl Cli {
    /// Parses the command line, with a flag for every option the
    /// registered stages declare on `run` and `sweep`.
    pub fn parse_args() -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let specs = gutenpipe::stages::registry();
        let command = Cli::command()
            .mut_subcommand("run", |c| {
                processing::with_stage_flags(c, &specs).mut_arg("seed", seed_draws_random)
            })
            .mut_subcommand("books", |c| c.mut_arg("seed", seed_draws_random))
            .mut_subcommand("sweep", |c| processing::with_stage_flags(c, &specs));
        let mut matches = command.try_get_matches()?;
        let options = |name| {
            matches
                .subcommand_matches(name)
                .map(|m| processing::stage_options(&specs, m))
        };
        let (run, sweep) = (options("run"), options("sweep"));
        let mut cli = Cli::from_arg_matches_mut(&mut matches)?;
        match &mut cli.command {
            Command::Run(c) => c.stage_options = run.unwrap_or_default(),
            Command::Sweep(c) => c.stage_options = sweep.unwrap_or_default(),
            _ => {}
        }
        Ok(cli)
    }
}

/// `--seed`'s help where the command also has `--random`.
fn seed_draws_random(arg: clap::Arg) -> clap::Arg {
    arg.help(
        "Seed of the synthetic corpus and of `--random`: the same seed gives the same bytes and draws the same books",
    )
}

impl Command {
    pub fn execute(self) -> Result<ExitCode, Failure> {
        match self {
            Command::Corpus(c) => c.execute(),
            Command::Mirror(c) => c.execute(),
            Command::Run(c) => c.execute(),
            Command::Books(c) => c.execute(),
            Command::Sweep(c) => c.execute(),
            Command::Cache(c) => c.execute(),
        }
    }
}

/// The shape of a synthetic corpus.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Synthetic corpus")]
pub struct CorpusShape {
    /// Number of books in the synthetic corpus.
    #[arg(long, default_value_t = defaults::BOOKS, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub books: u32,
    /// Seed of the synthetic corpus: the same seed gives the same bytes.
    #[arg(long, default_value_t = defaults::SEED)]
    pub seed: u64,
    /// Multiplies every synthetic book's size (1.0: Gutenberg's spread, median ~300 kB).
    #[arg(long, default_value_t = defaults::SIZE_SCALE, value_parser = gutenpipe::corpus::parse_size_scale)]
    pub size_scale: f64,
}

impl CorpusShape {
    pub fn config(&self) -> CorpusConfig {
        CorpusConfig {
            books: self.books as usize,
            seed: self.seed,
            size_scale: self.size_scale,
        }
    }

    /// `dir`, or the cache folder for this shape.
    pub fn dir(&self, dir: &Option<PathBuf>) -> PathBuf {
        dir.clone()
            .unwrap_or_else(|| gutenpipe::corpus::default_dir(&self.config()))
    }
}

/// How slow the embedded mirror is.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Embedded mirror's latency model")]
pub struct LatencyArgs {
    /// Delay before each response's first byte (e.g. 200ms, 1s).
    #[arg(long, default_value = defaults::LATENCY, value_parser = units::parse_duration)]
    pub latency: Duration,
    /// Spread of the latency: 0.2 draws each delay from ±20 %.
    #[arg(long, default_value_t = defaults::JITTER, value_parser = gutenpipe::latency::parse_jitter)]
    pub jitter: f64,
    /// Bandwidth of each connection (e.g. 2MB/s, 512KiB/s; 0 for unlimited).
    #[arg(long, default_value = defaults::BANDWIDTH, value_parser = parse_bandwidth)]
    pub bandwidth: Bandwidth,
}

/// Bytes per second, or `None` for unlimited (a newtype, since clap reads a
/// bare `Option` as "the flag may be absent").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bandwidth(pub Option<u64>);

pub fn parse_bandwidth(text: &str) -> Result<Bandwidth, String> {
    units::parse_rate(text).map(Bandwidth)
}

impl LatencyArgs {
    pub fn model(&self, seed: u64) -> LatencyModel {
        LatencyModel {
            latency: self.latency,
            jitter: self.jitter,
            bandwidth: self.bandwidth.0,
            seed,
        }
    }
}

/// A clap value parser for a library type that names its values (`ALL`,
/// `name`, `FromStr`): `--help` lists the names and a wrong one is refused
/// with them, without the library type knowing clap.
pub fn named<T>(
    all: &'static [T],
    name: fn(&T) -> &'static str,
) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: Clone + Send + Sync + std::str::FromStr + 'static,
    <T as std::str::FromStr>::Err: std::fmt::Display,
{
    let names: Vec<&'static str> = all.iter().map(name).collect();
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(names)
        .try_map(|s| s.parse::<T>().map_err(|e| e.to_string()))
}

//! `gutenpipe books`: lists the books a selection matches (id, title,
//! author, language) without downloading any, from the same catalog and
//! with the same flags as `gutenpipe run`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use gutenpipe::experiment::source::parse_source;
use gutenpipe::fetch::{FetchConfig, default_user_agent};
use gutenpipe::latency::LatencyModel;
use gutenpipe::mirror::{FaultPlan, MirrorLayout};
use gutenpipe::report::books::table;
use gutenpipe::units;

use super::select::SelectArgs;
use super::{CorpusShape, Failure, exit, fatal};
use gutenpipe::mirror::embedded::Embedded;
use gutenpipe::report::console::{Stream, Terminal, width};

/// How `books` prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people: id, title, author, language.
    Table,
    /// One ebook id a line, ready for `run --ids-file`.
    Ids,
    /// A JSON array of catalog entries, every column.
    Json,
}

#[derive(Debug, Args)]
pub struct BooksCmd {
    /// Whose catalog to read: `embedded` (the synthetic corpus's), `gutenberg`
    /// (Project Gutenberg's main site), a mirror's base URL, or a local copy
    /// of Gutenberg (a folder; its pg_catalog.csv).
    #[arg(long, default_value = "embedded")]
    pub source: String,
    /// Corpus folder the embedded mirror serves (default: a cached synthetic corpus).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// How to print the books.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Limit on connecting to a server.
    #[arg(long, default_value = "10s", value_parser = units::parse_duration)]
    pub connect_timeout: Duration,
    /// User-Agent header sent with the catalog request.
    #[arg(long, default_value_t = default_user_agent())]
    pub user_agent: String,
    /// Print nothing but the books and errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub shape: CorpusShape,
}

impl BooksCmd {
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let terminal = Terminal::new(self.quiet);
        let choice = self.select.catalog_choice(self.shape.seed);
        let fetch = FetchConfig {
            connect_timeout: self.connect_timeout,
            user_agent: self.user_agent.clone(),
            ..FetchConfig::default()
        };
        let embedded = Embedded::new(
            self.corpus.clone(),
            self.shape.config(),
            LatencyModel::default(),
            FaultPlan::default(),
            MirrorLayout::default(),
        );
        let source = parse_source(&self.source)?;
        let loaded = choice.load_for(&source, &embedded, &fetch, &terminal)?;
        let chosen = choice.choose(&loaded, false, &terminal)?;
        match self.format {
            Format::Table => print!("{}", table(&chosen.books, width(Stream::Stdout))),
            Format::Ids => {
                for b in &chosen.books {
                    println!("{}", b.id);
                }
            }
            Format::Json => {
                let text = serde_json::to_string_pretty(&chosen.books).map_err(fatal)?;
                println!("{text}");
            }
        }
        Ok(ExitCode::from(exit::OK))
    }
}

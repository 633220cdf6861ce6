//! `gutenpipe books`: lists the books a selection matches (id, title,
//! author, language) without downloading any, from the same catalog and
//! with the same flags as `gutenpipe run`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use gutenpipe::catalog::CatalogBook;
use gutenpipe::fetch::{FetchConfig, default_user_agent};
use gutenpipe::latency::LatencyModel;
use gutenpipe::mirror::{FaultPlan, Mirror, MirrorConfig};
use gutenpipe::report::table::{Align, render_aligned};
use gutenpipe::units;

use super::select::SelectArgs;
use super::source::{embedded_corpus, remote_base};
use super::{CorpusShape, Failure, exit, fatal};

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
    /// (Project Gutenberg's main site) or a mirror's base URL.
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

/// `text` on one line, cut to `width` characters with an ellipsis.
fn cell(text: &str, width: usize) -> String {
    let one_line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    if one_line.chars().count() <= width {
        one_line
    } else {
        let cut: String = one_line.chars().take(width - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The books as a table.
pub fn table(books: &[CatalogBook]) -> String {
    let mut rows = vec![
        ["id", "title", "author", "language"]
            .map(String::from)
            .to_vec(),
    ];
    rows.extend(books.iter().map(|b| {
        vec![
            b.id.to_string(),
            cell(&b.title, 60),
            cell(&b.authors, 40),
            b.language.clone(),
        ]
    }));
    render_aligned(
        &rows,
        &[Align::Right, Align::Left, Align::Left, Align::Left],
    )
}

impl BooksCmd {
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let quiet = self.quiet;
        let note = move |text: String| {
            if !quiet {
                eprintln!("{text}");
            }
        };
        let base = remote_base(&self.source)?;
        // The embedded mirror runs only while the catalog is read.
        let mirror = match base {
            Some(_) => None,
            None if self.select.catalog.is_some() => None,
            None => {
                let (dir, _) = embedded_corpus(&self.corpus, &self.shape, note)?;
                let config = MirrorConfig {
                    corpus: dir,
                    latency: LatencyModel::default(),
                    faults: FaultPlan::default(),
                };
                Some(Mirror::start(config, "127.0.0.1:0").map_err(fatal)?)
            }
        };
        let base_url = base
            .clone()
            .or_else(|| mirror.as_ref().map(Mirror::base_url))
            .unwrap_or_default();
        let fetch_config = FetchConfig {
            connect_timeout: self.connect_timeout,
            user_agent: self.user_agent.clone(),
            ..FetchConfig::default()
        };
        let loaded = self
            .select
            .load(&base_url, base.is_none(), &fetch_config, &note)?;
        drop(mirror);
        let chosen = self.select.choose(&loaded, self.shape.seed, false, &note)?;
        match self.format {
            Format::Table => print!("{}", table(&chosen.books)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_one_line_and_cut_to_width() {
        assert_eq!(cell("Short", 10), "Short");
        assert_eq!(
            cell("The Bill of Rights\r\nThe Ten Original Amendments", 100),
            "The Bill of Rights: The Ten Original Amendments"
        );
        let cut = cell("A very long title indeed", 10);
        assert_eq!(cut, "A very lo…");
        assert_eq!(cut.chars().count(), 10);
    }
}

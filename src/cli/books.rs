//! `gutenpipe books`: lists the books a selection matches (id, title,
//! author, language) without downloading any, from the same catalog and
//! with the same flags as `gutenpipe run`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use gutenpipe::catalog::CatalogBook;
use gutenpipe::experiment::SourceStarter;
use gutenpipe::experiment::source::{SourceSpec, parse_source};
use gutenpipe::fetch::local::file_url;
use gutenpipe::fetch::{FetchConfig, default_user_agent};
use gutenpipe::latency::LatencyModel;
use gutenpipe::mirror::{FaultPlan, MirrorLayout};
use gutenpipe::report::table::{Align, render_aligned};
use gutenpipe::terminal::fit;
use gutenpipe::units;

use super::embedded::Embedded;
use super::select::SelectArgs;
use super::terminal::{Stream, Terminal, width};
use super::{CorpusShape, Failure, exit, fatal, usage};

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

/// `text` on one line (its lines joined with `: `).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// The widest the title and author columns are, whatever the width.
const TITLE_MOST: usize = 60;
const AUTHOR_MOST: usize = 40;
/// The narrowest they are cut to, however narrow the terminal.
const TITLE_LEAST: usize = 10;
const AUTHOR_LEAST: usize = 6;

/// How wide the title and author columns may be for the table of `books`
/// to fit `width` columns: as wide as the longest cell, at most 60 and 40,
/// and when that is too wide, the room left beside the id and language
/// shared between them (the title getting three fifths).
fn title_author_widths(books: &[CatalogBook], width: Option<usize>) -> (usize, usize) {
    let widest = |f: fn(&CatalogBook) -> &str, most: usize| {
        books
            .iter()
            .map(|b| fit::width(&one_line(f(b))))
            .max()
            .unwrap_or(0)
            .clamp(6, most)
    };
    let title = widest(|b| &b.title, TITLE_MOST);
    let author = widest(|b| &b.authors, AUTHOR_MOST);
    let Some(width) = width else {
        return (title, author);
    };
    let id = books
        .iter()
        .map(|b| b.id.to_string().len())
        .max()
        .unwrap_or(0)
        .max(2);
    let language = books
        .iter()
        .map(|b| fit::width(&b.language))
        .max()
        .unwrap_or(0)
        .max(8);
    let room = width.saturating_sub(id + language + 3 * 2);
    if title + author <= room {
        return (title, author);
    }
    let t = (room * 3 / 5).clamp(TITLE_LEAST.min(title), title);
    let a = room
        .saturating_sub(t)
        .clamp(AUTHOR_LEAST.min(author), author);
    (t, a)
}

/// The books as a table, titles and authors cut to fit `width` columns
/// (to 60 and 40 characters without a width).
pub fn table(books: &[CatalogBook], width: Option<usize>) -> String {
    let (title, author) = title_author_widths(books, width);
    let mut rows = vec![
        ["id", "title", "author", "language"]
            .map(String::from)
            .to_vec(),
    ];
    rows.extend(books.iter().map(|b| {
        vec![
            b.id.to_string(),
            fit::cut(&one_line(&b.title), title).into_owned(),
            fit::cut(&one_line(&b.authors), author).into_owned(),
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
        let terminal = Terminal::new(self.quiet);
        let choice = self.select.catalog_choice(self.shape.seed);
        let fetch = FetchConfig {
            connect_timeout: self.connect_timeout,
            user_agent: self.user_agent.clone(),
            ..FetchConfig::default()
        };
        let loaded = match parse_source(&self.source)? {
            SourceSpec::Remote(url) => choice.load(&url, true, &fetch, &terminal)?,
            SourceSpec::Folder(path) => {
                let root = std::fs::canonicalize(&path)
                    .map_err(|e| usage(format!("--source {}: {e}", path.display())))?;
                choice.load(&file_url(&root), false, &fetch, &terminal)?
            }
            SourceSpec::Embedded if choice.file.is_some() => {
                choice.load("", false, &fetch, &terminal)?
            }
            // The embedded mirror runs only while the catalog is read.
            SourceSpec::Embedded => {
                let embedded = Embedded::new(
                    self.corpus.clone(),
                    self.shape.clone(),
                    LatencyModel::default(),
                    FaultPlan::default(),
                    MirrorLayout::default(),
                );
                let source = embedded.start(&terminal)?;
                choice.load(&source.base_url, false, &fetch, &terminal)?
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use gutenpipe::book::BookId;

    fn book(id: u32, title: &str, authors: &str) -> CatalogBook {
        CatalogBook {
            id: BookId(id),
            kind: "Text".into(),
            issued: String::new(),
            title: title.into(),
            language: "en".into(),
            authors: authors.into(),
            subjects: String::new(),
            locc: String::new(),
            bookshelves: String::new(),
        }
    }

    #[test]
    fn titles_are_one_line() {
        assert_eq!(
            one_line("The Bill of Rights\r\nThe Ten Original Amendments"),
            "The Bill of Rights: The Ten Original Amendments"
        );
    }

    #[test]
    fn the_table_fits_the_width_by_cutting_titles_and_authors() {
        let books = [
            book(
                84,
                "Frankenstein; Or, The Modern Prometheus, a very long title that goes on and on",
                "Shelley, Mary Wollstonecraft, 1797-1851",
            ),
            book(1342, "Pride and Prejudice", "Austen, Jane, 1775-1817"),
        ];
        for width in [40, 60, 80, 100] {
            let text = table(&books, Some(width));
            for line in text.lines() {
                assert!(fit::width(line) <= width, "{width}: {line:?}\n{text}");
            }
            assert!(text.contains("1342  Pride and"), "{text}");
        }
        let plain = table(&books, None);
        assert!(plain.contains("Pride and Prejudice"));
        assert!(plain.lines().any(|l| l.contains("…")), "cut at 60: {plain}");
        let wide = table(&books[1..], Some(80));
        assert!(wide.contains("Pride and Prejudice  Austen, Jane, 1775-1817  en"));
    }
}

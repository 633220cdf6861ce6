//! Project Gutenberg's catalog, and choosing books from it.
//!
//! Gutenberg publishes every ebook's metadata as one CSV file,
//! `pg_catalog.csv` (columns `Text#,Type,Issued,Title,Language,Authors,
//! Subjects,LoCC,Bookshelves`), at `/cache/epub/feeds/pg_catalog.csv`; the
//! synthetic corpus writes one in the same format and the embedded mirror
//! serves it at the same path. `parse` reads it (skipping and counting bad
//! rows), [`fetch`] gets it from a file, a mirror or the local cache, and
//! [`select`] turns filters such as "French texts by Verne, 10 at random"
//! into ebook ids.

pub mod fetch;
pub mod parse;
pub mod select;

use std::path::PathBuf;

use crate::book::BookId;
use crate::fetch::FetchError;

pub use fetch::{CatalogCache, Loaded, Origin};
pub use parse::parse;
pub use select::{Chosen, Filters, Pick, Selection};

/// One row of the catalog: an ebook (or an audio book, an image set …).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CatalogBook {
    /// The ebook number.
    pub id: BookId,
    /// `Text`, `Sound`, `Image`, `StillImage`, `Collection`, `Dataset` …
    #[serde(rename = "type")]
    pub kind: String,
    /// Release date, `YYYY-MM-DD`.
    pub issued: String,
    /// The title; a subtitle may follow on a line of its own.
    pub title: String,
    /// ISO 639 codes separated by `; ` (`en`, `fr`, `en; fr`).
    pub language: String,
    /// `Last, First, born-died` names separated by `; `, with roles in
    /// brackets (`[Translator]`).
    pub authors: String,
    /// Library of Congress subject headings separated by `; `.
    pub subjects: String,
    /// Library of Congress classification codes.
    pub locc: String,
    /// Gutenberg's bookshelves separated by `; `.
    pub bookshelves: String,
}

impl CatalogBook {
    /// The language codes of the book, lower-case.
    pub fn languages(&self) -> impl Iterator<Item = String> + '_ {
        self.language
            .split([';', ','])
            .map(|code| code.trim().to_lowercase())
            .filter(|code| !code.is_empty())
    }
}

/// A row of the catalog that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Line of the file the row starts on (1 is the header).
    pub line: u64,
    /// What is wrong with the row.
    pub problem: String,
}

/// A parsed catalog: its books in file order, and the rows skipped.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The books, in the catalog's order.
    pub books: Vec<CatalogBook>,
    /// Every row that was skipped (bad id, wrong number of fields, …).
    pub skipped: Vec<SkippedRow>,
}

impl Catalog {
    /// A one-line warning about the rows skipped, naming the first few, or
    /// `None` when every row was read.
    pub fn skipped_warning(&self) -> Option<String> {
        const SHOWN: usize = 3;
        if self.skipped.is_empty() {
            return None;
        }
        let n = self.skipped.len();
        let mut examples: Vec<String> = self
            .skipped
            .iter()
            .take(SHOWN)
            .map(|s| format!("line {}: {}", s.line, s.problem))
            .collect();
        if n > SHOWN {
            examples.push(format!("{} more", n - SHOWN));
        }
        Some(format!(
            "skipped {n} malformed catalog row{} ({})",
            if n == 1 { "" } else { "s" },
            examples.join("; ")
        ))
    }
}

/// Why no catalog could be had.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Reading or caching a file failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read the catalog`).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a `pg_catalog.csv` (wrong header, not CSV).
    #[error("{origin} is not a Project Gutenberg catalog: {problem}")]
    NotACatalog {
        /// Where the file came from.
        origin: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Downloading the catalog failed and no cached copy was there.
    #[error("could not download the catalog: {source}")]
    Download {
        /// Why the download failed.
        #[source]
        source: FetchError,
    },
}

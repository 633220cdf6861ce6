//! The flags that choose books from Gutenberg's catalog (`--language`,
//! `--author`, `--limit`, `--random` …), shared by `run` and `books`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use gutenpipe::catalog::{Filters, Pick, Selection, select};
use gutenpipe::experiment::CatalogChoice;
use gutenpipe::units;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Choosing books from Gutenberg's catalog")]
pub struct SelectArgs {
    /// Choose from this pg_catalog.csv instead of the source's own catalog.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// A downloaded catalog older than this is downloaded again (12h, 7d; 0: always).
    #[arg(long, default_value = "7d", value_parser = units::parse_duration)]
    pub catalog_max_age: Duration,
    /// Books in any of these languages: codes separated by commas (en,fr).
    #[arg(long, value_delimiter = ',', value_name = "CODES", value_parser = select::parse_language)]
    pub language: Vec<String>,
    /// Books whose authors hold every word of TEXT, ignoring case (austen).
    #[arg(long, value_name = "TEXT", value_parser = select::parse_text)]
    pub author: Option<String>,
    /// Books whose title holds every word of TEXT, ignoring case.
    #[arg(long, value_name = "TEXT", value_parser = select::parse_text)]
    pub title: Option<String>,
    /// Books whose subjects hold every word of TEXT, ignoring case.
    #[arg(long, value_name = "TEXT", value_parser = select::parse_text)]
    pub subject: Option<String>,
    /// Books whose bookshelves hold every word of TEXT, ignoring case.
    #[arg(long, value_name = "TEXT", value_parser = select::parse_text)]
    pub bookshelf: Option<String>,
    /// Only catalog entries of this type (Text, Sound, Image …, or `any`).
    #[arg(long = "type", default_value = "Text", value_name = "TYPE", value_parser = select::parse_text)]
    pub kind: String,
    /// Take the first N matching books, in catalog order.
    #[arg(long, value_name = "N", conflicts_with = "random",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
    /// Take N matching books at random; `--seed` decides which.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub random: Option<u32>,
}

impl SelectArgs {
    /// Whether any flag asks for a selection. `--catalog`, `--type` and
    /// `--catalog-max-age` alone only say how one would be made.
    pub fn is_active(&self) -> bool {
        !self.language.is_empty()
            || self.author.is_some()
            || self.title.is_some()
            || self.subject.is_some()
            || self.bookshelf.is_some()
            || self.limit.is_some()
            || self.random.is_some()
    }

    /// The selection these flags describe; `seed` draws `--random`.
    pub fn selection(&self, seed: u64) -> Selection {
        Selection {
            filters: Filters {
                languages: self.language.clone(),
                author: self.author.clone(),
                title: self.title.clone(),
                subject: self.subject.clone(),
                bookshelf: self.bookshelf.clone(),
                kind: (!self.kind.eq_ignore_ascii_case("any")).then(|| self.kind.clone()),
            },
            pick: match (self.limit, self.random) {
                (_, Some(n)) => Pick::Random {
                    count: n as usize,
                    seed,
                },
                (Some(n), None) => Pick::First(n as usize),
                (None, None) => Pick::All,
            },
        }
    }

    /// The catalog choice these flags describe, when they ask for one.
    pub fn choice(&self, seed: u64) -> Option<CatalogChoice> {
        self.is_active().then(|| self.catalog_choice(seed))
    }

    /// The catalog choice these flags describe (every book of the type
    /// when no filter is given).
    pub fn catalog_choice(&self, seed: u64) -> CatalogChoice {
        CatalogChoice {
            file: self.catalog.clone(),
            max_age: self.catalog_max_age,
            selection: self.selection(seed),
        }
    }
}

//! The flags that choose books from Gutenberg's catalog (`--language`,
//! `--author`, `--limit`, `--random` …), shared by `run` and `books`, and
//! getting the catalog they choose from: `--catalog FILE`, or the source's
//! own, cached locally.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::anyhow;
use clap::Args;
use gutenpipe::catalog::fetch::{self, MAX_CATALOG_BYTES, catalog_url};
use gutenpipe::catalog::{
    CatalogBook, CatalogCache, CatalogError, Filters, Loaded, Origin, Pick, Selection,
};
use gutenpipe::fetch::{FetchConfig, FetchError, Fetcher};
use gutenpipe::units;
use serde_json::{Value, json};

use super::source::{MAIN_SITE, is_main_site};
use super::{Failure, fatal, usage};

/// Most books a selection may send to a live server without `--limit` or
/// `--random`: a guard against crawling a whole mirror by accident.
pub const LIVE_SELECTION_GUARD: usize = 1000;

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
    #[arg(long, value_delimiter = ',', value_name = "CODES", value_parser = parse_language)]
    pub language: Vec<String>,
    /// Books whose authors hold every word of TEXT, ignoring case (austen).
    #[arg(long, value_name = "TEXT", value_parser = parse_text)]
    pub author: Option<String>,
    /// Books whose title holds every word of TEXT, ignoring case.
    #[arg(long, value_name = "TEXT", value_parser = parse_text)]
    pub title: Option<String>,
    /// Books whose subjects hold every word of TEXT, ignoring case.
    #[arg(long, value_name = "TEXT", value_parser = parse_text)]
    pub subject: Option<String>,
    /// Books whose bookshelves hold every word of TEXT, ignoring case.
    #[arg(long, value_name = "TEXT", value_parser = parse_text)]
    pub bookshelf: Option<String>,
    /// Only catalog entries of this type (Text, Sound, Image …, or `any`).
    #[arg(long = "type", default_value = "Text", value_name = "TYPE", value_parser = parse_text)]
    pub kind: String,
    /// Take the first N matching books, in catalog order.
    #[arg(long, value_name = "N", conflicts_with = "random",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
    /// Take N matching books at random; `--seed` decides which.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub random: Option<u32>,
}

fn parse_text(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the value is empty".into());
    }
    Ok(t.to_string())
}

fn parse_language(text: &str) -> Result<String, String> {
    let t = text.trim();
    if (2..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{t}` is not a language code; the catalog uses ISO 639 codes such as en, fr, de, fi"
        ))
    }
}

/// The outcome of a selection, owned: the books taken, in catalog order.
pub struct Chosen {
    pub books: Vec<CatalogBook>,
    /// What the report records about the selection.
    pub report: Value,
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

    /// The catalog to choose from: `--catalog FILE`, else the one at `base`
    /// (the embedded mirror's, fetched each time; a live mirror's, through
    /// the local cache). A live mirror without a catalog falls back to the
    /// main site's. Warnings are printed; `note` gets the rest.
    pub fn load(
        &self,
        base: &str,
        embedded: bool,
        fetch_config: &FetchConfig,
        note: &dyn Fn(String),
    ) -> Result<Loaded, Failure> {
        let loaded = match &self.catalog {
            Some(path) => fetch::from_file(path).map_err(|e| usage(anyhow!("--catalog: {e}")))?,
            None => {
                let fetcher = Fetcher::new(
                    FetchConfig {
                        max_bytes: MAX_CATALOG_BYTES,
                        idle_connections: 1,
                        ..fetch_config.clone()
                    },
                    None,
                );
                let cache = (!embedded).then(|| CatalogCache::in_default_dir(self.catalog_max_age));
                let url = catalog_url(base);
                match fetch::from_url(&url, &fetcher, cache.as_ref()) {
                    Err(CatalogError::Download {
                        source: FetchError::Status { status: 404, .. },
                    }) if !embedded && !is_main_site(base) => {
                        let main = catalog_url(MAIN_SITE);
                        note(format!(
                            "{base} has no catalog at {url}; using Project Gutenberg's own, {main} (kept for {})",
                            units::format_age(self.catalog_max_age)
                        ));
                        fetch::from_url(&main, &fetcher, cache.as_ref()).map_err(no_catalog)?
                    }
                    result => result.map_err(no_catalog)?,
                }
            }
        };
        match &loaded.origin {
            Origin::Stale { error, .. } => {
                eprintln!("warning: could not refresh the catalog ({error}); using the cached copy")
            }
            Origin::Downloaded {
                cache_error: Some(e),
                ..
            } => eprintln!("warning: the catalog could not be cached: {e}"),
            _ => {}
        }
        if let Some(warning) = loaded.catalog.skipped_warning() {
            eprintln!("warning: {}", gutenpipe::terminal::clean(&warning));
        }
        note(format!(
            "catalog: {} entries from {}",
            loaded.catalog.books.len(),
            loaded.origin
        ));
        Ok(loaded)
    }

    /// Applies the selection to `loaded`. No match is a usage error, and so
    /// is a selection of more than [`LIVE_SELECTION_GUARD`] books from a
    /// live server without `--limit` or `--random`.
    pub fn choose(
        &self,
        loaded: &Loaded,
        seed: u64,
        live: bool,
        note: &dyn Fn(String),
    ) -> Result<Chosen, Failure> {
        let selection = self.selection(seed);
        let chosen = selection.apply(&loaded.catalog);
        let what = selection.describe();
        if chosen.books.is_empty() {
            return Err(usage(anyhow!(
                "no book in the catalog ({} entries) matches {what}; languages are codes such as en or fr, and --type any lifts the type filter",
                loaded.catalog.books.len()
            )));
        }
        if live && selection.pick == Pick::All && chosen.matched > LIVE_SELECTION_GUARD {
            return Err(usage(anyhow!(
                "{} books match {what}: too many to download from a live server without saying so; add --limit N or --random N (--limit {0} takes them all)",
                chosen.matched
            )));
        }
        note(format!(
            "selection: {what}: {} of {} matching {}",
            chosen.books.len(),
            chosen.matched,
            if chosen.matched == 1 {
                "entry"
            } else {
                "entries"
            }
        ));
        let report = json!({
            "catalog": loaded.origin.to_string(),
            "catalog_entries": loaded.catalog.books.len(),
            "skipped_rows": loaded.catalog.skipped.len(),
            "filters": what,
            "matched": chosen.matched,
            "chosen": chosen.books.len(),
        });
        Ok(Chosen {
            books: chosen.books.into_iter().cloned().collect(),
            report,
        })
    }
}

/// The error when no catalog could be had: exit code 3, with what to do
/// without a network.
fn no_catalog(error: CatalogError) -> Failure {
    let cause = match &error {
        CatalogError::Download {
            source: FetchError::Retried { last, .. },
        } => Some(&**last),
        CatalogError::Download { source } => Some(source),
        _ => None,
    };
    let hint = match cause {
        Some(
            FetchError::Connect { .. } | FetchError::Timeout { .. } | FetchError::Transport { .. },
        ) => {
            ". Is there a network? Offline, use --source embedded, or --catalog FILE, or name books with --ids"
        }
        Some(FetchError::Status { status: 404, .. }) => {
            ". The source has no catalog: pass --catalog FILE, or name books with --ids"
        }
        _ => "",
    };
    fatal(anyhow!("{error}{hint}"))
}

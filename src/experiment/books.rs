//! Which books a run fetches: ebook ids, a file of ids, exact URLs, and
//! books chosen from Gutenberg's catalog ([`CatalogChoice`]), in that
//! order and without repeats; with none of these, every book the source
//! offers. The catalog is a file the user names, or the source's own —
//! cached for a live server, and Project Gutenberg's when a mirror has none.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use super::source::{
    FOLDER_CATALOGS, MAIN_SITE, Offered, SourceSpec, SourceStarter, folder_catalog, is_main_site,
};
use super::{ExperimentError, Listener};
use crate::book::{BookId, BookRequest, MAX_ID_LIST_BYTES, Target, id_from_url, parse_id_list};
use crate::catalog::fetch::{self, MAX_CATALOG_BYTES, catalog_url};
use crate::catalog::{CatalogBook, CatalogCache, CatalogError, Loaded, Origin, Pick, Selection};
use crate::fetch::{FetchConfig, FetchError, Fetcher};
use crate::input::{InputError, read_capped};
use crate::record::SelectionReport;
use crate::units;

/// Most books a selection may send to a live server without `--limit` or
/// `--random`: a guard against crawling a whole mirror by accident.
pub const LIVE_SELECTION_GUARD: usize = 1000;

/// The books asked for.
#[derive(Debug, Clone, Default)]
pub struct BookChoice {
    /// Ebook ids (`--ids`).
    pub ids: Vec<BookId>,
    /// A file of ebook ids (`--ids-file`).
    pub ids_file: Option<PathBuf>,
    /// Exact URLs (`--urls`); each book is saved under the id in its URL.
    pub urls: Vec<String>,
    /// Books to choose from a catalog, when any are.
    pub catalog: Option<CatalogChoice>,
}

/// Books to choose from a catalog.
#[derive(Debug, Clone)]
pub struct CatalogChoice {
    /// This `pg_catalog.csv` instead of the source's own (`--catalog`).
    pub file: Option<PathBuf>,
    /// A cached catalog older than this is downloaded again.
    pub max_age: Duration,
    /// The filters and how many to take.
    pub selection: Selection,
}

/// The books chosen from a catalog, and what the report says of it.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The books chosen, in catalog order.
    pub books: Vec<CatalogBook>,
    /// How they were chosen and from which catalog, as the report records it.
    pub report: SelectionReport,
}

impl BookChoice {
    /// The books named by id, file or URL, in order, with repeats; checked
    /// before any source is started.
    pub fn named(&self) -> Result<Vec<(BookId, Target)>, ExperimentError> {
        let mut wanted: Vec<(BookId, Target)> =
            self.ids.iter().map(|&id| (id, Target::Mirror)).collect();
        if let Some(path) = &self.ids_file {
            let bytes = read_capped(path, MAX_ID_LIST_BYTES).map_err(|e| match e {
                InputError::Io { source, .. } => ExperimentError::Usage(format!(
                    "could not read --ids-file {}: {source}",
                    path.display()
                )),
                other => ExperimentError::Usage(format!("--ids-file: {other}")),
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                ExperimentError::Usage(format!("--ids-file {} is not UTF-8 text", path.display()))
            })?;
            let ids = parse_id_list(&text).map_err(|e| {
                ExperimentError::Usage(format!("--ids-file {}, {e}", path.display()))
            })?;
            if ids.is_empty() {
                return Err(ExperimentError::Usage(format!(
                    "--ids-file {} lists no ebook ids",
                    path.display()
                )));
            }
            wanted.extend(ids.into_iter().map(|id| (id, Target::Mirror)));
        }
        for url in &self.urls {
            if !crate::fetch::is_http_url(url) {
                return Err(ExperimentError::Usage(format!(
                    "--urls: `{url}` is not an http:// or https:// URL"
                )));
            }
            let id = id_from_url(url).ok_or_else(|| {
                ExperimentError::Usage(format!(
                    "--urls: no ebook id in `{url}`; books are saved under their id, so use a Gutenberg URL such as …/files/84/84-0.txt"
                ))
            })?;
            wanted.push((id, Target::Url(crate::fetch::normalize_scheme(url))));
        }
        Ok(wanted)
    }

    /// The books to fetch: those named, then those `chosen` from the
    /// catalog; with neither, every book `offered` (by its exact URL when
    /// `exact` and the source knows it). Repeats are fetched once and
    /// returned apart, so that the user can be told.
    pub fn requests(
        &self,
        chosen: Option<&[CatalogBook]>,
        offered: Option<&[Offered]>,
        exact: bool,
    ) -> Result<(Vec<BookRequest>, Vec<BookId>), ExperimentError> {
        let mut wanted = self.named()?;
        wanted.extend(chosen.into_iter().flatten().map(|b| (b.id, Target::Mirror)));
        if wanted.is_empty() && chosen.is_none() {
            match offered {
                Some(books) => wanted.extend(books.iter().map(|b| {
                    let target = match (&b.url, exact) {
                        (Some(url), true) => Target::Url(url.clone()),
                        _ => Target::Mirror,
                    };
                    (b.id, target)
                })),
                None => {
                    return Err(ExperimentError::Usage(
                        "no books chosen: pass --ids 84,1342, --ids-file FILE or --urls URL, or choose from the catalog with --language, --author, --title, --subject, --bookshelf, --limit N or --random N".into(),
                    ));
                }
            }
        }
        let mut seen = HashSet::new();
        let mut requests = Vec::new();
        let mut repeated = Vec::new();
        for (id, target) in wanted {
            if seen.insert(id) {
                requests.push(BookRequest {
                    index: requests.len(),
                    id,
                    target,
                });
            } else {
                repeated.push(id);
            }
        }
        Ok((requests, repeated))
    }
}

impl CatalogChoice {
    /// The catalog to choose from for a source `--source` names
    /// ([`CatalogChoice::load`]): a server's, a folder's, or — for the
    /// embedded source — the corpus's, `embedded` being started only while
    /// the catalog is read (and not at all when a file is named).
    pub fn load_for(
        &self,
        source: &SourceSpec,
        embedded: &dyn SourceStarter,
        fetch_config: &FetchConfig,
        listener: &dyn Listener,
    ) -> Result<Loaded, ExperimentError> {
        match source {
            SourceSpec::Remote(url) => self.load(url, true, fetch_config, listener),
            SourceSpec::Folder(path) => {
                let root = std::fs::canonicalize(path).map_err(|e| {
                    ExperimentError::Usage(format!("--source {}: {e}", path.display()))
                })?;
                let url = crate::fetch::local::file_url(&root);
                self.load(&url, false, fetch_config, listener)
            }
            SourceSpec::Embedded if self.file.is_some() => {
                self.load("", false, fetch_config, listener)
            }
            SourceSpec::Embedded => {
                let source = embedded.start(listener)?;
                self.load(&source.base_url, false, fetch_config, listener)
            }
        }
    }

    /// The catalog to choose from: the file named, else the one at `base`
    /// (a live server's through the local cache; a server started for this
    /// run's each time; a local folder's own `pg_catalog.csv`). A live
    /// mirror without a catalog falls back to the main site's.
    pub fn load(
        &self,
        base: &str,
        live: bool,
        fetch_config: &FetchConfig,
        listener: &dyn Listener,
    ) -> Result<Loaded, ExperimentError> {
        let loaded = match &self.file {
            Some(path) => fetch::from_file(path)
                .map_err(|e| ExperimentError::Usage(format!("--catalog: {e}")))?,
            None if crate::fetch::local::is_file_url(base) => {
                let root = crate::fetch::local::path_of_url(base);
                let path = folder_catalog(&root).ok_or_else(|| {
                    ExperimentError::Usage(format!(
                        "the folder {} holds no catalog (looked for {}); pass --catalog FILE, or name books with --ids",
                        root.display(),
                        FOLDER_CATALOGS.join(", ")
                    ))
                })?;
                fetch::from_file(&path).map_err(|e| ExperimentError::Usage(e.to_string()))?
            }
            None => {
                let fetcher = Fetcher::new(
                    FetchConfig {
                        max_bytes: MAX_CATALOG_BYTES,
                        idle_connections: 1,
                        ..fetch_config.clone()
                    },
                    None,
                );
                let cache = live.then(|| CatalogCache::in_default_dir(self.max_age));
                let url = catalog_url(base);
                match fetch::from_url(&url, &fetcher, cache.as_ref()) {
                    Err(CatalogError::Download {
                        source: FetchError::Status { status: 404, .. },
                    }) if live && !is_main_site(base) => {
                        let main = catalog_url(MAIN_SITE);
                        listener.note(&format!(
                            "{base} has no catalog at {url}; using Project Gutenberg's own, {main} (kept for {})",
                            units::format_age(self.max_age)
                        ));
                        fetch::from_url(&main, &fetcher, cache.as_ref()).map_err(no_catalog)?
                    }
                    result => result.map_err(no_catalog)?,
                }
            }
        };
        match &loaded.origin {
            Origin::Stale { error, .. } => listener.warn(&format!(
                "could not refresh the catalog ({error}); using the cached copy"
            )),
            Origin::Downloaded {
                cache_error: Some(e),
                ..
            } => listener.warn(&format!("the catalog could not be cached: {e}")),
            _ => {}
        }
        if let Some(warning) = loaded.catalog.skipped_warning() {
            listener.warn(&warning);
        }
        listener.note(&format!(
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
        live: bool,
        listener: &dyn Listener,
    ) -> Result<Chosen, ExperimentError> {
        let selection = &self.selection;
        let chosen = selection.apply(&loaded.catalog);
        let what = selection.describe();
        if chosen.books.is_empty() {
            return Err(ExperimentError::Usage(format!(
                "no book in the catalog ({} entries) matches {what}: {}",
                loaded.catalog.books.len(),
                selection.filters.why_none(&loaded.catalog)
            )));
        }
        if live && selection.pick == Pick::All && chosen.matched > LIVE_SELECTION_GUARD {
            return Err(ExperimentError::Usage(format!(
                "{} books match {what}: too many to download from a live server without saying so; add --limit N or --random N (--limit {0} takes them all)",
                chosen.matched
            )));
        }
        listener.note(&format!(
            "selection: {what}: {} of {} matching {}",
            chosen.books.len(),
            chosen.matched,
            if chosen.matched == 1 {
                "entry"
            } else {
                "entries"
            }
        ));
        Ok(Chosen {
            report: SelectionReport {
                catalog: loaded.origin.to_string(),
                catalog_entries: loaded.catalog.books.len(),
                skipped_rows: loaded.catalog.skipped.len(),
                filters: what,
                matched: chosen.matched,
                chosen: chosen.books.len(),
            },
            books: chosen.books.into_iter().cloned().collect(),
        })
    }
}

/// The error when no catalog could be had, with what to do without a
/// network.
fn no_catalog(error: CatalogError) -> ExperimentError {
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
    ExperimentError::Fatal(format!("{error}{hint}"))
}

//! Where books come from. A [`SourceStarter`] starts a source when the
//! experiment is ready for it (after every input has been checked) and
//! hands back a running [`Source`]: a base URL and what the report and the
//! user should know of it. [`RemoteSource`] is a server on the network —
//! Project Gutenberg's main site or a mirror; [`LocalSource`] a local copy
//! of Gutenberg (an rsync copy of the main collection or of the generated
//! files), named by a `file://` URL; the command line starts the embedded
//! mirror through this trait too, so the experiment sees every source only
//! as a URL.

use std::path::{Path, PathBuf};

use super::{ExperimentError, Listener};
use crate::book::BookId;
use crate::fetch::local::{self, file_url, is_file_url, path_of_url};
use crate::fetch::{FetchConfig, host_of, is_gutenberg};
use crate::latency::LatencyModel;
use crate::record::SourceSettings;
use crate::units;

/// Project Gutenberg's main site, which `--source gutenberg` names.
pub const MAIN_SITE: &str = "https://www.gutenberg.org";

/// A book a source offers, with its exact URL when the source knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    /// The ebook number.
    pub id: BookId,
    /// Its exact URL, when the source knows it.
    pub url: Option<String>,
}

/// A running source of books.
pub struct Source {
    /// The URL the Gutenberg layouts are tried under.
    pub base_url: String,
    /// How the report names it: `embedded`, or the base URL.
    pub name: String,
    /// A server on the network rather than one started for this run: the
    /// user is told what the run will do to it, the per-host politeness
    /// applies, its catalog is cached, and a large selection needs `--limit`.
    pub live: bool,
    /// The books it offers when none are asked for (a corpus it serves).
    pub offered: Option<Vec<Offered>>,
    /// What the report records of it (latency model, faults).
    pub settings: SourceSettings,
    /// The latency model it follows, when known: the sweep plots its
    /// prediction.
    pub model: Option<LatencyModel>,
    /// The corpus folder it serves, when it serves one.
    pub folder: Option<PathBuf>,
    /// Keeps whatever serves the source running until the source is dropped.
    _running: Option<Box<dyn Send>>,
}

impl Source {
    /// A server on the network at `base_url`.
    pub fn remote(base_url: &str) -> Source {
        let base_url = base_url.trim_end_matches('/').to_string();
        Source {
            name: base_url.clone(),
            base_url,
            live: true,
            offered: None,
            settings: SourceSettings::default(),
            model: None,
            folder: None,
            _running: None,
        }
    }

    /// A source served by `running` (an in-process server), which stays up
    /// as long as the source lives.
    pub fn served(name: &str, base_url: String, running: impl Send + 'static) -> Source {
        Source {
            name: name.to_string(),
            base_url,
            live: false,
            offered: None,
            settings: SourceSettings::default(),
            model: None,
            folder: None,
            _running: Some(Box::new(running)),
        }
    }
}

/// Starts a source when the experiment is ready for it.
pub trait SourceStarter {
    /// Starts the source; may take a while (generating a corpus).
    fn start(&self, listener: &dyn Listener) -> Result<Source, ExperimentError>;
}

/// A server on the network: nothing to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSource(pub String);

impl SourceStarter for RemoteSource {
    fn start(&self, _listener: &dyn Listener) -> Result<Source, ExperimentError> {
        Ok(Source::remote(&self.0))
    }
}

/// A local copy of Gutenberg: a folder holding the main collection's
/// numbered tree (`1/0/2/3/10234/10234-0.txt`, rsync module `gutenberg`)
/// or the generated files (`84/pg84.txt`, rsync module `gutenberg-epub`),
/// told apart by looking. Books are read from it on the download pool; no
/// network is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSource(pub PathBuf);

/// Where a local copy may keep Gutenberg's catalog, relative to its root.
pub const FOLDER_CATALOGS: [&str; 3] = [
    "pg_catalog.csv",
    "feeds/pg_catalog.csv",
    "cache/epub/feeds/pg_catalog.csv",
];

/// The catalog file a local copy at `root` holds, if any.
pub fn folder_catalog(root: &Path) -> Option<PathBuf> {
    FOLDER_CATALOGS
        .iter()
        .map(|name| root.join(name))
        .find(|p| p.is_file())
}

impl SourceStarter for LocalSource {
    fn start(&self, listener: &dyn Listener) -> Result<Source, ExperimentError> {
        let shown = self.0.display();
        let root = std::fs::canonicalize(&self.0)
            .map_err(|e| ExperimentError::Usage(format!("--source {shown}: {e}")))?;
        if !root.is_dir() {
            return Err(ExperimentError::Usage(format!(
                "--source {shown} is not a folder"
            )));
        }
        let family = local::detect(&root).ok_or_else(|| {
            ExperimentError::Usage(format!(
                "--source {shown} holds no Gutenberg books in a layout gutenpipe reads: \
                 the main collection's numbered tree (1/0/2/3/10234/10234-0.txt, 0/5/5.txt) \
                 or the generated files (84/pg84.txt)"
            ))
        })?;
        let base_url = file_url(&root);
        let catalog = folder_catalog(&root);
        listener.note(&format!(
            "local folder {}: {}; catalog {}",
            root.display(),
            family.describe(),
            catalog
                .as_ref()
                .map_or("none (--catalog FILE to choose books by it)".into(), |c| {
                    c.display().to_string()
                })
        ));
        let mut source = Source::remote(&base_url);
        source.live = false;
        source.folder = Some(root);
        Ok(source)
    }
}

/// What `--source` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// The embedded mirror on the synthetic corpus.
    Embedded,
    /// A server at this base URL (`gutenberg` is the main site).
    Remote(String),
    /// A local copy of Gutenberg (`/data/gutenberg`, `file:///data/gutenberg`).
    Folder(PathBuf),
}

/// What `--source` names: `embedded`, `gutenberg`, an `http://` or
/// `https://` base URL, a `file://` URL, or the path of a folder that
/// exists (`./embedded` names a folder called `embedded`).
pub fn parse_source(source: &str) -> Result<SourceSpec, ExperimentError> {
    match source {
        "embedded" => Ok(SourceSpec::Embedded),
        "gutenberg" => Ok(SourceSpec::Remote(MAIN_SITE.to_string())),
        url if crate::fetch::is_http_url(url) => Ok(SourceSpec::Remote(
            crate::fetch::normalize_scheme(url.trim_end_matches('/')),
        )),
        url if is_file_url(url) => Ok(SourceSpec::Folder(path_of_url(url))),
        path if Path::new(path).is_dir() => Ok(SourceSpec::Folder(PathBuf::from(path))),
        other => Err(ExperimentError::Usage(format!(
            "--source `{other}` is neither `embedded`, `gutenberg`, an http:// or https:// URL, \
             nor a folder{}",
            if Path::new(other).exists() {
                " (it is a file)"
            } else {
                " that exists"
            }
        ))),
    }
}

/// Whether `base` is Project Gutenberg's main site rather than a mirror.
pub fn is_main_site(base: &str) -> bool {
    is_gutenberg(&host_of(base))
}

/// What a run against the live server at `base` will do to it, said before
/// its first request: connections at once, the pause between requests (the
/// per-host limits of [`crate::fetch::Politeness`]), retries and the
/// connect timeout.
pub fn live_notice(base: &str, download_workers: usize, config: &FetchConfig) -> String {
    let limits = config.politeness.limits_for(&host_of(base));
    let connections = limits
        .connections
        .map_or(download_workers, |n| n.min(download_workers));
    let pause = if limits.interval.is_zero() {
        "no pause between requests".to_string()
    } else {
        format!(
            "{} between requests",
            units::format_duration(limits.interval)
        )
    };
    format!(
        "live source {base}: at most {connections} connection{} at once, {pause}, \
         up to {} retr{} per file, connect timeout {}",
        if connections == 1 { "" } else { "s" },
        config.retry.retries,
        if config.retry.retries == 1 {
            "y"
        } else {
            "ies"
        },
        units::format_duration(config.connect_timeout)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sources() {
        assert_eq!(parse_source("embedded").unwrap(), SourceSpec::Embedded);
        let remote = |s: &str| SourceSpec::Remote(s.to_string());
        assert_eq!(
            parse_source("gutenberg").unwrap(),
            remote("https://www.gutenberg.org")
        );
        assert_eq!(
            parse_source("https://gutenberg.pglaf.org/").unwrap(),
            remote("https://gutenberg.pglaf.org")
        );
        let err = parse_source("ftp://x").unwrap_err().to_string();
        assert!(err.contains("nor a folder that exists"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        assert_eq!(
            parse_source(path).unwrap(),
            SourceSpec::Folder(dir.path().to_path_buf())
        );
        assert_eq!(
            parse_source(&format!("file://{path}")).unwrap(),
            SourceSpec::Folder(dir.path().to_path_buf())
        );
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let err = parse_source(file.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("(it is a file)"), "{err}");
    }

    #[test]
    fn a_folder_without_books_is_refused_and_one_with_them_started() {
        let dir = tempfile::tempdir().unwrap();
        let source = LocalSource(dir.path().to_path_buf());
        let err = source
            .start(&super::super::Silent)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("holds no Gutenberg books"), "{err}");
        std::fs::create_dir_all(dir.path().join("8/84")).unwrap();
        std::fs::write(dir.path().join("8/84/84-0.txt"), "x").unwrap();
        let started = source.start(&super::super::Silent).unwrap();
        assert!(
            started.base_url.starts_with("file:///"),
            "{}",
            started.base_url
        );
        assert!(!started.live);
        assert_eq!(folder_catalog(dir.path()), None);
        std::fs::create_dir_all(dir.path().join("feeds")).unwrap();
        std::fs::write(dir.path().join("feeds/pg_catalog.csv"), "x").unwrap();
        assert_eq!(
            folder_catalog(dir.path()),
            Some(dir.path().join("feeds/pg_catalog.csv"))
        );
    }

    #[test]
    fn the_main_site_is_told_from_mirrors() {
        assert!(is_main_site("https://www.gutenberg.org"));
        assert!(is_main_site("http://gutenberg.org:80/"));
        assert!(is_main_site(MAIN_SITE));
        assert!(!is_main_site("https://gutenberg.pglaf.org"));
        assert!(!is_main_site("http://127.0.0.1:8080"));
        assert!(!is_main_site("https://www.gutenberg.org.example.com"));
    }

    #[test]
    fn the_live_notice_states_the_limits() {
        let config = FetchConfig::default();
        let n = live_notice("https://gutenberg.pglaf.org", 4, &config);
        assert!(
            n.starts_with(
                "live source https://gutenberg.pglaf.org: at most 4 connections at once, no pause between requests, up to "
            ),
            "{n}"
        );
        let n = live_notice(MAIN_SITE, 16, &config);
        assert!(
            n.contains("at most 1 connection at once, 2.00 s between requests"),
            "{n}"
        );
        let mut config = FetchConfig::default();
        config.politeness.connections = Some(8);
        config.politeness.interval = Some(Duration::from_millis(500));
        let n = live_notice("http://127.0.0.1:8080", 2, &config);
        assert!(
            n.contains("at most 2 connections at once, 500.0 ms between requests"),
            "{n}"
        );
    }
}

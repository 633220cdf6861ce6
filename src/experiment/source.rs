//! Where books come from. A [`SourceStarter`] starts a source when the
//! experiment is ready for it (after every input has been checked) and
//! hands back a running [`Source`]: a base URL and what the report and the
//! user should know of it. [`RemoteSource`] is a server on the network —
//! Project Gutenberg's main site or a mirror; the command line starts the
//! embedded mirror through this trait too, so the experiment sees every
//! source only as a URL.

use std::path::PathBuf;

use super::{ExperimentError, Listener};
use crate::book::BookId;
use crate::fetch::{FetchConfig, host_of, is_gutenberg};
use crate::latency::LatencyModel;
use crate::record::SourceSettings;
use crate::units;

/// Project Gutenberg's main site, which `--source gutenberg` names.
pub const MAIN_SITE: &str = "https://www.gutenberg.org";

/// A book a source offers, with its exact URL when the source knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub id: BookId,
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

/// What `--source` names: `None` for the embedded mirror, else the base URL
/// of a remote server (`gutenberg` is the main site).
pub fn remote_base(source: &str) -> Result<Option<String>, ExperimentError> {
    match source {
        "embedded" => Ok(None),
        "gutenberg" => Ok(Some(MAIN_SITE.to_string())),
        url if crate::fetch::is_http_url(url) => Ok(Some(crate::fetch::normalize_scheme(
            url.trim_end_matches('/'),
        ))),
        other => Err(ExperimentError::Usage(format!(
            "--source `{other}` is neither `embedded`, `gutenberg` nor an http:// or https:// URL"
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
        assert_eq!(remote_base("embedded").unwrap(), None);
        assert_eq!(
            remote_base("gutenberg").unwrap().as_deref(),
            Some("https://www.gutenberg.org")
        );
        assert_eq!(
            remote_base("https://gutenberg.pglaf.org/")
                .unwrap()
                .as_deref(),
            Some("https://gutenberg.pglaf.org")
        );
        assert!(remote_base("ftp://x").is_err());
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

//! Where books come from, shared by `run` and `books`: `--source embedded`
//! (the embedded mirror on a synthetic corpus), `--source gutenberg`
//! (Project Gutenberg's main site) or the base URL of any mirror, and what a
//! run against a live server tells the user before its first request.

use std::path::PathBuf;

use anyhow::anyhow;
use gutenpipe::corpus::{CatalogEntry, open_or_generate};
use gutenpipe::fetch::{FetchConfig, host_of, is_gutenberg};
use gutenpipe::units;

use super::{CorpusShape, Failure, fatal, usage};

/// Project Gutenberg's main site, which `--source gutenberg` names.
pub const MAIN_SITE: &str = "https://www.gutenberg.org";
/// The base URL `--source` names, or `None` for the embedded mirror.
pub fn remote_base(source: &str) -> Result<Option<String>, Failure> {
    match source {
        "embedded" => Ok(None),
        "gutenberg" => Ok(Some(MAIN_SITE.to_string())),
        url if gutenpipe::fetch::is_http_url(url) => Ok(Some(gutenpipe::fetch::normalize_scheme(
            url.trim_end_matches('/'),
        ))),
        other => Err(usage(anyhow!(
            "--source `{other}` is neither `embedded`, `gutenberg` nor an http:// or https:// URL"
        ))),
    }
}

/// Whether `base` is Project Gutenberg's main site rather than a mirror.
pub fn is_main_site(base: &str) -> bool {
    is_gutenberg(&host_of(base))
}

/// The corpus folder the embedded mirror serves and its catalog: `corpus`
/// when given (it must exist), else the cached synthetic corpus of `shape`,
/// generated the first time.
pub fn embedded_corpus(
    corpus: &Option<PathBuf>,
    shape: &CorpusShape,
    note: impl Fn(String),
) -> Result<(PathBuf, Vec<CatalogEntry>), Failure> {
    let dir = shape.dir(corpus);
    if corpus.is_some() && !dir.exists() {
        return Err(usage(anyhow!(
            "--corpus {} does not exist; create it with `gutenpipe corpus --out {0}`",
            dir.display()
        )));
    }
    if !dir.join(gutenpipe::corpus::CATALOG_FILE).exists() {
        note(format!(
            "generating a synthetic corpus of {} books in {} (once)",
            shape.books,
            dir.display()
        ));
    }
    let (catalog, _) = open_or_generate(&dir, &shape.config()).map_err(fatal)?;
    Ok((dir, catalog))
}

/// What a run against the live server at `base` will do to it, said before
/// its first request: connections at once, the pause between requests (the
/// per-host limits of [`gutenpipe::fetch::Politeness`]), retries and the
/// connect timeout. On the main site the politeness note of `fetch` follows.
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
